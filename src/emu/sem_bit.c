/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bit instructions: BT/BTS/BTR/BTC on a value, BSF/BSR/TZCNT/LZCNT/POPCNT,
 * BSWAP, BMI1/BMI2 (ANDN BEXTR BLSI BLSMSK BLSR BZHI PDEP PEXT) and CRC32.
 * No compiler builtins: the core is built with -fno-builtin and must not
 * depend on libgcc helpers (e.g. __popcountdi2 on -m32).
 */
#include "sem_util.h"

#define ARITH_FLAGS (XIEI_F_OF | XIEI_F_SF | XIEI_F_ZF | XIEI_F_AF | XIEI_F_PF | XIEI_F_CF)

uint64_t xiei_bt(unsigned op, unsigned size, uint64_t val, uint64_t bit, uint64_t *fl)
{
    unsigned b = (unsigned)(bit & (size * 8 - 1));
    uint64_t one = (uint64_t)1 << b;

    val &= xiei_mask(size);
    /* CF = the selected bit; ZF is unchanged; OF SF AF PF are undefined and
     * left unchanged, as this CPU family does. */
    *fl = (val & one) ? (*fl | XIEI_F_CF) : (*fl & ~(uint64_t)XIEI_F_CF);
    switch (op) {
    case 5: return val | one;
    case 6: return val & ~one;
    case 7: return val ^ one;
    default: return val;
    }
}

static unsigned ctz64(uint64_t v)
{
    unsigned n = 0;

    if (!(v & 0xffffffffu)) {
        n += 32;
        v >>= 32;
    }
    if (!(v & 0xffff)) {
        n += 16;
        v >>= 16;
    }
    if (!(v & 0xff)) {
        n += 8;
        v >>= 8;
    }
    if (!(v & 0xf)) {
        n += 4;
        v >>= 4;
    }
    if (!(v & 0x3)) {
        n += 2;
        v >>= 2;
    }
    return n + (unsigned)!(v & 1);
}

/* Index of the highest set bit of a non-zero value. */
static unsigned msb_index(uint64_t v)
{
    unsigned n = 0;

    if (v >> 32) {
        n += 32;
        v >>= 32;
    }
    if (v >> 16) {
        n += 16;
        v >>= 16;
    }
    if (v >> 8) {
        n += 8;
        v >>= 8;
    }
    if (v >> 4) {
        n += 4;
        v >>= 4;
    }
    if (v >> 2) {
        n += 2;
        v >>= 2;
    }
    return n + (unsigned)(v >> 1);
}

static unsigned popcount64(uint64_t v)
{
    v = v - ((v >> 1) & 0x5555555555555555ull);
    v = (v & 0x3333333333333333ull) + ((v >> 2) & 0x3333333333333333ull);
    v = (v + (v >> 4)) & 0x0f0f0f0f0f0f0f0full;
    /* Sum the bytes without a 64-bit multiply (fine either way, but keeps -m32 lean). */
    v += v >> 8;
    v += v >> 16;
    v += v >> 32;
    return (unsigned)(v & 0x7f);
}

uint64_t xiei_bitscan(unsigned op, unsigned size, uint64_t src, uint64_t dst, uint64_t *fl)
{
    unsigned bits = size * 8;
    uint64_t r, f = *fl;

    src &= xiei_mask(size);
    switch (op) {
    case XIEI_BSF:
    case XIEI_BSR:
        /* ZF = (source == 0); CF OF SF AF PF are undefined and AMD Zen
         * leaves them unchanged. */
        f &= ~(uint64_t)XIEI_F_ZF;
        if (src == 0) {
            *fl = f | XIEI_F_ZF;
            return dst;
        }
        *fl = f;
        return op == XIEI_BSF ? ctz64(src) : msb_index(src);
    case XIEI_TZCNT:
    case XIEI_LZCNT:
        if (src == 0)
            r = bits;
        else
            r = op == XIEI_TZCNT ? ctz64(src) : bits - 1 - msb_index(src);
        /* CF and ZF defined; OF SF AF PF undefined: AMD Zen clears SF AF PF
         * and leaves OF unchanged. */
        f &= ~(uint64_t)(XIEI_F_CF | XIEI_F_ZF | XIEI_F_SF | XIEI_F_AF | XIEI_F_PF);
        f |= (src == 0 ? XIEI_F_CF : 0) | (r == 0 ? XIEI_F_ZF : 0);
        *fl = f;
        return r;
    default: /* POPCNT: ZF from the source, OF SF AF CF PF cleared */
        *fl = (f & ~(uint64_t)ARITH_FLAGS) | (src == 0 ? XIEI_F_ZF : 0);
        return popcount64(src);
    }
}

