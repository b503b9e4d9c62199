// SPDX-License-Identifier: MIT
/*
 * src/mm/show_mem.c - the "Mem-Info:" report (mm/show_mem.c; in Linux 6.1
 * show_free_areas() lived in mm/page_alloc.c and __show_mem() in
 * lib/show_mem.c).
 *
 * __show_mem() prints, at warning level and one log record per line, what
 * the kernel prints after a page allocation failure or on SysRq-m: global
 * counters, one line per node and per zone, the free blocks of each zone by
 * order with the migratetypes that hold them, then the page cache, swap and
 * RAM totals.  Subsystems that do not exist yet (swap, hugetlb, LRU) show
 * their counters, which read 0.
 *
 * It runs on failure paths: it takes only zone->lock (briefly, to copy the
 * free-area counts) and never folds per-CPU deltas or claims CPU slots.
 */
#include "internal.h"

#define K(x) ((unsigned long)(x) << (KMM_PAGE_SHIFT - 10))

/* A zone line is the longest: ~20 fields of up to 20 digits. */
#define SHOW_MEM_LINE 768

static void show_line(struct kmm_machine *m, struct seq_buf *sb)
{
	kmm_print_lines(m, KMM_LOGLEVEL_WARNING, sb->buf);
	seq_buf_init(sb, sb->buf, sb->size);
}

static bool node_has_managed_zones(const pg_data_t *pgdat)
{
	for (int i = 0; i < MAX_NR_ZONES; i++)
		if (zone_managed_pages(&pgdat->node_zones[i]))
			return true;
	return false;
}

static unsigned long zone_free_pcp(struct kmm_machine *m, struct zone *z)
{
	unsigned long n = 0;

	if (!z->per_cpu_pageset)
		return 0;
	for (int cpu = 0; cpu < m->nr_cpu_ids; cpu++)
		n += (unsigned long)kmm_pcp_count(z, cpu);
	return n;
}

/* "(UME) ": the migratetypes whose free lists of an order are not empty. */
static void show_migration_types(struct seq_buf *sb, unsigned types)
{
	static const char letters[MIGRATE_TYPES] = {
		[MIGRATE_UNMOVABLE] = 'U',  [MIGRATE_MOVABLE] = 'M', [MIGRATE_RECLAIMABLE] = 'E',
		[MIGRATE_HIGHATOMIC] = 'H', [MIGRATE_ISOLATE] = 'I',
	};
	char tmp[MIGRATE_TYPES + 1];
	int n = 0;

	for (int i = 0; i < MIGRATE_TYPES; i++)
		if (types & (1u << i))
			tmp[n++] = letters[i];
	tmp[n] = '\0';
	seq_buf_printf(sb, "(%s) ", tmp);
}

void show_zone_free_areas(struct kmm_machine *m, struct zone *z, struct seq_buf *sb)
{
	unsigned long nr[NR_PAGE_ORDERS], total = 0;
	unsigned types[NR_PAGE_ORDERS];

	(void)m;
	seq_buf_printf(sb, "Node %d %s: ", z->node, z->name);

	spin_lock(&z->lock);
	for (int o = 0; o < NR_PAGE_ORDERS; o++) {
		struct free_area *area = &z->free_area[o];

		nr[o] = area->nr_free;
		total += nr[o] << o;
		types[o] = 0;
		for (int t = 0; t < MIGRATE_TYPES; t++)
			if (!list_empty(&area->free_list[t]))
				types[o] |= 1u << t;
	}
	spin_unlock(&z->lock);

	for (int o = 0; o < NR_PAGE_ORDERS; o++) {
		seq_buf_printf(sb, "%lu*%lukB ", nr[o], K(1UL) << o);
		if (nr[o])
			show_migration_types(sb, types[o]);
	}
	seq_buf_printf(sb, "= %lukB", K(total));
}

static void show_free_areas(struct kmm_machine *m, const unsigned long *nodemask,
			    struct seq_buf *sb)
{
	unsigned long free_pcp = 0;
	int nid;

	for_each_online_node(m, nid)
	{
		if (!node_allowed(nodemask, nid))
			continue;
		for (int i = 0; i < MAX_NR_ZONES; i++)
			if (populated_zone(&NODE_DATA(m, nid)->node_zones[i]))
				free_pcp += zone_free_pcp(m, &NODE_DATA(m, nid)->node_zones[i]);
	}

