/* SPDX-License-Identifier: MIT */
/*
 * src/mm/vmscan.c - page reclaim (mm/vmscan.c): the classic two-list
 * policy, kswapd, direct reclaim, shrinkers, drop_caches.
 *
 *   shrink_node -> shrink_lruvec: per list, a number of pages to scan from
 *       the list sizes, the priority (12 -> 0: size >> priority) and the
 *       anon/file balance (vm.swappiness; anon only when swap has room)
 *     shrink_active_list: deactivate (clearing PTE accessed bits through
 *       rmap); referenced executable file pages stay active
 *     shrink_inactive_list -> shrink_folio_list: per page, the reference
 *       check (PTE A bits via page_referenced, PG_referenced), then
 *       add_to_swap for anonymous pages, try_to_unmap, pageout of dirty
 *       pages (swap_writepage; dirty file pages wake the flusher and
 *       rotate), and finally removal from the page/swap cache leaving a
 *       workingset shadow, and the free
 *   kswapd (one kthread per node): woken when an allocation finds a zone
 *       below its low watermark; reclaims until every zone is above high
 *   try_to_free_pages: direct reclaim from the allocator's slow path
 *
 * Pages are isolated from the lists (with a reference) before any of the
 * work, and the lru_lock is never held across rmap walks or I/O.
 */
#include "mm/slab.h"
#include "mm/vmscan.h"

#define SWAP_CLUSTER_MAX 32UL
#define DEF_PRIORITY 12

/* ---- shrinkers ------------------------------------------------------------------ */

static struct kmm_reclaim_state *rs_of(struct kmm_machine *m)
{
	return (struct kmm_reclaim_state *)vm_state(m)->reclaim;
}

int register_shrinker(struct kmm_machine *m, struct shrinker *s)
{
	struct kmm_reclaim_state *rs = rs_of(m);
	if (!s || !s->count_objects || !s->scan_objects)
		return -KMM_EINVAL;
	if (!s->seeks)
		s->seeks = DEFAULT_SEEKS;
	spin_lock(&rs->shrinker_lock);
	list_add_tail(&s->list, &rs->shrinkers);
	spin_unlock(&rs->shrinker_lock);
	return 0;
}

void unregister_shrinker(struct kmm_machine *m, struct shrinker *s)
{
	struct kmm_reclaim_state *rs = rs_of(m);
	spin_lock(&rs->shrinker_lock);
	list_del(&s->list);
	spin_unlock(&rs->shrinker_lock);
}

/* Ask every shrinker for a share proportional to the LRU scan. */
static unsigned long shrink_slab(struct kmm_machine *m, int nid, int priority)
{
	struct kmm_reclaim_state *rs = rs_of(m);
	unsigned long freed = 0;
	spin_lock(&rs->shrinker_lock);
	struct list_head *pos;
	list_for_each (pos, &rs->shrinkers) {
		struct shrinker *s = list_entry(pos, struct shrinker, list);
		struct shrink_control sc = { .nid = nid, .nr_to_scan = 0 };
		unsigned long freeable = s->count_objects(s, &sc);
		if (!freeable)
			continue;
		unsigned long delta = (freeable >> priority) * 4 / (unsigned long)s->seeks;
		if (!delta && priority == 0)
			delta = freeable;
		while (delta) {
			sc.nr_to_scan = delta < 128 ? delta : 128;
			unsigned long r = s->scan_objects(s, &sc);
			if (r == SHRINK_STOP)
				break;
			freed += r;
			delta -= sc.nr_to_scan;
		}
	}
	spin_unlock(&rs->shrinker_lock);
	/* (kmm_slab_shrink_all flushes every CPU's arrays and waits for them:
	 * only drop_caches, from a task's context, may do that) */
	return freed;
}

/* ---- isolation ----------------------------------------------------------------------- */

static unsigned long isolate_lru_pages(struct kmm_machine *m, struct lruvec *lv,
				       unsigned long nr_to_scan, enum lru_list lru,
				       struct list_head *dst, unsigned long *scanned)
{
	unsigned long taken = 0, scan = 0;
	spin_lock(&lv->lru_lock);
	struct list_head *src = &lv->lists[lru];
	while (scan < nr_to_scan && !list_empty(src)) {
		struct page *page = list_last_entry(src, struct page, lru);
		scan++;
		if (!get_page_unless_zero(page)) {
			/* being freed: its put will take it off; skip it */
			list_move(&page->lru, src);
			continue;
		}
		lruvec_del_page(m, lv, page);
		ClearPageLRU(page);
		list_add(&page->lru, dst);
		taken++;
	}
	spin_unlock(&lv->lru_lock);
	*scanned = scan;
	return taken;
}

