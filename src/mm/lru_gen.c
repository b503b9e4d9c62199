/* SPDX-License-Identifier: MIT */
/*
 * src/mm/lru_gen.c - the multi-generational LRU (mm/vmscan.c's lru_gen
 * half, Linux 6.1+), selected at run time by /sys/kernel/mm/lru_gen/enabled.
 *
 * Pages of each type (anon, file) sit in generations: max_seq is the
 * youngest, min_seq[type] the oldest, at most MAX_NR_GENS live at once.
 * New pages join the youngest generation.  Aging creates a new youngest
 * generation by walking the page tables of every mm: each PTE found with
 * its accessed bit set is cleared and its page promoted to the new
 * generation, so pages left behind are the ones not used for a whole
 * generation.  Eviction takes pages from the oldest generation of the
 * type chosen (the one whose oldest generation is older; file first on a
 * tie unless swappiness favours anon); a page found accessed through rmap
 * at that moment is promoted instead, the rest go through the same
 * unmap/pageout/free path as the classic policy.  The generation number
 * + 1 lives in spare page->flags bits.
 */
#include "mm/vmscan.h"

#define MIN_NR_GENS 2
#define LRU_GEN_PGSHIFT 24
#define LRU_GEN_MASK (7UL << LRU_GEN_PGSHIFT)

static inline int page_gen(const struct page *page)
{
	unsigned long f = atomic_load_explicit((atomic_ulong *)&page->flags, memory_order_relaxed);
	return (int)((f & LRU_GEN_MASK) >> LRU_GEN_PGSHIFT) - 1;
}

static inline void set_page_gen(struct page *page, int gen)
{
	unsigned long f = atomic_load_explicit(&page->flags, memory_order_relaxed), n;
	do {
		n = (f & ~LRU_GEN_MASK) | ((unsigned long)(gen + 1) << LRU_GEN_PGSHIFT);
	} while (!atomic_compare_exchange_weak_explicit(&page->flags, &f, n, memory_order_relaxed,
							memory_order_relaxed));
}

static inline int type_of(const struct page *page)
{
	return page_is_file_lru(page) ? 1 : 0;
}

static inline int gen_of_seq(unsigned long seq)
{
	return (int)(seq % MAX_NR_GENS);
}

static void gen_account(struct kmm_machine *m, struct lruvec *lv, struct page *page, int type,
			long nr)
{
	/* meminfo: the youngest two generations count as active, as Linux */
	enum lru_list lru = type ? LRU_INACTIVE_FILE : LRU_INACTIVE_ANON;
	lru_size_add(lv, lru, nr);
	mod_node_page_state(m, lv->pgdat, (enum node_stat_item)(NR_INACTIVE_ANON + lru), nr);
	mod_zone_page_state(m, kmm_page_zone(m, page),
			    (enum zone_stat_item)(NR_ZONE_INACTIVE_ANON + lru), nr);
}

/* under lru_lock */
void lru_gen_add_page(struct kmm_machine *m, struct lruvec *lv, struct page *page)
{
	int type = type_of(page);
	int gen = gen_of_seq(lv->max_seq);
	set_page_gen(page, gen);
	list_add(&page->lru, &lv->gens[type][gen]);
	lv->nr_gen[type][gen]++;
	gen_account(m, lv, page, type, 1);
}

/* under lru_lock */
void lru_gen_del_page(struct kmm_machine *m, struct lruvec *lv, struct page *page)
{
	int type = type_of(page);
	int gen = page_gen(page);
	list_del(&page->lru);
	lv->nr_gen[type][gen]--;
	set_page_gen(page, -1);
	gen_account(m, lv, page, type, -1);
}

bool page_on_lru_gen(const struct page *page)
{
	return page_gen(page) >= 0;
}

/* ---- aging ------------------------------------------------------------------------------ */

struct age_arg {
	struct kmm_machine *m;
	struct vm_area_struct *vma;
	unsigned long promoted;
};

