#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Tests of the `xie` command line: help texts, exit statuses, argument errors, the
# output formats of `xie decode` (arguments, stdin, --raw, --count, --json) and
# `xie demo`. Expected instruction texts were checked against objdump -M intel
# (binutils 2.40) and iced-x86; expected lengths/validity come from the SDM.
# Usage: cli.sh PATH/TO/xie
set -u
XIE=${1:?usage: cli.sh PATH/TO/xie}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() {
    fail=$((fail + 1))
    echo "FAIL: $*"
}

# expect_status STATUS CMD...: run CMD, check the exit status.
expect_status() {
    local want=$1 got
    shift
    "$@" >"$TMP/out" 2>"$TMP/err"
    got=$?
    if [ "$got" = "$want" ]; then ok; else bad "exit $got, want $want: $*"; fi
}

# expect_out WANT CMD...: run CMD, stdout must equal WANT and the status be 0.
expect_out() {
    local want=$1 got st
    shift
    got=$("$@" 2>"$TMP/err")
    st=$?
    if [ "$st" = 0 ] && [ "$got" = "$want" ]; then
        ok
    else
        bad "$* -> status $st, output:"$'\n'"$got"$'\n'"want:"$'\n'"$want"
    fi
}

# expect_match REGEX CMD...: stdout must match the extended regex (whole text).
expect_match() {
    local re=$1 got
    shift
    got=$("$@" 2>&1)
    if [[ "$got" =~ $re ]]; then ok; else bad "$* -> '$got' does not match /$re/"; fi
}

T=$'\t'

# ---- help, version, unknown commands
expect_status 0 "$XIE" --help
grep -q "usage: xie COMMAND" "$TMP/out" && ok || bad "xie --help text"
expect_status 0 "$XIE" help
expect_status 0 "$XIE" decode --help
grep -q -- "--raw FILE" "$TMP/out" && ok || bad "xie decode --help mentions --raw"
expect_status 0 "$XIE" demo --help
grep -q "ns per instruction" "$TMP/out" && ok || bad "xie demo --help text"
for w in xchg counters lapic decode -- "--threads N" "--iterations N" --negative; do
    [ "$w" = -- ] && continue
    grep -q -- "$w" "$TMP/out" && ok || bad "xie demo --help lists $w"
done
expect_match '^xie [0-9]+\.[0-9]+\.[0-9]+$' "$XIE" version
expect_status 2 "$XIE"
expect_status 2 "$XIE" frobnicate
grep -q 'unknown command "frobnicate"' "$TMP/err" && ok || bad "unknown command message"

# ---- argument errors: status 2 and a message on stderr
expect_status 2 "$XIE" decode
grep -q "nothing to decode" "$TMP/err" && ok || bad "nothing-to-decode message"
expect_status 2 "$XIE" decode -m 48 90
grep -q 'bad mode "48"' "$TMP/err" && ok || bad "bad mode message"
expect_status 2 "$XIE" decode -m
expect_status 2 "$XIE" decode --cpu pentium 90
expect_status 2 "$XIE" decode --vendor via 90
expect_status 2 "$XIE" decode --frob 90
expect_status 2 "$XIE" decode --offset 4 90
expect_status 2 "$XIE" decode --rip zz 90
expect_status 2 "$XIE" decode --raw
expect_status 2 "$XIE" decode --raw /dev/null 90
expect_status 2 "$XIE" decode - 90
expect_status 2 "$XIE" demo --bogus
expect_status 2 "$XIE" demo a b
expect_status 2 "$XIE" demo --threads 0 xchg
expect_status 2 "$XIE" demo lapic.16
expect_status 2 "$XIE" demo --threads
expect_status 2 "$XIE" demo --iterations 0 lapic
expect_status 2 "$XIE" demo --iterations x lapic

