#!/usr/bin/python3
"""`account` sections against two real Postfix smarthosts, each with its own
CA and SASL user: mail from work@ (-f, or a *@domain pattern through the
From: header) reaches only the work smarthost, mail from me@ only the
personal one, each in submission order; a sender matching no account is
refused with 65 and nothing is queued; with the personal smarthost down,
work mail still goes and personal mail waits (mailq names its account)
until the smarthost is back.
Runs as root with private Postfix instances from lib/.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "lib"))
import ca                       # noqa: E402
import postfix                  # noqa: E402
import util                     # noqa: E402

W = {}


def setup():
    util.require_outpost()
    postfix.require()
    W["tmp"] = util.temp_dir()
    W["n"] = 0
    for name, user, pw in (("work", "alice", "s3cret-Pa55"),
                           ("home", "me", "an0ther-Pw")):
        pki = ca.TestPKI(os.path.join(W["tmp"], "pki-" + name))
        pf = postfix.Postfix(os.path.join(W["tmp"], "pf-" + name), pki,
                             user=user, password=pw)
        pf.start()
        W[name] = {"pki": pki, "pf": pf, "user": user, "pw": pw}


def outpost():
    """An Outpost with two accounts; its config is written by hand."""
    W["n"] += 1
    d = os.path.join(W["tmp"], "op%d" % W["n"])
    os.makedirs(d)
    op = util.Outpost(d)
    lines = ["spool " + op.spool, "lint off", "retry_min 1s",
             "retry_max 10s", "connect_timeout 5s", "command_timeout 10s",
             "tls starttls", "tls_server_name localhost", ""]
    for acct, frm in (("work", "work@corp.example *@corp.example"),
                      ("home", "me@home.example")):
        a = W[acct]
        lines += ["account " + acct,
                  "smarthost 127.0.0.1:%d" % a["pf"].ports["submission"],
                  "tls_ca_file " + a["pki"].ca.cert,
                  "user " + a["user"],
                  "password_file " + util.secret_file(
                      os.path.join(d, acct + ".pw"), a["pw"]),
                  "from " + frm, ""]
    with open(op.config_path, "w") as f:
        f.write("\n".join(lines))
    return op


def mids(pf):
    return [a["message_id"] for a in pf.accepted()]


def send(op, mfrom, mid, args=()):
    op.sendmail(["bob@example.org"], util.make_message(
        "acct " + mid, "text\n", mfrom=mfrom, msgid=mid),
        args=["-odq"] + list(args))


def test_routed_by_sender_in_order():
    op = outpost()
    work, home = W["work"]["pf"], W["home"]["pf"]
    w0, h0 = len(work.accepted()), len(home.accepted())
    plan = [("W <work@corp.example>", "<a1@x>", ["-f", "work@corp.example"]),
            ("Me <me@home.example>", "<b1@x>", []),
            ("Boss <boss@corp.example>", "<a2@x>", []),
            ("Me <me@home.example>", "<b2@x>", ["-f", "me@home.example"]),
            ("W <work@corp.example>", "<a3@x>", [])]
    for mfrom, mid, args in plan:
        send(op, mfrom, mid, args)
    q = {m["message_id"]: m["account"] for m in op.mailq()}
    assert q == {"<a1@x>": "work", "<b1@x>": "home", "<a2@x>": "work",
                 "<b2@x>": "home", "<a3@x>": "work"}, q
    text = op.run(["mailq"], check=True).stdout.decode()
    assert "Account: work" in text and "Account: home" in text, text
    proc = op.flush(timeout=120)
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    # smtpd's and cleanup's log lines of each message (cleanup's, with the
    # Message-ID, may come after the next message's smtpd line).
    work.wait_accepted(["<a1@x>", "<a2@x>", "<a3@x>"])
    home.wait_accepted(["<b1@x>", "<b2@x>"])
    assert mids(work)[w0:] == ["<a1@x>", "<a2@x>", "<a3@x>"], mids(work)
    assert mids(home)[h0:] == ["<b1@x>", "<b2@x>"], mids(home)
    # The From: address became the envelope sender of the no -f ones
    # (qmgr's line, written after the client had its 250).
    util.wait_for(lambda: "from=<me@home.example>" in home.log_text(), 60,
                  "qmgr's line of the home mail")
    log = home.log_text()
    assert "from=<me@home.example>" in log, log[-2000:]
    assert op.mailq() == []


def test_no_account_refused():
    op = outpost()
    proc = op.sendmail(["bob@example.org"], util.make_message(
        "stray", "x\n", mfrom="X <x@elsewhere.example>"), args=["-odq"],
        check=False)
    err = proc.stderr.decode(errors="replace")
    assert proc.returncode == 65, (proc.returncode, err)
    assert "work, home" in err and "x@elsewhere.example" in err, err
    assert op.mailq() == []
    # With account_default the same sender goes through that account.
    with open(op.config_path, "a") as f:
        f.write("\n")
    text = open(op.config_path).read()
    with open(op.config_path, "w") as f:
        f.write("account_default home\n" + text)
    send(op, "X <x@elsewhere.example>", "<c1@x>")
    assert [m["account"] for m in op.mailq()] == ["home"], op.mailq()


def test_one_smarthost_down():
    op = outpost()
    work, home = W["work"]["pf"], W["home"]["pf"]
    w0 = len(work.accepted())
    home.stop()
    try:
        send(op, "Me <me@home.example>", "<d1@x>")
        send(op, "W <work@corp.example>", "<d2@x>")
        op.flush(timeout=120)
        work.wait_accepted(["<d2@x>"])
        assert mids(work)[w0:] == ["<d2@x>"], mids(work)
        left = op.mailq()
        assert [(m["message_id"], m["account"]) for m in left] == [
            ("<d1@x>", "home")], left
        assert left[0]["attempts"] >= 1, left
    finally:
        home.start()
    h0 = len(home.accepted())
    op.flush(timeout=120)
    home.wait_accepted(["<d1@x>"])
    assert mids(home)[h0:] == ["<d1@x>"], mids(home)
    assert "<d1@x>" not in mids(work)
    assert op.mailq() == []


def test_auth_mechanisms_plain():
    """auth_mechanisms restricts the choice: PLAIN although the server
    offers SCRAM first; a list the server does not share names both."""
    op = outpost()
    text = open(op.config_path).read()
    with open(op.config_path, "w") as f:
        f.write(text.replace("account home\n",
                             "account home\nauth_mechanisms PLAIN\n"))
    home = W["home"]["pf"]
    send(op, "Me <me@home.example>", "<e1@x>")
    op.flush(timeout=120)
    acc = [a for a in home.wait_accepted(["<e1@x>"])
           if a["message_id"] == "<e1@x>"]
    assert [(a["sasl_method"], a["sasl_username"]) for a in acc] == [
        ("PLAIN", "me@example.org")], acc
    assert "sasl_method=PLAIN, sasl_username=me" in home.log_text(), \
        home.log_text()[-2000:]
    with open(op.config_path, "w") as f:
        f.write(text.replace("account home\n",
                             "account home\nauth_mechanisms NTLM\n"))
    send(op, "Me <me@home.example>", "<e2@x>")
    op.flush(timeout=120)
    left = op.mailq()
    why = left[0]["recipients"][0]["reason"]
    assert "no AUTH mechanism in common" in why and "NTLM" in why, left


if __name__ == "__main__":
    util.run_tests([test_routed_by_sender_in_order, test_no_account_refused,
                    test_one_smarthost_down, test_auth_mechanisms_plain],
                   setup=setup)
