/*
 * Internals of the window of messages in flight, shared by the CHUNKING
 * path (smtp_window.c) and the DATA path (smtp_window_data.c): the ring of
 * slots, pulling and marking groups, the envelope commands, reading one
 * reply and the "possibly delivered" rule when the session breaks.
 */
#ifndef OUTPOST_SMTP_WSLOT_H
#define OUTPOST_SMTP_WSLOT_H

#include "relayd/smtp/smtp_session.h"

#define SMTP_WIN_IN	32768			/* spool bytes per write */
#define SMTP_WIN_HDR	40			/* "BDAT <20 digits> LAST\r\n" */
/* [RSET] MAIL and up to SMTP_PIPE_RCPT_MAX RCPTs. */
#define SMTP_WIN_CMDS	(SMTP_CMD_MAX * (SMTP_PIPE_RCPT_MAX + 1) + 8)
/* Commands, a BDAT header (or "DATA\r\n") and one encoded chunk with its
 * end (at most 2 * SMTP_WIN_IN + 9 bytes). */
#define SMTP_WIN_BUF	(SMTP_WIN_CMDS + SMTP_WIN_HDR + 2 * SMTP_WIN_IN + 8)

struct smtp_wslot {
	struct smtp_msg m;
	struct smtp_status *rst, st;
	struct smtp_tx x;
	void *item;
	int utf8;
	int local;		/* outcome known without reading a reply */
	int alone;		/* goes through smtp_send() with nothing else */
	int rset;		/* an RSET goes first */
	int env;		/* DATA path: its MAIL, RCPTs, DATA written */
	int go;			/* DATA path: 354 read, its text goes next */
	int empty;		/* DATA path: 354 but no recipient: "." only */
	int started;		/* some of its text was written */
	int written;		/* all of it was written (BDAT LAST or ".") */
	int decided;		/* outcome set from the replies read so far */
	unsigned chunks;	/* BDAT commands written */
	size_t nrc;		/* RCPT commands written */
};

struct smtp_win {
	struct smtp_session *s;
	const struct smtp_window_ops *ops;
	void *arg;
	unsigned k;
	struct smtp_wslot *slots;	/* ring of k, index = seq % k */
	unsigned head, wr, tail;	/* next to read, to write, to pull */
	int more;			/* next() may give more */
	int stop;			/* no more pulls or writes */
	int lost;			/* the session broke: no more reads */
	struct smtp_status bye;		/* why (a 421 reply or a local reason) */
	char *buf;			/* SMTP_WIN_BUF */
	char in[SMTP_WIN_IN];
};

static inline struct smtp_wslot *smtp_wslot_slot(struct smtp_win *w,
    unsigned seq)
{
	return &w->slots[seq % w->k];
}

/* --- smtp_wslot.c --- */
/* The slot's outcome is *why (for every recipient without its own). */
void smtp_wslot_decide(struct smtp_wslot *sl, const struct smtp_status *why);
/* Pull one message into the slot at w->tail; 0 when none is left. */
int smtp_wslot_pull(struct smtp_win *w);
/* mark() for the non-local slots [first, w->tail); when it fails they
 * end with its reason and the window stops. */
void smtp_wslot_mark(struct smtp_win *w, unsigned first);
ssize_t smtp_wslot_pread(const struct smtp_msg *m, char *buf, size_t len,
    off_t off);
/* [RSET] MAIL and the RCPTs of the pending recipients into buf
 * (SMTP_WIN_CMDS bytes); sets sl->nrc.  0 when a command is too long. */
size_t smtp_wslot_commands(struct smtp_win *w, struct smtp_wslot *sl,
    char *buf);
/* The spool could not be read for sl (errno says why). */
void smtp_wslot_read_failed(struct smtp_win *w, struct smtp_wslot *sl);
void smtp_wslot_write_failed(struct smtp_win *w, struct smtp_wslot *sl,
    const struct smtp_status *io);
/* sl alone through smtp_send(), after an RSET when s->dirty. */
void smtp_wslot_send_alone(struct smtp_win *w, struct smtp_wslot *sl);
/* The session broke while sl was not fully answered. */
void smtp_wslot_lost(struct smtp_wslot *sl, const struct smtp_status *io);
/* One reply for sl; -1 when the session is over (w->lost, sl decided). */
int smtp_wslot_reply(struct smtp_win *w, struct smtp_wslot *sl,
    struct smtp_reply *r, enum smtp_stage stage);
/* The replies to sl's [RSET], MAIL and RCPTs, in order; sl is decided
 * when MAIL or every RCPT was refused. */
int smtp_wslot_envelope_replies(struct smtp_win *w, struct smtp_wslot *sl);
/* done() for the head slot, then the next one is head. */
void smtp_wslot_done(struct smtp_win *w);

/* --- smtp_window_data.c: PIPELINING without CHUNKING --- */
void smtp_window_data_run(struct smtp_win *w);

#endif
