/* SPDX-License-Identifier: MIT */
/*
 * src/internal.h - prototypes shared between core files, grouped under the
 * file that defines them (mm/internal.h in Linux).  Nothing here is public
 * API; tests include it to reach internals.
 */
#ifndef KMM_SRC_INTERNAL_H
#define KMM_SRC_INTERNAL_H

#include "kmm/machine.h"
#include "kmm/proc.h"
#include "kmm/slab.h"
#include "lib/lib.h"

/* ======== kernel/printk.c ======== */
#define pr_emerg(m, ...) kmm_printk(m, KMM_LOGLEVEL_EMERG, __VA_ARGS__)
#define pr_err(m, ...) kmm_printk(m, KMM_LOGLEVEL_ERR, __VA_ARGS__)
#define pr_warn(m, ...) kmm_printk(m, KMM_LOGLEVEL_WARNING, __VA_ARGS__)
#define pr_notice(m, ...) kmm_printk(m, KMM_LOGLEVEL_NOTICE, __VA_ARGS__)
#define pr_info(m, ...) kmm_printk(m, KMM_LOGLEVEL_INFO, __VA_ARGS__)
#define pr_debug(m, ...) kmm_printk(m, KMM_LOGLEVEL_DEBUG, __VA_ARGS__)
void kmm_log_init(struct kmm_machine *m, const struct kmm_boot_opts *opts);
/* Emit a multi-line text block at @level, one log record per line. */
void kmm_print_lines(struct kmm_machine *m, int level, const char *text);

/* ======== kernel/cpu.c ======== */
/*
 * get_cpu(): the slot the calling thread runs on in @m: its bound slot, or
 * a free slot borrowed until the matching put_cpu().  A borrowed slot is
 * installed as the thread's binding while borrowed, so nested get_cpu()
 * calls find it.  Never returns NULL (waits, like a runnable task, if
 * every slot is taken).  Must not be called with a zone->lock held (it may
 * run a pending drain).
 */
struct kmm_cpu *__kmm_get_cpu_slow(struct kmm_machine *m);
void __kmm_put_cpu_slow(struct kmm_cpu *c);
/* Run work other CPUs asked of this slot (pcp drains). */
void kmm_cpu_do_pending(struct kmm_machine *m, struct kmm_cpu *c);
static inline struct kmm_cpu *kmm_get_cpu(struct kmm_machine *m)
{
	struct kmm_cpu *c = (struct kmm_cpu *)*kmm_port_tls_slot();
	if (likely(c && atomic_load_explicit(&c->fast, memory_order_relaxed) == m))
		return c;
	return __kmm_get_cpu_slow(m);
}
/*
 * The calling thread's slot if it is bound to @m with nothing pending (no
 * put needed), else NULL: fast paths take this and fall back to
 * kmm_get_cpu() in their general path.
 */
static inline struct kmm_cpu *kmm_this_cpu_fast(struct kmm_machine *m)
{
	struct kmm_cpu *c = (struct kmm_cpu *)*kmm_port_tls_slot();
	if (likely(c && atomic_load_explicit(&c->fast, memory_order_relaxed) == m))
		return c;
	return NULL;
}
/* Ask slot @c (held by another thread) to run @work at its next call. */
void kmm_cpu_post_work(struct kmm_cpu *c, unsigned work);
/* Try to take slot @c for the caller (false if another thread has it). */
bool kmm_cpu_try_claim(struct kmm_cpu *c);
void kmm_cpu_release(struct kmm_cpu *c);
static inline void kmm_put_cpu(struct kmm_machine *m, struct kmm_cpu *c)
{
	(void)m;
	if (unlikely(c->borrow_depth) && --c->borrow_depth == 0)
		__kmm_put_cpu_slow(c);
}
static inline int kmm_numa_node_id(const struct kmm_cpu *c)
{
	return c->node;
}

/* ======== kernel/kthread.c ======== */
struct kmm_kthread;
int kthread_run(struct kmm_machine *m, int (*fn)(void *arg, struct kmm_kthread *k), void *arg,
		const char *name, struct kmm_kthread **out);
bool kthread_should_stop(struct kmm_kthread *k);
/* Sleep until kthread_wake(), kthread_stop() or @timeout_ns (0: forever). */
void kthread_wait(struct kmm_kthread *k, uint64_t timeout_ns);
void kthread_wake(struct kmm_kthread *k);
/* Ask the thread to stop, join it and free it (NULL is fine). */
void kthread_stop(struct kmm_kthread *k);

