"""Hostile bytes at submission (issue 10, points 7 and 8): a bare CR in a
header is never a line end (with -t it used to add a Bcc recipient), a NUL
anywhere is refused; both exit 65 with nothing queued.  CRLF and a bare CR
in the body still mean a line end."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "lib"))
import util                     # noqa: E402

W = {}


def setup():
    util.require_outpost()
    W["tmp"] = util.temp_dir()
    W["n"] = 0


def fresh():
    W["n"] += 1
    return util.Outpost(os.path.join(W["tmp"], str(W["n"])))


HEAD = (b"From: Alice <alice@example.org>\r\nTo: bob@example.org\r\n"
        b"Message-ID: <hostile@example.org>\r\n"
        b"Date: Sun, 06 Dec 2026 10:00:00 +0000\r\n")


def refused(op, msg, args, needle):
    p = op.sendmail(args, msg, args=["-odq"], check=False)
    err = p.stderr.decode(errors="replace")
    assert p.returncode == 65, (p.returncode, err)
    assert needle in err, err
    assert op.mailq() == [], op.mailq()


def test_bare_cr_in_header_with_t():
    op = fresh()
    msg = HEAD + b"Subject: Re: hi\rBcc: evil@example.org\r\n\r\nbody\r\n"
    refused(op, msg, ["-t"], "carriage return")


def test_bare_cr_in_header_explicit_rcpt():
    op = fresh()
    msg = HEAD + b"Subject: Re: hi\rX-Evil: 1\r\n\r\nbody\r\n"
    refused(op, msg, ["bob@example.org"], "carriage return")


def test_nul_in_header_and_body():
    op = fresh()
    refused(op, HEAD + b"Subject: a\0b\r\n\r\nbody\r\n",
            ["bob@example.org"], "NUL")
    refused(op, HEAD + b"Subject: ok\r\n\r\nbo\0dy\r\n",
            ["bob@example.org"], "NUL")


def test_body_bare_cr_still_a_line_end():
    op = fresh()
    msg = HEAD + b"Subject: fine\r\n\r\nline one\rline two\r\n"
    p = op.sendmail(["-t"], msg, args=["-odq"], check=False)
    assert p.returncode == 0, p.stderr
    q = op.mailq()
    assert len(q) == 1, q
    assert "bob@example.org" in str(q[0]), q[0]
    assert "evil" not in str(q[0]), q[0]


def test_lint_takes_bare_cr_as_data():
    """`outpost lint` reads a bare CR in a header the way `-t` does:
    never as a line end.  A Cc smuggled behind one is no field: lint
    still sees the message as private mail to one person (with the CR
    taken as a line end it would see the list and say nothing)."""
    op = fresh()
    path = os.path.join(W["tmp"], "cr.eml")
    with open(path, "wb") as f:
        f.write(HEAD + b"Subject: hi\rCc: linux-kernel@vger.kernel.org"
                b"\r\n\r\nbody\r\n")
    p = op.run(["lint", "--format", "json", path])
    out = p.stdout.decode(errors="replace")
    private = [l for l in out.splitlines() if '"rule":"private"' in l]
    assert len(private) == 1 and "1 recipient" in private[0], out
    # The same text through sendmail -t is refused, not split.
    refused(op, HEAD + b"Subject: hi\rCc: linux-kernel@vger.kernel.org"
            b"\r\n\r\nbody\r\n", ["-t"], "carriage return")


if __name__ == "__main__":
    util.run_tests([
        test_bare_cr_in_header_with_t,
        test_bare_cr_in_header_explicit_rcpt,
        test_nul_in_header_and_body,
        test_body_bare_cr_still_a_line_end,
        test_lint_takes_bare_cr_as_data,
    ], setup=setup)
