/* SPDX-License-Identifier: MIT */
/*
 * src/mm/mm_init.c - boot-time setup of nodes, zones and the mem_map, the
 * zonelists, and the hand-over of free memory to the buddy allocator
 * (mm/mm_init.c, the zonelist part of mm/page_alloc.c).
 *
 * Order, as in the kernel: free_area_init() (zone ranges, ZONE_MOVABLE,
 * node and zone sizes, struct page links, pageblock types) ->
 * build_all_zonelists() -> memblock_free_all() -> mem_init_print_info().
 * This file runs once per machine, single-threaded, before any CPU slot
 * is used.
 */
#include "internal.h"

#define MAX_ORDER_NR_PAGES (1UL << MAX_PAGE_ORDER)

const char *const zone_names[MAX_NR_ZONES] = { "DMA", "DMA32", "Normal", "Movable" };
const char *const migratetype_names[MIGRATE_TYPES] = { "Unmovable", "Movable", "Reclaimable",
						       "HighAtomic", "Isolate" };

static void node_pfn_range(const struct kmm_machine *m, int nid, kmm_pfn_t *s, kmm_pfn_t *e)
{
	const struct memblock_type *mem = &m->memblock.memory;
	*s = ~(kmm_pfn_t)0;
	*e = 0;
	for (unsigned i = 0; i < mem->cnt; i++) {
		if (mem->regions[i].nid != nid)
			continue;
		kmm_pfn_t rs = KMM_PHYS_PFN(mem->regions[i].base);
		kmm_pfn_t re = KMM_PHYS_PFN(mem->regions[i].base + mem->regions[i].size);
		*s = KMM_MIN(*s, rs);
		*e = KMM_MAX(*e, re);
	}
	if (*s > *e)
		*s = *e = 0;
}

/* RAM pages of node @nid (any if < 0) in [s, e). */
static unsigned long present_pages_in_range(const struct kmm_machine *m, int nid, kmm_pfn_t s,
					    kmm_pfn_t e)
{
	const struct memblock_type *mem = &m->memblock.memory;
	unsigned long n = 0;
	for (unsigned i = 0; i < mem->cnt; i++) {
		if (nid >= 0 && mem->regions[i].nid != nid)
			continue;
		kmm_pfn_t rs = KMM_PHYS_PFN(mem->regions[i].base);
		kmm_pfn_t re = KMM_PHYS_PFN(mem->regions[i].base + mem->regions[i].size);
		kmm_pfn_t a = KMM_MAX(rs, s), b = KMM_MIN(re, e);
		if (a < b)
			n += (unsigned long)(b - a);
	}
	return n;
}

/* The zone that ZONE_MOVABLE takes its pages from: the highest populated. */
static enum zone_type movable_zone_of(const struct kmm_machine *m)
{
	for (int z = ZONE_NORMAL; z > ZONE_DMA; z--)
		if (present_pages_in_range(m, -1, m->arch_zone_lowest_pfn[z],
					   m->arch_zone_highest_pfn[z]))
			return (enum zone_type)z;
	return ZONE_DMA;
}

