/*
 * envelope_parse(): the v1 text form -> struct envelope, strictly.  Every
 * line is bounded (SPOOL_LINE_MAX), every key must appear exactly once,
 * unknown keys and versions are refused, numbers go through util/parse.h.
 * Never reads past len and never guesses: on any doubt it fails.
 */
#include "spool/spool_int.h"

#include <string.h>

#include "util/parse.h"
#include "util/printable.h"

struct pline {
	const char *key, *val;
	size_t klen, vlen;
	unsigned no;		/* line number, for messages */
};

/* Unsigned decimal time: digits only (parse_int would take a sign). */
static int parse_time(const char *s, size_t len, int64_t *t)
{
	uint64_t u;

	if (parse_uint(s, len, 0, INT64_MAX, &u) < 0)
		return -1;
	*t = (int64_t)u;
	return 0;
}

static int perr(struct op_err *e, const struct pline *l, const char *what)
{
	return op_errf(e, OP_DATA, "envelope line %u: %s", l->no, what);
}

static int parse_value(const struct env_key *k, const struct pline *l,
    struct envelope *env)
{
	char *f = (char *)env + k->off;
	uint64_t u;
	int64_t t;

	switch (k->kind) {
	case EK_QID:
	case EK_TOKEN:
	case EK_TEXT:
		if (l->vlen >= k->size || (k->kind == EK_TEXT ?
		    !env_text_ok(l->val, l->vlen) :
		    !env_token_ok(l->val, l->vlen, k->charset)))
			return -1;
		memcpy(f, l->val, l->vlen);
		f[l->vlen] = '\0';
		return k->kind == EK_QID && !qid_ok(f) ? -1 : 0;
	case EK_ADDR:
		if (l->vlen < 2 || l->vlen - 2 >= k->size ||
		    l->val[0] != '<' || l->val[l->vlen - 1] != '>')
			return -1;
		memcpy(f, l->val + 1, l->vlen - 2);
		f[l->vlen - 2] = '\0';
		return envelope_addr_ok(f) ? 0 : -1;
	case EK_TIME:
		if (parse_time(l->val, l->vlen, &t) < 0)
			return -1;
		memcpy(f, &t, sizeof(t));
		return 0;
	case EK_UINT:
		if (parse_uint(l->val, l->vlen, 0, UINT32_MAX, &u) < 0)
			return -1;
		*(unsigned *)(void *)f = (unsigned)u;
		return 0;
	case EK_BOOL:
		if (l->vlen != 1 || (l->val[0] != '0' && l->val[0] != '1'))
			return -1;
		*(int *)(void *)f = l->val[0] == '1';
		return 0;
	}
	return -1;
}

/* Next space-delimited field of a recipient line (exactly one space). */
static int next_field(const char **p, const char *end, const char **f,
    size_t *flen)
{
	const char *sp = memchr(*p, ' ', (size_t)(end - *p));

	if (sp == NULL || sp == *p)
		return -1;
	*f = *p;
	*flen = (size_t)(sp - *p);
	*p = sp + 1;
	return 0;
}

/* "rcpt: <state> <attempts> <next-try> <addr>[ <reason>]" */
static int parse_rcpt(const struct pline *l, struct envelope *env,
    size_t *cap, struct op_err *e)
{
	const char *p = l->val, *end = l->val + l->vlen, *f, *gt;
	struct env_rcpt *r;
	enum rcpt_state st;
	size_t flen;
	uint64_t att;
	int64_t next;
	char addr[SPOOL_ADDR_MAX];

	if (next_field(&p, end, &f, &flen) < 0 ||
	    env_state_parse(f, flen, &st) < 0 ||
	    next_field(&p, end, &f, &flen) < 0 ||
	    parse_uint(f, flen, 0, UINT32_MAX, &att) < 0 ||
	    next_field(&p, end, &f, &flen) < 0 ||
	    parse_time(f, flen, &next) < 0)
		return perr(e, l, "malformed recipient state");
	gt = p < end ? memchr(p, '>', (size_t)(end - p)) : NULL;
	if (gt == NULL || *p != '<' || (size_t)(gt - p - 1) >= sizeof(addr))
		return perr(e, l, "malformed recipient address");
	memcpy(addr, p + 1, (size_t)(gt - p - 1));
	addr[gt - p - 1] = '\0';
	p = gt + 1;
	/* Either the line ends after '>' or one space and a non-empty reason. */
	if (p < end && (*p != ' ' || p + 1 == end))
		return perr(e, l, "malformed recipient reason");
	if (p < end && (size_t)(end - p - 1) >= SPOOL_REASON_MAX)
		return perr(e, l, "recipient reason too long");
	if (p < end && !env_text_ok(p + 1, (size_t)(end - p - 1)))
		return perr(e, l, "recipient reason not printable");
	if (env->nrcpt >= SPOOL_RCPT_MAX)
		return perr(e, l, "too many recipients");
	if (env_rcpt_append(env, addr, cap, e) < 0)
		return perr(e, l, "invalid recipient address");
	r = &env->rcpt[env->nrcpt - 1];
	r->state = st;
	r->attempts = (unsigned)att;
	r->next_try = next;
	if (p < end) {
		memcpy(r->reason, p + 1, (size_t)(end - p - 1));
		r->reason[end - p - 1] = '\0';
	}
	return 0;
}

