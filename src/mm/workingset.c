/* SPDX-License-Identifier: MIT */
/*
 * src/mm/workingset.c - workingset detection (mm/workingset.c).
 *
 * Each node keeps an eviction clock (lruvec->nonresident_age) that ticks on
 * every eviction and activation.  An evicted page leaves a shadow entry in
 * the swap cache (or page cache) recording the clock and whether it was in
 * the workingset.  When the page faults back in, the refault distance
 * (clock now - clock at eviction) is the number of evictions and
 * activations that happened while it was out: had the lists been that
 * much larger, it would have stayed.  If the distance fits in the active
 * lists, the page comes back straight to the active list
 * (workingset_activate_*), and one that was in the workingset is a
 * restore (workingset_restore_*).
 */
#include "mm/vmscan.h"

#define WS_NODE_BITS 6
#define WS_FLAG_BITS 1
#define WS_SHIFT (WS_NODE_BITS + WS_FLAG_BITS)

static void *pack_shadow(int nid, unsigned long eviction, bool workingset)
{
	unsigned long v = (eviction << WS_SHIFT) | ((unsigned long)nid << WS_FLAG_BITS) |
			  (workingset ? 1UL : 0UL);
	return xa_mk_value(v & (~0UL >> 2));
}

static void unpack_shadow(void *shadow, int *nid, unsigned long *eviction, bool *workingset)
{
	unsigned long v = xa_to_value(shadow);
	*workingset = v & 1UL;
	*nid = (int)((v >> WS_FLAG_BITS) & ((1UL << WS_NODE_BITS) - 1));
	*eviction = v >> WS_SHIFT;
}

static void workingset_age_nonresident(struct lruvec *lv, unsigned long n)
{
	atomic_fetch_add_explicit(&lv->nonresident_age, n, memory_order_relaxed);
}

void *workingset_eviction(struct kmm_machine *m, struct page *page)
{
	int nid = kmm_page_to_nid(page);
	struct lruvec *lv = node_lruvec(NODE_DATA(m, nid));
	unsigned long eviction =
		atomic_fetch_add_explicit(&lv->nonresident_age, 1, memory_order_relaxed) + 1;
	return pack_shadow(nid, eviction & (~0UL >> (WS_SHIFT + 2)),
			   kmm_test_page_flag(page, PG_workingset));
}

void workingset_refault(struct kmm_machine *m, struct page *page, void *shadow)
{
	if (!shadow || !xa_is_value(shadow))
		return;
	int nid;
	unsigned long eviction;
	bool workingset;
	unpack_shadow(shadow, &nid, &eviction, &workingset);
	if (nid >= m->nr_node_ids || !NODE_DATA(m, nid))
		return;
	struct lruvec *lv = node_lruvec(NODE_DATA(m, nid));
	bool file = page_is_file_lru(page);
	unsigned long mask = ~0UL >> (WS_SHIFT + 2);
	unsigned long now = atomic_load_explicit(&lv->nonresident_age, memory_order_relaxed) & mask;
	unsigned long distance = (now - eviction) & mask;
	mod_node_page_state(m, lv->pgdat, file ? WORKINGSET_REFAULT_FILE : WORKINGSET_REFAULT_ANON,
			    1);
	__atomic_fetch_add(&lv->refaults[file], 1, __ATOMIC_RELAXED);
	/* what could have held it: the active lists (and inactive file when
	 * anon is being reclaimed too, as Linux's workingset_test_recent) */
	unsigned long ws = lru_size(lv, LRU_ACTIVE_FILE) + lru_size(lv, LRU_ACTIVE_ANON);
	if (!file)
		ws += lru_size(lv, LRU_INACTIVE_FILE);
	else
		ws += lru_size(lv, LRU_INACTIVE_ANON);
	if (distance > ws)
		return;
	SetPageActive(page);
	workingset_age_nonresident(lv, 1);
	mod_node_page_state(m, lv->pgdat,
			    file ? WORKINGSET_ACTIVATE_FILE : WORKINGSET_ACTIVATE_ANON, 1);
	if (workingset) {
		kmm_set_page_flag(page, PG_workingset);
		mod_node_page_state(m, lv->pgdat,
				    file ? WORKINGSET_RESTORE_FILE : WORKINGSET_RESTORE_ANON, 1);
	}
}
