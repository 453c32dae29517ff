/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the emulation API (include/xie/emu.h): statuses, missing
 * callbacks, retire information, page-split accesses, fault atomicity, the LOCK
 * protocol and REP bounds. Expected values come from the SDM (cited per test),
 * never from xie's own output.
 */
#include <stdio.h>
#include <stdint.h>
#include <string.h>

#include "xie/emu.h"

static int failures, checks;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        checks++;                                                                                  \
        if (!(cond)) {                                                                             \
            failures++;                                                                            \
            fprintf(stderr, "%s:%d: %s: CHECK(%s) failed\n", __FILE__, __LINE__, __func__, #cond); \
        }                                                                                          \
    } while (0)

/* ---- a test device: 128 KiB of memory, an access log, fault injection ---- */

#define MEMSZ 0x20000u

struct acc {
    char kind; /* 'f' fetch, 'r' read, 'w' write, 'x' cmpxchg, 't' translate */
    uint64_t addr;
    unsigned size;
};

struct dev {
    uint8_t mem[MEMSZ];
    struct acc log[64];
    unsigned nlog;
    uint64_t fault_page; /* linear page whose translation faults (0: none) */
    unsigned fault_kind; /* XIE_XLAT_* kind bits that fault there (write: 1) */
    unsigned cx_fail;    /* cmpxchg: fail (after changing memory) this many times */
    unsigned cx_calls;
    int read_pending;    /* read answers pending once */
    unsigned pending_at; /* with read_pending: only read number pending_at (from 1) */
    unsigned nreads;
};

static void logacc(struct dev *d, char k, uint64_t a, unsigned s)
{
    if (d->nlog < 64) {
        d->log[d->nlog].kind = k;
        d->log[d->nlog].addr = a;
        d->log[d->nlog].size = s;
        d->nlog++;
    }
}

static int in_range(uint64_t a, unsigned s)
{
    return a < MEMSZ && s <= MEMSZ - a;
}

static int cb_fetch(void *u, uint64_t a, void *buf, unsigned s)
{
    struct dev *d = u;
    if (!in_range(a, s)) return XIE_CB_FAIL;
    logacc(d, 'f', a, s);
    memcpy(buf, d->mem + a, s);
    return XIE_CB_OK;
}

static int cb_read(void *u, uint64_t a, void *buf, unsigned s)
{
    struct dev *d = u;
    if (!in_range(a, s) || s == 0 || ((a & 4095) + s > 4096)) return XIE_CB_FAIL;
    d->nreads++;
    if (d->read_pending && (!d->pending_at || d->nreads == d->pending_at)) {
        d->read_pending = 0;
        return XIE_CB_PENDING;
    }
    logacc(d, 'r', a, s);
    memcpy(buf, d->mem + a, s);
    return XIE_CB_OK;
}

static int cb_write(void *u, uint64_t a, const void *buf, unsigned s)
{
    struct dev *d = u;
    if (!in_range(a, s) || s == 0 || ((a & 4095) + s > 4096)) return XIE_CB_FAIL;
    logacc(d, 'w', a, s);
    memcpy(d->mem + a, buf, s);
    return XIE_CB_OK;
}

static int cb_cmpxchg(void *u, uint64_t a, void *exp, const void *des, unsigned s)
{
    struct dev *d = u;
    if (!in_range(a, s)) return XIE_CB_FAIL;
    logacc(d, 'x', a, s);
    d->cx_calls++;
    if (d->cx_fail) {
        /* Another CPU got there first: memory changes by +1 in its low byte. */
        d->cx_fail--;
        d->mem[a] = (uint8_t)(d->mem[a] + 1);
    }
    if (memcmp(d->mem + a, exp, s)) {
        memcpy(exp, d->mem + a, s);
        return XIE_CB_CHANGED;
    }
    memcpy(d->mem + a, des, s);
    return XIE_CB_OK;
}

static int cb_translate(void *u, uint64_t la, unsigned kind, uint64_t *pa, struct xie_event *f)
{
    struct dev *d = u;
    logacc(d, 't', la, kind);
    if (d->fault_page && (la & ~4095ull) == d->fault_page &&
        (kind & d->fault_kind) == d->fault_kind) {
        f->vector = 14;
        f->has_error = 1;
        f->has_cr2 = 1;
        f->error_code = (kind & XIE_XLAT_WRITE ? 2u : 0u) | (kind & XIE_XLAT_USER ? 4u : 0u) | 1u;
        f->cr2 = la;
        return XIE_CB_EXCEPTION;
    }
    *pa = la;
    return XIE_CB_OK;
}

static const struct xie_ops full_ops = {
    .fetch = cb_fetch,
    .translate = cb_translate,
    .read = cb_read,
    .write = cb_write,
    .cmpxchg = cb_cmpxchg,
};

static struct dev D;

static void reset(struct xie_ctx *c, enum xie_init_kind k, const struct xie_ops *ops)
{
    memset(&D, 0, sizeof(D));
    xie_ctx_init(c, k, ops, &D);
}

static int emu(struct xie_ctx *c, const void *bytes, size_t n, struct xie_result *r)
{
    return xie_emulate(c, bytes, n, r);
}

static unsigned count(char kind)
{
    unsigned i, n = 0;
    for (i = 0; i < D.nlog; i++)
        n += D.log[i].kind == kind;
    return n;
}

static const struct acc *nth(char kind, unsigned k)
{
    unsigned i;
    for (i = 0; i < D.nlog; i++)
        if (D.log[i].kind == kind && k-- == 0) return &D.log[i];
    return NULL;
}

#define F_CF 0x1u
#define F_PF 0x4u
#define F_AF 0x10u
#define F_ZF 0x40u
#define F_SF 0x80u
#define F_TF 0x100u
#define F_IF 0x200u
#define F_DF 0x400u
#define F_OF 0x800u
#define F_RF 0x10000u

/* ---- tests ---- */

/* mov eax, [rbx+0x10] (8B 43 10): SDM Vol. 2 MOV; 32-bit destination zero-extends
 * (SDM Vol. 1 3.4.1.1). One read of 4 bytes, RIP advances by 3. */
