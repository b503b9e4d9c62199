/* SPDX-License-Identifier: MIT */
/*
 * src/init/main.c - booting and shutting down a machine (init/main.c
 * start_kernel, arch/x86/kernel/setup.c setup_arch, mm/mm_init.c
 * mm_core_init), in the kernel's order:
 *
 *   parse the command line -> e820 map -> memblock -> NUMA nodes ->
 *   per-CPU areas -> sparse mem_map -> nodes and zones -> zonelists ->
 *   free memory into the buddy -> min_free_kbytes, watermarks,
 *   lowmem_reserve, pcp sizes -> vmstat thresholds.
 *
 * The machine structure itself and its simulated RAM come from the port
 * layer; everything else is allocated from the simulated RAM by memblock.
 */
#include "mm/slab.h"
#include "mm/swap.h"
#include "mm/vmalloc.h"

const char kmm_default_cmdline[] = "numa=fake=2 nr_cpus=2";

#define KMM_VERSION "0.1.0"

static void setup_per_cpu_areas(struct kmm_machine *m, int nr_cpus)
{
	m->nr_cpu_ids = nr_cpus;
	m->cpus = memblock_alloc_try_nid(m, sizeof(struct kmm_cpu) * (size_t)nr_cpus, 64,
					 MEMBLOCK_NONE);
	/* nodes that have memory, in order; CPUs go round-robin over them */
	int nodes[MAX_NUMNODES], nr_nodes = 0;
	for (int nid = 0; nid < m->nr_node_ids; nid++) {
		for (unsigned i = 0; i < m->memblock.memory.cnt; i++)
			if (m->memblock.memory.regions[i].nid == nid) {
				nodes[nr_nodes++] = nid;
				break;
			}
	}
	for (int i = 0; m->cpus && i < nr_cpus; i++) {
		m->cpus[i].id = i;
		m->cpus[i].machine = m;
		m->cpus[i].node = nr_nodes ? nodes[i % nr_nodes] : 0;
		atomic_init(&m->cpus[i].owner, 0);
		atomic_init(&m->cpus[i].pending, 0);
	}
	pr_info(m, "setup_percpu: NR_CPUS:%d nr_cpumask_bits:%d nr_cpu_ids:%d nr_node_ids:%d",
		KMM_MAX_CPUS, nr_cpus, nr_cpus, m->nr_node_ids);
}

static int boot_fail(struct kmm_machine *m, int ret, char *err, size_t errlen, const char *what)
{
	if (err && errlen && !err[0])
		kmm_snprintf(err, errlen, "boot failed: %s (error %d)", what, ret);
	kmm_machine_shutdown(m);
	return ret;
}

int kmm_machine_boot(const char *cmdline, const struct kmm_boot_opts *opts,
		     struct kmm_machine **out, char *err, size_t errlen)
{
	void *block;
	size_t bytes = KMM_ALIGN_UP(sizeof(struct kmm_machine), (size_t)KMM_PAGE_SIZE);
	char dummy[8];
	if (!err || !errlen) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	err[0] = '\0';
	*out = NULL;
	int ret = kmm_port_mem_reserve(bytes, &block);
	if (ret) {
		kmm_snprintf(err, errlen, "cannot reserve host memory for the machine");
		return ret;
	}
	struct kmm_machine *m = block;
	m->self_alloc = block;
	m->self_bytes = bytes;
	kmm_log_init(m, opts);
	kmm_sysctl_defaults(m);
	kmm_strlcpy(m->cmdline, cmdline ? cmdline : "", sizeof(m->cmdline));
	if (kmm_strlen(cmdline ? cmdline : "") >= sizeof(m->cmdline)) {
		kmm_snprintf(err, errlen, "command line longer than %d bytes", KMM_CMDLINE_MAX - 1);
		return boot_fail(m, -KMM_E2BIG, err, errlen, "command line");
	}

	struct kmm_boot_params p;
	int default_min_free = m->vm.min_free_kbytes;
	ret = kmm_parse_cmdline(m, m->cmdline, &p, err, errlen);
	if (ret)
		return boot_fail(m, ret, err, errlen, "command line");
	if (m->vm.min_free_kbytes != default_min_free)
		m->vm.user_min_free_kbytes = m->vm.min_free_kbytes;
	if (p.quiet)
		m->log.console_loglevel = 4; /* CONSOLE_LOGLEVEL_QUIET */
	if (p.loglevel >= 0)
		m->log.console_loglevel = p.loglevel;
	m->nofail_retries = p.nofail_retries ? p.nofail_retries : 1000;

