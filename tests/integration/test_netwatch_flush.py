#!/usr/bin/python3
"""Network-up flush (issue 11 point 3): a waiting runner retries deferred
mail as soon as the kernel reports a default route, not at its retry time.

Runs as root in a network namespace of its own (the script re-executes
itself under `unshare -n`): only loopback and a dummy (or veth) link that
lives and dies with the namespace; no packet leaves it.  The smarthost is
the fault server on loopback: first it answers 421, so the message is
deferred for an hour; then an accepting server takes over the same port.
Then a default route appears on the dummy link, and the message must be
delivered within 2 s of it, by the on-demand runner that sendmail left
behind and by `outpost relayd` alike, with the retry in the delivery log.
A route that is not a default one (a /24) wakes nobody.
Skipped (77) when not root or when namespaces are not allowed here.
"""

import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "lib"))
import ca                       # noqa: E402
import faultsrv                 # noqa: E402
import util                     # noqa: E402

CHILD_ENV = "OUTPOST_NETNS_CHILD"
DEADLINE_S = float(os.environ.get("OUTPOST_NETWATCH_DEADLINE", "2"))
W = {}


def enter_namespace():
    """Re-run this script in a new network namespace, or skip."""
    if os.geteuid() != 0:
        util.skip("needs root to create a network namespace (unshare -n)")
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        util.skip("unshare (util-linux) or ip (iproute2) not installed")
    probe = subprocess.run(["unshare", "-n", "true"],
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE)
    if probe.returncode != 0:
        util.skip("network namespaces not allowed here: %s" %
                  probe.stderr.decode(errors="replace").strip())
    env = dict(os.environ, **{CHILD_ENV: "1"})
    sys.stdout.flush()
    os.execvpe("unshare", ["unshare", "-n", "--", sys.executable,
                           os.path.abspath(__file__)], env)


def ip(*args):
    subprocess.run(["ip"] + list(args), check=True)


def add_link(name):
    """A link that goes nowhere: dummy, else a veth pair kept inside the
    namespace (where the dummy driver is not available)."""
    if subprocess.run(["ip", "link", "add", name, "type", "dummy"],
                      stderr=subprocess.DEVNULL).returncode != 0:
        ip("link", "add", name, "type", "veth", "peer", "name", name + "p")
        ip("link", "set", name + "p", "up")


def setup():
    util.require_outpost()
    ip("link", "set", "lo", "up")
    # The link and its address exist before any runner starts: only the
    # route the tests add is news to them.
    add_link("d0")
    ip("addr", "add", "10.77.0.1/24", "dev", "d0")
    ip("link", "set", "d0", "up")
    W["tmp"] = util.temp_dir()
    W["pki"] = ca.TestPKI(os.path.join(W["tmp"], "pki"))


def relayd_asleep(op, proc):
    """relayd in its wait (poll), the runner lock free."""
    try:
        with open("/proc/%d/wchan" % proc.pid) as f:
            asleep = "poll" in f.read()
    except OSError:
        return False
    return asleep and op.spool_lock_free()


def deferred_for_an_hour(op):
    q = op.mailq()
    return (len(q) == 1 and q[0]["attempts"] >= 1 and
            q[0]["recipients"][0]["status"] == "deferred")


def defer_then_accept(name):
    """A message deferred by a 421 server with its next retry an hour
    away; then an accepting server on the same port.  Returns (outpost,
    accepting server)."""
    d = os.path.join(W["tmp"], name)
    bad = faultsrv.FaultServer(os.path.join(d, "s421"), W["pki"],
                               "greet421")
    op = util.Outpost(os.path.join(d, "client"), bad.port, W["pki"],
                      retry_min="1h", retry_max="2h")
    return d, bad, op


def take_over(d, bad):
    """The accepting server replaces the 421 one.  Before that, a route
    that is no default one (a /24): were it taken for the network coming
    back, its retry would meet the 421 server and the rate limit would
    hold back the retry of the default route past the deadline."""
    ip("route", "add", "10.78.0.0/24", "via", "10.77.0.2", "dev", "d0")
    port = bad.port
    bad.stop()
    return faultsrv.FaultServer(os.path.join(d, "sok"), W["pki"], "ok",
                                port=port)


