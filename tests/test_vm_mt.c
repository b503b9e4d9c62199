/* SPDX-License-Identifier: MIT */
/*
 * tests/test_vm_mt.c - the VM from several CPU slots at once (run under
 * TSan in CI):
 *
 * test_tlb_coherence: one thread breaks copy-on-write on a page again and
 * again (each break replaces the PTE and shoots down the other CPUs'
 * TLBs; the old page stays alive in a forked child, so a stale TLB entry
 * would read its older value), while another thread on another CPU slot
 * reads the same address of the same task: once the writer has published
 * generation g, the reader must never see an older one.
 *
 * test_parallel_faults: threads fault disjoint pages of one task's VMAs
 * (same page tables, same anon_vma) while another thread maps and unmaps
 * a different range of the same task; every byte is checked after.
 */
#include <pthread.h>

#include "kmm_test.h"
#include "mm/vma.h"

#define PG 4096ULL

static struct kmm_machine *M;
static struct kmm_task *T;
static uint64_t X;
static atomic_ulong published;
static atomic_int stop;
static atomic_ulong stale, reads;

static void *reader(void *arg)
{
	(void)arg;
	assert_int_equal(kmm_cpu_enter(M, 1), 1);
	while (!atomic_load(&stop)) {
		unsigned long pub = atomic_load_explicit(&published, memory_order_acquire);
		unsigned long v = 0;
		if (kmm_access(T, X, &v, sizeof(v), KMM_ACCESS_READ))
			break;
		if (v < pub)
			atomic_fetch_add(&stale, 1);
		atomic_fetch_add(&reads, 1);
	}
	kmm_cpu_leave(M);
	return NULL;
}

static void test_tlb_coherence(void **state)
{
	(void)state;
	M = test_boot("quiet mem=256M nr_cpus=3", NULL);
	assert_int_equal(kmm_cpu_enter(M, 0), 0);
	T = kmm_task_spawn(M, "cow");
	long a = kmm_mmap(T, 0, PG, KMM_PROT_READ | KMM_PROT_WRITE,
			  KMM_MAP_PRIVATE | KMM_MAP_ANONYMOUS, -1, 0);
	assert_true(a > 0);
	X = (uint64_t)a;
	unsigned long g = 1;
	assert_int_equal(kmm_access(T, X, &g, sizeof(g), KMM_ACCESS_WRITE), 0);
	atomic_store(&published, 1);
	atomic_store(&stop, 0);
	pthread_t r;
	assert_int_equal(pthread_create(&r, NULL, reader, NULL), 0);
	struct kmm_task *prev = NULL;
	for (g = 2; g < 3000; g++) {
		struct kmm_task *child;
		/* the child keeps the current page alive and shared */
		assert_int_equal(kmm_task_fork(T, "keep", &child), 0);
		/* COW break: a new page at X, the old one stays with the child */
		assert_int_equal(kmm_access(T, X, &g, sizeof(g), KMM_ACCESS_WRITE), 0);
		atomic_store_explicit(&published, g, memory_order_release);
		if (prev)
			kmm_task_exit(prev);
		prev = child;
	}
	atomic_store(&stop, 1);
	pthread_join(r, NULL);
	if (prev)
		kmm_task_exit(prev);
	assert_int_equal(atomic_load(&stale), 0);
	assert_true(atomic_load(&reads) > 0);
	assert_int_equal(kmm_task_signal(T), 0);
	kmm_task_exit(T);
	kmm_cpu_leave(M);
	kmm_machine_shutdown(M);
}

/* ---- parallel faults --------------------------------------------------------------- */

#define NR_FAULTERS 3
#define REGION_PAGES 512
static uint64_t R;
static atomic_int errors;

static unsigned char bpat(unsigned thread, uint64_t off)
{
	return (unsigned char)((off * 131 + thread * 17 + (off >> 12)) & 0xff);
}

