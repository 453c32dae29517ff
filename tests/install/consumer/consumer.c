/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A program built against an installed xie (tests/install/check.sh): decodes two
 * instructions whose lengths the SDM fixes and exits 0 when both decode as
 * expected. 90 is NOP (1 byte); 48 8B 43 10 is MOV r64, r/m64 with REX.W, ModRM
 * 0x43 (mod 01: [rbx] + disp8) and disp8 0x10: 4 bytes (SDM Vol. 2 2.1, 2.2.1).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <xie/decode.h>

int main(void)
{
    static const uint8_t nop[] = {0x90};
    static const uint8_t mov[] = {0x48, 0x8b, 0x43, 0x10};
    struct xie_insn insn;
    char text[64];

    if (xie_decode(nop, sizeof nop, XIE_MODE_64, NULL, &insn) != XIE_DECODE_OK || insn.len != 1 ||
        strcmp(xie_op_name(insn.op), "nop") != 0) {
        fprintf(stderr, "consumer: 90 did not decode as a 1-byte nop\n");
        return 1;
    }
    if (xie_decode(mov, sizeof mov, XIE_MODE_64, NULL, &insn) != XIE_DECODE_OK || insn.len != 4 ||
        strcmp(xie_op_name(insn.op), "mov") != 0) {
        fprintf(stderr, "consumer: 48 8b 43 10 did not decode as a 4-byte mov\n");
        return 1;
    }
    xie_format(&insn, 0, text, sizeof text);
    printf("consumer: installed xie decodes 48 8b 43 10 as '%s'\n", text);
    return 0;
}
