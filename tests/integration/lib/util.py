"""Shared helpers for the integration tests (stdlib only).

Paths to the build, free ports, waiting on conditions with a deadline,
temporary directories, a per-test Outpost configuration and wrappers around
the `outpost` commands, and a tiny test runner.  Never sleeps a fixed time
when a condition can be awaited, and never listens beyond 127.0.0.1.
"""

import atexit
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import traceback

SKIP = 77


# ---------------------------------------------------------------- paths

def source_dir():
    env = os.environ.get("OUTPOST_SOURCE")
    if env:
        return env
    return os.path.abspath(os.path.join(os.path.dirname(__file__),
                                        "..", "..", ".."))


def build_dir():
    env = os.environ.get("OUTPOST_BUILD")
    if env:
        return env
    return os.path.join(source_dir(), "build")


def outpost_bin():
    return os.path.join(build_dir(), "outpost")


def static_frontend_wanted():
    """OUTPOST_STATIC_FRONTEND of this build tree (its CMakeCache.txt)."""
    with open(os.path.join(build_dir(), "CMakeCache.txt")) as f:
        m = re.search(r"^OUTPOST_STATIC_FRONTEND:BOOL=(\w+)$", f.read(), re.M)
    return m is not None and m.group(1).upper() in ("ON", "1", "TRUE", "YES")


def elf_has_interp(path):
    """True when the ELF file names a program interpreter (dynamically
    linked); needs readelf (binutils)."""
    out = subprocess.run(["readelf", "-l", "-W", path], check=True,
                         capture_output=True, text=True).stdout
    return "INTERP" in out


def lib_dir():
    return os.path.dirname(os.path.abspath(__file__))


def skip(reason):
    """Exit with the ctest skip code, saying why."""
    print("SKIP: " + reason)
    sys.stdout.flush()
    os._exit(SKIP)


def require_outpost():
    if not os.access(outpost_bin(), os.X_OK):
        skip("outpost not built at %s" % outpost_bin())


# ---------------------------------------------------------------- waiting

class Timeout(AssertionError):
    pass


def wait_for(cond, timeout=10.0, what="condition", interval=0.02):
    """Poll cond() until it returns a true value (returned) or the deadline
    passes (Timeout naming `what`).  The interval backs off to 0.2 s."""
    deadline = time.monotonic() + timeout
    while True:
        val = cond()
        if val:
            return val
        if time.monotonic() >= deadline:
            raise Timeout("timed out after %.1fs waiting for %s" %
                          (timeout, what))
        time.sleep(interval)
        interval = min(interval * 1.5, 0.2)


def free_port():
    """A port that was free on 127.0.0.1 a moment ago (bind to port 0)."""
    return free_ports(1)[0]


def free_ports(n):
    """n distinct ports that were free on 127.0.0.1 a moment ago.  The
    probe sockets stay bound until all n are chosen: one at a time, the
    kernel may hand out the same port twice, and two services of one
    Postfix given the same port can answer each other's connections (a
    CI run once met the wrong certificate on the second of two
    connections to one service)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            socks.append(s)
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def flock_held(path):
    """Does some process hold an flock() on path?  Read from /proc/locks
    (waiters, marked "->", do not count), so that looking never takes the
    lock for a moment: a runner trying it then (relayd starting, run-once)
    would find it busy and leave."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return False
    want = "%02x:%02x:%d" % (os.major(st.st_dev), os.minor(st.st_dev),
                             st.st_ino)
    with open("/proc/locks") as f:
        for line in f:
            parts = line.split()
            if len(parts) > 5 and parts[1] == "FLOCK" and parts[5] == want:
                return True
    return False


def port_listening(port):
    """True when something LISTENs on 127.0.0.1:port (read from /proc, so
    no connection is made and no server log line is produced)."""
    want = "0100007F:%04X" % port
    try:
        with open("/proc/net/tcp") as f:
            next(f)
            for line in f:
                parts = line.split()
                if parts[1] == want and parts[3] == "0A":
                    return True
    except OSError:
        pass
    return False


# ---------------------------------------------------------------- temp dirs

_cleanups = []


def _run_cleanups():
    while _cleanups:
        fn = _cleanups.pop()
        try:
            fn()
        except Exception:       # cleanup is best effort; report, go on
            traceback.print_exc()


atexit.register(_run_cleanups)


def at_exit(fn):
    """Run fn at exit (LIFO), even when a test fails."""
    _cleanups.append(fn)


