/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Emulation entry points: mode derivation, instruction fetch, dispatch to the
 * handler of the table row, the LOCK re-evaluation loop, and retirement.
 */
#include "emu_int.h"
#include "../gen/handlers.h"

#define CR0_PE   0x1u
#define EFER_LMA 0x400u

int xiei_event(struct xie_result *res, unsigned vector, int has_err, uint32_t err)
{
    struct xie_event *ev = &res->event;

    ev->vector = (uint8_t)vector;
    ev->has_error = (uint8_t)(has_err != 0);
    ev->has_cr2 = 0;
    ev->reserved = 0;
    ev->error_code = err;
    ev->cr2 = 0;
    return XIE_EXCEPTION;
}

int xiei_refuse(struct xie_result *res, unsigned reason)
{
    res->reason = (uint8_t)reason;
    return XIE_UNHANDLEABLE;
}

int xiei_cbresult(struct xie_result *res, int cb, const struct xie_event *ev)
{
    switch (cb) {
    case XIE_CB_OK: return XIE_OK;
    case XIE_CB_PENDING: return XIE_PENDING;
    case XIE_CB_EXCEPTION:
        if (ev) {
            res->event = *ev;
            return XIE_EXCEPTION;
        }
        break;
    default: break;
    }
    return xiei_refuse(res, XIE_REASON_CALLBACK_FAILED);
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

/* Whether ctx->dcache holds the instruction at p (n bytes available) decoded in
 * this mode under this CPU model. Branch-free accumulation: the common answer
 * is yes, and every byte and word has to be looked at for it. */
static inline int dcache_hit(const struct xie_ctx *ctx, unsigned mode, const uint8_t *p, unsigned n)
{
    const struct xie_dcache *dc = &ctx->dcache;
    unsigned i, len = dc->insn.len;
    uint32_t d;

    if (!(dc->valid & XIEI_DC_INSN) || dc->mode != mode || len > n || !len) return 0;
    d = (uint32_t)(dc->cpu.vendor ^ ctx->cpu.vendor);
#pragma GCC unroll 8
    for (i = 0; i < XIE_FEAT_WORDS; i++)
        d |= dc->cpu.feat[i] ^ ctx->cpu.feat[i];
    return d == 0 && !xiei_bytes_differ(p, n, dc->bytes, len);
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
        dc->valid = XIEI_DC_INSN;
        xiei_hot_fill(dc);
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

int xiei_emulate(struct xie_ctx *ctx, const uint8_t *bytes, size_t nbytes, struct xie_result *res,
                 uint8_t *buf)
{
    struct xiei_ex ex;
    int st;

    replay_begin(ctx);
    st = setup(&ex, ctx, res);
    if (st == XIE_OK) st = fetch_decode(&ex, bytes, nbytes, buf);
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
