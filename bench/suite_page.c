/* SPDX-License-Identifier: MIT */
/*
 * bench/suite_page.c - the page allocator: kmm_alloc_pages/__kmm_free_pages
 * against a floor of bare intrusive freelists.  See docs/PERFORMANCE.md.
 *
 * Cases (one op is what ns_per_op divides by):
 *   order0_pair   alloc one order-0 page (GFP_KERNEL) and free it at once;
 *                 the pcp list stays hot.  op = one alloc+free pair.
 *   order0_batch  allocate 100k order-0 pages, then free them newest first
 *                 (LIFO); crosses the pcp high mark, so rmqueue_bulk and
 *                 free_pcppages_bulk (zone->lock) take part.  op = one page
 *                 (its alloc + its free).
 *   mixed_orders  a live set of 4096 slots per thread holding blocks of
 *                 orders 0..10; each op frees one random slot and allocates
 *                 a block of a random order into it (GFP_KERNEL|__GFP_NOWARN,
 *                 failures counted).  P(order = k) = 2^-(k+1) for k < 10 and
 *                 2^-10 for k = 10 (the trailing zeros of a random word,
 *                 capped): half the requests are order 0, a quarter order 1,
 *                 ..., 6 pages per slot on average.  op = one free + one
 *                 alloc.
 *
 * The floor ("floor" impl), per thread, no locks, no sharing:
 *   order-0 cases: a LIFO singly linked list threaded through the first
 *                  word of 4 KiB blocks of a host arena (THP-backed when
 *                  the host allows), pre-populated with as many blocks as
 *                  the case holds at once.
 *   mixed_orders:  one such list per order 0..10, pre-populated with twice
 *                  the expected number of live blocks of that order plus
 *                  16; no splitting or merging.  If a list runs dry the
 *                  floor maps 8 more blocks of that order from the host
 *                  (counted as "refills"; it should not happen in steady
 *                  state).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define BATCH_PAGES 100000u
#define MIX_SLOTS 4096u
#define MIX_GFP (GFP_KERNEL | __GFP_NOWARN)
#define FLOOR_BLOCK 4096u

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* Random order with P(k) = 2^-(k+1), k < MAX_PAGE_ORDER; 2^-10 for the top. */
static inline unsigned mix_order(uint64_t r)
{
	return (unsigned)__builtin_ctzll((r >> 32) | (1ull << MAX_PAGE_ORDER));
}

static inline unsigned mix_slot(uint64_t r)
{
	return (unsigned)(r & (MIX_SLOTS - 1));
}

/* Thread @nr blocks of @size bytes at @base onto @head, first block on top. */
static void fl_populate(struct fl_node **head, void *base, size_t size, size_t nr)
{
	for (size_t i = nr; i-- > 0;)
		fl_push(head, (char *)base + i * size);
}

/* ---- kmm: order0_pair ------------------------------------------------------------ */

static int kmm_nop_setup(struct bench_thread *t)
{
	(void)t;
	return 0;
}

static void kmm_nop_teardown(struct bench_thread *t)
{
	(void)t;
}

static void kmm_pair_run(struct bench_thread *t, uint64_t ops)
{
	struct kmm_machine *m = t->m;
	unsigned long fail = 0;
	for (uint64_t i = 0; i < ops; i++) {
		struct page *p = kmm_alloc_pages(m, GFP_KERNEL, 0);
		if (unlikely(!p)) {
			fail++;
			continue;
		}
		bench_use(p);
		__kmm_free_pages(m, p, 0);
	}
	t->failures += fail;
}

static const struct bench_impl kmm_pair = {
	.name = "kmm",
	.needs_machine = true,
	.setup = kmm_nop_setup,
	.run = kmm_pair_run,
	.teardown = kmm_nop_teardown,
};

/* ---- floor: order-0 cases ---------------------------------------------------------- */

struct floor0 {
	struct fl_node *head;
	void *arena;
	size_t bytes;
	void **v; /* order0_batch: the blocks held */
};

static int floor0_setup_n(struct bench_thread *t, size_t nr, bool batch)
{
	struct floor0 *f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->bytes = nr * FLOOR_BLOCK;
	f->arena = bench_map(f->bytes, true);
	if (batch)
		f->v = calloc(BATCH_PAGES, sizeof(*f->v));
	if (!f->arena || (batch && !f->v)) {
		if (f->arena)
			bench_unmap(f->arena, f->bytes);
		free(f->v);
		free(f);
		return -ENOMEM;
	}
	fl_populate(&f->head, f->arena, FLOOR_BLOCK, nr);
	t->priv = f;
	return 0;
}

static void floor0_teardown(struct bench_thread *t)
{
	struct floor0 *f = t->priv;
	if (!f)
		return;
	bench_unmap(f->arena, f->bytes);
	free(f->v);
	free(f);
	t->priv = NULL;
}

static int floor_pair_setup(struct bench_thread *t)
{
	return floor0_setup_n(t, 64, false);
}

