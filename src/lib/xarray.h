/* SPDX-License-Identifier: MIT */
/*
 * src/lib/xarray.h - a sparse array of pointers indexed by unsigned long,
 * with three search marks per entry: the page cache's and swap cache's
 * radix tree (include/linux/xarray.h, lib/xarray.c).
 *
 * Shape: a tree of 64-slot nodes (XA_CHUNK_SHIFT 6).  A node at level
 * `shift` splits the index bits [shift, shift + 6); leaves have shift 0
 * and hold the entries.  The tree is only as tall as the largest index
 * needs (12 bits: 2 levels; 2^40: 7 levels; ULONG_MAX: 11) and shrinks
 * back when the large indices go; an array whose only entry is at index 0
 * keeps it in xa_head itself, with no node at all.  Empty nodes are freed
 * at once, so nr_nodes is 0 whenever the array holds at most index 0.
 *
 * Entries: pointers aligned to 4 bytes, or value entries made with
 * xa_mk_value() (an integer of up to BITS_PER_LONG - 1 bits, tagged with
 * bit 0: shadow entries, swap entries).  Entries whose low two bits are 10
 * are the tree's own and cannot be stored (xa_store returns -KMM_EINVAL).
 * NULL is "no entry": storing NULL erases.
 *
 * Marks: XA_MARK_0..XA_MARK_2 per entry (the page cache calls them DIRTY,
 * WRITEBACK, TOWRITE).  Every node keeps, per mark, a bitmap of the slots
 * below which some entry carries the mark, and the array keeps one bit
 * per mark for the whole tree, so xa_marked() is O(1) and a marked search
 * only descends into marked subtrees.  Replacing an entry keeps its marks;
 * erasing it clears them; setting a mark on an absent index does nothing.
 *
 * Memory: nodes (xa_node_size() bytes) come from the kmem_cache given to
 * xa_init(), with the gfp the caller passes to xa_store().  A failed
 * allocation leaves the array exactly as it was (xa_store() allocates the
 * nodes it needs as it descends and frees them again on failure).
 * A caller that stores under a spinlock which reclaim may also want (the
 * page cache's i_pages lock) must not let xa_store() enter direct reclaim
 * there: it passes GFP_NOWAIT | __GFP_NOWARN, or sets nodes aside before
 * taking the lock with xa_preload() and stores with xa_store_preload():
 *
 *	struct xa_preload pl = XA_PRELOAD_INIT;
 *	for (;;) {
 *		spin_lock(&lock);
 *		ret = xa_store_preload(xa, index, entry, &pl, GFP_NOWAIT | __GFP_NOWARN, NULL);
 *		spin_unlock(&lock);
 *		if (ret != -KMM_ENOMEM || xa_preload(cache, &pl, XA_PRELOAD_MAX, GFP_KERNEL))
 *			break;
 *	}
 *	xa_preload_release(cache, &pl);
 *
 * Locking: none inside.  Callers serialise every modification with their
 * own lock (the page cache's i_pages lock) and hold it, or another lock
 * that excludes writers, for xa_load() and the searches too: there is no
 * RCU here, so a lockless reader could see a node being freed.
 * Iterating with xa_for_each*() may modify the array between steps (erase
 * the current entry, clear its mark): each step searches afresh from the
 * index after the last one.
 */
#ifndef KMM_SRC_LIB_XARRAY_H
#define KMM_SRC_LIB_XARRAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmm/gfp.h"

struct kmem_cache;

#define XA_CHUNK_SHIFT 6
#define XA_CHUNK_SIZE (1UL << XA_CHUNK_SHIFT)
#define XA_CHUNK_MASK (XA_CHUNK_SIZE - 1)
#define XA_MAX_MARKS 3

/* A search filter: one of the marks, or XA_PRESENT for any entry. */
typedef unsigned int xa_mark_t;
#define XA_MARK_0 ((xa_mark_t)0U)
#define XA_MARK_1 ((xa_mark_t)1U)
#define XA_MARK_2 ((xa_mark_t)2U)
#define XA_PRESENT ((xa_mark_t)8U)
#define XA_MARK_MAX XA_MARK_2

struct xa_node {
	unsigned char shift;  /* index bits below this level: 0 for leaves */
	unsigned char offset; /* slot in the parent */
	unsigned char count;  /* non-NULL slots */
	struct xa_node *parent;
	void *slots[XA_CHUNK_SIZE]; /* entries (leaves) or tagged child nodes */
	uint64_t marks[XA_MAX_MARKS];
};

struct xarray {
	void *xa_head; /* NULL, the entry at index 0, or the tagged root node */
	struct kmem_cache *xa_node_cache;
	unsigned long nr_nodes;	  /* nodes allocated now */
	unsigned long nr_entries; /* non-NULL entries stored */
	unsigned int xa_marks;	  /* bit m: some entry carries mark m */
};

#define XARRAY_INIT(cache)                                                                 \
	{                                                                                  \
		.xa_head = NULL, .xa_node_cache = (cache), .nr_nodes = 0, .nr_entries = 0, \
		.xa_marks = 0                                                              \
	}

/* ---- entries ------------------------------------------------------------------ */

