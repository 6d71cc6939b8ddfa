/*
 * SMTP client session to the one smarthost: connect, greeting, EHLO,
 * STARTTLS (or implicit TLS), verification, EHLO again, AUTH, then any number
 * of messages, QUIT.  Replies are parsed strictly (smtp_reply.c); I/O goes
 * through a transport seam (smtp_transport.h) so unit tests script it.
 * Outcomes are classified in one place (smtp_outcome()).
 */
#ifndef OUTPOST_SMTP_H
#define OUTPOST_SMTP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "conf/conf.h"
#include "util/status.h"

enum smtp_stage {
	SMTP_STAGE_NONE = 0, SMTP_STAGE_CONNECT, SMTP_STAGE_GREETING,
	SMTP_STAGE_EHLO, SMTP_STAGE_STARTTLS, SMTP_STAGE_TLS, SMTP_STAGE_AUTH,
	SMTP_STAGE_MAIL, SMTP_STAGE_RCPT, SMTP_STAGE_DATA,
	SMTP_STAGE_BODY,	/* sending the message text */
	SMTP_STAGE_DOT,		/* waiting for the reply to the final "." */
	SMTP_STAGE_QUIT
};

enum smtp_outcome { SMTP_OK = 0, SMTP_TEMP, SMTP_PERM };

/* What happened at the failing step: stage + full server reply (printable,
 * multi-line joined with " / ") or a local reason ("connect: timed out"). */
struct smtp_status {
	enum smtp_outcome outcome;
	enum smtp_stage stage;
	int code;			/* 3-digit reply code, 0 when local */
	int advised;			/* text already says what to do */
	char text[1024];
};

/* One message to send: envelope + a readable fd holding the message bytes. */
struct smtp_msg {
	const char *sender;		/* "" = null sender */
	const char *const *rcpts;
	size_t nrcpt;
	int fd;				/* message at [off, off+len) */
	off_t off;
	uint64_t len;
	int body_8bit, smtputf8;
	const char *dsn_notify, *dsn_ret, *envid;
	/* Called once, right before the final "." is written (the runner
	 * marks the message in flight durably there); NULL = none.  Nonzero
	 * = do not send: the "." is never written, the connection is
	 * abandoned (the server drops the unfinished message) and *st says
	 * "not sent" (stage BODY, temporary). */
	int (*before_dot)(void *arg);
	void *arg;
};

struct smtp_session;

/* Open a session (through AUTH when `user` is set).  `password` may be NULL
 * when no AUTH is configured; it is not kept after the call.  Returns 0, or
 * -1 with *st filled (outcome SMTP_TEMP for every session-level failure,
 * AUTH refusals included) and *out NULL.  `c` must outlive the session.
 * Process-wide side effect: SIGPIPE is set to SIG_IGN if it was SIG_DFL
 * (OpenSSL writes with write(2); a peer closing must not kill us). */
int smtp_open(const struct conf *c, const char *password,
    struct smtp_session **out, struct smtp_status *st);
/* Send one message.  rcpt_st[i] gets the per-recipient outcome; *st the
 * message-level one (SMTP_OK when at least one recipient was accepted and
 * the final "." was answered 2xx).  When the session breaks after the final
 * "." was sent, st->stage is SMTP_STAGE_DOT ("possibly delivered") with
 * code 0.  rcpt_st[i] is SMTP_OK when RCPT i was accepted (its fate is then
 * *st), else its own reply or local reason.  Returns 0 when st->outcome is
 * SMTP_OK, else -1. */
int smtp_send(struct smtp_session *s, const struct smtp_msg *m,
    struct smtp_status *rcpt_st, struct smtp_status *st);
/*
 * Messages in flight (RFC 3030 CHUNKING with RFC 2920 PIPELINING): up to
 * `window` messages are written (RSET, MAIL, RCPTs, BDAT n LAST and the
 * text) before the replies of the earlier ones are read.  Replies are
 * matched to commands strictly in order; one message's refusal does not
 * touch the others.  The window pulls messages with next(), refills in
 * groups (when half of it is free) and calls mark() once per group before
 * the first byte of the group is written, so the caller's durable
 * in-flight marks cost one sync per group, taken while the earlier half
 * is still on the wire.  done() is called exactly once per pulled
 * message, in the order they were pulled.  When the session breaks, a
 * message whose text was completely written but whose final reply was not
 * read ends as "possibly delivered" (stage DOT, code 0); one not completely
 * written ends deferred (stage BODY or MAIL, code 0).  With PIPELINING but
 * no CHUNKING the same contract holds over DATA (RFC 2920): a text waits
 * for its 354, and the next message's RSET/MAIL/RCPTs/DATA go in the same
 * write as the "." before it, so two messages are on the wire at once.
 * Without PIPELINING every message goes alone through smtp_send().
 */
struct smtp_window_ops {
	/* Next message: fill *m, *rcpt_st (m->nrcpt entries, caller's
	 * memory, valid until done()) and *item (the caller's handle).
	 * 1 = given, 0 = none left. */
	int (*next)(void *arg, struct smtp_msg *m,
	    struct smtp_status **rcpt_st, void **item);
	/* Make the in-flight marks of items[0..n) durable; -1 with *why =
	 * do not send them (they end with *why, and the window stops). */
	int (*mark)(void *arg, void *const *items, size_t n,
	    struct smtp_status *why);
	/* Final outcome: rcpt_st filled as for smtp_send(), *st. */
	void (*done)(void *arg, void *item, const struct smtp_status *st);
};
#define SMTP_WINDOW_MAX	64
/* 1 when `s` can carry a window (CHUNKING and PIPELINING offered). */
int smtp_window_ok(const struct smtp_session *s);
/* Run until next() has no more (0) or the session broke or a mark failed
 * (-1; messages not yet pulled are untouched: open a new session and run
 * again).  window is clamped to 1..SMTP_WINDOW_MAX. */
int smtp_window_run(struct smtp_session *s, unsigned window,
    const struct smtp_window_ops *ops, void *arg);

/* For doctor: MAIL FROM:<sender> (no RCPT, no DATA), then RSET, so a
 * server that refuses the sender is noticed before real mail is.  0 when
 * the server accepted it, else -1 with *st (its reply or the local
 * reason). */
int smtp_probe_sender(struct smtp_session *s, const char *sender,
    struct smtp_status *st);

/* Is the session still usable for another message? */
int smtp_usable(const struct smtp_session *s);
void smtp_close(struct smtp_session *s);	/* QUIT (best effort) + free */

/* For doctor: details of the TLS session and server capabilities. */
struct smtp_info {
	char tls_version[32], cipher[128];
	char cert_subject[512], cert_issuer[512];
	char cert_sha256[100];		/* "sha256:HEX" pin of the certificate */
	char spki_sha256[100];		/* "sha256:HEX" pin of the public key */
	char caps[1024];		/* EHLO keywords after TLS, space-separated */
	char auth_mech[64];		/* mechanism used, "" when none */
};
void smtp_get_info(const struct smtp_session *s, struct smtp_info *info);

#endif
