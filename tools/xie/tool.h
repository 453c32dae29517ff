/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared pieces of the `xie` command-line tool (hosted): option state, the
 * decode/print helpers and the subcommands implemented in separate files.
 */
#ifndef XIE_TOOL_H
#define XIE_TOOL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "xie/decode.h"

#define XIE_TOOL_VERSION "0.1.0"

/* Exit statuses of the tool (documented in docs/tool.md). */
#define TOOL_EXIT_OK    0 /* success (undecodable instructions are results, not errors) */
#define TOOL_EXIT_INPUT 1 /* bad input data: bad hex on stdin, unreadable or malformed file */
#define TOOL_EXIT_USAGE 2 /* bad command line */

/* Options of `xie decode` (and the parts `xie demo` shares). */
struct tool_opts {
    enum xie_mode mode;
    struct xie_cpu_model cpu;
    int json;
    uint64_t rip; /* address of the first instruction (branch targets, --raw addresses) */
};

/* Print "xie: " and the message to stderr. */
void tool_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Parse hex text (pairs of hex digits, with or without spaces/tabs between bytes,
 * an optional "0x" before each byte group) into out (at most max bytes). Returns
 * the number of bytes, or -1 on a bad character, an odd digit count or more than
 * max bytes; *why then names the problem.
 */
long parse_hex(const char *s, size_t n, uint8_t *out, size_t max, const char **why);

/* Print one JSON object describing a decode result (status st) to f, without a
 * newline. bytes/len: the instruction bytes (len of them are printed as "bytes");
 * with_addr: also print "address": rip. */
void print_json(FILE *f, int st, const struct xie_insn *insn, const uint8_t *bytes, size_t len,
                uint64_t rip, int with_addr);

/* Short text of a non-OK decode status for the LEN<TAB>TEXT output ("invalid",
 * "incomplete", "#GP") and its reason. */
const char *status_word(int st);
const char *status_reason(int st, const struct xie_insn *insn);

/* `xie demo [OPTIONS] [SCENARIO...] [ELF]` (demo.c; `xie demo --help`): argv[0] is
 * "demo". Returns the exit status (0: every row passed). */
int cmd_demo(int argc, char **argv);

#endif
