/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Native runner (see native.h). The child enters the test state with a signal
 * trick: it executes UD2 at hw_enter; the SIGILL handler saves the interrupted
 * (64-bit C) register state, replaces it with the test state (GPRs, RIP,
 * RFLAGS, CS, SS) and returns, so the kernel's sigreturn loads it. The test
 * instruction runs until an INT3 or a fault; that handler records the state and
 * puts the saved C state back (RIP past the UD2, DF clear), so sigreturn
 * resumes the C loop. Handlers run on an alternate stack. A seccomp filter
 * makes every system call other than the few the loop needs fail with EPERM.
 */
#define _GNU_SOURCE
#include "native.h"

#include <asm/ldt.h>
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#ifndef UC_SIGCONTEXT_SS
#define UC_SIGCONTEXT_SS 0x2
#endif
#ifndef UC_STRICT_RESTORE_SS
#define UC_STRICT_RESTORE_SS 0x4
#endif

/* Request/response block shared with the child. */
struct hw_shared {
    int mode;
    struct hw_state in;
    struct hw_result out;
};

static struct hw_shared *g_sh;
static pid_t g_child = -1;
static int g_req_fd = -1, g_resp_fd = -1;
static unsigned g_restarts;

/* Child-only state (the child is single-threaded). */
static int g_fsgsbase;
static uint64_t g_fsbase, g_gsbase;
static volatile int g_phase;
static greg_t g_saved[NGREG];
static int g_cmode;

extern const char hw_enter[];

/* Enter the test state: load DS/ES for the mode, then UD2 (caught). */
static __attribute__((noinline)) void child_enter(unsigned ds, unsigned es)
{
    __asm__ volatile("mov %w0, %%ds\n\t"
                     "mov %w1, %%es\n\t"
                     ".globl hw_enter\n"
                     "hw_enter: ud2\n\t"
                     "xor %%eax, %%eax\n\t"
                     "mov %%eax, %%ds\n\t"
                     "mov %%eax, %%es\n\t"
                     :
                     : "r"(ds), "r"(es)
                     : "rax", "memory", "cc");
}

static const int g_regidx[16] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP,
                                 REG_RSI, REG_RDI, REG_R8,  REG_R9,  REG_R10, REG_R11,
                                 REG_R12, REG_R13, REG_R14, REG_R15};

