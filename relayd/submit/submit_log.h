/*
 * sendmail's lines in the delivery log: what was queued (sender,
 * recipients, size, hold) or why nothing was.  Never the message text:
 * addresses and ids only, through printable().
 */
#ifndef OUTPOST_SUBMIT_LOG_H
#define OUTPOST_SUBMIT_LOG_H

#include "conf/conf.h"
#include "relayd/submit/submit.h"
#include "util/log_file.h"
#include "util/status.h"

/* Start feeding util/log.h lines to the delivery log (conf_log_path(),
 * `log syslog`); submit_log_close() stops it. */
void submit_log_open(struct log_file *lf, const struct conf *c);
void submit_log_close(struct log_file *lf);

void submit_log_queued(const struct submit_res *rs);
/* Nothing queued: the exit status and the kind of refusal (lint
 * findings are named by rule id elsewhere, not quoted here). */
void submit_log_refused(const struct submit_res *rs, const struct op_err *e);

#endif
