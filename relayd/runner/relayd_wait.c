/*
 * The one sleep of the long-running runners: poll() on the signal
 * self-pipe, inotify on queue/ and an optional extra descriptor, with the
 * time to the next retry as the only timeout.  Nothing else wakes them.
 */
#include "relayd/runner/relayd_wait.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

int relayd_wait_open(struct relayd_wait *w, const struct spool *sp,
    struct op_err *e)
{
	char dir[sizeof(sp->path) + 8];

	memset(w, 0, sizeof(*w));
	w->sigfd = w->inofd = w->extra_fd = -1;
	w->sig.rfd = w->sig.wfd = -1;
	if (runner_signal_open(&w->sig, e) < 0)
		return -1;
	w->sigfd = runner_signal_fd(&w->sig);
	w->inofd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->inofd < 0)
		return op_errnof(e, OP_TEMP, "inotify_init1");
	if (snprintf(dir, sizeof(dir), "%s/queue", sp->path) >=
	    (int)sizeof(dir))
		return op_errf(e, OP_CONFIG, "spool path too long");
	/* sendmail commits with link(), hence IN_CREATE; removals count
	 * only when wake_on_removal is set. */
	w->queue_wd = inotify_add_watch(w->inofd, dir, IN_CREATE |
	    IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM);
	if (w->queue_wd < 0)
		return op_errnof(e, OP_TEMP, "watch %s", dir);
	/* queue/ removed or moved away under us (we hold it open, so it gets
	 * no event of its own): seen from the spool directory. */
	if (inotify_add_watch(w->inofd, sp->path, IN_DELETE | IN_MOVED_FROM |
	    IN_ONLYDIR) < 0)
		return op_errnof(e, OP_TEMP, "watch %s", sp->path);
	return 0;
}

void relayd_wait_close(struct relayd_wait *w)
{
	if (w->inofd >= 0)
		close(w->inofd);
	w->inofd = -1;
	runner_signal_close(&w->sig);
	w->sigfd = -1;
}

int relayd_wait_stop(void *arg)
{
	struct relayd_wait *w = arg;

	return runner_signal_stop(&w->sig);
}

static int ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

/* One inotify event: 1 when it is a new message (our own envelope
 * updates, *.env and temporaries, do not count), or a removed one when
 * wake_on_removal asks for it. */
static int event_new_mail(struct relayd_wait *w,
    const struct inotify_event *ev)
{
	size_t n = ev->len > 0 ? strnlen(ev->name, ev->len) : 0;

	if ((ev->mask & (IN_DELETE | IN_MOVED_FROM)) && ev->wd == w->queue_wd)
		return w->wake_on_removal && ends_with(ev->name, n, ".msg");
	if (ev->mask & (IN_DELETE | IN_MOVED_FROM)) {
		if (n == 5 && memcmp(ev->name, "queue", 5) == 0)
			w->gone = 1;
		return 0;
	}
	/* Overflowed event queue: we may have missed one. */
	if (ev->mask & IN_Q_OVERFLOW)
		return 1;
	return n > 0 && ends_with(ev->name, n, ".msg");
}

int relayd_wait_new_mail(struct relayd_wait *w)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev;
	ssize_t n;
	size_t off;
	int found = 0;

	while ((n = read(w->inofd, buf, sizeof(buf))) > 0) {
		for (off = 0; off + sizeof(*ev) <= (size_t)n;
		    off += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)(buf + off);
			found |= event_new_mail(w, ev);
		}
	}
	return found;
}

int64_t relayd_wait_clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* What the readable descriptors mean; TIME when nothing that counts. */
static enum relayd_wake woken(struct relayd_wait *w,
    const struct pollfd *pfd)
{
	if (pfd[0].revents != 0 && relayd_wait_stop(w))
		return RELAYD_WAKE_STOP;
	if (pfd[1].revents != 0 && relayd_wait_new_mail(w))
		return RELAYD_WAKE_MAIL;
	if (w->gone)
		return RELAYD_WAKE_GONE;
	if (pfd[2].revents != 0 && w->extra_ready != NULL &&
	    w->extra_ready(w->extra_arg))
		return RELAYD_WAKE_EXTRA;
	return RELAYD_WAKE_TIME;
}

enum relayd_wake relayd_wait_for(struct relayd_wait *w, int ms)
{
	struct pollfd pfd[3] = { { .fd = w->sigfd, .events = POLLIN },
	    { .fd = w->inofd, .events = POLLIN },
	    { .fd = w->extra_fd, .events = POLLIN } };
	int64_t deadline = relayd_wait_clock_ms() + ms, left;
	enum relayd_wake why;
	int n;

	for (;;) {
		left = deadline - relayd_wait_clock_ms();
		if (left <= 0)
			return RELAYD_WAKE_TIME;
		/* A negative fd is ignored by poll(): no extra source. */
		n = poll(pfd, 3, left > INT_MAX ? INT_MAX : (int)left);
		if (n < 0 && errno != EINTR)
			return RELAYD_WAKE_TIME;
		if (n > 0 && (why = woken(w, pfd)) != RELAYD_WAKE_TIME)
			return why;
	}
}
