#!/usr/bin/python3
"""Self-test of the integration harness, independent of Outpost's code.

Drives the private Postfix instance and every fault-server scenario with
Python's smtplib (STARTTLS with the test CA, AUTH with the sasldb user), so a
failing delivery test can be blamed on the client, not on the harness.
"""

import base64
import hashlib
import hmac
import os
import smtplib
import socket
import ssl
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "lib"))
import util                     # noqa: E402
import ca                       # noqa: E402
import postfix                  # noqa: E402
import faultsrv                 # noqa: E402

W = {}


def setup():
    postfix.require()
    W["tmp"] = util.temp_dir()
    W["pki"] = ca.TestPKI(os.path.join(W["tmp"], "pki"))
    W["pf"] = postfix.Postfix(os.path.join(W["tmp"], "pf"), W["pki"])
    W["pf"].start()


def crlf(msg):
    """smtplib sends bytes as given: hand it CRLF lines."""
    return msg.replace(b"\n", b"\r\n")


def smtp_tls(port):
    s = smtplib.SMTP("127.0.0.1", port, timeout=20)
    s.starttls(context=W["pki"].client_context())
    s.ehlo()
    return s


def test_postfix_starttls_auth_plain_lands_in_maildir():
    pf = W["pf"]
    msg = util.make_message(
        "selftest plain", "first line\n.leading dot line\n..two dots\n",
        bcc=None)
    mid = util.header_value(msg, "Message-ID")
    s = smtp_tls(pf.ports["submission"])
    assert "auth" in s.esmtp_features, s.esmtp_features
    s.user, s.password = postfix.USER, postfix.PASSWORD
    code, _ = s.auth("PLAIN", s.auth_plain)
    assert code == 235, code
    s.sendmail("alice@example.org", ["bob@example.org"], crlf(msg))
    s.quit()
    (got,) = pf.wait_delivered(mid)
    assert postfix.strip_added_headers(got) == msg, got
    # The log lines come a little after the 250 (postlogd writes them).
    acc = pf.wait_accepted([mid], "submission")[-1]
    assert acc["sasl_method"] == "PLAIN", acc
    assert acc["message_id"] == mid, acc


def test_postfix_counts_sessions_and_handshakes():
    pf = W["pf"]
    c0, t0 = pf.connects("submission"), pf.tls_handshakes("submission")
    s = smtp_tls(pf.ports["submission"])
    s.quit()
    util.wait_for(lambda: pf.connects("submission") == c0 + 1, 60,
                  "connect line in the Postfix log")
    util.wait_for(lambda: pf.tls_handshakes("submission") == t0 + 1, 60,
                  "TLS line in the Postfix log")


def test_postfix_no_auth_in_clear_and_no_relay_without_auth():
    pf = W["pf"]
    s = smtplib.SMTP("127.0.0.1", pf.ports["submission"], timeout=20)
    s.ehlo()
    assert "starttls" in s.esmtp_features
    assert "auth" not in s.esmtp_features, "AUTH offered before TLS"
    code, _ = s.mail("alice@example.org")
    assert code >= 500, "MAIL accepted before STARTTLS: %d" % code
    s.close()
    s = smtp_tls(pf.ports["submission"])
    s.mail("alice@example.org")
    code, _ = s.rcpt("bob@example.org")
    assert code >= 500, "relay without AUTH: %d" % code
    s.close()


def test_postfix_implicit_tls():
    pf = W["pf"]
    s = smtplib.SMTP_SSL("127.0.0.1", pf.ports["smtps"], timeout=20,
                         context=W["pki"].client_context())
    s.login(postfix.USER, postfix.PASSWORD)
    msg = util.make_message("selftest smtps", "over implicit TLS\n")
    s.sendmail("alice@example.org", ["carol@example.com"], crlf(msg))
    s.quit()
    (got,) = pf.wait_delivered(util.header_value(msg, "Message-ID"))
    assert postfix.strip_added_headers(got) == msg


def test_postfix_bad_certs_fail_verification():
    pf = W["pf"]
    for svc, needle in (("untrusted", "certificate verify failed"),
                        ("wrongname", "certificate verify failed"),
                        ("expired", "certificate has expired"),
                        ("notyet", "certificate is not yet valid")):
        s = smtplib.SMTP("127.0.0.1", pf.ports[svc], timeout=20)
        s._host = "localhost"
        try:
            ctx = W["pki"].client_context()
            s.ehlo()
            s.starttls(context=ctx)
        except ssl.SSLError as e:
            assert needle in str(e), (svc, e)
        else:
            raise AssertionError("%s: TLS verified but must not" % svc)
        finally:
            s.close()
    # The same names verify with the right CA / without the name check,
    # so the failure above really is the CA resp. the name.
    ctx = ssl.create_default_context(cafile=W["pki"].other_ca.cert)
    s = smtplib.SMTP("127.0.0.1", pf.ports["untrusted"], timeout=20)
    s._host = "localhost"
    s.starttls(context=ctx)
    s.quit()
    ctx = W["pki"].client_context()
    ctx.check_hostname = False
    s = smtplib.SMTP("127.0.0.1", pf.ports["wrongname"], timeout=20)
    s.starttls(context=ctx)
    s.quit()


