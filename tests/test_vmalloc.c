// SPDX-License-Identifier: MIT
/*
 * tests/test_vmalloc.c - vmalloc, vfree, vmap and kvmalloc (src/mm/vmalloc.c,
 * the kvmalloc part of src/mm/slab_common.c) and the port's aliasing
 * (src/port/posix.c): data written through a vmalloc pointer lands in the
 * simulated pages vmalloc_to_page() names and in init_mm's PTEs, odd and
 * large sizes, every page back after many cycles, bad vfree/vunmap reports
 * with nothing changed, vmap of given pages, kvmalloc's choice and kvfree's
 * dispatch (with a fragmented machine forcing the fallback), the
 * /proc/vmallocinfo and /proc/meminfo lines, vmalloc=contig, vmalloc=SIZE,
 * and the guard page left PROT_NONE on the host.
 */
#include "kmm_test.h"
#include "mm/slab.h"
#include "mm/vma.h"
#include "mm/vmalloc.h"

#define PG ((size_t)KMM_PAGE_SIZE)

static struct logcap cap;

/* The machine this thread is bound to: a failed test leaves it behind. */
static struct kmm_machine *bound;

static void shutdown(struct kmm_machine *m)
{
	kmm_cpu_leave(m);
	kmm_machine_shutdown(m);
	bound = NULL;
}

static struct kmm_machine *boot(const char *cmdline)
{
	if (bound)
		shutdown(bound);
	struct kmm_machine *m = test_boot(cmdline, &cap);
	assert_int_equal(kmm_cpu_enter(m, 0), 0);
	bound = m;
	return m;
}

/*
 * Free pages plus page-table pages, with slabs shrunk and pcp lists
 * drained: init_mm's page tables are never freed (as in Linux), so a
 * vmalloc that needed a new table moves pages from one term to the other.
 */
static long free_and_tables(struct kmm_machine *m)
{
	kmm_slab_shrink_all(m);
	kmm_drain_all_pages(m);
	refresh_cpu_vm_stats(m);
	return total_free_pages(m) + global_node_page_state(m, NR_PAGETABLE);
}

static struct kmm_vmalloc_info info(struct kmm_machine *m)
{
	struct kmm_vmalloc_info i;
	kmm_vmalloc_get_info(m, &i);
	return i;
}

static char *read_all(struct kmm_machine *m, const char *path)
{
	long n = kmm_proc_read(m, path, NULL, 0);
	if (n < 0)
		fail_msg("read %s: %ld", path, n);
	char *buf = malloc((size_t)n + 4096);
	assert_non_null(buf);
	long got = kmm_proc_read(m, path, buf, (size_t)n + 4096);
	assert_true(got >= 0 && got < n + 4096);
	return buf;
}

/* "Name:   N kB" of /proc/meminfo */
static unsigned long meminfo_kb(struct kmm_machine *m, const char *name)
{
	char *s = read_all(m, "/proc/meminfo");
	char *p = strstr(s, name);
	assert_non_null(p);
	unsigned long v = strtoul(p + strlen(name) + 1, NULL, 10);
	free(s);
	return v;
}

/* The line of /proc/vmallocinfo starting with @kaddr (malloc'ed), or NULL. */
static char *vmallocinfo_line(struct kmm_machine *m, uint64_t kaddr)
{
	char key[32], *s = read_all(m, "/proc/vmallocinfo"), *line = NULL;
	snprintf(key, sizeof(key), "0x%016llx-", (unsigned long long)kaddr);
	for (char *p = s; p && *p;) {
		char *nl = strchr(p, '\n');
		if (!strncmp(p, key, strlen(key))) {
			size_t n = nl ? (size_t)(nl - p) : strlen(p);
			line = strndup(p, n);
			break;
		}
		p = nl ? nl + 1 : NULL;
	}
	free(s);
	return line;
}

/* The host mapping holding @p: its permissions ("rw-s") and path; false if none. */
static bool host_mapping(const void *p, char perms[8], char *path, size_t pathlen)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[1024];
	bool found = false;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		char pr[8];
		int n = 0;
		if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %n", &lo, &hi, pr, &n) < 3)
			continue;
		if ((uintptr_t)p < lo || (uintptr_t)p >= hi)
			continue;
		strcpy(perms, pr);
		snprintf(path, pathlen, "%s", n ? line + n : "");
		path[strcspn(path, "\n")] = '\0';
		found = true;
		break;
	}
	fclose(f);
	return found;
}

/* init_mm's PTE for kernel address @kaddr (0 if no table). */
static pteval_t kernel_pte(struct kmm_machine *m, uint64_t kaddr)
{
	pteval_t *pte = pte_offset_map(&vm_state(m)->init_mm, kaddr, NULL);
	return pte ? pte_read(pte) : 0;
}

/* ---- aliasing: the data is in the simulated pages ------------------------------------ */

