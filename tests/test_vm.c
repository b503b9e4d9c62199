/* SPDX-License-Identifier: MIT */
/*
 * tests/test_vm.c - tasks, VMAs, page tables, the MMU and faults: data
 * written through the MMU reads back, copy-on-write after fork, munmap
 * holes, mprotect, mremap moves, brk, errno of bad calls, the zero page,
 * fault counters, page-table freeing, and memory returning to the
 * allocator when tasks exit.
 */
#include <unistd.h>

#include "kmm_test.h"
#include "mm/vma.h"

#define PG 4096ULL

static struct kmm_machine *boot_vm(const char *extra)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "mem=256M nr_cpus=4 %s", extra ? extra : "");
	*kmm_port_tls_slot() = NULL; /* a failed test may have left its binding */
	struct kmm_machine *m = test_boot(cmd, NULL);
	assert_int_equal(kmm_cpu_enter(m, 0), 0);
	return m;
}

static void shutdown_vm(struct kmm_machine *m)
{
	kmm_cpu_leave(m);
	kmm_machine_shutdown(m);
}

static long node_stat(struct kmm_machine *m, enum node_stat_item item)
{
	long v = 0;
	int nid;
	kmm_drain_all_pages(m);
	for_each_online_node(m, nid) v += node_page_state_snapshot(m, NODE_DATA(m, nid), item);
	return v;
}

/* Deterministic pattern: byte i of a region seeded s. */
static unsigned char pat(uint64_t seed, uint64_t addr)
{
	uint64_t x = seed * 0x9E3779B97F4A7C15ULL ^ addr * 0xBF58476D1CE4E5B9ULL;
	x ^= x >> 31;
	return (unsigned char)(x * 0x94D049BB133111EBULL >> 56);
}

static void fill(struct kmm_task *t, uint64_t addr, size_t len, uint64_t seed)
{
	unsigned char *b = malloc(len);
	for (size_t i = 0; i < len; i++)
		b[i] = pat(seed, addr + i);
	assert_int_equal(kmm_access(t, addr, b, len, KMM_ACCESS_WRITE), 0);
	free(b);
}

/* Check [addr, addr+len) holds the pattern written at @orig (moved data). */
static void check_moved(struct kmm_task *t, uint64_t addr, size_t len, uint64_t seed, uint64_t orig)
{
	unsigned char *b = malloc(len);
	assert_int_equal(kmm_access(t, addr, b, len, KMM_ACCESS_READ), 0);
	for (size_t i = 0; i < len; i++)
		if (b[i] != pat(seed, orig + i))
			fail_msg("mismatch at %#llx: %02x != %02x", (unsigned long long)(addr + i),
				 b[i], pat(seed, orig + i));
	free(b);
}

static void check(struct kmm_task *t, uint64_t addr, size_t len, uint64_t seed)
{
	check_moved(t, addr, len, seed, addr);
}

static void test_anon_rw(void **state)
{
	(void)state;
	struct kmm_machine *m = boot_vm(NULL);
	long anon0 = node_stat(m, NR_ANON_MAPPED), pt0 = node_stat(m, NR_PAGETABLE);
	struct kmm_task *t = kmm_task_spawn(m, "rw");
	assert_non_null(t);
	long a = kmm_mmap(t, 0, 64 * PG, KMM_PROT_READ | KMM_PROT_WRITE,
			  KMM_MAP_PRIVATE | KMM_MAP_ANONYMOUS, -1, 0);
	assert_true(a > 0);
	assert_int_equal(a & 0xfff, 0);
	/* untouched memory reads zero through the zero page */
	unsigned char z[100];
	memset(z, 0xff, sizeof(z));
	assert_int_equal(kmm_access(t, (uint64_t)a + 5000, z, sizeof(z), KMM_ACCESS_READ), 0);
	for (size_t i = 0; i < sizeof(z); i++)
		assert_int_equal(z[i], 0);
	assert_int_equal(node_stat(m, NR_ANON_MAPPED), anon0);
	fill(t, (uint64_t)a + 123, 64 * PG - 200, 7);
	check(t, (uint64_t)a + 123, 64 * PG - 200, 7);
	assert_int_equal(node_stat(m, NR_ANON_MAPPED), anon0 + 64);
	assert_int_equal(get_mm_counter(t->mm, MM_ANONPAGES), 64);
	assert_true(node_stat(m, NR_PAGETABLE) >= pt0 + 3);
	assert_null(validate_mm(t->mm));
	kmm_task_exit(t);
	assert_int_equal(node_stat(m, NR_ANON_MAPPED), anon0);
	assert_int_equal(node_stat(m, NR_PAGETABLE), pt0);
	shutdown_vm(m);
}

