/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the emulator: the input chooses the processor mode, the
 * register state, which parts of it are valid (the rest comes through
 * load_state), the instruction bytes, the split-atomic capability, and every
 * answer the callbacks give: XIE_CB_PENDING, XIE_CB_FAIL, XIE_CB_EXCEPTION (#PF
 * from translate), XIE_CB_CHANGED (compare-exchange races), port input. When
 * the status is XIE_PENDING the target calls xie_emulate again on the same
 * context (at most MAX_CALLS times), as a host completing the access does, so
 * the replay path runs; sometimes the host abandons the instruction instead
 * (replay.n = 0, as emu.h allows). Sometimes the instruction runs three times
 * in a row on the context (a polling loop: the decode cache warm). Memory and translations are the
 * same on every call (a consistent host); only the answers vary.
 *
 * Built with ASan and UBSan (fuzz/CMakeLists.txt), so any crash or undefined
 * behaviour is a finding. It also checks every contract of emu.h a host can
 * see, after every call:
 *   - the status is a valid enum xie_status and equals res.status;
 *   - no memory callback sees an access of size 0 or one that crosses 4 KiB;
 *     fetches are at most 15 bytes; cmpxchg sizes 1/2/4/8/16; cmpxchg_split
 *     sizes 2/4/8/16 with 0 < n0 < size, each fragment inside its page;
 *   - stop_others is never nested, resume_others is called exactly once after
 *     each stop_others that returned XIE_CB_OK, before xie_emulate returns, and
 *     never without one;
 *   - load_state is asked only for parts not valid, each at most once per call,
 *     and never for a part outside XIE_STATE_ALL;
 *   - XIE_EXCEPTION, XIE_RETRY, XIE_PENDING, XIE_UNHANDLEABLE,
 *     XIE_UNIMPLEMENTED and XIE_INVALID_ARGUMENT leave GPRs, RIP and RFLAGS
 *     unchanged, except the iterations a REP string instruction completed
 *     (rCX/rSI/rDI/rAX and RFLAGS; RIP still at the instruction);
 *   - nothing is written before the instruction completes: a call whose
 *     status is not XIE_OK performed no write and no successful
 *     compare-exchange, except REP iterations and, for XIE_UNHANDLEABLE, the
 *     writes before a write callback that failed;
 *   - XIE_OK: RIP is res.new_rip and marked dirty, 1 <= res.len <= 15; with
 *     XIE_RETIRE_REP_MORE (string instructions only) RIP stays and RF is set;
 *   - XIE_EXCEPTION: a vector below 32; segments, CR0, CR4, EFER and CPL are
 *     unchanged by every status but XIE_OK;
 *   - exactly once: a device read completed in one call of a pending
 *     instruction does not reach the read callback again in a later call
 *     (string instructions, which may read one address twice, and reads
 *     under stop_others, which are done again under the next stop, aside);
 *   - dirty only grows; the replay log is empty after every status but
 *     XIE_PENDING, within its bounds, and belongs to the current RIP after
 *     XIE_PENDING.
 * Input layout: byte 0 mode kind and flags; byte 1 number of bytes passed;
 * 2..17 instruction bytes; byte 18 host options; 64 bytes of memory image;
 * then GPRs, RFLAGS, RIP, limits, CPL and (flag 0x08) segment registers, CR0,
 * EFER, GDTR (short input reads zeros); the rest feeds the callbacks' answers.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xie/emu.h"

#define MAX_CALLS 16

struct feed {
    const uint8_t *p;
    size_t n, i;
    uint8_t img[64];     /* memory: byte at address a is img[mix(a) % 64] */
    const uint8_t *code; /* fetched bytes, in fetch order within a call */
    unsigned nfetched;   /* bytes fetched in this call */
    struct xie_ctx full; /* the whole state, for load_state */
    uint64_t loaded;     /* parts loaded in this call */
    int bracket;         /* inside stop_others .. resume_others */
    unsigned writes;     /* writes / successful compare-exchanges in this call */
    int write_failed;    /* a write callback answered XIE_CB_FAIL in this call */
    /* Device reads completed (outside stop_others) in this call, and in the
     * earlier calls of the same pending instruction. */
    struct {
        uint64_t a;
        unsigned n;
    } cur[64], done[256];
    unsigned ncur, ndone;
};

