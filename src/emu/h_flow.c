/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Handlers for the stack (PUSH, POP, PUSHA, POPA, PUSHF, POPF, ENTER, LEAVE) and
 * near control transfers (JMP, CALL, RET, Jcc, LOOPcc, JCXZ).
 */
#include "emu_int.h"

#define CR4_VME 0x1u

/* Arithmetic and control flags every POPF may change (SDM Vol. 2 POPF):
 * CF PF AF ZF SF TF DF OF NT, plus AC and ID with a 32/64-bit operand. */
#define POPF_BASE 0x4dd5u
#define POPF_WIDE 0x240000u

XIEI_HANDLER(push)
{
    const struct xie_insn *in = ex->in;
    const struct xie_operand *o = &in->operands[0];
    unsigned size = in->osz;
    uint64_t v;
    int st = xiei_rd(ex, 0, &v);

    (void)arg;
    if (st) return st;
    if (o->kind == XIE_OPK_SEG && size > 2 && ex->ctx->cpu.vendor == XIE_VENDOR_INTEL) {
        /* Intel: a segment register pushed with a 32/64-bit operand size is
         * written with a 16-bit move; the rest of the slot is unchanged (SDM
         * Vol. 2 PUSH). AMD writes the zero-extended selector. */
        unsigned asz;
        uint64_t sp;
        st = xiei_need(ex, XIE_STATE_SEG(XIE_SEG_SS));
        if (st) return st;
        asz = xiei_stack_asz(ex);
        sp = (xiei_gpr(ex, XIE_GPR_RSP) - size) & xiei_mask(asz);
        st = xiei_stack_write(ex, sp, 2, &v);
        if (!st) xiei_set_gprs(ex, XIE_GPR_RSP, asz, sp);
        return st;
    }
    return xiei_push(ex, size, v);
}

XIEI_HANDLER(pop)
{
    const struct xie_insn *in = ex->in;
    const struct xie_operand *o = &in->operands[0];
    uint64_t v;
    int st;

    (void)arg;
    if (o->kind == XIE_OPK_SEG) {
        st = xiei_pop(ex, in->osz, &v);
        if (st) return st;
        st = xiei_load_seg(ex, o->reg, (uint16_t)v);
        /* POP SS blocks interrupts and debug traps for one instruction. */
        if (!st && o->reg == XIE_SEG_SS) ex->retire |= XIE_RETIRE_SHADOW_MOVSS;
        return st;
    }
    /* The new stack pointer is staged first: a memory destination based on
     * rSP uses the incremented value (SDM Vol. 2 POP). */
    st = xiei_pop(ex, in->osz, &v);
    return st ? st : xiei_wr(ex, 0, v);
}

/* Translate a stack area of len bytes (slots of `slot` bytes) at offset sp into
 * at most two pieces: on a 16-bit stack the slots wrap around 64 KiB one by one
 * (SDM Vol. 2 PUSHA/POPA/ENTER: SP - 2 of 0 is 0xfffe), and a slot that would
 * straddle the wrap faults (real-address mode: #GP for SP = 7, 9, 11, 13, 15;
 * protected mode: #SS, the limit). m[1].size is 0 when there is one piece. */
static int stack_xlat(struct xiei_ex *ex, uint64_t sp, unsigned len, unsigned slot, unsigned kind,
                      struct xiei_maddr m[2])
{
    unsigned n1 = len;
    int st;

    m[1].size = 0;
    if (xiei_stack_asz(ex) == 2 && sp + len - 1 > 0xffff) {
        n1 = (unsigned)(0x10000 - sp);
        if (n1 % slot) {
            /* The CPU takes the slots in access order (pushes from the top,
             * POPA from the bottom) and faults at the first bad one: a slot
             * across the wrap faults as above, a misaligned one raises #AC when
             * alignment checking is on (measured). All slots share the
             * misalignment, so the first slot decides. */
            uint64_t first = ((kind & XIE_XLAT_WRITE) ? sp + len - slot : sp) & 0xffffu;
            if (first + slot <= 0x10000u) {
                st = xiei_align_check(ex, ex->ctx->seg[XIE_SEG_SS].base + first, slot);
                if (st) return st;
            }
            return ex->realseg ? xiei_gp0(ex) : xiei_raise(ex, XIEI_VEC_SS, 1, 0);
        }
    }
    kind |= XIEI_XLAT_UNIT(slot);
    st = xiei_xlat(ex, XIE_SEG_SS | XIEI_SEG_STACKREF, sp, n1, kind, &m[0]);
    if (st || n1 == len) return st;
    return xiei_xlat(ex, XIE_SEG_SS | XIEI_SEG_STACKREF, 0, len - n1, kind, &m[1]);
}

