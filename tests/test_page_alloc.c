/* SPDX-License-Identifier: MIT */
/*
 * tests/test_page_alloc.c - unit tests of boot, zones and the buddy
 * allocator: machine shapes, parameter errors, split and merge, GFP zone
 * and node selection, compound pages, exact allocations, watermarks,
 * migratetype fallback, highatomic reserves, isolation, and every
 * bad-input report (with the allocator state unchanged afterwards).
 */
#include "kmm_test.h"

static struct logcap cap;

static struct zone *zone_of(struct kmm_machine *m, int nid, int zt)
{
	return &m->node_data[nid]->node_zones[zt];
}

static void test_default_machine(void **state)
{
	(void)state;
	struct kmm_machine *m = test_boot("", &cap);
	assert_int_equal(m->nr_node_ids, 2);
	assert_int_equal(m->nr_cpu_ids, 2);
	/* node 0: DMA + DMA32; node 1: DMA32 + Normal */
	assert_true(populated_zone(zone_of(m, 0, ZONE_DMA)));
	assert_true(populated_zone(zone_of(m, 0, ZONE_DMA32)));
	assert_true(populated_zone(zone_of(m, 1, ZONE_NORMAL)));
	assert_false(populated_zone(zone_of(m, 0, ZONE_NORMAL)));
	unsigned long total = atomic_load(&m->totalram_pages);
	assert_true(total > (1900UL << 20) / KMM_PAGE_SIZE);
	assert_true(total < (2048UL << 20) / KMM_PAGE_SIZE);
	/* the boot log in the kernel's words */
	assert_true(
		logcap_has(&cap, "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable"));
	assert_true(logcap_has(&cap, "Zone ranges:"));
	assert_true(logcap_has(&cap, "Early memory node ranges"));
	assert_true(logcap_has(&cap, "Built 2 zonelists, mobility grouping on."));
	assert_true(logcap_has(&cap, "K available ("));
	/* every managed page is free, on a pcp list, in a slab (the boot's
	 * kmalloc caches), a page table (init_mm's) or the shared zero
	 * page: nothing else took memory */
	kmm_drain_all_pages(m);
	refresh_cpu_vm_stats(m);
	long free = check_invariants(m, true);
	long slab = global_node_page_state(m, NR_SLAB_RECLAIMABLE_B) +
		    global_node_page_state(m, NR_SLAB_UNRECLAIMABLE_B);
	assert_true(slab > 0);
	/* init_mm: the PGD, the direct map's PUD and one PMD table per GiB */
	long pgtables = global_node_page_state(m, NR_PAGETABLE);
	long gib = (long)(((m->max_pfn << KMM_PAGE_SHIFT) + (1UL << 30) - 1) >> 30);
	assert_int_equal(pgtables, 2 + gib);
	assert_int_equal(free + slab + pgtables + 1, (long)total);
	/* zonelist of node 0: its own zones first, highest first */
	struct zoneref *zr = m->node_data[0]->node_zonelists[ZONELIST_FALLBACK]._zonerefs;
	assert_ptr_equal(zr[0].zone, zone_of(m, 0, ZONE_DMA32));
	assert_ptr_equal(zr[1].zone, zone_of(m, 0, ZONE_DMA));
	assert_int_equal(zr[2].zone->node, 1);
	kmm_machine_shutdown(m);
}

static void check_shape(const char *cmdline, int nodes, unsigned long min_mb, unsigned long max_mb)
{
	struct kmm_machine *m = test_boot(cmdline, &cap);
	assert_int_equal(m->nr_online_nodes, nodes);
	unsigned long mb = (atomic_load(&m->totalram_pages) * KMM_PAGE_SIZE) >> 20;
	if (mb < min_mb || mb > max_mb)
		fail_msg("%s: %lu MiB managed, expected %lu..%lu", cmdline, mb, min_mb, max_mb);
	kmm_drain_all_pages(m);
	long nfree = check_invariants(m, true);
	/* allocate everything at every order, then give it all back */
	assert_int_equal(kmm_cpu_enter(m, 0), 0);
	struct page **held = calloc(1 << 20, sizeof(*held));
	unsigned *orders = calloc(1 << 20, sizeof(*orders));
	size_t n = 0;
	for (int order = MAX_PAGE_ORDER; order >= 0; order--) {
		struct page *p;
		while ((p = kmm_alloc_pages(m, GFP_HIGHUSER_MOVABLE | __GFP_NOWARN | __GFP_HIGH,
					    (unsigned)order))) {
			held[n] = p;
			orders[n++] = (unsigned)order;
		}
	}
	assert_true(n > 0);
	for (size_t i = 0; i < n; i++)
		__kmm_free_pages(m, held[i], orders[i]);
	kmm_drain_all_pages(m);
	assert_int_equal(check_invariants(m, true), nfree);
	free(held);
	free(orders);
	kmm_cpu_leave(m);
	kmm_machine_shutdown(m);
}

static void test_machine_shapes(void **state)
{
	(void)state;
	check_shape("mem=16M", 1, 12, 16);
	check_shape("memmap=exactmap memmap=640K@0 memmap=3G@1M memmap=5G@4G numa=fake=4", 4, 7900,
		    8192);
	check_shape("memmap=64M$512M", 2, 1800, 2048);
	check_shape("movablecore=256M nr_cpus=4", 2, 1900, 2048);
	check_shape("kernelcore=50% numa=off", 1, 1900, 2048);
	check_shape("mem=100M numa=fake=3 nr_cpus=3", 3, 80, 100);
}