	seq_buf_printf(sb,
		       "active_anon:%lu inactive_anon:%lu isolated_anon:%lu\n"
		       " active_file:%lu inactive_file:%lu isolated_file:%lu\n"
		       " unevictable:%lu dirty:%lu writeback:%lu\n"
		       " slab_reclaimable:%lu slab_unreclaimable:%lu\n"
		       " mapped:%lu shmem:%lu pagetables:%lu\n"
		       " sec_pagetables:%lu bounce:%lu\n"
		       " kernel_misc_reclaimable:%lu\n"
		       " free:%lu free_pcp:%lu free_cma:%lu",
		       global_node_page_state(m, NR_ACTIVE_ANON),
		       global_node_page_state(m, NR_INACTIVE_ANON),
		       global_node_page_state(m, NR_ISOLATED_ANON),
		       global_node_page_state(m, NR_ACTIVE_FILE),
		       global_node_page_state(m, NR_INACTIVE_FILE),
		       global_node_page_state(m, NR_ISOLATED_FILE),
		       global_node_page_state(m, NR_UNEVICTABLE),
		       global_node_page_state(m, NR_FILE_DIRTY),
		       global_node_page_state(m, NR_WRITEBACK),
		       global_node_page_state(m, NR_SLAB_RECLAIMABLE_B),
		       global_node_page_state(m, NR_SLAB_UNRECLAIMABLE_B),
		       global_node_page_state(m, NR_FILE_MAPPED),
		       global_node_page_state(m, NR_SHMEM), global_node_page_state(m, NR_PAGETABLE),
		       global_node_page_state(m, NR_SECONDARY_PAGETABLE),
		       global_zone_page_state(m, NR_BOUNCE),
		       global_node_page_state(m, NR_KERNEL_MISC_RECLAIMABLE),
		       global_zone_page_state(m, NR_FREE_PAGES), free_pcp,
		       global_zone_page_state(m, NR_FREE_CMA_PAGES));
	show_line(m, sb);

	for_each_online_node(m, nid)
	{
		pg_data_t *pgdat = NODE_DATA(m, nid);

		if (!node_allowed(nodemask, nid) || !node_has_managed_zones(pgdat))
			continue;
		/* 6.1 still has the blank after "shmem_thp:" and friends */
		seq_buf_printf(sb,
			       "Node %d"
			       " active_anon:%lukB"
			       " inactive_anon:%lukB"
			       " active_file:%lukB"
			       " inactive_file:%lukB"
			       " unevictable:%lukB"
			       " isolated(anon):%lukB"
			       " isolated(file):%lukB"
			       " mapped:%lukB"
			       " dirty:%lukB"
			       " writeback:%lukB"
			       " shmem:%lukB"
			       " shmem_thp: %lukB"
			       " shmem_pmdmapped: %lukB"
			       " anon_thp: %lukB"
			       " writeback_tmp:%lukB"
			       " kernel_stack:%lukB"
			       " pagetables:%lukB"
			       " sec_pagetables:%lukB"
			       " all_unreclaimable? %s",
			       pgdat->node_id, K(node_page_state(pgdat, NR_ACTIVE_ANON)),
			       K(node_page_state(pgdat, NR_INACTIVE_ANON)),
			       K(node_page_state(pgdat, NR_ACTIVE_FILE)),
			       K(node_page_state(pgdat, NR_INACTIVE_FILE)),
			       K(node_page_state(pgdat, NR_UNEVICTABLE)),
			       K(node_page_state(pgdat, NR_ISOLATED_ANON)),
			       K(node_page_state(pgdat, NR_ISOLATED_FILE)),
			       K(node_page_state(pgdat, NR_FILE_MAPPED)),
			       K(node_page_state(pgdat, NR_FILE_DIRTY)),
			       K(node_page_state(pgdat, NR_WRITEBACK)),
			       K(node_page_state(pgdat, NR_SHMEM)),
			       K(node_page_state(pgdat, NR_SHMEM_THPS)),
			       K(node_page_state(pgdat, NR_SHMEM_PMDMAPPED)),
			       K(node_page_state(pgdat, NR_ANON_THPS)),
			       K(node_page_state(pgdat, NR_WRITEBACK_TEMP)),
			       (unsigned long)node_page_state(pgdat, NR_KERNEL_STACK_KB),
			       K(node_page_state(pgdat, NR_PAGETABLE)),
			       K(node_page_state(pgdat, NR_SECONDARY_PAGETABLE)),
			       "no" /* kswapd_failures >= MAX_RECLAIM_RETRIES */);
		show_line(m, sb);
	}

