/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The CPU as a length oracle for xie's decoder (docs/decoder-verification.md).
 *
 *   cpulen --bits 64|32|16 [--iced ICED.txt] [--reject-pct P] [--show N] [--verbose]
 *          CASES.bin
 *
 * CASES.bin holds 16-byte records (15 instruction bytes + 1 unused) as written
 * by `xiediff gen`; ICED.txt, if given, holds iced-x86's verdicts for the same
 * records (tests/diff/iced_decode.js cases BITS amd ...). Every case xie (with
 * this CPU's model, xie_cpu_model_host()) or iced accepts is run, and P percent
 * (default 10) of the others.
 *
 * Method: for k = 1, 2, ... the first k bytes are placed at the very end of a
 * code page whose next page is PROT_NONE, and executed (64-bit mode; 32-bit
 * compatibility mode through a far jump to selector 0x23; 16-bit protected mode
 * through a far jump to a 16-bit code segment of the LDT whose base is the code
 * page, installed with modify_ldt). A page fault on an
 * instruction fetch (error code bit 4) with RIP at the first byte means the
 * instruction is longer than k; anything else (it executed, trapped, faulted on
 * data, #UD, #GP, or hung) means the CPU had the whole instruction: its length
 * is the first such k (SDM Vol. 3 6.9: a code page fault on fetching the
 * instruction has priority over the faults of decoding it).
 *
 * Safety: the bytes run in a forked child with a seccomp filter that turns every
 * system call into SIGSYS; all general registers point at an unmapped area;
 * signals are taken on an alternate stack and leave through cpulen_resume()
 * (enter.c) without touching TLS. The child reports through shared memory; the
 * parent restarts it when it dies or hangs (hang = the instruction ran: it is
 * counted as executed at that k).
 *
 * Exit status 1 when the CPU's length differs from xie's for an instruction both
 * the CPU and xie accept (or xie says "longer than 15 bytes" and the CPU ran
 * it); validity disagreements (#UD on one side only) are listed, not fatal.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <asm/ldt.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "gen.h"
#include "xie/decode.h"
#include "xie/host.h"

/* Shared with enter.S (offsets are fixed there). */
struct cpulen_ctx {
    uint64_t rsp, rbx, rbp, r12, r13, r14, r15;
    uint64_t target;
    uint32_t far_off;
    uint16_t far_sel;
    uint16_t pad;
    uint32_t mode;
    uint32_t pad2;
    uint64_t poison;
};
struct cpulen_ctx cpulen_ctx;
void cpulen_enter(void);
void cpulen_resume(void);

/*
 * Poison for the general registers: canonical, nothing mapped within +-2 GiB
 * (checked at start), twice it is non-canonical; its low 32 bits are above
 * every MAP_32BIT mapping; its low 16 bits are a GDT selector beyond the GDT
 * limit, so loading it into a segment register faults.
 */
#define POISON 0x00007a5ac0001000ull

enum kind { K_NOTRUN = 0, K_EXEC, K_UD, K_GP, K_HANG, K_CRASH, K_LONG };
static const char *const kind_name[] = {"not-run", "exec", "#UD", "#GP", "hang", "crash", ">15"};

struct result {
    uint8_t len; /* first k at which the CPU had the whole instruction (16: never) */
    uint8_t kind;
    uint8_t sig;
    uint8_t trapno;
};

struct shm {
    volatile uint32_t cur, cur_k, heartbeat, done;
    struct result res[];
};

/* The signal handler's report. */
static volatile struct {
    int sig;
    uint64_t trapno, err, rip, addr;
} g_out;

static void on_signal(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    g_out.sig = sig;
    g_out.trapno = (uint64_t)uc->uc_mcontext.gregs[REG_TRAPNO];
    g_out.err = (uint64_t)uc->uc_mcontext.gregs[REG_ERR];
    g_out.rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
    g_out.addr = (uint64_t)(uintptr_t)si->si_addr;
    cpulen_resume();
}

static void die(const char *what)
{
    perror(what);
    _exit(2);
}

/* Runs in the child; never returns (the parent kills it when done). */
static void child_main(struct shm *sh, const uint8_t (*cases)[16], const uint32_t *sel,
                       uint32_t nsel, uint32_t start, int bits)
{
    static const int sigs[] = {SIGSEGV, SIGILL, SIGTRAP, SIGBUS, SIGFPE, SIGSYS};
    static struct sock_filter filt[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP)};
    struct sock_fprog prog = {1, filt};
    long pg = sysconf(_SC_PAGESIZE);
    uint8_t *code, *end;
    uintptr_t base = 0; /* CS base: the offsets the CPU reports are relative to it */
    stack_t ss;
    struct sigaction sa;
    uint32_t i;
    unsigned s;

    code = mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE | PROT_EXEC,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    if (code == MAP_FAILED || mprotect(code + pg, (size_t)pg, PROT_NONE) != 0)
        die("cpulen: code page");
    end = code + pg;
    ss.ss_sp = mmap(NULL, 1 << 18, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ss.ss_size = 1 << 18;
    ss.ss_flags = 0;
    if (ss.ss_sp == MAP_FAILED || sigaltstack(&ss, NULL) != 0) die("cpulen: sigaltstack");
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    for (s = 0; s < sizeof sigs / sizeof sigs[0]; s++)
        if (sigaction(sigs[s], &sa, NULL) != 0) die("cpulen: sigaction");
    cpulen_ctx.mode = (uint32_t)bits;
    cpulen_ctx.far_sel = 0x23;
    if (bits == 16) {
        /* LDT entry 0: 16-bit code, base = the code page, limit 64 KiB - 1. */
        struct user_desc d;
        memset(&d, 0, sizeof d);
        d.entry_number = 0;
        d.base_addr = (unsigned)(uintptr_t)code;
        d.limit = 0xffff;
        d.contents = MODIFY_LDT_CONTENTS_CODE;
        d.useable = 1;
        if (syscall(SYS_modify_ldt, 1, &d, sizeof d) != 0) die("cpulen: modify_ldt");
        cpulen_ctx.far_sel = 0x7; /* LDT index 0, TI = 1, RPL 3 */
        base = (uintptr_t)code;
    }
    cpulen_ctx.poison = POISON;
    /* Never outlive the parent (it is the one that kills us when done or hung). */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0 || getppid() == 1) _exit(2);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0)
        die("cpulen: seccomp");
    /* From here on: no system calls, no libc, no TLS. */
    for (i = start; i < nsel; i++) {
        const uint8_t *b = cases[sel[i]];
        struct result *r = &sh->res[i];
        int k, j;
        sh->cur = i;
        sh->cur_k = 0;
        for (j = 0; j < pg; j++)
            code[j] = 0xcc;
        r->len = 16;
        r->kind = K_LONG;
        for (k = 1; k <= GEN_CASE_LEN; k++) {
            uint8_t *p = end - k;
            sh->cur_k = (uint32_t)k;
            sh->heartbeat++;
            for (j = 1; j <= 16; j++)
                end[-j] = 0xcc;
            for (j = 0; j < k; j++)
                p[j] = b[j];
            cpulen_ctx.target = (uint64_t)(uintptr_t)p;
            cpulen_ctx.far_off = (uint32_t)((uintptr_t)p - base);
            g_out.sig = 0;
            cpulen_enter();
            if (g_out.sig == SIGSEGV && g_out.trapno == 14 && (g_out.err & 0x10) &&
                g_out.rip == (uint64_t)((uintptr_t)p - base))
                continue; /* fetch fault on our own instruction: longer than k */
            r->len = (uint8_t)k;
            r->sig = (uint8_t)g_out.sig;
            r->trapno = (uint8_t)g_out.trapno;
            if (g_out.sig == SIGILL && g_out.trapno == 6)
                r->kind = K_UD;
            else if (g_out.sig == SIGSEGV && g_out.trapno == 13)
                r->kind = K_GP;
            else
                r->kind = K_EXEC;
            break;
        }
    }
    sh->done = 1;
    for (;;)
        sh->heartbeat++;
}

/*
 * After a hang or death of the child on case sh->cur: run it again (up to three
 * times in all) before taking the hang or death as its result. A stall of the
 * whole child on a loaded machine is not a verdict, nor is anything seen before
 * the child reached the case's first k (cur_k == 0).
 */
static int again(struct shm *sh, uint32_t *retried, uint32_t *tries)
{
    if (*retried != sh->cur) {
        *retried = sh->cur;
        *tries = 0;
    }
    return ++*tries < 3 || sh->cur_k == 0;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/*
 * Run the selected cases on the CPU, restarting the child after hangs (300 ms
 * without progress inside a case; 10 s for the child's set-up) and deaths, see
 * again().
 */
static void run_cpu(struct shm *sh, const uint8_t (*cases)[16], const uint32_t *sel, uint32_t nsel,
                    int bits, unsigned long *restarts)
{
    uint32_t start = 0, retried = UINT32_MAX, tries = 0;
    while (start < nsel) {
        uint32_t last_hb;
        uint64_t last_t;
        int status;
        pid_t pid;
        sh->cur = start;
        sh->cur_k = 0;
        sh->done = 0;
        fflush(stdout);
        pid = fork();
        if (pid < 0) die("cpulen: fork");
        if (pid == 0) child_main(sh, cases, sel, nsel, start, bits);
        last_hb = sh->heartbeat;
        last_t = now_ms();
        for (;;) {
            struct timespec d = {0, 2000000};
            nanosleep(&d, NULL);
            if (sh->done) {
                kill(pid, SIGKILL);
                waitpid(pid, &status, 0);
                start = nsel;
                break;
            }
            if (waitpid(pid, &status, WNOHANG) == pid) {
                struct result *r = &sh->res[sh->cur];
                if (sh->done) {
                    start = nsel;
                    break;
                }
                if (WIFEXITED(status)) {
                    /* The child's set-up failed (die() said why): no point in retrying. */
                    fprintf(stderr, "cpulen: child exited with status %d\n", WEXITSTATUS(status));
                    exit(2);
                }
                (*restarts)++;
                if (again(sh, &retried, &tries)) {
                    start = sh->cur;
                    break;
                }
                r->len = (uint8_t)sh->cur_k;
                r->kind = K_CRASH;
                r->sig = WIFSIGNALED(status) ? (uint8_t)WTERMSIG(status) : 0;
                start = sh->cur + 1;
                break;
            }
            if (sh->heartbeat != last_hb) {
                last_hb = sh->heartbeat;
                last_t = now_ms();
            } else if (now_ms() - last_t > (sh->cur_k ? 300u : 10000u)) {
                struct result *r = &sh->res[sh->cur];
                kill(pid, SIGKILL);
                waitpid(pid, &status, 0);
                if (sh->done) {
                    start = nsel;
                    break;
                }
                (*restarts)++;
                if (again(sh, &retried, &tries)) {
                    start = sh->cur;
                    break;
                }
                r->len = (uint8_t)sh->cur_k;
                r->kind = K_HANG;
                start = sh->cur + 1;
                break;
            }
        }
    }
}

/* Refuse to run when anything is mapped near the poison address. */
static void check_poison_area(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    uint64_t lo = POISON - (1ull << 32), hi = POISON + (1ull << 32);
    if (!f) return;
    while (fgets(line, sizeof line, f)) {
        unsigned long long a, b;
        if (sscanf(line, "%llx-%llx", &a, &b) == 2 && b > lo && a < hi) {
            fprintf(stderr, "cpulen: memory mapped near the poison address: %s", line);
            exit(2);
        }
    }
    fclose(f);
}

struct cat {
    const char *name;
    int fatal;
    unsigned long n;
    int shown;
};

enum {
    C_AGREE,     /* xie valid, CPU ran it, same length */
    C_LEN,       /* xie valid, CPU ran it, other length */
    C_XIE_UD,    /* xie #UD, CPU ran it */
    C_XIE_UD_GP, /* xie #UD, CPU #GP with all 15 bytes (the length limit came first) */
    C_CPU_UD,    /* xie valid, CPU #UD */
    C_UD_INSN,   /* xie valid, CPU #UD, and the instruction always #UDs in user mode */
    C_BOTH_UD,   /* both #UD */
    C_GP_AGREE,  /* xie: longer than 15 bytes; CPU: #GP or never had it at 15 */
    C_GP_LEN,    /* xie: longer than 15 bytes; CPU ran it */
    C_GP_UD,     /* xie: longer than 15 bytes; CPU: #UD before 15 bytes */
    C_XIE_MORE,  /* xie asked for more than 15 bytes (a decoder bug) */
    C_ICED_AGREE,
    C_ICED_LEN,   /* iced valid, CPU ran it, other length */
    C_ICED_UDCPU, /* iced valid, CPU #UD */
    C_ICED_INVAL, /* iced invalid, CPU ran it */
    C__COUNT
};

static struct cat cats[C__COUNT] = {
    {"xie valid, CPU ran it, same length", 0, 0, 0},
    {"LENGTH MISMATCH: xie valid, CPU ran it with another length", 1, 0, 0},
    {"xie #UD, CPU ran it", 0, 0, 0},
    {"xie #UD, CPU #GP at 15 bytes (length limit before #UD)", 0, 0, 0},
    {"xie valid, CPU #UD", 0, 0, 0},
    {"xie valid, CPU #UD as it must (ud0/ud1/ud2/rsm in user mode)", 0, 0, 0},
    {"both #UD", 0, 0, 0},
    {"xie >15 bytes (#GP), CPU agrees", 0, 0, 0},
    {"LENGTH MISMATCH: xie >15 bytes (#GP), CPU ran it", 1, 0, 0},
    {"xie >15 bytes (#GP), CPU #UD before 15 bytes", 0, 0, 0},
    {"DECODER BUG: xie needs more than 15 bytes", 1, 0, 0},
    {"iced valid, CPU ran it, same length", 0, 0, 0},
    {"iced valid, CPU ran it with another length", 0, 0, 0},
    {"iced valid, CPU #UD", 0, 0, 0},
    {"iced invalid, CPU ran it", 0, 0, 0},
};

static enum xie_mode xmode(int bits)
{
    return bits == 64 ? XIE_MODE_64 : bits == 32 ? XIE_MODE_32 : XIE_MODE_16;
}

/* #GP when the CPU had all 15 bytes: the length limit (or a 15-byte instruction's #GP). */
static int gp15(const struct result *r)
{
    return r->kind == K_GP && r->len == GEN_CASE_LEN;
}

/* Instructions defined to raise #UD in user mode (SDM: UD0/UD1/UD2; RSM outside SMM). */
static int always_ud(const struct xie_insn *in)
{
    const char *n = xie_op_name(in->op);
    return strcmp(n, "ud0") == 0 || strcmp(n, "ud1") == 0 || strcmp(n, "ud2") == 0 ||
           strcmp(n, "rsm") == 0;
}

static void hexs(const uint8_t *b, int n, char *out)
{
    int i;
    for (i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", b[i]);
    out[2 * n] = 0;
}

static void note(int c, int show, int bits, const uint8_t *b, const char *xv, const char *iv,
                 const struct result *r)
{
    char h[40], key[48];
    cats[c].n++;
    if (cats[c].shown >= show || c == C_AGREE || c == C_BOTH_UD || c == C_GP_AGREE ||
        c == C_ICED_AGREE || c == C_UD_INSN)
        return;
    cats[c].shown++;
    hexs(b, GEN_CASE_LEN, h);
    gen_opcode_key(b, GEN_CASE_LEN, bits, key, sizeof key);
    printf("  [%s] m%d %s  xie: %s  iced: %s  cpu: %u %s (sig %u trap %u)  key %s\n",
           c == C_LEN || c == C_GP_LEN || c == C_XIE_MORE ? "LEN" : "val", bits, h, xv, iv, r->len,
           kind_name[r->kind], r->sig, r->trapno, key);
}

int main(int argc, char **argv)
{
    const char *cases_path = NULL, *iced_path = NULL;
    int bits = 64, show = 20, reject_pct = 10, i, fatal = 0, verbose = 0;
    uint8_t(*cases)[16];
    uint32_t *sel, nsel = 0, ncases;
    long size;
    FILE *f, *icf = NULL;
    struct shm *sh;
    struct xie_cpu_model cpu;
    unsigned long restarts = 0;
    char(*iced)[96];
    char line[512];

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--bits") == 0 && i + 1 < argc)
            bits = atoi(argv[++i]);
        else if (strcmp(argv[i], "--iced") == 0 && i + 1 < argc)
            iced_path = argv[++i];
        else if (strcmp(argv[i], "--reject-pct") == 0 && i + 1 < argc)
            reject_pct = atoi(argv[++i]);
        else if (strcmp(argv[i], "--verbose") == 0)
            verbose = 1;
        else if (strcmp(argv[i], "--show") == 0 && i + 1 < argc)
            show = atoi(argv[++i]);
        else if (argv[i][0] != '-' && !cases_path)
            cases_path = argv[i];
        else {
            fprintf(stderr, "usage: cpulen --bits 64|32|16 [--iced ICED.txt] [--reject-pct P] "
                            "[--show N] [--verbose] CASES.bin\n");
            return 2;
        }
    }
    if (!cases_path || (bits != 64 && bits != 32 && bits != 16)) {
        fprintf(stderr, "cpulen: need CASES.bin and --bits 64|32|16\n");
        return 2;
    }
    f = fopen(cases_path, "rb");
    if (!f) die(cases_path);
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    fseek(f, 0, SEEK_SET);
    ncases = (uint32_t)(size / 16);
    cases = malloc((size_t)ncases * 16 + 16);
    iced = calloc((size_t)ncases + 1, sizeof *iced);
    sel = malloc(((size_t)ncases + 1) * sizeof *sel);
    if (!cases || !iced || !sel || fread(cases, 16, ncases, f) != ncases) die("cpulen: read cases");
    fclose(f);
    if (iced_path) {
        icf = fopen(iced_path, "r");
        if (!icf) die(iced_path);
        for (i = 0; i < (int)ncases; i++) {
            if (!fgets(line, sizeof line, icf)) {
                fprintf(stderr, "cpulen: %s ends early\n", iced_path);
                return 2;
            }
            line[strcspn(line, "\n")] = 0;
            {
                size_t l = strlen(line);
                if (l >= sizeof iced[i]) l = sizeof iced[i] - 1;
                memcpy(iced[i], line, l);
                iced[i][l] = 0;
            }
        }
        fclose(icf);
    }
    if (bits == 16) {
        /* 16-bit code needs an LDT entry: skip (and say so) where modify_ldt is not built in. */
        char ldt[16];
        if (syscall(SYS_modify_ldt, 0, ldt, sizeof ldt) < 0 && errno == ENOSYS) {
            printf("cpulen m16: SKIPPED: modify_ldt is not available in this kernel\n");
            return 0;
        }
    }
    check_poison_area();
    xie_cpu_model_host(&cpu);

    /* Select: everything xie or iced accepts, reject_pct % of the rest. */
    for (i = 0; i < (int)ncases; i++) {
        struct xie_insn in;
        int st = xie_decode(cases[i], GEN_CASE_LEN, xmode(bits), &cpu, &in);
        int iok = strncmp(iced[i], "ok ", 3) == 0;
        if (st == XIE_DECODE_OK || iok ||
            (unsigned)((uint32_t)i * 2654435761u >> 16) % 100u < (unsigned)reject_pct)
            sel[nsel++] = (uint32_t)i;
    }
    sh = mmap(NULL, sizeof *sh + (size_t)nsel * sizeof(struct result), PROT_READ | PROT_WRITE,
              MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED) die("cpulen: shared memory");
    run_cpu(sh, (const uint8_t(*)[16])cases, sel, nsel, bits, &restarts);

    printf("cpulen m%d: %u cases, %u run on the CPU (%lu child restarts after hang/crash)\n", bits,
           ncases, nsel, restarts);
    for (i = 0; i < (int)nsel; i++) {
        const uint8_t *b = cases[sel[i]];
        const struct result *r = &sh->res[i];
        const char *iv = iced_path ? iced[sel[i]] : "-";
        struct xie_insn in;
        char xv[200], text[128];
        int st = xie_decode(b, GEN_CASE_LEN, xmode(bits), &cpu, &in);
        int cpu_ran = r->kind != K_UD && r->kind != K_LONG && r->kind != K_NOTRUN;
        if (st == XIE_DECODE_OK) {
            xie_format(&in, 0, text, sizeof text);
            snprintf(xv, sizeof xv, "%u %s", in.len, text);
        } else if (st == XIE_DECODE_UD) {
            snprintf(xv, sizeof xv, "invalid(%s)", xie_ud_reason_str(in.ud));
        } else {
            snprintf(xv, sizeof xv, st == XIE_DECODE_GP ? "#GP(>15)" : "more");
        }
        if (verbose) {
            char h[40];
            hexs(b, GEN_CASE_LEN, h);
            printf("  case %u %s  xie: %s  cpu: %u %s (sig %u trap %u)\n", sel[i], h, xv, r->len,
                   kind_name[r->kind], r->sig, r->trapno);
        }
        if (st == XIE_DECODE_OK && !cpu_ran)
            note(always_ud(&in) ? C_UD_INSN : C_CPU_UD, show, bits, b, xv, iv, r);
        else if (st == XIE_DECODE_OK)
            note(r->len == in.len ? C_AGREE : C_LEN, show, bits, b, xv, iv, r);
        else if (st == XIE_DECODE_UD)
            note(gp15(r) ? C_XIE_UD_GP : cpu_ran ? C_XIE_UD : C_BOTH_UD, show, bits, b, xv, iv, r);
        else if (st == XIE_DECODE_GP)
            note(r->kind == K_LONG || gp15(r) ? C_GP_AGREE
                 : cpu_ran                    ? C_GP_LEN
                                              : C_GP_UD,
                 show, bits, b, xv, iv, r);
        else
            note(C_XIE_MORE, show, bits, b, xv, iv, r);
        if (iced_path) {
            int ilen = strncmp(iv, "ok ", 3) == 0 ? atoi(iv + 3) : 0;
            if (ilen)
                note(!cpu_ran         ? C_ICED_UDCPU
                     : r->len == ilen ? C_ICED_AGREE
                                      : C_ICED_LEN,
                     0, bits, b, xv, iv, r);
            else if (cpu_ran && !gp15(r))
                note(C_ICED_INVAL, 0, bits, b, xv, iv, r);
        }
    }
    for (i = 0; i < C__COUNT; i++) {
        if (i >= C_ICED_AGREE && !iced_path) continue;
        printf("  %-62s %lu\n", cats[i].name, cats[i].n);
        if (cats[i].fatal && cats[i].n) fatal = 1;
    }
    printf("cpulen m%d: %s\n", bits, fatal ? "FAILED (length mismatches)" : "lengths agree");
    return fatal;
}
