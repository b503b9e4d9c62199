/* SPDX-License-Identifier: MIT */
/*
 * src/lib/rbtree.h - intrusive red-black trees, plain, leftmost-cached and
 * augmented (include/linux/rbtree.h, rbtree_augmented.h; lib/rbtree.c).
 *
 * The tree does not know about keys.  A user embeds a struct rb_node in its
 * object, walks down from root->rb_node comparing keys itself, then links
 * the new node where the walk fell off and asks the tree to rebalance:
 *
 *	struct rb_node **link = &root->rb_node, *parent = NULL;
 *	while (*link) {
 *		parent = *link;
 *		if (key < rb_entry(parent, struct thing, rb)->key)
 *			link = &parent->rb_left;
 *		else
 *			link = &parent->rb_right;
 *	}
 *	rb_link_node(&new->rb, parent, link);
 *	rb_insert_color(&new->rb, root);
 *
 * (rb_add() and rb_find() below wrap that walk for a less()/cmp() function.)
 *
 * Node layout: the parent pointer and the node's colour share one word
 * (__rb_parent_color; colour in bit 0, black = 1), so struct rb_node must be
 * at least 4-byte aligned, which any struct holding pointers is.  A node
 * that is in no tree can be marked with RB_CLEAR_NODE() and recognised with
 * RB_EMPTY_NODE() (its parent word points at itself).
 *
 * Augmented trees keep, in every node, a value computed from the node and
 * its two subtrees (a subtree maximum, a subtree sum, ...), so a search can
 * skip whole subtrees.  The caller supplies three callbacks
 * (struct rb_augment_callbacks); RB_DECLARE_CALLBACKS_MAX() writes them for
 * the common "maximum of a per-node value over the subtree" case.  The rule
 * for callers:
 *
 *   - Between operations every node's augmented field must be correct.
 *     When a node's own value changes (a VMA's gap grows because its
 *     neighbour shrank), call the callbacks' propagate(node, NULL) at once.
 *   - rb_insert_augmented() computes the new node's field itself and
 *     propagates it upwards before rebalancing, so the caller need not
 *     update the ancestors during the descent (doing so, as Linux callers
 *     do, is harmless).
 *   - rb_erase_augmented() repairs every field the removal affects.  The
 *     node being erased may have a stale own value (Linux's __vma_adjust
 *     moves next->vm_start and then erases next); no other node may.
 *   - So when one operation changes neighbours too (inserting a VMA
 *     changes the gap below the next one), either propagate the neighbour
 *     before the insert or erase, or change it only afterwards and then
 *     propagate; never leave it stale across a rebalance, because
 *     propagate stops early at the first node whose field is unchanged.
 *   - Mixing plain rb_insert_color()/rb_erase() into an augmented tree
 *     breaks the fields.
 *
 * Locking is the caller's: nothing here takes a lock or allocates.
 */
#ifndef KMM_SRC_LIB_RBTREE_H
#define KMM_SRC_LIB_RBTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmm/types.h"

struct rb_node {
	unsigned long __rb_parent_color; /* parent pointer | colour (bit 0, 1 = black) */
	struct rb_node *rb_right;
	struct rb_node *rb_left;
} __attribute__((aligned(sizeof(long))));

struct rb_root {
	struct rb_node *rb_node;
};

/* A root that also remembers its leftmost node: rb_first_cached() is O(1). */
struct rb_root_cached {
	struct rb_root rb_root;
	struct rb_node *rb_leftmost;
};

#define RB_RED 0UL
#define RB_BLACK 1UL

#define RB_ROOT          \
	(struct rb_root) \
	{                \
		NULL     \
	}
#define RB_ROOT_CACHED          \
	(struct rb_root_cached) \
	{                       \
		{ NULL }, NULL  \
	}

