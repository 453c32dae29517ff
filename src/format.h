/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pieces of the Intel-syntax formatter (src/format.c) that the hosted tool reuses
 * for its JSON output. Cross-file internal interface; not public API.
 */
#ifndef XIE_FORMAT_H
#define XIE_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "xie/decode.h"

/*
 * Write the assembly name of a register ("rax", "r8d", "ah", "xmm17", "k1", "st(2)",
 * "cr8", "fs", ...) into buf (NUL-terminated when size > 0). kind is enum xie_opkind
 * (a register kind), reg the register number, size the width in bytes (GPR and VEC
 * kinds use it). Returns the length of the full name, like snprintf; an unknown
 * kind gives "?". Changes nothing but buf.
 */
size_t xiei_format_reg(unsigned kind, unsigned reg, unsigned size, char *buf, size_t bufsize);

/*
 * Write operand i of *insn as it appears in xie_format()'s text (without the
 * writemask decoration of the first operand) into buf. rip is the address of the
 * instruction. Returns the length of the full text, like snprintf.
 */
size_t xiei_format_operand(const struct xie_insn *insn, unsigned i, uint64_t rip, char *buf,
                           size_t bufsize);

#endif
