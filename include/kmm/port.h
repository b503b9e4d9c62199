/* SPDX-License-Identifier: MIT */
/*
 * kmm/port.h - the contract between the kmm core and its host.
 *
 * The core (src/lib, src/mm, src/kernel, src/arch, src/fs, src/init) is
 * freestanding: it includes nothing but <stddef.h>, <stdint.h>, <stdbool.h>,
 * <stdatomic.h>, <stdarg.h> and <limits.h>, and reaches the host only
 * through the functions below.  One implementation per host lives in
 * src/port/ (posix.c for Linux/POSIX hosts, freestanding.c as the template
 * an embedder fills in).
 *
 * Conventions: functions returning int return 0 on success and a negative
 * errno-style value (-KMM_ENOMEM, -KMM_EIO, ...) on failure.  No function
 * here may call back into the core.
 */
#ifndef KMM_PORT_H
#define KMM_PORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdatomic.h>

#ifdef __cplusplus
extern "C" {
#endif

/* errno values used across the core (Linux numbering). */
enum {
	KMM_EPERM = 1,
	KMM_ENOENT = 2,
	KMM_ESRCH = 3,
	KMM_EIO = 5,
	KMM_ENXIO = 6,
	KMM_E2BIG = 7,
	KMM_EBADF = 9,
	KMM_EAGAIN = 11,
	KMM_ENOMEM = 12,
	KMM_EACCES = 13,
	KMM_EFAULT = 14,
	KMM_EBUSY = 16,
	KMM_EEXIST = 17,
	KMM_ENODEV = 19,
	KMM_ENOTDIR = 20,
	KMM_EISDIR = 21,
	KMM_EINVAL = 22,
	KMM_ENFILE = 23,
	KMM_EMFILE = 24,
	KMM_EFBIG = 27,
	KMM_ENOSPC = 28,
	KMM_ERANGE = 34,
	KMM_ENOSYS = 38,
	KMM_EOVERFLOW = 75,
};

/* ---- backing memory ------------------------------------------------- */

/*
 * Reserve @bytes of zero-filled, read-write host memory aligned to at least
 * 2 MiB.  Pages not touched must cost no host memory (MAP_NORESERVE).
 */
int kmm_port_mem_reserve(size_t bytes, void **out);
/* Give back a reservation made by kmm_port_mem_reserve(). */
void kmm_port_mem_release(void *addr, size_t bytes);
/*
 * Drop the host backing of a page-aligned range of a reservation; it reads
 * as zero after, through every alias kmm_port_vm_map() made of it too.
 */
void kmm_port_mem_discard(void *addr, size_t bytes);

/* ---- aliasing windows (vmalloc) ------------------------------------------ */

/*
 * vmalloc hands out memory that is contiguous for C code although its
 * simulated physical pages are scattered: the pages of a reservation made
 * by kmm_port_mem_reserve() (the machine's RAM) are mapped a second time,
 * side by side, into a window of host address space.  Hosts that cannot do
 * this return -KMM_ENOSYS from kmm_port_vm_reserve() (or kmm_port_vm_map())
 * and vmalloc falls back to physically contiguous pages, as Linux without
 * an MMU does.  All sizes and offsets are multiples of 4 KiB.
 */
/* Reserve @bytes of host address space, inaccessible (PROT_NONE). */
int kmm_port_vm_reserve(size_t bytes, void **out);
/*
 * Map [ram_base + ram_off, + bytes) of a kmm_port_mem_reserve() reservation
 * starting at @ram_base (read-write, shared: writes through either address
 * reach the same memory) at @window_addr, replacing what the window had
 * there.  0, -KMM_EINVAL (not inside a reservation, unaligned), -KMM_ENOSYS
 * (this reservation or host cannot alias) or -KMM_ENOMEM (host mapping
 * limit); on failure the window range is inaccessible again.
 */
int kmm_port_vm_map(void *window_addr, void *ram_base, size_t ram_off, size_t bytes);
/* Make a window range inaccessible again (its accesses fault on the host). */
void kmm_port_vm_unmap(void *window_addr, size_t bytes);
/* Give back a window made by kmm_port_vm_reserve(). */
void kmm_port_vm_release(void *window, size_t bytes);

/* ---- time, CPUs, waiting ---------------------------------------------- */

/* Monotonic nanoseconds. */
uint64_t kmm_port_time_ns(void);
/* Index of the host CPU the caller runs on (a hint; any value is safe). */
unsigned kmm_port_cpu_hint(void);
/* Spin-wait hint (pause) and yield of the host thread. */
void kmm_port_cpu_relax(void);
void kmm_port_yield(void);
/*
 * Futex-style wait: sleep while *addr == expected, at most timeout_ns
 * (0 = forever).  Spurious wake-ups are allowed.  kmm_port_wake() wakes up
 * to @n waiters (INT32_MAX: all).
 */
void kmm_port_wait(atomic_uint *addr, unsigned expected, uint64_t timeout_ns);
void kmm_port_wake(atomic_uint *addr, int n);

/*
 * One pointer of thread-local storage for the core (the calling thread's
 * CPU-slot binding).  Returns the address of the calling thread's slot.
 */
#ifdef KMM_PORT_INLINE_TLS
/*
 * Hosts with C11 thread-local storage: the slot is a variable, no call.
 * Initial-exec: the library is position-independent, and the default
 * model there (general dynamic) is a call to __tls_get_addr in the
 * compiler's eyes, so every fast path that reads the slot would keep its
 * values in callee-saved registers (pushed and popped on every call).
 * The library is loaded with the program or LD_PRELOADed, never
 * dlopen()ed late, so the slot fits the static TLS block.
 */
#if defined(__GNUC__) || defined(__clang__)
extern _Thread_local void *kmm_port_tls __attribute__((tls_model("initial-exec")));
#else
extern _Thread_local void *kmm_port_tls;
#endif
static inline void **kmm_port_tls_slot(void)
{
	return &kmm_port_tls;
}
#else
void **kmm_port_tls_slot(void);
#endif

/* ---- threads ------------------------------------------------------------ */

struct kmm_port_thread;
int kmm_port_thread_create(struct kmm_port_thread **out, void *(*fn)(void *), void *arg,
			   const char *name);
int kmm_port_thread_join(struct kmm_port_thread *t, void **ret);

/* ---- files (swap devices, file-backed mappings) --------------------------- */

enum { KMM_O_RDONLY = 0, KMM_O_RDWR = 2, KMM_O_CREAT = 0100, KMM_O_TRUNC = 01000 };
int kmm_port_file_open(const char *path, int flags, int *fd);
int kmm_port_file_close(int fd);
/* Full transfers: a short read past EOF returns the count read (>= 0). */
long kmm_port_file_pread(int fd, void *buf, size_t len, uint64_t off);
long kmm_port_file_pwrite(int fd, const void *buf, size_t len, uint64_t off);
int kmm_port_file_size(int fd, uint64_t *size);
/* The file's identity on the host, as stat() gives it: the device's major
 * and minor numbers and the inode number (for /proc/PID/maps). */
int kmm_port_file_id(int fd, unsigned *dev_major, unsigned *dev_minor, uint64_t *ino);
int kmm_port_file_truncate(int fd, uint64_t size);
int kmm_port_file_sync(int fd);

/* ---- asymmetric barriers ------------------------------------------------------ */

/*
 * Register the process for kmm_port_membarrier(): 0 if the host can make
 * every other running thread of the process execute a full memory
 * barrier on request (Linux membarrier(2) PRIVATE_EXPEDITED), else
 * -KMM_ENOSYS.  The MMU's access fast path then needs only a compiler
 * barrier, and TLB shoot-downs pay the cost instead.
 */
int kmm_port_membarrier_register(void);
/* A full barrier on every thread of the process (or only the caller's,
 * if registration failed). */
void kmm_port_membarrier(void);

/* End the process after a fatal report (SLAB_PANIC, panic()). */
void kmm_port_abort(void) __attribute__((noreturn));

/* ---- log output ---------------------------------------------------------- */

/* Write one formatted log line (no trailing newline) to the host's log. */
void kmm_port_log(int level, const char *line, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* KMM_PORT_H */
