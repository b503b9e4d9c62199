/* SPDX-License-Identifier: MIT */
/*
 * kmm/machine.h - one simulated machine: its physical memory, boot memory
 * map, mem_map sections, nodes, CPU slots, sysctls, counters and log.
 *
 * Everything the core knows hangs off struct kmm_machine; there is no other
 * state, so a process can boot any number of machines with different
 * shapes.  A machine is described by a Linux kernel command line (see
 * docs/ARCHITECTURE.md, "Machine description"), e.g.
 *     "mem=512M numa=fake=2 nr_cpus=4 sysctl.vm.min_free_kbytes=4096"
 * and booted in the kernel's order by kmm_machine_boot().
 *
 * CPU slots: a host thread runs "on" a CPU slot of the machine.  It binds
 * to one with kmm_cpu_enter() (exclusive, like a task on a CPU); a thread
 * that calls in without binding borrows a free slot for the duration of the
 * call, waiting (like a runnable task) while every slot is taken: a host
 * thread must not call in unbound while holding a host lock that bound
 * threads may wait for.  Per-CPU data (pcp lists, slab arrays, vmstat
 * deltas, event counters) belongs to the slot.
 */
#ifndef KMM_MACHINE_H
#define KMM_MACHINE_H

#include "kmm/mmzone.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- boot memory map ------------------------------------------------------ */

enum e820_type { E820_TYPE_RAM = 1, E820_TYPE_RESERVED = 2 };

struct e820_entry {
	uint64_t addr;
	uint64_t size;
	enum e820_type type;
};

#define E820_MAX_ENTRIES 128
struct e820_table {
	unsigned nr_entries;
	struct e820_entry entries[E820_MAX_ENTRIES];
};

#define MEMBLOCK_MAX_REGIONS 256
#define MEMBLOCK_NONE (-1)
struct memblock_region {
	kmm_phys_addr_t base;
	kmm_phys_addr_t size;
	int nid;
};
struct memblock_type {
	unsigned cnt;
	kmm_phys_addr_t total_size;
	const char *name;
	struct memblock_region regions[MEMBLOCK_MAX_REGIONS];
};
struct memblock {
	bool bottom_up;
	kmm_phys_addr_t current_limit;
	struct memblock_type memory;
	struct memblock_type reserved;
};

/* ---- sparse mem_map ------------------------------------------------------- */

#define KMM_SECTION_SIZE_BITS 27 /* 128 MiB, as x86-64 */
#define KMM_PFN_SECTION_SHIFT (KMM_SECTION_SIZE_BITS - KMM_PAGE_SHIFT)
#define KMM_PAGES_PER_SECTION (1UL << KMM_PFN_SECTION_SHIFT)
#define KMM_MAX_PHYSMEM_BITS (KMM_SECTIONS_WIDTH + KMM_SECTION_SIZE_BITS)

struct mem_section {
	/* (uintptr_t)mem_map - first_pfn * sizeof(struct page); 0 if absent */
	uintptr_t section_mem_map;
	/* mem_map covers pfn offsets [lo, hi) of the section, in whole
	 * MAX_PAGE_ORDER blocks, so buddy lookups never leave it */
	uint32_t lo, hi;
};

/* ---- CPU slots ------------------------------------------------------------ */

struct kmm_cpu {
	atomic_uintptr_t owner;	     /* thread token of the bound/borrowing thread */
	atomic_uint pending;	     /* KMM_CPU_* work requested by other CPUs */
	struct kmm_machine *machine; /* the slot's machine: one compare tells
				      * a bound thread which machine it is in */
	/* borrowed for an API call: nesting depth and the caller's own TLS
	 * binding to restore (written by the owner only) */
	int borrow_depth;
	void *borrow_prev;
	/* > 0 while the slab allocator is inside this CPU's arrays (its slow
	 * paths can reach the page allocator, whose CPU entry runs posted
	 * work): a posted slab flush waits until it is out */
	int slab_busy;
	/* > 0 while the thread holding this slot reclaims (PF_MEMALLOC): its
	 * allocations do not reclaim again and may use the min reserve */
	int memalloc;
	/* == machine while a thread is bound here with nothing pending:
	 * the whole fast-path test of get_cpu is one load and compare */
	_Atomic(struct kmm_machine *) fast;
	int id;
	int node;
	/* byte offset of this slot's struct kmem_cache_cpu from any cache
	 * (set by kmem_cache_init): the slab fast paths' one add */
	unsigned long slab_cpu_off;
	/* software MMU (src/mm/tlb.c): this slot's TLB, and the access
	 * sequence (odd while the slot is inside a translated access) that
	 * TLB shoot-downs wait on */
	struct kmm_tlb *tlb;
	atomic_uint tlb_seq;
	atomic_ulong vm_events[NR_VM_EVENT_ITEMS];
};

