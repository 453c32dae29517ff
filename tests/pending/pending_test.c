/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pending/replay test (issue 4, "Asynchronous completion"): any callback may
 * answer XIE_CB_PENDING, the host calls xie_emulate again on the same context,
 * and the instruction must complete exactly as if nothing had been pending.
 *
 * Instances (pending_inst.c): every form tests/trace covers (tests/trace/
 * forms.c) in 64-bit mode, and the same bytes in 32-bit compatibility mode and
 * 16-bit protected mode where they decode to a memory form; plus a hand list
 * of what that list leaves out (the stack: PUSH POP PUSHA POPA PUSHF POPF
 * ENTER LEAVE CALL RET; BT* with a register offset; XLAT; MOV/POP Sreg with
 * the GDT on the device) and 32-bit and real-mode string, LOCK, XCHG and
 * CMPXCHG8B forms. Each instance runs on several random states: random
 * registers, flags (sometimes TF, AC) and memory; the operand, the stack
 * (wrapping at 64 KiB in 16-bit code), the string areas and the descriptors
 * inside a page, across a page or across a cache line; REP counts above 1; the
 * instruction sometimes across a code page, fetched or passed by the host
 * (whole or partly) or decoded by the host (xie_emulate_insn); sometimes parts
 * of the state not valid (loaded through load_state); with a translate
 * callback (a page table mapping the pages in reverse order, one page
 * sometimes not present) or without; with each split-atomic capability
 * (cmpxchg_split, stop_others / resume_others, none) and sometimes
 * XIE_OPT_SPLIT_LOCK.
 *
 * For every instance and state (the device: pending_dev.c):
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
 *      may be asked again; they are not in the trace. Reads of a split atomic
 *      operand under stop_others in a call that returned pending are read
 *      again under the next stop (emu.h): not completed either;
 *   3. the same with pending at the first invocation of every access point
 *      (callback, address, size, access kind), and at a random third of them;
 *   4. a polling loop: three executions in a row on one context (the decode
 *      cache warm), without and with pending answers, against three on fresh
 *      contexts;
 *   5. LOCKed and XCHG forms: another agent writes the operand between the
 *      pending call and the next; the outcome must be the instruction's on the
 *      memory that agent wrote (nothing was written before, so that is the
 *      only serial order), i.e. never completed on a stale value;
 *   6. REP string forms: rep_limit 1 and 2 (host-bounded iterations), alone and
 *      with pending at every first access point: after every call
 *      rCX/rSI/rDI are precise, RIP stays at the instruction until the last
 *      iteration, a stop after rep_limit iterations sets RF; the final outcome
 *      equals the unbounded run.
 * After every call that returned XIE_PENDING: no write or compare-exchange
 * completed during it and GPRs/RIP/RFLAGS are unchanged (REP string forms:
 * only whole iterations, rCX/rSI/rDI/rAX and flags); stop_others and
 * resume_others are balanced after every call; the replay log is empty after
 * every other status.
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

#include "form.h"
#include "gen/handlers.h"
#include "pending.h"

#define MAX_CALLS 1200 /* xie_emulate calls for one instruction (pending at every point) */

/* What a run leaves behind. */
struct outcome {
    int st;
    struct xie_result res;
    struct xie_ctx ctx;
    uint8_t mem[NPAGES][4096];
    struct ev trace[MAX_EV];
    unsigned ntrace;
};

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

/* ---- running ---- */

/* What another vCPU does to the memory around the operand of a LOCKed
 * instruction ([rbx - 72, rbx + 88): covers a BT* bit-offset operand too). */
