/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The complete decoder's operands: operand sizes, EVEX disp8*N, and the
 * xie_operand records of a row from its operand descriptors (method, size code,
 * access, extra; docs/decoder.md step 8). See src/decode_int.h.
 */
#include "decode_int.h"
#include "form.h"

/* Size in bytes of a variable operand size code (codes < 16). */
static unsigned op_size_var(const struct dstate *s, unsigned code)
{
    unsigned vlb = 16u << s->vl;
    switch (code) {
    case XIEI_OS_NONE: return 0;
    case XIEI_OS_V: return s->osz;
    case XIEI_OS_Z: return s->osz == 2 ? 2 : 4;
    case XIEI_OS_Y: return s->osz == 8 ? 8 : 4;
    case XIEI_OS_X: return vlb;
    case XIEI_OS_H: return vlb / 2;
    case XIEI_OS_QT: return vlb / 4;
    case XIEI_OS_OC: return vlb / 8;
    case XIEI_OS_P:
        /* AMD has no m16:64 far pointers: REX.W still loads m16:32 (APM LSS, JMP FAR). */
        return 2 + (s->osz == 8 && s->vendor == XIE_VENDOR_AMD ? 4 : s->osz);
    case XIEI_OS_S: return s->mode == XIE_MODE_64 ? 10 : 6;
    case XIEI_OS_A: return 2 * s->osz;
    case XIEI_OS_E: return s->osz == 2 ? 14 : 28;
    case XIEI_OS_F: return s->osz == 2 ? 94 : 108;
    case XIEI_OS_AS: return s->asz;
    default: return 0;
    }
}

/* Size in bytes of an operand size code. */
unsigned xiei_op_size(const struct dstate *s, unsigned code)
{
    if (code >= 16) return xiei_opsizes[code - 16];
    if (code == XIEI_OS_V) return s->osz;
    return op_size_var(s, code);
}

/* Width of the vector register that holds `size` bytes (at least an XMM). */
static unsigned vec_width(unsigned size)
{
    return size <= 16 ? 16 : size <= 32 ? 32 : 64;
}

/* EVEX disp8*N scale (SDM Vol. 2 2.7.5, Tables 2-34 and 2-35). */
static unsigned disp8_n(const struct dstate *s, const struct xiei_dform *df, unsigned msize)
{
    unsigned vlb = 16u << s->vl;
    switch (df->tuple) {
    case XIEI_TT_FV: return s->evb ? df->bcst : vlb;
    case XIEI_TT_HV: return s->evb ? df->bcst : vlb / 2;
    case XIEI_TT_QV: return s->evb ? df->bcst : vlb / 4;
    case XIEI_TT_FVM: return vlb;
    case XIEI_TT_HVM: return vlb / 2;
    case XIEI_TT_QVM: return vlb / 4;
    case XIEI_TT_OVM: return vlb / 8;
    case XIEI_TT_M128: return 16;
    case XIEI_TT_DUP: return s->vl == 0 ? 8 : vlb;
    case XIEI_TT_T1S:
    case XIEI_TT_T1F:
    case XIEI_TT_T2:
    case XIEI_TT_T4:
    case XIEI_TT_T8:
        if (df->esize) return df->esize;
        return msize ? msize : 1;
    default: return 1;
    }
}

unsigned xiei_disp8_scale(const struct dstate *s, const struct xiei_dform *df)
{
    unsigned j, msize = 0;
    for (j = 0; j < df->nops; j++)
        if (df->ops[j].m == XIEI_OM_W || df->ops[j].m == XIEI_OM_M || df->ops[j].m == XIEI_OM_E ||
            df->ops[j].m == XIEI_OM_VSIB)
            msize = xiei_op_size(s, df->ops[j].size);
    return disp8_n(s, df, msize);
}

