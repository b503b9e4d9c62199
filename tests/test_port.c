// SPDX-License-Identifier: MIT
/*
 * tests/test_port.c - the POSIX host port (src/port/posix.c), one thread:
 * backing memory, time, CPU hint, TLS slot, files, log.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "kmm/port.h"

#define MiB ((size_t)1 << 20)

static size_t page(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

static bool all_bytes(const unsigned char *p, size_t n, unsigned char v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* ---- backing memory ---------------------------------------------------------- */

static void test_mem_reserve_aligned_zeroed(void **state)
{
	static const size_t sizes[] = { 1, 4096, 3 * 4096 + 5, 2 * MiB, 5 * MiB + 4096, 64 * MiB };

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned char *p = NULL;

		assert_int_equal(kmm_port_mem_reserve(sizes[i], (void **)&p), 0);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % (2 * MiB), 0);
		/* zero-filled and writable at both ends */
		assert_true(all_bytes(p, sizes[i] < 8192 ? sizes[i] : 8192, 0));
		assert_int_equal(p[sizes[i] - 1], 0);
		p[sizes[i] - 1] = 0x5a;
		p[0] = 0xa5;
		assert_int_equal(p[0], 0xa5);
		if (sizes[i] > 1)
			assert_int_equal(p[sizes[i] - 1], 0x5a);
		kmm_port_mem_release(p, sizes[i]);
	}
}

static void test_mem_reserve_distinct(void **state)
{
	unsigned char *a = NULL, *b = NULL;

	(void)state;
	assert_int_equal(kmm_port_mem_reserve(4 * MiB, (void **)&a), 0);
	assert_int_equal(kmm_port_mem_reserve(4 * MiB, (void **)&b), 0);
	assert_true(a + 4 * MiB <= b || b + 4 * MiB <= a);
	memset(a, 1, 4 * MiB);
	memset(b, 2, 4 * MiB);
	assert_true(all_bytes(a, 4 * MiB, 1));
	assert_true(all_bytes(b, 4 * MiB, 2));
	kmm_port_mem_release(a, 4 * MiB);
	kmm_port_mem_release(b, 4 * MiB);
}

static void test_mem_reserve_bad_args(void **state)
{
	void *p = (void *)0x1;

	(void)state;
	assert_int_equal(kmm_port_mem_reserve(0, &p), -KMM_EINVAL);
	assert_int_equal(kmm_port_mem_reserve(SIZE_MAX, &p), -KMM_ENOMEM);
	assert_int_equal(kmm_port_mem_reserve(SIZE_MAX - 4096, &p), -KMM_ENOMEM);
	assert_ptr_equal(p, (void *)0x1);
}

/* vm.overcommit_memory=2 ignores MAP_NORESERVE: no huge reservations then. */
static bool overcommit_never(void)
{
	FILE *f = fopen("/proc/sys/vm/overcommit_memory", "r");
	int mode = 0;

	if (f) {
		if (fscanf(f, "%d", &mode) != 1)
			mode = 0;
		fclose(f);
	}
	return mode == 2;
}

/* A huge reservation costs nothing until touched (MAP_NORESERVE). */
static void test_mem_reserve_large_lazy(void **state)
{
	unsigned char *p = NULL;
	/* 64 GiB of address space: more than the machine's RAM + swap. */
	size_t big = (size_t)64 << 30;
	const char *preload = getenv("LD_PRELOAD");

	(void)state;
	if (sizeof(size_t) < 8 || overcommit_never())
		skip();
	if (preload && strstr(preload, "vgpreload"))
		big = (size_t)16 << 30; /* valgrind's address space manager stops short of 64 */
	assert_int_equal(kmm_port_mem_reserve(big, (void **)&p), 0);
	assert_int_equal((uintptr_t)p % (2 * MiB), 0);
	p[0] = 1;
	p[big / 2] = 2;
	p[big - 1] = 3;
	assert_int_equal(p[0] + p[big / 2] + p[big - 1], 6);
	kmm_port_mem_release(p, big);
}

