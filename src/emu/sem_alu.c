/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Two-operand ALU, unary group, condition codes, ADCX/ADOX and the BCD adjusts.
 * Flag rules: SDM Vol. 1 Appendix A (EFLAGS cross-reference) and each
 * instruction's "Flags Affected" section in Vol. 2.
 */
#include "sem_util.h"

#define ARITH_FLAGS (XIEI_F_OF | XIEI_F_SF | XIEI_F_ZF | XIEI_F_AF | XIEI_F_PF | XIEI_F_CF)

/* Store OF SF ZF AF PF CF of an add (sub = 0) or subtract (sub = 1) of a and b
 * giving r (all already masked to size), with the carry/borrow out cf. */
static void arith_flags(unsigned size, uint64_t a, uint64_t b, uint64_t r, int sub, int cf,
                        uint64_t *fl)
{
    uint64_t ovf = sub ? ((a ^ b) & (a ^ r)) : (~(a ^ b) & (a ^ r));
    uint64_t f = *fl & ~(uint64_t)ARITH_FLAGS;

    f |= xiei_szp(size, r);
    f |= (a ^ b ^ r) & XIEI_F_AF;
    if (cf) f |= XIEI_F_CF;
    if (xiei_msb(size, ovf)) f |= XIEI_F_OF;
    *fl = f;
}

/* Logical results: OF = CF = 0, SF ZF PF from the result. AF is undefined
 * (SDM AND/OR/XOR/TEST); this CPU family clears it, and so do we. */
static void logic_flags(unsigned size, uint64_t r, uint64_t *fl)
{
    *fl = (*fl & ~(uint64_t)ARITH_FLAGS) | xiei_szp(size, r);
}

uint64_t xiei_alu(unsigned op, unsigned size, uint64_t a, uint64_t b, uint64_t *fl)
{
    uint64_t m = xiei_mask(size);
    uint64_t c = *fl & XIEI_F_CF;
    uint64_t r;

    a &= m;
    b &= m;
    switch (op) {
    case XIEI_ALU_ADD:
        r = (a + b) & m;
        arith_flags(size, a, b, r, 0, r < a, fl);
        return r;
    case XIEI_ALU_ADC:
        r = (a + b + c) & m;
        arith_flags(size, a, b, r, 0, c ? r <= a : r < a, fl);
        return r;
    case XIEI_ALU_SBB:
        r = (a - b - c) & m;
        arith_flags(size, a, b, r, 1, c ? a <= b : a < b, fl);
        return r;
    case XIEI_ALU_SUB:
    case XIEI_ALU_CMP:
        r = (a - b) & m;
        arith_flags(size, a, b, r, 1, a < b, fl);
        return r;
    case XIEI_ALU_OR: r = a | b; break;
    case XIEI_ALU_AND: r = a & b; break;
    default: r = a ^ b; break;
    }
    logic_flags(size, r, fl);
    return r;
}

void xiei_test(unsigned size, uint64_t a, uint64_t b, uint64_t *fl)
{
    logic_flags(size, a & b & xiei_mask(size), fl);
}

uint64_t xiei_unary(unsigned op, unsigned size, uint64_t a, uint64_t *fl)
{
    uint64_t m = xiei_mask(size);
    uint64_t cf = *fl & XIEI_F_CF;
    uint64_t r;

    a &= m;
    switch (op) {
    case XIEI_INC:
        r = (a + 1) & m;
        arith_flags(size, a, 1, r, 0, 0, fl);
        *fl = (*fl & ~(uint64_t)XIEI_F_CF) | cf; /* INC/DEC preserve CF */
        return r;
    case XIEI_DEC:
        r = (a - 1) & m;
        arith_flags(size, a, 1, r, 1, 0, fl);
        *fl = (*fl & ~(uint64_t)XIEI_F_CF) | cf;
        return r;
    case XIEI_NEG:
        r = (0 - a) & m;
        arith_flags(size, 0, a, r, 1, a != 0, fl); /* CF = (source != 0) */
        return r;
    default: return ~a & m; /* NOT: no flags */
    }
}

