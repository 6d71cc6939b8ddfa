/*
 * smtp_io_*: one command out, one strictly parsed reply in, each bounded by
 * the command timeout.  Any transport failure or malformed reply makes the
 * session unusable; nothing here retries or guesses.
 */
#include <stdio.h>
#include <string.h>

#include "relayd/smtp/smtp_session.h"

/* A transport failure as a local TEMP status. */
static int io_fail(struct smtp_session *s, enum smtp_stage stage,
    struct smtp_status *st, const char *what)
{
	s->usable = 0;
	if (s->t.timed_out)
		smtp_status_local(st, stage, SMTP_TEMP,
		    "timed out after %lld s %s", (long long)(s->cmd_ms / 1000),
		    what);
	else
		smtp_status_local(st, stage, SMTP_TEMP, "%s (%s)", s->t.err,
		    what);
	return -1;
}

int smtp_io_write(struct smtp_session *s, const void *buf, size_t len,
    enum smtp_stage stage, struct smtp_status *st)
{
	if (smtp_transport_write(&s->t, buf, len, smtp_now_ms() + s->cmd_ms)
	    < 0)
		return io_fail(s, stage, st, "sending to the server");
	return 0;
}

/* Drop the previous reply from the front of the buffer. */
static void drop_last(struct smtp_session *s)
{
	if (s->rdrop == 0)
		return;
	memmove(s->rbuf, s->rbuf + s->rdrop, s->rlen - s->rdrop);
	s->rlen -= s->rdrop;
	s->rdrop = 0;
}

int smtp_io_reply(struct smtp_session *s, struct smtp_reply *r,
    enum smtp_stage stage, struct smtp_status *st)
{
	int64_t deadline = smtp_now_ms() + s->cmd_ms;

	drop_last(s);
	for (;;) {
		enum smtp_reply_res res = smtp_reply_parse(s->rbuf, s->rlen, r);
		ssize_t n;

		if (res == SMTP_REPLY_DONE) {
			s->rdrop = r->consumed;
			return 0;
		}
		if (res == SMTP_REPLY_ERROR || s->rlen == sizeof(s->rbuf)) {
			s->usable = 0;
			smtp_status_local(st, stage, SMTP_TEMP,
			    "%s from the server", r->err[0] ? r->err :
			    "malformed reply: too long");
			return -1;
		}
		n = smtp_transport_read(&s->t, s->rbuf + s->rlen,
		    sizeof(s->rbuf) - s->rlen, deadline);
		if (n == 0) {
			s->usable = 0;
			smtp_status_local(st, stage, SMTP_TEMP,
			    "connection closed by the server");
			return -1;
		}
		if (n < 0)
			return io_fail(s, stage, st,
			    "waiting for the server reply");
		s->rlen += (size_t)n;
	}
}

int smtp_io_cmd(struct smtp_session *s, const char *line,
    struct smtp_reply *r, enum smtp_stage stage, struct smtp_status *st)
{
	char buf[1100];
	int n = snprintf(buf, sizeof(buf), "%s\r\n", line);

	if (n < 0 || (size_t)n >= sizeof(buf)) {
		smtp_status_local(st, stage, SMTP_PERM, "command too long");
		return -1;
	}
	if (smtp_io_write(s, buf, (size_t)n, stage, st) < 0)
		return -1;
	return smtp_io_reply(s, r, stage, st);
}

size_t smtp_io_pending(const struct smtp_session *s)
{
	return (s->rlen - s->rdrop) + smtp_transport_pending(&s->t);
}
