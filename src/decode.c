/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The complete decoder (xiei_decode_full): prefixes, escapes (0F, 0F 38, 0F 3A,
 * 3DNow!, VEX, EVEX, XOP), ModRM/SIB/displacement, table lookup of the form,
 * checks, immediates, and the length of invalid encodings; the operands are
 * filled by src/decode_ops.c. xie_decode() (src/decode_fast.c) calls it for
 * what its fast path does not take. Pure function; see include/xie/decode.h
 * and docs/decoder.md.
 */
#include "xie/decode.h"

#include "decode_int.h"
#include "form.h"

/* Byte classes of the prefix loop (SDM Vol. 2 2.1.1): prefixes are >= PC_SEG;
 * below that the byte is an opcode: a plain one (0), 0F, or one that may start
 * VEX/EVEX/XOP (C4 C5 62 8F). */
#define PC_ESC0F 0x01
#define PC_ESCVX 0x02
#define PC_SEG   0x10 /* | segment number */
#define PC_OSZ   0x20
#define PC_ASZ   0x21
#define PC_LOCK  0x22
#define PC_F2    0x23
#define PC_F3    0x24
#define PC_REX   0x40 /* 40..4F: REX in 64-bit mode only */

static const uint8_t pfx_class[256] = {
    [0x26] = PC_SEG | 0, [0x2e] = PC_SEG | 1, [0x36] = PC_SEG | 2, [0x3e] = PC_SEG | 3,
    [0x64] = PC_SEG | 4, [0x65] = PC_SEG | 5, [0x66] = PC_OSZ,     [0x67] = PC_ASZ,
    [0xf0] = PC_LOCK,    [0xf2] = PC_F2,      [0xf3] = PC_F3,      [0x40] = PC_REX,
    [0x41] = PC_REX,     [0x42] = PC_REX,     [0x43] = PC_REX,     [0x44] = PC_REX,
    [0x45] = PC_REX,     [0x46] = PC_REX,     [0x47] = PC_REX,     [0x48] = PC_REX,
    [0x49] = PC_REX,     [0x4a] = PC_REX,     [0x4b] = PC_REX,     [0x4c] = PC_REX,
    [0x4d] = PC_REX,     [0x4e] = PC_REX,     [0x4f] = PC_REX,     [0x0f] = PC_ESC0F,
    [0xc4] = PC_ESCVX,   [0xc5] = PC_ESCVX,   [0x62] = PC_ESCVX,   [0x8f] = PC_ESCVX,
};

/* The opcode of a VEX/EVEX/XOP map that does not exist (#UD): its length is
 * that of a ModRM form without immediate (this CPU: tests/cpulen). */
static const struct xiei_dop dop_nomap = {0, 0, XIEI_DOP_MODRM};

/* 16-bit ModRM addressing (SDM Vol. 2 Table 2-1): base and index per rm. */
static const uint8_t rm16_base[8] = {3, 3, 5, 5, XIE_REG_NONE, XIE_REG_NONE, 5, 3};
static const uint8_t rm16_index[8] = {6, 7, 6, 7, 6, 7, XIE_REG_NONE, XIE_REG_NONE};

/* Bytes [0, end) are needed: 0 when available, else the status to return. */
static int need(const struct dstate *s, unsigned end)
{
    if (end <= s->lim) return 0;
    return end > XIE_MAX_INSN_LEN ? XIE_DECODE_GP : XIE_DECODE_MORE;
}

static uint64_t rd_le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    switch (n) {
    case 8:
        v = (uint64_t)p[7] << 56 | (uint64_t)p[6] << 48 | (uint64_t)p[5] << 40 |
            (uint64_t)p[4] << 32;
        /* fall through */
    case 4: v |= (uint64_t)p[3] << 24 | (uint64_t)p[2] << 16; /* fall through */
    case 2: v |= (uint64_t)p[1] << 8;                         /* fall through */
    default: return v | p[0];                                 /* 1 */
    }
}

static int64_t sext(uint64_t v, unsigned n)
{
    unsigned sh = 64 - 8 * n;
    return (int64_t)(v << sh) >> sh;
}

/*
 * Parse SIB and displacement of a ModRM memory form starting at *pos. Fills
 * s->mem and insn fields (sib, disp, disp_off, info). Returns 0 or a status.
 */
