/*
 * The held state: a message whose final "." went out but whose outcome
 * could not be written (disk full).  The runner keeps a copy in memory
 * (here) and writes it before it sends anything else (runner_msg.c); on
 * disk the message still says "in flight", so if we stop first, recovery
 * flags it "possibly delivered".  A leaf: it calls no other runner file.
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

void runner_hold_drop(struct runner *r)
{
	envelope_free(&r->held);
	r->has_held = 0;
	r->held_bounced = 0;
}