static void test_mem_discard_reads_zero(void **state)
{
	size_t ps = page();
	size_t len = 16 * ps;
	unsigned char *p = NULL;

	(void)state;
	assert_int_equal(kmm_port_mem_reserve(len, (void **)&p), 0);
	memset(p, 0xee, len);
	/* discard the middle 8 pages only */
	kmm_port_mem_discard(p + 4 * ps, 8 * ps);
	assert_true(all_bytes(p, 4 * ps, 0xee));
	assert_true(all_bytes(p + 4 * ps, 8 * ps, 0));
	assert_true(all_bytes(p + 12 * ps, 4 * ps, 0xee));
	/* still usable after the discard */
	p[5 * ps] = 7;
	assert_int_equal(p[5 * ps], 7);
	kmm_port_mem_discard(p, len);
	assert_true(all_bytes(p, len, 0));
	kmm_port_mem_release(p, len);
}

/* ---- time, CPU, TLS ------------------------------------------------------------ */

static void test_time_monotonic(void **state)
{
	uint64_t prev = kmm_port_time_ns(), start = prev;

	(void)state;
	assert_true(prev > 0);
	for (int i = 0; i < 100000; i++) {
		uint64_t now = kmm_port_time_ns();

		assert_true(now >= prev);
		prev = now;
	}
	/* it advances across a real sleep of 20 ms (and not absurdly far) */
	usleep(20000);
	uint64_t after = kmm_port_time_ns();

	assert_true(after - start >= 20000000u);
	assert_true(after - start < 60000000000u);
}

static void test_cpu_hint_and_relax(void **state)
{
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);

	(void)state;
	assert_true(ncpu > 0);
	for (int i = 0; i < 100; i++) {
		assert_true(kmm_port_cpu_hint() < (unsigned)ncpu + 1024u);
		kmm_port_cpu_relax();
	}
	kmm_port_yield();
}

static void test_wait_timeout_and_value_mismatch(void **state)
{
	atomic_uint word = 5;
	uint64_t t0, t1;

	(void)state;
	/* value differs: returns at once */
	t0 = kmm_port_time_ns();
	kmm_port_wait(&word, 4, 0);
	t1 = kmm_port_time_ns();
	assert_true(t1 - t0 < 1000000000u);
	/* value matches, nobody wakes us: the timeout ends the wait */
	t0 = kmm_port_time_ns();
	kmm_port_wait(&word, 5, 10000000u); /* 10 ms */
	t1 = kmm_port_time_ns();
	assert_true(t1 - t0 >= 5000000u); /* spurious early return is allowed, but not typical */
	assert_true(t1 - t0 < 5000000000u);
	/* waking with no waiter is harmless */
	kmm_port_wake(&word, 1);
	kmm_port_wake(&word, INT32_MAX);
	assert_int_equal(atomic_load(&word), 5);
}

static void test_tls_slot(void **state)
{
	void **slot = kmm_port_tls_slot();
	int x;

	(void)state;
	assert_non_null(slot);
	assert_ptr_equal(slot, kmm_port_tls_slot()); /* stable for a thread */
	assert_null(*slot);			     /* starts empty */
	*slot = &x;
	assert_ptr_equal(*kmm_port_tls_slot(), &x);
	*slot = NULL;
}

/* ---- files ---------------------------------------------------------------------- */

struct tmpdir {
	char dir[256];
	char path[300];
};

static int tmpdir_setup(void **state)
{
	struct tmpdir *t = calloc(1, sizeof(*t));
	const char *base = getenv("TMPDIR");

	if (!t)
		return -1;
	snprintf(t->dir, sizeof(t->dir), "%s/kmm-test-port-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(t->dir)) {
		free(t);
		return -1;
	}
	snprintf(t->path, sizeof(t->path), "%s/swapfile", t->dir);
	*state = t;
	return 0;
}

static int tmpdir_teardown(void **state)
{
	struct tmpdir *t = *state;

	unlink(t->path);
	rmdir(t->dir);
	free(t);
	return 0;
}