static inline void set_reg(struct xie_operand *o, unsigned kind, unsigned reg, unsigned size)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* Built as three 32-bit words (kind, access, size | reg, base, index, scale |
     * seg, vsib, elem, flags): two or three stores instead of eleven. Reading the
     * struct member of the union after writing the words is defined in C99. */
    union {
        struct xie_operand op;
        uint32_t w[3];
    } u;
    u.w[0] = kind | size << 16;
    u.w[1] = reg | (uint32_t)XIE_REG_NONE << 8 | (uint32_t)XIE_REG_NONE << 16;
    u.w[2] = XIE_SEG_NONE;
    *o = u.op;
#else
    o->kind = (uint8_t)kind;
    o->access = 0;
    o->size = (uint16_t)size;
    o->reg = (uint8_t)reg;
    o->base = XIE_REG_NONE;
    o->index = XIE_REG_NONE;
    o->scale = 0;
    o->seg = XIE_SEG_NONE;
    o->vsib = 0;
    o->elem = 0;
    o->flags = 0;
#endif
}

/* A GPR operand; size 1 with reg 4..7 and no REX/VEX names AH..BH. */
static inline void set_gpr(const struct dstate *s, const struct xie_insn *out,
                           struct xie_operand *o, unsigned reg, unsigned size)
{
    (void)out;
    set_reg(o, XIE_OPK_GPR + (size == 1 && reg - 4u < 4u && s->h8), reg, size);
}

/* Memory operand from the ModRM template. */
static void set_mem(const struct dstate *s, struct xie_operand *o, unsigned size)
{
    *o = s->mem;
    o->size = (uint16_t)size;
}

/* Implicit memory operand (string instructions, moffs). */
static void set_imem(struct xie_operand *o, unsigned base, unsigned seg, unsigned size)
{
    set_reg(o, XIE_OPK_MEM, 0, size);
    o->base = (uint8_t)base;
    o->seg = (uint8_t)seg;
}

/*
 * Gathers: the index register and the vector registers the instruction writes
 * (destination, VEX mask) must all differ, else #UD (SDM VPGATHERDD/VGATHERDPS).
 */
static unsigned vsib_check(const struct xiei_dform *df, const struct xie_insn *out)
{
    unsigned j, k;
    for (j = 0; j < df->nops; j++) {
        const struct xie_operand *a = &out->operands[j];
        if (a->kind != XIE_OPK_VEC || !(a->access & XIE_ACC_W)) continue;
        for (k = 0; k < df->nops; k++) {
            const struct xie_operand *b = &out->operands[k];
            if (k != j && b->kind == XIE_OPK_VEC && (b->access & XIE_ACC_W) && b->reg == a->reg)
                return XIE_UD_OPERANDS;
            if (b->kind == XIE_OPK_MEM && b->vsib && b->index == a->reg) return XIE_UD_OPERANDS;
        }
    }
    return 0;
}

/*
 * Fill the operands of form df. Returns 0, or a #UD reason for registers that
 * do not exist (segment 6/7, MOV to CS, CR1, DR8...).
 */
