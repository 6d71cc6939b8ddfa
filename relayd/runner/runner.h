/*
 * The queue runner: one pass delivers every due message of the spool over
 * ONE SMTP session, in submission order, and records each recipient's
 * outcome in its envelope.  The SMTP calls go through a small seam
 * (struct runner_ops) so tests script the server.  Drivers on top: run-once
 * (after a submission), flush (foreground), relayd (long-running).
 * The runner never prints: progress goes to a caller's report callback.
 */
#ifndef OUTPOST_RUNNER_H
#define OUTPOST_RUNNER_H

#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "relayd/runner/outcome.h"
#include "relayd/smtp/smtp.h"
#include "spool/spool.h"
#include "util/status.h"

#define RUNNER_MAX_OPENS	3	/* sessions opened per pass at most */

/* The SMTP seam.  `before_dot` must be called right before the final "."
 * is written (the runner marks the message in flight there); when it
 * returns nonzero the "." must not be sent (see struct smtp_msg). */
struct runner_ops {
	int (*open)(void *ctx, const struct conf *c, void **sess,
	    struct smtp_status *st);
	int (*send)(void *ctx, void *sess, const struct smtp_msg *m,
	    int (*before_dot)(void *arg), void *arg,
	    struct smtp_status *rcpt_st, struct smtp_status *st);
	int (*usable)(void *ctx, void *sess);
	void (*close)(void *ctx, void *sess);
	void *ctx;
	/* Several messages in flight (smtp_window_run); NULL = the seam
	 * has none, every message goes through send(). */
	int (*window)(void *ctx, void *sess, unsigned k,
	    const struct smtp_window_ops *wops, void *warg);
};
/* The real seam over smtp_open/smtp_send (password from conf_password(),
 * wiped right after smtp_open). */
extern const struct runner_ops runner_smtp_ops;

/* What happened to one message in this pass. */
enum runner_what {
	RUNNER_SENT = 0,	/* an attempt was made (see tally) */
	RUNNER_SESSION,		/* deferred: no session (reason in env) */
	RUNNER_FINISHED,	/* nothing left to try: bounced/removed */
	RUNNER_BUSY		/* locked by another process: skipped */
};
struct runner_report {
	const char *id;
	enum runner_what what;
	const struct envelope *env;	/* states after the attempt */
	struct outcome_tally tally;
	int removed;			/* gone from the queue */
	char bounce_id[SPOOL_QID_LEN + 1];	/* "" when none queued */
	const char *note;		/* error text, or NULL */
	char reply[SPOOL_REASON_MAX];	/* the server's "250 ..." to the
					   message, printable; "" if none */
};

struct runner_result {
	unsigned attempted;	/* messages tried (sent or deferred) */
	unsigned removed;	/* of those, no longer queued */
	unsigned remaining;	/* of those, still queued */
	unsigned busy;		/* skipped: locked by someone else */
	unsigned sessions;	/* SMTP sessions opened */
	unsigned bounces;	/* bounces queued */
	int64_t next_wake;	/* earliest next_try left, INT64_MAX none */
	int stopped;		/* the spool could not be written: pass cut */
};

#define RUNNER_SAID_MAX	64

struct runner {
	const struct conf *conf;
	struct spool *sp;
	const struct runner_ops *ops;
	struct outcome_policy policy;
	int64_t now;		/* fixed clock for tests; 0 = time(NULL) */
	int all;		/* ignore next_try (flush) */
	const char *const *ids;	/* only these messages (flush ID...) */
	size_t nids;
	void (*report)(void *arg, const struct runner_report *r);
	void *report_arg;
	/* Asked between messages: nonzero = stop (SIGTERM in relayd). */
	int (*stop)(void *arg);
	void *stop_arg;
	/* State of a sent message that could not be written (disk full):
	 * written first by the next pass, which sends nothing until then
	 * (runner_hold.c).  Freed by runner_end(). */
	struct envelope held;
	int has_held, held_bounced;
	/* Config with `account` sections: the pass runs once per account
	 * with conf = that account's view and account = its name (the
	 * messages of other accounts are left alone); NULL otherwise.  top:
	 * the whole config during a sub-pass (to tell mail of an account
	 * that no longer exists), NULL otherwise. */
	const char *account;
	const struct conf *top;
	/* Messages this runner already logged as held with their series:
	 * said once per process, not on every pass.  A small ring; an id
	 * that falls out is said once more, which is harmless. */
	char said_held[RUNNER_SAID_MAX][SPOOL_QID_LEN + 1];
	unsigned said_next;
};

void runner_init(struct runner *r, const struct conf *c, struct spool *sp,
    const struct runner_ops *ops);

/* One pass; the caller holds the runner lock.  Writes a held state first
 * (none written: res->stopped, nothing sent), recovers the spool, then
 * delivers the due messages; a state that cannot be written stops the
 * pass (res->stopped).  -1 only when the queue cannot be read. */
int runner_pass(struct runner *r, struct runner_result *res,
    struct op_err *e);

/* Last try to write a held state (only when `locked`: the caller holds
 * the runner lock), then free it.  -1 when it stays unwritten: on disk the
 * message is still marked in flight, so the next runner's recovery flags
 * it "possibly delivered" and it is sent once more, marked, not in a loop. */
int runner_end(struct runner *r, int locked);

/* Is any message due now (cheap re-check after a pass)? */
int runner_any_due(struct runner *r, int64_t *next_wake, struct op_err *e);

/* Messages with a recipient waiting for a retry, not held or failed, of
 * a configured account: what a pass with r->all = 1 would retry early. */
size_t runner_count_deferred(struct runner *r);

/* Runner-lock helper: wait up to timeout_ms (0 = one try).  1 got, 0 busy,
 * -1 error. */
int runner_lock(struct spool *sp, unsigned timeout_ms, struct op_err *e);

/* The pass clock: r->now when set (tests), else time(NULL). */
int64_t runner_now(const struct runner *r);

#endif
