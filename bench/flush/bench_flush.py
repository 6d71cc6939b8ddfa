"""Benchmark: `outpost flush` of a queue versus msmtp once per message.

Sets up the private Postfix of the integration harness (STARTTLS + AUTH,
discard transport), queues N messages of ~4 KB with 3 recipients each with
`outpost sendmail -odq`, times `outpost flush` and reports messages/s, the
TCP connections and TLS handshakes Postfix logged, and the runner's peak
RSS.  Then sends the same N messages with msmtp, one process per message
(tls on, the test CA, auth plain) and reports its messages/s.

Usage: python3 bench_flush.py [--count N] [--no-msmtp]
(env OUTPOST_BUILD = build dir; `make bench_flush` sets it).  Prints
figures; it is not a test.  Needs root (Postfix) and Debian's msmtp.
"""

import argparse
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "integration",
                                "lib"))
import util                     # noqa: E402
import ca                       # noqa: E402
import postfix                  # noqa: E402

RCPTS = ["bob@example.net", "carol@example.com", "dave@example.org"]


def message(i, size=4096):
    """A plain-text message of about `size` bytes, distinct per i."""
    head = ("From: Alice <alice@example.org>\n"
            "To: Bob <bob@example.net>\n"
            "Cc: carol@example.com, dave@example.org\n"
            "Subject: bench message %d\n"
            "Message-ID: <bench.%d@example.org>\n"
            "Date: Sun, 29 Nov 2026 21:00:00 +0000\n\n" % (i, i))
    line = "The quick brown fox jumps over the lazy dog, message %06d.\n" % i
    body = line * ((size - len(head)) // len(line) + 1)
    return (head + body)[:size].rsplit("\n", 1)[0].encode() + b"\n"


def queue(op, n):
    t0 = time.monotonic()
    for i in range(n):
        op.sendmail(RCPTS, message(i), args=["-odq"])
    return time.monotonic() - t0


def run_flush(op):
    """`outpost flush` as a child; returns (seconds, exit code, maxrss KB,
    stdout)."""
    t0 = time.monotonic()
    proc = subprocess.Popen([util.outpost_bin(), "flush"], env=op.env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.stdout.read(), proc.stderr.read()
    _, status, ru = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.monotonic() - t0
    if err:
        sys.stderr.write(err.decode(errors="replace")[-2000:])
    return elapsed, proc.returncode, ru.ru_maxrss, out.decode(errors="replace")


def msmtp_config(workdir, port, pki):
    path = os.path.join(workdir, "msmtprc")
    with open(path, "w") as f:
        f.write("defaults\n"
                "tls on\ntls_starttls on\n"
                "tls_trust_file %s\n"
                "tls_host_override localhost\n"
                "account bench\nhost 127.0.0.1\nport %d\n"
                "auth plain\nuser %s\npassword %s\n"
                "from alice@example.org\n"
                # EHLO name given, as outpost's is: no hostname lookup.
                "domain localhost\n"
                "account default : bench\n"
                % (pki.ca.cert, port, postfix.USER, postfix.PASSWORD))
    os.chmod(path, 0o600)
    return path


def run_msmtp(cfg, n):
    t0 = time.monotonic()
    for i in range(n):
        subprocess.run(["msmtp", "-C", cfg] + RCPTS, input=message(i),
                       check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - t0


def settle(pf, want, what):
    """Postfix logs through postlogd: wait until the count is stable."""
    util.wait_for(lambda: len(pf.accepted()) >= want, 120, what)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--no-msmtp", action="store_true")
    args = ap.parse_args()
    postfix.require()
    util.require_outpost()
    n = args.count
    tmp = util.temp_dir("outpost-bench-")
    pki = ca.TestPKI(os.path.join(tmp, "pki"))
    services = {"submission": postfix.SERVICES["submission"]}
    pf = postfix.Postfix(os.path.join(tmp, "pf"), pki, services=services,
                         deliver="discard")
    pf.start()
    port = pf.ports["submission"]
    op = util.Outpost(os.path.join(tmp, "op"), port=port, pki=pki)

    qsecs = queue(op, n)
    print("queued %d messages (4 KB, 3 recipients) in %.2f s" % (n, qsecs))
    c0, h0 = pf.connects(), pf.tls_handshakes()
    secs, rc, rss, out = run_flush(op)
    settle(pf, n, "Postfix to log %d accepted messages" % n)
    conns, hands = pf.connects() - c0, pf.tls_handshakes() - h0
    left = len(op.mailq())
    o_rate = n / secs
    print("outpost flush: %.2f s, %.1f msgs/s, exit %d, %d left queued"
          % (secs, o_rate, rc, left))
    print("outpost flush: %d TCP connection(s), %d TLS handshake(s), "
          "peak RSS %d KB" % (conns, hands, rss))
    if rc != 0:
        print(out[-2000:])
    if args.no_msmtp:
        return 0
    if shutil.which("msmtp") is None:
        print("msmtp not installed: skipping the comparison")
        return 0
    cfg = msmtp_config(tmp, port, pki)
    c0, h0 = pf.connects(), pf.tls_handshakes()
    msecs = run_msmtp(cfg, n)
    settle(pf, 2 * n, "Postfix to log the msmtp messages")
    m_rate = n / msecs
    print("msmtp (one process per message): %.2f s, %.1f msgs/s, %d TCP "
          "connection(s), %d TLS handshake(s)" % (
              msecs, m_rate, pf.connects() - c0, pf.tls_handshakes() - h0))
    print("speed-up: %.1fx (goal >= 3x with 1 connection, 1 handshake)"
          % (o_rate / m_rate))
    return 0


if __name__ == "__main__":
    sys.exit(main())
