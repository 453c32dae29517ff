/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The pending/replay test's instruction instances (tests/trace's list in
 * 64-bit, 32-bit and 16-bit code, and a hand list of stack, BT*, XLAT,
 * segment-load, 32-bit and 16-bit forms) and its random states (see
 * pending_test.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../trace/forms.h"
#include "form.h"
#include "gen/handlers.h"
#include "pending.h"

/* ---- instances ---- */

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

struct inst pt_insts[PT_MAX_INSTS];
unsigned pt_ninsts;

static int add_inst(unsigned kind, const uint8_t *b, unsigned n, unsigned flags, const char *src)
{
    struct inst *t;
    enum xie_mode mode = kind == XIE_INIT_LONG64     ? XIE_MODE_64
                         : kind == XIE_INIT_COMPAT32 ? XIE_MODE_32
                                                     : XIE_MODE_16;
    const struct xiei_form *f;
    unsigned i;

    if (pt_ninsts >= sizeof pt_insts / sizeof pt_insts[0]) {
        printf("pending: more instances than the list holds\n");
        exit(1);
    }
    t = &pt_insts[pt_ninsts];
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
    pt_ninsts++;
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

void pt_build_list(void)
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

static uint64_t world_addr(unsigned page, unsigned off)
{
    return pt_wmap[page] + off;
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

void pt_make_state(const struct inst *t, unsigned s, uint64_t seed, struct state *S)
{
    struct xie_ctx *c = &S->full;
    const struct xie_insn *in = &t->insn;
    unsigned i, p, size = 8, split = (s % 3) != 0;
    uint64_t v;

    rs = seed * 0x9e3779b97f4a7c15ull + s * 0x632be59bd9b4e5ull + 1;
    for (i = 0; i < 4; i++)
        rnd();
    memset(S, 0, sizeof *S);
    pt_wmap = S->wmap = mode16(t) ? pt_map_16 : pt_map_flat;
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
        uint8_t *m = &S->mem[pt_lpage(c->gpr[XIE_GPR_RBX])][c->gpr[XIE_GPR_RBX] & 4095];
        /* (RBX is still linear here: offsets are made below.) */
        unsigned n0 = 4096 - (unsigned)(c->gpr[XIE_GPR_RBX] & 4095);
        uint8_t buf[16];
        memcpy(buf, &c->gpr[XIE_GPR_RAX], 8);
        memcpy(buf + 8, &c->gpr[XIE_GPR_RDX], 8);
        if (in->op == XIE_OP_CMPXCHG8B) memcpy(buf + 4, &c->gpr[XIE_GPR_RDX], 4);
        if (n0 > size) n0 = size;
        if (size <= 16) {
            memcpy(m, buf, n0);
            if (n0 < size)
                memcpy(&S->mem[pt_lpage(c->gpr[XIE_GPR_RBX]) + 1][0], buf + n0, size - n0);
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
                S->mem[pt_lpage(a)][a & 4095] = (uint8_t)(ra >> (8 * i));
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
                S->mem[pt_lpage(a)][a & 4095] = d[i];
            }
        }
        c->gdtr.base = gdt;
        c->gdtr.limit = 16 * 8 - 1;
        for (i = 0; i < 2; i++) {
            uint64_t a = S->op_lin + i;
            S->mem[pt_lpage(a)][a & 4095] = (uint8_t)(sel >> (8 * i));
        }
        if (t->flags & F_STACK)
            for (i = 0; i < 2; i++) {
                uint64_t a = mode16(t) ? SEG16_BASE + ((c->gpr[XIE_GPR_RSP] + i) & 0xffff)
                                       : c->gpr[XIE_GPR_RSP] + i;
                if (t->kind == XIE_INIT_COMPAT32) a &= 0xffffffffu;
                S->mem[pt_lpage(a)][a & 4095] = (uint8_t)(sel >> (8 * i));
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
            S->mem[pt_lpage(a)][a & 4095] = code[i];
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