static void test_data_in_simulated_pages(void **state)
{
	(void)state;
	struct kmm_machine *m = boot("quiet mem=256M");
	struct kmm_vmalloc_info vi = info(m);
	assert_true(vi.aliased);
	assert_non_null(vi.window);
	assert_int_equal(vi.window_bytes, 1ULL << 30); /* 2 x 256M, at least 1 GiB */
	assert_true(logcap_has(&cap, "vmalloc: 0xffffc90000000000-0xffffc9003fffffff (1024 MiB)"));
	long free0 = free_and_tables(m);

	const size_t size = 5 * PG + 100;
	unsigned char *p = kmm_vmalloc(m, size);
	assert_non_null(p);
	assert_true(kmm_is_vmalloc_addr(m, p));
	assert_int_equal((uintptr_t)p % PG, 0);
	assert_int_equal(kmm_vmalloc_size(m, p), 6 * PG);
	assert_int_equal(info(m).nr_pages, 6);
	/* kernel address = VMALLOC_START + (host pointer - window) */
	uint64_t kaddr = kmm_vmalloc_kernel_addr(m, p);
	assert_int_equal(kaddr, KMM_VMALLOC_START + (uint64_t)(p - (unsigned char *)vi.window));
	assert_int_equal(kmm_vmalloc_kernel_addr(m, p + 3 * PG + 7), kaddr + 3 * PG + 7);

	for (size_t i = 0; i < size; i++)
		p[i] = (unsigned char)(i / PG * 37 + i % 251);
	for (size_t pg = 0; pg < 6; pg++) {
		struct page *page = kmm_vmalloc_to_page(m, p + pg * PG + 123);
		assert_non_null(page);
		assert_ptr_equal(page, kmm_vmalloc_to_page(m, p + pg * PG));
		/* one of the machine's pages, allocated, in the direct map */
		kmm_pfn_t pfn = kmm_page_to_pfn(m, page);
		assert_true(kmm_pfn_valid(m, pfn));
		assert_true(page_ref_count(page) > 0);
		unsigned char *direct = kmm_page_address(m, page);
		assert_ptr_not_equal(direct, p + pg * PG);
		for (size_t k = 0; k < PG && pg * PG + k < size; k++)
			if (direct[k] != (unsigned char)(pg * 37 + (pg * PG + k) % 251))
				fail_msg("page %zu byte %zu: not in the simulated page", pg, k);
		/* and the other way round */
		direct[9] = 0xe7;
		assert_int_equal(p[pg * PG + 9], 0xe7);
		/* init_mm maps the kernel address to the same frame, PAGE_KERNEL */
		pteval_t pte = kernel_pte(m, kaddr + pg * PG);
		assert_true(pte_present(pte));
		assert_int_equal(pte_pfn(pte), pfn);
		assert_true(pte & _PAGE_RW);
		assert_true(pte & _PAGE_GLOBAL);
		assert_true(pte & _PAGE_NX);
		assert_false(pte & _PAGE_USER);
	}
	/* the guard page has no page and no PTE */
	assert_null(kmm_vmalloc_to_page(m, p + 6 * PG));
	assert_false(pte_present(kernel_pte(m, kaddr + 6 * PG)));
	assert_false(kmm_is_vmalloc_addr(m, kmm_page_address(m, kmm_vmalloc_to_page(m, p))));

	kmm_vfree(m, p);
	assert_false(pte_present(kernel_pte(m, kaddr)));
	assert_null(kmm_vmalloc_to_page(m, p));
	assert_int_equal(info(m).nr_pages, 0);
	assert_int_equal(info(m).nr_areas, vi.nr_areas);
	assert_int_equal(free_and_tables(m), free0);
	assert_int_equal(info(m).nr_reports, 0);
	assert_int_equal(atomic_load(&m->nr_bad_pages), 0);
	shutdown(m);
}

/* Pages of a vmalloc'ed page array for @pages pages (kmalloc'ed up to a page). */
static size_t array_pages(size_t pages)
{
	size_t bytes = pages * sizeof(struct page *);
	return bytes <= PG ? 0 : (bytes + PG - 1) / PG + array_pages((bytes + PG - 1) / PG);
}

/* ---- sizes ----------------------------------------------------------------------------- */

