/* SPDX-License-Identifier: BSD-3-Clause */
/* Small helpers shared by the sem_*.c files (internal to the semantics layer). */
#ifndef XIE_SEM_UTIL_H
#define XIE_SEM_UTIL_H

#include <stdint.h>

#include "../form.h"
#include "sem.h"

/* All-ones mask of an operand size in bytes (1, 2, 4, 8). */
static inline uint64_t xiei_mask(unsigned size)
{
    return size >= 8 ? ~(uint64_t)0 : (((uint64_t)1 << (size * 8)) - 1);
}

/* Most significant bit of v at an operand size. */
static inline int xiei_msb(unsigned size, uint64_t v)
{
    return (int)((v >> (size * 8 - 1)) & 1);
}

/* Sign-extend v from an operand size to 64 bits. */
static inline int64_t xiei_sext(unsigned size, uint64_t v)
{
    unsigned sh = 64 - size * 8;
    return (int64_t)(v << sh) >> sh;
}

/* PF: set when the low byte has an even number of one bits. */
static inline uint64_t xiei_pf(uint64_t r)
{
    unsigned b = (unsigned)(r & 0xff);
    b ^= b >> 4;
    b ^= b >> 2;
    b ^= b >> 1;
    return (b & 1) ? 0 : XIEI_F_PF;
}

/* SF, ZF and PF of a result masked to size. */
static inline uint64_t xiei_szp(unsigned size, uint64_t r)
{
    return (xiei_msb(size, r) ? XIEI_F_SF : 0) | (r ? 0 : XIEI_F_ZF) | xiei_pf(r);
}

#endif
