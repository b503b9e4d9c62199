/* SPDX-License-Identifier: MIT */
/*
 * src/mm/page_alloc_slow.c - the allocation slow path and the failure
 * report (__alloc_pages_slowpath and warn_alloc in mm/page_alloc.c).
 *
 * The retry loop is written as the kernel's sequence of steps, each with
 * a named extension point in m->hooks that later subsystems fill in:
 *
 *   1. wake kswapd on every eligible zone         hooks.wake_kswapd
 *   2. retry at the min watermark (reserves per GFP: __GFP_HIGH, atomic)
 *   3. costly orders: direct compaction first      hooks.direct_compact
 *   4. direct reclaim (may sleep only)             hooks.direct_reclaim
 *      then drain the pcp lists and unreserve highatomic blocks
 *   5. direct compaction                           hooks.direct_compact
 *   6. should we retry? (__GFP_NORETRY, __GFP_RETRY_MAYFAIL, costly)
 *   7. the OOM killer                              hooks.out_of_memory
 *   8. __GFP_NOFAIL: loop (bounded here by kmm.nofail_retries so that a
 *      simulation with nothing left to reclaim ends with a report)
 * Failure prints the kernel's "page allocation failure" report and the
 * Mem-Info dump unless __GFP_NOWARN.
 */
#include "internal.h"

#define MAX_RECLAIM_RETRIES 16

static void wake_all_kswapds(struct kmm_machine *m, unsigned order, gfp_t gfp,
			     const struct alloc_context *ac)
{
	if (!m->hooks.wake_kswapd)
		return;
	const pg_data_t *last = NULL;
	for (struct zoneref *zr = ac->preferred_zoneref; zr->zone; zr++) {
		if (zr->zone_idx > (int)ac->highest_zoneidx ||
		    !node_allowed(ac->nodemask, zr->zone->node))
			continue;
		if (zr->zone->zone_pgdat == last)
			continue;
		last = zr->zone->zone_pgdat;
		m->hooks.wake_kswapd(m, zr->zone, order, ac->highest_zoneidx, gfp);
	}
}

/* Give highatomic pageblocks back to ordinary use (one per call). */
static bool unreserve_highatomic_pageblock(struct kmm_machine *m, const struct alloc_context *ac,
					   bool force)
{
	for (struct zoneref *zr = ac->preferred_zoneref; zr->zone; zr++) {
		struct zone *z = zr->zone;
		if (zr->zone_idx > (int)ac->highest_zoneidx)
			continue;
		if (!force && atomic_load(&z->nr_reserved_highatomic) <= pageblock_nr_pages)
			continue;
		spin_lock(&z->lock);
		for (int o = 0; o < NR_PAGE_ORDERS; o++) {
			struct list_head *l = &z->free_area[o].free_list[MIGRATE_HIGHATOMIC];
			if (list_empty(l))
				continue;
			struct page *page = list_first_entry(l, struct page, lru);
			unsigned long nr = atomic_load(&z->nr_reserved_highatomic);
			atomic_store(&z->nr_reserved_highatomic,
				     nr > pageblock_nr_pages ? nr - pageblock_nr_pages : 0);
			set_pageblock_migratetype(m, page, ac->migratetype);
			move_freepages_block(m, z, page, ac->migratetype);
			spin_unlock(&z->lock);
			return true;
		}
		spin_unlock(&z->lock);
	}
	return false;
}

