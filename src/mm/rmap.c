/* SPDX-License-Identifier: MIT */
/*
 * src/mm/rmap.c - reverse mapping: from a page to every PTE that maps it
 * (mm/rmap.c).
 *
 * Anonymous pages: page->mapping = anon_vma | PAGE_MAPPING_ANON and
 * page->index = the page's linear index (vma->vm_pgoff + offset in the
 * VMA), which fork, split and mremap preserve.  Each VMA links to the
 * anon_vmas its pages may belong to through anon_vma_chain entries (one
 * per (VMA, anon_vma) pair): a fork links the child VMA to all of the
 * parent's anon_vmas plus a fresh one of its own for the pages it will
 * create.  The walk visits each anon_vma_chain of the page's anon_vma and
 * computes the address from page->index.  The root anon_vma's rwsem locks
 * the whole fork tree's lists.
 *
 * File pages: the file's address_space keeps its VMAs on i_mmap; the
 * address is vm_start + (index - vm_pgoff) pages.
 *
 * page_referenced (for reclaim's aging), page_mkclean (writeback) and
 * try_to_unmap (reclaim, migration) are rmap walks.
 */
#include "mm/vma.h"

static inline struct kmm_vm_state *vs_of(struct vm_area_struct *vma)
{
	return vm_state(vma->vm_mm->machine);
}

static struct anon_vma *anon_vma_alloc(struct kmm_vm_state *vs)
{
	struct anon_vma *av = kmm_kmem_cache_zalloc(vs->anon_vma_cachep, GFP_KERNEL);
	if (!av)
		return NULL;
	av->root = av;
	av->parent = av;
	kmm_rwsem_init(&av->rwsem);
	atomic_init(&av->refcount, 1);
	INIT_LIST_HEAD(&av->head);
	return av;
}

static void put_anon_vma(struct kmm_vm_state *vs, struct anon_vma *av)
{
	while (av && atomic_fetch_sub(&av->refcount, 1) == 1) {
		struct anon_vma *root = av->root;
		/* a walker may have read the pointer from a page (page_get_anon_vma) */
		for (unsigned spins = 0; atomic_load(&vs->anon_vma_readers); spins++) {
			if (spins < 64)
				kmm_port_cpu_relax();
			else
				kmm_port_yield();
		}
		kmm_kmem_cache_free(vs->anon_vma_cachep, av);
		/* a non-root anon_vma holds a reference on its root */
		av = root != av ? root : NULL;
	}
}

static void anon_vma_chain_link(struct vm_area_struct *vma, struct anon_vma_chain *avc,
				struct anon_vma *av)
{
	avc->vma = vma;
	avc->anon_vma = av;
	list_add(&avc->same_vma, &vma->anon_vma_chain);
	atomic_fetch_add(&av->refcount, 1);
	down_write(&av->root->rwsem);
	list_add_tail(&avc->same_anon_vma, &av->head);
	up_write(&av->root->rwsem);
}

int anon_vma_prepare(struct vm_area_struct *vma)
{
	if (likely(__atomic_load_n(&vma->anon_vma, __ATOMIC_ACQUIRE)))
		return 0;
	struct kmm_vm_state *vs = vs_of(vma);
	struct anon_vma_chain *avc = kmm_kmem_cache_alloc(vs->anon_vma_chain_cachep, GFP_KERNEL);
	if (!avc)
		return -KMM_ENOMEM;
	struct anon_vma *av = anon_vma_alloc(vs);
	if (!av) {
		kmm_kmem_cache_free(vs->anon_vma_chain_cachep, avc);
		return -KMM_ENOMEM;
	}
	/* faults of one VMA race here under mmap_lock held for reading */
	struct mm_struct *mm = vma->vm_mm;
	spin_lock(&mm->page_table_lock);
	if (!vma->anon_vma) {
		anon_vma_chain_link(vma, avc, av);
		__atomic_store_n(&vma->anon_vma, av, __ATOMIC_RELEASE);
		avc = NULL;
	}
	spin_unlock(&mm->page_table_lock);
	if (avc)
		kmm_kmem_cache_free(vs->anon_vma_chain_cachep, avc);
	/* the allocation reference: the chain holds the anon_vma now (or, if
	 * another fault won the race, nothing does and it is freed) */
	put_anon_vma(vs, av);
	return 0;
}