/* Stage a write of a stack area; returns where its len bytes of data go (the
 * pieces are staged one after the other, so the data is contiguous). */
static int stack_stage(struct xiei_ex *ex, uint64_t sp, unsigned len, unsigned slot, uint8_t **buf)
{
    struct xiei_maddr m[2];
    int st;

    if (!ex->ops->write) return xiei_unhandleable(ex, XIE_REASON_NO_WRITE);
    st = stack_xlat(ex, sp, len, slot, XIE_XLAT_WRITE, m);
    if (st) return st;
    *buf = xiei_mwrite_buf(ex, &m[0]);
    if (*buf) xiei_mwrite_slots(ex, slot);
    if (*buf && m[1].size) {
        if (xiei_mwrite_buf(ex, &m[1]))
            xiei_mwrite_slots(ex, slot);
        else
            *buf = 0;
    }
    return *buf ? XIE_OK : xiei_unhandleable(ex, XIE_REASON_CALLBACK_FAILED);
}

/* PUSHA: AX CX DX BX (original) SP BP SI DI, one contiguous stack write. */
XIEI_HANDLER(pusha)
{
    unsigned size = ex->in->osz, asz, i, k;
    uint8_t *buf;
    uint64_t sp0 = xiei_gpr(ex, XIE_GPR_RSP), sp;
    int st = xiei_need(ex, XIE_STATE_SEG(XIE_SEG_SS));

    (void)arg;
    if (st) return st;
    asz = xiei_stack_asz(ex);
    sp = (sp0 - 8 * size) & xiei_mask(asz);
    st = stack_stage(ex, sp, 8 * size, size, &buf);
    if (st) return st;
    /* The lowest address holds DI, the highest AX. */
    for (i = 0; i < 8; i++) {
        uint64_t v = xiei_gpr(ex, 7 - i);
        for (k = 0; k < size; k++)
            buf[i * size + k] = (uint8_t)(v >> (k * 8));
    }
    xiei_set_gprs(ex, XIE_GPR_RSP, asz, sp);
    return XIE_OK;
}

/* POPA: the saved SP is skipped. */
XIEI_HANDLER(popa)
{
    unsigned size = ex->in->osz, asz, i, k;
    struct xiei_maddr m[2];
    uint8_t buf[32];
    uint64_t sp;
    int st = xiei_need(ex, XIE_STATE_SEG(XIE_SEG_SS));

    (void)arg;
    if (st) return st;
    asz = xiei_stack_asz(ex);
    sp = xiei_gpr(ex, XIE_GPR_RSP) & xiei_mask(asz);
    st = stack_xlat(ex, sp, 8 * size, size, XIE_XLAT_READ, m);
    if (st) return st;
    /* One read per slot, from the lowest address up, the saved rSP slot skipped
     * (SDM Vol. 2 POPA: "skip next 2 or 4 bytes of stack"). */
    for (i = 0; i < 8; i++) {
        const struct xiei_maddr *p = i * size < m[0].size ? &m[0] : &m[1];
        unsigned off = i * size < m[0].size ? i * size : i * size - m[0].size;
        if (7 - i == XIE_GPR_RSP) continue;
        st = xiei_mread_part(ex, p, off, size, buf + i * size);
        if (st) return st;
    }
    for (i = 0; i < 8; i++) {
        uint64_t v = 0;
        if (7 - i == XIE_GPR_RSP) continue;
        for (k = 0; k < size; k++)
            v |= (uint64_t)buf[i * size + k] << (k * 8);
        xiei_set_gprs(ex, 7 - i, size, v);
    }
    xiei_set_gprs(ex, XIE_GPR_RSP, asz, sp + 8 * size);
    return XIE_OK;
}

/* In virtual-8086 mode with IOPL < 3, PUSHF/POPF fault, or use VIF under VME
 * (SDM Vol. 3 20.4), which is not emulated yet. */
static int v86_iopl(struct xiei_ex *ex)
{
    int st;

    if (!(ex->fl & XIEI_F_VM) || ((ex->fl >> 12) & 3) == 3 || !(ex->ctx->cr0 & 1)) return XIE_OK;
    st = xiei_need(ex, XIE_STATE_CR4);
    if (st) return st;
    if (ex->ctx->cr4 & CR4_VME) return xiei_unhandleable(ex, XIE_REASON_MODE);
    return xiei_gp0(ex);
}

XIEI_HANDLER(pushf)
{
    int st = v86_iopl(ex);

    (void)arg;
    if (st) return st;
    /* The image has VM and RF cleared (SDM Vol. 2 PUSHF). */
    return xiei_push(ex, ex->in->osz, ex->fl & ~(uint64_t)(XIEI_F_VM | XIEI_F_RF));
}

