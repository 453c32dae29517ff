#!/usr/bin/env bash
# The CPU length oracle: random encodings (tests/diff generator) executed at the
# end of a page before a PROT_NONE page, in 64-bit mode, 32-bit compatibility
# mode and 16-bit protected mode (LDT code segment); the CPU's length must equal
# xie's (xie with this CPU's model).
# iced-x86's verdicts (AMD options: this CPU is an AMD Zen 3) are shown too.
#
#   tests/cpulen/run.sh [--mode 64|32|16] [--count N] [--seed S] [--class C]
#                       [--reject-pct P] [--show N] [--long] [--cpulen PATH] [--xiediff PATH]
#
# Defaults: all three modes, 20,000 cases per mode, seed 1, class all, then as
# many mutants of the cases iced accepted; every case xie or iced accepts runs,
# and 10% of the rest. --long: 1,000,000 (and 1,000,000 mutants) per mode.
# Exit 1 on any length mismatch.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
modes="64 32 16"; count=20000; seed=1; class=all; reject=10; show=20; cpulen=""; xiediff=""
while [ $# -gt 0 ]; do
    case "$1" in
    --mode) modes="$2"; shift 2 ;;
    --count) count="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --class) class="$2"; shift 2 ;;
    --reject-pct) reject="$2"; shift 2 ;;
    --show) show="$2"; shift 2 ;;
    --long) count=1000000; shift ;;
    --cpulen) cpulen="$2"; shift 2 ;;
    --xiediff) xiediff="$2"; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ { print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
    esac
done
if [ ! -f "$ROOT/tests/diff/node_modules/iced-x86/package.json" ]; then
    (cd "$ROOT/tests/diff" && npm ci --no-audit --no-fund --silent) || {
        echo "run.sh: cannot install iced-x86 (npm ci in tests/diff)" >&2; exit 2; }
fi
if [ -z "$cpulen" ] || [ -z "$xiediff" ]; then
    build="${XIE_BUILD_DIR:-$ROOT/build-diff}"
    cmake -S "$ROOT" -B "$build" >/dev/null
    cmake --build "$build" --target cpulen xiediff -j2 >/dev/null
    cpulen="$build/tests/cpulen/cpulen"; xiediff="$build/tests/diff/xiediff"
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0; failed=0
for m in $modes; do
    # A different stream from tests/diff's for the same seed.
    "$xiediff" gen --bits "$m" --count "$count" --seed "$((seed + 1000))" --class "$class" "$tmp/cases.bin"
    node "$ROOT/tests/diff/iced_decode.js" cases "$m" amd "$tmp/cases.bin" "$tmp/iced.txt"
    if "$cpulen" --bits "$m" --iced "$tmp/iced.txt" --reject-pct "$reject" --show "$show" "$tmp/cases.bin"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1)); echo "FAILED: cpulen m$m"
    fi
    # Mutants (1-3 bit flips) of the encodings iced accepted, as in tests/diff.
    "$xiediff" mutate --count "$count" --seed "$((seed + 1000))" "$tmp/cases.bin" "$tmp/iced.txt" "$tmp/mut.bin"
    node "$ROOT/tests/diff/iced_decode.js" cases "$m" amd "$tmp/mut.bin" "$tmp/iced.txt"
    echo "(mutants)"
    if "$cpulen" --bits "$m" --iced "$tmp/iced.txt" --reject-pct "$reject" --show "$show" "$tmp/mut.bin"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1)); echo "FAILED: cpulen m$m mutants"
    fi
done
echo "cpulen: $passed passed, $failed failed"
[ "$failed" = 0 ]
