/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Protection checks of the access layer, one case per rule, each with the SDM
 * section it comes from: the exception vector and error code must be exactly
 * the CPU's, and a faulting instruction must not touch memory at all.
 *   prot_test     prints one line per case and "N passed, M failed"
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "xie/emu.h"

static uint8_t mem[0x20000];
static unsigned accesses;

static int cb_read(void *u, uint64_t a, void *buf, unsigned n)
{
    (void)u;
    accesses++;
    if (a + n > sizeof(mem)) return XIE_CB_FAIL;
    memcpy(buf, mem + a, n);
    return XIE_CB_OK;
}

static int cb_write(void *u, uint64_t a, const void *buf, unsigned n)
{
    (void)u;
    accesses++;
    if (a + n > sizeof(mem)) return XIE_CB_FAIL;
    memcpy(mem + a, buf, n);
    return XIE_CB_OK;
}

static const struct xie_ops ops = {.read = cb_read, .write = cb_write};

static int passed, failed;

/* Data segment attributes (VMX access-rights layout): present, S, DPL 3. */
#define DATA_RW  (XIE_SATTR_P | XIE_SATTR_S | 0x60u | 0x3u)
#define DATA_RO  (XIE_SATTR_P | XIE_SATTR_S | 0x60u | 0x1u)
#define DATA_RWD (XIE_SATTR_P | XIE_SATTR_S | 0x60u | 0x7u) /* expand-down, writable */
#define CODE_XO  (XIE_SATTR_P | XIE_SATTR_S | 0x60u | 0x9u) /* execute-only */
#define CODE_XR  (XIE_SATTR_P | XIE_SATTR_S | 0x60u | 0xbu) /* execute/read */

static void prot32(struct xie_ctx *c)
{
    xie_ctx_init(c, XIE_INIT_PROT32, &ops, NULL);
    c->rip = 0x100;
    c->rflags = 0x202;
}

static void seg(struct xie_ctx *c, unsigned s, uint32_t limit, uint32_t attr)
{
    c->seg[s].base = 0x8000;
    c->seg[s].limit = limit;
    c->seg[s].attr = attr | XIE_SATTR_DB;
}

/* Emulate `bytes`; expect vector (or -1 for success) with error code 0 and,
 * on a fault, no memory access at all. */
static void check(const char *rule, const char *sdm, struct xie_ctx *c, const uint8_t *b,
                  unsigned n, int vector)
{
    struct xie_result r;
    int st, ok;

    accesses = 0;
    st = xie_emulate(c, b, n, &r);
    if (vector < 0)
        ok = st == XIE_OK;
    else
        ok = st == XIE_EXCEPTION && r.event.vector == vector && r.event.has_error &&
             r.event.error_code == 0 && accesses == 0;
    printf("%-58s %-14s %s (%s", rule, sdm, ok ? "ok" : "FAIL", xie_strerror(st));
    if (st == XIE_EXCEPTION) printf(" vector %u err %u", r.event.vector, r.event.error_code);
    printf(", %u accesses)\n", accesses);
    if (ok)
        passed++;
    else
        failed++;
}

