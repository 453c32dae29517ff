/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `xie demo counters`: N threads increment three trapped counters, each thread
 * `iterations` times per counter: a 64-bit LOCK ADD, a 32-bit LOCK XADD (whose
 * returned old values must be distinct across all threads: each one is taken by
 * exactly one increment) and a LOCK CMPXCHG loop on a 64-bit counter (compiled
 * __atomic_compare_exchange_n). The final values must be exact. Variant 0: the
 * counters inside a page; 1: each straddles two trapped pages, split after 1, 2
 * and 4 bytes (offsets 4095, 8190, 12284 of a four-page region).
 */
#define _GNU_SOURCE

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "demo.h"
#include "tool.h"
#include "xie/trap.h"

#define MAX_THREADS 64
#define REGION      (4 * 4096)

struct worker {
    volatile uint64_t *add;  /* LOCK ADD counter */
    volatile uint32_t *xadd; /* LOCK XADD counter */
    volatile uint64_t *cas;  /* LOCK CMPXCHG counter */
    uint8_t *seen;           /* one byte per XADD value: set by whoever got it */
    uint64_t nseen;
    long iters;
    uint64_t traps, dup_xadd, cpu_ns;
};

static void *work(void *arg)
{
    struct worker *w = arg;
    uint64_t t0 = demo_thread_ns();
    long i;

    for (i = 0; i < w->iters; i++) {
        uint32_t one = 1;
        uint64_t old, nv;

        __asm__ volatile("lock addq $1, %0" : "+m"(*w->add) : : "memory", "cc");
        __asm__ volatile("lock xaddl %1, %0" : "+m"(*w->xadd), "+r"(one) : : "memory", "cc");
        w->traps += 2;
        /* `one` now holds the value before this increment: each value once. */
        if (one >= w->nseen || __atomic_exchange_n(&w->seen[one], 1, __ATOMIC_RELAXED))
            w->dup_xadd++;
        /* The plain read (two fragments when the counter straddles) may be torn;
         * the compare-exchange then fails and the loop goes on with its value. */
        old = *w->cas;
        w->traps++;
        do {
            nv = old + 1;
            w->traps++;
        } while (
            !__atomic_compare_exchange_n(w->cas, &old, nv, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
    }
    w->cpu_ns = demo_thread_ns() - t0;
    return NULL;
}

void demo_counters(const struct demo_opts *o, int variant, struct demo_row *row)
{
    static const unsigned offs[2][3] = {{64, 128, 192}, {4095, 8190, 12284}};
    static struct worker w[MAX_THREADS];
    pthread_t tid[MAX_THREADS];
    uint64_t expect = (uint64_t)o->threads * (uint64_t)o->iterations, add, cas, dups = 0;
    uint32_t xadd;
    uint8_t *backing, *region, *seen;
    int i;

    snprintf(row->name, sizeof(row->name), "counters, %s",
             variant ? "straddling pages" : "in a page");
    demo_trap_init();
    backing = aligned_alloc(4096, REGION);
    seen = calloc(expect + 1, 1);
    if (!backing || !seen) _exit(1);
    memset(backing, 0, REGION);
    region =
        xie_trap_map(REGION, o->negative ? &xie_trap_racy_ram_dev : &xie_trap_ram_dev, backing);
    if (!region) _exit(1);
    for (i = 0; i < o->threads; i++) {
        memset(&w[i], 0, sizeof(w[i]));
        w[i].add = (volatile uint64_t *)(region + offs[variant][0]);
        w[i].xadd = (volatile uint32_t *)(region + offs[variant][1]);
        w[i].cas = (volatile uint64_t *)(region + offs[variant][2]);
        w[i].seen = seen;
        w[i].nseen = expect;
        w[i].iters = o->iterations;
        pthread_create(&tid[i], NULL, work, &w[i]);
    }
    for (i = 0; i < o->threads; i++) {
        pthread_join(tid[i], NULL);
        row->time_ns += w[i].cpu_ns;
        row->time_ops += w[i].traps;
        dups += w[i].dup_xadd;
    }
    memcpy(&add, backing + offs[variant][0], 8);
    memcpy(&xadd, backing + offs[variant][1], 4);
    memcpy(&cas, backing + offs[variant][2], 8);
    demo_take_stats(region, row);
    row->pass = add == expect && xadd == (uint32_t)expect && cas == expect && dups == 0 &&
                (!variant || row->splits > 0);
    snprintf(row->detail, sizeof(row->detail),
             "%d threads x %ld: lock add %llu, lock xadd %lu (%llu old values repeated), "
             "lock cmpxchg %llu; expected %llu each; %llu split compare-exchanges",
             o->threads, o->iterations, (unsigned long long)add, (unsigned long)xadd,
             (unsigned long long)dups, (unsigned long long)cas, (unsigned long long)expect,
             (unsigned long long)row->splits);
    xie_trap_unmap(region);
    free(seen);
    free(backing);
}
