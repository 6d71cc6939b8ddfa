/*
 * Addresses taken from header fields with libetpan's RFC 5322 parser:
 * recipients for `sendmail -t` (To/Cc/Bcc, or the Resent- set when present)
 * and the From domain (for a Message-ID when the envelope sender is null).
 * Never validates the addresses for SMTP: the caller runs each one through
 * submit_addr_check().
 */
#ifndef OUTPOST_SUBMIT_EXTRACT_H
#define OUTPOST_SUBMIT_EXTRACT_H

#include <stddef.h>

#include "relayd/submit/submit_hdr.h"
#include "util/status.h"

typedef int (*submit_rcpt_fn)(void *ctx, const char *addr, struct op_err *e);

/* Call add() for every mailbox in To, Cc and Bcc (Resent-To, Resent-Cc and
 * Resent-Bcc instead when any of those is present), groups included.  A
 * field that does not parse as an address list -> -1, OP_DATA. */
int submit_extract_rcpts(const struct submit_hdrs *h, submit_rcpt_fn add,
    void *ctx, struct op_err *e);

/* Address of the first mailbox of the first From: field into out; -1
 * when there is none (no From, unparsable, too long). */
int submit_extract_from_addr(const struct submit_hdrs *h, char *out,
    size_t outlen);

/* Domain of the first mailbox of the first From: field into out; -1 when
 * there is none (no From, unparsable, no '@'). */
int submit_extract_from_domain(const struct submit_hdrs *h, char *out,
    size_t outlen);

#endif
