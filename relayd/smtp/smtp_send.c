/*
 * smtp_send(): one message over an open session: MAIL FROM, RCPT TO per
 * recipient, DATA (one write when PIPELINING is offered), the text in wire
 * form, the final ".", outcome per recipient.  It never sends an address
 * with control characters, never fails a message because an optional
 * extension (DSN, 8BITMIME) is missing, and never lets a read error in the
 * queued text end the DATA normally: the connection is dropped instead.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "relayd/smtp/smtp_session.h"

#define BODY_IN		32768			/* read from the spool */
#define BODY_OUT	(2 * BODY_IN + 16)	/* one write per chunk */

/* RSET after a refused transaction; a bad answer ends the session. */
static void rset(struct smtp_session *s)
{
	struct smtp_status junk;
	struct smtp_reply r;

	if (!s->usable)
		return;
	if (smtp_io_cmd(s, "RSET", &r, SMTP_STAGE_MAIL, &junk) == 0 &&
	    r.code != 250)
		s->usable = 0;
}

/* 354 after all recipients were refused (pipelining): end the empty
 * DATA so the session stays in step; no recipient means no delivery. */
static void empty_data(struct smtp_tx *x)
{
	struct smtp_status junk;
	struct smtp_reply r;

	if (smtp_io_write(x->s, ".\r\n", 3, SMTP_STAGE_DATA, &junk) == 0)
		(void)smtp_io_reply(x->s, &r, SMTP_STAGE_DATA, &junk);
}

/* A command that does not fit its buffer is never sent cut short (the
 * server would read the rest as another command).  SMTP_CMD_MAX makes this
 * unreachable for the addresses prepare() lets through. */
static int too_long(struct smtp_tx *x, enum smtp_stage stage)
{
	/* Possibly mid-transaction: this session is not reused. */
	x->s->usable = 0;
	smtp_status_local(x->st, stage, SMTP_PERM, "%s command too long",
	    stage == SMTP_STAGE_RCPT ? "RCPT" : "MAIL");
	return smtp_tx_broken(x);
}

/* MAIL, every pending RCPT and DATA as one malloc'ed text. */
static int pipeline_text(struct smtp_tx *x, int utf8, char **out, size_t *len)
{
	size_t cap = SMTP_CMD_MAX * (x->nvalid + 2), o, n, i;
	char *buf = malloc(cap);

	if (buf == NULL) {
		smtp_status_local(x->st, SMTP_STAGE_MAIL, SMTP_TEMP,
		    "out of memory");
		return smtp_tx_broken(x);
	}
	o = smtp_cmd_mail(x->s, x->m, utf8, buf, cap);
	for (i = 0; o > 0 && i < x->m->nrcpt; i++) {
		if (x->state[i] != SMTP_R_PENDING)
			continue;
		n = smtp_cmd_rcpt(x->s, x->m, i, buf + o, cap - o);
		if (n == 0) {
			free(buf);
			return too_long(x, SMTP_STAGE_RCPT);
		}
		o += n;
	}
	if (o == 0 || cap - o < sizeof("DATA\r\n")) {
		free(buf);
		return too_long(x, SMTP_STAGE_MAIL);
	}
	memcpy(buf + o, "DATA\r\n", 6);
	*out = buf;
	*len = o + 6;
	return 0;
}

