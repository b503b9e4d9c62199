// SPDX-License-Identifier: MIT
/*
 * src/mm/swap_state.c - the swap cache, swap I/O and swap-in
 * (mm/swap_state.c, mm/page_io.c, do_swap_page of mm/memory.c).
 *
 * The swap cache of a device is an xarray keyed by slot offset.  A page in
 * it has PG_swapcache, page->private = its swap entry, PG_swapbacked, one
 * reference held by the cache, and counts in NR_SWAPCACHE (and, as Linux,
 * in NR_FILE_PAGES: meminfo's Cached subtracts it again).  The slot's
 * SWAP_HAS_CACHE flag is held for it.  When reclaim evicts the page it
 * may leave a workingset shadow (a value entry) in its place; lookups
 * treat shadows as absent, a swap-in that replaces one hands it to
 * workingset_refault(), and the shadow goes when the slot is freed.
 *
 * I/O is synchronous, one page per pread/pwrite at offset * 4096:
 *   swap_writepage  PG_writeback while writing, PG_dirty cleared first and
 *                   set again on failure (the page stays in the cache with
 *                   its data: nothing is lost); PSWPOUT, PGPGOUT
 *   swap read       PSWPIN, PGPGIN; a failed read leaves the cache (the
 *                   slot and its references stay) and fails the fault
 *
 * Swap-in (swapin_readahead): the faulting slot is read first, then the
 * other allocated slots of its aligned 1 << page_cluster window (SWAP_RA;
 * a later hit on one is SWAP_RA_HIT).  A slot being added by someone else
 * (SWAP_HAS_CACHE already set) is waited for.  A new page is locked while
 * it is read; whoever finds it in the cache locks it and checks that it is
 * still the cache page for the entry (PG_swapcache, page->private) before
 * mapping it.
 *
 * do_swap_page maps the page read-only, with the anon rmap: a page already
 * anonymous (still mapped elsewhere, or unmapped by reclaim) keeps its
 * anon_vma; a new one gets the VMA's anon_vma if only this PTE refers to
 * the slot, else the root anon_vma of the fork tree (it is shared with
 * other VMAs of the tree, __page_set_anon_rmap's non-exclusive rule).  The
 * PTE's reference on the slot goes (swap_free).  A write fault on a page
 * that is ours alone (no other PTE on the slot, not mapped elsewhere)
 * frees the slot and the cache entry and maps it writable and dirty; a
 * shared one stays read-only and do_wp_page copies it.  A read fault
 * frees the slot only when swap is more than half full or the VMA is
 * mlocked (should_try_to_free_swap); otherwise the clean copy stays so
 * that reclaim can drop the page again without writing it.  A page ours
 * alone is mapped writable (not dirty) on a read fault too, as Linux does
 * for an exclusive swap entry: a later store dirties the PTE, not a fault.
 */
#include "mm/swapfile.h"

#define PG_readahead PG_reclaim

/* readahead pages may fail quietly */
#define GFP_SWAP_RA (GFP_HIGHUSER_MOVABLE | __GFP_NORETRY | __GFP_NOWARN)
/* swapoff: fail with -ENOMEM rather than OOM-kill someone */
#define GFP_SWAPOFF (GFP_HIGHUSER_MOVABLE | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)
/* add_to_swap() runs inside reclaim */
#define GFP_ADD_TO_SWAP (GFP_NOWAIT | __GFP_HIGH | __GFP_NOMEMALLOC | __GFP_NOWARN)

static inline pg_data_t *page_pgdat(struct kmm_machine *m, struct page *page)
{
	return NODE_DATA(m, kmm_page_to_nid(page));
}

static void swapcache_account(struct kmm_machine *m, struct page *page, long d)
{
	mod_node_page_state(m, page_pgdat(m, page), NR_SWAPCACHE, d);
	mod_node_page_state(m, page_pgdat(m, page), NR_FILE_PAGES, d);
}

static bool test_clear_page_flag(struct page *page, enum pageflags bit)
{
	return (atomic_fetch_and_explicit(&page->flags, ~(1UL << bit), memory_order_acq_rel) >>
		bit) &
	       1UL;
}

/* ---- the cache ---------------------------------------------------------------------------- */

int swap_cache_init(struct swap_info_struct *si)
{
	unsigned levels = 1;

	xa_init(&si->cache, vm_state(si->machine)->radix_tree_node_cachep);
	si->nr_cached = 0;
	si->cache_nodes = (struct xa_preload)XA_PRELOAD_INIT;
	/* a store below max grows the root to its height and makes the path down */
	for (unsigned long x = (si->max - 1) >> XA_CHUNK_SHIFT; x; x >>= XA_CHUNK_SHIFT)
		levels++;
	si->cache_nodes_need = KMM_MIN(2 * levels, (unsigned)XA_PRELOAD_MAX);
	return 0;
}

void swap_cache_exit(struct swap_info_struct *si)
{
	struct xa_preload pl;

	spin_lock(&si->cache_lock);
	xa_destroy(&si->cache);
	si->nr_cached = 0;
	pl = si->cache_nodes;
	si->cache_nodes.nr = 0;
	spin_unlock(&si->cache_lock);
	xa_preload_release(si->cache.xa_node_cache, &pl);
}

