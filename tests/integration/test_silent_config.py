"""Config problems: one owner of the lint policy and delivery problems
that never block queueing (issue 8 point 5, issue 7 point 4).

- `lint_rule top-psot off` (a misspelt rule id) is the same exit 78 and
  the same message from `outpost lint`, `outpost sendmail` and `outpost
  doctor`.
- A password file of mode 0640 (a delivery problem): `outpost sendmail`
  queues the message (exit 0) with one warning line on stderr; `mailq`
  names the problem; delivery (`flush`) is refused with 78 and the chmod
  hint.  The same for a bad smarthost value.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "lib"))
import util                     # noqa: E402

W = {}


def setup():
    util.require_outpost()
    W["tmp"] = util.temp_dir()


def outpost(name, **conf):
    return util.Outpost(os.path.join(W["tmp"], name), 2525, **conf)


def test_misspelt_rule_same_error_everywhere():
    op = outpost("rule", lint_rule="top-psot off")
    msg = util.make_message("rule", "hello\n")
    lint = op.run(["lint", "-"], input=msg)
    send = op.run(["sendmail", "-odq", "bob@example.org"], input=msg)
    doc = op.run(["doctor"])
    for name, p in (("lint", lint), ("sendmail", send), ("doctor", doc)):
        assert p.returncode == 78, "%s exit %d: %s" % (
            name, p.returncode, p.stderr.decode(errors="replace"))
    needle = b"lint_rule top-psot: no such rule"
    assert needle in lint.stderr, lint.stderr
    assert needle in send.stderr, send.stderr
    assert needle in doc.stdout, doc.stdout
    assert op.mailq() == [], "a message was queued despite the 78"


def test_password_file_mode_does_not_block_queueing():
    op = outpost("mode")
    os.chmod(op.password_file, 0o640)
    msg = util.make_message("mode", "queued anyway\n")
    p = op.run(["sendmail", "-odq", "bob@example.org"], input=msg)
    assert p.returncode == 0, p.stderr
    err = p.stderr.decode()
    assert err.count("\n") == 1, "want one stderr line: %r" % err
    assert "chmod 600" in err and "queued" in err, err
    assert p.stdout == b"", p.stdout
    q = op.mailq()
    assert len(q) == 1, q
    mq = op.run(["mailq"])
    assert b"chmod 600" in mq.stderr, mq.stderr
    fl = op.flush()
    assert fl.returncode == 78, (fl.returncode, fl.stderr)
    assert b"chmod 600" in fl.stderr, fl.stderr
    assert len(op.mailq()) == 1, "the message must stay queued"
    quiet = op.env()
    quiet["OUTPOST_QUIET"] = "1"
    import subprocess
    p = subprocess.run([util.outpost_bin(), "sendmail", "-odq",
                        "bob@example.org"], input=msg, env=quiet,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=60)
    assert p.returncode == 0 and p.stderr == b"", p.stderr


def test_bad_smarthost_does_not_block_queueing():
    op = outpost("host")
    op.write_config(smarthost="bad host name!")
    p = op.run(["sendmail", "-odq", "bob@example.org"],
               input=util.make_message("host", "x\n"))
    assert p.returncode == 0, p.stderr
    assert b"smarthost" in p.stderr, p.stderr
    assert len(op.mailq()) == 1
    # A problem in a key that queueing needs still refuses.
    op.write_config(spool="relative/path")
    p = op.run(["sendmail", "-odq", "bob@example.org"],
               input=util.make_message("host2", "x\n"))
    assert p.returncode == 78, (p.returncode, p.stderr)


if __name__ == "__main__":
    util.run_tests([test_misspelt_rule_same_error_everywhere,
                    test_password_file_mode_does_not_block_queueing,
                    test_bad_smarthost_does_not_block_queueing], setup)
