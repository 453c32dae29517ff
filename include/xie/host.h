/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hosted helpers (library xie_hosted, src/hosted/): parts of xie that need an
 * operating system or the CPU they run on. Not part of the freestanding core.
 */
#ifndef XIE_HOST_H
#define XIE_HOST_H

#include "xie/decode.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Fill *m with the model of the CPU this code runs on: the vendor from CPUID leaf 0
 * ("AuthenticAMD" and "HygonGenuine" give XIE_VENDOR_AMD, anything else
 * XIE_VENDOR_INTEL) and every feature of the ISA table whose CPUID bit is set
 * (leaves above the maximum basic / extended leaf read as zero). Features that are
 * not CPUID bits are always present. Features the operating system disabled are
 * removed: without OSXSAVE and XCR0 enabling SSE and AVX state the CPU raises #UD
 * for the VEX/EVEX/XOP vector instructions, without the three AVX-512 state
 * components for the EVEX ones, without the two AMX components for AMX (SDM Vol. 1
 * 13.3, Vol. 2 2.8), so those features are cleared.
 * Only *m is written.
 */
void xie_cpu_model_host(struct xie_cpu_model *m);

#ifdef __cplusplus
}
#endif

#endif
