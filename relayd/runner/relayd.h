/*
 * The long-running queue runners: `outpost relayd` (for a systemd --user
 * unit) and the on-demand runner (what the run sendmail starts becomes
 * while mail waits for a retry).  They drive runner passes; the pass
 * itself is runner_pass() and the flush/run-once drivers are in flush.h.
 */
#ifndef OUTPOST_RELAYD_H
#define OUTPOST_RELAYD_H

#include "conf/conf.h"
#include "relayd/runner/runner.h"
#include "util/status.h"

/* The long-running runner: holds <spool>/relayd.lock for its life (a
 * second one gets OP_TEMP; an on-demand runner holding it is asked to stop
 * and hands over) but the runner lock only during each pass,
 * waiting (bounded) for a flush or run-once that has it; passes on new mail
 * (inotify) and at the earliest retry time, stops cleanly on
 * SIGTERM/SIGINT after the message in flight. */
enum op_status relayd_run(const struct conf *c, const struct runner_ops *ops,
    struct op_err *e);

/* The on-demand runner: like relayd, but when relayd.lock is taken it
 * returns OP_OK at once (the holder serves the queue), and it returns as
 * soon as no message is deferred or held for a time (series_wait). */
enum op_status relayd_on_demand(const struct conf *c,
    const struct runner_ops *ops, struct op_err *e);

#endif