static void test_mov_load(void)
{
    static const uint8_t code[] = {0x8b, 0x43, 0x10};
    struct xie_ctx c;
    struct xie_result r;
    int st;

    reset(&c, XIE_INIT_LONG64, &full_ops);
    memcpy(D.mem + 0x1000, code, sizeof(code));
    c.rip = 0x1000;
    c.gpr[XIE_GPR_RBX] = 0x2000;
    c.gpr[XIE_GPR_RAX] = 0xffffffffffffffffull;
    memcpy(D.mem + 0x2010, "\x78\x56\x34\x12", 4);
    st = emu(&c, NULL, 0, &r);
    CHECK(st == XIE_OK && r.status == XIE_OK);
    CHECK(c.gpr[XIE_GPR_RAX] == 0x12345678);
    CHECK(c.rip == 0x1003 && r.new_rip == 0x1003 && r.len == 3);
    CHECK(count('r') == 1 && nth('r', 0)->addr == 0x2010 && nth('r', 0)->size == 4);
    CHECK(count('w') == 0);
    CHECK(c.dirty & XIE_STATE_GPR(XIE_GPR_RAX));
    CHECK(!(c.dirty & XIE_STATE_GPR(XIE_GPR_RBX)));
    CHECK(c.dirty & XIE_STATE_RIP);
    CHECK(r.retire == 0);

    /* Same with the bytes given by the host: no fetch callback call. */
    reset(&c, XIE_INIT_LONG64, &full_ops);
    c.rip = 0x1000;
    c.gpr[XIE_GPR_RBX] = 0x2000;
    memcpy(D.mem + 0x2010, "\x01\x02\x03\x04", 4);
    st = emu(&c, code, sizeof(code), &r);
    CHECK(st == XIE_OK && c.gpr[XIE_GPR_RAX] == 0x04030201 && count('f') == 0);
}

/* add eax, ebx: 0x7fffffff + 1 = 0x80000000 with OF SF AF PF set, ZF CF clear
 * (SDM Vol. 1 3.4.3.1 and Appendix A: ADD sets OF SF ZF AF CF PF by result). */
static void test_add_flags(void)
{
    static const uint8_t code[] = {0x01, 0xd8}; /* add eax, ebx */
    struct xie_ctx c;
    struct xie_result r;

    reset(&c, XIE_INIT_PROT32, &full_ops);
    c.gpr[XIE_GPR_RAX] = 0x7fffffff;
    c.gpr[XIE_GPR_RBX] = 1;
    c.rflags = 0x2 | F_CF | F_ZF;
    CHECK(emu(&c, code, sizeof(code), &r) == XIE_OK);
    CHECK(c.gpr[XIE_GPR_RAX] == 0x80000000u);
    CHECK((c.rflags & (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)) == (F_OF | F_SF | F_AF | F_PF));
    CHECK(c.rip == 2);
}

/* Every missing callback gives XIE_UNHANDLEABLE naming it, and changes nothing. */
static void test_missing_callbacks(void)
{
    static const uint8_t load[] = {0x8b, 0x43, 0x10};       /* mov eax, [rbx+0x10] */
    static const uint8_t store[] = {0x89, 0x43, 0x10};      /* mov [rbx+0x10], eax */
    static const uint8_t lockadd[] = {0xf0, 0x83, 0x03, 1}; /* lock add dword [rbx], 1 */
    static const uint8_t xchgm[] = {0x87, 0x03};            /* xchg [rbx], eax */
    struct xie_ops ops;
    struct xie_ctx c;
    struct xie_result r;

    /* No fetch and no bytes. */
    ops = full_ops;
    ops.fetch = NULL;
    reset(&c, XIE_INIT_LONG64, &ops);
    CHECK(emu(&c, NULL, 0, &r) == XIE_UNHANDLEABLE && r.reason == XIE_REASON_NO_FETCH);
    CHECK(c.dirty == 0 && c.rip == 0);
    /* Bytes end before the instruction and no fetch callback. */
    CHECK(emu(&c, load, 2, &r) == XIE_UNHANDLEABLE && r.reason == XIE_REASON_NO_FETCH);

    ops = full_ops;
    ops.read = NULL;
    reset(&c, XIE_INIT_LONG64, &ops);
    c.gpr[XIE_GPR_RBX] = 0x2000;
    CHECK(emu(&c, load, sizeof(load), &r) == XIE_UNHANDLEABLE && r.reason == XIE_REASON_NO_READ);
    CHECK(c.dirty == 0 && c.rip == 0 && c.gpr[XIE_GPR_RAX] == 0);

    ops = full_ops;
    ops.write = NULL;
    reset(&c, XIE_INIT_LONG64, &ops);
    c.gpr[XIE_GPR_RBX] = 0x2000;
    CHECK(emu(&c, store, sizeof(store), &r) == XIE_UNHANDLEABLE && r.reason == XIE_REASON_NO_WRITE);
    CHECK(c.dirty == 0 && c.rip == 0);

    ops = full_ops;
    ops.cmpxchg = NULL;
    reset(&c, XIE_INIT_LONG64, &ops);
    c.gpr[XIE_GPR_RBX] = 0x2000;
    CHECK(emu(&c, lockadd, sizeof(lockadd), &r) == XIE_UNHANDLEABLE &&
          r.reason == XIE_REASON_NO_CMPXCHG);
    CHECK(count('w') == 0 && count('x') == 0 && D.mem[0x2000] == 0 && c.dirty == 0);
    /* XCHG with memory is atomic without a LOCK prefix (SDM Vol. 2 XCHG). */
    CHECK(emu(&c, xchgm, sizeof(xchgm), &r) == XIE_UNHANDLEABLE &&
          r.reason == XIE_REASON_NO_CMPXCHG);

    /* A state part that is not valid and no load_state callback. */
    reset(&c, XIE_INIT_LONG64, &full_ops);
    c.valid &= ~XIE_STATE_CR0;
    CHECK(emu(&c, load, sizeof(load), &r) == XIE_UNHANDLEABLE &&
          r.reason == XIE_REASON_NO_LOAD_STATE);

    /* No ops table at all. */
    reset(&c, XIE_INIT_LONG64, NULL);
    CHECK(emu(&c, load, sizeof(load), &r) == XIE_UNHANDLEABLE && r.reason == XIE_REASON_NO_READ);

    /* Invalid arguments. */
    CHECK(xie_emulate(NULL, load, 3, &r) == XIE_INVALID_ARGUMENT &&
          r.status == XIE_INVALID_ARGUMENT);
    CHECK(xie_emulate(&c, load, 3, NULL) == XIE_INVALID_ARGUMENT);
    CHECK(xie_ctx_init(&c, (enum xie_init_kind)99, NULL, NULL) == XIE_INVALID_ARGUMENT);
    reset(&c, XIE_INIT_LONG64, &full_ops);
    c.cr0 &= ~1ull; /* PE = 0 with EFER.LMA = 1 cannot happen */
    CHECK(emu(&c, load, 3, &r) == XIE_INVALID_ARGUMENT);
}

static int ls_calls;
static int cb_load_state(void *u, struct xie_ctx *c, uint64_t mask)
{
    (void)u;
    ls_calls++;
    if (mask & XIE_STATE_SEG(XIE_SEG_FS)) c->seg[XIE_SEG_FS].base = 0x3000;
    c->valid |= mask;
    return XIE_CB_OK;
}

