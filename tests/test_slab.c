/* SPDX-License-Identifier: MIT */
/*
 * tests/test_slab.c - the slab allocator and kmalloc: geometry, objects,
 * constructors and destructors, colouring, merging, the kmalloc family,
 * every misuse report (with the cache usable afterwards), shrink and
 * destroy giving every page back, slab_debug= red zones and poison.
 */
#include "kmm_test.h"
#include "mm/slab.h"

static struct logcap cap;

static long buddy_free(struct kmm_machine *m)
{
	kmm_drain_all_pages(m);
	return total_free_pages(m);
}

static void test_cache_basics(void **state)
{
	(void)state;
	struct kmm_machine *m = test_boot("quiet mem=128M", &cap);
	kmm_cpu_enter(m, 0);
	assert_true(logcap_has(&cap, "SLUB: HWalign=64"));
	struct kmem_cache *s =
		kmm_kmem_cache_create(m, "test_obj", 100, 0, SLAB_HWCACHE_ALIGN, NULL, NULL);
	assert_non_null(s);
	assert_int_equal(s->size, 128); /* 100 rounded to the cache line */
	assert_true(s->num >= 8);
	static void *objs[5000];
	for (int i = 0; i < 5000; i++) {
		objs[i] = kmm_kmem_cache_alloc(s, GFP_KERNEL);
		assert_non_null(objs[i]);
		assert_int_equal((uintptr_t)objs[i] % 64, 0);
		memset(objs[i], i & 0xff, 100);
	}
	for (int i = 0; i < 5000; i++) {
		unsigned char *p = objs[i];
		for (int k = 0; k < 100; k++)
			if (p[k] != (i & 0xff))
				fail_msg("object %d overlaps another", i);
	}
	struct slabinfo si;
	kmm_get_slabinfo(s, &si);
	assert_true(si.active_objs >= 5000);
	assert_true(si.num_objs >= si.active_objs);
	for (int i = 0; i < 5000; i++)
		kmm_kmem_cache_free(s, objs[i]);
	/* free slabs beyond the node's free limit went back to the buddy */
	kmm_get_slabinfo(s, &si);
	assert_true(si.num_objs < 5000);
	assert_int_equal(kmm_slab_validate(s), 0);
	/* zalloc zeroes */
	unsigned char *z = kmm_kmem_cache_zalloc(s, GFP_KERNEL);
	for (int k = 0; k < 100; k++)
		assert_int_equal(z[k], 0);
	kmm_kmem_cache_free(s, z);
	/* bulk */
	void *bulk[300];
	assert_int_equal(kmm_kmem_cache_alloc_bulk(s, GFP_KERNEL, 300, bulk), 300);
	kmm_kmem_cache_free_bulk(s, 300, bulk);
	assert_int_equal(atomic_load(&m->nr_slab_reports), 0);
	kmm_kmem_cache_destroy(s);
	assert_null(kmm_kmem_cache_find(m, "test_obj"));
	kmm_cpu_leave(m);
	kmm_machine_shutdown(m);
}

static atomic_int ctors, dtors;
static void count_ctor(void *p)
{
	atomic_fetch_add(&ctors, 1);
	memset(p, 0x11, 40);
}
static void count_dtor(void *p)
{
	atomic_fetch_add(&dtors, 1);
	unsigned char *b = p;
	/* objects are back in their constructed state when freed */
	assert_int_equal(b[0], 0x11);
}

