#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Convert the 80286 real-mode vectors (JSON lines, gzip) into the flat text
format run286 reads: one test per line, space-separated decimal numbers after
the group name:

  group exc fmask nbytes  I[14]  F[14]  nram (addr val)*  nwr (addr val)*

I and F are ax bx cx dx cs ss ds es sp bp si di ip flags, initial and final
(final registers the vector omits are unchanged, so they are copied from I).
exc is the exception vector the 286 took (-1: none); nbytes is the length of
`bytes` (the instruction and the appended HLT). fmask is the FLAGS mask
to compare with: the metadata's flags-mask for the group (0xffff when none),
also clearing OF for C0/C1 /0../3 with a masked count above 1 (README: the
metadata misses that undefined case). Standard library only.
"""
import gzip
import json
import sys

REGS = ["ax", "bx", "cx", "dx", "cs", "ss", "ds", "es", "sp", "bp", "si", "di", "ip", "flags"]


def group_meta(meta, group):
    op, _, reg = group.partition(".")
    m = meta["opcodes"].get(op, {})
    if reg and "reg" in m:
        m = m["reg"].get(reg, {})
    return m


def main():
    src, meta_path, out_path = sys.argv[1], sys.argv[2], sys.argv[3]
    with open(meta_path) as f:
        meta = json.load(f)
    n = 0
    with gzip.open(src, "rt") as fin, open(out_path, "w") as out:
        for line in fin:
            t = json.loads(line)
            group = t["file"]
            m = group_meta(meta, group)
            fmask = m.get("flags-mask", 0xFFFF)
            op, _, reg = group.partition(".")
            if op in ("C0", "C1") and reg in ("0", "1", "2", "3"):
                count = t["bytes"][-2] & 0x1F
                if count > 1:
                    fmask &= ~0x0800
            ini = t["initial"]["regs"]
            fin_regs = dict(ini)
            fin_regs.update(t["final"]["regs"])
            fields = [group, str(t.get("exception", -1)), str(fmask), str(len(t["bytes"]))]
            fields += [str(ini[r]) for r in REGS]
            fields += [str(fin_regs[r]) for r in REGS]
            ram = t["initial"]["ram"]
            fields.append(str(len(ram)))
            for a, v in ram:
                fields += [str(a), str(v)]
            wr = t["final"]["ram"]
            fields.append(str(len(wr)))
            for a, v in wr:
                fields += [str(a), str(v)]
            out.write(" ".join(fields) + "\n")
            n += 1
    print("converted %d tests" % n)


if __name__ == "__main__":
    main()
