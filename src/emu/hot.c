/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xie_emulate, and its shortcut for simple moves: MOV, MOVZX, MOVSX and MOVSXD
 * between a general register and memory, and MOV of an immediate to memory, in
 * 64-bit mode. These are the commonest MMIO accesses (a driver polling or
 * writing a device register), and the general path (the complete decoder,
 * staging, commit, replay log, LOCK loop) is most of their cost.
 *
 * The shortcut works from a digest of the instruction (struct xie_dcache_hot),
 * made either by a small decoder here for the unprefixed encodings (REX
 * allowed) or from a complete decode (xiei_hot_fill, for the rest: operand- and
 * address-size prefixes, segment prefixes), and kept in the context's decode
 * cache with the instruction's bytes. It makes the same checks, calls the same
 * callbacks in the same order and leaves the same result as the general path
 * (xiei_emulate: setup, fetch_decode, run_insn with xiei_h_mov / xiei_h_movx);
 * tests/hwdiff compares both with the CPU (with the cache cold and warm), and
 * tests/emu compares the small decoder with the complete one. Whatever the
 * shortcut does not cover goes to the general path before any data access: a
 * page-crossing operand, EFLAGS.AC set (alignment checking may apply), FS/GS
 * segments, state not loaded, a replay log in progress, other modes.
 */
#include "emu_int.h"
#include "../gen/handlers.h"

#define CR0_PE   0x1u
#define EFER_LMA 0x400u

enum { HOT_NONE = 0, HOT_LOAD, HOT_STORE_REG, HOT_STORE_IMM };

/* Operand-size masks: the bits a register write of that size replaces, and the
 * bits it keeps (SDM Vol. 1 3.4.1.1: a 32-bit result is zero-extended in 64-bit
 * mode, 8- and 16-bit results merge). */
static const uint64_t size_mask[9] = {0, 0xff, 0xffff, 0, 0xffffffffu, 0, 0, 0, ~0ull};
static const uint64_t keep_mask[9] = {0, ~0xffull, ~0xffffull, 0, 0, 0, 0, 0, 0};

static inline int64_t ld32s(const uint8_t *p)
{
    return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                     (uint32_t)p[3] << 24);
}

/* #SS for a stack reference (RSP or RBP as the base), else #GP, on a
 * non-canonical address (SDM Vol. 1 3.3.7.1; xiei_opseg). */
static inline uint8_t canon_vec(unsigned base)
{
    return (uint8_t)(base == XIE_GPR_RSP || base == XIE_GPR_RBP ? XIEI_VEC_SS : XIEI_VEC_GP);
}

/* The opcodes the shortcut's decoder takes (SDM Vol. 2 MOV, MOVZX, MOVSX,
 * MOVSXD): what each does, its memory and register operand sizes (OSZ: the
 * operand size; 0: no register operand) and its sign extension. */
#define OSZ 0xff
struct hot_opcode {
    uint8_t kind, msize, rsize, sx;
    uint16_t op;
};
static const struct hot_opcode hot_opcodes[] = {
    {HOT_NONE, 0, 0, 0, 0},
    {HOT_STORE_REG, 1, 1, 0, XIE_OP_MOV},     /* 88 /r */
    {HOT_STORE_REG, OSZ, OSZ, 0, XIE_OP_MOV}, /* 89 /r */
    {HOT_LOAD, 1, 1, 0, XIE_OP_MOV},          /* 8A /r */
    {HOT_LOAD, OSZ, OSZ, 0, XIE_OP_MOV},      /* 8B /r */
    {HOT_STORE_IMM, 1, 0, 0, XIE_OP_MOV},     /* C6 /0 ib */
    {HOT_STORE_IMM, OSZ, 0, 0, XIE_OP_MOV},   /* C7 /0 id */
    {HOT_LOAD, 4, 8, 32, XIE_OP_MOVSXD},      /* REX.W 63 /r */
    {HOT_LOAD, 1, OSZ, 0, XIE_OP_MOVZX},      /* 0F B6 /r */
    {HOT_LOAD, 2, OSZ, 0, XIE_OP_MOVZX},      /* 0F B7 /r */
    {HOT_LOAD, 1, OSZ, 56, XIE_OP_MOVSX},     /* 0F BE /r */
    {HOT_LOAD, 2, OSZ, 48, XIE_OP_MOVSX},     /* 0F BF /r */
};
/* hot_opcodes index of a one-byte opcode. */
static const uint8_t hot_op1[256] = {
    [0x88] = 1, [0x89] = 2, [0x8a] = 3, [0x8b] = 4, [0xc6] = 5, [0xc7] = 6, [0x63] = 7};

