/*
 * smtp_tx_*: the bookkeeping of one mail transaction, shared by the
 * one-message path (smtp_send.c) and the window of messages in flight
 * (smtp_window.c): local checks before anything is written, and how MAIL,
 * RCPT and a lost session become per-recipient and message outcomes.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "relayd/smtp/smtp_session.h"
#include "util/fsio.h"
#include "util/ascii8.h"

/* The session broke (or 421): every recipient without an answer of its
 * own shares the message status. */
int smtp_tx_broken(struct smtp_tx *x)
{
	size_t i;

	for (i = 0; i < x->m->nrcpt; i++)
		if (x->state[i] == SMTP_R_PENDING)
			x->rst[i] = *x->st;
	return -1;
}

/* Status of a transaction that reached no recipient: temporary when any
 * refusal was temporary, else the last permanent one. */
int smtp_tx_none_accepted(struct smtp_tx *x)
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
int smtp_tx_mail_refused(struct smtp_tx *x, const struct smtp_reply *r)
{
	size_t i;

	smtp_status_reply(x->s, x->st, SMTP_STAGE_MAIL, r);
	for (i = 0; i < x->m->nrcpt; i++)
		if (x->state[i] == SMTP_R_PENDING) {
			x->rst[i] = *x->st;
			x->state[i] = SMTP_R_DONE;
		}
	return -1;
}

/* One RCPT reply; -1 when it ended the session (421). */
int smtp_tx_rcpt_reply(struct smtp_tx *x, size_t i,
    const struct smtp_reply *r)
{
	smtp_status_reply(x->s, &x->rst[i], SMTP_STAGE_RCPT, r);
	x->state[i] = SMTP_R_DONE;
	if (x->rst[i].outcome == SMTP_OK)
		x->accepted++;
	if (r->code == 421) {
		*x->st = x->rst[i];
		return smtp_tx_broken(x);
	}
	return 0;
}

#define CONV_IN_MAX	((uint64_t)256 << 20)	/* re-encoded in memory */


/* RFC 6152: no 8-bit text to a server without 8BITMIME.  The text is
 * re-encoded (smtp_7bit) into an anonymous memory file that stands in for
 * the spool's; when it cannot be, the message waits (temporary), with
 * the reason, for a server that takes it or for its expiry. */
static int to_7bit(struct smtp_tx *x)
{
	const struct smtp_msg *m = x->m;
	size_t len = (size_t)m->len, outlen = 0;
	char why[256] = "out of memory", *in = NULL, *out = NULL;
	int rc = -1;

	if (!m->body_8bit || x->s->caps.eightbit)
		return 0;
	if (m->len > CONV_IN_MAX)
		snprintf(why, sizeof(why), "the message is too large to "
		    "re-encode");
	else if ((in = malloc(len ? len : 1)) == NULL)
		;
	else if (pread_all(m->fd, in, len, m->off) < 0)
		snprintf(why, sizeof(why), "reading the queued message: %s",
		    errno ? strerror(errno) : "shorter than its size");
	else if (smtp_7bit(in, len, 4 * len + 65536, &out, &outlen, why,
	    sizeof(why)) == 0 && (x->conv_fd = memfd_create("outpost-7bit",
	    MFD_CLOEXEC)) >= 0 && write_all(x->conv_fd, out, outlen) == 0)
		rc = 0;
	else if (out != NULL)
		snprintf(why, sizeof(why), "re-encoding: %s", strerror(errno));
	free(in);
	free(out);
	if (rc < 0) {
		smtp_status_local(x->st, SMTP_STAGE_MAIL, SMTP_TEMP, "the "
		    "server lacks 8BITMIME and %s, so the 8-bit text cannot "
		    "be sent to it", why);
		return -1;
	}
	x->conv = *m;
	x->conv.fd = x->conv_fd;
	x->conv.off = 0;
	x->conv.len = outlen;
	x->conv.body_8bit = 0;
	x->m = &x->conv;
	return 0;
}

/* Local checks before anything is written; -1 with *st. */
static int prepare(struct smtp_tx *x, int *utf8)
{
	const struct smtp_msg *m = x->m;
	size_t i;

	*utf8 = m->smtputf8 || str_has_8bit(m->sender);
	if (to_7bit(x) < 0)
		return -1;
	m = x->m;
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
		x->state[i] = SMTP_R_PENDING;
		x->nvalid++;
		if (str_has_8bit(m->rcpts[i]))
			*utf8 = 2;
	}
	/* Non-ASCII addresses need SMTPUTF8; 8-bit headers alone go out
	 * anyway when the server lacks it (as Postfix does). */
	if ((*utf8 == 2 || str_has_8bit(m->sender)) && !x->s->caps.smtputf8) {
		smtp_status_local(x->st, SMTP_STAGE_MAIL, SMTP_PERM,
		    "server does not support SMTPUTF8, needed for a non-ASCII "
		    "address");
		return -1;
	}
	if (x->nvalid == 0)
		return smtp_tx_none_accepted(x);
	return 0;
}

int smtp_tx_begin(struct smtp_tx *x, struct smtp_session *s,
    const struct smtp_msg *m, struct smtp_status *rcpt_st,
    struct smtp_status *st, int *utf8)
{
	size_t i;

	memset(x, 0, sizeof(*x));
	x->conv_fd = -1;
	x->s = s;
	x->m = m;
	x->rst = rcpt_st;
	x->st = st;
	*utf8 = 0;
	smtp_status_local(st, SMTP_STAGE_MAIL, SMTP_TEMP, "not attempted");
	for (i = 0; i < m->nrcpt; i++)
		rcpt_st[i] = *st;
	x->state = calloc(m->nrcpt ? m->nrcpt : 1, 1);
	if (x->state == NULL || m->nrcpt == 0 || !smtp_usable(s)) {
		smtp_status_local(st, SMTP_STAGE_MAIL, SMTP_TEMP, "%s",
		    x->state == NULL ? "out of memory" : m->nrcpt == 0 ?
		    "no recipients" : "session not usable");
		return -1;
	}
	if (prepare(x, utf8) < 0) {
		/* Refused before anything was sent: for every recipient. */
		for (i = 0; i < m->nrcpt; i++)
			if (x->nvalid > 0 || rcpt_st[i].outcome != SMTP_PERM)
				rcpt_st[i] = *st;
		return -1;
	}
	return 0;
}

void smtp_tx_end(struct smtp_tx *x)
{
	free(x->state);
	x->state = NULL;
	if (x->conv_fd >= 0)
		close(x->conv_fd);
	x->conv_fd = -1;
}
