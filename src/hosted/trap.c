/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * POSIX trap adapter: PROT_NONE regions whose accesses are emulated by xie from
 * the SIGSEGV handler (see include/xie/trap.h). Linux x86-64 only.
 *
 * Async-signal safety: the handler uses only the region table (published with
 * atomic stores, never locked), its own stack frame, the device callbacks,
 * memcpy, clock_gettime, sigaction and raise. Everything the emulator needs is
 * built per trap on the handler's stack.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "xie/host.h"
#include "xie/trap.h"

#if !defined(__x86_64__) || !defined(__linux__)
#error "the trap adapter supports Linux on x86-64"
#endif

#define MAX_REGIONS 64
#define PAGE        4096u

struct region {
    uintptr_t start; /* 0: free slot; published last (release), read with acquire */
    size_t len;
    const struct xie_trap_dev *dev;
    void *user;
    struct xie_trap_stats st;
};

/* Process-wide adapter state. Written by xie_trap_init / map / unmap (not from
 * signal context); read by the handler. */
static struct region regions[MAX_REGIONS];
static unsigned nregions; /* slots ever used: lookups scan only these */
static struct sigaction prev_segv;
static int installed;
/* Contexts for 64-bit and compatibility-mode code, prepared once by
 * xie_trap_init (with this CPU's model); each trap starts from a copy. */
static struct xie_ctx ctx64, ctx32;
static uint32_t rep_limit = 64;
static int have_fsgsbase;

/* glibc's ucontext register order, indexed by xie's GPR numbers (RAX..R15). */
static const int greg_of[16] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP,
                                REG_RSI, REG_RDI, REG_R8,  REG_R9,  REG_R10, REG_R11,
                                REG_R12, REG_R13, REG_R14, REG_R15};

static struct region *find_region(uintptr_t a)
{
    unsigned i, n = __atomic_load_n(&nregions, __ATOMIC_ACQUIRE);

    for (i = 0; i < n; i++) {
        uintptr_t s = __atomic_load_n(&regions[i].start, __ATOMIC_ACQUIRE);
        if (s && a - s < regions[i].len) return &regions[i];
    }
    return NULL;
}

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void count(uint64_t *c, uint64_t n)
{
    __atomic_fetch_add(c, n, __ATOMIC_RELAXED);
}

/* Handler times are wall-clock (a CPU-time clock is a system call, as costly as
 * the emulation): a handler run longer than this was preempted or interrupted
 * and is left out of handler_ns and emu_ns rather than skewing them. */
#define TIMED_MAX_NS 100000u

/* Account the times of one handler run: t0 entry, t1..t2 xie_emulate, now the
 * return. */
static void timed(struct region *r, uint64_t t0, uint64_t t1, uint64_t t2)
{
    uint64_t t3 = now_ns();

    if (t3 - t0 > TIMED_MAX_NS) return;
    count(&r->st.timed, 1);
    count(&r->st.handler_ns, t3 - t0);
    count(&r->st.emu_ns, t2 - t1);
}

/* Atomic compare-and-exchange on ordinary memory of any alignment (a LOCK
 * CMPXCHG that straddles a cache line is still atomic on x86, if slow). */
