/*
 * Internals of the SMTP client shared by smtp_session.c, smtp_send.c,
 * smtp_io.c, smtp_caps.c and smtp_sasl.c.  Not for the runner: it uses
 * relayd/smtp.h only.  Tests use smtp_open_fd() to run a session over a
 * socketpair().
 */
#ifndef OUTPOST_SMTP_SESSION_H
#define OUTPOST_SMTP_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "relayd/smtp/smtp.h"
#include "relayd/smtp/smtp_reply.h"
#include "relayd/smtp/smtp_transport.h"

/* EHLO capabilities; reset to zero after STARTTLS (never trusted across). */
struct smtp_caps {
	int ehlo;			/* EHLO answered 250 (else HELO) */
	int starttls, pipelining, eightbit, smtputf8, dsn, auth;
	int chunking;			/* RFC 3030 BDAT */
	int has_size;
	uint64_t size_max;		/* 0 = no limit given */
	char auth_mechs[256];		/* "PLAIN LOGIN ..." as offered */
	char keywords[1024];		/* for doctor: space-separated */
};

struct smtp_session {
	const struct conf *c;
	struct smtp_transport t;
	SSL_CTX *ctx;
	int usable;			/* 0 after 421, I/O error, timeout */
	unsigned txs;			/* BDAT transactions written */
	int dirty;			/* the last one was refused: RSET first */
	int in_tls;
	int64_t cmd_ms;			/* command_timeout in ms */
	char helo[CONF_HOST_MAX];
	struct smtp_caps caps;
	struct smtp_info info;
	/* Reply reader: rbuf[0, rdrop) is the last reply (still readable by
	 * smtp_reply_line()), rbuf[rdrop, rlen) bytes not yet parsed. */
	size_t rlen, rdrop;
	char rbuf[SMTP_REPLY_RAW_MAX];
};

/* Open over an already connected socket (owned from now on): the same
 * session as smtp_open() minus DNS and connect.  For tests and doctor. */
int smtp_open_fd(const struct conf *c, const char *password, int fd,
    struct smtp_session **out, struct smtp_status *st);

/* --- smtp_io.c: commands and replies with the command deadline --- */
/* Write buf; on failure fill *st (TEMP, stage) and mark unusable. */
int smtp_io_write(struct smtp_session *s, const void *buf, size_t len,
    enum smtp_stage stage, struct smtp_status *st);
/* Read one complete reply into *r.  On I/O error, timeout, EOF or a
 * malformed reply fill *st (TEMP, stage, local reason), mark unusable. */
int smtp_io_reply(struct smtp_session *s, struct smtp_reply *r,
    enum smtp_stage stage, struct smtp_status *st);
/* Send one command line (CRLF added) and read its reply. */
int smtp_io_cmd(struct smtp_session *s, const char *line,
    struct smtp_reply *r, enum smtp_stage stage, struct smtp_status *st);
/* Bytes received but not consumed (reader buffer + transport). */
size_t smtp_io_pending(const struct smtp_session *s);

/* --- smtp_cmd.c: MAIL/RCPT command lines (pure) --- */
/* One MAIL or RCPT line: the longest path plus every parameter at its
 * longest (SIZE 20 digits, RET 40, ENVID 119, the keywords) fits. */
#define SMTP_CMD_MAX	(CONF_ADDR_MAX + 300)
/* 1 when a can go inside "<...>": no control byte, space or bracket. */
int smtp_cmd_addr_ok(const char *a);
/* "MAIL FROM:<sender> [params]\r\n" into out; the length, or 0 when it
 * does not fit in len (nothing usable is then in out). */
size_t smtp_cmd_mail(const struct smtp_session *s, const struct smtp_msg *m,
    int utf8, char *out, size_t len);
/* "RCPT TO:<rcpts[i]> [NOTIFY=...]\r\n"; 0 when it does not fit. */
size_t smtp_cmd_rcpt(const struct smtp_session *s, const struct smtp_msg *m,
    size_t i, char *out, size_t len);

/* --- smtp_outcome.c: the one classification of codes and errors --- */
enum smtp_outcome smtp_outcome_of(int code);
/* *st from a reply ("NNN text"); 421 also marks the session unusable. */
void smtp_status_reply(struct smtp_session *s, struct smtp_status *st,
    enum smtp_stage stage, const struct smtp_reply *r);