static uint8_t take(struct feed *f)
{
    return f->i < f->n ? f->p[f->i++] : 0;
}

static uint64_t take64(struct feed *f)
{
    uint64_t v = 0;
    unsigned k;
    for (k = 0; k < 8; k++)
        v |= (uint64_t)take(f) << (8 * k);
    return v;
}

static uint8_t mem_byte(const struct feed *f, uint64_t a)
{
    return f->img[(a ^ (a >> 6) ^ (a >> 13)) & 63];
}

static void check_span(uint64_t a, unsigned size)
{
    if (size == 0 || (a & 0xfff) + size > 0x1000)
        abort(); /* contract: fragments never cross a page */
}

static int cb_fetch(void *u, uint64_t a, void *buf, unsigned size)
{
    struct feed *f = u;
    unsigned k;
    check_span(a, size);
    if (size > 15) abort();
    /* The same bytes on every call: the instruction does not change under a
     * pending answer. */
    for (k = 0; k < size; k++)
        ((uint8_t *)buf)[k] = f->nfetched + k < 16 ? f->code[f->nfetched + k] : 0x90;
    f->nfetched += size;
    return XIE_CB_OK;
}

/* Mostly success; sometimes pending or failure, as the input says. */
static int answer(struct feed *f)
{
    uint8_t c = take(f);
    if (c < 0xf0) return XIE_CB_OK;
    return c < 0xf8 ? XIE_CB_PENDING : XIE_CB_FAIL;
}

static int cb_translate(void *u, uint64_t la, unsigned acc, uint64_t *pa, struct xie_event *ev)
{
    struct feed *f = u;
    uint8_t c = take(f);
    (void)acc;
    if (c >= 0xe8) {
        memset(ev, 0, sizeof *ev);
        ev->vector = 14;
        ev->has_error = 1;
        ev->error_code = c & 0x1f;
        ev->has_cr2 = 1;
        ev->cr2 = la;
        return XIE_CB_EXCEPTION;
    }
    if (c >= 0xe0) return c & 1 ? XIE_CB_PENDING : XIE_CB_FAIL;
    /* A fixed page table: keeps the page offset, scrambles the frame. */
    *pa = la ^ ((uint64_t)(mem_byte(f, la >> 12) & 0x0f) << 20);
    return XIE_CB_OK;
}

static int cb_read(void *u, uint64_t a, void *buf, unsigned size)
{
    struct feed *f = u;
    unsigned k;
    int r;
    check_span(a, size);
    r = answer(f);
    if (r != XIE_CB_OK) return r;
    for (k = 0; k < size; k++)
        ((uint8_t *)buf)[k] = mem_byte(f, a + k);
    /* Reads under stop_others are done again under the next stop (emu.h). */
    if (!f->bracket && f->ncur < sizeof f->cur / sizeof f->cur[0]) {
        f->cur[f->ncur].a = a;
        f->cur[f->ncur].n = size;
        f->ncur++;
    }
    return XIE_CB_OK;
}

static int cb_write(void *u, uint64_t a, const void *buf, unsigned size)
{
    struct feed *f = u;
    volatile uint8_t sink = 0;
    unsigned k;
    int r;
    check_span(a, size);
    for (k = 0; k < size; k++)
        sink ^= ((const uint8_t *)buf)[k]; /* ASan: the buffer must be readable */
    (void)sink;
    r = answer(f);
    if (r == XIE_CB_FAIL)
        f->write_failed = 1;
    else
        f->writes++; /* done (pending: posted) */
    return r;
}

/* Compare-exchange answers: lost race (CHANGED, the current value from the
 * input), pending, failure, or success. */
static int cx_answer(struct feed *f, void *exp, unsigned size)
{
    uint8_t c = take(f);
    unsigned k;
    if (c >= 0xc0) {
        for (k = 0; k < size; k++)
            ((uint8_t *)exp)[k] = take(f);
        return XIE_CB_CHANGED;
    }
    if (c >= 0xb8) return c & 1 ? XIE_CB_PENDING : XIE_CB_FAIL;
    f->writes++;
    return XIE_CB_OK;
}

