"""Patch series go out whole or not at all (issue 9), with the real git
send-email and a real Postfix smarthost:

- `--no-validate`, 3 patches, patch 2 has a 100-column prose line: exit 65
  at patch 2, nothing reaches Postfix within 3 x series_wait, mailq shows
  1/3 held with the reason; fixed and sent again: exactly 3 arrive, once
  each, in order, in one session (the held old copy is superseded).
- per-patch recipients (--cc-cmd) with the sendemail-validate hook: a bad
  patch stops everything; fixed, the 3 arrive in order with their own Cc.
- a series whose patch 3 never comes: waiting, then held after
  series_wait, never sent; `outpost release --all` sends the two in order.
- mail that is not in a series (a reply, a single patch) goes at once.
"""

import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "lib"))
import util                     # noqa: E402
import ca                       # noqa: E402
import postfix                  # noqa: E402

WAIT = 2        # series_wait in seconds for these tests
LIST = "devel@lists.example.org"
W = {}
LONG = ("This sentence of the commit message is deliberately far too long "
        "for a list that wraps at 72 columns ok.")


def setup():
    util.require_outpost()
    postfix.require()
    if shutil.which("git") is None or subprocess.run(
            ["git", "send-email", "-h"], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL).returncode == 127:
        util.skip("git send-email not installed (Debian: git-email)")
    W["tmp"] = util.temp_dir()
    W["pki"] = ca.TestPKI(os.path.join(W["tmp"], "pki"))
    W["pf"] = postfix.Postfix(os.path.join(W["tmp"], "pf"), W["pki"])
    W["pf"].start()
    W["n"] = 0


def outpost():
    W["n"] += 1
    d = os.path.join(W["tmp"], "op%d" % W["n"])
    os.makedirs(d)
    op = util.Outpost(d, W["pf"].ports["submission"], W["pki"],
                      lint="reject", series_wait="%ds" % WAIT,
                      **{"from": "pat@example.org"})
    env = op.env()
    env.update({"GIT_AUTHOR_NAME": "Pat Developer",
                "GIT_AUTHOR_EMAIL": "pat@example.org",
                "GIT_COMMITTER_NAME": "Pat Developer",
                "GIT_COMMITTER_EMAIL": "pat@example.org",
                "GIT_CONFIG_NOSYSTEM": "1"})
    return op, env, d


def git(args, env, cwd, check=True):
    proc = subprocess.run(["git"] + args, env=env, cwd=cwd,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=120)
    if check and proc.returncode != 0:
        raise AssertionError("git %s: %s" % (args[0], proc.stderr.decode()))
    return proc


def make_repo(repo, env, tag, n=3, bad=None):
    """n commits; commit `bad` carries the long prose line."""
    os.makedirs(repo)
    git(["init", "-q", "-b", "main", "."], env, repo)
    for i in range(1, n + 1):
        with open(os.path.join(repo, "%s%d.c" % (tag, i)), "w") as f:
            f.write("int %s%d(void)\n{\n\treturn %d;\n}\n" % (tag, i, i))
        git(["add", "."], env, repo)
        body = "Step %d of %d.\n" % (i, n)
        if i == bad:
            body += "\n" + LONG + "\n"
        git(["commit", "-q", "-s", "-m", "%s: add step %d\n\n%s" %
             (tag, i, body)], env, repo)


def fix_repo(repo, env):
    """Reword every commit without the long line (same subjects)."""
    git(["-c", "core.editor=true", "filter-branch", "-f", "--msg-filter",
         "grep -v 'deliberately far too long'"], dict(
             env, FILTER_BRANCH_SQUELCH_WARNING="1"), repo)


def patches(repo, env, extra=()):
    shutil.rmtree(os.path.join(repo, "out"), ignore_errors=True)
    out = git(["format-patch", "-o", "out", "--root"] + list(extra), env,
              repo)
    return [os.path.join(repo, p) for p in out.stdout.decode().split()]


