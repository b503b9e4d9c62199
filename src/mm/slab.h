/* SPDX-License-Identifier: MIT */
/*
 * src/mm/slab.h - the slab allocator's types, shared by slab.c (caches,
 * slabs, CPU arrays, the barn), slab_common.c (bootstrap, kmalloc,
 * merging) and slab_debug.c (red zones, poison, owners, reports)
 * (mm/slab.h in Linux).
 *
 * Layout of a slab (a compound page of 2^order pages):
 *
 *   on-slab management       |colour| obj 0 | obj 1 | ... | obj n-1 | leftover
 *   [hdr][state][freelist]    ^s_mem
 *
 * With off-slab management (objects of 512 bytes and more, once the small
 * kmalloc caches exist) the management block is a kmalloc object and the
 * slab holds only objects.  The management block holds:
 *   hdr        check word (on-slab blocks), offset of
 *              object 0, active (objects not on the freelist)
 *   state      one byte per object (an even count): FREE (on the
 *              freelist), ALLOCATED, CACHED (free, in a CPU array or the
 *              barn), QUARANTINED (reported corrupt: never handed out again)
 *   freelist   u16 indices of free objects, a stack over [active, num),
 *              each XOR'd with the cache's 16-bit secret
 * Nothing about free objects is stored inside them, so an overflow cannot
 * redirect the allocator, and the state byte makes every double free and
 * every bogus free one byte test.
 *
 * Locking: a CPU's arrays belong to its slot (no lock); kmem_cache_node
 * list_lock guards the node's slab lists, counters, colour and barn, and
 * every management block of the node's slabs except the state bytes of
 * objects in the ALLOCATED/CACHED states, which only their holder
 * changes.  m->slab.lock guards the cache list.  Order: CPU slot ->
 * m->slab.lock -> list_lock -> zone->lock (slab growth calls the page
 * allocator with list_lock dropped).
 */
#ifndef KMM_SRC_MM_SLAB_H
#define KMM_SRC_MM_SLAB_H

#include "internal.h"
#include "kmm/slab.h"

enum slab_state { SLAB_DOWN, SLAB_PARTIAL, SLAB_UP };

enum obj_state { OBJ_FREE = 0, OBJ_ALLOCATED = 1, OBJ_CACHED = 2, OBJ_QUARANTINED = 3 };

/* The slab view of a slab's head struct page (mm/slab.h struct slab). */
struct slab {
	atomic_ulong __page_flags;
	struct list_head slab_list;
	struct kmem_cache *slab_cache; /* overlays page->mapping: NULL again on free */
	unsigned char *s_mem;	       /* first object slot */
	struct slab_mgmt *mgmt;
	union {
		atomic_int __page_mapcount;
		atomic_uint __page_type;
	};
	atomic_int __page_refcount;
	unsigned long __debug_handle;
};
_Static_assert(sizeof(struct slab) == sizeof(struct page), "struct slab overlays struct page");
_Static_assert(offsetof(struct slab, slab_list) == offsetof(struct page, lru), "slab_list");
_Static_assert(offsetof(struct slab, slab_cache) == offsetof(struct page, mapping), "slab_cache");
_Static_assert(offsetof(struct slab, __page_refcount) == offsetof(struct page, _refcount),
	       "refcount");

struct slab_mgmt {
	/*
	 * On-slab blocks sit at the start of their naturally aligned slab:
	 * kmem_cache_free() finds them by masking the object address and
	 * trusts them only if check == cache ^ secret ^ block address
	 * (cleared when the slab goes back to the buddy).
	 */
	uintptr_t check;
	uint32_t obj0_off; /* user area of object 0, from the slab start */
	uint16_t active;
	uint16_t offslab;
	/* one state byte per object (padded to an even count), then the
	 * freelist: states first, at a fixed offset, for the free fast path */
	atomic_uchar states[];
};

static inline struct slab *page_slab(struct page *p)
{
	return (struct slab *)p;
}
static inline struct page *slab_page(struct slab *s)
{
	return (struct page *)s;
}
static inline atomic_uchar *slab_states(const struct kmem_cache *s, struct slab_mgmt *mg);

/*
 * One per-CPU object array (a magazine, a sheaf).  The fill level is kept
 * as pointers, so the fast paths index nothing: an array holds
 * (top - entry) / 2 objects and has room while top < end.
 */
