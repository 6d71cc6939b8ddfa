/*
 * Accounts in the runner: a config with `account` sections is delivered
 * one account after the other, each over its own session to its own
 * smarthost, each in submission order.  A failing account only defers its
 * own mail (its sub-pass ends early); the next account's sub-pass starts
 * afresh.  Mail of an account no longer in the config is never rerouted.
 */
#include "relayd/runner/runner_int.h"

#include <stdlib.h>
#include <string.h>

#include "util/log.h"

/* The account env goes through under config c: its recorded one, else
 * (queued before sections existed) account_default; "" = none. */
static const char *effective(const struct conf *c,
    const struct envelope *env)
{
	if (env->account[0] != '\0')
		return env->account;
	return c->account_default;
}

int runner_account_known(const struct conf *c, const struct envelope *env)
{
	if (c->naccounts == 0)
		return env->account[0] == '\0';
	return conf_account_find(c, effective(c, env)) >= 0;
}

int runner_account_mine(const struct runner *r, const struct envelope *env)
{
	/* In a sub-pass r->conf is the account's view: no accounts, but
	 * account_default is kept. */
	if (r->account == NULL)
		return runner_account_known(r->conf, env);
	return strcmp(effective(r->conf, env), r->account) == 0;
}

static void add_result(struct runner_result *to,
    const struct runner_result *r)
{
	to->attempted += r->attempted;
	to->removed += r->removed;
	to->remaining += r->remaining;
	to->busy += r->busy;
	to->sessions += r->sessions;
	to->bounces += r->bounces;
	if (r->next_wake < to->next_wake)
		to->next_wake = r->next_wake;
	to->stopped |= r->stopped;
}

int runner_account_pass(struct runner *r, struct runner_result *res,
    int (*pass_one)(struct runner *, struct runner_result *,
    struct op_err *), struct op_err *e)
{
	const struct conf *full = r->conf;
	struct conf *view = malloc(sizeof(*view));
	struct runner_result sub;
	size_t i;
	int rc = 0;

	if (view == NULL)
		return op_errnof(e, OP_TEMP, "runner");
	for (i = 0; i < full->naccounts && rc == 0 && !res->stopped; i++) {
		if (r->stop != NULL && r->stop(r->stop_arg))
			break;
		conf_account_view(full, i, view);
		r->conf = view;
		r->account = conf_account_name(full, i);
		log_debug("account %s: pass", r->account);
		rc = pass_one(r, &sub, e);
		add_result(res, &sub);
	}
	r->conf = full;
	r->account = NULL;
	free(view);
	return rc;
}