static int cb_cmpxchg(void *u, uint64_t a, void *exp, const void *des, unsigned size)
{
    check_span(a, size);
    if (size != 1 && size != 2 && size != 4 && size != 8 && size != 16) abort();
    (void)des;
    return cx_answer(u, exp, size);
}

static int cb_cmpxchg_split(void *u, uint64_t a0, uint64_t a1, unsigned n0, void *exp,
                            const void *des, unsigned size)
{
    volatile uint8_t sink = 0;
    unsigned k;
    if (size != 2 && size != 4 && size != 8 && size != 16) abort();
    if (n0 == 0 || n0 >= size) abort();
    check_span(a0, n0);
    check_span(a1, size - n0);
    for (k = 0; k < size; k++)
        sink ^= ((const uint8_t *)des)[k] ^ ((const uint8_t *)exp)[k];
    (void)sink;
    return cx_answer(u, exp, size);
}

static int cb_stop(void *u)
{
    struct feed *f = u;
    if (f->bracket) abort(); /* nested stop_others */
    if (take(f) >= 0xf8) return XIE_CB_FAIL;
    f->bracket = 1;
    return XIE_CB_OK;
}

static void cb_resume(void *u)
{
    struct feed *f = u;
    if (!f->bracket) abort(); /* resume_others without a successful stop_others */
    f->bracket = 0;
}

static int cb_load(void *u, struct xie_ctx *c, uint64_t mask)
{
    struct feed *f = u;
    const struct xie_ctx *s = &f->full;
    unsigned k;
    int r;
    /* Only parts not valid, each once per call, only parts that exist. */
    if (!mask || (mask & c->valid) || (mask & f->loaded) || (mask & ~XIE_STATE_ALL)) abort();
    r = answer(f);
    if (r != XIE_CB_OK) return r;
    f->loaded |= mask;
    for (k = 0; k < 16; k++)
        if (mask & XIE_STATE_GPR(k)) c->gpr[k] = s->gpr[k];
    if (mask & XIE_STATE_RIP) c->rip = s->rip;
    if (mask & XIE_STATE_RFLAGS) c->rflags = s->rflags;
    for (k = 0; k < 8; k++)
        if (mask & XIE_STATE_SEG(k)) c->seg[k] = s->seg[k];
    if (mask & XIE_STATE_GDTR) c->gdtr = s->gdtr;
    if (mask & XIE_STATE_IDTR) c->idtr = s->idtr;
    if (mask & XIE_STATE_CR0) c->cr0 = s->cr0;
    if (mask & XIE_STATE_CR2) c->cr2 = s->cr2;
    if (mask & XIE_STATE_CR3) c->cr3 = s->cr3;
    if (mask & XIE_STATE_CR4) c->cr4 = s->cr4;
    if (mask & XIE_STATE_CR8) c->cr8 = s->cr8;
    if (mask & XIE_STATE_EFER) c->efer = s->efer;
    if (mask & XIE_STATE_CPL) c->cpl = s->cpl;
    c->valid |= mask;
    return XIE_CB_OK;
}

static int cb_in(void *u, uint16_t port, unsigned size, uint32_t *val)
{
    struct feed *f = u;
    (void)port;
    if (size != 1 && size != 2 && size != 4) abort();
    *val = (uint32_t)take64(f);
    return answer(f);
}

static int cb_out(void *u, uint16_t port, unsigned size, uint32_t val)
{
    (void)port;
    (void)val;
    if (size != 1 && size != 2 && size != 4) abort();
    return answer(u);
}

static int cb_rcr(void *u, unsigned cr, uint64_t *val)
{
    (void)cr;
    *val = take64(u);
    return answer(u);
}

static int cb_wcr(void *u, unsigned cr, uint64_t val, struct xie_event *ex)
{
    (void)cr;
    (void)val;
    (void)ex;
    return answer(u);
}

static int cb_rmsr(void *u, uint32_t msr, uint64_t *val, struct xie_event *ex)
{
    (void)msr;
    (void)ex;
    *val = take64(u);
    return answer(u);
}

