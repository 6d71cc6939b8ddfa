#!/usr/bin/python3
"""Delivery to a real Postfix smarthost: STARTTLS + AUTH (every mechanism
the server offers), implicit TLS, certificate failures that must keep mail
queued with a TLS reason, and certificate pins.  Messages are compared byte
for byte with what arrives in Postfix's Maildir, minus the trace headers
Postfix itself adds.  Runs as root with the private instance from lib/.
"""

import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "lib"))
import util                     # noqa: E402
import postfix                  # noqa: E402
import smarthost                # noqa: E402

W = {}


def setup():
    W.update(smarthost.start())


def outpost(service="submission", **conf):
    """A fresh Outpost (own spool) pointed at one Postfix service."""
    return smarthost.outpost(W, service, **conf)


def queue_and_flush(op, msg, rcpts=(), args=("-odq",)):
    """Queue without an immediate attempt, then deliver in the foreground."""
    op.sendmail(list(rcpts), msg, args=args)
    assert len(op.mailq()) == 1, op.mailq()
    return op.flush()


def arrived(msg, n):
    """The n delivered copies of msg (one per recipient), found by its
    Message-ID: delivery to the Maildir lags the 250 a flush got, so a
    count of files taken before could still miss an earlier test's mail."""
    mid = util.header_value(msg, "Message-ID")
    got = W["pf"].wait_delivered(mid, n)
    assert len(got) == n, (mid, len(got))
    return got


def accepted(mid, service):
    """Postfix's accepted() entries of mid on service, once its log lines
    are written (they come a little after the client's 250)."""
    return [a for a in W["pf"].wait_accepted([mid], service)
            if a["message_id"] == mid]


def bodies_by_rcpt(raws):
    out = {}
    for raw in raws:
        out[util.header_value(raw, "Delivered-To")] = \
            postfix.strip_added_headers(raw)
    return out


# ---------------------------------------------------------------- content

BYTE_MSG = (
    b"From: Alice Example <alice@example.org>\n"
    b"To: Bob <bob@example.org>\n"
    b"Cc: carol@example.com\n"
    b"Bcc: Dave Hidden <dave@example.net>\n"
    b"Subject: byte for byte through the queue\n"
    b"Date: Sun, 29 Nov 2026 21:00:00 +0000\n"
    b"Message-ID: <byte-for-byte.1@example.org>\n"
    b"X-Folded: first part\n"
    b"\tsecond part of a folded header\n"
    b"MIME-Version: 1.0\n"
    b"Content-Type: text/plain; charset=utf-8\n"
    b"Content-Transfer-Encoding: 8bit\n"
    b"\n"
    b"first line\n"
    b".\n"
    b"..\n"
    b".leading dot\n"
    b"...three dots\n"
    b"\n"
    b"trailing space \n"
    b"tab\there\n"
    b"\xc3\xbcml\xc3\xa4ut line\n"
    b"From the start of a line\n"
    b"last line\n")


def test_starttls_auth_byte_for_byte_and_bcc_stripped():
    op = outpost()
    proc = queue_and_flush(op, BYTE_MSG, args=("-odq", "-t"))
    assert proc.returncode == 0, proc.stderr
    got = bodies_by_rcpt(arrived(BYTE_MSG, 3))
    assert sorted(got) == ["bob@example.org", "carol@example.com",
                           "dave@example.net"], sorted(got)
    want = re.sub(rb"(?m)^Bcc: .*\n", b"", BYTE_MSG)
    for rcpt, body in got.items():
        assert body == want, "%s got:\n%r\nwant:\n%r" % (rcpt, body, want)
        assert b"dave" not in body.split(b"\n\n")[0].lower(), rcpt
    util.wait_for(lambda: op.mailq() == [], 60, "empty queue")
    acc = accepted("<byte-for-byte.1@example.org>", "submission")
    assert len(acc) == 1, acc
    assert acc[0]["sasl_username"] and acc[0]["sasl_method"], acc


