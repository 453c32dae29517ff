/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `xie demo`: real compiled code running on trapped device memory (the trap
 * adapter, include/xie/trap.h), and the decode demonstration. Each table row
 * runs in a forked child, so that one that dies (the adapter aborts on an
 * instruction xie cannot emulate) is reported as failed and the others still
 * run. The summary table ends the output; the exit status is 0 only if every
 * row passed.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "demo.h"
#include "tool.h"
#include "xie/trap.h"

/* A child that has not reported after this long is killed and its row fails: a
 * hang detector only (a row normally takes seconds). */
#define ROW_TIMEOUT_SECONDS 300

#define DEFAULT_THREADS    4
#define DEFAULT_ITERATIONS 20000

struct scenario {
    const char *name;
    demo_fn fn;
    const char *variant[2]; /* names of the variants (NAME.VARIANT runs one) */
    const char *what;
};

static const struct scenario scenarios[] = {
    {"xchg",
     demo_xchg,
     {"page", "split"},
     "a producer XCHGs v != 0 into a trapped word X, N consumers XCHG 0\n"
     "            out of it (the atomicity test KVM and VMware fail); X in a\n"
     "            page (xchg.page), then straddling two pages (xchg.split)"},
    {"counters",
     demo_counters,
     {"page", "split"},
     "N threads: lock add (64-bit), lock xadd (32-bit) and a lock cmpxchg\n"
     "            loop (64-bit) on three trapped counters, in a page\n"
     "            (counters.page), then each straddling two pages (.split)"},
    {"lapic",
     demo_lapic,
     {"64", "32"},
     "N drivers, each with a LAPIC-like device (ID, clear-on-read status,\n"
     "            write-only command, EOI); 64-bit C (lapic.64), then 32-bit\n"
     "            code in compatibility mode (lapic.32); every access counted"},
    {"decode",
     demo_decode,
     {"", NULL},
     "disassemble a real binary's .text (libc by default): first 20\n"
     "            instructions, mnemonics, extensions, decode speed"},
};
#define NSCEN (sizeof(scenarios) / sizeof(scenarios[0]))

static void usage_demo(FILE *f)
{
    size_t i;

    fputs("usage: xie demo [--threads N] [--iterations N] [--negative] [SCENARIO...] [ELF]\n"
          "\n"
          "Runs real compiled code on trapped device memory: every access to a\n"
          "PROT_NONE region faults and is emulated by xie from the SIGSEGV handler (the\n"
          "trap adapter, docs/trap.md), against a device model. Scenarios (all by\n"
          "default, in this order):\n",
          f);
    for (i = 0; i < NSCEN; i++)
        fprintf(f, "  %-9s %s\n", scenarios[i].name, scenarios[i].what);
    fputs("SCENARIO.VARIANT runs one row of a scenario.\n", f);
    fprintf(f,
            "\n"
            "options:\n"
            "  --threads N     worker threads per scenario (default %d; xchg runs at\n"
            "                  least 2 consumers)\n"
            "  --iterations N  rounds per thread (default %d; xchg: producer rounds)\n"
            "  --negative      xchg and counters with a broken device whose compare-\n"
            "                  exchange is a read, then a write: those rows must FAIL\n"
            "                  (shows that the checks can fail)\n"
            "  ELF             the binary for decode (alone: run only decode)\n"
            "\n"
            "Each row of the table runs in its own process. Columns: device accesses\n"
            "(callbacks), instructions emulated, retries (LOCK races lost, each one\n"
            "more trap), ns/trap: the cost of one trapped instruction (counters,\n"
            "lapic: CPU time, user + system, of the threads' loops; xchg: wall time\n"
            "around each XCHG, runs over 100 us, preempted, left out), split into\n"
            "kernel (fault, signal delivery, sigreturn: ns/trap minus the handler),\n"
            "adapter (the SIGSEGV handler outside xie_emulate) and emulate\n"
            "(xie_emulate with the device callbacks), the last two from the trap\n"
            "adapter's counters (wall time of handler runs under 100 us).\n"
            "Pass/fail comes from exact counts only, never from time. For decode:\n"
            "instructions decoded and ns per instruction (its decode speed).\n"
            "Exit status: 0 if every row passed, 1 otherwise, 2 on a bad command line.\n",
            DEFAULT_THREADS, DEFAULT_ITERATIONS);
}

