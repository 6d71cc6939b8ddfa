/*
 * smtp_window_run(): several messages in flight over one session (contract
 * in smtp.h).  Each message is one write of [RSET] MAIL, RCPTs, "BDAT n
 * LAST" and its text (texts over 32 KB in several BDAT chunks, each one
 * write); replies are read strictly in order, one message at a time, while
 * the later messages are already on the wire.  With PIPELINING but no
 * CHUNKING the DATA path of smtp_window_data.c runs instead.  Without
 * PIPELINING, or for a message with very many recipients, a message goes
 * alone through smtp_send() once everything before it was answered.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "relayd/smtp/smtp_wslot.h"

#define CHUNK_IN	SMTP_WIN_IN
#define HDR_ROOM	SMTP_WIN_HDR
#define WBUF_MAX	SMTP_WIN_BUF

int smtp_window_ok(const struct smtp_session *s)
{
	return s->caps.chunking && s->caps.pipelining;
}

/* Refill when everything pulled is written and at most half the window
 * is in flight: one group, one mark() (one sync for the caller). */
static void refill(struct smtp_win *w)
{
	unsigned first = w->tail;

	if (w->stop || !w->more || w->wr != w->tail || !smtp_usable(w->s) ||
	    w->tail - w->head > w->k / 2)
		return;
	while (w->tail - w->head < w->k && smtp_wslot_pull(w))
		;
	smtp_wslot_mark(w, first);
}

/* One chunk of the text in BDAT form at buf + HDR_ROOM + cmds, with its
 * "BDAT n [LAST]" header right in front and the commands before that;
 * *start is where the write begins.  -1 when the spool read failed. */
static int chunk(struct smtp_wslot *sl, struct smtp_dot *d, uint64_t *done,
    char *buf, size_t cmds, char *in, size_t *start, size_t *end)
{
	uint64_t left = sl->m.len - *done;
	size_t want = left < CHUNK_IN ? (size_t)left : CHUNK_IN, n;
	char *data = buf + cmds + HDR_ROOM, hdr[HDR_ROOM];
	ssize_t got = want ? smtp_wslot_pread(&sl->m, in, want,
	    sl->m.off + (off_t)*done) : 0;
	int h, last;

	if (got < 0 || (size_t)got != want)
		return -1;
	*done += want;
	last = *done == sl->m.len;
	n = smtp_dot_encode(d, in, want, data);
	if (last)
		n += smtp_dot_end(d, data + n);
	h = snprintf(hdr, sizeof(hdr), "BDAT %zu%s\r\n", n, last ? " LAST" :
	    "");
	memmove(buf + HDR_ROOM - (size_t)h, buf, cmds);
	memcpy(buf + HDR_ROOM - (size_t)h + cmds, hdr, (size_t)h);
	*start = HDR_ROOM - (size_t)h;
	*end = cmds + HDR_ROOM + n;
	sl->chunks++;
	return 0;
}

/* Write one pipelined message; sets local/stop on failure. */
static void write_pipelined(struct smtp_win *w, struct smtp_wslot *sl)
{
	struct smtp_status io;
	struct smtp_dot d;
	uint64_t done = 0;
	size_t cmds, start, end;

	sl->rset = w->s->txs++ > 0;
	cmds = smtp_wslot_commands(w, sl, w->buf);
	if (cmds == 0) {	/* unreachable for what smtp_tx_begin allows */
		smtp_status_local(&io, SMTP_STAGE_MAIL, SMTP_PERM,
		    "command too long");
		smtp_wslot_decide(sl, &io);
		sl->local = 1;
		return;
	}
	smtp_dot_init(&d);
	d.stuff = 0;
	do {
		errno = 0;
		if (chunk(sl, &d, &done, w->buf, cmds, w->in, &start,
		    &end) < 0) {
			smtp_wslot_read_failed(w, sl);
			return;
		}
		if (smtp_io_write(w->s, w->buf + start, end - start,
		    SMTP_STAGE_BODY, &io) < 0) {
			smtp_wslot_write_failed(w, sl, &io);
			return;
		}
		sl->started = 1;
		cmds = 0;
	} while (done < sl->m.len);
	sl->written = 1;
}