static int age_pte(pteval_t *pte, uint64_t addr, void *arg)
{
	struct age_arg *a = arg;
	pteval_t e = pte_read(pte);
	if (!(e & _PAGE_PRESENT) || !(e & _PAGE_ACCESSED))
		return 0;
	struct page *page = vm_normal_page(a->vma, addr, e);
	__atomic_fetch_and(pte, ~_PAGE_ACCESSED, __ATOMIC_ACQ_REL);
	if (!page)
		return 0;
	struct lruvec *lv = node_lruvec(NODE_DATA(a->m, kmm_page_to_nid(page)));
	spin_lock(&lv->lru_lock);
	if (PageLRU(page) && page_gen(page) >= 0 && page_gen(page) != gen_of_seq(lv->max_seq)) {
		lru_gen_del_page(a->m, lv, page);
		lru_gen_add_page(a->m, lv, page);
		a->promoted++;
	}
	spin_unlock(&lv->lru_lock);
	return 0;
}

/* A new youngest generation; pages seen used since the last one join it. */
static void inc_max_seq(struct kmm_machine *m, struct lruvec *lv)
{
	struct kmm_vm_state *vs = vm_state(m);
	spin_lock(&lv->lru_lock);
	/* room for the new generation: the oldest must be empty or merged up */
	for (int type = 0; type < 2; type++) {
		while (lv->max_seq - lv->min_seq[type] + 1 >= MAX_NR_GENS) {
			int old = gen_of_seq(lv->min_seq[type]);
			int next = gen_of_seq(lv->min_seq[type] + 1);
			while (!list_empty(&lv->gens[type][old])) {
				struct page *p =
					list_last_entry(&lv->gens[type][old], struct page, lru);
				list_move(&p->lru, &lv->gens[type][next]);
				set_page_gen(p, next);
				lv->nr_gen[type][old]--;
				lv->nr_gen[type][next]++;
			}
			lv->min_seq[type]++;
		}
	}
	lv->max_seq++;
	spin_unlock(&lv->lru_lock);
	/* walk_mm: every mm's present PTEs, A bits tested and cleared */
	spin_lock(&vs->mmlist_lock);
	struct list_head *pos;
	list_for_each (pos, &vs->mmlist) {
		struct mm_struct *mm = list_entry(pos, struct mm_struct, mmlist);
		if (!down_read_trylock(&mm->mmap_lock))
			continue;
		atomic_fetch_add(&mm->mm_users, 1);
		spin_unlock(&vs->mmlist_lock);
		struct age_arg a = { .m = m };
		for (struct vm_area_struct *v = mm->mmap; v; v = v->vm_next) {
			a.vma = v;
			walk_pte_range(mm, v->vm_start, v->vm_end, age_pte, &a);
		}
		flush_tlb_mm(mm);
		up_read(&mm->mmap_lock);
		spin_lock(&vs->mmlist_lock);
		atomic_fetch_sub(&mm->mm_users, 1);
	}
	spin_unlock(&vs->mmlist_lock);
}

/* ---- eviction ------------------------------------------------------------------------------ */

static int type_to_scan(struct kmm_machine *m, struct lruvec *lv, bool anon_ok)
{
	unsigned long anon = 0, file = 0;
	for (int g = 0; g < MAX_NR_GENS; g++) {
		anon += lv->nr_gen[0][g];
		file += lv->nr_gen[1][g];
	}
	if (!anon_ok || !anon)
		return file ? 1 : -1;
	if (!file)
		return 0;
	if (lv->min_seq[0] != lv->min_seq[1])
		return lv->min_seq[0] < lv->min_seq[1] ? 0 : 1;
	return m->vm.swappiness > 100 ? 0 : 1;
}

