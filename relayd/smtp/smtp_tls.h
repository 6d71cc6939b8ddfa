/*
 * TLS policy for the smarthost session: context (TLS >= 1.2, trust store),
 * per-connection name check and SNI, and the decision after the handshake
 * (pin, else chain + host name).  Verification is never optional.
 */
#ifndef OUTPOST_SMTP_TLS_H
#define OUTPOST_SMTP_TLS_H

#include <stddef.h>

#include <openssl/ssl.h>

#include "conf/conf.h"
#include "relayd/smtp/smtp.h"

/* Client context: TLS >= 1.2, tls_ca_file or the system store. */
SSL_CTX *smtp_tls_ctx(const struct conf *c, char *err, size_t errlen);
/* One connection: the name to verify is tls_server_name or host; an IP
 * literal is checked against IP SANs and sent without SNI. */
SSL *smtp_tls_ssl(SSL_CTX *ctx, const struct conf *c, char *err,
    size_t errlen);
/* The name the certificate must match (tls_server_name, else host). */
const char *smtp_tls_name(const struct conf *c);
/* After the handshake, before any SMTP byte: fill the TLS fields of *info
 * and accept or refuse the peer.  With a pin, the pin alone decides (sha256
 * of the certificate DER or of its SubjectPublicKeyInfo DER); without one,
 * the chain must verify to a trusted CA and match the name.  -1 with a
 * reason naming host, subject, issuer and both pins. */
int smtp_tls_check(SSL *ssl, const struct conf *c, struct smtp_info *info,
    char *err, size_t errlen);
/* "sha256:HEX" of 32 bytes into out (>= 72 bytes). */
void smtp_tls_pin_text(const unsigned char *d, char *out, size_t outlen);

#endif
