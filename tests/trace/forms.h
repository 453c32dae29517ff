/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The instruction instances of the access-trace and pending/replay tests: for
 * every emulated form of the ISA table that accesses memory through a ModRM
 * operand ([rbx]), a moffs or a string operand, the instances synthesised from
 * its encoding template (REX.W, LOCK and REP variants), decoded in 64-bit mode.
 * Shared by tests/trace (trace_test.c) and tests/pending (pending_test.c).
 */
#ifndef XIE_TEST_FORMS_H
#define XIE_TEST_FORMS_H

#include <stdint.h>

#include "xie/decode.h"

/* One synthesised instance. */
struct tf_inst {
    unsigned form;        /* index in xiei_forms */
    unsigned variant;     /* the synthesis variant (bit 0 LOCK, 1 REX.W, 2 REP, 3 F2) */
    uint8_t bytes[32];    /* the encoding; a moffs form has 8 zero address bytes last */
    unsigned len;         /* instruction length */
    struct xie_insn insn; /* its decode (64-bit mode) */
    unsigned mi;          /* index of the memory operand in insn.operands */
    int moffs;            /* 1: MOV moffs (A0-A3), the address is the last 8 bytes */
    int string;           /* 1: a string instruction (MOVS CMPS STOS LODS SCAS) */
};

/* Handlers the synthesised list leaves out: they also touch the stack, or
 * their memory operand is not addressed by the ModRM fields alone (BT with a
 * register bit offset, XLAT). trace_test.c (the stack forms) and
 * tests/pending cover them with hand lists. */
int tf_skipped_handler(unsigned handler);

/* 1 for the string handlers. */
int tf_is_string(unsigned handler);

/*
 * Fill out[0 .. max) with every instance, in form order (the instances of one
 * form are consecutive), and return how many there are. *nforms_without, if not
 * NULL, gets the number of emulated, not skipped forms for which no memory
 * instance could be synthesised.
 */
unsigned tf_instances(struct tf_inst *out, unsigned max, unsigned *nforms_without);

#endif
