/*
 * The long-running runners.  `outpost relayd` (a systemd --user unit) and
 * the on-demand runner that the run started by sendmail turns into while
 * mail waits for a retry.  Both hold <spool>/relayd.lock (one serving
 * runner per spool) and take the runner lock only for each pass, so `flush`
 * delivers in between.  A pass runs on new mail (inotify) and when the
 * earliest retry is due; the on-demand runner leaves once nothing deferred
 * or held for a time is left, and steps aside when a relayd starts.
 * SIGTERM/SIGINT/SIGHUP: the message in flight is finished, then exit 0.
 */
#include "relayd/runner/relayd.h"

#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "relayd/runner/netwatch.h"
#include "relayd/runner/relayd_wait.h"
#include "util/log.h"

#define RELAYD_RESCAN_S		3600	/* look anyway, in case of a missed event */
#define RELAYD_BUSY_FIRST_MS	200	/* a message locked by someone else: */
#define RELAYD_BUSY_MAX_MS	5000	/* look again, backing off to this */
#define RELAYD_MIN_WAIT_S	1	/* between timer-driven passes */
#define RELAYD_LOCK_WAIT_MS	60000	/* for a flush or run-once to finish */
#define RELAYD_LOCK_POLL_MS	50	/* between tries of a lock */
#define RELAYD_ROLE		"relayd"
#define ONDEMAND_ROLE		"on-demand"

struct relayd {
	struct relayd_wait w;
	int stopping;
	int busy_ms;		/* last busy back-off, 0 after a clean pass */
	int ondemand;		/* leave when nothing waits for a retry */
	int lockfd;		/* relayd.lock, -1 when not held */
	int announced;		/* the on-demand runner said it stays */
	struct netwatch nw;	/* network changes, fd -1 when not watched */
	int net_retry;		/* next pass: deferred mail too (r->all) */
};

static int relayd_stop_requested(void *arg)
{
	struct relayd *d = arg;

	/* Checked between messages: never interrupts one in flight. */
	d->stopping = relayd_wait_stop(&d->w);
	return d->stopping;
}

/*
 * A busy message is nearly always one whose enqueue has not finished its
 * commit (inotify saw the link; sendmail holds the file locked until the
 * directory is synced): look again soon, doubling the wait in case the
 * holder is stuck.  Returns 0 when nothing was busy.
 */
static int busy_backoff(struct relayd *d, const struct runner_result *res)
{
	if (res->busy == 0)
		d->busy_ms = 0;
	else if (d->busy_ms == 0)
		d->busy_ms = RELAYD_BUSY_FIRST_MS;
	else if (d->busy_ms < RELAYD_BUSY_MAX_MS / 2)
		d->busy_ms *= 2;
	else
		d->busy_ms = RELAYD_BUSY_MAX_MS;
	return d->busy_ms;
}

/* Milliseconds until the next pass is due. */
static int timeout_ms(struct relayd *d, const struct runner_result *res)
{
	int64_t now = (int64_t)time(NULL), wait = RELAYD_RESCAN_S;
	int busy = busy_backoff(d, res);

	if (res->next_wake != INT64_MAX && res->next_wake - now < wait)
		wait = res->next_wake - now;
	/* Something is still due right after a pass: its state could not
	 * be recorded (disk full?).  Do not spin on it or on the server. */
	if (wait < RELAYD_MIN_WAIT_S)
		wait = RELAYD_MIN_WAIT_S;
	if (busy != 0 && busy < wait * 1000)
		return busy;
	return (int)(wait * 1000);
}

/*
 * Take the runner lock for one pass.  A flush or run-once may hold it: wait
 * for it (bounded), trying every RELAYD_LOCK_POLL_MS because flock() has no
 * timeout, and give up at once on a stop signal.  1 got, 0 not now (busy
 * past the bound, or stopping), -1 error.
 */
static int lock_for_pass(struct relayd *d, struct spool *sp,
    struct op_err *e)
{
	struct pollfd pfd = { .fd = d->w.sigfd, .events = POLLIN };
	int waited = 0, got;

	for (;;) {
		got = spool_lock_runner(sp, 0, e);
		if (got != 0)
			return got;
		if (waited >= RELAYD_LOCK_WAIT_MS)
			return 0;
		if (poll(&pfd, 1, RELAYD_LOCK_POLL_MS) > 0 &&
		    relayd_stop_requested(d))
			return 0;
		waited += RELAYD_LOCK_POLL_MS;
	}
}

/*
 * One pass under the runner lock, released right after, so that nothing
 * else ever delivers while this pass does (and the reverse): the runner
 * lock serialises passes, the per-message locks stay as a second guard.
 * Mail that another runner delivered meanwhile is simply no longer due.
 */
