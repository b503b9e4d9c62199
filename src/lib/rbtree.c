// SPDX-License-Identifier: MIT
/*
 * src/lib/rbtree.c - red-black tree rebalancing, removal and navigation
 * (lib/rbtree.c).
 *
 * The algorithms are the textbook ones (Cormen et al., chapter 13) with the
 * NIL sentinel replaced by NULL: removal therefore carries the parent of
 * the (possibly NULL) node that lost a black.  Rotations are one helper
 * per direction that also keeps parent pointers and, for augmented trees,
 * calls the rotate callback; colours are set by the callers.
 *
 * Red-black rules kept: the root is black; a red node has no red child;
 * every path from a node down to a NULL link crosses the same number of
 * black nodes.  Hence the height is at most 2 log2(n + 1).
 */
#include "lib/rbtree.h"

typedef void (*rb_rotate_fn)(struct rb_node *old, struct rb_node *new);

static inline void rb_set_parent(struct rb_node *n, struct rb_node *p)
{
	n->__rb_parent_color = (unsigned long)p | (n->__rb_parent_color & 1UL);
}

static inline void rb_set_black(struct rb_node *n)
{
	n->__rb_parent_color |= RB_BLACK;
}

static inline void rb_set_red(struct rb_node *n)
{
	n->__rb_parent_color &= ~1UL;
}

static inline void rb_set_color_of(struct rb_node *n, const struct rb_node *from)
{
	n->__rb_parent_color = (n->__rb_parent_color & ~1UL) | (from->__rb_parent_color & 1UL);
}

static inline bool rb_black_or_null(const struct rb_node *n)
{
	return !n || rb_is_black(n);
}

/* Make @parent (or the root, when @parent is NULL) point at @new instead of @old. */
static inline void rb_change_child(struct rb_node *old, struct rb_node *new, struct rb_node *parent,
				   struct rb_root *root)
{
	if (!parent)
		root->rb_node = new;
	else if (parent->rb_left == old)
		parent->rb_left = new;
	else
		parent->rb_right = new;
}

/*
 *      x                y
 *     / \              / \
 *    a   y     ->     x   c
 *       / \          / \
 *      b   c        a   b
 */
static void rb_rotate_left(struct rb_node *x, struct rb_root *root, rb_rotate_fn augment)
{
	struct rb_node *y = x->rb_right, *p = rb_parent(x), *b = y->rb_left;

	x->rb_right = b;
	if (b)
		rb_set_parent(b, x);
	y->rb_left = x;
	rb_change_child(x, y, p, root);
	rb_set_parent(y, p);
	rb_set_parent(x, y);
	if (augment)
		augment(x, y);
}

/* The mirror image of rb_rotate_left(). */
static void rb_rotate_right(struct rb_node *x, struct rb_root *root, rb_rotate_fn augment)
{
	struct rb_node *y = x->rb_left, *p = rb_parent(x), *b = y->rb_right;

	x->rb_left = b;
	if (b)
		rb_set_parent(b, x);
	y->rb_right = x;
	rb_change_child(x, y, p, root);
	rb_set_parent(y, p);
	rb_set_parent(x, y);
	if (augment)
		augment(x, y);
}

/* @node is red and linked; restore "no red child of a red node". */
static void rb_insert_fixup(struct rb_node *node, struct rb_root *root, rb_rotate_fn augment)
{
	for (;;) {
		struct rb_node *parent = rb_parent(node), *gparent, *uncle;

		if (!parent) {
			rb_set_black(node);
			return;
		}
		if (rb_is_black(parent))
			return;
		gparent = rb_parent(parent); /* a red node is never the root */
		if (parent == gparent->rb_left) {
			uncle = gparent->rb_right;
			if (uncle && rb_is_red(uncle)) {
				/* push the red up two levels and retry there */
				rb_set_black(parent);
				rb_set_black(uncle);
				rb_set_red(gparent);
				node = gparent;
				continue;
			}
			if (node == parent->rb_right) {
				/* bring the inner grandchild outside */
				rb_rotate_left(parent, root, augment);
				node = parent;
				parent = rb_parent(node);
			}
			rb_set_black(parent);
			rb_set_red(gparent);
			rb_rotate_right(gparent, root, augment);
			return;
		}
		uncle = gparent->rb_left;
		if (uncle && rb_is_red(uncle)) {
			rb_set_black(parent);
			rb_set_black(uncle);
			rb_set_red(gparent);
			node = gparent;
			continue;
		}
		if (node == parent->rb_left) {
			rb_rotate_right(parent, root, augment);
			node = parent;
			parent = rb_parent(node);
		}
		rb_set_black(parent);
		rb_set_red(gparent);
		rb_rotate_left(gparent, root, augment);
		return;
	}
}

