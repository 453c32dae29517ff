/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Self-test of the native runner (native.c): a few instructions whose results
 * follow directly from the SDM, in each mode, to show that states go in and
 * come out intact, segment bases are the documented ones, faults are reported
 * with the right vector, endless loops time out, a system call fails with
 * EPERM under the seccomp filter, and the child keeps working after STD.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "native.h"

static unsigned g_fail, g_pass;

static void check(int ok, const char *what, int mode)
{
    if (ok) {
        g_pass++;
    } else {
        g_fail++;
        printf("FAIL (mode %d): %s\n", mode, what);
    }
}

static void put(enum hw_mode m, struct hw_state *s, const uint8_t *code, unsigned n)
{
    uint64_t base = m == HW_M16 ? HW_CODE : 0;
    hw_code_reset();
    memcpy((void *)(uintptr_t)(base + s->rip), code, n);
}

int main(void)
{
    struct hw_state s;
    struct hw_result r;
    int m;
    if (hw_init()) {
        perror("hw_init");
        return 1;
    }
    for (m = HW_M16; m <= HW_M64; m++) {
        uint8_t *w = (uint8_t *)(uintptr_t)HW_WORLD;
        static const uint8_t add[] = {0x01, 0xc8};  /* add eAX, eCX */
        static const uint8_t pushax[] = {0x50};     /* push rAX */
        static const uint8_t jmp[] = {0xeb, 0x10};  /* jmp +0x10 */
        static const uint8_t div[] = {0xf7, 0xf3};  /* div eBX */
        uint8_t ldbx[] = {0x8b, 0x03};              /* mov eAX, [eBX]; 16-bit: modrm 07 is [bx] */
        static const uint8_t self[] = {0xeb, 0xfe}; /* jmp $ */
        static const uint8_t std[] = {0xfd};        /* std */
        static const uint8_t sys[] = {0x0f, 0x05};  /* syscall */
        uint64_t sp;
        if (m == HW_M16) ldbx[1] = 0x07;
        sp = m == HW_M16 ? 0x1000 : HW_WORLD + 0x1000;
        memset(&s, 0, sizeof s);
        s.rip = (m == HW_M16 ? 0 : HW_CODE) + 0x8000;
        s.gpr[0] = 0xfffffffe;
        s.gpr[1] = 3;
        s.gpr[4] = sp;
        put(m, &s, add, sizeof add);
        hw_run(m, &s, &r);
        if (m == HW_M16)
            check(r.exc < 0 && (r.s.gpr[0] & 0xffffffff) == 0xffff0001 && (r.s.rflags & 1) &&
                      r.s.rip == s.rip + 2,
                  "add ax,cx", m);
        else
            check(r.exc < 0 && (r.s.gpr[0] & 0xffffffff) == 1 && (r.s.rflags & 1) &&
                      r.s.rip == s.rip + 2,
                  "add eax,ecx", m);

        s.gpr[0] = 0x1122334455667788ull;
        put(m, &s, pushax, sizeof pushax);
        hw_run(m, &s, &r);
        {
            unsigned sz = m == HW_M16 ? 2 : m == HW_M32 ? 4 : 8;
            uint8_t *slot =
                m == HW_M16 ? w + (HW_SS16_BASE - HW_WORLD) + 0x1000 - 2 : w + 0x1000 - sz;
            check(r.exc < 0 && (r.s.gpr[4] & 0xffffffff) == ((sp - sz) & 0xffffffff) &&
                      !memcmp(slot, &s.gpr[0], sz),
                  "push: stack pointer and memory (SS base)", m);
        }

        put(m, &s, jmp, sizeof jmp);
        hw_run(m, &s, &r);
        check(r.exc < 0 && r.s.rip == s.rip + 0x12, "jmp rel8 target", m);

        s.gpr[3] = 0;
        put(m, &s, div, sizeof div);
        hw_run(m, &s, &r);
        check(r.exc == 0 && r.s.rip == s.rip, "div by zero: #DE at the instruction", m);

        /* Load through [eBX]: 16-bit uses DS (base HW_DS16_BASE). */
        memcpy(w + 0x2ff0, "\x78\x56\x34\x12", 4);
        s.gpr[3] = m == HW_M16 ? 0x2ff0 : HW_WORLD + 0x2ff0;
        s.gpr[0] = 0;
        put(m, &s, ldbx, sizeof ldbx);
        hw_run(m, &s, &r);
        check(r.exc < 0 && (r.s.gpr[0] & (m == HW_M16 ? 0xffff : 0xffffffff)) ==
                               (m == HW_M16 ? 0x5678u : 0x12345678u),
              "load through DS", m);

        /* An unmapped address: #PF (16-bit: offset 0xffff word crosses the limit: #GP). */
        s.gpr[3] = m == HW_M16 ? 0xffff : 0x30000000;
        hw_run(m, &s, &r);
        check(r.exc == (m == HW_M16 ? 13 : 14), "fault vector for a bad load", m);

        put(m, &s, self, sizeof self);
        hw_run(m, &s, &r);
        check(r.timeout == 1, "endless loop times out", m);

        put(m, &s, std, sizeof std);
        hw_run(m, &s, &r);
        check(r.exc < 0 && (r.s.rflags & 0x400), "std sets DF", m);
        put(m, &s, add, sizeof add);
        hw_run(m, &s, &r);
        check(r.exc < 0 && !(r.s.rflags & 0x400), "next run starts with DF clear", m);

        if (m == HW_M64) {
            s.gpr[0] = 39; /* getpid */
            put(m, &s, sys, sizeof sys);
            hw_run(m, &s, &r);
            check(r.exc < 0 && r.s.gpr[0] == (uint64_t)-1, "syscall fails with EPERM", m);
        }
    }
    printf("hwdiff native self-test: %u passed, %u failed (%u child restarts)\n", g_pass, g_fail,
           hw_restarts());
    return g_fail ? 1 : 0;
}