static void test_odd_and_large_sizes(void **state)
{
	(void)state;
	struct kmm_machine *m = boot("quiet mem=256M");
	static const size_t sizes[] = { 1,
					100,
					PG - 1,
					PG,
					PG + 1,
					3 * PG + 1,
					(1 << 20) + 123,
					7 * PG - 1,
					33 << 20,
					(64 << 20) + 1,
					17 * PG + 2049 };
	long free0 = free_and_tables(m);
	for (size_t i = 0; i < KMM_ARRAY_SIZE(sizes); i++) {
		size_t size = sizes[i];
		size_t pages = (size + PG - 1) / PG;
		unsigned char *p = kmm_vmalloc(m, size);
		assert_non_null(p);
		assert_int_equal(kmm_vmalloc_size(m, p), pages * PG);
		assert_int_equal(info(m).nr_pages, pages + array_pages(pages));
		memset(p, (int)i + 1, size);
		/* the last byte's page holds it */
		struct page *last = kmm_vmalloc_to_page(m, p + size - 1);
		assert_non_null(last);
		assert_int_equal(((unsigned char *)kmm_page_address(m, last))[(size - 1) % PG],
				 i + 1);
		assert_int_equal(p[0], i + 1);
		kmm_vfree(m, p);
		/* vzalloc of the same size reuses dirty pages and zeroes them */
		unsigned char *z = kmm_vzalloc(m, size);
		assert_non_null(z);
		for (size_t k = 0; k < pages * PG; k += 61)
			if (z[k])
				fail_msg("vzalloc(%zu): byte %zu is %d", size, k, z[k]);
		assert_int_equal(z[pages * PG - 1], 0);
		kmm_vfree(m, z);
	}
	assert_int_equal(info(m).nr_pages, 0);
	assert_int_equal(free_and_tables(m), free0);

	/* 0, larger than the window, overflowing arrays: NULL */
	logcap_clear(&cap);
	assert_null(kmm_vmalloc(m, 0));
	assert_null(kmm_vmalloc(m, (size_t)2 << 30));
	assert_true(logcap_has(&cap, "vmalloc error: size 2147483648, exceeds total pages"));
	logcap_clear(&cap);
	assert_null(__kmm_vmalloc(m, (size_t)2 << 30, GFP_KERNEL | __GFP_NOWARN));
	assert_false(logcap_has(&cap, "vmalloc error"));
	assert_null(kmm_vmalloc_array(m, SIZE_MAX / 2, 3));
	int *arr = kmm_vmalloc_array(m, 3000, sizeof(int));
	assert_non_null(arr);
	arr[2999] = 5;
	kmm_vfree(m, arr);

	/* alignment of the kernel address */
	void *a = __kmm_vmalloc_node(m, 3 * PG, 1 << 21, GFP_KERNEL, -1, "aligned");
	assert_non_null(a);
	assert_int_equal(kmm_vmalloc_kernel_addr(m, a) % (1 << 21), 0);
	kmm_vfree(m, a);

	/* node placement */
	void *n1 = kmm_vmalloc_node(m, 8 * PG, 1);
	for (int k = 0; k < 8; k++)
		assert_int_equal(kmm_page_to_nid(kmm_vmalloc_to_page(m, (char *)n1 + k * PG)), 1);
	kmm_vfree(m, n1);
	assert_int_equal(free_and_tables(m), free0);
	assert_int_equal(atomic_load(&m->nr_bad_pages), 0);
	shutdown(m);
}

/* More than the machine has: every page allocated so far goes back. */
static void test_exhaustion_unwinds(void **state)
{
	(void)state;
	struct kmm_machine *m = boot("quiet mem=32M");
	long free0 = free_and_tables(m);
	unsigned long failed0 = atomic_load(&m->nr_alloc_failed);
	logcap_clear(&cap);
	assert_null(kmm_vmalloc(m, 64 << 20));
	assert_true(logcap_has(&cap, "vmalloc error: size 67108864, failed to allocate pages"));
	assert_true(atomic_load(&m->nr_alloc_failed) > failed0);
	assert_int_equal(info(m).nr_pages, 0);
	assert_int_equal(free_and_tables(m), free0);
	/* the machine is still usable */
	void *p = kmm_vmalloc(m, 4 << 20);
	assert_non_null(p);
	memset(p, 1, 4 << 20);
	kmm_vfree(m, p);
	assert_int_equal(free_and_tables(m), free0);
	assert_int_equal(atomic_load(&m->nr_bad_pages), 0);
	shutdown(m);
}

/* ---- many cycles give every page back ------------------------------------------------------ */

static void test_cycles_return_every_page(void **state)
{
	(void)state;
	struct kmm_machine *m = boot("quiet mem=256M");
	long free0 = free_and_tables(m);
	struct kmm_vmalloc_info vi0 = info(m);
	enum { LIVE = 24 };
	unsigned char *live[LIVE] = { 0 };
	size_t sizes[LIVE] = { 0 };
	unsigned seed = 12345;
	for (int round = 0; round < 3000; round++) {
		seed = seed * 1103515245u + 12345u;
		int slot = (int)((seed >> 8) % LIVE);
		if (live[slot]) {
			/* stamps intact: areas never overlap */
			assert_int_equal(live[slot][0], (unsigned char)slot);
			assert_int_equal(live[slot][sizes[slot] - 1], (unsigned char)slot);
			kmm_vfree(m, live[slot]);
			live[slot] = NULL;
			continue;
		}
		size_t size = 1 + (seed >> 12) % (600 * PG); /* some need a vmalloc'ed page array */
		if (seed & 1)
			live[slot] = kmm_vmalloc(m, size);
		else
			live[slot] = kmm_vzalloc(m, size);
		assert_non_null(live[slot]);
		sizes[slot] = size;
		live[slot][0] = (unsigned char)slot;
		live[slot][size - 1] = (unsigned char)slot;
	}
	for (int i = 0; i < LIVE; i++)
		kmm_vfree(m, live[i]);
	struct kmm_vmalloc_info vi = info(m);
	assert_int_equal(vi.nr_pages, 0);
	assert_int_equal(vi.nr_areas, vi0.nr_areas);
	/* every freed range merged back: the largest free range is what it was */
	assert_int_equal(vi.largest_free, vi0.largest_free);
	assert_int_equal(free_and_tables(m), free0);
	assert_int_equal(vi.nr_reports, 0);
	assert_int_equal(atomic_load(&m->nr_bad_pages), 0);
	shutdown(m);
}

/* ---- bad frees ------------------------------------------------------------------------------ */