struct array_cache {
	uintptr_t *top;	       /* the next free entry pair */
	uintptr_t *end;	       /* entry + 2 * limit */
	unsigned int limit;    /* capacity */
	struct list_head barn; /* on a node's barn list */
	uintptr_t entry[];     /* obfuscated (object, state byte) pairs */
};
/* Objects in @a (ac_avail_racy: of another CPU's array, for the views). */
static inline unsigned ac_avail(const struct array_cache *a)
{
	return (unsigned)((size_t)(a->top - a->entry) / 2);
}
static inline unsigned ac_avail_racy(const struct array_cache *a)
{
	uintptr_t *t = __atomic_load_n((uintptr_t **)&a->top, __ATOMIC_RELAXED);
	return (unsigned)((size_t)(t - a->entry) / 2);
}

/* The largest CPU array that fits the largest kmalloc cache. */
#define SLAB_MAX_LIMIT                                                      \
	((unsigned)((KMALLOC_MAX_CACHE_SIZE - sizeof(struct array_cache)) / \
		    (2 * sizeof(uintptr_t))))

struct kmem_cache_cpu {
	/* the fast paths' array: loaded, or slab_no_array (never NULL) */
	struct array_cache *hot;
	struct array_cache *loaded;
	struct array_cache *prev;
	unsigned long allocs, frees, refills, flushes; /* statistics */
} __attribute__((aligned(64)));

struct kmem_cache_node {
	kmm_spinlock_t list_lock;
	struct list_head slabs_partial, slabs_full, slabs_free;
	unsigned long total_slabs;
	unsigned long free_slabs;
	unsigned long partial_slabs;
	unsigned long free_objects;    /* on slab freelists */
	unsigned long free_limit;      /* keep at most this many free objects */
	unsigned long free_limit_base; /* its value after boot, shrink, tunables */
	bool churn;		       /* a slab went back since the last growth */
	unsigned int colour_next;
	uint64_t rng; /* freelist shuffling */
	/* the barn: full and empty arrays shared by the node's CPUs */
	struct list_head barn_full, barn_empty;
	unsigned int nr_barn_full, nr_barn_empty;
} __attribute__((aligned(64)));

struct kmem_cache_alias {
	struct kmem_cache_alias *next;
	char name[32];
};

struct kmem_cache {
	struct kmm_machine *machine;
	/* copies of the machine's memory map: one load less on every path */
	unsigned char *ram;
	size_t ram_bytes;
	atomic_uintptr_t *pfn_slab;
	char name[32];
	unsigned int object_size; /* what the creator asked for */
	unsigned int size;	  /* slot stride, debug metadata included */
	unsigned int align;
	unsigned int obj_offset; /* user object within the slot (left red zone) */
	unsigned int inuse;	 /* end of the object + right red zone in the slot */
	slab_flags_t flags;
	gfp_t allocflags; /* zone and migratetype bits for the slab pages */
	unsigned int order;
	unsigned int num;	/* objects per slab */
	unsigned int mgmt_size; /* bytes of the management block */
	bool offslab;
	unsigned int colour;	  /* number of colours */
	unsigned int colour_off;  /* bytes per colour step */
	uint32_t reciprocal_size; /* 2^32 / size, rounded up */
	/* size = odd * 2^size_shift; inv_size = odd^-1 mod 2^64: an offset
	 * is a multiple of size below num * size iff
	 * rotr64(off * inv_size, size_shift) < num (and that is its index) */
	uint64_t inv_size;
	unsigned int size_shift;
	uint16_t secret16;
	bool fastpath;	     /* CPU arrays in use: not debugging, slab is UP */
	uintptr_t slab_mask; /* ~(slab bytes - 1): object -> on-slab block */
	uintptr_t secret, secret2;
	uintptr_t mgkey;     /* cache ^ secret: on-slab check word = mgkey ^ block address */
	size_t onslab_bytes; /* ram_bytes, 0 for off-slab caches (kmem_cache_free) */
	unsigned int limit, batchcount, shared; /* /proc/slabinfo tunables */
	unsigned int min_partial;
	void (*ctor)(void *);
	void (*dtor)(void *);
	int refcount;		    /* creators sharing it (merging) */
	unsigned long shrink_epoch; /* kmm_slab_shrink_all() progress */
	struct kmem_cache_alias *aliases;
	struct list_head list;
	struct kmem_cache_cpu *cpu_slab; /* [nr_cpu_ids] */
	struct kmem_cache_node *node[MAX_NUMNODES];
};