/* *st from a local reason. */
void smtp_status_local(struct smtp_status *st, enum smtp_stage stage,
    enum smtp_outcome o, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void smtp_status_ok(struct smtp_status *st, enum smtp_stage stage);

/* --- smtp_tx.c: one transaction's bookkeeping (smtp_send, smtp_window) */
/* Above this many recipients the commands are not written ahead of the
 * replies: a huge pipelined write while the server's replies pile up
 * unread could fill both socket buffers and stall until the timeout. */
#define SMTP_PIPE_RCPT_MAX	100
enum smtp_rstate { SMTP_R_SKIP = 0, SMTP_R_PENDING, SMTP_R_DONE };
struct smtp_tx {
	struct smtp_session *s;
	const struct smtp_msg *m;	/* the caller's, or &conv */
	struct smtp_status *rst, *st;
	unsigned char *state;		/* enum smtp_rstate per recipient */
	size_t nvalid, accepted;
	/* 8-bit text for a server without 8BITMIME: the caller's message
	 * with its text re-encoded 7-bit in conv.fd (closed by _end). */
	struct smtp_msg conv;
	int conv_fd;
};
/* Statuses to "not attempted", local checks (addresses, SIZE, SMTPUTF8),
 * 8-bit text made 7-bit when the server lacks 8BITMIME (x->m then points
 * to x->conv; a message that cannot be is deferred with the reason).
 * -1 when the message cannot be sent at all (*st and rcpt_st say why);
 * smtp_tx_end() in both cases. */
int smtp_tx_begin(struct smtp_tx *x, struct smtp_session *s,
    const struct smtp_msg *m, struct smtp_status *rcpt_st,
    struct smtp_status *st, int *utf8);
void smtp_tx_end(struct smtp_tx *x);
/* Each returns -1 (the message failed) except rcpt_reply (0 unless 421). */
int smtp_tx_broken(struct smtp_tx *x);
int smtp_tx_none_accepted(struct smtp_tx *x);
int smtp_tx_mail_refused(struct smtp_tx *x, const struct smtp_reply *r);
int smtp_tx_rcpt_reply(struct smtp_tx *x, size_t i,
    const struct smtp_reply *r);

/* --- smtp_7bit.c: 8-bit text made 7-bit (pure; RFC 6152, RFC 2045) --- */
/* msg[0, len) with every MIME leaf whose body has 8-bit bytes re-encoded
 * quoted-printable (its Content-Transfer-Encoding field replaced).  0 with
 * *out (malloc'ed, at most max bytes, NUL after *outlen); -1 with a reason in
 * why ("the message has 8-bit headers", a message/ part, ...). */
int smtp_7bit(const char *msg, size_t len, size_t max, char **out,
    size_t *outlen, char *why, size_t wlen);

/* --- smtp_caps.c --- */
void smtp_caps_parse(struct smtp_caps *caps, const char *raw,
    const struct smtp_reply *r);

/* --- smtp_sasl.c: AUTH over TLS only --- */
int smtp_sasl_auth(struct smtp_session *s, const char *password,
    struct smtp_status *st);

/* --- smtp_oauth_auth.c: AUTH XOAUTH2 / OAUTHBEARER (mech, upper case) */
int smtp_oauth_auth(struct smtp_session *s, const char *mech,
    const char *token, struct smtp_status *st);

/* --- smtp_dot.c: message text to the DATA wire form (pure) --- */
struct smtp_dot {
	int stuff;		/* double a leading '.' (DATA; not BDAT) */
	int bol;		/* at the beginning of a line */
	int cr;			/* a CR was seen and its line end not yet sent */
};
void smtp_dot_init(struct smtp_dot *d);
/* Encode in[0, inlen) into out: every CR, LF and CRLF becomes CRLF, a '.'
 * at the beginning of a line is doubled.  out must hold 2 * inlen + 2
 * bytes.  Returns the bytes written. */
size_t smtp_dot_encode(struct smtp_dot *d, const char *in, size_t inlen,
    char *out);
/* End: pending line end, final CRLF when missing, then ".\r\n".  out must
 * hold 7 bytes.  Returns the bytes written. */
size_t smtp_dot_finish(struct smtp_dot *d, char *out);
/* End of a BDAT text: the pending line end or a final CRLF when missing,
 * no ".".  out must hold 4 bytes.  Returns the bytes written. */
size_t smtp_dot_end(struct smtp_dot *d, char *out);

#endif
