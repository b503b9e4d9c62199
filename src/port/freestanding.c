// SPDX-License-Identifier: MIT
/*
 * src/port/freestanding.c - a template host port for embedders.
 *
 * NOT compiled by CMake: copy it into an embedded build in place of
 * src/port/posix.c and fill in the parts marked TODO.  As shipped it is a
 * complete, trivial port for a single-threaded host with no file system:
 *
 *  - backing memory is carved from a static arena (bump allocation; only the
 *    most recent reservation is really given back);
 *  - time is a counter that advances on every call;
 *  - waiting returns at once (allowed: spurious wake-ups) and there are no
 *    threads, files or aliasing windows (-KMM_ENOSYS: vmalloc then uses
 *    physically contiguous pages);
 *  - log lines go to a small in-memory ring, readable with a debugger.
 *
 * It uses only the headers the core may use, and scripts/freestanding-check.sh
 * compiles it freestanding to keep it that way.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdatomic.h>

#include "kmm/port.h"

#ifndef KMM_PORT_ARENA_BYTES
#define KMM_PORT_ARENA_BYTES ((size_t)16 << 20) /* TODO: size for the target */
#endif
#define KMM_PORT_ALIGN ((size_t)2 << 20)

/* The arena has one alignment unit of slack so its start can be aligned. */
static unsigned char arena[KMM_PORT_ARENA_BYTES + KMM_PORT_ALIGN];
static size_t arena_used; /* bytes handed out from the aligned start */

static unsigned char *arena_base(void)
{
	uintptr_t p = (uintptr_t)arena;

	return (unsigned char *)((p + KMM_PORT_ALIGN - 1) & ~(uintptr_t)(KMM_PORT_ALIGN - 1));
}

static void zero_bytes(void *addr, size_t n)
{
	volatile unsigned char *p = addr; /* volatile: no call to memset() */

	while (n--)
		*p++ = 0;
}

/* ---- backing memory ------------------------------------------------------ */

int kmm_port_mem_reserve(size_t bytes, void **out)
{
	size_t len;

	if (!out || bytes == 0)
		return -KMM_EINVAL;
	if (bytes > KMM_PORT_ARENA_BYTES)
		return -KMM_ENOMEM;
	len = (bytes + KMM_PORT_ALIGN - 1) & ~(KMM_PORT_ALIGN - 1);
	if (len > KMM_PORT_ARENA_BYTES - arena_used)
		return -KMM_ENOMEM;
	*out = arena_base() + arena_used;
	arena_used += len;
	/* Static storage starts zeroed; released ranges were zeroed on release. */
	return 0;
}

void kmm_port_mem_release(void *addr, size_t bytes)
{
	unsigned char *p = addr;
	size_t len = (bytes + KMM_PORT_ALIGN - 1) & ~(KMM_PORT_ALIGN - 1);

	if (!p || !bytes)
		return;
	/* Keep the "reads as zero" promise for whoever reserves it next. */
	zero_bytes(p, len);
	/* Bump allocator: only the last reservation can be taken back. */
	if (p + len == arena_base() + arena_used)
		arena_used -= len;
}

void kmm_port_mem_discard(void *addr, size_t bytes)
{
	/* TODO: a host with an MMU could unmap and remap the range instead. */
	if (addr)
		zero_bytes(addr, bytes);
}

/* ---- aliasing windows (vmalloc) -------------------------------------------- */

/*
 * TODO: a host with an MMU can alias RAM pages into a window (see
 * posix.c).  Without it vmalloc uses physically contiguous pages.
 */
int kmm_port_vm_reserve(size_t bytes, void **out)
{
	(void)bytes;
	(void)out;
	return -KMM_ENOSYS;
}

int kmm_port_vm_map(void *window_addr, void *ram_base, size_t ram_off, size_t bytes)
{
	(void)window_addr;
	(void)ram_base;
	(void)ram_off;
	(void)bytes;
	return -KMM_ENOSYS;
}

void kmm_port_vm_unmap(void *window_addr, size_t bytes)
{
	(void)window_addr;
	(void)bytes;
}

void kmm_port_vm_release(void *window, size_t bytes)
{
	(void)window;
	(void)bytes;
}

