#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Worst-case stack depth of one emulation call (xie_emulate / xie_emulate_insn).

Reads the .ci call-graph files gcc writes with -fcallgraph-info=su (per-function
frame sizes and direct call edges). Indirect calls are resolved the way the
engine makes them: from the dispatcher `run` to every handler of the handler
table (xiei_h_*); every other indirect call is a host callback, which is not
xie's stack. The core has no recursion, so the graph is a DAG.
Usage: stack_depth.py LIMIT FILE.ci...   Prints the deepest path; exit 1 if the
total exceeds LIMIT bytes.
"""
import re
import sys

NODE = re.compile(r'node: \{ title: "([^"]+)" label: "([^"]*)"')
EDGE = re.compile(r'edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"')


def short(title):
    """Printable name: file-local (static) functions carry their file."""
    if title.startswith('/'):
        path, name = title.rsplit(':', 1)
        return '%s:%s' % (path.rsplit('/', 1)[-1], name)
    return title


def key(title):
    """Graph key: statics stay qualified by file, so equal names do not merge."""
    return title


def main():
    limit = int(sys.argv[1])
    size, edges = {}, {}
    for path in sys.argv[2:]:
        with open(path) as f:
            for line in f:
                m = NODE.match(line)
                if m:
                    s = re.search(r'\\n(\d+) bytes', m.group(2))
                    if s:
                        size[key(m.group(1))] = int(s.group(1))
                    continue
                m = EDGE.match(line)
                if m:
                    edges.setdefault(key(m.group(1)), set()).add(key(m.group(2)))
    handlers = {n for n in size if n.startswith('xiei_h_')}
    for n, targets in edges.items():
        if '__indirect_call' in targets and short(n).split(':')[-1].startswith('run'):
            targets |= handlers
    memo = {}
    recursion = set()

    def depth(n, stack=()):
        if n in memo:
            return memo[n]
        best, path = 0, []
        for t in edges.get(n, ()):
            if t == '__indirect_call':
                continue
            if t == n or t in stack:
                # The core must not recurse; report it, measure without it.
                recursion.add(short(t))
                continue
            d, p = depth(t, stack + (n,))
            if d > best:
                best, path = d, p
        memo[n] = (size.get(n, 0) + best, [n] + path)
        return memo[n]

    worst = 0
    for entry in ('xie_emulate', 'xie_emulate_insn'):
        d, p = depth(entry)
        print('%s: %d bytes: %s' % (entry, d,
              ' -> '.join('%s(%d)' % (short(x), size.get(x, 0)) for x in p)))
        worst = max(worst, d)
    print('max stack of one emulation call: %d bytes (limit %d)' % (worst, limit))
    if recursion:
        print('ERROR: recursion (not allowed in the core) through: ' +
              ', '.join(sorted(recursion)))
    return 1 if worst > limit or recursion else 0


if __name__ == '__main__':
    sys.exit(main())