XIEI_HANDLER(popf)
{
    const struct xie_ctx *ctx = ex->ctx;
    unsigned size = ex->in->osz;
    unsigned iopl = (unsigned)(ex->fl >> 12) & 3;
    uint64_t v, mask = POPF_BASE;
    int st = v86_iopl(ex);

    (void)arg;
    if (st) return st;
    st = xiei_pop(ex, size, &v);
    if (st) return st;
    if (size > 2) mask |= POPF_WIDE;
    /* SDM Vol. 2 POPF: IOPL only at CPL 0 (and in real mode); IF when CPL <= IOPL
     * (virtual-8086 mode reaches here only with IOPL 3). VM, VIP and VIF never
     * change; RF is cleared. */
    if (ex->realseg) {
        mask |= XIEI_F_IF;
        if (!(ex->fl & XIEI_F_VM)) mask |= XIEI_F_IOPL;
    } else {
        if (ctx->cpl == 0) mask |= XIEI_F_IOPL;
        if (ctx->cpl <= iopl) mask |= XIEI_F_IF;
    }
    if (size == 2) mask &= 0xffff;
    ex->fl = (ex->fl & ~mask & ~(uint64_t)XIEI_F_RF) | (v & mask) | 2;
    return XIE_OK;
}

/* ENTER imm16, imm8 (SDM Vol. 2 ENTER): push rBP, copy level - 1 frame
 * pointers, push the new frame pointer, allocate. The new frame is translated
 * first, then the old frame pointers are read, and the whole frame is one
 * contiguous staged write. */
XIEI_HANDLER(enter)
{
    const struct xie_insn *in = ex->in;
    unsigned size = in->osz, level = in->imm2 & 31u, asz, i, k, n;
    uint64_t alloc = (uint64_t)in->imm & 0xffff, bp, sp0, frame, smask;
    uint8_t *buf;
    int st = xiei_need(ex, XIE_STATE_SEG(XIE_SEG_SS));

    (void)arg;
    if (st) return st;
    asz = xiei_stack_asz(ex);
    smask = xiei_mask(asz);
    sp0 = xiei_gpr(ex, XIE_GPR_RSP);
    bp = xiei_gpr(ex, XIE_GPR_RBP);
    /* FrameTemp is the whole stack pointer register after the push of rBP: on a
     * 16-bit stack the upper half of ESP comes along (measured on this CPU;
     * SDM Vol. 2 ENTER: FrameTemp := ESP with a 32-bit operand size). */
    frame = (sp0 & ~smask) | ((sp0 - size) & smask);
    n = level ? level + 1 : 1; /* slots written, from the highest address down */
    /* The CPU pushes rBP, then reads and pushes each level's frame pointer in
     * turn: check the slots in that order, so the first fault is the CPU's. The
     * frame is built where its staged write will keep its data, then staged as
     * one write. */
    if (n * size > (unsigned)(XIEI_WBUF - ex->wused))
        return xiei_unhandleable(ex, XIE_REASON_CALLBACK_FAILED);
    buf = ex->wbuf + ex->wused;
    for (k = 0; k < size; k++)
        buf[(n - 1) * size + k] = (uint8_t)(bp >> (k * 8));
    for (i = 0; i < n; i++) {
        struct xiei_maddr m[2];
        uint64_t v = 0;
        st = stack_xlat(ex, (sp0 - (i + 1) * size) & smask, size, size, XIE_XLAT_WRITE, m);
        if (!st && i + 1 < level) {
            uint64_t rd = (bp - (i + 1) * size) & smask;
            st = xiei_stack_read(ex, rd, size, &v);
            for (k = 0; k < size; k++) {
                /* A byte the CPU has just pushed (slots 0..i, below sp0) reads
                 * back as pushed: the frame can overlap the old one. */
                uint64_t o = (rd + k) & smask;
                uint8_t b = (uint8_t)(v >> (k * 8));
                if (((sp0 - 1 - o) & smask) < (i + 1) * size)
                    b = buf[(o - (sp0 - n * size)) & smask];
                buf[(n - 2 - i) * size + k] = b;
            }
        }
        if (st) return st;
    }
    st = stack_stage(ex, (sp0 - n * size) & smask, n * size, size, &buf);
    if (st) return st;
    if (level)
        for (k = 0; k < size; k++)
            buf[k] = (uint8_t)(frame >> (k * 8));
    /* The CPU also checks the final stack pointer with a write access of a
     * slot (a #PF there has CR2 = the new rSP; SDM Vol. 2 ENTER: #SS if it is
     * outside the limit; measured: a slot, so #AC for an odd allocation size and
     * #SS for a 16-bit stack pointer of 0xffff with 32-bit operands). */
    {
        struct xiei_maddr m[2];
        st = stack_xlat(ex, (sp0 - n * size - alloc) & smask, size, size, XIE_XLAT_WRITE, m);
        if (st) return st;
    }
    xiei_set_gprs(ex, XIE_GPR_RBP, size, frame);
    xiei_set_gprs(ex, XIE_GPR_RSP, asz, (sp0 - n * size - alloc) & smask);
    return XIE_OK;
}