static XIEI_INLINE unsigned hot_decode(const uint8_t *p, unsigned n, struct xie_dcache_hot *h)
{
    const struct hot_opcode *t;
    unsigned i = 0, rex = 0, op, modrm, mod, rm, sib, idx, osz;

    /* One REX right before the opcode (SDM Vol. 2 2.2.1); any other prefix
     * goes to the complete decoder. */
    if ((p[0] & 0xf0) == 0x40) {
        rex = p[0];
        i = 1;
    }
    if (n < i + 2) return 0; /* opcode and ModRM at least */
    op = p[i++];
    if (op == 0x0f) {
        if (n < i + 2) return 0;
        op = p[i++];
        /* 0F B6, B7, BE, BF */
        t = &hot_opcodes[(op & 0xf6) == 0xb6 ? 8 + (op & 1) + ((op >> 2) & 2) : 0];
    } else {
        t = &hot_opcodes[hot_op1[op]];
        /* MOVSXD without REX.W reads r/m16 or r/m32 by vendor (isa/x86.isa). */
        if (op == 0x63 && !(rex & 8)) return 0;
    }
    if (t->kind == HOT_NONE) return 0;
    osz = (rex & 8) ? 8 : 4;
    modrm = p[i++];
    mod = modrm >> 6;
    rm = modrm & 7;
    h->kind = t->kind;
    h->op = t->op;
    h->sx = t->sx;
    h->msize = (uint8_t)(t->msize == OSZ ? osz : t->msize);
    h->rsize = (uint8_t)(t->rsize == OSZ ? osz : t->rsize);
    h->reg = (uint8_t)(((modrm >> 3) & 7) | (rex & 4) << 1);
    if (mod == 3) return 0;
    if (t->kind == HOT_STORE_IMM) {
        /* C6 /0 and C7 /0 only (C6 F8 / C7 F8 are XABORT / XBEGIN, the rest #UD). */
        if (h->reg) return 0;
    } else if (h->rsize == 1 && !rex && h->reg >= 4) {
        return 0; /* AH, CH, DH, BH */
    }
    h->index = XIE_REG_NONE;
    h->scale = 0;
    h->base = (uint8_t)(rm | (rex & 1) << 3);
    if (rm == 4) {
        /* SIB (SDM Vol. 2 2.1.5, Table 2-3): index 100 without REX.X is none;
         * base 101 with mod 00 is a disp32 without base. */
        if (n < i + 1) return 0;
        sib = p[i++];
        h->scale = (uint8_t)(sib >> 6);
        idx = ((sib >> 3) & 7) | (rex & 2) << 2;
        if (idx != 4) h->index = (uint8_t)idx;
        h->base = (uint8_t)((sib & 7) | (rex & 1) << 3);
        if ((sib & 7) == 5 && mod == 0) {
            h->base = XIE_REG_NONE;
            mod = 2;
        }
    } else if (rm == 5 && mod == 0) {
        h->base = XIE_REG_RIP; /* SDM Vol. 2 2.2.1.6 */
        mod = 2;
    }
    h->disp = 0;
    if (mod == 1) {
        if (n < i + 1) return 0;
        h->disp = (int8_t)p[i++];
    } else if (mod == 2) {
        if (n < i + 4) return 0;
        h->disp = ld32s(p + i);
        i += 4;
    }
    h->imm = 0;
    if (t->kind == HOT_STORE_IMM) {
        if (h->msize == 1) {
            if (n < i + 1) return 0;
            h->imm = (int8_t)p[i++];
        } else {
            if (n < i + 4) return 0;
            h->imm = ld32s(p + i); /* sign-extended to 64 bits with REX.W */
            i += 4;
        }
    }
    h->len = (uint8_t)i;
    h->asz4 = 0;
    h->vec = canon_vec(h->base);
    return i;
}

unsigned xiei_hot_decode(const uint8_t *p, unsigned n, struct xie_dcache_hot *h)
{
    return hot_decode(p, n, h);
}

/* The len bytes at p (n >= len of them readable) into the cache's 15-byte
 * array: whole words where they can be read (the bytes past len are never
 * compared). */
static inline void copy_bytes(uint8_t *d, const uint8_t *p, unsigned n, unsigned len)
{
    unsigned i;

    if (n >= 8) {
        xiei_st64(d, xiei_ld64(p));
        if (len > 8) xiei_st64(d + len - 8, xiei_ld64(p + len - 8));
        return;
    }
    for (i = 0; i < len; i++)
        d[i] = p[i];
}

