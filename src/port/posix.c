// SPDX-License-Identifier: MIT
/*
 * src/port/posix.c - the kmm host port for Linux (and, mostly, POSIX) hosts.
 *
 * Implements include/kmm/port.h with mmap/madvise for backing memory,
 * clock_gettime for time, futex(2) for wait/wake, pthreads for threads and
 * plain file descriptors for files.  This is the only part of the library
 * that includes host headers; it is compiled with _GNU_SOURCE.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/futex.h>
#endif

#include "kmm/port.h"

#define KMM_PORT_ALIGN ((size_t)2 << 20) /* 2 MiB */

/* Host errno -> KMM_E* (identical numbering on Linux, mapped elsewhere). */
static int kmm_err(int e)
{
	switch (e) {
	case EPERM:
		return KMM_EPERM;
	case ENOENT:
		return KMM_ENOENT;
	case EIO:
		return KMM_EIO;
	case E2BIG:
		return KMM_E2BIG;
	case EBADF:
		return KMM_EBADF;
	case EAGAIN:
		return KMM_EAGAIN;
	case ENOMEM:
		return KMM_ENOMEM;
	case EACCES:
		return KMM_EACCES;
	case EFAULT:
		return KMM_EFAULT;
	case EBUSY:
		return KMM_EBUSY;
	case EEXIST:
		return KMM_EEXIST;
	case ENODEV:
		return KMM_ENODEV;
	case ENOTDIR:
		return KMM_ENOTDIR;
	case EISDIR:
		return KMM_EISDIR;
	case EINVAL:
		return KMM_EINVAL;
	case ENOSPC:
		return KMM_ENOSPC;
	case ERANGE:
		return KMM_ERANGE;
	case ENOSYS:
		return KMM_ENOSYS;
	case EOVERFLOW:
		return KMM_EOVERFLOW;
	default:
#ifdef __linux__
		return e > 0 ? e : KMM_EIO;
#else
		return KMM_EIO;
#endif
	}
}

static size_t page_size(void)
{
	static size_t cached;
	size_t ps = __atomic_load_n(&cached, __ATOMIC_RELAXED);

	if (!ps) {
		long v = sysconf(_SC_PAGESIZE);

		ps = v > 0 ? (size_t)v : 4096;
		__atomic_store_n(&cached, ps, __ATOMIC_RELAXED);
	}
	return ps;
}

static size_t round_up(size_t x, size_t a)
{
	return (x + a - 1) & ~(a - 1);
}

/* ---- backing memory ---------------------------------------------------- */

int kmm_port_mem_reserve(size_t bytes, void **out)
{
	size_t len, map_len, head, tail;
	uintptr_t base, aligned;
	void *p;

	if (!out || bytes == 0)
		return -KMM_EINVAL;
	if (bytes > SIZE_MAX - KMM_PORT_ALIGN - page_size())
		return -KMM_ENOMEM;
	len = round_up(bytes, page_size());
	/* Over-reserve by the alignment, then trim both ends. */
	map_len = len + KMM_PORT_ALIGN;
	p = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		 -1, 0);
	if (p == MAP_FAILED)
		return -kmm_err(errno);
	base = (uintptr_t)p;
	aligned = round_up(base, KMM_PORT_ALIGN);
	head = aligned - base;
	tail = map_len - head - len;
	if (head)
		munmap(p, head);
	if (tail)
		munmap((void *)(aligned + len), tail);
	*out = (void *)aligned;
	return 0;
}

void kmm_port_mem_release(void *addr, size_t bytes)
{
	if (addr && bytes)
		munmap(addr, round_up(bytes, page_size()));
}

void kmm_port_mem_discard(void *addr, size_t bytes)
{
	if (addr && bytes)
		madvise(addr, bytes, MADV_DONTNEED);
}

/* ---- time, CPUs, waiting ------------------------------------------------- */

uint64_t kmm_port_time_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

unsigned kmm_port_cpu_hint(void)
{
#ifdef __linux__
	int cpu = sched_getcpu();

	return cpu >= 0 ? (unsigned)cpu : 0u;
#else
	return 0;
#endif
}

void kmm_port_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ __volatile__("pause" ::: "memory");
#elif defined(__aarch64__) || defined(__arm__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

void kmm_port_yield(void)
{
	sched_yield();
}

_Static_assert(sizeof(atomic_uint) == sizeof(uint32_t), "futex word must be 32 bits");

void kmm_port_wait(atomic_uint *addr, unsigned expected, uint64_t timeout_ns)
{
#ifdef __linux__
	struct timespec ts, *tsp = NULL;

	if (timeout_ns) {
		ts.tv_sec = (time_t)(timeout_ns / 1000000000u);
		ts.tv_nsec = (long)(timeout_ns % 1000000000u);
		tsp = &ts;
	}
	/* EAGAIN (value changed), EINTR and ETIMEDOUT are all plain returns. */
	syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAIT_PRIVATE, expected, tsp, NULL, 0);
#else
	uint64_t end = timeout_ns ? kmm_port_time_ns() + timeout_ns : 0;

	while (atomic_load(addr) == expected) {
		if (end && kmm_port_time_ns() >= end)
			break;
		sched_yield();
	}
#endif
}

void kmm_port_wake(atomic_uint *addr, int n)
{
#ifdef __linux__
	if (n <= 0)
		return;
	syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
#else
	(void)addr;
	(void)n;
#endif
}

