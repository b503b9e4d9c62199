// SPDX-License-Identifier: MIT
/*
 * src/mm/vmstat.c - the VM counters and their /proc views (mm/vmstat.c).
 *
 * Owns:
 *   - the name tables of every counter, generated from the X-macro lists of
 *     include/kmm/vmstat.h;
 *   - zone and node page counters with per-CPU deltas folded into the
 *     zone/node and machine-wide counters once they pass a threshold
 *     (calculate_normal_threshold), event counters summed on read, NUMA
 *     events kept per zone per CPU;
 *   - /proc/buddyinfo, /proc/pagetypeinfo, /proc/zoneinfo and /proc/vmstat,
 *     in the format of Linux 6.1.
 *
 * Concurrency.  A CPU slot's deltas are written only by the thread that owns
 * the slot (relaxed load + store, no read-modify-write), as Linux relies on
 * preemption being off.  The zone, node and global counters take atomic
 * adds.  refresh_cpu_vm_stats() folds the calling thread's own slot and every
 * slot nobody owns (it claims the free ones for the duration of the fold,
 * exactly as a borrowing thread would); a slot owned by another running
 * thread keeps its deltas, which stay below the threshold.
 * zone_page_state_snapshot() gives an exact reading at any time.
 *
 * Node items counted in bytes (NR_SLAB_*_B) are stored in pages, as Linux
 * does: callers pass bytes (a multiple of the page size), readers get pages.
 */
#include "internal.h"

/* ---- name tables ------------------------------------------------------------ */

#define KMM_STAT_NAME(e, s) [e] = s,
const char *const vmstat_zone_names[NR_VM_ZONE_STAT_ITEMS] = { KMM_ZONE_STAT_ITEMS(KMM_STAT_NAME) };
const char *const vmstat_numa_names[NR_VM_NUMA_EVENT_ITEMS] = { KMM_NUMA_STAT_ITEMS(
	KMM_STAT_NAME) };
const char *const vmstat_node_names[NR_VM_NODE_STAT_ITEMS] = { KMM_NODE_STAT_ITEMS(KMM_STAT_NAME) };
const char *const vmstat_event_names[NR_VM_EVENT_ITEMS] = { KMM_VM_EVENT_ITEMS(KMM_STAT_NAME) };
#undef KMM_STAT_NAME

/* Pages in a PMD-mapped huge page: THP counters are shown in huge pages. */
#define HPAGE_PMD_NR (1L << pageblock_order)
/* /proc/sys/vm/dirty_ratio and dirty_background_ratio defaults. */
#define VM_DIRTY_RATIO 20
#define DIRTY_BACKGROUND_RATIO 10

static bool vmstat_item_print_in_thp(enum node_stat_item item)
{
	return item == NR_ANON_THPS || item == NR_FILE_THPS || item == NR_SHMEM_THPS ||
	       item == NR_SHMEM_PMDMAPPED || item == NR_FILE_PMDMAPPED;
}

static const char *zname(const pg_data_t *pgdat, int zid)
{
	const char *n = pgdat->node_zones[zid].name;

	return n ? n : zone_names[zid];
}

static long clamp0(long x)
{
	return x < 0 ? 0 : x;
}

/* ---- updates ---------------------------------------------------------------- */

static void zone_page_state_add(struct kmm_machine *m, long x, struct zone *z,
				enum zone_stat_item item)
{
	atomic_fetch_add_explicit(&z->vm_stat[item], x, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->vm_zone_stat[item], x, memory_order_relaxed);
}

static void node_page_state_add(struct kmm_machine *m, long x, pg_data_t *pgdat,
				enum node_stat_item item)
{
	atomic_fetch_add_explicit(&pgdat->vm_stat[item], x, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->vm_node_stat[item], x, memory_order_relaxed);
}

/*
 * The out-of-line parts of __mod_zone_page_state() (internal.h): a zone
 * without per-CPU counters yet or a call without a slot goes straight into
 * the counters; a slot delta @x past its threshold is folded.
 */
void __mod_zone_page_state_direct(struct kmm_machine *m, struct zone *z, enum zone_stat_item item,
				  long delta)
{
	zone_page_state_add(m, delta, z, item);
}

