/*
 * Building the envelope of a submission: the sender (-f/-r, else the
 * config's `from`), recipients (argv, plus -t addresses) checked one by one
 * and de-duplicated, and the DSN options.  No I/O.
 */
#ifndef OUTPOST_SUBMIT_ENV_H
#define OUTPOST_SUBMIT_ENV_H

#include "conf/conf.h"
#include "relayd/submit/sendmail_args.h"
#include "spool/spool.h"
#include "util/status.h"

/* Sender, argv recipients and -N/-R/-V into env (already initialised). */
int submit_env_from_opts(const struct sendmail_opts *o, const struct conf *c,
    struct envelope *env, struct op_err *e);
/* Check one recipient and add it unless already there (case-insensitive).
 * Shaped as a submit_rcpt_fn: ctx is the struct envelope. */
int submit_env_add_rcpt(void *ctx, const char *addr, struct op_err *e);

#endif
