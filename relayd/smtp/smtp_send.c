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
/* Above this many recipients the commands go one by one: a huge pipelined
 * write while the server's replies pile up unread could fill both socket
 * buffers and stall until the timeout. */
#define PIPE_RCPT_MAX	100

static int has_8bit(const char *a)
{
	for (; *a; a++)
		if ((unsigned char)*a >= 0x80)
			return 1;
	return 0;
}

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

enum rstate { R_SKIP = 0, R_PENDING, R_DONE };

/* One transaction in progress. */
struct tx {
	struct smtp_session *s;
	const struct smtp_msg *m;
	struct smtp_status *rst, *st;
	unsigned char *state;		/* enum rstate per recipient */
	size_t nvalid, accepted;
};

/* The session broke (or 421): every recipient without an answer of its
 * own shares the message status. */
static int broken(struct tx *x)
{
	size_t i;

	for (i = 0; i < x->m->nrcpt; i++)
		if (x->state[i] == R_PENDING)
			x->rst[i] = *x->st;
	return -1;
}

/* Status of a transaction that reached no recipient: temporary when any
 * refusal was temporary, else the last permanent one. */
static int none_accepted(struct tx *x)
{
	const struct smtp_status *pick = NULL;
	size_t i;

	for (i = 0; i < x->m->nrcpt; i++) {
		if (x->rst[i].outcome == SMTP_TEMP && (pick == NULL ||
		    pick->outcome != SMTP_TEMP))
			pick = &x->rst[i];
		else if (pick == NULL || pick->outcome != SMTP_TEMP)
			pick = &x->rst[i];
	}
	if (pick != NULL)	/* nrcpt is never 0 here; keeps -O2 quiet */
		*x->st = *pick;
	return -1;
}

/* A refused MAIL FROM: every recipient gets its reply. */
static int mail_refused(struct tx *x, const struct smtp_reply *r)
{
	size_t i;

	smtp_status_reply(x->s, x->st, SMTP_STAGE_MAIL, r);
	for (i = 0; i < x->m->nrcpt; i++)
		if (x->state[i] == R_PENDING) {
			x->rst[i] = *x->st;
			x->state[i] = R_DONE;
		}
	return -1;
}

/* One RCPT reply; -1 when it ended the session (421). */
static int rcpt_reply(struct tx *x, size_t i, const struct smtp_reply *r)
{
	smtp_status_reply(x->s, &x->rst[i], SMTP_STAGE_RCPT, r);
	x->state[i] = R_DONE;
	if (x->rst[i].outcome == SMTP_OK)
		x->accepted++;
	if (r->code == 421) {
		*x->st = x->rst[i];
		return broken(x);
	}
	return 0;
}

/* 354 after all recipients were refused (pipelining): end the empty
 * DATA so the session stays in step; no recipient means no delivery. */
static void empty_data(struct tx *x)
{
	struct smtp_status junk;
	struct smtp_reply r;

	if (smtp_io_write(x->s, ".\r\n", 3, SMTP_STAGE_DATA, &junk) == 0)
		(void)smtp_io_reply(x->s, &r, SMTP_STAGE_DATA, &junk);
}

/* A command that does not fit its buffer is never sent cut short (the
 * server would read the rest as another command).  SMTP_CMD_MAX makes this
 * unreachable for the addresses prepare() lets through. */
static int too_long(struct tx *x, enum smtp_stage stage)
{
	/* Possibly mid-transaction: this session is not reused. */
	x->s->usable = 0;
	smtp_status_local(x->st, stage, SMTP_PERM, "%s command too long",
	    stage == SMTP_STAGE_RCPT ? "RCPT" : "MAIL");
	return broken(x);
}