static void putback_list(struct kmm_machine *m, struct list_head *list)
{
	while (!list_empty(list)) {
		struct page *page = list_first_entry(list, struct page, lru);
		list_del(&page->lru);
		putback_lru_page(m, page);
	}
}

/* ---- the active list ------------------------------------------------------------------- */

static void shrink_active_list(struct kmm_machine *m, struct lruvec *lv, unsigned long nr_to_scan,
			       struct scan_control *sc, enum lru_list lru)
{
	LIST_HEAD_DECL(hold);
	LIST_HEAD_DECL(keep_active);
	LIST_HEAD_DECL(inactive);
	unsigned long scanned;
	(void)sc;
	lru_add_drain(m);
	isolate_lru_pages(m, lv, nr_to_scan, lru, &hold, &scanned);
	count_vm_events(m, PGREFILL, scanned);
	unsigned long deact = 0;
	while (!list_empty(&hold)) {
		struct page *page = list_first_entry(&hold, struct page, lru);
		list_del(&page->lru);
		unsigned long vm_flags = 0;
		if (page_referenced(m, page, &vm_flags) && (vm_flags & VM_EXEC) &&
		    page_is_file_lru(page)) {
			/* executable file pages get another trip (Linux does so too) */
			list_add(&page->lru, &keep_active);
			continue;
		}
		ClearPageActive(page);
		kmm_set_page_flag(page, PG_workingset);
		list_add(&page->lru, &inactive);
		deact++;
	}
	putback_list(m, &keep_active);
	putback_list(m, &inactive);
	count_vm_events(m, PGDEACTIVATE, deact);
}

/* ---- the inactive list ------------------------------------------------------------------ */

enum page_references { PAGEREF_RECLAIM, PAGEREF_RECLAIM_CLEAN, PAGEREF_KEEP, PAGEREF_ACTIVATE };

static enum page_references check_references(struct kmm_machine *m, struct page *page, bool *locked)
{
	unsigned long vm_flags = 0;
	int referenced_ptes = page_referenced(m, page, &vm_flags);
	bool referenced_page = PageReferenced(page);
	ClearPageReferenced(page);
	if (vm_flags & VM_LOCKED) {
		*locked = true;
		return PAGEREF_ACTIVATE;
	}
	if (referenced_ptes) {
		/* used twice (or by several mappings) while inactive: activate */
		SetPageReferenced(page);
		if (referenced_page || referenced_ptes > 1)
			return PAGEREF_ACTIVATE;
		if ((vm_flags & VM_EXEC) && page_is_file_lru(page))
			return PAGEREF_ACTIVATE;
		return PAGEREF_KEEP;
	}
	if (referenced_page && page_is_file_lru(page))
		return PAGEREF_RECLAIM_CLEAN;
	return PAGEREF_RECLAIM;
}

static bool swap_has_room(struct kmm_machine *m)
{
	return get_nr_swap_pages(m) > 0;
}