/* RFC 2920: MAIL, every RCPT and DATA in one write, replies in order. */
static int envelope_pipelined(struct smtp_tx *x, int utf8)
{
	struct smtp_session *s = x->s;
	struct smtp_reply r, mr;
	size_t o = 0, i;
	char *buf = NULL;
	int mail_ok, rc;

	if (pipeline_text(x, utf8, &buf, &o) < 0)
		return -1;
	rc = smtp_io_write(s, buf, o, SMTP_STAGE_MAIL, x->st);
	free(buf);
	if (rc < 0 || smtp_io_reply(s, &mr, SMTP_STAGE_MAIL, x->st) < 0)
		return smtp_tx_broken(x);
	mail_ok = smtp_outcome_of(mr.code) == SMTP_OK;
	if (mr.code == 421)
		return smtp_tx_mail_refused(x, &mr);
	for (i = 0; i < x->m->nrcpt; i++) {
		if (x->state[i] != SMTP_R_PENDING)
			continue;
		if (smtp_io_reply(s, &r, SMTP_STAGE_RCPT, x->st) < 0)
			return smtp_tx_broken(x);
		if (mail_ok && smtp_tx_rcpt_reply(x, i, &r) < 0)
			return -1;
	}
	if (smtp_io_reply(s, &r, SMTP_STAGE_DATA, x->st) < 0)
		return smtp_tx_broken(x);
	if (!mail_ok || x->accepted == 0) {
		if (r.code == 354)
			empty_data(x);
		rset(s);
		return mail_ok ? smtp_tx_none_accepted(x) :
		    smtp_tx_mail_refused(x, &mr);
	}
	if (r.code != 354) {
		smtp_status_reply(s, x->st, SMTP_STAGE_DATA, &r);
		rset(s);
		return -1;
	}
	return 0;
}

/* Without PIPELINING: one command, one reply. */
static int envelope_steps(struct smtp_tx *x, int utf8)
{
	struct smtp_session *s = x->s;
	char line[SMTP_CMD_MAX];
	struct smtp_reply r;
	size_t i, n;

	n = smtp_cmd_mail(s, x->m, utf8, line, sizeof(line));
	if (n == 0)
		return too_long(x, SMTP_STAGE_MAIL);
	if (smtp_io_write(s, line, n, SMTP_STAGE_MAIL, x->st) < 0 ||
	    smtp_io_reply(s, &r, SMTP_STAGE_MAIL, x->st) < 0)
		return smtp_tx_broken(x);
	if (smtp_outcome_of(r.code) != SMTP_OK) {
		smtp_tx_mail_refused(x, &r);
		rset(s);
		return -1;
	}
	for (i = 0; i < x->m->nrcpt; i++) {
		if (x->state[i] != SMTP_R_PENDING)
			continue;
		n = smtp_cmd_rcpt(s, x->m, i, line, sizeof(line));
		if (n == 0)
			return too_long(x, SMTP_STAGE_RCPT);
		if (smtp_io_write(s, line, n, SMTP_STAGE_RCPT, x->st) < 0 ||
		    smtp_io_reply(s, &r, SMTP_STAGE_RCPT, x->st) < 0)
			return smtp_tx_broken(x);
		if (smtp_tx_rcpt_reply(x, i, &r) < 0)
			return -1;
	}
	if (x->accepted == 0) {
		rset(s);
		return smtp_tx_none_accepted(x);
	}
	if (smtp_io_cmd(s, "DATA", &r, SMTP_STAGE_DATA, x->st) < 0)
		return smtp_tx_broken(x);
	if (r.code != 354) {
		smtp_status_reply(s, x->st, SMTP_STAGE_DATA, &r);
		rset(s);
		return -1;
	}
	return 0;
}

/* A failure while the text is being sent: the DATA must not end
 * normally (the server would deliver a truncated message), so the session
 * is abandoned and the connection closed without a ".". */
static int body_abort(struct smtp_tx *x, const char *why, int err)
{
	x->s->usable = 0;
	smtp_status_local(x->st, SMTP_STAGE_BODY, SMTP_TEMP,
	    "reading the queued message: %s", err ? strerror(err) : why);
	return -1;
}

static ssize_t body_read(struct smtp_tx *x, char *buf, size_t len, off_t off)
{
	ssize_t n;

	do
		n = pread(x->m->fd, buf, len, off);
	while (n < 0 && errno == EINTR);
	return n;
}

/* Stream the text: read, encode, one write per chunk; the last chunk
 * carries the final "." and is preceded by the before_dot hook. */
