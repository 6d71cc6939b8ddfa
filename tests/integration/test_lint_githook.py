#!/usr/bin/python3
"""`outpost lint --git-hook` as git send-email's sendemail-validate hook.

A temporary repository gets a 3-patch series from git format-patch; the
second patch carries a confidentiality notice.  git send-email, with the
hook installed and a recorder script as its sendmail, must refuse the
whole series before anything is handed to the recorder; with the notice
removed all three patches go through.  The headers-file form of newer git
($2) is exercised by calling the hook directly."""
import os
import shutil
import subprocess
import sys
import tempfile

BUILD = os.path.abspath(os.environ.get("OUTPOST_BUILD", "build"))
OUTPOST = os.path.join(BUILD, "outpost")
NOTICE = ("This message and its attachments are confidential and may be\n"
          "legally privileged. If you are not the intended recipient, you\n"
          "must not read, keep or pass it on. If you have received this\n"
          "message in error, please tell the sender and delete it.\n\n")

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what)


def git(repo, *args, env=None, check_rc=True):
    p = subprocess.run(["git", "-C", repo] + list(args), capture_output=True,
                       env=env, timeout=120, stdin=subprocess.DEVNULL)
    if check_rc and p.returncode != 0:
        raise RuntimeError("git %s: %s" % (" ".join(args), p.stderr.decode()))
    return p


def make_repo(tmp, env):
    repo = os.path.join(tmp, "repo")
    os.makedirs(repo)
    git(repo, "init", "-q", "-b", "main", env=env)
    with open(os.path.join(repo, "widget.c"), "w") as f:
        f.write("int widget_init(void)\n{\n\treturn 0;\n}\n")
    git(repo, "add", "widget.c", env=env)
    git(repo, "commit", "-q", "-m", "widget: initial driver", env=env)
    for i, msg in enumerate(["widget: add a probe stub",
                             "widget: add a remove stub",
                             "widget: document the stubs"]):
        with open(os.path.join(repo, "widget.c"), "a") as f:
            f.write("\nint widget_step%d(void)\n{\n\treturn %d;\n}\n" % (i, i))
        git(repo, "commit", "-q", "-a", "-m",
            msg + "\n\nAdd one more small function to the driver skeleton.",
            env=env)
    return repo


def install_hook(repo, tmp, env):
    hook = os.path.join(repo, ".git", "hooks", "sendemail-validate")
    with open(hook, "w") as f:
        f.write('#!/bin/sh\nexec "%s" lint --git-hook "$@"\n' % OUTPOST)
    os.chmod(hook, 0o755)
    rec = os.path.join(tmp, "recorded")
    recorder = os.path.join(tmp, "recorder.sh")
    with open(recorder, "w") as f:
        f.write('#!/bin/sh\n{ cat; echo "=== end of message"; } >> "%s"\n'
                % rec)
    os.chmod(recorder, 0o755)
    git(repo, "config", "sendemail.sendmailcmd", recorder, env=env)
    return rec


def send(repo, patches, env):
    return git(repo, "send-email", "--confirm=never", "--no-annotate",
               "--quiet", "--from=Ada Lindqvist <ada@example.org>",
               "--to=linux-kernel@vger.kernel.org",
               "--cc=Boris Okafor <boris@example.net>", *patches,
               env=env, check_rc=False)


def spoil(path):
    """Put the notice into the commit message of a patch file."""
    with open(path) as f:
        text = f.read()
    head, sob = text.split("Signed-off-by:", 1) if "Signed-off-by:" in text \
        else text.split("\n---\n", 1)
    sep = "Signed-off-by:" if "Signed-off-by:" in text else "\n---\n"
    with open(path, "w") as f:
        f.write(head + NOTICE + sep + sob)


def count_sent(rec):
    if not os.path.exists(rec):
        return 0
    with open(rec) as f:
        return f.read().count("=== end of message")


