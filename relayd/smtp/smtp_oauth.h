/*
 * The wire formats of the OAuth 2.0 SASL mechanisms, as pure functions (no
 * I/O, exact bytes, unit-tested and fuzzed): the initial client responses of
 * XOAUTH2 (Google's) and OAUTHBEARER (RFC 7628), and the server's error
 * challenge.  smtp_oauth_auth.c runs them in a session.
 */
#ifndef OUTPOST_SMTP_OAUTH_H
#define OUTPOST_SMTP_OAUTH_H

#include <stddef.h>

/* "user=U\x01auth=Bearer T\x01\x01" into out; *n = its length (no NUL
 * counted).  -1 when it does not fit or a value holds a control byte. */
int smtp_oauth_xoauth2(const char *user, const char *token, char *out,
    size_t outlen, size_t *n);
/* "n,a=U,\x01host=H\x01port=P\x01auth=Bearer T\x01\x01", with ',' and '='
 * of U escaped as =2C and =3D (RFC 5801 saslname).  -1 as above. */
int smtp_oauth_bearer(const char *user, const char *host, unsigned port,
    const char *token, char *out, size_t outlen, size_t *n);

/* Longest error text kept from a challenge (decoded, made printable). */
#define SMTP_OAUTH_ERR_MAX	400

/* The error a server puts in a 334 challenge after refusing a token (a
 * JSON object such as {"status":"invalid_token",...}, RFC 7628 3.2.2),
 * from its base64 text b64[0, len): decoded, every control byte and
 * invalid UTF-8 sequence made '?', cut to fit out (ending "..." when cut).
 * 0, or -1 when b64 is not base64 (out then says so, in our words). */
int smtp_oauth_challenge(const char *b64, size_t len, char *out,
    size_t outlen);

#endif
