/* SPDX-License-Identifier: MIT */
/*
 * src/mm/swapfile.h - what swapfile.c (devices, slots) and swap_state.c
 * (swap cache, I/O, swap-in) share; the rest of the kernel uses swap.h
 * (include/linux/swapfile.h, the private parts of include/linux/swap.h).
 *
 * swap_map[offset] of a device, one 16-bit counter per slot:
 *   0                    free
 *   SWAP_MAP_BAD         the header (slot 0) or a bad page: never allocated
 *   n | SWAP_HAS_CACHE   n references from PTEs (1 .. SWAP_MAP_MAX), plus
 *                        the swap cache's while the page sits there
 * A slot is allocated by get_swap_page() with SWAP_HAS_CACHE alone (for the
 * page about to be added), or re-claimed for a swap-in by
 * swapcache_prepare(); it is free again once the count and the flag are
 * both gone, and its shadow entry (if any) leaves the cache then.
 *
 * Clusters of SWAPFILE_CLUSTER slots: each CPU allocates sequentially
 * from its own current cluster; a CPU without one takes the oldest
 * partially used cluster (nonfull list), else a free one (free list, in
 * disk order at swapon); when every cluster is taken, a linear scan finds
 * any free slot.
 *
 * Locking (outermost first): swapon_sem (swapon/swapoff) -> page lock ->
 * PTE lock -> swap_lock (device table, avail list) -> si->lock (swap_map,
 * clusters, counters) -> si->cache_lock (the swap cache xarray).  A device
 * is in use by a caller between get_swap_device() and put_swap_device():
 * swapoff clears SWP_VALID and waits for the users to leave before it
 * frees swap_map and closes the file.
 */
#ifndef KMM_SRC_MM_SWAPFILE_H
#define KMM_SRC_MM_SWAPFILE_H

#include "mm/swap.h"

#define SWAPFILE_CLUSTER 256
#define SWAP_HAS_CACHE 0x8000u
#define SWAP_COUNT_MASK 0x7fffu
#define SWAP_MAP_BAD 0x7fffu
#define SWAP_MAP_MAX 0x7ffeu
/* readahead window: at most 1 << vm.page-cluster pages (m->vm.page_cluster,
 * default 3, at most SWAP_PAGE_CLUSTER_MAX) */
#define SWAP_PAGE_CLUSTER_MAX 5

/* si->flags */
#define SWP_USED 0x1u	 /* the type is taken (also while swapoff runs) */
#define SWP_WRITEOK 0x2u /* new slots may be allocated */
#define SWP_VALID 0x4u	 /* get_swap_device() succeeds */

/* cluster states */
enum { CLUSTER_FULL, CLUSTER_FREE, CLUSTER_NONFULL, CLUSTER_PERCPU };

struct swap_cluster_info {
	struct list_head list; /* free_clusters or nonfull_clusters */
	unsigned short count;  /* slots in use (bad slots and the header count) */
	unsigned char state;
};

#define SWAP_NO_CLUSTER (~0UL)
struct percpu_cluster {
	unsigned long cluster; /* index, or SWAP_NO_CLUSTER */
	unsigned long next;    /* next offset to try */
};

struct swap_info_struct {
	struct kmm_machine *machine;
	atomic_uint flags;
	atomic_int users; /* get_swap_device() references */
	int type;
	int prio;				/* higher is used first */
	struct list_head avail_list;		/* swap_state.avail_head, under swap_lock */
	kmm_spinlock_t lock;			/* swap_map, clusters, inuse */
	uint16_t *swap_map;			/* [max] */
	unsigned long max;			/* slots: last_page + 1 */
	unsigned long pages;			/* usable slots (no header, no bad pages) */
	atomic_long inuse_pages;		/* allocated slots */
	struct swap_cluster_info *cluster_info; /* [nr_clusters] */
	unsigned long nr_clusters;
	struct list_head free_clusters, nonfull_clusters;
	struct percpu_cluster *percpu; /* [nr_cpu_ids] */
	unsigned long scan_next;       /* fallback scan position */
	unsigned nr_badpages;
	int fd;
	unsigned dev_major, dev_minor;
	uint64_t ino;
	/* the swap cache of this device (swapper_space): offset -> page or shadow */
	kmm_spinlock_t cache_lock;
	struct xarray cache;
	unsigned long nr_cached;
	/* nodes set aside for stores under cache_lock, which never allocate */
	struct xa_preload cache_nodes;
	unsigned cache_nodes_need; /* the most one store can take */
	char path[256];
};