def test_series(tmp, env):
    repo = make_repo(tmp, env)
    rec = install_hook(repo, tmp, env)
    out = os.path.join(tmp, "out")
    git(repo, "format-patch", "-q", "-3", "-s", "-o", out, env=env)
    patches = sorted(os.path.join(out, p) for p in os.listdir(out))
    check(len(patches) == 3, "three patches made")
    good = open(patches[1]).read()
    spoil(patches[1])
    p = send(repo, patches, env)
    err = p.stderr.decode("utf-8", "replace")
    check(p.returncode != 0, "send-email refuses the series (rc %d)"
          % p.returncode)
    check(count_sent(rec) == 0, "nothing handed to sendmail: %d"
          % count_sent(rec))
    check("disclaimer" in err, "the hook said why: %s" % err[-400:])
    with open(patches[1], "w") as f:
        f.write(good)
    p = send(repo, patches, env)
    check(p.returncode == 0, "clean series goes through: %s"
          % p.stderr.decode("utf-8", "replace")[-400:])
    check(count_sent(rec) == 3, "all three sent: %d" % count_sent(rec))
    return patches[0]


def test_headers_file(tmp, patch, env):
    """Newer git: $2 holds the SMTP headers; recipient rules apply then."""
    hdr = os.path.join(tmp, "headers")
    with open(hdr, "w") as f:
        f.write("From: Ada Lindqvist <ada@example.org>\n"
                "To: Boris Okafor <boris@example.net>\n"
                "Subject: [PATCH 1/3] widget: add a probe stub\n"
                "Message-ID: <hook-1@example.org>\n")
    p = subprocess.run([OUTPOST, "lint", "--git-hook", patch, hdr],
                       capture_output=True, env=env, timeout=60)
    check(p.returncode == 1 and b"private" in p.stderr,
          "headers without a list: private error (rc %d)" % p.returncode)
    with open(hdr, "a") as f:
        f.write("Cc: linux-kernel@vger.kernel.org\n")
    p = subprocess.run([OUTPOST, "lint", "--git-hook", patch, hdr],
                       capture_output=True, env=env, timeout=60)
    check(p.returncode == 0, "headers with the list: accepted (rc %d: %s)"
          % (p.returncode, p.stderr.decode()[-300:]))
    p = subprocess.run([OUTPOST, "lint", "--git-hook"], capture_output=True,
                       env=env, timeout=60)
    check(p.returncode == 2, "hook without a patch is a usage error")


def test_policy(tmp, patch, env):
    """The config key `lint` applies to the hook: warn prints, off is
    silent; both let the patch through."""
    bad = os.path.join(tmp, "bad.patch")
    shutil.copy(patch, bad)
    spoil(bad)
    conf = os.path.join(tmp, "policy.conf")
    for policy, rc_want, talk in (("reject", 1, True), ("warn", 0, True),
                                  ("off", 0, False)):
        with open(conf, "w") as f:
            f.write("lint %s\n" % policy)
        p = subprocess.run([OUTPOST, "lint", "--git-hook", bad],
                           capture_output=True, timeout=60,
                           env=dict(env, OUTPOST_CONFIG=conf))
        check(p.returncode == rc_want and
              (b"disclaimer" in p.stderr) == talk,
              "lint %s: rc %d, stderr %r" % (policy, p.returncode,
                                             p.stderr[-200:]))


def add_commits(repo, n, env):
    for i in range(n):
        with open(os.path.join(repo, "widget.c"), "a") as f:
            f.write("\nint widget_more%d(void)\n{\n\treturn %d;\n}\n" % (i, i))
        git(repo, "commit", "-q", "-a", "-m",
            "widget: add helper %d\n\nOne more small helper." % i, env=env)