uint64_t demo_thread_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t demo_wall_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int demo_stalled(uint64_t progress, uint64_t *last, uint64_t *since)
{
    uint64_t now = demo_wall_ns() / 1000000000u;

    if (progress != *last || !*since) {
        *last = progress;
        *since = now;
        return 0;
    }
    return now - *since >= DEMO_STALL_SECONDS;
}

void demo_take_stats(const void *region, struct demo_row *row)
{
    struct xie_trap_stats s;

    if (xie_trap_stats(region, &s) != 0) return;
    row->accesses += s.reads + s.writes + s.cmpxchgs;
    row->insns += s.traps;
    row->retries += s.retries;
    row->splits += s.splits;
    row->timed += s.timed;
    row->handler_ns += s.handler_ns;
    row->emu_ns += s.emu_ns;
}

void demo_trap_init(void)
{
    if (xie_trap_init() != 0) {
        tool_error("xie_trap_init: %s", strerror(errno));
        _exit(1);
    }
}

/* Run one row in a child process; fills *row (a failed row if the child died or
 * hung). */
static void run_row(const struct demo_opts *o, const struct scenario *s, int variant,
                    struct demo_row *row)
{
    struct pollfd pfd;
    int fd[2], status = 0;
    size_t got = 0;
    ssize_t n;
    pid_t pid;

    memset(row, 0, sizeof(*row));
    snprintf(row->name, sizeof(row->name), "%s", s->name);
    fflush(NULL);
    if (pipe(fd) != 0 || (pid = fork()) < 0) {
        snprintf(row->detail, sizeof(row->detail), "cannot start: %s", strerror(errno));
        return;
    }
    if (pid == 0) {
        struct demo_row r;

        close(fd[0]);
        memset(&r, 0, sizeof(r));
        s->fn(o, variant, &r);
        fflush(NULL);
        n = write(fd[1], &r, sizeof(r));
        _exit(n == (ssize_t)sizeof(r) ? 0 : 1);
    }
    close(fd[1]);
    pfd.fd = fd[0];
    pfd.events = POLLIN;
    while (got < sizeof(*row)) {
        if (poll(&pfd, 1, ROW_TIMEOUT_SECONDS * 1000) <= 0) {
            kill(pid, SIGKILL);
            break;
        }
        n = read(fd[0], (char *)row + got, sizeof(*row) - got);
        if (n <= 0) break;
        got += (size_t)n;
    }
    close(fd[0]);
    waitpid(pid, &status, 0);
    if (got == sizeof(*row)) return;
    row->pass = 0;
    if (WIFSIGNALED(status))
        snprintf(row->detail, sizeof(row->detail), "the process died of signal %d (%s)%s",
                 WTERMSIG(status), strsignal(WTERMSIG(status)),
                 WTERMSIG(status) == SIGKILL ? ": no answer within the time limit" : "");
    else
        snprintf(row->detail, sizeof(row->detail), "the process exited with status %d",
                 WEXITSTATUS(status));
}

static void print_table(const struct demo_row *rows, int n)
{
    int i, npass = 0;

    printf("\nsummary (ns per trap = kernel + adapter + emulate; see xie demo --help):\n");
    printf("  %-26s %10s %10s %8s %8s %8s %8s %9s  %s\n", "scenario", "accesses", "emulated",
           "retries", "ns/trap", "kernel", "adapter", "emulate", "result");
    for (i = 0; i < n; i++) {
        const struct demo_row *r = &rows[i];

        npass += r->pass;
        if (r->decode) {
            printf("  %-26s %10s %10llu %8s %8.1f %8s %8s %9s  %s\n", r->name, "-",
                   (unsigned long long)r->insns, "-",
                   r->time_ops ? (double)r->time_ns / (double)r->time_ops : 0.0, "-", "-", "-",
                   r->pass ? "pass" : "FAIL");
        } else if (!r->timed || !r->time_ops) {
            printf("  %-26s %10llu %10llu %8llu %8s %8s %8s %9s  %s\n", r->name,
                   (unsigned long long)r->accesses, (unsigned long long)r->insns,
                   (unsigned long long)r->retries, "-", "-", "-", "-", r->pass ? "pass" : "FAIL");
        } else {
            double per = (double)r->time_ns / (double)r->time_ops;
            double hnd = (double)r->handler_ns / (double)r->timed;
            double emu = (double)r->emu_ns / (double)r->timed;

            printf("  %-26s %10llu %10llu %8llu %8.0f %8.0f %8.0f %9.0f  %s\n", r->name,
                   (unsigned long long)r->accesses, (unsigned long long)r->insns,
                   (unsigned long long)r->retries, per, per - hnd, hnd - emu, emu,
                   r->pass ? "pass" : "FAIL");
        }
    }
    printf("  %d of %d rows passed\n", npass, n);
}

