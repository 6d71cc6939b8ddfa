/*
 * The window without CHUNKING (RFC 2920 PIPELINING with DATA): a text may
 * only follow its 354, so at most two messages are on the wire at once:
 * one whose text and "." were written, and the next one's [RSET] MAIL,
 * RCPTs and DATA, written in the same write right behind that ".".  The
 * replies are read strictly in order (the final reply of the first, then
 * the envelope replies of the second up to its 354); then the second's
 * text goes out with the envelope of the third, and so on.  Marks come in
 * groups before the first byte of a group, as on the BDAT path.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "relayd/smtp/smtp_wslot.h"

/* Pull a group when at most `low` messages are left, the first of them
 * possibly still on the wire; one mark() for the group. */
static void refill(struct smtp_win *w, unsigned low)
{
	unsigned first = w->tail;

	if (w->stop || !w->more || !smtp_usable(w->s) ||
	    w->tail - w->head > low)
		return;
	while (w->tail - w->head < w->k && smtp_wslot_pull(w))
		;
	smtp_wslot_mark(w, first);
}

/* [RSET] MAIL, RCPTs and DATA of sl into buf (SMTP_WIN_CMDS + 6 bytes);
 * 0 when a command is too long. */
static size_t envelope(struct smtp_win *w, struct smtp_wslot *sl, char *buf)
{
	size_t n;

	sl->rset = w->s->dirty;
	n = smtp_wslot_commands(w, sl, buf);
	if (n == 0)
		return 0;
	memcpy(buf + n, "DATA\r\n", 6);
	w->s->dirty = 0;	/* the RSET above, or nothing to reset */
	sl->env = 1;
	return n + 6;
}

/* The envelope of the head on its own: the first message of the session,
 * or one after a message that got no 354. */
static void write_envelope(struct smtp_win *w, struct smtp_wslot *sl)
{
	struct smtp_status io;
	size_t n = envelope(w, sl, w->buf);

	if (n == 0) {		/* unreachable for what smtp_tx_begin allows */
		smtp_status_local(&io, SMTP_STAGE_MAIL, SMTP_PERM,
		    "command too long");
		smtp_wslot_decide(sl, &io);
		sl->local = 1;
		return;
	}
	if (smtp_io_write(w->s, w->buf, n, SMTP_STAGE_MAIL, &io) < 0) {
		sl->env = 0;
		smtp_wslot_write_failed(w, sl, &io);
	}
}

/* The envelope of the next message to send behind the "." of the head:
 * the first one after it that is not decided already, unless it must go
 * alone (it waits until everything before it is answered).  A failed
 * mark only stops the pulls: what was marked before still goes. */
static size_t lookahead(struct smtp_win *w, char *buf)
{
	unsigned seq;

	for (seq = w->head + 1; seq < w->tail; seq++) {
		struct smtp_wslot *nx = smtp_wslot_slot(w, seq);

		if (nx->local)
			continue;
		return nx->alone ? 0 : envelope(w, nx, buf);
	}
	return 0;
}

/* The reply to DATA: 354 lets the text (or, when no recipient was
 * taken, only the ".") go; anything else ends the message here. */
static void data_reply(struct smtp_win *w, struct smtp_wslot *sl,
    const struct smtp_reply *r)
{
	if (r->code == 354) {
		sl->go = !sl->decided;
		sl->empty = sl->decided;
		w->s->dirty = sl->empty;	/* RSET after an empty DATA */
		return;
	}
	if (!sl->decided) {
		smtp_status_reply(w->s, sl->x.st, SMTP_STAGE_DATA, r);
		sl->decided = 1;
	}
	w->s->dirty = 1;	/* MAIL (and RCPTs) may still be held */
}

/* The replies to [RSET] MAIL, RCPTs and DATA, in order. */
static int read_envelope(struct smtp_win *w, struct smtp_wslot *sl)
{
	struct smtp_reply r;

	if (smtp_wslot_envelope_replies(w, sl) < 0 ||
	    smtp_wslot_reply(w, sl, &r, SMTP_STAGE_DATA) < 0)
		return -1;
	data_reply(w, sl, &r);
	return 0;
}

