/* SPDX-License-Identifier: MIT */
/*
 * tests/test_page_alloc_random.c - 10^6 random operations on the page
 * allocator checked against a reference model.
 *
 * The model keeps every live block (pfn, order, node, gfp) and a pfn
 * ownership map.  After each allocation: the block is aligned, inside a
 * zone the GFP flags allow, on an allowed node, and overlaps no live block;
 * its pages carry a stamp that must still be intact when it is freed (no
 * one else wrote to them).  Periodically and at the end: the free lists
 * are walked (no page in two places, counts equal NR_FREE_PAGES), free +
 * live pages add up to the memory the machine booted with, and after a
 * full drain every possible merge has happened.
 */
#include "kmm_test.h"

#define NR_OPS 1000000
#define MAX_LIVE 6000

struct live {
	struct page *page;
	kmm_pfn_t pfn;
	unsigned order;
	gfp_t gfp;
	uint64_t stamp;
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void)
{
	uint64_t x = rng_state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

static unsigned random_order(void)
{
	/* P(order) ~ 2^-(order+1): mostly small, sometimes up to MAX_PAGE_ORDER */
	unsigned o = (unsigned)__builtin_ctzll(rnd() | (1ULL << 40));
	return o > MAX_PAGE_ORDER ? (unsigned)(rnd() % (MAX_PAGE_ORDER + 1)) : o;
}

static const gfp_t gfps[] = {
	GFP_KERNEL,
	GFP_KERNEL | __GFP_DMA,
	GFP_KERNEL | __GFP_DMA32,
	GFP_HIGHUSER_MOVABLE,
	GFP_KERNEL | __GFP_RECLAIMABLE,
	GFP_ATOMIC,
	GFP_NOWAIT,
	GFP_KERNEL | __GFP_THISNODE,
	GFP_KERNEL | __GFP_COMP,
	GFP_KERNEL | __GFP_ZERO,
};

static void stamp_block(struct kmm_machine *m, struct live *l)
{
	unsigned char *a = kmm_page_address(m, l->page);
	for (unsigned long i = 0; i < (1UL << l->order); i++) {
		memcpy(a + i * KMM_PAGE_SIZE, &l->stamp, 8);
		memcpy(a + i * KMM_PAGE_SIZE + KMM_PAGE_SIZE - 8, &l->stamp, 8);
	}
}

static void check_stamp(struct kmm_machine *m, const struct live *l)
{
	unsigned char *a = kmm_page_address(m, l->page);
	for (unsigned long i = 0; i < (1UL << l->order); i++) {
		uint64_t x, y;
		memcpy(&x, a + i * KMM_PAGE_SIZE, 8);
		memcpy(&y, a + i * KMM_PAGE_SIZE + KMM_PAGE_SIZE - 8, 8);
		if (x != l->stamp || y != l->stamp)
			fail_msg("block at pfn %#llx order %u: page %lu overwritten",
				 (unsigned long long)l->pfn, l->order, i);
	}
}

static void test_random_ops(void **state)
{
	(void)state;
	struct logcap *cap = calloc(1, sizeof(*cap));
	/* three nodes, a movable zone, a reserved hole: every path gets used */
	struct kmm_machine *m = test_boot("quiet mem=384M numa=fake=3 movablecore=64M "
					  "memmap=8M$200M nr_cpus=3",
					  cap);
	assert_int_equal(kmm_cpu_enter(m, 0), 0);
	kmm_drain_all_pages(m);
	const long initial_free = check_invariants(m, true);
	struct buddy_snapshot initial;
	snapshot_take(m, &initial);

	struct live *live = calloc(MAX_LIVE, sizeof(*live));
	unsigned char *owner = calloc((size_t)m->max_pfn, 1);
	size_t nlive = 0;
	long live_pages = 0;
	unsigned long allocs = 0, fails = 0, frees = 0;

	for (long op = 0; op < NR_OPS; op++) {
		bool do_alloc = nlive == 0 || (nlive < MAX_LIVE && (rnd() % 100) < 52);
		if (do_alloc) {
			unsigned order = random_order();
			gfp_t gfp = gfps[rnd() % KMM_ARRAY_SIZE(gfps)] | __GFP_NOWARN;
			int nid = (int)(rnd() % 4) - 1; /* -1: local */
			/* switch CPU now and then: pcp lists of every slot get used */
			if ((op & 1023) == 0) {
				kmm_cpu_leave(m);
				assert_true(kmm_cpu_enter(m, (int)(rnd() % 3)) >= 0);
			}
			struct page *p = kmm_alloc_pages_node(m, nid, gfp, order);
			if (!p) {
				fails++;
				continue;
			}
			allocs++;
			kmm_pfn_t pfn = kmm_page_to_pfn(m, p);
			if (pfn & ((1UL << order) - 1))
				fail_msg("order-%u block at misaligned pfn %#llx", order,
					 (unsigned long long)pfn);
			enum zone_type high;
			assert_int_equal(gfp_zone_checked(gfp, &high), 0);
			if (kmm_page_zonenum(p) > high)
				fail_msg("gfp %#x got zone %d above %d", gfp, kmm_page_zonenum(p),
					 high);
			if ((gfp & __GFP_THISNODE) && nid >= 0)
				assert_int_equal(kmm_page_to_nid(p), nid);
			for (unsigned long i = 0; i < (1UL << order); i++) {
				if (owner[pfn + i])
					fail_msg("pfn %#llx handed out twice",
						 (unsigned long long)(pfn + i));
				owner[pfn + i] = 1;
				struct zone *z = kmm_page_zone(m, p + i);
				if (!zone_spans_pfn(z, pfn + i))
					fail_msg("pfn %#llx outside its zone",
						 (unsigned long long)(pfn + i));
			}
			if (gfp & __GFP_ZERO) {
				const unsigned char *a = kmm_page_address(m, p);
				for (size_t i = 0; i < (KMM_PAGE_SIZE << order); i += 512)
					assert_int_equal(a[i], 0);
			}
			struct live *l = &live[nlive++];
			*l = (struct live){ p, pfn, order, gfp, rnd() };
			stamp_block(m, l);
			live_pages += 1L << order;
		} else {
			size_t i = (size_t)(rnd() % nlive);
			struct live l = live[i];
			live[i] = live[--nlive];
			check_stamp(m, &l);
			for (unsigned long k = 0; k < (1UL << l.order); k++)
				owner[l.pfn + k] = 0;
			if ((l.gfp & __GFP_COMP) && (rnd() & 1))
				kmm_put_page(m, l.page);
			else
				__kmm_free_pages(m, l.page, l.order);
			live_pages -= 1L << l.order;
			frees++;
		}
		if (op % 100000 == 99999) {
			check_invariants(m, false);
			kmm_drain_all_pages(m);
			long free = check_invariants(m, true);
			assert_int_equal(free + live_pages, initial_free);
		}
	}
	/* give everything back: the machine is exactly as it booted */
	while (nlive) {
		struct live l = live[--nlive];
		check_stamp(m, &l);
		__kmm_free_pages(m, l.page, l.order);
	}
	kmm_drain_all_pages(m);
	assert_int_equal(check_invariants(m, true), initial_free);
	assert_int_equal(atomic_load(&m->nr_bad_pages), 0);
	/* pageblocks may have changed type; the free page count may not */
	struct buddy_snapshot end;
	snapshot_take(m, &end);
	assert_memory_equal(end.free_pages, initial.free_pages, sizeof(end.free_pages));
	print_message("%lu allocations, %lu failures, %lu frees\n", allocs, fails, frees);
	assert_true(allocs > NR_OPS / 3);
	assert_true(fails < allocs / 20);
	free(live);
	free(owner);
	kmm_cpu_leave(m);
	kmm_machine_shutdown(m);
	free(cap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_ops),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
