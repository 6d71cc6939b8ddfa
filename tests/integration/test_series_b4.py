"""Real `b4 send` (Debian b4) of a 3-patch series with a cover letter
through Outpost to a real Postfix.  b4 ignores sendemail.sendmailcmd; it
runs sendemail.smtpserver when that holds a path, adding `-i -f FROM` and
the recipients, so the README set-up is
`sendemail.smtpserver = /path/to/outpost sendmail`.  b4 runs no
sendemail-validate hook: one bad patch is refused by outpost sendmail,
which holds the series, and nothing is delivered; fixed and sent again,
the 4 messages arrive once each, in order (cover first).
"""

import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "lib"))
import util                     # noqa: E402
import test_series_gitsendemail as gse  # noqa: E402

W = gse.W


def setup():
    if shutil.which("b4") is None:
        util.skip("b4 not installed (Debian: b4)")
    gse.setup()


def b4(args, env, repo, stdin=b""):
    return subprocess.run(["b4"] + args, env=env, cwd=repo, input=stdin,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=300)


def make_b4_repo(repo, env, bad):
    os.makedirs(repo)
    for args in (["init", "-q", "-b", "main", "."],
                 ["config", "user.name", "Pat Developer"],
                 ["config", "user.email", "pat@example.org"],
                 ["config", "sendemail.smtpserver",
                  "%s sendmail" % util.outpost_bin()]):
        gse.git(args, env, repo)
    with open(os.path.join(repo, "base.c"), "w") as f:
        f.write("int base;\n")
    gse.git(["add", "."], env, repo)
    gse.git(["commit", "-q", "-m", "base"], env, repo)
    proc = b4(["prep", "-n", "steps"], env, repo)
    assert proc.returncode == 0, proc.stderr.decode()
    for i in range(1, 4):
        with open(os.path.join(repo, "b4s%d.c" % i), "w") as f:
            f.write("int b4s%d(void)\n{\n\treturn %d;\n}\n" % (i, i))
        gse.git(["add", "."], env, repo)
        body = "Step %d of 3.\n" % i
        if i == bad:
            body += "\n" + gse.LONG + "\n"
        gse.git(["commit", "-q", "-s", "-m", "b4s: add step %d\n\n%s" %
                 (i, body)], env, repo)
    editor = os.path.join(repo, "..", "cover-editor")
    with open(editor, "w") as f:
        f.write("#!/bin/sh\nsed -i -e 's/^EDITME: cover title.*/b4s: three "
                "steps/' -e 's/^EDITME: describe.*/Three small steps./' "
                "\"$1\"\n")
    os.chmod(editor, 0o755)
    proc = b4(["prep", "--edit-cover"], dict(env, EDITOR=editor), repo)
    assert proc.returncode == 0, proc.stderr.decode()


def subjects():
    return gse.subjects_in_postfix("b4s") + [
        s for s in (util.header_value(m, "Subject") or ""
                    for m in W["pf"].messages()) if "0/3] b4s:" in s][:1]


def test_b4_send_bad_patch_then_fixed():
    op, env, d = gse.outpost()
    env = dict(env, HOME=os.path.join(d, "home"))
    repo = os.path.join(d, "repo")
    make_b4_repo(repo, env, bad=2)
    proc = b4(["send", "--no-sign", "--to", gse.LIST], env, repo, b"\n")
    err = proc.stderr.decode(errors="replace")
    assert proc.returncode != 0, err
    assert "series" in err and "held" in err, err
    op.wait_idle()
    q = op.mailq()
    assert [m["series"] for m in q] == [{"k": 0, "n": 3},
                                        {"k": 1, "n": 3}], q
    assert all(m["hold"]["state"] == "held" for m in q), q
    assert "patch 2/3 of this series was refused by lint" in \
        q[0]["hold"]["reason"], q
    gse.quiet_for(3 * gse.WAIT, subjects, "nothing of the series may go")
    gse.fix_repo(repo, env)
    proc = b4(["send", "--no-sign", "--to", gse.LIST], env, repo, b"\n")
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    util.wait_for(lambda: len(subjects()) >= 4, 60, "4 messages")
    op.wait_idle()
    assert op.mailq() == [], op.mailq()
    # Once each: b4 also puts the sender in Cc, so Postfix stores every
    # message twice (one file per recipient); Message-IDs tell them apart.
    got, seen = [], set()
    for m in W["pf"].messages():
        subj = util.header_value(m, "Subject") or ""
        mid = util.header_value(m, "Message-ID")
        if "b4s: " in subj and mid not in seen:
            seen.add(mid)
            got.append(subj)
    # cleanup's lines (the Message-IDs) may come after the files.
    ids = [a["message_id"] for a in W["pf"].wait_accepted(
        sorted(seen), "submission")]
    assert all(ids.count(i) == 1 for i in seen), ids
    assert got == ["[PATCH 0/3] b4s: three steps"] + gse.want("b4s"), got


if __name__ == "__main__":
    util.run_tests([test_b4_send_bad_patch_then_fixed], setup=setup)
