/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Handlers for data movement: MOV (and MOVNTI, MOVDIRI), MOVZX/MOVSX/MOVSXD,
 * MOVBE, LEA, XCHG, XADD, CMPXCHG, CMPXCHG8B/16B, CMOVcc, SETcc, XLAT, the NOPs,
 * cache-line operations and HLT.
 */
#include "emu_int.h"

#define OPSIZE(ex, i) ((unsigned)(ex)->in->operands[i].size)

XIEI_HANDLER(mov)
{
    const struct xie_operand *d = &ex->in->operands[0];
    uint64_t v;
    int st = xiei_rd(ex, 1, &v);

    (void)arg;
    if (st) return st;
    if (d->kind == XIE_OPK_SEG) {
        st = xiei_load_seg(ex, d->reg, (uint16_t)v);
        /* MOV SS blocks interrupts and debug traps for one instruction (SDM
         * Vol. 2 MOV, Vol. 3 6.8.3). */
        if (!st && d->reg == XIE_SEG_SS) ex->retire |= XIE_RETIRE_SHADOW_MOVSS;
        return st;
    }
    return xiei_wr(ex, 0, v);
}

/* MOVZX (arg 0), MOVSX and MOVSXD (arg 1). */
XIEI_HANDLER(movx)
{
    uint64_t v;
    int st = xiei_rd(ex, 1, &v);

    if (st) return st;
    if (arg) v = (uint64_t)xiei_sext(OPSIZE(ex, 1), v);
    return xiei_wr(ex, 0, v);
}

/* MOVBE: a move with the bytes reversed (SDM Vol. 2 MOVBE), any size. */
XIEI_HANDLER(movbe)
{
    unsigned size = OPSIZE(ex, 0), i;
    uint64_t v, r = 0;
    int st = xiei_rd(ex, 1, &v);

    (void)arg;
    if (st) return st;
    for (i = 0; i < size; i++)
        r = (r << 8) | ((v >> (i * 8)) & 0xff);
    return xiei_wr(ex, 0, r);
}

XIEI_HANDLER(lea)
{
    (void)arg;
    /* The address is computed at the address size, then truncated or
     * zero-extended to the operand size (SDM Vol. 2 LEA, table 3-54). */
    return xiei_wr(ex, 0, xiei_ea(ex, &ex->in->operands[1]));
}

XIEI_HANDLER(xchg)
{
    uint64_t a, b;
    int st = xiei_rd(ex, 0, &a);

    (void)arg;
    if (!st) st = xiei_rd(ex, 1, &b);
    if (!st) st = xiei_wr(ex, 1, a);
    return st ? st : xiei_wr(ex, 0, b);
}

XIEI_HANDLER(xadd)
{
    uint64_t d, s, sum;
    int st = xiei_rd(ex, 0, &d);

    (void)arg;
    if (!st) st = xiei_rd(ex, 1, &s);
    if (st) return st;
    sum = xiei_alu(XIEI_ALU_ADD, OPSIZE(ex, 0), d, s, &ex->fl);
    /* SRC <- DEST, then DEST <- sum: with one register for both, the sum wins. */
    st = xiei_wr(ex, 1, d);
    return st ? st : xiei_wr(ex, 0, sum);
}

/* CMPXCHG r/m, r: compare the accumulator with the destination (SDM Vol. 2
 * CMPXCHG: a memory destination is always written, with its own value when
 * the comparison fails). */
XIEI_HANDLER(cmpxchg)
{
    const struct xie_operand *d = &ex->in->operands[0];
    unsigned size = d->size;
    uint64_t dv, sv, acc = xiei_gpr(ex, XIE_GPR_RAX) & xiei_mask(size);
    int st = xiei_rd(ex, 0, &dv);

    (void)arg;
    if (!st) st = xiei_rd(ex, 1, &sv);
    if (st) return st;
    xiei_alu(XIEI_ALU_CMP, size, acc, dv, &ex->fl);
    if (acc == dv) return xiei_wr(ex, 0, sv);
    xiei_set_gprs(ex, XIE_GPR_RAX, size, dv);
    return d->kind == XIE_OPK_MEM ? xiei_wr(ex, 0, dv) : XIE_OK;
}

/* CMPXCHG8B / CMPXCHG16B m: rDX:rAX against memory, rCX:rBX stored on a match
 * (SDM Vol. 2 CMPXCHG8B/CMPXCHG16B). */