static int send_body(struct smtp_tx *x)
{
	char *in = malloc(BODY_IN), *out = malloc(BODY_OUT);
	uint64_t left = x->m->len;
	off_t off = x->m->off;
	struct smtp_dot d;
	int rc = -1;

	if (in == NULL || out == NULL) {
		body_abort(x, "out of memory", 0);
		goto done;
	}
	smtp_dot_init(&d);
	for (;;) {
		size_t want = left < BODY_IN ? (size_t)left : BODY_IN, o;
		ssize_t n = want ? body_read(x, in, want, off) : 0;

		if (n < 0 || (n == 0 && want > 0)) {
			body_abort(x, "shorter than its recorded size",
			    n < 0 ? errno : 0);
			goto done;
		}
		off += n;
		left -= (uint64_t)n;
		o = smtp_dot_encode(&d, in, (size_t)n, out);
		if (left == 0) {
			o += smtp_dot_finish(&d, out + o);
			if (x->m->before_dot && x->m->before_dot(x->m->arg)) {
				x->s->usable = 0;	/* no "." ever */
				smtp_status_local(x->st, SMTP_STAGE_BODY,
				    SMTP_TEMP, "not sent: the in-flight mark "
				    "could not be written");
				goto done;
			}
		}
		if (smtp_io_write(x->s, out, o, SMTP_STAGE_BODY, x->st) < 0)
			goto done;
		if (left == 0)
			break;
	}
	rc = 0;
done:
	free(in);
	free(out);
	return rc;
}

/* The reply to the final ".": from here a lost connection means the
 * message may have been delivered (RFC 1047): temporary, stage DOT. */
static int dot_reply(struct smtp_tx *x)
{
	struct smtp_reply r;
	struct smtp_status io;

	if (smtp_io_reply(x->s, &r, SMTP_STAGE_DOT, &io) < 0) {
		smtp_status_local(x->st, SMTP_STAGE_DOT, SMTP_TEMP,
		    "connection lost after end of data; the message may have "
		    "been delivered (%s)", io.text);
		return -1;
	}
	smtp_status_reply(x->s, x->st, SMTP_STAGE_DOT, &r);
	return x->st->outcome == SMTP_OK ? 0 : -1;
}

int smtp_send(struct smtp_session *s, const struct smtp_msg *m,
    struct smtp_status *rcpt_st, struct smtp_status *st)
{
	struct smtp_tx x;
	int utf8 = 0, rc = -1;

	if (smtp_tx_begin(&x, s, m, rcpt_st, st, &utf8) < 0)
		goto out;
	if ((s->caps.pipelining && x.nvalid <= SMTP_PIPE_RCPT_MAX ?
	    envelope_pipelined(&x, utf8) :
	    envelope_steps(&x, utf8)) < 0)
		goto out;
	if (send_body(&x) < 0)
		goto out;
	rc = dot_reply(&x);
out:
	smtp_tx_end(&x);
	return rc;
}

int smtp_probe_sender(struct smtp_session *s, const char *sender,
    struct smtp_status *st)
{
	struct smtp_msg m;
	struct smtp_reply r;
	char line[SMTP_CMD_MAX];
	size_t n;

	memset(&m, 0, sizeof(m));
	m.sender = sender;
	if (!smtp_usable(s) || !smtp_cmd_addr_ok(sender)) {
		smtp_status_local(st, SMTP_STAGE_MAIL, SMTP_PERM, "%s",
		    smtp_usable(s) ? "invalid sender address" :
		    "session not usable");
		return -1;
	}
	n = smtp_cmd_mail(s, &m, 0, line, sizeof(line));
	if (n == 0 || n < 2) {
		smtp_status_local(st, SMTP_STAGE_MAIL, SMTP_PERM,
		    "MAIL command too long");
		return -1;
	}
	line[n - 2] = '\0';		/* smtp_io_cmd adds the CRLF */
	if (smtp_io_cmd(s, line, &r, SMTP_STAGE_MAIL, st) < 0)
		return -1;
	smtp_status_reply(s, st, SMTP_STAGE_MAIL, &r);
	rset(s);
	return st->outcome == SMTP_OK ? 0 : -1;
}
