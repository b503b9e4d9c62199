// SPDX-License-Identifier: MIT
/*
 * src/port/posix.c - the kmm host port for Linux (and, mostly, POSIX) hosts.
 *
 * Implements include/kmm/port.h with a memfd mapped MAP_SHARED for backing
 * memory (so vmalloc can alias its pages), mmap for aliasing windows,
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
#include <sys/sysmacros.h>
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

/*
 * Reservations are backed by a memfd (a file in the host's internal tmpfs)
 * mapped MAP_SHARED, so that kmm_port_vm_map() can map the same pages a
 * second time elsewhere (vmalloc's aliasing).  Each reservation keeps its
 * descriptor, found by address in a small list; a host without memfd (or a
 * failing memfd_create) falls back to private anonymous memory, which
 * cannot be aliased (kmm_port_vm_map() then returns -KMM_ENOSYS).
 *
 * Untouched pages cost nothing either way: the memfd is sparse and never
 * charged to the host's commit limit (memfd_create makes its tmpfs file
 * VM_NORESERVE), the anonymous fallback is MAP_NORESERVE.  A discarded
 * range is punched out of the file, so it reads as zero through every
 * mapping of it and gives its host memory back.
 */
struct mem_region {
	struct mem_region *next;
	uintptr_t base;
	size_t len;
	int fd; /* -1: private anonymous, no aliasing */
};
static pthread_mutex_t mem_regions_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mem_region *mem_regions;

/* The region holding [addr, addr + len), with the lock held; NULL if none. */
static struct mem_region *mem_region_find(uintptr_t addr, size_t len)
{
	for (struct mem_region *r = mem_regions; r; r = r->next)
		if (addr >= r->base && addr - r->base <= r->len && len <= r->len - (addr - r->base))
			return r;
	return NULL;
}

