#!/usr/bin/python3
"""`outpost` (sendmail, mailq, lint) must never load OpenSSL or Cyrus SASL:
every git send-email patch starts it once, and those libraries cost
milliseconds per start.  Reads the NEEDED entries of the dynamic section
(readelf, else ldd) and also walks the full ldd closure, so a library that
drags libssl in indirectly is caught too.  outpost-deliver is checked for
the opposite, so the test cannot pass by reading the wrong file.  The
default build links `outpost` statically: then it has no NEEDED entry and
its symbol table must hold no OpenSSL or SASL function instead.
"""

import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "lib"))
import util                     # noqa: E402

FORBIDDEN = re.compile(r"\b(libssl|libcrypto|libsasl2)\.so")


def binary(name):
    path = os.path.join(util.build_dir(), name)
    if not os.access(path, os.X_OK):
        util.skip("%s not built at %s" % (name, path))
    return path


def needed(path):
    """The DT_NEEDED names of an ELF file."""
    if shutil.which("readelf") is None:
        util.skip("readelf (binutils) is not installed")
    out = subprocess.run(["readelf", "-d", "-W", path], check=True,
                         capture_output=True, text=True).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


def closure(path):
    """Every shared object the loader maps for path (ldd); none for a
    static program."""
    if shutil.which("ldd") is None:
        util.skip("ldd is not installed")
    out = subprocess.run(["ldd", path], capture_output=True, text=True)
    if "not a dynamic executable" in out.stdout + out.stderr or \
            "statically linked" in out.stdout + out.stderr:
        return []
    out.check_returncode()
    return [line.split()[0] for line in out.stdout.splitlines()
            if line.strip()]


def test_outpost_linked_as_configured():
    path = binary("outpost")
    if shutil.which("readelf") is None:
        util.skip("readelf (binutils) is not installed")
    assert util.elf_has_interp(path) != util.static_frontend_wanted(), \
        "outpost is %s, the build asked for %s" % (
            "dynamic" if util.elf_has_interp(path) else "static",
            "static" if util.static_frontend_wanted() else "dynamic")


def test_outpost_needs_no_tls_or_sasl():
    path = binary("outpost")
    names = needed(path)
    if not names and not util.elf_has_interp(path):
        # Static: look for the libraries' own functions instead.
        syms = subprocess.run(["nm", "--defined-only", path],
                              capture_output=True, text=True).stdout
        assert syms, "nm found no symbols in %s" % path
        bad = re.findall(r"\b(SSL_\w+|sasl_\w+|EVP_\w+)\b", syms)
        assert not bad, "the static outpost contains %s" % bad[:5]
        assert re.search(r"\bmailimf_\w+", syms), \
            "no libetpan symbol either: is the symbol table there?"
        return
    assert names, "readelf found no NEEDED entry in %s" % path
    bad = [n for n in names if FORBIDDEN.search(n)]
    assert not bad, "outpost links %s directly" % bad


def test_outpost_loads_no_tls_or_sasl():
    path = binary("outpost")
    bad = [n for n in closure(path) if FORBIDDEN.search(n)]
    assert not bad, "loading outpost maps %s" % bad


def test_deliver_does_link_them():
    # The other executable must have them: proves the pattern matches.
    names = needed(binary("outpost-deliver"))
    for lib in ("libssl", "libsasl2"):
        assert any(n.startswith(lib + ".so") for n in names), \
            "outpost-deliver does not need %s: %s" % (lib, names)


if __name__ == "__main__":
    util.run_tests([test_outpost_linked_as_configured,
                    test_outpost_needs_no_tls_or_sasl,
                    test_outpost_loads_no_tls_or_sasl,
                    test_deliver_does_link_them])
