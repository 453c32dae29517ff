/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Access layer: operands (registers with the partial-write rules, immediates,
 * memory with the LOCK protocol), effective addresses, segmentation, translation
 * through the host, page fragments, staged writes and their commit, and the
 * stack.
 */
#include "emu_int.h"

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

int xiei_translate(struct xiei_ex *ex, uint64_t la, unsigned kind, uint64_t *pa)
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

/* Linear to fragments, each translated. */
static inline int xlat_lin(struct xiei_ex *ex, uint64_t la, unsigned size, unsigned kind,
                           struct xiei_maddr *m)
{
    unsigned n0 = 4096 - (unsigned)(la & 4095);
    uint64_t la1;
    int st;

    if (n0 >= size) n0 = size;
    m->size = (uint16_t)size;
    m->n0 = (uint16_t)n0;
    st = xiei_translate(ex, la, kind, &m->pa0);
    if (st || n0 == size) return st;
    la1 = la + n0;
    if (ex->mode != XIE_MODE_64) la1 &= 0xffffffffu;
    return xiei_translate(ex, la1, kind, &m->pa1);
}

int xiei_xlat(struct xiei_ex *ex, unsigned seg, uint64_t off, unsigned size, unsigned kind,
              struct xiei_maddr *m)
{
    const struct xie_ctx *ctx = ex->ctx;
    unsigned stackref = seg & XIEI_SEG_STACKREF;
    unsigned unit = kind >> XIEI_XLAT_UNIT_SHIFT;
    uint64_t la;
    int st;

    seg &= 7u;
    kind &= XIEI_XLAT_KIND;
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
        if (xiei_noncanonical(la, size))
            return xiei_raise(ex, stackref ? XIEI_VEC_SS : XIEI_VEC_GP, 1, 0);
    } else {
        st = xiei_need(ex, XIE_STATE_SEG(seg));
        if (st) return st;
        st = seg_check(ex, seg, &ctx->seg[seg], off, size, kind);
        if (st) return st;
        la = (ctx->seg[seg].base + off) & 0xffffffffu;
    }
    if (ctx->rflags & XIEI_F_AC) {
        if (!unit)
            for (unit = 1; unit * 2 <= size && unit < 16; unit *= 2)
                ;
        st = xiei_align_check(ex, la, unit);
        if (st) return st;
    }
    return xlat_lin(ex, la, size, kind, m);
}

/* Alignment check (SDM Vol. 3 6.15 "Interrupt 17", Table 6-7): CR0.AM, EFLAGS.AC
 * and CPL 3, for each data access of a 2-, 4-, 8- or 16-byte unit (a larger
 * operand is checked at its largest power-of-two unit, up to 16). This CPU
 * checks it after the segment and canonical checks and before paging: a
 * misaligned access into an unmapped page is #AC(0), not #PF (measured;
 * tests/hwdiff runs states with AC set). */
int xiei_align_check(struct xiei_ex *ex, uint64_t la, unsigned unit)
{
    const struct xie_ctx *ctx = ex->ctx;

    if ((ctx->cr0 & XIEI_CR0_AM) && (ctx->rflags & XIEI_F_AC) && ctx->cpl == 3 &&
        (la & (unit - 1u)))
        return xiei_raise(ex, XIEI_VEC_AC, 1, 0);
    return XIE_OK;
}

int xiei_xlat_linear(struct xiei_ex *ex, uint64_t la, unsigned size, unsigned kind,
                     struct xiei_maddr *m)
{
    return xlat_lin(ex, la, size, kind, m);
}

/* Copy n bytes: whole words for the common sizes (one move each). */
static inline void copy_n(uint8_t *d, const uint8_t *s, unsigned n)
{
    unsigned i;

    switch (n) {
    case 8: xiei_st64(d, xiei_ld64(s)); break;
    case 4: {
        uint32_t v =
            (uint32_t)s[0] | (uint32_t)s[1] << 8 | (uint32_t)s[2] << 16 | (uint32_t)s[3] << 24;
        d[0] = (uint8_t)v;
        d[1] = (uint8_t)(v >> 8);
        d[2] = (uint8_t)(v >> 16);
        d[3] = (uint8_t)(v >> 24);
        break;
    }
    default:
        for (i = 0; i < n; i++)
            d[i] = s[i];
    }
}

