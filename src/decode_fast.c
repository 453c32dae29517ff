/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xie_decode(): a fast path for the encodings that make up most real code, and
 * the complete decoder (xiei_decode_full, src/decode.c) for everything else.
 *
 * The fast path takes an instruction when all of these hold, and otherwise
 * leaves it to the complete decoder, which then decodes it from the start:
 *   - at least 15 bytes are available and the code size is 32 or 64 bits;
 *   - the prefixes are at most one 66 followed by at most one REX (no 67, no
 *     segment, no LOCK/REP, nothing after the REX), so no prefix can cancel,
 *     override or give a hint;
 *   - the opcode is a one-byte or 0F opcode other than the escapes (0F 38,
 *     0F 3A, 0F 0F, C4, C5, 62, 8F) and its rows need no MOV CR/DR ModRM rule;
 *   - the first matching row is marked XIEI_DF_FAST by the generator
 *     (tools/isagen.py fast_form: legacy, GPR/memory/immediate/branch operands
 *     of fixed or v/z/y sizes, at most one immediate) and the CPU model has its
 *     features.
 * Such an instruction is at most 14 bytes long (66 REX 0F op ModRM SIB disp32
 * imm32), so it can neither run past the bytes available nor past 15 bytes:
 * no length check is needed. Every rule applied here is the complete decoder's
 * rule for the same case (docs/decoder.md, steps 1-8); tests/golden checks that
 * both give the same result on random and real encodings.
 */
#include "xie/decode.h"

#include "decode_tab.h"
#include "form.h"

/* Classes of the byte where the opcode is expected: a plain opcode, the 0F
 * escape, or a byte the fast path leaves to the complete decoder (prefixes; a
 * REX after 66/REX, or INC/DEC outside 64-bit mode; C4 C5 62 8F, which may start
 * VEX/EVEX/XOP). */
#define FC_OPCODE 0
#define FC_0F     1
#define FC_STOP   2

static const uint8_t fast_class[256] = {
    [0x0f] = FC_0F,   [0x26] = FC_STOP, [0x2e] = FC_STOP, [0x36] = FC_STOP, [0x3e] = FC_STOP,
    [0x40] = FC_STOP, [0x41] = FC_STOP, [0x42] = FC_STOP, [0x43] = FC_STOP, [0x44] = FC_STOP,
    [0x45] = FC_STOP, [0x46] = FC_STOP, [0x47] = FC_STOP, [0x48] = FC_STOP, [0x49] = FC_STOP,
    [0x4a] = FC_STOP, [0x4b] = FC_STOP, [0x4c] = FC_STOP, [0x4d] = FC_STOP, [0x4e] = FC_STOP,
    [0x4f] = FC_STOP, [0x62] = FC_STOP, [0x64] = FC_STOP, [0x65] = FC_STOP, [0x66] = FC_STOP,
    [0x67] = FC_STOP, [0x8f] = FC_STOP, [0xc4] = FC_STOP, [0xc5] = FC_STOP, [0xf0] = FC_STOP,
    [0xf2] = FC_STOP, [0xf3] = FC_STOP,
};

static inline uint32_t rd16(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static inline uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/*
 * Store an operand as three 32-bit words in the layout of struct xie_operand
 * (kind, access, size | reg, base, index, scale | seg, vsib, elem, flags): three
 * stores instead of eleven. Reading the struct member of the union after writing
 * the words is defined in C99.
 */
static inline void put_op(struct xie_operand *o, uint32_t w0, uint32_t w1, uint32_t w2)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    union {
        struct xie_operand op;
        uint32_t w[3];
    } u;
    u.w[0] = w0;
    u.w[1] = w1;
    u.w[2] = w2;
    *o = u.op;
#else
    o->kind = (uint8_t)w0;
    o->access = (uint8_t)(w0 >> 8);
    o->size = (uint16_t)(w0 >> 16);
    o->reg = (uint8_t)w1;
    o->base = (uint8_t)(w1 >> 8);
    o->index = (uint8_t)(w1 >> 16);
    o->scale = (uint8_t)(w1 >> 24);
    o->seg = (uint8_t)w2;
    o->vsib = (uint8_t)(w2 >> 8);
    o->elem = (uint8_t)(w2 >> 16);
    o->flags = (uint8_t)(w2 >> 24);
#endif
}

/* Word 1 and 2 of a register operand (base and index none, no segment). */
#define REG_W1(r) ((uint32_t)(r) | (uint32_t)XIE_REG_NONE << 8 | (uint32_t)XIE_REG_NONE << 16)
#define REG_W2    ((uint32_t)XIE_SEG_NONE)

/*
 * Decode one instruction on the fast path. Returns 1 with *out filled, or 0 when
 * the instruction is not one the fast path takes (*out is then partly written;
 * the complete decoder overwrites every field).
 */
static int decode_fast(const uint8_t *b, unsigned mode, const struct xie_cpu_model *cpu,
                       struct xie_insn *out)
{
    unsigned i = 0, c, pfx = 0, rex = 0, map = 0, key, k, n, form, osz, o66, j, nops;
    unsigned modrm = 0, mod = 3, info = 0, l1, rmreg, greg;
    uint32_t mw1 = 0, mw2 = 0, fl;
    const struct xiei_dop *dop;
    const struct xiei_dmatch *ent;
    const struct xiei_dform *df;

