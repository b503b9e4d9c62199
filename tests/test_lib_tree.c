// SPDX-License-Identifier: MIT
/*
 * tests/test_lib_tree.c - src/lib/rbtree and src/lib/xarray.
 *
 * rbtree: directed cases, then 10^5 random inserts, erases, value updates
 * and node replacements applied at once to a plain, an augmented
 * (subtree maximum) and a leftmost-cached tree over the same objects,
 * checked against a sorted array: red-black rules, parent links, in-order
 * and reverse order, post-order, the cached leftmost, the height bound,
 * the augmented field at every node, and subtree-max searches both ways.
 *
 * xarray: directed cases, then 10^5 random stores, erases, inserts and
 * mark operations at indices from several ranges (small, sparse up to
 * 2^40, the top of the index space) checked against a sorted array of
 * (index, entry, marks): the whole node structure and its mark bitmaps,
 * loads, finds, every iterator, node counts back to zero; and allocation
 * failure on a machine whose memory and node cache are exhausted, where a
 * failed store must leave the array exactly as it was.
 */
#include "kmm/slab.h"
#include "kmm_test.h"
#include "lib/rbtree.h"
#include "lib/xarray.h"

static uint64_t rs;
static uint64_t rnd(void)
{
	rs ^= rs >> 12;
	rs ^= rs << 25;
	rs ^= rs >> 27;
	return rs * 0x2545f4914f6cdd1dULL;
}
static unsigned long rnd_below(unsigned long n)
{
	return (unsigned long)(rnd() % n);
}

/* ======== rbtree ========================================================================= */

struct tnode {
	struct rb_node rb_plain; /* rb_insert_color / rb_erase */
	struct rb_node rb_aug;	 /* augmented: subtree_max of val */
	struct rb_node rb_cached;
	unsigned long key;
	unsigned long val;
	unsigned long subtree_max;
	bool visited;
};

static unsigned long tnode_val(const struct tnode *t)
{
	return t->val;
}

RB_DECLARE_CALLBACKS_MAX(static, tnode_aug_cb, struct tnode, rb_aug, unsigned long, subtree_max,
			 tnode_val);

#define T_PLAIN(n) rb_entry(n, struct tnode, rb_plain)
#define T_AUG(n) rb_entry(n, struct tnode, rb_aug)
#define T_CACHED(n) rb_entry(n, struct tnode, rb_cached)

enum { TREE_PLAIN, TREE_AUG, TREE_CACHED };
static const size_t tree_off[] = { offsetof(struct tnode, rb_plain), offsetof(struct tnode, rb_aug),
				   offsetof(struct tnode, rb_cached) };

static struct tnode *tn(const struct rb_node *n, int kind)
{
	return (struct tnode *)(void *)((char *)n - tree_off[kind]);
}

/* Returns the black height; fails on any broken rule. */
static int rb_check_subtree(const struct rb_node *n, const struct rb_node *parent, int kind,
			    size_t *count, int depth, int *maxdepth)
{
	if (!n)
		return 1;
	if (depth > *maxdepth)
		*maxdepth = depth;
	if (rb_parent(n) != parent)
		fail_msg("tree %d key %lu: parent link wrong", kind, tn(n, kind)->key);
	if (rb_is_red(n) && parent && rb_is_red(parent))
		fail_msg("tree %d key %lu: red node with a red parent", kind, tn(n, kind)->key);
	if (n->rb_left && tn(n->rb_left, kind)->key >= tn(n, kind)->key)
		fail_msg("tree %d: left child not smaller", kind);
	if (n->rb_right && tn(n->rb_right, kind)->key <= tn(n, kind)->key)
		fail_msg("tree %d: right child not larger", kind);
	int lh = rb_check_subtree(n->rb_left, n, kind, count, depth + 1, maxdepth);
	int rh = rb_check_subtree(n->rb_right, n, kind, count, depth + 1, maxdepth);
	if (lh != rh)
		fail_msg("tree %d key %lu: black heights %d and %d", kind, tn(n, kind)->key, lh,
			 rh);
	if (kind == TREE_AUG) {
		const struct tnode *t = tn(n, kind);
		unsigned long want = t->val;
		if (n->rb_left && T_AUG(n->rb_left)->subtree_max > want)
			want = T_AUG(n->rb_left)->subtree_max;
		if (n->rb_right && T_AUG(n->rb_right)->subtree_max > want)
			want = T_AUG(n->rb_right)->subtree_max;
		if (t->subtree_max != want)
			fail_msg("key %lu: subtree_max %lu, should be %lu", t->key, t->subtree_max,
				 want);
	}
	(*count)++;
	return lh + (rb_is_black(n) ? 1 : 0);
}

static void rb_check_tree(const struct rb_root *root, int kind, const unsigned long *keys, size_t n)
{
	size_t count = 0, i;
	int maxdepth = 0;
	const struct rb_node *p;

	if (root->rb_node && !rb_is_black(root->rb_node))
		fail_msg("tree %d: red root", kind);
	rb_check_subtree(root->rb_node, NULL, kind, &count, 1, &maxdepth);
	assert_int_equal(count, n);
	/* height <= 2 log2(n + 1) */
	int bound = 0;
	while ((1UL << bound) <= n)
		bound++;
	if (maxdepth > 2 * bound)
		fail_msg("tree %d: depth %d for %zu nodes", kind, maxdepth, n);
	/* in order and backwards */
	for (i = 0, p = rb_first(root); p; p = rb_next(p), i++) {
		assert_true(i < n);
		assert_int_equal(tn(p, kind)->key, keys[i]);
	}
	assert_int_equal(i, n);
	for (i = n, p = rb_last(root); p; p = rb_prev(p)) {
		assert_true(i > 0);
		assert_int_equal(tn(p, kind)->key, keys[--i]);
	}
	assert_int_equal(i, 0);
	/* post-order: each node after both its children */
	for (p = rb_first(root); p; p = rb_next(p))
		tn(p, kind)->visited = false;
	count = 0;
	for (p = rb_first_postorder(root); p; p = rb_next_postorder(p)) {
		assert_true(!p->rb_left || tn(p->rb_left, kind)->visited);
		assert_true(!p->rb_right || tn(p->rb_right, kind)->visited);
		assert_false(tn(p, kind)->visited);
		tn(p, kind)->visited = true;
		count++;
	}
	assert_int_equal(count, n);
}

