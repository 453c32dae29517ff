/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Golden decode tests: tricky encodings with their expected length, validity
 * and key fields. Every expectation names its source in the last column:
 *   SDM   Intel SDM Vol. 2 (section / instruction page) or AMD APM Vol. 3/4
 *   CPU   this machine's CPU (AMD Zen 3) through tests/cpulen (length and
 *         validity in 64-bit and 32-bit compatibility mode)
 *   iced  iced-x86 1.21 (npm), used only to check an SDM reading
 * None of the expected values were taken from xie's output.
 *
 * Usage: golden [-v]   (exit status 1 on any failure)
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xie/decode.h"

#define M16   XIE_MODE_16
#define M32   XIE_MODE_32
#define M64   XIE_MODE_64
#define INTEL 0
#define AMD   1
#define NOBMI 2 /* Intel model without BMI1 */
#define OK    XIE_DECODE_OK
#define MORE  XIE_DECODE_MORE
#define UD    XIE_DECODE_UD
#define GP    XIE_DECODE_GP

struct gcase {
    int mode, cpu;
    const char *hex;
    int status, len; /* len: checked for OK (and UD when > 0) */
    const char *op;  /* mnemonic for OK, NULL: not checked */
    int ud;          /* enum xie_ud_reason for UD, -1: not checked */
    const char *checks;
    const char *src;
};

