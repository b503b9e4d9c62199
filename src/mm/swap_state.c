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
 * that reclaim can drop the page again without writing it.
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

struct page *lookup_swap_cache(struct kmm_machine *m, swp_entry_t e)
{
	struct swap_info_struct *si = get_swap_device(m, e);
	struct page *page;

	if (!si)
		return NULL;
	page = __lookup_swap_cache(si, swp_offset(e));
	put_swap_device(si);
	if (page && kmm_test_page_flag(page, PG_readahead) &&
	    test_clear_page_flag(page, PG_readahead)) {
		count_vm_events(m, SWAP_RA_HIT, 1);
		if (swap_state(m))
			atomic_fetch_add_explicit(&swap_state(m)->ra_hits, 1, memory_order_relaxed);
	}
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

/* Read a new (locked) cache page; on failure it leaves the cache.  Unlocks it. */
static int swapin_read_new(struct swap_info_struct *si, struct page *page, unsigned long offset)
{
	int ret = swap_read_page(si->machine, si, page, offset);

	if (ret)
		swap_cache_remove(si, page, NULL, false); /* the slot and its PTEs stay */
	else
		SetPageUptodate(page);
	unlock_page(page);
	return ret;
}

/* The other allocated slots of @offset's 1 << page_cluster window. */
static void swap_readahead_window(struct swap_info_struct *si, unsigned long offset)
{
	struct kmm_machine *m = si->machine;
	struct swap_state *ss = swap_state(m);
	unsigned cluster = (unsigned)KMM_MIN(ss->page_cluster, 8); /* at most a cluster */
	unsigned long mask = (1UL << cluster) - 1, start = offset & ~mask, end = offset | mask;

	if (!mask)
		return;
	/*
	 * Adaptive window: when fewer than a quarter of the pages read ahead
	 * were used, read only the faulting page (every 16th fault still
	 * probes the window); the history halves as it grows, so the window
	 * comes back when the access pattern turns sequential again.
	 */
	unsigned long issued = atomic_load_explicit(&ss->ra_issued, memory_order_relaxed);
	unsigned long hits = atomic_load_explicit(&ss->ra_hits, memory_order_relaxed);
	unsigned long faults = atomic_fetch_add_explicit(&ss->ra_faults, 1, memory_order_relaxed);
	if (issued > 4096) {
		atomic_store_explicit(&ss->ra_issued, issued / 2, memory_order_relaxed);
		atomic_store_explicit(&ss->ra_hits, hits / 2, memory_order_relaxed);
	}
	if (issued > 64 && hits * 4 < issued && faults % 16)
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
			if (!swapin_read_new(si, page, o)) {
				count_vm_events(m, SWAP_RA, 1);
				atomic_fetch_add_explicit(&ss->ra_issued, 1, memory_order_relaxed);
			}
		}
		put_user_page(m, page);
	}
}

/* The page of @e, reading it (and its window) if not cached; see swapin_readahead(). */
static struct page *swapin_page(struct swap_info_struct *si, swp_entry_t e,
				struct vm_area_struct *vma, gfp_t gfp, bool *major, int *err)
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
		page = swapin_page(si, e, NULL, GFP_HIGHUSER_MOVABLE, major, err);
	put_swap_device(si);
	return page;
}

/* ---- mapping a swapped-in page ---------------------------------------------------------------- */

enum swap_map_how {
	SWAP_MAP_READ,	/* read fault: keep the slot unless swap is short */
	SWAP_MAP_WRITE, /* write fault: writable if the page is ours alone */
	SWAP_MAP_UNUSE, /* swapoff: read-only, the slot goes once nobody needs it */
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
	kmm_clear_page_flag(page, PG_readahead);
	if (exclusive) {
		bool free_it = how == SWAP_MAP_WRITE || how == SWAP_MAP_UNUSE || vm_swap_full(m) ||
			       (vma->vm_flags & VM_LOCKED);

		if (free_it && swap_cache_remove(si, page, NULL, true)) {
			SetPageDirty(page); /* only in memory now */
			if (how == SWAP_MAP_WRITE && (vma->vm_flags & VM_WRITE))
				entry |= _PAGE_RW | _PAGE_DIRTY | _PAGE_ACCESSED;
		}
	}
	pte_write(pte, entry);
	return true;
}

unsigned do_swap_page(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;
	struct kmm_machine *m = mm->machine;
	swp_entry_t e = pte_to_swp_entry(vmf->orig_pte);
	struct swap_info_struct *si = get_swap_device(m, e);
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
		page = lookup_swap_cache(m, e);
		if (!page) {
			page = swapin_page(si, e, vma, GFP_HIGHUSER_MOVABLE, &major, &err);
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
	goto out;
out_page:
	unlock_page(page);
	put_user_page(m, page);
out:
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
			page = swapin_page(si, e, vma, GFP_SWAPOFF, &major, &err);
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