/* ======== mm/mmap.c (see src/mm/vma.h) ======== */
/* Boot: the VM state (after kmem_cache_init); shutdown: stop its threads,
 * write back and close host files. */
int vm_init(struct kmm_machine *m);
void vm_exit(struct kmm_machine *m);

/* ======== mm/filemap.c (see src/mm/vma.h) ======== */
/* vm.dirty_writeback_centisecs changed: the flusher starts a round now. */
void filemap_wakeup_flusher(struct kmm_machine *m);

/* ======== mm/vmscan.c (see src/mm/vmscan.h) ======== */
void drop_caches_sysctl(struct kmm_machine *m);

/* ======== mm/slab.c (see src/mm/slab.h) ======== */
struct kmem_cache;
void slab_flush_cpu(struct kmm_machine *m, struct kmm_cpu *c, struct kmem_cache *s);

/* ======== kernel/params.c ======== */
struct kmm_memmap_arg {
	uint64_t start, size;
	enum e820_type type;
};
#define KMM_MAX_MEMMAP_ARGS 32
struct kmm_boot_params {
	uint64_t mem_limit; /* mem= ; 0: none */
	unsigned nr_memmap;
	struct kmm_memmap_arg memmap[KMM_MAX_MEMMAP_ARGS];
	bool memmap_exactmap;
	int numa_fake;				     /* numa=fake=N ; 0: default */
	bool numa_off;				     /* numa=off */
	int nr_cpus;				     /* nr_cpus= ; 0: default */
	uint64_t kernelcore, movablecore;	     /* bytes */
	int kernelcore_percent, movablecore_percent; /* nn% forms, -1 unset */
	bool quiet;
	int loglevel; /* -1 unset */
	int nofail_retries;
	/* sysctl.vm.NAME=VALUE are applied to m->vm directly */
};
/* Parse @cmdline into @p and m->vm; on error fill err and return -KMM_EINVAL. */
int kmm_parse_cmdline(struct kmm_machine *m, const char *cmdline, struct kmm_boot_params *p,
		      char *err, size_t errlen);

/* ======== kernel/sysctl.c ======== */
struct kmm_sysctl {
	const char *name;		      /* path under /proc/sys, e.g. "vm/min_free_kbytes" */
	int *(*field)(struct kmm_machine *m); /* the int (or first of an array) */
	int nr;				      /* elements (arrays: lowmem_reserve_ratio) */
	int min, max;
	/* called after a successful write, under m->sysctl_lock */
	void (*changed)(struct kmm_machine *m);
	/* optional check beyond [min, max] ("0 or >= 8"); false: -KMM_EINVAL */
	bool (*valid)(int value);
};
extern const struct kmm_sysctl kmm_sysctl_table[];
extern const unsigned kmm_sysctl_count;
const struct kmm_sysctl *kmm_sysctl_find(const char *name);
/* Set from text ("60" or "256 256 32 0"); 0 or -KMM_EINVAL/-KMM_ERANGE. */
int kmm_sysctl_write(struct kmm_machine *m, const struct kmm_sysctl *s, const char *text,
		     bool boot);
void kmm_sysctl_show(struct kmm_machine *m, const struct kmm_sysctl *s, struct seq_buf *sb);
void kmm_sysctl_defaults(struct kmm_machine *m);

/* ======== arch/e820.c ======== */
int e820__memory_setup(struct kmm_machine *m, const struct kmm_boot_params *p, char *err,
		       size_t errlen);
void e820__print_table(struct kmm_machine *m, const char *who);
void e820__memblock_setup(struct kmm_machine *m);
uint64_t e820__end_of_ram(const struct kmm_machine *m);

/* ======== arch/numa.c ======== */
int kmm_numa_init(struct kmm_machine *m, const struct kmm_boot_params *p, char *err, size_t errlen);