static void test_segv(void **state)
{
	(void)state;
	struct logcap cap;
	*kmm_port_tls_slot() = NULL;
	struct kmm_machine *m = test_boot("mem=128M nr_cpus=2", &cap);
	assert_int_equal(kmm_cpu_enter(m, 0), 0);
	struct kmm_task *t = kmm_task_spawn(m, "crash");
	long a = kmm_mmap(t, 0, 4 * PG, KMM_PROT_READ, KMM_MAP_PRIVATE | KMM_MAP_ANONYMOUS, -1, 0);
	assert_true(a > 0);
	char c = 1;
	assert_int_equal(kmm_access(t, (uint64_t)a, &c, 1, KMM_ACCESS_READ), 0);
	/* write to a read-only mapping: SIGSEGV, error 7 (prot|write|user) */
	assert_int_equal(kmm_access(t, (uint64_t)a, &c, 1, KMM_ACCESS_WRITE), -KMM_EFAULT);
	assert_int_equal(kmm_task_signal(t), KMM_SIGSEGV);
	assert_true(logcap_has(&cap, "crash["));
	assert_true(logcap_has(&cap, "segfault at"));
	assert_true(logcap_has(&cap, "error 7"));
	assert_int_equal(kmm_access(t, (uint64_t)a, &c, 1, KMM_ACCESS_READ), -KMM_ESRCH);
	kmm_task_exit(t);

	/* unmapped address: error 6 (write|user, not present) */
	t = kmm_task_spawn(m, "wild");
	logcap_clear(&cap);
	assert_int_equal(kmm_access(t, 0x100000, &c, 1, KMM_ACCESS_WRITE), -KMM_EFAULT);
	assert_true(logcap_has(&cap, "segfault at 100000"));
	assert_true(logcap_has(&cap, "error 6"));
	kmm_task_exit(t);

	/* exec of a non-exec mapping: error 15 (prot|user|instr) */
	t = kmm_task_spawn(m, "nx");
	a = kmm_mmap(t, 0, PG, KMM_PROT_READ | KMM_PROT_WRITE, KMM_MAP_PRIVATE | KMM_MAP_ANONYMOUS,
		     -1, 0);
	assert_int_equal(kmm_access(t, (uint64_t)a, &c, 1, KMM_ACCESS_WRITE), 0);
	logcap_clear(&cap);
	assert_int_equal(kmm_access(t, (uint64_t)a, &c, 1, KMM_ACCESS_EXEC), -KMM_EFAULT);
	assert_true(logcap_has(&cap, "error 15"));
	kmm_task_exit(t);
	kmm_cpu_leave(m);
	kmm_machine_shutdown(m);
}