void __mod_zone_page_state_fold(struct kmm_machine *m, struct per_cpu_zonestat *pz, struct zone *z,
				enum zone_stat_item item, long x)
{
	zone_page_state_add(m, x, z, item);
	atomic_store_explicit(&pz->vm_stat_diff[item], 0, memory_order_relaxed);
}

void mod_zone_page_state(struct kmm_machine *m, struct zone *z, enum zone_stat_item item,
			 long delta)
{
	struct kmm_cpu *c = kmm_get_cpu(m);

	__mod_zone_page_state(m, c, z, item, delta);
	kmm_put_cpu(m, c);
}

/*
 * The out-of-line parts of __mod_node_page_state() (internal.h), as those
 * of __mod_zone_page_state(); @delta and @x are in pages already.
 */
void __mod_node_page_state_direct(struct kmm_machine *m, pg_data_t *pgdat, enum node_stat_item item,
				  long delta)
{
	node_page_state_add(m, delta, pgdat, item);
}

void __mod_node_page_state_fold(struct kmm_machine *m, struct per_cpu_nodestat *pn,
				pg_data_t *pgdat, enum node_stat_item item, long x)
{
	node_page_state_add(m, x, pgdat, item);
	atomic_store_explicit(&pn->vm_node_stat_diff[item], 0, memory_order_relaxed);
}

void mod_node_page_state_slow(struct kmm_machine *m, pg_data_t *pgdat, enum node_stat_item item,
			      long delta)
{
	struct kmm_cpu *c = kmm_get_cpu(m);

	__mod_node_page_state(m, c, pgdat, item, delta);
	kmm_put_cpu(m, c);
}

void count_vm_events(struct kmm_machine *m, enum vm_event_item item, unsigned long delta)
{
	struct kmm_cpu *c = kmm_get_cpu(m);

	__count_vm_events(c, item, delta);
	kmm_put_cpu(m, c);
}

/* ---- reads ------------------------------------------------------------------ */

unsigned long sum_vm_event(struct kmm_machine *m, enum vm_event_item item)
{
	unsigned long sum = 0;

	for (int cpu = 0; cpu < m->nr_cpu_ids; cpu++)
		sum += atomic_load_explicit(&m->cpus[cpu].vm_events[item], memory_order_relaxed);
	return sum;
}

long global_zone_page_state(struct kmm_machine *m, enum zone_stat_item item)
{
	return clamp0(atomic_load_explicit(&m->vm_zone_stat[item], memory_order_relaxed));
}

long global_node_page_state(struct kmm_machine *m, enum node_stat_item item)
{
	return clamp0(atomic_load_explicit(&m->vm_node_stat[item], memory_order_relaxed));
}

long kmm_node_stat(struct kmm_machine *m, enum node_stat_item item)
{
	if ((unsigned)item >= NR_VM_NODE_STAT_ITEMS)
		return 0;
	return global_node_page_state_snapshot(m, item);
}

long node_page_state(pg_data_t *pgdat, enum node_stat_item item)
{
	return clamp0(atomic_load_explicit(&pgdat->vm_stat[item], memory_order_relaxed));
}

unsigned long sum_zone_node_page_state(struct kmm_machine *m, int nid, enum zone_stat_item item)
{
	pg_data_t *pgdat = NODE_DATA(m, nid);
	unsigned long count = 0;

	for (int i = 0; i < MAX_NR_ZONES; i++)
		count += (unsigned long)zone_page_state(&pgdat->node_zones[i], item);
	return count;
}

/* Exact: the node's counter plus every CPU's pending delta. */
long node_page_state_snapshot(struct kmm_machine *m, pg_data_t *pgdat, enum node_stat_item item)
{
	long x = atomic_load_explicit(&pgdat->vm_stat[item], memory_order_relaxed);
	if (pgdat->per_cpu_nodestats)
		for (int i = 0; i < m->nr_cpu_ids; i++)
			x += atomic_load_explicit(
				&pgdat->per_cpu_nodestats[i].vm_node_stat_diff[item],
				memory_order_relaxed);
	return x;
}

long global_node_page_state_snapshot(struct kmm_machine *m, enum node_stat_item item)
{
	long x = 0;
	int nid;
	for_each_online_node(m, nid) x += node_page_state_snapshot(m, NODE_DATA(m, nid), item);
	return x;
}