static void test_bad_vfree_reported(void **state)
{
	(void)state;
	struct kmm_machine *m = boot("quiet mem=128M");
	unsigned char *p = kmm_vmalloc(m, 5 * PG);
	assert_non_null(p);
	memset(p, 0x3c, 5 * PG);
	uint64_t kaddr = kmm_vmalloc_kernel_addr(m, p);
	char *k = kmm_kmalloc(m, 64, GFP_KERNEL);
	strcpy(k, "kmalloc'ed");
	int on_stack;
	long free0 = free_and_tables(m);
	char expect[256];

	kmm_vfree(m, NULL); /* fine, silent */
	assert_int_equal(info(m).nr_reports, 0);

	logcap_clear(&cap);
	kmm_vfree(m, p + 100);
	snprintf(expect, sizeof(expect),
		 "BUG: Trying to vfree() nonexistent vm area (%p): 100 bytes into the area "
		 "0x%016llx-0x%016llx (from test_bad_vfree_reported), not its start; left alone",
		 (void *)(p + 100), (unsigned long long)kaddr, (unsigned long long)kaddr + 6 * PG);
	if (!logcap_has(&cap, expect))
		fail_msg("expected '%s' in:\n%s", expect, cap.buf);
	assert_int_equal(info(m).nr_reports, 1);

	logcap_clear(&cap);
	kmm_vfree(m, p + 5 * PG); /* the guard page */
	assert_true(logcap_has(&cap, "in the guard page, 20480 bytes into the area"));

	logcap_clear(&cap);
	kmm_vfree(m, k);
	snprintf(expect, sizeof(expect),
		 "BUG: Trying to vfree() nonexistent vm area (%p): not a vmalloc address", k);
	assert_true(logcap_has(&cap, expect));
	kmm_vfree(m, &on_stack);
	kmm_vunmap(m, p); /* a vmalloc area is not vunmap's */
	assert_true(logcap_has(&cap, "BUG: Trying to vunmap() nonexistent vm area"));
	assert_true(
		logcap_has(&cap, "is a vmalloc area (from test_bad_vfree_reported): use vfree()"));
	assert_int_equal(info(m).nr_reports, 5);

	/* nothing changed: the area, its data, the kmalloc object, the free pages */
	for (size_t i = 0; i < 5 * PG; i++)
		if (p[i] != 0x3c)
			fail_msg("byte %zu changed", i);
	assert_int_equal(kmm_vmalloc_size(m, p), 5 * PG);
	assert_string_equal(k, "kmalloc'ed");
	assert_int_equal(free_and_tables(m), free0);

	kmm_vfree(m, p);
	logcap_clear(&cap);
	kmm_vfree(m, p); /* twice */
	assert_true(logcap_has(&cap, "no area there (freed already?)"));
	assert_int_equal(info(m).nr_reports, 6);
	kmm_kfree(m, k);
	assert_int_equal(atomic_load(&m->nr_slab_reports), 0);
	assert_int_equal(atomic_load(&m->nr_bad_pages), 0);
	shutdown(m);
}

/* ---- vmap ----------------------------------------------------------------------------------- */

static void test_vmap_given_pages(void **state)
{
	(void)state;
	struct kmm_machine *m = boot("quiet mem=128M");
	long free0 = free_and_tables(m);
	struct page *pages[6];
	for (int i = 0; i < 5; i++) {
		pages[i] = kmm_alloc_pages_node(m, i & 1, GFP_KERNEL, 0);
		assert_non_null(pages[i]);
		memset(kmm_page_address(m, pages[i]), 'a' + i, PG);
	}
	pages[5] = pages[0]; /* the same page twice: two views of it */
	unsigned char *v = kmm_vmap(m, pages, 6, VM_MAP);
	assert_non_null(v);
	assert_true(kmm_is_vmalloc_addr(m, v));
	for (int i = 0; i < 6; i++) {
		assert_int_equal(v[i * PG], 'a' + (i % 5));
		assert_int_equal(v[i * PG + PG - 1], 'a' + (i % 5));
		assert_ptr_equal(kmm_vmalloc_to_page(m, v + i * PG + 5), pages[i]);
	}
	v[5 * PG + 1] = 'Z'; /* through the second view of page 0 */
	assert_int_equal(v[1], 'Z');
	assert_int_equal(((unsigned char *)kmm_page_address(m, pages[0]))[1], 'Z');
	/* vmap does not allocate: VmallocUsed unchanged; vmallocinfo says vmap */
	assert_int_equal(info(m).nr_pages, 0);
	uint64_t kaddr = kmm_vmalloc_kernel_addr(m, v);
	assert_int_equal(pte_pfn(kernel_pte(m, kaddr + PG)), kmm_page_to_pfn(m, pages[1]));
	char *line = vmallocinfo_line(m, kaddr);
	assert_non_null(line);
	char expect[160];
	snprintf(expect, sizeof(expect), "0x%016llx-0x%016llx   28672 test_vmap_given_pages vmap",
		 (unsigned long long)kaddr, (unsigned long long)kaddr + 7 * PG);
	assert_string_equal(line, expect);
	free(line);

	logcap_clear(&cap);
	kmm_vunmap(m, v + PG);
	assert_true(logcap_has(&cap, "BUG: Trying to vunmap() nonexistent vm area"));
	kmm_vunmap(m, v);
	assert_null(vmallocinfo_line(m, kaddr));
	/* the pages are still the caller's, with their contents */
	for (int i = 0; i < 5; i++) {
		assert_int_equal(page_ref_count(pages[i]), 1);
		assert_int_equal(((unsigned char *)kmm_page_address(m, pages[i]))[PG - 1], 'a' + i);
	}
	/* vfree of a vmap area unmaps it too, and frees nothing (Linux) */
	v = kmm_vmap(m, pages, 2, 0);
	assert_non_null(v);
	kmm_vfree(m, v);
	assert_int_equal(page_ref_count(pages[1]), 1);

	/* bad arguments */
	struct page *bad[2] = { pages[0], (struct page *)&free0 };
	logcap_clear(&cap);
	assert_null(kmm_vmap(m, bad, 2, VM_MAP));
	assert_true(logcap_has(&cap, "vmap: pages[1]"));
	assert_null(kmm_vmap(m, pages, 0, VM_MAP));
	assert_null(kmm_vmap(m, pages, 2, VM_ALLOC));
	for (int i = 0; i < 5; i++)
		__kmm_free_pages(m, pages[i], 0);
	assert_int_equal(free_and_tables(m), free0);
	assert_int_equal(atomic_load(&m->nr_bad_pages), 0);
	shutdown(m);
}

