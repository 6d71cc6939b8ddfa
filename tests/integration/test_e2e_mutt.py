#!/usr/bin/python3
"""mutt in batch mode sends through `outpost sendmail -oem -oi` while the
smarthost is down: mutt exits 0, the message is queued; after Postfix comes
up, `outpost flush` delivers it to the To and the Bcc recipient, with the
body intact and no Bcc header in either copy.
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

BODY = (b"Hello,\n\nthis went through mutt while the smarthost was down.\n"
        b".a line starting with a dot\n\n-- \nMe\n")


def test_mutt_batch_queued_offline_then_flushed():
    util.require_outpost()
    postfix.require()
    if shutil.which("mutt") is None:
        util.skip("mutt not installed")
    tmp = util.temp_dir()
    pki = ca.TestPKI(os.path.join(tmp, "pki"))
    pf = postfix.Postfix(os.path.join(tmp, "pf"), pki)    # not started
    op = util.Outpost(os.path.join(tmp, "client"), pf.ports["submission"],
                      pki, retry_min="30m", retry_max="1h",
                      **{"from": "me@example.org"})
    muttrc = os.path.join(tmp, "muttrc")
    with open(muttrc, "w") as f:
        f.write('set sendmail="%s sendmail -oem -oi"\n'
                'set from="me@example.org"\nset realname="Me Myself"\n'
                'set use_envelope_from=yes\nset hostname="example.org"\n'
                'set record=""\nset copy=no\nset folder="%s"\n'
                'set spoolfile="%s/inbox"\nset mbox_type=mbox\n'
                'set sendmail_wait=0\nset write_bcc=yes\n'
                % (util.outpost_bin(), tmp, tmp))
    env = op.env()
    env["TERM"] = "dumb"
    proc = subprocess.run(
        ["mutt", "-n", "-F", muttrc, "-s", "Mutt while offline",
         "-b", "hidden@example.net", "--", "friend@example.com"],
        input=BODY, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        timeout=60)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    op.wait_idle()
    q = op.mailq()
    assert len(q) == 1, q
    assert q[0]["subject"] == "Mutt while offline", q
    assert sorted(r["address"] for r in q[0]["recipients"]) == [
        "friend@example.com", "hidden@example.net"], q

    pf.start()
    proc = op.flush()
    assert proc.returncode == 0, (proc.stdout + proc.stderr).decode()
    got = {util.header_value(m, "Delivered-To"):
           postfix.strip_added_headers(m) for m in pf.wait_messages(2)}
    assert sorted(got) == ["friend@example.com", "hidden@example.net"], got
    copies = list(got.values())
    assert copies[0] == copies[1]
    head, body = copies[0].split(b"\n\n", 1)
    assert body == BODY, body
    assert b"hidden" not in head and b"\nbcc:" not in head.lower(), head
    assert util.header_value(copies[0], "Subject") == "Mutt while offline"
    assert "Me Myself" in util.header_value(copies[0], "From")
    assert pf.connects("submission") == 1
    assert op.mailq() == []


if __name__ == "__main__":
    util.run_tests([test_mutt_batch_queued_offline_then_flushed])