def temp_dir(prefix="outpost-it-"):
    """A fresh directory, removed at exit unless OUTPOST_KEEP_TMP is set.
    Mode 0755 so Postfix's unprivileged daemons can traverse it."""
    d = tempfile.mkdtemp(prefix=prefix)
    os.chmod(d, 0o755)
    if not os.environ.get("OUTPOST_KEEP_TMP"):
        at_exit(lambda: shutil.rmtree(d, ignore_errors=True))
    else:
        print("keeping " + d)
    return d


# ---------------------------------------------------------------- messages

def make_message(subject, body, mfrom="Alice <alice@example.org>",
                 to="bob@example.org", cc=None, bcc=None, msgid=None,
                 extra=None):
    """A small RFC 5322 message (bytes, LF line ends as MUAs pass them)."""
    if msgid is None:
        msgid = "<%s.%d@example.org>" % (
            subject.replace(" ", "-").lower()[:30], time.monotonic_ns())
    lines = ["From: " + mfrom, "To: " + to]
    if cc:
        lines.append("Cc: " + cc)
    if bcc:
        lines.append("Bcc: " + bcc)
    lines += ["Subject: " + subject,
              "Date: Sun, 29 Nov 2026 21:00:00 +0000",
              "Message-ID: " + msgid]
    lines += list(extra or [])
    text = "\n".join(lines) + "\n\n" + body
    if not text.endswith("\n"):
        text += "\n"
    return text.encode()


def header_value(raw, name):
    """First value of header `name` in raw message bytes (unfolded)."""
    head = raw.split(b"\n\n", 1)[0].replace(b"\r\n", b"\n")
    out, cur = None, None
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t") and cur is not None:
            cur += b" " + line.strip()
            continue
        if cur is not None and out is None:
            k, _, v = cur.partition(b":")
            if k.strip().lower() == name.lower().encode():
                out = v.strip().decode(errors="replace")
        cur = line
    if cur is not None and out is None:
        k, _, v = cur.partition(b":")
        if k.strip().lower() == name.lower().encode():
            out = v.strip().decode(errors="replace")
    return out


