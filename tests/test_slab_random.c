/* SPDX-License-Identifier: MIT */
/*
 * tests/test_slab_random.c - random operations over many caches and
 * kmalloc sizes, checked against a model: every live object is distinct
 * (it carries a stamp over its whole size that must be intact when it is
 * freed), aligned as its cache promised, and ksize() covers it; the
 * constructor ran exactly once per object of every slab created and the
 * destructor once per object of every slab released (never per
 * allocation); at the end every cache validates, shrinks to nothing and
 * the buddy allocator has every page back.
 */
#include "kmm_test.h"
#include "mm/slab.h"

#define NR_OPS 400000
#define MAX_LIVE 20000
#define NR_CACHES 12

struct obj {
	unsigned char *p;
	size_t size;
	int cache; /* -1: kmalloc */
	uint32_t stamp;
};

static uint64_t rs = 0x243f6a8885a308d3ULL;
static uint64_t rnd(void)
{
	rs ^= rs >> 12;
	rs ^= rs << 25;
	rs ^= rs >> 27;
	return rs * 0x2545f4914f6cdd1dULL;
}

static atomic_long constructed, destructed;
static void ctor(void *p)
{
	atomic_fetch_add(&constructed, 1);
	memset(p, 0, 8);
}
static void dtor(void *p)
{
	(void)p;
	atomic_fetch_add(&destructed, 1);
}

static void stamp(struct obj *o)
{
	for (size_t i = 0; i < o->size; i += 4) {
		uint32_t v = o->stamp + (uint32_t)i;
		memcpy(o->p + i, &v, KMM_MIN((size_t)4, o->size - i));
	}
}

static void check(const struct obj *o)
{
	for (size_t i = 0; i < o->size; i += 4) {
		uint32_t v = o->stamp + (uint32_t)i, w = 0;
		memcpy(&w, o->p + i, KMM_MIN((size_t)4, o->size - i));
		if (memcmp(&w, &v, KMM_MIN((size_t)4, o->size - i)))
			fail_msg("object %p (size %zu) overwritten at %zu", (void *)o->p, o->size,
				 i);
	}
}