static int parse_line(const struct pline *l, struct envelope *env,
    uint32_t *seen, size_t *cap, struct op_err *e)
{
	char shown[64];
	size_t i;

	if (l->klen == 4 && memcmp(l->key, "rcpt", 4) == 0)
		return parse_rcpt(l, env, cap, e);
	for (i = 0; i < env_nkeys; i++) {
		if (strlen(env_keys[i].key) != l->klen ||
		    memcmp(env_keys[i].key, l->key, l->klen) != 0)
			continue;
		if (*seen & (UINT32_C(1) << i))
			return perr(e, l, "duplicate key");
		*seen |= UINT32_C(1) << i;
		if (parse_value(&env_keys[i], l, env) < 0)
			return op_errf(e, OP_DATA, "envelope line %u: bad %s "
			    "value", l->no, env_keys[i].key);
		return 0;
	}
	printable(shown, sizeof(shown), l->key, l->klen);
	return op_errf(e, OP_DATA, "envelope line %u: unknown key \"%s\"",
	    l->no, shown);
}

/* Split buf[pos..] into one "key: value" line; 1 = blank line (end). */
static int split_line(const char *buf, size_t len, size_t *pos,
    struct pline *l, struct op_err *e)
{
	size_t room = len - *pos, n;
	const char *s = buf + *pos, *nl, *colon;

	nl = memchr(s, '\n', room < SPOOL_LINE_MAX ? room : SPOOL_LINE_MAX);
	if (nl == NULL)
		return room < SPOOL_LINE_MAX ? perr(e, l, "header not ended "
		    "by a blank line") : perr(e, l, "line too long");
	n = (size_t)(nl - s);
	*pos += n + 1;
	if (n == 0)
		return 1;
	/* CR and NUL are never written by us: their presence is damage. */
	if (memchr(s, '\r', n) != NULL || memchr(s, '\0', n) != NULL)
		return perr(e, l, "control byte in line");
	colon = memchr(s, ':', n);
	if (colon == NULL || colon == s || (size_t)(colon - s) + 1 >= n ||
	    colon[1] != ' ')
		return perr(e, l, "not a \"key: value\" line");
	l->key = s;
	l->klen = (size_t)(colon - s);
	l->val = colon + 2;
	l->vlen = n - l->klen - 2;
	return 0;
}

static int parse_version(const char *buf, size_t len, size_t *pos,
    struct op_err *e)
{
	struct pline l = { NULL, NULL, 0, 0, 1 };
	int r = split_line(buf, len, pos, &l, e);

	if (r != 0 || l.klen != 7 || memcmp(l.key, "version", 7) != 0)
		return r < 0 ? -1 : perr(e, &l, "first line is not version");
	/* Exactly "1": a later format must be refused, not half-read. */
	if (l.vlen != 1 || l.val[0] != '1')
		return perr(e, &l, "unsupported envelope version");
	return 0;
}

int envelope_parse(const char *buf, size_t len, struct envelope *env,
    size_t *consumed, struct op_err *e)
{
	uint32_t seen = 0;
	size_t pos = 0, cap = 0;
	unsigned no = 1;

	envelope_init(env);
	if (parse_version(buf, len, &pos, e) < 0)
		goto fail;
	for (;;) {
		struct pline l = { NULL, NULL, 0, 0, ++no };
		int r = split_line(buf, len, &pos, &l, e);

		if (r < 0 || (r == 0 && parse_line(&l, env, &seen, &cap, e) < 0))
			goto fail;
		if (r == 1)
			break;
	}
	if (env_keys_check(env, seen) < 0) {
		op_errf(e, OP_DATA, "envelope: missing, empty or inconsistent "
		    "keys");
		goto fail;
	}
	*consumed = pos;
	return 0;
fail:
	envelope_free(env);
	return -1;
}
