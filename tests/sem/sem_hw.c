/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The pure semantics (src/emu/sem_*.c) against this CPU: every operation, every
 * operand size, edge values and random values, executed natively with the same
 * inputs and input flags. Results and all six arithmetic flags must match; the
 * flags the SDM leaves undefined are compared too (xie reproduces this CPU
 * family), but reported in a separate column so a vendor difference is visible
 * as such. Exit status: non-zero on any mismatch of a defined result or flag.
 * Hosted, x86-64 only; built with -mno-red-zone because the asm pushes.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sem_hw.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;
uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Interesting operand values: edges of every size, then random ones. */
uint64_t val(unsigned i)
{
    static const uint64_t edge[] = {0,
                                    1,
                                    2,
                                    0x7f,
                                    0x80,
                                    0xff,
                                    0x7fff,
                                    0x8000,
                                    0xffff,
                                    0x7fffffff,
                                    0x80000000,
                                    0xffffffff,
                                    0x7fffffffffffffffull,
                                    0x8000000000000000ull,
                                    0xffffffffffffffffull,
                                    0x0f,
                                    0x10,
                                    0x99,
                                    0x9a};
    unsigned n = sizeof(edge) / sizeof(edge[0]);
    uint64_t r;

    if (i < n) return edge[i];
    r = rnd();
    switch (rnd() & 3) {
    case 0: return r & 0xff;
    case 1: return r & 0xffff;
    case 2: return r & 0x3f;
    default: return r;
    }
}

uint64_t in_flags(void)
{
    return 0x202 | (rnd() & (AFL | XIEI_F_DF));
}

int failed;

void check(struct tally *t, unsigned size, uint64_t a, uint64_t b, uint64_t res_x, uint64_t res_h,
           uint64_t fl_in, uint64_t fl_x, uint64_t fl_h, uint64_t undef)
{
    uint64_t m = size >= 8 ? ~0ull : ((1ull << (size * 8)) - 1);
    uint64_t d = (fl_x ^ fl_h) & (AFL | XIEI_F_DF);

    t->n++;
    if ((res_x & m) != (res_h & m) || (d & ~undef)) {
        if (t->bad_res + t->bad_def < 5)
            printf("  %s size %u a=%#llx b=%#llx fl=%#llx: xie %#llx/%#llx cpu %#llx/%#llx\n",
                   t->name, size, (unsigned long long)a, (unsigned long long)b,
                   (unsigned long long)fl_in, (unsigned long long)(res_x & m),
                   (unsigned long long)fl_x, (unsigned long long)(res_h & m),
                   (unsigned long long)fl_h);
        if ((res_x & m) != (res_h & m))
            t->bad_res++;
        else
            t->bad_def++;
        failed = 1;
    } else if (d) {
        if (getenv("SEM_SHOW_UNDEF") &&
            t->bad_undef < (unsigned long)atoi(getenv("SEM_SHOW_UNDEF")))
            printf(
                "  undef %s size %u a=%#llx b=%#llx fl=%#llx: xie %#llx cpu %#llx (diff %#llx)\n",
                t->name, size, (unsigned long long)a, (unsigned long long)b,
                (unsigned long long)fl_in, (unsigned long long)fl_x, (unsigned long long)fl_h,
                (unsigned long long)d);
        t->bad_undef++;
    }
}

void report(const struct tally *t)
{
    printf("%-10s %8lu cases  %lu result, %lu defined-flag, %lu undefined-flag differences\n",
           t->name, t->n, t->bad_res, t->bad_def, t->bad_undef);
}

