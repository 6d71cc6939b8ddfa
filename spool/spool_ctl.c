/*
 * Queue control on one message (outpost hold/release/requeue/delete, and
 * requeue --account): the change is made under the message's flock, on a
 * fresh load, and written with spool_update/spool_remove, so it never
 * races a runner that is delivering the message (busy is reported,
 * nothing is overwritten).
 */
#include "spool/spool_int.h"

#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Wait for the message lock in 50 ms steps, at most wait_ms. */
static int lock_wait(struct spool *sp, const char *id, unsigned wait_ms,
    int *lockfd, struct op_err *e)
{
	unsigned waited = 0;
	int got;

	for (;;) {
		got = spool_lock_msg(sp, id, lockfd, e);
		if (got != 0 || waited >= wait_ms)
			return got;
		(void)poll(NULL, 0, 50);
		waited += 50;
	}
}

/* Back to pending: every recipient not delivered yet, with a fresh
 * lifetime (like postsuper -r, the message counts as newly arrived). */
static int requeue(struct envelope *env, int64_t now)
{
	size_t i;
	int changed = 0;

	for (i = 0; i < env->nrcpt; i++) {
		struct env_rcpt *r = &env->rcpt[i];

		if (r->state != RCPT_FAILED && r->state != RCPT_DEFERRED)
			continue;
		r->state = RCPT_PENDING;
		r->next_try = 0;
		r->attempts = 0;
		r->reason[0] = '\0';
		changed = 1;
	}
	if (changed || env->next_try != 0 || env->failed != 0) {
		env->next_try = 0;
		env->arrival = now;
		/* Out of the failed state, with a fresh lifetime. */
		env->failed = 0;
		env->reached = 0;
		env->warned = 0;
		changed = 1;
	}
	return changed;
}

/* Apply op to env in memory; 1 = changed, 0 = already so. */
static int apply(struct envelope *env, enum spool_ctl op, const char *reason,
    int64_t now)
{
	switch (op) {
	case SPOOL_CTL_HOLD:
		if (env->held[0] != '\0' && !env->released)
			return 0;
		snprintf(env->held, sizeof(env->held), "%s",
		    reason != NULL && reason[0] != '\0' ? reason :
		    "held by hand");
		env->released = 0;
		return 1;
	case SPOOL_CTL_RELEASE:
		if (env->released && env->held[0] == '\0')
			return 0;
		env->held[0] = '\0';
		env->released = 1;
		return 1;
	case SPOOL_CTL_REQUEUE:
		return requeue(env, now);
	case SPOOL_CTL_DELETE:
		return 1;
	}
	return 0;
}

/* Lock id (waiting at most wait_ms) and load it under the lock: the
 * runner may have changed it meanwhile.  0 with *lockfd held, or -1. */
static int lock_load(struct spool *sp, const char *id, unsigned wait_ms,
    struct envelope *env, int *lockfd, struct op_err *e)
{
	int got;

	envelope_init(env);
	if (!qid_ok(id))
		return op_errf(e, OP_USAGE, "not a queue id");
	got = lock_wait(sp, id, wait_ms, lockfd, e);
	if (got < 0)
		return -1;
	if (got == 0)
		return op_errf(e, OP_TEMP, "%s is being delivered right now; "
		    "try again in a moment", id);
	if (spool_load(sp, id, env, e) < 0) {
		spool_unlock_msg(*lockfd);
		return -1;
	}
	return 0;
}

int spool_ctl(struct spool *sp, const char *id, enum spool_ctl op,
    const char *reason, unsigned wait_ms, struct op_err *e)
{
	struct envelope env;
	int lockfd, r;

	if (lock_load(sp, id, wait_ms, &env, &lockfd, e) < 0) {
		envelope_free(&env);
		return -1;
	}
	r = apply(&env, op, reason, (int64_t)time(NULL));
	if (r == 1 && op == SPOOL_CTL_DELETE)
		r = spool_remove(sp, id, e) < 0 ? -1 : 1;
	else if (r == 1)
		r = spool_update(sp, &env, e) < 0 ? -1 : 1;
	envelope_free(&env);
	spool_unlock_msg(lockfd);
	return r;
}

int spool_ctl_account(struct spool *sp, const char *id, const char *account,
    unsigned wait_ms, char *was, size_t wlen, struct op_err *e)
{
	struct envelope env;
	int lockfd, r;

	if (strlen(account) >= sizeof(env.account))
		return op_errf(e, OP_USAGE, "account name too long");
	if (lock_load(sp, id, wait_ms, &env, &lockfd, e) < 0) {
		envelope_free(&env);
		return -1;
	}
	snprintf(was, wlen, "%s", env.account);
	r = requeue(&env, (int64_t)time(NULL));
	if (strcmp(env.account, account) != 0) {
		snprintf(env.account, sizeof(env.account), "%s", account);
		r = 1;
	}
	if (r == 1)
		r = spool_update(sp, &env, e) < 0 ? -1 : 1;
	envelope_free(&env);
	spool_unlock_msg(lockfd);
	return r;
}