def test_series_once(tmp, env):
    """A 17-patch series: series-too-long is said once for the series (with
    its last patch), not 17 times; a warning lets the series through."""
    repo = make_repo(os.path.join(tmp, "long"), env)
    rec = install_hook(repo, os.path.join(tmp, "long"), env)
    add_commits(repo, 14, env)
    out = os.path.join(tmp, "long", "out")
    git(repo, "format-patch", "-q", "-17", "-s", "-o", out, env=env)
    patches = sorted(os.path.join(out, p) for p in os.listdir(out))
    check(len(patches) == 17, "17 patches made: %d" % len(patches))
    p = send(repo, patches, env)
    err = p.stderr.decode("utf-8", "replace")
    check(p.returncode == 0 and count_sent(rec) == 17,
          "long series sent (rc %d, %d sent)" % (p.returncode,
                                                 count_sent(rec)))
    check(err.count("warning: series-too-long") == 1,
          "series-too-long said once: %d times" %
          err.count("warning: series-too-long"))


def test_cc_comment(tmp, env):
    """get_maintainer.pl style recipients written by format-patch into the
    patch file ('addr (comment)', a comma missing): never refused as
    private; the same patch without the list still is."""
    repo = make_repo(os.path.join(tmp, "cc"), env)
    rec = install_hook(repo, os.path.join(tmp, "cc"), env)
    out = os.path.join(tmp, "cc", "out")
    git(repo, "format-patch", "-q", "-1", "-s", "-o", out,
        "--to=Bob Maint <bob@example.com> (maintainer:WIDGET DRIVER)",
        "--cc=linux-kernel@vger.kernel.org (open list:WIDGET DRIVER)",
        env=env)
    patch = os.path.join(out, os.listdir(out)[0])
    p = git(repo, "send-email", "--confirm=never", "--no-annotate",
            "--quiet", "--from=Ada Lindqvist <ada@example.org>", patch,
            env=env, check_rc=False)
    check(p.returncode == 0 and count_sent(rec) == 1,
          "Cc: list (comment) accepted: rc %d: %s" % (
              p.returncode, p.stderr.decode("utf-8", "replace")[-300:]))
    with open(patch) as f:
        text = f.read()
    for cc, want in (("Cc: Carl <carl@example.com> linux-kernel@"
                      "vger.kernel.org (open list)\n", 0),
                     ("Cc: Carl <carl@example.com> (reviewer)\n", 1)):
        bad = os.path.join(tmp, "cc", "variant.patch")
        with open(bad, "w") as f:
            f.write(re_cc(text, cc))
        p = subprocess.run([OUTPOST, "lint", "--git-hook", bad],
                           capture_output=True, env=env, timeout=60)
        check(p.returncode == want and (b"private" in p.stderr) == bool(want),
              "%r: rc %d %r" % (cc, p.returncode, p.stderr[-200:]))


def re_cc(text, cc):
    """The patch with its Cc: line replaced."""
    lines = text.split("\n")
    return "\n".join(cc.rstrip("\n") if l.startswith("Cc: ") else l
                     for l in lines)


def main():
    if not os.access(OUTPOST, os.X_OK):
        print("skip: %s not built" % OUTPOST)
        return 77
    if shutil.which("git") is None or not os.path.exists(os.path.join(
            subprocess.run(["git", "--exec-path"], capture_output=True,
                           text=True).stdout.strip(), "git-send-email")):
        print("skip: git send-email not installed (Debian git-email)")
        return 77
    tmp = tempfile.mkdtemp(prefix="outpost-githook-")
    conf = os.path.join(tmp, "config")
    open(conf, "w").close()
    env = dict(os.environ, HOME=tmp, XDG_CONFIG_HOME=tmp,
               OUTPOST_CONFIG=conf, NO_COLOR="1",
               GIT_CONFIG_NOSYSTEM="1", GIT_AUTHOR_NAME="Ada Lindqvist",
               GIT_AUTHOR_EMAIL="ada@example.org",
               GIT_COMMITTER_NAME="Ada Lindqvist",
               GIT_COMMITTER_EMAIL="ada@example.org")
    try:
        first = test_series(tmp, env)
        test_headers_file(tmp, first, env)
        test_policy(tmp, first, env)
        test_series_once(tmp, env)
        test_cc_comment(tmp, env)
    finally:
        shutil.rmtree(tmp)
    print("%d failure(s)" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
