/* SPDX-License-Identifier: MIT */
/*
 * src/mm/page_alloc.c - the buddy page allocator: free lists per order and
 * migratetype, pageblock migratetypes and fallback stealing, per-CPU page
 * lists, watermarks and the allocation fast path (mm/page_alloc.c).
 *
 * What it owns: zone->free_area[], pageblock flags, pcp lists, watermark
 * and lowmem_reserve values, the alloc/free entry points.  What it does
 * not: the retry loop of the slow path (page_alloc_slow.c), boot-time
 * zone setup (mm_init.c), /proc formatting (vmstat.c).
 *
 * Locking: pcp lists belong to the CPU slot that owns them; only the slot
 * owner touches them (other CPUs ask for drains, see kmm_drain_all_pages).
 * zone->lock guards free_area[] and pageblock migratetypes; it nests
 * inside slot ownership.  The per-CPU-list fast paths take no lock and no
 * atomic read-modify-write except the page refcount on free; orders above
 * PAGE_ALLOC_COSTLY_ORDER take zone->lock there too, as in the general path.
 *
 * Invariants (checked by tests/test_page_alloc*.c):
 *   - a free block of order N is PageBuddy with buddy_order == N, its
 *     first pfn is N-aligned, it is on exactly one free list of its zone;
 *   - NR_FREE_PAGES of a zone == pages in its free lists (isolated
 *     pageblocks excepted, as in Linux); pcp pages are not counted free;
 *   - two free buddies of equal order never coexist (they merge), except
 *     across a migratetype barrier (isolate/highatomic pageblocks).
 */
#include "internal.h"

#define MAX_ORDER_NR_PAGES (1UL << MAX_PAGE_ORDER)
#define PB_MIGRATE_BITS 4

/* ---- pageblock flags ----------------------------------------------------- */

static inline unsigned long pb_bitidx(const struct zone *z, kmm_pfn_t pfn)
{
	/* pageblocks counted from the one holding the zone's first pfn */
	return (unsigned long)((pfn >> pageblock_order) - (z->zone_start_pfn >> pageblock_order)) *
	       PB_MIGRATE_BITS;
}

static inline int zone_pfnblock_migratetype(const struct zone *z, kmm_pfn_t pfn)
{
	unsigned long idx = pb_bitidx(z, pfn);
	unsigned long w = __atomic_load_n(&z->pageblock_flags[idx / 64], __ATOMIC_RELAXED);
	return (int)((w >> (idx % 64)) & 0x7);
}

static inline int get_pfnblock_migratetype(const struct kmm_machine *m, const struct page *page,
					   kmm_pfn_t pfn)
{
	return zone_pfnblock_migratetype(kmm_page_zone(m, page), pfn);
}

int get_pageblock_migratetype(const struct kmm_machine *m, const struct page *page)
{
	return get_pfnblock_migratetype(m, page, kmm_page_to_pfn(m, page));
}

