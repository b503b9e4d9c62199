/* SPDX-License-Identifier: MIT */
/*
 * src/mm/pgtable.h - x86-64 4-level page tables in simulated physical
 * memory (arch/x86/include/asm/pgtable_types.h, pgtable_64.h).
 *
 * Each table is one 4 KiB page from the buddy allocator holding 512
 * 64-bit entries in the hardware layout:
 *
 *   bit  0 P    present            bit  7 PS   2 MiB page (PMD level)
 *   bit  1 RW   writable           bit  8 G    global
 *   bit  2 US   user               bits 9-11  software: SPECIAL, (free), (free)
 *   bit  3 PWT  write-through      bits 12-51 PFN
 *   bit  4 PCD  cache disable      bit 63 NX   no execute
 *   bit  5 A    accessed
 *   bit  6 D    dirty
 *
 * A non-present, non-zero PTE is a swap entry: type in bits 1-5, offset in
 * bits 12-51 (P clear, so the walker faults; the fault path decodes it).
 *
 * Entries are read and written with relaxed atomics: other CPU slots walk
 * the tables without locks (as the hardware walker does) and set A/D with
 * a compare-and-swap; software changes a PTE under the table's split lock
 * (struct ptdesc::ptl) and upper levels under mm->page_table_lock.
 */
#ifndef KMM_SRC_MM_PGTABLE_H
#define KMM_SRC_MM_PGTABLE_H

#include "kmm/machine.h"

typedef uint64_t pteval_t;

#define _PAGE_PRESENT (1ULL << 0)
#define _PAGE_RW (1ULL << 1)
#define _PAGE_USER (1ULL << 2)
#define _PAGE_PWT (1ULL << 3)
#define _PAGE_PCD (1ULL << 4)
#define _PAGE_ACCESSED (1ULL << 5)
#define _PAGE_DIRTY (1ULL << 6)
#define _PAGE_PSE (1ULL << 7)
#define _PAGE_GLOBAL (1ULL << 8)
#define _PAGE_SPECIAL (1ULL << 9) /* software: no struct page refcount (zero page) */
/* PROT_NONE pages: P clear so every access faults, but the PTE keeps its
 * page (x86 reuses the global bit, meaningless without P) */
#define _PAGE_PROTNONE _PAGE_GLOBAL
#define _PAGE_NX (1ULL << 63)
#define PTE_PFN_MASK 0x000ffffffffff000ULL
#define PTE_FLAGS_MASK (~PTE_PFN_MASK)

/* Table entries (non-leaf): what Linux's _PAGE_TABLE grants. */
#define _PAGE_TABLE (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY)

#define PTRS_PER_TABLE 512
/* x86-64 kernel layout (4-level): the direct map of all RAM */
#define KMM_PAGE_OFFSET 0xffff888000000000ULL
#define PGDIR_SHIFT 39
#define PUD_SHIFT 30
#define PMD_SHIFT 21
#define PMD_SIZE (1ULL << PMD_SHIFT)
#define PUD_SIZE (1ULL << PUD_SHIFT)
#define PGDIR_SIZE (1ULL << PGDIR_SHIFT)
#define PMD_MASK (~(PMD_SIZE - 1))
#define PUD_MASK (~(PUD_SIZE - 1))
#define PGDIR_MASK (~(PGDIR_SIZE - 1))

static inline unsigned pgd_index(uint64_t va)
{
	return (va >> PGDIR_SHIFT) & 511;
}
static inline unsigned pud_index(uint64_t va)
{
	return (va >> PUD_SHIFT) & 511;
}
static inline unsigned pmd_index(uint64_t va)
{
	return (va >> PMD_SHIFT) & 511;
}
static inline unsigned pte_index(uint64_t va)
{
	return (va >> KMM_PAGE_SHIFT) & 511;
}

