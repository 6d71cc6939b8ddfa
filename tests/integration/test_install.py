#!/usr/bin/python3
"""`cmake --install` into a DESTDIR: the installed file list is exactly the
expected one (links as links), the installed outpost finds its deliverer in
libexec/outpost/ (also through the sendmail link and a symlink elsewhere),
the systemd unit names the installed outpost, the man pages are gzip'ed
mdoc, and the changelog's version is project()'s."""
import gzip
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import util  # noqa: E402

PREFIX = "/opt/outpost-it"
EXPECTED = {
    "bin/outpost": "file",
    "libexec/outpost/outpost-deliver": "file",
    "libexec/outpost/bin/sendmail": "link",
    "libexec/outpost/bin/mailq": "link",
    "share/man/man1/outpost.1.gz": "file",
    "share/man/man1/outpost-lint.1.gz": "file",
    "share/man/man5/outpost.conf.5.gz": "file",
    "lib/systemd/user/outpost-relayd.service": "file",
    "share/bash-completion/completions/outpost": "file",
    "share/doc/outpost/README.md": "file",
    "share/doc/outpost/CONFIG.md": "file",
    "share/doc/outpost/DELIVERY.md": "file",
    "share/doc/outpost/LINT.md": "file",
    "share/doc/outpost/SMTP.md": "file",
    "share/doc/outpost/outpost.conf.example": "file",
    "share/doc/outpost/copyright": "file",
    "share/doc/outpost/changelog.gz": "file",
}
# Documents others may add to the install later: allowed, not required.
OPTIONAL = re.compile(r"^share/doc/outpost/[A-Za-z0-9_.-]+\.md$")


def install(destdir, prefix):
    env = dict(os.environ, DESTDIR=destdir)
    p = subprocess.run(["cmake", "--install", util.build_dir(),
                        "--prefix", prefix], env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=120)
    assert p.returncode == 0, p.stdout.decode()
    return destdir + prefix


def tree(root):
    found = {}
    for d, dirs, files in os.walk(root):
        for n in files + [x for x in dirs if os.path.islink(
                os.path.join(d, x))]:
            path = os.path.join(d, n)
            rel = os.path.relpath(path, root)
            found[rel] = "link" if os.path.islink(path) else "file"
    return found


def run(argv, env=None):
    return subprocess.run(argv, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env=env, timeout=60)


def setup():
    global ROOT, DEST
    if shutil.which("cmake") is None:
        util.skip("cmake is not on PATH")
    DEST = util.temp_dir("outpost-install-")
    ROOT = install(DEST, PREFIX)


def test_file_list():
    found = tree(ROOT)
    expected = dict(EXPECTED)
    if util.static_frontend_wanted():
        # lintian reads a static-pie program as a shared library.
        expected["share/lintian/overrides/outpost"] = "file"
    missing = sorted(set(expected) - set(found))
    extra = sorted(f for f in set(found) - set(expected)
                   if not OPTIONAL.match(f))
    assert not missing and not extra, (missing, extra)
    for f, kind in expected.items():
        assert found[f] == kind, (f, found[f])
    for f in ("bin/outpost", "libexec/outpost/outpost-deliver"):
        assert os.access(os.path.join(ROOT, f), os.X_OK), f
    target = os.readlink(os.path.join(ROOT, "libexec/outpost/bin/sendmail"))
    assert not target.startswith("/"), "links are relative: " + target
    assert os.path.realpath(os.path.join(ROOT, "libexec/outpost/bin",
                                         target)) == \
        os.path.realpath(os.path.join(ROOT, "bin/outpost")), target


def dead_config(d):
    """A config whose smarthost refuses at once (a closed loopback port)."""
    cfg = os.path.join(d, "config")
    with open(cfg, "w") as f:
        f.write("smarthost 127.0.0.1:%d\ntls off\nspool %s/spool\n"
                "from me@example.org\nconnect_timeout 5s\n"
                % (util.free_port(), d))
    return cfg


def test_finds_deliverer():
    """flush from the installed tree runs outpost-deliver (no 69, no
    "cannot find"), by its path, through the sendmail link (-q) and
    through a symlink put somewhere on PATH."""
    d = util.temp_dir()
    cfg = dead_config(d)
    link = os.path.join(d, "outpost")
    os.symlink(os.path.join(ROOT, "bin/outpost"), link)
    for argv in ([os.path.join(ROOT, "bin/outpost"), "flush", "-C", cfg],
                 [os.path.join(ROOT, "libexec/outpost/bin/sendmail"), "-q",
                  "-C", cfg],
                 [link, "flush", "-C", cfg]):
        p = run(argv)
        assert p.returncode == 0, (argv, p.returncode, p.stderr)
        assert b"cannot find" not in p.stderr, p.stderr
    # doctor runs in outpost-deliver too: it reaches the dead port.
    p = run([os.path.join(ROOT, "bin/outpost"), "doctor", "-C", cfg])
    assert p.returncode not in (0, 69), (p.returncode, p.stderr)
    assert b"cannot find" not in p.stderr + p.stdout, p.stderr


def test_missing_deliverer_is_explained():
    d = util.temp_dir()
    lone = os.path.join(d, "outpost")
    shutil.copy(os.path.join(ROOT, "bin/outpost"), lone)
    p = run([lone, "flush", "-C", dead_config(d)])
    assert p.returncode == 69, (p.returncode, p.stderr)
    assert b"cannot find outpost-deliver" in p.stderr, p.stderr


def test_unit_names_installed_outpost():
    with open(os.path.join(ROOT, "lib/systemd/user/"
                           "outpost-relayd.service")) as f:
        unit = f.read()
    assert "ExecStart=%s/bin/outpost relayd\n" % PREFIX in unit, unit
    assert "@" not in unit.replace("%h", ""), "unsubstituted @VAR@"
    # Another prefix at install time gives another path.
    other = install(util.temp_dir("outpost-install-"), "/usr")
    with open(os.path.join(other, "lib/systemd/user/"
                           "outpost-relayd.service")) as f:
        assert "ExecStart=/usr/bin/outpost relayd\n" in f.read()


def test_pages_and_changelog():
    for page in ("man1/outpost.1", "man1/outpost-lint.1",
                 "man5/outpost.conf.5"):
        with gzip.open(os.path.join(ROOT, "share/man", page + ".gz")) as f:
            text = f.read().decode()
        assert text.count("\n.Sh NAME\n") == 1, page
    with open(os.path.join(util.source_dir(), "CMakeLists.txt")) as f:
        version = re.search(r"project\(\s*outpost\s+VERSION\s+([0-9.]+)",
                            f.read()).group(1)
    with gzip.open(os.path.join(ROOT, "share/doc/outpost/changelog.gz")) as f:
        first = f.readline().decode()
    assert first.startswith("outpost (%s)" % version), (first, version)
    p = run([os.path.join(ROOT, "bin/outpost"), "--version"])
    assert p.stdout.decode() == "outpost %s\n" % version, p.stdout


if __name__ == "__main__":
    util.require_outpost()
    util.run_tests([test_file_list, test_finds_deliverer,
                    test_missing_deliverer_is_explained,
                    test_unit_names_installed_outpost,
                    test_pages_and_changelog], setup=setup)
