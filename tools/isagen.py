#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""xie ISA table generator (Python 3 standard library only).

Usage:
  python3 tools/isagen.py [--check | --check-only] [--out DIR] FILE...

FILE...      the table (default isa/x86.isa; several files are read in
             order as one); the grammar is documented at the top of
             isa/x86.isa.
--out DIR    write the outputs under DIR instead of the repository root.
--check      regenerate into a temporary directory and compare with the
             committed files; exit 1 and print a diff on any difference.
--check-only parse and validate the table only; write nothing.

Outputs (relative to the root): include/xie/ops.h, src/gen/forms.c,
src/gen/handlers.h, src/gen/features.h, src/gen/features.c,
src/gen/decode_tab.c, docs/isa-coverage.md.

Errors are reported as FILE:LINE: message, and the exit status is 1.
"""

import difflib
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class IsaError(Exception):
    pass


# ------------------------------------------------------------------ constants

FLAG_LETTERS = {
    'o': 'XIEI_F_OF', 's': 'XIEI_F_SF', 'z': 'XIEI_F_ZF', 'a': 'XIEI_F_AF',
    'p': 'XIEI_F_PF', 'c': 'XIEI_F_CF', 'd': 'XIEI_F_DF', 'i': 'XIEI_F_IF',
    't': 'XIEI_F_TF', 'r': 'XIEI_F_RF', 'v': 'XIEI_F_VM', 'x': 'XIEI_F_AC',
    'n': 'XIEI_F_NT', 'l': 'XIEI_F_IOPL',
}
FLAG_BITS = {
    'XIEI_F_CF': 0x1, 'XIEI_F_PF': 0x4, 'XIEI_F_AF': 0x10, 'XIEI_F_ZF': 0x40,
    'XIEI_F_SF': 0x80, 'XIEI_F_TF': 0x100, 'XIEI_F_IF': 0x200, 'XIEI_F_DF': 0x400,
    'XIEI_F_OF': 0x800, 'XIEI_F_IOPL': 0x3000, 'XIEI_F_NT': 0x4000,
    'XIEI_F_RF': 0x10000, 'XIEI_F_VM': 0x20000, 'XIEI_F_AC': 0x40000,
}
ALL_FLAGS = 0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x100 | 0x200 | 0x400 | 0x800 | \
    0x3000 | 0x4000 | 0x10000 | 0x20000 | 0x40000

# Operand methods -> (C enumerator suffix, kind of field it reads)
METHODS = {
    'E': 'E', 'G': 'G', 'M': 'M', 'R': 'R', 'B': 'B', 'Z': 'Z', 'S': 'S',
    'C': 'C', 'D': 'D', 'P': 'P', 'Q': 'Q', 'N': 'N', 'V': 'V', 'W': 'W',
    'U': 'U', 'H': 'H', 'L': 'L', 'KG': 'KG', 'KE': 'KE', 'KR': 'KR',
    'KH': 'KH', 'KA': 'KA', 'TG': 'TG', 'TR': 'TR', 'TH': 'TH', 'BG': 'BG',
    'BE': 'BE', 'ST': 'ST', 'ST0': 'ST0', 'I': 'I', 'J': 'J', 'O': 'O',
    'A': 'A', 'X': 'X', 'Y': 'Y', 'XD': 'XD', 'XB': 'XB', 'VSIB': 'VSIB', '1': 'ONE',
}
# Implicit registers: name -> (method enumerator, register number)
IMPLICIT = {
    '@A': ('IGPR', 0), '@C': ('IGPR', 1), '@D': ('IGPR', 2), '@B': ('IGPR', 3),
    '@SP': ('IGPR', 4), '@BP': ('IGPR', 5), '@SI': ('IGPR', 6), '@DI': ('IGPR', 7),
    '@AH': ('IGPR8H', 4),
    '@ES': ('ISEG', 0), '@CS': ('ISEG', 1), '@SS': ('ISEG', 2), '@DS': ('ISEG', 3),
    '@FS': ('ISEG', 4), '@GS': ('ISEG', 5),
    '@XMM0': ('IVEC', 0), '@ST0': ('IST', 0), '@ST1': ('IST', 1),
}
# Methods reading ModRM.
MODRM_METHODS = {'E', 'G', 'M', 'R', 'S', 'C', 'D', 'P', 'Q', 'N', 'V', 'W', 'U',
                 'KG', 'KE', 'KR', 'TG', 'TR', 'BG', 'BE', 'ST', 'VSIB'}
VVVV_METHODS = {'B', 'H', 'KH', 'TH'}
MEM_CAPABLE = {'E', 'M', 'Q', 'W', 'KE', 'BE', 'VSIB', 'O', 'X', 'Y', 'XD', 'XB'}
# Variable size codes (must match enum xiei_opsize in src/decode_tab.h).
VAR_SIZES = ['v', 'z', 'y', 'x', 'h', 'qt', 'oc', 'p', 's', 'a', 'e', 'f', 'as']
FIXED_SIZES = {'b': 1, 'w': 2, 'd': 4, 'q': 8, 't': 10, 'dq': 16, 'qq': 32, 'zq': 64}
ACCESS = {'r': 'XIE_ACC_R', 'w': 'XIE_ACC_W', 'rw': 'XIE_ACC_RW', 'n': 'XIE_ACC_NONE',
          'cw': 'XIE_ACC_CW', 'crw': 'XIE_ACC_CRW'}
TUPLES = ['FV', 'FVM', 'HV', 'HVM', 'QV', 'QVM', 'OVM', 'T1S', 'T1F', 'T2', 'T4', 'T8',
          'M128', 'DUP']
PFX_NAMES = {'NP': 1, '66': 2, 'F3': 3, 'F2': 4}
PFX_C = {0: 'XIEI_PFX_ANY', 1: 'XIEI_PFX_NP', 2: 'XIEI_PFX_66', 3: 'XIEI_PFX_F3',
         4: 'XIEI_PFX_F2'}
ENC_C = ['XIEI_ENC_LEGACY', 'XIEI_ENC_VEX', 'XIEI_ENC_EVEX', 'XIEI_ENC_XOP',
         'XIEI_ENC_3DNOW']
VEX_MAPS = {'0F': 1, '0F38': 2, '0F3A': 3}
EVEX_MAPS = {'0F': 1, '0F38': 2, '0F3A': 3, 'MAP5': 5, 'MAP6': 6}
XOP_MAPS = {'M8': 8, 'M9': 9, 'MA': 10}

# Decode key bits (must match src/decode_tab.h).
K_RM, K_REG, K_MOD3, K_MODE64, K_W, K_L, K_REXB, K_PFX = 0, 3, 6, 7, 8, 9, 11, 12

# Opcode spaces of the decode index (must match src/decode_tab.h).
SPACE_LEGACY = {0: 0, 1: 1, 2: 2, 3: 3}
SPACE_3DNOW = 4
SPACE_VEX = {1: 5, 2: 6, 3: 7}
SPACE_EVEX = {1: 8, 2: 9, 3: 10, 5: 11, 6: 12}
SPACE_XOP = {8: 13, 9: 14, 10: 15}
NSPACES = 16

BOOL_ATTRS = {'lock', 'rep', 'repcc', 'i64', 'o64', 'd64', 'f64', 'norexb', 'intel',
              'amd', 'cpl0', 'er', 'sae', 'k', 'z', 'kreq', 'fallback', 'sib', 'dstdiff',
              'distinct', 'no66', 'osz66'}
KV_ATTRS = {'cpuid', 'fr', 'fw', 'fu', 'f0', 'f1', 'h', 'align', 'tuple', 'bcst',
            'vsib', '3d', 'esize'}

HEX2 = re.compile(r'^[0-9A-F]{2}$')


# ------------------------------------------------------------------ parsing

class Operand:
    def __init__(self, text, where):
        self.text = text
        self.implicit = text.startswith('~')
        if self.implicit:
            text = text[1:]
        m = re.match(r'^([^.:]+)(?:\.([^:]+))?(?::([a-z]+))?$', text)
        if not m:
            raise IsaError('%s: bad operand "%s"' % (where, text))
        meth, size, acc = m.group(1), m.group(2), m.group(3)
        if meth.startswith('@'):
            if meth not in IMPLICIT:
                raise IsaError('%s: unknown implicit operand "%s"' % (where, meth))
            self.cmeth, self.reg = IMPLICIT[meth]
        elif meth in METHODS:
            self.cmeth, self.reg = METHODS[meth], 0
        else:
            raise IsaError('%s: unknown operand method "%s"' % (where, meth))
        self.meth = meth
        self.zext = False
        if size is None:
            if meth in ('1', 'ST', 'ST0', '@ST0', '@ST1', '@ES', '@CS', '@SS', '@DS',
                        '@FS', '@GS', 'S', 'C', 'D'):
                size = {'S': 'w', 'C': 'y', 'D': 'y', '1': 'b'}.get(meth, 't')
                if meth.startswith('@') and meth[1:] in ('ES', 'CS', 'SS', 'DS', 'FS', 'GS'):
                    size = 'w'
            elif meth == '@AH':
                size = 'b'
            elif meth in ('KG', 'KE', 'KR', 'KH', 'KA'):
                size = 'q'  # an opmask register is 64 bits wide
            elif meth in ('TG', 'TR', 'TH'):
                size = '1024'  # a tile register holds up to 1 KiB
            elif meth in ('BG', 'BE'):
                size = 'dq'
            else:
                raise IsaError('%s: operand "%s" needs a size' % (where, text))
        if size == 'ub':
            if meth != 'I':
                raise IsaError('%s: size "ub" only applies to I' % where)
            size, self.zext = 'b', True
        if size in FIXED_SIZES:
            self.fixed, self.var = FIXED_SIZES[size], None
        elif size in VAR_SIZES:
            self.fixed, self.var = None, size
        elif re.match(r'^[0-9]+$', size):
            self.fixed, self.var = int(size), None
            if self.fixed > 65535:
                raise IsaError('%s: size %s too large' % (where, size))
        else:
            raise IsaError('%s: unknown operand size "%s" in "%s"' % (where, size, text))
        self.size = size
        if acc is None:
            acc = 'r'
        if acc not in ACCESS:
            raise IsaError('%s: unknown access "%s" in "%s"' % (where, acc, text))
        self.acc = acc
        if meth in ('I', 'J') and size not in ('b', 'w', 'z', 'd', 'v'):
            raise IsaError('%s: immediate "%s" must be .b .ub .w .z .d or .v' % (where, text))


class Row:
    pass


def parse_flags(val, where):
    if val == 'all':
        return ALL_FLAGS
    mask = 0
    for ch in val:
        if ch not in FLAG_LETTERS:
            raise IsaError('%s: unknown flag letter "%s"' % (where, ch))
        mask |= FLAG_BITS[FLAG_LETTERS[ch]]
    return mask


def parse_modrm_tokens(toks, row, where):
    """Parse the MODRM part of an encoding (list of tokens)."""
    row.modrm = False
    row.mreg = None
    row.mrm = None
    row.mmod = None  # None, 'mem', 'reg'
    if not toks:
        return
    t = toks[0]
    row.modrm = True
    if t == '/r':
        pass
    elif re.match(r'^/[0-7]$', t):
        row.mreg = int(t[1])
    elif HEX2.match(t):
        b = int(t, 16)
        if b >> 6 != 3:
            raise IsaError('%s: complete ModRM byte %s must have mod = 3' % (where, t))
        row.mmod, row.mreg, row.mrm = 'reg', (b >> 3) & 7, b & 7
        if len(toks) > 1:
            raise IsaError('%s: unexpected "%s" after ModRM byte' % (where, toks[1]))
        return
    else:
        raise IsaError('%s: bad ModRM "%s"' % (where, t))
    for t in toks[1:]:
        if t in ('mem', 'reg'):
            if row.mmod is not None:
                raise IsaError('%s: duplicate mem/reg' % where)
            row.mmod = t
        elif re.match(r'^rm=[0-7]$', t):
            if row.mmod != 'reg':
                raise IsaError('%s: rm=N needs "reg" before it' % where)
            row.mrm = int(t[3])
        else:
            raise IsaError('%s: unexpected "%s" in encoding' % (where, t))


def parse_encoding(enc, row, where):
    toks = enc.split()
    if not toks:
        raise IsaError('%s: empty encoding' % where)
    row.pfx = 0
    row.w = None
    row.lens = None  # set of 0/1/2, or None (ignored)
    row.lz = False
    row.plusr = False
    if toks[0].startswith(('VEX.', 'EVEX.', 'XOP.')):
        parts = toks[0].split('.')
        kind = parts[0]
        if len(parts) != 5:
            raise IsaError('%s: "%s" must be %s.L.PP.MAP.W' % (where, toks[0], kind))
        _, l, pp, mp, w = parts
        row.enc = {'VEX': 1, 'EVEX': 2, 'XOP': 3}[kind]
        maps = {1: VEX_MAPS, 2: EVEX_MAPS, 3: XOP_MAPS}[row.enc]
        if mp not in maps:
            raise IsaError('%s: unknown %s map "%s"' % (where, kind, mp))
        row.map = maps[mp]
        if pp not in PFX_NAMES:
            raise IsaError('%s: unknown pp "%s"' % (where, pp))
        row.pfx = PFX_NAMES[pp]
        if w == 'W0':
            row.w = 0
        elif w == 'W1':
            row.w = 1
        elif w != 'WIG':
            raise IsaError('%s: unknown W "%s"' % (where, w))
        lmap = {'128': 0, '256': 1, '512': 2}
        if l == 'LIG':
            row.lens = None
        elif l == 'LZ' and row.enc != 2:
            row.lens, row.lz = {0}, True
        else:
            row.lens = set()
            for x in l.split('/'):
                if x not in lmap or (lmap[x] == 2 and row.enc != 2):
                    raise IsaError('%s: bad vector length "%s"' % (where, x))
                row.lens.add(lmap[x])
        if len(toks) < 2 or not HEX2.match(toks[1]):
            raise IsaError('%s: opcode byte expected after %s' % (where, toks[0]))
        row.opcode = int(toks[1], 16)
        parse_modrm_tokens(toks[2:], row, where)
        return
    row.enc = 0
    i = 0
    if toks[i] in PFX_NAMES:
        row.pfx = PFX_NAMES[toks[i]]
        i += 1
    if i < len(toks) and toks[i] in ('W0', 'W1'):
        row.w = int(toks[i][1])
        i += 1
    row.map = 0
    if i < len(toks) and toks[i] == '0F':
        row.map = 1
        i += 1
        if i < len(toks) and toks[i] in ('38', '3A'):
            row.map = 2 if toks[i] == '38' else 3
            i += 1
        elif i < len(toks) and toks[i] == '0F' and 1 < len(toks) - i and toks[i + 1] == '/r':
            row.enc = 4
            row.map = 15
            i += 1
    if i >= len(toks):
        raise IsaError('%s: opcode byte missing' % where)
    t = toks[i]
    i += 1
    if row.enc == 4:
        row.opcode = 0x0F
        i -= 1
    else:
        m = re.match(r'^([0-9A-F]{2})(\+r)?$', t)
        if not m:
            raise IsaError('%s: bad opcode "%s"' % (where, t))
        row.opcode = int(m.group(1), 16)
        if m.group(2):
            if row.opcode & 7:
                raise IsaError('%s: OP+r needs an opcode with low three bits 0' % where)
            row.plusr = True
        if row.map == 0 and row.opcode in (0x0F, 0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65, 0x66,
                                           0x67, 0xF0, 0xF2, 0xF3):
            raise IsaError('%s: opcode %02X is a prefix or escape' % (where, row.opcode))
    parse_modrm_tokens(toks[i:], row, where)
    if row.plusr and row.modrm:
        raise IsaError('%s: OP+r row cannot have a ModRM' % where)


def parse_row(line, where, features):
    fields = [f.strip() for f in line.split('|')]
    if len(fields) < 2 or len(fields) > 4:
        raise IsaError('%s: a row is MNEMONIC | ENCODING | OPERANDS | ATTRIBUTES' % where)
    while len(fields) < 4:
        fields.append('')
    row = Row()
    row.where = where
    row.mnem = fields[0]
    if not re.match(r'^[a-z][a-z0-9_]*$', row.mnem):
        raise IsaError('%s: bad mnemonic "%s" (lower case, digits, _)' % (where, row.mnem))
    row.enc_text = fields[1]
    parse_encoding(fields[1], row, where)
    row.ops_text = fields[2]
    row.ops = []
    if fields[2]:
        for t in fields[2].split(','):
            row.ops.append(Operand(t.strip(), where))
    if len(row.ops) > 6:
        raise IsaError('%s: more than 6 operands' % where)
    row.attrs = set()
    row.kv = {}
    for t in fields[3].split():
        if '=' in t:
            k, v = t.split('=', 1)
            if k not in KV_ATTRS:
                raise IsaError('%s: unknown attribute "%s"' % (where, k))
            if k in row.kv:
                raise IsaError('%s: duplicate attribute "%s"' % (where, k))
            if not v:
                raise IsaError('%s: empty value for "%s"' % (where, k))
            row.kv[k] = v
        else:
            if t not in BOOL_ATTRS:
                raise IsaError('%s: unknown attribute "%s"' % (where, t))
            if t in row.attrs:
                raise IsaError('%s: duplicate attribute "%s"' % (where, t))
            row.attrs.add(t)
    a = row.attrs
    if 'i64' in a and 'o64' in a:
        raise IsaError('%s: i64 and o64 together' % where)
    if 'intel' in a and 'amd' in a:
        raise IsaError('%s: intel and amd together' % where)
    if 'norexb' in a and not row.plusr and row.enc == 0 and row.opcode & 7 == 0:
        pass
    if 'norexb' in a and row.enc != 0:
        raise IsaError('%s: norexb only applies to legacy rows' % where)
    evex_only = {'er', 'sae', 'k', 'z', 'kreq'} & a
    if evex_only and row.enc != 2:
        raise IsaError('%s: %s only apply to EVEX rows' % (where, ' '.join(sorted(evex_only))))
    for k in ('tuple', 'bcst', 'esize'):
        if k in row.kv and row.enc != 2:
            raise IsaError('%s: %s= only applies to EVEX rows' % (where, k))
    if 'tuple' in row.kv and row.kv['tuple'] not in TUPLES:
        raise IsaError('%s: unknown tuple "%s"' % (where, row.kv['tuple']))
    if 'bcst' in row.kv and row.kv['bcst'] not in ('d', 'q', 'w'):
        raise IsaError('%s: bcst must be d, q or w' % where)
    if 'esize' in row.kv and row.kv['esize'] not in ('b', 'w', 'd', 'q'):
        raise IsaError('%s: esize must be b, w, d or q' % where)
    if 'vsib' in row.kv and row.kv['vsib'] not in ('x', 'y', 'z'):
        raise IsaError('%s: vsib must be x, y or z' % where)
    if 'osz66' in a and (row.pfx != 2 or row.enc != 0):
        raise IsaError('%s: osz66 only applies to legacy rows with the 66 prefix key' % where)
    if 'fallback' in a and ('cpuid' not in row.kv or row.pfx == 0 or row.enc != 0):
        raise IsaError('%s: fallback needs a legacy row with a mandatory prefix and cpuid=' % where)
    if '3d' in row.kv:
        if row.enc != 4:
            raise IsaError('%s: 3d= only applies to "0F 0F /r" rows' % where)
        if not HEX2.match(row.kv['3d']):
            raise IsaError('%s: 3d= needs a hex byte' % where)
        row.suffix = int(row.kv['3d'], 16)
    elif row.enc == 4:
        raise IsaError('%s: a 0F 0F row needs 3d=XX' % where)
    row.feat = []
    if 'cpuid' in row.kv:
        for f in row.kv['cpuid'].split(','):
            if f not in features:
                raise IsaError('%s: undeclared feature "%s"' % (where, f))
            row.feat.append(f)
        if len(row.feat) > 2:
            raise IsaError('%s: at most two cpuid features' % where)
    row.fr = parse_flags(row.kv.get('fr', ''), where)
    row.f0 = parse_flags(row.kv.get('f0', ''), where)
    row.f1 = parse_flags(row.kv.get('f1', ''), where)
    row.fw = parse_flags(row.kv.get('fw', ''), where) | row.f0 | row.f1
    row.fu = parse_flags(row.kv.get('fu', ''), where)
    if row.fu & row.fw:
        raise IsaError('%s: a flag is both written and undefined' % where)
    row.align = 0
    if 'align' in row.kv:
        if row.kv['align'] not in ('1', '2', '4', '8', '16', '32', '64'):
            raise IsaError('%s: bad align "%s"' % (where, row.kv['align']))
        row.align = int(row.kv['align'])
    row.handler = row.kv.get('h')
    if row.handler is not None and not re.match(r'^[a-z][a-z0-9_]*$', row.handler):
        raise IsaError('%s: bad handler name "%s"' % (where, row.handler))
    check_operands(row, where)
    return row


def check_operands(row, where):
    meths = [o.meth for o in row.ops]
    needs_modrm = any(m in MODRM_METHODS for m in meths)
    if needs_modrm and not row.modrm:
        raise IsaError('%s: operand uses ModRM but the encoding has none' % where)
    if any(m == 'Z' for m in meths) and not row.plusr:
        raise IsaError('%s: operand Z needs an OP+r encoding' % where)
    if row.plusr and 'Z' not in meths:
        raise IsaError('%s: OP+r row without a Z operand' % where)
    if any(m in ('G', 'S', 'C', 'D', 'P', 'V', 'KG', 'TG', 'BG') for m in meths) and \
            row.mreg is not None:
        raise IsaError('%s: ModRM.reg operand with a fixed /digit' % where)
    if any(m in VVVV_METHODS for m in meths) and row.enc in (0, 4):
        raise IsaError('%s: vvvv operand in a legacy row' % where)
    if any(m in ('M', 'VSIB') for m in meths):
        if row.mmod == 'reg':
            raise IsaError('%s: memory-only operand in a "reg" row' % where)
        row.mmod = 'mem'  # implied: M/VSIB need mod != 3
    if any(m in ('R', 'N', 'U', 'KR', 'TR') for m in meths) and \
            not any(m in ('C', 'D') for m in meths):
        if row.mmod == 'mem':
            raise IsaError('%s: register-only operand in a "mem" row' % where)
        row.mmod = 'reg'  # implied: R/N/U/KR/TR need mod == 3
    if 'VSIB' in meths and 'vsib' not in row.kv:
        raise IsaError('%s: VSIB operand needs vsib=x|y|z' % where)
    imms = [o for o in row.ops if o.meth in ('I', 'J', 'O', 'A', 'L')]
    kinds = [o.meth for o in imms]
    if kinds.count('O') + kinds.count('A') + kinds.count('J') > 1:
        raise IsaError('%s: more than one offset/pointer/branch operand' % where)
    if len([o for o in imms if o.meth != 'L']) > 2:
        raise IsaError('%s: more than two immediates' % where)
    if ('O' in kinds or 'A' in kinds or 'J' in kinds) and 'I' in kinds:
        raise IsaError('%s: offset/pointer/branch with an immediate' % where)
    if row.enc == 4 and row.ops and any(o.meth == 'I' for o in row.ops):
        raise IsaError('%s: 3DNow! rows have no immediate' % where)


def parse_files(paths):
    features = {}
    feat_order = []
    rows = []
    for path in paths:
        with open(path, encoding='utf-8') as f:
            lines = f.read().split('\n')
        for n, raw in enumerate(lines, 1):
            where = '%s:%d' % (path, n)
            line = raw.split('#', 1)[0].strip()
            if not line:
                continue
            if line.startswith('feature ') or line == 'feature':
                t = line.split()
                if len(t) != 5:
                    raise IsaError('%s: feature NAME LEAF[.SUBLEAF] REG BIT' % where)
                name = t[1]
                if not re.match(r'^[A-Z0-9][A-Z0-9_]*$', name):
                    raise IsaError('%s: bad feature name "%s"' % (where, name))
                if name in features:
                    raise IsaError('%s: feature %s declared twice (first at %s)'
                                   % (where, name, features[name]['where']))
                if t[2] == '-':
                    if t[3] != '-' or t[4] != '-':
                        raise IsaError('%s: a non-CPUID feature is "feature NAME - - -"' % where)
                    leaf, sub, reg, bit = 0xffffffff, 0, 0, 0
                else:
                    m = re.match(r'^([0-9A-Fa-f]+)(?:\.([0-9A-Fa-f]+))?$', t[2])
                    if not m:
                        raise IsaError('%s: bad leaf "%s"' % (where, t[2]))
                    leaf = int(m.group(1), 16)
                    sub = int(m.group(2), 16) if m.group(2) else 0
                    if t[3] not in ('eax', 'ebx', 'ecx', 'edx'):
                        raise IsaError('%s: register must be eax, ebx, ecx or edx' % where)
                    reg = ('eax', 'ebx', 'ecx', 'edx').index(t[3])
                    if not re.match(r'^[0-9]+$', t[4]) or int(t[4]) > 31:
                        raise IsaError('%s: bit must be 0..31' % where)
                    bit = int(t[4])
                features[name] = {'where': where, 'leaf': leaf, 'sub': sub, 'reg': reg,
                                  'bit': bit}
                feat_order.append(name)
                continue
            if '|' not in line:
                raise IsaError('%s: not a feature declaration or a row' % where)
            rows.append((line, where))
    parsed = [parse_row(line, where, features) for line, where in rows]
    return feat_order, features, parsed


# ------------------------------------------------------------------ decode index

def row_key(row):
    """(mask, value) over the decode key; see src/decode_tab.h."""
    mask = value = 0
    if row.mrm is not None:
        mask |= 7 << K_RM
        value |= row.mrm << K_RM
    if row.mreg is not None:
        mask |= 7 << K_REG
        value |= row.mreg << K_REG
    if row.mmod is not None:
        mask |= 1 << K_MOD3
        value |= (1 if row.mmod == 'reg' else 0) << K_MOD3
    if 'i64' in row.attrs:
        mask |= 1 << K_MODE64
    if 'o64' in row.attrs:
        mask |= 1 << K_MODE64
        value |= 1 << K_MODE64
    if row.w is not None:
        mask |= 1 << K_W
        value |= row.w << K_W
    if row.lens is not None and row.enc in (1, 2, 3):
        if len(row.lens) == 1:
            mask |= 3 << K_L
            value |= list(row.lens)[0] << K_L
    if 'norexb' in row.attrs:
        mask |= 1 << K_REXB
    if row.pfx:
        mask |= 7 << K_PFX
        value |= row.pfx << K_PFX
    return mask, value


def lens_keys(row):
    """Row entries: one per allowed vector length when several (but not all) apply."""
    mask, value = row_key(row)
    if row.enc in (1, 2, 3) and row.lens is not None and len(row.lens) > 1:
        return [(mask | (3 << K_L), value | (l << K_L)) for l in sorted(row.lens)]
    return [(mask, value)]


def space_of(row):
    if row.enc == 0:
        return SPACE_LEGACY[row.map]
    if row.enc == 4:
        return SPACE_3DNOW
    return {1: SPACE_VEX, 2: SPACE_EVEX, 3: SPACE_XOP}[row.enc][row.map]


def popcount(x):
    return bin(x).count('1')


def build_index(rows):
    """Per (space, opcode) list of (mask, value, form) entries in match order."""
    slots = {}
    for fi, row in enumerate(rows):
        sp = space_of(row)
        if row.enc == 4:
            opcodes = [row.suffix]
        elif row.plusr:
            opcodes = [row.opcode + r for r in range(8)]
        else:
            opcodes = [row.opcode]
        for opc in opcodes:
            for mask, value in lens_keys(row):
                if row.plusr and 'norexb' in row.attrs and opc != row.opcode:
                    continue
                slots.setdefault((sp, opc), []).append((mask, value, fi))
    index = {}
    for (sp, opc), ents in slots.items():
        modrm = {rows[f].modrm for _, _, f in ents}
        if len(modrm) > 1:
            a = [rows[f] for _, _, f in ents]
            w = [r.where for r in a if r.modrm][0]
            w2 = [r.where for r in a if not r.modrm][0]
            raise IsaError('%s: rows at this opcode disagree on ModRM presence (see %s)'
                           % (w, w2))
        # Tier 0: rows naming a prefix key; tier 1: rows naming none. Inside a
        # tier, a more specific row (superset mask) comes first.
        ents.sort(key=lambda e: (0 if (e[0] >> K_PFX) & 7 else 1, -popcount(e[0]), e[2]))
        for i in range(len(ents)):
            for j in range(i + 1, len(ents)):
                mi, vi, fi = ents[i]
                mj, vj, fj = ents[j]
                if (mi >> K_PFX & 7) != (mj >> K_PFX & 7) and ((mi >> K_PFX & 7) == 0 or
                                                                 (mj >> K_PFX & 7) == 0):
                    continue
                if (vi ^ vj) & mi & mj:
                    continue  # disjoint
                ri, rj = rows[fi], rows[fj]
                if fi == fj:
                    continue
                vend = {'intel', 'amd'}
                if mi == mj and vi == vj and (ri.attrs & vend) and (rj.attrs & vend) and \
                        (ri.attrs & vend) != (rj.attrs & vend):
                    continue  # vendor alternatives of one encoding
                if (mi & mj) == mj and mi != mj:
                    continue  # row i strictly more specific: tried first
                raise IsaError('%s: row overlaps %s (%s / %s) and neither is more specific'
                               % (rj.where, ri.where, rj.enc_text, ri.enc_text))
        index[(sp, opc)] = ents
    return index


# ------------------------------------------------------------------ emission

HDR = '/* Generated by tools/isagen.py from the ISA table: do not edit. */\n'


def c_ident(s):
    return re.sub(r'[^A-Za-z0-9_]', '_', s).upper()


def gen_ops_h(mnems, feat_order):
    out = [HDR.rstrip('\n'),
           '/* SPDX-License-Identifier: BSD-3-Clause */',
           '/* Instruction identities and CPUID features of the ISA table (isa/). */',
           '#ifndef XIE_OPS_H', '#define XIE_OPS_H', '',
           '/* One identifier per distinct mnemonic (xie_insn.op); xie_op_name() names it. */',
           'enum xie_op {', '    XIE_OP_INVALID = 0,']
    for i, m in enumerate(mnems, 1):
        out.append('    XIE_OP_%s = %d,' % (c_ident(m), i))
    out += ['    XIE_OP__COUNT = %d' % (len(mnems) + 1), '};', '',
            '/* CPUID features the table names (bits of xie_cpu_model.feat). */',
            'enum xie_feature {']
    for i, f in enumerate(feat_order):
        out.append('    XIE_FEAT_%s = %d,' % (f, i))
    out += ['    XIE_FEAT__COUNT = %d' % len(feat_order), '};', '',
            '/* Number of 32-bit words of a feature bitmap. */',
            '#define XIE_FEAT_WORDS %d' % max(1, (len(feat_order) + 31) // 32), '',
            '#endif', '']
    return '\n'.join(out)


def flag_c(mask):
    if not mask:
        return '0'
    names = [n for n, b in sorted(FLAG_BITS.items(), key=lambda x: x[1]) if mask & b == b]
    return ' | '.join(names)


def attrs_c(row):
    names = []
    for a, c in (('lock', 'LOCK'), ('rep', 'REP'), ('repcc', 'REPCC'), ('i64', 'I64'),
                 ('o64', 'O64'), ('d64', 'D64'), ('f64', 'F64'), ('cpl0', 'CPL0'),
                 ('intel', 'INTEL'), ('amd', 'AMD')):
        if a in row.attrs:
            names.append('XIEI_A_' + c)
    return ' | '.join(names) if names else '0'


def mflags_c(row):
    names = []
    if row.modrm:
        names.append('XIEI_M_MODRM')
    if row.mreg is not None:
        names.append('XIEI_M_REGFIX')
    if row.mmod == 'mem':
        names.append('XIEI_M_MEM')
    if row.mmod == 'reg':
        names.append('XIEI_M_REG')
    if row.mrm is not None:
        names.append('XIEI_M_RMFIX')
    if row.plusr:
        names.append('XIEI_M_PLUSR')
    if 'norexb' in row.attrs:
        names.append('XIEI_M_NOREXB')
    return ' | '.join(names) if names else '0'


def wl_c(row):
    w = {None: 'XIEI_W_ANY', 0: 'XIEI_W_0', 1: 'XIEI_W_1'}[row.w]
    if row.enc in (1, 2, 3):
        lens = row.lens if row.lens is not None else {0, 1, 2}
    else:
        lens = {0, 1, 2}
    bits = sum(1 << (4 + l) for l in lens)
    return '%s | 0x%02x' % (w, bits)


def gen_forms_c(rows, mnems, handlers, feat_order):
    out = [HDR.rstrip('\n'), '/* SPDX-License-Identifier: BSD-3-Clause */',
           '#include "xie/ops.h"', '#include "../form.h"', '#include "handlers.h"', '',
           'const struct xiei_form xiei_forms[] = {']
    for row in rows:
        feats = [('XIE_FEAT_' + f) for f in row.feat] + ['0'] * (2 - len(row.feat))
        h = 'XIEI_H_' + c_ident(row.handler) if row.handler else 'XIEI_H_NONE'
        out.append('    /* %s: %s | %s */' % (row.where.split('/')[-1], row.mnem, row.enc_text))
        out.append('    {XIE_OP_%s, %s, %s, %s, %s, %s, %s, %s, %d, %d, {%s}, %s, %d, 0x%02x, %s, '
                   '%s, %d, %d, %s},'
                   % (c_ident(row.mnem), h, attrs_c(row), flag_c(row.fr), flag_c(row.fw),
                      flag_c(row.fu), flag_c(row.f0), flag_c(row.f1), row.align,
                      len(row.feat), ', '.join(feats), ENC_C[row.enc], row.map,
                      row.suffix if row.enc == 4 else row.opcode, PFX_C[row.pfx],
                      mflags_c(row), row.mreg or 0, row.mrm or 0, wl_c(row)))
    if not rows:
        out.append('    {0}')
    out += ['};', '', 'const unsigned xiei_nforms = %d;' % len(rows), '']
    return '\n'.join(out)


def gen_handlers_h(handlers):
    out = [HDR.rstrip('\n'), '/* SPDX-License-Identifier: BSD-3-Clause */',
           '/* Semantic handlers named by the h= attribute of the ISA table. */',
           '#ifndef XIEI_HANDLERS_H', '#define XIEI_HANDLERS_H', '',
           'enum xiei_handler {', '    XIEI_H_NONE = 0,']
    for i, h in enumerate(handlers, 1):
        out.append('    XIEI_H_%s = %d,' % (c_ident(h), i))
    out += ['    XIEI_H__COUNT = %d' % (len(handlers) + 1), '};', '',
            '/* X(name) for every handler, in enum order (after XIEI_H_NONE). */',
            '#define XIEI_HANDLER_LIST(X) \\']
    for h in handlers:
        out.append('    X(%s) \\' % h)
    out += ['', '#endif', '']
    return '\n'.join(out)


def gen_features_h():
    return '\n'.join([
        HDR.rstrip('\n'), '/* SPDX-License-Identifier: BSD-3-Clause */',
        '/* Where each feature of enum xie_feature lives in CPUID, and its name. */',
        '#ifndef XIEI_FEATURES_H', '#define XIEI_FEATURES_H', '',
        '#include <stdint.h>', '', '#include "xie/ops.h"', '',
        '/* CPUID location of a feature; leaf 0xffffffff: not a CPUID bit (always present). */',
        'struct xiei_feat_cpuid {', '    uint32_t leaf, subleaf;',
        '    uint8_t reg; /* 0..3 = eax..edx */', '    uint8_t bit;', '};', '',
        'extern const struct xiei_feat_cpuid xiei_feat_cpuid[XIE_FEAT__COUNT + 1];',
        '/* Feature names as in the table (e.g. "SSE2"), indexed by enum xie_feature. */',
        'extern const char *const xiei_feat_names[XIE_FEAT__COUNT + 1];', '', '#endif', ''])


def gen_features_c(feat_order, features):
    out = [HDR.rstrip('\n'), '/* SPDX-License-Identifier: BSD-3-Clause */',
           '#include "features.h"', '',
           'const struct xiei_feat_cpuid xiei_feat_cpuid[XIE_FEAT__COUNT + 1] = {']
    for f in feat_order:
        d = features[f]
        out.append('    {0x%08x, %d, %d, %d}, /* %s */' % (d['leaf'], d['sub'], d['reg'],
                                                          d['bit'], f))
    out += ['    {0xffffffff, 0, 0, 0},', '};', '',
            'const char *const xiei_feat_names[XIE_FEAT__COUNT + 1] = {']
    for f in feat_order:
        out.append('    "%s",' % f)
    out += ['    0,', '};', '']
    return '\n'.join(out)


def size_code(o, sizes):
    if o.var is not None:
        return 'XIEI_OS_' + o.var.upper()
    if o.fixed not in sizes:
        sizes.append(o.fixed)
    return '%d' % (16 + sizes.index(o.fixed))


def imm_class(o):
    return {'b': 'XIEI_IMM_B', 'w': 'XIEI_IMM_W', 'z': 'XIEI_IMM_Z', 'd': 'XIEI_IMM_D',
            'v': 'XIEI_IMM_V'}[o.size]


def dform_flags(row):
    f = []
    meths = [o.meth for o in row.ops]
    if any(m in VVVV_METHODS for m in meths):
        f.append('XIEI_DF_VVVV')
    for a, c in (('er', 'ER'), ('sae', 'SAE'), ('k', 'K'), ('z', 'Z'), ('kreq', 'KREQ'),
                 ('lock', 'LOCK'), ('rep', 'REP'), ('repcc', 'REPCC'), ('d64', 'D64'),
                 ('f64', 'F64'), ('intel', 'INTEL'), ('amd', 'AMD')):
        if a in row.attrs:
            f.append('XIEI_DF_' + c)
    if 'bcst' in row.kv:
        f.append('XIEI_DF_BCST')
    if row.lz:
        f.append('XIEI_DF_LZ')
    imms = [o for o in row.ops if o.meth == 'I']
    if imms and imms[0].zext:
        f.append('XIEI_DF_IMMZX')
    if 'fallback' in row.attrs:
        f.append('XIEI_DF_FALLBACK')
    if 'sib' in row.attrs:
        f.append('XIEI_DF_SIB')
    if row.enc == 2 and row.lens is not None and row.lens & {0, 1}:
        f.append('XIEI_DF_EVEXVL')
    if 'VSIB' in meths:
        f.append('XIEI_DF_VSIB')
    if row.feat or 'intel' in row.attrs or 'amd' in row.attrs:
        f.append('XIEI_DF_CHECK')
    if 'dstdiff' in row.attrs or 'distinct' in row.attrs:
        f.append('XIEI_DF_DSTDIFF')
    if 'no66' in row.attrs:
        f.append('XIEI_DF_NO66')
    if row.pfx == 2 and row.enc == 0 and 'osz66' not in row.attrs:
        f.append('XIEI_DF_PFX66')
    if fast_form(row):
        f.append('XIEI_DF_FAST')
    return ' | '.join(f) if f else '0'


# What the decoder's fast path (src/decode_fast.c) handles: legacy rows whose
# operands are GPRs, ModRM memory, immediates and branch displacements of
# operand-size or fixed sizes, with at most one immediate of 1/2/4/8 bytes.
FAST_METHODS = {'E', 'G', 'M', 'R', 'Z', 'I', 'J', '1', '@A', '@C', '@D', '@B', '@SP',
                '@BP', '@SI', '@DI'}
FAST_ATTRS_EXCLUDED = {'fallback', 'sib', 'no66', 'dstdiff', 'distinct'}


def fast_form(row):
    if row.enc != 0 or FAST_ATTRS_EXCLUDED & set(row.attrs):
        return False
    imms = 0
    for o in row.ops:
        if o.meth not in FAST_METHODS:
            return False
        if o.var is not None and o.var not in ('v', 'z', 'y'):
            return False
        if o.meth in ('I', 'J'):
            imms += 1
    return imms <= 1


# Length of the undefined VEX.0F opcodes on this CPU (AMD Zen 3, tests/cpulen:
# C5 F8 xx C0 at a page end): the legacy 0F map's lengths. Opcodes not listed
# have a ModRM byte and no immediate; rows, where they exist, decide instead.
VEX0F_UDLEN = {}
for _o in (list(range(0x04, 0x0d)) + [0x0e] + list(range(0x24, 0x28)) +
           list(range(0x30, 0x40)) + [0x7a, 0x7b, 0xa0, 0xa1, 0xa2] +
           list(range(0xa6, 0xab)) + [0xb9] + list(range(0xc8, 0xd0)) + [0xff]):
    VEX0F_UDLEN[_o] = '0'
for _o in (0x0f, 0xa4, 0xac, 0xba):
    VEX0F_UDLEN[_o] = 'XIEI_DOP_MODRM | XIEI_IMM_B << 4'
VEX0F_UDLEN[0x78] = 'XIEI_DOP_MODRM | XIEI_IMM_B << 4 | XIEI_IMM_B << 2'
for _o in range(0x20, 0x24):
    VEX0F_UDLEN[_o] = 'XIEI_DOP_MODRM | XIEI_DOP_FORCEREG'
for _o in range(0x80, 0x90):
    VEX0F_UDLEN[_o] = 'XIEI_IMM_D << 4'


def gen_decode_tab(rows, index, mnems, handlers, feat_order):
    sizes = []
    row_imms = []
    out = [HDR.rstrip('\n'), '/* SPDX-License-Identifier: BSD-3-Clause */',
           '#include "xie/decode.h"', '#include "../decode_tab.h"', '',
           '/* Decode data of each form (indexed like xiei_forms). */',
           'const struct xiei_dform xiei_dforms[] = {']
    for row in rows:
        ops = []
        imm1 = imm2 = 'XIEI_IMM_NONE'
        for o in row.ops:
            if o.meth == 'I':
                if imm1 == 'XIEI_IMM_NONE' or imm1 == 'XIEI_IMM_IS4':
                    imm1 = imm_class(o) if imm1 == 'XIEI_IMM_NONE' else imm1
                else:
                    imm2 = imm_class(o)
            elif o.meth == 'J':
                imm1 = imm_class(o)
            elif o.meth == 'O':
                imm1 = 'XIEI_IMM_MOFFS'
            elif o.meth == 'A':
                imm1 = 'XIEI_IMM_FAR'
            elif o.meth == 'L':
                if imm1 == 'XIEI_IMM_NONE':
                    imm1 = 'XIEI_IMM_IS4'
            acc = ACCESS[o.acc] + (' | XIEI_ACC_IMPLICIT' if o.implicit else '')
            extra = o.reg
            if o.meth == 'I' and o.zext:
                extra = 1
            if o.meth == 'VSIB':
                extra = {'x': 16, 'y': 32, 'z': 64}[row.kv['vsib']]
            ops.append('{XIEI_OM_%s, %s, %s, %d}' % (o.cmeth, size_code(o, sizes), acc, extra))
        row_imms.append((imm1, imm2))
        while len(ops) < 6:
            ops.append('{0, 0, 0, 0}')
        tuple_c = 'XIEI_TT_' + row.kv['tuple'] if 'tuple' in row.kv else 'XIEI_TT_NONE'
        bc = {'d': 4, 'q': 8, 'w': 2}.get(row.kv.get('bcst'), 0)
        es = {'b': 1, 'w': 2, 'd': 4, 'q': 8}.get(row.kv.get('esize'), 0)
        out.append('    {%s, %d, %s, %s, %s, %d, %d, {%s}, XIE_OP_%s},' % (
            dform_flags(row), len(row.ops), tuple_c, imm1, imm2, bc, es, ', '.join(ops),
            c_ident(row.mnem)))
    if not rows:
        out.append('    {0}')
    out += ['};', '', '/* Feature EVEX.128/256 forms need besides their own (0xffff: none). */',
            'const uint16_t xiei_feat_evex_vl = %s;' % (
                'XIE_FEAT_AVX512VL' if 'AVX512VL' in feat_order else '0xffff'), '',
            '/* Fixed operand sizes (size codes 16 and up). */',
            'const uint16_t xiei_opsizes[] = {%s};' % ', '.join(str(s) for s in sizes or [0]),
            '']
    # Match entries and the opcode index.
    ents = []
    dop = []
    for sp in range(NSPACES):
        for opc in range(256):
            e = index.get((sp, opc))
            if not e:
                # No rows: the length the CPU gives the map's undefined
                # encodings before #UD (tests/cpulen): ModRM in the 0F 38 / 0F 3A
                # and EVEX/XOP maps; imm8 in the 0F 3A maps and XOP map 8, imm32
                # in XOP map 10; VEX 0F as measured (VEX0F_UDLEN); nothing known
                # in the one-byte, 0F and 3DNow! spaces.
                if sp in (0, 1, SPACE_3DNOW):
                    dop.append((0, 0, 0))
                elif sp == SPACE_VEX[1]:
                    dop.append((0, 0, VEX0F_UDLEN.get(opc, 'XIEI_DOP_MODRM')))
                else:
                    ui = {3: 'B', 7: 'B', 10: 'B', 13: 'B', 15: 'D'}.get(sp)
                    dop.append((0, 0, 'XIEI_DOP_MODRM' +
                                (' | XIEI_IMM_%s << 4' % ui if ui else '')))
                continue
            first = len(ents)
            ents.extend(e)
            fl = []
            if rows[e[0][2]].modrm:
                fl.append('XIEI_DOP_MODRM')
            if any(o.meth in ('C', 'D') for _, _, f in e for o in rows[f].ops):
                fl.append('XIEI_DOP_FORCEREG')
            imms = {row_imms[f] for _, _, f in e}
            if len(imms) == 1:
                i1, i2 = imms.pop()
                if i2 not in ('XIEI_IMM_NONE', 'XIEI_IMM_B', 'XIEI_IMM_W'):
                    raise IsaError('second immediate %s does not fit XIEI_DOP_UDIMM2' % i2)
                if i1 != 'XIEI_IMM_NONE':
                    fl.append('%s << 4' % i1)
                if i2 != 'XIEI_IMM_NONE':
                    fl.append('%s << 2' % i2)
            dop.append((first, len(e), ' | '.join(fl) if fl else '0'))
    if len(ents) > 65535:
        raise IsaError('too many decode entries')
    out.append('/* Match entries: (mask, value) over the decode key, in match order. */')
    out.append('const struct xiei_dmatch xiei_dmatch[] = {')
    for m, v, f in ents:
        out.append('    {0x%04x, 0x%04x, %d},' % (m, v, f))
    if not ents:
        out.append('    {0, 0, 0},')
    out += ['};', '', '/* Opcode index: [space * 256 + opcode]. */',
            'const struct xiei_dop xiei_dop[XIEI_NSPACES * 256] = {']
    for i, (first, n, fl) in enumerate(dop):
        if n or fl != 0 and fl != '0':
            out.append('    [0x%03x] = {%d, %d, %s},' % (i, first, n, fl))
    out += ['};', '', '/* Mnemonics, indexed by enum xie_op. */',
            'const char *const xiei_op_names[XIE_OP__COUNT] = {', '    "(bad)",']
    for m in mnems:
        out.append('    "%s",' % m)
    out += ['};', '']
    return '\n'.join(out)


def gen_coverage(rows, feat_order):
    mapname = {(0, 0): 'one-byte', (0, 1): '0F', (0, 2): '0F38', (0, 3): '0F3A',
               (4, 15): '3DNow! (0F 0F)'}
    for m, n in ((1, '0F'), (2, '0F38'), (3, '0F3A')):
        mapname[(1, m)] = 'VEX ' + n
    for m, n in ((1, '0F'), (2, '0F38'), (3, '0F3A'), (5, 'MAP5'), (6, 'MAP6')):
        mapname[(2, m)] = 'EVEX ' + n
    for m, n in ((8, 'M8'), (9, 'M9'), (10, 'MA')):
        mapname[(3, m)] = 'XOP ' + n
    out = ['<!-- Generated by tools/isagen.py from the ISA table: do not edit. -->',
           '# ISA coverage', '',
           'Every row of the ISA table: %d rows, %d distinct mnemonics, %d emulated '
           '(a handler is set).' % (len(rows), len({r.mnem for r in rows}),
                                    sum(1 for r in rows if r.handler)), '',
           '## Rows per opcode map', '', '| map | rows | emulated |', '|---|---:|---:|']
    cnt = {}
    for r in rows:
        k = mapname[(r.enc, r.map)]
        c = cnt.setdefault(k, [0, 0])
        c[0] += 1
        c[1] += 1 if r.handler else 0
    for k in sorted(cnt):
        out.append('| %s | %d | %d |' % (k, cnt[k][0], cnt[k][1]))
    out += ['', '## Rows per CPUID feature', '', '| feature | rows | emulated |',
            '|---|---:|---:|']
    cnt = {}
    for r in rows:
        k = ','.join(r.feat) or '(base)'
        c = cnt.setdefault(k, [0, 0])
        c[0] += 1
        c[1] += 1 if r.handler else 0
    for k in sorted(cnt):
        out.append('| %s | %d | %d |' % (k, cnt[k][0], cnt[k][1]))
    out += ['', '## Rows', '', '| # | mnemonic | encoding | operands | feature | emulated |',
            '|---:|---|---|---|---|---|']
    for i, r in enumerate(rows):
        out.append('| %d | %s | `%s` | %s | %s | %s |' % (
            i, r.mnem, r.enc_text, r.ops_text.replace('|', '\\|') or '', ','.join(r.feat) or '-',
            'h=' + r.handler if r.handler else 'no'))
    out.append('')
    return '\n'.join(out)


def generate(paths):
    feat_order, features, rows = parse_files(paths)
    index = build_index(rows)
    mnems = sorted({r.mnem for r in rows})
    handlers = sorted({r.handler for r in rows if r.handler})
    return {
        'include/xie/ops.h': gen_ops_h(mnems, feat_order),
        'src/gen/forms.c': gen_forms_c(rows, mnems, handlers, feat_order),
        'src/gen/handlers.h': gen_handlers_h(handlers),
        'src/gen/features.h': gen_features_h(),
        'src/gen/features.c': gen_features_c(feat_order, features),
        'src/gen/decode_tab.c': gen_decode_tab(rows, index, mnems, handlers, feat_order),
        'docs/isa-coverage.md': gen_coverage(rows, feat_order),
    }


def main(argv):
    mode = 'write'
    out_root = ROOT
    paths = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ('-h', '--help'):
            print(__doc__)
            return 0
        if a == '--check':
            mode = 'check'
        elif a == '--check-only':
            mode = 'validate'
        elif a == '--out':
            i += 1
            if i >= len(argv):
                print('isagen: --out needs a directory', file=sys.stderr)
                return 2
            out_root = argv[i]
        elif a.startswith('-'):
            print('isagen: unknown option %s (see --help)' % a, file=sys.stderr)
            return 2
        else:
            paths.append(a)
        i += 1
    if not paths:
        paths = [os.path.join(ROOT, 'isa', 'x86.isa')]
    try:
        files = generate(paths)
    except IsaError as e:
        print('isagen: %s' % e, file=sys.stderr)
        return 1
    except OSError as e:
        print('isagen: %s' % e, file=sys.stderr)
        return 1
    if mode == 'validate':
        return 0
    if mode == 'check':
        bad = 0
        for rel, text in sorted(files.items()):
            p = os.path.join(out_root, rel)
            try:
                with open(p, encoding='utf-8') as f:
                    old = f.read()
            except OSError:
                old = ''
            if old != text:
                bad = 1
                sys.stdout.writelines(difflib.unified_diff(
                    old.splitlines(True), text.splitlines(True), 'a/' + rel, 'b/' + rel))
        if bad:
            print('isagen: generated files differ from the table (run tools/isagen.py)',
                  file=sys.stderr)
        return bad
    for rel, text in files.items():
        p = os.path.join(out_root, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        try:
            with open(p, encoding='utf-8') as f:
                if f.read() == text:
                    continue
        except OSError:
            pass
        with open(p, 'w', encoding='utf-8') as f:
            f.write(text)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
