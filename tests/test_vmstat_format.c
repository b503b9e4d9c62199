// SPDX-License-Identifier: MIT
/*
 * tests/test_vmstat_format.c - the counters (src/mm/vmstat.c) and the files
 * that show them: /proc/buddyinfo, zoneinfo, vmstat, meminfo, pagetypeinfo,
 * the /proc/sys/vm files (src/kernel/sysctl.c), the proc tree itself
 * (src/fs/proc.c), the Mem-Info report (src/mm/show_mem.c) and the flag
 * printers and dump_page (src/mm/debug.c).
 *
 * The files are checked against each other on a live machine: the free
 * pages of buddyinfo, zoneinfo, vmstat and meminfo must agree exactly once
 * the per-CPU lists are drained.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"

/* ---- helpers ------------------------------------------------------------------ */

static struct kmm_machine *boot(void)
{
	struct kmm_machine *m = NULL;
	char err[256] = "";
	int ret = kmm_machine_boot("quiet", NULL, &m, err, sizeof(err));

	if (ret || !m)
		fail_msg("boot failed: %d %s", ret, err);
	assert_int_equal(kmm_cpu_enter(m, 0), 0);
	return m;
}

static void shutdown(struct kmm_machine *m)
{
	kmm_cpu_leave(m);
	kmm_machine_shutdown(m);
}

/* The whole file, NUL-terminated (free() it); fails the test on error. */
static char *read_all(struct kmm_machine *m, const char *path)
{
	long n = kmm_proc_read(m, path, NULL, 0);
	char *buf;

	if (n < 0)
		fail_msg("read %s: %ld", path, n);
	for (;;) {
		long got;

		buf = malloc((size_t)n + 1);
		assert_non_null(buf);
		got = kmm_proc_read(m, path, buf, (size_t)n + 1);
		assert_true(got >= 0);
		if (got <= n) {
			assert_int_equal(strlen(buf), (size_t)got);
			return buf;
		}
		free(buf); /* grew between the calls: counters are live */
		n = got;
	}
}

static int write_str(struct kmm_machine *m, const char *path, const char *s)
{
	return kmm_proc_write(m, path, s, strlen(s));
}

static long read_long(struct kmm_machine *m, const char *path)
{
	char *s = read_all(m, path);
	long v = strtol(s, NULL, 10);

	free(s);
	return v;
}

/* Value of "NAME value" in /proc/vmstat, or "Name:   N kB" in meminfo. */
static long field(const char *text, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, name, n) && (p[n] == ' ' || p[n] == ':'))
			return strtol(p + n + 1, NULL, 10);
	}
	fail_msg("no field %s", name);
	return -1;
}

struct zone_free {
	int nid;
	char name[16];
	unsigned long pages;
};

/* Parse /proc/buddyinfo, checking the layout of every line. */
static int parse_buddyinfo(const char *text, struct zone_free *zf, int max, unsigned long *total)
{
	int n = 0;

	*total = 0;
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		int nid, off = 0;
		char name[16];

		assert_non_null(nl);
		/* "Node %d, zone %8s " then "%6lu " per order */
		assert_int_equal(sscanf(p, "Node %d, zone %15s%n", &nid, name, &off), 2);
		assert_int_equal(p[off - (int)strlen(name) - 1], ' ');
		assert_memory_equal(p + off - 8 - 7, ", zone ", 7);
		assert_int_equal((size_t)(nl - p), (size_t)off + 1 + NR_PAGE_ORDERS * 7);
		unsigned long pages = 0;
		for (int o = 0; o < NR_PAGE_ORDERS; o++) {
			const char *f = p + off + 1 + o * 7;
			char *end;
			unsigned long blocks = strtoul(f, &end, 10);

			assert_ptr_equal(end, f + 6);
			assert_int_equal(*end, ' ');
			pages += blocks << o;
		}
		assert_true(n < max);
		zf[n].nid = nid;
		snprintf(zf[n].name, sizeof(zf[n].name), "%s", name);
		zf[n].pages = pages;
		*total += pages;
		n++;
		p = nl + 1;
	}
	return n;
}

/* The number after KEY in the block of zone ZONE of node NID in /proc/zoneinfo. */
static long zoneinfo_value(const char *text, int nid, const char *zone, const char *key)
{
	char head[64];
	const char *p;

	snprintf(head, sizeof(head), "Node %d, zone %8s\n", nid, zone);
	p = strstr(text, head);
	if (!p)
		fail_msg("no zone %s in zoneinfo", head);
	p = strstr(p + 1, key);
	assert_non_null(p);
	return strtol(p + strlen(key), NULL, 10);
}

/*
 * Sum of zoneinfo's "min"/"low"/"high" over the zones below ZONE_MOVABLE
 * (min_free_kbytes is shared out among those; Movable gets a token amount).
 */
static long zoneinfo_sum(struct kmm_machine *m, const char *text, const char *key)
{
	long sum = 0;
	int nid;

	for_each_online_node(m, nid)
	{
		for (int i = 0; i < ZONE_MOVABLE; i++)
			sum += zoneinfo_value(text, nid, zone_names[i], key);
	}
	return sum;
}

/* ---- free pages agree across the files ------------------------------------------ */

