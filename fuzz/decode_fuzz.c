/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the decoder and the formatter (clang -fsanitize=fuzzer,
 * address,undefined; built by fuzz/CMakeLists.txt, run by `make check`).
 *
 * Every input is decoded in 16-, 32- and 64-bit mode with three CPU models
 * (all features Intel, all features AMD, no features), from every start offset,
 * each time from a heap copy exactly as long as the bytes given, so AddressSanitizer
 * reports any read past the available length. Bytes from offset 15 on are
 * poisoned too: the decoder must never read more than 15 bytes. Valid
 * instructions are formatted into a large and into a small buffer.
 *
 * Besides crashes and undefined behaviour it aborts on a broken contract of
 * include/xie/decode.h: length of a valid instruction outside 1..min(15, avail),
 * more than XIE_MAX_OPERANDS operands, "need more bytes" with 15 bytes available,
 * a #UD without a reason, an unknown status, or xie_format not behaving like
 * snprintf (return value = full length, truncated output NUL-terminated and a
 * prefix of the full text).
 */
#include <sanitizer/asan_interface.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xie/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort with a message that names the broken contract. */
static void require(int ok, const char *what, enum xie_mode mode, size_t avail)
{
    if (ok) return;
    fprintf(stderr, "decode_fuzz: %s (mode %d, %zu bytes available)\n", what, (int)mode, avail);
    abort();
}

/* Format a valid instruction twice and check the snprintf-like contract. */
static void check_format(const struct xie_insn *insn, enum xie_mode mode, size_t avail)
{
    char big[256];
    char small[16];
    size_t need, need_small, shown;

    need = xie_format(insn, 0x7ffff000u, big, sizeof big);
    require(need < sizeof big, "xie_format text longer than 255 characters", mode, avail);
    require(strlen(big) == need, "xie_format return value differs from the text length", mode,
            avail);
    need_small = xie_format(insn, 0x7ffff000u, small, sizeof small);
    require(need_small == need, "xie_format return value depends on the buffer size", mode, avail);
    shown = need < sizeof small ? need : sizeof small - 1;
    require(strlen(small) == shown && memcmp(small, big, shown) == 0,
            "xie_format truncated text is not a NUL-terminated prefix", mode, avail);
}

/* Decode n bytes (a private heap copy of exactly n bytes) with one CPU model. */
static void decode_one(const uint8_t *bytes, size_t n, enum xie_mode mode,
                       const struct xie_cpu_model *cpu)
{
    struct xie_insn insn;
    int st;

    st = xie_decode(bytes, n, mode, cpu, &insn);
    require(xie_op_name(insn.op) != NULL, "xie_op_name returned NULL", mode, n);
    switch (st) {
    case XIE_DECODE_OK:
        require(insn.len >= 1 && insn.len <= XIE_MAX_INSN_LEN && insn.len <= n,
                "valid instruction with a length outside 1..min(15, avail)", mode, n);
        require(insn.nops <= XIE_MAX_OPERANDS, "more than XIE_MAX_OPERANDS operands", mode, n);
        require(insn.mode == (uint8_t)mode, "insn.mode differs from the mode decoded in", mode, n);
        check_format(&insn, mode, n);
        break;
    case XIE_DECODE_MORE:
        require(n < XIE_MAX_INSN_LEN, "'need more bytes' although 15 bytes were available", mode,
                n);
        break;
    case XIE_DECODE_UD:
        require(insn.ud != XIE_UD_NONE && insn.ud < XIE_UD__COUNT, "#UD without a valid reason",
                mode, n);
        require(xie_ud_reason_str(insn.ud) != NULL, "xie_ud_reason_str returned NULL", mode, n);
        break;
    case XIE_DECODE_GP: break;
    default: require(0, "unknown decode status", mode, n);
    }
}

/* Decode src[0..n) from an exact-size heap copy whose bytes 15.. are poisoned. */
static void decode_copy(const uint8_t *src, size_t n, const struct xie_cpu_model *const *models,
                        size_t nmodels)
{
    uint8_t *copy;
    size_t m;
    int mode;

    copy = malloc(n ? n : 1);
    if (!copy) abort();
    memcpy(copy, src, n);
    if (n > XIE_MAX_INSN_LEN)
        ASAN_POISON_MEMORY_REGION(copy + XIE_MAX_INSN_LEN, n - XIE_MAX_INSN_LEN);
    for (mode = XIE_MODE_16; mode <= XIE_MODE_64; mode++)
        for (m = 0; m < nmodels; m++)
            decode_one(copy, n, (enum xie_mode)mode, models[m]);
    if (n > XIE_MAX_INSN_LEN)
        ASAN_UNPOISON_MEMORY_REGION(copy + XIE_MAX_INSN_LEN, n - XIE_MAX_INSN_LEN);
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct xie_cpu_model intel, amd, none;
    const struct xie_cpu_model *all_models[4];
    const struct xie_cpu_model *default_model[1];
    size_t off;

    xie_cpu_model_all(&intel, XIE_VENDOR_INTEL);
    xie_cpu_model_all(&amd, XIE_VENDOR_AMD);
    memset(&none, 0, sizeof none);
    all_models[0] = NULL;
    all_models[1] = &intel;
    all_models[2] = &amd;
    all_models[3] = &none;
    default_model[0] = NULL;

    decode_copy(data, size, all_models, 4);
    for (off = 1; off < size; off++)
        decode_copy(data + off, size - off, default_model, 1);
    return 0;
}
