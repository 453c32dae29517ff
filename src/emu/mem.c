/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Access layer: effective addresses, segmentation, translation through the host,
 * page fragments, staged writes and their commit, and the stack.
 */
#include "emu_int.h"

uint64_t xiei_ea(const struct xiei_ex *ex, const struct xie_operand *o)
{
    const struct xie_insn *in = ex->in;
    uint64_t ea = (uint64_t)in->disp;

    if (o->base != XIE_REG_NONE)
        ea += o->base == XIE_REG_RIP ? ex->rip_next : xiei_gpr(ex, o->base);
    if (o->index != XIE_REG_NONE) ea += xiei_gpr(ex, o->index) << o->scale;
    /* Address-size wrap-around (SDM Vol. 1 3.7.5, 3.3.7). */
    return ea & xiei_mask(in->asz);
}

/* #SS(0) for stack-segment references, #GP(0) otherwise (SDM Vol. 3 6.15). */
static int seg_fault(struct xiei_ex *ex, unsigned seg)
{
    return xiei_raise(ex, seg == XIE_SEG_SS ? XIEI_VEC_SS : XIEI_VEC_GP, 1, 0);
}

/* Protected-mode segment checks for [off, off + size) (SDM Vol. 3 5.3, 5.4, 5.5). */
static int seg_check(struct xiei_ex *ex, unsigned seg, const struct xie_segment *s, uint64_t off,
                     unsigned size, unsigned kind)
{
    uint32_t type = s->attr & XIE_SATTR_TYPE;
    uint64_t last = off + size - 1;

    if (!ex->realseg) {
        if ((s->attr & XIE_SATTR_UNUSABLE) || !(s->attr & XIE_SATTR_P)) return seg_fault(ex, seg);
        if (type & 8) {
            /* Code segment: never writable, readable only with R. */
            if ((kind & XIE_XLAT_WRITE) || !(type & 2)) return seg_fault(ex, seg);
        } else {
            if ((kind & XIE_XLAT_WRITE) && !(type & 2)) return seg_fault(ex, seg);
            if (type & 4) {
                /* Expand-down: valid offsets are limit + 1 .. 0xffff or 0xffffffff. */
                uint64_t upper = (s->attr & XIE_SATTR_DB) ? 0xffffffffu : 0xffffu;
                if (off <= s->limit || last > upper) return seg_fault(ex, seg);
                return XIE_OK;
            }
        }
    }
    if (last > s->limit) return seg_fault(ex, seg);
    return XIE_OK;
}

static int translate(struct xiei_ex *ex, uint64_t la, unsigned kind, uint64_t *pa)
{
    const struct xie_ops *ops = ex->ops;
    struct xie_event ev;
    int cb;

    if (!ops->translate) {
        *pa = la;
        return XIE_OK;
    }
    if (!(kind & XIE_XLAT_IMPLICIT) && ex->ctx->cpl == 3) kind |= XIE_XLAT_USER;
    cb = ops->translate(ex->ctx->user, la, kind, pa, &ev);
    return cb == XIE_CB_OK ? XIE_OK : xiei_cbstatus(ex, cb, &ev);
}

int xiei_xlat(struct xiei_ex *ex, unsigned seg, uint64_t off, unsigned size, unsigned kind,
              struct xiei_maddr *m)
{
    const struct xie_ctx *ctx = ex->ctx;
    unsigned stackref = seg & XIEI_SEG_STACKREF;
    uint64_t la;
    int st;

