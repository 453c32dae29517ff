#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Strictness tests of tools/isagen.py: small tables that must be rejected with a
file:line message, and tests/golden/mini.isa, which must be accepted.

Usage: python3 tests/golden/isagen_test.py   (exit status 1 on any failure)
"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ISAGEN = os.path.join(ROOT, 'tools', 'isagen.py')

FEAT = 'feature SSE 1 edx 25\n'
# (table text, substring the error message must contain)
BAD = [
    ('add | 01 /r | E.v:rw, G.v | lock\nfoo | 01 /r | E.v, G.v |\n',
     'neither is more specific'),
    ('a | 0F 01 /0 reg | R.v |\nb | W1 0F 01 /r | E.v |\n', 'neither is more specific'),
    ('a | 01 /r | E.v, G.q:xx |\n', 'unknown access'),
    ('a | 01 /r | E.v | bogus\n', 'unknown attribute "bogus"'),
    ('a | 01 | E.v |\n', 'operand uses ModRM but the encoding has none'),
    ('a | 01 /r | E.v, QQ.v |\n', 'unknown operand method'),
    ('a | 01 /r | E.zz |\n', 'unknown operand size'),
    ('a | VEX.128.66.0F.W0 58 /r | V.x, H.x, W.x | cpuid=AVX\n', 'undeclared feature "AVX"'),
    ('a | VEX.1024.66.0F.W0 58 /r | V.x, H.x, W.x |\n', 'bad vector length'),
    ('a | 50+r | Z.v | h=Push\n', 'bad handler name'),
    ('a | 26 |  |\n', 'is a prefix or escape'),
    ('a | 66 |  |\n', 'opcode byte missing'),
    ('a | 0F 01 /0 mem | R.v |\n', 'register-only operand in a "mem" row'),
    ('a | 90 | | i64 o64\n', 'i64 and o64 together'),
    ('a | 0F 0F /r | P.q, Q.q |\n', 'needs 3d=XX'),
    ('a | 01 /r | E.v, G.v | fw=oq\n', 'unknown flag letter'),
    ('a | 01 /r | E.v, G.v | fw=o fu=o\n', 'both written and undefined'),
    (FEAT + 'feature SSE 1 edx 25\n', 'declared twice'),
    ('a | 01 /r | E.v, G.v | tuple=FV\n', 'only applies to EVEX rows'),
    ('a | 01 /r | E.v, G.v | fallback\n', 'fallback needs'),
    ('not a row\n', 'not a feature declaration or a row'),
]


def run(text):
    with tempfile.NamedTemporaryFile('w', suffix='.isa', delete=False) as f:
        f.write(text)
        path = f.name
    try:
        p = subprocess.run([sys.executable, ISAGEN, '--check-only', path],
                           capture_output=True, text=True)
        return p.returncode, p.stderr, path
    finally:
        os.unlink(path)


def main():
    fails = 0
    for text, want in BAD:
        rc, err, path = run(text)
        if rc == 0 or want not in err or (os.path.basename(path) + ':') not in err:
            fails += 1
            print('FAIL: %r\n  want an error containing %r with file:line, got rc=%d %r'
                  % (text, want, rc, err.strip()))
    p = subprocess.run([sys.executable, ISAGEN, '--check-only',
                        os.path.join(HERE, 'mini.isa')], capture_output=True, text=True)
    if p.returncode != 0:
        fails += 1
        print('FAIL: mini.isa rejected: %s' % p.stderr.strip())
    print('isagen_test: %d cases, %d failed' % (len(BAD) + 1, fails))
    return 1 if fails else 0


if __name__ == '__main__':
    sys.exit(main())