static void check_free_agree(struct kmm_machine *m)
{
	struct zone_free zf[MAX_NUMNODES * MAX_NR_ZONES];
	unsigned long total;
	char *buddy, *zoneinfo, *meminfo, *vmstat;
	int nz;

	kmm_drain_all_pages(m);
	buddy = read_all(m, "/proc/buddyinfo");
	zoneinfo = read_all(m, "/proc/zoneinfo");
	meminfo = read_all(m, "/proc/meminfo");
	vmstat = read_all(m, "/proc/vmstat");

	nz = parse_buddyinfo(buddy, zf, (int)(sizeof(zf) / sizeof(zf[0])), &total);
	assert_true(nz > 0);
	assert_true(total > 0);
	assert_int_equal(field(meminfo, "MemFree") * 1024, (long)(total * KMM_PAGE_SIZE));
	assert_int_equal(field(vmstat, "nr_free_pages"), (long)total);
	for (int i = 0; i < nz; i++) {
		long zfree = zoneinfo_value(zoneinfo, zf[i].nid, zf[i].name, "\n  pages free");

		if (zfree != (long)zf[i].pages)
			fail_msg("node %d zone %s: zoneinfo says %ld free, buddyinfo %lu",
				 zf[i].nid, zf[i].name, zfree, zf[i].pages);
	}
	free(buddy);
	free(zoneinfo);
	free(meminfo);
	free(vmstat);
}

static void test_free_pages_agree(void **state)
{
	struct kmm_machine *m = boot();
	struct page *held[64];
	unsigned orders[64];
	int n = 0;

	(void)state;
	check_free_agree(m);

	/* some of everything: single pages go through the per-CPU lists */
	for (int i = 0; i < 64; i++) {
		orders[n] = (unsigned)(i % 5 == 0 ? 3 : i % 7 == 0 ? 9 : 0);
		held[n] = kmm_alloc_pages(m, i % 2 ? GFP_KERNEL : GFP_HIGHUSER_MOVABLE, orders[n]);
		assert_non_null(held[n]);
		n++;
	}
	check_free_agree(m);

	for (int i = 0; i < n; i += 2)
		__kmm_free_pages(m, held[i], orders[i]);
	check_free_agree(m);
	for (int i = 1; i < n; i += 2)
		__kmm_free_pages(m, held[i], orders[i]);
	check_free_agree(m);

	shutdown(m);
}

/* ---- layouts ------------------------------------------------------------------ */

static void test_zoneinfo_layout(void **state)
{
	struct kmm_machine *m = boot();
	char *zi = read_all(m, "/proc/zoneinfo");
	int nid, zones = 0;

	(void)state;
	for_each_online_node(m, nid)
	{
		pg_data_t *pgdat = NODE_DATA(m, nid);
		bool first = true;

		for (int i = 0; i < MAX_NR_ZONES; i++) {
			struct zone *z = &pgdat->node_zones[i];
			char head[64];
			const char *p, *next;

			snprintf(head, sizeof(head), "Node %d, zone %8s\n", nid, zone_names[i]);
			p = strstr(zi, head);
			assert_non_null(p);
			zones++;
			next = strstr(p + 1, "Node ");
			if (!next)
				next = p + strlen(p);
			/* the per-node block comes with the node's first populated zone */
			bool has_node = strstr(p, "\n  per-node stats\n") &&
					strstr(p, "\n  per-node stats\n") < next;
			assert_int_equal(has_node, populated_zone(z) && first);
			if (populated_zone(z))
				first = false;
			bool has_pagesets =
				strstr(p, "\n  pagesets\n") && strstr(p, "\n  pagesets\n") < next;
			assert_int_equal(has_pagesets, populated_zone(z));
			if (!populated_zone(z)) {
				/* the short form ends with the protection line */
				const char *prot = strstr(p, "        protection: (");

				assert_non_null(prot);
				assert_ptr_equal(strchr(prot, '\n') + 1, next);
			} else {
				char cpu[32];

				snprintf(cpu, sizeof(cpu), "\n    cpu: %d\n", m->nr_cpu_ids - 1);
				assert_non_null(strstr(p, cpu));
				assert_non_null(strstr(p, "\n  vm stats threshold: "));
				assert_non_null(
					strstr(p, "\n  node_unreclaimable:  0\n  start_pfn:"));
				assert_int_equal(zoneinfo_value(zi, nid, zone_names[i],
								"\n        managed  "),
						 (long)zone_managed_pages(z));
				assert_int_equal(zoneinfo_value(zi, nid, zone_names[i],
								"\n        present  "),
						 (long)z->present_pages);
			}
		}
	}
	assert_int_equal(zones, m->nr_online_nodes * MAX_NR_ZONES);
	assert_non_null(strstr(zi, "\n      nr_free_pages "));
	assert_non_null(strstr(zi, "\n      numa_hit     "));
	assert_non_null(strstr(zi, "\n      nr_mapped    "));
	free(zi);
	shutdown(m);
}

