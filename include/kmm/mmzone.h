/* SPDX-License-Identifier: MIT */
/*
 * kmm/mmzone.h - NUMA nodes, zones, free areas, per-CPU page lists and
 * zonelists (include/linux/mmzone.h).
 *
 * Locking (see docs/ARCHITECTURE.md for the whole order):
 *   zone->lock        free_area[], nr_reserved_highatomic, pageblock
 *                     migratetypes of the zone; taken with IRQs "off" in
 *                     the kernel, here simply a spinlock.
 *   pcp->lock         one per zone per CPU slot; nests outside zone->lock
 *                     (pcp refill/drain take zone->lock inside it).
 *   watermarks, lowmem_reserve, managed_pages: written under the machine's
 *                     sysctl lock, read locklessly (relaxed atomics).
 */
#ifndef KMM_MMZONE_H
#define KMM_MMZONE_H

#include "kmm/gfp.h"
#include "kmm/mm_types.h"
#include "kmm/vmstat.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MAX_NUMNODES (1 << KMM_NODES_SHIFT)
#define KMM_MAX_CPUS 64

enum migratetype {
	MIGRATE_UNMOVABLE,
	MIGRATE_MOVABLE,
	MIGRATE_RECLAIMABLE,
	MIGRATE_PCPTYPES, /* the number of types on the pcp lists */
	MIGRATE_HIGHATOMIC = MIGRATE_PCPTYPES,
	MIGRATE_ISOLATE,
	MIGRATE_TYPES
};

enum zone_type { ZONE_DMA, ZONE_DMA32, ZONE_NORMAL, ZONE_MOVABLE, MAX_NR_ZONES };

enum zone_watermarks { WMARK_MIN, WMARK_LOW, WMARK_HIGH, WMARK_PROMO, NR_WMARK };

struct free_area {
	struct list_head free_list[MIGRATE_TYPES];
	unsigned long nr_free; /* blocks of this order, all migratetypes */
};

/* Per-CPU page lists: orders 0..PAGE_ALLOC_COSTLY_ORDER x pcp migratetypes. */
#define NR_PCP_LISTS (MIGRATE_PCPTYPES * (PAGE_ALLOC_COSTLY_ORDER + 1))

/*
 * The per-CPU structures below sit in arrays indexed by CPU slot; each
 * takes whole cache lines (as Linux's per-CPU areas keep CPUs apart), so
 * one CPU's updates never bounce a line another CPU is writing.
 */
struct per_cpu_pages {
	kmm_spinlock_t lock; /* local fast path and remote drains */
	int count;	     /* pages on the lists */
	int high;	     /* drain a batch when count reaches high */
	int batch;	     /* refill/drain chunk */
	int free_count;	     /* consecutive frees, for batch scaling */
	struct list_head lists[NR_PCP_LISTS];
} __attribute__((aligned(64)));

/* Per-CPU vmstat deltas of one zone, folded into the zone at a threshold. */
struct per_cpu_zonestat {
	_Atomic signed char vm_stat_diff[NR_VM_ZONE_STAT_ITEMS];
	_Atomic signed char stat_threshold;
	atomic_ulong vm_numa_event[NR_VM_NUMA_EVENT_ITEMS];
} __attribute__((aligned(64)));

struct per_cpu_nodestat {
	_Atomic signed char vm_node_stat_diff[NR_VM_NODE_STAT_ITEMS];
	_Atomic signed char stat_threshold;
} __attribute__((aligned(64)));

struct pglist_data;
struct kmm_machine;