# ---- bad input data: status 1
expect_status 1 "$XIE" decode 9g
grep -q 'bad hex "9g": not a hex digit' "$TMP/err" && ok || bad "bad hex message"
expect_status 1 "$XIE" decode 909
grep -q "odd number" "$TMP/err" && ok || bad "odd digits message"
expect_status 1 "$XIE" decode 90 "zz"
test ! -s "$TMP/out" && ok || bad "nothing printed when an argument is bad hex"
expect_status 1 "$XIE" decode --raw "$TMP/does-not-exist"
expect_status 1 "$XIE" demo "$TMP/does-not-exist"
printf 'hello' >"$TMP/notelf"
expect_status 1 "$XIE" demo "$TMP/notelf"
grep -q "not an ELF file" "$TMP/err" && ok || bad "demo: not-ELF message"

# ---- decode arguments: LEN<TAB>TEXT, hex with or without spaces, 0x prefixes
expect_out "1${T}nop" "$XIE" decode 90
expect_out "4${T}mov rax, qword ptr [rbx+0x10]" "$XIE" decode "48 8b 43 10"
expect_out "4${T}mov rax, qword ptr [rbx+0x10]" "$XIE" decode 488b4310
expect_out "4${T}mov rax, qword ptr [rbx+0x10]" "$XIE" decode "0x48 0x8b 0x43 0x10"
expect_out "1${T}nop"$'\n'"1${T}ret" "$XIE" decode 90 c3
# only the first instruction of an argument is decoded
expect_out "1${T}nop" "$XIE" decode 9090
# options may follow the hex; -- ends the options
expect_out "1${T}inc eax" "$XIE" decode 40 -m 32
expect_out "1${T}inc eax" "$XIE" decode --mode 32 -- 40
# 16-bit addressing
expect_out "2${T}mov ax, word ptr [bx]" "$XIE" decode -m 16 8b07
# branch targets are absolute, from --rip
expect_out "5${T}call 0x1005" "$XIE" decode --rip 0x1000 e800000000
expect_out "2${T}jne 0x401020" "$XIE" decode --rip 0x401000 751e

# ---- mnemonics named by operand/address size (texts as iced-x86 1.21 prints them;
# objdump writes pushf/iret/pusha without the size letter)
expect_out "1${T}pushfq"$'\n'"2${T}pushf"$'\n'"1${T}popfq"$'\n'"1${T}iretd"$'\n'"2${T}iretq" \
    "$XIE" decode 9c 669c 9d cf 48cf
expect_out "1${T}cwde"$'\n'"2${T}cbw"$'\n'"2${T}cdqe"$'\n'"1${T}cdq"$'\n'"2${T}cqo" \
    "$XIE" decode 98 6698 4898 99 4899
expect_out "1${T}pushad"$'\n'"2${T}pusha"$'\n'"1${T}popad"$'\n'"1${T}pushfd"$'\n'"2${T}iret" \
    "$XIE" decode -m 32 60 6660 61 9c 66cf
expect_out "1${T}pushf"$'\n'"1${T}cbw"$'\n'"2${T}cwde"$'\n'"1${T}cwd"$'\n'"1${T}iret" \
    "$XIE" decode -m 16 9c 98 6698 99 cf
# moffs: the offset has the address size (8 bytes in 64-bit mode, SDM MOV A0-A3); xie
# writes the access size like every other memory operand
expect_out "10${T}mov qword ptr [0x10], rax"$'\n'"10${T}mov eax, dword ptr fs:[0x10]" \
    "$XIE" decode 48a31000000000000000 64a11000000000000000
expect_out "5${T}mov eax, dword ptr [0x10]" "$XIE" decode -m 32 a110000000
expect_out "3${T}mov ax, word ptr [0x3412]" "$XIE" decode -m 16 a11234

# ---- non-OK results (SDM: 0F 04 is undefined; F0 on NOP is #UD; more than 15
# bytes is #GP(0), Vol. 2 2.3.11)
expect_match "^invalid${T}.+" "$XIE" decode 0f04
expect_match "^invalid${T}.+" "$XIE" decode f090
expect_out "incomplete${T}need more bytes" "$XIE" decode 488b
expect_out "#GP${T}too long" "$XIE" decode 66666666666666666666666666666690
# the invalid result is an answer, not an error
expect_status 0 "$XIE" decode 0f04

