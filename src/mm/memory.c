/* SPDX-License-Identifier: MIT */
/*
 * src/mm/memory.c - page faults and the PTE-level work on user memory
 * (mm/memory.c, mm/mmu_gather.c).
 *
 *   handle_mm_fault    allocate the tables of the walk, then by PTE state:
 *     none + anonymous  do_anonymous_page: the shared zero page for reads,
 *                       a fresh zeroed page for writes
 *     none + file       do_read_fault / do_cow_fault / do_shared_fault via
 *                       the page cache (filemap.c) or shmem
 *     swap entry        the do_swap_page hook (reclaim issue)
 *     present, write to a read-only PTE
 *                       do_wp_page: reuse when the page is ours alone,
 *                       else copy (COW); shared file pages get dirtied
 *   zap_page_range     unmap PTEs, gather the pages, flush the TLB, then
 *                       drop them (never free a page another CPU's TLB
 *                       may still reach)
 *   copy_page_range    fork: share pages, write-protect private ones
 *
 * Locking: the caller holds mmap_lock (read for faults, write for
 * munmap/fork); PTEs change under the PTE table's split lock.
 */
#include "mm/vmscan.h"

/* ---- pages of user memory ---------------------------------------------------------- */

struct page *alloc_user_page(struct kmm_machine *m, struct vm_area_struct *vma, uint64_t addr,
			     bool zero)
{
	(void)vma;
	(void)addr;
	return kmm_alloc_pages(m, GFP_HIGHUSER_MOVABLE | (zero ? __GFP_ZERO : 0), 0);
}

void put_user_page(struct kmm_machine *m, struct page *page)
{
	if (!put_page_testzero(page))
		return;
	/* the last reference: off its LRU list, back to the allocator clean */
	page_lru_release(m, page);
	page->mapping = NULL;
	kmm_clear_page_flag(page, PG_swapbacked);
	kmm_clear_page_flag(page, PG_dirty);
	kmm_clear_page_flag(page, PG_uptodate);
	kmm_clear_page_flag(page, PG_referenced);
	set_page_count(page, 1);
	__kmm_free_pages(m, page, 0);
}

/*
 * free_swap_cache(): an anonymous page that nobody maps any more leaves the
 * swap cache, and its slot is freed, unless a swap PTE still refers to the
 * slot or the page is busy (locked, under writeback): otherwise the copy
 * would hold the slot until reclaim happened to find the page - forever
 * once swap is full, as reclaim then leaves the anonymous lists alone.
 */
static void free_swap_cache(struct kmm_machine *m, struct page *page)
{
	if (PageSwapCache(page) && page_mapcount(page) <= 0 && trylock_page(page)) {
		try_to_free_swap(m, page);
		unlock_page(page);
	}
}

static inline bool is_zero_pfn(struct kmm_machine *m, kmm_pfn_t pfn)
{
	return pfn == vm_state(m)->zero_pfn;
}

struct page *vm_normal_page(struct vm_area_struct *vma, uint64_t addr, pteval_t pte)
{
	(void)addr;
	if (pte & _PAGE_SPECIAL)
		return NULL;
	struct kmm_machine *m = vma->vm_mm->machine;
	kmm_pfn_t pfn = pte_pfn(pte);
	if (is_zero_pfn(m, pfn) || !kmm_pfn_valid(m, pfn))
		return NULL;
	return kmm_pfn_to_page(m, pfn);
}

static inline pteval_t maybe_mkwrite(pteval_t pte, struct vm_area_struct *vma)
{
	return (vma->vm_flags & VM_WRITE) ? pte | _PAGE_RW : pte;
}

static inline int mm_counter_file(struct page *page)
{
	return PageSwapBacked(page) ? MM_SHMEMPAGES : MM_FILEPAGES;
}

static inline int mm_counter(struct page *page)
{
	return PageAnon(page) ? MM_ANONPAGES : mm_counter_file(page);
}

