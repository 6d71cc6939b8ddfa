/*
 * Internals shared by runner*.c: the state of one pass (the session is
 * opened lazily, only when the first due message is found, and reused).
 */
#ifndef OUTPOST_RUNNER_INT_H
#define OUTPOST_RUNNER_INT_H

#include <time.h>

#include "relayd/runner/runner.h"

struct runner_gate;

/* A message locked for delivery: the descriptor of its lock, which also
 * reads its text from `body` on (pread), so it is opened once. */
struct runner_lock {
	int fd;
	off_t body;
};

struct runner_pass_state {
	struct runner *r;
	struct runner_result *res;
	int64_t now;
	void *sess;			/* open session, NULL when none */
	unsigned opens;			/* sessions opened in this pass */
	unsigned sent_on_sess;		/* messages sent on `sess` */
	struct timespec sess_ready;	/* `sess` after EHLO, TLS and AUTH */
	int session_failed;		/* no more sessions in this pass */
	struct smtp_status fail_st;	/* why */
	int marked;			/* current message: in-flight on disk */
	int *lockfd;			/* its lock fd, which a journal
					 * removal may take (window path) */
	int halted;			/* the spool cannot be written */
	struct runner_gate *gate;	/* series table, built on first need */
	struct spool_journal *jnl;	/* window path: group commit, or NULL */
	int windowed;			/* the window path ran this pass */
};

/* Process entry i of l (load, due check, lock, deliver, record). */
void runner_msg(struct runner_pass_state *p, const struct spool_list *l,
    size_t i);
/* Its parts, for the window path (runner_window.c): look = the cheap
 * look at entry i of l and the gate (1: send it; parts[0..*nparts) = a
 * series to send now); lock = lock, reload, due check (1: env loaded and
 * *lk held; 0: skipped, all said); process = the one-message path under
 * the lock; fill = the smtp_msg of env's due recipients, its text read
 * through lk; apply =
 * outcomes per recipient (returns how many were refused only for their
 * number and stay due). */
int runner_msg_look(struct runner_pass_state *p, const struct spool_list *l,
    size_t i, const char **parts, size_t max, size_t *nparts, int *skewed);
int runner_msg_lock(struct runner_pass_state *p, const char *id,
    int skewed, struct envelope *env, struct runner_lock *lk);
void runner_msg_process(struct runner_pass_state *p, struct envelope *env,
    const struct runner_lock *lk);
void runner_msg_fill(struct runner_pass_state *p, struct envelope *env,
    const struct runner_lock *lk, struct smtp_msg *m, const char **addrs,
    size_t *idx);
size_t runner_msg_apply(struct runner_pass_state *p, struct envelope *env,
    const size_t *idx, size_t n, const struct smtp_status *rst,
    const struct smtp_status *st, struct runner_report *rep);
/* After a transaction that left `again` recipients for the next one (a
 * recipient limit, 452 4.5.3): when the session and the pass may go on,
 * store env's state now (in-flight mark cleared), so a crash from here
 * never sends again to those it reached.  0 = send the next transaction. */
int runner_msg_again(struct runner_pass_state *p, struct envelope *env,
    struct runner_report *rep, size_t again);

/* The window path of a pass over `l` (runner_window.c). */
void runner_window_pass(struct runner_pass_state *p,
    const struct spool_list *l);

/* The end of an attempt (runner_record.c).  finish = attempts, store,
 * log, report.  store = write env's new state, or bounce + remove it when
 * settled (the bounce skipped when `bounced`); 0 when on disk, -1
 * (logged, rep->note).  report = hand rep to the caller's callback. */
void runner_record_finish(struct runner_pass_state *p, struct envelope *env,
    struct runner_report *rep);
int runner_record_store(struct runner_pass_state *p, struct envelope *env,
    struct runner_report *rep, int bounced);
void runner_record_report(struct runner_pass_state *p,
    struct runner_report *rep);

/* Held state (runner_hold.c): keep a copy of env after its write failed,
 * or forget it. */
void runner_hold_keep(struct runner *r, const struct envelope *env,
    int bounced);
void runner_hold_drop(struct runner *r);
/* Write the held state under its message lock (runner_msg.c).  0 = nothing
 * held (any more), -1 = still held. */
int runner_hold_retry(struct runner_pass_state *p);

/* Lock, reload and deliver one message when it is (still) due. */
void runner_msg_send(struct runner_pass_state *p, const char *id,
    int skewed);

/* The gate (runner_gate.c).  held: 1 when env is held by hand.  series:
 * for a series member, 1 when the gate dealt with it (kept it back,
 * dropped a superseded copy, or - when the series may go - put the ids of
 * all its parts in ids[0..*n) in delivery order, for the caller to send
 * now); 0 = deliver it the ordinary way.  due: for runner_any_due,
 * may env go now as far as the gate is concerned?  free: end of pass. */
int runner_gate_held(const struct envelope *env);
int runner_gate_series(struct runner_pass_state *p,
    const struct envelope *env, const char **ids, size_t max, size_t *n);
int runner_gate_due(struct runner_gate **g, struct runner *r,
    const struct envelope *env, int64_t now);
void runner_gate_free(struct runner_gate **g);
/* After a delivery: remember patch mail for resend protection. */
void runner_gate_sent(struct runner_pass_state *p,
    const struct envelope *env);

/* Accounts (runner_account.c).  mine: may this pass (r->account) send
 * env?  known: does env's account exist in c (the full config)?  pass:
 * one sub-pass per account through pass_one, results added up. */
int runner_account_mine(const struct runner *r, const struct envelope *env);
int runner_account_known(const struct conf *c, const struct envelope *env);
int runner_account_pass(struct runner *r, struct runner_result *res,
    int (*pass_one)(struct runner *, struct runner_result *,
    struct op_err *), struct op_err *e);
/* Mail of an account the config no longer has (or, with sections, mail
 * queued before them and no account_default): 1, and the first time its
 * recipients are deferred with a reason that says what to do, written
 * and logged once; 0 for mail of a configured account. */
int runner_account_orphan(struct runner_pass_state *p,
    const struct envelope *env);

/* Session helpers (runner_session.c). */
int runner_session_get(struct runner_pass_state *p);	/* 0 ok, -1 failed */
void runner_session_drop(struct runner_pass_state *p);

/* The failed state (runner_fail.c): store the DSN locally (bounce_mbox),
 * queue it too with bounce_to_smarthost, mark the message failed and keep
 * it with its full text.  0, or -1 when the state could not be written. */
/* Still deferred after 4 x warn_after: store the delay notice once (sets
 * env->warned, written with the state that follows). */
void runner_fail_delay(struct runner_pass_state *p, struct envelope *env);
int runner_fail_keep(struct runner_pass_state *p, struct envelope *env,
    struct runner_report *rep, int bounced);
/* The policy for one attempt: notes in env when it first reached the
 * server; an attempt that did not reach it never expires the message. */
const struct outcome_policy *runner_fail_policy(struct runner_pass_state *p,
    struct envelope *env, const struct smtp_status *st,
    struct outcome_policy *tmp);

#endif
