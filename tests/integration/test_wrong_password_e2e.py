#!/usr/bin/python3
"""Nothing is lost and nothing is silent (issue 8, points 3 and 4), end to
end against real Postfix, in real time (queue_lifetime 1m, the smallest
the config allows; retry_min 1s, retry_max 5s; no clock tricks):

- wrong password: the message is queued (0); the on-demand runner's
  attempts fail at AUTH; the next sendmail prints the one-line notice;
  `outpost log` shows the AUTH failure; a minute after the first attempt
  that reached the server the message is `failed`, its text intact on
  disk, the local DSN in bounce_mbox holds the original; with the right
  password `outpost requeue` gets it delivered, byte for byte.
- at the same time, offline (nothing listens) for longer than
  queue_lifetime: nothing expires, because no attempt reached a server;
  the first real attempt (a flush once the server is there) delivers.
- a flush after the lifetime says how many messages it kept as failed.
"""

import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "lib"))
import postfix                  # noqa: E402
import smarthost                # noqa: E402
import util                     # noqa: E402

W = {}
TIMING = {"queue_lifetime": "1m", "retry_min": "1s", "retry_max": "5s"}
BODY = ("Line one of the body.\n\ttabbed line, trailing space \n"
        "Ünïcödé line\n.leading dot\n\nlast line\n")


def setup():
    W.update(smarthost.start())


def message(subject, mid):
    return util.make_message(subject, BODY, msgid=mid)


def queued_file(op, qid):
    with open(os.path.join(op.spool, "queue", qid + ".msg"), "rb") as f:
        return f.read()


def only(op):
    q = op.mailq()
    assert len(q) == 1, q
    return q[0]


def test_wrong_password_then_offline_longer_than_the_lifetime():
    # Both clocks run at once: the offline one needs the same minute.
    wrong = smarthost.outpost(W, **TIMING)
    wrong.set_password("not-the-password")
    offline = util.Outpost(os.path.join(W["tmp"], "offline"),
                           util.free_port(), W["pki"], **TIMING)
    # For flush's summary: one queued without a runner, tried by a flush.
    counted = smarthost.outpost(W, **TIMING)
    counted.set_password("not-the-password")
    counted.sendmail(["erin@example.org"],
                     message("f", "<wp-3@example.org>"), args=["-odq"])
    fl = counted.flush()
    assert fl.returncode == 75 and b"AUTH" in fl.stdout, fl
    raw = message("wrong password", "<wp-1@example.org>")
    p = wrong.sendmail(["bob@example.org"], raw, args=["-v"])
    qid = re.search(r"queued as ([0-9a-f]{20})", p.stderr.decode()).group(1)
    offline.sendmail(["carol@example.org"],
                     message("offline", "<off-1@example.org>"))

    def auth_failed():
        m = wrong.mailq()
        return m and m[0]["attempts"] >= 1 and "AUTH" in \
            m[0]["recipients"][0]["reason"]
    util.wait_for(auth_failed, 60, "the first AUTH failure")
    # The next sendmail still queues, says it in one line, exit 0.
    p = wrong.run(["sendmail", "-odq", "dave@example.org"],
                  input=message("second", "<wp-2@example.org>"))
    err = p.stderr.decode()
    assert p.returncode == 0 and p.stdout == b"", p
    assert err.count("\n") == 1 and "AUTH" in err and "535" in err, err
    assert "outpost doctor" in err, err
    # The runner logs an outcome right after it stored it (what mailq
    # showed above): its line may come a moment later.
    deferred = qid + r": warning: deferred: AUTH: authentication failed: 535"
    util.wait_for(lambda: re.search(deferred, wrong.log_text()), 60,
                  "the deferral in the log")
    log = wrong.run(["log"], check=True).stdout.decode()
    assert re.search(deferred, log), log

    def both_failed():
        return all(m.get("failed") for m in wrong.mailq())
    util.wait_for(both_failed, 120, "queue_lifetime to pass (failed)")
    wrong.wait_no_runner(timeout=60)    # nothing left to retry
    m = [m for m in wrong.mailq() if m["id"] == qid][0]
    assert m["recipients"][0]["status"] == "failed", m
    assert "expired" in m["recipients"][0]["reason"], m
    # The text is intact on disk, and the local DSN holds the original.
    body = BODY.encode()
    assert queued_file(wrong, qid).endswith(b"\n\n" + body)
    mbox = wrong.bounce_mbox()
    assert b"Action: failed" in mbox and b"Content-Type: message/rfc822" \
        in mbox, mbox[:2000]
    assert mbox.count(b"\n\n" + body) >= 1, "DSN lacks the original body"
    assert b"Message-ID: <wp-1@example.org>" in mbox
    assert re.search(qid + r": warning: expired: ", wrong.run(
        ["log"], check=True).stdout.decode())

    # Offline all this time (> queue_lifetime): nothing expired.
    m = only(offline)
    assert m["attempts"] >= 2, m
    assert m["recipients"][0]["status"] == "deferred", m
    assert not m.get("failed"), m
    assert offline.bounce_mbox() == b""

    # A flush past the lifetime says how many it kept as failed.
    fl = counted.flush()
    assert b"1 message kept as failed" in fl.stdout, fl
    assert only(counted)["failed"]

    # Right password, requeue: delivered byte for byte.
    wrong.set_password("s3cret-Pa55")
    wrong.run(["requeue", qid], check=True)
    got = W["pf"].wait_messages(1, timeout=60)
    assert postfix.strip_added_headers(got[0]).endswith(b"\n\n" + body)
    assert util.header_value(got[0], "Message-ID") == "<wp-1@example.org>"
    util.wait_for(lambda: len(wrong.mailq()) == 1, 60, "the requeued one "
                  "to leave the queue")

    # The offline one: its first real attempt delivers it.
    offline.write_config(smarthost="127.0.0.1:%d" %
                         W["pf"].ports["submission"])
    fl = offline.flush()
    assert fl.returncode == 0, (fl.stdout + fl.stderr).decode()
    W["pf"].wait_messages(2, timeout=60)
    assert offline.mailq() == []


if __name__ == "__main__":
    util.run_tests([test_wrong_password_then_offline_longer_than_the_lifetime],
                   setup=setup)