def scram_sha256(s, user, password):
    """A minimal SCRAM-SHA-256 client (RFC 5802/7677) over smtplib."""
    cnonce = base64.b64encode(os.urandom(18)).decode()
    bare = "n=%s,r=%s" % (user, cnonce)
    code, resp = s.docmd("AUTH", "SCRAM-SHA-256 " +
                         base64.b64encode(("n,," + bare).encode()).decode())
    assert code == 334, (code, resp)
    first = base64.b64decode(resp).decode()
    attrs = dict(kv.split("=", 1) for kv in first.split(","))
    assert attrs["r"].startswith(cnonce)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(),
                                 base64.b64decode(attrs["s"]),
                                 int(attrs["i"]))
    ckey = hmac.new(salted, b"Client Key", "sha256").digest()
    stored = hashlib.sha256(ckey).digest()
    without_proof = "c=biws,r=" + attrs["r"]
    amsg = ",".join([bare, first, without_proof]).encode()
    csig = hmac.new(stored, amsg, "sha256").digest()
    proof = bytes(a ^ b for a, b in zip(ckey, csig))
    final = without_proof + ",p=" + base64.b64encode(proof).decode()
    code, resp = s.docmd(base64.b64encode(final.encode()).decode())
    if code == 334:             # server-final "v=..." then an empty reply
        code, resp = s.docmd("")
    return code


def test_postfix_each_mech_service():
    pf = W["pf"]
    for svc, mech in (("mech_plain", "PLAIN"), ("mech_login", "LOGIN"),
                      ("mech_cram", "CRAM-MD5"),
                      ("mech_scram", "SCRAM-SHA-256"),
                      ("mech_digest", "DIGEST-MD5")):
        s = smtp_tls(pf.ports[svc])
        offered = s.esmtp_features.get("auth", "").split()
        assert offered == [mech], (svc, offered)
        if mech == "DIGEST-MD5":        # smtplib has no client for it
            s.quit()
            continue
        if mech == "SCRAM-SHA-256":
            code = scram_sha256(s, postfix.USER, postfix.PASSWORD)
        else:
            s.user, s.password = postfix.USER, postfix.PASSWORD
            code, _ = s.auth(mech, getattr(
                s, "auth_" + mech.lower().replace("-", "_")))
        assert code == 235, (svc, code)
        code, _ = s.mail("alice@example.org")
        assert code == 250
        s.quit()


# ---------------------------------------------------------------- faults

def fault(scenario):
    return faultsrv.FaultServer(
        os.path.join(W["tmp"], "fault-" + scenario), W["pki"], scenario)


def test_fault_ok_and_auth():
    for sc in ("ok", "raw_ok"):
        f = fault(sc)
        s = smtp_tls(f.port)
        s.login("alice", "s3cret-Pa55")
        msg = util.make_message("fault " + sc, "x\n.dot\n")
        s.sendmail("alice@example.org", ["bob@example.org"], crlf(msg))
        s.quit()
        m = f.messages()
        assert len(m) == 1, m
        assert m[0]["data"].replace(b"\r\n", b"\n") == msg, m[0]["data"]
        assert "AUTH PLAIN <initial-response>" in f.commands() or \
            "AUTH LOGIN <initial-response>" in f.commands(), f.commands()
        f.stop()


def test_fault_rcpt_replies():
    f = fault("rcpt451")
    s = smtp_tls(f.port)
    s.login("alice", "s3cret-Pa55")
    s.mail("alice@example.org")
    code, _ = s.rcpt("bob@example.org")
    assert code == 451, code
    s.quit()
    f = fault("rcpt550_one")
    s = smtp_tls(f.port)
    s.login("alice", "s3cret-Pa55")
    s.mail("alice@example.org")
    codes = [s.rcpt(r)[0] for r in ("a@example.org", "bad@example.org",
                                    "c@example.org")]
    assert codes == [250, 550, 250], codes
    s.quit()


def test_fault_auth535():
    f = fault("auth535")
    s = smtp_tls(f.port)
    try:
        s.login("alice", "s3cret-Pa55")
    except smtplib.SMTPAuthenticationError as e:
        assert e.smtp_code == 535, e
    else:
        raise AssertionError("auth535 accepted AUTH")
    s.close()


def test_fault_greet421():
    f = fault("greet421")
    try:
        smtplib.SMTP("127.0.0.1", f.port, timeout=10)
    except smtplib.SMTPConnectError as e:
        assert e.smtp_code == 421
    else:
        raise AssertionError("no 421 greeting")