/* ======== mm/memblock.c ======== */
int memblock_add_node(struct kmm_machine *m, kmm_phys_addr_t base, kmm_phys_addr_t size, int nid);
int memblock_add(struct kmm_machine *m, kmm_phys_addr_t base, kmm_phys_addr_t size);
int memblock_remove(struct kmm_machine *m, kmm_phys_addr_t base, kmm_phys_addr_t size);
int memblock_reserve(struct kmm_machine *m, kmm_phys_addr_t base, kmm_phys_addr_t size);
int memblock_phys_free(struct kmm_machine *m, kmm_phys_addr_t base, kmm_phys_addr_t size);
int memblock_set_node(struct kmm_machine *m, kmm_phys_addr_t base, kmm_phys_addr_t size, int nid);
/* Allocate zeroed memory (top-down) on @nid (MEMBLOCK_NONE: anywhere), below limit. */
void *memblock_alloc_try_nid(struct kmm_machine *m, kmm_phys_addr_t size, kmm_phys_addr_t align,
			     int nid);
kmm_phys_addr_t memblock_phys_mem_size(const struct kmm_machine *m);
kmm_phys_addr_t memblock_reserved_size(const struct kmm_machine *m);
kmm_phys_addr_t memblock_start_of_DRAM(const struct kmm_machine *m);
kmm_phys_addr_t memblock_end_of_DRAM(const struct kmm_machine *m);
bool memblock_is_reserved(const struct kmm_machine *m, kmm_phys_addr_t addr);
bool memblock_is_memory(const struct kmm_machine *m, kmm_phys_addr_t addr);
/* Iterate [start,end) ranges of memory not reserved; *idx starts at 0. */
bool memblock_next_free_range(const struct kmm_machine *m, uint64_t *idx, kmm_phys_addr_t *start,
			      kmm_phys_addr_t *end, int *nid);
void memblock_dump(struct kmm_machine *m);

/* ======== mm/sparse.c ======== */
int sparse_init(struct kmm_machine *m);
void kmm_set_page_links(struct page *page, enum zone_type zone, int nid, unsigned long sec);

/* ======== mm/mm_init.c ======== */
int free_area_init(struct kmm_machine *m, const struct kmm_boot_params *p);
void build_all_zonelists(struct kmm_machine *m);
void memblock_free_all(struct kmm_machine *m);
void mem_init_print_info(struct kmm_machine *m);
extern const char *const zone_names[MAX_NR_ZONES];
extern const char *const migratetype_names[MIGRATE_TYPES];

/* ======== mm/page_alloc.c ======== */
/* Allocation flags (mm/internal.h ALLOC_*). */
#define ALLOC_WMARK_MIN WMARK_MIN
#define ALLOC_WMARK_LOW WMARK_LOW
#define ALLOC_WMARK_HIGH WMARK_HIGH
#define ALLOC_NO_WATERMARKS 0x04
#define ALLOC_WMARK_MASK (ALLOC_NO_WATERMARKS - 1)
#define ALLOC_OOM 0x08
#define ALLOC_NON_BLOCK 0x10
#define ALLOC_MIN_RESERVE 0x20
#define ALLOC_CPUSET 0x40
#define ALLOC_CMA 0x80
#define ALLOC_NOFRAGMENT 0x100
#define ALLOC_HIGHATOMIC 0x200
#define ALLOC_KSWAPD 0x800
#define ALLOC_RESERVES (ALLOC_NON_BLOCK | ALLOC_MIN_RESERVE | ALLOC_HIGHATOMIC | ALLOC_OOM)

struct alloc_context {
	struct zonelist *zonelist;
	const unsigned long *nodemask; /* NULL: all nodes */
	struct zoneref *preferred_zoneref;
	int migratetype;
	enum zone_type highest_zoneidx;
	int preferred_nid;
};

static inline bool node_allowed(const unsigned long *nodemask, int nid)
{
	return !nodemask || ((nodemask[nid / 64] >> (nid % 64)) & 1);
}

#define for_next_zone_zonelist_nodemask(zref, highidx, nodemask) \
	for (; (zref)->zone; (zref)++)                           \
		if ((zref)->zone_idx <= (int)(highidx) &&        \
		    node_allowed(nodemask, (zref)->zone->node))

int gfp_zone_checked(gfp_t gfp, enum zone_type *out);
static inline int gfp_migratetype(gfp_t gfp)
{
	return (int)((gfp & GFP_MOVABLE_MASK) >> GFP_MOVABLE_SHIFT);
}
bool __zone_watermark_ok(struct zone *z, unsigned order, unsigned long mark, int highest_zoneidx,
			 unsigned alloc_flags, long free_pages);