/* ---- kvmalloc -------------------------------------------------------------------------------- */

static struct page *frag[65536];

static void test_kvmalloc_picks_and_kvfree_dispatches(void **state)
{
	(void)state;
	struct kmm_machine *m = boot("quiet mem=32M");
	long free0 = free_and_tables(m);

	/* small: kmalloc */
	char *s = kmm_kvmalloc(m, 100, GFP_KERNEL);
	assert_non_null(s);
	assert_false(kmm_is_vmalloc_addr(m, s));
	assert_int_equal(kmm_kvsize(m, s), 128);
	/* a few pages on a fresh machine: kmalloc (a compound page) */
	char *b = kmm_kvmalloc(m, 5 * PG, GFP_KERNEL);
	assert_non_null(b);
	assert_false(kmm_is_vmalloc_addr(m, b));
	assert_int_equal(kmm_kvsize(m, b), 8 * PG);
	/* beyond the largest page block: vmalloc */
	char *l = kmm_kvzalloc(m, (8 << 20) + 5, GFP_KERNEL);
	assert_non_null(l);
	assert_true(kmm_is_vmalloc_addr(m, l));
	assert_int_equal(kmm_kvsize(m, l), (8 << 20) + PG);
	assert_int_equal(l[(8 << 20) + 4], 0);
	/* 2049 pages and their 16392-byte page array, vmalloc'ed itself */
	assert_int_equal(info(m).nr_pages, (8 << 20) / PG + 1 + 5);
	/* vmalloc may sleep: no fallback for atomic callers */
	assert_null(kmm_kvmalloc(m, 8 << 20, GFP_ATOMIC | __GFP_NOWARN));
	kmm_kvfree(m, s);
	kmm_kvfree(m, b);
	kmm_kvfree(m, l);
	kmm_kvfree(m, NULL);
	assert_int_equal(info(m).nr_pages, 0);
	assert_int_equal(free_and_tables(m), free0);

	/* fragment memory: every free page's buddy is allocated */
	int n = 0;
	struct page *pg;
	while (n < (int)KMM_ARRAY_SIZE(frag) &&
	       (pg = kmm_alloc_pages(m, GFP_KERNEL | __GFP_MEMALLOC | __GFP_NOWARN | __GFP_NORETRY,
				     0)))
		frag[n++] = pg;
	assert_true(n > 4000);
	/* and whatever larger blocks the reserves kept */
	struct page *held[64];
	unsigned held_order[64];
	int nh = 0;
	for (int order = MAX_PAGE_ORDER; order > 0; order--)
		while (nh < 64 &&
		       (pg = kmm_alloc_pages(m, GFP_ATOMIC | __GFP_MEMALLOC | __GFP_NOWARN,
					     (unsigned)order))) {
			held[nh] = pg;
			held_order[nh++] = (unsigned)order;
		}
	assert_true(nh < 64);
	for (int i = 0; i < n; i++) {
		if (frag[i] && (kmm_page_to_pfn(m, frag[i]) & 1)) {
			__kmm_free_pages(m, frag[i], 0);
			frag[i] = NULL;
		}
	}
	kmm_drain_all_pages(m);
	assert_null(kmm_alloc_pages(m, GFP_KERNEL | __GFP_NOWARN | __GFP_NORETRY, 1));
	/* kvmalloc(64K) cannot get an order-4 block: vmalloc, silently */
	logcap_clear(&cap);
	unsigned char *f = kmm_kvmalloc(m, 64 << 10, GFP_KERNEL);
	assert_non_null(f);
	assert_true(kmm_is_vmalloc_addr(m, f));
	assert_false(logcap_has(&cap, "page allocation failure"));
	memset(f, 0x5a, 64 << 10);
	assert_int_equal(kmm_kvsize(m, f), 64 << 10);
	kmm_kvfree(m, f);
	/* vmalloc of a megabyte works where no order-8 block exists */
	void *v = kmm_vmalloc(m, 1 << 20);
	assert_non_null(v);
	kmm_vfree(m, v);
	for (int i = 0; i < n; i++)
		if (frag[i])
			__kmm_free_pages(m, frag[i], 0);
	for (int i = 0; i < nh; i++)
		__kmm_free_pages(m, held[i], held_order[i]);
	assert_int_equal(info(m).nr_pages, 0);
	assert_int_equal(free_and_tables(m), free0);
	assert_int_equal(atomic_load(&m->nr_slab_reports), 0);
	assert_int_equal(atomic_load(&m->nr_bad_pages), 0);
	shutdown(m);
}

