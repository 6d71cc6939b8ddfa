/*
 * The failed state: a message with a recipient that failed for good (or
 * expired) is never deleted.  Its DSN, with the full original, goes to the
 * local mbox (bounce_mbox) and, with bounce_to_smarthost, to the sender
 * through the smarthost; the message stays in the spool marked `failed`
 * until `outpost requeue` or `outpost delete`.  A message that is only
 * late gets its delay notice, once, the same way.
 */
#include "relayd/runner/runner_int.h"

#include <stdint.h>
#include <string.h>

#include "relayd/runner/bounce.h"
#include "util/log.h"

const struct outcome_policy *runner_fail_policy(struct runner_pass_state *p,
    struct envelope *env, const struct smtp_status *st,
    struct outcome_policy *tmp)
{
	if (outcome_reached(st)) {
		if (env->reached == 0)
			env->reached = p->now;
		return &p->r->policy;
	}
	/* Offline: this attempt cannot use up the lifetime. */
	*tmp = p->r->policy;
	tmp->queue_lifetime = (uint64_t)INT64_MAX;
	return tmp;
}

/* The DSN into the mbox; also into the queue with bounce_to_smarthost.
 * A failure here is logged: the message itself is kept either way. */
static void tell_sender(struct runner_pass_state *p, struct envelope *env,
    struct runner_report *rep)
{
	const struct conf *c = p->r->conf;
	struct op_err e;
	int rc;

	if (bounce_store_local(p->r->sp, c, env, p->now, &e) == 0)
		log_msg(LOG_LVL_INFO, env->id, "bounced: delivery report "
		    "stored in %s", c->bounce_mbox);
	else
		log_msg(LOG_LVL_ERROR, env->id, "delivery report not stored "
		    "locally: %s", e.msg);
	if (!c->bounce_to_smarthost)
		return;
	rc = bounce_enqueue(p->r->sp, c, env, p->now, rep->bounce_id, &e);
	if (rc == 0) {
		p->res->bounces++;
		log_msg(LOG_LVL_INFO, env->id, "bounce queued as %s",
		    rep->bounce_id);
	} else if (rc < 0) {
		rep->bounce_id[0] = '\0';
		log_msg(LOG_LVL_ERROR, env->id, "cannot queue the bounce: %s",
		    e.msg);
	}
}

int runner_fail_keep(struct runner_pass_state *p, struct envelope *env,
    struct runner_report *rep, int bounced)
{
	struct op_err e;

	if (!bounced && bounce_wanted(env))
		tell_sender(p, env, rep);
	else if (!bounced)
		log_msg(LOG_LVL_INFO, env->id, "no delivery report (null "
		    "sender, a bounce itself, or -N without FAILURE)");
	env->failed = p->now;
	if (spool_update(p->r->sp, env, &e) < 0) {
		log_msg(LOG_LVL_ERROR, env->id, "cannot record the failed "
		    "state: %s", e.msg);
		rep->note = "failed state not recorded";
		env->failed = 0;
		return -1;
	}
	log_msg(LOG_LVL_WARN, env->id, "failed: kept in the spool with its "
	    "full text; 'outpost requeue %s' tries again, 'outpost delete "
	    "%s' removes it", env->id, env->id);
	return 0;
}

void runner_fail_delay(struct runner_pass_state *p, struct envelope *env)
{
	const struct conf *c = p->r->conf;
	struct op_err e;

	if (!bounce_delay_wanted(env, c->warn_after, p->now))
		return;
	if (bounce_delay_store(p->r->sp, c, env, p->now, &e) < 0) {
		log_msg(LOG_LVL_ERROR, env->id, "delay notice not stored: %s",
		    e.msg);
		return;
	}
	env->warned = 1;
	log_msg(LOG_LVL_INFO, env->id, "delayed: notice to the sender "
	    "stored in %s", c->bounce_mbox);
}