long zone_page_state_snapshot(struct kmm_machine *m, struct zone *z, enum zone_stat_item item)
{
	long x = atomic_load_explicit(&z->vm_stat[item], memory_order_relaxed);

	if (z->per_cpu_zonestats)
		for (int cpu = 0; cpu < m->nr_cpu_ids; cpu++)
			x += atomic_load_explicit(&z->per_cpu_zonestats[cpu].vm_stat_diff[item],
						  memory_order_relaxed);
	return clamp0(x);
}

/* NUMA events of a zone: folded part plus what the CPUs still hold. */
static unsigned long zone_numa_event_state(struct kmm_machine *m, struct zone *z,
					   enum numa_stat_item item)
{
	unsigned long x =
		(unsigned long)atomic_load_explicit(&z->vm_numa_event[item], memory_order_relaxed);

	if (z->per_cpu_zonestats)
		for (int cpu = 0; cpu < m->nr_cpu_ids; cpu++)
			x += atomic_load_explicit(&z->per_cpu_zonestats[cpu].vm_numa_event[item],
						  memory_order_relaxed);
	return x;
}

static unsigned long global_numa_event_state(struct kmm_machine *m, enum numa_stat_item item)
{
	unsigned long x =
		(unsigned long)atomic_load_explicit(&m->vm_numa_event[item], memory_order_relaxed);
	int nid;

	for_each_online_node(m, nid)
	{
		pg_data_t *pgdat = NODE_DATA(m, nid);

		for (int i = 0; i < MAX_NR_ZONES; i++) {
			struct zone *z = &pgdat->node_zones[i];

			if (!z->per_cpu_zonestats)
				continue;
			for (int cpu = 0; cpu < m->nr_cpu_ids; cpu++)
				x += atomic_load_explicit(
					&z->per_cpu_zonestats[cpu].vm_numa_event[item],
					memory_order_relaxed);
		}
	}
	return x;
}

/* ---- thresholds and folding ----------------------------------------------------- */

static int calculate_normal_threshold(struct kmm_machine *m, struct zone *z)
{
	/* memory in 128 MiB units; fls() scales logarithmically */
	unsigned long mem = zone_managed_pages(z) >> (27 - KMM_PAGE_SHIFT);
	int threshold = 2 * (int)kmm_fls64((uint64_t)m->nr_cpu_ids) * (1 + (int)kmm_fls64(mem));

	return threshold > 125 ? 125 : threshold;
}

void refresh_zone_stat_thresholds(struct kmm_machine *m)
{
	int nid;

	for_each_online_node(m, nid)
	{
		pg_data_t *pgdat = NODE_DATA(m, nid);

		if (!pgdat->per_cpu_nodestats)
			continue;
		for (int cpu = 0; cpu < m->nr_cpu_ids; cpu++)
			atomic_store_explicit(&pgdat->per_cpu_nodestats[cpu].stat_threshold, 0,
					      memory_order_relaxed);
	}

	for_each_online_node(m, nid)
	{
		pg_data_t *pgdat = NODE_DATA(m, nid);

		for (int i = 0; i < MAX_NR_ZONES; i++) {
			struct zone *z = &pgdat->node_zones[i];
			int t;

			if (!populated_zone(z) || !z->per_cpu_zonestats)
				continue;
			t = calculate_normal_threshold(m, z);
			for (int cpu = 0; cpu < m->nr_cpu_ids; cpu++) {
				atomic_store_explicit(&z->per_cpu_zonestats[cpu].stat_threshold,
						      (signed char)t, memory_order_relaxed);
				if (!pgdat->per_cpu_nodestats)
					continue;
				/* the node threshold follows its largest populated zone */
				_Atomic signed char *nt =
					&pgdat->per_cpu_nodestats[cpu].stat_threshold;
				if (atomic_load_explicit(nt, memory_order_relaxed) < t)
					atomic_store_explicit(nt, (signed char)t,
							      memory_order_relaxed);
			}
		}
	}
}

