/* SPDX-License-Identifier: MIT */
/*
 * bench/suite_slab.c - object caches and kmalloc: kmm_kmem_cache_* and
 * kmm_kmalloc/kmm_kfree against a floor of bare freelists and against the
 * process's malloc and three other allocators loaded with dlopen() (the
 * "peers").  See docs/PERFORMANCE.md.
 *
 * Cases (one op is what ns_per_op divides by):
 *   pair64         allocate one 64-byte object and free it at once; the
 *                  per-CPU (per-thread) cache stays hot.  op = one pair.
 *   bulk128        allocate 128 objects of 64 bytes, then free them in the
 *                  order they were allocated.  op = one object's alloc +
 *                  free.
 *   remote_free    threads pair up: the even one of a pair allocates
 *                  64-byte objects into an SPSC ring, 256 per batch, and
 *                  the odd one frees them, so every free is of an object
 *                  another CPU allocated.  op = one object (each thread's
 *                  half of it; both threads time the same number of
 *                  objects).  A thread without a partner (1 thread) allocates
 *                  256 objects and then frees them itself, which is bulk128
 *                  with batches of 256.
 *   kmalloc_mixed  a live set of 1024 slots per thread; each op frees one
 *                  random slot and allocates a random size of 8..1023
 *                  bytes, log-uniform, into it.  op = one free + one alloc.
 *   kmalloc_large  the same with 64 slots and sizes 2 KiB..64 KiB
 *                  (log-uniform), writing one byte per 4 KiB of every
 *                  allocation.  Above 8 KiB kmm_kmalloc goes to the page
 *                  allocator.
 *   colour         slab colouring, kmm against itself: a cache of 296-byte
 *                  objects (13 per 4 KiB slab, 3 colours of 64 bytes),
 *                  20000 objects allocated, and the first object of every
 *                  slab they fill (~1536) chained in a random cyclic order
 *                  through its first word; one op is one dependent load
 *                  along that chain.  Every line of the chain sits at the
 *                  same in-page offset without colouring, at one of three
 *                  with it.  Impls "kmm" (default boot) and "kmm-nocolour"
 *                  (booted with slab_colour=off); no floor, no peers, 1
 *                  thread only.  The notes give the cache's colour
 *                  attribute (/sys/kernel/slab/<name>/colour), the chain
 *                  length and the number of distinct in-slab offsets.
 *
 * Implementations, all in one run of the same harness:
 *   kmm       a kmem_cache of 64-byte objects (flags 0, created once per
 *             run by the harness thread, shared by the threads, destroyed at
 *             the end) for the first three cases; kmm_kmalloc/kmm_kfree for
 *             the kmalloc cases.  GFP_KERNEL throughout.
 *   floor-call  (pair64 only) the floor's freelist behind two out-of-line
 *             calls, as kmm's functions and the peers are called; its
 *             target is reported as floor-call3x next to floor3x.
 *   floor     per thread, no locks: an intrusive LIFO freelist per size
 *             class, carved from a host arena (64 bytes; for kmalloc_mixed
 *             the kmalloc classes 8 16 32 64 96 128 192 256 512 1024; for
 *             kmalloc_large powers of two 2 KiB..64 KiB), the class of a
 *             free taken from the size the caller remembers.  An empty list
 *             is refilled with 32 blocks from the arena ("refills" in the
 *             notes).  remote_free: the consumer chains the objects it frees
 *             and hands every 256 back to the producer with one
 *             compare-and-swap; the producer takes them all with one
 *             exchange when its own list runs dry.
 *   glibc     malloc/free of the process (called through pointers, like the
 *             others).
 *   jemalloc  libjemalloc.so.2, mimalloc libmimalloc.so.2, tcmalloc
 *             libtcmalloc_minimal.so.4 (Debian's libjemalloc2,
 *             libmimalloc2.0, libtcmalloc-minimal4), dlopen()ed with
 *             RTLD_LOCAL|RTLD_DEEPBIND so that nothing else in the process
 *             starts using them, entry points resolved on the handle:
 *             jemalloc's malloc/free (its Debian build has no prefixed
 *             ones), mi_malloc/mi_free, tc_malloc/tc_free.  Before use,
 *             dladdr() must place both entry points in that library, they
 *             must not be the process's malloc/free, and an allocation must
 *             report a usable size through the library's own
 *             malloc_usable_size/mi_usable_size/tc_malloc_size.  A missing
 *             library skips the implementation with a note.
 *
 * The suite sets .isolate: every (case, impl, threads) runs in a fresh
 * process (kmm-bench executes itself again), so no allocator inherits a
 * heap, a thread cache or glibc's adapted thresholds from an earlier run,
 * and peak_kb counts from after the machine boot and leaves out file-backed
 * pages (.peak_workload): the anonymous memory the workload made resident,
 * not kmm's simulated mem_map nor code paged in for the first time.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "kmm/proc.h"
#include "kmm/slab.h"

#define OBJ_SIZE 64u
#define BULK_N 128u
#define RF_BATCH 256u
#define RF_RING (16u * RF_BATCH) /* objects in flight per producer/consumer pair */
#define MIX_SLOTS 1024u
#define LARGE_SLOTS 64u
#define TOUCH_STRIDE 4096u
#define SLAB_GFP GFP_KERNEL
#define FLOOR_REFILL 32u
#define FLOOR_MAX_CLASSES 10u
/* colour: 13 objects of 296 bytes per 4 KiB slab leave room for 3 colours */
#define COLOUR_SIZE 296u
#ifndef COLOUR_OBJS /* -DCOLOUR_OBJS=N to try another chain length */
#define COLOUR_OBJS 20000u
#endif
#define COLOUR_CACHE "bench_colour296"

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* ---- sizes -------------------------------------------------------------------------------- */