bool zone_watermark_ok(struct zone *z, unsigned order, unsigned long mark, int highest_zoneidx,
		       unsigned alloc_flags);
struct page *get_page_from_freelist(struct kmm_machine *m, gfp_t gfp, unsigned order,
				    unsigned alloc_flags, const struct alloc_context *ac);
unsigned gfp_to_alloc_flags(gfp_t gfp, unsigned order);
void setup_per_zone_wmarks(struct kmm_machine *m);
void setup_per_zone_lowmem_reserve(struct kmm_machine *m);
void calculate_min_free_kbytes(struct kmm_machine *m);
void zone_pcp_init(struct kmm_machine *m, struct zone *z);
void zone_pcp_update_all(struct kmm_machine *m);
int get_pageblock_migratetype(const struct kmm_machine *m, const struct page *page);
void set_pageblock_migratetype(struct kmm_machine *m, struct page *page, int mt);
/* Move free blocks of a pageblock to mt's lists; caller holds zone->lock. */
int move_freepages_block(struct kmm_machine *m, struct zone *z, struct page *page, int mt);
void __unisolate_free_blocks(struct kmm_machine *m, struct kmm_cpu *c, struct zone *z,
			     kmm_pfn_t start, int mt);
/* Same, when the pageblock's type was already changed from @old_mt. */
int move_freepages_block_from(struct kmm_machine *m, struct zone *z, struct page *page, int old_mt,
			      int mt);
void __free_pages_core(struct kmm_machine *m, struct page *page, unsigned order);
void bad_page(struct kmm_machine *m, struct page *page, const char *reason);
void warn_alloc(struct kmm_machine *m, gfp_t gfp, const unsigned long *nodemask, const char *fmt,
		...) __attribute__((format(printf, 4, 5)));
void prep_compound_page(struct page *page, unsigned order);
int kmm_pcp_count(struct zone *z, int cpu);
static inline unsigned int buddy_order(const struct page *p)
{
	return (unsigned int)p->private;
}

/* ======== mm/page_alloc_slow.c ======== */
struct page *__alloc_pages_slowpath(struct kmm_machine *m, gfp_t gfp, unsigned order,
				    struct alloc_context *ac);

/* ======== mm/page_isolation.c ======== */
int kmm_isolate_pageblock(struct kmm_machine *m, kmm_pfn_t pfn);
int kmm_unisolate_pageblock(struct kmm_machine *m, kmm_pfn_t pfn, int mt);

/* ======== mm/show_mem.c ======== */
void __show_mem(struct kmm_machine *m, const unsigned long *nodemask);
/* "Node 0 DMA: 1*4kB (U) ... = 15908kB" for one zone, without a newline */
void show_zone_free_areas(struct kmm_machine *m, struct zone *z, struct seq_buf *sb);

/* ======== mm/vmstat.c ======== */
extern const char *const vmstat_zone_names[NR_VM_ZONE_STAT_ITEMS];
extern const char *const vmstat_numa_names[NR_VM_NUMA_EVENT_ITEMS];
extern const char *const vmstat_node_names[NR_VM_NODE_STAT_ITEMS];
extern const char *const vmstat_event_names[NR_VM_EVENT_ITEMS];
void __mod_zone_page_state_direct(struct kmm_machine *m, struct zone *z, enum zone_stat_item item,
				  long delta);
void __mod_zone_page_state_fold(struct kmm_machine *m, struct per_cpu_zonestat *pz, struct zone *z,
				enum zone_stat_item item, long x);
/*
 * Per-CPU delta with a threshold (mm/vmstat.c): the common case inline,
 * the fold past the threshold and slot-less calls out of line.
 */
static inline void __mod_zone_page_state(struct kmm_machine *m, struct kmm_cpu *c, struct zone *z,
					 enum zone_stat_item item, long delta)
{
	if (unlikely(!c || !z->per_cpu_zonestats)) {
		__mod_zone_page_state_direct(m, z, item, delta);
		return;
	}
	struct per_cpu_zonestat *pz = &z->per_cpu_zonestats[c->id];
	long x = delta + atomic_load_explicit(&pz->vm_stat_diff[item], memory_order_relaxed);
	long t = atomic_load_explicit(&pz->stat_threshold, memory_order_relaxed);
	if (unlikely(x > t || x < -t))
		__mod_zone_page_state_fold(m, pz, z, item, x);
	else
		atomic_store_explicit(&pz->vm_stat_diff[item], (signed char)x,
				      memory_order_relaxed);
}
void mod_zone_page_state(struct kmm_machine *m, struct zone *z, enum zone_stat_item item,
			 long delta);
