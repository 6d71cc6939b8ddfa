"""Queue control as the user against a real Postfix: `outpost hold`,
`release`, `requeue` and `delete` by id and with --all; mailq (text and
JSON) shows held mail and why; `flush` never sends held mail; hostile ids
are refused (exit 64) before any file name is built; and hold/release
storms while relayd runs and a flush is in progress lose no message and
send none twice.
"""

import os
import signal
import subprocess
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "lib"))
import util                     # noqa: E402
import smarthost                # noqa: E402

W = {}


def setup():
    W.update(smarthost.start())


def outpost():
    return smarthost.outpost(W)


def count(mid):
    return [a["message_id"] for a in W["pf"].accepted()].count(mid)


def queue(op, tag, n):
    """n messages queued without a delivery run; returns their msgids."""
    mids = []
    for i in range(n):
        mid = "<qc-%s-%d@example.org>" % (tag, i)
        op.sendmail(["bob@example.org"], util.make_message(
            "%s %d" % (tag, i), "body %d\n" % i, msgid=mid), args=["-odq"])
        mids.append(mid)
    return mids


def by_mid(op):
    return {m["message_id"]: m for m in op.mailq()}


def test_hold_flush_release_delete():
    op = outpost()
    a, b, c = queue(op, "basic", 3)
    q = by_mid(op)
    proc = op.run(["hold", q[a]["id"]], check=True)
    assert b"held" in proc.stdout, proc.stdout
    # Holding again is not an error: it says so.
    proc = op.run(["hold", q[a]["id"]], check=True)
    assert b"unchanged" in proc.stdout, proc.stdout
    q = by_mid(op)
    assert q[a]["hold"] == {"state": "held", "reason": "held by hand"}, q[a]
    assert q[b]["hold"] is None and q[b]["series"] is None, q[b]
    text = op.run(["mailq"], check=True).stdout.decode()
    assert "HELD: held by hand" in text, text
    # flush sends everything else, never the held one (even named).
    proc = op.run(["flush"], timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert list(by_mid(op)) == [a], by_mid(op)
    proc = op.run(["flush", q[a]["id"]], timeout=120)
    assert list(by_mid(op)) == [a]
    assert count(a) == 0 and count(b) == 1 and count(c) == 1
    # release: the one-shot runner delivers it right away.
    op.run(["release", q[a]["id"]], check=True)
    util.wait_for(lambda: by_mid(op) == {}, 60, "released mail to go")
    util.wait_for(lambda: count(a) == 1, 60, "released mail in Postfix")
    # delete (no terminal: no question) and delete of a missing id.
    d, = queue(op, "del", 1)
    qid = by_mid(op)[d]["id"]
    op.run(["hold", "-m", "for the test", qid], check=True)
    assert by_mid(op)[d]["hold"]["reason"] == "for the test"
    proc = op.run(["delete", qid], input=b"")
    assert proc.returncode == 0, proc.stderr
    assert by_mid(op) == {}
    proc = op.run(["delete", qid])
    assert proc.returncode == 66, (proc.returncode, proc.stderr)
    op.wait_idle()
    assert count(d) == 0


def test_delete_asks_on_a_terminal():
    """On a tty, delete asks; anything but y keeps the mail; -y skips."""
    import pty
    op = outpost()
    m, = queue(op, "tty", 1)
    qid = by_mid(op)[m]["id"]
    pid, fd = pty.fork()
    if pid == 0:
        os.environ.update(op.env())
        os.execv(util.outpost_bin(), ["outpost", "delete", qid])
    out = b""
    while b"[y/N]" not in out:
        out += os.read(fd, 1024)
    os.write(fd, b"n\n")
    _, st = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(st) == 75, st
    assert list(by_mid(op)) == [m]
    proc = op.run(["delete", "-y", "--all"], check=True)
    assert b"deleted" in proc.stdout
    assert by_mid(op) == {}


def test_hostile_ids_refused():
    op = outpost()
    m, = queue(op, "hostile", 1)
    for bad in ["../queue/x", "/etc/passwd", "0" * 19, "0" * 21,
                "ABCDEF0123456789ABCD", "0123456789abcdef012\n",
                "\x1b]0;pwned\x07", "*", ""]:
        for verb in ("hold", "release", "requeue", "delete"):
            proc = op.run([verb, "--", bad])
            assert proc.returncode == 64, (verb, bad, proc.returncode)
            assert b"\x1b" not in proc.stderr, proc.stderr
    assert op.run(["hold"]).returncode == 64
    assert op.run(["hold", "--all", by_mid(op)[m]["id"]]).returncode == 64
    assert op.run(["delete", "--bogus"]).returncode == 64
    assert by_mid(op)[m]["hold"] is None


def test_requeue_deferred_now():
    """A deferred message (smarthost down) is due again at once."""
    op = outpost()
    op.write_config(smarthost="127.0.0.1:%d" % util.free_port(),
                    retry_min="1h", retry_max="2h")
    m, = queue(op, "requeue", 1)
    op.run(["flush"], timeout=60)
    q = by_mid(op)[m]
    assert q["recipients"][0]["status"] == "deferred", q
    op.write_config(smarthost="127.0.0.1:%d" %
                    W["pf"].ports["submission"])
    env = op.env()
    proc = subprocess.run([util.outpost_bin(), "requeue", "--all"],
                          env=dict(env, OUTPOST_NO_RUNNER="1"),
                          stdout=subprocess.PIPE, timeout=60)
    assert b"requeued" in proc.stdout, proc.stdout
    q = by_mid(op)[m]
    assert q["recipients"][0]["status"] == "pending", q
    assert q["next_attempt"] is None, q
    # relayd picks it up without flush: it is due now.
    rd = op.popen(["relayd"])
    try:
        util.wait_for(lambda: count(m) == 1, 60, "requeued mail delivered")
    finally:
        rd.send_signal(signal.SIGTERM)
        rd.wait(timeout=30)


def test_storm_while_relayd_and_flush():
    """hold/release --all in a loop while relayd and a flush deliver:
    every message arrives exactly once, none is lost."""
    op = outpost()
    mids = queue(op, "storm", 30)
    rd = op.popen(["relayd"])
    stop = threading.Event()
    errors = []

    def storm():
        while not stop.is_set():
            for verb in ("hold", "release"):
                p = op.run([verb, "-q", "--all"], timeout=60)
                # 0, or 75 when a message was busy being delivered, or 66
                # when it was delivered (gone) between list and lock.
                if p.returncode not in (0, 66, 75):
                    errors.append((verb, p.returncode, p.stderr))
    t = threading.Thread(target=storm)
    t.start()
    try:
        fl = op.popen(["flush"])
        fl.communicate(timeout=120)
        stop.set()
        t.join(timeout=120)
        # Whatever the storm left held goes out after a final release.
        op.run(["release", "-q", "--all"], timeout=60)
        util.wait_for(lambda: all(count(m) >= 1 for m in mids), 60,
                      "every storm message in Postfix")
        util.wait_for(lambda: op.mailq() == [], 60, "empty queue")
    finally:
        stop.set()
        rd.send_signal(signal.SIGTERM)
        rd.wait(timeout=30)
    assert not errors, errors[:3]
    op.wait_idle()
    assert [m for m in mids if count(m) != 1] == [], \
        [(m, count(m)) for m in mids if count(m) != 1]


if __name__ == "__main__":
    util.run_tests([test_hold_flush_release_delete,
                    test_delete_asks_on_a_terminal,
                    test_hostile_ids_refused,
                    test_requeue_deferred_now,
                    test_storm_while_relayd_and_flush], setup=setup)
