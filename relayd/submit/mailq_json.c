/*
 * mailq --json: one object per line per message (docs/CONTRACTS.md):
 * id, arrival_time, size, sender, account ("" = none), subject, message_id, attempts,
 * next_attempt, last_attempt, possibly_delivered, in_flight and
 * hold, series and recipients[{address, status, reason, attempts}].  Strings only ever pass
 * through json_quote().
 */
#include "relayd/submit/mailq.h"

#include <inttypes.h>
#include <string.h>

#include "util/printable.h"

/* Large enough for json_quote of the longest field (6 bytes per byte). */
#define QMAX (6 * SPOOL_REASON_MAX + 8)

/* One message is built in a bounded buffer on the stack and written with
 * one fwrite() (more only for a huge recipient list): with 10 000 messages
 * queued, per-field fprintf/fputs calls were a third of mailq's time. */
struct jout {
	FILE *f;
	size_t n;
	char b[8192];
};

static void j_flush(struct jout *j)
{
	if (j->n > 0)
		fwrite(j->b, 1, j->n, j->f);
	j->n = 0;
}

static void j_put(struct jout *j, const char *s, size_t len)
{
	while (len > 0) {
		size_t k = sizeof(j->b) - j->n < len ? sizeof(j->b) - j->n :
		    len;

		memcpy(j->b + j->n, s, k);
		j->n += k;
		s += k;
		len -= k;
		if (j->n == sizeof(j->b))
			j_flush(j);
	}
}

static void j_s(struct jout *j, const char *s)
{
	j_put(j, s, strlen(s));
}

static void put_key(struct jout *j, const char *key)
{
	j_put(j, "\"", 1);
	j_s(j, key);
	j_put(j, "\":", 2);
}

static void put_str(struct jout *j, const char *key, const char *s)
{
	char q[QMAX];

	if (json_quote(q, sizeof(q), s, strlen(s)) < 0)
		memcpy(q, "\"\"", 3);
	put_key(j, key);
	j_s(j, q);
}

static void put_i64(struct jout *j, const char *key, int64_t v)
{
	char d[24];
	size_t at = sizeof(d);
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	do {
		d[--at] = (char)('0' + u % 10);
		u /= 10;
	} while (u > 0);
	if (v < 0)
		d[--at] = '-';
	put_key(j, key);
	j_put(j, d + at, sizeof(d) - at);
}

static void put_time(struct jout *j, const char *key, int64_t t)
{
	if (t > 0) {
		put_i64(j, key, t);
	} else {
		put_key(j, key);
		j_s(j, "null");
	}
}

static void put_rcpts(struct jout *j, const struct envelope *env)
{
	size_t i;
	int first = 1;

	j_s(j, "\"recipients\":[");
	for (i = 0; i < env->nrcpt; i++) {
		const struct env_rcpt *r = &env->rcpt[i];

		if (r->state == RCPT_DELIVERED)
			continue;	/* done: no longer in the queue */
		j_s(j, first ? "{" : ",{");
		first = 0;
		put_str(j, "address", r->addr);
		j_s(j, ",");
		put_str(j, "status", mailq_state_name(r->state));
		j_s(j, ",");
		put_str(j, "reason", r->reason);
		j_s(j, ",");
		put_i64(j, "attempts", r->attempts);
		j_s(j, "}");
	}
	j_s(j, "]");
}

/* "hold": null | {"state":"held"|"waiting","reason":...};
 * "series": null | {"k":K,"n":N}. */
static void put_hold(struct jout *j, const struct mailq_hold *h)
{
	if (h->state == NULL) {
		j_s(j, "\"hold\":null,");
	} else {
		j_s(j, "\"hold\":{");
		put_str(j, "state", h->state);
		j_s(j, ",");
		put_str(j, "reason", h->reason);
		j_s(j, "},");
	}
	if (h->n == 0) {
		j_s(j, "\"series\":null,");
	} else {
		j_s(j, "\"series\":{");
		put_i64(j, "k", h->k);
		j_s(j, ",");
		put_i64(j, "n", h->n);
		j_s(j, "},");
	}
}

static void put_flag(struct jout *j, const char *key, int v)
{
	put_key(j, key);
	j_s(j, v ? "true," : "false,");
}

void mailq_json_msg(FILE *out, const struct envelope *env,
    const struct mailq_hold *h)
{
	struct jout j;

	j.f = out;
	j.n = 0;
	j_s(&j, "{");
	put_str(&j, "id", env->id);
	j_s(&j, ",");
	put_i64(&j, "arrival_time", env->arrival);
	j_s(&j, ",");
	put_i64(&j, "size", (int64_t)env->size);
	j_s(&j, ",");
	put_str(&j, "sender", env->sender);
	j_s(&j, ",");
	put_str(&j, "account", env->account);
	j_s(&j, ",");
	put_str(&j, "subject", env->subject);
	j_s(&j, ",");
	put_str(&j, "message_id", env->message_id);
	j_s(&j, ",");
	put_i64(&j, "attempts", env->attempts);
	j_s(&j, ",");
	put_time(&j, "next_attempt", mailq_next_attempt(env));
	j_s(&j, ",");
	put_time(&j, "last_attempt", env->last_try);
	j_s(&j, ",");
	/* in_flight: the runner was sending the final "." (it is sending it
	 * now, or it stopped there and the message may have arrived). */
	put_flag(&j, "possibly_delivered", env->possibly_delivered);
	put_flag(&j, "in_flight", env->in_flight);
	/* failed: when it entered the failed state (kept until requeue or
	 * delete), null while it is still being tried. */
	put_time(&j, "failed", env->failed);
	j_s(&j, ",");
	put_hold(&j, h);
	put_rcpts(&j, env);
	j_s(&j, "}\n");
	j_flush(&j);
}

void mailq_json_corrupt(FILE *out, const struct spool_corrupt *c)
{
	char q[QMAX];
	size_t i;

	fprintf(out, "{\"corrupt\":{\"count\":%zu,\"names\":[", c->n);
	for (i = 0; i < c->n && i < SPOOL_CORRUPT_SHOW; i++) {
		if (json_quote(q, sizeof(q), c->names[i],
		    strlen(c->names[i])) < 0)
			memcpy(q, "\"\"", 3);
		fprintf(out, "%s%s", i ? "," : "", q);
	}
	fputs("]}}\n", out);
}
