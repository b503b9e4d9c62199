/* SPDX-License-Identifier: MIT */
/*
 * kmm/gfp.h - GFP ("get free pages") flags with the kernel's bit values and
 * meanings (include/linux/gfp_types.h, Linux 6.x), the zone and
 * migratetype they select, and the page-allocator API.
 *
 * The public names carry a kmm_ prefix where they are functions
 * (kmm_alloc_pages); the flag macros keep the kernel's spelling because
 * they are what every reader knows.  <kmm/compat.h> maps the kernel's
 * function names onto the kmm_ ones.
 */
#ifndef KMM_GFP_H
#define KMM_GFP_H

#include "kmm/types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef unsigned int gfp_t;

/* Bit values, as include/linux/gfp_types.h (6.3+). */
#define ___GFP_DMA 0x01u
#define ___GFP_HIGHMEM 0x02u
#define ___GFP_DMA32 0x04u
#define ___GFP_MOVABLE 0x08u
#define ___GFP_RECLAIMABLE 0x10u
#define ___GFP_HIGH 0x20u
#define ___GFP_IO 0x40u
#define ___GFP_FS 0x80u
#define ___GFP_ZERO 0x100u
/* 0x200 is unused since ___GFP_ATOMIC went away in 6.3 */
#define ___GFP_DIRECT_RECLAIM 0x400u
#define ___GFP_KSWAPD_RECLAIM 0x800u
#define ___GFP_WRITE 0x1000u
#define ___GFP_NOWARN 0x2000u
#define ___GFP_RETRY_MAYFAIL 0x4000u
#define ___GFP_NOFAIL 0x8000u
#define ___GFP_NORETRY 0x10000u
#define ___GFP_MEMALLOC 0x20000u
#define ___GFP_COMP 0x40000u
#define ___GFP_NOMEMALLOC 0x80000u
#define ___GFP_HARDWALL 0x100000u
#define ___GFP_THISNODE 0x200000u
#define ___GFP_ACCOUNT 0x400000u
#define ___GFP_LAST_BIT 23

#define __GFP_DMA ((gfp_t)___GFP_DMA)
#define __GFP_HIGHMEM ((gfp_t)___GFP_HIGHMEM)
#define __GFP_DMA32 ((gfp_t)___GFP_DMA32)
#define __GFP_MOVABLE ((gfp_t)___GFP_MOVABLE)
#define __GFP_RECLAIMABLE ((gfp_t)___GFP_RECLAIMABLE)
#define GFP_ZONEMASK (__GFP_DMA | __GFP_HIGHMEM | __GFP_DMA32 | __GFP_MOVABLE)
#define GFP_MOVABLE_MASK (__GFP_RECLAIMABLE | __GFP_MOVABLE)
#define GFP_MOVABLE_SHIFT 3

#define __GFP_HIGH ((gfp_t)___GFP_HIGH)
#define __GFP_IO ((gfp_t)___GFP_IO)
#define __GFP_FS ((gfp_t)___GFP_FS)
#define __GFP_ZERO ((gfp_t)___GFP_ZERO)
#define __GFP_DIRECT_RECLAIM ((gfp_t)___GFP_DIRECT_RECLAIM)
#define __GFP_KSWAPD_RECLAIM ((gfp_t)___GFP_KSWAPD_RECLAIM)
#define __GFP_RECLAIM (__GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM)
#define __GFP_WRITE ((gfp_t)___GFP_WRITE)
#define __GFP_NOWARN ((gfp_t)___GFP_NOWARN)
#define __GFP_RETRY_MAYFAIL ((gfp_t)___GFP_RETRY_MAYFAIL)
#define __GFP_NOFAIL ((gfp_t)___GFP_NOFAIL)
#define __GFP_NORETRY ((gfp_t)___GFP_NORETRY)
#define __GFP_MEMALLOC ((gfp_t)___GFP_MEMALLOC)
#define __GFP_COMP ((gfp_t)___GFP_COMP)
#define __GFP_NOMEMALLOC ((gfp_t)___GFP_NOMEMALLOC)
#define __GFP_HARDWALL ((gfp_t)___GFP_HARDWALL)
#define __GFP_THISNODE ((gfp_t)___GFP_THISNODE)
#define __GFP_ACCOUNT ((gfp_t)___GFP_ACCOUNT)
#define __GFP_BITS_MASK ((gfp_t)((1u << ___GFP_LAST_BIT) - 1))

