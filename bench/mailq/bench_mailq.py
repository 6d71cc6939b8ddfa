#!/usr/bin/python3
"""bench/mailq: `outpost mailq` and `outpost mailq --json` on a big queue.

Queues a few real messages with `outpost sendmail -odq` (4 KB, 3
recipients; one in ten gets a delivery state file, queue/<id>.env, as a
deferred message has), then fills the queue to each size asked for
(default 1 000 and 10 000) with copies of those files under new queue ids
(the id line of the envelope rewritten, nothing else), which is what
thousands of submissions would leave.  Times the commands with their
output to /dev/null (warm page cache: the first run is a warm-up) and
prints the median, min and max of the runs per size, ms per queued
message (linear in the queue: the same figure at every size), and the
peak RSS.  Also one run right after <spool>/index (mailq's cache of the
.msg headers) was deleted: what the first mailq after a change of the
whole queue costs, as it reads every .msg and writes the index again.  Goal: `mailq --json > /dev/null` under 100 ms with 10 000
queued.  Figures only; never fails on a goal.

Usage: bench_mailq.py --outpost BIN [--sizes 1000,10000] [--runs 9]
"""

import argparse
import os
import re
import resource
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(
    __file__)), ".."))
from benchmsg import message    # noqa: E402

RCPTS = ["bob@example.net", "carol@example.com", "dave@example.org"]
TEMPLATES = 10
TIME = "/usr/bin/time"


def write_config(work, spool):
    cfg = os.path.join(work, "outpost.conf")
    with open(cfg, "w") as f:
        # A smarthost nobody listens on: nothing is ever delivered here.
        f.write("smarthost 127.0.0.1:9\nfrom alice@example.org\n"
                "spool %s\nlint off\n" % spool)
    return cfg


def queue_templates(outpost, cfg, env):
    for i in range(TEMPLATES):
        subprocess.run([outpost, "sendmail", "-C", cfg, "-odq", "-i"] +
                       RCPTS, input=message(i), env=env, check=True)


def deferred_state(msg_bytes):
    """The .env a deferred attempt leaves: the .msg header with one try
    and each recipient deferred with a reason."""
    head = msg_bytes.split(b"\n\n", 1)[0] + b"\n\n"
    now = b"%d" % int(time.time())
    head = re.sub(rb"^attempts: 0$", b"attempts: 1", head, flags=re.M)
    head = re.sub(rb"^last-try: 0$", b"last-try: " + now, head, flags=re.M)
    return re.sub(rb"^rcpt: pending 0 0 (<[^>]*>)$",
                  rb"rcpt: deferred 1 " + now +
                  rb" \1 451 4.3.0 try again later", head, flags=re.M)


def fill(queue, want):
    """Copies of the template files under fresh ids until `want` .msg."""
    names = sorted(n for n in os.listdir(queue) if n.endswith(".msg"))
    tpl = []
    for n in names[:TEMPLATES]:
        with open(os.path.join(queue, n), "rb") as f:
            tpl.append((n[:-4], f.read()))
    have = len(names)
    base = int(time.time() * 1e6)
    for i in range(have, want):
        old, raw = tpl[i % len(tpl)]
        new = "%014x%s" % (base + i, secrets.token_hex(3))
        raw = raw.replace(("id: %s\n" % old).encode(),
                          ("id: %s\n" % new).encode(), 1)
        with open(os.path.join(queue, new + ".msg"), "wb") as f:
            f.write(raw)
        if i % 10 == 0:
            with open(os.path.join(queue, new + ".env"), "wb") as f:
                f.write(deferred_state(raw))


def timed(cmd, env, runs):
    """Wall and CPU (user + sys) ms of each run after one warm-up (runs
    = 0: a single run, no warm-up); CPU time says more than wall time on
    a machine others are using."""
    wall, cpu = [], []
    for _ in range(runs + 1 if runs else 1):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        p = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        wall.append((time.perf_counter() - t0) * 1000.0)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append((r1.ru_utime - r0.ru_utime + r1.ru_stime -
                    r0.ru_stime) * 1000.0)
        if p.returncode != 0:
            sys.exit("bench: %s exited %d" % (" ".join(cmd), p.returncode))
    return (wall[1:], cpu[1:]) if runs else (wall, cpu)


def cold(cmd, env, spool):
    """CPU ms of one run without the index (it rebuilds it)."""
    try:
        os.unlink(os.path.join(spool, "index"))
    except FileNotFoundError:
        pass
    _, cpu = timed(cmd, env, 0)
    return cpu[0]


def peak_rss_kb(cmd, env):
    if not os.access(TIME, os.X_OK):
        return None
    p = subprocess.run([TIME, "-f", "bench-rss %M"] + cmd, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    m = re.search(rb"bench-rss (\d+)", p.stderr)
    return int(m.group(1)) if m else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--outpost", required=True)
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--runs", type=int, default=9)
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="outpost-bench-mailq-")
    spool = os.path.join(work, "spool")
    cfg = write_config(work, spool)
    env = dict(os.environ, OUTPOST_NO_RUNNER="1", LC_ALL="C",
               HOME=work, XDG_STATE_HOME=os.path.join(work, "state"))
    queue_templates(a.outpost, cfg, env)
    queue = os.path.join(spool, "queue")
    rows = []
    for size in [int(x) for x in a.sizes.split(",") if x.strip()]:
        fill(queue, size)
        n = sum(1 for x in os.listdir(queue) if x.endswith(".msg"))
        for args in (["mailq"], ["mailq", "--json"]):
            cmd = [a.outpost] + args + ["-C", cfg]
            first = cold(cmd, env, spool)
            ms, cpu = timed(cmd, env, a.runs)
            rows.append((n, " ".join(args), ms, cpu,
                         peak_rss_kb(cmd, env), first))
    print("bench/mailq: %d runs each (warm cache), output to /dev/null; "
          "load average %.2f %.2f %.2f" % (a.runs, *os.getloadavg()))
    for n, what, ms, cpu, rss, first in rows:
        med = statistics.median(ms)
        print("  %-13s %6d queued: median %7.1f ms (min %.1f, max %.1f), "
              "CPU %.1f ms (min %.1f, max %.1f), %.1f us per message, "
              "peak RSS %s kB; without the index CPU %.1f ms" % (
                  what, n, med, min(ms), max(ms), statistics.median(cpu),
                  min(cpu), max(cpu), 1000.0 * med / n,
                  rss if rss is not None else "n/a", first))
    print("  goal: mailq --json under 100 ms with 10 000 queued")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