static inline atomic_uchar *slab_states(const struct kmem_cache *s, struct slab_mgmt *mg)
{
	(void)s;
	return mg->states;
}
static inline uint16_t *slab_freelist(const struct kmem_cache *s, struct slab_mgmt *mg)
{
	return (uint16_t *)(void *)((unsigned char *)mg->states + ((s->num + 1u) & ~1u));
}

/* The per-CPU structures follow the cache structure (kmem_cache_struct_size). */
#define KMEM_CACHE_CPU_OFF KMM_ALIGN_UP(sizeof(struct kmem_cache), (size_t)64)
static inline struct kmem_cache_cpu *cache_cpu(const struct kmem_cache *s, const struct kmm_cpu *c)
{
	return (struct kmem_cache_cpu *)((uintptr_t)s + c->slab_cpu_off);
}

static inline bool slab_debug_on(const struct kmem_cache *s)
{
	return (s->flags & SLAB_DEBUG_FLAGS) != 0;
}

/* Pointer obfuscation in CPU arrays (CONFIG_SLAB_FREELIST_HARDENED). */
static inline uintptr_t obj_hide(const struct kmem_cache *s, const void *obj)
{
	return (uintptr_t)obj ^ s->secret;
}
static inline void *obj_reveal(const struct kmem_cache *s, uintptr_t v)
{
	return (void *)(v ^ s->secret);
}

/* ======== mm/slab.c ======== */
/*
 * The slab an address belongs to, or NULL: one load from the pfn map
 * (maintained by cache_grow and slab_destroy next to PG_slab), after the
 * address is checked to be in RAM.
 */
static inline struct slab *___virt_to_slab(const unsigned char *ram, size_t ram_bytes,
					   atomic_uintptr_t *pfn_slab, const void *addr)
{
	uintptr_t off = (uintptr_t)addr - (uintptr_t)ram;
	if (unlikely(off >= ram_bytes))
		return NULL;
	return (struct slab *)atomic_load_explicit(&pfn_slab[off >> KMM_PAGE_SHIFT],
						   memory_order_relaxed);
}
static inline struct slab *__virt_to_slab(const struct kmm_machine *m, const void *addr)
{
	return ___virt_to_slab(m->ram, m->ram_bytes, m->slab.pfn_slab, addr);
}
struct slab *virt_to_slab(struct kmm_machine *m, const void *addr);
/*
 * Index of the object whose *user* pointer is @obj, or -1 if @obj is not
 * exactly the start of an object slot's user area.
 */
static inline int obj_to_index(const struct kmem_cache *s, const struct slab *slab, const void *obj)
{
	uintptr_t off = (uintptr_t)obj - s->obj_offset - (uintptr_t)slab->s_mem;
	/* exact for multiples of size below 2^32/size; anything else fails
	 * the product test (a wrapped or huge offset included) */
	uintptr_t idx = ((uint64_t)(uint32_t)off * s->reciprocal_size) >> 32;
	if (unlikely(idx >= s->num || idx * s->size != off))
		return -1;
	return (int)idx;
}
static inline void *index_to_obj(const struct kmem_cache *s, const struct slab *slab, unsigned idx)
{
	return slab->s_mem + (size_t)idx * s->size + s->obj_offset;
}
unsigned int calculate_alignment(slab_flags_t flags, unsigned int align, unsigned int size);
int kmm_slab_cache_setup(struct kmem_cache *s, const char *name, unsigned int size,
			 unsigned int align, slab_flags_t flags, void (*ctor)(void *),
			 void (*dtor)(void *));
void *slab_alloc_node(struct kmem_cache *s, gfp_t gfp, int nid, unsigned long caller);
void slab_free(struct kmem_cache *s, struct slab *slab, void *obj, unsigned long caller);
/* From the slab lists only, bypassing CPU arrays (sheaves, bootstrap). */
void *slab_alloc_nosheaf(struct kmem_cache *s, gfp_t gfp, int nid);
void slab_free_nosheaf(struct kmem_cache *s, struct slab *slab, void *obj);
/* Flush this CPU's (or every CPU's) arrays of @s (NULL: of every cache). */
void slab_flush_cpu(struct kmm_machine *m, struct kmm_cpu *c, struct kmem_cache *s);
void slab_flush_all_cpus(struct kmm_machine *m, struct kmem_cache *s);
int __kmem_cache_shrink(struct kmem_cache *s);
/* Free every slab; returns the number of objects still allocated. */
unsigned long __kmem_cache_shutdown(struct kmem_cache *s);
/* 0, or -KMM_EINVAL if limit is 0 or above SLAB_MAX_LIMIT, batchcount 0 or above limit. */
int slab_set_tunables(struct kmem_cache *s, unsigned limit, unsigned batchcount, unsigned shared);
size_t kmem_cache_struct_size(const struct kmm_machine *m);

