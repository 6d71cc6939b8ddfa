/*
 * One submission, end to end: envelope from argv and config, message from a
 * file descriptor (headers rewritten, line ends normalised, body streamed),
 * lint gate, durable enqueue.  Returns 0 only when the message is committed
 * to the spool.  Never prints: findings and errors go back to the caller.
 */
#ifndef OUTPOST_SUBMIT_H
#define OUTPOST_SUBMIT_H

#include "conf/conf.h"
#include "lint/lint.h"
#include "relayd/sendmail_args.h"
#include "spool/spool.h"
#include "util/status.h"

struct submit_req {
	const struct sendmail_opts *o;
	const struct conf *c;
	int in_fd;		/* the message (stdin) */
	int lint;		/* 0: skip the gate (lint off, OUTPOST_LINT=off) */
};

struct submit_res {
	char id[SPOOL_QID_LEN + 1];	/* queue id once committed */
	struct envelope env;		/* what was queued (for -v) */
	struct lint_result lint;	/* findings, even when queued */
	int lint_rejected;		/* 1: policy refused the message */
	uint64_t size;			/* message bytes spooled */
};

/* Run the submission.  On a lint rejection: -1, OP_DATA, lint_rejected = 1,
 * nothing queued.  Always call submit_res_free() afterwards. */
int submit_message(const struct submit_req *rq, struct submit_res *rs,
    struct op_err *e);
void submit_res_free(struct submit_res *rs);

#endif
