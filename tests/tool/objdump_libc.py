#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The formatter on real code: xie's linear sweep of a binary's .text against
`objdump -d -M intel` of the same section, line by line.

Both sweeps must visit the same addresses with the same lengths, and every text
must be equal after normalising objdump's cosmetic style (objdump_cmp.normalise_objdump)
and the documented style differences (docs/tool.md, "Known differences from
objdump"): `66 90` as nop, redundant-prefix words (data16, addr32, rex.*), compare
pseudo-ops, the size keyword of moffs operands, and objdump's unsigned negative
RIP displacements. Anything else fails, with examples.
Usage: objdump_libc.py PATH/TO/xie [ELF]   (default: this machine's libc.so.6; an
ELF32 file is decoded in 32-bit mode)
"""
import collections
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from objdump_cmp import normalise_objdump  # noqa: E402

DEFAULT_ELFS = ["/usr/lib/x86_64-linux-gnu/libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6"]
# objdump's compare predicates (SDM VPCMP / CMPPS imm8 tables)
VPCMP_PRED = ["eq", "lt", "le", "false", "neq", "nlt", "nle", "true"]
CMP_PRED = ["eq", "lt", "le", "unord", "neq", "nlt", "nle", "ord",
            "eq_uq", "nge", "ngt", "false", "neq_oq", "ge", "gt", "true",
            "eq_os", "lt_oq", "le_oq", "unord_s", "neq_us", "nlt_uq", "nle_uq", "ord_s",
            "eq_us", "nge_uq", "ngt_uq", "false_os", "neq_os", "ge_oq", "gt_oq", "true_us"]


def text_section(path):
    out = subprocess.run(["readelf", "-SW", path], check=True, capture_output=True,
                         text=True).stdout
    for line in out.splitlines():
        f = line.replace("[ ", "[").split()
        if len(f) > 5 and f[1] == ".text":
            return int(f[4], 16), int(f[5], 16), int(f[3], 16)  # offset, size, address
    raise SystemExit("objdump_libc: no .text in %s" % path)


def objdump_lines(path):
    out = subprocess.run(["objdump", "-d", "-M", "intel", "-j", ".text", path],
                         check=True, capture_output=True, text=True).stdout
    res = {}
    last = None
    for line in out.splitlines():
        m = re.match(r"^\s+([0-9a-f]+):\t([0-9a-f ]+?)\s*\t(.*)$", line)
        if m:
            last = int(m.group(1), 16)
            res[last] = (m.group(2).split(), m.group(3))
            continue
        # continuation line of a long instruction: more bytes, no text
        m = re.match(r"^\s+([0-9a-f]+):\t([0-9a-f ]+?)\s*$", line)
        if m and last is not None:
            res[last] = (res[last][0] + m.group(2).split(), res[last][1])
    return res


SYM_RE = re.compile(r"\s*<[^>]*>")
BRANCH_RE = re.compile(
    r"^((?:bnd |notrack |[a-z]+ )*(?:j[a-z]+|call|loop[a-z]*|xbegin)\s+)([0-9a-f]+)$")
PFX_RE = re.compile(r"^(?:(?:data16|addr32|rex\.?[wrxb]*) )+")
RIPNEG_RE = re.compile(r"\[rip\+0x(f{8}[0-9a-f]{8})\]")


def normalise(text, xie_bytes, mode):
    t = text
    if "<" in t:
        t = SYM_RE.sub("", t)  # symbol names after branch targets
    # branch targets: objdump -d writes them without 0x
    t = BRANCH_RE.sub(r"\g<1>0x\2", t)
    t = normalise_objdump(mode, t)
    if t.startswith(("data16", "addr32", "rex")):
        t = PFX_RE.sub("", t)
    if "rip+0xffffffff" in t:
        t = RIPNEG_RE.sub(lambda m: "[rip-%s]" % hex((1 << 64) - int(m.group(1), 16)), t)
    if xie_bytes == "66 90" and t == "xchg ax, ax":
        t = "nop"
    return t


LEGACY_PFX = {0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3}
SIZE_PTR_RE = re.compile(r"\b(?:byte|word|dword|qword) ptr ")


def without_moffs_size(text, xie_bytes, mode):
    """For MOV moffs (A0-A3) objdump writes no size keyword (`mov eax,gs:0x14`):
    xie's text without it, or None for other instructions."""
    b = [int(x, 16) for x in xie_bytes.split()]
    i = 0
    while i < len(b) and (b[i] in LEGACY_PFX or (mode == 64 and 0x40 <= b[i] <= 0x4f)):
        i += 1
    if i < len(b) and 0xa0 <= b[i] <= 0xa3:
        return SIZE_PTR_RE.sub("", text, count=1)
    return None


def pseudo_op(text):
    """xie's compare with an immediate predicate written as objdump's pseudo-op
    (vpcmpb k0, zmm0, zmm2, 0x0 -> vpcmpeqb k0, zmm0, zmm2), or None."""
    m = re.match(r"^(v?p?cmp)(u?[bwdq]|[ps][sdh]) (.*), 0x([0-9a-f]+)$", text)
    if not m:
        return None
    preds = VPCMP_PRED if m.group(1).endswith("pcmp") else CMP_PRED
    n = int(m.group(4), 16)
    if n >= len(preds):
        return None
    return "%s%s%s %s" % (m.group(1), preds[n], m.group(2), m.group(3))


def main():
    xie = sys.argv[1]
    elf = sys.argv[2] if len(sys.argv) > 2 else next((p for p in DEFAULT_ELFS if os.path.exists(p)), None)
    if elf is None:
        print("objdump_libc: no libc.so.6 found")
        return 1
    with open(elf, "rb") as f:
        mode = 64 if f.read(5)[4] == 2 else 32  # EI_CLASS: ELFCLASS64 or ELFCLASS32
    off, size, addr = text_section(elf)
    xout = subprocess.run([xie, "decode", "-m", str(mode), "--raw", elf, "--offset", str(off),
                           "--size", str(size), "--rip", str(addr)],
                          check=True, capture_output=True, text=True).stdout
    obj = objdump_lines(elf)
    same = 0
    diffs = collections.Counter()
    examples = {}
    for line in xout.splitlines():
        a, b, t = line.split("\t")
        a = int(a, 16)
        if a not in obj:
            key = "address not in objdump's sweep"
            want = "-"
        else:
            obytes, otext = obj[a]
            if " ".join(obytes) != b:
                key = "length differs"
                want = " ".join(obytes) + "  " + otext
            else:
                want = "(bad)" if otext.startswith("(bad)") else normalise(otext, b, mode)
                if want == t or (want == "(bad)" and t.startswith("(")) or want == pseudo_op(t) \
                        or want == without_moffs_size(t, b, mode):
                    same += 1
                    continue
                key = "%s / %s" % (t.split(" ")[0], want.split(" ")[0])
        diffs[key] += 1
        examples.setdefault(key, "%x  %s\n    xie:     %s\n    objdump: %s" % (a, b, t, want))
    total = same + sum(diffs.values())
    for key, n in diffs.most_common(20):
        print("FAIL (%d times) %s: %s" % (n, key, examples[key]))
    print("tool objdump libc: %d of %d instructions identical, %d different (%s)"
          % (same, total, total - same, elf))
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