static void test_vmstat_layout(void **state)
{
	struct kmm_machine *m = boot();
	char *vs = read_all(m, "/proc/vmstat");
	const char *p = vs;
	int lines = 0;

	(void)state;
	/* names in the kernel's order, each "name value" */
	for (int i = 0; i < NR_VM_ZONE_STAT_ITEMS + NR_VM_NUMA_EVENT_ITEMS + NR_VM_NODE_STAT_ITEMS +
				    2 + NR_VM_EVENT_ITEMS + 1;
	     i++) {
		const char *name;
		int k = i;

		if (k < NR_VM_ZONE_STAT_ITEMS)
			name = vmstat_zone_names[k];
		else if ((k -= NR_VM_ZONE_STAT_ITEMS) < NR_VM_NUMA_EVENT_ITEMS)
			name = vmstat_numa_names[k];
		else if ((k -= NR_VM_NUMA_EVENT_ITEMS) < NR_VM_NODE_STAT_ITEMS)
			name = vmstat_node_names[k];
		else if ((k -= NR_VM_NODE_STAT_ITEMS) < 2)
			name = k ? "nr_dirty_background_threshold" : "nr_dirty_threshold";
		else if ((k -= 2) < NR_VM_EVENT_ITEMS)
			name = vmstat_event_names[k];
		else
			name = "nr_unstable";
		if (strncmp(p, name, strlen(name)) || p[strlen(name)] != ' ')
			fail_msg("line %d: expected %s, got %.40s", i, name, p);
		p += strlen(name) + 1;
		assert_true(*p >= '0' && *p <= '9');
		while (*p >= '0' && *p <= '9')
			p++;
		assert_int_equal(*p, '\n');
		p++;
		lines++;
	}
	assert_int_equal(*p, '\0');
	/* dirty limits: 20% and 10% of free + file pages, roughly */
	long nfree = field(vs, "nr_free_pages");
	long dirty = field(vs, "nr_dirty_threshold");
	long bg = field(vs, "nr_dirty_background_threshold");
	assert_true(dirty > 0 && dirty <= nfree / 5 + 1);
	assert_true(dirty > nfree / 6);
	assert_true(bg > 0 && bg < dirty);
	free(vs);
	shutdown(m);
}

static void test_meminfo_layout(void **state)
{
	static const char *const names[] = {
		"MemTotal",	  "MemFree",
		"MemAvailable",	  "Buffers",
		"Cached",	  "SwapCached",
		"Active",	  "Inactive",
		"Active(anon)",	  "Inactive(anon)",
		"Active(file)",	  "Inactive(file)",
		"Unevictable",	  "Mlocked",
		"SwapTotal",	  "SwapFree",
		"Dirty",	  "Writeback",
		"AnonPages",	  "Mapped",
		"Shmem",	  "KReclaimable",
		"Slab",		  "SReclaimable",
		"SUnreclaim",	  "KernelStack",
		"PageTables",	  "SecPageTables",
		"NFS_Unstable",	  "Bounce",
		"WritebackTmp",	  "CommitLimit",
		"Committed_AS",	  "VmallocTotal",
		"VmallocUsed",	  "VmallocChunk",
		"Percpu",	  "HardwareCorrupted",
		"AnonHugePages",  "ShmemHugePages",
		"ShmemPmdMapped", "FileHugePages",
		"FilePmdMapped",  "HugePages_Total",
		"HugePages_Free", "HugePages_Rsvd",
		"HugePages_Surp", "Hugepagesize",
		"Hugetlb",	  "DirectMap4k",
		"DirectMap2M",	  "DirectMap1G",
	};
	struct kmm_machine *m = boot();
	char *mi = read_all(m, "/proc/meminfo");
	const char *p = mi;

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *nl = strchr(p, '\n');
		size_t n = strlen(names[i]);

		assert_non_null(nl);
		if (strncmp(p, names[i], n) || p[n] != ':')
			fail_msg("line %zu: expected %s, got %.30s", i, names[i], p);
		if (!strncmp(names[i], "HugePages_", 10)) {
			assert_int_equal(nl - p, 24); /* "HugePages_Total:   %5lu" */
		} else if (!strcmp(names[i], "HardwareCorrupted")) {
			assert_int_equal(nl - p, 27); /* "HardwareCorrupted: %5lu kB" */
		} else {
			/* "%-16s%8lu kB" unless the number is wider */
			assert_true(nl - p >= 27);
			assert_memory_equal(nl - 3, " kB", 3);
			if (nl - p == 27)
				assert_true(p[15] == ' ' || p[15] == ':');
		}
		p = nl + 1;
	}
	assert_int_equal(*p, '\0');
	long total = field(mi, "MemTotal");
	assert_int_equal(total, (long)(atomic_load(&m->totalram_pages) * KMM_PAGE_SIZE / 1024));
	assert_true(field(mi, "MemAvailable") <= field(mi, "MemFree"));
	assert_true(field(mi, "MemAvailable") > 0);
	assert_true(labs(field(mi, "CommitLimit") - total / 2) <= 4);
	/* the direct map covers all RAM below the end of memory */
	long dm = field(mi, "DirectMap4k") + field(mi, "DirectMap2M") + field(mi, "DirectMap1G");
	assert_true(dm >= total);
	free(mi);
	shutdown(m);
}

