/*
 * The wait of the long-running runners (relayd and the on-demand runner
 * that sendmail leaves behind): sleep in one poll() until new mail, a stop
 * signal, the next retry time or an extra event source; no timer ticks in
 * between, so a waiting runner costs no CPU and no wake-ups.
 */
#ifndef OUTPOST_RELAYD_WAIT_H
#define OUTPOST_RELAYD_WAIT_H

#include "spool/spool.h"
#include "relayd/runner/runner_signal.h"
#include "util/status.h"

enum relayd_wake {
	RELAYD_WAKE_TIME = 0,	/* the timeout passed */
	RELAYD_WAKE_MAIL,	/* a new message appeared in queue/ (or went) */
	RELAYD_WAKE_STOP,	/* SIGTERM/SIGINT/SIGHUP */
	RELAYD_WAKE_EXTRA,	/* the extra source asked for a pass */
	RELAYD_WAKE_GONE	/* queue/ was removed: nothing left to serve */
};

struct relayd_wait {
	int sigfd;		/* runner_signal_fd(&sig) */
	int inofd;		/* inotify on <spool>/queue */
	int queue_wd;		/* its watch of queue/ */
	int gone;		/* queue/ deleted or moved away */
	/* The on-demand runner: a message removed by someone else (outpost
	 * delete, a flush that delivered it) may leave nothing to wait for,
	 * so a removal also counts as RELAYD_WAKE_MAIL (a pass).  Its own
	 * removals then cost one pass that finds nothing due. */
	int wake_on_removal;
	struct runner_signal sig;
	/* One more event source (e.g. a watcher of network changes), -1
	 * when none: polled with the others; when readable, extra_ready()
	 * drains it and returns nonzero to ask for a pass now. */
	int extra_fd;
	int (*extra_ready)(void *arg);
	void *extra_arg;
};

/* Signals and the queue watch; extra_fd starts at -1.  0 or -1 with *e
 * (then relayd_wait_close is still safe to call). */
int relayd_wait_open(struct relayd_wait *w, const struct spool *sp,
    struct op_err *e);
void relayd_wait_close(struct relayd_wait *w);

/* The runner's stop callback (arg = w): nonzero once a signal came. */
int relayd_wait_stop(void *arg);

/* Sleep at most ms milliseconds; returns why it woke up.  The only
 * place a runner sleeps between passes. */
enum relayd_wake relayd_wait_for(struct relayd_wait *w, int ms);

/* Without sleeping: did a new message appear since the last wait? */
int relayd_wait_new_mail(struct relayd_wait *w);

/* The clock of the wait (CLOCK_MONOTONIC, milliseconds). */
int64_t relayd_wait_clock_ms(void);

#endif
