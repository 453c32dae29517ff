/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Layout of the decoder's generated tables (src/gen/decode_tab.c, written by
 * tools/isagen.py). Cross-file internal interface between the generator's
 * output and src/decode.c; not public API. Every number here is mirrored by a
 * constant in tools/isagen.py: change both together.
 *
 * Matching: for an instruction the decoder builds a key (XIEI_K_*) from the
 * ModRM fields, the mode, W, L, REX.B and the prefix key, looks up the list of
 * entries of its opcode space and opcode byte (xiei_dop), and takes the first
 * entry with (key & mask) == value. The generator orders each list: rows that
 * name a mandatory prefix before rows that do not, and inside each group a
 * more specific row before the rows it is a special case of; partial overlaps
 * are rejected by the generator.
 */
#ifndef XIE_DECODE_TAB_H
#define XIE_DECODE_TAB_H

#include <stddef.h>
#include <stdint.h>

#include "xie/decode.h"

/* Decode key bits. */
#define XIEI_K_RM     0      /* bits 0-2: ModRM.rm */
#define XIEI_K_REG    3      /* bits 3-5: ModRM.reg */
#define XIEI_K_MOD3   0x0040 /* ModRM.mod == 3 */
#define XIEI_K_MODE64 0x0080 /* 64-bit mode */
#define XIEI_K_W      0x0100 /* REX.W / VEX.W / EVEX.W / XOP.W */
#define XIEI_K_L      9      /* bits 9-10: VEX.L / EVEX.L'L */
#define XIEI_K_REXB   0x0800 /* REX.B (OP+r rows marked norexb) */
#define XIEI_K_PFX    12     /* bits 12-14: prefix key XIEI_PFX_NP..F2 */

/* Opcode spaces of xiei_dop (index = space * 256 + opcode byte). */
#define XIEI_SP_LEGACY 0 /* + map 0..3 */
#define XIEI_SP_3DNOW  4 /* indexed by the 3DNow! suffix byte */
#define XIEI_SP_VEX    4 /* + map 1..3 */
#define XIEI_SP_EVEX   7 /* + map 1, 2, 3, 5 (-> 11), 6 (-> 12) */
#define XIEI_SP_XOP    5 /* + map 8..10 */
#define XIEI_NSPACES   16

/* One opcode byte of a space: its match entries. */
struct xiei_dop {
    uint16_t first; /* index of the first entry in xiei_dmatch */
    uint8_t n;      /* number of entries (0: no instruction) */
    uint8_t flags;  /* XIEI_DOP_* */
};
#define XIEI_DOP_MODRM    0x01 /* a ModRM byte follows the opcode */
#define XIEI_DOP_FORCEREG 0x02 /* ModRM.mod is ignored and taken as 3 (MOV CR/DR) */
/* Immediate classes (enum xiei_imm) that give the length of an encoding no row of
 * the opcode matched: those all its rows share, else none; for opcodes without
 * rows in the 0F 38 / 0F 3A / VEX / EVEX / XOP maps, the map's (with
 * XIEI_DOP_MODRM set). */
#define XIEI_DOP_UDIMM1(f) ((unsigned)(f) >> 4)
#define XIEI_DOP_UDIMM2(f) (((unsigned)(f) >> 2) & 3)

struct xiei_dmatch {
    uint16_t mask;
    uint16_t value;
    uint16_t form; /* index into xiei_forms / xiei_dforms */
};

/* Operand methods (OPERANDS in the grammar at the top of isa/x86.isa). */
enum xiei_opmethod {
    XIEI_OM_NONE = 0,
    XIEI_OM_E,
    XIEI_OM_G,
    XIEI_OM_M,
    XIEI_OM_R,
    XIEI_OM_B,
    XIEI_OM_Z,
    XIEI_OM_S,
    XIEI_OM_C,
    XIEI_OM_D,
    XIEI_OM_P,
    XIEI_OM_Q,
    XIEI_OM_N,
    XIEI_OM_V,
    XIEI_OM_W,
    XIEI_OM_U,
    XIEI_OM_H,
    XIEI_OM_L,
    XIEI_OM_KG,
    XIEI_OM_KE,
    XIEI_OM_KR,
    XIEI_OM_KH,
    XIEI_OM_KA,
    XIEI_OM_TG,
    XIEI_OM_TR,
    XIEI_OM_TH,
    XIEI_OM_BG,
    XIEI_OM_BE,
    XIEI_OM_ST,
    XIEI_OM_ST0,
    XIEI_OM_I,
    XIEI_OM_J,
    XIEI_OM_O,
    XIEI_OM_A,
    XIEI_OM_X,
    XIEI_OM_Y,
    XIEI_OM_XD,
    XIEI_OM_XB, /* XLAT: DS:[rBX + AL] */
    XIEI_OM_VSIB,
    XIEI_OM_ONE,
    XIEI_OM_IGPR,   /* implicit GPR (xiei_dopnd.extra = number) */
    XIEI_OM_IGPR8H, /* implicit AH */
    XIEI_OM_ISEG,   /* implicit segment register */
    XIEI_OM_IVEC,   /* implicit XMM0 */
    XIEI_OM_IST     /* implicit ST(extra) */
};

/* Variable operand size codes; codes >= 16 index xiei_opsizes[code - 16]. */
enum xiei_opsize {
    XIEI_OS_NONE = 0,
    XIEI_OS_V,
    XIEI_OS_Z,
    XIEI_OS_Y,
    XIEI_OS_X,
    XIEI_OS_H,
    XIEI_OS_QT,
    XIEI_OS_OC,
    XIEI_OS_P,
    XIEI_OS_S,
    XIEI_OS_A,
    XIEI_OS_E,
    XIEI_OS_F,
    XIEI_OS_AS /* address size */
};

