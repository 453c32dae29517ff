/* SPDX-License-Identifier: BSD-3-Clause */
/* Bit, BMI, ADX, CRC32 and condition-code semantics against this CPU. */
#include <stdio.h>

#include "sem_hw.h"

/* "insn src, dst" (AT&T) with dst read and written, at sizes 2/4/8. */
#define HWRR(fn, insn)                                                                             \
    static uint64_t fn(unsigned size, uint64_t dst, uint64_t src, uint64_t *fl)                    \
    {                                                                                              \
        uint64_t f = *fl;                                                                          \
        if (size == 2)                                                                             \
            __asm__ volatile("push %[f]\n\tpopfq\n\t" insn "w %w[s], %w[d]\n\tpushfq\n\tpop %[f]"  \
                             : [d] "+r"(dst), [f] "+r"(f)                                          \
                             : [s] "r"(src)                                                        \
                             : "cc");                                                              \
        else if (size == 4)                                                                        \
            __asm__ volatile("push %[f]\n\tpopfq\n\t" insn "l %k[s], %k[d]\n\tpushfq\n\tpop %[f]"  \
                             : [d] "+r"(dst), [f] "+r"(f)                                          \
                             : [s] "r"(src)                                                        \
                             : "cc");                                                              \
        else                                                                                       \
            __asm__ volatile("push %[f]\n\tpopfq\n\t" insn "q %q[s], %q[d]\n\tpushfq\n\tpop %[f]"  \
                             : [d] "+r"(dst), [f] "+r"(f)                                          \
                             : [s] "r"(src)                                                        \
                             : "cc");                                                              \
        *fl = f;                                                                                   \
        return dst;                                                                                \
    }

HWRR(hw_bt, "bt")
HWRR(hw_bts, "bts")
HWRR(hw_btr, "btr")
HWRR(hw_btc, "btc")
HWRR(hw_bsf, "bsf")
HWRR(hw_bsr, "bsr")
HWRR(hw_tzcnt, "tzcnt")
HWRR(hw_lzcnt, "lzcnt")
HWRR(hw_popcnt, "popcnt")

/* Three-operand VEX forms "insn c, b, dst" (AT&T): 4 and 8 bytes. */
#define HW3(fn, insn)                                                                              \
    static uint64_t fn(unsigned size, uint64_t b, uint64_t c, uint64_t *fl)                        \
    {                                                                                              \
        uint64_t f = *fl, d;                                                                       \
        if (size == 4)                                                                             \
            __asm__ volatile("push %[f]\n\tpopfq\n\t" insn                                         \
                             "l %k[c], %k[b], %k[d]\n\tpushfq\n\tpop %[f]"                         \
                             : [d] "=&r"(d), [f] "+r"(f)                                           \
                             : [b] "r"(b), [c] "r"(c)                                              \
                             : "cc");                                                              \
        else                                                                                       \
            __asm__ volatile("push %[f]\n\tpopfq\n\t" insn                                         \
                             "q %q[c], %q[b], %q[d]\n\tpushfq\n\tpop %[f]"                         \
                             : [d] "=&r"(d), [f] "+r"(f)                                           \
                             : [b] "r"(b), [c] "r"(c)                                              \
                             : "cc");                                                              \
        *fl = f;                                                                                   \
        return size == 4 ? (uint32_t)d : d;                                                        \
    }

HW3(hw_andn, "andn")   /* d = ~b & c */
HW3(hw_bextr, "bextr") /* d = bextr(b, ctl c) */
HW3(hw_bzhi, "bzhi")   /* d = bzhi(b, idx c) */
HW3(hw_pdep, "pdep")   /* d = pdep(src b, mask c) */
HW3(hw_pext, "pext")
HW3(hw_sarx, "sarx") /* d = b >> c */
HW3(hw_shlx, "shlx")
HW3(hw_shrx, "shrx")

