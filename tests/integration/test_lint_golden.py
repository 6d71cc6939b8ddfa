#!/usr/bin/python3
"""Golden fixtures for `outpost lint`: one small message per edge case
listed in docs/LINT-RULES.md ("Edge cases"), tests/lint-fixtures/NN-name.eml,
each with the expected findings as `rule severity` lines in NN-name.expect.

.expect syntax: `rule severity` (required), `? rule severity` (allowed but
not required: the case is borderline), `none` (no required finding),
`# comment`.  Findings of severity `info` are ignored: they are hints,
never verdicts.  NN-name.parent, when present, is passed as --parent.

Usage: test_lint_golden.py [-v] [NAME-SUBSTRING...]
"""
import json
import os
import subprocess
import sys
import tempfile

BUILD = os.environ.get("OUTPOST_BUILD", "build")
SOURCE = os.environ.get("OUTPOST_SOURCE",
                        os.path.dirname(os.path.dirname(os.path.dirname(
                            os.path.abspath(__file__)))))
FIXTURES = os.path.join(SOURCE, "tests", "lint-fixtures")
OUTPOST = os.path.join(BUILD, "outpost")


def read_expect(path):
    required, optional = set(), set()
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.strip()
            if not line or line.startswith("#") or line == "none":
                continue
            target = required
            if line.startswith("?"):
                target, line = optional, line[1:].strip()
            rule, sev = line.split()
            target.add((rule, sev))
    return required, optional


def empty_config():
    fd, path = tempfile.mkstemp(prefix="outpost-golden-", suffix=".conf")
    os.close(fd)
    return path


CONFIG = None


def run_lint(eml):
    cmd = [OUTPOST, "lint", "--format", "json"]
    parent = eml[:-4] + ".parent"
    if os.path.exists(parent):
        cmd += ["--parent", parent]
    # An empty config keeps the user's own config out of the verdicts.
    env = dict(os.environ, OUTPOST_CONFIG=CONFIG, NO_COLOR="1")
    p = subprocess.run(cmd + [eml], capture_output=True, env=env,
                       timeout=60)
    got, bad = set(), []
    for line in p.stdout.decode("utf-8", "replace").splitlines():
        try:
            o = json.loads(line)
            if o["severity"] != "info":
                got.add((o["rule"], o["severity"]))
        except (ValueError, KeyError, TypeError):
            bad.append(line)
    return p.returncode, got, bad, p.stderr.decode("utf-8", "replace")


def check(name, verbose):
    eml = os.path.join(FIXTURES, name + ".eml")
    required, optional = read_expect(os.path.join(FIXTURES,
                                                  name + ".expect"))
    rc, got, bad, err = run_lint(eml)
    problems = []
    if bad:
        problems.append("unparsable output lines: %r" % bad[:3])
    missing = required - got
    extra = got - required - optional
    for r, s in sorted(missing):
        problems.append("  - missing  %s %s" % (r, s))
    for r, s in sorted(extra):
        problems.append("  + extra    %s %s" % (r, s))
    errors = any(s == "error" for _, s in got)
    if rc not in (0, 1) or rc != (1 if errors else 0):
        problems.append("  exit %d with%s error findings; stderr: %s" %
                        (rc, "" if errors else "out", err.strip()[:200]))
    if problems:
        print("FAIL %s" % name)
        for p in problems:
            print(p)
        return False
    if verbose:
        print("ok   %s" % name)
    return True


def main():
    args = sys.argv[1:]
    verbose = "-v" in args
    pats = [a for a in args if a != "-v"]
    if not os.access(OUTPOST, os.X_OK):
        print("skip: %s not built" % OUTPOST)
        return 77
    names = sorted(f[:-4] for f in os.listdir(FIXTURES) if f.endswith(".eml"))
    if pats:
        names = [n for n in names if any(p in n for p in pats)]
    if not names:
        print("no fixtures found in %s" % FIXTURES)
        return 1
    global CONFIG
    CONFIG = empty_config()
    try:
        failed = [n for n in names if not check(n, verbose)]
    finally:
        os.unlink(CONFIG)
    print("%d/%d fixtures as expected" % (len(names) - len(failed),
                                          len(names)))
    if failed:
        print("mismatching: " + " ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
