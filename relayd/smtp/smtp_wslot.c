/*
 * The slots of the window of messages in flight, shared by the CHUNKING
 * path (smtp_window.c) and the DATA path (smtp_window_data.c): pulling and
 * marking groups, the envelope commands, reading one reply, and the
 * "possibly delivered" rule when the session breaks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "relayd/smtp/smtp_wslot.h"

/* A message whose fate is decided without (more) replies: *why for it
 * and for every recipient without an answer of its own. */
void smtp_wslot_decide(struct smtp_wslot *sl, const struct smtp_status *why)
{
	*sl->x.st = *why;
	(void)smtp_tx_broken(&sl->x);
	sl->decided = 1;
}

int smtp_wslot_pull(struct smtp_win *w)
{
	struct smtp_wslot *sl = smtp_wslot_slot(w, w->tail);

	memset(sl, 0, sizeof(*sl));
	if (w->ops->next(w->arg, &sl->m, &sl->rst, &sl->item) != 1) {
		w->more = 0;
		return 0;
	}
	if (smtp_tx_begin(&sl->x, w->s, &sl->m, sl->rst, &sl->st,
	    &sl->utf8) < 0)
		sl->local = sl->decided = 1;
	else if (sl->x.m == &sl->x.conv)
		sl->m = sl->x.conv;	/* its text re-encoded 7-bit */
	/* Without PIPELINING the window is 1 and everything goes alone. */
	sl->alone = !w->s->caps.pipelining ||
	    sl->x.nvalid > SMTP_PIPE_RCPT_MAX;
	w->tail++;
	return 1;
}

void smtp_wslot_mark(struct smtp_win *w, unsigned first)
{
	void *items[SMTP_WINDOW_MAX];
	struct smtp_status why;
	unsigned seq;
	size_t n = 0;

	for (seq = first; seq < w->tail; seq++)
		if (!smtp_wslot_slot(w, seq)->local)
			items[n++] = smtp_wslot_slot(w, seq)->item;
	if (n == 0)
		return;
	memset(&why, 0, sizeof(why));
	if (w->ops->mark(w->arg, items, n, &why) == 0)
		return;
	if (why.outcome == SMTP_OK)
		smtp_status_local(&why, SMTP_STAGE_MAIL, SMTP_TEMP,
		    "not sent: the in-flight mark could not be written");
	for (seq = first; seq < w->tail; seq++)
		if (!smtp_wslot_slot(w, seq)->local) {
			smtp_wslot_decide(smtp_wslot_slot(w, seq), &why);
			smtp_wslot_slot(w, seq)->local = 1;
		}
	w->stop = 1;
}

ssize_t smtp_wslot_pread(const struct smtp_msg *m, char *buf, size_t len,
    off_t off)
{
	ssize_t n;

	do
		n = pread(m->fd, buf, len, off);
	while (n < 0 && errno == EINTR);
	return n;
}

size_t smtp_wslot_commands(struct smtp_win *w, struct smtp_wslot *sl,
    char *buf)
{
	size_t o = 0, n, i;

	sl->nrc = 0;
	if (sl->rset) {
		memcpy(buf, "RSET\r\n", 6);
		o = 6;
	}
	n = smtp_cmd_mail(w->s, &sl->m, sl->utf8, buf + o, SMTP_WIN_CMDS - o);
	if (n == 0)
		return 0;
	o += n;
	for (i = 0; i < sl->m.nrcpt; i++) {
		if (sl->x.state[i] != SMTP_R_PENDING)
			continue;
		n = smtp_cmd_rcpt(w->s, &sl->m, i, buf + o, SMTP_WIN_CMDS - o);
		if (n == 0)
			return 0;
		o += n;
		sl->nrc++;
	}
	return o;
}

/* Before any byte, the message alone is deferred; in the middle of its
 * text the session cannot go on. */
void smtp_wslot_read_failed(struct smtp_win *w, struct smtp_wslot *sl)
{
	struct smtp_status why;

	smtp_status_local(&why, SMTP_STAGE_BODY, SMTP_TEMP,
	    "reading the queued message: %s", errno ? strerror(errno) :
	    "shorter than its recorded size");
	smtp_wslot_decide(sl, &why);
	sl->local = 1;
	if (sl->started) {
		w->s->usable = 0;
		w->stop = 1;
	}
}