/*
 * A black node was removed from below @parent on the side where @x (which
 * may be NULL) now hangs: paths through @x are one black short.
 */
static void rb_erase_fixup(struct rb_node *x, struct rb_node *parent, struct rb_root *root,
			   rb_rotate_fn augment)
{
	struct rb_node *w;

	while (x != root->rb_node && rb_black_or_null(x)) {
		/*
		 * The sibling w exists: its side has at least one more black.
		 * So a NULL x is the left child exactly when the left link is NULL.
		 */
		if (x == parent->rb_left) {
			w = parent->rb_right;
			if (rb_is_red(w)) {
				rb_set_black(w);
				rb_set_red(parent);
				rb_rotate_left(parent, root, augment);
				w = parent->rb_right;
			}
			if (rb_black_or_null(w->rb_left) && rb_black_or_null(w->rb_right)) {
				rb_set_red(w);
				x = parent;
				parent = rb_parent(x);
				continue;
			}
			if (rb_black_or_null(w->rb_right)) {
				rb_set_black(w->rb_left);
				rb_set_red(w);
				rb_rotate_right(w, root, augment);
				w = parent->rb_right;
			}
			rb_set_color_of(w, parent);
			rb_set_black(parent);
			rb_set_black(w->rb_right);
			rb_rotate_left(parent, root, augment);
		} else {
			w = parent->rb_left;
			if (rb_is_red(w)) {
				rb_set_black(w);
				rb_set_red(parent);
				rb_rotate_right(parent, root, augment);
				w = parent->rb_left;
			}
			if (rb_black_or_null(w->rb_left) && rb_black_or_null(w->rb_right)) {
				rb_set_red(w);
				x = parent;
				parent = rb_parent(x);
				continue;
			}
			if (rb_black_or_null(w->rb_left)) {
				rb_set_black(w->rb_right);
				rb_set_red(w);
				rb_rotate_left(w, root, augment);
				w = parent->rb_left;
			}
			rb_set_color_of(w, parent);
			rb_set_black(parent);
			rb_set_black(w->rb_left);
			rb_rotate_right(parent, root, augment);
		}
		x = root->rb_node;
		break;
	}
	if (x)
		rb_set_black(x);
}

/*
 * Unlink @node; with @augment, repair the augmented fields of every node
 * whose subtree changed before rebalancing (whose rotations keep them).
 */
static void rb_erase_common(struct rb_node *node, struct rb_root *root,
			    const struct rb_augment_callbacks *augment)
{
	struct rb_node *x, *xparent;
	bool black_removed;

	if (!node->rb_left || !node->rb_right) {
		/* at most one child: it takes the node's place */
		x = node->rb_left ? node->rb_left : node->rb_right;
		xparent = rb_parent(node);
		black_removed = rb_is_black(node);
		rb_change_child(node, x, xparent, root);
		if (x)
			rb_set_parent(x, xparent);
		if (augment && xparent)
			augment->propagate(xparent, NULL);
	} else {
		/* two children: the in-order successor (no left child) takes its place */
		struct rb_node *succ = node->rb_right;

		while (succ->rb_left)
			succ = succ->rb_left;
		x = succ->rb_right;
		black_removed = rb_is_black(succ);
		if (succ == node->rb_right) {
			xparent = succ;
		} else {
			xparent = rb_parent(succ);
			xparent->rb_left = x;
			if (x)
				rb_set_parent(x, xparent);
			succ->rb_right = node->rb_right;
			rb_set_parent(succ->rb_right, succ);
		}
		succ->rb_left = node->rb_left;
		rb_set_parent(succ->rb_left, succ);
		rb_change_child(node, succ, rb_parent(node), root);
		succ->__rb_parent_color = node->__rb_parent_color; /* parent and colour */
		if (augment) {
			augment->copy(node, succ);
			if (xparent != succ)
				augment->propagate(xparent, succ);
			augment->propagate(succ, NULL);
		}
	}
	if (!black_removed)
		return;
	if (x && rb_is_red(x))
		rb_set_black(x); /* the red child absorbs the missing black */
	else
		rb_erase_fixup(x, xparent, root, augment ? augment->rotate : NULL);
}

void rb_insert_color(struct rb_node *node, struct rb_root *root)
{
	rb_insert_fixup(node, root, NULL);
}

void rb_erase(struct rb_node *node, struct rb_root *root)
{
	rb_erase_common(node, root, NULL);
}

