/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The trap adapter running real compiled code: every routine of routines.c runs
 * on ordinary memory and on trapped memory (a RAM device behind xie); results and
 * final memory must be identical. Then LOCKed instructions from several threads
 * on a trapped counter must lose nothing, inside a page and straddling two
 * trapped pages (the split compare-exchange path), and the same test with a
 * device whose compare-exchange is a plain read-then-write (the negative
 * control) must lose updates in both layouts, which shows the test can fail.
 * Split atomics the adapter cannot make atomic (device without cmpxchg_split,
 * operand across the region's edge) must be refused (the child aborts).
 *   trap_test [--long]   (CI: 10^6 mixed increments per layout; --long: 5x10^6
 *                         per instruction kind and layout)
 * Prints one line per case and a final "N passed, M failed" line.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "routines.h"
#include "xie/trap.h"

static int passed, failed;

static void result(const char *name, int ok, const char *detail)
{
    printf("%-34s %s%s%s\n", name, ok ? "ok" : "FAIL", detail[0] ? "  " : "", detail);
    if (ok)
        passed++;
    else
        failed++;
}

static uint64_t rng = 88172645463325252ull;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* A trapped region with its backing store. */
struct tregion {
    uint8_t *t;       /* the trapped (PROT_NONE) address the code uses */
    uint8_t *backing; /* where the RAM device keeps the bytes */
    size_t len;
};

static void tmap(struct tregion *r, size_t len, const struct xie_trap_dev *dev)
{
    r->len = len;
    r->backing = aligned_alloc(4096, (len + 4095) & ~(size_t)4095);
    memset(r->backing, 0, len);
    r->t = xie_trap_map(len, dev, r->backing);
    if (!r->t || !r->backing) {
        perror("xie_trap_map");
        exit(2);
    }
}

static void tunmap(struct tregion *r)
{
    xie_trap_unmap(r->t);
    free(r->backing);
}

static uint64_t traps_of(const struct tregion *r)
{
    struct xie_trap_stats s;

    return xie_trap_stats(r->t, &s) == 0 ? s.traps : 0;
}

static void test_routines(void)
{
    enum { N = 3000 };
    char detail[128];
    struct tregion r;
    uint8_t *plain = calloc(1, 65536);
    int i;

    /* Sort: the array lives on trapped pages (and crosses page boundaries). */
    {
        uint32_t *a = (uint32_t *)plain;
        tmap(&r, N * 4 + 4096, &xie_trap_ram_dev);
        for (i = 0; i < N; i++)
            a[i] = (uint32_t)rnd();
        memcpy(r.backing + 8, a, N * 4);
        r_sort_u32(a, N);
        r_sort_u32((uint32_t *)(r.t + 8), N);
        snprintf(detail, sizeof(detail), "%llu instructions emulated",
                 (unsigned long long)traps_of(&r));
        result("sort on trapped memory", memcmp(a, r.backing + 8, N * 4) == 0, detail);
        tunmap(&r);
    }
    /* Hash and CRC over trapped bytes; CRC table on trapped memory too. */
    {
        uint32_t table[256];
        uint64_t h1, h2;
        uint32_t c1, c2;
        tmap(&r, 16384, &xie_trap_ram_dev);
        for (i = 0; i < 8192; i++)
            plain[i] = (uint8_t)rnd();
        memcpy(r.backing + 3, plain, 8192);
        h1 = r_hash(plain, 8192);
        h2 = r_hash(r.t + 3, 8192);
        result("hash of trapped bytes", h1 == h2, "");
        r_crc_table(table);
        r_crc_table((uint32_t *)(r.t + 12288));
        c1 = r_crc(table, plain, 8192);
        c2 = r_crc((uint32_t *)(r.t + 12288), r.t + 3, 8192);
        result("crc32 with trapped table and data",
               c1 == c2 && memcmp(table, r.backing + 12288, 1024) == 0, "");
        tunmap(&r);
    }
    /* Interpreter: program, stack and variables all trapped. Computes a
     * factorial-like loop with mixed operations. */
    {
        static const uint8_t prog[] = {OP_PUSH,  20,       OP_STORE, 0, /* n = 20 */
                                       OP_PUSH,  1,        OP_STORE, 1, /* acc = 1 */
                                       OP_LOAD,  1,        OP_LOAD,  0,
                                       OP_MUL, /* loop: acc * n */
                                       OP_PUSH,  3,        OP_SHL,   OP_LOAD,
                                       0,        OP_XOR,   OP_PUSH,  7,
                                       OP_DIV,   OP_STORE, 1,        OP_LOAD,
                                       0,        OP_PUSH,  1,        OP_SUB,
                                       OP_STORE, 0, /* n = n - 1 */
                                       OP_LOAD,  0,        OP_JNZ,   (uint8_t)-28,
                                       OP_LOAD,  1,        OP_END};
        int64_t stack[64], vars[8] = {0}, v1, v2;
        tmap(&r, 8192, &xie_trap_ram_dev);
        memcpy(r.backing + 4000, prog, sizeof(prog));
        v1 = r_interp(prog, stack, vars);
        v2 = r_interp(r.t + 4000, (int64_t *)(r.t + 4096 + 256), (int64_t *)(r.t + 4096 - 24));
        result("interpreter in trapped memory", v1 == v2, "");
        tunmap(&r);
    }
    /* Records with byte/short/bit-field members; linked list. */
    {
        struct rec *recs = (struct rec *)plain;
        int64_t s1, s2;
        uint64_t l1, l2;
        tmap(&r, 65536, &xie_trap_ram_dev);
        for (i = 0; i < 1000; i++) {
            recs[i].flags = (uint8_t)rnd();
            recs[i].small = (int8_t)rnd();
            recs[i].word = (uint16_t)rnd();
            recs[i].level = (unsigned)rnd() & 7;
            recs[i].pad = 0;
            recs[i].big = rnd();
        }
        memcpy(r.backing, recs, 1000 * sizeof(*recs));
        s1 = r_records(recs, 1000);
        s2 = r_records((struct rec *)r.t, 1000);
        result("records (movzx/movsx/bit fields)",
               s1 == s2 && memcmp(recs, r.backing, 1000 * sizeof(*recs)) == 0, "");
        l1 = r_list((struct node *)plain, 1500);
        l2 = r_list((struct node *)(r.t + 32768), 1500);
        result("linked list in trapped memory", l1 == l2, "");
        tunmap(&r);
    }
    /* REP MOVSB from trapped to trapped memory across pages, REP STOSQ. */
    {
        uint64_t q1[8], *q2;
        tmap(&r, 4 * 4096, &xie_trap_ram_dev);
        for (i = 0; i < 6000; i++)
            r.backing[i] = (uint8_t)rnd();
        memcpy(plain, r.backing, 6000);
        r_strings(plain + 8000, plain, 6000, q1);
        q2 = (uint64_t *)(r.t + 4 * 4096 - 64);
        r_strings(r.t + 7001, r.t, 6000, q2);
        result("rep movsb / rep stosq on trapped pages",
               memcmp(r.backing + 7001, plain + 8000, 6000) == 0 &&
                   memcmp(r.backing + 4 * 4096 - 64, q1, 64) == 0,
               "");
        tunmap(&r);
    }
    free(plain);
}

/* ---- atomicity ---- */

/* Kinds of increment a worker does; KIND_MIX rotates through the three. */
enum { KIND_ADD, KIND_XADD, KIND_CMPXCHG, KIND_MIX };

struct worker {
    volatile uint64_t *ctr;
    long iters;
    int kind;
};

static void *work(void *arg)
{
    struct worker *w = arg;
    long i;
    int k;

    for (i = 0; i < w->iters; i++) {
        k = w->kind == KIND_MIX ? (int)(i % 3) : w->kind;
        if (k == KIND_ADD) {
            __asm__ volatile("lock addq $1, %0" : "+m"(*w->ctr) : : "memory", "cc");
        } else if (k == KIND_XADD) {
            uint64_t one = 1;
            __asm__ volatile("lock xaddq %1, %0" : "+m"(*w->ctr), "+r"(one) : : "memory", "cc");
        } else {
            /* The plain read of a straddling counter is two fragments and may be
             * torn; the LOCK CMPXCHG then fails and the loop takes its value. */
            uint64_t old = *w->ctr, nv;
            do {
                nv = old + 1;
            } while (!__atomic_compare_exchange_n(w->ctr, &old, nv, 0, __ATOMIC_SEQ_CST,
                                                  __ATOMIC_SEQ_CST));
        }
    }
    return NULL;
}

/* T threads x iters increments of one trapped 8-byte counter at offset `off` of
 * a two-page region (4092: it straddles the pages). Returns lost updates
 * (negative: duplicated ones); *splits gets the split compare-exchanges. */
static long run_counter(const struct xie_trap_dev *dev, int kind, int threads, long iters,
                        unsigned off, double *ns_per_op, uint64_t *splits)
{
    struct tregion r;
    struct xie_trap_stats st;
    pthread_t tid[16];
    struct worker w[16];
    struct timespec a, b;
    uint64_t final;
    int i;

    tmap(&r, 8192, dev);
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (i = 0; i < threads; i++) {
        w[i].ctr = (volatile uint64_t *)(r.t + off);
        w[i].iters = iters;
        w[i].kind = kind;
        pthread_create(&tid[i], NULL, work, &w[i]);
    }
    for (i = 0; i < threads; i++)
        pthread_join(tid[i], NULL);
    clock_gettime(CLOCK_MONOTONIC, &b);
    memcpy(&final, r.backing + off, 8);
    *ns_per_op = ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) /
                 (double)(threads * iters);
    *splits = xie_trap_stats(r.t, &st) == 0 ? st.splits : 0;
    tunmap(&r);
    return (long)((uint64_t)threads * (uint64_t)iters - final);
}