static void one_pass(struct relayd *d, struct runner *r,
    struct runner_result *res)
{
	struct op_err e;
	int got;

	memset(res, 0, sizeof(*res));
	res->next_wake = INT64_MAX;
	op_err_clear(&e);
	got = lock_for_pass(d, r->sp, &e);
	if (got == 0) {
		if (!d->stopping) {
			log_info("another runner still holds the spool lock "
			    "after %d s; trying again", RELAYD_LOCK_WAIT_MS /
			    1000);
			res->busy = 1;
		}
		return;
	}
	/* After a network change deferred mail goes too, whatever its
	 * retry time (held and failed mail stays, as with flush). */
	r->all = d->net_retry;
	if (got > 0 && d->net_retry)
		log_info("network change: retrying %zu deferred message(s) "
		    "now", runner_count_deferred(r));
	d->net_retry = 0;
	if (got < 0 || runner_pass(r, res, &e) < 0) {
		log_error("cannot read the queue: %s", e.msg);
		res->busy = 0;
		res->next_wake = (int64_t)time(NULL) + 60;
	}
	r->all = 0;
	spool_unlock_runner(r->sp);
}

static int take_lock(struct relayd *d, struct spool *sp, struct op_err *e)
{
	int got = spool_lock_relayd(sp, &d->lockfd, e);

	if (got == 1 && spool_relayd_note(d->lockfd, d->ondemand ?
	    ONDEMAND_ROLE : RELAYD_ROLE) < 0)
		log_warn("cannot write who holds %s/relayd.lock", sp->path);
	return got;
}

static void drop_lock(struct relayd *d)
{
	if (d->lockfd < 0)
		return;
	(void)spool_relayd_note(d->lockfd, NULL);
	spool_unlock_relayd(d->lockfd);
	d->lockfd = -1;
}

/*
 * The on-demand runner after a pass that left nothing to wait for: let go
 * of relayd.lock, then look at the queue's events once more.  A sendmail
 * that committed before we let go and found the lock taken left its run
 * to us; its message shows up here and we take the lock back (unless
 * someone else got it, who then serves that message).  1 = stay.
 */
static int stay_on(struct relayd *d, struct spool *sp)
{
	drop_lock(d);
	if (!relayd_wait_new_mail(&d->w))
		return 0;
	return take_lock(d, sp, NULL) == 1;
}

/* Nothing deferred, held for a time (series_wait) or busy is left. */
static int idle(const struct runner_result *res)
{
	return res->next_wake == INT64_MAX && res->busy == 0 &&
	    !res->stopped;
}

/* The wait's extra source: 1 after a network change that matters, with
 * net_retry set when the rate limit lets the retry run now (else it is
 * pending until the gap ends). */
static int net_ready(void *arg)
{
	struct relayd *d = arg;

	if (!netwatch_read(&d->nw))
		return 0;
	if (netwatch_note(&d->nw, relayd_wait_clock_ms()))
		d->net_retry = 1;
	return 1;
}

/* Watch the network through the wait's extra slot.  Not fatal: without
 * it deferred mail waits for its retry time, as it always did. */
static void net_open(struct relayd *d)
{
	struct op_err e;

	if (netwatch_open(&d->nw, &e) < 0) {
		log_warn("network changes are not watched (%s); deferred mail "
		    "waits for its retry time", e.msg);
		return;
	}
	d->w.extra_fd = d->nw.fd;
	d->w.extra_ready = net_ready;
	d->w.extra_arg = d;
}

/*
 * Sleep until the next pass is due (at most ms): what relayd_wait_for
 * says, except that a network change inside the rate limit's gap only
 * shortens the sleep to the gap's end, when the retry runs.
 */
static enum relayd_wake wait_next(struct relayd *d, int ms)
{
	int64_t end = relayd_wait_clock_ms() + ms, now, left, net;
	enum relayd_wake why;

	for (;;) {
		now = relayd_wait_clock_ms();
		left = end > now ? end - now : 0;
		net = netwatch_due_in(&d->nw, now);
		if (net >= 0 && net < left)
			left = net;
		why = relayd_wait_for(&d->w, (int)left);
		if (why == RELAYD_WAKE_EXTRA && !d->net_retry)
			continue;
		if (why == RELAYD_WAKE_TIME &&
		    netwatch_take(&d->nw, relayd_wait_clock_ms())) {
			d->net_retry = 1;
			return RELAYD_WAKE_EXTRA;
		}
		if (why != RELAYD_WAKE_TIME || relayd_wait_clock_ms() >= end)
			return why;
	}
}

/* The loop of both runners.  relayd_wait_for() (in wait_next) is its only
 * sleep. */