static int cb_wmsr(void *u, uint32_t msr, uint64_t val, struct xie_event *ex)
{
    (void)msr;
    (void)val;
    (void)ex;
    return answer(u);
}

static int cb_cpuid(void *u, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
    unsigned k;
    (void)leaf;
    (void)sub;
    for (k = 0; k < 4; k++)
        out[k] = (uint32_t)take64(u);
    return answer(u);
}

static int cb_rvec(void *u, unsigned kind, unsigned reg, void *buf, unsigned size)
{
    unsigned k;
    (void)kind;
    (void)reg;
    if (size == 0 || size > 64) abort();
    for (k = 0; k < size; k++)
        ((uint8_t *)buf)[k] = take(u);
    return answer(u);
}

static int cb_wvec(void *u, unsigned kind, unsigned reg, const void *buf, unsigned size)
{
    volatile uint8_t sink = 0;
    unsigned k;
    (void)kind;
    (void)reg;
    if (size == 0 || size > 64) abort();
    for (k = 0; k < size; k++)
        sink ^= ((const uint8_t *)buf)[k];
    (void)sink;
    return answer(u);
}

#define FULL_OPS                                                                                   \
    .fetch = cb_fetch, .translate = cb_translate, .read = cb_read, .write = cb_write,              \
    .cmpxchg = cb_cmpxchg, .pio_in = cb_in, .pio_out = cb_out, .read_cr = cb_rcr,                  \
    .write_cr = cb_wcr, .read_msr = cb_rmsr, .write_msr = cb_wmsr, .cpuid = cb_cpuid,              \
    .read_vec = cb_rvec, .write_vec = cb_wvec, .load_state = cb_load

/* Every callback, with each split-atomic capability (none, cmpxchg_split,
 * stop_others / resume_others); and a minimal table without translation,
 * compare-exchange and the extras: instructions that need them must say so,
 * not crash. */
static const struct xie_ops g_ops[4] = {
    {FULL_OPS},
    {FULL_OPS, .cmpxchg_split = cb_cmpxchg_split},
    {FULL_OPS, .stop_others = cb_stop, .resume_others = cb_resume},
    {.fetch = cb_fetch, .read = cb_read, .write = cb_write, .load_state = cb_load},
};

/* A contract violation: say which, then abort (libFuzzer saves the input). */
static void fail(const char *what, int st, const struct xie_result *res,
                 const struct xie_ctx *before, const struct xie_ctx *after)
{
    unsigned k;
    fprintf(stderr, "emu_fuzz: %s (status %s, op %s, reason %s)\n", what, xie_strerror(st),
            xie_op_name(res->op), xie_reason_str(res->reason));
    for (k = 0; k < 16; k++)
        if (before->gpr[k] != after->gpr[k])
            fprintf(stderr, "  gpr %u: %llx -> %llx\n", k, (unsigned long long)before->gpr[k],
                    (unsigned long long)after->gpr[k]);
    fprintf(stderr, "  rip %llx -> %llx, rflags %llx -> %llx\n", (unsigned long long)before->rip,
            (unsigned long long)after->rip, (unsigned long long)before->rflags,
            (unsigned long long)after->rflags);
    abort();
}

static int is_string_op(unsigned op)
{
    return op == XIE_OP_MOVS || op == XIE_OP_CMPS || op == XIE_OP_STOS || op == XIE_OP_LODS ||
           op == XIE_OP_SCAS;
}

