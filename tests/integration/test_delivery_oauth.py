#!/usr/bin/python3
"""OAuth 2.0 in real sessions against a server that offers only
`AUTH XOAUTH2 OAUTHBEARER` after STARTTLS and checks the client's initial
response byte for byte (faultsrv scenario "oauth").  The token comes from a
password_command helper that records its own argv and environment.  A 3 KB
token is delivered; a token too long for one AUTH line goes on its own line;
a refused token defers the mail with the server's JSON error (printable) in
mailq and the log, after the challenge was answered as each mechanism
requires, with one AUTH per pass and none within the backoff; the token (a
unique marker) is never in the log, mailq, spool, output, or the helper's
argv/environment.
"""

import base64
import os
import re
import subprocess
import sys
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "lib"))
import util                     # noqa: E402
import ca                       # noqa: E402
import faultsrv                 # noqa: E402

W = {}
USER = "alice@example.org"

# The helper: records how it was started (argv, environment), then prints
# the token kept in a file next to it.
HELPER = """#!/usr/bin/python3
import sys
rec, tokfile = sys.argv[1], sys.argv[2]
with open("/proc/self/cmdline", "rb") as f:
    argv = f.read()
with open("/proc/self/environ", "rb") as f:
    env = f.read()
with open(rec, "ab") as f:
    f.write(b"RUN argv=" + argv + b" env=" + env + b"\\n")
with open(tokfile) as f:
    sys.stdout.write(f.read() + "\\n")
"""


def setup():
    util.require_outpost()
    W["tmp"] = util.temp_dir()
    W["pki"] = ca.TestPKI(os.path.join(W["tmp"], "pki"))
    W["n"] = 0