static void child_handler(int sig, siginfo_t *si, void *vctx)
{
    ucontext_t *uc = vctx;
    greg_t *g = uc->uc_mcontext.gregs;
    int i;
    /* The kernel keeps RFLAGS.AC and NT (a test's POPF may set them) for the
     * handler: clear AC before any access could be misaligned, and NT because
     * sigreturn keeps the NT of the flags it is called with (NT is not among
     * the flags it restores), so it would leak into every later test. */
    __asm__ volatile("pushfq\n\tandq $~0x44000, (%%rsp)\n\tpopfq" ::: "memory", "cc");
    if (g_phase == 1 && sig == SIGILL && g[REG_RIP] == (greg_t)(uintptr_t)hw_enter) {
        uint64_t cs, ss, fsgs;
        for (i = 0; i < NGREG; i++)
            g_saved[i] = g[i];
        for (i = 0; i < 16; i++)
            g[g_regidx[i]] = (greg_t)g_sh->in.gpr[i];
        g[REG_RIP] = (greg_t)g_sh->in.rip;
        g[REG_EFL] = (greg_t)((g_sh->in.rflags & 0x00040dd5u) | 0x202u); /* arith, TF, DF, AC */
        if (g_cmode == HW_M64) {
            cs = HW_SEL_CS64;
            ss = HW_SEL_DS;
        } else if (g_cmode == HW_M32) {
            cs = HW_SEL_CS32;
            ss = HW_SEL_DS;
        } else {
            cs = HW_SEL_CS16;
            ss = HW_SEL_SS16;
        }
        if (g_sh->in.ss) ss = g_sh->in.ss;
        fsgs = (uint64_t)g[REG_CSGSFS] & 0x0000ffffffff0000ull;
        g[REG_CSGSFS] = (greg_t)(cs | fsgs | (ss << 48));
        uc->uc_flags |= UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
        g_phase = 2;
        return;
    }
    if (g_phase == 2) {
        struct hw_result *r = &g_sh->out;
        uint16_t ds, es, fs, gs, zero = 0;
        /* Signal delivery leaves DS, ES, FS and GS as the test left them (the
         * 64-bit signal frame does not hold FS and GS), except that a null
         * selector may read back as 0 whatever its RPL. */
        __asm__ volatile("mov %%ds, %0\n\tmov %%es, %1\n\tmov %%fs, %2\n\tmov %%gs, %3"
                         : "=r"(ds), "=r"(es), "=r"(fs), "=r"(gs));
        r->sreg[0] = es;
        r->sreg[1] = (uint16_t)g[REG_CSGSFS];
        r->sreg[2] = (uint16_t)((uint64_t)g[REG_CSGSFS] >> 48);
        r->sreg[3] = ds;
        r->sreg[4] = fs;
        r->sreg[5] = gs;
        /* A test may have loaded FS or GS (and so their bases): put back the
         * null selectors and the bases glibc uses (FSGSBASE instructions). */
        if (g_fsgsbase) {
            if (r->sreg[4] || r->sreg[5])
                __asm__ volatile("mov %0, %%fs\n\tmov %0, %%gs" : : "r"(zero) : "memory");
            __asm__ volatile("wrfsbase %0\n\twrgsbase %1"
                             :
                             : "r"(g_fsbase), "r"(g_gsbase)
                             : "memory");
        }
        for (i = 0; i < 16; i++)
            r->s.gpr[i] = (uint64_t)g[g_regidx[i]];
        r->s.rip = (uint64_t)g[REG_RIP];
        r->s.rflags = (uint64_t)g[REG_EFL];
        r->signo = sig;
        r->err = (uint32_t)g[REG_ERR];
        r->addr = (uint64_t)(uintptr_t)si->si_addr;
        r->timeout = 0;
        if (sig == SIGTRAP && g[REG_TRAPNO] == 3) {
            r->exc = -1;
            r->s.rip -= 1;
        } else {
            r->exc = (int)g[REG_TRAPNO];
        }
        for (i = 0; i < NGREG; i++)
            g[i] = g_saved[i];
        g[REG_RIP] += 2;
        g[REG_EFL] &= ~(greg_t)0x40400; /* DF, AC */
        uc->uc_flags |= UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
        g_phase = 0;
        return;
    }
    /* A signal outside a test: give up; the parent restarts the child. */
    syscall(SYS_exit_group, 99);
}

static void install_seccomp(void)
{
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_read, 5, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_write, 4, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_rt_sigreturn, 3, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_exit_group, 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_exit, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {(unsigned short)(sizeof f / sizeof f[0]), f};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
        _exit(98);
}

static void child_main(int req, int resp)
{
    static char altstack[1 << 16];
    stack_t ss;
    struct sigaction sa;
    int sigs[] = {SIGILL, SIGSEGV, SIGBUS, SIGFPE, SIGTRAP};
    unsigned i;
    char c;
    ss.ss_sp = altstack;
    ss.ss_size = sizeof altstack;
    ss.ss_flags = 0;
    if (sigaltstack(&ss, NULL)) _exit(97);
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = child_handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigfillset(&sa.sa_mask);
    for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaction(sigs[i], &sa, NULL);
    syscall(SYS_arch_prctl, 0x1001 /* ARCH_SET_GS */, (unsigned long)HW_GS64_BASE);
    if (getauxval(AT_HWCAP2) & 2) { /* HWCAP2_FSGSBASE */
        g_fsgsbase = 1;
        __asm__ volatile("rdfsbase %0\n\trdgsbase %1" : "=r"(g_fsbase), "=r"(g_gsbase));
    }
    install_seccomp();
    for (;;) {
        if (read(req, &c, 1) != 1) syscall(SYS_exit_group, 0);
        g_cmode = g_sh->mode;
        g_phase = 1;
        if (g_cmode == HW_M16)
            child_enter(HW_SEL_DS16, HW_SEL_ES16);
        else
            child_enter(HW_SEL_DS, HW_SEL_DS);
        if (write(resp, &c, 1) != 1) syscall(SYS_exit_group, 0);
    }
}