#define rb_parent(r) ((struct rb_node *)((r)->__rb_parent_color & ~3UL))
#define rb_entry(ptr, type, member) kmm_container_of(ptr, type, member)
/* rb_entry() that maps NULL to NULL. */
#define rb_entry_safe(ptr, type, member)                          \
	__extension__({                                           \
		__typeof__(ptr) ____ptr = (ptr);                  \
		____ptr ? rb_entry(____ptr, type, member) : NULL; \
	})

#define RB_EMPTY_ROOT(root) ((root)->rb_node == NULL)
/* A node marked "in no tree" with RB_CLEAR_NODE(). */
#define RB_EMPTY_NODE(node) ((node)->__rb_parent_color == (unsigned long)(node))
#define RB_CLEAR_NODE(node) ((node)->__rb_parent_color = (unsigned long)(node))

#define rb_is_black(n) (((n)->__rb_parent_color & 1UL) != 0)
#define rb_is_red(n) (!rb_is_black(n))

/* Put @node (red, no children) at *@rb_link, below @parent (NULL for the root). */
static inline void rb_link_node(struct rb_node *node, struct rb_node *parent,
				struct rb_node **rb_link)
{
	node->__rb_parent_color = (unsigned long)parent; /* red */
	node->rb_left = node->rb_right = NULL;
	*rb_link = node;
}

/* Rebalance after rb_link_node(). */
void rb_insert_color(struct rb_node *node, struct rb_root *root);
/* Remove @node; it is left with stale links (RB_CLEAR_NODE() it if needed). */
void rb_erase(struct rb_node *node, struct rb_root *root);

/* In-order navigation; NULL at either end (and for an RB_EMPTY_NODE). */
struct rb_node *rb_first(const struct rb_root *root);
struct rb_node *rb_last(const struct rb_root *root);
struct rb_node *rb_next(const struct rb_node *node);
struct rb_node *rb_prev(const struct rb_node *node);

/*
 * Post-order: children before parents, so each node may be freed as it is
 * visited (rbtree_postorder_for_each_entry_safe); the tree is then garbage.
 */
struct rb_node *rb_first_postorder(const struct rb_root *root);
struct rb_node *rb_next_postorder(const struct rb_node *node);

#define rbtree_postorder_for_each_entry_safe(pos, n, root, field)                                \
	for (pos = rb_entry_safe(rb_first_postorder(root), __typeof__(*pos), field);             \
	     pos && ({                                                                           \
		     n = rb_entry_safe(rb_next_postorder(&pos->field), __typeof__(*pos), field); \
		     1;                                                                          \
	     });                                                                                 \
	     pos = n)

/*
 * Put @new where @victim is (same parent, children and colour) without
 * rebalancing: @new must sort exactly where @victim did.  In an augmented
 * tree the caller copies the augmented field too.
 */
void rb_replace_node(struct rb_node *victim, struct rb_node *new, struct rb_root *root);

/* ---- leftmost-cached trees ---------------------------------------------------- */

/* @leftmost: the caller's descent only ever went left (the node is the new first). */
void rb_insert_color_cached(struct rb_node *node, struct rb_root_cached *root, bool leftmost);
void rb_erase_cached(struct rb_node *node, struct rb_root_cached *root);
void rb_replace_node_cached(struct rb_node *victim, struct rb_node *new,
			    struct rb_root_cached *root);
#define rb_first_cached(root) ((root)->rb_leftmost)

/* ---- search and insert helpers (include/linux/rbtree.h rb_add, rb_find) ------- */

/* Insert @node in less() order; among equal keys it goes last. */
static inline void rb_add(struct rb_node *node, struct rb_root *tree,
			  bool (*less)(const struct rb_node *, const struct rb_node *))
{
	struct rb_node **link = &tree->rb_node, *parent = NULL;

	while (*link) {
		parent = *link;
		link = less(node, parent) ? &parent->rb_left : &parent->rb_right;
	}
	rb_link_node(node, parent, link);
	rb_insert_color(node, tree);
}

