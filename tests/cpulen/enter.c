/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Entry into the bytes under test, for the CPU length oracle (cpulen.c).
 * x86-64 assembly at file scope (no ASM language needed in CMake).
 * Works on the global struct cpulen_ctx cpulen_ctx (layout below, must match
 * cpulen.c):
 *   0 rsp, 8 rbx, 16 rbp, 24 r12, 32 r13, 40 r14, 48 r15,
 *   56 target (u64), 64 far pointer (u32 offset, u16 selector), 72 mode (u32),
 *   80 poison (u64)
 *
 * void cpulen_enter(void)
 *   Saves the callee-saved registers and the stack pointer, clears the
 *   arithmetic flags and DF, loads every general register (RSP included) with
 *   the poison value (an address with nothing mapped around it) and jumps to
 *   target: a near jump in 64-bit mode, or (mode 32 or 16) a far jump through
 *   the far pointer (selector 0x23, Linux's 32-bit user code segment, or a
 *   16-bit LDT code segment) after loading DS and ES with 0x2b, so that the
 *   bytes run in compatibility mode or 16-bit protected mode. It
 *   "returns" only when the signal handler calls cpulen_resume().
 * void cpulen_resume(void)
 *   Restores what cpulen_enter saved and returns from cpulen_enter. Uses no
 *   memory but cpulen_ctx and the restored stack (no TLS: FS may be broken).
 */

#if !defined(__x86_64__)
#error "the CPU length oracle runs on x86-64 Linux only"
#endif

__asm__(
    /* Every general register, RSP and RDI included, gets the poison value. */
    ".macro POISON\n"
    "    mov 80(%rdi), %rax\n"
    "    mov %rax, %rbx\n"
    "    mov %rax, %rcx\n"
    "    mov %rax, %rdx\n"
    "    mov %rax, %rsi\n"
    "    mov %rax, %rbp\n"
    "    mov %rax, %rsp\n"
    "    mov %rax, %r8\n"
    "    mov %rax, %r9\n"
    "    mov %rax, %r10\n"
    "    mov %rax, %r11\n"
    "    mov %rax, %r12\n"
    "    mov %rax, %r13\n"
    "    mov %rax, %r14\n"
    "    mov %rax, %r15\n"
    "    mov %rax, %rdi\n"
    ".endm\n"
    "\n"
    "    .text\n"
    "    .globl cpulen_enter\n"
    "    .type cpulen_enter, @function\n"
    "cpulen_enter:\n"
    "    lea cpulen_ctx(%rip), %rdi\n"
    "    mov %rsp, 0(%rdi)\n"
    "    mov %rbx, 8(%rdi)\n"
    "    mov %rbp, 16(%rdi)\n"
    "    mov %r12, 24(%rdi)\n"
    "    mov %r13, 32(%rdi)\n"
    "    mov %r14, 40(%rdi)\n"
    "    mov %r15, 48(%rdi)\n"
    "    pushq $2\n"
    "    popfq\n"
    "    cmpl $64, 72(%rdi)\n"
    "    je 1f\n"
    "    mov $0x2b, %eax\n"
    "    mov %eax, %ds\n"
    "    mov %eax, %es\n"
    "    POISON\n"
    "    ljmpl *cpulen_ctx+64(%rip)\n"
    "1:\n"
    "    POISON\n"
    "    jmp *cpulen_ctx+56(%rip)\n"
    "    .size cpulen_enter, .-cpulen_enter\n"
    "\n"
    "    .globl cpulen_resume\n"
    "    .type cpulen_resume, @function\n"
    "cpulen_resume:\n"
    "    lea cpulen_ctx(%rip), %rdi\n"
    "    mov 0(%rdi), %rsp\n"
    "    mov 8(%rdi), %rbx\n"
    "    mov 16(%rdi), %rbp\n"
    "    mov 24(%rdi), %r12\n"
    "    mov 32(%rdi), %r13\n"
    "    mov 40(%rdi), %r14\n"
    "    mov 48(%rdi), %r15\n"
    "    ret\n"
    "    .size cpulen_resume, .-cpulen_resume\n");