struct slabinfo {
	unsigned long active_objs, num_objs;
	unsigned long active_slabs, num_slabs;
	unsigned long partial_slabs, free_slabs;
	unsigned long cpu_cached; /* objects in CPU arrays and barns */
	unsigned long shared_avail;
	unsigned long cpu_slabs; /* CPU arrays in use */
	unsigned long pages;
};
void kmm_get_slabinfo(struct kmem_cache *s, struct slabinfo *si);
/* Check every slab of @s; returns the number of problems reported. */
unsigned long kmm_slab_validate(struct kmem_cache *s);

/* ======== mm/slab_common.c ======== */
extern const unsigned char kmalloc_size_index[24];
/* The same for every size up to 8 KiB: kmalloc_size_index_8k[(size - 1) >> 3]. */
extern const unsigned char kmalloc_size_index_8k[KMALLOC_MAX_CACHE_SIZE / 8];
static inline unsigned int kmalloc_index(size_t size)
{
	if (size <= 192)
		return kmalloc_size_index[(size - 1) / 8];
	return kmm_fls64(size - 1);
}
static inline int kmalloc_type(gfp_t gfp)
{
	if (likely(!(gfp & (__GFP_DMA | __GFP_RECLAIMABLE))))
		return KMALLOC_NORMAL;
	return (gfp & __GFP_DMA) ? KMALLOC_DMA : KMALLOC_RECLAIM;
}
void *kmalloc_slowpath(struct kmm_machine *m, size_t size, gfp_t gfp, unsigned long caller);
void kfree_large(struct kmm_machine *m, const void *p, unsigned long caller);
/* 0, or -KMM_ENOMEM if the pfn map cannot be reserved. */
int kmem_cache_init(struct kmm_machine *m);
struct kmem_cache *kmalloc_slab(struct kmm_machine *m, size_t size, gfp_t gfp);
#define ZERO_SIZE_PTR ((void *)16)
#define ZERO_OR_NULL_PTR(x) ((uintptr_t)(x) <= (uintptr_t)ZERO_SIZE_PTR)
/* kmalloc from the slab lists (never CPU arrays): for slab metadata. */
void *kmalloc_nosheaf(struct kmm_machine *m, size_t size, gfp_t gfp);
void kfree_nosheaf(struct kmm_machine *m, void *p);
/*
 * The first cache (list order) for which @pred holds, tested under
 * m->slab.lock; the lock is dropped before returning.
 */
struct kmem_cache *slab_first_cache(struct kmm_machine *m,
				    bool (*pred)(struct kmem_cache *k, void *arg), void *arg);
/* Shrink every cache until nothing more is freed; returns slabs freed. */
unsigned long kmm_slab_shrink_all(struct kmm_machine *m);
int kmm_parse_slab_debug(struct kmm_machine *m, const char *arg, const char *end);

/* ======== mm/slab_debug.c ======== */
/*
 * Debug caches bypass the CPU arrays: every alloc and free goes through
 * the slab lists, under list_lock, with these hooks.
 */
void slab_debug_layout(struct kmem_cache *s, unsigned int *size, unsigned int *obj_offset,
		       unsigned int *inuse);
void slab_debug_init_object(struct kmem_cache *s, void *slot);
/* false: the object is corrupt, reported and quarantined; do not use it */
bool slab_debug_alloc(struct kmem_cache *s, struct slab *slab, void *obj, unsigned long caller);
/* false: the free was refused (reported), the object left as it was */
bool slab_debug_free(struct kmem_cache *s, struct slab *slab, void *obj, unsigned long caller);
/* Report a bad free or a bad pointer on a cache (always on, any cache). */
void slab_report_bad_free(struct kmem_cache *s, struct slab *slab, const void *obj,
			  const char *reason, unsigned long caller);
void slab_report_leak(struct kmem_cache *s, struct slab *slab, void *obj);
void slab_report_invalid(struct kmm_machine *m, const void *p, const char *what,
			 unsigned long caller);
unsigned long slab_debug_validate_slab(struct kmem_cache *s, struct slab *slab);
void slab_report_freelist(struct kmem_cache *s, struct slab *slab, const char *why);

#endif /* KMM_SRC_MM_SLAB_H */
