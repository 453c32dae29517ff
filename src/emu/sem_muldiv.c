/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MUL, IMUL (one-, two- and three-operand), DIV, IDIV and MULX.
 * The core must build for -m32 without libgcc, so there is no 64-bit division
 * operator and no __int128 here: 64x64->128 products are built from 32-bit
 * halves and division is a restoring shift-subtract loop.
 */
#include "sem_util.h"

/* Unsigned 64 x 64 -> 128-bit product. */
static void umul128(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
    uint64_t al = (uint32_t)a, ah = a >> 32, bl = (uint32_t)b, bh = b >> 32;
    uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
    uint64_t mid = (ll >> 32) + (uint32_t)lh + (uint32_t)hl;

    *lo = (mid << 32) | (uint32_t)ll;
    *hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}

/* Signed 64 x 64 -> 128-bit product (two's complement high half). */
static void smul128(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
    umul128(a, b, hi, lo);
    if ((int64_t)a < 0) *hi -= b;
    if ((int64_t)b < 0) *hi -= a;
}

/* Unsigned (hi:lo) / d for hi < d (the caller checks). */
static void udiv128(uint64_t hi, uint64_t lo, uint64_t d, uint64_t *q, uint64_t *r)
{
    int i;

    for (i = 0; i < 64; i++) {
        uint64_t carry = hi >> 63;
        hi = (hi << 1) | (lo >> 63);
        lo <<= 1;
        if (carry || hi >= d) {
            hi -= d;
            lo |= 1;
        }
    }
    *q = lo;
    *r = hi;
}

/* Two's complement negation of a 128-bit value. */
static void neg128(uint64_t *hi, uint64_t *lo)
{
    *lo = ~*lo + 1;
    *hi = ~*hi + (*lo == 0);
}

/* After a multiply, CF = OF = overflow; SF ZF AF PF are undefined and AMD Zen
 * leaves them unchanged, as we do. */
static void mul_flags(int ovf, uint64_t *fl)
{
    *fl &= ~(uint64_t)(XIEI_F_OF | XIEI_F_CF);
    if (ovf) *fl |= XIEI_F_OF | XIEI_F_CF;
}

/* After a division every arithmetic flag is undefined; AMD Zen clears SF ZF PF,
 * sets AF and leaves OF and CF unchanged, as we do. */
static void div_flags(uint64_t *fl)
{
    *fl = (*fl & ~(uint64_t)(XIEI_F_SF | XIEI_F_ZF | XIEI_F_PF)) | XIEI_F_AF;
}

/* Signed product of size-byte operands: low half and overflow. */
static uint64_t imul_sized(unsigned size, uint64_t a, uint64_t b, uint64_t *hi, int *ovf)
{
    uint64_t m = xiei_mask(size);
    uint64_t h, l;

    if (size == 8) {
        smul128(a, b, &h, &l);
        *ovf = h != (uint64_t)((int64_t)l >> 63);
    } else {
        int64_t p = xiei_sext(size, a) * xiei_sext(size, b);
        l = (uint64_t)p;
        h = (uint64_t)(p >> (size * 8));
        *ovf = xiei_sext(size, l) != p;
    }
    *hi = h & m;
    return l & m;
}

int xiei_muldiv(unsigned op, unsigned size, uint64_t *lo, uint64_t *hi, uint64_t src, uint64_t *fl)
{
    unsigned bits = size * 8;
    uint64_t m = xiei_mask(size);
    uint64_t a = *lo & m, d = src & m, h, l, q, r;
    int ovf, neg_q, neg_r;

    if (size == 1) {
        /* Byte forms use AX as the double-width accumulator. */
        a = *lo & 0xff;
        if (op == XIEI_MUL || op == XIEI_IMUL1) {
            l = op == XIEI_MUL ? a * d : imul_sized(1, a, d, &h, &ovf);
            if (op == XIEI_MUL) {
                ovf = (l >> 8) != 0;
            } else {
                l = (l & 0xff) | (h << 8);
            }
            *lo = l & 0xffff;
            mul_flags(ovf, fl);
            return 0;
        }
        a = *lo & 0xffff;
        h = 0;
    } else if (op == XIEI_MUL || op == XIEI_IMUL1) {
        if (op == XIEI_MUL) {
            if (size == 8) {
                umul128(a, d, &h, &l);
            } else {
                l = a * d;
                h = l >> bits;
                l &= m;
            }
            ovf = h != 0;
        } else {
            l = imul_sized(size, a, d, &h, &ovf);
        }
        *lo = l;
        *hi = h;
        mul_flags(ovf, fl);
        return 0;
    } else {
        h = *hi & m;
    }

    if (d == 0) return 1;
    /* Build the double-width dividend as a 128-bit (hi:lo) pair. */
    if (size == 1) {
        l = a;
        h = 0;
    } else if (size < 8) {
        l = (h << bits) | a;
        h = 0;
    } else {
        l = a;
    }
    if (op == XIEI_DIV) {
        if (h >= d) return 1;
        udiv128(h, l, d, &q, &r);
        if (size < 8 && q > m) return 1;
    } else {
        /* IDIV: divide magnitudes; the quotient is truncated toward zero and the
         * remainder has the dividend's sign (SDM IDIV). */
        int64_t sd = xiei_sext(size, d);
        unsigned dbits = size == 8 ? 128 : 2 * bits;
        uint64_t ad = sd < 0 ? 0 - (uint64_t)sd : (uint64_t)sd;
        if (dbits < 128) {
            int64_t sl = dbits == 64 ? (int64_t)l : (int64_t)(l << (64 - dbits)) >> (64 - dbits);
            neg_r = sl < 0;
            l = sl < 0 ? 0 - (uint64_t)sl : (uint64_t)sl;
            h = 0;
        } else {
            neg_r = (int64_t)h < 0;
            if (neg_r) neg128(&h, &l);
        }
        neg_q = neg_r != (sd < 0);
        if (h >= ad) return 1;
        udiv128(h, l, ad, &q, &r);
        /* The magnitude limit is 2^(bits-1) for a negative quotient, one less
         * for a positive one. */
        if (q > (neg_q ? ((uint64_t)1 << (bits - 1)) : (m >> 1))) return 1;
        if (neg_q) q = 0 - q;
        if (neg_r) r = 0 - r;
        q &= m;
        r &= m;
    }
    div_flags(fl);
    if (size == 1) {
        *lo = (q & 0xff) | ((r & 0xff) << 8);
    } else {
        *lo = q & m;
        *hi = r & m;
    }
    return 0;
}

uint64_t xiei_imul2(unsigned size, uint64_t a, uint64_t b, uint64_t *fl)
{
    uint64_t h;
    int ovf;
    uint64_t l = imul_sized(size, a, b, &h, &ovf);

    mul_flags(ovf, fl);
    return l;
}

uint64_t xiei_mulx(unsigned size, uint64_t a, uint64_t b, uint64_t *hi)
{
    uint64_t h, l;

    if (size == 8) {
        umul128(a, b, &h, &l);
        *hi = h;
        return l;
    }
    l = (a & 0xffffffffu) * (b & 0xffffffffu);
    *hi = l >> 32;
    return l & 0xffffffffu;
}
