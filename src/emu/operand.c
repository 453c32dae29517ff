/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Operand access: registers (with the partial-write rules), immediates, memory
 * operands (with the LOCK protocol for atomic destinations), and branch targets.
 */
#include "emu_int.h"

void xiei_set_gpr(struct xiei_ex *ex, unsigned n, uint64_t v)
{
    unsigned i;

    for (i = 0; i < ex->nregw; i++)
        if (ex->regi[i] == n) {
            ex->regv[i] = v;
            return;
        }
    /* Never more than XIEI_MAX_REGW distinct registers per instruction. */
    if (i < XIEI_MAX_REGW) {
        ex->regi[i] = (uint8_t)n;
        ex->regv[i] = v;
        ex->nregw = (uint8_t)(i + 1);
    }
}

void xiei_set_gprs(struct xiei_ex *ex, unsigned n, unsigned size, uint64_t v)
{
    uint64_t m;

    /* SDM Vol. 1 3.4.1.1: 32-bit results are zero-extended in 64-bit mode; 8- and
     * 16-bit results leave the rest of the register unchanged. Outside 64-bit mode
     * the upper half is not architecturally visible and is kept. */
    if (size == 8 || (size == 4 && ex->mode == XIE_MODE_64)) {
        xiei_set_gpr(ex, n, size == 8 ? v : (uint32_t)v);
        return;
    }
    m = xiei_mask(size);
    xiei_set_gpr(ex, n, (xiei_gpr(ex, n) & ~m) | (v & m));
}

int xiei_opaddr(struct xiei_ex *ex, unsigned i, unsigned kind, struct xiei_maddr *m)
{
    const struct xie_operand *o = &ex->in->operands[i];
    uint64_t ea;
    int st;

    if (ex->mcache && ex->mcache_op == o) {
        *m = ex->mc;
        return XIE_OK;
    }
    ea = xiei_ea(ex, o);
    /* Forms the table marks aligned (align=N, e.g. CMPXCHG16B): #GP(0) when
     * misaligned (SDM Vol. 2 CMPXCHG16B). */
    if (ex->align && (ea & (ex->align - 1u))) return xiei_gp0(ex);
    st = xiei_xlat(ex, xiei_opseg(o), ea, o->size, kind, m);
    if (st) return st;
    ex->mc = *m;
    ex->mcache_op = o;
    ex->mcache = 1;
    return XIE_OK;
}

/* Read of an atomic destination: from the value a failed compare-exchange
 * reported when re-evaluating, else from memory. The operand must not cross a
 * page: no host capability makes a split operand atomic yet (DESIGN.md, "The
 * host interface"). */
int xiei_mem_rdb(struct xiei_ex *ex, const struct xiei_maddr *m, int rmw, void *buf)
{
    uint8_t *b = buf;
    unsigned i;

    if (!ex->lock || !rmw) return xiei_mread(ex, m, buf);
    if (!ex->ops->cmpxchg) return xiei_unhandleable(ex, XIE_REASON_NO_CMPXCHG);
    if (m->n0 != m->size || m->size > sizeof(ex->lock_old))
        return xiei_unhandleable(ex, XIE_REASON_ATOMIC_SPLIT);
    ex->lock_m = *m;
    if (ex->lock_have) {
        for (i = 0; i < m->size; i++)
            b[i] = ex->lock_cur[i];
    } else {
        int st = xiei_mread(ex, m, buf);
        if (st) return st;
    }
    for (i = 0; i < m->size; i++)
        ex->lock_old[i] = b[i];
    return XIE_OK;
}

int xiei_mem_wrb(struct xiei_ex *ex, const struct xiei_maddr *m, const void *buf)
{
    unsigned k;

    if (!ex->lock) return xiei_mwrite(ex, m, buf);
    for (k = 0; k < m->size; k++)
        ex->lock_new[k] = ((const uint8_t *)buf)[k];
    ex->lock_armed = 1;
    return XIE_OK;
}

int xiei_mem_rd(struct xiei_ex *ex, const struct xiei_maddr *m, int rmw, uint64_t *v)
{
    *v = 0;
    return xiei_mem_rdb(ex, m, rmw, v);
}

int xiei_mem_wr(struct xiei_ex *ex, const struct xiei_maddr *m, uint64_t v)
{
    return xiei_mem_wrb(ex, m, &v);
}

int xiei_rd(struct xiei_ex *ex, unsigned i, uint64_t *v)
{
    const struct xie_operand *o = &ex->in->operands[i];
    struct xiei_maddr m;
    int st;

    switch (o->kind) {
    case XIE_OPK_GPR: *v = xiei_gpr(ex, o->reg) & xiei_mask(o->size); return XIE_OK;
    case XIE_OPK_GPR8H: *v = (xiei_gpr(ex, o->reg - 4u) >> 8) & 0xff; return XIE_OK;
    case XIE_OPK_IMM: *v = (uint64_t)ex->in->imm; return XIE_OK;
    case XIE_OPK_CONST1: *v = 1; return XIE_OK;
    case XIE_OPK_SEG:
        st = xiei_need(ex, XIE_STATE_SEG(o->reg));
        *v = ex->ctx->seg[o->reg & 7].sel;
        return st;
    case XIE_OPK_MEM:
        if (o->size > 8) break;
        st = xiei_opaddr(ex, i, (o->access & XIE_ACC_W) ? XIE_XLAT_WRITE : XIE_XLAT_READ, &m);
        if (st) return st;
        return xiei_mem_rd(ex, &m, o->access & XIE_ACC_W, v);
    default: break;
    }
    return XIE_UNIMPLEMENTED;
}

int xiei_wr(struct xiei_ex *ex, unsigned i, uint64_t v)
{
    const struct xie_operand *o = &ex->in->operands[i];
    struct xiei_maddr m;
    unsigned k;
    int st;

    switch (o->kind) {
    case XIE_OPK_GPR: xiei_set_gprs(ex, o->reg, o->size, v); return XIE_OK;
    case XIE_OPK_GPR8H:
        k = o->reg - 4u;
        xiei_set_gpr(ex, k, (xiei_gpr(ex, k) & ~(uint64_t)0xff00) | ((v & 0xff) << 8));
        return XIE_OK;
    case XIE_OPK_MEM:
        if (o->size > 8) break;
        st = xiei_opaddr(ex, i, XIE_XLAT_WRITE, &m);
        if (st) return st;
        return xiei_mem_wr(ex, &m, v);
    default: break;
    }
    return XIE_UNIMPLEMENTED;
}

int xiei_branch(struct xiei_ex *ex, uint64_t target)
{
    const struct xie_ctx *ctx = ex->ctx;

    if (ex->mode == XIE_MODE_64) {
        /* SDM Vol. 2 JMP: a non-canonical target raises #GP(0) at the branch. */
        if ((uint64_t)((int64_t)(target << 16) >> 16) != target) return xiei_gp0(ex);
    } else if (target > ctx->seg[XIE_SEG_CS].limit) {
        return xiei_gp0(ex);
    }
    ex->rip_new = target;
    ex->retire |= XIE_RETIRE_BRANCH;
    return XIE_OK;
}
