/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shifts and rotates: SAL/SHL/SHR/SAR, ROL/ROR/RCL/RCR (SDM Vol. 2 "RCL/RCR/ROL/
 * ROR" and "SAL/SAR/SHL/SHR"), SHLD/SHRD, and the flagless BMI2 RORX/SARX/SHLX/SHRX.
 * Where the SDM leaves a flag undefined, the value chosen is the one AMD Zen CPUs
 * produce (tests/sem compares with the host instruction and counts undefined-flag
 * differences separately).
 */
#include "sem_util.h"

/* Logical shifts by 0..127 that yield 0 instead of undefined behaviour. */
static uint64_t shl64(uint64_t v, unsigned n)
{
    return n >= 64 ? 0 : v << n;
}
static uint64_t shr64(uint64_t v, unsigned n)
{
    return n >= 64 ? 0 : v >> n;
}

static unsigned count_mask(unsigned size)
{
    return size == 8 ? 63 : 31;
}

static uint64_t set_flag(uint64_t fl, uint64_t bit, int on)
{
    return on ? (fl | bit) : (fl & ~bit);
}

static uint64_t rotate(unsigned op, unsigned size, uint64_t a, unsigned c, uint64_t *fl)
{
    unsigned bits = size * 8;
    uint64_t m = xiei_mask(size);
    uint64_t cf = (*fl & XIEI_F_CF) ? 1 : 0;
    uint64_t r;
    unsigned t;
    int ncf, of;

    switch (op) {
    case XIEI_ROL:
        t = c & (bits - 1);
        r = (shl64(a, t) | shr64(a, bits - t)) & m;
        ncf = (int)(r & 1);
        of = xiei_msb(size, r) ^ ncf;
        break;
    case XIEI_ROR:
        t = c & (bits - 1);
        r = (shr64(a, t) | shl64(a, bits - t)) & m;
        ncf = xiei_msb(size, r);
        of = xiei_msb(size, r) ^ (int)((r >> (bits - 2)) & 1);
        break;
    case XIEI_RCL:
        /* The rotation is through CF: a (bits + 1)-bit quantity (SDM: modulo 9
         * or 17 for byte and word operands). */
        t = size == 1 ? c % 9 : size == 2 ? c % 17 : c;
        if (t == 0) {
            r = a;
            ncf = (int)cf;
        } else {
            r = (shl64(a, t) | shl64(cf, t - 1) | shr64(a, bits + 1 - t)) & m;
            ncf = (int)((a >> (bits - t)) & 1);
        }
        of = xiei_msb(size, r) ^ ncf;
        break;
    default: /* RCR */
        t = size == 1 ? c % 9 : size == 2 ? c % 17 : c;
        if (t == 0) {
            r = a;
            ncf = (int)cf;
        } else {
            r = (shr64(a, t) | shl64(cf, bits - t) | shl64(a, bits + 1 - t)) & m;
            ncf = (int)((a >> (t - 1)) & 1);
        }
        /* OF = MSB(DEST) XOR CF before the rotation for a count of one; for
         * larger counts it is undefined and AMD computes it from the two top
         * bits of the result. */
        of = c == 1 ? (xiei_msb(size, a) ^ (int)cf)
                    : (xiei_msb(size, r) ^ (int)((r >> (bits - 2)) & 1));
        break;
    }
    *fl = set_flag(set_flag(*fl, XIEI_F_CF, ncf), XIEI_F_OF, of);
    return r;
}

uint64_t xiei_shift(unsigned op, unsigned size, uint64_t a, uint64_t count, uint64_t *fl)
{
    unsigned bits = size * 8;
    unsigned c = (unsigned)(count & count_mask(size));
    uint64_t m = xiei_mask(size);
    uint64_t r, f;
    int cf, of;

    a &= m;
    if (c == 0) return a; /* a masked count of 0 affects no flag */
    if (op < XIEI_SHL) return rotate(op, size, a, c, fl);
    switch (op) {
    case XIEI_SHL:
    case XIEI_SAL:
        r = shl64(a, c) & m;
        cf = (int)(shr64(a, bits - c) & 1);
        of = xiei_msb(size, r) ^ cf;
        break;
    case XIEI_SHR:
        /* OF is defined for a count of one as the original sign; for larger
         * counts AMD computes it as the sign of the value before the last
         * one-bit step, which includes the count-one rule. */
        r = shr64(a, c);
        cf = (int)(shr64(a, c - 1) & 1);
        of = xiei_msb(size, shr64(a, c - 1));
        break;
    default: /* SAR */
        r = (uint64_t)(xiei_sext(size, a) >> (c < bits ? c : bits - 1)) & m;
        cf = (int)(((uint64_t)xiei_sext(size, a) >> (c - 1 < bits ? c - 1 : bits - 1)) & 1);
        of = 0;
        break;
    }
    f = *fl & ~(uint64_t)(XIEI_F_OF | XIEI_F_SF | XIEI_F_ZF | XIEI_F_AF | XIEI_F_PF | XIEI_F_CF);
    f |= xiei_szp(size, r) | (cf ? XIEI_F_CF : 0) | (of ? XIEI_F_OF : 0);
    /* AF is undefined; AMD sets it for non-zero counts. */
    f |= XIEI_F_AF;
    *fl = f;
    return r;
}

uint64_t xiei_shxd(int right, unsigned size, uint64_t dst, uint64_t src, uint64_t count,
                   uint64_t *fl)
{
    unsigned bits = size * 8;
    unsigned c = (unsigned)(count & count_mask(size));
    uint64_t m = xiei_mask(size);
    uint64_t r, f;
    int cf, of;

    dst &= m;
    src &= m;
    if (c == 0) return dst;
    if (size == 2 && c > 16) {
        /* Undefined in the SDM for counts above the operand size; AMD Zen
         * rotates the source by (count - 16) (the bits shifted in past the
         * source are the source again) and clears CF. */
        unsigned k = c - 16;
        r = right ? ((src >> k) | (src << (16 - k))) & m : ((src << k) | (src >> (16 - k))) & m;
        cf = 0; /* AMD Zen clears CF for these counts */
    } else if (right) {
        r = (shr64(dst, c) | shl64(src, bits - c)) & m;
        cf = (int)(shr64(dst, c - 1) & 1);
    } else {
        r = (shl64(dst, c) | shr64(src, bits - c)) & m;
        cf = (int)(shr64(dst, bits - c) & 1);
    }
    /* OF: sign change of the last one-bit step (for a count of one, the SDM's
     * "sign change"; larger counts are undefined and AMD applies the same rule). */
    if (c <= bits) {
        uint64_t prev = c == 1  ? dst
                        : right ? (shr64(dst, c - 1) | shl64(src, bits - c + 1)) & m
                                : (shl64(dst, c - 1) | shr64(src, bits - c + 1)) & m;
        of = xiei_msb(size, r) ^ xiei_msb(size, prev);
    } else {
        uint64_t prev = c == 17 ? src
                        : right ? ((src >> (c - 17)) | (src << (33 - c))) & m
                                : ((src << (c - 17)) | (src >> (33 - c))) & m;
        of = xiei_msb(size, r) ^ xiei_msb(size, prev);
    }
    f = *fl & ~(uint64_t)(XIEI_F_OF | XIEI_F_SF | XIEI_F_ZF | XIEI_F_AF | XIEI_F_PF | XIEI_F_CF);
    f |= xiei_szp(size, r) | (cf ? XIEI_F_CF : 0) | (of ? XIEI_F_OF : 0) | XIEI_F_AF;
    *fl = f;
    return r;
}

uint64_t xiei_shiftx(unsigned op, unsigned size, uint64_t a, uint64_t count)
{
    unsigned bits = size * 8;
    unsigned c = (unsigned)(count & count_mask(size));
    uint64_t m = xiei_mask(size);

    a &= m;
    switch (op) {
    case XIEI_ROR: return (shr64(a, c) | shl64(a, bits - c)) & m;
    case XIEI_SAR: return (uint64_t)(xiei_sext(size, a) >> c) & m;
    case XIEI_SHL: return shl64(a, c) & m;
    default: return shr64(a, c);
    }
}
