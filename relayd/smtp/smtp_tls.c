/*
 * smtp_tls_*: TLS policy for the one smarthost.  TLS >= 1.2, a trust store,
 * host name (or IP) check, SNI, optional sha256 pin.  It never disables
 * verification and never lets a failed check through to the SMTP layer.
 */
#include "relayd/smtp/smtp_tls.h"

#include <arpa/inet.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "util/printable.h"

static void ssl_err(const char *what, char *err, size_t errlen)
{
	char buf[200] = "unknown error";
	unsigned long e = ERR_get_error();

	if (e != 0 && ERR_reason_error_string(e) != NULL)
		snprintf(buf, sizeof(buf), "%s", ERR_reason_error_string(e));
	else if (e != 0)
		ERR_error_string_n(e, buf, sizeof(buf));
	snprintf(err, errlen, "%s: %s", what, buf);
	ERR_clear_error();
}

SSL_CTX *smtp_tls_ctx(const struct conf *c, char *err, size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL) {
		ssl_err("TLS context", err, errlen);
		return NULL;
	}
	/* Older protocols are refused outright: a TLS 1.0/1.1-only server
	 * fails the handshake instead of being accepted with weak crypto. */
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1)
		goto bad;
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION |
	    SSL_OP_NO_RENEGOTIATION);
	if (c->tls_ca_file[0] != '\0') {
		if (SSL_CTX_load_verify_locations(ctx, c->tls_ca_file,
		    NULL) != 1) {
			char what[PATH_MAX + 32];

			snprintf(what, sizeof(what), "cannot load tls_ca_file "
			    "%s", c->tls_ca_file);
			ssl_err(what, err, errlen);
			SSL_CTX_free(ctx);
			return NULL;
		}
	} else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
		goto bad;
	}
	/* VERIFY_NONE only defers the decision: OpenSSL still verifies the
	 * chain and name during the handshake and records the result, and
	 * smtp_tls_check() refuses the peer before a single SMTP byte is
	 * exchanged.  This lets a pin accept a self-signed certificate. */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	return ctx;
bad:
	ssl_err("TLS context", err, errlen);
	SSL_CTX_free(ctx);
	return NULL;
}

const char *smtp_tls_name(const struct conf *c)
{
	return c->tls_server_name[0] != '\0' ? c->tls_server_name : c->host;
}

static int is_ip(const char *s)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, s, buf) == 1 ||
	    inet_pton(AF_INET6, s, buf) == 1;
}

SSL *smtp_tls_ssl(SSL_CTX *ctx, const struct conf *c, char *err,
    size_t errlen)
{
	const char *name = smtp_tls_name(c);
	SSL *ssl = SSL_new(ctx);
	X509_VERIFY_PARAM *vp;
	int ok;

	if (ssl == NULL) {
		ssl_err("TLS session", err, errlen);
		return NULL;
	}
	/* Take whatever the socket holds in one read: a window's replies
	 * come as many small records, each two reads (header, body)
	 * without it.  A wait happens only on WANT_READ, i.e. when nothing
	 * complete is buffered, so poll() on the socket stays right. */
	SSL_set_read_ahead(ssl, 1);
	vp = SSL_get0_param(ssl);
	X509_VERIFY_PARAM_set_hostflags(vp,
	    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (is_ip(name)) {
		/* RFC 6066: no SNI for address literals; match IP SANs. */
		ok = X509_VERIFY_PARAM_set1_ip_asc(vp, name) == 1;
	} else {
		/* A writable copy: the SNI macro casts away const (OpenSSL
		 * copies the name). */
		char sni[CONF_HOST_MAX];

		snprintf(sni, sizeof(sni), "%s", name);
		ok = SSL_set1_host(ssl, name) == 1 &&
		    SSL_set_tlsext_host_name(ssl, sni) == 1;
	}
	if (!ok) {
		ssl_err("TLS name setup", err, errlen);
		SSL_free(ssl);
		return NULL;
	}
	return ssl;
}

void smtp_tls_pin_text(const unsigned char *d, char *out, size_t outlen)
{
	static const char hx[] = "0123456789abcdef";
	size_t i, o;

	o = (size_t)snprintf(out, outlen, "sha256:");
	for (i = 0; i < 32 && o + 2 < outlen; i++) {
		out[o++] = hx[d[i] >> 4];
		out[o++] = hx[d[i] & 15];
	}
	out[o < outlen ? o : outlen - 1] = '\0';
}

/* sha256 of the certificate DER and of its SubjectPublicKeyInfo DER. */
static int pins(X509 *cert, unsigned char *cd, unsigned char *kd)
{
	unsigned char *der = NULL;
	unsigned int n = 0;
	int len, ok;

	if (X509_digest(cert, EVP_sha256(), cd, &n) != 1 || n != 32)
		return -1;
	len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
	if (len <= 0)
		return -1;
	ok = EVP_Digest(der, (size_t)len, kd, &n, EVP_sha256(), NULL) == 1 &&
	    n == 32;
	OPENSSL_free(der);
	return ok ? 0 : -1;
}

static void name_text(const X509_NAME *nm, char *out, size_t outlen)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p = NULL;
	long n;

	out[0] = '\0';
	if (b == NULL)
		return;
	if (X509_NAME_print_ex(b, nm, 0, XN_FLAG_RFC2253) >= 0) {
		n = BIO_get_mem_data(b, &p);
		if (n > 0 && p != NULL)
			printable(out, outlen, p, (size_t)n);
	}
	BIO_free(b);
}