#define HWBLS(fn, insn)                                                                            \
    static uint64_t fn(unsigned size, uint64_t s, uint64_t unused, uint64_t *fl)                   \
    {                                                                                              \
        uint64_t f = *fl, d;                                                                       \
        (void)unused;                                                                              \
        if (size == 4)                                                                             \
            __asm__ volatile("push %[f]\n\tpopfq\n\t" insn "l %k[s], %k[d]\n\tpushfq\n\tpop %[f]"  \
                             : [d] "=&r"(d), [f] "+r"(f)                                           \
                             : [s] "r"(s)                                                          \
                             : "cc");                                                              \
        else                                                                                       \
            __asm__ volatile("push %[f]\n\tpopfq\n\t" insn "q %q[s], %q[d]\n\tpushfq\n\tpop %[f]"  \
                             : [d] "=&r"(d), [f] "+r"(f)                                           \
                             : [s] "r"(s)                                                          \
                             : "cc");                                                              \
        *fl = f;                                                                                   \
        return size == 4 ? (uint32_t)d : d;                                                        \
    }

HWBLS(hw_blsr, "blsr")
HWBLS(hw_blsmsk, "blsmsk")
HWBLS(hw_blsi, "blsi")

typedef uint64_t (*hwfn)(unsigned, uint64_t, uint64_t, uint64_t *);

static void test_bt_scan(void)
{
    static const hwfn bt[4] = {hw_bt, hw_bts, hw_btr, hw_btc};
    static const char *const btn[4] = {"bt", "bts", "btr", "btc"};
    static const hwfn sc[5] = {hw_bsf, hw_bsr, hw_tzcnt, hw_lzcnt, hw_popcnt};
    static const char *const scn[5] = {"bsf", "bsr", "tzcnt", "lzcnt", "popcnt"};
    unsigned op, s, i;

    for (op = 0; op < 4; op++) {
        struct tally t = {btn[op], 0, 0, 0, 0};
        for (s = 1; s < 4; s++)
            for (i = 0; i < 3000; i++) {
                uint64_t a = val(i / 64), b = i % 64 + (rnd() & 0x300), f0 = in_flags();
                uint64_t fx = f0, fh = f0;
                uint64_t rx = xiei_bt(op + 4, sizes[s], a, b, &fx);
                uint64_t rh = bt[op](sizes[s], a, b, &fh);
                /* SDM BT*: OF SF AF PF undefined, ZF unaffected. */
                check(&t, sizes[s], a, b, rx, rh, f0, fx, fh,
                      XIEI_F_OF | XIEI_F_SF | XIEI_F_AF | XIEI_F_PF);
            }
        report(&t);
    }
    for (op = 0; op < 5; op++) {
        struct tally t = {scn[op], 0, 0, 0, 0};
        for (s = 1; s < 4; s++)
            for (i = 0; i < 3000; i++) {
                uint64_t a = (i & 1) ? val(i / 2) : (1ull << (i % 64)), d = rnd();
                uint64_t f0 = in_flags(), fx = f0, fh = f0;
                uint64_t rx = xiei_bitscan(op, sizes[s], a, d, &fx);
                uint64_t rh = sc[op](sizes[s], d, a, &fh);
                uint64_t undef = op <= 1   ? (AFL & ~(uint64_t)XIEI_F_ZF)
                                 : op <= 3 ? (XIEI_F_OF | XIEI_F_SF | XIEI_F_AF | XIEI_F_PF)
                                           : 0;
                check(&t, sizes[s], a, d, rx, rh, f0, fx, fh, undef);
            }
        report(&t);
    }
}

static void test_bswap(void)
{
    struct tally t = {"bswap", 0, 0, 0, 0};
    unsigned i;

    for (i = 0; i < 2000; i++) {
        uint64_t a = rnd(), h4 = a, h8 = a, h2 = a, f = 0;
        __asm__("bswapl %k0" : "+r"(h4));
        __asm__("bswapq %q0" : "+r"(h8));
        /* 66 0F C8: BSWAP AX (undefined in the SDM). */
        __asm__(".byte 0x66, 0x0f, 0xc8" : "+a"(h2));
        check(&t, 4, a, 0, xiei_bswap(4, a), h4, 0, f, f, 0);
        check(&t, 8, a, 0, xiei_bswap(8, a), h8, 0, f, f, 0);
        t.n++;
        if ((xiei_bswap(2, a) ^ h2) & 0xffff) t.bad_undef++;
    }
    report(&t);
}

