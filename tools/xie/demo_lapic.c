/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `xie demo lapic`: a LAPIC-like register device on a trapped page, driven by a
 * driver-style loop, one device per driver thread (as one LAPIC per CPU).
 * Registers (32-bit, at xAPIC-like offsets):
 *   0x020 ID       read-only: a fixed value per device
 *   0x0b0 EOI      write-only: acknowledges one event
 *   0x100 STATUS   read-only, clear-on-read: the number of events raised and not
 *                  yet read (the read returns it and sets it to 0, atomically)
 *   0x300 COMMAND  write-only: writing k raises k events
 * A read of a write-only register returns 0, a write of a read-only one is
 * ignored; both, any other offset and any size but 4 are counted as errors.
 * A "hardware" thread raises more events into every device while the drivers
 * run. Each driver iteration: read ID (compare), write COMMAND k = 1..4, read
 * STATUS, write EOI once per event read. The device counts every access; the
 * driver counts its own. They must agree exactly, every event raised must be
 * read exactly once (a repeated STATUS read would lose events: the second read
 * returns 0), EOIs must equal events, no errors. Variant 0: the driver is
 * compiled C in 64-bit mode; variant 1: hand-written 32-bit code run in
 * compatibility mode (CS = 0x23), with the device below 2 GiB.
 */
#define _GNU_SOURCE

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "demo.h"
#include "tool.h"
#include "xie/trap.h"

#define MAX_THREADS 64
#define R_ID        0x020u
#define R_EOI       0x0b0u
#define R_STATUS    0x100u
#define R_COMMAND   0x300u
#define LOW_SIZE    65536u /* per 32-bit driver: its counters, then its stack */

struct lapic {
    uint32_t id;
    uint32_t pending; /* STATUS (atomic: the hardware thread adds to it) */
    uint64_t id_reads, status_reads, command_writes, eoi_writes;
    uint64_t cmd_events, hw_events, delivered, errors;
};

/* The driver's own counts. The 32-bit driver addresses this through ESI: the
 * field order is its layout (offsets 0, 4, ... 36). */
struct drv {
    uint32_t regs;           /* 0: device address (32-bit driver) */
    uint32_t iters;          /* 4 */
    uint32_t id_expect;      /* 8 */
    uint32_t id_bad;         /* 12: ID reads that returned another value */
    uint32_t sent;           /* 16: events requested through COMMAND */
    uint32_t got;            /* 20: events read from STATUS */
    uint32_t eois;           /* 24 */
    uint32_t status_reads;   /* 28 */
    uint32_t command_writes; /* 32 */
    uint32_t id_reads;       /* 36 */
};

static int lapic_read(void *user, uint64_t off, void *buf, unsigned size)
{
    struct lapic *l = user;
    uint32_t v = 0;

    if (size != 4 || (off & 3)) {
        l->errors++;
    } else if (off == R_ID) {
        l->id_reads++;
        v = l->id;
    } else if (off == R_STATUS) {
        l->status_reads++;
        v = __atomic_exchange_n(&l->pending, 0, __ATOMIC_ACQ_REL);
        l->delivered += v;
    } else {
        l->errors++; /* write-only or unknown register */
    }
    memset(buf, 0, size);
    memcpy(buf, &v, size < 4 ? size : 4);
    return XIE_CB_OK;
}

static int lapic_write(void *user, uint64_t off, const void *buf, unsigned size)
{
    struct lapic *l = user;
    uint32_t v;

    if (size != 4 || (off & 3)) {
        l->errors++;
        return XIE_CB_OK;
    }
    memcpy(&v, buf, 4);
    if (off == R_COMMAND) {
        l->command_writes++;
        l->cmd_events += v;
        __atomic_fetch_add(&l->pending, v, __ATOMIC_ACQ_REL);
    } else if (off == R_EOI) {
        l->eoi_writes++;
    } else {
        l->errors++; /* read-only or unknown register */
    }
    return XIE_CB_OK;
}

/* No compare-exchange: a LOCKed instruction on the registers would fail. */
static const struct xie_trap_dev lapic_dev = {lapic_read, lapic_write, NULL, NULL};

/* Read STATUS (clear-on-read: the events raised since the last read) and
 * write EOI once per event. */
static void take_events(volatile uint32_t *regs, struct drv *d)
{
    uint32_t st = regs[R_STATUS / 4];

    d->status_reads++;
    d->got += st;
    for (; st; st--) {
        regs[R_EOI / 4] = 0;
        d->eois++;
    }
}

/* The 64-bit driver: compiled C on volatile registers. */
static void drive64(volatile uint32_t *regs, struct drv *d)
{
    uint32_t i, k;

    for (i = 0; i < d->iters; i++) {
        d->id_reads++;
        if (regs[R_ID / 4] != d->id_expect) d->id_bad++;
        k = (i & 3) + 1;
        regs[R_COMMAND / 4] = k;
        d->command_writes++;
        d->sent += k;
        take_events(regs, d);
    }
}

