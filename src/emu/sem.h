/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pure integer semantics: values in, values and flags out. No state, no memory,
 * no callbacks; the engine reads the operands, calls these, and writes back.
 * Flags are computed in C (never by running the host instruction).
 *
 * Conventions for every function here:
 *   size    operand size in bytes: 1, 2, 4 or 8.
 *   values  uint64_t; inputs may carry garbage above `size` (it is ignored),
 *           results are zero-extended from `size`.
 *   *fl     the guest RFLAGS: the function updates exactly the arithmetic flags
 *           the SDM says the instruction writes (OF SF ZF AF PF CF, XIEI_F_*),
 *           leaves every other bit as it was, and gives flags the SDM calls
 *           undefined a deterministic value (tests mask them using the table).
 * Cross-file internal interface (xiei_ prefix); not public API.
 */
#ifndef XIE_SEM_H
#define XIE_SEM_H

#include <stdint.h>

/* Two-operand ALU operations, numbered as the 80..83 /digit group. */
enum xiei_alu_op {
    XIEI_ALU_ADD = 0,
    XIEI_ALU_OR = 1,
    XIEI_ALU_ADC = 2,
    XIEI_ALU_SBB = 3,
    XIEI_ALU_AND = 4,
    XIEI_ALU_SUB = 5,
    XIEI_ALU_XOR = 6,
    XIEI_ALU_CMP = 7,
};

/* a OP b (ADC/SBB take CF from *fl). CMP returns a - b like SUB; the caller does
 * not write it back. */
uint64_t xiei_alu(unsigned op, unsigned size, uint64_t a, uint64_t b, uint64_t *fl);

/* TEST: a AND b, flags only. */
void xiei_test(unsigned size, uint64_t a, uint64_t b, uint64_t *fl);

/* Unary group: INC, DEC (CF preserved), NEG, NOT (no flags). */
enum xiei_unary_op { XIEI_INC, XIEI_DEC, XIEI_NEG, XIEI_NOT };
uint64_t xiei_unary(unsigned op, unsigned size, uint64_t a, uint64_t *fl);

/* Shift/rotate group, numbered as the C0/C1/D0..D3 /digit group (/6 is SAL = SHL).
 * count is the raw count operand; masking (5 bits, 6 with size 8) and the RCL/RCR
 * modulo 9/17 rules are applied here. A masked count of 0 changes no flags. */
enum xiei_shift_op {
    XIEI_ROL = 0,
    XIEI_ROR = 1,
    XIEI_RCL = 2,
    XIEI_RCR = 3,
    XIEI_SHL = 4,
    XIEI_SHR = 5,
    XIEI_SAL = 6,
    XIEI_SAR = 7,
};
uint64_t xiei_shift(unsigned op, unsigned size, uint64_t a, uint64_t count, uint64_t *fl);

/* SHLD (right = 0) / SHRD (right = 1): dst shifted, filled from src. */
uint64_t xiei_shxd(int right, unsigned size, uint64_t dst, uint64_t src, uint64_t count,
                   uint64_t *fl);

/* MUL/IMUL (one operand) and DIV/IDIV on the accumulator pair.
 * size 1: *lo holds AX on input (AL is the multiplicand / AX the dividend) and
 *         receives AX (MUL: product; DIV: AH = remainder, AL = quotient); *hi unused.
 * else:   *lo is rAX, *hi is rDX (low `size` bytes meaningful).
 * Returns 0, or 1 for a divide error (#DE); on #DE nothing is changed. */
enum xiei_muldiv_op { XIEI_MUL = 4, XIEI_IMUL1 = 5, XIEI_DIV = 6, XIEI_IDIV = 7 };
int xiei_muldiv(unsigned op, unsigned size, uint64_t *lo, uint64_t *hi, uint64_t src, uint64_t *fl);

/* IMUL two/three-operand forms: truncated signed product, CF = OF = overflow. */
uint64_t xiei_imul2(unsigned size, uint64_t a, uint64_t b, uint64_t *fl);

/* BT/BTS/BTR/BTC on a value: bit = offset modulo the operand width. CF = old bit.
 * op: 4 BT, 5 BTS, 6 BTR, 7 BTC (the 0F BA /digit numbering). Returns the new value. */
uint64_t xiei_bt(unsigned op, unsigned size, uint64_t val, uint64_t bit, uint64_t *fl);

/* Bit scans and counts. For BSF/BSR with a zero source the destination is left
 * as dst (the value it had), as current Intel and AMD CPUs do. */
enum xiei_bitscan_op { XIEI_BSF, XIEI_BSR, XIEI_TZCNT, XIEI_LZCNT, XIEI_POPCNT };
uint64_t xiei_bitscan(unsigned op, unsigned size, uint64_t src, uint64_t dst, uint64_t *fl);

/* BSWAP (size 4 or 8; size 2 is undefined in the SDM and returns what this CPU does). */
uint64_t xiei_bswap(unsigned size, uint64_t a);

/* Condition code cc (the low nibble of Jcc/SETcc/CMOVcc) true under flags fl. */
int xiei_cond(unsigned cc, uint64_t fl);

/* BCD adjust on AX (outside 64-bit mode). ax in/out is the 16-bit AX value.
 * AAM/AAD take the immediate base; AAM returns 1 (#DE) when base is 0. */
enum xiei_bcd_op { XIEI_DAA, XIEI_DAS, XIEI_AAA, XIEI_AAS };
void xiei_bcd(unsigned op, uint16_t *ax, uint64_t *fl);
int xiei_aam(uint16_t *ax, uint8_t base, uint64_t *fl);
void xiei_aad(uint16_t *ax, uint8_t base, uint64_t *fl);

/* ADCX (CF) / ADOX (OF): a + b + flag, only that flag written. */
uint64_t xiei_adcx(int use_of, unsigned size, uint64_t a, uint64_t b, uint64_t *fl);

/* BMI1/BMI2 (size 4 or 8). Flag-writing ones update *fl; the others take no fl. */
uint64_t xiei_andn(unsigned size, uint64_t a, uint64_t b, uint64_t *fl); /* ~a & b */
uint64_t xiei_bextr(unsigned size, uint64_t src, uint64_t ctl, uint64_t *fl);
enum xiei_blsx_op { XIEI_BLSR = 1, XIEI_BLSMSK = 2, XIEI_BLSI = 3 }; /* VEX 0F38 F3 /digit */
uint64_t xiei_blsx(unsigned op, unsigned size, uint64_t src, uint64_t *fl);
uint64_t xiei_bzhi(unsigned size, uint64_t src, uint64_t idx, uint64_t *fl);
uint64_t xiei_pdep(unsigned size, uint64_t src, uint64_t mask);
uint64_t xiei_pext(unsigned size, uint64_t src, uint64_t mask);
/* MULX: unsigned a * b; returns the low half, *hi receives the high half. */
uint64_t xiei_mulx(unsigned size, uint64_t a, uint64_t b, uint64_t *hi);
/* RORX / SARX / SHLX / SHRX (no flags): op 1 ROR, 7 SAR, 4 SHL, 5 SHR. */
uint64_t xiei_shiftx(unsigned op, unsigned size, uint64_t a, uint64_t count);

/* CRC32 (SSE4.2, Castagnoli polynomial, bit-reflected): accumulate size bytes of
 * data into crc (32-bit). */
uint32_t xiei_crc32(uint32_t crc, uint64_t data, unsigned size);

#endif