#define KMM_CPU_DRAIN_PCP 1u  /* drain this slot's per-CPU page lists */
#define KMM_CPU_FLUSH_SLAB 2u /* flush this slot's slab object arrays */

/* ---- sysctls ---------------------------------------------------------------- */

struct kmm_vm_sysctl {
	int min_free_kbytes;
	int user_min_free_kbytes; /* -1: computed from memory size */
	int watermark_scale_factor;
	int watermark_boost_factor;
	int lowmem_reserve_ratio[MAX_NR_ZONES];
	int percpu_pagelist_high_fraction;
	int page_group_by_mobility_disabled;
	/* virtual memory (src/mm/mmap.c, src/mm/filemap.c) */
	int overcommit_memory; /* 0 heuristic, 1 always, 2 never */
	int overcommit_ratio;
	int max_map_count;
	int mmap_min_addr;
	int dirty_writeback_centisecs;
	int dirty_expire_centisecs;
	/* reclaim (src/mm/vmscan.c) and swap (src/mm/swap_state.c) */
	int swappiness;
	int drop_caches;
	int page_cluster; /* swap readahead: at most 1 << page_cluster pages */
};

/* ---- page-allocator extension points --------------------------------------- */

/*
 * The allocator's slow path (src/mm/page_alloc_slow.c) calls these at the
 * points where Linux wakes kswapd, compacts, reclaims directly and invokes
 * the OOM killer.  NULL means "not built yet" and counts as no progress.
 */
struct alloc_context;
struct kmm_alloc_hooks {
	void (*wake_kswapd)(struct kmm_machine *m, struct zone *zone, unsigned order,
			    enum zone_type highest_zoneidx, gfp_t gfp);
	/* Returns pages reclaimed. */
	unsigned long (*direct_reclaim)(struct kmm_machine *m, gfp_t gfp, unsigned order,
					const struct alloc_context *ac);
	/* Returns true if compaction made an allocation of @order plausible. */
	bool (*direct_compact)(struct kmm_machine *m, gfp_t gfp, unsigned order,
			       const struct alloc_context *ac);
	/* Returns true if the OOM killer freed (or will free) memory. */
	bool (*out_of_memory)(struct kmm_machine *m, gfp_t gfp, unsigned order,
			      const struct alloc_context *ac);
	/* Pages of @zone that reclaim could free: the file LRU, and the anon
	 * LRU while swap has room (zone_reclaimable_pages). */
	unsigned long (*zone_reclaimable_pages)(struct kmm_machine *m, struct zone *zone);
};

/* ---- the log (printk) -------------------------------------------------------- */

enum {
	KMM_LOGLEVEL_EMERG,
	KMM_LOGLEVEL_ALERT,
	KMM_LOGLEVEL_CRIT,
	KMM_LOGLEVEL_ERR,
	KMM_LOGLEVEL_WARNING,
	KMM_LOGLEVEL_NOTICE,
	KMM_LOGLEVEL_INFO,
	KMM_LOGLEVEL_DEBUG
};

#define KMM_LOG_BUF_SIZE (256u << 10)
struct kmm_log {
	kmm_spinlock_t lock;
	int console_loglevel; /* lines with level < this reach the console */
	uint64_t head;	      /* bytes ever written */
	uint64_t boot_ns;     /* port time at boot, for record timestamps */
	char buf[KMM_LOG_BUF_SIZE];
};

struct kmm_boot_opts {
	/* Console sink for log lines (no newline); NULL: kmm_port_log(). */
	void (*console)(void *ctx, int level, const char *line, size_t len);
	void *console_ctx;
};

/* ---- slab allocator state (src/mm/slab_common.c) ---------------------------- */

struct kmem_cache;
enum { KMALLOC_NORMAL, KMALLOC_RECLAIM, KMALLOC_DMA, NR_KMALLOC_TYPES };
#define KMM_SLAB_DEBUG_NAMES 256

