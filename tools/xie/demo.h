/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `xie demo`: shared pieces of the scenarios (demo.c runs them, one forked child
 * per table row, and prints the summary table).
 */
#ifndef XIE_TOOL_DEMO_H
#define XIE_TOOL_DEMO_H

#include <stdint.h>

#include "xie/trap.h"

/* Options every scenario sees (`xie demo --threads N --iterations N`). */
struct demo_opts {
    int threads;     /* worker threads (xchg: consumers, at least 2; counters:
                        incrementers; lapic: drivers, one LAPIC each) */
    long iterations; /* rounds per thread (xchg: producer rounds) */
    const char *elf; /* decode: the binary (NULL: libc, then /bin/ls) */
    int negative;    /* xchg, counters: the negative control device (its
                        compare-exchange is a read, then a write): must FAIL */
};

/* One row of the summary table, filled by a scenario in its child process and
 * sent to the parent through a pipe (plain data only). */
struct demo_row {
    char name[40];
    int pass;          /* 1: every check of the row held */
    int decode;        /* 1: decode row (no trap figures; insns = decoded; time_ns and
                          time_ops: the best decode pass's time and instructions) */
    uint64_t accesses; /* device callbacks: reads + writes + compare-exchanges */
    uint64_t insns;    /* instructions emulated (traps that completed) */
    uint64_t retries;  /* XIE_RETRY traps (LOCK races lost; each traps again) */
    uint64_t splits;   /* split compare-exchanges (page-straddling operands) */
    /* The cost of the trapping instructions: counters and lapic: CPU time (user +
     * system) of the threads' whole loops, which trap at every access; xchg:
     * wall time around each XCHG (its consumers yield between empty attempts),
     * leaving out runs over DEMO_TIMED_MAX_NS (preempted). */
    uint64_t time_ns;
    uint64_t time_ops;   /* trapping instructions time_ns covers */
    uint64_t timed;      /* trap adapter: traps whose handler time was taken */
    uint64_t handler_ns; /* of those: time inside the SIGSEGV handler */
    uint64_t emu_ns;     /* of that: inside xie_emulate */
    char detail[240];    /* what was checked, with the figures */
};

/* One table row's work: variant selects e.g. in-page vs straddling. Fills *row;
 * may abort (the adapter aborts on an instruction xie cannot emulate): the parent
 * then reports the row as failed with the signal. */
typedef void (*demo_fn)(const struct demo_opts *o, int variant, struct demo_row *row);

void demo_decode(const struct demo_opts *o, int variant, struct demo_row *row);
void demo_xchg(const struct demo_opts *o, int variant, struct demo_row *row);
void demo_counters(const struct demo_opts *o, int variant, struct demo_row *row);
void demo_lapic(const struct demo_opts *o, int variant, struct demo_row *row);

/* CPU time of the calling thread in ns (CLOCK_THREAD_CPUTIME_ID). */
uint64_t demo_thread_ns(void);

/* CLOCK_MONOTONIC in ns (vDSO: cheap enough to bracket one instruction). */
uint64_t demo_wall_ns(void);
#define DEMO_TIMED_MAX_NS 100000u

/* Copy the trap adapter's counters of `region` into the row's trap figures
 * (accesses, insns, retries, splits, timed, handler_ns, emu_ns). */
void demo_take_stats(const void *region, struct demo_row *row);

/* Install the trap adapter (xie_trap_init) or exit the child with a message. */
void demo_trap_init(void);

/* A hang detector, not a pass criterion: returns 1 once `progress` has not
 * changed for DEMO_STALL_SECONDS since the last call that saw it change (*last
 * and *since keep the state between calls). */
#define DEMO_STALL_SECONDS 20
int demo_stalled(uint64_t progress, uint64_t *last, uint64_t *since);

#endif