static unsigned long shrink_folio_list(struct kmm_machine *m, struct list_head *list,
				       struct scan_control *sc, struct list_head *ret)
{
	unsigned long reclaimed = 0;
	while (!list_empty(list)) {
		struct page *page = list_first_entry(list, struct page, lru);
		list_del(&page->lru);
		bool locked = false;
		/*
		 * Anonymous pages are reclaimed under the page lock, as Linux's
		 * folio_trylock(): add_to_swap, try_to_unmap and the removal from
		 * the swap cache change page->private and PG_swapcache, which
		 * do_swap_page, swapoff and free_swap_cache check under it.
		 * (Page-cache pages: filemap_remove_page_reclaim locks them.)
		 */
		bool plocked = PageAnon(page) && PageSwapBacked(page);
		if (plocked && !trylock_page(page)) {
			plocked = false;
			goto keep;
		}
		if (PageUnevictable(page) || PageWriteback(page))
			goto keep;
		switch (check_references(m, page, &locked)) {
		case PAGEREF_ACTIVATE:
			goto activate;
		case PAGEREF_KEEP:
			goto keep;
		case PAGEREF_RECLAIM:
		case PAGEREF_RECLAIM_CLEAN:
			break;
		}
		if (PageAnon(page) && PageSwapBacked(page) && !PageSwapCache(page)) {
			if (!sc->may_swap || !swap_has_room(m) || add_to_swap(m, page))
				goto activate;
		}
		if (page_mapcount(page) > 0) {
			if (!sc->may_unmap)
				goto keep;
			if (!try_to_unmap(m, page))
				goto activate;
		}
		/* MADV_FREE pages written again became swap-backed: keep */
		if (PageAnon(page) && !PageSwapBacked(page)) {
			if (PageDirty(page)) {
				SetPageSwapBacked(page);
				goto activate;
			}
			if (page_ref_count(page) != 1)
				goto keep;
			page->mapping = NULL;
			count_vm_events(m, PGLAZYFREED, 1);
			goto free_it;
		}
		if (PageDirty(page)) {
			if (PageSwapCache(page)) {
				if (!sc->may_writepage || swap_writepage(m, page))
					goto activate;
				count_vm_events(m, PGPGOUT, 0);
				mod_node_page_state(m, NODE_DATA(m, kmm_page_to_nid(page)),
						    NR_VMSCAN_WRITE, 1);
			} else {
				/* dirty file pages: the flusher writes them; rotate */
				filemap_wakeup_flusher(m);
				SetPageReclaim(page);
				goto keep;
			}
		}
		/* clean and unmapped: only the isolation and the cache refer to it */
		if (PageSwapCache(page)) {
			if (page_ref_count(page) != 2)
				goto keep;
			void *shadow = workingset_eviction(m, page);
			__delete_from_swap_cache(m, page, shadow);
		} else if (page->mapping) {
			if (page_ref_count(page) != 2 || PageSwapBacked(page))
				goto keep; /* shmem: no swap for it yet */
			void *shadow = workingset_eviction(m, page);
			if (!filemap_remove_page_reclaim(page, shadow))
				goto keep;
		}
free_it:
		if (plocked)
			unlock_page(page);
		ClearPageActive(page);
		kmm_clear_page_flag(page, PG_workingset);
		put_user_page(m, page);
		reclaimed++;
		continue;
activate:
		if (locked) {
			SetPageUnevictable(page);
			count_vm_events(m, UNEVICTABLE_PGCULLED, 1);
		} else if (!PageActive(page)) {
			SetPageActive(page);
			count_vm_events(m, PGACTIVATE, 1);
		}
keep:
		if (plocked)
			unlock_page(page);
		list_add(&page->lru, ret);
	}
	return reclaimed;
}

unsigned long lru_gen_evict_list(struct kmm_machine *m, struct list_head *list,
				 struct scan_control *sc, struct list_head *ret)
{
	return shrink_folio_list(m, list, sc, ret);
}

static unsigned long shrink_inactive_list(struct kmm_machine *m, struct lruvec *lv,
					  unsigned long nr_to_scan, struct scan_control *sc,
					  enum lru_list lru)
{
	LIST_HEAD_DECL(list);
	LIST_HEAD_DECL(keep);
	unsigned long scanned;
	lru_add_drain(m);
	isolate_lru_pages(m, lv, nr_to_scan, lru, &list, &scanned);
	sc->nr_scanned += scanned;
	count_vm_events(m, sc->kswapd ? PGSCAN_KSWAPD : PGSCAN_DIRECT, scanned);
	count_vm_events(m, lru == LRU_INACTIVE_ANON ? PGSCAN_ANON : PGSCAN_FILE, scanned);
	unsigned long reclaimed = shrink_folio_list(m, &list, sc, &keep);
	putback_list(m, &keep);
	count_vm_events(m, sc->kswapd ? PGSTEAL_KSWAPD : PGSTEAL_DIRECT, reclaimed);
	count_vm_events(m, lru == LRU_INACTIVE_ANON ? PGSTEAL_ANON : PGSTEAL_FILE, reclaimed);
	sc->nr_reclaimed += reclaimed;
	return reclaimed;
}