def secret_file(path, secret):
    """Write a password file (mode 0600, as Outpost insists); returns
    path."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(secret + "\n")
    os.chmod(path, 0o600)
    return path


# ---------------------------------------------------------------- outpost

class Outpost:
    """One Outpost instance: its own config file, spool, HOME and password
    file inside `workdir`.  `conf` keys override the defaults below."""

    def __init__(self, workdir, port=None, pki=None, **conf):
        self.dir = workdir
        self.spool = os.path.join(workdir, "spool")
        self.home = os.path.join(workdir, "home")
        os.makedirs(self.home, exist_ok=True)
        self.password_file = os.path.join(workdir, "password")
        self.set_password("s3cret-Pa55")
        self.config_path = os.path.join(workdir, "outpost.conf")
        self.conf = {
            "tls": "starttls",
            "tls_server_name": "localhost",
            "user": "alice",
            "password_file": self.password_file,
            "from": "alice@example.org",
            "spool": self.spool,
            "lint": "off",
            "retry_min": "1s",
            "retry_max": "10s",
            "connect_timeout": "5s",
            "command_timeout": "10s",
        }
        if port is not None:
            self.conf["smarthost"] = "127.0.0.1:%d" % port
        if pki is not None:
            self.conf["tls_ca_file"] = pki.ca.cert
        self.conf.update(conf)
        self.write_config()

    def set_password(self, pw):
        secret_file(self.password_file, pw)

    def write_config(self, **changes):
        """Rewrite the config; a value of None removes the key."""
        for k, v in changes.items():
            if v is None:
                self.conf.pop(k, None)
            else:
                self.conf[k] = v
        with open(self.config_path, "w") as f:
            f.write("# written by tests/integration/lib/util.py\n")
            for k, v in self.conf.items():
                f.write("%s %s\n" % (k, v))

    def env(self):
        env = dict(os.environ)
        env.update({"OUTPOST_CONFIG": self.config_path, "HOME": self.home,
                    "XDG_CONFIG_HOME": os.path.join(self.home, ".config"),
                    "XDG_STATE_HOME": os.path.join(self.home, ".state"),
                    "XDG_DATA_HOME": os.path.join(self.home, ".data"),
                    "LC_ALL": "C"})
        return env

    def run(self, args, input=None, timeout=60, check=False):
        """Run `outpost ARGS`; returns CompletedProcess (bytes)."""
        proc = subprocess.run([outpost_bin()] + list(args), input=input,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=self.env(), timeout=timeout)
        if check and proc.returncode != 0:
            raise AssertionError("outpost %s exited %d: %s%s" % (
                " ".join(args), proc.returncode, proc.stdout.decode(
                    errors="replace"), proc.stderr.decode(errors="replace")))
        return proc

    def popen(self, args, **kw):
        return subprocess.Popen([outpost_bin()] + list(args), env=self.env(),
                                stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, **kw)

    def sendmail(self, rcpts, msg, args=(), check=True):
        proc = self.run(["sendmail"] + list(args) + list(rcpts), input=msg)
        if check and proc.returncode != 0:
            raise AssertionError("sendmail exited %d: %s" % (
                proc.returncode, proc.stderr.decode(errors="replace")))
        return proc

    def log_text(self):
        """The delivery log ($XDG_STATE_HOME/outpost/log), "" when none."""
        try:
            with open(os.path.join(self.home, ".state", "outpost",
                                   "log")) as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def bounce_mbox(self):
        """Bytes of the local DSN mbox (bounce_mbox default), b"" when
        nothing was bounced."""
        path = self.conf.get("bounce_mbox") or os.path.join(
            self.home, ".data", "outpost", "bounces.mbox")
        try:
            with open(path, "rb") as f:
                return f.read()
        except FileNotFoundError:
            return b""

    def mailq(self):
        """`outpost mailq --json` parsed: a list of dicts."""
        proc = self.run(["mailq", "--json"], check=True)
        out = []
        for line in proc.stdout.decode().splitlines():
            if line.strip():
                out.append(json.loads(line))
        return out

    def flush(self, ids=(), timeout=120):
        return self.run(["flush"] + list(ids), timeout=timeout)

    # -- runner quiescence ------------------------------------------------

    def runner_pids(self):
        """Pids of outpost-deliver processes working for this config
        (found by the config path in their argv or environment)."""
        pids = []
        key = self.config_path.encode()
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                with open("/proc/%s/cmdline" % name, "rb") as f:
                    cmd = f.read()
                if b"outpost" not in cmd:
                    continue
                with open("/proc/%s/environ" % name, "rb") as f:
                    env = f.read()
            except OSError:
                continue
            if key in cmd or key in env:
                if b"deliver" in cmd or b"relayd" in cmd or b"flush" in cmd:
                    pids.append(int(name))
        return pids

    def spool_lock_free(self):
        """Is the runner lock (<spool>/lock) free?  Looked at, not taken."""
        return not flock_held(os.path.join(self.spool, "lock"))

    def on_demand_pid(self):
        """Pid of the on-demand runner serving this spool (the note in
        relayd.lock), or None."""
        try:
            with open(os.path.join(self.spool, "relayd.lock")) as f:
                role, _, pid = f.read().strip().partition(" ")
        except (FileNotFoundError, ValueError):
            return None
        return int(pid) if role == "on-demand" and pid.isdigit() else None

    def runner_waiting(self, pid):
        """Is pid the on-demand runner, asleep in its wait (poll)?"""
        if pid != self.on_demand_pid():
            return False
        try:
            with open("/proc/%d/wchan" % pid) as f:
                return "poll" in f.read()
        except OSError:
            return False

    def wait_idle(self, timeout=60):
        """Wait until no runner for this spool is working (background runs
        poked by sendmail included; an on-demand runner waiting for the
        next retry counts as idle) and the runner lock is free."""
        def idle():
            return self.spool_lock_free() and all(
                self.runner_waiting(p) for p in self.runner_pids())
        wait_for(idle, timeout, "background runner to finish")

    def wait_no_runner(self, timeout=60):
        """Wait until no runner process for this spool is alive at all."""
        wait_for(lambda: not self.runner_pids(), timeout,
                 "every runner to exit")


# ---------------------------------------------------------------- runner

def run_tests(tests, setup=None):
    """Run callables in order; print one line each; exit 0 when all pass,
    1 otherwise.  A test may call skip() to skip the whole file."""
    sys.stdout.reconfigure(line_buffering=True)
    if setup is not None:
        setup()
    failed = []
    for t in tests:
        name = t.__name__
        start = time.monotonic()
        try:
            t()
        except Exception:
            failed.append(name)
            print("FAIL %s (%.1fs)" % (name, time.monotonic() - start))
            traceback.print_exc(file=sys.stdout)
            continue
        print("ok   %s (%.1fs)" % (name, time.monotonic() - start))
    if failed:
        print("%d of %d failed: %s" % (len(failed), len(tests),
                                        " ".join(failed)))
        sys.exit(1)
    print("all %d passed" % len(tests))
    sys.exit(0)
