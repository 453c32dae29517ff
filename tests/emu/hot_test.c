/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The move shortcut's decoder against the complete one (src/emu/hot.c).
 * xie_emulate keeps a digest of a simple move (struct xie_dcache_hot), made by
 * its own small decoder for unprefixed encodings (xiei_hot_decode) or from a
 * complete decode (xiei_hot_fill). This test decodes the same bytes both ways
 * and requires, for every input:
 *   - when the small decoder takes it: the complete decoder (64-bit mode)
 *     decodes it with the same length, the shortcut takes that decode too, and
 *     both digests are equal field by field;
 *   - the shortcut's digest of a complete decode is the same under every CPU
 *     model (Intel and AMD, with every feature and with none): a cache hit on
 *     it needs no model comparison.
 * The expected semantics themselves come from the CPU (tests/hwdiff runs every
 * move form with the cache cold, which is this decoder, and warm).
 *
 * Inputs: random bytes shaped like the moves (optional legacy prefixes and
 * REX, the move opcodes and their neighbours, random ModRM, SIB, displacement
 * and immediate), cut at a random length (sometimes before the ModRM byte).
 *
 * Usage: hot_test [-n CASES]   (exit status 1 on any difference)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/emu_int.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)((rng >> 11) % n);
}

/* Opcodes near and at the moves (one byte, or after 0F). */
static const uint8_t op1[] = {0x88, 0x89, 0x8a, 0x8b, 0xc6, 0xc7, 0x63, 0x8c, 0x8d,
                              0x8e, 0x87, 0xa0, 0xa1, 0xa2, 0xa3, 0xb8, 0x01, 0x0f};
static const uint8_t op2[] = {0xb6, 0xb7, 0xbe, 0xbf, 0xb0, 0xb1, 0xb8, 0xbc, 0xbd, 0xc3, 0x38};
static const uint8_t pfx[] = {0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x2e, 0x3e, 0x26, 0x36, 0x64, 0x65};

static unsigned make(uint8_t *b)
{
    unsigned n = 0, i;

    if (!rnd(4)) b[n++] = pfx[rnd(sizeof pfx)];
    if (rnd(2)) b[n++] = (uint8_t)(0x40 | rnd(16));
    b[n] = op1[rnd(sizeof op1)];
    if (b[n++] == 0x0f) b[n++] = op2[rnd(sizeof op2)];
    /* ModRM with reg 0 often (C6 /0, C7 /0), then random bytes. */
    b[n++] = (uint8_t)(rnd(3) ? rnd(256) : (rnd(256) & 0xc7));
    for (i = n; i < 16; i++)
        b[i] = (uint8_t)rnd(256);
    return rnd(4) ? n + rnd(16 - n) : 1 + rnd(n);
}

static int same(const struct xie_dcache_hot *a, const struct xie_dcache_hot *b, char *why)
{
#define F(f)                                                                                       \
    if (a->f != b->f) {                                                                            \
        sprintf(why, #f " %lld vs %lld", (long long)a->f, (long long)b->f);                        \
        return 0;                                                                                  \
    }
    F(kind)
    F(op)
    F(len)
    F(base)
    F(index)
    F(scale)
    F(asz4)
    F(reg)
    F(rsize)
    F(msize)
    F(sx)
    F(vec)
    F(disp)
    F(imm)
#undef F
    return 1;
}

/* The shortcut's digest of the complete decode under model m, or 0. */
static int fill(const uint8_t *b, unsigned n, const struct xie_cpu_model *m, struct xie_dcache *dc)
{
    memset(dc, 0, sizeof *dc);
    if (xie_decode(b, n, XIE_MODE_64, m, &dc->insn) != XIE_DECODE_OK) return 0;
    dc->mode = XIE_MODE_64;
    dc->valid = XIEI_DC_INSN;
    xiei_hot_fill(dc);
    return (dc->valid & XIEI_DC_HOT) != 0;
}

static void hex(const uint8_t *b, unsigned n)
{
    unsigned i;
    for (i = 0; i < n; i++)
        printf("%02x", b[i]);
}

int main(int argc, char **argv)
{
    unsigned long cases = 2000000, k, nhot = 0, nfill = 0, nbad = 0;
    struct xie_cpu_model models[4];
    unsigned i, j;

    if (argc == 3 && !strcmp(argv[1], "-n")) cases = strtoul(argv[2], 0, 0);
    xie_cpu_model_all(&models[0], XIE_VENDOR_INTEL);
    xie_cpu_model_all(&models[1], XIE_VENDOR_AMD);
    memset(&models[2], 0, sizeof models[2]);
    models[2].vendor = XIE_VENDOR_INTEL;
    memset(&models[3], 0, sizeof models[3]);
    models[3].vendor = XIE_VENDOR_AMD;
    for (k = 0; k < cases && nbad < 20; k++) {
        uint8_t b[16];
        unsigned n = make(b), len;
        struct xie_dcache_hot h;
        struct xie_dcache dc[4];
        int hot[4];
        char why[96];

        for (i = 0; i < 4; i++)
            hot[i] = fill(b, n, &models[i], &dc[i]);
        nfill += hot[0];
        for (i = 1; i < 4; i++) {
            if (hot[i] != hot[0] || (hot[0] && !same(&dc[0].hot, &dc[i].hot, why))) {
                printf("model %u differs from model 0: ", i);
                hex(b, n);
                printf(" (%s)\n", hot[0] && hot[i] ? why : "taken by one only");
                nbad++;
            }
        }
        memset(&h, 0, sizeof h);
        len = xiei_hot_decode(b, n, &h);
        if (!len) continue;
        nhot++;
        for (j = 0; j < 4; j++) {
            if (!hot[j] || dc[j].insn.len != len || !same(&h, &dc[j].hot, why)) {
                printf("small decoder differs from the complete one (model %u): ", j);
                hex(b, n);
                printf(" (%s)\n", !hot[j] ? "complete decode not taken" : why);
                nbad++;
                break;
            }
        }
    }
    printf("hot_test: %lu inputs, %lu taken by the small decoder, %lu by the complete decode, "
           "%lu differences\n",
           k, nhot, nfill, nbad);
    /* The inputs must reach the small decoder often, or the test says nothing. */
    if (nhot < k / 20) {
        printf("hot_test: too few inputs reached the small decoder\n");
        return 1;
    }
    return nbad ? 1 : 0;
}