static int mem_cmpxchg(void *p, void *expected, const void *desired, unsigned size)
{
    uint8_t ok;

    switch (size) {
    case 1: {
        uint8_t e, d;
        memcpy(&e, expected, 1);
        memcpy(&d, desired, 1);
        __asm__ volatile("lock cmpxchgb %b3, %1\n\tsete %0"
                         : "=q"(ok), "+m"(*(volatile uint8_t *)p), "+a"(e)
                         : "q"(d)
                         : "memory", "cc");
        memcpy(expected, &e, 1);
        break;
    }
    case 2: {
        uint16_t e, d;
        memcpy(&e, expected, 2);
        memcpy(&d, desired, 2);
        __asm__ volatile("lock cmpxchgw %w3, %1\n\tsete %0"
                         : "=q"(ok), "+m"(*(volatile uint16_t *)p), "+a"(e)
                         : "r"(d)
                         : "memory", "cc");
        memcpy(expected, &e, 2);
        break;
    }
    case 4: {
        uint32_t e, d;
        memcpy(&e, expected, 4);
        memcpy(&d, desired, 4);
        __asm__ volatile("lock cmpxchgl %k3, %1\n\tsete %0"
                         : "=q"(ok), "+m"(*(volatile uint32_t *)p), "+a"(e)
                         : "r"(d)
                         : "memory", "cc");
        memcpy(expected, &e, 4);
        break;
    }
    case 8: {
        uint64_t e, d;
        memcpy(&e, expected, 8);
        memcpy(&d, desired, 8);
        __asm__ volatile("lock cmpxchgq %q3, %1\n\tsete %0"
                         : "=q"(ok), "+m"(*(volatile uint64_t *)p), "+a"(e)
                         : "r"(d)
                         : "memory", "cc");
        memcpy(expected, &e, 8);
        break;
    }
    case 16: {
        uint64_t e[2], d[2];
        /* CMPXCHG16B raises #GP on a misaligned operand (SDM Vol. 2A CMPXCHG8B/
         * CMPXCHG16B); there is no 16-byte locked instruction for one. */
        if ((uintptr_t)p & 15u) return XIE_CB_FAIL;
        memcpy(e, expected, 16);
        memcpy(d, desired, 16);
        __asm__ volatile("lock cmpxchg16b %1\n\tsete %0"
                         : "=q"(ok), "+m"(*(volatile uint64_t(*)[2])p), "+a"(e[0]), "+d"(e[1])
                         : "b"(d[0]), "c"(d[1])
                         : "memory", "cc");
        memcpy(expected, e, 16);
        break;
    }
    default: return XIE_CB_FAIL;
    }
    return ok ? XIE_CB_OK : XIE_CB_CHANGED;
}

/* ---- the RAM device ---- */

static int ram_read(void *user, uint64_t off, void *buf, unsigned size)
{
    memcpy(buf, (const uint8_t *)user + off, size);
    return XIE_CB_OK;
}

static int ram_write(void *user, uint64_t off, const void *buf, unsigned size)
{
    memcpy((uint8_t *)user + off, buf, size);
    return XIE_CB_OK;
}

static int ram_cmpxchg(void *user, uint64_t off, void *expected, const void *desired, unsigned size)
{
    return mem_cmpxchg((uint8_t *)user + off, expected, desired, size);
}

/* The backing store is contiguous, so an operand straddling two pages of the
 * region is one unaligned LOCK CMPXCHG there: atomic on x86 across cache lines
 * and pages (SDM Vol. 3A 9.1.2.2, a bus lock when it splits a line). */
const struct xie_trap_dev xie_trap_ram_dev = {ram_read, ram_write, ram_cmpxchg, ram_cmpxchg};

/* "Compare-exchange" as a separate read and write with a window in between, as
 * an emulator that writes LOCKed results plainly does. */
static int racy_cmpxchg(void *user, uint64_t off, void *expected, const void *desired,
                        unsigned size)
{
    uint8_t *p = (uint8_t *)user + off;
    volatile int spin;

    if (memcmp(p, expected, size) != 0) {
        memcpy(expected, p, size);
        return XIE_CB_CHANGED;
    }
    /* The window in which another thread's update is overwritten. */
    for (spin = 0; spin < 300; spin++)
        ;
    memcpy(p, desired, size);
    return XIE_CB_OK;
}

const struct xie_trap_dev xie_trap_racy_ram_dev = {ram_read, ram_write, racy_cmpxchg, racy_cmpxchg};

/* ---- the emulator's view of this process ---- */

/* Per-trap state handed to the callbacks as `user`. */
struct trap {
    ucontext_t *uc;
};

static int op_fetch(void *user, uint64_t addr, void *buf, unsigned size)
{
    (void)user;
    /* Code on a trapped page is not supported: its bytes belong to the device. */
    if (find_region((uintptr_t)addr) || find_region((uintptr_t)addr + size - 1)) return XIE_CB_FAIL;
    memcpy(buf, (const void *)(uintptr_t)addr, size);
    return XIE_CB_OK;
}