static void test_movable_zone(void **state)
{
	(void)state;
	struct kmm_machine *m = test_boot("movablecore=256M", &cap);
	unsigned long movable = 0;
	int nid, zt;
	struct zone *z;
	for_each_zone_m(m, nid, zt, z) if (zt == ZONE_MOVABLE) movable += z->present_pages;
	assert_true(movable >= (256UL << 20) / KMM_PAGE_SIZE);
	assert_true(movable < (300UL << 20) / KMM_PAGE_SIZE);
	assert_true(logcap_has(&cap, "Movable zone start for each node"));
	/* GFP_HIGHUSER_MOVABLE may use ZONE_MOVABLE, GFP_KERNEL may not */
	kmm_cpu_enter(m, 0);
	struct page *p = kmm_alloc_pages_node(m, 1, GFP_HIGHUSER_MOVABLE, 0);
	assert_int_equal(kmm_page_zonenum(p), ZONE_MOVABLE);
	__kmm_free_pages(m, p, 0);
	p = kmm_alloc_pages_node(m, 1, GFP_KERNEL, 0);
	assert_true(kmm_page_zonenum(p) <= ZONE_NORMAL);
	__kmm_free_pages(m, p, 0);
	kmm_cpu_leave(m);
	kmm_machine_shutdown(m);
}

static void expect_param_error(const char *cmdline, const char *needle)
{
	struct kmm_machine *m = NULL;
	char err[512] = "";
	int ret = kmm_machine_boot(cmdline, NULL, &m, err, sizeof(err));
	if (ret != -KMM_EINVAL || m)
		fail_msg("'%s' booted (ret %d)", cmdline, ret);
	if (!strstr(err, needle))
		fail_msg("'%s': error '%s' does not name '%s'", cmdline, err, needle);
}

static void test_bad_params(void **state)
{
	(void)state;
	expect_param_error("mem=12Q", "mem=12Q");
	expect_param_error("mem=12Q", "mem=nn[KMG]");
	expect_param_error("frobnicate=1", "frobnicate=1");
	expect_param_error("quiet bogus", "bogus");
	expect_param_error("numa=fake=0", "numa=fake=N");
	expect_param_error("memmap=1G", "memmap=nn[KMG]@ss[KMG]");
	expect_param_error("nr_cpus=0", "nr_cpus=N");
	expect_param_error("nr_cpus=65", "nr_cpus=N");
	expect_param_error("sysctl.vm.no_such_knob=1", "sysctl.vm.no_such_knob");
	expect_param_error("sysctl.vm.min_free_kbytes=abc", "sysctl.vm.min_free_kbytes");
	expect_param_error("sysctl.vm.watermark_scale_factor=0", "watermark_scale_factor");
	expect_param_error("kernelcore=200%", "kernelcore=");
	expect_param_error("memmap=exactmap", "memmap=exactmap");
	expect_param_error("mem=2M", "mem=");
}

static void test_sysctl_params(void **state)
{
	(void)state;
	struct kmm_machine *m = test_boot("sysctl.vm.min_free_kbytes=8192 "
					  "sysctl.vm.watermark_scale_factor=100",
					  &cap);
	assert_int_equal(m->vm.min_free_kbytes, 8192);
	assert_int_equal(m->vm.watermark_scale_factor, 100);
	kmm_machine_shutdown(m);
}

static void test_split_and_merge(void **state)
{
	(void)state;
	struct kmm_machine *m = test_boot("quiet", &cap);
	kmm_cpu_enter(m, 0);
	struct buddy_snapshot before, after;
	kmm_drain_all_pages(m);
	snapshot_take(m, &before);
	/* an order-5 block from a zone whose smallest free block is bigger splits it */
	struct page *p = kmm_alloc_pages(m, GFP_KERNEL, 5);
	assert_non_null(p);
	assert_int_equal(kmm_page_to_pfn(m, p) & 31, 0);
	assert_int_equal(page_ref_count(p), 1);
	snapshot_take(m, &after);
	assert_false(snapshot_equal(&before, &after));
	__kmm_free_pages(m, p, 5);
	kmm_drain_all_pages(m);
	snapshot_take(m, &after);
	assert_true(snapshot_equal(&before, &after));
	/* many order-0 pages through the pcp lists come back merged */
	struct page *pages[3000];
	for (int i = 0; i < 3000; i++) {
		pages[i] = kmm_alloc_pages(m, GFP_KERNEL, 0);
		assert_non_null(pages[i]);
	}
	for (int i = 0; i < 3000; i += 2)
		__kmm_free_pages(m, pages[i], 0);
	for (int i = 1; i < 3000; i += 2)
		__kmm_free_pages(m, pages[i], 0);
	kmm_drain_all_pages(m);
	check_invariants(m, true);
	snapshot_take(m, &after);
	assert_true(snapshot_equal(&before, &after));
	kmm_cpu_leave(m);
	kmm_machine_shutdown(m);
}