/*
 * Nothing is allocated under cache_lock: reclaim may run inside any
 * allocation (and the slab may allocate even for GFP_NOWAIT), and reclaim
 * or the OOM killer's unmapping come back here for the same lock.  Stores
 * take their nodes from si->cache_nodes, refilled before the lock is taken.
 * Called and returns with cache_lock held; false (unlocked) if out of memory.
 */
static bool swap_cache_reserve(struct swap_info_struct *si, gfp_t gfp)
{
	struct kmem_cache *cache = si->cache.xa_node_cache;

	while (si->cache_nodes.nr < si->cache_nodes_need) {
		struct xa_preload pl = XA_PRELOAD_INIT;
		unsigned want = si->cache_nodes_need - si->cache_nodes.nr;
		int ret;

		spin_unlock(&si->cache_lock);
		ret = xa_preload(cache, &pl, want, gfp);
		spin_lock(&si->cache_lock);
		while (pl.nr && si->cache_nodes.nr < XA_PRELOAD_MAX)
			si->cache_nodes.nodes[si->cache_nodes.nr++] = pl.nodes[--pl.nr];
		if (pl.nr || ret) {
			spin_unlock(&si->cache_lock);
			xa_preload_release(cache, &pl);
			if (ret)
				return false;
			spin_lock(&si->cache_lock);
		}
	}
	return true;
}

/*
 * Insert @page at @offset, whose SWAP_HAS_CACHE the caller holds; the cache
 * takes a reference.  A shadow found there is returned in *@shadowp.
 * 0, -KMM_EEXIST or -KMM_ENOMEM (the page untouched).
 */
static int add_to_swap_cache(struct swap_info_struct *si, struct page *page, unsigned long offset,
			     gfp_t gfp, void **shadowp)
{
	struct kmm_machine *m = si->machine;
	void *old = NULL;
	int ret;

	*shadowp = NULL;
	page->private = swp_entry((unsigned)si->type, offset).val;
	SetPageSwapBacked(page);
	SetPageSwapCache(page);
	get_page(page);
	spin_lock(&si->cache_lock);
	if (!swap_cache_reserve(si, gfp)) {
		ret = -KMM_ENOMEM;
		goto failed;
	}
	old = xa_load(&si->cache, offset);
	if (old && !xa_is_value(old)) {
		ret = -KMM_EEXIST;
	} else {
		/* 0: the reserve holds enough nodes, nothing is allocated */
		ret = xa_store_preload(&si->cache, offset, page, &si->cache_nodes, 0, NULL);
		if (!ret)
			si->nr_cached++;
	}
	spin_unlock(&si->cache_lock);
failed:
	if (ret) {
		ClearPageSwapCache(page);
		page->private = 0;
		put_page_testzero(page); /* ours; the caller's stays */
		return ret;
	}
	if (old && xa_is_value(old))
		*shadowp = old;
	swapcache_account(m, page, 1);
	return 0;
}

bool swap_cache_remove(struct swap_info_struct *si, struct page *page, void *shadow,
		       bool only_unused)
{
	struct kmm_machine *m = si->machine;
	swp_entry_t e = { page->private };
	unsigned long off = swp_offset(e);
	bool removed = false;
	unsigned v;

	if (!PageSwapCache(page) || swp_type(e) != (unsigned)si->type || !off || off >= si->max)
		return false;
	/* si->lock keeps the count still: a PTE reference cannot appear (fork,
	 * try_to_unmap) between the check and the removal */
	spin_lock(&si->lock);
	v = si->swap_map[off];
	if (only_unused && (v & SWAP_COUNT_MASK))
		goto out;
	spin_lock(&si->cache_lock);
	/* swap_writepage sets PG_writeback under cache_lock: a page being
	 * written keeps its slot until the write is over */
	if (xa_load(&si->cache, off) == page && !(only_unused && PageWriteback(page))) {
		/* replacing a present entry needs no node */
		if (shadow && (v & SWAP_COUNT_MASK))
			xa_store_preload(&si->cache, off, shadow, &si->cache_nodes, 0, NULL);
		else
			xa_erase(&si->cache, off);
		si->nr_cached--;
		ClearPageSwapCache(page);
		page->private = 0;
		removed = true;
	}
	spin_unlock(&si->cache_lock);
	if (removed) {
		v &= ~SWAP_HAS_CACHE;
		if (v)
			si->swap_map[off] = (uint16_t)v;
		else
			swap_slot_free_locked(si, off);
	}
out:
	spin_unlock(&si->lock);
	if (!removed)
		return false;
	kmm_clear_page_flag(page, PG_readahead);
	swapcache_account(m, page, -1);
	put_user_page(m, page); /* the cache's reference */
	return true;
}

void swap_cache_clear_shadow(struct swap_info_struct *si, unsigned long offset)
{
	void *e;

	spin_lock(&si->cache_lock);
	e = xa_load(&si->cache, offset);
	if (e && xa_is_value(e))
		xa_erase(&si->cache, offset);
	spin_unlock(&si->cache_lock);
}

/* The cache page at @offset with a reference, or NULL. */
static struct page *__lookup_swap_cache(struct swap_info_struct *si, unsigned long offset)
{
	struct page *page;

	spin_lock(&si->cache_lock);
	page = xa_load(&si->cache, offset);
	if (page && xa_is_value(page))
		page = NULL;
	if (page)
		get_page(page);
	spin_unlock(&si->cache_lock);
	return page;
}