def test_no_received_header_from_the_client():
    """Privacy: the only trace header is Postfix's own (Outpost adds no
    Received naming the laptop)."""
    op = outpost()
    msg = util.make_message("privacy", "body\n")
    assert queue_and_flush(op, msg, ["bob@example.org"]).returncode == 0
    (raw,) = arrived(msg, 1)
    head = raw.split(b"\n\n", 1)[0]
    received = re.findall(rb"(?im)^Received:", head)
    assert len(received) == 1, head
    assert b"by mx.outpost.test (Postfix)" in head, head


SMUGGLE = (
    b"a\n.\nSMUGGLED-1 a lone dot line before me\n"
    b"b\r\n.\r\nSMUGGLED-2 CRLF dot CRLF before me\r\n"
    b"c\r\n.\nSMUGGLED-3 CRLF dot LF\n"
    b"d\n.\r\nSMUGGLED-4 LF dot CRLF\n"
    b"MAIL FROM:<evil@example.org>\n"
    b"RCPT TO:<victim@example.com>\n"
    b"DATA\n"
    b"Subject: smuggled\n"
    b"\n"
    b"evil body\n"
    b".\n"
    b"QUIT\n"
    b"last line\n")


def test_smtp_smuggling_sequences_stay_inside_one_message():
    """End-of-data look-alikes in the body are normalised and dot-stuffed:
    Postfix (which refuses bare LF here) sees exactly one message, with
    every line of the body in it, and no second message to the victim."""
    pf = W["pf"]
    op = outpost()
    mid = "<smuggle-1@example.org>"
    msg = util.make_message("smuggling", "", msgid=mid).rstrip(b"\n") + \
        b"\n\n" + SMUGGLE
    proc = queue_and_flush(op, msg, ["bob@example.org"])
    assert proc.returncode == 0, (proc.stdout + proc.stderr)
    (raw,) = arrived(msg, 1)
    body = raw.split(b"\n\n", 1)[1]
    for marker in (b"SMUGGLED-1", b"SMUGGLED-2", b"SMUGGLED-3",
                   b"SMUGGLED-4", b"MAIL FROM:<evil@example.org>",
                   b"Subject: smuggled", b"evil body", b"QUIT",
                   b"last line"):
        assert marker in body, (marker, body)
    assert len(accepted(mid, "submission")) == 1
    util.wait_for(lambda: op.mailq() == [], 60, "empty queue")
    assert not [m for m in pf.messages()
                if util.header_value(m, "Delivered-To") ==
                "victim@example.com"]


def test_bare_cr_is_never_an_end_of_data():
    """Bare CR around a dot: refused at submission, or delivered as one
    message; never a second message."""
    op = outpost()
    mid = "<smuggle-cr@example.org>"
    msg = util.make_message("bare cr", "", msgid=mid).rstrip(b"\n") + \
        b"\n\nx\r.\rSMUGGLED-CR\r\nRCPT TO:<victim@example.com>\r.\r\n" \
        b"end\n"
    proc = op.sendmail(["bob@example.org"], msg, args=["-odq"],
                       check=False)
    if proc.returncode != 0:
        assert proc.returncode in (65, 75), proc.returncode
        assert op.mailq() == []
        return
    proc = op.flush()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (raw,) = arrived(msg, 1)
    assert b"SMUGGLED-CR" in raw and b"end" in raw.split(b"\n\n", 1)[1]
    assert len(accepted(mid, "submission")) == 1


def test_argv_recipients_bcc_header_stripped():
    """Recipients on the command line (git send-email style, no --): the
    Bcc header is still removed from the transmitted message."""
    op = outpost()
    msg = util.make_message("argv bcc", "body\n", bcc="eve@example.net",
                            msgid="<argv-bcc@example.org>")
    proc = queue_and_flush(op, msg, ["bob@example.org", "eve@example.net"])
    assert proc.returncode == 0, proc.stderr
    got = bodies_by_rcpt(arrived(msg, 2))
    want = re.sub(rb"(?m)^Bcc: .*\n", b"", msg)
    assert got == {"bob@example.org": want, "eve@example.net": want}, got