static void test_gfp_zones_and_nodes(void **state)
{
	(void)state;
	struct kmm_machine *m = test_boot("quiet", &cap);
	kmm_cpu_enter(m, 0);
	struct page *p = kmm_alloc_pages(m, GFP_KERNEL | __GFP_DMA, 0);
	assert_int_equal(kmm_page_zonenum(p), ZONE_DMA);
	__kmm_free_pages(m, p, 0);
	p = kmm_alloc_pages(m, GFP_KERNEL | __GFP_DMA32, 3);
	assert_true(kmm_page_zonenum(p) <= ZONE_DMA32);
	assert_true(kmm_page_to_pfn(m, p) < (1UL << 20));
	__kmm_free_pages(m, p, 3);
	/* node 1 prefers its Normal zone */
	p = kmm_alloc_pages_node(m, 1, GFP_KERNEL, 0);
	assert_int_equal(kmm_page_to_nid(p), 1);
	assert_int_equal(kmm_page_zonenum(p), ZONE_NORMAL);
	__kmm_free_pages(m, p, 0);
	/* CPU 0 lives on node 0 */
	p = kmm_alloc_pages(m, GFP_KERNEL, 0);
	assert_int_equal(kmm_page_to_nid(p), 0);
	__kmm_free_pages(m, p, 0);
	/* nodemask restricts to node 1 */
	unsigned long mask = 1UL << 1;
	p = __kmm_alloc_pages(m, GFP_KERNEL, 2, 0, &mask);
	assert_int_equal(kmm_page_to_nid(p), 1);
	__kmm_free_pages(m, p, 2);
	/* conflicting zone modifiers are rejected with a warning */
	logcap_clear(&cap);
	assert_null(kmm_alloc_pages(m, __GFP_DMA | __GFP_DMA32, 0));
	assert_true(logcap_has(&cap, "conflicting zone modifiers"));
	assert_null(kmm_alloc_pages(m, __GFP_MOVABLE | __GFP_RECLAIMABLE, 0));
	assert_null(kmm_alloc_pages(m, 0x80000000u, 0));
	kmm_cpu_leave(m);
	kmm_machine_shutdown(m);
}

static void test_zero_compound_exact(void **state)
{
	(void)state;
	struct kmm_machine *m = test_boot("quiet mem=64M", &cap);
	kmm_cpu_enter(m, 0);
	/* dirty a page, free it, get it back zeroed */
	unsigned char *a = kmm_get_free_pages(m, GFP_KERNEL, 0);
	memset(a, 0xab, KMM_PAGE_SIZE);
	kmm_free_pages(m, a, 0);
	unsigned char *b = kmm_get_zeroed_page(m, GFP_KERNEL);
	assert_ptr_equal(a, b); /* pcp LIFO hands the hot page back */
	for (size_t i = 0; i < KMM_PAGE_SIZE; i++)
		assert_int_equal(b[i], 0);
	kmm_free_pages(m, b, 0);
	/* compound pages */
	struct page *h = kmm_alloc_pages(m, GFP_KERNEL | __GFP_COMP, 3);
	assert_true(PageHead(h));
	assert_int_equal(compound_order(h), 3);
	for (int i = 1; i < 8; i++) {
		assert_true(PageTail(h + i));
		assert_ptr_equal(compound_head(h + i), h);
	}
	get_page(h + 5);
	kmm_put_page(m, h + 3); /* drops the extra reference */
	assert_int_equal(page_ref_count(h), 1);
	kmm_put_page(m, h);
	for (int i = 1; i < 8; i++)
		assert_false(PageTail(h + i));
	/* exact allocations return the unused tail */
	kmm_drain_all_pages(m);
	long free0 = total_free_pages(m);
	void *x = kmm_alloc_pages_exact(m, 5 * KMM_PAGE_SIZE, GFP_KERNEL);
	assert_non_null(x);
	kmm_drain_all_pages(m);
	assert_int_equal(total_free_pages(m), free0 - 5);
	kmm_free_pages_exact(m, x, 5 * KMM_PAGE_SIZE);
	kmm_drain_all_pages(m);
	assert_int_equal(total_free_pages(m), free0);
	/* split_page: each page freed on its own */
	struct page *s = kmm_alloc_pages(m, GFP_KERNEL, 2);
	kmm_split_page(m, s, 2);
	for (int i = 3; i >= 0; i--)
		__kmm_free_pages(m, s + i, 0);
	kmm_drain_all_pages(m);
	assert_int_equal(total_free_pages(m), free0);
	check_invariants(m, true);
	kmm_cpu_leave(m);
	kmm_machine_shutdown(m);
}

/* Each bad input: a report names it, the state is unchanged. */
static void expect_bad(struct kmm_machine *m, void (*fn)(struct kmm_machine *, void *), void *arg,
		       const char *needle)
{
	struct buddy_snapshot before, after;
	kmm_drain_all_pages(m);
	snapshot_take(m, &before);
	unsigned long bad0 = atomic_load(&m->nr_bad_pages);
	logcap_clear(&cap);
	fn(m, arg);
	kmm_drain_all_pages(m);
	snapshot_take(m, &after);
	assert_int_equal(atomic_load(&m->nr_bad_pages), bad0 + 1);
	if (!logcap_has(&cap, needle))
		fail_msg("report lacks '%s':\n%s", needle, cap.buf);
	assert_true(snapshot_equal(&before, &after));
	check_invariants(m, true);
}

static void free0(struct kmm_machine *m, void *p)
{
	__kmm_free_pages(m, p, 0);
}
static void free1(struct kmm_machine *m, void *p)
{
	__kmm_free_pages(m, p, 1);
}
static void free2(struct kmm_machine *m, void *p)
{
	__kmm_free_pages(m, p, 2);
}
static void free_addr(struct kmm_machine *m, void *p)
{
	kmm_free_pages(m, p, 0);
}

