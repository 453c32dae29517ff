/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Emulation entry points: mode derivation, instruction fetch, dispatch to the
 * handler of the table row, the LOCK re-evaluation loop, and retirement.
 */
#include "emu_int.h"
#include "../gen/handlers.h"

#define CR0_PE   0x1u
#define EFER_LMA 0x400u

int xiei_raise(struct xiei_ex *ex, unsigned vector, int has_err, uint32_t err)
{
    struct xie_event *ev = &ex->res->event;

    ev->vector = (uint8_t)vector;
    ev->has_error = (uint8_t)(has_err != 0);
    ev->has_cr2 = 0;
    ev->reserved = 0;
    ev->error_code = err;
    ev->cr2 = 0;
    return XIE_EXCEPTION;
}

int xiei_unhandleable(struct xiei_ex *ex, unsigned reason)
{
    ex->res->reason = (uint8_t)reason;
    return XIE_UNHANDLEABLE;
}

int xiei_cbstatus(struct xiei_ex *ex, int cb, const struct xie_event *ev)
{
    switch (cb) {
    case XIE_CB_OK: return XIE_OK;
    case XIE_CB_PENDING: return XIE_PENDING;
    case XIE_CB_EXCEPTION:
        if (ev) {
            ex->res->event = *ev;
            return XIE_EXCEPTION;
        }
        break;
    default: break;
    }
    return xiei_unhandleable(ex, XIE_REASON_CALLBACK_FAILED);
}

int xiei_load(struct xiei_ex *ex, uint64_t miss)
{
    struct xie_ctx *ctx = ex->ctx;
    int cb;

    if (!ex->ops->load_state) return xiei_unhandleable(ex, XIE_REASON_NO_LOAD_STATE);
    cb = ex->ops->load_state(ctx->user, ctx, miss);
    if (cb != XIE_CB_OK) return xiei_cbstatus(ex, cb, 0);
    if (miss & ~ctx->valid) return xiei_unhandleable(ex, XIE_REASON_CALLBACK_FAILED);
    return XIE_OK;
}

/* Clear the result and derive the mode from CR0.PE, RFLAGS.VM, EFER.LMA, CS.L/D
 * (SDM Vol. 3 2.2, 9.8.5). */
static int setup(struct xiei_ex *ex, struct xie_ctx *ctx, struct xie_result *res)
{
    static const struct xie_ops no_ops;
    uint32_t csattr;
    int st;

    res->status = XIE_OK;
    res->reason = XIE_REASON_NONE;
    res->len = 0;
    res->retire = 0;
    res->op = 0;
    ex->ctx = ctx;
    ex->res = res;
    ex->ops = ctx->ops ? ctx->ops : &no_ops;
    st = xiei_need(ex, XIE_STATE_BASIC);
    if (st) return st;
    csattr = ctx->seg[XIE_SEG_CS].attr;
    ex->realseg = 0;
    if (!(ctx->cr0 & CR0_PE)) {
        if (ctx->efer & EFER_LMA) return XIE_INVALID_ARGUMENT;
        ex->mode = XIE_MODE_16;
        ex->realseg = 1;
    } else if ((ctx->efer & EFER_LMA) && (csattr & XIE_SATTR_L)) {
        ex->mode = XIE_MODE_64;
    } else if (!(ctx->efer & EFER_LMA) && (ctx->rflags & XIEI_F_VM)) {
        ex->mode = XIE_MODE_16;
        ex->realseg = 1;
    } else {
        ex->mode = (csattr & XIE_SATTR_DB) ? XIE_MODE_32 : XIE_MODE_16;
    }
    return XIE_OK;
}

/* Instructions with a shortcut past the staging machinery (run_fast, in 64-bit
 * mode): MOV, MOVZX, MOVSX of a general register from memory, MOV of a general
 * register or an immediate to memory; no LOCK, no alignment rule. The
 * commonest MMIO forms. */