/* ---- time, CPUs, waiting ------------------------------------------------- */

static atomic_uint_least64_t fake_clock;

uint64_t kmm_port_time_ns(void)
{
	/* TODO: read a real monotonic timer.  Each call advances 1 us. */
	return (uint64_t)atomic_fetch_add(&fake_clock, 1000) + 1000;
}

unsigned kmm_port_cpu_hint(void)
{
	return 0;
}

void kmm_port_cpu_relax(void)
{
	__asm__ __volatile__("" ::: "memory");
}

void kmm_port_yield(void)
{
}

void kmm_port_wait(atomic_uint *addr, unsigned expected, uint64_t timeout_ns)
{
	/* Single-threaded: nobody could change *addr while we slept. */
	(void)addr;
	(void)expected;
	(void)timeout_ns;
}

void kmm_port_wake(atomic_uint *addr, int n)
{
	(void)addr;
	(void)n;
}

void **kmm_port_tls_slot(void)
{
	static void *slot; /* one thread: one slot */

	return &slot;
}

/* ---- threads ------------------------------------------------------------- */

int kmm_port_thread_create(struct kmm_port_thread **out, void *(*fn)(void *), void *arg,
			   const char *name)
{
	(void)fn;
	(void)arg;
	(void)name;
	if (out)
		*out = NULL;
	return -KMM_ENOSYS;
}

int kmm_port_thread_join(struct kmm_port_thread *t, void **ret)
{
	(void)t;
	(void)ret;
	return -KMM_ENOSYS;
}

/* ---- files --------------------------------------------------------------- */

int kmm_port_file_open(const char *path, int flags, int *fd)
{
	(void)path;
	(void)flags;
	(void)fd;
	return -KMM_ENOSYS;
}

int kmm_port_file_close(int fd)
{
	(void)fd;
	return -KMM_EBADF;
}

long kmm_port_file_pread(int fd, void *buf, size_t len, uint64_t off)
{
	(void)fd;
	(void)buf;
	(void)len;
	(void)off;
	return -KMM_EBADF;
}

long kmm_port_file_pwrite(int fd, const void *buf, size_t len, uint64_t off)
{
	(void)fd;
	(void)buf;
	(void)len;
	(void)off;
	return -KMM_EBADF;
}

int kmm_port_file_size(int fd, uint64_t *size)
{
	(void)fd;
	(void)size;
	return -KMM_EBADF;
}

int kmm_port_file_id(int fd, unsigned *dev_major, unsigned *dev_minor, uint64_t *ino)
{
	(void)fd;
	(void)dev_major;
	(void)dev_minor;
	(void)ino;
	return -KMM_EBADF;
}

int kmm_port_file_truncate(int fd, uint64_t size)
{
	(void)fd;
	(void)size;
	return -KMM_EBADF;
}

int kmm_port_file_sync(int fd)
{
	(void)fd;
	return -KMM_EBADF;
}

/* ---- log output ------------------------------------------------------------ */

/* TODO: send lines to a UART or the host's logger.  Here: a ring of text. */
char kmm_port_log_ring[4096];
size_t kmm_port_log_head;

void kmm_port_log(int level, const char *line, size_t len)
{
	size_t i;

	(void)level;
	for (i = 0; i <= len; i++) {
		char c = i < len ? line[i] : '\n';

		kmm_port_log_ring[kmm_port_log_head] = c;
		kmm_port_log_head = (kmm_port_log_head + 1) % sizeof(kmm_port_log_ring);
	}
}

void kmm_port_abort(void)
{
	/* an embedder halts the CPU or resets the board here */
	for (;;)
		;
}

/* ---- asymmetric barriers ---------------------------------------------------------------- */

/*
 * A host that can make every other thread of the process execute a full
 * memory barrier (Linux membarrier(2), Windows FlushProcessWriteBuffers)
 * returns 0 here and does it in kmm_port_membarrier(); the MMU then drops
 * the fence from every access.  Without one, return -KMM_ENOSYS.
 */
int kmm_port_membarrier_register(void)
{
	return -KMM_ENOSYS;
}

void kmm_port_membarrier(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}
