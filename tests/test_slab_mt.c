/* SPDX-License-Identifier: MIT */
/*
 * tests/test_slab_mt.c - slab caches and kmalloc under four host threads
 * (run under TSan by `make test`): three bound to CPU slots and one
 * borrowing, every thread freeing objects another allocated (each free
 * lands in the freeing CPU's own array), stamps checked, caches shrunk
 * while others work.  At the end every cache validates, no report was
 * printed and shrinking gives every page back.
 */
#include <pthread.h>

#include "kmm_test.h"
#include "mm/slab.h"

#define NR_THREADS 4
#define OPS 40000
#define RING 512

static struct kmm_machine *M;
static struct kmem_cache *C[3];

struct item {
	void *p;
	int cache; /* -1 kmalloc */
	uint32_t size, stamp;
};

/* one ring per thread: others push objects for it to free */
struct ring {
	pthread_mutex_t lock;
	struct item it[RING];
	int n;
};
static struct ring rings[NR_THREADS];
static atomic_int errors;

static uint64_t xs(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static void release(struct item *it)
{
	uint32_t v;
	memcpy(&v, it->p, 4);
	if (v != it->stamp)
		atomic_fetch_add(&errors, 1);
	if (it->cache < 0)
		kmm_kfree(M, it->p);
	else
		kmm_kmem_cache_free(C[it->cache], it->p);
}

static void *worker(void *arg)
{
	int id = (int)(intptr_t)arg;
	uint64_t seed = 0x9e3779b97f4a7c15ULL * (uint64_t)(id + 1);
	bool bound = id < NR_THREADS - 1;
	if (bound && kmm_cpu_enter(M, id) != id)
		atomic_fetch_add(&errors, 100);
	struct item mine[64] = { 0 };
	for (int op = 0; op < OPS; op++) {
		int s = (int)(xs(&seed) % 64);
		if (mine[s].p) {
			struct ring *r =
				&rings[(id + 1 + (int)(xs(&seed) % (NR_THREADS - 1))) % NR_THREADS];
			pthread_mutex_lock(&r->lock);
			bool handed = r->n < RING;
			if (handed)
				r->it[r->n++] = mine[s];
			pthread_mutex_unlock(&r->lock);
			if (!handed)
				release(&mine[s]);
			mine[s].p = NULL;
		} else {
			struct item it;
			it.cache = (int)(xs(&seed) % 4) - 1;
			if (it.cache < 0) {
				it.size = 4 + (uint32_t)(xs(&seed) % 3000);
				it.p = kmm_kmalloc(M, it.size, GFP_KERNEL);
			} else {
				it.size = (uint32_t)kmm_kmem_cache_size(C[it.cache]);
				it.p = kmm_kmem_cache_alloc(C[it.cache], GFP_KERNEL);
			}
			if (!it.p) {
				atomic_fetch_add(&errors, 1);
				continue;
			}
			it.stamp = (uint32_t)xs(&seed);
			memcpy(it.p, &it.stamp, 4);
			mine[s] = it;
		}
		if (op % 257 == 0) {
			struct ring *r = &rings[id];
			pthread_mutex_lock(&r->lock);
			while (r->n)
				release(&r->it[--r->n]);
			pthread_mutex_unlock(&r->lock);
		}
		if (op % 9973 == 0)
			kmm_kmem_cache_shrink(C[id % 3]);
	}
	for (int s = 0; s < 64; s++)
		if (mine[s].p)
			release(&mine[s]);
	if (bound)
		kmm_cpu_leave(M);
	return NULL;
}

static void test_cross_cpu(void **state)
{
	(void)state;
	/*
	 * Four slots for four threads: the unbound one borrows the free slot.
	 * (With fewer slots it would wait for one while holding a ring lock
	 * the bound threads need: a host-level deadlock, as a task spinning
	 * for a CPU while holding a lock another CPU wants.)
	 */
	M = test_boot("quiet mem=256M nr_cpus=4 numa=fake=2", NULL);
	kmm_slab_shrink_all(M); /* boot's freed objects: not this test's */
	kmm_drain_all_pages(M);
	long free0 = total_free_pages(M);
	C[0] = kmm_kmem_cache_create(M, "mt_small", 24, 0, SLAB_NO_MERGE, NULL, NULL);
	C[1] = kmm_kmem_cache_create(M, "mt_line", 64, 0, SLAB_HWCACHE_ALIGN | SLAB_NO_MERGE, NULL,
				     NULL);
	C[2] = kmm_kmem_cache_create(M, "mt_big", 1500, 0, SLAB_NO_MERGE, NULL, NULL);
	for (int i = 0; i < NR_THREADS; i++) {
		pthread_mutex_init(&rings[i].lock, NULL);
		rings[i].n = 0;
	}
	pthread_t t[NR_THREADS];
	for (int i = 0; i < NR_THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i), 0);
	for (int i = 0; i < NR_THREADS; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < NR_THREADS; i++)
		while (rings[i].n)
			release(&rings[i].it[--rings[i].n]);
	assert_int_equal(atomic_load(&errors), 0);
	assert_int_equal(atomic_load(&M->nr_slab_reports), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(kmm_slab_validate(C[i]), 0);
		kmm_kmem_cache_destroy(C[i]);
	}
	kmm_slab_shrink_all(M);
	kmm_drain_all_pages(M);
	assert_int_equal(total_free_pages(M), free0);
	check_invariants(M, true);
	kmm_machine_shutdown(M);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_cross_cpu) };
	return cmocka_run_group_tests(tests, NULL, NULL);
}