def test_last_line_without_newline_is_terminated():
    op = outpost()
    msg = util.make_message("no final newline", "x").rstrip(b"\n")
    assert not msg.endswith(b"\n")
    proc = queue_and_flush(op, msg, ["bob@example.org"])
    assert proc.returncode == 0, proc.stderr
    (raw,) = arrived(msg, 1)
    assert postfix.strip_added_headers(raw) == msg + b"\n", raw


def test_each_sasl_mechanism():
    """Every mechanism the server offers, one service per mechanism (so the
    client cannot pick another).  PLAIN, LOGIN and SCRAM-SHA-256 must work;
    CRAM-MD5 and DIGEST-MD5 are obsolete: the client may refuse them, but
    then the message must stay queued with an AUTH reason."""
    pf = W["pf"]
    results = {}
    for svc, mech, required in (
            ("mech_plain", "PLAIN", True), ("mech_login", "LOGIN", True),
            ("mech_scram", "SCRAM-SHA-256", True),
            ("mech_cram", "CRAM-MD5", False),
            ("mech_digest", "DIGEST-MD5", False)):
        op = outpost(svc)
        mid = "<mech-%s@example.org>" % mech.lower()
        msg = util.make_message("mech " + mech, "via %s\n" % mech, msgid=mid)
        proc = queue_and_flush(op, msg, ["bob@example.org"])
        if proc.returncode == 0:
            acc = accepted(mid, svc)
            assert len(acc) == 1 and acc[0]["sasl_method"] == mech, \
                (mech, acc)
            results[mech] = "delivered"
            continue
        q = op.mailq()
        assert not required, "%s: flush exit %d: %s %r" % (
            mech, proc.returncode, proc.stdout + proc.stderr, q)
        acc = [a for a in pf.accepted(svc) if a["message_id"] == mid]
        assert acc == [], (mech, acc)
        assert len(q) == 1 and q[0]["recipients"][0]["status"] == \
            "deferred", (mech, q)
        reason = q[0]["recipients"][0]["reason"]
        assert re.search(r"(?i)auth|mechanism|sasl", reason), (mech, reason)
        results[mech] = "refused by client: " + reason
    print("mechanisms: %r" % results)


def test_implicit_tls():
    op = outpost("smtps", tls="implicit")
    msg = util.make_message("implicit tls", "over port 465 style TLS\n",
                            msgid="<implicit@example.org>")
    proc = queue_and_flush(op, msg, ["bob@example.org"])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (raw,) = arrived(msg, 1)
    assert postfix.strip_added_headers(raw) == msg
    assert accepted("<implicit@example.org>", "smtps")


def assert_kept_with_tls_reason(op, svc, pattern):
    """The message stays queued, deferred (never failed/bounced), with a
    reason matching `pattern`, and Postfix accepted nothing on `svc`."""
    q = op.mailq()
    assert len(q) == 1, q
    assert q[0]["sender"] == "alice@example.org", q
    for r in q[0]["recipients"]:
        assert r["status"] == "deferred", r
        assert re.search(pattern, r["reason"]), r["reason"]
    assert W["pf"].accepted(svc) == [], W["pf"].accepted(svc)
    auth_lines = [l for l in W["pf"].log_lines(svc) if "sasl" in l.lower()]
    assert auth_lines == [], auth_lines


def test_untrusted_ca_stays_queued():
    op = outpost("untrusted")
    msg = util.make_message("untrusted", "must not leave\n")
    proc = queue_and_flush(op, msg, ["bob@example.org"])
    assert proc.returncode == 75, (proc.returncode, proc.stdout)
    assert_kept_with_tls_reason(
        op, "untrusted", r"(?i)(tls|certificate|verif)")


def test_wrong_name_stays_queued():
    op = outpost("wrongname")
    msg = util.make_message("wrong name", "must not leave\n")
    proc = queue_and_flush(op, msg, ["bob@example.org"])
    assert proc.returncode == 75, (proc.returncode, proc.stdout)
    assert_kept_with_tls_reason(
        op, "wrongname", r"(?i)(name|host|certificate|verif)")
    # The same certificate verifies for the name it was issued to, so the
    # refusal above was the name check and nothing else.
    op.write_config(tls_server_name="wrong.example")
    proc = op.flush()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert op.mailq() == []


