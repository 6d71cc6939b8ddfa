"""A private Postfix instance to act as the smarthost in integration tests.

Everything (config, queue, data, Maildir, SASL db, log) lives in one temp
directory; smtpd listens only on 127.0.0.1, on free ports, one service per
TLS/AUTH variant.  Every accepted message goes into ONE Maildir (or is
discarded, for benchmarks); nothing ever leaves the machine.  Never touches
/etc/postfix or the system instance.
"""

import grp
import os
import pwd
import re
import subprocess

import util

POSTFIX = "/usr/sbin/postfix"
SASLPASSWD = "/usr/sbin/saslpasswd2"

USER = "alice"
PASSWORD = "s3cret-Pa55"
REALM = "example.org"
DOMAINS = ("example.org example.com example.net kernel.org vger.kernel.org "
           "lists.example.org lists.infradead.org")

ALL_MECHS = "PLAIN LOGIN CRAM-MD5 DIGEST-MD5 SCRAM-SHA-256"

# name -> (kind, cert attribute of TestPKI, SASL mechanisms or None = all)
#   starttls: smtpd_tls_security_level=encrypt, AUTH only after TLS
#   implicit: TLS from the first byte (wrapper mode, like port 465)
SERVICES = {
    "submission": ("starttls", "good", None),
    "smtps": ("implicit", "good", None),
    "untrusted": ("starttls", "untrusted", None),
    "wrongname": ("starttls", "wrong_name", None),
    "expired": ("starttls", "expired", None),
    "notyet": ("starttls", "not_yet_valid", None),
    "mech_plain": ("starttls", "good", "PLAIN"),
    "mech_login": ("starttls", "good", "LOGIN"),
    "mech_cram": ("starttls", "good", "CRAM-MD5"),
    "mech_digest": ("starttls", "good", "DIGEST-MD5"),
    "mech_scram": ("starttls", "good", "SCRAM-SHA-256"),
    "rcptlimit": ("starttls", "good", None),
    "no8bit": ("starttls", "good", None),
    "nochunk": ("starttls", "good", None),
}
# Extra smtpd options of some services (limits and missing extensions).
SERVICE_OPTS = {
    "rcptlimit": ["smtpd_recipient_limit=3"],       # 452 4.5.3 after 3
    "no8bit": ["smtpd_discard_ehlo_keywords=8bitmime"],
    # PIPELINING without CHUNKING: the DATA path of the window.
    "nochunk": ["smtpd_discard_ehlo_keywords=chunking"],
}

# Postfix's own services, all unchrooted (the temp dir is not a chroot).
_MASTER_BASE = """\
pickup    unix  n - n 60    1 pickup
cleanup   unix  n - n -     0 cleanup
qmgr      unix  n - n 300   1 qmgr
tlsmgr    unix  - - n 1000? 1 tlsmgr
rewrite   unix  - - n -     - trivial-rewrite
bounce    unix  - - n -     0 bounce
defer     unix  - - n -     0 bounce
trace     unix  - - n -     0 bounce
verify    unix  - - n -     1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -     - proxymap
smtp      unix  - - n -     - smtp
relay     unix  - - n -     - smtp
showq     unix  n - n -     - showq
error     unix  - - n -     - error
retry     unix  - - n -     - error
discard   unix  - - n -     - discard
local     unix  - n n -     - local
virtual   unix  - n n -     1 virtual
anvil     unix  - - n -     1 anvil
scache    unix  - - n -     1 scache
postlog   unix-dgram n - n - 1 postlogd
"""


def available():
    return os.access(POSTFIX, os.X_OK) and os.access(SASLPASSWD, os.X_OK)


def require():
    """Skip (exit 77) when Postfix is not installed.  CI installs it."""
    if not available():
        util.skip("postfix / saslpasswd2 not installed "
                  "(apt-get install postfix sasl2-bin)")


