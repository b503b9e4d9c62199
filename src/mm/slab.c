/* SPDX-License-Identifier: MIT */
/*
 * src/mm/slab.c - the slab allocator: cache geometry, slabs and their
 * full/partial/free lists, colouring, constructors and destructors, the
 * per-CPU object arrays (loaded + previous), the per-node barn of full and
 * empty arrays, and the always-on free checks (mm/slab.c of Linux <= 6.4,
 * with the sheaves and barn of Linux 6.18's mm/slub.c).
 *
 * Fast paths: an allocation pops the CPU's loaded array; a free checks the
 * object's state byte and pushes it onto the loaded array.  Everything else
 * (swapping in the previous array, trading with the barn, refilling from
 * and flushing to the slab lists, growing and shrinking) is out of line.
 * Debug caches (slab_debug=) skip the arrays: every operation takes the
 * slab lists' lock and runs slab_debug.c's checks.  See slab.h for the
 * slab layout and the locking rules.
 */
#include "slab.h"

#define SLAB_MAX_ORDER PAGE_ALLOC_COSTLY_ORDER
#define OFFSLAB_MIN_SIZE 512

/*
 * An array with no room and no objects: kmem_cache_cpu.hot when the CPU
 * has no loaded array, so that the fast paths need no NULL test.  Never
 * written (both fast paths leave it alone: nothing to pop, no room).
 */
static const struct array_cache slab_no_array = { .top = (uintptr_t *)slab_no_array.entry,
						  .end = (uintptr_t *)slab_no_array.entry,
						  .limit = 0 };

static inline void cc_sync_hot(struct kmem_cache_cpu *cc)
{
	cc->hot = cc->loaded ? cc->loaded : (struct array_cache *)&slab_no_array;
}

/* ---- geometry ------------------------------------------------------------ */

size_t kmem_cache_struct_size(const struct kmm_machine *m)
{
	return KMM_ALIGN_UP(sizeof(struct kmem_cache), (size_t)64) +
	       sizeof(struct kmem_cache_cpu) * (size_t)m->nr_cpu_ids +
	       sizeof(struct kmem_cache_node) * (size_t)m->nr_node_ids;
}

static unsigned int mgmt_bytes(unsigned int num)
{
	return (unsigned int)sizeof(struct slab_mgmt) + ((num + 1u) & ~1u) + num * 2u;
}

/* Objects per slab of @order for slot @size, management on- or off-slab. */
static unsigned int objs_per_slab(unsigned int order, unsigned int size, unsigned int align,
				  bool offslab, unsigned int *left)
{
	unsigned long bytes = KMM_PAGE_SIZE << order;
	unsigned long num = offslab ? bytes / size : bytes / (size + 3u);
	while (num) {
		unsigned long used = num * size;
		if (!offslab)
			used += KMM_ALIGN_UP((unsigned long)mgmt_bytes((unsigned)num), align);
		if (used <= bytes) {
			*left = (unsigned)(bytes - used);
			break;
		}
		num--;
	}
	return (unsigned)KMM_MIN(num, 0xffffUL);
}

/*
 * Linux calculate_order(): the smallest order with at least min_objects
 * objects and at most 1/8 waste, up to PAGE_ALLOC_COSTLY_ORDER.
 */
static void calculate_order(struct kmem_cache *s, unsigned int min_objects)
{
	unsigned int best_order = 0, best_left = ~0u, num = 0, left = 0;
	for (unsigned order = 0; order <= SLAB_MAX_ORDER; order++) {
		num = objs_per_slab(order, s->size, s->align, s->offslab, &left);
		if (!num)
			continue;
		unsigned long bytes = KMM_PAGE_SIZE << order;
		if (num >= min_objects && (unsigned long)left * 8 <= bytes) {
			best_order = order;
			break;
		}
		/* fall back to the order with the least relative waste */
		if ((unsigned long)left * (KMM_PAGE_SIZE << SLAB_MAX_ORDER) / bytes < best_left) {
			best_left = (unsigned)((unsigned long)left *
					       (KMM_PAGE_SIZE << SLAB_MAX_ORDER) / bytes);
			best_order = order;
		}
	}
	s->order = best_order;
	s->num = objs_per_slab(best_order, s->size, s->align, s->offslab, &left);
	s->mgmt_size = mgmt_bytes(s->num);
	s->slab_mask = ~((KMM_PAGE_SIZE << s->order) - 1);
	s->colour_off = 64;
	s->colour = s->machine->slab.no_colour ? 0 : left / s->colour_off;
}

/* Default array sizes (Linux SLAB enable_cpucache). */
static void default_tunables(struct kmem_cache *s)
{
	unsigned limit;
	if (s->size > 131072)
		limit = 1;
	else if (s->size > KMM_PAGE_SIZE)
		limit = 8;
	else if (s->size > 1024)
		limit = 24;
	else if (s->size > 256)
		limit = 54;
	else
		limit = 120;
	s->limit = limit;
	s->batchcount = (limit + 1) / 2;
	s->shared = s->size <= KMM_PAGE_SIZE ? 8 : 0;
}