    /* Prefixes: [66] [REX]. */
    c = b[0];
    if (c == 0x66) {
        pfx = XIE_PFX_OSZ;
        c = b[++i];
    }
    if ((c & 0xf0) == 0x40 && mode == XIE_MODE_64) {
        rex = c;
        pfx |= XIE_PFX_REX;
        c = b[++i];
    }
    switch (fast_class[c]) {
    case FC_OPCODE: i++; break;
    case FC_0F:
        c = b[i + 1];
        if (c == 0x38 || c == 0x3a || c == 0x0f) return 0;
        map = 1;
        i += 2;
        break;
    default: return 0;
    }
    dop = &xiei_dop[map * 256 + c];
    n = dop->n;
    if (!n || (dop->flags & XIEI_DOP_FORCEREG)) return 0;

    /* The decode key (src/decode_tab.h), as the complete decoder builds it. */
    key = (mode == XIE_MODE_64 ? XIEI_K_MODE64 : 0) | (rex & 8 ? XIEI_K_W : 0) |
          (unsigned)(pfx & XIE_PFX_OSZ ? XIEI_PFX_66 : XIEI_PFX_NP) << XIEI_K_PFX;
    if (dop->flags & XIEI_DOP_MODRM) {
        modrm = b[i++];
        mod = modrm >> 6;
        key |= (modrm & 0x3f) | (mod == 3 ? XIEI_K_MOD3 : 0);
        info = XIE_INSN_MODRM;
    } else if (rex & 1) {
        key |= XIEI_K_REXB;
    }
    ent = &xiei_dmatch[dop->first];
    for (k = 0; (key & ent[k].mask) != ent[k].value;)
        if (++k == n) return 0;
    form = ent[k].form;
    df = &xiei_dforms[form];
    fl = df->flags;
    if (!(fl & XIEI_DF_FAST)) return 0;
    if ((fl & XIEI_DF_CHECK) && !xiei_form_ok(cpu, cpu ? cpu->vendor : XIE_VENDOR_INTEL, form))
        return 0;

    /* From here on the instruction is the fast path's: fill *out. */
    out->op = df->op;
    out->form = (uint16_t)form;
    out->mode = (uint8_t)mode;
    out->asz = mode == XIE_MODE_64 ? 8 : 4;
    out->prefixes = (uint16_t)pfx;
    out->seg_prefix = XIE_SEG_NONE;
    out->rex = (uint8_t)rex;
    out->ud = XIE_UD_NONE;
    out->vl = 0;
    out->mask = 0;
    out->evex = 0;
    out->rc = 0;
    out->modrm = (uint8_t)modrm;
    out->sib = 0;
    out->opcode = (uint8_t)c;
    out->map = (uint8_t)map;
    out->imm_off = 0;
    out->disp_off = 0;
    out->disp = 0;
    out->imm = 0;
    out->imm2 = 0;
    out->reserved = 0;

    /* Memory operand: 32/64-bit ModRM, SIB and displacement (SDM Vol. 2 Tables
     * 2-2 and 2-3); the default segment is SS for base rSP/rBP, else DS. */
    if (mod != 3) {
        unsigned rm = modrm & 7, base, index = XIE_REG_NONE, sib;
        mw1 = 0;
        if (rm == 4) {
            sib = b[i++];
            out->sib = (uint8_t)sib;
            info |= XIE_INSN_SIB;
            mw1 = (sib >> 6) << 24;
            index = ((sib >> 3) & 7) | (rex & 2) << 2;
            if (index == 4) index = XIE_REG_NONE;
            if ((sib & 7) == 5 && mod == 0) {
                base = XIE_REG_NONE;
                mod = 2; /* disp32 */
            } else {
                base = (sib & 7) | (rex & 1) << 3;
            }
        } else if (rm == 5 && mod == 0) {
            mod = 2;
            if (mode == XIE_MODE_64) {
                base = XIE_REG_RIP;
                info |= XIE_INSN_RIPREL;
            } else {
                base = XIE_REG_NONE;
            }
        } else {
            base = rm | (rex & 1) << 3;
        }
        if (mod == 1) {
            out->disp_off = (uint8_t)i;
            out->disp = (int8_t)b[i++];
        } else if (mod == 2) {
            out->disp_off = (uint8_t)i;
            out->disp = (int32_t)rd32(b + i);
            i += 4;
        }
        info |= XIE_INSN_MEM;
        mw1 |= base << 8 | index << 16;
        mw2 = base == 4 || base == 5 ? XIE_SEG_SS : XIE_SEG_DS;
        mod = 0; /* only "!= 3" matters below */
    }
    out->info = (uint16_t)info;

