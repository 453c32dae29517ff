/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * String instructions MOVS CMPS STOS LODS SCAS with REP / REPE / REPNE
 * (SDM Vol. 2 "REP/REPE/REPZ/REPNE/REPNZ"). The address size picks rCX, rSI and
 * rDI; the source segment may be overridden, the destination is always ES. Each
 * iteration is committed on its own, so an exception or a pending callback in
 * iteration k leaves iterations 0..k-1 done and rCX/rSI/rDI precise.
 */
#include "emu_int.h"

/* One iteration. */
static int iterate(struct xiei_ex *ex, unsigned op, unsigned size, unsigned sseg)
{
    const struct xie_insn *in = ex->in;
    uint64_t amask = xiei_mask(in->asz);
    uint64_t si = xiei_gpr(ex, XIE_GPR_RSI) & amask, di = xiei_gpr(ex, XIE_GPR_RDI) & amask;
    uint64_t step = (ex->fl & XIEI_F_DF) ? (uint64_t)0 - size : size;
    uint64_t a = 0, b = 0;
    struct xiei_maddr ms, md;
    int st = XIE_OK;

    switch (op) {
    case XIEI_STR_MOVS:
        st = xiei_xlat(ex, sseg, si, size, XIE_XLAT_READ, &ms);
        if (!st) st = xiei_mread_val(ex, &ms, &a);
        if (!st) st = xiei_xlat(ex, XIE_SEG_ES, di, size, XIE_XLAT_WRITE, &md);
        if (!st) st = xiei_mwrite_val(ex, &md, a);
        break;
    case XIEI_STR_CMPS:
        /* This CPU checks ES:rDI before DS:rSI: with both faulting it reports the
         * ES:rDI fault (measured with tests/hwdiff). Both are checked before
         * either is read. */
        st = xiei_xlat(ex, XIE_SEG_ES, di, size, XIE_XLAT_READ, &md);
        if (!st) st = xiei_xlat(ex, sseg, si, size, XIE_XLAT_READ, &ms);
        if (!st) st = xiei_mread_val(ex, &ms, &a);
        if (!st) st = xiei_mread_val(ex, &md, &b);
        if (!st) xiei_alu(XIEI_ALU_CMP, size, a, b, &ex->fl);
        break;
    case XIEI_STR_STOS:
        st = xiei_xlat(ex, XIE_SEG_ES, di, size, XIE_XLAT_WRITE, &md);
        if (!st) st = xiei_mwrite_val(ex, &md, xiei_gpr(ex, XIE_GPR_RAX));
        break;
    case XIEI_STR_LODS:
        st = xiei_xlat(ex, sseg, si, size, XIE_XLAT_READ, &ms);
        if (!st) st = xiei_mread_val(ex, &ms, &a);
        if (!st) xiei_set_gprs(ex, XIE_GPR_RAX, size, a);
        break;
    default: /* SCAS */
        st = xiei_xlat(ex, XIE_SEG_ES, di, size, XIE_XLAT_READ, &md);
        if (!st) st = xiei_mread_val(ex, &md, &b);
        if (!st) xiei_alu(XIEI_ALU_CMP, size, xiei_gpr(ex, XIE_GPR_RAX), b, &ex->fl);
        break;
    }
    if (st) return st;
    if (op == XIEI_STR_MOVS || op == XIEI_STR_CMPS || op == XIEI_STR_LODS)
        xiei_set_gprs(ex, XIE_GPR_RSI, in->asz, si + step);
    if (op != XIEI_STR_LODS) xiei_set_gprs(ex, XIE_GPR_RDI, in->asz, di + step);
    return XIE_OK;
}

XIEI_HANDLER(string)
{
    const struct xie_insn *in = ex->in;
    unsigned size = 1, i, sseg = XIE_SEG_DS;
    uint64_t amask = xiei_mask(in->asz), c;
    /* With TF set the CPU takes the single-step trap after every iteration (RIP
     * still at the instruction while iterations remain): one per call then. */
    uint32_t n = 0, limit = (ex->ctx->rflags & XIEI_F_TF) ? 1
                            : ex->ctx->rep_limit          ? ex->ctx->rep_limit
                                                          : 1024;
    int rep = (in->prefixes & (XIE_PFX_REP | XIE_PFX_REPNE)) != 0;
    int repne = (in->prefixes & XIE_PFX_REPNE) && !(in->prefixes & XIE_PFX_REP);
    int cc = arg == XIEI_STR_CMPS || arg == XIEI_STR_SCAS;
    int st;

    /* Element size and source segment from the memory operands (X = DS:rSI with
     * its override, Y = ES:rDI). */
    for (i = 0; i < in->nops; i++) {
        const struct xie_operand *o = &in->operands[i];
        if (o->kind == XIE_OPK_MEM) {
            size = o->size;
            if (o->base == XIE_GPR_RSI) sseg = o->seg;
        }
    }
    /* With both F2 and F3 present the CPU uses the last one; the prefix bits do
     * not record the order, so F3 (REPE) is assumed then. */
    if (!rep) return iterate(ex, arg, size, sseg);
    for (;;) {
        c = xiei_gpr(ex, XIE_GPR_RCX) & amask;
        if (c == 0) return XIE_OK;
        if (n == limit) {
            ex->retire |= XIE_RETIRE_REP_MORE;
            return XIE_OK;
        }
        st = iterate(ex, arg, size, sseg);
        if (st) return st;
        xiei_set_gprs(ex, XIE_GPR_RCX, in->asz, c - 1);
        st = xiei_commit(ex);
        if (st) return st;
        n++;
        if (cc && (repne ? (ex->fl & XIEI_F_ZF) != 0 : (ex->fl & XIEI_F_ZF) == 0)) return XIE_OK;
    }
}