/* Immediate classes (xiei_dform.imm1 / imm2). */
enum xiei_imm {
    XIEI_IMM_NONE = 0,
    XIEI_IMM_B,     /* 1 byte */
    XIEI_IMM_W,     /* 2 bytes */
    XIEI_IMM_Z,     /* 2 if operand size 16, else 4 */
    XIEI_IMM_D,     /* 4 bytes */
    XIEI_IMM_V,     /* operand size: 2, 4 or 8 */
    XIEI_IMM_MOFFS, /* address size: 2, 4 or 8 */
    XIEI_IMM_FAR,   /* 2 or 4 (operand size) offset, then a 2-byte selector */
    XIEI_IMM_IS4    /* 1 byte, register in bits 7:4 */
};

/* EVEX disp8*N tuple types (SDM Vol. 2 2.7.5). */
enum xiei_tuple {
    XIEI_TT_NONE = 0,
    XIEI_TT_FV,
    XIEI_TT_FVM,
    XIEI_TT_HV,
    XIEI_TT_HVM,
    XIEI_TT_QV,
    XIEI_TT_QVM,
    XIEI_TT_OVM,
    XIEI_TT_T1S,
    XIEI_TT_T1F,
    XIEI_TT_T2,
    XIEI_TT_T4,
    XIEI_TT_T8,
    XIEI_TT_M128,
    XIEI_TT_DUP
};

/* xiei_dform.flags */
#define XIEI_DF_VVVV     0x00001u /* an operand comes from vvvv (else vvvv must be 1111b) */
#define XIEI_DF_ER       0x00002u
#define XIEI_DF_SAE      0x00004u
#define XIEI_DF_K        0x00008u
#define XIEI_DF_Z        0x00010u
#define XIEI_DF_KREQ     0x00020u
#define XIEI_DF_LOCK     0x00040u
#define XIEI_DF_REP      0x00080u
#define XIEI_DF_REPCC    0x00100u
#define XIEI_DF_D64      0x00200u
#define XIEI_DF_F64      0x00400u
#define XIEI_DF_INTEL    0x00800u
#define XIEI_DF_AMD      0x01000u
#define XIEI_DF_BCST     0x02000u
#define XIEI_DF_PFX66    0x04000u /* legacy row whose mandatory prefix is 66 */
#define XIEI_DF_LZ       0x08000u
#define XIEI_DF_IMMZX    0x10000u   /* the first immediate is zero-extended (I.ub) */
#define XIEI_DF_FALLBACK 0x20000u   /* without the feature, the less specific row applies */
#define XIEI_DF_SIB      0x40000u   /* the memory operand needs a SIB byte (AMX tile loads) */
#define XIEI_DF_EVEXVL   0x80000u   /* EVEX row with 128/256 lengths: those need AVX512VL */
#define XIEI_DF_VSIB     0x100000u  /* a VSIB operand: EVEX.V' extends the index, not vvvv */
#define XIEI_DF_CHECK    0x200000u  /* has cpuid features or a vendor: check the CPU model */
#define XIEI_DF_DSTDIFF  0x400000u  /* the destination register must differ from the sources */
#define XIEI_DF_NO66     0x800000u  /* a 66 prefix is #UD */
#define XIEI_DF_FAST     0x1000000u /* the fast path (src/decode_fast.c) handles the form */

/* xiei_dopnd.acc: enum xie_access, plus this bit for implicit operands ("~"). */
#define XIEI_ACC_IMPLICIT 0x80

struct xiei_dopnd {
    uint8_t m;     /* enum xiei_opmethod */
    uint8_t size;  /* enum xiei_opsize, or 16 + index into xiei_opsizes */
    uint8_t acc;   /* enum xie_access */
    uint8_t extra; /* implicit register number; VSIB: index width in bytes */
};

struct xiei_dform {
    uint32_t flags; /* XIEI_DF_* */
    uint8_t nops;
    uint8_t tuple; /* enum xiei_tuple */
    uint8_t imm1;  /* enum xiei_imm */
    uint8_t imm2;  /* enum xiei_imm */
    uint8_t bcst;  /* broadcast element size in bytes (0: no broadcast) */
    uint8_t esize; /* EVEX element size for disp8*N of T1S rows with a vector operand */
    struct xiei_dopnd ops[6];
    uint16_t op; /* enum xie_op (as xiei_forms[].op; here for the decoder's cache) */
};

extern const struct xiei_dform xiei_dforms[];
extern const uint16_t xiei_opsizes[];
extern const struct xiei_dmatch xiei_dmatch[];
extern const struct xiei_dop xiei_dop[XIEI_NSPACES * 256];
extern const char *const xiei_op_names[];
extern const uint16_t xiei_feat_evex_vl;

/*
 * The complete decoder (src/decode.c): every encoding, every mode, any number of
 * available bytes; the same contract as xie_decode(), which answers the common
 * legacy encodings itself (src/decode_fast.c) and calls this for the rest.
 */
int xiei_decode_full(const uint8_t *bytes, size_t avail, enum xie_mode mode,
                     const struct xie_cpu_model *cpu, struct xie_insn *out);

/* Does the model have every CPUID feature of form f, and is the form's vendor
 * (if any) the given one? cpu NULL means every feature. Reads only the tables. */
int xiei_form_ok(const struct xie_cpu_model *cpu, unsigned vendor, unsigned f);

#endif