/* A value entry holding @v (v <= LONG_MAX). */
static inline void *xa_mk_value(unsigned long v)
{
	return (void *)((v << 1) | 1UL);
}
static inline unsigned long xa_to_value(const void *entry)
{
	return (unsigned long)(uintptr_t)entry >> 1;
}
static inline bool xa_is_value(const void *entry)
{
	return ((uintptr_t)entry & 1) != 0;
}
/* The tree's own entries (node pointers): never returned to callers. */
static inline bool xa_is_internal(const void *entry)
{
	return ((uintptr_t)entry & 3) == 2;
}
/* For code that walks the nodes itself (validators, tests). */
static inline bool xa_is_node(const void *entry)
{
	return xa_is_internal(entry);
}
static inline struct xa_node *xa_to_node(const void *entry)
{
	return (struct xa_node *)((uintptr_t)entry - 2);
}
static inline void *xa_mk_node(const struct xa_node *node)
{
	return (void *)((uintptr_t)node | 2);
}

/* ---- the API ------------------------------------------------------------------- */

/* The most nodes one store can need (index 0 in the head, then ULONG_MAX stored). */
#define XA_PRELOAD_MAX 21

/* Nodes set aside by the caller, outside its lock, for stores under it. */
struct xa_preload {
	unsigned int nr;
	struct xa_node *nodes[XA_PRELOAD_MAX];
};
#define XA_PRELOAD_INIT \
	{               \
		0       \
	}

/* The size of a node, for creating the node cache. */
size_t xa_node_size(void);
/* An empty array whose nodes come from @node_cache. */
void xa_init(struct xarray *xa, struct kmem_cache *node_cache);
static inline bool xa_empty(const struct xarray *xa)
{
	return xa->xa_head == NULL;
}

/* The entry at @index, or NULL. */
void *xa_load(const struct xarray *xa, unsigned long index);
/*
 * Store @entry at @index, replacing (and returning in *@old, if @old is
 * not NULL) what was there; a replaced entry keeps its marks, NULL erases.
 * Returns 0, -KMM_ENOMEM (nothing changed; *@old untouched) or
 * -KMM_EINVAL (@entry is an internal entry).
 */
int xa_store(struct xarray *xa, unsigned long index, void *entry, gfp_t gfp, void **old);
/*
 * xa_store() that takes nodes from @pl first and allocates with @gfp only
 * when @pl runs out (@pl may be NULL).  A store that fails puts the nodes
 * it had made into @pl (up to XA_PRELOAD_MAX), for the caller's retry.
 */
int xa_store_preload(struct xarray *xa, unsigned long index, void *entry, struct xa_preload *pl,
		     gfp_t gfp, void **old);
/* Top @pl up to @nr (at most XA_PRELOAD_MAX) nodes: 0 or -KMM_ENOMEM (keeping those it got). */
int xa_preload(struct kmem_cache *node_cache, struct xa_preload *pl, unsigned int nr, gfp_t gfp);
/* Give @pl's unused nodes back to the cache. */
void xa_preload_release(struct kmem_cache *node_cache, struct xa_preload *pl);
/* Store only if @index is empty: 0, -KMM_EEXIST, -KMM_ENOMEM or -KMM_EINVAL. */
int xa_insert(struct xarray *xa, unsigned long index, void *entry, gfp_t gfp);
/* Remove the entry at @index (and its marks); returns it, or NULL. */
void *xa_erase(struct xarray *xa, unsigned long index);

/* Marks: ignored for absent entries. */
void xa_set_mark(struct xarray *xa, unsigned long index, xa_mark_t mark);
void xa_clear_mark(struct xarray *xa, unsigned long index, xa_mark_t mark);
bool xa_get_mark(const struct xarray *xa, unsigned long index, xa_mark_t mark);
/* Does any entry carry @mark? */
static inline bool xa_marked(const struct xarray *xa, xa_mark_t mark)
{
	return (xa->xa_marks >> mark) & 1U;
}

/*
 * The first entry at an index in [*@indexp, @max] that matches @filter (a
 * mark, or XA_PRESENT); *@indexp is set to its index.  NULL (and *@indexp
 * unchanged) if there is none.
 */
void *xa_find(const struct xarray *xa, unsigned long *indexp, unsigned long max, xa_mark_t filter);
/* The same, searching from *@indexp + 1 (NULL if *@indexp >= @max). */
void *xa_find_after(const struct xarray *xa, unsigned long *indexp, unsigned long max,
		    xa_mark_t filter);

/* Free every node (not the entries): the array is empty afterwards. */
void xa_destroy(struct xarray *xa);

/*
 * Iterate in index order over the entries in [start, last] (matching
 * @filter).  The body may store and erase; it sees the array as it is at
 * each step.  @index is an unsigned long, @entry a void *.
 */
#define xa_for_each_range_filter(xa, index, entry, start, last, filter)                 \
	for ((index) = (start), (entry) = xa_find(xa, &(index), last, filter); (entry); \
	     (entry) = xa_find_after(xa, &(index), last, filter))
#define xa_for_each_range(xa, index, entry, start, last) \
	xa_for_each_range_filter(xa, index, entry, start, last, XA_PRESENT)
#define xa_for_each_start(xa, index, entry, start) xa_for_each_range(xa, index, entry, start, ~0UL)
#define xa_for_each(xa, index, entry) xa_for_each_start(xa, index, entry, 0)
#define xa_for_each_marked(xa, index, entry, mark) \
	xa_for_each_range_filter(xa, index, entry, 0, ~0UL, mark)

#endif /* KMM_SRC_LIB_XARRAY_H */
