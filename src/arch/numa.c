/* SPDX-License-Identifier: MIT */
/*
 * src/arch/numa.c - NUMA node setup (arch/x86/mm/numa.c and
 * numa_emulation.c).
 *
 * With numa=fake=N the usable memory is split into N nodes of equal size
 * in address order (as numa_emulation's split_nodes_interleave does for
 * a machine without SRAT), each at least FAKE_NODE_MIN_SIZE; distances
 * are LOCAL_DISTANCE (10) and REMOTE_DISTANCE (20).  CPU slots are
 * spread round-robin over the nodes.
 */
#include "internal.h"

#define FAKE_NODE_MIN_SIZE (32ULL << 20)
#define LOCAL_DISTANCE 10
#define REMOTE_DISTANCE 20

int kmm_numa_init(struct kmm_machine *m, const struct kmm_boot_params *p, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	uint64_t total = memblock_phys_mem_size(m);
	int nr = p->numa_off ? 1 : (p->numa_fake ? p->numa_fake : 2);
	int max_nodes = (int)(total / FAKE_NODE_MIN_SIZE);
	if (max_nodes < 1)
		max_nodes = 1;
	if (nr > max_nodes) {
		if (p->numa_fake)
			pr_warn(m, "numa=fake=%d too large, reducing to %d", nr, max_nodes);
		nr = max_nodes;
	}
	/*
	 * Node k starts where the k/nr share of RAM begins, rounded down to a
	 * FAKE_NODE_MIN_SIZE boundary so zones never straddle a node inside
	 * a MAX_PAGE_ORDER block.
	 */
	struct memblock_type *mem = &m->memblock.memory;
	kmm_phys_addr_t bound[MAX_NUMNODES + 1];
	bound[0] = 0;
	for (int k = 1; k < nr; k++) {
		uint64_t want = total / (uint64_t)nr * (uint64_t)k, acc = 0;
		bound[k] = bound[k - 1];
		for (unsigned i = 0; i < mem->cnt; i++) {
			const struct memblock_region *r = &mem->regions[i];
			if (acc + r->size >= want) {
				bound[k] =
					KMM_ALIGN_DOWN(r->base + (want - acc), FAKE_NODE_MIN_SIZE);
				break;
			}
			acc += r->size;
		}
		if (bound[k] <= bound[k - 1]) {
			pr_warn(m, "numa=fake=%d: node %d would be empty, using %d nodes", nr, k,
				k);
			nr = k;
			break;
		}
	}
	bound[nr] = memblock_end_of_DRAM(m);
	for (int k = 0; k < nr; k++)
		memblock_set_node(m, bound[k], bound[k + 1] - bound[k], k);
	m->nr_node_ids = nr;
	for (int a = 0; a < nr; a++)
		for (int b = 0; b < nr; b++)
			m->numa_distance[a][b] = a == b ? LOCAL_DISTANCE : REMOTE_DISTANCE;
	if (p->numa_fake || !p->numa_off)
		pr_info(m, "Faking a node at [mem 0x%016llx-0x%016llx]",
			(unsigned long long)memblock_start_of_DRAM(m),
			(unsigned long long)(memblock_end_of_DRAM(m) - 1));
	for (unsigned i = 0; i < mem->cnt; i++) {
		const struct memblock_region *r = &mem->regions[i];
		if (i == 0 || mem->regions[i - 1].nid != r->nid) {
			kmm_phys_addr_t end = r->base + r->size;
			for (unsigned j = i + 1; j < mem->cnt && mem->regions[j].nid == r->nid; j++)
				end = mem->regions[j].base + mem->regions[j].size;
			pr_info(m, "NUMA: Node %d [mem 0x%08llx-0x%08llx]", r->nid,
				(unsigned long long)r->base, (unsigned long long)(end - 1));
		}
	}
	return 0;
}