static int start_child(void)
{
    int p1[2], p2[2];
    if (pipe(p1) || pipe(p2)) return -1;
    g_child = fork();
    if (g_child < 0) return -1;
    if (g_child == 0) {
        close(p1[1]);
        close(p2[0]);
        child_main(p1[0], p2[1]);
        _exit(0);
    }
    close(p1[0]);
    close(p2[1]);
    g_req_fd = p1[1];
    g_resp_fd = p2[0];
    return 0;
}

static void stop_child(void)
{
    if (g_child > 0) {
        kill(g_child, SIGKILL);
        waitpid(g_child, NULL, 0);
    }
    if (g_req_fd >= 0) close(g_req_fd);
    if (g_resp_fd >= 0) close(g_resp_fd);
    g_child = -1;
    g_req_fd = g_resp_fd = -1;
}

static int set_ldt(int entry, uint32_t base, int code)
{
    struct user_desc d;
    memset(&d, 0, sizeof d);
    d.entry_number = (unsigned)entry;
    d.base_addr = base;
    d.limit = 0xffff;
    d.seg_32bit = 0;
    d.contents = code ? MODIFY_LDT_CONTENTS_CODE : MODIFY_LDT_CONTENTS_DATA;
    d.read_exec_only = 0;
    d.limit_in_pages = 0;
    d.seg_not_present = 0;
    d.useable = 1;
    return (int)syscall(SYS_modify_ldt, 1, &d, sizeof d);
}

static void *map_at(uintptr_t addr, size_t size, int prot)
{
    void *p =
        mmap((void *)addr, size, prot, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (p == MAP_FAILED || p != (void *)addr) return NULL;
    return p;
}

void hw_code_reset(void)
{
    memset((void *)(uintptr_t)HW_CODE, 0xcc, HW_CODE_SIZE);
}

int hw_init(void)
{
    if (!map_at(HW_CODE, HW_CODE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC)) return -1;
    if (!map_at(HW_WORLD, HW_WORLD_SIZE, PROT_READ | PROT_WRITE)) return -1;
    g_sh = mmap(NULL, sizeof *g_sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (g_sh == MAP_FAILED) return -1;
    hw_code_reset();
    if (set_ldt(0, HW_CODE, 1) || set_ldt(1, HW_DS16_BASE, 0) || set_ldt(2, HW_ES16_BASE, 0) ||
        set_ldt(3, HW_SS16_BASE, 0))
        return -1;
    signal(SIGPIPE, SIG_IGN);
    return start_child();
}

unsigned hw_restarts(void)
{
    return g_restarts;
}

void hw_run(enum hw_mode mode, const struct hw_state *in, struct hw_result *out)
{
    char c = 1;
    struct pollfd pfd;
    int ok = 0, tries;
    for (tries = 0; tries < 3 && !ok; tries++) {
        if (g_child < 0 && start_child()) break;
        g_sh->mode = (int)mode;
        g_sh->in = *in;
        memset(&g_sh->out, 0, sizeof g_sh->out);
        if (write(g_req_fd, &c, 1) == 1) {
            pfd.fd = g_resp_fd;
            pfd.events = POLLIN;
            if (poll(&pfd, 1, 500) == 1 && read(g_resp_fd, &c, 1) == 1) {
                ok = 1;
                break;
            }
            if (poll(&pfd, 1, 0) == 0) {
                /* No answer: an endless loop. Report a timeout. */
                stop_child();
                g_restarts++;
                memset(out, 0, sizeof *out);
                out->timeout = 1;
                out->exc = -1;
                return;
            }
        }
        stop_child();
        g_restarts++;
    }
    if (!ok) {
        memset(out, 0, sizeof *out);
        out->timeout = 1;
        out->exc = -1;
        return;
    }
    *out = g_sh->out;
    /* A fetch fault elsewhere than the instruction: a branch left the code area. */
    if (out->exc == 14 && (out->err & 0x10) && out->s.rip != in->rip) out->exc = -1;
}
