#!/usr/bin/python3
"""git send-email -> outpost sendmail: a 3-patch series made with
git format-patch is queued whole, in submission order, with the right
envelope, and every sendmail run exits 0 (git stops the series on the
first non-zero exit).

Uses the real `git send-email` (Debian package git-email) with
sendemail.sendmailcmd pointing at the built binary; skips when absent.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

BUILD = os.environ.get("OUTPOST_BUILD", "build")
OUTPOST = os.path.join(BUILD, "outpost")


def run(cmd, env, cwd, **kw):
    return subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=120, **kw)


def make_series(repo, env):
    run(["git", "init", "-q", "-b", "main", repo], env, None)
    for i, name in enumerate(("first", "second", "third"), 1):
        with open(os.path.join(repo, "file%d.c" % i), "w") as f:
            f.write("int %s(void)\n{\n\treturn %d;\n}\n" % (name, i))
        run(["git", "add", "."], env, repo)
        run(["git", "commit", "-q", "-m", "add the %s function\n\n"
             "It returns %d, which the caller needs." % (name, i)],
            env, repo)
    out = run(["git", "format-patch", "-o", "out", "--root"], env, repo)
    return sorted(os.path.join(repo, p.decode()) for p in
                  out.stdout.split() if p)


def main():
    if not os.access(OUTPOST, os.X_OK):
        print("skip: %s not built" % OUTPOST)
        return 77
    if shutil.which("git") is None or run(["git", "send-email", "-h"],
                                          os.environ, None).returncode == 127:
        print("skip: git send-email not installed (Debian: git-email)")
        return 77
    tmp = tempfile.mkdtemp(prefix="outpost-git-")
    cfg = os.path.join(tmp, "config")
    spool = os.path.join(tmp, "spool")
    with open(cfg, "w") as f:
        f.write("smarthost smtp.example.org\nfrom me@example.org\n"
                "spool %s\nlint off\n" % spool)
    env = dict(os.environ, HOME=tmp, OUTPOST_NO_RUNNER="1",
               GIT_AUTHOR_NAME="Pat Developer",
               GIT_AUTHOR_EMAIL="pat@example.org",
               GIT_COMMITTER_NAME="Pat Developer",
               GIT_COMMITTER_EMAIL="pat@example.org",
               GIT_CONFIG_NOSYSTEM="1")
    env.pop("OUTPOST_CONFIG", None)
    repo = os.path.join(tmp, "repo")
    patches = make_series(repo, env)
    if len(patches) != 3:
        print("FAIL: format-patch made %r" % patches)
        return 1
    # git runs the command through sh -c "$cmd \"$@\"": quote the paths.
    cmd = "'%s' sendmail -C '%s'" % (OUTPOST, cfg)
    p = run(["git", "-c", "sendemail.sendmailcmd=" + cmd, "send-email",
             "--to", "list@lists.example.org", "--cc", "rev@example.com",
             "--from", "Pat Developer <pat@example.org>",
             "--envelope-sender", "pat@example.org",
             "--suppress-cc=all", "--confirm=never", "--no-validate",
             "--quiet"] + patches, env, repo)
    fails = []
    if p.returncode != 0:
        fails.append("git send-email exit %d: %s" %
                     (p.returncode, p.stderr.decode(errors="replace")))
    q = run([OUTPOST, "mailq", "-C", cfg, "--json"], env, None)
    msgs = [json.loads(l) for l in q.stdout.decode().splitlines() if l]
    subjects = [m["subject"] for m in msgs]
    want = ["[PATCH %d/3] add the %s function" % (i, n) for i, n in
            ((1, "first"), (2, "second"), (3, "third"))]
    if subjects != want:
        fails.append("queued subjects %r, want %r" % (subjects, want))
    for m in msgs:
        rcpts = sorted(r["address"] for r in m["recipients"])
        if rcpts != ["list@lists.example.org", "rev@example.com"]:
            fails.append("recipients %r" % rcpts)
        if m["sender"] != "pat@example.org":
            fails.append("sender %r" % m["sender"])
        if not m["message_id"].startswith("<"):
            fails.append("message id %r" % m["message_id"])
    ids = [m["id"] for m in msgs]
    if ids != sorted(ids):
        fails.append("ids not in submission order: %r" % ids)
    text = run([OUTPOST, "mailq", "-C", cfg], env, None).stdout.decode()
    if "in 3 Requests." not in text:
        fails.append("mailq text footer: %r" % text[-80:])
    for f in fails:
        print("FAIL:", f)
    if not fails:
        print("ok: 3 patches queued in order")
    shutil.rmtree(tmp, ignore_errors=True)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