static void test_file_round_trip(void **state)
{
	struct tmpdir *t = *state;
	unsigned char wbuf[3 * 4096 + 17], rbuf[sizeof(wbuf) + 100];
	uint64_t size = 1;
	int fd = -1;

	for (size_t i = 0; i < sizeof(wbuf); i++)
		wbuf[i] = (unsigned char)(i * 13 + 1);

	assert_int_equal(kmm_port_file_open(t->path, KMM_O_RDWR | KMM_O_CREAT | KMM_O_TRUNC, &fd),
			 0);
	assert_true(fd >= 0);
	assert_int_equal(kmm_port_file_size(fd, &size), 0);
	assert_true(size == 0);

	/* write at an offset; the hole reads back as zeros */
	assert_int_equal(kmm_port_file_pwrite(fd, wbuf, sizeof(wbuf), 8192), (long)sizeof(wbuf));
	assert_int_equal(kmm_port_file_size(fd, &size), 0);
	assert_true(size == 8192 + sizeof(wbuf));
	memset(rbuf, 0xff, sizeof(rbuf));
	assert_int_equal(kmm_port_file_pread(fd, rbuf, 8192, 0), 8192);
	for (size_t i = 0; i < 8192; i++)
		assert_int_equal(rbuf[i], 0);
	assert_int_equal(kmm_port_file_pread(fd, rbuf, sizeof(wbuf), 8192), (long)sizeof(wbuf));
	assert_memory_equal(rbuf, wbuf, sizeof(wbuf));

	/* a read past EOF is short, returning what there was */
	assert_int_equal(kmm_port_file_pread(fd, rbuf, sizeof(rbuf), 8192), (long)sizeof(wbuf));
	assert_int_equal(kmm_port_file_pread(fd, rbuf, 100, size + 4096), 0);

	/* overwrite in the middle, and in the hole */
	assert_int_equal(kmm_port_file_pwrite(fd, "swap", 4, 10), 4);
	assert_int_equal(kmm_port_file_pwrite(fd, "KMM", 3, 8192 + 100), 3);
	assert_int_equal(kmm_port_file_pread(fd, rbuf, 5, 8192 + 99), 5);
	assert_int_equal(rbuf[0], wbuf[99]);
	assert_memory_equal(rbuf + 1, "KMM", 3);
	assert_int_equal(rbuf[4], wbuf[103]);

	/* truncate down, then up (the new tail reads as zeros) */
	assert_int_equal(kmm_port_file_truncate(fd, 4096), 0);
	assert_int_equal(kmm_port_file_size(fd, &size), 0);
	assert_true(size == 4096);
	assert_int_equal(kmm_port_file_pread(fd, rbuf, 8192, 0), 4096);
	assert_int_equal(kmm_port_file_truncate(fd, 1 << 20), 0);
	assert_int_equal(kmm_port_file_size(fd, &size), 0);
	assert_true(size == 1 << 20);
	memset(rbuf, 0xff, 4096);
	assert_int_equal(kmm_port_file_pread(fd, rbuf, 4096, (1 << 20) - 4096), 4096);
	for (size_t i = 0; i < 4096; i++)
		assert_int_equal(rbuf[i], 0);

	assert_int_equal(kmm_port_file_sync(fd), 0);
	assert_int_equal(kmm_port_file_close(fd), 0);

	/* reopen read-only: data persisted, writes refused */
	assert_int_equal(kmm_port_file_open(t->path, KMM_O_RDONLY, &fd), 0);
	assert_int_equal(kmm_port_file_size(fd, &size), 0);
	assert_true(size == 1 << 20);
	assert_int_equal(kmm_port_file_pread(fd, rbuf, 6, 9), 6);
	assert_memory_equal(rbuf, "\0swap\0", 6);
	/* the truncation down to 4096 dropped the old "KMM" for good */
	assert_int_equal(kmm_port_file_pread(fd, rbuf, 3, 8192 + 100), 3);
	assert_memory_equal(rbuf, "\0\0\0", 3);
	assert_true(kmm_port_file_pwrite(fd, "x", 1, 0) == -KMM_EBADF);
	assert_int_equal(kmm_port_file_close(fd), 0);

	/* O_TRUNC empties it */
	assert_int_equal(kmm_port_file_open(t->path, KMM_O_RDWR | KMM_O_TRUNC, &fd), 0);
	assert_int_equal(kmm_port_file_size(fd, &size), 0);
	assert_true(size == 0);
	assert_int_equal(kmm_port_file_close(fd), 0);
}

static void test_file_large_transfer(void **state)
{
	struct tmpdir *t = *state;
	size_t len = 8 * MiB + 123;
	unsigned char *w = malloc(len), *r = malloc(len);
	int fd;

	assert_non_null(w);
	assert_non_null(r);
	for (size_t i = 0; i < len; i++)
		w[i] = (unsigned char)(i ^ (i >> 9));
	assert_int_equal(kmm_port_file_open(t->path, KMM_O_RDWR | KMM_O_CREAT | KMM_O_TRUNC, &fd),
			 0);
	assert_int_equal(kmm_port_file_pwrite(fd, w, len, 1), (long)len);
	assert_int_equal(kmm_port_file_pread(fd, r, len, 1), (long)len);
	assert_memory_equal(w, r, len);
	assert_int_equal(kmm_port_file_close(fd), 0);
	free(w);
	free(r);
}