static void count_fault(struct vm_fault *vmf, bool major)
{
	struct kmm_machine *m = vmf->vma->vm_mm->machine;
	if (major) {
		count_vm_events(m, PGMAJFAULT, 1);
		if (vmf->task)
			atomic_fetch_add_explicit(&vmf->task->maj_flt, 1, memory_order_relaxed);
	} else if (vmf->task) {
		atomic_fetch_add_explicit(&vmf->task->min_flt, 1, memory_order_relaxed);
	}
}

/* ---- anonymous faults ------------------------------------------------------------------- */

static unsigned do_anonymous_page(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;
	struct kmm_machine *m = mm->machine;
	if (!(vmf->flags & FAULT_FLAG_WRITE)) {
		/* reads of untouched memory map the shared zero page */
		pteval_t e = pfn_pte(vm_state(m)->zero_pfn,
				     (vma->vm_page_prot & ~_PAGE_RW) | _PAGE_SPECIAL);
		spin_lock(vmf->ptl);
		if (pte_none(pte_read(vmf->pte)))
			pte_write(vmf->pte, e);
		spin_unlock(vmf->ptl);
		return 0;
	}
	if (anon_vma_prepare(vma))
		return VM_FAULT_OOM;
	struct page *page = alloc_user_page(m, vma, vmf->address, true);
	if (!page)
		return VM_FAULT_OOM;
	pteval_t e = pfn_pte(kmm_page_to_pfn(m, page), vma->vm_page_prot | _PAGE_DIRTY);
	e = maybe_mkwrite(e, vma);
	spin_lock(vmf->ptl);
	if (!pte_none(pte_read(vmf->pte))) {
		/* another CPU faulted it in meanwhile */
		spin_unlock(vmf->ptl);
		put_user_page(m, page);
		return 0;
	}
	page_add_new_anon_rmap(page, vma, vmf->address);
	add_mm_counter(mm, MM_ANONPAGES, 1);
	pte_write(vmf->pte, e);
	spin_unlock(vmf->ptl);
	lru_cache_add_inactive_or_unevictable(m, page, vma);
	update_hiwater_rss(mm);
	return 0;
}

/* ---- copy-on-write -------------------------------------------------------------------------- */

static unsigned wp_page_copy(struct vm_fault *vmf, struct page *old)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;
	struct kmm_machine *m = mm->machine;
	if (anon_vma_prepare(vma))
		return VM_FAULT_OOM;
	struct page *page = alloc_user_page(m, vma, vmf->address, old == NULL);
	if (!page)
		return VM_FAULT_OOM;
	if (old)
		kmm_memcpy(kmm_page_address(m, page), kmm_page_address(m, old), KMM_PAGE_SIZE);
	spin_lock(vmf->ptl);
	if (pte_read(vmf->pte) != vmf->orig_pte) {
		spin_unlock(vmf->ptl);
		put_user_page(m, page);
		return 0;
	}
	pteval_t e =
		pfn_pte(kmm_page_to_pfn(m, page), vma->vm_page_prot | _PAGE_DIRTY | _PAGE_ACCESSED);
	e = maybe_mkwrite(e, vma);
	/* ptep_clear_flush: no CPU may keep using the old page's translation */
	pte_write(vmf->pte, 0);
	flush_tlb_page(mm, vmf->address);
	page_add_new_anon_rmap(page, vma, vmf->address);
	add_mm_counter(mm, MM_ANONPAGES, 1);
	if (old) {
		add_mm_counter(mm, mm_counter(old), -1);
		page_remove_rmap(old, vma);
	}
	pte_write(vmf->pte, e);
	spin_unlock(vmf->ptl);
	lru_cache_add_inactive_or_unevictable(m, page, vma);
	if (old) {
		free_swap_cache(m, old); /* the last mapping copied away */
		put_user_page(m, old);
	}
	update_hiwater_rss(mm);
	return 0;
}

