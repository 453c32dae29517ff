/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pending/replay test (issue 4, "Asynchronous completion"): any callback may
 * answer XIE_CB_PENDING, the host calls xie_emulate again on the same context,
 * and the instruction must complete exactly as if nothing had been pending.
 *
 * Instances: every form tests/trace covers (tests/trace/forms.c, 64-bit mode,
 * and the same bytes again in 32-bit compatibility mode where they decode to a
 * memory form), plus a hand list of the forms that list leaves out (the stack:
 * PUSH POP PUSHA POPA PUSHF POPF ENTER LEAVE CALL RET; BT* with a register
 * offset; XLAT) and 32-bit string, LOCK and CMPXCHG8B forms. Each instance runs
 * on several random states: random registers, flags and memory, the operand,
 * the stack and the string areas inside a page or across a page boundary, REP
 * counts above 1, the instruction itself sometimes across a code page,
 * sometimes parts of the state not valid (loaded through load_state), with a
 * translate callback (a page table that maps the pages in reverse order, one
 * page sometimes not present) or without, and with each split-atomic
 * capability (cmpxchg_split, stop_others / resume_others, none).
 *
 * For every instance and state:
 *   1. reference: a device that never answers pending: final status, result,
 *      context, memory, and the trace of completed device accesses (read,
 *      write, cmpxchg, cmpxchg_split, with their data);
 *   2. for k = 0, 1, 2, ...: the device answers XIE_CB_PENDING at its k-th
 *      callback invocation (fetch, translate, read, write, cmpxchg,
 *      cmpxchg_split, load_state) once; the harness calls xie_emulate again
 *      until the status is not XIE_PENDING (bounded). Same status, result,
 *      context (GPRs, RIP, RFLAGS, segments, valid, dirty), memory and trace
 *      as the reference. A pending read, cmpxchg or translation is not a
 *      completed access; a write that answered pending is (it is posted).
 *      Fetch, translate and load_state are queries without side effects and
 *      may be asked again; they are not in the trace.
 *   3. the same with a device that answers pending at the first invocation of
 *      every access point (callback, address, size, access kind);
 *   4. REP string forms: rep_limit 1 and 2 (host-bounded iterations), alone and
 *      with pending at every first access point: after every call
 *      rCX/rSI/rDI are precise, RIP stays at the instruction until the last
 *      iteration, a stop after rep_limit iterations sets RF; the final outcome
 *      equals the unbounded run.
 * After every call that returned XIE_PENDING: no write or compare-exchange
 * completed during it and GPRs/RIP/RFLAGS are unchanged (REP string forms:
 * only whole iterations, rCX/rSI/rDI/rAX and flags); stop_others and
 * resume_others are balanced after every call.
 *
 * Expected values come from the reference run of the same engine: this test
 * checks that pending answers change nothing, not the semantics (tests/hwdiff
 * and tests/trace check those against the CPU and the SDM rules).
 *
 *   pending_test [-v] [-l] [-i INSTANCE] [-s SEED] [-n STATES] [--negative-control]
 * prints totals and "pending: N passed, M failed" (instances x states).
 * -l lists the instances, -i runs one of them, -v -v traces every call.
 * --negative-control drops the replay log before each call that completes a
 * pending instruction (a host abandoning it): repeated device reads must be
 * caught, so this exits 0 only when some instances fail.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../trace/forms.h"
#include "form.h"
#include "gen/handlers.h"
#include "xie/emu.h"

/* ---- memory: two code pages and eight device pages ---- */

#define CODE_LA    0x1000u
#define CODE_PAGES 2
#define WORLD_LA   0x10000u
#define SEG16_BASE 0x20000u /* 16-bit modes: DS ES SS FS GS base */
#define WORLD_PG   8
#define NPAGES     (CODE_PAGES + WORLD_PG)
#define PHYS_BASE  0x7ff000000ull /* with translate: page i at PHYS_BASE + (NPAGES-1-i) pages */

#define MAX_EV    2048
#define MAX_CALLS 1200 /* xie_emulate calls for one instruction (pending at every point) */

enum { K_FETCH, K_XLAT, K_READ, K_WRITE, K_CX, K_CXS, K_STOP, K_RESUME, K_LOAD };

struct ev {
    char kind;   /* 'R' read, 'W' write, 'X' cmpxchg, 'Y' cmpxchg_split */
    uint8_t res; /* R: inside stop_others; X, Y: the callback's answer */
    uint16_t size;
    uint32_t n0;
    uint64_t addr, addr1;
    uint64_t hash; /* of the data moved */
};

/* What a run leaves behind. */
struct outcome {
    int st;
    struct xie_result res;
    struct xie_ctx ctx;
    uint8_t mem[NPAGES][4096];
    struct ev trace[MAX_EV];
    unsigned ntrace;
};

struct point {
    unsigned kind;
    uint64_t a, b;
};

/* The test device (one per process: the test is single-threaded). */
struct dev {
    int xlat;     /* translate callback present */
    int fault_pg; /* page index whose translation is not present, or -1 */
    int pmode;    /* 0 never pending, 1 pending at invocation k, 2 at every first point,
                     3 at random first points (seeded by k) */
    uint64_t k;
    unsigned ncalls, npend;
    int injected;
    struct point pts[4096];
    unsigned npts;
    uint8_t mem[NPAGES][4096];
    struct ev trace[MAX_EV];
    unsigned ntrace;
    int bracket; /* inside stop_others .. resume_others */
    unsigned violations;
    char violation[160];
    struct xie_ctx full; /* the whole state, for load_state */
};

static struct dev D;
static int verbose;
/* Negative control: forget the replay log before every call after a pending
 * one (as a host that abandons the instruction would); the test must then see
 * repeated device reads. */
static int negative;
static unsigned long ref_status[5][8], n_split_atomic;
/* Executions of the instruction per run (the loop phase: 3), and whether
 * the context's decode cache and replay log carry over between them. */
static unsigned loop_reps = 1;
static int loop_carry;
/* Another agent writes the atomic operand between two calls (see interfere). */
static int interfere;
static unsigned long n_interfered;
static unsigned long long n_pending_total, n_runs, n_calls_total;

static void violate(const char *what, uint64_t a, unsigned n)
{
    if (!D.violations++)
        snprintf(D.violation, sizeof D.violation, "%s (addr %#llx size %u)", what,
                 (unsigned long long)a, n);
}