static void test_fork_cow(void **state)
{
	(void)state;
	struct kmm_machine *m = boot_vm(NULL);
	long anon0 = node_stat(m, NR_ANON_MAPPED);
	struct kmm_task *p = kmm_task_spawn(m, "parent");
	long a = kmm_mmap(p, 0, 32 * PG, KMM_PROT_READ | KMM_PROT_WRITE,
			  KMM_MAP_PRIVATE | KMM_MAP_ANONYMOUS, -1, 0);
	fill(p, (uint64_t)a, 32 * PG, 1);
	struct kmm_task *c;
	assert_int_equal(kmm_task_fork(p, "child", &c), 0);
	assert_int_not_equal(kmm_task_pid(c), kmm_task_pid(p));
	/* shared: no new anon pages */
	assert_int_equal(node_stat(m, NR_ANON_MAPPED), anon0 + 32);
	check(c, (uint64_t)a, 32 * PG, 1);
	/* child writes half: those pages are copied */
	fill(c, (uint64_t)a, 16 * PG, 2);
	assert_int_equal(node_stat(m, NR_ANON_MAPPED), anon0 + 48);
	check(p, (uint64_t)a, 32 * PG, 1);
	check(c, (uint64_t)a, 16 * PG, 2);
	check(c, (uint64_t)a + 16 * PG, 16 * PG, 1);
	/* a grandchild, then the parent writes: everybody keeps their data */
	struct kmm_task *g;
	assert_int_equal(kmm_task_fork(c, "grandchild", &g), 0);
	fill(p, (uint64_t)a + 8 * PG, 16 * PG, 3);
	check(g, (uint64_t)a, 16 * PG, 2);
	check(g, (uint64_t)a + 16 * PG, 16 * PG, 1);
	check(c, (uint64_t)a + 16 * PG, 16 * PG, 1);
	check(p, (uint64_t)a + 8 * PG, 16 * PG, 3);
	check(p, (uint64_t)a, 8 * PG, 1);
	kmm_task_exit(c);
	/* the parent's own copies (pages 8-23) are reused, not copied again */
	long before = node_stat(m, NR_ANON_MAPPED);
	fill(p, (uint64_t)a + 8 * PG, 16 * PG, 4);
	assert_int_equal(node_stat(m, NR_ANON_MAPPED), before);
	/* pages 24-31 are still shared with the grandchild: copied */
	fill(p, (uint64_t)a + 24 * PG, 8 * PG, 4);
	assert_int_equal(node_stat(m, NR_ANON_MAPPED), before + 8);
	check(g, (uint64_t)a + 24 * PG, 8 * PG, 1);
	check(g, (uint64_t)a, 16 * PG, 2);
	kmm_task_exit(g);
	kmm_task_exit(p);
	assert_int_equal(node_stat(m, NR_ANON_MAPPED), anon0);
	shutdown_vm(m);
}

static void test_munmap_holes(void **state)
{
	(void)state;
	struct kmm_machine *m = boot_vm(NULL);
	struct kmm_task *t = kmm_task_spawn(m, "holes");
	long a = kmm_mmap(t, 0, 16 * PG, KMM_PROT_READ | KMM_PROT_WRITE,
			  KMM_MAP_PRIVATE | KMM_MAP_ANONYMOUS, -1, 0);
	fill(t, (uint64_t)a, 16 * PG, 9);
	assert_int_equal(kmm_munmap(t, (uint64_t)a + 4 * PG, 2 * PG), 0);
	assert_int_equal(t->mm->map_count, 2);
	assert_null(validate_mm(t->mm));
	check(t, (uint64_t)a, 4 * PG, 9);
	check(t, (uint64_t)a + 6 * PG, 10 * PG, 9);
	char c;
	assert_int_equal(kmm_access(t, (uint64_t)a + 5 * PG, &c, 1, KMM_ACCESS_READ), -KMM_EFAULT);
	assert_int_equal(kmm_task_signal(t), KMM_SIGSEGV);
	kmm_task_exit(t);
	shutdown_vm(m);
}