/* 2^(i/256) in 16.16 fixed point: the fraction of an octave. */
static uint32_t exp2_frac[256];
/* floor class of a kmalloc_mixed size, indexed by (size + 7) / 8 */
static uint8_t small_class_of[1024 / 8 + 1];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static const uint32_t obj_classes[] = { OBJ_SIZE };
static const uint32_t small_classes[] = { 8, 16, 32, 64, 96, 128, 192, 256, 512, 1024 };
static const uint32_t large_classes[] = { 2048, 4096, 8192, 16384, 32768, 65536 };

static void tables_init(void)
{
	double v = 65536.0;
	for (unsigned i = 0; i < 256; i++) {
		exp2_frac[i] = (uint32_t)(v + 0.5);
		v *= 1.0027112750502025; /* 2^(1/256) */
	}
	for (unsigned i = 0, c = 0; i <= 1024 / 8; i++) {
		while (small_classes[c] < i * 8)
			c++;
		small_class_of[i] = (uint8_t)c;
	}
}

/*
 * A log-uniform size in [base, base << octaves) from the top 24 bits of
 * @r: the octave and the 8-bit fraction within it are uniform.
 */
static inline size_t log_size(uint64_t r, size_t base, unsigned octaves)
{
	uint64_t x = (r >> 40) * octaves;
	unsigned oct = (unsigned)(x >> 24), frac = (unsigned)(x >> 16) & 0xff;
	return ((base << oct) * exp2_frac[frac]) >> 16;
}

static inline size_t mix_size(uint64_t r)
{
	return log_size(r, 8, 7); /* 8 .. 1023 */
}

static inline size_t large_size(uint64_t r)
{
	return log_size(r, 2048, 5); /* 2 KiB .. 64 KiB - 1 */
}

/* ---- the floor ------------------------------------------------------------------------------ */

struct floor {
	struct fl_node *head[FLOOR_MAX_CLASSES];
	const uint32_t *class_size;
	unsigned nr_classes;
	char *arena, *bump, *end;
	size_t bytes;
	unsigned long *refills;
	/* remote_free consumer: the chain of freed objects not yet handed back */
	struct fl_node *chain_tail;
	unsigned chain_n;
};

/* Carve up to @nr blocks of class @c from the arena onto its list. */
static unsigned floor_carve(struct floor *f, unsigned c, unsigned nr)
{
	size_t sz = f->class_size[c];
	unsigned i;
	for (i = 0; i < nr && f->bump + sz <= f->end; i++, f->bump += sz)
		fl_push(&f->head[c], f->bump);
	return i;
}

static __attribute__((noinline)) void *floor_refill(struct floor *f, unsigned c)
{
	(*f->refills)++;
	floor_carve(f, c, FLOOR_REFILL);
	return fl_pop(&f->head[c]);
}

static inline void *floor_alloc_class(struct floor *f, unsigned c)
{
	void *p = fl_pop(&f->head[c]);
	if (unlikely(!p))
		p = floor_refill(f, c);
	return p;
}

static int floor_init(struct floor *f, struct bench_thread *t, const uint32_t *classes,
		      unsigned nr_classes, size_t arena_bytes, unsigned prefill)
{
	memset(f, 0, sizeof(*f));
	f->class_size = classes;
	f->nr_classes = nr_classes;
	f->refills = &t->slowpath;
	f->bytes = arena_bytes;
	if (arena_bytes) {
		f->arena = bench_map(arena_bytes, false);
		if (!f->arena)
			return -ENOMEM;
		f->bump = f->arena;
		f->end = f->arena + arena_bytes;
	}
	for (unsigned c = 0; c < nr_classes; c++)
		floor_carve(f, c, prefill);
	return 0;
}

static void floor_fini(struct floor *f)
{
	if (f->arena)
		bench_unmap(f->arena, f->bytes);
	f->arena = NULL;
}

static inline unsigned large_class_of(size_t size)
{
	return size <= 2048 ? 0 : (unsigned)(64 - __builtin_clzll(size - 1) - 11);
}

/* ---- the peers ------------------------------------------------------------------------------ */

struct peer {
	const char *name;
	const char *soname; /* NULL: the process's own malloc */
	const char *malloc_sym, *free_sym, *usable_sym;
	void *(*malloc)(size_t);
	void (*free)(void *);
	size_t (*usable)(void *);
	bool tried;
	const char *why; /* NULL once loaded and checked */
	char whybuf[384];
};

static struct peer peers[] = {
	{ .name = "glibc", .malloc = malloc, .free = free, .tried = true },
	{ .name = "jemalloc",
	  .soname = "libjemalloc.so.2",
	  .malloc_sym = "malloc",
	  .free_sym = "free",
	  .usable_sym = "malloc_usable_size" },
	{ .name = "mimalloc",
	  .soname = "libmimalloc.so.2",
	  .malloc_sym = "mi_malloc",
	  .free_sym = "mi_free",
	  .usable_sym = "mi_usable_size" },
	{ .name = "tcmalloc",
	  .soname = "libtcmalloc_minimal.so.4",
	  .malloc_sym = "tc_malloc",
	  .free_sym = "tc_free",
	  .usable_sym = "tc_malloc_size" },
};
#define NR_PEERS (sizeof(peers) / sizeof(peers[0]))

static const char *peer_fail(struct peer *p, const char *fmt, const char *a, const char *b)
{
	int n = snprintf(p->whybuf, sizeof(p->whybuf), "%s: ", p->soname);
	snprintf(p->whybuf + n, sizeof(p->whybuf) - (size_t)n, fmt, a, b);
	p->why = p->whybuf;
	return p->why;
}

/* dladdr() must place @fn in the library @lib_path names. */
static bool in_library(void *fn, const char *soname, const char **where)
{
	Dl_info di;
	*where = "?";
	if (!dladdr(fn, &di) || !di.dli_fname)
		return false;
	*where = di.dli_fname;
	const char *base = strrchr(di.dli_fname, '/');
	base = base ? base + 1 : di.dli_fname;
	size_t n = strcspn(soname, "."); /* "libjemalloc" of "libjemalloc.so.2" */
	return !strncmp(base, soname, n) && base[n] == '.';
}

