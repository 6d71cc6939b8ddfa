#!/usr/bin/python3
"""The delivery log (issue 8 point 2): every decision is one time-stamped
line in $XDG_STATE_HOME/outpost/log, shown by `outpost log [-n N] [-f]`.

- queued and sent (with the server's reply and its queue id), through the
  run sendmail starts, against real Postfix;
- deferred (a reply full of terminal escapes: printable in the log),
  failed and bounced, through flush against the fault server;
- by hand: hold shows up in `outpost log -f` while it follows;
- never the password or the message text: the log, mailq (text and JSON)
  and the spool after delivery are searched for both.
"""

import os
import re
import select
import signal
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "lib"))
import faultsrv                 # noqa: E402
import smarthost                # noqa: E402
import util                     # noqa: E402

W = {}
MARKER = "BODY-MARKER-7f3a9c"
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} "
                   r"outpost(-deliver)?\[\d+\]: ")


def setup():
    W.update(smarthost.start())
    W["op"] = smarthost.outpost(W)


def log_path(op):
    return os.path.join(op.home, ".state", "outpost", "log")


def log_text(op):
    try:
        with open(log_path(op), "rb") as f:
            return f.read().decode()
    except FileNotFoundError:
        return ""


def lines_of(op, qid):
    return [ln for ln in log_text(op).splitlines() if ": %s: " % qid in ln]


def queue_id(proc):
    m = re.search(r"queued as ([0-9a-f]{20})", proc.stderr.decode())
    assert m, proc.stderr
    return m.group(1)


def test_queued_and_sent_through_the_on_demand_run():
    op = W["op"]
    p = op.sendmail(["bob@example.org"], util.make_message(
        "logged", "secret text %s\n" % MARKER), args=["-v"])
    qid = queue_id(p)
    W["pf"].wait_messages(1)
    op.wait_no_runner()
    got = lines_of(op, qid)
    assert all(STAMP.match(ln) for ln in got), got
    assert any("queued: from=<alice@example.org> to=<bob@example.org> "
               "(1 recipient," in ln for ln in got), got
    sent = [ln for ln in got if "sent to 1 recipient(s): " in ln]
    assert sent and re.search(r"250 .*queued as [0-9A-F]+", sent[0]), got


def fault_outpost(name):
    d = os.path.join(W["tmp"], name)
    srv = faultsrv.FaultServer(os.path.join(d, "server"), W["pki"], name)
    return util.Outpost(os.path.join(d, "client"), srv.port, W["pki"])


def test_deferred_failed_bounced():
    op = fault_outpost("rcpt451_esc")
    p = op.sendmail(["bob@example.org"], util.make_message("d", "x\n"),
                    args=["-odq", "-v"])
    qid = queue_id(p)
    op.flush()
    text = log_text(op)
    assert "\x1b" not in text and "\x07" not in text, repr(text)
    assert any("warning: deferred: RCPT" in ln and "451 4.3.0" in ln
               for ln in lines_of(op, qid)), text

    op = fault_outpost("rcpt550_one")
    p = op.sendmail(["good@example.org", "bad@example.org"],
                    util.make_message("f", "x\n"), args=["-odq", "-v"])
    qid = queue_id(p)
    op.flush()
    got = lines_of(op, qid)
    assert any("sent to 1 recipient(s)" in ln for ln in got), got
    assert any("failed: 1 recipient(s): RCPT" in ln and "550" in ln
               for ln in got), got
    assert any("bounced: delivery report" in ln for ln in got), got
    shown = op.run(["log"], check=True).stdout.decode()
    assert shown.splitlines() == log_text(op).splitlines()
    last = op.run(["log", "-n", "1"], check=True).stdout.decode()
    assert last.splitlines() == log_text(op).splitlines()[-1:]
    assert op.run(["log", "-n", "x"]).returncode == 64


def test_follow_shows_a_hold():
    op = W["op"]
    p = op.sendmail(["carol@example.org"], util.make_message("h", "x\n"),
                    args=["-odq", "-v"])
    qid = queue_id(p)
    last = log_text(op).splitlines()[-1].encode()
    f = op.popen(["log", "-f", "-n", "3"])
    try:
        buf = b""

        def got(want):
            nonlocal buf
            while select.select([f.stdout], [], [], 0)[0]:
                chunk = os.read(f.stdout.fileno(), 65536)
                if not chunk:
                    break
                buf += chunk
            return want in buf
        # The last line logged so far shows that log -f has the file open
        # and is at its end; only then is the new line made (a hold done
        # before that would race the follower's start).
        util.wait_for(lambda: got(last), 60, "the last line in log -f")
        op.run(["hold", qid], check=True)
        util.wait_for(lambda: got(("%s: held (outpost hold)" % qid).encode()),
                      60, "the hold in outpost log -f")
    finally:
        f.send_signal(signal.SIGTERM)
        f.wait(timeout=20)
    op.run(["delete", "-y", qid], check=True)
    assert any("deleted (outpost delete)" in ln for ln in lines_of(op, qid))


def spool_bytes(op):
    out = b""
    for root, _, files in os.walk(op.spool):
        for name in files:
            try:
                with open(os.path.join(root, name), "rb") as f:
                    out += f.read()
            except OSError:
                pass
    return out


def test_no_password_no_message_text():
    op = W["op"]
    pw = b"s3cret-Pa55"
    texts = {
        "log": log_text(op).encode(),
        "mailq": op.run(["mailq"]).stdout + op.run(["mailq"]).stderr,
        "mailq --json": op.run(["mailq", "--json"]).stdout,
        "spool": spool_bytes(op),
    }
    assert texts["log"], "nothing was logged"
    for name, data in texts.items():
        assert pw not in data, "the password is in the %s" % name
        assert MARKER.encode() not in data, "message text in the %s" % name


if __name__ == "__main__":
    util.run_tests([test_queued_and_sent_through_the_on_demand_run,
                    test_deferred_failed_bounced, test_follow_shows_a_hold,
                    test_no_password_no_message_text], setup=setup)
