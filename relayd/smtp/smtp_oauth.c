/*
 * OAuth 2.0 initial client responses (see smtp_oauth.h).  Values are
 * checked before they are joined: a \x01 (the field separator) or any other
 * control byte in a user name or token would let it forge fields.
 */
#include "relayd/smtp/smtp_oauth.h"

#include <stdio.h>
#include <string.h>

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