def make_token(size):
    """A token of exactly `size` bytes holding a unique marker."""
    marker = "OAUTHMARK%s" % uuid.uuid4().hex
    head = "ya29.%s." % marker
    filler = (uuid.uuid4().hex * (size // 32 + 2))
    return marker, (head + filler)[:size]


class Case:
    """A fault server expecting `server_token` and an Outpost whose helper
    prints `client_token`."""

    def __init__(self, server_token, client_token, auth="xoauth2", **conf):
        W["n"] += 1
        d = os.path.join(W["tmp"], "%d-%s" % (W["n"], auth))
        self.srv = faultsrv.FaultServer(os.path.join(d, "server"), W["pki"],
                                        "oauth", user=USER,
                                        password=server_token)
        self.op = util.Outpost(os.path.join(d, "client"), self.srv.port,
                               W["pki"], user=USER, **conf)
        self.token = client_token
        self.tokfile = os.path.join(d, "token")
        self.record = os.path.join(self.op.dir, "helper-record")
        helper = os.path.join(self.op.dir, "oauth-helper")
        with open(self.tokfile, "w") as f:
            f.write(client_token)
        with open(helper, "w") as f:
            f.write(HELPER)
        os.chmod(helper, 0o700)
        keys = {"password_file": None,
                "password_command": "%s %s %s" % (helper, self.record,
                                                  self.tokfile)}
        if "auth_mechanisms" not in conf:
            keys["auth"] = auth
        self.op.write_config(**keys)

    def queue(self, n=1):
        for i in range(n):
            self.op.sendmail(["bob@example.org"], util.make_message(
                "oauth %d" % i, "body %d\n" % i), args=["-odq"])

    def helper_runs(self):
        try:
            with open(self.record, "rb") as f:
                return f.read().count(b"RUN argv=")
        except FileNotFoundError:
            return 0

    def auths(self, **match):
        return self.srv.has_event("auth_result", **match)

    def needles(self, marker):
        """The marker, and the token in each base64 form it could take on
        the wire."""
        out = [marker.encode(), self.token.encode()]
        for raw in ("user=%s\x01auth=Bearer %s\x01\x01" % (USER, self.token),
                    "auth=Bearer %s" % self.token, self.token):
            for skip in range(3):
                b = base64.b64encode(raw[skip:].encode())
                out.append(b[8:72])
        return out

    def assert_no_leak(self, marker, *outputs):
        """Not in any file of the client's tree (spool, log, state, the
        helper's record of its argv/environment), nor in mailq (text and
        JSON), `outpost log`, or the given outputs."""
        blobs = [("output", b"".join(outputs))]
        for args in (["mailq"], ["mailq", "--json"], ["log"]):
            p = self.op.run(args)
            blobs.append((" ".join(args), p.stdout + p.stderr))
        for root, _, files in os.walk(self.op.dir):
            for name in files:
                path = os.path.join(root, name)
                if os.path.islink(path) or not os.path.isfile(path):
                    continue
                with open(path, "rb") as f:
                    blobs.append((path, f.read()))
        for n in self.needles(marker):
            for what, blob in blobs:
                assert n not in blob, "%s holds the token (%r)" % (what,
                                                                   n[:20])


def text(p):
    return (p.stdout + p.stderr).decode(errors="replace")


# ---------------------------------------------------------------- tests

def test_xoauth2_3k_token_delivered():
    marker, tok = make_token(3072)
    c = Case(tok, tok)
    c.queue()
    p = c.op.flush()
    assert p.returncode == 0, text(p)
    assert len(c.srv.messages()) == 1
    a = c.auths()
    assert len(a) == 1 and a[0]["ok"] and a[0]["mech"] == "XOAUTH2", a
    assert a[0]["tls"] is True and a[0]["inline"] is True, a
    assert a[0]["size"] == len("user=%s\x01auth=Bearer \x01\x01" % USER) \
        + 3072, a
    assert c.helper_runs() == 1
    c.assert_no_leak(marker, p.stdout, p.stderr)


def test_oauthbearer_gs2_exact():
    marker, tok = make_token(900)
    c = Case(tok, tok, auth="oauthbearer")
    c.queue(2)
    p = c.op.flush()
    assert p.returncode == 0, text(p)
    assert len(c.srv.messages()) == 2
    a = c.auths()
    # One session, one AUTH for both messages; the server compared the
    # whole GS2 string (n,a=USER,^Ahost=...^Aport=...^Aauth=Bearer ...).
    assert len(a) == 1 and a[0]["ok"] and a[0]["mech"] == "OAUTHBEARER", a
    assert c.srv.connections() == 1
    c.assert_no_leak(marker, p.stdout, p.stderr)


def test_token_longer_than_an_auth_line():
    """12 KB: base64 makes the AUTH line longer than RFC 4954's 12288
    octets, so the response goes on its own line after an empty 334."""
    marker, tok = make_token(12000)
    c = Case(tok, tok)
    c.queue()
    p = c.op.flush()
    assert p.returncode == 0, text(p)
    a = c.auths()
    assert len(a) == 1 and a[0]["ok"] and a[0]["inline"] is False, a
    assert len(c.srv.messages()) == 1
    c.assert_no_leak(marker, p.stdout, p.stderr)


def assert_refused_reason(reason, mech):
    assert "token refused by server: 535" in reason, reason
    assert "invalid_token" in reason and "mail.google.com" in reason, reason
    assert "OAuth helper" in reason and "password_command" in reason, reason
    assert "\x1b" not in reason and "\x07" not in reason, reason
    assert "check user and password_file" not in reason, reason


def test_refused_token_defers_once_per_pass_no_storm():
    good_marker, good = make_token(2000)
    marker, bad = make_token(2000)
    c = Case(good, bad, retry_min="1h", retry_max="2h")
    c.queue(3)
    p = c.op.flush()
    assert p.returncode == 75, text(p)
    # One session, one AUTH for three messages; the error challenge was
    # answered with the empty line XOAUTH2 wants.
    assert c.srv.connections() == 1, c.srv.events()
    assert len(c.auths()) == 1 and not c.auths()[0]["ok"]
    acks = c.srv.has_event("oauth_ack")
    assert len(acks) == 1 and acks[0]["ok"], acks
    assert c.helper_runs() == 1
    q = c.op.mailq()
    assert len(q) == 3, q
    for m in q:
        for r in m["recipients"]:
            assert r["status"] == "deferred", r
            assert_refused_reason(r["reason"], "XOAUTH2")
    log = text(c.op.run(["log"]))
    assert "token refused by server" in log and "invalid_token" in log, log
    # Within the backoff the runner sendmail starts (its pass, then the
    # on-demand wait for the next retry time) does not try again.
    deliver = os.path.join(util.build_dir(), "outpost-deliver")
    r = subprocess.Popen([deliver, "run-once"], env=c.op.env(),
                         stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    util.at_exit(r.kill)
    util.wait_for(lambda: c.op.runner_waiting(r.pid), 60,
                  "the on-demand runner asleep until the next retry")
    r.terminate()
    assert r.wait(timeout=30) in (0, 75), r.returncode
    assert c.srv.connections() == 1 and c.helper_runs() == 1
    # An explicit flush tries once more: one session, a fresh token.
    p2 = c.op.flush()
    assert p2.returncode == 75, text(p2)
    assert c.srv.connections() == 2 and len(c.auths()) == 2
    assert c.helper_runs() == 2
    c.assert_no_leak(marker, p.stdout, p.stderr, p2.stdout, p2.stderr)


def test_refused_oauthbearer_answers_0x01():
    _, good = make_token(500)
    marker, bad = make_token(500)
    c = Case(good, bad, auth="oauthbearer")
    c.queue()
    p = c.op.flush()
    assert p.returncode == 75, text(p)
    acks = c.srv.has_event("oauth_ack")
    assert len(acks) == 1 and acks[0]["ok"] and \
        acks[0]["mech"] == "OAUTHBEARER", acks
    (m,) = c.op.mailq()
    assert_refused_reason(m["recipients"][0]["reason"], "OAUTHBEARER")
    c.assert_no_leak(marker, p.stdout, p.stderr)


def test_mechanism_not_offered_names_both_lists():
    marker, tok = make_token(100)
    c = Case(tok, tok, auth_mechanisms="PLAIN LOGIN")
    c.queue()
    p = c.op.flush()
    assert p.returncode == 75, text(p)
    (m,) = c.op.mailq()
    reason = m["recipients"][0]["reason"]
    assert "the server offers XOAUTH2 OAUTHBEARER" in reason, reason
    assert "we use PLAIN LOGIN" in reason, reason
    assert "check user and password_file" not in reason, reason
    assert not [x for x in c.srv.commands() if x.upper().startswith("AUTH")]
    c.assert_no_leak(marker, p.stdout, p.stderr)


def test_doctor_authenticates_with_the_token():
    marker, tok = make_token(3000)
    c = Case(tok, tok)
    p = c.op.run(["doctor"])
    assert p.returncode == 0, text(p)
    assert re.search(r"authenticated as \S+ with XOAUTH2", text(p)), text(p)
    c.op.write_config(auth="oauthbearer")
    p2 = c.op.run(["doctor"])
    assert p2.returncode == 0, text(p2)
    assert "OAUTHBEARER" in text(p2), text(p2)
    # A refused token: doctor fails as a config problem and says why.
    with open(c.tokfile, "w") as f:
        f.write(tok[:-1] + "X")
    p3 = c.op.run(["doctor"])
    assert p3.returncode == 78, text(p3)
    assert "token refused by server" in text(p3) and \
        "invalid_token" in text(p3), text(p3)
    c.assert_no_leak(marker, p.stdout, p.stderr, p2.stdout, p2.stderr,
                     p3.stdout, p3.stderr)


def test_no_oauth_in_clear_or_from_a_file():
    marker, tok = make_token(100)
    c = Case(tok, tok)
    c.queue()
    saved = dict(c.op.conf)
    c.op.write_config(tls="off", tls_ca_file=None, tls_server_name=None)
    p = c.op.flush()
    assert p.returncode == 78, text(p)
    c.op.write_config(**saved)
    c.op.write_config(password_command=None,
                      password_file=c.op.password_file)
    p2 = c.op.flush()
    assert p2.returncode == 78 and "password_command" in text(p2), text(p2)
    assert c.srv.connections() == 0
    c.assert_no_leak(marker, p.stdout, p.stderr, p2.stdout, p2.stderr)


if __name__ == "__main__":
    util.run_tests([
        test_xoauth2_3k_token_delivered,
        test_oauthbearer_gs2_exact,
        test_token_longer_than_an_auth_line,
        test_refused_token_defers_once_per_pass_no_storm,
        test_refused_oauthbearer_answers_0x01,
        test_mechanism_not_offered_names_both_lists,
        test_doctor_authenticates_with_the_token,
        test_no_oauth_in_clear_or_from_a_file,
    ], setup=setup)
