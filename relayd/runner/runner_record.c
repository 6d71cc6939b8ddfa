/*
 * The end of one message's attempt: its outcome on disk (new state, or the
 * failed state, or removal), the pass counters, the log lines and the
 * caller's report.  When the state cannot be written the pass stops.
 */
#include "relayd/runner/runner_int.h"

#include <string.h>

#include "util/log.h"

/* All recipients delivered or failed: a message with failed recipients is
 * kept in the failed state (runner_fail.c), a delivered one is removed. */
static int finalize(struct runner_pass_state *p, struct envelope *env,
    struct runner_report *rep, int bounced)
{
	struct op_err e;

	if (outcome_any_failed(env))
		return runner_fail_keep(p, env, rep, bounced);
	if ((p->jnl != NULL ? spool_journal_remove(p->jnl, env->id, p->lockfd,
	    &e) :
	    spool_remove(p->r->sp, env->id, &e)) < 0) {
		log_msg(LOG_LVL_ERROR, env->id, "cannot remove: %s", e.msg);
		rep->note = "could not be removed from the queue";
		return -1;
	}
	rep->removed = 1;
	return 0;
}

/* First reason among the recipients in `state` (for logs and progress). */
static const char *first_reason(const struct envelope *env,
    enum rcpt_state state)
{
	size_t i;

	for (i = 0; i < env->nrcpt; i++)
		if (env->rcpt[i].state == state && env->rcpt[i].reason[0])
			return env->rcpt[i].reason;
	return "";
}

static void log_result(const struct envelope *env,
    const struct runner_report *rep)
{
	const struct outcome_tally *t = &rep->tally;

	if (t->delivered != 0)
		log_msg(LOG_LVL_INFO, env->id, "sent to %u recipient(s): %s",
		    t->delivered, rep->reply[0] ? rep->reply : "accepted");
	if (t->failed != 0)
		log_msg(LOG_LVL_WARN, env->id, "failed: %u recipient(s): %s",
		    t->failed, first_reason(env, RCPT_FAILED));
	if (t->expired != 0)
		log_msg(LOG_LVL_WARN, env->id, "expired: %u recipient(s): %s",
		    t->expired, first_reason(env, RCPT_FAILED));
	if (t->possibly != 0)
		log_msg(LOG_LVL_WARN, env->id, "%s (may arrive twice)",
		    first_reason(env, RCPT_DEFERRED));
	else if (t->deferred > t->expired)
		log_msg(LOG_LVL_WARN, env->id, "deferred: %s",
		    first_reason(env, RCPT_DEFERRED));
}

int runner_record_store(struct runner_pass_state *p, struct envelope *env,
    struct runner_report *rep, int bounced)
{
	struct op_err e;

	if (outcome_settled(env))
		return finalize(p, env, rep, bounced);
	if (spool_update(p->r->sp, env, &e) == 0) {
		/* No longer in flight; a lost line only flags it (safe). */
		if (p->jnl != NULL && p->marked &&
		    spool_journal_done(p->jnl, env->id, &e) < 0)
			log_msg(LOG_LVL_WARN, env->id, "%s", e.msg);
		return 0;
	}
	log_msg(LOG_LVL_ERROR, env->id, "cannot record the delivery state: "
	    "%s", e.msg);
	rep->note = "delivery state not recorded";
	return -1;
}

/* Store the outcome.  When that fails the pass stops (the spool cannot
 * be written); a message whose "." went out is held in memory so it is
 * written before anything else is sent, never re-sent in a loop. */
static void record(struct runner_pass_state *p, struct envelope *env,
    struct runner_report *rep)
{
	int64_t t;

	if (runner_record_store(p, env, rep, 0) < 0) {
		p->halted = 1;
		if (p->marked) {
			runner_hold_keep(p->r, env, rep->bounce_id[0] != '\0');
			rep->note = "sent, but the delivery state could not "
			    "be written; kept in memory, not sent again";
		}
	}
	if (rep->removed || env->failed != 0)	/* left the active queue */
		p->res->removed++;
	else
		p->res->remaining++;
	t = outcome_next_try(env);
	if (!rep->removed && t < p->res->next_wake)
		p->res->next_wake = t;
}

void runner_record_finish(struct runner_pass_state *p, struct envelope *env,
    struct runner_report *rep)
{
	if (rep->what != RUNNER_FINISHED) {
		outcome_finish(env, p->now);
		runner_fail_delay(p, env);
	}
	p->res->attempted++;
	if (rep->tally.delivered > 0)
		runner_gate_sent(p, env);	/* before record may remove */
	record(p, env, rep);
	log_result(env, rep);
	runner_record_report(p, rep);
}

void runner_record_report(struct runner_pass_state *p,
    struct runner_report *rep)
{
	if (p->r->report != NULL)
		p->r->report(p->r->report_arg, rep);
}
