/* SPDX-License-Identifier: MIT */
/*
 * src/mm/swap.c - the LRU lists' bookkeeping (mm/swap.c in Linux, which
 * despite its name is about LRU pagevecs, not swapping): per-CPU batches
 * of new pages, adding and removing pages under the node's lru_lock,
 * isolation for reclaim, putback, mark_page_accessed, and taking a page
 * off its list when its last reference goes.
 */
#include "mm/vmscan.h"

#define LRU_BATCH 15 /* PAGEVEC_SIZE */

struct lru_batch {
	kmm_spinlock_t lock; /* the owner CPU, or a drainer from elsewhere */
	unsigned nr;
	struct page *pages[LRU_BATCH];
	struct vm_area_struct *unused;
};

struct lru_state {
	struct lru_batch *batches; /* [nr_cpu_ids] */
};

static inline struct lru_state *lru_state(struct kmm_machine *m)
{
	return (struct lru_state *)vm_state(m)->lru;
}

static inline struct lruvec *page_lruvec(struct kmm_machine *m, struct page *page)
{
	return node_lruvec(NODE_DATA(m, kmm_page_to_nid(page)));
}

/* ---- list primitives (under lru_lock) ---------------------------------------------- */

static void lru_account(struct kmm_machine *m, struct lruvec *lv, struct page *page,
			enum lru_list lru, long nr)
{
	lru_size_add(lv, lru, nr);
	mod_node_page_state(m, lv->pgdat, (enum node_stat_item)(NR_INACTIVE_ANON + lru), nr);
	mod_zone_page_state(m, kmm_page_zone(m, page),
			    (enum zone_stat_item)(NR_ZONE_INACTIVE_ANON + lru), nr);
}

void lruvec_add_page(struct kmm_machine *m, struct lruvec *lv, struct page *page)
{
	if (lru_gen_enabled(m) && !PageUnevictable(page)) {
		lru_gen_add_page(m, lv, page);
		return;
	}
	enum lru_list lru = page_lru(page);
	list_add(&page->lru, &lv->lists[lru]);
	lru_account(m, lv, page, lru, 1);
}

void lruvec_del_page(struct kmm_machine *m, struct lruvec *lv, struct page *page)
{
	if (page_on_lru_gen(page)) {
		lru_gen_del_page(m, lv, page);
		return;
	}
	enum lru_list lru = page_lru(page);
	list_del(&page->lru);
	lru_account(m, lv, page, lru, -1);
}

/* ---- adding ---------------------------------------------------------------------------- */

static void lru_add_batch(struct kmm_machine *m, struct lru_batch *b)
{
	for (unsigned i = 0; i < b->nr; i++) {
		struct page *page = b->pages[i];
		struct lruvec *lv = page_lruvec(m, page);
		spin_lock(&lv->lru_lock);
		SetPageLRU(page);
		lruvec_add_page(m, lv, page);
		spin_unlock(&lv->lru_lock);
		/* the batch's reference: the page may be freed now (and leaves
		 * the list again in page_lru_release) */
		put_user_page(m, page);
	}
	b->nr = 0;
}

static void lru_batch_add(struct kmm_machine *m, struct page *page)
{
	get_page(page);
	struct kmm_cpu *c = kmm_get_cpu(m);
	struct lru_batch *b = &lru_state(m)->batches[c->id];
	spin_lock(&b->lock);
	b->pages[b->nr++] = page;
	if (b->nr == LRU_BATCH)
		lru_add_batch(m, b);
	spin_unlock(&b->lock);
	kmm_put_cpu(m, c);
}

void lru_cache_add(struct kmm_machine *m, struct page *page)
{
	lru_batch_add(m, page);
}

void lru_cache_add_inactive_or_unevictable(struct kmm_machine *m, struct page *page,
					   struct vm_area_struct *vma)
{
	if (vma && (vma->vm_flags & VM_LOCKED)) {
		SetPageUnevictable(page);
		SetPageMlocked(page);
		mod_zone_page_state(m, kmm_page_zone(m, page), NR_MLOCK, 1);
	}
	lru_batch_add(m, page);
}

void lru_add_drain(struct kmm_machine *m)
{
	struct kmm_cpu *c = kmm_get_cpu(m);
	struct lru_batch *b = &lru_state(m)->batches[c->id];
	spin_lock(&b->lock);
	lru_add_batch(m, b);
	spin_unlock(&b->lock);
	kmm_put_cpu(m, c);
}