static unsigned do_wp_page(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;
	struct kmm_machine *m = mm->machine;
	struct page *page = vm_normal_page(vma, vmf->address, vmf->orig_pte);

	/*
	 * Pin the page while the PTE still maps it: the PTE lock is not held
	 * here (Linux calls do_wp_page with it), so reclaim may unmap and
	 * free the page at any moment.
	 */
	if (page) {
		spin_lock(vmf->ptl);
		if (pte_read(vmf->pte) != vmf->orig_pte) {
			spin_unlock(vmf->ptl);
			return 0;
		}
		get_page(page);
		spin_unlock(vmf->ptl);
	}
	if ((vma->vm_flags & (VM_SHARED | VM_WRITE)) == (VM_SHARED | VM_WRITE)) {
		/*
		 * write-notify on a shared mapping: under the page lock (which
		 * writeback holds while it cleans), make the PTE writable, then
		 * dirty the page - so a writeback in between cannot leave a
		 * clean page behind a writable PTE
		 */
		bool file = page && !PageAnon(page);
		if (file) {
			lock_page(page);
			if (!page->mapping) { /* truncated meanwhile: fault again */
				unlock_page(page);
				put_user_page(m, page);
				return 0;
			}
		}
		spin_lock(vmf->ptl);
		if (pte_read(vmf->pte) == vmf->orig_pte)
			pte_write(vmf->pte,
				  vmf->orig_pte | _PAGE_RW | _PAGE_DIRTY | _PAGE_ACCESSED);
		spin_unlock(vmf->ptl);
		flush_tlb_page(mm, vmf->address);
		if (file) {
			set_page_dirty(page);
			unlock_page(page);
		}
		if (page)
			put_user_page(m, page);
		return 0;
	}
	if (page && PageAnon(page)) {
		/* reuse: nobody else maps or holds it (the PTE's and our reference) */
		spin_lock(vmf->ptl);
		if (pte_read(vmf->pte) != vmf->orig_pte) {
			spin_unlock(vmf->ptl);
			put_user_page(m, page);
			return 0;
		}
		if (page_mapcount(page) == 1 && page_ref_count(page) == 2) {
			pte_write(vmf->pte,
				  maybe_mkwrite(vmf->orig_pte | _PAGE_DIRTY | _PAGE_ACCESSED, vma));
			spin_unlock(vmf->ptl);
			flush_tlb_page(mm, vmf->address);
			put_user_page(m, page);
			return 0;
		}
		spin_unlock(vmf->ptl);
	}
	unsigned r = wp_page_copy(vmf, page);
	if (page)
		put_user_page(m, page);
	return r;
}

/* ---- file faults ---------------------------------------------------------------------------- */

static struct page *fault_get_file_page(struct vm_fault *vmf, unsigned *ret)
{
	struct kmm_file *f = vmf->vma->vm_file;
	bool major = false;
	int err = 0;
	struct page *page = filemap_fault_get_page(f, vmf->pgoff, &major, &err);
	if (!page) {
		*ret = err == -KMM_ENOMEM ? VM_FAULT_OOM : VM_FAULT_SIGBUS;
		return NULL;
	}
	if (major)
		*ret |= VM_FAULT_MAJOR;
	return page;
}

/* Map @page (a reference is handed over) at the fault's PTE. */
static unsigned finish_fault(struct vm_fault *vmf, struct page *page, pteval_t e)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;
	struct kmm_machine *m = mm->machine;
	spin_lock(vmf->ptl);
	if (!pte_none(pte_read(vmf->pte))) {
		spin_unlock(vmf->ptl);
		put_user_page(m, page);
		return 0;
	}
	bool new_anon = !PageAnon(page) && !page->mapping;
	if (PageAnon(page) || !page->mapping) {
		page_add_new_anon_rmap(page, vma, vmf->address);
		add_mm_counter(mm, MM_ANONPAGES, 1);
	} else {
		page_add_file_rmap(page, vma);
		add_mm_counter(mm, mm_counter_file(page), 1);
	}
	pte_write(vmf->pte, e);
	spin_unlock(vmf->ptl);
	if (new_anon)
		lru_cache_add_inactive_or_unevictable(m, page, vma);
	update_hiwater_rss(mm);
	return 0;
}

