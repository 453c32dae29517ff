/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Handlers for arithmetic, logic, shifts, multiply/divide, bit operations, BCD,
 * CRC32, ADCX/ADOX, sign extension of the accumulator and the flag instructions.
 * The arithmetic itself is in sem_*.c (sem.h); these read operands, call it and
 * write back.
 */
#include "emu_int.h"

#define OPSIZE(ex, i) ((unsigned)(ex)->in->operands[i].size)

#define CR4_VME 0x1u
#define CR4_PVI 0x2u

/* Read operands 0 and 1. */
static int rd2(struct xiei_ex *ex, uint64_t *a, uint64_t *b)
{
    int st = xiei_rd(ex, 0, a);
    return st ? st : xiei_rd(ex, 1, b);
}

XIEI_HANDLER(alu)
{
    uint64_t a, b, r;
    int st = rd2(ex, &a, &b);

    if (st) return st;
    r = xiei_alu(arg, OPSIZE(ex, 0), a, b, &ex->fl);
    return arg == XIEI_ALU_CMP ? XIE_OK : xiei_wr(ex, 0, r);
}

XIEI_HANDLER(test)
{
    uint64_t a, b;
    int st = rd2(ex, &a, &b);

    (void)arg;
    if (st) return st;
    xiei_test(OPSIZE(ex, 0), a, b, &ex->fl);
    return XIE_OK;
}

XIEI_HANDLER(unary)
{
    uint64_t a;
    int st = xiei_rd(ex, 0, &a);

    if (st) return st;
    return xiei_wr(ex, 0, xiei_unary(arg, OPSIZE(ex, 0), a, &ex->fl));
}

XIEI_HANDLER(shift)
{
    uint64_t a, c;
    int st = rd2(ex, &a, &c);

    if (st) return st;
    return xiei_wr(ex, 0, xiei_shift(arg, OPSIZE(ex, 0), a, c & 0xff, &ex->fl));
}

XIEI_HANDLER(shxd)
{
    uint64_t a, b, c;
    int st = rd2(ex, &a, &b);

    if (!st) st = xiei_rd(ex, 2, &c);
    if (st) return st;
    return xiei_wr(ex, 0, xiei_shxd((int)arg, OPSIZE(ex, 0), a, b, c & 0xff, &ex->fl));
}

/* One-operand MUL/IMUL/DIV/IDIV on rDX:rAX (AX for bytes). */
static int muldiv1(struct xiei_ex *ex, unsigned op)
{
    unsigned size = OPSIZE(ex, 0);
    uint64_t src, lo, hi = 0;
    int st = xiei_rd(ex, 0, &src);

    if (st) return st;
    lo = xiei_gpr(ex, XIE_GPR_RAX);
    if (size > 1) hi = xiei_gpr(ex, XIE_GPR_RDX);
    if (xiei_muldiv(op, size, &lo, &hi, src, &ex->fl)) return xiei_raise(ex, XIEI_VEC_DE, 0, 0);
    if (size == 1) {
        xiei_set_gprs(ex, XIE_GPR_RAX, 2, lo);
    } else {
        xiei_set_gprs(ex, XIE_GPR_RAX, size, lo);
        xiei_set_gprs(ex, XIE_GPR_RDX, size, hi);
    }
    return XIE_OK;
}

XIEI_HANDLER(muldiv)
{
    return muldiv1(ex, arg);
}

/* IMUL: one operand (F6/F7 /5), two (0F AF: G = G * E) or three (69/6B: G = E *
 * imm). The two- and three-operand forms name the destination first, written. */
XIEI_HANDLER(imul)
{
    const struct xie_insn *in = ex->in;
    uint64_t a, b;
    int st;

    (void)arg;
    if (!(in->operands[0].access & XIE_ACC_W)) return muldiv1(ex, XIEI_IMUL1);
    if (in->nops >= 3 && in->operands[2].kind == XIE_OPK_IMM) {
        st = xiei_rd(ex, 1, &a);
        b = (uint64_t)in->imm;
    } else {
        st = rd2(ex, &a, &b);
    }
    if (st) return st;
    return xiei_wr(ex, 0, xiei_imul2(OPSIZE(ex, 0), a, b, &ex->fl));
}