static void floor_pair_run(struct bench_thread *t, uint64_t ops)
{
	struct floor0 *f = t->priv;
	unsigned long fail = 0;
	for (uint64_t i = 0; i < ops; i++) {
		void *p = fl_pop(&f->head);
		if (unlikely(!p)) {
			fail++;
			continue;
		}
		bench_use(p);
		fl_push(&f->head, p);
	}
	t->failures += fail;
}

static const struct bench_impl floor_pair = {
	.name = "floor",
	.setup = floor_pair_setup,
	.run = floor_pair_run,
	.teardown = floor0_teardown,
};

static const struct bench_case case_order0_pair = {
	.name = "order0_pair",
	.op = "order-0 alloc+free pair",
	.granule = 1,
	.callgrind_ops = 100000,
	.impls = { &kmm_pair, &floor_pair },
};

/* ---- order0_batch ----------------------------------------------------------------- */

struct kmm_batch {
	struct page **v;
};

static int kmm_batch_setup(struct bench_thread *t)
{
	struct kmm_batch *b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->v = calloc(BATCH_PAGES, sizeof(*b->v));
	if (!b->v) {
		free(b);
		return -ENOMEM;
	}
	t->priv = b;
	return 0;
}

static void kmm_batch_run(struct bench_thread *t, uint64_t ops)
{
	struct kmm_machine *m = t->m;
	struct kmm_batch *b = t->priv;
	struct page **v = b->v;
	unsigned long fail = 0;
	for (uint64_t done = 0; done < ops; done += BATCH_PAGES) {
		for (unsigned i = 0; i < BATCH_PAGES; i++) {
			v[i] = kmm_alloc_pages(m, GFP_KERNEL, 0);
			fail += !v[i];
		}
		bench_use(v);
		for (unsigned i = BATCH_PAGES; i-- > 0;)
			if (likely(v[i]))
				__kmm_free_pages(m, v[i], 0);
	}
	t->failures += fail;
}

static void kmm_batch_teardown(struct bench_thread *t)
{
	struct kmm_batch *b = t->priv;
	if (!b)
		return;
	free(b->v);
	free(b);
	t->priv = NULL;
}

static const struct bench_impl kmm_batch = {
	.name = "kmm",
	.needs_machine = true,
	.setup = kmm_batch_setup,
	.run = kmm_batch_run,
	.teardown = kmm_batch_teardown,
};

static int floor_batch_setup(struct bench_thread *t)
{
	return floor0_setup_n(t, BATCH_PAGES, true);
}

static void floor_batch_run(struct bench_thread *t, uint64_t ops)
{
	struct floor0 *f = t->priv;
	void **v = f->v;
	unsigned long fail = 0;
	for (uint64_t done = 0; done < ops; done += BATCH_PAGES) {
		for (unsigned i = 0; i < BATCH_PAGES; i++) {
			v[i] = fl_pop(&f->head);
			fail += !v[i];
		}
		bench_use(v);
		for (unsigned i = BATCH_PAGES; i-- > 0;)
			if (likely(v[i]))
				fl_push(&f->head, v[i]);
	}
	t->failures += fail;
}

static const struct bench_impl floor_batch = {
	.name = "floor",
	.setup = floor_batch_setup,
	.run = floor_batch_run,
	.teardown = floor0_teardown,
};

static const struct bench_case case_order0_batch = {
	.name = "order0_batch",
	.op = "order-0 page (alloc+free), 100k at a time",
	.granule = BATCH_PAGES,
	.callgrind_ops = BATCH_PAGES,
	.impls = { &kmm_batch, &floor_batch },
};

/* ---- mixed_orders: kmm ---------------------------------------------------------------- */

struct kmm_mix {
	struct page *slot[MIX_SLOTS];
	unsigned char order[MIX_SLOTS];
};

static int kmm_mix_setup(struct bench_thread *t)
{
	struct kmm_mix *x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	for (unsigned s = 0; s < MIX_SLOTS; s++) {
		unsigned o = mix_order(bench_rand(&t->rng));
		x->slot[s] = kmm_alloc_pages(t->m, MIX_GFP, o);
		x->order[s] = (unsigned char)o;
		t->failures += !x->slot[s];
	}
	t->priv = x;
	return 0;
}

static void kmm_mix_run(struct bench_thread *t, uint64_t ops)
{
	struct kmm_machine *m = t->m;
	struct kmm_mix *x = t->priv;
	unsigned long fail = 0;
	for (uint64_t i = 0; i < ops; i++) {
		uint64_t r = bench_rand(&t->rng);
		unsigned s = mix_slot(r), o = mix_order(r);
		if (likely(x->slot[s]))
			__kmm_free_pages(m, x->slot[s], x->order[s]);
		struct page *p = kmm_alloc_pages(m, MIX_GFP, o);
		fail += !p;
		x->slot[s] = p;
		x->order[s] = (unsigned char)o;
	}
	t->failures += fail;
}

