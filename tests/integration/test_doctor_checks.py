#!/usr/bin/python3
"""`outpost doctor` notices what would silently stop mail (issue 10.1 and
10.3): a server that refuses the sender (MAIL FROM is tried, then RSET,
never RCPT or DATA; the null sender too with bounce_to_smarthost), and
entries that recovery moved to corrupt/ (count, ids, why; exit 65).
"""

import os
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


def fault(name, scenario, **conf):
    d = os.path.join(W["tmp"], name)
    srv = faultsrv.FaultServer(os.path.join(d, "server"), W["pki"],
                               scenario)
    return srv, util.Outpost(os.path.join(d, "client"), srv.port, W["pki"],
                             **conf)


def lines(proc):
    return proc.stdout.decode(errors="replace").splitlines()


def step(proc, name):
    return [l for l in lines(proc) if l.split()[1:2] == [name.split()[0]]
            and name in l]


def test_sender_accepted_then_rset():
    srv, op = fault("accept", "raw_ok", bounce_to_smarthost="yes")
    p = op.run(["doctor"])
    assert p.returncode == 0, p
    got = step(p, "MAIL FROM")
    assert len(got) == 2 and all(l.startswith("OK") for l in got), lines(p)
    assert "<alice@example.org>" in got[0] and "<>" in got[1], got
    verbs = srv.verbs()
    assert verbs.count("MAIL") == 2 and verbs.count("RSET") >= 2, verbs
    assert "RCPT" not in verbs and "DATA" not in verbs, verbs
    assert srv.messages() == []


def test_sender_refused_is_a_config_failure():
    srv, op = fault("refuse", "mail553")
    p = op.run(["doctor"])
    assert p.returncode == 78, (p.returncode, lines(p))
    got = step(p, "MAIL FROM")
    assert len(got) == 1 and got[0].startswith("FAIL"), lines(p)
    assert "553" in got[0] and "not owned" in got[0], got
    assert "from" in got[0], got                # what to check
    assert "RSET" in srv.verbs() and "DATA" not in srv.verbs()
    assert b"s3cret" not in p.stdout + p.stderr


def test_corrupt_entries_reported_by_doctor():
    srv, op = fault("corrupt", "raw_ok")
    bad = os.path.join(op.spool, "queue", "7" * 20 + ".msg")
    op.sendmail(["bob@example.org"], util.make_message("ok", "x\n"),
                args=["-odq"])
    with open(bad, "wb") as f:
        f.write(b"version: 7\nnot an envelope\n\n")
    op.flush()                  # recovery moves it aside
    assert os.listdir(os.path.join(op.spool, "corrupt")), "not moved"
    p = op.run(["doctor"])
    assert p.returncode == 65, (p.returncode, lines(p))
    got = step(p, "spool corrupt/")
    assert len(got) == 1 and got[0].startswith("FAIL"), lines(p)
    assert "1 unreadable entry" in got[0] and "7" * 20 in got[0], got
    assert "did not parse" in got[0], got       # why
    # The session steps still ran and passed.
    assert [l for l in step(p, "MAIL FROM") if l.startswith("OK")], \
        lines(p)
    # An empty corrupt/ is said to be empty.
    srv2, op2 = fault("clean", "raw_ok")
    op2.sendmail(["bob@example.org"], util.make_message("ok", "x\n"),
                 args=["-odq"])
    p = op2.run(["doctor"])
    assert p.returncode == 0, lines(p)
    assert [l for l in step(p, "spool corrupt/") if l.startswith("OK")]


if __name__ == "__main__":
    util.run_tests([
        test_sender_accepted_then_rset,
        test_sender_refused_is_a_config_failure,
        test_corrupt_entries_reported_by_doctor,
    ], setup=setup)