static void find_zone_movable_pfns_for_nodes(struct kmm_machine *m, const struct kmm_boot_params *p)
{
	unsigned long totalpages = present_pages_in_range(m, -1, 0, m->max_pfn);
	unsigned long required_kernelcore = 0, required_movablecore = 0;
	enum zone_type mz = movable_zone_of(m);
	kmm_pfn_t usable_startpfn = m->arch_zone_lowest_pfn[mz];
	int nid, usable_nodes = 0;

	if (p->kernelcore_percent >= 0)
		required_kernelcore = (unsigned long)((uint64_t)totalpages *
						      (unsigned)p->kernelcore_percent / 100);
	else
		required_kernelcore = (unsigned long)(p->kernelcore >> KMM_PAGE_SHIFT);
	if (p->movablecore_percent >= 0)
		required_movablecore = (unsigned long)((uint64_t)totalpages *
						       (unsigned)p->movablecore_percent / 100);
	else
		required_movablecore = (unsigned long)(p->movablecore >> KMM_PAGE_SHIFT);

	if (required_movablecore) {
		required_movablecore = KMM_ALIGN_UP(required_movablecore, MAX_ORDER_NR_PAGES);
		required_movablecore = KMM_MIN(totalpages, required_movablecore);
		unsigned long corepages = totalpages - required_movablecore;
		required_kernelcore = KMM_MAX(required_kernelcore, corepages);
	}
	if (!required_kernelcore || required_kernelcore >= totalpages)
		goto out;

	for (nid = 0; nid < m->nr_node_ids; nid++) {
		kmm_pfn_t s, e;
		node_pfn_range(m, nid, &s, &e);
		if (e > s)
			usable_nodes++;
	}
restart:;
	unsigned long kernelcore_node = required_kernelcore / (unsigned long)usable_nodes;
	for (nid = 0; nid < m->nr_node_ids; nid++) {
		if (required_kernelcore < kernelcore_node)
			kernelcore_node = required_kernelcore / (unsigned long)usable_nodes;
		unsigned long kernelcore_remaining = kernelcore_node;
		const struct memblock_type *mem = &m->memblock.memory;
		for (unsigned i = 0; i < mem->cnt && kernelcore_remaining; i++) {
			if (mem->regions[i].nid != nid)
				continue;
			kmm_pfn_t start_pfn = KMM_PHYS_PFN(mem->regions[i].base);
			kmm_pfn_t end_pfn =
				KMM_PHYS_PFN(mem->regions[i].base + mem->regions[i].size);
			start_pfn = KMM_MAX(start_pfn, m->zone_movable_pfn[nid]);
			if (start_pfn >= end_pfn)
				continue;
			if (start_pfn < usable_startpfn) {
				unsigned long kernel_pages =
					(unsigned long)(KMM_MIN(end_pfn, usable_startpfn) -
							start_pfn);
				kernelcore_remaining -= KMM_MIN(kernel_pages, kernelcore_remaining);
				required_kernelcore -= KMM_MIN(kernel_pages, required_kernelcore);
				if (end_pfn <= usable_startpfn) {
					m->zone_movable_pfn[nid] = end_pfn;
					continue;
				}
				start_pfn = usable_startpfn;
			}
			unsigned long size_pages = (unsigned long)(end_pfn - start_pfn);
			if (size_pages > kernelcore_remaining)
				size_pages = kernelcore_remaining;
			m->zone_movable_pfn[nid] = start_pfn + size_pages;
			required_kernelcore -= KMM_MIN(required_kernelcore, size_pages);
			kernelcore_remaining -= size_pages;
		}
	}
	usable_nodes--;
	if (usable_nodes && required_kernelcore > (unsigned long)usable_nodes)
		goto restart;
out:
	for (nid = 0; nid < m->nr_node_ids; nid++) {
		kmm_pfn_t s, e;
		node_pfn_range(m, nid, &s, &e);
		m->zone_movable_pfn[nid] =
			KMM_ALIGN_UP(m->zone_movable_pfn[nid], (kmm_pfn_t)MAX_ORDER_NR_PAGES);
		if (m->zone_movable_pfn[nid] >= e)
			m->zone_movable_pfn[nid] = 0;
	}
}

/* Span of zone @zt on node @nid (Linux zone_spanned_pages_in_node). */
static void zone_range_in_node(const struct kmm_machine *m, int nid, enum zone_type zt,
			       kmm_pfn_t *zs, kmm_pfn_t *ze)
{
	kmm_pfn_t ns, ne;
	node_pfn_range(m, nid, &ns, &ne);
	enum zone_type mz = movable_zone_of(m);
	kmm_pfn_t mv = m->zone_movable_pfn[nid];
	kmm_pfn_t s, e;
	if (zt == ZONE_MOVABLE) {
		if (!mv) {
			*zs = *ze = 0;
			return;
		}
		s = mv;
		e = KMM_MIN(ne, m->arch_zone_highest_pfn[mz]);
	} else {
		s = KMM_MAX(ns, m->arch_zone_lowest_pfn[zt]);
		e = KMM_MIN(ne, m->arch_zone_highest_pfn[zt]);
		if (mv) {
			if (s < mv && e > mv)
				e = mv;
			else if (s >= mv)
				s = e;
		}
	}
	if (s >= e)
		s = e = 0;
	*zs = s;
	*ze = e;
}

