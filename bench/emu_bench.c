/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Emulation benchmark (not a test): a hypervisor-style loop that, per emulated
 * instruction, copies the guest state into the emulator, emulates one
 * instruction against array-backed memory callbacks, and copies the state back:
 *   mov eax,[rbx+0x10]   mov [rdi],esi        xchg [rbx],eax
 *   lock xchg [rbx],eax  lock add dword [rbx],1   movzx eax,word [rbx]
 *   rep movsd (ecx = 16)
 * with xie (64-bit mode, instruction fetched through the fetch callback; "xie"
 * keeps its per-vCPU context, so the decoded-instruction cache hits, "xiecold"
 * clears that cache before every exit), and
 * in the same run libx86emu (32-bit protected-mode forms, memio handler on the
 * same kind of array) and Unicorn 2 (64-bit, memory mapped onto the arrays),
 * printing ns per emulated instruction and the ratios to xie. Each emulator's
 * result is checked after its loop (expected values from the SDM semantics of
 * the instruction).
 *
 * Usage: emu_bench [--iters N] [--only xie|x86emu|unicorn] [--insn K]
 * bench/emu_run.sh runs it under callgrind with --toggle-collect on the
 * bench_loop_<emulator> functions (the setup is not counted) and prints Ir per
 * emulated instruction.
 */
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xie/emu.h"

#ifdef XIE_BENCH_X86EMU
#include <x86emu.h>
#endif
#ifdef XIE_BENCH_UNICORN
#include <unicorn/unicorn.h>
#endif

#define CODE_ADDR 0x10000u
#define DATA_ADDR 0x11000u
#define SRC_ADDR  0x12000u
#define MEM_SIZE  0x4000u /* code page .. data pages */
/* Each measurement runs in REPS chunks and keeps the fastest (other load on
 * the machine only ever adds time). */
#define REPS 5

struct insn {
    const char *name;
    uint8_t b64[8], b32[8]; /* 64-bit encoding (xie, Unicorn), 32-bit (libx86emu) */
    unsigned len64, len32;
};

static const struct insn g_insns[] = {
    {"mov eax,[rbx+0x10]", {0x8b, 0x43, 0x10}, {0x8b, 0x43, 0x10}, 3, 3},
    {"mov [rdi],esi", {0x89, 0x37}, {0x89, 0x37}, 2, 2},
    {"xchg [rbx],eax", {0x87, 0x03}, {0x87, 0x03}, 2, 2},
    {"lock xchg [rbx],eax", {0xf0, 0x87, 0x03}, {0xf0, 0x87, 0x03}, 3, 3},
    {"lock add dword [rbx],1", {0xf0, 0x83, 0x03, 0x01}, {0xf0, 0x83, 0x03, 0x01}, 4, 4},
    {"movzx eax,word [rbx]", {0x0f, 0xb7, 0x03}, {0x0f, 0xb7, 0x03}, 3, 3},
    {"rep movsd (ecx=16)", {0xf3, 0xa5}, {0xf3, 0xa5}, 2, 2},
};
#define NINSN (sizeof g_insns / sizeof g_insns[0])

/* The hypervisor's copy of the guest state (what a VM exit leaves it). */
struct vcpu {
    uint64_t gpr[16];
    uint64_t rip, rflags;
};

static uint8_t g_mem[MEM_SIZE]; /* guest memory from CODE_ADDR */

static void vcpu_reset(struct vcpu *v)
{
    memset(v, 0, sizeof *v);
    v->gpr[3] = DATA_ADDR;        /* rbx */
    v->gpr[6] = 0x11223344;       /* rsi */
    v->gpr[7] = DATA_ADDR + 0x40; /* rdi */
    v->gpr[0] = 0x55667788;       /* rax */
    v->rip = CODE_ADDR;
    v->rflags = 0x202;
}

/* Per-iteration reset of what the instruction changes (so every iteration
 * does the same work): the pointers and count of rep movsd. */
