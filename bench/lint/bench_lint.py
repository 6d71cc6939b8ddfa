#!/usr/bin/python3
"""Benchmark `outpost lint --format json`: wall and CPU throughput and peak
RSS on a large generated mbox (patches, an oops in a commit log, replies,
an Outlook reply in Latin-1, HTML) and, when it is there, on the dev
corpus repeated; peak memory on single 25 MB messages.  Everything is built in a temporary
directory and removed afterwards; nothing is written to the source tree.

usage: bench_lint.py OUTPOST SOURCE_DIR   (BENCH_LINT_MB=200 by default)"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

SEP = b"From bench@example.org Tue May 14 10:21:07 2024\n"


def corpus_messages(source):
    d = os.path.join(source, "..", "shared", "corpus", "dev")
    files = sorted(glob.glob(os.path.join(d, "*.eml")))
    out = []
    for p in files:
        with open(p, "rb") as f:
            out.append(f.read())
    return out, (d if files else None)


def generated_messages():
    """Stand-in mail when the corpus is not there: a patch, a reply with
    a long quote, an HTML mail."""
    patch = (b"From: Ada <ada@example.org>\nTo: list@vger.kernel.org\n"
             b"Subject: [PATCH] widget: tidy\nMessage-ID: <p@example.org>\n\n"
             b"Tidy the widget driver.\n\nSigned-off-by: Ada <ada@example.org>"
             b"\n---\n x.c | 40 +++++\n\ndiff --git a/x.c b/x.c\n--- a/x.c\n"
             b"+++ b/x.c\n@@ -1,0 +1,40 @@\n" +
             b"".join(b"+\twidget_write(w, REG(%d), 0);\n" % i
                      for i in range(40)) + b"-- \n2.43.0\n")
    reply = (b"From: Bo <bo@example.net>\nTo: list@vger.kernel.org\n"
             b"Subject: Re: widget\nIn-Reply-To: <p@example.org>\n"
             b"References: <p@example.org>\nMessage-ID: <r@example.org>\n\n"
             b"Looks fine to me.\n\nOn Tue, Ada wrote:\n" +
             b"".join(b"> quoted line %d of the original message\n" % i
                      for i in range(60)))
    html = (b"From: C <c@example.com>\nTo: list@vger.kernel.org\n"
            b"Subject: question\nMessage-ID: <h@example.com>\n"
            b"MIME-Version: 1.0\nContent-Type: multipart/alternative; "
            b"boundary=b\n\n--b\nContent-Type: text/plain\n\nHello there, "
            b"a question.\n--b\nContent-Type: text/html\n\n<p>Hello there, "
            b"a question.</p>\n--b--\n")
    oops = (b"From: Ada <ada@example.org>\nTo: list@vger.kernel.org\n"
            b"Subject: [PATCH] widget: fix use after free\n"
            b"Message-ID: <o@example.org>\n\nKASAN reports:\n\n"
            b"BUG: KASAN: slab-use-after-free in widget_work+0x4c/0x120\n"
            b"Hardware name: Example Board/Widget-RB, BIOS 2.14 11/03/2023\n"
            b"Call Trace:\n <TASK>\n" +
            b"".join(b" ? frame_%d+0x%x/0x120 [widget] from the work item "
                     b"of the widget driver\n" % (i, i) for i in range(12)) +
            b" </TASK>\n\nCancel the work first.\n\nSigned-off-by: Ada "
            b"<ada@example.org>\n---\ndiff --git a/x.c b/x.c\n--- a/x.c\n"
            b"+++ b/x.c\n@@ -1,1 +1,1 @@\n-a\n+b\n")
    outlook = (b"From: Piet <piet@vendor.example.com>\nTo: list@vger.kernel"
               b".org\nSubject: RE: widget\nMessage-ID: <ol@example.com>\n"
               b"MIME-Version: 1.0\nContent-Type: text/plain; charset="
               b"iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\n"
               b"See below.\n\n-----Original Message-----\nFrom: Ada <ada@"
               b"example.org>\nSent: Monday, May 13, 2024 9:02 AM\n\n" +
               b"".join(b"Question %d about the FIFO?\n[Piet] Answer %d, "
                        b"caf=E9 included.\n\n" % (i, i) for i in range(10)))
    return [patch, reply, html, oops, outlook]


def as_mbox_entry(msg):
    msg = re.sub(rb"(?m)^(>*From )", rb">\1", msg)
    if not msg.endswith(b"\n"):
        msg += b"\n"
    return SEP + msg + b"\n"


def run(outpost, path, env):
    """Run the linter; return (wall seconds, CPU seconds, peak RSS in KB,
    output lines, exit code).  CPU time is reported too because shared
    machines make wall time noisy."""
    with open(os.devnull, "wb") as null, tempfile.TemporaryFile() as out:
        t0 = time.monotonic()
        p = subprocess.Popen([outpost, "lint", "--format", "json", path],
                             stdout=out, stderr=null, env=env)
        _, status, ru = os.wait4(p.pid, 0)
        secs = time.monotonic() - t0
        out.seek(0)
        lines = sum(1 for _ in out)
    return (secs, ru.ru_utime + ru.ru_stime, ru.ru_maxrss, lines,
            os.waitstatus_to_exitcode(status))


def build_mbox(path, msgs, target):
    entries = [as_mbox_entry(m) for m in msgs]
    unit = b"".join(entries)
    reps = max(1, target // len(unit))
    with open(path, "wb") as f:
        for _ in range(reps):
            f.write(unit)
    return reps * len(entries)


def measure(outpost, label, mbox, nmsg, env):
    size = os.path.getsize(mbox)
    run(outpost, mbox, env)             # warm the page cache
    secs, cpu, rss, lines, rc = run(outpost, mbox, env)
    mb = size / 1048576
    print("%s: %.1f MB, %d messages, %d findings, exit %d"
          % (label, mb, nmsg, lines, rc))
    print("  wall: %.2f s  ->  %.1f MB/s (goal >= 60 MB/s on one idle "
          "core), %.0f messages/s" % (secs, mb / secs, nmsg / secs))
    print("  cpu:  %.2f s  ->  %.1f MB/s, %.0f messages/s"
          % (cpu, mb / cpu, nmsg / cpu))
    print("  peak RSS: %.1f MB" % (rss / 1024))


def main():
    outpost, source = sys.argv[1], sys.argv[2]
    target = int(os.environ.get("BENCH_LINT_MB", "200")) * 1024 * 1024
    tmp = tempfile.mkdtemp(prefix="outpost-bench-lint-")
    conf = os.path.join(tmp, "config")
    open(conf, "w").close()
    env = dict(os.environ, OUTPOST_CONFIG=conf, NO_COLOR="1")
    # wall time on a shared machine says little without the load
    print("load average: %.2f %.2f %.2f on %d CPUs"
          % (os.getloadavg() + (os.cpu_count(),)))
    try:
        mbox = os.path.join(tmp, "generated.mbox")
        n = build_mbox(mbox, generated_messages(), target)
        measure(outpost, "generated mbox", mbox, n, env)
        os.unlink(mbox)
        msgs, where = corpus_messages(source)
        if msgs:
            mbox = os.path.join(tmp, "corpus.mbox")
            n = build_mbox(mbox, msgs, target)
            measure(outpost, "dev corpus repeated (%s)" % where, mbox, n,
                    env)
            os.unlink(mbox)
        single(outpost, tmp, env)
    finally:
        shutil.rmtree(tmp)


def single(outpost, tmp, env):
    big = 25 * 1024 * 1024
    hdr = (b"From: Ada <ada@example.org>\nTo: list@vger.kernel.org\n"
           b"Subject: big\nMessage-ID: <big@example.org>\n")
    line = b"A line of ordinary prose that stays well within the limit.\n"
    plain = os.path.join(tmp, "plain.eml")
    with open(plain, "wb") as f:
        f.write(hdr + b"\n")
        f.write(line * (big // len(line)))
    att = os.path.join(tmp, "attach.eml")
    with open(att, "wb") as f:
        f.write(hdr + b"MIME-Version: 1.0\nContent-Type: multipart/mixed; "
                b"boundary=b\n\n--b\nContent-Type: text/plain\n\nSee the "
                b"attachment.\n--b\nContent-Type: application/octet-stream"
                b"\nContent-Transfer-Encoding: base64\nContent-Disposition: "
                b"attachment; filename=blob.bin\n\n")
        f.write((b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9w"
                 b"cXJzdHV2\n") * (big // 65))
        f.write(b"--b--\n")
    for name, path in (("25 MB plain-text message", plain),
                       ("25 MB message with a base64 attachment", att)):
        secs, cpu, rss, lines, rc = run(outpost, path, env)
        print("%s: %.2f s wall, %.2f s cpu, peak RSS %.1f MB, %d findings, "
              "exit %d" % (name, secs, cpu, rss / 1024, lines, rc))


if __name__ == "__main__":
    main()
