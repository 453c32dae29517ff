#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Check one freestanding build of the xie core (see check.sh).

Given the output directory of tests/freestanding/Makefile, verify that
  - the core objects linked together (xie-core.o, ld -r) leave no undefined
    symbol outside allowed-undefined.txt;
  - no writable data section has contents (no mutable globals; relocated
    read-only data, .data.rel.ro*, is allowed: it is constant after loading);
  - no function has an unbounded stack frame (VLA, alloca);
  - with gcc call-graph files (-fcallgraph-info=su): there is no recursion, and
    the deepest call chain from each public entry point fits XIE_STACK_LIMIT.
Prints per-function stack usage (top entries and the maximum). Exit 1 on a
violation. Standard library only.
"""
import argparse
import os
import re
import subprocess
import sys


def run(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def read_allowed(path):
    allowed = {}
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                allowed[line.split()[0]] = True
    return allowed


def undefined_symbols(obj):
    out = run(["nm", "-u", obj])
    return sorted({ln.split()[-1] for ln in out.splitlines() if ln.strip()})


def writable_sections(obj):
    """Sections that are allocated, writable and not empty."""
    out = run(["readelf", "-S", "-W", obj])
    bad = []
    for ln in out.splitlines():
        m = re.match(r"\s*\[\s*\d+\]\s+(\S+)\s+(\S+)\s+\S+\s+\S+\s+([0-9a-f]+)\s+\S+\s+(\S*)", ln)
        if not m:
            continue
        name, typ, size, flags = m.group(1), m.group(2), int(m.group(3), 16), m.group(4)
        if "A" in flags and "W" in flags and size > 0 and not name.startswith(".data.rel.ro"):
            bad.append((name, typ, size))
    return bad


def symbols_in(obj, section):
    out = run(["objdump", "-t", obj])
    syms = []
    for ln in out.splitlines():
        parts = ln.split()
        if len(parts) >= 5 and section in parts:
            syms.append(parts[-1])
    return syms


def stack_usage(outdir):
    """[(bytes, qualifier, where)] from every .su file."""
    res = []
    for root, _, files in os.walk(outdir):
        for fn in files:
            if not fn.endswith(".su"):
                continue
            with open(os.path.join(root, fn)) as f:
                for ln in f:
                    parts = ln.rstrip("\n").split("\t")
                    if len(parts) == 3:
                        res.append((int(parts[1]), parts[2], parts[0]))
    return res


NODE = re.compile(r'node: \{ title: "([^"]+)" label: "([^"]*)"')
EDGE = re.compile(r'edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"')
FRAME = re.compile(r"\\n(\d+) bytes \((\w[\w,]*)\)")


def call_graph(outdir):
    """Merge gcc .ci files: {node: frame bytes or None}, {node: set(callees)}."""
    frames, edges = {}, {}
    for root, _, files in os.walk(outdir):
        for fn in files:
            if not fn.endswith(".ci"):
                continue
            with open(os.path.join(root, fn)) as f:
                for ln in f:
                    m = NODE.search(ln)
                    if m:
                        fm = FRAME.search(m.group(2))
                        if fm or m.group(1) not in frames:
                            frames[m.group(1)] = int(fm.group(1)) if fm else None
                        continue
                    m = EDGE.search(ln)
                    if m:
                        edges.setdefault(m.group(1), set()).add(m.group(2))
    return frames, edges


def deepest_chains(frames, edges):
    """Worst-case stack per node (iterative DFS); returns (depths, cycles)."""
    depth, best_next, cycles = {}, {}, []
    state = {}
    for start in frames:
        if start in depth:
            continue
        stack = [(start, iter(sorted(edges.get(start, ()))))]
        state[start] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                stack.pop()
                own = frames.get(node) or 0
                worst, via = 0, None
                for c in edges.get(node, ()):
                    if depth.get(c, 0) > worst:
                        worst, via = depth[c], c
                depth[node] = own + worst
                best_next[node] = via
                state[node] = 2
                continue
            if state.get(nxt) == 1:
                cycles.append([n for n, _ in stack] + [nxt])
            elif nxt not in state:
                state[nxt] = 1
                stack.append((nxt, iter(sorted(edges.get(nxt, ())))))
    return depth, best_next, cycles


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outdir")
    ap.add_argument("--label", default="")
    ap.add_argument("--allowed", required=True)
    ap.add_argument("--frame-limit", type=int, default=int(os.environ.get("XIE_FRAME_LIMIT", "2048")))
    ap.add_argument("--stack-limit", type=int, default=int(os.environ.get("XIE_STACK_LIMIT", "2048")))
    a = ap.parse_args()
    obj = os.path.join(a.outdir, "xie-core.o")
    errors = []

    allowed = read_allowed(a.allowed)
    undef = undefined_symbols(obj)
    extra = [s for s in undef if s not in allowed]
    print(f"[{a.label}] undefined symbols: {', '.join(undef) if undef else 'none'}")
    for s in extra:
        errors.append(f"undefined symbol '{s}' is not in {os.path.basename(a.allowed)}")

    for name, typ, size in writable_sections(obj):
        syms = symbols_in(obj, name)
        errors.append(f"writable section {name} ({typ}, {size} bytes): mutable global state"
                      f" ({', '.join(syms[:8]) or 'no symbols'})")

    su = stack_usage(a.outdir)
    su.sort(reverse=True)
    if su:
        top = ", ".join(f"{w.split(':')[-1]} {n}" for n, _, w in su[:5])
        print(f"[{a.label}] stack frames: {len(su)} functions, max {su[0][0]} bytes; largest: {top}")
    for n, q, w in su:
        # "dynamic,bounded" (argument pushes on i386, stack realignment) has n as its
        # bound; plain "dynamic" is unbounded (VLA, alloca).
        if "dynamic" in q and "bounded" not in q:
            errors.append(f"{w}: unbounded stack frame ({n} bytes, {q}): VLA or alloca")
        if n > a.frame_limit:
            errors.append(f"{w}: stack frame {n} bytes > limit {a.frame_limit}")

    frames, edges = call_graph(a.outdir)
    if frames:
        depth, best_next, cycles = deepest_chains(frames, edges)
        for cyc in cycles:
            errors.append("recursion: " + " -> ".join(cyc))
        # Depths below cut recursive edges; any recursion already fails above.
        entries = sorted((n for n in frames if n.startswith("xie_") and ":" not in n),
                         key=lambda n: -depth.get(n, 0))
        unknown = sorted(n for n, fr in frames.items()
                         if fr is None and n != "__indirect_call" and n in depth)
        if unknown:
            errors.append("calls to functions outside the core: " + ", ".join(unknown))
        for n in entries[:8]:
            chain, c = [], n
            while c:
                chain.append(c.split(":")[-1])
                c = best_next.get(c)
            print(f"[{a.label}] deepest stack from {n}: {depth[n]} bytes"
                  f" ({' -> '.join(chain)}; host callbacks not counted)")
        for n in entries:
            if depth[n] > a.stack_limit:
                errors.append(f"stack depth from {n} is {depth[n]} bytes > limit {a.stack_limit}")
        if entries:
            print(f"[{a.label}] maximum stack depth of any public entry: {depth[entries[0]]} bytes"
                  f" (limit {a.stack_limit})")

    for e in errors:
        print(f"[{a.label}] FAIL: {e}")
    print(f"[{a.label}] {'FAIL' if errors else 'ok'}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