/* CI: per layout, 4 threads and `total` increments mixing lock add, lock xadd
 * and a lock cmpxchg loop on one counter. --long: each kind alone, `total`
 * increments per kind and layout. Then the negative control per layout. */
static void test_atomic(long total, int longrun)
{
    static const char *const kinds[4] = {"lock add", "lock xadd", "lock cmpxchg loop",
                                         "add/xadd/cmpxchg mixed"};
    static const unsigned offs[2] = {64, 4092};
    static const char *const where[2] = {"in a page", "straddling pages"};
    char name[80], detail[160];
    uint64_t splits;
    double ns;
    long lost;
    int k, l;

    for (l = 0; l < 2; l++) {
        for (k = longrun ? KIND_ADD : KIND_MIX; k <= (longrun ? KIND_CMPXCHG : KIND_MIX); k++) {
            lost = run_counter(&xie_trap_ram_dev, k, 4, total / 4, offs[l], &ns, &splits);
            snprintf(name, sizeof(name), "4 threads %s, %s", kinds[k], where[l]);
            snprintf(detail, sizeof(detail), "%ld ops, %ld lost, %.0f ns/op, %llu split cmpxchg",
                     total, lost, ns, (unsigned long long)splits);
            /* The straddling counter must really have gone through the split path. */
            result(name, lost == 0 && (l == 0 ? splits == 0 : splits > 0), detail);
        }
    }
    for (l = 0; l < 2; l++) {
        lost = run_counter(&xie_trap_racy_ram_dev, KIND_ADD, 4, 50000, offs[l], &ns, &splits);
        snprintf(name, sizeof(name), "negative control, %s", where[l]);
        snprintf(detail, sizeof(detail),
                 "read-then-write device lost %ld of 200000 updates (must lose some)", lost);
        result(name, lost > 0, detail);
    }
}

