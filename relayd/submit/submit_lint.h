/*
 * The lint gate of `outpost sendmail`: the seam between the submit side and
 * the linter.  It lints the message exactly as it will be queued (read back
 * from the spool's tmp file) with the envelope and config policy, and says
 * whether policy rejects it.  It never prints; the caller shows findings.
 */
#ifndef OUTPOST_SUBMIT_LINT_H
#define OUTPOST_SUBMIT_LINT_H

#include "conf/conf.h"
#include "lint/lint.h"
#include "spool/spool.h"
#include "util/status.h"

/* Lint the message being written by tx (read back via spool_tx_view).
 * policy: overrides and lists from lint_policy_build().
 * *reject = 1 when the config says `lint reject` and a finding has error
 * severity.  out is filled (lint_result_free it) even when *reject = 0. */
int submit_lint_gate(struct spool_tx *tx, const struct conf *c,
    const struct lint_ctx *policy,
    const struct envelope *env, struct lint_result *out, int *reject,
    struct op_err *e);

#endif