    seg &= 7u;
    if (ex->mode == XIE_MODE_64) {
        la = off;
        if (seg == XIE_SEG_FS || seg == XIE_SEG_GS) {
            st = xiei_need(ex, XIE_STATE_SEG(seg));
            if (st) return st;
            la += ctx->seg[seg].base;
        }
        /* Canonical check of the first and last byte (SDM Vol. 1 3.3.7.1): #SS for
         * stack references (implicit stack operations, RSP or RBP as the base),
         * #GP otherwise; segment overrides do not matter here. */
        if ((uint64_t)((int64_t)(la << 16) >> 16) != la ||
            (uint64_t)((int64_t)((la + size - 1) << 16) >> 16) != la + size - 1)
            return xiei_raise(ex, stackref ? XIEI_VEC_SS : XIEI_VEC_GP, 1, 0);
    } else {
        st = xiei_need(ex, XIE_STATE_SEG(seg));
        if (st) return st;
        st = seg_check(ex, seg, &ctx->seg[seg], off, size, kind);
        if (st) return st;
        la = (ctx->seg[seg].base + off) & 0xffffffffu;
    }
    return xiei_xlat_linear(ex, la, size, kind, m);
}

int xiei_xlat_linear(struct xiei_ex *ex, uint64_t la, unsigned size, unsigned kind,
                     struct xiei_maddr *m)
{
    unsigned n0 = 4096 - (unsigned)(la & 4095);
    uint64_t la1;
    int st;

    if (n0 >= size) n0 = size;
    m->size = (uint16_t)size;
    m->n0 = (uint16_t)n0;
    st = translate(ex, la, kind, &m->pa0);
    if (st || n0 == size) return st;
    la1 = la + n0;
    if (ex->mode != XIE_MODE_64) la1 &= 0xffffffffu;
    return translate(ex, la1, kind, &m->pa1);
}

int xiei_mread(struct xiei_ex *ex, const struct xiei_maddr *m, void *buf)
{
    const struct xie_ops *ops = ex->ops;
    void *user = ex->ctx->user;
    int cb;

    if (!ops->read) return xiei_unhandleable(ex, XIE_REASON_NO_READ);
    cb = ops->read(user, m->pa0, buf, m->n0);
    if (cb == XIE_CB_OK && m->n0 != m->size)
        cb = ops->read(user, m->pa1, (uint8_t *)buf + m->n0, (unsigned)(m->size - m->n0));
    return cb == XIE_CB_OK ? XIE_OK : xiei_cbstatus(ex, cb, 0);
}

uint8_t *xiei_mwrite_buf(struct xiei_ex *ex, const struct xiei_maddr *m)
{
    struct xiei_memw *w;
    uint8_t *p;

    /* Both limits are sized for the largest instruction; hitting one is a bug,
     * reported rather than overflowing. */
    if (ex->nmemw >= XIEI_MAX_MEMW || ex->wused + m->size > XIEI_WBUF) return 0;
    w = &ex->memw[ex->nmemw++];
    w->m = *m;
    w->off = ex->wused;
    p = ex->wbuf + ex->wused;
    ex->wused = (uint16_t)(ex->wused + m->size);
    return p;
}

int xiei_mwrite(struct xiei_ex *ex, const struct xiei_maddr *m, const void *buf)
{
    const uint8_t *src = buf;
    uint8_t *dst;
    unsigned i;

    if (!ex->ops->write) return xiei_unhandleable(ex, XIE_REASON_NO_WRITE);
    dst = xiei_mwrite_buf(ex, m);
    if (!dst) return xiei_unhandleable(ex, XIE_REASON_CALLBACK_FAILED);
    for (i = 0; i < m->size; i++)
        dst[i] = src[i];
    return XIE_OK;
}

/* Guest memory is little-endian; so are the hosts xie runs on (x86, and the
 * little-endian configurations of other architectures), so a value is read and
 * written through its own bytes. */
int xiei_mread_val(struct xiei_ex *ex, const struct xiei_maddr *m, uint64_t *v)
{
    *v = 0;
    return xiei_mread(ex, m, v);
}

int xiei_mwrite_val(struct xiei_ex *ex, const struct xiei_maddr *m, uint64_t v)
{
    return xiei_mwrite(ex, m, &v);
}

unsigned xiei_stack_asz(const struct xiei_ex *ex)
{
    if (ex->mode == XIE_MODE_64) return 8;
    return (ex->ctx->seg[XIE_SEG_SS].attr & XIE_SATTR_DB) ? 4 : 2;
}