void smtp_wslot_write_failed(struct smtp_win *w, struct smtp_wslot *sl,
    const struct smtp_status *io)
{
	struct smtp_status why = *io;

	why.stage = sl->started ? SMTP_STAGE_BODY : SMTP_STAGE_MAIL;
	smtp_wslot_decide(sl, &why);
	sl->local = 1;
	w->stop = 1;
}

/* A message that goes alone: everything before it is answered, then
 * smtp_send() (its own lockstep exchange), after an RSET when a BDAT
 * transaction before it was refused (the server may still hold it). */
void smtp_wslot_send_alone(struct smtp_win *w, struct smtp_wslot *sl)
{
	struct smtp_status why;
	struct smtp_reply r;

	if (!w->s->dirty)
		(void)smtp_send(w->s, &sl->m, sl->rst, sl->x.st);
	else if (smtp_io_cmd(w->s, "RSET", &r, SMTP_STAGE_MAIL, &why) < 0)
		smtp_wslot_decide(sl, &why);
	else if (r.code != 250) {
		smtp_status_reply(w->s, &why, SMTP_STAGE_MAIL, &r);
		why.outcome = SMTP_TEMP;	/* not about this message */
		smtp_wslot_decide(sl, &why);
		w->s->usable = 0;
	} else {
		w->s->dirty = 0;
		(void)smtp_send(w->s, &sl->m, sl->rst, sl->x.st);
	}
	sl->local = sl->decided = 1;
	if (!smtp_usable(w->s))
		w->stop = 1;
}

void smtp_wslot_lost(struct smtp_wslot *sl, const struct smtp_status *io)
{
	struct smtp_status why;

	if (sl->decided)
		return;
	if (sl->written)
		smtp_status_local(&why, SMTP_STAGE_DOT, SMTP_TEMP,
		    "connection lost after end of data; the message may have "
		    "been delivered (%s)", io->text);
	else
		smtp_status_local(&why, sl->started ? SMTP_STAGE_BODY :
		    SMTP_STAGE_MAIL, SMTP_TEMP, "not sent: %s", io->text);
	if (io->code == 421) {		/* the server said it is closing */
		why = *io;
		why.stage = SMTP_STAGE_MAIL;
	}
	smtp_wslot_decide(sl, &why);
}

int smtp_wslot_reply(struct smtp_win *w, struct smtp_wslot *sl,
    struct smtp_reply *r, enum smtp_stage stage)
{
	struct smtp_status io;

	if (smtp_io_reply(w->s, r, stage, &io) == 0) {
		if (r->code != 421)
			return 0;
		smtp_status_reply(w->s, &io, stage, r);
	}
	w->lost = 1;
	w->bye = io;
	smtp_wslot_lost(sl, &io);
	return -1;
}

/* The replies to the RCPTs after the MAIL reply (mail_ok): as many as
 * were written, applied in the order of the pending recipients; after a
 * refused MAIL they are only read. */
static int rcpt_replies(struct smtp_win *w, struct smtp_wslot *sl,
    int mail_ok)
{
	struct smtp_reply r;
	size_t i = 0, k;

	for (k = 0; k < sl->nrc; k++) {
		if (smtp_wslot_reply(w, sl, &r, SMTP_STAGE_RCPT) < 0)
			return -1;
		while (mail_ok && i < sl->m.nrcpt &&
		    sl->x.state[i] != SMTP_R_PENDING)
			i++;
		if (mail_ok && i < sl->m.nrcpt)
			(void)smtp_tx_rcpt_reply(&sl->x, i, &r);
	}
	if (!sl->decided && sl->x.accepted == 0) {
		(void)smtp_tx_none_accepted(&sl->x);
		sl->decided = 1;
	}
	return 0;
}

int smtp_wslot_envelope_replies(struct smtp_win *w, struct smtp_wslot *sl)
{
	struct smtp_reply r;
	int mail_ok;

	if (sl->rset && smtp_wslot_reply(w, sl, &r, SMTP_STAGE_MAIL) < 0)
		return -1;
	if (smtp_wslot_reply(w, sl, &r, SMTP_STAGE_MAIL) < 0)
		return -1;
	mail_ok = smtp_outcome_of(r.code) == SMTP_OK;
	if (!mail_ok) {
		(void)smtp_tx_mail_refused(&sl->x, &r);
		sl->decided = 1;
	}
	return rcpt_replies(w, sl, mail_ok);
}

void smtp_wslot_done(struct smtp_win *w)
{
	struct smtp_wslot *sl = smtp_wslot_slot(w, w->head);

	w->ops->done(w->arg, sl->item, sl->x.st);
	smtp_tx_end(&sl->x);
	w->head++;
}
