"""Stuck mail is announced, corrupt entries are reported (issue 8 point 3,
issue 10 point 3).

- Smarthost down: after a delivery attempt the next `outpost sendmail`
  still queues (exit 0, nothing on stdout) and prints exactly one stderr
  line naming the waiting mail and the session failure; `mailq` starts
  with the same summary on stderr; OUTPOST_QUIET silences sendmail.
- An unreadable queue entry that recovery moved to corrupt/ is reported
  by `mailq` (text and --json), by the sendmail notice, never silent.
"""

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "lib"))
import util                     # noqa: E402

W = {}


def setup():
    util.require_outpost()
    W["tmp"] = util.temp_dir()


def test_stuck_mail_notice():
    op = util.Outpost(os.path.join(W["tmp"], "stuck"), util.free_port())
    op.sendmail(["bob@example.org"], util.make_message("stuck", "x\n"),
                args=["-odq"])
    fl = op.flush()
    assert fl.returncode == 75, (fl.returncode, fl.stdout, fl.stderr)
    p = op.run(["sendmail", "-odq", "bob@example.org"],
               input=util.make_message("second", "y\n"))
    assert p.returncode == 0 and p.stdout == b"", p
    err = p.stderr.decode()
    assert err.count("\n") == 1, err
    assert "1 message waiting since" in err and "(connect:" in err \
        and "outpost doctor" in err, err
    mq = op.run(["mailq"])
    assert mq.stderr.decode().startswith("outpost: 1 message waiting"), mq
    env = op.env()
    env["OUTPOST_QUIET"] = "1"
    import subprocess
    p = subprocess.run([util.outpost_bin(), "sendmail", "-odq",
                        "bob@example.org"], input=b"Subject: q\n\nz\n",
                       env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    assert p.returncode == 0 and p.stderr == b"", p.stderr


def test_corrupt_entries_reported():
    op = util.Outpost(os.path.join(W["tmp"], "corrupt"), util.free_port())
    op.sendmail(["bob@example.org"], util.make_message("ok", "x\n"),
                args=["-odq"])
    bad = os.path.join(op.spool, "queue", "0" * 20 + ".msg")
    with open(bad, "wb") as f:
        f.write(b"version: 7\nnot an envelope\n\n")
    op.flush()          # recovery moves it aside
    assert os.listdir(os.path.join(op.spool, "corrupt")), "not moved"
    mq = op.run(["mailq"])
    assert b"corrupt/" in mq.stderr and b"0" * 20 in mq.stderr, mq.stderr
    js = op.run(["mailq", "--json"])
    lines = [json.loads(l) for l in js.stdout.decode().splitlines() if l]
    cor = [l for l in lines if "corrupt" in l]
    assert len(cor) == 1 and cor[0]["corrupt"]["count"] == 1, lines
    p = op.run(["sendmail", "-odq", "bob@example.org"],
               input=util.make_message("third", "z\n"))
    assert p.returncode == 0, p
    assert b"corrupt/" in p.stderr, p.stderr


if __name__ == "__main__":
    util.run_tests([test_stuck_mail_notice, test_corrupt_entries_reported],
                   setup)
