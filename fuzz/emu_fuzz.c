/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the emulator: the input chooses the processor mode, the
 * register state, the instruction bytes and every answer the callbacks give
 * (memory contents, translation faults, compare-exchange races, port input,
 * failures). Built with ASan and UBSan (fuzz/CMakeLists.txt), so any crash or
 * undefined behaviour is a finding. It also checks the API contract:
 *   - no memory callback sees an access of size 0 or one that crosses 4 KiB,
 *     and fetches are at most 15 bytes;
 *   - the status is a valid enum xie_status;
 *   - statuses that promise "nothing changed" (RETRY, UNHANDLEABLE,
 *     UNIMPLEMENTED, INVALID_ARGUMENT) leave GPRs, RIP and RFLAGS as they were;
 *   - EXCEPTION leaves RIP at the instruction.
 * Input layout: byte 0 mode kind and flags; byte 1 number of bytes passed;
 * 2..17 instruction bytes; then GPRs, RFLAGS, RIP, limits, CPL and (flag 0x08)
 * segment registers, CR0, EFER, GDTR (short input reads zeros); the rest feeds
 * the callbacks.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xie/emu.h"

struct feed {
    const uint8_t *p;
    size_t n, i;
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
    for (k = 0; k < size; k++)
        ((uint8_t *)buf)[k] = take(f);
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
    *pa = la ^ ((uint64_t)(c & 0x0f) << 20); /* keeps the page offset */
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
        ((uint8_t *)buf)[k] = take(f);
    return XIE_CB_OK;
}

static int cb_write(void *u, uint64_t a, const void *buf, unsigned size)
{
    struct feed *f = u;
    volatile uint8_t sink = 0;
    unsigned k;
    check_span(a, size);
    for (k = 0; k < size; k++)
        sink ^= ((const uint8_t *)buf)[k]; /* ASan: the buffer must be readable */
    (void)sink;
    return answer(f);
}

static int cb_cmpxchg(void *u, uint64_t a, void *exp, const void *des, unsigned size)
{
    struct feed *f = u;
    uint8_t c;
    unsigned k;
    check_span(a, size);
    if (size != 1 && size != 2 && size != 4 && size != 8 && size != 16) abort();
    (void)des;
    c = take(f);
    if (c >= 0xc0) { /* lost the race: memory holds something else */
        for (k = 0; k < size; k++)
            ((uint8_t *)exp)[k] = take(f);
        return XIE_CB_CHANGED;
    }
    if (c >= 0xb8) return c & 1 ? XIE_CB_PENDING : XIE_CB_FAIL;
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

static const struct xie_ops g_ops_full = {
    .fetch = cb_fetch,
    .translate = cb_translate,
    .read = cb_read,
    .write = cb_write,
    .cmpxchg = cb_cmpxchg,
    .pio_in = cb_in,
    .pio_out = cb_out,
    .read_cr = cb_rcr,
    .write_cr = cb_wcr,
    .read_msr = cb_rmsr,
    .write_msr = cb_wmsr,
    .cpuid = cb_cpuid,
    .read_vec = cb_rvec,
    .write_vec = cb_wvec,
};

/* The same without translation, compare-exchange and the optional extras:
 * instructions that need them must say so, not crash. */
static const struct xie_ops g_ops_min = {
    .fetch = cb_fetch,
    .read = cb_read,
    .write = cb_write,
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct feed f;
    struct xie_ctx c, before;
    struct xie_result res;
    uint8_t code[16];
    unsigned k, kind, ncode;
    int st;
    if (size < 2) return 0;
    f.p = data;
    f.n = size;
    f.i = 0;
    kind = take(&f);
    ncode = 1 + (take(&f) & 15);
    for (k = 0; k < 16; k++)
        code[k] = take(&f);
    xie_ctx_init(&c, (enum xie_init_kind)(kind % 5), (kind & 0x80) ? &g_ops_min : &g_ops_full, &f);
    for (k = 0; k < 16; k++)
        c.gpr[k] = take64(&f);
    c.rflags = (take64(&f) & 0x3f7fd7u) | 2u;
    if (kind & 0x40) c.rflags &= ~0x100ull; /* mostly without TF */
    c.rip = take64(&f);
    if (kind % 5 != XIE_INIT_LONG64) c.rip &= 0xffff;
    c.rep_limit = 1 + (take(&f) & 63);
    c.lock_retries = take(&f) & 7;
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
    before = c;
    /* Bytes passed in (maybe fewer than the instruction: the rest is fetched). */
    st = xie_emulate(&c, (kind & 0x10) ? NULL : code, (kind & 0x10) ? 0 : ncode, &res);
    if (st < XIE_OK || st > XIE_INVALID_ARGUMENT || st != res.status) abort();
    /* emu.h: a REP string instruction keeps the iterations completed before
     * the one that was unhandleable (rCX/rSI/rDI precise, RIP at the
     * instruction; LODS loads rAX, CMPS/SCAS set flags); nothing else moves. */
    if (st == XIE_UNHANDLEABLE &&
        (res.op == XIE_OP_MOVS || res.op == XIE_OP_CMPS || res.op == XIE_OP_STOS ||
         res.op == XIE_OP_LODS || res.op == XIE_OP_SCAS)) {
        for (k = 0; k < 16; k++)
            if (k != XIE_GPR_RAX && k != XIE_GPR_RCX && k != XIE_GPR_RSI && k != XIE_GPR_RDI &&
                c.gpr[k] != before.gpr[k])
                fail("REP progress on UNHANDLEABLE changed another register", st, &res, &before,
                     &c);
        if (c.rip != before.rip)
            fail("REP progress on UNHANDLEABLE moved RIP", st, &res, &before, &c);
        return 0;
    }
    if (st == XIE_RETRY || st == XIE_UNHANDLEABLE || st == XIE_UNIMPLEMENTED ||
        st == XIE_INVALID_ARGUMENT) {
        if (memcmp(c.gpr, before.gpr, sizeof c.gpr) || c.rip != before.rip ||
            c.rflags != before.rflags)
            fail("status promised no change, but GPRs/RIP/RFLAGS changed", st, &res, &before, &c);
    }
    if (st == XIE_EXCEPTION && c.rip != before.rip)
        fail("exception moved RIP", st, &res, &before, &c);
    (void)xie_strerror(st);
    (void)xie_reason_str(res.reason);
    return 0;
}