void xiei_hot_fill(struct xie_dcache *dc)
{
    const struct xie_insn *in = &dc->insn;
    const struct xiei_form *f = &xiei_forms[in->form];
    const struct xie_operand *d = &in->operands[0], *s = &in->operands[1], *m;
    struct xie_dcache_hot *h = &dc->hot;
    unsigned hd = f->handler;

    /* Only encodings whose decode no CPU model changes (baseline opcodes, no
     * feature or vendor rule applies to them), so that a hit needs no model
     * comparison. */
    if (dc->mode != XIE_MODE_64 || in->nops != 2 || (in->prefixes & XIE_PFX_LOCK) || f->align ||
        (hd != XIEI_H_MOV && hd != XIEI_H_MOVZX && hd != XIEI_H_MOVSX && hd != XIEI_H_MOVSXD))
        return;
    /* MOVSXD without REX.W reads r/m16 or r/m32 by vendor (isa/x86.isa). */
    if (hd == XIEI_H_MOVSXD && d->size != 8) return;
    if (d->kind == XIE_OPK_GPR && s->kind == XIE_OPK_MEM && s->size <= 8) {
        m = s;
        h->kind = HOT_LOAD;
        h->reg = d->reg;
        h->rsize = (uint8_t)d->size;
        h->sx = (uint8_t)(hd == XIEI_H_MOVSX || hd == XIEI_H_MOVSXD ? 64 - 8 * s->size : 0);
    } else if (hd == XIEI_H_MOV && d->kind == XIE_OPK_MEM && d->size <= 8 &&
               (s->kind == XIE_OPK_GPR || s->kind == XIE_OPK_IMM)) {
        m = d;
        h->kind = s->kind == XIE_OPK_GPR ? HOT_STORE_REG : HOT_STORE_IMM;
        h->reg = s->kind == XIE_OPK_GPR ? s->reg : 0;
        h->rsize = (uint8_t)(s->kind == XIE_OPK_GPR ? s->size : 0);
        h->sx = 0;
    } else {
        return;
    }
    /* FS/GS add a segment base (state the host may load lazily). */
    if (m->seg == XIE_SEG_FS || m->seg == XIE_SEG_GS) return;
    h->op = in->op;
    h->len = in->len;
    h->msize = (uint8_t)m->size;
    h->base = m->base;
    h->index = m->index;
    h->scale = m->scale;
    h->asz4 = in->asz == 4;
    h->disp = in->disp;
    h->imm = h->kind == HOT_STORE_IMM ? in->imm : 0;
    h->vec = canon_vec(m->base);
    dc->valid |= XIEI_DC_HOT;
}

