/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xie_cpu_model_host(): the decoder's CPU model read from this CPU's CPUID, using
 * the feature -> CPUID bit table the generator writes (src/gen/features.h).
 *
 * What "feature present" means here: the model describes what the calling code
 * can execute, not what the silicon could do if the OS set it up. CPUID bits
 * whose instructions also need the OS to enable state are reported only when
 * the OS did:
 *   - AVX, AVX-512 and AMX families: XCR0 state bits (the CPU raises #UD
 *     otherwise, SDM Vol. 1 13.5.3 and 14.3);
 *   - CET_SS (shadow stacks): only when the shadow stack is enabled for this
 *     thread (Linux: arch_prctl(ARCH_SHSTK_STATUS) reports ARCH_SHSTK_SHSTK).
 *     With CR4.CET = 0 or IA32_U_CET.SH_STK_EN = 0, INCSSP, SAVEPREVSSP,
 *     RSTORSSP, WRSS raise #UD and RDSSP is a NOP (SDM Vol. 2 RDSSPD/RDSSPQ,
 *     INCSSPD/INCSSPQ; Vol. 1 18.2). Without CET_SS the decoder gives exactly
 *     that: the shadow-stack rows are #UD (XIE_UD_FEATURE) and RDSSP, marked
 *     "fallback" in the ISA table, decodes as the hint NOP of 0F 1E it
 *     overlays. (WRSS also needs IA32_U_CET.WR_SHSTK_EN, which the one
 *     feature bit cannot express: with shadow stacks on but WRSS off the model
 *     still accepts WRSSD/WRSSQ.)
 *   - CET_IBT is kept as CPUID reports it: ENDBR32/ENDBR64 execute in every
 *     case (as NOPs when indirect branch tracking is off, SDM Vol. 2 ENDBR64)
 *     and have the NOP's length, so the instruction stream means the same.
 */
#define _GNU_SOURCE /* syscall() */
#include <cpuid.h>
#include <string.h>
#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "xie/host.h"
#include "gen/features.h"

struct leaf_regs {
    uint32_t r[4]; /* eax, ebx, ecx, edx */
};

/* CPUID(leaf, subleaf), or zeros when the leaf is above the CPU's maximum for its
 * range (basic 0..max_basic, extended 0x80000000..max_ext): such leaves return
 * the data of the highest basic leaf on Intel, which must not be read as bits. */
static void cpuid_read(uint32_t leaf, uint32_t subleaf, uint32_t max_basic, uint32_t max_ext,
                       struct leaf_regs *out)
{
    uint32_t max = (leaf & 0x80000000u) ? max_ext : max_basic;

    memset(out, 0, sizeof(*out));
    if (leaf > max) return;
    __cpuid_count(leaf, subleaf, out->r[0], out->r[1], out->r[2], out->r[3]);
}

/* XCR0 (XGETBV 0) when the OS enabled XSAVE (CPUID.1:ECX.OSXSAVE[27]), else 0. */
static uint64_t read_xcr0(uint32_t max_basic)
{
    struct leaf_regs l1;
    uint32_t lo, hi;

    cpuid_read(1, 0, max_basic, 0, &l1);
    if (!(l1.r[2] & (1u << 27))) return 0;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

static int starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Features whose instructions are VEX, EVEX or XOP encoded vector instructions and
 * need the OS to enable AVX state (XCR0 bits 1 and 2), AVX-512 state as well (bits
 * 5..7), or AMX tile state (bits 17 and 18). VEX-encoded general-purpose
 * instructions (BMI1/2, CMPCCXADD, ...) need none. */
static int needs_avx_state(const char *name)
{
    return starts_with(name, "AVX") || starts_with(name, "FMA") || starts_with(name, "F16C") ||
           starts_with(name, "XOP") || starts_with(name, "VAES") || starts_with(name, "VPCLMUL") ||
           starts_with(name, "SHA512") || starts_with(name, "SM3") || starts_with(name, "SM4");
}

/* Is the shadow stack enabled for the calling thread? Linux 6.6 and later report
 * it through arch_prctl(ARCH_SHSTK_STATUS); older kernels, 32-bit processes and
 * other systems answer an error: no shadow stack. */
static int shadow_stack_enabled(void)
{
#if defined(__linux__) && defined(SYS_arch_prctl)
    unsigned long status = 0;
    if (syscall(SYS_arch_prctl, 0x5005 /* ARCH_SHSTK_STATUS */, &status) == 0)
        return (status & 1u /* ARCH_SHSTK_SHSTK */) != 0;
#endif
    return 0;
}

void xie_cpu_model_host(struct xie_cpu_model *m)
{
    struct leaf_regs l0, ext, r;
    uint32_t max_basic, max_ext;
    uint64_t xcr0;
    int avx_ok, avx512_ok, amx_ok;
    unsigned f;

    memset(m, 0, sizeof(*m));
    __cpuid(0, l0.r[0], l0.r[1], l0.r[2], l0.r[3]);
    max_basic = l0.r[0];
    /* Vendor string is EBX, EDX, ECX. */
    if ((l0.r[1] == 0x68747541u && l0.r[3] == 0x69746e65u && l0.r[2] == 0x444d4163u) ||
        (l0.r[1] == 0x6f677948u && l0.r[3] == 0x6e65476eu && l0.r[2] == 0x656e6975u))
        m->vendor = XIE_VENDOR_AMD;
    else
        m->vendor = XIE_VENDOR_INTEL;
    __cpuid(0x80000000u, ext.r[0], ext.r[1], ext.r[2], ext.r[3]);
    max_ext = (ext.r[0] & 0x80000000u) ? ext.r[0] : 0;

    xcr0 = read_xcr0(max_basic);
    avx_ok = (xcr0 & 0x6) == 0x6;
    avx512_ok = avx_ok && (xcr0 & 0xe0) == 0xe0;
    amx_ok = (xcr0 & 0x60000) == 0x60000;

    for (f = 0; f < XIE_FEAT__COUNT; f++) {
        const struct xiei_feat_cpuid *c = &xiei_feat_cpuid[f];
        const char *name = xiei_feat_names[f];
        int on;

        if (c->leaf == 0xffffffffu) {
            on = 1;
        } else {
            cpuid_read(c->leaf, c->subleaf, max_basic, max_ext, &r);
            on = (int)((r.r[c->reg & 3] >> (c->bit & 31)) & 1u);
        }
        if (on && needs_avx_state(name)) on = starts_with(name, "AVX512") ? avx512_ok : avx_ok;
        if (on && starts_with(name, "AMX")) on = amx_ok;
        xie_cpu_set(m, f, on);
    }
    if (xie_cpu_has(m, XIE_FEAT_CET_SS) && !shadow_stack_enabled())
        xie_cpu_set(m, XIE_FEAT_CET_SS, 0);
}