/*
 * The 32-bit driver and its trampoline, copied below 2 GiB at run time (a far
 * return to 32-bit code and back needs 32-bit addresses). demo32_entry (64-bit,
 * SysV: rdi = struct drv *, rsi = top of a low stack) saves the callee-saved
 * registers, switches to the low stack, keeps the 64-bit RSP at its top, pushes
 * a 32-bit far return frame to demo32_back (CS 0x33) and far-returns into
 * demo32_code (CS 0x23, Linux's 32-bit user code selector). The 32-bit code
 * loads DS/ES with the flat data selector 0x2b, runs the loop (the same steps as
 * drive64, with a CMP reading ID and a MOV of an immediate for EOI) and
 * far-returns to 64-bit mode, which restores RSP and returns to the caller.
 */
__asm__(".pushsection .text\n"
        ".balign 16\n"
        ".globl demo32_start\n"
        ".hidden demo32_start\n"
        ".globl demo32_end\n"
        ".hidden demo32_end\n"
        "demo32_start:\n"
        "    push %rbx\n"
        "    push %rbp\n"
        "    push %r12\n"
        "    push %r13\n"
        "    push %r14\n"
        "    push %r15\n"
        "    mov %rsp, %rax\n"
        "    mov %rsi, %rsp\n"
        "    push %rax\n"
        "    lea demo32_back(%rip), %rax\n"
        "    sub $8, %rsp\n"
        "    movl %eax, (%rsp)\n"
        "    movl $0x33, 4(%rsp)\n"
        "    mov %edi, %esi\n"
        "    pushq $0x23\n"
        "    lea demo32_code(%rip), %rax\n"
        "    push %rax\n"
        "    lretq\n"
        ".code32\n"
        "demo32_code:\n"
        "    mov $0x2b, %eax\n"
        "    mov %eax, %ds\n"
        "    mov %eax, %es\n"
        "    call demo32_loop\n"
        "    lret\n"
        ".code64\n"
        "demo32_back:\n"
        "    mov (%rsp), %rsp\n"
        "    pop %r15\n"
        "    pop %r14\n"
        "    pop %r13\n"
        "    pop %r12\n"
        "    pop %rbp\n"
        "    pop %rbx\n"
        "    ret\n"
        ".code32\n"
        "demo32_loop:\n"
        "    push %ebx\n"
        "    push %edi\n"
        "    push %ebp\n"
        "    mov (%esi), %ebx\n"
        "    xor %ebp, %ebp\n"
        "1:  cmp 4(%esi), %ebp\n"
        "    jae 9f\n"
        "    mov 8(%esi), %edi\n"
        "    cmp 0x20(%ebx), %edi\n" /* ID */
        "    je 2f\n"
        "    incl 12(%esi)\n"
        "2:  incl 36(%esi)\n"
        "    mov %ebp, %eax\n"
        "    and $3, %eax\n"
        "    inc %eax\n"
        "    mov %eax, 0x300(%ebx)\n" /* COMMAND = k */
        "    incl 32(%esi)\n"
        "    add %eax, 16(%esi)\n"
        "    mov 0x100(%ebx), %ecx\n" /* STATUS (clear-on-read) */
        "    incl 28(%esi)\n"
        "    add %ecx, 20(%esi)\n"
        "3:  test %ecx, %ecx\n"
        "    jz 4f\n"
        "    movl $0, 0xb0(%ebx)\n" /* EOI */
        "    incl 24(%esi)\n"
        "    dec %ecx\n"
        "    jmp 3b\n"
        "4:  inc %ebp\n"
        "    jmp 1b\n"
        "9:  pop %ebp\n"
        "    pop %edi\n"
        "    pop %ebx\n"
        "    ret\n"
        ".code64\n"
        "demo32_end:\n"
        ".popsection\n");

extern const unsigned char demo32_start[] __attribute__((visibility("hidden")));
extern const unsigned char demo32_end[] __attribute__((visibility("hidden")));

typedef void (*entry32_fn)(struct drv *d, void *stack_top);

struct driver {
    struct lapic *dev;
    volatile uint32_t *regs;
    struct drv *d;    /* below 2 GiB for the 32-bit driver */
    uint8_t *low;     /* that driver's low area (counters + stack) */
    entry32_fn entry; /* the copied 32-bit driver (variant 1) */
    uint64_t cpu_ns;
};

static void *drive(void *arg)
{
    struct driver *t = arg;
    uint64_t t0 = demo_thread_ns();

    if (t->entry)
        t->entry(t->d, t->low + LOW_SIZE);
    else
        drive64(t->regs, t->d);
    t->cpu_ns = demo_thread_ns() - t0;
    return NULL;
}

struct source {
    struct lapic *devs;
    int n;
    uint64_t events;
};

