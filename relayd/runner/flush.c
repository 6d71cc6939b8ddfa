/*
 * `outpost flush [ID...]`: deliver every queued message (or the given
 * ones) now, regardless of the retry schedule, and describe each outcome in
 * one line.  Bounces queued by the pass are sent by a second pass right
 * away.  Waits a bounded time for another runner; never prints itself.
 * Also `run-once` (flush_once), what sendmail starts after queueing.
 */
#include "relayd/runner/flush.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "relayd/runner/outcome.h"
#include "relayd/runner/runner_signal.h"
#include "util/log.h"

struct flush_state {
	const struct flush_opts *o;
	char (*bounces)[SPOOL_QID_LEN + 1];	/* queued during pass 1 */
	size_t nbounces, maxbounces;
	unsigned kept_failed;		/* messages this flush left failed */
};

/* Append text at buf[at]; returns the new end (truncates safely). */
static size_t put(char *buf, size_t len, size_t at, const char *text)
{
	size_t n = strlen(text);

	if (at + 1 >= len)
		return at;
	if (n > len - at - 1)
		n = len - at - 1;
	memcpy(buf + at, text, n);
	buf[at + n] = '\0';
	return at + n;
}

/* "; " between the parts of one line (after "<id>: "). */
static size_t sep(char *buf, size_t len, size_t at, size_t start)
{
	return at > start ? put(buf, len, at, "; ") : at;
}

static size_t put_failed(const struct runner_report *r, char *buf, size_t len,
    size_t at, size_t start)
{
	const struct envelope *env = r->env;
	size_t i;

	for (i = 0; i < env->nrcpt; i++) {
		if (env->rcpt[i].state != RCPT_FAILED)
			continue;
		at = sep(buf, len, at, start);
		at = put(buf, len, at, "failed recipient ");
		at = put(buf, len, at, env->rcpt[i].addr);
		at = put(buf, len, at, ": ");
		at = put(buf, len, at, env->rcpt[i].reason);
	}
	if (r->bounce_id[0] != '\0') {
		at = put(buf, len, at, ", bounce queued as ");
		at = put(buf, len, at, r->bounce_id);
	} else if (r->removed) {
		at = put(buf, len, at, ", no bounce (null sender, a "
		    "bounce, or -N without FAILURE)");
	}
	return at;
}

static const char *deferred_reason(const struct envelope *env)
{
	size_t i;

	for (i = 0; i < env->nrcpt; i++)
		if (env->rcpt[i].state == RCPT_DEFERRED)
			return env->rcpt[i].reason;
	return "no reason recorded";
}

void flush_format(const struct runner_report *r, char *buf, size_t len)
{
	const struct outcome_tally *t = &r->tally;
	char n[64];
	size_t start, at;

	buf[0] = '\0';
	at = put(buf, len, 0, r->id);
	start = at = put(buf, len, at, ": ");
	if (r->what == RUNNER_BUSY) {
		at = put(buf, len, at, "skipped: ");
		put(buf, len, at, r->note ? r->note : "in use by another "
		    "process");
		return;
	}
	if (t->delivered != 0) {
		snprintf(n, sizeof(n), "delivered to %u recipient%s",
		    t->delivered, t->delivered == 1 ? "" : "s");
		at = put(buf, len, at, n);
	}
	/* Recovery found it in flight after a crash: the server may have
	 * had it already, so this delivery may be a duplicate. */
	if (r->env != NULL && r->env->possibly_delivered && t->possibly == 0)
		at = put(buf, len, at, " (possibly delivered twice: an "
		    "earlier attempt was cut off after the end of data)");
	if (r->env != NULL && outcome_any_failed(r->env))
		at = put_failed(r, buf, len, at, start);
	if (r->env != NULL && !r->removed) {
		at = sep(buf, len, at, start);
		if (t->possibly != 0)
			at = put(buf, len, at, "possibly delivered: connection "
			    "lost after end of data; will retry (it may "
			    "arrive twice)");
		else {
			at = put(buf, len, at, "deferred: ");
			at = put(buf, len, at, deferred_reason(r->env));
		}
	}
	if (r->note != NULL) {
		at = put(buf, len, at, " (");
		at = put(buf, len, at, r->note);
		put(buf, len, at, ")");
	}
}

