/*
 * Status values shared by every library, and the one place where they are
 * mapped to <sysexits.h> exit codes.  Libraries never exit and never print:
 * they return -1 and fill a caller's struct op_err.
 */
#ifndef OUTPOST_STATUS_H
#define OUTPOST_STATUS_H

#include <stddef.h>

enum op_status {
	OP_OK = 0,
	OP_USAGE,	/* bad command line */
	OP_DATA,	/* bad input data (message, address) */
	OP_NOINPUT,	/* input file missing or unreadable */
	OP_CONFIG,	/* configuration error */
	OP_TEMP,	/* temporary: I/O, disk full, network, retry later */
	OP_NOPERM,	/* permission problem */
	OP_CANTCREAT,	/* cannot create an output file */
	OP_PROTOCOL,	/* remote protocol error */
	OP_SOFTWARE,	/* internal error */
	OP_UNAVAILABLE	/* service unavailable */
};

#define OP_ERR_MAX 1024

struct op_err {
	enum op_status st;
	char msg[OP_ERR_MAX];
};

/* Fill *e (when not NULL) and return -1, so callers can "return op_errf(...)". */
int op_errf(struct op_err *e, enum op_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Like op_errf, appending ": strerror(errno)". */
int op_errnof(struct op_err *e, enum op_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void op_err_clear(struct op_err *e);

/* The one mapping from status to a sysexits code. */
int op_exitcode(enum op_status st);
const char *op_status_name(enum op_status st);

#endif
