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
#include "util/ascii8.h"

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

/* Charsets whose bytes below 0x80 are ASCII and only ever ASCII: text
 * without a byte over 0x7f reads the same in UTF-8 (not UTF-7, UTF-16,
 * ISO-2022-*, which encode with ASCII bytes). */
static int ascii_superset(const char *cs)
{
	static const char *const pfx[] = {
		"iso-8859-", "iso8859-", "windows-", "cp12", "koi8-", "euc-",
		"gb", "big5", "latin", NULL
	};

	for (size_t i = 0; pfx[i]; i++)
		if (strncmp(cs, pfx[i], strlen(pfx[i])) == 0)
			return 1;
	return 0;
}

/* ISO-8859-1 is the common case and maps byte to code point: no iconv
 * module to load for it (iconv_open costs more than the conversion). */
static size_t latin1(const char *in, size_t n, char **outp, int *cut)
{
	size_t cap = n * 2 < LINT_MAX_DECODED ? n * 2 : LINT_MAX_DECODED, o = 0;
	char *out = malloc(cap ? cap : 1);

	if (!out)
		return (size_t)-1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];

		if (o + 2 > cap) {
			*cut = 1;
			break;
		}
		if (c < 0x80)
			out[o++] = (char)c;
		else {
			out[o++] = (char)(0xC0 | (c >> 6));
			out[o++] = (char)(0x80 | (c & 0x3F));
		}
	}
	*outp = out;
	return o;
}

/* The converted text in *nb: its length, (size_t)-1 on allocation
 * failure, (size_t)-2 when iconv does not know cs. */
static size_t to_utf8(const char *in, size_t n, const char *cs, char **nb,
    int *cut)
{
	iconv_t cd;
	size_t r;

	if (strcmp(cs, "iso-8859-1") == 0 || strcmp(cs, "latin1") == 0)
		return latin1(in, n, nb, cut);
	cd = iconv_open("UTF-8", cs);
	if (cd == (iconv_t)-1)
		return (size_t)-2;
	r = convert(cd, in, n, nb, cut);
	iconv_close(cd);
	return r;
}

int lint_charset_to_utf8(struct lint_text *t, const char *cs)
{
	const char *in = t->buf ? t->buf : "";
	char *nb = NULL;
	size_t n;

	if (lint_charset_is_utf8ish(cs) || (ascii_superset(cs) &&
	    !mem_has_8bit(in, t->len)))
		return 0;
	n = to_utf8(in, t->len, cs, &nb, &t->truncated);
	if (n == (size_t)-2) {
		t->charset_unknown = 1;
		return 0;
	}
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