static void on_report(void *arg, const struct runner_report *r)
{
	struct flush_state *fs = arg;
	char line[FLUSH_LINE_MAX];

	if (r->env != NULL && r->env->failed != 0)
		fs->kept_failed++;
	if (r->bounce_id[0] != '\0' && fs->nbounces < fs->maxbounces)
		memcpy(fs->bounces[fs->nbounces++], r->bounce_id,
		    SPOOL_QID_LEN + 1);
	flush_format(r, line, sizeof(line));
	if (fs->o->line != NULL)
		fs->o->line(fs->o->arg, line);
}

static int check_ids(struct spool *sp, const struct flush_opts *o,
    struct op_err *e)
{
	struct envelope env;
	size_t i;

	for (i = 0; i < o->nids; i++) {
		if (!qid_ok(o->ids[i]))
			return op_errf(e, OP_USAGE, "not a queue id: %.40s "
			    "(see outpost mailq)", o->ids[i]);
		if (spool_load(sp, o->ids[i], &env, e) < 0)
			return op_errf(e, OP_USAGE, "no message %s in the "
			    "queue (see outpost mailq)", o->ids[i]);
		envelope_free(&env);
	}
	return 0;
}

static void add_result(struct runner_result *sum, const struct runner_result *r)
{
	sum->attempted += r->attempted;
	sum->remaining += r->remaining;
	sum->busy += r->busy;
	sum->stopped |= r->stopped;
}

/* Pass 1 over the queue (or the IDs), pass 2 over the bounces it queued,
 * so a flush leaves nothing behind that it could have sent. */
static int passes(struct runner *r, struct flush_state *fs,
    struct runner_result *sum, struct op_err *e)
{
	const char *ids[64];
	struct runner_result res;
	size_t i;

	memset(sum, 0, sizeof(*sum));
	if (runner_pass(r, &res, e) < 0)
		return -1;
	add_result(sum, &res);
	while (fs->nbounces > 0 && !sum->stopped &&
	    !(r->stop != NULL && r->stop(r->stop_arg))) {
		/* At most 64 per pass; fs->bounces shrinks from the end. */
		for (i = 0; i < fs->nbounces && i < 64; i++)
			ids[i] = fs->bounces[fs->nbounces - 1 - i];
		fs->nbounces -= i;
		fs->maxbounces = fs->nbounces;	/* bounces never bounce */
		r->ids = ids;
		r->nids = i;
		if (runner_pass(r, &res, e) < 0)
			return -1;
		add_result(sum, &res);
	}
	return 0;
}

/* The pass stopped because the spool could not be written. */
static enum op_status stopped_status(struct op_err *e)
{
	op_errf(e, OP_TEMP, "the spool cannot be written (disk full?): "
	    "delivery stopped; free some space, then run outpost flush "
	    "again (a message sent whose outcome could not be recorded is "
	    "retried once, marked \"possibly delivered\")");
	return OP_TEMP;
}

/* A stop signal came: the message in progress was finished. */
static enum op_status interrupted(const struct runner_signal *sig,
    const struct runner_result *sum, struct op_err *e)
{
	op_errf(e, OP_TEMP, "interrupted (signal %d) after the message in "
	    "progress was finished and recorded; %u message(s) tried, the "
	    "rest stays queued (see outpost mailq)", sig->signo,
	    sum->attempted);
	return OP_TEMP;
}

/* How many this flush left in the failed state, and what to do. */
static void say_failed(const struct flush_opts *o, unsigned n)
{
	char line[256];

	if (n == 0 || o->line == NULL)
		return;
	snprintf(line, sizeof(line), "%u message%s kept as failed, with %s "
	    "full text: see outpost mailq --failed; outpost requeue ID "
	    "tries again", n, n == 1 ? "" : "s", n == 1 ? "its" : "their");
	o->line(o->arg, line);
}

static enum op_status locked_flush(struct spool *sp, const struct conf *c,
    const struct runner_ops *ops, const struct flush_opts *o,
    struct runner_signal *sig, struct op_err *e)
{
	char bounces[256][SPOOL_QID_LEN + 1];
	struct flush_state fs = { o, bounces, 0, 256, 0 };
	struct runner_result sum;
	struct runner r;
	int rc;

