#!/usr/bin/python3
"""The lint gate of `outpost sendmail`: with `lint reject` (the default) a
message with an HTML part is refused with exit 65, the findings and their
explanation on stderr, and nothing queued; OUTPOST_LINT=off or `lint warn`
queue it; a clean plain-text message passes silently; the gate applies
the whole lint policy (lint_max_size) and names a too-long series once.
"""

import os
import subprocess
import sys
import tempfile

BUILD = os.environ.get("OUTPOST_BUILD", "build")
OUTPOST = os.path.join(BUILD, "outpost")

HTML = b"""From: me@example.org
To: list@vger.kernel.org
Subject: html mail
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="BB"

--BB
Content-Type: text/plain

Hello.

--BB
Content-Type: text/html

<p>Hello.</p>

--BB--
"""

PLAIN = b"""From: me@example.org
To: list@vger.kernel.org
Subject: question about foo

Hello,

how does foo work?

Thanks,
Me
"""

FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL:", what)


def setup(policy, extra=""):
    d = tempfile.mkdtemp(prefix="outpost-lint-gate-")
    cfg = os.path.join(d, "config")
    with open(cfg, "w") as f:
        f.write("smarthost smtp.example.org\nfrom me@example.org\n"
                "spool %s\n%s%s" % (os.path.join(d, "spool"),
                                    "lint %s\n" % policy if policy else "",
                                    extra))
    return d, cfg


def patch_of(k, n):
    """Part k of an n-patch series, about 1.5 KB of plain lines."""
    lines = b"".join(b"plain line %d of the commit log\n" % i
                     for i in range(40))
    return (b"From: me@example.org\nTo: list@vger.kernel.org\n"
            b"Subject: [PATCH %d/%d] foo: step %d\n\n" % (k, n, k) + lines)


def policy_reaches_gate():
    """The gate uses the whole lint policy (lint_max_size too), and says a
    series-level finding once per series, not once per patch."""
    d, cfg = setup(None, "lint_max_size 1000\n")
    rc, err = send(cfg, patch_of(3, 20))
    check(rc == 0 and "message-too-large" in err and
          "limit of 1000" in err, "lint_max_size applies in sendmail: %r" %
          err[:300])
    check("series-too-long" not in err, "no series finding on patch 3/20")
    rc, err = send(cfg, patch_of(20, 20))
    check(rc == 0 and err.count("series-too-long") == 1,
          "series-too-long once, with the last patch: %r" % err[:300])


def send(cfg, msg, **extra):
    env = dict(os.environ, OUTPOST_NO_RUNNER="1", **extra)
    if "OUTPOST_LINT" not in extra:
        env.pop("OUTPOST_LINT", None)
    p = subprocess.run([OUTPOST, "sendmail", "-C", cfg,
                        "list@vger.kernel.org"], input=msg, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=60)
    return p.returncode, p.stderr.decode(errors="replace")


def queued(d):
    q = os.path.join(d, "spool", "queue")
    return [f for f in os.listdir(q) if f.endswith(".msg")] \
        if os.path.isdir(q) else []


def main():
    if not os.access(OUTPOST, os.X_OK):
        print("skip: %s not built" % OUTPOST)
        return 77
    d, cfg = setup(None)		# default policy: reject
    rc, err = send(cfg, HTML)
    check(rc == 65, "html rejected with 65 (got %d)" % rc)
    check("html" in err and "not queued" in err, "findings shown: %r" %
          err[:200])
    check("How to fix" in err or "fix" in err, "explanation shown")
    check(queued(d) == [], "nothing queued after a rejection")
    tmp = os.path.join(d, "spool", "tmp")
    check(not os.path.isdir(tmp) or os.listdir(tmp) == [],
          "no tmp leftovers after a rejection")
    rc, err = send(cfg, HTML, OUTPOST_LINT="off")
    check(rc == 0 and len(queued(d)) == 1, "OUTPOST_LINT=off queues it")
    rc, err = send(cfg, PLAIN)
    check(rc == 0 and err == "", "clean message passes silently: %r" % err)
    d2, cfg2 = setup("warn")
    rc, err = send(cfg2, HTML)
    check(rc == 0 and "html" in err and len(queued(d2)) == 1,
          "lint warn: queued, findings shown")
    d3, cfg3 = setup("off")
    rc, err = send(cfg3, HTML)
    check(rc == 0 and err == "" and len(queued(d3)) == 1,
          "lint off: queued silently")
    policy_reaches_gate()
    print("ok" if not FAILS else "%d failure(s)" % len(FAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