/* A readahead page found by a fault: a hit for the window that read it. */
static bool swap_ra_hit(struct kmm_machine *m, struct page *page)
{
	if (!kmm_test_page_flag(page, PG_readahead) || !test_clear_page_flag(page, PG_readahead))
		return false;
	count_vm_events(m, SWAP_RA_HIT, 1);
	if (swap_state(m))
		atomic_fetch_add_explicit(&swap_state(m)->ra_hits, 1, memory_order_relaxed);
	return true;
}

struct page *lookup_swap_cache(struct kmm_machine *m, swp_entry_t e)
{
	struct swap_info_struct *si = get_swap_device(m, e);
	struct page *page;

	if (!si)
		return NULL;
	page = __lookup_swap_cache(si, swp_offset(e));
	put_swap_device(si);
	if (page)
		swap_ra_hit(m, page);
	return page;
}

void *swap_cache_get_shadow(struct kmm_machine *m, swp_entry_t e)
{
	struct swap_info_struct *si = get_swap_device(m, e);
	void *entry;

	if (!si)
		return NULL;
	spin_lock(&si->cache_lock);
	entry = xa_load(&si->cache, swp_offset(e));
	spin_unlock(&si->cache_lock);
	put_swap_device(si);
	return entry && xa_is_value(entry) ? entry : NULL;
}

int add_to_swap(struct kmm_machine *m, struct page *page)
{
	struct swap_info_struct *si;
	swp_entry_t e;
	void *shadow;
	int ret;

	if (PageSwapCache(page))
		return -KMM_EEXIST;
	e = get_swap_page(m);
	if (!e.val)
		return -KMM_ENOSPC;
	si = get_swap_device(m, e);
	if (!si)
		return -KMM_ENOSPC; /* swapped off meanwhile: the slot went with it */
	ret = add_to_swap_cache(si, page, swp_offset(e), GFP_ADD_TO_SWAP, &shadow);
	put_swap_device(si);
	if (ret) {
		put_swap_page(m, e);
		return ret;
	}
	/* the data is only in memory until swap_writepage; it is valid (anonymous
	 * pages are uptodate from the start in Linux, not marked so here) */
	SetPageUptodate(page);
	SetPageDirty(page);
	return 0;
}

void __delete_from_swap_cache(struct kmm_machine *m, struct page *page, void *shadow)
{
	struct swap_info_struct *si;

	if (!PageSwapCache(page))
		return;
	si = get_swap_device(m, (swp_entry_t){ page->private });
	if (!si)
		return;
	swap_cache_remove(si, page, shadow, false);
	put_swap_device(si);
}

void delete_from_swap_cache(struct kmm_machine *m, struct page *page)
{
	__delete_from_swap_cache(m, page, NULL);
}

/* ---- I/O (mm/page_io.c) ------------------------------------------------------------------ */

int swap_writepage(struct kmm_machine *m, struct page *page)
{
	swp_entry_t e = { page->private };
	struct swap_info_struct *si;
	unsigned long off;
	int ret = 0;
	bool ours;
	long n;

	if (!PageSwapCache(page))
		return -KMM_EINVAL;
	si = get_swap_device(m, e);
	if (!si)
		return -KMM_EIO; /* the device is gone (shutdown): keep the page */
	off = swp_offset(e);
	spin_lock(&si->cache_lock);
	ours = xa_load(&si->cache, off) == page && !PageWriteback(page);
	if (ours)
		SetPageWriteback(page); /* try_to_free_swap() keeps off it now */
	spin_unlock(&si->cache_lock);
	if (!ours) {
		put_swap_device(si);
		return -KMM_EAGAIN;
	}
	/* clear_page_dirty_for_io(): a store after this dirties it again */
	ClearPageDirty(page);
	mod_node_page_state(m, page_pgdat(m, page), NR_WRITEBACK, 1);
	mod_zone_page_state(m, kmm_page_zone(m, page), NR_ZONE_WRITE_PENDING, 1);
	if (should_fail_swap_io(m, true)) {
		ret = -KMM_EIO;
	} else {
		n = kmm_port_file_pwrite(si->fd, kmm_page_address(m, page), KMM_PAGE_SIZE,
					 (uint64_t)off << KMM_PAGE_SHIFT);
		if (n != (long)KMM_PAGE_SIZE)
			ret = -KMM_EIO;
	}
	if (ret) {
		SetPageDirty(page);
		swap_io_error(m, si, off, true);
	} else {
		count_vm_events(m, PSWPOUT, 1);
		count_vm_events(m, PGPGOUT, KMM_PAGE_SIZE >> 9); /* sectors */
		mod_node_page_state(m, page_pgdat(m, page), NR_WRITTEN, 1);
	}
	mod_node_page_state(m, page_pgdat(m, page), NR_WRITEBACK, -1);
	mod_zone_page_state(m, kmm_page_zone(m, page), NR_ZONE_WRITE_PENDING, -1);
	ClearPageWriteback(page);
	put_swap_device(si);
	return ret;
}