void set_pageblock_migratetype(struct kmm_machine *m, struct page *page, int mt)
{
	struct zone *z = kmm_page_zone(m, page);
	if (m->vm.page_group_by_mobility_disabled && mt < MIGRATE_PCPTYPES)
		mt = MIGRATE_UNMOVABLE;
	unsigned long idx = pb_bitidx(z, kmm_page_to_pfn(m, page));
	unsigned long *w = &z->pageblock_flags[idx / 64];
	unsigned long mask = 0x7UL << (idx % 64);
	unsigned long old = __atomic_load_n(w, __ATOMIC_RELAXED), nw;
	do {
		nw = (old & ~mask) | ((unsigned long)mt << (idx % 64));
	} while (!__atomic_compare_exchange_n(w, &old, nw, false, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
}

static inline bool is_migrate_isolate(int mt)
{
	return mt == MIGRATE_ISOLATE;
}
static inline bool is_migrate_highatomic(int mt)
{
	return mt == MIGRATE_HIGHATOMIC;
}
static inline bool migratetype_is_mergeable(int mt)
{
	return mt < MIGRATE_PCPTYPES;
}

/* ---- free lists ------------------------------------------------------------- */

static inline void set_buddy_order(struct page *page, unsigned order)
{
	page->private = order;
	kmm_page_set_type(page, PGTY_buddy | order);
}

static inline void account_freepages(struct kmm_machine *m, struct kmm_cpu *c, struct zone *z,
				     long nr, int mt)
{
	if (is_migrate_isolate(mt))
		return;
	__mod_zone_page_state(m, c, z, NR_FREE_PAGES, nr);
}

static inline void __add_to_free_list(struct page *page, struct zone *z, unsigned order, int mt,
				      bool tail)
{
	struct free_area *area = &z->free_area[order];
	if (tail)
		list_add_tail(&page->lru, &area->free_list[mt]);
	else
		list_add(&page->lru, &area->free_list[mt]);
	area->nr_free++;
}

static inline void __del_page_from_free_list(struct page *page, struct zone *z, unsigned order)
{
	list_del(&page->lru);
	kmm_page_clear_type(page);
	page->private = 0;
	z->free_area[order].nr_free--;
}

static inline struct page *get_page_from_free_area(struct free_area *area, int mt)
{
	if (list_empty(&area->free_list[mt]))
		return NULL;
	return list_first_entry(&area->free_list[mt], struct page, lru);
}

static inline bool free_area_empty(const struct free_area *area, int mt)
{
	return list_empty(&area->free_list[mt]);
}

/* Is @buddy the free buddy of @page at @order, in the same zone? */
static inline bool page_is_buddy(const struct kmm_machine *m, const struct page *page,
				 const struct page *buddy, unsigned order)
{
	if (!PageBuddy(buddy) || buddy_order(buddy) != order)
		return false;
	return kmm_page_zone(m, page) == kmm_page_zone(m, buddy);
}

/*
 * Free a block into the buddy, merging with free buddies as far as
 * possible.  Caller holds zone->lock.
 */
static void __free_one_page(struct kmm_machine *m, struct kmm_cpu *c, struct page *page,
			    kmm_pfn_t pfn, struct zone *z, unsigned order, int mt, bool to_tail)
{
	account_freepages(m, c, z, 1L << order, mt);
	while (order < MAX_PAGE_ORDER) {
		kmm_pfn_t buddy_pfn = pfn ^ (1UL << order);
		struct page *buddy = page + ((long)buddy_pfn - (long)pfn);
		if (!page_is_buddy(m, page, buddy, order))
			break;
		if (order >= pageblock_order) {
			/* never merge isolated or highatomic blocks with others */
			int bmt = get_pfnblock_migratetype(m, buddy, buddy_pfn);
			if (mt != bmt &&
			    (!migratetype_is_mergeable(mt) || !migratetype_is_mergeable(bmt)))
				break;
		}
		__del_page_from_free_list(buddy, z, order);
		kmm_pfn_t combined = buddy_pfn & pfn;
		page = page + ((long)combined - (long)pfn);
		pfn = combined;
		order++;
	}
	set_buddy_order(page, order);
	/*
	 * If the next-higher buddy is free, this block is likely to merge
	 * soon: put it at the tail so it is not handed out first.
	 */
	if (!to_tail && order < MAX_PAGE_ORDER - 1) {
		kmm_pfn_t higher = (pfn & ~((2UL << order) - 1)) ^ (2UL << order);
		if (kmm_pfn_valid(m, higher)) {
			struct page *hb = kmm_pfn_to_page(m, higher);
			to_tail = page_is_buddy(m, page, hb, order + 1);
		}
	}
	__add_to_free_list(page, z, order, mt, to_tail);
}

/*
 * Split a block of order @high, keeping the first 2^low pages; the halves
 * stay free (the caller accounts only what leaves the free lists).
 */
static inline void expand(struct zone *z, struct page *page, unsigned low, unsigned high, int mt)
{
	unsigned long size = 1UL << high;
	while (high > low) {
		high--;
		size >>= 1;
		__add_to_free_list(&page[size], z, high, mt, false);
		set_buddy_order(&page[size], high);
	}
}

static struct page *__rmqueue_smallest(struct kmm_machine *m, struct kmm_cpu *c, struct zone *z,
				       unsigned order, int mt)
{
	for (unsigned cur = order; cur < NR_PAGE_ORDERS; cur++) {
		struct free_area *area = &z->free_area[cur];
		struct page *page = get_page_from_free_area(area, mt);
		if (!page)
			continue;
		/* one NR_FREE_PAGES update for the pages taken, as Linux's
		 * page_del_and_expand(): the split halves never left */
		__del_page_from_free_list(page, z, cur);
		expand(z, page, order, cur, mt);
		account_freepages(m, c, z, -(1L << order), mt);
		return page;
	}
	return NULL;
}

static const int fallbacks[MIGRATE_PCPTYPES][MIGRATE_PCPTYPES - 1] = {
	[MIGRATE_UNMOVABLE] = { MIGRATE_RECLAIMABLE, MIGRATE_MOVABLE },
	[MIGRATE_MOVABLE] = { MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE },
	[MIGRATE_RECLAIMABLE] = { MIGRATE_UNMOVABLE, MIGRATE_MOVABLE },
};

/*
 * Move the free blocks of the pageblock containing @page to @mt's lists.
 * Returns the number of free pages moved.  Caller holds zone->lock.
 */
/*
 * A free block larger than a pageblock that covers @start is split into
 * pageblock-sized blocks, each on its own block's list, so one pageblock
 * can change type alone (Linux split_large_buddy).  Caller holds zone->lock.
 */
static void split_large_buddy_at(struct kmm_machine *m, struct zone *z, kmm_pfn_t start)
{
	for (unsigned o = pageblock_order + 1; o < NR_PAGE_ORDERS; o++) {
		kmm_pfn_t head = start & ~((1UL << o) - 1);
		if (!kmm_pfn_valid(m, head))
			return;
		struct page *hp = kmm_pfn_to_page(m, head);
		if (!PageBuddy(hp) || buddy_order(hp) != o)
			continue;
		__del_page_from_free_list(hp, z, o);
		for (kmm_pfn_t p = head; p < head + (1UL << o); p += pageblock_nr_pages) {
			struct page *pp = kmm_pfn_to_page(m, p);
			__add_to_free_list(pp, z, pageblock_order,
					   get_pfnblock_migratetype(m, pp, p), false);
			set_buddy_order(pp, pageblock_order);
		}
		return;
	}
}

static int __move_freepages_block(struct kmm_machine *m, struct zone *z, struct page *page,
				  int old_mt, int mt, int *movable_pages)
{
	kmm_pfn_t pfn = kmm_page_to_pfn(m, page);
	kmm_pfn_t start = KMM_ALIGN_DOWN(pfn, (kmm_pfn_t)pageblock_nr_pages);
	kmm_pfn_t end = start + pageblock_nr_pages;
	int moved = 0;
	split_large_buddy_at(m, z, start);
	if (start < z->zone_start_pfn)
		start = z->zone_start_pfn;
	if (end > zone_end_pfn(z))
		end = zone_end_pfn(z);
	for (kmm_pfn_t p = start; p < end;) {
		if (!kmm_pfn_valid(m, p)) {
			p++;
			continue;
		}
		struct page *pg = kmm_pfn_to_page(m, p);
		if (!PageBuddy(pg)) {
			/* pages on an LRU list can be migrated away later */
			if (movable_pages && PageLRU(pg))
				(*movable_pages)++;
			p++;
			continue;
		}
		unsigned order = buddy_order(pg);
		list_move_tail(&pg->lru, &z->free_area[order].free_list[mt]);
		moved += 1 << order;
		p += 1UL << order;
	}
	/* isolated pages are not counted free: fix the counter on transitions */
	if (moved && is_migrate_isolate(old_mt) != is_migrate_isolate(mt)) {
		/* straight into the zone and global counters: we hold zone->lock
		 * and must not enter CPU-slot work that could take it again */
		long d = is_migrate_isolate(mt) ? -moved : moved;
		atomic_fetch_add(&z->vm_stat[NR_FREE_PAGES], d);
		atomic_fetch_add(&m->vm_zone_stat[NR_FREE_PAGES], d);
	}
	return moved;
}

int move_freepages_block(struct kmm_machine *m, struct zone *z, struct page *page, int mt)
{
	return __move_freepages_block(m, z, page, get_pageblock_migratetype(m, page), mt, NULL);
}

int move_freepages_block_from(struct kmm_machine *m, struct zone *z, struct page *page, int old_mt,
			      int mt)
{
	return __move_freepages_block(m, z, page, old_mt, mt, NULL);
}

static void change_pageblock_range(struct kmm_machine *m, struct page *page, unsigned order, int mt)
{
	unsigned long nr = 1UL << (order - pageblock_order);
	while (nr--) {
		set_pageblock_migratetype(m, page, mt);
		page += pageblock_nr_pages;
	}
}

static bool can_steal_fallback(struct kmm_machine *m, unsigned order, int start_mt)
{
	if (order >= pageblock_order)
		return true;
	return order >= pageblock_order / 2 || start_mt == MIGRATE_RECLAIMABLE ||
	       start_mt == MIGRATE_UNMOVABLE || m->vm.page_group_by_mobility_disabled;
}

static int find_suitable_fallback(struct kmm_machine *m, struct free_area *area, unsigned order,
				  int mt, bool *can_steal)
{
	*can_steal = false;
	if (!area->nr_free)
		return -1;
	for (int i = 0; i < MIGRATE_PCPTYPES - 1; i++) {
		int fmt = fallbacks[mt][i];
		if (free_area_empty(area, fmt))
			continue;
		*can_steal = can_steal_fallback(m, order, mt);
		return fmt;
	}
	return -1;
}

/*
 * Take over a block of another migratetype: the whole pageblock if enough
 * of it is free (or alike), otherwise just the block itself.
 */
static void steal_suitable_fallback(struct kmm_machine *m, struct zone *z, struct page *page,
				    unsigned cur, int start_mt, bool whole_block)
{
	int old = get_pageblock_migratetype(m, page);
	if (is_migrate_highatomic(old))
		goto single;
	if (cur >= pageblock_order) {
		change_pageblock_range(m, page, cur, start_mt);
		goto single;
	}
	if (!whole_block)
		goto single;
	int movable = 0, alike;
	int free_pages = __move_freepages_block(m, z, page, old, start_mt, &movable);
	/*
	 * Pages "alike" the request: for a movable request the movable
	 * (LRU) pages; for another request in a movable block, the pages
	 * that are neither free nor movable (Linux's heuristic).
	 */
	if (start_mt == MIGRATE_MOVABLE)
		alike = movable;
	else if (old == MIGRATE_MOVABLE)
		alike = (int)pageblock_nr_pages - (free_pages + movable);
	else
		alike = 0;
	if (free_pages + alike >= (1 << (pageblock_order - 1)) ||
	    m->vm.page_group_by_mobility_disabled)
		set_pageblock_migratetype(m, page, start_mt);
	return;
single:
	list_move(&page->lru, &z->free_area[cur].free_list[start_mt]);
}

static bool __rmqueue_fallback(struct kmm_machine *m, struct zone *z, unsigned order, int start_mt,
			       unsigned alloc_flags)
{
	unsigned min_order = order;
	int cur, fmt = -1;
	bool can_steal = false;
	struct free_area *area = NULL;

	if (alloc_flags & ALLOC_NOFRAGMENT)
		min_order = pageblock_order;
	/* the largest free block of another type: fewer, bigger steals */
	for (cur = MAX_PAGE_ORDER; cur >= (int)min_order; --cur) {
		area = &z->free_area[cur];
		fmt = find_suitable_fallback(m, area, (unsigned)cur, start_mt, &can_steal);
		if (fmt == -1)
			continue;
		/* movable allocations steal the smallest block if they cannot
		 * take the whole pageblock, to not pollute it */
		if (!can_steal && start_mt == MIGRATE_MOVABLE && cur > (int)order)
			goto find_smallest;
		goto do_steal;
	}
	return false;
find_smallest:
	for (cur = (int)order; cur < NR_PAGE_ORDERS; cur++) {
		area = &z->free_area[cur];
		fmt = find_suitable_fallback(m, area, (unsigned)cur, start_mt, &can_steal);
		if (fmt != -1)
			break;
	}
	if (fmt == -1)
		return false;
do_steal:;
	struct page *page = get_page_from_free_area(area, fmt);
	steal_suitable_fallback(m, z, page, (unsigned)cur, start_mt, can_steal);
	return true;
}

static struct page *__rmqueue(struct kmm_machine *m, struct kmm_cpu *c, struct zone *z,
			      unsigned order, int mt, unsigned alloc_flags)
{
	struct page *page;
retry:
	page = __rmqueue_smallest(m, c, z, order, mt);
	if (unlikely(!page) && __rmqueue_fallback(m, z, order, mt, alloc_flags))
		goto retry;
	return page;
}

/* ---- per-CPU page lists ---------------------------------------------------- */

static inline unsigned order_to_pindex(int mt, unsigned order)
{
	return (unsigned)(MIGRATE_PCPTYPES * order) + (unsigned)mt;
}
static inline unsigned pindex_to_order(unsigned pindex)
{
	return pindex / MIGRATE_PCPTYPES;
}
static inline bool pcp_allowed_order(unsigned order)
{
	return order <= PAGE_ALLOC_COSTLY_ORDER;
}

static inline void pcp_set_count(struct per_cpu_pages *pcp, int v)
{
	/* read locklessly by /proc/zoneinfo */
	__atomic_store_n(&pcp->count, v, __ATOMIC_RELAXED);
}

/* Pages on the pcp lists of (@z, @cpu); racy snapshot for reports. */
int kmm_pcp_count(struct zone *z, int cpu)
{
	if (!z->per_cpu_pageset)
		return 0;
	return __atomic_load_n(&z->per_cpu_pageset[cpu].count, __ATOMIC_RELAXED);
}

/* Move @count pages from the pcp lists back to the buddy. */
static void free_pcppages_bulk(struct kmm_machine *m, struct kmm_cpu *c, struct zone *z, int count,
			       struct per_cpu_pages *pcp, unsigned pindex)
{
	count = KMM_MIN(count, pcp->count);
	if (count <= 0)
		return;
	spin_lock(&z->lock);
	while (count > 0) {
		struct list_head *list;
		/* round-robin over the lists, skipping empty ones */
		do {
			if (++pindex >= NR_PCP_LISTS)
				pindex = 0;
			list = &pcp->lists[pindex];
		} while (list_empty(list));
		unsigned order = pindex_to_order(pindex);
		int nr = 1 << order;
		do {
			struct page *page = list_last_entry(list, struct page, lru);
			list_del(&page->lru);
			/* the block's type now (it may have been stolen or
			 * isolated while the page sat on the pcp list) */
			kmm_pfn_t pfn = kmm_page_to_pfn(m, page);
			int mt = get_pfnblock_migratetype(m, page, pfn);
			count -= nr;
			pcp->count -= nr;
			__free_one_page(m, c, page, pfn, z, order, mt, false);
		} while (count > 0 && !list_empty(list));
	}
	spin_unlock(&z->lock);
	pcp_set_count(pcp, pcp->count);
}

static void drain_zone_pages(struct kmm_machine *m, struct kmm_cpu *c, struct zone *z)
{
	struct per_cpu_pages *pcp = &z->per_cpu_pageset[c->id];
	if (pcp->count)
		free_pcppages_bulk(m, c, z, pcp->count, pcp, 0);
}

/* Drain slot @cpu's lists; the caller must own that slot. */
void kmm_drain_local_pages(struct kmm_machine *m, int cpu)
{
	struct kmm_cpu *c = &m->cpus[cpu];
	int nid;
	for_each_online_node(m, nid)
	{
		for (int zt = 0; zt < MAX_NR_ZONES; zt++) {
			struct zone *z = &m->node_data[nid]->node_zones[zt];
			if (z->per_cpu_pageset)
				drain_zone_pages(m, c, z);
		}
	}
}

/*
 * Drain every CPU's lists: our own directly, free slots by claiming them,
 * slots owned by other threads by asking them (they drain at their next
 * entry into the allocator, as a CPU answers an IPI).
 */
void kmm_drain_all_pages(struct kmm_machine *m)
{
	struct kmm_cpu *self = kmm_get_cpu(m);
	kmm_drain_local_pages(m, self->id);
	for (int i = 0; i < m->nr_cpu_ids; i++) {
		struct kmm_cpu *c = &m->cpus[i];
		if (c == self)
			continue;
		if (kmm_cpu_try_claim(c)) {
			atomic_store_explicit(&c->pending, 0, memory_order_relaxed);
			kmm_drain_local_pages(m, i);
			kmm_cpu_release(c);
		} else {
			kmm_cpu_post_work(c, KMM_CPU_DRAIN_PCP);
		}
	}
	kmm_put_cpu(m, self);
}

/* Linux zone_batchsize(): about 1/4 MiB or 1/1024 of the zone, 2^n - 1. */
static int zone_batchsize(const struct zone *z)
{
	unsigned long batch = KMM_MIN(zone_managed_pages(z) >> 10, (1UL << 20) / KMM_PAGE_SIZE);
	batch /= 4;
	if (batch < 1)
		batch = 1;
	batch = kmm_rounddown_pow_of_two(batch + batch / 2) - 1;
	return (int)(batch ? batch : 1);
}

static int zone_highsize(struct kmm_machine *m, const struct zone *z, int batch)
{
	unsigned long total;
	int frac = m->vm.percpu_pagelist_high_fraction;
	if (frac)
		total = zone_managed_pages(z) / (unsigned long)frac;
	else
		total = low_wmark_pages(z);
	int cpus = 0;
	for (int i = 0; i < m->nr_cpu_ids; i++)
		cpus += m->cpus[i].node == z->node;
	if (!cpus)
		cpus = 1;
	unsigned long high = total / (unsigned long)cpus;
	high = KMM_MAX(high, (unsigned long)batch << 2);
	return (int)KMM_MIN(high, 1UL << 20);
}

void zone_pcp_init(struct kmm_machine *m, struct zone *z)
{
	for (int cpu = 0; cpu < m->nr_cpu_ids; cpu++) {
		struct per_cpu_pages *pcp = &z->per_cpu_pageset[cpu];
		for (int i = 0; i < NR_PCP_LISTS; i++)
			INIT_LIST_HEAD(&pcp->lists[i]);
		pcp->count = 0;
		/* boot pagesets: batch 1, nothing stays on the lists */
		pcp->high = 0;
		pcp->batch = 1;
		pcp->free_count = 0;
	}
}

/* Recompute pcp batch/high after managed pages or watermarks changed. */
void zone_pcp_update_all(struct kmm_machine *m)
{
	int nid;
	for_each_online_node(m, nid)
	{
		for (int zt = 0; zt < MAX_NR_ZONES; zt++) {
			struct zone *z = &m->node_data[nid]->node_zones[zt];
			if (!z->per_cpu_pageset)
				continue;
			int batch = zone_batchsize(z);
			int high = zone_highsize(m, z, batch);
			z->pageset_batch = batch;
			z->pageset_high_max = high;
			for (int cpu = 0; cpu < m->nr_cpu_ids; cpu++) {
				struct per_cpu_pages *pcp = &z->per_cpu_pageset[cpu];
				__atomic_store_n(&pcp->batch, batch, __ATOMIC_RELAXED);
				__atomic_store_n(&pcp->high, high, __ATOMIC_RELAXED);
			}
		}
	}
}

/*
 * The count at which a free to @pcp gives pages back to the buddy (nr_pcp_high):
 * pcp->high, but while kswapd reclaims the zone only 4 batches, else what
 * kswapd frees would stay on its own CPU's list, out of the other CPUs'
 * reach and out of NR_FREE_PAGES, and it would reclaim again for them.
 */
static KMM_ALWAYS_INLINE int pcp_high(const struct zone *z, const struct per_cpu_pages *pcp)
{
	int high = __atomic_load_n(&pcp->high, __ATOMIC_RELAXED);

	if (unlikely(atomic_load_explicit(&z->reclaim_active, memory_order_relaxed))) {
		int b = __atomic_load_n(&pcp->batch, __ATOMIC_RELAXED) << 2;

		if (b < high)
			high = b;
	}
	return high;
}

static int nr_pcp_free(struct per_cpu_pages *pcp, int high, int batch)
{
	if (unlikely(high < batch))
		return 1;
	int min_nr_free = batch, max_nr_free = high - batch;
	batch <<= pcp->free_count; /* free_count is Linux's free_factor */
	if (batch < max_nr_free && pcp->free_count < 8)
		pcp->free_count++;
	return KMM_MAX(min_nr_free, KMM_MIN(batch, max_nr_free));
}

/* ---- page state checks and the report ---------------------------------------- */

static inline unsigned page_alloc_order(const struct page *p)
{
	unsigned long f = atomic_load_explicit((atomic_ulong *)&p->flags, memory_order_relaxed);
	return (unsigned)((f & KMM_ALLOC_ORDER_MASK) >> KMM_ALLOC_ORDER_SHIFT);
}

/* Atomic: other holders of the page may change its flags meanwhile. */
static inline void set_page_alloc_order(struct page *p, unsigned order_plus_one)
{
	unsigned long f = atomic_load_explicit(&p->flags, memory_order_relaxed), n;
	do {
		n = (f & ~KMM_ALLOC_ORDER_MASK) |
		    ((unsigned long)order_plus_one << KMM_ALLOC_ORDER_SHIFT);
	} while (f != n && !atomic_compare_exchange_weak_explicit(
				   &p->flags, &f, n, memory_order_relaxed, memory_order_relaxed));
}

/*
 * Report a page in a state it must not be in (mm/page_alloc.c bad_page).
 * The page is left alone afterwards: never reused, never freed.
 */
void bad_page(struct kmm_machine *m, struct page *page, const char *reason)
{
	int cpu = kmm_cpu_current(m);
	pr_emerg(m, "BUG: Bad page state in process kmm  pfn:%05llx",
		 (unsigned long long)kmm_page_to_pfn(m, page));
	dump_page(m, page, reason);
	pr_emerg(m, "CPU: %d PID: 0 Comm: kmm Tainted: G    B", cpu < 0 ? 0 : cpu);
	atomic_fetch_add(&m->nr_bad_pages, 1);
}

#define PAGE_FLAGS_CHECK_AT_FREE                                                                \
	((1UL << PG_lru) | (1UL << PG_locked) | (1UL << PG_private) | (1UL << PG_private_2) |   \
	 (1UL << PG_writeback) | (1UL << PG_reserved) | (1UL << PG_slab) | (1UL << PG_active) | \
	 (1UL << PG_unevictable) | (1UL << PG_mlocked))
#define PAGE_FLAGS_CHECK_AT_PREP (KMM_PAGEFLAGS_MASK & ~(1UL << PG_hwpoison))

/* Why a page cannot be freed now, or NULL if it can. */
static const char *page_bad_reason_at_free(const struct page *page)
{
	unsigned long f = atomic_load_explicit((atomic_ulong *)&page->flags, memory_order_relaxed);
	if (kmm_page_type(page) != PAGE_TYPE_NONE)
		return PageBuddy(page) ? "freeing a page that is free in the buddy allocator" :
					 "nonzero mapcount";
	if (page->mapping)
		return "non-NULL mapping";
	if (f & PAGE_FLAGS_CHECK_AT_FREE)
		return "PAGE_FLAGS_CHECK_AT_FREE flag(s) set";
	return NULL;
}

/* Checks before the refcount drop: catch double and bogus frees. */
static const char *page_bad_reason_at_put(const struct page *page, unsigned order)
{
	if (PageTail(page))
		return "freeing a tail page of a compound page";
	if (PageReserved(page))
		return "PG_reserved set: page is not owned by the page allocator";
	if (PageBuddy(page))
		return "double free: page is free in the buddy allocator";
	if (page_ref_count(page) <= 0)
		return page_alloc_order(page) ? "double free: page has refcount 0" :
						"freeing a page that was not allocated "
						"(refcount 0, not the start of a block)";
	unsigned a = page_alloc_order(page);
	if (a && a - 1 != order)
		return "freed with an order other than the one it was allocated with";
	if (PageHead(page) && compound_order(page) != order)
		return "compound page freed with the wrong order";
	return NULL;
}

/* compound_head, and the word holding compound_order (lru.prev) whole */
static KMM_ALWAYS_INLINE void clear_compound_tail(struct page *t)
{
	_Static_assert(offsetof(struct page, compound_order) == offsetof(struct page, lru.prev),
		       "compound_order overlays lru.prev");
	t->compound_head = 0;
	t->lru.prev = NULL;
}

/*
 * Check that every tail page of the compound block at @page (order >= 1)
 * points back at it, and turn them into plain pages again.  A tail with
 * another compound_head is reported and stops the free (the block leaks).
 */
static KMM_ALWAYS_INLINE bool free_tail_pages_prepare(struct kmm_machine *m, struct page *page,
						      unsigned order)
{
	/* compound_head(t) == page, for t != page: the raw word is page | 1 */
	const unsigned long head = (unsigned long)page | 1UL;
	struct page *t = page + 1, *end = page + (1UL << order);
	if (unlikely(__atomic_load_n(&t->compound_head, __ATOMIC_RELAXED) != head))
		goto bad;
	clear_compound_tail(t);
	/* the remaining 2^order - 2 tails, two at a time */
	for (t += 1; t != end; t += 2) {
		unsigned long h0 = __atomic_load_n(&t[0].compound_head, __ATOMIC_RELAXED);
		unsigned long h1 = __atomic_load_n(&t[1].compound_head, __ATOMIC_RELAXED);
		if (unlikely(((h0 ^ head) | (h1 ^ head)) != 0)) {
			t += h0 == head; /* the first bad one */
			goto bad;
		}
		clear_compound_tail(&t[0]);
		clear_compound_tail(&t[1]);
	}
	return true;
bad:
	bad_page(m, t, "corrupted compound_head in tail page");
	return false;
}

static bool free_pages_prepare(struct kmm_machine *m, struct page *page, unsigned order)
{
	const char *why = page_bad_reason_at_free(page);
	if (unlikely(why)) {
		bad_page(m, page, why);
		return false;
	}
	if (PageHead(page) && order && unlikely(!free_tail_pages_prepare(m, page, order)))
		return false;
	/* keep only the zone/node/section links */
	unsigned long f = atomic_load_explicit(&page->flags, memory_order_relaxed);
	atomic_store_explicit(&page->flags, f & ~(KMM_PAGEFLAGS_MASK | KMM_ALLOC_ORDER_MASK),
			      memory_order_relaxed);
	page->private = 0;
	return true;
}

static KMM_ALWAYS_INLINE void __free_prepared_page(struct kmm_machine *m, struct page *page,
						   unsigned order, unsigned long f);

static void check_new_page_bad(struct kmm_machine *m, struct page *page)
{
	const char *why = "nonzero _refcount";
	if (kmm_page_type(page) != PAGE_TYPE_NONE)
		why = "nonzero mapcount";
	else if (page->mapping)
		why = "non-NULL mapping";
	else if (atomic_load_explicit(&page->flags, memory_order_relaxed) &
		 PAGE_FLAGS_CHECK_AT_PREP)
		why = "PAGE_FLAGS_CHECK_AT_PREP flag(s) set";
	bad_page(m, page, why);
}

/* A free block as allocation wants it (flags @f): check_new_page() in one test. */
static KMM_ALWAYS_INLINE bool page_new_ok(const struct page *page, unsigned long f)
{
	return kmm_page_type(page) == PAGE_TYPE_NONE && !page->mapping &&
	       page_ref_count(page) == 0 && !(f & PAGE_FLAGS_CHECK_AT_PREP);
}

/*
 * The struct page side of a free's one-test check (the flags are tested
 * by the caller against the order it frees with): no type, no mapping,
 * not a tail, and the caller's reference is the only one.
 */
static KMM_ALWAYS_INLINE bool page_free_ok(const struct page *page)
{
	return kmm_page_type(page) == PAGE_TYPE_NONE && !page->mapping && !PageTail(page) &&
	       page_ref_count(page) == 1;
}

static inline bool check_new_page(struct kmm_machine *m, struct page *page, unsigned long f)
{
	if (likely(page_new_ok(page, f)))
		return false;
	check_new_page_bad(m, page);
	return true;
}

/* Tail pages point at the head; the first tail holds the order (order >= 1). */
static KMM_ALWAYS_INLINE void prep_compound_tails(struct page *page, unsigned order)
{
	const unsigned long head = (unsigned long)page | 1UL;
	__atomic_store_n(&page[1].compound_head, head, __ATOMIC_RELAXED);
	/* the remaining 2^order - 2 tails, two at a time */
	for (struct page *t = page + 2, *end = page + (1UL << order); t != end; t += 2) {
		__atomic_store_n(&t[0].compound_head, head, __ATOMIC_RELAXED);
		__atomic_store_n(&t[1].compound_head, head, __ATOMIC_RELAXED);
	}
	page[1].compound_order = (unsigned char)order;
}

void prep_compound_page(struct page *page, unsigned order)
{
	SetPageHead(page);
	if (order)
		prep_compound_tails(page, order);
}

/* prep_new_page() but zeroing: refcount, order stamp, compound head and tails. */
static KMM_ALWAYS_INLINE void prep_new_block(struct page *page, unsigned order, bool compound,
					     unsigned long f)
{
	set_page_count(page, 1);
	/* the block is ours alone: PG_head goes in with the same store */
	atomic_store_explicit(&page->flags,
			      (f & ~KMM_ALLOC_ORDER_MASK) |
				      ((unsigned long)(order + 1) << KMM_ALLOC_ORDER_SHIFT) |
				      ((unsigned long)compound << PG_head),
			      memory_order_relaxed);
	if (compound)
		prep_compound_tails(page, order);
}

static inline void prep_new_page(struct kmm_machine *m, struct page *page, unsigned order,
				 gfp_t gfp, unsigned long f)
{
	prep_new_block(page, order, order && (gfp & __GFP_COMP), f);
	if (gfp & __GFP_ZERO)
		kmm_memset(kmm_page_address(m, page), 0, KMM_PAGE_SIZE << order);
}

/* ---- freeing ------------------------------------------------------------- */

static void free_one_page(struct kmm_machine *m, struct kmm_cpu *c, struct zone *z,
			  struct page *page, kmm_pfn_t pfn, unsigned order)
{
	spin_lock(&z->lock);
	/* the block's type may change until we hold the lock: read it now */
	__free_one_page(m, c, page, pfn, z, order, get_pfnblock_migratetype(m, page, pfn), false);
	spin_unlock(&z->lock);
}

/* Free a block whose refcount reached zero. */
static void free_the_page(struct kmm_machine *m, struct page *page, unsigned order)
{
	if (unlikely(!free_pages_prepare(m, page, order)))
		return;
	__free_prepared_page(m, page, order,
			     atomic_load_explicit(&page->flags, memory_order_relaxed));
}

/*
 * Hand a checked, cleared block (flags @f) to the pcp lists or the buddy,
 * on CPU slot @c the caller holds.
 */
static KMM_ALWAYS_INLINE void __free_prepared_page_pfn(struct kmm_machine *m, struct kmm_cpu *c,
						       struct page *page, kmm_pfn_t pfn,
						       unsigned order, unsigned long f)
{
	struct zone *z = &m->node_data[(f >> KMM_NODES_PGSHIFT) & ((1UL << KMM_NODES_SHIFT) - 1)]
				  ->node_zones[f >> KMM_ZONES_PGSHIFT];
	__count_vm_events(c, PGFREE, 1UL << order);
	if (likely(pcp_allowed_order(order))) {
		int mt = zone_pfnblock_migratetype(z, pfn);
		if (unlikely(mt >= MIGRATE_PCPTYPES)) {
			if (is_migrate_isolate(mt)) {
				free_one_page(m, c, z, page, pfn, order);
				return;
			}
			mt = MIGRATE_MOVABLE; /* highatomic pages ride the movable list */
		}
		struct per_cpu_pages *pcp = &z->per_cpu_pageset[c->id];
		unsigned pindex = order_to_pindex(mt, order);
		list_add(&page->lru, &pcp->lists[pindex]);
		int count = pcp->count + (1 << order);
		pcp_set_count(pcp, count);
		/* high and batch change under sysctl writes: read them once */
		int high = pcp_high(z, pcp);
		if (unlikely(count >= high)) {
			int batch = __atomic_load_n(&pcp->batch, __ATOMIC_RELAXED);
			free_pcppages_bulk(m, c, z, nr_pcp_free(pcp, high, batch), pcp, pindex);
		}
		return;
	}
	free_one_page(m, c, z, page, pfn, order);
}

/* Hand a checked, cleared block (flags @f) to the pcp lists or the buddy. */
static KMM_ALWAYS_INLINE void __free_prepared_page(struct kmm_machine *m, struct page *page,
						   unsigned order, unsigned long f)
{
	struct kmm_cpu *c = kmm_get_cpu(m);
	unsigned long sec = (f >> KMM_SECTIONS_PGSHIFT) & ((1UL << KMM_SECTIONS_WIDTH) - 1);
	kmm_pfn_t pfn = ((uintptr_t)page - m->mem_section[sec].section_mem_map) / sizeof(*page);
	__free_prepared_page_pfn(m, c, page, pfn, order, f);
	kmm_put_cpu(m, c);
}

/*
 * Does @page point into a mem_map array of @m?  (Before we read it.)  If
 * so, *@fp is the flags word it was checked with and *@pfnp its pfn.
 */
static KMM_ALWAYS_INLINE bool page_ptr_valid_get(const struct kmm_machine *m,
						 const struct page *page, unsigned long *fp,
						 kmm_pfn_t *pfnp)
{
	uintptr_t p = (uintptr_t)page;
	uintptr_t off_ram = p - (uintptr_t)m->ram; /* wraps for pointers below ram */
	if (off_ram >= m->ram_bytes || (off_ram & (sizeof(struct page) - 1)))
		return false;
	/* the section named in the flags must hold this very struct page */
	unsigned long f = atomic_load_explicit((atomic_ulong *)&page->flags, memory_order_relaxed);
	unsigned long sec = (f >> KMM_SECTIONS_PGSHIFT) & ((1UL << KMM_SECTIONS_WIDTH) - 1);
	if (unlikely(sec >= m->nr_mem_sections))
		return false;
	const struct mem_section *ms = &m->mem_section[sec];
	kmm_pfn_t pfn = (p - ms->section_mem_map) / sizeof(struct page);
	uint64_t off = pfn - ((kmm_pfn_t)sec << KMM_PFN_SECTION_SHIFT);
	*fp = f;
	*pfnp = pfn;
	return ms->section_mem_map && off >= ms->lo && off < ms->hi;
}

static KMM_ALWAYS_INLINE bool page_ptr_valid(const struct kmm_machine *m, const struct page *page)
{
	unsigned long f;
	kmm_pfn_t pfn;
	return page_ptr_valid_get(m, page, &f, &pfn);
}

/*
 * Our reference to the first page of a non-compound block was not the
 * last: free the rest of the block (Linux); an order-0 page is left
 * exactly as it is for its other holders.
 */
static __attribute__((noinline)) void free_pages_not_last(struct kmm_machine *m, struct page *page,
							  unsigned order)
{
	if (!order)
		return;
	set_page_alloc_order(page, 1);
	while (order-- > 0) {
		struct page *t = page + (1UL << order);
		set_page_count(t, 0);
		free_the_page(m, t, order);
	}
}

static KMM_ALWAYS_INLINE void free_pages_inline(struct kmm_machine *m, struct page *page,
						unsigned order)
{
	if (unlikely(!page_ptr_valid(m, page))) {
		pr_emerg(m,
			 "BUG: Bad page pointer %p: not a struct page of this machine (order %u)",
			 (void *)page, order);
		atomic_fetch_add(&m->nr_bad_pages, 1);
		return;
	}
	/*
	 * The common case in one test: the first page of a non-compound block
	 * allocated with this order, no flag the free path objects to, no
	 * mapping, and ours is the only reference.
	 */
	unsigned long f = atomic_load_explicit(&page->flags, memory_order_relaxed);
	const unsigned long mask =
		PAGE_FLAGS_CHECK_AT_FREE | (1UL << PG_head) | KMM_ALLOC_ORDER_MASK;
	if (likely((f & mask) == ((unsigned long)(order + 1) << KMM_ALLOC_ORDER_SHIFT) &&
		   page_free_ok(page))) {
		if (likely(put_page_testzero(page))) {
			f &= ~(KMM_PAGEFLAGS_MASK | KMM_ALLOC_ORDER_MASK);
			atomic_store_explicit(&page->flags, f, memory_order_relaxed);
			page->private = 0;
			__free_prepared_page(m, page, order, f);
			return;
		}
		/* a get_page() raced in: the general path below sorts it out */
		free_pages_not_last(m, page, order);
		return;
	}
	const char *why = page_bad_reason_at_put(page, order);
	if (unlikely(why)) {
		bad_page(m, page, why);
		return;
	}
	bool head = PageHead(page);
	if (put_page_testzero(page)) {
		free_the_page(m, page, order);
		return;
	}
	if (head)
		return;
	free_pages_not_last(m, page, order);
}

static __attribute__((noinline)) void free_pages_general(struct kmm_machine *m, struct page *page,
							 unsigned order)
{
	free_pages_inline(m, page, order);
}

/*
 * The order >= 1 fast path: a bound CPU (@c) frees the first page of a
 * block allocated with this order, whose struct page pointer was checked,
 * holding its only reference, with nothing set that the free path objects
 * to.  Plain blocks take free_pages_inline()'s checks; compound heads also
 * those of page_bad_reason_at_put() (compound_order == order) and of
 * free_pages_prepare() (every tail points back at the head).  Anything
 * else, reports included, goes the general way.
 */
static __attribute__((noinline)) void free_pages_order_fast(struct kmm_machine *m,
							    struct kmm_cpu *c, struct page *page,
							    unsigned order, unsigned long f,
							    kmm_pfn_t pfn)
{
	const unsigned long mask =
		PAGE_FLAGS_CHECK_AT_FREE | (1UL << PG_head) | KMM_ALLOC_ORDER_MASK;
	/* order + 1 fits the 4-bit field only for order <= 14: larger orders
	 * (bogus, above MAX_PAGE_ORDER) never match and go the general way */
	const unsigned long stamp = (unsigned long)(order + 1) << KMM_ALLOC_ORDER_SHIFT;
	unsigned long fm = f & mask;
	bool compound = fm == (stamp | (1UL << PG_head));
	if (unlikely(!(fm == stamp || compound) || !page_free_ok(page) ||
		     (compound && page[1].compound_order != order))) {
		free_pages_general(m, page, order);
		return;
	}
	if (unlikely(!put_page_testzero(page))) {
		/* a get_page() raced in: a compound block is freed by the
		 * last put_page(), a plain one gives back all but its first
		 * page now, as the general path does */
		if (!compound)
			free_pages_not_last(m, page, order);
		return;
	}
	if (compound && unlikely(!free_tail_pages_prepare(m, page, order)))
		return;
	f &= ~(KMM_PAGEFLAGS_MASK | KMM_ALLOC_ORDER_MASK);
	atomic_store_explicit(&page->flags, f, memory_order_relaxed);
	page->private = 0;
	__free_prepared_page_pfn(m, c, page, pfn, order, f);
}

/*
 * The order-0 fast path, a leaf: a bound CPU frees a page it holds the
 * only reference to, with nothing set that the free path objects to, from
 * an ordinary pageblock, onto a per-CPU list that is not full.  The checks
 * are those of free_pages_inline(); anything else goes the general way.
 */
void __kmm_free_pages(struct kmm_machine *m, struct page *page, unsigned order)
{
	struct kmm_cpu *c = kmm_this_cpu_fast(m);
	unsigned long f;
	kmm_pfn_t pfn;
	if (likely(c && page_ptr_valid_get(m, page, &f, &pfn))) {
		if (order) {
			free_pages_order_fast(m, c, page, order, f, pfn);
			return;
		}
		const unsigned long mask =
			PAGE_FLAGS_CHECK_AT_FREE | (1UL << PG_head) | KMM_ALLOC_ORDER_MASK;
		struct zone *z =
			&m->node_data[(f >> KMM_NODES_PGSHIFT) & ((1UL << KMM_NODES_SHIFT) - 1)]
				 ->node_zones[f >> KMM_ZONES_PGSHIFT];
		int mt = zone_pfnblock_migratetype(z, pfn);
		struct per_cpu_pages *pcp = &z->per_cpu_pageset[c->id];
		if (likely((f & mask) == (1UL << KMM_ALLOC_ORDER_SHIFT) && page_free_ok(page) &&
			   mt < MIGRATE_PCPTYPES && pcp->count + 1 < pcp_high(z, pcp))) {
			if (likely(put_page_testzero(page))) {
				atomic_store_explicit(
					&page->flags,
					f & ~(KMM_PAGEFLAGS_MASK | KMM_ALLOC_ORDER_MASK),
					memory_order_relaxed);
				page->private = 0;
				list_add(&page->lru, &pcp->lists[mt]); /* pindex(mt, 0) */
				pcp_set_count(pcp, pcp->count + 1);
				__count_vm_events(c, PGFREE, 1);
			}
			/* else a get_page() raced in: its put_page() frees the page */
			return;
		}
	}
	free_pages_general(m, page, order);
}

void kmm_put_page(struct kmm_machine *m, struct page *page)
{
	if (unlikely(!page_ptr_valid(m, page))) {
		pr_emerg(m, "BUG: Bad page pointer %p passed to put_page", (void *)page);
		atomic_fetch_add(&m->nr_bad_pages, 1);
		return;
	}
	page = compound_head(page);
	unsigned order = PageHead(page) ? compound_order(page) : 0;
	unsigned a = page_alloc_order(page);
	if (!PageHead(page) && a)
		order = a - 1;
	__kmm_free_pages(m, page, order);
}

void kmm_free_pages(struct kmm_machine *m, void *addr, unsigned order)
{
	if (!addr)
		return;
	struct page *page = kmm_virt_to_page(m, addr);
	if (unlikely(!page || ((uintptr_t)addr & (KMM_PAGE_SIZE - 1)))) {
		pr_emerg(m, "BUG: free_pages(%p, %u): not a page address of this machine", addr,
			 order);
		atomic_fetch_add(&m->nr_bad_pages, 1);
		return;
	}
	__kmm_free_pages(m, page, order);
}

/*
 * Give an isolated pageblock's free blocks back to @mt, merging them with
 * their buddies (Linux unset_migratetype_isolate).  Caller holds
 * zone->lock and a CPU slot @c.
 */
void __unisolate_free_blocks(struct kmm_machine *m, struct kmm_cpu *c, struct zone *z,
			     kmm_pfn_t start, int mt)
{
	for (kmm_pfn_t p = start; p < start + pageblock_nr_pages;) {
		if (!kmm_pfn_valid(m, p) || !zone_spans_pfn(z, p) ||
		    !PageBuddy(kmm_pfn_to_page(m, p))) {
			p++;
			continue;
		}
		struct page *pg = kmm_pfn_to_page(m, p);
		unsigned order = buddy_order(pg);
		__del_page_from_free_list(pg, z, order);
		__free_one_page(m, c, pg, p, z, order, mt, false);
		p += 1UL << order;
	}
}

/* Boot: give a block that memblock did not reserve to the buddy. */
void __free_pages_core(struct kmm_machine *m, struct page *page, unsigned order)
{
	unsigned long nr = 1UL << order;
	for (unsigned long i = 0; i < nr; i++) {
		ClearPageReserved(page + i);
		set_page_count(page + i, 0);
	}
	struct zone *z = kmm_page_zone(m, page);
	atomic_fetch_add(&z->managed_pages, nr);
	struct kmm_cpu *c = kmm_get_cpu(m);
	kmm_pfn_t pfn = kmm_page_to_pfn(m, page);
	spin_lock(&z->lock);
	__free_one_page(m, c, page, pfn, z, order, get_pfnblock_migratetype(m, page, pfn), true);
	spin_unlock(&z->lock);
	kmm_put_cpu(m, c);
}

/* ---- allocation -------------------------------------------------------------- */

static void reserve_highatomic_pageblock(struct kmm_machine *m, struct page *page, struct zone *z)
{
	unsigned long max_managed = zone_managed_pages(z) / 100 + pageblock_nr_pages;
	if (atomic_load_explicit(&z->nr_reserved_highatomic, memory_order_relaxed) >= max_managed)
		return;
	spin_lock(&z->lock);
	if (atomic_load_explicit(&z->nr_reserved_highatomic, memory_order_relaxed) < max_managed) {
		int mt = get_pageblock_migratetype(m, page);
		if (migratetype_is_mergeable(mt)) {
			atomic_fetch_add(&z->nr_reserved_highatomic, pageblock_nr_pages);
			set_pageblock_migratetype(m, page, MIGRATE_HIGHATOMIC);
			move_freepages_block(m, z, page, MIGRATE_HIGHATOMIC);
		}
	}
	spin_unlock(&z->lock);
}

static struct page *rmqueue_buddy(struct kmm_machine *m, struct kmm_cpu *c, struct zone *z,
				  unsigned order, unsigned alloc_flags, int mt)
{
	struct page *page = NULL;
	spin_lock(&z->lock);
	if (alloc_flags & ALLOC_HIGHATOMIC)
		page = __rmqueue_smallest(m, c, z, order, MIGRATE_HIGHATOMIC);
	if (!page)
		page = __rmqueue(m, c, z, order, mt, alloc_flags);
	/* OOM victims and atomic requests may dip into the highatomic reserve */
	if (!page && (alloc_flags & (ALLOC_OOM | ALLOC_NON_BLOCK)))
		page = __rmqueue_smallest(m, c, z, order, MIGRATE_HIGHATOMIC);
	spin_unlock(&z->lock);
	return page;
}

static int rmqueue_bulk(struct kmm_machine *m, struct kmm_cpu *c, struct zone *z, unsigned order,
			int count, struct list_head *list, int mt, unsigned alloc_flags)
{
	int i;
	spin_lock(&z->lock);
	for (i = 0; i < count; i++) {
		struct page *page = __rmqueue(m, c, z, order, mt, alloc_flags);
		if (!page)
			break;
		list_add_tail(&page->lru, list);
	}
	spin_unlock(&z->lock);
	return i;
}

/* Unlink @page from its per-CPU list of @pcp and account its 2^@order pages. */
static KMM_ALWAYS_INLINE void pcp_del(struct per_cpu_pages *pcp, struct page *page, unsigned order)
{
	list_del(&page->lru);
	pcp_set_count(pcp, pcp->count - (1 << order));
}

static KMM_ALWAYS_INLINE struct page *rmqueue_pcplist(struct kmm_machine *m, struct kmm_cpu *c,
						      struct zone *z, unsigned order, int mt,
						      unsigned alloc_flags)
{
	struct per_cpu_pages *pcp = &z->per_cpu_pageset[c->id];
	struct list_head *list = &pcp->lists[order_to_pindex(mt, order)];
	pcp->free_count >>= 1;
	if (list_empty(list)) {
		int batch = __atomic_load_n(&pcp->batch, __ATOMIC_RELAXED);
		if (batch > 1)
			batch = KMM_MAX(batch >> order, 2);
		int got = rmqueue_bulk(m, c, z, order, batch, list, mt, alloc_flags);
		pcp_set_count(pcp, pcp->count + (got << order));
		if (unlikely(list_empty(list)))
			return NULL;
	}
	struct page *page = list_first_entry(list, struct page, lru);
	pcp_del(pcp, page, order);
	return page;
}

/* zone_statistics(c, z, z): the local zone was the preferred one. */
static KMM_ALWAYS_INLINE void zone_statistics_preferred(struct kmm_cpu *c, struct zone *z)
{
	struct per_cpu_zonestat *pz = &z->per_cpu_zonestats[c->id];
	enum numa_stat_item where = z->node == c->node ? NUMA_LOCAL : NUMA_OTHER;
	unsigned long hit =
		atomic_load_explicit(&pz->vm_numa_event[NUMA_HIT], memory_order_relaxed);
	unsigned long w = atomic_load_explicit(&pz->vm_numa_event[where], memory_order_relaxed);
	/* the slot's owner is the only writer, as __count_numa_event() */
	atomic_store_explicit(&pz->vm_numa_event[NUMA_HIT], hit + 1, memory_order_relaxed);
	atomic_store_explicit(&pz->vm_numa_event[where], w + 1, memory_order_relaxed);
}

static inline void zone_statistics(struct kmm_cpu *c, struct zone *preferred, struct zone *z)
{
	if (z->node == preferred->node) {
		__count_numa_event(c, z, NUMA_HIT);
	} else {
		__count_numa_event(c, z, NUMA_MISS);
		__count_numa_event(c, preferred, NUMA_FOREIGN);
	}
	__count_numa_event(c, z, z->node == c->node ? NUMA_LOCAL : NUMA_OTHER);
}

static KMM_ALWAYS_INLINE struct page *rmqueue(struct kmm_machine *m, struct kmm_cpu *c,
					      struct zone *preferred, struct zone *z, int zid,
					      unsigned order, unsigned alloc_flags, int mt)
{
	struct page *page = NULL;
	if (likely(pcp_allowed_order(order)) && !(alloc_flags & ALLOC_HIGHATOMIC))
		page = rmqueue_pcplist(m, c, z, order, mt, alloc_flags);
	if (!page)
		page = rmqueue_buddy(m, c, z, order, alloc_flags, mt);
	if (likely(page)) {
		__count_vm_events(c, (enum vm_event_item)(PGALLOC_DMA + zid), 1UL << order);
		zone_statistics(c, preferred, z);
	}
	return page;
}

/* Part of free memory this allocation may not use at all. */
static inline long zone_watermark_unusable_free(struct zone *z, unsigned order,
						unsigned alloc_flags)
{
	long unusable = (1L << order) - 1;
	if (likely(!(alloc_flags & ALLOC_RESERVES)))
		unusable += (long)atomic_load_explicit(&z->nr_reserved_highatomic,
						       memory_order_relaxed);
	return unusable;
}

/*
 * Is there a free block of at least @order this allocation may take?
 * Read without zone->lock, as Linux does: a stale answer only means one
 * more or one fewer trip to the locked path.  The benign race is hidden
 * from TSan (the kernel's data_race()); the reads are aligned words.
 */
KMM_NO_SANITIZE_THREAD
static bool free_area_has_block_racy(struct zone *z, unsigned order, unsigned alloc_flags)
{
	for (unsigned o = order; o < NR_PAGE_ORDERS; o++) {
		struct free_area *area = &z->free_area[o];
		if (!area->nr_free)
			continue;
		/* open-coded list_empty(): callees would be instrumented */
		for (int mt = 0; mt < MIGRATE_PCPTYPES; mt++)
			if (area->free_list[mt].next != &area->free_list[mt])
				return true;
		if ((alloc_flags & (ALLOC_HIGHATOMIC | ALLOC_OOM)) &&
		    area->free_list[MIGRATE_HIGHATOMIC].next !=
			    &area->free_list[MIGRATE_HIGHATOMIC])
			return true;
	}
	return false;
}

bool __zone_watermark_ok(struct zone *z, unsigned order, unsigned long mark, int highest_zoneidx,
			 unsigned alloc_flags, long free_pages)
{
	long min = (long)mark;
	free_pages -= zone_watermark_unusable_free(z, order, alloc_flags);
	if (unlikely(alloc_flags & ALLOC_RESERVES)) {
		/* __GFP_HIGH: half the min reserve; atomic: a quarter more */
		if (alloc_flags & ALLOC_MIN_RESERVE) {
			min -= min / 2;
			if (alloc_flags & ALLOC_NON_BLOCK)
				min -= min / 4;
		}
		if (alloc_flags & ALLOC_OOM)
			min -= min / 2;
	}
	if (free_pages <=
	    min + atomic_load_explicit(&z->lowmem_reserve[highest_zoneidx], memory_order_relaxed))
		return false;
	if (!order)
		return true;
	/* an order-N request also needs a free block of at least that order */
	return free_area_has_block_racy(z, order, alloc_flags);
}

bool zone_watermark_ok(struct zone *z, unsigned order, unsigned long mark, int highest_zoneidx,
		       unsigned alloc_flags)
{
	return __zone_watermark_ok(z, order, mark, highest_zoneidx, alloc_flags,
				   zone_page_state(z, NR_FREE_PAGES));
}

static inline bool zone_watermark_fast(struct zone *z, unsigned order, unsigned long mark,
				       int highest_zoneidx, unsigned alloc_flags)
{
	long free_pages = zone_page_state(z, NR_FREE_PAGES);
	if (likely(!order)) {
		long usable = free_pages - zone_watermark_unusable_free(z, 0, alloc_flags);
		if (usable > (long)mark + atomic_load_explicit(&z->lowmem_reserve[highest_zoneidx],
							       memory_order_relaxed))
			return true;
	}
	return __zone_watermark_ok(z, order, mark, highest_zoneidx, alloc_flags, free_pages);
}

static KMM_ALWAYS_INLINE struct page *__get_page_from_freelist(struct kmm_machine *m,
							       struct kmm_cpu *c, gfp_t gfp,
							       unsigned order, unsigned alloc_flags,
							       const struct alloc_context *ac)
{
	struct page *page = NULL;
	struct zoneref *zr = ac->preferred_zoneref;
	if (unlikely(!zr || !zr->zone))
		return NULL;
	struct zone *preferred = zr->zone;
	for_next_zone_zonelist_nodemask(zr, ac->highest_zoneidx, ac->nodemask)
	{
		struct zone *z = zr->zone;
		/* zones with nothing managed fail the watermark check: free is 0 */
		if (!(alloc_flags & ALLOC_NO_WATERMARKS)) {
			unsigned long mark = wmark_pages(z, alloc_flags & ALLOC_WMARK_MASK);
			if (!zone_watermark_fast(z, order, mark, (int)ac->highest_zoneidx,
						 alloc_flags))
				continue;
		}
		page = rmqueue(m, c, preferred, z, zr->zone_idx, order, alloc_flags,
			       ac->migratetype);
		if (page) {
			unsigned long f = atomic_load_explicit(&page->flags, memory_order_relaxed);
			if (unlikely(check_new_page(m, page, f))) {
				page = NULL; /* leaked on purpose: it is corrupt */
				continue;
			}
			prep_new_page(m, page, order, gfp, f);
			if (unlikely((alloc_flags & ALLOC_HIGHATOMIC) && order))
				reserve_highatomic_pageblock(m, page, z);
			break;
		}
	}
	return page;
}

struct page *get_page_from_freelist(struct kmm_machine *m, gfp_t gfp, unsigned order,
				    unsigned alloc_flags, const struct alloc_context *ac)
{
	struct kmm_cpu *c = kmm_get_cpu(m);
	struct page *page = __get_page_from_freelist(m, c, gfp, order, alloc_flags, ac);
	kmm_put_cpu(m, c);
	return page;
}

/* ---- GFP decoding ---------------------------------------------------------------- */

/*
 * The zone each combination of the four zone modifiers selects, as the
 * kernel's GFP_ZONE_TABLE (-1: invalid combination).  No ZONE_HIGHMEM on
 * 64-bit: __GFP_HIGHMEM alone means Normal, with __GFP_MOVABLE Movable.
 */
#define Z_BAD (-1)
static const signed char gfp_zone_table[16] = {
	[0] = ZONE_NORMAL,
	[___GFP_DMA] = ZONE_DMA,
	[___GFP_HIGHMEM] = ZONE_NORMAL,
	[___GFP_DMA32] = ZONE_DMA32,
	[___GFP_MOVABLE] = ZONE_NORMAL,
	[___GFP_MOVABLE | ___GFP_DMA] = ZONE_DMA,
	[___GFP_MOVABLE | ___GFP_HIGHMEM] = ZONE_MOVABLE,
	[___GFP_MOVABLE | ___GFP_DMA32] = ZONE_DMA32,
	[___GFP_DMA | ___GFP_HIGHMEM] = Z_BAD,
	[___GFP_DMA | ___GFP_DMA32] = Z_BAD,
	[___GFP_HIGHMEM | ___GFP_DMA32] = Z_BAD,
	[___GFP_DMA | ___GFP_HIGHMEM | ___GFP_DMA32] = Z_BAD,
	[___GFP_MOVABLE | ___GFP_DMA | ___GFP_HIGHMEM] = Z_BAD,
	[___GFP_MOVABLE | ___GFP_DMA | ___GFP_DMA32] = Z_BAD,
	[___GFP_MOVABLE | ___GFP_HIGHMEM | ___GFP_DMA32] = Z_BAD,
	[___GFP_MOVABLE | ___GFP_DMA | ___GFP_HIGHMEM | ___GFP_DMA32] = Z_BAD,
};

int gfp_zone_checked(gfp_t gfp, enum zone_type *out)
{
	int z = gfp_zone_table[gfp & GFP_ZONEMASK];
	if (z < 0)
		return -KMM_EINVAL;
	*out = (enum zone_type)z;
	return 0;
}

unsigned gfp_to_alloc_flags(gfp_t gfp, unsigned order)
{
	unsigned alloc_flags = ALLOC_WMARK_MIN | ALLOC_CPUSET;
	/* __GFP_HIGH is ALLOC_MIN_RESERVE, __GFP_KSWAPD_RECLAIM is ALLOC_KSWAPD */
	alloc_flags |= gfp & (__GFP_HIGH | __GFP_KSWAPD_RECLAIM);
	if (!(gfp & __GFP_DIRECT_RECLAIM)) {
		if (!(gfp & __GFP_NOMEMALLOC)) {
			alloc_flags |= ALLOC_NON_BLOCK;
			if (order > 0)
				alloc_flags |= ALLOC_HIGHATOMIC;
		}
		if (alloc_flags & ALLOC_MIN_RESERVE)
			alloc_flags &= ~ALLOC_CPUSET;
	}
	return alloc_flags;
}

static bool __check_gfp_report(struct kmm_machine *m, gfp_t gfp, unsigned order,
			       enum zone_type *zt);

/* One test for every rare case; the report is out of line. */
static inline bool check_gfp(struct kmm_machine *m, gfp_t gfp, unsigned order, enum zone_type *zt)
{
	int z = gfp_zone_table[gfp & GFP_ZONEMASK];
	if (likely(order <= MAX_PAGE_ORDER && !(gfp & ~__GFP_BITS_MASK) && z >= 0 &&
		   (gfp & GFP_MOVABLE_MASK) != GFP_MOVABLE_MASK)) {
		*zt = (enum zone_type)z;
		return true;
	}
	return __check_gfp_report(m, gfp, order, zt);
}

static bool __check_gfp_report(struct kmm_machine *m, gfp_t gfp, unsigned order, enum zone_type *zt)
{
	const char *why = NULL;
	if (order > MAX_PAGE_ORDER)
		why = "order above MAX_PAGE_ORDER";
	else if (gfp & ~__GFP_BITS_MASK)
		why = "unknown GFP bits";
	else if (gfp_zone_checked(gfp, zt))
		why = "conflicting zone modifiers";
	else if ((gfp & GFP_MOVABLE_MASK) == GFP_MOVABLE_MASK)
		why = "both __GFP_MOVABLE and __GFP_RECLAIMABLE";
	if (likely(!why))
		return true;
	if (!(gfp & __GFP_NOWARN) || order <= MAX_PAGE_ORDER) {
		char names[256];
		kmm_format_gfp(names, sizeof(names), gfp);
		pr_warn(m, "WARNING: page allocation rejected: %s: order:%u, mode:0x%x(%s)", why,
			order, gfp, names);
	}
	return false;
}

static KMM_ALWAYS_INLINE struct page *alloc_pages_inline(struct kmm_machine *m, gfp_t gfp,
							 unsigned order, int preferred_nid,
							 const unsigned long *nodemask)
{
	enum zone_type zt;
	if (unlikely(!check_gfp(m, gfp, order, &zt)))
		return NULL;
	struct kmm_cpu *c = kmm_get_cpu(m);
	if (preferred_nid < 0 || preferred_nid >= m->nr_node_ids || !m->node_data[preferred_nid]) {
		if (unlikely(preferred_nid >= 0 && (gfp & __GFP_THISNODE))) {
			kmm_put_cpu(m, c);
			pr_warn(m, "WARNING: __GFP_THISNODE allocation on offline node %d",
				preferred_nid);
			return NULL;
		}
		preferred_nid = c->node;
	}
	struct alloc_context ac;
	pg_data_t *pgdat = m->node_data[preferred_nid];
	ac.zonelist = &pgdat->node_zonelists[(gfp & __GFP_THISNODE) ? ZONELIST_NOFALLBACK :
								      ZONELIST_FALLBACK];
	ac.nodemask = nodemask;
	ac.highest_zoneidx = zt;
	ac.migratetype = gfp_migratetype(gfp);
	ac.preferred_nid = preferred_nid;
	/* first usable zone of the zonelist */
	struct zoneref *zr = ac.zonelist->_zonerefs;
	while (zr->zone && (zr->zone_idx > (int)zt || !node_allowed(nodemask, zr->zone->node)))
		zr++;
	ac.preferred_zoneref = zr;

	struct page *page = __get_page_from_freelist(m, c, gfp, order, ALLOC_WMARK_LOW, &ac);
	kmm_put_cpu(m, c);
	if (likely(page))
		return page;
	return __alloc_pages_slowpath(m, gfp, order, &ac);
}

struct page *__kmm_alloc_pages(struct kmm_machine *m, gfp_t gfp, unsigned order, int preferred_nid,
			       const unsigned long *nodemask)
{
	return alloc_pages_inline(m, gfp, order, preferred_nid, nodemask);
}

/* Everything the order-0 fast path below does not handle. */
static __attribute__((noinline)) struct page *alloc_pages_general(struct kmm_machine *m, gfp_t gfp,
								  unsigned order)
{
	return alloc_pages_inline(m, gfp, order, -1, NULL);
}

/*
 * The fast path for orders 1..MAX_PAGE_ORDER (kmalloc of more than 8 KiB,
 * compound or not): a bound CPU, an ordinary request, the first zone of the
 * local zonelist passing __zone_watermark_ok() at its low watermark for
 * this order (free pages and a free block of at least this order), then
 * what rmqueue() does there: orders up to PAGE_ALLOC_COSTLY_ORDER from the
 * zone's per-CPU list for (migratetype, order) if it holds a block passing
 * check_new_page(), larger ones from the buddy under zone->lock.  What
 * get_page_from_freelist() would do, without its zonelist walk.  Anything
 * else (an empty pcp list, a failed buddy request) goes the general way.
 */
static __attribute__((noinline)) struct page *alloc_pages_order_fast(struct kmm_machine *m,
								     gfp_t gfp, unsigned order)
{
	const gfp_t odd = __GFP_ZERO | __GFP_THISNODE | ~__GFP_BITS_MASK;
	struct kmm_cpu *c = kmm_this_cpu_fast(m);
	int zt = gfp_zone_table[gfp & GFP_ZONEMASK];
	int mt = gfp_migratetype(gfp);
	if (likely(c && order <= MAX_PAGE_ORDER && !(gfp & odd) && zt >= 0 &&
		   mt < MIGRATE_PCPTYPES)) {
		struct zoneref *zr = m->node_data[c->node]->preferred_zoneref[zt];
		struct zone *z = zr->zone;
		if (unlikely(!z))
			goto general;
		/* __zone_watermark_ok(z, order, low, zt, ALLOC_WMARK_LOW, free) */
		long free_pages = zone_page_state(z, NR_FREE_PAGES) -
				  zone_watermark_unusable_free(z, order, ALLOC_WMARK_LOW);
		if (free_pages <= (long)wmark_pages(z, WMARK_LOW) +
					  atomic_load_explicit(&z->lowmem_reserve[zt],
							       memory_order_relaxed) ||
		    !free_area_has_block_racy(z, order, ALLOC_WMARK_LOW))
			goto general;
		struct page *page;
		unsigned long f;
		if (likely(pcp_allowed_order(order))) {
			if (unlikely(!z->per_cpu_pageset))
				goto general;
			struct per_cpu_pages *pcp = &z->per_cpu_pageset[c->id];
			struct list_head *list = &pcp->lists[order_to_pindex(mt, order)];
			if (list_empty(list))
				goto general; /* rmqueue_bulk() refills it there */
			page = list_first_entry(list, struct page, lru);
			f = atomic_load_explicit(&page->flags, memory_order_relaxed);
			if (unlikely(!page_new_ok(page, f)))
				goto general; /* reported there */
			pcp_del(pcp, page, order);
			pcp->free_count >>= 1;
		} else {
			page = rmqueue_buddy(m, c, z, order, ALLOC_WMARK_LOW, mt);
			if (unlikely(!page))
				goto general;
			f = atomic_load_explicit(&page->flags, memory_order_relaxed);
			if (unlikely(check_new_page(m, page, f)))
				goto general; /* reported, and leaked on purpose: it is corrupt */
		}
		prep_new_block(page, order, gfp & __GFP_COMP, f);
		__count_vm_events(c, (enum vm_event_item)(PGALLOC_DMA + zr->zone_idx),
				  1UL << order);
		zone_statistics_preferred(c, z);
		return page;
	}
general:
	return alloc_pages_general(m, gfp, order);
}

/*
 * The order-0 fast path, a leaf: a bound CPU, an ordinary request, the
 * first zone of the local zonelist above its low watermark, and a page on
 * that zone's per-CPU list.  Anything else goes the general way.
 */
struct page *kmm_alloc_pages(struct kmm_machine *m, gfp_t gfp, unsigned order)
{
	const gfp_t odd = __GFP_ZERO | __GFP_COMP | __GFP_THISNODE | ~__GFP_BITS_MASK;
	if (unlikely(order))
		return alloc_pages_order_fast(m, gfp, order);
	struct kmm_cpu *c = kmm_this_cpu_fast(m);
	int zt = gfp_zone_table[gfp & GFP_ZONEMASK];
	int mt = gfp_migratetype(gfp);
	if (likely(c && !(gfp & odd) && zt >= 0 && mt < MIGRATE_PCPTYPES)) {
		struct zoneref *zr = m->node_data[c->node]->preferred_zoneref[zt];
		struct zone *z = zr->zone;
		struct per_cpu_pages *pcp = z ? &z->per_cpu_pageset[c->id] : NULL;
		struct list_head *list = pcp ? &pcp->lists[mt] : NULL; /* pindex(mt, 0) */
		if (likely(list && !list_empty(list) &&
			   zone_page_state(z, NR_FREE_PAGES) -
					   (long)atomic_load_explicit(&z->nr_reserved_highatomic,
								      memory_order_relaxed) >
				   (long)wmark_pages(z, WMARK_LOW) +
					   atomic_load_explicit(&z->lowmem_reserve[zt],
								memory_order_relaxed))) {
			struct page *page = list_first_entry(list, struct page, lru);
			unsigned long f = atomic_load_explicit(&page->flags, memory_order_relaxed);
			if (likely(page_new_ok(page, f))) {
				pcp_del(pcp, page, 0);
				pcp->free_count >>= 1;
				prep_new_block(page, 0, false, f);
				__count_vm_events(
					c, (enum vm_event_item)(PGALLOC_DMA + zr->zone_idx), 1);
				zone_statistics_preferred(c, z);
				return page;
			}
		}
	}
	return alloc_pages_general(m, gfp, order);
}

struct page *kmm_alloc_pages_node(struct kmm_machine *m, int nid, gfp_t gfp, unsigned order)
{
	return __kmm_alloc_pages(m, gfp, order, nid, NULL);
}

void *kmm_get_free_pages(struct kmm_machine *m, gfp_t gfp, unsigned order)
{
	struct page *page = kmm_alloc_pages(m, gfp, order);
	return page ? kmm_page_address(m, page) : NULL;
}

void *kmm_get_zeroed_page(struct kmm_machine *m, gfp_t gfp)
{
	return kmm_get_free_pages(m, gfp | __GFP_ZERO, 0);
}

void kmm_split_page(struct kmm_machine *m, struct page *page, unsigned order)
{
	if (PageCompound(page) || page_ref_count(page) <= 0 ||
	    (page_alloc_order(page) && page_alloc_order(page) - 1 != order)) {
		bad_page(m, page, "split_page of a compound, free or differently sized block");
		return;
	}
	for (unsigned long i = 0; i < (1UL << order); i++) {
		set_page_count(page + i, 1);
		set_page_alloc_order(page + i, 1);
	}
}

static unsigned get_order(size_t size)
{
	size_t pages = (size + KMM_PAGE_SIZE - 1) >> KMM_PAGE_SHIFT;
	return pages <= 1 ? 0 : kmm_fls64(pages - 1);
}

void *kmm_alloc_pages_exact(struct kmm_machine *m, size_t size, gfp_t gfp)
{
	if (!size)
		return NULL;
	unsigned order = get_order(size);
	if (order > MAX_PAGE_ORDER) {
		if (!(gfp & __GFP_NOWARN))
			pr_warn(m, "WARNING: alloc_pages_exact(%zu): larger than MAX_PAGE_ORDER",
				size);
		return NULL;
	}
	struct page *page = kmm_alloc_pages(m, gfp & ~__GFP_COMP, order);
	if (!page)
		return NULL;
	kmm_split_page(m, page, order);
	size_t used = (size + KMM_PAGE_SIZE - 1) >> KMM_PAGE_SHIFT;
	for (size_t i = used; i < ((size_t)1 << order); i++)
		__kmm_free_pages(m, page + i, 0);
	return kmm_page_address(m, page);
}

void kmm_free_pages_exact(struct kmm_machine *m, void *addr, size_t size)
{
	size_t n = (size + KMM_PAGE_SIZE - 1) >> KMM_PAGE_SHIFT;
	for (size_t i = 0; i < n; i++)
		kmm_free_pages(m, (unsigned char *)addr + i * KMM_PAGE_SIZE, 0);
}

/* ---- watermarks and reserves ---------------------------------------------- */

static bool zone_is_lowmem(const struct zone *z)
{
	return zone_idx(z) != ZONE_MOVABLE;
}

/* Linux __setup_per_zone_wmarks(). */
void setup_per_zone_wmarks(struct kmm_machine *m)
{
	unsigned long pages_min = (unsigned long)m->vm.min_free_kbytes >> (KMM_PAGE_SHIFT - 10);
	unsigned long lowmem_pages = 0;
	int nid;
	for_each_online_node(m, nid)
	{
		for (int zt = 0; zt < MAX_NR_ZONES; zt++) {
			struct zone *z = &m->node_data[nid]->node_zones[zt];
			if (zone_is_lowmem(z))
				lowmem_pages += zone_managed_pages(z);
		}
	}
	for_each_online_node(m, nid)
	{
		for (int zt = 0; zt < MAX_NR_ZONES; zt++) {
			struct zone *z = &m->node_data[nid]->node_zones[zt];
			unsigned long managed = zone_managed_pages(z);
			uint64_t tmp =
				lowmem_pages ? (uint64_t)pages_min * managed / lowmem_pages : 0;
			unsigned long wmin;
			if (!zone_is_lowmem(z)) {
				/* ZONE_MOVABLE: a small min, it only takes movable pages */
				unsigned long mp = managed / 1024;
				wmin = KMM_MIN(KMM_MAX(mp, 32UL), 128UL);
			} else {
				wmin = (unsigned long)tmp;
			}
			uint64_t scale =
				(uint64_t)managed * (unsigned)m->vm.watermark_scale_factor / 10000;
			tmp = KMM_MAX(tmp >> 2, scale);
			atomic_store(&z->_watermark[WMARK_MIN], wmin);
			atomic_store(&z->watermark_boost, 0);
			atomic_store(&z->_watermark[WMARK_LOW], wmin + (unsigned long)tmp);
			atomic_store(&z->_watermark[WMARK_HIGH], wmin + 2 * (unsigned long)tmp);
			atomic_store(&z->_watermark[WMARK_PROMO], wmin + 3 * (unsigned long)tmp);
		}
	}
	/* totalreserve_pages: what userspace cannot count as available */
	unsigned long reserve_total = 0;
	for_each_online_node(m, nid)
	{
		pg_data_t *pgdat = m->node_data[nid];
		pgdat->totalreserve_pages = 0;
		for (int zt = 0; zt < MAX_NR_ZONES; zt++) {
			struct zone *z = &pgdat->node_zones[zt];
			long max = 0;
			for (int j = zt; j < MAX_NR_ZONES; j++)
				max = KMM_MAX(max, atomic_load(&z->lowmem_reserve[j]));
			unsigned long r = (unsigned long)max + high_wmark_pages(z);
			r = KMM_MIN(r, zone_managed_pages(z));
			pgdat->totalreserve_pages += r;
		}
		reserve_total += pgdat->totalreserve_pages;
	}
	m->totalreserve_pages = reserve_total;
	zone_pcp_update_all(m);
}

/* Linux setup_per_zone_lowmem_reserve(). */
void setup_per_zone_lowmem_reserve(struct kmm_machine *m)
{
	int nid;
	for_each_online_node(m, nid)
	{
		pg_data_t *pgdat = m->node_data[nid];
		for (int i = 0; i < MAX_NR_ZONES - 1; i++) {
			struct zone *z = &pgdat->node_zones[i];
			int ratio = m->vm.lowmem_reserve_ratio[i];
			bool clear = !ratio || !managed_zone(z);
			unsigned long managed = 0;
			for (int j = i + 1; j < MAX_NR_ZONES; j++) {
				struct zone *upper = &pgdat->node_zones[j];
				managed += zone_managed_pages(upper);
				if (clear || !managed_zone(upper))
					atomic_store(&z->lowmem_reserve[j], 0);
				else
					atomic_store(&z->lowmem_reserve[j],
						     (long)(managed / (unsigned)ratio));
			}
		}
	}
}

/* Linux calculate_min_free_kbytes(): sqrt(lowmem_kbytes * 16), clamped. */
void calculate_min_free_kbytes(struct kmm_machine *m)
{
	unsigned long lowmem_kbytes = 0;
	int nid;
	for_each_online_node(m, nid)
	{
		for (int zt = 0; zt <= ZONE_NORMAL; zt++) {
			struct zone *z = &m->node_data[nid]->node_zones[zt];
			unsigned long managed = zone_managed_pages(z), high = high_wmark_pages(z);
			if (managed > high)
				lowmem_kbytes += (managed - high) << (KMM_PAGE_SHIFT - 10);
		}
	}
	unsigned long new_min = (unsigned long)kmm_int_sqrt((uint64_t)lowmem_kbytes * 16);
	if (m->vm.user_min_free_kbytes >= 0 &&
	    (unsigned long)m->vm.user_min_free_kbytes > new_min) {
		new_min = (unsigned long)m->vm.user_min_free_kbytes;
	} else if (m->vm.user_min_free_kbytes >= 0) {
		pr_warn(m,
			"min_free_kbytes is not updated to %lu because user defined value %d "
			"is preferred",
			new_min, m->vm.user_min_free_kbytes);
		new_min = (unsigned long)m->vm.user_min_free_kbytes;
	} else {
		new_min = KMM_MIN(KMM_MAX(new_min, 128UL), 262144UL);
	}
	m->vm.min_free_kbytes = (int)new_min;
}
