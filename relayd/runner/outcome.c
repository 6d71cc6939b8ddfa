/*
 * The one place where an SMTP status becomes a recipient state: delivered,
 * deferred with backoff, failed (bounce), or possibly delivered.  Pure: it
 * edits a struct envelope in memory and never touches the spool or a clock.
 */
#include "relayd/runner/outcome.h"

#include <stdio.h>
#include <string.h>

#include "util/printable.h"

#define LOST_AFTER_DOT "possibly delivered: connection lost after end of data"

void outcome_policy_from_conf(struct outcome_policy *p, const struct conf *c)
{
	p->retry_min = c->retry_min ? c->retry_min : 60;
	p->retry_max = c->retry_max >= p->retry_min ? c->retry_max : p->retry_min;
	p->queue_lifetime = c->queue_lifetime ? c->queue_lifetime : 5 * 86400;
}

uint64_t outcome_backoff(const struct outcome_policy *p, unsigned attempts)
{
	uint64_t d = p->retry_min;
	unsigned i;

	/* Doubling stops at the cap, so it can never overflow. */
	for (i = 1; i < attempts && d < p->retry_max; i++)
		d = d > p->retry_max / 2 ? p->retry_max : d * 2;
	return d > p->retry_max ? p->retry_max : d;
}

int outcome_expired(const struct envelope *env, const struct outcome_policy *p,
    int64_t now)
{
	/* Time offline does not count: the lifetime runs from the first
	 * attempt that reached the server. */
	return env->reached != 0 &&
	    now - env->reached > (int64_t)p->queue_lifetime;
}

int outcome_reached(const struct smtp_status *st)
{
	return st->code != 0 || st->stage > SMTP_STAGE_CONNECT;
}

void outcome_duration(char *buf, size_t len, uint64_t s)
{
	if (s != 0 && s % 86400 == 0)
		snprintf(buf, len, "%llud", (unsigned long long)(s / 86400));
	else if (s != 0 && s % 3600 == 0)
		snprintf(buf, len, "%lluh", (unsigned long long)(s / 3600));
	else if (s != 0 && s % 60 == 0)
		snprintf(buf, len, "%llum", (unsigned long long)(s / 60));
	else
		snprintf(buf, len, "%llus", (unsigned long long)s);
}

const char *outcome_stage_name(enum smtp_stage st)
{
	switch (st) {
	case SMTP_STAGE_NONE:		return "delivery";
	case SMTP_STAGE_CONNECT:	return "connect";
	case SMTP_STAGE_GREETING:	return "greeting";
	case SMTP_STAGE_EHLO:		return "EHLO";
	case SMTP_STAGE_STARTTLS:	return "STARTTLS";
	case SMTP_STAGE_TLS:		return "TLS";
	case SMTP_STAGE_AUTH:		return "AUTH";
	case SMTP_STAGE_MAIL:		return "MAIL FROM";
	case SMTP_STAGE_RCPT:		return "RCPT TO";
	case SMTP_STAGE_DATA:		return "DATA";
	case SMTP_STAGE_BODY:		return "message text";
	case SMTP_STAGE_DOT:		return "end of data";
	case SMTP_STAGE_QUIT:		return "QUIT";
	}
	return "delivery";
}

int outcome_session_stage(enum smtp_stage st)
{
	return st >= SMTP_STAGE_CONNECT && st <= SMTP_STAGE_AUTH;
}

/* Does the reply text carry enhanced code `code` ("530 5.7.0 ...")? */
static int has_enhanced(const struct smtp_status *st, const char *code)
{
	const char *p = strstr(st->text, code);

	return p != NULL && (p == st->text || p[-1] == ' ') &&
	    (p[strlen(code)] == ' ' || p[strlen(code)] == '\0');
}

/* A 5xx at MAIL FROM, or a refusal before DATA that names authentication
 * or TLS (530, 5.7.0), is about the session or the config (no `user`
 * line, `tls off` against a submission port, a sender this login may not
 * use), not about this message: failing it would also fail its bounce. */
