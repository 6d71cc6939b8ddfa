#!/usr/bin/python3
"""`outpost relayd` next to `flush` and the run-once poke, against a real
Postfix: relayd holds <spool>/relayd.lock for its life but the runner lock
only during its passes, so `outpost flush` delivers in the foreground while
relayd runs (exit 0, one line per message), relayd still picks up new mail,
a second relayd exits 75, and every message reaches Postfix exactly once.
Runs as root with the private Postfix instance from lib/.
"""

import os
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "lib"))
import util                     # noqa: E402
import smarthost                # noqa: E402

W = {}


def setup():
    W.update(smarthost.start())


def outpost():
    return smarthost.outpost(W)


def relayd_lock_held(op):
    """Is <spool>/relayd.lock flock()ed by somebody (a live relayd)?  Not
    by taking it: a relayd starting in that moment would leave as
    "already running"."""
    return util.flock_held(os.path.join(op.spool, "relayd.lock"))


def start_relayd(op):
    rd = op.popen(["relayd"])

    def cleanup():
        if rd.poll() is None:
            rd.kill()
            rd.wait()
    util.at_exit(cleanup)
    util.wait_for(lambda: relayd_lock_held(op) or rd.poll() is not None,
                  60, "relayd to start")
    assert rd.poll() is None, rd.communicate()
    return rd


def freeze_idle(rd, op):
    """SIGSTOP relayd between passes (runner lock free), so the next
    message can only be delivered by somebody else."""
    for _ in range(50):
        util.wait_for(op.spool_lock_free, 60, "relayd to be idle")
        rd.send_signal(signal.SIGSTOP)
        if op.spool_lock_free():
            return
        rd.send_signal(signal.SIGCONT)      # caught mid-pass: again
    raise AssertionError("relayd never idle")


def count(pf, mid):
    return [a["message_id"] for a in pf.accepted()].count(mid)


def test_flush_delivers_while_relayd_runs():
    pf = W["pf"]
    op = outpost()
    rd = start_relayd(op)
    # Before the fix a relayd kept the runner lock: flush waited 60 s and
    # exited 75.  Now it takes the lock itself.
    freeze_idle(rd, op)
    mid_a = "<relayd-flush-a@example.org>"
    op.sendmail(["bob@example.org"], util.make_message(
        "flushed", "a\n", msgid=mid_a), args=["-odq"])
    assert len(op.mailq()) == 1, op.mailq()
    proc = op.flush(timeout=120)
    out = proc.stdout.decode(errors="replace")
    assert proc.returncode == 0, (proc.returncode, out, proc.stderr)
    assert ": delivered to 1 recipient" in out, out
    assert op.mailq() == []
    rd.send_signal(signal.SIGCONT)
    # relayd still serves: -odq (no poke), so only its inotify sees it.
    mid_b = "<relayd-flush-b@example.org>"
    op.sendmail(["bob@example.org"], util.make_message(
        "by relayd", "b\n", msgid=mid_b), args=["-odq"])
    util.wait_for(lambda: op.mailq() == [], 60, "relayd to deliver")
    # With the poke: run-once and relayd share the lock, one delivers.
    mid_c = "<relayd-flush-c@example.org>"
    op.sendmail(["bob@example.org"], util.make_message(
        "poked", "c\n", msgid=mid_c))
    util.wait_for(lambda: op.mailq() == [], 60, "run-once or relayd")
    # A flush of an empty queue while relayd runs answers at once.
    proc = op.flush(timeout=120)
    assert proc.returncode == 0, (proc.returncode, proc.stdout)
    assert b"queue is empty" in proc.stdout, proc.stdout
    # Still the only relayd.
    proc = op.run(["relayd"], timeout=30)
    assert proc.returncode == 75, (proc.returncode, proc.stderr)
    assert b"already running" in proc.stderr, proc.stderr
    assert rd.poll() is None
    for mid in (mid_a, mid_b, mid_c):
        util.wait_for(lambda: count(pf, mid) >= 1, 60, "%s in Postfix" % mid)
    rd.send_signal(signal.SIGTERM)
    assert rd.wait(timeout=30) == 0
    for mid in (mid_a, mid_b, mid_c):
        assert count(pf, mid) == 1, (mid, count(pf, mid))


if __name__ == "__main__":
    util.run_tests([test_flush_delivers_while_relayd_runs], setup=setup)