/* Read slot @offset into @page: 0 or -KMM_EIO (counted and logged). */
static int swap_read_page(struct kmm_machine *m, struct swap_info_struct *si, struct page *page,
			  unsigned long offset)
{
	long n;

	if (!should_fail_swap_io(m, false)) {
		n = kmm_port_file_pread(si->fd, kmm_page_address(m, page), KMM_PAGE_SIZE,
					(uint64_t)offset << KMM_PAGE_SHIFT);
		if (n == (long)KMM_PAGE_SIZE) {
			count_vm_events(m, PSWPIN, 1);
			count_vm_events(m, PGPGIN, KMM_PAGE_SIZE >> 9);
			return 0;
		}
	}
	swap_io_error(m, si, offset, false);
	return -KMM_EIO;
}

/* ---- swap-in ------------------------------------------------------------------------------ */

/*
 * The cache page of @offset, with a reference: found (*@new false, maybe
 * locked by its reader), or a fresh one added to the cache, locked and not
 * yet read (*@new true).  NULL with *@err: -KMM_ENOENT (the slot is free),
 * -KMM_ENOMEM.  (__read_swap_cache_async)
 */
static struct page *read_swap_cache_async(struct swap_info_struct *si, unsigned long offset,
					  gfp_t gfp, struct vm_area_struct *vma, bool *new,
					  int *err)
{
	struct kmm_machine *m = si->machine;
	struct page *page;
	void *shadow;
	int ret;

	*new = false;
	for (;;) {
		page = __lookup_swap_cache(si, offset);
		if (page)
			return page;
		page = kmm_alloc_pages(m, gfp, 0);
		if (!page) {
			*err = -KMM_ENOMEM;
			return NULL;
		}
		ret = swapcache_prepare(si, offset);
		if (ret == -KMM_EEXIST) {
			/* someone else is adding it (or is between adding and
			 * finding it gone): let them finish, look again */
			put_user_page(m, page);
			kmm_port_yield();
			continue;
		}
		if (ret) {
			put_user_page(m, page);
			*err = ret;
			return NULL;
		}
		kmm_set_page_flag(page, PG_locked);
		ret = add_to_swap_cache(si, page, offset, gfp, &shadow);
		if (ret) {
			put_swap_page(m, swp_entry((unsigned)si->type, offset));
			kmm_clear_page_flag(page, PG_locked);
			put_user_page(m, page);
			*err = ret == -KMM_EEXIST ? -KMM_ENOENT : ret;
			return NULL;
		}
		if (shadow)
			workingset_refault(m, page, shadow);
		if (vma)
			lru_cache_add_inactive_or_unevictable(m, page, vma);
		else
			lru_cache_add(m, page);
		*new = true;
		return page;
	}
}

/*
 * A locked cache page nobody maps, whose slot no swap PTE refers to any
 * more, leaves the cache: the PTE it was read for went while we held the
 * lock (munmap, exit, the OOM reaper), and the zap's free_swap_and_cache
 * could not take the page then.  Left there, it would hold its slot until
 * reclaim found it.
 */
static void swap_cache_drop_unused(struct swap_info_struct *si, struct page *page)
{
	if (PageSwapCache(page) && page_mapcount(page) <= 0)
		swap_cache_remove(si, page, NULL, true);
}

/* Read a new (locked) cache page; on failure it leaves the cache.  Unlocks it. */
static int swapin_read_new(struct swap_info_struct *si, struct page *page, unsigned long offset)
{
	int ret = swap_read_page(si->machine, si, page, offset);

	if (ret) {
		swap_cache_remove(si, page, NULL, false); /* the slot and its PTEs stay */
	} else {
		SetPageUptodate(page);
		swap_cache_drop_unused(si, page);
	}
	unlock_page(page);
	return ret;
}

/*
 * The readahead window for a fault after one that chose @prev_win, with
 * @hits readahead pages used since (swapin_nr_pages): no hits and a fault
 * not @adjacent to the last means random access, one page; hits grow the
 * window to the next power of two above hits + 2, up to @max; it never
 * falls below half the previous one at once.
 */
static unsigned swapin_nr_pages(bool adjacent, unsigned long hits, unsigned max, unsigned prev_win)
{
	unsigned pages;

	if (max <= 1)
		return 1;
	if (!hits) {
		pages = adjacent ? 2 : 1;
	} else {
		pages = 4;
		while (pages < hits + 2 && pages < max)
			pages <<= 1;
	}
	if (pages > max)
		pages = max;
	if (pages < prev_win / 2)
		pages = prev_win / 2;
	return pages;
}

static unsigned swap_max_win(struct kmm_machine *m)
{
	int pc = __atomic_load_n(&m->vm.page_cluster, __ATOMIC_RELAXED);

	return 1U << KMM_MIN(KMM_MAX(pc, 0), SWAP_PAGE_CLUSTER_MAX);
}