static int parse_mem(struct dstate *s, struct xie_insn *out, unsigned *pos)
{
    unsigned p = *pos, dsz = 0, base, index = XIE_REG_NONE, scale = 0, dseg = XIE_SEG_DS;
    int r;
    if (s->asz == 2) {
        base = rm16_base[s->rm];
        index = rm16_index[s->rm];
        if (s->mod == 0 && s->rm == 6) {
            base = XIE_REG_NONE;
            dsz = 2;
        } else {
            dsz = s->mod == 1 ? 1 : s->mod == 2 ? 2 : 0;
        }
        if (base == 5) dseg = XIE_SEG_SS;
    } else {
        base = s->rm;
        if (s->rm == 4) {
            unsigned sib, sb, si;
            if ((r = need(s, p + 1)) != 0) return r;
            sib = s->b[p++];
            out->sib = (uint8_t)sib;
            out->info |= XIE_INSN_SIB;
            scale = sib >> 6;
            si = ((sib >> 3) & 7) | (s->rexx << 3);
            sb = sib & 7;
            if (si != 4) index = si;
            if (sb == 5 && s->mod == 0) {
                base = XIE_REG_NONE;
                dsz = 4;
            } else {
                base = sb | (s->rexb << 3);
            }
        } else if (s->rm == 5 && s->mod == 0) {
            dsz = 4;
            if (s->mode == XIE_MODE_64) {
                base = XIE_REG_RIP;
                out->info |= XIE_INSN_RIPREL;
            } else {
                base = XIE_REG_NONE;
            }
        } else {
            base = s->rm | (s->rexb << 3);
        }
        if (s->mod == 1)
            dsz = 1;
        else if (s->mod == 2)
            dsz = 4;
        if (base == 4 || base == 5) dseg = XIE_SEG_SS;
    }
    if (dsz) {
        if ((r = need(s, p + dsz)) != 0) return r;
        out->disp_off = (uint8_t)p;
        if (dsz == 1)
            out->disp = (int8_t)s->b[p];
        else if (dsz == 4)
            out->disp = (int32_t)(uint32_t)rd_le(s->b + p, 4);
        else
            out->disp = (int16_t)(uint16_t)rd_le(s->b + p, 2);
        p += dsz;
    }
    s->mem.kind = XIE_OPK_MEM;
    s->mem.reg = 0;
    s->mem.base = (uint8_t)base;
    s->mem.index = (uint8_t)index;
    s->mem.scale = (uint8_t)scale;
    s->mem.seg = (uint8_t)eff_seg(s, dseg);
    s->mem.vsib = 0;
    s->mem.elem = 0;
    s->mem.flags = 0;
    s->has_mem = 1;
    out->info |= XIE_INSN_MEM;
    *pos = p;
    return 0;
}

/* Number of immediate bytes of class c. */
static inline unsigned imm_len(const struct dstate *s, unsigned c)
{
    switch (c) {
    case XIEI_IMM_B:
    case XIEI_IMM_IS4: return 1;
    case XIEI_IMM_W: return 2;
    case XIEI_IMM_Z: return s->osz == 2 ? 2 : 4;
    case XIEI_IMM_D: return 4;
    case XIEI_IMM_V: return s->osz;
    case XIEI_IMM_MOFFS: return s->asz;
    case XIEI_IMM_FAR: return (s->osz == 2 ? 2 : 4) + 2;
    default: return 0;
    }
}

/*
 * Hint meanings of F2/F3/3E on legacy instructions (they change no length and no
 * validity): XACQUIRE/XRELEASE (SDM Vol. 1 16.3.3: F2/F3 with LOCK on a memory
 * destination, on XCHG with memory, and F3 on MOV to memory), BND (F2 on near
 * CALL/JMP/RET/Jcc, SDM Vol. 1 17.5.1) and NOTRACK (3E on indirect CALL/JMP,
 * SDM Vol. 1 18.3.8).
 */
