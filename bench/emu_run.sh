#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Emulation benchmark: emu_bench (ns per emulated instruction, xie vs libx86emu
# vs Unicorn 2), then each emulator and instruction under valgrind
# --tool=callgrind with collection toggled on the bench_loop_<emulator>
# function only (setup and teardown not counted), printing Ir (instructions
# executed) per emulated instruction, state copy in/out included.
# Usage: bench/emu_run.sh [BUILD_DIR] [--iters N]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh" "$@"
shift "$bench_shift"
bench=$build/bench/emu_bench
bench_need "$bench"
echo "== emulation speed (wall clock)"
"$bench" "$@"
if ! command -v valgrind >/dev/null; then
    echo "valgrind not installed: no callgrind counts"
    exit 0
fi
echo
echo "== emulation cost under callgrind (Ir per emulated instruction, loop only)"
names=$("$bench" --help | sed -n 's/^  names://p')
ninsn=$("$bench" --help | sed -n 's/^  insns: *//p')
iters=2000
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%-24s' "instruction"
for n in $names; do printf ' %12s' "$n Ir"; done
printf ' %14s' "xie_emulate Ir"
echo
for ((k = 0; k < ninsn; k++)); do
    label=""
    row=""
    for n in $names; do
        valgrind --tool=callgrind --toggle-collect="bench_loop_$n" \
            --callgrind-out-file="$tmp/cg" "$bench" --only "$n" --insn "$k" --iters "$iters" \
            >"$tmp/out" 2>"$tmp/err" || {
            cat "$tmp/err" >&2
            exit 1
        }
        [ -n "$label" ] || label=$(sed -n '2p' "$tmp/out" | cut -c1-24)
        ir=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$tmp/cg" | head -1)
        [ -n "$ir" ] || ir=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$tmp/cg" | head -1)
        row+=$(awk -v ir="$ir" -v c="$iters" 'BEGIN { printf " %12.0f", ir / c }')
    done
    # The emulation call alone (fetch, decode, address, callbacks, writeback;
    # warm decode cache), without the host's state copy of the loop.
    valgrind --tool=callgrind --toggle-collect=xie_emulate --callgrind-out-file="$tmp/cg" \
        "$bench" --only xie --insn "$k" --iters "$iters" >"$tmp/out" 2>"$tmp/err" || {
        cat "$tmp/err" >&2
        exit 1
    }
    ir=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$tmp/cg" | head -1)
    [ -n "$ir" ] || ir=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$tmp/cg" | head -1)
    row+=$(awk -v ir="$ir" -v c="$iters" 'BEGIN { printf " %14.0f", ir / c }')
    printf '%-24s%s\n' "$label" "$row"
done
echo "(xie target: <= 250 Ir for mov eax,[rbx+0x10]; the loop columns include the host's"
echo " state copy in and out, xie_emulate Ir is the call alone with its callbacks)"
