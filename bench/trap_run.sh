#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Trap adapter benchmark: the cost of one trapped access (a faulting access to a
# PROT_NONE page emulated by xie from the SIGSEGV handler, docs/trap.md), split
# into the kernel's part (fault entry, signal delivery, sigreturn), the
# adapter's handler outside xie_emulate, and xie_emulate with the device
# callbacks. The figures are `xie demo`'s summary table (see xie demo --help for
# how each column is measured):
#   1. one thread per row (no preemption, no lock contention): the plain cost;
#      lapic.64 is compiled C doing 32-bit MOV loads and stores, the row to
#      compare with the engine's MOV figures (bench/emu_run.sh);
#   2. the default demo sizes (4 threads on this machine's cores).
# Usage: bench/trap_run.sh [BUILD_DIR] [--iterations N]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh" "$@"
shift "$bench_shift"
xie=$build/xie
bench_need "$xie"
table() { sed -n '/^summary/,$p'; }

echo "== trapped access cost, one thread per row (xie demo --threads 1)"
"$xie" demo --threads 1 --iterations 20000 "$@" lapic counters xchg | table
echo
echo "== trapped access cost, 4 threads per row (xie demo --threads 4)"
"$xie" demo --threads 4 --iterations 20000 "$@" lapic counters xchg | table