void rb_insert_augmented(struct rb_node *node, struct rb_root *root,
			 const struct rb_augment_callbacks *augment)
{
	struct rb_node *parent = rb_parent(node);

	augment->rotate(node, node); /* compute the new node's field from scratch */
	if (parent)
		augment->propagate(parent, NULL);
	rb_insert_fixup(node, root, augment->rotate);
}

void rb_erase_augmented(struct rb_node *node, struct rb_root *root,
			const struct rb_augment_callbacks *augment)
{
	rb_erase_common(node, root, augment);
}

/* ---- navigation ------------------------------------------------------------------ */

struct rb_node *rb_first(const struct rb_root *root)
{
	struct rb_node *n = root->rb_node;

	if (!n)
		return NULL;
	while (n->rb_left)
		n = n->rb_left;
	return n;
}

struct rb_node *rb_last(const struct rb_root *root)
{
	struct rb_node *n = root->rb_node;

	if (!n)
		return NULL;
	while (n->rb_right)
		n = n->rb_right;
	return n;
}

struct rb_node *rb_next(const struct rb_node *node)
{
	struct rb_node *n = (struct rb_node *)node, *parent;

	if (RB_EMPTY_NODE(node))
		return NULL;
	if (n->rb_right) {
		n = n->rb_right;
		while (n->rb_left)
			n = n->rb_left;
		return n;
	}
	/* up until we arrive from a left child */
	while ((parent = rb_parent(n)) && n == parent->rb_right)
		n = parent;
	return parent;
}

struct rb_node *rb_prev(const struct rb_node *node)
{
	struct rb_node *n = (struct rb_node *)node, *parent;

	if (RB_EMPTY_NODE(node))
		return NULL;
	if (n->rb_left) {
		n = n->rb_left;
		while (n->rb_right)
			n = n->rb_right;
		return n;
	}
	while ((parent = rb_parent(n)) && n == parent->rb_left)
		n = parent;
	return parent;
}

/* The first node of @node's subtree in post-order: as deep as possible, left first. */
static struct rb_node *rb_deepest_left(const struct rb_node *node)
{
	for (;;) {
		if (node->rb_left)
			node = node->rb_left;
		else if (node->rb_right)
			node = node->rb_right;
		else
			return (struct rb_node *)node;
	}
}

struct rb_node *rb_first_postorder(const struct rb_root *root)
{
	return root->rb_node ? rb_deepest_left(root->rb_node) : NULL;
}

struct rb_node *rb_next_postorder(const struct rb_node *node)
{
	struct rb_node *parent;

	if (!node)
		return NULL;
	parent = rb_parent(node);
	/* after a left child comes its sibling's subtree, then the parent */
	if (parent && node == parent->rb_left && parent->rb_right)
		return rb_deepest_left(parent->rb_right);
	return parent;
}

void rb_replace_node(struct rb_node *victim, struct rb_node *new, struct rb_root *root)
{
	struct rb_node *parent = rb_parent(victim);

	*new = *victim;
	if (victim->rb_left)
		rb_set_parent(victim->rb_left, new);
	if (victim->rb_right)
		rb_set_parent(victim->rb_right, new);
	rb_change_child(victim, new, parent, root);
}

/* ---- leftmost-cached trees -------------------------------------------------------- */

void rb_insert_color_cached(struct rb_node *node, struct rb_root_cached *root, bool leftmost)
{
	if (leftmost)
		root->rb_leftmost = node;
	rb_insert_color(node, &root->rb_root);
}

void rb_erase_cached(struct rb_node *node, struct rb_root_cached *root)
{
	if (root->rb_leftmost == node)
		root->rb_leftmost = rb_next(node);
	rb_erase(node, &root->rb_root);
}

void rb_replace_node_cached(struct rb_node *victim, struct rb_node *new,
			    struct rb_root_cached *root)
{
	if (root->rb_leftmost == victim)
		root->rb_leftmost = new;
	rb_replace_node(victim, new, &root->rb_root);
}

void rb_insert_augmented_cached(struct rb_node *node, struct rb_root_cached *root, bool leftmost,
				const struct rb_augment_callbacks *augment)
{
	if (leftmost)
		root->rb_leftmost = node;
	rb_insert_augmented(node, &root->rb_root, augment);
}

void rb_erase_augmented_cached(struct rb_node *node, struct rb_root_cached *root,
			       const struct rb_augment_callbacks *augment)
{
	if (root->rb_leftmost == node)
		root->rb_leftmost = rb_next(node);
	rb_erase_augmented(node, &root->rb_root, augment);
}