int xie_emulate(struct xie_ctx *ctx, const uint8_t *bytes, size_t nbytes, struct xie_result *res)
{
    uint8_t buf[XIE_MAX_INSN_LEN];
    struct xie_dcache *dc;
    const struct xie_dcache_hot *h;
    const struct xie_ops *ops;
    const uint8_t *p;
    unsigned n, len, size;
    uint64_t rip, la, pa, v = 0;
    struct xie_event ev;
    const struct xie_event *evp = &ev;
    int cb, st;

    if (!res) return XIE_INVALID_ARGUMENT;
    if (!ctx) {
        res->status = XIE_INVALID_ARGUMENT;
        return XIE_INVALID_ARGUMENT;
    }
    dc = &ctx->dcache;
    /* The cache holds another instruction decoded: most likely this one again
     * (a driver's loop), which the general path has ready. */
    if (dc->valid == XIEI_DC_INSN) return xiei_emulate(ctx, bytes, nbytes, res, buf);
    ops = ctx->ops;
    /* 64-bit mode (SDM Vol. 3 2.2) with the basic state loaded, no replay log
     * of an earlier pending call, alignment checking off. */
    if ((ctx->valid & XIE_STATE_BASIC) != XIE_STATE_BASIC || !(ctx->cr0 & CR0_PE) ||
        !(ctx->efer & EFER_LMA) || !(ctx->seg[XIE_SEG_CS].attr & XIE_SATTR_L) || !ops ||
        ctx->replay.n || (ctx->rflags & XIEI_F_AC))
        return xiei_emulate(ctx, bytes, nbytes, res, buf);
    rip = ctx->rip;
    if (bytes && nbytes) {
        p = bytes;
        n = nbytes > XIE_MAX_INSN_LEN ? XIE_MAX_INSN_LEN : (unsigned)nbytes;
    } else {
        /* As fetch_decode: up to 15 bytes, not past the page. */
        if (!ops->fetch) return xiei_emulate(ctx, bytes, nbytes, res, buf);
        n = 4096 - (unsigned)(rip & 4095);
        if (n > XIE_MAX_INSN_LEN) n = XIE_MAX_INSN_LEN;
        pa = rip;
        if (ops->translate) {
            cb = ops->translate(ctx->user, rip,
                                XIE_XLAT_FETCH | (ctx->cpl == 3 ? XIE_XLAT_USER : 0u), &pa, &ev);
            if (cb != XIE_CB_OK) goto fetch_fail;
        }
        cb = ops->fetch(ctx->user, pa, buf, n);
        if (cb != XIE_CB_OK) {
            evp = 0; /* the fetch callback reports no event */
            goto fetch_fail;
        }
        p = buf;
    }
    h = &dc->hot;
    len = h->len;
    if (!(dc->valid & XIEI_DC_HOT) || len > n || xiei_bytes_differ(p, n, dc->bytes, len)) {
        /* Not the cached move: decode it here if it is a simple one. */
        dc->valid = 0;
        len = hot_decode(p, n, &dc->hot);
        if (!len) return xiei_emulate(ctx, p, n, res, buf);
        dc->mode = XIE_MODE_64;
        copy_bytes(dc->bytes, p, n, len);
        dc->valid = XIEI_DC_HOT;
    }
    res->reason = XIE_REASON_NONE;
    res->retire = 0;
    res->len = (uint8_t)len;
    res->op = h->op;
    /* As the general path: a store without a write callback is refused before
     * its address is looked at, a load without a read callback after. */
    if (h->kind != HOT_LOAD && !ops->write) {
        st = xiei_refuse(res, XIE_REASON_NO_WRITE);
        goto fail;
    }
    /* SDM Vol. 1 3.7.5: base + index * scale + displacement at the address
     * size; RIP-relative from the next instruction. */
    la = (uint64_t)h->disp;
    if (h->base < 16)
        la += ctx->gpr[h->base];
    else if (h->base == XIE_REG_RIP)
        la += rip + len;
    if (h->index < 16) la += ctx->gpr[h->index] << h->scale;
    if (h->asz4) la = (uint32_t)la;
    size = h->msize;
    if (xiei_noncanonical(la, size)) {
        st = xiei_event(res, h->vec, 1, 0);
        goto fail;
    }
    if ((la & 4095) + size > 4096) return xiei_emulate(ctx, p, n, res, buf);
    pa = la;
    if (ops->translate) {
        cb = ops->translate(ctx->user, la,
                            (h->kind == HOT_LOAD ? XIE_XLAT_READ : XIE_XLAT_WRITE) |
                                (ctx->cpl == 3 ? XIE_XLAT_USER : 0u),
                            &pa, &ev);
        if (cb != XIE_CB_OK) {
            st = xiei_cbresult(res, cb, &ev);
            goto fail;
        }
    }
    if (h->kind == HOT_LOAD) {
        if (!ops->read) {
            st = xiei_refuse(res, XIE_REASON_NO_READ);
            goto fail;
        }
        /* The instruction's only access: nothing before it to replay after a
         * pending answer, so it goes to the callback unrecorded. */
        cb = ops->read(ctx->user, pa, &v, size);
        if (cb != XIE_CB_OK) {
            st = xiei_cbresult(res, cb, 0);
            goto fail;
        }
        if (h->sx) v = (uint64_t)((int64_t)(v << h->sx) >> h->sx);
        ctx->gpr[h->reg] = (ctx->gpr[h->reg] & keep_mask[h->rsize]) | (v & size_mask[h->rsize]);
        ctx->dirty |= XIE_STATE_GPR(h->reg) | XIE_STATE_RIP;
    } else {
        v = h->kind == HOT_STORE_REG ? ctx->gpr[h->reg] : (uint64_t)h->imm;
        /* A posted write: pending means the host took it (as xiei_commit). */
        cb = ops->write(ctx->user, pa, &v, size);
        if (cb != XIE_CB_OK && cb != XIE_CB_PENDING) {
            st = xiei_refuse(res, XIE_REASON_CALLBACK_FAILED);
            goto fail;
        }
        ctx->dirty |= XIE_STATE_RIP;
    }
    /* Retire as run_insn does: RF cleared (SDM Vol. 3 18.3.1.1), the
     * single-step trap when TF was set (18.3.1.4). */
    if (ctx->rflags & (XIEI_F_RF | XIEI_F_TF)) {
        if (ctx->rflags & XIEI_F_TF) res->retire = XIE_RETIRE_SINGLESTEP;
        if (ctx->rflags & XIEI_F_RF) {
            ctx->rflags &= ~(uint64_t)XIEI_F_RF;
            ctx->dirty |= XIE_STATE_RFLAGS;
        }
    }
    ctx->rip = rip + len;
    res->new_rip = rip + len;
    res->status = XIE_OK;
    return XIE_OK;
fetch_fail:
    /* As setup and fetch_decode: no instruction yet (a failed fetch gives no
     * event: ev is the translate callback's). */
    res->reason = XIE_REASON_NONE;
    res->retire = 0;
    res->len = 0;
    res->op = 0;
    st = xiei_cbresult(res, cb, evp);
fail:
    /* Nothing changed (the replay log stays empty). */
    res->status = (uint8_t)st;
    return st;
}