	int cur = kmm_cpu_current(m);
	for_each_online_node(m, nid)
	{
		pg_data_t *pgdat = NODE_DATA(m, nid);

		if (!node_allowed(nodemask, nid))
			continue;
		for (int i = 0; i < MAX_NR_ZONES; i++) {
			struct zone *z = &pgdat->node_zones[i];
			unsigned long local_pcp = 0;

			if (!populated_zone(z))
				continue;
			if (cur >= 0 && z->per_cpu_pageset)
				local_pcp = (unsigned long)kmm_pcp_count(z, cur);
			seq_buf_printf(
				sb,
				"Node %d %s"
				" free:%lukB"
				" boost:%lukB"
				" min:%lukB"
				" low:%lukB"
				" high:%lukB"
				" reserved_highatomic:%luKB"
				" active_anon:%lukB"
				" inactive_anon:%lukB"
				" active_file:%lukB"
				" inactive_file:%lukB"
				" unevictable:%lukB"
				" writepending:%lukB"
				" present:%lukB"
				" managed:%lukB"
				" mlocked:%lukB"
				" bounce:%lukB"
				" free_pcp:%lukB"
				" local_pcp:%lukB"
				" free_cma:%lukB",
				pgdat->node_id, z->name, K(zone_page_state(z, NR_FREE_PAGES)),
				K(atomic_load_explicit(&z->watermark_boost, memory_order_relaxed)),
				K(min_wmark_pages(z)), K(low_wmark_pages(z)),
				K(high_wmark_pages(z)),
				K(atomic_load_explicit(&z->nr_reserved_highatomic,
						       memory_order_relaxed)),
				K(zone_page_state(z, NR_ZONE_ACTIVE_ANON)),
				K(zone_page_state(z, NR_ZONE_INACTIVE_ANON)),
				K(zone_page_state(z, NR_ZONE_ACTIVE_FILE)),
				K(zone_page_state(z, NR_ZONE_INACTIVE_FILE)),
				K(zone_page_state(z, NR_ZONE_UNEVICTABLE)),
				K(zone_page_state(z, NR_ZONE_WRITE_PENDING)), K(z->present_pages),
				K(zone_managed_pages(z)), K(zone_page_state(z, NR_MLOCK)),
				K(zone_page_state(z, NR_BOUNCE)), K(zone_free_pcp(m, z)),
				K(local_pcp), K(zone_page_state(z, NR_FREE_CMA_PAGES)));
			show_line(m, sb);

			seq_buf_puts(sb, "lowmem_reserve[]:");
			for (int j = 0; j < MAX_NR_ZONES; j++)
				seq_buf_printf(sb, " %ld",
					       atomic_load_explicit(&z->lowmem_reserve[j],
								    memory_order_relaxed));
			show_line(m, sb);
		}
	}

	for_each_online_node(m, nid)
	{
		pg_data_t *pgdat = NODE_DATA(m, nid);

		if (!node_allowed(nodemask, nid))
			continue;
		for (int i = 0; i < MAX_NR_ZONES; i++) {
			if (!populated_zone(&pgdat->node_zones[i]))
				continue;
			show_zone_free_areas(m, &pgdat->node_zones[i], sb);
			show_line(m, sb);
		}
	}

	/* hugetlb_show_meminfo_node(): the 1 GiB and 2 MiB hstates of x86-64 */
	for_each_online_node(m, nid)
	{
		if (!node_allowed(nodemask, nid))
			continue;
		for (int h = 0; h < 2; h++) {
			seq_buf_printf(sb,
				       "Node %d hugepages_total=0 hugepages_free=0 "
				       "hugepages_surp=0 hugepages_size=%lukB",
				       nid, h == 0 ? 1048576UL : 2048UL);
			show_line(m, sb);
		}
	}

	seq_buf_printf(sb, "%ld total pagecache pages", global_node_page_state(m, NR_FILE_PAGES));
	show_line(m, sb);

	/* show_swap_cache_info() */
	seq_buf_printf(sb, "%ld pages in swap cache", global_node_page_state(m, NR_SWAPCACHE));
	show_line(m, sb);
	seq_buf_printf(sb, "Free swap  = %ldkB", 0L);
	show_line(m, sb);
	seq_buf_printf(sb, "Total swap = %lukB", 0UL);
	show_line(m, sb);
}

void __show_mem(struct kmm_machine *m, const unsigned long *nodemask)
{
	char line[SHOW_MEM_LINE];
	struct seq_buf sb;
	unsigned long total = 0, reserved = 0;
	int nid;

	seq_buf_init(&sb, line, sizeof(line));
	seq_buf_puts(&sb, "Mem-Info:");
	show_line(m, &sb);
	show_free_areas(m, nodemask, &sb);

	for_each_online_node(m, nid)
	{
		for (int i = 0; i < MAX_NR_ZONES; i++) {
			struct zone *z = &NODE_DATA(m, nid)->node_zones[i];

			if (!populated_zone(z))
				continue;
			total += z->present_pages;
			reserved += z->present_pages - zone_managed_pages(z);
		}
	}
	seq_buf_printf(&sb, "%lu pages RAM", total);
	show_line(m, &sb);
	seq_buf_printf(&sb, "%lu pages HighMem/MovableOnly", 0UL); /* no highmem on x86-64 */
	show_line(m, &sb);
	seq_buf_printf(&sb, "%lu pages reserved", reserved);
	show_line(m, &sb);
	seq_buf_printf(&sb, "%lu pages hwpoisoned", 0UL);
	show_line(m, &sb);
}
