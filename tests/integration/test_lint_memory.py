#!/usr/bin/python3
"""`outpost lint` memory stays under the figure docs/LINT.md promises
(LINT_RSS_MB) on hostile shapes: many tiny parts, one huge line, deep
nesting, huge headers (top level, in a part, in an attached message),
a one-byte charset that grows in UTF-8, a 100 MB message, a large mbox
on a pipe.  And it never waits on a FIFO or a device: those are refused.
Peak RSS as /usr/bin/time reports it.  Skips under ASan,
whose shadow memory is not ours to bound."""
import os
import subprocess
import sys
import tempfile

BUILD = os.environ.get("OUTPOST_BUILD", "build")
OUTPOST = os.path.join(BUILD, "outpost")
TIME = "/usr/bin/time"
LINT_RSS_MB = 40            # the figure in docs/LINT.md
H = (b"From: a@example.org\nTo: list@vger.kernel.org\nSubject: x\n"
     b"MIME-Version: 1.0\n")
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what)


def sanitized():
    try:
        with open(os.path.join(BUILD, "CMakeCache.txt")) as f:
            return "OUTPOST_SANITIZE:BOOL=ON" in f.read()
    except OSError:
        return False


def shapes():
    """(name, list of byte chunks): chunks keep this process small, since a
    forked child's peak RSS counts the parent pages it started with."""
    fields = [b"X-F-%d: v\n" % i for i in range(300000)]
    yield "tiny-parts", [H, b"Content-Type: multipart/mixed; boundary=zz"
                         b"\n\n"] + [b"--zz\nContent-Type: text/plain\n"
                                     b"\nx\n"] * 250000 + [b"--zz--\n"]
    yield "huge-line", [H, b"\n", b"a" * (12 << 20), b"\n"]
    yield "many-lines", [H, b"\n"] + [b"x\n" * 4096] * 1536
    yield "deep-nesting", [H] + [
        b"Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n" % (i, i)
        for i in range(5000)] + [b"Content-Type: text/plain\n\nhi\n"]
    yield "huge-header", [H] + fields + [b"\nhi\n"]
    yield "many-to", [b"From: a@example.org\nTo: ", b", ".join(
        b"u%d@example.org" % i for i in range(400000)), b"\n\nhi\n"]
    yield "part-header", [H, b"Content-Type: multipart/mixed; boundary=z"
                          b"\n\n--z\n"] + fields + [b"\nhi\n--z--\n"]
    yield "attached-header", [H, b"Content-Type: multipart/mixed; "
                              b"boundary=z\n\n--z\nContent-Type: message/"
                              b"rfc822\n\n"] + fields + [b"\nhi\n--z--\n"]
    yield "latin1-growth", [H, b"Content-Type: text/plain; charset=iso-"
                            b"8859-1\n\n"] + [(b"\xe9" * 70 + b"\n")] * 120000
    yield "params", [H, b"Content-Type: text/plain; ", b"; ".join(
        b"p%d=v" % i for i in range(400000)), b"\n\nhi\n"]
    yield "100MB", [H, b"\n"] + [b"> quoted text\n" * 4096] * 1600


def peak_mb(args, chunks=None):
    """Run outpost lint under /usr/bin/time; return (exit status, peak RSS
    in MB).  time(1) is a small process of its own: a child forked straight
    from this Python would inherit its pages into ru_maxrss."""
    with tempfile.NamedTemporaryFile() as rep:
        p = subprocess.Popen([TIME, "-q", "-f", "%M", "-o", rep.name,
                              OUTPOST, "lint", "--format", "json"] + args,
                             stdin=subprocess.PIPE if chunks else
                             subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        if chunks:
            try:
                for c in chunks:
                    p.stdin.write(c)
                p.stdin.close()
            except BrokenPipeError:
                pass
        rc = p.wait(timeout=300)
        kb = rep.read().decode().split()
    return rc, (int(kb[-1]) if kb else 0) / 1024.0


def test_shapes(tmp):
    for name, chunks in shapes():
        path = os.path.join(tmp, name + ".eml")
        with open(path, "wb") as f:
            for c in chunks:
                f.write(c)
        del chunks
        size = os.path.getsize(path)
        rc, mb = peak_mb([path])
        print("%-16s %7.1f MB input, peak RSS %5.1f MB, exit %d"
              % (name, size / 1048576.0, mb, rc))
        check(rc in (0, 1), "%s: exit %d" % (name, rc))
        check(mb < LINT_RSS_MB, "%s: peak RSS %.1f MB >= %d MB"
              % (name, mb, LINT_RSS_MB))
        os.unlink(path)


def test_mbox_on_pipe():
    one = (b"From x@example.org Tue May 14 10:21:07 2024\n" + H +
           b"\n" + b"text line of the message body\n" * 20000 + b"\n")
    n = (80 << 20) // len(one)      # more than the old 64 MB stdin cap
    rc, mb = peak_mb(["-"], chunks=(one for _ in range(n)))
    print("mbox on a pipe   %7.1f MB input, peak RSS %5.1f MB, exit %d"
          % (n * len(one) / 1048576.0, mb, rc))
    check(rc in (0, 1), "mbox on a pipe: exit %d" % rc)
    check(mb < LINT_RSS_MB, "mbox on a pipe: peak RSS %.1f MB" % mb)


def test_not_regular(tmp):
    fifo = os.path.join(tmp, "fifo")
    os.mkfifo(fifo)
    for path in (fifo, "/dev/zero", "/dev/null"):
        for args in ([path], ["--git-hook", path],
                     ["--parent", path, "-"]):
            p = subprocess.run([OUTPOST, "lint"] + args, input=b"",
                               capture_output=True, timeout=30)
            check(p.returncode == 2, "%s: exit %d, want 2"
                  % (args, p.returncode))
            check(b"not a regular file" in p.stderr,
                  "%s: no reason given: %r" % (args, p.stderr))


def main():
    if not os.access(OUTPOST, os.X_OK):
        print("SKIP: %s not built" % OUTPOST)
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        test_not_regular(tmp)
        if sanitized():
            print("SKIP (memory part): ASan build")
        elif not os.access(TIME, os.X_OK):
            print("SKIP (memory part): %s not installed" % TIME)
        else:
            test_shapes(tmp)
            test_mbox_on_pipe()
    if failures:
        print("%d failure(s)" % len(failures))
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
