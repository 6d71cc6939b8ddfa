"""Command-line front end to the test Postfix, for demo.sh.

    python3 demo_smarthost.py init DIR    make CA, certs, Postfix config;
                                          print "PORT CAFILE" (not started)
    python3 demo_smarthost.py start DIR   start it (loopback only)
    python3 demo_smarthost.py stop DIR    stop it
    python3 demo_smarthost.py show DIR    print the headers of every message
                                          in its Maildir, in arrival order

State (ports) is kept in DIR/smarthost.json.  The instance only listens on
127.0.0.1 and only delivers into DIR/pf/mail/box.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ca          # noqa: E402
import postfix     # noqa: E402

SERVICES = {"submission": postfix.SERVICES["submission"]}


class _Certs:
    """Just the paths TestPKI would give, re-read from disk."""

    def __init__(self, d):
        self.good = ca.Cert(os.path.join(d, "localhost.pem"),
                            os.path.join(d, "localhost.key"))


def _state(d):
    with open(os.path.join(d, "smarthost.json")) as f:
        return json.load(f)


def _attach(d):
    st = _state(d)
    return postfix.Postfix(os.path.join(d, "pf"), _Certs(st["pki"]),
                           services=SERVICES, stop_at_exit=False,
                           ports=st["ports"])


def main(argv):
    if len(argv) != 3 or argv[1] not in ("init", "start", "stop", "show"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    cmd, d = argv[1], os.path.abspath(argv[2])
    if cmd == "init":
        os.makedirs(d, exist_ok=True)
        os.chmod(d, 0o755)
        pki = ca.TestPKI(os.path.join(d, "pki"))
        pf = postfix.Postfix(os.path.join(d, "pf"), pki, services=SERVICES,
                             stop_at_exit=False)
        with open(os.path.join(d, "smarthost.json"), "w") as f:
            json.dump({"ports": pf.ports, "pki": pki.dir,
                       "ca": pki.ca.cert}, f)
        print(pf.ports["submission"], pki.ca.cert)
        return 0
    pf = _attach(d)
    if cmd == "start":
        pf.start()
        print("smarthost: Postfix listening on 127.0.0.1:%d "
              "(STARTTLS required, AUTH as %s)" %
              (pf.ports["submission"], postfix.USER))
    elif cmd == "stop":
        pf._started = True
        pf.stop()
        print("smarthost: stopped")
    else:
        msgs = pf.messages()
        print("smarthost Maildir: %d message(s) (one copy per recipient), "
              "received over %d SMTP session(s)" %
              (len(msgs), pf.connects("submission")))
        for i, raw in enumerate(msgs, 1):
            head = raw.split(b"\n\n", 1)[0].decode("utf-8", "replace")
            print("--- message %d" % i)
            for line in head.splitlines():
                if line.split(":", 1)[0].lower() in (
                        "return-path", "delivered-to", "from", "to", "cc",
                        "subject", "message-id", "in-reply-to", "date"):
                    print("    " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