static void test_mprotect(void **state)
{
	(void)state;
	struct kmm_machine *m = boot_vm(NULL);
	struct kmm_task *t = kmm_task_spawn(m, "prot");
	long a = kmm_mmap(t, 0, 8 * PG, KMM_PROT_READ | KMM_PROT_WRITE,
			  KMM_MAP_PRIVATE | KMM_MAP_ANONYMOUS, -1, 0);
	fill(t, (uint64_t)a, 8 * PG, 5);
	assert_int_equal(kmm_mprotect(t, (uint64_t)a + 2 * PG, 2 * PG, KMM_PROT_NONE), 0);
	assert_int_equal(t->mm->map_count, 3);
	assert_int_equal(
		kmm_mprotect(t, (uint64_t)a + 2 * PG, 2 * PG, KMM_PROT_READ | KMM_PROT_WRITE), 0);
	assert_int_equal(t->mm->map_count, 1); /* merged back */
	assert_null(validate_mm(t->mm));
	check(t, (uint64_t)a, 8 * PG, 5);
	fill(t, (uint64_t)a, 8 * PG, 6);
	check(t, (uint64_t)a, 8 * PG, 6);
	assert_int_equal(kmm_mprotect(t, (uint64_t)a, 8 * PG, KMM_PROT_READ), 0);
	check(t, (uint64_t)a, 8 * PG, 6);
	char c = 0;
	assert_int_equal(kmm_access(t, (uint64_t)a + PG, &c, 1, KMM_ACCESS_WRITE), -KMM_EFAULT);
	kmm_task_exit(t);
	t = kmm_task_spawn(m, "prot2");
	a = kmm_mmap(t, 0, 4 * PG, KMM_PROT_READ | KMM_PROT_WRITE,
		     KMM_MAP_PRIVATE | KMM_MAP_ANONYMOUS, -1, 0);
	fill(t, (uint64_t)a, 4 * PG, 1);
	assert_int_equal(kmm_mprotect(t, (uint64_t)a, 4 * PG, KMM_PROT_NONE), 0);
	assert_int_equal(kmm_access(t, (uint64_t)a, &c, 1, KMM_ACCESS_READ), -KMM_EFAULT);
	kmm_task_exit(t);
	shutdown_vm(m);
}

static void test_mremap(void **state)
{
	(void)state;
	struct kmm_machine *m = boot_vm(NULL);
	struct kmm_task *t = kmm_task_spawn(m, "remap");
	long a = kmm_mmap(t, 0, 8 * PG, KMM_PROT_READ | KMM_PROT_WRITE,
			  KMM_MAP_PRIVATE | KMM_MAP_ANONYMOUS, -1, 0);
	fill(t, (uint64_t)a, 8 * PG, 11);
	/* block growth in place */
	long b = kmm_mmap(t, (uint64_t)a + 8 * PG, PG, KMM_PROT_READ,
			  KMM_MAP_PRIVATE | KMM_MAP_ANONYMOUS | KMM_MAP_FIXED, -1, 0);
	assert_int_equal(b, a + 8 * PG);
	assert_int_equal(kmm_mremap(t, (uint64_t)a, 8 * PG, 16 * PG, 0, 0), -KMM_ENOMEM);
	long n = kmm_mremap(t, (uint64_t)a, 8 * PG, 16 * PG, KMM_MREMAP_MAYMOVE, 0);
	assert_true(n > 0);
	assert_int_not_equal(n, a);
	check_moved(t, (uint64_t)n, 8 * PG, 11, (uint64_t)a);
	fill(t, (uint64_t)n + 8 * PG, 8 * PG, 12);
	check(t, (uint64_t)n + 8 * PG, 8 * PG, 12);
	assert_null(validate_mm(t->mm));
	/* fork after a move: the rmap index still finds the pages */
	struct kmm_task *c;
	assert_int_equal(kmm_task_fork(t, "c", &c), 0);
	fill(c, (uint64_t)n, 4 * PG, 13);
	check_moved(t, (uint64_t)n, 8 * PG, 11, (uint64_t)a);
	check(c, (uint64_t)n, 4 * PG, 13);
	check_moved(c, (uint64_t)n + 4 * PG, 4 * PG, 11, (uint64_t)a + 4 * PG);
	/* shrink */
	assert_int_equal(kmm_mremap(t, (uint64_t)n, 16 * PG, 4 * PG, 0, 0), n);
	check_moved(t, (uint64_t)n, 4 * PG, 11, (uint64_t)a);
	kmm_task_exit(c);
	kmm_task_exit(t);
	shutdown_vm(m);
}