static void test_ctor_dtor_and_pages(void **state)
{
	(void)state;
	struct kmm_machine *m = test_boot("quiet mem=128M", &cap);
	kmm_cpu_enter(m, 0);
	kmm_slab_shrink_all(m); /* boot's freed objects: not this test's */
	long free0 = buddy_free(m);
	atomic_store(&ctors, 0);
	atomic_store(&dtors, 0);
	struct kmem_cache *s =
		kmm_kmem_cache_create(m, "ctor_obj", 40, 8, 0, count_ctor, count_dtor);
	assert_non_null(s);
	void *objs[1000];
	for (int i = 0; i < 1000; i++)
		objs[i] = kmm_kmem_cache_alloc(s, GFP_KERNEL);
	struct slabinfo si;
	kmm_get_slabinfo(s, &si);
	/* constructors ran once per object of every slab grown, not per alloc */
	assert_int_equal(atomic_load(&ctors), (int)si.num_objs);
	for (int i = 0; i < 1000; i++)
		kmm_kmem_cache_free(s, objs[i]);
	for (int i = 0; i < 1000; i++)
		objs[i] = kmm_kmem_cache_alloc(s, GFP_KERNEL);
	kmm_get_slabinfo(s, &si);
	assert_int_equal(atomic_load(&ctors), (int)si.num_objs);
	assert_int_equal(atomic_load(&dtors), 0);
	for (int i = 0; i < 1000; i++)
		kmm_kmem_cache_free(s, objs[i]);
	int total = atomic_load(&ctors);
	kmm_kmem_cache_shrink(s);
	kmm_get_slabinfo(s, &si);
	assert_int_equal(si.num_slabs, 0);
	assert_int_equal(atomic_load(&dtors), total); /* a destructor per object */
	kmm_kmem_cache_destroy(s);
	/* the cache struct itself lives in the kmem_cache cache: shrink it too */
	kmm_slab_shrink_all(m);
	assert_int_equal(buddy_free(m), free0);
	kmm_cpu_leave(m);
	kmm_machine_shutdown(m);
}

static void test_colouring(void **state)
{
	(void)state;
	struct kmm_machine *m = test_boot("quiet mem=128M", &cap);
	kmm_cpu_enter(m, 0);
	/* 200-byte objects in one page leave room for a few colours */
	/* 296-byte objects: 13 to a page, 200 bytes left: three colours */
	struct kmem_cache *s =
		kmm_kmem_cache_create(m, "colour", 296, 8, SLAB_NO_MERGE, NULL, NULL);
	assert_true(s->colour >= 2);
	unsigned offsets[16] = { 0 };
	void *objs[4096];
	int n = 0;
	for (int i = 0; i < 4096; i++)
		objs[n++] = kmm_kmem_cache_alloc(s, GFP_KERNEL);
	for (int i = 0; i < n; i++) {
		struct slab *slab = virt_to_slab(m, objs[i]);
		unsigned off = (unsigned)(slab->s_mem - (unsigned char *)kmm_page_address(
								m, (struct page *)slab));
		unsigned colour =
			(off - (unsigned)KMM_ALIGN_UP(s->mgmt_size, s->align)) / s->colour_off;
		assert_true(colour < s->colour);
		offsets[colour % 16]++;
	}
	/* every colour is used */
	for (unsigned c = 0; c < s->colour && c < 16; c++)
		assert_true(offsets[c] > 0);
	for (int i = 0; i < n; i++)
		kmm_kmem_cache_free(s, objs[i]);
	kmm_kmem_cache_destroy(s);
	kmm_cpu_leave(m);
	kmm_machine_shutdown(m);
	/* slab_colour=off: every slab starts its objects at the same offset */
	m = test_boot("quiet mem=128M slab_colour=off", &cap);
	s = kmm_kmem_cache_create(m, "colour", 296, 8, SLAB_NO_MERGE, NULL, NULL);
	assert_int_equal(s->colour, 0);
	void *a = kmm_kmem_cache_alloc(s, GFP_KERNEL);
	assert_int_equal((uintptr_t)virt_to_slab(m, a)->s_mem % KMM_PAGE_SIZE,
			 KMM_ALIGN_UP(s->mgmt_size, s->align));
	kmm_kmem_cache_free(s, a);
	kmm_machine_shutdown(m);
}