static int op_read(void *user, uint64_t addr, void *buf, unsigned size)
{
    struct region *r = find_region((uintptr_t)addr);

    (void)user;
    if (!r) {
        memcpy(buf, (const void *)(uintptr_t)addr, size);
        return XIE_CB_OK;
    }
    if (!r->dev->read) return XIE_CB_FAIL;
    count(&r->st.reads, 1);
    return r->dev->read(r->user, addr - r->start, buf, size);
}

static int op_write(void *user, uint64_t addr, const void *buf, unsigned size)
{
    struct region *r = find_region((uintptr_t)addr);

    (void)user;
    if (!r) {
        memcpy((void *)(uintptr_t)addr, buf, size);
        return XIE_CB_OK;
    }
    if (!r->dev->write) return XIE_CB_FAIL;
    count(&r->st.writes, 1);
    return r->dev->write(r->user, addr - r->start, buf, size);
}

static int op_cmpxchg(void *user, uint64_t addr, void *expected, const void *desired, unsigned size)
{
    struct region *r = find_region((uintptr_t)addr);

    (void)user;
    if (!r) return mem_cmpxchg((void *)(uintptr_t)addr, expected, desired, size);
    if (!r->dev->cmpxchg) return XIE_CB_FAIL;
    count(&r->st.cmpxchgs, 1);
    return r->dev->cmpxchg(r->user, addr - r->start, expected, desired, size);
}

/* A split atomic operand (include/xie/emu.h, cmpxchg_split). Addresses are linear
 * here (no translate callback), so pa1 is always pa0 + n0: the operand is
 * contiguous in this process. Both halves in one region go to the device's
 * cmpxchg_split; both outside every region are process memory; an operand half
 * in a region and half outside (or in two regions) has no single owner that
 * could make it atomic and fails. */
static int op_cmpxchg_split(void *user, uint64_t pa0, uint64_t pa1, unsigned n0, void *expected,
                            const void *desired, unsigned size)
{
    struct region *r0 = find_region((uintptr_t)pa0);
    struct region *r1 = find_region((uintptr_t)pa0 + size - 1);

    (void)user;
    if (pa1 != pa0 + n0 || r0 != r1) return XIE_CB_FAIL;
    if (!r0) return mem_cmpxchg((void *)(uintptr_t)pa0, expected, desired, size);
    if (!r0->dev->cmpxchg_split) return XIE_CB_FAIL;
    count(&r0->st.cmpxchgs, 1);
    count(&r0->st.splits, 1);
    return r0->dev->cmpxchg_split(r0->user, pa0 - r0->start, expected, desired, size);
}

static uint64_t read_fs_base(void)
{
    uint64_t v = 0;

    if (have_fsgsbase)
        __asm__ volatile("rdfsbase %0" : "=r"(v));
    else
        syscall(SYS_arch_prctl, 0x1003 /* ARCH_GET_FS */, &v);
    return v;
}

static uint64_t read_gs_base(void)
{
    uint64_t v = 0;

    if (have_fsgsbase)
        __asm__ volatile("rdgsbase %0" : "=r"(v));
    else
        syscall(SYS_arch_prctl, 0x1004 /* ARCH_GET_GS */, &v);
    return v;
}

/* FS and GS bases are loaded only for the instructions that use them. */
static int op_load_state(void *user, struct xie_ctx *ctx, uint64_t mask)
{
    (void)user;
    if (mask & XIE_STATE_SEG(XIE_SEG_FS)) ctx->seg[XIE_SEG_FS].base = read_fs_base();
    if (mask & XIE_STATE_SEG(XIE_SEG_GS)) ctx->seg[XIE_SEG_GS].base = read_gs_base();
    ctx->valid |= mask & (XIE_STATE_SEG(XIE_SEG_FS) | XIE_STATE_SEG(XIE_SEG_GS));
    return (mask & ~ctx->valid) ? XIE_CB_FAIL : XIE_CB_OK;
}

static const struct xie_ops trap_ops = {
    .fetch = op_fetch,
    .read = op_read,
    .write = op_write,
    .cmpxchg = op_cmpxchg,
    .cmpxchg_split = op_cmpxchg_split,
    .load_state = op_load_state,
};

