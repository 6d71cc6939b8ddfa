/*
 * Stop signals for the runner drivers (flush, run-once, relayd): SIGINT,
 * SIGTERM and SIGHUP finish the message in progress (its final reply is
 * awaited, bounded by command_timeout, and recorded), then the pass stops;
 * a second signal aborts at once (the message stays marked in flight, so
 * recovery flags it "possibly delivered").  One driver at a time.
 */
#ifndef OUTPOST_RUNNER_SIGNAL_H
#define OUTPOST_RUNNER_SIGNAL_H

#include <signal.h>

#include "util/status.h"

#define RUNNER_NSIG	3

struct runner_signal {
	int rfd, wfd;			/* self-pipe: readable after a signal */
	int installed;
	int stopping;			/* a signal was seen */
	int signo;			/* which */
	struct sigaction old[RUNNER_NSIG];
};

/* Install the handlers (restored by close).  0 or -1 with *e. */
int runner_signal_open(struct runner_signal *s, struct op_err *e);
/* Readable when a signal arrived: poll it while waiting. */
int runner_signal_fd(const struct runner_signal *s);
/* The runner's stop callback (arg = s): nonzero once a signal came. */
int runner_signal_stop(void *arg);
void runner_signal_close(struct runner_signal *s);

#endif