static void test_pagetypeinfo_and_iomem(void **state)
{
	struct kmm_machine *m = boot();
	char *pt = read_all(m, "/proc/pagetypeinfo");
	char *io = read_all(m, "/proc/iomem");
	char *cl = read_all(m, "/proc/cmdline");

	(void)state;
	assert_memory_equal(pt, "Page block order: 9\nPages per block:  512\n\n", 43);
	assert_non_null(strstr(pt, "Free pages count per migrate type at order       0      1"));
	assert_non_null(strstr(pt, "\nNumber of blocks type     Unmovable      Movable  Reclaimable"
				   "   HighAtomic      Isolate \n"));
	assert_non_null(strstr(pt, "Node    0, zone      DMA, type    Unmovable "));
	/* every pageblock of a zone is counted once */
	int nid;
	for_each_online_node(m, nid)
	{
		for (int i = 0; i < MAX_NR_ZONES; i++) {
			struct zone *z = &NODE_DATA(m, nid)->node_zones[i];
			char head[64];
			const char *p = pt;
			unsigned long c[MIGRATE_TYPES], sum = 0;

			if (!populated_zone(z))
				continue;
			snprintf(head, sizeof(head), "Node %d, zone %8s ", nid, z->name);
			while ((p = strstr(p, head)) && p != pt && p[-1] != '\n')
				p++;
			assert_non_null(p);
			assert_int_equal(sscanf(p + strlen(head), "%lu %lu %lu %lu %lu", &c[0],
						&c[1], &c[2], &c[3], &c[4]),
					 MIGRATE_TYPES);
			for (int t = 0; t < MIGRATE_TYPES; t++)
				sum += c[t];
			assert_true(sum >= 1);
			assert_true(sum <= z->spanned_pages / pageblock_nr_pages + 1);
		}
	}

	assert_memory_equal(io, "00000000-", 9);
	assert_non_null(strstr(io, " : System RAM\n"));
	/* "%08llx-%08llx : %s": the first RAM range starts at 0 */
	unsigned long long a, b;
	char type[32];
	assert_int_equal(sscanf(io, "%llx-%llx : %31[^\n]", &a, &b, type), 3);
	assert_true(b > a);
	assert_string_equal(cl, "quiet\n");
	free(pt);
	free(io);
	free(cl);
	shutdown(m);
}

/* ---- sysctls -------------------------------------------------------------------- */

static void test_min_free_kbytes_moves_watermarks(void **state)
{
	struct kmm_machine *m = boot();
	long v = read_long(m, "/proc/sys/vm/min_free_kbytes");
	char *zi = read_all(m, "/proc/zoneinfo");
	long min0 = zoneinfo_sum(m, zi, "\n        min      ");
	long low0 = zoneinfo_sum(m, zi, "\n        low      ");
	long high0 = zoneinfo_sum(m, zi, "\n        high     ");
	char buf[32];

	(void)state;
	free(zi);
	assert_true(v >= 128);
	/* min is spread over the zones in proportion: the sum is min_free_kbytes/4 */
	assert_true(min0 <= v / 4 && min0 >= v / 4 - MAX_NUMNODES * MAX_NR_ZONES);

	snprintf(buf, sizeof(buf), "%ld\n", 2 * v);
	assert_int_equal(write_str(m, "/proc/sys/vm/min_free_kbytes", buf), 0);
	assert_int_equal(read_long(m, "/proc/sys/vm/min_free_kbytes"), 2 * v);
	assert_int_equal(m->vm.user_min_free_kbytes, 2 * v);
	zi = read_all(m, "/proc/zoneinfo");
	long min1 = zoneinfo_sum(m, zi, "\n        min      ");
	long low1 = zoneinfo_sum(m, zi, "\n        low      ");
	long high1 = zoneinfo_sum(m, zi, "\n        high     ");
	free(zi);
	assert_true(min1 <= v / 2 && min1 >= v / 2 - MAX_NUMNODES * MAX_NR_ZONES);
	assert_true(min1 > min0 && low1 > low0 && high1 > high0);
	assert_true(low1 > min1 && high1 > low1);

	/* watermark_scale_factor widens the gaps between min, low and high */
	assert_int_equal(write_str(m, "/proc/sys/vm/watermark_scale_factor", "100"), 0);
	zi = read_all(m, "/proc/zoneinfo");
	long low2 = zoneinfo_sum(m, zi, "\n        low      ");
	assert_int_equal(zoneinfo_sum(m, zi, "\n        min      "), min1);
	assert_true(low2 > low1);
	free(zi);
	shutdown(m);
}