/* One read fragment: from the replay log while it matches (the instruction is
 * being completed after XIE_PENDING), else through the callback, recorded. */
static int read_frag(struct xiei_ex *ex, uint64_t addr, uint8_t *buf, unsigned size)
{
    struct xie_replay *r = &ex->ctx->replay;
    unsigned used;
    int cb;

    if (r->pos < r->n) {
        if (r->e[r->pos].addr == addr && r->e[r->pos].size == size) {
            copy_n(buf, r->data + r->e[r->pos].off, size);
            r->pos++;
            return XIE_CB_OK;
        }
        r->n = r->pos; /* the instruction went another way: forget the rest */
    }
    used = r->n ? (unsigned)r->e[r->n - 1].off + r->e[r->n - 1].size : 0;
    /* A read the log could not hold would be repeated after a later pending
     * answer: refuse it before it happens (no emulated instruction gets here). */
    if (r->n >= XIE_REPLAY_MAX || used + size > XIE_REPLAY_DATA) return XIE_CB_FAIL;
    cb = ex->ops->read(ex->ctx->user, addr, buf, size);
    if (cb == XIE_CB_OK) {
        r->e[r->n].addr = addr;
        r->e[r->n].size = (uint16_t)size;
        r->e[r->n].off = (uint16_t)used;
        copy_n(r->data + used, buf, size);
        r->pos = ++r->n;
    }
    return cb;
}

/* Read of a split atomic operand between stop_others and resume_others: never
 * from the replay log, never recorded. A log entry would come from before an
 * earlier resume_others (the second fragment answered pending), and other vCPUs
 * may have written the operand since: atomicity wins over exactly-once here,
 * and every fragment is read again under the new stop (emu.h, stop_others). */
static int mread_stopped(struct xiei_ex *ex, const struct xiei_maddr *m, void *buf)
{
    void *user = ex->ctx->user;
    int cb;

    if (!ex->ops->read) return xiei_unhandleable(ex, XIE_REASON_NO_READ);
    cb = ex->ops->read(user, m->pa0, buf, m->n0);
    if (cb == XIE_CB_OK && m->n0 != m->size)
        cb = ex->ops->read(user, m->pa1, (uint8_t *)buf + m->n0, (unsigned)(m->size - m->n0));
    return cb == XIE_CB_OK ? XIE_OK : xiei_cbstatus(ex, cb, 0);
}

int xiei_mread_part(struct xiei_ex *ex, const struct xiei_maddr *m, unsigned off, unsigned len,
                    void *buf)
{
    unsigned n = off < m->n0 ? m->n0 - off : 0;
    int cb = XIE_CB_OK;

    if (!ex->ops->read) return xiei_unhandleable(ex, XIE_REASON_NO_READ);
    if (n > len) n = len;
    if (n) cb = read_frag(ex, m->pa0 + off, buf, n);
    if (cb == XIE_CB_OK && n != len)
        cb = read_frag(ex, m->pa1 + (off + n - m->n0), (uint8_t *)buf + n, len - n);
    return cb == XIE_CB_OK ? XIE_OK : xiei_cbstatus(ex, cb, 0);
}