/* The checks after one call (see the top of the file). */
static void check_call(int st, const struct xie_result *res, const struct feed *f,
                       const struct xie_ctx *before, const struct xie_ctx *c)
{
    unsigned k;
    int rep = is_string_op(res->op);

    if (st < XIE_OK || st > XIE_INVALID_ARGUMENT || st != res->status)
        fail("invalid status", st, res, before, c);
    if (f->bracket) fail("stop_others without resume_others", st, res, before, c);
    if (before->dirty & ~c->dirty) fail("dirty bits cleared", st, res, before, c);
    if (c->replay.n > XIE_REPLAY_MAX || c->replay.pos > c->replay.n)
        fail("replay log out of bounds", st, res, before, c);
    if (c->replay.n) {
        const unsigned last = c->replay.n - 1u;
        if ((unsigned)c->replay.e[last].off + c->replay.e[last].size > XIE_REPLAY_DATA)
            fail("replay data out of bounds", st, res, before, c);
    }
    if (st == XIE_PENDING) {
        if (c->replay.n && c->replay.rip != c->rip)
            fail("replay log not at the pending instruction", st, res, before, c);
    } else if (c->replay.n) {
        fail("replay log kept after a status other than pending", st, res, before, c);
    }
    /* Exactly once: a device read completed in an earlier call of this
     * pending instruction is answered from the replay log, never asked again
     * (string instructions may read one address twice, and are left out). */
    if (!rep) {
        unsigned i, j;
        for (i = 0; i < f->ncur; i++)
            for (j = 0; j < f->ndone; j++)
                if (f->cur[i].a == f->done[j].a && f->cur[i].n == f->done[j].n)
                    fail("a device read was repeated after a pending answer", st, res, before, c);
    }
    if (st == XIE_OK) {
        if (c->rip != res->new_rip || !(c->dirty & XIE_STATE_RIP))
            fail("OK without RIP = new_rip, dirty", st, res, before, c);
        if (res->len < 1 || res->len > 15) fail("OK with a bad length", st, res, before, c);
        /* A REP instruction stopped between iterations: RIP still at it, RF
         * set (emu.h, XIE_RETIRE_REP_MORE). */
        if ((res->retire & XIE_RETIRE_REP_MORE) &&
            (!rep || ((before->valid & XIE_STATE_RIP) && c->rip != before->rip) ||
             !(c->rflags & 0x10000u)))
            fail("REP_MORE without RIP at the instruction and RF", st, res, before, c);
        return;
    }
    if (st == XIE_EXCEPTION && res->event.vector > 31)
        fail("exception vector out of range", st, res, before, c);
    /* Nothing written before the instruction completes. */
    if (f->writes && !rep && !(st == XIE_UNHANDLEABLE && f->write_failed))
        fail("a write happened, but the instruction did not complete", st, res, before, c);
    /* Nothing changed, except the iterations a REP string instruction did
     * (parts not valid before the call may have been loaded). */
    for (k = 0; k < 16; k++) {
        if (rep && (k == XIE_GPR_RAX || k == XIE_GPR_RCX || k == XIE_GPR_RSI || k == XIE_GPR_RDI))
            continue;
        if ((before->valid & XIE_STATE_GPR(k)) && c->gpr[k] != before->gpr[k])
            fail("status promised no change, but a GPR changed", st, res, before, c);
    }
    if ((before->valid & XIE_STATE_RIP) && c->rip != before->rip)
        fail("status promised no change, but RIP moved", st, res, before, c);
    if (!rep && (before->valid & XIE_STATE_RFLAGS) && c->rflags != before->rflags)
        fail("status promised no change, but RFLAGS changed", st, res, before, c);
    for (k = 0; k < 8; k++)
        if ((before->valid & XIE_STATE_SEG(k)) &&
            memcmp(&c->seg[k], &before->seg[k], sizeof c->seg[k]))
            fail("status promised no change, but a segment register changed", st, res, before, c);
    if (((before->valid & XIE_STATE_CR0) && c->cr0 != before->cr0) ||
        ((before->valid & XIE_STATE_CR4) && c->cr4 != before->cr4) ||
        ((before->valid & XIE_STATE_EFER) && c->efer != before->efer) ||
        ((before->valid & XIE_STATE_CPL) && c->cpl != before->cpl))
        fail("status promised no change, but CR0/CR4/EFER/CPL changed", st, res, before, c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct feed f;
    struct xie_ctx c, before;
    struct xie_result res;
    uint8_t code[16];
    unsigned k, kind, ncode, opt, calls, exec;
    int st;
    if (size < 2) return 0;
    memset(&f, 0, sizeof f);
    f.p = data;
    f.n = size;
    kind = take(&f);
    ncode = 1 + (take(&f) & 15);
    for (k = 0; k < 16; k++)
        code[k] = take(&f);
    f.code = code;
    opt = take(&f);
    for (k = 0; k < sizeof f.img; k++)
        f.img[k] = take(&f);
    xie_ctx_init(&c, (enum xie_init_kind)(kind % 5), (kind & 0x80) ? &g_ops[3] : &g_ops[opt % 3],
                 &f);
    for (k = 0; k < 16; k++)
        c.gpr[k] = take64(&f);
    c.rflags = (take64(&f) & 0x3f7fd7u) | 2u;
    if (kind & 0x40) c.rflags &= ~0x100ull; /* mostly without TF */
    c.rip = take64(&f);
    if (kind % 5 != XIE_INIT_LONG64) c.rip &= 0xffff;
    c.rep_limit = 1 + (take(&f) & 63);
    c.lock_retries = take(&f) & 7;
    if (opt & 0x04) c.options = XIE_OPT_SPLIT_LOCK;
    if (kind & 0x20) c.cpl = take(&f) & 3;
    /* Sometimes arbitrary segment registers (base, limit, attributes), CR0,
     * EFER and descriptor-table registers: any state must be handled. */
    if (kind & 0x08) {
        for (k = 0; k < 8; k++) {
            if (!(take(&f) & 1)) continue;
            c.seg[k].base = take64(&f);
            c.seg[k].limit = (uint32_t)take64(&f);
            c.seg[k].attr = (uint32_t)take64(&f) & 0x1f0ffu;
            c.seg[k].sel = (uint16_t)take64(&f);
        }
        if (take(&f) & 1) c.cr0 ^= (uint64_t)take(&f) << 24 | take(&f);
        if (take(&f) & 1) c.efer ^= take(&f) & 0x5u;
        c.gdtr.base = take64(&f);
        c.gdtr.limit = (uint32_t)take64(&f) & 0xffff;
    }
    f.full = c;
    /* Sometimes parts of the state are not valid: they come through
     * load_state (garbage in the context until then). */
    if (opt & 0x08) {
        uint64_t drop = take64(&f) & XIE_STATE_ALL;
        c.valid &= ~drop;
        for (k = 0; k < 16; k++)
            if (drop & XIE_STATE_GPR(k)) c.gpr[k] = 0xdeadbeefdeadbeefull;
        if (drop & XIE_STATE_RIP) c.rip = 0xdead;
        if (drop & XIE_STATE_RFLAGS) c.rflags = 0xdead;
    }
    /* One execution, or (option bit 0x10) three in a row on the same context
     * from the same registers, as a driver's polling loop runs an MMIO access:
     * the decode cache is warm from the second on. */
    for (exec = 0; exec < ((opt & 0x10) ? 3u : 1u); exec++) {
        if (exec) {
            for (k = 0; k < 16; k++)
                if (c.valid & XIE_STATE_GPR(k)) c.gpr[k] = f.full.gpr[k];
            if (c.valid & XIE_STATE_RIP) c.rip = f.full.rip;
            if (c.valid & XIE_STATE_RFLAGS) c.rflags = f.full.rflags;
        }
        f.ndone = 0;
        for (calls = 0; calls < MAX_CALLS; calls++) {
            before = c;
            f.ncur = 0;
            f.nfetched = (kind & 0x10) ? 0 : ncode;
            f.loaded = 0;
            f.writes = 0;
            f.write_failed = 0;
            /* Bytes passed in (maybe fewer than the instruction: the rest is
             * fetched). */
            st = xie_emulate(&c, (kind & 0x10) ? NULL : code, (kind & 0x10) ? 0 : ncode, &res);
            check_call(st, &res, &f, &before, &c);
            if (st != XIE_PENDING) break;
            for (k = 0; k < f.ncur && f.ndone < sizeof f.done / sizeof f.done[0]; k++)
                f.done[f.ndone++] = f.cur[k];
            /* The host completes the access and calls again, or (rarely)
             * abandons the instruction (emu.h, struct xie_replay) and runs it
             * anew. */
            if (take(&f) >= 0xfc) {
                c.replay.n = 0;
                f.ndone = 0;
            }
        }
    }
    (void)xie_strerror(st);
    (void)xie_reason_str(res.reason);
    return 0;
}