static void test_bad_frees(void **state)
{
	(void)state;
	struct kmm_machine *m = test_boot("mem=128M", &cap);
	kmm_cpu_enter(m, 0);
	/* double free of an order-0 page (it sits on a pcp list) */
	struct page *p = kmm_alloc_pages(m, GFP_KERNEL, 0);
	__kmm_free_pages(m, p, 0);
	expect_bad(m, free0, p, "BUG: Bad page state");
	expect_bad(m, free0, p, "double free");
	/* double free of an order-4 block (back in the buddy) */
	p = kmm_alloc_pages(m, GFP_KERNEL, 4);
	__kmm_free_pages(m, p, 4);
	kmm_drain_all_pages(m);
	expect_bad(m, free0, p, "double free");
	/* wrong order */
	p = kmm_alloc_pages(m, GFP_KERNEL, 2);
	expect_bad(m, free1, p, "order other than");
	/* the second page of a non-compound block */
	expect_bad(m, free0, p + 1, "not allocated");
	__kmm_free_pages(m, p, 2);
	/* a tail page of a compound page */
	p = kmm_alloc_pages(m, GFP_KERNEL | __GFP_COMP, 2);
	expect_bad(m, free0, p + 2, "tail page");
	expect_bad(m, free1, p, "order other than");
	__kmm_free_pages(m, p, 2);
	/* a reserved page: pfn 0 and the mem_map itself */
	expect_bad(m, free0, kmm_pfn_to_page(m, 0), "PG_reserved");
	/* pointers that are not struct pages of this machine */
	static struct page fake;
	expect_bad(m, free2, &fake, "Bad page pointer");
	char host[64];
	expect_bad(m, free_addr, host, "not a page address");
	expect_bad(m, free_addr, (char *)m->ram + KMM_PAGE_SIZE * 100 + 8, "not a page address");
	/* the page's dump names pfn, refcount and flags */
	p = kmm_alloc_pages(m, GFP_KERNEL, 0);
	__kmm_free_pages(m, p, 0);
	logcap_clear(&cap);
	__kmm_free_pages(m, p, 0);
	assert_true(logcap_has(&cap, "refcount:0"));
	assert_true(logcap_has(&cap, "page dumped because:"));
	kmm_cpu_leave(m);
	kmm_machine_shutdown(m);
}

static void free3(struct kmm_machine *m, void *p)
{
	__kmm_free_pages(m, p, 3);
}

static unsigned long sum_pgalloc(struct kmm_machine *m)
{
	return sum_vm_event(m, PGALLOC_DMA) + sum_vm_event(m, PGALLOC_DMA32) +
	       sum_vm_event(m, PGALLOC_NORMAL) + sum_vm_event(m, PGALLOC_MOVABLE);
}

/* NUMA event @item over every zone: folded and per-CPU parts. */
static unsigned long numa_events(struct kmm_machine *m, enum numa_stat_item item)
{
	unsigned long x = atomic_load(&m->vm_numa_event[item]);
	int nid, zt;
	struct zone *z;
	for_each_zone_m(m, nid, zt, z)
	{
		x += atomic_load(&z->vm_numa_event[item]);
		if (z->per_cpu_zonestats)
			for (int cpu = 0; cpu < m->nr_cpu_ids; cpu++)
				x += atomic_load(&z->per_cpu_zonestats[cpu].vm_numa_event[item]);
	}
	return x;
}

/*
 * The fast paths of orders 1..4 on a bound CPU (kmalloc of more than 8 KiB
 * takes them with __GFP_COMP): blocks come and go with exact counters, and
 * every bad free of a compound head or a block with an extra reference is
 * still caught, reported, or deferred to the last reference.
 */
