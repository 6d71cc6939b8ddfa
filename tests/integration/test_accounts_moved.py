#!/usr/bin/python3
"""Accounts that change under queued mail (issue 11 point 1), with two
fault servers (STARTTLS, AUTH) as the smarthosts of `work` and `home`:

- mail of an account removed from the config is never sent through
  another one: it waits, deferred with a reason mailq shows (what to do,
  with its id), logged once however many passes look at it, and the
  stuck-mail notice of sendmail and mailq mentions it;
- `outpost requeue --account NAME ID` refuses a name the config does not
  have (64, listing the accounts) and a config without sections (78),
  and moves the message to a configured account (logged with both
  names), which then delivers it;
- `outpost doctor --account NAME` checks that account only; an unknown
  name is refused with 64 and the list, no sections with 78.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "lib"))
import ca                       # noqa: E402
import faultsrv                 # noqa: E402
import util                     # noqa: E402

W = {}
ACCOUNTS = (("work", "alice", "s3cret-Pa55", "work@corp.example"),
            ("home", "me", "an0ther-Pw", "me@home.example"))


def setup():
    util.require_outpost()
    W["tmp"] = util.temp_dir()
    W["pki"] = ca.TestPKI(os.path.join(W["tmp"], "pki"))
    W["n"] = 0


def start():
    """A fresh Outpost and a fault server per account."""
    W["n"] += 1
    d = os.path.join(W["tmp"], "op%d" % W["n"])
    os.makedirs(d)
    op = util.Outpost(d)
    srv = {}
    for name, user, pw, _ in ACCOUNTS:
        srv[name] = faultsrv.FaultServer(os.path.join(d, "srv-" + name),
                                         W["pki"], "ok", user=user,
                                         password=pw)
    return d, op, srv


def write_config(d, op, srv, names):
    lines = ["spool " + op.spool, "lint off", "retry_min 1s",
             "retry_max 10s", "connect_timeout 5s", "command_timeout 10s",
             "tls starttls", "tls_server_name localhost",
             "tls_ca_file " + W["pki"].ca.cert, ""]
    for name, user, pw, frm in ACCOUNTS:
        if name in names:
            lines += ["account " + name,
                      "smarthost 127.0.0.1:%d" % srv[name].port,
                      "user " + user,
                      "password_file " + util.secret_file(
                          os.path.join(d, name + ".pw"), pw),
                      "from " + frm, ""]
    with open(op.config_path, "w") as f:
        f.write("\n".join(lines))


def out(proc):
    return (proc.stdout + proc.stderr).decode(errors="replace")


def queue_work_mail(d, op, srv):
    """One message of `work`, queued while work is configured; then work
    is removed from the config.  Returns its id."""
    write_config(d, op, srv, ("work", "home"))
    op.sendmail(["bob@example.org"], util.make_message(
        "orphan", "text\n", mfrom="work@corp.example"), args=["-odq"])
    q = op.mailq()
    assert len(q) == 1 and q[0]["account"] == "work", q
    write_config(d, op, srv, ("home",))
    return q[0]["id"]


def test_mail_of_a_removed_account_waits_with_a_reason():
    d, op, srv = start()
    qid = queue_work_mail(d, op, srv)
    for _ in range(3):
        op.flush()
    q = op.mailq()
    assert len(q) == 1, q
    r = q[0]["recipients"][0]
    assert r["status"] == "deferred", r
    assert r["reason"].startswith(
        "account work is no longer configured; add it back or run "
        "outpost requeue --account OTHER %s (accounts: home)" % qid), r
    assert not srv["home"].messages() and not srv["work"].messages()
    lines = [ln for ln in op.log_text().splitlines()
             if qid in ln and "no longer configured" in ln]
    assert len(lines) == 1, lines
    # The stuck-mail notice names it: mailq's summary and sendmail's.
    mq = op.run(["mailq"], check=True)
    assert b"for an account no longer configured" in mq.stderr, out(mq)
    sm = op.sendmail(["bob@example.org"], util.make_message(
        "later", "x\n", mfrom="me@home.example"), args=["-odq"])
    assert b"for an account no longer configured" in sm.stderr, out(sm)


def test_requeue_to_another_account():
    d, op, srv = start()
    qid = queue_work_mail(d, op, srv)
    op.flush()
    bad = op.run(["requeue", "--account", "nosuch", qid])
    assert bad.returncode == 64, out(bad)
    assert b'no account "nosuch"' in bad.stderr, out(bad)
    assert b"configured accounts are: home" in bad.stderr, out(bad)
    # No delivery run yet (it would race the look at the queue below).
    os.environ["OUTPOST_NO_RUNNER"] = "1"
    try:
        ok = op.run(["requeue", "--account", "home", qid], check=True)
    finally:
        del os.environ["OUTPOST_NO_RUNNER"]
    assert ok.stdout.decode() == \
        "%s: requeued to account home (was work)\n" % qid, out(ok)
    assert "moved from account work to account home" in op.log_text()
    q = op.mailq()
    assert q and q[0]["account"] == "home", q
    assert q[0]["recipients"][0]["status"] == "pending", q
    op.flush()
    op.wait_no_runner(60)
    assert not op.mailq()
    assert len(srv["home"].messages()) == 1
    assert not srv["work"].messages()
    # Again: already there, nothing to requeue.
    op.sendmail(["bob@example.org"], util.make_message(
        "home", "x\n", mfrom="me@home.example"), args=["-odq"])
    qid2 = op.mailq()[0]["id"]
    same = op.run(["requeue", "--account", "home", qid2], check=True)
    assert b"unchanged (already account home)" in same.stdout, out(same)


def test_requeue_account_needs_sections():
    d, op, srv = start()
    op.write_config(smarthost="127.0.0.1:%d" % srv["home"].port)
    op.sendmail(["bob@example.org"], util.make_message("one", "x\n"),
                args=["-odq"])
    qid = op.mailq()[0]["id"]
    p = op.run(["requeue", "--account", "home", qid])
    assert p.returncode == 78, out(p)
    assert b"no `account` sections" in p.stderr, out(p)
    # --account belongs to requeue only.
    h = op.run(["hold", "--account", "home", qid])
    assert h.returncode == 64, out(h)


def test_doctor_one_account():
    d, op, srv = start()
    write_config(d, op, srv, ("work", "home"))
    p = op.run(["doctor", "--account", "home"], timeout=120)
    text = out(p)
    assert p.returncode == 0, text
    assert "account       home" in text, text
    assert "work" not in text, text
    bad = op.run(["doctor", "--account", "nosuch"])
    assert bad.returncode == 64, out(bad)
    assert "configured accounts are: work, home" in out(bad), out(bad)
    op.write_config(smarthost="127.0.0.1:%d" % srv["home"].port)
    none = op.run(["doctor", "--account", "home"])
    assert none.returncode == 78, out(none)
    assert "no `account` sections" in out(none), out(none)
    flush = op.run(["flush", "--account", "home"])
    assert flush.returncode == 64, out(flush)


if __name__ == "__main__":
    util.run_tests([test_mail_of_a_removed_account_waits_with_a_reason,
                    test_requeue_to_another_account,
                    test_requeue_account_needs_sections,
                    test_doctor_one_account], setup=setup)