int xiei_mread(struct xiei_ex *ex, const struct xiei_maddr *m, void *buf)
{
    int cb;

    if (!ex->ops->read) return xiei_unhandleable(ex, XIE_REASON_NO_READ);
    cb = read_frag(ex, m->pa0, buf, m->n0);
    if (cb == XIE_CB_OK && m->n0 != m->size)
        cb = read_frag(ex, m->pa1, (uint8_t *)buf + m->n0, (unsigned)(m->size - m->n0));
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
    w->slot = 0;
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

/* Write bytes [off, off + len) of a staged write (its fragments in order).
 * Writes are posted: XIE_CB_PENDING from a write means accepted. */
static inline int write_part(struct xiei_ex *ex, const struct xiei_memw *w, unsigned off,
                             unsigned len)
{
    const uint8_t *d = ex->wbuf + w->off + off;
    void *user = ex->ctx->user;
    unsigned n = off < w->m.n0 ? w->m.n0 - off : 0;
    int cb = XIE_CB_OK;

    if (n > len) n = len;
    if (n) cb = ex->ops->write(user, w->m.pa0 + off, d, n);
    if ((cb == XIE_CB_OK || cb == XIE_CB_PENDING) && n != len)
        cb = ex->ops->write(user, w->m.pa1 + (off + n - w->m.n0), d + n, len - n);
    if (cb != XIE_CB_OK && cb != XIE_CB_PENDING)
        return xiei_unhandleable(ex, XIE_REASON_CALLBACK_FAILED);
    return XIE_OK;
}

int xiei_commit(struct xiei_ex *ex)
{
    struct xie_ctx *ctx = ex->ctx;
    uint64_t dirty = 0;
    unsigned i;
    int st = XIE_OK;

    for (i = 0; i < ex->nmemw && st == XIE_OK; i++) {
        const struct xiei_memw *w = &ex->memw[i];
        unsigned j = i + 1, k, n;
        if (!w->slot) {
            st = write_part(ex, w, 0, w->m.size);
            continue;
        }
        /* Stack slots: the run of slot areas, last staged first, each from its
         * highest slot down. */
        while (j < ex->nmemw && ex->memw[j].slot)
            j++;
        for (k = j; k-- > i && st == XIE_OK;) {
            w = &ex->memw[k];
            for (n = w->m.size; n >= w->slot && st == XIE_OK; n -= w->slot)
                st = write_part(ex, w, n - w->slot, w->slot);
        }
        i = j - 1;
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
    /* Committed reads are never replayed (a REP instruction pending in a later
     * iteration replays only that iteration's reads). */
    ctx->replay.n = ctx->replay.pos = 0;
    ex->nregw = 0;
    ex->nmemw = 0;
    ex->wused = 0;
    ex->segw = XIE_SEG_NONE;
    ex->mcache = 0;
    return st;
}

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

uint64_t xiei_gpr_merge(const struct xiei_ex *ex, uint64_t old, unsigned size, uint64_t v)
{
    uint64_t m;

    /* SDM Vol. 1 3.4.1.1: 32-bit results are zero-extended in 64-bit mode; 8- and
     * 16-bit results leave the rest of the register unchanged. Outside 64-bit mode
     * the upper half is not architecturally visible and is kept. */
    if (size == 8) return v;
    if (size == 4 && ex->mode == XIE_MODE_64) return (uint32_t)v;
    m = xiei_mask(size);
    return (old & ~m) | (v & m);
}

void xiei_set_gprs(struct xiei_ex *ex, unsigned n, unsigned size, uint64_t v)
{
    xiei_set_gpr(ex, n, xiei_gpr_merge(ex, xiei_gpr(ex, n), size, v));
}

int xiei_opaddr(struct xiei_ex *ex, unsigned i, unsigned kind, const struct xiei_maddr **m)
{
    const struct xie_operand *o = &ex->in->operands[i];
    uint64_t ea;
    int st;

    *m = &ex->mc;
    if (ex->mcache && ex->mcache_op == o) return XIE_OK;
    ea = xiei_ea(ex, o);
    /* Forms the table marks aligned (align=N, e.g. CMPXCHG16B): #GP(0) when
     * misaligned (SDM Vol. 2 CMPXCHG16B). */
    if (ex->align && (ea & (ex->align - 1u))) return xiei_gp0(ex);
    ex->mcache = 0;
    st = xiei_xlat(ex, xiei_opseg(o), ea, o->size, kind, &ex->mc);
    if (st) return st;
    ex->mcache_op = o;
    ex->mcache = 1;
    return XIE_OK;
}

/* Checks common to atomic reads: the host capability the operand needs, and
 * where its value comes from. An operand in one page (one cache line with
 * XIE_OPT_SPLIT_LOCK) goes through cmpxchg at commit; a split one through
 * cmpxchg_split, or, without it, is read and written plainly between
 * stop_others and resume_others (xie_emulate calls resume_others). Returns
 * XIE_OK with ex->lock cleared in the last case. */
static int atomic_ok(struct xiei_ex *ex, const struct xiei_maddr *m)
{
    const struct xie_ops *ops = ex->ops;
    unsigned line = (unsigned)(m->pa0 & 63u);
    int cb;

    ex->lock_m = *m;
    if (m->n0 == m->size &&
        (!(ex->ctx->options & XIE_OPT_SPLIT_LOCK) || line + m->size <= 64 || m->size > 16)) {
        if (!ops->cmpxchg) return xiei_unhandleable(ex, XIE_REASON_NO_CMPXCHG);
        ex->lock_split = 0;
        return XIE_OK;
    }
    if (m->n0 == m->size) {
        /* A line split inside one page: two fragments for the host all the same. */
        ex->lock_m.n0 = (uint16_t)(64u - line);
        ex->lock_m.pa1 = m->pa0 + ex->lock_m.n0;
    }
    if (ops->cmpxchg_split) {
        ex->lock_split = 1;
        return XIE_OK;
    }
    if (!ops->stop_others || !ops->resume_others)
        return xiei_unhandleable(ex, XIE_REASON_ATOMIC_SPLIT);
    cb = ops->stop_others(ex->ctx->user);
    if (cb != XIE_CB_OK) return xiei_unhandleable(ex, XIE_REASON_CALLBACK_FAILED);
    ex->stopped = 1;
    ex->lock = 0;
    return XIE_OK;
}

int xiei_mem_rdb(struct xiei_ex *ex, const struct xiei_maddr *m, int rmw, void *buf)
{
    uint8_t *b = buf;
    unsigned i;
    int st;

    if (!ex->lock || !rmw) return xiei_mread(ex, m, buf);
    st = atomic_ok(ex, m);
    if (st) return st;
    if (!ex->lock) return mread_stopped(ex, m, buf);
    if (ex->lock_have) {
        for (i = 0; i < m->size; i++)
            b[i] = ((const uint8_t *)ex->lock_cur)[i];
    } else {
        st = xiei_mread(ex, m, buf);
        if (st) return st;
    }
    for (i = 0; i < m->size; i++)
        ((uint8_t *)ex->lock_old)[i] = b[i];
    return XIE_OK;
}

int xiei_mem_wrb(struct xiei_ex *ex, const struct xiei_maddr *m, const void *buf)
{
    unsigned k;

    if (!ex->lock) return xiei_mwrite(ex, m, buf);
    for (k = 0; k < m->size; k++)
        ((uint8_t *)ex->lock_new)[k] = ((const uint8_t *)buf)[k];
    ex->lock_armed = 1;
    return XIE_OK;
}

int xiei_mem_rd(struct xiei_ex *ex, const struct xiei_maddr *m, int rmw, uint64_t *v)
{
    int st;

    *v = 0;
    if (!ex->lock || !rmw) return xiei_mread(ex, m, v);
    st = atomic_ok(ex, m);
    if (st) return st;
    if (!ex->lock) return mread_stopped(ex, m, v);
    if (ex->lock_have)
        *v = ex->lock_cur[0];
    else if ((st = xiei_mread(ex, m, v)) != XIE_OK)
        return st;
    ex->lock_old[0] = *v;
    ex->lock_old[1] = 0;
    return XIE_OK;
}

int xiei_mem_wr(struct xiei_ex *ex, const struct xiei_maddr *m, uint64_t v)
{
    if (!ex->lock) return xiei_mwrite_val(ex, m, v);
    ex->lock_new[0] = v;
    ex->lock_new[1] = 0;
    ex->lock_armed = 1;
    return XIE_OK;
}

int xiei_rd(struct xiei_ex *ex, unsigned i, uint64_t *v)
{
    const struct xie_operand *o = &ex->in->operands[i];
    const struct xiei_maddr *m;
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
        return xiei_mem_rd(ex, m, o->access & XIE_ACC_W, v);
    default: break;
    }
    return XIE_UNIMPLEMENTED;
}

int xiei_wr(struct xiei_ex *ex, unsigned i, uint64_t v)
{
    const struct xie_operand *o = &ex->in->operands[i];
    const struct xiei_maddr *m;
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
        return xiei_mem_wr(ex, m, v);
    default: break;
    }
    return XIE_UNIMPLEMENTED;
}

int xiei_branch(struct xiei_ex *ex, uint64_t target)
{
    const struct xie_ctx *ctx = ex->ctx;

    if (ex->mode == XIE_MODE_64) {
        /* SDM Vol. 2 JMP: a non-canonical target raises #GP(0) at the branch. */
        if (xiei_noncanonical(target, 1)) return xiei_gp0(ex);
    } else if (target > ctx->seg[XIE_SEG_CS].limit) {
        return xiei_gp0(ex);
    }
    ex->rip_new = target;
    ex->retire |= XIE_RETIRE_BRANCH;
    return XIE_OK;
}
