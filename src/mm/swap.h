/* SPDX-License-Identifier: MIT */
/*
 * src/mm/swap.h - the contract between reclaim (vmscan.c, workingset.c),
 * the swap subsystem (swapfile.c, swap_state.c) and the fault path
 * (include/linux/swap.h, mm/swap.h).
 *
 * Swap devices are host files with a Linux SWAPSPACE2 header.  A swapped
 * out anonymous page leaves a swap entry (type, offset) in every PTE that
 * mapped it; swap_map[offset] counts those references (plus one while the
 * page is in the swap cache).  The swap cache is an xarray per device
 * keyed by offset: a page being written out or just read in sits there
 * (PG_swapcache, page->private = the entry), and after eviction a shadow
 * value entry (workingset.c) stays behind.
 */
#ifndef KMM_SRC_MM_SWAP_H
#define KMM_SRC_MM_SWAP_H

#include "mm/vma.h"

/* ---- swapfile.c ------------------------------------------------------------- */

/* kmm_mkswap(), kmm_swapon(), kmm_swapoff(): public, in kmm/mm.h. */

/* Allocate one slot (the best-priority device with room; clusters so that
 * consecutive allocations are sequential on disk).  val 0 = none free. */
swp_entry_t get_swap_page(struct kmm_machine *m);
/* References from PTEs: fork duplicates, zap/unuse frees. */
int swap_duplicate(struct kmm_machine *m, swp_entry_t e);
void swap_free(struct kmm_machine *m, swp_entry_t e);
/* Free the slot if only the swap cache refers to it. */
bool try_to_free_swap(struct kmm_machine *m, struct page *page);
/* swap_map count of the entry (PTE references + cache), 0 if free. */
int swp_swapcount(struct kmm_machine *m, swp_entry_t e);
/* Total and free swap, in pages (SwapTotal/SwapFree). */
void si_swapinfo(struct kmm_machine *m, unsigned long *total, unsigned long *free);
/* Free slots on writable devices (one load: for reclaim's per-page test). */
long get_nr_swap_pages(struct kmm_machine *m);

/* ---- swap_state.c --------------------------------------------------------------- */

/* Give an anonymous page a slot and put it in the swap cache (dirty). */
int add_to_swap(struct kmm_machine *m, struct page *page);
void delete_from_swap_cache(struct kmm_machine *m, struct page *page);
/* Swap cache lookup (with a reference), NULL if absent. */
struct page *lookup_swap_cache(struct kmm_machine *m, swp_entry_t e);
/* Write @page to its slot; 0, or -KMM_EIO (page stays dirty, counted). */
int swap_writepage(struct kmm_machine *m, struct page *page);
/* The page for @e, read from the device (and readahead of neighbours) if
 * not cached; NULL with *err on failure.  *major set if it was read. */
struct page *swapin_readahead(struct kmm_machine *m, swp_entry_t e, bool *major, int *err);
/* The fault handler installed in vm_state(m)->do_swap_page. */
unsigned do_swap_page(struct vm_fault *vmf);
/* Remove @page from the swap cache leaving @shadow (a workingset value
 * entry, or NULL) in its slot; lookups treat shadows as absent. */
void __delete_from_swap_cache(struct kmm_machine *m, struct page *page, void *shadow);
/* The shadow left at @e, or NULL (swapin passes it to workingset_refault). */
void *swap_cache_get_shadow(struct kmm_machine *m, swp_entry_t e);
int swap_init(struct kmm_machine *m);  /* boot: caches, hooks, /proc/swaps */
void swap_exit(struct kmm_machine *m); /* shutdown: close devices */

/* ---- swap.c (LRU batching), vmscan.c, workingset.c: the lead's side ------------ */

/* A new page (anonymous, page cache, swapped in) joins its node's LRU
 * (inactive, or unevictable in an mlocked VMA) through a per-CPU batch. */
void lru_cache_add(struct kmm_machine *m, struct page *page);
void lru_cache_add_inactive_or_unevictable(struct kmm_machine *m, struct page *page,
					   struct vm_area_struct *vma);
/* Flush the calling CPU's LRU batch (before isolating pages). */
void lru_add_drain(struct kmm_machine *m);
/* Take @page off its LRU (it is being freed or migrated); true if it was on one. */
bool folio_isolate_lru(struct kmm_machine *m, struct page *page);
void mark_page_accessed(struct kmm_machine *m, struct page *page);
/* Workingset: the shadow to leave for an evicted page; on refault decide
 * whether it comes back active. */
void *workingset_eviction(struct kmm_machine *m, struct page *page);
void workingset_refault(struct kmm_machine *m, struct page *page, void *shadow);

#endif /* KMM_SRC_MM_SWAP_H */