/* ---- /proc/vmallocinfo and /proc/meminfo ------------------------------------------------------- */

static void *(*vmalloc_fn)(struct kmm_machine *, size_t) = (kmm_vmalloc);

static void test_vmallocinfo_and_meminfo(void **state)
{
	(void)state;
	struct kmm_machine *m = boot("quiet mem=256M");
	assert_int_equal(kmm_proc_stat(m, "/proc/vmallocinfo"), 0);
	unsigned long used0 = meminfo_kb(m, "VmallocUsed:");
	assert_int_equal(meminfo_kb(m, "VmallocTotal:"), 34359738367UL);
	unsigned long chunk0 = meminfo_kb(m, "VmallocChunk:");
	assert_true(chunk0 > 0 && chunk0 <= (1UL << 20));

	void *a = kmm_vmalloc(m, 4 * PG);
	void *b = kmm_vmalloc_node(m, 3 * PG + 1, 1);
	void *c = vmalloc_fn(m, PG);	     /* no name: the return address */
	void *d = kmm_vmalloc(m, 1000 * PG); /* an 8000-byte page array: vmalloc'ed */
	assert_true(a && b && c && d);
	char expect[200], *line;

	uint64_t ka = kmm_vmalloc_kernel_addr(m, a);
	line = vmallocinfo_line(m, ka);
	assert_non_null(line);
	snprintf(expect, sizeof(expect),
		 "0x%016llx-0x%016llx   20480 test_vmallocinfo_and_meminfo pages=4 vmalloc N0=4",
		 (unsigned long long)ka, (unsigned long long)ka + 5 * PG);
	assert_string_equal(line, expect);
	free(line);

	uint64_t kb = kmm_vmalloc_kernel_addr(m, b);
	assert_int_equal(kb, ka + 5 * PG); /* lowest fit, right after a's guard page */
	line = vmallocinfo_line(m, kb);
	snprintf(expect, sizeof(expect),
		 "0x%016llx-0x%016llx   20480 test_vmallocinfo_and_meminfo pages=4 vmalloc N1=4",
		 (unsigned long long)kb, (unsigned long long)kb + 5 * PG);
	assert_string_equal(line, expect);
	free(line);

	line = vmallocinfo_line(m, kmm_vmalloc_kernel_addr(m, c));
	assert_non_null(line);
	unsigned long long lo, hi, size, ip;
	unsigned pages;
	char tail[64];
	assert_int_equal(sscanf(line, "0x%llx-0x%llx %llu 0x%llx pages=%u %63[^\n]", &lo, &hi,
				&size, &ip, &pages, tail),
			 6);
	assert_int_equal(size, 2 * PG);
	assert_int_equal(hi - lo, size);
	assert_int_equal(pages, 1);
	assert_true(ip != 0);
	assert_string_equal(tail, "vmalloc N0=1");
	free(line);

	line = vmallocinfo_line(m, kmm_vmalloc_kernel_addr(m, d));
	if (!strstr(line,
		    " 4100096 test_vmallocinfo_and_meminfo pages=1000 vmalloc vpages N0=1000"))
		fail_msg("%s", line);
	free(line);

	/* sorted by address, every line well-formed */
	char *all = read_all(m, "/proc/vmallocinfo");
	unsigned long long prev = 0;
	int lines = 0;
	for (char *p = all; *p; p = strchr(p, '\n') + 1) {
		assert_int_equal(sscanf(p, "0x%llx-0x%llx %llu", &lo, &hi, &size), 3);
		assert_true(lo >= KMM_VMALLOC_START && hi > lo && hi - lo == size);
		assert_true(lo >= prev);
		prev = hi;
		lines++;
	}
	assert_int_equal((unsigned long)lines, info(m).nr_areas);
	free(all);

	/* VmallocUsed counts pages, the vmalloc'ed page array (2 pages) too */
	assert_int_equal(meminfo_kb(m, "VmallocUsed:"), used0 + (4 + 4 + 1 + 1000 + 2) * 4);
	assert_true(meminfo_kb(m, "VmallocChunk:") < chunk0);
	kmm_vfree(m, a);
	kmm_vfree(m, b);
	kmm_vfree(m, c);
	kmm_vfree(m, d);
	assert_int_equal(meminfo_kb(m, "VmallocUsed:"), used0);
	assert_int_equal(meminfo_kb(m, "VmallocChunk:"), chunk0);
	shutdown(m);
}

/* ---- the host side: memfd RAM, guard pages --------------------------------------------------- */

