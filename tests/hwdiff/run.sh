#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Hardware differential tests. Usage: tests/hwdiff/run.sh [--long] [hwdiff options]
#   default: 100 states per form per mode (what ctest runs); --long: 10,000.
# BUILD_DIR defaults to $XIE_BUILD_DIR or build/.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${XIE_BUILD_DIR:-$root/build}
n=100
if [ "${1:-}" = "--long" ]; then
    n=10000
    shift
fi
exe=$build/tests/hwdiff/hwdiff
if [ ! -x "$exe" ]; then
    echo "tests/hwdiff/run.sh: $exe not built" >&2
    exit 1
fi
exec "$exe" -n "$n" "$@"