static void test_merge_and_flags(void **state)
{
	(void)state;
	struct kmm_machine *m = test_boot("quiet mem=64M", &cap);
	struct kmem_cache *a = kmm_kmem_cache_create(m, "merge_a", 48, 0, 0, NULL, NULL);
	struct kmem_cache *b = kmm_kmem_cache_create(m, "merge_b", 44, 0, 0, NULL, NULL);
	assert_ptr_equal(a, b); /* compatible geometry: one cache, two names */
	assert_ptr_equal(kmm_kmem_cache_find(m, "merge_b"), a);
	struct kmem_cache *c =
		kmm_kmem_cache_create(m, "merge_c", 48, 0, SLAB_NO_MERGE, NULL, NULL);
	assert_ptr_not_equal(c, a);
	/* unknown flags, bad sizes, bad alignment, duplicate names: refused */
	logcap_clear(&cap);
	assert_null(kmm_kmem_cache_create(m, "bad_flags", 32, 0, 0x80000000u, NULL, NULL));
	assert_true(logcap_has(&cap, "unsupported flags 0x80000000"));
	assert_null(kmm_kmem_cache_create(m, "bad_size", 0, 0, 0, NULL, NULL));
	assert_null(kmm_kmem_cache_create(m, "bad_align", 32, 24, 0, NULL, NULL));
	assert_null(kmm_kmem_cache_create(m, "merge_c", 32, 0, 0, NULL, NULL));
	assert_true(logcap_has(&cap, "a cache of that name exists"));
	/* reclaimable caches take reclaimable pages and count as SReclaimable */
	struct kmem_cache *r = kmm_kmem_cache_create(
		m, "reclaimable", 64, 0, SLAB_RECLAIM_ACCOUNT | SLAB_NO_MERGE, NULL, NULL);
	void *o = kmm_kmem_cache_alloc(r, GFP_KERNEL);
	struct page *pg = compound_head(kmm_virt_to_page(m, o));
	assert_int_equal(get_pageblock_migratetype(m, pg), MIGRATE_RECLAIMABLE);
	refresh_cpu_vm_stats(m);
	assert_true(global_node_page_state(m, NR_SLAB_RECLAIMABLE_B) > 0);
	kmm_kmem_cache_free(r, o);
	/* DMA caches live in ZONE_DMA */
	struct kmem_cache *d =
		kmm_kmem_cache_create(m, "dma_obj", 64, 0, SLAB_CACHE_DMA, NULL, NULL);
	o = kmm_kmem_cache_alloc(d, GFP_KERNEL);
	assert_int_equal(kmm_page_zonenum(kmm_virt_to_page(m, o)), ZONE_DMA);
	kmm_kmem_cache_free(d, o);
	kmm_kmem_cache_destroy(b);
	assert_non_null(kmm_kmem_cache_find(m, "merge_a")); /* still one user */
	kmm_kmem_cache_destroy(a);
	kmm_kmem_cache_destroy(c);
	kmm_kmem_cache_destroy(r);
	kmm_kmem_cache_destroy(d);
	kmm_machine_shutdown(m);
}