void lru_add_drain_all(struct kmm_machine *m)
{
	for (int i = 0; i < m->nr_cpu_ids; i++) {
		struct lru_batch *b = &lru_state(m)->batches[i];
		spin_lock(&b->lock);
		lru_add_batch(m, b);
		spin_unlock(&b->lock);
	}
}

/* ---- removing ------------------------------------------------------------------------------ */

void page_lru_release(struct kmm_machine *m, struct page *page)
{
	if (!PageLRU(page))
		return;
	struct lruvec *lv = page_lruvec(m, page);
	spin_lock(&lv->lru_lock);
	if (kmm_test_page_flag(page, PG_lru)) {
		lruvec_del_page(m, lv, page);
		ClearPageLRU(page);
	}
	spin_unlock(&lv->lru_lock);
	if (PageMlocked(page)) {
		ClearPageMlocked(page);
		mod_zone_page_state(m, kmm_page_zone(m, page), NR_MLOCK, -1);
	}
	ClearPageActive(page);
	ClearPageUnevictable(page);
	kmm_clear_page_flag(page, PG_workingset);
}

bool folio_isolate_lru(struct kmm_machine *m, struct page *page)
{
	struct lruvec *lv = page_lruvec(m, page);
	bool ok = false;
	spin_lock(&lv->lru_lock);
	if (PageLRU(page) && get_page_unless_zero(page)) {
		lruvec_del_page(m, lv, page);
		ClearPageLRU(page);
		ok = true;
	}
	spin_unlock(&lv->lru_lock);
	return ok;
}

void putback_lru_page(struct kmm_machine *m, struct page *page)
{
	struct lruvec *lv = page_lruvec(m, page);
	spin_lock(&lv->lru_lock);
	SetPageLRU(page);
	lruvec_add_page(m, lv, page);
	spin_unlock(&lv->lru_lock);
	put_user_page(m, page);
}

/* ---- aging ----------------------------------------------------------------------------------- */

/*
 * A page-cache access through read()/write() (no PTE accessed bit to
 * find): inactive,unreferenced -> inactive,referenced -> active.
 */
void mark_page_accessed(struct kmm_machine *m, struct page *page)
{
	if (!PageReferenced(page)) {
		SetPageReferenced(page);
		return;
	}
	if (PageActive(page) || PageUnevictable(page) || !PageLRU(page))
		return;
	struct lruvec *lv = page_lruvec(m, page);
	spin_lock(&lv->lru_lock);
	if (PageLRU(page) && !PageActive(page)) {
		lruvec_del_page(m, lv, page);
		SetPageActive(page);
		lruvec_add_page(m, lv, page);
		count_vm_events(m, PGACTIVATE, 1);
	}
	spin_unlock(&lv->lru_lock);
	ClearPageReferenced(page);
}

/* ---- setup ---------------------------------------------------------------------------------- */

int lru_init(struct kmm_machine *m)
{
	struct lru_state *ls = kmm_kzalloc(m, sizeof(*ls), GFP_KERNEL);
	if (!ls)
		return -KMM_ENOMEM;
	ls->batches = kmm_kcalloc(m, (size_t)m->nr_cpu_ids, sizeof(struct lru_batch), GFP_KERNEL);
	if (!ls->batches)
		return -KMM_ENOMEM;
	for (int i = 0; i < m->nr_cpu_ids; i++)
		spin_lock_init(&ls->batches[i].lock);
	vm_state(m)->lru = ls;
	int nid;
	for_each_online_node(m, nid)
	{
		struct lruvec *lv = kmm_kzalloc(m, sizeof(*lv), GFP_KERNEL);
		if (!lv)
			return -KMM_ENOMEM;
		spin_lock_init(&lv->lru_lock);
		for (int l = 0; l < NR_LRU_LISTS; l++)
			INIT_LIST_HEAD(&lv->lists[l]);
		for (int t = 0; t < 2; t++)
			for (int g = 0; g < MAX_NR_GENS; g++)
				INIT_LIST_HEAD(&lv->gens[t][g]);
		lv->max_seq = MAX_NR_GENS - 1;
		lv->pgdat = NODE_DATA(m, nid);
		NODE_DATA(m, nid)->lruvec = lv;
	}
	return 0;
}

void lru_exit(struct kmm_machine *m)
{
	(void)m; /* everything lives in the machine's memory */
}