def test_expired_and_not_yet_valid_stay_queued():
    for svc in ("expired", "notyet"):
        op = outpost(svc)
        msg = util.make_message(svc, "must not leave\n")
        proc = queue_and_flush(op, msg, ["bob@example.org"])
        assert proc.returncode == 75, (svc, proc.returncode, proc.stdout)
        assert_kept_with_tls_reason(
            op, svc, r"(?i)(expired|not yet valid|certificate|verif)")


def test_fingerprint_pin_without_ca():
    """A pin accepts a certificate no CA vouches for (tls_ca_file unset)."""
    pki = W["pki"]
    for which, pin in (("cert", pki.untrusted.sha256_pin()),
                       ("spki", pki.untrusted.spki_pin(pki.dir))):
        op = outpost("untrusted", tls_fingerprint=pin)
        op.write_config(tls_ca_file=None)
        assert "tls_ca_file" not in open(op.config_path).read()
        mid = "<pinned-%s@example.org>" % which
        msg = util.make_message("pinned " + which, "pinned\n", msgid=mid)
        proc = queue_and_flush(op, msg, ["bob@example.org"])
        assert proc.returncode == 0, (which, proc.stdout + proc.stderr)
        assert accepted(mid, "untrusted"), which


def test_wrong_pin_beats_valid_ca():
    """A CA-valid certificate that is not the pinned one is refused."""
    op = outpost("submission",
                 tls_fingerprint=W["pki"].untrusted.sha256_pin())
    mid = "<wrong-pin@example.org>"
    msg = util.make_message("wrong pin", "must not leave\n", msgid=mid)
    proc = queue_and_flush(op, msg, ["bob@example.org"])
    assert proc.returncode == 75, (proc.returncode, proc.stdout)
    q = op.mailq()
    assert len(q) == 1 and q[0]["recipients"][0]["status"] == "deferred", q
    assert re.search(r"(?i)(pin|fingerprint)",
                     q[0]["recipients"][0]["reason"]), q
    assert not [a for a in W["pf"].accepted("submission")
                if a["message_id"] == mid]


def test_many_messages_one_session():
    """Everything due goes over one connection, in submission order."""
    pf = W["pf"]
    op = outpost()
    c0 = pf.connects("submission")
    msgs = []
    for i in range(4):
        mid = "<series-%d@example.org>" % i
        msgs.append(util.make_message("series %d" % i, "part %d\n" % i,
                                      msgid=mid))
        op.sendmail(["bob@example.org"], msgs[-1], args=["-odq"])
    mids = [util.header_value(m, "Message-ID") for m in msgs]
    proc = op.flush()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for m in msgs:
        arrived(m, 1)
    order = [a["message_id"] for a in pf.wait_accepted(mids, "submission")
             if a["message_id"] in mids]
    assert order == mids, order
    util.wait_for(lambda: pf.connects("submission") == c0 + 1, 60,
                  "log of the one session")
    assert pf.connects("submission") == c0 + 1
    assert len(proc.stdout.decode().strip().splitlines()) >= 4, proc.stdout


def window_200(service, tag, counter):
    """Queue 200 messages (2 recipients, dot-led lines), flush once; each
    must arrive exactly once, in submission order, over one connection
    whose disconnect line counts `counter` (" bdat=200 ").  Returns the
    service's log lines."""
    pf = W["pf"]
    op = outpost(service)
    c0 = pf.connects(service)
    mids = ["<%s-%03d@example.org>" % (tag, i) for i in range(200)]
    for i, mid in enumerate(mids):
        op.sendmail(["bob@example.org", "carol@example.org"],
                    util.make_message("%s %d" % (tag, i), ".line %d\n" % i *
                                      50, msgid=mid), args=["-odq"])
    proc = op.flush()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert op.mailq() == []
    util.wait_for(lambda: len([a for a in pf.accepted(service)
                               if a["message_id"] in mids]) >= 200, 60,
                  "200 messages in the Postfix log")
    got = [a["message_id"] for a in pf.accepted(service)
           if a["message_id"] in mids]
    assert got == mids, got[:10]
    util.wait_for(lambda: pf.connects(service) == c0 + 1 and any(
        counter in l for l in pf.log_lines(service)), 60,
        "the one session's disconnect line")
    assert pf.connects(service) == c0 + 1
    # Our side says the same: one session, 200 transactions, timed.
    sess = re.findall(r"session (\d+) to \S+: (\d+) transaction\(s\) in "
                      r"(\d+\.\d{3}) s$", op.log_text(), re.M)
    assert len(sess) == 1 and sess[0][:2] == ("1", "200"), sess
    assert float(sess[0][2]) > 0, sess
    return pf.log_lines(service)


