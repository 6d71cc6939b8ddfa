/*
 * Accounts in the runner: a config with `account` sections is delivered
 * one account after the other, each over its own session to its own
 * smarthost, each in submission order.  A failing account only defers its
 * own mail (its sub-pass ends early); the next account's sub-pass starts
 * afresh.  Mail of an account no longer in the config is never rerouted.
 */
#include "relayd/runner/runner_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

/* What mailq shows for such mail; notice.c recognises it by the words
 * RUNNER_ORPHAN_MARK (keep the two in step). */
#define RUNNER_ORPHAN_MARK	" is no longer configured"

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
		r->top = full;
		log_debug("account %s: pass", r->account);
		rc = pass_one(r, &sub, e);
		add_result(res, &sub);
	}
	r->conf = full;
	r->account = NULL;
	r->top = NULL;
	free(view);
	return rc;
}

/* The reason for env: its account, and the ways out. */
static void orphan_reason(const struct conf *c, const struct envelope *env,
    char *out, size_t len)
{
	char list[512];

	if (c->naccounts == 0) {
		snprintf(out, len, "account %s%s (the config has no `account` "
		    "sections); add it back, or save the text and delete "
		    "the message", env->account, RUNNER_ORPHAN_MARK);
		return;
	}
	conf_account_list(c, list, sizeof(list));
	snprintf(out, len, "account %s%s; add it back or run outpost requeue "
	    "--account OTHER %s (accounts: %s)", env->account[0] ?
	    env->account : "(none, and no account_default)",
	    RUNNER_ORPHAN_MARK, env->id, list);
}

/* Already told: every recipient still to go carries the reason. */
static int orphan_told(const struct envelope *env, const char *reason)
{
	size_t i;

	for (i = 0; i < env->nrcpt; i++)
		if ((env->rcpt[i].state == RCPT_PENDING ||
		    env->rcpt[i].state == RCPT_DEFERRED) &&
		    strcmp(env->rcpt[i].reason, reason) != 0)
			return 0;
	return 1;
}

/* Defer every recipient still to go with the reason, due at once should
 * the account come back; written under the message lock. */
static void orphan_mark(struct runner_pass_state *p, const char *id,
    const char *reason)
{
	struct envelope env;
	struct op_err e;
	size_t i;
	int lockfd;

	if (spool_lock_msg(p->r->sp, id, &lockfd, &e) != 1)
		return;		/* busy (a hold?): the next pass tells */
	if (spool_load(p->r->sp, id, &env, &e) == 0 &&
	    !orphan_told(&env, reason)) {
		for (i = 0; i < env.nrcpt; i++) {
			struct env_rcpt *rc = &env.rcpt[i];

			if (rc->state != RCPT_PENDING &&
			    rc->state != RCPT_DEFERRED)
				continue;
			rc->state = RCPT_DEFERRED;
			rc->next_try = 0;
			snprintf(rc->reason, sizeof(rc->reason), "%s", reason);
		}
		if (spool_update(p->r->sp, &env, &e) < 0)
			log_msg(LOG_LVL_WARN, id, "cannot record why it waits: "
			    "%s", e.msg);
		else
			log_msg(LOG_LVL_WARN, id, "not sent: %s", reason);
	}
	envelope_free(&env);
	spool_unlock_msg(lockfd);
}

int runner_account_orphan(struct runner_pass_state *p,
    const struct envelope *env)
{
	const struct conf *c = p->r->top != NULL ? p->r->top : p->r->conf;
	char reason[SPOOL_REASON_MAX];

	if (runner_account_known(c, env))
		return 0;
	orphan_reason(c, env, reason, sizeof(reason));
	if (!orphan_told(env, reason))
		orphan_mark(p, env->id, reason);
	return 1;
}