enum { FAST_NONE = 0, FAST_LOAD, FAST_LOADSX, FAST_STORE };

static unsigned fast_class(const struct xie_insn *in)
{
    const struct xiei_form *f = &xiei_forms[in->form];
    const struct xie_operand *d = &in->operands[0], *s = &in->operands[1];
    unsigned h = f->handler;

    if ((h != XIEI_H_MOV && h != XIEI_H_MOVZX && h != XIEI_H_MOVSX) || f->align || in->nops != 2 ||
        (in->prefixes & XIE_PFX_LOCK))
        return FAST_NONE;
    if (d->kind == XIE_OPK_GPR && s->kind == XIE_OPK_MEM && s->size <= 8)
        return h == XIEI_H_MOVSX ? FAST_LOADSX : FAST_LOAD;
    if (h == XIEI_H_MOV && d->kind == XIE_OPK_MEM && d->size <= 8 &&
        (s->kind == XIE_OPK_GPR || s->kind == XIE_OPK_IMM))
        return FAST_STORE;
    return FAST_NONE;
}

/* Little-endian loads from byte arrays (compilers turn them into one load). */
static inline uint64_t ld64(const uint8_t *p)
{
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
           (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
           (uint64_t)p[7] << 56;
}

/* Nonzero when the len (1..15) bytes at a (n >= len of them readable) and b (a
 * 15-byte array) differ: whole words where they can be read, nothing past n. */
static inline uint64_t bytes_differ(const uint8_t *a, unsigned n, const uint8_t *b, unsigned len)
{
    unsigned i;
    uint64_t d = 0;

    if (n >= 8) {
        d = ld64(a) ^ ld64(b);
        if (len < 8) return d & ((1ull << (8 * len)) - 1);
        return d | (ld64(a + len - 8) ^ ld64(b + len - 8));
    }
    for (i = 0; i < len; i++)
        d |= (uint64_t)(a[i] ^ b[i]);
    return d;
}

/* Whether ctx->dcache holds the instruction at p (n bytes available) decoded in
 * this mode under this CPU model. Branch-free accumulation: the common answer
 * is yes, and every byte and word has to be looked at for it. */
static inline int dcache_hit(const struct xie_ctx *ctx, unsigned mode, const uint8_t *p, unsigned n)
{
    const struct xie_dcache *dc = &ctx->dcache;
    unsigned i, len = dc->insn.len;
    uint32_t d;

    if (!dc->valid || dc->mode != mode || len > n || !len) return 0;
    d = (uint32_t)(dc->cpu.vendor ^ ctx->cpu.vendor);
#pragma GCC unroll 8
    for (i = 0; i < XIE_FEAT_WORDS; i++)
        d |= dc->cpu.feat[i] ^ ctx->cpu.feat[i];
    return d == 0 && !bytes_differ(p, n, dc->bytes, len);
}

/* xie_decode through the one-entry cache in ctx->dcache (see emu.h); the
 * instruction is left in ctx->dcache.insn. */
static int decode_cached(struct xiei_ex *ex, const uint8_t *p, unsigned n)
{
    struct xie_ctx *ctx = ex->ctx;
    struct xie_dcache *dc = &ctx->dcache;
    unsigned i;
    int d;

    if (dcache_hit(ctx, ex->mode, p, n)) return XIE_DECODE_OK;
    dc->valid = 0;
    d = xie_decode(p, n, (enum xie_mode)ex->mode, &ctx->cpu, &dc->insn);
    if (d == XIE_DECODE_OK) {
        for (i = 0; i < dc->insn.len; i++)
            dc->bytes[i] = p[i];
        dc->mode = ex->mode;
        dc->cpu = ctx->cpu;
        dc->fast = (uint8_t)fast_class(&dc->insn);
        dc->valid = 1;
    }
    return d;
}

/* Fetch and decode at CS:RIP. Bytes come from the host first, then from the
 * fetch callback, never crossing a page or the CS limit in one call, and never
 * more than the instruction needs beyond what one page gives. */
static int fetch_decode(struct xiei_ex *ex, const uint8_t *bytes, size_t nbytes, uint8_t *buf)
{
    struct xie_ctx *ctx = ex->ctx;
    const struct xie_segment *cs = &ctx->seg[XIE_SEG_CS];
    unsigned n = 0, i, chunk;
    uint64_t off, la, pa;
    int st, d;

    if (bytes && nbytes) {
        n = nbytes > XIE_MAX_INSN_LEN ? XIE_MAX_INSN_LEN : (unsigned)nbytes;
        d = decode_cached(ex, bytes, n);
        if (d != XIE_DECODE_MORE || n == XIE_MAX_INSN_LEN) goto done;
        for (i = 0; i < n; i++)
            buf[i] = bytes[i];
    }
    for (;;) {
        if (!ex->ops->fetch) return xiei_unhandleable(ex, XIE_REASON_NO_FETCH);
        off = ctx->rip + n;
        if (ex->mode == XIE_MODE_64) {
            la = off;
        } else {
            off &= ex->mode == XIE_MODE_32 ? 0xffffffffu : 0xffffu;
            if (off > cs->limit) return xiei_gp0(ex);
            la = (cs->base + off) & 0xffffffffu;
        }
        chunk = 4096 - (unsigned)(la & 4095);
        if (chunk > XIE_MAX_INSN_LEN - n) chunk = XIE_MAX_INSN_LEN - n;
        if (ex->mode != XIE_MODE_64 && chunk > cs->limit - off + 1)
            chunk = (unsigned)(cs->limit - off + 1);
        if (!ex->ops->translate) {
            pa = la;
        } else {
            struct xie_event ev;
            unsigned kind = XIE_XLAT_FETCH | (ctx->cpl == 3 ? XIE_XLAT_USER : 0);
            int cb = ex->ops->translate(ctx->user, la, kind, &pa, &ev);
            if (cb != XIE_CB_OK) return xiei_cbstatus(ex, cb, &ev);
        }
        st = ex->ops->fetch(ctx->user, pa, buf + n, chunk);
        if (st != XIE_CB_OK) return xiei_cbstatus(ex, st, 0);
        n += chunk;
        d = decode_cached(ex, buf, n);
        if (d != XIE_DECODE_MORE || n == XIE_MAX_INSN_LEN) break;
    }
done:
    switch (d) {
    case XIE_DECODE_OK: return XIE_OK;
    case XIE_DECODE_UD: return xiei_ud(ex);
    default:
        /* Too long (SDM Vol. 2 2.3.11), or the CS limit cut it short. */
        return xiei_gp0(ex);
    }
}

static uint64_t wrap_ip(unsigned mode, uint64_t v)
{
    return mode == XIE_MODE_64 ? v : v & (mode == XIE_MODE_32 ? 0xffffffffu : 0xffffu);
}

/* xiei_xlat for a memory operand in 64-bit mode, shortened for the commonest
 * case: no FS/GS base, alignment checking off, inside one page (the same
 * canonical rule; anything else goes to xiei_xlat). */
static inline int fast_xlat(struct xiei_ex *ex, const struct xie_operand *o, unsigned kind,
                            struct xiei_maddr *m)
{
    uint64_t la = xiei_ea(ex, o);
    unsigned size = o->size, n0;
    struct xie_event ev;
    int cb;

    if (o->seg == XIE_SEG_FS || o->seg == XIE_SEG_GS || (ex->ctx->rflags & XIEI_F_AC))
        return xiei_xlat(ex, xiei_opseg(o), la, size, kind, m);
    if (xiei_noncanonical(la, size))
        return xiei_raise(ex, (xiei_opseg(o) & XIEI_SEG_STACKREF) ? XIEI_VEC_SS : XIEI_VEC_GP, 1,
                          0);
    n0 = 4096 - (unsigned)(la & 4095);
    m->size = (uint16_t)size;
    m->pa0 = la;
    if (n0 < size) return xiei_xlat(ex, xiei_opseg(o), la, size, kind, m);
    m->n0 = (uint16_t)size;
    if (!ex->ops->translate) return XIE_OK;
    if (ex->ctx->cpl == 3) kind |= XIE_XLAT_USER;
    cb = ex->ops->translate(ex->ctx->user, la, kind, &m->pa0, &ev);
    return cb == XIE_CB_OK ? XIE_OK : xiei_cbstatus(ex, cb, &ev);
}

/* A FAST_* instruction in 64-bit mode (emulate_hot) without the staging
 * machinery: one access, the register written directly, and the retirement of
 * an instruction that changes no flags and does not branch. Same checks,
 * callbacks and results as the general path (xiei_h_mov / xiei_h_movx,
 * run_insn), which every other mode takes. */
static inline int run_fast(struct xiei_ex *ex, const struct xie_insn *in, unsigned cls)
{
    const struct xie_operand *d = &in->operands[0], *s = &in->operands[1];
    struct xie_ctx *ctx = ex->ctx;
    struct xie_result *res = ex->res;
    struct xiei_maddr m;
    uint64_t v = 0, mask;
    int st, cb;

    ex->in = in;
    ex->nregw = 0;
    ex->rip_next = ctx->rip + in->len;
    res->len = in->len;
    res->op = in->op;
    /* As the general path: a store without a write callback is refused before
     * its address is looked at, a load without a read callback after. */
    if (cls == FAST_STORE && !ex->ops->write) return xiei_unhandleable(ex, XIE_REASON_NO_WRITE);
    st = fast_xlat(ex, cls == FAST_STORE ? d : s,
                   cls == FAST_STORE ? XIE_XLAT_WRITE : XIE_XLAT_READ, &m);
    if (st) return st;
    if (cls != FAST_STORE) {
        if (!ex->ops->read) return xiei_unhandleable(ex, XIE_REASON_NO_READ);
        if (m.n0 == m.size) {
            /* The instruction's only access: nothing before it to replay after
             * a pending answer, so it goes to the callback unrecorded. */
            cb = ex->ops->read(ctx->user, m.pa0, &v, m.n0);
            if (cb != XIE_CB_OK) return xiei_cbstatus(ex, cb, 0);
        } else {
            st = xiei_mread(ex, &m, &v);
            if (st) return st;
        }
        if (cls == FAST_LOADSX) v = (uint64_t)xiei_sext(s->size, v);
        /* SDM Vol. 1 3.4.1.1: a 32-bit result is zero-extended, 8 and 16 bits
         * merge. */
        if (d->size >= 4) {
            ctx->gpr[d->reg] = d->size == 8 ? v : (uint32_t)v;
        } else {
            mask = xiei_mask(d->size);
            ctx->gpr[d->reg] = (ctx->gpr[d->reg] & ~mask) | (v & mask);
        }
        ctx->dirty |= XIE_STATE_GPR(d->reg);
    } else {
        v = s->kind == XIE_OPK_GPR ? ctx->gpr[s->reg] : (uint64_t)in->imm;
        cb = ex->ops->write(ctx->user, m.pa0, &v, m.n0);
        if ((cb == XIE_CB_OK || cb == XIE_CB_PENDING) && m.n0 != m.size)
            cb = ex->ops->write(ctx->user, m.pa1, (const uint8_t *)&v + m.n0,
                                (unsigned)(m.size - m.n0));
        if (cb != XIE_CB_OK && cb != XIE_CB_PENDING)
            return xiei_unhandleable(ex, XIE_REASON_CALLBACK_FAILED);
    }
    /* Retire as run_insn does: RF cleared, single-step trap when TF was set. */
    if (ctx->rflags & (XIEI_F_RF | XIEI_F_TF)) {
        if (ctx->rflags & XIEI_F_TF) res->retire = XIE_RETIRE_SINGLESTEP;
        if (ctx->rflags & XIEI_F_RF) {
            ctx->rflags &= ~(uint64_t)XIEI_F_RF;
            ctx->dirty |= XIE_STATE_RFLAGS;
        }
    }
    ctx->rip = ex->rip_next;
    ctx->dirty |= XIE_STATE_RIP;
    res->new_rip = ctx->rip;
    return XIE_OK;
}

/* Execute and retire a decoded instruction. */
static int run_insn(struct xiei_ex *ex, const struct xie_insn *in)
{
    struct xie_ctx *ctx = ex->ctx;
    struct xie_result *res = ex->res;
    const struct xiei_form *f = &xiei_forms[in->form];
    const struct xiei_handler_ent *h;
    uint64_t fl0 = ctx->rflags;
    unsigned tries = 0, max = ctx->lock_retries ? ctx->lock_retries : 16;
    int st, cb;

    ex->in = in;
    res->len = in->len;
    res->op = in->op;
    /* The generator keeps handler ids below XIEI_H__COUNT; id 0 (none) has no
     * function. */
    h = &xiei_handlers[f->handler];
    if (!h->fn) return XIE_UNIMPLEMENTED;
    if ((f->attrs & XIEI_A_CPL0) && ctx->cpl != 0) return xiei_gp0(ex);
    ex->rip_next = wrap_ip(ex->mode, ctx->rip + in->len);
    ex->align = f->align;
    /* LOCKed read-modify-writes and XCHG with memory are atomic (SDM Vol. 3
     * 9.1.2.1). */
    ex->lock =
        (in->prefixes & XIE_PFX_LOCK) || (f->handler == XIEI_H_XCHG && (in->info & XIE_INSN_MEM));
    ex->lock_have = 0;
    ex->lock_split = 0;
    for (;;) {
        /* Each evaluation reads the same operands: answer them from the log. */
        ctx->replay.pos = 0;
        ex->nregw = 0;
        ex->nmemw = 0;
        ex->wused = 0;
        ex->segw = XIE_SEG_NONE;
        ex->mcache = 0;
        ex->lock_armed = 0;
        ex->fl = ctx->rflags;
        ex->rip_new = ex->rip_next;
        ex->retire = 0;
        st = h->fn(ex, h->arg);
        if (st != XIE_OK) return st;
        if (!ex->lock_armed) break;
        if (ex->lock_split)
            cb = ex->ops->cmpxchg_split(ctx->user, ex->lock_m.pa0, ex->lock_m.pa1, ex->lock_m.n0,
                                        ex->lock_old, ex->lock_new, ex->lock_m.size);
        else
            cb = ex->ops->cmpxchg(ctx->user, ex->lock_m.pa0, ex->lock_old, ex->lock_new,
                                  ex->lock_m.size);
        if (cb == XIE_CB_OK) break;
        if (cb != XIE_CB_CHANGED) return xiei_cbstatus(ex, cb, 0);
        /* Memory changed under us: evaluate again from the value found, never
         * complete on a stale one (DESIGN.md, "The host interface"). */
        ex->lock_cur[0] = ex->lock_old[0];
        ex->lock_cur[1] = ex->lock_old[1];
        ex->lock_have = 1;
        if (++tries >= max) return XIE_RETRY;
    }
    st = xiei_commit(ex);
    if (st) return st;
    /* RF is cleared after every instruction that completes (SDM Vol. 3 18.3.1.1),
     * except a REP instruction stopped between iterations. */
    if (ex->retire & XIE_RETIRE_REP_MORE)
        ctx->rflags |= XIEI_F_RF;
    else
        ctx->rflags &= ~(uint64_t)XIEI_F_RF;
    if (ctx->rflags != ex->fl) ctx->dirty |= XIE_STATE_RFLAGS;
    /* Single-step trap after the instruction when TF was set as it began (SDM Vol. 3
     * 18.3.1.4); MOV SS / POP SS delay it past the next instruction. */
    if ((fl0 & XIEI_F_TF) && !(ex->retire & XIE_RETIRE_SHADOW_MOVSS))
        ex->retire |= XIE_RETIRE_SINGLESTEP;
    if (!(ex->retire & XIE_RETIRE_REP_MORE)) ctx->rip = ex->rip_new;
    ctx->dirty |= XIE_STATE_RIP;
    res->new_rip = ctx->rip;
    res->retire = ex->retire;
    return XIE_OK;
}

/* run_insn, and the resume_others owed when a split atomic operand stopped the
 * other vCPUs (access.c, atomic_ok), whatever the outcome. */
static int run(struct xiei_ex *ex, const struct xie_insn *in)
{
    int st;

    ex->stopped = 0;
    st = run_insn(ex, in);
    if (ex->stopped) ex->ops->resume_others(ex->ctx->user);
    return st;
}

/* The replay log (struct xie_replay) belongs to the instruction at its RIP. */
static void replay_begin(struct xie_ctx *ctx)
{
    if (ctx->replay.n && ctx->replay.rip != ctx->rip) ctx->replay.n = 0;
    ctx->replay.pos = 0;
}

static void replay_end(struct xie_ctx *ctx, int st)
{
    if (st == XIE_PENDING)
        ctx->replay.rip = ctx->rip;
    else
        ctx->replay.n = 0;
    ctx->replay.pos = 0;
}

/* xie_emulate's shortcut: a FAST_* instruction in 64-bit mode that is the one
 * in the decode cache, in one page, with no replay log pending. It does what
 * setup, fetch_decode and run do for it, with the same callbacks in the same
 * order, in the caller's execution state *ex (one per call: the stack budget).
 * Returns -1 to send the call down the general path, having called at most
 * translate and fetch (the bytes fetched are left in buf, *nbuf of them, for
 * the general path to use instead of fetching again). */
static int emulate_hot(struct xiei_ex *ex, struct xie_ctx *ctx, const uint8_t *bytes, size_t nbytes,
                       struct xie_result *res, uint8_t *buf, unsigned *nbuf)
{
    const struct xie_dcache *dc = &ctx->dcache;
    const struct xie_ops *ops = ctx->ops;
    unsigned len = dc->insn.len, chunk;
    const uint8_t *p;
    uint64_t pa;
    int st, cb;

    if ((ctx->valid & XIE_STATE_BASIC) != XIE_STATE_BASIC || dc->mode != XIE_MODE_64 ||
        !(ctx->cr0 & CR0_PE) || !(ctx->efer & EFER_LMA) ||
        !(ctx->seg[XIE_SEG_CS].attr & XIE_SATTR_L) || !ops)
        return -1;
    ex->ctx = ctx;
    ex->res = res;
    ex->ops = ops;
    ex->mode = XIE_MODE_64;
    ex->realseg = 0;
    res->reason = XIE_REASON_NONE;
    res->len = 0;
    res->retire = 0;
    res->op = 0;
    if (bytes && nbytes) {
        if (nbytes < len) return -1;
        p = bytes;
    } else {
        chunk = 4096 - (unsigned)(ctx->rip & 4095);
        if (chunk > XIE_MAX_INSN_LEN) chunk = XIE_MAX_INSN_LEN;
        if (chunk < len || !ops->fetch) return -1;
        pa = ctx->rip;
        if (ops->translate) {
            struct xie_event ev;
            unsigned kind = XIE_XLAT_FETCH | (ctx->cpl == 3 ? XIE_XLAT_USER : 0);
            cb = ops->translate(ctx->user, pa, kind, &pa, &ev);
            if (cb != XIE_CB_OK) {
                st = xiei_cbstatus(ex, cb, &ev);
                goto out;
            }
        }
        cb = ops->fetch(ctx->user, pa, buf, chunk);
        if (cb != XIE_CB_OK) {
            st = xiei_cbstatus(ex, cb, 0);
            goto out;
        }
        *nbuf = chunk;
        p = buf;
    }
    if (!dcache_hit(ctx, XIE_MODE_64, p, p == buf ? *nbuf : (unsigned)nbytes)) return -1;
    st = run_fast(ex, &dc->insn, dc->fast);
out:
    /* As replay_end: the log (a split operand's first fragment) lives on only
     * for a pending instruction. */
    if (st == XIE_PENDING)
        ctx->replay.rip = ctx->rip;
    else
        ctx->replay.n = 0;
    ctx->replay.pos = 0;
    res->status = (uint8_t)st;
    return st;
}

int xie_emulate(struct xie_ctx *ctx, const uint8_t *bytes, size_t nbytes, struct xie_result *res)
{
    struct xiei_ex ex;
    uint8_t buf[XIE_MAX_INSN_LEN];
    unsigned nbuf, pass;
    int st;

    if (!res) return XIE_INVALID_ARGUMENT;
    if (!ctx) {
        st = XIE_INVALID_ARGUMENT;
        res->status = (uint8_t)st;
        return st;
    }
    for (pass = 0;; pass++) {
        nbuf = 0;
        if (ctx->dcache.fast && !ctx->replay.n) {
            st = emulate_hot(&ex, ctx, bytes, nbytes, res, buf, &nbuf);
            if (st >= 0) return st;
            if (nbuf) {
                bytes = buf;
                nbytes = nbuf;
            }
        }
        replay_begin(ctx);
        st = setup(&ex, ctx, res);
        if (st == XIE_OK) st = fetch_decode(&ex, bytes, nbytes, buf);
        /* A move just decoded in 64-bit mode goes round once more, to the
         * shortcut, with the bytes the decode cache now holds. */
        if (st != XIE_OK || pass || !ctx->dcache.fast || ex.mode != XIE_MODE_64 || ctx->replay.n)
            break;
        bytes = ctx->dcache.bytes;
        nbytes = ctx->dcache.insn.len;
    }
    if (st == XIE_OK) st = run(&ex, &ctx->dcache.insn);
    replay_end(ctx, st);
    res->status = (uint8_t)st;
    return st;
}

int xie_emulate_insn(struct xie_ctx *ctx, const struct xie_insn *insn, struct xie_result *res)
{
    struct xiei_ex ex;
    int st;

    if (!res) return XIE_INVALID_ARGUMENT;
    if (!ctx || !insn) {
        st = XIE_INVALID_ARGUMENT;
        res->status = (uint8_t)st;
        return st;
    }
    replay_begin(ctx);
    st = setup(&ex, ctx, res);
    if (st == XIE_OK && (insn->mode != ex.mode || insn->form >= xiei_nforms || !insn->len))
        st = XIE_INVALID_ARGUMENT;
    if (st == XIE_OK) st = run(&ex, insn);
    replay_end(ctx, st);
    res->status = (uint8_t)st;
    return st;
}

const char *xie_strerror(int status)
{
    static const char *const names[] = {
        "ok", "exception", "retry", "pending", "unhandleable", "unimplemented", "invalid argument",
    };
    if (status < 0 || status > XIE_INVALID_ARGUMENT) return "unknown status";
    return names[status];
}

const char *xie_reason_str(unsigned reason)
{
    static const char *const names[XIE_REASON__COUNT] = {
        "none",
        "no fetch callback (and no instruction bytes)",
        "no read callback",
        "no write callback",
        "no cmpxchg callback",
        "no port I/O callback",
        "no control-register callback",
        "no debug-register callback",
        "no MSR callback",
        "no CPUID callback",
        "no vector-register callback",
        "state not loaded and no load_state callback",
        "a callback failed",
        "atomic operand crosses a page",
        "not supported in this mode",
    };
    return reason < XIE_REASON__COUNT ? names[reason] : "unknown reason";
}

static void set_seg(struct xie_segment *s, uint16_t sel, uint64_t base, uint32_t limit,
                    uint32_t attr)
{
    s->base = base;
    s->limit = limit;
    s->attr = attr;
    s->sel = sel;
    s->reserved[0] = s->reserved[1] = s->reserved[2] = 0;
}

int xie_ctx_init(struct xie_ctx *ctx, enum xie_init_kind kind, const struct xie_ops *ops,
                 void *user)
{
    /* Code: execute/read, accessed; data: read/write, accessed; S, P. */
    const uint32_t code = 0x9b, data = 0x93, dpl3 = 0x60;
    const uint32_t flat = XIE_SATTR_DB | XIE_SATTR_G;
    uint32_t cs_attr, ds_attr;
    uint16_t cs_sel;
    unsigned i;

    if (!ctx || (unsigned)kind > XIE_INIT_LONG64) return XIE_INVALID_ARGUMENT;
    for (i = 0; i < 16; i++)
        ctx->gpr[i] = 0;
    ctx->rip = 0;
    ctx->rflags = 0x2;
    ctx->cr2 = ctx->cr3 = ctx->cr8 = 0;
    ctx->gdtr.base = ctx->idtr.base = 0;
    ctx->gdtr.limit = ctx->idtr.limit = 0xffff;
    ctx->gdtr.reserved = ctx->idtr.reserved = 0;
    for (i = 0; i < 7; i++)
        ctx->reserved0[i] = 0;
    set_seg(&ctx->seg[XIE_SEG_LDTR], 0, 0, 0xffff, 0x82);
    set_seg(&ctx->seg[XIE_SEG_TR], 0, 0, 0xffff, 0x8b);
    if (kind == XIE_INIT_REAL) {
        for (i = 0; i < 6; i++)
            set_seg(&ctx->seg[i], 0, 0, 0xffff, i == XIE_SEG_CS ? code : data);
        ctx->cr0 = 0x10; /* ET */
        ctx->cr4 = 0;
        ctx->efer = 0;
        ctx->cpl = 0;
    } else {
        ds_attr = data | dpl3 | flat;
        switch (kind) {
        case XIE_INIT_PROT16:
            cs_sel = 0x0f;
            cs_attr = code | dpl3;
            break;
        case XIE_INIT_LONG64:
            cs_sel = 0x33;
            cs_attr = code | dpl3 | XIE_SATTR_L | XIE_SATTR_G;
            break;
        default:
            cs_sel = 0x23;
            cs_attr = code | dpl3 | flat;
            break;
        }
        for (i = 0; i < 6; i++)
            set_seg(&ctx->seg[i], 0x2b, 0, 0xffffffffu, ds_attr);
        set_seg(&ctx->seg[XIE_SEG_CS], cs_sel, 0, kind == XIE_INIT_PROT16 ? 0xffffu : 0xffffffffu,
                cs_attr);
        ctx->cpl = 3;
        if (kind == XIE_INIT_LONG64 || kind == XIE_INIT_COMPAT32) {
            ctx->cr0 = 0x80050033; /* PG AM WP NE ET MP PE */
            ctx->cr4 = 0x20;       /* PAE */
            ctx->efer = 0xd01;     /* NXE LMA LME SCE */
        } else {
            ctx->cr0 = 0x00050033;
            ctx->cr4 = 0;
            ctx->efer = 0;
        }
    }
    ctx->valid = XIE_STATE_ALL;
    ctx->dirty = 0;
    xie_cpu_model_all(&ctx->cpu, XIE_VENDOR_INTEL);
    ctx->ops = ops;
    ctx->user = user;
    ctx->rep_limit = 0;
    ctx->lock_retries = 0;
    ctx->replay.rip = 0;
    ctx->options = 0;
    ctx->reserved1 = 0;
    ctx->replay.n = ctx->replay.pos = 0;
    ctx->dcache.valid = 0;
    return XIE_OK;
}