/* ---- split atomics the adapter must refuse ---- */

/* Run fn in a child; returns 1 if it died of SIGABRT (the adapter refused the
 * instruction: "cannot emulate") with its memory untouched, as it must. */
static int aborts(void (*fn)(void))
{
    int status = 0;
    pid_t pid;

    fflush(NULL);
    pid = fork();
    if (pid == 0) {
        /* The adapter's one-line message is expected here: keep the log clean. */
        if (!freopen("/dev/null", "w", stderr)) _exit(3);
        fn();
        _exit(0);
    }
    if (pid < 0 || waitpid(pid, &status, 0) != pid) return 0;
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

/* LOCK ADD on 8 bytes straddling two pages of a region whose device has no
 * cmpxchg_split: must be refused, never done as a plain read and write. */
static void add_nosplit(void)
{
    /* A RAM device without cmpxchg_split. */
    struct xie_trap_dev nosplit_dev = xie_trap_ram_dev;
    struct tregion r;

    nosplit_dev.cmpxchg_split = NULL;
    tmap(&r, 8192, &nosplit_dev);
    __asm__ volatile("lock addq $1, %0" : "+m"(*(volatile uint64_t *)(r.t + 4092)) : : "memory");
    /* Reached only if the adapter completed it. */
    _exit(memcmp(r.backing + 4092, "\1\0\0\0\0\0\0\0", 8) == 0 ? 4 : 5);
}

/* The same operand half on a trapped page, half on an ordinary page mapped
 * right next to it (after the region, or before it if that address is taken):
 * no single owner can make it atomic. */
static void add_edge(void)
{
    struct tregion r;
    uint8_t *at;
    void *p;

    tmap(&r, 4096, &xie_trap_ram_dev);
    at = r.t + 4092;
    p = mmap(r.t + 4096, 4096, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (p != (void *)(r.t + 4096)) {
        at = r.t - 4;
        p = mmap(r.t - 4096, 4096, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
        if (p != (void *)(r.t - 4096)) _exit(6); /* both taken: cannot test */
    }
    __asm__ volatile("lock addq $1, %0" : "+m"(*(volatile uint64_t *)at) : : "memory");
    _exit(7);
}

static void test_refused(void)
{
    result("split atomic without cmpxchg_split refused", aborts(add_nosplit), "");
    result("split atomic across the region's edge refused", aborts(add_edge), "");
}

int main(int argc, char **argv)
{
    int longrun = argc > 1 && strcmp(argv[1], "--long") == 0;
    long total = longrun ? 5000000 : 1000000;

    if (xie_trap_init() != 0) {
        perror("xie_trap_init");
        return 2;
    }
    test_routines();
    test_refused();
    test_atomic(total, longrun);
    printf("trap: %d passed, %d failed\n", passed, failed);
    return failed != 0;
}