int anon_vma_clone(struct vm_area_struct *dst, struct vm_area_struct *src)
{
	struct kmm_vm_state *vs = vs_of(src);
	struct list_head *pos;
	/* oldest first, so dst's list ends with the same order as src's */
	for (pos = src->anon_vma_chain.prev; pos != &src->anon_vma_chain; pos = pos->prev) {
		struct anon_vma_chain *pavc = list_entry(pos, struct anon_vma_chain, same_vma);
		struct anon_vma_chain *avc =
			kmm_kmem_cache_alloc(vs->anon_vma_chain_cachep, GFP_KERNEL);
		if (!avc) {
			unlink_anon_vmas(dst);
			return -KMM_ENOMEM;
		}
		anon_vma_chain_link(dst, avc, pavc->anon_vma);
	}
	return 0;
}

int anon_vma_fork(struct vm_area_struct *vma, struct vm_area_struct *pvma)
{
	vma->anon_vma = NULL;
	if (!pvma->anon_vma)
		return 0;
	if (anon_vma_clone(vma, pvma))
		return -KMM_ENOMEM;
	struct kmm_vm_state *vs = vs_of(pvma);
	struct anon_vma *av = anon_vma_alloc(vs);
	struct anon_vma_chain *avc =
		av ? kmm_kmem_cache_alloc(vs->anon_vma_chain_cachep, GFP_KERNEL) : NULL;
	if (!avc) {
		if (av)
			kmm_kmem_cache_free(vs->anon_vma_cachep, av);
		unlink_anon_vmas(vma);
		return -KMM_ENOMEM;
	}
	av->root = pvma->anon_vma->root;
	av->parent = pvma->anon_vma;
	atomic_fetch_add(&av->root->refcount, 1);
	anon_vma_chain_link(vma, avc, av);
	put_anon_vma(vs, av); /* the chain holds it now */
	vma->anon_vma = av;
	return 0;
}

void unlink_anon_vmas(struct vm_area_struct *vma)
{
	struct kmm_vm_state *vs = vs_of(vma);
	struct list_head *pos, *n;
	list_for_each_safe (pos, n, &vma->anon_vma_chain) {
		struct anon_vma_chain *avc = list_entry(pos, struct anon_vma_chain, same_vma);
		struct anon_vma *av = avc->anon_vma;
		down_write(&av->root->rwsem);
		list_del(&avc->same_anon_vma);
		up_write(&av->root->rwsem);
		list_del(&avc->same_vma);
		kmm_kmem_cache_free(vs->anon_vma_chain_cachep, avc);
		put_anon_vma(vs, av);
	}
	vma->anon_vma = NULL;
}

/* ---- mapcounts ---------------------------------------------------------------------- */

static inline unsigned long linear_page_index(const struct vm_area_struct *vma, uint64_t addr)
{
	return (unsigned long)((addr - vma->vm_start) >> KMM_PAGE_SHIFT) + vma->vm_pgoff;
}

static inline void mod_page_node(struct kmm_machine *m, struct page *page, enum node_stat_item i,
				 long d)
{
	mod_node_page_state(m, NODE_DATA(m, kmm_page_to_nid(page)), i, d);
}

void page_add_new_anon_rmap(struct page *page, struct vm_area_struct *vma, uint64_t address)
{
	struct kmm_machine *m = vma->vm_mm->machine;
	SetPageSwapBacked(page);
	atomic_store_explicit(&page->_mapcount, 0, memory_order_relaxed);
	page->index = linear_page_index(vma, address);
	__atomic_store_n(&page->mapping, (void *)((uintptr_t)vma->anon_vma | PAGE_MAPPING_ANON),
			 __ATOMIC_RELEASE);
	mod_page_node(m, page, NR_ANON_MAPPED, 1);
}

void page_add_anon_rmap(struct page *page, struct vm_area_struct *vma, uint64_t address)
{
	(void)address;
	if (atomic_fetch_add(&page->_mapcount, 1) == -1)
		mod_page_node(vma->vm_mm->machine, page, NR_ANON_MAPPED, 1);
}

void page_add_file_rmap(struct page *page, struct vm_area_struct *vma)
{
	if (atomic_fetch_add(&page->_mapcount, 1) == -1)
		mod_page_node(vma->vm_mm->machine, page, NR_FILE_MAPPED, 1);
}

void page_remove_rmap(struct page *page, struct vm_area_struct *vma)
{
	struct kmm_machine *m = vma->vm_mm->machine;
	int old = atomic_fetch_sub(&page->_mapcount, 1);
	if (old < 0) {
		pr_emerg(m, "BUG: Bad rmap: page %p (pfn %#llx) unmapped more often than mapped",
			 (void *)page, (unsigned long long)kmm_page_to_pfn(m, page));
		atomic_fetch_add(&page->_mapcount, 1);
		atomic_fetch_add(&m->nr_bad_pages, 1);
		return;
	}
	if (old == 0)
		mod_page_node(m, page, PageAnon(page) ? NR_ANON_MAPPED : NR_FILE_MAPPED, -1);
}

