/* libFuzzer target: the envelope writer.  An envelope is built from the
 * input (hostile text in every field: line ends, '>' in addresses, huge
 * numbers); what envelope_format() writes must parse back completely, to
 * the same recipients and counters, and format again to the same bytes:
 * the spool never writes a state it cannot read or that reads differently. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spool/spool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct cur {
	const uint8_t *p;
	size_t n;
};

/* The next NUL-separated piece into dst (bounded by its size). */
static void text(struct cur *c, char *dst, size_t dlen)
{
	size_t i = 0;

	while (c->n > 0 && *c->p != 0) {
		if (i + 1 < dlen)
			dst[i++] = (char)*c->p;
		c->p++;
		c->n--;
	}
	if (c->n > 0) {
		c->p++;
		c->n--;
	}
	dst[i] = '\0';
}

static uint64_t num(struct cur *c)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < 8 && c->n > 0; i++, c->p++, c->n--)
		v = v << 8 | *c->p;
	return v;
}

static void build(struct cur *c, struct envelope *env)
{
	size_t i, n;

	text(c, env->id, sizeof(env->id));
	text(c, env->sender, sizeof(env->sender));
	text(c, env->subject, sizeof(env->subject));
	text(c, env->message_id, sizeof(env->message_id));
	text(c, env->dsn_notify, sizeof(env->dsn_notify));
	text(c, env->dsn_ret, sizeof(env->dsn_ret));
	text(c, env->envid, sizeof(env->envid));
	text(c, env->held, sizeof(env->held));
	text(c, env->series, sizeof(env->series));
	text(c, env->digest, sizeof(env->digest));
	env->arrival = (int64_t)num(c);
	env->attempts = (unsigned)num(c);
	env->last_try = (int64_t)num(c);
	env->next_try = (int64_t)num(c);
	env->reached = (int64_t)num(c);
	env->failed = (int64_t)num(c);
	n = num(c) & 0xffff;
	env->in_flight = n & 1;
	env->possibly_delivered = n >> 1 & 1;
	env->body_8bit = n >> 2 & 1;
	env->smtputf8 = n >> 3 & 1;
	env->is_bounce = n >> 4 & 1;
	env->warned = n >> 5 & 1;
	env->released = n >> 6 & 1;
	env->series_cover = n >> 7 & 1;
	env->series_k = n >> 8 & 15;
	env->series_n = n >> 12 & 15;
	n = num(c) % 9;
	env->rcpt = calloc(n ? n : 1, sizeof(*env->rcpt));
	if (env->rcpt == NULL)
		abort();
	env->nrcpt = n;
	for (i = 0; i < n; i++) {
		text(c, env->rcpt[i].addr, sizeof(env->rcpt[i].addr));
		text(c, env->rcpt[i].reason, sizeof(env->rcpt[i].reason));
		env->rcpt[i].state = (enum rcpt_state)(num(c) % 4);
		env->rcpt[i].attempts = (unsigned)num(c);
		env->rcpt[i].next_try = (int64_t)num(c);
	}
}

static void same(const struct envelope *a, const struct envelope *b)
{
	size_t i;

	if (strcmp(a->id, b->id) != 0 || strcmp(a->sender, b->sender) != 0 ||
	    a->arrival != b->arrival || a->attempts != b->attempts ||
	    a->next_try != b->next_try || a->in_flight != b->in_flight ||
	    a->possibly_delivered != b->possibly_delivered ||
	    a->nrcpt != b->nrcpt)
		abort();
	for (i = 0; i < a->nrcpt; i++)
		if (strcmp(a->rcpt[i].addr, b->rcpt[i].addr) != 0 ||
		    a->rcpt[i].state != b->rcpt[i].state ||
		    a->rcpt[i].attempts != b->rcpt[i].attempts ||
		    a->rcpt[i].next_try != b->rcpt[i].next_try)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cur c = { data, size };
	struct envelope env, back;
	struct op_err e;
	char *out = NULL, *again = NULL;
	size_t len = 0, len2 = 0, used = 0;

	envelope_init(&env);
	build(&c, &env);
	if (envelope_format(&env, &out, &len, &e) == 0) {
		envelope_init(&back);
		if (envelope_parse(out, len, &back, &used, &e) < 0 ||
		    used != len)
			abort();	/* written but not readable */
		same(&env, &back);
		if (envelope_format(&back, &again, &len2, &e) < 0 ||
		    len2 != len || memcmp(out, again, len) != 0)
			abort();	/* reads back differently */
		envelope_free(&back);
		free(again);
		free(out);
	}
	envelope_free(&env);
	return 0;
}
