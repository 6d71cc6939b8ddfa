/*
 * `outpost relayd`: the long-running runner for a systemd --user unit.  One
 * per spool (<spool>/relayd.lock, held for its life); it takes the runner
 * lock only for each pass, so `flush` and run-once deliver in between.
 * Passes when a new *.msg appears in <spool>/queue (inotify; sendmail
 * commits with link(), hence IN_CREATE) and when the earliest retry is due.
 * SIGTERM/SIGINT/SIGHUP (runner_signal.c): the message in flight is
 * finished, then it exits 0; a second signal aborts at once.
 */
#include "relayd/runner/relayd.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include "relayd/runner/runner_signal.h"
#include "util/log.h"

#define RELAYD_RESCAN_S		3600	/* look anyway, in case of a missed event */
#define RELAYD_BUSY_FIRST_MS	200	/* a message locked by someone else: */
#define RELAYD_BUSY_MAX_MS	5000	/* look again, backing off to this */
#define RELAYD_MIN_WAIT_S	1	/* between timer-driven passes */
#define RELAYD_LOCK_WAIT_MS	60000	/* for a flush or run-once to finish */
#define RELAYD_LOCK_POLL_MS	50	/* between tries of the runner lock */

struct relayd {
	int sigfd, inofd;	/* sigfd: runner_signal_fd(&sig) */
	int stopping;
	int busy_ms;		/* last busy back-off, 0 after a clean pass */
	struct runner_signal sig;
};

static int relayd_stop_requested(void *arg)
{
	struct relayd *d = arg;

	/* Checked between messages: never interrupts one in flight. */
	d->stopping = runner_signal_stop(&d->sig);
	return d->stopping;
}

static int setup(struct relayd *d, const struct spool *sp, struct op_err *e)
{
	char dir[sizeof(sp->path) + 8];

	if (runner_signal_open(&d->sig, e) < 0)
		return -1;
	d->sigfd = runner_signal_fd(&d->sig);
	d->inofd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (d->inofd < 0)
		return op_errnof(e, OP_TEMP, "inotify_init1");
	if (snprintf(dir, sizeof(dir), "%s/queue", sp->path) >=
	    (int)sizeof(dir))
		return op_errf(e, OP_CONFIG, "spool path too long");
	if (inotify_add_watch(d->inofd, dir, IN_CREATE | IN_MOVED_TO) < 0)
		return op_errnof(e, OP_TEMP, "watch %s", dir);
	return 0;
}

static void teardown(struct relayd *d)
{
	if (d->inofd >= 0)
		close(d->inofd);
	runner_signal_close(&d->sig);
	d->sigfd = -1;
}

static int ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

/* Drain the inotify queue; 1 when a new message file appeared (our own
 * envelope updates, *.env and temporaries, do not count). */
static int new_mail(int fd)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev;
	ssize_t n;
	size_t off;
	int found = 0;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (off = 0; off + sizeof(*ev) <= (size_t)n;
		    off += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)(buf + off);
			/* Overflowed event queue: we may have missed one. */
			if (ev->mask & IN_Q_OVERFLOW)
				found = 1;
			else if (ev->len > 0 && ends_with(ev->name,
			    strnlen(ev->name, ev->len), ".msg"))
				found = 1;
		}
	}
	return found;
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

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleep until new mail, the timeout, or a stop signal. */
static void wait_for_work(struct relayd *d, int ms)
{
	struct pollfd pfd[2] = { { .fd = d->sigfd, .events = POLLIN },
	    { .fd = d->inofd, .events = POLLIN } };
	int64_t deadline = mono_ms() + ms, left;

	for (;;) {
		left = deadline - mono_ms();
		if (left <= 0)
			return;
		if (poll(pfd, 2, left > INT_MAX ? INT_MAX : (int)left) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (pfd[0].revents != 0 && relayd_stop_requested(d))
			return;
		if (pfd[1].revents != 0 && new_mail(d->inofd))
			return;
	}
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
	struct pollfd pfd = { .fd = d->sigfd, .events = POLLIN };
	int64_t deadline = mono_ms() + RELAYD_LOCK_WAIT_MS;
	int got;

	for (;;) {
		got = spool_lock_runner(sp, 0, e);
		if (got != 0)
			return got;
		if (mono_ms() >= deadline)
			return 0;
		if (poll(&pfd, 1, RELAYD_LOCK_POLL_MS) > 0 &&
		    relayd_stop_requested(d))
			return 0;
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
	if (got < 0 || runner_pass(r, res, &e) < 0) {
		log_error("cannot read the queue: %s", e.msg);
		res->busy = 0;
		res->next_wake = (int64_t)time(NULL) + 60;
	}
	spool_unlock_runner(r->sp);
}

static void serve(struct relayd *d, struct runner *r)
{
	struct runner_result res;

	while (!relayd_stop_requested(d)) {
		one_pass(d, r, &res);
		if (d->stopping)
			break;
		wait_for_work(d, timeout_ms(d, &res));
	}
}

enum op_status relayd_run(const struct conf *c, const struct runner_ops *ops,
    struct op_err *e)
{
	struct relayd d = { .sigfd = -1, .inofd = -1, .sig = { .rfd = -1,
	    .wfd = -1 } };
	struct spool sp;
	struct runner r;
	int got, lockfd;

	op_err_clear(e);
	if (spool_open(&sp, c->spool, e) < 0)
		return e->st;
	got = spool_lock_relayd(&sp, &lockfd, e);
	if (got <= 0) {
		spool_close(&sp);
		if (got == 0)
			op_errf(e, OP_TEMP, "another relayd serves %s "
			    "(is outpost relayd already running?)", sp.path);
		return e->st;
	}
	if (setup(&d, &sp, e) == 0) {
		log_info("relayd: serving %s, smarthost %s", sp.path, c->host);
		runner_init(&r, c, &sp, ops);
		r.stop = relayd_stop_requested;
		r.stop_arg = &d;
		serve(&d, &r);
		/* A held outcome: one last try under the runner lock. */
		(void)runner_end(&r, r.has_held &&
		    runner_lock(&sp, RELAYD_LOCK_POLL_MS, NULL) == 1);
		log_info("relayd: stopped");
	}
	teardown(&d);
	spool_unlock_runner(&sp);	/* no-op unless a pass was cut short */
	spool_unlock_relayd(lockfd);
	spool_close(&sp);
	return e->st;
}
