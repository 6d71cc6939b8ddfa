/*
 * Charset step of the decode pipeline: bring the decoded body to UTF-8
 * with iconv (iso-8859-*, windows-125x, utf-7, ...).  An unknown charset
 * leaves the bytes as they are and is flagged for the `charset` rule;
 * invalid sequences become '?'.  Never changes the locale.
 */
#include "lint/lint_int.h"

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

static const char *const utf8ish[] = {
	"", "us-ascii", "ascii", "utf-8", "utf8", "ansi_x3.4-1968",
	"iso646-us", "us", NULL
};

int lint_charset_is_utf8ish(const char *cs)
{
	for (size_t i = 0; utf8ish[i]; i++)
		if (strcmp(cs, utf8ish[i]) == 0)
			return 1;
	return 0;
}

/* Run iconv over the buffer into a new one of at most LINT_MAX_DECODED
 * bytes (the rest is cut: memory stays bounded when a one-byte charset
 * grows to UTF-8); returns the new length or (size_t)-1 on allocation
 * failure. */
static size_t convert(iconv_t cd, const char *in, size_t n, char **outp,
    int *cut)
{
	size_t cap = n * 3 + 64 < LINT_MAX_DECODED + 64 ?
	    n * 3 + 64 : LINT_MAX_DECODED + 64, o = 0;
	char *out = malloc(cap);
	char *ip;
	size_t il = n;

	if (!out)
		return (size_t)-1;
	/* iconv's prototype wants char **; it never writes through it */
	memcpy(&ip, &in, sizeof(ip));
	while (il > 0) {
		char *op = out + o;
		size_t ol = cap - o - 8;
		size_t r = iconv(cd, &ip, &il, &op, &ol);

		o = (size_t)(op - out);
		if (r != (size_t)-1)
			break;
		if (errno == E2BIG && cap >= LINT_MAX_DECODED) {
			*cut = 1;
			break;
		}
		if (errno == E2BIG) {
			size_t nc = cap * 2 < LINT_MAX_DECODED + 64 ?
			    cap * 2 : LINT_MAX_DECODED + 64;
			char *nb = realloc(out, nc);

			if (!nb) {
				free(out);
				return (size_t)-1;
			}
			out = nb;
			cap = nc;
			continue;
		}
		/* EILSEQ / EINVAL: show one '?' and skip the byte */
		out[o++] = '?';
		ip++;
		il--;
		iconv(cd, NULL, NULL, NULL, NULL);
	}
	*outp = out;
	return o;
}

int lint_charset_to_utf8(struct lint_text *t, const char *cs)
{
	iconv_t cd;
	char *nb = NULL;
	size_t n;

	if (lint_charset_is_utf8ish(cs))
		return 0;
	cd = iconv_open("UTF-8", cs);
	if (cd == (iconv_t)-1) {
		t->charset_unknown = 1;
		return 0;
	}
	n = convert(cd, t->buf ? t->buf : "", t->len, &nb, &t->truncated);
	iconv_close(cd);
	if (n == (size_t)-1)
		return -1;
	if (n > LINT_MAX_DECODED) {
		n = LINT_MAX_DECODED;
		t->truncated = 1;
	}
	free(t->buf);
	t->buf = nb;
	t->len = n;
	t->cap = n;
	return 0;
}
