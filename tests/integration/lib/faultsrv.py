"""A scriptable SMTP server that misbehaves on purpose (one fault per run).

Run as a program (by FaultServer below) it prints "READY <port>" once it
listens on 127.0.0.1, then serves until killed.  Normal paths (STARTTLS,
AUTH, per-recipient replies) use aiosmtpd; faults aiosmtpd cannot express
(a 421 greeting, drops and stalls, no STARTTLS, bytes injected after the
220 to STARTTLS) use the small threaded server below.  Every command and
event goes to DIR/transcript.jsonl; accepted messages to DIR/msg-N.eml.
Never listens beyond 127.0.0.1, never relays anything.
"""

import argparse
import base64
import json
import os
import select
import socket
import socketserver
import ssl
import subprocess
import sys
import threading
import time

AIOSMTPD_SCENARIOS = ("ok", "rcpt451", "rcpt451_esc", "rcpt550_one",
                      "auth535")
RAW_SCENARIOS = ("raw_ok", "greet421", "drop_mid_data", "drop_after_dot",
                 "stall_greeting", "stall_mail", "stall_dot",
                 "stall_dot_once", "no_starttls", "starttls_inject",
                 "starttls_454", "starttls_554", "tls11_only", "huge_ehlo",
                 "rcpt_limit3", "no_8bitmime", "mail553", "oauth",
                 "implicit_ok")
RCPT_LIMIT = 3          # rcpt_limit3: recipients per transaction

# A reply that tries terminal-escape and log injection through mailq.
ESC_REPLY = ("451 4.3.0 \x1b[2J\x1b[31mfake: all mail delivered\x1b[0m "
             "\x07\x08 bell and backspace")
HUGE_EHLO_LINES = 20000
SCENARIOS = AIOSMTPD_SCENARIOS + RAW_SCENARIOS

# oauth: the JSON error of a refused token (as RFC 7628 3.2.2 shows it),
# with a control byte and an escape sequence a client must not print raw.
OAUTH_ERROR = ('{"status":"invalid_token","schemes":"bearer",'
               '"scope":"https://mail.google.com/","x":"\x1b[31m\x07"}')
AUTH_LINE_MAX = 12288   # RFC 4954: an AUTH command line may be this long

STALL_MAX = 600         # a stall ends when the client hangs up, or after this


# ====================================================================
# Server side (runs in the subprocess)
# ====================================================================

class Recorder:
    """Thread-safe writer of the transcript and the accepted messages."""

    def __init__(self, outdir):
        self.dir = outdir
        self.lock = threading.Lock()
        self.nconn = 0
        self.nmsg = 0
        self.f = open(os.path.join(outdir, "transcript.jsonl"), "a")

    def new_conn(self):
        with self.lock:
            self.nconn += 1
            return self.nconn

    def event(self, conn, ev, **kw):
        kw.update({"conn": conn, "ev": ev, "t": time.time()})
        with self.lock:
            self.f.write(json.dumps(kw) + "\n")
            self.f.flush()

    def message(self, conn, mail_from, rcpts, data):
        """Store one accepted message (bytes as received, dot-unstuffed)."""
        with self.lock:
            self.nmsg += 1
            n = self.nmsg
        path = os.path.join(self.dir, "msg-%04d.eml" % n)
        with open(path + ".tmp", "wb") as f:
            f.write(data)
        os.rename(path + ".tmp", path)
        self.event(conn, "message", n=n, file=path, mail_from=mail_from,
                   rcpts=list(rcpts), size=len(data))


def redact(line):
    """Keep AUTH mechanism names, drop credentials."""
    parts = line.split()
    if parts and parts[0].upper() == "AUTH":
        return " ".join(parts[:2] + (["<initial-response>"]
                                     if len(parts) > 2 else []))
    return line


def path_of(arg):
    """'FROM:<a@b> SIZE=1' -> 'a@b' (as aiosmtpd records it)."""
    lt, gt = arg.find("<"), arg.find(">")
    return arg[lt + 1:gt] if 0 <= lt < gt else arg


# ---------------------------------------------------------------- aiosmtpd

