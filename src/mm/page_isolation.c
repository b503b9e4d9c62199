/* SPDX-License-Identifier: MIT */
/*
 * src/mm/page_isolation.c - pageblock isolation (mm/page_isolation.c).
 *
 * An isolated pageblock (MIGRATE_ISOLATE) hands out no pages: its free
 * pages sit on the isolate lists, are not counted in NR_FREE_PAGES, and
 * pages freed into it stay there.  Compaction, memory offlining and
 * contiguous allocations (later waves) isolate a range, empty it, and
 * either take it or give it back with kmm_unisolate_pageblock().
 */
#include "internal.h"

int kmm_isolate_pageblock(struct kmm_machine *m, kmm_pfn_t pfn)
{
	if (!kmm_pfn_valid(m, pfn))
		return -KMM_EINVAL;
	struct page *page = kmm_pfn_to_page(m, pfn);
	struct zone *z = kmm_page_zone(m, page);
	if (!zone_spans_pfn(z, pfn) || !z->pageblock_flags)
		return -KMM_EINVAL;
	/* pages parked on pcp lists would escape the isolation */
	kmm_drain_all_pages(m);
	spin_lock(&z->lock);
	int mt = get_pageblock_migratetype(m, page);
	if (mt == MIGRATE_ISOLATE) {
		spin_unlock(&z->lock);
		return -KMM_EBUSY;
	}
	set_pageblock_migratetype(m, page, MIGRATE_ISOLATE);
	/* NR_FREE_PAGES follows the pages (isolated ones are not counted) */
	move_freepages_block_from(m, z, page, mt, MIGRATE_ISOLATE);
	spin_unlock(&z->lock);
	return mt;
}

int kmm_unisolate_pageblock(struct kmm_machine *m, kmm_pfn_t pfn, int mt)
{
	if (!kmm_pfn_valid(m, pfn) || mt < 0 || mt >= MIGRATE_PCPTYPES)
		return -KMM_EINVAL;
	struct page *page = kmm_pfn_to_page(m, pfn);
	struct zone *z = kmm_page_zone(m, page);
	struct kmm_cpu *c = kmm_get_cpu(m);
	spin_lock(&z->lock);
	if (get_pageblock_migratetype(m, page) != MIGRATE_ISOLATE) {
		spin_unlock(&z->lock);
		kmm_put_cpu(m, c);
		return -KMM_EINVAL;
	}
	set_pageblock_migratetype(m, page, mt);
	/* re-free the blocks so they merge with their buddies again */
	__unisolate_free_blocks(m, c, z, KMM_ALIGN_DOWN(pfn, (kmm_pfn_t)pageblock_nr_pages), mt);
	spin_unlock(&z->lock);
	kmm_put_cpu(m, c);
	return 0;
}
