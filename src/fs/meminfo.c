// SPDX-License-Identifier: MIT
/*
 * src/fs/meminfo.c - /proc/meminfo (fs/proc/meminfo.c, with si_meminfo()
 * and si_mem_available() of mm/show_mem.c, hugetlb_report_meminfo() and
 * x86's arch_report_meminfo()) and /proc/iomem (kernel/resource.c's
 * r_show() over the e820 table, named as arch/x86/kernel/e820.c does).
 *
 * The fields are those of an x86-64 Linux 6.1 with transparent huge pages,
 * hugetlbfs and memory-failure support, and without highmem, CMA, zswap or
 * shadow call stacks.  Counters of subsystems kmm does not have yet (swap,
 * page cache, vmalloc, per-cpu allocator, hugetlb) read 0.
 */
#include "internal.h"
#include "kmm/vmalloc.h"
#include "mm/swap.h"

#define K(x) ((unsigned long)(x) << (KMM_PAGE_SHIFT - 10))

/* x86-64 with 4-level paging: VMALLOC_END - VMALLOC_START, 32 TiB - 1. */
#define VMALLOC_TOTAL ((1UL << 45) - 1)

static void show_val_kb(struct seq_buf *sb, const char *s, unsigned long pages)
{
	seq_buf_printf(sb, "%s%8lu kB\n", s, K(pages));
}

static unsigned long gnps(struct kmm_machine *m, enum node_stat_item item)
{
	return (unsigned long)global_node_page_state(m, item);
}

/* Free pages summed exactly, per-CPU deltas included. */
static unsigned long free_pages_exact(struct kmm_machine *m)
{
	unsigned long free = 0;
	int nid;

	for_each_online_node(m, nid)
	{
		for (int i = 0; i < MAX_NR_ZONES; i++) {
			struct zone *z = &NODE_DATA(m, nid)->node_zones[i];

			if (populated_zone(z))
				free += (unsigned long)zone_page_state_snapshot(m, z,
										NR_FREE_PAGES);
		}
	}
	return free;
}

/* si_mem_available(): what userspace could allocate without swapping. */
static unsigned long si_mem_available(struct kmm_machine *m, unsigned long free)
{
	unsigned long wmark_low = 0, pagecache, reclaimable;
	long available;
	int nid;

	for_each_online_node(m, nid)
	{
		for (int i = 0; i < MAX_NR_ZONES; i++)
			wmark_low += low_wmark_pages(&NODE_DATA(m, nid)->node_zones[i]);
	}

	available = (long)free - (long)read_totalreserve_pages(m);

	/* at least half of the page cache, or the low watermark's worth, stays */
	pagecache = gnps(m, NR_ACTIVE_FILE) + gnps(m, NR_INACTIVE_FILE);
	pagecache -= KMM_MIN(pagecache / 2, wmark_low);
	available += (long)pagecache;

	/* likewise for reclaimable slab and other reclaimable kernel memory */
	reclaimable = gnps(m, NR_SLAB_RECLAIMABLE_B) + gnps(m, NR_KERNEL_MISC_RECLAIMABLE);
	reclaimable -= KMM_MIN(reclaimable / 2, wmark_low);
	available += (long)reclaimable;

	return available < 0 ? 0 : (unsigned long)available;
}

/*
 * x86's direct-map accounting: the first MiB is mapped with 4 KiB pages,
 * each memory range above it with the largest pages its alignment allows
 * (4k head up to a 2M boundary, 2M up to a 1G boundary, 1G, then 2M and 4k
 * tails), as split_mem_range() does.  Sizes in bytes.
 */
struct direct_map {
	uint64_t k4, m2, g1;
};

static void direct_map_range(struct direct_map *dm, uint64_t start, uint64_t end)
{
	const uint64_t M2 = 2ULL << 20, G1 = 1ULL << 30;
	uint64_t a, b;

	if (start >= end)
		return;
	/* 4k head */
	a = KMM_MIN(KMM_ALIGN_UP(start, M2), end);
	dm->k4 += a - start;
	start = a;
	/* 2M up to the first 1G boundary */
	b = KMM_MIN(KMM_ALIGN_UP(start, G1), KMM_ALIGN_DOWN(end, M2));
	if (b > start) {
		dm->m2 += b - start;
		start = b;
	}
	/* 1G body */
	b = KMM_ALIGN_DOWN(end, G1);
	if (b > start) {
		dm->g1 += b - start;
		start = b;
	}
	/* 2M and 4k tails */
	b = KMM_ALIGN_DOWN(end, M2);
	if (b > start) {
		dm->m2 += b - start;
		start = b;
	}
	dm->k4 += end - start;
}