static void test_bmi(void)
{
    static const hwfn h3[8] = {hw_andn, hw_bextr, hw_bzhi, hw_pdep,
                               hw_pext, hw_sarx,  hw_shlx, hw_shrx};
    static const char *const n3[8] = {"andn", "bextr", "bzhi", "pdep",
                                      "pext", "sarx",  "shlx", "shrx"};
    static const hwfn bl[3] = {hw_blsr, hw_blsmsk, hw_blsi};
    static const char *const bln[3] = {"blsr", "blsmsk", "blsi"};
    unsigned op, s, i;

    for (op = 0; op < 8; op++) {
        struct tally t = {n3[op], 0, 0, 0, 0};
        for (s = 2; s < 4; s++)
            for (i = 0; i < 3000; i++) {
                unsigned sz = sizes[s];
                uint64_t b = val(i / 16), c = (op == 1 || op == 2) ? (rnd() & 0x7f7f) : val(i % 64);
                uint64_t f0 = in_flags(), fx = f0, fh = f0, rx, rh, undef;
                switch (op) {
                case 0: rx = xiei_andn(sz, b, c, &fx); break;
                case 1: rx = xiei_bextr(sz, b, c, &fx); break;
                case 2: rx = xiei_bzhi(sz, b, c, &fx); break;
                case 3: rx = xiei_pdep(sz, b, c); break;
                case 4: rx = xiei_pext(sz, b, c); break;
                case 5: rx = xiei_shiftx(XIEI_SAR, sz, b, c); break;
                case 6: rx = xiei_shiftx(XIEI_SHL, sz, b, c); break;
                default: rx = xiei_shiftx(XIEI_SHR, sz, b, c); break;
                }
                /* SDM: ANDN/BZHI leave AF PF undefined; BEXTR AF SF PF. */
                undef = op == 1 ? (XIEI_F_AF | XIEI_F_SF | XIEI_F_PF) : (XIEI_F_AF | XIEI_F_PF);
                rh = h3[op](sz, b, c, &fh);
                check(&t, sz, b, c, rx, rh, f0, fx, fh, undef);
            }
        report(&t);
    }
    for (op = 0; op < 3; op++) {
        struct tally t = {bln[op], 0, 0, 0, 0};
        for (s = 2; s < 4; s++)
            for (i = 0; i < 2000; i++) {
                uint64_t a = val(i), f0 = in_flags(), fx = f0, fh = f0;
                uint64_t rx = xiei_blsx(op + 1, sizes[s], a, &fx);
                uint64_t rh = bl[op](sizes[s], a, 0, &fh);
                check(&t, sizes[s], a, 0, rx, rh, f0, fx, fh, XIEI_F_AF | XIEI_F_PF);
            }
        report(&t);
    }
    {
        struct tally t = {"mulx", 0, 0, 0, 0};
        for (i = 0; i < 4000; i++) {
            uint64_t a = val(i % 64), b = val(i / 64 + 5), hx, hh, lh;
            uint64_t lx = xiei_mulx(8, a, b, &hx);
            __asm__("mulxq %[b], %[lo], %[hi]" : [lo] "=r"(lh), [hi] "=r"(hh) : "d"(a), [b] "r"(b));
            check(&t, 8, a, b, lx, lh, 0, 0, 0, 0);
            check(&t, 8, a, b, hx, hh, 0, 0, 0, 0);
            lx = xiei_mulx(4, a, b, &hx);
            __asm__("mulxl %k[b], %k[lo], %k[hi]"
                    : [lo] "=r"(lh), [hi] "=r"(hh)
                    : "d"(a), [b] "r"(b));
            check(&t, 4, a, b, lx, lh, 0, 0, 0, 0);
            check(&t, 4, a, b, hx, hh, 0, 0, 0, 0);
        }
        report(&t);
    }
    {
        struct tally t = {"rorx", 0, 0, 0, 0};
        for (i = 0; i < 2000; i++) {
            uint64_t a = val(i), r5, r37, r13;
            __asm__("rorxl $5, %k1, %k0" : "=r"(r5) : "r"(a));
            __asm__("rorxq $37, %q1, %q0" : "=r"(r37) : "r"(a));
            __asm__("rorxl $45, %k1, %k0" : "=r"(r13) : "r"(a)); /* count masked to 13 */
            check(&t, 4, a, 5, xiei_shiftx(XIEI_ROR, 4, a, 5), r5, 0, 0, 0, 0);
            check(&t, 8, a, 37, xiei_shiftx(XIEI_ROR, 8, a, 37), r37, 0, 0, 0, 0);
            check(&t, 4, a, 45, xiei_shiftx(XIEI_ROR, 4, a, 45), r13, 0, 0, 0, 0);
        }
        report(&t);
    }
}

