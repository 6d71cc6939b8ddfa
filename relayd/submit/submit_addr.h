/*
 * Checking one envelope address (argv recipient, -f, or an address taken
 * from To/Cc/Bcc with -t).  Anything that could smuggle an SMTP command or
 * be read as an option is refused: CR, LF, NUL, control characters, spaces,
 * unbalanced angle brackets, a leading '-'.  Pure.
 */
#ifndef OUTPOST_SUBMIT_ADDR_H
#define OUTPOST_SUBMIT_ADDR_H

#include <stddef.h>

#include "util/status.h"

#define SUBMIT_ADDR_MAX 254	/* RFC 5321 path (256) minus the brackets */

/* Validate `in` (optionally written as <addr>) and copy the bare address to
 * out.  `role` names it in messages ("recipient", "sender").  With
 * allow_null, "" and "<>" are accepted as the null sender (out = "").
 * Bad address -> -1, OP_DATA, message "invalid ROLE address "X": why". */
int submit_addr_check(const char *in, const char *role, int allow_null,
    char *out, size_t outlen, struct op_err *e);

/* 1 when the address has a byte >= 0x80 (needs SMTPUTF8). */
int submit_addr_is_utf8(const char *addr);

/* The domain part of an address (after the last '@'), or NULL. */
const char *submit_addr_domain(const char *addr);

#endif
