#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Hardware differential tests of the emulator.
# Usage: tests/hwdiff/run.sh [--long] [hwdiff options]
#   default: 100 states per form per mode (what ctest runs);
#   --long:  10,000 states per form per mode, as two processes of 5,000 with
#            different seeds (one per core; each has its own native child).
# The build directory is $XIE_BUILD_DIR or build/.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${XIE_BUILD_DIR:-$root/build}
exe=$build/tests/hwdiff/hwdiff
if [ ! -x "$exe" ]; then
    echo "tests/hwdiff/run.sh: $exe not built" >&2
    exit 1
fi
if [ "${1:-}" != "--long" ]; then
    exec "$exe" -n 100 "$@"
fi
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$exe" -n 5000 -s 1 "$@" >"$tmp/1" 2>&1 &
p1=$!
"$exe" -n 5000 -s 2 "$@" >"$tmp/2" 2>&1 &
p2=$!
rc=0
wait $p1 || rc=1
wait $p2 || rc=1
cat "$tmp/1" "$tmp/2"
echo "hwdiff --long: 10,000 states per form per mode (seeds 1 and 2): $([ $rc = 0 ] && echo PASS || echo FAIL)"
exit $rc
