/*
 * Bounces (RFC 3464 delivery status notifications) for recipients that
 * failed permanently or expired.  bounce_build() is a pure function over an
 * envelope and the original headers; bounce_enqueue() reads the headers from
 * the spool and queues the bounce (null sender, is_bounce=1) in the same
 * spool, to be delivered by the next pass.  Never bounces a bounce.
 */
#ifndef OUTPOST_BOUNCE_H
#define OUTPOST_BOUNCE_H

#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "spool/spool.h"
#include "util/status.h"

#define BOUNCE_HDRS_MAX		(64 * 1024)	/* original headers copied */
/* The original is attached whole up to this size; a larger one as its
 * headers plus the first BOUNCE_PART_BODY bytes of its body. */
#define BOUNCE_FULL_MAX		(10 * 1024 * 1024)
#define BOUNCE_PART_BODY	(100 * 1024)
#define BOUNCE_DIAG_MAX		900		/* keeps DSN lines < 998 */

struct bounce_in {
	const struct envelope *env;	/* the failed message (states set) */
	const char *orig;		/* the original (or its start), may
					   be NULL */
	size_t olen;
	int truncated;			/* orig holds only the first part */
	const char *domain;		/* Reporting-MTA and MAILER-DAEMON@ */
	int64_t now;			/* Date: of the bounce */
};

/* 1 when env has failed recipients and may be bounced: the sender is not
 * null, the message is not itself a bounce (no loops), and -N (DSN
 * NOTIFY), when given, includes FAILURE. */
int bounce_wanted(const struct envelope *env);

/* The domain we report as: helo, else the domain of `from`, else
 * "localhost". */
void bounce_domain(const struct conf *c, char *out, size_t len);

/* "5.1.1" from the reply in a recipient's reason, "5.4.7" for an expiry,
 * else "5.0.0".  out must hold 16 bytes. */
void bounce_status(const char *reason, char out[16]);
/* Where the SMTP reply starts inside a reason ("RCPT TO: 550 ..." ->
 * "550 ..."), or NULL when the reason holds no reply. */
const char *bounce_reply(const char *reason);

/* An RFC 5322 date (English names, UTC) of unix time t. */
void bounce_date(char *buf, size_t len, int64_t t);
/* A MIME boundary "=_outpost-<kind>-<id>-<n>" not found in in->orig. */
void bounce_boundary(const struct bounce_in *in, const char *kind, char *b,
    size_t len);

/* The delay notice (bounce_delay.c): wanted once the message waited
 * 4 x warn_after with recipients still deferred, it was not told yet
 * (`warned`), the sender is not null, no bounce, -N (if given) includes
 * DELAY. */
int bounce_delay_wanted(const struct envelope *env, uint64_t warn_after,
    int64_t now);
/* Its text: RFC 3464 report, "Action: delayed" per deferred recipient,
 * Will-Retry-Until when `until` > 0, the original headers attached. */
int bounce_delay_build(const struct bounce_in *in, int64_t until,
    char **out, size_t *outlen, struct op_err *e);
/* Build it for env (headers read from the spool) and append it to
 * c->bounce_mbox.  0, or -1 with e. */
int bounce_delay_store(struct spool *sp, const struct conf *c,
    const struct envelope *env, int64_t now, struct op_err *e);

/* Build the whole bounce message (headers + multipart/report body, LF line
 * ends) into a malloc'd buffer. */
int bounce_build(const struct bounce_in *in, char **out, size_t *outlen,
    struct op_err *e);

/* Read the original header block of message `id` (up to, not including,
 * the empty line; at most BOUNCE_HDRS_MAX bytes). */
int bounce_read_headers(struct spool *sp, const char *id, char **out,
    size_t *outlen, struct op_err *e);
/* Read the original to attach: whole up to BOUNCE_FULL_MAX, else its
 * header block and the first BOUNCE_PART_BODY bytes of the body, cut at
 * a line end (*truncated = 1). */
int bounce_read_original(struct spool *sp, const char *id, char **out,
    size_t *outlen, int *truncated, struct op_err *e);

/* Build the DSN for env (as bounce_enqueue would) and append it to the
 * mbox c->bounce_mbox (bounce_mbox.c).  -1 with e when it cannot. */
int bounce_store_local(struct spool *sp, const struct conf *c,
    const struct envelope *env, int64_t now, struct op_err *e);
/* Append one message to an mbox: "From " line, mboxrd quoting of body
 * lines starting with (">"*)"From ", locked with flock, synced; the
 * directory is created 0700 when missing.  On a failed write the file is
 * cut back to where it was. */
int bounce_mbox_append(const char *path, const char *text, size_t len,
    int64_t now, struct op_err *e);

/* Build and durably queue a bounce for env; id_out gets its queue id.
 * Returns 0 (queued), 1 (not wanted: null sender or a bounce), -1 error. */
int bounce_enqueue(struct spool *sp, const struct conf *c,
    const struct envelope *env, int64_t now, char id_out[SPOOL_QID_LEN + 1],
    struct op_err *e);

#endif