# ---- --cpu / --vendor. This CPU (Zen 3) has no AVX-512: EVEX vaddps is #UD with
# --cpu host, valid with --cpu all.
if ! grep -qw avx512f /proc/cpuinfo; then
    expect_match "^invalid${T}" "$XIE" decode --cpu host 62f17c4858c0
fi
expect_out "6${T}vaddps zmm0, zmm0, zmm0" "$XIE" decode --cpu all 62f17c4858c0
# 3DNow! exists only on AMD (APM Vol. 3 / 3DNow! manual): 0F 0F /r 9E is pfadd
expect_out "4${T}pfadd mm0, mm1" "$XIE" decode --vendor amd 0f0fc19e
expect_match "^invalid${T}" "$XIE" decode --vendor intel 0f0fc19e
# 66 on a near branch in 64-bit mode: AMD honours it (16-bit displacement, target
# wrapped to 16 bits), Intel ignores it (AMD APM Vol. 3 "Near Branches in 64-Bit
# Mode", SDM Vol. 2 JMP; iced-x86 agrees with DecoderOptions.AMD / None)
expect_out "4${T}jmp 0x4" "$XIE" decode --vendor amd 66e90000
expect_out "6${T}jmp 0x6" "$XIE" decode --vendor intel 66e900000000
# --cpu host decodes what this CPU runs
expect_out "2${T}xor eax, eax" "$XIE" decode --cpu host 31c0

# ---- xie cpu: the host model (CPUID read by xie_cpu_model_host) agrees with the
# kernel's view of CPUID in /proc/cpuinfo for the ISA extensions both name
expect_status 0 "$XIE" cpu --help
expect_status 2 "$XIE" cpu --cpu z80
"$XIE" cpu --cpu all >"$TMP/all"
if grep -q "	no$" "$TMP/all"; then bad "xie cpu --cpu all has every feature"; else ok; fi
if [ -r /proc/cpuinfo ] && grep -q '^flags' /proc/cpuinfo; then
    "$XIE" cpu >"$TMP/host"
    python3 - "$TMP/host" <<'EOF2' && ok || bad "xie cpu (host) disagrees with /proc/cpuinfo"
import sys
model = dict(l.rstrip("\n").split("\t") for l in open(sys.argv[1]))
info = {}
for line in open("/proc/cpuinfo"):
    k, _, v = line.partition(":")
    info.setdefault(k.strip(), v.split())
flags = set(info["flags"])
vendor = "amd" if info["vendor_id"][0] in ("AuthenticAMD", "HygonGenuine") else "intel"
assert model["vendor"] == vendor, (model["vendor"], vendor)
# xie feature name -> Linux flag name (arch/x86/include/asm/cpufeatures.h)
names = {"SSE": "sse", "SSE2": "sse2", "SSE3": "pni", "SSSE3": "ssse3", "SSE41": "sse4_1",
         "SSE42": "sse4_2", "POPCNT": "popcnt", "AES": "aes", "PCLMULQDQ": "pclmulqdq",
         "AVX": "avx", "AVX2": "avx2", "FMA": "fma", "F16C": "f16c", "BMI1": "bmi1",
         "BMI2": "bmi2", "ADX": "adx", "MOVBE": "movbe", "SHA": "sha_ni", "RDRAND": "rdrand",
         "RDSEED": "rdseed", "CX16": "cx16", "LAHF_LM": "lahf_lm", "LZCNT": "abm",
         "CLFLUSHOPT": "clflushopt", "CLWB": "clwb", "AVX512F": "avx512f",
         "AVX512BW": "avx512bw", "AVX512VL": "avx512vl", "VAES": "vaes",
         "VPCLMULQDQ": "vpclmulqdq", "GFNI": "gfni", "SSE4A": "sse4a", "CMOV": "cmov",
         "MMX": "mmx", "FXSR": "fxsr", "XSAVE": "xsave", "FSGSBASE": "fsgsbase"}
