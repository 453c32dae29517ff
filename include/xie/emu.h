/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xie emulator: the public emulation API.
 *
 * The host keeps the guest state in a struct xie_ctx, gives it a const table of
 * callbacks (struct xie_ops) and calls xie_emulate() to fetch, decode, execute
 * and retire one instruction. xie never injects anything: exceptions come back
 * as values (struct xie_result) for the host to deliver. Part of the
 * freestanding core: no libc, no global mutable state, no allocation; any
 * number of contexts may be emulated at once from different threads.
 *
 * Setting up a context (e.g. in a test harness):
 *
 *     struct xie_ctx c;
 *     xie_ctx_init(&c, XIE_INIT_LONG64, &my_ops, my_user);  (or REAL, PROT16,
 *                                                  PROT32, COMPAT32)
 *     c.gpr[XIE_GPR_RBX] = ...; c.rip = ...; c.rflags = 0x202;
 *     c.seg[XIE_SEG_FS].base = ...;                 (whatever the test needs)
 *     st = xie_emulate(&c, NULL, 0, &res);          (bytes via ops->fetch)
 *
 * xie_ctx_init() gives flat segments (base 0, limit 4 GiB; real mode: base =
 * selector * 16, limit 0xffff), CPL 3 in the protected modes (the selectors Linux
 * uses: CS 0x33 / 0x23, data 0x2b; PROT16: CS 0x0f, an LDT selector), every
 * feature of the ISA table in c.cpu (Intel), and marks the whole state valid.
 * Change the fields directly afterwards. The mode an instruction runs in is
 * derived as the CPU derives it: CR0.PE = 0 is real mode; RFLAGS.VM = 1 is
 * virtual-8086 mode; EFER.LMA = 1 with CS.L = 1 is 64-bit mode; otherwise CS.D
 * picks 32- or 16-bit code.
 */
#ifndef XIE_EMU_H
#define XIE_EMU_H

#include <stddef.h>
#include <stdint.h>

#include "xie/decode.h"

