"""outpost-deliver hardening (issue 10, points 9 and 12): core dumps are off
and the process is not dumpable before any secret is read (seen from the
password_command it starts, which runs while the secret is being fetched);
a password_command that leaves a background child holding its stdout still
delivers at once, without waiting for the pipe's EOF.
"""

import os
import resource
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "lib"))
import util                     # noqa: E402
import ca                       # noqa: E402
import faultsrv                 # noqa: E402

W = {}
PASSWORD = "s3cret-Pa55"


def setup():
    util.require_outpost()
    W["tmp"] = util.temp_dir()
    W["pki"] = ca.TestPKI(os.path.join(W["tmp"], "pki"))
    W["n"] = 0
    # Cores allowed for us and our children: outpost-deliver must turn
    # them off itself.
    soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
    resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))
    W["core_hard"] = hard


def fresh(name):
    W["n"] += 1
    d = os.path.join(W["tmp"], "%d-%s" % (W["n"], name))
    srv = faultsrv.FaultServer(os.path.join(d, "server"), W["pki"], "raw_ok")
    op = util.Outpost(os.path.join(d, "client"), srv.port, W["pki"])
    return srv, op


def script(op, body):
    path = os.path.join(op.dir, "getpw")
    with open(path, "w") as f:
        f.write("#!/bin/sh\n" + body)
    os.chmod(path, 0o700)
    op.write_config(password_file=None, password_command=path)


def queue(op):
    op.sendmail(["bob@example.org"], util.make_message("hard", "body\n"),
                args=["-odq"])


def test_no_core_dumps_before_the_secret():
    srv, op = fresh("cores")
    evidence = os.path.join(op.dir, "evidence")
    # $PPID is outpost-deliver, fetching the password right now.
    script(op, "grep '^Max core file size' /proc/$PPID/limits >'%s'\n"
               "stat -c 'owner %%u' /proc/$PPID/mem >>'%s'\n"
               "echo '%s'\n" % (evidence, evidence, PASSWORD))
    queue(op)
    p = op.flush()
    assert p.returncode == 0, p.stdout + p.stderr
    assert len(srv.messages()) == 1
    with open(evidence) as f:
        lines = f.read().splitlines()
    limits = lines[0].split()
    assert limits[4:6] == ["0", "0"], lines
    # Not dumpable: its /proc files belong to root (only visible when we
    # are not root ourselves).
    if os.getuid() != 0:
        assert lines[1] == "owner 0", lines


def test_password_command_background_child():
    srv, op = fresh("bgchild")
    pidfile = os.path.join(op.dir, "bg.pid")
    # The child keeps our stdout pipe; its stderr goes elsewhere only
    # because this test reads flush's stderr to its end.
    script(op, "echo '%s'\nsleep 120 2>/dev/null &\necho $! >'%s'\n"
           % (PASSWORD, pidfile))
    queue(op)
    try:
        # Bounded far below the 30 s password deadline: the secret came
        # at once, the command exited; nothing else is worth waiting for.
        p = op.run(["flush"], timeout=20)
    finally:
        if os.path.exists(pidfile):
            with open(pidfile) as f:
                try:
                    os.kill(int(f.read()), signal.SIGKILL)
                except (ValueError, ProcessLookupError):
                    pass
    assert p.returncode == 0, p.stdout + p.stderr
    assert len(srv.messages()) == 1


if __name__ == "__main__":
    util.run_tests([
        test_no_core_dumps_before_the_secret,
        test_password_command_background_child,
    ], setup=setup)
