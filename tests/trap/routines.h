/* SPDX-License-Identifier: BSD-3-Clause */
/* Routines the trap test runs on ordinary and on trapped memory. */
#ifndef XIE_TESTS_TRAP_ROUTINES_H
#define XIE_TESTS_TRAP_ROUTINES_H

#include <stddef.h>
#include <stdint.h>

enum { OP_END, OP_PUSH, OP_LOAD, OP_STORE, OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_SHL, OP_XOR, OP_JNZ };

struct rec {
    uint8_t flags;
    int8_t small;
    uint16_t word;
    unsigned level : 3;
    unsigned pad : 29;
    uint64_t big;
};

struct node {
    uint64_t val;
    struct node *next;
};

void r_sort_u32(uint32_t *a, long n);
uint64_t r_hash(const uint8_t *p, size_t n);
void r_crc_table(uint32_t *t);
uint32_t r_crc(const uint32_t *t, const uint8_t *p, size_t n);
int64_t r_interp(const uint8_t *code, int64_t *stack, int64_t *vars);
int64_t r_records(struct rec *r, int n);
uint64_t r_list(struct node *pool, int n);
void r_strings(uint8_t *dst, const uint8_t *src, size_t n, uint64_t *scratch);

#endif
