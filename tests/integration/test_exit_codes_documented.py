"""Every exit code a main can return is documented (issue 10, point 13):
the codes op_exitcode() maps to, and the EX_* the mains in cmd/ return
directly, each appear in README.md's exit-code table and in the exit-code
section of docs/DELIVERY.md."""

import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "lib"))
import util                     # noqa: E402

SYSEXITS = {"EX_OK": 0, "EX_USAGE": 64, "EX_DATAERR": 65, "EX_NOINPUT": 66,
            "EX_NOUSER": 67, "EX_NOHOST": 68, "EX_UNAVAILABLE": 69,
            "EX_SOFTWARE": 70, "EX_OSERR": 71, "EX_OSFILE": 72,
            "EX_CANTCREAT": 73, "EX_IOERR": 74, "EX_TEMPFAIL": 75,
            "EX_PROTOCOL": 76, "EX_NOPERM": 77, "EX_CONFIG": 78}


def read(rel):
    with open(os.path.join(util.source_dir(), rel)) as f:
        return f.read()


def codes_in_code():
    status = read("util/status.c")
    body = status[status.index("int op_exitcode"):]
    body = body[:body.index("\n}\n")]
    names = set(re.findall(r"return (EX_[A-Z]+);", body))
    cmd = os.path.join(util.source_dir(), "cmd")
    for name in os.listdir(cmd):
        if name.endswith(".c"):
            names |= set(re.findall(r"\b(EX_[A-Z]+)\b", read("cmd/" + name)))
    unknown = names - set(SYSEXITS)
    assert not unknown, unknown
    return {SYSEXITS[n] for n in names} - {0}


def test_readme_table():
    readme = read("README.md")
    table = readme[readme.index("## Exit codes"):]
    table = table[:table.index("\n## ", 3)]
    rows = {int(m) for m in re.findall(r"^\| (\d+) \|", table, re.M)}
    missing = codes_in_code() - rows
    assert not missing, "README.md exit codes lack %s" % sorted(missing)


def test_delivery_section():
    doc = read("docs/DELIVERY.md")
    sec = doc[doc.index("## Exit codes of outpost-deliver"):]
    found = {int(m) for m in re.findall(r"\b(\d\d)\b", sec)}
    missing = codes_in_code() - found
    assert not missing, "docs/DELIVERY.md exit codes lack %s" % (
        sorted(missing))


if __name__ == "__main__":
    util.run_tests([test_readme_table, test_delivery_section])
