/*
 * Starting `outpost-deliver` (the executable that holds OpenSSL and SASL),
 * found via /proc/self/exe in the installed libexec/outpost/ directory
 * (relative to outpost's bin/) or next to `outpost`: exec'd in place
 * for flush/relayd/doctor, or detached for the one-shot run after a
 * submission.  Never searches $PATH (the pair is installed together).
 */
#ifndef OUTPOST_DELIVER_EXEC_H
#define OUTPOST_DELIVER_EXEC_H

#include <stddef.h>

#include "util/status.h"

/* Path of outpost-deliver (installed libexec dir, else next to this
 * executable); -1 when it cannot be determined or is not executable. */
int deliver_exec_path(char *out, size_t outlen);

/* Replace this process with `outpost-deliver args...` (args NULL-ended).
 * Returns only on failure: -1 with e filled (OP_UNAVAILABLE). */
int deliver_exec_deliver(char *const *args, struct op_err *e);

/* Start `outpost-deliver run-once [-C config]` fully detached (own session,
 * stdio on /dev/null, double fork) and return at once; the caller never
 * waits for the delivery.  Silently does nothing when outpost-deliver is
 * missing.  Returns 0 when started, -1 otherwise. */
int deliver_exec_poke(const char *config);

#endif