/* Subtree-max searches: the first / last node (in key order) with val >= x. */
static struct tnode *aug_first_ge(const struct rb_root *root, unsigned long x)
{
	struct rb_node *n = root->rb_node;

	if (!n || T_AUG(n)->subtree_max < x)
		return NULL;
	for (;;) {
		if (n->rb_left && T_AUG(n->rb_left)->subtree_max >= x) {
			n = n->rb_left;
			continue;
		}
		if (T_AUG(n)->val >= x)
			return T_AUG(n);
		n = n->rb_right;
		if (!n || T_AUG(n)->subtree_max < x)
			fail_msg("subtree_max promised a value >= %lu that is not there", x);
	}
}

static struct tnode *aug_last_ge(const struct rb_root *root, unsigned long x)
{
	struct rb_node *n = root->rb_node;

	if (!n || T_AUG(n)->subtree_max < x)
		return NULL;
	for (;;) {
		if (n->rb_right && T_AUG(n->rb_right)->subtree_max >= x) {
			n = n->rb_right;
			continue;
		}
		if (T_AUG(n)->val >= x)
			return T_AUG(n);
		n = n->rb_left;
		if (!n || T_AUG(n)->subtree_max < x)
			fail_msg("subtree_max promised a value >= %lu that is not there", x);
	}
}

static bool key_less(const struct rb_node *a, const struct rb_node *b)
{
	return T_PLAIN(a)->key < T_PLAIN(b)->key;
}

static bool key_less_cached(const struct rb_node *a, const struct rb_node *b)
{
	return T_CACHED(a)->key < T_CACHED(b)->key;
}

static int key_cmp(const void *key, const struct rb_node *n)
{
	unsigned long k = *(const unsigned long *)key, nk = T_PLAIN(n)->key;
	return k < nk ? -1 : k > nk ? 1 : 0;
}

static void test_rbtree_basics(void **state)
{
	(void)state;
	struct rb_root root = RB_ROOT;
	struct rb_root_cached croot = RB_ROOT_CACHED;
	struct tnode a = { .key = 1 }, b = { .key = 2 }, c = { .key = 3 }, d = { .key = 2 };

	assert_true(RB_EMPTY_ROOT(&root));
	assert_null(rb_first(&root));
	assert_null(rb_last(&root));
	assert_null(rb_first_postorder(&root));
	assert_null(rb_first_cached(&croot));
	RB_CLEAR_NODE(&a.rb_plain);
	assert_true(RB_EMPTY_NODE(&a.rb_plain));
	assert_null(rb_next(&a.rb_plain));
	assert_null(rb_prev(&a.rb_plain));

	/* rb_add / rb_find, equal keys in insertion order */
	rb_add(&b.rb_plain, &root, key_less);
	assert_false(RB_EMPTY_NODE(&b.rb_plain));
	assert_true(rb_is_black(&b.rb_plain));
	rb_add(&a.rb_plain, &root, key_less);
	rb_add(&c.rb_plain, &root, key_less);
	rb_add(&d.rb_plain, &root, key_less);
	assert_ptr_equal(rb_first(&root), &a.rb_plain);
	assert_ptr_equal(rb_next(&a.rb_plain), &b.rb_plain);
	assert_ptr_equal(rb_next(&b.rb_plain), &d.rb_plain);
	assert_ptr_equal(rb_next(&d.rb_plain), &c.rb_plain);
	assert_null(rb_next(&c.rb_plain));
	unsigned long k = 2, k9 = 9;
	struct rb_node *f = rb_find(&k, &root, key_cmp);
	assert_true(f == &b.rb_plain || f == &d.rb_plain);
	assert_ptr_equal(rb_find_first(&k, &root, key_cmp), &b.rb_plain);
	assert_null(rb_find(&k9, &root, key_cmp));
	assert_null(rb_find_first(&k9, &root, key_cmp));
	rb_erase(&b.rb_plain, &root);
	rb_erase(&a.rb_plain, &root);
	assert_ptr_equal(rb_first(&root), &d.rb_plain);
	assert_ptr_equal(rb_find(&k, &root, key_cmp), &d.rb_plain);
	rb_erase(&d.rb_plain, &root);
	rb_erase(&c.rb_plain, &root);
	assert_true(RB_EMPTY_ROOT(&root));

	/* cached: leftmost follows inserts, erases and replacement */
	rb_add_cached(&b.rb_cached, &croot, key_less_cached);
	assert_ptr_equal(rb_first_cached(&croot), &b.rb_cached);
	rb_add_cached(&c.rb_cached, &croot, key_less_cached);
	assert_ptr_equal(rb_first_cached(&croot), &b.rb_cached);
	rb_add_cached(&a.rb_cached, &croot, key_less_cached);
	assert_ptr_equal(rb_first_cached(&croot), &a.rb_cached);
	struct tnode a2 = { .key = 1 };
	rb_replace_node_cached(&a.rb_cached, &a2.rb_cached, &croot);
	assert_ptr_equal(rb_first_cached(&croot), &a2.rb_cached);
	assert_ptr_equal(rb_first(&croot.rb_root), &a2.rb_cached);
	rb_erase_cached(&a2.rb_cached, &croot);
	assert_ptr_equal(rb_first_cached(&croot), &b.rb_cached);
	rb_erase_cached(&b.rb_cached, &croot);
	assert_ptr_equal(rb_first_cached(&croot), &c.rb_cached);
	rb_erase_cached(&c.rb_cached, &croot);
	assert_null(rb_first_cached(&croot));
	assert_true(RB_EMPTY_ROOT(&croot.rb_root));

	/* ascending and descending runs: the worst cases for rebalancing */
	static struct tnode run[1000];
	unsigned long keys[1000];
	for (int dir = 0; dir < 2; dir++) {
		struct rb_root r = RB_ROOT;
		for (int i = 0; i < 1000; i++) {
			run[i] = (struct tnode){ .key = (unsigned long)(dir ? 999 - i : i) };
			rb_add(&run[i].rb_plain, &r, key_less);
			keys[i] = (unsigned long)i;
		}
		for (int i = 0; i < 1000; i++)
			keys[i] = (unsigned long)i;
		rb_check_tree(&r, TREE_PLAIN, keys, 1000);
		/* post-order freeing visits everything once */
		struct tnode *pos, *nxt;
		int visits = 0;
		rbtree_postorder_for_each_entry_safe(pos, nxt, &r, rb_plain)
		{
			pos->visited = false;
			visits++;
		}
		assert_int_equal(visits, 1000);
	}
}