/* Run "insn" on (a, b) with flags f at every size; suffix b/w/l/q. */
#define HW2(fn, insn)                                                                              \
    static uint64_t fn(unsigned size, uint64_t a, uint64_t b, uint64_t *fl)                        \
    {                                                                                              \
        uint64_t f = *fl;                                                                          \
        switch (size) {                                                                            \
        case 1:                                                                                    \
            __asm__ volatile("push %[f]\n\tpopfq\n\t" insn "b %b[b], %b[a]\n\tpushfq\n\tpop %[f]"  \
                             : [a] "+q"(a), [f] "+r"(f)                                            \
                             : [b] "q"(b)                                                          \
                             : "cc");                                                              \
            break;                                                                                 \
        case 2:                                                                                    \
            __asm__ volatile("push %[f]\n\tpopfq\n\t" insn "w %w[b], %w[a]\n\tpushfq\n\tpop %[f]"  \
                             : [a] "+r"(a), [f] "+r"(f)                                            \
                             : [b] "r"(b)                                                          \
                             : "cc");                                                              \
            break;                                                                                 \
        case 4:                                                                                    \
            __asm__ volatile("push %[f]\n\tpopfq\n\t" insn "l %k[b], %k[a]\n\tpushfq\n\tpop %[f]"  \
                             : [a] "+r"(a), [f] "+r"(f)                                            \
                             : [b] "r"(b)                                                          \
                             : "cc");                                                              \
            break;                                                                                 \
        default:                                                                                   \
            __asm__ volatile("push %[f]\n\tpopfq\n\t" insn "q %q[b], %q[a]\n\tpushfq\n\tpop %[f]"  \
                             : [a] "+r"(a), [f] "+r"(f)                                            \
                             : [b] "r"(b)                                                          \
                             : "cc");                                                              \
            break;                                                                                 \
        }                                                                                          \
        *fl = f;                                                                                   \
        return a;                                                                                  \
    }

HW2(hw_add, "add")
HW2(hw_or, "or")
HW2(hw_adc, "adc")
HW2(hw_sbb, "sbb")
HW2(hw_and, "and")
HW2(hw_sub, "sub")
HW2(hw_xor, "xor")
HW2(hw_cmp, "cmp")
HW2(hw_test, "test")

/* Unary and shift-by-CL forms: "insn" applied to a, count in CL. */
#define HW1(fn, insn, pre)                                                                         \
    static uint64_t fn(unsigned size, uint64_t a, uint64_t c, uint64_t *fl)                        \
    {                                                                                              \
        uint64_t f = *fl;                                                                          \
        switch (size) {                                                                            \
        case 1:                                                                                    \
            __asm__ volatile("push %[f]\n\tpopfq\n\t" insn "b " pre "%b[a]\n\tpushfq\n\tpop %[f]"  \
                             : [a] "+q"(a), [f] "+r"(f)                                            \
                             : "c"(c)                                                              \
                             : "cc");                                                              \
            break;                                                                                 \
        case 2:                                                                                    \
            __asm__ volatile("push %[f]\n\tpopfq\n\t" insn "w " pre "%w[a]\n\tpushfq\n\tpop %[f]"  \
                             : [a] "+r"(a), [f] "+r"(f)                                            \
                             : "c"(c)                                                              \
                             : "cc");                                                              \
            break;                                                                                 \
        case 4:                                                                                    \
            __asm__ volatile("push %[f]\n\tpopfq\n\t" insn "l " pre "%k[a]\n\tpushfq\n\tpop %[f]"  \
                             : [a] "+r"(a), [f] "+r"(f)                                            \
                             : "c"(c)                                                              \
                             : "cc");                                                              \
            break;                                                                                 \
        default:                                                                                   \
            __asm__ volatile("push %[f]\n\tpopfq\n\t" insn "q " pre "%q[a]\n\tpushfq\n\tpop %[f]"  \
                             : [a] "+r"(a), [f] "+r"(f)                                            \
                             : "c"(c)                                                              \
                             : "cc");                                                              \
            break;                                                                                 \
        }                                                                                          \
        *fl = f;                                                                                   \
        return a;                                                                                  \
    }

HW1(hw_inc, "inc", "")
HW1(hw_dec, "dec", "")
HW1(hw_neg, "neg", "")
HW1(hw_not, "not", "")
HW1(hw_rol, "rol", "%%cl, ")
HW1(hw_ror, "ror", "%%cl, ")
HW1(hw_rcl, "rcl", "%%cl, ")
HW1(hw_rcr, "rcr", "%%cl, ")
HW1(hw_shl, "shl", "%%cl, ")
HW1(hw_shr, "shr", "%%cl, ")
HW1(hw_sar, "sar", "%%cl, ")

typedef uint64_t (*hwfn)(unsigned, uint64_t, uint64_t, uint64_t *);

const unsigned sizes[4] = {1, 2, 4, 8};