static void test_order_fast_paths(void **state)
{
	(void)state;
	struct kmm_machine *m = test_boot("quiet mem=128M numa=off", &cap);
	kmm_cpu_enter(m, 0);
	kmm_drain_all_pages(m);
	long free0 = total_free_pages(m);
	for (unsigned o = 0; o <= 4; o++) {
		for (int comp = 0; comp < 2; comp++) {
			gfp_t gfp = GFP_KERNEL | (comp ? __GFP_COMP : 0);
			unsigned long pgalloc0 = sum_pgalloc(m), pgfree0 = sum_vm_event(m, PGFREE);
			unsigned long hit0 = numa_events(m, NUMA_HIT);
			unsigned long local0 = numa_events(m, NUMA_LOCAL);
			unsigned long other0 = numa_events(m, NUMA_OTHER);
			struct page *p[3];
			for (int i = 0; i < 3; i++) {
				p[i] = kmm_alloc_pages(m, gfp, o);
				assert_non_null(p[i]);
				assert_int_equal(page_ref_count(p[i]), 1);
				/* order 0 with __GFP_COMP is a plain page */
				assert_int_equal(PageHead(p[i]), comp && o);
				if (comp && o)
					assert_int_equal(compound_order(p[i]), o);
				for (unsigned long j = 1; j < (1UL << o); j++) {
					assert_int_equal(PageTail(p[i] + j), comp);
					if (comp)
						assert_ptr_equal(compound_head(p[i] + j), p[i]);
				}
			}
			assert_int_equal(sum_pgalloc(m) - pgalloc0, 3UL << o);
			/* one NUMA event of each kind per allocation, not per page */
			assert_int_equal(numa_events(m, NUMA_HIT) - hit0, 3);
			assert_int_equal(numa_events(m, NUMA_LOCAL) - local0, 3);
			assert_int_equal(numa_events(m, NUMA_OTHER), other0);
			for (int i = 0; i < 3; i++) {
				struct zone *z = kmm_page_zone(m, p[i]);
				int pcp0 = kmm_pcp_count(z, 0);
				__kmm_free_pages(m, p[i], o);
				if (o <= PAGE_ALLOC_COSTLY_ORDER) /* onto this CPU's list */
					assert_int_equal(kmm_pcp_count(z, 0), pcp0 + (1 << o));
				assert_false(PageHead(p[i]));
				for (unsigned long j = 1; j < (1UL << o); j++)
					assert_false(PageTail(p[i] + j));
			}
			assert_int_equal(sum_vm_event(m, PGFREE) - pgfree0, 3UL << o);
		}
	}
	kmm_drain_all_pages(m);
	assert_int_equal(total_free_pages(m), free0);
	check_invariants(m, true);

	/* a tail whose compound_head points elsewhere: reported, block kept */
	struct page *h = kmm_alloc_pages(m, GFP_KERNEL | __GFP_COMP, 3);
	__atomic_store_n(&h[5].compound_head, (unsigned long)(h + 4) | 1UL, __ATOMIC_RELAXED);
	expect_bad(m, free3, h, "corrupted compound_head in tail page");
	/* the first tail's order disagrees with the free's */
	h = kmm_alloc_pages(m, GFP_KERNEL | __GFP_COMP, 2);
	h[1].compound_order = 3;
	expect_bad(m, free2, h, "compound page freed with the wrong order");
	h[1].compound_order = 2;
	/* a tail freed with the block's order, the head with another one */
	expect_bad(m, free2, h + 2, "tail page");
	expect_bad(m, free1, h, "order other than");
	__kmm_free_pages(m, h, 2);
	/* ... and freed twice */
	expect_bad(m, free2, h, "Bad page state");
	/* a flag the free path objects to, a mapping: reported at free */
	h = kmm_alloc_pages(m, GFP_KERNEL | __GFP_COMP, 2);
	SetPageLocked(h);
	expect_bad(m, free2, h, "PAGE_FLAGS_CHECK_AT_FREE");
	static struct page not_a_mapping;
	h = kmm_alloc_pages(m, GFP_KERNEL | __GFP_COMP, 1);
	h->mapping = &not_a_mapping;
	expect_bad(m, free1, h, "non-NULL mapping");

	/* another reference to a compound head: the last put frees it */
	kmm_drain_all_pages(m);
	long before = total_free_pages(m);
	unsigned long pgfree0 = sum_vm_event(m, PGFREE);
	h = kmm_alloc_pages(m, GFP_KERNEL | __GFP_COMP, 3);
	get_page(h);
	__kmm_free_pages(m, h, 3);
	assert_int_equal(page_ref_count(h), 1);
	assert_true(PageHead(h));
	assert_ptr_equal(compound_head(h + 7), h);
	assert_int_equal(sum_vm_event(m, PGFREE), pgfree0);
	kmm_put_page(m, h + 6);
	assert_int_equal(sum_vm_event(m, PGFREE), pgfree0 + 8);
	kmm_drain_all_pages(m);
	assert_int_equal(total_free_pages(m), before);
	/* ... to a plain block: all but the first page go back now */
	struct page *b = kmm_alloc_pages(m, GFP_KERNEL, 2);
	get_page(b);
	__kmm_free_pages(m, b, 2);
	kmm_drain_all_pages(m);
	assert_int_equal(total_free_pages(m), before - 1);
	assert_int_equal(page_ref_count(b), 1);
	__kmm_free_pages(m, b, 0);
	kmm_drain_all_pages(m);
	assert_int_equal(total_free_pages(m), before);

	/* a compound block freed into an isolated pageblock skips the pcp
	 * lists and NR_FREE_PAGES until the block is given back */
	h = kmm_alloc_pages(m, GFP_KERNEL | __GFP_COMP, 2);
	struct zone *z = kmm_page_zone(m, h);
	kmm_pfn_t pfn = kmm_page_to_pfn(m, h);
	int mt = kmm_isolate_pageblock(m, pfn);
	assert_true(mt >= 0 && mt < MIGRATE_PCPTYPES);
	long zfree = zone_page_state_snapshot(m, z, NR_FREE_PAGES);
	int pcp0 = kmm_pcp_count(z, 0);
	__kmm_free_pages(m, h, 2);
	assert_int_equal(kmm_pcp_count(z, 0), pcp0);
	assert_int_equal(zone_page_state_snapshot(m, z, NR_FREE_PAGES), zfree);
	assert_int_equal(kmm_unisolate_pageblock(m, pfn, mt), 0);
	kmm_drain_all_pages(m);
	assert_int_equal(total_free_pages(m), before);
	check_invariants(m, true);

	/* a corrupt free block, on a pcp list (order 2) or in the buddy
	 * (order 4), is reported when allocated, left alone, and another
	 * block is handed out */
	for (unsigned o = 2; o <= 4; o += 2) {
		struct page *a = kmm_alloc_pages(m, GFP_KERNEL | __GFP_COMP, o), *a2 = NULL, *bad;
		if (o <= PAGE_ALLOC_COSTLY_ORDER) {
			__kmm_free_pages(m, a, o); /* the next one handed out */
			bad = a;
		} else {
			/* the next block __rmqueue_smallest() takes: the head of
			 * the order's list (after a split if it was empty) */
			struct zone *za = kmm_page_zone(m, a);
			struct list_head *l = &za->free_area[o].free_list[MIGRATE_UNMOVABLE];
			if (list_empty(l))
				a2 = kmm_alloc_pages(m, GFP_KERNEL | __GFP_COMP, o);
			assert_false(list_empty(l));
			bad = list_first_entry(l, struct page, lru);
		}
		SetPageLocked(bad);
		unsigned long bad0 = atomic_load(&m->nr_bad_pages);
		logcap_clear(&cap);
		struct page *g = kmm_alloc_pages(m, GFP_KERNEL | __GFP_COMP, o);
		assert_non_null(g);
		assert_ptr_not_equal(g, bad);
		assert_true(PageHead(g));
		assert_int_equal(atomic_load(&m->nr_bad_pages), bad0 + 1);
		assert_true(logcap_has(&cap, "PAGE_FLAGS_CHECK_AT_PREP"));
		__kmm_free_pages(m, g, o);
		if (o > PAGE_ALLOC_COSTLY_ORDER)
			__kmm_free_pages(m, a, o);
		if (a2)
			__kmm_free_pages(m, a2, o);
	}
	kmm_drain_all_pages(m);
	before = total_free_pages(m);

	/* kmalloc beyond the caches: compound pages, NR_SLAB_UNRECLAIMABLE_B
	 * (read in pages) exact both ways */
	long slab0 = global_node_page_state_snapshot(m, NR_SLAB_UNRECLAIMABLE_B);
	void *big[4];
	for (int i = 0; i < 4; i++) {
		big[i] = kmm_kmalloc(m, (size_t)16384 << i, GFP_KERNEL);
		assert_non_null(big[i]);
		struct page *hp = kmm_virt_to_page(m, big[i]);
		assert_true(PageHead(hp));
		assert_int_equal(compound_order(hp), 2 + i);
	}
	assert_int_equal(global_node_page_state_snapshot(m, NR_SLAB_UNRECLAIMABLE_B),
			 slab0 + 4 + 8 + 16 + 32);
	for (int i = 0; i < 4; i++)
		kmm_kfree(m, big[i]);
	assert_int_equal(global_node_page_state_snapshot(m, NR_SLAB_UNRECLAIMABLE_B), slab0);
	kmm_drain_all_pages(m);
	assert_int_equal(total_free_pages(m), before);
	check_invariants(m, true);
	kmm_cpu_leave(m);
	kmm_machine_shutdown(m);
}