static unsigned do_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct kmm_machine *m = vma->vm_mm->machine;
	unsigned ret = 0;
	struct page *page = fault_get_file_page(vmf, &ret);
	if (!page)
		return ret;
	pteval_t prot = vma->vm_page_prot | _PAGE_ACCESSED;
	if (!(vmf->flags & FAULT_FLAG_WRITE)) {
		/* do_read_fault: private mappings stay read-only until written */
		if (!(vma->vm_flags & VM_SHARED))
			prot &= ~_PAGE_RW;
		return ret | finish_fault(vmf, page, pfn_pte(kmm_page_to_pfn(m, page), prot));
	}
	if (!(vma->vm_flags & VM_SHARED)) {
		/* do_cow_fault: a private copy of the file page */
		if (anon_vma_prepare(vma)) {
			put_user_page(m, page);
			return VM_FAULT_OOM;
		}
		struct page *copy = alloc_user_page(m, vma, vmf->address, false);
		if (!copy) {
			put_user_page(m, page);
			return VM_FAULT_OOM;
		}
		kmm_memcpy(kmm_page_address(m, copy), kmm_page_address(m, page), KMM_PAGE_SIZE);
		put_user_page(m, page);
		return ret | finish_fault(vmf, copy,
					  maybe_mkwrite(pfn_pte(kmm_page_to_pfn(m, copy),
								prot | _PAGE_DIRTY),
							vma));
	}
	/* do_shared_fault: map it writable, then dirty it, under the page lock */
	lock_page(page);
	if (!page->mapping) {
		unlock_page(page);
		put_user_page(m, page);
		return ret; /* truncated meanwhile: the retry sees the new size */
	}
	get_page(page);
	ret |= finish_fault(vmf, page,
			    pfn_pte(kmm_page_to_pfn(m, page), prot | _PAGE_RW | _PAGE_DIRTY));
	if (!PageSwapBacked(page))
		set_page_dirty(page);
	unlock_page(page);
	put_user_page(m, page);
	return ret;
}

/* ---- the fault entry -------------------------------------------------------------------------- */

unsigned handle_mm_fault(struct kmm_task *t, struct vm_area_struct *vma, uint64_t address,
			 unsigned flags)
{
	struct mm_struct *mm = vma->vm_mm;
	struct kmm_machine *m = mm->machine;
	struct vm_fault vmf = {
		.vma = vma,
		.address = address & KMM_PAGE_MASK,
		.flags = flags,
		.task = t,
	};
	vmf.pgoff =
		vma->vm_pgoff + (unsigned long)((vmf.address - vma->vm_start) >> KMM_PAGE_SHIFT);
	count_vm_events(m, PGFAULT, 1);
	vmf.pte = pte_alloc_map(mm, vmf.address, &vmf.ptl);
	if (!vmf.pte)
		return VM_FAULT_OOM;
	vmf.orig_pte = pte_read(vmf.pte);
	unsigned ret;
	if (pte_none(vmf.orig_pte)) {
		ret = vma_is_anonymous(vma) ? do_anonymous_page(&vmf) : do_fault(&vmf);
	} else if (is_swap_pte(vmf.orig_pte)) {
		do_swap_page_fn fn = vm_state(m)->do_swap_page;
		ret = fn ? fn(&vmf) : VM_FAULT_SIGBUS;
	} else if (!(vmf.orig_pte & _PAGE_PRESENT)) {
		/* PROT_NONE PTE but the VMA now allows the access: restore */
		spin_lock(vmf.ptl);
		if (pte_read(vmf.pte) == vmf.orig_pte)
			pte_write(vmf.pte, pfn_pte(pte_pfn(vmf.orig_pte),
						   (vmf.orig_pte & (_PAGE_DIRTY | _PAGE_ACCESSED |
								    _PAGE_SPECIAL)) |
							   (vma->vm_page_prot & ~_PAGE_RW)));
		spin_unlock(vmf.ptl);
		ret = 0;
	} else if ((flags & FAULT_FLAG_WRITE) && !(vmf.orig_pte & _PAGE_RW)) {
		ret = do_wp_page(&vmf);
	} else {
		/* spurious: the PTE allows it already (a stale TLB entry) */
		flush_tlb_page(mm, vmf.address);
		ret = 0;
	}
	count_fault(&vmf, ret & VM_FAULT_MAJOR);
	return ret;
}