static int parse_count(const char *s, long min, long *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min) return -1;
    *out = v;
    return 0;
}

int cmd_demo(int argc, char **argv)
{
    struct demo_opts o;
    struct demo_row rows[NSCEN * 2];
    int selected[NSCEN], any = 0, nrows = 0, allpass = 1, k, v, which;
    size_t i;
    long val;

    memset(&o, 0, sizeof(o));
    memset(selected, 0, sizeof(selected));
    o.threads = DEFAULT_THREADS;
    o.iterations = DEFAULT_ITERATIONS;
    for (k = 1; k < argc; k++) {
        const char *a = argv[k];

        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage_demo(stdout);
            return TOOL_EXIT_OK;
        }
        if (!strcmp(a, "--threads") || !strcmp(a, "--iterations")) {
            if (k + 1 >= argc || parse_count(argv[k + 1], 1, &val) ||
                val > (a[2] == 't' ? 64 : 100000000L)) {
                tool_error("%s needs a number (threads 1..64, iterations 1..10^8)", a);
                return TOOL_EXIT_USAGE;
            }
            if (a[2] == 't')
                o.threads = (int)val;
            else
                o.iterations = val;
            k++;
            continue;
        }
        if (!strcmp(a, "--negative")) {
            o.negative = 1;
            continue;
        }
        if (a[0] == '-') {
            tool_error("unknown option %s (see xie demo --help)", a);
            return TOOL_EXIT_USAGE;
        }
        which = 0;
        for (i = 0; i < NSCEN; i++) {
            size_t len = strlen(scenarios[i].name);

            if (strncmp(a, scenarios[i].name, len)) continue;
            if (!a[len]) which = 3; /* every variant */
            for (v = 0; v < 2 && !which; v++)
                if (a[len] == '.' && scenarios[i].variant[v] && scenarios[i].variant[v][0] &&
                    !strcmp(a + len + 1, scenarios[i].variant[v]))
                    which = 1 << v;
            if (which) break;
            if (a[len] == '.') {
                tool_error("unknown variant %s (see xie demo --help)", a);
                return TOOL_EXIT_USAGE;
            }
        }
        if (i < NSCEN) {
            selected[i] |= which;
            any = 1;
        } else if (!o.elf) {
            o.elf = a;
        } else {
            tool_error("unknown scenario %s (see xie demo --help)", a);
            return TOOL_EXIT_USAGE;
        }
    }
    /* `xie demo ELF` alone is the decode demo of that binary, as before. */
    if (!any && o.elf) {
        for (i = 0; i < NSCEN; i++)
            selected[i] = strcmp(scenarios[i].name, "decode") ? 0 : 3;
        any = 1;
    }
    for (i = 0; i < NSCEN; i++) {
        for (v = 0; v < 2 && scenarios[i].variant[v]; v++) {
            if (any && !(selected[i] & (1 << v))) continue;
            if (scenarios[i].fn != demo_decode)
                printf("== %s.%s\n", scenarios[i].name, scenarios[i].variant[v]);
            run_row(&o, &scenarios[i], v, &rows[nrows]);
            printf("   %s: %s\n   %s\n", rows[nrows].name, rows[nrows].pass ? "pass" : "FAIL",
                   rows[nrows].detail);
            allpass &= rows[nrows].pass;
            nrows++;
        }
    }
    print_table(rows, nrows);
    if (o.negative)
        printf("  (--negative: the xchg and counters rows use a broken device and are "
               "expected to FAIL)\n");
    return allpass ? TOOL_EXIT_OK : TOOL_EXIT_INPUT;
}