    /* Operand size (SDM Vol. 1 3.6; docs/decoder.md step 5), from a table. AMD
     * honours 66 on f64 branches: left to the complete decoder. */
    o66 = (pfx & XIE_PFX_OSZ) && !(fl & XIEI_DF_PFX66);
    if (mode == XIE_MODE_64) {
        if (rex & 8)
            osz = 8;
        else if ((fl & XIEI_DF_F64) && !(o66 && cpu && cpu->vendor == XIE_VENDOR_AMD))
            osz = 8;
        else if (o66)
            osz = 2;
        else
            osz = fl & (XIEI_DF_D64 | XIEI_DF_F64) ? 8 : 4;
    } else {
        osz = o66 ? 2 : 4;
    }
    out->osz = (uint8_t)osz;

    /* Immediate (at most one: b, w, z, d or v). */
    if (df->imm1) {
        int64_t imm;
        out->imm_off = (uint8_t)i;
        switch (df->imm1) {
        case XIEI_IMM_B:
            imm = fl & XIEI_DF_IMMZX ? (int64_t)b[i] : (int64_t)(int8_t)b[i];
            l1 = 1;
            break;
        case XIEI_IMM_W: imm = (int16_t)rd16(b + i), l1 = 2; break;
        case XIEI_IMM_Z:
            if (osz == 2) {
                imm = (int16_t)rd16(b + i);
                l1 = 2;
            } else {
                imm = (int32_t)rd32(b + i);
                l1 = 4;
            }
            break;
        case XIEI_IMM_D: imm = (int32_t)rd32(b + i), l1 = 4; break;
        default: /* XIEI_IMM_V */
            l1 = osz;
            if (osz == 8)
                imm = (int64_t)((uint64_t)rd32(b + i) | (uint64_t)rd32(b + i + 4) << 32);
            else if (osz == 4)
                imm = (int32_t)rd32(b + i);
            else
                imm = (int16_t)rd16(b + i);
            break;
        }
        out->imm = imm;
        i += l1;
    }
    out->len = (uint8_t)i;

    /* Operands (docs/decoder.md step 8). */
    nops = df->nops;
    out->nops = (uint8_t)nops;
    rmreg = (modrm & 7) | (rex & 1) << 3;
    greg = ((modrm >> 3) & 7) | (rex & 4) << 1;
    for (j = 0; j < nops; j++) {
        const struct xiei_dopnd *d = &df->ops[j];
        struct xie_operand *o = &out->operands[j];
        unsigned size = d->size, reg, acc = (uint32_t)(d->acc & 7) << 8;
        uint32_t w2 = REG_W2 | (uint32_t)(d->acc >> 7) << 24;
        if (size >= 16)
            size = xiei_opsizes[size - 16];
        else if (size == XIEI_OS_V)
            size = osz;
        else if (size == XIEI_OS_Z)
            size = osz == 2 ? 2 : 4;
        else
            size = osz == 8 ? 8 : 4; /* XIEI_OS_Y */
        switch (d->m) {
        case XIEI_OM_E:
        case XIEI_OM_R:
            if (mod != 3) goto mem;
            reg = rmreg;
            goto gpr;
        case XIEI_OM_M:
        mem:
            put_op(o, XIE_OPK_MEM | acc | size << 16, mw1, mw2 | (w2 & 0xff000000u));
            break;
        case XIEI_OM_G: reg = greg; goto gpr;
        case XIEI_OM_Z:
            reg = (c & 7) | (rex & 1) << 3;
        gpr:
            /* A byte register 4..7 without REX is AH..BH. */
            put_op(o,
                   (size == 1 && reg - 4u < 4u && !rex ? XIE_OPK_GPR8H : XIE_OPK_GPR) | acc |
                       size << 16,
                   REG_W1(reg), w2);
            break;
        case XIEI_OM_IGPR: put_op(o, XIE_OPK_GPR | acc | size << 16, REG_W1(d->extra), w2); break;
        case XIEI_OM_I:
            /* The size after extension: that of the destination (GPR or memory),
             * the operand size for PUSH imm; I.ub keeps its own (as decode.c). */
            if (j == 0) {
                if (nops == 1 && (df->imm1 == XIEI_IMM_B || df->imm1 == XIEI_IMM_Z)) size = osz;
            } else if (!d->extra && df->ops[j - 1].m != XIEI_OM_I &&
                       (out->operands[0].kind == XIE_OPK_GPR ||
                        out->operands[0].kind == XIE_OPK_MEM) &&
                       out->operands[0].size <= 8 && out->operands[0].size > size) {
                size = out->operands[0].size;
            }
            put_op(o, XIE_OPK_IMM | acc | size << 16, REG_W1(0), w2);
            break;
        case XIEI_OM_J: put_op(o, XIE_OPK_REL | acc | osz << 16, REG_W1(0), w2); break;
        default: /* XIEI_OM_ONE */ put_op(o, XIE_OPK_CONST1 | acc | 1u << 16, REG_W1(0), w2); break;
        }
    }
    return 1;
}

int xie_decode(const uint8_t *bytes, size_t avail, enum xie_mode mode,
               const struct xie_cpu_model *cpu, struct xie_insn *out)
{
    if (avail >= XIE_MAX_INSN_LEN && mode != XIE_MODE_16 && decode_fast(bytes, mode, cpu, out))
        return XIE_DECODE_OK;
    return xiei_decode_full(bytes, avail, mode, cpu, out);
}
