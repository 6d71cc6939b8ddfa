/*
 * One submission, end to end: envelope from argv and config, message from a
 * file descriptor (headers rewritten, line ends normalised, body streamed),
 * lint gate, durable enqueue.  Returns 0 only when the message is committed
 * to the spool.  Never prints: findings and errors go back to the caller.
 *
 * Behaviour (what `outpost sendmail` promises):
 * - Recipients: argv operands; with -t also To/Cc/Bcc (Resent-To/Cc/Bcc
 *   instead when any Resent- recipient field exists), ADDED to the argv
 *   ones as Postfix does; duplicates (case-insensitive) dropped.
 * - Every address (argv, -f, config `from`, -t) is checked: CR, LF, NUL,
 *   controls, spaces, commas, unbalanced <>, a leading '-' or no
 *   local@domain shape -> exit 65 "invalid recipient address ...: why".
 *   `<a@b>` is accepted as a@b; `-f <>` / `-f ""` is the null sender.
 * - Exit codes: 64 bad usage (unknown option, missing value, malformed
 *   -N/-R/-B/-V, no recipients); 65 bad data (address, -F with controls,
 *   unparsable -t header, header section > 1 MB, a line > 998 bytes) or
 *   lint rejection; 75 not queued (spool or stdin I/O); 78 config.
 *   Nothing is queued whenever the exit is not 0.
 * - Patch mail already delivered to the same recipients (same subject and
 *   body, spool/resend.c) is refused with 65 unless rq->resend; a refused
 *   series member holds its whole series (series mark).
 * - Header: Bcc and Resent-Bcc always removed; Date, Message-ID (domain of
 *   the envelope sender, else of From:, else outpost.invalid) and From
 *   (with -F as display name) added only when missing; no Received:.  A
 *   leading mbox "From " line is dropped; a message without an empty line
 *   after its header gets one.
 * - Line ends: CRLF and bare CR become LF in the spool; a missing final
 *   newline is added; NUL bytes are kept (lint reports them).
 */
#ifndef OUTPOST_SUBMIT_H
#define OUTPOST_SUBMIT_H

#include "conf/conf.h"
#include "lint/lint.h"
#include "relayd/submit/sendmail_args.h"
#include "spool/spool.h"
#include "util/status.h"

struct notice;

struct submit_req {
	const struct sendmail_opts *o;
	const struct conf *c;
	int in_fd;		/* the message (stdin) */
	int lint;		/* 0: skip the gate (lint off, OUTPOST_LINT=off) */
	/* Rule overrides and list globs, from the one policy builder
	 * (lint/cli/lint_policy.c, called by the main). */
	const struct lint_ctx *policy;
	int resend;		/* 1: no resend protection (OUTPOST_RESEND=1,
				   -oresend) */
	/* Not NULL: once queued, the stuck-mail scan (notice_scan) into it,
	 * on the spool already open (res->noticed = 1 when done). */
	struct notice *notice;
};

struct submit_res {
	char id[SPOOL_QID_LEN + 1];	/* queue id once committed */
	struct envelope env;		/* what was queued (for -v) */
	struct lint_result lint;	/* findings, even when queued */
	int lint_rejected;		/* 1: policy refused the message */
	int series_held;		/* 1: refused series member: its series
					   is now held (see README) */
	const char *series_note;	/* why it could not be held, or NULL */
	uint64_t size;			/* message bytes spooled */
	int noticed;			/* req->notice was filled */
};

/* Run the submission.  On a lint rejection: -1, OP_DATA, lint_rejected = 1,
 * nothing queued.  Always call submit_res_free() afterwards. */
int submit_message(const struct submit_req *rq, struct submit_res *rs,
    struct op_err *e);
void submit_res_free(struct submit_res *rs);

#endif
