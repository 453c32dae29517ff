#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Every check of xie, as `make check` (and `make check-long`) runs it:
#   deps        scripts/deps.sh installs missing Debian/npm packages
#   build       CMake configure + build into BUILD_DIR (default build/)
#   ctest       every registered test (ctest --output-on-failure); --long adds
#               the tests registered with CONFIGURATIONS long (ctest -C long)
#   long        --long only: tests/{diff,cpulen,hwdiff}/run.sh --long for the
#               directories that do not register a long ctest themselves
#   isagen      python3 tools/isagen.py --check: generated tables are current
#               (skipped when ctest already ran it as the test isagen_check)
#   freestanding tests/freestanding/check.sh (gcc/clang x -m32/-m64)
#   install     tests/install/check.sh: find_package(xie) and pkg-config work
#   fuzz        a short libFuzzer run of each fuzzer (long with --long)
#   format      clang-format-14 --dry-run --Werror on every hand-written C file
# Each test counts once; the last line is "N passed, M failed". Exit 1 on any
# failure.
#
# Usage: tests/run-all.sh [--long] [--build DIR] [--no-deps] [--fuzz-seconds N]
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

long=0
build=${XIE_BUILD_DIR:-$root/build}
deps=1
fuzz_seconds=""
while [ $# -gt 0 ]; do
    case "$1" in
    --long) long=1 ;;
    --build)
        build=$2
        shift
        ;;
    --no-deps) deps=0 ;;
    --fuzz-seconds)
        fuzz_seconds=$2
        shift
        ;;
    -h | --help)
        sed -n '3,22p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    *)
        echo "run-all.sh: unknown argument $1 (see --help)" >&2
        exit 2
        ;;
    esac
    shift
done
case "$build" in /*) ;; *) build=$root/$build ;; esac
[ -n "$fuzz_seconds" ] || fuzz_seconds=$([ $long = 1 ] && echo 600 || echo 60)
export XIE_BUILD_DIR=$build
jobs=$(nproc 2>/dev/null || echo 2)
logdir=$build/check-logs
mkdir -p "$logdir"
rm -f "$logdir"/*.log

pass=0
fail=0
summary=()
record() { # record NAME PASSED FAILED [NOTE]
    pass=$((pass + $2))
    fail=$((fail + $3))
    summary+=("$(printf '%-28s %5d passed %5d failed  %s' "$1" "$2" "$3" "${4:-}")")
}
banner() { printf '\n===== %s\n' "$*"; }
# Run one step that is a single test; its output goes to the terminal and a log.
step() { # step NAME COMMAND...
    local name=$1 log
    shift
    log="$logdir/${name//[^A-Za-z0-9_.-]/_}.log"
    banner "$name: $*"
    if "$@" 2>&1 | tee "$log"; then
        record "$name" 1 0
    else
        record "$name" 0 1 "(log: ${log#$root/})"
    fi
}

if [ $deps = 1 ]; then
    step deps bash scripts/deps.sh test
fi

banner "build ($build)"
built=0
if cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo 2>&1 | tee "$logdir/configure.log" &&
    cmake --build "$build" -j"$jobs" 2>&1 | tee "$logdir/build.log"; then
    built=1
    record build 1 0
else
    record build 0 1 "(log: ${logdir#$root/}/build.log)"
fi

if [ $built = 1 ]; then
    if [ $long = 1 ]; then
        banner "ctest -C long (all tests, long versions included)"
        ctest_args=(-C long)
    else
        banner "ctest (smoke sizes; long tests excluded)"
        ctest_args=(-LE long)
    fi
    (cd "$build" && ctest --output-on-failure -j"$jobs" "${ctest_args[@]}") 2>&1 |
        tee "$logdir/ctest.log"
    line=$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$logdir/ctest.log" | tail -1)
    if [ -n "$line" ]; then
        nfail=$(echo "$line" | sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/')
        total=$(echo "$line" | sed -E 's/.* failed out of ([0-9]+).*/\1/')
        failed_names=$(sed -n '/The following tests FAILED:/,$p' "$logdir/ctest.log" |
            sed -n -E 's/^[[:space:]]+[0-9]+ - ([^ ]+) .*/\1/p' | tr '\n' ' ')
        # Skipped tests (SKIP_RETURN_CODE) are neither passed nor failed.
        skipped_names=$(sed -n -E 's/^[[:space:]]+[0-9]+ - ([^ ]+) \(Skipped\).*/\1/p' \
            "$logdir/ctest.log" | tr '\n' ' ')
        nskip=$(echo "$skipped_names" | wc -w)
        record ctest $((total - nfail - nskip)) "$nfail" \
            "${failed_names:+(failed: $failed_names) }${skipped_names:+(skipped: $skipped_names)}"
    elif grep -q "No tests were found" "$logdir/ctest.log"; then
        record ctest 0 0 "(no tests registered)"
    else
        record ctest 0 1 "(ctest did not finish: log ${logdir#$root/}/ctest.log)"
    fi