/* ---- walks ------------------------------------------------------------------------------ */

uint64_t vma_address(const struct page *page, const struct vm_area_struct *vma)
{
	unsigned long idx = page->index;
	if (idx < vma->vm_pgoff || idx - vma->vm_pgoff >= vma_pages(vma))
		return (uint64_t)-1;
	return vma->vm_start + ((uint64_t)(idx - vma->vm_pgoff) << KMM_PAGE_SHIFT);
}

/*
 * The anon_vma of a mapped anonymous page, with a reference; NULL once the
 * page is mapped nowhere (folio_get_anon_vma).  The last VMA of an anon_vma
 * frees it after unmapping its pages, which may be just when reclaim,
 * holding nothing but the page, reads page->mapping: the lookup runs in a
 * read section that put_anon_vma() waits out before freeing (the kernel has
 * the RCU read lock and a SLAB_TYPESAFE_BY_RCU anon_vma cache for this).
 */
static struct anon_vma *page_get_anon_vma(struct kmm_vm_state *vs, struct page *page)
{
	struct anon_vma *av = NULL;

	atomic_fetch_add(&vs->anon_vma_readers, 1);
	/* unmapping comes before the unlink that frees: mapped, it is alive */
	if (atomic_load(&page->_mapcount) >= 0) {
		int c;

		av = page_anon_vma(page);
		c = atomic_load(&av->refcount);
		while (c > 0 && !atomic_compare_exchange_weak(&av->refcount, &c, c + 1))
			;
		if (c <= 0)
			av = NULL;
	}
	atomic_fetch_sub(&vs->anon_vma_readers, 1);
	return av;
}

void rmap_walk(struct kmm_machine *m, struct page *page, struct rmap_walk_control *rwc)
{
	if (PageAnon(page)) {
		struct kmm_vm_state *vs = vm_state(m);
		struct anon_vma *av = page_get_anon_vma(vs, page);
		if (!av)
			return;
		struct anon_vma *root = av->root;
		down_read(&root->rwsem);
		struct list_head *pos;
		list_for_each (pos, &av->head) {
			struct anon_vma_chain *avc =
				list_entry(pos, struct anon_vma_chain, same_anon_vma);
			uint64_t a = vma_address(page, avc->vma);
			if (a == (uint64_t)-1)
				continue;
			if (!rwc->rmap_one(page, avc->vma, a, rwc->arg))
				break;
		}
		up_read(&root->rwsem);
		put_anon_vma(vs, av);
		return;
	}
	struct address_space *mapping = page_mapping_file(page);
	if (!mapping)
		return;
	down_read(&mapping->i_mmap_rwsem);
	struct list_head *pos;
	list_for_each (pos, &mapping->i_mmap) {
		struct vm_area_struct *v = list_entry(pos, struct vm_area_struct, shared);
		uint64_t a = vma_address(page, v);
		if (a == (uint64_t)-1)
			continue;
		if (!rwc->rmap_one(page, v, a, rwc->arg))
			break;
	}
	up_read(&mapping->i_mmap_rwsem);
}

/* The PTE slot in @vma's mm that maps @page at @addr, locked; or NULL. */
static pteval_t *page_vma_mapped(struct page *page, struct vm_area_struct *vma, uint64_t addr,
				 kmm_spinlock_t **ptlp)
{
	struct kmm_machine *m = vma->vm_mm->machine;
	pteval_t *pte = pte_offset_map(vma->vm_mm, addr, ptlp);
	if (!pte)
		return NULL;
	spin_lock(*ptlp);
	pteval_t e = pte_read(pte);
	if (!pte_present(e) || pte_pfn(e) != kmm_page_to_pfn(m, page)) {
		spin_unlock(*ptlp);
		return NULL;
	}
	return pte;
}

struct referenced_arg {
	int referenced;
	unsigned long vm_flags;
};

static bool referenced_one(struct page *page, struct vm_area_struct *vma, uint64_t addr, void *arg)
{
	struct referenced_arg *ra = arg;
	kmm_spinlock_t *ptl;
	pteval_t *pte = page_vma_mapped(page, vma, addr, &ptl);
	if (!pte)
		return true;
	pteval_t old = __atomic_fetch_and(pte, ~_PAGE_ACCESSED, __ATOMIC_ACQ_REL);
	spin_unlock(ptl);
	if (old & _PAGE_ACCESSED) {
		/* the TLB may cache A=1: flush so the next access sets it again */
		flush_tlb_page(vma->vm_mm, addr);
		ra->referenced++;
		ra->vm_flags |= __atomic_load_n(&vma->vm_flags, __ATOMIC_RELAXED);
	}
	return true;
}