/* NR_SLAB_*_B take bytes (page multiples) and are kept and read in pages, as Linux. */
void __mod_node_page_state_direct(struct kmm_machine *m, pg_data_t *pgdat, enum node_stat_item item,
				  long delta);
void __mod_node_page_state_fold(struct kmm_machine *m, struct per_cpu_nodestat *pn,
				pg_data_t *pgdat, enum node_stat_item item, long x);
void mod_node_page_state_slow(struct kmm_machine *m, pg_data_t *pgdat, enum node_stat_item item,
			      long delta);
/* Items whose updates come in bytes (include/linux/vmstat.h). */
static inline bool vmstat_item_in_bytes(enum node_stat_item item)
{
	return item == NR_SLAB_RECLAIMABLE_B || item == NR_SLAB_UNRECLAIMABLE_B;
}
/*
 * The common case inline: the slot's per-CPU delta stays within its
 * threshold.  Folding past the threshold, nodes without per-CPU counters
 * and calls without a slot go out of line.
 */
static inline void __mod_node_page_state(struct kmm_machine *m, struct kmm_cpu *c, pg_data_t *pgdat,
					 enum node_stat_item item, long delta)
{
	if (vmstat_item_in_bytes(item))
		delta >>= KMM_PAGE_SHIFT; /* kept in pages, as Linux */
	if (unlikely(!c || !pgdat->per_cpu_nodestats)) {
		__mod_node_page_state_direct(m, pgdat, item, delta);
		return;
	}
	struct per_cpu_nodestat *pn = &pgdat->per_cpu_nodestats[c->id];
	long x = delta + atomic_load_explicit(&pn->vm_node_stat_diff[item], memory_order_relaxed);
	long t = atomic_load_explicit(&pn->stat_threshold, memory_order_relaxed);
	if (unlikely(x > t || x < -t))
		__mod_node_page_state_fold(m, pn, pgdat, item, x);
	else
		atomic_store_explicit(&pn->vm_node_stat_diff[item], (signed char)x,
				      memory_order_relaxed);
}
static inline void mod_node_page_state(struct kmm_machine *m, pg_data_t *pgdat,
				       enum node_stat_item item, long delta)
{
	struct kmm_cpu *c = kmm_this_cpu_fast(m);

	if (likely(c))
		__mod_node_page_state(m, c, pgdat, item, delta);
	else
		mod_node_page_state_slow(m, pgdat, item, delta);
}
static inline void __count_vm_events(struct kmm_cpu *c, enum vm_event_item item,
				     unsigned long delta)
{
	/* the slot's owner is the only writer: a plain load/store suffices */
	unsigned long v = atomic_load_explicit(&c->vm_events[item], memory_order_relaxed);
	atomic_store_explicit(&c->vm_events[item], v + delta, memory_order_relaxed);
}
void count_vm_events(struct kmm_machine *m, enum vm_event_item item, unsigned long delta);
/* Per-CPU NUMA event of zone @z, summed on read; the slot owner writes. */
static inline void __count_numa_event(struct kmm_cpu *c, struct zone *z, enum numa_stat_item item)
{
	struct per_cpu_zonestat *pz = &z->per_cpu_zonestats[c->id];
	unsigned long v = atomic_load_explicit(&pz->vm_numa_event[item], memory_order_relaxed);
	atomic_store_explicit(&pz->vm_numa_event[item], v + 1, memory_order_relaxed);
}
unsigned long sum_vm_event(struct kmm_machine *m, enum vm_event_item item);
void refresh_zone_stat_thresholds(struct kmm_machine *m);
/*
 * Fold per-CPU deltas into the zones, nodes and global counters: those of
 * the caller's slot and of every slot no thread holds (claimed for the
 * fold); a slot another thread holds keeps its deltas (below threshold).
 */
