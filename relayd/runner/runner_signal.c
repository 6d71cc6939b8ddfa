/*
 * SIGINT, SIGTERM and SIGHUP for every runner driver (flush, run-once,
 * relayd): the first one asks the pass to stop after the message in
 * progress, whose final reply is still awaited and recorded; a second one
 * aborts at once (the default action), leaving that message marked in
 * flight, which recovery turns into "possibly delivered".
 */
#include "relayd/runner/runner_signal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "util/log.h"

static const int sigs[RUNNER_NSIG] = { SIGINT, SIGTERM, SIGHUP };

/* The only state a handler can reach is static: the count of signals and
 * the write end of the self-pipe, set while a driver is open. */
static volatile sig_atomic_t caught;
static volatile sig_atomic_t last_sig;
static int pipe_wfd = -1;

static void on_signal(int sig)
{
	int saved = errno;
	char c = 1;

	last_sig = sig;
	if (caught++ > 0) {
		/* Second one: the user means it. */
		signal(sig, SIG_DFL);
		raise(sig);
	}
	/* A full pipe already says "a signal came". */
	if (pipe_wfd >= 0 && write(pipe_wfd, &c, 1) < 0)
		c = 0;
	errno = saved;
}

int runner_signal_open(struct runner_signal *s, struct op_err *e)
{
	struct sigaction sa;
	int p[2], i;

	memset(s, 0, sizeof(*s));
	s->rfd = -1;
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
		return op_errnof(e, OP_SOFTWARE, "pipe2");
	s->rfd = p[0];
	s->wfd = p[1];
	caught = 0;
	pipe_wfd = p[1];
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	/* Restarted reads and writes: the transaction in progress must not
	 * fail because of the first signal (poll() is retried by the SMTP
	 * transport on EINTR). */
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < RUNNER_NSIG; i++)
		sigaddset(&sa.sa_mask, sigs[i]);
	for (i = 0; i < RUNNER_NSIG; i++)
		if (sigaction(sigs[i], &sa, &s->old[i]) < 0) {
			while (--i >= 0)
				(void)sigaction(sigs[i], &s->old[i], NULL);
			runner_signal_close(s);
			return op_errnof(e, OP_SOFTWARE, "sigaction");
		}
	s->installed = 1;
	return 0;
}

int runner_signal_fd(const struct runner_signal *s)
{
	return s->rfd;
}

int runner_signal_stop(void *arg)
{
	struct runner_signal *s = arg;
	char buf[16];

	while (read(s->rfd, buf, sizeof(buf)) > 0)
		;
	if (!s->stopping && caught > 0) {
		s->stopping = 1;
		s->signo = last_sig;
		log_info("signal %d: finishing the message in progress, then "
		    "stopping (again to abort at once)", s->signo);
	}
	return s->stopping;
}

void runner_signal_close(struct runner_signal *s)
{
	int i;

	if (s->installed)
		for (i = 0; i < RUNNER_NSIG; i++)
			(void)sigaction(sigs[i], &s->old[i], NULL);
	s->installed = 0;
	pipe_wfd = -1;
	if (s->rfd >= 0)
		close(s->rfd);
	if (s->wfd >= 0)
		close(s->wfd);
	s->rfd = s->wfd = -1;
}