/* clang-format off */
static const struct gcase cases[] = {
    /* ---- prefix soup, 15-byte limit, MORE */
    {M64, INTEL, "f3f2662e67f00100", OK, 8, "add", -1, "asz=4 osz=2 seg0=DS lock", "SDM 2.1.1: F2/F3 ignored on ADD, 2E ignored in 64-bit (3.3.7.1 Vol. 1); CPU len"},
    {M64, INTEL, "6464646464646464646464646464 90", OK, 15, "nop", -1, "", "SDM 2.3.11: 15 bytes allowed; CPU"},
    {M64, INTEL, "646464646464646464646464646464 90", GP, 0, NULL, -1, "", "SDM 2.3.11: 16 bytes -> #GP; CPU"},
    {M64, INTEL, "6464646464646464646464646464 0500000000", GP, 0, NULL, -1, "", "SDM 2.3.11: over 15 with the immediate; CPU"},
    {M64, INTEL, "646464646464646464646464646464", GP, 0, NULL, -1, "", "SDM 2.3.11: 15 prefixes, no opcode yet -> over 15"},
    {M64, INTEL, "48", MORE, 0, NULL, -1, "", "SDM: a REX alone is not an instruction"},
    {M64, INTEL, "660f38", MORE, 0, NULL, -1, "", "SDM A.3: 0F 38 needs an opcode byte"},
    {M64, INTEL, "8b04", MORE, 0, NULL, -1, "", "SDM 2.1.5: rm=100 needs a SIB byte"},
    {M64, INTEL, "e80000", MORE, 0, NULL, -1, "", "SDM CALL rel32"},
    {M64, INTEL, "c4e2", MORE, 0, NULL, -1, "", "SDM 2.3.5: C4 is a 3-byte VEX prefix in 64-bit mode"},
    {M32, INTEL, "c4", MORE, 0, NULL, -1, "", "SDM 2.3.5: C4 needs the next byte to tell VEX from LES"},

    /* ---- invalid and longer than 15 bytes: #GP before #UD. The CPU fetches and
     * length-decodes an invalid instruction whole before it raises #UD (a fetch
     * #PF comes first, so fewer bytes are MORE), and raises #GP when it is longer
     * than 15 bytes (SDM Vol. 2 2.3.11); every case below was run on this CPU
     * through tests/cpulen (page-end method). */
    {M64, INTEL, "f0f0f0f0f0f0f0f0f0f0f00500000000", GP, 0, NULL, -1, "", "CPU: #GP (LOCK ADD eAX, imm32: 16 bytes)"},
    {M64, INTEL, "f0f0f0f0f0f0f0f0f0f00500000000", UD, 0, NULL, XIE_UD_LOCK, "", "CPU: #UD at 15 bytes"},
    {M64, INTEL, "f005", MORE, 0, NULL, -1, "", "CPU: f00500000000 at a page end faults on the fetch until all 6 bytes are there, then #UD"},
    {M64, INTEL, "2e67f23e646626f0f3f026652e47eb", GP, 0, NULL, -1, "", "CPU: #GP (LOCK JMP rel8 needs a 16th byte)"},
    {M64, INTEL, "66666666666666666666660f3a00c000", GP, 0, NULL, -1, "", "CPU: #GP (undefined 0F 3A 00: ModRM and imm8, 16 bytes)"},
    {M64, INTEL, "666666666666666666660f3a00c000", UD, 0, NULL, XIE_UD_OPCODE, "", "CPU: #UD at 15 bytes"},
    {M64, INTEL, "c6c800", UD, 0, NULL, XIE_UD_OPCODE, "", "CPU: #UD after 3 bytes (C6 /1: ModRM and imm8)"},
    {M64, INTEL, "6565f0f0642667642e436941c78bfd", GP, 0, NULL, -1, "", "CPU: #GP (LOCK IMUL Gv, Ev, Iz: 17 bytes)"},
    {M64, INTEL, "66f3f2663e6726676536f366f0f0ea", GP, 0, NULL, -1, "", "CPU: #GP (JMP ptr16:32, invalid in 64-bit mode, still length-decoded)"},
    {M16, INTEL, "f067f364f3f0363ef0f26567c7c994", GP, 0, NULL, -1, "", "CPU: #GP (C7 /1 reg with imm16: 16 bytes)"},
    {M64, INTEL, "2e2e2e2e2e2e2ef0c5f8108000000000", GP, 0, NULL, -1, "", "CPU: #GP (LOCK before VEX: the VEX length is still decoded)"},
    {M64, INTEL, "2e2e2e2e2e2e2e48c5f8108000000000", UD, 0, NULL, XIE_UD_VEX_PREFIX, "", "CPU: #UD after C5 F8 (REX before VEX: no length decode)"},
    {M64, INTEL, "6766f02ef367f2f0f3263664c5b80c", UD, 0, NULL, XIE_UD_VEX_PREFIX, "", "CPU: #UD at 15 bytes (undefined VEX.0F 0C has no ModRM)"},
    {M64, INTEL, "36f264263e262e8f7a38aeabd0a3e8", GP, 0, NULL, -1, "", "CPU: #GP (XOP map 26 does not exist, still ModRM + disp32: 16 bytes)"},

    /* ---- REX placement */
    {M64, INTEL, "486601c0", OK, 4, "add", -1, "osz=2 rex=0 o0=gpr:0:2", "SDM 2.2.1: REX not immediately before the opcode is ignored; CPU len"},
    {M64, INTEL, "664801c0", OK, 4, "add", -1, "osz=8 rex=0x48 o0=gpr:0:8", "SDM 2.2.1.2: REX.W overrides 66"},
    {M64, INTEL, "4088e0", OK, 3, "mov", -1, "o0=gpr:0:1 o1=gpr:4:1", "SDM 2.2.1.2 Table 3-2: REX selects SPL"},
    {M64, INTEL, "88e0", OK, 2, "mov", -1, "o0=gpr:0:1 o1=gpr8h:4:1", "SDM: without REX reg 4 is AH"},
    {M64, INTEL, "4190", OK, 2, "xchg", -1, "o0=gpr:8:4", "SDM NOP/XCHG: 41 90 is xchg r8d, eax; CPU len"},
    {M64, INTEL, "90", OK, 1, "nop", -1, "", "SDM NOP"},
    {M64, INTEL, "f390", OK, 2, "pause", -1, "", "SDM PAUSE"},
    {M64, INTEL, "48b8efcdab8967452301", OK, 10, "mov", -1, "imm=0x123456789abcdef o0=gpr:0:8", "SDM MOV B8+r io"},
    {M64, INTEL, "41ff24c4", OK, 4, "jmp", -1, "osz=8 base0=12 idx0=0 scale0=3", "SDM JMP FF /4; 2.2.1.2 (REX.B on SIB base)"},

    /* ---- moffs in every mode (address-size offset) */
    {M16, INTEL, "a13412", OK, 3, "mov", -1, "disp=0x1234 o0=gpr:0:2 seg1=DS", "SDM MOV A1: moffs16"},
    {M16, INTEL, "67a178563412", OK, 6, "mov", -1, "disp=0x12345678 asz=4", "SDM MOV A1 with 67"},
    {M32, INTEL, "a178563412", OK, 5, "mov", -1, "disp=0x12345678 o0=gpr:0:4", "SDM MOV A1: moffs32; CPU"},
    {M32, INTEL, "67a13412", OK, 4, "mov", -1, "disp=0x1234 asz=2", "SDM MOV A1 with 67; CPU"},
    {M64, INTEL, "a1efcdab8967452301", OK, 9, "mov", -1, "disp=0x123456789abcdef asz=8", "SDM MOV A1: moffs64; CPU"},
    {M64, INTEL, "67a178563412", OK, 6, "mov", -1, "disp=0x12345678 asz=4", "SDM MOV A1 with 67 in 64-bit; CPU"},
    {M64, INTEL, "48a3efcdab8967452301", OK, 10, "mov", -1, "o1=gpr:0:8", "SDM MOV REX.W A3; CPU"},
    {M64, INTEL, "64a00000000000000000", OK, 10, "mov", -1, "seg1=FS", "SDM 3.3.7.1 Vol. 1: FS override applies in 64-bit"},

    /* ---- 16-bit addressing (SDM Table 2-1) */
    {M16, INTEL, "8b00", OK, 2, "mov", -1, "base1=3 idx1=6 seg1=DS", "SDM Table 2-1: [BX+SI]"},
    {M16, INTEL, "8b4610", OK, 3, "mov", -1, "base1=5 idx1=none disp=0x10 seg1=SS", "SDM Table 2-1: [BP+disp8], SS default"},
    {M16, INTEL, "8b063412", OK, 4, "mov", -1, "base1=none disp=0x1234 seg1=DS", "SDM Table 2-1: mod 00 rm 110 is disp16"},
    {M16, INTEL, "8b870010", OK, 4, "mov", -1, "base1=3 disp=0x1000", "SDM Table 2-1: [BX+disp16]"},
    {M16, INTEL, "8b43ff", OK, 3, "mov", -1, "base1=5 idx1=7 disp=-1 seg1=SS", "SDM Table 2-1: [BP+DI+disp8] sign-extended"},
    {M32, INTEL, "678b4610", OK, 4, "mov", -1, "asz=2 base1=5 seg1=SS", "SDM 2.1.1: 67 selects 16-bit addressing in 32-bit code; CPU"},
    {M16, INTEL, "678b0424", OK, 4, "mov", -1, "asz=4 base1=4 seg1=SS", "SDM Table 2-3: [ESP] with 67 in 16-bit code"},
    {M16, INTEL, "26 8b07", OK, 3, "mov", -1, "seg1=ES", "SDM 2.1.1: segment override"},

    /* ---- 32/64-bit ModRM, SIB, RIP-relative */
    {M64, INTEL, "8b0510000000", OK, 6, "mov", -1, "base1=rip disp=0x10 riprel", "SDM 2.2.1.6: RIP-relative"},
    {M64, INTEL, "678b0510000000", OK, 7, "mov", -1, "base1=rip asz=4 riprel", "SDM 2.2.1.6: 67 gives EIP-relative"},
    {M32, INTEL, "8b0510000000", OK, 6, "mov", -1, "base1=none disp=0x10", "SDM Table 2-2: disp32 without base in 32-bit"},
    {M64, INTEL, "8b042578563412", OK, 7, "mov", -1, "base1=none idx1=none disp=0x12345678", "SDM Table 2-3: SIB base 101 mod 00, index 100"},
    {M64, INTEL, "428b042578563412", OK, 8, "mov", -1, "base1=none idx1=12", "SDM 2.2.1.2: REX.X extends the SIB index (r12 is usable)"},
    {M64, INTEL, "8b442408", OK, 4, "mov", -1, "base1=4 disp=8 seg1=SS", "SDM 3.7.5 Vol. 1: RSP base -> SS"},
    {M64, INTEL, "418b4500", OK, 4, "mov", -1, "base1=13 disp=0", "SDM 2.2.1.2: r13 base needs mod 01"},
    {M64, INTEL, "418b0424", OK, 4, "mov", -1, "base1=12 idx1=none", "SDM 2.2.1.2: r12 base needs SIB"},
    {M64, INTEL, "8b04e5f0ffffff", OK, 7, "mov", -1, "base1=none idx1=none disp=-16", "SDM Table 2-3: no base, no index"},
    {M64, INTEL, "2e8b00", OK, 3, "mov", -1, "seg1=DS", "SDM 3.3.7.1 Vol. 1: CS override ignored in 64-bit mode"},
    {M64, INTEL, "643e488b042528000000", OK, 10, "mov", -1, "seg1=FS", "CPU (h4): a DS prefix after FS does not cancel FS in 64-bit mode"},
    {M32, INTEL, "643e8b00", OK, 4, "mov", -1, "seg1=DS", "SDM 2.1.1: outside 64-bit mode the last segment prefix wins"},
    {M64, INTEL, "66460f29e4", OK, 5, "movapd", -1, "o0=vec:4:16 o1=vec:12:16", "SDM 2.2.1.2: REX.X does not extend ModRM.rm (iced)"},
    {M64, INTEL, "c2d0d4", OK, 3, "ret", -1, "imm=-11056 size0=2", "SDM RET imm16"},
    {M32, INTEL, "2e8b00", OK, 3, "mov", -1, "seg1=CS", "SDM 2.1.1: CS override in 32-bit"},

    /* ---- operand size, d64/f64, vendor */
    {M64, INTEL, "66e900000000", OK, 6, "jmp", -1, "osz=8", "SDM JMP: 66 ignored on near branches in 64-bit (Intel); iced"},
    {M64, AMD, "66e90000", OK, 4, "jmp", -1, "osz=2", "APM Vol. 3 JMP: 66 gives a 16-bit offset on AMD; CPU len"},
    {M64, INTEL, "6650", OK, 2, "push", -1, "osz=2", "SDM PUSH: 66 gives a 16-bit push in 64-bit"},
    {M64, INTEL, "50", OK, 1, "push", -1, "osz=8", "SDM PUSH: d64"},
    {M64, INTEL, "6aff", OK, 2, "push", -1, "osz=8 imm=-1", "SDM PUSH imm8 sign-extended"},
    {M32, INTEL, "66ea34121234", OK, 6, "jmp", -1, "imm=0x1234 imm2=0x3412", "SDM JMP ptr16:16"},
    {M32, INTEL, "ea785634121234", OK, 7, "jmp", -1, "imm=0x12345678 imm2=0x3412", "SDM JMP ptr16:32; CPU"},
    {M64, INTEL, "ea785634121234", UD, 1, NULL, XIE_UD_MODE, "", "SDM JMP: far direct is invalid in 64-bit; CPU"},
    {M64, INTEL, "c8100001", OK, 4, "enter", -1, "imm=16 imm2=1", "SDM ENTER iw, ib"},
    {M64, INTEL, "06", UD, 1, NULL, XIE_UD_MODE, "", "SDM PUSH ES: i64; CPU"},
    {M64, INTEL, "d40a", UD, -1, NULL, XIE_UD_MODE, "", "SDM AAM: i64; CPU"},
    {M64, INTEL, "63c1", OK, 2, "movsxd", -1, "", "SDM MOVSXD (63 in 64-bit)"},
    {M32, INTEL, "63c1", OK, 2, "arpl", -1, "", "SDM ARPL (63 outside 64-bit)"},

    /* ---- LOCK */
    {M64, INTEL, "f00100", OK, 3, "add", -1, "lock", "SDM LOCK: ADD with memory destination"},
    {M64, INTEL, "f001c0", UD, -1, NULL, XIE_UD_LOCK, "", "SDM LOCK: register destination -> #UD; CPU"},
    {M64, INTEL, "f090", UD, -1, NULL, XIE_UD_LOCK, "", "SDM LOCK: NOP -> #UD; CPU"},
    {M64, INTEL, "f08b00", UD, -1, NULL, XIE_UD_LOCK, "", "SDM LOCK: MOV -> #UD; CPU"},
    {M64, INTEL, "f00fc708", OK, 4, "cmpxchg8b", -1, "", "SDM CMPXCHG8B"},
    {M64, INTEL, "480fc708", OK, 4, "cmpxchg16b", -1, "", "SDM CMPXCHG16B (REX.W)"},
    {M64, INTEL, "0fc7c8", UD, -1, NULL, XIE_UD_NEED_MEM, "", "SDM CMPXCHG8B: register form #UD; CPU"},

    /* ---- mandatory prefixes, fallback */
    {M64, INTEL, "0f28c1", OK, 3, "movaps", -1, "", "SDM MOVAPS NP 0F 28"},
    {M64, INTEL, "660f28c1", OK, 4, "movapd", -1, "", "SDM MOVAPD 66 0F 28"},
    {M64, INTEL, "66f20f38f1c0", OK, 6, "crc32", -1, "o1=gpr:0:2", "SDM CRC32 r32, r/m16 (66 is operand size)"},
    {M64, INTEL, "f30fbcc0", OK, 4, "tzcnt", -1, "", "SDM TZCNT"},
    {M64, NOBMI, "f30fbcc0", OK, 4, "bsf", -1, "", "SDM TZCNT: without BMI1 F3 0F BC executes as BSF"},
    {M64, INTEL, "f30f1efa", OK, 4, "endbr64", -1, "", "SDM ENDBR64"},

    /* ---- MOV CR/DR and segment registers */
    {M64, INTEL, "0f20c0", OK, 3, "mov", -1, "osz=8 o1=cr:0", "SDM MOV CR"},
    {M64, INTEL, "0f2000", OK, 3, "mov", -1, "o0=gpr:0:8 o1=cr:0", "SDM MOV CR: mod bits ignored; CPU len"},
    {M64, INTEL, "0f20c8", UD, -1, NULL, XIE_UD_REG, "", "SDM MOV CR: CR1 #UD"},
    {M64, INTEL, "440f20c0", OK, 4, "mov", -1, "o1=cr:8", "SDM MOV CR8 (REX.R)"},
    {M64, INTEL, "440f21c0", UD, -1, NULL, XIE_UD_REG, "", "SDM MOV DR: DR8 #UD"},
    {M32, INTEL, "0f22d8", OK, 3, "mov", -1, "osz=4 o0=cr:3", "SDM MOV CR3, r32"},
    {M64, INTEL, "8ec8", UD, -1, NULL, XIE_UD_REG, "", "SDM MOV: MOV to CS #UD; CPU"},
    {M64, INTEL, "8ef0", UD, -1, NULL, XIE_UD_REG, "", "SDM MOV: segment register 6 #UD; CPU"},
    {M64, INTEL, "8cc8", OK, 2, "mov", -1, "o1=seg:1", "SDM MOV r/m16, Sreg"},
    {M64, INTEL, "8ed8", OK, 2, "mov", -1, "o0=seg:3", "SDM MOV Sreg, r/m16"},

    /* ---- x87 and 3DNow! */
    {M64, INTEL, "d9e8", OK, 2, "fld1", -1, "", "SDM FLD1"},
    {M64, INTEL, "d9c1", OK, 2, "fld", -1, "o0=st:1", "SDM FLD ST(i)"},
    {M64, INTEL, "d900", OK, 2, "fld", -1, "size0=4", "SDM FLD m32fp"},
    {M64, INTEL, "dd4008", OK, 3, "fld", -1, "size0=8", "SDM FLD m64fp"},
    {M64, INTEL, "db28", OK, 2, "fld", -1, "size0=10", "SDM FLD m80fp"},
    {M64, INTEL, "dfe0", OK, 2, "fnstsw", -1, "", "SDM FSTSW AX"},
    {M64, AMD, "0f0fc19e", OK, 4, "pfadd", -1, "", "APM Vol. 3 3DNow! PFADD; CPU len (Zen 3 still decodes it: #UD is a feature question)"},
    {M64, AMD, "0f0f40109e", OK, 5, "pfadd", -1, "disp=0x10", "APM 3DNow!: the suffix follows the displacement"},
    {M64, INTEL, "0f0fc19e", UD, -1, NULL, XIE_UD_FEATURE, "", "SDM: no 3DNow! on Intel"},

    /* ---- VEX */
    {M64, INTEL, "c5f858c1", OK, 4, "vaddps", -1, "vl=0", "SDM VADDPS VEX.128"},
    {M64, INTEL, "c5fc58c1", OK, 4, "vaddps", -1, "vl=1 o0=vec:0:32", "SDM VADDPS VEX.256"},
    {M32, INTEL, "c5f858c1", OK, 4, "vaddps", -1, "", "SDM 2.3.5: C5 with mod 11 in 32-bit is VEX; CPU"},
    {M32, INTEL, "c50600000000", OK, 2, "lds", -1, "", "SDM 2.3.5: C5 with mod != 11 in 32-bit is LDS; CPU"},
    {M32, INTEL, "c40600000000", OK, 2, "les", -1, "", "SDM LES; CPU"},
    {M64, INTEL, "66c5f858c1", UD, -1, NULL, XIE_UD_VEX_PREFIX, "", "SDM 2.3.2: 66 before VEX #UD; CPU"},
    {M64, INTEL, "f3c5f858c1", UD, -1, NULL, XIE_UD_VEX_PREFIX, "", "SDM 2.3.2: F3 before VEX #UD"},
    {M64, INTEL, "40c5f858c1", UD, -1, NULL, XIE_UD_VEX_PREFIX, "", "SDM 2.3.2: REX before VEX #UD; CPU"},
    {M64, INTEL, "f0c5f858c1", UD, -1, NULL, XIE_UD_VEX_PREFIX, "", "SDM 2.3.2: LOCK before VEX #UD"},
    {M64, INTEL, "c5f010c1", UD, -1, NULL, XIE_UD_VEX_VVVV, "", "SDM 2.3.6: vvvv must be 1111b when unused (VMOVUPS); CPU"},
    {M64, INTEL, "c5fd6ec0", UD, -1, NULL, XIE_UD_VEX_L, "", "SDM VMOVD: VEX.L must be 0; CPU"},
    {M64, INTEL, "c4e07858c1", UD, -1, NULL, XIE_UD_OPCODE, "", "SDM 2.3.6.1: map 0 reserved"},
    {M64, INTEL, "2ec5f858c1", OK, 5, "vaddps", -1, "", "SDM 2.3.2: segment prefixes are allowed before VEX"},
    {M64, INTEL, "c5f877", OK, 3, "vzeroupper", -1, "", "SDM VZEROUPPER: no ModRM"},
    {M64, INTEL, "c4e2799004d0", UD, -1, NULL, XIE_UD_OPERANDS, "", "SDM VPGATHERDD: dest = mask #UD"},

    /* ---- EVEX */
    {M64, INTEL, "62f17c4858c2", OK, 6, "vaddps", -1, "vl=2 o0=vec:0:64", "SDM VADDPS EVEX.512"},
    {M64, INTEL, "62f17c485842 01", OK, 7, "vaddps", -1, "disp=64", "SDM 2.7.5: disp8*N, FV N=64"},
    {M64, INTEL, "62f17c585842 01", OK, 7, "vaddps", -1, "disp=4 bcst", "SDM 2.7.5: disp8*N with broadcast N=4"},
    {M64, INTEL, "62f17c1858c2", OK, 6, "vaddps", -1, "rc=0 vl=2 erc", "SDM 2.7.4: EVEX.b on reg-reg selects rounding, RN"},
    {M64, INTEL, "62f17c3858c2", OK, 6, "vaddps", -1, "rc=1 vl=2 erc", "SDM 2.7.4: L'L is the rounding mode (RD)"},
    {M64, INTEL, "62f17c6858c2", UD, -1, NULL, XIE_UD_VEX_L, "", "SDM 2.7.10: L'L = 11b reserved"},
    {M64, INTEL, "62f17cc858c2", UD, -1, NULL, XIE_UD_EVEX, "", "SDM 2.7.11 / iced: {z} without a mask #UD"},
    {M64, INTEL, "62f17cc958c2", OK, 6, "vaddps", -1, "mask=1 zero", "SDM 2.7.11: {k1}{z}"},
    {M64, INTEL, "62f97c4858c2", UD, -1, NULL, XIE_UD_EVEX, "", "SDM 2.7.1: EVEX P0 bit 3 must be 0; iced"},
    {M64, INTEL, "62f1784858c2", UD, -1, NULL, XIE_UD_EVEX, "", "SDM 2.7.1: EVEX P1 bit 2 must be 1; iced"},
    {M64, INTEL, "62f17cc91100", UD, -1, NULL, XIE_UD_EVEX, "", "SDM 2.7.11: zeroing with a memory destination #UD"},
    {M64, INTEL, "62f17c491100", OK, 6, "vmovups", -1, "mask=1", "SDM VMOVUPS store with merge masking"},
    {M32, INTEL, "620000", OK, 2, "bound", -1, "", "SDM BOUND: 62 with mod != 11 outside 64-bit; CPU"},
    {M32, INTEL, "62f17c4858c2", OK, 6, "vaddps", -1, "", "SDM 2.7.1: 62 with mod 11 in 32-bit is EVEX"},
    {M32, INTEL, "62f17c4058c2", UD, -1, NULL, XIE_UD_VEX_VVVV, "", "iced: EVEX.V' = 1 outside 64-bit #UD"},
    {M64, INTEL, "62f17c4058c2", OK, 6, "vaddps", -1, "o1=vec:16:64", "SDM 2.7.1: V' extends vvvv to zmm16"},
    {M64, INTEL, "62e17c4858c2", OK, 6, "vaddps", -1, "o0=vec:16:64", "SDM 2.7.1: R' extends ModRM.reg"},

    /* ---- XOP / POP */
    {M32, INTEL, "8f00", OK, 2, "pop", -1, "", "APM Vol. 4 1.1: 8F with map_select < 8 is POP Ev; CPU"},
    {M64, INTEL, "8fc0", OK, 2, "pop", -1, "o0=gpr:0:8", "SDM POP r/m64"},
    {M64, AMD, "8fe97880c1", OK, 5, "vfrczps", -1, "", "APM Vol. 4 VFRCZPS XOP.M9 80"},
    {M64, INTEL, "8fe97880c1", UD, -1, NULL, XIE_UD_FEATURE, "", "APM Vol. 4: XOP is AMD-only"},

    /* ---- misc */
    {M64, INTEL, "0f0b", OK, 2, "ud2", -1, "", "SDM UD2 (a valid encoding)"},
    {M64, INTEL, "0f04", UD, 2, NULL, XIE_UD_OPCODE, "", "SDM Table A-3: 0F 04 undefined; CPU"},
    {M64, INTEL, "cd80", OK, 2, "int", -1, "imm=0x80", "SDM INT imm8 (zero-extended)"},
    {M64, INTEL, "4883c0ff", OK, 4, "add", -1, "imm=-1 size1=8", "SDM ADD r/m64, imm8 sign-extended"},
    {M64, INTEL, "f2f00100", OK, 4, "add", -1, "xacq lock", "SDM Vol. 1 16.3.3: F2 with LOCK is XACQUIRE"},
    {M64, INTEL, "f3f00100", OK, 4, "add", -1, "xrel", "SDM Vol. 1 16.3.3: F3 with LOCK is XRELEASE"},
    {M64, INTEL, "f38900", OK, 3, "mov", -1, "xrel", "SDM Vol. 1 16.3.3: F3 on MOV to memory is XRELEASE"},
    {M64, INTEL, "f2e800000000", OK, 6, "call", -1, "bnd", "SDM Vol. 1 17.5.1: F2 on CALL is BND"},
    {M64, INTEL, "f20f8400000000", OK, 7, "je", -1, "bnd", "SDM Vol. 1 17.5.1: F2 on Jcc is BND"},
    {M64, INTEL, "3eff10", OK, 3, "call", -1, "notrack", "SDM Vol. 1 18.3.8: 3E on indirect CALL is NOTRACK"},
    {M64, INTEL, "f3a4", OK, 2, "movs", -1, "repuse base0=7 seg0=ES base1=6 seg1=DS", "SDM MOVS with REP"},
    {M64, INTEL, "64f3a4", OK, 3, "movs", -1, "seg0=ES seg1=FS", "SDM MOVS: DS:rSI may be overridden, ES:rDI not"},
};
/* clang-format on */

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

