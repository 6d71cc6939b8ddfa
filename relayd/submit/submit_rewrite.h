/*
 * What the submit side changes in a message's header: Bcc and Resent-Bcc
 * are always removed; Date, Message-ID and From are added when missing.
 * Nothing else is touched and no Received: line is ever added (it would
 * leak the laptop's name and address).  Pure: time and randomness come in.
 */
#ifndef OUTPOST_SUBMIT_REWRITE_H
#define OUTPOST_SUBMIT_REWRITE_H

#include <stddef.h>
#include <time.h>

#include "relayd/submit/submit_hdr.h"
#include "spool/spool.h"
#include "util/status.h"

#define SUBMIT_NAME_MAX 200	/* longest -F display name */
#define SUBMIT_RND_LEN 12	/* random bytes in a Message-ID */

struct submit_rewrite_in {
	const char *sender;	/* envelope sender, "" = null sender */
	const char *fullname;	/* -F, NULL when not given */
	const char *domain;	/* right side of a generated Message-ID */
	time_t now;
	unsigned char rnd[SUBMIT_RND_LEN];
};

struct submit_rewrite_out {
	char *buf;		/* malloc'd header section, LF line ends, */
	size_t len;		/* no empty line at the end */
	char subject[SPOOL_HDR_MAX];	/* printable copies for mailq */
	char message_id[SPOOL_HDR_MAX];
	int added_date, added_msgid, added_from;
	unsigned dropped;	/* Bcc / Resent-Bcc fields removed */
};

/* Check a -F display name: no control characters, at most
 * SUBMIT_NAME_MAX bytes.  -1 with OP_DATA otherwise. */
int submit_rewrite_check_name(const char *name, struct op_err *e);

/* Rewrite the header section h (marks Bcc fields dropped). */
int submit_rewrite(struct submit_hdrs *h, const struct submit_rewrite_in *in,
    struct submit_rewrite_out *out, struct op_err *e);
void submit_rewrite_free(struct submit_rewrite_out *out);

/* "Date: " value for t in local time, RFC 5322 ("Sun, 29 Nov 2026
 * 21:40:00 +0100").  Returns the length, 0 on failure. */
size_t submit_rewrite_date(time_t t, char *out, size_t outlen);

#endif