static void test_kmalloc_family(void **state)
{
	(void)state;
	struct kmm_machine *m = test_boot("quiet mem=128M", &cap);
	kmm_cpu_enter(m, 0);
	static const size_t sizes[] = { 1,   8,	  9,   16,  24,	 32,  33,  64,	 65,   96,   97,
					128, 129, 192, 193, 256, 300, 512, 1000, 2048, 4000, 8192 };
	static const size_t want[] = { 8,   8,	 16,  16,  32,	32,  64,  64,	96,   96,   128,
				       128, 192, 192, 256, 256, 512, 512, 1024, 2048, 4096, 8192 };
	for (size_t i = 0; i < KMM_ARRAY_SIZE(sizes); i++) {
		void *p = kmm_kmalloc(m, sizes[i], GFP_KERNEL);
		assert_non_null(p);
		assert_int_equal(kmm_ksize(m, p), want[i]);
		memset(p, 0xab, want[i]);
		kmm_kfree(m, p);
	}
	/* above 8 KiB: compound pages from the buddy, sized by ksize */
	void *big = kmm_kmalloc(m, 20000, GFP_KERNEL);
	assert_int_equal(kmm_ksize(m, big), 32768);
	assert_true(PageHead(kmm_virt_to_page(m, big)));
	kmm_kfree(m, big);
	/* reclaimable and DMA variants */
	void *r = kmm_kmalloc(m, 100, GFP_KERNEL | __GFP_RECLAIMABLE);
	assert_string_equal(virt_to_slab(m, r)->slab_cache->name, "kmalloc-rcl-128");
	void *d = kmm_kmalloc(m, 100, GFP_KERNEL | __GFP_DMA);
	assert_string_equal(virt_to_slab(m, d)->slab_cache->name, "dma-kmalloc-128");
	kmm_kfree(m, r);
	kmm_kfree(m, d);
	/* zeroing, arrays, overflow */
	unsigned char *z = kmm_kzalloc(m, 77, GFP_KERNEL);
	for (int k = 0; k < 77; k++)
		assert_int_equal(z[k], 0);
	kmm_kfree(m, z);
	assert_null(kmm_kmalloc_array(m, SIZE_MAX / 2, 4, GFP_KERNEL | __GFP_NOWARN));
	int *arr = kmm_kcalloc(m, 10, sizeof(int), GFP_KERNEL);
	for (int k = 0; k < 10; k++)
		assert_int_equal(arr[k], 0);
	/* krealloc keeps the contents, grows across caches and into pages */
	for (int k = 0; k < 10; k++)
		arr[k] = k * 7;
	arr = kmm_krealloc(m, arr, 5000, GFP_KERNEL);
	for (int k = 0; k < 10; k++)
		assert_int_equal(arr[k], k * 7);
	arr = kmm_krealloc(m, arr, 50000, GFP_KERNEL);
	for (int k = 0; k < 10; k++)
		assert_int_equal(arr[k], k * 7);
	kmm_kfree(m, arr);
	/* zero size, NULL */
	void *zs = kmm_kmalloc(m, 0, GFP_KERNEL);
	assert_ptr_equal(zs, ZERO_SIZE_PTR);
	kmm_kfree(m, zs);
	kmm_kfree(m, NULL);
	void *kv = kmm_kvmalloc(m, 100000, GFP_KERNEL);
	memset(kv, 1, 100000);
	kmm_kvfree(m, kv);
	assert_int_equal(atomic_load(&m->nr_slab_reports), 0);
	assert_int_equal(atomic_load(&m->nr_bad_pages), 0);
	kmm_cpu_leave(m);
	kmm_machine_shutdown(m);
}