_Thread_local void *kmm_port_tls;

#ifndef KMM_PORT_INLINE_TLS
void **kmm_port_tls_slot(void)
{
	return &kmm_port_tls;
}
#endif

/* ---- threads --------------------------------------------------------------- */

struct kmm_port_thread {
	pthread_t tid;
};

int kmm_port_thread_create(struct kmm_port_thread **out, void *(*fn)(void *), void *arg,
			   const char *name)
{
	struct kmm_port_thread *t;
	int err;

	if (!out || !fn)
		return -KMM_EINVAL;
	t = malloc(sizeof(*t));
	if (!t)
		return -KMM_ENOMEM;
	err = pthread_create(&t->tid, NULL, fn, arg);
	if (err) {
		free(t);
		return -kmm_err(err);
	}
#ifdef __linux__
	if (name && *name) {
		char comm[16]; /* the kernel's TASK_COMM_LEN */
		size_t n = strnlen(name, sizeof(comm) - 1);

		memcpy(comm, name, n);
		comm[n] = '\0';
		pthread_setname_np(t->tid, comm); /* best effort */
	}
#else
	(void)name;
#endif
	*out = t;
	return 0;
}

int kmm_port_thread_join(struct kmm_port_thread *t, void **ret)
{
	int err;

	if (!t)
		return -KMM_EINVAL;
	err = pthread_join(t->tid, ret);
	if (err)
		return -kmm_err(err);
	free(t);
	return 0;
}

/* ---- files ----------------------------------------------------------------- */

int kmm_port_file_open(const char *path, int flags, int *fd)
{
	int oflags = O_CLOEXEC;
	int r;

	if (!path || !fd)
		return -KMM_EINVAL;
	if (flags & ~(3 | KMM_O_CREAT | KMM_O_TRUNC))
		return -KMM_EINVAL;
	switch (flags & 3) {
	case KMM_O_RDONLY:
		oflags |= O_RDONLY;
		break;
	case KMM_O_RDWR:
		oflags |= O_RDWR;
		break;
	case 1:
		oflags |= O_WRONLY;
		break;
	default:
		return -KMM_EINVAL;
	}
	if (flags & KMM_O_CREAT)
		oflags |= O_CREAT;
	if (flags & KMM_O_TRUNC)
		oflags |= O_TRUNC;
	do {
		r = open(path, oflags, 0644);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return -kmm_err(errno);
	*fd = r;
	return 0;
}

int kmm_port_file_close(int fd)
{
	/* On Linux the descriptor is gone even when close() reports EINTR. */
	if (close(fd) < 0 && errno != EINTR)
		return -kmm_err(errno);
	return 0;
}

long kmm_port_file_pread(int fd, void *buf, size_t len, uint64_t off)
{
	char *p = buf;
	size_t done = 0;

	if (len > (size_t)LONG_MAX || off > (uint64_t)INT64_MAX - len)
		return -KMM_EINVAL;
	while (done < len) {
		ssize_t r = pread(fd, p + done, len - done, (off_t)(off + done));

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -kmm_err(errno);
		}
		if (r == 0)
			break; /* end of file */
		done += (size_t)r;
	}
	return (long)done;
}

long kmm_port_file_pwrite(int fd, const void *buf, size_t len, uint64_t off)
{
	const char *p = buf;
	size_t done = 0;

	if (len > (size_t)LONG_MAX || off > (uint64_t)INT64_MAX - len)
		return -KMM_EINVAL;
	while (done < len) {
		ssize_t r = pwrite(fd, p + done, len - done, (off_t)(off + done));

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -kmm_err(errno);
		}
		if (r == 0)
			return -KMM_EIO;
		done += (size_t)r;
	}
	return (long)done;
}

int kmm_port_file_size(int fd, uint64_t *size)
{
	struct stat st;

	if (!size)
		return -KMM_EINVAL;
	if (fstat(fd, &st) < 0)
		return -kmm_err(errno);
	*size = (uint64_t)st.st_size;
	return 0;
}

int kmm_port_file_truncate(int fd, uint64_t size)
{
	int r;

	if (size > (uint64_t)INT64_MAX)
		return -KMM_EINVAL;
	do {
		r = ftruncate(fd, (off_t)size);
	} while (r < 0 && errno == EINTR);
	return r < 0 ? -kmm_err(errno) : 0;
}

int kmm_port_file_sync(int fd)
{
	int r;

	do {
		r = fsync(fd);
	} while (r < 0 && errno == EINTR);
	return r < 0 ? -kmm_err(errno) : 0;
}

/* ---- log output ---------------------------------------------------------- */

void kmm_port_log(int level, const char *line, size_t len)
{
	char buf[1024];
	ssize_t r;

	(void)level;
	if (!line)
		len = 0;
	/* One write() per line so lines from different threads do not mix. */
	if (len < sizeof(buf)) {
		if (len)
			memcpy(buf, line, len);
		buf[len] = '\n';
		do {
			r = write(STDERR_FILENO, buf, len + 1);
		} while (r < 0 && errno == EINTR);
	} else {
		struct iovec iov[2] = {
			{ .iov_base = (void *)line, .iov_len = len },
			{ .iov_base = (void *)"\n", .iov_len = 1 },
		};

		do {
			r = writev(STDERR_FILENO, iov, 2);
		} while (r < 0 && errno == EINTR);
	}
}

void kmm_port_abort(void)
{
	abort();
}