struct zone {
	/* read-mostly */
	atomic_ulong _watermark[NR_WMARK];
	atomic_ulong watermark_boost;
	atomic_ulong nr_reserved_highatomic;
	atomic_long lowmem_reserve[MAX_NR_ZONES];
	int node;
	struct pglist_data *zone_pgdat;
	struct kmm_machine *machine;
	struct per_cpu_pages *per_cpu_pageset;	    /* [nr_cpu_ids] */
	struct per_cpu_zonestat *per_cpu_zonestats; /* [nr_cpu_ids] */
	int pageset_high_max;
	int pageset_batch;
	/* kswapd is reclaiming the zone (ZONE_RECLAIM_ACTIVE): frees keep at
	 * most 4 batches on a CPU's list so that the others can use them */
	atomic_int reclaim_active;
	unsigned long *pageblock_flags; /* 4 bits per pageblock */
	kmm_pfn_t zone_start_pfn;
	atomic_ulong managed_pages;  /* present minus reserved at boot */
	unsigned long spanned_pages; /* end - start, holes included */
	unsigned long present_pages; /* physical pages, holes excluded */
	unsigned long present_early_pages;
	const char *name;

	/* write-intensive, under lock */
	kmm_spinlock_t lock;
	struct free_area free_area[NR_PAGE_ORDERS];

	atomic_long vm_stat[NR_VM_ZONE_STAT_ITEMS];
	atomic_long vm_numa_event[NR_VM_NUMA_EVENT_ITEMS];
};

struct zoneref {
	struct zone *zone;
	int zone_idx;
};

enum { ZONELIST_FALLBACK, ZONELIST_NOFALLBACK, MAX_ZONELISTS };
#define MAX_ZONES_PER_ZONELIST (MAX_NUMNODES * MAX_NR_ZONES)

struct zonelist {
	struct zoneref _zonerefs[MAX_ZONES_PER_ZONELIST + 1];
};

typedef struct pglist_data {
	struct zone node_zones[MAX_NR_ZONES];
	struct zonelist node_zonelists[MAX_ZONELISTS];
	/* first zoneref of the fallback zonelist usable for each highest zone
	 * (set with the zonelists): the order-0 fast path starts there */
	struct zoneref *preferred_zoneref[MAX_NR_ZONES];
	int nr_zones; /* number of populated zones + 1 below the highest */
	int node_id;
	kmm_pfn_t node_start_pfn;
	unsigned long node_present_pages;
	unsigned long node_spanned_pages;
	unsigned long totalreserve_pages;
	struct kmm_machine *machine;
	struct per_cpu_nodestat *per_cpu_nodestats; /* [nr_cpu_ids] */
	atomic_long vm_stat[NR_VM_NODE_STAT_ITEMS];
	/* later waves: lruvec, kswapd, kcompactd state */
	void *kswapd;
	void *lruvec;
} pg_data_t;

/* ---- inline helpers ------------------------------------------------------- */

static inline unsigned long zone_managed_pages(const struct zone *z)
{
	return atomic_load_explicit((atomic_ulong *)&z->managed_pages, memory_order_relaxed);
}
static inline bool populated_zone(const struct zone *z)
{
	return z->present_pages != 0;
}
static inline bool managed_zone(const struct zone *z)
{
	return zone_managed_pages(z) != 0;
}
static inline int zone_idx(const struct zone *z)
{
	return (int)(z - z->zone_pgdat->node_zones);
}
static inline kmm_pfn_t zone_end_pfn(const struct zone *z)
{
	return z->zone_start_pfn + z->spanned_pages;
}
static inline bool zone_spans_pfn(const struct zone *z, kmm_pfn_t pfn)
{
	return z->zone_start_pfn <= pfn && pfn < zone_end_pfn(z);
}
static inline unsigned long wmark_pages(const struct zone *z, enum zone_watermarks w)
{
	return atomic_load_explicit((atomic_ulong *)&z->_watermark[w], memory_order_relaxed) +
	       atomic_load_explicit((atomic_ulong *)&z->watermark_boost, memory_order_relaxed);
}
#define min_wmark_pages(z) wmark_pages(z, WMARK_MIN)
#define low_wmark_pages(z) wmark_pages(z, WMARK_LOW)
#define high_wmark_pages(z) wmark_pages(z, WMARK_HIGH)

static inline long zone_page_state(const struct zone *z, enum zone_stat_item i)
{
	long x = atomic_load_explicit((atomic_long *)&z->vm_stat[i], memory_order_relaxed);
	return x < 0 ? 0 : x;
}

#ifdef __cplusplus
}
#endif
#endif /* KMM_MMZONE_H */
