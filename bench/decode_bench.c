/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Decode benchmark: sweeps the same code stream linearly with xie (full operand
 * information) and with Zydis 4 (ZydisDecoderDecodeFull, and the instruction-only
 * ZydisDecoderDecodeInstruction) in one run and prints ns per decode call and the
 * ratios. The stream is the first 4 MiB of the .text section of gcc's cc1 (or of
 * the ELF file given, or its largest executable section when it has no .text).
 *
 * A linear sweep decodes at offset 0, advances by the length of a valid
 * instruction, and by one byte after an invalid one, as objdump does. Each
 * decoder sweeps independently (they may disagree on validity; the counts are
 * printed).
 *
 * `--only NAME` runs one sweep of one decoder and nothing else, for
 * bench/run.sh, which runs it under callgrind with --toggle-collect on the
 * decode function (xie_decode, ZydisDecoderDecodeFull, ...) to count
 * instructions (Ir) per decode call without the setup and the sweep loop.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xie/decode.h"

#ifdef XIE_BENCH_ZYDIS
#include <Zydis/Zydis.h>
#endif

#define DEFAULT_ELF  "/usr/lib/gcc/x86_64-linux-gnu/12/cc1"
#define DEFAULT_SIZE (4u << 20)

/* Totals of one sweep. */
struct sweep {
    size_t calls;   /* decode calls made */
    size_t valid;   /* instructions decoded */
    size_t invalid; /* decode calls that found no valid instruction */
    uint64_t check; /* sum of lengths, keeps the work observable */
};

/* Sweep functions are global and never inlined so profiles show them by name. */
void bench_sweep_xie(const uint8_t *p, size_t n, struct sweep *s);
#ifdef XIE_BENCH_ZYDIS
void bench_sweep_zydis_full(const uint8_t *p, size_t n, struct sweep *s);
void bench_sweep_zydis_insn(const uint8_t *p, size_t n, struct sweep *s);
#endif

__attribute__((noinline)) void bench_sweep_xie(const uint8_t *p, size_t n, struct sweep *s)
{
    struct xie_insn insn;
    size_t off = 0;

    memset(s, 0, sizeof *s);
    while (off < n) {
        s->calls++;
        if (xie_decode(p + off, n - off, XIE_MODE_64, NULL, &insn) == XIE_DECODE_OK) {
            s->valid++;
            s->check += insn.len + insn.operands[0].kind;
            off += insn.len;
        } else {
            s->invalid++;
            off++;
        }
    }
}

#ifdef XIE_BENCH_ZYDIS
static ZydisDecoder zydis;

__attribute__((noinline)) void bench_sweep_zydis_full(const uint8_t *p, size_t n, struct sweep *s)
{
    ZydisDecodedInstruction insn;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    size_t off = 0;

    memset(s, 0, sizeof *s);
    while (off < n) {
        s->calls++;
        if (ZYAN_SUCCESS(ZydisDecoderDecodeFull(&zydis, p + off, n - off, &insn, ops))) {
            s->valid++;
            s->check += insn.length + ops[0].type;
            off += insn.length;
        } else {
            s->invalid++;
            off++;
        }
    }
}

__attribute__((noinline)) void bench_sweep_zydis_insn(const uint8_t *p, size_t n, struct sweep *s)
{
    ZydisDecodedInstruction insn;
    size_t off = 0;

    memset(s, 0, sizeof *s);
    while (off < n) {
        s->calls++;
        if (ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&zydis, NULL, p + off, n - off, &insn))) {
            s->valid++;
            s->check += insn.length;
            off += insn.length;
        } else {
            s->invalid++;
            off++;
        }
    }
}
#endif

struct decoder {
    const char *name;
    const char *what;
    void (*sweep)(const uint8_t *, size_t, struct sweep *);
};

static const struct decoder decoders[] = {
    {"xie", "xie_decode (full operands)", bench_sweep_xie},
#ifdef XIE_BENCH_ZYDIS
    {"zydis_full", "Zydis DecodeFull", bench_sweep_zydis_full},
    {"zydis_insn", "Zydis DecodeInstruction", bench_sweep_zydis_insn},
#endif
};
#define NDECODERS (sizeof decoders / sizeof decoders[0])

static uint8_t *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    long len;

    if (!f) return NULL;
    if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return NULL;
    }
    buf = malloc((size_t)len + 1);
    if (buf && fread(buf, 1, (size_t)len, f) != (size_t)len) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *size = (size_t)len;
    return buf;
}

static uint64_t rd(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    while (n--)
        v = (v << 8) | p[n];
    return v;
}

/*
 * Find .text (or else the largest SHF_EXECINSTR section) of a little-endian ELF64
 * file; returns its offset in the file and sets *len, or returns SIZE_MAX.
 */