static void kmm_mix_teardown(struct bench_thread *t)
{
	struct kmm_mix *x = t->priv;
	if (!x)
		return;
	for (unsigned s = 0; s < MIX_SLOTS; s++)
		if (x->slot[s])
			__kmm_free_pages(t->m, x->slot[s], x->order[s]);
	free(x);
	t->priv = NULL;
}

static const struct bench_impl kmm_mix = {
	.name = "kmm",
	.needs_machine = true,
	.setup = kmm_mix_setup,
	.run = kmm_mix_run,
	.teardown = kmm_mix_teardown,
};

/* ---- mixed_orders: floor -------------------------------------------------------------- */

struct floor_chunk {
	void *p;
	size_t bytes;
};

struct floor_mix {
	struct fl_node *head[NR_PAGE_ORDERS];
	void *slot[MIX_SLOTS];
	unsigned char order[MIX_SLOTS];
	struct floor_chunk *chunks;
	size_t nr_chunks, cap_chunks;
};

/* Map @nr more blocks of @order onto the order's list. */
static int floor_mix_grow(struct floor_mix *f, unsigned order, size_t nr)
{
	if (f->nr_chunks == f->cap_chunks) {
		size_t cap = f->cap_chunks ? 2 * f->cap_chunks : 32;
		struct floor_chunk *c = realloc(f->chunks, cap * sizeof(*c));
		if (!c)
			return -ENOMEM;
		f->chunks = c;
		f->cap_chunks = cap;
	}
	size_t size = (size_t)FLOOR_BLOCK << order, bytes = size * nr;
	void *p = bench_map(bytes, false);
	if (!p)
		return -ENOMEM;
	f->chunks[f->nr_chunks++] = (struct floor_chunk){ p, bytes };
	fl_populate(&f->head[order], p, size, nr);
	return 0;
}

static __attribute__((noinline)) void *floor_mix_refill(struct bench_thread *t, unsigned o)
{
	struct floor_mix *f = t->priv;
	t->slowpath++;
	if (floor_mix_grow(f, o, 8))
		return NULL;
	return fl_pop(&f->head[o]);
}

static inline void *floor_mix_alloc(struct bench_thread *t, struct floor_mix *f, unsigned o)
{
	void *p = fl_pop(&f->head[o]);
	if (unlikely(!p))
		p = floor_mix_refill(t, o);
	return p;
}

static void floor_mix_teardown(struct bench_thread *t)
{
	struct floor_mix *f = t->priv;
	if (!f)
		return;
	for (size_t i = 0; i < f->nr_chunks; i++)
		bench_unmap(f->chunks[i].p, f->chunks[i].bytes);
	free(f->chunks);
	free(f);
	t->priv = NULL;
}

static int floor_mix_setup(struct bench_thread *t)
{
	struct floor_mix *f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	t->priv = f;
	for (unsigned o = 0; o < NR_PAGE_ORDERS; o++) {
		/* expected live blocks of this order, times two, plus slack */
		size_t expect = o < MAX_PAGE_ORDER ? MIX_SLOTS >> (o + 1) : MIX_SLOTS >> o;
		if (floor_mix_grow(f, o, 2 * expect + 16)) {
			floor_mix_teardown(t);
			return -ENOMEM;
		}
	}
	for (unsigned s = 0; s < MIX_SLOTS; s++) {
		unsigned o = mix_order(bench_rand(&t->rng));
		f->slot[s] = floor_mix_alloc(t, f, o);
		f->order[s] = (unsigned char)o;
		t->failures += !f->slot[s];
	}
	t->slowpath = 0; /* count the steady state only */
	return 0;
}

static void floor_mix_run(struct bench_thread *t, uint64_t ops)
{
	struct floor_mix *f = t->priv;
	unsigned long fail = 0;
	for (uint64_t i = 0; i < ops; i++) {
		uint64_t r = bench_rand(&t->rng);
		unsigned s = mix_slot(r), o = mix_order(r);
		if (likely(f->slot[s]))
			fl_push(&f->head[f->order[s]], f->slot[s]);
		void *p = floor_mix_alloc(t, f, o);
		fail += !p;
		f->slot[s] = p;
		f->order[s] = (unsigned char)o;
	}
	t->failures += fail;
}

static const struct bench_impl floor_mix = {
	.name = "floor",
	.setup = floor_mix_setup,
	.run = floor_mix_run,
	.teardown = floor_mix_teardown,
};

static const struct bench_case case_mixed_orders = {
	.name = "mixed_orders",
	.op = "free random slot + alloc random order 0..10",
	.granule = 1,
	.callgrind_ops = 50000,
	.impls = { &kmm_mix, &floor_mix },
};

/* ---- the suite --------------------------------------------------------------------------- */

static const struct bench_case *const page_cases[] = {
	&case_order0_pair,
	&case_order0_batch,
	&case_mixed_orders,
	NULL,
};

const struct bench_suite bench_suite_page = {
	.name = "page",
	.description = "buddy page allocator: kmm_alloc_pages/__kmm_free_pages vs bare freelists",
	.cmdline = "quiet mem=1G",
	.cases = page_cases,
};