/* Fold slot @c's deltas; the caller owns the slot. */
static void fold_cpu(struct kmm_machine *m, struct kmm_cpu *c)
{
	int nid;

	for_each_online_node(m, nid)
	{
		pg_data_t *pgdat = NODE_DATA(m, nid);

		for (int i = 0; i < MAX_NR_ZONES; i++) {
			struct zone *z = &pgdat->node_zones[i];
			struct per_cpu_zonestat *pz;

			if (!z->per_cpu_zonestats)
				continue;
			pz = &z->per_cpu_zonestats[c->id];
			for (int item = 0; item < NR_VM_ZONE_STAT_ITEMS; item++) {
				long v = atomic_load_explicit(&pz->vm_stat_diff[item],
							      memory_order_relaxed);
				if (!v)
					continue;
				atomic_store_explicit(&pz->vm_stat_diff[item], 0,
						      memory_order_relaxed);
				zone_page_state_add(m, v, z, (enum zone_stat_item)item);
			}
			for (int item = 0; item < NR_VM_NUMA_EVENT_ITEMS; item++) {
				unsigned long v = atomic_load_explicit(&pz->vm_numa_event[item],
								       memory_order_relaxed);
				if (!v)
					continue;
				atomic_store_explicit(&pz->vm_numa_event[item], 0,
						      memory_order_relaxed);
				atomic_fetch_add_explicit(&z->vm_numa_event[item], (long)v,
							  memory_order_relaxed);
				atomic_fetch_add_explicit(&m->vm_numa_event[item], (long)v,
							  memory_order_relaxed);
			}
		}

		if (!pgdat->per_cpu_nodestats)
			continue;
		struct per_cpu_nodestat *pn = &pgdat->per_cpu_nodestats[c->id];
		for (int item = 0; item < NR_VM_NODE_STAT_ITEMS; item++) {
			long v = atomic_load_explicit(&pn->vm_node_stat_diff[item],
						      memory_order_relaxed);
			if (!v)
				continue;
			atomic_store_explicit(&pn->vm_node_stat_diff[item], 0,
					      memory_order_relaxed);
			node_page_state_add(m, v, pgdat, (enum node_stat_item)item);
		}
	}
}

void refresh_cpu_vm_stats(struct kmm_machine *m)
{
	/* the token kernel/cpu.c uses: the address of the thread's TLS slot */
	uintptr_t tok = (uintptr_t)kmm_port_tls_slot();

	for (int cpu = 0; cpu < m->nr_cpu_ids; cpu++) {
		struct kmm_cpu *c = &m->cpus[cpu];
		uintptr_t expected = 0;

		if (atomic_load_explicit(&c->owner, memory_order_relaxed) == tok) {
			fold_cpu(m, c); /* our own slot, bound or borrowed */
			continue;
		}
		if (!atomic_compare_exchange_strong_explicit(
			    &c->owner, &expected, tok, memory_order_acquire, memory_order_relaxed))
			continue; /* another thread runs there: its deltas stay */
		fold_cpu(m, c);
		atomic_store_explicit(&c->owner, 0, memory_order_release);
	}
}

void vmstat_init(struct kmm_machine *m)
{
	refresh_zone_stat_thresholds(m);
}

/* ---- /proc/buddyinfo ----------------------------------------------------------- */

void kmm_proc_show_buddyinfo(struct kmm_machine *m, struct seq_buf *sb)
{
	int nid;

	for_each_online_node(m, nid)
	{
		pg_data_t *pgdat = NODE_DATA(m, nid);

		for (int i = 0; i < MAX_NR_ZONES; i++) {
			struct zone *z = &pgdat->node_zones[i];
			unsigned long nr[NR_PAGE_ORDERS];

			if (!populated_zone(z))
				continue;
			spin_lock(&z->lock);
			for (int o = 0; o < NR_PAGE_ORDERS; o++)
				nr[o] = z->free_area[o].nr_free;
			spin_unlock(&z->lock);

			seq_buf_printf(sb, "Node %d, zone %8s ", pgdat->node_id, zname(pgdat, i));
			for (int o = 0; o < NR_PAGE_ORDERS; o++)
				seq_buf_printf(sb, "%6lu ", nr[o]);
			seq_buf_putc(sb, '\n');
		}
	}
}

/* ---- /proc/pagetypeinfo ---------------------------------------------------------- */

/* Walks of one free list stop here, as Linux's do (they run under zone->lock). */
#define PAGETYPEINFO_WALK_CAP 100000UL