/* BT/BTS/BTR/BTC. With a memory bit base and a register bit offset the offset
 * is signed and selects an operand-sized word outside the addressed one
 * (SDM Vol. 2 BT, "bit-string addressing"). */
XIEI_HANDLER(bt)
{
    const struct xie_insn *in = ex->in;
    const struct xie_operand *o = &in->operands[0];
    unsigned size = o->size, bits = size * 8;
    struct xiei_maddr m;
    uint64_t val, off, r;
    int rmw = arg != 4, st;

    st = xiei_rd(ex, 1, &off);
    if (st) return st;
    if (o->kind != XIE_OPK_MEM || in->operands[1].kind == XIE_OPK_IMM) {
        st = xiei_rd(ex, 0, &val);
        if (st) return st;
        r = xiei_bt(arg, size, val, off & (bits - 1), &ex->fl);
        return rmw ? xiei_wr(ex, 0, r) : XIE_OK;
    }
    {
        int64_t soff = xiei_sext(size, off);
        /* Arithmetic shift: floor division for negative offsets. */
        int64_t word = soff >> (size == 2 ? 4 : size == 4 ? 5 : 6);
        uint64_t ea = (xiei_ea(ex, o) + (uint64_t)word * size) & xiei_mask(in->asz);
        st = xiei_xlat(ex, xiei_opseg(o), ea, size, rmw ? XIE_XLAT_WRITE : XIE_XLAT_READ, &m);
    }
    if (!st) st = xiei_mem_rd(ex, &m, rmw, &val);
    if (st) return st;
    r = xiei_bt(arg, size, val, off & (bits - 1), &ex->fl);
    return rmw ? xiei_mem_wr(ex, &m, r) : XIE_OK;
}

XIEI_HANDLER(bitscan)
{
    uint64_t d, s, r;
    int st = rd2(ex, &d, &s);
    unsigned size = OPSIZE(ex, 0);

    if (st) return st;
    r = xiei_bitscan(arg, size, s, d, &ex->fl);
    /* BSF/BSR with a zero source leave the whole destination register unchanged
     * (AMD APM Vol. 3 BSF; current Intel CPUs behave the same). */
    if ((arg == XIEI_BSF || arg == XIEI_BSR) && !(s & xiei_mask(size))) return XIE_OK;
    return xiei_wr(ex, 0, r);
}

XIEI_HANDLER(bswap)
{
    uint64_t a;
    int st = xiei_rd(ex, 0, &a);

    (void)arg;
    if (st) return st;
    return xiei_wr(ex, 0, xiei_bswap(OPSIZE(ex, 0), a));
}

XIEI_HANDLER(bcd)
{
    uint16_t ax = (uint16_t)xiei_gpr(ex, XIE_GPR_RAX);

    xiei_bcd(arg, &ax, &ex->fl);
    xiei_set_gprs(ex, XIE_GPR_RAX, 2, ax);
    return XIE_OK;
}

XIEI_HANDLER(aam)
{
    uint16_t ax = (uint16_t)xiei_gpr(ex, XIE_GPR_RAX);

    (void)arg;
    if (xiei_aam(&ax, (uint8_t)ex->in->imm, &ex->fl)) return xiei_raise(ex, XIEI_VEC_DE, 0, 0);
    xiei_set_gprs(ex, XIE_GPR_RAX, 2, ax);
    return XIE_OK;
}

XIEI_HANDLER(aad)
{
    uint16_t ax = (uint16_t)xiei_gpr(ex, XIE_GPR_RAX);

    (void)arg;
    xiei_aad(&ax, (uint8_t)ex->in->imm, &ex->fl);
    xiei_set_gprs(ex, XIE_GPR_RAX, 2, ax);
    return XIE_OK;
}

XIEI_HANDLER(adcx)
{
    uint64_t a, b;
    int st = rd2(ex, &a, &b);

    if (st) return st;
    return xiei_wr(ex, 0, xiei_adcx((int)arg, OPSIZE(ex, 0), a, b, &ex->fl));
}

XIEI_HANDLER(crc32)
{
    uint64_t a, b;
    int st = rd2(ex, &a, &b);

    (void)arg;
    if (st) return st;
    return xiei_wr(ex, 0, xiei_crc32((uint32_t)a, b, OPSIZE(ex, 1)));
}

