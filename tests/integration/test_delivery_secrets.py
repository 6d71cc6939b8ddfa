#!/usr/bin/python3
"""Secrets during delivery: the password never shows up in a runner's argv
or environment, in flush/mailq/doctor output (also verbose), and is never
sent in clear; password_command runs without a shell, stdin from /dev/null;
an insecure password file or a `user` with `tls off` stops delivery before
any connection.
"""

import base64
import os
import stat
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "lib"))
import util                     # noqa: E402
import ca                       # noqa: E402
import faultsrv                 # noqa: E402

W = {}
PASSWORD = "s3cret-Pa55"
NEEDLES = [PASSWORD.encode(),
           base64.b64encode(b"\0alice\0" + PASSWORD.encode()),
           base64.b64encode(PASSWORD.encode())]


def setup():
    util.require_outpost()
    W["tmp"] = util.temp_dir()
    W["pki"] = ca.TestPKI(os.path.join(W["tmp"], "pki"))
    W["n"] = 0


def fresh(scenario, **conf):
    W["n"] += 1
    d = os.path.join(W["tmp"], "%d-%s" % (W["n"], scenario))
    srv = faultsrv.FaultServer(os.path.join(d, "server"), W["pki"], scenario)
    op = util.Outpost(os.path.join(d, "client"), srv.port, W["pki"], **conf)
    return srv, op


def queue(op, subject="secret test"):
    op.sendmail(["bob@example.org"], util.make_message(subject, "body\n"),
                args=["-odq"])


def assert_clean(blob, what):
    for n in NEEDLES:
        assert n not in blob, "%s shows the password (%r)" % (what, n)


def proc_blobs(pid):
    out = b""
    for name in ("cmdline", "environ"):
        try:
            with open("/proc/%d/%s" % (pid, name), "rb") as f:
                out += f.read()
        except OSError:
            pass
    return out


def children(pid):
    kids = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.append(int(name))
    return kids


def test_password_not_in_runner_argv_or_environment():
    srv, op = fresh("stall_dot_once", command_timeout="60s")
    queue(op)
    proc = op.popen(["flush"])
    srv.wait_event("stall", where="dot")
    pids = set(op.runner_pids()) | {proc.pid}
    for pid in list(pids):
        pids.update(children(pid))
    assert pids
    for pid in pids:
        assert_clean(proc_blobs(pid), "process %d argv/environ" % pid)
    proc.kill()
    proc.wait()
    util.wait_for(lambda: not op.runner_pids(), 60, "runner gone")


def test_outputs_never_show_the_password():
    srv, op = fresh("raw_ok")
    queue(op)
    for args in (["mailq"], ["mailq", "--json"]):
        p = op.run(args)
        assert_clean(p.stdout + p.stderr, " ".join(args))
    p = op.run(["doctor"])
    assert p.returncode == 0, p.stdout + p.stderr
    assert_clean(p.stdout + p.stderr, "doctor")
    p = op.run(["flush", "-v"])
    if p.returncode == 64:          # no verbose flag: plain flush then
        p = op.flush()
    assert p.returncode == 0, p.stdout + p.stderr
    assert_clean(p.stdout + p.stderr, "flush")
    assert len(srv.messages()) == 1
    # AUTH happened over TLS only.
    for e in srv.events():
        if e["ev"] == "cmd" and e["line"].upper().startswith("AUTH"):
            assert e.get("tls") is True, e


def test_password_command_no_shell_stdin_devnull():
    srv, op = fresh("raw_ok")
    evidence = os.path.join(op.dir, "evidence")
    script = os.path.join(op.dir, "getpw")
    with open(script, "w") as f:
        f.write("#!/bin/sh\n"
                "{ printf 'arg:%%s\\n' \"$@\"\n"
                "  printf 'stdin:%%s\\n' \"$(readlink /proc/$$/fd/0)\"\n"
                "} >'%s'\n"
                "echo '%s'\n" % (evidence, PASSWORD))
    os.chmod(script, 0o700)
    op.write_config(password_file=None,
                    password_command="%s $HOME a*b" % script)
    queue(op)
    p = op.flush()
    assert p.returncode == 0, p.stdout + p.stderr
    assert len(srv.messages()) == 1
    with open(evidence) as f:
        ev = f.read().splitlines()
    assert "arg:$HOME" in ev and "arg:a*b" in ev, ev     # no shell
    assert "stdin:/dev/null" in ev, ev


def test_insecure_password_file_refused_before_connecting():
    srv, op = fresh("raw_ok")
    queue(op)
    os.chmod(op.password_file, 0o644)
    assert stat.S_IMODE(os.stat(op.password_file).st_mode) == 0o644
    p = op.flush()
    text = (p.stdout + p.stderr).decode(errors="replace")
    assert p.returncode == 78, (p.returncode, text)
    assert op.password_file in text, text
    assert srv.connections() == 0
    os.chmod(op.password_file, 0o600)       # mailq refuses the config too
    assert len(op.mailq()) == 1


def test_user_with_tls_off_is_a_config_error():
    srv, op = fresh("no_starttls")
    queue(op)
    saved = dict(op.conf)
    op.write_config(tls="off", tls_ca_file=None, tls_server_name=None)
    p = op.flush()
    text = (p.stdout + p.stderr).decode(errors="replace")
    assert p.returncode == 78, (p.returncode, text)
    assert op.config_path in text, text
    assert srv.connections() == 0
    op.write_config(**saved)
    assert len(op.mailq()) == 1


if __name__ == "__main__":
    util.run_tests([
        test_password_not_in_runner_argv_or_environment,
        test_outputs_never_show_the_password,
        test_password_command_no_shell_stdin_devnull,
        test_insecure_password_file_refused_before_connecting,
        test_user_with_tls_off_is_a_config_error,
    ], setup=setup)
