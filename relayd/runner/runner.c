/*
 * One pass of the queue runner: recover the spool, walk the queue in
 * submission order and hand each message to runner_msg(), sharing one SMTP
 * session.  Also the runner-lock wait and the cheap "anything due?" check.
 * Never opens a session when nothing is due; never prints.
 */
#include "relayd/runner/runner_int.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/log.h"

void runner_init(struct runner *r, const struct conf *c, struct spool *sp,
    const struct runner_ops *ops)
{
	memset(r, 0, sizeof(*r));
	r->conf = c;
	r->sp = sp;
	r->ops = ops;
	outcome_policy_from_conf(&r->policy, c);
}

int64_t runner_now(const struct runner *r)
{
	return r->now != 0 ? r->now : (int64_t)time(NULL);
}

static int wanted(const struct runner *r, const char *id)
{
	size_t i;

	if (r->ids == NULL)
		return 1;
	for (i = 0; i < r->nids; i++)
		if (strcmp(r->ids[i], id) == 0)
			return 1;
	return 0;
}

/* Only the ids asked for (flush ID...), in queue order. */
static void keep_wanted(const struct runner *r, struct spool_list *l)
{
	size_t i, n = 0;

	for (i = 0; i < l->n; i++) {
		if (!wanted(r, l->ids[i]))
			continue;
		memmove(l->ids[n], l->ids[i], sizeof(l->ids[i]));
		if (l->has_env != NULL)
			l->has_env[n] = l->has_env[i];
		if (l->ino != NULL)
			l->ino[n] = l->ino[i];
		n++;
	}
	l->n = n;
}

/* Name each flagged message in the log: once it is sent again and
 * removed, the log is the only place that says it may have gone twice. */
static void log_marked(const struct spool_recovery *rec)
{
	unsigned i, n = rec->in_flight_marked < SPOOL_RECOVER_IDS ?
	    rec->in_flight_marked : SPOOL_RECOVER_IDS;

	for (i = 0; i < n; i++)
		log_msg(LOG_LVL_WARN, rec->marked[i], "was in flight when a "
		    "runner stopped: flagged \"possibly delivered\"; the "
		    "next attempt may deliver it twice");
}

static void recover(struct runner *r)
{
	struct spool_recovery rec;
	struct op_err e;

	memset(&rec, 0, sizeof(rec));
	/* A failed recovery is not fatal: the queue itself may still be
	 * readable, and the next pass tries again. */
	if (spool_recover(r->sp, &rec, &e) < 0) {
		log_warn("spool recovery: %s", e.msg);
		return;
	}
	if (rec.in_flight_marked != 0)
		log_warn("%u message(s) were being sent when a runner stopped; "
		    "they may be delivered twice", rec.in_flight_marked);
	log_marked(&rec);
	if (rec.delivered_removed != 0)
		log_info("%u delivered message(s) a stopped runner had not "
		    "yet removed from the queue: removed now",
		    rec.delivered_removed);
	if (rec.corrupt_moved != 0)
		log_warn("%u unreadable spool file(s) moved to corrupt/",
		    rec.corrupt_moved);
}

/* The spool cannot be written: nothing more is sent in this pass, and
 * the next one comes after retry_min (relayd), not at once. */
static void stopped(struct runner_pass_state *p)
{
	int64_t t = p->now + (int64_t)p->r->policy.retry_min;

	p->res->stopped = 1;
	if (t < p->res->next_wake)
		p->res->next_wake = t;
	log_error("the spool cannot be written (disk full?): delivery "
	    "stopped until it can; nothing is sent meanwhile");
}

static int pass_one(struct runner *r, struct runner_result *res,
    struct op_err *e)
{
	struct runner_pass_state p;
	struct spool_list l;
	size_t i;

	memset(res, 0, sizeof(*res));
	res->next_wake = INT64_MAX;
	memset(&p, 0, sizeof(p));
	p.r = r;
	p.res = res;
	p.now = runner_now(r);
	/* Before recovery, which would take the in-flight mark of the held
	 * message for a crash. */
	if (runner_hold_retry(&p) < 0) {
		stopped(&p);
		return 0;
	}
	recover(r);
	if (spool_list(r->sp, &l, e) < 0)
		return -1;
	if (r->ops->window != NULL && r->conf->pipeline_window > 0) {
		keep_wanted(r, &l);
		p.windowed = 1;
		runner_window_pass(&p, &l);
	}
	for (i = 0; i < l.n && !p.halted && !p.windowed; i++) {
		if (r->stop != NULL && r->stop(r->stop_arg))
			break;
		if (wanted(r, l.ids[i]))
			runner_msg(&p, &l, i);
	}
	runner_session_drop(&p);
	runner_gate_free(&p.gate);
	spool_list_free(&l);
	if (p.halted)
		stopped(&p);
	return 0;
}

