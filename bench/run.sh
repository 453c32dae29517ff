#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Runs the benchmarks (`make bench`):
#  1. decode_bench: ns per decode call for xie, Zydis DecodeFull and Zydis
#     DecodeInstruction on the same stream (first 4 MiB of cc1's .text);
#  2. the same sweeps under valgrind --tool=callgrind, one decoder per run,
#     collecting only inside the decode function (--toggle-collect=xie_decode,
#     ZydisDecoderDecodeFull, ZydisDecoderDecodeInstruction), so neither setup
#     nor the sweep loop is counted: prints Ir (instructions executed) per call;
#  3. bench/emu_run.sh (the emulation benchmark) when it exists;
#  4. bench/trap_run.sh (cost of a trapped access, split) when it exists.
# Usage: bench/run.sh [BUILD_DIR] [decode_bench options, e.g. --size 1048576]
# Environment: XIE_BENCH_NO_CALLGRIND=1 skips step 2.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh" "$@"
shift "$bench_shift"
bench=$build/bench/decode_bench
bench_need "$bench"

echo "== decode speed (wall clock)"
"$bench" "$@"

if [ "${XIE_BENCH_NO_CALLGRIND:-0}" != 1 ]; then
    if command -v valgrind >/dev/null; then
        echo
        echo "== decode cost under callgrind (Ir per call, counted inside the decode function only)"
        tmp=$(mktemp -d)
        trap 'rm -rf "$tmp"' EXIT
        target=300
        for name in $("$bench" --help | sed -n 's/^  names://p'); do
            case $name in
            xie) fn=xie_decode ;;
            zydis_full) fn=ZydisDecoderDecodeFull ;;
            zydis_insn) fn=ZydisDecoderDecodeInstruction ;;
            *) fn=bench_sweep_$name ;;
            esac
            valgrind --tool=callgrind --toggle-collect="$fn" \
                --callgrind-out-file="$tmp/cg.$name" "$bench" --only "$name" "$@" \
                >"$tmp/out.$name" 2>"$tmp/err.$name" || {
                cat "$tmp/err.$name" >&2
                exit 1
            }
            calls=$(sed -n 's/.* calls \([0-9]*\) .*/\1/p' "$tmp/out.$name")
            ir=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$tmp/cg.$name" | head -1)
            [ -n "$ir" ] || ir=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$tmp/cg.$name" | head -1)
            awk -v n="$name" -v f="$fn" -v ir="$ir" -v c="$calls" -v t="$target" 'BEGIN {
                per = ir / c;
                note = (n == "xie") ? sprintf("  (target <= %d: %s)", t, per <= t ? "met" : "NOT met") : "";
                printf "%-12s %-30s %14d Ir / %9d calls = %8.1f Ir per call%s\n", n, f, ir, c, per, note }'
        done
    else
        echo "(valgrind not installed: callgrind figures skipped)"
    fi
fi

if [ -x "$here/emu_run.sh" ] || [ -f "$here/emu_run.sh" ]; then
    echo
    echo "== emulation benchmark (bench/emu_run.sh)"
    bash "$here/emu_run.sh" "$build"
fi

if [ -f "$here/trap_run.sh" ]; then
    echo
    echo "== trap adapter benchmark (bench/trap_run.sh)"
    bash "$here/trap_run.sh" "$build"
fi
