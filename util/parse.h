/*
 * Checked number parsing: the only way untrusted digits become numbers
 * (no atoi/sscanf anywhere).  All functions take (ptr, len) and reject
 * empty input, trailing junk and overflow.
 */
#ifndef OUTPOST_PARSE_H
#define OUTPOST_PARSE_H

#include <stddef.h>
#include <stdint.h>

/* Decimal unsigned in [min, max]. */
int parse_uint(const char *s, size_t len, uint64_t min, uint64_t max,
    uint64_t *out);
/* Signed decimal in [min, max]. */
int parse_int(const char *s, size_t len, int64_t min, int64_t max,
    int64_t *out);
/* "30s", "5m", "4h", "5d", "2w" or bare seconds, into seconds (<= 10 years). */
int parse_duration(const char *s, size_t len, uint64_t *seconds);
/* "100", "10k", "25M", "1G" (powers of 1024) into bytes (<= 1 TiB). */
int parse_size(const char *s, size_t len, uint64_t *bytes);
/* Hex digits (upper or lower, optional ':' separators) into exactly outlen bytes. */
int parse_hex(const char *s, size_t len, unsigned char *out, size_t outlen);

#endif