/* Could reclaim plausibly satisfy the request?  (should_reclaim_retry) */
static bool should_reclaim_retry(struct kmm_machine *m, gfp_t gfp, unsigned order,
				 const struct alloc_context *ac, unsigned alloc_flags,
				 bool did_some_progress, int *no_progress_loops)
{
	(void)gfp;
	if (did_some_progress && order <= PAGE_ALLOC_COSTLY_ORDER)
		*no_progress_loops = 0;
	else
		(*no_progress_loops)++;
	if (*no_progress_loops > MAX_RECLAIM_RETRIES)
		return false;
	for (struct zoneref *zr = ac->preferred_zoneref; zr->zone; zr++) {
		struct zone *z = zr->zone;
		if (zr->zone_idx > (int)ac->highest_zoneidx || !node_allowed(ac->nodemask, z->node))
			continue;
		/*
		 * Keep reclaiming while the zone could meet the watermark with
		 * all it could reclaim: a pass that freed nothing (every page
		 * referenced, or isolated by kswapd meanwhile) is not yet a
		 * reason to kill; MAX_RECLAIM_RETRIES such passes are.
		 */
		unsigned long available =
			(unsigned long)zone_page_state_snapshot(m, z, NR_FREE_PAGES);
		if (m->hooks.zone_reclaimable_pages)
			available += m->hooks.zone_reclaimable_pages(m, z);
		if (__zone_watermark_ok(z, order, min_wmark_pages(z), (int)ac->highest_zoneidx,
					alloc_flags, (long)available))
			return true;
	}
	return false;
}

/* Is the calling thread reclaiming (its slot's PF_MEMALLOC)? */
static bool current_memalloc(struct kmm_machine *m)
{
	struct kmm_cpu *c = (struct kmm_cpu *)*kmm_port_tls_slot();

	return c && c->machine == m && c->memalloc;
}

struct page *__alloc_pages_slowpath(struct kmm_machine *m, gfp_t gfp, unsigned order,
				    struct alloc_context *ac)
{
	bool can_direct_reclaim = gfpflags_allow_blocking(gfp);
	bool costly = order > PAGE_ALLOC_COSTLY_ORDER;
	int no_progress_loops = 0, nofail_loops = 0;
	unsigned long did_some_progress;
	struct page *page = NULL;

	if (unlikely((gfp & __GFP_NOFAIL) && order > 1))
		pr_warn(m, "WARNING: __GFP_NOFAIL allocation of order %u (costly, may not succeed)",
			order);
	unsigned alloc_flags = gfp_to_alloc_flags(gfp, order);
retry:
	/* 1. wake kswapd */
	if (alloc_flags & ALLOC_KSWAPD)
		wake_all_kswapds(m, order, gfp, ac);
	/* 2. the min watermark, with whatever reserves the gfp allows */
	page = get_page_from_freelist(m, gfp, order, alloc_flags, ac);
	if (page)
		return page;
	if (!can_direct_reclaim)
		goto nopage;
	/*
	 * Inside reclaim (PF_MEMALLOC): no reclaim again, which could nest
	 * without end (a page for the swap cache's xarray needs a page...);
	 * use the reserve below the min watermark instead, as Linux does.
	 */
	if (current_memalloc(m)) {
		if (!(gfp & __GFP_NOMEMALLOC)) {
			page = get_page_from_freelist(
				m, gfp, order,
				(alloc_flags & ~ALLOC_WMARK_MASK) | ALLOC_NO_WATERMARKS, ac);
			if (page)
				return page;
		}
		goto nopage;
	}
	/* 3. costly orders try compaction before reclaim */
	if (costly && m->hooks.direct_compact && m->hooks.direct_compact(m, gfp, order, ac)) {
		page = get_page_from_freelist(m, gfp, order, alloc_flags, ac);
		if (page)
			return page;
		if (gfp & __GFP_NORETRY)
			goto nopage;
	}
	/* 4. direct reclaim, then give back per-CPU and highatomic pages */
	did_some_progress = 0;
	if (m->hooks.direct_reclaim)
		did_some_progress = m->hooks.direct_reclaim(m, gfp, order, ac);
	page = get_page_from_freelist(m, gfp, order, alloc_flags, ac);
	if (!page) {
		unreserve_highatomic_pageblock(m, ac, false);
		kmm_drain_all_pages(m);
		page = get_page_from_freelist(m, gfp, order, alloc_flags, ac);
	}
	if (page)
		return page;
	/* 5. direct compaction */
	if (m->hooks.direct_compact && m->hooks.direct_compact(m, gfp, order, ac)) {
		page = get_page_from_freelist(m, gfp, order, alloc_flags, ac);
		if (page)
			return page;
	}
	/* 6. retry? */
	if (gfp & __GFP_NORETRY)
		goto nopage;
	if (costly && !(gfp & __GFP_RETRY_MAYFAIL))
		goto nopage;
	if (should_reclaim_retry(m, gfp, order, ac, alloc_flags, did_some_progress != 0,
				 &no_progress_loops))
		goto retry;
	/* before killing anything, the highatomic reserve goes back to use
	 * (should_reclaim_retry's last resort in Linux) */
	if (unreserve_highatomic_pageblock(m, ac, true))
		goto retry;
	/* 7. the OOM killer: not for __GFP_RETRY_MAYFAIL or costly orders */
	if (!(gfp & __GFP_RETRY_MAYFAIL) && !costly && m->hooks.out_of_memory &&
	    m->hooks.out_of_memory(m, gfp, order, ac)) {
		no_progress_loops = 0;
		goto retry;
	}
nopage:
	/* 8. __GFP_NOFAIL: keep going, with access to some reserves */
	if (gfp & __GFP_NOFAIL) {
		unreserve_highatomic_pageblock(m, ac, true);
		page = get_page_from_freelist(m, gfp, order, ALLOC_MIN_RESERVE | ALLOC_WMARK_MIN,
					      ac);
		if (page)
			return page;
		if (++nofail_loops < m->nofail_retries) {
			kmm_port_yield();
			goto retry;
		}
		pr_emerg(m,
			 "BUG: __GFP_NOFAIL allocation of order %u could not be satisfied "
			 "after %d retries: nothing left to reclaim",
			 order, nofail_loops);
	}
	warn_alloc(m, gfp, ac->nodemask, "page allocation failure: order:%u", order);
	return NULL;
}

