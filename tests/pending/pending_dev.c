/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The pending/replay test's device (see pending_test.c): memory behind every
 * callback, the page table of the translate callback, the trace of completed
 * accesses, and the pending answers injected (at invocation k, at the first
 * invocation of every access point, or at random first points).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pending.h"

struct dev pt_dev;

static void violate(const char *what, uint64_t a, unsigned n)
{
    if (!pt_dev.violations++)
        snprintf(pt_dev.violation, sizeof pt_dev.violation, "%s (addr %#llx size %u)", what,
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
    if (pt_dev.ntrace >= MAX_EV) {
        violate("trace overflow", a, size);
        return;
    }
    e = &pt_dev.trace[pt_dev.ntrace++];
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
const uint64_t pt_map_flat[WORLD_PG] = {
    WORLD_LA,          WORLD_LA + 0x1000, WORLD_LA + 0x2000, WORLD_LA + 0x3000,
    WORLD_LA + 0x4000, WORLD_LA + 0x5000, WORLD_LA + 0x6000, WORLD_LA + 0x7000,
};
const uint64_t pt_map_16[WORLD_PG] = {
    SEG16_BASE,          SEG16_BASE + 0x1000, SEG16_BASE + 0x2000, SEG16_BASE + 0x3000,
    SEG16_BASE + 0x4000, SEG16_BASE + 0x5000, SEG16_BASE + 0xe000, SEG16_BASE + 0xf000,
};
const uint64_t *pt_wmap = pt_map_flat;

int pt_lpage(uint64_t la)
{
    unsigned i;
    if (la >= CODE_LA && la < CODE_LA + CODE_PAGES * 4096u) return (int)((la - CODE_LA) >> 12);
    for (i = 0; i < WORLD_PG; i++)
        if ((la & ~4095ull) == pt_wmap[i]) return CODE_PAGES + (int)i;
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
    if (pt_dev.xlat) {
        if (a < PHYS_BASE || a >= PHYS_BASE + NPAGES * 4096ull) return NULL;
        i = NPAGES - 1 - (int)((a - PHYS_BASE) >> 12);
    } else {
        i = pt_lpage(a);
        if (i < 0) return NULL;
    }
    return &pt_dev.mem[i][a & 4095];
}

/* Answer pending here? */
static int inject(unsigned kind, uint64_t a, uint64_t b)
{
    unsigned n = pt_dev.ncalls++, i;
    if (pt_dev.pmode == 1) {
        if (pt_dev.injected || n != pt_dev.k) return 0;
        pt_dev.injected = 1;
        pt_dev.npend++;
        return 1;
    }
    if (pt_dev.pmode == 2 || pt_dev.pmode == 3) {
        /* The first invocation of each access point; in mode 3 only one in
         * three of them, at random (seeded by k): a host answers pending
         * once, then has the answer ready. */
        for (i = 0; i < pt_dev.npts; i++)
            if (pt_dev.pts[i].kind == kind && pt_dev.pts[i].a == a && pt_dev.pts[i].b == b)
                return 0;
        if (pt_dev.npts < sizeof pt_dev.pts / sizeof pt_dev.pts[0])
            pt_dev.pts[pt_dev.npts++] = (struct point){kind, a, b};
        if (pt_dev.pmode == 3) {
            pt_dev.k = pt_dev.k * 6364136223846793005ull + 1442695040888963407ull;
            if ((pt_dev.k >> 33) % 3) return 0;
        }
        pt_dev.npend++;
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
    int i = pt_lpage(la);
    (void)u;
    if (inject(K_XLAT, la, acc)) return XIE_CB_PENDING;
    if (i < 0 || i == pt_dev.fault_pg) {
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
    record('R', pt_dev.bracket, a, 0, n, n, hash(p, n, 0xcbf29ce484222325ull));
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
    if (pt_dev.bracket) violate("stop_others inside a stop_others bracket", 0, 0);
    pt_dev.bracket = 1;
    return XIE_CB_OK;
}

static void cb_resume(void *u)
{
    (void)u;
    if (!pt_dev.bracket) violate("resume_others without stop_others", 0, 0);
    pt_dev.bracket = 0;
}

static int cb_load(void *u, struct xie_ctx *c, uint64_t mask)
{
    const struct xie_ctx *f = &pt_dev.full;
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
const struct xie_ops pt_ops[2][3] = {
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
