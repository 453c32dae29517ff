/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * C side of the differential decoding test of xie against iced-x86.
 *
 *   xiediff gen   --bits B --count N --seed S --class C OUT.bin
 *       write N random structured encodings (16-byte records: 15 bytes + pad)
 *   xiediff mutate --count N --seed S CASES.bin ICED.txt OUT.bin
 *       write N mutants (gen_mutate) of the cases iced decodes as valid
 *   xiediff cmp   --bits B --vendor intel|amd [--class C] [--known FILE]
 *                 [--show N] CASES.bin ICED.txt
 *       decode every case with xie and compare with iced's results
 *   xiediff sweep --bits B --vendor intel|amd [--known FILE] [--show N]
 *                 --name NAME RAW ICED.txt
 *       compare xie with iced at every offset of iced's linear sweep of RAW
 *
 * Compared: valid vs invalid, the length when valid, "need more bytes" vs
 * invalid. For every case iced decodes as valid with length L, xie is also
 * given only the first k < L bytes, placed right before a PROT_NONE page: it
 * must answer XIE_DECODE_MORE and must not read past what it was given.
 * Exit status: 0 when every mismatch matches a line of the known-differences
 * file, 1 otherwise, 2 on usage or I/O errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <regex.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "gen.h"
#include "xie/decode.h"

#define MAX_KNOWN          512
#define MAX_GROUPS         8192
#define EXAMPLES_PER_GROUP 3

struct known {
    regex_t re;
    char *text;
    unsigned long hits;
};

struct group {
    char key[48];
    unsigned long count;
    int nex;
    char *ex[EXAMPLES_PER_GROUP];
};

static struct known known[MAX_KNOWN];
static int nknown;
static struct group groups[MAX_GROUPS];
static int ngroups;
static unsigned long n_new, n_known, n_cases, n_valid, n_trunc_checked;
static int show_sigs; /* --sigs: print each example's signature (for known-differences.txt) */

/* The buffer right before a PROT_NONE guard page, for "no read past avail". */
static uint8_t *guard_end;
static char crash_note[160];

static void on_segv(int sig)
{
    static const char msg[] = "xiediff: xie_decode read past the bytes it was given: ";
    (void)sig;
    if (write(2, msg, sizeof msg - 1) < 0 || write(2, crash_note, strlen(crash_note)) < 0 ||
        write(2, "\n", 1) < 0)
        _exit(3);
    _exit(3);
}

static void guard_init(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    uint8_t *p =
        mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED || mprotect(p + pg, (size_t)pg, PROT_NONE) != 0) {
        perror("xiediff: guard page");
        exit(2);
    }
    guard_end = p + pg;
    signal(SIGSEGV, on_segv);
}

static void hex(const uint8_t *b, int n, char *out)
{
    static const char d[] = "0123456789abcdef";
    int i;
    for (i = 0; i < n; i++) {
        out[2 * i] = d[b[i] >> 4];
        out[2 * i + 1] = d[b[i] & 15];
    }
    out[2 * n] = 0;
}

/* Decode n bytes placed right before the guard page. */
static int decode_guarded(const uint8_t *b, int n, int bits, const struct xie_cpu_model *cpu,
                          struct xie_insn *out)
{
    enum xie_mode mode = bits == 16 ? XIE_MODE_16 : bits == 32 ? XIE_MODE_32 : XIE_MODE_64;
    uint8_t *p = guard_end - n;
    char h[2 * GEN_CASE_LEN + 1];
    memcpy(p, b, (size_t)n);
    hex(b, n, h);
    snprintf(crash_note, sizeof crash_note, "m%d avail=%d %s", bits, n, h);
    return xie_decode(p, (size_t)n, mode, cpu, out);
}

