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

static void put_str(FILE *out, const char *key, const char *s)
{
	char q[QMAX];

	if (json_quote(q, sizeof(q), s, strlen(s)) < 0)
		memcpy(q, "\"\"", 3);
	fprintf(out, "\"%s\":%s", key, q);
}

static void put_time(FILE *out, const char *key, int64_t t)
{
	if (t > 0)
		fprintf(out, "\"%s\":%" PRId64, key, t);
	else
		fprintf(out, "\"%s\":null", key);
}

static void put_rcpts(FILE *out, const struct envelope *env)
{
	size_t i;
	int first = 1;

	fputs("\"recipients\":[", out);
	for (i = 0; i < env->nrcpt; i++) {
		const struct env_rcpt *r = &env->rcpt[i];

		if (r->state == RCPT_DELIVERED)
			continue;	/* done: no longer in the queue */
		fputs(first ? "{" : ",{", out);
		first = 0;
		put_str(out, "address", r->addr);
		fputc(',', out);
		put_str(out, "status", mailq_state_name(r->state));
		fputc(',', out);
		put_str(out, "reason", r->reason);
		fprintf(out, ",\"attempts\":%u}", r->attempts);
	}
	fputc(']', out);
}

/* "hold": null | {"state":"held"|"waiting","reason":...};
 * "series": null | {"k":K,"n":N}. */
static void put_hold(FILE *out, const struct mailq_hold *h)
{
	if (h->state == NULL) {
		fputs("\"hold\":null,", out);
	} else {
		fputs("\"hold\":{", out);
		put_str(out, "state", h->state);
		fputc(',', out);
		put_str(out, "reason", h->reason);
		fputs("},", out);
	}
	if (h->n == 0)
		fputs("\"series\":null,", out);
	else
		fprintf(out, "\"series\":{\"k\":%u,\"n\":%u},", h->k, h->n);
}

void mailq_json_msg(FILE *out, const struct envelope *env,
    const struct mailq_hold *h)
{
	fputc('{', out);
	put_str(out, "id", env->id);
	fprintf(out, ",\"arrival_time\":%" PRId64 ",\"size\":%" PRIu64 ",",
	    env->arrival, env->size);
	put_str(out, "sender", env->sender);
	fputc(',', out);
	put_str(out, "account", env->account);
	fputc(',', out);
	put_str(out, "subject", env->subject);
	fputc(',', out);
	put_str(out, "message_id", env->message_id);
	fprintf(out, ",\"attempts\":%u,", env->attempts);
	put_time(out, "next_attempt", mailq_next_attempt(env));
	fputc(',', out);
	put_time(out, "last_attempt", env->last_try);
	/* in_flight: the runner was sending the final "." (it is sending it
	 * now, or it stopped there and the message may have arrived). */
	fprintf(out, ",\"possibly_delivered\":%s,\"in_flight\":%s,",
	    env->possibly_delivered ? "true" : "false",
	    env->in_flight ? "true" : "false");
	/* failed: when it entered the failed state (kept until requeue or
	 * delete), null while it is still being tried. */
	put_time(out, "failed", env->failed);
	fputc(',', out);
	put_hold(out, h);
	put_rcpts(out, env);
	fputs("}\n", out);
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