static void vcpu_again(struct vcpu *v, unsigned k)
{
    v->rip = CODE_ADDR;
    if (k == 6) {
        v->gpr[1] = 16;
        v->gpr[6] = SRC_ADDR;
        v->gpr[7] = DATA_ADDR + 0x100;
    }
}

static void mem_reset(const struct insn *in, unsigned len)
{
    unsigned i;
    memset(g_mem, 0, sizeof g_mem);
    memcpy(g_mem, in->b64, len);
    for (i = 0; i < 0x1000; i++) {
        g_mem[DATA_ADDR - CODE_ADDR + i] = (uint8_t)(i * 7 + 1);
        g_mem[SRC_ADDR - CODE_ADDR + i] = (uint8_t)(i * 13 + 5);
    }
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Result check: the values each instruction leaves, from its SDM definition. */
static uint32_t rd32(uint32_t a)
{
    uint32_t v;
    memcpy(&v, g_mem + (a - CODE_ADDR), 4);
    return v;
}

static const char *check(unsigned k, const struct vcpu *v, long iters)
{
    /* DATA_ADDR + i holds i * 7 + 1: the dword at DATA_ADDR is 0x160f0801. */
    switch (k) {
    case 0:
        return (uint32_t)v->gpr[0] == (uint32_t)(0x71 | 0x78 << 8 | 0x7f << 16 | 0x86u << 24)
                   ? "ok"
                   : "WRONG";
    case 1: return rd32(DATA_ADDR + 0x40) == 0x11223344u ? "ok" : "WRONG";
    case 2:
    case 3: /* even number of swaps restores both; odd swaps them */
        return (iters & 1) ? (rd32(DATA_ADDR) == 0x55667788u ? "ok" : "WRONG")
                           : ((uint32_t)v->gpr[0] == 0x55667788u ? "ok" : "WRONG");
    case 4: return rd32(DATA_ADDR) == 0x160f0801u + (uint32_t)iters ? "ok" : "WRONG";
    case 5: return (uint32_t)v->gpr[0] == 0x0801u ? "ok" : "WRONG";
    default:
        return (!memcmp(g_mem + (DATA_ADDR + 0x100 - CODE_ADDR), g_mem + (SRC_ADDR - CODE_ADDR),
                        64) &&
                v->gpr[1] == 0)
                   ? "ok"
                   : "WRONG";
    }
}

/* ---- xie ---- */
static uint8_t *xmem(uint64_t a, unsigned n)
{
    return a >= CODE_ADDR && a + n <= CODE_ADDR + MEM_SIZE ? g_mem + (a - CODE_ADDR) : NULL;
}
static int x_read(void *u, uint64_t a, void *buf, unsigned n)
{
    uint8_t *p = xmem(a, n);
    (void)u;
    if (!p) return XIE_CB_FAIL;
    memcpy(buf, p, n);
    return XIE_CB_OK;
}
static int x_write(void *u, uint64_t a, const void *buf, unsigned n)
{
    uint8_t *p = xmem(a, n);
    (void)u;
    if (!p) return XIE_CB_FAIL;
    memcpy(p, buf, n);
    return XIE_CB_OK;
}
static int x_cmpxchg(void *u, uint64_t a, void *exp, const void *des, unsigned n)
{
    uint8_t *p = xmem(a, n);
    (void)u;
    if (!p) return XIE_CB_FAIL;
    if (memcmp(p, exp, n)) {
        memcpy(exp, p, n);
        return XIE_CB_CHANGED;
    }
    memcpy(p, des, n);
    return XIE_CB_OK;
}
static const struct xie_ops g_xops = {
    .fetch = x_read, .read = x_read, .write = x_write, .cmpxchg = x_cmpxchg};

/* One VM exit: state in, emulate, state out. cold: forget the context's
 * decoded-instruction cache first (a host that keeps no per-vCPU context, or
 * an instruction different from the last one). */
static inline long xie_exit(unsigned k, struct vcpu *v, struct xie_ctx *c, int cold)
{
    struct xie_result res;
    uint64_t d;
    long bad = 0;
    vcpu_again(v, k);
    if (cold) c->dcache.valid = 0;
    /* State in: what the VM exit gave us. */
    memcpy(c->gpr, v->gpr, sizeof c->gpr);
    c->rip = v->rip;
    c->rflags = v->rflags;
    c->dirty = 0;
    if (xie_emulate(c, NULL, 0, &res) != XIE_OK) bad = 1;
    /* State out: only the registers xie says changed. */
    for (d = c->dirty & XIE_STATE_GPRS; d; d &= d - 1) {
        unsigned r = (unsigned)__builtin_ctzll(d);
        v->gpr[r] = c->gpr[r];
    }
    v->rip = c->rip;
    if (c->dirty & XIE_STATE_RFLAGS) v->rflags = c->rflags;
    return bad;
}

static __attribute__((noinline)) long bench_loop_xie(unsigned k, long iters, struct vcpu *v,
                                                     struct xie_ctx *c)
{
    long i, bad = 0;
    for (i = 0; i < iters; i++)
        bad += xie_exit(k, v, c, 0);
    return bad;
}

static __attribute__((noinline)) long bench_loop_xiecold(unsigned k, long iters, struct vcpu *v,
                                                         struct xie_ctx *c)
{
    long i, bad = 0;
    for (i = 0; i < iters; i++)
        bad += xie_exit(k, v, c, 1);
    return bad;
}

static double run_xie(unsigned k, long iters, int cold, const char **ok)
{
    struct vcpu v;
    struct xie_ctx c;
    double t, best;
    long bad;
    int r;
    mem_reset(&g_insns[k], g_insns[k].len64);
    vcpu_reset(&v);
    xie_ctx_init(&c, XIE_INIT_LONG64, &g_xops, NULL);
    c.rep_limit = 64;
    for (r = 0, bad = 0, best = 1e300; r < REPS; r++) {
        t = now_ns();
        bad += cold ? bench_loop_xiecold(k, iters / REPS, &v, &c)
                    : bench_loop_xie(k, iters / REPS, &v, &c);
        t = now_ns() - t;
        best = t < best ? t : best;
    }
    *ok = bad ? "FAILED" : check(k, &v, iters / REPS * REPS);
    return best / (double)(iters / REPS);
}

/* ---- libx86emu (32-bit protected mode) ---- */
#ifdef XIE_BENCH_X86EMU
static unsigned e_memio(x86emu_t *emu, u32 addr, u32 *val, unsigned type)
{
    unsigned size = 1u << (type & 3), i;
    uint8_t *p;
    (void)emu;
    if ((type & 3) == X86EMU_MEMIO_8_NOPERM) size = 1;
    p = xmem(addr, size);
    if (!p) return 1;
    switch (type & ~0xffu) {
    case X86EMU_MEMIO_R:
    case X86EMU_MEMIO_X:
        *val = 0;
        for (i = 0; i < size; i++)
            *val |= (u32)p[i] << (8 * i);
        return 0;
    case X86EMU_MEMIO_W:
        for (i = 0; i < size; i++)
            p[i] = (uint8_t)(*val >> (8 * i));
        return 0;
    default: *val = 0xffffffffu; return 0;
    }
}

static void e_flat32(sel_t *s, unsigned sel, unsigned code)
{
    s->sel = (u16)sel;
    s->base = 0;
    s->limit = 0xffffffffu;
    /* present, DPL 0, S, type (code: execute/read; data: read/write), D, G */
    s->acc = (u16)(0x80 | 0x10 | (code ? 0xa : 0x2) | 0x400 | 0x800);
}

static __attribute__((noinline)) long bench_loop_x86emu(unsigned k, long iters, struct vcpu *v,
                                                        x86emu_t *e)
{
    long i, bad = 0;
    for (i = 0; i < iters; i++) {
        vcpu_again(v, k);
        e->x86.R_EAX = (u32)v->gpr[0];
        e->x86.R_ECX = (u32)v->gpr[1];
        e->x86.R_EDX = (u32)v->gpr[2];
        e->x86.R_EBX = (u32)v->gpr[3];
        e->x86.R_ESP = (u32)v->gpr[4];
        e->x86.R_EBP = (u32)v->gpr[5];
        e->x86.R_ESI = (u32)v->gpr[6];
        e->x86.R_EDI = (u32)v->gpr[7];
        e->x86.R_EIP = (u32)v->rip;
        e->x86.R_EFLG = (u32)v->rflags;
        /* max_instr counts against the emulated TSC (instructions run). */
        e->max_instr = e->x86.R_TSC + 1;
        x86emu_run(e, X86EMU_RUN_MAX_INSTR);
        if (e->x86.R_EIP != (u32)v->rip + g_insns[k].len32) bad++;
        v->gpr[0] = e->x86.R_EAX;
        v->gpr[1] = e->x86.R_ECX;
        v->gpr[2] = e->x86.R_EDX;
        v->gpr[3] = e->x86.R_EBX;
        v->gpr[4] = e->x86.R_ESP;
        v->gpr[5] = e->x86.R_EBP;
        v->gpr[6] = e->x86.R_ESI;
        v->gpr[7] = e->x86.R_EDI;
        v->rip = e->x86.R_EIP;
        v->rflags = e->x86.R_EFLG;
    }
    return bad;
}

static double run_x86emu(unsigned k, long iters, const char **ok)
{
    struct vcpu v;
    x86emu_t *e = x86emu_new(X86EMU_PERM_RWX, X86EMU_PERM_RW);
    double t, best;
    long bad;
    int r;
    mem_reset(&g_insns[k], g_insns[k].len32);
    memcpy(g_mem, g_insns[k].b32, g_insns[k].len32);
    vcpu_reset(&v);
    x86emu_set_memio_handler(e, e_memio);
    e->x86.R_CR0 |= 1;
    e_flat32(&e->x86.seg[R_CS_INDEX], 0x08, 1);
    e_flat32(&e->x86.seg[R_DS_INDEX], 0x10, 0);
    e_flat32(&e->x86.seg[R_ES_INDEX], 0x10, 0);
    e_flat32(&e->x86.seg[R_SS_INDEX], 0x10, 0);
    for (r = 0, bad = 0, best = 1e300; r < REPS; r++) {
        t = now_ns();
        bad += bench_loop_x86emu(k, iters / REPS, &v, e);
        t = now_ns() - t;
        best = t < best ? t : best;
    }
    *ok = bad ? "FAILED" : check(k, &v, iters / REPS * REPS);
    x86emu_done(e);
    return best / (double)(iters / REPS);
}
#endif

/* ---- Unicorn 2 (64-bit) ---- */
#ifdef XIE_BENCH_UNICORN
static const int g_ucregs[18] = {UC_X86_REG_RAX, UC_X86_REG_RCX,   UC_X86_REG_RDX, UC_X86_REG_RBX,
                                 UC_X86_REG_RSP, UC_X86_REG_RBP,   UC_X86_REG_RSI, UC_X86_REG_RDI,
                                 UC_X86_REG_R8,  UC_X86_REG_R9,    UC_X86_REG_R10, UC_X86_REG_R11,
                                 UC_X86_REG_R12, UC_X86_REG_R13,   UC_X86_REG_R14, UC_X86_REG_R15,
                                 UC_X86_REG_RIP, UC_X86_REG_EFLAGS};

static __attribute__((noinline)) long bench_loop_unicorn(unsigned k, long iters, struct vcpu *v,
                                                         uc_engine *uc)
{
    long i, bad = 0;
    void *ptrs[18];
    unsigned r;
    for (r = 0; r < 16; r++)
        ptrs[r] = &v->gpr[r];
    ptrs[16] = &v->rip;
    ptrs[17] = &v->rflags;
    for (i = 0; i < iters; i++) {
        vcpu_again(v, k);
        uc_reg_write_batch(uc, (int *)g_ucregs, ptrs, 18);
        if (uc_emu_start(uc, v->rip, v->rip + g_insns[k].len64, 0, 0) != UC_ERR_OK) bad++;
        uc_reg_read_batch(uc, (int *)g_ucregs, ptrs, 18);
    }
    return bad;
}

static double run_unicorn(unsigned k, long iters, const char **ok)
{
    struct vcpu v;
    uc_engine *uc;
    double t, best;
    long bad;
    int r;
    mem_reset(&g_insns[k], g_insns[k].len64);
    vcpu_reset(&v);
    if (uc_open(UC_ARCH_X86, UC_MODE_64, &uc) != UC_ERR_OK) {
        *ok = "uc_open failed";
        return 0;
    }
    uc_mem_map_ptr(uc, CODE_ADDR, MEM_SIZE, UC_PROT_ALL, g_mem);
    for (r = 0, bad = 0, best = 1e300; r < REPS; r++) {
        t = now_ns();
        bad += bench_loop_unicorn(k, iters / REPS, &v, uc);
        t = now_ns() - t;
        best = t < best ? t : best;
    }
    *ok = bad ? "FAILED" : check(k, &v, iters / REPS * REPS);
    uc_close(uc);
    return best / (double)(iters / REPS);
}
#endif

int main(int argc, char **argv)
{
    long iters = 200000;
    const char *only = NULL;
    int kk = -1, i;
    unsigned k;
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--iters") && i + 1 < argc)
            iters = atol(argv[++i]);
        else if (!strcmp(argv[i], "--only") && i + 1 < argc)
            only = argv[++i];
        else if (!strcmp(argv[i], "--insn") && i + 1 < argc)
            kk = atoi(argv[++i]);
        else {
            printf("usage: emu_bench [--iters N] [--only xie|xiecold|x86emu|unicorn] [--insn K]\n"
                   "  names: xie xiecold"
#ifdef XIE_BENCH_X86EMU
                   " x86emu"
#endif
#ifdef XIE_BENCH_UNICORN
                   " unicorn"
#endif
                   "\n  insns: %u\n",
                   (unsigned)NINSN);
            return !strcmp(argv[i], "--help") ? 0 : 2;
        }
    }
    printf("%-24s %12s %12s %12s %12s %9s %9s\n", "instruction", "xie ns", "xie cold ns",
           "x86emu ns", "unicorn ns", "x86emu/x", "unicorn/x");
    for (k = 0; k < NINSN; k++) {
        double tx = 0, tc = 0, te = 0, tu = 0;
        const char *okx = "-", *okc = "-", *oke = "-", *oku = "-";
        if (kk >= 0 && (unsigned)kk != k) continue;
        if (!only || !strcmp(only, "xie")) tx = run_xie(k, iters, 0, &okx);
        if (!only || !strcmp(only, "xiecold")) tc = run_xie(k, iters, 1, &okc);
#ifdef XIE_BENCH_X86EMU
        if (!only || !strcmp(only, "x86emu")) te = run_x86emu(k, iters, &oke);
#endif
#ifdef XIE_BENCH_UNICORN
        if (!only || !strcmp(only, "unicorn")) tu = run_unicorn(k, iters, &oku);
#endif
        printf("%-24s %8.1f %-3s %8.1f %-3s %8.1f %-3s %8.1f %-3s %8.2f %9.2f\n", g_insns[k].name,
               tx, okx, tc, okc, te, oke, tu, oku, tx > 0 ? te / tx : 0.0, tx > 0 ? tu / tx : 0.0);
    }
    printf("iterations per instruction and emulator: %ld\n", iters);
    return 0;
}
