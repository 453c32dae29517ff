/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal interface between the two halves of the complete decoder:
 * src/decode.c (prefixes, escapes, ModRM/SIB/displacement, row lookup, checks,
 * immediates) and src/decode_ops.c (operands from the row's descriptors). Not
 * public API.
 */
#ifndef XIE_DECODE_INT_H
#define XIE_DECODE_INT_H

#include "decode_tab.h"
#include "xie/decode.h"

/* Decoder working state for one call (on the caller's stack). */
struct dstate {
    const uint8_t *b;
    unsigned lim;   /* min(avail, 15): bytes [0, lim) may be read */
    unsigned avail; /* avail clipped to 16 (enough to tell MORE from GP) */
    unsigned mode;
    unsigned vendor;
    unsigned enc; /* XIEI_ENC_* */
    unsigned rexw, rexr, rexx, rexb, rexr2, vvvv, vexv2, vl, evb, evz, aaa;
    unsigned mod, reg, rm; /* ModRM fields (reg/rm without extensions) */
    unsigned greg, erm;    /* reg | R << 3, rm | B << 3 */
    unsigned h8;           /* byte registers 4..7 are AH..BH (legacy, no REX) */
    unsigned segov;        /* segment override in effect, or XIE_SEG_NONE */
    unsigned osz, asz;
    int has_mem;
    struct xie_operand mem; /* memory operand template (ModRM form) */
};

/* Effective segment of a memory operand: the override in effect (ES/CS/SS/DS
 * overrides have no effect in 64-bit mode, SDM Vol. 1 3.3.7.1), else dflt. */
static inline unsigned eff_seg(const struct dstate *s, unsigned dflt)
{
    return s->segov == XIE_SEG_NONE ? dflt : s->segov;
}

/* Size in bytes of operand size code `code` (enum xiei_opsize, or 16 + index into
 * xiei_opsizes) for the decoded state *s. */
unsigned xiei_op_size(const struct dstate *s, unsigned code);

/* EVEX compressed displacement: the factor N of disp8*N for row df (SDM Vol. 2
 * 2.7.5, Tables 2-34 and 2-35), from the state's vector length and broadcast. */
unsigned xiei_disp8_scale(const struct dstate *s, const struct xiei_dform *df);

/*
 * Fill out->operands[0..df->nops) for row df from the decoded state *s (which
 * it does not change). Returns 0, or a #UD reason (enum xie_ud_reason) for a
 * register that does not exist or a forbidden operand combination; out->info
 * gains XIE_INSN_MEM for implicit memory operands.
 */
unsigned xiei_decode_operands(const struct dstate *s, const struct xiei_dform *df,
                              struct xie_insn *out);

#endif
