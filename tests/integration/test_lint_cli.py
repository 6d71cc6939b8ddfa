#!/usr/bin/python3
"""`outpost lint` as a command: exit codes, JSON and text shapes, mbox,
Maildir and stdin inputs, the form letter, rule overrides, and that
terminal escapes from a message never reach the output raw.  Messages come
from tests/lint-fixtures (written for the tests)."""
import json
import os
import pty
import re
import shutil
import subprocess
import sys
import tempfile

BUILD = os.environ.get("OUTPOST_BUILD", "build")
SOURCE = os.environ.get("OUTPOST_SOURCE",
                        os.path.dirname(os.path.dirname(os.path.dirname(
                            os.path.abspath(__file__)))))
FIX = os.path.join(SOURCE, "tests", "lint-fixtures")
OUTPOST = os.path.join(BUILD, "outpost")
KEYS = {"file", "rule", "severity", "line", "column", "message"}
OPTIONAL = {"detail", "decoded_line", "encoding", "folded_into"}
TEXT_RE = re.compile(r"^(.+):(\d+):(\d+): (error|warning|info): "
                     r"([a-z0-9-]+): (.+)$")

CLEAN = os.path.join(FIX, "14-bottom-post.eml")
HTML = os.path.join(FIX, "35-html-only.eml")
TWO = os.path.join(FIX, "34-alternative-text-html.eml")
THREAD = os.path.join(FIX, "63-re-without-in-reply-to.eml")

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what)


def lint(args, stdin=None, config=None):
    env = dict(os.environ, NO_COLOR="1", OUTPOST_CONFIG=config or CONFIG)
    p = subprocess.run([OUTPOST, "lint"] + args, input=stdin,
                       capture_output=True, env=env, timeout=120)
    return p.returncode, p.stdout, p.stderr


def json_lines(out):
    return [json.loads(l) for l in out.decode().splitlines() if l.strip()]


def test_exit_codes():
    check(lint([CLEAN])[0] == 0, "clean message exits 0")
    check(lint([HTML])[0] == 1, "HTML message exits 1")
    check(lint([THREAD])[0] == 0, "warnings only exit 0")
    rc, _, err = lint(["/nonexistent/message.eml"])
    check(rc == 2 and b"nonexistent" in err, "missing file exits 2")
    check(lint(["--no-such-option", CLEAN])[0] == 2, "unknown option -> 2")
    check(lint(["--format", "xml", CLEAN])[0] == 2, "bad --format -> 2")
    check(lint(["--rule", "no-such-rule=off", CLEAN])[0] == 2,
          "unknown rule id -> 2")
    check(lint(["--rule", "html=loud", CLEAN])[0] == 2, "bad severity -> 2")
    rc, _, _ = lint([HTML, "/nonexistent/x"])
    check(rc == 2, "I/O error wins over findings")


def test_json_shape():
    rc, out, _ = lint(["--format", "json", TWO])
    objs = json_lines(out)
    check(rc == 1 and len(objs) >= 2, "two findings for text+html")
    for o in objs:
        check(KEYS <= set(o) <= KEYS | OPTIONAL, "json keys: %r" % o)
        check(all(isinstance(o[k], str) for k in
                  ("file", "rule", "severity", "message")), "json str types")
        check(all(isinstance(o[k], int) and o[k] >= 0 for k in
                  ("line", "column")), "json int types")
        check(o["severity"] in ("error", "warning", "info"), "severity")
        check(o["file"] == TWO, "json file is the path")
    check({o["rule"] for o in objs} >= {"html", "multipart"}, "json rules")
    # one problem, one finding: the HTML alternative's multipart finding
    # is kept for scripts but marked as folded into html
    check([o.get("folded_into") for o in objs if o["rule"] == "multipart"]
          == ["html"], "multipart folded into html")
    lines = [(o["line"], o["column"]) for o in objs]
    check(lines == sorted(lines), "json findings sorted by line, column")


def test_text_format():
    rc, out, _ = lint([TWO])
    lines = out.decode().splitlines()
    finding = [l for l in lines if TEXT_RE.match(l)]
    check(rc == 1 and len(finding) == 1 and "html" in finding[0] and
          finding[0].endswith("(also: multipart)"),
          "text: one finding for the HTML alternative: %r" % finding)
    check(sum(1 for l in lines if l.startswith("multipart: ")) == 1,
          "the folded rule's advice is still printed")
    for l in finding:
        check(TEXT_RE.match(l).group(1) == TWO, "text line names the file")
    # each rule explained once, after the findings
    check(sum(1 for l in lines if l.startswith("html: ")) == 1,
          "html explained once")
    check(lines.index(finding[-1]) < min(
        i for i, l in enumerate(lines) if l.startswith("html: ")),
        "explanations come after the findings")


