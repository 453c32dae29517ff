/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal interface of the emulation engine: the per-call execution state, the
 * operand and memory access layer, and the handler table. Cross-file internal
 * (xiei_ prefix); not public API.
 *
 * One emulation call keeps everything it would change in struct xiei_ex (on the
 * caller's stack) and writes it into the context only when the instruction
 * completes (xiei_commit), so a faulting instruction changes nothing.
 */
#ifndef XIE_EMU_INT_H
#define XIE_EMU_INT_H

#include <stdint.h>

#include "xie/emu.h"
#include "../form.h"
#include "sem.h"
#include "sem_util.h"

/* Inlined even where the compiler would rather not (a hot path that also has
 * a second, cold caller). */
#if defined(__GNUC__) || defined(__clang__)
#define XIEI_INLINE inline __attribute__((always_inline))
#else
#define XIEI_INLINE inline
#endif

/* Staged general-register writes: POPA writes eight, nothing else more. */
#define XIEI_MAX_REGW 10
/* Staged memory writes (each up to two page fragments). */
#define XIEI_MAX_MEMW 4
/* Bytes of staged memory data: ENTER with nesting level 31 in 64-bit mode writes
 * 8 + 30 * 8 + 8 = 256 bytes, the largest single destination here. */
#define XIEI_WBUF 272

/* A translated memory operand: one or two page fragments. */
struct xiei_maddr {
    uint64_t pa0, pa1; /* fragment addresses (physical, or linear without translate) */
    uint16_t n0;       /* bytes in the first fragment (== size when not split) */
    uint16_t size;     /* total bytes */
};

/* A staged memory write. */
struct xiei_memw {
    struct xiei_maddr m;
    uint16_t off; /* offset of the data in xiei_ex.wbuf */
    uint8_t slot; /* 0: one write (per fragment); n: stack slots of n bytes, each
                     its own write, pushed from the highest address down */
};

/* Per-call execution state. */
struct xiei_ex {
    struct xie_ctx *ctx;
    const struct xie_ops *ops;
    const struct xie_insn *in;
    struct xie_result *res;
    uint64_t fl;        /* RFLAGS being computed */
    uint64_t rip_next;  /* address of the next instruction (RIP + length, wrapped) */
    uint64_t rip_new;   /* RIP after the instruction (branches change it) */
    uint32_t retire;    /* XIE_RETIRE_* */
    uint8_t mode;       /* enum xie_mode */
    uint8_t realseg;    /* real or virtual-8086 mode: segment base = selector * 16 */
    uint8_t nregw;      /* staged register writes */
    uint8_t nmemw;      /* staged memory writes */
    uint16_t wused;     /* bytes used in wbuf */
    uint8_t segw;       /* staged segment register write (enum xie_seg) or XIE_SEG_NONE */
    uint8_t lock;       /* 1: the memory destination is atomic (cmpxchg at commit) */
    uint8_t lock_have;  /* 1: lock_cur holds the value the last cmpxchg found */
    uint8_t lock_armed; /* 1: the atomic write has been staged (lock_new) */
    uint8_t mcache;     /* 1: mcache_op's translation is in mc */
    uint8_t align;      /* required alignment of the memory operand (table), or 0 */
    uint8_t lock_split; /* 1: the atomic operand goes through cmpxchg_split */
    uint8_t stopped;    /* 1: stop_others succeeded; resume_others is owed */
    uint8_t regi[XIEI_MAX_REGW];
    uint64_t regv[XIEI_MAX_REGW];
    const struct xie_operand *mcache_op;
    struct xiei_maddr mc;
    struct xiei_maddr lock_m; /* the atomic operand */
    uint64_t lock_old[2];     /* value read (expected at commit), little-endian */
    uint64_t lock_new[2];     /* value to store */
    uint64_t lock_cur[2];     /* value a failed cmpxchg reported */
    struct xie_segment segv;  /* staged segment register value */
    struct xiei_memw memw[XIEI_MAX_MEMW];
    uint8_t wbuf[XIEI_WBUF];
};

/* ---- status helpers (emu.c) ---- */

/* Record exception `vector` (with error code if has_err) in res and return
 * XIE_EXCEPTION. */
int xiei_event(struct xie_result *res, unsigned vector, int has_err, uint32_t err);
/* Record an unhandleable reason in res and return XIE_UNHANDLEABLE. */
int xiei_refuse(struct xie_result *res, unsigned reason);
/* Map a callback's return value to an engine status (XIE_OK when it is XIE_CB_OK;
 * XIE_CB_EXCEPTION takes the event from *ev into res). */
int xiei_cbresult(struct xie_result *res, int cb, const struct xie_event *ev);
static inline int xiei_raise(struct xiei_ex *ex, unsigned vector, int has_err, uint32_t err)
{
    return xiei_event(ex->res, vector, has_err, err);
}
static inline int xiei_unhandleable(struct xiei_ex *ex, unsigned reason)
{
    return xiei_refuse(ex->res, reason);
}
static inline int xiei_cbstatus(struct xiei_ex *ex, int cb, const struct xie_event *ev)
{
    return xiei_cbresult(ex->res, cb, ev);
}
/* Load the state parts in miss through load_state (xiei_need's slow path). */
int xiei_load(struct xiei_ex *ex, uint64_t miss);
/* Make sure the state parts in mask are valid (load_state if needed). */
static inline int xiei_need(struct xiei_ex *ex, uint64_t mask)
{
    uint64_t miss = mask & ~ex->ctx->valid;
    return miss ? xiei_load(ex, miss) : XIE_OK;
}

#define XIEI_VEC_DE 0
#define XIEI_VEC_DB 1
#define XIEI_VEC_UD 6
#define XIEI_VEC_SS 12
#define XIEI_VEC_GP 13
#define XIEI_VEC_PF 14
#define XIEI_VEC_AC 17
#define XIEI_CR0_AM 0x40000u

static inline int xiei_gp0(struct xiei_ex *ex)
{
    return xiei_raise(ex, XIEI_VEC_GP, 1, 0);
}
static inline int xiei_ud(struct xiei_ex *ex)
{
    return xiei_raise(ex, XIEI_VEC_UD, 0, 0);
}

/* ---- registers (access.c) ---- */

/* Current value of GPR n, including writes this instruction staged. */
static inline uint64_t xiei_gpr(const struct xiei_ex *ex, unsigned n)
{
    unsigned i = ex->nregw;
    while (i--)
        if (ex->regi[i] == n) return ex->regv[i];
    return ex->ctx->gpr[n];
}
/* Stage a full 64-bit write of GPR n. */
void xiei_set_gpr(struct xiei_ex *ex, unsigned n, uint64_t v);
/* Linear address la to *pa through the translate callback for an access of
 * kind (XIE_XLAT_USER added at CPL 3 unless implicit); la itself without one. */
int xiei_translate(struct xiei_ex *ex, uint64_t la, unsigned kind, uint64_t *pa);
/* GPR value old after a write of the low `size` bytes v, with the rule of
 * xiei_set_gprs. */
uint64_t xiei_gpr_merge(const struct xiei_ex *ex, uint64_t old, unsigned size, uint64_t v);
/* Stage a write of the low `size` bytes of GPR n with the architectural rule:
 * size 4 zero-extends in 64-bit mode, smaller sizes merge. */
void xiei_set_gprs(struct xiei_ex *ex, unsigned n, unsigned size, uint64_t v);

/* ---- addressing and memory (access.c) ---- */

/* Effective address (offset in the segment) of a memory operand, wrapped to the
 * address size (SDM Vol. 1 3.7.5, 3.3.7); RIP-relative uses the next
 * instruction's address. */
static inline uint64_t xiei_ea(const struct xiei_ex *ex, const struct xie_operand *o)
{
    uint64_t ea = (uint64_t)ex->in->disp;

    if (o->base != XIE_REG_NONE)
        ea += o->base == XIE_REG_RIP ? ex->rip_next : xiei_gpr(ex, o->base);
    if (o->index != XIE_REG_NONE) ea += xiei_gpr(ex, o->index) << o->scale;
    return ea & xiei_mask(ex->in->asz);
}
/* Whether [la, la + size) leaves the canonical address space somewhere at its
 * first or last byte (SDM Vol. 1 3.3.7.1): an address is canonical when adding
 * 2^47 leaves bits 63:48 clear. */
static inline int xiei_noncanonical(uint64_t la, unsigned size)
{
    return (((la + (1ull << 47)) | (la + size - 1 + (1ull << 47))) >> 48) != 0;
}
/* Or'ed into xiei_xlat's seg: a stack reference (implicit stack operation, or
 * RSP/RBP as the base register), which decides #SS over #GP for a non-canonical
 * address in 64-bit mode. */
#define XIEI_SEG_STACKREF 0x10u
/* The segment argument for memory operand o. */
static inline unsigned xiei_opseg(const struct xie_operand *o)
{
    /* With an FS/GS override an RSP/RBP-based reference is not a stack
     * reference (#GP, not #SS, when non-canonical: measured on this CPU). */
    int stack = (o->base == XIE_GPR_RSP || o->base == XIE_GPR_RBP) && o->seg != XIE_SEG_FS &&
                o->seg != XIE_SEG_GS;
    return o->seg | (stack ? XIEI_SEG_STACKREF : 0u);
}
/* Or'ed into xiei_xlat's kind: the access is made of units of n bytes (PUSHA,
 * POPA, ENTER: the stack slots), the unit of the alignment check. Without it the
 * unit follows from the size. */
#define XIEI_XLAT_UNIT_SHIFT 8
#define XIEI_XLAT_UNIT(n)    ((unsigned)(n) << XIEI_XLAT_UNIT_SHIFT)
#define XIEI_XLAT_KIND       0xffu
/* Segmentation, alignment check and translation of [seg:off, size) for an
 * access of kind XIE_XLAT_READ or XIE_XLAT_WRITE (| XIEI_XLAT_UNIT); fills *m. */
int xiei_xlat(struct xiei_ex *ex, unsigned seg, uint64_t off, unsigned size, unsigned kind,
              struct xiei_maddr *m);
/* #AC(0) when alignment checking is on (CR0.AM, EFLAGS.AC, CPL 3) and linear
 * address la is not a multiple of unit (a power of two); else XIE_OK. */
int xiei_align_check(struct xiei_ex *ex, uint64_t la, unsigned unit);
/* Translation of [la, la + size) (no segmentation), e.g. descriptor tables. */
int xiei_xlat_linear(struct xiei_ex *ex, uint64_t la, unsigned size, unsigned kind,
                     struct xiei_maddr *m);
/* Read a translated operand through the read callback (fragments in order). */
int xiei_mread(struct xiei_ex *ex, const struct xiei_maddr *m, void *buf);
/* Stage a write of a translated operand (committed by xiei_commit). */
int xiei_mwrite(struct xiei_ex *ex, const struct xiei_maddr *m, const void *buf);
/* Reserve a staged write of m->size bytes and return where to put the data (NULL
 * when the staging area is full; the caller checks the write callback). */
uint8_t *xiei_mwrite_buf(struct xiei_ex *ex, const struct xiei_maddr *m);
/* Read bytes [off, off + len) of a translated area (its fragments in order;
 * the stack slots of POPA). */
int xiei_mread_part(struct xiei_ex *ex, const struct xiei_maddr *m, unsigned off, unsigned len,
                    void *buf);
/* Mark the last staged write as stack slots of `slot` bytes (PUSHA, ENTER): at
 * commit each slot is one write, from the highest address down, as the CPU
 * pushes them; consecutive slot areas (a 16-bit stack that wraps) are pushed
 * last-staged first. */
static inline void xiei_mwrite_slots(struct xiei_ex *ex, unsigned slot)
{
    ex->memw[ex->nmemw - 1].slot = (uint8_t)slot;
}
/* Read / stage-write a little-endian value of m->size <= 8 bytes. */
int xiei_mread_val(struct xiei_ex *ex, const struct xiei_maddr *m, uint64_t *v);
int xiei_mwrite_val(struct xiei_ex *ex, const struct xiei_maddr *m, uint64_t v);
/* Stack: the stack address size (2, 4, 8) and push/pop of `size` bytes at an
 * offset from the current stack pointer (the pointer itself is not changed). */
unsigned xiei_stack_asz(const struct xiei_ex *ex);
int xiei_stack_write(struct xiei_ex *ex, uint64_t sp, unsigned size, const void *buf);
int xiei_stack_read(struct xiei_ex *ex, uint64_t sp, unsigned size, void *buf);
/* Push `size` bytes of v (stages the memory write and the new RSP). */
int xiei_push(struct xiei_ex *ex, unsigned size, uint64_t v);
/* Pop `size` bytes into *v (stages the new RSP). */
int xiei_pop(struct xiei_ex *ex, unsigned size, uint64_t *v);
/* Apply the staged memory writes, registers and flags (not RIP); reset staging. */
int xiei_commit(struct xiei_ex *ex);

/* ---- operands (access.c) ---- */

/* Read operand i (register, immediate, memory up to 8 bytes, segment selector,
 * constant 1). Memory destinations are translated for writing (RMW) and, for
 * atomic instructions, read through the lock protocol. */
int xiei_rd(struct xiei_ex *ex, unsigned i, uint64_t *v);
/* Write operand i (register or memory, up to 8 bytes). */
int xiei_wr(struct xiei_ex *ex, unsigned i, uint64_t v);
/* Read a translated memory value (rmw: the destination of a read-modify-write,
 * atomic when the instruction is) / write one (atomic destinations are armed for
 * the compare-exchange at commit). */
int xiei_mem_rd(struct xiei_ex *ex, const struct xiei_maddr *m, int rmw, uint64_t *v);
/* The same on m->size raw bytes (up to 16 for atomic operands). */
int xiei_mem_rdb(struct xiei_ex *ex, const struct xiei_maddr *m, int rmw, void *buf);
int xiei_mem_wrb(struct xiei_ex *ex, const struct xiei_maddr *m, const void *buf);
int xiei_mem_wr(struct xiei_ex *ex, const struct xiei_maddr *m, uint64_t v);
/* Translation of memory operand i for kind; *m points at it (cached in ex for
 * the read-then-write of an RMW operand, valid until the next call). */
int xiei_opaddr(struct xiei_ex *ex, unsigned i, unsigned kind, const struct xiei_maddr **m);
/* Branch to target (already computed at the operand size): limit / canonical
 * checks, then sets rip_new. */
int xiei_branch(struct xiei_ex *ex, uint64_t target);

/* Load segment register seg with selector sel (staged): real and
 * virtual-8086 mode set base = sel * 16; protected mode reads and checks the
 * descriptor (h_seg.c). */
int xiei_load_seg(struct xiei_ex *ex, unsigned seg, uint16_t sel);

/* ---- handlers ---- */

typedef int (*xiei_handler_fn)(struct xiei_ex *ex, unsigned arg);
struct xiei_handler_ent {
    xiei_handler_fn fn;
    uint8_t arg;
};
/* Indexed by enum xiei_handler (the table's h= attribute). */
extern const struct xiei_handler_ent xiei_handlers[];
extern const unsigned xiei_nhandlers;

#define XIEI_HANDLER(name) int xiei_h_##name(struct xiei_ex *ex, unsigned arg)

/* h_alu.c */
XIEI_HANDLER(alu);
XIEI_HANDLER(test);
XIEI_HANDLER(unary);
XIEI_HANDLER(shift);
XIEI_HANDLER(shxd);
XIEI_HANDLER(muldiv);
XIEI_HANDLER(imul);
XIEI_HANDLER(bt);
XIEI_HANDLER(bitscan);
XIEI_HANDLER(bswap);
XIEI_HANDLER(bcd);
XIEI_HANDLER(aam);
XIEI_HANDLER(aad);
XIEI_HANDLER(adcx);
XIEI_HANDLER(crc32);
XIEI_HANDLER(flagop);
XIEI_HANDLER(cli);
XIEI_HANDLER(sti);
XIEI_HANDLER(lahf);
XIEI_HANDLER(sahf);
XIEI_HANDLER(cbw);
XIEI_HANDLER(cwd);
/* h_bmi.c */
XIEI_HANDLER(andn);
XIEI_HANDLER(bextr);
XIEI_HANDLER(blsx);
XIEI_HANDLER(bzhi);
XIEI_HANDLER(pdep);
XIEI_HANDLER(mulx);
XIEI_HANDLER(shiftx);
/* h_move.c */
XIEI_HANDLER(mov);
XIEI_HANDLER(movx);
XIEI_HANDLER(movbe);
XIEI_HANDLER(lea);
XIEI_HANDLER(xchg);
XIEI_HANDLER(xadd);
XIEI_HANDLER(cmpxchg);
XIEI_HANDLER(cmpxchg8b);
XIEI_HANDLER(cmovcc);
XIEI_HANDLER(setcc);
XIEI_HANDLER(xlat);
XIEI_HANDLER(nop);
XIEI_HANDLER(cacheop);
XIEI_HANDLER(hlt);
/* h_flow.c */
XIEI_HANDLER(push);
XIEI_HANDLER(pop);
XIEI_HANDLER(pusha);
XIEI_HANDLER(popa);
XIEI_HANDLER(pushf);
XIEI_HANDLER(popf);
XIEI_HANDLER(enter);
XIEI_HANDLER(leave);
XIEI_HANDLER(jmp);
XIEI_HANDLER(call);
XIEI_HANDLER(ret);
XIEI_HANDLER(jcc);
XIEI_HANDLER(loop);
XIEI_HANDLER(jcxz);
/* h_string.c */
XIEI_HANDLER(string);

/* String handler arguments. */
enum xiei_str_op { XIEI_STR_MOVS, XIEI_STR_CMPS, XIEI_STR_STOS, XIEI_STR_LODS, XIEI_STR_SCAS };

/* ---- the move shortcut (hot.c) ---- */

/* Little-endian load of 8 bytes from a byte array (compilers make it one load). */
static inline uint64_t xiei_ld64(const uint8_t *p)
{
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
           (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
           (uint64_t)p[7] << 56;
}
/* Little-endian store of 8 bytes into a byte array. */
static inline void xiei_st64(uint8_t *p, uint64_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
    p[4] = (uint8_t)(v >> 32);
    p[5] = (uint8_t)(v >> 40);
    p[6] = (uint8_t)(v >> 48);
    p[7] = (uint8_t)(v >> 56);
}
/* Nonzero when the len (1..15) bytes at a (n >= len of them readable) and b (a
 * 15-byte array) differ: whole words where they can be read, nothing past n. */
static inline uint64_t xiei_bytes_differ(const uint8_t *a, unsigned n, const uint8_t *b,
                                         unsigned len)
{
    unsigned i;
    uint64_t d = 0;

    if (n >= 8) {
        d = xiei_ld64(a) ^ xiei_ld64(b);
        if (len < 8) return d & ((1ull << (8 * len)) - 1);
        return d | (xiei_ld64(a + len - 8) ^ xiei_ld64(b + len - 8));
    }
    for (i = 0; i < len; i++)
        d |= (uint64_t)(a[i] ^ b[i]);
    return d;
}
/* xie_dcache.valid bits: insn holds the decode of bytes (under mode and cpu);
 * hot holds the shortcut's digest of them (mode 64, any CPU model). */
#define XIEI_DC_INSN 0x1u
#define XIEI_DC_HOT  0x2u
/* The shortcut's decoder: the digest of the unprefixed (REX allowed) simple
 * move in the n (1..15) bytes at p, into *h. Returns its length, or 0 when it
 * is not one (or n bytes do not hold all of it): the complete decoder decides. */
unsigned xiei_hot_decode(const uint8_t *p, unsigned n, struct xie_dcache_hot *h);
/* Set dc->hot (and XIEI_DC_HOT) from the complete decode just made in dc->insn,
 * when the shortcut takes the instruction. */
void xiei_hot_fill(struct xie_dcache *dc);
/* The general path of xie_emulate (emu.c): setup, fetch and decode (from bytes,
 * nbytes of them, when given; buf is 15 bytes of scratch and may be bytes),
 * run, retire. Stores and returns the status. */
int xiei_emulate(struct xie_ctx *ctx, const uint8_t *bytes, size_t nbytes, struct xie_result *res,
                 uint8_t *buf);

#endif
