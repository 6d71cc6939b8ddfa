#!/bin/bash
# Install what building and testing Outpost needs on Debian 12 (run as root):
# also what builds and checks the .deb (dpkg-dev, file for CPack's shlibdeps,
# lintian, man-db for man -w, mandoc for mandoc -Tlint, systemd for
# systemd-analyze verify, bash-completion).
# Also makes sure the packaged Postfix is not running: the tests start their
# own private instances on free loopback ports and never use the system one.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: run as root (apt-get install)" >&2
	exit 1
fi

# Postfix must install without asking and without a configuration of its own.
echo "postfix postfix/main_mailer_type select No configuration" |
	debconf-set-selections
echo "postfix postfix/mailname string outpost-ci.invalid" |
	debconf-set-selections

PKGS="build-essential cmake pkg-config libssl-dev libsasl2-dev libetpan-dev
check postfix sasl2-bin libsasl2-modules libsasl2-modules-db python3
python3-aiosmtpd git git-email b4 mutt msmtp openssl clang libclang-rt-14-dev
procps strace time iproute2 util-linux
dpkg-dev file mandoc lintian man-db bash-completion systemd"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
if [ -n "$missing" ]; then
	echo "deps.sh: installing:$missing"
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq $missing
else
	echo "deps.sh: all packages present"
fi

# The package may have started the system Postfix (if a config existed);
# stop it and keep it from coming back, so nothing listens on port 25 and
# nothing competes with the tests' private instances.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
	systemctl stop postfix.service >/dev/null 2>&1 || true
	systemctl disable postfix.service >/dev/null 2>&1 || true
fi
if [ -f /etc/postfix/main.cf ] && postfix status >/dev/null 2>&1; then
	postfix stop >/dev/null 2>&1 || true
fi
echo "deps.sh: done"