uint64_t xiei_bswap(unsigned size, uint64_t a)
{
    uint64_t r = 0;
    unsigned i;

    /* BSWAP r16 is undefined in the SDM; Intel and AMD CPUs clear the register's
     * low 16 bits. */
    if (size == 2) return 0;
    for (i = 0; i < size; i++)
        r = (r << 8) | ((a >> (8 * i)) & 0xff);
    return r;
}

/* Flag results of the BMI1/BMI2 integer instructions: OF cleared, the named
 * flags computed; AF and PF are undefined: AMD Zen clears AF and computes PF
 * from the result. */
static void bmi_flags(unsigned size, uint64_t r, int cf, uint64_t writes_sf, uint64_t *fl)
{
    uint64_t f =
        *fl & ~(uint64_t)(XIEI_F_OF | XIEI_F_ZF | XIEI_F_CF | XIEI_F_AF | XIEI_F_PF | writes_sf);

    f |= xiei_pf(r);
    if (r == 0) f |= XIEI_F_ZF;
    if (writes_sf && xiei_msb(size, r)) f |= XIEI_F_SF;
    if (cf) f |= XIEI_F_CF;
    *fl = f;
}

uint64_t xiei_andn(unsigned size, uint64_t a, uint64_t b, uint64_t *fl)
{
    uint64_t r = ~a & b & xiei_mask(size);

    bmi_flags(size, r, 0, XIEI_F_SF, fl);
    return r;
}

uint64_t xiei_bextr(unsigned size, uint64_t src, uint64_t ctl, uint64_t *fl)
{
    unsigned bits = size * 8;
    unsigned start = (unsigned)(ctl & 0xff), len = (unsigned)((ctl >> 8) & 0xff);
    uint64_t r = 0;

    src &= xiei_mask(size);
    if (start < bits) {
        r = src >> start;
        if (len < 64) r &= ((uint64_t)1 << len) - 1;
    }
    /* BEXTR writes ZF, clears CF and OF; AF SF PF are undefined: AMD Zen
     * clears SF and sets AF. */
    bmi_flags(size, r, 0, XIEI_F_SF, fl);
    *fl = (*fl & ~(uint64_t)XIEI_F_SF) | XIEI_F_AF;
    return r;
}

uint64_t xiei_blsx(unsigned op, unsigned size, uint64_t src, uint64_t *fl)
{
    uint64_t m = xiei_mask(size);
    uint64_t r;

    src &= m;
    switch (op) {
    case XIEI_BLSR: /* CF = (source == 0) */
        r = (src - 1) & src & m;
        bmi_flags(size, r, src == 0, XIEI_F_SF, fl);
        break;
    case XIEI_BLSMSK: /* ZF cleared, CF = (source == 0) */
        r = ((src - 1) ^ src) & m;
        bmi_flags(size, r, src == 0, XIEI_F_SF, fl);
        *fl &= ~(uint64_t)XIEI_F_ZF;
        break;
    default: /* BLSI: CF = (source != 0) */
        r = (0 - src) & src & m;
        bmi_flags(size, r, src != 0, XIEI_F_SF, fl);
        break;
    }
    return r;
}

uint64_t xiei_bzhi(unsigned size, uint64_t src, uint64_t idx, uint64_t *fl)
{
    unsigned bits = size * 8;
    unsigned n = (unsigned)(idx & 0xff);
    uint64_t r = src & xiei_mask(size);

    if (n < bits) r &= ((uint64_t)1 << n) - 1;
    bmi_flags(size, r, n > bits - 1, XIEI_F_SF, fl);
    return r;
}

uint64_t xiei_pdep(unsigned size, uint64_t src, uint64_t mask)
{
    uint64_t r = 0, bit = 1;

    mask &= xiei_mask(size);
    while (mask) {
        uint64_t low = mask & (0 - mask);
        if (src & bit) r |= low;
        mask &= mask - 1;
        bit <<= 1;
    }
    return r;
}

uint64_t xiei_pext(unsigned size, uint64_t src, uint64_t mask)
{
    uint64_t r = 0, bit = 1;

    mask &= xiei_mask(size);
    while (mask) {
        uint64_t low = mask & (0 - mask);
        if (src & low) r |= bit;
        mask &= mask - 1;
        bit <<= 1;
    }
    return r;
}

uint32_t xiei_crc32(uint32_t crc, uint64_t data, unsigned size)
{
    unsigned i, k;

    /* CRC-32C (Castagnoli), reflected: polynomial 0x82F63B78 (SDM CRC32). */
    for (i = 0; i < size; i++) {
        crc ^= (uint32_t)((data >> (8 * i)) & 0xff);
        for (k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1)));
    }
    return crc;
}