/* ---- balance ---------------------------------------------------------------------------- */

static unsigned long int_sqrt(unsigned long x)
{
	unsigned long r = 0, b = 1UL << 62;
	while (b > x)
		b >>= 2;
	while (b) {
		if (x >= r + b) {
			x -= r + b;
			r = (r >> 1) + b;
		} else {
			r >>= 1;
		}
		b >>= 2;
	}
	return r;
}

/* inactive_is_low: the active list has grown beyond ratio x the inactive one */
static bool inactive_is_low(struct lruvec *lv, enum lru_list inactive)
{
	unsigned long in = lru_size(lv, inactive), act = lru_size(lv, inactive + 1);
	unsigned long gb = (in + act) >> (30 - KMM_PAGE_SHIFT);
	unsigned long ratio = gb ? int_sqrt(10 * gb) : 1;
	return in * ratio < act;
}

static void shrink_lruvec(struct kmm_machine *m, struct lruvec *lv, struct scan_control *sc)
{
	unsigned long nr[NR_LRU_LISTS] = { 0 };
	int swappiness = m->vm.swappiness;
	bool scan_anon = sc->may_swap && swap_has_room(m) && swappiness > 0;
	unsigned long ap = (unsigned long)swappiness, fp = 200 - (unsigned long)swappiness;
	/* no file pages worth scanning: anon alone (and the reverse) */
	unsigned long file = lru_size(lv, LRU_INACTIVE_FILE) + lru_size(lv, LRU_ACTIVE_FILE);
	if (file < SWAP_CLUSTER_MAX && scan_anon)
		fp = 0;
	for (enum lru_list l = LRU_INACTIVE_ANON; l <= LRU_ACTIVE_FILE; l++) {
		bool anon = l <= LRU_ACTIVE_ANON;
		if (anon && !scan_anon)
			continue;
		unsigned long size = lru_size(lv, l);
		unsigned long scan = size >> sc->priority;
		if (!scan && size)
			scan = size < SWAP_CLUSTER_MAX ? size : SWAP_CLUSTER_MAX;
		unsigned long frac = anon ? ap : fp;
		if (scan_anon && ap + fp)
			scan = scan * frac * 2 / (ap + fp);
		nr[l] = scan;
	}
	while (nr[LRU_INACTIVE_ANON] || nr[LRU_ACTIVE_FILE] || nr[LRU_INACTIVE_FILE] ||
	       nr[LRU_ACTIVE_ANON]) {
		for (enum lru_list l = LRU_INACTIVE_ANON; l <= LRU_ACTIVE_FILE; l++) {
			if (!nr[l])
				continue;
			unsigned long n = nr[l] < SWAP_CLUSTER_MAX ? nr[l] : SWAP_CLUSTER_MAX;
			nr[l] -= n;
			if (l == LRU_ACTIVE_ANON || l == LRU_ACTIVE_FILE) {
				if (inactive_is_low(lv, l - 1))
					shrink_active_list(m, lv, n, sc, l);
			} else {
				shrink_inactive_list(m, lv, n, sc, l);
			}
		}
		if (sc->nr_reclaimed >= sc->nr_to_reclaim)
			break;
	}
	/* keep aging the anon lists even when only file was reclaimed */
	if (scan_anon && inactive_is_low(lv, LRU_INACTIVE_ANON))
		shrink_active_list(m, lv, SWAP_CLUSTER_MAX, sc, LRU_ACTIVE_ANON);
}

unsigned long shrink_node(struct kmm_machine *m, pg_data_t *pgdat, struct scan_control *sc)
{
	unsigned long before = sc->nr_reclaimed;
	struct lruvec *lv = node_lruvec(pgdat);
	if (lru_gen_enabled(m))
		lru_gen_shrink_lruvec(m, lv, sc);
	else
		shrink_lruvec(m, lv, sc);
	shrink_slab(m, pgdat->node_id, sc->priority);
	return sc->nr_reclaimed - before;
}

/* ---- direct reclaim ---------------------------------------------------------------------- */