static void test_file_errors(void **state)
{
	struct tmpdir *t = *state;
	char path[400];
	uint64_t size;
	char c;
	int fd = 12345;

	snprintf(path, sizeof(path), "%s/does/not/exist", t->dir);
	assert_int_equal(kmm_port_file_open(path, KMM_O_RDONLY, &fd), -KMM_ENOENT);
	snprintf(path, sizeof(path), "%s/missing", t->dir);
	assert_int_equal(kmm_port_file_open(path, KMM_O_RDWR, &fd), -KMM_ENOENT);
	assert_int_equal(fd, 12345); /* untouched on failure */
	/* creating inside a regular file is ENOTDIR */
	assert_int_equal(kmm_port_file_open(t->path, KMM_O_RDWR | KMM_O_CREAT, &fd), 0);
	assert_int_equal(kmm_port_file_close(fd), 0);
	snprintf(path, sizeof(path), "%s/x", t->path);
	assert_int_equal(kmm_port_file_open(path, KMM_O_RDWR | KMM_O_CREAT, &fd), -KMM_ENOTDIR);
	/* a directory cannot be opened for writing */
	assert_int_equal(kmm_port_file_open(t->dir, KMM_O_RDWR, &fd), -KMM_EISDIR);
	/* unknown flag bits are refused */
	assert_int_equal(kmm_port_file_open(t->path, 0x40000000, &fd), -KMM_EINVAL);

	/* a descriptor that is not open */
	int bad = open("/dev/null", O_RDONLY);

	assert_true(bad >= 0);
	close(bad);
	assert_true(kmm_port_file_pread(bad, &c, 1, 0) == -KMM_EBADF);
	assert_true(kmm_port_file_pwrite(bad, &c, 1, 0) == -KMM_EBADF);
	assert_int_equal(kmm_port_file_size(bad, &size), -KMM_EBADF);
	assert_int_equal(kmm_port_file_truncate(bad, 0), -KMM_EBADF);
	assert_int_equal(kmm_port_file_sync(bad), -KMM_EBADF);
	assert_int_equal(kmm_port_file_close(bad), -KMM_EBADF);
}

/* ---- log ------------------------------------------------------------------------ */

/* The line plus '\n' lands on stderr in one piece. */
static void test_log_to_stderr(void **state)
{
	struct tmpdir *t = *state;
	char big[3000], got[4096];
	int saved, fd;
	ssize_t n;

	memset(big, 'L', sizeof(big));
	fd = open(t->path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	kmm_port_log(6, "kmm: hello", 10);
	kmm_port_log(3, "", 0);
	kmm_port_log(4, "partial line ignored after len", 7);
	kmm_port_log(6, big, sizeof(big));
	dup2(saved, STDERR_FILENO);
	close(saved);

	n = pread(fd, got, sizeof(got), 0);
	close(fd);
	assert_int_equal(n, 10 + 1 + 1 + 7 + 1 + sizeof(big) + 1);
	assert_memory_equal(got, "kmm: hello\n\npartial\n", 20);
	assert_true(all_bytes((unsigned char *)got + 20, sizeof(big), 'L'));
	assert_int_equal(got[20 + sizeof(big)], '\n');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mem_reserve_aligned_zeroed),
		cmocka_unit_test(test_mem_reserve_distinct),
		cmocka_unit_test(test_mem_reserve_bad_args),
		cmocka_unit_test(test_mem_reserve_large_lazy),
		cmocka_unit_test(test_mem_discard_reads_zero),
		cmocka_unit_test(test_time_monotonic),
		cmocka_unit_test(test_cpu_hint_and_relax),
		cmocka_unit_test(test_wait_timeout_and_value_mismatch),
		cmocka_unit_test(test_tls_slot),
		cmocka_unit_test_setup_teardown(test_file_round_trip, tmpdir_setup,
						tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_file_large_transfer, tmpdir_setup,
						tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_file_errors, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_log_to_stderr, tmpdir_setup, tmpdir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
