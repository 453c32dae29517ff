/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Native side of the hardware differential tests: runs one instruction on this
 * CPU, in 64-bit mode, 32-bit compatibility mode or 16-bit protected mode, in a
 * forked, seccomp-confined child process, and captures the final state.
 *
 * Address space shared by the test process and the child (all below 2 GiB so
 * that 32- and 16-bit code reach it):
 *   HW_CODE   64 KiB of code (RWX, MAP_SHARED), filled with INT3 (0xCC): the
 *             instruction under test is written at some offset; wherever it
 *             goes next it meets an INT3 (or faults on fetch), which ends the run
 *             and tells how far it went.
 *   HW_WORLD  HW_WORLD_SIZE bytes of data (RW, MAP_SHARED), unmapped around it.
 * 16-bit mode: CS is an LDT 16-bit code segment with base HW_CODE; DS, ES and SS
 * are 16-bit expand-up data segments (limit 0xffff) with the bases below; FS and
 * GS hold the null selector. 32-bit mode: CS 0x23, DS = ES = SS = 0x2b (flat).
 * 64-bit mode: DS = ES = 0x2b, GS base HW_GS64_BASE (null selector).
 */
#ifndef HWDIFF_NATIVE_H
#define HWDIFF_NATIVE_H

#include <stdint.h>

#define HW_CODE       0x10000000u
#define HW_CODE_SIZE  0x10000u
#define HW_WORLD      0x20000000u
#define HW_WORLD_SIZE 0x18000u
#define HW_DS16_BASE  (HW_WORLD + 0x0000u)
#define HW_ES16_BASE  (HW_WORLD + 0x4000u)
#define HW_SS16_BASE  (HW_WORLD + 0x8000u)

/* GS base in 64-bit mode (FS is glibc's): GS-relative offsets around
 * HW_WORLD - HW_GS64_BASE reach the world. */
#define HW_GS64_BASE 0x08000000u

/* LDT selectors (TI = 1, RPL = 3) used in 16-bit mode. */
#define HW_SEL_CS16 0x07u
#define HW_SEL_DS16 0x0fu
#define HW_SEL_ES16 0x17u
#define HW_SEL_SS16 0x1fu
/* Linux's flat user selectors. */
#define HW_SEL_CS32 0x23u
#define HW_SEL_DS   0x2bu
#define HW_SEL_CS64 0x33u

enum hw_mode { HW_M16 = 0, HW_M32 = 1, HW_M64 = 2 };

/* Register state: GPRs in encoding order (RAX RCX RDX RBX RSP RBP RSI RDI R8..R15). */
struct hw_state {
    uint64_t gpr[16];
    uint64_t rip; /* offset in CS (= linear address in 32/64-bit modes) */
    uint64_t rflags;
    uint16_t ss; /* SS selector; 0: the mode's default (HW_SEL_SS16 in 16-bit mode,
                    HW_SEL_DS otherwise) */
};

struct hw_result {
    struct hw_state s; /* final registers (on an exception: at the fault) */
    int exc;           /* -1: completed; else the exception vector (1: the single-step
                          trap after the instruction when TF was set) */
    int timeout;       /* 1: the child did not answer in time and was restarted */
    int signo;         /* signal that ended the run (SIGTRAP for normal end) */
    uint16_t sreg[6];  /* segment selectors at the end: ES CS SS DS FS GS */
    uint32_t err;      /* exception error code */
    uint64_t addr;     /* si_addr (CR2 for #PF) */
};

/* Map the shared areas, set up the LDT and start the child. 0 on success. */
int hw_init(void);

/* Fill the code area with INT3 again (after tests wrote instructions into it). */
void hw_code_reset(void);

/*
 * Run the instruction at CS:in->rip (the caller wrote it into HW_CODE + rip)
 * with the state *in and the world memory as the caller left it. The world
 * holds the final memory afterwards. A run that ends in a fetch fault at an
 * address other than the instruction (a branch went outside the code area) is
 * reported as completed with s.rip the branch target.
 */
void hw_run(enum hw_mode mode, const struct hw_state *in, struct hw_result *out);

/* Number of times the child had to be restarted. */
unsigned hw_restarts(void);

#endif