static void test_bad_orders(void **state)
{
	(void)state;
	struct kmm_machine *m = test_boot("mem=128M", &cap);
	logcap_clear(&cap);
	assert_null(kmm_alloc_pages(m, GFP_KERNEL, 11));
	assert_true(logcap_has(&cap, "WARNING"));
	assert_null(kmm_alloc_pages(m, GFP_KERNEL | __GFP_NOWARN, 40));
	assert_null(kmm_alloc_pages_exact(m, 16u << 20, GFP_KERNEL | __GFP_NOWARN));
	check_invariants(m, true);
	kmm_machine_shutdown(m);
}

static void test_exhaustion_report(void **state)
{
	(void)state;
	struct kmm_machine *m = test_boot("", &cap);
	kmm_cpu_enter(m, 0);
	kmm_drain_all_pages(m);
	long free_before = total_free_pages(m);
	struct page *held[8192];
	int n = 0;
	logcap_clear(&cap);
	struct page *p;
	while ((p = kmm_alloc_pages(m, GFP_KERNEL | __GFP_DMA, 0)) != NULL) {
		assert_int_equal(kmm_page_zonenum(p), ZONE_DMA);
		assert_true(n < 8192);
		held[n++] = p;
	}
	assert_true(n > 3000);
	assert_true(logcap_has(
		&cap, "kmm: page allocation failure: order:0, mode:0xcc1(GFP_KERNEL|GFP_DMA)"));
	assert_true(logcap_has(&cap, "Mem-Info:"));
	assert_true(logcap_has(&cap, "lowmem_reserve[]:"));
	/* the DMA zone stops at its min watermark: reserves stay */
	struct zone *dma = zone_of(m, 0, ZONE_DMA);
	assert_true(zone_page_state(dma, NR_FREE_PAGES) <= (long)min_wmark_pages(dma) + 1);
	/* __GFP_HIGH digs into half the reserve */
	struct page *hi = kmm_alloc_pages(m, GFP_KERNEL | __GFP_DMA | __GFP_HIGH, 0);
	assert_non_null(hi);
	/* no report with __GFP_NOWARN */
	logcap_clear(&cap);
	unsigned long fails = atomic_load(&m->nr_alloc_failed);
	assert_null(kmm_alloc_pages(m, GFP_KERNEL | __GFP_DMA | __GFP_NOWARN, 0));
	assert_int_equal(atomic_load(&m->nr_alloc_failed), fails + 1);
	assert_false(logcap_has(&cap, "page allocation failure"));
	__kmm_free_pages(m, hi, 0);
	for (int i = 0; i < n; i++)
		__kmm_free_pages(m, held[i], 0);
	kmm_drain_all_pages(m);
	assert_int_equal(total_free_pages(m), free_before);
	check_invariants(m, true);
	kmm_cpu_leave(m);
	kmm_machine_shutdown(m);
}