/* Lazy state: FS is loaded only when an FS-relative access needs it. */
static void test_load_state(void)
{
    static const uint8_t fsload[] = {0x64, 0x8b, 0x03}; /* mov eax, fs:[rbx] */
    static const uint8_t plain[] = {0x8b, 0x03};        /* mov eax, [rbx] */
    struct xie_ops ops = full_ops;
    struct xie_ctx c;
    struct xie_result r;

    ops.load_state = cb_load_state;
    reset(&c, XIE_INIT_LONG64, &ops);
    c.valid &= ~XIE_STATE_SEG(XIE_SEG_FS);
    c.seg[XIE_SEG_FS].base = 0xdead0000;
    ls_calls = 0;
    CHECK(emu(&c, plain, sizeof(plain), &r) == XIE_OK && ls_calls == 0);
    D.mem[0x3000] = 0x5a;
    c.gpr[XIE_GPR_RBX] = 0;
    CHECK(emu(&c, fsload, sizeof(fsload), &r) == XIE_OK && ls_calls == 1);
    CHECK(c.gpr[XIE_GPR_RAX] == 0x5a);
}

/* Retire information: TF single-step, POP SS shadow, RF cleared. */
static void test_retire(void)
{
    static const uint8_t nop[] = {0x90};
    static const uint8_t popss[] = {0x17}; /* pop ss (real mode) */
    struct xie_ctx c;
    struct xie_result r;

    /* SDM Vol. 3 18.3.1.4: with TF set, #DB follows the instruction; RF is
     * cleared after an instruction completes (18.3.1.1). */
    reset(&c, XIE_INIT_LONG64, &full_ops);
    c.rflags = 0x2 | F_TF | F_RF;
    CHECK(emu(&c, nop, 1, &r) == XIE_OK);
    CHECK(r.retire & XIE_RETIRE_SINGLESTEP);
    CHECK(!(c.rflags & F_RF) && (c.rflags & F_TF));
    CHECK(c.rip == 1);

    reset(&c, XIE_INIT_LONG64, &full_ops);
    CHECK(emu(&c, nop, 1, &r) == XIE_OK && !(r.retire & XIE_RETIRE_SINGLESTEP));

    /* POP SS: SS = 0x1234, base 0x12340, SP += 2, and interrupts / debug traps
     * inhibited for one instruction (SDM Vol. 2 POP, Vol. 3 6.8.3). */
    reset(&c, XIE_INIT_REAL, &full_ops);
    c.gpr[XIE_GPR_RSP] = 0x100;
    D.mem[0x100] = 0x34;
    D.mem[0x101] = 0x12;
    c.rflags = 0x2 | F_TF;
    CHECK(emu(&c, popss, 1, &r) == XIE_OK);
    CHECK(c.seg[XIE_SEG_SS].sel == 0x1234 && c.seg[XIE_SEG_SS].base == 0x12340);
    CHECK(c.gpr[XIE_GPR_RSP] == 0x102);
    CHECK(r.retire & XIE_RETIRE_SHADOW_MOVSS);
    CHECK(!(r.retire & XIE_RETIRE_SINGLESTEP));
    CHECK(c.dirty & XIE_STATE_SEG(XIE_SEG_SS));
}

/* Page-split accesses reach the callbacks as fragments, low page first. */
static void test_page_split(void)
{
    static const uint8_t store[] = {0x89, 0x07}; /* mov [rdi], eax */
    static const uint8_t load[] = {0x8b, 0x07};  /* mov eax, [rdi] */
    static const uint8_t addm[] = {0x01, 0x07};  /* add [rdi], eax */
    struct xie_ctx c;
    struct xie_result r;

    reset(&c, XIE_INIT_LONG64, &full_ops);
    c.gpr[XIE_GPR_RDI] = 0x2ffe;
    c.gpr[XIE_GPR_RAX] = 0x44332211;
    CHECK(emu(&c, store, 2, &r) == XIE_OK);
    CHECK(count('w') == 2);
    CHECK(nth('w', 0)->addr == 0x2ffe && nth('w', 0)->size == 2);
    CHECK(nth('w', 1)->addr == 0x3000 && nth('w', 1)->size == 2);
    CHECK(!memcmp(D.mem + 0x2ffe, "\x11\x22\x33\x44", 4));

    D.nlog = 0;
    c.gpr[XIE_GPR_RAX] = 0;
    CHECK(emu(&c, load, 2, &r) == XIE_OK && c.gpr[XIE_GPR_RAX] == 0x44332211);
    CHECK(count('r') == 2 && nth('r', 0)->addr == 0x2ffe && nth('r', 1)->addr == 0x3000);

    /* RMW: one read (two fragments) then one write (two fragments). */
    D.nlog = 0;
    c.gpr[XIE_GPR_RAX] = 1;
    CHECK(emu(&c, addm, 2, &r) == XIE_OK);
    CHECK(!memcmp(D.mem + 0x2ffe, "\x12\x22\x33\x44", 4));
    CHECK(count('r') == 2 && count('w') == 2);
    CHECK(D.log[D.nlog - 1].kind == 'w' && D.log[D.nlog - 1].addr == 0x3000);
}

/* A fault on any fragment of the destination changes nothing: no write at all,
 * no register (SDM Vol. 3 6.5: faults are reported before the instruction
 * changes state). */