static void test_misuse_reports(void **state)
{
	(void)state;
	struct kmm_machine *m = test_boot("quiet mem=64M", &cap);
	kmm_cpu_enter(m, 0);
	struct kmem_cache *a =
		kmm_kmem_cache_create(m, "victim_a", 64, 0, SLAB_NO_MERGE, NULL, NULL);
	struct kmem_cache *b =
		kmm_kmem_cache_create(m, "victim_b", 128, 0, SLAB_NO_MERGE, NULL, NULL);
	unsigned long r0 = atomic_load(&m->nr_slab_reports);
	/* double free, through the CPU array and through the slab lists */
	void *o = kmm_kmem_cache_alloc(a, GFP_KERNEL);
	kmm_kmem_cache_free(a, o);
	logcap_clear(&cap);
	kmm_kmem_cache_free(a, o);
	assert_true(logcap_has(&cap, "BUG victim_a (Not tainted): Object already free"));
	assert_int_equal(atomic_load(&m->nr_slab_reports), r0 + 1);
	/* the object is handed out once only afterwards */
	void *x = kmm_kmem_cache_alloc(a, GFP_KERNEL);
	void *y = kmm_kmem_cache_alloc(a, GFP_KERNEL);
	assert_ptr_not_equal(x, y);
	kmm_kmem_cache_free(a, x);
	kmm_kmem_cache_free(a, y);
	/* kfree twice */
	void *k = kmm_kmalloc(m, 64, GFP_KERNEL);
	kmm_kfree(m, k);
	logcap_clear(&cap);
	kmm_kfree(m, k);
	assert_true(logcap_has(&cap, "BUG kmalloc-64 (Not tainted): Object already free"));
	/* an interior pointer */
	o = kmm_kmem_cache_alloc(a, GFP_KERNEL);
	logcap_clear(&cap);
	kmm_kmem_cache_free(a, (char *)o + 8);
	assert_true(logcap_has(&cap, "not the start of an object"));
	/* the wrong cache */
	logcap_clear(&cap);
	kmm_kmem_cache_free(b, o);
	assert_true(logcap_has(&cap, "Wrong slab cache. victim_b but object is from victim_a"));
	kmm_kmem_cache_free(a, o); /* still allocated: the right free works */
	/* an object of a slab that went back to the buddy: its slab's
	 * management block was wiped, the free is refused and reported */
	void *stale = kmm_kmem_cache_alloc(b, GFP_KERNEL);
	kmm_kmem_cache_free(b, stale);
	kmm_kmem_cache_shrink(b);
	logcap_clear(&cap);
	kmm_kmem_cache_free(b, stale);
	assert_true(logcap_has(&cap, "outside any slab"));
	/* pointers that are no objects at all */
	int on_stack;
	logcap_clear(&cap);
	kmm_kfree(m, &on_stack);
	assert_true(logcap_has(&cap, "kfree of a pointer kmalloc did not return"));
	struct page *pg = kmm_alloc_pages(m, GFP_KERNEL, 0);
	kmm_kfree(m, kmm_page_address(m, pg)); /* an order-0 page is not kmalloc'ed */
	__kmm_free_pages(m, pg, 0);
	void *big = kmm_kmalloc(m, 40000, GFP_KERNEL);
	kmm_kfree(m, (char *)big + 4096);
	kmm_kfree(m, big);
	/* kfree finds an object's slab from any of the slab's frames: an
	 * interior pointer in a later page of a multi-page slab is refused */
	struct kmem_cache *k8 = kmm_kmem_cache_find(m, "kmalloc-8k");
	assert_non_null(k8);
	assert_true(k8->order > 0);
	void *eight = kmm_kmalloc(m, 8192, GFP_KERNEL);
	logcap_clear(&cap);
	kmm_kfree(m, (char *)eight + 4096);
	assert_true(logcap_has(&cap, "BUG kmalloc-8k (Not tainted): Invalid object pointer"));
	assert_int_equal(kmm_ksize(m, eight), 8192);
	kmm_kfree(m, eight);
	/* an object whose slab went back to the buddy: kfree no longer finds
	 * a slab there (the pfn map was cleared), and reports the pointer */
	struct kmem_cache *lone =
		kmm_kmem_cache_create(m, "pfnmap_lone", 512, 0, SLAB_NO_MERGE, NULL, NULL);
	void *gone = kmm_kmem_cache_alloc(lone, GFP_KERNEL);
	assert_ptr_equal(virt_to_slab(m, gone)->slab_cache, lone);
	kmm_kfree(m, gone); /* kfree of a kmem_cache object is fine */
	kmm_kmem_cache_shrink(lone);
	assert_null(virt_to_slab(m, gone));
	logcap_clear(&cap);
	kmm_kfree(m, gone);
	assert_true(logcap_has(&cap, "kfree of a pointer kmalloc did not return"));
	kmm_kmem_cache_destroy(lone);
	assert_int_equal(atomic_load(&m->nr_bad_pages), 0);
	assert_int_equal(kmm_slab_validate(a), 0);
	assert_int_equal(kmm_slab_validate(b), 0);
	/* destroy with a live object: reported, its memory stays usable */
	void *live = kmm_kmem_cache_alloc(a, GFP_KERNEL);
	logcap_clear(&cap);
	kmm_kmem_cache_destroy(a);
	assert_true(logcap_has(&cap, "Objects remaining in victim_a on __kmem_cache_shutdown()"));
	assert_ptr_equal(kmm_kmem_cache_find(m, "victim_a"), a);
	memset(live, 0x42, 64);
	kmm_kmem_cache_free(a, live);
	kmm_kmem_cache_destroy(a);
	assert_null(kmm_kmem_cache_find(m, "victim_a"));
	kmm_kmem_cache_destroy(b);
	kmm_cpu_leave(m);
	kmm_machine_shutdown(m);
}