def test_window_200_messages_one_connection():
    """With the pipeline window (CHUNKING): 200 messages over one
    connection, each accepted exactly once, in submission order, as BDAT
    transactions (Postfix's per-session command counts)."""
    window_200("submission", "window", " bdat=200 ")


def test_data_window_200_messages_one_connection():
    """Postfix without CHUNKING (smtpd_discard_ehlo_keywords = chunking):
    the window runs over DATA (RFC 2920).  200 messages over one
    connection, in order, as DATA transactions, and Postfix never saw
    improper pipelining (text before its 354)."""
    lines = window_200("nochunk", "datawin", " data=200 ")
    assert not [l for l in lines if "bdat=" in l], lines[-3:]
    assert not [l for l in lines if "pipelining" in l], \
        [l for l in lines if "pipelining" in l]


def test_two_flushes_at_once_never_double_send():
    """Two runners started together share the queue through the lock:
    every message reaches Postfix exactly once."""
    pf = W["pf"]
    op = outpost()
    mids = ["<twice-%d@example.org>" % i for i in range(10)]
    for i, mid in enumerate(mids):
        op.sendmail(["bob@example.org"], util.make_message(
            "concurrent %d" % i, "x\n" * 2000, msgid=mid), args=["-odq"])
    procs = [op.popen(["flush"]) for _ in range(2)]
    for p in procs:
        p.communicate(timeout=120)
        assert p.returncode in (0, 75), p.returncode
    if op.mailq():                  # one runner may have skipped, busy
        assert op.flush().returncode == 0
    assert op.mailq() == []
    util.wait_for(lambda: all(
        m in [a["message_id"] for a in pf.accepted()] for m in mids), 60,
        "all ten in the Postfix log")
    got = [a["message_id"] for a in pf.accepted() if a["message_id"] in mids]
    assert sorted(got) == sorted(mids), got


def test_doctor_reports_without_secrets():
    op = outpost()
    proc = op.run(["doctor"])
    out = (proc.stdout + proc.stderr).decode(errors="replace")
    assert proc.returncode == 0, out
    assert "s3cret" not in out, "password printed by doctor"
    assert re.search(r"(?i)tls", out) and re.search(r"(?i)auth", out), out
    op = outpost("untrusted")
    proc = op.run(["doctor"])
    out = (proc.stdout + proc.stderr).decode(errors="replace")
    assert proc.returncode != 0, out
    assert re.search(r"(?i)(certificate|verif)", out), out


if __name__ == "__main__":
    util.run_tests([
        test_starttls_auth_byte_for_byte_and_bcc_stripped,
        test_no_received_header_from_the_client,
        test_smtp_smuggling_sequences_stay_inside_one_message,
        test_bare_cr_is_never_an_end_of_data,
        test_argv_recipients_bcc_header_stripped,
        test_last_line_without_newline_is_terminated,
        test_each_sasl_mechanism,
        test_implicit_tls,
        test_untrusted_ca_stays_queued,
        test_wrong_name_stays_queued,
        test_expired_and_not_yet_valid_stay_queued,
        test_fingerprint_pin_without_ca,
        test_wrong_pin_beats_valid_ca,
        test_many_messages_one_session,
        test_window_200_messages_one_connection,
        test_data_window_200_messages_one_connection,
        test_two_flushes_at_once_never_double_send,
        test_doctor_reports_without_secrets,
    ], setup=setup)
