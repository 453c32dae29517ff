/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xie trap adapter (hosted, Linux x86-64; not part of the freestanding core).
 *
 * Maps a region PROT_NONE and attaches a device model to it: every instruction
 * that touches the region faults, and the SIGSEGV handler emulates it with xie
 * from the signal's ucontext (GPRs, RIP, RFLAGS, FS/GS base), calling the
 * device for each access, then resumes the program after the instruction. It is
 * the test bed for running real compiled code against emulated memory, and a way
 * to test device drivers in user space.
 *
 * Thread-safe and async-signal-safe: any number of threads may trap at once; the
 * handler takes no locks and calls only async-signal-safe functions. Code running
 * in 64-bit mode and in 32-bit compatibility mode (CS = 0x23) is handled.
 *
 * What the handler does with each xie status:
 *   XIE_OK         write back registers, RIP, RFLAGS; return (the program goes on)
 *   XIE_RETRY      return unchanged: the instruction runs again and traps again
 *   XIE_EXCEPTION  #DE, #UD, #GP, #SS, #AC ... are delivered as the kernel would
 *                  (SIGFPE, SIGILL, SIGSEGV, SIGBUS) by re-raising with the
 *                  default action: the program dies as it would natively
 *   other          (unimplemented, unhandleable, pending) print one line to stderr
 *                  and abort(): the device model must answer synchronously here
 */
#ifndef XIE_TRAP_H
#define XIE_TRAP_H

#include <stddef.h>
#include <stdint.h>

#include "xie/emu.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A device model. Offsets are relative to the start of the region; an access
 * never crosses a 4 KiB page of the region (except in cmpxchg_split, which
 * exists for that); sizes are 1..64 bytes. Return
 * XIE_CB_OK or XIE_CB_FAIL (the handler then aborts the program: a device that
 * cannot answer is a bug in the test). Every member is optional: a missing read
 * or write makes accesses of that kind fail; a missing cmpxchg makes LOCKed
 * instructions and XCHG on the region fail (never a plain write).
 */
struct xie_trap_dev {
    int (*read)(void *user, uint64_t off, void *buf, unsigned size);
    int (*write)(void *user, uint64_t off, const void *buf, unsigned size);
    /* Atomically: if the bytes at off equal *expected, store *desired (XIE_CB_OK);
     * else copy the current bytes into *expected (XIE_CB_CHANGED). size: 1, 2, 4,
     * 8 or 16. */
    int (*cmpxchg)(void *user, uint64_t off, void *expected, const void *desired, unsigned size);
    /* The cmpxchg contract for an atomic operand that crosses a page boundary of
     * the region (LOCKed instruction or XCHG on bytes off .. off + size - 1, which
     * lie on two pages; size 2, 4, 8 or 16). The device makes the whole operand
     * atomic (xie_trap_ram_dev: one locked instruction on its contiguous backing
     * store). Missing: such an instruction fails like any failed device callback
     * (the handler aborts), never a plain read then write. */
    int (*cmpxchg_split)(void *user, uint64_t off, void *expected, const void *desired,
                         unsigned size);
};

/* Counters kept per region (updated atomically by the handler). */
struct xie_trap_stats {
    uint64_t traps;    /* instructions emulated (one trap each) */
    uint64_t reads;    /* device read callbacks */
    uint64_t writes;   /* device write callbacks */
    uint64_t cmpxchgs; /* device cmpxchg and cmpxchg_split callbacks */
    uint64_t splits;   /* of those, cmpxchg_split (page-straddling atomic operands) */
    uint64_t retries;  /* XIE_RETRY results (LOCK races lost; each one more trap) */
    /* Handler times, wall clock, of the `timed` traps (completed or retried) whose
     * handler ran at most 100 us; longer runs were preempted or interrupted and
     * are left out. handler_ns runs from the handler's entry to its return; emu_ns
     * is its part inside xie_emulate (with the device callbacks). The rest of a
     * trap's cost is the kernel's: fault entry, signal delivery and sigreturn. */
    uint64_t timed;
    uint64_t handler_ns;
    uint64_t emu_ns;
};

/*
 * Install the SIGSEGV handler (once per process; later calls do nothing). A fault
 * outside every trapped region is passed to the handler that was installed before
 * (or the default action). Returns 0, or -1 with errno set.
 */
int xie_trap_init(void);

/*
 * Map `len` bytes (rounded up to pages) PROT_NONE and attach dev/user to them.
 * Returns the region's address, or NULL (errno set; at most 64 regions).
 */
void *xie_trap_map(size_t len, const struct xie_trap_dev *dev, void *user);

/*
 * As xie_trap_map, but the region lies below 2 GiB (mmap MAP_32BIT), where code
 * running in 32-bit compatibility mode can address it.
 */
void *xie_trap_map32(size_t len, const struct xie_trap_dev *dev, void *user);

/* Detach and unmap a region returned by xie_trap_map or xie_trap_map32. Returns 0 or -1. The
 * caller makes sure no thread still accesses it. */
int xie_trap_unmap(void *region);

/* Copy the counters of a region into *out. Returns 0, or -1 if not a region. */
int xie_trap_stats(const void *region, struct xie_trap_stats *out);

/*
 * A ready-made RAM device backed by ordinary memory (`backing`, at least as long
 * as the region, 16-byte aligned): reads and writes copy; cmpxchg and
 * cmpxchg_split are a LOCK CMPXCHG of the operand's size on the backing bytes
 * (any alignment, across pages too: the backing store is contiguous; 16 bytes
 * with CMPXCHG16B, which needs a 16-byte aligned operand, else the callback
 * fails). Pass `backing` as user.
 */
extern const struct xie_trap_dev xie_trap_ram_dev;

/*
 * xie_trap_ram_dev with a compare-exchange that is NOT atomic: a read, then a
 * write after a short delay (for both cmpxchg and cmpxchg_split), as an
 * emulator that performs LOCKed instructions as plain accesses. A negative
 * control: a concurrency test run on it must lose updates, which proves the
 * test can fail. Pass `backing` as user.
 */
extern const struct xie_trap_dev xie_trap_racy_ram_dev;

/*
 * Limit the REP string iterations emulated per trap (default 64): the rest run by
 * trapping again, so signals and other threads are not held off for long.
 */
void xie_trap_set_rep_limit(uint32_t iterations);

#ifdef __cplusplus
}
#endif

#endif
