#!/usr/bin/python3
"""8-bit text and servers without 8BITMIME (issue 10.8, RFC 6152): such a
server gets the 8-bit parts re-encoded quoted-printable, which decode back
to the original bytes; a server with 8BITMIME gets the text unchanged
(BODY=8BITMIME); a message that cannot be re-encoded (8-bit header text)
is deferred with the reason, never sent 8-bit.  Through the one-message
path (the fault server) and the window (Postfix without 8BITMIME).
"""

import email
import email.policy
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "lib"))
import util                     # noqa: E402
import faultsrv                 # noqa: E402
import smarthost                # noqa: E402

W = {}

TEXT = ("Gr\u00fc\u00dfe aus K\u00f6ln \u2014 caf\u00e9 = 100%\n"
        "trailing space \n"
        ".leading dot\n"
        "From the start of a line\n" + "\u00e9" * 120 + "\n").encode()

SINGLE = (b"From: Alice <alice@example.org>\n"
          b"To: bob@example.org\n"
          b"Subject: 8-bit single part\n"
          b"Message-ID: <eight-single@example.org>\n"
          b"MIME-Version: 1.0\n"
          b"Content-Type: text/plain; charset=utf-8\n"
          b"Content-Transfer-Encoding: 8bit\n"
          b"\n" + TEXT)

MULTI = (b"From: Alice <alice@example.org>\n"
         b"To: bob@example.org\n"
         b"Subject: 8-bit multipart\n"
         b"Message-ID: <eight-multi@example.org>\n"
         b"MIME-Version: 1.0\n"
         b"Content-Type: multipart/mixed; boundary=\"xyz\"\n"
         b"\n"
         b"--xyz\n"
         b"Content-Type: text/plain; charset=us-ascii\n"
         b"\n"
         b"plain part\n"
         b"--xyz\n"
         b"Content-Type: text/x-patch; charset=utf-8\n"
         b"Content-Transfer-Encoding: 8bit\n"
         b"\n" + TEXT +
         b"--xyz--\n")

HDR8 = (b"From: Alice <alice@example.org>\n"
        b"To: bob@example.org\n"
        b"Subject: caf\xc3\xa9 in the subject\n"
        b"Message-ID: <eight-header@example.org>\n"
        b"\n" + TEXT)


def setup():
    W.update(smarthost.start())


def out(proc):
    return (proc.stdout + proc.stderr).decode(errors="replace")


def fault(name, scenario):
    d = os.path.join(W["tmp"], name)
    srv = faultsrv.FaultServer(os.path.join(d, "server"), W["pki"],
                               scenario)
    op = util.Outpost(os.path.join(d, "client"), srv.port, W["pki"],
                      retry_min="1h", retry_max="2h")
    return srv, op


def lf(data):
    return data.replace(b"\r\n", b"\n")


def leaves(raw):
    """(content type, Content-Transfer-Encoding, decoded bytes) of every
    non-multipart part."""
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    return [(p.get_content_type(), (p["Content-Transfer-Encoding"] or
                                    "7bit").strip().lower(),
             p.get_payload(decode=True)) for p in msg.walk()
            if not p.is_multipart()]


def assert_7bit_and_same(raw):
    assert max(raw) < 0x80, raw
    assert all(len(line) <= 78 for line in raw.split(b"\n")), raw
    got = leaves(raw)
    text = [g for g in got if g[0] in ("text/plain", "text/x-patch")
            and g[2].rstrip(b"\n") != b"plain part"]
    assert len(text) == 1, got
    assert text[0][1] == "quoted-printable", got
    # (in a multipart the last line end belongs to the delimiter)
    assert lf(text[0][2]).rstrip(b"\n") == TEXT.rstrip(b"\n"), text


def test_no_8bitmime_gets_quoted_printable():
    srv, op = fault("qp", "no_8bitmime")
    for msg in (SINGLE, MULTI):
        op.sendmail(["bob@example.org"], msg, args=["-odq"])
    proc = op.flush()
    assert proc.returncode == 0, out(proc)
    msgs = srv.messages()
    assert len(msgs) == 2, msgs
    for m in msgs:
        assert_7bit_and_same(lf(m["data"]))
    multi = [m for m in msgs if b"eight-multi" in m["data"]][0]
    assert b"\nplain part\n" in lf(multi["data"])      # untouched
    assert b"\n--xyz--\n" in lf(multi["data"])
    for line in srv.commands():
        assert "BODY=8BITMIME" not in line.upper(), line


def test_8bitmime_gets_the_text_unchanged():
    srv, op = fault("eight", "raw_ok")
    op.sendmail(["bob@example.org"], SINGLE, args=["-odq"])
    proc = op.flush()
    assert proc.returncode == 0, out(proc)
    msgs = srv.messages()
    assert len(msgs) == 1, msgs
    data = lf(msgs[0]["data"])
    assert data.endswith(b"\n\n" + TEXT), data
    assert b"Content-Transfer-Encoding: 8bit\n" in data, data
    mail = [c for c in srv.commands() if c.upper().startswith("MAIL")]
    assert "BODY=8BITMIME" in mail[0].upper(), mail


def test_8bit_header_is_deferred_with_the_reason():
    srv, op = fault("hdr8", "no_8bitmime")
    op.sendmail(["bob@example.org"], HDR8, args=["-odq"])
    proc = op.flush()
    assert proc.returncode == 75, out(proc)
    assert srv.messages() == []
    q = op.mailq()
    assert len(q) == 1 and not q[0]["failed"], q
    reason = q[0]["recipients"][0]["reason"]
    assert q[0]["recipients"][0]["status"] == "deferred", q
    assert "8BITMIME" in reason and "8-bit headers" in reason, reason


def test_postfix_without_8bitmime_window():
    pf = W["pf"]
    op = smarthost.outpost(W, "no8bit")
    op.sendmail(["bob@example.org"], SINGLE, args=["-odq"])
    op.sendmail(["bob@example.org"], MULTI, args=["-odq"])
    proc = op.flush()
    assert proc.returncode == 0, out(proc)
    # By Message-ID: a count of files taken before could still miss mail
    # of an earlier test on its way to the Maildir.
    raws = []
    for msg in (SINGLE, MULTI):
        got = pf.wait_delivered(util.header_value(msg, "Message-ID"))
        assert len(got) == 1, got
        raws += got
    for raw in raws:
        body = lf(raw)
        assert_7bit_and_same(body[body.index(b"From: Alice"):])
    assert op.mailq() == []


if __name__ == "__main__":
    util.run_tests([
        test_no_8bitmime_gets_quoted_printable,
        test_8bitmime_gets_the_text_unchanged,
        test_8bit_header_is_deferred_with_the_reason,
        test_postfix_without_8bitmime_window,
    ], setup=setup)