def run_aiosmtpd(args, rec, ctx):
    import asyncio
    from aiosmtpd.smtp import SMTP, AuthResult

    class Handler:
        async def handle_RCPT(self, server, session, envelope, address,
                              rcpt_options):
            if args.scenario == "rcpt451_esc":
                return ESC_REPLY
            if args.scenario == "rcpt451":
                return "451 4.3.0 <%s>: mailbox busy, try again later" % \
                    address
            if args.scenario == "rcpt550_one" and address.startswith("bad"):
                return "550 5.1.1 <%s>: Recipient address rejected: " \
                    "no such user" % address
            envelope.rcpt_tos.append(address)
            return "250 2.1.5 OK"

        async def handle_DATA(self, server, session, envelope):
            # Record the null sender as "" like the raw server does.
            sender = "" if envelope.mail_from == "<>" else envelope.mail_from
            rec.message(server.conn_no, sender,
                        envelope.rcpt_tos, envelope.original_content or
                        envelope.content)
            return "250 2.0.0 OK queued as fault%d" % rec.nmsg

    def authenticator(server, session, envelope, mechanism, auth_data):
        login = getattr(auth_data, "login", b"") or b""
        password = getattr(auth_data, "password", b"") or b""
        ok = (args.scenario != "auth535" and
              login.decode(errors="replace") == args.user and
              password.decode(errors="replace") == args.password)
        rec.event(server.conn_no, "auth_result", mech=mechanism, ok=ok)
        return AuthResult(success=ok, handled=False)

    class LoggingSMTP(SMTP):
        def connection_made(self, transport):
            if not hasattr(self, "conn_no"):
                self.conn_no = rec.new_conn()
                rec.event(self.conn_no, "connect")
            super().connection_made(transport)

        def connection_lost(self, exc):
            rec.event(self.conn_no, "close")
            super().connection_lost(exc)

    def logged(name):
        orig = getattr(SMTP, "smtp_" + name)

        async def method(self, arg):
            rec.event(self.conn_no, "cmd",
                      line=redact(("%s %s" % (name, arg or "")).strip()))
            if name == "STARTTLS":
                rec.event(self.conn_no, "tls_start")
            return await orig(self, arg)
        return method

    for verb in ("EHLO", "HELO", "STARTTLS", "AUTH", "MAIL", "RCPT", "DATA",
                 "RSET", "NOOP", "QUIT"):
        setattr(LoggingSMTP, "smtp_" + verb, logged(verb))

    handler = Handler()
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)

    def factory():
        return LoggingSMTP(handler, hostname="fault.test", tls_context=ctx,
                           require_starttls=True, auth_required=True,
                           auth_require_tls=True,
                           authenticator=authenticator, timeout=60,
                           enable_SMTPUTF8=True, decode_data=False)
    server = loop.run_until_complete(
        loop.create_server(factory, host="127.0.0.1", port=args.port))
    print("READY %d" % server.sockets[0].getsockname()[1], flush=True)
    loop.run_forever()


# ---------------------------------------------------------------- raw