wrong = [n for n, f in names.items() if n in model and (model[n] == "yes") != (f in flags)]
assert not wrong, wrong
EOF2
fi

# ---- stdin: one output line per input line, bad lines reported in place
printf '90\n48 8b 43 10\nzz\n\n0f04\nc3' >"$TMP/in"
"$XIE" decode - <"$TMP/in" >"$TMP/out" 2>"$TMP/err"
st=$?
[ "$st" = 1 ] && ok || bad "stdin with a bad line: exit $st, want 1"
want="1${T}nop
4${T}mov rax, qword ptr [rbx+0x10]
error${T}not a hex digit
error${T}no bytes"
[ "$(head -4 "$TMP/out")" = "$want" ] && ok || bad "stdin output: $(cat "$TMP/out")"
[ "$(sed -n 5p "$TMP/out" | cut -f1)" = invalid ] && ok || bad "stdin line 5 invalid"
[ "$(sed -n 6p "$TMP/out")" = "1${T}ret" ] && ok || bad "stdin last line without newline"
[ "$(wc -l <"$TMP/out")" = 6 ] && ok || bad "stdin: one output line per input line"
# a large input (checks buffering and line correspondence)
for i in $(seq 1 20000); do echo "4883c001"; done >"$TMP/big"
"$XIE" decode - <"$TMP/big" >"$TMP/out"
[ "$(sort -u "$TMP/out")" = "4${T}add rax, 0x1" ] && [ "$(wc -l <"$TMP/out")" = 20000 ] && ok ||
    bad "stdin: 20000 lines"

# ---- --raw sweep: address, bytes, text; undecodable bytes skipped one at a time
# 06 (PUSH ES) is invalid in 64-bit mode (SDM Vol. 2 PUSH: i64), a lone REX is incomplete
printf '\x90\x48\x8b\x43\x10\x06\xc3\x48' >"$TMP/raw"
"$XIE" decode --raw "$TMP/raw" --rip 0x1000 >"$TMP/out"
[ "$(sed -n 1p "$TMP/out")" = "00001000${T}90${T}nop" ] && ok || bad "raw line 1: $(sed -n 1p "$TMP/out")"
[ "$(sed -n 2p "$TMP/out")" = "00001001${T}48 8b 43 10${T}mov rax, qword ptr [rbx+0x10]" ] && ok ||
    bad "raw line 2: $(sed -n 2p "$TMP/out")"
[[ "$(sed -n 3p "$TMP/out")" == "00001005${T}06${T}(invalid: "* ]] && ok || bad "raw line 3: $(sed -n 3p "$TMP/out")"
[ "$(sed -n 4p "$TMP/out")" = "00001006${T}c3${T}ret" ] && ok || bad "raw line 4: $(sed -n 4p "$TMP/out")"
[ "$(sed -n 5p "$TMP/out")" = "00001007${T}48${T}(incomplete: need more bytes)" ] && ok ||
    bad "raw line 5: $(sed -n 5p "$TMP/out")"
[ "$(wc -l <"$TMP/out")" = 5 ] && ok || bad "raw: 5 lines"
expect_out "00000001${T}48 8b 43 10${T}mov rax, qword ptr [rbx+0x10]" "$XIE" decode --raw "$TMP/raw" --offset 1 --size 4 --rip 1
expect_status 2 "$XIE" decode --raw "$TMP/raw" --offset 100
"$XIE" decode --raw "$TMP/raw" --count >"$TMP/out"
grep -qx "instructions${T}3" "$TMP/out" && ok || bad "count instructions: $(cat "$TMP/out")"
grep -qx "invalid${T}2" "$TMP/out" && ok || bad "count invalid"
grep -qx "bytes${T}8" "$TMP/out" && ok || bad "count bytes"
grep -qx "map one-byte${T}3" "$TMP/out" && ok || bad "count one-byte map"
grep -qx "map 0F${T}0" "$TMP/out" && bad "zero map counts are not printed" || ok

