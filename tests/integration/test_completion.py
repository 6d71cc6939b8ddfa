#!/usr/bin/python3
"""bash completion (dist/outpost.bash) completes what the command table
holds: command names, each command's options, the words after `conf` and
`help`, and --format values.  Runs the real completion function in bash
with bash-completion loaded; skipped when bash-completion is missing."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import util  # noqa: E402

BASH_COMPLETION = "/usr/share/bash-completion/bash_completion"
SCRIPT = os.path.join(util.source_dir(), "dist", "outpost.bash")


def complete(*words):
    """COMPREPLY for the command line `outpost WORDS...` (cursor at the
    end of the last word)."""
    line = " ".join(("outpost",) + words)
    prog = """
source %s
source %s
COMP_WORDS=(outpost %s)
COMP_CWORD=%d
COMP_LINE=%s
COMP_POINT=${#COMP_LINE}
_outpost outpost "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%%s\\n' "${COMPREPLY[@]}"
""" % (BASH_COMPLETION, SCRIPT,
       " ".join("'%s'" % w for w in words) if words else "''",
       max(len(words), 1), "'%s'" % line)
    env = dict(os.environ, PATH=util.build_dir() + ":" + os.environ["PATH"])
    p = subprocess.run(["bash", "-c", prog], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, env=env, timeout=30)
    assert p.returncode == 0, p.stderr.decode()
    return set(x for x in p.stdout.decode().split("\n") if x)


def test_commands():
    got = complete("")
    for c in ("sendmail", "mailq", "lint", "flush", "doctor", "help",
              "--help", "--version"):
        assert c in got, (c, got)
    assert "run-once" not in got, "hidden commands stay hidden"
    assert complete("fl") == {"flush"}, complete("fl")


def test_options_from_the_table():
    for cmd in ("flush", "lint", "mailq", "sendmail"):
        p = subprocess.run([util.outpost_bin(), "help", "--options", cmd],
                           stdout=subprocess.PIPE, check=True)
        want = set(p.stdout.decode().split())
        got = complete(cmd, "-")
        assert want <= got, (cmd, want - got)
    assert complete("mailq", "--j") == {"--json"}


def test_two_word_and_values():
    assert complete("conf", "") == {"test"}
    assert "--options" in complete("help", "")
    assert complete("lint", "--format", "") == {"text", "json"}
    assert "-v" in complete("conf", "test", "-")


def test_account_names_from_the_config():
    d = util.temp_dir()
    conf = os.path.join(d, "config")
    with open(conf, "w") as f:
        f.write("spool /nonexistent\naccount work\nsmarthost a.example\n"
                "  account home.2\nsmarthost b.example\n# account no\n")
    assert complete("requeue", "-C", conf, "--account", "") == \
        {"work", "home.2"}
    assert complete("doctor", "-C", conf, "--account", "h") == {"home.2"}
    assert "--account" in complete("doctor", "-")


if __name__ == "__main__":
    util.require_outpost()
    if not os.path.exists(BASH_COMPLETION):
        util.skip("bash-completion is not installed")
    util.run_tests([test_commands, test_options_from_the_table,
                    test_two_word_and_values,
                    test_account_names_from_the_config])
