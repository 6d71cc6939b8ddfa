#!/usr/bin/python3
"""docs/CONTRACTS.md and docs/LINT-RULES.md keep up with the code: every
command and option the command table knows (`outpost help --commands`,
`--options`), every config key of conf/conf_keys.c, every rule id of
lint/rules_table.c, and every key `mailq --json` and `lint --format json`
actually print must be named there.  A new one without documentation
fails here, naming what is missing.
"""

import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "lib"))
import util                     # noqa: E402


def read(rel):
    with open(os.path.join(util.source_dir(), rel), encoding="utf-8") as f:
        return f.read()


def table_ids(rel, pattern):
    """Names from a C table, e.g. `{ "smarthost", set_smarthost, 0 }`."""
    ids = re.findall(pattern, read(rel), re.M)
    assert len(ids) >= 10, "%s: table not understood (%d ids)" % (rel,
                                                                   len(ids))
    return ids


def backticked(doc):
    """Every `...` span of a Markdown text, and each of its words."""
    spans = set()
    for s in re.findall(r"`([^`\n]+)`", doc):
        spans.add(s)
        spans.update(re.split(r"[\s\[\]|.]+", s))
    return spans


def outpost(*args, env=None):
    p = subprocess.run([util.outpost_bin()] + list(args), env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=60)
    assert p.returncode == 0, "outpost %s: %s" % (" ".join(args), p.stderr)
    return p.stdout.decode()


def missing(names, doc):
    have = backticked(doc)
    return sorted(n for n in names if n not in have)


def test_commands_and_options():
    util.require_outpost()
    doc = read("docs/CONTRACTS.md")
    cmds = [c for c in outpost("help", "--commands").splitlines() if c]
    assert "sendmail" in cmds and "lint" in cmds, cmds
    gone = [c for c in cmds if "`outpost %s" % c not in doc]
    assert not gone, "commands not in docs/CONTRACTS.md: %s" % gone
    opts = set()
    for c in cmds:
        opts.update(o for o in outpost("help", "--options", *c.split())
                    .split() if o.startswith("-"))
    gone = missing(opts, doc)
    assert not gone, "options not in docs/CONTRACTS.md: %s" % gone


def test_config_keys():
    keys = table_ids("conf/conf_keys.c", r'^\s*\{\s*"([a-z_]+)",\s*set_')
    gone = [k for k in keys if "| `%s` |" % k not in
            read("docs/CONTRACTS.md")]
    assert not gone, "config keys not in docs/CONTRACTS.md: %s" % gone


def test_rule_ids():
    ids = table_ids("lint/rules_table.c", r'^\{\s*"([a-z0-9-]+)",\s*LINT_')
    contracts, rules = read("docs/CONTRACTS.md"), read("docs/LINT-RULES.md")
    gone = [i for i in ids if "| `%s` |" % i not in contracts]
    assert not gone, "rule ids not in docs/CONTRACTS.md: %s" % gone
    gone = [i for i in ids if not re.search(r"^### %s \(" % re.escape(i),
                                            rules, re.M)]
    assert not gone, "rule ids without a section in LINT-RULES.md: %s" % gone


def json_keys(obj, prefix=""):
    keys = set()
    for k, v in obj.items():
        keys.add(k)
        if isinstance(v, dict):
            keys |= json_keys(v)
        elif isinstance(v, list):
            for e in v:
                if isinstance(e, dict):
                    keys |= json_keys(e)
    return keys


def test_json_keys():
    util.require_outpost()
    op = util.Outpost(util.temp_dir("outpost-contracts-"),
                      smarthost="127.0.0.1:1")
    env = dict(op.env(), OUTPOST_NO_RUNNER="1")
    msg = util.make_message("contracts", "hello\n")
    p = subprocess.run([util.outpost_bin(), "sendmail", "bob@example.net"],
                       input=msg, env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    assert p.returncode == 0, p.stderr
    keys = set()
    for line in outpost("mailq", "--json", env=env).splitlines():
        keys |= json_keys(json.loads(line))
    assert {"id", "recipients", "address"} <= keys, keys
    draft = os.path.join(op.dir, "draft.eml")
    with open(draft, "wb") as f:
        f.write(b"From: a@example.org\nTo: b@example.org\n"
                b"Subject: Re: x\n\n" + b"word " * 30 + b"\n")
    p = subprocess.run([util.outpost_bin(), "lint", "--format", "json",
                        draft], env=env, stdout=subprocess.PIPE,
                       timeout=60)
    found = [json.loads(ln) for ln in p.stdout.decode().splitlines() if ln]
    assert found, "the draft gave no finding to read keys from"
    for f in found:
        keys |= json_keys(f)
    gone = missing(keys, read("docs/CONTRACTS.md"))
    assert not gone, "JSON keys not in docs/CONTRACTS.md: %s" % gone


def expect_file(path):
    """(required, allowed) findings of a .expect file, as sets of
    "rule severity" strings."""
    req, opt = set(), set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#") or line == "none":
                continue
            if line.startswith("?"):
                opt.add(line[1:].strip())
            else:
                req.add(line)
    return req, opt


def test_edge_case_table():
    """The table of docs/LINT-RULES.md mirrors tests/lint-fixtures."""
    rows = {}
    for name, verdict in re.findall(r"^\| `(\d\d-[a-z0-9-]+)`[^|]*\| (.*) \|$",
                                    read("docs/LINT-RULES.md"), re.M):
        must, _, may = verdict.partition(";")
        rows[name] = (set(re.findall(r"`([a-z0-9-]+ [a-z]+)`", must)),
                      set(re.findall(r"`([a-z0-9-]+ [a-z]+)`", may)))
    fixtures = os.path.join(util.source_dir(), "tests", "lint-fixtures")
    names = sorted(f[:-7] for f in os.listdir(fixtures)
                   if f.endswith(".expect"))
    assert len(names) >= 70, names
    wrong = []
    for n in names:
        want = expect_file(os.path.join(fixtures, n + ".expect"))
        if rows.get(n) != want:
            wrong.append("%s: table %s, .expect %s" % (n, rows.get(n), want))
    extra = sorted(set(rows) - set(names))
    assert not wrong and not extra, "LINT-RULES.md edge cases out of " \
        "date:\n  " + "\n  ".join(wrong + ["no fixture: " + e for e in extra])


if __name__ == "__main__":
    util.run_tests([test_commands_and_options, test_config_keys,
                    test_rule_ids, test_json_keys, test_edge_case_table])
