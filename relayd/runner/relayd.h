/*
 * `outpost relayd`: the long-running queue runner (for a systemd --user
 * unit).  It drives runner passes; the pass itself is runner_pass() and the
 * flush/run-once drivers are in flush.h.
 */
#ifndef OUTPOST_RELAYD_H
#define OUTPOST_RELAYD_H

#include "conf/conf.h"
#include "relayd/runner/runner.h"
#include "util/status.h"

/* The long-running runner: holds <spool>/relayd.lock for its life (a
 * second one gets OP_TEMP) but the runner lock only during each pass,
 * waiting (bounded) for a flush or run-once that has it; passes on new mail
 * (inotify) and at the earliest retry time, stops cleanly on
 * SIGTERM/SIGINT after the message in flight. */
enum op_status relayd_run(const struct conf *c, const struct runner_ops *ops,
    struct op_err *e);

#endif
