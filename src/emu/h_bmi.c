/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Handlers for the BMI1/BMI2 general-purpose instructions (VEX-encoded, 32 or
 * 64 bits): ANDN BEXTR BLSI BLSMSK BLSR BZHI MULX PDEP PEXT RORX SARX SHLX SHRX.
 * Operand order as in the table rows (destination first, then the SDM order).
 */
#include "emu_int.h"

#define OPSIZE(ex, i) ((unsigned)(ex)->in->operands[i].size)

/* Read operands 1 and 2. */
static int rd12(struct xiei_ex *ex, uint64_t *a, uint64_t *b)
{
    int st = xiei_rd(ex, 1, a);
    return st ? st : xiei_rd(ex, 2, b);
}

/* ANDN r, vvvv, r/m: ~vvvv & r/m. */
XIEI_HANDLER(andn)
{
    uint64_t a, b;
    int st = rd12(ex, &a, &b);

    (void)arg;
    return st ? st : xiei_wr(ex, 0, xiei_andn(OPSIZE(ex, 0), a, b, &ex->fl));
}

/* BEXTR r, r/m, vvvv (control). */
XIEI_HANDLER(bextr)
{
    uint64_t src, ctl;
    int st = rd12(ex, &src, &ctl);

    (void)arg;
    return st ? st : xiei_wr(ex, 0, xiei_bextr(OPSIZE(ex, 0), src, ctl, &ex->fl));
}

/* BLSR / BLSMSK / BLSI vvvv, r/m (arg: enum xiei_blsx_op). */
XIEI_HANDLER(blsx)
{
    uint64_t src;
    int st = xiei_rd(ex, 1, &src);

    return st ? st : xiei_wr(ex, 0, xiei_blsx(arg, OPSIZE(ex, 0), src, &ex->fl));
}

/* BZHI r, r/m, vvvv (index). */
XIEI_HANDLER(bzhi)
{
    uint64_t src, idx;
    int st = rd12(ex, &src, &idx);

    (void)arg;
    return st ? st : xiei_wr(ex, 0, xiei_bzhi(OPSIZE(ex, 0), src, idx, &ex->fl));
}

/* PDEP (arg 0) / PEXT (arg 1) r, vvvv (source), r/m (mask). */
XIEI_HANDLER(pdep)
{
    uint64_t src, mask;
    unsigned size = OPSIZE(ex, 0);
    int st = rd12(ex, &src, &mask);

    if (st) return st;
    return xiei_wr(ex, 0, arg ? xiei_pext(size, src, mask) : xiei_pdep(size, src, mask));
}

/* MULX r (high), vvvv (low), r/m: rDX * r/m, no flags. When both destinations
 * name one register it receives the high half (SDM Vol. 2 MULX). */
XIEI_HANDLER(mulx)
{
    unsigned size = OPSIZE(ex, 0);
    uint64_t src, lo, hi;
    int st = xiei_rd(ex, 2, &src);

    (void)arg;
    if (st) return st;
    lo = xiei_mulx(size, xiei_gpr(ex, XIE_GPR_RDX), src, &hi);
    st = xiei_wr(ex, 1, lo);
    return st ? st : xiei_wr(ex, 0, hi);
}

/* SHLX / SARX / SHRX r, r/m, vvvv (count) and RORX r, r/m, imm8 (arg: the
 * enum xiei_shift_op numbering sem.h uses). */
XIEI_HANDLER(shiftx)
{
    uint64_t a, c;
    int st = rd12(ex, &a, &c);

    return st ? st : xiei_wr(ex, 0, xiei_shiftx(arg, OPSIZE(ex, 0), a, c & 0xff));
}