static size_t find_code(const uint8_t *f, size_t size, size_t *len, const char **which)
{
    uint64_t shoff, best_len = 0, best_off = SIZE_MAX;
    unsigned shentsize, shnum, shstrndx, i;
    const uint8_t *strsh;

    if (size < 64 || memcmp(f, "\177ELF", 4) != 0 || f[4] != 2 || f[5] != 1) return SIZE_MAX;
    shoff = rd(f + 0x28, 8);
    shentsize = (unsigned)rd(f + 0x3a, 2);
    shnum = (unsigned)rd(f + 0x3c, 2);
    shstrndx = (unsigned)rd(f + 0x3e, 2);
    if (shentsize < 64 || shstrndx >= shnum || shoff > size || (size - shoff) / shentsize < shnum)
        return SIZE_MAX;
    strsh = f + shoff + (uint64_t)shstrndx * shentsize;
    for (i = 0; i < shnum; i++) {
        const uint8_t *sh = f + shoff + (uint64_t)i * shentsize;
        uint64_t name = rd(strsh + 0x18, 8) + rd(sh, 4);
        uint64_t flags = rd(sh + 8, 8), off = rd(sh + 0x18, 8), sz = rd(sh + 0x20, 8);
        if (rd(sh + 4, 4) != 1 /* SHT_PROGBITS */ || off > size || sz > size - off) continue;
        if (name < size && strncmp((const char *)f + name, ".text", 6) == 0) {
            *len = sz;
            *which = ".text";
            return off;
        }
        if ((flags & 4) /* SHF_EXECINSTR */ && sz > best_len) {
            best_len = sz;
            best_off = off;
        }
    }
    *len = best_len;
    *which = "largest executable section";
    return best_off;
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: decode_bench [--file ELF] [--size BYTES] [--reps N] [--only NAME]\n"
               "  Sweeps the first BYTES (default 4 MiB) of the ELF file's .text (default\n"
               "  " DEFAULT_ELF ")\n"
               "  with each decoder REPS times (default 5, best time kept) and prints ns per\n"
               "  decode call. --only NAME runs a single sweep of one decoder (for callgrind);\n"
               "  names:");
    for (size_t i = 0; i < NDECODERS; i++)
        fprintf(f, " %s", decoders[i].name);
    fprintf(f, "\n");
}

int main(int argc, char **argv)
{
    const char *path = DEFAULT_ELF, *only = NULL, *which = "";
    size_t want = DEFAULT_SIZE, fsize = 0, off, len = 0;
    unsigned reps = 5;
    double best[NDECODERS];
    struct sweep res[NDECODERS];
    uint8_t *file;
    int i;

    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--file") && i + 1 < argc)
            path = argv[++i];
        else if (!strcmp(argv[i], "--size") && i + 1 < argc)
            want = (size_t)strtoull(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
            reps = (unsigned)strtoul(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--only") && i + 1 < argc)
            only = argv[++i];
        else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (reps == 0) reps = 1;
    file = read_file(path, &fsize);
    if (!file) {
        fprintf(stderr, "decode_bench: cannot read %s: %s\n", path, strerror(errno));
        return 1;
    }
    off = find_code(file, fsize, &len, &which);
    if (off == SIZE_MAX || len == 0) {
        fprintf(stderr, "decode_bench: %s: no code section found (not an x86-64 ELF file?)\n",
                path);
        return 1;
    }
    if (len > want) len = want;

#ifdef XIE_BENCH_ZYDIS
    if (!ZYAN_SUCCESS(ZydisDecoderInit(&zydis, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64))) {
        fprintf(stderr, "decode_bench: ZydisDecoderInit failed\n");
        return 1;
    }
#endif

    if (only) {
        for (size_t d = 0; d < NDECODERS; d++) {
            if (strcmp(only, decoders[d].name) != 0) continue;
            decoders[d].sweep(file + off, len, &res[d]);
            printf("decoder %s calls %zu valid %zu invalid %zu bytes %zu check %llu\n",
                   decoders[d].name, res[d].calls, res[d].valid, res[d].invalid, len,
                   (unsigned long long)res[d].check);
            return 0;
        }
        fprintf(stderr, "decode_bench: unknown decoder '%s'\n", only);
        usage(stderr);
        return 2;
    }

    printf("stream: %s %s, first %zu bytes (file offset 0x%zx), best of %u runs\n", path, which,
           len, off, reps);
    for (size_t d = 0; d < NDECODERS; d++) {
        best[d] = 0;
        for (unsigned r = 0; r < reps; r++) {
            double t0 = now_ns(), t;
            decoders[d].sweep(file + off, len, &res[d]);
            t = now_ns() - t0;
            if (r == 0 || t < best[d]) best[d] = t;
        }
    }
    printf("%-28s %10s %10s %9s %12s %10s\n", "decoder", "calls", "valid", "invalid", "ns/call",
           "vs xie");
    for (size_t d = 0; d < NDECODERS; d++) {
        double ns = best[d] / (double)res[d].calls;
        double xie_ns = best[0] / (double)res[0].calls;
        printf("%-28s %10zu %10zu %9zu %12.2f %9.2fx\n", decoders[d].what, res[d].calls,
               res[d].valid, res[d].invalid, ns, ns / xie_ns);
    }
#ifndef XIE_BENCH_ZYDIS
    printf("(built without Zydis: install libzydis-dev and reconfigure for the comparison)\n");
#endif
    free(file);
    return 0;
}