static void test_watermarks(void **state)
{
	(void)state;
	struct kmm_machine *m = test_boot("quiet", &cap);
	int nid, zt;
	struct zone *z;
	unsigned long lowmem = 0, sum_min = 0;
	for_each_zone_m(m, nid, zt, z) lowmem += zone_managed_pages(z);
	unsigned long pages_min = (unsigned long)m->vm.min_free_kbytes >> 2;
	for_each_zone_m(m, nid, zt, z)
	{
		unsigned long managed = zone_managed_pages(z);
		unsigned long wmin = (unsigned long)((uint64_t)pages_min * managed / lowmem);
		unsigned long tmp = KMM_MAX(wmin >> 2, managed * 10 / 10000);
		assert_int_equal(atomic_load(&z->_watermark[WMARK_MIN]), wmin);
		assert_int_equal(low_wmark_pages(z), wmin + tmp);
		assert_int_equal(high_wmark_pages(z), wmin + 2 * tmp);
		sum_min += wmin;
	}
	assert_true(sum_min <= pages_min && sum_min + 8 >= pages_min);
	/* min_free_kbytes = sqrt(16 * lowmem_kbytes), the kernel's formula */
	unsigned long expect = (unsigned long)kmm_int_sqrt((uint64_t)lowmem * 4 * 16);
	assert_true(m->vm.min_free_kbytes >= (int)(expect * 98 / 100));
	assert_true(m->vm.min_free_kbytes <= (int)expect);
	/* lowmem_reserve: DMA protects against DMA32 allocations by managed/256 */
	struct zone *dma = zone_of(m, 0, ZONE_DMA), *dma32 = zone_of(m, 0, ZONE_DMA32);
	assert_int_equal(atomic_load(&dma->lowmem_reserve[ZONE_DMA32]),
			 (long)(zone_managed_pages(dma32) / 256));
	assert_int_equal(atomic_load(&dma->lowmem_reserve[ZONE_DMA]), 0);
	/* a write recomputes them */
	unsigned long old_min = min_wmark_pages(dma32);
	assert_int_equal(kmm_proc_write(m, "/proc/sys/vm/min_free_kbytes", "32768\n", 6), 0);
	assert_int_equal(m->vm.min_free_kbytes, 32768);
	assert_true(min_wmark_pages(dma32) > old_min);
	assert_int_equal(kmm_proc_write(m, "/proc/sys/vm/lowmem_reserve_ratio", "128 128 32 0", 12),
			 0);
	assert_int_equal(atomic_load(&dma->lowmem_reserve[ZONE_DMA32]),
			 (long)(zone_managed_pages(dma32) / 128));
	kmm_machine_shutdown(m);
}

static int count_blocks(struct kmm_machine *m, struct zone *z, int mt)
{
	int n = 0;
	for (kmm_pfn_t pfn = KMM_ALIGN_UP(z->zone_start_pfn, (kmm_pfn_t)pageblock_nr_pages);
	     pfn < zone_end_pfn(z); pfn += pageblock_nr_pages)
		if (kmm_pfn_valid(m, pfn) &&
		    get_pageblock_migratetype(m, kmm_pfn_to_page(m, pfn)) == mt)
			n++;
	return n;
}

static void test_fallback_highatomic_isolation(void **state)
{
	(void)state;
	struct kmm_machine *m = test_boot("quiet mem=256M numa=off", &cap);
	kmm_cpu_enter(m, 0);
	struct zone *z = zone_of(m, 0, ZONE_DMA32);
	/* the boot's slab caches took a block or two already */
	int unmovable0 = count_blocks(m, z, MIGRATE_UNMOVABLE);
	assert_true(unmovable0 <= 2);
	/* unmovable allocations steal whole movable pageblocks */
	struct page *held[2048];
	for (int i = 0; i < 2048; i++)
		held[i] = kmm_alloc_pages(m, GFP_KERNEL, 0);
	int unmovable = count_blocks(m, z, MIGRATE_UNMOVABLE) - unmovable0;
	assert_true(unmovable >= 3);
	assert_true(unmovable <= 8);
	for (int i = 0; i < 2048; i++)
		__kmm_free_pages(m, held[i], 0);
	kmm_drain_all_pages(m);
	check_invariants(m, true);
	/*
	 * Under pressure (below the low watermark, so the fast path fails) a
	 * high-order atomic allocation reserves a highatomic pageblock.
	 */
	static struct page *fill[70000];
	int nfill = 0;
	while ((fill[nfill] = kmm_alloc_pages(m, GFP_KERNEL | __GFP_DMA32 | __GFP_NOWARN, 0)))
		nfill++;
	assert_true(nfill > 50000 && nfill < 70000);
	for (int i = 0; i < 64; i++)
		__kmm_free_pages(m, fill[--nfill], 0);
	kmm_drain_all_pages(m);
	assert_true(zone_page_state(z, NR_FREE_PAGES) < (long)low_wmark_pages(z));
	struct page *a = kmm_alloc_pages(m, GFP_ATOMIC | __GFP_DMA32, 2);
	assert_non_null(a);
	assert_int_equal(atomic_load(&z->nr_reserved_highatomic), pageblock_nr_pages);
	assert_int_equal(get_pageblock_migratetype(m, a), MIGRATE_HIGHATOMIC);
	__kmm_free_pages(m, a, 2);
	while (nfill)
		__kmm_free_pages(m, fill[--nfill], 0);
	kmm_drain_all_pages(m);
	check_invariants(m, true);
	/* isolation takes a block's free pages out of NR_FREE_PAGES */
	kmm_pfn_t pfn = z->zone_start_pfn + 8 * pageblock_nr_pages;
	long before = zone_page_state_snapshot(m, z, NR_FREE_PAGES);
	int mt = kmm_isolate_pageblock(m, pfn);
	assert_true(mt >= 0);
	assert_int_equal(zone_page_state_snapshot(m, z, NR_FREE_PAGES), before - 512);
	assert_int_equal(kmm_isolate_pageblock(m, pfn), -KMM_EBUSY);
	for (int i = 0; i < 2048; i++) {
		held[i] = kmm_alloc_pages(m, GFP_HIGHUSER_MOVABLE, 0);
		kmm_pfn_t got = kmm_page_to_pfn(m, held[i]);
		assert_false(got >= pfn && got < pfn + pageblock_nr_pages);
	}
	for (int i = 0; i < 2048; i++)
		__kmm_free_pages(m, held[i], 0);
	kmm_drain_all_pages(m);
	check_invariants(m, false);
	assert_int_equal(kmm_unisolate_pageblock(m, pfn, mt), 0);
	assert_int_equal(zone_page_state_snapshot(m, z, NR_FREE_PAGES), before);
	check_invariants(m, true);
	kmm_cpu_leave(m);
	kmm_machine_shutdown(m);
}