class Postfix:
    """Usage:
        pf = Postfix(workdir, pki)        # ports chosen, not started
        pf.start(); pf.ports["submission"]; pf.messages(); pf.stop()
    stop() also runs at exit.  deliver="discard" drops every message."""

    def __init__(self, workdir, pki, services=None, deliver="maildir",
                 stop_at_exit=True, ports=None, user=USER,
                 password=PASSWORD):
        require()
        # A second instance (accounts) takes another SASL user.
        self.user, self.password = user, password
        self.dir = workdir
        self.pki = pki
        self.deliver = deliver
        self.services = dict(services or SERVICES)
        self.ports = dict(ports) if ports else dict(zip(
            self.services, util.free_ports(len(self.services))))
        self.etc = os.path.join(workdir, "etc")
        self.queue = os.path.join(workdir, "queue")
        self.data = os.path.join(workdir, "data")
        self.mail = os.path.join(workdir, "mail")
        # Debian's smtpd reads $config_directory/sasl/<smtpd_sasl_path>.conf
        # (patched); upstream uses cyrus_sasl_config_path: set both.
        self.sasl = os.path.join(self.etc, "sasl")
        self.logfile = os.path.join(workdir, "postfix.log")
        self.maildir = os.path.join(self.mail, "box")
        self._started = False
        if not os.path.exists(os.path.join(self.etc, "main.cf")):
            self._setup()
        else:                   # re-attached (demo_smarthost.py)
            nobody = pwd.getpwnam("nobody")
            self.mail_uid, self.mail_gid = nobody.pw_uid, nobody.pw_gid
            self._started = self.master_pid() is not None
        if stop_at_exit:
            util.at_exit(self.stop)

    # -- configuration ----------------------------------------------------

    def _setup(self):
        for d in (self.etc, self.queue, self.data, self.mail, self.sasl):
            os.makedirs(d, exist_ok=True)
        pf = pwd.getpwnam("postfix")
        nobody = pwd.getpwnam("nobody")
        self.mail_uid, self.mail_gid = nobody.pw_uid, nobody.pw_gid
        os.chown(self.data, pf.pw_uid, pf.pw_gid)
        os.chmod(self.data, 0o700)
        self._make_queue_dirs(pf)
        os.chown(self.mail, self.mail_uid, self.mail_gid)
        self._write_sasl(pf)
        with open(os.path.join(self.etc, "main.cf"), "w") as f:
            f.write(self._main_cf())
        with open(os.path.join(self.etc, "master.cf"), "w") as f:
            f.write(self._master_cf())

    def _make_queue_dirs(self, pf):
        """The queue layout of Postfix's postfix-files, made directly:
        `postfix set-permissions` would also re-chmod system files and
        takes seconds."""
        postdrop = grp.getgrnam("postdrop").gr_gid
        os.chmod(self.queue, 0o755)
        for name, gid, mode in (
                ("active", None, 0o700), ("bounce", None, 0o700),
                ("corrupt", None, 0o700), ("defer", None, 0o700),
                ("deferred", None, 0o700), ("flush", None, 0o700),
                ("hold", None, 0o700), ("incoming", None, 0o700),
                ("private", None, 0o700), ("saved", None, 0o700),
                ("trace", None, 0o700), ("maildrop", postdrop, 0o730),
                ("public", postdrop, 0o710), ("pid", "root", 0o755)):
            d = os.path.join(self.queue, name)
            os.makedirs(d, exist_ok=True)
            if gid == "root":
                os.chown(d, 0, 0)
            else:
                os.chown(d, pf.pw_uid, pf.pw_gid if gid is None else gid)
            os.chmod(d, mode)

    def _write_sasl(self, pf):
        db = os.path.join(self.sasl, "sasldb2")
        proc = subprocess.run([SASLPASSWD, "-c", "-p", "-f", db, "-u",
                               REALM, self.user],
                              input=self.password.encode(),
                              stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
        if proc.returncode != 0:
            raise RuntimeError("saslpasswd2: " + proc.stderr.decode())
        # smtpd runs as user postfix when it reads the db.
        os.chown(db, 0, pf.pw_gid)
        os.chmod(db, 0o640)
        confs = {"smtpd": ALL_MECHS}
        for kind, _, mechs in self.services.values():
            if mechs:
                confs["smtpd_" + _mech_tag(mechs)] = mechs
        for name, mechs in confs.items():
            with open(os.path.join(self.sasl, name + ".conf"), "w") as f:
                f.write("pwcheck_method: auxprop\n"
                        "auxprop_plugin: sasldb\n"
                        "mech_list: %s\n"
                        "sasldb_path: %s\n" % (mechs, db))

    def _main_cf(self):
        w = self.dir
        if self.deliver == "discard":
            vt = "virtual_transport = discard\n"
        else:
            vt = ""
        return f"""\
# Private test instance written by tests/integration/lib/postfix.py
compatibility_level = 3.6
queue_directory = {self.queue}
data_directory = {self.data}
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.outpost.test
mydomain = outpost.test
myorigin = $myhostname
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost =
relay_domains =
local_recipient_maps =
alias_maps =
alias_database =
biff = no
append_dot_mydomain = no
# Nothing may leave the machine: only the virtual domains are delivered.
default_transport = error:test instance delivers nothing outside
relay_transport = error:test instance delivers nothing outside
virtual_mailbox_domains = {DOMAINS}
virtual_mailbox_base = {self.mail}
virtual_mailbox_maps = static:box/
virtual_uid_maps = static:{self.mail_uid}
virtual_gid_maps = static:{self.mail_gid}
virtual_minimum_uid = 100
{vt}# Keep messages as the client sent them (no header rewriting).
local_header_rewrite_clients =
always_add_missing_headers = no
maillog_file = {self.logfile}
maillog_file_prefixes = {w}
smtpd_banner = $myhostname ESMTP outpost-test
smtpd_tls_cert_file = {self.pki.good.cert}
smtpd_tls_key_file = {self.pki.good.key}
smtpd_tls_security_level = encrypt
smtpd_tls_auth_only = yes
smtpd_tls_loglevel = 1
smtpd_tls_session_cache_database =
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = cyrus
smtpd_sasl_path = smtpd
cyrus_sasl_config_path = {self.sasl}
smtpd_sasl_local_domain = {REALM}
smtpd_relay_restrictions = permit_sasl_authenticated, reject
smtpd_recipient_restrictions =
smtpd_error_sleep_time = 0
# Strict about the client: a bare LF anywhere (SMTP smuggling material) or
# commands sent before they may be pipelined are errors here.
smtpd_forbid_bare_newline = yes
smtpd_forbid_bare_newline_exclusions =
smtpd_forbid_unauth_pipelining = yes
smtpd_client_connection_rate_limit = 0
smtputf8_enable = yes
message_size_limit = 52428800
virtual_mailbox_limit = 0
notify_classes =
delay_warning_time = 0
"""

    def _master_cf(self):
        lines = []
        for name, (kind, cert, mechs) in self.services.items():
            c = getattr(self.pki, cert)
            opts = ["syslog_name=postfix/" + name,
                    "smtpd_tls_cert_file=" + c.cert,
                    "smtpd_tls_key_file=" + c.key]
            if kind == "implicit":
                opts.append("smtpd_tls_wrappermode=yes")
            if mechs:
                opts.append("smtpd_sasl_path=smtpd_" + _mech_tag(mechs))
            opts += SERVICE_OPTS.get(name, [])
            lines.append("127.0.0.1:%d inet n - n - - smtpd" %
                         self.ports[name])
            lines += ["  -o " + o for o in opts]
        return "\n".join(lines) + "\n" + _MASTER_BASE

    # -- lifecycle --------------------------------------------------------

    def _postfix(self, *args, check=True):
        proc = subprocess.run([POSTFIX, "-c", self.etc] + list(args),
                              stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=60)
        if check and proc.returncode != 0:
            raise RuntimeError("postfix %s failed (%d): %s\n%s" % (
                " ".join(args), proc.returncode,
                proc.stdout.decode(errors="replace"), self.log_text()))
        return proc

    def master_pid(self):
        try:
            with open(os.path.join(self.queue, "pid", "master.pid")) as f:
                pid = int(f.read().strip() or "0")
        except (OSError, ValueError):
            return None
        if pid <= 0 or not os.path.exists("/proc/%d" % pid):
            return None
        return pid

    def start(self, timeout=60):
        """Start master and wait until every service port LISTENs (read
        from /proc: no probe connection, so session counts stay exact)."""
        if self._started:
            return
        # quick-start: skip postfix-script's integrity scan (seconds of
        # find/postsuper); the queue was laid out by _make_queue_dirs().
        open(os.path.join(self.queue, "quick-start"), "w").close()
        self._postfix("start")
        self._started = True
        for name, port in self.ports.items():
            util.wait_for(lambda p=port: util.port_listening(p), timeout,
                          "postfix service %s on port %d" % (name, port))

    def stop(self, timeout=30):
        """Stop master (graceful, then abort) and wait for it and its
        ports to go.  Safe to call twice."""
        if not self._started:
            return
        self._started = False
        pid = self.master_pid()
        self._postfix("stop", check=False)
        try:
            util.wait_for(lambda: self.master_pid() is None, timeout / 2,
                          "postfix master to exit")
        except util.Timeout:
            self._postfix("abort", check=False)
            if pid:
                try:
                    os.kill(pid, 9)
                except ProcessLookupError:
                    pass
        util.wait_for(lambda: not any(util.port_listening(p)
                                      for p in self.ports.values()),
                      timeout, "postfix ports to close")

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    # -- results ----------------------------------------------------------

    def message_files(self):
        """Delivered files in arrival order (Maildir name: SECONDS.V..M<usec>)."""
        new = os.path.join(self.maildir, "new")
        try:
            names = os.listdir(new)
        except FileNotFoundError:
            return []

        def key(n):
            m = re.match(r"(\d+)\.[^.]*M(\d+)", n)
            return (int(m.group(1)), int(m.group(2)), n) if m else (0, 0, n)
        return [os.path.join(new, n) for n in sorted(names, key=key)]

    def messages(self, timeout=60):
        """Raw bytes of every delivered message, in the order smtpd
        accepted them (qmgr may deliver a burst in another order, so the
        Maildir's own order is only the tie-breaker).  smtpd's log line
        of a delivered message can still be on its way (postlogd writes
        it a little later): wait for it, or the message would sort last."""
        files = []
        for n, p in enumerate(self.message_files()):
            with open(p, "rb") as f:
                raw = f.read()
            m = re.search(rb"\(Postfix\) with \S+ id (\w+)", raw)
            files.append((m.group(1).decode() if m else None, n, raw))

        def ranks():
            rank = {a["qid"]: i for i, a in enumerate(self.accepted())}
            return [rank] if all(q is None or q in rank
                                 for q, _, _ in files) else None
        rank = util.wait_for(ranks, timeout, "smtpd's log line of every "
                             "delivered message")[0]
        out = [(rank.get(q, len(rank)), n, raw) for q, n, raw in files]
        return [raw for _, _, raw in sorted(out)]

    def wait_messages(self, n, timeout=60):
        """Wait for n delivered files; return messages() (accept order).
        Counting files is only safe when nothing from an earlier test can
        still be on its way (delivery to the Maildir lags the 250 the
        client got); else use wait_delivered()."""
        util.wait_for(lambda: len(self.message_files()) >= n, timeout,
                      "%d message(s) in the Maildir (have %d)" %
                      (n, len(self.message_files())))
        return self.messages()

    def delivered(self, msgid):
        """Raw bytes of every delivered copy (one per recipient) whose
        Message-ID is msgid, in Maildir order."""
        out = []
        for p in self.message_files():
            with open(p, "rb") as f:
                raw = f.read()
            if util.header_value(raw, "Message-ID") == msgid:
                out.append(raw)
        return out

    def wait_delivered(self, msgid, n=1, timeout=60):
        """Wait until at least n copies of msgid are in the Maildir;
        returns them all (the caller asserts how many there must be)."""
        def have():
            got = self.delivered(msgid)
            return got if len(got) >= n else None
        return util.wait_for(have, timeout, "%d cop(ies) of %s in the "
                             "Maildir" % (n, msgid))

    def wait_accepted(self, msgids, service=None, timeout=60):
        """Wait until smtpd's and cleanup's log lines of every message in
        msgids are written (postlogd writes them a little after the client
        has its 250); returns accepted(service)."""
        def have():
            got = {a["message_id"] for a in self.accepted(service)}
            return all(m in got for m in msgids)
        util.wait_for(have, timeout, "the Postfix log lines of %s" %
                      " ".join(msgids))
        return self.accepted(service)

    def log_text(self):
        try:
            with open(self.logfile, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def log_lines(self, service=None, program="smtpd"):
        tag = "postfix/%s/%s[" % (service, program) if service else None
        out = []
        for line in self.log_text().splitlines():
            if tag is None or tag in line:
                out.append(line)
        return out

    def connects(self, service="submission"):
        """Number of SMTP connections the service accepted."""
        return sum(1 for l in self.log_lines(service)
                   if ": connect from " in l)

    def tls_handshakes(self, service="submission"):
        return sum(1 for l in self.log_lines(service)
                   if "TLS connection established from" in l)

    def accepted(self, service=None):
        """Messages smtpd accepted, in order: dicts with qid, service,
        sasl_method, sasl_username, message_id (from cleanup)."""
        msgids = {}
        for l in self.log_lines(program="cleanup"):
            m = re.search(r"postfix/cleanup\[\d+\]: (\w+): message-id=(.*)$",
                          l)
            if m:
                msgids[m.group(1)] = m.group(2).strip()
        out = []
        for l in self.log_text().splitlines():
            m = re.search(r"postfix/([\w-]+)/smtpd\[\d+\]: (\w+): "
                          r"client=[^,]*(.*)$", l)
            if not m or (service and m.group(1) != service):
                continue
            rest = m.group(3)
            meth = re.search(r"sasl_method=([\w-]+)", rest)
            user = re.search(r"sasl_username=([^,\s]+)", rest)
            out.append({"service": m.group(1), "qid": m.group(2),
                        "sasl_method": meth.group(1) if meth else None,
                        "sasl_username": user.group(1) if user else None,
                        "message_id": msgids.get(m.group(2))})
        return out


def _mech_tag(mechs):
    return re.sub(r"[^a-z0-9]", "", mechs.lower())


def strip_added_headers(raw):
    """The message as the client sent it: drop the Return-Path,
    X-Original-To, Delivered-To and Received headers Postfix puts on top
    (with their continuation lines) and nothing else."""
    lines = raw.split(b"\n")
    i = 0
    added = (b"return-path:", b"x-original-to:", b"delivered-to:",
             b"received:")
    while i < len(lines) and lines[i].lower().startswith(added):
        i += 1
        while i < len(lines) and lines[i][:1] in (b" ", b"\t"):
            i += 1
    return b"\n".join(lines[i:])

