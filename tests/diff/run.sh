#!/usr/bin/env bash
# Differential decoding test: xie against iced-x86 1.21.0 (npm, test oracle only).
# See docs/decoder-verification.md.
#
#   tests/diff/run.sh [--mode 16|32|64] [--count N] [--seed S]
#                     [--class legacy|0f|vex|evex|xop|x87|all] [--vendor intel|amd|both]
#                     [--binaries|--no-binaries] [--no-mutants] [--long] [--show N]
#                     [--sigs] [--xiediff PATH]
#
# Defaults: all three modes, 20,000 cases per mode and vendor, seed 1, class
# all, both vendors, then as many mutants (1-3 random bit flips) of the cases
# iced accepted (--no-mutants: skip), plus linear sweeps of the .text of
# libc.so.6 (64-bit) and /usr/lib32/libc.so.6 (32-bit); --binaries adds gcc's
# cc1 (64-bit); --long: 1,000,000 (+ 1,000,000 mutants) per mode and vendor
# plus --binaries. --sigs prints the
# signature that known-differences.txt matches under each example. Exit 1 on
# any mismatch not matched by tests/diff/known-differences.txt.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
modes="16 32 64"; count=20000; seed=1; class=all; vendors="intel amd"
binaries=0; show=50; xiediff=""; sigs=""; mutants=1
while [ $# -gt 0 ]; do
    case "$1" in
    --mode) modes="$2"; shift 2 ;;
    --count) count="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --class) class="$2"; shift 2 ;;
    --vendor) if [ "$2" = both ]; then vendors="intel amd"; else vendors="$2"; fi; shift 2 ;;
    --binaries) binaries=1; shift ;;
    --no-binaries) binaries=none; shift ;;
    --no-mutants) mutants=0; shift ;;
    --long) count=1000000; binaries=1; shift ;;
    --show) show="$2"; shift 2 ;;
    --sigs) sigs=--sigs; shift ;;
    --xiediff) xiediff="$2"; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ { print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
    esac
done

if [ ! -f "$HERE/node_modules/iced-x86/package.json" ]; then
    (cd "$HERE" && npm ci --no-audit --no-fund --silent) || {
        echo "run.sh: cannot install iced-x86 (npm ci in tests/diff)" >&2; exit 2; }
fi
if [ -z "$xiediff" ]; then
    build="${XIE_BUILD_DIR:-$ROOT/build-diff}"
    cmake -S "$ROOT" -B "$build" >/dev/null
    cmake --build "$build" --target xiediff -j2 >/dev/null
    xiediff="$build/tests/diff/xiediff"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
known="$HERE/known-differences.txt"
passed=0; failed=0
run() { # label, command...
    local label="$1"; shift
    if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAILED: $label"; fi
}

for m in $modes; do
    "$xiediff" gen --bits "$m" --count "$count" --seed "$seed" --class "$class" "$tmp/cases.bin"
    for v in $vendors; do
        node "$HERE/iced_decode.js" cases "$m" "$v" "$tmp/cases.bin" "$tmp/iced.txt"
        run "m$m $v" "$xiediff" cmp --bits "$m" --vendor "$v" --class "$class" --seed "$seed" \
            --known "$known" --show "$show" $sigs "$tmp/cases.bin" "$tmp/iced.txt"
    done
    # Second stream: mutants (1-3 bit flips) of the encodings iced accepted.
    [ "$mutants" = 1 ] || continue
    "$xiediff" mutate --count "$count" --seed "$seed" "$tmp/cases.bin" "$tmp/iced.txt" "$tmp/mut.bin"
    for v in $vendors; do
        node "$HERE/iced_decode.js" cases "$m" "$v" "$tmp/mut.bin" "$tmp/iced.txt"
        run "m$m $v mutants" "$xiediff" cmp --bits "$m" --vendor "$v" --class mutant \
            --seed "$seed" --known "$known" --show "$show" $sigs "$tmp/mut.bin" "$tmp/iced.txt"
    done
done

# Real code: libc (64-bit, and the 32-bit one of gcc-multilib) always; gcc's
# cc1 (20 MB of .text) with --binaries / --long.
bins="/usr/lib/x86_64-linux-gnu/libc.so.6:64 /usr/lib32/libc.so.6:32"
[ "$binaries" = 1 ] && bins="$bins /usr/lib/gcc/x86_64-linux-gnu/12/cc1:64"
[ "$binaries" = none ] && bins=""
for entry in $bins; do
    bin=${entry%:*}; bits=${entry##*:}
    [ -f "$bin" ] || { echo "run.sh: $bin not found, skipped"; continue; }
    objcopy -O binary --only-section=.text "$bin" "$tmp/text.bin"
    for v in $vendors; do
        node "$HERE/iced_decode.js" sweep "$bits" "$v" "$tmp/text.bin" "$tmp/iced.txt"
        run "sweep $bin $v" "$xiediff" sweep --bits "$bits" --vendor "$v" \
            --name "$bin" --known "$known" --show "$show" $sigs \
            "$tmp/text.bin" "$tmp/iced.txt"
    done
done
echo "diff: $passed passed, $failed failed"
[ "$failed" = 0 ]
