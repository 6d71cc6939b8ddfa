/*
 * Transfer decoding into a lint_text buffer: quoted-printable (soft breaks
 * joined, =XX decoded, a map from decoded line to wire line kept for
 * reporting) and base64 (junk skipped).  Output is capped at
 * LINT_MAX_DECODED; invalid input never fails, it decodes as well as it can.
 */
#include "lint/lint_int.h"

#include <stdlib.h>
#include <string.h>

static int reserve(struct lint_text *t, size_t add)
{
	size_t need, cap;
	char *b;

	if (t->len + add <= t->cap)
		return 0;
	need = t->len + add;
	cap = t->cap ? t->cap : 4096;
	while (cap < need)
		cap *= 2;
	b = realloc(t->buf, cap);
	if (!b)
		return -1;
	t->buf = b;
	t->cap = cap;
	return 0;
}

/* Append bytes, silently stopping at the decoded-size cap. */
int lint_text_put(struct lint_text *t, const char *s, size_t n)
{
	if (t->len + n > LINT_MAX_DECODED) {
		n = LINT_MAX_DECODED - t->len;
		t->truncated = 1;
	}
	if (n == 0)
		return 0;
	if (reserve(t, n) != 0)
		return -1;
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	return 0;
}

static int map_add(struct lint_text *t, uint32_t wire_line)
{
	if (t->nmap == t->cap_map) {
		size_t cap = t->cap_map ? t->cap_map * 2 : 256;
		uint32_t *v;

		if (t->nmap >= LINT_MAX_LINES + 1)
			return 0;
		v = realloc(t->map, cap * sizeof(*v));
		if (!v)
			return -1;
		t->map = v;
		t->cap_map = cap;
	}
	t->map[t->nmap++] = wire_line;
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decode one wire line (no EOL) into out; returns 1 for a soft break. */
static int qp_line(const char *s, size_t n, char *out, size_t *olen)
{
	size_t o = 0;
	int soft = 0;

	n = lint_str_rtrim(s, n);	/* transport padding is not content */
	if (n > 0 && s[n - 1] == '=') {
		soft = 1;
		n--;
	}
	for (size_t i = 0; i < n; i++) {
		int h, l;

		if (s[i] == '=' && i + 2 < n &&
		    (h = hexval((unsigned char)s[i + 1])) >= 0 &&
		    (l = hexval((unsigned char)s[i + 2])) >= 0) {
			out[o++] = (char)(h * 16 + l);
			i += 2;
		} else
			out[o++] = s[i];
	}
	*olen = o;
	return soft;
}

int lint_decode_qp(const char *in, size_t n, struct lint_text *t)
{
	size_t i = 0;
	uint32_t wl = 0;

	if (map_add(t, 0) != 0 || reserve(t, n < LINT_MAX_DECODED ? n : 0) != 0)
		return -1;
	while (i < n && !t->truncated) {
		const char *nl = memchr(in + i, '\n', n - i);
		size_t len = nl ? (size_t)(nl - (in + i)) : n - i;
		size_t olen;
		int soft;

		if (reserve(t, len + 1) != 0)
			return -1;
		soft = qp_line(in + i, len, t->buf + t->len, &olen);
		if (t->len + olen > LINT_MAX_DECODED) {
			t->truncated = 1;
			break;
		}
		t->len += olen;
		i += len + 1;
		wl++;
		if (!soft && nl) {
			if (lint_text_put(t, "\n", 1) != 0 || map_add(t, wl) != 0)
				return -1;
		}
	}
	return 0;
}

static int b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int lint_decode_b64(const char *in, size_t n, struct lint_text *t)
{
	uint32_t acc = 0;
	int bits = 0;

	if (reserve(t, (n / 4) * 3 + 4 < LINT_MAX_DECODED ?
	    (n / 4) * 3 + 4 : LINT_MAX_DECODED) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int v = b64val((unsigned char)in[i]);

		if (v < 0)
			continue;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			char c;

			bits -= 8;
			c = (char)((acc >> bits) & 0xff);
			if (t->len >= LINT_MAX_DECODED) {
				t->truncated = 1;
				break;
			}
			if (reserve(t, 1) != 0)
				return -1;
			t->buf[t->len++] = c;
		}
	}
	return 0;
}
