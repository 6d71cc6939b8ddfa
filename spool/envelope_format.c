/*
 * envelope_format(): struct envelope -> the v1 text form (spool/README.md).
 * Free-text values go through printable() so a stored line can never be
 * split or carry controls; addresses and tokens that break the format are
 * refused, never altered.  Pure: no I/O.
 */
#include "spool/spool_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/printable.h"

struct sbuf {
	char *p;
	size_t len, cap;
};

static int sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		if (cap > SPOOL_ENV_MAX + 1)
			return -1;
		p = realloc(b->p, cap);
		if (p == NULL)
			return -1;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

/* The value of one key into val[]; -1 when it cannot be stored as is. */
static int format_value(const struct env_key *k, const struct envelope *env,
    char *val, size_t vlen)
{
	const char *f = (const char *)env + k->off;
	int n = 0;

	switch (k->kind) {
	case EK_QID:
		if (!qid_ok(f))
			return -1;
		n = snprintf(val, vlen, "%s", f);
		break;
	case EK_ADDR:
		if (strnlen(f, k->size) >= k->size || !envelope_addr_ok(f))
			return -1;
		n = snprintf(val, vlen, "<%s>", f);
		break;
	case EK_TEXT:
		printable(val, vlen < k->size ? vlen : k->size, f,
		    strnlen(f, k->size - 1));
		break;
	case EK_TOKEN:
		if (strnlen(f, k->size) >= k->size ||
		    !env_token_ok(f, strlen(f), k->charset))
			return -1;
		n = snprintf(val, vlen, "%s", f);
		break;
	case EK_TIME:
		n = snprintf(val, vlen, "%" PRId64, *(const int64_t *)(const void *)f);
		if (*(const int64_t *)(const void *)f < 0)
			return -1;
		break;
	case EK_UINT:
		n = snprintf(val, vlen, "%u", *(const unsigned *)(const void *)f);
		break;
	case EK_BOOL:
		n = snprintf(val, vlen, "%d", *(const int *)(const void *)f != 0);
		break;
	}
	return n < 0 || (size_t)n >= vlen ? -1 : 0;
}

static int format_rcpt(struct sbuf *b, const struct env_rcpt *r)
{
	char reason[SPOOL_REASON_MAX], line[SPOOL_LINE_MAX];
	const char *st = env_state_name(r->state);
	int n;

	if (st == NULL || r->addr[0] == '\0' || r->next_try < 0 ||
	    strnlen(r->addr, sizeof(r->addr)) >= sizeof(r->addr) ||
	    !envelope_addr_ok(r->addr))
		return -1;
	printable(reason, sizeof(reason), r->reason,
	    strnlen(r->reason, sizeof(r->reason) - 1));
	/* An empty reason leaves no trailing space: one spelling per value. */
	n = snprintf(line, sizeof(line), "rcpt: %s %u %" PRId64 " <%s>%s%s\n",
	    st, r->attempts, r->next_try, r->addr, reason[0] ? " " : "",
	    reason);
	if (n < 0 || (size_t)n >= sizeof(line))
		return -1;
	return sb_add(b, line, (size_t)n);
}

/* The keys, and only a state the parser takes back (env_keys_check):
 * an inconsistent one is refused here rather than written unreadable
 * (the next load would move the message to corrupt/). */
static int format_keys(struct sbuf *b, const struct envelope *env,
    struct op_err *e)
{
	char val[SPOOL_LINE_MAX], line[SPOOL_LINE_MAX];
	uint32_t seen = 0;
	size_t i;

	for (i = 0; i < env_nkeys; i++)
		if (!env_key_omitted(&env_keys[i], env))
			seen |= UINT32_C(1) << i;
	if (env_keys_check(env, seen) < 0)
		return op_errf(e, OP_SOFTWARE, "envelope: inconsistent keys "
		    "(series)");
	for (i = 0; i < env_nkeys; i++) {
		int n;

		if (env_key_omitted(&env_keys[i], env))
			continue;
		if (format_value(&env_keys[i], env, val, sizeof(val)) < 0)
			return op_errf(e, OP_DATA,
			    "envelope: invalid %s value", env_keys[i].key);
		n = snprintf(line, sizeof(line), "%s: %s\n", env_keys[i].key,
		    val);
		if (n < 0 || (size_t)n >= sizeof(line) ||
		    sb_add(b, line, (size_t)n) < 0)
			return op_errf(e, OP_SOFTWARE,
			    "envelope: %s line too long", env_keys[i].key);
	}
	return 0;
}

int envelope_format(const struct envelope *env, char **out, size_t *len,
    struct op_err *e)
{
	struct sbuf b = { NULL, 0, 0 };
	size_t i;

	if (env->nrcpt > SPOOL_RCPT_MAX)
		return op_errf(e, OP_SOFTWARE, "envelope: too many recipients");
	if (sb_add(&b, "version: 1\n", 11) < 0) {
		op_errf(e, OP_TEMP, "envelope: out of memory");
		goto fail;
	}
	if (format_keys(&b, env, e) < 0)
		goto fail;
	for (i = 0; i < env->nrcpt; i++) {
		if (format_rcpt(&b, &env->rcpt[i]) < 0) {
			op_errf(e, OP_DATA,
			    "envelope: recipient %zu cannot be stored", i + 1);
			goto fail;
		}
	}
	/* The blank line ends the header; in a .msg the message follows. */
	if (sb_add(&b, "\n", 1) < 0) {
		op_errf(e, OP_TEMP, "envelope: out of memory");
		goto fail;
	}
	*out = b.p;
	*len = b.len;
	return 0;
fail:
	free(b.p);
	return -1;
}