int xiei_cond(unsigned cc, uint64_t fl)
{
    int r;

    switch ((cc >> 1) & 7) {
    case 0: r = (fl & XIEI_F_OF) != 0; break;
    case 1: r = (fl & XIEI_F_CF) != 0; break;
    case 2: r = (fl & XIEI_F_ZF) != 0; break;
    case 3: r = (fl & (XIEI_F_CF | XIEI_F_ZF)) != 0; break;
    case 4: r = (fl & XIEI_F_SF) != 0; break;
    case 5: r = (fl & XIEI_F_PF) != 0; break;
    case 6: r = !(fl & XIEI_F_SF) != !(fl & XIEI_F_OF); break;
    default: r = (fl & XIEI_F_ZF) || (!(fl & XIEI_F_SF) != !(fl & XIEI_F_OF)); break;
    }
    return (cc & 1) ? !r : r;
}

uint64_t xiei_adcx(int use_of, unsigned size, uint64_t a, uint64_t b, uint64_t *fl)
{
    uint64_t m = xiei_mask(size);
    uint64_t bit = use_of ? XIEI_F_OF : XIEI_F_CF;
    uint64_t c = (*fl & bit) ? 1 : 0;
    uint64_t r;

    a &= m;
    b &= m;
    r = (a + b + c) & m;
    *fl &= ~bit;
    if (c ? r <= a : r < a) *fl |= bit;
    return r;
}

/* SF ZF PF of AL after a BCD adjust. */
static void bcd_szp(uint16_t ax, uint64_t *fl)
{
    *fl = (*fl & ~(uint64_t)(XIEI_F_SF | XIEI_F_ZF | XIEI_F_PF)) | xiei_szp(1, ax & 0xff);
}

/* DAA/DAS: SDM Vol. 2 pseudo-code. OF is undefined; it is left cleared. */
static void daa_das(int sub, uint16_t *ax, uint64_t *fl)
{
    unsigned al = *ax & 0xff, old_al = al;
    int old_cf = (*fl & XIEI_F_CF) != 0, cf = 0, af = 0;

    if ((al & 0x0f) > 9 || (*fl & XIEI_F_AF)) {
        cf = old_cf || (sub ? al < 6 : al > 0xf9);
        al = (sub ? al - 6 : al + 6) & 0xff;
        af = 1;
    }
    if (old_al > 0x99 || old_cf) {
        al = (sub ? al - 0x60 : al + 0x60) & 0xff;
        cf = 1;
    } else if (!sub) {
        cf = 0;
    }
    *ax = (uint16_t)((*ax & 0xff00) | al);
    *fl &= ~(uint64_t)(XIEI_F_CF | XIEI_F_AF | XIEI_F_OF);
    *fl |= (cf ? XIEI_F_CF : 0) | (af ? XIEI_F_AF : 0);
    bcd_szp(*ax, fl);
}

void xiei_bcd(unsigned op, uint16_t *ax, uint64_t *fl)
{
    int adj;

    if (op == XIEI_DAA || op == XIEI_DAS) {
        daa_das(op == XIEI_DAS, ax, fl);
        return;
    }
    /* AAA/AAS: SDM Vol. 2 pseudo-code (AX + 106H / AX - 6, AH - 1). OF SF ZF PF
     * are undefined; they are set from AL here. */
    adj = (*ax & 0x0f) > 9 || (*fl & XIEI_F_AF);
    if (adj) {
        if (op == XIEI_AAA)
            *ax = (uint16_t)(*ax + 0x106);
        else
            *ax = (uint16_t)(*ax - 6 - 0x100); /* AX - 6 (borrowing into AH), then AH - 1 */
    }
    *ax &= 0xff0f;
    *fl &= ~(uint64_t)(XIEI_F_CF | XIEI_F_AF | XIEI_F_OF);
    if (adj) *fl |= XIEI_F_CF | XIEI_F_AF;
    bcd_szp(*ax, fl);
}

/* AAM/AAD: SF ZF PF from AL; OF AF CF undefined (cleared here). */
int xiei_aam(uint16_t *ax, uint8_t base, uint64_t *fl)
{
    unsigned al = *ax & 0xff;

    if (base == 0) return 1;
    *ax = (uint16_t)(((al / base) << 8) | (al % base));
    *fl &= ~(uint64_t)(XIEI_F_CF | XIEI_F_AF | XIEI_F_OF);
    bcd_szp(*ax, fl);
    return 0;
}

void xiei_aad(uint16_t *ax, uint8_t base, uint64_t *fl)
{
    unsigned al = *ax & 0xff, ah = *ax >> 8;
    unsigned sum = al + ah * base;

    *ax = (uint16_t)(sum & 0xff);
    *fl &= ~(uint64_t)(XIEI_F_CF | XIEI_F_AF | XIEI_F_OF);
    bcd_szp(*ax, fl);
}
