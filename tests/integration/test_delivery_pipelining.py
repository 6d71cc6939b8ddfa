#!/usr/bin/python3
"""The window over DATA (RFC 2920 pipelining across messages, no CHUNKING)
against the fault server: several messages over one connection, in
submission order, each next MAIL already behind the previous "." when the
server reads it (the raw server records what came with the dot); and with
aiosmtpd, a message whose only recipient is refused gets no text (its DATA
is refused) while the messages around it are delivered.
"""

import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "lib"))
import util                     # noqa: E402
import ca                       # noqa: E402
import faultsrv                 # noqa: E402

W = {}


def setup():
    util.require_outpost()
    W["tmp"] = util.temp_dir()
    W["pki"] = ca.TestPKI(os.path.join(W["tmp"], "pki"))


def start(name, scenario):
    d = os.path.join(W["tmp"], name)
    srv = faultsrv.FaultServer(os.path.join(d, "server"), W["pki"], scenario)
    op = util.Outpost(os.path.join(d, "client"), srv.port, W["pki"])
    return srv, op


def queue(op, mids, rcpts_of, body_of):
    for i, mid in enumerate(mids):
        op.sendmail(rcpts_of(i), util.make_message(
            "pipelined %d" % i, body_of(i), msgid=mid), args=["-odq"])


def received_mids(srv):
    out = []
    for m in srv.messages():
        h = re.search(rb"(?im)^Message-ID:\s*(<[^>]+>)", m["data"])
        out.append(h.group(1).decode() if h else None)
    return out


def test_next_mail_rides_behind_each_dot():
    srv, op = start("behind", "raw_ok")
    mids = ["<pipe-%d@example.org>" % i for i in range(8)]
    # Message 3 is 100 KB: its text takes several writes, the "." and
    # the next envelope still go together in the last one.
    queue(op, mids, lambda i: ["bob@example.org", "carol@example.org"],
          lambda i: ("line %d of a longer text\n" % i) *
          (4000 if i == 3 else 150))
    proc = op.flush()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert op.mailq() == []
    assert srv.connections() == 1, srv.connections()
    assert received_mids(srv) == mids, received_mids(srv)
    dots = srv.has_event("dot")
    assert len(dots) == len(mids), dots
    for i, d in enumerate(dots[:-1]):
        if i == 3:
            continue        # a TLS record may end right after that "."
        assert d["behind"].startswith("MAIL FROM:<alice@example.org>"), \
            (i, d["behind"])
    assert dots[-1]["behind"] == "", dots[-1]
    verbs = srv.verbs()
    assert verbs.count("DATA") == len(mids), verbs
    assert "RSET" not in verbs and "BDAT" not in verbs, verbs


def test_data_refused_for_one_message_the_others_arrive():
    """aiosmtpd refuses DATA (554, no 354) after the only RCPT of the
    third message was refused: that text is never sent, the message fails
    (bounced to the sender), the others arrive in order on one connection."""
    srv, op = start("refused", "rcpt550_one")
    mids = ["<refused-%d@example.org>" % i for i in range(6)]
    queue(op, mids, lambda i: ["bad@example.org"] if i == 2 else
          ["bob@example.org"], lambda i: "text of message %d\n" % i)
    proc = op.flush()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    q = op.mailq()      # the failed one is kept with its text, failed
    assert [m["message_id"] for m in q] == [mids[2]] and q[0]["failed"], q
    assert q[0]["recipients"][0]["reason"].startswith("RCPT TO: 550"), q
    want = [m for i, m in enumerate(mids) if i != 2]
    got = [m for m in received_mids(srv) if m in mids]
    assert got == want, got
    assert srv.connections() == 1, srv.connections()
    assert b"text of message 2" not in b"".join(
        m["data"] for m in srv.messages())
    assert b"refused-2@example.org" in op.bounce_mbox(), "no bounce"
    # One MAIL each; one RSET, right after the refused transaction (the
    # others ended with their "."); nothing sent twice.
    cmds = srv.commands()
    assert [c.split()[0] for c in cmds].count("MAIL") == 6, cmds
    rsets = [i for i, c in enumerate(cmds) if c == "RSET"]
    assert len(rsets) == 1 and "bad@" in cmds[rsets[0] - 1], cmds


if __name__ == "__main__":
    util.run_tests([
        test_next_mail_rides_behind_each_dot,
        test_data_refused_for_one_message_the_others_arrive,
    ], setup=setup)