/* Write a message to stderr without stdio (async-signal-safe). */
static void say(const char *a, const char *b)
{
    ssize_t r;

    r = write(2, a, strlen(a));
    r = write(2, b, strlen(b));
    r = write(2, "\n", 1);
    (void)r;
}

/* Deliver the exception the instruction raised as the kernel would have: the
 * default action of the matching signal, taken when the handler returns. */
static void deliver(const struct xie_event *ev)
{
    struct sigaction sa;
    int sig;

    switch (ev->vector) {
    case 0: sig = SIGFPE; break;  /* #DE */
    case 6: sig = SIGILL; break;  /* #UD */
    case 17: sig = SIGBUS; break; /* #AC */
    case 1:
    case 3: sig = SIGTRAP; break;  /* #DB, #BP */
    default: sig = SIGSEGV; break; /* #GP, #SS, #PF */
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_DFL;
    sigaction(sig, &sa, NULL);
    raise(sig);
}

static void chain(int sig, siginfo_t *si, void *uc)
{
    if ((prev_segv.sa_flags & SA_SIGINFO) && prev_segv.sa_sigaction) {
        prev_segv.sa_sigaction(sig, si, uc);
        return;
    }
    if (prev_segv.sa_handler != SIG_DFL && prev_segv.sa_handler != SIG_IGN) {
        prev_segv.sa_handler(sig);
        return;
    }
    /* Default action: the faulting instruction runs again and kills us. */
    deliver(&(struct xie_event){13, 0, 0, 0, 0, 0});
}

static void on_segv(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    greg_t *g = uc->uc_mcontext.gregs;
    struct region *r = find_region((uintptr_t)si->si_addr);
    struct trap t;
    struct xie_ctx ctx;
    struct xie_result res;
    unsigned cs = (unsigned)(g[REG_CSGSFS] & 0xffff);
    uint64_t t0, t1, t2;
    unsigned i;
    int st;

    if (!r || si->si_code != SEGV_ACCERR) {
        chain(sig, si, ucv);
        return;
    }
    t0 = now_ns();
    t.uc = uc;
    memcpy(&ctx, cs == 0x23 ? &ctx32 : &ctx64, sizeof(ctx));
    ctx.user = &t;
    ctx.rep_limit = __atomic_load_n(&rep_limit, __ATOMIC_RELAXED);
    for (i = 0; i < 16; i++)
        ctx.gpr[i] = (uint64_t)g[greg_of[i]];
    ctx.rip = (uint64_t)g[REG_RIP];
    ctx.rflags = (uint64_t)g[REG_EFL];
    ctx.valid &= ~(XIE_STATE_SEG(XIE_SEG_FS) | XIE_STATE_SEG(XIE_SEG_GS));

    t1 = now_ns();
    st = xie_emulate(&ctx, NULL, 0, &res);
    t2 = now_ns();

    switch (st) {
    case XIE_OK:
        count(&r->st.traps, 1);
        for (i = 0; i < 16; i++)
            if (ctx.dirty & XIE_STATE_GPR(i)) g[greg_of[i]] = (greg_t)ctx.gpr[i];
        g[REG_RIP] = (greg_t)ctx.rip;
        g[REG_EFL] = (greg_t)ctx.rflags;
        timed(r, t0, t1, t2);
        return;
    case XIE_RETRY:
        count(&r->st.retries, 1);
        timed(r, t0, t1, t2);
        return;
    case XIE_EXCEPTION: deliver(&res.event); return;
    case XIE_UNHANDLEABLE: say("xie trap: cannot emulate: ", xie_reason_str(res.reason)); break;
    default: say("xie trap: cannot emulate: ", xie_strerror(st)); break;
    }
    say("xie trap: instruction: ", xie_op_name(res.op));
    abort();
}

int xie_trap_init(void)
{
    struct sigaction sa;

    if (__atomic_load_n(&installed, __ATOMIC_ACQUIRE)) return 0;
    xie_ctx_init(&ctx64, XIE_INIT_LONG64, &trap_ops, NULL);
    xie_ctx_init(&ctx32, XIE_INIT_COMPAT32, &trap_ops, NULL);
    xie_cpu_model_host(&ctx64.cpu);
    ctx32.cpu = ctx64.cpu;
    have_fsgsbase = (getauxval(AT_HWCAP2) & 2) != 0; /* HWCAP2_FSGSBASE */
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSEGV, &sa, &prev_segv) != 0) return -1;
    __atomic_store_n(&installed, 1, __ATOMIC_RELEASE);
    return 0;
}

