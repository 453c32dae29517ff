# SPDX-License-Identifier: BSD-3-Clause
#
# Sourced by the bench/*.sh scripts as `. "$here/common.sh" "$@"`: sets root
# and build (XIE_BUILD_DIR, else a first argument that is not an option, else
# build/) and bench_shift (1 when that argument was the build directory: the
# script then shifts it away); bench_need FILE stops the script when FILE is
# not built.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${XIE_BUILD_DIR:-$root/build}
bench_shift=0
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
    build=$1
    bench_shift=1
fi
bench_need() {
    if [ ! -x "$1" ]; then
        echo "$(basename "$0"): $1 not built (run 'make' first)" >&2
        exit 1
    fi
}
