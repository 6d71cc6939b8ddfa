/*
 * SHA-256 (FIPS 180-4), small and dependency-free, for the submit side that
 * never links OpenSSL: series keys and the resend-protection digest.  Not
 * used for anything secret.
 */
#ifndef OUTPOST_SHA256_H
#define OUTPOST_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
	uint32_t h[8];
	uint64_t len;		/* bytes hashed so far */
	unsigned char buf[64];
	size_t nbuf;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, unsigned char out[32]);
/* The first nbytes of the digest as lowercase hex into hex[2*nbytes+1]. */
void sha256_hex(const unsigned char dig[32], size_t nbytes, char *hex);

#endif