static void direct_map_count(struct kmm_machine *m, struct direct_map *dm)
{
	const uint64_t ISA_END = 1ULL << 20;
	const struct memblock_type *mem = &m->memblock.memory;

	*dm = (struct direct_map){ .k4 = ISA_END };
	for (unsigned i = 0; i < mem->cnt; i++) {
		uint64_t s = mem->regions[i].base, e = s + mem->regions[i].size;

		s = KMM_ALIGN_UP(KMM_MAX(s, ISA_END), (uint64_t)KMM_PAGE_SIZE);
		e = KMM_ALIGN_DOWN(e, (uint64_t)KMM_PAGE_SIZE);
		direct_map_range(dm, s, e);
	}
}

void kmm_proc_show_meminfo(struct kmm_machine *m, struct seq_buf *sb)
{
	unsigned long totalram, free, available, cached, swapcache, buffers = 0;
	unsigned long active_anon, inactive_anon, active_file, inactive_file, unevictable;
	unsigned long sreclaimable, sunreclaim, swaptotal, swapfree;
	struct direct_map dm;
	struct kmm_vmalloc_info vmi;

	/* what the kernel's vmstat worker would have folded by now */
	refresh_cpu_vm_stats(m);

	totalram = atomic_load_explicit(&m->totalram_pages, memory_order_relaxed);
	free = free_pages_exact(m);
	available = si_mem_available(m, free);
	swapcache = gnps(m, NR_SWAPCACHE);
	si_swapinfo(m, &swaptotal, &swapfree);
	{
		long c = global_node_page_state(m, NR_FILE_PAGES) - (long)swapcache - (long)buffers;
		cached = c < 0 ? 0 : (unsigned long)c;
	}
	active_anon = gnps(m, NR_ACTIVE_ANON);
	inactive_anon = gnps(m, NR_INACTIVE_ANON);
	active_file = gnps(m, NR_ACTIVE_FILE);
	inactive_file = gnps(m, NR_INACTIVE_FILE);
	unevictable = gnps(m, NR_UNEVICTABLE);
	sreclaimable = gnps(m, NR_SLAB_RECLAIMABLE_B);
	sunreclaim = gnps(m, NR_SLAB_UNRECLAIMABLE_B);

	show_val_kb(sb, "MemTotal:       ", totalram);
	show_val_kb(sb, "MemFree:        ", free);
	show_val_kb(sb, "MemAvailable:   ", available);
	show_val_kb(sb, "Buffers:        ", buffers);
	show_val_kb(sb, "Cached:         ", cached);
	show_val_kb(sb, "SwapCached:     ", swapcache);
	show_val_kb(sb, "Active:         ", active_anon + active_file);
	show_val_kb(sb, "Inactive:       ", inactive_anon + inactive_file);
	show_val_kb(sb, "Active(anon):   ", active_anon);
	show_val_kb(sb, "Inactive(anon): ", inactive_anon);
	show_val_kb(sb, "Active(file):   ", active_file);
	show_val_kb(sb, "Inactive(file): ", inactive_file);
	show_val_kb(sb, "Unevictable:    ", unevictable);
	show_val_kb(sb, "Mlocked:        ", (unsigned long)global_zone_page_state(m, NR_MLOCK));
	show_val_kb(sb, "SwapTotal:      ", swaptotal);
	show_val_kb(sb, "SwapFree:       ", swapfree);
	show_val_kb(sb, "Dirty:          ", gnps(m, NR_FILE_DIRTY));
	show_val_kb(sb, "Writeback:      ", gnps(m, NR_WRITEBACK));
	show_val_kb(sb, "AnonPages:      ", gnps(m, NR_ANON_MAPPED));
	show_val_kb(sb, "Mapped:         ", gnps(m, NR_FILE_MAPPED));
	show_val_kb(sb, "Shmem:          ", gnps(m, NR_SHMEM));
	show_val_kb(sb, "KReclaimable:   ", sreclaimable + gnps(m, NR_KERNEL_MISC_RECLAIMABLE));
	show_val_kb(sb, "Slab:           ", sreclaimable + sunreclaim);
	show_val_kb(sb, "SReclaimable:   ", sreclaimable);
	show_val_kb(sb, "SUnreclaim:     ", sunreclaim);
	seq_buf_printf(sb, "KernelStack:    %8lu kB\n", gnps(m, NR_KERNEL_STACK_KB));
	show_val_kb(sb, "PageTables:     ", gnps(m, NR_PAGETABLE));
	show_val_kb(sb, "SecPageTables:  ", gnps(m, NR_SECONDARY_PAGETABLE));
	show_val_kb(sb, "NFS_Unstable:   ", 0);
	show_val_kb(sb, "Bounce:         ", (unsigned long)global_zone_page_state(m, NR_BOUNCE));
	show_val_kb(sb, "WritebackTmp:   ", gnps(m, NR_WRITEBACK_TEMP));
	/* vm_commit_limit(): overcommit_ratio% of RAM, plus swap; Committed_AS
	 * the pages charged by accountable mappings (mm/mmap.c) */
	show_val_kb(sb, "CommitLimit:    ", kmm_vm_commit_limit_pages(m));
	show_val_kb(sb, "Committed_AS:   ", m->vmst ? kmm_vm_committed_pages(m) : 0);
	/* vmalloc_nr_pages(); VmallocChunk: the largest free range (0 in Linux >= 5.3) */
	kmm_vmalloc_get_info(m, &vmi);
	seq_buf_printf(sb, "VmallocTotal:   %8lu kB\n", VMALLOC_TOTAL >> 10);
	show_val_kb(sb, "VmallocUsed:    ", vmi.nr_pages);
	seq_buf_printf(sb, "VmallocChunk:   %8lu kB\n", (unsigned long)(vmi.largest_free >> 10));
	show_val_kb(sb, "Percpu:         ", 0);
	seq_buf_printf(sb, "HardwareCorrupted: %5lu kB\n", 0UL);
	show_val_kb(sb, "AnonHugePages:  ", gnps(m, NR_ANON_THPS));
	show_val_kb(sb, "ShmemHugePages: ", gnps(m, NR_SHMEM_THPS));
	show_val_kb(sb, "ShmemPmdMapped: ", gnps(m, NR_SHMEM_PMDMAPPED));
	show_val_kb(sb, "FileHugePages:  ", gnps(m, NR_FILE_THPS));
	show_val_kb(sb, "FilePmdMapped:  ", gnps(m, NR_FILE_PMDMAPPED));

	/* hugetlb_report_meminfo(): the default 2 MiB hstate, no pages yet */
	seq_buf_printf(sb,
		       "HugePages_Total:   %5lu\n"
		       "HugePages_Free:    %5lu\n"
		       "HugePages_Rsvd:    %5lu\n"
		       "HugePages_Surp:    %5lu\n"
		       "Hugepagesize:   %8lu kB\n",
		       0UL, 0UL, 0UL, 0UL, 2048UL);
	seq_buf_printf(sb, "Hugetlb:        %8lu kB\n", 0UL);

	/* arch_report_meminfo() */
	direct_map_count(m, &dm);
	seq_buf_printf(sb, "DirectMap4k:    %8lu kB\n", (unsigned long)(dm.k4 >> 10));
	seq_buf_printf(sb, "DirectMap2M:    %8lu kB\n", (unsigned long)(dm.m2 >> 10));
	seq_buf_printf(sb, "DirectMap1G:    %8lu kB\n", (unsigned long)(dm.g1 >> 10));
}

