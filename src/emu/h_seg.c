/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Data and stack segment register loads (MOV Sreg, POP Sreg): real and
 * virtual-8086 mode, and the protected-mode descriptor checks of SDM Vol. 2
 * MOV / POP ("Protected Mode Exceptions") and Vol. 3 5.5-5.7.
 */
#include "emu_int.h"

#define VEC_NP 11

static int sel_fault(struct xiei_ex *ex, unsigned vector, uint16_t sel)
{
    return xiei_raise(ex, vector, 1, sel & 0xfffcu);
}

int xiei_load_seg(struct xiei_ex *ex, unsigned seg, uint16_t sel)
{
    const struct xie_ctx *ctx = ex->ctx;
    struct xie_segment *s = &ex->segv;
    const struct xie_segment *tab;
    struct xiei_maddr m;
    uint8_t d[8];
    uint64_t tbase, tlimit;
    unsigned rpl = sel & 3u, dpl, type, cpl = ctx->cpl;
    int st;

    if (seg == XIE_SEG_CS || seg > XIE_SEG_GS) return xiei_ud(ex);
    st = xiei_need(ex, XIE_STATE_SEG(seg));
    if (st) return st;
    *s = ctx->seg[seg];
    s->sel = sel;
    if (ex->realseg) {
        /* Only the selector and the base change; limit and attributes stay (big
         * real mode), except in virtual-8086 mode (SDM Vol. 3 20.1.1). */
        s->base = (uint64_t)sel << 4;
        if (ex->fl & XIEI_F_VM) {
            s->limit = 0xffff;
            s->attr = 0xf3;
        }
        ex->segw = (uint8_t)seg;
        return XIE_OK;
    }
    if ((sel & 0xfffcu) == 0) {
        /* Null selector: SS only in 64-bit mode at CPL < 3 with RPL = CPL. */
        if (seg == XIE_SEG_SS && !(ex->mode == XIE_MODE_64 && cpl != 3 && rpl == cpl))
            return xiei_gp0(ex);
        s->attr = XIE_SATTR_UNUSABLE;
        if (ex->mode != XIE_MODE_64) s->base = 0;
        ex->segw = (uint8_t)seg;
        return XIE_OK;
    }
    if (sel & 4) {
        st = xiei_need(ex, XIE_STATE_SEG(XIE_SEG_LDTR));
        tab = &ctx->seg[XIE_SEG_LDTR];
        if (!st && (tab->attr & XIE_SATTR_UNUSABLE)) return sel_fault(ex, XIEI_VEC_GP, sel);
        tbase = tab->base;
        tlimit = tab->limit;
    } else {
        st = xiei_need(ex, XIE_STATE_GDTR);
        tbase = ctx->gdtr.base;
        tlimit = ctx->gdtr.limit;
    }
    if (st) return st;
    if ((uint64_t)(sel & 0xfff8u) + 7 > tlimit) return sel_fault(ex, XIEI_VEC_GP, sel);
    st = xiei_xlat_linear(ex, tbase + (sel & 0xfff8u), 8, XIE_XLAT_READ | XIE_XLAT_IMPLICIT, &m);
    if (!st) st = xiei_mread(ex, &m, d);
    if (st) return st;
    type = d[5] & 0xfu;
    dpl = (d[5] >> 5) & 3u;
    if (!(d[5] & 0x10)) return sel_fault(ex, XIEI_VEC_GP, sel);
    if (seg == XIE_SEG_SS) {
        if (rpl != cpl || dpl != cpl || (type & 8) || !(type & 2))
            return sel_fault(ex, XIEI_VEC_GP, sel);
        if (!(d[5] & 0x80)) return sel_fault(ex, XIEI_VEC_SS, sel);
    } else {
        /* Data, or readable code; privilege unless conforming code. */
        if ((type & 0xau) == 8) return sel_fault(ex, XIEI_VEC_GP, sel);
        if ((type & 0xcu) != 0xcu && (rpl > dpl || cpl > dpl))
            return sel_fault(ex, XIEI_VEC_GP, sel);
        if (!(d[5] & 0x80)) return sel_fault(ex, VEC_NP, sel);
    }
    s->base =
        (uint64_t)d[2] | ((uint64_t)d[3] << 8) | ((uint64_t)d[4] << 16) | ((uint64_t)d[7] << 24);
    s->limit = (uint32_t)d[0] | ((uint32_t)d[1] << 8) | ((uint32_t)(d[6] & 0xfu) << 16);
    if (d[6] & 0x80) s->limit = (s->limit << 12) | 0xfffu;
    s->attr = (uint32_t)d[5] | ((uint32_t)(d[6] & 0xf0u) << 8) | 1u;
    /* The processor sets the accessed bit in the descriptor (SDM Vol. 3
     * 3.4.5.1), as a locked update (SDM Vol. 3 9.1.2.1): a compare-exchange of
     * the byte at commit. If another agent changed the byte since it was read,
     * the descriptor read here is stale: the instruction returns XIE_RETRY,
     * nothing changed, to be run again. */
    if (!(type & 1)) {
        struct xiei_maddr a;
        if (ex->lock_have) return XIE_RETRY;
        if (!ex->ops->cmpxchg) return xiei_unhandleable(ex, XIE_REASON_NO_CMPXCHG);
        st = xiei_xlat_linear(ex, tbase + (sel & 0xfff8u) + 5, 1,
                              XIE_XLAT_WRITE | XIE_XLAT_IMPLICIT, &a);
        if (st) return st;
        ex->lock_m = a;
        ex->lock_split = 0;
        ex->lock_old[0] = d[5];
        ex->lock_old[1] = 0;
        ex->lock_new[0] = (uint8_t)(d[5] | 1u);
        ex->lock_new[1] = 0;
        ex->lock_armed = 1;
    }
    ex->segw = (uint8_t)seg;
    return XIE_OK;
}
