// SPDX-License-Identifier: MIT
/*
 * tests/test_vmalloc_mt.c - vmalloc from several host threads at once
 * (TSan-clean): bound and borrowing threads allocate, stamp and free
 * vmalloc, vzalloc and kvmalloc buffers, pass some to another thread to
 * free through a shared table, while a reader walks /proc/vmallocinfo and
 * looks pages up.  At the end every page is back and nothing was reported.
 */
#include <pthread.h>

#include "kmm_test.h"
#include "mm/slab.h"
#include "mm/vmalloc.h"

#define PG ((size_t)KMM_PAGE_SIZE)
#define NR_WORKERS 4
#define SHARED 32

/*
 * Every buffer starts with a header saying how to check and free it, so a
 * pointer alone can travel between threads.
 */
struct buf_hdr {
	size_t size;
	int kv; /* from kvmalloc: kvfree it */
	int owner;
};

static struct kmm_machine *machine;
static _Atomic(unsigned char *) shared[SHARED];
static atomic_int stop;

/* Check the stamps and free; NULL or what is wrong. */
static const char *free_buf(unsigned char *p)
{
	struct buf_hdr h;
	memcpy(&h, p, sizeof(h));
	if (p[sizeof(h)] != (unsigned char)h.owner || p[h.size - 1] != (unsigned char)h.owner)
		return "stamp";
	if (h.kv)
		kmm_kvfree(machine, p);
	else
		kmm_vfree(machine, p);
	return NULL;
}

static void *worker(void *arg)
{
	int id = (int)(intptr_t)arg;
	unsigned seed = (unsigned)id * 7919u + 1;
	const char *err = NULL;
	/* half the workers run bound to a CPU slot, half borrow one per call */
	if (id % 2 == 0 && kmm_cpu_enter(machine, -1) < 0)
		return "cpu_enter";
	for (int r = 0; r < 1500 && !err; r++) {
		seed = seed * 1103515245u + 12345u;
		struct buf_hdr h = { sizeof(h) + 1 + (seed >> 12) % (24 * PG), (seed >> 5) & 1,
				     id };
		unsigned char *p = h.kv		     ? kmm_kvmalloc(machine, h.size, GFP_KERNEL) :
				   ((seed >> 6) & 1) ? kmm_vzalloc(machine, h.size) :
						       kmm_vmalloc(machine, h.size);
		if (!p)
			return "alloc";
		if (!h.kv && !kmm_is_vmalloc_addr(machine, p))
			return "not vmalloc";
		memset(p, id, h.size);
		memcpy(p, &h, sizeof(h));
		/* publish it; free what another thread left there */
		unsigned char *old = atomic_exchange(&shared[(seed >> 16) % SHARED], p);
		if (old)
			err = free_buf(old);
	}
	if (id % 2 == 0)
		kmm_cpu_leave(machine);
	return (void *)err;
}

static void *reader(void *arg)
{
	char *buf = malloc(1 << 20);
	(void)arg;
	while (!atomic_load(&stop)) {
		long n = kmm_proc_read(machine, "/proc/vmallocinfo", buf, 1 << 20);
		if (n < 0) {
			free(buf);
			return "read";
		}
		struct kmm_vmalloc_info vi;
		kmm_vmalloc_get_info(machine, &vi);
		if (vi.nr_reports) {
			free(buf);
			return "reports";
		}
	}
	free(buf);
	return NULL;
}

/* Free pages plus page tables (init_mm's are kept), measured on CPU 0. */
static long free_and_tables(struct kmm_machine *m)
{
	assert_int_equal(kmm_cpu_enter(m, 0), 0);
	kmm_slab_shrink_all(m);
	kmm_drain_all_pages(m);
	refresh_cpu_vm_stats(m);
	long n = total_free_pages(m) + global_node_page_state(m, NR_PAGETABLE);
	kmm_cpu_leave(m);
	return n;
}

static void test_concurrent_vmalloc(void **state)
{
	(void)state;
	struct kmm_machine *m = test_boot("quiet mem=256M nr_cpus=4", NULL);
	machine = m;
	long free0 = free_and_tables(m);
	pthread_t t[NR_WORKERS], rd;
	assert_int_equal(pthread_create(&rd, NULL, reader, NULL), 0);
	for (int i = 0; i < NR_WORKERS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, worker, (void *)(intptr_t)(i + 1)), 0);
	for (int i = 0; i < NR_WORKERS; i++) {
		void *ret;
		pthread_join(t[i], &ret);
		if (ret)
			fail_msg("worker %d: %s", i + 1, (char *)ret);
	}
	atomic_store(&stop, 1);
	void *ret;
	pthread_join(rd, &ret);
	if (ret)
		fail_msg("reader: %s", (char *)ret);
	for (int i = 0; i < SHARED; i++) {
		unsigned char *p = atomic_exchange(&shared[i], NULL);
		if (p)
			assert_null(free_buf(p));
	}
	struct kmm_vmalloc_info vi;
	kmm_vmalloc_get_info(m, &vi);
	assert_int_equal(vi.nr_pages, 0);
	assert_int_equal(vi.nr_reports, 0);
	assert_int_equal(free_and_tables(m), free0);
	assert_int_equal(atomic_load(&m->nr_bad_pages), 0);
	assert_int_equal(atomic_load(&m->nr_slab_reports), 0);
	kmm_machine_shutdown(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_concurrent_vmalloc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
