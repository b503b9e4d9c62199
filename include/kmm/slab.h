/* SPDX-License-Identifier: MIT */
/*
 * kmm/slab.h - object caches and the kmalloc family (include/linux/slab.h).
 *
 * A kmem_cache hands out objects of one size.  In front of each cache sit
 * per-CPU arrays of free objects (a loaded and a previous array: Bonwick's
 * magazines, Linux 6.18's sheaves), refilled from and flushed to a
 * per-node depot of full and empty arrays (the barn), which is fed by the
 * node's slab lists (full / partial / free).  Slabs are compound pages from
 * the buddy allocator; successive slabs start their objects at rotating
 * cache-line offsets (colouring).  Constructors run when a slab's objects
 * are created, destructors when the slab goes back to the buddy.
 *
 * Hardening is always on: free-object metadata lives outside the objects
 * (a per-slab index freelist, obfuscated, and a state byte per object), so
 * every double free and every free of a pointer that is not the start of a
 * live object is caught and reported instead of corrupting the cache.
 */
#ifndef KMM_SLAB_H
#define KMM_SLAB_H

#include "kmm/gfp.h"

#ifdef __cplusplus
extern "C" {
#endif

struct kmm_machine;
struct kmem_cache;

typedef unsigned int slab_flags_t;

/* Flag values as include/linux/slab.h (6.x). */
#define SLAB_CONSISTENCY_CHECKS 0x00000100u /* F: sanity checks on alloc/free */
#define SLAB_RED_ZONE 0x00000400u	    /* Z: red zones around objects */
#define SLAB_POISON 0x00000800u		    /* P: poison objects */
#define SLAB_KMALLOC 0x00001000u	    /* a kmalloc-* cache (internal) */
#define SLAB_HWCACHE_ALIGN 0x00002000u	    /* align objects on cache lines */
#define SLAB_CACHE_DMA 0x00004000u	    /* use GFP_DMA memory */
#define SLAB_CACHE_DMA32 0x00008000u	    /* use GFP_DMA32 memory */
#define SLAB_STORE_USER 0x00010000u	    /* U: remember alloc/free owners */
#define SLAB_PANIC 0x00040000u		    /* report and abort if create fails */
#define SLAB_NO_MERGE 0x01000000u	    /* never merge with another cache */
#define SLAB_RECLAIM_ACCOUNT 0x00020000u    /* objects are reclaimable */
#define SLAB_TRACE 0x00200000u		    /* T: trace every alloc/free */
#define SLAB_NO_USER_FLAGS 0x10000000u	    /* reserved */

#define SLAB_DEBUG_FLAGS \
	(SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER | SLAB_TRACE)
/* Every flag kmem_cache_create() accepts; anything else is rejected. */
#define SLAB_CREATE_MASK                                                                          \
	(SLAB_DEBUG_FLAGS | SLAB_HWCACHE_ALIGN | SLAB_CACHE_DMA | SLAB_CACHE_DMA32 | SLAB_PANIC | \
	 SLAB_NO_MERGE | SLAB_RECLAIM_ACCOUNT)

/* Poison bytes, as include/linux/poison.h. */
#define POISON_INUSE 0x5a /* for use-uninitialised poisoning */
#define POISON_FREE 0x6b  /* for use-after-free poisoning */
#define POISON_END 0xa5	  /* end-byte of poisoning */
#define SLUB_RED_INACTIVE 0xbb
#define SLUB_RED_ACTIVE 0xcc

#define KMALLOC_MIN_SIZE 8
#define KMALLOC_SHIFT_HIGH 13 /* kmalloc-8k is the largest cache */
#define KMALLOC_MAX_CACHE_SIZE (1UL << KMALLOC_SHIFT_HIGH)

/* ---- caches ------------------------------------------------------------ */

/*
 * Create a cache.  Returns NULL (after a report naming the problem) on a
 * bad argument: unknown flag, size 0 or too large, align not a power of
 * two, name missing or too long; with SLAB_PANIC the report ends the
 * process instead.  A compatible existing cache may be returned instead
 * (merging), unless SLAB_NO_MERGE, a ctor/dtor or debugging prevent it.
 */
struct kmem_cache *kmm_kmem_cache_create(struct kmm_machine *m, const char *name, size_t size,
					 size_t align, slab_flags_t flags, void (*ctor)(void *),
					 void (*dtor)(void *));
/* Destroy: reports every object still allocated and keeps their slabs. */
void kmm_kmem_cache_destroy(struct kmem_cache *s);
void *kmm_kmem_cache_alloc(struct kmem_cache *s, gfp_t gfp);
void *kmm_kmem_cache_alloc_node(struct kmem_cache *s, gfp_t gfp, int nid);
void *kmm_kmem_cache_zalloc(struct kmem_cache *s, gfp_t gfp);
void kmm_kmem_cache_free(struct kmem_cache *s, void *obj);
/* Returns the number of objects allocated (all or nothing: 0 on failure). */
int kmm_kmem_cache_alloc_bulk(struct kmem_cache *s, gfp_t gfp, size_t nr, void **p);
void kmm_kmem_cache_free_bulk(struct kmem_cache *s, size_t nr, void **p);
/* Give every free slab back to the buddy (CPU arrays drained first). */
int kmm_kmem_cache_shrink(struct kmem_cache *s);
const char *kmm_kmem_cache_name(const struct kmem_cache *s);
size_t kmm_kmem_cache_size(const struct kmem_cache *s);
struct kmem_cache *kmm_kmem_cache_find(struct kmm_machine *m, const char *name);

/* ---- kmalloc ------------------------------------------------------------- */

void *kmm_kmalloc(struct kmm_machine *m, size_t size, gfp_t gfp);
void *kmm_kmalloc_node(struct kmm_machine *m, size_t size, gfp_t gfp, int nid);
void *kmm_kzalloc(struct kmm_machine *m, size_t size, gfp_t gfp);
void *kmm_kmalloc_array(struct kmm_machine *m, size_t n, size_t size, gfp_t gfp);
void *kmm_kcalloc(struct kmm_machine *m, size_t n, size_t size, gfp_t gfp);
void *kmm_krealloc(struct kmm_machine *m, const void *p, size_t new_size, gfp_t gfp);
void kmm_kfree(struct kmm_machine *m, const void *p);
size_t kmm_ksize(struct kmm_machine *m, const void *p);
void *kmm_kvmalloc(struct kmm_machine *m, size_t size, gfp_t gfp);
void kmm_kvfree(struct kmm_machine *m, const void *p);

#ifdef __cplusplus
}
#endif
#endif /* KMM_SLAB_H */
