#!/usr/bin/python3
"""git send-email of a 5-patch series while the smarthost is down: every
`outpost sendmail` exits 0 and all five are queued; once Postfix is up,
`outpost flush` delivers all five, in order, over ONE SMTP connection
(counted from Postfix's "connect from" log lines).
"""

import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "lib"))
import util                     # noqa: E402
import ca                       # noqa: E402
import postfix                  # noqa: E402

N = 5


def git(args, env, cwd):
    proc = subprocess.run(["git"] + args, env=env, cwd=cwd,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=120)
    if proc.returncode != 0:
        raise AssertionError("git %s: %s" % (args[0], proc.stderr.decode()))
    return proc


def make_series(repo, env):
    os.makedirs(repo)
    git(["init", "-q", "-b", "main", "."], env, repo)
    for i in range(1, N + 1):
        with open(os.path.join(repo, "step%d.c" % i), "w") as f:
            f.write("int step%d(void)\n{\n\treturn %d;\n}\n" % (i, i))
        git(["add", "."], env, repo)
        git(["commit", "-q", "-s", "-m", "e2e: add step %d\n\n"
             "Step %d of %d, with a body line.\n" % (i, i, N)], env, repo)
    out = git(["format-patch", "-o", "out", "--root"], env, repo)
    return [os.path.join(repo, p) for p in out.stdout.decode().split()]


def test_series_queued_offline_then_one_session():
    util.require_outpost()
    postfix.require()
    if shutil.which("git") is None or subprocess.run(
            ["git", "send-email", "-h"], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL).returncode == 127:
        util.skip("git send-email not installed (Debian: git-email)")
    tmp = util.temp_dir()
    pki = ca.TestPKI(os.path.join(tmp, "pki"))
    pf = postfix.Postfix(os.path.join(tmp, "pf"), pki)    # not started
    # retry_min long: once the offline attempt failed nothing retries on
    # its own, so the only session to Postfix is the flush below.
    op = util.Outpost(os.path.join(tmp, "client"),
                      pf.ports["submission"], pki, retry_min="30m",
                      retry_max="1h", **{"from": "pat@example.org"})
    env = op.env()
    env.update({"GIT_AUTHOR_NAME": "Pat Developer",
                "GIT_AUTHOR_EMAIL": "pat@example.org",
                "GIT_COMMITTER_NAME": "Pat Developer",
                "GIT_COMMITTER_EMAIL": "pat@example.org",
                "GIT_CONFIG_NOSYSTEM": "1"})
    patches = make_series(os.path.join(tmp, "repo"), env)
    assert len(patches) == N, patches

    # A wrapper records every sendmail exit status (git stops on the first
    # failure, but we want to see all five zeros).
    log = os.path.join(tmp, "sendmail-status")
    wrapper = os.path.join(tmp, "sendmail-wrapper")
    with open(wrapper, "w") as f:
        f.write("#!/bin/sh\n'%s' sendmail \"$@\"\nrc=$?\n"
                "echo $rc >>'%s'\nexit $rc\n" % (util.outpost_bin(), log))
    os.chmod(wrapper, 0o755)
    proc = subprocess.run(
        ["git", "-c", "sendemail.sendmailcmd=" + wrapper, "send-email",
         "--to", "devel@lists.example.org",
         "--from", "Pat Developer <pat@example.org>",
         "--envelope-sender", "pat@example.org", "--suppress-cc=all",
         "--confirm=never", "--no-validate", "--quiet"] + patches,
        env=env, cwd=os.path.join(tmp, "repo"), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, timeout=300)
    assert proc.returncode == 0, proc.stderr.decode()
    with open(log) as f:
        assert f.read().split() == ["0"] * N

    op.wait_idle()
    q = op.mailq()
    subjects = [m["subject"] for m in q]
    want = ["[PATCH %d/%d] e2e: add step %d" % (i, N, i)
            for i in range(1, N + 1)]
    assert subjects == want, subjects
    for m in q:
        assert m["sender"] == "pat@example.org", m
        for r in m["recipients"]:
            assert r["address"] == "devel@lists.example.org", r
            assert r["status"] in ("pending", "deferred"), r
    assert pf.connects("submission") == 0

    pf.start()
    proc = op.flush()
    assert proc.returncode == 0, (proc.stdout + proc.stderr).decode()
    got = pf.wait_messages(N)
    assert [util.header_value(m, "Subject") for m in got] == want
    # cleanup's line (the Message-ID) of the last one may lag the 250.
    order = [a["message_id"] for a in pf.wait_accepted(
        [m["message_id"] for m in q], "submission")]
    assert order == [m["message_id"] for m in q], (order, q)
    util.wait_for(lambda: pf.connects("submission") >= 1, 60,
                  "the session in the Postfix log")
    assert pf.connects("submission") == 1, pf.log_lines("submission")
    assert pf.tls_handshakes("submission") == 1
    assert op.mailq() == []
    for raw in got:
        body = postfix.strip_added_headers(raw)
        assert b"Signed-off-by: Pat Developer <pat@example.org>" in body
        assert b"\n+int step" in body, body


if __name__ == "__main__":
    util.run_tests([test_series_queued_offline_then_one_session])
