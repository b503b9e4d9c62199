/* SPDX-License-Identifier: MIT */
/*
 * src/mm/pgtable.c - page-table pages (mm/pgtable-generic.c,
 * arch/x86/mm/pgtable.c, the table parts of mm/memory.c): allocate the
 * tables of a walk on demand, find a PTE slot, walk a range, and free the
 * tables a range no longer needs (free_pgd_range).
 *
 * Tables are order-0 pages from the buddy, typed PGTY_table, counted in
 * NR_PAGETABLE (PageTables in meminfo) and mm->pgtables_bytes.  Upper
 * levels are installed under mm->page_table_lock; each PTE table has its
 * own lock in its struct page (split PTE locks).  Entries are published
 * with release/relaxed atomics so lockless walkers on other CPU slots see
 * either nothing or a zeroed table.
 */
#include "mm/vma.h"

struct page *pte_alloc_page(struct kmm_machine *m, struct mm_struct *mm, int level)
{
	struct page *pt = kmm_alloc_pages(m, GFP_KERNEL | __GFP_ZERO, 0);
	if (!pt)
		return NULL;
	struct ptdesc *pd = page_ptdesc(pt);
	pd->pt_mm = NULL; /* mapping must stay NULL for the page allocator's checks */
	pd->pt_index = (unsigned long)level;
	spin_lock_init(&pd->ptl);
	kmm_page_set_type(pt, PGTY_table);
	mod_node_page_state(m, NODE_DATA(m, kmm_page_to_nid(pt)), NR_PAGETABLE, 1);
	if (mm)
		atomic_fetch_add_explicit(&mm->pgtables_bytes, KMM_PAGE_SIZE, memory_order_relaxed);
	return pt;
}

void pte_free_page(struct kmm_machine *m, struct mm_struct *mm, struct page *pt)
{
	struct ptdesc *pd = page_ptdesc(pt);
	pd->pt_index = 0;
	pd->ptl.locked = 0;
	kmm_page_clear_type(pt);
	mod_node_page_state(m, NODE_DATA(m, kmm_page_to_nid(pt)), NR_PAGETABLE, -1);
	if (mm)
		atomic_fetch_sub_explicit(&mm->pgtables_bytes, KMM_PAGE_SIZE, memory_order_relaxed);
	__kmm_free_pages(m, pt, 0);
}

static inline struct page *entry_table_page(struct kmm_machine *m, pteval_t e)
{
	return kmm_pfn_to_page(m, pte_pfn(e));
}

/* The next-level table behind *slot, allocating it if missing. */
static pteval_t *table_alloc(struct mm_struct *mm, pteval_t *slot, int level)
{
	struct kmm_machine *m = mm->machine;
	pteval_t e = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
	if (likely(e & _PAGE_PRESENT))
		return pt_table(m, e);
	struct page *pt = pte_alloc_page(m, mm, level);
	if (!pt)
		return NULL;
	spin_lock(&mm->page_table_lock);
	e = __atomic_load_n(slot, __ATOMIC_RELAXED);
	if (!(e & _PAGE_PRESENT)) {
		e = pfn_pte(kmm_page_to_pfn(m, pt), _PAGE_TABLE);
		__atomic_store_n(slot, e, __ATOMIC_RELEASE);
		pt = NULL;
	}
	spin_unlock(&mm->page_table_lock);
	if (pt) /* somebody else installed one */
		pte_free_page(m, mm, pt);
	return pt_table(m, e);
}

static inline kmm_spinlock_t *pte_lockptr(struct kmm_machine *m, pteval_t pmd)
{
	return &page_ptdesc(entry_table_page(m, pmd))->ptl;
}

pteval_t *pte_alloc_map(struct mm_struct *mm, uint64_t addr, kmm_spinlock_t **ptlp)
{
	pteval_t *pud = table_alloc(mm, &mm->pgd[pgd_index(addr)], 3);
	if (!pud)
		return NULL;
	pteval_t *pmd = table_alloc(mm, &pud[pud_index(addr)], 2);
	if (!pmd)
		return NULL;
	pteval_t *pte = table_alloc(mm, &pmd[pmd_index(addr)], 1);
	if (!pte)
		return NULL;
	*ptlp = pte_lockptr(mm->machine, pte_read(&pmd[pmd_index(addr)]));
	return &pte[pte_index(addr)];
}

pteval_t *pmd_alloc_map(struct mm_struct *mm, uint64_t addr)
{
	pteval_t *pud = table_alloc(mm, &mm->pgd[pgd_index(addr)], 3);
	if (!pud)
		return NULL;
	pteval_t *pmd = table_alloc(mm, &pud[pud_index(addr)], 2);
	return pmd ? &pmd[pmd_index(addr)] : NULL;
}

/*
 * The direct map of init_mm: all of RAM at PAGE_OFFSET with 2 MiB pages
 * (global, kernel-only, no-execute), as x86-64's kernel_physical_mapping_init
 * (which would use 1 GiB pages where it can).
 */
int init_direct_map(struct kmm_machine *m, struct mm_struct *init_mm)
{
	uint64_t end = ((uint64_t)m->max_pfn << KMM_PAGE_SHIFT);
	for (uint64_t pa = 0; pa < end; pa += PMD_SIZE) {
		pteval_t *pmd = pmd_alloc_map(init_mm, KMM_PAGE_OFFSET + pa);
		if (!pmd)
			return -KMM_ENOMEM;
		pte_write(pmd, (pa & PTE_PFN_MASK) | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED |
				       _PAGE_DIRTY | _PAGE_PSE | _PAGE_GLOBAL | _PAGE_NX);
	}
	return 0;
}

