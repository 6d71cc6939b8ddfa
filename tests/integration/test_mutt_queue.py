#!/usr/bin/python3
"""mutt (batch mode) -> outpost sendmail: the message is queued with the
envelope mutt asked for (sender from -f, To + Bcc recipients) and the Bcc
address appears nowhere in the queued message.

Uses the real mutt with a private muttrc; skips when mutt is absent.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

BUILD = os.environ.get("OUTPOST_BUILD", "build")
OUTPOST = os.path.join(BUILD, "outpost")


def main():
    if not os.access(OUTPOST, os.X_OK):
        print("skip: %s not built" % OUTPOST)
        return 77
    if shutil.which("mutt") is None:
        print("skip: mutt not installed")
        return 77
    tmp = tempfile.mkdtemp(prefix="outpost-mutt-")
    cfg = os.path.join(tmp, "config")
    spool = os.path.join(tmp, "spool")
    with open(cfg, "w") as f:
        f.write("smarthost smtp.example.org\nfrom other@example.org\n"
                "spool %s\nlint off\n" % spool)
    muttrc = os.path.join(tmp, "muttrc")
    with open(muttrc, "w") as f:
        f.write('set sendmail="%s sendmail -C %s -oem -oi"\n' % (OUTPOST, cfg))
        f.write('set from="me@example.org"\nset realname="Me Myself"\n'
                'set use_envelope_from=yes\nset hostname="example.org"\n'
                'set record=""\nset copy=no\nset folder="%s"\n'
                'set spoolfile="%s/inbox"\nset mbox_type=mbox\n'
                'set sendmail_wait=0\n'
                # mutt then writes a Bcc: header itself: ours must drop it
                'set write_bcc=yes\n' % (tmp, tmp))
    env = dict(os.environ, HOME=tmp, OUTPOST_NO_RUNNER="1", TERM="dumb")
    env.pop("OUTPOST_CONFIG", None)
    body = b"Hello,\n\nthis goes through mutt.\n"
    p = subprocess.run(["mutt", "-n", "-F", muttrc, "-s", "Mutt subject",
                        "-b", "hidden@example.net", "--",
                        "friend@example.com"],
                       input=body, env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    fails = []
    if p.returncode != 0:
        fails.append("mutt exit %d: %s" % (p.returncode,
                                           p.stderr.decode(errors="replace")))
    q = subprocess.run([OUTPOST, "mailq", "-C", cfg, "--json"], env=env,
                       stdout=subprocess.PIPE, timeout=60)
    msgs = [json.loads(l) for l in q.stdout.decode().splitlines() if l]
    if len(msgs) != 1:
        fails.append("queued %d messages" % len(msgs))
    else:
        m = msgs[0]
        rcpts = sorted(r["address"] for r in m["recipients"])
        if rcpts != ["friend@example.com", "hidden@example.net"]:
            fails.append("recipients %r" % rcpts)
        if m["sender"] != "me@example.org":
            fails.append("sender %r (mutt passes -f)" % m["sender"])
        if m["subject"] != "Mutt subject":
            fails.append("subject %r" % m["subject"])
        path = os.path.join(spool, "queue", m["id"] + ".msg")
        with open(path, "rb") as f:
            msg = f.read().split(b"\n\n", 1)[1]
        if b"hidden" in msg or b"\nBcc:" in msg:
            fails.append("Bcc leaked into the queued message")
        if b"Me Myself" not in msg or b"friend@example.com" not in msg:
            fails.append("From/To missing from the queued message")
        if b"this goes through mutt." not in msg:
            fails.append("body missing")
    for f in fails:
        print("FAIL:", f)
    if not fails:
        print("ok: mutt message queued, Bcc only in the envelope")
    shutil.rmtree(tmp, ignore_errors=True)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