static bool node_has_memory(const pg_data_t *pgdat)
{
	for (int i = 0; i < MAX_NR_ZONES; i++)
		if (populated_zone(&pgdat->node_zones[i]))
			return true;
	return false;
}

static void pagetypeinfo_showfree_print(struct seq_buf *sb, pg_data_t *pgdat, int zid)
{
	struct zone *z = &pgdat->node_zones[zid];
	unsigned long count[MIGRATE_TYPES][NR_PAGE_ORDERS];
	bool capped[MIGRATE_TYPES][NR_PAGE_ORDERS];

	for (int o = 0; o < NR_PAGE_ORDERS; o++) {
		spin_lock(&z->lock);
		for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
			struct list_head *curr;
			unsigned long n = 0;

			capped[mt][o] = false;
			list_for_each (curr, &z->free_area[o].free_list[mt]) {
				if (++n >= PAGETYPEINFO_WALK_CAP) {
					capped[mt][o] = true;
					break;
				}
			}
			count[mt][o] = n;
		}
		spin_unlock(&z->lock);
	}

	for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
		seq_buf_printf(sb, "Node %4d, zone %8s, type %12s ", pgdat->node_id,
			       zname(pgdat, zid), migratetype_names[mt]);
		for (int o = 0; o < NR_PAGE_ORDERS; o++)
			seq_buf_printf(sb, "%s%6lu ", capped[mt][o] ? ">" : "", count[mt][o]);
		seq_buf_putc(sb, '\n');
	}
}

static void pagetypeinfo_showblockcount_print(struct kmm_machine *m, struct seq_buf *sb,
					      pg_data_t *pgdat, int zid)
{
	struct zone *z = &pgdat->node_zones[zid];
	unsigned long count[MIGRATE_TYPES] = { 0 };

	spin_lock(&z->lock);
	for (kmm_pfn_t pfn = z->zone_start_pfn; pfn < zone_end_pfn(z); pfn += pageblock_nr_pages) {
		struct page *page;
		int mt;

		if (!kmm_pfn_valid(m, pfn))
			continue;
		page = kmm_pfn_to_page(m, pfn);
		if (kmm_page_zone(m, page) != z)
			continue;
		mt = get_pageblock_migratetype(m, page);
		if (mt >= 0 && mt < MIGRATE_TYPES)
			count[mt]++;
	}
	spin_unlock(&z->lock);

	seq_buf_printf(sb, "Node %d, zone %8s ", pgdat->node_id, zname(pgdat, zid));
	for (int mt = 0; mt < MIGRATE_TYPES; mt++)
		seq_buf_printf(sb, "%12lu ", count[mt]);
	seq_buf_putc(sb, '\n');
}

void kmm_proc_show_pagetypeinfo(struct kmm_machine *m, struct seq_buf *sb)
{
	int nid;

	for_each_online_node(m, nid)
	{
		pg_data_t *pgdat = NODE_DATA(m, nid);

		if (!node_has_memory(pgdat))
			continue;
		seq_buf_printf(sb, "Page block order: %d\n", pageblock_order);
		seq_buf_printf(sb, "Pages per block:  %lu\n", pageblock_nr_pages);
		seq_buf_putc(sb, '\n');

		seq_buf_printf(sb, "%-43s ", "Free pages count per migrate type at order");
		for (int o = 0; o < NR_PAGE_ORDERS; o++)
			seq_buf_printf(sb, "%6d ", o);
		seq_buf_putc(sb, '\n');
		for (int i = 0; i < MAX_NR_ZONES; i++)
			if (populated_zone(&pgdat->node_zones[i]))
				pagetypeinfo_showfree_print(sb, pgdat, i);

		seq_buf_printf(sb, "\n%-23s", "Number of blocks type ");
		for (int mt = 0; mt < MIGRATE_TYPES; mt++)
			seq_buf_printf(sb, "%12s ", migratetype_names[mt]);
		seq_buf_putc(sb, '\n');
		for (int i = 0; i < MAX_NR_ZONES; i++)
			if (populated_zone(&pgdat->node_zones[i]))
				pagetypeinfo_showblockcount_print(m, sb, pgdat, i);
	}
}

/* ---- /proc/zoneinfo ---------------------------------------------------------------- */

