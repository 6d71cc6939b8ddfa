"""Resend protection (issue 9, point 4) against a real Postfix: patch mail
already delivered (same subject and body, same recipients; Date and
Message-ID may differ) is refused by `outpost sendmail` with exit 65 and
an explanation, nothing queued; OUTPOST_RESEND=1 or -oresend sends it
anyway.  Other recipients, replies and ordinary mail are never refused.
A series sent again whole with git send-email is refused at its first
patch; with OUTPOST_RESEND=1 for the run, the whole series goes.
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
import test_series_gitsendemail as gse  # noqa: E402

W = gse.W


def count(mid):
    return [a["message_id"] for a in W["pf"].accepted()].count(mid)


def patch(mid, subject="[PATCH] net: fix the frobnicator", to=gse.LIST):
    return util.make_message(subject, "The frobnicator was off by one.\n\n"
                             "Signed-off-by: Pat <pat@example.org>\n",
                             mfrom="Pat <pat@example.org>", to=to,
                             msgid=mid)


def test_single_patch_resend():
    op, env, d = gse.outpost()
    op.write_config(lint="off")
    op.sendmail([gse.LIST], patch("<rp-1@example.org>"))
    util.wait_for(lambda: count("<rp-1@example.org>") == 1, 60, "first")
    op.wait_idle()
    # Same patch, new Message-ID: refused, explained, nothing queued.
    proc = op.sendmail([gse.LIST], patch("<rp-2@example.org>"), check=False)
    err = proc.stderr.decode()
    assert proc.returncode == 65, (proc.returncode, err)
    assert "already delivered on" in err and gse.LIST in err, err
    assert "OUTPOST_RESEND=1" in err and "-oresend" in err, err
    assert op.mailq() == []
    # Another recipient set, a reply, plain mail: never refused.
    op.sendmail(["other@example.net"], patch("<rp-3@example.org>",
                                             to="other@example.net"))
    for i in (4, 5):
        op.sendmail([gse.LIST], patch("<rp-%d@example.org>" % i,
                                      subject="Re: [PATCH] net: fix it"))
    # The overrides.
    proc = subprocess.run([util.outpost_bin(), "sendmail", gse.LIST],
                          input=patch("<rp-6@example.org>"),
                          env=dict(op.env(), OUTPOST_RESEND="1"),
                          stderr=subprocess.PIPE, timeout=60)
    assert proc.returncode == 0, proc.stderr
    op.sendmail([gse.LIST], patch("<rp-7@example.org>"), args=["-oresend"])
    for i in (3, 4, 5, 6, 7):
        mid = "<rp-%d@example.org>" % i
        util.wait_for(lambda: count(mid) == 1, 60, mid)
    assert count("<rp-2@example.org>") == 0


def test_series_resent_whole():
    op, env, d = gse.outpost()
    repo = os.path.join(d, "repo")
    gse.make_repo(repo, env, "rs")
    files = gse.patches(repo, env)
    proc = gse.send(op, env, repo, files, ["--no-validate"])
    assert proc.returncode == 0, proc.stderr.decode()
    util.wait_for(lambda: len(gse.subjects_in_postfix("rs")) == 3, 60,
                  "first copy")
    op.wait_idle()
    proc = gse.send(op, env, repo, files, ["--no-validate"])
    assert proc.returncode != 0
    assert "already delivered" in proc.stderr.decode(), proc.stderr
    op.wait_idle()
    assert op.mailq() == [], op.mailq()
    proc = gse.send(op, dict(env, OUTPOST_RESEND="1"), repo, files,
                    ["--no-validate"])
    assert proc.returncode == 0, proc.stderr.decode()
    util.wait_for(lambda: len([a for a in W["pf"].messages() if b"rs: add"
                               in a]) >= 6, 60, "second copy")
    op.wait_idle()
    assert op.mailq() == []


if __name__ == "__main__":
    util.run_tests([test_single_patch_resend, test_series_resent_whole],
                   setup=gse.setup)
