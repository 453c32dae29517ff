/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit test of the formatter's contract (include/xie/decode.h, xie_format):
 * snprintf-like truncation and return value for every buffer size, NULL with size
 * 0, and the register names of every register kind (SDM Vol. 1 3.4 / 3.7.2.1,
 * Vol. 2 2.3 / 2.7 naming: r8b..r15b, spl..dil, ah..bh, xmm16..31, k0..7, ...).
 * Texts of whole instructions are checked against objdump in objdump_cmp.py.
 */
#include <stdio.h>
#include <string.h>

#include "format.h"
#include "xie/decode.h"

static int failures, checks;

static void check(int ok, const char *what, const char *got, const char *want)
{
    checks++;
    if (!ok) {
        failures++;
        printf("FAIL: %s: got \"%s\", want \"%s\"\n", what, got, want);
    }
}

/* Truncation: for every size 0..len+2 the buffer holds the first size-1
 * characters, NUL-terminated, and the return value is the full length. */
static void check_truncation(const char *hex, enum xie_mode mode)
{
    unsigned char bytes[16];
    size_t n = strlen(hex) / 2, i, size, full;
    struct xie_insn insn;
    char ref[256], buf[256];
    unsigned v;

    for (i = 0; i < n; i++) {
        sscanf(hex + 2 * i, "%2x", &v);
        bytes[i] = (unsigned char)v;
    }
    if (xie_decode(bytes, n, mode, NULL, &insn) != XIE_DECODE_OK) {
        check(0, hex, "not decoded", "decoded");
        return;
    }
    full = xie_format(&insn, 0x1000, ref, sizeof(ref));
    check(full == strlen(ref) && full > 0, "return value is the text length", ref, ref);
    check(xie_format(&insn, 0x1000, NULL, 0) == full, "NULL buffer, size 0", "", "");
    for (size = 0; size <= full + 2; size++) {
        memset(buf, 'X', sizeof(buf));
        if (xie_format(&insn, 0x1000, buf, size) != full) {
            check(0, "return value with a short buffer", buf, ref);
            continue;
        }
        if (size == 0) {
            check(buf[0] == 'X', "size 0 writes nothing", buf, "");
            continue;
        }
        i = size - 1 < full ? size - 1 : full;
        check(buf[i] == '\0' && memcmp(buf, ref, i) == 0 && buf[size] == 'X',
              "truncated text is a NUL-terminated prefix, nothing written past size", buf, ref);
    }
}

static void check_reg(unsigned kind, unsigned reg, unsigned size, const char *want)
{
    char buf[32];
    size_t n = xiei_format_reg(kind, reg, size, buf, sizeof(buf));

    check(strcmp(buf, want) == 0 && n == strlen(want), "register name", buf, want);
}

int main(void)
{
    static const char *const r64[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                        "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
    static const char *const r32[16] = {"eax",  "ecx",  "edx",  "ebx", "esp",  "ebp",
                                        "esi",  "edi",  "r8d",  "r9d", "r10d", "r11d",
                                        "r12d", "r13d", "r14d", "r15d"};
    static const char *const r16[16] = {"ax",   "cx",   "dx",   "bx",  "sp",   "bp",
                                        "si",   "di",   "r8w",  "r9w", "r10w", "r11w",
                                        "r12w", "r13w", "r14w", "r15w"};
    static const char *const r8[16] = {"al",   "cl",   "dl",   "bl",  "spl",  "bpl",
                                       "sil",  "dil",  "r8b",  "r9b", "r10b", "r11b",
                                       "r12b", "r13b", "r14b", "r15b"};
    static const char *const h8[4] = {"ah", "ch", "dh", "bh"};
    static const char *const segs[6] = {"es", "cs", "ss", "ds", "fs", "gs"};
    unsigned i;

    /* lock add qword ptr fs:[rax+rcx*8], 0x1; vaddps with masking and broadcast;
     * rep stosq; jne (branch target); a far jump in 32-bit mode; 16-bit addressing */
    check_truncation("f064488304c801", XIE_MODE_64);
    check_truncation("62f17cd9584001", XIE_MODE_64);
    check_truncation("f348ab", XIE_MODE_64);
    check_truncation("751e", XIE_MODE_64);
    check_truncation("ea785634123412", XIE_MODE_32);
    check_truncation("8b4610", XIE_MODE_16);

    for (i = 0; i < 16; i++) {
        check_reg(XIE_OPK_GPR, i, 8, r64[i]);
        check_reg(XIE_OPK_GPR, i, 4, r32[i]);
        check_reg(XIE_OPK_GPR, i, 2, r16[i]);
        check_reg(XIE_OPK_GPR, i, 1, r8[i]);
    }
    for (i = 0; i < 4; i++)
        check_reg(XIE_OPK_GPR8H, i + 4, 1, h8[i]);
    for (i = 0; i < 6; i++)
        check_reg(XIE_OPK_SEG, i, 2, segs[i]);
    check_reg(XIE_OPK_CR, 0, 8, "cr0");
    check_reg(XIE_OPK_CR, 8, 8, "cr8");
    check_reg(XIE_OPK_DR, 7, 8, "dr7");
    check_reg(XIE_OPK_MMX, 7, 8, "mm7");
    check_reg(XIE_OPK_VEC, 0, 16, "xmm0");
    check_reg(XIE_OPK_VEC, 31, 16, "xmm31");
    check_reg(XIE_OPK_VEC, 17, 32, "ymm17");
    check_reg(XIE_OPK_VEC, 9, 64, "zmm9");
    check_reg(XIE_OPK_VEC, 3, 4, "xmm3"); /* a scalar in an XMM register */
    check_reg(XIE_OPK_MASK, 7, 8, "k7");
    check_reg(XIE_OPK_ST, 0, 10, "st(0)");
    check_reg(XIE_OPK_ST, 5, 10, "st(5)");
    check_reg(XIE_OPK_BND, 3, 16, "bnd3");
    check_reg(XIE_OPK_TMM, 7, 1024, "tmm7");
    check_reg(XIE_OPK_IMM, 0, 1, "?");

    printf("tool format: %d passed, %d failed\n", checks - failures, failures);
    return failures != 0;
}
