/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `xie demo xchg`: the atomicity test that KVM's and VMware's emulators fail
 * (DESIGN.md, "Who uses it"). A trapped 64-bit word X lives on a RAM device
 * whose compare-exchange is a real atomic on its backing store. One producer
 * loops: flag = 1; old = XCHG(X, v) with v != 0 (a new v each round); it checks
 * old == 0, counts c0, then waits until the flag (ordinary memory) is cleared.
 * N consumers loop old = XCHG(X, 0); when old != 0 they count c_i, add old to
 * their sum, and clear the flag. Every XCHG runs natively, faults on X and is
 * emulated by xie. Invariants: old == 0 in every producer round, c0 == sum c_i,
 * and the consumers' values sum to the producer's (nothing lost, nothing taken
 * twice). Variant 0: X inside a page; 1: X straddles two trapped pages (bytes
 * 4092..4099), the split compare-exchange path.
 */
#define _GNU_SOURCE

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "demo.h"
#include "tool.h"
#include "xie/trap.h"

#define MAX_THREADS 64

struct shared {
    volatile uint64_t *x; /* the trapped word */
    volatile int flag;    /* 1: the producer's value is in X, not yet taken */
    volatile int stop;    /* the producer is done (or gave up) */
    uint64_t taken;       /* values taken by consumers (progress) */
};

struct consumer {
    struct shared *sh;
    uint64_t count, sum, xchgs, time_ns, timed;
};

/* XCHG with memory is always locked (SDM Vol. 2B XCHG): the instruction under
 * test, as compiled code would use it. */
static uint64_t xchg(volatile uint64_t *p, uint64_t v)
{
    __asm__ volatile("xchgq %0, %1" : "+r"(v), "+m"(*p) : : "memory");
    return v;
}

/* Time one XCHG (wall clock; a run over DEMO_TIMED_MAX_NS was preempted). */
static uint64_t timed_xchg(volatile uint64_t *p, uint64_t v, uint64_t *ns, uint64_t *n)
{
    uint64_t t = demo_wall_ns(), old = xchg(p, v);

    t = demo_wall_ns() - t;
    if (t <= DEMO_TIMED_MAX_NS) {
        *ns += t;
        (*n)++;
    }
    return old;
}

static void *consume(void *arg)
{
    struct consumer *c = arg;
    struct shared *sh = c->sh;
    uint64_t old;

    while (!__atomic_load_n(&sh->stop, __ATOMIC_ACQUIRE)) {
        old = timed_xchg(sh->x, 0, &c->time_ns, &c->timed);
        c->xchgs++;
        if (old) {
            c->count++;
            c->sum += old;
            __atomic_fetch_add(&sh->taken, 1, __ATOMIC_RELAXED);
            __atomic_store_n(&sh->flag, 0, __ATOMIC_RELEASE);
        } else if (!__atomic_load_n(&sh->flag, __ATOMIC_ACQUIRE)) {
            /* Nothing in flight: let the producer run (2 cores, N + 1 threads). */
            sched_yield();
        }
    }
    return NULL;
}

void demo_xchg(const struct demo_opts *o, int variant, struct demo_row *row)
{
    static struct consumer cons[MAX_THREADS];
    pthread_t tid[MAX_THREADS];
    struct shared sh;
    unsigned off = variant ? 4092 : 64;
    uint64_t *backing, c0 = 0, bad0 = 0, sum0 = 0, csum = 0, ccount = 0, final, last = 0, since = 0;
    uint64_t r, old;
    uint8_t *region;
    int i, n = o->threads < 2 ? 2 : o->threads, stalled = 0;

    snprintf(row->name, sizeof(row->name), "xchg, %s", variant ? "straddling pages" : "in a page");
    demo_trap_init();
    backing = aligned_alloc(4096, 8192);
    if (!backing) _exit(1);
    memset(backing, 0, 8192);
    region = xie_trap_map(8192, o->negative ? &xie_trap_racy_ram_dev : &xie_trap_ram_dev, backing);
    if (!region) _exit(1);
    memset(&sh, 0, sizeof(sh));
    sh.x = (volatile uint64_t *)(region + off);
    for (i = 0; i < n; i++) {
        memset(&cons[i], 0, sizeof(cons[i]));
        cons[i].sh = &sh;
        pthread_create(&tid[i], NULL, consume, &cons[i]);
    }
    for (r = 1; r <= (uint64_t)o->iterations && !stalled; r++) {
        /* v = r: nonzero, different every round, so the sums check each value. */
        __atomic_store_n(&sh.flag, 1, __ATOMIC_RELEASE);
        old = timed_xchg(sh.x, r, &row->time_ns, &row->time_ops);
        bad0 += old != 0;
        c0++;
        sum0 += r;
        while (__atomic_load_n(&sh.flag, __ATOMIC_ACQUIRE)) {
            /* A lost value (an emulator that is not atomic) leaves the flag set
             * forever: give up after a long time without progress. */
            if (demo_stalled(__atomic_load_n(&sh.taken, __ATOMIC_RELAXED), &last, &since)) {
                stalled = 1;
                break;
            }
            sched_yield();
        }
    }
    __atomic_store_n(&sh.stop, 1, __ATOMIC_RELEASE);
    for (i = 0; i < n; i++) {
        pthread_join(tid[i], NULL);
        ccount += cons[i].count;
        csum += cons[i].sum;
        row->time_ns += cons[i].time_ns;
        row->time_ops += cons[i].timed;
    }
    memcpy(&final, (uint8_t *)backing + off, 8);
    demo_take_stats(region, row);
    row->pass = !stalled && bad0 == 0 && c0 == ccount && sum0 == csum && final == 0 &&
                c0 == (uint64_t)o->iterations && (!variant || row->splits > 0);
    snprintf(row->detail, sizeof(row->detail),
             "%d consumers; c0 = %llu, sum c_i = %llu, producer saw old != 0 %llu times, "
             "values sum %llu vs %llu, X at end %llu%s%s",
             n, (unsigned long long)c0, (unsigned long long)ccount, (unsigned long long)bad0,
             (unsigned long long)csum, (unsigned long long)sum0, (unsigned long long) final,
             stalled ? "; a value was lost (no consumer got it for 20 s)" : "",
             variant && !row->splits ? "; no split compare-exchange seen" : "");
    xie_trap_unmap(region);
    free(backing);
}
