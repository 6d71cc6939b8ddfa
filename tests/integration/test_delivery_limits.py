#!/usr/bin/python3
"""Server limits (issue 10.11): a server that takes only a few recipients
per transaction (452 4.5.3 "too many recipients") gets the rest in the next
transactions of the same session at once, never after a backoff (RFC 5321
4.5.3.1.10).  Once through the one-message path (the fault server offers no
CHUNKING) and once through the window of messages in flight (Postfix with
smtpd_recipient_limit=3).
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "lib"))
import util                     # noqa: E402
import faultsrv                 # noqa: E402
import smarthost                # noqa: E402

W = {}
RCPTS = ["r%d@example.org" % i for i in range(1, 9)]     # 8 recipients


def setup():
    W.update(smarthost.start())


def out(proc):
    return (proc.stdout + proc.stderr).decode(errors="replace")


def queue(op, name, rcpts=RCPTS):
    mid = "<limit-%s@example.org>" % name
    op.sendmail(rcpts, util.make_message("limit " + name, "body\n",
                                         msgid=mid), args=["-odq"])
    return mid


def test_452_rest_in_next_transactions_fault_server():
    d = os.path.join(W["tmp"], "rcpt_limit3")
    srv = faultsrv.FaultServer(os.path.join(d, "server"), W["pki"],
                               "rcpt_limit3")
    op = util.Outpost(os.path.join(d, "client"), srv.port, W["pki"],
                      retry_min="1h", retry_max="2h")
    mid = queue(op, "fault")
    proc = op.flush()
    assert proc.returncode == 0, out(proc)
    msgs = [m for m in srv.messages() if mid.encode() in m["data"]]
    # 3 + 3 + 2, each recipient exactly once, one session.
    assert [len(m["rcpts"]) for m in msgs] == [3, 3, 2], msgs
    got = sorted(r for m in msgs for r in m["rcpts"])
    assert got == sorted(RCPTS), got
    assert srv.connections() == 1, srv.connections()
    assert op.mailq() == [], op.mailq()
    # Every "too many" was answered by a new transaction, not a retry
    # later: the 5 refusals of the first one and the 2 of the second.
    verbs = srv.verbs()
    assert verbs.count("MAIL") == 3 and verbs.count("DATA") == 3, verbs


def test_452_rest_in_next_transactions_postfix_window():
    pf = W["pf"]
    op = smarthost.outpost(W, "rcptlimit", retry_min="1h", retry_max="2h")
    mid = queue(op, "postfix")
    # A second message behind it: the window goes on with it as well.
    mid2 = queue(op, "postfix2", rcpts=RCPTS[:2])
    proc = op.flush()
    assert proc.returncode == 0, out(proc)
    # By Message-ID, not by a count of files taken before: delivery to
    # the Maildir lags the 250s, so an earlier test's mail may be late.
    to = sorted(util.header_value(r, "Delivered-To")
                for r in pf.wait_delivered(mid, len(RCPTS)))
    assert to == sorted(RCPTS), to
    assert len(pf.wait_delivered(mid2, 2)) == 2

    # The three transactions' log lines (postlogd writes them a little
    # after the 250s).
    def acc():
        return [a for a in pf.accepted("rcptlimit")
                if a["message_id"] == mid]
    util.wait_for(lambda: len(acc()) >= 3, 60, "3 transactions of " + mid)
    assert len(acc()) == 3, acc()
    assert pf.connects("rcptlimit") == 1, pf.connects("rcptlimit")
    assert op.mailq() == [], op.mailq()


if __name__ == "__main__":
    util.run_tests([
        test_452_rest_in_next_transactions_fault_server,
        test_452_rest_in_next_transactions_postfix_window,
    ], setup=setup)