void warn_alloc(struct kmm_machine *m, gfp_t gfp, const unsigned long *nodemask, const char *fmt,
		...)
{
	atomic_fetch_add(&m->nr_alloc_failed, 1);
	if (gfp & __GFP_NOWARN)
		return;
	char msg[160], names[256], mask[160];
	va_list ap;
	va_start(ap, fmt);
	kmm_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kmm_format_gfp(names, sizeof(names), gfp);
	if (nodemask) {
		/* node list like %*pbl: 0-1,3 */
		struct seq_buf sb;
		seq_buf_init(&sb, mask, sizeof(mask));
		int nid = 0;
		bool first = true;
		while (nid < m->nr_node_ids) {
			if (!node_allowed(nodemask, nid)) {
				nid++;
				continue;
			}
			int end = nid;
			while (end + 1 < m->nr_node_ids && node_allowed(nodemask, end + 1))
				end++;
			if (end > nid)
				seq_buf_printf(&sb, "%s%d-%d", first ? "" : ",", nid, end);
			else
				seq_buf_printf(&sb, "%s%d", first ? "" : ",", nid);
			first = false;
			nid = end + 1;
		}
	} else {
		kmm_strlcpy(mask, "(null)", sizeof(mask));
	}
	int cpu = kmm_cpu_current(m);
	char mems[16];
	if (m->nr_node_ids > 1)
		kmm_snprintf(mems, sizeof(mems), "0-%d", m->nr_node_ids - 1);
	else
		kmm_strlcpy(mems, "0", sizeof(mems));
	pr_warn(m, "kmm: %s, mode:0x%x(%s), nodemask=%s,cpuset=/,mems_allowed=%s", msg, gfp, names,
		mask, mems);
	pr_warn(m, "CPU: %d PID: 0 Comm: kmm", cpu < 0 ? 0 : cpu);
	__show_mem(m, nodemask);
}
