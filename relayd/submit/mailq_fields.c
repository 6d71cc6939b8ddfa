/*
 * Derived fields of one queued message that both mailq renderers show: the
 * word for a recipient state and the time of the next attempt.  A leaf: it
 * calls no other mailq file, so the driver and the renderers all use it.
 */
#include "relayd/submit/mailq.h"

const char *mailq_state_name(enum rcpt_state st)
{
	switch (st) {
	case RCPT_PENDING:	return "pending";
	case RCPT_DEFERRED:	return "deferred";
	case RCPT_FAILED:	return "failed";
	case RCPT_DELIVERED:	return "delivered";
	}
	return "pending";
}

int64_t mailq_next_attempt(const struct envelope *env)
{
	int64_t best = 0;
	size_t i;

	if (env->next_try > 0)
		return env->next_try;
	for (i = 0; i < env->nrcpt; i++) {
		const struct env_rcpt *r = &env->rcpt[i];

		if (r->state == RCPT_DELIVERED || r->next_try <= 0)
			continue;
		if (best == 0 || r->next_try < best)
			best = r->next_try;
	}
	return best;
}

void mailq_hold_of(const struct envelope *env, struct mailq_hold *h)
{
	h->state = env->held[0] != '\0' ? "held" : NULL;
	h->reason = env->held;
	h->k = env->series[0] != '\0' ? env->series_k : 0;
	h->n = env->series[0] != '\0' ? env->series_n : 0;
}