/* xie_trap_map and xie_trap_map32; flags: extra mmap flags. */
static void *map_region(size_t len, const struct xie_trap_dev *dev, void *user, int flags)
{
    unsigned i;
    void *p;

    if (!len || !dev) {
        errno = EINVAL;
        return NULL;
    }
    len = (len + PAGE - 1) & ~(size_t)(PAGE - 1);
    p = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
    if (p == MAP_FAILED) return NULL;
    for (i = 0; i < MAX_REGIONS; i++) {
        uintptr_t zero = 0;
        /* Claim the slot with a placeholder start of 1 (matches no address
         * since regions are page-aligned and len is 0 until published). */
        if (__atomic_compare_exchange_n(&regions[i].start, &zero, 1, 0, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE)) {
            regions[i].len = 0;
            regions[i].dev = dev;
            regions[i].user = user;
            memset(&regions[i].st, 0, sizeof(regions[i].st));
            __atomic_store_n(&regions[i].len, len, __ATOMIC_RELEASE);
            __atomic_store_n(&regions[i].start, (uintptr_t)p, __ATOMIC_RELEASE);
            if (__atomic_load_n(&nregions, __ATOMIC_ACQUIRE) < i + 1)
                __atomic_store_n(&nregions, i + 1, __ATOMIC_RELEASE);
            return p;
        }
    }
    munmap(p, len);
    errno = ENOSPC;
    return NULL;
}

void *xie_trap_map(size_t len, const struct xie_trap_dev *dev, void *user)
{
    return map_region(len, dev, user, 0);
}

void *xie_trap_map32(size_t len, const struct xie_trap_dev *dev, void *user)
{
    return map_region(len, dev, user, MAP_32BIT);
}

int xie_trap_unmap(void *region)
{
    unsigned i, n = __atomic_load_n(&nregions, __ATOMIC_ACQUIRE);

    for (i = 0; i < n; i++) {
        if (region && __atomic_load_n(&regions[i].start, __ATOMIC_ACQUIRE) == (uintptr_t)region) {
            size_t len = regions[i].len;
            __atomic_store_n(&regions[i].start, 0, __ATOMIC_RELEASE);
            return munmap(region, len);
        }
    }
    errno = EINVAL;
    return -1;
}

int xie_trap_stats(const void *region, struct xie_trap_stats *out)
{
    struct region *r = find_region((uintptr_t)region);

    if (!r || !out || r->start != (uintptr_t)region) return -1;
    out->traps = __atomic_load_n(&r->st.traps, __ATOMIC_RELAXED);
    out->reads = __atomic_load_n(&r->st.reads, __ATOMIC_RELAXED);
    out->writes = __atomic_load_n(&r->st.writes, __ATOMIC_RELAXED);
    out->cmpxchgs = __atomic_load_n(&r->st.cmpxchgs, __ATOMIC_RELAXED);
    out->splits = __atomic_load_n(&r->st.splits, __ATOMIC_RELAXED);
    out->emu_ns = __atomic_load_n(&r->st.emu_ns, __ATOMIC_RELAXED);
    out->handler_ns = __atomic_load_n(&r->st.handler_ns, __ATOMIC_RELAXED);
    out->timed = __atomic_load_n(&r->st.timed, __ATOMIC_RELAXED);
    out->retries = __atomic_load_n(&r->st.retries, __ATOMIC_RELAXED);
    return 0;
}

void xie_trap_set_rep_limit(uint32_t iterations)
{
    __atomic_store_n(&rep_limit, iterations ? iterations : 64, __ATOMIC_RELAXED);
}