void refresh_cpu_vm_stats(struct kmm_machine *m);
long global_zone_page_state(struct kmm_machine *m, enum zone_stat_item item);
long global_node_page_state(struct kmm_machine *m, enum node_stat_item item);
long node_page_state(pg_data_t *pgdat, enum node_stat_item item);
unsigned long sum_zone_node_page_state(struct kmm_machine *m, int nid, enum zone_stat_item item);
/* Free pages folded exactly (sums per-CPU deltas; for invariants). */
long zone_page_state_snapshot(struct kmm_machine *m, struct zone *z, enum zone_stat_item item);
long node_page_state_snapshot(struct kmm_machine *m, pg_data_t *pgdat, enum node_stat_item item);
long global_node_page_state_snapshot(struct kmm_machine *m, enum node_stat_item item);
void vmstat_init(struct kmm_machine *m);
/* m->totalreserve_pages, read under the lock its writers hold. */
unsigned long read_totalreserve_pages(struct kmm_machine *m);

/* ======== mm/debug.c ======== */
void dump_page(struct kmm_machine *m, struct page *page, const char *reason);
int format_page_flags(char *buf, size_t size, unsigned long flags);

/* ======== fs/proc ======== */
/*
 * The virtual /proc and /sys tree (fs/proc.c).  A subsystem adds files with
 * a const struct kmm_proc_table of its own, listed once in proc.c's
 * kmm_proc_tables[]: static files by absolute path, empty directories, and
 * providers that serve a whole directory whose entries are computed at
 * lookup time (/proc/sys from kmm_sysctl_table, later /sys/kernel/slab/<cache>
 * or /proc/<pid>).  Paths handed to providers are normalised and relative
 * to the provider's directory ("" is the directory itself).
 */
typedef void (*kmm_proc_filldir_t)(void *ctx, const char *name, bool is_dir);
/* What a path resolves to. */
struct kmm_proc_node {
	bool is_dir;
	/* files: generate the contents; NULL: not readable (-KMM_EACCES) */
	void (*show)(struct kmm_machine *m, const void *data, struct seq_buf *sb);
	/* files: take written text (not NUL-terminated); NULL: read-only */
	int (*write)(struct kmm_machine *m, const void *data, const char *text, size_t len);
	const void *data; /* handed back to show/write: a sysctl, a cache, a task */
};
struct kmm_proc_file {
	const char *path; /* absolute: "/proc/meminfo" */
	void (*show)(struct kmm_machine *m, struct seq_buf *sb);
	int (*write)(struct kmm_machine *m, const char *text, size_t len); /* NULL: read-only */
};
struct kmm_proc_provider {
	const char *path; /* the directory it serves: "/proc/sys" */
	/* Call fn for each entry of subdirectory @rest; 0 or -errno. */
	int (*list)(struct kmm_machine *m, const char *rest, kmm_proc_filldir_t fn, void *ctx);
	/* Resolve @rest (non-empty); 0 or -KMM_ENOENT. */
	int (*lookup)(struct kmm_machine *m, const char *rest, struct kmm_proc_node *out);
};
struct kmm_proc_table {
	const struct kmm_proc_file *files;
	unsigned nr_files;
	const char *const *dirs; /* directories that may be empty: "/sys/kernel/mm" */
	unsigned nr_dirs;
	const struct kmm_proc_provider *providers;
	unsigned nr_providers;
};
#define KMM_PROC_PATH_MAX 256 /* longest normalised path */
#define KMM_PROC_NAME_MAX 128 /* longest directory entry name */

void kmm_proc_show_buddyinfo(struct kmm_machine *m, struct seq_buf *sb);
void kmm_proc_show_pagetypeinfo(struct kmm_machine *m, struct seq_buf *sb);
void kmm_proc_show_zoneinfo(struct kmm_machine *m, struct seq_buf *sb);
void kmm_proc_show_vmstat(struct kmm_machine *m, struct seq_buf *sb);
void kmm_proc_show_meminfo(struct kmm_machine *m, struct seq_buf *sb);
void kmm_proc_show_iomem(struct kmm_machine *m, struct seq_buf *sb);
/* /proc/slabinfo and /sys/kernel/slab/<cache>/ (fs/proc_slab.c) */
extern const struct kmm_proc_table proc_slab_table;
/* /proc/<pid>/ of every task (fs/proc_pid.c) */
extern const struct kmm_proc_table proc_pid_table;
/* /proc/swaps and /sys/kernel/debug/fail_swap_io/ (mm/swapfile.c) */
extern const struct kmm_proc_table proc_swap_table;
extern const struct kmm_proc_table proc_vmscan_table;

#endif /* KMM_SRC_INTERNAL_H */
