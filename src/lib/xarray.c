// SPDX-License-Identifier: MIT
/*
 * src/lib/xarray.c - the xarray: lookup, store and erase with growing and
 * shrinking, marks propagated to the root, marked and unmarked searches
 * (lib/xarray.c, lib/radix-tree.c).
 *
 * Invariants, true between calls (the test suite checks them all):
 *  - the tree is canonical: no node is empty; the root node never has
 *    slot 0 as its only occupied slot (it would be one level too tall, or,
 *    for a leaf, its entry belongs in xa_head);
 *  - a child at slot i of node n has shift n->shift - 6, offset i and
 *    parent n; count is the number of non-NULL slots;
 *  - a leaf's mark bit is set only for present entries; an inner node's
 *    mark bit i is set iff the child at slot i has any bit of that mark;
 *    xa_marks bit m is set iff the root (node or head entry) carries m.
 *
 * xa_store() creates the missing nodes top-down as it goes.  If an
 * allocation fails, the nodes it made are empty or hold only the old root
 * at slot 0, and freeing the empty ones and then shrinking the root (as
 * xa_erase() does) restores the tree exactly.  Worst case: storing a high
 * index into an array holding only index 0 wraps that entry in a leaf,
 * grows 10 levels above it and makes 10 nodes down to the new index, 21
 * nodes in all (XA_PRELOAD_MAX).
 */
#include "lib/xarray.h"

#include "kmm/port.h"
#include "kmm/slab.h"
#include "lib/lib.h"

#define XA_BITS_PER_LONG (sizeof(unsigned long) * 8)

size_t xa_node_size(void)
{
	return sizeof(struct xa_node);
}

void xa_init(struct xarray *xa, struct kmem_cache *node_cache)
{
	xa->xa_head = NULL;
	xa->xa_node_cache = node_cache;
	xa->nr_nodes = 0;
	xa->nr_entries = 0;
	xa->xa_marks = 0;
}

static inline unsigned xa_offset(const struct xa_node *node, unsigned long index)
{
	return (unsigned)(index >> node->shift) & XA_CHUNK_MASK;
}

/* The index bits a node at @shift (with its subtree) spans. */
static inline unsigned long xa_span_mask(unsigned shift)
{
	return shift + XA_CHUNK_SHIFT >= XA_BITS_PER_LONG ? ~0UL :
							    (1UL << (shift + XA_CHUNK_SHIFT)) - 1;
}

/* The shift of the smallest root that holds @index. */
static unsigned xa_root_shift(unsigned long index)
{
	unsigned shift = 0;

	while (shift + XA_CHUNK_SHIFT < XA_BITS_PER_LONG && (index >> (shift + XA_CHUNK_SHIFT)))
		shift += XA_CHUNK_SHIFT;
	return shift;
}

/* A node from the caller's preload if it has one, else from the cache. */
static struct xa_node *xa_node_alloc(struct xarray *xa, struct xa_preload *pl, gfp_t gfp,
				     unsigned shift)
{
	struct xa_node *node;

	if (pl && pl->nr)
		node = pl->nodes[--pl->nr];
	else
		node = kmm_kmem_cache_alloc(xa->xa_node_cache, gfp);
	if (!node)
		return NULL;
	kmm_memset(node, 0, sizeof(*node));
	node->shift = (unsigned char)shift;
	xa->nr_nodes++;
	return node;
}

/* Back to the preload (a failed store gives its nodes back there), else to the cache. */
static void xa_node_free(struct xarray *xa, struct xa_preload *pl, struct xa_node *node)
{
	xa->nr_nodes--;
	if (pl && pl->nr < XA_PRELOAD_MAX)
		pl->nodes[pl->nr++] = node;
	else
		kmm_kmem_cache_free(xa->xa_node_cache, node);
}

/* The leaf that holds @index, or NULL if there is none (or no node at all). */
static struct xa_node *xa_leaf(const struct xarray *xa, unsigned long index)
{
	void *entry = xa->xa_head;
	struct xa_node *node;

	if (!xa_is_node(entry))
		return NULL;
	node = xa_to_node(entry);
	if (index & ~xa_span_mask(node->shift))
		return NULL;
	while (node->shift) {
		entry = node->slots[xa_offset(node, index)];
		if (!entry)
			return NULL;
		node = xa_to_node(entry);
	}
	return node;
}

