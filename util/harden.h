/*
 * Process hardening for outpost-deliver: no core dumps (RLIMIT_CORE 0) and
 * not dumpable (PR_SET_DUMPABLE 0), before any secret is read.
 */
#ifndef OUTPOST_HARDEN_H
#define OUTPOST_HARDEN_H

#include "util/status.h"

/* 0, or -1 with OP_SOFTWARE (never expected on Linux). */
int harden_no_dumps(struct op_err *e);

#endif
