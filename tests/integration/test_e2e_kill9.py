#!/usr/bin/python3
"""The runner is killed with SIGKILL while a message is in flight (the
server has the whole message and is stalling before its reply to the final
"."); a second flush loses nothing.  At most the in-flight message arrives
twice, and Outpost says so ("possibly delivered") in mailq or in the flush
output.  The campaign (issue 10): many kills at random points of a long
flush to a real Postfix, 0 lost, every duplicate marked (ctest label
`kill9` as well as `integration`; bounded to a few minutes).
"""

import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "lib"))
import util                     # noqa: E402
import ca                       # noqa: E402
import faultsrv                 # noqa: E402
import postfix                  # noqa: E402


def kill_runner(op, proc):
    """SIGKILL the flush we started and any runner it left (by pid)."""
    pids = set(op.runner_pids()) | {proc.pid}
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait(timeout=30)
    util.wait_for(lambda: not op.runner_pids(), 60, "runners to die")


def test_kill9_mid_delivery_loses_nothing():
    util.require_outpost()
    tmp = util.temp_dir()
    pki = ca.TestPKI(os.path.join(tmp, "pki"))
    srv = faultsrv.FaultServer(os.path.join(tmp, "server"), pki,
                               "stall_dot_once")
    op = util.Outpost(os.path.join(tmp, "client"), srv.port, pki,
                      command_timeout="120s")
    mids = ["<kill9-%d@example.org>" % i for i in range(3)]
    for i, mid in enumerate(mids):
        op.sendmail(["bob@example.org"], util.make_message(
            "kill9 %d" % i, "message %d\n" % i, msgid=mid), args=["-odq"])
    assert len(op.mailq()) == 3

    proc = op.popen(["flush"])
    srv.wait_event("stall", timeout=60, where="dot")
    kill_runner(op, proc)
    srv.wait_event("client_gave_up", timeout=60)

    # Nothing lost: all three are still in the queue.
    q = op.mailq()
    assert sorted(m["message_id"] for m in q) == mids, q
    first = [m for m in q if m["message_id"] == mids[0]][0]

    proc = op.flush()
    text = (proc.stdout + proc.stderr).decode(errors="replace")
    assert proc.returncode == 0, text
    assert op.mailq() == [], op.mailq()

    got = [re.search(rb"(?im)^Message-ID: (\S+)", m["data"]).group(1)
           .decode() for m in srv.messages()]
    for mid in mids:
        assert mid in got, (mid, got)
    assert got.count(mids[1]) == 1 and got.count(mids[2]) == 1, got
    assert got.count(mids[0]) in (1, 2), got
    # Submission order is kept across the crash.
    firsts = [got.index(mid) for mid in mids]
    assert firsts == sorted(firsts), got
    # The possible duplicate is flagged, in mailq before the second run
    # (possibly_delivered, or the raw in_flight marker) or in that run's
    # output.
    flagged = first.get("possibly_delivered") is True or \
        first.get("in_flight") is True or \
        re.search(r"(?i)possibly delivered|delivered twice|arrive twice",
                  text)
    assert flagged, (first, text)
    print("flagged by: mailq %s; flush output: %s" % (
        {k: first.get(k) for k in ("possibly_delivered", "in_flight")},
        text.strip().replace("\n", " | ")))


FILLER = "".join("%05d padding so each message takes a while\n" % i
                 for i in range(6000))


def postfix_and_outpost():
    """A started private Postfix (submission only) and an Outpost on it."""
    util.require_outpost()
    postfix.require()
    tmp = util.temp_dir()
    pki = ca.TestPKI(os.path.join(tmp, "pki"))
    pf = postfix.Postfix(os.path.join(tmp, "pf"), pki,
                         services={"submission":
                                   postfix.SERVICES["submission"]})
    pf.start()
    return pf, util.Outpost(os.path.join(tmp, "client"),
                            pf.ports["submission"], pki)


def test_kill9_during_series_to_postfix():
    """SIGKILL while a long series is going to a real Postfix: after a
    second flush every message is there, at most a window of them twice."""
    pf, op = postfix_and_outpost()
    n = 30
    mids = ["<series-kill-%02d@example.org>" % i for i in range(n)]
    for i, mid in enumerate(mids):
        op.sendmail(["bob@example.org"], util.make_message(
            "series %d" % i, FILLER, msgid=mid), args=["-odq"])
    proc = op.popen(["flush"])
    util.wait_for(lambda: len(pf.accepted()) >= 2, 60,
                  "Postfix to accept the first messages")
    kill_runner(op, proc)
    killed_after = len(pf.accepted())
    print("killed after %d of %d accepted" % (killed_after, n))
    proc = op.flush()
    text = (proc.stdout + proc.stderr).decode(errors="replace")
    assert proc.returncode == 0, text
    assert op.mailq() == []
    util.wait_for(lambda: len({a["message_id"] for a in pf.accepted()
                               if a["message_id"]} ) >= n, 60,
                  "all message ids in the Postfix log")
    got = [a["message_id"] for a in pf.accepted()]
    for mid in mids:
        assert mid in got, (mid, got)
    dups = [m for m in mids if got.count(m) > 1]
    # At most the messages of the window in flight arrive twice
    # (pipeline_window, default 8: spool/README.md, group commit).
    assert len(dups) <= 8 and all(got.count(m) <= 2 for m in mids), dups
    # Order of first arrival is submission order.
    assert sorted(mids, key=got.index) == mids, got


