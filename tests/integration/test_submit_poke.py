#!/usr/bin/python3
"""After a successful submission, `outpost sendmail` starts one delivery
run in the background and returns at once: the MUA must not wait for the
network.  A smarthost that accepts TCP and never speaks holds that run for
as long as we like (command_timeout 1h), so every check is an event, not a
stopwatch:

- this test is the child subreaper, so the detached run becomes our child:
  sendmail has returned while its run is still alive (it is detached);
- the run connects to the smarthost (it was started), and by then a pipe
  the "MUA" leaked to sendmail is already closed in it;
- the smarthost hangs up, the run records its attempt and, the message
  being deferred, stays as the on-demand runner until SIGTERM;
- `sendmail -odq` returns leaving no child at all: no run was started.
"""

import ctypes
import os
import select
import signal
import socket
import subprocess
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "lib"))
import util                     # noqa: E402

PR_SET_CHILD_SUBREAPER = 36


def become_subreaper():
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        util.skip("prctl(PR_SET_CHILD_SUBREAPER) failed: errno %d"
                  % ctypes.get_errno())


def silent_server():
    """Listen on 127.0.0.1:0; record accepted connections, never reply."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    accepted = []

    def loop():
        while True:
            try:
                c, _ = srv.accept()
            except OSError:
                return
            accepted.append(c)      # held open, silent
    threading.Thread(target=loop, daemon=True).start()
    util.at_exit(srv.close)
    return srv, accepted


def children():
    """'none', 'alive' or 'exited' for our children (reaps an exited one)."""
    try:
        pid, _ = os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return "none"
    return "alive" if pid == 0 else "exited"


class Setup:
    def __init__(self):
        util.require_outpost()
        if not os.access(os.path.join(util.build_dir(), "outpost-deliver"),
                         os.X_OK):
            util.skip("outpost-deliver not built")
        become_subreaper()
        self.srv, self.accepted = silent_server()
        d = util.temp_dir("outpost-poke-")
        # retry_min 1h: once deferred, the message is not due again for
        # an hour, so the run waits (asleep) instead of calling back.
        self.op = util.Outpost(d, port=self.srv.getsockname()[1], tls="off",
                               connect_timeout="5s", command_timeout="1h",
                               retry_min="1h", retry_max="1h")
        self.op.write_config(user=None, password_file=None,
                             tls_server_name=None)
        self.env = self.op.env()
        for k in ("OUTPOST_NO_RUNNER", "OUTPOST_LINT"):
            self.env.pop(k, None)

    def sendmail(self, args, body, **kw):
        return subprocess.run([util.outpost_bin(), "sendmail"] + args,
                              input=body, env=self.env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              **kw)


S = None


def setup():
    global S
    S = Setup()


def test_sendmail_returns_while_its_run_goes_on():
    # A pipe the "MUA" leaks to sendmail without close-on-exec.
    leak_r, leak_w = os.pipe()
    try:
        # Not detached, sendmail would keep us until command_timeout (1h):
        # the timeout here only turns that hang into a failure.
        p = S.sendmail(["a@example.org"], b"Subject: poke\n\nhello\n",
                       timeout=60, pass_fds=(leak_w,))
        os.close(leak_w)
        leak_w = -1
        assert p.returncode == 0, p.stderr
        assert children() == "alive", \
            "sendmail returned but no delivery run of its is alive"
        util.wait_for(lambda: S.accepted, 60, "the run to connect")
        # The run closed inherited descriptors before it exec'd, long before
        # it connected: the pipe is at EOF now or never.
        ready, _, _ = select.select([leak_r], [], [], 0)
        assert ready and os.read(leak_r, 1) == b"", \
            "a leaked descriptor stayed open in the delivery run"
    finally:
        os.close(leak_r)
        if leak_w >= 0:
            os.close(leak_w)


def test_hangup_is_recorded_and_the_run_waits():
    for c in S.accepted:
        c.close()                   # the smarthost hangs up at the greeting

    def attempted():
        q = S.op.mailq()
        return q and q[0]["attempts"] >= 1
    util.wait_for(attempted, 60, "the run to record its attempt")
    # Deferred for an hour: the run stays as the on-demand runner, asleep.
    util.wait_for(lambda: [p for p in S.op.runner_pids()
                           if S.op.runner_waiting(p)], 60,
                  "the run to wait as the on-demand runner")
    assert children() == "alive"
    pid = S.op.on_demand_pid()
    os.kill(pid, signal.SIGTERM)    # a stop request ends it cleanly
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
    assert children() == "none"


def test_odq_starts_no_run():
    before = len(S.accepted)
    p = S.sendmail(["-odq", "b@example.org"], b"Subject: q\n\nx\n",
                   timeout=60)
    assert p.returncode == 0, p.stderr
    # Any run would be our child from the moment sendmail returned.
    assert children() == "none", "-odq started a delivery run"
    assert len(S.accepted) == before
    assert len(S.op.mailq()) == 2


if __name__ == "__main__":
    util.run_tests([test_sendmail_returns_while_its_run_goes_on,
                    test_hangup_is_recorded_and_the_run_waits,
                    test_odq_starts_no_run], setup=setup)