struct kmm_slab_state {
	kmm_spinlock_t lock;	       /* slab_mutex: the cache list, merging */
	struct list_head caches;       /* every kmem_cache, newest last */
	struct kmem_cache *kmem_cache; /* the cache of caches */
	/*
	 * [max_pfn]: the slab (head struct page) each page frame belongs to,
	 * 0 for frames outside any slab.  kfree() finds an object's slab with
	 * one load instead of section, struct page and compound head.
	 */
	atomic_uintptr_t *pfn_slab;
	size_t pfn_slab_bytes;
	struct kmem_cache *kmalloc_caches[NR_KMALLOC_TYPES][14];
	int state;				/* DOWN, PARTIAL (no CPU arrays yet), UP */
	unsigned debug_flags;			/* slab_debug= flags (SLAB_* debug bits) */
	char debug_names[KMM_SLAB_DEBUG_NAMES]; /* ",name,name," or "" = all */
	atomic_ulong rng;			/* seeds per-cache secrets and shuffles */
	unsigned long shrink_epoch;		/* kmm_slab_shrink_all() rounds */
	bool no_colour;				/* slab_colour=off: every slab at offset 0 */
};

/* ---- the machine -------------------------------------------------------------- */

#define KMM_CMDLINE_MAX 2048

struct kmm_machine {
	/* physical memory: [0, max_pfn) mapped at ram (the direct map) */
	unsigned char *ram;
	size_t ram_bytes;
	kmm_pfn_t max_pfn;
	kmm_pfn_t max_low_pfn; /* below 4 GiB */

	struct e820_table e820;
	struct memblock memblock;
	unsigned long memblock_reserved_at_free; /* pages reserved at handover */

	struct mem_section *mem_section; /* [nr_mem_sections] */
	unsigned long nr_mem_sections;
	unsigned long nr_present_sections;

	int nr_node_ids;
	int nr_online_nodes;
	pg_data_t *node_data[MAX_NUMNODES];
	unsigned char numa_distance[MAX_NUMNODES][MAX_NUMNODES];
	kmm_pfn_t arch_zone_lowest_pfn[MAX_NR_ZONES];  /* zone ranges of the */
	kmm_pfn_t arch_zone_highest_pfn[MAX_NR_ZONES]; /* machine, all nodes */
	kmm_pfn_t zone_movable_pfn[MAX_NUMNODES];      /* start of ZONE_MOVABLE, 0: none */
	int nr_zonelists_built;

	int nr_cpu_ids;
	struct kmm_cpu *cpus; /* [nr_cpu_ids] */

	struct kmm_vm_sysctl vm;
	kmm_spinlock_t sysctl_lock;
	unsigned long totalreserve_pages;
	atomic_ulong totalram_pages;

	atomic_long vm_zone_stat[NR_VM_ZONE_STAT_ITEMS];
	atomic_long vm_numa_event[NR_VM_NUMA_EVENT_ITEMS];
	atomic_long vm_node_stat[NR_VM_NODE_STAT_ITEMS];

	struct kmm_alloc_hooks hooks;
	atomic_ulong nr_bad_pages;    /* BUG: Bad page state reports */
	atomic_ulong nr_alloc_failed; /* page allocation failure reports */
	atomic_ulong nr_slab_reports; /* slab BUG reports (bad frees, corruption) */
	int nofail_retries;	      /* bound on __GFP_NOFAIL retry loops */

	char cmdline[KMM_CMDLINE_MAX];
	struct kmm_boot_opts opts;
	void *self_alloc; /* host block holding this struct */
	size_t self_bytes;
	struct kmm_slab_state slab;
	void *vmst; /* struct kmm_vm_state (src/mm/vma.h): tasks, init_mm, files */
	struct kmm_log log;
};

/* ---- boot and shutdown ---------------------------------------------------------- */

/*
 * Boot a machine described by @cmdline (NULL or "" for the embedded
 * default).  On error returns a negative errno and writes one line naming
 * the bad parameter and its accepted form into @err.
 */
int kmm_machine_boot(const char *cmdline, const struct kmm_boot_opts *opts,
		     struct kmm_machine **out, char *err, size_t errlen);
void kmm_machine_shutdown(struct kmm_machine *m);
/* The default description, as a command line. */
extern const char kmm_default_cmdline[];

/* ---- CPU slots ------------------------------------------------------------------ */

/*
 * Bind the calling thread to slot @cpu (-1: any free slot).  Returns the
 * slot, or -KMM_EBUSY if the thread is bound already (to this or another
 * machine: leave first), -KMM_EINVAL for a bad slot.  Threads must leave
 * before the machine is shut down (shutdown unbinds only the caller).
 */