fi

if [ $long = 1 ]; then
    for d in diff cpulen hwdiff; do
        script=tests/$d/run.sh
        [ -f "$script" ] || continue
        if grep -qs "CONFIGURATIONS long" "tests/$d/CMakeLists.txt"; then
            continue # its long version ran in ctest -C long
        fi
        step "$d --long" bash "$script" --long
    done
fi

# The generator check, unless a subdirectory already registered it with ctest.
if [ -f tools/isagen.py ] && ! grep -qs "isagen_check" "$logdir/ctest.log"; then
    step isagen-check python3 tools/isagen.py --check isa/x86.isa
fi

banner "freestanding (tests/freestanding/check.sh)"
bash tests/freestanding/check.sh "$build/freestanding" 2>&1 | tee "$logdir/freestanding.log"
line=$(grep -E '^freestanding: [0-9]+ passed, [0-9]+ failed' "$logdir/freestanding.log" | tail -1)
if [ -n "$line" ]; then
    record freestanding "$(echo "$line" | awk '{print $2}')" "$(echo "$line" | awk '{print $4}')"
else
    record freestanding 0 1 "(did not finish: log ${logdir#$root/}/freestanding.log)"
fi

if [ $built = 1 ]; then
    step install bash tests/install/check.sh "$build"
fi

# Fuzzing: each libFuzzer target for fuzz_seconds; the corpus persists in the
# build directory between runs; crash inputs are written next to the corpus.
seed_decode_corpus() { # chunks of real code as starting points
    local dir=$1 text=$build/fuzz/seed-text.bin
    [ -z "$(ls -A "$dir" 2>/dev/null)" ] || return 0
    objcopy -O binary --only-section=.text /bin/bash "$text" 2>/dev/null || return 0
    python3 - "$text" "$dir" <<'EOF'
import os, random, sys
data = open(sys.argv[1], "rb").read()
rng = random.Random(1)
for i in range(256):
    off = rng.randrange(0, max(1, len(data) - 64))
    with open(os.path.join(sys.argv[2], "seed%03d" % i), "wb") as f:
        f.write(data[off:off + rng.randrange(1, 48)])
EOF
}
for fz in decode_fuzz emu_fuzz; do
    [ -f "fuzz/$fz.c" ] || continue
    bin=$build/fuzz/$fz
    if [ $built = 0 ] || [ ! -x "$bin" ]; then
        record "fuzz $fz" 0 1 "(not built: clang-14 with libFuzzer needed)"
        continue
    fi
    corpus=$build/fuzz/corpus-$fz
    mkdir -p "$corpus"
    extra=()
    if [ $fz = decode_fuzz ]; then
        seed_decode_corpus "$corpus"
        extra=(-max_len=64)
    fi
    step "fuzz $fz (${fuzz_seconds}s)" "$bin" -max_total_time="$fuzz_seconds" -timeout=20 \
        -print_final_stats=1 -artifact_prefix="$build/fuzz/$fz-" "${extra[@]}" "$corpus"
done

banner "clang-format check"
fmt=$(command -v clang-format-14 || command -v clang-format || true)
if [ -z "$fmt" ]; then
    record format 0 1 "(clang-format-14 not installed)"
else
    files=()
    while IFS= read -r f; do
        # Generated files say so on their first line and are not hand-formatted.
        head -n 1 "$f" | grep -qi "generated" && continue
        files+=("$f")
    done < <(find src include tools tests bench fuzz -path '*/node_modules' -prune -o \
        -type f \( -name '*.c' -o -name '*.h' \) -print 2>/dev/null | sort)
    if "$fmt" --dry-run --Werror "${files[@]}" >"$logdir/format.log" 2>&1; then
        record format 1 0 "(${#files[@]} files)"
    else
        bad=$(grep -oE '^[^ :]+\.[ch]:[0-9]+:' "$logdir/format.log" | cut -d: -f1 | sort -u | tr '\n' ' ')
        echo "not clang-formatted (run clang-format -i): $bad"
        record format 0 1 "(${bad})"
    fi
fi

banner "summary"
printf '%s\n' "${summary[@]}"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
