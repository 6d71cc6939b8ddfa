"""Benchmark: `outpost flush` of a queue next to the one-session ceiling.

Sets up the private Postfix of the integration harness (STARTTLS + AUTH,
discard transport), queues N messages of ~4 KB with 3 recipients each with
`outpost sendmail -odq` (once, into a template spool copied for every
flush), and then, RUNS times in a row:

  * times `outpost flush` for each pipeline_window K asked for, and counts
    the TCP connections and TLS handshakes Postfix logged and the peak RSS
    of the runner (outpost-deliver, which `outpost flush` execs);
  * the same for each K of --data-windows against a second smtpd of the
    same Postfix that does not offer CHUNKING (smtpd_discard_ehlo_keywords
    = chunking): the window over DATA, RFC 2920 pipelining across messages;
  * runs the shared ceiling client (../shared/bench/pipeline_ceiling.py
    from the repository root, never copied here) against the same server,
    in `lockstep` and `bdat8` modes, with the same message and count.

Between measurements it waits until Postfix has removed every message it
accepted, so its queue manager does not eat into the next figure.  At the
end it prints, per K and per ceiling mode, the median msgs/s of the runs
and their spread (min..max), and the ratio Outpost / lockstep ceiling.

Usage: python3 bench_flush.py [--count N] [--runs R] [--windows 1,2,4,8,16]
                              [--data-windows 8] [--ceiling PATH] [--msmtp]
(env OUTPOST_BUILD = build dir; `cmake --build build --target bench_flush`
sets it).  Prints figures; it is not a test.  Needs root (Postfix).
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration", "lib"))
import util                     # noqa: E402
import ca                       # noqa: E402
import postfix                  # noqa: E402
sys.path.insert(0, os.path.join(ROOT, "bench"))
from benchmsg import message    # noqa: E402

# The ceiling client's own envelope, so Postfix does the same work for both:
# it delivers once per destination domain, and our earlier recipients in
# three domains cost it three discard deliveries per message where the
# ceiling's cost two.
SENDER = "author@relay.test"
RCPTS = ["linux-test@vger.kernel.org", "a@relay.test", "b@relay.test"]
SESSION_RE = re.compile(r"session \d+ to \S+: (\d+) transaction\(s\) in "
                        r"([\d.]+) s$", re.M)
CEILING = os.path.join(ROOT, "..", "shared", "bench", "pipeline_ceiling.py")
CEILING_MODES = ["lockstep", "bdat8"]
TIME = "/usr/bin/time"


class LogTail:
    """Counts in the Postfix log since the last look, read incrementally
    (the log grows by tens of MB over a sweep; never re-read whole)."""

    def __init__(self, path):
        self.path, self.pos = path, 0
        self.connects = self.handshakes = self.removed = 0

    def poll(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.pos)
                data = f.read()
        except FileNotFoundError:
            return
        end = data.rfind(b"\n") + 1       # whole lines only
        self.pos += end
        for line in data[:end].splitlines():
            if b"/submission/smtpd[" in line or \
                    b"/nochunk/smtpd[" in line:
                if b": connect from " in line:
                    self.connects += 1
                elif b"TLS connection established from" in line:
                    self.handshakes += 1
            elif b"/qmgr[" in line and line.endswith(b": removed"):
                self.removed += 1


def settle(log, want, what):
    """Wait until Postfix has accepted and removed `want` messages."""
    def done():
        log.poll()
        return log.removed >= want
    util.wait_for(done, 300, what, interval=0.2)


def queue_template(tmp, port, pki, n):
    op = util.Outpost(os.path.join(tmp, "template"), port=port, pki=pki)
    t0 = time.monotonic()
    for i in range(n):
        op.sendmail(RCPTS, message(i), args=["-odq", "-f", SENDER])
    secs = time.monotonic() - t0
    left = len(op.mailq())
    if left != n:
        sys.exit("bench: %d of %d messages queued" % (left, n))
    print("queued %d messages (4 KB, 3 recipients) in %.2f s "
          "(%.1f ms each)" % (n, secs, 1000.0 * secs / n))
    return op.spool


def run_flush(op, tmp):
    """`outpost flush` under /usr/bin/time (a small process forks it, so
    the peak RSS is the runner's own, not a copy of this Python image);
    (seconds, exit, peak RSS KB or 0)."""
    out = os.path.join(tmp, "flush.out")
    cmd = [util.outpost_bin(), "flush"]
    if os.access(TIME, os.X_OK):
        cmd = [TIME, "-f", "bench-peak-rss %M"] + cmd
    with open(out, "w+b") as f:
        t0 = time.monotonic()
        rc = subprocess.run(cmd, env=op.env(), stdin=subprocess.DEVNULL,
                            stdout=f, stderr=f).returncode
        secs = time.monotonic() - t0
        f.seek(0)
        text = f.read().decode(errors="replace")
    m = re.search(r"^bench-peak-rss (\d+)$", text, re.M)
    if rc != 0:
        sys.stderr.write(text[-2000:])
    return secs, rc, int(m.group(1)) if m else 0


def one_flush(w, k, run, data=False):
    """Copy the template spool, flush it with pipeline_window k (data: to
    the smtpd without CHUNKING)."""
    d = os.path.join(w["tmp"], "run%d-k%d%s" % (run, k, "d" if data else ""))
    op = util.Outpost(d, port=w["dport"] if data else w["port"],
                      pki=w["pki"], pipeline_window=str(k))
    shutil.copytree(w["template"], op.spool, symlinks=True)
    # Queued mail is on disk for good before any flush (sendmail fsyncs
    # it); the copy is not, and its writeback would otherwise land on the
    # runner's first fsync.  Every timed phase starts from a clean cache.
    os.sync()
    log = w["log"]
    log.poll()
    c0, h0, r0 = log.connects, log.handshakes, log.removed
    secs, rc, rss = run_flush(op, d)
    settle(log, r0 + w["n"], "Postfix to remove %d messages" % w["n"])
    left = len(op.mailq())
    # In session: from the end of AUTH to QUIT, the span the ceiling
    # client times; the end-to-end figure adds start-up, the queue walk,
    # connect, TLS and AUTH (about 50 ms here).
    insess = sum(float(m.group(2)) for m in SESSION_RE.finditer(
        op.log_text()))
    res = {"rate": w["n"] / secs, "secs": secs, "rc": rc, "left": left,
           "conns": log.connects - c0, "tls": log.handshakes - h0,
           "rss": rss, "srate": w["n"] / insess if insess > 0 else 0.0}
    print("  run %d  outpost %s %7.1f msgs/s in session, %7.1f end to end "
          "(%.2f s)  exit %d  %d left  %d conn  %d TLS  peak RSS %d KB" % (
              run, label(k, data), res["srate"], res["rate"], secs, rc, left,
              res["conns"], res["tls"], rss), flush=True)
    shutil.rmtree(d, ignore_errors=True)
    return res


def one_ceiling(w, run):
    """The shared client in every mode against the same server."""
    log = w["log"]
    log.poll()
    r0 = log.removed
    os.sync()
    cmd = [sys.executable, w["ceiling"], "--host", "127.0.0.1",
           "--port", str(w["port"]), "--ca", w["pki"].ca.cert,
           "--tls-name", "localhost", "--user", postfix.USER,
           "--password", postfix.PASSWORD, w["msgfile"], str(w["n"])]
    p = subprocess.run(cmd + CEILING_MODES, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=900)
    rates = {}
    for m in re.finditer(rb"^(\w+) ([\d.]+)$", p.stdout, re.M):
        rates[m.group(1).decode()] = float(m.group(2))
    if p.returncode != 0 or len(rates) != len(CEILING_MODES):
        sys.stderr.write(p.stderr.decode(errors="replace")[-2000:])
        sys.exit("bench: the ceiling client failed (exit %d)" %
                 p.returncode)
    settle(log, r0 + w["n"] * len(CEILING_MODES),
           "Postfix to remove the ceiling's messages")
    print("  run %d  ceiling    %s" % (run, "  ".join(
        "%s %.1f msgs/s" % (m, rates[m]) for m in CEILING_MODES)),
        flush=True)
    return rates


def label(k, data):
    return ("DATA K=%-2d" if data else "K=%-2d     ") % k


def spread(xs):
    return "median %7.1f  (min %.1f, max %.1f, n=%d)" % (
        statistics.median(xs), min(xs), max(xs), len(xs))


def summary(w, flushes, ceilings, keys):
    print("\nbench/flush: %d messages of 4 KB, 3 recipients (the ceiling's "
          "envelope), %d run(s); "
          "load average %s" % (w["n"], len(ceilings) or len(
              next(iter(flushes.values()))), "%.2f %.2f %.2f" %
          os.getloadavg()))
    lock = [c["lockstep"] for c in ceilings]
    for key in keys:
        rs = flushes[key]
        for what, field in (("in session", "srate"),
                            ("end to end", "rate")):
            line = "outpost %s %s %s msgs/s" % (label(*key), what, spread(
                [r[field] for r in rs]))
            if lock:
                ratios = [r[field] / c for r, c in zip(rs, lock)]
                line += "  vs lockstep: %.2fx (%.2f..%.2f)" % (
                    statistics.median(ratios), min(ratios), max(ratios))
            print(line)
        print("                  %s TCP conn, %s TLS, peak RSS %s KB, %s left "
              "queued" % ("/".join(str(r["conns"]) for r in rs),
                          "/".join(str(r["tls"]) for r in rs),
                          "/".join(str(r["rss"]) for r in rs),
                          "/".join(str(r["left"]) for r in rs)))
    for m in CEILING_MODES if ceilings else []:
        print("ceiling %-8s %s msgs/s" % (m, spread([c[m]
                                                     for c in ceilings])))
    if not ceilings:
        print("ceiling: %s not found; ran Outpost only" % w["ceiling"])


def msmtp_compare(w):
    """msmtp started once per message, as msmtpq does: the classic setup."""
    if shutil.which("msmtp") is None:
        print("msmtp not installed: skipping the comparison")
        return
    cfg = os.path.join(w["tmp"], "msmtprc")
    with open(cfg, "w") as f:
        f.write("defaults\ntls on\ntls_starttls on\ntls_trust_file %s\n"
                "tls_host_override localhost\naccount bench\n"
                "host 127.0.0.1\nport %d\nauth plain\nuser %s\n"
                "password %s\nfrom author@relay.test\ndomain localhost\n"
                "account default : bench\n" % (
                    w["pki"].ca.cert, w["port"], postfix.USER,
                    postfix.PASSWORD))
    os.chmod(cfg, 0o600)
    t0 = time.monotonic()
    for i in range(w["n"]):
        subprocess.run(["msmtp", "-C", cfg] + RCPTS, input=message(i),
                       check=True, stdout=subprocess.DEVNULL)
    secs = time.monotonic() - t0
    print("msmtp (one process per message): %.1f msgs/s" % (w["n"] / secs))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--windows", default="1,2,4,8,16",
                    help="pipeline_window values to time, comma-separated")
    ap.add_argument("--data-windows", default="8",
                    help="pipeline_window values to time against the "
                    "smtpd without CHUNKING (the DATA path); '' for none")
    ap.add_argument("--ceiling", default=CEILING)
    ap.add_argument("--msmtp", action="store_true",
                    help="also time msmtp once per message (slow)")
    args = ap.parse_args()
    keys = [(int(x), False) for x in args.windows.split(",") if x.strip()]
    keys += [(int(x), True) for x in args.data_windows.split(",")
             if x.strip()]
    postfix.require()
    util.require_outpost()
    # The ceiling client writes to relay.test addresses: discard those too
    # (an error transport would make Postfix bounce them, extra work).
    postfix.DOMAINS += " relay.test"
    tmp = util.temp_dir("outpost-bench-")
    pki = ca.TestPKI(os.path.join(tmp, "pki"))
    pf = postfix.Postfix(os.path.join(tmp, "pf"), pki,
                         services={s: postfix.SERVICES[s]
                                   for s in ("submission", "nochunk")},
                         deliver="discard")
    pf.start()
    w = {"tmp": tmp, "pki": pki, "port": pf.ports["submission"],
         "dport": pf.ports["nochunk"],
         "n": args.count, "log": LogTail(pf.logfile),
         "ceiling": os.path.abspath(args.ceiling),
         "msgfile": os.path.join(tmp, "message.eml")}
    with open(w["msgfile"], "wb") as f:
        f.write(message(0))
    have_ceiling = os.path.exists(w["ceiling"])
    if not have_ceiling:
        print("ceiling client %s not found: skipping the ceiling" %
              w["ceiling"])
    w["template"] = queue_template(tmp, w["port"], pki, args.count)
    print("machine: %d CPU(s), load average %.2f %.2f %.2f at start" % (
        os.cpu_count(), *os.getloadavg()))
    flushes, ceilings = {key: [] for key in keys}, []
    for run in range(1, args.runs + 1):
        for key in keys:
            flushes[key].append(one_flush(w, key[0], run, key[1]))
        if have_ceiling:
            ceilings.append(one_ceiling(w, run))
    summary(w, flushes, ceilings, keys)
    if args.msmtp:
        msmtp_compare(w)
    return 0


if __name__ == "__main__":
    sys.exit(main())