/* Write what may be written, in order; a lone message waits until all
 * before it are answered (its own exchange is over when it returns). */
static void write_ready(struct smtp_win *w)
{
	while (!w->stop && w->wr < w->tail) {
		struct smtp_wslot *sl = smtp_wslot_slot(w, w->wr);

		if (sl->alone && !sl->local && w->wr > w->head)
			return;
		if (!sl->local) {
			if (sl->alone)
				smtp_wslot_send_alone(w, sl);
			else
				write_pipelined(w, sl);
		}
		w->wr++;
	}
}

/* The replies to the BDAT chunks: the first refusal, else the last. */
static int chunk_replies(struct smtp_win *w, struct smtp_wslot *sl)
{
	struct smtp_reply r;
	struct smtp_status first;
	unsigned c;

	first.outcome = SMTP_OK;
	for (c = 0; c < sl->chunks; c++) {
		int last = c + 1 == sl->chunks;

		if (smtp_wslot_reply(w, sl, &r, last ? SMTP_STAGE_DOT :
		    SMTP_STAGE_BODY) < 0)
			return -1;
		if (!sl->decided && first.outcome == SMTP_OK &&
		    (last || smtp_outcome_of(r.code) != SMTP_OK))
			smtp_status_reply(w->s, &first, last ?
			    SMTP_STAGE_DOT : SMTP_STAGE_BODY, &r);
	}
	if (!sl->decided) {
		*sl->x.st = first;
		sl->decided = 1;
	}
	return 0;
}

/* Every reply of one written message, in order. */
static int read_replies(struct smtp_win *w, struct smtp_wslot *sl)
{
	if (smtp_wslot_envelope_replies(w, sl) < 0)
		return -1;
	return chunk_replies(w, sl);
}

/* Answer the head: its replies (unless decided locally), then done(). */
static void finish_head(struct smtp_win *w)
{
	struct smtp_wslot *sl = smtp_wslot_slot(w, w->head);
	struct smtp_status io;

	if (w->lost) {
		smtp_wslot_lost(sl, &w->bye);
	} else if (w->head >= w->wr) {
		smtp_status_local(&io, SMTP_STAGE_MAIL, SMTP_TEMP, "%s",
		    smtp_usable(w->s) ? "an earlier message stopped the window"
		    : "the session ended");
		smtp_wslot_lost(sl, &io);
	} else if (!sl->local && read_replies(w, sl) == 0) {
		/* A refused BDAT transaction may linger at the server. */
		w->s->dirty = sl->st.outcome != SMTP_OK;
	}
	smtp_wslot_done(w);
}

static void bdat_run(struct smtp_win *w)
{
	for (;;) {
		refill(w);
		write_ready(w);
		if (w->head == w->tail)
			break;
		finish_head(w);
	}
}

int smtp_window_run(struct smtp_session *s, unsigned window,
    const struct smtp_window_ops *ops, void *arg)
{
	struct smtp_win *w = calloc(1, sizeof(*w));
	int rc;

	if (w == NULL || !smtp_usable(s))
		return free(w), -1;
	w->s = s;
	w->ops = ops;
	w->arg = arg;
	w->more = 1;
	w->k = !s->caps.pipelining ? 1 : window < 1 ? 1 :
	    window > SMTP_WINDOW_MAX ? SMTP_WINDOW_MAX : window;
	w->slots = calloc(w->k, sizeof(*w->slots));
	w->buf = malloc(WBUF_MAX);
	if (w->slots == NULL || w->buf == NULL)
		w->stop = 1;
	if (w->slots != NULL && s->caps.pipelining && !s->caps.chunking)
		smtp_window_data_run(w);
	else if (w->slots != NULL)
		bdat_run(w);
	rc = w->more || w->stop || w->lost || !smtp_usable(s) ? -1 : 0;
	free(w->slots);
	free(w->buf);
	free(w);
	return rc;
}