def test_fault_no_starttls():
    f = fault("no_starttls")
    s = smtplib.SMTP("127.0.0.1", f.port, timeout=10)
    s.ehlo()
    assert "starttls" not in s.esmtp_features
    assert "auth" in s.esmtp_features       # the bait
    s.quit()


def test_fault_starttls_inject():
    f = fault("starttls_inject")
    sock = socket.create_connection(("127.0.0.1", f.port), timeout=10)
    rd = sock.makefile("rb")
    assert rd.readline().startswith(b"220")
    sock.sendall(b"EHLO t\r\n")
    while not rd.readline().startswith(b"250 "):
        pass
    sock.sendall(b"STARTTLS\r\n")
    data = b""
    while data.count(b"\r\n") < 2:
        chunk = sock.recv(4096)
        assert chunk, "closed early"
        data += chunk
    assert data.startswith(b"220 ") and b"\r\n250 " in data, data
    sock.close()


def test_fault_starttls_refusals_and_old_tls():
    for sc, code in (("starttls_454", 454), ("starttls_554", 554)):
        f = fault(sc)
        s = smtplib.SMTP("127.0.0.1", f.port, timeout=10)
        s.ehlo()
        code_got, _ = s.docmd("STARTTLS")
        assert code_got == code, (sc, code_got)
        s.quit()
    # tls11_only really speaks TLS 1.1 to a client that allows it, so a
    # client refusing it refuses the version, not a broken server.
    import warnings
    f = fault("tls11_only")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(W["pki"].ca.cert)
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = ssl.TLSVersion.TLSv1
    s = smtplib.SMTP("127.0.0.1", f.port, timeout=10)
    s._host = "localhost"
    s.starttls(context=ctx)
    assert s.sock.version() == "TLSv1.1", s.sock.version()
    s.quit()


def test_fault_drops_and_stalls():
    for sc in ("drop_mid_data", "drop_after_dot"):
        f = fault(sc)
        s = smtp_tls(f.port)
        s.login("alice", "s3cret-Pa55")
        body = "".join("line %d\n" % i for i in range(50))
        try:
            s.sendmail("alice@example.org", ["bob@example.org"],
                       util.make_message(sc, body))
        except smtplib.SMTPServerDisconnected:
            pass
        else:
            raise AssertionError(sc + ": got a reply")
        assert f.has_event("drop"), f.events()
        assert bool(f.messages()) == (sc == "drop_after_dot")
    f = fault("stall_mail")
    s = smtp_tls(f.port)
    s.login("alice", "s3cret-Pa55")
    s.sock.settimeout(1.0)
    try:
        s.mail("alice@example.org")
    except (socket.timeout, TimeoutError, smtplib.SMTPServerDisconnected):
        pass
    else:
        raise AssertionError("stall_mail answered MAIL")
    s.close()
    f.wait_event("client_gave_up", timeout=60)


def test_fault_stall_dot_once():
    f = fault("stall_dot_once")
    s = smtp_tls(f.port)
    s.login("alice", "s3cret-Pa55")
    # Up to the dot with the normal timeout (a loaded box may take more
    # than a second to answer MAIL); the server says when it stalls.
    assert s.mail("alice@example.org")[0] == 250
    assert s.rcpt("bob@example.org")[0] == 250
    assert s.docmd("DATA")[0] == 354
    s.send(crlf(util.make_message("stall", "x\n")) + b".\r\n")
    f.wait_event("stall", timeout=60, where="dot")
    s.sock.settimeout(1.0)
    try:
        code, _ = s.getreply()
    except (socket.timeout, TimeoutError, smtplib.SMTPServerDisconnected):
        pass
    else:
        raise AssertionError("stall_dot_once answered the dot: %d" % code)
    s.close()
    s = smtp_tls(f.port)          # the second session behaves
    s.login("alice", "s3cret-Pa55")
    s.sendmail("alice@example.org", ["bob@example.org"],
               util.make_message("after stall", "x\n"))
    s.quit()
    assert len(f.messages()) == 2


if __name__ == "__main__":
    util.run_tests([
        test_postfix_starttls_auth_plain_lands_in_maildir,
        test_postfix_counts_sessions_and_handshakes,
        test_postfix_no_auth_in_clear_and_no_relay_without_auth,
        test_postfix_implicit_tls,
        test_postfix_bad_certs_fail_verification,
        test_postfix_each_mech_service,
        test_fault_ok_and_auth,
        test_fault_rcpt_replies,
        test_fault_auth535,
        test_fault_greet421,
        test_fault_no_starttls,
        test_fault_starttls_inject,
        test_fault_starttls_refusals_and_old_tls,
        test_fault_drops_and_stalls,
        test_fault_stall_dot_once,
    ], setup=setup)