	runner_init(&r, c, sp, ops);
	r.all = 1;
	r.ids = o->ids;
	r.nids = o->nids;
	r.now = o->now;
	r.report = on_report;
	r.report_arg = &fs;
	r.stop = runner_signal_stop;
	r.stop_arg = sig;
	rc = passes(&r, &fs, &sum, e);
	if (runner_end(&r, 1) < 0)
		sum.stopped = 1;
	say_failed(o, fs.kept_failed);
	if (rc < 0)
		return e->st;
	if (sum.stopped)
		return stopped_status(e);
	if (sig->stopping)
		return interrupted(sig, &sum, e);
	if (sum.attempted == 0 && sum.busy == 0) {
		if (o->line != NULL)
			o->line(o->arg, "queue is empty");
		return OP_OK;
	}
	if (sum.remaining != 0 || sum.busy != 0) {
		op_errf(e, OP_TEMP, "%u message(s) remain queued; they will "
		    "be retried (see outpost mailq)", sum.remaining +
		    sum.busy);
		return OP_TEMP;
	}
	return OP_OK;
}

enum op_status flush_run(const struct conf *c, const struct runner_ops *ops,
    const struct flush_opts *o, struct op_err *e)
{
	struct runner_signal sig;
	struct spool sp;
	enum op_status st;
	int got;

	op_err_clear(e);
	if (spool_open(&sp, c->spool, e) < 0)
		return e->st;
	if (check_ids(&sp, o, e) < 0) {
		spool_close(&sp);
		return e->st;
	}
	got = runner_lock(&sp, o->lock_wait_ms ? o->lock_wait_ms :
	    FLUSH_LOCK_WAIT_MS, e);
	if (got <= 0) {
		spool_close(&sp);
		if (got == 0)
			op_errf(e, OP_TEMP, "another runner (outpost relayd, "
			    "flush or run-once) is still delivering and holds "
			    "the spool lock; the rest of the queue is left to "
			    "it");
		return e->st;
	}
	/* Only now: while waiting for the lock, a Ctrl-C just ends us. */
	if (runner_signal_open(&sig, e) == 0) {
		st = locked_flush(&sp, c, ops, o, &sig, e);
		runner_signal_close(&sig);
	} else
		st = e->st;
	spool_unlock_runner(&sp);
	spool_close(&sp);
	return st;
}

/*
 * run-once: one pass under the runner lock, taken without waiting; when
 * someone else holds it we leave quietly, because the holder checks the
 * queue again after letting go (so no submission waits for a timer just
 * because a runner was finishing).
 */
/* One locked pass.  1 = done a pass, 0 = lock busy, -1 = error. */
static int one_round(struct spool *sp, const struct conf *c,
    const struct runner_ops *ops, struct runner_signal *sig,
    struct op_err *e)
{
	struct runner_result res;
	struct runner r;
	int got = runner_lock(sp, 0, e);

	if (got <= 0)
		return got;
	runner_init(&r, c, sp, ops);
	r.stop = runner_signal_stop;
	r.stop_arg = sig;
	got = runner_pass(&r, &res, e);
	(void)runner_end(&r, 1);
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
	struct runner_signal sig;
	struct spool sp;
	unsigned round;
	int rc = 1;

	op_err_clear(e);
	if (spool_open(&sp, c->spool, e) < 0)
		return e->st;
	if (runner_signal_open(&sig, e) < 0) {
		spool_close(&sp);
		return e->st;
	}
	/* Bounded: a message that stays due (e.g. its state cannot be
	 * written) must not keep us looping. */
	for (round = 0; round < ONCE_MAX_ROUNDS; round++) {
		rc = one_round(&sp, c, ops, &sig, e);
		if (rc <= 0 || sig.stopping || !due_now(&sp, c, ops))
			break;
	}
	runner_signal_close(&sig);
	spool_close(&sp);
	if (rc < 0)
		return e->st;
	if (rc == 0)
		log_debug("another runner holds the spool; leaving it the "
		    "queue");
	return OP_OK;
}
