/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The synthesised instruction instances of tests/trace and tests/pending (see
 * forms.h). The encodings come from each form's template in the ISA table.
 */
#include <string.h>

#include "forms.h"
#include "form.h"
#include "gen/handlers.h"

int tf_skipped_handler(unsigned h)
{
    switch (h) {
    case XIEI_H_PUSH:
    case XIEI_H_POP:
    case XIEI_H_CALL:
    case XIEI_H_RET:
    case XIEI_H_ENTER:
    case XIEI_H_LEAVE:
    case XIEI_H_PUSHF:
    case XIEI_H_POPF:
    case XIEI_H_PUSHA:
    case XIEI_H_POPA:
    case XIEI_H_XLAT:
    case XIEI_H_BT:
    case XIEI_H_BTS:
    case XIEI_H_BTR:
    case XIEI_H_BTC: return 1;
    default: return 0;
    }
}

int tf_is_string(unsigned h)
{
    return h == XIEI_H_MOVS || h == XIEI_H_CMPS || h == XIEI_H_STOS || h == XIEI_H_LODS ||
           h == XIEI_H_SCAS;
}

/* Build an instance of form f with a [rbx] operand (or moffs / string form).
 * variant picks REX.W, LOCK and REP choices. Returns the length of the bytes
 * written, 0 if the form has no memory instance of this shape. */
static unsigned synth(const struct xiei_form *f, unsigned variant, uint8_t *b)
{
    unsigned n = 0, i;
    static const uint8_t pfx[5] = {0, 0, 0x66, 0xf3, 0xf2};

    if (f->enc == XIEI_ENC_LEGACY) {
        if (variant & 1) b[n++] = 0xf0;
        if (f->pfx >= XIEI_PFX_66) b[n++] = pfx[f->pfx];
        if (variant & 4) b[n++] = (variant & 8) ? 0xf2 : 0xf3; /* REP family */
        if ((variant & 2) || (f->wl & 3) == XIEI_W_1) b[n++] = 0x48;
        if (f->map >= 1) b[n++] = 0x0f;
        if (f->map == 2) b[n++] = 0x38;
        if (f->map == 3) b[n++] = 0x3a;
        b[n++] = f->opcode;
    } else if (f->enc == XIEI_ENC_VEX && f->map >= 1 && f->map <= 3) {
        unsigned w = (f->wl & 3) == XIEI_W_1 || ((f->wl & 3) == XIEI_W_ANY && (variant & 2));
        unsigned pp = f->pfx == XIEI_PFX_66   ? 1
                      : f->pfx == XIEI_PFX_F3 ? 2
                      : f->pfx == XIEI_PFX_F2 ? 3
                                              : 0;
        b[n++] = 0xc4;
        b[n++] = (uint8_t)(0xe0 | f->map);
        b[n++] = (uint8_t)((w << 7) | ((~2u & 15) << 3) | pp); /* vvvv = rdx */
        b[n++] = f->opcode;
    } else {
        return 0;
    }
    if (f->mflags & XIEI_M_MODRM) {
        if ((f->mflags & (XIEI_M_REG | XIEI_M_RMFIX)) || (f->mflags & XIEI_M_PLUSR)) return 0;
        b[n++] = (uint8_t)((((f->mflags & XIEI_M_REGFIX) ? f->mreg : 1u) << 3) | 3u); /* [rbx] */
    } else if (f->map == 0 && f->opcode >= 0xa0 && f->opcode <= 0xa3) {
        for (i = 0; i < 8; i++) /* moffs: the address is patched in by the caller */
            b[n++] = 0;
        return n;
    } else if (!(f->map == 0 && f->opcode >= 0xa4 && f->opcode <= 0xaf)) {
        return 0;
    }
    for (i = 0; i < 8; i++) /* immediates, if any */
        b[n++] = 0x01;
    return n;
}

unsigned tf_instances(struct tf_inst *out, unsigned max, unsigned *nforms_without)
{
    unsigned fi, v, n = 0, without = 0;

    for (fi = 0; fi < xiei_nforms; fi++) {
        const struct xiei_form *f = &xiei_forms[fi];
        unsigned covered = 0;
        if (!f->handler || tf_skipped_handler(f->handler)) continue;
        for (v = 0; v < 16; v++) {
            struct tf_inst t;
            unsigned len = synth(f, v, t.bytes), mi;
            if (!len) continue;
            if (xie_decode(t.bytes, len, XIE_MODE_64, NULL, &t.insn) != XIE_DECODE_OK ||
                t.insn.form != fi)
                continue;
            for (mi = 0; mi < t.insn.nops && t.insn.operands[mi].kind != XIE_OPK_MEM; mi++)
                ;
            if (mi == t.insn.nops) continue;
            covered++;
            t.form = fi;
            t.variant = v;
            t.len = t.insn.len;
            t.mi = mi;
            t.moffs = t.insn.map == 0 && t.insn.opcode >= 0xa0 && t.insn.opcode <= 0xa3;
            t.string = tf_is_string(f->handler);
            if (n < max) out[n] = t;
            n++;
        }
        if (!covered) without++;
    }
    if (nforms_without) *nforms_without = without;
    return n;
}