int runner_pass(struct runner *r, struct runner_result *res,
    struct op_err *e)
{
	if (r->conf->naccounts == 0)
		return pass_one(r, res, e);
	memset(res, 0, sizeof(*res));
	res->next_wake = INT64_MAX;
	return runner_account_pass(r, res, pass_one, e);
}

int runner_end(struct runner *r, int locked)
{
	struct runner_pass_state p;
	struct runner_result res;

	if (!r->has_held)
		return 0;
	memset(&p, 0, sizeof(p));
	memset(&res, 0, sizeof(res));
	p.r = r;
	p.res = &res;
	p.now = runner_now(r);
	if (locked && runner_hold_retry(&p) == 0)
		return 0;
	log_msg(LOG_LVL_ERROR, r->held.id, "outcome could not be written; "
	    "the message stays marked in flight and will be sent once more, "
	    "flagged \"possibly delivered\"");
	runner_hold_drop(r);
	return -1;
}

int runner_any_due(struct runner *r, int64_t *next_wake, struct op_err *e)
{
	struct runner_gate *gate = NULL;
	struct spool_list l;
	struct envelope env;
	int64_t now = runner_now(r), t;
	size_t i;
	int due = 0;

	*next_wake = INT64_MAX;
	if (spool_list(r->sp, &l, e) < 0)
		return -1;
	for (i = 0; i < l.n && !due; i++) {
		if (!wanted(r, l.ids[i]) ||
		    spool_load(r->sp, l.ids[i], &env, NULL) < 0)
			continue;
		/* Mail of an account not in the config waits for requeue
		 * --account: never due, or relayd would spin. */
		if (!runner_account_mine(r, &env)) {
			envelope_free(&env);
			continue;
		}
		if (!runner_gate_due(&gate, r, &env, now)) {
			envelope_free(&env);
			continue;
		}
		/* In memory only: the pass corrects it on disk. */
		(void)outcome_clamp(&env, &r->policy, now);
		due = outcome_env_due(&env, now, r->all) ||
		    outcome_settled(&env);
		t = outcome_next_try(&env);
		if (t < *next_wake)
			*next_wake = t;
		envelope_free(&env);
	}
	runner_gate_free(&gate);
	spool_list_free(&l);
	return due;
}

/* Any recipient waiting for a retry? */
static int has_deferred(const struct envelope *env)
{
	size_t i;

	for (i = 0; i < env->nrcpt; i++)
		if (env->rcpt[i].state == RCPT_DEFERRED)
			return 1;
	return 0;
}

size_t runner_count_deferred(struct runner *r)
{
	struct spool_list l;
	struct envelope env;
	size_t i, n = 0;

	if (spool_list(r->sp, &l, NULL) < 0)
		return 0;
	/* A deferred message has a state file: only those are read. */
	for (i = 0; i < l.n; i++) {
		if (!l.has_env[i] || !wanted(r, l.ids[i]))
			continue;
		if (spool_load_state(r->sp, l.ids[i], &env, NULL) == 1)
			n += runner_account_mine(r, &env) &&
			    !runner_gate_held(&env) && has_deferred(&env);
		envelope_free(&env);
	}
	spool_list_free(&l);
	return n;
}

int runner_lock(struct spool *sp, unsigned timeout_ms, struct op_err *e)
{
	struct timespec start, cur;
	int64_t waited;
	int got;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		got = spool_lock_runner(sp, 0, e);
		if (got != 0)
			return got;
		clock_gettime(CLOCK_MONOTONIC, &cur);
		waited = (int64_t)(cur.tv_sec - start.tv_sec) * 1000 +
		    (cur.tv_nsec - start.tv_nsec) / 1000000;
		if (waited >= (int64_t)timeout_ms)
			return 0;
		/* flock() has no timeout; poll the lock every 50 ms within
		 * the bound instead of blocking forever. */
		(void)poll(NULL, 0, 50);
	}
}