int page_referenced(struct kmm_machine *m, struct page *page, unsigned long *vm_flags)
{
	struct referenced_arg ra = { 0, 0 };
	if (page_mapcount(page) <= 0) {
		if (vm_flags)
			*vm_flags = 0;
		return 0;
	}
	struct rmap_walk_control rwc = { .arg = &ra, .rmap_one = referenced_one };
	rmap_walk(m, page, &rwc);
	if (vm_flags)
		*vm_flags = ra.vm_flags;
	return ra.referenced;
}

static bool mkclean_one(struct page *page, struct vm_area_struct *vma, uint64_t addr, void *arg)
{
	int *cleaned = arg;
	if (!(__atomic_load_n(&vma->vm_flags, __ATOMIC_RELAXED) & VM_SHARED))
		return true;
	kmm_spinlock_t *ptl;
	pteval_t *pte = page_vma_mapped(page, vma, addr, &ptl);
	if (!pte)
		return true;
	pteval_t old = __atomic_fetch_and(pte, ~(_PAGE_RW | _PAGE_DIRTY), __ATOMIC_ACQ_REL);
	spin_unlock(ptl);
	if (old & (_PAGE_RW | _PAGE_DIRTY)) {
		flush_tlb_page(vma->vm_mm, addr);
		if (old & _PAGE_DIRTY)
			(*cleaned)++;
	}
	return true;
}

int page_mkclean(struct kmm_machine *m, struct page *page)
{
	int cleaned = 0;
	if (page_mapcount(page) <= 0 || PageAnon(page))
		return 0;
	struct rmap_walk_control rwc = { .arg = &cleaned, .rmap_one = mkclean_one };
	rmap_walk(m, page, &rwc);
	return cleaned;
}

static bool unmap_one(struct page *page, struct vm_area_struct *vma, uint64_t addr, void *arg)
{
	(void)arg;
	struct kmm_machine *m = vma->vm_mm->machine;
	if (__atomic_load_n(&vma->vm_flags, __ATOMIC_RELAXED) & VM_LOCKED)
		return false; /* mlocked: reclaim must not unmap it */
	kmm_spinlock_t *ptl;
	pteval_t *pte = page_vma_mapped(page, vma, addr, &ptl);
	if (!pte)
		return true;
	pteval_t old = pte_xchg(pte, 0);
	flush_tlb_page(vma->vm_mm, addr);
	if ((old & _PAGE_DIRTY) && !PageAnon(page) && !PageSwapBacked(page))
		set_page_dirty(page);
	else if (old & _PAGE_DIRTY)
		SetPageDirty(page);
	if (PageAnon(page) && !PageSwapBacked(page)) {
		/* MADV_FREE: a clean page just goes; written again, it stays */
		if (old & _PAGE_DIRTY) {
			pte_write(pte, old);
			SetPageSwapBacked(page);
			spin_unlock(ptl);
			return false;
		}
		add_mm_counter(vma->vm_mm, MM_ANONPAGES, -1);
	} else if (PageAnon(page)) {
		/* anonymous pages need a swap entry to come back (page->private
		 * holds it while the page is in the swap cache) */
		swp_entry_t e = { page->private };
		pteval_t swp = swp_entry_to_pte(e);
		do_swap_dup_fn dup = vm_state(m)->swap_dup_pte;
		/* each swap PTE holds a reference on the slot (swap_duplicate) */
		if (!dup || dup(m, swp)) {
			pte_write(pte, old);
			spin_unlock(ptl);
			return false;
		}
		pte_write(pte, swp);
		add_mm_counter(vma->vm_mm, MM_ANONPAGES, -1);
		add_mm_counter(vma->vm_mm, MM_SWAPENTS, 1);
	} else {
		add_mm_counter(vma->vm_mm, PageSwapBacked(page) ? MM_SHMEMPAGES : MM_FILEPAGES, -1);
	}
	spin_unlock(ptl);
	page_remove_rmap(page, vma);
	put_user_page(m, page);
	return true;
}

bool try_to_unmap(struct kmm_machine *m, struct page *page)
{
	/* anonymous pages can only go once they have a swap slot (or are
	 * lazily freeable: MADV_FREE) */
	if (PageAnon(page) && PageSwapBacked(page) && !PageSwapCache(page))
		return false;
	struct rmap_walk_control rwc = { .arg = NULL, .rmap_one = unmap_one };
	rmap_walk(m, page, &rwc);
	return page_mapcount(page) <= 0;
}