static const char *ud_short(unsigned r)
{
    static const char *const names[] = {"none",     "opcode",   "mode", "feature",    "lock",
                                        "need_mem", "need_reg", "reg",  "vex_prefix", "vex_vvvv",
                                        "vex_l",    "vex_w",    "evex", "operands"};
    return r < sizeof names / sizeof names[0] ? names[r] : "other";
}

/*
 * xie's verdict: signature form ("ok:5:addps", "ud:lock", "more", "gp") and display
 * form.
 */
static void xie_verdict(int st, const struct xie_insn *in, uint64_t rip, char *sig, size_t ssz,
                        char *disp, size_t dsz)
{
    char text[160];
    switch (st) {
    case XIE_DECODE_OK:
        xie_format(in, rip, text, sizeof text);
        snprintf(sig, ssz, "ok:%u:%s", in->len, xie_op_name(in->op));
        snprintf(disp, dsz, "%u %s", in->len, text);
        break;
    case XIE_DECODE_MORE:
        snprintf(sig, ssz, "more");
        snprintf(disp, dsz, "more");
        break;
    case XIE_DECODE_UD:
        snprintf(sig, ssz, "ud:%s", ud_short(in->ud));
        snprintf(disp, dsz, "invalid(%s)", xie_ud_reason_str(in->ud));
        break;
    default:
        snprintf(sig, ssz, "gp");
        snprintf(disp, dsz, "#GP(longer than 15 bytes)");
        break;
    }
}