#define RB_OPS 100000
#define KEY_RANGE 6000

static unsigned long model_keys[KEY_RANGE];
static size_t model_n;
static struct tnode *by_key[KEY_RANGE];

static size_t keys_lower(unsigned long k)
{
	size_t lo = 0, hi = model_n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (model_keys[mid] < k)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void rb_insert_all(struct tnode *t, struct rb_root *plain, struct rb_root *aug,
			  struct rb_root_cached *cached, bool linux_style)
{
	struct rb_node **link, *parent;
	bool leftmost = true;

	/* plain */
	link = &plain->rb_node;
	parent = NULL;
	while (*link) {
		parent = *link;
		link = t->key < T_PLAIN(parent)->key ? &parent->rb_left : &parent->rb_right;
	}
	rb_link_node(&t->rb_plain, parent, link);
	rb_insert_color(&t->rb_plain, plain);

	/* augmented: Linux callers raise the ancestors' maxima on the way down */
	link = &aug->rb_node;
	parent = NULL;
	t->subtree_max = linux_style ? t->val : 0xdeadbeef; /* garbage is fine too */
	while (*link) {
		parent = *link;
		if (linux_style && T_AUG(parent)->subtree_max < t->val)
			T_AUG(parent)->subtree_max = t->val;
		link = t->key < T_AUG(parent)->key ? &parent->rb_left : &parent->rb_right;
	}
	rb_link_node(&t->rb_aug, parent, link);
	rb_insert_augmented(&t->rb_aug, aug, &tnode_aug_cb);

	/* cached */
	link = &cached->rb_root.rb_node;
	parent = NULL;
	while (*link) {
		parent = *link;
		if (t->key < T_CACHED(parent)->key) {
			link = &parent->rb_left;
		} else {
			link = &parent->rb_right;
			leftmost = false;
		}
	}
	rb_link_node(&t->rb_cached, parent, link);
	rb_insert_color_cached(&t->rb_cached, cached, leftmost);
}

static void rb_random_checks(const struct rb_root *plain, const struct rb_root *aug,
			     const struct rb_root_cached *cached)
{
	rb_check_tree(plain, TREE_PLAIN, model_keys, model_n);
	rb_check_tree(aug, TREE_AUG, model_keys, model_n);
	rb_check_tree(&cached->rb_root, TREE_CACHED, model_keys, model_n);
	assert_ptr_equal(rb_first_cached(cached), rb_first(&cached->rb_root));
	/* subtree-max searches against a linear scan */
	for (int q = 0; q < 8; q++) {
		unsigned long x = rnd_below(1100000);
		struct tnode *first = NULL, *last = NULL;
		for (size_t i = 0; i < model_n; i++) {
			struct tnode *t = by_key[model_keys[i]];
			if (t->val >= x) {
				if (!first)
					first = t;
				last = t;
			}
		}
		assert_ptr_equal(aug_first_ge(aug, x), first);
		assert_ptr_equal(aug_last_ge(aug, x), last);
	}
}

static void test_rbtree_random(void **state)
{
	(void)state;
	struct rb_root plain = RB_ROOT, aug = RB_ROOT;
	struct rb_root_cached cached = RB_ROOT_CACHED;
	unsigned long nins = 0, nerase = 0, nupd = 0, nrepl = 0;

	rs = 0x9e3779b97f4a7c15ULL;
	model_n = 0;
	memset(by_key, 0, sizeof(by_key));
	for (int op = 0; op < RB_OPS; op++) {
		unsigned r = (unsigned)rnd_below(100);
		/* drift between filling and draining so sizes vary */
		bool grow = ((op / 20000) & 1) == 0;
		unsigned long key = rnd_below(KEY_RANGE);

		if (r < (grow ? 55u : 35u) && !by_key[key]) {
			struct tnode *t = calloc(1, sizeof(*t));
			assert_non_null(t);
			t->key = key;
			t->val = rnd_below(8) ? rnd_below(1000000) : 0;
			rb_insert_all(t, &plain, &aug, &cached, rnd() & 1);
			size_t pos = keys_lower(key);
			memmove(&model_keys[pos + 1], &model_keys[pos],
				(model_n - pos) * sizeof(model_keys[0]));
			model_keys[pos] = key;
			model_n++;
			by_key[key] = t;
			nins++;
		} else if (r < 85 && model_n) {
			size_t pos = rnd_below(model_n);
			struct tnode *t = by_key[model_keys[pos]];
			/* the node being erased may carry a stale value of its own */
			if (rnd_below(2))
				t->val = rnd_below(2000000);
			rb_erase(&t->rb_plain, &plain);
			rb_erase_augmented(&t->rb_aug, &aug, &tnode_aug_cb);
			rb_erase_cached(&t->rb_cached, &cached);
			by_key[t->key] = NULL;
			memmove(&model_keys[pos], &model_keys[pos + 1],
				(model_n - pos - 1) * sizeof(model_keys[0]));
			model_n--;
			free(t);
			nerase++;
		} else if (r < 95 && model_n) {
			/* a node's own value changes (a VMA's gap): propagate */
			struct tnode *t = by_key[model_keys[rnd_below(model_n)]];
			t->val = rnd_below(1000000);
			tnode_aug_cb_propagate(&t->rb_aug, NULL);
			nupd++;
		} else if (model_n) {
			/* replace a node by a copy at the same key */
			struct tnode *t = by_key[model_keys[rnd_below(model_n)]];
			struct tnode *n = calloc(1, sizeof(*n));
			assert_non_null(n);
			n->key = t->key;
			n->val = t->val;
			n->subtree_max = t->subtree_max;
			rb_replace_node(&t->rb_plain, &n->rb_plain, &plain);
			rb_replace_node(&t->rb_aug, &n->rb_aug, &aug);
			rb_replace_node_cached(&t->rb_cached, &n->rb_cached, &cached);
			by_key[t->key] = n;
			free(t);
			nrepl++;
		}
		if (op % 97 == 0 || op == RB_OPS - 1)
			rb_random_checks(&plain, &aug, &cached);
	}
	print_message("rbtree: %lu inserts, %lu erases, %lu updates, %lu replacements, %zu left\n",
		      nins, nerase, nupd, nrepl, model_n);
	assert_true(nins > 30000 && nerase > 20000 && nupd > 5000 && nrepl > 2000);
	/* drain in random order */
	while (model_n) {
		size_t pos = rnd_below(model_n);
		struct tnode *t = by_key[model_keys[pos]];
		rb_erase(&t->rb_plain, &plain);
		rb_erase_augmented(&t->rb_aug, &aug, &tnode_aug_cb);
		rb_erase_cached(&t->rb_cached, &cached);
		by_key[t->key] = NULL;
		memmove(&model_keys[pos], &model_keys[pos + 1],
			(model_n - pos - 1) * sizeof(model_keys[0]));
		model_n--;
		free(t);
		if (model_n % 251 == 0)
			rb_random_checks(&plain, &aug, &cached);
	}
	assert_true(RB_EMPTY_ROOT(&plain) && RB_EMPTY_ROOT(&aug) && RB_EMPTY_ROOT(&cached.rb_root));
	assert_null(rb_first_cached(&cached));
}

/* ======== xarray =========================================================================== */

struct mentry {
	unsigned long index;
	void *entry;
	unsigned marks;
};

#define XMODEL_MAX 200000
static struct mentry *xm;
static size_t xm_n;

static size_t xm_lower(unsigned long index)
{
	size_t lo = 0, hi = xm_n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (xm[mid].index < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct mentry *xm_get(unsigned long index)
{
	size_t i = xm_lower(index);
	return i < xm_n && xm[i].index == index ? &xm[i] : NULL;
}

static void xm_set(unsigned long index, void *entry)
{
	size_t i = xm_lower(index);
	if (i < xm_n && xm[i].index == index) {
		xm[i].entry = entry; /* marks kept */
		return;
	}
	assert_true(xm_n < XMODEL_MAX);
	memmove(&xm[i + 1], &xm[i], (xm_n - i) * sizeof(*xm));
	xm[i] = (struct mentry){ index, entry, 0 };
	xm_n++;
}

static void xm_del(unsigned long index)
{
	size_t i = xm_lower(index);
	if (i < xm_n && xm[i].index == index) {
		memmove(&xm[i], &xm[i + 1], (xm_n - i - 1) * sizeof(*xm));
		xm_n--;
	}
}

static bool xm_match(const struct mentry *e, xa_mark_t filter)
{
	return filter == XA_PRESENT || ((e->marks >> filter) & 1);
}

/* What xa_find(start, max, filter) must return. */
static const struct mentry *xm_find(unsigned long start, unsigned long max, xa_mark_t filter)
{
	for (size_t i = xm_lower(start); i < xm_n && xm[i].index <= max; i++)
		if (xm_match(&xm[i], filter))
			return &xm[i];
	return NULL;
}

static unsigned root_shift_for(unsigned long index)
{
	unsigned s = 0;
	while (s + 6 < 64 && (index >> (s + 6)))
		s += 6;
	return s;
}

/* The largest index under a root at @shift. */
static unsigned long root_span(unsigned shift)
{
	return shift + 6 >= 64 ? ~0UL : (1UL << (shift + 6)) - 1;
}

struct xcheck {
	size_t cursor;
	unsigned long nodes;
};

static void xa_check_node(const struct xa_node *node, const struct xa_node *parent, unsigned offset,
			  unsigned shift, unsigned long base, struct xcheck *c)
{
	unsigned count = 0;

	c->nodes++;
	if (node->shift != shift || node->parent != parent || (parent && node->offset != offset))
		fail_msg("node at %#lx: shift %u/%u parent %p/%p offset %u/%u", base, node->shift,
			 shift, (void *)node->parent, (void *)parent, node->offset, offset);
	for (unsigned i = 0; i < XA_CHUNK_SIZE; i++) {
		void *e = node->slots[i];
		if (shift + 6 > 64 && i >= (1u << (64 - shift))) {
			assert_null(e); /* beyond ULONG_MAX */
			continue;
		}
		unsigned long idx = base + ((unsigned long)i << shift);
		if (!e) {
			for (unsigned m = 0; m < XA_MAX_MARKS; m++)
				if ((node->marks[m] >> i) & 1)
					fail_msg("empty slot %#lx (shift %u) has mark %u", idx,
						 shift, m);
			continue;
		}
		count++;
		if (shift == 0) {
			if (xa_is_internal(e))
				fail_msg("leaf slot %#lx holds an internal entry", idx);
			if (c->cursor >= xm_n || xm[c->cursor].index != idx)
				fail_msg("index %#lx present in the array but not in the model",
					 idx);
			if (xm[c->cursor].entry != e)
				fail_msg("index %#lx: %p, model %p", idx, e, xm[c->cursor].entry);
			for (unsigned m = 0; m < XA_MAX_MARKS; m++)
				if (((node->marks[m] >> i) & 1) != ((xm[c->cursor].marks >> m) & 1))
					fail_msg("index %#lx mark %u wrong", idx, m);
			c->cursor++;
		} else {
			if (!xa_is_node(e))
				fail_msg("inner slot %#lx (shift %u) holds an entry", idx, shift);
			const struct xa_node *child = xa_to_node(e);
			xa_check_node(child, node, i, shift - 6, idx, c);
			for (unsigned m = 0; m < XA_MAX_MARKS; m++)
				if (((node->marks[m] >> i) & 1) != (child->marks[m] != 0))
					fail_msg(
						"inner slot %#lx (shift %u): mark %u not the child's",
						idx, shift, m);
		}
	}
	if (count == 0 || count != node->count)
		fail_msg("node at %#lx (shift %u): count %u, %u slots used", base, shift,
			 node->count, count);
}

/* The array is exactly the model, and canonical. */
static void xa_check(const struct xarray *xa)
{
	void *head = xa->xa_head;
	unsigned anymarks = 0;

	for (size_t i = 0; i < xm_n; i++)
		anymarks |= xm[i].marks;
	assert_int_equal(xa->nr_entries, xm_n);
	assert_int_equal(xa->xa_marks, anymarks);
	for (xa_mark_t m = 0; m < XA_MAX_MARKS; m++)
		assert_int_equal(xa_marked(xa, m), (anymarks >> m) & 1);
	assert_int_equal(xa_empty(xa), xm_n == 0);
	if (!head) {
		assert_int_equal(xm_n, 0);
		assert_int_equal(xa->nr_nodes, 0);
		return;
	}
	if (!xa_is_node(head)) {
		assert_int_equal(xm_n, 1);
		assert_int_equal(xm[0].index, 0);
		assert_ptr_equal(xm[0].entry, head);
		assert_int_equal(xa->nr_nodes, 0);
		return;
	}
	const struct xa_node *root = xa_to_node(head);
	assert_null(root->parent);
	if (root->count == 1 && root->slots[0])
		fail_msg("root (shift %u) holds only slot 0: not shrunk", root->shift);
	assert_int_equal(root->shift, root_shift_for(xm[xm_n - 1].index));
	struct xcheck c = { 0, 0 };
	xa_check_node(root, NULL, 0, root->shift, 0, &c);
	assert_int_equal(c.cursor, xm_n);
	assert_int_equal(c.nodes, xa->nr_nodes);
	for (xa_mark_t m = 0; m < XA_MAX_MARKS; m++)
		assert_int_equal(root->marks[m] != 0, (anymarks >> m) & 1);
}

/* Every iterator against the model. */
static void xa_check_iterators(const struct xarray *xa)
{
	unsigned long index;
	void *entry;
	size_t i = 0;

	xa_for_each(xa, index, entry)
	{
		assert_true(i < xm_n);
		assert_int_equal(index, xm[i].index);
		assert_ptr_equal(entry, xm[i].entry);
		i++;
	}
	assert_int_equal(i, xm_n);
	for (xa_mark_t m = 0; m < XA_MAX_MARKS; m++) {
		i = 0;
		xa_for_each_marked(xa, index, entry, m)
		{
			while (i < xm_n && !((xm[i].marks >> m) & 1))
				i++;
			assert_true(i < xm_n);
			assert_int_equal(index, xm[i].index);
			assert_ptr_equal(entry, xm[i].entry);
			i++;
		}
		while (i < xm_n && !((xm[i].marks >> m) & 1))
			i++;
		assert_int_equal(i, xm_n);
	}
	if (xm_n) {
		/* a random range */
		unsigned long lo = xm[rnd_below(xm_n)].index, hi = xm[rnd_below(xm_n)].index;
		if (lo > hi) {
			unsigned long t = lo;
			lo = hi;
			hi = t;
		}
		i = xm_lower(lo);
		xa_for_each_range(xa, index, entry, lo, hi)
		{
			assert_int_equal(index, xm[i].index);
			i++;
		}
		assert_true(i == xm_n || xm[i].index > hi);
	}
}

static unsigned long random_index(void)
{
	switch (rnd_below(8)) {
	case 0:
		return rnd_below(70);
	case 1:
		return rnd_below(5000);
	case 2:
		return rnd_below(1UL << 20);
	case 3:
	case 4:
		return rnd_below(1UL << 40);
	case 5:
		return ~0UL - rnd_below(200);
	case 6:
		return (1UL << (6 * (1 + rnd_below(10)))) + rnd_below(5) - 2;
	default:
		return rnd() | (1UL << 63);
	}
}

static void *random_entry(void)
{
	if (rnd_below(4) == 0)
		return xa_mk_value((unsigned long)(rnd() >> 2));
	return (void *)(uintptr_t)(0x10000 + (rnd_below(1UL << 30) << 3));
}

/* A random filter: a mark or XA_PRESENT. */
static xa_mark_t random_filter(void)
{
	unsigned r = (unsigned)rnd_below(4);
	return r == 3 ? XA_PRESENT : (xa_mark_t)r;
}

static void check_find_at(const struct xarray *xa, unsigned long start, unsigned long max,
			  xa_mark_t filter)
{
	unsigned long index = start;
	const struct mentry *want = xm_find(start, max, filter);
	void *got = xa_find(xa, &index, max, filter);

	if (!want) {
		if (got)
			fail_msg("xa_find(%#lx, %#lx, %u) found %#lx, model nothing", start, max,
				 filter, index);
		assert_int_equal(index, start);
	} else {
		if (!got || index != want->index || got != want->entry)
			fail_msg("xa_find(%#lx, %#lx, %u): %p at %#lx, model %p at %#lx", start,
				 max, filter, got, index, want->entry, want->index);
	}
	/* find_after */
	index = start;
	want = start < max ? xm_find(start + 1, max, filter) : NULL;
	got = xa_find_after(xa, &index, max, filter);
	if (want) {
		if (!got || index != want->index || got != want->entry)
			fail_msg("xa_find_after(%#lx, %#lx, %u) wrong", start, max, filter);
	} else {
		assert_null(got);
		assert_int_equal(index, start);
	}
}

static struct kmm_machine *xa_machine(const char *cmdline, struct kmem_cache **cache)
{
	struct kmm_machine *m = test_boot(cmdline, NULL);
	assert_int_equal(kmm_cpu_enter(m, 0), 0);
	*cache = kmm_kmem_cache_create(m, "test_xa_node", xa_node_size(), 0, SLAB_NO_MERGE, NULL,
				       NULL);
	assert_non_null(*cache);
	return m;
}

static void xa_machine_done(struct kmm_machine *m, struct kmem_cache *cache)
{
	/* destroy reports every object still allocated: none may be */
	kmm_kmem_cache_destroy(cache);
	assert_int_equal(atomic_load(&m->nr_slab_reports), 0);
	kmm_cpu_leave(m);
	kmm_machine_shutdown(m);
}

static void test_xarray_basics(void **state)
{
	(void)state;
	struct kmem_cache *cache;
	struct kmm_machine *m = xa_machine("quiet mem=64M", &cache);
	struct xarray xa;
	int a, b, c;
	void *old = &a;
	unsigned long index;

	assert_true(xa_node_size() >= 64 * sizeof(void *));
	xa_init(&xa, cache);
	assert_true(xa_empty(&xa));
	assert_null(xa_load(&xa, 0));
	assert_null(xa_load(&xa, ~0UL));
	assert_null(xa_erase(&xa, 5));
	index = 0;
	assert_null(xa_find(&xa, &index, ~0UL, XA_PRESENT));

	/* index 0 alone lives in the head: no node */
	assert_int_equal(xa_store(&xa, 0, &a, GFP_KERNEL, &old), 0);
	assert_null(old);
	assert_int_equal(xa.nr_nodes, 0);
	assert_ptr_equal(xa_load(&xa, 0), &a);
	assert_null(xa_load(&xa, 1));
	xa_set_mark(&xa, 0, XA_MARK_1);
	assert_true(xa_get_mark(&xa, 0, XA_MARK_1));
	assert_false(xa_get_mark(&xa, 0, XA_MARK_0));
	assert_true(xa_marked(&xa, XA_MARK_1));
	/* a second entry makes a leaf; the mark moves with index 0 */
	assert_int_equal(xa_store(&xa, 1, &b, GFP_KERNEL, NULL), 0);
	assert_int_equal(xa.nr_nodes, 1);
	assert_true(xa_get_mark(&xa, 0, XA_MARK_1));
	assert_false(xa_get_mark(&xa, 1, XA_MARK_1));
	assert_ptr_equal(xa_erase(&xa, 1), &b);
	assert_int_equal(xa.nr_nodes, 0); /* shrunk back into the head */
	assert_true(xa_get_mark(&xa, 0, XA_MARK_1));
	/* replacing keeps the marks; erasing drops them */
	assert_int_equal(xa_store(&xa, 0, &c, GFP_KERNEL, &old), 0);
	assert_ptr_equal(old, &a);
	assert_true(xa_get_mark(&xa, 0, XA_MARK_1));
	assert_int_equal(xa_store(&xa, 0, NULL, GFP_KERNEL, &old), 0);
	assert_ptr_equal(old, &c);
	assert_true(xa_empty(&xa));
	assert_false(xa_marked(&xa, XA_MARK_1));
	assert_int_equal(xa.nr_entries, 0);

	/* the top of the index space: 11 levels */
	assert_int_equal(xa_store(&xa, ~0UL, &a, GFP_KERNEL, NULL), 0);
	assert_int_equal(xa.nr_nodes, 11);
	assert_ptr_equal(xa_load(&xa, ~0UL), &a);
	assert_null(xa_load(&xa, ~0UL - 1));
	assert_null(xa_load(&xa, 0));
	index = 0;
	assert_ptr_equal(xa_find(&xa, &index, ~0UL, XA_PRESENT), &a);
	assert_int_equal(index, ~0UL);
	assert_null(xa_find_after(&xa, &index, ~0UL, XA_PRESENT));
	assert_int_equal(index, ~0UL);
	index = 0;
	assert_null(xa_find(&xa, &index, ~0UL - 1, XA_PRESENT));
	assert_int_equal(index, 0);
	xa_set_mark(&xa, ~0UL, XA_MARK_2);
	index = 5;
	assert_ptr_equal(xa_find(&xa, &index, ~0UL, XA_MARK_2), &a);
	assert_int_equal(index, ~0UL);
	/* 0 and ULONG_MAX together: still 11 nodes for the top plus a leaf chain for 0 */
	assert_int_equal(xa_store(&xa, 0, &b, GFP_KERNEL, NULL), 0);
	assert_int_equal(xa.nr_nodes, 21);
	assert_ptr_equal(xa_erase(&xa, ~0UL), &a);
	assert_int_equal(xa.nr_nodes, 0);
	assert_ptr_equal(xa_load(&xa, 0), &b);
	assert_false(xa_marked(&xa, XA_MARK_2));
	/* that is the worst case, and a full preload covers it without allocating */
	struct xa_preload pl = XA_PRELOAD_INIT;
	assert_int_equal(xa_preload(cache, &pl, 100, GFP_KERNEL), 0);
	assert_int_equal(pl.nr, XA_PRELOAD_MAX);
	assert_int_equal(xa_store_preload(&xa, ~0UL, &a, &pl, 0, NULL), 0);
	assert_int_equal(xa.nr_nodes, XA_PRELOAD_MAX);
	assert_int_equal(pl.nr, 0);
	assert_ptr_equal(xa_erase(&xa, ~0UL), &a);
	assert_int_equal(xa_preload(cache, &pl, 2, GFP_KERNEL), 0);
	assert_int_equal(pl.nr, 2);
	xa_preload_release(cache, &pl);
	assert_int_equal(pl.nr, 0);
	assert_ptr_equal(xa_erase(&xa, 0), &b);

	/* value entries */
	void *v = xa_mk_value(123456789);
	assert_true(xa_is_value(v));
	assert_false(xa_is_value(&a));
	assert_int_equal(xa_to_value(v), 123456789);
	assert_true(xa_is_value(xa_mk_value(~0UL >> 1)));
	assert_int_equal(xa_to_value(xa_mk_value(~0UL >> 1)), ~0UL >> 1);
	assert_int_equal(xa_store(&xa, 4096, v, GFP_KERNEL, NULL), 0);
	assert_ptr_equal(xa_load(&xa, 4096), v);
	/* internal entries are refused */
	assert_int_equal(xa_store(&xa, 7, (void *)(uintptr_t)0x1002, GFP_KERNEL, NULL),
			 -KMM_EINVAL);
	assert_null(xa_load(&xa, 7));
	/* insert */
	assert_int_equal(xa_insert(&xa, 4096, &a, GFP_KERNEL), -KMM_EEXIST);
	assert_ptr_equal(xa_load(&xa, 4096), v);
	assert_int_equal(xa_insert(&xa, 4097, &a, GFP_KERNEL), 0);
	assert_int_equal(xa_insert(&xa, 4098, NULL, GFP_KERNEL), -KMM_EINVAL);
	/* marks on absent entries do nothing */
	xa_set_mark(&xa, 4099, XA_MARK_0);
	assert_false(xa_get_mark(&xa, 4099, XA_MARK_0));
	assert_false(xa_marked(&xa, XA_MARK_0));
	xa_set_mark(&xa, 4097, XA_MARK_0);
	assert_true(xa_marked(&xa, XA_MARK_0));
	xa_clear_mark(&xa, 4097, XA_MARK_0);
	assert_false(xa_marked(&xa, XA_MARK_0));

	/* erase while iterating; clear marks while iterating */
	for (unsigned long i = 0; i < 1000; i++) {
		assert_int_equal(xa_store(&xa, i * 37, &c, GFP_KERNEL, NULL), 0);
		if (i % 3 == 0)
			xa_set_mark(&xa, i * 37, XA_MARK_0);
	}
	unsigned long n = 0;
	void *entry;
	xa_for_each_marked(&xa, index, entry, XA_MARK_0)
	{
		assert_int_equal(index % 111, 0);
		xa_clear_mark(&xa, index, XA_MARK_0);
		n++;
	}
	assert_int_equal(n, 334);
	assert_false(xa_marked(&xa, XA_MARK_0));
	n = 0;
	xa_for_each(&xa, index, entry)
	{
		assert_ptr_equal(xa_erase(&xa, index), entry);
		n++;
	}
	assert_int_equal(n, 1002); /* 1000 + 4096 (a value) + 4097 */
	assert_true(xa_empty(&xa));
	assert_int_equal(xa.nr_nodes, 0);
	assert_int_equal(xa.nr_entries, 0);

	/* destroy frees every node */
	for (unsigned long i = 0; i < 5000; i++)
		assert_int_equal(xa_store(&xa, i * i * 1000003UL, &a, GFP_KERNEL, NULL), 0);
	assert_true(xa.nr_nodes > 1000);
	xa_destroy(&xa);
	assert_true(xa_empty(&xa));
	assert_int_equal(xa.nr_nodes, 0);
	assert_int_equal(xa.nr_entries, 0);
	xa_machine_done(m, cache);
}

#define XA_OPS 100000
#define XA_TARGET 3000 /* entries the random walk hovers around */

static void test_xarray_random(void **state)
{
	(void)state;
	struct kmem_cache *cache;
	struct kmm_machine *m = xa_machine("quiet mem=256M", &cache);
	struct xarray xa;
	unsigned long counts[8] = { 0 };
	unsigned long max_nodes = 0;

	xm = calloc(XMODEL_MAX, sizeof(*xm));
	assert_non_null(xm);
	xm_n = 0;
	rs = 0x0123456789abcdefULL;
	xa_init(&xa, cache);
	for (int op = 0; op < XA_OPS; op++) {
		unsigned long index =
			(xm_n && rnd_below(2)) ? xm[rnd_below(xm_n)].index : random_index();
		struct mentry *me = xm_get(index);
		unsigned r = (unsigned)rnd_below(100);
		void *old = (void *)1, *entry;
		xa_mark_t mark = (xa_mark_t)rnd_below(XA_MAX_MARKS);

		if (r < 30) {
			/* store (only over existing entries when big) */
			if (!me && xm_n >= XA_TARGET)
				goto erase;
			entry = random_entry();
			assert_int_equal(xa_store(&xa, index, entry, GFP_KERNEL, &old), 0);
			assert_ptr_equal(old, me ? me->entry : NULL);
			xm_set(index, entry);
			counts[0]++;
		} else if (r < 35) {
			int ret;
			if (!me && xm_n >= XA_TARGET)
				goto erase;
			entry = random_entry();
			ret = xa_insert(&xa, index, entry, GFP_KERNEL);
			assert_int_equal(ret, me ? -KMM_EEXIST : 0);
			if (!me)
				xm_set(index, entry);
			counts[1]++;
		} else if (r < 55) {
erase:
			if (rnd_below(2)) {
				assert_int_equal(xa_store(&xa, index, NULL, GFP_KERNEL, &old), 0);
				entry = old;
			} else {
				entry = xa_erase(&xa, index);
			}
			assert_ptr_equal(entry, me ? me->entry : NULL);
			xm_del(index);
			counts[2]++;
		} else if (r < 72) {
			xa_set_mark(&xa, index, mark);
			if (me)
				me->marks |= 1U << mark;
			counts[3]++;
		} else if (r < 85) {
			xa_clear_mark(&xa, index, mark);
			if (me)
				me->marks &= ~(1U << mark);
			counts[4]++;
		} else if (r < 92) {
			assert_ptr_equal(xa_load(&xa, index), me ? me->entry : NULL);
			for (xa_mark_t k = 0; k < XA_MAX_MARKS; k++)
				assert_int_equal(xa_get_mark(&xa, index, k),
						 me ? (me->marks >> k) & 1 : 0);
			counts[5]++;
		} else {
			/* finds from around the index, to random or tight limits */
			unsigned long start = index - (rnd_below(3) ? 0 : rnd_below(100));
			unsigned long max;
			switch (rnd_below(4)) {
			case 0:
				max = ~0UL;
				break;
			case 1:
				max = start;
				break;
			case 2:
				max = start + rnd_below(1UL << 12);
				if (max < start)
					max = ~0UL;
				break;
			default:
				max = random_index();
			}
			check_find_at(&xa, start, max, random_filter());
			counts[6]++;
		}
		/* every op: the entry at the touched index */
		me = xm_get(index);
		assert_ptr_equal(xa_load(&xa, index), me ? me->entry : NULL);
		if (xa.nr_nodes > max_nodes)
			max_nodes = xa.nr_nodes;
		if (op % 250 == 0 || op == XA_OPS - 1) {
			xa_check(&xa);
			xa_check_iterators(&xa);
		}
	}
	print_message("xarray: %lu stores, %lu inserts, %lu erases, %lu set/%lu clear marks, "
		      "%lu loads, %lu finds; %zu entries, %lu nodes (max %lu)\n",
		      counts[0], counts[1], counts[2], counts[3], counts[4], counts[5], counts[6],
		      xm_n, xa.nr_nodes, max_nodes);
	assert_true(xm_n > 1000);
	/* erase everything in random order: the node count returns to 0 */
	while (xm_n) {
		size_t i = rnd_below(xm_n);
		unsigned long index = xm[i].index;
		void *entry = xm[i].entry;
		assert_ptr_equal(xa_erase(&xa, index), entry);
		xm_del(index);
		if (xm_n % 199 == 0)
			xa_check(&xa);
	}
	xa_check(&xa);
	assert_true(xa_empty(&xa));
	assert_int_equal(xa.nr_nodes, 0);
	assert_int_equal(xa.nr_entries, 0);
	free(xm);
	xm = NULL;
	xa_machine_done(m, cache);
}

/*
 * Allocation failure.  The machine's memory is taken page by page, then
 * the node cache is drained object by object, so the cache can hand out
 * exactly the objects we give back.  Each round returns 0..12 objects and
 * stores at a random index (needing up to 21 new nodes): a store that
 * fails must leave the array exactly as the model says, *old untouched.
 */
static void test_xarray_nomem(void **state)
{
	(void)state;
	struct kmem_cache *cache;
	struct kmm_machine *m = xa_machine("quiet mem=32M nr_cpus=1 numa=off", &cache);
	struct xarray xa;
	const gfp_t gfp = GFP_KERNEL | __GFP_NOWARN;
	unsigned long fails = 0, partial_fails = 0, grow_fails = 0, ok = 0, trims = 0;
	unsigned long preloaded_ok = 0;
	struct xa_preload pl = XA_PRELOAD_INIT;

	xm = calloc(XMODEL_MAX, sizeof(*xm));
	assert_non_null(xm);
	xm_n = 0;
	rs = 0xfeedfacecafef00dULL;
	xa_init(&xa, cache);
	for (int i = 0; i < 300; i++) {
		unsigned long index = random_index();
		void *entry = random_entry();
		assert_int_equal(xa_store(&xa, index, entry, gfp, NULL), 0);
		xm_set(index, entry);
		if (rnd_below(3) == 0) {
			xa_mark_t mark = (xa_mark_t)rnd_below(XA_MAX_MARKS);
			xa_set_mark(&xa, index, mark);
			xm_get(index)->marks |= 1U << mark;
		}
	}
	xa_check(&xa);

	/* exhaust the buddy allocator, then the node cache */
	size_t npages = 0, nobjs = 0;
	struct page **pages = calloc(1 << 16, sizeof(*pages));
	void **objs = calloc(1 << 16, sizeof(*objs));
	assert_non_null(pages);
	assert_non_null(objs);
	while ((pages[npages] = kmm_alloc_pages(m, gfp, 0)))
		assert_true(++npages < (1 << 16));
	assert_true(npages > 1000);
	while ((objs[nobjs] = kmm_kmem_cache_alloc(cache, gfp)))
		assert_true(++nobjs < (1 << 16));

	for (int round = 0; round < 3000; round++) {
		unsigned give = (unsigned)rnd_below(13);
		unsigned long index;
		void *entry = random_entry(), *old = (void *)(uintptr_t)0x7770;
		unsigned long nodes_before = xa.nr_nodes;

		for (unsigned k = 0; k < give && nobjs; k++)
			kmm_kmem_cache_free(cache, objs[--nobjs]);
		switch (rnd_below(4)) {
		case 0: /* from the empty or head-only array (possible after erasures) */
			index = rnd_below(2) ? 0 : random_index();
			break;
		default:
			index = random_index();
		}
		struct mentry *me = xm_get(index);
		/* would the root have to grow? (or the head entry be wrapped in a leaf) */
		bool grows = index && (xa_empty(&xa) || !xa_is_node(xa.xa_head) ||
				       index > (root_span(xa_to_node(xa.xa_head)->shift)));
		int ret;
		if (round % 3 == 0) {
			/* preloaded: top up from what the cache has, then store from it */
			xa_preload(cache, &pl, XA_PRELOAD_MAX, gfp);
			unsigned pl_before = pl.nr;
			ret = xa_store_preload(&xa, index, entry, &pl, gfp, &old);
			if (pl_before == XA_PRELOAD_MAX) {
				assert_int_equal(ret, 0); /* a full preload always suffices */
				if (xa.nr_nodes > nodes_before) {
					assert_int_equal(pl_before - pl.nr,
							 xa.nr_nodes - nodes_before);
					preloaded_ok++;
				}
			}
			if (ret)
				assert_true(pl.nr >= pl_before); /* its nodes came back */
		} else {
			ret = xa_store(&xa, index, entry, gfp, &old);
		}
		if (ret) {
			assert_int_equal(ret, -KMM_ENOMEM);
			assert_null(me); /* replacing never allocates */
			assert_ptr_equal(old, (void *)(uintptr_t)0x7770);
			assert_int_equal(xa.nr_nodes, nodes_before);
			assert_null(xa_load(&xa, index));
			xa_check(&xa);
			fails++;
			if (give)
				partial_fails++;
			if (grows && !xa_empty(&xa))
				grow_fails++;
		} else {
			assert_ptr_equal(old, me ? me->entry : NULL);
			xm_set(index, entry);
			ok++;
			if (rnd_below(4) == 0) {
				xa_set_mark(&xa, index, XA_MARK_0);
				xm_get(index)->marks |= 1U << XA_MARK_0;
			}
		}
		/* erase some to free nodes (and keep the array from filling up) */
		if (xm_n && rnd_below(2)) {
			size_t i = rnd_below(xm_n);
			unsigned long e = xm[i].index;
			assert_ptr_equal(xa_erase(&xa, e), xm[i].entry);
			xm_del(e);
		}
		/* now and then cut the array down, so that stores must grow the tree */
		if (rnd_below(16) == 0) {
			static const unsigned long bounds[] = { 1, 64, 4096, 1UL << 20, 1UL << 40 };
			unsigned long bound = bounds[rnd_below(KMM_ARRAY_SIZE(bounds))];
			while (xm_n && xm[xm_n - 1].index >= bound) {
				unsigned long e = xm[xm_n - 1].index;
				assert_ptr_equal(xa_erase(&xa, e), xm[xm_n - 1].entry);
				xm_del(e);
			}
			trims++;
		}
		if (round % 50 == 0) {
			xa_check(&xa);
			xa_check_iterators(&xa);
		}
		/* take back whatever the cache has again */
		while ((objs[nobjs] = kmm_kmem_cache_alloc(cache, gfp)))
			assert_true(++nobjs < (1 << 16));
	}
	print_message("xarray nomem: %lu stores failed (%lu after some nodes were allocated, %lu "
		      "growing a non-empty array), %lu succeeded (%lu from a full preload), %lu "
		      "cuts\n",
		      fails, partial_fails, grow_fails, ok, preloaded_ok, trims);
	assert_true(preloaded_ok > 50);
	assert_true(fails > 100);
	assert_true(partial_fails > 50);
	assert_true(grow_fails > 20);
	assert_true(ok > 100);
	xa_check(&xa);
	xa_check_iterators(&xa);

	/* with memory back, everything works and drains to nothing */
	xa_preload_release(cache, &pl);
	assert_int_equal(pl.nr, 0);
	while (nobjs)
		kmm_kmem_cache_free(cache, objs[--nobjs]);
	while (npages)
		__kmm_free_pages(m, pages[--npages], 0);
	for (int i = 0; i < 500; i++) {
		unsigned long index = random_index();
		void *entry = random_entry();
		assert_int_equal(xa_store(&xa, index, entry, gfp, NULL), 0);
		xm_set(index, entry);
	}
	xa_check(&xa);
	while (xm_n) {
		unsigned long e = xm[xm_n - 1].index;
		assert_ptr_equal(xa_erase(&xa, e), xm[xm_n - 1].entry);
		xm_del(e);
	}
	xa_check(&xa);
	assert_int_equal(xa.nr_nodes, 0);
	free(pages);
	free(objs);
	free(xm);
	xm = NULL;
	xa_machine_done(m, cache);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rbtree_basics), cmocka_unit_test(test_rbtree_random),
		cmocka_unit_test(test_xarray_basics), cmocka_unit_test(test_xarray_random),
		cmocka_unit_test(test_xarray_nomem),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