static int session_refusal(const struct smtp_status *st)
{
	if (st->code < 500 || st->code > 599)
		return 0;
	if (st->stage == SMTP_STAGE_MAIL)
		return 1;
	return st->stage == SMTP_STAGE_RCPT && (st->code == 530 ||
	    has_enhanced(st, "5.7.0"));
}

/* RFC 5321 4.5.3.1.10: "452 4.5.3 too many recipients" at RCPT is a
 * limit per transaction, not a problem of the address; old servers say
 * 552 for it, which the RFC asks clients to take as temporary. */
int outcome_too_many(const struct smtp_status *st)
{
	if (st->stage != SMTP_STAGE_RCPT || (st->code != 452 &&
	    st->code != 552))
		return 0;
	return has_enhanced(st, st->code == 452 ? "4.5.3" : "5.5.3") ||
	    strcasestr(st->text, "too many recipients") != NULL;
}

enum outcome_kind outcome_classify(const struct smtp_status *st)
{
	if (st->outcome == SMTP_OK)
		return OUTCOME_DELIVERED;
	/* Connection, TLS and AUTH trouble is about the session, not about
	 * this message: never bounce for it (a wrong password is fixed by
	 * the user, and the mail should still go out afterwards). */
	if (outcome_session_stage(st->stage) || session_refusal(st) ||
	    outcome_too_many(st))
		return OUTCOME_DEFERRED;
	if (st->code >= 500 && st->code <= 599)
		return OUTCOME_FAILED;
	if (st->code != 0)
		return OUTCOME_DEFERRED;
	/* Local error.  After the final "." the server may have taken the
	 * message: retry, but say it may be a duplicate. */
	if (st->stage == SMTP_STAGE_DOT)
		return OUTCOME_POSSIBLY;
	return st->outcome == SMTP_PERM ? OUTCOME_FAILED : OUTCOME_DEFERRED;
}

/* The reply text as given, with the code in front when the SMTP layer
 * left it out; always printable. */
static void reply_text(char *buf, size_t len, const struct smtp_status *st)
{
	char clean[sizeof(st->text)];
	char code[8];

	printable(clean, sizeof(clean), st->text, strnlen(st->text,
	    sizeof(st->text)));
	snprintf(code, sizeof(code), "%d", st->code);
	if (st->code != 0 && strncmp(clean, code, 3) != 0)
		snprintf(buf, len, "%d %s", st->code, clean);
	else
		snprintf(buf, len, "%s", clean[0] ? clean : "no details");
}

void outcome_reason(char *buf, size_t len, const struct smtp_status *st)
{
	char text[sizeof(st->text) + 8];

	if (outcome_classify(st) == OUTCOME_POSSIBLY) {
		snprintf(buf, len, "%s", LOST_AFTER_DOT);
		return;
	}
	reply_text(text, sizeof(text), st);
	if (st->stage == SMTP_STAGE_AUTH && st->advised)
		snprintf(buf, len, "AUTH: %s", text);
	else if (st->stage == SMTP_STAGE_AUTH)
		snprintf(buf, len, "AUTH: authentication failed: %s; check "
		    "user and password_file/password_command", text);
	else
		snprintf(buf, len, "%s: %s", outcome_stage_name(st->stage),
		    text);
}

const struct smtp_status *outcome_pick(const struct smtp_status *rcpt_st,
    const struct smtp_status *msg_st)
{
	/* A recipient refused at RCPT keeps its own reply; an accepted one
	 * shares the fate of the message (DATA, text, final "."). */
	if (rcpt_st != NULL && rcpt_st->outcome != SMTP_OK)
		return rcpt_st;
	return msg_st;
}

static void set_reason(struct env_rcpt *rc, const char *reason)
{
	printable(rc->reason, sizeof(rc->reason), reason, strlen(reason));
}