/* The other allocated slots of @offset's aligned window (swap_cluster_readahead). */
static void swap_readahead_window(struct swap_info_struct *si, unsigned long offset)
{
	struct kmm_machine *m = si->machine;
	struct swap_state *ss = swap_state(m);
	unsigned long hits, prev, mask, start, end;
	unsigned win;

	if (!ss)
		return;
	hits = atomic_exchange_explicit(&ss->ra_hits, 0, memory_order_relaxed);
	prev = atomic_load_explicit(&ss->ra_prev_offset, memory_order_relaxed);
	win = swapin_nr_pages(offset == prev + 1 || offset + 1 == prev, hits, swap_max_win(m),
			      atomic_load_explicit(&ss->ra_prev_win, memory_order_relaxed));
	mask = win - 1;
	start = offset & ~mask;
	end = offset | mask;
	if (!hits)
		atomic_store_explicit(&ss->ra_prev_offset, offset, memory_order_relaxed);
	atomic_store_explicit(&ss->ra_prev_win, win, memory_order_relaxed);
	if (!mask)
		return;
	for (unsigned long o = start; o <= end && o < si->max; o++) {
		struct page *page;
		bool new;
		int err;

		if (o == offset || !o)
			continue;
		spin_lock(&si->lock);
		unsigned v = si->swap_map[o];
		spin_unlock(&si->lock);
		if (v == SWAP_MAP_BAD || !(v & SWAP_COUNT_MASK) || (v & SWAP_HAS_CACHE))
			continue; /* free, or in the cache already */
		page = read_swap_cache_async(si, o, GFP_SWAP_RA, NULL, &new, &err);
		if (!page) {
			if (err == -KMM_ENOMEM)
				break;
			continue;
		}
		if (new) {
			kmm_set_page_flag(page, PG_readahead);
			if (!swapin_read_new(si, page, o))
				count_vm_events(m, SWAP_RA, 1);
		}
		put_user_page(m, page);
	}
}

/* The page of @e, reading it (and its window) if not cached; see swapin_readahead(). */
static struct page *swapin_page(struct swap_info_struct *si, swp_entry_t e,
				struct vm_area_struct *vma, gfp_t gfp, bool slot_ra, bool *major,
				int *err)
{
	unsigned long off = swp_offset(e);
	struct page *page;
	bool new;

	*major = false;
	*err = 0;
	page = read_swap_cache_async(si, off, gfp, vma, &new, err);
	if (!page || !new)
		return page;
	if (swapin_read_new(si, page, off)) {
		put_user_page(si->machine, page);
		*err = -KMM_EIO;
		return NULL;
	}
	*major = true;
	if (slot_ra)
		swap_readahead_window(si, off);
	return page;
}

struct page *swapin_readahead(struct kmm_machine *m, swp_entry_t e, bool *major, int *err)
{
	struct swap_info_struct *si = get_swap_device(m, e);
	struct page *page;

	*major = false;
	if (!si) {
		*err = -KMM_ENOENT;
		return NULL;
	}
	page = lookup_swap_cache(m, e);
	if (!page)
		page = swapin_page(si, e, NULL, GFP_HIGHUSER_MOVABLE, true, major, err);
	put_swap_device(si);
	return page;
}

/* ---- mapping a swapped-in page ---------------------------------------------------------------- */

enum swap_map_how {
	SWAP_MAP_READ,	 /* read fault: keep the slot unless swap is short */
	SWAP_MAP_WRITE,	 /* write fault: writable if the page is ours alone */
	SWAP_MAP_UNUSE,	 /* swapoff: read-only, the slot goes once nobody needs it */
	SWAP_MAP_AROUND, /* fault-around: as a read, and still PG_readahead */
};

/*
 * Replace the swap PTE @orig at @pte by @page (locked, the uptodate cache
 * page of @e); the PTE lock is held.  False if the PTE changed meanwhile.
 */
static bool swap_pte_map(struct vm_area_struct *vma, uint64_t addr, pteval_t *pte, pteval_t orig,
			 struct page *page, swp_entry_t e, struct swap_info_struct *si,
			 enum swap_map_how how)
{
	struct mm_struct *mm = vma->vm_mm;
	struct kmm_machine *m = mm->machine;
	pteval_t entry;
	bool exclusive;

	if (pte_read(pte) != orig)
		return false;
	/* ours alone: this PTE is the slot's only reference and nobody maps it */
	exclusive = swap_count(si, swp_offset(e)) == 1 && page_mapcount(page) <= 0;
	if (PageAnon(page)) {
		page_add_anon_rmap(page, vma, addr);
	} else {
		page_add_new_anon_rmap(page, vma, addr);
		if (!exclusive) {
			/* other VMAs of the fork tree will map it too: the oldest anon_vma */
			struct anon_vma *root = vma->anon_vma->root;

			__atomic_store_n(&page->mapping,
					 (void *)((uintptr_t)root | PAGE_MAPPING_ANON),
					 __ATOMIC_RELEASE);
		}
	}
	add_mm_counter(mm, MM_SWAPENTS, -1);
	add_mm_counter(mm, MM_ANONPAGES, 1);
	entry = pfn_pte(kmm_page_to_pfn(m, page), vma->vm_page_prot & ~_PAGE_RW);
	swap_free(m, e);
	if (how != SWAP_MAP_AROUND)
		kmm_clear_page_flag(page, PG_readahead);
	if (exclusive) {
		bool free_it = how == SWAP_MAP_WRITE || how == SWAP_MAP_UNUSE || vm_swap_full(m) ||
			       (vma->vm_flags & VM_LOCKED);

		if (free_it && swap_cache_remove(si, page, NULL, true))
			SetPageDirty(page); /* only in memory now */
		/*
		 * Nobody else can see the page: writable at once, even on a read
		 * fault (no second fault to write it).  If the clean copy stays
		 * in the slot, a store sets the PTE's dirty bit, which
		 * try_to_unmap hands to the page, so reclaim writes it again.
		 */
		if (how != SWAP_MAP_UNUSE && (vma->vm_flags & VM_WRITE)) {
			entry |= _PAGE_RW;
			if (how == SWAP_MAP_WRITE)
				entry |= _PAGE_DIRTY | _PAGE_ACCESSED;
		}
	}
	pte_write(pte, entry);
	return true;
}

