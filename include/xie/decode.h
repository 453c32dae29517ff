/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xie decoder: a pure function of (bytes, available length, CPU model) to a
 * decoded instruction. No callbacks, no global state, no allocation; safe to
 * call from any number of threads at once. Part of the freestanding core.
 */
#ifndef XIE_DECODE_H
#define XIE_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "xie/ops.h" /* generated: enum xie_op, enum xie_feature, XIE_FEAT_WORDS */

#ifdef __cplusplus
extern "C" {
#endif

/* The architectural maximum instruction length (SDM Vol. 2 2.3.11). */
#define XIE_MAX_INSN_LEN 15

/* Code size the bytes are decoded in (CS.D / CS.L / EFER.LMA derive it). */
enum xie_mode {
    XIE_MODE_16 = 0, /* real mode, virtual-8086, 16-bit protected code */
    XIE_MODE_32 = 1, /* 32-bit protected or compatibility-mode code */
    XIE_MODE_64 = 2, /* 64-bit mode (IA-32e, CS.L = 1) */
};

/* CPU vendor: selects the documented vendor-specific decoding rules. */
enum xie_vendor {
    XIE_VENDOR_INTEL = 0, /* Intel SDM behaviour (iced-x86's default) */
    XIE_VENDOR_AMD = 1,   /* AMD APM behaviour (e.g. 66 on near branches in 64-bit mode) */
};

/*
 * The guest CPU model the decoder validates against: an instruction whose
 * CPUID feature the model lacks decodes as #UD (XIE_UD_FEATURE), as it would
 * on that CPU. Build with xie_cpu_model_all() (every feature, for
 * disassembly) or, in hosted builds, xie_cpu_model_host() (this CPU's CPUID).
 */
struct xie_cpu_model {
    uint8_t vendor;                /* enum xie_vendor */
    uint8_t reserved[3];           /* zero */
    uint32_t feat[XIE_FEAT_WORDS]; /* bit f set: feature enum xie_feature f present */
};

/* Fill *m with every feature the ISA table knows, for the given vendor. */
void xie_cpu_model_all(struct xie_cpu_model *m, enum xie_vendor vendor);

/* Test or change one feature bit of a model. */
static inline int xie_cpu_has(const struct xie_cpu_model *m, unsigned f)
{
    return (int)((m->feat[f >> 5] >> (f & 31)) & 1u);
}
static inline void xie_cpu_set(struct xie_cpu_model *m, unsigned f, int on)
{
    if (on)
        m->feat[f >> 5] |= 1u << (f & 31);
    else
        m->feat[f >> 5] &= ~(1u << (f & 31));
}

/* Result of xie_decode(). */
enum xie_decode_status {
    XIE_DECODE_OK = 0,   /* *out holds a valid instruction of out->len bytes */
    XIE_DECODE_MORE = 1, /* the bytes end before the instruction does (also an invalid
                            one: the CPU fetches it whole before #UD); out->len is the
                            number of bytes available (up to 16) */
    XIE_DECODE_UD = 2,   /* the CPU raises #UD; out->ud says why, out->len is the
                            number of bytes consumed up to the point of failure (the
                            instruction itself may be longer) */
    XIE_DECODE_GP = 3,   /* longer than 15 bytes, valid or not: the CPU raises #GP(0)
                            (the length limit ranks above #UD) */
};

/* Why a decode ended in #UD (out->ud). */
enum xie_ud_reason {
    XIE_UD_NONE = 0,
    XIE_UD_OPCODE,     /* no instruction is defined at this opcode / prefix / ModRM */
    XIE_UD_MODE,       /* not valid in this code size (e.g. i64 in 64-bit mode) */
    XIE_UD_FEATURE,    /* the CPU model lacks the CPUID feature, or vendor mismatch */
    XIE_UD_LOCK,       /* LOCK prefix not allowed on this instruction or form */
    XIE_UD_NEED_MEM,   /* form needs a memory operand (ModRM.mod != 3) */
    XIE_UD_NEED_REG,   /* form needs a register operand (ModRM.mod == 3) */
    XIE_UD_REG,        /* a ModRM-selected register does not exist (MOV to CS, CR1, DR8+,
                          segment register 6/7, ...) */
    XIE_UD_VEX_PREFIX, /* 66/F2/F3/REX/LOCK before VEX, EVEX or XOP */
    XIE_UD_VEX_VVVV,   /* VEX/EVEX.vvvv (or V') must be 1111b for this instruction */
    XIE_UD_VEX_L,      /* vector length not allowed */
    XIE_UD_VEX_W,      /* VEX/EVEX.W value not allowed */
    XIE_UD_EVEX,       /* other EVEX constraint: reserved bits, masking, zeroing,
                          broadcast or rounding not allowed, k0 where a mask is needed */
    XIE_UD_OPERANDS,   /* operand combination forbidden (e.g. equal registers in gathers) */
    XIE_UD__COUNT
};

/* Prefix bits (xie_insn.prefixes). */
#define XIE_PFX_LOCK    0x0001u /* F0 */
#define XIE_PFX_REP     0x0002u /* F3 present (REP/REPE, or mandatory prefix) */
#define XIE_PFX_REPNE   0x0004u /* F2 present (REPNE, or mandatory prefix) */
#define XIE_PFX_OSZ     0x0008u /* 66 present */
#define XIE_PFX_ASZ     0x0010u /* 67 present */
#define XIE_PFX_SEG     0x0020u /* a segment override prefix was present (see seg_prefix) */
#define XIE_PFX_REX     0x0040u /* a REX prefix is in effect (rex holds it) */
#define XIE_PFX_VEX     0x0080u /* VEX (C4/C5) encoded */
#define XIE_PFX_EVEX    0x0100u /* EVEX (62) encoded */
#define XIE_PFX_XOP     0x0200u /* XOP (8F) encoded */
#define XIE_PFX_REPUSE  0x0400u /* F3/F2 act as REP/REPE/REPNE (string instruction) */
#define XIE_PFX_BND     0x0800u /* F2 is a BND prefix on a branch */
#define XIE_PFX_XACQ    0x1000u /* F2 is XACQUIRE (with LOCK or on XCHG) */
#define XIE_PFX_XREL    0x2000u /* F3 is XRELEASE */
#define XIE_PFX_NOTRACK 0x4000u /* 3E on an indirect branch is NOTRACK */

/* Segment registers, in ModRM.reg / SDM encoding order. */
enum xie_seg {
    XIE_SEG_ES = 0,
    XIE_SEG_CS = 1,
    XIE_SEG_SS = 2,
    XIE_SEG_DS = 3,
    XIE_SEG_FS = 4,
    XIE_SEG_GS = 5,
    XIE_SEG_NONE = 7,
};

/* Register number meaning "none" and the RIP pseudo-register (memory base). */
#define XIE_REG_NONE 0xffu
#define XIE_REG_RIP  0x10u

/* Operand kinds (xie_operand.kind). */
enum xie_opkind {
    XIE_OPK_NONE = 0,
    XIE_OPK_GPR,    /* general register: reg 0..15, size 1/2/4/8; size 1 with reg 4..7 and
                       no REX means AH/CH/DH/BH, see XIE_OPK_GPR8H */
    XIE_OPK_GPR8H,  /* AH, CH, DH, BH: reg 4..7 (legacy high-byte registers) */
    XIE_OPK_SEG,    /* segment register: reg is enum xie_seg */
    XIE_OPK_CR,     /* control register 0..15 */
    XIE_OPK_DR,     /* debug register 0..15 */
    XIE_OPK_MMX,    /* MMX register 0..7 */
    XIE_OPK_VEC,    /* XMM/YMM/ZMM 0..31: size 16, 32 or 64 names the register width */
    XIE_OPK_MASK,   /* opmask k0..k7 */
    XIE_OPK_ST,     /* x87 stack register ST(reg) */
    XIE_OPK_BND,    /* MPX bound register 0..3 */
    XIE_OPK_TMM,    /* AMX tile register 0..7 */
    XIE_OPK_MEM,    /* memory: mem.* and xie_insn.disp; size is the access size in bytes
                       (0 when the instruction accesses no memory through it, e.g. LEA,
                       NOP, PREFETCH; or a size that depends on state, e.g. XSAVE) */
    XIE_OPK_IMM,    /* immediate: xie_insn.imm (second immediate of ENTER: imm2) */
    XIE_OPK_REL,    /* relative branch target: xie_insn.imm is the signed displacement,
                       the target is next RIP + imm truncated to the operand size */
    XIE_OPK_FAR,    /* direct far pointer (JMP/CALL ptr16:16/32): imm offset, imm2 selector */
    XIE_OPK_CONST1, /* the constant 1 (shift/rotate by one) */
};

/* Operand access (xie_operand.access). */
enum xie_access {
    XIE_ACC_NONE = 0, /* not read or written (LEA's address, NOP's operand, PREFETCH) */
    XIE_ACC_R = 1,    /* read */
    XIE_ACC_W = 2,    /* written */
    XIE_ACC_RW = 3,   /* read, then written */
    XIE_ACC_CW = 6,   /* conditionally written (CMOVcc memory operand is always read) */
    XIE_ACC_CRW = 7,  /* read, then conditionally written (CMPXCHG destination) */
};

/* One operand. Memory fields are valid when kind == XIE_OPK_MEM. */
struct xie_operand {
    uint8_t kind;   /* enum xie_opkind */
    uint8_t access; /* enum xie_access */
    uint16_t size;  /* bytes accessed: 1..64 for registers and vectors, larger for
                       memory areas (FXSAVE 512, far pointer 4/6/10, ...) */
    uint8_t reg;    /* register number for register kinds */
    uint8_t base;   /* memory: base GPR 0..15, XIE_REG_RIP, or XIE_REG_NONE */
    uint8_t index;  /* memory: index GPR 0..15 (vector register 0..31 if vsib), or NONE */
    uint8_t scale;  /* memory: log2 of the index scale (0..3) */
    uint8_t seg;    /* memory: effective segment (enum xie_seg), after default and
                       override rules (FS/GS only matter in 64-bit mode, but the
                       segment is still reported) */
    uint8_t vsib;   /* memory: index is a vector register (gathers/scatters): the index
                       register width in bytes (16, 32 or 64), else 0 */
    uint8_t elem;   /* vector element size in bytes when known (broadcast, gathers), else 0 */
    uint8_t flags;  /* XIE_OPF_* */
};

/* xie_operand.flags bits. */
#define XIE_OPF_IMPLICIT                                                                           \
    0x01u /* not written in assembly syntax (RDX:RAX of MUL, RSI/RDI of                            \
             MOVS): formatters omit it */

#define XIE_MAX_OPERANDS 6

/* A decoded instruction. Fields not described for a given form are zero;
 * operands[i] for i >= nops are unspecified (not cleared: read only nops of them).
 * After a status other than XIE_DECODE_OK only len, mode and ud are meaningful (and
 * op and form on XIE_UD_FEATURE). */
struct xie_insn {
    uint16_t op;        /* enum xie_op: the instruction (mnemonic-level identity); on
                           XIE_UD_FEATURE the instruction the CPU model lacks */
    uint16_t form;      /* index of the ISA table row that matched (xiei_forms[]) */
    uint8_t len;        /* length in bytes (on UD: bytes consumed when it failed) */
    uint8_t mode;       /* enum xie_mode decoded in */
    uint8_t osz;        /* effective operand size in bytes: 2, 4 or 8 */
    uint8_t asz;        /* effective address size in bytes: 2, 4 or 8 */
    uint16_t prefixes;  /* XIE_PFX_* */
    uint8_t seg_prefix; /* last segment override prefix (enum xie_seg) or XIE_SEG_NONE;
                           recorded even where it has no effect (64-bit ES/CS/SS/DS) */
    uint8_t rex;        /* REX byte in effect (0x40..0x4f), or the REX-equivalent bits of
                           VEX/EVEX/XOP (W R X B in bits 3..0), or 0 */
    uint8_t nops;       /* number of operands in op[] */
    uint8_t ud;         /* enum xie_ud_reason when XIE_DECODE_UD */
    uint8_t vl;         /* VEX/EVEX vector length: 0 = 128, 1 = 256, 2 = 512 */
    uint8_t mask;       /* EVEX opmask register aaa (0 = none) */
    uint8_t evex;       /* XIE_EVEX_* bits */
    uint8_t rc;         /* EVEX embedded rounding control (0..3) when XIE_EVEX_RC */
    uint8_t modrm;      /* ModRM byte if XIE_INSN_MODRM is set in info */
    uint8_t sib;        /* SIB byte if present */
    uint8_t opcode;     /* the opcode byte (last byte of the opcode) */
    uint8_t map;        /* opcode map: 0 = one-byte, 1 = 0F, 2 = 0F38, 3 = 0F3A, 5/6 = EVEX
                           maps 5/6, 8/9/10 = XOP maps, 15 = 3DNow! (0F 0F) */
    uint8_t imm_off;    /* offset of the first immediate byte in the instruction, or 0 */
    uint8_t disp_off;   /* offset of the displacement in the instruction, or 0 */
    uint16_t info;      /* XIE_INSN_* bits */
    int64_t disp;       /* memory displacement, sign-extended (moffs: the offset) */
    int64_t imm;        /* first immediate, sign-extended from its encoded size (IMM
                           operands of zero-extending instructions: see xie_operand size) */
    uint16_t imm2;      /* second immediate: ENTER's nesting level, far pointer selector */
    uint16_t reserved;
    struct xie_operand operands[XIE_MAX_OPERANDS];
};

/* xie_insn.evex bits. */
#define XIE_EVEX_Z    0x01u /* zeroing-masking ({z}) */
#define XIE_EVEX_BCST 0x02u /* embedded broadcast ({1toN}) */
#define XIE_EVEX_RC   0x04u /* embedded rounding control ({rn-sae}...); rc holds it */
#define XIE_EVEX_SAE  0x08u /* suppress all exceptions ({sae}) */

/* xie_insn.info bits. */
#define XIE_INSN_MODRM  0x0001u /* the instruction has a ModRM byte */
#define XIE_INSN_SIB    0x0002u /* ... and a SIB byte */
#define XIE_INSN_RIPREL 0x0004u /* RIP-relative memory operand */
#define XIE_INSN_MEM    0x0008u /* some operand is XIE_OPK_MEM */

/*
 * Decode one instruction.
 *   bytes, avail: the instruction bytes; never reads bytes[avail] or beyond, and never
 *                 more than 15 bytes.
 *   mode:         enum xie_mode.
 *   cpu:          the guest CPU model (vendor and features); NULL means "all features,
 *                 Intel".
 *   out:          filled on every return (see enum xie_decode_status for which fields
 *                 are meaningful).
 * Returns enum xie_decode_status.
 */
int xie_decode(const uint8_t *bytes, size_t avail, enum xie_mode mode,
               const struct xie_cpu_model *cpu, struct xie_insn *out);

/* Mnemonic of an instruction id (lower case, e.g. "add"), or "(bad)". */
const char *xie_op_name(unsigned op);

/* Short human-readable description of a #UD reason. */
const char *xie_ud_reason_str(unsigned reason);

/*
 * Format *insn in Intel syntax (as objdump -M intel / iced print it) into buf (always
 * NUL-terminated when size > 0). rip is the address of the instruction, used for
 * branch targets and RIP-relative addresses. Returns the length the full text needs
 * (excluding the NUL), like snprintf.
 */
size_t xie_format(const struct xie_insn *insn, uint64_t rip, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif
