#!/usr/bin/python3
"""`outpost sendmail` started with almost no environment (env -i, a
minimal cron or service): no HOME, LOGNAME or USER.

The default build links `outpost` statically and then never asks the
password database (conf/conf_pwdb_env.c), so what it needs must come from
the config or the message, and anything missing is refused with a reason,
never guessed: no null sender, no relative spool.  A dynamic build may
still find a home and login name in the password database; the cases that
depend on it say so.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "lib"))
import util                     # noqa: E402

OUTPOST = util.outpost_bin()
W = {}


def write_config(name, body):
    path = os.path.join(W["dir"], name)
    with open(path, "w") as f:
        f.write("smarthost smtp.example.org\nlint off\n" + body)
    return path


def bare_sendmail(cfg, msg, args=()):
    """sendmail with only PATH (and the no-runner switch) set."""
    env = {"PATH": "/usr/bin:/bin", "OUTPOST_NO_RUNNER": "1"}
    p = subprocess.run([OUTPOST, "sendmail", "-C", cfg, "-odq", "-v", "-i"] +
                       list(args) + ["rcpt@example.org"], input=msg,
                       capture_output=True, env=env, timeout=60)
    return p.returncode, p.stderr.decode(errors="replace")


def queued(spool):
    q = os.path.join(spool, "queue")
    return sorted(f for f in os.listdir(q) if f.endswith(".msg")) \
        if os.path.isdir(q) else []


MSG = b"From: Pat <pat@example.org>\nTo: rcpt@example.org\nSubject: t\n\nx\n"
NOFROM = b"To: rcpt@example.org\nSubject: t\n\nx\n"


def test_configured_sender_needs_no_environment():
    spool = os.path.join(W["dir"], "s1")
    cfg = write_config("c1", "from me@example.org\nspool %s\n" % spool)
    rc, err = bare_sendmail(cfg, MSG)
    assert rc == 0, err
    assert "sender <me@example.org>" in err, err
    assert len(queued(spool)) == 1


def test_no_sender_anywhere_takes_from_header_or_refuses():
    spool = os.path.join(W["dir"], "s2")
    cfg = write_config("c2", "spool %s\n" % spool)
    rc, err = bare_sendmail(cfg, MSG)
    assert rc == 0, err
    if not util.elf_has_interp(OUTPOST):
        # No login name to make login@host from: the From: address.
        assert "sender <pat@example.org>" in err, err
    else:
        assert re.search(r"sender <[^<>@]+@[^<>]+>", err), err
    if util.elf_has_interp(OUTPOST):
        return          # login@host from the password database
    rc, err = bare_sendmail(cfg, NOFROM)
    assert rc == 78, (rc, err)
    assert "no sender address" in err and "`from" in err, err
    assert len(queued(spool)) == 1, "the refused message was queued"
    # An explicit null sender (-f '<>') is still the caller's choice.
    rc, err = bare_sendmail(cfg, NOFROM, ["-f", "<>"])
    assert rc == 0, err


def test_home_relative_spool_without_home():
    cfg = write_config("c3", "from me@example.org\nspool ~/spool\n")
    rc, err = bare_sendmail(cfg, MSG)
    if not util.elf_has_interp(OUTPOST):
        assert rc == 78, (rc, err)
        assert "HOME is not set" in err, err
    else:
        assert rc in (0, 78), (rc, err)     # the password database decides


def main():
    if shutil.which("readelf") is None:
        util.skip("readelf (binutils) is not installed")
    W["dir"] = tempfile.mkdtemp(prefix="outpost-bare-env-")
    try:
        util.run_tests([test_configured_sender_needs_no_environment,
                        test_no_sender_anywhere_takes_from_header_or_refuses,
                        test_home_relative_spool_without_home])
    finally:
        shutil.rmtree(W["dir"], ignore_errors=True)


if __name__ == "__main__":
    main()
