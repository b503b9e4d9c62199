/* SPDX-License-Identifier: MIT */
/*
 * kmm/mm_types.h - struct page, its flags and its per-use views
 * (include/linux/mm_types.h, include/linux/page-flags.h).
 *
 * One struct page (64 bytes, checked at compile time) describes each 4 KiB
 * frame of simulated physical memory.  The mem_map arrays that hold them
 * are allocated from simulated RAM by memblock at boot, one per present
 * 128 MiB section (SPARSEMEM): holes cost no mem_map.
 *
 * page->flags layout (high to low):
 *   [ zone : 2 | node : 6 | section : 19 | unused | page flags : PG_nr ]
 * so page_zone(), page_to_nid() and page_to_pfn() need no lookup beyond
 * the section table.
 *
 * Uses of the 40-byte union (one at a time, tracked by flags/page_type):
 *   - free in the buddy:  lru links the free list, private = order,
 *                         page_type = PGTY_buddy
 *   - on a per-CPU list:  lru links the pcp list, private = pcp index
 *   - allocated:          lru/mapping/index/private belong to the owner
 *   - compound tail:      compound_head = head | 1 (overlays lru.next);
 *                         the first tail also stores the order
 * Later subsystems (slab, page tables) add typed views that overlay the
 * same words, each with offset assertions in its own header.
 */
#ifndef KMM_MM_TYPES_H
#define KMM_MM_TYPES_H

#include "kmm/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Page flags, named and numbered as include/linux/page-flags.h. */
#define KMM_PAGEFLAGS(X)                \
	X(locked, "locked")             \
	X(writeback, "writeback")       \
	X(referenced, "referenced")     \
	X(uptodate, "uptodate")         \
	X(dirty, "dirty")               \
	X(lru, "lru")                   \
	X(head, "head")                 \
	X(waiters, "waiters")           \
	X(active, "active")             \
	X(workingset, "workingset")     \
	X(owner_priv_1, "owner_priv_1") \
	X(arch_1, "arch_1")             \
	X(reserved, "reserved")         \
	X(private, "private")           \
	X(private_2, "private_2")       \
	X(mappedtodisk, "mappedtodisk") \
	X(reclaim, "reclaim")           \
	X(swapbacked, "swapbacked")     \
	X(unevictable, "unevictable")   \
	X(mlocked, "mlocked")           \
	X(slab, "slab")                 \
	X(hwpoison, "hwpoison")         \
	X(young, "young")               \
	X(idle, "idle")

enum pageflags {
#define KMM_PG_ENUM(n, s) PG_##n,
	KMM_PAGEFLAGS(KMM_PG_ENUM)
#undef KMM_PG_ENUM
		__NR_PAGEFLAGS,
	PG_swapcache = PG_owner_priv_1,
};

#define KMM_SECTIONS_WIDTH 19
#define KMM_NODES_SHIFT 6
#define KMM_ZONES_WIDTH 2
#define KMM_ZONES_PGSHIFT (64 - KMM_ZONES_WIDTH)
#define KMM_NODES_PGSHIFT (KMM_ZONES_PGSHIFT - KMM_NODES_SHIFT)
#define KMM_SECTIONS_PGSHIFT (KMM_NODES_PGSHIFT - KMM_SECTIONS_WIDTH)
#define KMM_PAGEFLAGS_MASK ((1UL << __NR_PAGEFLAGS) - 1)
/*
 * Bits 32..35 remember the order a block was allocated with (order + 1,
 * in its first page; 0 when not allocated by the page allocator) so that
 * a free with the wrong order is caught instead of corrupting the buddy.
 */
#define KMM_ALLOC_ORDER_SHIFT 32
#define KMM_ALLOC_ORDER_MASK (0xfUL << KMM_ALLOC_ORDER_SHIFT)

/* page_type values (overlay _mapcount while a page is not user-mapped). */
#define PAGE_TYPE_NONE 0xffffffffu /* _mapcount == -1 */
#define PGTY_buddy 0xf0000000u
#define PGTY_offline 0xf1000000u
#define PGTY_table 0xf2000000u
#define PGTY_guard 0xf3000000u

struct page {
	atomic_ulong flags;
	union {
		struct {
			struct list_head lru;
			void *mapping;
			unsigned long index;
			unsigned long private;
		};
		struct {
			unsigned long compound_head;  /* bit 0 set: tail page */
			unsigned char compound_order; /* first tail page only */
			unsigned char _tail_pad[7];
			unsigned long _tail2[3];
		};
	};
	union {
		atomic_int _mapcount; /* -1: not mapped */
		atomic_uint page_type;
	};
	atomic_int _refcount;
	unsigned long debug_handle; /* page_owner / kmemleak cookie */
};

_Static_assert(sizeof(struct page) == 64, "struct page must stay 64 bytes");
_Static_assert(offsetof(struct page, compound_head) == offsetof(struct page, lru),
	       "compound_head overlays lru.next");

/* ---- flag accessors ----------------------------------------------------- */