static void test_guard_page_is_prot_none(void **state)
{
	(void)state;
	struct kmm_machine *m = boot("quiet mem=128M");
	char perms[8], path[512];
	/* RAM is a memfd, shared, so it can be aliased */
	assert_true(host_mapping(m->ram + (64 << 20), perms, path, sizeof(path)));
	assert_string_equal(perms, "rw-s");
	assert_non_null(strstr(path, "memfd:kmm-ram"));

	unsigned char *p = kmm_vmalloc(m, 3 * PG);
	assert_non_null(p);
	p[0] = 1;
	for (int i = 0; i < 3; i++) {
		assert_true(host_mapping(p + i * PG, perms, path, sizeof(path)));
		assert_string_equal(perms, "rw-s");
		assert_non_null(strstr(path, "memfd:kmm-ram"));
	}
	/* the guard page: reserved, inaccessible */
	assert_true(host_mapping(p + 3 * PG, perms, path, sizeof(path)));
	assert_string_equal(perms, "---p");
	/* the next area starts after the guard */
	unsigned char *q = kmm_vmalloc(m, PG);
	assert_ptr_equal(q, p + 4 * PG);
	assert_true(host_mapping(q + PG, perms, path, sizeof(path)));
	assert_string_equal(perms, "---p");
	kmm_vfree(m, p);
	/* freed: inaccessible again, a stale pointer faults on the host */
	assert_true(host_mapping(p, perms, path, sizeof(path)));
	assert_string_equal(perms, "---p");
	kmm_vfree(m, q);
	shutdown(m);
}

static void test_port_alias_and_discard(void **state)
{
	(void)state;
	unsigned char *ram, *win;
	assert_int_equal(kmm_port_mem_reserve(16 * PG, (void **)&ram), 0);
	assert_int_equal(kmm_port_vm_reserve(8 * PG, (void **)&win), 0);
	memset(ram, 0x11, 16 * PG);
	/* window pages 0..1 <- RAM pages 5..6, window page 2 <- RAM page 1 */
	assert_int_equal(kmm_port_vm_map(win, ram, 5 * PG, 2 * PG), 0);
	assert_int_equal(kmm_port_vm_map(win + 2 * PG, ram, PG, PG), 0);
	ram[5 * PG + 3] = 0xaa;
	assert_int_equal(win[3], 0xaa);
	win[2 * PG + 7] = 0xbb;
	assert_int_equal(ram[PG + 7], 0xbb);
	/* a discard reads as zero through the alias too */
	kmm_port_mem_discard(ram + 5 * PG, PG);
	assert_int_equal(win[3], 0);
	assert_int_equal(win[PG], 0x11);
	assert_int_equal(ram[4 * PG], 0x11);
	/* errors */
	assert_int_equal(kmm_port_vm_map(win + 1, ram, 0, PG), -KMM_EINVAL);
	assert_int_equal(kmm_port_vm_map(win, ram, 100, PG), -KMM_EINVAL);
	assert_int_equal(kmm_port_vm_map(win, ram, 15 * PG, 2 * PG), -KMM_EINVAL);
	static unsigned char not_ram[3 * 4096] __attribute__((aligned(4096)));
	assert_int_equal(kmm_port_vm_map(win, not_ram, 0, PG), -KMM_EINVAL);
	assert_int_equal(win[3], 0); /* a refused map leaves the window alone */
	kmm_port_vm_unmap(win, 3 * PG);
	char perms[8], path[256];
	assert_true(host_mapping(win + PG, perms, path, sizeof(path)));
	assert_string_equal(perms, "---p");
	kmm_port_vm_release(win, 8 * PG);
	kmm_port_mem_release(ram, 16 * PG);
}

/* ---- vmalloc=contig and vmalloc=SIZE ------------------------------------------------------------ */