static void expect_rejected(struct kmm_machine *m, const char *path, const char *value)
{
	char *before = read_all(m, path);
	char *after;
	int ret = write_str(m, path, value);

	if (ret != -KMM_EINVAL)
		fail_msg("write '%s' to %s: %d, expected -KMM_EINVAL", value, path, ret);
	after = read_all(m, path);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

static void test_bad_sysctl_writes(void **state)
{
	struct kmm_machine *m = boot();

	(void)state;
	expect_rejected(m, "/proc/sys/vm/min_free_kbytes", "abc");
	expect_rejected(m, "/proc/sys/vm/min_free_kbytes", "-1");
	expect_rejected(m, "/proc/sys/vm/min_free_kbytes", "");
	expect_rejected(m, "/proc/sys/vm/min_free_kbytes", "\n");
	expect_rejected(m, "/proc/sys/vm/min_free_kbytes", "12 34");
	expect_rejected(m, "/proc/sys/vm/min_free_kbytes", "99999999999");
	expect_rejected(m, "/proc/sys/vm/min_free_kbytes", "12kB");
	expect_rejected(m, "/proc/sys/vm/watermark_scale_factor", "0");
	expect_rejected(m, "/proc/sys/vm/watermark_scale_factor", "3001");
	expect_rejected(m, "/proc/sys/vm/percpu_pagelist_high_fraction", "5");
	expect_rejected(m, "/proc/sys/vm/lowmem_reserve_ratio", "1 2 3 4 5");
	expect_rejected(m, "/proc/sys/vm/watermark_boost_factor", "-5");

	/* accepted forms */
	assert_int_equal(write_str(m, "/proc/sys/vm/watermark_scale_factor", "3000\n"), 0);
	assert_int_equal(read_long(m, "/proc/sys/vm/watermark_scale_factor"), 3000);
	assert_int_equal(write_str(m, "/proc/sys/vm/watermark_scale_factor", "0x10"), 0);
	assert_int_equal(read_long(m, "/proc/sys/vm/watermark_scale_factor"), 16);
	assert_int_equal(write_str(m, "/proc/sys/vm/percpu_pagelist_high_fraction", "8"), 0);
	assert_int_equal(write_str(m, "/proc/sys/vm/percpu_pagelist_high_fraction", "0"), 0);

	char *r = read_all(m, "/proc/sys/vm/lowmem_reserve_ratio");
	assert_string_equal(r, "256\t256\t32\t0\n");
	free(r);
	/* fewer values than elements: the rest stay */
	assert_int_equal(write_str(m, "/proc/sys/vm/lowmem_reserve_ratio", "  100\t200 \n"), 0);
	r = read_all(m, "/proc/sys/vm/lowmem_reserve_ratio");
	assert_string_equal(r, "100\t200\t32\t0\n");
	free(r);

	/* the sysctl API directly, as the boot command line uses it */
	const struct kmm_sysctl *s = kmm_sysctl_find("vm/watermark_boost_factor");
	assert_non_null(s);
	assert_null(kmm_sysctl_find("vm/nope"));
	assert_int_equal(kmm_sysctl_write(m, s, "0", true), 0);
	assert_int_equal(m->vm.watermark_boost_factor, 0);
	assert_int_equal(kmm_sysctl_write(m, s, "x", true), -KMM_EINVAL);
	assert_int_equal(m->vm.watermark_boost_factor, 0);
	shutdown(m);
}

/* ---- the proc tree -------------------------------------------------------------- */

struct listing {
	char text[1024];
};

static void list_cb(void *ctx, const char *name, bool is_dir)
{
	struct listing *l = ctx;
	size_t n = strlen(l->text);

	snprintf(l->text + n, sizeof(l->text) - n, "%s%s ", name, is_dir ? "/" : "");
}

static void test_proc_tree(void **state)
{
	struct kmm_machine *m = boot();
	struct listing l;
	char small[8];

	(void)state;
	assert_int_equal(kmm_proc_read(m, "/proc/nope", small, sizeof(small)), -KMM_ENOENT);
	assert_int_equal(kmm_proc_read(m, "/nope/meminfo", small, sizeof(small)), -KMM_ENOENT);
	assert_int_equal(kmm_proc_read(m, "proc/meminfo", small, sizeof(small)), -KMM_ENOENT);
	assert_int_equal(kmm_proc_read(m, "/proc/sys/vm/nope", small, sizeof(small)), -KMM_ENOENT);
	assert_int_equal(kmm_proc_read(m, "/proc", small, sizeof(small)), -KMM_EISDIR);
	assert_int_equal(kmm_proc_read(m, "/proc/sys/vm/", small, sizeof(small)), -KMM_EISDIR);
	assert_int_equal(write_str(m, "/proc/meminfo", "1"), -KMM_EACCES);
	assert_int_equal(write_str(m, "/proc/nope", "1"), -KMM_ENOENT);
	assert_int_equal(write_str(m, "/proc/sys", "1"), -KMM_EISDIR);

	assert_int_equal(kmm_proc_stat(m, "/"), 1);
	assert_int_equal(kmm_proc_stat(m, "/proc"), 1);
	assert_int_equal(kmm_proc_stat(m, "//proc//sys/"), 1);
	assert_int_equal(kmm_proc_stat(m, "/sys/kernel/mm"), 1);
	assert_int_equal(kmm_proc_stat(m, "/proc/meminfo"), 0);
	assert_int_equal(kmm_proc_stat(m, "/proc/sys/vm/min_free_kbytes"), 0);
	assert_int_equal(kmm_proc_stat(m, "/proc/./sys/../meminfo/"), 0);
	assert_int_equal(kmm_proc_stat(m, "/proc/meminfo/x"), -KMM_ENOENT);

	memset(&l, 0, sizeof(l));
	assert_int_equal(kmm_proc_list(m, "/", list_cb, &l), 0);
	assert_string_equal(l.text, "proc/ sys/ ");
	memset(&l, 0, sizeof(l));
	assert_int_equal(kmm_proc_list(m, "/proc/", list_cb, &l), 0);
	assert_string_equal(l.text,
			    "buddyinfo cmdline iomem meminfo pagetypeinfo slabinfo swaps sys/ "
			    "vmallocinfo vmstat zoneinfo ");
	memset(&l, 0, sizeof(l));
	assert_int_equal(kmm_proc_list(m, "/proc/sys", list_cb, &l), 0);
	assert_string_equal(l.text, "vm/ ");
	memset(&l, 0, sizeof(l));
	assert_int_equal(kmm_proc_list(m, "/proc/sys/vm", list_cb, &l), 0);
	assert_string_equal(l.text,
			    "dirty_expire_centisecs dirty_writeback_centisecs "
			    "drop_caches lowmem_reserve_ratio max_map_count min_free_kbytes "
			    "mmap_min_addr overcommit_memory overcommit_ratio page-cluster "
			    "percpu_pagelist_high_fraction swappiness watermark_boost_factor "
			    "watermark_scale_factor ");
	memset(&l, 0, sizeof(l));
	assert_int_equal(kmm_proc_list(m, "/sys/kernel/mm", list_cb, &l), 0);
	assert_string_equal(l.text, "lru_gen/ swap/ ");
	assert_int_equal(kmm_proc_list(m, "/proc/meminfo", list_cb, &l), -KMM_ENOTDIR);
	assert_int_equal(kmm_proc_list(m, "/proc/nope", list_cb, &l), -KMM_ENOENT);

	/* snprintf-like: the full length whatever the buffer */
	char *io = read_all(m, "/proc/iomem");
	long len = (long)strlen(io);
	assert_true(len > (long)sizeof(small));
	assert_int_equal(kmm_proc_read(m, "/proc/iomem", small, sizeof(small)), len);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_memory_equal(small, io, sizeof(small) - 1);
	assert_int_equal(kmm_proc_read(m, "/proc/iomem", NULL, 0), len);
	free(io);
	shutdown(m);
}

/* ---- counters --------------------------------------------------------------------- */

static struct zone *first_populated(struct kmm_machine *m)
{
	int nid;

	for_each_online_node(m, nid)
	{
		for (int i = 0; i < MAX_NR_ZONES; i++) {
			struct zone *z = &NODE_DATA(m, nid)->node_zones[i];

			if (populated_zone(z))
				return z;
		}
	}
	fail_msg("no populated zone");
	return NULL;
}

static void test_counters_fold(void **state)
{
	struct kmm_machine *m = boot();
	struct zone *z = first_populated(m);
	pg_data_t *pgdat = z->zone_pgdat;
	int t = atomic_load(&z->per_cpu_zonestats[0].stat_threshold);

	(void)state;
	assert_true(t > 1 && t <= 125);
	refresh_cpu_vm_stats(m);
	long base = zone_page_state(z, NR_ZSPAGES);
	long gbase = global_zone_page_state(m, NR_ZSPAGES);

	/* below the threshold the delta stays with the CPU */
	mod_zone_page_state(m, z, NR_ZSPAGES, 1);
	assert_int_equal(zone_page_state(z, NR_ZSPAGES), base);
	assert_int_equal(zone_page_state_snapshot(m, z, NR_ZSPAGES), base + 1);
	refresh_cpu_vm_stats(m);
	assert_int_equal(zone_page_state(z, NR_ZSPAGES), base + 1);
	assert_int_equal(global_zone_page_state(m, NR_ZSPAGES), gbase + 1);
	/* past it, it is folded at once */
	mod_zone_page_state(m, z, NR_ZSPAGES, t + 1);
	assert_int_equal(zone_page_state(z, NR_ZSPAGES), base + t + 2);
	assert_int_equal(sum_zone_node_page_state(m, z->node, NR_ZSPAGES),
			 (unsigned long)(base + t + 2));
	mod_zone_page_state(m, z, NR_ZSPAGES, -(t + 2));
	refresh_cpu_vm_stats(m);
	assert_int_equal(zone_page_state(z, NR_ZSPAGES), base);
	assert_int_equal(global_zone_page_state(m, NR_ZSPAGES), gbase);

	/* byte-counted node items are kept in pages (the slab caches of the
	 * boot already hold some: count from where they stand) */
	refresh_cpu_vm_stats(m);
	long nbase = node_page_state(pgdat, NR_SLAB_RECLAIMABLE_B);
	long sbase = global_node_page_state(m, NR_SLAB_RECLAIMABLE_B);
	char *mi = read_all(m, "/proc/meminfo");
	long rbase = field(mi, "SReclaimable"), slabbase = field(mi, "Slab");
	free(mi);
	mod_node_page_state(m, pgdat, NR_SLAB_RECLAIMABLE_B, 3 * (long)KMM_PAGE_SIZE);
	refresh_cpu_vm_stats(m);
	assert_int_equal(node_page_state(pgdat, NR_SLAB_RECLAIMABLE_B), nbase + 3);
	assert_int_equal(global_node_page_state(m, NR_SLAB_RECLAIMABLE_B), sbase + 3);
	mi = read_all(m, "/proc/meminfo");
	assert_int_equal(field(mi, "SReclaimable"), rbase + 3 * (long)KMM_PAGE_SIZE / 1024);
	assert_int_equal(field(mi, "Slab"), slabbase + 3 * (long)KMM_PAGE_SIZE / 1024);
	free(mi);
	mod_node_page_state(m, pgdat, NR_SLAB_RECLAIMABLE_B, -3 * (long)KMM_PAGE_SIZE);
	refresh_cpu_vm_stats(m);
	assert_int_equal(node_page_state(pgdat, NR_SLAB_RECLAIMABLE_B), nbase);

	/* events and NUMA events are summed over the CPUs */
	unsigned long ev = sum_vm_event(m, DROP_SLAB);
	count_vm_events(m, DROP_SLAB, 5);
	assert_int_equal(sum_vm_event(m, DROP_SLAB), ev + 5);
	char *vs = read_all(m, "/proc/vmstat");
	assert_int_equal(field(vs, "drop_slab"), (long)(ev + 5));
	long hit = field(vs, "numa_other");
	free(vs);
	__count_numa_event(&m->cpus[0], z, NUMA_OTHER);
	vs = read_all(m, "/proc/vmstat");
	assert_int_equal(field(vs, "numa_other"), hit + 1);
	free(vs);
	shutdown(m);
}

/* ---- flag names, dump_page and Mem-Info ---------------------------------------------- */

static void expect_gfp(gfp_t gfp, const char *want)
{
	char buf[256];
	gfp_t back = 0xdead;

	assert_int_equal(kmm_format_gfp(buf, sizeof(buf), gfp), (int)strlen(want));
	assert_string_equal(buf, want);
	assert_int_equal(kmm_parse_gfp(buf, &back), 0);
	assert_int_equal(back, gfp);
}

static void test_gfp_names(void **state)
{
	char buf[8];
	gfp_t g;

	(void)state;
	expect_gfp(GFP_KERNEL, "GFP_KERNEL");
	expect_gfp(GFP_KERNEL | __GFP_NOWARN | __GFP_COMP, "GFP_KERNEL|__GFP_NOWARN|__GFP_COMP");
	expect_gfp(GFP_HIGHUSER_MOVABLE, "GFP_HIGHUSER_MOVABLE");
	expect_gfp(GFP_ATOMIC, "GFP_ATOMIC");
	expect_gfp(0, "none");
	expect_gfp(GFP_ATOMIC | __GFP_DMA, "GFP_ATOMIC|GFP_DMA");
	expect_gfp(GFP_TRANSHUGE, "GFP_TRANSHUGE");
	expect_gfp(GFP_TRANSHUGE_LIGHT, "GFP_TRANSHUGE_LIGHT");
	expect_gfp(GFP_KERNEL_ACCOUNT | __GFP_ZERO, "GFP_KERNEL_ACCOUNT|__GFP_ZERO");
	expect_gfp(GFP_USER, "GFP_USER");
	expect_gfp(GFP_NOFS, "GFP_NOFS");
	expect_gfp(GFP_NOIO, "GFP_NOIO");
	expect_gfp(GFP_NOWAIT | __GFP_DMA32, "GFP_NOWAIT|GFP_DMA32");
	expect_gfp(__GFP_HIGH, "__GFP_HIGH");
	expect_gfp(__GFP_DIRECT_RECLAIM, "__GFP_DIRECT_RECLAIM");
	expect_gfp(__GFP_RECLAIM | __GFP_HARDWALL, "GFP_NOIO|__GFP_HARDWALL");
	expect_gfp(__GFP_KSWAPD_RECLAIM | __GFP_WRITE, "GFP_NOWAIT|__GFP_WRITE");
	expect_gfp(__GFP_HIGH | 0x800000u, "__GFP_HIGH|0x800000");
	expect_gfp(0x200u, "0x200");

	/* snprintf-like truncation */
	assert_int_equal(kmm_format_gfp(buf, sizeof(buf), GFP_KERNEL), 10);
	assert_string_equal(buf, "GFP_KER");

	assert_int_equal(kmm_parse_gfp("GFP_KERNEL|__GFP_ZERO", &g), 0);
	assert_int_equal(g, GFP_KERNEL | __GFP_ZERO);
	assert_int_equal(kmm_parse_gfp("GFP_KERNEL | __GFP_ZERO\n", &g), 0);
	assert_int_equal(g, GFP_KERNEL | __GFP_ZERO);
	assert_int_equal(kmm_parse_gfp("0xcc0", &g), 0);
	assert_int_equal(g, GFP_KERNEL);
	assert_int_equal(kmm_parse_gfp("GFP_DMA|0x100", &g), 0);
	assert_int_equal(g, GFP_DMA | __GFP_ZERO);
	g = 77;
	assert_int_equal(kmm_parse_gfp("KERNEL", &g), -KMM_EINVAL);
	assert_int_equal(kmm_parse_gfp("gfp_kernel", &g), -KMM_EINVAL);
	assert_int_equal(kmm_parse_gfp("GFP_KERNEL|", &g), -KMM_EINVAL);
	assert_int_equal(kmm_parse_gfp("", &g), -KMM_EINVAL);
	assert_int_equal(kmm_parse_gfp("GFP_KERNEL||__GFP_ZERO", &g), -KMM_EINVAL);
	assert_int_equal(kmm_parse_gfp("0x1zz", &g), -KMM_EINVAL);
	assert_int_equal(kmm_parse_gfp("0x100000000", &g), -KMM_EINVAL);
	assert_int_equal(g, 77);
}

/* kmm_log_read() without the "[    0.123456] " record timestamps. */
static size_t read_log_plain(struct kmm_machine *m, char *buf, size_t size)
{
	size_t n = kmm_log_read(m, buf, size), o = 0;
	for (size_t i = 0; i < n;) {
		if ((i == 0 || buf[i - 1] == '\n') && buf[i] == '[') {
			const char *e = memchr(buf + i, ']', n - i);
			if (e && e + 1 < buf + n && e[1] == ' ') {
				i = (size_t)(e - buf) + 2;
				continue;
			}
		}
		buf[o++] = buf[i++];
	}
	buf[o] = '\0';
	return o;
}

static void test_page_flags_and_dump(void **state)
{
	struct kmm_machine *m = boot();
	char buf[256], want[256];
	unsigned long flags = (1UL << PG_head) | (1UL << PG_reserved) | (1UL << PG_locked) |
			      (2UL << KMM_ZONES_PGSHIFT) | (1UL << KMM_NODES_PGSHIFT) |
			      (5UL << KMM_SECTIONS_PGSHIFT);

	(void)state;
	snprintf(want, sizeof(want), "0x%lx(locked|reserved|head|section=5|node=1|zone=2)", flags);
	assert_int_equal(format_page_flags(buf, sizeof(buf), flags), (int)strlen(want));
	assert_string_equal(buf, want);
	assert_int_equal(format_page_flags(buf, sizeof(buf), 0), 28);
	assert_string_equal(buf, "0x0(section=0|node=0|zone=0)");

	struct page *p = kmm_alloc_pages(m, GFP_KERNEL | __GFP_COMP, 2);
	assert_non_null(p);
	char *log = malloc(KMM_LOG_BUF_SIZE);
	assert_non_null(log);
	dump_page(m, p + 1, "testing dump_page");
	read_log_plain(m, log, KMM_LOG_BUF_SIZE);
	char line[128];
	snprintf(line, sizeof(line),
		 "page:%016lx refcount:1 mapcount:", (unsigned long)(uintptr_t)(p + 1));
	assert_non_null(strstr(log, line));
	snprintf(line, sizeof(line), "pfn:0x%lx\n", (unsigned long)kmm_page_to_pfn(m, p + 1));
	assert_non_null(strstr(log, line));
	snprintf(line, sizeof(line), "head:%016lx order:2 compound_mapcount:0",
		 (unsigned long)(uintptr_t)p);
	assert_non_null(strstr(log, line));
	assert_non_null(strstr(log, "\nflags: 0x"));
	assert_non_null(strstr(log, "head|section="));
	assert_non_null(strstr(log, "\nraw: "));
	assert_non_null(strstr(log, "\nhead: "));
	assert_non_null(strstr(log, "\npage dumped because: testing dump_page\n"));
	__kmm_free_pages(m, p, 2);
	free(log);
	shutdown(m);
}

static void test_show_mem(void **state)
{
	struct kmm_machine *m = boot();
	char *log = malloc(KMM_LOG_BUF_SIZE);
	struct zone_free zf[MAX_NUMNODES * MAX_NR_ZONES];
	unsigned long total;
	char *buddy;
	int nz;

	(void)state;
	assert_non_null(log);
	kmm_drain_all_pages(m);
	buddy = read_all(m, "/proc/buddyinfo");
	nz = parse_buddyinfo(buddy, zf, (int)(sizeof(zf) / sizeof(zf[0])), &total);
	__show_mem(m, NULL);
	read_log_plain(m, log, KMM_LOG_BUF_SIZE);
	const char *mi = strstr(log, "Mem-Info:\n");
	assert_non_null(mi);
	assert_non_null(strstr(mi, "\nactive_anon:0 inactive_anon:0 isolated_anon:0\n"
				   " active_file:0 inactive_file:0 isolated_file:0\n"));
	assert_non_null(strstr(mi, " free_cma:0\n"));
	assert_non_null(strstr(mi, "\nNode 0 active_anon:0kB "));
	assert_non_null(strstr(mi, " shmem_thp: 0kB shmem_pmdmapped: 0kB anon_thp: 0kB "));
	assert_non_null(strstr(mi, " reserved_highatomic:0KB "));
	assert_non_null(strstr(mi, "\nlowmem_reserve[]: 0 "));
	/* one free-area line per zone, whose total is buddyinfo's */
	for (int i = 0; i < nz; i++) {
		char head[64], tail[64];
		const char *p, *nl;

		snprintf(head, sizeof(head), "\nNode %d %s: ", zf[i].nid, zf[i].name);
		p = strstr(mi, head);
		assert_non_null(p);
		nl = strchr(p + 1, '\n');
		snprintf(tail, sizeof(tail), " = %lukB", zf[i].pages * (KMM_PAGE_SIZE / 1024));
		assert_memory_equal(nl - strlen(tail), tail, strlen(tail));
		assert_non_null(strstr(p, "*4kB "));
	}
	assert_non_null(strstr(mi, "\n0 total pagecache pages\n0 pages in swap cache\n"
				   "Free swap  = 0kB\nTotal swap = 0kB\n"));
	assert_non_null(strstr(mi, " pages RAM\n0 pages HighMem/MovableOnly\n"));
	assert_non_null(strstr(mi, " pages reserved\n"));

	/* show_zone_free_areas() alone */
	char b[512];
	struct seq_buf sb;
	seq_buf_init(&sb, b, sizeof(b));
	show_zone_free_areas(m, first_populated(m), &sb);
	assert_memory_equal(b, "Node ", 5);
	assert_non_null(strstr(b, "kB"));
	free(buddy);
	free(log);
	shutdown(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gfp_names),
		cmocka_unit_test(test_free_pages_agree),
		cmocka_unit_test(test_zoneinfo_layout),
		cmocka_unit_test(test_vmstat_layout),
		cmocka_unit_test(test_meminfo_layout),
		cmocka_unit_test(test_pagetypeinfo_and_iomem),
		cmocka_unit_test(test_min_free_kbytes_moves_watermarks),
		cmocka_unit_test(test_bad_sysctl_writes),
		cmocka_unit_test(test_proc_tree),
		cmocka_unit_test(test_counters_fold),
		cmocka_unit_test(test_page_flags_and_dump),
		cmocka_unit_test(test_show_mem),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