static void test_alu(void)
{
    static const hwfn hw[8] = {hw_add, hw_or, hw_adc, hw_sbb, hw_and, hw_sub, hw_xor, hw_cmp};
    static const char *const names[8] = {"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"};
    unsigned op, s, i;

    for (op = 0; op < 8; op++) {
        struct tally t = {names[op], 0, 0, 0, 0};
        for (s = 0; s < 4; s++)
            for (i = 0; i < 4000; i++) {
                uint64_t a = val(i % 64), b = val(i / 64 + (i & 7)), f0 = in_flags();
                uint64_t fx = f0, fh = f0;
                uint64_t rx = xiei_alu(op, sizes[s], a, b, &fx);
                uint64_t rh = hw[op](sizes[s], a, b, &fh);
                if (op == 7) rh = rx; /* CMP writes nothing: compare flags only */
                /* AF is undefined after the logical operations (SDM AND/OR/XOR). */
                check(&t, sizes[s], a, b, rx, rh, f0, fx, fh,
                      (op == 1 || op == 4 || op == 6) ? XIEI_F_AF : 0);
            }
        report(&t);
    }
    {
        struct tally t = {"test", 0, 0, 0, 0};
        for (s = 0; s < 4; s++)
            for (i = 0; i < 4000; i++) {
                uint64_t a = val(i % 64), b = val(i / 64), f0 = in_flags(), fx = f0, fh = f0;
                xiei_test(sizes[s], a, b, &fx);
                hw_test(sizes[s], a, b, &fh);
                check(&t, sizes[s], a, b, 0, 0, f0, fx, fh, XIEI_F_AF);
            }
        report(&t);
    }
}

static void test_unary_shift(void)
{
    static const hwfn un[4] = {hw_inc, hw_dec, hw_neg, hw_not};
    static const char *const unames[4] = {"inc", "dec", "neg", "not"};
    static const hwfn sh[8] = {hw_rol, hw_ror, hw_rcl, hw_rcr, hw_shl, hw_shr, hw_shl, hw_sar};
    static const char *const snames[8] = {"rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar"};
    unsigned op, s, i;

    for (op = 0; op < 4; op++) {
        struct tally t = {unames[op], 0, 0, 0, 0};
        for (s = 0; s < 4; s++)
            for (i = 0; i < 2000; i++) {
                uint64_t a = val(i), f0 = in_flags(), fx = f0, fh = f0;
                uint64_t rx = xiei_unary(op, sizes[s], a, &fx);
                uint64_t rh = un[op](sizes[s], a, 0, &fh);
                check(&t, sizes[s], a, 0, rx, rh, f0, fx, fh, 0);
            }
        report(&t);
    }
    for (op = 0; op < 8; op++) {
        struct tally t = {snames[op], 0, 0, 0, 0};
        for (s = 0; s < 4; s++)
            for (i = 0; i < 8000; i++) {
                uint64_t a = val(i / 64), c = i % 64, f0 = in_flags(), fx = f0, fh = f0;
                uint64_t rx = xiei_shift(op, sizes[s], a, c, &fx);
                uint64_t rh = sh[op](sizes[s], a, c, &fh);
                unsigned mc = (unsigned)(c & (sizes[s] == 8 ? 63 : 31));
                /* SDM: OF is defined only for 1-bit shifts/rotates; AF is undefined
                 * after shifts; CF is undefined for SHL/SHR counts >= the width. */
                uint64_t undef = (mc != 1 ? XIEI_F_OF : 0) | (op >= 4 ? XIEI_F_AF : 0);
                if (op >= 4 && op != 7 && mc >= sizes[s] * 8) undef |= XIEI_F_CF;
                check(&t, sizes[s], a, c, rx, rh, f0, fx, fh, undef);
            }
        report(&t);
    }
}

static uint64_t hw_shld(unsigned size, uint64_t a, uint64_t b, uint64_t c, uint64_t *fl, int right)
{
    uint64_t f = *fl;

    if (size == 2) {
        if (right)
            __asm__ volatile("push %[f]\n\tpopfq\n\tshrdw %%cl, %w[b], %w[a]\n\tpushfq\n\tpop %[f]"
                             : [a] "+r"(a), [f] "+r"(f)
                             : [b] "r"(b), "c"(c)
                             : "cc");
        else
            __asm__ volatile("push %[f]\n\tpopfq\n\tshldw %%cl, %w[b], %w[a]\n\tpushfq\n\tpop %[f]"
                             : [a] "+r"(a), [f] "+r"(f)
                             : [b] "r"(b), "c"(c)
                             : "cc");
    } else if (size == 4) {
        if (right)
            __asm__ volatile("push %[f]\n\tpopfq\n\tshrdl %%cl, %k[b], %k[a]\n\tpushfq\n\tpop %[f]"
                             : [a] "+r"(a), [f] "+r"(f)
                             : [b] "r"(b), "c"(c)
                             : "cc");
        else
            __asm__ volatile("push %[f]\n\tpopfq\n\tshldl %%cl, %k[b], %k[a]\n\tpushfq\n\tpop %[f]"
                             : [a] "+r"(a), [f] "+r"(f)
                             : [b] "r"(b), "c"(c)
                             : "cc");
    } else {
        if (right)
            __asm__ volatile("push %[f]\n\tpopfq\n\tshrdq %%cl, %q[b], %q[a]\n\tpushfq\n\tpop %[f]"
                             : [a] "+r"(a), [f] "+r"(f)
                             : [b] "r"(b), "c"(c)
                             : "cc");
        else
            __asm__ volatile("push %[f]\n\tpopfq\n\tshldq %%cl, %q[b], %q[a]\n\tpushfq\n\tpop %[f]"
                             : [a] "+r"(a), [f] "+r"(f)
                             : [b] "r"(b), "c"(c)
                             : "cc");
    }
    *fl = f;
    return a;
}

