/* SPDX-License-Identifier: MIT */
/*
 * src/mm/memblock.c - the boot-time memory manager (mm/memblock.c).
 *
 * Two sorted, non-overlapping region arrays: "memory" (RAM the firmware
 * reported, each region tagged with its node) and "reserved" (what boot
 * code has taken: mem_map, node data, per-CPU areas, the zero page ...).
 * Allocations are top-down below current_limit.  memblock is used until
 * memblock_free_all() hands everything not reserved to the buddy
 * allocator (src/mm/mm_init.c); after that it is only read (/proc/iomem,
 * reserved-page accounting).
 *
 * Invariants: regions sorted by base, never overlapping; adjacent regions
 * merged when they have the same nid; sizes are non-zero.
 */
#include "internal.h"

static void memblock_remove_region(struct memblock_type *t, unsigned i)
{
	t->total_size -= t->regions[i].size;
	for (unsigned j = i; j + 1 < t->cnt; j++)
		t->regions[j] = t->regions[j + 1];
	t->cnt--;
}

static void memblock_merge_regions(struct memblock_type *t)
{
	unsigned i = 0;
	while (i + 1 < t->cnt) {
		struct memblock_region *a = &t->regions[i], *b = &t->regions[i + 1];
		if (a->base + a->size != b->base || a->nid != b->nid) {
			i++;
			continue;
		}
		a->size += b->size; /* total_size is unchanged */
		for (unsigned j = i + 1; j + 1 < t->cnt; j++)
			t->regions[j] = t->regions[j + 1];
		t->cnt--;
	}
}

static int memblock_insert_region(struct memblock_type *t, unsigned idx, kmm_phys_addr_t base,
				  kmm_phys_addr_t size, int nid)
{
	if (t->cnt >= MEMBLOCK_MAX_REGIONS)
		return -KMM_ENOSPC;
	for (unsigned j = t->cnt; j > idx; j--)
		t->regions[j] = t->regions[j - 1];
	t->regions[idx].base = base;
	t->regions[idx].size = size;
	t->regions[idx].nid = nid;
	t->cnt++;
	t->total_size += size;
	return 0;
}

/* Add [base, base+size), keeping existing parts (and their nids). */
static int memblock_add_range(struct memblock_type *t, kmm_phys_addr_t base, kmm_phys_addr_t size,
			      int nid)
{
	kmm_phys_addr_t end = base + size;
	if (!size)
		return 0;
	if (end < base)
		return -KMM_EINVAL;
	unsigned i = 0;
	while (base < end) {
		while (i < t->cnt && t->regions[i].base + t->regions[i].size <= base)
			i++;
		kmm_phys_addr_t stop = end;
		if (i < t->cnt && t->regions[i].base <= base) {
			/* covered already: skip past this region */
			base = t->regions[i].base + t->regions[i].size;
			i++;
			continue;
		}
		if (i < t->cnt && t->regions[i].base < stop)
			stop = t->regions[i].base;
		int ret = memblock_insert_region(t, i, base, stop - base, nid);
		if (ret)
			return ret;
		base = stop;
	}
	memblock_merge_regions(t);
	return 0;
}

/* Split regions so that [base, end) boundaries are region boundaries. */
static int memblock_isolate_range(struct memblock_type *t, kmm_phys_addr_t base,
				  kmm_phys_addr_t end)
{
	for (unsigned i = 0; i < t->cnt; i++) {
		struct memblock_region *r = &t->regions[i];
		kmm_phys_addr_t rend = r->base + r->size;
		kmm_phys_addr_t cut = 0;
		if (r->base < base && base < rend)
			cut = base;
		else if (r->base < end && end < rend)
			cut = end;
		if (!cut)
			continue;
		int nid = r->nid;
		kmm_phys_addr_t rbase = r->base;
		t->total_size -= r->size;
		r->size = cut - rbase;
		t->total_size += r->size;
		int ret = memblock_insert_region(t, i + 1, cut, rend - cut, nid);
		if (ret)
			return ret;
	}
	return 0;
}

static int memblock_remove_range(struct memblock_type *t, kmm_phys_addr_t base,
				 kmm_phys_addr_t size)
{
	kmm_phys_addr_t end = base + size;
	int ret = memblock_isolate_range(t, base, end);
	if (ret)
		return ret;
	for (unsigned i = 0; i < t->cnt;) {
		struct memblock_region *r = &t->regions[i];
		if (r->base >= base && r->base + r->size <= end)
			memblock_remove_region(t, i);
		else
			i++;
	}
	return 0;
}

int memblock_add_node(struct kmm_machine *m, kmm_phys_addr_t base, kmm_phys_addr_t size, int nid)
{
	return memblock_add_range(&m->memblock.memory, base, size, nid);
}

int memblock_add(struct kmm_machine *m, kmm_phys_addr_t base, kmm_phys_addr_t size)
{
	return memblock_add_range(&m->memblock.memory, base, size, MEMBLOCK_NONE);
}

int memblock_remove(struct kmm_machine *m, kmm_phys_addr_t base, kmm_phys_addr_t size)
{
	return memblock_remove_range(&m->memblock.memory, base, size);
}

int memblock_reserve(struct kmm_machine *m, kmm_phys_addr_t base, kmm_phys_addr_t size)
{
	return memblock_add_range(&m->memblock.reserved, base, size, MEMBLOCK_NONE);
}

int memblock_phys_free(struct kmm_machine *m, kmm_phys_addr_t base, kmm_phys_addr_t size)
{
	return memblock_remove_range(&m->memblock.reserved, base, size);
}

