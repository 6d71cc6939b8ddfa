/*
 * OAuth 2.0 wire formats (see smtp_oauth.h).  Values are checked before
 * they are joined: a \x01 (the field separator) or any other control byte
 * in a user name or token would let it forge fields.  The server's error
 * challenge is untrusted: strict base64, bounded, made printable.
 */
#include "relayd/smtp/smtp_oauth.h"

#include <stdio.h>
#include <string.h>

#include "util/printable.h"

static int clean(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/* Append n bytes of s at *o; 0, or -1 when out is full. */
static int put(char *out, size_t outlen, size_t *o, const char *s, size_t n)
{
	if (n >= outlen - *o)
		return -1;
	memcpy(out + *o, s, n);
	*o += n;
	out[*o] = '\0';
	return 0;
}

static int puts0(char *out, size_t outlen, size_t *o, const char *s)
{
	return put(out, outlen, o, s, strlen(s));
}

int smtp_oauth_xoauth2(const char *user, const char *token, char *out,
    size_t outlen, size_t *n)
{
	size_t o = 0;

	if (outlen == 0 || !clean(user) || !clean(token) ||
	    puts0(out, outlen, &o, "user=") < 0 ||
	    puts0(out, outlen, &o, user) < 0 ||
	    puts0(out, outlen, &o, "\001auth=Bearer ") < 0 ||
	    puts0(out, outlen, &o, token) < 0 ||
	    puts0(out, outlen, &o, "\001\001") < 0)
		return -1;
	*n = o;
	return 0;
}

/* The user as an RFC 5801 saslname. */
static int put_saslname(char *out, size_t outlen, size_t *o, const char *u)
{
	for (; *u != '\0'; u++) {
		const char *e = *u == ',' ? "=2C" : *u == '=' ? "=3D" : NULL;

		if ((e != NULL ? puts0(out, outlen, o, e) :
		    put(out, outlen, o, u, 1)) < 0)
			return -1;
	}
	return 0;
}

int smtp_oauth_bearer(const char *user, const char *host, unsigned port,
    const char *token, char *out, size_t outlen, size_t *n)
{
	char num[16];
	size_t o = 0;

	snprintf(num, sizeof(num), "%u", port);
	if (outlen == 0 || !clean(user) || !clean(host) || !clean(token) ||
	    puts0(out, outlen, &o, "n,a=") < 0 ||
	    put_saslname(out, outlen, &o, user) < 0 ||
	    puts0(out, outlen, &o, ",\001host=") < 0 ||
	    puts0(out, outlen, &o, host) < 0 ||
	    puts0(out, outlen, &o, "\001port=") < 0 ||
	    puts0(out, outlen, &o, num) < 0 ||
	    puts0(out, outlen, &o, "\001auth=Bearer ") < 0 ||
	    puts0(out, outlen, &o, token) < 0 ||
	    puts0(out, outlen, &o, "\001\001") < 0)
		return -1;
	*n = o;
	return 0;
}

/* The 6-bit value of a base64 digit, or -1. */
static int b64_value(unsigned char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	return ch == '+' ? 62 : ch == '/' ? 63 : -1;
}

/* Strict base64 (RFC 4648 alphabet, '=' only as the final one or two
 * characters, length a multiple of 4 when padded).  The first bufmax
 * decoded bytes go to buf; *n counts them, *cut says more followed. */
static int b64_decode(const char *in, size_t len, unsigned char *buf,
    size_t bufmax, size_t *n, int *cut)
{
	size_t i, pad = 0, o = 0;
	unsigned acc = 0, bits = 0;

	*cut = 0;
	while (pad < 2 && pad < len && in[len - 1 - pad] == '=')
		pad++;
	if (pad > 0 && len % 4 != 0)
		return -1;
	for (i = 0; i < len - pad; i++) {
		int v = b64_value((unsigned char)in[i]);

		if (v < 0)
			return -1;
		acc = (acc << 6 | (unsigned)v) & 0xffffff;
		bits += 6;
		if (bits < 8)
			continue;
		bits -= 8;
		if (o < bufmax)
			buf[o++] = (unsigned char)(acc >> bits);
		else
			*cut = 1;
	}
	/* Left-over bits must be the zero padding of the last group; one
	 * lone character (6 bits) is never valid base64. */
	if (bits >= 6 || (acc & ((1u << bits) - 1)) != 0)
		return -1;
	*n = o;
	return 0;
}

/* End out (holding a string of strlen < outlen) with "...", on a UTF-8
 * character boundary. */
static void mark_cut(char *out, size_t outlen)
{
	size_t at = strlen(out);

	if (outlen < 4)
		return;
	if (at + 4 > outlen)
		at = outlen - 4;
	while (at > 0 && ((unsigned char)out[at] & 0xc0) == 0x80)
		at--;
	memcpy(out + at, "...", 4);
}

int smtp_oauth_challenge(const char *b64, size_t len, char *out,
    size_t outlen)
{
	/* printable() never makes text longer than its input. */
	unsigned char raw[SMTP_OAUTH_ERR_MAX] = { 0 };
	char shown[SMTP_OAUTH_ERR_MAX + 1];
	size_t n = 0;
	int cut = 0;

	if (outlen == 0)
		return -1;
	if (b64_decode(b64, len, raw, sizeof(raw), &n, &cut) < 0) {
		snprintf(out, outlen, "(not base64)");
		return -1;
	}
	printable(shown, sizeof(shown), (const char *)raw, n);
	n = strlen(shown);
	if (n >= outlen)
		cut = 1;
	n = n < outlen ? n : outlen - 1;
	memcpy(out, shown, n);
	out[n] = '\0';
	if (cut)
		mark_cut(out, outlen);
	return 0;
}