def assert_retried_on_route(op, good, via):
    t0 = time.monotonic()
    ip("route", "add", "default", "via", via, "dev", "d0")
    try:
        util.wait_for(lambda: good.messages() and not op.mailq(),
                      DEADLINE_S, "delivery after the default route")
    except util.Timeout:
        print("queue:", op.mailq())
        print("log:\n" + op.log_text())
        raise
    took = time.monotonic() - t0
    print("delivered %.2f s after the default route appeared" % took)
    assert took <= DEADLINE_S, took
    assert len(good.messages()) == 1
    assert_one_retry_logged(op)
    ip("route", "del", "default")
    ip("route", "del", "10.78.0.0/24")


def assert_one_retry_logged(op):
    lines = [ln for ln in op.log_text().splitlines()
             if "network change" in ln]
    assert len(lines) == 1, lines
    assert "network change: retrying 1 deferred message(s) now" in \
        lines[0], lines


def test_on_demand_runner_retries_when_a_default_route_appears():
    d, bad, op = defer_then_accept("ondemand")
    op.sendmail(["bob@example.org"], util.make_message("net", "back\n"))
    util.wait_for(lambda: deferred_for_an_hour(op), 60, "a 421 deferral")
    nxt = op.mailq()[0]["recipients"][0]
    pid = util.wait_for(lambda: op.on_demand_pid(), 60,
                        "the on-demand runner")
    util.wait_for(lambda: op.runner_waiting(pid), 60, "the runner's wait")
    good = take_over(d, bad)
    assert "421" in nxt.get("reason", ""), nxt
    assert_retried_on_route(op, good, "10.77.0.2")
    # Nothing left to wait for: the on-demand runner leaves.
    op.wait_no_runner(60)


def test_relayd_retries_when_a_default_route_appears():
    d, bad, op = defer_then_accept("relayd")
    op.sendmail(["bob@example.org"], util.make_message("net", "again\n"),
                args=["-odq"])
    proc = op.popen(["relayd"])
    util.at_exit(lambda: proc.poll() is None and proc.kill())
    util.wait_for(lambda: deferred_for_an_hour(op), 60, "a 421 deferral")
    util.wait_for(lambda: relayd_asleep(op, proc), 60, "relayd's wait")
    good = take_over(d, bad)
    assert_retried_on_route(op, good, "10.77.0.3")
    # relayd stays; the fault server saw one session only.
    assert proc.poll() is None
    proc.terminate()
    assert proc.wait(30) == 0


def test_held_mail_stays_held():
    """A held message is not retried by a network change (nor is it
    counted in the log line)."""
    d, bad, op = defer_then_accept("held")
    op.sendmail(["bob@example.org"], util.make_message("held", "x\n"),
                args=["-odq"])
    op.sendmail(["bob@example.org"], util.make_message("free", "y\n"),
                args=["-odq"])
    ids = [m["id"] for m in op.mailq()]
    proc = op.popen(["relayd"])
    util.at_exit(lambda: proc.poll() is None and proc.kill())
    util.wait_for(lambda: all(m["attempts"] >= 1 for m in op.mailq()), 60,
                  "two 421 deferrals")
    util.wait_for(lambda: relayd_asleep(op, proc), 60, "relayd's wait")
    op.run(["hold", ids[0]], check=True)
    good = take_over(d, bad)
    ip("route", "add", "default", "via", "10.77.0.4", "dev", "d0")
    util.wait_for(lambda: good.messages(), DEADLINE_S,
                  "delivery of the message not held")
    q = op.mailq()
    assert [m["id"] for m in q] == [ids[0]], q
    assert q[0]["hold"]["state"] == "held", q
    assert_one_retry_logged(op)
    ip("route", "del", "default")
    ip("route", "del", "10.78.0.0/24")
    proc.terminate()
    assert proc.wait(30) == 0


if __name__ == "__main__":
    if os.environ.get(CHILD_ENV) != "1":
        enter_namespace()
    util.run_tests([test_on_demand_runner_retries_when_a_default_route_appears,
                    test_relayd_retries_when_a_default_route_appears,
                    test_held_mail_stays_held],
                   setup=setup)
