#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Freestanding check of the xie core: builds every core source through xie.mk
# with gcc and clang, -m32 and -m64, -ffreestanding -nostdinc -fno-builtin
# -mno-red-zone -mgeneral-regs-only and the strict warnings as errors, then
# (analyze.py) lists the undefined symbols of the linked core objects against
# allowed-undefined.txt, rejects writable data, dynamic stack frames and
# recursion, and reports stack usage per function and per public entry point.
#   tests/freestanding/check.sh [OUTDIR]     (default: build/freestanding)
# Environment: XIE_FS_CCS (compilers, default "gcc clang-14"), XIE_FRAME_LIMIT,
# XIE_STACK_LIMIT (bytes, default 2048 each).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$root/build/freestanding}
ccs=${XIE_FS_CCS:-gcc clang-14}
pass=0
fail=0
for cc in $ccs; do
    if ! command -v "$cc" >/dev/null; then
        echo "freestanding: compiler $cc not found" >&2
        fail=$((fail + 2))
        continue
    fi
    for arch in -m32 -m64; do
        label="$cc $arch"
        dir="$out/${cc}${arch}"
        rm -rf "$dir"
        extra=""
        case "$cc" in gcc*) extra="-fcallgraph-info=su" ;; esac
        if ! make -s -C "$here" -j2 CC="$cc" ARCH="$arch" OUT="$dir" EXTRA="$extra" \
            "$dir/xie-core.o"; then
            echo "[$label] FAIL: build"
            fail=$((fail + 1))
            continue
        fi
        if python3 "$here/analyze.py" "$dir" --label "$label" \
            --allowed "$here/allowed-undefined.txt"; then
            pass=$((pass + 1))
        else
            fail=$((fail + 1))
        fi
    done
done
echo "freestanding: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