static bool is_zone_first_populated(const pg_data_t *pgdat, int zid)
{
	for (int i = 0; i < MAX_NR_ZONES; i++)
		if (populated_zone(&pgdat->node_zones[i]))
			return i == zid;
	return false;
}

static void zoneinfo_show_print(struct kmm_machine *m, struct seq_buf *sb, pg_data_t *pgdat,
				int zid)
{
	struct zone *z = &pgdat->node_zones[zid];

	seq_buf_printf(sb, "Node %d, zone %8s", pgdat->node_id, zname(pgdat, zid));
	if (is_zone_first_populated(pgdat, zid)) {
		seq_buf_puts(sb, "\n  per-node stats");
		for (int i = 0; i < NR_VM_NODE_STAT_ITEMS; i++) {
			long pages = node_page_state(pgdat, (enum node_stat_item)i);

			if (vmstat_item_print_in_thp((enum node_stat_item)i))
				pages /= HPAGE_PMD_NR;
			seq_buf_printf(sb, "\n      %-12s %lu", vmstat_node_names[i],
				       (unsigned long)pages);
		}
	}
	seq_buf_printf(sb,
		       "\n  pages free     %lu"
		       "\n        boost    %lu"
		       "\n        min      %lu"
		       "\n        low      %lu"
		       "\n        high     %lu"
		       "\n        spanned  %lu"
		       "\n        present  %lu"
		       "\n        managed  %lu"
		       "\n        cma      %lu",
		       (unsigned long)zone_page_state(z, NR_FREE_PAGES),
		       atomic_load_explicit(&z->watermark_boost, memory_order_relaxed),
		       min_wmark_pages(z), low_wmark_pages(z), high_wmark_pages(z),
		       z->spanned_pages, z->present_pages, zone_managed_pages(z), 0UL);

	seq_buf_printf(sb, "\n        protection: (%ld",
		       atomic_load_explicit(&z->lowmem_reserve[0], memory_order_relaxed));
	for (int i = 1; i < MAX_NR_ZONES; i++)
		seq_buf_printf(sb, ", %ld",
			       atomic_load_explicit(&z->lowmem_reserve[i], memory_order_relaxed));
	seq_buf_putc(sb, ')');

	/* If unpopulated, no other information is useful */
	if (!populated_zone(z)) {
		seq_buf_putc(sb, '\n');
		return;
	}

	for (int i = 0; i < NR_VM_ZONE_STAT_ITEMS; i++)
		seq_buf_printf(sb, "\n      %-12s %lu", vmstat_zone_names[i],
			       (unsigned long)zone_page_state(z, (enum zone_stat_item)i));
	for (int i = 0; i < NR_VM_NUMA_EVENT_ITEMS; i++)
		seq_buf_printf(sb, "\n      %-12s %lu", vmstat_numa_names[i],
			       zone_numa_event_state(m, z, (enum numa_stat_item)i));

	seq_buf_puts(sb, "\n  pagesets");
	for (int cpu = 0; cpu < m->nr_cpu_ids; cpu++) {
		int count = 0, high = 0, batch = 0, threshold = 0;

		if (z->per_cpu_pageset) {
			/* written with relaxed atomics for lockless readers like this one */
			struct per_cpu_pages *pcp = &z->per_cpu_pageset[cpu];

			count = __atomic_load_n(&pcp->count, __ATOMIC_RELAXED);
			high = __atomic_load_n(&pcp->high, __ATOMIC_RELAXED);
			batch = __atomic_load_n(&pcp->batch, __ATOMIC_RELAXED);
		}
		if (z->per_cpu_zonestats)
			threshold = atomic_load_explicit(&z->per_cpu_zonestats[cpu].stat_threshold,
							 memory_order_relaxed);
		seq_buf_printf(sb,
			       "\n    cpu: %i"
			       "\n              count: %i"
			       "\n              high:  %i"
			       "\n              batch: %i",
			       cpu, count, high, batch);
		seq_buf_printf(sb, "\n  vm stats threshold: %d", threshold);
	}
	/* node_unreclaimable: kswapd_failures >= MAX_RECLAIM_RETRIES (no kswapd yet) */
	seq_buf_printf(sb,
		       "\n  node_unreclaimable:  %u"
		       "\n  start_pfn:           %lu",
		       0u, (unsigned long)z->zone_start_pfn);
	seq_buf_putc(sb, '\n');
}

