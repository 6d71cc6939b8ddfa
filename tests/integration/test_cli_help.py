#!/usr/bin/python3
"""--help and --version from the command table: every command that
`outpost help --commands` lists answers `outpost CMD --help` with exit 0
and its own usage naming each of its options (also through
outpost-deliver for the delivery commands and through the sendmail/mailq
links); --version prints the version of project() in CMakeLists.txt; an
unknown command or option is a usage error (64), never a crash."""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import util  # noqa: E402

BUILD = util.build_dir()
OUTPOST = os.path.join(BUILD, "outpost")
DELIVER = os.path.join(BUILD, "outpost-deliver")
DELIVER_CMDS = ("flush", "relayd", "doctor", "conf test")


def run(argv, env=None):
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          stdin=subprocess.DEVNULL, timeout=30, env=env)


def commands():
    p = run([OUTPOST, "help", "--commands"])
    assert p.returncode == 0, p.stderr
    names = p.stdout.decode().split("\n")[:-1]
    assert {"sendmail", "mailq", "lint", "flush", "doctor"} <= set(names), \
        names
    return names


def options(cmd):
    p = run([OUTPOST, "help", "--options"] + cmd.split())
    assert p.returncode == 0, p.stderr
    opts = p.stdout.decode().split()
    assert "--help" in opts, opts
    return opts


def check_help(argv, cmd, opts):
    p = run(argv)
    out = p.stdout.decode()
    assert p.returncode == 0, (argv, p.returncode, p.stderr)
    assert out.startswith("usage: outpost %s" % cmd), (argv, out[:80])
    for o in opts:
        assert re.search(r"(^|[\s\[])%s([\s\]]|$)" % re.escape(o), out), \
            (argv, o)


def test_every_command_help():
    for cmd in commands():
        opts = options(cmd)
        check_help([OUTPOST] + cmd.split() + ["--help"], cmd, opts)
        check_help([OUTPOST, "help"] + cmd.split(), cmd, opts)


def test_deliver_help():
    """outpost-deliver answers for its own commands, and `outpost flush
    --help` is flush's usage even where no deliverer is installed."""
    for cmd in DELIVER_CMDS:
        check_help([DELIVER] + cmd.split() + ["--help"], cmd, options(cmd))
    p = run([DELIVER, "--help"])
    assert p.returncode == 0 and b"flush" in p.stdout, p
    assert b"sendmail" not in p.stdout, "deliver lists only its commands"


def test_link_help():
    for link in ("sendmail", "mailq"):
        check_help([os.path.join(BUILD, link), "--help"], link,
                   options(link))


def project_version():
    path = os.path.join(util.source_dir(), "CMakeLists.txt")
    with open(path) as f:
        m = re.search(r"project\(\s*outpost\s+VERSION\s+([0-9.]+)", f.read())
    assert m, "no project() version in " + path
    return m.group(1)


def test_version():
    want = project_version()
    for prog, name in ((OUTPOST, "outpost"), (DELIVER, "outpost-deliver")):
        p = run([prog, "--version"])
        assert p.returncode == 0, p
        assert p.stdout.decode() == "%s %s\n" % (name, want), p.stdout


def test_usage_errors():
    for argv in ([OUTPOST, "frobnicate"], [OUTPOST, "run-once"],
                 [OUTPOST, "conf", "frob"], [OUTPOST, "help", "frob"],
                 [DELIVER, "lint"], [DELIVER, "flush", "--frob"],
                 [OUTPOST, "mailq", "--frob"]):
        p = run(argv)
        assert p.returncode == 64, (argv, p.returncode, p.stderr)
        assert p.stderr.startswith(b"outpost"), (argv, p.stderr[:80])
    # Every listed command has a handler: a bad option is the command's
    # own usage error (lint uses 2), never "no handler" (70).
    for cmd in commands():
        p = run([OUTPOST] + cmd.split() + ["--no-such-option"])
        assert p.returncode in (2, 64), (cmd, p.returncode, p.stderr)


def test_help_to_stdout_usage_to_stderr():
    p = run([OUTPOST, "--help"])
    assert p.returncode == 0 and p.stdout.startswith(b"usage: outpost "), p
    assert p.stderr == b"", p.stderr
    p = run([OUTPOST])
    assert p.returncode == 64 and p.stdout == b"", p
    assert b"usage: outpost " in p.stderr, p.stderr


if __name__ == "__main__":
    util.require_outpost()
    util.run_tests([test_every_command_help, test_deliver_help,
                    test_link_help, test_version, test_usage_errors,
                    test_help_to_stdout_usage_to_stderr])
