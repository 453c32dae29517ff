/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared helpers of the semantics-versus-CPU test (tests/sem). */
#ifndef XIE_TESTS_SEM_HW_H
#define XIE_TESTS_SEM_HW_H

#include <stdint.h>

#include "emu/sem.h"
#include "form.h"

#define AFL (XIEI_F_OF | XIEI_F_SF | XIEI_F_ZF | XIEI_F_AF | XIEI_F_PF | XIEI_F_CF)

struct tally {
    const char *name;
    unsigned long n, bad_res, bad_def, bad_undef;
};

extern int failed;
extern const unsigned sizes[4];

uint64_t rnd(void);
uint64_t val(unsigned i);
uint64_t in_flags(void);
/* Compare xie's (res_x, fl_x) with the CPU's (res_h, fl_h); `undef` lists the
 * flags the SDM leaves undefined for this case (differences there are counted,
 * not failed). */
void check(struct tally *t, unsigned size, uint64_t a, uint64_t b, uint64_t res_x, uint64_t res_h,
           uint64_t fl_in, uint64_t fl_x, uint64_t fl_h, uint64_t undef);
void report(const struct tally *t);
void test_bits(void);
void test_cond(void);

#endif
