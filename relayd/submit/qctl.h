/*
 * Queue control as the user, like Postfix's postsuper: hold, release,
 * requeue and delete messages by queue id or all at once.  Each change is
 * one spool_ctl() under the message lock, so it is safe while relayd, a
 * flush or a one-shot runner works on the same spool.  Never prints: one
 * result per message goes to the caller's callback.
 */
#ifndef OUTPOST_QCTL_H
#define OUTPOST_QCTL_H

#include <stddef.h>

#include "spool/spool.h"
#include "util/status.h"

#define QCTL_LOCK_WAIT_MS	3000	/* how long to wait for a busy message */

struct qctl_req {
	enum spool_ctl op;
	const char *const *ids;		/* as given; checked with qid_ok() */
	size_t nids;
	int all;			/* every queued message instead */
	const char *reason;		/* HOLD: shown by mailq (NULL: default) */
	const char *account;		/* REQUEUE: move to this account (a
					   configured one), NULL: stay */
};

/* One message's outcome: changed 1 / 0 (nothing to do) / -1 with e. */
struct qctl_item {
	const char *id;			/* printable only when qid_ok() */
	int id_ok;
	int changed;
	const struct op_err *e;
	const char *was;		/* requeue --account: the account it
					   had ("" = none), else NULL */
};

struct qctl_sum { unsigned changed, unchanged, failed; enum op_status worst; };

/* Run the request; `each` is called once per message (in queue order for
 * --all).  Returns -1 only when the queue cannot be listed. */
int qctl_run(struct spool *sp, const struct qctl_req *rq,
    void (*each)(void *arg, const struct qctl_item *it), void *arg,
    struct qctl_sum *sum, struct op_err *e);

/* The verb of op ("hold", "release", ...) and its past tense ("held"). */
const char *qctl_verb(enum spool_ctl op);
const char *qctl_done(enum spool_ctl op);

#endif