int kmm_cpu_enter(struct kmm_machine *m, int cpu);
void kmm_cpu_leave(struct kmm_machine *m);
/* The slot the calling thread is bound to in @m, or -1. */
int kmm_cpu_current(struct kmm_machine *m);

/* ---- log ---------------------------------------------------------------------- */

void kmm_printk(struct kmm_machine *m, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Copy up to @size-1 bytes of the log's tail (whole lines) into buf. */
size_t kmm_log_read(struct kmm_machine *m, char *buf, size_t size);

/* ---- pfn / page / address conversions --------------------------------------------- */

static inline struct mem_section *__pfn_to_section(const struct kmm_machine *m, kmm_pfn_t pfn)
{
	return &m->mem_section[pfn >> KMM_PFN_SECTION_SHIFT];
}
static inline bool kmm_pfn_valid(const struct kmm_machine *m, kmm_pfn_t pfn)
{
	if (pfn >= m->max_pfn)
		return false;
	const struct mem_section *ms = __pfn_to_section(m, pfn);
	uint32_t off = (uint32_t)(pfn & (KMM_PAGES_PER_SECTION - 1));
	return ms->section_mem_map != 0 && off >= ms->lo && off < ms->hi;
}
static inline struct page *kmm_pfn_to_page(const struct kmm_machine *m, kmm_pfn_t pfn)
{
	return (struct page *)(__pfn_to_section(m, pfn)->section_mem_map +
			       (uintptr_t)pfn * sizeof(struct page));
}
static inline unsigned long kmm_page_to_section_nr(const struct page *p)
{
	return (atomic_load_explicit((atomic_ulong *)&p->flags, memory_order_relaxed) >>
		KMM_SECTIONS_PGSHIFT) &
	       ((1UL << KMM_SECTIONS_WIDTH) - 1);
}
static inline kmm_pfn_t kmm_page_to_pfn(const struct kmm_machine *m, const struct page *p)
{
	return ((uintptr_t)p - m->mem_section[kmm_page_to_section_nr(p)].section_mem_map) /
	       sizeof(struct page);
}
static inline int kmm_page_to_nid(const struct page *p)
{
	return (int)((atomic_load_explicit((atomic_ulong *)&p->flags, memory_order_relaxed) >>
		      KMM_NODES_PGSHIFT) &
		     ((1UL << KMM_NODES_SHIFT) - 1));
}
static inline enum zone_type kmm_page_zonenum(const struct page *p)
{
	return (enum zone_type)(
		atomic_load_explicit((atomic_ulong *)&p->flags, memory_order_relaxed) >>
		KMM_ZONES_PGSHIFT);
}
static inline struct zone *kmm_page_zone(const struct kmm_machine *m, const struct page *p)
{
	return &m->node_data[kmm_page_to_nid(p)]->node_zones[kmm_page_zonenum(p)];
}
static inline void *kmm_page_address(const struct kmm_machine *m, const struct page *p)
{
	return m->ram + ((size_t)kmm_page_to_pfn(m, p) << KMM_PAGE_SHIFT);
}
static inline void *kmm_phys_to_virt(const struct kmm_machine *m, kmm_phys_addr_t pa)
{
	return m->ram + pa;
}
static inline kmm_phys_addr_t kmm_virt_to_phys(const struct kmm_machine *m, const void *va)
{
	return (kmm_phys_addr_t)((const unsigned char *)va - m->ram);
}
/* Checked: NULL if @va is not in the direct map or not backed by mem_map. */
static inline struct page *kmm_virt_to_page(const struct kmm_machine *m, const void *va)
{
	uintptr_t off = (uintptr_t)va - (uintptr_t)m->ram;
	kmm_pfn_t pfn = off >> KMM_PAGE_SHIFT;
	if ((uintptr_t)va < (uintptr_t)m->ram || !kmm_pfn_valid(m, pfn))
		return NULL;
	return kmm_pfn_to_page(m, pfn);
}
static inline pg_data_t *NODE_DATA(const struct kmm_machine *m, int nid)
{
	return m->node_data[nid];
}

#define for_each_online_node(m, nid)                       \
	for ((nid) = 0; (nid) < (m)->nr_node_ids; (nid)++) \
		if ((m)->node_data[nid])

#ifdef __cplusplus
}
#endif
#endif /* KMM_MACHINE_H */