void *xa_load(const struct xarray *xa, unsigned long index)
{
	void *head = xa->xa_head;
	struct xa_node *leaf;

	if (!xa_is_node(head))
		return index == 0 ? head : NULL;
	leaf = xa_leaf(xa, index);
	return leaf ? leaf->slots[index & XA_CHUNK_MASK] : NULL;
}

/* ---- marks ------------------------------------------------------------------------ */

static void xa_node_set_mark(struct xarray *xa, struct xa_node *node, unsigned offset,
			     xa_mark_t mark)
{
	for (;;) {
		uint64_t bit = (uint64_t)1 << offset;

		if (node->marks[mark] & bit)
			return; /* the ancestors have it already */
		node->marks[mark] |= bit;
		if (!node->parent) {
			xa->xa_marks |= 1U << mark;
			return;
		}
		offset = node->offset;
		node = node->parent;
	}
}

static void xa_node_clear_mark(struct xarray *xa, struct xa_node *node, unsigned offset,
			       xa_mark_t mark)
{
	for (;;) {
		uint64_t bit = (uint64_t)1 << offset;

		if (!(node->marks[mark] & bit))
			return;
		node->marks[mark] &= ~bit;
		if (node->marks[mark])
			return; /* still marked below: the ancestors keep their bit */
		if (!node->parent) {
			xa->xa_marks &= ~(1U << mark);
			return;
		}
		offset = node->offset;
		node = node->parent;
	}
}

void xa_set_mark(struct xarray *xa, unsigned long index, xa_mark_t mark)
{
	void *head = xa->xa_head;
	struct xa_node *leaf;

	if (mark > XA_MARK_MAX)
		return;
	if (!xa_is_node(head)) {
		if (index == 0 && head)
			xa->xa_marks |= 1U << mark;
		return;
	}
	leaf = xa_leaf(xa, index);
	if (leaf && leaf->slots[index & XA_CHUNK_MASK])
		xa_node_set_mark(xa, leaf, index & XA_CHUNK_MASK, mark);
}

void xa_clear_mark(struct xarray *xa, unsigned long index, xa_mark_t mark)
{
	void *head = xa->xa_head;
	struct xa_node *leaf;

	if (mark > XA_MARK_MAX)
		return;
	if (!xa_is_node(head)) {
		if (index == 0)
			xa->xa_marks &= ~(1U << mark);
		return;
	}
	leaf = xa_leaf(xa, index);
	if (leaf)
		xa_node_clear_mark(xa, leaf, index & XA_CHUNK_MASK, mark);
}

bool xa_get_mark(const struct xarray *xa, unsigned long index, xa_mark_t mark)
{
	void *head = xa->xa_head;
	struct xa_node *leaf;

	if (mark > XA_MARK_MAX)
		return false;
	if (!xa_is_node(head))
		return index == 0 && head && xa_marked(xa, mark);
	leaf = xa_leaf(xa, index);
	return leaf && ((leaf->marks[mark] >> (index & XA_CHUNK_MASK)) & 1);
}

/* ---- growing and shrinking --------------------------------------------------------- */

/* Free @node and then each ancestor that it leaves empty. */
static void xa_delete_empty(struct xarray *xa, struct xa_preload *pl, struct xa_node *node)
{
	while (node && !node->count) {
		struct xa_node *parent = node->parent;

		/* an empty node carries no marks, so its parent's bits for it are clear */
		if (parent) {
			parent->slots[node->offset] = NULL;
			parent->count--;
		} else {
			xa->xa_head = NULL;
			xa->xa_marks = 0;
		}
		xa_node_free(xa, pl, node);
		node = parent;
	}
}

/*
 * While the root holds only slot 0, its child (or, for a leaf, the entry
 * at index 0) becomes the root.  The root's marks equal slot 0's, so the
 * array's mark bits stay as they are.
 */
static void xa_shrink(struct xarray *xa, struct xa_preload *pl)
{
	for (;;) {
		void *head = xa->xa_head, *child;
		struct xa_node *node;

		if (!xa_is_node(head))
			return;
		node = xa_to_node(head);
		if (node->count != 1 || !node->slots[0])
			return;
		child = node->slots[0];
		if (node->shift)
			xa_to_node(child)->parent = NULL;
		xa->xa_head = child;
		xa_node_free(xa, pl, node);
	}
}

/*
 * The slot for @index, creating the nodes on the way; *@leafp is its leaf
 * (NULL for xa_head).  NULL if a node could not be allocated, with the
 * tree as it was.
 */