/* ---- VMA-based readahead and swap fault-around ----------------------------------------------- */

/*
 * swap_vma_readahead: on a major fault the window is placed by virtual
 * address, not by slot: forward after a fault just below (within the last
 * window), backward after one just above, otherwise centred on the fault; clamped to
 * the VMA and to the fault's page table.  Every PTE of the window that
 * still holds a swap entry has its slot read into the swap cache
 * (PG_readahead, SWAP_RA).
 *
 * Fault-around (kmm; Linux does it for file pages in filemap_map_pages):
 * once the faulting page is mapped, the window's cache pages are mapped
 * too, read-only and old (accessed bit clear), so that using one costs no
 * fault; reclaim finds an unused one unreferenced and drops it first,
 * without I/O (its slot is kept).  A page used since is a hit: at the
 * next major fault in the VMA, a page of the last window still marked
 * PG_readahead under a young PTE counts (SWAP_RA_HIT), as does a fault
 * that finds a PG_readahead page in the cache.
 *
 * vma->swap_ra_info packs the last fault's page address, the window it
 * chose (bits 6-11) and the hits since (bits 0-5).
 */
#define SWAP_RA_HITS_MASK 0x3fUL
#define SWAP_RA_WIN_SHIFT 6
#define SWAP_RA_WIN_MASK 0x3fUL

struct swap_ra_batch {
	unsigned nr;
	struct {
		uint64_t addr;
		pteval_t orig; /* the swap PTE the page was read for */
		struct page *page;
	} p[1U << SWAP_PAGE_CLUSTER_MAX];
};

