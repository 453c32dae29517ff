/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fast path consistency: xie_decode() answers common legacy encodings on its own
 * fast path (src/decode_fast.c) and passes everything else to the complete
 * decoder (xiei_decode_full, src/decode.c). This test decodes the same bytes
 * both ways and requires identical results: status, every xie_insn field and
 * operands[0..nops). It is a consistency check between two implementations of
 * the same rules; the expected values of the rules themselves come from
 * tests/golden (SDM/CPU), tests/diff (iced-x86) and tests/cpulen (the CPU),
 * which all run through xie_decode() with 15 or more bytes, i.e. through the
 * fast path.
 *
 * Inputs: random encodings from tests/diff/gen.c in 32- and 64-bit mode, their
 * mutants, and every instruction of a linear sweep of an executable (default:
 * /usr/lib/gcc/x86_64-linux-gnu/12/cc1, else /bin/sh, first 4 MiB of its file),
 * each with four CPU models: all features Intel, all AMD, NULL, and all
 * features but CMOV (a feature the fast path must leave to the full decoder).
 *
 * Usage: fastpath [-n CASES_PER_MODE] [ELF]   (exit status 1 on any difference)
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../diff/gen.h"
#include "decode_tab.h"
#include "xie/decode.h"

static unsigned long ncmp, nfast_eligible, nfail;

/* Field-by-field comparison (padding bytes are not compared). */
#define SAME(x, y, f, name)                                                                        \
    do {                                                                                           \
        if ((x)->f != (y)->f) {                                                                    \
            snprintf(why, n, "%s %lld vs %lld", name, (long long)(x)->f, (long long)(y)->f);       \
            return 0;                                                                              \
        }                                                                                          \
    } while (0)
#define F(f) SAME(a, b, f, #f)
#define G(f) SAME(&a->operands[j], &b->operands[j], f, "operand " #f)

static int same(const struct xie_insn *a, const struct xie_insn *b, char *why, size_t n)
{
    unsigned j;
    F(op);
    F(form);
    F(len);
    F(mode);
    F(osz);
    F(asz);
    F(prefixes);
    F(seg_prefix);
    F(rex);
    F(nops);
    F(ud);
    F(vl);
    F(mask);
    F(evex);
    F(rc);
    F(modrm);
    F(sib);
    F(opcode);
    F(map);
    F(imm_off);
    F(disp_off);
    F(info);
    F(disp);
    F(imm);
    F(imm2);
    F(reserved);
    for (j = 0; j < a->nops && j < XIE_MAX_OPERANDS; j++) {
        G(kind);
        G(access);
        G(size);
        G(reg);
        G(base);
        G(index);
        G(scale);
        G(seg);
        G(vsib);
        G(elem);
        G(flags);
    }
    return 1;
}

static void one(const uint8_t *b, enum xie_mode mode, const struct xie_cpu_model *cpu,
                const char *what)
{
    struct xie_insn a, f;
    char why[128];
    int sa, sf, k;
    /* Different garbage in both outputs: a field the fast path forgets shows. */
    memset(&a, 0x5a, sizeof a);
    memset(&f, 0xa5, sizeof f);
    sa = xie_decode(b, 16, mode, cpu, &a);
    sf = xiei_decode_full(b, 16, mode, cpu, &f);
    ncmp++;
    if (sa == sf && (sa != XIE_DECODE_OK || same(&a, &f, why, sizeof why))) return;
    if (sa != sf) snprintf(why, sizeof why, "status %d vs %d", sa, sf);
    if (++nfail <= 20) {
        printf("DIFF %s m%d:", what, mode == XIE_MODE_64 ? 64 : 32);
        for (k = 0; k < 16; k++)
            printf(" %02x", b[k]);
        printf(": %s (xie_decode vs full)\n", why);
    }
}

static void all_models(const uint8_t *b, enum xie_mode mode, const struct xie_cpu_model *models,
                       const char *what)
{
    int k;
    one(b, mode, NULL, what);
    for (k = 0; k < 3; k++)
        one(b, mode, &models[k], what);
}

int main(int argc, char **argv)
{
    struct xie_cpu_model models[3];
    struct gen_rng r;
    unsigned long n = 300000, i;
    const char *elf = NULL;
    int a, bits;
    FILE *fp;

    for (a = 1; a < argc; a++) {
        if (!strcmp(argv[a], "-n") && a + 1 < argc)
            n = strtoul(argv[++a], NULL, 0);
        else
            elf = argv[a];
    }
    xie_cpu_model_all(&models[0], XIE_VENDOR_INTEL);
    xie_cpu_model_all(&models[1], XIE_VENDOR_AMD);
    xie_cpu_model_all(&models[2], XIE_VENDOR_INTEL);
    xie_cpu_set(&models[2], XIE_FEAT_CMOV, 0);

    gen_seed(&r, 0x5eed);
    for (bits = 32; bits <= 64; bits += 32) {
        enum xie_mode mode = bits == 64 ? XIE_MODE_64 : XIE_MODE_32;
        for (i = 0; i < n; i++) {
            uint8_t b[16], m[16];
            struct xie_insn t;
            gen_case(&r, (int)(i % 2 ? GEN_ALL : i % 4 ? GEN_LEGACY : GEN_0F), bits, b);
            b[15] = (uint8_t)gen_next(&r);
            all_models(b, mode, models, "random");
            if (xiei_decode_full(b, 16, mode, NULL, &t) == XIE_DECODE_OK) {
                gen_mutate(&r, b, t.len, m);
                m[15] = (uint8_t)gen_next(&r);
                all_models(m, mode, models, "mutant");
            }
        }
    }

    /* Real code: a linear sweep of an executable's first 4 MiB (as bench/). */
    fp = fopen(elf ? elf : "/usr/lib/gcc/x86_64-linux-gnu/12/cc1", "rb");
    if (!fp && !elf) fp = fopen("/bin/sh", "rb");
    if (fp) {
        size_t cap = 4u << 20, len, off;
        uint8_t *buf = calloc(1, cap + 16);
        len = buf ? fread(buf, 1, cap, fp) : 0;
        fclose(fp);
        for (off = 0; off < len;) {
            struct xie_insn t;
            int st = xiei_decode_full(buf + off, 16, XIE_MODE_64, NULL, &t);
            all_models(buf + off, XIE_MODE_64, models, "real");
            nfast_eligible++;
            off += st == XIE_DECODE_OK ? t.len : 1;
        }
        free(buf);
    } else if (elf) {
        perror(elf);
        return 2;
    }
    printf("fastpath: %lu comparisons (%lu real-code instructions), %lu differences\n", ncmp,
           nfast_eligible, nfail);
    return nfail != 0;
}