static unsigned long zone_reclaimable_pages(struct kmm_machine *m, struct zone *z)
{
	unsigned long n = (unsigned long)zone_page_state_snapshot(m, z, NR_ZONE_INACTIVE_FILE) +
			  (unsigned long)zone_page_state_snapshot(m, z, NR_ZONE_ACTIVE_FILE);

	if (swap_has_room(m))
		n += (unsigned long)zone_page_state_snapshot(m, z, NR_ZONE_INACTIVE_ANON) +
		     (unsigned long)zone_page_state_snapshot(m, z, NR_ZONE_ACTIVE_ANON);
	return n;
}

static unsigned long do_try_to_free_pages(struct kmm_machine *m, struct scan_control *scp,
					  const struct alloc_context *ac);

static unsigned long try_to_free_pages(struct kmm_machine *m, gfp_t gfp, unsigned order,
				       const struct alloc_context *ac)
{
	struct scan_control sc = {
		.nr_to_reclaim = SWAP_CLUSTER_MAX,
		.gfp_mask = gfp,
		.order = (int)order,
		.may_writepage = true,
		.may_unmap = true,
		.may_swap = true,
	};
	/* PF_MEMALLOC for the pass: this thread keeps its slot meanwhile */
	struct kmm_cpu *self = kmm_get_cpu(m);
	unsigned long ret;

	self->memalloc++;
	ret = do_try_to_free_pages(m, &sc, ac);
	self->memalloc--;
	kmm_put_cpu(m, self);
	return ret;
}

static unsigned long do_try_to_free_pages(struct kmm_machine *m, struct scan_control *scp,
					  const struct alloc_context *ac)
{
	struct scan_control sc = *scp;
	enum zone_type zt = ac ? ac->highest_zoneidx : ZONE_NORMAL;
	count_vm_events(
		m, (enum vm_event_item)(ALLOCSTALL_DMA + (zt < ZONE_MOVABLE ? zt : ZONE_MOVABLE)),
		1);
	for (sc.priority = DEF_PRIORITY; sc.priority >= 0; sc.priority--) {
		int nid;
		for_each_online_node(m, nid)
		{
			if (ac && !node_allowed(ac->nodemask, nid))
				continue;
			shrink_node(m, NODE_DATA(m, nid), &sc);
			if (sc.nr_reclaimed >= sc.nr_to_reclaim)
				return sc.nr_reclaimed;
		}
	}
	return sc.nr_reclaimed;
}

/* ---- kswapd --------------------------------------------------------------------------------- */

struct kswapd {
	struct kmm_machine *m;
	pg_data_t *pgdat;
	struct kmm_kthread *thread;
	atomic_int wanted;
	atomic_int running;
};

static bool pgdat_balanced(pg_data_t *pgdat, enum zone_type highest)
{
	bool any = false;
	for (int i = 0; i <= (int)highest && i < MAX_NR_ZONES; i++) {
		struct zone *z = &pgdat->node_zones[i];
		if (!managed_zone(z))
			continue;
		any = true;
		if (zone_watermark_ok(z, 0, high_wmark_pages(z), (int)highest, 0))
			return true;
	}
	return !any;
}

static void balance_pgdat(struct kswapd *k)
{
	struct kmm_machine *m = k->m;
	struct scan_control sc = {
		.nr_to_reclaim = 0,
		.gfp_mask = GFP_KERNEL,
		.may_writepage = true,
		.may_unmap = true,
		.may_swap = true,
		.kswapd = true,
	};
	count_vm_events(m, PAGEOUTRUN, 1);
	for (int i = 0; i < MAX_NR_ZONES; i++)
		atomic_store(&k->pgdat->node_zones[i].reclaim_active, 1); /* set_reclaim_active */
	for (sc.priority = DEF_PRIORITY; sc.priority >= 1; sc.priority--) {
		if (pgdat_balanced(k->pgdat, ZONE_MOVABLE))
			break;
		/* reclaim the distance to the high watermark, at least a cluster */
		sc.nr_to_reclaim = sc.nr_reclaimed;
		for (int i = 0; i < MAX_NR_ZONES; i++) {
			struct zone *z = &k->pgdat->node_zones[i];
			if (!managed_zone(z))
				continue;
			long gap = (long)high_wmark_pages(z) -
				   zone_page_state_snapshot(m, z, NR_FREE_PAGES);
			if (gap > 0)
				sc.nr_to_reclaim += (unsigned long)gap;
		}
		if (sc.nr_to_reclaim < sc.nr_reclaimed + SWAP_CLUSTER_MAX)
			sc.nr_to_reclaim = sc.nr_reclaimed + SWAP_CLUSTER_MAX;
		unsigned long before = sc.nr_reclaimed;
		shrink_node(m, k->pgdat, &sc);
		/* progress at this priority: try it again before going harder */
		if (sc.nr_reclaimed - before >= SWAP_CLUSTER_MAX && sc.priority < DEF_PRIORITY)
			sc.priority++;
	}
	for (int i = 0; i < MAX_NR_ZONES; i++)
		atomic_store(&k->pgdat->node_zones[i].reclaim_active, 0);
}

