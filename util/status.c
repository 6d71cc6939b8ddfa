/* Error records and the single status -> sysexits mapping. */
#include "util/status.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

static void op_vfill(struct op_err *e, enum op_status st, const char *fmt,
    va_list ap) __attribute__((format(printf, 3, 0)));

static void op_vfill(struct op_err *e, enum op_status st, const char *fmt,
    va_list ap)
{
	e->st = st;
	if (vsnprintf(e->msg, sizeof(e->msg), fmt, ap) < 0)
		e->msg[0] = '\0';
}

int op_errf(struct op_err *e, enum op_status st, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return -1;
	va_start(ap, fmt);
	op_vfill(e, st, fmt, ap);
	va_end(ap);
	return -1;
}

int op_errnof(struct op_err *e, enum op_status st, const char *fmt, ...)
{
	va_list ap;
	int saved = errno;
	size_t n;

	if (e == NULL)
		return -1;
	va_start(ap, fmt);
	op_vfill(e, st, fmt, ap);
	va_end(ap);
	n = strlen(e->msg);
	snprintf(e->msg + n, sizeof(e->msg) - n, ": %s", strerror(saved));
	errno = saved;
	return -1;
}

void op_err_clear(struct op_err *e)
{
	e->st = OP_OK;
	e->msg[0] = '\0';
}

int op_exitcode(enum op_status st)
{
	switch (st) {
	case OP_OK:		return EX_OK;
	case OP_USAGE:		return EX_USAGE;
	case OP_DATA:		return EX_DATAERR;
	case OP_NOINPUT:	return EX_NOINPUT;
	case OP_CONFIG:		return EX_CONFIG;
	case OP_TEMP:		return EX_TEMPFAIL;
	case OP_NOPERM:		return EX_NOPERM;
	case OP_CANTCREAT:	return EX_CANTCREAT;
	case OP_PROTOCOL:	return EX_PROTOCOL;
	case OP_UNAVAILABLE:	return EX_UNAVAILABLE;
	case OP_SOFTWARE:	return EX_SOFTWARE;
	}
	return EX_SOFTWARE;
}

const char *op_status_name(enum op_status st)
{
	switch (st) {
	case OP_OK:		return "ok";
	case OP_USAGE:		return "usage";
	case OP_DATA:		return "data";
	case OP_NOINPUT:	return "noinput";
	case OP_CONFIG:		return "config";
	case OP_TEMP:		return "tempfail";
	case OP_NOPERM:		return "noperm";
	case OP_CANTCREAT:	return "cantcreat";
	case OP_PROTOCOL:	return "protocol";
	case OP_UNAVAILABLE:	return "unavailable";
	case OP_SOFTWARE:	return "software";
	}
	return "software";
}
