/*
 * smtp_window_run(): several messages in flight over one session (contract
 * in smtp.h).  Each message is one write of [RSET] MAIL, RCPTs, "BDAT n
 * LAST" and its text (texts over 32 KB in several BDAT chunks, each one
 * write); replies are read strictly in order, one message at a time, while
 * the later messages are already on the wire.  Without CHUNKING and
 * PIPELINING, or for a message with very many recipients, a message goes
 * alone through smtp_send() once everything before it was answered.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "relayd/smtp/smtp_session.h"

#define CHUNK_IN	32768			/* spool bytes per BDAT chunk */
#define HDR_ROOM	40			/* "BDAT <20 digits> LAST\r\n" */
#define CMDS_MAX	(SMTP_CMD_MAX * (SMTP_PIPE_RCPT_MAX + 1) + 8)
#define WBUF_MAX	(CMDS_MAX + HDR_ROOM + 2 * CHUNK_IN + 8)

struct slot {
	struct smtp_msg m;
	struct smtp_status *rst, st;
	struct smtp_tx x;
	void *item;
	int utf8;
	int local;		/* outcome known without reading a reply */
	int alone;		/* goes through smtp_send() with nothing else */
	int rset;		/* an RSET goes first */
	int started;		/* some of its bytes were written */
	int written;		/* all of it was written (BDAT LAST too) */
	int decided;		/* outcome set from the replies read so far */
	unsigned chunks;	/* BDAT commands written */
};

struct win {
	struct smtp_session *s;
	const struct smtp_window_ops *ops;
	void *arg;
	unsigned k;
	struct slot *slots;		/* ring of k, index = seq % k */
	unsigned head, wr, tail;	/* next to read, to write, to pull */
	int more;			/* next() may give more */
	int stop;			/* no more pulls or writes */
	int lost;			/* the session broke: no more reads */
	struct smtp_status bye;		/* why (a 421 reply or a local reason) */
	char *buf;			/* WBUF_MAX */
	char in[CHUNK_IN];
};

int smtp_window_ok(const struct smtp_session *s)
{
	return s->caps.chunking && s->caps.pipelining;
}

static struct slot *slot_at(struct win *w, unsigned seq)
{
	return &w->slots[seq % w->k];
}

/* A message whose fate is decided without (more) replies: *why for it
 * and for every recipient without an answer of its own. */
static void decide(struct slot *sl, const struct smtp_status *why)
{
	*sl->x.st = *why;
	(void)smtp_tx_broken(&sl->x);
	sl->decided = 1;
}

/* Pull one message into the slot at w->tail; 0 when none is left. */
static int pull(struct win *w)
{
	struct slot *sl = slot_at(w, w->tail);

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
	sl->alone = !smtp_window_ok(w->s) ||
	    sl->x.nvalid > SMTP_PIPE_RCPT_MAX;
	w->tail++;
	return 1;
}

/* Refill when everything pulled is written and at most half the window
 * is in flight: one group, one mark() (one sync for the caller). */
static void refill(struct win *w)
{
	void *items[SMTP_WINDOW_MAX];
	struct smtp_status why;
	unsigned first = w->tail, seq;
	size_t n = 0;

	if (w->stop || !w->more || w->wr != w->tail || !smtp_usable(w->s) ||
	    w->tail - w->head > w->k / 2)
		return;
	while (w->tail - w->head < w->k && pull(w))
		if (!slot_at(w, w->tail - 1)->local)
			items[n++] = slot_at(w, w->tail - 1)->item;
	if (n == 0)
		return;
	memset(&why, 0, sizeof(why));
	if (w->ops->mark(w->arg, items, n, &why) == 0)
		return;
	if (why.outcome == SMTP_OK)
		smtp_status_local(&why, SMTP_STAGE_MAIL, SMTP_TEMP,
		    "not sent: the in-flight mark could not be written");
	for (seq = first; seq < w->tail; seq++)
		if (!slot_at(w, seq)->local) {
			decide(slot_at(w, seq), &why);
			slot_at(w, seq)->local = 1;
		}
	w->stop = 1;
}

static ssize_t spool_read(const struct smtp_msg *m, char *buf, size_t len,
    off_t off)
{
	ssize_t n;

	do
		n = pread(m->fd, buf, len, off);
	while (n < 0 && errno == EINTR);
	return n;
}

/* One chunk of the text in BDAT form at buf + HDR_ROOM + cmds, with its
 * "BDAT n [LAST]" header right in front and the commands before that;
 * *start is where the write begins.  -1 when the spool read failed. */