static uint64_t slab_rng_next(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* The most a node's free limit grows to, as a multiple of its base. */
#define FREE_LIMIT_MAX_SCALE 32

static void node_set_free_limit(struct kmem_cache *s, struct kmem_cache_node *n)
{
	/* Linux: (1 + nr_cpus) * batchcount + objects per slab */
	n->free_limit = (1UL + (unsigned long)s->machine->nr_cpu_ids) * s->batchcount + s->num;
	n->free_limit_base = n->free_limit;
	n->churn = false;
}

/*
 * A slab grown after the node gave one back since its last growth: the
 * node is churning (objects freed in bursts on one CPU, allocated again
 * on another), and every slab destroyed and regrown costs a round trip
 * through the page allocator and, through the per-CPU page lists, fresh
 * memory.  Raise the free limit to cover every object of the node (at
 * least double it), up to FREE_LIMIT_MAX_SCALE times its base;
 * kmem_cache_shrink() and new tunables bring it back.  list_lock held.
 */
static void node_note_grow(struct kmem_cache *s, struct kmem_cache_node *n)
{
	if (n->churn) {
		/* at least double, at most the scale cap: enough for every
		 * object the node has now */
		unsigned long want = KMM_MAX(n->free_limit * 2, n->total_slabs * s->num);
		n->free_limit = KMM_MIN(want, n->free_limit_base * FREE_LIMIT_MAX_SCALE);
	}
	n->churn = false;
}

/*
 * Linux calculate_alignment(): at least a word; with SLAB_HWCACHE_ALIGN
 * a cache line, or the smallest power of two at least half the size.
 */
unsigned int calculate_alignment(slab_flags_t flags, unsigned int align, unsigned int size)
{
	unsigned int a = align < sizeof(void *) ? (unsigned)sizeof(void *) : align;
	if (flags & SLAB_HWCACHE_ALIGN) {
		unsigned int ralign = 64;
		while (size <= ralign / 2)
			ralign /= 2;
		a = KMM_MAX(a, ralign);
	}
	return a;
}

int kmm_slab_cache_setup(struct kmem_cache *s, const char *name, unsigned int size,
			 unsigned int align, slab_flags_t flags, void (*ctor)(void *),
			 void (*dtor)(void *))
{
	struct kmm_machine *m = s->machine;
	s->ram = m->ram;
	s->ram_bytes = m->ram_bytes;
	s->pfn_slab = m->slab.pfn_slab;
	kmm_strlcpy(s->name, name, sizeof(s->name));
	s->object_size = size;
	s->flags = flags;
	s->ctor = ctor;
	s->dtor = dtor;
	s->refcount = 1;
	unsigned int a = calculate_alignment(flags, align, size);
	s->align = a;
	unsigned int slot = KMM_ALIGN_UP(size, a), obj_offset = 0, inuse = size;
	if (slab_debug_on(s))
		slab_debug_layout(s, &slot, &obj_offset, &inuse);
	s->size = slot;
	s->obj_offset = obj_offset;
	s->inuse = inuse;
	s->reciprocal_size = (uint32_t)(((1ULL << 32) + slot - 1) / slot);
	s->size_shift = (unsigned)__builtin_ctz(slot);
	uint64_t odd = slot >> s->size_shift, inv = odd; /* Newton: 3 -> 6 -> ... 96 bits */
	for (int i = 0; i < 5; i++)
		inv *= 2 - odd * inv;
	s->inv_size = inv;
	s->offslab = slot >= OFFSLAB_MIN_SIZE && m->slab.state >= SLAB_PARTIAL &&
		     m->slab.kmalloc_caches[KMALLOC_NORMAL][8] != NULL;
	unsigned int cpus = (unsigned)m->nr_cpu_ids;
	unsigned int min_objects = 4 * (kmm_fls64(cpus) + 1);
	calculate_order(s, min_objects);
	if (!s->num)
		return -KMM_EINVAL;
	s->allocflags = __GFP_COMP;
	if (flags & SLAB_CACHE_DMA)
		s->allocflags |= __GFP_DMA;
	else if (flags & SLAB_CACHE_DMA32)
		s->allocflags |= __GFP_DMA32;
	if (flags & SLAB_RECLAIM_ACCOUNT)
		s->allocflags |= __GFP_RECLAIMABLE;
	uint64_t seed = atomic_fetch_add(&m->slab.rng, 0x9e3779b97f4a7c15ULL);
	s->secret = (uintptr_t)slab_rng_next(&seed) | 1;
	s->secret2 = (uintptr_t)slab_rng_next(&seed);
	s->mgkey = (uintptr_t)s ^ s->secret;
	/* off-slab caches: the slab starts with an object, which the free
	 * fast path must not read; its range test fails for every address */
	s->onslab_bytes = s->offslab ? 0 : s->ram_bytes;
	/* CPU arrays once the kmalloc caches exist, never for debug caches */
	s->fastpath = m->slab.state == SLAB_UP && !slab_debug_on(s);
	s->secret16 = (uint16_t)slab_rng_next(&seed);
	default_tunables(s);
	s->min_partial = 5;
	s->aliases = NULL;
	INIT_LIST_HEAD(&s->list);
	/* per-CPU and per-node structures follow the cache structure */
	unsigned char *tail = (unsigned char *)s + KMM_ALIGN_UP(sizeof(*s), (size_t)64);
	s->cpu_slab = (struct kmem_cache_cpu *)(void *)tail;
	kmm_memset(s->cpu_slab, 0, sizeof(struct kmem_cache_cpu) * cpus);
	for (unsigned int cpu = 0; cpu < cpus; cpu++)
		cc_sync_hot(&s->cpu_slab[cpu]);
	struct kmem_cache_node *nodes =
		(struct kmem_cache_node *)(void *)(tail + sizeof(struct kmem_cache_cpu) * cpus);
	for (int nid = 0; nid < MAX_NUMNODES; nid++)
		s->node[nid] = NULL;
	for (int nid = 0; nid < m->nr_node_ids; nid++) {
		struct kmem_cache_node *n = &nodes[nid];
		kmm_memset(n, 0, sizeof(*n));
		spin_lock_init(&n->list_lock);
		INIT_LIST_HEAD(&n->slabs_partial);
		INIT_LIST_HEAD(&n->slabs_full);
		INIT_LIST_HEAD(&n->slabs_free);
		INIT_LIST_HEAD(&n->barn_full);
		INIT_LIST_HEAD(&n->barn_empty);
		n->rng = slab_rng_next(&seed);
		node_set_free_limit(s, n);
		s->node[nid] = n;
	}
	return 0;
}

/* ---- slab lookup ------------------------------------------------------------ */

struct slab *virt_to_slab(struct kmm_machine *m, const void *addr)
{
	return __virt_to_slab(m, addr);
}
static inline struct kmem_cache_node *slab_node(struct kmem_cache *s, struct slab *slab)
{
	return s->node[kmm_page_to_nid(slab_page(slab))];
}

/* ---- growing and freeing slabs ------------------------------------------------- */

/* Point the pfn map entries of a slab's 2^order frames at @slab (0: clear). */
static void slab_map_set(struct kmm_machine *m, struct page *page, unsigned order, uintptr_t slab)
{
	kmm_pfn_t pfn = kmm_page_to_pfn(m, page);
	for (kmm_pfn_t i = 0; i < (1UL << order); i++)
		atomic_store_explicit(&m->slab.pfn_slab[pfn + i], slab, memory_order_relaxed);
}

static inline uint16_t fl_get(const struct kmem_cache *s, struct slab_mgmt *mg, unsigned i)
{
	return (uint16_t)(slab_freelist(s, mg)[i] ^ s->secret16);
}
static inline void fl_set(const struct kmem_cache *s, struct slab_mgmt *mg, unsigned i,
			  unsigned idx)
{
	slab_freelist(s, mg)[i] = (uint16_t)(idx ^ s->secret16);
}

/* Allocate and initialise a slab on @nid; NULL on failure.  No lock held. */
static struct slab *cache_grow(struct kmem_cache *s, gfp_t gfp, int nid)
{
	struct kmm_machine *m = s->machine;
	gfp_t pgfp = (gfp & (__GFP_RECLAIM | __GFP_IO | __GFP_FS | __GFP_NOWARN | __GFP_NORETRY |
			     __GFP_RETRY_MAYFAIL | __GFP_NOFAIL | __GFP_HIGH | __GFP_NOMEMALLOC |
			     __GFP_THISNODE)) |
		     s->allocflags;
	struct page *page = kmm_alloc_pages_node(m, nid, pgfp, s->order);
	if (!page)
		return NULL;
	nid = kmm_page_to_nid(page);
	struct kmem_cache_node *n = s->node[nid];
	struct slab_mgmt *mg;
	unsigned char *base = kmm_page_address(m, page);
	if (s->offslab) {
		/* the caller's context: a GFP_NOWAIT allocation (inside reclaim)
		 * must not enter reclaim for its management block either */
		mg = kmalloc_nosheaf(m, s->mgmt_size, pgfp & ~s->allocflags);
		if (!mg) {
			__kmm_free_pages(m, page, s->order);
			return NULL;
		}
		mg->offslab = 1;
	} else {
		mg = (struct slab_mgmt *)(void *)base;
		mg->offslab = 0;
	}
	spin_lock(&n->list_lock);
	unsigned colour = n->colour_next;
	if (s->colour)
		n->colour_next = (n->colour_next + 1) % s->colour;
	uint64_t rng = slab_rng_next(&n->rng);
	spin_unlock(&n->list_lock);

	struct slab *slab = page_slab(page);
	slab->slab_cache = s;
	slab->mgmt = mg;
	slab->s_mem = base + (s->offslab ? 0 : KMM_ALIGN_UP(s->mgmt_size, s->align)) +
		      (size_t)colour * s->colour_off;
	mg->active = 0;
	mg->obj0_off = (uint32_t)(slab->s_mem - base) + s->obj_offset;
	mg->check = s->offslab ? 0 : s->mgkey ^ (uintptr_t)mg;
	/* CONFIG_SLAB_FREELIST_RANDOM: a shuffled order for new slabs */
	uint16_t *fl = slab_freelist(s, mg);
	for (unsigned i = 0; i < s->num; i++)
		fl[i] = (uint16_t)i;
	for (unsigned i = s->num - 1; i > 0; i--) {
		unsigned j = (unsigned)(slab_rng_next(&rng) % (i + 1));
		uint16_t t = fl[i];
		fl[i] = fl[j];
		fl[j] = t;
	}
	for (unsigned i = 0; i < s->num; i++)
		fl_set(s, mg, i, fl[i]);
	atomic_uchar *st = slab_states(s, mg);
	for (unsigned i = 0; i < s->num; i++) {
		atomic_store_explicit(&st[i], OBJ_FREE, memory_order_relaxed);
		void *slot = slab->s_mem + (size_t)i * s->size;
		if (unlikely(slab_debug_on(s)))
			slab_debug_init_object(s, slot);
		if (s->ctor)
			s->ctor((unsigned char *)slot + s->obj_offset);
	}
	SetPageSlab(page);
	slab_map_set(m, page, s->order, (uintptr_t)slab);
	mod_node_page_state(m, NODE_DATA(m, nid),
			    (s->flags & SLAB_RECLAIM_ACCOUNT) ? NR_SLAB_RECLAIMABLE_B :
								NR_SLAB_UNRECLAIMABLE_B,
			    (long)(KMM_PAGE_SIZE << s->order));
	return slab;
}

/* Return an empty slab to the buddy; destructors run now.  No lock held. */
static void slab_destroy(struct kmem_cache *s, struct slab *slab)
{
	struct kmm_machine *m = s->machine;
	struct page *page = slab_page(slab);
	if (s->dtor)
		for (unsigned i = 0; i < s->num; i++)
			s->dtor(index_to_obj(s, slab, i));
	int nid = kmm_page_to_nid(page);
	mod_node_page_state(m, NODE_DATA(m, nid),
			    (s->flags & SLAB_RECLAIM_ACCOUNT) ? NR_SLAB_RECLAIMABLE_B :
								NR_SLAB_UNRECLAIMABLE_B,
			    -(long)(KMM_PAGE_SIZE << s->order));
	struct slab_mgmt *mg = slab->mgmt;
	mg->check = 0; /* a stale block must never pass the check again */
	slab_map_set(m, page, s->order, 0);
	ClearPageSlab(page);
	slab->slab_cache = NULL;
	slab->s_mem = NULL;
	slab->mgmt = NULL;
	INIT_LIST_HEAD(&slab->slab_list);
	if (mg->offslab)
		kfree_nosheaf(m, mg);
	__kmm_free_pages(m, page, s->order);
}

/* ---- the slab lists (list_lock held) ---------------------------------------- */

/* Take one free object off @slab's freelist; -1 if the freelist is corrupt. */
static int slab_take_index(struct kmem_cache *s, struct kmem_cache_node *n, struct slab *slab,
			   enum obj_state new_state)
{
	struct slab_mgmt *mg = slab->mgmt;
	atomic_uchar *st = slab_states(s, mg);
	for (;;) {
		if (mg->active >= s->num)
			return -1;
		unsigned idx = fl_get(s, mg, mg->active);
		if (unlikely(idx >= s->num ||
			     atomic_load_explicit(&st[idx], memory_order_relaxed) != OBJ_FREE)) {
			/* isolate the broken entry and keep going */
			mg->active++;
			n->free_objects--;
			slab_report_freelist(s, slab,
					     idx >= s->num ? "freelist index out of range" :
							     "freelist entry is not free");
			continue;
		}
		mg->active++;
		n->free_objects--;
		atomic_store_explicit(&st[idx], (unsigned char)new_state, memory_order_relaxed);
		if (mg->active == s->num) {
			list_move(&slab->slab_list, &n->slabs_full);
			n->partial_slabs--;
		}
		return (int)idx;
	}
}

/* A slab to allocate from, moving a free slab to the partial list. */
static struct slab *get_partial(struct kmem_cache_node *n)
{
	if (!list_empty(&n->slabs_partial))
		return list_first_entry(&n->slabs_partial, struct slab, slab_list);
	if (!list_empty(&n->slabs_free)) {
		struct slab *slab = list_first_entry(&n->slabs_free, struct slab, slab_list);
		list_move(&slab->slab_list, &n->slabs_partial);
		n->free_slabs--;
		n->partial_slabs++;
		return slab;
	}
	return NULL;
}

/* Put object @idx of @slab back on its freelist. */
static void slab_put_index(struct kmem_cache *s, struct kmem_cache_node *n, struct slab *slab,
			   unsigned idx, struct list_head *to_destroy)
{
	struct slab_mgmt *mg = slab->mgmt;
	atomic_store_explicit(&slab_states(s, mg)[idx], OBJ_FREE, memory_order_relaxed);
	bool was_full = mg->active == s->num;
	fl_set(s, mg, --mg->active, idx);
	n->free_objects++;
	if (mg->active == 0) {
		list_move(&slab->slab_list, &n->slabs_free);
		if (!was_full)
			n->partial_slabs--;
		n->free_slabs++;
		/* too many free objects on this node: the slab goes back,
		 * unless the node keeps fewer than min_partial spare slabs */
		if (n->free_objects > n->free_limit && n->free_slabs > s->min_partial) {
			n->churn = true;
			list_move(&slab->slab_list, to_destroy);
			n->free_slabs--;
			n->total_slabs--;
			n->free_objects -= s->num;
		}
	} else if (was_full) {
		list_move(&slab->slab_list, &n->slabs_partial);
		n->partial_slabs++;
	}
}

static void destroy_list(struct kmem_cache *s, struct list_head *l)
{
	while (!list_empty(l)) {
		struct slab *slab = list_first_entry(l, struct slab, slab_list);
		list_del(&slab->slab_list);
		slab_destroy(s, slab);
	}
}

/* Add a freshly grown slab to its node's free list. */
static void add_new_slab(struct kmem_cache *s, struct slab *slab)
{
	struct kmem_cache_node *n = slab_node(s, slab);
	spin_lock(&n->list_lock);
	node_note_grow(s, n);
	list_add_tail(&slab->slab_list, &n->slabs_free);
	n->free_slabs++;
	n->total_slabs++;
	n->free_objects += s->num;
	spin_unlock(&n->list_lock);
}

static int node_of_request(struct kmem_cache *s, int nid)
{
	struct kmm_machine *m = s->machine;
	if (nid < 0 || nid >= m->nr_node_ids || !s->node[nid] || !m->node_data[nid]) {
		struct kmm_cpu *c = kmm_get_cpu(m);
		nid = c->node;
		kmm_put_cpu(m, c);
	}
	return nid;
}

/*
 * Take up to @nr objects from node @nid's slabs (growing as needed), each
 * put into state @st.  Returns the number taken.
 */
static unsigned take_objects(struct kmem_cache *s, gfp_t gfp, int nid, void **out,
			     atomic_uchar **sts, unsigned nr, enum obj_state st)
{
	struct kmem_cache_node *n = s->node[nid];
	unsigned got = 0;
	while (got < nr) {
		spin_lock(&n->list_lock);
		struct slab *slab;
		while (got < nr && (slab = get_partial(n)) != NULL) {
			int idx = slab_take_index(s, n, slab, st);
			if (idx >= 0) {
				if (sts)
					sts[got] = &slab_states(s, slab->mgmt)[idx];
				out[got++] = index_to_obj(s, slab, (unsigned)idx);
			}
		}
		spin_unlock(&n->list_lock);
		if (got == nr)
			break;
		slab = cache_grow(s, gfp, nid);
		if (!slab)
			break;
		add_new_slab(s, slab);
		/* a grown slab may sit on another node if @nid ran dry */
		int snid = kmm_page_to_nid(slab_page(slab));
		if (snid != nid) {
			n = s->node[snid];
			nid = snid;
		}
	}
	return got;
}

/* Return objects (already checked) to their slabs. */
static void put_objects(struct kmem_cache *s, void **objs, unsigned nr)
{
	struct kmm_machine *m = s->machine;
	LIST_HEAD_DECL(to_destroy);
	struct kmem_cache_node *locked = NULL;
	for (unsigned i = 0; i < nr; i++) {
		struct slab *slab = virt_to_slab(m, objs[i]);
		struct kmem_cache_node *n = slab_node(s, slab);
		if (n != locked) {
			if (locked)
				spin_unlock(&locked->list_lock);
			spin_lock(&n->list_lock);
			locked = n;
		}
		slab_put_index(s, n, slab, (unsigned)obj_to_index(s, slab, objs[i]), &to_destroy);
	}
	if (locked)
		spin_unlock(&locked->list_lock);
	destroy_list(s, &to_destroy);
}

void *slab_alloc_nosheaf(struct kmem_cache *s, gfp_t gfp, int nid)
{
	void *obj;
	nid = node_of_request(s, nid);
	if (!take_objects(s, gfp, nid, &obj, NULL, 1, OBJ_ALLOCATED))
		return NULL;
	return obj;
}

void slab_free_nosheaf(struct kmem_cache *s, struct slab *slab, void *obj)
{
	(void)slab;
	put_objects(s, &obj, 1);
}

/* ---- CPU arrays and the barn ------------------------------------------------- */

/*
 * An array entry is the object and the address of its state byte, both
 * obfuscated: allocation checks and flips the state byte without looking
 * the slab up again, and an overflow into an array cannot plant a pointer
 * of its choosing.
 */
static inline void sheaf_push_at(const struct kmem_cache *s, struct array_cache *a, uintptr_t *e,
				 void *obj, atomic_uchar *st)
{
	uintptr_t lo = obj_hide(s, obj), hi = (uintptr_t)st ^ s->secret2;
	/*
	 * Two separate 8-byte stores: merged into one 16-byte store (as gcc
	 * would), the next pop's 8-byte load of the upper half cannot be
	 * forwarded from it on some cores and stalls.  The empty asm hides
	 * @hi from the store-merging and vectorising passes.
	 */
	__asm__("" : "+r"(hi));
	e[0] = lo;
	e[1] = hi;
	a->top = e + 2;
}

static inline void sheaf_push(const struct kmem_cache *s, struct array_cache *a, void *obj,
			      atomic_uchar *st)
{
	sheaf_push_at(s, a, a->top, obj, st);
}

static inline void *sheaf_pop(const struct kmem_cache *s, struct array_cache *a, atomic_uchar **st)
{
	uintptr_t *e = a->top - 2;
	a->top = e;
	*st = (atomic_uchar *)(e[1] ^ s->secret2);
	return obj_reveal(s, e[0]);
}

/* A free never enters reclaim for an array: without one, the object goes back to its slab. */
#define GFP_SHEAF_FREE (GFP_NOWAIT | __GFP_NOWARN)

static struct array_cache *sheaf_alloc(struct kmem_cache *s, gfp_t gfp)
{
	struct array_cache *a =
		kmalloc_nosheaf(s->machine, sizeof(*a) + 2 * sizeof(uintptr_t) * s->limit, gfp);
	if (a) {
		a->top = a->entry;
		a->end = a->entry + 2 * (size_t)s->limit;
		a->limit = s->limit;
		INIT_LIST_HEAD(&a->barn);
	}
	return a;
}

static void sheaf_free(struct kmem_cache *s, struct array_cache *a)
{
	kfree_nosheaf(s->machine, a);
}

/* Give every object of @a back to the slabs. */
static void sheaf_flush(struct kmem_cache *s, struct array_cache *a)
{
	void *objs[64];
	atomic_uchar *st;
	while (ac_avail(a)) {
		unsigned k = 0;
		while (ac_avail(a) && k < KMM_ARRAY_SIZE(objs))
			objs[k++] = sheaf_pop(s, a, &st);
		put_objects(s, objs, k);
	}
}

/* Fill @a with up to batchcount objects from the slabs of the CPU's node. */
static void sheaf_refill(struct kmem_cache *s, struct kmm_cpu *c, struct array_cache *a, gfp_t gfp)
{
	void *objs[128];
	atomic_uchar *sts[128];
	unsigned want = KMM_MIN(KMM_MIN(s->batchcount, a->limit - ac_avail(a)),
				(unsigned)KMM_ARRAY_SIZE(objs));
	unsigned got = take_objects(s, gfp, c->node, objs, sts, want ? want : 1, OBJ_CACHED);
	unsigned i = 0;
	/* growing may have reclaimed, and reclaim may have freed objects of
	 * this cache into @a meanwhile (the fast path): push what still fits */
	for (; i < got && a->top < a->end; i++)
		sheaf_push(s, a, objs[i], sts[i]);
	if (i < got)
		put_objects(s, objs + i, got - i);
}

/* Trade an empty loaded array for a full one from the barn. */
static bool barn_get_full(struct kmem_cache *s, struct kmem_cache_cpu *cc, int nid)
{
	struct kmem_cache_node *n = s->node[nid];
	struct array_cache *full = NULL;
	/* a racy peek (the kernel's data_race()): the locked test decides */
	if (!__atomic_load_n(&n->nr_barn_full, __ATOMIC_RELAXED))
		return false;
	spin_lock(&n->list_lock);
	if (!list_empty(&n->barn_full)) {
		full = list_first_entry(&n->barn_full, struct array_cache, barn);
		list_del_init(&full->barn);
		__atomic_store_n(&n->nr_barn_full, n->nr_barn_full - 1, __ATOMIC_RELAXED);
		if (cc->loaded && cc->loaded->limit == s->limit && n->nr_barn_empty < s->shared) {
			list_add(&cc->loaded->barn, &n->barn_empty);
			n->nr_barn_empty++;
			cc->loaded = NULL;
		}
	}
	spin_unlock(&n->list_lock);
	if (!full)
		return false;
	if (cc->loaded)
		sheaf_free(s, cc->loaded);
	cc->loaded = full;
	return true;
}

/* Park the full previous array in the barn; get an empty one back. */
static bool barn_put_full(struct kmem_cache *s, struct kmem_cache_cpu *cc, int nid)
{
	struct kmem_cache_node *n = s->node[nid];
	struct array_cache *empty = NULL;
	if (__atomic_load_n(&n->nr_barn_full, __ATOMIC_RELAXED) >= s->shared)
		return false;
	spin_lock(&n->list_lock);
	if (n->nr_barn_full < s->shared) {
		list_add_tail(&cc->prev->barn, &n->barn_full);
		__atomic_store_n(&n->nr_barn_full, n->nr_barn_full + 1, __ATOMIC_RELAXED);
		cc->prev = NULL;
		if (!list_empty(&n->barn_empty)) {
			empty = list_first_entry(&n->barn_empty, struct array_cache, barn);
			list_del_init(&empty->barn);
			n->nr_barn_empty--;
		}
	}
	spin_unlock(&n->list_lock);
	if (cc->prev)
		return false; /* the barn filled up meanwhile */
	cc->prev = empty ? empty : sheaf_alloc(s, GFP_SHEAF_FREE);
	return true;
}

/* Allocation slow path: the loaded array is empty (or missing). */
static void *__alloc_refill(struct kmem_cache *s, struct kmm_cpu *c, gfp_t gfp, atomic_uchar **st);

/* *st: the state byte to flip, or NULL if the object is allocated already. */
static __attribute__((noinline)) void *alloc_refill(struct kmem_cache *s, struct kmm_cpu *c,
						    gfp_t gfp, atomic_uchar **st)
{
	/*
	 * Already inside a slow path of this CPU's arrays: the page allocator
	 * under it went into reclaim, and reclaim allocates too (swap cache
	 * nodes).  The outer call still works on the arrays (it may be
	 * refilling or replacing the one we would use): leave them alone and
	 * take the object straight from the slabs.
	 */
	if (c->slab_busy) {
		*st = NULL;
		return slab_alloc_nosheaf(s, gfp, c->node);
	}
	struct kmem_cache_cpu *cc = cache_cpu(s, c);
	c->slab_busy++;
	cc->hot = (struct array_cache *)&slab_no_array; /* arrays change under us */
	void *obj = __alloc_refill(s, c, gfp, st);
	cc_sync_hot(cc);
	c->slab_busy--;
	return obj;
}

static void *__alloc_refill(struct kmem_cache *s, struct kmm_cpu *c, gfp_t gfp, atomic_uchar **st)
{
	struct kmem_cache_cpu *cc = &s->cpu_slab[c->id];
	struct array_cache *a;
	cc->refills++;
	/* 1. the previous array */
	if (cc->prev && ac_avail(cc->prev)) {
		a = cc->prev;
		cc->prev = cc->loaded;
		cc->loaded = a;
		return sheaf_pop(s, a, st);
	}
	/* arrays of an old size (tunables changed) are retired here */
	if (cc->loaded && cc->loaded->limit != s->limit) {
		sheaf_flush(s, cc->loaded);
		sheaf_free(s, cc->loaded);
		cc->loaded = NULL;
	}
	/* 2. a full array from the barn */
	if (s->shared && barn_get_full(s, cc, c->node)) {
		a = cc->loaded;
		return sheaf_pop(s, a, st);
	}
	/* 3. refill from the slab lists */
	if (!cc->loaded)
		cc->loaded = sheaf_alloc(s, gfp);
	a = cc->loaded;
	*st = NULL;
	if (!a) /* no memory for an array: serve one object directly */
		return slab_alloc_nosheaf(s, gfp, c->node);
	sheaf_refill(s, c, a, gfp);
	if (!ac_avail(a))
		return NULL;
	return sheaf_pop(s, a, st);
}

/* Free slow path: the loaded array is full (or missing). */
static void __free_flush(struct kmem_cache *s, struct kmm_cpu *c, void *obj, atomic_uchar *st);

static __attribute__((noinline)) void free_flush(struct kmem_cache *s, struct kmm_cpu *c, void *obj,
						 atomic_uchar *st)
{
	if (c->slab_busy) {
		/* nested in a slow path of this CPU (see alloc_refill) */
		put_objects(s, &obj, 1);
		return;
	}
	struct kmem_cache_cpu *cc = cache_cpu(s, c);
	c->slab_busy++;
	cc->hot = (struct array_cache *)&slab_no_array; /* arrays change under us */
	__free_flush(s, c, obj, st);
	cc_sync_hot(cc);
	c->slab_busy--;
}

static void __free_flush(struct kmem_cache *s, struct kmm_cpu *c, void *obj, atomic_uchar *st)
{
	struct kmem_cache_cpu *cc = &s->cpu_slab[c->id];
	struct array_cache *a;
	cc->flushes++;
	if (cc->loaded && cc->loaded->limit != s->limit) {
		sheaf_flush(s, cc->loaded);
		sheaf_free(s, cc->loaded);
		cc->loaded = NULL;
	}
	if (!cc->loaded) {
		cc->loaded = sheaf_alloc(s, GFP_SHEAF_FREE);
		if (!cc->loaded) {
			put_objects(s, &obj, 1);
			return;
		}
	} else if (cc->prev && !ac_avail(cc->prev) && cc->prev->limit == s->limit) {
		/* 1. swap with the empty previous array */
		a = cc->prev;
		cc->prev = cc->loaded;
		cc->loaded = a;
	} else {
		/* 2. park the previous array in the barn, or flush it */
		if (cc->prev &&
		    !(s->shared && ac_avail(cc->prev) && barn_put_full(s, cc, c->node))) {
			sheaf_flush(s, cc->prev);
			if (cc->prev->limit != s->limit) {
				sheaf_free(s, cc->prev);
				cc->prev = sheaf_alloc(s, GFP_SHEAF_FREE);
			}
		}
		if (!cc->prev)
			cc->prev = sheaf_alloc(s, GFP_SHEAF_FREE);
		if (!cc->prev) {
			put_objects(s, &obj, 1);
			return;
		}
		a = cc->prev;
		cc->prev = cc->loaded;
		cc->loaded = a;
	}
	sheaf_push(s, cc->loaded, obj, st);
}

/* ---- allocation and free ------------------------------------------------------ */

static void *slab_alloc_debug(struct kmem_cache *s, gfp_t gfp, int nid, unsigned long caller)
{
	for (;;) {
		void *obj = slab_alloc_nosheaf(s, gfp, nid);
		if (!obj)
			return NULL;
		struct slab *slab = virt_to_slab(s->machine, obj);
		if (slab_debug_alloc(s, slab, obj, caller))
			return obj;
		/* a corrupt object was reported and quarantined: take another */
	}
}

static __attribute__((noinline)) void bad_array_entry(struct kmem_cache *s, void *obj)
{
	slab_report_freelist(s, virt_to_slab(s->machine, obj),
			     "CPU array entry is not a cached object of this cache");
}

/*
 * The general allocation path: any cache, any CPU binding, any flags.  The
 * fast path below handles the common case and lands here for the rest.
 */
static __attribute__((noinline)) void *slab_alloc_general(struct kmem_cache *s, gfp_t gfp, int nid)
{
	/* reached by tail calls: our return address is the API caller's */
	unsigned long caller = (unsigned long)__builtin_return_address(0);
	struct kmm_machine *m = s->machine;
	void *obj;
	if (nid >= 0 || !s->fastpath) {
		obj = slab_debug_on(s) ? slab_alloc_debug(s, gfp, nid, caller) :
					 slab_alloc_nosheaf(s, gfp, nid);
		goto out;
	}
	for (;;) {
		struct kmm_cpu *c = kmm_get_cpu(m);
		struct array_cache *a = s->cpu_slab[c->id].loaded;
		atomic_uchar *st;
		if (a && ac_avail(a))
			obj = sheaf_pop(s, a, &st);
		else
			obj = alloc_refill(s, c, gfp, &st);
		kmm_put_cpu(m, c);
		if (!obj)
			return NULL;
		if (!st)
			break; /* allocated straight from a slab */
		/* the entry must name a cached object in this machine's RAM */
		if ((uintptr_t)st - (uintptr_t)m->ram < m->ram_bytes &&
		    atomic_load_explicit(st, memory_order_relaxed) == OBJ_CACHED) {
			atomic_store_explicit(st, OBJ_ALLOCATED, memory_order_relaxed);
			break;
		}
		bad_array_entry(s, obj);
	}
out:
	if (obj && (gfp & __GFP_ZERO))
		kmm_memset(obj, 0, s->object_size);
	return obj;
}

/*
 * The allocation fast path, a leaf: a bound CPU pops its loaded array and
 * flips the object's state byte from CACHED to ALLOCATED.  The state
 * byte's address travels with the object in the array (no slab lookup).
 * A cache has CPU arrays only while s->fastpath holds (debug caches and
 * caches of the boot's PARTIAL state never get one), so an object in the
 * hot array (slab_no_array when nothing is loaded) is the whole test.
 */
static KMM_ALWAYS_INLINE void *__slab_alloc_fast(struct kmm_machine *m, struct kmem_cache *s,
						 gfp_t gfp, bool no_zero)
{
	struct kmm_cpu *c = kmm_this_cpu_fast(m);
	if (likely(c && (no_zero || !(gfp & __GFP_ZERO)))) {
		struct array_cache *a = cache_cpu(s, c)->hot;
		uintptr_t *t = a->top;
		if (likely(t != a->entry)) {
			uintptr_t *e = t - 2;
			atomic_uchar *st = (atomic_uchar *)(e[1] ^ s->secret2);
			if (likely((uintptr_t)st - (uintptr_t)s->ram < s->ram_bytes &&
				   atomic_load_explicit(st, memory_order_relaxed) == OBJ_CACHED)) {
				a->top = e;
				atomic_store_explicit(st, OBJ_ALLOCATED, memory_order_relaxed);
				return obj_reveal(s, e[0]);
			}
		}
	}
	return slab_alloc_general(s, gfp, -1);
}

static KMM_ALWAYS_INLINE void *slab_alloc_fast(struct kmem_cache *s, gfp_t gfp)
{
	return __slab_alloc_fast(s->machine, s, gfp, false);
}

void *slab_alloc_node(struct kmem_cache *s, gfp_t gfp, int nid, unsigned long caller)
{
	if (unlikely(nid >= 0))
		return slab_alloc_general(s, gfp, nid);
	(void)caller; /* the general path finds it itself */
	return slab_alloc_fast(s, gfp);
}

/* The general free path: every check, every report, any CPU binding. */
static __attribute__((noinline)) void slab_free_general(struct kmem_cache *s, struct slab *slab,
							void *obj)
{
	unsigned long caller = (unsigned long)__builtin_return_address(0);
	struct kmm_machine *m = s->machine;
	int idx = obj_to_index(s, slab, obj);
	if (idx < 0) {
		slab_report_bad_free(s, slab, obj,
				     "Invalid object pointer (not the start of an object)", caller);
		return;
	}
	atomic_uchar *st = &slab_states(s, slab->mgmt)[idx];
	unsigned char state = atomic_load_explicit(st, memory_order_relaxed);
	if (state != OBJ_ALLOCATED) {
		slab_report_bad_free(s, slab, obj,
				     state == OBJ_QUARANTINED ?
					     "Object is quarantined (reported corrupt)" :
					     "Object already free",
				     caller);
		return;
	}
	if (!s->fastpath) {
		if (slab_debug_on(s) && !slab_debug_free(s, slab, obj, caller))
			return;
		put_objects(s, &obj, 1);
		return;
	}
	atomic_store_explicit(st, OBJ_CACHED, memory_order_relaxed);
	struct kmm_cpu *c = kmm_get_cpu(m);
	struct array_cache *a = s->cpu_slab[c->id].loaded;
	if (a && a->top < a->end)
		sheaf_push(s, a, obj, st);
	else
		free_flush(s, c, obj, st);
	kmm_put_cpu(m, c);
}

/*
 * Push @obj, whose management block is @mg (and whose user areas start
 * at @first), onto the loaded array of the bound CPU @c: false, with
 * nothing changed, unless @obj is exactly the start of an ALLOCATED
 * object and the array has room.  The index test catches interior
 * pointers, the state byte every double free.
 */
static KMM_ALWAYS_INLINE bool cpu_free_push(struct kmem_cache *s, struct kmm_cpu *c,
					    struct slab_mgmt *mg, uintptr_t first, void *obj)
{
	uint64_t q = ((uintptr_t)obj - first) * s->inv_size;
	uintptr_t idx = (uintptr_t)((q >> s->size_shift) | (q << ((-s->size_shift) & 63)));
	if (unlikely(idx >= s->num))
		return false;
	atomic_uchar *st = &mg->states[idx];
	struct array_cache *a = cache_cpu(s, c)->hot;
	uintptr_t *t = a->top;
	if (unlikely(t >= a->end ||
		     atomic_load_explicit(st, memory_order_relaxed) != OBJ_ALLOCATED))
		return false;
	atomic_store_explicit(st, OBJ_CACHED, memory_order_relaxed);
	sheaf_push_at(s, a, t, obj, st);
	return true;
}

static KMM_ALWAYS_INLINE void __slab_free_fast(struct kmm_machine *m, struct kmem_cache *s,
					       struct slab *slab, void *obj)
{
	struct kmm_cpu *c = kmm_this_cpu_fast(m);
	if (likely(c &&
		   cpu_free_push(s, c, slab->mgmt, (uintptr_t)slab->s_mem + s->obj_offset, obj)))
		return;
	slab_free_general(s, slab, obj);
}

static KMM_ALWAYS_INLINE void slab_free_fast(struct kmem_cache *s, struct slab *slab, void *obj)
{
	__slab_free_fast(s->machine, s, slab, obj);
}

void slab_free(struct kmem_cache *s, struct slab *slab, void *obj, unsigned long caller)
{
	(void)caller;
	slab_free_fast(s, slab, obj);
}

#define CALLER ((unsigned long)__builtin_return_address(0))

void *kmm_kmem_cache_alloc(struct kmem_cache *s, gfp_t gfp)
{
	return slab_alloc_fast(s, gfp);
}

/*
 * kmalloc and kfree fast paths live here, next to the cache fast paths
 * they inline (the rest of the family is in slab_common.c).
 */
void *kmm_kmalloc(struct kmm_machine *m, size_t size, gfp_t gfp)
{
	/* 1 .. 8192 bytes from a kmalloc-N cache: the one table lookup;
	 * DMA, reclaimable and zeroed requests take the slow path */
	if (likely(size - 1 < KMALLOC_MAX_CACHE_SIZE &&
		   !(gfp & (__GFP_DMA | __GFP_RECLAIMABLE | __GFP_ZERO))))
		/* a kmalloc cache of @m: the CPU binding is tested against @m
		 * itself, no load of s->machine */
		return __slab_alloc_fast(
			m,
			m->slab.kmalloc_caches[KMALLOC_NORMAL]
					      [kmalloc_size_index_8k[(size - 1) >> 3]],
			gfp, true);
	return kmalloc_slowpath(m, size, gfp, CALLER);
}

/*
 * kfree(): the slab from its struct page (the page start of a slab that
 * is not on-slab, or of a large buffer, is somebody's data: it is never
 * read here), then the cache's free fast path.
 */
void kmm_kfree(struct kmm_machine *m, const void *p)
{
	struct slab *slab = __virt_to_slab(m, p);
	if (likely(slab)) {
		/* the map is @m's: so is the slab's cache */
		__slab_free_fast(m, slab->slab_cache, slab, (void *)p);
		return;
	}
	if (!ZERO_OR_NULL_PTR(p))
		kfree_large(m, p, CALLER);
}

static __attribute__((noinline)) void cache_free_bad(struct kmem_cache *s, struct slab *slab,
						     void *obj, unsigned long caller)
{
	if (!slab)
		slab_report_invalid(s->machine, obj,
				    "kmem_cache_free of a pointer outside any slab", caller);
	else
		slab_report_bad_free(s, slab, obj, "Wrong slab cache", caller);
}

/*
 * kmem_cache_free() without the on-slab fast path: the slab from its
 * struct page.  Reached by a tail call: our return address is the API
 * caller's.
 */
static __attribute__((noinline)) void cache_free_general(struct kmem_cache *s, void *obj)
{
	struct slab *slab = ___virt_to_slab(s->ram, s->ram_bytes, s->pfn_slab, obj);
	if (likely(slab && slab->slab_cache == s)) {
		slab_free_fast(s, slab, obj);
		return;
	}
	if (obj)
		cache_free_bad(s, slab, obj, CALLER);
}

/*
 * kmem_cache_free() of an on-slab cache: the management block is at the
 * start of the (naturally aligned) slab; no struct page lookup.  The
 * block is trusted only if its check word equals mgkey ^ its address.
 */
void kmm_kmem_cache_free(struct kmem_cache *s, void *obj)
{
	struct kmm_cpu *c = kmm_this_cpu_fast(s->machine);
	uintptr_t base = (uintptr_t)obj & s->slab_mask;
	if (likely(c && (uintptr_t)obj - (uintptr_t)s->ram < s->onslab_bytes)) {
		struct slab_mgmt *mg = (struct slab_mgmt *)base;
		if (likely(mg->check == (s->mgkey ^ base) &&
			   cpu_free_push(s, c, mg, base + mg->obj0_off, obj)))
			return;
	}
	cache_free_general(s, obj);
}

/* ---- flushing, shrinking, destroying ------------------------------------------ */

static void flush_cpu_cache(struct kmem_cache *s, int cpu)
{
	struct kmem_cache_cpu *cc = &s->cpu_slab[cpu];
	struct array_cache *arr[2] = { cc->loaded, cc->prev };
	cc->loaded = cc->prev = NULL;
	cc_sync_hot(cc);
	for (int i = 0; i < 2; i++)
		if (arr[i]) {
			sheaf_flush(s, arr[i]);
			sheaf_free(s, arr[i]);
		}
}

static void flush_barns(struct kmem_cache *s)
{
	struct kmm_machine *m = s->machine;
	for (int nid = 0; nid < m->nr_node_ids; nid++) {
		struct kmem_cache_node *n = s->node[nid];
		LIST_HEAD_DECL(sheaves);
		spin_lock(&n->list_lock);
		while (!list_empty(&n->barn_full))
			list_move(n->barn_full.next, &sheaves);
		while (!list_empty(&n->barn_empty))
			list_move(n->barn_empty.next, &sheaves);
		__atomic_store_n(&n->nr_barn_full, 0, __ATOMIC_RELAXED);
		n->nr_barn_empty = 0;
		spin_unlock(&n->list_lock);
		while (!list_empty(&sheaves)) {
			struct array_cache *a =
				list_first_entry(&sheaves, struct array_cache, barn);
			list_del(&a->barn);
			sheaf_flush(s, a);
			sheaf_free(s, a);
		}
	}
}

static bool cache_has_arrays(struct kmem_cache *k, void *cpu)
{
	struct kmem_cache_cpu *cc = &k->cpu_slab[((struct kmm_cpu *)cpu)->id];
	return cc->loaded || cc->prev;
}

/* Flush CPU @c's arrays of @s (every cache if NULL); caller owns slot @c. */
void slab_flush_cpu(struct kmm_machine *m, struct kmm_cpu *c, struct kmem_cache *s)
{
	if (s) {
		flush_cpu_cache(s, c->id);
		return;
	}
	/* every cache: find one under the lock, flush it outside */
	for (;;) {
		struct kmem_cache *victim = slab_first_cache(m, cache_has_arrays, c);
		if (!victim)
			return;
		flush_cpu_cache(victim, c->id);
	}
}

/*
 * Flush every CPU's arrays of @s: ours now, free slots by claiming them,
 * slots held by other threads by posting the work and waiting (bounded)
 * for them to do it at their next call, as an IPI would.
 */
void slab_flush_all_cpus(struct kmm_machine *m, struct kmem_cache *s)
{
	struct kmm_cpu *self = kmm_get_cpu(m);
	slab_flush_cpu(m, self, s);
	for (int i = 0; i < m->nr_cpu_ids; i++) {
		struct kmm_cpu *c = &m->cpus[i];
		if (c == self)
			continue;
		for (unsigned spins = 0; spins < 100000; spins++) {
			if (kmm_cpu_try_claim(c)) {
				slab_flush_cpu(m, c, s);
				kmm_cpu_release(c);
				break;
			}
			if (spins == 0)
				kmm_cpu_post_work(c, KMM_CPU_FLUSH_SLAB);
			else if (!(atomic_load(&c->pending) & KMM_CPU_FLUSH_SLAB))
				break; /* the holder did it */
			kmm_port_yield();
		}
	}
	kmm_put_cpu(m, self);
}

int __kmem_cache_shrink(struct kmem_cache *s)
{
	struct kmm_machine *m = s->machine;
	slab_flush_all_cpus(m, s);
	flush_barns(s);
	int freed = 0;
	for (int nid = 0; nid < m->nr_node_ids; nid++) {
		struct kmem_cache_node *n = s->node[nid];
		LIST_HEAD_DECL(to_destroy);
		spin_lock(&n->list_lock);
		node_set_free_limit(s, n); /* back to its base */
		while (!list_empty(&n->slabs_free)) {
			list_move(n->slabs_free.next, &to_destroy);
			n->free_slabs--;
			n->total_slabs--;
			n->free_objects -= s->num;
			freed++;
		}
		spin_unlock(&n->list_lock);
		destroy_list(s, &to_destroy);
	}
	return freed;
}

unsigned long __kmem_cache_shutdown(struct kmem_cache *s)
{
	struct kmm_machine *m = s->machine;
	__kmem_cache_shrink(s);
	unsigned long live = 0;
	for (int nid = 0; nid < m->nr_node_ids; nid++) {
		struct kmem_cache_node *n = s->node[nid];
		struct list_head *lists[2] = { &n->slabs_partial, &n->slabs_full };
		spin_lock(&n->list_lock);
		for (int l = 0; l < 2; l++) {
			struct list_head *pos;
			list_for_each (pos, lists[l]) {
				struct slab *slab = list_entry(pos, struct slab, slab_list);
				atomic_uchar *st = slab_states(s, slab->mgmt);
				for (unsigned i = 0; i < s->num; i++) {
					unsigned char v = atomic_load(&st[i]);
					if (v == OBJ_ALLOCATED || v == OBJ_CACHED) {
						live++;
						slab_report_leak(s, slab, index_to_obj(s, slab, i));
					}
				}
			}
		}
		spin_unlock(&n->list_lock);
	}
	return live;
}

int slab_set_tunables(struct kmem_cache *s, unsigned limit, unsigned batchcount, unsigned shared)
{
	struct kmm_machine *m = s->machine;
	if (!limit || limit > SLAB_MAX_LIMIT || !batchcount || batchcount > limit)
		return -KMM_EINVAL;
	/* arrays of the old size retire at their next slow path; barns now */
	s->limit = limit;
	s->batchcount = batchcount;
	s->shared = shared;
	for (int nid = 0; nid < m->nr_node_ids; nid++)
		node_set_free_limit(s, s->node[nid]);
	flush_barns(s);
	slab_flush_all_cpus(m, s);
	return 0;
}

/* ---- statistics and validation ------------------------------------------------- */

void kmm_get_slabinfo(struct kmem_cache *s, struct slabinfo *si)
{
	struct kmm_machine *m = s->machine;
	kmm_memset(si, 0, sizeof(*si));
	for (int nid = 0; nid < m->nr_node_ids; nid++) {
		struct kmem_cache_node *n = s->node[nid];
		spin_lock(&n->list_lock);
		si->num_slabs += n->total_slabs;
		si->free_slabs += n->free_slabs;
		si->partial_slabs += n->partial_slabs;
		si->num_objs += n->total_slabs * s->num;
		si->active_objs += n->total_slabs * s->num - n->free_objects;
		struct list_head *pos;
		list_for_each (pos, &n->barn_full) {
			struct array_cache *a = list_entry(pos, struct array_cache, barn);
			si->shared_avail += ac_avail(a);
		}
		spin_unlock(&n->list_lock);
	}
	si->active_slabs = si->num_slabs - si->free_slabs;
	si->pages = si->num_slabs << s->order;
	for (int cpu = 0; cpu < m->nr_cpu_ids; cpu++) {
		struct kmem_cache_cpu *cc = &s->cpu_slab[cpu];
		/* racy snapshot of another CPU's arrays, as /proc reads are */
		struct array_cache *a = __atomic_load_n(&cc->loaded, __ATOMIC_RELAXED);
		struct array_cache *b = __atomic_load_n(&cc->prev, __ATOMIC_RELAXED);
		si->cpu_slabs += (a != NULL) + (b != NULL);
		/* racy: another CPU may be changing its array right now */
		if (a)
			si->cpu_cached += ac_avail_racy(a);
		if (b)
			si->cpu_cached += ac_avail_racy(b);
	}
	si->cpu_cached += si->shared_avail;
}

/* Does the pfn map name @slab for each of its frames? */
static bool slab_map_covers(struct kmm_machine *m, struct kmem_cache *s, struct slab *slab)
{
	kmm_pfn_t pfn = kmm_page_to_pfn(m, slab_page(slab));
	for (kmm_pfn_t i = 0; i < (1UL << s->order); i++)
		if (atomic_load_explicit(&m->slab.pfn_slab[pfn + i], memory_order_relaxed) !=
		    (uintptr_t)slab)
			return false;
	return true;
}

unsigned long kmm_slab_validate(struct kmem_cache *s)
{
	struct kmm_machine *m = s->machine;
	unsigned long bad = 0;
	for (int nid = 0; nid < m->nr_node_ids; nid++) {
		struct kmem_cache_node *n = s->node[nid];
		struct list_head *lists[3] = { &n->slabs_partial, &n->slabs_full, &n->slabs_free };
		spin_lock(&n->list_lock);
		unsigned long free_seen = 0;
		for (int l = 0; l < 3; l++) {
			struct list_head *pos;
			list_for_each (pos, lists[l]) {
				struct slab *slab = list_entry(pos, struct slab, slab_list);
				struct slab_mgmt *mg = slab->mgmt;
				atomic_uchar *st = slab_states(s, mg);
				bool ok = PageSlab(slab_page(slab)) && slab->slab_cache == s &&
					  mg->active <= s->num && slab_map_covers(m, s, slab);
				unsigned nfree = 0;
				for (unsigned i = 0; ok && i < s->num; i++)
					nfree += atomic_load(&st[i]) == OBJ_FREE;
				for (unsigned i = mg->active; ok && i < s->num; i++) {
					unsigned idx = fl_get(s, mg, i);
					if (idx >= s->num || atomic_load(&st[idx]) != OBJ_FREE)
						ok = false;
				}
				if (ok && nfree != s->num - mg->active)
					ok = false;
				if (ok && ((l == 1) != (mg->active == s->num) ||
					   (l == 2) != (mg->active == 0)))
					ok = false;
				if (!ok) {
					slab_report_freelist(s, slab, "slab state inconsistent");
					bad++;
				} else if (slab_debug_on(s)) {
					bad += slab_debug_validate_slab(s, slab);
				}
				free_seen += s->num - mg->active;
			}
		}
		if (free_seen != n->free_objects) {
			pr_err(s->machine,
			       "BUG %s (Not tainted): node %d counts %lu free objects, slabs hold %lu",
			       s->name, nid, n->free_objects, free_seen);
			bad++;
		}
		spin_unlock(&n->list_lock);
	}
	return bad;
}