# ---- --json: valid JSON with the documented fields
"$XIE" decode --json "f0 64 48 83 04 c8 01" 0f04 "62 f1 7c d9 58 40 01" >"$TMP/out"
python3 - "$TMP/out" <<'EOF' && ok || bad "json fields"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 3, lines
a, b, c = (json.loads(l) for l in lines)
assert a["status"] == "ok" and a["len"] == 7 and a["mnemonic"] == "add", a
assert a["osz"] == 64 and a["asz"] == 64 and a["mode"] == 64, a
assert "lock" in a["prefixes"] and a["seg_prefix"] == "fs", a
m = a["operands"][0]
assert m["kind"] == "mem" and m["seg"] == "fs" and m["base"] == "rax", m
assert m["index"] == "rcx" and m["scale"] == 8 and m["size"] == 8 and m["access"] == "rw", m
assert a["operands"][1]["kind"] == "imm", a
assert a["text"] == "lock add qword ptr fs:[rax+rcx*8], 0x1", a["text"]
assert b["status"] == "invalid" and b["reason"] and "ud" in b, b
assert c["status"] == "ok" and c["vl"] == 512 and c["mask"] == 1, c
assert c["evex"]["z"] and c["evex"]["bcst"], c
assert c["operands"][2]["kind"] == "mem" and c["operands"][2]["disp"] == 4, c
EOF
"$XIE" decode --json --raw "$TMP/raw" >"$TMP/out"
python3 -c 'import json,sys; r=[json.loads(l) for l in open(sys.argv[1])]; assert r[1]["address"]==1 and r[1]["bytes"]=="488b4310", r' "$TMP/out" &&
    ok || bad "json --raw"

# ---- demo on a known binary: header, 20 instructions, summary
if "$XIE" demo decode >"$TMP/out" 2>"$TMP/err"; then
    ok
    grep -q "^xie demo: .*section .text" "$TMP/out" && ok || bad "demo header"
    grep -q "decode speed .* ns/instruction" "$TMP/out" && ok || bad "demo speed line"
    grep -q "top 10 mnemonics" "$TMP/out" && ok || bad "demo top mnemonics"
    grep -q "instruction-set extensions used" "$TMP/out" && ok || bad "demo extensions"
    n=$(sed -n '/^first 20 instructions:/,/^$/p' "$TMP/out" | grep -c '^  ')
    [ "$n" = 20 ] && ok || bad "demo shows 20 instructions (got $n)"
else
    bad "xie demo failed: $(cat "$TMP/err")"
fi

# ---- the trap scenarios, small: every row passes, the table has all six rows
if "$XIE" demo --threads 2 --iterations 300 xchg counters lapic >"$TMP/out" 2>"$TMP/err"; then
    ok
    for row in "xchg, in a page" "xchg, straddling pages" "counters, in a page" \
        "counters, straddling pages" "lapic, 64-bit code" "lapic, 32-bit code"; do
        grep -q "^  $row  .* pass$" "$TMP/out" && ok || bad "demo table row $row"
    done
    grep -q "^  6 of 6 rows passed" "$TMP/out" && ok || bad "demo: 6 of 6 rows passed"
else
    bad "xie demo xchg counters lapic failed: $(tail -12 "$TMP/out") $(cat "$TMP/err")"
fi
# one variant alone
expect_status 0 "$XIE" demo --threads 1 --iterations 100 lapic.32
grep -q "^  1 of 1 rows passed" "$TMP/out" && grep -q "^  lapic, 32-bit code " "$TMP/out" &&
    ok || bad "demo lapic.32 runs that row alone"
# ... and with the broken (read-then-write) device the counters must fail: exit 1.
# 4 threads x 20000 increments of each counter: updates are lost by the dozen.
expect_status 1 "$XIE" demo --negative --threads 4 --iterations 20000 counters
grep -q "^  0 of 2 rows passed" "$TMP/out" && ok || bad "demo --negative: both counters rows fail"

echo "tool cli: $pass passed, $fail failed"
[ "$fail" = 0 ]
