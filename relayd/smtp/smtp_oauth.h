/*
 * The initial client responses of the OAuth 2.0 SASL mechanisms, built as
 * pure functions (no I/O, exact bytes, unit-tested): XOAUTH2 (Google's)
 * and OAUTHBEARER (RFC 7628).  Not yet used by a session (issue 11).
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

#endif