static void load_known(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    int lineno = 0;
    if (!f) {
        fprintf(stderr, "xiediff: %s: %s\n", path, strerror(errno));
        exit(2);
    }
    while (fgets(line, sizeof line, f)) {
        char *hash, *end;
        int rc;
        lineno++;
        line[strcspn(line, "\n")] = 0;
        if (line[0] == '#' || line[strspn(line, " \t")] == 0) continue;
        hash = strstr(line, " # ");
        if (!hash || !strstr(hash, "CPU:")) {
            fprintf(stderr, "xiediff: %s:%d: each line is 'REGEX # CPU: verdict ...'\n", path,
                    lineno);
            exit(2);
        }
        end = hash;
        while (end > line && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        *end = 0;
        if (nknown == MAX_KNOWN) {
            fprintf(stderr, "xiediff: %s: too many lines\n", path);
            exit(2);
        }
        rc = regcomp(&known[nknown].re, line, REG_EXTENDED | REG_NOSUB);
        if (rc != 0) {
            fprintf(stderr, "xiediff: %s:%d: bad regex\n", path, lineno);
            exit(2);
        }
        known[nknown].text = strdup(line);
        nknown++;
    }
    fclose(f);
}

static int match_known(const char *sig)
{
    int i;
    for (i = 0; i < nknown; i++) {
        if (regexec(&known[i].re, sig, 0, NULL, 0) == 0) {
            known[i].hits++;
            return 1;
        }
    }
    return 0;
}

static struct group *group_of(const char *key)
{
    int i;
    for (i = 0; i < ngroups; i++)
        if (strcmp(groups[i].key, key) == 0) return &groups[i];
    if (ngroups == MAX_GROUPS) return &groups[MAX_GROUPS - 1];
    snprintf(groups[ngroups].key, sizeof groups[ngroups].key, "%s", key);
    return &groups[ngroups++];
}

/* Record one mismatch: known ones are only counted, new ones grouped by opcode key. */
static void mismatch(const char *sig, const char *key, const char *line)
{
    struct group *g;
    if (match_known(sig)) {
        n_known++;
        return;
    }
    n_new++;
    g = group_of(key);
    g->count++;
    if (g->nex < EXAMPLES_PER_GROUP) {
        char both[1024];
        snprintf(both, sizeof both, "%s\n      sig: %s", line, sig);
        g->ex[g->nex++] = strdup(show_sigs ? both : line);
    }
}

static int cmp_groups(const void *a, const void *b)
{
    const struct group *x = a, *y = b;
    return x->count < y->count ? 1 : x->count > y->count ? -1 : strcmp(x->key, y->key);
}

static void report(const char *what, int show)
{
    int i, j, shown = 0;
    qsort(groups, (size_t)ngroups, sizeof groups[0], cmp_groups);
    printf("%s: %lu cases, %lu valid per iced, %lu truncation checks; mismatches: %lu new, "
           "%lu known\n",
           what, n_cases, n_valid, n_trunc_checked, n_new, n_known);
    if (n_new) printf("  new mismatches in %d opcode groups (largest first):\n", ngroups);
    for (i = 0; i < ngroups && shown < show; i++) {
        printf("  [%lu] %s\n", groups[i].count, groups[i].key);
        for (j = 0; j < groups[i].nex && shown < show; j++, shown++)
            printf("    %s\n", groups[i].ex[j]);
    }
    if (i < ngroups) printf("  ... %d more groups (use --show N)\n", ngroups - i);
    for (i = 0; i < nknown; i++)
        if (known[i].hits) printf("  known difference x%lu: %s\n", known[i].hits, known[i].text);
}

/* Split "ok LEN TEXT" / "invalid" / "more" into its parts. */
static void parse_iced(char *line, int *len, const char **status, const char **text)
{
    char *sp;
    line[strcspn(line, "\n")] = 0;
    *len = 0;
    *text = "";
    *status = line;
    if (strncmp(line, "ok ", 3) == 0) {
        line[2] = 0;
        *len = (int)strtol(line + 3, &sp, 10);
        *text = *sp ? sp + 1 : sp;
    }
}

/* iced's mnemonic: the first word of its text that is not a prefix. */
static const char *mnemonic(const char *text, char *buf, size_t size)
{
    static const char *const pfx[] = {"rep",      "repe",   "repne",   "lock", "xacquire",
                                      "xrelease", "bnd",    "notrack", "es",   "cs",
                                      "ss",       "ds",     "fs",      "gs",   "addr16",
                                      "addr32",   "data16", "data32",  "rex",  "rex.w"};
    const char *p = text;
    for (;;) {
        size_t n = strcspn(p, " "), i;
        int is_pfx = 0;
        for (i = 0; i < sizeof pfx / sizeof pfx[0]; i++)
            if (strlen(pfx[i]) == n && strncmp(p, pfx[i], n) == 0) is_pfx = 1;
        if (!is_pfx || p[n] == 0) {
            snprintf(buf, size, "%.*s", (int)n, p);
            return buf;
        }
        p += n + 1;
    }
}

/*
 * Compare one decode: bytes b (avail bytes), iced's answer. Returns 1 when xie
 * and iced agree that the instruction is valid with the same length, 0 when
 * they agree otherwise, -1 on a mismatch (recorded).
 */
static int compare_one(const uint8_t *b, int avail, int bits, const char *vendor,
                       const struct xie_cpu_model *cpu, uint64_t rip, const char *ist, int ilen,
                       const char *itext, const char *where)
{
    struct xie_insn in;
    char xsig[64], xdisp[200], isig[64], idisp[200], mn[32], h[2 * GEN_CASE_LEN + 2], key[48];
    char sig[400], line[600];
    int st = decode_guarded(b, avail, bits, cpu, &in), agree, showlen;
    xie_verdict(st, &in, rip, xsig, sizeof xsig, xdisp, sizeof xdisp);
    if (strcmp(ist, "ok") == 0) {
        snprintf(isig, sizeof isig, "ok:%d:%s", ilen, mnemonic(itext, mn, sizeof mn));
        snprintf(idisp, sizeof idisp, "%d %s", ilen, itext);
        agree = st == XIE_DECODE_OK && in.len == ilen;
    } else if (strcmp(ist, "more") == 0) {
        snprintf(isig, sizeof isig, "more");
        snprintf(idisp, sizeof idisp, "more");
        agree = st == XIE_DECODE_MORE;
    } else {
        snprintf(isig, sizeof isig, "invalid");
        snprintf(idisp, sizeof idisp, "invalid");
        agree = st == XIE_DECODE_UD || st == XIE_DECODE_GP;
    }
    if (st == XIE_DECODE_OK && in.len > avail) agree = 0;
    if (agree) return strcmp(ist, "ok") == 0;
    gen_opcode_key(b, avail, bits, key, sizeof key);
    hex(b, avail, h);
    /* Show the instruction bytes, then a space, then the trailing bytes. */
    showlen = st == XIE_DECODE_OK ? in.len : 0;
    if (ilen > showlen) showlen = ilen;
    if (showlen > 0 && showlen < avail) {
        memmove(h + 2 * showlen + 1, h + 2 * showlen, strlen(h + 2 * showlen) + 1);
        h[2 * showlen] = ' ';
    }
    snprintf(sig, sizeof sig, "m%d %s %s key=%s xie=%s iced=%s hex=", bits, vendor, where, key,
             xsig, isig);
    hex(b, avail, sig + strlen(sig));
    snprintf(line, sizeof line, "m%-2d %-5s %s  xie: %s  iced: %s", bits, vendor, h, xdisp, idisp);
    mismatch(sig, key, line);
    return -1;
}

/* For a case iced decodes with length L: every prefix of k < L bytes must be MORE. */
static void truncations(const uint8_t *b, int ilen, int bits, const char *vendor,
                        const struct xie_cpu_model *cpu, const char *itext)
{
    int k;
    for (k = 1; k < ilen; k++) {
        n_trunc_checked++;
        if (compare_one(b, k, bits, vendor, cpu, 0, "more", 0, itext, "trunc") < 0)
            return; /* one report per case is enough */
    }
}

static FILE *open_or_die(const char *path, const char *mode)
{
    FILE *f = fopen(path, mode);
    if (!f) {
        fprintf(stderr, "xiediff: %s: %s\n", path, strerror(errno));
        exit(2);
    }
    return f;
}

struct opts {
    int bits, count, show, cls;
    uint64_t seed;
    const char *vendor, *known, *name;
    const char *pos[3];
    int npos;
};

static void usage(void)
{
    fprintf(stderr, "usage: xiediff gen --bits B --count N --seed S --class C OUT.bin\n"
                    "       xiediff mutate --count N --seed S CASES.bin ICED.txt OUT.bin\n"
                    "       xiediff cmp --bits B --vendor intel|amd [--class C] [--known F] "
                    "[--show N] [--sigs] CASES.bin ICED.txt\n"
                    "       xiediff sweep --bits B --vendor intel|amd --name NAME [--known F] "
                    "[--show N] [--sigs] RAW ICED.txt\n");
    exit(2);
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
    int i;
    memset(o, 0, sizeof *o);
    o->bits = 64;
    o->count = 20000;
    o->show = 50;
    o->cls = GEN_ALL;
    o->seed = 1;
    o->vendor = "intel";
    o->name = "raw";
    for (i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (a[0] == '-' && !v && strcmp(a, "--sigs") != 0) usage();
        if (strcmp(a, "--bits") == 0)
            o->bits = atoi(v);
        else if (strcmp(a, "--count") == 0)
            o->count = atoi(v);
        else if (strcmp(a, "--seed") == 0)
            o->seed = strtoull(v, NULL, 0);
        else if (strcmp(a, "--class") == 0)
            o->cls = gen_class_parse(v);
        else if (strcmp(a, "--vendor") == 0)
            o->vendor = v;
        else if (strcmp(a, "--known") == 0)
            o->known = v;
        else if (strcmp(a, "--show") == 0)
            o->show = atoi(v);
        else if (strcmp(a, "--sigs") == 0) {
            show_sigs = 1;
            continue;
        } else if (strcmp(a, "--name") == 0)
            o->name = v;
        else if (a[0] == '-')
            usage();
        else if (o->npos < 3) {
            o->pos[o->npos++] = a;
            continue;
        } else
            usage();
        i++;
    }
    if ((o->bits != 16 && o->bits != 32 && o->bits != 64) || o->cls < 0 ||
        (strcmp(o->vendor, "intel") != 0 && strcmp(o->vendor, "amd") != 0))
        usage();
}

static int cmd_gen(struct opts *o)
{
    struct gen_rng r;
    FILE *f;
    uint8_t rec[16];
    int i;
    if (o->npos != 1 || o->cls == GEN_MUTANT) usage();
    f = open_or_die(o->pos[0], "wb");
    gen_seed(&r, o->seed * 131 + (uint64_t)o->bits * 7 + (uint64_t)o->cls);
    rec[15] = 0;
    for (i = 0; i < o->count; i++) {
        gen_case(&r, o->cls, o->bits, rec);
        if (fwrite(rec, 1, 16, f) != 16) {
            perror("xiediff: write");
            return 2;
        }
    }
    return fclose(f) == 0 ? 0 : 2;
}

/* First byte after legacy prefixes and REX is C4, C5, 62 or 8F (a VEX/EVEX/XOP candidate). */
static int is_vector(const uint8_t *b)
{
    int i = 0;
    while (i < GEN_CASE_LEN - 1 &&
           (strchr("\xf0\xf2\xf3\x2e\x36\x3e\x26\x64\x65\x66\x67", b[i]) || (b[i] & 0xf0) == 0x40))
        i++;
    return b[i] == 0xc4 || b[i] == 0xc5 || b[i] == 0x62 || b[i] == 0x8f;
}

static int cmd_mutate(struct opts *o)
{
    struct gen_rng r;
    FILE *cf, *icf, *of;
    uint8_t rec[16], out[16], (*seeds)[16] = NULL;
    int *lens = NULL, *vec, nseeds = 0, nvec = 0, cap = 0, i;
    char line[512];
    if (o->npos != 3) usage();
    cf = open_or_die(o->pos[0], "rb");
    icf = open_or_die(o->pos[1], "r");
    while (fread(rec, 1, 16, cf) == 16 && fgets(line, sizeof line, icf)) {
        int ilen;
        const char *ist, *itext;
        parse_iced(line, &ilen, &ist, &itext);
        if (strcmp(ist, "ok") != 0) continue;
        if (nseeds == cap) {
            cap = cap ? cap * 2 : 4096;
            seeds = realloc(seeds, (size_t)cap * sizeof *seeds);
            lens = realloc(lens, (size_t)cap * sizeof *lens);
            if (!seeds || !lens) {
                fprintf(stderr, "xiediff: out of memory\n");
                return 2;
            }
        }
        memcpy(seeds[nseeds], rec, 16);
        lens[nseeds++] = ilen;
    }
    fclose(cf);
    fclose(icf);
    if (nseeds == 0) {
        fprintf(stderr, "xiediff: no valid case to mutate\n");
        return 2;
    }
    vec = malloc((size_t)nseeds * sizeof *vec);
    if (!vec) {
        fprintf(stderr, "xiediff: out of memory\n");
        return 2;
    }
    of = open_or_die(o->pos[2], "wb");
    gen_seed(&r, o->seed * 977 + 5);
    out[15] = 0;
    /* Half of the mutants come from VEX/EVEX/XOP seeds, which are rare among valid cases. */
    for (i = 0; i < nseeds; i++)
        if (is_vector(seeds[i])) vec[nvec++] = i;
    for (i = 0; i < o->count; i++) {
        int k = nvec && (gen_next(&r) & 1) ? vec[gen_next(&r) % (uint64_t)nvec]
                                           : (int)(gen_next(&r) % (uint64_t)nseeds);
        gen_mutate(&r, seeds[k], lens[k], out);
        if (fwrite(out, 1, 16, of) != 16) {
            perror("xiediff: write");
            return 2;
        }
    }
    free(seeds);
    free(lens);
    free(vec);
    return fclose(of) == 0 ? 0 : 2;
}

static void model(const struct opts *o, struct xie_cpu_model *cpu)
{
    xie_cpu_model_all(cpu, strcmp(o->vendor, "amd") == 0 ? XIE_VENDOR_AMD : XIE_VENDOR_INTEL);
}

static int cmd_cmp(struct opts *o)
{
    struct xie_cpu_model cpu;
    FILE *cf, *icf;
    uint8_t rec[16];
    char line[512], what[128];
    if (o->npos != 2) usage();
    model(o, &cpu);
    cf = open_or_die(o->pos[0], "rb");
    icf = open_or_die(o->pos[1], "r");
    while (fread(rec, 1, 16, cf) == 16) {
        int ilen;
        const char *ist, *itext;
        if (!fgets(line, sizeof line, icf)) {
            fprintf(stderr, "xiediff: %s ends early\n", o->pos[1]);
            return 2;
        }
        parse_iced(line, &ilen, &ist, &itext);
        n_cases++;
        if (strcmp(ist, "ok") == 0) n_valid++;
        if (compare_one(rec, GEN_CASE_LEN, o->bits, o->vendor, &cpu, 0, ist, ilen, itext, "full") >
            0)
            truncations(rec, ilen, o->bits, o->vendor, &cpu, itext);
    }
    snprintf(what, sizeof what, "diff m%d %s class=%s seed=%llu", o->bits, o->vendor,
             gen_class_name(o->cls), (unsigned long long)o->seed);
    report(what, o->show);
    return n_new ? 1 : 0;
}

static int cmd_sweep(struct opts *o)
{
    struct xie_cpu_model cpu;
    FILE *rf, *icf;
    uint8_t *data;
    long size;
    char line[512], what[160];
    if (o->npos != 2) usage();
    model(o, &cpu);
    rf = open_or_die(o->pos[0], "rb");
    fseek(rf, 0, SEEK_END);
    size = ftell(rf);
    fseek(rf, 0, SEEK_SET);
    data = malloc((size_t)size + 1);
    if (!data || fread(data, 1, (size_t)size, rf) != (size_t)size) {
        fprintf(stderr, "xiediff: cannot read %s\n", o->pos[0]);
        return 2;
    }
    fclose(rf);
    icf = open_or_die(o->pos[1], "r");
    while (fgets(line, sizeof line, icf)) {
        char *rest;
        long off = strtol(line, &rest, 10);
        int ilen, avail;
        const char *ist, *itext;
        if (off < 0 || off >= size || *rest != ' ') {
            fprintf(stderr, "xiediff: bad line in %s\n", o->pos[1]);
            return 2;
        }
        parse_iced(rest + 1, &ilen, &ist, &itext);
        avail = size - off < GEN_CASE_LEN ? (int)(size - off) : GEN_CASE_LEN;
        n_cases++;
        if (strcmp(ist, "ok") == 0) n_valid++;
        compare_one(data + off, avail, o->bits, o->vendor, &cpu, (uint64_t)off, ist, ilen, itext,
                    "sweep");
    }
    snprintf(what, sizeof what, "sweep %s m%d %s (%ld bytes)", o->name, o->bits, o->vendor, size);
    report(what, o->show);
    free(data);
    return n_new ? 1 : 0;
}

int main(int argc, char **argv)
{
    struct opts o;
    if (argc < 2) usage();
    parse_opts(argc, argv, &o);
    if (o.known) load_known(o.known);
    guard_init();
    if (strcmp(argv[1], "gen") == 0) return cmd_gen(&o);
    if (strcmp(argv[1], "mutate") == 0) return cmd_mutate(&o);
    if (strcmp(argv[1], "cmp") == 0) return cmd_cmp(&o);
    if (strcmp(argv[1], "sweep") == 0) return cmd_sweep(&o);
    usage();
    return 2;
}