/* The "hardware": raises events into every device while the drivers run. */
static void *raise_events(void *arg)
{
    struct source *s = arg;
    uint64_t e;

    for (e = 0; e < s->events; e++) {
        struct lapic *l = &s->devs[e % (uint64_t)s->n];

        l->hw_events++;
        __atomic_fetch_add(&l->pending, 1, __ATOMIC_ACQ_REL);
        if ((e & 7) == 7) sched_yield();
    }
    return NULL;
}

/* Map the 32-bit driver below 2 GiB; returns its entry point. */
static entry32_fn map_driver32(void)
{
    size_t len = (size_t)(demo32_end - demo32_start);
    uint8_t *p =
        mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);

    if (p == MAP_FAILED || len > 4096) _exit(1);
    memcpy(p, demo32_start, len);
    if (mprotect(p, 4096, PROT_READ | PROT_EXEC) != 0) _exit(1);
    return (entry32_fn)(void *)p;
}

/* Compare device and driver counts; returns the number of mismatches and
 * describes the first in *why. */
static int check(const struct lapic *l, const struct drv *d, const char **why)
{
    int bad = 0;

#define CHECK(cond, text)                                                                          \
    if (!(cond)) {                                                                                 \
        if (!bad) *why = text;                                                                     \
        bad++;                                                                                     \
    }
    CHECK(l->id_reads == d->id_reads && d->id_bad == 0, "ID reads differ");
    CHECK(l->command_writes == d->command_writes && l->cmd_events == d->sent,
          "COMMAND writes differ");
    CHECK(l->status_reads == d->status_reads, "STATUS reads differ (a read repeated or lost)");
    CHECK(l->delivered == d->got && d->got == l->cmd_events + l->hw_events && l->pending == 0,
          "events raised != events read once");
    CHECK(l->eoi_writes == d->eois && d->eois == d->got, "EOI writes differ");
    CHECK(l->errors == 0, "device saw invalid accesses");
#undef CHECK
    return bad;
}

void demo_lapic(const struct demo_opts *o, int variant, struct demo_row *row)
{
    static struct driver drv[MAX_THREADS];
    static struct lapic devs[MAX_THREADS];
    static struct drv drv64[MAX_THREADS];
    pthread_t tid[MAX_THREADS], src_tid;
    struct source src;
    entry32_fn entry = variant ? map_driver32() : NULL;
    const char *why = "";
    uint64_t events = 0;
    void *regions[MAX_THREADS];
    int i, n = o->threads, bad = 0;

    snprintf(row->name, sizeof(row->name), "lapic, %s", variant ? "32-bit code" : "64-bit code");
    demo_trap_init();
    memset(devs, 0, sizeof(devs));
    for (i = 0; i < n; i++) {
        struct driver *t = &drv[i];

        devs[i].id = 0x01000000u * (uint32_t)(i + 1);
        regions[i] = variant ? xie_trap_map32(4096, &lapic_dev, &devs[i])
                             : xie_trap_map(4096, &lapic_dev, &devs[i]);
        if (!regions[i]) _exit(1);
        memset(t, 0, sizeof(*t));
        t->dev = &devs[i];
        t->regs = regions[i];
        t->entry = entry;
        if (variant) {
            t->low = mmap(NULL, LOW_SIZE, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
            if (t->low == MAP_FAILED) _exit(1);
            t->d = (struct drv *)t->low;
        } else {
            t->d = &drv64[i];
        }
        memset(t->d, 0, sizeof(*t->d));
        t->d->regs = (uint32_t)(uintptr_t)regions[i];
        t->d->iters = (uint32_t)o->iterations;
        t->d->id_expect = devs[i].id;
    }
    src.devs = devs;
    src.n = n;
    src.events = (uint64_t)n * (uint64_t)o->iterations / 4;
    pthread_create(&src_tid, NULL, raise_events, &src);
    for (i = 0; i < n; i++)
        pthread_create(&tid[i], NULL, drive, &drv[i]);
    pthread_join(src_tid, NULL);
    for (i = 0; i < n; i++) {
        struct drv *d = drv[i].d;

        pthread_join(tid[i], NULL);
        row->time_ns += drv[i].cpu_ns;
        row->time_ops += d->id_reads + d->command_writes + d->status_reads + d->eois;
    }
    for (i = 0; i < n; i++) {
        struct drv *d = drv[i].d;

        /* The hardware thread is done: collect the events no loop read yet. */
        take_events(drv[i].regs, d);
        bad += check(&devs[i], d, &why);
        events += d->got;
        demo_take_stats(regions[i], row);
    }
    row->pass = bad == 0;
    snprintf(row->detail, sizeof(row->detail),
             "%d drivers x %ld iterations: %llu events (%llu from the hardware thread) each "
             "read once and EOIed; %d mismatches%s%s",
             n, o->iterations, (unsigned long long)events, (unsigned long long)src.events, bad,
             bad ? ": " : "", why);
    for (i = 0; i < n; i++) {
        xie_trap_unmap(regions[i]);
        if (drv[i].low) munmap(drv[i].low, LOW_SIZE);
    }
}
