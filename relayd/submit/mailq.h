/*
 * `outpost mailq`: the queue as text (like Postfix's mailq: id, size,
 * arrival, sender, then per recipient its state and why it is still there)
 * or as JSON lines (docs/CONTRACTS.md).  Reads the spool, never changes it.
 * Every string from an envelope is shown through printable()/json_quote().
 */
#ifndef OUTPOST_MAILQ_H
#define OUTPOST_MAILQ_H

#include <stdio.h>

#include "spool/spool.h"
#include "util/status.h"

enum mailq_format { MAILQ_TEXT = 0, MAILQ_JSON };

/* Write the queue of sp to out, in submission order.  An envelope that
 * cannot be loaded is skipped with a warning line on warn.  -1 when the
 * queue cannot be listed or out fails (OP_TEMP).  series_wait (config)
 * lets it tell a waiting patch series from a held one. */
int mailq_print(struct spool *sp, FILE *out, FILE *warn,
    enum mailq_format fmt, uint64_t series_wait, struct op_err *e);
/* The same, only the messages in the failed state when only_failed; when
 * n is not NULL, each delivery state loaded goes into it (notice_note), so
 * the stuck-mail summary costs no second pass over the queue. */
struct notice;
int mailq_print_sel(struct spool *sp, FILE *out, FILE *warn,
    enum mailq_format fmt, uint64_t series_wait, int only_failed,
    struct notice *n, struct op_err *e);

/* One JSON line for the entries in corrupt/:
 * {"corrupt":{"count":N,"names":["...",...]}} (the first few names). */
void mailq_json_corrupt(FILE *out, const struct spool_corrupt *c);

/* Why a message is not going out (held by hand, or by the series gate)
 * and where it sits in its patch series. */
struct mailq_hold {
	const char *state;	/* NULL: free to go; "held"; "waiting" */
	const char *reason;	/* "" when state is NULL */
	unsigned k, n;		/* series position; n = 0: not in a series */
};

/* One message, for the renderers (mailq_text.c, mailq_json.c). */
void mailq_text_header(FILE *out);
void mailq_text_msg(FILE *out, const struct envelope *env,
    const struct mailq_hold *h);
void mailq_text_footer(FILE *out, uint64_t bytes, size_t n);
void mailq_json_msg(FILE *out, const struct envelope *env,
    const struct mailq_hold *h);

/* Fields both renderers show (mailq_fields.c, a leaf). */
/* The status word of a recipient state ("pending", "deferred", "failed"). */
const char *mailq_state_name(enum rcpt_state st);
/* When the next attempt is due: the envelope's next-try, else the earliest
 * of the undelivered recipients'; 0 = none scheduled (due now). */
int64_t mailq_next_attempt(const struct envelope *env);
/* The hold state of env as the user set it (held / released). */
void mailq_hold_of(const struct envelope *env, struct mailq_hold *h);

#endif
