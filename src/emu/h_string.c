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

/* xiei_xlat for a string operand, shortened for the commonest case: 64-bit
 * mode, DS or ES, alignment checking off, inside one page (the same canonical
 * rule and translate callback; anything else goes to xiei_xlat). */
static inline int xlat_quick(struct xiei_ex *ex, unsigned seg, uint64_t la, unsigned size,
                             unsigned kind, struct xiei_maddr *m)
{
    if (ex->mode != XIE_MODE_64 || seg == XIE_SEG_FS || seg == XIE_SEG_GS ||
        (ex->ctx->rflags & XIEI_F_AC) || (la & 4095) + size > 4096 || xiei_noncanonical(la, size))
        return xiei_xlat(ex, seg, la, size, kind, m);
    m->size = (uint16_t)size;
    m->n0 = (uint16_t)size;
    m->pa0 = la;
    return ex->ops->translate ? xiei_translate(ex, la, kind, &m->pa0) : XIE_OK;
}

/* One iteration of REP MOVS or REP STOS without staging and commit: its one
 * write (posted) is its last access, so it goes straight to the callback, and
 * the registers are written when the iteration is complete, as xiei_commit
 * would. Same checks, callbacks, order and replay log as iterate + commit. c is rCX (nonzero); keep
 * the register bits an address-size write keeps (xiei_gpr_merge). */
static int iterate_direct(struct xiei_ex *ex, unsigned op, unsigned size, unsigned sseg, uint64_t c,
                          uint64_t keep)
{
    struct xie_ctx *ctx = ex->ctx;
    const struct xie_ops *ops = ex->ops;
    uint64_t amask = xiei_mask(ex->in->asz);
    uint64_t si = ctx->gpr[XIE_GPR_RSI] & amask, di = ctx->gpr[XIE_GPR_RDI] & amask;
    uint64_t step = (ex->fl & XIEI_F_DF) ? (uint64_t)0 - size : size;
    uint64_t v = 0;
    struct xiei_maddr ms, md;
    int st, cb;

    if (op == XIEI_STR_MOVS) {
        st = xlat_quick(ex, sseg, si, size, XIE_XLAT_READ, &ms);
        if (st) return st;
        if (ops->translate || ms.n0 != size || !ops->read ||
            (ex->mode != XIE_MODE_64 && !(ctx->valid & XIE_STATE_SEG(XIE_SEG_ES)))) {
            /* Logged: the destination's translate callback, the load_state
             * of ES or the second fragment may still answer pending, and the
             * read must not be repeated then. */
            st = xiei_mread(ex, &ms, &v);
            if (st) return st;
        } else {
            /* Nothing after it can answer pending (an exception restarts the
             * iteration, read included, as on the CPU). */
            cb = ops->read(ctx->user, ms.pa0, &v, size);
            if (cb != XIE_CB_OK) return xiei_cbstatus(ex, cb, 0);
        }
    } else {
        v = ctx->gpr[XIE_GPR_RAX];
    }
    st = xlat_quick(ex, XIE_SEG_ES, di, size, XIE_XLAT_WRITE, &md);
    if (st) return st;
    if (!ops->write) return xiei_unhandleable(ex, XIE_REASON_NO_WRITE);
    cb = ops->write(ctx->user, md.pa0, &v, md.n0);
    if ((cb == XIE_CB_OK || cb == XIE_CB_PENDING) && md.n0 != size)
        cb = ops->write(ctx->user, md.pa1, (const uint8_t *)&v + md.n0, size - md.n0);
    if (cb != XIE_CB_OK && cb != XIE_CB_PENDING)
        return xiei_unhandleable(ex, XIE_REASON_CALLBACK_FAILED);
    if (op == XIEI_STR_MOVS)
        ctx->gpr[XIE_GPR_RSI] = (ctx->gpr[XIE_GPR_RSI] & keep) | ((si + step) & amask);
    ctx->gpr[XIE_GPR_RDI] = (ctx->gpr[XIE_GPR_RDI] & keep) | ((di + step) & amask);
    ctx->gpr[XIE_GPR_RCX] = (ctx->gpr[XIE_GPR_RCX] & keep) | ((c - 1) & amask);
    ctx->dirty |=
        XIE_STATE_GPR(XIE_GPR_RSI) | XIE_STATE_GPR(XIE_GPR_RDI) | XIE_STATE_GPR(XIE_GPR_RCX);
    /* As xiei_commit: a completed iteration's reads are never replayed. */
    ctx->replay.n = ctx->replay.pos = 0;
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
    /* The handler runs first in its instruction: nothing is staged before it. */
    int direct = (arg == XIEI_STR_MOVS || arg == XIEI_STR_STOS) && !ex->nregw && !ex->nmemw;
    /* The bits of rCX, rSI, rDI an address-size write keeps. */
    uint64_t keep = xiei_gpr_merge(ex, ~0ull, in->asz, 0);
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
        if (direct) {
            st = iterate_direct(ex, arg, size, sseg, c, keep);
        } else {
            st = iterate(ex, arg, size, sseg);
            if (st) return st;
            xiei_set_gprs(ex, XIE_GPR_RCX, in->asz, c - 1);
            st = xiei_commit(ex);
        }
        if (st) return st;
        n++;
        if (cc && (repne ? (ex->fl & XIEI_F_ZF) != 0 : (ex->fl & XIEI_F_ZF) == 0)) return XIE_OK;
    }
}