static int ram_memfd(size_t len)
{
#ifdef __linux__
	int fd = memfd_create("kmm-ram", MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	if (ftruncate(fd, (off_t)len) < 0) {
		close(fd);
		return -1;
	}
	return fd;
#else
	(void)len;
	return -1;
#endif
}

int kmm_port_mem_reserve(size_t bytes, void **out)
{
	size_t len, map_len, head, tail;
	uintptr_t base, aligned;
	struct mem_region *r;
	void *p, *q = MAP_FAILED;
	int fd, err;

	if (!out || bytes == 0)
		return -KMM_EINVAL;
	if (bytes > SIZE_MAX - KMM_PORT_ALIGN - page_size())
		return -KMM_ENOMEM;
	len = round_up(bytes, page_size());
	/* Over-reserve address space by the alignment, then trim both ends. */
	map_len = len + KMM_PORT_ALIGN;
	p = mmap(NULL, map_len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -kmm_err(errno);
	base = (uintptr_t)p;
	aligned = round_up(base, KMM_PORT_ALIGN);
	fd = ram_memfd(len);
	if (fd >= 0) {
		q = mmap((void *)aligned, len, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED | MAP_NORESERVE, fd, 0);
		if (q == MAP_FAILED) {
			close(fd);
			fd = -1;
		}
	}
	if (q == MAP_FAILED)
		q = mmap((void *)aligned, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
	if (q == MAP_FAILED) {
		err = errno;
		munmap(p, map_len);
		return -kmm_err(err);
	}
	head = aligned - base;
	tail = map_len - head - len;
	if (head)
		munmap(p, head);
	if (tail)
		munmap((void *)(aligned + len), tail);
	r = malloc(sizeof(*r));
	if (!r) {
		munmap((void *)aligned, len);
		if (fd >= 0)
			close(fd);
		return -KMM_ENOMEM;
	}
	r->base = aligned;
	r->len = len;
	r->fd = fd;
	pthread_mutex_lock(&mem_regions_lock);
	r->next = mem_regions;
	mem_regions = r;
	pthread_mutex_unlock(&mem_regions_lock);
	*out = (void *)aligned;
	return 0;
}

void kmm_port_mem_release(void *addr, size_t bytes)
{
	struct mem_region **pp, *r = NULL;

	if (!addr || !bytes)
		return;
	pthread_mutex_lock(&mem_regions_lock);
	for (pp = &mem_regions; *pp; pp = &(*pp)->next) {
		if ((*pp)->base == (uintptr_t)addr) {
			r = *pp;
			*pp = r->next;
			break;
		}
	}
	pthread_mutex_unlock(&mem_regions_lock);
	munmap(addr, round_up(bytes, page_size()));
	if (r) {
		/* aliases still mapped keep the file (and their pages) alive */
		if (r->fd >= 0)
			close(r->fd);
		free(r);
	}
}

void kmm_port_mem_discard(void *addr, size_t bytes)
{
	struct mem_region *r;
	int fd = -1;
	off_t off = 0;

	if (!addr || !bytes)
		return;
	pthread_mutex_lock(&mem_regions_lock);
	r = mem_region_find((uintptr_t)addr, bytes);
	if (r && r->fd >= 0) {
		fd = r->fd;
		off = (off_t)((uintptr_t)addr - r->base);
	}
#ifdef __linux__
	/*
	 * Punch under the lock: a concurrent release must not close (and the
	 * host reuse) the descriptor in between.
	 */
	if (fd >= 0 &&
	    fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, (off_t)bytes) == 0) {
		pthread_mutex_unlock(&mem_regions_lock);
		return;
	}
	pthread_mutex_unlock(&mem_regions_lock);
	/* a shared mapping: MADV_REMOVE frees the file's pages too */
	if (fd >= 0 && madvise(addr, bytes, MADV_REMOVE) == 0)
		return;
#else
	(void)off;
	pthread_mutex_unlock(&mem_regions_lock);
#endif
	madvise(addr, bytes, MADV_DONTNEED);
}

/* ---- aliasing windows (vmalloc) -------------------------------------------- */

int kmm_port_vm_reserve(size_t bytes, void **out)
{
	void *p;

	if (!out || bytes == 0)
		return -KMM_EINVAL;
	/* the core maps 4 KiB pages: a host with larger pages cannot alias them */
	if (page_size() != 4096)
		return -KMM_ENOSYS;
	if (bytes > SIZE_MAX - page_size())
		return -KMM_ENOMEM;
	p = mmap(NULL, round_up(bytes, page_size()), PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -kmm_err(errno);
	*out = p;
	return 0;
}

int kmm_port_vm_map(void *window_addr, void *ram_base, size_t ram_off, size_t bytes)
{
	struct mem_region *r;
	uintptr_t src;
	void *p;
	int err = 0;

	if (!window_addr || !ram_base || !bytes ||
	    ((uintptr_t)window_addr | ram_off | bytes) & (page_size() - 1))
		return -KMM_EINVAL;
	if (ram_off > UINTPTR_MAX - (uintptr_t)ram_base)
		return -KMM_EINVAL;
	src = (uintptr_t)ram_base + ram_off;
	pthread_mutex_lock(&mem_regions_lock);
	r = mem_region_find(src, bytes);
	if (!r)
		err = -KMM_EINVAL;
	else if (r->fd < 0)
		err = -KMM_ENOSYS;
	if (!err) {
		p = mmap(window_addr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, r->fd,
			 (off_t)(src - r->base));
		if (p == MAP_FAILED)
			err = -kmm_err(errno);
	}
	pthread_mutex_unlock(&mem_regions_lock);
	/* a failed MAP_FIXED may have dropped the old mapping: restore the hole */
	if (err && err != -KMM_EINVAL && err != -KMM_ENOSYS)
		kmm_port_vm_unmap(window_addr, bytes);
	return err;
}

void kmm_port_vm_unmap(void *window_addr, size_t bytes)
{
	if (!window_addr || !bytes)
		return;
	/* replace in one step: the range never becomes free host address space */
	mmap(window_addr, round_up(bytes, page_size()), PROT_NONE,
	     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
}

void kmm_port_vm_release(void *window, size_t bytes)
{
	if (window && bytes)
		munmap(window, round_up(bytes, page_size()));
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

int kmm_port_file_id(int fd, unsigned *dev_major, unsigned *dev_minor, uint64_t *ino)
{
	struct stat st;

	if (!dev_major || !dev_minor || !ino)
		return -KMM_EINVAL;
	if (fstat(fd, &st) < 0)
		return -kmm_err(errno);
	*dev_major = major(st.st_dev);
	*dev_minor = minor(st.st_dev);
	*ino = (uint64_t)st.st_ino;
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

/* ---- asymmetric barriers (membarrier(2)) ------------------------------------------- */

#ifndef MEMBARRIER_CMD_PRIVATE_EXPEDITED
#define MEMBARRIER_CMD_PRIVATE_EXPEDITED (1 << 3)
#define MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED (1 << 4)
#endif

int kmm_port_membarrier_register(void)
{
#ifdef SYS_membarrier
	if (syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0)
		return 0;
#endif
	return -KMM_ENOSYS;
}

void kmm_port_membarrier(void)
{
#ifdef SYS_membarrier
	if (syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == 0)
		return;
#endif
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}