static unsigned prefix_hints(const struct dstate *s, const struct xie_insn *out, unsigned pfx,
                             unsigned last_rep)
{
    unsigned op = out->opcode, r = 0, indir = 0, branch = 0;
    if (out->map == 0) {
        indir = op == 0xff && (s->reg == 2 || s->reg == 4);
        branch = indir || op == 0xe8 || op == 0xe9 || op == 0xeb || op == 0xc2 || op == 0xc3 ||
                 (op & 0xf0) == 0x70;
        if (s->has_mem && last_rep) {
            if ((pfx & XIE_PFX_LOCK) || op == 0x86 || op == 0x87)
                r |= last_rep == XIEI_PFX_F2 ? XIE_PFX_XACQ : XIE_PFX_XREL;
            else if (last_rep == XIEI_PFX_F3 &&
                     (op == 0x88 || op == 0x89 || ((op == 0xc6 || op == 0xc7) && s->reg == 0)))
                r |= XIE_PFX_XREL;
        }
    } else {
        branch = (op & 0xf0) == 0x80;
        if (s->has_mem && last_rep && (pfx & XIE_PFX_LOCK))
            r |= last_rep == XIEI_PFX_F2 ? XIE_PFX_XACQ : XIE_PFX_XREL;
    }
    if (branch && (pfx & XIE_PFX_REPNE) && !(pfx & XIE_PFX_REP)) r |= XIE_PFX_BND;
    if (indir && out->seg_prefix == XIE_SEG_DS) r |= XIE_PFX_NOTRACK;
    return r;
}

/* Reason a key matched no entry: the constraint closest to matching. */
static unsigned miss_reason(const struct xiei_dmatch *e, unsigned n, unsigned key)
{
    unsigned k, why = XIE_UD_OPCODE;
    for (k = 0; k < n; k++) {
        unsigned d = (key ^ e[k].value) & e[k].mask;
        if (d == XIEI_K_MODE64) return XIE_UD_MODE;
        if (d == XIEI_K_MOD3)
            why = (key & XIEI_K_MOD3) ? XIE_UD_NEED_MEM : XIE_UD_NEED_REG;
        else if (d == XIEI_K_W && why == XIE_UD_OPCODE)
            why = XIE_UD_VEX_W;
        else if (d == (3u << XIEI_K_L) || d == (1u << XIEI_K_L) || d == (2u << XIEI_K_L)) {
            if (why == XIE_UD_OPCODE) why = XIE_UD_VEX_L;
        }
    }
    return why;
}

/* Is a row with these XIEI_DF_* flags for the other vendor? */
static int vendor_skip(unsigned vendor, uint32_t flags)
{
    return (flags & (vendor == XIE_VENDOR_INTEL ? XIEI_DF_AMD : XIEI_DF_INTEL)) != 0;
}

int xiei_form_ok(const struct xie_cpu_model *cpu, unsigned vendor, unsigned f)
{
    const struct xiei_form *fm = &xiei_forms[f];
    unsigned k;
    if ((fm->attrs & XIEI_A_INTEL) && vendor != XIE_VENDOR_INTEL) return 0;
    if ((fm->attrs & XIEI_A_AMD) && vendor != XIE_VENDOR_AMD) return 0;
    if (!cpu) return 1;
    for (k = 0; k < fm->nfeat; k++)
        if (!xie_cpu_has(cpu, fm->feat[k])) return 0;
    return 1;
}

/* Operand size in bytes (SDM Vol. 1 3.6, Vol. 2 2.2.1.2) of a row with flags
 * dflags (0 for the length of an encoding no row matched). */
static unsigned calc_osz(const struct dstate *s, unsigned pfx, unsigned dopflags, uint32_t dflags)
{
    unsigned o66;
    if (s->enc != XIEI_ENC_LEGACY && s->enc != XIEI_ENC_3DNOW)
        return (s->mode == XIE_MODE_64 && s->rexw) ? 8 : 4;
    o66 = (pfx & XIE_PFX_OSZ) && !(dflags & XIEI_DF_PFX66);
    if (dopflags & XIEI_DOP_FORCEREG) return s->mode == XIE_MODE_64 ? 8 : 4;
    if (s->mode == XIE_MODE_64) {
        if (s->rexw) return 8;
        if ((dflags & XIEI_DF_F64) && !(o66 && s->vendor == XIE_VENDOR_AMD)) return 8;
        if (o66) return 2;
        return (dflags & (XIEI_DF_D64 | XIEI_DF_F64)) ? 8 : 4;
    }
    return (s->mode == XIE_MODE_32) != (o66 != 0) ? 4 : 2;
}

/* The bytes run out (MORE) or past 15 bytes (GP). */
#define FAIL(st)                                                                                   \
    do {                                                                                           \
        status = (st);                                                                             \
        goto done;                                                                                 \
    } while (0)

#define NEED(end)                                                                                  \
    do {                                                                                           \
        if ((end) > s.lim) FAIL((end) > XIE_MAX_INSN_LEN ? XIE_DECODE_GP : XIE_DECODE_MORE);       \
    } while (0)