static size_t parse_hex(const char *s, uint8_t *b)
{
    size_t n = 0;
    while (*s) {
        if (*s == ' ') {
            s++;
            continue;
        }
        b[n++] = (uint8_t)(hexval(s[0]) * 16 + hexval(s[1]));
        s += 2;
    }
    return n;
}

static const char *const segnames[8] = {"ES", "CS", "SS", "DS", "FS", "GS", "?", "none"};
static const char *const kindnames[] = {"none", "gpr", "gpr8h", "seg", "cr",  "dr",
                                        "mmx",  "vec", "mask",  "st",  "bnd", "tmm",
                                        "mem",  "imm", "rel",   "far", "one"};

static long long num(const char *v)
{
    if (!strcmp(v, "none")) return XIE_REG_NONE;
    if (!strcmp(v, "rip")) return XIE_REG_RIP;
    return strtoll(v, NULL, 0);
}

/* Check one "key=value" (or flag) against *in; returns 0 or prints the failure. */
static int check(const struct xie_insn *in, const char *kv, char *why, size_t wsz)
{
    char key[32], val[64];
    const char *eq = strchr(kv, '=');
    long long got, want;
    int n = -1;
    if (eq) {
        snprintf(key, sizeof key, "%.*s", (int)(eq - kv), kv);
        snprintf(val, sizeof val, "%s", eq + 1);
    } else {
        snprintf(key, sizeof key, "%s", kv);
        val[0] = 0;
    }
    if (!eq) {
        int ok;
        if (!strcmp(key, "lock"))
            ok = (in->prefixes & XIE_PFX_LOCK) != 0;
        else if (!strcmp(key, "riprel"))
            ok = (in->info & XIE_INSN_RIPREL) != 0;
        else if (!strcmp(key, "bcst"))
            ok = (in->evex & XIE_EVEX_BCST) != 0;
        else if (!strcmp(key, "erc"))
            ok = (in->evex & XIE_EVEX_RC) != 0;
        else if (!strcmp(key, "zero"))
            ok = (in->evex & XIE_EVEX_Z) != 0;
        else if (!strcmp(key, "repuse"))
            ok = (in->prefixes & XIE_PFX_REPUSE) != 0;
        else if (!strcmp(key, "xacq"))
            ok = (in->prefixes & XIE_PFX_XACQ) != 0;
        else if (!strcmp(key, "xrel"))
            ok = (in->prefixes & XIE_PFX_XREL) != 0;
        else if (!strcmp(key, "bnd"))
            ok = (in->prefixes & XIE_PFX_BND) != 0;
        else if (!strcmp(key, "notrack"))
            ok = (in->prefixes & XIE_PFX_NOTRACK) != 0;
        else {
            snprintf(why, wsz, "unknown check %s", key);
            return 1;
        }
        if (!ok) snprintf(why, wsz, "%s not set", key);
        return !ok;
    }
    if (key[0] && key[strlen(key) - 1] >= '0' && key[strlen(key) - 1] <= '5' &&
        strncmp(key, "imm", 3) != 0) {
        n = key[strlen(key) - 1] - '0';
        key[strlen(key) - 1] = 0;
        if (n >= in->nops) {
            snprintf(why, wsz, "operand %d missing (nops %d)", n, in->nops);
            return 1;
        }
    }
    if (n >= 0 && !strcmp(key, "o")) {
        /* kind:reg[:size] */
        const struct xie_operand *o = &in->operands[n];
        char buf[64];
        char *c1, *c2;
        snprintf(buf, sizeof buf, "%s", val);
        c1 = strchr(buf, ':');
        if (c1) *c1++ = 0;
        c2 = c1 ? strchr(c1, ':') : NULL;
        if (c2) *c2++ = 0;
        if (o->kind >= sizeof kindnames / sizeof kindnames[0] || strcmp(kindnames[o->kind], buf) ||
            (c1 && o->reg != num(c1)) || (c2 && o->size != num(c2))) {
            snprintf(why, wsz, "o%d: want %s, got %s:%u:%u", n, val,
                     o->kind < 17 ? kindnames[o->kind] : "?", o->reg, o->size);
            return 1;
        }
        return 0;
    }
    if (n >= 0 && !strcmp(key, "seg")) {
        if (strcmp(segnames[in->operands[n].seg & 7], val)) {
            snprintf(why, wsz, "seg%d: want %s, got %s", n, val, segnames[in->operands[n].seg & 7]);
            return 1;
        }
        return 0;
    }
    want = num(val);
    if (n >= 0) {
        const struct xie_operand *o = &in->operands[n];
        if (!strcmp(key, "base"))
            got = o->base;
        else if (!strcmp(key, "idx"))
            got = o->index;
        else if (!strcmp(key, "scale"))
            got = o->scale;
        else if (!strcmp(key, "size"))
            got = o->size;
        else {
            snprintf(why, wsz, "unknown check %s%d", key, n);
            return 1;
        }
    } else if (!strcmp(key, "osz"))
        got = in->osz;
    else if (!strcmp(key, "asz"))
        got = in->asz;
    else if (!strcmp(key, "disp"))
        got = in->disp;
    else if (!strcmp(key, "imm"))
        got = in->imm;
    else if (!strcmp(key, "imm2"))
        got = in->imm2;
    else if (!strcmp(key, "rex"))
        got = in->rex;
    else if (!strcmp(key, "vl"))
        got = in->vl;
    else if (!strcmp(key, "rc"))
        got = in->rc;
    else if (!strcmp(key, "mask"))
        got = in->mask;
    else if (!strcmp(key, "nops"))
        got = in->nops;
    else {
        snprintf(why, wsz, "unknown check %s", key);
        return 1;
    }
    if (got != want) {
        snprintf(why, wsz, "%s: want %lld (%#llx), got %lld (%#llx)", kv, want,
                 (unsigned long long)want, got, (unsigned long long)got);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    int verbose = argc > 1 && !strcmp(argv[1], "-v");
    unsigned i, fails = 0, n = sizeof cases / sizeof cases[0];
    for (i = 0; i < n; i++) {
        const struct gcase *c = &cases[i];
        struct xie_cpu_model m;
        struct xie_insn in;
        uint8_t b[32];
        size_t len = parse_hex(c->hex, b), k;
        char why[160] = "";
        int st, bad = 0;
        xie_cpu_model_all(&m, c->cpu == AMD ? XIE_VENDOR_AMD : XIE_VENDOR_INTEL);
        if (c->cpu == NOBMI) xie_cpu_set(&m, XIE_FEAT_BMI1, 0);
        st = xie_decode(b, len, (enum xie_mode)c->mode, &m, &in);
        if (st != c->status) {
            snprintf(why, sizeof why, "status %d, want %d (ud: %s)", st, c->status,
                     xie_ud_reason_str(in.ud));
            bad = 1;
        } else if ((st == OK || (st == UD && c->len > 0)) && in.len != c->len) {
            snprintf(why, sizeof why, "len %u, want %d", in.len, c->len);
            bad = 1;
        } else if (st == OK && c->op && strcmp(xie_op_name(in.op), c->op)) {
            snprintf(why, sizeof why, "op %s, want %s", xie_op_name(in.op), c->op);
            bad = 1;
        } else if (st == UD && c->ud >= 0 && in.ud != c->ud) {
            snprintf(why, sizeof why, "ud %s, want %s", xie_ud_reason_str(in.ud),
                     xie_ud_reason_str((unsigned)c->ud));
            bad = 1;
        } else if (st == OK) {
            char buf[256], *tok, *save = NULL;
            snprintf(buf, sizeof buf, "%s", c->checks);
            for (tok = strtok_r(buf, " ", &save); tok && !bad; tok = strtok_r(NULL, " ", &save))
                bad = check(&in, tok, why, sizeof why);
        }
        /* With 16 bytes (the case padded with INT3) the answer must be the same:
         * this is what xie_decode's fast path (src/decode_fast.c) sees. */
        if (!bad && (st == OK || st == UD) && len < 16) {
            uint8_t p[16];
            struct xie_insn t;
            int s2;
            memset(p, 0xcc, sizeof p);
            memcpy(p, b, len);
            s2 = xie_decode(p, sizeof p, (enum xie_mode)c->mode, &m, &t);
            if (s2 != st || t.len != in.len || t.ud != in.ud) {
                snprintf(why, sizeof why, "padded to 16 bytes: status %d len %u ud %u", s2, t.len,
                         t.ud);
                bad = 1;
            } else if (st == OK &&
                       (t.op != in.op || t.form != in.form || t.nops != in.nops ||
                        t.osz != in.osz || t.asz != in.asz || t.prefixes != in.prefixes ||
                        t.info != in.info || t.disp != in.disp || t.imm != in.imm ||
                        t.rex != in.rex ||
                        memcmp(t.operands, in.operands, in.nops * sizeof in.operands[0]) != 0)) {
                snprintf(why, sizeof why, "padded to 16 bytes: other fields differ");
                bad = 1;
            }
        }
        /* A shorter buffer must give MORE, never read past it (ASan/valgrind catch it). */
        if (!bad && st == OK) {
            for (k = 0; k < in.len && !bad; k++) {
                struct xie_insn t;
                int s2 = xie_decode(b, k, (enum xie_mode)c->mode, &m, &t);
                if (s2 != MORE) {
                    snprintf(why, sizeof why, "prefix of %zu bytes: status %d, want MORE", k, s2);
                    bad = 1;
                }
            }
        }
        if (bad) {
            fails++;
            printf("FAIL %-3u m%d %s: %s   [%s]\n", i,
                   c->mode == M16   ? 16
                   : c->mode == M32 ? 32
                                    : 64,
                   c->hex, why, c->src);
        } else if (verbose) {
            printf("ok   %-3u %s\n", i, c->hex);
        }
    }
    printf("golden: %u cases, %u failed\n", n, fails);
    return fails != 0;
}