unsigned xiei_decode_operands(const struct dstate *s, const struct xiei_dform *df,
                              struct xie_insn *out)
{
    unsigned j, greg = s->greg, erm = s->erm, r, tiles = 0;
    for (j = 0; j < df->nops; j++) {
        const struct xiei_dopnd *d = &df->ops[j];
        struct xie_operand *o = &out->operands[j];
        unsigned size = xiei_op_size(s, d->size);
        switch (d->m) {
        case XIEI_OM_E:
        case XIEI_OM_R:
            if (s->mod == 3)
                set_gpr(s, out, o, erm, size);
            else
                set_mem(s, o, size);
            break;
        case XIEI_OM_G:
            /* EVEX.R' must be 0 (stored inverted: 1) for a GPR in ModRM.reg. */
            if (s->rexr2) return XIE_UD_REG;
            set_gpr(s, out, o, greg, size);
            break;
        case XIEI_OM_M: set_mem(s, o, size); break;
        case XIEI_OM_B: set_reg(o, XIE_OPK_GPR, s->vvvv, size); break;
        case XIEI_OM_Z: set_gpr(s, out, o, (out->opcode & 7) | (s->rexb << 3), size); break;
        case XIEI_OM_S:
            /* Segment registers 6 and 7 do not exist; MOV to CS is #UD (SDM MOV). */
            if (s->reg > 5 || (s->reg == XIE_SEG_CS && (d->acc & XIE_ACC_W))) return XIE_UD_REG;
            set_reg(o, XIE_OPK_SEG, s->reg, size);
            break;
        case XIEI_OM_C:
            /* CR0, CR2, CR3, CR4 and (64-bit, REX.R) CR8 exist (SDM MOV-Control). */
            if (!(greg == 0 || greg == 2 || greg == 3 || greg == 4 || greg == 8)) return XIE_UD_REG;
            set_reg(o, XIE_OPK_CR, greg, size);
            break;
        case XIEI_OM_D:
            if (greg > 7) return XIE_UD_REG;
            set_reg(o, XIE_OPK_DR, greg, size);
            break;
        case XIEI_OM_P: set_reg(o, XIE_OPK_MMX, s->reg, 8); break;
        case XIEI_OM_Q:
        case XIEI_OM_N:
            if (s->mod == 3)
                set_reg(o, XIE_OPK_MMX, s->rm, 8);
            else
                set_mem(s, o, size);
            break;
        case XIEI_OM_V: set_reg(o, XIE_OPK_VEC, greg | (s->rexr2 << 4), vec_width(size)); break;
        case XIEI_OM_W:
        case XIEI_OM_U:
            if (s->mod == 3) {
                set_reg(o, XIE_OPK_VEC, erm | (s->enc == XIEI_ENC_EVEX ? s->rexx << 4 : 0),
                        vec_width(size));
            } else if (s->evb) {
                set_mem(s, o, df->bcst);
                o->elem = df->bcst;
            } else {
                set_mem(s, o, size);
            }
            break;
        case XIEI_OM_H: set_reg(o, XIE_OPK_VEC, s->vvvv | (s->vexv2 << 4), vec_width(size)); break;
        case XIEI_OM_L:
            set_reg(o, XIE_OPK_VEC, ((uint64_t)out->imm >> 4) & (s->mode == XIE_MODE_64 ? 15u : 7u),
                    vec_width(size));
            break;
        case XIEI_OM_KG:
            /* Only k0..k7 exist: ModRM.reg extended by R or R' is #UD. */
            if (greg > 7 || s->rexr2) return XIE_UD_REG;
            set_reg(o, XIE_OPK_MASK, s->reg, 8);
            break;
        case XIEI_OM_KE:
        case XIEI_OM_KR:
            if (s->mod == 3)
                set_reg(o, XIE_OPK_MASK, s->rm, 8);
            else
                set_mem(s, o, size);
            break;
        case XIEI_OM_KH:
            if (s->vvvv > 7 || s->vexv2) return XIE_UD_REG;
            set_reg(o, XIE_OPK_MASK, s->vvvv, 8);
            break;
        case XIEI_OM_KA: set_reg(o, XIE_OPK_MASK, s->aaa, 8); break;
        case XIEI_OM_TG:
        case XIEI_OM_TR:
        case XIEI_OM_TH:
            /* tmm0..7 only; the tiles of one instruction must differ (SDM TDPBSSD). */
            r = d->m == XIEI_OM_TG ? greg : d->m == XIEI_OM_TR ? erm : s->vvvv;
            if (r > 7) return XIE_UD_REG;
            if (tiles & (1u << r)) return XIE_UD_OPERANDS;
            tiles |= 1u << r;
            set_reg(o, XIE_OPK_TMM, r, size);
            break;
        case XIEI_OM_BG:
            if (greg > 3) return XIE_UD_REG;
            set_reg(o, XIE_OPK_BND, greg, size);
            break;
        case XIEI_OM_BE:
            if (s->mod == 3) {
                if (erm > 3) return XIE_UD_REG;
                set_reg(o, XIE_OPK_BND, erm, size);
            } else {
                set_mem(s, o, size);
            }
            break;
        case XIEI_OM_ST:
            if (s->mod == 3)
                set_reg(o, XIE_OPK_ST, s->rm, 10);
            else
                set_mem(s, o, size);
            break;
        case XIEI_OM_ST0: set_reg(o, XIE_OPK_ST, 0, 10); break;
        case XIEI_OM_I:
            /* The size after extension: that of the destination (GPR or memory),
             * the operand size for PUSH imm; I.ub and later immediates keep theirs. */
            if (j == 0)
                size = df->nops == 1 && (df->imm1 == XIEI_IMM_B || df->imm1 == XIEI_IMM_Z) ? s->osz
                                                                                           : size;
            else if (!d->extra && df->ops[j - 1].m != XIEI_OM_I &&
                     (out->operands[0].kind == XIE_OPK_GPR ||
                      out->operands[0].kind == XIE_OPK_MEM) &&
                     out->operands[0].size <= 8 && out->operands[0].size > size)
                size = out->operands[0].size;
            set_reg(o, XIE_OPK_IMM, 0, size);
            break;
        case XIEI_OM_J: set_reg(o, XIE_OPK_REL, 0, s->osz); break;
        case XIEI_OM_O:
            set_imem(o, XIE_REG_NONE, eff_seg(s, XIE_SEG_DS), size);
            out->info |= XIE_INSN_MEM;
            break;
        case XIEI_OM_A: set_reg(o, XIE_OPK_FAR, 0, size); break;
        case XIEI_OM_X:
            set_imem(o, 6, eff_seg(s, XIE_SEG_DS), size);
            out->info |= XIE_INSN_MEM;
            break;
        case XIEI_OM_XB:
            /* XLAT's byte at [rBX + AL]: reported as base rBX (AL is implied). */
            set_imem(o, 3, eff_seg(s, XIE_SEG_DS), size);
            out->info |= XIE_INSN_MEM;
            break;
        case XIEI_OM_XD:
            set_imem(o, 7, eff_seg(s, XIE_SEG_DS), size);
            out->info |= XIE_INSN_MEM;
            break;
        case XIEI_OM_Y:
            set_imem(o, 7, XIE_SEG_ES, size);
            out->info |= XIE_INSN_MEM;
            break;
        case XIEI_OM_VSIB:
            /* VSIB needs a SIB byte and 32/64-bit addressing (SDM Vol. 2 2.3.12). */
            if (!(out->info & XIE_INSN_SIB)) return XIE_UD_OPERANDS;
            set_mem(s, o, size);
            o->vsib = d->extra;
            o->elem = (uint8_t)size;
            o->index =
                (uint8_t)((s->mem.index == XIE_REG_NONE ? 4u : s->mem.index) | (s->vexv2 << 4));
            break;
        case XIEI_OM_ONE: set_reg(o, XIE_OPK_CONST1, 0, 1); break;
        case XIEI_OM_IGPR: set_reg(o, XIE_OPK_GPR, d->extra, size); break;
        case XIEI_OM_IGPR8H: set_reg(o, XIE_OPK_GPR8H, 4, 1); break;
        case XIEI_OM_ISEG: set_reg(o, XIE_OPK_SEG, d->extra, 2); break;
        case XIEI_OM_IVEC: set_reg(o, XIE_OPK_VEC, 0, 16); break;
        case XIEI_OM_IST: set_reg(o, XIE_OPK_ST, d->extra, 10); break;
        default: set_reg(o, XIE_OPK_NONE, 0, 0); break;
        }
        o->access = d->acc & 7;
        o->flags = d->acc >> 7;
    }
    if (df->flags & XIEI_DF_VSIB) return vsib_check(df, out);
    if (df->flags & XIEI_DF_DSTDIFF) {
        /* The destination must differ from every source register (SDM VFCMULCPH:
         * #UD if the destination equals a source). */
        for (j = 1; j < df->nops; j++)
            if (out->operands[j].kind == out->operands[0].kind &&
                out->operands[j].reg == out->operands[0].reg)
                return XIE_UD_OPERANDS;
    }
    return 0;
}
