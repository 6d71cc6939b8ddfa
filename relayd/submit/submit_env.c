/*
 * Envelope assembly.  Every address passes submit_addr_check() here, so no
 * path into the envelope skips the CR/LF/control/'-' checks.  Duplicates are
 * dropped (git send-email already de-duplicates; -t plus argv may not).
 */
#include "relayd/submit/submit_env.h"

#include <string.h>
#include <strings.h>

#include "relayd/submit/submit_addr.h"
#include "relayd/submit/submit_rewrite.h"

/* Copy an option value; lower: fold ASCII case (NOTIFY/RET keywords are
 * case-insensitive, one spelling in the envelope keeps the runner simple). */
static void copy_opt(char *dst, size_t dstlen, const char *v, int lower)
{
	size_t n, i;

	if (v == NULL)
		return;
	n = strnlen(v, dstlen - 1);
	for (i = 0; i < n; i++)
		dst[i] = lower && v[i] >= 'A' && v[i] <= 'Z' ?
		    (char)(v[i] - 'A' + 'a') : v[i];
	dst[n] = '\0';
}

static int set_sender(const struct sendmail_opts *o, const struct conf *c,
    struct envelope *env, struct op_err *e)
{
	if (o->sender != NULL)
		return submit_addr_check(o->sender, "sender", 1, env->sender,
		    sizeof(env->sender), e);
	if (submit_addr_check(c->from, "sender", 1, env->sender,
	    sizeof(env->sender), e) < 0) {
		/* The address came from the config: say so (exit 78). */
		e->st = OP_CONFIG;
		return -1;
	}
	return 0;
}

int submit_env_add_rcpt(void *ctx, const char *addr, struct op_err *e)
{
	struct envelope *env = ctx;
	char a[SPOOL_ADDR_MAX];
	size_t i;

	if (submit_addr_check(addr, "recipient", 0, a, sizeof(a), e) < 0)
		return -1;
	for (i = 0; i < env->nrcpt; i++)
		if (strcasecmp(env->rcpt[i].addr, a) == 0)
			return 0;
	if (env->nrcpt >= SPOOL_RCPT_MAX)
		return op_errf(e, OP_DATA, "more than %d recipients",
		    SPOOL_RCPT_MAX);
	if (submit_addr_is_utf8(a))
		env->smtputf8 = 1;
	return envelope_add_rcpt(env, a, e);
}

int submit_env_from_opts(const struct sendmail_opts *o, const struct conf *c,
    struct envelope *env, struct op_err *e)
{
	size_t i;

	if (set_sender(o, c, env, e) < 0)
		return -1;
	if (o->fullname != NULL && submit_rewrite_check_name(o->fullname,
	    e) < 0)
		return -1;
	if (submit_addr_is_utf8(env->sender))
		env->smtputf8 = 1;
	for (i = 0; i < o->nrcpts; i++)
		if (submit_env_add_rcpt(env, o->rcpts[i], e) < 0)
			return -1;
	copy_opt(env->dsn_notify, sizeof(env->dsn_notify), o->dsn_notify, 1);
	copy_opt(env->dsn_ret, sizeof(env->dsn_ret), o->dsn_ret, 1);
	copy_opt(env->envid, sizeof(env->envid), o->envid, 0);
	if (o->body_type != NULL && strcasecmp(o->body_type, "8BITMIME") == 0)
		env->body_8bit = 1;
	return 0;
}
