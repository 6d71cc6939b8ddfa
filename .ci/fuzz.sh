#!/bin/sh
# Build the libFuzzer targets with clang in their own build dir and run each
# for a bounded time on its seed corpus.  Exits non-zero when any target
# crashes, leaks or times out; a target that did not build is skipped with a
# message (and does not fail the run).
#
#   .ci/fuzz.sh [SECONDS_PER_TARGET]      (default 30)
#   env: FUZZ_BUILD (build dir, default build-fuzz), FUZZ_JOBS (make -j)
set -u

src=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILD:-$src/build-fuzz}
secs=${1:-30}
jobs=${FUZZ_JOBS:-2}
targets="fuzz_conf fuzz_envelope fuzz_envelope_write fuzz_lint fuzz_smtp_reply
    fuzz_smtp_7bit fuzz_smtp_oauth fuzz_submit_hdr fuzz_netwatch
    fuzz_spool_index"

if ! command -v clang >/dev/null 2>&1; then
	echo "fuzz.sh: clang not found (apt-get install clang)" >&2
	exit 1
fi

# Warnings stay on but not fatal: clang warns about things gcc does not,
# and a warning elsewhere must not hide a crash here.
mkdir -p "$build" || exit 1
CC=clang cmake -S "$src" -B "$build" -DOUTPOST_FUZZ=ON -DOUTPOST_TESTS=OFF \
    -DOUTPOST_WERROR=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$build/cmake.log" 2>&1 \
    || { echo "fuzz.sh: cmake failed, see $build/cmake.log" >&2; exit 1; }

status=0
ran=0
for t in $targets; do
	if ! cmake --build "$build" -j "$jobs" --target "$t" \
	    >"$build/$t.build.log" 2>&1; then
		# A fuzzer that does not build is a failure, never a skip:
		# fuzz_conf went unbuilt and unnoticed for a session that way.
		echo "fuzz.sh: FAIL $t: did not build (see $build/$t.build.log)"
		status=1
		continue
	fi
	seeds=$src/tests/fuzz/seeds/$t
	corpus=$build/corpus/$t
	artifacts=$build/artifacts/$t/
	mkdir -p "$corpus" "$artifacts"
	dict=
	[ -f "$src/tests/fuzz/$t.dict" ] && dict=-dict=$src/tests/fuzz/$t.dict
	# New inputs go to the scratch corpus; the seeds in git stay as written.
	echo "fuzz.sh: run $t for ${secs}s"
	# A small ASan quarantine keeps a fast target's RSS well under the
	# limit: at 3.5M runs the default 256 MB quarantine pushed
	# fuzz_netwatch over 512 MB at exit, and libFuzzer's out-of-memory
	# report then hung inside LeakSanitizer's stop-the-world.  The outer
	# timeout turns any such hang into a failure instead of a stuck CI.
	if ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:quarantine_size_mb=64 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    timeout -k 10 $((secs + 120)) \
	    "$build/tests/fuzz/$t" "$corpus" "$seeds" \
	    -max_total_time="$secs" -rss_limit_mb=1024 -timeout=10 \
	    -detect_leaks=1 -max_len=65536 -print_final_stats=1 \
	    -artifact_prefix="$artifacts" $dict >"$build/$t.fuzz.log" 2>&1; then
		echo "fuzz.sh: ok   $t ($(grep -o 'stat::number_of_executed_units: *[0-9]*' \
		    "$build/$t.fuzz.log" | grep -o '[0-9]*$') runs)"
	else
		status=1
		echo "fuzz.sh: FAIL $t; log: $build/$t.fuzz.log; reproducer(s):"
		ls "$artifacts" | sed "s|^|    $artifacts|"
		grep -m1 -E 'ERROR: |SUMMARY: |runtime error' "$build/$t.fuzz.log" \
		    | sed 's/^/    /'
	fi
	ran=$((ran + 1))
done
echo "fuzz.sh: $ran target(s) run"
exit $status