static inline pteval_t pte_read(const pteval_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}
static inline void pte_write(pteval_t *p, pteval_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}
static inline pteval_t pte_xchg(pteval_t *p, pteval_t v)
{
	return __atomic_exchange_n(p, v, __ATOMIC_ACQ_REL);
}
/* Maps a page (possibly PROT_NONE): software's view. */
static inline bool pte_present(pteval_t v)
{
	return v & (_PAGE_PRESENT | _PAGE_PROTNONE);
}
static inline bool pte_none(pteval_t v)
{
	return v == 0;
}
static inline kmm_pfn_t pte_pfn(pteval_t v)
{
	return (v & PTE_PFN_MASK) >> KMM_PAGE_SHIFT;
}
static inline pteval_t pfn_pte(kmm_pfn_t pfn, pteval_t prot)
{
	return ((pteval_t)pfn << KMM_PAGE_SHIFT) | prot;
}
static inline bool pte_write_ok(pteval_t v)
{
	return v & _PAGE_RW;
}
static inline bool pte_dirty(pteval_t v)
{
	return v & _PAGE_DIRTY;
}
static inline bool pte_young(pteval_t v)
{
	return v & _PAGE_ACCESSED;
}

/* ---- swap entries in non-present PTEs -------------------------------------- */

#define SWP_TYPE_SHIFT 1
#define SWP_TYPE_BITS 5
#define MAX_SWAPFILES (1 << SWP_TYPE_BITS)
typedef struct {
	uint64_t val; /* (type << 58) | offset */
} swp_entry_t;
static inline swp_entry_t swp_entry(unsigned type, uint64_t offset)
{
	return (swp_entry_t){ ((uint64_t)type << 58) | (offset & ((1ULL << 40) - 1)) };
}
static inline unsigned swp_type(swp_entry_t e)
{
	return (unsigned)(e.val >> 58);
}
static inline uint64_t swp_offset(swp_entry_t e)
{
	return e.val & ((1ULL << 40) - 1);
}
static inline pteval_t swp_entry_to_pte(swp_entry_t e)
{
	/* type 0 offset 0 must not read as pte_none: bit 6 marks a swap PTE */
	return ((pteval_t)swp_type(e) << SWP_TYPE_SHIFT) | (1ULL << 6) |
	       (swp_offset(e) << KMM_PAGE_SHIFT);
}
static inline bool is_swap_pte(pteval_t v)
{
	return !pte_none(v) && !pte_present(v);
}
static inline swp_entry_t pte_to_swp_entry(pteval_t v)
{
	return swp_entry((unsigned)((v >> SWP_TYPE_SHIFT) & (MAX_SWAPFILES - 1)),
			 (v & PTE_PFN_MASK) >> KMM_PAGE_SHIFT);
}

/* ---- the struct page of a page-table page (include/linux/mm_types.h ptdesc) -- */

struct ptdesc {
	atomic_ulong flags;
	struct list_head pt_list; /* lru: free-later list (tlb_remove_table) */
	void *pt_mm;		  /* mapping: the mm (or NULL for init_mm) */
	unsigned long pt_index;	  /* index: level (1 = PTE .. 4 = PGD) */
	kmm_spinlock_t ptl;	  /* private: the split page-table lock */
	unsigned pt_pad;
	atomic_uint page_type; /* PGTY_table */
	atomic_int _refcount;
	unsigned long debug_handle;
};
_Static_assert(sizeof(struct ptdesc) == sizeof(struct page), "ptdesc overlays struct page");
_Static_assert(offsetof(struct ptdesc, ptl) == offsetof(struct page, private),
	       "ptl overlays page->private");
_Static_assert(offsetof(struct ptdesc, page_type) == offsetof(struct page, page_type),
	       "page_type stays in place");

static inline struct ptdesc *page_ptdesc(struct page *p)
{
	return (struct ptdesc *)(void *)p;
}
/* The split lock of the PTE table holding @pte (a slot of a level-1 table). */
static inline kmm_spinlock_t *pte_lockptr_of(struct kmm_machine *m, pteval_t *pte)
{
	return &page_ptdesc(kmm_virt_to_page(m, pte))->ptl;
}

/* The table a non-leaf entry points to, as a host pointer in the direct map. */
static inline pteval_t *pt_table(const struct kmm_machine *m, pteval_t entry)
{
	return (pteval_t *)kmm_phys_to_virt(m, entry & PTE_PFN_MASK);
}

#endif /* KMM_SRC_MM_PGTABLE_H */