void lru_gen_shrink_lruvec(struct kmm_machine *m, struct lruvec *lv, struct scan_control *sc)
{
	bool anon_ok = sc->may_swap && m->vm.swappiness > 0;
	unsigned long total, free;
	si_swapinfo(m, &total, &free);
	anon_ok = anon_ok && free > 0;
	unsigned long target = sc->nr_to_reclaim ? sc->nr_to_reclaim : 32;
	unsigned long reclaimed0 = sc->nr_reclaimed;
	int idle = 0;
	lru_add_drain(m);
	while (sc->nr_reclaimed - reclaimed0 < target && idle < 2 * MAX_NR_GENS) {
		int type = type_to_scan(m, lv, anon_ok);
		if (type < 0)
			break;
		LIST_HEAD_DECL(list);
		LIST_HEAD_DECL(keep);
		unsigned long scanned = 0;
		spin_lock(&lv->lru_lock);
		int gen = gen_of_seq(lv->min_seq[type]);
		if (list_empty(&lv->gens[type][gen])) {
			/* the oldest generation is used up: retire it, or age */
			bool can = lv->max_seq - lv->min_seq[type] + 1 > MIN_NR_GENS;
			if (can)
				lv->min_seq[type]++;
			spin_unlock(&lv->lru_lock);
			if (!can)
				inc_max_seq(m, lv);
			idle++;
			continue;
		}
		struct list_head *src = &lv->gens[type][gen];
		while (scanned < 32 && !list_empty(src)) {
			struct page *page = list_last_entry(src, struct page, lru);
			scanned++;
			if (!get_page_unless_zero(page)) {
				list_move(&page->lru, src);
				continue;
			}
			lru_gen_del_page(m, lv, page);
			ClearPageLRU(page);
			list_add(&page->lru, &list);
		}
		spin_unlock(&lv->lru_lock);
		sc->nr_scanned += scanned;
		count_vm_events(m, sc->kswapd ? PGSCAN_KSWAPD : PGSCAN_DIRECT, scanned);
		count_vm_events(m, type ? PGSCAN_FILE : PGSCAN_ANON, scanned);
		/* used since the last aging: promote instead of evicting */
		struct list_head *pos, *n;
		list_for_each_safe (pos, n, &list) {
			struct page *page = list_entry(pos, struct page, lru);
			unsigned long vm_flags = 0;
			if (page_referenced(m, page, &vm_flags) || PageReferenced(page)) {
				ClearPageReferenced(page);
				list_move(&page->lru, &keep);
			}
		}
		unsigned long r = lru_gen_evict_list(m, &list, sc, &keep);
		count_vm_events(m, sc->kswapd ? PGSTEAL_KSWAPD : PGSTEAL_DIRECT, r);
		count_vm_events(m, type ? PGSTEAL_FILE : PGSTEAL_ANON, r);
		sc->nr_reclaimed += r;
		/* survivors go to the youngest generation (putback adds there) */
		while (!list_empty(&keep)) {
			struct page *page = list_first_entry(&keep, struct page, lru);
			list_del(&page->lru);
			ClearPageActive(page);
			putback_lru_page(m, page);
		}
		idle = r ? 0 : idle + 1;
	}
}

/* ---- switching ------------------------------------------------------------------------------ */

void lru_gen_set_enabled(struct kmm_machine *m, bool on)
{
	struct kmm_reclaim_state *rs = vm_state(m)->reclaim;
	lru_add_drain_all(m);
	int nid;
	for_each_online_node(m, nid)
	{
		struct lruvec *lv = node_lruvec(NODE_DATA(m, nid));
		spin_lock(&lv->lru_lock);
		LIST_HEAD_DECL(all);
		if (on) {
			for (int l = 0; l < LRU_UNEVICTABLE; l++)
				while (!list_empty(&lv->lists[l])) {
					struct page *p =
						list_first_entry(&lv->lists[l], struct page, lru);
					lruvec_del_page(m, lv, p);
					ClearPageActive(p);
					list_add_tail(&p->lru, &all);
				}
		} else {
			for (int t = 0; t < 2; t++)
				for (int g = 0; g < MAX_NR_GENS; g++)
					while (!list_empty(&lv->gens[t][g])) {
						struct page *p = list_first_entry(&lv->gens[t][g],
										  struct page, lru);
						lru_gen_del_page(m, lv, p);
						list_add_tail(&p->lru, &all);
					}
		}
		__atomic_store_n(&rs->lru_gen_enabled, on, __ATOMIC_RELEASE);
		while (!list_empty(&all)) {
			struct page *p = list_first_entry(&all, struct page, lru);
			list_del(&p->lru);
			lruvec_add_page(m, lv, p);
		}
		spin_unlock(&lv->lru_lock);
	}
	__atomic_store_n(&rs->lru_gen_enabled, on, __ATOMIC_RELEASE);
}
