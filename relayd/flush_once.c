/*
 * `outpost-deliver run-once`: what sendmail starts, detached, after it has
 * queued a message.  One pass under the runner lock, taken without waiting;
 * when someone else holds it we leave quietly, because the holder checks
 * the queue again after letting go (so no submission waits for a timer
 * just because a runner was finishing).
 */
#include "relayd/flush.h"

#include <string.h>

#include "util/log.h"

/* One locked pass.  1 = done a pass, 0 = lock busy, -1 = error. */
static int one_round(struct spool *sp, const struct conf *c,
    const struct runner_ops *ops, struct op_err *e)
{
	struct runner_result res;
	struct runner r;
	int got = runner_lock(sp, 0, e);

	if (got <= 0)
		return got;
	runner_init(&r, c, sp, ops);
	got = runner_pass(&r, &res, e);
	spool_unlock_runner(sp);
	if (got < 0)
		return -1;
	if (res.attempted != 0)
		log_info("run: %u message(s) tried, %u sent or finished, %u "
		    "still queued", res.attempted, res.removed, res.remaining);
	return 1;
}

/* After the lock is released: did mail arrive (or become due) meanwhile? */
static int due_now(struct spool *sp, const struct conf *c,
    const struct runner_ops *ops)
{
	struct runner r;
	int64_t wake;

	runner_init(&r, c, sp, ops);
	return runner_any_due(&r, &wake, NULL) == 1;
}

enum op_status flush_once(const struct conf *c, const struct runner_ops *ops,
    struct op_err *e)
{
	struct spool sp;
	unsigned round;
	int rc = 1;

	op_err_clear(e);
	if (spool_open(&sp, c->spool, e) < 0)
		return e->st;
	/* Bounded: a message that stays due (e.g. its state cannot be
	 * written) must not keep us looping. */
	for (round = 0; round < ONCE_MAX_ROUNDS; round++) {
		rc = one_round(&sp, c, ops, e);
		if (rc <= 0 || !due_now(&sp, c, ops))
			break;
	}
	spool_close(&sp);
	if (rc < 0)
		return e->st;
	if (rc == 0)
		log_debug("another runner holds the spool; leaving it the "
		    "queue");
	return OP_OK;
}