static void test_errno(void **state)
{
	(void)state;
	struct kmm_machine *m = boot_vm(NULL);
	struct kmm_task *t = kmm_task_spawn(m, "err");
	int rw = KMM_PROT_READ | KMM_PROT_WRITE, pa = KMM_MAP_PRIVATE | KMM_MAP_ANONYMOUS;
	assert_int_equal(kmm_mmap(t, 0, 0, rw, pa, -1, 0), -KMM_EINVAL);
	assert_int_equal(kmm_mmap(t, 0, PG, rw, KMM_MAP_ANONYMOUS, -1, 0), -KMM_EINVAL);
	assert_int_equal(kmm_mmap(t, 0x10001000, PG, rw, pa | KMM_MAP_FIXED | 0, -1, 0),
			 0x10001000);
	assert_int_equal(kmm_mmap(t, 0x10001001, PG, rw, pa | KMM_MAP_FIXED, -1, 0), -KMM_EINVAL);
	assert_int_equal(kmm_mmap(t, 0x10001000, PG, rw, pa | KMM_MAP_FIXED_NOREPLACE, -1, 0),
			 -KMM_EEXIST);
	assert_int_equal(kmm_mmap(t, 0, ~0ULL - 100, rw, pa, -1, 0), -KMM_ENOMEM);
	assert_int_equal(kmm_mmap(t, 0, PG, rw, KMM_MAP_PRIVATE, 42, 0), -KMM_EBADF);
	assert_int_equal(kmm_mmap(t, 0, PG, rw, pa, -1, 123), -KMM_EINVAL);
	assert_int_equal(kmm_mmap(t, 0x1000, PG, rw, pa | KMM_MAP_FIXED, -1, 0), -KMM_EPERM);
	assert_int_equal(kmm_munmap(t, 0x10001001, PG), -KMM_EINVAL);
	assert_int_equal(kmm_munmap(t, 0x10001000, 0), -KMM_EINVAL);
	assert_int_equal(kmm_mprotect(t, 0x10001001, PG, 1), -KMM_EINVAL);
	assert_int_equal(kmm_mprotect(t, 0x20000000, PG, 1), -KMM_ENOMEM);
	assert_int_equal(kmm_mprotect(t, 0x10001000, PG, 8), -KMM_EINVAL);
	assert_int_equal(kmm_mremap(t, 0x20000000, PG, 2 * PG, KMM_MREMAP_MAYMOVE, 0), -KMM_EFAULT);
	assert_int_equal(kmm_mremap(t, 0x10001000, PG, 2 * PG, KMM_MREMAP_FIXED, 0x30000000),
			 -KMM_EINVAL);
	assert_int_equal(kmm_madvise(t, 0x10001000, PG, 99), -KMM_EINVAL);
	assert_int_equal(kmm_madvise(t, 0x20000000, PG, KMM_MADV_DONTNEED), -KMM_ENOMEM);
	assert_int_equal(kmm_msync(t, 0x10001000, PG, KMM_MS_SYNC | KMM_MS_ASYNC), -KMM_EINVAL);
	assert_int_equal(kmm_mlock(t, 0x10001000, PG, 5), -KMM_EINVAL);
	/* a read-only file: no shared writable mapping, now or by mprotect */
	char path[] = "/tmp/kmm-test-vm-ro-XXXXXX";
	int hfd = mkstemp(path);
	assert_true(hfd >= 0);
	assert_int_equal(ftruncate(hfd, 2 * PG), 0);
	close(hfd);
	int fd = kmm_open(t, path, KMM_O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(kmm_mmap(t, 0, PG, rw, KMM_MAP_SHARED, fd, 0), -KMM_EACCES);
	long ro = kmm_mmap(t, 0, PG, KMM_PROT_READ, KMM_MAP_SHARED, fd, 0);
	assert_true(ro > 0);
	assert_int_equal(kmm_mprotect(t, (uint64_t)ro, PG, rw), -KMM_EACCES);
	/* private: writable (copy-on-write), never reaching the file */
	assert_true(kmm_mmap(t, 0, PG, rw, KMM_MAP_PRIVATE, fd, 0) > 0);
	assert_int_equal(kmm_close(t, fd), 0);
	assert_int_equal(kmm_close(t, fd), -KMM_EBADF);
	unlink(path);
	/* overcommit_memory=2 refuses what exceeds CommitLimit */
	m->vm.overcommit_memory = 2;
	assert_int_equal(kmm_mmap(t, 0, 1ULL << 30, rw, pa, -1, 0), -KMM_ENOMEM);
	assert_true(kmm_mmap(t, 0, 1ULL << 30, rw, pa | KMM_MAP_NORESERVE, -1, 0) > 0);
	m->vm.overcommit_memory = 0;
	kmm_task_exit(t);
	shutdown_vm(m);
}

static void test_brk_stack(void **state)
{
	(void)state;
	struct kmm_machine *m = boot_vm(NULL);
	struct kmm_task *t = kmm_task_spawn(m, "brk");
	long b0 = kmm_brk(t, 0);
	assert_true(b0 > 0);
	assert_int_equal(kmm_brk(t, (uint64_t)b0 + 10000), b0 + 10000);
	fill(t, (uint64_t)b0, 10000, 3);
	check(t, (uint64_t)b0, 10000, 3);
	assert_int_equal(kmm_brk(t, (uint64_t)b0 + 20000), b0 + 20000);
	check(t, (uint64_t)b0, 10000, 3);
	assert_int_equal(t->mm->map_count, 1);
	assert_int_equal(kmm_brk(t, (uint64_t)b0 + 100), b0 + 100);
	assert_int_equal(kmm_brk(t, (uint64_t)b0 - PG), b0 + 100); /* below start: refused */
	/* a grows-down stack expands on access below its start */
	long s = kmm_mmap(t, 0, 4 * PG, KMM_PROT_READ | KMM_PROT_WRITE,
			  KMM_MAP_PRIVATE | KMM_MAP_ANONYMOUS | KMM_MAP_GROWSDOWN, -1, 0);
	assert_true(s > 0);
	fill(t, (uint64_t)s - 3 * PG, PG, 8);
	check(t, (uint64_t)s - 3 * PG, PG, 8);
	assert_int_equal(find_vma(t->mm, (uint64_t)s)->vm_start, (uint64_t)s - 3 * PG);
	kmm_task_exit(t);
	shutdown_vm(m);
}

static void test_madvise_dontneed(void **state)
{
	(void)state;
	struct kmm_machine *m = boot_vm(NULL);
	struct kmm_task *t = kmm_task_spawn(m, "madv");
	long a = kmm_mmap(t, 0, 8 * PG, KMM_PROT_READ | KMM_PROT_WRITE,
			  KMM_MAP_PRIVATE | KMM_MAP_ANONYMOUS, -1, 0);
	fill(t, (uint64_t)a, 8 * PG, 4);
	assert_int_equal(kmm_madvise(t, (uint64_t)a, 4 * PG, KMM_MADV_DONTNEED), 0);
	assert_int_equal(get_mm_counter(t->mm, MM_ANONPAGES), 4);
	unsigned char b[PG];
	assert_int_equal(kmm_access(t, (uint64_t)a, b, PG, KMM_ACCESS_READ), 0);
	for (unsigned i = 0; i < PG; i++)
		assert_int_equal(b[i], 0);
	check(t, (uint64_t)a + 4 * PG, 4 * PG, 4);
	assert_int_equal(kmm_madvise(t, (uint64_t)a, 8 * PG, KMM_MADV_FREE), 0);
	check(t, (uint64_t)a + 4 * PG, 4 * PG, 4);
	assert_int_equal(kmm_madvise(t, (uint64_t)a, 8 * PG, KMM_MADV_HUGEPAGE), 0);
	assert_true(find_vma(t->mm, (uint64_t)a)->vm_flags & VM_HUGEPAGE);
	kmm_task_exit(t);
	shutdown_vm(m);
}

static void test_pgtables_freed(void **state)
{
	(void)state;
	struct kmm_machine *m = boot_vm(NULL);
	long pt0 = node_stat(m, NR_PAGETABLE);
	struct kmm_task *t = kmm_task_spawn(m, "pt");
	long pt1 = node_stat(m, NR_PAGETABLE);
	assert_int_equal(pt1, pt0 + 1); /* the PGD */
	/* touch one page in each of 8 different 1 GiB regions */
	for (int i = 0; i < 8; i++) {
		uint64_t at = 0x100000000ULL + (uint64_t)i * (1ULL << 30);
		assert_int_equal(kmm_mmap(t, at, PG, KMM_PROT_READ | KMM_PROT_WRITE,
					  KMM_MAP_PRIVATE | KMM_MAP_ANONYMOUS | KMM_MAP_FIXED, -1,
					  0),
				 (long)at);
		fill(t, at, 8, (uint64_t)i);
	}
	assert_int_equal(node_stat(m, NR_PAGETABLE), pt1 + 1 + 8 + 8);
	assert_int_equal(atomic_load(&t->mm->pgtables_bytes), (1 + 1 + 8 + 8) * 4096);
	for (int i = 0; i < 8; i++)
		assert_int_equal(kmm_munmap(t, 0x100000000ULL + (uint64_t)i * (1ULL << 30), PG), 0);
	assert_int_equal(node_stat(m, NR_PAGETABLE), pt1);
	kmm_task_exit(t);
	assert_int_equal(node_stat(m, NR_PAGETABLE), pt0);
	shutdown_vm(m);
}

static void test_fault_counts(void **state)
{
	(void)state;
	struct kmm_machine *m = boot_vm(NULL);
	struct kmm_task *t = kmm_task_spawn(m, "flt");
	long a = kmm_mmap(t, 0, 10 * PG, KMM_PROT_READ | KMM_PROT_WRITE,
			  KMM_MAP_PRIVATE | KMM_MAP_ANONYMOUS | KMM_MAP_POPULATE, -1, 0);
	assert_true(a > 0);
	assert_int_equal(get_mm_counter(t->mm, MM_ANONPAGES), 10);
	unsigned long f0 = kmm_task_min_flt(t);
	fill(t, (uint64_t)a, 10 * PG, 1); /* populated: no faults */
	assert_int_equal(kmm_task_min_flt(t), f0);
	long b = kmm_mmap(t, 0, 10 * PG, KMM_PROT_READ | KMM_PROT_WRITE,
			  KMM_MAP_PRIVATE | KMM_MAP_ANONYMOUS, -1, 0);
	fill(t, (uint64_t)b, 10 * PG, 1);
	assert_int_equal(kmm_task_min_flt(t), f0 + 10);
	assert_int_equal(kmm_task_maj_flt(t), 0);
	kmm_task_exit(t);
	shutdown_vm(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_anon_rw),
		cmocka_unit_test(test_segv),
		cmocka_unit_test(test_fork_cow),
		cmocka_unit_test(test_munmap_holes),
		cmocka_unit_test(test_mprotect),
		cmocka_unit_test(test_mremap),
		cmocka_unit_test(test_errno),
		cmocka_unit_test(test_brk_stack),
		cmocka_unit_test(test_madvise_dontneed),
		cmocka_unit_test(test_pgtables_freed),
		cmocka_unit_test(test_fault_counts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