/* Load and check a peer once per process; NULL if usable, else why not. */
static const char *peer_load(struct peer *p)
{
	if (p->tried)
		return p->why;
	p->tried = true;
	void *h = dlopen(p->soname, RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
	if (!h) {
		const char *e = dlerror();
		bool missing = e && strstr(e, "No such file");
		return peer_fail(p, "dlopen failed (%s)%s", e ? e : "?",
				 missing ? "; scripts/deps.sh installs it" : "");
	}
	void *m = dlsym(h, p->malloc_sym), *f = dlsym(h, p->free_sym), *u = dlsym(h, p->usable_sym);
	if (!m || !f || !u)
		return peer_fail(p, "missing %s or %s (or the usable-size call)", p->malloc_sym,
				 p->free_sym);
	const char *where;
	if (!in_library(m, p->soname, &where))
		return peer_fail(p, "%s resolved into %s", p->malloc_sym, where);
	if (!in_library(f, p->soname, &where))
		return peer_fail(p, "%s resolved into %s", p->free_sym, where);
	if (m == (void *)malloc || f == (void *)free)
		return peer_fail(p, "%s/%s are the process's own", p->malloc_sym, p->free_sym);
	p->malloc = (void *(*)(size_t))m;
	p->free = (void (*)(void *))f;
	p->usable = (size_t(*)(void *))u;
	void *x = p->malloc(100);
	size_t us = x ? p->usable(x) : 0;
	if (x)
		p->free(x);
	if (us < 100)
		return peer_fail(p, "%s(100) gave no usable block%s", p->malloc_sym, "");
	p->why = NULL;
	return NULL;
}

static struct peer *peer_find(const char *name)
{
	for (size_t i = 0; i < NR_PEERS; i++)
		if (!strcmp(peers[i].name, name))
			return &peers[i];
	return NULL;
}

static const char *jemalloc_unavailable(void)
{
	return peer_load(peer_find("jemalloc"));
}

static const char *mimalloc_unavailable(void)
{
	return peer_load(peer_find("mimalloc"));
}

static const char *tcmalloc_unavailable(void)
{
	return peer_load(peer_find("tcmalloc"));
}

/* ---- shared and per-thread state ------------------------------------------------------------- */

/* remote_free: one producer/consumer pair. */
struct rf_pair {
	/* objects the producer published; objects the consumer freed */
	_Alignas(64) atomic_uint_fast64_t tail;
	_Alignas(64) atomic_uint_fast64_t head;
	/* floor: objects the consumer handed back to the producer */
	_Alignas(64) _Atomic(struct fl_node *) returned;
	_Alignas(64) void *ring[RF_RING];
};

/* What prepare makes, once per run. */
struct slab_shared {
	struct kmem_cache *cache; /* kmm object cases, colour */
	struct rf_pair *pairs;	  /* remote_free */
	unsigned nr_pairs;
	/* colour: the cache's geometry from /sys/kernel/slab/<name>/ */
	unsigned long slab_bytes;
	unsigned per_slab;
	char colour[32];
};

enum kind { K_KMM_OBJ, K_KMM_KMALLOC, K_FLOOR_OBJ, K_FLOOR_SMALL, K_FLOOR_LARGE, K_PEER };
enum role { R_SOLO, R_PRODUCER, R_CONSUMER };

struct slab_thread {
	enum kind kind;
	void *a; /* kmem_cache, kmm machine, struct peer, or unused (floor) */
	struct floor floor;
	enum role role;
	struct rf_pair *pair;
	unsigned nr_slots; /* kmalloc cases: the live set */
	void *slot[MIX_SLOTS];
	uint32_t size[MIX_SLOTS];
};

/* ---- the allocators, as the workloads call them (inlined into each) ----------------------------- */

typedef void *(*alloc_fn)(struct slab_thread *st, size_t size);
typedef void (*free_fn)(struct slab_thread *st, void *p, size_t size);

static inline void *kmm_obj_alloc(struct slab_thread *st, size_t size)
{
	(void)size;
	return kmm_kmem_cache_alloc(st->a, SLAB_GFP);
}

static inline void kmm_obj_free(struct slab_thread *st, void *p, size_t size)
{
	(void)size;
	kmm_kmem_cache_free(st->a, p);
}

static inline void *kmm_km_alloc(struct slab_thread *st, size_t size)
{
	return kmm_kmalloc(st->a, size, SLAB_GFP);
}

static inline void kmm_km_free(struct slab_thread *st, void *p, size_t size)
{
	(void)size;
	kmm_kfree(st->a, p);
}

static inline void *floor_obj_alloc(struct slab_thread *st, size_t size)
{
	(void)size;
	return floor_alloc_class(&st->floor, 0);
}

static inline void floor_obj_free(struct slab_thread *st, void *p, size_t size)
{
	(void)size;
	fl_push(&st->floor.head[0], p);
}

static inline void *floor_small_alloc(struct slab_thread *st, size_t size)
{
	return floor_alloc_class(&st->floor, small_class_of[(size + 7) >> 3]);
}

static inline void floor_small_free(struct slab_thread *st, void *p, size_t size)
{
	fl_push(&st->floor.head[small_class_of[(size + 7) >> 3]], p);
}

static inline void *floor_large_alloc(struct slab_thread *st, size_t size)
{
	return floor_alloc_class(&st->floor, large_class_of(size));
}

static inline void floor_large_free(struct slab_thread *st, void *p, size_t size)
{
	fl_push(&st->floor.head[large_class_of(size)], p);
}

/* remote_free producer: own list, then what the consumer handed back, then the arena. */
static __attribute__((noinline)) void *floor_rf_slow(struct slab_thread *st)
{
	struct floor *f = &st->floor;
	if (st->pair) {
		struct fl_node *l = atomic_exchange(&st->pair->returned, NULL);
		if (l) {
			f->head[0] = l->next;
			return l;
		}
	}
	return floor_refill(f, 0);
}

static inline void *floor_rf_alloc(struct slab_thread *st, size_t size)
{
	(void)size;
	void *p = fl_pop(&st->floor.head[0]);
	if (unlikely(!p))
		p = floor_rf_slow(st);
	return p;
}

static __attribute__((noinline)) void floor_rf_publish(struct slab_thread *st)
{
	struct floor *f = &st->floor;
	struct fl_node *old = atomic_load_explicit(&st->pair->returned, memory_order_relaxed);
	do
		f->chain_tail->next = old;
	while (!atomic_compare_exchange_weak(&st->pair->returned, &old, f->head[0]));
	f->head[0] = NULL;
	f->chain_n = 0;
}

/* remote_free consumer: chain the object; hand back every RF_BATCH. */
static inline void floor_rf_free(struct slab_thread *st, void *p, size_t size)
{
	struct floor *f = &st->floor;
	(void)size;
	if (st->role != R_CONSUMER) {
		fl_push(&f->head[0], p);
		return;
	}
	if (!f->head[0])
		f->chain_tail = p;
	fl_push(&f->head[0], p);
	if (unlikely(++f->chain_n == RF_BATCH))
		floor_rf_publish(st);
}

static inline void *peer_alloc(struct slab_thread *st, size_t size)
{
	return ((const struct peer *)st->a)->malloc(size);
}

static inline void peer_free(struct slab_thread *st, void *p, size_t size)
{
	(void)size;
	((const struct peer *)st->a)->free(p);
}

/* The same, chosen at run time: for the untimed setup and teardown. */
static void *any_alloc(struct slab_thread *st, size_t size)
{
	switch (st->kind) {
	case K_KMM_OBJ:
		return kmm_obj_alloc(st, size);
	case K_KMM_KMALLOC:
		return kmm_km_alloc(st, size);
	case K_FLOOR_OBJ:
		return floor_obj_alloc(st, size);
	case K_FLOOR_SMALL:
		return floor_small_alloc(st, size);
	case K_FLOOR_LARGE:
		return floor_large_alloc(st, size);
	case K_PEER:
		return peer_alloc(st, size);
	}
	return NULL;
}

static void any_free(struct slab_thread *st, void *p, size_t size)
{
	switch (st->kind) {
	case K_KMM_OBJ:
		kmm_obj_free(st, p, size);
		break;
	case K_KMM_KMALLOC:
		kmm_km_free(st, p, size);
		break;
	case K_FLOOR_OBJ:
		floor_obj_free(st, p, size);
		break;
	case K_FLOOR_SMALL:
		floor_small_free(st, p, size);
		break;
	case K_FLOOR_LARGE:
		floor_large_free(st, p, size);
		break;
	case K_PEER:
		peer_free(st, p, size);
		break;
	}
}

/* ---- the workloads --------------------------------------------------------------------------------- */

#define WORKLOAD static inline __attribute__((always_inline))

WORKLOAD unsigned long wl_pair(struct slab_thread *st, uint64_t ops, alloc_fn af, free_fn ff)
{
	unsigned long fail = 0;
	for (uint64_t i = 0; i < ops; i++) {
		void *p = af(st, OBJ_SIZE);
		if (unlikely(!p)) {
			fail++;
			continue;
		}
		bench_use(p);
		ff(st, p, OBJ_SIZE);
	}
	return fail;
}

/* @n objects at a time: all allocated, then all freed in the same order. */
WORKLOAD unsigned long wl_batch(struct slab_thread *st, uint64_t ops, unsigned n, alloc_fn af,
				free_fn ff)
{
	void *v[RF_BATCH];
	unsigned long fail = 0;
	for (uint64_t done = 0; done < ops; done += n) {
		for (unsigned i = 0; i < n; i++) {
			v[i] = af(st, OBJ_SIZE);
			fail += !v[i];
		}
		bench_use(v);
		for (unsigned i = 0; i < n; i++)
			if (likely(v[i]))
				ff(st, v[i], OBJ_SIZE);
	}
	return fail;
}

static inline void spin_pause(unsigned *spins)
{
	if (++*spins % 256 == 0) {
		sched_yield();
	} else {
#if defined(__x86_64__) || defined(__i386__)
		__builtin_ia32_pause();
#else
		__asm__ volatile("" ::: "memory");
#endif
	}
}

WORKLOAD unsigned long wl_remote(struct slab_thread *st, uint64_t ops, alloc_fn af, free_fn ff)
{
	struct rf_pair *pr = st->pair;
	unsigned long fail = 0;
	unsigned spins = 0;

	if (st->role == R_SOLO)
		return wl_batch(st, ops, RF_BATCH, af, ff);
	if (st->role == R_PRODUCER) {
		uint64_t tail = atomic_load_explicit(&pr->tail, memory_order_relaxed);
		for (uint64_t done = 0; done < ops; done += RF_BATCH) {
			/* wait for room for one more batch */
			while (tail - atomic_load_explicit(&pr->head, memory_order_acquire) >
			       RF_RING - RF_BATCH)
				spin_pause(&spins);
			for (unsigned i = 0; i < RF_BATCH; i++) {
				void *p = af(st, OBJ_SIZE);
				fail += !p;
				pr->ring[(tail + i) & (RF_RING - 1)] = p;
			}
			tail += RF_BATCH;
			atomic_store_explicit(&pr->tail, tail, memory_order_release);
		}
		return fail;
	}
	uint64_t head = atomic_load_explicit(&pr->head, memory_order_relaxed);
	for (uint64_t done = 0; done < ops; done += RF_BATCH) {
		while (atomic_load_explicit(&pr->tail, memory_order_acquire) == head)
			spin_pause(&spins);
		for (unsigned i = 0; i < RF_BATCH; i++) {
			void *p = pr->ring[(head + i) & (RF_RING - 1)];
			if (likely(p))
				ff(st, p, OBJ_SIZE);
		}
		head += RF_BATCH;
		atomic_store_explicit(&pr->head, head, memory_order_release);
	}
	return 0;
}

WORKLOAD unsigned long wl_mixed(struct bench_thread *t, struct slab_thread *st, uint64_t ops,
				alloc_fn af, free_fn ff)
{
	uint64_t rng = t->rng;
	unsigned long fail = 0;
	for (uint64_t i = 0; i < ops; i++) {
		uint64_t r = bench_rand(&rng);
		unsigned s = (unsigned)(r & (MIX_SLOTS - 1));
		size_t size = mix_size(r);
		if (likely(st->slot[s]))
			ff(st, st->slot[s], st->size[s]);
		void *p = af(st, size);
		fail += !p;
		st->slot[s] = p;
		st->size[s] = (uint32_t)size;
	}
	t->rng = rng;
	return fail;
}

WORKLOAD unsigned long wl_large(struct bench_thread *t, struct slab_thread *st, uint64_t ops,
				alloc_fn af, free_fn ff)
{
	uint64_t rng = t->rng;
	unsigned long fail = 0;
	for (uint64_t i = 0; i < ops; i++) {
		uint64_t r = bench_rand(&rng);
		unsigned s = (unsigned)(r & (LARGE_SLOTS - 1));
		size_t size = large_size(r);
		if (likely(st->slot[s]))
			ff(st, st->slot[s], st->size[s]);
		char *p = af(st, size);
		if (likely(p)) {
			for (size_t off = 0; off < size; off += TOUCH_STRIDE)
				((volatile char *)p)[off] = (char)off;
		} else {
			fail++;
		}
		st->slot[s] = p;
		st->size[s] = (uint32_t)size;
	}
	t->rng = rng;
	return fail;
}

/* ---- setup, teardown, prepare, release ------------------------------------------------------------ */

enum shape { S_OBJ, S_REMOTE, S_MIXED, S_LARGE };

static void slab_teardown(struct bench_thread *t);
static void slab_release(struct kmm_machine *m, unsigned nr_threads, void *shared);

static int slab_setup(struct bench_thread *t, enum kind kind, enum shape shape)
{
	struct slab_shared *sh = t->shared;
	/* mapped, not malloc()ed: the harness's state stays off every heap measured */
	struct slab_thread *st = bench_map(sizeof(*st), false);
	int rc = 0;
	if (!st)
		return -ENOMEM;
	pthread_once(&tables_once, tables_init);
	st->kind = kind;
	t->priv = st;
	if (shape == S_REMOTE && sh && sh->pairs && t->idx / 2 < sh->nr_pairs) {
		st->pair = &sh->pairs[t->idx / 2];
		st->role = t->idx % 2 ? R_CONSUMER : R_PRODUCER;
	}
	switch (kind) {
	case K_KMM_OBJ:
		st->a = sh->cache;
		break;
	case K_KMM_KMALLOC:
		st->a = t->m;
		break;
	case K_FLOOR_OBJ:
		if (st->role == R_CONSUMER) /* frees into its chain only */
			rc = floor_init(&st->floor, t, obj_classes, 1, 0, 0);
		else if (st->role == R_PRODUCER) /* the ring, the chain, a batch each side */
			rc = floor_init(&st->floor, t, obj_classes, 1,
					(RF_RING + 8 * RF_BATCH) * OBJ_SIZE,
					RF_RING + 4 * RF_BATCH);
		else
			rc = floor_init(&st->floor, t, obj_classes, 1, 4 * RF_BATCH * OBJ_SIZE,
					2 * RF_BATCH);
		break;
	case K_FLOOR_SMALL:
		rc = floor_init(&st->floor, t, small_classes, 10, 16u << 20, 256);
		break;
	case K_FLOOR_LARGE:
		rc = floor_init(&st->floor, t, large_classes, 6, 64u << 20, 32);
		break;
	case K_PEER:
		st->a = peer_find(t->impl->name);
		if (!st->a)
			rc = -ENOENT;
		break;
	}
	if (rc) {
		slab_teardown(t); /* the harness only tears down what set up */
		return rc;
	}
	if (shape == S_MIXED || shape == S_LARGE) {
		st->nr_slots = shape == S_MIXED ? MIX_SLOTS : LARGE_SLOTS;
		for (unsigned s = 0; s < st->nr_slots; s++) {
			uint64_t r = bench_rand(&t->rng);
			size_t size = shape == S_MIXED ? mix_size(r) : large_size(r);
			st->slot[s] = any_alloc(st, size);
			st->size[s] = (uint32_t)size;
			t->failures += !st->slot[s];
		}
	}
	t->slowpath = 0; /* count the floor's steady state only */
	return 0;
}

static void slab_teardown(struct bench_thread *t)
{
	struct slab_thread *st = t->priv;
	if (!st)
		return;
	for (unsigned s = 0; s < st->nr_slots; s++)
		if (st->slot[s])
			any_free(st, st->slot[s], st->size[s]);
	floor_fini(&st->floor);
	bench_unmap(st, sizeof(*st));
	t->priv = NULL;
}

static int slab_prepare(struct kmm_machine *m, unsigned nr_threads, void **shared, bool cache,
			bool rings)
{
	struct slab_shared *sh = calloc(1, sizeof(*sh));
	if (!sh)
		return -ENOMEM;
	*shared = sh;
	if (cache) {
		sh->cache = kmm_kmem_cache_create(m, "bench_obj64", OBJ_SIZE, 0, 0, NULL, NULL);
		if (!sh->cache)
			goto fail;
	}
	if (rings && nr_threads >= 2) {
		sh->nr_pairs = nr_threads / 2;
		sh->pairs = aligned_alloc(64, sh->nr_pairs * sizeof(*sh->pairs));
		if (!sh->pairs)
			goto fail;
		memset(sh->pairs, 0, sh->nr_pairs * sizeof(*sh->pairs));
		for (unsigned i = 0; i < sh->nr_pairs; i++) {
			atomic_init(&sh->pairs[i].tail, 0);
			atomic_init(&sh->pairs[i].head, 0);
			atomic_init(&sh->pairs[i].returned, NULL);
		}
	}
	return 0;
fail:
	slab_release(m, nr_threads, sh); /* the harness releases only what prepared */
	*shared = NULL;
	return -ENOMEM;
}

static int kmm_obj_prepare(struct kmm_machine *m, unsigned nr_threads, void **shared)
{
	return slab_prepare(m, nr_threads, shared, true, false);
}

static int kmm_rf_prepare(struct kmm_machine *m, unsigned nr_threads, void **shared)
{
	return slab_prepare(m, nr_threads, shared, true, true);
}

static int rf_prepare(struct kmm_machine *m, unsigned nr_threads, void **shared)
{
	return slab_prepare(m, nr_threads, shared, false, true);
}

static void slab_release(struct kmm_machine *m, unsigned nr_threads, void *shared)
{
	struct slab_shared *sh = shared;
	(void)m;
	(void)nr_threads;
	if (!sh)
		return;
	if (sh->cache)
		kmm_kmem_cache_destroy(sh->cache);
	free(sh->pairs);
	free(sh);
}

/* ---- the implementations of each case ------------------------------------------------------------ */

/* pair64 */
static int kmm_pair_setup(struct bench_thread *t)
{
	return slab_setup(t, K_KMM_OBJ, S_OBJ);
}
static int floor_pair_setup(struct bench_thread *t)
{
	return slab_setup(t, K_FLOOR_OBJ, S_OBJ);
}
static int peer_obj_setup(struct bench_thread *t)
{
	return slab_setup(t, K_PEER, S_OBJ);
}
static void kmm_pair_run(struct bench_thread *t, uint64_t ops)
{
	t->failures += wl_pair(t->priv, ops, kmm_obj_alloc, kmm_obj_free);
}
static void floor_pair_run(struct bench_thread *t, uint64_t ops)
{
	t->failures += wl_pair(t->priv, ops, floor_obj_alloc, floor_obj_free);
}
/*
 * floor-call: the same freelist behind two out-of-line calls, the way
 * kmm's exported functions (and every peer, through its pointers) are
 * called.  noipa keeps gcc from using what it knows of the callee's
 * registers at the call site; clang does no such thing.
 */
#if defined(__clang__)
#define FLOOR_OUT_OF_LINE __attribute__((noinline))
#else
#define FLOOR_OUT_OF_LINE __attribute__((noinline, noipa))
#endif
static FLOOR_OUT_OF_LINE void *floor_call_alloc(struct slab_thread *st, size_t size)
{
	return floor_obj_alloc(st, size);
}
static FLOOR_OUT_OF_LINE void floor_call_free(struct slab_thread *st, void *p, size_t size)
{
	floor_obj_free(st, p, size);
}
static void floor_call_pair_run(struct bench_thread *t, uint64_t ops)
{
	t->failures += wl_pair(t->priv, ops, floor_call_alloc, floor_call_free);
}
static void peer_pair_run(struct bench_thread *t, uint64_t ops)
{
	t->failures += wl_pair(t->priv, ops, peer_alloc, peer_free);
}

/* bulk128 */
static void kmm_bulk_run(struct bench_thread *t, uint64_t ops)
{
	t->failures += wl_batch(t->priv, ops, BULK_N, kmm_obj_alloc, kmm_obj_free);
}
static void floor_bulk_run(struct bench_thread *t, uint64_t ops)
{
	t->failures += wl_batch(t->priv, ops, BULK_N, floor_obj_alloc, floor_obj_free);
}
static void peer_bulk_run(struct bench_thread *t, uint64_t ops)
{
	t->failures += wl_batch(t->priv, ops, BULK_N, peer_alloc, peer_free);
}

/* remote_free */
static int kmm_rf_setup(struct bench_thread *t)
{
	return slab_setup(t, K_KMM_OBJ, S_REMOTE);
}
static int floor_rf_setup(struct bench_thread *t)
{
	return slab_setup(t, K_FLOOR_OBJ, S_REMOTE);
}
static int peer_rf_setup(struct bench_thread *t)
{
	return slab_setup(t, K_PEER, S_REMOTE);
}
static void kmm_rf_run(struct bench_thread *t, uint64_t ops)
{
	t->failures += wl_remote(t->priv, ops, kmm_obj_alloc, kmm_obj_free);
}
static void floor_rf_run(struct bench_thread *t, uint64_t ops)
{
	t->failures += wl_remote(t->priv, ops, floor_rf_alloc, floor_rf_free);
}
static void peer_rf_run(struct bench_thread *t, uint64_t ops)
{
	t->failures += wl_remote(t->priv, ops, peer_alloc, peer_free);
}

/* kmalloc_mixed */
static int kmm_mixed_setup(struct bench_thread *t)
{
	return slab_setup(t, K_KMM_KMALLOC, S_MIXED);
}
static int floor_mixed_setup(struct bench_thread *t)
{
	return slab_setup(t, K_FLOOR_SMALL, S_MIXED);
}
static int peer_mixed_setup(struct bench_thread *t)
{
	return slab_setup(t, K_PEER, S_MIXED);
}
static void kmm_mixed_run(struct bench_thread *t, uint64_t ops)
{
	t->failures += wl_mixed(t, t->priv, ops, kmm_km_alloc, kmm_km_free);
}
static void floor_mixed_run(struct bench_thread *t, uint64_t ops)
{
	t->failures += wl_mixed(t, t->priv, ops, floor_small_alloc, floor_small_free);
}
static void peer_mixed_run(struct bench_thread *t, uint64_t ops)
{
	t->failures += wl_mixed(t, t->priv, ops, peer_alloc, peer_free);
}

/* kmalloc_large */
static int kmm_large_setup(struct bench_thread *t)
{
	return slab_setup(t, K_KMM_KMALLOC, S_LARGE);
}
static int floor_large_setup(struct bench_thread *t)
{
	return slab_setup(t, K_FLOOR_LARGE, S_LARGE);
}
static int peer_large_setup(struct bench_thread *t)
{
	return slab_setup(t, K_PEER, S_LARGE);
}
static void kmm_large_run(struct bench_thread *t, uint64_t ops)
{
	t->failures += wl_large(t, t->priv, ops, kmm_km_alloc, kmm_km_free);
}
static void floor_large_run(struct bench_thread *t, uint64_t ops)
{
	t->failures += wl_large(t, t->priv, ops, floor_large_alloc, floor_large_free);
}
static void peer_large_run(struct bench_thread *t, uint64_t ops)
{
	t->failures += wl_large(t, t->priv, ops, peer_alloc, peer_free);
}

#define KMM_IMPL(var, su, ru, pr)                                         \
	static const struct bench_impl var = { .name = "kmm",             \
					       .needs_machine = true,     \
					       .setup = su,               \
					       .run = ru,                 \
					       .teardown = slab_teardown, \
					       .prepare = pr,             \
					       .release = slab_release }
#define FLOOR_IMPL(var, su, ru, pr)                                       \
	static const struct bench_impl var = { .name = "floor",           \
					       .setup = su,               \
					       .run = ru,                 \
					       .teardown = slab_teardown, \
					       .prepare = pr,             \
					       .release = slab_release }
#define PEER_IMPL(var, nm, unavail, su, ru, pr)                           \
	static const struct bench_impl var = { .name = nm,                \
					       .peer = true,              \
					       .unavailable = unavail,    \
					       .setup = su,               \
					       .run = ru,                 \
					       .teardown = slab_teardown, \
					       .prepare = pr,             \
					       .release = slab_release }
/* kmm, floor and the four peers of one case, in table order (then @extra, or NULL) */
#define SLAB_CASE_X(c, kmm_su, kmm_ru, kmm_pr, fl_su, fl_ru, pe_su, pe_ru, pr, extra, ...)       \
	KMM_IMPL(kmm_##c, kmm_su, kmm_ru, kmm_pr);                                               \
	FLOOR_IMPL(floor_##c, fl_su, fl_ru, pr);                                                 \
	PEER_IMPL(glibc_##c, "glibc", NULL, pe_su, pe_ru, pr);                                   \
	PEER_IMPL(jemalloc_##c, "jemalloc", jemalloc_unavailable, pe_su, pe_ru, pr);             \
	PEER_IMPL(mimalloc_##c, "mimalloc", mimalloc_unavailable, pe_su, pe_ru, pr);             \
	PEER_IMPL(tcmalloc_##c, "tcmalloc", tcmalloc_unavailable, pe_su, pe_ru, pr);             \
	static const struct bench_case case_##c = { .name = #c,                                  \
						    .impls = { &kmm_##c, &floor_##c, &glibc_##c, \
							       &jemalloc_##c, &mimalloc_##c,     \
							       &tcmalloc_##c, extra },           \
						    __VA_ARGS__ }
#define SLAB_CASE(c, kmm_su, kmm_ru, kmm_pr, fl_su, fl_ru, pe_su, pe_ru, pr, ...) \
	SLAB_CASE_X(c, kmm_su, kmm_ru, kmm_pr, fl_su, fl_ru, pe_su, pe_ru, pr, NULL, __VA_ARGS__)

static const struct bench_impl floor_call_pair64 = { .name = "floor-call",
						     .setup = floor_pair_setup,
						     .run = floor_call_pair_run,
						     .teardown = slab_teardown,
						     .release = slab_release };

SLAB_CASE_X(pair64, kmm_pair_setup, kmm_pair_run, kmm_obj_prepare, floor_pair_setup, floor_pair_run,
	    peer_obj_setup, peer_pair_run, NULL, &floor_call_pair64,
	    .op = "64-byte alloc+free pair", .granule = 1, .callgrind_ops = 100000,
	    .floor_target = 3.0);

SLAB_CASE(bulk128, kmm_pair_setup, kmm_bulk_run, kmm_obj_prepare, floor_pair_setup, floor_bulk_run,
	  peer_obj_setup, peer_bulk_run, NULL, .op = "64-byte object (alloc+free), 128 at a time",
	  .granule = BULK_N, .callgrind_ops = 100 * BULK_N);

SLAB_CASE(remote_free, kmm_rf_setup, kmm_rf_run, kmm_rf_prepare, floor_rf_setup, floor_rf_run,
	  peer_rf_setup, peer_rf_run, rf_prepare,
	  .op = "64-byte object allocated on one thread, freed on another", .granule = RF_BATCH,
	  .callgrind_ops = 400 * RF_BATCH, .lockstep = true);

SLAB_CASE(kmalloc_mixed, kmm_mixed_setup, kmm_mixed_run, NULL, floor_mixed_setup, floor_mixed_run,
	  peer_mixed_setup, peer_mixed_run, NULL, .op = "free random slot + alloc 8..1023 bytes",
	  .granule = 1, .callgrind_ops = 50000);

SLAB_CASE(kmalloc_large, kmm_large_setup, kmm_large_run, NULL, floor_large_setup, floor_large_run,
	  peer_large_setup, peer_large_run, NULL,
	  .op = "free random slot + alloc 2..64 KiB, 1 byte written per 4 KiB", .granule = 1,
	  .callgrind_ops = 20000);

/* ---- colour: kmm against itself with slab_colour=off --------------------------------------------- */

/*
 * One cache of COLOUR_SIZE-byte objects (SLAB_NO_MERGE: its own slabs),
 * made by prepare; its geometry as /sys/kernel/slab reports it.
 */
static int colour_prepare(struct kmm_machine *m, unsigned nr_threads, void **shared)
{
	struct slab_shared *sh = calloc(1, sizeof(*sh));
	char buf[64];
	(void)nr_threads;
	if (!sh)
		return -ENOMEM;
	*shared = sh;
	sh->cache =
		kmm_kmem_cache_create(m, COLOUR_CACHE, COLOUR_SIZE, 0, SLAB_NO_MERGE, NULL, NULL);
	if (!sh->cache)
		goto fail;
	if (kmm_proc_read(m, "/sys/kernel/slab/" COLOUR_CACHE "/colour", sh->colour,
			  sizeof(sh->colour)) <= 0)
		goto fail;
	sh->colour[strcspn(sh->colour, "\n")] = '\0';
	if (kmm_proc_read(m, "/sys/kernel/slab/" COLOUR_CACHE "/order", buf, sizeof(buf)) <= 0)
		goto fail;
	sh->slab_bytes = 4096ul << strtoul(buf, NULL, 10);
	if (kmm_proc_read(m, "/sys/kernel/slab/" COLOUR_CACHE "/objs_per_slab", buf, sizeof(buf)) <=
	    0)
		goto fail;
	sh->per_slab = (unsigned)strtoul(buf, NULL, 10);
	if (!sh->per_slab)
		goto fail;
	return 0;
fail:
	slab_release(m, nr_threads, sh);
	*shared = NULL;
	return -EINVAL;
}

struct colour_thread {
	void *cursor;	 /* where the chain walk goes on */
	unsigned nr_obj; /* objects allocated */
	void *obj[COLOUR_OBJS];
	void *sorted[COLOUR_OBJS];
};

static int cmp_addr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t) * (void *const *)a, y = (uintptr_t) * (void *const *)b;
	return x < y ? -1 : x > y;
}

static void colour_teardown(struct bench_thread *t)
{
	struct colour_thread *ct = t->priv;
	struct slab_shared *sh = t->shared;
	if (!ct)
		return;
	for (unsigned i = 0; i < ct->nr_obj; i++)
		kmm_kmem_cache_free(sh->cache, ct->obj[i]);
	bench_unmap(ct, sizeof(*ct));
	t->priv = NULL;
}

/*
 * Allocate COLOUR_OBJS objects, then chain the first object of every slab
 * they fill completely (the lowest address of its slab: slot 0, which
 * starts at the slab's colour offset) in a random cyclic order through
 * the objects' first words.  A slab some of whose objects were left in a
 * CPU array is left out.  The note gives the cache's colours, the chain
 * length and how many distinct in-slab offsets its lines have.
 */
static int colour_setup(struct bench_thread *t)
{
	struct slab_shared *sh = t->shared;
	struct colour_thread *ct = bench_map(sizeof(*ct), false);
	if (!ct)
		return -ENOMEM;
	t->priv = ct;
	for (unsigned i = 0; i < COLOUR_OBJS; i++) {
		ct->obj[i] = kmm_kmem_cache_alloc(sh->cache, SLAB_GFP);
		if (!ct->obj[i]) {
			colour_teardown(t);
			return -ENOMEM;
		}
		ct->nr_obj++;
	}
	memcpy(ct->sorted, ct->obj, sizeof(ct->obj));
	qsort(ct->sorted, COLOUR_OBJS, sizeof(ct->sorted[0]), cmp_addr);

	/* the chain is built in place at the front of sorted[] */
	uintptr_t mask = sh->slab_bytes - 1;
	unsigned len = 0, nr_off = 0;
	uintptr_t offs[64];
	for (unsigned i = 0, j; i < COLOUR_OBJS; i = j) {
		uintptr_t slab = (uintptr_t)ct->sorted[i] & ~mask;
		for (j = i + 1; j < COLOUR_OBJS && ((uintptr_t)ct->sorted[j] & ~mask) == slab; j++)
			;
		if (j - i != sh->per_slab)
			continue;
		uintptr_t off = (uintptr_t)ct->sorted[i] & mask;
		unsigned o = 0;
		while (o < nr_off && offs[o] != off)
			o++;
		if (o == nr_off && nr_off < 64)
			offs[nr_off++] = off;
		ct->sorted[len++] = ct->sorted[i];
	}
	if (len < 2) {
		colour_teardown(t);
		return -EINVAL;
	}
	for (unsigned i = len - 1; i > 0; i--) {
		unsigned j = (unsigned)(bench_rand(&t->rng) % (i + 1));
		void *x = ct->sorted[i];
		ct->sorted[i] = ct->sorted[j];
		ct->sorted[j] = x;
	}
	for (unsigned i = 0; i < len; i++)
		*(void **)ct->sorted[i] = ct->sorted[(i + 1) % len];
	ct->cursor = ct->sorted[0];
	snprintf(t->note, sizeof(t->note), "colour \"%s\", %u/slab, chain of %u slabs, %u offset%s",
		 sh->colour, sh->per_slab, len, nr_off, nr_off == 1 ? "" : "s");
	return 0;
}

/* One op: one dependent load from the next slab's first object. */
static void colour_run(struct bench_thread *t, uint64_t ops)
{
	struct colour_thread *ct = t->priv;
	void *p = ct->cursor;
	for (uint64_t i = 0; i < ops; i++)
		p = *(void *const *)p;
	ct->cursor = p;
}

static const struct bench_impl kmm_colour = { .name = "kmm",
					      .needs_machine = true,
					      .setup = colour_setup,
					      .run = colour_run,
					      .teardown = colour_teardown,
					      .prepare = colour_prepare,
					      .release = slab_release };
static const struct bench_impl kmm_nocolour_colour = { .name = "kmm-nocolour",
						       .needs_machine = true,
						       .cmdline_extra = "slab_colour=off",
						       .setup = colour_setup,
						       .run = colour_run,
						       .teardown = colour_teardown,
						       .prepare = colour_prepare,
						       .release = slab_release };
static const struct bench_case case_colour = {
	.name = "colour",
	.op = "one dependent load from the first object of the next slab (296-byte objects)",
	.granule = 1,
	.callgrind_ops = 100000,
	.max_threads = 1,
	.impls = { &kmm_colour, &kmm_nocolour_colour },
};

/* ---- the suite ------------------------------------------------------------------------------------ */

static const struct bench_case *const slab_cases[] = {
	&case_pair64, &case_bulk128, &case_remote_free, &case_kmalloc_mixed, &case_kmalloc_large,
	&case_colour, NULL,
};

const struct bench_suite bench_suite_slab = {
	.name = "slab",
	.description = "kmem_cache and kmalloc vs bare freelists, glibc, jemalloc, mimalloc, "
		       "tcmalloc",
	.cmdline = "quiet mem=1G",
	.cases = slab_cases,
	.time_s = 0.4,
	.isolate = true,
	.peak_workload = true,
};
