/*
 * The envelope in memory: init/free, recipients, and the value rules and
 * key table that envelope_format.c and envelope_parse.c share, so the two
 * directions cannot drift apart.  Pure: no I/O.
 */
#include "spool/spool_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/printable.h"

#define HEXDIGITS "0123456789abcdef"
#define FIELD(f) offsetof(struct envelope, f), sizeof(((struct envelope *)0)->f)

/* Written in this order; "version" and "rcpt" lines are handled apart.
 * "id" must stay first: commit rewrites it in place (ENV_ID_OFF). */
const struct env_key env_keys[] = {
	{ "id", EK_QID, FIELD(id), NULL, ENV_REQ },
	{ "arrival", EK_TIME, FIELD(arrival), NULL, ENV_REQ },
	{ "sender", EK_ADDR, FIELD(sender), NULL, ENV_REQ },
	{ "subject", EK_TEXT, FIELD(subject), NULL, ENV_REQ },
	{ "message-id", EK_TEXT, FIELD(message_id), NULL, ENV_REQ },
	{ "notify", EK_TOKEN, FIELD(dsn_notify),
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz,", ENV_REQ },
	{ "ret", EK_TOKEN, FIELD(dsn_ret),
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", ENV_REQ },
	/* envid: NULL charset = bytes 0x21..0x7e */
	{ "envid", EK_TOKEN, FIELD(envid), NULL, ENV_REQ },
	{ "body-8bit", EK_BOOL, FIELD(body_8bit), NULL, ENV_REQ },
	{ "smtputf8", EK_BOOL, FIELD(smtputf8), NULL, ENV_REQ },
	{ "bounce", EK_BOOL, FIELD(is_bounce), NULL, ENV_REQ },
	{ "attempts", EK_UINT, FIELD(attempts), NULL, ENV_REQ },
	{ "last-try", EK_TIME, FIELD(last_try), NULL, ENV_REQ },
	{ "next-try", EK_TIME, FIELD(next_try), NULL, ENV_REQ },
	{ "in-flight", EK_BOOL, FIELD(in_flight), NULL, ENV_REQ },
	{ "possibly-delivered", EK_BOOL, FIELD(possibly_delivered), NULL,
	    ENV_REQ },
	/* Optional keys: added later, absent from older envelopes. */
	{ "series", EK_TOKEN, FIELD(series), HEXDIGITS, ENV_OPT_SET },
	{ "series-copy", EK_TOKEN, FIELD(series_copy), HEXDIGITS,
	    ENV_OPT_SERIES },
	{ "series-k", EK_UINT, FIELD(series_k), NULL, ENV_OPT_SERIES },
	{ "series-n", EK_UINT, FIELD(series_n), NULL, ENV_OPT_SERIES },
	{ "series-cover", EK_BOOL, FIELD(series_cover), NULL, ENV_OPT_SET },
	{ "held", EK_TEXT, FIELD(held), NULL, ENV_OPT_SET },
	{ "released", EK_BOOL, FIELD(released), NULL, ENV_OPT_SET },
	{ "digest", EK_TOKEN, FIELD(digest), HEXDIGITS, ENV_OPT_SET },
	/* Expiry and the failed state (spool/README.md "Failed state"). */
	{ "reached", EK_TIME, FIELD(reached), NULL, ENV_OPT_SET },
	{ "warned", EK_BOOL, FIELD(warned), NULL, ENV_OPT_SET },
	{ "failed", EK_TIME, FIELD(failed), NULL, ENV_OPT_SET },
	/* The config account chosen at enqueue from the sender. */
	{ "account", EK_TOKEN, FIELD(account), "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", ENV_OPT_SET },
};
const size_t env_nkeys = sizeof(env_keys) / sizeof(env_keys[0]);

/* 1 when key k is left out of env's text form (an optional key not set). */
int env_key_omitted(const struct env_key *k, const struct envelope *env)
{
	const char *f = (const char *)env + k->off;

	switch (k->opt) {
	case ENV_REQ:
		return 0;
	case ENV_OPT_SERIES:
		return env->series[0] == '\0';
	case ENV_OPT_SET:
		break;
	}
	if (k->kind == EK_BOOL || k->kind == EK_UINT)
		return *(const int *)(const void *)f == 0;
	if (k->kind == EK_TIME)
		return *(const int64_t *)(const void *)f == 0;
	return f[0] == '\0';
}

/* After parsing: every required key seen, optional ones only in their
 * set spelling, and a series member's keys complete and consistent. */
int env_keys_check(const struct envelope *env, uint32_t seen)
{
	size_t i;

	for (i = 0; i < env_nkeys; i++) {
		int have = (seen & (UINT32_C(1) << i)) != 0;

		if (have == env_key_omitted(&env_keys[i], env))
			return -1;
	}
	if (env->series[0] == '\0')
		return 0;
	return strlen(env->series) == SPOOL_SERIES_KEY - 1 &&
	    strlen(env->series_copy) == SPOOL_SERIES_KEY - 1 &&
	    env->series_n >= 2 && env->series_n <= SPOOL_SERIES_MAX &&
	    env->series_k <= env->series_n ? 0 : -1;
}

static const char *const state_names[] = {
	[RCPT_PENDING] = "pending", [RCPT_DEFERRED] = "deferred",
	[RCPT_FAILED] = "failed", [RCPT_DELIVERED] = "delivered",
};

void envelope_init(struct envelope *env)
{
	memset(env, 0, sizeof(*env));
	env->version = 1;
	env->rcpt = NULL;
}

void envelope_free(struct envelope *env)
{
	free(env->rcpt);
	env->rcpt = NULL;
	env->nrcpt = 0;
}

/* Text fields hold exactly what printable() would leave unchanged: valid
 * UTF-8, no C0/C1 controls, no DEL, hence single-line and terminal-safe. */
int env_text_ok(const char *s, size_t len)
{
	char tmp[SPOOL_LINE_MAX + 1];
	size_t i;

	if (len >= sizeof(tmp))
		return 0;
	/* Printable ASCII is what printable() never changes: the common
	 * case is settled without the copy (mailq parses every header). */
	for (i = 0; i < len && s[i] >= 0x20 && s[i] < 0x7f; i++)
		;
	if (i == len)
		return 1;
	if (memchr(s, '\0', len) != NULL)
		return 0;
	printable(tmp, sizeof(tmp), s, len);
	return strlen(tmp) == len && memcmp(tmp, s, len) == 0;
}

int env_token_ok(const char *s, size_t len, const char *charset)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (charset != NULL ? (c == '\0' || strchr(charset, c) == NULL)
		    : (c < 0x21 || c > 0x7e))
			return 0;
	}
	return 1;
}