static unsigned long *alloc_pageblock_flags(struct kmm_machine *m, struct zone *z)
{
	kmm_pfn_t s = KMM_ALIGN_DOWN(z->zone_start_pfn, (kmm_pfn_t)pageblock_nr_pages);
	kmm_pfn_t e = KMM_ALIGN_UP(zone_end_pfn(z), (kmm_pfn_t)pageblock_nr_pages);
	unsigned long bits = (unsigned long)((e - s) / pageblock_nr_pages) * 4;
	unsigned long bytes = KMM_ALIGN_UP(bits, 64UL) / 8;
	return memblock_alloc_try_nid(m, bytes ? bytes : 8, 64, z->node);
}

static int init_zone(struct kmm_machine *m, pg_data_t *pgdat, enum zone_type zt, kmm_pfn_t zs,
		     kmm_pfn_t ze)
{
	struct zone *z = &pgdat->node_zones[zt];
	z->name = zone_names[zt];
	z->node = pgdat->node_id;
	z->zone_pgdat = pgdat;
	z->machine = m;
	spin_lock_init(&z->lock);
	for (int o = 0; o < NR_PAGE_ORDERS; o++) {
		for (int t = 0; t < MIGRATE_TYPES; t++)
			INIT_LIST_HEAD(&z->free_area[o].free_list[t]);
		z->free_area[o].nr_free = 0;
	}
	z->zone_start_pfn = zs;
	z->spanned_pages = (unsigned long)(ze - zs);
	z->present_pages = present_pages_in_range(m, pgdat->node_id, zs, ze);
	z->present_early_pages = z->present_pages;
	atomic_store(&z->managed_pages, 0);
	for (int i = 0; i < MAX_NR_ZONES; i++)
		atomic_store(&z->lowmem_reserve[i], 0);
	if (!z->present_pages)
		return 0;
	z->pageblock_flags = alloc_pageblock_flags(m, z);
	z->per_cpu_pageset = memblock_alloc_try_nid(
		m, sizeof(struct per_cpu_pages) * (size_t)m->nr_cpu_ids, 64, z->node);
	z->per_cpu_zonestats = memblock_alloc_try_nid(
		m, sizeof(struct per_cpu_zonestat) * (size_t)m->nr_cpu_ids, 64, z->node);
	if (!z->pageblock_flags || !z->per_cpu_pageset || !z->per_cpu_zonestats)
		return -KMM_ENOMEM;
	zone_pcp_init(m, z);
	if (z->spanned_pages > z->present_pages)
		pr_info(m, "On node %d, zone %s: %lu pages in unavailable ranges", z->node, z->name,
			z->spanned_pages - z->present_pages);
	return 0;
}

/* Zone of @pfn on node @nid, for struct page links (holes included). */
static enum zone_type zone_for_pfn(const struct kmm_machine *m, const pg_data_t *pgdat,
				   kmm_pfn_t pfn)
{
	for (int zt = MAX_NR_ZONES - 1; zt >= 0; zt--) {
		const struct zone *z = &pgdat->node_zones[zt];
		if (z->spanned_pages && zone_spans_pfn(z, pfn))
			return (enum zone_type)zt;
	}
	for (int zt = ZONE_NORMAL; zt >= 0; zt--)
		if (pfn >= m->arch_zone_lowest_pfn[zt])
			return (enum zone_type)zt;
	return ZONE_DMA;
}

