/* SPDX-License-Identifier: MIT */
/*
 * src/mm/vmscan.h - LRU lists and reclaim state (include/linux/mmzone.h's
 * lruvec, include/linux/mm_inline.h, mm/vmscan.c's scan_control).
 *
 * Each node has one lruvec: inactive/active x anon/file lists plus the
 * unevictable list, under the node's lru_lock.  A page on a list has
 * PG_lru (and PG_active on the active lists, PG_unevictable on the
 * unevictable one); being on a list holds no reference, so the last
 * put_page takes a page off its list (under lru_lock) before freeing it,
 * and isolation takes a reference only if the count is not already zero.
 */
#ifndef KMM_SRC_MM_VMSCAN_H
#define KMM_SRC_MM_VMSCAN_H

#include "mm/swap.h"

enum lru_list {
	LRU_INACTIVE_ANON,
	LRU_ACTIVE_ANON,
	LRU_INACTIVE_FILE,
	LRU_ACTIVE_FILE,
	LRU_UNEVICTABLE,
	NR_LRU_LISTS
};

#define MAX_NR_GENS 4 /* MGLRU generations */

struct lruvec {
	kmm_spinlock_t lru_lock;
	struct list_head lists[NR_LRU_LISTS];
	unsigned long nr_pages[NR_LRU_LISTS];
	/* workingset: the node's eviction clock and refault statistics */
	atomic_ulong nonresident_age;
	unsigned long refaults[2];
	/* MGLRU (policy 1): per type (anon, file) generation lists; max_seq is
	 * the youngest generation, min_seq[type] the oldest */
	struct list_head gens[2][MAX_NR_GENS];
	unsigned long nr_gen[2][MAX_NR_GENS];
	unsigned long max_seq, min_seq[2];
	struct pglist_data *pgdat;
};

struct scan_control {
	unsigned long nr_to_reclaim;
	gfp_t gfp_mask;
	int order;
	int priority;
	bool may_writepage, may_unmap, may_swap;
	bool kswapd;
	unsigned long nr_scanned, nr_reclaimed;
};

/* ---- shrinkers (include/linux/shrinker.h) ----------------------------------------- */

#define DEFAULT_SEEKS 2
#define SHRINK_STOP (~0UL)

struct shrink_control {
	int nid;		  /* -1: all nodes */
	unsigned long nr_to_scan; /* objects to scan in this call */
};

struct shrinker {
	/* freeable objects (0: nothing to do) */
	unsigned long (*count_objects)(struct shrinker *s, struct shrink_control *sc);
	/* free up to sc->nr_to_scan objects; returns the number freed or SHRINK_STOP */
	unsigned long (*scan_objects)(struct shrinker *s, struct shrink_control *sc);
	int seeks; /* cost to recreate an object, relative to a page (DEFAULT_SEEKS) */
	void *private_data;
	struct list_head list;
};

int register_shrinker(struct kmm_machine *m, struct shrinker *s);
void unregister_shrinker(struct kmm_machine *m, struct shrinker *s);

/* per machine (vm_state(m)->reclaim) */
struct kmm_reclaim_state {
	kmm_spinlock_t shrinker_lock;
	struct list_head shrinkers;
	bool lru_gen_enabled;
	atomic_ulong oom_kills;
	/* oom_lock: one OOM kill (selection, kill, reap) at a time (kzalloc: unlocked) */
	kmm_spinlock_t oom_lock;
	/* oom_rs: at most 10 OOM reports per 5 s (DEFAULT_RATELIMIT_*) */
	kmm_spinlock_t oom_rs_lock;
	uint64_t oom_rs_begin;
	unsigned oom_rs_printed, oom_rs_missed;
};

static inline struct lruvec *node_lruvec(pg_data_t *pgdat)
{
	return (struct lruvec *)pgdat->lruvec;
}

/* A list's size, read without lru_lock (a snapshot, as Linux's
 * lruvec_lru_size()); changed only under lru_lock. */
static inline unsigned long lru_size(const struct lruvec *lv, enum lru_list l)
{
	return __atomic_load_n(&lv->nr_pages[l], __ATOMIC_RELAXED);
}

static inline void lru_size_add(struct lruvec *lv, enum lru_list l, long nr)
{
	__atomic_store_n(&lv->nr_pages[l], lv->nr_pages[l] + (unsigned long)nr, __ATOMIC_RELAXED);
}

static inline bool page_is_file_lru(const struct page *page)
{
	return !PageSwapBacked(page);
}

static inline enum lru_list page_lru_base(const struct page *page)
{
	return page_is_file_lru(page) ? LRU_INACTIVE_FILE : LRU_INACTIVE_ANON;
}

static inline enum lru_list page_lru(const struct page *page)
{
	if (PageUnevictable(page))
		return LRU_UNEVICTABLE;
	return (enum lru_list)(page_lru_base(page) + (PageActive(page) ? 1 : 0));
}

/* ---- swap.c --------------------------------------------------------------------- */
int lru_init(struct kmm_machine *m);
void lru_exit(struct kmm_machine *m);
/* The last reference went: off the LRU before the page is freed. */
void page_lru_release(struct kmm_machine *m, struct page *page);
/* Put an isolated page back on its (possibly new) list, dropping the
 * isolation reference. */
void putback_lru_page(struct kmm_machine *m, struct page *page);
void lru_add_drain_all(struct kmm_machine *m);
/* under lru_lock */
void lruvec_add_page(struct kmm_machine *m, struct lruvec *lv, struct page *page);
void lruvec_del_page(struct kmm_machine *m, struct lruvec *lv, struct page *page);

/* ---- vmscan.c ------------------------------------------------------------------- */
int kswapd_init(struct kmm_machine *m);
void kswapd_exit(struct kmm_machine *m);
unsigned long shrink_node(struct kmm_machine *m, pg_data_t *pgdat, struct scan_control *sc);
/* drop_caches: 1 page cache, 2 slab, 3 both */
void drop_caches(struct kmm_machine *m, int mode);
/* The lru_gen policy is on (/sys/kernel/mm/lru_gen/enabled). */
bool lru_gen_enabled(struct kmm_machine *m);

/* ---- lru_gen.c (the multi-generational LRU) ----------------------------------------- */
void lru_gen_shrink_lruvec(struct kmm_machine *m, struct lruvec *lv, struct scan_control *sc);
/* Switch policies: every page moves to the other policy's lists. */
void lru_gen_set_enabled(struct kmm_machine *m, bool on);
void lru_gen_add_page(struct kmm_machine *m, struct lruvec *lv, struct page *page);
void lru_gen_del_page(struct kmm_machine *m, struct lruvec *lv, struct page *page);
bool page_on_lru_gen(const struct page *page);
/* vmscan.c: unmap, page out and free an isolated list (kept pages to @ret) */
unsigned long lru_gen_evict_list(struct kmm_machine *m, struct list_head *list,
				 struct scan_control *sc, struct list_head *ret);

/* ---- oom_kill.c ------------------------------------------------------------------- */
bool out_of_memory(struct kmm_machine *m, gfp_t gfp, unsigned order,
		   const struct alloc_context *ac);
long oom_badness(struct kmm_task *t, unsigned long totalpages);

#endif /* KMM_SRC_MM_VMSCAN_H */
