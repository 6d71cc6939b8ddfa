/*
 * Which config account a submission goes through: chosen from the
 * envelope sender (-f), else the From: address (which then becomes the
 * sender too), and recorded in the envelope before it is written.  Also
 * where a submission without any sender (no -f, nothing in the config)
 * takes the From: address or is refused (78), even without accounts.
 */
#ifndef OUTPOST_SUBMIT_ACCOUNT_H
#define OUTPOST_SUBMIT_ACCOUNT_H

#include "conf/conf.h"
#include "relayd/submit/sendmail_args.h"
#include "relayd/submit/submit_hdr.h"
#include "spool/spool.h"
#include "util/status.h"

/* Nothing to do when c has no accounts.  A sender that matches no account
 * and no account_default: -1, OP_DATA, the message names the accounts. */
int submit_account(const struct sendmail_opts *o, const struct conf *c,
    const struct submit_hdrs *h, struct envelope *env, struct op_err *e);

#endif