/* The node whose span holds @pfn, or -1 (a hole between nodes). */
static int node_for_pfn(const struct kmm_machine *m, kmm_pfn_t pfn)
{
	for (int n = 0; n < m->nr_node_ids; n++) {
		const pg_data_t *pg = m->node_data[n];
		if (pg && pfn >= pg->node_start_pfn &&
		    pfn < pg->node_start_pfn + pg->node_spanned_pages)
			return n;
	}
	return -1;
}

/* __init_single_page: a reserved page, linked to its zone, node and section. */
static void init_single_page(struct page *p, enum zone_type zt, int nid, unsigned long sec)
{
	atomic_store_explicit(&p->flags, 0, memory_order_relaxed);
	kmm_set_page_links(p, zt, nid, sec);
	atomic_store_explicit(&p->_mapcount, -1, memory_order_relaxed);
	set_page_count(p, 1);
	SetPageReserved(p);
	INIT_LIST_HEAD(&p->lru);
}

/*
 * Initialise every struct page of the mem_map.  Node and zone are looked
 * up again only when a pfn leaves the zone found last; pages in holes take
 * the node and zone of the memory before them (init_unavailable_range).
 */
static void memmap_init(struct kmm_machine *m)
{
	struct zone *z = NULL;
	int nid = 0;
	enum zone_type zt = ZONE_DMA;
	for (unsigned long sec = 0; sec < m->nr_mem_sections; sec++) {
		struct mem_section *ms = &m->mem_section[sec];
		if (!ms->section_mem_map)
			continue;
		kmm_pfn_t s0 = (kmm_pfn_t)sec << KMM_PFN_SECTION_SHIFT;
		for (kmm_pfn_t pfn = s0 + ms->lo; pfn < s0 + ms->hi; pfn++) {
			if (!z || !zone_spans_pfn(z, pfn)) {
				int n = node_for_pfn(m, pfn);
				if (n >= 0) {
					nid = n;
					zt = zone_for_pfn(m, m->node_data[nid], pfn);
				} else {
					while (!m->node_data[nid]) /* node 0 may be memoryless */
						nid = (nid + 1) % m->nr_node_ids;
				}
				z = &m->node_data[nid]->node_zones[zt];
				if (!z->spanned_pages || !zone_spans_pfn(z, pfn))
					z = NULL; /* a hole: look again at the next pfn */
			}
			struct page *p = kmm_pfn_to_page(m, pfn);
			init_single_page(p, zt, nid, sec);
			if (z && z->pageblock_flags && !(pfn & (pageblock_nr_pages - 1)))
				set_pageblock_migratetype(m, p, MIGRATE_MOVABLE);
		}
	}
}

static void print_range(struct kmm_machine *m, const char *prefix, kmm_pfn_t s, kmm_pfn_t e)
{
	if (s >= e)
		pr_info(m, "%sempty", prefix);
	else
		pr_info(m, "%s[mem 0x%016llx-0x%016llx]", prefix,
			(unsigned long long)KMM_PFN_PHYS(s),
			(unsigned long long)KMM_PFN_PHYS(e) - 1);
}