static void *faulter(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg;
	assert_true(kmm_cpu_enter(M, (int)id + 1) >= 0);
	unsigned char buf[256];
	/* interleaved pages: thread id owns pages id, id+N, id+2N, ... */
	for (int round = 0; round < 4; round++) {
		for (unsigned p = id; p < REGION_PAGES; p += NR_FAULTERS) {
			uint64_t off = p * PG + (uint64_t)round * 256;
			for (unsigned i = 0; i < sizeof(buf); i++)
				buf[i] = bpat(id, off + i);
			if (kmm_access(T, R + off, buf, sizeof(buf), KMM_ACCESS_WRITE))
				atomic_fetch_add(&errors, 1);
		}
	}
	for (int round = 0; round < 4; round++) {
		for (unsigned p = id; p < REGION_PAGES; p += NR_FAULTERS) {
			uint64_t off = p * PG + (uint64_t)round * 256;
			if (kmm_access(T, R + off, buf, sizeof(buf), KMM_ACCESS_READ)) {
				atomic_fetch_add(&errors, 1);
				continue;
			}
			for (unsigned i = 0; i < sizeof(buf); i++)
				if (buf[i] != bpat(id, off + i)) {
					atomic_fetch_add(&errors, 1);
					break;
				}
		}
	}
	kmm_cpu_leave(M);
	return NULL;
}

static void *mapper(void *arg)
{
	(void)arg;
	assert_int_equal(kmm_cpu_enter(M, NR_FAULTERS + 1), NR_FAULTERS + 1);
	for (int i = 0; i < 300; i++) {
		long a = kmm_mmap(T, 0, 16 * PG, KMM_PROT_READ | KMM_PROT_WRITE,
				  KMM_MAP_PRIVATE | KMM_MAP_ANONYMOUS, -1, 0);
		if (a < 0) {
			atomic_fetch_add(&errors, 1);
			continue;
		}
		unsigned long v = (unsigned long)i;
		if (kmm_access(T, (uint64_t)a + 5 * PG, &v, sizeof(v), KMM_ACCESS_WRITE))
			atomic_fetch_add(&errors, 1);
		if (kmm_mprotect(T, (uint64_t)a, 8 * PG, KMM_PROT_READ))
			atomic_fetch_add(&errors, 1);
		unsigned long w = 0;
		if (kmm_access(T, (uint64_t)a + 5 * PG, &w, sizeof(w), KMM_ACCESS_READ) || w != v)
			atomic_fetch_add(&errors, 1);
		if (kmm_munmap(T, (uint64_t)a, 16 * PG))
			atomic_fetch_add(&errors, 1);
	}
	kmm_cpu_leave(M);
	return NULL;
}

static void test_parallel_faults(void **state)
{
	(void)state;
	M = test_boot("quiet mem=256M nr_cpus=6", NULL);
	assert_int_equal(kmm_cpu_enter(M, 0), 0);
	long anon0 = global_node_page_state_snapshot(M, NR_ANON_MAPPED);
	T = kmm_task_spawn(M, "threads");
	long a = kmm_mmap(T, 0, REGION_PAGES * PG, KMM_PROT_READ | KMM_PROT_WRITE,
			  KMM_MAP_PRIVATE | KMM_MAP_ANONYMOUS, -1, 0);
	assert_true(a > 0);
	R = (uint64_t)a;
	atomic_store(&errors, 0);
	pthread_t th[NR_FAULTERS + 1];
	for (unsigned i = 0; i < NR_FAULTERS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, faulter, (void *)(uintptr_t)i), 0);
	assert_int_equal(pthread_create(&th[NR_FAULTERS], NULL, mapper, NULL), 0);
	for (unsigned i = 0; i <= NR_FAULTERS; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(atomic_load(&errors), 0);
	assert_int_equal(get_mm_counter(T->mm, MM_ANONPAGES), REGION_PAGES);
	assert_null(validate_mm(T->mm));
	kmm_task_exit(T);
	assert_int_equal(global_node_page_state_snapshot(M, NR_ANON_MAPPED), anon0);
	assert_int_equal(atomic_load(&M->nr_bad_pages), 0);
	kmm_cpu_leave(M);
	kmm_machine_shutdown(M);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tlb_coherence),
		cmocka_unit_test(test_parallel_faults),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