def mbox_of(paths):
    parts = []
    for p in paths:
        with open(p, "rb") as f:
            data = f.read()
        # mboxrd escaping of body lines that look like separators
        data = re.sub(rb"(?m)^(>*From )", rb">\1", data)
        parts.append(b"From fixture@example.org Tue May 14 10:21:07 2024\n"
                     + data + (b"" if data.endswith(b"\n") else b"\n") + b"\n")
    return b"".join(parts)


def test_mbox(tmp):
    path = os.path.join(tmp, "three.mbox")
    data = mbox_of([CLEAN, HTML, THREAD])
    with open(path, "wb") as f:
        f.write(data)
    rc, out, _ = lint(["--format", "json", path])
    objs = json_lines(out)
    rules = sorted(o["rule"] for o in objs)
    check(rc == 1 and rules == ["html", "missing-threading"],
          "mbox: one finding each from messages 2 and 3: %r" % rules)
    seps = [i + 1 for i, l in enumerate(data.split(b"\n"))
            if l.startswith(b"From fixture@")]
    for o in objs:
        check(o["file"] == path, "mbox findings name the mbox")
        want = seps[1] if o["rule"] == "html" else seps[2]
        check(o["line"] > want, "mbox line %d points into message after "
              "line %d" % (o["line"], want))
    # a ">From " body line of the message survives as text, not separator
    esc = os.path.join(tmp, "escaped.mbox")
    with open(esc, "wb") as f:
        f.write(mbox_of([os.path.join(FIX, "17-from-escaped-body-line.eml"),
                         CLEAN]))
    rc, out, _ = lint(["--format", "json", esc])
    check(rc == 0 and json_lines(out) == [], "escaped From line in mbox")


def test_maildir(tmp):
    md = os.path.join(tmp, "Maildir")
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(md, sub))
    shutil.copy(HTML, os.path.join(md, "cur", "1715674867.1.host:2,S"))
    shutil.copy(THREAD, os.path.join(md, "new", "1715674868.2.host"))
    shutil.copy(CLEAN, os.path.join(md, "new", "1715674869.3.host"))
    shutil.copy(HTML, os.path.join(md, "tmp", "ignored"))
    rc, out, _ = lint(["--format", "json", md + "/"])
    objs = json_lines(out)
    check(all("//" not in o["file"] for o in objs), "no // in Maildir paths")
    got = sorted((os.path.relpath(o["file"], md), o["rule"]) for o in objs)
    check(rc == 1 and got == [("cur/1715674867.1.host:2,S", "html"),
                              ("new/1715674868.2.host", "missing-threading")],
          "maildir cur+new: %r" % got)
    rc, _, _ = lint([tmp])
    check(rc == 2, "a directory that is not a Maildir is an error")