/* MAIL, every pending RCPT and DATA as one malloc'ed text. */
static int pipeline_text(struct tx *x, int utf8, char **out, size_t *len)
{
	size_t cap = SMTP_CMD_MAX * (x->nvalid + 2), o, n, i;
	char *buf = malloc(cap);

	if (buf == NULL) {
		smtp_status_local(x->st, SMTP_STAGE_MAIL, SMTP_TEMP,
		    "out of memory");
		return broken(x);
	}
	o = smtp_cmd_mail(x->s, x->m, utf8, buf, cap);
	for (i = 0; o > 0 && i < x->m->nrcpt; i++) {
		if (x->state[i] != R_PENDING)
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
static int envelope_pipelined(struct tx *x, int utf8)
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
		return broken(x);
	mail_ok = smtp_outcome_of(mr.code) == SMTP_OK;
	if (mr.code == 421)
		return mail_refused(x, &mr);
	for (i = 0; i < x->m->nrcpt; i++) {
		if (x->state[i] != R_PENDING)
			continue;
		if (smtp_io_reply(s, &r, SMTP_STAGE_RCPT, x->st) < 0)
			return broken(x);
		if (mail_ok && rcpt_reply(x, i, &r) < 0)
			return -1;
	}
	if (smtp_io_reply(s, &r, SMTP_STAGE_DATA, x->st) < 0)
		return broken(x);
	if (!mail_ok || x->accepted == 0) {
		if (r.code == 354)
			empty_data(x);
		rset(s);
		return mail_ok ? none_accepted(x) : mail_refused(x, &mr);
	}
	if (r.code != 354) {
		smtp_status_reply(s, x->st, SMTP_STAGE_DATA, &r);
		rset(s);
		return -1;
	}
	return 0;
}

/* Without PIPELINING: one command, one reply. */
static int envelope_steps(struct tx *x, int utf8)
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
		return broken(x);
	if (smtp_outcome_of(r.code) != SMTP_OK) {
		mail_refused(x, &r);
		rset(s);
		return -1;
	}
	for (i = 0; i < x->m->nrcpt; i++) {
		if (x->state[i] != R_PENDING)
			continue;
		n = smtp_cmd_rcpt(s, x->m, i, line, sizeof(line));
		if (n == 0)
			return too_long(x, SMTP_STAGE_RCPT);
		if (smtp_io_write(s, line, n, SMTP_STAGE_RCPT, x->st) < 0 ||
		    smtp_io_reply(s, &r, SMTP_STAGE_RCPT, x->st) < 0)
			return broken(x);
		if (rcpt_reply(x, i, &r) < 0)
			return -1;
	}
	if (x->accepted == 0) {
		rset(s);
		return none_accepted(x);
	}
	if (smtp_io_cmd(s, "DATA", &r, SMTP_STAGE_DATA, x->st) < 0)
		return broken(x);
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
static int body_abort(struct tx *x, const char *why, int err)
{
	x->s->usable = 0;
	smtp_status_local(x->st, SMTP_STAGE_BODY, SMTP_TEMP,
	    "reading the queued message: %s", err ? strerror(err) : why);
	return -1;
}

static ssize_t body_read(struct tx *x, char *buf, size_t len, off_t off)
{
	ssize_t n;

	do
		n = pread(x->m->fd, buf, len, off);
	while (n < 0 && errno == EINTR);
	return n;
}

/* Stream the text: read, encode, one write per chunk; the last chunk
 * carries the final "." and is preceded by the before_dot hook. */
static int send_body(struct tx *x)
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
static int dot_reply(struct tx *x)
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

/* Local checks before anything is written; -1 with *st. */
static int prepare(struct tx *x, int *utf8)
{
	const struct smtp_msg *m = x->m;
	size_t i;

	*utf8 = m->smtputf8 || has_8bit(m->sender);
	if (!smtp_cmd_addr_ok(m->sender)) {
		smtp_status_local(x->st, SMTP_STAGE_MAIL, SMTP_PERM,
		    "invalid sender address (control character, space or "
		    "angle bracket)");
		return -1;
	}
	if (x->s->caps.size_max > 0 && m->len > x->s->caps.size_max) {
		smtp_status_local(x->st, SMTP_STAGE_MAIL, SMTP_PERM,
		    "message size %" PRIu64 " exceeds the server limit %"
		    PRIu64, m->len, x->s->caps.size_max);
		return -1;
	}
	for (i = 0; i < m->nrcpt; i++) {
		if (!smtp_cmd_addr_ok(m->rcpts[i])) {
			smtp_status_local(&x->rst[i], SMTP_STAGE_RCPT,
			    SMTP_PERM, "invalid recipient address (control "
			    "character, space or angle bracket)");
			continue;
		}
		x->state[i] = R_PENDING;
		x->nvalid++;
		if (has_8bit(m->rcpts[i]))
			*utf8 = 2;
	}
	/* Non-ASCII addresses need SMTPUTF8; 8-bit headers alone go out
	 * anyway when the server lacks it (as Postfix does). */
	if ((*utf8 == 2 || has_8bit(m->sender)) && !x->s->caps.smtputf8) {
		smtp_status_local(x->st, SMTP_STAGE_MAIL, SMTP_PERM,
		    "server does not support SMTPUTF8, needed for a non-ASCII "
		    "address");
		return -1;
	}
	if (x->nvalid == 0)
		return none_accepted(x);
	return 0;
}

int smtp_send(struct smtp_session *s, const struct smtp_msg *m,
    struct smtp_status *rcpt_st, struct smtp_status *st)
{
	struct tx x = { s, m, rcpt_st, st, NULL, 0, 0 };
	int utf8 = 0, rc = -1;
	size_t i;

	smtp_status_local(st, SMTP_STAGE_MAIL, SMTP_TEMP, "not attempted");
	for (i = 0; i < m->nrcpt; i++)
		rcpt_st[i] = *st;
	x.state = calloc(m->nrcpt ? m->nrcpt : 1, 1);
	if (x.state == NULL || m->nrcpt == 0 || !smtp_usable(s)) {
		smtp_status_local(st, SMTP_STAGE_MAIL, SMTP_TEMP, "%s",
		    x.state == NULL ? "out of memory" : m->nrcpt == 0 ?
		    "no recipients" : "session not usable");
		goto out;
	}
	if (prepare(&x, &utf8) < 0) {
		/* Refused before anything was sent: for every recipient. */
		for (i = 0; i < m->nrcpt; i++)
			if (x.nvalid > 0 || rcpt_st[i].outcome != SMTP_PERM)
				rcpt_st[i] = *st;
		goto out;
	}
	if ((s->caps.pipelining && x.nvalid <= PIPE_RCPT_MAX ?
	    envelope_pipelined(&x, utf8) :
	    envelope_steps(&x, utf8)) < 0)
		goto out;
	if (send_body(&x) < 0)
		goto out;
	rc = dot_reply(&x);
out:
	free(x.state);
	return rc;
}