int free_area_init(struct kmm_machine *m, const struct kmm_boot_params *p)
{
	kmm_pfn_t start_pfn = KMM_PHYS_PFN(memblock_start_of_DRAM(m));
	kmm_pfn_t limits[ZONE_MOVABLE] = { (kmm_pfn_t)(16u << 20) >> KMM_PAGE_SHIFT,
					   (kmm_pfn_t)1 << (32 - KMM_PAGE_SHIFT), m->max_pfn };
	kmm_pfn_t prev = start_pfn;
	char buf[40];

	for (int zt = 0; zt < ZONE_MOVABLE; zt++) {
		kmm_pfn_t end = KMM_MAX(prev, KMM_MIN(limits[zt], m->max_pfn));
		m->arch_zone_lowest_pfn[zt] = prev;
		m->arch_zone_highest_pfn[zt] = end;
		prev = end;
	}
	m->arch_zone_lowest_pfn[ZONE_MOVABLE] = m->arch_zone_highest_pfn[ZONE_MOVABLE] = 0;
	find_zone_movable_pfns_for_nodes(m, p);

	pr_info(m, "Zone ranges:");
	for (int zt = 0; zt < ZONE_MOVABLE; zt++) {
		kmm_snprintf(buf, sizeof(buf), "  %-8s ", zone_names[zt]);
		print_range(m, buf, m->arch_zone_lowest_pfn[zt], m->arch_zone_highest_pfn[zt]);
	}
	pr_info(m, "Movable zone start for each node");
	for (int nid = 0; nid < m->nr_node_ids; nid++)
		if (m->zone_movable_pfn[nid])
			pr_info(m, "  Node %d: 0x%016llx", nid,
				(unsigned long long)KMM_PFN_PHYS(m->zone_movable_pfn[nid]));
	pr_info(m, "Early memory node ranges");
	for (unsigned i = 0; i < m->memblock.memory.cnt; i++) {
		const struct memblock_region *r = &m->memblock.memory.regions[i];
		pr_info(m, "  node %3d: [mem 0x%016llx-0x%016llx]", r->nid,
			(unsigned long long)r->base, (unsigned long long)(r->base + r->size - 1));
	}

	for (int nid = 0; nid < m->nr_node_ids; nid++) {
		kmm_pfn_t ns, ne;
		node_pfn_range(m, nid, &ns, &ne);
		if (ns >= ne)
			continue; /* memoryless node: kmm keeps it offline */
		pg_data_t *pgdat = memblock_alloc_try_nid(m, sizeof(*pgdat), 64, nid);
		if (!pgdat)
			return -KMM_ENOMEM;
		pgdat->per_cpu_nodestats = memblock_alloc_try_nid(
			m, sizeof(struct per_cpu_nodestat) * (size_t)m->nr_cpu_ids, 64, nid);
		if (!pgdat->per_cpu_nodestats)
			return -KMM_ENOMEM;
		m->node_data[nid] = pgdat;
		m->nr_online_nodes++;
		pgdat->node_id = nid;
		pgdat->machine = m;
		pgdat->node_start_pfn = ns;
		pgdat->node_spanned_pages = (unsigned long)(ne - ns);
		pr_info(m, "Initmem setup node %d [mem 0x%016llx-0x%016llx]", nid,
			(unsigned long long)KMM_PFN_PHYS(ns),
			(unsigned long long)KMM_PFN_PHYS(ne) - 1);
		for (int zt = 0; zt < MAX_NR_ZONES; zt++) {
			kmm_pfn_t zs, ze;
			zone_range_in_node(m, nid, (enum zone_type)zt, &zs, &ze);
			int ret = init_zone(m, pgdat, (enum zone_type)zt, zs, ze);
			if (ret)
				return ret;
			pgdat->node_present_pages += pgdat->node_zones[zt].present_pages;
			if (pgdat->node_zones[zt].present_pages)
				pgdat->nr_zones = zt + 1;
		}
	}
	memmap_init(m);
	return 0;
}

/* ---- zonelists ------------------------------------------------------------ */

static int build_zonerefs_node(pg_data_t *pgdat, struct zoneref *zr)
{
	int n = 0;
	for (int zt = MAX_NR_ZONES - 1; zt >= 0; zt--) {
		struct zone *z = &pgdat->node_zones[zt];
		if (populated_zone(z)) {
			zr[n].zone = z;
			zr[n].zone_idx = zt;
			n++;
		}
	}
	return n;
}

/*
 * Node fallback order: nearest first; among equals, the one that has been
 * picked least so far (Linux's node_load), so that nodes at equal
 * distance take turns as second choice.
 */