static void serve(struct relayd *d, struct runner *r)
{
	struct runner_result res;
	enum relayd_wake why;

	while (!relayd_stop_requested(d)) {
		one_pass(d, r, &res);
		if (d->stopping)
			break;
		if (d->ondemand && idle(&res)) {
			if (!stay_on(d, r->sp))
				break;
			continue;	/* new mail, its event already read */
		}
		if (d->ondemand && !d->announced) {
			d->announced = 1;
			log_info("on-demand runner: staying in %s while mail "
			    "waits for a retry or for the rest of its series",
			    r->sp->path);
		}
		why = wait_next(d, timeout_ms(d, &res));
		if (why == RELAYD_WAKE_GONE) {
			log_info("the spool's queue/ was removed; stopping");
			break;
		}
	}
}

/* Serve with relayd.lock held; the runner lock is taken pass by pass. */
static void serve_locked(struct relayd *d, const struct conf *c,
    struct spool *sp, const struct runner_ops *ops, struct op_err *e)
{
	struct runner r;

	if (relayd_wait_open(&d->w, sp, e) == 0) {
		d->w.wake_on_removal = d->ondemand;
		if (!d->ondemand)
			log_info("relayd: serving %s, smarthost %s", sp->path,
			    c->host);
		net_open(d);
		runner_init(&r, c, sp, ops);
		r.stop = relayd_stop_requested;
		r.stop_arg = d;
		serve(d, &r);
		/* A held outcome: one last try under the runner lock. */
		(void)runner_end(&r, r.has_held &&
		    runner_lock(sp, RELAYD_LOCK_POLL_MS, NULL) == 1);
		if (!d->ondemand || d->announced)
			log_info("%s: stopped", d->ondemand ?
			    "on-demand runner" : "relayd");
	}
	netwatch_close(&d->nw);
	relayd_wait_close(&d->w);
	spool_unlock_runner(sp);	/* no-op unless a pass was cut short */
	drop_lock(d);
}

/* Is pid running our own program (so not a recycled pid)? */
static int same_program(pid_t pid)
{
	char path[64];
	struct stat a, b;

	snprintf(path, sizeof(path), "/proc/%ld/exe", (long)pid);
	return stat(path, &a) == 0 && stat("/proc/self/exe", &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/*
 * relayd.lock is taken.  By an on-demand runner: ask it to stop (it
 * finishes the message in flight) and wait, bounded, for the lock.  1 got,
 * 0 another relayd (or a runner that does not leave), -1 error.
 */
static int take_over(struct relayd *d, const struct conf *c, struct spool *sp,
    struct op_err *e)
{
	char role[16];
	pid_t pid;
	uint64_t waited = 0, bound = RELAYD_LOCK_WAIT_MS +
	    c->command_timeout * 1000;
	int got = 0;

	if (!spool_relayd_holder(sp, role, sizeof(role), &pid) ||
	    strcmp(role, ONDEMAND_ROLE) != 0 || !same_program(pid) ||
	    kill(pid, SIGTERM) < 0)
		return 0;
	log_info("relayd: asking the on-demand runner (pid %ld) to hand over",
	    (long)pid);
	while (got == 0 && waited < bound) {
		(void)poll(NULL, 0, RELAYD_LOCK_POLL_MS);
		waited += RELAYD_LOCK_POLL_MS;
		got = take_lock(d, sp, e);
	}
	return got;
}

static enum op_status run(struct relayd *d, const struct conf *c,
    const struct runner_ops *ops, struct op_err *e)
{
	struct spool sp;
	int got;

	op_err_clear(e);
	if (spool_open(&sp, c->spool, e) < 0)
		return e->st;
	got = take_lock(d, &sp, e);
	if (got == 0 && !d->ondemand)
		got = take_over(d, c, &sp, e);
	if (got == 0 && !d->ondemand)
		op_errf(e, OP_TEMP, "another relayd serves %s "
		    "(is outpost relayd already running?)", sp.path);
	if (got == 1)
		serve_locked(d, c, &sp, ops, e);
	spool_close(&sp);
	return got < 0 || (got == 0 && !d->ondemand) ? e->st : OP_OK;
}

enum op_status relayd_run(const struct conf *c, const struct runner_ops *ops,
    struct op_err *e)
{
	struct relayd d = { .lockfd = -1, .nw = { .fd = -1 } };

	return run(&d, c, ops, e);
}

enum op_status relayd_on_demand(const struct conf *c,
    const struct runner_ops *ops, struct op_err *e)
{
	struct relayd d = { .lockfd = -1, .ondemand = 1,
	    .nw = { .fd = -1 } };

	return run(&d, c, ops, e);
}