static void **xa_create(struct xarray *xa, unsigned long index, struct xa_preload *pl, gfp_t gfp,
			struct xa_node **leafp)
{
	void *head = xa->xa_head;
	unsigned shift = xa_root_shift(index);
	struct xa_node *node;

	*leafp = NULL;
	if (!xa_is_node(head)) {
		if (index == 0)
			return &xa->xa_head;
		/* a root node: a leaf for the index-0 entry, or one tall enough */
		node = xa_node_alloc(xa, pl, gfp, head ? 0 : shift);
		if (!node)
			return NULL;
		if (head) {
			node->slots[0] = head;
			node->count = 1;
			for (xa_mark_t m = 0; m < XA_MAX_MARKS; m++)
				node->marks[m] = (xa->xa_marks >> m) & 1U;
		}
		xa->xa_head = xa_mk_node(node);
	}
	node = xa_to_node(xa->xa_head);
	while (node->shift < shift) {
		struct xa_node *top = xa_node_alloc(xa, pl, gfp, node->shift + XA_CHUNK_SHIFT);

		if (!top)
			goto fail;
		top->slots[0] = xa_mk_node(node);
		top->count = 1;
		for (xa_mark_t m = 0; m < XA_MAX_MARKS; m++)
			top->marks[m] = (xa->xa_marks >> m) & 1U;
		node->parent = top;
		node->offset = 0;
		xa->xa_head = xa_mk_node(top);
		node = top;
	}
	while (node->shift) {
		unsigned offset = xa_offset(node, index);

		if (!node->slots[offset]) {
			struct xa_node *child =
				xa_node_alloc(xa, pl, gfp, node->shift - XA_CHUNK_SHIFT);

			if (!child)
				goto fail;
			child->parent = node;
			child->offset = (unsigned char)offset;
			node->slots[offset] = xa_mk_node(child);
			node->count++;
		}
		node = xa_to_node(node->slots[offset]);
	}
	*leafp = node;
	return &node->slots[index & XA_CHUNK_MASK];
fail:
	xa_delete_empty(xa, pl, node);
	xa_shrink(xa, pl);
	return NULL;
}

/* ---- store and erase ------------------------------------------------------------------ */

int xa_store_preload(struct xarray *xa, unsigned long index, void *entry, struct xa_preload *pl,
		     gfp_t gfp, void **old)
{
	struct xa_node *leaf;
	void **slot, *prev;

	if (!entry) {
		prev = xa_erase(xa, index);
		if (old)
			*old = prev;
		return 0;
	}
	if (xa_is_internal(entry))
		return -KMM_EINVAL;
	slot = xa_create(xa, index, pl, gfp, &leaf);
	if (!slot)
		return -KMM_ENOMEM;
	prev = *slot;
	*slot = entry; /* a new slot has no marks; a replaced entry keeps its own */
	if (!prev) {
		xa->nr_entries++;
		if (leaf)
			leaf->count++;
	}
	if (old)
		*old = prev;
	return 0;
}

int xa_store(struct xarray *xa, unsigned long index, void *entry, gfp_t gfp, void **old)
{
	return xa_store_preload(xa, index, entry, NULL, gfp, old);
}

int xa_preload(struct kmem_cache *node_cache, struct xa_preload *pl, unsigned int nr, gfp_t gfp)
{
	if (nr > XA_PRELOAD_MAX)
		nr = XA_PRELOAD_MAX;
	while (pl->nr < nr) {
		struct xa_node *node = kmm_kmem_cache_alloc(node_cache, gfp);

		if (!node)
			return -KMM_ENOMEM;
		pl->nodes[pl->nr++] = node;
	}
	return 0;
}

void xa_preload_release(struct kmem_cache *node_cache, struct xa_preload *pl)
{
	while (pl->nr)
		kmm_kmem_cache_free(node_cache, pl->nodes[--pl->nr]);
}

int xa_insert(struct xarray *xa, unsigned long index, void *entry, gfp_t gfp)
{
	if (!entry || xa_is_internal(entry))
		return -KMM_EINVAL;
	if (xa_load(xa, index))
		return -KMM_EEXIST;
	return xa_store(xa, index, entry, gfp, NULL);
}