static int kswapd_fn(void *arg, struct kmm_kthread *kt)
{
	struct kswapd *k = arg;
	while (!kthread_should_stop(kt)) {
		if (atomic_load(&k->wanted)) {
			/* running before wanted clears: kmm_kswapd_busy() never
			 * sees both false while a pass is due */
			atomic_store(&k->running, 1);
			atomic_store(&k->wanted, 0);
			/* run on one CPU slot for the whole pass, as a kernel
			 * thread runs on a CPU: nested per-CPU work inside
			 * lru_lock must never wait for a slot */
			struct kmm_cpu *c = kmm_get_cpu(k->m);
			c->memalloc++; /* kswapd runs with PF_MEMALLOC */
			balance_pgdat(k);
			c->memalloc--;
			kmm_put_cpu(k->m, c);
			atomic_store(&k->running, 0);
			/* woken again while we worked, and still short: a quick hit */
			if (!pgdat_balanced(k->pgdat, ZONE_MOVABLE))
				count_vm_events(k->m, KSWAPD_LOW_WMARK_HIT_QUICKLY, 1);
			continue;
		}
		kthread_wait(kt, 100 * 1000 * 1000ULL);
	}
	return 0;
}

static void wake_kswapd(struct kmm_machine *m, struct zone *zone, unsigned order,
			enum zone_type highest_zoneidx, gfp_t gfp)
{
	(void)order;
	(void)gfp;
	struct kswapd *k = zone->zone_pgdat->kswapd;
	if (!k || !managed_zone(zone))
		return;
	if (zone_watermark_ok(zone, 0, low_wmark_pages(zone), (int)highest_zoneidx, 0))
		return;
	if (atomic_load(&k->running))
		return;
	if (!atomic_exchange(&k->wanted, 1))
		kthread_wake(k->thread);
	(void)m;
}

bool kmm_kswapd_busy(struct kmm_machine *m)
{
	int nid;

	if (!vm_state(m))
		return false;
	for_each_online_node(m, nid)
	{
		struct kswapd *k = NODE_DATA(m, nid)->kswapd;

		if (k && (atomic_load(&k->wanted) || atomic_load(&k->running)))
			return true;
	}
	return false;
}

bool lru_gen_enabled(struct kmm_machine *m)
{
	return rs_of(m) && rs_of(m)->lru_gen_enabled;
}

int kswapd_init(struct kmm_machine *m)
{
	struct kmm_reclaim_state *rs = kmm_kzalloc(m, sizeof(*rs), GFP_KERNEL);
	if (!rs)
		return -KMM_ENOMEM;
	spin_lock_init(&rs->shrinker_lock);
	spin_lock_init(&rs->oom_rs_lock);
	INIT_LIST_HEAD(&rs->shrinkers);
	vm_state(m)->reclaim = rs;
	int nid;
	for_each_online_node(m, nid)
	{
		struct kswapd *k = kmm_kzalloc(m, sizeof(*k), GFP_KERNEL);
		if (!k)
			return -KMM_ENOMEM;
		k->m = m;
		k->pgdat = NODE_DATA(m, nid);
		char name[16];
		kmm_snprintf(name, sizeof(name), "kswapd%d", nid);
		int ret = kthread_run(m, kswapd_fn, k, name, &k->thread);
		if (ret)
			return ret;
		k->pgdat->kswapd = k;
	}
	m->hooks.wake_kswapd = wake_kswapd;
	m->hooks.direct_reclaim = try_to_free_pages;
	m->hooks.zone_reclaimable_pages = zone_reclaimable_pages;
	m->hooks.out_of_memory = out_of_memory;
	return 0;
}