/* Fault injection (lib/fault-inject.c): /sys/kernel/debug/fail_swap_io/. */
struct fault_attr {
	kmm_spinlock_t lock;
	unsigned long probability; /* percent */
	unsigned long interval;	   /* fail only every interval-th eligible call */
	long times;		   /* failures left; -1: no limit */
	long space;		   /* bytes to let through first */
	unsigned long verbose;
	bool ignore_reads, ignore_writes; /* filters: such I/O never fails */
	unsigned long count;		  /* eligible calls seen */
	uint64_t rnd;
};

struct swap_state {
	kmm_rwsem_t swapon_sem;
	kmm_spinlock_t swap_lock;
	struct swap_info_struct *swap_info[MAX_SWAPFILES];
	int nr_swapfiles;
	struct list_head avail_head; /* writable devices, by priority (highest first) */
	int least_priority;
	atomic_long nr_swap_pages; /* free slots of writable devices */
	atomic_long total_swap_pages;
	struct fault_attr fail_io;
	atomic_ulong read_errors, write_errors;
	/* slot-order readahead (no VMA, or vma_ra_enabled off): hits on
	 * readahead pages since the last fault, the last faulting offset and
	 * window (swapin_nr_pages) */
	atomic_ulong ra_hits, ra_prev_offset;
	atomic_uint ra_prev_win;
	/* /sys/kernel/mm/swap/vma_ra_enabled: read ahead around the faulting
	 * address (swap_vma_readahead) rather than the slot; .../fault_around:
	 * map those pages too (kmm), old, so that they cost no fault */
	atomic_bool vma_ra_enabled, fault_around;
	bool shutdown;
};

static inline struct swap_state *swap_state(struct kmm_machine *m)
{
	struct kmm_vm_state *vs = vm_state(m);

	return vs ? (struct swap_state *)vs->swap : NULL;
}

/* ---- swapfile.c -------------------------------------------------------------------- */

/* The device of @e with a reference, or NULL (no such device, being
 * swapped off, offset out of range). */
struct swap_info_struct *get_swap_device(struct kmm_machine *m, swp_entry_t e);
void put_swap_device(struct swap_info_struct *si);
/* Take the slot's SWAP_HAS_CACHE for a swap-in: 0, -KMM_EEXIST (someone is
 * adding the page) or -KMM_ENOENT (the slot is free). */
int swapcache_prepare(struct swap_info_struct *si, unsigned long offset);
/* Slot @offset has no reference left: free it (si->lock held). */
void swap_slot_free_locked(struct swap_info_struct *si, unsigned long offset);
/* Give back the SWAP_HAS_CACHE of a slot that got no page in the cache
 * (get_swap_page() or swapcache_prepare() whose add failed). */
void put_swap_page(struct kmm_machine *m, swp_entry_t e);
/* PTE references of a slot (without the cache's). */
unsigned swap_count(struct swap_info_struct *si, unsigned long offset);
/* More than half of the swap space is used (vm_swap_full()). */
bool vm_swap_full(struct kmm_machine *m);
/* Should this swap I/O fail (fail_swap_io)?  Logs the injection. */
bool should_fail_swap_io(struct kmm_machine *m, bool write);
/* Count an I/O error and report it (rate-limited). */
void swap_io_error(struct kmm_machine *m, struct swap_info_struct *si, unsigned long offset,
		   bool write);

/* ---- swap_state.c -------------------------------------------------------------------- */

int swap_cache_init(struct swap_info_struct *si);
void swap_cache_exit(struct swap_info_struct *si);
/*
 * Take @page (locked or otherwise stable) out of the swap cache of @si,
 * leaving @shadow, and release the slot's SWAP_HAS_CACHE (freeing the slot
 * if no PTE refers to it); drops the cache's page reference.  With
 * @only_unused it does nothing unless no PTE refers to the slot and the
 * page is not under writeback (try_to_free_swap).  False if the page was
 * not (or no longer) in the cache, or was kept.
 */
bool swap_cache_remove(struct swap_info_struct *si, struct page *page, void *shadow,
		       bool only_unused);
/* Slot @offset became free (si->lock held): drop its shadow. */
void swap_cache_clear_shadow(struct swap_info_struct *si, unsigned long offset);
/* Swapoff: bring the swap PTE at @pte (of @vma, @addr) back in. */
int swap_unuse_pte(struct vm_area_struct *vma, uint64_t addr, pteval_t *pte,
		   struct swap_info_struct *si);
/* Swapoff: drop pages that only the swap cache refers to; how many stay. */
unsigned long swap_cache_unuse(struct swap_info_struct *si);

#endif /* KMM_SRC_MM_SWAPFILE_H */