static void other_agent_write(uint8_t mem[NPAGES][4096], uint64_t lin)
{
    uint64_t a;
    for (a = lin - 72; a < lin + 88; a++) {
        int p = pt_lpage(a);
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
    for (i = ntrace0; i < pt_dev.ntrace && !t->string; i++)
        if (pt_dev.trace[i].kind != 'R') {
            snprintf(why, whylen, "a %c access completed in a call that returned pending",
                     pt_dev.trace[i].kind);
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

    memcpy(pt_dev.mem, S->mem, sizeof pt_dev.mem);
    pt_wmap = S->wmap;
    pt_dev.xlat = S->xlat;
    pt_dev.fault_pg = S->fault_pg;
    pt_dev.pmode = pmode;
    pt_dev.k = k;
    pt_dev.ncalls = pt_dev.npend = 0;
    pt_dev.injected = 0;
    pt_dev.npts = 0;
    pt_dev.ntrace = 0;
    pt_dev.bracket = 0;
    pt_dev.violations = 0;
    pt_dev.full = S->full;
    c.ops = &pt_ops[S->xlat][S->cap];
    c.user = &pt_dev;
    c.rep_limit = rl;
    c.options = S->options;
    n_runs++;
    for (;;) {
        before = c;
        ntrace0 = pt_dev.ntrace;
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
            for (i = ntrace0; i < pt_dev.ntrace; i++)
                printf(" %c%u@%#llx/%d", pt_dev.trace[i].kind, pt_dev.trace[i].size,
                       (unsigned long long)pt_dev.trace[i].addr, pt_dev.trace[i].res);
            printf("\n");
        }
        n_calls_total++;
        if (pt_dev.bracket) {
            snprintf(why, whylen, "stop_others without resume_others at return (%s)",
                     xie_strerror(st));
            return 0;
        }
        if (pt_dev.violations) {
            snprintf(why, whylen, "callback contract: %s", pt_dev.violation);
            return 0;
        }
        if (st == XIE_PENDING && !recheck_pending_call(t, &before, &c, ntrace0, why, whylen))
            return 0;
        if (st == XIE_PENDING) {
            /* Reads of a split atomic operand under stop_others are done again
             * under the next stop (emu.h, stop_others: atomicity over
             * exactly-once): those of this call do not count as completed. */
            unsigned i, j = ntrace0;
            for (i = ntrace0; i < pt_dev.ntrace; i++)
                if (!(pt_dev.trace[i].kind == 'R' && pt_dev.trace[i].res))
                    pt_dev.trace[j++] = pt_dev.trace[i];
            pt_dev.ntrace = j;
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
            other_agent_write(pt_dev.mem, S->op_lin);
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
    memcpy(o->mem, pt_dev.mem, sizeof o->mem);
    memcpy(o->trace, pt_dev.trace, pt_dev.ntrace * sizeof pt_dev.trace[0]);
    o->ntrace = pt_dev.ntrace;
    n_pending_total += pt_dev.npend;
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
    printf("  FAIL [%u] %s %s (%s, %s) bytes", (unsigned)(t - pt_insts),
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
    pt_build_list();
    if (list) {
        for (i = 0; i < pt_ninsts; i++) {
            unsigned j;
            printf("%u %s %s:", i, pt_insts[i].src, xie_op_name(pt_insts[i].insn.op));
            for (j = 0; j < pt_insts[i].len; j++)
                printf(" %02x", pt_insts[i].bytes[j]);
            printf(" (init kind %u)\n", pt_insts[i].kind);
        }
        return 0;
    }
    for (i = 0; i < pt_ninsts; i++) {
        const struct inst *t = &pt_insts[i];
        if (only >= 0 && i != (unsigned)only) continue;
        if (t->rep) inst_rep++;
        for (s = 0; s < nstates; s++) {
            int ok = 1, bug;
            int phase = PH_REF;
            pt_make_state(t, s, seed * 1000003u + i, &S);
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
                if (!pt_dev.injected) break; /* k is past the last callback */
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
        for (i = 0; i < pt_ninsts; i++)
            if (!seen[pt_insts[i].insn.form]++) nforms++;
        printf("pending: %u table forms (tests/trace's and the hand list's)\n", nforms);
    }
    printf("pending: %u instances (%lu REP string) x %u states; %lu runs with pending at "
           "invocation k; %llu xie_emulate runs, %llu calls, %llu pending answers injected; "
           "seed %llu\n",
           pt_ninsts, inst_rep, nstates, kruns, n_runs, n_calls_total, n_pending_total,
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
