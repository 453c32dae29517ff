/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The pending/replay test's shared parts (see pending_test.c): the memory map,
 * the test device (pending_dev.c), the instruction instances and the random
 * states (pending_inst.c).
 */
#ifndef XIE_TEST_PENDING_H
#define XIE_TEST_PENDING_H

#include <stdint.h>

#include "xie/emu.h"

/* ---- memory: two code pages and eight device pages ---- */

#define CODE_LA    0x1000u
#define CODE_PAGES 2
#define WORLD_LA   0x10000u
#define SEG16_BASE 0x20000u /* 16-bit modes: DS ES SS FS GS base */
#define WORLD_PG   8
#define NPAGES     (CODE_PAGES + WORLD_PG)
#define PHYS_BASE  0x7ff000000ull /* with translate: page i at PHYS_BASE + (NPAGES-1-i) pages */

#define MAX_EV 2048 /* completed accesses one run may record */

/* Callback kinds, for the access points of the "first invocation" modes. */
enum { K_FETCH, K_XLAT, K_READ, K_WRITE, K_CX, K_CXS, K_LOAD };

/* One completed device access in the trace. */
struct ev {
    char kind;   /* 'R' read, 'W' write, 'X' cmpxchg, 'Y' cmpxchg_split */
    uint8_t res; /* R: inside stop_others; X, Y: the callback's answer */
    uint16_t size;
    uint32_t n0;
    uint64_t addr, addr1;
    uint64_t hash; /* of the data moved */
};

/* An access point: a callback kind and its address / size / access kind. */
struct point {
    unsigned kind;
    uint64_t a, b;
};

/* The test device (one per process: the test is single-threaded). */
struct dev {
    int xlat;               /* translate callback present */
    int fault_pg;           /* page index whose translation is not present, or -1 */
    int pmode;              /* 0 never pending, 1 pending at invocation k, 2 at every first point,
                               3 at random first points (seeded by k) */
    uint64_t k;             /* mode 1: the invocation; mode 3: the random state */
    unsigned ncalls, npend; /* callback invocations; pending answers given */
    int injected;           /* mode 1: the pending answer was given */
    struct point pts[4096]; /* modes 2, 3: the access points seen */
    unsigned npts;
    uint8_t mem[NPAGES][4096]; /* code pages, then device pages */
    struct ev trace[MAX_EV];   /* completed accesses */
    unsigned ntrace;
    int bracket;         /* inside stop_others .. resume_others */
    unsigned violations; /* callback contract violations seen */
    char violation[160]; /* the first of them */
    struct xie_ctx full; /* the whole state, for load_state */
};

/* The device every run uses (single-threaded test). */
extern struct dev pt_dev;

/* Linear addresses of the device pages (see pt_map_flat, pt_map_16); the map
 * in use. */
extern const uint64_t pt_map_flat[WORLD_PG], pt_map_16[WORLD_PG];
extern const uint64_t *pt_wmap;

/* Linear page index of la (code pages first, then device pages), or -1. */
int pt_lpage(uint64_t la);

/* The callback tables: [translate present][split-atomic capability: none,
 * cmpxchg_split, stop_others / resume_others]. */
extern const struct xie_ops pt_ops[2][3];

/* ---- instances and states (pending_inst.c) ---- */

#define F_STACK  0x1u /* uses the stack: RSP/RBP on the device */
#define F_SMALLC 0x2u /* rCX is a small signed bit offset (BT r/m, r) */
#define F_SEG    0x4u /* loads a segment register: selector in memory, GDT on the device */
#define F_EA     0x8u /* the operand's own base and index registers address it */

/* One instruction instance. */
struct inst {
    unsigned kind; /* XIE_INIT_LONG64, COMPAT32, PROT16 or REAL */
    uint8_t bytes[32];
    unsigned len;
    struct xie_insn insn;   /* its decode in the mode of kind */
    unsigned mi;            /* memory operand index, or XIE_MAX_OPERANDS */
    unsigned flags;         /* F_* */
    int moffs, string, rep; /* MOV moffs; string instruction; with REP/REPE/REPNE */
    unsigned esize;         /* string element size */
    const char *src;        /* "trace" or "hand" */
};

#define PT_MAX_INSTS 8192
extern struct inst pt_insts[PT_MAX_INSTS];
extern unsigned pt_ninsts;

/* Fill pt_insts: tests/trace's instances (64-bit, and where they decode so,
 * 32-bit and 16-bit protected mode) and the hand list. */
void pt_build_list(void);

/* One random state of an instance: what a run starts from. */
struct state {
    struct xie_ctx ctx;  /* the context given to xie (parts not valid: garbage) */
    struct xie_ctx full; /* the whole state, as load_state gives it */
    uint8_t mem[NPAGES][4096];
    int xlat;             /* translate callback present */
    int cap;              /* split-atomic capability (index of pt_ops[][]) */
    int fault_pg;         /* page index not present in the page table, or -1 */
    uint32_t options;     /* xie_ctx.options */
    uint64_t op_lin;      /* linear address of the [rbx] operand */
    unsigned pass;        /* instruction bytes the host passes to xie_emulate */
    int use_insn;         /* the host decodes and calls xie_emulate_insn */
    uint8_t code[32];     /* the instruction bytes (moffs address patched in) */
    const uint64_t *wmap; /* the device page map for the mode */
    uint64_t code_la;     /* linear address of the instruction */
};

/* Random state number s of instance t (seeded by seed). */
void pt_make_state(const struct inst *t, unsigned s, uint64_t seed, struct state *S);

#endif