def send(op, env, repo, files, extra=(), suppress=("all",)):
    cmd = "%s sendmail" % util.outpost_bin()
    return subprocess.run(
        ["git", "-c", "sendemail.sendmailcmd=" + cmd, "send-email",
         "--to", LIST, "--from", "Pat Developer <pat@example.org>",
         "--envelope-sender", "pat@example.org", "--confirm=never",
         "--quiet"] + ["--suppress-cc=" + x for x in suppress] +
        list(extra) + files,
        env=env, cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        timeout=300)


def arrived(prefix):
    return [a for a in W["pf"].accepted("submission")
            if a["message_id"] and prefix in a["message_id"]]


def subjects_in_postfix(tag):
    """Subjects of the messages Postfix accepted for this tag, in order;
    one per message (a message to two recipients is two Maildir files)."""
    out, seen = [], set()
    for m in W["pf"].messages():
        subj = util.header_value(m, "Subject") or ""
        mid = util.header_value(m, "Message-ID")
        if mid in seen or not subj.endswith(
                tuple("%s: add step %d" % (tag, i) for i in range(1, 9))):
            continue
        seen.add(mid)
        out.append(subj)
    return out


def quiet_for(seconds, cond, what):
    """Assert cond() stays false for `seconds` (an absence can only be
    shown by waiting the whole time)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        assert not cond(), what
        time.sleep(0.2)


def want(tag, n=3):
    return ["[PATCH %d/%d] %s: add step %d" % (i, n, tag, i)
            for i in range(1, n + 1)]


def test_refused_patch_holds_series_then_resend():
    op, env, d = outpost()
    repo = os.path.join(d, "repo")
    make_repo(repo, env, "gse", bad=2)
    proc = send(op, env, repo, patches(repo, env), ["--no-validate"])
    err = proc.stderr.decode(errors="replace")
    assert proc.returncode != 0, err
    assert "series" in err and "held" in err, err
    op.wait_idle()
    q = op.mailq()
    assert [m["subject"] for m in q] == want("gse")[:1], q
    quiet_for(3 * WAIT, lambda: subjects_in_postfix("gse"),
              "nothing of the series may reach the smarthost")
    q = op.mailq()
    assert q[0]["series"] == {"k": 1, "n": 3}, q
    assert q[0]["hold"]["state"] == "held", q
    assert "patch 2/3 of this series was refused by lint: long-lines" in \
        q[0]["hold"]["reason"], q
    text = op.run(["mailq"], check=True).stdout.decode()
    assert "HELD: patch 2/3 of this series was refused by lint" in text, \
        text
    assert "Series: patch 1 of 3" in text, text
    # flush never sends held mail.
    op.flush()
    assert subjects_in_postfix("gse") == []
    # Fixed and sent again: the new copy replaces the held one.
    fix_repo(repo, env)
    before = W["pf"].connects("submission")
    proc = send(op, env, repo, patches(repo, env), ["--no-validate"])
    assert proc.returncode == 0, proc.stderr.decode()
    got = util.wait_for(lambda: len(subjects_in_postfix("gse")) >= 3 and
                        subjects_in_postfix("gse"), 60, "3 patches")
    op.wait_idle()
    assert op.mailq() == [], op.mailq()
    assert subjects_in_postfix("gse") == want("gse"), got
    util.wait_for(lambda: W["pf"].connects("submission") > before, 60,
                  "the session in the log")
    assert W["pf"].connects("submission") - before == 1, \
        W["pf"].connects("submission") - before


def test_per_patch_recipients_with_hook():
    op, env, d = outpost()
    repo = os.path.join(d, "repo")
    make_repo(repo, env, "cc", bad=3)
    hook = os.path.join(repo, ".git", "hooks", "sendemail-validate")
    with open(hook, "w") as f:
        f.write("#!/bin/sh\nexec '%s' lint --git-hook \"$@\"\n" %
                util.outpost_bin())
    os.chmod(hook, 0o755)
    cccmd = os.path.join(d, "cc-cmd")
    with open(cccmd, "w") as f:
        f.write("#!/bin/sh\nn=$(basename \"$1\" | cut -c1-4)\n"
                "echo \"reviewer$n@example.net\"\n")
    os.chmod(cccmd, 0o755)
    sup = ("self", "author", "sob", "body", "bodycc", "misc-by")
    proc = send(op, env, repo, patches(repo, env), ["--cc-cmd", cccmd],
                sup)
    assert proc.returncode != 0, proc.stderr.decode()
    op.wait_idle()
    assert op.mailq() == []
    fix_repo(repo, env)
    proc = send(op, env, repo, patches(repo, env), ["--cc-cmd", cccmd],
                sup)
    assert proc.returncode == 0, proc.stderr.decode()
    util.wait_for(lambda: len(subjects_in_postfix("cc")) >= 3, 60,
                  "3 patches")
    assert subjects_in_postfix("cc") == want("cc"), subjects_in_postfix("cc")
    ccs = []
    for m in W["pf"].messages():
        cc = util.header_value(m, "Cc")
        if "cc: add step" in (util.header_value(m, "Subject") or "") and \
                cc not in ccs:
            ccs.append(cc)
    assert ccs == ["reviewer000%d@example.net" % i for i in (1, 2, 3)], ccs


def test_incomplete_series_held_then_released():
    op, env, d = outpost()
    repo = os.path.join(d, "repo")
    make_repo(repo, env, "inc")
    files = patches(repo, env, ["--cover-letter"])
    assert len(files) == 4, files
    # The cover letter as format-patch wrote it has a placeholder subject.
    with open(files[0]) as f:
        cover = f.read().replace("*** SUBJECT HERE ***", "inc: steps") \
            .replace("*** BLURB HERE ***", "Three steps.")
    with open(files[0], "w") as f:
        f.write(cover)
    proc = send(op, env, repo, files[:3], ["--no-validate"])
    assert proc.returncode == 0, proc.stderr.decode()
    op.wait_idle()
    q = op.mailq()
    assert [m["series"] for m in q] == [{"k": k, "n": 3} for k in (0, 1, 2)]
    assert all(m["hold"]["state"] in ("waiting", "held") for m in q), q
    util.wait_for(lambda: all(m["hold"]["state"] == "held"
                              for m in op.mailq()), 10 * WAIT,
                  "the wait to end")
    assert "series incomplete: 3 of 4 queued" in op.mailq()[0]["hold"][
        "reason"], op.mailq()
    op.flush()
    quiet_for(WAIT, lambda: subjects_in_postfix("inc"), "held mail sent")
    op.run(["release", "--all"], check=True)
    util.wait_for(lambda: op.mailq() == [], 60, "released series to go")
    util.wait_for(lambda: len(subjects_in_postfix("inc")) >= 2, 60,
                  "two patches")
    subj = [util.header_value(m, "Subject") for m in W["pf"].messages()
            if "inc: " in (util.header_value(m, "Subject") or "")]
    assert subj == ["[PATCH 0/3] inc: steps"] + want("inc")[:2], subj


def test_not_a_series_never_waits():
    """A reply to a patch and a single patch go at once, series_wait or
    not, even next to a waiting series."""
    op, env, d = outpost()
    op.write_config(series_wait="1h", lint="off")
    for subj, mid in (("Re: [PATCH 2/3] x: y", "<reply-nw@example.org>"),
                      ("[PATCH] x: single", "<single-nw@example.org>"),
                      ("[PATCH 1/1] x: one", "<one-nw@example.org>")):
        op.sendmail(["bob@example.org"], util.make_message(
            subj, "Looks good.\n", msgid=mid))
    util.wait_for(lambda: op.mailq() == [], 60, "non-series mail to go")
    mids = ("<reply-nw@", "<single-nw@", "<one-nw@")
    # Postfix logs the Message-ID (cleanup) a little after our 250.
    util.wait_for(lambda: all(arrived(mid) for mid in mids), 60,
                  "their lines in the Postfix log")
    for mid in mids:
        assert len(arrived(mid)) == 1, mid


if __name__ == "__main__":
    util.run_tests([test_refused_patch_holds_series_then_resend,
                    test_per_patch_recipients_with_hook,
                    test_incomplete_series_held_then_released,
                    test_not_a_series_never_waits], setup=setup)