/* One piece of sl's text in wire form into w->buf: the next spool chunk,
 * and after the last one the "." and the next envelope.  *last is set
 * with the last piece; -1 when the spool read failed. */
static int piece(struct smtp_win *w, struct smtp_wslot *sl,
    struct smtp_dot *d, uint64_t *done, size_t *len, int *last)
{
	uint64_t left = sl->go ? sl->m.len - *done : 0;
	size_t want = left < SMTP_WIN_IN ? (size_t)left : SMTP_WIN_IN, n = 0;
	ssize_t got = want ? smtp_wslot_pread(&sl->m, w->in, want,
	    sl->m.off + (off_t)*done) : 0;

	if (got < 0 || (size_t)got != want)
		return -1;
	*done += want;
	n = smtp_dot_encode(d, w->in, want, w->buf);
	*last = !sl->go || *done == sl->m.len;
	if (*last) {
		n += sl->go ? smtp_dot_finish(d, w->buf + n) :
		    (memcpy(w->buf + n, ".\r\n", 3), 3);
		n += lookahead(w, w->buf + n);
	}
	*len = n;
	return 0;
}

/* After the 354: the text (dot-stuffed) and its "." with the next
 * envelope right behind; a spool read failure leaves the server inside
 * the DATA, so the session is abandoned without a ".". */
static void write_text(struct smtp_win *w, struct smtp_wslot *sl)
{
	struct smtp_status io;
	struct smtp_dot d;
	uint64_t done = 0;
	size_t len;
	int last = 0;

	smtp_dot_init(&d);
	while (!last) {
		errno = 0;
		if (piece(w, sl, &d, &done, &len, &last) < 0) {
			sl->started = 1;	/* the session cannot go on */
			smtp_wslot_read_failed(w, sl);
			return;
		}
		if (smtp_io_write(w->s, w->buf, len, SMTP_STAGE_BODY,
		    &io) < 0) {
			sl->started = sl->started || sl->go;
			smtp_wslot_write_failed(w, sl, &io);
			w->lost = 1;
			w->bye = io;
			return;
		}
		sl->started = sl->go;
	}
	sl->written = sl->go;
}

/* The reply to the ".": the outcome of a message whose text went out
 * (an empty DATA was decided before; its reply is only read). */
static void read_final(struct smtp_win *w, struct smtp_wslot *sl)
{
	struct smtp_reply r;

	if (smtp_wslot_reply(w, sl, &r, SMTP_STAGE_DOT) < 0 || sl->decided)
		return;
	smtp_status_reply(w->s, sl->x.st, SMTP_STAGE_DOT, &r);
	sl->decided = 1;
}

/* Why the head was never written: the window or the session stopped. */
static void not_written(struct smtp_win *w, struct smtp_wslot *sl)
{
	struct smtp_status io;

	if (w->lost) {
		smtp_wslot_lost(sl, &w->bye);
		return;
	}
	smtp_status_local(&io, SMTP_STAGE_MAIL, SMTP_TEMP, "the session ended");
	smtp_wslot_lost(sl, &io);
}

/* The head from its envelope (unless the "." before took it along) to
 * its final reply; the next group is pulled while the "." is on its way. */
static void exchange(struct smtp_win *w, struct smtp_wslot *sl)
{
	if (!sl->env) {
		if (w->lost || !smtp_usable(w->s)) {
			not_written(w, sl);
			return;
		}
		if (sl->alone) {
			smtp_wslot_send_alone(w, sl);
			return;
		}
		write_envelope(w, sl);
		if (sl->local)
			return;
	}
	if (w->lost) {
		smtp_wslot_lost(sl, &w->bye);
		return;
	}
	if (read_envelope(w, sl) < 0 || !(sl->go || sl->empty))
		return;
	refill(w, 1);			/* someone to follow the "." */
	write_text(w, sl);
	if (sl->local || w->lost)
		return;
	refill(w, w->k / 2);		/* its sync overlaps the server's */
	read_final(w, sl);
}

void smtp_window_data_run(struct smtp_win *w)
{
	for (;;) {
		struct smtp_wslot *sl;

		refill(w, 0);
		if (w->head == w->tail)
			break;
		sl = smtp_wslot_slot(w, w->head);
		if (!sl->local)
			exchange(w, sl);
		smtp_wslot_done(w);
	}
}