static int chunk(struct slot *sl, struct smtp_dot *d, uint64_t *done,
    char *buf, size_t cmds, char *in, size_t *start, size_t *end)
{
	uint64_t left = sl->m.len - *done;
	size_t want = left < CHUNK_IN ? (size_t)left : CHUNK_IN, n;
	char *data = buf + cmds + HDR_ROOM, hdr[HDR_ROOM];
	ssize_t got = want ? spool_read(&sl->m, in, want,
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

/* [RSET] MAIL and the RCPTs of the pending recipients into buf. */
static size_t commands(struct win *w, struct slot *sl, char *buf)
{
	size_t o = 0, n, i;

	if (sl->rset) {
		memcpy(buf, "RSET\r\n", 6);
		o = 6;
	}
	n = smtp_cmd_mail(w->s, &sl->m, sl->utf8, buf + o, CMDS_MAX - o);
	if (n == 0)
		return 0;
	o += n;
	for (i = 0; i < sl->m.nrcpt; i++) {
		if (sl->x.state[i] != SMTP_R_PENDING)
			continue;
		n = smtp_cmd_rcpt(w->s, &sl->m, i, buf + o, CMDS_MAX - o);
		if (n == 0)
			return 0;
		o += n;
	}
	return o;
}

/* The spool could not be read: before any byte, the message alone is
 * deferred; in the middle of its BDAT chunks the session cannot go on. */
static void read_failed(struct win *w, struct slot *sl)
{
	struct smtp_status why;

	smtp_status_local(&why, SMTP_STAGE_BODY, SMTP_TEMP,
	    "reading the queued message: %s", errno ? strerror(errno) :
	    "shorter than its recorded size");
	decide(sl, &why);
	sl->local = 1;
	if (sl->started) {
		w->s->usable = 0;
		w->stop = 1;
	}
}

static void write_failed(struct win *w, struct slot *sl,
    const struct smtp_status *io)
{
	struct smtp_status why = *io;

	why.stage = sl->started ? SMTP_STAGE_BODY : SMTP_STAGE_MAIL;
	decide(sl, &why);
	sl->local = 1;
	w->stop = 1;
}

/* Write one pipelined message; sets local/stop on failure. */
static void write_pipelined(struct win *w, struct slot *sl)
{
	struct smtp_status io;
	struct smtp_dot d;
	uint64_t done = 0;
	size_t cmds, start, end;

	sl->rset = w->s->txs++ > 0;
	cmds = commands(w, sl, w->buf);
	if (cmds == 0) {	/* unreachable for what smtp_tx_begin allows */
		smtp_status_local(&io, SMTP_STAGE_MAIL, SMTP_PERM,
		    "command too long");
		decide(sl, &io);
		sl->local = 1;
		return;
	}
	smtp_dot_init(&d);
	d.stuff = 0;
	do {
		errno = 0;
		if (chunk(sl, &d, &done, w->buf, cmds, w->in, &start,
		    &end) < 0) {
			read_failed(w, sl);
			return;
		}
		if (smtp_io_write(w->s, w->buf + start, end - start,
		    SMTP_STAGE_BODY, &io) < 0) {
			write_failed(w, sl, &io);
			return;
		}
		sl->started = 1;
		cmds = 0;
	} while (done < sl->m.len);
	sl->written = 1;
}

/* A message that goes alone: everything before it is answered, then
 * smtp_send() (its own lockstep exchange), after an RSET when a BDAT
 * transaction before it was refused (the server may still hold it). */
static void send_alone(struct win *w, struct slot *sl)
{
	struct smtp_status why;
	struct smtp_reply r;

	if (!w->s->dirty)
		(void)smtp_send(w->s, &sl->m, sl->rst, sl->x.st);
	else if (smtp_io_cmd(w->s, "RSET", &r, SMTP_STAGE_MAIL, &why) < 0)
		decide(sl, &why);
	else if (r.code != 250) {
		smtp_status_reply(w->s, &why, SMTP_STAGE_MAIL, &r);
		why.outcome = SMTP_TEMP;	/* not about this message */
		decide(sl, &why);
		w->s->usable = 0;
	} else {
		w->s->dirty = 0;
		(void)smtp_send(w->s, &sl->m, sl->rst, sl->x.st);
	}
	sl->local = sl->decided = 1;
	if (!smtp_usable(w->s))
		w->stop = 1;
}

/* Write what may be written, in order; a lone message waits until all
 * before it are answered (its own exchange is over when it returns). */
static void write_ready(struct win *w)
{
	while (!w->stop && w->wr < w->tail) {
		struct slot *sl = slot_at(w, w->wr);

		if (sl->alone && !sl->local && w->wr > w->head)
			return;
		if (!sl->local) {
			if (sl->alone)
				send_alone(w, sl);
			else
				write_pipelined(w, sl);
		}
		w->wr++;
	}
}

/* The session broke while `sl` was not fully answered. */
static void lost(struct slot *sl, const struct smtp_status *io)
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
	decide(sl, &why);
}

/* Read one reply for sl; on failure the session is over (w->lost). */
static int reply(struct win *w, struct slot *sl, struct smtp_reply *r,
    enum smtp_stage stage)
{
	struct smtp_status io;

	if (smtp_io_reply(w->s, r, stage, &io) == 0) {
		if (r->code != 421)
			return 0;
		smtp_status_reply(w->s, &io, stage, r);
	}
	w->lost = 1;
	w->bye = io;
	lost(sl, &io);
	return -1;
}

/* The replies to the BDAT chunks: the first refusal, else the last. */
static int chunk_replies(struct win *w, struct slot *sl)
{
	struct smtp_reply r;
	struct smtp_status first;
	unsigned c;

	first.outcome = SMTP_OK;
	for (c = 0; c < sl->chunks; c++) {
		int last = c + 1 == sl->chunks;

		if (reply(w, sl, &r, last ? SMTP_STAGE_DOT :
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
static int read_replies(struct win *w, struct slot *sl)
{
	struct smtp_reply r;
	size_t i;
	int mail_ok;

	if (sl->rset && reply(w, sl, &r, SMTP_STAGE_MAIL) < 0)
		return -1;
	if (reply(w, sl, &r, SMTP_STAGE_MAIL) < 0)
		return -1;
	mail_ok = smtp_outcome_of(r.code) == SMTP_OK;
	if (!mail_ok) {
		(void)smtp_tx_mail_refused(&sl->x, &r);
		sl->decided = 1;
	}
	for (i = 0; i < sl->m.nrcpt; i++) {
		if (sl->x.state[i] != SMTP_R_PENDING)
			continue;
		if (reply(w, sl, &r, SMTP_STAGE_RCPT) < 0)
			return -1;
		(void)smtp_tx_rcpt_reply(&sl->x, i, &r);
	}
	if (!sl->decided && sl->x.accepted == 0) {
		(void)smtp_tx_none_accepted(&sl->x);
		sl->decided = 1;
	}
	return chunk_replies(w, sl);
}

/* Answer the head: its replies (unless decided locally), then done(). */
static void finish_head(struct win *w)
{
	struct slot *sl = slot_at(w, w->head);
	struct smtp_status io;

	if (w->lost) {
		lost(sl, &w->bye);
	} else if (w->head >= w->wr) {
		smtp_status_local(&io, SMTP_STAGE_MAIL, SMTP_TEMP, "%s",
		    smtp_usable(w->s) ? "an earlier message stopped the window"
		    : "the session ended");
		lost(sl, &io);
	} else if (!sl->local && read_replies(w, sl) == 0) {
		/* A refused BDAT transaction may linger at the server. */
		w->s->dirty = sl->st.outcome != SMTP_OK;
	}
	w->ops->done(w->arg, sl->item, sl->x.st);
	smtp_tx_end(&sl->x);
	w->head++;
}

int smtp_window_run(struct smtp_session *s, unsigned window,
    const struct smtp_window_ops *ops, void *arg)
{
	struct win *w = calloc(1, sizeof(*w));
	int rc;

	if (w == NULL || !smtp_usable(s))
		return free(w), -1;
	w->s = s;
	w->ops = ops;
	w->arg = arg;
	w->more = 1;
	w->k = !smtp_window_ok(s) ? 1 : window < 1 ? 1 :
	    window > SMTP_WINDOW_MAX ? SMTP_WINDOW_MAX : window;
	w->slots = calloc(w->k, sizeof(*w->slots));
	w->buf = malloc(WBUF_MAX);
	if (w->slots == NULL || w->buf == NULL)
		w->stop = 1;
	while (w->slots != NULL) {
		refill(w);
		write_ready(w);
		if (w->head == w->tail)
			break;
		finish_head(w);
	}
	rc = w->more || w->stop || w->lost || !smtp_usable(s) ? -1 : 0;
	free(w->slots);
	free(w->buf);
	free(w);
	return rc;
}