def journal_in_flight(op):
    """Ids the spool journal leaves in flight (last line `in-flight`) whose
    message is still queued: what the next recovery flags (a last line
    `removed` is a delivery whose removal recovery finishes instead)."""
    last = {}
    try:
        with open(os.path.join(op.spool, "journal")) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 2 and parts[0] in ("in-flight", "done",
                                                    "removed"):
                    last[parts[1]] = parts[0]
    except FileNotFoundError:
        pass
    return {i for i, what in last.items() if what == "in-flight" and
            os.path.exists(os.path.join(op.spool, "queue", i + ".msg"))}


def flagged_in_output(text):
    """Queue ids a flush run reported as possibly delivered."""
    return set(re.findall(r"(?m)^(\w+): .*possibly delivered", text))


KILLS = 10
MESSAGES = 50


def marks_now(op):
    """(journal bytes, ids marked in flight by the journal or the state)."""
    try:
        with open(os.path.join(op.spool, "journal"), "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raw = None
    return raw, journal_in_flight(op) | {m["id"] for m in op.mailq()
                                         if m["in_flight"]}


def shrink_or_exit(op, proc, target, timeout=60):
    """Poll (tightly: a message takes milliseconds) until at most `target`
    messages are queued or the flush ended."""
    deadline = time.monotonic() + timeout
    while queued(op) > target and proc.poll() is None:
        if time.monotonic() > deadline:
            raise util.Timeout("queue did not shrink to %d" % target)
        time.sleep(0.001)


def queued(op):
    """Messages still in the queue (cheap: the .msg files)."""
    return sum(1 for n in os.listdir(os.path.join(op.spool, "queue"))
               if n.endswith(".msg"))


def test_kill9_campaign_to_postfix():
    """The runner kill campaign of issue 10: KILLS SIGKILLs at random
    points of a MESSAGES-message flush to a real Postfix, then a final
    flush.  Nothing is lost (every message arrived at least once) and
    every message that arrived twice was marked in flight on disk (the
    journal or its state) at a kill, which recovery turns into "possibly
    delivered".  Prints the duplicates per kill and the seed
    (OUTPOST_KILL9_SEED repeats a run)."""
    import random
    pf, op = postfix_and_outpost()
    seed = int(os.environ.get("OUTPOST_KILL9_SEED") or
               random.SystemRandom().randrange(1 << 30))
    rnd = random.Random(seed)
    print("seed %d" % seed)
    mids = ["<campaign-%02d@example.org>" % i for i in range(MESSAGES)]
    for i, mid in enumerate(mids):
        op.sendmail(["bob@example.org"], util.make_message(
            "campaign %d" % i, FILLER, msgid=mid), args=["-odq"])
    mid_of = {m["id"]: m["message_id"] for m in op.mailq()}
    assert len(mid_of) == MESSAGES

    marks, shown, per_kill = {}, set(), []
    for k in range(KILLS):
        left = queued(op)
        if not left:
            break
        base = len(pf.accepted())
        before = marks_now(op)
        proc = op.popen(["flush"])
        # The random point: right away (start-up, recovery, TLS), or
        # once the queue shrank by 1 or 2 (mid-window).
        more = rnd.randrange(0, 3)
        try:
            shrink_or_exit(op, proc, left - more)
        finally:
            kill_runner(op, proc)
        out = proc.stdout.read().decode(errors="replace")
        proc.stdout.close()
        proc.stderr.close()
        after = marks_now(op)
        # Marks the killed run wrote (an untouched journal and state
        # mean it died before recovery: the old marks, counted already).
        at_kill = set() if after == before else after[1]
        for i in at_kill:
            marks[i] = marks.get(i, 0) + 1
        shown |= flagged_in_output(out) | {
            m["id"] for m in op.mailq() if m["possibly_delivered"]}
        per_kill.append((k, len(pf.accepted()) - base, sorted(at_kill)))

    proc = op.flush()
    text = (proc.stdout + proc.stderr).decode(errors="replace")
    assert proc.returncode == 0, text
    assert op.mailq() == [], op.mailq()
    shown |= flagged_in_output(text)
    util.wait_for(lambda: set(mids) <= {a["message_id"]
                                        for a in pf.accepted()}, 60,
                  "every message id in the Postfix log")
    got = [a["message_id"] for a in pf.accepted()]
    lost = [m for m in mids if m not in got]
    dups = {i for i, m in mid_of.items() if got.count(m) > 1}
    for k, accepted, at_kill in per_kill:
        print("kill %d: %d accepted by Postfix in that run; %d marked in "
              "flight; %d of those arrived more than once" % (
                  k + 1, accepted, len(at_kill), len(dups & set(at_kill))))
    print("total: %d kills, %d messages, %d arrivals, %d lost, %d "
          "duplicated, %d marked at kills, %d shown as possibly "
          "delivered" % (len(per_kill), MESSAGES, len(got), len(lost),
                         len(dups), len(marks), len(shown)))
    assert lost == [], lost
    # One extra copy at most per kill that found the message in flight.
    extra = {i: got.count(m) - 1 for i, m in mid_of.items()
             if got.count(m) > 1 + marks.get(i, 0)}
    assert not extra, ("more copies than kills in flight", extra, marks)
    unmarked = dups - set(marks)
    assert not unmarked, ("duplicates not marked in flight", unmarked)
    # What the user saw: a flush line or mailq saying "possibly
    # delivered".  Not asserted: a kill between a re-sent message's removal
    # and its progress line leaves only the on-disk mark (asserted above)
    # and the recovery warning, which names no id (see the issue 10 report).
    print("duplicates shown as possibly delivered: %d of %d" % (
        len(dups & shown), len(dups)))


if __name__ == "__main__":
    util.run_tests([test_kill9_mid_delivery_loses_nothing,
                    test_kill9_during_series_to_postfix,
                    test_kill9_campaign_to_postfix])
