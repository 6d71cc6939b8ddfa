"""After a successful submission, `outpost sendmail` starts one delivery
run in the background and returns at once: the MUA must not wait for the
network.  A smarthost that accepts TCP and never speaks proves both
halves: the run connects (so it was started), and sendmail's stdout and
stderr reach EOF long before the run gives up (so it is detached).
"""

import json
import os
import select
import socket
import subprocess
import sys
import tempfile
import threading
import time

BUILD = os.environ.get("OUTPOST_BUILD", "build")
OUTPOST = os.path.join(BUILD, "outpost")
DELIVER = os.path.join(BUILD, "outpost-deliver")


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
            accepted.append(c)	# held open, silent
    threading.Thread(target=loop, daemon=True).start()
    return srv, accepted


def wait_for(cond, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


def main():
    if not (os.access(OUTPOST, os.X_OK) and os.access(DELIVER, os.X_OK)):
        print("skip: outpost or outpost-deliver not built")
        return 77
    srv, accepted = silent_server()
    port = srv.getsockname()[1]
    d = tempfile.mkdtemp(prefix="outpost-poke-")
    cfg = os.path.join(d, "config")
    with open(cfg, "w") as f:
        f.write("smarthost 127.0.0.1:%d\ntls off\nfrom me@example.org\n"
                "spool %s\nlint off\nconnect_timeout 5s\n"
                "command_timeout 5s\n" % (port, os.path.join(d, "spool")))
    env = dict(os.environ, HOME=d)
    for k in ("OUTPOST_NO_RUNNER", "OUTPOST_CONFIG", "OUTPOST_LINT"):
        env.pop(k, None)
    fails = []
    # A pipe the "MUA" leaks to sendmail without close-on-exec: the
    # background run must not keep it open.
    leak_r, leak_w = os.pipe()
    t0 = time.monotonic()
    p = subprocess.run([OUTPOST, "sendmail", "-C", cfg, "a@example.org"],
                       input=b"Subject: poke\n\nhello\n", env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=60, pass_fds=(leak_w,))
    took = time.monotonic() - t0
    os.close(leak_w)
    ready, _, _ = select.select([leak_r], [], [], 3.0)
    if not ready or os.read(leak_r, 1) != b"":
        fails.append("a leaked descriptor stayed open in the delivery run")
    os.close(leak_r)
    if p.returncode != 0:
        fails.append("sendmail exit %d: %r" % (p.returncode, p.stderr))
    # The run stalls for command_timeout (5 s) on the silent server; pipes
    # at EOF well before that mean nothing kept our stdout/stderr open.
    if took > 3.0:
        fails.append("sendmail took %.1f s: the delivery run is not "
                     "detached" % took)
    if not wait_for(lambda: len(accepted) > 0, 20):
        fails.append("no delivery run connected to the smarthost")

    def deferred():
        q = subprocess.run([OUTPOST, "mailq", "-C", cfg, "--json"],
                           env=env, stdout=subprocess.PIPE).stdout
        msgs = [json.loads(l) for l in q.decode().splitlines() if l]
        return msgs and msgs[0]["attempts"] >= 1
    if not wait_for(deferred, 30):
        fails.append("the background run never recorded its attempt")
    # -odq: queued, and no run is started.  The first run has recorded its
    # attempt (so it released the runner lock); a run started now would
    # connect within milliseconds.  Absence cannot be awaited: give it a
    # bounded 2 s window.
    before = len(accepted)
    p = subprocess.run([OUTPOST, "sendmail", "-C", cfg, "-odq",
                        "b@example.org"], input=b"Subject: q\n\nx\n",
                       env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    if p.returncode != 0:
        fails.append("-odq exit %d" % p.returncode)
    if wait_for(lambda: len(accepted) != before, 2):
        fails.append("-odq started a delivery run")
    srv.close()
    for c in accepted:
        c.close()
    for f in fails:
        print("FAIL:", f)
    print("ok: submission %.2f s, delivery run detached" % took
          if not fails else "%d failure(s)" % len(fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