static void swap_ra_vma_hit(struct vm_area_struct *vma)
{
	unsigned long old = __atomic_load_n(&vma->swap_ra_info, __ATOMIC_RELAXED);

	while ((old & SWAP_RA_HITS_MASK) != SWAP_RA_HITS_MASK &&
	       !__atomic_compare_exchange_n(&vma->swap_ra_info, &old, old + 1, true,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

/* Pages of the window chosen at @prev that were used since (fault-around hits). */
static unsigned long swap_ra_used(struct vm_area_struct *vma, uint64_t prev, unsigned prev_win)
{
	struct mm_struct *mm = vma->vm_mm;
	struct kmm_machine *m = mm->machine;
	uint64_t span = (uint64_t)prev_win << KMM_PAGE_SHIFT, lo, hi;
	unsigned long hits = 0;
	kmm_spinlock_t *ptl;
	pteval_t *pte;

	if (prev_win <= 1 || prev < vma->vm_start || prev >= vma->vm_end)
		return 0;
	/* wherever the window was placed, it lies within prev_win pages of prev */
	lo = KMM_MAX(KMM_MAX(prev > span ? prev - span : 0, vma->vm_start), prev & PMD_MASK);
	hi = KMM_MIN(KMM_MIN(prev + span + KMM_PAGE_SIZE, vma->vm_end),
		     (prev & PMD_MASK) + PMD_SIZE);
	pte = pte_offset_map(mm, lo, &ptl);
	if (!pte)
		return 0;
	spin_lock(ptl);
	for (uint64_t a = lo; a < hi; a += KMM_PAGE_SIZE, pte++) {
		pteval_t v = pte_read(pte);
		struct page *page;

		if (!(v & _PAGE_PRESENT) || !pte_young(v))
			continue;
		page = kmm_pfn_to_page(m, pte_pfn(v));
		if (PageAnon(page) && kmm_test_page_flag(page, PG_readahead) &&
		    test_clear_page_flag(page, PG_readahead))
			hits++;
	}
	spin_unlock(ptl);
	if (hits)
		count_vm_events(m, SWAP_RA_HIT, hits);
	return hits;
}

/* Read the window around @vmf's fault (whose own page is in) into @b, with references. */
static void swap_vma_readahead(struct vm_fault *vmf, struct swap_ra_batch *b)
{
	struct vm_area_struct *vma = vmf->vma;
	struct kmm_machine *m = vma->vm_mm->machine;
	unsigned long info = __atomic_load_n(&vma->swap_ra_info, __ATOMIC_RELAXED);
	uint64_t prev = info & KMM_PAGE_MASK, fpn = vmf->address >> KMM_PAGE_SHIFT;
	uint64_t ppn = prev >> KMM_PAGE_SHIFT, lpn, rpn, lo, hi;
	unsigned prev_win = (unsigned)((info >> SWAP_RA_WIN_SHIFT) & SWAP_RA_WIN_MASK);
	unsigned long hits = (info & SWAP_RA_HITS_MASK) + swap_ra_used(vma, prev, prev_win);
	/*
	 * Sequential, forward or backward: the fault lands right past the
	 * last one's window (its pages were mapped around it, so the pages
	 * in between took no fault; Linux, without fault-around, sees every
	 * page fault and compares with the page before).
	 */
	uint64_t reach = prev_win ? prev_win : 1;
	bool fwd = prev && fpn > ppn && fpn - ppn <= reach;
	bool back = prev && ppn > fpn && ppn - fpn <= reach;
	unsigned win = swapin_nr_pages(fwd || back, hits, swap_max_win(m), prev_win);

	__atomic_store_n(&vma->swap_ra_info,
			 vmf->address | ((unsigned long)win << SWAP_RA_WIN_SHIFT),
			 __ATOMIC_RELAXED);
	if (win <= 1)
		return;
	if (fwd) {
		lpn = fpn;
		rpn = fpn + win;
	} else if (back) {
		lpn = fpn + 1 >= win ? fpn + 1 - win : 0;
		rpn = fpn + 1;
	} else {
		unsigned left = (win - 1) / 2;

		lpn = fpn >= left ? fpn - left : 0;
		rpn = lpn + win;
	}
	lo = KMM_MAX(KMM_MAX(lpn << KMM_PAGE_SHIFT, vma->vm_start), vmf->address & PMD_MASK);
	hi = KMM_MIN(KMM_MIN(rpn << KMM_PAGE_SHIFT, vma->vm_end),
		     (vmf->address & PMD_MASK) + PMD_SIZE);
	for (uint64_t a = lo; a < hi && b->nr < KMM_ARRAY_SIZE(b->p); a += KMM_PAGE_SIZE) {
		pteval_t *pte = vmf->pte + (int64_t)(a - vmf->address) / (int64_t)KMM_PAGE_SIZE;
		pteval_t v = pte_read(pte); /* checked again under the lock before mapping */
		struct swap_info_struct *si;
		struct page *page;
		swp_entry_t e;
		bool new;
		int err = 0;

		if (a == vmf->address || !is_swap_pte(v))
			continue;
		e = pte_to_swp_entry(v);
		si = get_swap_device(m, e);
		if (!si)
			continue;
		page = read_swap_cache_async(si, swp_offset(e), GFP_SWAP_RA, vma, &new, &err);
		if (page && new) {
			kmm_set_page_flag(page, PG_readahead);
			if (swapin_read_new(si, page, swp_offset(e))) {
				put_user_page(m, page);
				page = NULL;
			} else {
				count_vm_events(m, SWAP_RA, 1);
			}
		}
		put_swap_device(si);
		if (!page) {
			if (err == -KMM_ENOMEM)
				break;
			continue;
		}
		b->p[b->nr].addr = a;
		b->p[b->nr].orig = v;
		b->p[b->nr].page = page;
		b->nr++;
	}
}

/* Map @b's pages where their swap PTEs still are (@map), and drop the references. */
static void swap_fault_around(struct vm_fault *vmf, struct swap_ra_batch *b, bool map)
{
	struct vm_area_struct *vma = vmf->vma;
	struct kmm_machine *m = vma->vm_mm->machine;
	bool any = false;

	for (unsigned i = 0; i < b->nr; i++) {
		struct page *page = b->p[i].page;
		swp_entry_t e = pte_to_swp_entry(b->p[i].orig);
		struct swap_info_struct *si;
		bool mapped = false;

		if (trylock_page(page)) {
			if (PageSwapCache(page) && page->private == e.val &&
			    (si = get_swap_device(m, e))) {
				pteval_t *pte = vmf->pte + (int64_t)(b->p[i].addr - vmf->address) /
								   (int64_t)KMM_PAGE_SIZE;

				if (map && PageUptodate(page)) {
					spin_lock(vmf->ptl);
					mapped = swap_pte_map(vma, b->p[i].addr, pte, b->p[i].orig,
							      page, e, si, SWAP_MAP_AROUND);
					spin_unlock(vmf->ptl);
				}
				if (!mapped)
					swap_cache_drop_unused(si, page);
				put_swap_device(si);
			}
			unlock_page(page);
		}
		if (!mapped)
			put_user_page(m, page); /* else the PTE's now */
		any |= mapped;
	}
	b->nr = 0;
	if (any)
		update_hiwater_rss(vma->vm_mm);
}

unsigned do_swap_page(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;
	struct kmm_machine *m = mm->machine;
	swp_entry_t e = pte_to_swp_entry(vmf->orig_pte);
	struct swap_info_struct *si = get_swap_device(m, e);
	struct swap_state *ss = swap_state(m);
	bool vma_ra = atomic_load_explicit(&ss->vma_ra_enabled, memory_order_relaxed);
	struct swap_ra_batch ra = { .nr = 0 };
	struct page *page;
	unsigned ret = 0;
	bool major = false;
	int err = 0;

	if (!si) {
		/* swapoff brought it in meanwhile, or a bad entry */
		if (pte_read(vmf->pte) != vmf->orig_pte)
			return 0;
		pr_err(m, "%s[%d]: bad swap entry %08llx at %llx",
		       vmf->task ? vmf->task->comm : "?", vmf->task ? vmf->task->pid : 0,
		       (unsigned long long)e.val, (unsigned long long)vmf->address);
		return VM_FAULT_SIGBUS;
	}
	for (;;) {
		page = __lookup_swap_cache(si, swp_offset(e));
		if (page && swap_ra_hit(m, page))
			swap_ra_vma_hit(vma);
		if (!page) {
			page = swapin_page(si, e, vma, GFP_HIGHUSER_MOVABLE, !vma_ra, &major, &err);
			if (!page) {
				if (pte_read(vmf->pte) != vmf->orig_pte)
					ret = 0; /* someone else dealt with it */
				else if (err == -KMM_ENOMEM)
					ret = VM_FAULT_OOM;
				else
					ret = VM_FAULT_SIGBUS; /* a read error: the slot stays */
				goto out;
			}
			if (major)
				ret |= VM_FAULT_MAJOR;
			if (major && vma_ra && !ra.nr)
				swap_vma_readahead(vmf, &ra);
		}
		lock_page(page);
		if (PageSwapCache(page) && page->private == e.val)
			break;
		/* reclaimed or freed while we waited for the lock: look again */
		unlock_page(page);
		put_user_page(m, page);
		if (pte_read(vmf->pte) != vmf->orig_pte)
			goto out;
	}
	if (!PageUptodate(page)) {
		ret = VM_FAULT_SIGBUS;
		goto out_page;
	}
	if (anon_vma_prepare(vma)) {
		ret = VM_FAULT_OOM;
		goto out_page;
	}
	spin_lock(vmf->ptl);
	if (!swap_pte_map(vma, vmf->address, vmf->pte, vmf->orig_pte, page, e, si,
			  (vmf->flags & FAULT_FLAG_WRITE) ? SWAP_MAP_WRITE : SWAP_MAP_READ)) {
		spin_unlock(vmf->ptl);
		goto out_page;
	}
	spin_unlock(vmf->ptl);
	unlock_page(page);
	/* our reference is the PTE's now; a read-only PTE on a write fault
	 * faults again into do_wp_page, which copies */
	update_hiwater_rss(mm);
	swap_fault_around(vmf, &ra, atomic_load_explicit(&ss->fault_around, memory_order_relaxed));
	goto out;
out_page:
	swap_cache_drop_unused(si, page); /* if the PTE went meanwhile */
	unlock_page(page);
	put_user_page(m, page);
out:
	swap_fault_around(vmf, &ra, false);
	put_swap_device(si);
	return ret;
}

/* ---- swapoff -------------------------------------------------------------------------------------- */

int swap_unuse_pte(struct vm_area_struct *vma, uint64_t addr, pteval_t *pte,
		   struct swap_info_struct *si)
{
	struct mm_struct *mm = vma->vm_mm;
	struct kmm_machine *m = mm->machine;

	for (;;) {
		pteval_t orig = pte_read(pte);
		kmm_spinlock_t *ptl;
		struct page *page;
		swp_entry_t e;
		bool major, mapped;
		int err;

		if (!is_swap_pte(orig))
			return 0;
		e = pte_to_swp_entry(orig);
		if (swp_type(e) != (unsigned)si->type)
			return 0;
		page = __lookup_swap_cache(si, swp_offset(e));
		if (!page)
			page = swapin_page(si, e, vma, GFP_SWAPOFF, true, &major, &err);
		if (!page) {
			if (pte_read(pte) != orig)
				continue;
			return err == -KMM_ENOMEM ? -KMM_ENOMEM : -KMM_EIO;
		}
		lock_page(page);
		if (!PageSwapCache(page) || page->private != e.val || !PageUptodate(page)) {
			unlock_page(page);
			put_user_page(m, page);
			continue;
		}
		if (anon_vma_prepare(vma)) {
			unlock_page(page);
			put_user_page(m, page);
			return -KMM_ENOMEM;
		}
		if (pte_offset_map(mm, addr, &ptl) != pte) {
			unlock_page(page);
			put_user_page(m, page);
			return 0;
		}
		spin_lock(ptl);
		mapped = swap_pte_map(vma, addr, pte, orig, page, e, si, SWAP_MAP_UNUSE);
		spin_unlock(ptl);
		if (mapped && PageSwapCache(page) && !swap_count(si, swp_offset(e)))
			swap_cache_remove(si, page, NULL, true); /* every PTE has it back */
		if (mapped && !PageSwapCache(page))
			SetPageDirty(page);
		unlock_page(page);
		if (!mapped) {
			put_user_page(m, page);
			continue;
		}
		update_hiwater_rss(mm);
		return 0;
	}
}

unsigned long swap_cache_unuse(struct swap_info_struct *si)
{
	struct kmm_machine *m = si->machine;
	unsigned long index = 0, left = 0;

	for (;;) {
		struct page *pages[16];
		unsigned n = 0;
		void *entry;

		bool more = false;

		spin_lock(&si->cache_lock);
		entry = xa_find(&si->cache, &index, ~0UL, XA_PRESENT);
		while (entry) {
			if (!xa_is_value(entry)) {
				get_page((struct page *)entry);
				pages[n++] = entry;
				if (n == KMM_ARRAY_SIZE(pages)) {
					more = true;
					break;
				}
			}
			entry = xa_find_after(&si->cache, &index, ~0UL, XA_PRESENT);
		}
		spin_unlock(&si->cache_lock);
		for (unsigned i = 0; i < n; i++) {
			struct page *page = pages[i];

			lock_page(page);
			while (PageWriteback(page))
				kmm_port_yield();
			if (PageSwapCache(page) && swap_cache_remove(si, page, NULL, true))
				SetPageDirty(page); /* its data lives on in memory only */
			else if (PageSwapCache(page))
				left++;
			unlock_page(page);
			put_user_page(m, page);
		}
		if (!more)
			break;
		index++; /* after the last page taken */
	}
	return left;
}
