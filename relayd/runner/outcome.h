/*
 * Delivery outcomes, classified in one place: what an SMTP status means for
 * a recipient (delivered / deferred / failed / possibly delivered), the
 * retry backoff, queue-lifetime expiry and the reason text kept in the
 * envelope.  Pure functions over struct envelope: no I/O, no clock.
 */
#ifndef OUTPOST_OUTCOME_H
#define OUTPOST_OUTCOME_H

#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "relayd/smtp/smtp.h"
#include "spool/spool.h"

/* Retry policy (seconds), copied from the config. */
struct outcome_policy {
	uint64_t retry_min, retry_max, queue_lifetime;
};

enum outcome_kind {
	OUTCOME_DELIVERED = 0,
	OUTCOME_DEFERRED,	/* temporary: try again after the backoff */
	OUTCOME_FAILED,		/* permanent: bounce to the sender */
	OUTCOME_POSSIBLY	/* lost after the final ".": deferred, may dup */
};

/* What one attempt did to one message (for progress lines and logs). */
struct outcome_tally {
	unsigned delivered, deferred, failed, possibly, expired;
};

void outcome_policy_from_conf(struct outcome_policy *p, const struct conf *c);

/* Backoff after the n-th failed attempt (n >= 1): retry_min doubled per
 * attempt, capped at retry_max.  Deterministic (no jitter). */
uint64_t outcome_backoff(const struct outcome_policy *p, unsigned attempts);

/* Has the message spent more than queue_lifetime since its first attempt
 * that reached the server (env->reached; 0 = none yet: never expired)? */
int outcome_expired(const struct envelope *env, const struct outcome_policy *p,
    int64_t now);

/* Did the attempt that ended with st reach the server (a reply, or any
 * failure after the connection was made)?  A refused connection, a
 * timeout while connecting, a name that does not resolve: no. */
int outcome_reached(const struct smtp_status *st);

/* "5d", "4h", "90m", "30s": the largest unit that divides the duration. */
void outcome_duration(char *buf, size_t len, uint64_t seconds);

/* Name of a stage as it appears in reasons ("connect", "RCPT", ...). */
const char *outcome_stage_name(enum smtp_stage st);

/* Session stages (connect .. AUTH) fail every message of the session. */
int outcome_session_stage(enum smtp_stage st);

/* A refusal at RCPT that only says the transaction has too many
 * recipients (452 4.5.3, or 552 saying so): the rest goes in the next
 * transaction of the same session; alone it is a deferral, never a failure. */
int outcome_too_many(const struct smtp_status *st);

/* Classify one status: session stages are always temporary; otherwise a
 * 5xx reply is permanent, a 4xx (or any other reply) temporary, and a
 * local error (code 0) keeps the SMTP layer's verdict; a local error while
 * waiting for the reply to the final "." means "possibly delivered". */
enum outcome_kind outcome_classify(const struct smtp_status *st);

/* The printable reason kept in the envelope: "<stage>: <reply or local
 * error>"; AUTH failures say what to check. */
void outcome_reason(char *buf, size_t len, const struct smtp_status *st);

/* The status that decides recipient i: its own RCPT status when it was not
 * accepted, else the message-level status. */
const struct smtp_status *outcome_pick(const struct smtp_status *rcpt_st,
    const struct smtp_status *msg_st);

/* Apply one verdict to recipient r of env.  Deferral bumps the attempt
 * count and sets next_try; an expired message fails instead ("expired
 * after 5d: last reason ...").  Counts into *t. */
void outcome_apply(struct envelope *env, size_t r, enum outcome_kind k,
    const char *reason, const struct outcome_policy *p, int64_t now,
    struct outcome_tally *t);

/* Is recipient r due at `now` (pending, or deferred with next_try <= now;
 * with `all`, any deferred one)? */
int outcome_rcpt_due(const struct env_rcpt *rc, int64_t now, int all);
/* Does the message have a due recipient? */
int outcome_env_due(const struct envelope *env, int64_t now, int all);
/* No recipient pending or deferred: time to bounce (if failed) and remove. */
int outcome_settled(const struct envelope *env);
/* Any recipient failed? */
int outcome_any_failed(const struct envelope *env);

/* After an attempt: attempts++, last_try, next_try = earliest deferred
 * recipient, in_flight cleared. */
void outcome_finish(struct envelope *env, int64_t now);

/* Clock skew: times written while the clock was far ahead.  A next_try
 * later than now + retry_max becomes now + retry_max, an arrival later
 * than that becomes now.  Returns how many values were corrected. */
unsigned outcome_clamp(struct envelope *env, const struct outcome_policy *p,
    int64_t now);

/* Earliest next_try of the deferred recipients, INT64_MAX when none. */
int64_t outcome_next_try(const struct envelope *env);

#endif