#ifdef __cplusplus
extern "C" {
#endif

/* General register numbers (xie_ctx.gpr index, also ModRM numbering). */
enum xie_gpr {
    XIE_GPR_RAX = 0,
    XIE_GPR_RCX = 1,
    XIE_GPR_RDX = 2,
    XIE_GPR_RBX = 3,
    XIE_GPR_RSP = 4,
    XIE_GPR_RBP = 5,
    XIE_GPR_RSI = 6,
    XIE_GPR_RDI = 7,
    XIE_GPR_R8 = 8,
    XIE_GPR_R9 = 9,
    XIE_GPR_R10 = 10,
    XIE_GPR_R11 = 11,
    XIE_GPR_R12 = 12,
    XIE_GPR_R13 = 13,
    XIE_GPR_R14 = 14,
    XIE_GPR_R15 = 15,
};

/* Index of LDTR and TR in xie_ctx.seg[] (after ES CS SS DS FS GS = enum xie_seg). */
#define XIE_SEG_LDTR 6
#define XIE_SEG_TR   7

/*
 * Segment attributes (xie_segment.attr), in the layout of the VMX guest-segment
 * access-rights field (SDM Vol. 3 24.4.1), so a VMX host copies it unchanged.
 */
#define XIE_SATTR_TYPE     0x000fu /* descriptor type (bit 0 accessed, 1 W/R, 2 E/C, 3 code) */
#define XIE_SATTR_S        0x0010u /* code or data segment (not system) */
#define XIE_SATTR_DPL      0x0060u /* descriptor privilege level (shift 5) */
#define XIE_SATTR_P        0x0080u /* present */
#define XIE_SATTR_AVL      0x1000u
#define XIE_SATTR_L        0x2000u  /* 64-bit code segment */
#define XIE_SATTR_DB       0x4000u  /* default operation size / big */
#define XIE_SATTR_G        0x8000u  /* granularity (the limit below is already scaled) */
#define XIE_SATTR_UNUSABLE 0x10000u /* unusable (null selector loaded) */

/* One segment register as the CPU caches it. */
struct xie_segment {
    uint64_t base;  /* linear base address */
    uint32_t limit; /* byte-granular limit (G already applied: 0xffffffff when flat) */
    uint32_t attr;  /* XIE_SATTR_* */
    uint16_t sel;   /* visible selector */
    uint16_t reserved[3];
};

/* GDTR / IDTR. */
struct xie_dtr {
    uint64_t base;
    uint32_t limit;
    uint32_t reserved;
};

/*
 * State bits for xie_ctx.valid, xie_ctx.dirty and the load_state callback.
 * Bits 0..15 name the GPRs (XIE_STATE_GPR(n)).
 */
#define XIE_STATE_GPR(n) (1ull << (n))
#define XIE_STATE_GPRS   0xffffull
#define XIE_STATE_RIP    (1ull << 16)
#define XIE_STATE_RFLAGS (1ull << 17)
#define XIE_STATE_SEG(s) (1ull << (18 + (s))) /* s: enum xie_seg, XIE_SEG_LDTR, XIE_SEG_TR */
#define XIE_STATE_SEGS   (0xffull << 18)
#define XIE_STATE_GDTR   (1ull << 26)
#define XIE_STATE_IDTR   (1ull << 27)
#define XIE_STATE_CR0    (1ull << 28)
#define XIE_STATE_CR2    (1ull << 29)
#define XIE_STATE_CR3    (1ull << 30)
#define XIE_STATE_CR4    (1ull << 31)
#define XIE_STATE_CR8    (1ull << 32)
#define XIE_STATE_EFER   (1ull << 33)
#define XIE_STATE_CPL    (1ull << 34)
#define XIE_STATE_ALL    ((1ull << 35) - 1)

/* The state every instruction needs (its mode and privilege): loaded first. */
#define XIE_STATE_BASIC                                                                            \
    (XIE_STATE_GPRS | XIE_STATE_RIP | XIE_STATE_RFLAGS | XIE_STATE_SEG(XIE_SEG_CS) |               \
     XIE_STATE_CR0 | XIE_STATE_EFER | XIE_STATE_CPL)

/* Access kinds for the translate callback (bit-or). */
#define XIE_XLAT_READ     0x0u /* data read */
#define XIE_XLAT_WRITE    0x1u /* data write (also the read half of a read-modify-write) */
#define XIE_XLAT_FETCH    0x2u /* instruction fetch */
#define XIE_XLAT_USER     0x4u /* a CPL 3 access (absent: supervisor) */
#define XIE_XLAT_IMPLICIT 0x8u /* implicit supervisor access (descriptor tables, ...) */

/* Return values of every callback. */
enum xie_cb_status {
    XIE_CB_OK = 0,        /* done */
    XIE_CB_PENDING = 1,   /* will complete later: for reads, translations, port input,
                             cmpxchg and register reads xie returns XIE_PENDING having
                             changed nothing, and the host calls xie_emulate again once
                             the answer is available; for writes (write, port output,
                             register writes) the write is accepted as posted */
    XIE_CB_EXCEPTION = 2, /* the access raises the exception the callback wrote into its
                             struct xie_event argument (translate: #PF with error code
                             and CR2; MSR: #GP(0)); callbacks without an event argument
                             must not return it */
    XIE_CB_FAIL = 3,      /* the host cannot perform it: xie returns XIE_UNHANDLEABLE
                             with reason XIE_REASON_CALLBACK_FAILED. Nothing is
                             changed, except when a write callback fails while the
                             instruction commits: the writes before it (which were
                             all translated and checked) stay done, registers do
                             not change */
    XIE_CB_CHANGED = 4,   /* cmpxchg only: memory did not hold *expected; it was not
                             written and *expected now holds the current value */
};

struct xie_event;
struct xie_ctx;

/*
 * Host callbacks. The table is const and may be shared by every vCPU; per-vCPU
 * data comes in through `user` (xie_ctx.user). Every member may be NULL: an
 * instruction that needs a missing one returns XIE_UNHANDLEABLE with the reason
 * naming it (XIE_REASON_NO_*), having changed nothing.
 *
 * Memory addresses given to fetch/read/write/cmpxchg are physical when translate
 * is set, else linear. No memory access crosses a 4 KiB boundary: xie splits an
 * operand into fragments, delivered in ascending address order. `size` is the
 * fragment size in bytes; data is little-endian guest byte order.
 */
struct xie_ops {
    /* Read `size` instruction bytes at `addr` into buf (never crosses a page, never
     * more than 15 bytes). Not needed when the host passes the bytes. */
    int (*fetch)(void *user, uint64_t addr, void *buf, unsigned size);
    /* Translate linear address `la` for an access of kind XIE_XLAT_* into *pa. On a
     * fault: fill *fault (vector 14, error code, cr2 = la) and return
     * XIE_CB_EXCEPTION. NULL: addresses stay linear (paging off, or memory callbacks
     * that take linear addresses, as in a user-space trap adapter). */
    int (*translate)(void *user, uint64_t la, unsigned access, uint64_t *pa,
                     struct xie_event *fault);
    /* Read / write guest memory (one fragment). */
    int (*read)(void *user, uint64_t addr, void *buf, unsigned size);
    int (*write)(void *user, uint64_t addr, const void *buf, unsigned size);
    /* Atomically: if memory at addr holds *expected, store *desired and return
     * XIE_CB_OK; else copy the current value into *expected and return
     * XIE_CB_CHANGED. size is 1, 2, 4, 8 or 16 and never crosses a page. Used for
     * LOCKed read-modify-writes and XCHG with memory. */
    int (*cmpxchg)(void *user, uint64_t addr, void *expected, const void *desired, unsigned size);
    /* Split atomic operands. An atomic operand (see cmpxchg) that crosses a 4 KiB
     * page, or a 64-byte cache line when ctx->options has XIE_OPT_SPLIT_LOCK, is
     * made atomic by the first of these the host provides; with none of them the
     * instruction returns XIE_UNHANDLEABLE, reason XIE_REASON_ATOMIC_SPLIT, having
     * changed nothing (never a plain read then write).
     *
     * cmpxchg_split: the cmpxchg contract over two fragments, the low n0 bytes at
     * pa0 and the other size - n0 at pa1 (pa1 == pa0 + n0 for a line split inside
     * a page), for a host that maps both contiguously in its own address space and
     * compare-exchanges there (a locked instruction on the host is atomic across
     * lines and pages). size is 2, 4, 8 or 16. */
    int (*cmpxchg_split)(void *user, uint64_t pa0, uint64_t pa1, unsigned n0, void *expected,
                         const void *desired, unsigned size);
    /* stop_others / resume_others: bracket the read, the evaluation and the write
     * of a split atomic operand (through read and write, fragments low to high)
     * when cmpxchg_split is NULL. stop_others returns once no other vCPU or agent
     * can access guest memory until resume_others (XIE_CB_OK), or fails
     * (XIE_CB_FAIL: XIE_UNHANDLEABLE, nothing changed). After it returned
     * XIE_CB_OK xie calls resume_others exactly once, whatever the outcome. Both
     * or neither must be set. The reads inside the bracket do not use the replay
     * log (struct xie_replay): if one answers XIE_CB_PENDING, xie resumes the
     * others and the next call reads every fragment again under a new stop, as
     * other vCPUs may have written the operand in between (atomicity before
     * exactly-once, for this one case). */
    int (*stop_others)(void *user);
    void (*resume_others)(void *user);
    /* The callbacks from here to write_vec serve instructions of later issues
     * (port I/O, system and SIMD instructions): no instruction emulated by this
     * version calls them yet. */
    /* Port I/O of size 1, 2 or 4 (value in the low bytes). */
    int (*pio_in)(void *user, uint16_t port, unsigned size, uint32_t *val);
    int (*pio_out)(void *user, uint16_t port, unsigned size, uint32_t val);
    /* Control registers the context does not hold, and writes of those it does
     * (the host validates and applies them: CR3 loads flush its TLB, ...).
     * An invalid write returns XIE_CB_EXCEPTION with #GP(0) in *ex. */
    int (*read_cr)(void *user, unsigned cr, uint64_t *val);
    int (*write_cr)(void *user, unsigned cr, uint64_t val, struct xie_event *ex);
    /* Debug registers DR0..DR7. */
    int (*read_dr)(void *user, unsigned dr, uint64_t *val);
    int (*write_dr)(void *user, unsigned dr, uint64_t val, struct xie_event *ex);
    /* MSRs; an MSR the guest may not access returns XIE_CB_EXCEPTION with #GP(0). */
    int (*read_msr)(void *user, uint32_t msr, uint64_t *val, struct xie_event *ex);
    int (*write_msr)(void *user, uint32_t msr, uint64_t val, struct xie_event *ex);
    /* CPUID as the guest sees it: out[0..3] = EAX, EBX, ECX, EDX. */
    int (*cpuid)(void *user, uint32_t leaf, uint32_t subleaf, uint32_t out[4]);
    /* Vector registers: kind is XIE_OPK_VEC (XMM/YMM/ZMM reg 0..31), XIE_OPK_MASK
     * (k0..k7) or XIE_OPK_MMX; size bytes from the low end of the register. A write
     * of an XMM/YMM register by a VEX/EVEX instruction passes the full width with
     * the upper part zeroed. */
    int (*read_vec)(void *user, unsigned kind, unsigned reg, void *buf, unsigned size);
    int (*write_vec)(void *user, unsigned kind, unsigned reg, const void *buf, unsigned size);
    /* Lazy state: fill the parts of *ctx named by `mask` (XIE_STATE_*) and set them
     * in ctx->valid. Called at most once per part per xie_emulate call, only for
     * parts the instruction needs that are not yet valid. */
    int (*load_state)(void *user, struct xie_ctx *ctx, uint64_t mask);
};

/*
 * Reads an instruction completed before a callback answered XIE_CB_PENDING. When
 * the host calls again for the same instruction (same RIP), these reads are
 * answered from here, in order, instead of reaching the read callback again, so
 * a device read is never repeated. Managed by xie: xie_ctx_init clears it, any
 * status other than XIE_PENDING clears it; a host that abandons a pending
 * instruction (e.g. delivers an event instead of completing it) sets n to 0.
 * The log holds every read of every instruction xie emulates (the most is
 * ENTER with nesting level 31: 31 reads of up to 8 bytes, one of them split);
 * an instruction that would need more returns XIE_UNHANDLEABLE
 * (XIE_REASON_CALLBACK_FAILED) before repeating a read.
 */
#define XIE_REPLAY_MAX  40  /* read fragments */
#define XIE_REPLAY_DATA 512 /* bytes of read data */
struct xie_replay {
    uint64_t rip; /* RIP of the pending instruction */
    uint16_t n;   /* fragments recorded */
    uint16_t pos; /* fragments replayed so far in this call */
    uint32_t reserved;
    struct {
        uint64_t addr; /* address given to the read callback */
        uint16_t size; /* fragment size */
        uint16_t off;  /* its bytes: data[off .. off + size), after the previous
                          entry's */
        uint32_t reserved;
    } e[XIE_REPLAY_MAX];
    uint8_t data[XIE_REPLAY_DATA];
};

/*
 * The last instruction xie_emulate decoded for this context, reused when the
 * same bytes are fetched again in the same mode under the same CPU model (a
 * decode depends on nothing else; for the simple moves of xie_emulate's
 * shortcut, on nothing but the bytes), which is what a driver looping over one
 * MMIO register does. Managed by xie; xie_ctx_init clears it.
 */
struct xie_dcache {
    uint8_t valid; /* nonzero while it holds an instruction (bits internal to xie);
                      a host may set it to 0 to make xie forget it */
    uint8_t mode;  /* enum xie_mode of the decode */
    uint8_t bytes[XIE_MAX_INSN_LEN]; /* the instruction's bytes */
    uint8_t reserved;
    struct xie_cpu_model cpu; /* the model insn was decoded under */
    /* The engine's digest of a simple move for its shortcut (internal to xie;
     * src/emu/hot.c), made with or without insn. */
    struct xie_dcache_hot {
        int64_t disp;  /* displacement */
        int64_t imm;   /* the immediate a store writes */
        uint16_t op;   /* enum xie_op */
        uint8_t kind;  /* which shortcut */
        uint8_t len;   /* instruction length */
        uint8_t base;  /* base register (XIE_REG_RIP, XIE_REG_NONE) */
        uint8_t index; /* index register (XIE_REG_NONE) */
        uint8_t scale; /* log2 of the index scale */
        uint8_t asz4;  /* 32-bit address size */
        uint8_t reg;   /* the register operand's number */
        uint8_t rsize; /* its size in bytes */
        uint8_t msize; /* the memory operand's size in bytes */
        uint8_t sx;    /* sign extension: shift count, or 0 */
        uint8_t vec;   /* exception of a non-canonical address (#GP or #SS) */
        uint8_t reserved[3];
    } hot;
    struct xie_insn insn;
};

/*
 * The guest state. The host fills what it has, marks it in `valid`, and reads
 * back what xie changed from `dirty` (xie only ever ORs bits into dirty; the host
 * clears it when it has written the state back).
 */
struct xie_ctx {
    uint64_t gpr[16];          /* RAX..R15 (enum xie_gpr) */
    uint64_t rip;              /* offset of the next instruction in CS */
    uint64_t rflags;           /* RFLAGS (bit 1 reads as 1) */
    struct xie_segment seg[8]; /* ES CS SS DS FS GS (enum xie_seg), LDTR, TR */
    struct xie_dtr gdtr, idtr;
    uint64_t cr0, cr2, cr3, cr4, cr8;
    uint64_t efer;
    uint8_t cpl; /* current privilege level 0..3 */
    uint8_t reserved0[7];
    uint64_t valid;            /* XIE_STATE_* parts the fields above hold */
    uint64_t dirty;            /* XIE_STATE_* parts xie has changed */
    struct xie_cpu_model cpu;  /* the guest's vendor and CPUID features: an
                                  instruction the model lacks raises #UD */
    const struct xie_ops *ops; /* callbacks (may be shared) */
    void *user;                /* passed to every callback */
    uint32_t rep_limit;        /* most iterations of a REP string instruction per
                                  call (0: 1024); then XIE_RETIRE_REP_MORE */
    uint32_t lock_retries;     /* re-evaluations of a LOCKed instruction whose
                                  cmpxchg saw a changed value (0: 16); then
                                  XIE_RETRY */
    uint32_t options;          /* XIE_OPT_* (xie_ctx_init: 0) */
    uint32_t reserved1;
    struct xie_replay replay; /* kept by xie between a XIE_PENDING and the call
                                 that completes the instruction */
    struct xie_dcache dcache; /* the last instruction decoded (managed by xie) */
};

/* xie_ctx.options: an atomic operand that crosses a 64-byte cache line needs the
 * split capability of a page-crossing one (struct xie_ops, cmpxchg_split), for a
 * host that must not issue split locks itself (SDM Vol. 3 9.1.2.2: a locked
 * access across lines asserts a bus lock). */
#define XIE_OPT_SPLIT_LOCK 0x1u

/* Statuses (xie_emulate's return value and xie_result.status). */
enum xie_status {
    XIE_OK = 0,               /* the instruction completed (or, for REP string
                                 instructions, made progress, see XIE_RETIRE_REP_MORE):
                                 registers, RIP, RFLAGS and memory updated; dirty set;
                                 retire info in the result */
    XIE_EXCEPTION = 1,        /* the instruction raises result.event for the host to
                                 deliver; nothing changed (RIP still points at the
                                 instruction), except that a REP string instruction
                                 keeps the iterations completed before the faulting one
                                 (registers and memory, as the CPU does) */
    XIE_RETRY = 2,            /* a LOCKed instruction kept losing its compare-exchange
                                 race (lock_retries times): nothing changed; run it
                                 again (or let the guest re-execute it) */
    XIE_PENDING = 3,          /* a callback answered XIE_CB_PENDING: nothing changed (REP:
                                 completed iterations kept) but ctx->replay, which
                                 holds the reads already done; call again when the
                                 answer is ready */
    XIE_UNHANDLEABLE = 4,     /* xie cannot do it with the capabilities given:
                                 result.reason names why; nothing changed (REP
                                 string instructions: the iterations completed before
                                 the one that could not be done are kept, with
                                 rCX/rSI/rDI precise and RIP at the instruction) */
    XIE_UNIMPLEMENTED = 5,    /* the instruction decodes but xie does not emulate it
                                 (result.op names it); nothing changed */
    XIE_INVALID_ARGUMENT = 6, /* NULL ctx/result, or a state xie cannot be in (e.g.
                                 CR0.PE = 0 with EFER.LMA = 1); nothing changed */
};

/* Why XIE_UNHANDLEABLE (xie_result.reason). */
enum xie_reason {
    XIE_REASON_NONE = 0,
    XIE_REASON_NO_FETCH,        /* no fetch callback and no (or too few) bytes passed */
    XIE_REASON_NO_READ,         /* no read callback */
    XIE_REASON_NO_WRITE,        /* no write callback */
    XIE_REASON_NO_CMPXCHG,      /* no cmpxchg callback (LOCKed instruction, XCHG mem) */
    XIE_REASON_NO_PIO,          /* no pio_in / pio_out callback */
    XIE_REASON_NO_CR,           /* no read_cr / write_cr callback */
    XIE_REASON_NO_DR,           /* no read_dr / write_dr callback */
    XIE_REASON_NO_MSR,          /* no read_msr / write_msr callback */
    XIE_REASON_NO_CPUID,        /* no cpuid callback */
    XIE_REASON_NO_VEC,          /* no read_vec / write_vec callback */
    XIE_REASON_NO_LOAD_STATE,   /* state needed, not valid, and no load_state callback */
    XIE_REASON_CALLBACK_FAILED, /* a callback returned XIE_CB_FAIL (or an invalid value) */
    XIE_REASON_ATOMIC_SPLIT,    /* an atomic operand crosses a page (or, with
                                   XIE_OPT_SPLIT_LOCK, a cache line) and the host gave
                                   no capability to make it atomic (cmpxchg_split,
                                   stop_others / resume_others) */
    XIE_REASON_MODE,            /* not supported in this mode yet (e.g. a protected-mode
                                   segment load) */
    XIE_REASON__COUNT
};

/* An exception for the host to deliver (xie_result.event). */
struct xie_event {
    uint8_t vector;    /* 0 #DE, 1 #DB, 6 #UD, 12 #SS, 13 #GP, 14 #PF, ... */
    uint8_t has_error; /* 1: error_code is pushed */
    uint8_t has_cr2;   /* 1: (#PF) load cr2 into CR2 before delivering */
    uint8_t reserved;
    uint32_t error_code;
    uint64_t cr2;
};

/* xie_result.retire bits (meaningful with XIE_OK). */

/* MOV SS / POP SS: block interrupts and debug traps until after the next
 * instruction. */
#define XIE_RETIRE_SHADOW_MOVSS 0x01u
/* STI that set IF: block interrupts until after the next instruction. */
#define XIE_RETIRE_SHADOW_STI 0x02u
/* TF was set when the instruction began: deliver #DB (DR6.BS) now, before the
 * next instruction. A REP string instruction then does one iteration per call
 * (with XIE_RETIRE_REP_MORE while iterations remain): the CPU traps after each. */
#define XIE_RETIRE_SINGLESTEP 0x04u
/* HLT: the vCPU halts (RIP is past the HLT). */
#define XIE_RETIRE_HLT 0x08u
/* A REP string instruction stopped after rep_limit iterations (or one, with TF):
 * RCX/RSI/RDI are precise, RIP still points at it and RFLAGS.RF is set so that
 * a code breakpoint there does not fire again (SDM Vol. 3 "Instruction-Breakpoint
 * Exception Condition"); run it again. */
#define XIE_RETIRE_REP_MORE 0x10u
/* Control transfer (new_rip is the target). */
#define XIE_RETIRE_BRANCH 0x20u

/* Outcome of one emulation call. */
struct xie_result {
    uint8_t status; /* enum xie_status */
    uint8_t reason; /* enum xie_reason (XIE_UNHANDLEABLE) */
    uint8_t len;    /* instruction length (0 if it was not decoded) */
    uint8_t reserved;
    uint32_t retire; /* XIE_RETIRE_* */
    uint16_t op;     /* enum xie_op of the instruction (0 if not decoded) */
    uint16_t reserved2[3];
    uint64_t new_rip;       /* XIE_OK: the RIP now in ctx->rip */
    struct xie_event event; /* XIE_EXCEPTION: what to deliver. For fault-class
                               exceptions the host sets RF in the RFLAGS image it
                               pushes (SDM Vol. 3 18.3.1.1). */
};

/* How xie_ctx_init() sets up a context. */
enum xie_init_kind {
    XIE_INIT_REAL = 0,     /* real mode: CR0.PE = 0, CS:IP = 0:0, 64 KiB segments */
    XIE_INIT_PROT16 = 1,   /* 16-bit protected mode code (CS.D = 0), flat 4 GiB data */
    XIE_INIT_PROT32 = 2,   /* 32-bit protected mode, flat */
    XIE_INIT_COMPAT32 = 3, /* IA-32e compatibility mode (EFER.LMA, CS.L = 0, CS.D = 1) */
    XIE_INIT_LONG64 = 4,   /* IA-32e 64-bit mode */
};

/*
 * Reset *ctx to a clean state of the given kind (see the top of this file):
 * zero GPRs, RIP 0, RFLAGS 0x2, CR0/CR4/EFER as the mode needs (paging on for the
 * IA-32e kinds), every part valid, dirty 0, the cpu model with every feature
 * (Intel), ops and user as given, default limits. Returns XIE_OK, or
 * XIE_INVALID_ARGUMENT for an unknown kind or NULL ctx.
 */
int xie_ctx_init(struct xie_ctx *ctx, enum xie_init_kind kind, const struct xie_ops *ops,
                 void *user);

/*
 * Emulate one instruction at CS:RIP: fetch, decode, execute, retire.
 *   bytes, nbytes: the instruction bytes if the host has them (e.g. from the VM
 *                  exit); NULL/0 to fetch through ops->fetch. If they end before
 *                  the instruction does, the rest is fetched through ops->fetch.
 *   res:           filled on every return.
 * Changes ctx as the status says (enum xie_status); may call load_state.
 * Returns the status (also in res->status).
 */
int xie_emulate(struct xie_ctx *ctx, const uint8_t *bytes, size_t nbytes, struct xie_result *res);

/*
 * Execute and retire an instruction the host already decoded (with xie_decode,
 * in the mode the context is in) at CS:RIP. Otherwise as xie_emulate.
 */
int xie_emulate_insn(struct xie_ctx *ctx, const struct xie_insn *insn, struct xie_result *res);

/* Short description of a status (enum xie_status), e.g. "exception". */
const char *xie_strerror(int status);

/* Short description of an unhandleable reason (enum xie_reason). */
const char *xie_reason_str(unsigned reason);

#ifdef __cplusplus
}
#endif

#endif
