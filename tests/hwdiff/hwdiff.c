/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hardware differential test of the emulator: for every row of the ISA table
 * that has a semantic handler (xiei_forms[].handler != 0), synthesise encodings
 * from the row's template (random prefixes, REX/VEX bits, ModRM/SIB/disp,
 * immediates), random register states and memory contents with the memory
 * operands aimed near page ends of the test world, run each instance on this
 * CPU (native.c) and through xie_emulate, and compare every GPR, RIP, RFLAGS
 * (the row's undefined flags masked, from the table) and all memory.
 *
 * Usage: hwdiff [-n STATES] [-m 16|32|64] [-f FORM] [-s SEED] [-i ITER] [-v] [-q]
 *   -n  states per form per mode (default 100)   -m  only this mode
 *   -f  only this form index                      -s  seed (default 1)
 *   -o  only the forms of this mnemonic (e.g. -o enter)
 *   -i  only this iteration (with -f and -m: reproduce one case)
 *   -v  print every mismatch (default: 3 per form) -q  only the summary line
 *   The per-form table (tests, mismatches, native exceptions, unimplemented,
 *   per mode) is printed unless -q.
 * Exit status 0 when there was no mismatch.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"
#include "native.h"
#include "xie/emu.h"
#include "xie/host.h"

#define PAGE     4096u
#define NWPAGES  (HW_WORLD_SIZE / PAGE)
#define CODE_OFF 0x8000u

/* ---- random numbers (xorshift64*) ---- */
static uint64_t g_rs;
static uint64_t rnd(void)
{
    g_rs ^= g_rs >> 12;
    g_rs ^= g_rs << 25;
    g_rs ^= g_rs >> 27;
    return g_rs * 0x2545f4914f6cdd1dull;
}
static unsigned rn(unsigned n)
{
    return (unsigned)(rnd() % n);
}
static int chance(unsigned pct)
{
    return rn(100) < pct;
}

/* An interesting 64-bit value: small, boundary or fully random. */
static uint64_t rval(void)
{
    static const uint64_t special[] = {0,
                                       1,
                                       2,
                                       0x7f,
                                       0x80,
                                       0xff,
                                       0x7fff,
                                       0x8000,
                                       0xffff,
                                       0x7fffffff,
                                       0x80000000,
                                       0xffffffff,
                                       0x7fffffffffffffffull,
                                       0x8000000000000000ull,
                                       0xffffffffffffffffull};
    switch (rn(6)) {
    case 0: return special[rn(sizeof special / sizeof special[0])];
    case 1: return rn(64);
    case 2: return (uint64_t)0 - rn(64);
    default: return rnd();
    }
}

/* ---- the xie side's memory: a private copy of the world ---- */
static uint8_t g_world0[HW_WORLD_SIZE]; /* initial contents */
static uint8_t g_xworld[HW_WORLD_SIZE]; /* xie's view */

/* Descriptor tables for xie's segment loads, at an address no test data uses:
 * Linux's user GDT entries (0x23 32-bit code, 0x2b data, 0x33 64-bit code,
 * 0x7b per-CPU data; the others give #GP either way: DPL 0, system, or zero
 * here) and native.c's LDT. */
#define FAKE_DT        0x30000000u
#define FAKE_GDT_LIMIT 0x7fu /* 16 entries (Linux x86-64 GDT_ENTRIES) */
#define FAKE_LDT       (FAKE_DT + 0x800u)
static uint8_t g_dt[0x1000];

static uint64_t desc(uint32_t base, uint32_t limit, unsigned access, unsigned flags)
{
    return (uint64_t)(limit & 0xffff) | (uint64_t)(base & 0xffffff) << 16 | (uint64_t)access << 40 |
           (uint64_t)((limit >> 16) & 0xf) << 48 | (uint64_t)flags << 52 |
           (uint64_t)(base >> 24) << 56;
}

static void dt_reset(void)
{
    static const unsigned gdt_idx[4] = {4, 5, 6, 15};
    uint64_t gdt[4], ldt[4];
    unsigned i;
    gdt[0] = desc(0, 0xfffff, 0xfb, 0xc); /* 0x23: 32-bit code, DPL 3, G, D */
    gdt[1] = desc(0, 0xfffff, 0xf3, 0xc); /* 0x2b: data, DPL 3, G, B */
    gdt[2] = desc(0, 0xfffff, 0xfb, 0xa); /* 0x33: 64-bit code, G, L */
    /* 0x7b: Linux's per-CPU segment (LAR: read-only expand-down data, DPL 3,
     * B; its limit is the CPU number, which no single-instruction test uses). */
    gdt[3] = desc(0, 0, 0xf5, 0x4);
    /* native.c's modify_ldt entries: accessed set, AVL (useable) set. */
    ldt[0] = desc(HW_CODE, 0xffff, 0xfb, 0x1);
    ldt[1] = desc(HW_DS16_BASE, 0xffff, 0xf3, 0x1);
    ldt[2] = desc(HW_ES16_BASE, 0xffff, 0xf3, 0x1);
    ldt[3] = desc(HW_SS16_BASE, 0xffff, 0xf3, 0x1);
    memset(g_dt, 0, sizeof g_dt);
    for (i = 0; i < 4; i++)
        memcpy(g_dt + gdt_idx[i] * 8, &gdt[i], 8);
    memcpy(g_dt + 0x800, ldt, sizeof ldt);
}

static uint8_t *xie_mem(uint64_t a, unsigned n)
{
    if (a >= FAKE_DT && a + n <= (uint64_t)FAKE_DT + sizeof g_dt) return g_dt + (a - FAKE_DT);
    if (a >= HW_WORLD && a + n <= (uint64_t)HW_WORLD + HW_WORLD_SIZE)
        return g_xworld + (a - HW_WORLD);
    if (a >= HW_CODE && a + n <= (uint64_t)HW_CODE + HW_CODE_SIZE)
        return (uint8_t *)(uintptr_t)a; /* shared code area (reads only) */
    return NULL;
}

static int cb_translate(void *u, uint64_t la, unsigned acc, uint64_t *pa, struct xie_event *f)
{
    int in_world = la >= HW_WORLD && la < (uint64_t)HW_WORLD + HW_WORLD_SIZE;
    int in_code = la >= HW_CODE && la < (uint64_t)HW_CODE + HW_CODE_SIZE;
    int in_dt = la >= FAKE_DT && la < (uint64_t)FAKE_DT + sizeof g_dt;
    (void)u;
    /* Linux maps the world RW (not executable) and the code RWX; the tables
     * are reachable only by implicit (descriptor) accesses. */
    if ((in_world && !(acc & XIE_XLAT_FETCH)) || in_code || (in_dt && (acc & XIE_XLAT_IMPLICIT))) {
        *pa = la;
        return XIE_CB_OK;
    }
    memset(f, 0, sizeof *f);
    f->vector = 14;
    f->has_error = 1;
    f->has_cr2 = 1;
    f->cr2 = la;
    f->error_code = (in_world ? 1u : 0u) | ((acc & XIE_XLAT_WRITE) ? 2u : 0u) |
                    ((acc & XIE_XLAT_USER) ? 4u : 0u) | ((acc & XIE_XLAT_FETCH) ? 0x10u : 0u);
    return XIE_CB_EXCEPTION;
}

static int cb_read(void *u, uint64_t a, void *buf, unsigned n)
{
    uint8_t *p = xie_mem(a, n);
    (void)u;
    if (!p) return XIE_CB_FAIL;
    memcpy(buf, p, n);
    return XIE_CB_OK;
}

static int g_code_written, g_dt_written;
static int cb_write(void *u, uint64_t a, const void *buf, unsigned n)
{
    uint8_t *p = xie_mem(a, n);
    (void)u;
    if (!p) return XIE_CB_FAIL;
    if (a < HW_WORLD) {
        g_code_written = 1; /* not modelled: the test is skipped */
        return XIE_CB_OK;
    }
    if (a >= FAKE_DT) g_dt_written = 1;
    memcpy(p, buf, n);
    return XIE_CB_OK;
}

static int cb_cmpxchg(void *u, uint64_t a, void *exp, const void *des, unsigned n)
{
    uint8_t *p = xie_mem(a, n);
    (void)u;
    if (!p) return XIE_CB_FAIL;
    if (memcmp(p, exp, n)) {
        memcpy(exp, p, n);
        return XIE_CB_CHANGED;
    }
    if (a < HW_WORLD) {
        g_code_written = 1;
        return XIE_CB_OK;
    }
    if (a >= FAKE_DT) g_dt_written = 1;
    memcpy(p, des, n);
    return XIE_CB_OK;
}

/* Page-straddling atomic operands (single-threaded here, so gathering the two
 * fragments is atomic): lets them be compared with the CPU instead of refused. */
static int cb_cmpxchg_split(void *u, uint64_t pa0, uint64_t pa1, unsigned n0, void *exp,
                            const void *des, unsigned n)
{
    uint8_t *p0 = xie_mem(pa0, n0), *p1 = xie_mem(pa1, n - n0), cur[16];
    (void)u;
    if (!p0 || !p1 || n > sizeof cur) return XIE_CB_FAIL;
    memcpy(cur, p0, n0);
    memcpy(cur + n0, p1, n - n0);
    if (memcmp(cur, exp, n)) {
        memcpy(exp, cur, n);
        return XIE_CB_CHANGED;
    }
    if (pa0 < HW_WORLD || pa1 < HW_WORLD) {
        g_code_written = 1;
        return XIE_CB_OK;
    }
    memcpy(p0, des, n0);
    memcpy(p1, (const uint8_t *)des + n0, n - n0);
    return XIE_CB_OK;
}

static const struct xie_ops g_ops = {
    .fetch = cb_read,
    .translate = cb_translate,
    .read = cb_read,
    .write = cb_write,
    .cmpxchg = cb_cmpxchg,
    .cmpxchg_split = cb_cmpxchg_split,
};

/* Fetch and translation only: a context copy run with these decodes the
 * instruction into its decode cache and can change nothing in memory. */
static const struct xie_ops g_fetch_ops = {
    .fetch = cb_read,
    .translate = cb_translate,
};

/* ---- per-mode setup ---- */
static struct xie_cpu_model g_cpu;
static const unsigned g_bits[3] = {16, 32, 64};

/* SS of the current test: 0 (the mode's default), HW_SEL_DS (a flat 32-bit
 * stack in 16-bit code) or HW_SEL_SS16 (a 16-bit stack in 32-bit code). */
static uint16_t g_ss;

/* Whether the current test's stack is 16-bit (SS.B = 0: SP, wrap at 64 KiB). */
static int stack16(enum hw_mode m)
{
    return (m == HW_M16 && g_ss != HW_SEL_DS) || (m == HW_M32 && g_ss == HW_SEL_SS16);
}

static uint64_t seg_base(enum hw_mode m, unsigned seg)
{
    if (seg == XIE_SEG_SS && g_ss) return g_ss == HW_SEL_SS16 ? HW_SS16_BASE : 0;
    if (m == HW_M64) return seg == XIE_SEG_GS ? HW_GS64_BASE : 0;
    if (m != HW_M16) return 0;
    switch (seg) {
    case XIE_SEG_ES: return HW_ES16_BASE;
    case XIE_SEG_SS: return HW_SS16_BASE;
    case XIE_SEG_CS: return HW_CODE;
    default: return HW_DS16_BASE;
    }
}

static void set_seg16(struct xie_segment *s, unsigned sel, uint64_t base, uint32_t attr)
{
    s->sel = (uint16_t)sel;
    s->base = base;
    s->limit = 0xffff;
    s->attr = attr;
}

static void ctx_for(struct xie_ctx *c, enum hw_mode m, uint16_t ss)
{
    xie_ctx_init(c, m == HW_M64 ? XIE_INIT_LONG64 : XIE_INIT_COMPAT32, &g_ops, NULL);
    c->cpu = g_cpu;
    c->cpl = 3;
    if (m == HW_M16) {
        /* As native.c's LDT: 16-bit code (type 0xb), 16-bit RW data (type 3). */
        set_seg16(&c->seg[XIE_SEG_CS], HW_SEL_CS16, HW_CODE,
                  0xb | XIE_SATTR_S | XIE_SATTR_DPL | XIE_SATTR_P);
        set_seg16(&c->seg[XIE_SEG_DS], HW_SEL_DS16, HW_DS16_BASE,
                  0x3 | XIE_SATTR_S | XIE_SATTR_DPL | XIE_SATTR_P);
        set_seg16(&c->seg[XIE_SEG_ES], HW_SEL_ES16, HW_ES16_BASE,
                  0x3 | XIE_SATTR_S | XIE_SATTR_DPL | XIE_SATTR_P);
        set_seg16(&c->seg[XIE_SEG_SS], HW_SEL_SS16, HW_SS16_BASE,
                  0x3 | XIE_SATTR_S | XIE_SATTR_DPL | XIE_SATTR_P);
    }
    /* Linux runs user code with null FS and GS selectors. 64-bit mode: the
     * bases stay; native.c gives GS the base HW_GS64_BASE (FS is glibc's and
     * FS overrides are not generated). */
    c->seg[XIE_SEG_FS].sel = 0;
    c->seg[XIE_SEG_GS].sel = 0;
    c->seg[XIE_SEG_GS].base = m == HW_M64 ? HW_GS64_BASE : 0;
    if (m != HW_M64) {
        c->seg[XIE_SEG_FS].attr = XIE_SATTR_UNUSABLE;
        c->seg[XIE_SEG_GS].attr = XIE_SATTR_UNUSABLE;
    } else {
        /* native.c loads DS and ES with 0x2b in every mode (SS is 0x2b too). */
        c->seg[XIE_SEG_DS].sel = HW_SEL_DS;
        c->seg[XIE_SEG_ES].sel = HW_SEL_DS;
    }
    if (ss == HW_SEL_SS16)
        set_seg16(&c->seg[XIE_SEG_SS], HW_SEL_SS16, HW_SS16_BASE,
                  0x3 | XIE_SATTR_S | XIE_SATTR_DPL | XIE_SATTR_P);
    if (ss == HW_SEL_DS) { /* Linux's flat 32-bit data segment */
        c->seg[XIE_SEG_SS].sel = HW_SEL_DS;
        c->seg[XIE_SEG_SS].base = 0;
        c->seg[XIE_SEG_SS].limit = 0xffffffffu;
        c->seg[XIE_SEG_SS].attr =
            0x3 | XIE_SATTR_S | XIE_SATTR_DPL | XIE_SATTR_P | XIE_SATTR_DB | XIE_SATTR_G;
    }
    c->gdtr.base = FAKE_DT;
    c->gdtr.limit = FAKE_GDT_LIMIT;
    c->seg[XIE_SEG_LDTR].sel = 0x50; /* Linux: GDT_ENTRY_LDT = 10 */
    c->seg[XIE_SEG_LDTR].base = FAKE_LDT;
    c->seg[XIE_SEG_LDTR].limit = 4 * 8 - 1;
    c->seg[XIE_SEG_LDTR].attr = 0x2 | XIE_SATTR_P;
    dt_reset();
}

/* ---- encoding synthesis ---- */
struct inst {
    uint8_t b[XIE_MAX_INSN_LEN + 8];
    unsigned len;
    struct xie_insn d;
};

static int form_ok_in_mode(const struct xiei_form *f, enum hw_mode m)
{
    unsigned k;
    if (f->handler == 0 || f->enc > XIEI_ENC_VEX) return 0;
    if ((f->attrs & XIEI_A_I64) && m == HW_M64) return 0;
    if ((f->attrs & XIEI_A_O64) && m != HW_M64) return 0;
    if (f->attrs & XIEI_A_CPL0) return 0;
    if ((f->attrs & XIEI_A_INTEL) && g_cpu.vendor != XIE_VENDOR_INTEL) return 0;
    if ((f->attrs & XIEI_A_AMD) && g_cpu.vendor != XIE_VENDOR_AMD) return 0;
    for (k = 0; k < f->nfeat && k < 2; k++)
        if (!xie_cpu_has(&g_cpu, f->feat[k])) return 0;
    return 1;
}

/* Build one random instance of form f. Returns 0 and fills *in when the
 * decoder accepted it. */
static int synth(const struct xiei_form *f, enum hw_mode m, struct inst *in)
{
    uint8_t *b = in->b;
    unsigned n = 0, mod, reg, rm, rexw, rexr, rexx, rexb, i, asz16;
    int mem, osz_pfx = 0, asz_pfx = 0;
    /* GS only in 64-bit mode (native.c gives it a base there). */
    static const uint8_t segp[5] = {0x26, 0x2e, 0x36, 0x3e, 0x65};
    const unsigned nsegp = m == HW_M64 ? 5 : 4;

    /* Decide ModRM shape first (it decides LOCK). */
    mem = 0;
    mod = 3;
    reg = rn(8);
    rm = rn(8);
    if (f->mflags & XIEI_M_MODRM) {
        if (f->mflags & XIEI_M_MEM)
            mod = rn(3);
        else if (f->mflags & XIEI_M_REG)
            mod = 3;
        else
            mod = chance(60) ? rn(3) : 3;
        if (f->mflags & XIEI_M_REGFIX) reg = f->mreg;
        if (f->mflags & XIEI_M_RMFIX) rm = f->mrm;
        mem = mod != 3;
    }
    /* Legacy prefixes, in random order. */
    if (f->enc == XIEI_ENC_LEGACY) {
        uint8_t p[6];
        unsigned np = 0, j;
        if (chance(20)) p[np++] = segp[rn(nsegp)];
        if (f->pfx == XIEI_PFX_ANY && chance(30)) {
            p[np++] = 0x66;
            osz_pfx = 1;
        }
        if (chance(12)) {
            p[np++] = 0x67;
            asz_pfx = 1;
        }
        if ((f->attrs & XIEI_A_LOCK) && mem && chance(50)) p[np++] = 0xf0;
        if (f->pfx == XIEI_PFX_ANY && (f->attrs & XIEI_A_REPCC) && chance(80))
            p[np++] = chance(50) ? 0xf3 : 0xf2;
        else if (f->pfx == XIEI_PFX_ANY && (f->attrs & XIEI_A_REP) && chance(70))
            p[np++] = 0xf3;
        for (j = np; j > 1; j--) {
            unsigned k = rn(j);
            uint8_t t = p[j - 1];
            p[j - 1] = p[k];
            p[k] = t;
        }
        for (j = 0; j < np; j++)
            b[n++] = p[j];
        if (f->pfx == XIEI_PFX_66)
            b[n++] = 0x66;
        else if (f->pfx == XIEI_PFX_F3)
            b[n++] = 0xf3;
        else if (f->pfx == XIEI_PFX_F2)
            b[n++] = 0xf2;
    } else if (chance(20)) {
        b[n++] = segp[rn(nsegp)];
    }
    asz16 = (m == HW_M16) != (asz_pfx != 0) && m != HW_M64;
    (void)osz_pfx;
    rexw = (f->wl & 3) == XIEI_W_1 ? 1 : (f->wl & 3) == XIEI_W_0 ? 0 : rn(2);
    rexr = rexx = rexb = 0;
    if (m == HW_M64) {
        rexr = rn(2);
        rexx = rn(2);
        rexb = (f->mflags & XIEI_M_NOREXB) ? 0 : rn(2);
    }
    if (f->enc == XIEI_ENC_LEGACY) {
        if (m == HW_M64 && (rexw || chance(60)))
            b[n++] = (uint8_t)(0x40 | rexw << 3 | rexr << 2 | rexx << 1 | rexb);
        if (f->map >= 1) b[n++] = 0x0f;
        if (f->map == 2)
            b[n++] = 0x38;
        else if (f->map == 3)
            b[n++] = 0x3a;
    } else {
        unsigned vvvv = chance(30) ? 0 : m == HW_M64 ? rn(16) : rn(8), pp; /* 0: VEX.vvvv = 1111b */
        pp = f->pfx == XIEI_PFX_66 ? 1 : f->pfx == XIEI_PFX_F3 ? 2 : f->pfx == XIEI_PFX_F2 ? 3 : 0;
        if (m != HW_M64) rexr = rexx = rexb = 0;
        b[n++] = 0xc4;
        b[n++] = (uint8_t)((!rexr) << 7 | (!rexx) << 6 | (!rexb) << 5 | (f->map & 0x1f));
        b[n++] = (uint8_t)(rexw << 7 | (~vvvv & 15) << 3 | pp);
    }
    if (f->mflags & XIEI_M_PLUSR)
        b[n++] = (uint8_t)(f->opcode + rn(8));
    else
        b[n++] = f->opcode;
    if (f->mflags & XIEI_M_MODRM) {
        b[n++] = (uint8_t)(mod << 6 | reg << 3 | rm);
        if (mem && !asz16 && rm == 4) b[n++] = (uint8_t)rnd();
        if (mem && asz16) {
            if (mod == 1)
                b[n++] = (uint8_t)rnd();
            else if (mod == 2 || (mod == 0 && rm == 6))
                for (i = 0; i < 2; i++)
                    b[n++] = (uint8_t)rnd();
        } else if (mem) {
            unsigned base = rm == 4 ? (b[n - 1] & 7) : rm;
            if (mod == 1)
                b[n++] = (uint8_t)rnd();
            else if (mod == 2 || (mod == 0 && base == 5))
                for (i = 0; i < 4; i++)
                    b[n++] = (uint8_t)(chance(50) ? rnd() : (i ? 0 : rn(256)));
        }
    }
    /* Immediates: random bytes; the decoder says how many belong to it. */
    for (i = 0; i < 8; i++)
        b[n + i] = (uint8_t)(chance(30) ? rn(4) : rnd());
    if (xie_decode(b, n + 8, (enum xie_mode)m, &g_cpu, &in->d) != XIE_DECODE_OK) return -1;
    in->len = in->d.len;
    /* A branch into its own bytes would run them as a second instruction
     * natively (or loop there): not one instruction any more. */
    for (i = 0; i < in->d.nops; i++)
        if (in->d.operands[i].kind == XIE_OPK_REL && in->d.imm < 0 &&
            in->d.imm >= -(int64_t)in->len)
            return -1;
    return 0;
}

/* A world address near a page end (or anywhere in a page). */
static uint64_t world_target(unsigned size)
{
    uint64_t page = HW_WORLD + (uint64_t)rn(NWPAGES) * PAGE;
    if (chance(70)) return page + PAGE - 1 - rn(size * 2 + 8);
    return page + rn(PAGE);
}

static void set_low(uint64_t *r, uint64_t v, unsigned bytes)
{
    uint64_t mask = bytes >= 8 ? ~0ull : ((1ull << (8 * bytes)) - 1);
    *r = (*r & ~mask) | (v & mask);
}

/* Random state; pointers for the implicit operands; the explicit memory operand
 * aimed at the world (patching an absolute / RIP-relative displacement). */
static void make_state(enum hw_mode m, struct inst *in, struct hw_state *s)
{
    unsigned i, k;
    /* Sometimes across the page boundary at CODE_OFF (fetch in two parts). */
    uint64_t rip =
        (m == HW_M16 ? 0 : HW_CODE) + CODE_OFF + (chance(20) ? -(uint64_t)rn(16) : rn(0x100));
    for (i = 0; i < 16; i++)
        s->gpr[i] = rval();
    s->rflags = rnd() & 0xcd5u;
    if (chance(5)) s->rflags |= 0x100; /* TF: the single-step trap and retire info */
    /* AC: with CR0.AM (Linux sets it) and CPL 3, misaligned data accesses raise
     * #AC (SDM Vol. 3 6.15, interrupt 17). */
    if (chance(10)) s->rflags |= 0x40000;
    s->rip = rip;
    if (m == HW_M16) {
        /* 16-bit offsets, often at the 64 KiB segment limit (wrap and #GP/#SS
         * cases), with the upper halves of the other registers random. */
        static const uint16_t edge[] = {0,   1,   2,      4,      6,      7,     8,
                                        0xa, 0xf, 0xfffc, 0xfffd, 0xfffe, 0xffff};
        const unsigned ne = sizeof edge / sizeof edge[0];
        s->gpr[XIE_GPR_RSP] = chance(15) ? edge[rn(ne)] : rnd() & 0xfffe;
        s->gpr[XIE_GPR_RSI] = chance(15) ? edge[rn(ne)] : rnd() & 0xffff;
        s->gpr[XIE_GPR_RDI] = chance(15) ? edge[rn(ne)] : rnd() & 0xffff;
        if (chance(50)) s->gpr[XIE_GPR_RBP] = rnd() & 0xffff;
        for (i = 0; i < 8; i++)
            if (i != XIE_GPR_RSP && chance(30)) s->gpr[i] |= rnd() << 16;
    } else {
        set_low(&s->gpr[XIE_GPR_RSP], world_target(8) & ~(chance(80) ? 7ull : 0ull),
                m == HW_M64 ? 8 : 4);
        set_low(&s->gpr[XIE_GPR_RSI], world_target(8), m == HW_M64 ? 8 : 4);
        set_low(&s->gpr[XIE_GPR_RDI], world_target(8), m == HW_M64 ? 8 : 4);
        if (chance(50)) set_low(&s->gpr[XIE_GPR_RBP], world_target(8), m == HW_M64 ? 8 : 4);
    }
    /* Sometimes the other stack size: a flat 32-bit SS in 16-bit code, a
     * 16-bit SS (SP wraps in 64 KiB) in 32-bit code. */
    g_ss = 0;
    if (m == HW_M16 && chance(25)) {
        g_ss = HW_SEL_DS;
        s->gpr[XIE_GPR_RSP] = world_target(8) & ~(chance(80) ? 1ull : 0ull);
    } else if (m == HW_M32 && chance(25)) {
        static const uint16_t sedge[] = {0, 2, 6, 7, 8, 0xf, 0xfffc, 0xfffe, 0xffff};
        g_ss = HW_SEL_SS16;
        s->gpr[XIE_GPR_RSP] = (rnd() << 16) | (chance(20) ? sedge[rn(9)] : rnd() & 0xfffe);
    }
    s->ss = g_ss;
    if (chance(70)) s->gpr[XIE_GPR_RCX] = (s->gpr[XIE_GPR_RCX] & ~0xffffffffull) | rn(40);
    for (k = 0; k < in->d.nops; k++) {
        const struct xie_operand *o = &in->d.operands[k];
        unsigned asz = in->d.asz;
        uint64_t amask = asz >= 8 ? ~0ull : ((1ull << (8 * asz)) - 1), ea,
                 disp = (uint64_t)in->d.disp;
        uint64_t target;
        if (o->kind != XIE_OPK_MEM) continue;
        target = world_target(o->size ? o->size : 1);
        if (m == HW_M16)
            ea = chance(10) ? 0xffffu - rn(4) : (uint64_t)rn(16) * PAGE + (target & (PAGE - 1));
        else
            ea = target - seg_base(m, o->seg);
        if (o->base == XIE_REG_RIP || (o->base == XIE_REG_NONE && o->index == XIE_REG_NONE)) {
            unsigned doff = in->d.disp_off, dsz;
            uint64_t v;
            if (!doff) break;
            dsz = (in->d.imm_off ? in->d.imm_off : in->len) - doff;
            v = o->base == XIE_REG_RIP ? target - (rip + in->len) : ea;
            for (i = 0; i < dsz && i < 8; i++)
                in->b[doff + i] = (uint8_t)(v >> (8 * i));
            if (xie_decode(in->b, in->len, (enum xie_mode)m, &g_cpu, &in->d) != XIE_DECODE_OK)
                break;
        } else if (o->base != XIE_REG_NONE && o->index != XIE_REG_NONE && o->base == o->index) {
            uint64_t v = ((ea - disp) & amask) / (1u + (1u << o->scale));
            set_low(&s->gpr[o->base], v, asz);
        } else if (o->base != XIE_REG_NONE) {
            uint64_t idx = 0;
            if (o->index != XIE_REG_NONE && !o->vsib) {
                idx = chance(50) ? rn(64) : rval();
                set_low(&s->gpr[o->index], idx, asz);
                idx = (s->gpr[o->index] & amask) << o->scale;
            }
            set_low(&s->gpr[o->base], (ea - disp - idx) & amask, asz);
        } else if (!o->vsib) {
            set_low(&s->gpr[o->index], ((ea - disp) & amask) >> o->scale, asz);
        }
        break;
    }
}

/* Linear address of memory operand o under state s, or ~0 when unknown. */
static uint64_t op_linear(enum hw_mode m, const struct inst *in, const struct hw_state *s,
                          const struct xie_operand *o)
{
    unsigned asz = in->d.asz;
    uint64_t amask = asz >= 8 ? ~0ull : ((1ull << (8 * asz)) - 1), ea = (uint64_t)in->d.disp;
    if (o->vsib) return ~0ull;
    if (o->base == XIE_REG_RIP)
        ea += s->rip + in->len;
    else if (o->base != XIE_REG_NONE)
        ea += s->gpr[o->base];
    if (o->index != XIE_REG_NONE) ea += s->gpr[o->index] << o->scale;
    return seg_base(m, o->seg) + (ea & amask);
}

static void poke_world(uint64_t la, const void *v, unsigned n)
{
    if (la >= HW_WORLD && la + n <= (uint64_t)HW_WORLD + HW_WORLD_SIZE)
        memcpy(g_world0 + (la - HW_WORLD), v, n);
}

/* A segment register load (MOV Sreg, POP Sreg): give it a selector that is
 * valid, or invalid in an interesting way, instead of random bits. */
static void choose_selector(enum hw_mode m, const struct inst *in, struct hw_state *s)
{
    static const uint16_t sels[] = {0,    3,    0x23, 0x2b, 0x33, 0x28, 0x29, 0x2a, 0x07, 0x0f,
                                    0x17, 0x1f, 0x0c, 0x27, 0x80, 0x08, 0x10, 0x18, 0x7b};
    unsigned k, load = 0;
    uint16_t sel = chance(85) ? sels[rn(sizeof sels / sizeof sels[0])] : (uint16_t)rnd();
    for (k = 0; k < in->d.nops; k++)
        if (in->d.operands[k].kind == XIE_OPK_SEG && (in->d.operands[k].access & XIE_ACC_W))
            load = 1;
    if (!load) return;
    if (in->d.op == XIE_OP_POP) {
        uint64_t sp = s->gpr[XIE_GPR_RSP];
        sp &= stack16(m) ? 0xffffull : m != HW_M64 ? 0xffffffffull : ~0ull;
        poke_world(seg_base(m, XIE_SEG_SS) + sp, &sel, 2);
        return;
    }
    for (k = 0; k < in->d.nops; k++) {
        const struct xie_operand *o = &in->d.operands[k];
        if (o->kind == XIE_OPK_GPR && (o->access & XIE_ACC_R))
            s->gpr[o->reg] = (s->gpr[o->reg] & ~0xffffull) | sel;
        else if (o->kind == XIE_OPK_MEM)
            poke_world(op_linear(m, in, s, o), &sel, 2);
    }
}

/* ---- running and comparing ---- */
struct fstat {
    unsigned tests[3], mism[3], exc[3], unimpl[3], skip[3], genfail[3], refused[3];
    unsigned shown;
};

static int g_verbose, g_quiet;
static const char *const g_sname[6] = {"es", "cs", "ss", "ds", "fs", "gs"};
static unsigned g_maxshow = 3;

static void print_state(const char *tag, const struct hw_state *s, enum hw_mode m)
{
    unsigned i, nr = m == HW_M64 ? 16 : 8;
    printf("    %s:", tag);
    for (i = 0; i < nr; i++)
        printf(" %llx", (unsigned long long)s->gpr[i]);
    printf(" rip=%llx fl=%llx\n", (unsigned long long)s->rip, (unsigned long long)s->rflags);
}

/* Run the instance through xie, entering by one of the three ways a host can
 * (entry 0: the bytes passed in, 1: fetched through the callback, 2: decoded
 * by the host and given to xie_emulate_insn). A REP instruction stopped by
 * rep_limit continues through the callback. */
static int run_xie(enum hw_mode m, const struct inst *in, const struct hw_state *s, unsigned entry,
                   struct xie_ctx *c, struct xie_result *res)
{
    unsigned i, rounds;
    int st = XIE_OK;
    ctx_for(c, m, s->ss);
    for (i = 0; i < 16; i++)
        c->gpr[i] = s->gpr[i];
    c->rip = s->rip;
    c->rflags = s->rflags | 0x202;
    if (entry == 3) {
        /* Warm decode cache (a host looping over one instruction): decode it
         * through a throw-away copy of the context, then emulate for real with
         * the cached decode (xie_emulate's shortcut for the commonest moves). */
        struct xie_ctx *w = malloc(sizeof *w);
        struct xie_result wr;
        if (w) {
            *w = *c;
            w->ops = &g_fetch_ops;
            xie_emulate(w, NULL, 0, &wr);
            c->dcache = w->dcache;
            free(w);
        }
    }
    for (rounds = 0; rounds < 1000; rounds++) {
        if (rounds || entry == 1 || entry == 3)
            st = xie_emulate(c, NULL, 0, res);
        else if (entry == 2)
            st = xie_emulate_insn(c, &in->d, res);
        else
            st = xie_emulate(c, in->b, in->len, res);
        /* With TF the CPU traps after one iteration: so must xie. */
        if (st != XIE_OK || !(res->retire & XIE_RETIRE_REP_MORE) || (s->rflags & 0x100)) break;
    }
    return st;
}

static void test_one(unsigned fi, enum hw_mode m, unsigned iter, uint64_t seed, struct fstat *fs,
                     struct fstat *all)
{
    const struct xiei_form *f = &xiei_forms[fi];
    struct inst in;
    struct hw_state s;
    struct hw_result nr;
    struct xie_ctx c;
    struct xie_result res;
    unsigned tries, i, nregs, gbytes;
    uint64_t fmask, gmask;
    int st, bad = 0;
    char why[512];
    const struct xiei_form *df;

    g_rs = seed ^ ((uint64_t)fi << 40) ^ ((uint64_t)m << 36) ^
           ((uint64_t)iter * 0x9e3779b97f4a7c15ull);
    g_rs = g_rs ? g_rs : 1;
    for (tries = 0; tries < 40; tries++)
        if (!synth(f, m, &in)) break;
    if (tries == 40) {
        fs->genfail[m]++;
        if (g_verbose)
            printf("GENFAIL form %u (%s) mode %u iter %u: the decoder rejected 40 instances\n", fi,
                   xie_op_name(f->op), g_bits[m], iter);
        return;
    }
    /* Count the test under the row the decoder matched (a template can match a
     * more specific row). */
    if (in.d.form != fi && in.d.form < xiei_nforms) {
        fs = all + in.d.form;
        fi = in.d.form;
    }
    df = &xiei_forms[fi];
    make_state(m, &in, &s);
    /* World contents. */
    for (i = 0; i < HW_WORLD_SIZE; i += 8) {
        uint64_t v = rnd();
        memcpy(g_world0 + i, &v, 8);
    }
    choose_selector(m, &in, &s);
    memcpy((void *)(uintptr_t)HW_WORLD, g_world0, HW_WORLD_SIZE);
    memcpy(g_xworld, g_world0, HW_WORLD_SIZE);
    hw_code_reset();
    memcpy((void *)(uintptr_t)(seg_base(m, XIE_SEG_CS) + s.rip), in.b, in.len);
    hw_run(m, &s, &nr);
    if (nr.timeout) {
        fs->skip[m]++;
        if (g_verbose) {
            printf("SKIP form %u (%s) mode %u iter %u: no native result (endless loop or the "
                   "child died); bytes",
                   fi, xie_op_name(df->op), g_bits[m], iter);
            for (i = 0; i < in.len; i++)
                printf(" %02x", in.b[i]);
            printf("\n");
        }
        return;
    }
    g_code_written = g_dt_written = 0;
    st = run_xie(m, &in, &s, iter % 4, &c, &res);
    /* A branch to itself (e.g. RET popping its own address, 1 in 65,536 in
     * 16-bit code): the native side runs it again before reaching a trap, so the
     * two results are not comparable. */
    if (g_code_written || (st == XIE_OK && (res.retire & XIE_RETIRE_BRANCH) && c.rip == s.rip)) {
        fs->skip[m]++;
        return;
    }
    fs->tests[m]++;
    if (nr.exc >= 0 && !(nr.exc == 1 && (s.rflags & 0x100))) fs->exc[m]++;
    why[0] = 0;
    if (st == XIE_UNHANDLEABLE && res.reason == XIE_REASON_ATOMIC_SPLIT) {
        /* Documented refusal (DESIGN.md: an atomic operand crossing a page
         * needs a host capability); not a mismatch. */
        fs->refused[m]++;
        return;
    }
    if (st == XIE_UNIMPLEMENTED || st == XIE_UNHANDLEABLE) {
        fs->unimpl[m]++;
        if (g_verbose && fs->shown < g_maxshow) {
            fs->shown++;
            printf("UNIMPL form %u (%s) mode %u iter %u: %s %s\n", fi, xie_op_name(df->op),
                   g_bits[m], iter, xie_strerror(st), xie_reason_str(res.reason));
        }
        return;
    }
    nregs = m == HW_M64 ? 16 : 8;
    gbytes = m == HW_M64 ? 8 : 4;
    gmask = gbytes == 8 ? ~0ull : 0xffffffffull;
    fmask = (0x44dd5ull) & ~(uint64_t)df->fu;
    /* TF: the CPU's single-step #DB after the instruction must match xie's
     * XIE_RETIRE_SINGLESTEP (and nothing else: a MOV SS/POP SS shadow holds
     * the trap back, which xie reports as XIE_RETIRE_SHADOW_MOVSS). */
    if (s.rflags & 0x100) {
        int xss = st == XIE_OK && (res.retire & XIE_RETIRE_SINGLESTEP) &&
                  !(res.retire & XIE_RETIRE_SHADOW_MOVSS);
        if (nr.exc == 1) {
            nr.exc = -1; /* completed, then trapped */
            if (st == XIE_OK && !xss)
                snprintf(why, sizeof why, "CPU single-step trap, xie retire %x; ", res.retire);
        } else if (nr.exc < 0 && xss) {
            snprintf(why, sizeof why, "no single-step trap on the CPU, xie retire %x; ",
                     res.retire);
        }
    }
    if (nr.exc >= 0) {
        if (st != XIE_EXCEPTION)
            snprintf(why, sizeof why, "native exception %d, xie %s", nr.exc, xie_strerror(st));
        else if (res.event.vector != nr.exc)
            snprintf(why, sizeof why, "native exception %d, xie exception %u", nr.exc,
                     res.event.vector);
        /* #PF: CR2 and the W/U/I bits; P too, except for kernel-half addresses
         * (whether the kernel maps them is not this test's business). */
        else if (nr.exc == 14 && (res.event.cr2 != nr.addr || ((res.event.error_code ^ nr.err) &
                                                               (nr.addr >> 63 ? 0x1eu : 0x1fu))))
            snprintf(why, sizeof why, "#PF cr2 %llx err %x vs cr2 %llx err %x; ",
                     (unsigned long long)nr.addr, nr.err, (unsigned long long)res.event.cr2,
                     res.event.error_code);
        else if ((nr.exc == 10 || nr.exc == 11 || nr.exc == 12 || nr.exc == 13) &&
                 (res.event.error_code & 0xffff) != (nr.err & 0xffff))
            snprintf(why, sizeof why, "exception %d error code %x vs %x; ", nr.exc, nr.err,
                     res.event.error_code);
    } else if (st != XIE_OK) {
        snprintf(why, sizeof why, "native completed, xie %s (vector %u)", xie_strerror(st),
                 st == XIE_EXCEPTION ? res.event.vector : 0);
    } else {
        if ((c.rip & gmask) != (nr.s.rip & gmask))
            snprintf(why + strlen(why), sizeof why - strlen(why), "rip %llx vs %llx; ",
                     (unsigned long long)nr.s.rip, (unsigned long long)c.rip);
        if ((c.rflags ^ nr.s.rflags) & fmask)
            snprintf(why + strlen(why), sizeof why - strlen(why),
                     "rflags %llx vs %llx (mask %llx); ", (unsigned long long)nr.s.rflags,
                     (unsigned long long)c.rflags, (unsigned long long)fmask);
    }
    /* Registers (also after an exception: REP progress; else unchanged).
     * Except after a faulting POPA: this CPU (AMD Zen 3) has already loaded the
     * registers popped before the faulting slot, where the SDM (and xie, by
     * design: a faulting instruction leaves no trace) leaves them unchanged. */
    if ((!why[0] || nr.exc >= 0) && !(nr.exc >= 0 && df->op == XIE_OP_POPA))
        for (i = 0; i < nregs; i++) {
            uint64_t rm = gmask;
            if (m == HW_M16 && i == XIE_GPR_RSP)
                rm = 0xffffffffull; /* espfix: bits 63:32 of RSP are not the user's */
            if (st == XIE_EXCEPTION || st == XIE_OK)
                if ((c.gpr[i] ^ nr.s.gpr[i]) & rm)
                    snprintf(why + strlen(why), sizeof why - strlen(why), "r%u %llx vs %llx; ", i,
                             (unsigned long long)nr.s.gpr[i], (unsigned long long)c.gpr[i]);
        }
    if (st == XIE_OK || st == XIE_EXCEPTION)
        for (i = 0; i < 6; i++)
            /* A null selector reads back as 0 in the handler whatever its RPL. */
            if (c.seg[i].sel != nr.sreg[i] && ((c.seg[i].sel | nr.sreg[i]) & 0xfffc))
                snprintf(why + strlen(why), sizeof why - strlen(why), "%s %x vs %x; ", g_sname[i],
                         nr.sreg[i], c.seg[i].sel);
    if (g_dt_written)
        snprintf(why + strlen(why), sizeof why - strlen(why),
                 "xie wrote a descriptor (accessed bit already set); ");
    /* Memory. Except after a faulting ENTER or PUSHA: this CPU has already
     * written part of the frame (checked natively: PUSHA with a 16-bit SP of 7
     * stores the first slots, then #SS), xie by design writes nothing. */
    if (!(nr.exc >= 0 && (df->op == XIE_OP_ENTER || df->op == XIE_OP_PUSHA)) &&
        memcmp(g_xworld, (void *)(uintptr_t)HW_WORLD, HW_WORLD_SIZE)) {
        const uint8_t *w = (const uint8_t *)(uintptr_t)HW_WORLD;
        for (i = 0; i < HW_WORLD_SIZE && g_xworld[i] == w[i]; i++)
            ;
        snprintf(why + strlen(why), sizeof why - strlen(why), "memory at %llx: %02x vs %02x; ",
                 (unsigned long long)HW_WORLD + i, w[i], g_xworld[i]);
    }
    bad = why[0] != 0;
    if (bad) {
        fs->mism[m]++;
        if (!g_quiet && (g_verbose || fs->shown < g_maxshow)) {
            fs->shown++;
            printf("MISMATCH form %u (%s) mode %u iter %u seed %llu: bytes", fi,
                   xie_op_name(df->op), g_bits[m], iter, (unsigned long long)seed);
            for (i = 0; i < in.len; i++)
                printf(" %02x", in.b[i]);
            if (s.ss) printf(" (SS %#x)", s.ss);
            printf("\n    (native vs xie) %s\n", why);
            print_state("in    ", &s, m);
            print_state("native", &nr.s, m);
            if (nr.exc >= 0)
                printf("    native exception %d err %x addr %llx\n", nr.exc, nr.err,
                       (unsigned long long)nr.addr);
        }
    }
}

int main(int argc, char **argv)
{
    unsigned nstates = 100, fonly = ~0u, ionly = ~0u, fi, it, tot[7] = {0};
    int monly = -1, m, ai;
    const char *oponly = NULL;
    uint64_t seed = 1;
    struct fstat *st;
    unsigned uncovered = 0, emulated = 0, notrun = 0;
    for (ai = 1; ai < argc; ai++) {
        const char *a = argv[ai];
        const char *v = ai + 1 < argc ? argv[ai + 1] : "0";
        if (!strcmp(a, "-n"))
            nstates = (unsigned)strtoul(v, NULL, 0), ai++;
        else if (!strcmp(a, "-m"))
            monly = atoi(v) == 16 ? 0 : atoi(v) == 32 ? 1 : 2, ai++;
        else if (!strcmp(a, "-o"))
            oponly = v, ai++;
        else if (!strcmp(a, "-f"))
            fonly = (unsigned)strtoul(v, NULL, 0), ai++;
        else if (!strcmp(a, "-i"))
            ionly = (unsigned)strtoul(v, NULL, 0), ai++;
        else if (!strcmp(a, "-s"))
            seed = strtoull(v, NULL, 0), ai++;
        else if (!strcmp(a, "-v"))
            g_verbose = 1;
        else if (!strcmp(a, "-q"))
            g_quiet = 1;
        else {
            fprintf(
                stderr,
                "usage: hwdiff [-n N] [-m 16|32|64] [-f FORM] [-o MNEMONIC] [-i ITER] [-s SEED] "
                "[-v] [-q]\n");
            return 2;
        }
    }
    xie_cpu_model_host(&g_cpu);
    if (hw_init()) {
        perror("hwdiff: native runner setup");
        return 2;
    }
    st = calloc(xiei_nforms, sizeof *st);
    for (fi = 0; fi < xiei_nforms; fi++) {
        if (fonly != ~0u && fi != fonly) continue;
        if (oponly && strcmp(oponly, xie_op_name(xiei_forms[fi].op))) continue;
        for (m = 0; m < 3; m++) {
            if (monly >= 0 && m != monly) continue;
            if (!form_ok_in_mode(&xiei_forms[fi], (enum hw_mode)m)) continue;
            for (it = 0; it < nstates; it++)
                if (ionly == ~0u || it == ionly)
                    test_one(fi, (enum hw_mode)m, it, seed, &st[fi], st);
        }
    }
    if (!g_quiet)
        printf("\n%-5s %-12s | %-24s | %-24s | %-24s\n", "form", "op", "16: tests mism exc unimpl",
               "32: tests mism exc unimpl", "64: tests mism exc unimpl");
    for (fi = 0; fi < xiei_nforms; fi++) {
        const struct fstat *s = &st[fi];
        unsigned any = 0, bad = 0, gen = 0;
        int runnable;
        if (!xiei_forms[fi].handler) continue;
        for (m = 0; m < 3; m++) {
            any += s->tests[m];
            bad += s->mism[m] + s->unimpl[m];
            gen += s->genfail[m];
            tot[0] += s->tests[m];
            tot[1] += s->mism[m];
            tot[2] += s->exc[m];
            tot[3] += s->unimpl[m];
            tot[4] += s->skip[m];
            tot[5] += s->genfail[m];
            tot[6] += s->refused[m];
        }
        runnable = 0;
        for (m = 0; m < 3; m++)
            if (monly < 0 || m == monly)
                runnable |= form_ok_in_mode(&xiei_forms[fi], (enum hw_mode)m);
        if (fonly == ~0u && !oponly && !runnable) {
            notrun++;
            if (g_verbose)
                printf("%-5u %-12s | not runnable here (CPL 0, encoding, vendor or a CPUID "
                       "feature this CPU lacks)\n",
                       fi, xie_op_name(xiei_forms[fi].op));
            continue;
        }
        if (fonly == ~0u && !oponly) emulated++;
        if (!any && fonly == ~0u && !oponly) {
            uncovered++;
            if (!g_quiet)
                printf("%-5u %-12s | not covered (no instance generated%s)\n", fi,
                       xie_op_name(xiei_forms[fi].op), gen ? ": decoder rejected every try" : "");
            continue;
        }
        if (!g_quiet && any)
            printf("%-5u %-12s | %5u %4u %4u %5u    | %5u %4u %4u %5u    | %5u %4u %4u %5u%s\n", fi,
                   xie_op_name(xiei_forms[fi].op), s->tests[0], s->mism[0], s->exc[0], s->unimpl[0],
                   s->tests[1], s->mism[1], s->exc[1], s->unimpl[1], s->tests[2], s->mism[2],
                   s->exc[2], s->unimpl[2], bad ? "  <- mismatch" : "");
    }
    printf("hwdiff: %u tests (%u ended in an exception), %u mismatches, %u unimplemented, "
           "%u skipped, %u refused (atomic operand across a page), %u generation failures, %u of "
           "%u emulated forms runnable here not "
           "covered, %u emulated forms not runnable here, %u native restarts\n",
           tot[0], tot[2], tot[1], tot[3], tot[4], tot[6], tot[5], uncovered, emulated, notrun,
           hw_restarts());
    return tot[1] || tot[3] || uncovered ? 1 : 0;
}
