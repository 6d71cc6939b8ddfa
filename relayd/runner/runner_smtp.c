/*
 * The production side of the runner's SMTP seam: smtp_open/smtp_send over
 * OpenSSL.  The SASL password is fetched just before the session opens and
 * wiped right after; it is never kept, logged or passed anywhere else.
 */
#include "relayd/runner/runner.h"

#include <stdio.h>
#include <string.h>

/* A password or an OAuth access token (tokens run to several KB). */
#define RUNNER_PASSWORD_MAX	(CONF_SECRET_MAX + 1)

static int real_open(void *ctx, const struct conf *c, void **sess,
    struct smtp_status *st)
{
	char pw[RUNNER_PASSWORD_MAX];
	struct smtp_session *s = NULL;
	struct op_err e;
	int rc;

	(void)ctx;
	*sess = NULL;
	if (c->user[0] != '\0' &&
	    conf_password(c, pw, sizeof(pw), &e) < 0) {
		explicit_bzero(pw, sizeof(pw));
		memset(st, 0, sizeof(*st));
		st->outcome = SMTP_TEMP;
		st->stage = SMTP_STAGE_AUTH;
		snprintf(st->text, sizeof(st->text), "no password: %.1000s", e.msg);
		return -1;
	}
	rc = smtp_open(c, c->user[0] != '\0' ? pw : NULL, &s, st);
	/* The password is needed only for AUTH inside smtp_open. */
	explicit_bzero(pw, sizeof(pw));
	if (rc < 0)
		return -1;
	*sess = s;
	return 0;
}

static int real_send(void *ctx, void *sess, const struct smtp_msg *m,
    int (*before_dot)(void *arg), void *arg, struct smtp_status *rcpt_st,
    struct smtp_status *st)
{
	struct smtp_msg copy = *m;

	(void)ctx;
	copy.before_dot = before_dot;
	copy.arg = arg;
	return smtp_send(sess, &copy, rcpt_st, st);
}

static int real_usable(void *ctx, void *sess)
{
	(void)ctx;
	return smtp_usable(sess);
}

static void real_close(void *ctx, void *sess)
{
	(void)ctx;
	smtp_close(sess);
}

static int real_window(void *ctx, void *sess, unsigned k,
    const struct smtp_window_ops *wops, void *warg)
{
	(void)ctx;
	return smtp_window_run(sess, k, wops, warg);
}

const struct runner_ops runner_smtp_ops = {
	.open = real_open, .send = real_send, .usable = real_usable,
	.close = real_close, .ctx = NULL, .window = real_window,
};
