/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `xie demo decode`: decode and disassemble the .text section of a real binary on
 * this machine (libc by default), print the first instructions and a summary:
 * counts, the most frequent mnemonics, the instruction-set extensions in use and
 * the decode speed. The ELF section headers are read here, without libelf.
 */
#define _POSIX_C_SOURCE 200809L

#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "demo.h"
#include "form.h"
#include "gen/features.h"
#include "tool.h"

#define SHOW_INSNS    20
#define TOP_MNEMONICS 10

static const char *const default_paths[] = {
    "/usr/lib/x86_64-linux-gnu/libc.so.6",
    "/lib/x86_64-linux-gnu/libc.so.6",
    "/bin/ls",
};

/* The code section found in an ELF file. */
struct code {
    uint8_t *file; /* whole file (owned) */
    size_t file_size;
    const uint8_t *text;
    size_t size;
    uint64_t addr;
    enum xie_mode mode;
    char section[32];
};

static int read_file(const char *path, struct code *c)
{
    FILE *f = fopen(path, "rb");
    long n;

    if (!f) return -1;
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        errno = EINVAL;
        return -1;
    }
    c->file = malloc((size_t)n + 1);
    if (!c->file || fread(c->file, 1, (size_t)n, f) != (size_t)n) {
        free(c->file);
        c->file = NULL;
        fclose(f);
        errno = EIO;
        return -1;
    }
    fclose(f);
    c->file_size = (size_t)n;
    return 0;
}

/* A section header in a class-independent form. */
struct shdr {
    uint32_t name, type;
    uint64_t addr, offset, size;
};

static int get_shdr(const struct code *c, int is64, uint64_t shoff, unsigned entsize, unsigned i,
                    struct shdr *s)
{
    uint64_t at = shoff + (uint64_t)i * entsize;

    if (at > c->file_size || c->file_size - at < entsize) return -1;
    if (is64) {
        Elf64_Shdr h;

        memcpy(&h, c->file + at, sizeof(h));
        s->name = h.sh_name;
        s->type = h.sh_type;
        s->addr = h.sh_addr;
        s->offset = h.sh_offset;
        s->size = h.sh_size;
    } else {
        Elf32_Shdr h;

        memcpy(&h, c->file + at, sizeof(h));
        s->name = h.sh_name;
        s->type = h.sh_type;
        s->addr = h.sh_addr;
        s->offset = h.sh_offset;
        s->size = h.sh_size;
    }
    return 0;
}

/* Find the .text section. Returns an error message or NULL. */
static const char *find_text(struct code *c)
{
    const unsigned char *id = c->file;
    uint64_t shoff;
    unsigned entsize, shnum, shstrndx, i;
    int is64;
    struct shdr strtab, s, best;
    int have_best = 0;

    if (c->file_size < EI_NIDENT || memcmp(id, ELFMAG, SELFMAG) != 0) return "not an ELF file";
    if (id[EI_DATA] != ELFDATA2LSB) return "not a little-endian ELF file";
    is64 = id[EI_CLASS] == ELFCLASS64;
    if (is64) {
        Elf64_Ehdr e;

        if (c->file_size < sizeof(e)) return "truncated ELF header";
        memcpy(&e, c->file, sizeof(e));
        if (e.e_machine != EM_X86_64) return "not an x86-64 ELF file";
        shoff = e.e_shoff;
        entsize = e.e_shentsize;
        shnum = e.e_shnum;
        shstrndx = e.e_shstrndx;
        if (entsize < sizeof(Elf64_Shdr)) return "bad section header size";
    } else if (id[EI_CLASS] == ELFCLASS32) {
        Elf32_Ehdr e;

        if (c->file_size < sizeof(e)) return "truncated ELF header";
        memcpy(&e, c->file, sizeof(e));
        if (e.e_machine != EM_386) return "not an i386 ELF file";
        shoff = e.e_shoff;
        entsize = e.e_shentsize;
        shnum = e.e_shnum;
        shstrndx = e.e_shstrndx;
        if (entsize < sizeof(Elf32_Shdr)) return "bad section header size";
    } else {
        return "unknown ELF class";
    }
    c->mode = is64 ? XIE_MODE_64 : XIE_MODE_32;
    if (!shoff || !shnum) return "no section headers";
    if (get_shdr(c, is64, shoff, entsize, shstrndx, &strtab) || strtab.offset > c->file_size ||
        strtab.size > c->file_size - strtab.offset)
        return "bad section name table";
    memset(&best, 0, sizeof(best));
    for (i = 0; i < shnum; i++) {
        const char *name;

        if (get_shdr(c, is64, shoff, entsize, i, &s)) return "truncated section headers";
        if (s.type != SHT_PROGBITS || s.offset > c->file_size || s.size > c->file_size - s.offset)
            continue;
        name = s.name < strtab.size ? (const char *)c->file + strtab.offset + s.name : "";
        if (s.name < strtab.size && memchr(name, 0, strtab.size - s.name) &&
            !strcmp(name, ".text")) {
            best = s;
            have_best = 1;
            break;
        }
    }
    if (!have_best) return "no .text section";
    c->text = c->file + best.offset;
    c->size = (size_t)best.size;
    c->addr = best.addr;
    strcpy(c->section, ".text");
    return NULL;
}