static void test_random(void **state)
{
	(void)state;
	struct kmm_machine *m = test_boot("quiet mem=512M numa=fake=2 nr_cpus=2", NULL);
	kmm_cpu_enter(m, 0);
	kmm_slab_shrink_all(m); /* boot's freed objects: not this test's */
	long free0 = (kmm_drain_all_pages(m), total_free_pages(m));
	struct kmem_cache *caches[NR_CACHES];
	size_t sizes[NR_CACHES], aligns[NR_CACHES];
	for (int i = 0; i < NR_CACHES; i++) {
		char name[32];
		snprintf(name, sizeof(name), "rnd%d", i);
		sizes[i] = 1 + rnd() % (i < 8 ? 300 : 5000);
		aligns[i] = (i % 3 == 0) ? (size_t)1 << (rnd() % 8) : 0;
		slab_flags_t f = (i % 4 == 1) ? SLAB_HWCACHE_ALIGN : 0;
		f |= (i % 5 == 2) ? SLAB_RECLAIM_ACCOUNT : 0;
		bool with_ctor = i % 3 == 1;
		caches[i] = kmm_kmem_cache_create(m, name, sizes[i], aligns[i], f | SLAB_NO_MERGE,
						  with_ctor ? ctor : NULL, with_ctor ? dtor : NULL);
		assert_non_null(caches[i]);
		if (f & SLAB_HWCACHE_ALIGN && sizes[i] > 32)
			aligns[i] = KMM_MAX(aligns[i], (size_t)64);
	}
	struct obj *live = calloc(MAX_LIVE, sizeof(*live));
	size_t n = 0;
	for (long op = 0; op < NR_OPS; op++) {
		if (n && (n == MAX_LIVE || rnd() % 100 < 48)) {
			size_t i = (size_t)(rnd() % n);
			struct obj o = live[i];
			live[i] = live[--n];
			check(&o);
			if (o.cache < 0)
				kmm_kfree(m, o.p);
			else
				kmm_kmem_cache_free(caches[o.cache], o.p);
			continue;
		}
		struct obj o;
		if (op % 1000 == 0) { /* move between CPUs: arrays of both get used */
			kmm_cpu_leave(m);
			kmm_cpu_enter(m, (int)(rnd() % 2));
		}
		if (rnd() % 2) {
			o.cache = -1;
			o.size = (rnd() % 16 == 0) ? 8193 + rnd() % 30000 : 1 + rnd() % 2048;
			o.p = kmm_kmalloc(m, o.size, GFP_KERNEL);
			assert_non_null(o.p);
			assert_true(kmm_ksize(m, o.p) >= o.size);
			if (!(o.size & (o.size - 1)) && o.size <= 4096)
				assert_int_equal((uintptr_t)o.p % o.size,
						 0); /* natural alignment */
		} else {
			o.cache = (int)(rnd() % NR_CACHES);
			o.size = sizes[o.cache];
			int nid = rnd() % 8 == 0 ? (int)(rnd() % 2) : -1;
			o.p = nid < 0 ? kmm_kmem_cache_alloc(caches[o.cache], GFP_KERNEL) :
					kmm_kmem_cache_alloc_node(caches[o.cache], GFP_KERNEL, nid);
			assert_non_null(o.p);
			if (nid >= 0)
				assert_int_equal(kmm_page_to_nid(kmm_virt_to_page(m, o.p)), nid);
			if (aligns[o.cache])
				assert_int_equal((uintptr_t)o.p % aligns[o.cache], 0);
			else
				assert_int_equal((uintptr_t)o.p % sizeof(void *), 0);
		}
		o.stamp = (uint32_t)rnd();
		stamp(&o);
		live[n++] = o;
		if (op % 50000 == 0)
			for (int c = 0; c < NR_CACHES; c++)
				assert_int_equal(kmm_slab_validate(caches[c]), 0);
	}
	while (n) {
		struct obj o = live[--n];
		check(&o);
		if (o.cache < 0)
			kmm_kfree(m, o.p);
		else
			kmm_kmem_cache_free(caches[o.cache], o.p);
	}
	assert_int_equal(atomic_load(&m->nr_slab_reports), 0);
	assert_int_equal(atomic_load(&m->nr_bad_pages), 0);
	for (int c = 0; c < NR_CACHES; c++) {
		assert_int_equal(kmm_slab_validate(caches[c]), 0);
		char name[32];
		snprintf(name, sizeof(name), "rnd%d", c);
		kmm_kmem_cache_destroy(caches[c]);
		assert_null(kmm_kmem_cache_find(m, name));
	}
	/* every constructed object was destructed when its slab went back */
	assert_true(atomic_load(&constructed) > 0);
	assert_int_equal(atomic_load(&constructed), atomic_load(&destructed));
	/* everything the caches and kmalloc took is back in the buddy */
	kmm_slab_shrink_all(m);
	kmm_drain_all_pages(m);
	if (getenv("SLAB_DEBUG_DUMP")) {
		struct list_head *pos;
		list_for_each (pos, &m->slab.caches) {
			struct kmem_cache *k = list_entry(pos, struct kmem_cache, list);
			struct slabinfo si;
			kmm_get_slabinfo(k, &si);
			if (si.num_slabs)
				print_message("%s slabs %lu active_objs %lu\n", k->name,
					      si.num_slabs, si.active_objs);
		}
	}
	assert_int_equal(total_free_pages(m), free0);
	check_invariants(m, true);
	free(live);
	kmm_cpu_leave(m);
	kmm_machine_shutdown(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_random) };
	return cmocka_run_group_tests(tests, NULL, NULL);
}