int envelope_addr_ok(const char *addr)
{
	size_t i, len = strnlen(addr, SPOOL_ADDR_MAX);

	if (len >= SPOOL_ADDR_MAX)
		return 0;
	/* No spaces or brackets: the address is delimited by <...> on a
	 * recipient line, with the free-text reason after it. */
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)addr[i];

		if (c <= 0x20 || c == 0x7f || c == '<' || c == '>')
			return 0;
	}
	return env_text_ok(addr, len);
}

const char *env_state_name(enum rcpt_state st)
{
	if ((unsigned)st >= sizeof(state_names) / sizeof(state_names[0]))
		return NULL;
	return state_names[st];
}

int env_state_parse(const char *s, size_t len, enum rcpt_state *st)
{
	size_t i;

	for (i = 0; i < sizeof(state_names) / sizeof(state_names[0]); i++) {
		if (strlen(state_names[i]) == len &&
		    memcmp(state_names[i], s, len) == 0) {
			*st = (enum rcpt_state)i;
			return 0;
		}
	}
	return -1;
}

/* Room for one more recipient.  With cap == NULL (the public path) the
 * array grows to exactly nrcpt + 1: callers may hand us an exactly-sized
 * array of their own.  The parser tracks its own capacity and doubles. */
static int rcpt_grow(struct envelope *env, size_t *cap)
{
	size_t want = env->nrcpt + 1;
	struct env_rcpt *p;

	if (cap != NULL && env->nrcpt < *cap)
		return 0;
	if (cap != NULL) {
		want = *cap ? *cap * 2 : 8;
		if (want > SPOOL_RCPT_MAX)
			want = SPOOL_RCPT_MAX;
	}
	p = realloc(env->rcpt, want * sizeof(*p));
	if (p == NULL)
		return -1;
	env->rcpt = p;
	if (cap != NULL)
		*cap = want;
	return 0;
}

int env_rcpt_append(struct envelope *env, const char *addr, size_t *cap,
    struct op_err *e)
{
	struct env_rcpt *r;

	if (addr[0] == '\0' || !envelope_addr_ok(addr))
		return op_errf(e, OP_DATA, "invalid recipient address");
	if (env->nrcpt >= SPOOL_RCPT_MAX)
		return op_errf(e, OP_DATA, "too many recipients (at most %d)",
		    SPOOL_RCPT_MAX);
	if (rcpt_grow(env, cap) < 0)
		return op_errnof(e, OP_TEMP, "out of memory");
	r = &env->rcpt[env->nrcpt++];
	memset(r, 0, sizeof(*r));
	memcpy(r->addr, addr, strlen(addr) + 1);
	r->state = RCPT_PENDING;
	return 0;
}

int envelope_add_rcpt(struct envelope *env, const char *addr,
    struct op_err *e)
{
	return env_rcpt_append(env, addr, NULL, e);
}