int xiei_stack_write(struct xiei_ex *ex, uint64_t sp, unsigned size, const void *buf)
{
    struct xiei_maddr m;
    int st = xiei_xlat(ex, XIE_SEG_SS | XIEI_SEG_STACKREF, sp, size, XIE_XLAT_WRITE, &m);
    return st ? st : xiei_mwrite(ex, &m, buf);
}

int xiei_stack_read(struct xiei_ex *ex, uint64_t sp, unsigned size, void *buf)
{
    struct xiei_maddr m;
    int st = xiei_xlat(ex, XIE_SEG_SS | XIEI_SEG_STACKREF, sp, size, XIE_XLAT_READ, &m);
    return st ? st : xiei_mread(ex, &m, buf);
}

int xiei_push(struct xiei_ex *ex, unsigned size, uint64_t v)
{
    unsigned asz;
    uint64_t sp;
    int st = xiei_need(ex, XIE_STATE_SEG(XIE_SEG_SS));

    if (st) return st;
    asz = xiei_stack_asz(ex);
    sp = (xiei_gpr(ex, XIE_GPR_RSP) - size) & xiei_mask(asz);
    st = xiei_stack_write(ex, sp, size, &v);
    if (st) return st;
    xiei_set_gprs(ex, XIE_GPR_RSP, asz, sp);
    return XIE_OK;
}

int xiei_pop(struct xiei_ex *ex, unsigned size, uint64_t *v)
{
    unsigned asz;
    uint64_t sp;
    int st = xiei_need(ex, XIE_STATE_SEG(XIE_SEG_SS));

    if (st) return st;
    asz = xiei_stack_asz(ex);
    sp = xiei_gpr(ex, XIE_GPR_RSP) & xiei_mask(asz);
    *v = 0;
    st = xiei_stack_read(ex, sp, size, v);
    if (st) return st;
    xiei_set_gprs(ex, XIE_GPR_RSP, asz, sp + size);
    return XIE_OK;
}

int xiei_commit(struct xiei_ex *ex)
{
    struct xie_ctx *ctx = ex->ctx;
    const struct xie_ops *ops = ex->ops;
    uint64_t dirty = 0;
    unsigned i;
    int cb, st = XIE_OK;

    /* Writes are posted: XIE_CB_PENDING from a write means accepted. */
    for (i = 0; i < ex->nmemw && st == XIE_OK; i++) {
        const struct xiei_memw *w = &ex->memw[i];
        const uint8_t *d = ex->wbuf + w->off;
        cb = ops->write(ctx->user, w->m.pa0, d, w->m.n0);
        if ((cb == XIE_CB_OK || cb == XIE_CB_PENDING) && w->m.n0 != w->m.size)
            cb = ops->write(ctx->user, w->m.pa1, d + w->m.n0, (unsigned)(w->m.size - w->m.n0));
        if (cb != XIE_CB_OK && cb != XIE_CB_PENDING)
            st = xiei_unhandleable(ex, XIE_REASON_CALLBACK_FAILED);
    }
    if (st) {
        /* A write the host could not do: the writes before it stay done (they
         * cannot be taken back); registers and flags are left unchanged. */
        ex->nregw = 0;
        ex->segw = XIE_SEG_NONE;
        ex->fl = ctx->rflags;
    }
    for (i = 0; i < ex->nregw; i++) {
        ctx->gpr[ex->regi[i]] = ex->regv[i];
        dirty |= XIE_STATE_GPR(ex->regi[i]);
    }
    if (ex->segw != XIE_SEG_NONE) {
        ctx->seg[ex->segw] = ex->segv;
        dirty |= XIE_STATE_SEG(ex->segw);
    }
    if (ex->fl != ctx->rflags) {
        ctx->rflags = ex->fl;
        dirty |= XIE_STATE_RFLAGS;
    }
    ctx->dirty |= dirty;
    ex->nregw = 0;
    ex->nmemw = 0;
    ex->wused = 0;
    ex->segw = XIE_SEG_NONE;
    ex->mcache = 0;
    return st;
}
