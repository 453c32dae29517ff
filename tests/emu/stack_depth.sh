#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Measure the worst-case stack of one emulation call: compile the freestanding
# core with gcc -fcallgraph-info=su (the hypervisor flags, -O2, -m64 and -m32)
# and walk the call graph (stack_depth.py). Fails above 2 KiB.
# Usage: stack_depth.sh [repo-root]
set -e
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
rc=0
trap 'rm -rf "$tmp"' EXIT
for m in -m64 -m32; do
    mkdir -p "$tmp/$m"
    for f in "$root"/src/*.c "$root"/src/gen/*.c "$root"/src/emu/*.c; do
        gcc $m -O2 -std=c99 -ffreestanding -fno-builtin -mno-red-zone -mgeneral-regs-only \
            -I"$root/include" -I"$root/src" -fcallgraph-info=su \
            -c "$f" -o "$tmp/$m/$(basename "$f").o" -dumpdir "$tmp/$m/"
    done
    echo "gcc $m -O2:"
    python3 "$here/stack_depth.py" 2048 "$tmp/$m"/*.ci || rc=1
done
exit $rc