/* ---- unmapping ------------------------------------------------------------------------------------ */

#define MMU_GATHER_BATCH 256

struct mmu_gather {
	struct mm_struct *mm;
	uint64_t start, end;
	unsigned nr;
	struct page *pages[MMU_GATHER_BATCH];
};

static void tlb_flush_mmu(struct mmu_gather *tlb)
{
	if (tlb->end > tlb->start)
		flush_tlb_range(tlb->mm, tlb->start, tlb->end);
	for (unsigned i = 0; i < tlb->nr; i++) {
		/* free_pages_and_swap_cache() */
		free_swap_cache(tlb->mm->machine, tlb->pages[i]);
		put_user_page(tlb->mm->machine, tlb->pages[i]);
	}
	tlb->nr = 0;
	tlb->start = ~0ULL;
	tlb->end = 0;
}

struct zap_arg {
	struct vm_area_struct *vma;
	struct mmu_gather *tlb;
	long rss[NR_MM_COUNTERS];
};

static int zap_one(pteval_t *pte, uint64_t addr, void *arg)
{
	struct zap_arg *z = arg;
	struct vm_area_struct *vma = z->vma;
	struct mmu_gather *tlb = z->tlb;
	/*
	 * Under the PTE lock, as zap_pte_range: reclaim's try_to_unmap holds it
	 * from finding the page mapped until it has stored the swap entry in
	 * its place, and a fault (the OOM reaper holds mmap_lock only for
	 * reading) until it has mapped the page.  Without it, an entry stored
	 * just after our exchange would outlive the mapping: a swap slot
	 * nobody frees (swapoff: "slots still referenced"), a page table
	 * that is never empty again.
	 */
	kmm_spinlock_t *ptl = pte_lockptr_of(vma->vm_mm->machine, pte);
	spin_lock(ptl);
	pteval_t e = pte_xchg(pte, 0);
	spin_unlock(ptl);
	if (pte_none(e))
		return 0;
	if (addr < tlb->start)
		tlb->start = addr;
	if (addr + KMM_PAGE_SIZE > tlb->end)
		tlb->end = addr + KMM_PAGE_SIZE;
	if (!pte_present(e)) {
		/* a swap entry: the reclaim issue frees the slot here */
		do_swap_free_fn fn = vm_state(vma->vm_mm->machine)->swap_free_pte;
		if (fn)
			fn(vma->vm_mm->machine, e);
		z->rss[MM_SWAPENTS]--;
		return 0;
	}
	struct page *page = vm_normal_page(vma, addr, e);
	if (!page)
		return 0;
	if (!PageAnon(page) && !PageSwapBacked(page) && pte_dirty(e))
		set_page_dirty(page);
	z->rss[mm_counter(page)]--;
	page_remove_rmap(page, vma);
	tlb->pages[tlb->nr++] = page;
	if (tlb->nr == MMU_GATHER_BATCH)
		tlb_flush_mmu(tlb);
	return 0;
}

void zap_page_range(struct vm_area_struct *vma, uint64_t start, uint64_t end)
{
	struct mm_struct *mm = vma->vm_mm;
	struct mmu_gather tlb = { .mm = mm, .start = ~0ULL, .end = 0, .nr = 0 };
	struct zap_arg z = { .vma = vma, .tlb = &tlb };
	if (start < vma->vm_start)
		start = vma->vm_start;
	if (end > vma->vm_end)
		end = vma->vm_end;
	/* PTE locks: walkers race only with other zaps/faults, which hold
	 * mmap_lock; the xchg keeps lockless hardware-walker A/D updates safe */
	walk_pte_range(mm, start, end, zap_one, &z);
	tlb_flush_mmu(&tlb);
	for (int i = 0; i < NR_MM_COUNTERS; i++)
		if (z.rss[i])
			add_mm_counter(mm, i, z.rss[i]);
}