static void test_many_machines(void **state)
{
	(void)state;
	struct kmm_machine *ms[4];
	const char *shapes[4] = { "quiet mem=32M", "quiet mem=64M numa=fake=2",
				  "quiet movablecore=128M", "quiet nr_cpus=8 mem=512M" };
	for (int i = 0; i < 4; i++)
		ms[i] = test_boot(shapes[i], NULL);
	struct page *p[4];
	for (int i = 0; i < 4; i++) {
		p[i] = kmm_alloc_pages(ms[i], GFP_KERNEL, (unsigned)i);
		assert_non_null(p[i]);
		/* a page of one machine is a foreign pointer to the others */
		if (i)
			assert_null(kmm_virt_to_page(ms[i], kmm_page_address(ms[0], p[0])));
	}
	for (int i = 0; i < 4; i++) {
		__kmm_free_pages(ms[i], p[i], (unsigned)i);
		kmm_drain_all_pages(ms[i]);
		check_invariants(ms[i], true);
		kmm_machine_shutdown(ms[i]);
	}
}

/*
 * An unbound caller borrows a slot for the call; calls nested inside it
 * (the slow path drains the pcp lists) must find that slot, not wait for
 * a free one: with one CPU there is none.
 */
static void test_borrowed_slot_nesting(void **state)
{
	(void)state;
	struct kmm_machine *m = test_boot("quiet mem=16M nr_cpus=1 numa=off", NULL);
	assert_int_equal(kmm_cpu_current(m), -1);
	static struct page *held[4096];
	int n = 0;
	while ((held[n] = kmm_alloc_pages(m, GFP_KERNEL | __GFP_NOWARN, 0)))
		n++;
	assert_true(n > 2000);
	assert_int_equal(kmm_cpu_current(m), -1); /* the borrow ended */
	while (n)
		__kmm_free_pages(m, held[--n], 0);
	kmm_drain_all_pages(m);
	check_invariants(m, true);
	/* binding: once per thread, and not while bound elsewhere */
	assert_int_equal(kmm_cpu_enter(m, -1), 0);
	assert_int_equal(kmm_cpu_enter(m, 0), -KMM_EBUSY);
	struct kmm_machine *other = test_boot("quiet mem=16M", NULL);
	assert_int_equal(kmm_cpu_enter(other, 0), -KMM_EBUSY);
	/* a call into another machine borrows there and leaves our binding */
	struct page *p = kmm_alloc_pages(other, GFP_KERNEL, 0);
	assert_non_null(p);
	assert_int_equal(kmm_cpu_current(m), 0);
	__kmm_free_pages(other, p, 0);
	kmm_cpu_leave(m);
	assert_int_equal(kmm_cpu_current(m), -1);
	kmm_machine_shutdown(other);
	kmm_machine_shutdown(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_machine),
		cmocka_unit_test(test_machine_shapes),
		cmocka_unit_test(test_movable_zone),
		cmocka_unit_test(test_bad_params),
		cmocka_unit_test(test_sysctl_params),
		cmocka_unit_test(test_split_and_merge),
		cmocka_unit_test(test_gfp_zones_and_nodes),
		cmocka_unit_test(test_zero_compound_exact),
		cmocka_unit_test(test_bad_frees),
		cmocka_unit_test(test_order_fast_paths),
		cmocka_unit_test(test_bad_orders),
		cmocka_unit_test(test_exhaustion_report),
		cmocka_unit_test(test_watermarks),
		cmocka_unit_test(test_fallback_highatomic_isolation),
		cmocka_unit_test(test_many_machines),
		cmocka_unit_test(test_borrowed_slot_nesting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