/* LEAVE: rSP = rBP, then pop rBP. */
XIEI_HANDLER(leave)
{
    uint64_t v;
    unsigned asz;
    int st = xiei_need(ex, XIE_STATE_SEG(XIE_SEG_SS));

    (void)arg;
    if (st) return st;
    asz = xiei_stack_asz(ex);
    xiei_set_gprs(ex, XIE_GPR_RSP, asz, xiei_gpr(ex, XIE_GPR_RBP));
    st = xiei_pop(ex, ex->in->osz, &v);
    if (!st) xiei_set_gprs(ex, XIE_GPR_RBP, ex->in->osz, v);
    return st;
}

/* Near branch target: relative to the next instruction or read from the operand,
 * truncated to the operand size (SDM Vol. 2 JMP). */
static int target(struct xiei_ex *ex, uint64_t *t)
{
    const struct xie_insn *in = ex->in;
    int st;

    if (in->operands[0].kind == XIE_OPK_REL) {
        *t = (ex->rip_next + (uint64_t)in->imm) & xiei_mask(in->osz);
        return XIE_OK;
    }
    if (in->operands[0].kind == XIE_OPK_FAR || in->operands[0].size > 8) return XIE_UNIMPLEMENTED;
    st = xiei_rd(ex, 0, t);
    *t &= xiei_mask(in->osz);
    return st;
}

XIEI_HANDLER(jmp)
{
    uint64_t t;
    int st = target(ex, &t);

    (void)arg;
    return st ? st : xiei_branch(ex, t);
}

XIEI_HANDLER(call)
{
    uint64_t t;
    int st = target(ex, &t);

    (void)arg;
    /* The return-address push is checked before the target (#SS before #GP),
     * as the CPU does. */
    if (!st) st = xiei_push(ex, ex->in->osz, ex->rip_next);
    return st ? st : xiei_branch(ex, t);
}

XIEI_HANDLER(ret)
{
    const struct xie_insn *in = ex->in;
    uint64_t t;
    unsigned asz;
    int st = xiei_pop(ex, in->osz, &t);

    (void)arg;
    if (st) return st;
    if (in->nops && in->operands[0].kind == XIE_OPK_IMM) {
        asz = xiei_stack_asz(ex);
        xiei_set_gprs(ex, XIE_GPR_RSP, asz,
                      xiei_gpr(ex, XIE_GPR_RSP) + ((uint64_t)in->imm & 0xffff));
    }
    return xiei_branch(ex, t & xiei_mask(in->osz));
}

XIEI_HANDLER(jcc)
{
    uint64_t t;

    (void)arg;
    if (!xiei_cond(ex->in->opcode & 15u, ex->fl)) return XIE_OK;
    t = (ex->rip_next + (uint64_t)ex->in->imm) & xiei_mask(ex->in->osz);
    return xiei_branch(ex, t);
}

/* LOOP (arg 0), LOOPE (1), LOOPNE (2): the count register is picked by the
 * address size. */
XIEI_HANDLER(loop)
{
    const struct xie_insn *in = ex->in;
    uint64_t c = (xiei_gpr(ex, XIE_GPR_RCX) - 1) & xiei_mask(in->asz);
    int take = c != 0;

    xiei_set_gprs(ex, XIE_GPR_RCX, in->asz, c);
    if (arg == 1)
        take = take && (ex->fl & XIEI_F_ZF);
    else if (arg == 2)
        take = take && !(ex->fl & XIEI_F_ZF);
    if (!take) return XIE_OK;
    return xiei_branch(ex, (ex->rip_next + (uint64_t)in->imm) & xiei_mask(in->osz));
}

XIEI_HANDLER(jcxz)
{
    const struct xie_insn *in = ex->in;

    (void)arg;
    if (xiei_gpr(ex, XIE_GPR_RCX) & xiei_mask(in->asz)) return XIE_OK;
    return xiei_branch(ex, (ex->rip_next + (uint64_t)in->imm) & xiei_mask(in->osz));
}