void kswapd_exit(struct kmm_machine *m)
{
	int nid;
	m->hooks.wake_kswapd = NULL;
	for_each_online_node(m, nid)
	{
		struct kswapd *k = NODE_DATA(m, nid)->kswapd;
		if (!k)
			continue;
		kthread_stop(k->thread);
		NODE_DATA(m, nid)->kswapd = NULL;
	}
}

/* ---- drop_caches ---------------------------------------------------------------------------- */

void drop_caches(struct kmm_machine *m, int mode)
{
	if (mode & 1) {
		/* clean, unmapped page-cache pages: what reclaim of file lists
		 * would take, without touching the anon lists or PTEs */
		struct scan_control sc = { .nr_to_reclaim = ~0UL,
					   .priority = 0,
					   .may_writepage = false };
		int nid;
		lru_add_drain_all(m);
		for_each_online_node(m, nid)
		{
			struct lruvec *lv = node_lruvec(NODE_DATA(m, nid));
			for (enum lru_list l = LRU_INACTIVE_FILE; l <= LRU_ACTIVE_FILE; l++) {
				LIST_HEAD_DECL(list);
				LIST_HEAD_DECL(keep);
				unsigned long scanned;
				isolate_lru_pages(m, lv, ~0UL, l, &list, &scanned);
				struct list_head *pos, *n;
				list_for_each_safe (pos, n, &list) {
					struct page *page = list_entry(pos, struct page, lru);
					list_del(pos);
					if (page_mapcount(page) > 0 || PageDirty(page) ||
					    PageSwapBacked(page) || page_ref_count(page) != 2 ||
					    !filemap_remove_page_reclaim(page, NULL)) {
						list_add(&page->lru, &keep);
						continue;
					}
					put_user_page(m, page);
					sc.nr_reclaimed++;
				}
				putback_list(m, &keep);
			}
		}
		count_vm_events(m, DROP_PAGECACHE, 1);
	}
	if (mode & 2) {
		shrink_slab(m, -1, 0);
		kmm_slab_shrink_all(m);
		count_vm_events(m, DROP_SLAB, 1);
	}
}

/* /proc/sys/vm/drop_caches was written (under sysctl_lock) */
void drop_caches_sysctl(struct kmm_machine *m)
{
	int mode = m->vm.drop_caches;
	if (mode >= 1 && mode <= 3 && m->vmst && vm_state(m)->reclaim)
		drop_caches(m, mode);
}

/* ---- /sys/kernel/mm/lru_gen/enabled ------------------------------------------------------ */

static void lru_gen_enabled_show(struct kmm_machine *m, struct seq_buf *sb)
{
	/* Linux prints the enabled components as a mask: 0x0007 when on */
	seq_buf_printf(sb, "0x%04x\n", lru_gen_enabled(m) ? 7u : 0u);
}

static int lru_gen_enabled_write(struct kmm_machine *m, const char *text, size_t len)
{
	char buf[16];
	size_t n = len < sizeof(buf) - 1 ? len : sizeof(buf) - 1;
	kmm_memcpy(buf, text, n);
	buf[n] = 0;
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	bool on;
	unsigned long long v;
	if (!kmm_strcmp(buf, "y") || !kmm_strcmp(buf, "Y"))
		on = true;
	else if (!kmm_strcmp(buf, "n") || !kmm_strcmp(buf, "N"))
		on = false;
	else if (!kmm_kstrtoull(buf, 0, &v) && v <= 7)
		on = v != 0;
	else {
		pr_warn(m, "lru_gen: enabled: expected y, n or a mask 0..7");
		return -KMM_EINVAL;
	}
	if (!vm_state(m) || !vm_state(m)->reclaim) {
		pr_warn(m, "lru_gen: enabled: reclaim is not set up");
		return -KMM_EINVAL;
	}
	if (on != lru_gen_enabled(m))
		lru_gen_set_enabled(m, on);
	return 0;
}

static const struct kmm_proc_file vmscan_files[] = {
	{ "/sys/kernel/mm/lru_gen/enabled", lru_gen_enabled_show, lru_gen_enabled_write },
};

const struct kmm_proc_table proc_vmscan_table = {
	.files = vmscan_files,
	.nr_files = KMM_ARRAY_SIZE(vmscan_files),
};