void kmm_proc_show_zoneinfo(struct kmm_machine *m, struct seq_buf *sb)
{
	int nid;

	/* the deltas the kernel's vmstat worker would have folded by now */
	refresh_cpu_vm_stats(m);
	/* every zone, populated or not: lowmem_reserve_ratio acts on all of them */
	for_each_online_node(m, nid)
	{
		pg_data_t *pgdat = NODE_DATA(m, nid);

		for (int i = 0; i < MAX_NR_ZONES; i++)
			zoneinfo_show_print(m, sb, pgdat, i);
	}
}

/* ---- /proc/vmstat ----------------------------------------------------------------- */

unsigned long read_totalreserve_pages(struct kmm_machine *m)
{
	unsigned long v;

	spin_lock(&m->sysctl_lock);
	v = m->totalreserve_pages;
	spin_unlock(&m->sysctl_lock);
	return v;
}

/*
 * global_dirty_limits() (mm/page-writeback.c) with vm.dirty_ratio = 20,
 * vm.dirty_background_ratio = 10 and no byte limits: a share of the
 * dirtyable memory, free pages above the reserves plus the file LRU.
 */
static void global_dirty_limits(struct kmm_machine *m, unsigned long *pbackground,
				unsigned long *pdirty)
{
	unsigned long x = (unsigned long)global_zone_page_state(m, NR_FREE_PAGES);
	unsigned long reserve = read_totalreserve_pages(m);
	unsigned long ratio = (VM_DIRTY_RATIO * KMM_PAGE_SIZE) / 100;
	unsigned long bg_ratio = (DIRTY_BACKGROUND_RATIO * KMM_PAGE_SIZE) / 100;
	unsigned long avail, thresh, bg_thresh;

	x -= KMM_MIN(x, reserve);
	x += (unsigned long)global_node_page_state(m, NR_INACTIVE_FILE);
	x += (unsigned long)global_node_page_state(m, NR_ACTIVE_FILE);
	avail = x + 1; /* never 0 */

	thresh = (ratio * avail) / KMM_PAGE_SIZE;
	bg_thresh = (bg_ratio * avail) / KMM_PAGE_SIZE;
	if (bg_thresh >= thresh)
		bg_thresh = thresh / 2;
	*pbackground = bg_thresh;
	*pdirty = thresh;
}

void kmm_proc_show_vmstat(struct kmm_machine *m, struct seq_buf *sb)
{
	unsigned long dirty, background;

	refresh_cpu_vm_stats(m);

	for (int i = 0; i < NR_VM_ZONE_STAT_ITEMS; i++)
		seq_buf_printf(sb, "%s %lu\n", vmstat_zone_names[i],
			       (unsigned long)global_zone_page_state(m, (enum zone_stat_item)i));
	for (int i = 0; i < NR_VM_NUMA_EVENT_ITEMS; i++)
		seq_buf_printf(sb, "%s %lu\n", vmstat_numa_names[i],
			       global_numa_event_state(m, (enum numa_stat_item)i));
	for (int i = 0; i < NR_VM_NODE_STAT_ITEMS; i++) {
		long v = global_node_page_state(m, (enum node_stat_item)i);

		if (vmstat_item_print_in_thp((enum node_stat_item)i))
			v /= HPAGE_PMD_NR;
		seq_buf_printf(sb, "%s %lu\n", vmstat_node_names[i], (unsigned long)v);
	}

	global_dirty_limits(m, &background, &dirty);
	seq_buf_printf(sb, "nr_dirty_threshold %lu\n", dirty);
	seq_buf_printf(sb, "nr_dirty_background_threshold %lu\n", background);

	for (int i = 0; i < NR_VM_EVENT_ITEMS; i++) {
		unsigned long v = sum_vm_event(m, (enum vm_event_item)i);

		if (i == PGPGIN || i == PGPGOUT)
			v /= 2; /* sectors -> kbytes */
		seq_buf_printf(sb, "%s %lu\n", vmstat_event_names[i], v);
	}
	/* deprecated, still printed so that parsers keep working (Linux 5.8+) */
	seq_buf_puts(sb, "nr_unstable 0\n");
}