void *xa_erase(struct xarray *xa, unsigned long index)
{
	void *head = xa->xa_head, *entry;
	struct xa_node *leaf;
	unsigned offset = index & XA_CHUNK_MASK;

	if (!xa_is_node(head)) {
		if (index || !head)
			return NULL;
		xa->xa_head = NULL;
		xa->xa_marks = 0;
		xa->nr_entries--;
		return head;
	}
	leaf = xa_leaf(xa, index);
	if (!leaf || !leaf->slots[offset])
		return NULL;
	entry = leaf->slots[offset];
	for (xa_mark_t m = 0; m < XA_MAX_MARKS; m++)
		xa_node_clear_mark(xa, leaf, offset, m);
	leaf->slots[offset] = NULL;
	leaf->count--;
	xa->nr_entries--;
	xa_delete_empty(xa, NULL, leaf);
	xa_shrink(xa, NULL);
	return entry;
}

/* ---- searching ---------------------------------------------------------------------------- */

/* The first slot at or after @offset matching @filter, or XA_CHUNK_SIZE. */
static unsigned xa_scan(const struct xa_node *node, unsigned offset, xa_mark_t filter)
{
	uint64_t bits;

	if (filter == XA_PRESENT) {
		while (offset < XA_CHUNK_SIZE && !node->slots[offset])
			offset++;
		return offset;
	}
	if (offset >= XA_CHUNK_SIZE)
		return XA_CHUNK_SIZE;
	bits = node->marks[filter] & (~(uint64_t)0 << offset);
	return bits ? (unsigned)__builtin_ctzll(bits) : XA_CHUNK_SIZE;
}

/*
 * Depth-first from @start: scan a node from the slot @start falls in; on a
 * hit descend (from the first slot once we have moved past @start), at the
 * end of a node climb to the slot after it in its parent.
 */
static void *xa_find_from(const struct xarray *xa, unsigned long *indexp, unsigned long start,
			  unsigned long max, xa_mark_t filter)
{
	void *head = xa->xa_head;
	struct xa_node *node;
	unsigned long index = start;
	unsigned offset;
	bool exact = true; /* index is still @start */

	if (start > max || (filter != XA_PRESENT && filter > XA_MARK_MAX))
		return NULL;
	if (!xa_is_node(head)) {
		if (start || !head || (filter != XA_PRESENT && !xa_marked(xa, filter)))
			return NULL;
		*indexp = 0;
		return head;
	}
	node = xa_to_node(head);
	if (start & ~xa_span_mask(node->shift))
		return NULL;
	offset = xa_offset(node, index);
	for (;;) {
		unsigned hit = xa_scan(node, offset, filter);

		if (hit == XA_CHUNK_SIZE) {
			if (!node->parent)
				return NULL;
			offset = node->offset + 1u;
			node = node->parent;
			exact = false;
			continue;
		}
		if (!exact || hit != offset) {
			exact = false;
			index = (index & ~xa_span_mask(node->shift)) |
				((unsigned long)hit << node->shift);
			if (index > max)
				return NULL;
		}
		if (!node->shift) {
			*indexp = index;
			return node->slots[hit];
		}
		/* off @start, index's lower bits are 0: the child is scanned from slot 0 */
		node = xa_to_node(node->slots[hit]);
		offset = xa_offset(node, index);
	}
}

void *xa_find(const struct xarray *xa, unsigned long *indexp, unsigned long max, xa_mark_t filter)
{
	return xa_find_from(xa, indexp, *indexp, max, filter);
}

void *xa_find_after(const struct xarray *xa, unsigned long *indexp, unsigned long max,
		    xa_mark_t filter)
{
	if (*indexp >= max)
		return NULL;
	return xa_find_from(xa, indexp, *indexp + 1, max, filter);
}

/* ---- destroy ---------------------------------------------------------------------------- */

void xa_destroy(struct xarray *xa)
{
	void *head = xa->xa_head;

	if (xa_is_node(head)) {
		struct xa_node *node = xa_to_node(head);
		unsigned offset = 0;

		/* post-order: free a node once every child is gone */
		for (;;) {
			struct xa_node *parent;

			while (node->shift && offset < XA_CHUNK_SIZE && !node->slots[offset])
				offset++;
			if (node->shift && offset < XA_CHUNK_SIZE) {
				node = xa_to_node(node->slots[offset]);
				offset = 0;
				continue;
			}
			parent = node->parent;
			offset = node->offset + 1u;
			xa_node_free(xa, NULL, node);
			if (!parent)
				break;
			node = parent;
		}
	}
	xa->xa_head = NULL;
	xa->nr_entries = 0;
	xa->xa_marks = 0;
}
