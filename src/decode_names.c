/* SPDX-License-Identifier: BSD-3-Clause */
/* Names for decoder results: mnemonics (generated table) and #UD reasons. */
#include "xie/decode.h"

#include "decode_tab.h"

const char *xie_op_name(unsigned op)
{
    if (op >= XIE_OP__COUNT) return xiei_op_names[0];
    return xiei_op_names[op];
}

const char *xie_ud_reason_str(unsigned reason)
{
    static const char *const names[XIE_UD__COUNT] = {
        "none",
        "undefined opcode",
        "not valid in this mode",
        "CPU feature missing",
        "LOCK not allowed",
        "needs mod != 3",
        "needs mod == 3",
        "register does not exist",
        "prefix not allowed before VEX/EVEX/XOP",
        "VEX/EVEX.vvvv must be 1111b",
        "vector length not allowed",
        "VEX/EVEX.W not allowed",
        "EVEX constraint violated",
        "operand combination not allowed",
    };
    if (reason >= XIE_UD__COUNT) return "unknown";
    return names[reason];
}