def test_stdin():
    with open(HTML, "rb") as f:
        data = f.read()
    rc, out, _ = lint(["--format", "json", "-"], stdin=data)
    objs = json_lines(out)
    check(rc == 1 and [o["rule"] for o in objs] == ["html"], "stdin -")
    rc, out, _ = lint(["--format", "json"], stdin=data)
    check(rc == 1 and len(json_lines(out)) == 1, "no argument reads stdin")
    # more than the old 64 MB in-memory cap: now spooled to a temporary
    # file and linted like a mapped file
    big = b"Subject: big\n\n" + (b"x" * 79 + b"\n") * (65 * 1024 * 1024 // 80)
    rc, out, _ = lint(["--format", "json", "-"], stdin=big)
    check(rc in (0, 1) and "message-too-large" in
          [o["rule"] for o in json_lines(out)], "65 MB on stdin is linted")


def test_form_letter():
    rc, out, err = lint(["--form-letter", TWO])
    text = out.decode()
    check(rc == 1, "letter: exit code still says error")
    check("To: Ada Lindqvist <ada@example.org>" in text, "letter To")
    check("Subject: Re: widget: FIFO stall" in text, "letter Subject")
    check("In-Reply-To: <al@fixtures.example.org>" in text, "In-Reply-To")
    check("References: <al@fixtures.example.org>" in text, "References")
    check("Hello Ada Lindqvist," in text, "greeting")
    check("sent with an HTML part" in text, "html paragraph")
    check("multipart message" in text, "multipart paragraph")
    check("quoted text" not in text.lower(), "no paragraph for clean rules")
    rc, out, err = lint(["--form-letter", CLEAN])
    check(rc == 0 and out == b"" and b"no findings" in err,
          "clean: no letter, said on stderr")


def test_overrides(tmp):
    rc, out, _ = lint(["--format", "json", "--rule", "html=off", HTML])
    check(rc == 0 and json_lines(out) == [], "--rule html=off")
    rc, out, _ = lint(["--format", "json", "--rule", "html=warning", HTML])
    objs = json_lines(out)
    check(rc == 0 and [o["severity"] for o in objs] == ["warning"],
          "--rule html=warning")
    conf = os.path.join(tmp, "config")
    with open(conf, "w") as f:
        f.write("lint_rule html off\n")
    rc, out, _ = lint(["--format", "json", HTML], config=conf)
    check(rc == 0 and json_lines(out) == [], "config lint_rule html off")
    rc, out, _ = lint(["-C", conf, "--rule", "html=error", HTML])
    check(rc == 1, "command line beats config")
    big = os.path.join(FIX, "67-patch-over-100k.eml")
    rc, out, _ = lint(["--format", "json", big])
    objs = [o for o in json_lines(out) if o["rule"] == "message-too-large"]
    check(rc == 0 and [o["severity"] for o in objs] == ["warning"],
          "message-too-large is a warning by default")
    with open(conf, "w") as f:
        f.write("lint_max_size 200k\n")
    rc, out, _ = lint(["--format", "json", big], config=conf)
    check("message-too-large" not in [o["rule"] for o in json_lines(out)],
          "lint_max_size 200k raises the limit")
    with open(conf, "w") as f:
        f.write("lint_max_size 150k\nlint_rule message-too-large error\n")
    rc, out, _ = lint(["--format", "json", big], config=conf)
    check(rc == 1, "a list known to refuse: lint_rule ... error")


def test_escapes(tmp):
    path = os.path.join(tmp, "evil.eml")
    with open(path, "wb") as f:
        f.write(b"From: \x1b]0;owned\x07Eve <eve@example.org>\n"
                b"To: linux-kernel@vger.kernel.org\n"
                b"Subject: \x1b[2J\x1b[31mred alert\n"
                b"Message-ID: <evil@example.org>\n"
                b"MIME-Version: 1.0\n"
                b"Content-Type: text/html; charset=utf-8\n\n"
                b"<p>\x1b[2J" + b"w\x1b[1m " * 40 + b"</p>\n")
    for args in ([path], ["--format", "json", path],
                 ["--form-letter", path]):
        rc, out, err = lint(args)
        check(rc == 1, "evil message has findings (%s)" % args[0])
        check(b"\x1b" not in out and b"\x07" not in out and
              b"\x1b" not in err, "no raw escapes with %s" % args[0])
    with open(os.path.join(tmp, "\x1b[2Jname.eml"), "wb") as f:
        f.write(open(HTML, "rb").read())
    rc, out, err = lint([os.path.join(tmp, "\x1b[2Jname.eml")])
    check(b"\x1b" not in out, "file name with escapes shown safely")


def test_colour():
    """Colour only on a terminal, and never with NO_COLOR set."""
    for no_color, want in (("", True), ("1", False)):
        master, slave = pty.openpty()
        env = dict(os.environ, NO_COLOR=no_color, OUTPOST_CONFIG=CONFIG)
        p = subprocess.Popen([OUTPOST, "lint", HTML], stdout=slave,
                             stderr=subprocess.DEVNULL, env=env)
        os.close(slave)
        out = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        os.close(master)
        p.wait(timeout=60)
        check((b"\x1b[" in out) == want and b"html" in out,
              "colour with NO_COLOR=%r" % no_color)
    rc, out, _ = lint([HTML])
    check(b"\x1b" not in out, "no colour into a pipe")


def main():
    global CONFIG
    if not os.access(OUTPOST, os.X_OK):
        print("skip: %s not built" % OUTPOST)
        return 77
    tmp = tempfile.mkdtemp(prefix="outpost-lintcli-")
    try:
        CONFIG = os.path.join(tmp, "empty.conf")
        open(CONFIG, "w").close()
        test_exit_codes()
        test_json_shape()
        test_text_format()
        test_mbox(tmp)
        test_maildir(tmp)
        test_stdin()
        test_form_letter()
        test_overrides(tmp)
        test_escapes(tmp)
        test_colour()
    finally:
        shutil.rmtree(tmp)
    print("%d failure(s)" % len(failures))
    return 1 if failures else 0


CONFIG = None
if __name__ == "__main__":
    sys.exit(main())
