/* SPDX-License-Identifier: MIT */
/*
 * src/mm/sparse.c - SPARSEMEM: the mem_map in 128 MiB sections
 * (mm/sparse.c).
 *
 * Each section that contains RAM gets a mem_map array, allocated by
 * memblock on the section's node, covering the RAM part of the section
 * rounded out to whole MAX_PAGE_ORDER blocks (so a buddy is always inside
 * the same array).  Sections without RAM cost nothing.  The section number
 * lives in page->flags, so page_to_pfn() is one subtraction.
 */
#include "internal.h"

#define MAX_ORDER_NR_PAGES (1UL << MAX_PAGE_ORDER)

void kmm_set_page_links(struct page *page, enum zone_type zone, int nid, unsigned long sec)
{
	unsigned long f = atomic_load_explicit(&page->flags, memory_order_relaxed);
	f &= (1UL << KMM_SECTIONS_PGSHIFT) - 1;
	f |= (unsigned long)zone << KMM_ZONES_PGSHIFT;
	f |= (unsigned long)nid << KMM_NODES_PGSHIFT;
	f |= sec << KMM_SECTIONS_PGSHIFT;
	atomic_store_explicit(&page->flags, f, memory_order_relaxed);
}

int sparse_init(struct kmm_machine *m)
{
	unsigned long nr =
		(unsigned long)((m->max_pfn + KMM_PAGES_PER_SECTION - 1) >> KMM_PFN_SECTION_SHIFT);
	m->nr_mem_sections = nr;
	m->mem_section =
		memblock_alloc_try_nid(m, nr * sizeof(struct mem_section), 64, MEMBLOCK_NONE);
	if (!m->mem_section)
		return -KMM_ENOMEM;
	/* the RAM extent of each section, and the node of its first RAM */
	const struct memblock_type *mem = &m->memblock.memory;
	for (unsigned long sec = 0; sec < nr; sec++) {
		kmm_pfn_t s0 = (kmm_pfn_t)sec << KMM_PFN_SECTION_SHIFT;
		kmm_pfn_t s1 = s0 + KMM_PAGES_PER_SECTION;
		kmm_pfn_t lo = s1, hi = s0;
		int nid = 0; /* node of the section's first RAM: its mem_map lives there */
		for (unsigned i = 0; i < mem->cnt; i++) {
			kmm_pfn_t rs = KMM_PHYS_PFN(mem->regions[i].base);
			kmm_pfn_t re = KMM_PHYS_PFN(mem->regions[i].base + mem->regions[i].size);
			kmm_pfn_t a = KMM_MAX(rs, s0), b = KMM_MIN(re, s1);
			if (a >= b)
				continue;
			if (a < lo) {
				lo = a;
				nid = mem->regions[i].nid < 0 ? 0 : mem->regions[i].nid;
			}
			if (b > hi)
				hi = b;
		}
		if (lo >= hi)
			continue;
		lo = KMM_ALIGN_DOWN(lo, (kmm_pfn_t)MAX_ORDER_NR_PAGES);
		hi = KMM_ALIGN_UP(hi, (kmm_pfn_t)MAX_ORDER_NR_PAGES);
		struct page *map = memblock_alloc_try_nid(m, (hi - lo) * sizeof(struct page),
							  KMM_PAGE_SIZE, nid);
		if (!map)
			return -KMM_ENOMEM;
		struct mem_section *ms = &m->mem_section[sec];
		ms->section_mem_map = (uintptr_t)map - (uintptr_t)lo * sizeof(struct page);
		ms->lo = (uint32_t)(lo - s0);
		ms->hi = (uint32_t)(hi - s0);
		/* the struct pages are initialised by memmap_init() (mm_init.c) */
		m->nr_present_sections++;
	}
	return 0;
}