/* Fill the TLS part of *info from the live session and its certificate. */
static int fill_info(SSL *ssl, X509 *cert, struct smtp_info *info,
    unsigned char *cd, unsigned char *kd)
{
	snprintf(info->tls_version, sizeof(info->tls_version), "%s",
	    SSL_get_version(ssl));
	snprintf(info->cipher, sizeof(info->cipher), "%s",
	    SSL_get_cipher_name(ssl));
	name_text(X509_get_subject_name(cert), info->cert_subject,
	    sizeof(info->cert_subject));
	name_text(X509_get_issuer_name(cert), info->cert_issuer,
	    sizeof(info->cert_issuer));
	if (pins(cert, cd, kd) < 0)
		return -1;
	smtp_tls_pin_text(cd, info->cert_sha256, sizeof(info->cert_sha256));
	smtp_tls_pin_text(kd, info->spki_sha256, sizeof(info->spki_sha256));
	return 0;
}

/* A short hint for the verification errors people actually meet. */
static const char *verify_hint(long v)
{
	switch (v) {
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
		return " (untrusted CA)";
	case X509_V_ERR_HOSTNAME_MISMATCH:
	case X509_V_ERR_IP_ADDRESS_MISMATCH:
		return " (name mismatch)";
	case X509_V_ERR_CERT_HAS_EXPIRED:
		return " (expired)";
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return " (not yet valid)";
	default:
		return "";
	}
}

int smtp_tls_check(SSL *ssl, const struct conf *c, struct smtp_info *info,
    char *err, size_t errlen)
{
	unsigned char cd[32], kd[32];
	const char *name = smtp_tls_name(c);
	X509 *cert = SSL_get1_peer_certificate(ssl);
	long v;
	int rc = -1;

	if (cert == NULL) {
		snprintf(err, errlen, "server %s sent no certificate", name);
		return -1;
	}
	if (fill_info(ssl, cert, info, cd, kd) < 0) {
		snprintf(err, errlen, "cannot hash the certificate of %s",
		    name);
		goto out;
	}
	if (c->npins > 0) {
		char want[80];
		size_t i;

		/* The pins decide alone: a CA-valid certificate that is not
		 * a pinned one is refused (survives a CA-issued MITM).  Any
		 * of them matching is enough (rotation). */
		for (i = 0; i < c->npins && i < CONF_PINS_MAX; i++) {
			if (CRYPTO_memcmp(cd, c->tls_fingerprint[i], 32) == 0 ||
			    CRYPTO_memcmp(kd, c->tls_fingerprint[i], 32) == 0) {
				rc = 0;
				goto out;
			}
		}
		smtp_tls_pin_text(c->tls_fingerprint[0], want, sizeof(want));
		snprintf(err, errlen, "certificate pin mismatch for host %s: "
		    "expected %s%s; certificate %s, key %s; subject %s, "
		    "issuer %s", name, want, c->npins > 1 ? " (or another "
		    "tls_fingerprint)" : "", info->cert_sha256,
		    info->spki_sha256, info->cert_subject, info->cert_issuer);
		goto out;
	}
	v = SSL_get_verify_result(ssl);
	if (v == X509_V_OK) {
		rc = 0;
		goto out;
	}
	snprintf(err, errlen, "certificate verify failed: %s%s for host %s; "
	    "subject %s, issuer %s, certificate %s, key %s",
	    X509_verify_cert_error_string(v), verify_hint(v), name,
	    info->cert_subject, info->cert_issuer, info->cert_sha256,
	    info->spki_sha256);
out:
	X509_free(cert);
	return rc;
}