/* The encoding is invalid: remember the first reason and where it was found,
 * then finish its length (ud_len), as the CPU does before it raises #UD. */
#define PEND_UD(why)                                                                               \
    do {                                                                                           \
        if (!ud_why) {                                                                             \
            ud_why = (why);                                                                        \
            ud_at = i;                                                                             \
        }                                                                                          \
    } while (0)
#define UD(why)                                                                                    \
    do {                                                                                           \
        PEND_UD(why);                                                                              \
        goto ud_len;                                                                               \
    } while (0)

int xiei_decode_full(const uint8_t *bytes, size_t avail, enum xie_mode mode,
                     const struct xie_cpu_model *cpu, struct xie_insn *out)
{
    struct dstate s;
    unsigned i = 0, b, cls, rex = 0, pfx = 0, last_rep = 0, space, opcode, key, pk;
    unsigned k, n, form = 0, found, why, imm1, imm2, ud_why = XIE_UD_NONE, ud_at = 0, stage = 0,
                   badmap = 0;
    int status = XIE_DECODE_OK;
    const struct xiei_dop *dop = 0;
    const struct xiei_dmatch *ent;
    const struct xiei_dform *df = 0;
    const struct xiei_form *fm;

    s.b = bytes;
    s.avail = avail > 16 ? 16u : (unsigned)avail;
    s.lim = s.avail > XIE_MAX_INSN_LEN ? XIE_MAX_INSN_LEN : s.avail;
    s.mode = (unsigned)mode;
    s.vendor = cpu ? cpu->vendor : XIE_VENDOR_INTEL;
    s.enc = XIEI_ENC_LEGACY;
    s.rexw = s.rexr = s.rexx = s.rexb = s.rexr2 = s.vvvv = s.vexv2 = 0;
    s.vl = s.evb = s.evz = s.aaa = 0;
    s.mod = s.reg = s.rm = s.greg = s.erm = 0;
    s.h8 = 1;
    s.segov = XIE_SEG_NONE;
    s.has_mem = 0;

    out->op = XIE_OP_INVALID;
    out->form = 0;
    out->mode = (uint8_t)mode;
    out->seg_prefix = XIE_SEG_NONE;
    out->nops = 0;
    out->ud = XIE_UD_NONE;
    out->vl = 0;
    out->mask = 0;
    out->evex = 0;
    out->rc = 0;
    out->modrm = 0;
    out->sib = 0;
    out->opcode = 0;
    out->map = 0;
    out->imm_off = 0;
    out->disp_off = 0;
    out->info = 0;
    out->disp = 0;
    out->imm = 0;
    out->imm2 = 0;
    out->reserved = 0;

    /* Prefixes. A REX counts only when it immediately precedes the opcode
     * (SDM Vol. 2 2.2.1): any later legacy prefix cancels it. */
    for (;;) {
        NEED(i + 1);
        b = bytes[i];
        cls = pfx_class[b];
        if (cls < PC_SEG) break;
        if (cls == PC_REX) {
            if (mode != XIE_MODE_64) break;
            rex = b;
            i++;
            continue;
        }
        rex = 0;
        i++;
        if (cls & PC_SEG) {
            pfx |= XIE_PFX_SEG;
            out->seg_prefix = (uint8_t)(cls & 7);
            /* In 64-bit mode ES/CS/SS/DS overrides do nothing, not even cancel an
             * earlier FS/GS (checked on this CPU: 64 3E 8B 04 25 .. reads FS). */
            if (mode != XIE_MODE_64 || (cls & 7) >= XIE_SEG_FS) s.segov = cls & 7;
            continue;
        }
        switch (cls) {
        case PC_OSZ: pfx |= XIE_PFX_OSZ; break;
        case PC_ASZ: pfx |= XIE_PFX_ASZ; break;
        case PC_LOCK: pfx |= XIE_PFX_LOCK; break;
        case PC_F2:
            pfx |= XIE_PFX_REPNE;
            last_rep = XIEI_PFX_F2;
            break;
        default:
            pfx |= XIE_PFX_REP;
            last_rep = XIEI_PFX_F3;
            break;
        }
    }
    if (rex) {
        s.h8 = 0;
        pfx |= XIE_PFX_REX;
        s.rexw = (rex >> 3) & 1;
        s.rexr = (rex >> 2) & 1;
        s.rexx = (rex >> 1) & 1;
        s.rexb = rex & 1;
    }
    /* Prefix key for mandatory-prefix rows: the last F2/F3, else 66, else none. */
    pk = last_rep ? last_rep : (pfx & XIE_PFX_OSZ) ? XIEI_PFX_66 : XIEI_PFX_NP;

    if (mode == XIE_MODE_64)
        s.asz = (pfx & XIE_PFX_ASZ) ? 4 : 8;
    else if (mode == XIE_MODE_32)
        s.asz = (pfx & XIE_PFX_ASZ) ? 2 : 4;
    else
        s.asz = (pfx & XIE_PFX_ASZ) ? 4 : 2;

    /* Opcode and escapes (b and cls are the first byte after the prefixes). */
    if (!(cls & (PC_ESC0F | PC_ESCVX))) {
        opcode = b;
        space = XIEI_SP_LEGACY;
        i++;
    } else if (cls == PC_ESC0F) {
        NEED(i + 2);
        b = bytes[i + 1];
        if (b == 0x38 || b == 0x3a) {
            NEED(i + 3);
            out->map = b == 0x38 ? 2 : 3;
            opcode = bytes[i + 2];
            i += 3;
        } else if (b == 0x0f) {
            out->map = 15;
            s.enc = XIEI_ENC_3DNOW;
            opcode = 0x0f;
            i += 2;
        } else {
            out->map = 1;
            opcode = b;
            i += 2;
        }
        space = s.enc == XIEI_ENC_3DNOW ? XIEI_SP_3DNOW : XIEI_SP_LEGACY + out->map;
    } else {
        unsigned b1, b2 = 0, mm, legacy;
        NEED(i + 2);
        b1 = bytes[i + 1];
        /* Outside 64-bit mode C4/C5/62 are LES/LDS/BOUND unless ModRM.mod would be
         * 11b (SDM Vol. 2 2.3.5, 2.7.1); 8F is POP Ev unless map_select >= 8
         * (AMD APM Vol. 4 1.1). */
        legacy = b == 0x8f ? (b1 & 0x1f) < 8 : (mode != XIE_MODE_64 && (b1 & 0xc0) != 0xc0);
        if (!legacy &&
            ((pfx & (XIE_PFX_OSZ | XIE_PFX_REP | XIE_PFX_REPNE | XIE_PFX_LOCK)) || rex)) {
            /* #UD. The length is still decoded (longer than 15 bytes: #GP):
             * after 66/F2/F3/LOCK that of the VEX/EVEX/XOP instruction, after a
             * REX that of the one-byte opcode (LES/LDS/BOUND/POP Ev, with ModRM);
             * both seen on this CPU with tests/cpulen. */
            i++;
            PEND_UD(XIE_UD_VEX_PREFIX);
            i--;
            legacy = rex != 0;
        }
        if (legacy) {
            out->map = 0;
            opcode = b;
            space = XIEI_SP_LEGACY;
            i++;
        } else {
            if (b == 0xc5) {
                NEED(i + 3);
                s.enc = XIEI_ENC_VEX;
                pfx |= XIE_PFX_VEX;
                s.rexr = (~b1 >> 7) & 1;
                s.vvvv = (~b1 >> 3) & 15;
                s.vl = (b1 >> 2) & 1;
                pk = (b1 & 3) + 1;
                mm = 1;
                opcode = bytes[i + 2];
                i += 3;
            } else if (b != 0x62) {
                NEED(i + 4);
                b2 = bytes[i + 2];
                s.enc = b == 0xc4 ? XIEI_ENC_VEX : XIEI_ENC_XOP;
                pfx |= b == 0xc4 ? XIE_PFX_VEX : XIE_PFX_XOP;
                s.rexr = (~b1 >> 7) & 1;
                s.rexx = (~b1 >> 6) & 1;
                s.rexb = (~b1 >> 5) & 1;
                mm = b1 & 0x1f;
                s.rexw = b2 >> 7;
                s.vvvv = (~b2 >> 3) & 15;
                s.vl = (b2 >> 2) & 1;
                pk = (b2 & 3) + 1;
                opcode = bytes[i + 3];
                i += 4;
                badmap = s.enc == XIEI_ENC_VEX ? (mm < 1 || mm > 3) : mm > 10;
            } else {
                unsigned p2;
                NEED(i + 5);
                b2 = bytes[i + 2];
                p2 = bytes[i + 3];
                s.enc = XIEI_ENC_EVEX;
                pfx |= XIE_PFX_EVEX;
                s.rexr = (~b1 >> 7) & 1;
                s.rexx = (~b1 >> 6) & 1;
                s.rexb = (~b1 >> 5) & 1;
                s.rexr2 = (~b1 >> 4) & 1;
                mm = b1 & 7;
                s.rexw = b2 >> 7;
                s.vvvv = (~b2 >> 3) & 15;
                pk = (b2 & 3) + 1;
                s.evz = p2 >> 7;
                s.vl = (p2 >> 5) & 3;
                s.evb = (p2 >> 4) & 1;
                s.vexv2 = (~p2 >> 3) & 1;
                s.aaa = p2 & 7;
                opcode = bytes[i + 4];
                i += 5;
                /* P0 bit 3 must be 0 and P1 bit 2 must be 1 (SDM Vol. 2 2.7.1). */
                if ((b1 & 0x08) || !(b2 & 0x04)) PEND_UD(XIE_UD_EVEX);
                badmap = mm == 0 || mm == 4 || mm == 7;
            }
            if (mode != XIE_MODE_64) {
                /* Outside 64-bit mode only registers 0..7 exist: the inverted
                 * R/X bits are 1 by the mod == 11b rule, B and R' are ignored
                 * (SDM Vol. 2 2.3.5.6 / 2.7.1); vvvv is checked below. */
                s.rexr = s.rexx = s.rexb = s.rexr2 = 0;
            }
            out->map = (uint8_t)mm;
            s.h8 = 0;
            if (badmap) {
                PEND_UD(XIE_UD_OPCODE);
                space = XIEI_NSPACES; /* no such map: dop_nomap below */
            } else if (s.enc == XIEI_ENC_VEX)
                space = XIEI_SP_VEX + mm;
            else if (s.enc == XIEI_ENC_XOP)
                space = XIEI_SP_XOP + mm;
            else
                space = mm <= 3 ? XIEI_SP_EVEX + mm : XIEI_SP_EVEX - 1 + mm;
            out->rex = (uint8_t)(s.rexw << 3 | s.rexr << 2 | s.rexx << 1 | s.rexb);
        }
    }
    if (s.enc == XIEI_ENC_LEGACY || s.enc == XIEI_ENC_3DNOW) out->rex = (uint8_t)rex;
    out->prefixes = (uint16_t)pfx;
    out->opcode = (uint8_t)opcode;
    dop = space < XIEI_NSPACES ? &xiei_dop[space * 256 + opcode] : &dop_nomap;

    /* ModRM, SIB and displacement. */
    key = (mode == XIE_MODE_64 ? XIEI_K_MODE64 : 0) | (s.rexw ? XIEI_K_W : 0) | (s.vl << XIEI_K_L) |
          (pk << XIEI_K_PFX);
    if (s.enc == XIEI_ENC_3DNOW || (dop->flags & XIEI_DOP_MODRM)) {
        unsigned m;
        NEED(i + 1);
        m = bytes[i++];
        out->modrm = (uint8_t)m;
        out->info |= XIE_INSN_MODRM;
        s.mod = (dop->flags & XIEI_DOP_FORCEREG) ? 3 : m >> 6;
        s.reg = (m >> 3) & 7;
        s.rm = m & 7;
        s.greg = s.reg | s.rexr << 3;
        s.erm = s.rm | s.rexb << 3;
        if (s.mod != 3) {
            int r = parse_mem(&s, out, &i);
            if (r) FAIL(r);
        }
        key |= (m & 0x3f) | (s.mod == 3 ? XIEI_K_MOD3 : 0); /* rm and reg are key bits 0-5 */
        /* EVEX.b on a register form selects rounding/SAE: the length is then 512
         * (or ignored) whatever L'L says (SDM Vol. 2 2.7.4); otherwise L'L = 11b
         * is reserved, even for LIG rows. */
        if (s.evb && s.mod == 3)
            key = (key & ~(3u << XIEI_K_L)) | (2u << XIEI_K_L);
        else if (s.enc == XIEI_ENC_EVEX && s.vl == 3)
            PEND_UD(XIE_UD_VEX_L);
        if (s.enc == XIEI_ENC_3DNOW) {
            NEED(i + 1);
            opcode = bytes[i++];
            out->opcode = (uint8_t)opcode;
            dop = &xiei_dop[XIEI_SP_3DNOW * 256 + opcode];
        }
    } else if (s.enc == XIEI_ENC_LEGACY) {
        key |= s.rexb ? XIEI_K_REXB : 0;
    }
    stage = 2;
    if (ud_why) goto ud_len;

    /* Row lookup: the first matching entry. If the model lacks its feature, a
     * row marked "fallback" gives way to the less specific row (F3 0F BC is BSF
     * without BMI1, as on the CPU); otherwise #UD. */
    ent = &xiei_dmatch[dop->first];
    n = dop->n;
    found = 0;
    why = XIE_UD_NONE;
    for (k = 0; k < n; k++) {
        if ((key & ent[k].mask) != ent[k].value) continue;
        if (!(xiei_dforms[ent[k].form].flags & XIEI_DF_CHECK) ||
            xiei_form_ok(cpu, s.vendor, ent[k].form)) {
            form = ent[k].form;
            found = 1;
            break;
        }
        if (!why) {
            /* Name the instruction the model lacks (tools print it). */
            out->form = ent[k].form;
            out->op = xiei_forms[ent[k].form].op;
        }
        why = XIE_UD_FEATURE;
        /* A row of the other vendor gives way to the next matching row (the other
         * vendor's row of a pair); a missing feature ends the search. */
        if (!(xiei_dforms[ent[k].form].flags & XIEI_DF_FALLBACK) &&
            !vendor_skip(s.vendor, xiei_dforms[ent[k].form].flags))
            break;
    }
    if (!found) {
        /* The length of a row the model lacks is that row's. */
        if (why) df = &xiei_dforms[out->form];
        UD(why ? why : miss_reason(ent, n, key));
    }
    df = &xiei_dforms[form];
    fm = &xiei_forms[form];
    out->form = (uint16_t)form;
    out->op = fm->op;
    s.osz = calc_osz(&s, pfx, dop->flags, df->flags);
    out->osz = (uint8_t)s.osz;
    out->asz = (uint8_t)s.asz;

    /* LOCK: only on rows that allow it, with a memory destination. On AMD CPUs
     * with CR8_LEGACY, LOCK MOV CR0 is MOV CR8 (APM Vol. 3 MOV CRn). */
    if ((pfx & XIE_PFX_LOCK) && (!(df->flags & XIEI_DF_LOCK) || !s.has_mem)) {
        if ((dop->flags & XIEI_DOP_FORCEREG) && (opcode & 0xfd) == 0x20 &&
            s.vendor == XIE_VENDOR_AMD && cpu && xie_cpu_has(cpu, XIE_FEAT_CR8_LEGACY) && !s.rexr)
            s.greg |= 8;
        else
            UD(XIE_UD_LOCK);
    }
    if ((pfx & (XIE_PFX_REP | XIE_PFX_REPNE)) && (df->flags & (XIEI_DF_REP | XIEI_DF_REPCC)))
        out->prefixes |= XIE_PFX_REPUSE;
    else if ((pfx & (XIE_PFX_REP | XIE_PFX_REPNE | XIE_PFX_SEG)) && s.enc == XIEI_ENC_LEGACY &&
             out->map <= 1)
        out->prefixes |= prefix_hints(&s, out, pfx, last_rep);

    if (s.enc != XIEI_ENC_LEGACY && s.enc != XIEI_ENC_3DNOW) {
        if (!(df->flags & XIEI_DF_VVVV)) {
            if (s.vvvv || (s.vexv2 && !(df->flags & XIEI_DF_VSIB))) UD(XIE_UD_VEX_VVVV);
        } else if (mode != XIE_MODE_64) {
            /* Outside 64-bit mode a vvvv register is 0..7: vvvv[3] is ignored, and
             * EVEX needs V' = 1 (iced-x86 1.21; the SDM only says registers 8..31
             * are not encodable there). */
            if (s.enc == XIEI_ENC_EVEX && s.vexv2) UD(XIE_UD_VEX_VVVV);
            s.vvvv &= 7;
        }
        if (s.enc == XIEI_ENC_EVEX) {
            if (s.evb) {
                if (s.mod == 3) {
                    if (df->flags & XIEI_DF_ER) {
                        out->evex |= XIE_EVEX_RC;
                        out->rc = (uint8_t)s.vl;
                    } else if (df->flags & XIEI_DF_SAE) {
                        out->evex |= XIE_EVEX_SAE;
                    } else {
                        UD(XIE_UD_EVEX);
                    }
                    s.vl = 2;
                } else {
                    if (!(df->flags & XIEI_DF_BCST)) UD(XIE_UD_EVEX);
                    out->evex |= XIE_EVEX_BCST;
                }
            }
            if (s.aaa && !(df->flags & (XIEI_DF_K | XIEI_DF_KREQ))) UD(XIE_UD_EVEX);
            if (!s.aaa && (s.evz || (df->flags & XIEI_DF_KREQ))) UD(XIE_UD_EVEX);
            if (s.evz) {
                /* Zeroing needs a row that allows it and a register destination. */
                if (!(df->flags & XIEI_DF_Z) ||
                    (s.has_mem && df->nops &&
                     (df->ops[0].m == XIEI_OM_W || df->ops[0].m == XIEI_OM_M ||
                      df->ops[0].m == XIEI_OM_E)))
                    UD(XIE_UD_EVEX);
                out->evex |= XIE_EVEX_Z;
            }
            out->mask = (uint8_t)s.aaa;
            /* EVEX.128/256 forms need AVX512VL besides the row's own features. */
            if (s.vl < 2 && cpu && xiei_feat_evex_vl != 0xffff &&
                !xie_cpu_has(cpu, xiei_feat_evex_vl) && (df->flags & XIEI_DF_EVEXVL))
                UD(XIE_UD_FEATURE);
        }
        out->vl = (uint8_t)s.vl;
    }

    /* Immediates. */
    imm1 = df->imm1;
    imm2 = df->imm2;
    if (imm1) {
        unsigned l1 = imm_len(&s, imm1), l2 = imm_len(&s, imm2);
        NEED(i + l1 + l2);
        out->imm_off = (uint8_t)i;
        if (imm1 == XIEI_IMM_FAR) {
            out->imm = (int64_t)rd_le(bytes + i, l1 - 2);
            out->imm2 = (uint16_t)rd_le(bytes + i + l1 - 2, 2);
        } else if (imm1 == XIEI_IMM_MOFFS) {
            out->disp = (int64_t)rd_le(bytes + i, l1);
            out->disp_off = (uint8_t)i;
        } else if (df->flags & XIEI_DF_IMMZX) {
            out->imm = (int64_t)rd_le(bytes + i, l1);
        } else {
            out->imm = sext(rd_le(bytes + i, l1), l1);
        }
        if (l2) out->imm2 = (uint16_t)rd_le(bytes + i + l1, l2);
        i += l1 + l2;
    }
    stage = 3;

    /* EVEX compressed displacement. */
    if (s.enc == XIEI_ENC_EVEX && s.has_mem && s.mod == 1)
        out->disp *= (int64_t)xiei_disp8_scale(&s, df);

    /* PTWRITE and the like: a 66 prefix makes the encoding #UD. */
    if ((df->flags & XIEI_DF_NO66) && (pfx & XIE_PFX_OSZ)) UD(XIE_UD_OPCODE);
    /* AMX tile loads/stores need SIB addressing (SDM TILELOADD: #UD otherwise). */
    if ((df->flags & XIEI_DF_SIB) && !(out->info & XIE_INSN_SIB)) UD(XIE_UD_OPERANDS);
    why = xiei_decode_operands(&s, df, out);
    if (why) UD(why);
    out->nops = df->nops;
    if (!ud_why) goto done;

ud_len:
    /* An invalid encoding still has a length: the CPU fetches and length-decodes
     * the whole instruction before it raises #UD (a fetch page fault comes first)
     * and raises #GP instead when it is longer than 15 bytes (SDM Vol. 2 2.3.11;
     * both checked on this CPU with tests/cpulen). ModRM, SIB and displacement
     * are parsed before any row is looked at (stage 2); finish with the
     * immediates of the row (of the opcode's rows when none matched), with no
     * further checks. An encoding found invalid while its prefix was read
     * (before the opcode) continues to this point first. */
    if (stage == 2) {
        s.osz = calc_osz(&s, pfx, dop->flags, df ? df->flags : 0);
        imm1 = df ? df->imm1 : XIEI_DOP_UDIMM1(dop->flags);
        imm2 = df ? df->imm2 : XIEI_DOP_UDIMM2(dop->flags);
        NEED(i + imm_len(&s, imm1) + imm_len(&s, imm2));
    }
    status = XIE_DECODE_UD;
    out->ud = (uint8_t)ud_why;
    i = ud_at;

done:
    out->len = (uint8_t)(i > XIE_MAX_INSN_LEN ? XIE_MAX_INSN_LEN : i);
    if (status == XIE_DECODE_MORE) out->len = (uint8_t)s.avail;
    return status;
}