/* Zap every PTE mapping file bytes [holebegin, holebegin+holelen) (truncate). */
void unmap_mapping_range(struct address_space *mapping, uint64_t holebegin, uint64_t holelen)
{
	unsigned long first = (unsigned long)(holebegin >> KMM_PAGE_SHIFT);
	unsigned long last =
		holelen ? (unsigned long)((holebegin + holelen - 1) >> KMM_PAGE_SHIFT) : ~0UL;
	down_read(&mapping->i_mmap_rwsem);
	struct list_head *pos;
	list_for_each (pos, &mapping->i_mmap) {
		struct vm_area_struct *v = list_entry(pos, struct vm_area_struct, shared);
		unsigned long vfirst = v->vm_pgoff, vlast = v->vm_pgoff + vma_pages(v) - 1;
		if (vlast < first || vfirst > last)
			continue;
		unsigned long a = first > vfirst ? first : vfirst;
		unsigned long b = last < vlast ? last : vlast;
		/* only the file's own pages: private COW copies stay (Linux's
		 * even_cows=false for truncate keeps them too) */
		zap_page_range(v, v->vm_start + ((uint64_t)(a - vfirst) << KMM_PAGE_SHIFT),
			       v->vm_start + ((uint64_t)(b - vfirst + 1) << KMM_PAGE_SHIFT));
	}
	up_read(&mapping->i_mmap_rwsem);
}

/* ---- fork ----------------------------------------------------------------------------------------- */

static bool is_cow_mapping(unsigned long flags)
{
	return (flags & (VM_SHARED | VM_MAYWRITE)) == VM_MAYWRITE;
}

int copy_page_range(struct vm_area_struct *dst, struct vm_area_struct *src)
{
	struct mm_struct *dst_mm = dst->vm_mm, *src_mm = src->vm_mm;
	struct kmm_machine *m = src_mm->machine;
	/* shared and file mappings without private pages refault from the cache */
	if (!src->anon_vma && !(src->vm_flags & VM_SHARED) && src->vm_file)
		return 0;
	/* shared mappings are copied too: the child starts with them mapped */
	bool cow = is_cow_mapping(src->vm_flags);
	long rss[NR_MM_COUNTERS] = { 0 };
	bool wrprotected = false;
	uint64_t addr = src->vm_start;
	while (addr < src->vm_end) {
		uint64_t next = (addr + PMD_SIZE) & PMD_MASK;
		if (next > src->vm_end || !next)
			next = src->vm_end;
		kmm_spinlock_t *sptl;
		pteval_t *spte = pte_offset_map(src_mm, addr, &sptl);
		if (!spte) {
			addr = next;
			continue;
		}
		kmm_spinlock_t *dptl;
		pteval_t *dpte = pte_alloc_map(dst_mm, addr, &dptl);
		if (!dpte)
			return -KMM_ENOMEM;
		spin_lock(sptl);
		for (; addr < next; addr += KMM_PAGE_SIZE, spte++, dpte++) {
			pteval_t e = pte_read(spte);
			if (pte_none(e))
				continue;
			if (!pte_present(e)) {
				do_swap_dup_fn fn = vm_state(m)->swap_dup_pte;
				if (!fn || fn(m, e)) {
					spin_unlock(sptl);
					return -KMM_ENOMEM;
				}
				rss[MM_SWAPENTS]++;
				pte_write(dpte, e);
				continue;
			}
			struct page *page = vm_normal_page(src, addr, e);
			if (page) {
				get_page(page);
				if (PageAnon(page))
					page_add_anon_rmap(page, dst, addr);
				else
					page_add_file_rmap(page, dst);
				rss[mm_counter(page)]++;
			}
			if (cow && (e & _PAGE_RW)) {
				__atomic_fetch_and(spte, ~_PAGE_RW, __ATOMIC_RELAXED);
				e &= ~_PAGE_RW;
				wrprotected = true;
			}
			if (src->vm_flags & VM_SHARED)
				e &= ~_PAGE_DIRTY;
			pte_write(dpte, e & ~_PAGE_ACCESSED);
		}
		spin_unlock(sptl);
	}
	for (int i = 0; i < NR_MM_COUNTERS; i++)
		if (rss[i])
			add_mm_counter(dst_mm, i, rss[i]);
	if (wrprotected)
		flush_tlb_range(src_mm, src->vm_start, src->vm_end);
	return 0;
}
