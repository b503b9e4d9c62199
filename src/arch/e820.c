/* SPDX-License-Identifier: MIT */
/*
 * src/arch/e820.c - the firmware memory map (arch/x86/kernel/e820.c).
 *
 * The embedded default is the map a small PC's BIOS would report: low
 * memory below the EBDA, the legacy ROM hole, RAM up to 1.5 GiB, the PCI
 * hole below 4 GiB, and 512 MiB above 4 GiB, so that DMA, DMA32 and Normal
 * zones all exist.  memmap= and mem= edit it as they edit a real one.  The
 * table is kept sanitized: sorted, non-overlapping, reserved wins where
 * ranges overlap, neighbours of one type merged.
 */
#include "internal.h"

#define SZ_1M (1ULL << 20)
#define SZ_1G (1ULL << 30)

static const struct e820_entry default_bios_map[] = {
	{ 0x0000000000000000ULL, 0x9fc00ULL, E820_TYPE_RAM },
	{ 0x000000000009fc00ULL, 0x400ULL, E820_TYPE_RESERVED },
	{ 0x00000000000f0000ULL, 0x10000ULL, E820_TYPE_RESERVED },
	{ 0x0000000000100000ULL, 3 * SZ_1G / 2 - SZ_1M, E820_TYPE_RAM },
	{ 0x00000000feffc000ULL, 0x4000ULL, E820_TYPE_RESERVED },
	{ 0x00000000fffc0000ULL, 0x40000ULL, E820_TYPE_RESERVED },
	{ 0x0000000100000000ULL, SZ_1G / 2, E820_TYPE_RAM },
};

/* Rebuild @t as sorted, non-overlapping, merged; reserved overrides RAM. */
static void e820__update_table(struct e820_table *t)
{
	uint64_t pts[2 * E820_MAX_ENTRIES];
	unsigned n = 0;
	for (unsigned i = 0; i < t->nr_entries; i++) {
		pts[n++] = t->entries[i].addr;
		pts[n++] = t->entries[i].addr + t->entries[i].size;
	}
	/* insertion sort of boundary points */
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && pts[j - 1] > pts[j]; j--) {
			uint64_t x = pts[j];
			pts[j] = pts[j - 1];
			pts[j - 1] = x;
		}
	struct e820_table out = { 0 };
	for (unsigned i = 0; i + 1 < n; i++) {
		uint64_t s = pts[i], e = pts[i + 1];
		if (s == e)
			continue;
		int type = 0;
		for (unsigned k = 0; k < t->nr_entries; k++) {
			const struct e820_entry *x = &t->entries[k];
			if (x->addr <= s && e <= x->addr + x->size && (int)x->type > type)
				type = (int)x->type;
		}
		if (!type)
			continue;
		struct e820_entry *last = out.nr_entries ? &out.entries[out.nr_entries - 1] : NULL;
		if (last && last->type == (enum e820_type)type && last->addr + last->size == s) {
			last->size += e - s;
		} else if (out.nr_entries < E820_MAX_ENTRIES) {
			out.entries[out.nr_entries++] =
				(struct e820_entry){ s, e - s, (enum e820_type)type };
		}
	}
	*t = out;
}

static void e820__range_add(struct e820_table *t, uint64_t start, uint64_t size,
			    enum e820_type type)
{
	if (t->nr_entries < E820_MAX_ENTRIES)
		t->entries[t->nr_entries++] = (struct e820_entry){ start, size, type };
	e820__update_table(t);
}

/* Drop RAM (and reserved ranges) above @limit, as mem= does. */
static void e820__truncate(struct e820_table *t, uint64_t limit)
{
	unsigned j = 0;
	for (unsigned i = 0; i < t->nr_entries; i++) {
		struct e820_entry x = t->entries[i];
		if (x.addr >= limit)
			continue;
		if (x.addr + x.size > limit)
			x.size = limit - x.addr;
		t->entries[j++] = x;
	}
	t->nr_entries = j;
}

