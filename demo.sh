#!/bin/bash
# Outpost in five minutes, on a fresh Debian 12, as root:  bash demo.sh
#
# Installs the build dependencies (.ci/deps.sh), builds into build/, then in
# a temporary directory with its own config: lints a bad and a good message,
# queues a 3-patch series with git send-email while the smarthost is DOWN,
# shows the queue, starts a private Postfix smarthost on 127.0.0.1 (STARTTLS
# + AUTH, throw-away CA), flushes, and shows what arrived.  Needs no real
# mail provider and sends nothing off the machine.  DEMO_KEEP=1 keeps the
# temporary directory; DEMO_SKIP_DEPS=1 skips the apt step; DEMO_BUILD=DIR
# builds there instead of build/.
set -euo pipefail

src=$(cd "$(dirname "$0")" && pwd)
cd "$src"
py=/usr/bin/python3
smarthost="$py $src/tests/integration/lib/demo_smarthost.py"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$'; printf ' %q' "$@"; printf '\n'; "$@"; }

if [ "${DEMO_SKIP_DEPS:-0}" != 1 ]; then
	say "Installing build dependencies (.ci/deps.sh)"
	bash .ci/deps.sh
fi

build=${DEMO_BUILD:-build}
say "Building into $build/"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" --target outpost outpost-deliver >/dev/null
outpost=$(cd "$build" && pwd)/outpost
echo "built $outpost"

demo=$(mktemp -d /tmp/outpost-demo.XXXXXX)
chmod 755 "$demo"	# the smarthost's unprivileged daemons traverse it
cleanup() {
	$smarthost stop "$demo/smarthost" >/dev/null 2>&1 || true
	if [ "${DEMO_KEEP:-0}" = 1 ]; then
		echo "kept $demo"
	else
		rm -rf "$demo"
	fi
}
trap cleanup EXIT
cd "$demo"

# ------------------------------------------------------------------ lint
say "1. Lint: a reply that breaks list etiquette"
cat >bad.eml <<'EOF'
From: Pat Developer <pat@example.org>
To: maintainer@example.com
Cc: linux-kernel@vger.kernel.org
Subject: Re: [PATCH] foo: fix the frobnicator
Date: Sun, 29 Nov 2026 21:00:00 +0000
Message-ID: <reply-1@example.org>
In-Reply-To: <patch-1@example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Thanks, this looks fine to me, I tested it on my machine and it works with the new frobnicator configuration as well, so please apply it.

On Sat, 28 Nov 2026, Maintainer wrote:
> This patch fixes the frobnicator.
>
> Signed-off-by: Maintainer <maintainer@example.com>
> ---
>  foo.c | 2 +-
>
> diff --git a/foo.c b/foo.c
> --- a/foo.c
> +++ b/foo.c
> @@ -1,3 +1,3 @@
> -int frob = 1;
> +int frob = 2;

This email and any attachments are confidential and intended solely for the addressee.
EOF
rc=0
run "$outpost" lint bad.eml || rc=$?
echo "(exit status $rc: 1 means error-severity findings)"

say "   The same message, fixed: answer below the quote, trimmed, wrapped"
cat >good.eml <<'EOF'
From: Pat Developer <pat@example.org>
To: maintainer@example.com
Cc: linux-kernel@vger.kernel.org
Subject: Re: [PATCH] foo: fix the frobnicator
Date: Sun, 29 Nov 2026 21:00:00 +0000
Message-ID: <reply-2@example.org>
In-Reply-To: <patch-1@example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

On Sat, 28 Nov 2026, Maintainer wrote:
> -int frob = 1;
> +int frob = 2;

Tested with the new frobnicator configuration, works here.

Tested-by: Pat Developer <pat@example.org>
EOF
rc=0
run "$outpost" lint good.eml || rc=$?
echo "(exit status $rc)"

# ------------------------------------------------------------------ setup
say "2. A private smarthost (Postfix on 127.0.0.1, throw-away CA), still DOWN"
read -r port cafile < <($smarthost init "$demo/smarthost")
printf 's3cret-Pa55\n' >password
chmod 600 password
cat >outpost.conf <<EOF
smarthost 127.0.0.1:$port
tls starttls
tls_ca_file $cafile
tls_server_name localhost
user alice
password_file $demo/password
from pat@example.org
spool $demo/spool
lint reject
lists *@lists.example.org
retry_min 1m
EOF
export OUTPOST_CONFIG=$demo/outpost.conf HOME=$demo
cat outpost.conf

# ------------------------------------------------------------------ queue
say "3. git send-email a 3-patch series while the smarthost is down"
git init -q -b main repo
(
	cd repo
	export GIT_AUTHOR_NAME="Pat Developer" GIT_AUTHOR_EMAIL=pat@example.org
	export GIT_COMMITTER_NAME="Pat Developer"
	export GIT_COMMITTER_EMAIL=pat@example.org
	for n in 1 2 3; do
		printf 'int step%d(void)\n{\n\treturn %d;\n}\n' "$n" "$n" \
		    >"step$n.c"
		git add "step$n.c"
		git commit -q -s -m "demo: add step $n" \
		    -m "Step $n of the demo series."
	done
	git format-patch -q -o ../patches --root
	run git -c sendemail.sendmailcmd="'$outpost' sendmail" send-email \
	    --to devel@lists.example.org --cc reviewer@example.com \
	    --from "Pat Developer <pat@example.org>" \
	    --envelope-sender pat@example.org --suppress-cc=all \
	    --confirm=never --no-validate --quiet ../patches/*.patch
)
echo "(git send-email exit status 0: every patch is safely on disk)"

say "4. The queue, and why each message is still there"
run "$outpost" mailq

# ------------------------------------------------------------------ deliver
say "5. Bring the smarthost up and flush"
$smarthost start "$demo/smarthost"
rc=0
run "$outpost" flush || rc=$?
if [ "$rc" -ne 0 ]; then
	echo "(flush exit status $rc: some messages stay queued, see mailq)"
fi

say "6. What arrived at the smarthost (headers), in order"
$smarthost show "$demo/smarthost"

say "7. The queue afterwards"
run "$outpost" mailq
echo
echo "Demo done.  Config: $demo/outpost.conf (removed on exit unless DEMO_KEEP=1)."
