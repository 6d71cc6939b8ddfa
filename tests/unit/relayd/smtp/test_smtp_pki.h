/*
 * Throwaway certificates for the TLS unit tests, made with the OpenSSL API
 * (no files but the PEM a test writes, no openssl(1)), and the server
 * context the scripted peer (test_smtp_peer.h) uses.  Header-only.
 */
#ifndef TEST_SMTP_PKI_H
#define TEST_SMTP_PKI_H

#include <stdio.h>
#include <stdlib.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

static void add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *val)
{
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, ctx, nid, val);

	if (e == NULL || X509_add_ext(x, e, -1) != 1)
		abort();
	X509_EXTENSION_free(e);
}

static X509 *cert_new(EVP_PKEY *key, const char *cn, X509 *issuer,
    EVP_PKEY *ikey, const char *san)
{
	static long serial = 1;
	X509 *x = X509_new();
	X509_NAME *n = X509_get_subject_name(x);
	X509V3_CTX ctx;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	add_ext(x, &ctx, NID_basic_constraints, san ? "CA:FALSE" :
	    "critical,CA:TRUE");
	add_ext(x, &ctx, NID_subject_key_identifier, "hash");
	if (san)
		add_ext(x, &ctx, NID_subject_alt_name, san);
	if (X509_sign(x, ikey ? ikey : key, EVP_sha256()) == 0)
		abort();
	return x;
}

static void write_pem(const char *path, X509 *x)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || PEM_write_X509(f, x) != 1)
		abort();
	fclose(f);
}

static SSL_CTX *server_ctx(X509 *cert, EVP_PKEY *key, int tls11)
{
	SSL_CTX *c = SSL_CTX_new(TLS_server_method());

	if (SSL_CTX_use_certificate(c, cert) != 1 ||
	    SSL_CTX_use_PrivateKey(c, key) != 1)
		abort();
	if (tls11) {
		SSL_CTX_set_security_level(c, 0);
		SSL_CTX_set_min_proto_version(c, 0);
		SSL_CTX_set_max_proto_version(c, TLS1_1_VERSION);
		SSL_CTX_set_cipher_list(c, "DEFAULT:@SECLEVEL=0");
	}
	return c;
}

#endif