static inline bool kmm_test_page_flag(const struct page *p, enum pageflags f)
{
	return (atomic_load_explicit((atomic_ulong *)&p->flags, memory_order_relaxed) >> f) & 1UL;
}
static inline void kmm_set_page_flag(struct page *p, enum pageflags f)
{
	atomic_fetch_or_explicit(&p->flags, 1UL << f, memory_order_relaxed);
}
static inline void kmm_clear_page_flag(struct page *p, enum pageflags f)
{
	atomic_fetch_and_explicit(&p->flags, ~(1UL << f), memory_order_relaxed);
}
static inline bool kmm_test_set_page_flag(struct page *p, enum pageflags f)
{
	return (atomic_fetch_or_explicit(&p->flags, 1UL << f, memory_order_acq_rel) >> f) & 1UL;
}

#define KMM_PAGE_FLAG_FNS(uname, lname)                      \
	static inline bool Page##uname(const struct page *p) \
	{                                                    \
		return kmm_test_page_flag(p, PG_##lname);    \
	}                                                    \
	static inline void SetPage##uname(struct page *p)    \
	{                                                    \
		kmm_set_page_flag(p, PG_##lname);            \
	}                                                    \
	static inline void ClearPage##uname(struct page *p)  \
	{                                                    \
		kmm_clear_page_flag(p, PG_##lname);          \
	}

KMM_PAGE_FLAG_FNS(Locked, locked)
KMM_PAGE_FLAG_FNS(Writeback, writeback)
KMM_PAGE_FLAG_FNS(Referenced, referenced)
KMM_PAGE_FLAG_FNS(Uptodate, uptodate)
KMM_PAGE_FLAG_FNS(Dirty, dirty)
KMM_PAGE_FLAG_FNS(LRU, lru)
KMM_PAGE_FLAG_FNS(Head, head)
KMM_PAGE_FLAG_FNS(Active, active)
KMM_PAGE_FLAG_FNS(Workingset, workingset)
KMM_PAGE_FLAG_FNS(Reserved, reserved)
KMM_PAGE_FLAG_FNS(Private, private)
KMM_PAGE_FLAG_FNS(Reclaim, reclaim)
KMM_PAGE_FLAG_FNS(SwapBacked, swapbacked)
KMM_PAGE_FLAG_FNS(Unevictable, unevictable)
KMM_PAGE_FLAG_FNS(Mlocked, mlocked)
KMM_PAGE_FLAG_FNS(Slab, slab)
KMM_PAGE_FLAG_FNS(HWPoison, hwpoison)
KMM_PAGE_FLAG_FNS(SwapCache, swapcache)

static inline bool PageTail(const struct page *p)
{
	return __atomic_load_n(&p->compound_head, __ATOMIC_RELAXED) & 1UL;
}
static inline bool PageCompound(const struct page *p)
{
	return PageHead(p) || PageTail(p);
}
static inline struct page *compound_head(struct page *p)
{
	unsigned long h = __atomic_load_n(&p->compound_head, __ATOMIC_RELAXED);
	return (h & 1UL) ? (struct page *)(h - 1) : p;
}
static inline unsigned compound_order(const struct page *p)
{
	return PageHead(p) ? p[1].compound_order : 0;
}

/* ---- page types ------------------------------------------------------- */

static inline unsigned kmm_page_type(const struct page *p)
{
	return atomic_load_explicit((atomic_uint *)&p->page_type, memory_order_relaxed);
}
static inline bool kmm_page_has_type(const struct page *p, unsigned t)
{
	return (kmm_page_type(p) & 0xff000000u) == t;
}
static inline bool PageBuddy(const struct page *p)
{
	return kmm_page_has_type(p, PGTY_buddy);
}
static inline bool PageTable(const struct page *p)
{
	return kmm_page_has_type(p, PGTY_table);
}
static inline void kmm_page_set_type(struct page *p, unsigned t)
{
	atomic_store_explicit(&p->page_type, t, memory_order_relaxed);
}
static inline void kmm_page_clear_type(struct page *p)
{
	atomic_store_explicit(&p->page_type, PAGE_TYPE_NONE, memory_order_relaxed);
}

/* ---- reference counts ----------------------------------------------------- */

static inline int page_ref_count(const struct page *p)
{
	return atomic_load_explicit((atomic_int *)&p->_refcount, memory_order_relaxed);
}
static inline void set_page_count(struct page *p, int v)
{
	atomic_store_explicit(&p->_refcount, v, memory_order_relaxed);
}
static inline void get_page(struct page *p)
{
	atomic_fetch_add_explicit(&compound_head(p)->_refcount, 1, memory_order_relaxed);
}
/* Returns true when the count dropped to zero. */
static inline bool put_page_testzero(struct page *p)
{
	return atomic_fetch_sub_explicit(&p->_refcount, 1, memory_order_acq_rel) == 1;
}
/* A reference, unless the page is already on its way to being freed. */
static inline bool get_page_unless_zero(struct page *p)
{
	int c = atomic_load_explicit(&p->_refcount, memory_order_relaxed);
	while (c > 0)
		if (atomic_compare_exchange_weak_explicit(
			    &p->_refcount, &c, c + 1, memory_order_acquire, memory_order_relaxed))
			return true;
	return false;
}
static inline int page_mapcount(const struct page *p)
{
	return atomic_load_explicit((atomic_int *)&p->_mapcount, memory_order_relaxed) + 1;
}

#ifdef __cplusplus
}
#endif
#endif /* KMM_MM_TYPES_H */