/* CLOCK_MONOTONIC bounds the measurement; each pass is timed in this thread's CPU
 * time, so that other load on the machine (time spent descheduled) does not count. */
static double now_ns(clockid_t clock)
{
    struct timespec ts;

    clock_gettime(clock, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

struct count {
    unsigned id;
    unsigned long n;
};

static int by_count_desc(const void *a, const void *b)
{
    const struct count *x = a, *y = b;

    if (x->n != y->n) return x->n < y->n ? 1 : -1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* One pass of decoding only (no formatting): returns the instruction count. */
static unsigned long decode_pass(const struct code *c, const struct xie_cpu_model *cpu)
{
    struct xie_insn insn;
    size_t pos = 0;
    unsigned long n = 0;
    int st;

    while (pos < c->size) {
        st = xie_decode(c->text + pos, c->size - pos, c->mode, cpu, &insn);
        pos += st == XIE_DECODE_OK ? insn.len : 1;
        n += st == XIE_DECODE_OK;
    }
    return n;
}

static void print_insn(const struct code *c, size_t pos, int st, const struct xie_insn *insn)
{
    char text[256];
    size_t i, n = st == XIE_DECODE_OK ? insn->len : 1;

    printf("  %12llx  ", (unsigned long long)(c->addr + pos));
    for (i = 0; i < 10; i++) {
        if (i < n)
            printf("%02x ", c->text[pos + i]);
        else
            fputs("   ", stdout);
    }
    if (st == XIE_DECODE_OK) {
        xie_format(insn, c->addr + pos, text, sizeof(text));
        printf("%s%s\n", n > 10 ? "... " : "", text);
    } else {
        printf("(%s: %s)\n", status_word(st), status_reason(st, insn));
    }
}

void demo_decode(const struct demo_opts *o, int variant, struct demo_row *row)
{
    struct code c;
    struct xie_cpu_model cpu;
    struct xie_insn insn;
    const char *path = o->elf, *err = NULL;
    unsigned long *op_count, feat_count[XIE_FEAT__COUNT], no_feat = 0;
    unsigned long insns = 0, invalid = 0, invalid_bytes = 0, passes = 0, n = 0;
    unsigned long vex = 0, evex = 0, xop = 0;
    struct count *sorted;
    size_t pos = 0, i, nsorted = 0, shown = 0;
    double t0, t, best = 0;
    int st, k;

    (void)variant;
    strcpy(row->name, "decode");
    row->decode = 1;
    memset(&c, 0, sizeof(c));
    if (path) {
        if (read_file(path, &c)) {
            tool_error("cannot read %s: %s", path, strerror(errno));
            snprintf(row->detail, sizeof(row->detail), "cannot read %s", path);
            return;
        }
        err = find_text(&c);
    } else {
        for (i = 0; i < sizeof(default_paths) / sizeof(default_paths[0]); i++) {
            free(c.file);
            memset(&c, 0, sizeof(c));
            path = default_paths[i];
            if (read_file(path, &c)) continue;
            err = find_text(&c);
            if (!err) break;
        }
        if (!c.file) {
            tool_error("no default binary found (tried libc.so.6 and /bin/ls); give a path");
            strcpy(row->detail, "no default binary found");
            return;
        }
    }
    if (err) {
        tool_error("%s: %s", path, err);
        snprintf(row->detail, sizeof(row->detail), "%.150s: %.80s", path, err);
        free(c.file);
        return;
    }

    xie_cpu_model_all(&cpu, XIE_VENDOR_INTEL);
    op_count = calloc(65536, sizeof(*op_count));
    sorted = calloc(65536, sizeof(*sorted));
    if (!op_count || !sorted) {
        tool_error("out of memory");
        strcpy(row->detail, "out of memory");
        return;
    }
    memset(feat_count, 0, sizeof(feat_count));

    printf("xie demo: %s, section %s, %zu bytes at 0x%llx, %d-bit code\n\n", path, c.section,
           c.size, (unsigned long long)c.addr, c.mode == XIE_MODE_64 ? 64 : 32);
    printf("first %d instructions:\n", SHOW_INSNS);
    while (pos < c.size) {
        st = xie_decode(c.text + pos, c.size - pos, c.mode, &cpu, &insn);
        if (shown < SHOW_INSNS) {
            print_insn(&c, pos, st, &insn);
            shown++;
        }
        if (st != XIE_DECODE_OK) {
            invalid++;
            invalid_bytes++;
            pos++;
            continue;
        }
        insns++;
        op_count[insn.op]++;
        vex += (insn.prefixes & XIE_PFX_VEX) != 0;
        evex += (insn.prefixes & XIE_PFX_EVEX) != 0;
        xop += (insn.prefixes & XIE_PFX_XOP) != 0;
        if (insn.form < xiei_nforms && xiei_forms[insn.form].nfeat) {
            for (k = 0; k < xiei_forms[insn.form].nfeat && k < 2; k++)
                if (xiei_forms[insn.form].feat[k] < XIE_FEAT__COUNT)
                    feat_count[xiei_forms[insn.form].feat[k]]++;
        } else {
            no_feat++;
        }
        pos += insn.len;
    }

    /* Speed: decoding only, repeated for at least 0.5 s, best pass kept. */
    t0 = now_ns(CLOCK_MONOTONIC);
    do {
        t = now_ns(CLOCK_THREAD_CPUTIME_ID);
        n = decode_pass(&c, &cpu);
        t = now_ns(CLOCK_THREAD_CPUTIME_ID) - t;
        if (!passes || t < best) best = t;
        passes++;
    } while (now_ns(CLOCK_MONOTONIC) - t0 < 5e8 && passes < 1000);

    printf("\nsummary:\n");
    printf("  %-28s %lu\n", "instructions", insns);
    printf("  %-28s %zu\n", "bytes", c.size);
    printf("  %-28s %lu (%lu bytes skipped)\n", "undecodable positions", invalid, invalid_bytes);
    printf("  %-28s legacy %lu, VEX %lu, EVEX %lu, XOP %lu\n", "encodings",
           insns - vex - evex - xop, vex, evex, xop);
    printf("  %-28s %.2f\n", "average length (bytes)",
           insns ? (double)(c.size - invalid_bytes) / (double)insns : 0.0);
    printf("  %-28s %.1f ns/instruction (%.0f M instructions/s, best of %lu passes)\n",
           "decode speed", n ? best / (double)n : 0.0, n ? (double)n * 1e3 / best : 0.0, passes);

    for (i = 0; i < 65536; i++) {
        if (op_count[i]) {
            sorted[nsorted].id = (unsigned)i;
            sorted[nsorted].n = op_count[i];
            nsorted++;
        }
    }
    qsort(sorted, nsorted, sizeof(*sorted), by_count_desc);
    printf("\n  top %d mnemonics (of %zu distinct):\n", TOP_MNEMONICS, nsorted);
    for (i = 0; i < nsorted && i < TOP_MNEMONICS; i++)
        printf("    %-12s %9lu  %5.1f%%\n", xie_op_name(sorted[i].id), sorted[i].n,
               100.0 * (double)sorted[i].n / (double)insns);

    nsorted = 0;
    for (i = 0; i < XIE_FEAT__COUNT; i++) {
        if (feat_count[i]) {
            sorted[nsorted].id = (unsigned)i;
            sorted[nsorted].n = feat_count[i];
            nsorted++;
        }
    }
    qsort(sorted, nsorted, sizeof(*sorted), by_count_desc);
    printf("\n  instruction-set extensions used (instructions needing each CPUID feature):\n");
    printf("    %-12s %9lu  %5.1f%%\n", "(base x86)", no_feat,
           insns ? 100.0 * (double)no_feat / (double)insns : 0.0);
    for (i = 0; i < nsorted; i++)
        printf("    %-12s %9lu  %5.1f%%\n", xiei_feat_names[sorted[i].id], sorted[i].n,
               100.0 * (double)sorted[i].n / (double)insns);

    row->insns = insns;
    row->time_ns = (uint64_t)best;
    row->time_ops = n;
    row->pass = insns > 0;
    snprintf(row->detail, sizeof(row->detail),
             "%.120s: %lu instructions, %lu undecodable positions, %.1f ns/instruction", path,
             insns, invalid, n ? best / (double)n : 0.0);
    free(sorted);
    free(op_count);
    free(c.file);
}