static void test_debug_reports(void **state)
{
	(void)state;
	struct kmm_machine *m = test_boot("quiet mem=64M slab_debug=FZPU,dbg_obj", &cap);
	kmm_cpu_enter(m, 0);
	struct kmem_cache *s = kmm_kmem_cache_create(m, "dbg_obj", 60, 0, 0, NULL, NULL);
	assert_true(s->flags & SLAB_RED_ZONE);
	assert_true(s->flags & SLAB_POISON);
	/* kmalloc caches are not debugged: only the named cache is */
	assert_false(kmalloc_slab(m, 64, GFP_KERNEL)->flags & SLAB_RED_ZONE);
	/* fresh objects are poisoned with 0x5a */
	unsigned char *o = kmm_kmem_cache_alloc(s, GFP_KERNEL);
	assert_int_equal(o[0], POISON_INUSE);
	/* write one byte past the end: caught at free */
	o[60] = 0;
	logcap_clear(&cap);
	kmm_kmem_cache_free(s, o);
	assert_true(logcap_has(&cap, "BUG dbg_obj (Not tainted): Right Redzone overwritten"));
	assert_true(logcap_has(&cap, "Allocated in 0x"));
	assert_true(logcap_has(&cap, "FIX dbg_obj: Object at"));
	/* use after free: caught when the object would be handed out again */
	unsigned char *p = kmm_kmem_cache_alloc(s, GFP_KERNEL);
	kmm_kmem_cache_free(s, p);
	assert_int_equal(p[0], POISON_FREE);
	assert_int_equal(p[59], POISON_END);
	p[10] = 1;
	logcap_clear(&cap);
	int seen = 0;
	void *again[200];
	for (int i = 0; i < 200; i++) {
		again[i] = kmm_kmem_cache_alloc(s, GFP_KERNEL);
		assert_ptr_not_equal(again[i], p); /* the bad one is isolated */
		assert_ptr_not_equal(again[i], o);
		seen += again[i] != NULL;
	}
	assert_int_equal(seen, 200);
	assert_true(logcap_has(&cap, "BUG dbg_obj (Not tainted): Poison overwritten"));
	assert_true(logcap_has(&cap, "First byte 0x1 instead of 0x6b"));
	assert_true(logcap_has(&cap, "Freed in 0x"));
	for (int i = 0; i < 200; i++)
		kmm_kmem_cache_free(s, again[i]);
	/* validate walks every slab; a corrupt free object is found */
	unsigned char *q = kmm_kmem_cache_alloc(s, GFP_KERNEL);
	kmm_kmem_cache_free(s, q);
	assert_int_equal(kmm_slab_validate(s), 0);
	q[0] = 0;
	logcap_clear(&cap);
	assert_true(kmm_slab_validate(s) > 0);
	assert_true(logcap_has(&cap, "Poison overwritten"));
	kmm_cpu_leave(m);
	kmm_machine_shutdown(m);
}

static void test_tunables(void **state)
{
	(void)state;
	struct kmm_machine *m = test_boot("quiet mem=64M", &cap);
	kmm_cpu_enter(m, 0);
	struct kmem_cache *s =
		kmm_kmem_cache_create(m, "tunable", 32, 0, SLAB_NO_MERGE, NULL, NULL);
	assert_int_equal(s->limit, 120);
	void *o[500];
	for (int i = 0; i < 500; i++)
		o[i] = kmm_kmem_cache_alloc(s, GFP_KERNEL);
	for (int i = 0; i < 500; i++)
		kmm_kmem_cache_free(s, o[i]);
	slab_set_tunables(s, 16, 8, 0);
	for (int i = 0; i < 500; i++)
		o[i] = kmm_kmem_cache_alloc(s, GFP_KERNEL);
	assert_int_equal(s->cpu_slab[0].loaded->limit, 16);
	for (int i = 0; i < 500; i++)
		kmm_kmem_cache_free(s, o[i]);
	assert_int_equal(kmm_slab_validate(s), 0);
	kmm_kmem_cache_destroy(s);
	assert_int_equal(atomic_load(&m->nr_slab_reports), 0);
	kmm_cpu_leave(m);
	kmm_machine_shutdown(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cache_basics),   cmocka_unit_test(test_ctor_dtor_and_pages),
		cmocka_unit_test(test_colouring),      cmocka_unit_test(test_merge_and_flags),
		cmocka_unit_test(test_kmalloc_family), cmocka_unit_test(test_misuse_reports),
		cmocka_unit_test(test_debug_reports),  cmocka_unit_test(test_tunables),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
