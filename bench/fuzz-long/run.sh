#!/bin/sh
# Long fuzzing, outside CI: every libFuzzer target of .ci/fuzz.sh for an
# hour each (or SECONDS given), on a corpus kept between runs in
# build-fuzz/corpus.  Prints per target the executions and any crash:
# grep "stat::number_of_executed_units\|==ERROR\|SUMMARY" in the logs.
#
#   bench/fuzz-long/run.sh [SECONDS_PER_TARGET]     (default 3600)
here=$(cd "$(dirname "$0")" && pwd)
exec "$here/../../.ci/fuzz.sh" "${1:-3600}"