/* CLC STC CMC CLD STD. */
XIEI_HANDLER(flagop)
{
    switch (arg) {
    case 0: ex->fl &= ~(uint64_t)XIEI_F_CF; break;
    case 1: ex->fl |= XIEI_F_CF; break;
    case 2: ex->fl ^= XIEI_F_CF; break;
    case 3: ex->fl &= ~(uint64_t)XIEI_F_DF; break;
    default: ex->fl |= XIEI_F_DF; break;
    }
    return XIE_OK;
}

/* Who may change IF (SDM Vol. 2 CLI/STI tables): 0 = IF directly, 1 = VIF
 * instead (VME in virtual-8086 mode, PVI at CPL 3), or an exception. */
static int if_access(struct xiei_ex *ex, int *virt)
{
    const struct xie_ctx *ctx = ex->ctx;
    unsigned iopl = (unsigned)(ex->fl >> 12) & 3;
    int st;

    *virt = 0;
    if (!(ctx->cr0 & 1)) return XIE_OK;
    if (ex->fl & XIEI_F_VM) {
        if (iopl == 3) return XIE_OK;
    } else if (ctx->cpl <= iopl) {
        return XIE_OK;
    }
    st = xiei_need(ex, XIE_STATE_CR4);
    if (st) return st;
    if ((ex->fl & XIEI_F_VM) ? (ctx->cr4 & CR4_VME) : (ctx->cpl == 3 && (ctx->cr4 & CR4_PVI))) {
        *virt = 1;
        return XIE_OK;
    }
    return xiei_gp0(ex);
}

XIEI_HANDLER(cli)
{
    int virt, st = if_access(ex, &virt);

    (void)arg;
    if (st) return st;
    ex->fl &= ~(uint64_t)(virt ? XIEI_F_VIF : XIEI_F_IF);
    return XIE_OK;
}

XIEI_HANDLER(sti)
{
    int virt, st = if_access(ex, &virt);

    (void)arg;
    if (st) return st;
    if (virt) {
        if (ex->fl & XIEI_F_VIP) return xiei_gp0(ex);
        ex->fl |= XIEI_F_VIF;
        return XIE_OK;
    }
    /* STI that sets IF blocks interrupts for one instruction (SDM Vol. 2 STI). */
    if (!(ex->fl & XIEI_F_IF)) ex->retire |= XIE_RETIRE_SHADOW_STI;
    ex->fl |= XIEI_F_IF;
    return XIE_OK;
}

#define LAHF_MASK (XIEI_F_SF | XIEI_F_ZF | XIEI_F_AF | XIEI_F_PF | XIEI_F_CF)

XIEI_HANDLER(lahf)
{
    uint64_t ax = xiei_gpr(ex, XIE_GPR_RAX);

    (void)arg;
    /* AH = SF:ZF:0:AF:0:PF:1:CF (SDM Vol. 2 LAHF). */
    ax = (ax & ~(uint64_t)0xff00) | (((ex->fl & LAHF_MASK) | 2) << 8);
    xiei_set_gpr(ex, XIE_GPR_RAX, ax);
    return XIE_OK;
}

XIEI_HANDLER(sahf)
{
    uint64_t ah = xiei_gpr(ex, XIE_GPR_RAX) >> 8;

    (void)arg;
    ex->fl = (ex->fl & ~(uint64_t)LAHF_MASK) | (ah & LAHF_MASK);
    return XIE_OK;
}

/* CBW / CWDE / CDQE: sign-extend the lower half of rAX into rAX. */
XIEI_HANDLER(cbw)
{
    unsigned size = ex->in->osz;
    uint64_t a = xiei_gpr(ex, XIE_GPR_RAX);

    (void)arg;
    xiei_set_gprs(ex, XIE_GPR_RAX, size, (uint64_t)xiei_sext(size / 2, a));
    return XIE_OK;
}

/* CWD / CDQ / CQO: rDX = the sign of rAX. */
XIEI_HANDLER(cwd)
{
    unsigned size = ex->in->osz;
    uint64_t a = xiei_gpr(ex, XIE_GPR_RAX);

    (void)arg;
    xiei_set_gprs(ex, XIE_GPR_RDX, size, xiei_msb(size, a) ? ~(uint64_t)0 : 0);
    return XIE_OK;
}