static void test_contig_fallback(void **state)
{
	(void)state;
	struct kmm_machine *m = boot("quiet mem=128M vmalloc=contig");
	assert_true(logcap_has(&cap, "physically contiguous pages (vmalloc=contig)"));
	struct kmm_vmalloc_info vi = info(m);
	assert_false(vi.aliased);
	assert_null(vi.window);
	long free0 = free_and_tables(m);

	unsigned char *p = kmm_vmalloc(m, 10 * PG + 1);
	assert_non_null(p);
	struct page *first = kmm_vmalloc_to_page(m, p);
	assert_ptr_equal(p, kmm_page_address(m, first)); /* the direct map */
	for (int i = 0; i < 11; i++) {
		assert_ptr_equal(kmm_vmalloc_to_page(m, p + i * PG + 9), first + i);
		assert_int_equal(page_ref_count(first + i), 1);
	}
	assert_null(kmm_vmalloc_to_page(m, p + 11 * PG)); /* past the end: not ours */
	assert_true(kmm_is_vmalloc_addr(m, p + 11 * PG - 1));
	assert_false(kmm_is_vmalloc_addr(m, p + 11 * PG));
	memset(p, 0x42, 10 * PG + 1);
	uint64_t kaddr = kmm_vmalloc_kernel_addr(m, p);
	assert_true(kaddr >= KMM_VMALLOC_START);
	assert_int_equal(pte_pfn(kernel_pte(m, kaddr + 3 * PG)), kmm_page_to_pfn(m, first + 3));
	char *line = vmallocinfo_line(m, kaddr);
	assert_non_null(line);
	assert_non_null(strstr(line, "   49152 test_contig_fallback pages=11 vmalloc N0=11"));
	free(line);
	assert_int_equal(info(m).nr_pages, 11);
	/* the tail of the order-4 block went back */
	kmm_vfree(m, p);
	assert_int_equal(free_and_tables(m), free0);

	/* limits: one MAX_PAGE_ORDER block, no vmap */
	void *big = kmm_vmalloc(m, 4 << 20);
	assert_non_null(big);
	kmm_vfree(m, big);
	logcap_clear(&cap);
	assert_null(kmm_vmalloc(m, (4 << 20) + 1));
	assert_true(logcap_has(&cap, "larger than a MAX_PAGE_ORDER block (vmalloc=contig)"));
	struct page *pg = kmm_alloc_pages(m, GFP_KERNEL, 0);
	assert_null(kmm_vmap(m, &pg, 1, VM_MAP));
	__kmm_free_pages(m, pg, 0);

	/* kvfree dispatch and bad frees work the same */
	unsigned char *v = kmm_vzalloc(m, 3 * PG);
	char *k = kmm_kvmalloc(m, 3 * PG, GFP_KERNEL);
	assert_true(kmm_is_vmalloc_addr(m, v));
	assert_false(kmm_is_vmalloc_addr(m, k));
	assert_int_equal(v[3 * PG - 1], 0);
	logcap_clear(&cap);
	kmm_vfree(m, v + PG);
	assert_true(logcap_has(&cap, "4096 bytes into the area"));
	kmm_vfree(m, k);
	assert_true(logcap_has(&cap, "not a vmalloc address"));
	kmm_kvfree(m, v);
	kmm_kvfree(m, k);
	assert_int_equal(info(m).nr_pages, 0);
	assert_int_equal(info(m).nr_reports, 2);

	/* cycles */
	void *live[16] = { 0 };
	for (int r = 0; r < 500; r++) {
		int s = (r * 7) % 16;
		if (live[s]) {
			kmm_vfree(m, live[s]);
			live[s] = NULL;
		} else {
			live[s] = kmm_vmalloc(m, (size_t)(1 + (r * 7919) % (40 * PG)));
			assert_non_null(live[s]);
		}
	}
	for (int s = 0; s < 16; s++)
		kmm_vfree(m, live[s]);
	assert_int_equal(info(m).nr_pages, 0);
	assert_int_equal(free_and_tables(m), free0);
	assert_int_equal(atomic_load(&m->nr_bad_pages), 0);
	assert_int_equal(atomic_load(&m->nr_slab_reports), 0);
	shutdown(m);
}

static void test_window_size_parameter(void **state)
{
	(void)state;
	struct kmm_machine *m = boot("quiet mem=128M vmalloc=16M");
	struct kmm_vmalloc_info vi = info(m);
	assert_true(vi.aliased);
	assert_int_equal(vi.window_bytes, 16 << 20);
	assert_int_equal(meminfo_kb(m, "VmallocChunk:"), 16 << 10);
	logcap_clear(&cap);
	assert_null(kmm_vmalloc(m, 16 << 20));
	assert_true(logcap_has(&cap, "exceeds total pages"));
	void *a = kmm_vmalloc(m, 10 << 20);
	assert_non_null(a);
	logcap_clear(&cap);
	assert_null(kmm_vmalloc(m, 8 << 20)); /* no room left in the window */
	assert_true(logcap_has(&cap, "vmap allocation for size 8392704 failed: use "
				     "vmalloc=<size> to increase size"));
	void *b = kmm_vmalloc(m, 5 << 20);
	assert_non_null(b);
	kmm_vfree(m, a);
	kmm_vfree(m, b);
	assert_int_equal(info(m).largest_free, 16 << 20);
	shutdown(m);

	/* malformed */
	static const char *const bad[] = { "vmalloc=1M", "vmalloc=64T", "vmalloc=fast",
					   "vmalloc=", "vmalloc=12Q" };
	for (size_t i = 0; i < KMM_ARRAY_SIZE(bad); i++) {
		char err[512] = "";
		struct kmm_machine *x = NULL;
		assert_int_equal(kmm_machine_boot(bad[i], NULL, &x, err, sizeof(err)), -KMM_EINVAL);
		assert_null(x);
		if (!strstr(err, "vmalloc=nn[KMG] (2M..32T), vmalloc=contig or vmalloc=alias"))
			fail_msg("%s: %s", bad[i], err);
	}
	/* the last one wins */
	m = boot("quiet mem=64M vmalloc=contig vmalloc=alias vmalloc=3000K");
	vi = info(m);
	assert_true(vi.aliased);
	assert_int_equal(vi.window_bytes, 3000 << 10);
	shutdown(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_data_in_simulated_pages),
		cmocka_unit_test(test_odd_and_large_sizes),
		cmocka_unit_test(test_exhaustion_unwinds),
		cmocka_unit_test(test_cycles_return_every_page),
		cmocka_unit_test(test_bad_vfree_reported),
		cmocka_unit_test(test_vmap_given_pages),
		cmocka_unit_test(test_kvmalloc_picks_and_kvfree_dispatches),
		cmocka_unit_test(test_vmallocinfo_and_meminfo),
		cmocka_unit_test(test_guard_page_is_prot_none),
		cmocka_unit_test(test_port_alias_and_discard),
		cmocka_unit_test(test_contig_fallback),
		cmocka_unit_test(test_window_size_parameter),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