pteval_t *pte_offset_map(struct mm_struct *mm, uint64_t addr, kmm_spinlock_t **ptlp)
{
	struct kmm_machine *m = mm->machine;
	pteval_t e = __atomic_load_n(&mm->pgd[pgd_index(addr)], __ATOMIC_ACQUIRE);
	if (!(e & _PAGE_PRESENT))
		return NULL;
	e = __atomic_load_n(&pt_table(m, e)[pud_index(addr)], __ATOMIC_ACQUIRE);
	if (!(e & _PAGE_PRESENT))
		return NULL;
	pteval_t pmd = __atomic_load_n(&pt_table(m, e)[pmd_index(addr)], __ATOMIC_ACQUIRE);
	if (!(pmd & _PAGE_PRESENT) || (pmd & _PAGE_PSE))
		return NULL;
	if (ptlp)
		*ptlp = pte_lockptr(m, pmd);
	return &pt_table(m, pmd)[pte_index(addr)];
}

int walk_pte_range(struct mm_struct *mm, uint64_t start, uint64_t end, pte_fn_t fn, void *arg)
{
	struct kmm_machine *m = mm->machine;
	uint64_t addr = start;
	while (addr < end) {
		pteval_t e = pte_read(&mm->pgd[pgd_index(addr)]);
		if (!(e & _PAGE_PRESENT)) {
			addr = (addr + PGDIR_SIZE) & PGDIR_MASK;
			if (!addr)
				break;
			continue;
		}
		e = pte_read(&pt_table(m, e)[pud_index(addr)]);
		if (!(e & _PAGE_PRESENT)) {
			addr = (addr + PUD_SIZE) & PUD_MASK;
			continue;
		}
		e = pte_read(&pt_table(m, e)[pmd_index(addr)]);
		uint64_t next = (addr + PMD_SIZE) & PMD_MASK;
		if (next > end || !next)
			next = end;
		if (!(e & _PAGE_PRESENT)) {
			addr = next;
			continue;
		}
		pteval_t *pte = pt_table(m, e);
		for (; addr < next; addr += KMM_PAGE_SIZE) {
			pteval_t *slot = &pte[pte_index(addr)];
			if (pte_none(pte_read(slot)))
				continue;
			int ret = fn(slot, addr, arg);
			if (ret)
				return ret;
		}
	}
	return 0;
}

static bool table_empty(const pteval_t *t)
{
	for (unsigned i = 0; i < PTRS_PER_TABLE; i++)
		if (pte_read(&t[i]))
			return false;
	return true;
}

/*
 * Free the tables under one upper entry that are empty and lie wholly
 * inside [floor, ceiling): a table that covers addresses outside may still
 * serve a neighbouring VMA.  Recursion depth is the level (at most 3).
 */
static void free_level(struct mm_struct *mm, pteval_t *slot, int level, uint64_t base,
		       uint64_t start, uint64_t end, uint64_t floor, uint64_t ceiling,
		       struct list_head *freed)
{
	struct kmm_machine *m = mm->machine;
	pteval_t e = pte_read(slot);
	if (!(e & _PAGE_PRESENT) || (e & _PAGE_PSE))
		return;
	pteval_t *t = pt_table(m, e);
	unsigned shift = level == 1 ? KMM_PAGE_SHIFT : level == 2 ? PMD_SHIFT : PUD_SHIFT;
	uint64_t size = 1ULL << (shift + 9); /* span of this table */
	if (level > 1) {
		uint64_t step = 1ULL << shift;
		uint64_t lo = start > base ? start : base;
		uint64_t hi = end - 1 < base + size - 1 ? end - 1 : base + size - 1;
		for (uint64_t a = lo & ~(step - 1); a <= hi; a += step) {
			free_level(mm, &t[(a >> shift) & 511], level - 1, a, start, end, floor,
				   ceiling, freed);
			if (a + step < a)
				break;
		}
	}
	/* ceiling 0: no limit above (USER_PGTABLES_CEILING) */
	if (base < floor || (ceiling && base + size - 1 > ceiling - 1))
		return;
	if (!table_empty(t))
		return;
	pte_write(slot, 0);
	list_add_tail(&page_ptdesc(entry_table_page(m, e))->pt_list, freed);
}

void free_pgd_range(struct mm_struct *mm, uint64_t start, uint64_t end, uint64_t floor,
		    uint64_t ceiling)
{
	if (start >= end)
		return;
	LIST_HEAD_DECL(freed);
	spin_lock(&mm->page_table_lock);
	for (uint64_t a = start & PGDIR_MASK; a < end; a += PGDIR_SIZE) {
		free_level(mm, &mm->pgd[pgd_index(a)], 3, a, start, end, floor, ceiling, &freed);
		if (a + PGDIR_SIZE < a)
			break;
	}
	spin_unlock(&mm->page_table_lock);
	if (list_empty(&freed))
		return;
	/*
	 * Lockless walkers on other CPU slots may still be inside a table we
	 * unhooked (tlb_remove_table): the flush waits for every access in
	 * flight, after which no walker can reach them.
	 */
	flush_tlb_mm(mm);
	struct list_head *pos, *n;
	list_for_each_safe (pos, n, &freed) {
		struct ptdesc *pd = list_entry(pos, struct ptdesc, pt_list);
		list_del(pos);
		pte_free_page(mm->machine, mm, (struct page *)(void *)pd);
	}
}