#define GFP_ATOMIC (__GFP_HIGH | __GFP_KSWAPD_RECLAIM)
#define GFP_KERNEL (__GFP_RECLAIM | __GFP_IO | __GFP_FS)
#define GFP_KERNEL_ACCOUNT (GFP_KERNEL | __GFP_ACCOUNT)
#define GFP_NOWAIT (__GFP_KSWAPD_RECLAIM)
#define GFP_NOIO (__GFP_RECLAIM)
#define GFP_NOFS (__GFP_RECLAIM | __GFP_IO)
#define GFP_USER (__GFP_RECLAIM | __GFP_IO | __GFP_FS | __GFP_HARDWALL)
#define GFP_DMA __GFP_DMA
#define GFP_DMA32 __GFP_DMA32
#define GFP_HIGHUSER (GFP_USER | __GFP_HIGHMEM)
#define GFP_HIGHUSER_MOVABLE (GFP_HIGHUSER | __GFP_MOVABLE)
#define GFP_TRANSHUGE_LIGHT \
	((GFP_HIGHUSER_MOVABLE | __GFP_COMP | __GFP_NOMEMALLOC | __GFP_NOWARN) & ~__GFP_RECLAIM)
#define GFP_TRANSHUGE (GFP_TRANSHUGE_LIGHT | __GFP_DIRECT_RECLAIM)

static inline bool gfpflags_allow_blocking(gfp_t gfp)
{
	return (gfp & __GFP_DIRECT_RECLAIM) != 0;
}

/* Orders: 0 .. MAX_PAGE_ORDER (Linux's MAX_ORDER 11 = NR_PAGE_ORDERS). */
#define MAX_PAGE_ORDER 10
#define NR_PAGE_ORDERS (MAX_PAGE_ORDER + 1)
#define PAGE_ALLOC_COSTLY_ORDER 3
#define pageblock_order 9
#define pageblock_nr_pages (1UL << pageblock_order)

struct kmm_machine;
struct page;

/*
 * Allocate 2^order contiguous pages.  nid < 0 means "the node of the
 * calling CPU".  Returns NULL on failure (after the failure report, unless
 * __GFP_NOWARN).  Invalid flag combinations and orders above
 * MAX_PAGE_ORDER fail with a warning.
 */
struct page *kmm_alloc_pages(struct kmm_machine *m, gfp_t gfp, unsigned order);
struct page *kmm_alloc_pages_node(struct kmm_machine *m, int nid, gfp_t gfp, unsigned order);
/* nodemask: bit n = node n allowed; 0 = all nodes. */
struct page *__kmm_alloc_pages(struct kmm_machine *m, gfp_t gfp, unsigned order, int preferred_nid,
			       const unsigned long *nodemask);
void __kmm_free_pages(struct kmm_machine *m, struct page *page, unsigned order);
/* Drop one reference; frees the block (of its compound order) at zero. */
void kmm_put_page(struct kmm_machine *m, struct page *page);

/* Direct-map address variants. */
void *kmm_get_free_pages(struct kmm_machine *m, gfp_t gfp, unsigned order);
void *kmm_get_zeroed_page(struct kmm_machine *m, gfp_t gfp);
void kmm_free_pages(struct kmm_machine *m, void *addr, unsigned order);
/* Exactly @size bytes rounded to pages: the tail of the block is freed. */
void *kmm_alloc_pages_exact(struct kmm_machine *m, size_t size, gfp_t gfp);
void kmm_free_pages_exact(struct kmm_machine *m, void *addr, size_t size);
/* Turn a non-compound order-N block into 2^N independent order-0 pages. */
void kmm_split_page(struct kmm_machine *m, struct page *page, unsigned order);

/* Return every page on the per-CPU lists to the buddy (all CPUs if cpu < 0). */
void kmm_drain_all_pages(struct kmm_machine *m);
void kmm_drain_local_pages(struct kmm_machine *m, int cpu);

/* Name the flags as the kernel's %pGg does: "GFP_KERNEL|__GFP_NOWARN". */
int kmm_format_gfp(char *buf, size_t size, gfp_t gfp);
/* Parse "GFP_KERNEL|__GFP_ZERO" or a number; 0 or -KMM_EINVAL. */
int kmm_parse_gfp(const char *s, gfp_t *out);

#ifdef __cplusplus
}
#endif
#endif /* KMM_GFP_H */
