#!/usr/bin/python3
"""Retries without a service (issue 8 point 1): the run that `outpost
sendmail` starts stays as the on-demand runner while mail is deferred.

- Real Postfix down, one sendmail, no relayd, no flush: the attempt is
  deferred and the run stays, in its own session without a terminal; the
  smarthost comes up and the message arrives by itself within retry_max
  (2s) + a few seconds; the runner then exits.
- When the waiting mail goes by other means (`outpost delete`), the
  runner notices at once and exits instead of staying till its retry time.
- Waiting costs nothing: over 30 s of its wait (next retry an hour
  away) the runner's context-switch counters do not move (0 wake-ups).
"""

import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "lib"))
import smarthost                # noqa: E402
import util                     # noqa: E402

W = {}
WINDOW_S = float(os.environ.get("OUTPOST_WAKEUP_WINDOW", "30"))


def setup():
    W.update(smarthost.start())


def stat_fields(pid):
    """Fields of /proc/PID/stat after the command name."""
    with open("/proc/%d/stat" % pid) as f:
        return f.read().rsplit(")", 1)[1].split()


def waiting_runner(op):
    pids = [p for p in op.runner_pids() if op.runner_waiting(p)]
    return pids[0] if pids else None


def test_deferred_mail_is_retried_without_a_service():
    pf = W["pf"]
    op = smarthost.outpost(W, retry_min="1s", retry_max="2s")
    pf.stop()
    op.sendmail(["bob@example.org"], util.make_message("on demand", "hi\n"))

    def deferred():
        q = op.mailq()
        return q and q[0]["attempts"] >= 1
    try:
        util.wait_for(deferred, 60, "the first attempt to be deferred")
        pid = util.wait_for(lambda: op.on_demand_pid(), 60,
                            "the on-demand runner")
    except util.Timeout:
        explain(op)
        raise
    f = stat_fields(pid)
    # f[3] session id, f[4] controlling terminal (0 = none)
    assert int(f[3]) != os.getsid(0), "runner shares our session"
    assert int(f[4]) == 0, "runner has a controlling terminal"
    # One runner, ours; no relayd and no flush anywhere.
    assert op.runner_pids() == [pid], op.runner_pids()

    pf.start()
    try:
        got = pf.wait_messages(1, timeout=2 + 10)
        assert util.header_value(got[0], "Subject") == "on demand"
        op.wait_no_runner(timeout=60)
    except util.Timeout:
        explain(op)
        raise
    assert op.mailq() == []


def test_runner_leaves_when_its_mail_is_deleted():
    # Nothing listens there: deferred at connect, next retry in an hour.
    op = util.Outpost(os.path.join(W["tmp"], "gone"), util.free_port(),
                      W["pki"], retry_min="1h", retry_max="1h")
    op.sendmail(["bob@example.org"], util.make_message("gone", "x\n"))
    pid = util.wait_for(lambda: waiting_runner(op), 60,
                        "the runner to wait for its retry")
    r = op.run(["delete", "--all", "-y"])
    assert r.returncode == 0, r.stderr
    try:
        op.wait_no_runner(timeout=10)
    except util.Timeout:
        explain(op)
        raise
    assert not os.path.exists("/proc/%d" % pid) or not op.runner_pids()
    assert op.mailq() == []


def explain(op):
    """What a failure needs to be understood: runners, queue, log."""
    print("runners:", op.runner_pids(), "holder:", op.on_demand_pid())
    print("mailq:", op.run(["mailq"]).stdout.decode(errors="replace"))
    print("log:", op.run(["log"]).stdout.decode(errors="replace"))


def ctxt_switches(pid):
    n = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if "ctxt_switches" in line:
                n += int(line.split()[1])
    return n


def test_waiting_runner_never_wakes_up():
    # Nothing listens there: deferred at connect, next retry in an hour.
    op = util.Outpost(os.path.join(W["tmp"], "idle"), util.free_port(),
                      W["pki"], retry_min="1h", retry_max="1h")
    op.sendmail(["bob@example.org"], util.make_message("idle", "x\n"))
    pid = util.wait_for(lambda: waiting_runner(op), 60,
                        "the runner to wait for its retry")
    before = ctxt_switches(pid)
    time.sleep(WINDOW_S)    # the measurement window, not a wait for a state
    after = ctxt_switches(pid)
    print("wake-ups of the waiting runner over %.0f s: %d"
          % (WINDOW_S, after - before))
    assert after == before, "the waiting runner woke up %d time(s)" % (
        after - before)
    assert op.runner_waiting(pid)
    os.kill(pid, signal.SIGTERM)
    op.wait_no_runner(timeout=60)
    assert len(op.mailq()) == 1, "the deferred message stays queued"


if __name__ == "__main__":
    util.run_tests([test_deferred_mail_is_retried_without_a_service,
                    test_runner_leaves_when_its_mail_is_deleted,
                    test_waiting_runner_never_wakes_up], setup=setup)
