/*
 * smtp_caps_parse(): EHLO keywords from an accepted 250 reply into flags.
 * Bounded (fixed buffers, truncation is harmless: unknown = not offered)
 * and never carried across STARTTLS: the caller zeroes the set first.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "relayd/smtp/smtp_session.h"
#include "util/parse.h"
#include "util/printable.h"

/* Append a printable copy of s[0, n) + sep to dst, if it fits entirely. */
static void add_word(char *dst, size_t dstlen, const char *s, size_t n)
{
	size_t have = strlen(dst);
	char tmp[256];

	if (n >= sizeof(tmp))
		return;
	printable(tmp, sizeof(tmp), s, n);
	if (have + strlen(tmp) + 2 > dstlen)
		return;
	snprintf(dst + have, dstlen - have, "%s%s", have ? " " : "", tmp);
}

static int kw_is(const char *kw, size_t kwlen, const char *name)
{
	return strlen(name) == kwlen && strncasecmp(kw, name, kwlen) == 0;
}

/* "AUTH PLAIN LOGIN" (and the old "AUTH=PLAIN LOGIN"): keep the list. */
static void auth_list(struct smtp_caps *caps, const char *args, size_t n)
{
	caps->auth = 1;
	if (caps->auth_mechs[0] == '\0')
		add_word(caps->auth_mechs, sizeof(caps->auth_mechs), args, n);
}

static void one_keyword(struct smtp_caps *caps, const char *t, size_t n)
{
	size_t kl = 0, ai;

	while (kl < n && t[kl] != ' ' && t[kl] != '=')
		kl++;
	ai = kl < n ? kl + 1 : n;
	add_word(caps->keywords, sizeof(caps->keywords), t, kl);
	if (kw_is(t, kl, "STARTTLS"))
		caps->starttls = 1;
	else if (kw_is(t, kl, "PIPELINING"))
		caps->pipelining = 1;
	else if (kw_is(t, kl, "8BITMIME"))
		caps->eightbit = 1;
	else if (kw_is(t, kl, "SMTPUTF8"))
		caps->smtputf8 = 1;
	else if (kw_is(t, kl, "CHUNKING"))
		caps->chunking = 1;
	else if (kw_is(t, kl, "DSN"))
		caps->dsn = 1;
	else if (kw_is(t, kl, "AUTH"))
		auth_list(caps, t + ai, n - ai);
	else if (kw_is(t, kl, "SIZE")) {
		uint64_t v = 0;

		caps->has_size = 1;
		if (ai < n && parse_uint(t + ai, n - ai, 0, UINT64_MAX, &v) == 0)
			caps->size_max = v;
	}
}

void smtp_caps_parse(struct smtp_caps *caps, const char *raw,
    const struct smtp_reply *r)
{
	size_t pos = 0, n;
	const char *t;
	int first = 1;

	caps->ehlo = 1;
	while (smtp_reply_line(raw, r->consumed, &pos, &t, &n) == 1) {
		if (first) {	/* the server's name and greeting text */
			first = 0;
			continue;
		}
		one_keyword(caps, t, n);
	}
}