static void expire(struct env_rcpt *rc, const struct outcome_policy *p,
    const char *last)
{
	char d[32], buf[SPOOL_REASON_MAX];

	outcome_duration(d, sizeof(d), p->queue_lifetime);
	snprintf(buf, sizeof(buf), "expired after %s: last reason: %s", d,
	    last[0] ? last : "none");
	rc->state = RCPT_FAILED;
	set_reason(rc, buf);
}

void outcome_apply(struct envelope *env, size_t r, enum outcome_kind k,
    const char *reason, const struct outcome_policy *p, int64_t now,
    struct outcome_tally *t)
{
	struct env_rcpt *rc = &env->rcpt[r];

	switch (k) {
	case OUTCOME_DELIVERED:
		rc->state = RCPT_DELIVERED;
		rc->reason[0] = '\0';
		t->delivered++;
		return;
	case OUTCOME_FAILED:
		rc->state = RCPT_FAILED;
		set_reason(rc, reason);
		t->failed++;
		return;
	case OUTCOME_POSSIBLY:
		env->possibly_delivered = 1;
		t->possibly++;
		break;
	case OUTCOME_DEFERRED:
		t->deferred++;
		break;
	}
	rc->attempts++;
	if (outcome_expired(env, p, now)) {
		expire(rc, p, reason);
		t->expired++;
		return;
	}
	rc->state = RCPT_DEFERRED;
	rc->next_try = now + (int64_t)outcome_backoff(p, rc->attempts);
	set_reason(rc, reason);
}

int outcome_rcpt_due(const struct env_rcpt *rc, int64_t now, int all)
{
	if (rc->state == RCPT_PENDING)
		return 1;
	return rc->state == RCPT_DEFERRED && (all || rc->next_try <= now);
}

int outcome_env_due(const struct envelope *env, int64_t now, int all)
{
	size_t i;

	for (i = 0; i < env->nrcpt; i++)
		if (outcome_rcpt_due(&env->rcpt[i], now, all))
			return 1;
	return 0;
}

int outcome_settled(const struct envelope *env)
{
	size_t i;

	for (i = 0; i < env->nrcpt; i++)
		if (env->rcpt[i].state == RCPT_PENDING ||
		    env->rcpt[i].state == RCPT_DEFERRED)
			return 0;
	return 1;
}

int outcome_any_failed(const struct envelope *env)
{
	size_t i;

	for (i = 0; i < env->nrcpt; i++)
		if (env->rcpt[i].state == RCPT_FAILED)
			return 1;
	return 0;
}

int64_t outcome_next_try(const struct envelope *env)
{
	int64_t t = INT64_MAX;
	size_t i;

	for (i = 0; i < env->nrcpt; i++) {
		if (env->rcpt[i].state == RCPT_PENDING)
			return 0;
		if (env->rcpt[i].state == RCPT_DEFERRED &&
		    env->rcpt[i].next_try < t)
			t = env->rcpt[i].next_try;
	}
	return t;
}

void outcome_finish(struct envelope *env, int64_t now)
{
	int64_t t = outcome_next_try(env);

	env->attempts++;
	env->last_try = now;
	env->next_try = t == INT64_MAX ? 0 : t;
	env->in_flight = 0;
}

static unsigned clamp_to(int64_t *t, int64_t limit, int64_t to)
{
	if (*t <= limit)
		return 0;
	*t = to;
	return 1;
}

unsigned outcome_clamp(struct envelope *env, const struct outcome_policy *p,
    int64_t now)
{
	int64_t limit = now + (int64_t)p->retry_max;
	unsigned n;
	size_t i;

	n = clamp_to(&env->next_try, limit, limit);
	n += clamp_to(&env->arrival, limit, now);
	for (i = 0; i < env->nrcpt; i++)
		n += clamp_to(&env->rcpt[i].next_try, limit, limit);
	return n;
}
