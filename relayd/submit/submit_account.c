/*
 * The account of a submission (see submit_account.h).  Without -f the
 * From: address decides, so a MUA that only writes From: (mutt, git
 * send-email without --envelope-sender) still reaches the right account.
 */
#include "relayd/submit/submit_account.h"

#include <stdio.h>
#include <string.h>

#include "relayd/submit/submit_addr.h"
#include "relayd/submit/submit_extract.h"
#include "util/printable.h"

/* No -f: the From: address becomes the envelope sender when it is one we
 * may store; else the sender from the config stays. */
static void sender_from_header(const struct submit_hdrs *h,
    struct envelope *env)
{
	char raw[SPOOL_ADDR_MAX], a[SPOOL_ADDR_MAX];
	struct op_err e;

	if (submit_extract_from_addr(h, raw, sizeof(raw)) < 0 ||
	    submit_addr_check(raw, "sender", 0, a, sizeof(a), &e) < 0)
		return;
	memcpy(env->sender, a, strlen(a) + 1);
	if (submit_addr_is_utf8(a))
		env->smtputf8 = 1;
}

int submit_account(const struct sendmail_opts *o, const struct conf *c,
    const struct submit_hdrs *h, struct envelope *env, struct op_err *e)
{
	char names[512], who[SPOOL_ADDR_MAX];
	const char *name;
	int i;

	/* Without -f the From: address decides the account, and stands in
	 * for a config that gives no sender at all (no `from`, no
	 * LOGNAME/USER for login@host): never a silent null sender. */
	if (o->sender == NULL && (c->naccounts > 0 || env->sender[0] == '\0'))
		sender_from_header(h, env);
	if (o->sender == NULL && env->sender[0] == '\0')
		return op_errf(e, OP_CONFIG, "no sender address: %s sets no "
		    "`from`, LOGNAME and USER are unset and the message has no "
		    "usable From: address; add `from you@example.org` to the "
		    "config, or send with -f ADDRESS", c->path[0] ? c->path :
		    "the config");
	if (c->naccounts == 0)
		return 0;
	i = conf_account_match(c, env->sender);
	if (i < 0) {
		conf_account_list(c, names, sizeof(names));
		printable(who, sizeof(who), env->sender, strlen(env->sender));
		return op_errf(e, OP_DATA, "sender <%s> matches the `from` "
		    "patterns of no account (configured: %s) and "
		    "account_default is not set; not queued.  Send with -f "
		    "ADDRESS of one of them, or add the address to an "
		    "account's `from` in %s", who, names, c->path[0] ?
		    c->path : "the config");
	}
	name = conf_account_name(c, (size_t)i);
	snprintf(env->account, sizeof(env->account), "%s", name);
	return 0;
}