int main(void)
{
    static const uint8_t ld_eax_rbx[] = {0x8b, 0x03};           /* mov eax, [ebx] */
    static const uint8_t st_rbx_eax[] = {0x89, 0x03};           /* mov [ebx], eax */
    static const uint8_t ld_cs[] = {0x2e, 0x8b, 0x03};          /* mov eax, cs:[ebx] */
    static const uint8_t st_cs[] = {0x2e, 0x89, 0x03};          /* mov cs:[ebx], eax */
    static const uint8_t ld_ebp[] = {0x8b, 0x45, 0x00};         /* mov eax, [ebp+0] */
    static const uint8_t push_eax[] = {0x50};                   /* push eax */
    static const uint8_t ld64_rax[] = {0x48, 0x8b, 0x00};       /* mov rax, [rax] */
    static const uint8_t ld64_rsp[] = {0x48, 0x8b, 0x04, 0x24}; /* mov rax, [rsp] */
    static const uint8_t ld64_rbp[] = {0x48, 0x8b, 0x45, 0x00}; /* mov rax, [rbp+0] */
    static const uint8_t ld64_fs[] = {0x64, 0x48, 0x8b, 0x00};  /* mov rax, fs:[rax] */
    static const uint8_t mov_ds_ax[] = {0x8e, 0xd8};            /* mov ds, ax */
    static const uint8_t ld_al_rbx[] = {0x8a, 0x03};            /* mov al, [ebx] */
    static const uint8_t cx16_rax[] = {0x48, 0x0f, 0xc7, 0x08}; /* cmpxchg16b [rax] */
    struct xie_ctx c;

    /* Expand-up limit: the last byte accessed must be within the limit. */
    prot32(&c);
    seg(&c, XIE_SEG_DS, 0xfff, DATA_RW);
    c.gpr[XIE_GPR_RBX] = 0xffc;
    check("expand-up: last byte at the limit", "Vol3 5.3", &c, ld_eax_rbx, 2, -1);
    prot32(&c);
    seg(&c, XIE_SEG_DS, 0xfff, DATA_RW);
    c.gpr[XIE_GPR_RBX] = 0xffd;
    check("expand-up: one byte past the limit -> #GP(0)", "Vol3 5.3", &c, ld_eax_rbx, 2, 13);

    /* Expand-down: valid offsets are limit+1 .. 0xffffffff (B=1) or 0xffff (B=0). */
    prot32(&c);
    seg(&c, XIE_SEG_DS, 0xfff, DATA_RWD);
    c.gpr[XIE_GPR_RBX] = 0x1000;
    check("expand-down: first valid offset limit+1", "Vol3 5.3", &c, ld_eax_rbx, 2, -1);
    prot32(&c);
    seg(&c, XIE_SEG_DS, 0xfff, DATA_RWD);
    c.gpr[XIE_GPR_RBX] = 0xfff;
    check("expand-down: offset at the limit -> #GP(0)", "Vol3 5.3", &c, ld_eax_rbx, 2, 13);
    prot32(&c);
    seg(&c, XIE_SEG_DS, 0xfff, DATA_RWD);
    c.seg[XIE_SEG_DS].attr &= ~XIE_SATTR_DB;
    c.gpr[XIE_GPR_RBX] = 0xfffe;
    check("expand-down B=0: past 0xffff -> #GP(0)", "Vol3 5.3", &c, ld_eax_rbx, 2, 13);

    /* Types: no writes to read-only data or to code; no reads of execute-only code. */
    prot32(&c);
    seg(&c, XIE_SEG_DS, 0xffff, DATA_RO);
    c.gpr[XIE_GPR_RBX] = 0x10;
    check("write to a read-only data segment -> #GP(0)", "Vol3 5.5", &c, st_rbx_eax, 2, 13);
    prot32(&c);
    seg(&c, XIE_SEG_CS, 0xffff, CODE_XO);
    c.gpr[XIE_GPR_RBX] = 0x10;
    check("read through an execute-only CS -> #GP(0)", "Vol3 5.5", &c, ld_cs, 3, 13);
    prot32(&c);
    seg(&c, XIE_SEG_CS, 0xffff, CODE_XR);
    c.gpr[XIE_GPR_RBX] = 0x10;
    check("read through an execute/read CS", "Vol3 5.5", &c, ld_cs, 3, -1);
    prot32(&c);
    seg(&c, XIE_SEG_CS, 0xffff, CODE_XR);
    c.gpr[XIE_GPR_RBX] = 0x10;
    check("write through a code segment -> #GP(0)", "Vol3 5.5", &c, st_cs, 3, 13);

    /* Null (unusable) data segment register. */
    prot32(&c);
    c.seg[XIE_SEG_DS].attr = XIE_SATTR_UNUSABLE;
    c.seg[XIE_SEG_DS].sel = 0;
    check("access through a null DS -> #GP(0)", "Vol3 5.4.1", &c, ld_eax_rbx, 2, 13);

    /* Stack-segment references fault with #SS, not #GP. */
    prot32(&c);
    seg(&c, XIE_SEG_SS, 0xfff, DATA_RW);
    c.gpr[XIE_GPR_RBP] = 0x2000;
    check("[ebp] beyond the SS limit -> #SS(0)", "Vol3 6.15 #SS", &c, ld_ebp, 3, 12);
    prot32(&c);
    seg(&c, XIE_SEG_SS, 0xfff, DATA_RW);
    c.gpr[XIE_GPR_RSP] = 0x1002;
    check("push beyond the SS limit -> #SS(0)", "Vol3 6.15 #SS", &c, push_eax, 1, 12);

    /* 64-bit mode: canonical addresses; #SS when the base is RSP or RBP. */
    xie_ctx_init(&c, XIE_INIT_LONG64, &ops, NULL);
    c.gpr[XIE_GPR_RAX] = 0x0000800000000000ull;
    check("64-bit: non-canonical [rax] -> #GP(0)", "Vol1 3.3.7.1", &c, ld64_rax, 3, 13);
    xie_ctx_init(&c, XIE_INIT_LONG64, &ops, NULL);
    c.gpr[XIE_GPR_RSP] = 0xffff7fffffffff00ull;
    check("64-bit: non-canonical [rsp] -> #SS(0)", "Vol1 3.3.7.1", &c, ld64_rsp, 4, 12);
    xie_ctx_init(&c, XIE_INIT_LONG64, &ops, NULL);
    c.gpr[XIE_GPR_RBP] = 0x0001000000000000ull;
    check("64-bit: non-canonical [rbp] -> #SS(0)", "Vol1 3.3.7.1", &c, ld64_rbp, 4, 12);
    xie_ctx_init(&c, XIE_INIT_LONG64, &ops, NULL);
    c.gpr[XIE_GPR_RAX] = 0x100;
    c.seg[XIE_SEG_FS].base = 0x00007fffffffff80ull;
    check("64-bit: FS base + offset leaves canonical -> #GP(0)", "Vol1 3.3.7.1", &c, ld64_fs, 4,
          13);
    xie_ctx_init(&c, XIE_INIT_LONG64, &ops, NULL);
    c.gpr[XIE_GPR_RAX] = 0x100;
    c.seg[XIE_SEG_DS].limit = 0x10;
    check("64-bit: DS limit is not checked", "Vol3 5.3.1", &c, ld64_rax, 3, -1);

    /* Granularity: a descriptor with G = 1 scales its limit to 4 KiB units,
     * (limit << 12) | 0xfff (Vol3 3.4.5); the segment is loaded from a GDT in
     * memory by MOV DS, AX, then used by the next instruction. */
    prot32(&c);
    c.gdtr.base = 0x10000;
    c.gdtr.limit = 0xff;
    /* GDT entry 2 (selector 0x13 with RPL 3): base 0x8000, limit 1, G = 1, B = 1,
     * DPL 3 read/write data. */
    memcpy(mem + 0x10010, "\x01\x00\x00\x80\x00\xf3\xc0\x00", 8);
    c.gpr[XIE_GPR_RAX] = 0x13;
    check("G=1 descriptor load (MOV DS, AX)", "Vol3 3.4.5", &c, mov_ds_ax, 2, -1);
    c.gpr[XIE_GPR_RBX] = 0x1ffc;
    check("G=1: last byte at (1 << 12) | 0xfff", "Vol3 3.4.5", &c, ld_eax_rbx, 2, -1);
    c.gpr[XIE_GPR_RBX] = 0x1ffd;
    check("G=1: one byte past the scaled limit -> #GP(0)", "Vol3 3.4.5", &c, ld_eax_rbx, 2, 13);
    prot32(&c);
    c.gdtr.base = 0x10000;
    c.gdtr.limit = 0xff;
    memcpy(mem + 0x10010, "\x01\x10\x00\x80\x00\xf3\x40\x00", 8); /* G = 0, limit 0x1001 */
    c.gpr[XIE_GPR_RAX] = 0x13;
    check("G=0 descriptor load (MOV DS, AX)", "Vol3 3.4.5", &c, mov_ds_ax, 2, -1);
    c.gpr[XIE_GPR_RBX] = 0xffe;
    check("G=0: byte-granular limit 0x1001, last byte at it", "Vol3 3.4.5", &c, ld_eax_rbx, 2, -1);
    c.gpr[XIE_GPR_RBX] = 0xfff;
    check("G=0: one byte past it -> #GP(0)", "Vol3 3.4.5", &c, ld_eax_rbx, 2, 13);

    /* Aligned forms: CMPXCHG16B needs a 16-byte aligned operand (#GP(0) even
     * without LOCK; Vol2 CMPXCHG8B/CMPXCHG16B, "Protected Mode Exceptions"). */
    xie_ctx_init(&c, XIE_INIT_LONG64, &ops, NULL);
    c.gpr[XIE_GPR_RAX] = 0x1008;
    check("64-bit: CMPXCHG16B [rax] misaligned -> #GP(0)", "Vol2 CMPXCHG16B", &c, cx16_rax, 4, 13);

    /* Alignment check: CR0.AM, EFLAGS.AC and CPL 3 together; the unit is the
     * operand size (Vol3 6.15 "Interrupt 17", Table 6-7). */
    prot32(&c);
    c.rflags |= 0x40000;
    c.gpr[XIE_GPR_RBX] = 0x102;
    check("AM+AC+CPL3: dword at 2 mod 4 -> #AC(0)", "Vol3 6.15 #AC", &c, ld_eax_rbx, 2, 17);
    prot32(&c);
    c.rflags |= 0x40000;
    c.gpr[XIE_GPR_RBX] = 0x104;
    check("AM+AC+CPL3: aligned dword", "Vol3 6.15 #AC", &c, ld_eax_rbx, 2, -1);
    prot32(&c);
    c.rflags |= 0x40000;
    c.gpr[XIE_GPR_RBX] = 0x101;
    check("AM+AC+CPL3: byte access never checked", "Vol3 6.15 #AC", &c, ld_al_rbx, 2, -1);
    prot32(&c);
    c.rflags |= 0x40000;
    c.gpr[XIE_GPR_RSP] = 0x1002;
    check("AM+AC+CPL3: push to a misaligned ESP -> #AC(0)", "Vol3 6.15 #AC", &c, push_eax, 1, 17);
    prot32(&c);
    c.rflags |= 0x40000;
    c.cpl = 0;
    c.gpr[XIE_GPR_RBX] = 0x102;
    check("AC at CPL 0: no check", "Vol3 6.15 #AC", &c, ld_eax_rbx, 2, -1);
    prot32(&c);
    c.rflags |= 0x40000;
    c.cr0 &= ~0x40000ull;
    c.gpr[XIE_GPR_RBX] = 0x102;
    check("AC without CR0.AM: no check", "Vol3 6.15 #AC", &c, ld_eax_rbx, 2, -1);
    prot32(&c);
    c.gpr[XIE_GPR_RBX] = 0x102;
    check("CR0.AM without EFLAGS.AC: no check", "Vol3 6.15 #AC", &c, ld_eax_rbx, 2, -1);
    prot32(&c);
    c.rflags |= 0x40000;
    seg(&c, XIE_SEG_DS, 0xfff, DATA_RW);
    c.gpr[XIE_GPR_RBX] = 0xffe;
    check("misaligned and past the limit: #GP(0) first", "this CPU", &c, ld_eax_rbx, 2, 13);

    printf("prot: %d passed, %d failed\n", passed, failed);
    return failed != 0;
}
