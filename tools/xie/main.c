/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xie: command-line front end of the decoder.
 *   xie decode [options] HEX...        decode each argument
 *   xie decode [options] -             one hex instruction per line on stdin
 *   xie decode [options] --raw FILE    linear sweep over a raw byte file
 *   xie demo [SCENARIO...] [ELF]       code on trapped device memory; disassemble a binary
 *   xie cpu [--cpu host|all]           the CPU model the decoder validates against
 *   xie version
 * See docs/tool.md.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "gen/features.h"
#include "tool.h"
#include "xie/host.h"

#define TEXT_MAX 256

void tool_error(const char *fmt, ...)
{
    va_list ap;

    fputs("xie: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

long parse_hex(const char *s, size_t n, uint8_t *out, size_t max, const char **why)
{
    size_t i = 0, len = 0;
    int hi = -1, v;

    while (i < n) {
        char c = s[i];

        if (c == ' ' || c == '\t' || c == '\r' || c == ',') {
            if (hi >= 0) {
                *why = "odd number of hex digits in a byte";
                return -1;
            }
            i++;
            continue;
        }
        if (c == '0' && hi < 0 && i + 1 < n && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
            i += 2;
            continue;
        }
        v = hexval((unsigned char)c);
        if (v < 0) {
            *why = "not a hex digit";
            return -1;
        }
        if (hi < 0) {
            hi = v;
        } else {
            if (len >= max) {
                *why = "too many bytes";
                return -1;
            }
            out[len++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
        i++;
    }
    if (hi >= 0) {
        *why = "odd number of hex digits";
        return -1;
    }
    return (long)len;
}

const char *status_word(int st)
{
    switch (st) {
    case XIE_DECODE_UD: return "invalid";
    case XIE_DECODE_MORE: return "incomplete";
    case XIE_DECODE_GP: return "#GP";
    default: return "ok";
    }
}

const char *status_reason(int st, const struct xie_insn *insn)
{
    switch (st) {
    case XIE_DECODE_UD: return xie_ud_reason_str(insn->ud);
    case XIE_DECODE_MORE: return "need more bytes";
    case XIE_DECODE_GP: return "too long";
    default: return "";
    }
}

static void usage_main(FILE *f)
{
    fputs("usage: xie COMMAND [ARGS]\n"
          "\n"
          "x86 instruction decoder (xie " XIE_TOOL_VERSION ").\n"
          "\n"
          "commands:\n"
          "  decode   decode instructions given as hex, on stdin, or in a raw file\n"
          "  demo     run real code on trapped device memory (xchg, counters, lapic)\n"
          "           and disassemble a real binary (decode); summary table\n"
          "  cpu      print a CPU model: vendor and features (--cpu host|all)\n"
          "  version  print the version\n"
          "  help     this text\n"
          "\n"
          "`xie COMMAND --help` describes a command.\n",
          f);
}

static void usage_decode(FILE *f)
{
    fputs("usage: xie decode [OPTIONS] HEX...\n"
          "       xie decode [OPTIONS] -\n"
          "       xie decode [OPTIONS] --raw FILE [--offset N] [--size N] [--count]\n"
          "\n"
          "Decode x86 instructions and print them in Intel syntax.\n"
          "\n"
          "  HEX...        each argument is one instruction in hex, with or without\n"
          "                spaces (\"48 8b 43 10\" or 488b4310); only its first\n"
          "                instruction is decoded. Prints LEN<TAB>TEXT, or\n"
          "                invalid<TAB>REASON, incomplete<TAB>need more bytes,\n"
          "                #GP<TAB>too long.\n"
          "  -             read one hex instruction per line from stdin; one output\n"
          "                line per input line (a bad line gives error<TAB>WHY and\n"
          "                exit status 1 at the end).\n"
          "  --raw FILE    sweep FILE linearly: ADDRESS<TAB>BYTES<TAB>TEXT per\n"
          "                instruction; an undecodable byte is printed as\n"
          "                (bad: REASON) and skipped.\n"
          "  --offset N    start the sweep N bytes into FILE (default 0)\n"
          "  --size N      sweep at most N bytes (default: to the end)\n"
          "  --count       print only totals: instructions, invalid, bytes, and\n"
          "                counts per opcode map and encoding\n"
          "\n"
          "options:\n"
          "  -m, --mode 16|32|64   code size (default 64)\n"
          "  --cpu host|all        feature set: this CPU's CPUID, or every feature\n"
          "                        (default all)\n"
          "  --vendor intel|amd    vendor rules (default: intel for --cpu all, the\n"
          "                        host's vendor for --cpu host)\n"
          "  --rip ADDR            address of the first instruction (branch targets,\n"
          "                        --raw addresses; default 0)\n"
          "  --json                one JSON object per instruction instead of text\n"
          "  -h, --help            this text\n"
          "\n"
          "Numbers (N, ADDR) are decimal or 0x-prefixed hex.\n"
          "Exit status: 0 success (invalid instructions are results, not errors),\n"
          "1 bad input data, 2 bad command line.\n",
          f);
}

static int parse_u64(const char *s, uint64_t *v)
{
    char *end;

    if (!*s || *s == '-') return -1;
    errno = 0;
    *v = strtoull(s, &end, 0);
    if (errno || *end) return -1;
    return 0;
}

/* Print one decode result in the LEN<TAB>TEXT form (or JSON) to stdout. */
static void print_result(const struct tool_opts *o, int st, const struct xie_insn *insn,
                         const uint8_t *bytes, size_t n)
{
    char text[TEXT_MAX];

    if (o->json) {
        print_json(stdout, st, insn, bytes, st == XIE_DECODE_OK ? insn->len : n, o->rip, 0);
        putchar('\n');
        return;
    }
    if (st == XIE_DECODE_OK) {
        xie_format(insn, o->rip, text, sizeof(text));
        printf("%u\t%s\n", insn->len, text);
    } else {
        printf("%s\t%s\n", status_word(st), status_reason(st, insn));
    }
}

static int decode_args(const struct tool_opts *o, int argc, char **argv)
{
    uint8_t bytes[256];
    struct xie_insn insn;
    const char *why = "";
    long n;
    int i, st;

    for (i = 0; i < argc; i++) {
        n = parse_hex(argv[i], strlen(argv[i]), bytes, sizeof(bytes), &why);
        if (n < 0) {
            tool_error("bad hex \"%s\": %s", argv[i], why);
            return TOOL_EXIT_INPUT;
        }
        if (n == 0) {
            tool_error("bad hex \"%s\": no bytes", argv[i]);
            return TOOL_EXIT_INPUT;
        }
    }
    for (i = 0; i < argc; i++) {
        n = parse_hex(argv[i], strlen(argv[i]), bytes, sizeof(bytes), &why);
        st = xie_decode(bytes, (size_t)n, o->mode, &o->cpu, &insn);
        print_result(o, st, &insn, bytes, (size_t)n);
    }
    return TOOL_EXIT_OK;
}

/* stdin mode: used by million-line differential tests, so it reads and writes
 * through large stdio buffers (no system call per line). */
static int decode_stdin(const struct tool_opts *o)
{
    static char inbuf[1 << 20], outbuf[1 << 20];
    uint8_t bytes[256];
    struct xie_insn insn;
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    const char *why;
    long n;
    int st, rc = TOOL_EXIT_OK;
    unsigned long lineno = 0;

    setvbuf(stdin, inbuf, _IOFBF, sizeof(inbuf));
    setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
    while ((got = getline(&line, &cap, stdin)) >= 0) {
        lineno++;
        if (got && line[got - 1] == '\n') got--;
        why = "";
        n = parse_hex(line, (size_t)got, bytes, sizeof(bytes), &why);
        if (n <= 0) {
            printf("error\t%s\n", n < 0 ? why : "no bytes");
            if (rc == TOOL_EXIT_OK)
                tool_error("line %lu: bad hex: %s", lineno, n < 0 ? why : "no bytes");
            rc = TOOL_EXIT_INPUT;
            continue;
        }
        st = xie_decode(bytes, (size_t)n, o->mode, &o->cpu, &insn);
        print_result(o, st, &insn, bytes, (size_t)n);
    }
    free(line);
    fflush(stdout);
    return rc;
}

/* Totals of a --raw sweep. */
struct sweep_stats {
    unsigned long insns, invalid, bytes;
    unsigned long map[16];
    unsigned long legacy, vex, evex, xop;
};

static void print_bytes(const uint8_t *b, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        printf(i ? " %02x" : "%02x", b[i]);
}

static int decode_raw(const struct tool_opts *o, const char *path, uint64_t off, int have_size,
                      uint64_t size, int count_only)
{
    static const char *const map_names[16] = {
        "one-byte", "0F",   "0F38", "0F3A",  "map4",  "map5",  "map6",  "map7",
        "xop8",     "xop9", "xopA", "map11", "map12", "map13", "map14", "3DNow!"};
    FILE *f = fopen(path, "rb");
    uint8_t *data;
    long fsize;
    size_t end, pos, n;
    struct xie_insn insn;
    struct sweep_stats s;
    char text[TEXT_MAX];
    int st, i;

    if (!f) {
        tool_error("cannot open %s: %s", path, strerror(errno));
        return TOOL_EXIT_INPUT;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (fsize = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        tool_error("cannot read %s: not a regular file", path);
        fclose(f);
        return TOOL_EXIT_INPUT;
    }
    if (off > (uint64_t)fsize) {
        tool_error("--offset %llu is beyond the end of %s (%ld bytes)", (unsigned long long)off,
                   path, fsize);
        fclose(f);
        return TOOL_EXIT_USAGE;
    }
    data = malloc((size_t)fsize + 1);
    if (!data || fread(data, 1, (size_t)fsize, f) != (size_t)fsize) {
        tool_error("cannot read %s", path);
        free(data);
        fclose(f);
        return TOOL_EXIT_INPUT;
    }
    fclose(f);
    end = (size_t)fsize;
    if (have_size && size < end - off) end = (size_t)(off + size);

    memset(&s, 0, sizeof(s));
    for (pos = (size_t)off; pos < end; pos += n) {
        uint64_t addr = o->rip + (pos - (size_t)off);

        st = xie_decode(data + pos, end - pos, o->mode, &o->cpu, &insn);
        n = st == XIE_DECODE_OK ? insn.len : st == XIE_DECODE_MORE ? end - pos : 1;
        if (st == XIE_DECODE_OK) {
            s.insns++;
            s.bytes += n;
            s.map[insn.map & 15]++;
            if (insn.prefixes & XIE_PFX_EVEX)
                s.evex++;
            else if (insn.prefixes & XIE_PFX_VEX)
                s.vex++;
            else if (insn.prefixes & XIE_PFX_XOP)
                s.xop++;
            else
                s.legacy++;
        } else {
            s.invalid++;
            s.bytes += n;
        }
        if (count_only) continue;
        if (o->json) {
            print_json(stdout, st, &insn, data + pos, n, addr, 1);
            putchar('\n');
            continue;
        }
        printf("%08llx\t", (unsigned long long)addr);
        print_bytes(data + pos, n);
        if (st == XIE_DECODE_OK) {
            xie_format(&insn, addr, text, sizeof(text));
            printf("\t%s\n", text);
        } else {
            printf("\t(%s: %s)\n", status_word(st), status_reason(st, &insn));
        }
    }
    free(data);
    if (count_only) {
        printf("instructions\t%lu\ninvalid\t%lu\nbytes\t%lu\n", s.insns, s.invalid, s.bytes);
        printf("legacy\t%lu\nvex\t%lu\nevex\t%lu\nxop\t%lu\n", s.legacy, s.vex, s.evex, s.xop);
        for (i = 0; i < 16; i++)
            if (s.map[i]) printf("map %s\t%lu\n", map_names[i], s.map[i]);
    }
    return TOOL_EXIT_OK;
}

static int cmd_decode(int argc, char **argv)
{
    struct tool_opts o;
    const char *raw = NULL, *cpu = "all", *vendor = NULL;
    uint64_t off = 0, size = 0, v;
    int have_size = 0, count = 0, use_stdin = 0, only_hex = 0, nhex = 0, i, rc;
    char **hex = calloc((size_t)argc + 1, sizeof(*hex));

    if (!hex) {
        tool_error("out of memory");
        return TOOL_EXIT_INPUT;
    }
    memset(&o, 0, sizeof(o));
    o.mode = XIE_MODE_64;
    /* Options may stand anywhere; "--" makes the rest hex arguments. */
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;

        if (only_hex || a[0] != '-') {
            hex[nhex++] = argv[i];
            continue;
        }
        if (!strcmp(a, "--")) {
            only_hex = 1;
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage_decode(stdout);
            free(hex);
            return TOOL_EXIT_OK;
        } else if (!strcmp(a, "-")) {
            use_stdin = 1;
        } else if (!strcmp(a, "--json")) {
            o.json = 1;
        } else if (!strcmp(a, "--count")) {
            count = 1;
        } else if (!strcmp(a, "-m") || !strcmp(a, "--mode") || !strcmp(a, "--cpu") ||
                   !strcmp(a, "--vendor") || !strcmp(a, "--raw") || !strcmp(a, "--offset") ||
                   !strcmp(a, "--size") || !strcmp(a, "--rip")) {
            if (!val) {
                tool_error("option %s needs a value (see xie decode --help)", a);
                goto usage;
            }
            i++;
            if (!strcmp(a, "-m") || !strcmp(a, "--mode")) {
                if (!strcmp(val, "16"))
                    o.mode = XIE_MODE_16;
                else if (!strcmp(val, "32"))
                    o.mode = XIE_MODE_32;
                else if (!strcmp(val, "64"))
                    o.mode = XIE_MODE_64;
                else {
                    tool_error("bad mode \"%s\": use 16, 32 or 64", val);
                    goto usage;
                }
            } else if (!strcmp(a, "--cpu")) {
                cpu = val;
                if (strcmp(cpu, "host") && strcmp(cpu, "all")) {
                    tool_error("bad --cpu \"%s\": use host or all", val);
                    goto usage;
                }
            } else if (!strcmp(a, "--vendor")) {
                vendor = val;
                if (strcmp(vendor, "intel") && strcmp(vendor, "amd")) {
                    tool_error("bad --vendor \"%s\": use intel or amd", val);
                    goto usage;
                }
            } else if (!strcmp(a, "--raw")) {
                raw = val;
            } else {
                if (parse_u64(val, &v)) {
                    tool_error("bad number \"%s\" for %s", val, a);
                    goto usage;
                }
                if (!strcmp(a, "--offset")) {
                    off = v;
                } else if (!strcmp(a, "--size")) {
                    size = v;
                    have_size = 1;
                } else {
                    o.rip = v;
                }
            }
        } else {
            tool_error("unknown option %s (see xie decode --help)", a);
            goto usage;
        }
    }

    if (!strcmp(cpu, "host"))
        xie_cpu_model_host(&o.cpu);
    else
        xie_cpu_model_all(&o.cpu,
                          vendor && !strcmp(vendor, "amd") ? XIE_VENDOR_AMD : XIE_VENDOR_INTEL);
    if (vendor) o.cpu.vendor = !strcmp(vendor, "amd") ? XIE_VENDOR_AMD : XIE_VENDOR_INTEL;

    if ((off || have_size || count) && !raw) {
        tool_error("--offset, --size and --count need --raw FILE");
        goto usage;
    }
    if (raw && (use_stdin || nhex)) {
        tool_error("--raw takes no hex arguments and no -");
        goto usage;
    }
    if (use_stdin && nhex) {
        tool_error("- (stdin) takes no hex arguments");
        goto usage;
    }
    if (!raw && !use_stdin && !nhex) {
        tool_error("nothing to decode: give HEX arguments, - or --raw FILE (see xie decode "
                   "--help)");
        goto usage;
    }
    if (raw)
        rc = decode_raw(&o, raw, off, have_size, size, count);
    else if (use_stdin)
        rc = decode_stdin(&o);
    else
        rc = decode_args(&o, nhex, hex);
    free(hex);
    return rc;
usage:
    free(hex);
    return TOOL_EXIT_USAGE;
}

/* `xie cpu`: the model --cpu builds, one feature per line, so that the host model
 * can be checked against the operating system's view (tests/tool/cli.sh). */
static int cmd_cpu(int argc, char **argv)
{
    struct xie_cpu_model m;
    int i, host = 1;
    unsigned f;

    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs("usage: xie cpu [--cpu host|all]\n"
                  "\n"
                  "Print the CPU model the decoder validates against: the vendor, then one\n"
                  "line per feature of the ISA table: NAME<TAB>yes|no. --cpu host (the\n"
                  "default) reads this CPU's CPUID (and XCR0 for AVX/AVX-512 state);\n"
                  "--cpu all is the every-feature model used for disassembly.\n",
                  stdout);
            return TOOL_EXIT_OK;
        }
        if (!strcmp(argv[i], "--cpu") && i + 1 < argc &&
            (!strcmp(argv[i + 1], "host") || !strcmp(argv[i + 1], "all"))) {
            host = !strcmp(argv[++i], "host");
            continue;
        }
        tool_error("usage: xie cpu [--cpu host|all] (see xie cpu --help)");
        return TOOL_EXIT_USAGE;
    }
    if (host)
        xie_cpu_model_host(&m);
    else
        xie_cpu_model_all(&m, XIE_VENDOR_INTEL);
    printf("vendor\t%s\n", m.vendor == XIE_VENDOR_AMD ? "amd" : "intel");
    for (f = 0; f < XIE_FEAT__COUNT; f++)
        printf("%s\t%s\n", xiei_feat_names[f], xie_cpu_has(&m, f) ? "yes" : "no");
    return TOOL_EXIT_OK;
}

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : NULL;

    if (!cmd) {
        usage_main(stderr);
        return TOOL_EXIT_USAGE;
    }
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        usage_main(stdout);
        return TOOL_EXIT_OK;
    }
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
        printf("xie %s\n", XIE_TOOL_VERSION);
        return TOOL_EXIT_OK;
    }
    if (!strcmp(cmd, "decode")) return cmd_decode(argc - 1, argv + 1);
    if (!strcmp(cmd, "demo")) return cmd_demo(argc - 1, argv + 1);
    if (!strcmp(cmd, "cpu")) return cmd_cpu(argc - 1, argv + 1);
    tool_error("unknown command \"%s\" (see xie --help)", cmd);
    return TOOL_EXIT_USAGE;
}
