#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Compare xie's Intel-syntax text with objdump -M intel (GNU binutils) as the oracle.

For every encoding below, objdump disassembles the bytes and xie decodes them; after
normalising the documented, purely cosmetic differences of objdump's style (upper
case, no space after commas, `movabs`, `ds:0x10` for absolute addresses, `st` for
st(0), string-instruction operands, `# comments`), the texts must be equal.
The list covers every operand kind and decoration the formatter prints.
Usage: objdump_cmp.py PATH/TO/xie
"""
import os
import re
import subprocess
import sys
import tempfile

# (mode, hex). Chosen where objdump's text is the architectural Intel syntax. Left
# out on purpose (style differences, see docs/tool.md): moffs (objdump `ds:0x10`
# without a size), lgdt-family sizes, pushf/iret/pusha size letters
# (tested against iced-x86 in cli.sh), cmpps pseudo-ops.
CASES = {
    64: """
        90 c3 cc 48890424 488b4310 8b4c8df0 488d0500000000 488b0d10000000
        678b00 67488b4c2408 4c8b7c24f8 4489c0 4d31c9 40b601 b001 b401 66b80100
        48c7c0ffffffff 4883c0ff 83c0ff c1e0ff d1e0 d3e0 4881c478563412 0fb603 480fbe03
        486303 0fb7c1 f6c101 a801 e400 ec ee cd80 c8100001 c20800
        e800000000 e9fbffffff ebfe 7400 0f8400000000 ffd0 ff2510000000 ff1425f0ff0000
        e300 67e300 e2fe
        f0480fb10a f00fc10a 87c8 4891 f0ff00 f0488304c801 64488b042528000000 65488b00
        64f0488304c801 2e7400 3effe0 f2e800000000
        0f05 0f0b 0f01c1 0fa2 0f31 f4 fa fb 0f20c0 0f22d8 0f21c0 8cd8
        f3c3 f348ffc0 f20f1e00 f2f30f58c1 f3f20f58c1 f30f1efa
        0f1f440000 0f1808 0f1800 0f0d08 0fae38 660fae38 660fae30 0f1c00 0f0138
        d9c9 ddd9 d9c0 d8c1 dcc1 dec1 d800 d8d1 dbf1 dac1 ddd1 dde1 df00 d90510000000 dd00 db28 dfe0 d9ee
        0f28c1 0f2800 0f1000 f30f5808 f20f104c2404 660fefc0 660f3800c1 660f3a0fc108
        f3480f2ac0
        c5fc58c1 c5f877 c4e27d1800 c4e2f9a8c2 c4e37d18c101 c5fdefc0
        62f17c4858c0 62f17cd9584001 62f17c1858c1 62f17c3858c1 62f2fd499204c8
        62f1fd482900 62f17c492800
        a4 48a5 f3a4 f348ab ac f2ae a6 f3a6 6c 6f
        8b0464 8b3426 8b046578563412 8d742600 8db42600000000 428b0424 418b0424 678b0464
    """,
    32: """
        40 48 6a01 6878563412 8b0424 8b4c8df0 66ab a5 f3a5 f2ae 67a4
        ea785634123412 9a785634123412 c5f877 0f0b cd21 8d0500100000
        8b1d10000000 e800000000
        8b0464 8b3426 8b042578563412 8d742600 8b44a500
    """,
    16: """
        8b07 8b4610 8b00 8b01 8b5e00 8b1e3412 e80000 eb00 66b878563412
        678b00 cd10 9a00100010 eafeca0000 a4 66a5
    """,
}

OBJDUMP_ARCH = {64: "i386:x86-64", 32: "i386", 16: "i8086"}
ABS_RE = re.compile(r"\b(es|cs|ss|ds|fs|gs):(0x[0-9a-f]+)")
STR_RE = re.compile(r"^((?:rep[a-z]* )?)(movs|cmps|stos|lods|scas|ins|outs) (.*)$")
SIZE_RE = re.compile(r"\b(byte|word|dword|qword) ptr")
DEFAULT_ASZ = {64: ("rdi", "rsi"), 32: ("edi", "esi"), 16: ("di", "si")}


def cases():
    for mode, text in CASES.items():
        yield from ((mode, tok) for tok in text.split())


def objdump_text(mode, data, tmpdir):
    path = os.path.join(tmpdir, "insn.bin")
    with open(path, "wb") as f:
        f.write(data)
    out = subprocess.run(
        ["objdump", "-D", "-b", "binary", "-m", OBJDUMP_ARCH[mode], "-M", "intel", path],
        check=True, capture_output=True, text=True).stdout
    lines = [l for l in out.splitlines() if re.match(r"^\s+[0-9a-f]+:\t", l)]
    if not lines:
        return None
    first = lines[0].split("\t")
    if len(first) < 3:
        return None
    return first[2]


SPACE_RE = re.compile(r"\s+")
ST_RE = re.compile(r"\bst\b(?!\()")
SEGS_RE = re.compile(r"\b(es|cs|ss|ds|fs|gs):\[(\w+)\]")


def normalise_objdump(mode, text):
    t = text.split("#")[0].strip().lower()
    t = SPACE_RE.sub(" ", t)
    t = t.replace(",", ", ")
    if t.startswith("movabs "):
        t = "mov " + t[7:]
    # absolute address: xie prints [0x10] (with the segment only when overridden)
    if ":0x" in t:
        t = ABS_RE.sub(lambda m: ("" if m.group(1) == "ds" else m.group(1) + ":") + "[" + m.group(2) + "]", t)
    # the x87 top of stack: objdump writes "st", xie "st(0)"
    if "st" in t:
        t = ST_RE.sub("st(0)", t)
    # objdump's repz/repnz: xie writes repe/repne on CMPS/SCAS, rep otherwise
    t = t.replace("repz ", "repe ").replace("repnz ", "repne ")
    if t.startswith("repe ") and not t.startswith(("repe cmps", "repe scas")):
        t = "rep " + t[5:]
    # string instructions with their default segments and address size: xie
    # writes the sized mnemonic without operands (movsb, rep stosq)
    m = STR_RE.match(t)
    if m:
        di, si = DEFAULT_ASZ[mode]
        operands = m.group(3)
        segs = SEGS_RE.findall(operands)
        size = SIZE_RE.search(operands)
        if size and segs and all((s, r) in (("es", di), ("ds", si)) for s, r in segs):
            t = m.group(1) + m.group(2) + {"byte": "b", "word": "w", "dword": "d", "qword": "q"}[size.group(1)]
    return t


def main():
    xie = sys.argv[1]
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmpdir:
        for mode in CASES:
            hexes = [h for (m, h) in cases() if m == mode]
            out = subprocess.run([xie, "decode", "-m", str(mode), "--"] + hexes,
                                 capture_output=True, text=True)
            if out.returncode != 0:
                print("FAIL: xie decode exited %d: %s" % (out.returncode, out.stderr))
                failed += 1
                continue
            results = out.stdout.splitlines()
            for h, line in zip(hexes, results):
                data = bytes.fromhex(h)
                want_raw = objdump_text(mode, data, tmpdir)
                want = normalise_objdump(mode, want_raw) if want_raw is not None else None
                length, _, got = line.partition("\t")
                if want is None or want == "(bad)":
                    ok = length == "invalid"
                else:
                    ok = got == want and length == str(len(data))
                if ok:
                    passed += 1
                else:
                    failed += 1
                    print("FAIL: -m %d %s: xie %r, objdump %r (raw %r)" % (mode, h, line, want, want_raw))
    print("tool objdump: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