static void test_adx_crc(void)
{
    struct tally ta = {"adcx/adox", 0, 0, 0, 0}, tc = {"crc32", 0, 0, 0, 0};
    unsigned i;

    for (i = 0; i < 4000; i++) {
        uint64_t a = val(i % 64), b = val(i / 64 + 1), f0 = in_flags();
        uint64_t fx = f0, fh = f0, rh = a, rx;
        rx = xiei_adcx(0, 8, a, b, &fx);
        __asm__ volatile("push %[f]\n\tpopfq\n\tadcxq %q[b], %q[a]\n\tpushfq\n\tpop %[f]"
                         : [a] "+r"(rh), [f] "+r"(fh)
                         : [b] "r"(b)
                         : "cc");
        check(&ta, 8, a, b, rx, rh, f0, fx, fh, 0);
        fx = fh = f0;
        rh = a;
        rx = xiei_adcx(1, 4, a, b, &fx);
        __asm__ volatile("push %[f]\n\tpopfq\n\tadoxl %k[b], %k[a]\n\tpushfq\n\tpop %[f]"
                         : [a] "+r"(rh), [f] "+r"(fh)
                         : [b] "r"(b)
                         : "cc");
        check(&ta, 4, a, b, rx, rh, f0, fx, fh, 0);
    }
    report(&ta);
    for (i = 0; i < 4000; i++) {
        uint64_t c = rnd() & 0xffffffff, d = rnd(), h1 = c, h2 = c, h4 = c, h8 = c;
        __asm__("crc32b %b1, %k0" : "+r"(h1) : "q"(d));
        __asm__("crc32w %w1, %k0" : "+r"(h2) : "r"(d));
        __asm__("crc32l %k1, %k0" : "+r"(h4) : "r"(d));
        __asm__("crc32q %q1, %q0" : "+r"(h8) : "r"(d));
        check(&tc, 4, c, d, xiei_crc32((uint32_t)c, d, 1), h1, 0, 0, 0, 0);
        check(&tc, 4, c, d, xiei_crc32((uint32_t)c, d, 2), h2, 0, 0, 0, 0);
        check(&tc, 4, c, d, xiei_crc32((uint32_t)c, d, 4), h4, 0, 0, 0, 0);
        check(&tc, 4, c, d, xiei_crc32((uint32_t)c, d, 8), h8, 0, 0, 0, 0);
    }
    report(&tc);
}

void test_bits(void)
{
    test_bt_scan();
    test_bswap();
    test_bmi();
    test_adx_crc();
}

/* SETcc for every condition under every combination of the five tested flags. */
void test_cond(void)
{
    struct tally t = {"cond", 0, 0, 0, 0};
    unsigned cc, combo;

    for (combo = 0; combo < 32; combo++) {
        uint64_t f = 0x202 | ((combo & 1) ? XIEI_F_CF : 0) | ((combo & 2) ? XIEI_F_ZF : 0) |
                     ((combo & 4) ? XIEI_F_SF : 0) | ((combo & 8) ? XIEI_F_OF : 0) |
                     ((combo & 16) ? XIEI_F_PF : 0);
        uint8_t r[16];
        __asm__ volatile("push %[f]\n\tpopfq\n\t"
                         "seto 0(%[r])\n\tsetno 1(%[r])\n\tsetb 2(%[r])\n\tsetae 3(%[r])\n\t"
                         "sete 4(%[r])\n\tsetne 5(%[r])\n\tsetbe 6(%[r])\n\tseta 7(%[r])\n\t"
                         "sets 8(%[r])\n\tsetns 9(%[r])\n\tsetp 10(%[r])\n\tsetnp 11(%[r])\n\t"
                         "setl 12(%[r])\n\tsetge 13(%[r])\n\tsetle 14(%[r])\n\tsetg 15(%[r])"
                         :
                         : [f] "r"(f), [r] "r"(r)
                         : "cc", "memory");
        for (cc = 0; cc < 16; cc++)
            check(&t, 1, f, cc, (uint64_t)xiei_cond(cc, f), r[cc], 0, 0, 0, 0);
    }
    report(&t);
}