/* ---- /proc/iomem ---------------------------------------------------------------- */

static const char *e820_type_to_string(enum e820_type type)
{
	switch (type) {
	case E820_TYPE_RAM:
		return "System RAM";
	case E820_TYPE_RESERVED:
		return "Reserved";
	}
	return "Unknown E820 type";
}

void kmm_proc_show_iomem(struct kmm_machine *m, struct seq_buf *sb)
{
	const struct e820_table *t = &m->e820;
	unsigned nr = KMM_MIN(t->nr_entries, (unsigned)E820_MAX_ENTRIES);
	uint64_t after = 0;
	bool first = true;

	/* in address order, whatever the table's order (it is sorted after boot) */
	for (;;) {
		const struct e820_entry *next = NULL;

		for (unsigned i = 0; i < nr; i++) {
			const struct e820_entry *e = &t->entries[i];

			if (!e->size || (!first && e->addr <= after))
				continue;
			if (!next || e->addr < next->addr)
				next = e;
		}
		if (!next)
			break;
		/* r_show(): "%0*llx-%0*llx : %s" with width 8 for the iomem root */
		seq_buf_printf(sb, "%08llx-%08llx : %s\n", (unsigned long long)next->addr,
			       (unsigned long long)(next->addr + next->size - 1),
			       e820_type_to_string(next->type));
		after = next->addr;
		first = false;
	}
}