static void build_zonelists(struct kmm_machine *m, pg_data_t *pgdat, int *node_load)
{
	int order[MAX_NUMNODES], n = 0;
	bool used[MAX_NUMNODES] = { false };
	int local = pgdat->node_id;
	for (;;) {
		int best = -1;
		for (int nid = 0; nid < m->nr_node_ids; nid++) {
			if (!m->node_data[nid] || used[nid])
				continue;
			if (best < 0) {
				best = nid;
				continue;
			}
			int d = nid == local ? -1 : m->numa_distance[local][nid];
			int bd = best == local ? -1 : m->numa_distance[local][best];
			if (d < bd || (d == bd && node_load[nid] < node_load[best]))
				best = nid;
		}
		if (best < 0)
			break;
		used[best] = true;
		order[n++] = best;
		if (best != local)
			node_load[best]++;
	}
	struct zoneref *zr = pgdat->node_zonelists[ZONELIST_FALLBACK]._zonerefs;
	int k = 0;
	for (int i = 0; i < n; i++)
		k += build_zonerefs_node(m->node_data[order[i]], zr + k);
	zr[k].zone = NULL;
	zr[k].zone_idx = 0;
	for (int zt = 0; zt < MAX_NR_ZONES; zt++) {
		struct zoneref *p = pgdat->node_zonelists[ZONELIST_FALLBACK]._zonerefs;
		while (p->zone && p->zone_idx > zt)
			p++;
		pgdat->preferred_zoneref[zt] = p;
	}
	zr = pgdat->node_zonelists[ZONELIST_NOFALLBACK]._zonerefs;
	k = build_zonerefs_node(pgdat, zr);
	zr[k].zone = NULL;
	zr[k].zone_idx = 0;
}

void build_all_zonelists(struct kmm_machine *m)
{
	int node_load[MAX_NUMNODES] = { 0 };
	int nid;
	unsigned long total = 0;
	for_each_online_node(m, nid)
	{
		build_zonelists(m, m->node_data[nid], node_load);
		m->nr_zonelists_built++;
		total += m->node_data[nid]->node_present_pages;
	}
	m->vm.page_group_by_mobility_disabled =
		total < (unsigned long)pageblock_nr_pages * MIGRATE_TYPES;
	pr_info(m, "Built %d zonelists, mobility grouping %s.  Total pages: %lu",
		m->nr_zonelists_built, m->vm.page_group_by_mobility_disabled ? "off" : "on", total);
	enum zone_type policy = movable_zone_of(m);
	pr_info(m, "Policy zone: %s", zone_names[policy]);
}

/* ---- hand-over to the buddy allocator --------------------------------------- */

void memblock_free_all(struct kmm_machine *m)
{
	uint64_t idx = 0;
	kmm_phys_addr_t s, e;
	while (memblock_next_free_range(m, &idx, &s, &e, NULL)) {
		kmm_pfn_t pfn = KMM_PHYS_PFN(s + KMM_PAGE_SIZE - 1);
		kmm_pfn_t end = KMM_PHYS_PFN(e);
		while (pfn < end) {
			unsigned order = MAX_PAGE_ORDER;
			if (pfn)
				order = KMM_MIN(order, (unsigned)__builtin_ctzll(pfn));
			while (pfn + (1UL << order) > end)
				order--;
			__free_pages_core(m, kmm_pfn_to_page(m, pfn), order);
			pfn += 1UL << order;
		}
	}
	unsigned long total = 0;
	int nid;
	for_each_online_node(m, nid)
	{
		for (int zt = 0; zt < MAX_NR_ZONES; zt++)
			total += zone_managed_pages(&m->node_data[nid]->node_zones[zt]);
	}
	atomic_store(&m->totalram_pages, total);
}

void mem_init_print_info(struct kmm_machine *m)
{
	unsigned long physpages = 0;
	int nid;
	for_each_online_node(m, nid) physpages += m->node_data[nid]->node_present_pages;
	unsigned long total = atomic_load(&m->totalram_pages);
	m->memblock_reserved_at_free = physpages - total;
	pr_info(m, "Memory: %luK/%luK available (%luK reserved)", total << (KMM_PAGE_SHIFT - 10),
		physpages << (KMM_PAGE_SHIFT - 10), (physpages - total) << (KMM_PAGE_SHIFT - 10));
}
