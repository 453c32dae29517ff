/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Random structured x86 encodings for the differential decoding tests
 * (tests/diff, tests/cpulen). The generator knows only the *shape* of x86
 * encodings (prefixes, escape bytes, VEX/EVEX/XOP field layout from SDM Vol. 2
 * chapters 2 and 3, AMD APM Vol. 3 chapter 1): it never consults xie's tables,
 * so it cannot share a table bug with the decoder under test.
 */
#ifndef XIE_TESTS_DIFF_GEN_H
#define XIE_TESTS_DIFF_GEN_H

#include <stdint.h>

/* Bytes per generated case: the architectural maximum length. */
#define GEN_CASE_LEN 15

/* Encoding classes (--class). */
enum gen_class {
    GEN_LEGACY = 0, /* one-byte map with prefix soup */
    GEN_0F,         /* 0F, 0F38, 0F3A and 0F 0F (3DNow!) maps */
    GEN_VEX,        /* C4/C5 */
    GEN_EVEX,       /* 62 */
    GEN_XOP,        /* 8F */
    GEN_X87,        /* D8..DF */
    GEN_ALL,        /* a mixture of all of the above */
    GEN_MUTANT,     /* label only: cases written by gen_mutate() (xiediff cmp --class) */
    GEN__COUNT
};

/* Deterministic PRNG state (splitmix64). */
struct gen_rng {
    uint64_t s;
};

/* Seed the generator. */
void gen_seed(struct gen_rng *r, uint64_t seed);

/* Next 64 random bits; advances *r. */
uint64_t gen_next(struct gen_rng *r);

/* Parse a class name ("legacy", "0f", ...); returns -1 when unknown. */
int gen_class_parse(const char *name);

/* Name of a class. */
const char *gen_class_name(int cls);

/*
 * Write one random encoding of class cls for code size bits (16, 32 or 64)
 * into out[0..GEN_CASE_LEN-1] (all 15 bytes are always written: the
 * instruction followed by random trailing bytes). Advances *r.
 */
void gen_case(struct gen_rng *r, int cls, int bits, uint8_t out[GEN_CASE_LEN]);

/*
 * Write into out[0..GEN_CASE_LEN-1] a mutant of a valid instruction: in[] (15
 * bytes) whose first len bytes are an instruction, with 1 to 3 random bits of
 * those len bytes flipped and, sometimes, new random trailing bytes. Mutants
 * probe the constraints around valid encodings (reserved bits, W, L, vvvv,
 * masking, prefixes) far more densely than fresh random encodings. Advances *r.
 */
void gen_mutate(struct gen_rng *r, const uint8_t in[GEN_CASE_LEN], int len,
                uint8_t out[GEN_CASE_LEN]);

/*
 * An opcode key that groups mismatches (e.g. "0F38 F0 [F2]", "VEX.0F38.66 18",
 * "EVEX.map5.NP 58", "1B 80 /7"), computed by a small independent prefix
 * parser (not by xie). Writes a NUL-terminated string into buf.
 */
void gen_opcode_key(const uint8_t *b, int n, int bits, char *buf, int size);

#endif
