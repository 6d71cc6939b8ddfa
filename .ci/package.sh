#!/bin/bash
# The Debian package, end to end (as root, after .ci/deps.sh): build it
# from a Release + dpkg-buildflags + -Werror tree with CPack, check it with
# lintian (errors fail; the accepted warnings are in .ci/lintian-accepted
# with reasons), install it with dpkg -i, run what was installed (--version,
# man -w, systemd-analyze --user verify on the unit, one submit + flush
# against the private Postfix using only installed paths), then purge it
# and check that nothing is left.   usage: .ci/package.sh [BUILD_DIR]
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$src/build-pkg}
jobs=${CI_JOBS:-2}
fail=0

say() { echo "package: $*"; }
bad() { echo "package: FAIL: $*" >&2; fail=1; }

if dpkg-query -W -f='${Status}' outpost 2>/dev/null | grep -q "installed"; then
	say "removing an outpost package left from an earlier run"
	dpkg --purge outpost
fi

# Debian's own flags (hardening on) plus Release, warnings as errors.
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
CFLAGS="$(dpkg-buildflags --get CFLAGS) $(dpkg-buildflags --get CPPFLAGS)"
LDFLAGS="$(dpkg-buildflags --get LDFLAGS)"
export CFLAGS LDFLAGS
cmake -S "$src" -B "$dir" -DCMAKE_BUILD_TYPE=Release -DOUTPOST_WERROR=ON \
    -DCMAKE_INSTALL_PREFIX=/usr -DOUTPOST_TESTS=OFF >/dev/null
cmake --build "$dir" -j"$jobs"
rm -f "$dir"/outpost_*.deb
(cd "$dir" && cpack -G DEB >/dev/null)
deb=$(ls "$dir"/outpost_*.deb)
say "built $deb"
dpkg-deb --info "$deb" | sed -n '/Package:/,$p'
dpkg-deb --contents "$deb"
if dpkg-deb --field "$deb" Provides | grep -q mail-transport-agent; then
	bad "the package must not provide mail-transport-agent"
fi
if dpkg-deb --contents "$deb" | grep -qE '\./usr/sbin/|/usr/bin/(sendmail|mailq)$'; then
	bad "the package must not install a system sendmail or mailq"
fi

# lintian: errors fail; warnings not accepted in .ci/lintian-accepted fail.
accepted=$(awk '!/^#/ && NF {print $1}' "$src/.ci/lintian-accepted" |
    paste -sd, -)
if lintian --allow-root --fail-on error,warning \
    --suppress-tags "$accepted" --display-level ">=warning" "$deb"; then
	say "lintian: no errors, no warnings beyond the accepted ones"
else
	bad "lintian"
fi

dpkg -i "$deb"
out=$(outpost --version)
want=$(sed -n 's/^project(outpost VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
[ "$out" = "outpost $want" ] || bad "outpost --version said '$out'"
/usr/libexec/outpost/outpost-deliver --version >/dev/null ||
    bad "outpost-deliver --version"
man -w outpost >/dev/null && man -w 5 outpost.conf >/dev/null &&
    man -w outpost-lint >/dev/null || bad "man -w finds the pages"

unit=/usr/lib/systemd/user/outpost-relayd.service
grep -q '^ExecStart=/usr/bin/outpost relayd$' "$unit" ||
    bad "the unit's ExecStart is not /usr/bin/outpost"
# systemd-analyze needs a systemd to ask about the user manager; a
# container without one cannot verify units at all.  Say so, never pass.
if ! command -v systemd-analyze >/dev/null; then
	say "SKIPPED systemd-analyze --user verify: systemd-analyze not installed"
elif va=$(XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp} \
    systemd-analyze --user verify "$unit" 2>&1); then
	[ -z "$va" ] || { echo "$va"; bad "systemd-analyze printed warnings"; }
	[ -z "$va" ] && say "systemd-analyze --user verify: clean"
else
	echo "$va"
	bad "systemd-analyze --user verify"
fi

python3 "$src/tests/integration/installed_smoke.py" /usr ||
    bad "submit + flush with the installed outpost"

dpkg --purge outpost
left=""
for f in $(dpkg-deb --contents "$deb" | awk '$1 !~ /^d/ {print substr($6, 2)}'); do
	if [ -e "$f" ] || [ -L "$f" ]; then left="$left $f"; fi
done
[ -z "$left" ] || bad "files left after dpkg --purge:$left"
[ "$fail" -eq 0 ] && say "all package checks passed"
exit "$fail"