static void test_fault_atomicity(void)
{
    static const uint8_t push[] = {0x50};       /* push rax */
    static const uint8_t addm[] = {0x01, 0x07}; /* add [rdi], eax */
    static const uint8_t movs[] = {0xa5};       /* movsd */
    struct xie_ctx c;
    struct xie_result r;

    /* push rax with the stack straddling into a write-faulting page. */
    reset(&c, XIE_INIT_LONG64, &full_ops);
    c.gpr[XIE_GPR_RSP] = 0x3004;
    c.gpr[XIE_GPR_RAX] = 0x1122334455667788ull;
    D.fault_page = 0x2000;
    D.fault_kind = XIE_XLAT_WRITE;
    CHECK(emu(&c, push, 1, &r) == XIE_EXCEPTION);
    CHECK(r.event.vector == 14 && r.event.has_error && r.event.has_cr2);
    CHECK(r.event.cr2 == 0x2ffc && (r.event.error_code & 2));
    CHECK(c.gpr[XIE_GPR_RSP] == 0x3004 && c.rip == 0 && c.dirty == 0);
    CHECK(count('w') == 0);

    /* add [rdi], eax across into a write-faulting page: not even the read. */
    reset(&c, XIE_INIT_LONG64, &full_ops);
    c.gpr[XIE_GPR_RDI] = 0x1ffe;
    D.fault_page = 0x2000;
    D.fault_kind = XIE_XLAT_WRITE;
    CHECK(emu(&c, addm, 2, &r) == XIE_EXCEPTION && r.event.vector == 14);
    CHECK(r.event.cr2 == 0x2000);
    CHECK(count('r') == 0 && count('w') == 0 && c.dirty == 0);

    /* movsd: the source is read, then the destination faults: no write, RSI and
     * RDI unchanged. */
    reset(&c, XIE_INIT_LONG64, &full_ops);
    c.gpr[XIE_GPR_RSI] = 0x1000;
    c.gpr[XIE_GPR_RDI] = 0x2000;
    D.fault_page = 0x2000;
    D.fault_kind = XIE_XLAT_WRITE;
    CHECK(emu(&c, movs, 1, &r) == XIE_EXCEPTION && r.event.vector == 14);
    CHECK(count('w') == 0 && c.gpr[XIE_GPR_RSI] == 0x1000 && c.gpr[XIE_GPR_RDI] == 0x2000);
    CHECK(c.dirty == 0);

    /* A pending read changes nothing; the call again completes. */
    reset(&c, XIE_INIT_LONG64, &full_ops);
    c.gpr[XIE_GPR_RDI] = 0x1000;
    c.gpr[XIE_GPR_RAX] = 5;
    D.mem[0x1000] = 7;
    D.read_pending = 1;
    CHECK(emu(&c, addm, 2, &r) == XIE_PENDING && c.dirty == 0 && count('w') == 0);
    CHECK(emu(&c, addm, 2, &r) == XIE_OK && D.mem[0x1000] == 12 && c.rip == 2);
}

/* LOCK: a compare-exchange that loses the race makes xie evaluate again from
 * the value found (SDM Vol. 3 9.1.2.2: the locked operation is atomic). */
static void test_lock_retry(void)
{
    static const uint8_t lockadd[] = {0xf0, 0x83, 0x03, 0x10};  /* lock add dword [rbx], 16 */
    static const uint8_t lockxadd[] = {0xf0, 0x0f, 0xc1, 0x03}; /* lock xadd [rbx], eax */
    struct xie_ctx c;
    struct xie_result r;

    reset(&c, XIE_INIT_LONG64, &full_ops);
    c.gpr[XIE_GPR_RBX] = 0x2000;
    D.mem[0x2000] = 100;
    D.cx_fail = 3; /* memory becomes 101, 102, 103 under us */
    CHECK(emu(&c, lockadd, 4, &r) == XIE_OK);
    CHECK(D.mem[0x2000] == 103 + 16 && D.cx_calls == 4);
    CHECK(count('r') == 1 && count('w') == 0);

    /* XADD returns the value the successful exchange saw. */
    reset(&c, XIE_INIT_LONG64, &full_ops);
    c.gpr[XIE_GPR_RBX] = 0x2000;
    c.gpr[XIE_GPR_RAX] = 5;
    D.mem[0x2000] = 10;
    D.cx_fail = 2;
    CHECK(emu(&c, lockxadd, 4, &r) == XIE_OK);
    CHECK(D.mem[0x2000] == 17 && c.gpr[XIE_GPR_RAX] == 12);

    /* Losing lock_retries times: XIE_RETRY, nothing changed by xie. */
    reset(&c, XIE_INIT_LONG64, &full_ops);
    c.lock_retries = 4;
    c.gpr[XIE_GPR_RBX] = 0x2000;
    c.gpr[XIE_GPR_RAX] = 5;
    D.mem[0x2000] = 10;
    D.cx_fail = 100;
    CHECK(emu(&c, lockxadd, 4, &r) == XIE_RETRY);
    CHECK(D.cx_calls == 4 && D.mem[0x2000] == 14); /* only the "other CPU" changes */
    CHECK(c.gpr[XIE_GPR_RAX] == 5 && c.rip == 0 && c.dirty == 0);

    /* An atomic operand across a page is refused. */
    reset(&c, XIE_INIT_LONG64, &full_ops);
    c.gpr[XIE_GPR_RBX] = 0x2ffe;
    CHECK(emu(&c, lockadd, 4, &r) == XIE_UNHANDLEABLE && r.reason == XIE_REASON_ATOMIC_SPLIT);
    CHECK(count('w') == 0 && count('x') == 0 && c.dirty == 0);
}

/* Split atomics: the host capabilities of emu.h (cmpxchg_split, then
 * stop_others / resume_others), the line split of XIE_OPT_SPLIT_LOCK. */
static unsigned g_stops, g_resumes;
static int g_stop_fail;

static int cb_cmpxchg_split(void *u, uint64_t pa0, uint64_t pa1, unsigned n0, void *exp,
                            const void *des, unsigned s)
{
    struct dev *d = u;
    uint8_t cur[16];
    if (!in_range(pa0, n0) || !in_range(pa1, s - n0) || s > 16) return XIE_CB_FAIL;
    logacc(d, 'X', pa0, s);
    d->cx_calls++;
    if (d->cx_fail) {
        d->cx_fail--;
        d->mem[pa0] = (uint8_t)(d->mem[pa0] + 1);
    }
    memcpy(cur, d->mem + pa0, n0);
    memcpy(cur + n0, d->mem + pa1, s - n0);
    if (memcmp(cur, exp, s)) {
        memcpy(exp, cur, s);
        return XIE_CB_CHANGED;
    }
    memcpy(d->mem + pa0, des, n0);
    memcpy(d->mem + pa1, (const uint8_t *)des + n0, s - n0);
    return XIE_CB_OK;
}

static int cb_stop(void *u)
{
    (void)u;
    g_stops++;
    return g_stop_fail ? XIE_CB_FAIL : XIE_CB_OK;
}

static void cb_resume(void *u)
{
    (void)u;
    g_resumes++;
}

static const struct xie_ops split_ops = {
    .fetch = cb_fetch,
    .read = cb_read,
    .write = cb_write,
    .cmpxchg = cb_cmpxchg,
    .cmpxchg_split = cb_cmpxchg_split,
};

static const struct xie_ops stop_ops = {
    .fetch = cb_fetch,
    .read = cb_read,
    .write = cb_write,
    .cmpxchg = cb_cmpxchg,
    .stop_others = cb_stop,
    .resume_others = cb_resume,
};

