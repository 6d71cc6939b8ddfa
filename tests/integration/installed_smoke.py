#!/usr/bin/python3
"""Smoke test of an installed Outpost (the .deb in CI), using only the
installed paths: queue one message through PREFIX/libexec/outpost/bin/
sendmail, see it in `PREFIX/bin/outpost mailq`, deliver it with
`PREFIX/bin/outpost flush` to the private Postfix smarthost (STARTTLS +
AUTH), and find it in Postfix's Maildir.  Not a ctest test (it needs an
installed package): .ci/package.sh runs it as `installed_smoke.py PREFIX`.
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "lib"))
import util                     # noqa: E402
import ca                       # noqa: E402
import postfix                  # noqa: E402


def run(argv, op, data=None):
    p = subprocess.run(argv, input=data, env=op.env(), timeout=120,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert p.returncode == 0, (argv, p.returncode, p.stderr.decode())
    return p.stdout.decode()


def main(prefix):
    outpost = os.path.join(prefix, "bin", "outpost")
    sendmail = os.path.join(prefix, "libexec", "outpost", "bin", "sendmail")
    for f in (outpost, sendmail):
        if not os.access(f, os.X_OK):
            print("FAIL: %s is not installed" % f)
            return 1
    postfix.require()
    tmp = util.temp_dir()
    pki = ca.TestPKI(os.path.join(tmp, "pki"))
    pf = postfix.Postfix(os.path.join(tmp, "pf"), pki, services={
        "submission": postfix.SERVICES["submission"]})
    pf.start()
    op = util.Outpost(os.path.join(tmp, "op"), pf.ports["submission"], pki)
    msg = util.make_message("installed smoke test",
                            "delivered by the installed outpost\n")
    run([sendmail, "-odq", "-oi", "bob@example.org"], op, msg)
    queued = [json.loads(x) for x in
              run([outpost, "mailq", "--json"], op).splitlines() if x]
    assert len(queued) == 1, queued
    print(run([outpost, "flush"], op), end="")
    got = pf.wait_messages(1)
    assert b"Subject: installed smoke test" in got[0], got[0][:300]
    assert run([outpost, "mailq", "--json"], op).strip() == "", "queue empty"
    print("ok   installed outpost under %s delivered to Postfix" % prefix)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "/usr"))
