#!/usr/bin/python3
"""bench/inject: how much `outpost sendmail` costs over the durable floor.

Runs N sequential `outpost sendmail` submissions (lint on, default policy,
offline: OUTPOST_NO_RUNNER=1, -odq) of a self-generated 4 KB git
format-patch style message to 3 recipients, and N runs of the floor
program (write + fsync + rename + fsync(dir) of the same bytes, in the same
file system).  Prints the median ms per message of both and their ratio
(goal <= 1.3), fsyncs per message (strace on a sample), and the peak RSS of
one submission (goal <= 4 MB).  Figures only; never fails on a goal.
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def patch_message(size=4096):
    """A realistic 4 KB patch mail, as git format-patch writes one."""
    head = (
        "From: Pat Developer <pat@example.org>\n"
        "To: linux-foo@vger.kernel.org\n"
        "Cc: Maintainer One <maint@example.com>, reviewer@example.net\n"
        "Subject: [PATCH v2 1/3] foo: bound the retry loop in foo_sync()\n"
        "Date: Sun, 29 Nov 2026 21:40:00 +0000\n"
        "Message-ID: <20261129214000.1234-1-pat@example.org>\n"
        "X-Mailer: git-send-email 2.39.5\n"
        "MIME-Version: 1.0\n"
        "Content-Transfer-Encoding: 8bit\n\n"
        "foo_sync() retried forever when the device kept answering EBUSY.\n"
        "Give up after FOO_SYNC_TRIES attempts and report the error, so a\n"
        "wedged device no longer hangs the caller.\n\n"
        "Signed-off-by: Pat Developer <pat@example.org>\n"
        "---\n"
        " drivers/foo/foo_sync.c | 24 ++++++++++++++++--------\n"
        " 1 file changed, 16 insertions(+), 8 deletions(-)\n\n"
        "diff --git a/drivers/foo/foo_sync.c b/drivers/foo/foo_sync.c\n"
        "index 3b18e51..9c2d4a7 100644\n"
        "--- a/drivers/foo/foo_sync.c\n"
        "+++ b/drivers/foo/foo_sync.c\n")
    hunks = []
    n = 0
    while len(head) + sum(map(len, hunks)) < size - 200:
        n += 1
        hunks.append(
            "@@ -%d,6 +%d,9 @@ static int foo_sync_%d(struct foo_dev *dev)\n"
            " \tint ret;\n"
            " \n"
            "-\twhile ((ret = foo_try(dev)) == -EBUSY)\n"
            "-\t\tcpu_relax();\n"
            "+\tfor (i = 0; i < FOO_SYNC_TRIES; i++) {\n"
            "+\t\tret = foo_try(dev);\n"
            "+\t\tif (ret != -EBUSY)\n"
            "+\t\t\tbreak;\n"
            "+\t}\n"
            " \treturn ret;\n"
            " }\n" % (40 * n, 40 * n, n))
    tail = "-- \n2.39.5\n"
    return (head + "".join(hunks) + tail).encode()


def timed(cmd, stdin_path, env, n, cpu=None):
    """Wall time (ms) of n sequential runs of cmd with stdin from a file;
    the children's CPU time (user + sys, ms) is appended to cpu.  Started
    with posix_spawn (no fork of the Python image) and reaped with wait4."""
    out = []
    acts = [(os.POSIX_SPAWN_OPEN, 0, stdin_path, os.O_RDONLY, 0),
            (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0)]
    for _ in range(n):
        t0 = time.perf_counter()
        pid = os.posix_spawn(cmd[0], cmd, env, file_actions=acts)
        _, status, ru = os.wait4(pid, 0)
        out.append((time.perf_counter() - t0) * 1000.0)
        if cpu is not None:
            cpu.append((ru.ru_utime + ru.ru_stime) * 1000.0)
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit("bench: %s exited %d" %
                     (cmd[0], os.waitstatus_to_exitcode(status)))
    return out


def peak_rss_kb(cmd, stdin_path, env, samples=10):
    """Peak RSS of the process itself, via /usr/bin/time (our own children
    would include the Python image copied by fork)."""
    if not os.access("/usr/bin/time", os.X_OK):
        return None
    best = 0
    for _ in range(samples):
        with open(stdin_path, "rb") as f:
            p = subprocess.run(["/usr/bin/time", "-f", "RSS %M"] + cmd,
                               stdin=f, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
        m = re.search(rb"RSS (\d+)", p.stderr)
        if m:
            best = max(best, int(m.group(1)))
    return best


def fsyncs_per_run(cmd, stdin_path, env, samples=5):
    """fsync/fdatasync calls per run, counted by strace -f -c."""
    if shutil.which("strace") is None:
        return None
    total = 0
    for _ in range(samples):
        with open(stdin_path, "rb") as f:
            p = subprocess.run(["strace", "-f", "-c", "-e",
                                "trace=fsync,fdatasync,sync_file_range,"
                                "syncfs,sync"] + cmd,
                               stdin=f, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
        for m in re.finditer(rb"^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+"
                             rb"(?:\d+\s+)?(fsync|fdatasync|sync_file_range"
                             rb"|syncfs|sync)\s*$", p.stderr, re.M):
            total += int(m.group(1))
    return total / samples


def linkage(path):
    """'static' when the ELF file has no program interpreter (PT_INTERP),
    else 'dynamic'."""
    with open(path, "rb") as f:
        head = f.read(64)
        if head[:4] != b"\x7fELF" or head[4] != 2:
            return "unknown"
        phoff = int.from_bytes(head[32:40], "little")
        phentsize = int.from_bytes(head[54:56], "little")
        phnum = int.from_bytes(head[56:58], "little")
        f.seek(phoff)
        table = f.read(phentsize * phnum)
    for i in range(phnum):
        if int.from_bytes(table[i * phentsize:i * phentsize + 4],
                          "little") == 3:	# PT_INTERP
            return "dynamic"
    return "static"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--outpost", required=True)
    ap.add_argument("--floor", required=True)
    ap.add_argument("--floor-static",
                    help="the floor program linked statically, as outpost is")
    ap.add_argument("-n", type=int, default=500)
    ap.add_argument("--dir", help="work directory (default: a new temp dir)")
    ap.add_argument("--no-lint", action="store_true",
                    help="OUTPOST_LINT=off, to see what the gate costs")
    a = ap.parse_args()

    work = a.dir or tempfile.mkdtemp(prefix="outpost-bench-inject-")
    spool = os.path.join(work, "spool")
    floor_dir = os.path.join(work, "floor")
    os.makedirs(floor_dir, exist_ok=True)
    cfg = os.path.join(work, "config")
    with open(cfg, "w") as f:
        f.write("smarthost smtp.example.org\nfrom pat@example.org\n"
                "spool %s\n" % spool)	# lint: the default (reject)
    msg = os.path.join(work, "patch.eml")
    with open(msg, "wb") as f:
        f.write(patch_message())
    env = dict(os.environ, OUTPOST_NO_RUNNER="1")
    env.pop("OUTPOST_LINT", None)
    if a.no_lint:
        env["OUTPOST_LINT"] = "off"
    send = [a.outpost, "sendmail", "-C", cfg, "-odq", "-i",
            "linux-foo@vger.kernel.org", "maint@example.com",
            "reviewer@example.net"]
    floor = [a.floor, floor_dir]
    sfloor = [a.floor_static, floor_dir] if a.floor_static else None

    timed(send, msg, env, 5)	# warm up caches and the spool
    timed(floor, msg, env, 5)
    # Interleave in blocks so drift (other load, writeback) hits all.
    s_ms, f_ms, s_cpu, f_cpu, sf_ms = [], [], [], [], []
    for _ in range(max(1, a.n // 50)):
        s_ms += timed(send, msg, env, 50, s_cpu)
        f_ms += timed(floor, msg, env, 50, f_cpu)
        if sfloor:
            sf_ms += timed(sfloor, msg, env, 50)
    true_ms = timed([shutil.which("true") or "/bin/true"], msg, env, 50)
    s_med, f_med = statistics.median(s_ms), statistics.median(f_ms)
    fs = fsyncs_per_run(send, msg, env)
    ff = fsyncs_per_run(floor, msg, env)
    rss = peak_rss_kb(send, msg, env)
    frss = peak_rss_kb(floor, msg, env)

    print("bench/inject: %d runs each, message %d bytes, 3 recipients, "
          "lint %s" % (len(s_ms), os.path.getsize(msg),
                       "off" if a.no_lint else "on"))
    print("  outpost sendmail  median %.2f ms  (p10 %.2f, p90 %.2f)" %
          (s_med, *statistics.quantiles(s_ms, n=10)[0::8]))
    print("  floor             median %.2f ms  (p10 %.2f, p90 %.2f)" %
          (f_med, *statistics.quantiles(f_ms, n=10)[0::8]))
    if sf_ms:
        print("  floor, static     median %.2f ms  (the same program linked "
              "like outpost)" % statistics.median(sf_ms))
    print("  spawn /bin/true   median %.2f ms  (harness overhead)" %
          statistics.median(true_ms))
    print("  ratio             %.2fx  (goal <= 1.3x)" % (s_med / f_med))
    if sf_ms:
        print("  ratio, static     %.2fx  (against the static floor)" %
              (s_med / statistics.median(sf_ms)))
    print("  outpost linked    %s" % linkage(a.outpost))
    print("  CPU (user+sys)    sendmail %.2f ms, floor %.2f ms (medians)" %
          (statistics.median(s_cpu), statistics.median(f_cpu)))
    print("  load average      %.2f (1 min): figures are noisy when high" %
          os.getloadavg()[0])
    print("  fsyncs/message    sendmail %s, floor %s" %
          ("%.1f" % fs if fs is not None else "n/a (no strace)",
           "%.1f" % ff if ff is not None else "n/a"))
    print("  peak RSS          sendmail %s kB, floor %s kB  (goal <= 4096)"
          % (rss if rss is not None else "n/a",
             frss if frss is not None else "n/a"))
    if not a.dir:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