XIEI_HANDLER(cmpxchg8b)
{
    unsigned half = OPSIZE(ex, 0) == 16 ? 8 : 4, i;
    const struct xiei_maddr *m;
    uint8_t mem[16], nv[16];
    uint64_t lo = 0, hi = 0, m_lo = 0, m_hi = 0, n_lo, n_hi;
    uint64_t hm = xiei_mask(half);
    int st;

    (void)arg;
    st = xiei_opaddr(ex, 0, XIE_XLAT_WRITE, &m);
    if (!st) st = xiei_mem_rdb(ex, m, 1, mem);
    if (st) return st;
    for (i = 0; i < half; i++) {
        m_lo |= (uint64_t)mem[i] << (i * 8);
        m_hi |= (uint64_t)mem[half + i] << (i * 8);
    }
    lo = xiei_gpr(ex, XIE_GPR_RAX) & hm;
    hi = xiei_gpr(ex, XIE_GPR_RDX) & hm;
    if (lo == m_lo && hi == m_hi) {
        ex->fl |= XIEI_F_ZF;
        n_lo = xiei_gpr(ex, XIE_GPR_RBX);
        n_hi = xiei_gpr(ex, XIE_GPR_RCX);
    } else {
        ex->fl &= ~(uint64_t)XIEI_F_ZF;
        n_lo = m_lo;
        n_hi = m_hi;
        xiei_set_gprs(ex, XIE_GPR_RAX, half, m_lo);
        xiei_set_gprs(ex, XIE_GPR_RDX, half, m_hi);
    }
    for (i = 0; i < half; i++) {
        nv[i] = (uint8_t)(n_lo >> (i * 8));
        nv[half + i] = (uint8_t)(n_hi >> (i * 8));
    }
    return xiei_mem_wrb(ex, m, nv);
}

XIEI_HANDLER(cmovcc)
{
    uint64_t v;
    int st = xiei_rd(ex, 1, &v);

    (void)arg;
    if (st) return st;
    if (xiei_cond(ex->in->opcode & 15u, ex->fl)) return xiei_wr(ex, 0, v);
    /* A 32-bit destination is zero-extended even when the condition is false
     * (SDM Vol. 2 CMOVcc, 64-bit mode). */
    if (ex->mode == XIE_MODE_64 && OPSIZE(ex, 0) == 4)
        xiei_set_gprs(ex, ex->in->operands[0].reg, 4, xiei_gpr(ex, ex->in->operands[0].reg));
    return XIE_OK;
}

XIEI_HANDLER(setcc)
{
    (void)arg;
    return xiei_wr(ex, 0, (uint64_t)xiei_cond(ex->in->opcode & 15u, ex->fl));
}

/* XLAT: AL = [seg:rBX + AL] (DS unless overridden; SDM Vol. 2 XLAT). */
XIEI_HANDLER(xlat)
{
    const struct xie_insn *in = ex->in;
    unsigned seg = in->seg_prefix != XIE_SEG_NONE ? in->seg_prefix : XIE_SEG_DS;
    uint64_t ea =
        (xiei_gpr(ex, XIE_GPR_RBX) + (xiei_gpr(ex, XIE_GPR_RAX) & 0xff)) & xiei_mask(in->asz);
    struct xiei_maddr m;
    uint64_t v;
    int st;

    (void)arg;
    st = xiei_xlat(ex, seg, ea, 1, XIE_XLAT_READ, &m);
    if (!st) st = xiei_mread_val(ex, &m, &v);
    if (st) return st;
    xiei_set_gprs(ex, XIE_GPR_RAX, 1, v);
    return XIE_OK;
}

XIEI_HANDLER(nop)
{
    (void)ex;
    (void)arg;
    return XIE_OK;
}

/* CLFLUSH, CLFLUSHOPT, CLWB (arg 0): no data effect, but the segment and page
 * checks of a one-byte read (SDM Vol. 2 CLFLUSH: "treated as a load").
 * PREFETCHh (arg 1) never faults: nothing to do. */
XIEI_HANDLER(cacheop)
{
    const struct xie_operand *o = &ex->in->operands[0];
    struct xiei_maddr m;

    if (arg || o->kind != XIE_OPK_MEM) return XIE_OK;
    return xiei_xlat(ex, xiei_opseg(o), xiei_ea(ex, o), 1, XIE_XLAT_READ, &m);
}

XIEI_HANDLER(hlt)
{
    (void)arg;
    ex->retire |= XIE_RETIRE_HLT;
    return XIE_OK;
}
