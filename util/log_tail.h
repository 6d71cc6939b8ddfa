/*
 * Reading the delivery log back for `outpost log [-n N] [-f]`: its last
 * lines (across the rotated <file>.1 and <file>), then, when following,
 * what is appended, also across a rotation.  Lines reach the caller
 * through printable(): a log file is shown, never interpreted.
 */
#ifndef OUTPOST_LOG_TAIL_H
#define OUTPOST_LOG_TAIL_H

#include <stddef.h>

#include "util/status.h"

typedef void (*log_tail_fn)(void *arg, const char *line);

/* The last `last` lines (0 = all kept) of <path>.1 + <path>.  A missing
 * log is no error (nothing shown).  0 or -1 with *e. */
int log_tail_show(const char *path, size_t last, log_tail_fn out, void *arg,
    struct op_err *e);
/* Then wait for new lines and show them, until out() stops us (it may
 * exit) or an error: blocks in poll() without a timeout.  -1 with *e. */
int log_tail_follow(const char *path, log_tail_fn out, void *arg,
    struct op_err *e);

#endif
