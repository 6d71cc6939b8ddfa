/*
 * The held state: a message whose final "." went out but whose outcome
 * could not be written (disk full).  The runner keeps a copy in memory and
 * writes it before it sends anything else; on disk the message still says
 * "in flight", so if we stop first, recovery flags it "possibly delivered".
 */
#include "relayd/runner/runner_int.h"

#include <stdlib.h>
#include <string.h>

#include "util/log.h"

void runner_hold_keep(struct runner *r, const struct envelope *env,
    int bounced)
{
	struct env_rcpt *copy = NULL;

	if (env->nrcpt > 0) {
		copy = calloc(env->nrcpt, sizeof(*copy));
		if (copy == NULL) {
			log_msg(LOG_LVL_ERROR, env->id, "out of memory: the "
			    "outcome is lost; the message stays marked in "
			    "flight (possibly delivered)");
			return;
		}
		memcpy(copy, env->rcpt, env->nrcpt * sizeof(*copy));
	}
	if (r->has_held)
		envelope_free(&r->held);
	r->held = *env;
	r->held.rcpt = copy;
	r->has_held = 1;
	r->held_bounced = bounced;
	log_msg(LOG_LVL_WARN, env->id, "outcome kept in memory; delivery "
	    "stops until it can be written (is the disk full?)");
}

static void hold_drop(struct runner *r)
{
	envelope_free(&r->held);
	r->has_held = 0;
	r->held_bounced = 0;
}

/* Under the message lock; a message that is gone (removed by hand) has
 * nothing left to write. */
static int hold_write(struct runner_pass_state *p)
{
	struct runner *r = p->r;
	struct runner_report rep;
	struct op_err e;
	int lockfd, got, rc;

	got = spool_lock_msg(r->sp, r->held.id, &lockfd, &e);
	if (got < 0 && e.st == OP_NOINPUT)
		return 0;
	if (got <= 0)
		return -1;
	memset(&rep, 0, sizeof(rep));
	rep.id = r->held.id;
	rc = runner_msg_store(p, &r->held, &rep, r->held_bounced);
	if (rc < 0 && rep.bounce_id[0] != '\0')
		r->held_bounced = 1;	/* never a second bounce */
	spool_unlock_msg(lockfd);
	return rc;
}

int runner_hold_retry(struct runner_pass_state *p)
{
	struct runner *r = p->r;

	if (!r->has_held)
		return 0;
	if (hold_write(p) < 0)
		return -1;
	log_msg(LOG_LVL_INFO, r->held.id, "held outcome written");
	hold_drop(r);
	return 0;
}

int runner_end(struct runner *r, int locked)
{
	struct runner_pass_state p;
	struct runner_result res;
	int rc;

	if (!r->has_held)
		return 0;
	memset(&p, 0, sizeof(p));
	memset(&res, 0, sizeof(res));
	p.r = r;
	p.res = &res;
	p.now = runner_now(r);
	rc = locked ? runner_hold_retry(&p) : -1;
	if (rc < 0) {
		log_msg(LOG_LVL_ERROR, r->held.id, "outcome could not be "
		    "written; the message stays marked in flight and will "
		    "be sent once more, flagged \"possibly delivered\"");
		hold_drop(r);
	}
	return rc;
}