static inline void rb_add_cached(struct rb_node *node, struct rb_root_cached *tree,
				 bool (*less)(const struct rb_node *, const struct rb_node *))
{
	struct rb_node **link = &tree->rb_root.rb_node, *parent = NULL;
	bool leftmost = true;

	while (*link) {
		parent = *link;
		if (less(node, parent)) {
			link = &parent->rb_left;
		} else {
			link = &parent->rb_right;
			leftmost = false;
		}
	}
	rb_link_node(node, parent, link);
	rb_insert_color_cached(node, tree, leftmost);
}

/* cmp(key, node) < 0: key sorts before node.  Any node with an equal key. */
static inline struct rb_node *rb_find(const void *key, const struct rb_root *tree,
				      int (*cmp)(const void *key, const struct rb_node *))
{
	struct rb_node *node = tree->rb_node;

	while (node) {
		int c = cmp(key, node);

		if (c < 0)
			node = node->rb_left;
		else if (c > 0)
			node = node->rb_right;
		else
			return node;
	}
	return NULL;
}

/* The first (leftmost) node with an equal key. */
static inline struct rb_node *rb_find_first(const void *key, const struct rb_root *tree,
					    int (*cmp)(const void *key, const struct rb_node *))
{
	struct rb_node *node = tree->rb_node, *match = NULL;

	while (node) {
		int c = cmp(key, node);

		if (c <= 0) {
			if (!c)
				match = node;
			node = node->rb_left;
		} else {
			node = node->rb_right;
		}
	}
	return match;
}

/* ---- augmented trees ------------------------------------------------------------ */

struct rb_augment_callbacks {
	/*
	 * Recompute the field of @node, then of its ancestors, stopping
	 * before @stop (NULL: the root) or as soon as a node's field comes
	 * out unchanged (its ancestors are then already right).
	 */
	void (*propagate)(struct rb_node *node, struct rb_node *stop);
	/* @new takes @old's place in the tree: copy @old's field to @new. */
	void (*copy)(struct rb_node *old, struct rb_node *new);
	/*
	 * @old was rotated down below @new, which now heads the subtree
	 * @old headed: @new gets @old's field, @old's is recomputed.
	 * rb_insert_augmented() also calls rotate(node, node) to compute a
	 * newly linked node's field from scratch.
	 */
	void (*rotate)(struct rb_node *old, struct rb_node *new);
};

/*
 * Rebalance after rb_link_node(): first computes @node's field (whatever
 * it held) and propagates it towards the root, then recolours and
 * rotates, calling @augment->rotate for every rotation.
 */
void rb_insert_augmented(struct rb_node *node, struct rb_root *root,
			 const struct rb_augment_callbacks *augment);
void rb_erase_augmented(struct rb_node *node, struct rb_root *root,
			const struct rb_augment_callbacks *augment);
void rb_insert_augmented_cached(struct rb_node *node, struct rb_root_cached *root, bool leftmost,
				const struct rb_augment_callbacks *augment);
void rb_erase_augmented_cached(struct rb_node *node, struct rb_root_cached *root,
			       const struct rb_augment_callbacks *augment);

/*
 * RB_DECLARE_CALLBACKS(rbstatic, rbname, rbstruct, rbfield, rbaugmented,
 *			rbcompute)
 *
 * Define `rbstatic const struct rb_augment_callbacks rbname` and the static
 * functions rbname_propagate(), rbname_copy(), rbname_rotate() for objects
 * of type rbstruct whose struct rb_node is member rbfield and whose
 * augmented value is member rbaugmented.  rbcompute(rbstruct *node, bool
 * exit) must set node->rbaugmented from the node and its children's
 * fields and return true iff @exit and the value did not change.
 */
