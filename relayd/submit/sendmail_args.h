/*
 * The `outpost sendmail` command line: a hand-written, non-permuting parser
 * for the flags mutt and git send-email pass.  Option parsing stops at the
 * first operand, so a later "-oQ/tmp" is a recipient (and then refused as an
 * address), never an option.  Pure: no I/O, no exit.
 */
#ifndef OUTPOST_SENDMAIL_ARGS_H
#define OUTPOST_SENDMAIL_ARGS_H

#include <stddef.h>

#include "util/status.h"

enum sendmail_mode {
	SENDMAIL_SEND = 0,	/* -bm (default): read a message, queue it */
	SENDMAIL_MAILQ,		/* -bp */
	SENDMAIL_FLUSH		/* -q */
};

struct sendmail_opts {
	enum sendmail_mode mode;
	int extract;		/* -t: recipients from the headers too */
	int verbose;		/* -v */
	int queue_only;		/* -odq: no immediate delivery attempt */
	int resend;		/* -oresend: send even if already delivered */
	int help;		/* --help */
	const char *sender;	/* -f / -r (raw), NULL when not given */
	const char *fullname;	/* -F, NULL when not given */
	const char *dsn_notify;	/* -N */
	const char *dsn_ret;	/* -R */
	const char *body_type;	/* -B */
	const char *envid;	/* -V */
	const char *config;	/* -C */
	char *const *rcpts;	/* operands: pointers into argv */
	size_t nrcpts;
};

/* Parse argv[1..argc) (argv[0] is the command name).  Bad usage -> -1 with
 * OP_USAGE and a message naming the offending argument. */
int sendmail_args_parse(int argc, char *const *argv, struct sendmail_opts *o,
    struct op_err *e);

#endif