class RawSession:
    """One connection of the hand-written server; line reader over recv()
    so nothing is buffered behind our back when TLS starts."""

    def __init__(self, sock, rec, args, ctx):
        self.sock = sock
        self.rec = rec
        self.args = args
        self.ctx = ctx
        self.conn = rec.new_conn()
        self.buf = b""
        self.tls = False
        self.sc = args.scenario
        # stall_dot_once only stalls on its first connection.
        if self.sc == "stall_dot_once" and self.conn > 1:
            self.sc = "raw_ok"

    def send(self, data):
        self.sock.sendall(data.encode() if isinstance(data, str) else data)

    def readline(self, limit=65536):
        while b"\n" not in self.buf:
            if len(self.buf) > limit:
                return None
            try:
                chunk = self.sock.recv(65536)
            except (OSError, ssl.SSLError):
                return None
            if not chunk:
                return None
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return line + b"\n"

    def stall(self, where):
        """Say nothing until the client gives up (or STALL_MAX)."""
        self.rec.event(self.conn, "stall", where=where)
        self.sock.settimeout(STALL_MAX)
        try:
            while self.sock.recv(65536):
                pass
        except (OSError, ssl.SSLError):
            pass
        self.rec.event(self.conn, "client_gave_up", where=where)

    def run(self):
        self.rec.event(self.conn, "connect")
        try:
            if self.sc == "implicit_ok" and not self.tls_up():
                return
            self.dialogue()
        except (OSError, ssl.SSLError) as e:
            self.rec.event(self.conn, "error", what=str(e))
        finally:
            self.rec.event(self.conn, "close")
            try:
                self.sock.close()
            except OSError:
                pass

    def dialogue(self):
        if self.sc == "greet421":
            self.send("421 4.3.2 fault.test busy, come back later\r\n")
            return
        if self.sc == "stall_greeting":
            self.stall("greeting")
            return
        self.send("220 fault.test ESMTP fault server\r\n")
        mail_from, rcpts = None, []
        while True:
            raw = self.readline()
            if raw is None:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            self.rec.event(self.conn, "cmd", line=redact(line),
                           tls=self.tls)
            verb = line.split(" ", 1)[0].upper()
            arg = line[len(verb):].strip()
            if verb in ("EHLO", "HELO"):
                self.ehlo(verb, arg)
            elif verb == "STARTTLS":
                if not self.starttls():
                    return
            elif verb == "AUTH":
                if not self.auth(arg):
                    return
            elif verb == "MAIL":
                if self.sc == "stall_mail":
                    self.stall("mail")
                    return
                if self.sc == "mail553":
                    self.send("553 5.7.1 <%s>: Sender address rejected: "
                              "not owned by user alice\r\n" % path_of(arg))
                    continue
                mail_from, rcpts = path_of(arg), []
                self.send("250 2.1.0 OK\r\n")
            elif verb == "RCPT":
                if self.sc == "rcpt_limit3" and len(rcpts) >= RCPT_LIMIT:
                    self.send("452 4.5.3 Error: too many recipients\r\n")
                    continue
                rcpts.append(path_of(arg))
                self.send("250 2.1.5 OK\r\n")
            elif verb == "DATA":
                if not self.data(mail_from, rcpts):
                    return
                mail_from, rcpts = None, []
            elif verb == "RSET":
                mail_from, rcpts = None, []
                self.send("250 2.0.0 OK\r\n")
            elif verb == "NOOP":
                self.send("250 2.0.0 OK\r\n")
            elif verb == "QUIT":
                self.send("221 2.0.0 Bye\r\n")
                return
            else:
                self.send("502 5.5.2 Command not implemented\r\n")

    def ehlo(self, verb, arg):
        if verb == "HELO":
            self.send("250 fault.test\r\n")
            return
        caps = ["fault.test", "PIPELINING", "8BITMIME",
                "ENHANCEDSTATUSCODES", "SIZE 52428800"]
        if self.sc == "no_8bitmime":
            caps.remove("8BITMIME")
        if self.sc == "huge_ehlo":
            # A reply that never seems to end: the client must cap it.
            caps[1:1] = ["X-FILLER-%06d %s" % (i, "x" * 400)
                         for i in range(HUGE_EHLO_LINES)]
        if not self.tls and self.sc != "no_starttls":
            caps.append("STARTTLS")
        if self.tls and self.sc == "oauth":
            caps.append("AUTH XOAUTH2 OAUTHBEARER")
        elif self.tls or self.sc == "no_starttls":
            # Offered in clear on no_starttls: the bait a client must refuse.
            caps.append("AUTH PLAIN LOGIN")
        out = "".join("250-%s\r\n" % c for c in caps[:-1])
        self.send(out + "250 %s\r\n" % caps[-1])

    def starttls(self):
        if self.tls:
            self.send("503 5.5.1 TLS already active\r\n")
            return True
        if self.buf:
            self.rec.event(self.conn, "pipelined_after_starttls",
                           size=len(self.buf))
        if self.sc in ("starttls_454", "starttls_554"):
            self.send("454 4.7.0 TLS not available due to local problem\r\n"
                      if self.sc == "starttls_454" else
                      "554 5.7.3 STARTTLS refused by policy\r\n")
            return True         # the session goes on in clear: bait
        if self.sc == "starttls_inject":
            # The injected reply rides in the same segment as the 220.
            self.send("220 2.0.0 Ready to start TLS\r\n"
                      "250 2.0.0 injected after the 220\r\n")
        else:
            self.send("220 2.0.0 Ready to start TLS\r\n")
        self.rec.event(self.conn, "tls_start")
        return self.tls_up()

    def tls_up(self):
        try:
            self.sock.settimeout(30)
            self.sock = self.ctx.wrap_socket(self.sock, server_side=True)
            self.sock.settimeout(None)
        except (OSError, ssl.SSLError) as e:
            self.rec.event(self.conn, "tls_failed", what=str(e))
            return False
        self.tls = True
        self.buf = b""
        self.rec.event(self.conn, "tls_ok", version=self.sock.version())
        return True

    def auth(self, arg):
        parts = arg.split()
        mech = parts[0].upper() if parts else ""
        if self.sc == "oauth":
            return self.oauth(mech, parts[1] if len(parts) > 1 else None)
        if mech == "PLAIN":
            if len(parts) < 2:
                self.send("334 \r\n")
                if self.readline() is None:
                    return False
        elif mech == "LOGIN":
            if len(parts) < 2:
                self.send("334 %s\r\n" % base64.b64encode(b"Username:")
                          .decode())
                if self.readline() is None:
                    return False
            self.send("334 %s\r\n" % base64.b64encode(b"Password:").decode())
            if self.readline() is None:
                return False
        else:
            self.send("504 5.5.4 Unrecognized authentication type\r\n")
            return True
        self.rec.event(self.conn, "auth_result", mech=mech, ok=True,
                       tls=self.tls)
        self.send("235 2.7.0 Authentication successful\r\n")
        return True

    def oauth_expected(self, mech):
        """The exact initial response a client must send for mech."""
        a = self.args
        if mech == "XOAUTH2":
            return "user=%s\x01auth=Bearer %s\x01\x01" % (a.user,
                                                            a.password)
        saslname = a.user.replace("=", "=3D").replace(",", "=2C")
        return ("n,a=%s,\x01host=127.0.0.1\x01port=%d\x01auth=Bearer "
                "%s\x01\x01" % (saslname, self.sock.getsockname()[1],
                                 a.password))

    def oauth(self, mech, initial):
        """XOAUTH2 / OAUTHBEARER checked byte for byte; a wrong response
        gets the error challenge, whose answer is checked too (XOAUTH2:
        an empty line; OAUTHBEARER: base64 of 0x01), then 535.  Only
        verdicts and sizes are recorded, never the token."""
        if mech not in ("XOAUTH2", "OAUTHBEARER"):
            self.send("504 5.5.4 Unrecognized authentication type\r\n")
            return True
        inline = initial is not None
        line_len = len("AUTH %s %s\r\n" % (mech, initial or ""))
        if initial is None:
            self.send("334 \r\n")
            raw = self.readline()
            if raw is None:
                return False
            initial = raw.decode("ascii", "replace").strip()
        try:
            got = base64.b64decode(initial, validate=True).decode()
        except (ValueError, UnicodeDecodeError):
            got = None
        ok = got == self.oauth_expected(mech)
        self.rec.event(self.conn, "auth_result", mech=mech, ok=ok,
                       tls=self.tls, size=len(got or ""), inline=inline,
                       line_len=line_len)
        if ok:
            self.send("235 2.7.0 Accepted\r\n")
            return True
        self.send("334 %s\r\n" % base64.b64encode(OAUTH_ERROR.encode())
                  .decode())
        raw = self.readline()
        if raw is None:
            return False
        ack = raw.decode("ascii", "replace").rstrip("\r\n")
        want = "" if mech == "XOAUTH2" else "AQ=="
        self.rec.event(self.conn, "oauth_ack", mech=mech, ok=ack == want)
        self.send("535 5.7.8 Username and Password not accepted\r\n")
        return True

    def data(self, mail_from, rcpts):
        if not rcpts:
            self.send("554 5.5.1 No valid recipients\r\n")
            return True
        self.send("354 End data with <CR><LF>.<CR><LF>\r\n")
        body = []
        while True:
            raw = self.readline(limit=1 << 26)
            if raw is None:
                self.rec.event(self.conn, "data_eof")
                return False
            if self.sc == "drop_mid_data" and len(body) >= 2:
                self.rec.event(self.conn, "drop", where="mid-data")
                self.sock.shutdown(socket.SHUT_RDWR)
                return False
            if raw in (b".\r\n", b".\n"):
                break
            body.append(raw[1:] if raw.startswith(b".") else raw)
        # What the client wrote behind the "." before any reply to it: a
        # client pipelining across messages (RFC 2920) has the next MAIL
        # there already.  Neither this server nor aiosmtpd offers CHUNKING,
        # so they see the DATA path of the window.
        self.rec.event(self.conn, "dot",
                       behind=self.buf[:64].decode("utf-8", "replace"))
        self.rec.message(self.conn, mail_from, rcpts, b"".join(body))
        if self.sc == "drop_after_dot":
            self.rec.event(self.conn, "drop", where="after-dot")
            self.sock.shutdown(socket.SHUT_RDWR)
            return False
        if self.sc in ("stall_dot", "stall_dot_once"):
            self.stall("dot")
            return False
        self.send("250 2.0.0 OK queued as raw%d\r\n" % self.rec.nmsg)
        return True