#define RB_DECLARE_CALLBACKS(rbstatic, rbname, rbstruct, rbfield, rbaugmented, rbcompute) \
	static __attribute__((unused)) void rbname##_propagate(struct rb_node *rb,        \
							       struct rb_node *stop)      \
	{                                                                                 \
		while (rb != stop) {                                                      \
			rbstruct *node = rb_entry(rb, rbstruct, rbfield);                 \
			if (rbcompute(node, true))                                        \
				break;                                                    \
			rb = rb_parent(&node->rbfield);                                   \
		}                                                                         \
	}                                                                                 \
	static __attribute__((unused)) void rbname##_copy(struct rb_node *rb_old,         \
							  struct rb_node *rb_new)         \
	{                                                                                 \
		rbstruct *old = rb_entry(rb_old, rbstruct, rbfield);                      \
		rbstruct *new = rb_entry(rb_new, rbstruct, rbfield);                      \
		new->rbaugmented = old->rbaugmented;                                      \
	}                                                                                 \
	static __attribute__((unused)) void rbname##_rotate(struct rb_node *rb_old,       \
							    struct rb_node *rb_new)       \
	{                                                                                 \
		rbstruct *old = rb_entry(rb_old, rbstruct, rbfield);                      \
		rbstruct *new = rb_entry(rb_new, rbstruct, rbfield);                      \
		new->rbaugmented = old->rbaugmented;                                      \
		rbcompute(old, false);                                                    \
	}                                                                                 \
	rbstatic __attribute__((unused)) const struct rb_augment_callbacks rbname = {     \
		.propagate = rbname##_propagate,                                          \
		.copy = rbname##_copy,                                                    \
		.rotate = rbname##_rotate,                                                \
	}

/*
 * RB_DECLARE_CALLBACKS_MAX(rbstatic, rbname, rbstruct, rbfield, rbtype,
 *			    rbaugmented, rbcompute)
 *
 * The subtree maximum: node->rbaugmented (of type rbtype) is the largest
 * rbcompute(node) over the node's subtree, where rbcompute(const rbstruct *)
 * returns the node's own value.  Also defines rbname_compute_max(node,
 * exit).  Example (the VMA tree: the largest gap below any VMA of the
 * subtree):
 *
 *	static uint64_t vma_compute_gap(const struct vm_area_struct *v)
 *	{ return v->vm_start - (v->vm_prev ? v->vm_prev->vm_end : 0); }
 *	RB_DECLARE_CALLBACKS_MAX(static, vma_gap_callbacks, struct vm_area_struct,
 *				 vm_rb, uint64_t, rb_subtree_gap, vma_compute_gap);
 *
 *	rb_insert_augmented(&vma->vm_rb, &mm->mm_rb, &vma_gap_callbacks);
 *	vma_gap_callbacks_propagate(&next->vm_rb, NULL);  // next's gap changed
 *	rb_erase_augmented(&vma->vm_rb, &mm->mm_rb, &vma_gap_callbacks);
 *
 * A search for a gap of at least len descends only into children whose
 * rb_subtree_gap >= len (the right child first for a top-down search).
 */
#define RB_DECLARE_CALLBACKS_MAX(rbstatic, rbname, rbstruct, rbfield, rbtype, rbaugmented,         \
				 rbcompute)                                                        \
	static __attribute__((unused)) inline bool rbname##_compute_max(rbstruct *node, bool exit) \
	{                                                                                          \
		rbstruct *child;                                                                   \
		rbtype max = rbcompute(node);                                                      \
		if (node->rbfield.rb_left) {                                                       \
			child = rb_entry(node->rbfield.rb_left, rbstruct, rbfield);                \
			if (child->rbaugmented > max)                                              \
				max = child->rbaugmented;                                          \
		}                                                                                  \
		if (node->rbfield.rb_right) {                                                      \
			child = rb_entry(node->rbfield.rb_right, rbstruct, rbfield);               \
			if (child->rbaugmented > max)                                              \
				max = child->rbaugmented;                                          \
		}                                                                                  \
		if (exit && node->rbaugmented == max)                                              \
			return true;                                                               \
		node->rbaugmented = max;                                                           \
		return false;                                                                      \
	}                                                                                          \
	RB_DECLARE_CALLBACKS(rbstatic, rbname, rbstruct, rbfield, rbaugmented, rbname##_compute_max)

#endif /* KMM_SRC_LIB_RBTREE_H */
