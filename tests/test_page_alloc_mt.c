/* SPDX-License-Identifier: MIT */
/*
 * tests/test_page_alloc_mt.c - the page allocator under several host
 * threads (run under TSan by `make test`).
 *
 * Four threads: three bound to CPU slots and one unbound (it borrows a
 * slot per call), each allocating and freeing random orders, stamping its
 * pages and checking the stamps, freeing some blocks that another thread
 * allocated (a cross-CPU free), and calling kmm_drain_all_pages now and
 * then (remote drains by claim or by request).  At the end every page is
 * back and the free lists pass the full invariant check.
 */
#include <pthread.h>

#include "kmm_test.h"

#define NR_THREADS 4
#define OPS_PER_THREAD 60000
#define SLOTS 256

struct blk {
	struct page *page;
	unsigned order;
	uint64_t stamp;
};

/* a mailbox per thread for cross-thread frees */
struct mailbox {
	pthread_mutex_t lock;
	struct blk items[SLOTS];
	int n;
};

static struct kmm_machine *M;
static struct mailbox boxes[NR_THREADS];
static atomic_long pages_out;

static uint64_t xs(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dULL;
}

static void stamp(struct blk *b)
{
	uint64_t *w = kmm_page_address(M, b->page);
	for (unsigned long i = 0; i < (1UL << b->order); i++)
		w[i * KMM_PAGE_SIZE / 8] = b->stamp;
}

static bool stamp_ok(const struct blk *b)
{
	const uint64_t *w = kmm_page_address(M, b->page);
	for (unsigned long i = 0; i < (1UL << b->order); i++)
		if (w[i * KMM_PAGE_SIZE / 8] != b->stamp)
			return false;
	return true;
}

static atomic_int stamp_errors;

static void release(struct blk *b)
{
	if (!stamp_ok(b))
		atomic_fetch_add(&stamp_errors, 1);
	__kmm_free_pages(M, b->page, b->order);
	atomic_fetch_sub(&pages_out, 1L << b->order);
}

static void *worker(void *arg)
{
	int id = (int)(intptr_t)arg;
	uint64_t seed = 0x1234567ULL * (uint64_t)(id + 1);
	bool bound = id < NR_THREADS - 1;
	if (bound && kmm_cpu_enter(M, id) != id)
		atomic_fetch_add(&stamp_errors, 1000);
	struct blk mine[SLOTS] = { 0 };
	for (int op = 0; op < OPS_PER_THREAD; op++) {
		int s = (int)(xs(&seed) % SLOTS);
		if (mine[s].page) {
			if (xs(&seed) % 8 == 0) {
				/* hand it to another thread to free */
				struct mailbox *mb = &boxes[(id + 1) % NR_THREADS];
				pthread_mutex_lock(&mb->lock);
				if (mb->n < SLOTS) {
					mb->items[mb->n++] = mine[s];
					mine[s].page = NULL;
				}
				pthread_mutex_unlock(&mb->lock);
			}
			if (mine[s].page) {
				release(&mine[s]);
				mine[s].page = NULL;
			}
		} else {
			unsigned order = (unsigned)__builtin_ctzll(xs(&seed) | (1ULL << 6));
			gfp_t gfp = (xs(&seed) & 1) ? GFP_KERNEL : GFP_HIGHUSER_MOVABLE;
			struct page *p = kmm_alloc_pages(M, gfp | __GFP_NOWARN, order);
			if (p) {
				mine[s] = (struct blk){ p, order, xs(&seed) };
				atomic_fetch_add(&pages_out, 1L << order);
				stamp(&mine[s]);
			}
		}
		if (op % 997 == 0) {
			struct mailbox *mb = &boxes[id];
			pthread_mutex_lock(&mb->lock);
			while (mb->n)
				release(&mb->items[--mb->n]);
			pthread_mutex_unlock(&mb->lock);
		}
		if (op % 5003 == 0)
			kmm_drain_all_pages(M);
	}
	for (int s = 0; s < SLOTS; s++)
		if (mine[s].page)
			release(&mine[s]);
	if (bound)
		kmm_cpu_leave(M);
	return NULL;
}

static void test_threads(void **state)
{
	(void)state;
	M = test_boot("quiet mem=256M nr_cpus=4", NULL);
	kmm_drain_all_pages(M);
	long initial = check_invariants(M, true);
	pthread_t t[NR_THREADS];
	for (int i = 0; i < NR_THREADS; i++) {
		pthread_mutex_init(&boxes[i].lock, NULL);
		boxes[i].n = 0;
	}
	for (int i = 0; i < NR_THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i), 0);
	for (int i = 0; i < NR_THREADS; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < NR_THREADS; i++)
		while (boxes[i].n)
			release(&boxes[i].items[--boxes[i].n]);
	assert_int_equal(atomic_load(&stamp_errors), 0);
	assert_int_equal(atomic_load(&pages_out), 0);
	/* all slots are free now: one drain empties every pcp list */
	kmm_drain_all_pages(M);
	assert_int_equal(check_invariants(M, true), initial);
	assert_int_equal(atomic_load(&M->nr_bad_pages), 0);
	kmm_machine_shutdown(M);
}

/*
 * A drain posted to a slot that another thread holds is run by that
 * thread at its next call into the allocator (as a CPU answers an IPI).
 */
static pthread_barrier_t bar;
static void *holder(void *arg)
{
	(void)arg;
	assert_int_equal(kmm_cpu_enter(M, 1), 1);
	struct page *p[16];
	for (int i = 0; i < 16; i++)
		p[i] = kmm_alloc_pages(M, GFP_KERNEL, 0);
	for (int i = 0; i < 16; i++)
		__kmm_free_pages(M, p[i], 0);
	pthread_barrier_wait(&bar);			      /* pages sit on CPU 1's lists */
	pthread_barrier_wait(&bar);			      /* CPU 0 has posted a drain */
	struct page *big = kmm_alloc_pages(M, GFP_KERNEL, 5); /* no pcp involved */
	assert_non_null(big);
	pthread_barrier_wait(&bar); /* let CPU 0 look at our lists */
	pthread_barrier_wait(&bar);
	__kmm_free_pages(M, big, 5);
	kmm_cpu_leave(M);
	return NULL;
}

static long pcp_pages(int cpu)
{
	long n = 0;
	int nid, zt;
	struct zone *z;
	for_each_zone_m(M, nid, zt, z) n += kmm_pcp_count(z, cpu);
	return n;
}

static void test_posted_drain(void **state)
{
	(void)state;
	M = test_boot("quiet mem=64M nr_cpus=2 numa=off", NULL);
	assert_int_equal(kmm_cpu_enter(M, 0), 0);
	pthread_barrier_init(&bar, NULL, 2);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, holder, NULL), 0);
	pthread_barrier_wait(&bar);
	assert_true(pcp_pages(1) > 0);
	kmm_drain_all_pages(M); /* CPU 1 is held: the drain is posted */
	assert_true(pcp_pages(1) > 0);
	pthread_barrier_wait(&bar);
	pthread_barrier_wait(&bar);
	assert_int_equal(pcp_pages(1), 0);
	pthread_barrier_wait(&bar);
	pthread_join(t, NULL);
	kmm_drain_all_pages(M);
	check_invariants(M, true);
	kmm_cpu_leave(M);
	pthread_barrier_destroy(&bar);
	kmm_machine_shutdown(M);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_posted_drain),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