int memblock_set_node(struct kmm_machine *m, kmm_phys_addr_t base, kmm_phys_addr_t size, int nid)
{
	struct memblock_type *t = &m->memblock.memory;
	kmm_phys_addr_t end = base + size;
	int ret = memblock_isolate_range(t, base, end);
	if (ret)
		return ret;
	for (unsigned i = 0; i < t->cnt; i++) {
		struct memblock_region *r = &t->regions[i];
		if (r->base >= base && r->base + r->size <= end)
			r->nid = nid;
	}
	memblock_merge_regions(t);
	return 0;
}

/*
 * Iterate the free ranges: memory regions minus reserved regions, in
 * ascending order.  *idx encodes (memory index << 32 | reserved index).
 */
bool memblock_next_free_range(const struct kmm_machine *m, uint64_t *idx,
			      kmm_phys_addr_t *out_start, kmm_phys_addr_t *out_end, int *nid)
{
	const struct memblock_type *mem = &m->memblock.memory;
	const struct memblock_type *res = &m->memblock.reserved;
	unsigned mi = (unsigned)(*idx >> 32), ri = (unsigned)(*idx & 0xffffffffu);

	for (; mi < mem->cnt; mi++, ri = 0) {
		const struct memblock_region *r = &mem->regions[mi];
		kmm_phys_addr_t mbase = r->base, mend = r->base + r->size;
		/* gaps between reserved regions, intersected with [mbase, mend) */
		for (; ri <= res->cnt; ri++) {
			kmm_phys_addr_t gbase =
				ri ? res->regions[ri - 1].base + res->regions[ri - 1].size : 0;
			kmm_phys_addr_t gend =
				ri < res->cnt ? res->regions[ri].base : ~(kmm_phys_addr_t)0;
			if (gbase >= mend)
				break;
			kmm_phys_addr_t s = KMM_MAX(gbase, mbase), e = KMM_MIN(gend, mend);
			if (s < e) {
				*out_start = s;
				*out_end = e;
				if (nid)
					*nid = r->nid;
				*idx = ((uint64_t)mi << 32) | (ri + 1);
				return true;
			}
		}
	}
	*idx = (uint64_t)mem->cnt << 32;
	return false;
}

void *memblock_alloc_try_nid(struct kmm_machine *m, kmm_phys_addr_t size, kmm_phys_addr_t align,
			     int nid)
{
	kmm_phys_addr_t best = 0;
	bool found = false;
	if (!align)
		align = 8;
	size = KMM_ALIGN_UP(size, (kmm_phys_addr_t)8);
	for (int pass = 0; pass < 2 && !found; pass++) {
		uint64_t idx = 0;
		kmm_phys_addr_t s, e;
		int rnid;
		while (memblock_next_free_range(m, &idx, &s, &e, &rnid)) {
			if (pass == 0 && nid != MEMBLOCK_NONE && rnid != nid)
				continue;
			if (e > m->memblock.current_limit)
				e = m->memblock.current_limit;
			if (s < KMM_PAGE_SIZE)
				s = KMM_PAGE_SIZE; /* never hand out page 0 */
			if (e <= s || e - s < size)
				continue;
			kmm_phys_addr_t cand = KMM_ALIGN_DOWN(e - size, align);
			if (cand < s)
				continue;
			if (!found || cand > best) {
				best = cand;
				found = true;
			}
		}
	}
	if (!found || memblock_reserve(m, best, size))
		return NULL;
	void *p = kmm_phys_to_virt(m, best);
	kmm_memset(p, 0, (size_t)size);
	return p;
}

kmm_phys_addr_t memblock_phys_mem_size(const struct kmm_machine *m)
{
	return m->memblock.memory.total_size;
}

kmm_phys_addr_t memblock_reserved_size(const struct kmm_machine *m)
{
	return m->memblock.reserved.total_size;
}

kmm_phys_addr_t memblock_start_of_DRAM(const struct kmm_machine *m)
{
	return m->memblock.memory.cnt ? m->memblock.memory.regions[0].base : 0;
}

kmm_phys_addr_t memblock_end_of_DRAM(const struct kmm_machine *m)
{
	const struct memblock_type *t = &m->memblock.memory;
	return t->cnt ? t->regions[t->cnt - 1].base + t->regions[t->cnt - 1].size : 0;
}

static bool memblock_type_contains(const struct memblock_type *t, kmm_phys_addr_t addr)
{
	unsigned lo = 0, hi = t->cnt;
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		const struct memblock_region *r = &t->regions[mid];
		if (addr < r->base)
			hi = mid;
		else if (addr >= r->base + r->size)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

bool memblock_is_reserved(const struct kmm_machine *m, kmm_phys_addr_t addr)
{
	return memblock_type_contains(&m->memblock.reserved, addr);
}

bool memblock_is_memory(const struct kmm_machine *m, kmm_phys_addr_t addr)
{
	return memblock_type_contains(&m->memblock.memory, addr);
}

void memblock_dump(struct kmm_machine *m)
{
	const struct memblock_type *types[2] = { &m->memblock.memory, &m->memblock.reserved };
	pr_debug(m, "MEMBLOCK configuration:");
	pr_debug(m, " memory size = 0x%llx reserved size = 0x%llx",
		 (unsigned long long)types[0]->total_size,
		 (unsigned long long)types[1]->total_size);
	for (int k = 0; k < 2; k++) {
		pr_debug(m, " %s.cnt  = 0x%x", types[k]->name, types[k]->cnt);
		for (unsigned i = 0; i < types[k]->cnt; i++) {
			const struct memblock_region *r = &types[k]->regions[i];
			pr_debug(m, " %s[0x%x]\t[0x%016llx-0x%016llx], 0x%016llx bytes on node %d",
				 types[k]->name, i, (unsigned long long)r->base,
				 (unsigned long long)(r->base + r->size - 1),
				 (unsigned long long)r->size, r->nid);
		}
	}
}