static void test_shxd(void)
{
    int right;
    unsigned s, i;

    for (right = 0; right < 2; right++) {
        struct tally t = {right ? "shrd" : "shld", 0, 0, 0, 0};
        for (s = 1; s < 4; s++)
            for (i = 0; i < 8000; i++) {
                uint64_t a = val(i / 64), b = rnd(), c = i % 64, f0 = in_flags(), fx = f0, fh = f0;
                unsigned mc = (unsigned)(c & (sizes[s] == 8 ? 63 : 31));
                uint64_t rx = xiei_shxd(right, sizes[s], a, b, c, &fx);
                uint64_t rh = hw_shld(sizes[s], a, b, c, &fh, right);
                /* SDM: OF defined for 1-bit shifts only, AF undefined; result and
                 * flags undefined when the count exceeds the operand size. */
                uint64_t undef = (mc != 1 ? XIEI_F_OF : 0) | XIEI_F_AF;
                if (mc > sizes[s] * 8) {
                    t.n++;
                    if (((rx ^ rh) & 0xffff) || ((fx ^ fh) & AFL)) t.bad_undef++;
                    continue;
                }
                check(&t, sizes[s], a, c, rx, rh, f0, fx, fh, undef);
            }
        report(&t);
    }
}

static sigjmp_buf de_jmp;
static void on_fpe(int sig)
{
    (void)sig;
    siglongjmp(de_jmp, 1);
}

/* Native MUL/IMUL/DIV/IDIV r/m with rAX/rDX; returns 1 on #DE (SIGFPE). */
static int hw_muldiv(unsigned op, unsigned size, uint64_t *lo, uint64_t *hi, uint64_t src,
                     uint64_t *fl)
{
    volatile uint64_t a = *lo, d = *hi, f = *fl;

    if (sigsetjmp(de_jmp, 1)) return 1;
#define MD(insn)                                                                                   \
    do {                                                                                           \
        uint64_t ta = a, td = d, tf = f;                                                           \
        switch (size) {                                                                            \
        case 1:                                                                                    \
            __asm__ volatile("push %[f]\n\tpopfq\n\t" insn "b %b[s]\n\tpushfq\n\tpop %[f]"         \
                             : "+a"(ta), "+d"(td), [f] "+r"(tf)                                    \
                             : [s] "q"(src)                                                        \
                             : "cc");                                                              \
            break;                                                                                 \
        case 2:                                                                                    \
            __asm__ volatile("push %[f]\n\tpopfq\n\t" insn "w %w[s]\n\tpushfq\n\tpop %[f]"         \
                             : "+a"(ta), "+d"(td), [f] "+r"(tf)                                    \
                             : [s] "r"(src)                                                        \
                             : "cc");                                                              \
            break;                                                                                 \
        case 4:                                                                                    \
            __asm__ volatile("push %[f]\n\tpopfq\n\t" insn "l %k[s]\n\tpushfq\n\tpop %[f]"         \
                             : "+a"(ta), "+d"(td), [f] "+r"(tf)                                    \
                             : [s] "r"(src)                                                        \
                             : "cc");                                                              \
            break;                                                                                 \
        default:                                                                                   \
            __asm__ volatile("push %[f]\n\tpopfq\n\t" insn "q %q[s]\n\tpushfq\n\tpop %[f]"         \
                             : "+a"(ta), "+d"(td), [f] "+r"(tf)                                    \
                             : [s] "r"(src)                                                        \
                             : "cc");                                                              \
            break;                                                                                 \
        }                                                                                          \
        a = ta;                                                                                    \
        d = td;                                                                                    \
        f = tf;                                                                                    \
    } while (0)
    switch (op) {
    case XIEI_MUL: MD("mul"); break;
    case XIEI_IMUL1: MD("imul"); break;
    case XIEI_DIV: MD("div"); break;
    default: MD("idiv"); break;
    }
#undef MD
    *lo = a;
    *hi = d;
    *fl = f;
    return 0;
}