	pr_notice(m, "kmm version " KMM_VERSION " (Linux mm, simulated) #1 SMP");
	pr_notice(m, "Command line: %s", m->cmdline);

	/* setup_arch: the firmware map and memblock */
	ret = e820__memory_setup(m, &p, err, errlen);
	if (ret)
		return boot_fail(m, ret, err, errlen, "memory map");
	m->max_pfn = KMM_PHYS_PFN(e820__end_of_ram(m));
	m->max_low_pfn = KMM_MIN(m->max_pfn, (kmm_pfn_t)1 << (32 - KMM_PAGE_SHIFT));
	pr_info(m, "last_pfn = %#llx max_arch_pfn = %#llx", (unsigned long long)m->max_pfn,
		1ULL << (KMM_MAX_PHYSMEM_BITS - KMM_PAGE_SHIFT));
	m->ram_bytes = (size_t)m->max_pfn << KMM_PAGE_SHIFT;
	ret = kmm_port_mem_reserve(m->ram_bytes, (void **)&m->ram);
	if (ret) {
		kmm_snprintf(err, errlen, "cannot reserve %zu MiB of host address space for RAM",
			     m->ram_bytes >> 20);
		m->ram = NULL;
		return boot_fail(m, ret, err, errlen, "RAM");
	}
	m->memblock.memory.name = "memory";
	m->memblock.reserved.name = "reserved";
	m->memblock.current_limit = KMM_PFN_PHYS(m->max_pfn);
	e820__memblock_setup(m);
	ret = kmm_numa_init(m, &p, err, errlen);
	if (ret)
		return boot_fail(m, ret, err, errlen, "NUMA");

	setup_per_cpu_areas(m, p.nr_cpus ? p.nr_cpus : 2);
	if (!m->cpus)
		return boot_fail(m, -KMM_ENOMEM, err, errlen, "per-CPU areas");

	/* mm_core_init */
	ret = sparse_init(m);
	if (ret)
		return boot_fail(m, ret, err, errlen, "sparse mem_map");
	ret = free_area_init(m, &p);
	if (ret)
		return boot_fail(m, ret, err, errlen, "zones");
	build_all_zonelists(m);
	memblock_free_all(m);
	mem_init_print_info(m);

	/* init_per_zone_wmark_min */
	calculate_min_free_kbytes(m);
	setup_per_zone_wmarks(m);
	setup_per_zone_lowmem_reserve(m);
	setup_per_zone_wmarks(m); /* totalreserve_pages needs the reserves */
	vmstat_init(m);
	ret = kmem_cache_init(m);
	if (ret)
		return boot_fail(m, ret, err, errlen, "slab");
	/* tasks, init_mm, the zero page, per-CPU MMUs, page cache + flusher */
	ret = vm_init(m);
	if (ret)
		return boot_fail(m, ret, err, errlen, "virtual memory");
	ret = vmalloc_init(m); /* after vm_init: lives in init_mm */
	if (ret)
		return boot_fail(m, ret, err, errlen, "vmalloc");
	ret = swap_init(m); /* swap devices come with kmm_swapon() */
	if (ret)
		return boot_fail(m, ret, err, errlen, "swap");
	*out = m;
	return 0;
}

void kmm_machine_shutdown(struct kmm_machine *m)
{
	if (!m)
		return;
	/* unbind the caller first: kernel threads stopping below may need a
	 * CPU slot to finish their work */
	if (m->cpus)
		kmm_cpu_leave(m);
	swap_exit(m); /* close the swap files */
	vm_exit(m);
	vmalloc_exit(m); /* after the last vfree: the host window goes */
	void **slot = kmm_port_tls_slot();
	if (m->cpus && *slot >= (void *)m->cpus && *slot < (void *)(m->cpus + m->nr_cpu_ids))
		*slot = NULL;
	if (m->slab.pfn_slab)
		kmm_port_mem_release(m->slab.pfn_slab, m->slab.pfn_slab_bytes);
	if (m->ram)
		kmm_port_mem_release(m->ram, m->ram_bytes);
	kmm_port_mem_release(m->self_alloc, m->self_bytes);
}