static uint64_t e820_ram_size(const struct e820_table *t)
{
	uint64_t sum = 0;
	for (unsigned i = 0; i < t->nr_entries; i++)
		if (t->entries[i].type == E820_TYPE_RAM)
			sum += t->entries[i].size;
	return sum;
}

int e820__memory_setup(struct kmm_machine *m, const struct kmm_boot_params *p, char *err,
		       size_t errlen)
{
	struct e820_table *t = &m->e820;
	t->nr_entries = 0;
	if (!p->memmap_exactmap) {
		for (unsigned i = 0; i < KMM_ARRAY_SIZE(default_bios_map); i++)
			t->entries[t->nr_entries++] = default_bios_map[i];
		e820__update_table(t);
		e820__print_table(m, "BIOS-e820");
	}
	bool user = p->memmap_exactmap || p->nr_memmap || p->mem_limit;
	/* mem= limits the amount of RAM, like Linux: remove all above it */
	if (p->mem_limit)
		e820__truncate(t, p->mem_limit);
	for (unsigned i = 0; i < p->nr_memmap; i++) {
		const struct kmm_memmap_arg *a = &p->memmap[i];
		if (a->start + a->size < a->start ||
		    a->start + a->size > (1ULL << KMM_MAX_PHYSMEM_BITS)) {
			kmm_snprintf(err, errlen,
				     "memmap= range 0x%llx+0x%llx exceeds the %d-bit physical "
				     "address space",
				     (unsigned long long)a->start, (unsigned long long)a->size,
				     KMM_MAX_PHYSMEM_BITS);
			return -KMM_EINVAL;
		}
		e820__range_add(t, a->start, a->size, a->type);
	}
	if (p->mem_limit)
		e820__truncate(t, p->mem_limit);
	e820__update_table(t);
	if (user)
		e820__print_table(m, "user");
	if (e820_ram_size(t) < 4 * SZ_1M) {
		kmm_snprintf(err, errlen,
			     "machine has %lluK of usable RAM; at least 4096K are needed",
			     (unsigned long long)(e820_ram_size(t) >> 10));
		return -KMM_EINVAL;
	}
	return 0;
}

void e820__print_table(struct kmm_machine *m, const char *who)
{
	if (!kmm_strcmp(who, "BIOS-e820"))
		pr_info(m, "BIOS-provided physical RAM map:");
	else
		pr_info(m, "user-defined physical RAM map:");
	for (unsigned i = 0; i < m->e820.nr_entries; i++) {
		const struct e820_entry *x = &m->e820.entries[i];
		pr_info(m, "%s: [mem 0x%016llx-0x%016llx] %s", who, (unsigned long long)x->addr,
			(unsigned long long)(x->addr + x->size - 1),
			x->type == E820_TYPE_RAM ? "usable" : "reserved");
	}
}

/* Usable RAM into memblock, page-aligned; page 0 reserved as on x86. */
void e820__memblock_setup(struct kmm_machine *m)
{
	for (unsigned i = 0; i < m->e820.nr_entries; i++) {
		const struct e820_entry *x = &m->e820.entries[i];
		if (x->type != E820_TYPE_RAM)
			continue;
		uint64_t s = KMM_ALIGN_UP(x->addr, (uint64_t)KMM_PAGE_SIZE);
		uint64_t e = KMM_ALIGN_DOWN(x->addr + x->size, (uint64_t)KMM_PAGE_SIZE);
		if (s < e)
			memblock_add(m, s, e - s);
	}
	if (memblock_is_memory(m, 0)) {
		pr_debug(m, "e820: update [mem 0x00000000-0x00000fff] usable ==> reserved");
		memblock_reserve(m, 0, KMM_PAGE_SIZE);
	}
	memblock_dump(m);
}

uint64_t e820__end_of_ram(const struct kmm_machine *m)
{
	uint64_t end = 0;
	for (unsigned i = 0; i < m->e820.nr_entries; i++) {
		const struct e820_entry *x = &m->e820.entries[i];
		if (x->type == E820_TYPE_RAM && x->addr + x->size > end)
			end = x->addr + x->size;
	}
	return KMM_ALIGN_DOWN(end, (uint64_t)KMM_PAGE_SIZE);
}