def run_raw(args, rec, ctx):
    class Handler(socketserver.BaseRequestHandler):
        def handle(self):
            RawSession(self.request, rec, args, ctx).run()

    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True

    srv = Server(("127.0.0.1", args.port), Handler)
    print("READY %d" % srv.server_address[1], flush=True)
    srv.serve_forever()


def server_main(argv):
    p = argparse.ArgumentParser()
    p.add_argument("--scenario", required=True, choices=SCENARIOS)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--user", default="alice")
    p.add_argument("--password", default="s3cret-Pa55")
    p.add_argument("--port", type=int, default=0)   # 0 = any free port
    args = p.parse_args(argv)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    if args.scenario == "tls11_only":
        # An obsolete server: at most TLS 1.1 (OpenSSL needs security
        # level 0 for that).  The client must refuse to talk to it.
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.maximum_version = ssl.TLSVersion.TLSv1_1
    else:
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(args.cert, args.key)
    rec = Recorder(args.dir)
    if args.scenario in AIOSMTPD_SCENARIOS:
        run_aiosmtpd(args, rec, ctx)
    else:
        run_raw(args, rec, ctx)


# ====================================================================
# Test side
# ====================================================================

class FaultServer:
    """Start `scenario` in a subprocess; .port, .events(), .commands(),
    .messages(), .stop() (also at exit).  port=N listens on that port
    (e.g. the port of a server just stopped: another scenario takes over
    the same smarthost address); 0 picks a free one."""

    def __init__(self, workdir, pki, scenario, cert="good",
                 user="alice", password="s3cret-Pa55", timeout=60, port=0):
        import util
        if scenario not in SCENARIOS:
            raise ValueError("unknown scenario " + scenario)
        self.dir = workdir
        self.scenario = scenario
        os.makedirs(workdir, exist_ok=True)
        c = getattr(pki, cert)
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", os.path.abspath(__file__), "--scenario",
             scenario, "--cert", c.cert, "--key", c.key, "--dir", workdir,
             "--user", user, "--password", password, "--port", str(port)],
            stdout=subprocess.PIPE, stderr=open(
                os.path.join(workdir, "server.err"), "wb"))
        util.at_exit(self.stop)
        self.port = self._read_ready(timeout)

    def _read_ready(self, timeout):
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        buf = b""
        while b"\n" not in buf:
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                raise RuntimeError("fault server %s did not start: %s" % (
                    self.scenario, self.stderr()))
            r, _, _ = select.select([fd], [], [], left)
            if r:
                chunk = os.read(fd, 256)
                if not chunk:
                    continue
                buf += chunk
        line = buf.split(b"\n", 1)[0].decode()
        if not line.startswith("READY "):
            raise RuntimeError("fault server said %r" % line)
        return int(line.split()[1])

    def stderr(self):
        try:
            with open(os.path.join(self.dir, "server.err"),
                      errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def events(self):
        out = []
        try:
            with open(os.path.join(self.dir, "transcript.jsonl")) as f:
                for line in f:
                    if line.endswith("\n"):
                        out.append(json.loads(line))
        except FileNotFoundError:
            pass
        return out

    def commands(self):
        """Command lines received, in order (credentials redacted)."""
        return [e["line"] for e in self.events() if e["ev"] == "cmd"]

    def verbs(self):
        return [c.split(" ", 1)[0].upper() for c in self.commands()]

    def has_event(self, ev, **match):
        return [e for e in self.events() if e["ev"] == ev and
                all(e.get(k) == v for k, v in match.items())]

    def wait_event(self, ev, timeout=60, **match):
        import util
        return util.wait_for(lambda: self.has_event(ev, **match), timeout,
                             "fault server event %s" % ev)

    def messages(self):
        """Accepted messages: dicts mail_from, rcpts, data (bytes)."""
        out = []
        for e in self.events():
            if e["ev"] == "message":
                with open(e["file"], "rb") as f:
                    out.append(dict(e, data=f.read()))
        return out

    def connections(self):
        return len(self.has_event("connect"))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()
            self.proc.stdout = None


if __name__ == "__main__":
    server_main(sys.argv[1:])
