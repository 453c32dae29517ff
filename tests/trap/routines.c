/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ordinary C routines that the trap test runs twice: on ordinary memory and on
 * memory behind the trap adapter. This file is compiled with
 * -mgeneral-regs-only -fno-builtin -fno-tree-loop-distribute-patterns so the
 * compiler emits general-purpose integer code only (no SSE copies, no calls to
 * libc's vectorised memcpy), i.e. the instructions xie emulates.
 */
#include <stddef.h>
#include <stdint.h>

#include "routines.h"

/* Iterative quicksort with an insertion-sort tail (no recursion, explicit stack). */
void r_sort_u32(uint32_t *a, long n)
{
    long lo_stack[64], hi_stack[64];
    int sp = 0;

    lo_stack[sp] = 0;
    hi_stack[sp++] = n - 1;
    while (sp) {
        long lo = lo_stack[--sp], hi = hi_stack[sp];
        while (hi - lo > 12) {
            uint32_t pivot = a[lo + (hi - lo) / 2];
            long i = lo, j = hi;
            while (i <= j) {
                while (a[i] < pivot)
                    i++;
                while (a[j] > pivot)
                    j--;
                if (i <= j) {
                    uint32_t t = a[i];
                    a[i++] = a[j];
                    a[j--] = t;
                }
            }
            if (j - lo < hi - i) {
                lo_stack[sp] = i;
                hi_stack[sp++] = hi;
                hi = j;
            } else {
                lo_stack[sp] = lo;
                hi_stack[sp++] = j;
                lo = i;
            }
        }
        for (long i = lo + 1; i <= hi; i++) {
            uint32_t v = a[i];
            long j = i - 1;
            while (j >= lo && a[j] > v) {
                a[j + 1] = a[j];
                j--;
            }
            a[j + 1] = v;
        }
    }
}

/* FNV-1a over bytes and a 64-bit mixer over words, both from the buffer. */
uint64_t r_hash(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull, m = 0;
    size_t i;

    for (i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    for (i = 0; i + 8 <= n; i += 8) {
        uint64_t w = (uint64_t)p[i] | (uint64_t)p[i + 1] << 8 | (uint64_t)p[i + 2] << 16 |
                     (uint64_t)p[i + 3] << 24 | (uint64_t)p[i + 4] << 32 |
                     (uint64_t)p[i + 5] << 40 | (uint64_t)p[i + 6] << 48 | (uint64_t)p[i + 7] << 56;
        m ^= w;
        m = (m << 27 | m >> 37) * 0x9e3779b97f4a7c15ull;
        m ^= m >> 31;
    }
    return h ^ m;
}

/* Table-driven CRC-32 (IEEE); the table lives wherever the caller puts it. */
void r_crc_table(uint32_t *t)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
        t[i] = c;
    }
}

uint32_t r_crc(const uint32_t *t, const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;

    while (n--)
        c = t[(c ^ *p++) & 0xff] ^ (c >> 8);
    return ~c;
}

/* A small stack machine: program, stack and variables in the given memory. */
int64_t r_interp(const uint8_t *code, int64_t *stack, int64_t *vars)
{
    int sp = 0;
    unsigned pc = 0;

    for (;;) {
        uint8_t op = code[pc++];
        switch (op) {
        case OP_PUSH: stack[sp++] = (int8_t)code[pc++]; break;
        case OP_LOAD: stack[sp++] = vars[code[pc++]]; break;
        case OP_STORE: vars[code[pc++]] = stack[--sp]; break;
        case OP_ADD: sp--, stack[sp - 1] += stack[sp]; break;
        case OP_SUB: sp--, stack[sp - 1] -= stack[sp]; break;
        case OP_MUL: sp--, stack[sp - 1] *= stack[sp]; break;
        case OP_DIV: sp--, stack[sp - 1] = stack[sp] ? stack[sp - 1] / stack[sp] : 0; break;
        case OP_SHL: sp--, stack[sp - 1] <<= (stack[sp] & 63); break;
        case OP_XOR: sp--, stack[sp - 1] ^= stack[sp]; break;
        case OP_JNZ: {
            int8_t d = (int8_t)code[pc++];
            if (stack[--sp]) pc = (unsigned)((int)pc + d);
            break;
        }
        default: return sp ? stack[sp - 1] : 0;
        }
    }
}

/* Mixed-width fields: signed/unsigned bytes and shorts, bit fields. */
int64_t r_records(struct rec *r, int n)
{
    int64_t sum = 0;

    for (int i = 0; i < n; i++) {
        r[i].flags ^= (uint8_t)(1u << (i & 7));
        r[i].small = (int8_t)(r[i].small * 3 - i);
        r[i].word = (uint16_t)(r[i].word + r[i].small);
        r[i].level = (unsigned)(r[i].level + 1) & 7u;
        sum += r[i].small + r[i].word + r[i].level + (int16_t)r[i].word + r[i].big % 1000003;
        r[i].big = r[i].big * 31 + (uint64_t)sum;
    }
    return sum;
}

/* A linked list built and walked in the given memory (pointer chasing). */
uint64_t r_list(struct node *pool, int n)
{
    struct node *head = 0;
    uint64_t acc = 0;

    for (int i = 0; i < n; i++) {
        struct node *x = &pool[(i * 7) % n];
        x->val = (uint64_t)i * 2654435761u;
        x->next = head;
        head = x;
    }
    for (struct node *x = head; x; x = x->next)
        acc = acc * 3 + (x->val >> 3);
    return acc;
}

/* String instructions on the given memory, as hand-written drivers use them. */
void r_strings(uint8_t *dst, const uint8_t *src, size_t n, uint64_t *scratch)
{
    size_t c = n;
    uint64_t *q = scratch;
    const uint8_t *s = src;
    uint8_t *d = dst;

    __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(c) : : "memory");
    c = 8;
    __asm__ volatile("rep stosq" : "+D"(q), "+c"(c) : "a"(0x1122334455667788ull) : "memory");
}