static void test_split_atomic(void)
{
    static const uint8_t lockadd[] = {0xf0, 0x83, 0x03, 0x10};  /* lock add dword [rbx], 16 */
    static const uint8_t xchg8[] = {0x48, 0x87, 0x03};          /* xchg [rbx], rax */
    static const uint8_t cx8b[] = {0xf0, 0x0f, 0xc7, 0x0e};     /* lock cmpxchg8b [rsi] */
    static const uint8_t lockxadd[] = {0xf0, 0x0f, 0xc1, 0x03}; /* lock xadd [rbx], eax */
    struct xie_ctx c;
    struct xie_result r;

    /* cmpxchg_split gets both fragments, once, and nothing else touches memory
     * (no read: the value comes from a plain read, then one compare-exchange). */
    reset(&c, XIE_INIT_LONG64, &split_ops);
    c.gpr[XIE_GPR_RBX] = 0x2ffe;
    memcpy(D.mem + 0x2ffe, "\xf8\xff\xff\x7f", 4); /* 0x7ffffff8 */
    CHECK(emu(&c, lockadd, 4, &r) == XIE_OK);
    CHECK(count('x') == 0 && count('X') == 1 && count('w') == 0);
    CHECK(nth('X', 0)->addr == 0x2ffe && nth('X', 0)->size == 4);
    CHECK(!memcmp(D.mem + 0x2ffe, "\x08\x00\x00\x80", 4) && (c.rflags & 0x800)); /* OF */

    /* A lost race through cmpxchg_split re-evaluates from the value found. */
    reset(&c, XIE_INIT_LONG64, &split_ops);
    c.gpr[XIE_GPR_RBX] = 0x2ffd;
    c.gpr[XIE_GPR_RAX] = 5;
    D.mem[0x2ffd] = 10;
    D.cx_fail = 2;
    CHECK(emu(&c, lockxadd, 4, &r) == XIE_OK);
    CHECK(D.mem[0x2ffd] == 17 && c.gpr[XIE_GPR_RAX] == 12 && D.cx_calls == 3);

    /* XCHG (implicitly locked) and CMPXCHG8B across a page. */
    reset(&c, XIE_INIT_LONG64, &split_ops);
    c.gpr[XIE_GPR_RBX] = 0x2ffa;
    c.gpr[XIE_GPR_RAX] = 0x1122334455667788ull;
    memcpy(D.mem + 0x2ffa, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
    CHECK(emu(&c, xchg8, 3, &r) == XIE_OK);
    CHECK(c.gpr[XIE_GPR_RAX] == 0x0807060504030201ull && D.mem[0x2ffa] == 0x88 &&
          D.mem[0x3001] == 0x11 && count('X') == 1);
    reset(&c, XIE_INIT_LONG64, &split_ops);
    c.gpr[XIE_GPR_RSI] = 0x2ffc;
    c.gpr[XIE_GPR_RAX] = 0x04030201;
    c.gpr[XIE_GPR_RDX] = 0x08070605;
    c.gpr[XIE_GPR_RCX] = 0xaaaaaaaa;
    memcpy(D.mem + 0x2ffc, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
    CHECK(emu(&c, cx8b, 4, &r) == XIE_OK && (c.rflags & 0x40));
    CHECK(D.mem[0x2ffc] == 0 && D.mem[0x3000] == 0xaa && count('X') == 1);

    /* Without cmpxchg_split: plain read and write between stop and resume. */
    reset(&c, XIE_INIT_LONG64, &stop_ops);
    g_stops = g_resumes = 0;
    g_stop_fail = 0;
    c.gpr[XIE_GPR_RBX] = 0x2ffe;
    CHECK(emu(&c, lockadd, 4, &r) == XIE_OK);
    CHECK(g_stops == 1 && g_resumes == 1 && count('x') == 0 && count('r') == 2 && count('w') == 2 &&
          D.mem[0x2ffe] == 0x10);
    CHECK(nth('r', 0)->addr == 0x2ffe && nth('r', 1)->addr == 0x3000 &&
          nth('w', 0)->addr == 0x2ffe && nth('w', 1)->addr == 0x3000);
    /* A read that answers pending: resumed, then stopped again on the retry. */
    reset(&c, XIE_INIT_LONG64, &stop_ops);
    g_stops = g_resumes = 0;
    c.gpr[XIE_GPR_RBX] = 0x2ffe;
    D.read_pending = 1;
    CHECK(emu(&c, lockadd, 4, &r) == XIE_PENDING && g_stops == 1 && g_resumes == 1);
    CHECK(emu(&c, lockadd, 4, &r) == XIE_OK && g_stops == 2 && g_resumes == 2);
    CHECK(count('r') == 2 && count('w') == 2 && D.mem[0x2ffe] == 0x10);
    /* stop_others failing: unhandleable, nothing changed, no resume owed. */
    reset(&c, XIE_INIT_LONG64, &stop_ops);
    g_stops = g_resumes = 0;
    g_stop_fail = 1;
    c.gpr[XIE_GPR_RBX] = 0x2ffe;
    CHECK(emu(&c, lockadd, 4, &r) == XIE_UNHANDLEABLE && r.reason == XIE_REASON_CALLBACK_FAILED);
    CHECK(g_stops == 1 && g_resumes == 0 && count('r') == 0 && count('w') == 0 && c.dirty == 0);
    g_stop_fail = 0;

    /* XIE_OPT_SPLIT_LOCK: a line split inside a page needs the capability too;
     * without the option it is one cmpxchg. */
    reset(&c, XIE_INIT_LONG64, &full_ops);
    c.gpr[XIE_GPR_RBX] = 0x203e;
    CHECK(emu(&c, lockadd, 4, &r) == XIE_OK && count('x') == 1);
    reset(&c, XIE_INIT_LONG64, &full_ops);
    c.options = XIE_OPT_SPLIT_LOCK;
    c.gpr[XIE_GPR_RBX] = 0x203e;
    CHECK(emu(&c, lockadd, 4, &r) == XIE_UNHANDLEABLE && r.reason == XIE_REASON_ATOMIC_SPLIT);
    CHECK(count('x') == 0 && count('w') == 0 && c.dirty == 0);
    reset(&c, XIE_INIT_LONG64, &split_ops);
    c.options = XIE_OPT_SPLIT_LOCK;
    c.gpr[XIE_GPR_RBX] = 0x203e;
    CHECK(emu(&c, lockadd, 4, &r) == XIE_OK && count('X') == 1 && D.mem[0x203e] == 0x10);
    reset(&c, XIE_INIT_LONG64, &split_ops);
    c.options = XIE_OPT_SPLIT_LOCK;
    c.gpr[XIE_GPR_RBX] = 0x203c;
    CHECK(emu(&c, lockadd, 4, &r) == XIE_OK && count('x') == 1 && count('X') == 0);
}

/* Loading a segment register sets the descriptor's accessed bit with a locked
 * update (SDM Vol. 3 3.4.5.1, 9.1.2.1): a one-byte compare-exchange; a lost
 * race is XIE_RETRY with nothing changed; no cmpxchg callback, no plain write. */
static void test_accessed_bit(void)
{
    static const uint8_t mov_ds_ax[] = {0x8e, 0xd8};
    /* GDT entry 2: base 0, limit 0xfffff, G, B, DPL 3 read/write data, not accessed. */
    static const uint8_t desc[8] = {0xff, 0xff, 0x00, 0x00, 0x00, 0xf2, 0xcf, 0x00};
    struct xie_ctx c;
    struct xie_result r;

    reset(&c, XIE_INIT_PROT32, &full_ops);
    c.gdtr.base = 0x3000;
    memcpy(D.mem + 0x3010, desc, 8);
    c.gpr[XIE_GPR_RAX] = 0x13;
    CHECK(emu(&c, mov_ds_ax, 2, &r) == XIE_OK && c.seg[XIE_SEG_DS].sel == 0x13);
    CHECK(count('x') == 1 && nth('x', 0)->addr == 0x3015 && nth('x', 0)->size == 1);
    CHECK(count('w') == 0 && D.mem[0x3015] == 0xf3);

    reset(&c, XIE_INIT_PROT32, &full_ops);
    c.gdtr.base = 0x3000;
    memcpy(D.mem + 0x3010, desc, 8);
    c.gpr[XIE_GPR_RAX] = 0x13;
    D.cx_fail = 1; /* another CPU changes the byte first */
    CHECK(emu(&c, mov_ds_ax, 2, &r) == XIE_RETRY && c.dirty == 0 && c.rip == 0);
    CHECK(c.seg[XIE_SEG_DS].sel == 0x2b && count('w') == 0);

    reset(&c, XIE_INIT_PROT32, &split_ops);
    c.gdtr.base = 0x3000;
    memcpy(D.mem + 0x3010, desc, 8);
    c.gpr[XIE_GPR_RAX] = 0x13;
    c.ops = &(const struct xie_ops){.fetch = cb_fetch, .read = cb_read, .write = cb_write};
    CHECK(emu(&c, mov_ds_ax, 2, &r) == XIE_UNHANDLEABLE && r.reason == XIE_REASON_NO_CMPXCHG);
    CHECK(count('w') == 0 && c.dirty == 0);
}

/* #DE from DIV by zero (SDM Vol. 2 DIV), nothing changed. */
static void test_divide_error(void)
{
    static const uint8_t div[] = {0xf7, 0xf3}; /* div ebx */
    struct xie_ctx c;
    struct xie_result r;

    reset(&c, XIE_INIT_PROT32, &full_ops);
    c.gpr[XIE_GPR_RAX] = 10;
    CHECK(emu(&c, div, 2, &r) == XIE_EXCEPTION && r.event.vector == 0 && !r.event.has_error);
    CHECK(c.gpr[XIE_GPR_RAX] == 10 && c.rip == 0 && c.dirty == 0);
}

/* Real mode: a word at offset 0xffff exceeds the 64 KiB limit: #GP(0)
 * (SDM Vol. 3 20.1.3; the 80286 vectors record interrupt 13). */
static void test_real_mode(void)
{
    static const uint8_t load[] = {0x8b, 0x04};  /* mov ax, [si] */
    static const uint8_t loadb[] = {0x8a, 0x04}; /* mov al, [si] */
    struct xie_ctx c;
    struct xie_result r;

    reset(&c, XIE_INIT_REAL, &full_ops);
    c.seg[XIE_SEG_DS].sel = 0x1000;
    c.seg[XIE_SEG_DS].base = 0x10000;
    c.gpr[XIE_GPR_RSI] = 0xffff;
    CHECK(emu(&c, load, 2, &r) == XIE_EXCEPTION && r.event.vector == 13);
    D.mem[0x1ffff] = 0xab;
    CHECK(emu(&c, loadb, 2, &r) == XIE_OK && (c.gpr[XIE_GPR_RAX] & 0xff) == 0xab);
    /* 16-bit address wrap: [bx+si] with 0xfff0 + 0x20 = 0x10 (SDM Vol. 1 3.3.7). */
    {
        static const uint8_t l2[] = {0x8a, 0x00}; /* mov al, [bx+si] */
        c.gpr[XIE_GPR_RBX] = 0xfff0;
        c.gpr[XIE_GPR_RSI] = 0x20;
        D.mem[0x10010] = 0x77;
        CHECK(emu(&c, l2, 2, &r) == XIE_OK && (c.gpr[XIE_GPR_RAX] & 0xff) == 0x77);
    }
}

/* REP MOVSB with a host iteration bound: RCX/RSI/RDI precise, RIP unchanged,
 * RF set, then completion (SDM Vol. 2 REP). */
static void test_rep_bound(void)
{
    static const uint8_t repmovsb[] = {0xf3, 0xa4};
    struct xie_ctx c;
    struct xie_result r;
    unsigned i;

    reset(&c, XIE_INIT_LONG64, &full_ops);
    for (i = 0; i < 10; i++)
        D.mem[0x1000 + i] = (uint8_t)(i + 1);
    c.gpr[XIE_GPR_RSI] = 0x1000;
    c.gpr[XIE_GPR_RDI] = 0x2000;
    c.gpr[XIE_GPR_RCX] = 10;
    c.rip = 0x500;
    c.rep_limit = 4;
    CHECK(emu(&c, repmovsb, 2, &r) == XIE_OK && (r.retire & XIE_RETIRE_REP_MORE));
    CHECK(c.gpr[XIE_GPR_RCX] == 6 && c.gpr[XIE_GPR_RSI] == 0x1004 && c.gpr[XIE_GPR_RDI] == 0x2004);
    CHECK(c.rip == 0x500 && (c.rflags & F_RF));
    CHECK(emu(&c, repmovsb, 2, &r) == XIE_OK && c.gpr[XIE_GPR_RCX] == 2);
    CHECK(emu(&c, repmovsb, 2, &r) == XIE_OK && !(r.retire & XIE_RETIRE_REP_MORE));
    CHECK(c.gpr[XIE_GPR_RCX] == 0 && c.rip == 0x502 && !(c.rflags & F_RF));
    CHECK(!memcmp(D.mem + 0x2000, "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a", 10));

    /* With TF the CPU traps after every iteration (SDM Vol. 3 18.3.1.4). */
    reset(&c, XIE_INIT_LONG64, &full_ops);
    c.gpr[XIE_GPR_RSI] = 0x1000;
    c.gpr[XIE_GPR_RDI] = 0x2000;
    c.gpr[XIE_GPR_RCX] = 2;
    c.rflags = 0x2 | F_TF;
    CHECK(emu(&c, repmovsb, 2, &r) == XIE_OK &&
          (r.retire & (XIE_RETIRE_REP_MORE | XIE_RETIRE_SINGLESTEP)) ==
              (XIE_RETIRE_REP_MORE | XIE_RETIRE_SINGLESTEP));
    CHECK(c.gpr[XIE_GPR_RCX] == 1 && c.rip == 0);
    CHECK(emu(&c, repmovsb, 2, &r) == XIE_OK && (r.retire & XIE_RETIRE_SINGLESTEP) &&
          !(r.retire & XIE_RETIRE_REP_MORE));
    CHECK(c.gpr[XIE_GPR_RCX] == 0 && c.rip == 2);

    /* A fault in iteration 3 keeps iterations 0..2 (SDM Vol. 2 REP: the state is
     * saved so the instruction can restart). */
    reset(&c, XIE_INIT_LONG64, &full_ops);
    c.gpr[XIE_GPR_RSI] = 0x1000;
    c.gpr[XIE_GPR_RDI] = 0x2ffd;
    c.gpr[XIE_GPR_RCX] = 8;
    D.fault_page = 0x3000;
    D.fault_kind = XIE_XLAT_WRITE;
    CHECK(emu(&c, repmovsb, 2, &r) == XIE_EXCEPTION && r.event.cr2 == 0x3000);
    CHECK(c.gpr[XIE_GPR_RCX] == 5 && c.gpr[XIE_GPR_RDI] == 0x3000 && c.rip == 0);
}

/* Stack and branches: call/ret, push/pop wrap in 16-bit code. */
static void test_call_ret(void)
{
    static const uint8_t call[] = {0xe8, 0x10, 0x00, 0x00, 0x00}; /* call +0x10 */
    static const uint8_t ret[] = {0xc3};
    struct xie_ctx c;
    struct xie_result r;

    reset(&c, XIE_INIT_LONG64, &full_ops);
    c.rip = 0x1000;
    c.gpr[XIE_GPR_RSP] = 0x3000;
    CHECK(emu(&c, call, 5, &r) == XIE_OK && c.rip == 0x1015 && (r.retire & XIE_RETIRE_BRANCH));
    CHECK(c.gpr[XIE_GPR_RSP] == 0x2ff8 && D.mem[0x2ff8] == 0x05 && D.mem[0x2ff9] == 0x10);
    CHECK(emu(&c, ret, 1, &r) == XIE_OK && c.rip == 0x1005 && c.gpr[XIE_GPR_RSP] == 0x3000);
}

/* STI shadow only when IF was clear; CLI/STI at CPL 3 with IOPL 0 raise #GP(0);
 * HLT retires with XIE_RETIRE_HLT at CPL 0 and #GP(0) at CPL 3; MOV SS shadow
 * (SDM Vol. 2 STI, CLI, HLT, MOV). */
static void test_sti_hlt_movss(void)
{
    static const uint8_t sti[] = {0xfb};
    static const uint8_t cli[] = {0xfa};
    static const uint8_t hlt[] = {0xf4};
    static const uint8_t movss[] = {0x8e, 0xd0}; /* mov ss, ax */
    struct xie_ctx c;
    struct xie_result r;

    reset(&c, XIE_INIT_REAL, &full_ops);
    CHECK(emu(&c, sti, 1, &r) == XIE_OK && (r.retire & XIE_RETIRE_SHADOW_STI));
    CHECK(c.rflags & F_IF);
    CHECK(emu(&c, sti, 1, &r) == XIE_OK && !(r.retire & XIE_RETIRE_SHADOW_STI));
    CHECK(emu(&c, cli, 1, &r) == XIE_OK && !(c.rflags & F_IF));
    CHECK(emu(&c, hlt, 1, &r) == XIE_OK && (r.retire & XIE_RETIRE_HLT) && c.rip == 4);

    c.gpr[XIE_GPR_RAX] = 0x2000;
    CHECK(emu(&c, movss, 2, &r) == XIE_OK && (r.retire & XIE_RETIRE_SHADOW_MOVSS));
    CHECK(c.seg[XIE_SEG_SS].sel == 0x2000 && c.seg[XIE_SEG_SS].base == 0x20000);

    reset(&c, XIE_INIT_PROT32, &full_ops); /* CPL 3, IOPL 0 */
    c.rflags = 0x202;
    CHECK(emu(&c, cli, 1, &r) == XIE_EXCEPTION && r.event.vector == 13 && r.event.has_error &&
          r.event.error_code == 0);
    CHECK((c.rflags & F_IF) && c.rip == 0 && c.dirty == 0);
    CHECK(emu(&c, hlt, 1, &r) == XIE_EXCEPTION && r.event.vector == 13);
    c.rflags |= 0x3000; /* IOPL 3 */
    CHECK(emu(&c, cli, 1, &r) == XIE_OK && !(c.rflags & F_IF));
}

/* Instruction fetch across a page: the bytes come in two fetches, one per page;
 * a fault on the second page is a #PF with CR2 at that page, raised only
 * because the instruction needs those bytes (SDM Vol. 3 6.15, #PF). */
static void test_fetch_split(void)
{
    static const uint8_t code[] = {0x8b, 0x43, 0x10}; /* mov eax, [rbx+0x10] */
    static const uint8_t nop[] = {0x90};
    struct xie_ctx c;
    struct xie_result r;

    reset(&c, XIE_INIT_LONG64, &full_ops);
    memcpy(D.mem + 0x1ffe, code, 3);
    c.rip = 0x1ffe;
    c.gpr[XIE_GPR_RBX] = 0x3000;
    D.mem[0x3010] = 0x42;
    CHECK(emu(&c, NULL, 0, &r) == XIE_OK && c.gpr[XIE_GPR_RAX] == 0x42 && c.rip == 0x2001);
    CHECK(count('f') == 2 && nth('f', 0)->addr == 0x1ffe && nth('f', 0)->size == 2);
    CHECK(nth('f', 1)->addr == 0x2000);

    reset(&c, XIE_INIT_LONG64, &full_ops);
    memcpy(D.mem + 0x1ffe, code, 3);
    c.rip = 0x1ffe;
    D.fault_page = 0x2000;
    D.fault_kind = XIE_XLAT_FETCH;
    CHECK(emu(&c, NULL, 0, &r) == XIE_EXCEPTION && r.event.vector == 14 && r.event.cr2 == 0x2000);
    CHECK(c.dirty == 0 && c.rip == 0x1ffe);
    /* A one-byte instruction at the end of the page never touches the next one. */
    memcpy(D.mem + 0x1fff, nop, 1);
    c.rip = 0x1fff;
    CHECK(emu(&c, NULL, 0, &r) == XIE_OK && c.rip == 0x2000);
    /* CPL 3 accesses are user accesses (XIE_XLAT_USER), fetches too. */
    CHECK(D.nlog && D.log[0].kind == 't' && (D.log[D.nlog - 2].size & XIE_XLAT_USER));
}

/* LOCK CMPXCHG that fails writes the old value back through cmpxchg (one
 * locked read-modify-write); CMPXCHG16B needs 16-byte alignment (#GP(0)); the
 * accumulator is loaded with the value found (SDM Vol. 2 CMPXCHG,
 * CMPXCHG8B/CMPXCHG16B). */
static void test_cmpxchg(void)
{
    static const uint8_t lcx[] = {0xf0, 0x0f, 0xb1, 0x0b};        /* lock cmpxchg [rbx], ecx */
    static const uint8_t cx16[] = {0xf0, 0x48, 0x0f, 0xc7, 0x0b}; /* lock cmpxchg16b [rbx] */
    struct xie_ctx c;
    struct xie_result r;

    reset(&c, XIE_INIT_LONG64, &full_ops);
    c.gpr[XIE_GPR_RBX] = 0x2000;
    c.gpr[XIE_GPR_RAX] = 0xffffffff00000005ull;
    c.gpr[XIE_GPR_RCX] = 9;
    D.mem[0x2000] = 7;
    CHECK(emu(&c, lcx, 4, &r) == XIE_OK && !(c.rflags & F_ZF));
    CHECK(c.gpr[XIE_GPR_RAX] == 7 && D.mem[0x2000] == 7);
    CHECK(count('x') == 1 && count('w') == 0 && count('r') == 1);
    CHECK(emu(&c, lcx, 4, &r) == XIE_OK && (c.rflags & F_ZF) && D.mem[0x2000] == 9);

    reset(&c, XIE_INIT_LONG64, &full_ops);
    c.gpr[XIE_GPR_RBX] = 0x2008;
    CHECK(emu(&c, cx16, 5, &r) == XIE_EXCEPTION && r.event.vector == 13 && count('r') == 0);
    c.gpr[XIE_GPR_RBX] = 0x2010;
    c.gpr[XIE_GPR_RAX] = 0;
    c.gpr[XIE_GPR_RDX] = 0;
    c.gpr[XIE_GPR_RBX] = 0x2010;
    c.gpr[XIE_GPR_RCX] = 0x1111111111111111ull;
    CHECK(emu(&c, cx16, 5, &r) == XIE_OK && (c.rflags & F_ZF));
    /* RBX is both the address and the low half of the new value. */
    CHECK(D.mem[0x2010] == 0x10 && D.mem[0x2011] == 0x20 && D.mem[0x2018] == 0x11);
}

/* A read that answers "pending" after another read of the same instruction:
 * when the instruction is completed, the first read is answered from
 * ctx->replay, not repeated (DESIGN.md: every device access happens once). */
static void test_pending_replay(void)
{
    static const uint8_t cmpsb[] = {0xa6};
    struct xie_ctx c;
    struct xie_result r;

    reset(&c, XIE_INIT_LONG64, &full_ops);
    c.gpr[XIE_GPR_RSI] = 0x1000;
    c.gpr[XIE_GPR_RDI] = 0x2000;
    D.mem[0x1000] = 5;
    D.mem[0x2000] = 5;
    D.read_pending = 1;
    D.pending_at = 2; /* the ES:rDI read */
    CHECK(emu(&c, cmpsb, 1, &r) == XIE_PENDING && c.dirty == 0 && c.rip == 0);
    CHECK(count('r') == 1 && nth('r', 0)->addr == 0x1000);
    CHECK(emu(&c, cmpsb, 1, &r) == XIE_OK && (c.rflags & F_ZF));
    CHECK(count('r') == 2 && nth('r', 1)->addr == 0x2000); /* 0x1000 not read again */
    CHECK(c.gpr[XIE_GPR_RSI] == 0x1001 && c.gpr[XIE_GPR_RDI] == 0x2001 && c.replay.n == 0);

    /* A host that moves on (another RIP) does not get stale data. */
    D.read_pending = 1;
    D.pending_at = D.nreads + 2;
    CHECK(emu(&c, cmpsb, 1, &r) == XIE_PENDING && c.replay.n == 1);
    c.rip = 0x40;
    CHECK(emu(&c, cmpsb, 1, &r) == XIE_OK && count('r') == 5);
}

/* The decode cache never answers for different bytes or a different CPU model:
 * code rewritten at the same RIP runs as rewritten, and a feature removed from
 * the model makes the instruction #UD (SDM Vol. 2 MOVBE: #UD if
 * CPUID.01H:ECX.MOVBE = 0). */
static void test_decode_cache(void)
{
    static const uint8_t ld_eax[] = {0x8b, 0x43, 0x10};      /* mov eax, [rbx+0x10] */
    static const uint8_t ld_ecx[] = {0x8b, 0x4b, 0x10};      /* mov ecx, [rbx+0x10] */
    static const uint8_t movbe[] = {0x0f, 0x38, 0xf0, 0x03}; /* movbe eax, [rbx] */
    struct xie_ctx c;
    struct xie_result r;

    reset(&c, XIE_INIT_LONG64, &full_ops);
    c.gpr[XIE_GPR_RBX] = 0x2000;
    D.mem[0x2010] = 0x33;
    memcpy(D.mem, ld_eax, 3);
    CHECK(emu(&c, NULL, 0, &r) == XIE_OK && c.gpr[XIE_GPR_RAX] == 0x33);
    c.rip = 0;
    memcpy(D.mem, ld_ecx, 3);
    CHECK(emu(&c, NULL, 0, &r) == XIE_OK && c.gpr[XIE_GPR_RCX] == 0x33);
    c.gpr[XIE_GPR_RCX] = 0;
    CHECK(emu(&c, ld_ecx, 3, &r) == XIE_OK && c.gpr[XIE_GPR_RCX] == 0x33);

    memcpy(D.mem + 0x2000, "\x11\x22\x33\x44", 4);
    CHECK(emu(&c, movbe, 4, &r) == XIE_OK && c.gpr[XIE_GPR_RAX] == 0x11223344);
    xie_cpu_set(&c.cpu, XIE_FEAT_MOVBE, 0);
    CHECK(emu(&c, movbe, 4, &r) == XIE_EXCEPTION && r.event.vector == 6);
}

int main(void)
{
    test_mov_load();
    test_add_flags();
    test_missing_callbacks();
    test_load_state();
    test_retire();
    test_page_split();
    test_fault_atomicity();
    test_lock_retry();
    test_split_atomic();
    test_accessed_bit();
    test_divide_error();
    test_real_mode();
    test_rep_bound();
    test_call_ret();
    test_sti_hlt_movss();
    test_fetch_split();
    test_cmpxchg();
    test_pending_replay();
    test_decode_cache();
    printf("emu_test: %d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
