/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-row attributes of the ISA table (isa/x86.isa), as the generator emits them
 * into src/gen/forms.c: one xiei_form per table row, indexed by xie_insn.form.
 * Cross-file internal interface between the generated tables, the decoder and the
 * emulator; not public API.
 */
#ifndef XIE_FORM_H
#define XIE_FORM_H

#include <stdint.h>

/* RFLAGS bits, as masks, for the fr/fw/fu/f0/f1 table fields. */
#define XIEI_F_CF   0x00000001u
#define XIEI_F_PF   0x00000004u
#define XIEI_F_AF   0x00000010u
#define XIEI_F_ZF   0x00000040u
#define XIEI_F_SF   0x00000080u
#define XIEI_F_TF   0x00000100u
#define XIEI_F_IF   0x00000200u
#define XIEI_F_DF   0x00000400u
#define XIEI_F_OF   0x00000800u
#define XIEI_F_IOPL 0x00003000u
#define XIEI_F_NT   0x00004000u
#define XIEI_F_RF   0x00010000u
#define XIEI_F_VM   0x00020000u
#define XIEI_F_AC   0x00040000u
#define XIEI_F_VIF  0x00080000u
#define XIEI_F_VIP  0x00100000u
#define XIEI_F_ID   0x00200000u

/* xiei_form.attrs bits (ATTRIBUTES column of the table). */
#define XIEI_A_LOCK  0x00000001u /* lock */
#define XIEI_A_REP   0x00000002u /* rep */
#define XIEI_A_REPCC 0x00000004u /* repcc */
#define XIEI_A_I64   0x00000008u /* i64 */
#define XIEI_A_O64   0x00000010u /* o64 */
#define XIEI_A_D64   0x00000020u /* d64 */
#define XIEI_A_F64   0x00000040u /* f64 */
#define XIEI_A_CPL0  0x00000080u /* cpl0 */
#define XIEI_A_INTEL 0x00000100u /* intel */
#define XIEI_A_AMD   0x00000200u /* amd */

struct xiei_form {
    uint16_t op;      /* enum xie_op */
    uint16_t handler; /* enum xiei_handler from the h= attribute; 0: not emulated */
    uint32_t attrs;   /* XIEI_A_* */
    uint32_t fr;      /* flags read (XIEI_F_* mask) */
    uint32_t fw;      /* flags written with a defined value (includes f0/f1) */
    uint32_t fu;      /* flags left undefined */
    uint32_t f0;      /* flags cleared */
    uint32_t f1;      /* flags set */
    uint8_t align;    /* required memory alignment in bytes (0: none) */
    uint8_t nfeat;    /* number of features in feat[] */
    uint16_t feat[2]; /* enum xie_feature required (all) */
    /* The encoding template of the row, for tools and tests that synthesise
     * instances of a form (hardware differential and access-trace tests). */
    uint8_t enc;    /* XIEI_ENC_* */
    uint8_t map;    /* as xie_insn.map */
    uint8_t opcode; /* opcode byte (the first of an OP+r row's eight) */
    uint8_t pfx;    /* XIEI_PFX_* mandatory prefix / VEX.pp */
    uint8_t mflags; /* XIEI_M_*: ModRM presence and constraints */
    uint8_t mreg;   /* required ModRM.reg when XIEI_M_REGFIX */
    uint8_t mrm;    /* required ModRM.rm when XIEI_M_RMFIX */
    uint8_t wl;     /* bits 0-1: XIEI_W_*; bits 4-7: allowed vector lengths (bit 4 =
                       128, 5 = 256, 6 = 512, all three when ignored) */
};

#define XIEI_ENC_LEGACY 0
#define XIEI_ENC_VEX    1
#define XIEI_ENC_EVEX   2
#define XIEI_ENC_XOP    3
#define XIEI_ENC_3DNOW  4

#define XIEI_PFX_ANY 0 /* row names no prefix */
#define XIEI_PFX_NP  1
#define XIEI_PFX_66  2
#define XIEI_PFX_F3  3
#define XIEI_PFX_F2  4

#define XIEI_M_MODRM  0x01 /* has a ModRM byte */
#define XIEI_M_REGFIX 0x02 /* ModRM.reg must equal mreg (/digit) */
#define XIEI_M_MEM    0x04 /* mod != 3 required */
#define XIEI_M_REG    0x08 /* mod == 3 required */
#define XIEI_M_RMFIX  0x10 /* ModRM.rm must equal mrm */
#define XIEI_M_PLUSR  0x20 /* OP+r row */
#define XIEI_M_NOREXB 0x40 /* norexb */

#define XIEI_W_ANY 0
#define XIEI_W_0   1
#define XIEI_W_1   2

extern const struct xiei_form xiei_forms[];
extern const unsigned xiei_nforms;

#endif
