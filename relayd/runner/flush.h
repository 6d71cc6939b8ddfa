/*
 * The drivers of the runner: `flush [ID...]` (foreground, one progress line
 * per message), `run-once` (started by sendmail after queueing) and
 * `relayd` (long-running, for systemd --user).  They own the runner lock
 * policy; the pass itself is runner_pass().  Nothing here prints: progress
 * lines go to a caller's callback.
 */
#ifndef OUTPOST_FLUSH_H
#define OUTPOST_FLUSH_H

#include <stddef.h>

#include "conf/conf.h"
#include "relayd/runner/runner.h"
#include "util/status.h"

#define FLUSH_LOCK_WAIT_MS	60000	/* flush waits this long for a runner */
#define FLUSH_LINE_MAX		2048
#define ONCE_MAX_ROUNDS		8	/* run-once re-checks at most this often */

struct flush_opts {
	const char *const *ids;		/* NULL = every queued message */
	size_t nids;
	unsigned lock_wait_ms;		/* 0 = FLUSH_LOCK_WAIT_MS */
	int64_t now;			/* tests: fixed clock; 0 = real */
	void (*line)(void *arg, const char *text);	/* progress output */
	void *arg;
};

/* The progress line for one message ("<id>: delivered to 3 recipients",
 * "<id>: deferred: <reason>", ...).  Pure. */
void flush_format(const struct runner_report *r, char *buf, size_t len);

/* Deliver now, in the foreground.  Returns OP_OK when every attempted
 * message left the queue (delivered, or failed and bounced), OP_TEMP when
 * some remain queued or another runner holds the spool, OP_USAGE for an
 * invalid or unknown ID; *e says why. */
enum op_status flush_run(const struct conf *c, const struct runner_ops *ops,
    const struct flush_opts *o, struct op_err *e);

/* One pass with the runner lock taken without waiting (busy: return OK
 * quietly, the holder re-checks the queue after it lets go), then re-check
 * for mail that arrived meanwhile, up to ONCE_MAX_ROUNDS passes. */
enum op_status flush_once(const struct conf *c, const struct runner_ops *ops,
    struct op_err *e);

#endif