static uint64_t hash(const void *p, unsigned n, uint64_t h)
{
    const uint8_t *b = p;
    unsigned i;
    for (i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

static void record(char kind, int res, uint64_t a, uint64_t a1, unsigned n0, unsigned size,
                   uint64_t h)
{
    struct ev *e;
    if (D.ntrace >= MAX_EV) {
        violate("trace overflow", a, size);
        return;
    }
    e = &D.trace[D.ntrace++];
    memset(e, 0, sizeof *e);
    e->kind = kind;
    e->res = (uint8_t)res;
    e->size = (uint16_t)size;
    e->n0 = n0;
    e->addr = a;
    e->addr1 = a1;
    e->hash = h;
}

/* Linear addresses of the device pages: consecutive from WORLD_LA, or in the
 * 16-bit modes spread over the 64 KiB at SEG16_BASE so that a 16-bit stack
 * can wrap from offset 0 to 0xffff on the device. */
static const uint64_t map_flat[WORLD_PG] = {
    WORLD_LA,          WORLD_LA + 0x1000, WORLD_LA + 0x2000, WORLD_LA + 0x3000,
    WORLD_LA + 0x4000, WORLD_LA + 0x5000, WORLD_LA + 0x6000, WORLD_LA + 0x7000,
};
static const uint64_t map_16[WORLD_PG] = {
    SEG16_BASE,          SEG16_BASE + 0x1000, SEG16_BASE + 0x2000, SEG16_BASE + 0x3000,
    SEG16_BASE + 0x4000, SEG16_BASE + 0x5000, SEG16_BASE + 0xe000, SEG16_BASE + 0xf000,
};
static const uint64_t *wmap = map_flat;

/* Linear page index of la (code or world), or -1. */
static int lpage(uint64_t la)
{
    unsigned i;
    if (la >= CODE_LA && la < CODE_LA + CODE_PAGES * 4096u) return (int)((la - CODE_LA) >> 12);
    for (i = 0; i < WORLD_PG; i++)
        if ((la & ~4095ull) == wmap[i]) return CODE_PAGES + (int)i;
    return -1;
}

static uint64_t page_pa(int i)
{
    return PHYS_BASE + (uint64_t)(NPAGES - 1 - i) * 4096u;
}

/* The bytes behind a callback address (physical with translate, else linear). */
static uint8_t *at(uint64_t a, unsigned n)
{
    int i;
    if (n == 0 || (a & 4095) + n > 4096) {
        violate("callback access crosses a page or is empty", a, n);
        return NULL;
    }
    if (D.xlat) {
        if (a < PHYS_BASE || a >= PHYS_BASE + NPAGES * 4096ull) return NULL;
        i = NPAGES - 1 - (int)((a - PHYS_BASE) >> 12);
    } else {
        i = lpage(a);
        if (i < 0) return NULL;
    }
    return &D.mem[i][a & 4095];
}

/* Answer pending here? */
static int inject(unsigned kind, uint64_t a, uint64_t b)
{
    unsigned n = D.ncalls++, i;
    if (D.pmode == 1) {
        if (D.injected || n != D.k) return 0;
        D.injected = 1;
        D.npend++;
        return 1;
    }
    if (D.pmode == 2 || D.pmode == 3) {
        /* The first invocation of each access point; in mode 3 only one in
         * three of them, at random (seeded by k): a host answers pending
         * once, then has the answer ready. */
        for (i = 0; i < D.npts; i++)
            if (D.pts[i].kind == kind && D.pts[i].a == a && D.pts[i].b == b) return 0;
        if (D.npts < sizeof D.pts / sizeof D.pts[0]) D.pts[D.npts++] = (struct point){kind, a, b};
        if (D.pmode == 3) {
            D.k = D.k * 6364136223846793005ull + 1442695040888963407ull;
            if ((D.k >> 33) % 3) return 0;
        }
        D.npend++;
        return 1;
    }
    return 0;
}

static int cb_fetch(void *u, uint64_t a, void *buf, unsigned n)
{
    uint8_t *p;
    (void)u;
    if (n > 15) violate("fetch of more than 15 bytes", a, n);
    if (inject(K_FETCH, a, n)) return XIE_CB_PENDING;
    p = at(a, n);
    if (!p) return XIE_CB_FAIL;
    memcpy(buf, p, n);
    return XIE_CB_OK;
}

static int cb_translate(void *u, uint64_t la, unsigned acc, uint64_t *pa, struct xie_event *ev)
{
    int i = lpage(la);
    (void)u;
    if (inject(K_XLAT, la, acc)) return XIE_CB_PENDING;
    if (i < 0 || i == D.fault_pg) {
        memset(ev, 0, sizeof *ev);
        ev->vector = 14;
        ev->has_error = 1;
        ev->error_code = ((acc & XIE_XLAT_WRITE) ? 2u : 0u) | ((acc & XIE_XLAT_USER) ? 4u : 0u) |
                         ((acc & XIE_XLAT_FETCH) ? 16u : 0u);
        ev->has_cr2 = 1;
        ev->cr2 = la;
        return XIE_CB_EXCEPTION;
    }
    *pa = page_pa(i) + (la & 4095);
    return XIE_CB_OK;
}

static int cb_read(void *u, uint64_t a, void *buf, unsigned n)
{
    uint8_t *p;
    (void)u;
    if (inject(K_READ, a, n)) return XIE_CB_PENDING;
    p = at(a, n);
    if (!p) return XIE_CB_FAIL;
    memcpy(buf, p, n);
    record('R', D.bracket, a, 0, n, n, hash(p, n, 0xcbf29ce484222325ull));
    return XIE_CB_OK;
}

static int cb_write(void *u, uint64_t a, const void *buf, unsigned n)
{
    uint8_t *p;
    int pend;
    (void)u;
    pend = inject(K_WRITE, a, n);
    p = at(a, n);
    if (!p) return XIE_CB_FAIL;
    memcpy(p, buf, n);
    /* A write that answers pending is posted: it happened. */
    record('W', 0, a, 0, n, n, hash(p, n, 0xcbf29ce484222325ull));
    return pend ? XIE_CB_PENDING : XIE_CB_OK;
}

static int cmpx(uint8_t *p0, unsigned n0, uint8_t *p1, void *exp, const void *des, unsigned n)
{
    uint8_t cur[16];
    memcpy(cur, p0, n0);
    if (n > n0) memcpy(cur + n0, p1, n - n0);
    if (memcmp(cur, exp, n)) {
        memcpy(exp, cur, n);
        return XIE_CB_CHANGED;
    }
    memcpy(p0, des, n0);
    if (n > n0) memcpy(p1, (const uint8_t *)des + n0, n - n0);
    return XIE_CB_OK;
}

static int cb_cmpxchg(void *u, uint64_t a, void *exp, const void *des, unsigned n)
{
    uint8_t *p;
    uint64_t h;
    int r;
    (void)u;
    if (n != 1 && n != 2 && n != 4 && n != 8 && n != 16) violate("cmpxchg size", a, n);
    if (inject(K_CX, a, n)) return XIE_CB_PENDING;
    p = at(a, n);
    if (!p || n > 16) return XIE_CB_FAIL;
    h = hash(exp, n, hash(des, n, 0xcbf29ce484222325ull));
    r = cmpx(p, n, NULL, exp, des, n);
    record('X', r, a, 0, n, n, hash(exp, n, h));
    return r;
}

static int cb_cmpxchg_split(void *u, uint64_t a0, uint64_t a1, unsigned n0, void *exp,
                            const void *des, unsigned n)
{
    uint8_t *p0, *p1;
    uint64_t h;
    int r;
    (void)u;
    if ((n != 2 && n != 4 && n != 8 && n != 16) || n0 == 0 || n0 >= n)
        violate("cmpxchg_split size", a0, n);
    if (inject(K_CXS, a0, n)) return XIE_CB_PENDING;
    if (n0 == 0 || n0 >= n || n > 16) return XIE_CB_FAIL;
    p0 = at(a0, n0);
    p1 = at(a1, n - n0);
    if (!p0 || !p1) return XIE_CB_FAIL;
    h = hash(exp, n, hash(des, n, 0xcbf29ce484222325ull));
    r = cmpx(p0, n0, p1, exp, des, n);
    record('Y', r, a0, a1, n0, n, hash(exp, n, h));
    return r;
}

static int cb_stop(void *u)
{
    (void)u;
    if (D.bracket) violate("stop_others inside a stop_others bracket", 0, 0);
    D.bracket = 1;
    return XIE_CB_OK;
}

static void cb_resume(void *u)
{
    (void)u;
    if (!D.bracket) violate("resume_others without stop_others", 0, 0);
    D.bracket = 0;
}

static int cb_load(void *u, struct xie_ctx *c, uint64_t mask)
{
    const struct xie_ctx *f = &D.full;
    unsigned i;
    (void)u;
    if (mask & c->valid) violate("load_state for a part already valid", mask & c->valid, 0);
    if (inject(K_LOAD, mask, 0)) return XIE_CB_PENDING;
    for (i = 0; i < 16; i++)
        if (mask & XIE_STATE_GPR(i)) c->gpr[i] = f->gpr[i];
    if (mask & XIE_STATE_RIP) c->rip = f->rip;
    if (mask & XIE_STATE_RFLAGS) c->rflags = f->rflags;
    for (i = 0; i < 8; i++)
        if (mask & XIE_STATE_SEG(i)) c->seg[i] = f->seg[i];
    if (mask & XIE_STATE_GDTR) c->gdtr = f->gdtr;
    if (mask & XIE_STATE_IDTR) c->idtr = f->idtr;
    if (mask & XIE_STATE_CR0) c->cr0 = f->cr0;
    if (mask & XIE_STATE_CR2) c->cr2 = f->cr2;
    if (mask & XIE_STATE_CR3) c->cr3 = f->cr3;
    if (mask & XIE_STATE_CR4) c->cr4 = f->cr4;
    if (mask & XIE_STATE_CR8) c->cr8 = f->cr8;
    if (mask & XIE_STATE_EFER) c->efer = f->efer;
    if (mask & XIE_STATE_CPL) c->cpl = f->cpl;
    c->valid |= mask;
    return XIE_CB_OK;
}

/* Split-atomic capability: 0 none, 1 cmpxchg_split, 2 stop_others / resume_others. */
static const struct xie_ops ops_tab[2][3] = {
    {
        {.fetch = cb_fetch,
         .read = cb_read,
         .write = cb_write,
         .cmpxchg = cb_cmpxchg,
         .load_state = cb_load},
        {.fetch = cb_fetch,
         .read = cb_read,
         .write = cb_write,
         .cmpxchg = cb_cmpxchg,
         .cmpxchg_split = cb_cmpxchg_split,
         .load_state = cb_load},
        {.fetch = cb_fetch,
         .read = cb_read,
         .write = cb_write,
         .cmpxchg = cb_cmpxchg,
         .stop_others = cb_stop,
         .resume_others = cb_resume,
         .load_state = cb_load},
    },
    {
        {.fetch = cb_fetch,
         .translate = cb_translate,
         .read = cb_read,
         .write = cb_write,
         .cmpxchg = cb_cmpxchg,
         .load_state = cb_load},
        {.fetch = cb_fetch,
         .translate = cb_translate,
         .read = cb_read,
         .write = cb_write,
         .cmpxchg = cb_cmpxchg,
         .cmpxchg_split = cb_cmpxchg_split,
         .load_state = cb_load},
        {.fetch = cb_fetch,
         .translate = cb_translate,
         .read = cb_read,
         .write = cb_write,
         .cmpxchg = cb_cmpxchg,
         .stop_others = cb_stop,
         .resume_others = cb_resume,
         .load_state = cb_load},
    },
};

/* ---- instances ---- */

#define F_STACK  0x1u /* uses the stack: RSP/RBP on the device */
#define F_SMALLC 0x2u /* rCX is a small signed bit offset (BT r/m, r) */
#define F_SEG    0x4u /* loads a segment register: selector in memory, GDT on the device */
#define F_EA     0x8u /* the operand's own base and index registers address it */

struct inst {
    unsigned kind; /* XIE_INIT_LONG64, COMPAT32, PROT16 or REAL */
    uint8_t bytes[32];
    unsigned len;
    struct xie_insn insn;
    unsigned mi; /* memory operand index, or XIE_MAX_OPERANDS */
    unsigned flags;
    int moffs, string, rep;
    unsigned esize;  /* string element size */
    const char *src; /* "trace" or "hand" */
};

/* The forms tests/trace leaves out, and 32-bit forms (hex bytes). */
static const struct {
    unsigned kind;
    const char *hex;
    unsigned flags;
} hand[] = {
    {XIE_INIT_LONG64, "50", F_STACK},          /* push rax */
    {XIE_INIT_LONG64, "58", F_STACK},          /* pop rax */
    {XIE_INIT_LONG64, "66 50", F_STACK},       /* push ax */
    {XIE_INIT_LONG64, "66 5b", F_STACK},       /* pop bx */
    {XIE_INIT_LONG64, "ff 33", F_STACK},       /* push qword [rbx] */
    {XIE_INIT_LONG64, "66 ff 33", F_STACK},    /* push word [rbx] */
    {XIE_INIT_LONG64, "8f 03", F_STACK},       /* pop qword [rbx] */
    {XIE_INIT_LONG64, "66 8f 03", F_STACK},    /* pop word [rbx] */
    {XIE_INIT_LONG64, "8f 44 24 f8", F_STACK}, /* pop qword [rsp-8] (new rsp) */
    {XIE_INIT_LONG64, "6a 80", F_STACK},       /* push -128 */
    {XIE_INIT_LONG64, "68 11 22 33 44", F_STACK},
    {XIE_INIT_LONG64, "0f a0", F_STACK},          /* push fs */
    {XIE_INIT_LONG64, "0f a8", F_STACK},          /* push gs */
    {XIE_INIT_LONG64, "c8 10 00 00", F_STACK},    /* enter 16, 0 */
    {XIE_INIT_LONG64, "c8 10 00 01", F_STACK},    /* enter 16, 1 */
    {XIE_INIT_LONG64, "c8 08 00 02", F_STACK},    /* enter 8, 2 */
    {XIE_INIT_LONG64, "c8 00 00 05", F_STACK},    /* enter 0, 5 */
    {XIE_INIT_LONG64, "c8 20 00 1f", F_STACK},    /* enter 32, 31 */
    {XIE_INIT_LONG64, "66 c8 04 00 03", F_STACK}, /* enter 4, 3 (16-bit) */
    {XIE_INIT_LONG64, "c9", F_STACK},             /* leave */
    {XIE_INIT_LONG64, "66 c9", F_STACK},
    {XIE_INIT_LONG64, "e8 10 00 00 00", F_STACK}, /* call rel32 */
    {XIE_INIT_LONG64, "ff 13", F_STACK},          /* call [rbx] */
    {XIE_INIT_LONG64, "ff d1", F_STACK},          /* call rcx */
    {XIE_INIT_LONG64, "c3", F_STACK},             /* ret */
    {XIE_INIT_LONG64, "c2 10 00", F_STACK},       /* ret 16 */
    {XIE_INIT_LONG64, "66 c3", F_STACK},
    {XIE_INIT_LONG64, "9c", F_STACK}, /* pushf */
    {XIE_INIT_LONG64, "9d", F_STACK}, /* popf */
    {XIE_INIT_LONG64, "66 9c", F_STACK},
    {XIE_INIT_LONG64, "66 9d", F_STACK},
    {XIE_INIT_LONG64, "d7", 0},                    /* xlat */
    {XIE_INIT_LONG64, "0f a3 0b", F_SMALLC},       /* bt [rbx], ecx */
    {XIE_INIT_LONG64, "48 0f a3 0b", F_SMALLC},    /* bt [rbx], rcx */
    {XIE_INIT_LONG64, "66 0f a3 0b", F_SMALLC},    /* bt [rbx], cx */
    {XIE_INIT_LONG64, "0f ab 0b", F_SMALLC},       /* bts */
    {XIE_INIT_LONG64, "f0 0f ab 0b", F_SMALLC},    /* lock bts */
    {XIE_INIT_LONG64, "f0 48 0f b3 0b", F_SMALLC}, /* lock btr */
    {XIE_INIT_LONG64, "f0 66 0f bb 0b", F_SMALLC}, /* lock btc */
    {XIE_INIT_LONG64, "0f ba 23 05", 0},           /* bt [rbx], 5 */
    {XIE_INIT_LONG64, "f0 0f ba 2b 21", 0},        /* lock bts [rbx], 33 */
    {XIE_INIT_LONG64, "0f ba 33 07", 0},           /* btr */
    {XIE_INIT_LONG64, "f0 48 0f ba 3b 3f", 0},     /* lock btc */
    {XIE_INIT_COMPAT32, "60", F_STACK},            /* pushad */
    {XIE_INIT_COMPAT32, "61", F_STACK},            /* popad */
    {XIE_INIT_COMPAT32, "66 60", F_STACK},
    {XIE_INIT_COMPAT32, "66 61", F_STACK},
    {XIE_INIT_COMPAT32, "50", F_STACK},
    {XIE_INIT_COMPAT32, "5d", F_STACK},
    {XIE_INIT_COMPAT32, "ff 33", F_STACK},
    {XIE_INIT_COMPAT32, "8f 03", F_STACK},
    {XIE_INIT_COMPAT32, "06", F_STACK}, /* push es */
    {XIE_INIT_COMPAT32, "1e", F_STACK}, /* push ds */
    {XIE_INIT_COMPAT32, "c8 10 00 02", F_STACK},
    {XIE_INIT_COMPAT32, "66 c8 10 00 03", F_STACK},
    {XIE_INIT_COMPAT32, "c9", F_STACK},
    {XIE_INIT_COMPAT32, "e8 10 00 00 00", F_STACK},
    {XIE_INIT_COMPAT32, "ff 13", F_STACK},
    {XIE_INIT_COMPAT32, "c3", F_STACK},
    {XIE_INIT_COMPAT32, "c2 04 00", F_STACK},
    {XIE_INIT_COMPAT32, "9c", F_STACK},
    {XIE_INIT_COMPAT32, "9d", F_STACK},
    {XIE_INIT_COMPAT32, "d7", 0},
    {XIE_INIT_COMPAT32, "0f a3 0b", F_SMALLC},
    {XIE_INIT_COMPAT32, "f0 0f ab 0b", F_SMALLC},
    {XIE_INIT_COMPAT32, "f0 0f c7 0b", 0}, /* lock cmpxchg8b [ebx] */
    {XIE_INIT_COMPAT32, "0f c7 0b", 0},
    {XIE_INIT_COMPAT32, "f0 0f b1 0b", 0}, /* lock cmpxchg [ebx], ecx */
    {XIE_INIT_COMPAT32, "87 0b", 0},       /* xchg [ebx], ecx */
    {XIE_INIT_COMPAT32, "f0 66 0f c1 0b", 0},
    {XIE_INIT_COMPAT32, "f3 a5", 0},    /* rep movsd */
    {XIE_INIT_COMPAT32, "f3 66 a5", 0}, /* rep movsw */
    {XIE_INIT_COMPAT32, "f3 a4", 0},
    {XIE_INIT_COMPAT32, "f3 ab", 0},
    {XIE_INIT_COMPAT32, "f3 a7", 0}, /* repe cmpsd */
    {XIE_INIT_COMPAT32, "f2 ae", 0}, /* repne scasb */
    {XIE_INIT_COMPAT32, "f3 ad", 0}, /* rep lodsd */
    {XIE_INIT_COMPAT32, "a5", 0},
    /* Segment register loads: the selector from memory or the stack, the
     * descriptor from the GDT on the device (and its accessed bit written). */
    {XIE_INIT_LONG64, "8e 1b", F_SEG},              /* mov ds, [rbx] */
    {XIE_INIT_LONG64, "8e 03", F_SEG},              /* mov es, [rbx] */
    {XIE_INIT_LONG64, "8e 23", F_SEG},              /* mov fs, [rbx] */
    {XIE_INIT_LONG64, "0f a1", F_SEG | F_STACK},    /* pop fs */
    {XIE_INIT_LONG64, "66 0f a9", F_SEG | F_STACK}, /* pop gs (16-bit) */
    {XIE_INIT_COMPAT32, "8e 1b", F_SEG},
    {XIE_INIT_COMPAT32, "8e 13", F_SEG},        /* mov ss, [ebx] */
    {XIE_INIT_COMPAT32, "1f", F_SEG | F_STACK}, /* pop ds */
    {XIE_INIT_COMPAT32, "07", F_SEG | F_STACK}, /* pop es */
    {XIE_INIT_COMPAT32, "17", F_SEG | F_STACK}, /* pop ss */
    {XIE_INIT_COMPAT32, "0f a1", F_SEG | F_STACK},
    {XIE_INIT_REAL, "8e 1f", F_SEG},        /* mov ds, [bx] */
    {XIE_INIT_REAL, "1f", F_SEG | F_STACK}, /* pop ds */
    {XIE_INIT_PROT16, "8e 07", F_SEG},      /* mov es, [bx] */
    {XIE_INIT_PROT16, "07", F_SEG | F_STACK},
    /* 16-bit code (real mode and 16-bit protected mode): [bx] operands, the
     * stack wrapping at 64 KiB. */
    {XIE_INIT_REAL, "60", F_STACK}, /* pusha */
    {XIE_INIT_REAL, "61", F_STACK}, /* popa */
    {XIE_INIT_REAL, "66 60", F_STACK},
    {XIE_INIT_REAL, "66 61", F_STACK},
    {XIE_INIT_REAL, "50", F_STACK},
    {XIE_INIT_REAL, "5b", F_STACK},
    {XIE_INIT_REAL, "ff 37", F_STACK}, /* push [bx] */
    {XIE_INIT_REAL, "8f 07", F_STACK}, /* pop [bx] */
    {XIE_INIT_REAL, "66 50", F_STACK},
    {XIE_INIT_REAL, "c8 10 00 00", F_STACK},
    {XIE_INIT_REAL, "c8 10 00 03", F_STACK},
    {XIE_INIT_REAL, "66 c8 08 00 02", F_STACK},
    {XIE_INIT_REAL, "c9", F_STACK},
    {XIE_INIT_REAL, "e8 10 00", F_STACK}, /* call rel16 */
    {XIE_INIT_REAL, "ff 17", F_STACK},    /* call [bx] */
    {XIE_INIT_REAL, "c3", F_STACK},
    {XIE_INIT_REAL, "c2 06 00", F_STACK},
    {XIE_INIT_REAL, "9c", F_STACK},
    {XIE_INIT_REAL, "9d", F_STACK},
    {XIE_INIT_REAL, "66 9d", F_STACK},
    {XIE_INIT_REAL, "0f a0", F_STACK}, /* push fs */
    {XIE_INIT_REAL, "d7", 0},
    {XIE_INIT_REAL, "a5", 0},
    {XIE_INIT_REAL, "f3 a5", 0},
    {XIE_INIT_REAL, "f3 66 a5", 0},
    {XIE_INIT_REAL, "f3 a6", 0},
    {XIE_INIT_REAL, "f2 ae", 0},
    {XIE_INIT_REAL, "f3 ab", 0},
    {XIE_INIT_REAL, "ac", 0},
    {XIE_INIT_REAL, "01 0f", 0},           /* add [bx], cx */
    {XIE_INIT_REAL, "f0 01 0f", 0},        /* lock add */
    {XIE_INIT_REAL, "87 0f", 0},           /* xchg [bx], cx */
    {XIE_INIT_REAL, "f0 0f c7 0f", 0},     /* lock cmpxchg8b [bx] */
    {XIE_INIT_REAL, "f0 66 0f b1 0f", 0},  /* lock cmpxchg [bx], ecx */
    {XIE_INIT_REAL, "0f a3 0f", F_SMALLC}, /* bt [bx], cx */
    {XIE_INIT_REAL, "f0 0f ab 0f", F_SMALLC},
    {XIE_INIT_PROT16, "60", F_STACK},
    {XIE_INIT_PROT16, "61", F_STACK},
    {XIE_INIT_PROT16, "66 61", F_STACK},
    {XIE_INIT_PROT16, "50", F_STACK},
    {XIE_INIT_PROT16, "8f 07", F_STACK},
    {XIE_INIT_PROT16, "c8 10 00 02", F_STACK},
    {XIE_INIT_PROT16, "c9", F_STACK},
    {XIE_INIT_PROT16, "e8 10 00", F_STACK},
    {XIE_INIT_PROT16, "c3", F_STACK},
    {XIE_INIT_PROT16, "9c", F_STACK},
    {XIE_INIT_PROT16, "9d", F_STACK},
    {XIE_INIT_PROT16, "f3 a4", 0},
    {XIE_INIT_PROT16, "f3 67 a5", 0}, /* rep movsw with 32-bit addresses */
    {XIE_INIT_PROT16, "f0 01 0f", 0},
    {XIE_INIT_PROT16, "f0 0f c7 0f", 0},
    {XIE_INIT_PROT16, "86 0f", 0},
};

static struct inst insts[8192];
static unsigned ninsts;

static int add_inst(unsigned kind, const uint8_t *b, unsigned n, unsigned flags, const char *src)
{
    struct inst *t;
    enum xie_mode mode = kind == XIE_INIT_LONG64     ? XIE_MODE_64
                         : kind == XIE_INIT_COMPAT32 ? XIE_MODE_32
                                                     : XIE_MODE_16;
    const struct xiei_form *f;
    unsigned i;

    if (ninsts >= sizeof insts / sizeof insts[0]) {
        printf("pending: more instances than the list holds\n");
        exit(1);
    }
    t = &insts[ninsts];
    memset(t, 0, sizeof *t);
    memcpy(t->bytes, b, n);
    if (xie_decode(b, n, mode, NULL, &t->insn) != XIE_DECODE_OK) return 0;
    f = &xiei_forms[t->insn.form];
    if (!f->handler) return 0;
    t->kind = kind;
    t->len = t->insn.len;
    t->flags = flags;
    t->src = src;
    t->mi = XIE_MAX_OPERANDS;
    for (i = 0; i < t->insn.nops; i++)
        if (t->insn.operands[i].kind == XIE_OPK_MEM) {
            t->mi = i;
            break;
        }
    t->moffs = t->insn.map == 0 && t->insn.opcode >= 0xa0 && t->insn.opcode <= 0xa3;
    t->string = tf_is_string(f->handler);
    t->rep = t->string && (t->insn.prefixes & (XIE_PFX_REP | XIE_PFX_REPNE));
    if (t->string) {
        t->esize = 1;
        for (i = 0; i < t->insn.nops; i++)
            if (t->insn.operands[i].kind == XIE_OPK_MEM) t->esize = t->insn.operands[i].size;
    }
    if (t->mi == XIE_MAX_OPERANDS && !(flags & F_STACK) && !t->string) return 0;
    ninsts++;
    return 1;
}

static unsigned parse_hex(const char *s, uint8_t *b)
{
    unsigned n = 0;
    while (*s) {
        if (*s == ' ') {
            s++;
            continue;
        }
        b[n++] = (uint8_t)strtoul(s, NULL, 16);
        s += 2;
    }
    return n;
}

static void build_list(void)
{
    static struct tf_inst tl[4096];
    unsigned n = tf_instances(tl, sizeof tl / sizeof tl[0], NULL), i, j;
    uint8_t b[32];

    if (n > sizeof tl / sizeof tl[0]) {
        printf("pending: more synthesised instances than the list holds\n");
        exit(1);
    }
    for (i = 0; i < n; i++) {
        int rex = 0;
        add_inst(XIE_INIT_LONG64, tl[i].bytes, 32, 0, "trace");
        /* The same bytes in 32-bit mode, when they have no REX prefix (there
         * 40-4f are INC/DEC) and no 64-bit moffs. */
        for (j = 0; j < tl[i].len; j++)
            if ((tl[i].bytes[j] & 0xf0) == 0x40 && j < 4) rex = 1;
        if (!rex && !tl[i].moffs) add_inst(XIE_INIT_COMPAT32, tl[i].bytes, 32, 0, "trace");
        /* And in 16-bit protected mode, where ModRM 00 xxx 011 is [bp+di]. */
        if (!rex && !tl[i].moffs && !tl[i].string)
            add_inst(XIE_INIT_PROT16, tl[i].bytes, 32, F_EA, "trace");
    }
    for (i = 0; i < sizeof hand / sizeof hand[0]; i++) {
        unsigned len = parse_hex(hand[i].hex, b);
        memset(b + len, 0x01, sizeof b - len);
        if (!add_inst(hand[i].kind, b, len, hand[i].flags, "hand"))
            printf("  hand-list entry %s does not decode to an emulated form\n", hand[i].hex);
    }
}

/* ---- random states ---- */

static uint64_t rs;
static uint64_t rnd(void)
{
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return rs;
}

struct state {
    struct xie_ctx ctx; /* with invalid parts filled with garbage */
    struct xie_ctx full;
    uint8_t mem[NPAGES][4096];
    int xlat, cap, fault_pg;
    uint32_t options;
    uint64_t op_lin; /* linear address of the [rbx] operand */
    unsigned pass;   /* instruction bytes the host passes to xie_emulate */
    int use_insn;    /* the host decodes and calls xie_emulate_insn */
    uint8_t code[32];
    const uint64_t *wmap;
    uint64_t code_la;
    unsigned rep_limit;
};

static uint64_t world_addr(unsigned page, unsigned off)
{
    return wmap[page] + off;
}

static int mode16(const struct inst *t)
{
    return t->kind == XIE_INIT_REAL || t->kind == XIE_INIT_PROT16;
}

/* An operand address for `size` bytes: inside page `page`, or across the end
 * of page `page` when split. */
static uint64_t pick_addr(unsigned page, unsigned size, int split, unsigned room)
{
    if (split && size > 1) return world_addr(page, 4096 - 1 - (unsigned)(rnd() % (size - 1)));
    if (size > 1 && rnd() % 3 == 0) /* across a cache line */
        return world_addr(page,
                          64 * (8 + (unsigned)(rnd() % 40)) - 1 - (unsigned)(rnd() % (size - 1)));
    return world_addr(page, 0x200 + (unsigned)(rnd() % (4096 - 0x400 - room)));
}

static void make_state(const struct inst *t, unsigned s, uint64_t seed, struct state *S)
{
    struct xie_ctx *c = &S->full;
    const struct xie_insn *in = &t->insn;
    unsigned i, p, size = 8, split = (s % 3) != 0;
    uint64_t v;

    rs = seed * 0x9e3779b97f4a7c15ull + s * 0x632be59bd9b4e5ull + 1;
    for (i = 0; i < 4; i++)
        rnd();
    memset(S, 0, sizeof *S);
    wmap = S->wmap = mode16(t) ? map_16 : map_flat;
    S->xlat = s & 1;
    /* Sometimes the host asks for split-lock semantics (line-crossing atomic
     * operands through the split capability). */
    S->options = rnd() % 3 == 0 ? XIE_OPT_SPLIT_LOCK : 0;
    S->cap = (int)((s >> 1) % 3);
    S->fault_pg = -1;
    /* Sometimes a device page is not present (only with a page table). */
    if (S->xlat && rnd() % 8 == 0) S->fault_pg = CODE_PAGES + 1 + (int)(rnd() % (WORLD_PG - 2));
    /* Memory: random, or one repeated byte (REPE CMPS / SCAS keep going). */
    if (rnd() % 3 == 0) {
        uint8_t k = (uint8_t)rnd();
        memset(S->mem, k, sizeof S->mem);
    } else {
        for (p = 0; p < NPAGES; p++)
            for (i = 0; i < 4096; i += 8) {
                v = rnd();
                memcpy(&S->mem[p][i], &v, 8);
            }
    }
    xie_ctx_init(c, (enum xie_init_kind)t->kind, NULL, NULL);
    for (i = 0; i < 16; i++)
        c->gpr[i] = rnd();
    if (rnd() % 3 == 0) c->gpr[XIE_GPR_RAX] = 0x0101010101010101ull * S->mem[2][0];
    c->rflags = 0x202 | (rnd() & 0x8d5); /* OF DF SF ZF AF PF CF */
    if (!t->string) c->rflags &= ~0x400ull;
    /* Sometimes single-step (not for REP: one iteration per call then) and
     * alignment checking (CR0.AM is set, CPL 3 outside real mode). */
    if (!t->rep && rnd() % 8 == 0) c->rflags |= XIEI_F_TF;
    if (rnd() % 8 == 0) c->rflags |= XIEI_F_AC;
    /* The instruction bytes: fetched, passed by the host, or partly passed;
     * or the host decodes them itself (xie_emulate_insn). */
    S->use_insn = rnd() % 8 == 0;
    S->pass = (unsigned)(rnd() % 4) == 0   ? t->len
              : (unsigned)(rnd() % 4) == 0 ? (unsigned)(rnd() % t->len)
                                           : 0;
    if (t->mi < XIE_MAX_OPERANDS) size = in->operands[t->mi].size;
    if (size == 0) size = 1;
    /* The memory operand at [rbx] (or the moffs address). */
    c->gpr[XIE_GPR_RBX] = pick_addr(2 + (unsigned)(rnd() % 2), size, (int)split, 64);
    if (t->flags & F_SMALLC) {
        c->gpr[XIE_GPR_RCX] = (uint64_t)((int64_t)(rnd() % 1024) - 512);
    }
    if (t->mi < XIE_MAX_OPERANDS && rnd() % 2) {
        /* Accumulator(s) equal to memory: CMPXCHG / CMPXCHG8B/16B succeed. */
        uint8_t *m = &S->mem[lpage(c->gpr[XIE_GPR_RBX])][c->gpr[XIE_GPR_RBX] & 4095];
        /* (RBX is still linear here: offsets are made below.) */
        unsigned n0 = 4096 - (unsigned)(c->gpr[XIE_GPR_RBX] & 4095);
        uint8_t buf[16];
        memcpy(buf, &c->gpr[XIE_GPR_RAX], 8);
        memcpy(buf + 8, &c->gpr[XIE_GPR_RDX], 8);
        if (in->op == XIE_OP_CMPXCHG8B) memcpy(buf + 4, &c->gpr[XIE_GPR_RDX], 4);
        if (n0 > size) n0 = size;
        if (size <= 16) {
            memcpy(m, buf, n0);
            if (n0 < size) memcpy(&S->mem[lpage(c->gpr[XIE_GPR_RBX]) + 1][0], buf + n0, size - n0);
        }
    }
    if (t->string) {
        unsigned span = 9 * t->esize;
        c->gpr[XIE_GPR_RSI] = pick_addr(2, t->esize, (int)split, span);
        c->gpr[XIE_GPR_RDI] = pick_addr(5, t->esize, s % 2 == 0 && split, span);
        if (c->rflags & 0x400) {
            /* Going down: start far enough above the page start. */
            if ((c->gpr[XIE_GPR_RSI] & 4095) < span) c->gpr[XIE_GPR_RSI] += span;
            if ((c->gpr[XIE_GPR_RDI] & 4095) < span) c->gpr[XIE_GPR_RDI] += span;
        }
        c->gpr[XIE_GPR_RCX] = t->rep ? (rnd() % 8 == 0 ? 0 : 2 + rnd() % 8) : rnd();
    }
    if (t->flags & F_STACK) {
        /* The stack on device page 6 (rSP near its start, so that pushes may
         * cross into page 5; in the 16-bit modes near an end of the 64 KiB
         * segment, so that it wraps); rBP on page 6 or 7, room below for ENTER. */
        if (mode16(t) && split)
            c->gpr[XIE_GPR_RSP] = rnd() % 2 ? SEG16_BASE + (unsigned)(rnd() % 16)
                                            : SEG16_BASE + 0xfff0 + (unsigned)(rnd() % 16);
        else
            c->gpr[XIE_GPR_RSP] = split ? world_addr(6, 1 + (unsigned)(rnd() % 15))
                                        : world_addr(6, 0x800 + (unsigned)(rnd() % 0x400));
        c->gpr[XIE_GPR_RBP] = split ? world_addr(7, (unsigned)(rnd() % 24))
                                    : world_addr(7, 0x400 + (unsigned)(rnd() % 0x400));
        if (rnd() % 2) c->gpr[XIE_GPR_RSP] &= ~7ull;
        if (rnd() % 2) {
            /* A plausible return address / popped value on top of the stack. */
            uint64_t ra = CODE_LA + 0x40 + rnd() % 0x100, sp = c->gpr[XIE_GPR_RSP];
            for (i = 0; i < 8; i++) {
                uint64_t a = mode16(t) ? SEG16_BASE + ((sp + i) & 0xffff) : sp + i;
                S->mem[lpage(a)][a & 4095] = (uint8_t)(ra >> (8 * i));
            }
        }
        if (in->op == XIE_OP_CALL && in->operands[0].kind == XIE_OPK_GPR)
            c->gpr[XIE_GPR_RCX] = CODE_LA + 0x80;
    }
    S->op_lin = c->gpr[XIE_GPR_RBX];
    if (t->flags & F_SEG) {
        /* A GDT of 16 data descriptors (DPL 3, present, read/write, accessed
         * or not, flat 4 GiB) on device page 4, sometimes with one of them
         * across the page end; a selector (RPL 3, sometimes null) at [rbx] and
         * on top of the stack. The selector is the same in both places. */
        uint64_t gdt = split ? world_addr(4, 4096 - 8 * (1 + (unsigned)(rnd() % 15)) - 4)
                             : world_addr(4, 0x100);
        uint16_t sel = (uint16_t)((rnd() % 16) << 3 | 3);
        unsigned e;
        for (e = 1; e < 16; e++) {
            uint8_t d[8] = {0xff, 0xff, 0, 0, 0, (uint8_t)(0xf2 | (rnd() & 1)), 0xcf, 0};
            for (i = 0; i < 8; i++) {
                uint64_t a = gdt + 8 * e + i;
                S->mem[lpage(a)][a & 4095] = d[i];
            }
        }
        c->gdtr.base = gdt;
        c->gdtr.limit = 16 * 8 - 1;
        for (i = 0; i < 2; i++) {
            uint64_t a = S->op_lin + i;
            S->mem[lpage(a)][a & 4095] = (uint8_t)(sel >> (8 * i));
        }
        if (t->flags & F_STACK)
            for (i = 0; i < 2; i++) {
                uint64_t a = mode16(t) ? SEG16_BASE + ((c->gpr[XIE_GPR_RSP] + i) & 0xffff)
                                       : c->gpr[XIE_GPR_RSP] + i;
                if (t->kind == XIE_INIT_COMPAT32) a &= 0xffffffffu;
                S->mem[lpage(a)][a & 4095] = (uint8_t)(sel >> (8 * i));
            }
    }
    if (mode16(t)) {
        /* 16-bit: registers hold offsets in the segments based at SEG16_BASE. */
        static const unsigned ar[5] = {XIE_GPR_RBX, XIE_GPR_RSI, XIE_GPR_RDI, XIE_GPR_RSP,
                                       XIE_GPR_RBP};
        for (i = 0; i < 5; i++)
            c->gpr[ar[i]] = (c->gpr[ar[i]] - SEG16_BASE) & 0xffff;
        for (i = XIE_SEG_ES; i <= XIE_SEG_GS; i++) {
            if (i == XIE_SEG_CS) continue;
            c->seg[i].base = SEG16_BASE;
            if (t->kind == XIE_INIT_REAL) c->seg[i].sel = SEG16_BASE >> 4;
        }
        if ((t->flags & F_EA) && t->mi < XIE_MAX_OPERANDS) {
            /* [base + index] = the chosen offset: base = offset, index = 0. */
            const struct xie_operand *o = &in->operands[t->mi];
            uint64_t off = c->gpr[XIE_GPR_RBX];
            if (o->index < 16) c->gpr[o->index] = 0;
            if (o->base < 16) c->gpr[o->base] = off;
        }
        /* PROT16: a 16-bit or a 32-bit stack segment. */
        if (t->kind == XIE_INIT_PROT16 && rnd() % 2) {
            c->seg[XIE_SEG_SS].attr &= ~XIE_SATTR_DB;
            c->seg[XIE_SEG_SS].limit = 0xffff;
        }
    }
    if (t->kind == XIE_INIT_COMPAT32)
        for (i = 0; i < 16; i++)
            if (i == XIE_GPR_RBX || i == XIE_GPR_RSI || i == XIE_GPR_RDI || i == XIE_GPR_RSP ||
                i == XIE_GPR_RBP)
                c->gpr[i] = (c->gpr[i] & 0xffffffffu) | (rnd() << 32);
    /* The instruction: inside the first code page, or across into the second. */
    S->code_la = (s % 4 == 3)
                     ? CODE_LA + 4096 - 1 - (unsigned)(rnd() % (t->len > 1 ? t->len - 1 : 1))
                     : CODE_LA + 0x100 + (unsigned)(rnd() % 0x100);
    c->rip = S->code_la;
    {
        uint8_t code[32];
        memcpy(code, t->bytes, sizeof code);
        if (t->moffs)
            for (i = 0; i < 8; i++)
                code[t->len - 8 + i] = (uint8_t)(c->gpr[XIE_GPR_RBX] >> (8 * i));
        for (i = 0; i < t->len; i++) {
            uint64_t a = S->code_la + i;
            S->mem[lpage(a)][a & 4095] = code[i];
        }
        memcpy(S->code, code, sizeof code);
    }
    S->ctx = *c;
    /* Sometimes parts of the state are not valid yet: garbage there, loaded
     * through load_state when needed. */
    if (rnd() % 3 == 0) {
        uint64_t drop = rnd() % 4 == 0 ? XIE_STATE_ALL : (rnd() & rnd() & XIE_STATE_ALL);
        S->ctx.valid = XIE_STATE_ALL & ~drop;
        for (i = 0; i < 16; i++)
            if (drop & XIE_STATE_GPR(i)) S->ctx.gpr[i] = 0xbad0bad0bad0bad0ull ^ i;
        if (drop & XIE_STATE_RIP) S->ctx.rip = 0xbad;
        if (drop & XIE_STATE_RFLAGS) S->ctx.rflags = 0xbad;
        for (i = 0; i < 8; i++)
            if (drop & XIE_STATE_SEG(i)) memset(&S->ctx.seg[i], 0xa5, sizeof S->ctx.seg[i]);
        if (drop & XIE_STATE_CR0) S->ctx.cr0 = 0xbad;
        if (drop & XIE_STATE_EFER) S->ctx.efer = 0xbad;
        if (drop & XIE_STATE_CPL) S->ctx.cpl = 0xb;
        if (drop & XIE_STATE_CR4) S->ctx.cr4 = 0xbad;
    }
}

/* ---- running ---- */

/* What another vCPU does to the memory around the operand of a LOCKed
 * instruction ([rbx - 72, rbx + 88): covers a BT* bit-offset operand too). */
static void other_agent_write(uint8_t mem[NPAGES][4096], uint64_t lin)
{
    uint64_t a;
    for (a = lin - 72; a < lin + 88; a++) {
        int p = lpage(a);
        if (p >= CODE_PAGES) mem[p][a & 4095] ^= 0x5a;
    }
}

static int recheck_pending_call(const struct inst *t, const struct xie_ctx *before,
                                const struct xie_ctx *after, unsigned ntrace0, char *why,
                                size_t whylen)
{
    unsigned i;
    /* Nothing written during a call that returned XIE_PENDING, unless a REP
     * string instruction committed whole iterations. */
    for (i = ntrace0; i < D.ntrace && !t->string; i++)
        if (D.trace[i].kind != 'R') {
            snprintf(why, whylen, "a %c access completed in a call that returned pending",
                     D.trace[i].kind);
            return 0;
        }
    for (i = 0; i < 16; i++) {
        if (t->string &&
            (i == XIE_GPR_RCX || i == XIE_GPR_RSI || i == XIE_GPR_RDI || i == XIE_GPR_RAX))
            continue;
        if ((before->valid & XIE_STATE_GPR(i)) && before->gpr[i] != after->gpr[i]) {
            snprintf(why, whylen, "pending changed gpr %u", i);
            return 0;
        }
    }
    if ((before->valid & XIE_STATE_RIP) && before->rip != after->rip) {
        snprintf(why, whylen, "pending moved RIP");
        return 0;
    }
    if (!t->string && (before->valid & XIE_STATE_RFLAGS) && before->rflags != after->rflags) {
        snprintf(why, whylen, "pending changed RFLAGS");
        return 0;
    }
    return 1;
}

/* Iterations done so far, checked against rSI/rDI; -1 when imprecise. */
static long rep_progress(const struct inst *t, const struct xie_ctx *c0, const struct xie_ctx *c)
{
    const struct xiei_form *f = &xiei_forms[t->insn.form];
    uint64_t m = t->insn.asz == 8 ? ~0ull : (1ull << (8 * t->insn.asz)) - 1;
    uint64_t done = (c0->gpr[XIE_GPR_RCX] - c->gpr[XIE_GPR_RCX]) & m;
    uint64_t step = (c0->rflags & 0x400) ? (uint64_t)0 - t->esize : t->esize;
    int si = f->handler == XIEI_H_MOVS || f->handler == XIEI_H_CMPS || f->handler == XIEI_H_LODS;
    int di = f->handler != XIEI_H_LODS;

    if (((c->gpr[XIE_GPR_RSI] - c0->gpr[XIE_GPR_RSI]) & m) != (si ? (done * step) & m : 0))
        return -1;
    if (((c->gpr[XIE_GPR_RDI] - c0->gpr[XIE_GPR_RDI]) & m) != (di ? (done * step) & m : 0))
        return -1;
    return (long)done;
}

/*
 * Run t on state S with the device in pending mode pmode (k for mode 1) and
 * rep_limit rl; calls xie_emulate until the instruction is done (not pending,
 * and for rl != 0 not stopped with XIE_RETIRE_REP_MORE). Fills *o. Returns 1,
 * or 0 with why filled when a per-call check failed.
 */
static int run(const struct inst *t, const struct state *S, int pmode, uint64_t k, unsigned rl,
               struct outcome *o, char *why, size_t whylen)
{
    struct xie_ctx c = S->ctx, before;
    unsigned calls = 0, ntrace0;
    long prev = 0, now;
    int st;

    memcpy(D.mem, S->mem, sizeof D.mem);
    wmap = S->wmap;
    D.xlat = S->xlat;
    D.fault_pg = S->fault_pg;
    D.pmode = pmode;
    D.k = k;
    D.ncalls = D.npend = 0;
    D.injected = 0;
    D.npts = 0;
    D.ntrace = 0;
    D.bracket = 0;
    D.violations = 0;
    D.full = S->full;
    c.ops = &ops_tab[S->xlat][S->cap];
    c.user = &D;
    c.rep_limit = rl;
    c.options = S->options;
    n_runs++;
    for (;;) {
        before = c;
        ntrace0 = D.ntrace;
        if (negative) c.replay.n = 0;
        if (S->use_insn) {
            struct xie_insn in;
            enum xie_mode m = t->insn.mode;
            if (xie_decode(S->code, t->len, m, NULL, &in) != XIE_DECODE_OK) {
                snprintf(why, whylen, "the host's decode failed");
                return 0;
            }
            st = xie_emulate_insn(&c, &in, &o->res);
        } else {
            st = xie_emulate(&c, S->pass ? S->code : NULL, S->pass, &o->res);
        }
        calls++;
        if (verbose > 1) {
            unsigned i;
            printf("      call %u (pmode %d k %llu): %s, trace", calls, pmode,
                   (unsigned long long)k, xie_strerror(st));
            for (i = ntrace0; i < D.ntrace; i++)
                printf(" %c%u@%#llx/%d", D.trace[i].kind, D.trace[i].size,
                       (unsigned long long)D.trace[i].addr, D.trace[i].res);
            printf("\n");
        }
        n_calls_total++;
        if (D.bracket) {
            snprintf(why, whylen, "stop_others without resume_others at return (%s)",
                     xie_strerror(st));
            return 0;
        }
        if (D.violations) {
            snprintf(why, whylen, "callback contract: %s", D.violation);
            return 0;
        }
        if (st == XIE_PENDING && !recheck_pending_call(t, &before, &c, ntrace0, why, whylen))
            return 0;
        if (st == XIE_PENDING) {
            /* Reads of a split atomic operand under stop_others are done again
             * under the next stop (emu.h, stop_others: atomicity over
             * exactly-once): those of this call do not count as completed. */
            unsigned i, j = ntrace0;
            for (i = ntrace0; i < D.ntrace; i++)
                if (!(D.trace[i].kind == 'R' && D.trace[i].res)) D.trace[j++] = D.trace[i];
            D.ntrace = j;
        }
        if (t->rep && (c.valid & XIE_STATE_GPRS) == XIE_STATE_GPRS) {
            now = rep_progress(t, &S->full, &c);
            if (now < 0 || now < prev || (rl && (unsigned long)(now - prev) > rl)) {
                snprintf(why, whylen, "rep_limit %u: call %u imprecise (progress %ld after %ld)",
                         rl, calls, now, prev);
                return 0;
            }
            if (st == XIE_OK && (o->res.retire & XIE_RETIRE_REP_MORE)) {
                if ((unsigned long)(now - prev) != rl || c.rip != S->full.rip ||
                    !(c.rflags & XIEI_F_RF)) {
                    snprintf(why, whylen,
                             "rep_limit %u: stop after %ld iterations, rip %#llx, RF %d", rl,
                             now - prev, (unsigned long long)c.rip, !!(c.rflags & XIEI_F_RF));
                    return 0;
                }
            }
            prev = now;
        }
        if (calls >= MAX_CALLS) {
            snprintf(why, whylen, "still not done after %u calls", calls);
            return 0;
        }
        if (st == XIE_PENDING && interfere == 1) {
            /* Between the calls the other vCPUs run (no stop_others bracket
             * is open): one of them writes the operand. */
            other_agent_write(D.mem, S->op_lin);
            interfere = 2;
            n_interfered++;
        }
        if (st == XIE_PENDING) continue;
        if (rl && st == XIE_OK && (o->res.retire & XIE_RETIRE_REP_MORE)) continue;
        break;
    }
    if (c.replay.n) {
        snprintf(why, whylen, "replay log not cleared after %s", xie_strerror(st));
        return 0;
    }
    o->st = st;
    o->ctx = c;
    memcpy(o->mem, D.mem, sizeof o->mem);
    memcpy(o->trace, D.trace, D.ntrace * sizeof D.trace[0]);
    o->ntrace = D.ntrace;
    n_pending_total += D.npend;
    return 1;
}

static void show_trace(const char *what, const struct outcome *o)
{
    unsigned i;
    printf("      %s (%u):", what, o->ntrace);
    for (i = 0; i < o->ntrace && i < 24; i++)
        printf(" %c%u@%#llx", o->trace[i].kind, o->trace[i].size,
               (unsigned long long)o->trace[i].addr);
    printf("%s\n", o->ntrace > 24 ? " ..." : "");
}

/* Compare a run with the reference; why gets the first difference. */
static int same(const struct outcome *r, const struct outcome *o, int bounded, char *why,
                size_t whylen)
{
    const struct xie_ctx *a = &r->ctx, *b = &o->ctx;
    /* A REP instruction stopped by rep_limit sets RF, and the last call clears
     * it: RFLAGS may be dirty with the same final value. */
    uint64_t dmask = bounded ? ~XIE_STATE_RFLAGS : ~0ull;
    unsigned i;

    if (r->st != o->st) {
        snprintf(why, whylen, "status %s, reference %s", xie_strerror(o->st), xie_strerror(r->st));
        return 0;
    }
    if (r->res.reason != o->res.reason || r->res.len != o->res.len ||
        (r->res.retire & ~XIE_RETIRE_REP_MORE) != (o->res.retire & ~XIE_RETIRE_REP_MORE) ||
        r->res.op != o->res.op || (r->st == XIE_OK && r->res.new_rip != o->res.new_rip)) {
        snprintf(why, whylen, "result differs (reason %u/%u retire %#x/%#x)", o->res.reason,
                 r->res.reason, o->res.retire, r->res.retire);
        return 0;
    }
    if (r->st == XIE_EXCEPTION && memcmp(&r->res.event, &o->res.event, sizeof r->res.event)) {
        snprintf(why, whylen, "event differs (vector %u/%u)", o->res.event.vector,
                 r->res.event.vector);
        return 0;
    }
    for (i = 0; i < 16; i++)
        if (a->gpr[i] != b->gpr[i]) {
            snprintf(why, whylen, "gpr %u %#llx, reference %#llx", i, (unsigned long long)b->gpr[i],
                     (unsigned long long)a->gpr[i]);
            return 0;
        }
    if (a->rip != b->rip || a->rflags != b->rflags || (a->dirty & dmask) != (b->dirty & dmask) ||
        a->valid != b->valid) {
        snprintf(why, whylen,
                 "rip %#llx/%#llx rflags %#llx/%#llx dirty %#llx/%#llx valid %#llx/%#llx",
                 (unsigned long long)b->rip, (unsigned long long)a->rip,
                 (unsigned long long)b->rflags, (unsigned long long)a->rflags,
                 (unsigned long long)b->dirty, (unsigned long long)a->dirty,
                 (unsigned long long)b->valid, (unsigned long long)a->valid);
        return 0;
    }
    if (memcmp(a->seg, b->seg, sizeof a->seg) || a->cr0 != b->cr0 || a->cr4 != b->cr4 ||
        a->efer != b->efer || a->cpl != b->cpl) {
        snprintf(why, whylen, "segments or control registers differ");
        return 0;
    }
    if (memcmp(r->mem, o->mem, sizeof r->mem)) {
        snprintf(why, whylen, "memory differs");
        return 0;
    }
    if (interfere) return 1; /* the reads before the other agent's write differ */
    if (r->ntrace != o->ntrace || memcmp(r->trace, o->trace, r->ntrace * sizeof r->trace[0])) {
        snprintf(why, whylen, "access trace differs (%u accesses, reference %u)", o->ntrace,
                 r->ntrace);
        return 0;
    }
    return 1;
}

/* ---- expected failures (engine bugs, /work/notes/s2/pend-bugs.md) ---- */

/* Test phases, for the expected-failure list. */
enum {
    PH_REF,    /* the reference run's own checks */
    PH_K,      /* pending at invocation k */
    PH_EVERY,  /* pending at every first access point */
    PH_ATOMIC, /* LOCK atomicity with another agent's write between calls */
    PH_REP,    /* rep_limit */
    PH_RANDOM, /* pending at random first access points */
    PH_LOOP,   /* executed three times in a row on one context */
};
static const char *const phase_name[] = {
    "reference",
    "pending at invocation k",
    "pending at every first access point",
    "LOCK atomicity: another agent writes between pending calls",
    "rep_limit (with and without pending at every point)",
    "pending at random first access points",
    "three executions in a row on one context (decode cache warm)",
};

struct xfail {
    int phase;     /* PH_* */
    int split_cap; /* only with this split capability (-1: any) */
    int split;     /* 1: only when the atomic operand crosses a page */
    int bug;       /* number in pend-bugs.md */
};

/* Open bugs only; an entry names its number in pend-bugs.md. Bug 1 (split
 * atomic under stop_others replayed a stale fragment) is fixed (65ef781). The
 * last entry (bug 0) ends the list and matches nothing. */
static const struct xfail xfails[] = {
    {PH_REF, -1, 0, 0},
};

/* Does the memory operand at [rbx] (size bytes) cross a page? */
static int operand_split(const struct inst *t, const struct state *S)
{
    uint64_t a = S->op_lin;
    unsigned size = t->mi < XIE_MAX_OPERANDS ? t->insn.operands[t->mi].size : 1;
    if (t->flags & F_SMALLC) return 1; /* the bit offset moves it: do not tell */
    return (a & 4095) + size > 4096;
}

static int xfailed(const struct inst *t, const struct state *S, int phase)
{
    unsigned i;
    for (i = 0; i < sizeof xfails / sizeof xfails[0]; i++) {
        const struct xfail *x = &xfails[i];
        if (!x->bug || x->phase != phase) continue;
        if (x->split_cap >= 0 && x->split_cap != S->cap) continue;
        if (x->split && !operand_split(t, S)) continue;
        return x->bug;
    }
    return 0;
}

static struct outcome ref, got;

static void describe(const struct inst *t, const struct state *S, unsigned s)
{
    unsigned i;
    printf("  FAIL [%u] %s %s (%s, %s) bytes", (unsigned)(t - insts),
           t->kind == XIE_INIT_LONG64     ? "64"
           : t->kind == XIE_INIT_COMPAT32 ? "32"
           : t->kind == XIE_INIT_PROT16   ? "p16"
                                          : "real",
           xie_op_name(t->insn.op), t->src, t->rep ? "rep" : "-");
    for (i = 0; i < t->len; i++)
        printf(" %02x", t->bytes[i]);
    printf("; state %u: translate %d, split cap %d, options %#x, fault page %d, bytes passed %u, "
           "rflags %#llx, valid %#llx, rcx %#llx\n",
           s, S->xlat, S->cap, S->options, S->fault_pg, S->use_insn ? 99 : S->pass,
           (unsigned long long)S->full.rflags, (unsigned long long)S->ctx.valid,
           (unsigned long long)S->full.gpr[XIE_GPR_RCX]);
}

int main(int argc, char **argv)
{
    static struct state S;
    uint64_t seed = 1;
    int only = -1, list = 0;
    unsigned nstates = 8, i, s, k;
    unsigned long passed = 0, failed = 0, xfail = 0, kruns = 0, inst_rep = 0;
    char why[256];

    for (i = 1; i < (unsigned)argc; i++) {
        if (!strcmp(argv[i], "-v"))
            verbose++;
        else if (!strcmp(argv[i], "-i") && i + 1 < (unsigned)argc)
            only = (int)strtol(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "-l"))
            list = 1;
        else if (!strcmp(argv[i], "--negative-control"))
            negative = 1;
        else if (!strcmp(argv[i], "-s") && i + 1 < (unsigned)argc)
            seed = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "-n") && i + 1 < (unsigned)argc)
            nstates = (unsigned)strtoul(argv[++i], NULL, 0);
        else {
            printf("usage: pending_test [-v] [-l] [-i INSTANCE] [-s SEED] [-n STATES] "
                   "[--negative-control]\n");
            return 2;
        }
    }
    build_list();
    if (list) {
        for (i = 0; i < ninsts; i++) {
            unsigned j;
            printf("%u %s %s:", i, insts[i].src, xie_op_name(insts[i].insn.op));
            for (j = 0; j < insts[i].len; j++)
                printf(" %02x", insts[i].bytes[j]);
            printf(" (init kind %u)\n", insts[i].kind);
        }
        return 0;
    }
    for (i = 0; i < ninsts; i++) {
        const struct inst *t = &insts[i];
        if (only >= 0 && i != (unsigned)only) continue;
        if (t->rep) inst_rep++;
        for (s = 0; s < nstates; s++) {
            int ok = 1, bug;
            int phase = PH_REF;
            make_state(t, s, seed * 1000003u + i, &S);
            why[0] = 0;
            if (!run(t, &S, 0, 0, 0, &ref, why, sizeof why)) ok = 0;
            ref_status[t->kind][ref.st & 7]++;
            for (k = 0; k < ref.ntrace; k++)
                if (ref.trace[k].kind == 'Y') n_split_atomic++;
            for (k = 0; ok; k++) {
                phase = PH_K;
                if (!run(t, &S, 1, k, 0, &got, why, sizeof why) ||
                    !same(&ref, &got, 0, why, sizeof why))
                    ok = 0;
                kruns++;
                if (!D.injected) break; /* k is past the last callback */
            }
            if (ok) {
                phase = PH_EVERY;
                if (!run(t, &S, 2, 0, 0, &got, why, sizeof why) ||
                    !same(&ref, &got, 0, why, sizeof why))
                    ok = 0;
            }
            for (k = 0; ok && k < 3; k++) {
                phase = PH_RANDOM;
                if (!run(t, &S, 3, seed * 7919u + i * 131u + s * 17u + k, 0, &got, why,
                         sizeof why) ||
                    !same(&ref, &got, 0, why, sizeof why))
                    ok = 0;
            }
            if (ok) {
                /* A polling loop: three executions on one context (the decode
                 * cache warm from the second on), without and with pending
                 * answers, against three on fresh contexts. */
                static struct outcome ref3;
                unsigned pm;
                phase = PH_LOOP;
                loop_reps = 3;
                loop_carry = 0;
                if (!run(t, &S, 0, 0, 0, &ref3, why, sizeof why)) ok = 0;
                loop_carry = 1;
                for (pm = 0; pm <= 3 && ok; pm += 3)
                    if (!run(t, &S, (int)pm, seed + i + s, 0, &got, why, sizeof why) ||
                        !same(&ref3, &got, 0, why, sizeof why))
                        ok = 0;
                loop_reps = 1;
                loop_carry = 0;
            }
            if (ok &&
                (t->insn.prefixes & XIE_PFX_LOCK ||
                 xiei_forms[t->insn.form].handler == XIEI_H_XCHG) &&
                t->mi < XIE_MAX_OPERANDS) {
                /* Atomicity across a pending answer: another agent writes the
                 * operand between the pending call and the next. The only
                 * serial order possible (nothing was written before) is that
                 * write first, then the whole instruction: the reference is
                 * the instruction run on memory the agent already wrote. */
                static struct state S2;
                static struct outcome ref2;
                S2 = S;
                other_agent_write(S2.mem, S.op_lin);
                interfere = 0;
                if (!run(t, &S2, 0, 0, 0, &ref2, why, sizeof why)) ok = 0;
                for (k = 0; ok; k++) {
                    phase = PH_ATOMIC;
                    interfere = 1;
                    if (!run(t, &S, 1, k, 0, &got, why, sizeof why)) ok = 0;
                    /* k past the last callback: no pending, no other agent. */
                    if (ok && interfere == 1) break;
                    if (ok && !same(&ref2, &got, 0, why, sizeof why)) ok = 0;
                }
                interfere = 0;
            }
            if (ok && t->rep) {
                unsigned rl, pm;
                for (rl = 1; rl <= 2 && ok; rl++)
                    for (pm = 0; pm <= 2 && ok; pm += 2) {
                        phase = PH_REP;
                        if (!run(t, &S, (int)pm, 0, rl, &got, why, sizeof why) ||
                            !same(&ref, &got, 1, why, sizeof why))
                            ok = 0;
                    }
            }
            if (ok) {
                passed++;
                continue;
            }
            bug = xfailed(t, &S, phase);
            if (bug) {
                xfail++;
                if (verbose)
                    printf("  expected failure (bug %d): %s: %s\n", bug, phase_name[phase], why);
                continue;
            }
            failed++;
            if (failed <= 40 && (!negative || verbose)) {
                describe(t, &S, s);
                printf("    %s (k=%u): %s\n", phase_name[phase], k, why);
                if (strstr(why, "trace")) {
                    show_trace("reference", &ref);
                    show_trace("got      ", &got);
                }
            }
        }
    }
    {
        static unsigned char seen[65536];
        unsigned nforms = 0;
        for (i = 0; i < ninsts; i++)
            if (insts[i].insn.form < sizeof seen && !seen[insts[i].insn.form]++) nforms++;
        printf("pending: %u table forms (tests/trace's and the hand list's)\n", nforms);
    }
    printf("pending: %u instances (%lu REP string) x %u states; %lu runs with pending at "
           "invocation k; %llu xie_emulate runs, %llu calls, %llu pending answers injected; "
           "seed %llu\n",
           ninsts, inst_rep, nstates, kruns, n_runs, n_calls_total, n_pending_total,
           (unsigned long long)seed);
    printf("pending: reference statuses (real/prot16/-/compat32/long64):");
    for (i = 0; i <= XIE_INVALID_ARGUMENT; i++)
        printf(" %s %lu/%lu/%lu/%lu", xie_strerror((int)i), ref_status[XIE_INIT_REAL][i],
               ref_status[XIE_INIT_PROT16][i], ref_status[XIE_INIT_COMPAT32][i],
               ref_status[XIE_INIT_LONG64][i]);
    printf("; %lu split compare-exchanges; %lu LOCK runs with another agent's write "
           "between calls\n",
           n_split_atomic, n_interfered);
    if (negative) {
        /* The control passes when the test caught the forgotten log. */
        printf("pending (negative control, replay log dropped): %lu detected, %lu undetected\n",
               failed, passed);
        return failed == 0;
    }
    printf("pending: %lu passed, %lu failed, %lu expected failures (pend-bugs.md)\n", passed,
           failed, xfail);
    return failed != 0;
}