static void test_muldiv(void)
{
    static const char *const names[4] = {"mul", "imul", "div", "idiv"};
    unsigned op, s, i;

    signal(SIGFPE, on_fpe);
    for (op = 4; op < 8; op++) {
        struct tally t = {names[op - 4], 0, 0, 0, 0};
        for (s = 0; s < 4; s++)
            for (i = 0; i < 6000; i++) {
                unsigned sz = sizes[s];
                uint64_t m = sz == 8 ? ~0ull : (1ull << (sz * 8)) - 1;
                uint64_t lo = val(i % 40), hi = (i & 1) ? val(i / 40) : 0, src = val(i / 7 + 1);
                uint64_t f0 = in_flags(), fx = f0, fh = f0;
                uint64_t xl = lo, xh = hi, hl = lo, hh = hi;
                int dx, dh;
                if (op >= 6 && (i & 2)) hi = 0, xh = 0, hh = 0, lo &= m; /* in-range dividends */
                if (op >= 6 && (i & 4) && (src & m))
                    xh = hh = (((src >> (sz * 8 - 1)) & 1) ? ~0ull : 0); /* negative dividends */
                dx = xiei_muldiv(op, sz, &xl, &xh, src, &fx);
                dh = hw_muldiv(op, sz, &hl, &hh, src, &fh);
                t.n++;
                if (dx != dh) {
                    if (t.bad_res < 5)
                        printf("  %s size %u ax=%#llx dx=%#llx src=%#llx: #DE xie %d cpu %d\n",
                               t.name, sz, (unsigned long long)lo, (unsigned long long)hi,
                               (unsigned long long)src, dx, dh);
                    t.bad_res++;
                    failed = 1;
                    continue;
                }
                if (dx) continue;
                t.n--;
                /* Byte forms keep the result in AX; wider ones in rAX and rDX. The
                 * SDM leaves SF ZF AF PF undefined after MUL/IMUL and every flag
                 * undefined after DIV/IDIV. */
                check(&t, sz == 1 ? 2 : sz, lo, src, xl, hl, f0, fx, fh,
                      op >= 6 ? AFL : (XIEI_F_SF | XIEI_F_ZF | XIEI_F_AF | XIEI_F_PF));
                if (sz > 1 && ((xh ^ hh) & m)) {
                    t.bad_res++;
                    failed = 1;
                }
            }
        report(&t);
    }
    {
        struct tally t = {"imul2", 0, 0, 0, 0};
        for (s = 1; s < 4; s++)
            for (i = 0; i < 4000; i++) {
                uint64_t a = val(i % 60), b = val(i / 60 + 3), f0 = in_flags(), fx = f0, fh = f0;
                uint64_t rx = xiei_imul2(sizes[s], a, b, &fx), rh = a;
                if (sizes[s] == 2)
                    __asm__ volatile(
                        "push %[f]\n\tpopfq\n\timulw %w[b], %w[a]\n\tpushfq\n\tpop %[f]"
                        : [a] "+r"(rh), [f] "+r"(fh)
                        : [b] "r"(b)
                        : "cc");
                else if (sizes[s] == 4)
                    __asm__ volatile(
                        "push %[f]\n\tpopfq\n\timull %k[b], %k[a]\n\tpushfq\n\tpop %[f]"
                        : [a] "+r"(rh), [f] "+r"(fh)
                        : [b] "r"(b)
                        : "cc");
                else
                    __asm__ volatile(
                        "push %[f]\n\tpopfq\n\timulq %q[b], %q[a]\n\tpushfq\n\tpop %[f]"
                        : [a] "+r"(rh), [f] "+r"(fh)
                        : [b] "r"(b)
                        : "cc");
                check(&t, sizes[s], a, b, rx, rh, f0, fx, fh,
                      XIEI_F_SF | XIEI_F_ZF | XIEI_F_AF | XIEI_F_PF);
            }
        report(&t);
    }
}

int main(void)
{
    test_alu();
    test_unary_shift();
    test_shxd();
    test_muldiv();
    test_bits();
    test_cond();
    printf("sem_hw: %s\n", failed ? "FAILED" : "all defined results and flags match this CPU");
    return failed;
}
