/* SPDX-License-Identifier: MIT */
/*
 * tests/test_swap.c - swap devices, the swap cache and swap-in: the
 * SWAPSPACE2 header mkswap writes, swapon's checks, priorities and
 * round-robin, sequential cluster allocation, swap_map counts, the swap
 * cache with shadows, page data through a host file and back, injected
 * I/O errors (data kept), /proc/swaps and meminfo, and end to end: a
 * task's pages evicted the way reclaim does it (add_to_swap, try_to_unmap,
 * swap_writepage, delete_from_swap_cache) and faulted back by
 * do_swap_page, also shared after fork, and swapoff bringing everything
 * back.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kmm_test.h"
#include "kmm/mm.h"
#include "mm/swapfile.h"

#define PG 4096ULL

static char tmpdir[64];
static int file_seq;
/* the log of the running test, if it captures one: shown when an access fails */
static struct logcap *cur_cap;

static void swap_path(char *buf, size_t size)
{
	snprintf(buf, size, "%s/swap%d", tmpdir, file_seq++);
}

static struct kmm_machine *boot_swap(const char *extra, struct logcap *cap)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "mem=256M nr_cpus=2 %s", extra ? extra : "");
	*kmm_port_tls_slot() = NULL; /* a failed test may have left its binding */
	cur_cap = cap;
	struct kmm_machine *m = test_boot(cmd, cap);
	assert_int_equal(kmm_cpu_enter(m, 0), 0);
	return m;
}

static void shutdown_swap(struct kmm_machine *m)
{
	if (cur_cap && getenv("KMM_TEST_LOG"))
		fprintf(stderr, "%s", cur_cap->buf);
	kmm_cpu_leave(m);
	kmm_machine_shutdown(m);
}

/* A fresh swap file of @pages pages, swapped on with @prio. */
static void make_swap(struct kmm_machine *m, char *path, size_t size, unsigned long pages, int prio)
{
	swap_path(path, size);
	assert_int_equal(kmm_mkswap(path, pages * PG), 0);
	assert_int_equal(kmm_swapon(m, path, prio), 0);
}

static long node_stat(struct kmm_machine *m, enum node_stat_item item)
{
	long v = 0;
	int nid;

	kmm_drain_all_pages(m);
	for_each_online_node(m, nid) v += node_page_state_snapshot(m, NODE_DATA(m, nid), item);
	return v;
}

static char *proc_read(struct kmm_machine *m, const char *path)
{
	static char buf[1 << 16];
	long n = kmm_proc_read(m, path, buf, sizeof(buf));

	assert_true(n >= 0 && n < (long)sizeof(buf));
	return buf;
}

static int proc_write(struct kmm_machine *m, const char *path, const char *text)
{
	return kmm_proc_write(m, path, text, strlen(text));
}

/* meminfo field @name in kB */
static unsigned long meminfo_kb(struct kmm_machine *m, const char *name)
{
	const char *s = strstr(proc_read(m, "/proc/meminfo"), name);

	assert_non_null(s);
	return strtoul(s + strlen(name) + 1, NULL, 10);
}

/* Deterministic pattern: byte of address @a under seed @s. */
static unsigned char pat(uint64_t s, uint64_t a)
{
	uint64_t x = s * 0x9E3779B97F4A7C15ULL ^ a * 0xBF58476D1CE4E5B9ULL;

	x ^= x >> 31;
	return (unsigned char)(x * 0x94D049BB133111EBULL >> 56);
}

static void access_ok(struct kmm_task *t, uint64_t addr, void *b, size_t len, int how)
{
	int ret = kmm_access(t, addr, b, len, how);

	if (ret && cur_cap)
		fprintf(stderr, "%s", cur_cap->buf);
	assert_int_equal(ret, 0);
}

static void fill(struct kmm_task *t, uint64_t addr, size_t len, uint64_t seed)
{
	unsigned char *b = malloc(len);

	for (size_t i = 0; i < len; i++)
		b[i] = pat(seed, addr + i);
	access_ok(t, addr, b, len, KMM_ACCESS_WRITE);
	free(b);
}

static void check(struct kmm_task *t, uint64_t addr, size_t len, uint64_t seed)
{
	unsigned char *b = malloc(len);

	access_ok(t, addr, b, len, KMM_ACCESS_READ);
	for (size_t i = 0; i < len; i++)
		if (b[i] != pat(seed, addr + i))
			fail_msg("mismatch at %#llx", (unsigned long long)(addr + i));
	free(b);
}

static pteval_t pte_of(struct kmm_task *t, uint64_t addr)
{
	kmm_spinlock_t *ptl;
	pteval_t *pte = pte_offset_map(t->mm, addr, &ptl);

	return pte ? pte_read(pte) : 0;
}

/*
 * Evict the page mapped at @addr the way reclaim does: add_to_swap,
 * try_to_unmap (every PTE gets the entry), swap_writepage, then out of the
 * cache and freed.  Returns the entry; with @fail_write the write is
 * expected to fail and the page stays in the cache.
 */
static swp_entry_t evict(struct kmm_machine *m, struct kmm_task *t, uint64_t addr, bool fail_write)
{
	pteval_t v = pte_of(t, addr);

	assert_true(pte_present(v));
	struct page *page = kmm_pfn_to_page(m, pte_pfn(v));

	get_page(page); /* reclaim's isolation reference */
	lock_page(page);
	if (!PageSwapCache(page)) {
		assert_int_equal(add_to_swap(m, page), 0);
		assert_true(PageDirty(page));
	}
	assert_true(PageSwapCache(page));
	swp_entry_t e = { page->private };
	assert_true(try_to_unmap(m, page));
	assert_int_equal(page_mapcount(page), 0);
	if (fail_write) {
		assert_int_equal(swap_writepage(m, page), -KMM_EIO);
		assert_true(PageDirty(page));
		assert_true(PageSwapCache(page));
	} else {
		/* a clean page read from swap needs no write */
		if (PageDirty(page))
			assert_int_equal(swap_writepage(m, page), 0);
		assert_false(PageDirty(page));
		delete_from_swap_cache(m, page);
		assert_false(PageSwapCache(page));
	}
	unlock_page(page);
	put_user_page(m, page);
	return e;
}

static long anon_task(struct kmm_task *t, size_t pages)
{
	long a = kmm_mmap(t, 0, pages * PG, KMM_PROT_READ | KMM_PROT_WRITE,
			  KMM_MAP_PRIVATE | KMM_MAP_ANONYMOUS, -1, 0);

	assert_true(a > 0);
	return a;
}

/* ---- the header ------------------------------------------------------------------ */

static void test_mkswap_header(void **state)
{
	(void)state;
	char path[128];
	unsigned char page[4096];
	uint32_t v;
	struct stat st;

	swap_path(path, sizeof(path));
	assert_int_equal(kmm_mkswap(path, 256 * PG + 123), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 256 * PG); /* rounded down to pages */
	int fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, page, sizeof(page), 0), sizeof(page));
	close(fd);
	assert_memory_equal(page + 4086, "SWAPSPACE2", 10);
	memcpy(&v, page + 1024, 4);
	assert_int_equal(v, 1); /* version */
	memcpy(&v, page + 1028, 4);
	assert_int_equal(v, 255); /* last_page */
	memcpy(&v, page + 1032, 4);
	assert_int_equal(v, 0);			  /* nr_badpages */
	assert_int_equal(page[1036 + 6] >> 4, 4); /* a version-4 UUID */
	assert_int_equal(page[1036 + 8] & 0xc0, 0x80);
	for (int i = 0; i < 1024; i++)
		assert_int_equal(page[i], 0); /* bootbits */
	for (int i = 1052; i < 4086; i++)
		assert_int_equal(page[i], 0); /* volume name, padding, no bad pages */

	assert_int_equal(kmm_mkswap(path, 9 * PG), -KMM_EINVAL);
	assert_int_equal(kmm_mkswap("", 100 * PG), -KMM_EINVAL);
	unlink(path);
}

/* Write 32-bit @v at byte @off of the header of @path. */
static void poke32(const char *path, off_t off, uint32_t v)
{
	int fd = open(path, O_RDWR);

	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, &v, 4, off), 4);
	close(fd);
}

static void test_swapon_errors(void **state)
{
	(void)state;
	struct logcap *cap = malloc(sizeof(*cap));
	struct kmm_machine *m = boot_swap(NULL, cap);
	char path[128], p2[128];

	/* no such file */
	snprintf(path, sizeof(path), "%s/missing", tmpdir);
	assert_int_equal(kmm_swapon(m, path, -1), -KMM_ENOENT);
	assert_true(logcap_has(cap, "cannot open"));

	/* bad magic */
	swap_path(path, sizeof(path));
	assert_int_equal(kmm_mkswap(path, 64 * PG), 0);
	int fd = open(path, O_RDWR);
	assert_int_equal(pwrite(fd, "NOTASWAP!!", 10, 4086), 10);
	close(fd);
	logcap_clear(cap);
	assert_int_equal(kmm_swapon(m, path, -1), -KMM_EINVAL);
	assert_true(logcap_has(cap, "Unable to find swap-space signature"));
	assert_true(logcap_has(cap, path));
	fd = open(path, O_RDWR);
	assert_int_equal(pwrite(fd, "SWAP-SPACE", 10, 4086), 10);
	close(fd);
	logcap_clear(cap);
	assert_int_equal(kmm_swapon(m, path, -1), -KMM_EINVAL);
	assert_true(logcap_has(cap, "SWAP-SPACE"));

	/* version */
	assert_int_equal(kmm_mkswap(path, 64 * PG), 0);
	poke32(path, 1024, 2);
	logcap_clear(cap);
	assert_int_equal(kmm_swapon(m, path, -1), -KMM_EINVAL);
	assert_true(logcap_has(cap, "Unable to handle swap header version 2"));

	/* the file is shorter than last_page says */
	assert_int_equal(kmm_mkswap(path, 64 * PG), 0);
	assert_int_equal(truncate(path, 32 * PG), 0);
	logcap_clear(cap);
	assert_int_equal(kmm_swapon(m, path, -1), -KMM_EINVAL);
	assert_true(logcap_has(cap, "shorter than signature"));
	/* too small for anything */
	assert_int_equal(truncate(path, 100), 0);
	logcap_clear(cap);
	assert_int_equal(kmm_swapon(m, path, -1), -KMM_EINVAL);
	assert_true(logcap_has(cap, "too small"));

	/* bad pages: out of range, too many, and a good list */
	assert_int_equal(kmm_mkswap(path, 64 * PG), 0);
	poke32(path, 1032, 1);
	poke32(path, 1536, 64);
	logcap_clear(cap);
	assert_int_equal(kmm_swapon(m, path, -1), -KMM_EINVAL);
	assert_true(logcap_has(cap, "bad page 64 out of range"));
	poke32(path, 1032, 1000);
	logcap_clear(cap);
	assert_int_equal(kmm_swapon(m, path, -1), -KMM_EINVAL);
	assert_true(logcap_has(cap, "bad pages listed"));
	poke32(path, 1032, 2);
	poke32(path, 1536, 5);
	poke32(path, 1540, 63);
	assert_int_equal(kmm_swapon(m, path, -1), 0);
	struct swap_info_struct *si = swap_state(m)->swap_info[0];
	assert_int_equal(si->pages, 64 - 1 - 2);
	assert_int_equal(si->swap_map[5], SWAP_MAP_BAD);
	assert_int_equal(si->swap_map[63], SWAP_MAP_BAD);
	for (int i = 0; i < 61; i++) {
		swp_entry_t e = get_swap_page(m);
		assert_true(e.val && swp_offset(e) != 5 && swp_offset(e) != 63);
	}
	assert_int_equal(get_swap_page(m).val, 0); /* full */

	/* busy: the same file again, by name and through another path */
	logcap_clear(cap);
	assert_int_equal(kmm_swapon(m, path, -1), -KMM_EBUSY);
	assert_true(logcap_has(cap, "busy"));
	snprintf(p2, sizeof(p2), "%s/link", tmpdir);
	assert_int_equal(symlink(path, p2), 0);
	assert_int_equal(kmm_swapon(m, p2, -1), -KMM_EBUSY);

	/* priorities out of range; swapoff of something else */
	swap_path(path, sizeof(path));
	assert_int_equal(kmm_mkswap(path, 64 * PG), 0);
	assert_int_equal(kmm_swapon(m, path, -2), -KMM_EINVAL);
	assert_int_equal(kmm_swapon(m, path, 40000), -KMM_EINVAL);
	logcap_clear(cap);
	assert_int_equal(kmm_swapoff(m, path), -KMM_EINVAL);
	assert_true(logcap_has(cap, "not a swap device"));
	/* swapoff through the symlink finds the device by identity: its slots
	 * are only the cache's (get_swap_page without pages), which swapoff
	 * cannot drop, so it gives up and keeps the device */
	assert_int_equal(kmm_swapoff(m, p2), -KMM_EBUSY);
	for (unsigned long o = 1; o < 64; o++)
		if (si->swap_map[o] == SWAP_HAS_CACHE)
			put_swap_page(m, swp_entry(0, o));
	assert_int_equal(kmm_swapoff(m, p2), 0);
	unlink(p2);
	shutdown_swap(m);
	free(cap);
}

/* ---- allocation --------------------------------------------------------------------- */

static int prio_of(struct kmm_machine *m, int type)
{
	return swap_state(m)->swap_info[type]->prio;
}

static void test_priorities(void **state)
{
	(void)state;
	struct kmm_machine *m = boot_swap(NULL, NULL);
	char a[128], b[128], c[128], d[128], e[128];

	make_swap(m, a, sizeof(a), 64, -1);
	make_swap(m, b, sizeof(b), 64, -1);
	make_swap(m, c, sizeof(c), 64, 5);
	assert_int_equal(prio_of(m, 0), -2);
	assert_int_equal(prio_of(m, 1), -3);
	assert_int_equal(prio_of(m, 2), 5);
	/* the highest priority first, until it is full */
	for (int i = 0; i < 63; i++)
		assert_int_equal(swp_type(get_swap_page(m)), 2);
	assert_int_equal(swp_type(get_swap_page(m)), 0);
	assert_int_equal(swp_type(get_swap_page(m)), 0);

	/* equal priorities take turns */
	make_swap(m, d, sizeof(d), 64, 7);
	make_swap(m, e, sizeof(e), 64, 7);
	int t0 = swp_type(get_swap_page(m));
	assert_true(t0 == 3 || t0 == 4);
	for (int i = 0; i < 10; i++) {
		int t = swp_type(get_swap_page(m));
		assert_int_equal(t, (i % 2) ? t0 : 7 - t0);
	}
	/* swapoff of the -2 device moves -3 up (slots without pages first) */
	for (unsigned long o = 1; o < 64; o++)
		if (swap_state(m)->swap_info[0]->swap_map[o] == SWAP_HAS_CACHE)
			put_swap_page(m, swp_entry(0, o));
	assert_int_equal(kmm_swapoff(m, a), 0);
	assert_int_equal(prio_of(m, 1), -2);
	/* the free type is reused, and the next default is -3 again */
	char f[128];
	make_swap(m, f, sizeof(f), 64, -1);
	assert_int_equal(prio_of(m, 0), -3);
	shutdown_swap(m);
}

static void test_cluster_alloc(void **state)
{
	(void)state;
	struct kmm_machine *m = boot_swap(NULL, NULL);
	char path[128];
	unsigned long total, nfree;

	make_swap(m, path, sizeof(path), 1024, -1);
	si_swapinfo(m, &total, &nfree);
	assert_int_equal(total, 1023);
	assert_int_equal(nfree, 1023);
	/* one CPU: offsets follow each other on disk, across clusters */
	for (unsigned long i = 1; i <= 300; i++) {
		swp_entry_t e = get_swap_page(m);
		assert_int_equal(swp_type(e), 0);
		assert_int_equal(swp_offset(e), i);
		assert_int_equal(swp_swapcount(m, e), 1); /* the cache's */
	}
	si_swapinfo(m, &total, &nfree);
	assert_int_equal(nfree, 1023 - 300);
	/* another CPU gets a cluster of its own */
	kmm_cpu_leave(m);
	assert_int_equal(kmm_cpu_enter(m, 1), 1);
	swp_entry_t e1 = get_swap_page(m);
	assert_int_equal(swp_offset(e1), 512);
	assert_int_equal(swp_offset(get_swap_page(m)), 513);
	kmm_cpu_leave(m);
	assert_int_equal(kmm_cpu_enter(m, 0), 0);
	assert_int_equal(swp_offset(get_swap_page(m)), 301);
	/* freed slots come back, whole clusters to the free list */
	for (unsigned long i = 1; i <= 301; i++)
		put_swap_page(m, swp_entry(0, i));
	put_swap_page(m, swp_entry(0, 512));
	put_swap_page(m, swp_entry(0, 513));
	si_swapinfo(m, &total, &nfree);
	assert_int_equal(nfree, 1023);
	assert_int_equal(atomic_load(&swap_state(m)->swap_info[0]->inuse_pages), 0);
	/* everything can be allocated, then nothing */
	for (int i = 0; i < 1023; i++)
		assert_true(get_swap_page(m).val != 0);
	assert_int_equal(get_swap_page(m).val, 0);
	si_swapinfo(m, &total, &nfree);
	assert_int_equal(nfree, 0);
	shutdown_swap(m);
}

static void test_dup_free(void **state)
{
	(void)state;
	struct logcap *cap = malloc(sizeof(*cap));
	struct kmm_machine *m = boot_swap(NULL, cap);
	char path[128];
	unsigned long total, nfree;

	make_swap(m, path, sizeof(path), 64, -1);
	swp_entry_t e = get_swap_page(m);
	assert_int_equal(swp_swapcount(m, e), 1);
	assert_int_equal(swap_duplicate(m, e), 0);
	assert_int_equal(swap_duplicate(m, e), 0);
	assert_int_equal(swp_swapcount(m, e), 3);
	swap_free(m, e);
	assert_int_equal(swp_swapcount(m, e), 2);
	put_swap_page(m, e); /* the cache's goes: a PTE reference is left */
	assert_int_equal(swp_swapcount(m, e), 1);
	si_swapinfo(m, &total, &nfree);
	assert_int_equal(nfree, 62);
	swap_free(m, e);
	assert_int_equal(swp_swapcount(m, e), 0);
	si_swapinfo(m, &total, &nfree);
	assert_int_equal(nfree, 63);
	/* references to a free slot are refused and reported */
	logcap_clear(cap);
	assert_int_equal(swap_duplicate(m, e), -KMM_ENOENT);
	swap_free(m, e);
	assert_true(logcap_has(cap, "swap_free: Unused swap entry"));
	assert_int_equal(swap_duplicate(m, swp_entry(9, 1)), -KMM_EINVAL);
	assert_int_equal(swap_duplicate(m, swp_entry(0, 64)), -KMM_EINVAL);
	assert_int_equal(swp_swapcount(m, swp_entry(0, 0)), 0);
	shutdown_swap(m);
	free(cap);
}

/* ---- the swap cache and I/O ------------------------------------------------------------- */

static struct page *pattern_page(struct kmm_machine *m, uint64_t seed)
{
	struct page *p = kmm_alloc_pages(m, GFP_HIGHUSER_MOVABLE, 0);
	unsigned char *d;

	assert_non_null(p);
	d = kmm_page_address(m, p);
	for (unsigned i = 0; i < PG; i++)
		d[i] = pat(seed, i);
	return p;
}

static void check_page(struct kmm_machine *m, struct page *p, uint64_t seed)
{
	unsigned char *d = kmm_page_address(m, p);

	for (unsigned i = 0; i < PG; i++)
		if (d[i] != pat(seed, i))
			fail_msg("page byte %u differs", i);
}

static void test_swap_cache(void **state)
{
	(void)state;
	struct kmm_machine *m = boot_swap(NULL, NULL);
	char path[128];

	make_swap(m, path, sizeof(path), 64, -1);
	long sc0 = node_stat(m, NR_SWAPCACHE), fp0 = node_stat(m, NR_FILE_PAGES);
	struct page *p = pattern_page(m, 1);

	lock_page(p);
	assert_int_equal(add_to_swap(m, p), 0);
	assert_int_equal(add_to_swap(m, p), -KMM_EEXIST);
	swp_entry_t e = { p->private };
	assert_true(PageSwapCache(p));
	assert_true(PageSwapBacked(p));
	assert_true(PageDirty(p));
	assert_int_equal(page_ref_count(p), 2);
	assert_int_equal(swp_swapcount(m, e), 1);
	assert_int_equal(node_stat(m, NR_SWAPCACHE), sc0 + 1);
	assert_int_equal(node_stat(m, NR_FILE_PAGES), fp0 + 1);
	assert_int_equal(meminfo_kb(m, "SwapCached:"), 4);

	struct page *q = lookup_swap_cache(m, e);
	assert_ptr_equal(q, p);
	assert_int_equal(page_ref_count(p), 3);
	put_user_page(m, q);
	assert_null(lookup_swap_cache(m, swp_entry(0, swp_offset(e) + 1)));

	/* evicted with a shadow: a PTE still holds the slot */
	assert_int_equal(swap_duplicate(m, e), 0);
	void *shadow = xa_mk_value(12345);
	__delete_from_swap_cache(m, p, shadow);
	assert_false(PageSwapCache(p));
	assert_int_equal(page_ref_count(p), 1);
	assert_null(lookup_swap_cache(m, e));
	assert_ptr_equal(swap_cache_get_shadow(m, e), shadow);
	assert_int_equal(swp_swapcount(m, e), 1);
	assert_int_equal(node_stat(m, NR_SWAPCACHE), sc0);
	assert_int_equal(node_stat(m, NR_FILE_PAGES), fp0);
	/* deleting again does nothing */
	delete_from_swap_cache(m, p);
	assert_int_equal(page_ref_count(p), 1);
	/* the slot freed: the shadow goes with it */
	swap_free(m, e);
	assert_null(swap_cache_get_shadow(m, e));
	assert_int_equal(swp_swapcount(m, e), 0);

	/* try_to_free_swap: only when no PTE refers to the slot */
	assert_int_equal(add_to_swap(m, p), 0);
	e = (swp_entry_t){ p->private };
	assert_int_equal(swap_duplicate(m, e), 0);
	assert_false(try_to_free_swap(m, p));
	swap_free(m, e);
	ClearPageDirty(p);
	assert_true(try_to_free_swap(m, p));
	assert_true(PageDirty(p)); /* its only copy is in memory */
	assert_false(PageSwapCache(p));
	assert_int_equal(swp_swapcount(m, e), 0);
	unlock_page(p);
	put_user_page(m, p);
	shutdown_swap(m);
}

static void test_write_read(void **state)
{
	(void)state;
	struct kmm_machine *m = boot_swap(NULL, NULL);
	char path[128];

	make_swap(m, path, sizeof(path), 64, -1);
	unsigned long out0 = sum_vm_event(m, PSWPOUT), in0 = sum_vm_event(m, PSWPIN);
	unsigned long pgout0 = sum_vm_event(m, PGPGOUT), pgin0 = sum_vm_event(m, PGPGIN);
	swp_entry_t es[3];

	for (int i = 0; i < 3; i++) {
		struct page *p = pattern_page(m, 100 + i);

		lock_page(p);
		assert_int_equal(add_to_swap(m, p), 0);
		es[i] = (swp_entry_t){ p->private };
		assert_int_equal(swap_writepage(m, p), 0);
		assert_false(PageDirty(p));
		assert_false(PageWriteback(p));
		assert_int_equal(swap_duplicate(m, es[i]), 0); /* as a PTE would */
		delete_from_swap_cache(m, p);
		unlock_page(p);
		put_user_page(m, p);
	}
	assert_int_equal(sum_vm_event(m, PSWPOUT), out0 + 3);
	assert_int_equal(sum_vm_event(m, PGPGOUT), pgout0 + 3 * 8);
	/* the bytes are in the host file at offset * 4096 */
	unsigned char buf[4096];
	int fd = open(path, O_RDONLY);
	assert_int_equal(pread(fd, buf, PG, (off_t)(swp_offset(es[1]) * PG)), PG);
	close(fd);
	for (unsigned i = 0; i < PG; i++)
		assert_int_equal(buf[i], pat(101, i));

	/* back in: the faulting slot and its neighbours.  A fresh device hands
	 * out slots 1, 2, 3 (slot 0 is the header); two readahead hits since the
	 * last fault make the window 4 slots (hits + 2, rounded up to a power
	 * of two), aligned: slots 0-3 */
	for (int i = 0; i < 3; i++)
		assert_int_equal(swp_offset(es[i]), 1 + i);
	atomic_store(&swap_state(m)->ra_hits, 2);
	bool major;
	int err = 0;
	struct page *p = swapin_readahead(m, es[1], &major, &err);
	assert_non_null(p);
	assert_true(major);
	assert_true(PageUptodate(p));
	assert_true(PageSwapCache(p));
	assert_false(PageDirty(p));
	check_page(m, p, 101);
	assert_int_equal(sum_vm_event(m, PSWPIN), in0 + 3);
	assert_int_equal(sum_vm_event(m, SWAP_RA), 2);
	assert_int_equal(sum_vm_event(m, PGPGIN), pgin0 + 3 * 8);
	put_user_page(m, p);
	/* the neighbours were read ahead: hits, no more I/O */
	for (int i = 0; i < 3; i += 2) {
		p = swapin_readahead(m, es[i], &major, &err);
		assert_non_null(p);
		assert_false(major);
		check_page(m, p, 100 + i);
		put_user_page(m, p);
	}
	assert_int_equal(sum_vm_event(m, SWAP_RA_HIT), 2);
	assert_int_equal(sum_vm_event(m, PSWPIN), in0 + 3);
	/* references gone: the slots and the cached pages with them */
	for (int i = 0; i < 3; i++) {
		p = lookup_swap_cache(m, es[i]);
		assert_non_null(p);
		lock_page(p);
		swap_free(m, es[i]);
		assert_true(try_to_free_swap(m, p));
		unlock_page(p);
		put_user_page(m, p);
		assert_int_equal(swp_swapcount(m, es[i]), 0);
	}
	assert_int_equal(node_stat(m, NR_SWAPCACHE), 0);
	shutdown_swap(m);
}

static void test_io_errors(void **state)
{
	(void)state;
	struct logcap *cap = malloc(sizeof(*cap));
	struct kmm_machine *m = boot_swap(NULL, cap);
	struct swap_state *ss = swap_state(m);
	const char *dir = "/sys/kernel/debug/fail_swap_io/";
	char path[128], knob[128];

	make_swap(m, path, sizeof(path), 64, -1);
	snprintf(knob, sizeof(knob), "%stimes", dir);
	assert_string_equal(proc_read(m, knob), "0\n");
	snprintf(knob, sizeof(knob), "%sprobability", dir);
	assert_string_equal(proc_read(m, knob), "100\n");
	assert_int_equal(proc_write(m, knob, "101"), -KMM_EINVAL);
	assert_int_equal(proc_write(m, knob, ""), -KMM_EINVAL);
	assert_int_equal(proc_write(m, knob, "x"), -KMM_EINVAL);
	snprintf(knob, sizeof(knob), "%sinterval", dir);
	assert_int_equal(proc_write(m, knob, "0"), -KMM_EINVAL);
	assert_string_equal(proc_read(m, knob), "1\n");

	/* a failed write: the page stays dirty in the cache, data intact */
	struct page *p = pattern_page(m, 7);
	lock_page(p);
	assert_int_equal(add_to_swap(m, p), 0);
	swp_entry_t e = { p->private };
	snprintf(knob, sizeof(knob), "%stimes", dir);
	assert_int_equal(proc_write(m, knob, "1\n"), 0);
	logcap_clear(cap);
	assert_int_equal(swap_writepage(m, p), -KMM_EIO);
	assert_true(logcap_has(cap, "FAULT_INJECTION: forcing a failure."));
	assert_true(logcap_has(cap, "Write-error on swap-device"));
	assert_int_equal(atomic_load(&ss->write_errors), 1);
	assert_true(PageDirty(p));
	assert_true(PageSwapCache(p));
	assert_false(PageWriteback(p));
	check_page(m, p, 7);
	assert_string_equal(proc_read(m, knob), "0\n");
	/* the next try works */
	assert_int_equal(swap_writepage(m, p), 0);
	assert_false(PageDirty(p));

	/* a failed read: no page, the slot and its reference stay */
	assert_int_equal(swap_duplicate(m, e), 0);
	delete_from_swap_cache(m, p);
	unlock_page(p);
	put_user_page(m, p);
	assert_int_equal(proc_write(m, knob, "1"), 0);
	bool major;
	int err = 0;
	assert_null(swapin_readahead(m, e, &major, &err));
	assert_int_equal(err, -KMM_EIO);
	assert_true(logcap_has(cap, "Read-error on swap-device"));
	assert_int_equal(atomic_load(&ss->read_errors), 1);
	assert_int_equal(swp_swapcount(m, e), 1);
	assert_null(lookup_swap_cache(m, e));
	p = swapin_readahead(m, e, &major, &err);
	assert_non_null(p);
	check_page(m, p, 7);
	lock_page(p);
	swap_free(m, e);
	assert_true(try_to_free_swap(m, p));
	unlock_page(p);
	put_user_page(m, p);

	/* interval: only every 3rd I/O may fail; times -1: no limit; quiet */
	snprintf(knob, sizeof(knob), "%sverbose", dir);
	assert_int_equal(proc_write(m, knob, "0"), 0);
	snprintf(knob, sizeof(knob), "%sinterval", dir);
	assert_int_equal(proc_write(m, knob, "3"), 0);
	snprintf(knob, sizeof(knob), "%stimes", dir);
	assert_int_equal(proc_write(m, knob, "-1"), 0);
	p = pattern_page(m, 8);
	lock_page(p);
	assert_int_equal(add_to_swap(m, p), 0);
	int fails = 0;
	for (int i = 0; i < 9; i++)
		fails += swap_writepage(m, p) == -KMM_EIO;
	assert_int_equal(fails, 3);
	/* space: the first 2 pages of I/O go through */
	assert_int_equal(proc_write(m, knob, "0"), 0);
	snprintf(knob, sizeof(knob), "%sinterval", dir);
	assert_int_equal(proc_write(m, knob, "1"), 0);
	snprintf(knob, sizeof(knob), "%sspace", dir);
	assert_int_equal(proc_write(m, knob, "8193"), 0);
	snprintf(knob, sizeof(knob), "%stimes", dir);
	assert_int_equal(proc_write(m, knob, "1"), 0);
	assert_int_equal(swap_writepage(m, p), 0);
	assert_int_equal(swap_writepage(m, p), 0);
	assert_int_equal(swap_writepage(m, p), -KMM_EIO);
	assert_int_equal(swap_writepage(m, p), 0);

	/* filters: ignore-reads fails every write and no read, ignore-writes
	 * then lets the writes through too */
	snprintf(knob, sizeof(knob), "%signore-reads", dir);
	assert_string_equal(proc_read(m, knob), "0\n");
	assert_int_equal(proc_write(m, knob, "1"), 0);
	assert_int_equal(proc_write(m, knob, "2"), -KMM_EINVAL);
	snprintf(knob, sizeof(knob), "%stimes", dir);
	assert_int_equal(proc_write(m, knob, "-1"), 0);
	assert_int_equal(swap_writepage(m, p), -KMM_EIO);
	assert_int_equal(swap_writepage(m, p), -KMM_EIO);
	snprintf(knob, sizeof(knob), "%signore-writes", dir);
	assert_int_equal(proc_write(m, knob, "1"), 0);
	assert_int_equal(swap_writepage(m, p), 0);
	e = (swp_entry_t){ p->private };
	assert_int_equal(swap_duplicate(m, e), 0);
	delete_from_swap_cache(m, p);
	unlock_page(p);
	put_user_page(m, p);
	p = swapin_readahead(m, e, &major, &err);
	assert_non_null(p);
	assert_true(major);
	check_page(m, p, 8);
	snprintf(knob, sizeof(knob), "%stimes", dir);
	assert_string_equal(proc_read(m, knob), "-1\n");
	assert_int_equal(proc_write(m, knob, "0"), 0);
	lock_page(p);
	swap_free(m, e);
	assert_true(try_to_free_swap(m, p));
	unlock_page(p);
	put_user_page(m, p);
	shutdown_swap(m);
	free(cap);
}

/* ---- /proc ---------------------------------------------------------------------------- */

static void test_proc_swaps_meminfo(void **state)
{
	(void)state;
	struct kmm_machine *m = boot_swap(NULL, NULL);
	char a[128], b[128], want[1024];

	assert_string_equal(proc_read(m, "/proc/swaps"),
			    "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
	assert_int_equal(meminfo_kb(m, "SwapTotal:"), 0);
	unsigned long limit0 = meminfo_kb(m, "CommitLimit:");

	make_swap(m, a, sizeof(a), 1024, -1);
	make_swap(m, b, sizeof(b), 257, 10);
	for (int i = 0; i < 5; i++)
		assert_int_equal(swp_type(get_swap_page(m)), 1);
	int pad_a = (int)strlen(a) < 40 ? 40 - (int)strlen(a) : 1;
	int pad_b = (int)strlen(b) < 40 ? 40 - (int)strlen(b) : 1;
	snprintf(want, sizeof(want),
		 "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
		 "%s%*sfile\t4092\t\t0\t\t-2\n"
		 "%s%*sfile\t1024\t\t20\t\t10\n",
		 a, pad_a, " ", b, pad_b, " ");
	assert_string_equal(proc_read(m, "/proc/swaps"), want);
	assert_int_equal(meminfo_kb(m, "SwapTotal:"), 4092 + 1024);
	assert_int_equal(meminfo_kb(m, "SwapFree:"), 4092 + 1024 - 20);
	assert_int_equal(meminfo_kb(m, "CommitLimit:"), limit0 + 4092 + 1024);
	/* names with blanks are escaped as seq_file_path() does */
	char c[128];
	snprintf(c, sizeof(c), "%s/a b", tmpdir);
	assert_int_equal(kmm_mkswap(c, 64 * PG), 0);
	assert_int_equal(kmm_swapon(m, c, -1), 0);
	assert_non_null(strstr(proc_read(m, "/proc/swaps"), "/a\\040b "));
	assert_int_equal(kmm_swapoff(m, c), 0);
	unlink(c);
	/* the listing of /sys/kernel/debug */
	assert_int_equal(kmm_proc_stat(m, "/sys/kernel/debug/fail_swap_io"), 1);
	assert_int_equal(kmm_proc_stat(m, "/sys/kernel/debug/fail_swap_io/times"), 0);
	assert_int_equal(proc_write(m, "/proc/swaps", "x"), -KMM_EACCES);
	shutdown_swap(m);
}

/* ---- end to end ----------------------------------------------------------------------------- */

static void test_swapout_swapin(void **state)
{
	(void)state;
	struct kmm_machine *m = boot_swap(NULL, NULL);
	char path[128];

	make_swap(m, path, sizeof(path), 1024, -1);
	struct kmm_task *t = kmm_task_spawn(m, "swapper");
	assert_non_null(t);
	const size_t n = 32;
	uint64_t a = (uint64_t)anon_task(t, n);

	fill(t, a, n * PG, 3);
	long anon0 = node_stat(m, NR_ANON_MAPPED);
	unsigned long free0 = meminfo_kb(m, "MemFree:");
	swp_entry_t es[32];

	for (size_t i = 0; i < n; i++) {
		es[i] = evict(m, t, a + i * PG, false);
		pteval_t v = pte_of(t, a + i * PG);
		assert_true(is_swap_pte(v));
		assert_int_equal(pte_to_swp_entry(v).val, es[i].val);
		assert_int_equal(swp_swapcount(m, es[i]), 1);
		if (i)
			assert_int_equal(swp_offset(es[i]), swp_offset(es[i - 1]) + 1);
	}
	assert_int_equal(get_mm_counter(t->mm, MM_SWAPENTS), n);
	assert_int_equal(get_mm_counter(t->mm, MM_ANONPAGES), 0);
	assert_int_equal(node_stat(m, NR_ANON_MAPPED), anon0 - (long)n);
	assert_true(meminfo_kb(m, "MemFree:") >= free0 + n * 4 - 64);
	assert_int_equal(meminfo_kb(m, "SwapFree:"), 4092 - n * 4);

	/* a first fault with no history reads its page alone */
	struct vm_area_struct *vma = find_vma(t->mm, a);
	unsigned long maj0 = kmm_task_maj_flt(t), pgmaj0 = sum_vm_event(m, PGMAJFAULT);
	unsigned long min0 = kmm_task_min_flt(t), ra0 = sum_vm_event(m, SWAP_RA);
	check(t, a + 30 * PG, PG, 3);
	assert_int_equal(kmm_task_maj_flt(t), maj0 + 1);
	assert_int_equal(sum_vm_event(m, SWAP_RA), ra0);
	assert_true(is_swap_pte(pte_of(t, a + 29 * PG)));
	/* six readahead hits since: an 8-page window centred on the next
	 * fault (pages 2-9 around page 5), read and mapped around it */
	__atomic_store_n(&vma->swap_ra_info, (a + 30 * PG) | (8UL << 6) | 6, __ATOMIC_RELAXED);
	check(t, a + 5 * PG, PG, 3);
	assert_int_equal(kmm_task_maj_flt(t), maj0 + 2);
	assert_int_equal(sum_vm_event(m, PGMAJFAULT), pgmaj0 + 2);
	assert_int_equal(sum_vm_event(m, SWAP_RA), ra0 + 7);
	pteval_t v5 = pte_of(t, a + 5 * PG);
	assert_true(pte_present(v5));
	/* ours alone: writable at once even for a read, but clean */
	assert_true(v5 & _PAGE_RW);
	assert_false(v5 & _PAGE_DIRTY);
	for (int i = 2; i < 10; i++) {
		pteval_t v = pte_of(t, a + (uint64_t)i * PG);
		struct page *pg;

		assert_true(pte_present(v));
		if (i == 5)
			continue;
		/* fault-around: mapped old, still marked as read ahead */
		assert_false(v & _PAGE_ACCESSED);
		pg = kmm_pfn_to_page(m, pte_pfn(v));
		assert_true(kmm_test_page_flag(pg, PG_reclaim)); /* PG_readahead */
		assert_true(PageSwapCache(pg));
	}
	assert_true(is_swap_pte(pte_of(t, a + 1 * PG)));
	assert_true(is_swap_pte(pte_of(t, a + 10 * PG)));
	/* using them costs no fault at all */
	check(t, a + 2 * PG, 8 * PG, 3);
	assert_int_equal(kmm_task_maj_flt(t), maj0 + 2);
	assert_int_equal(kmm_task_min_flt(t), min0);
	assert_true(pte_of(t, a + 2 * PG) & _PAGE_ACCESSED);
	/* the next major fault counts them as hits (young PTEs) */
	unsigned long hit0 = sum_vm_event(m, SWAP_RA_HIT);
	check(t, a + 20 * PG, PG, 3);
	assert_int_equal(kmm_task_maj_flt(t), maj0 + 3);
	assert_int_equal(sum_vm_event(m, SWAP_RA_HIT), hit0 + 7);
	for (int i = 2; i < 10; i++)
		assert_false(kmm_test_page_flag(
			kmm_pfn_to_page(m, pte_pfn(pte_of(t, a + (uint64_t)i * PG))), PG_reclaim));
	/* everything back, the data right */
	check(t, a, n * PG, 3);
	assert_int_equal(get_mm_counter(t->mm, MM_SWAPENTS), 0);
	assert_int_equal(get_mm_counter(t->mm, MM_ANONPAGES), n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(swp_swapcount(m, es[i]), 1); /* the clean copy stays cached */
	/* writes: a copy (the cache still holds the page) or, for a page read
	 * by a write fault, the page itself made writable */
	fill(t, a, n * PG, 4);
	check(t, a, n * PG, 4);
	evict(m, t, a + 20 * PG, false);
	min0 = kmm_task_min_flt(t);
	fill(t, a + 20 * PG, PG, 5);
	assert_true(pte_of(t, a + 20 * PG) & _PAGE_RW);
	assert_int_equal(kmm_task_min_flt(t), min0); /* the major fault did it all */
	check(t, a + 20 * PG, PG, 5);

	/* after exit only cached copies hold slots: swapoff drops them */
	kmm_task_exit(t);
	assert_int_equal(kmm_swapoff(m, path), 0);
	assert_int_equal(meminfo_kb(m, "SwapTotal:"), 0);
	assert_int_equal(node_stat(m, NR_SWAPCACHE), 0);
	shutdown_swap(m);
}

/* /sys/kernel/mm/swap/{fault_around,vma_ra_enabled} and vm.page-cluster */
static void test_readahead_knobs(void **state)
{
	(void)state;
	struct kmm_machine *m = boot_swap(NULL, NULL);
	char path[128];

	make_swap(m, path, sizeof(path), 1024, -1);
	assert_string_equal(proc_read(m, "/sys/kernel/mm/swap/vma_ra_enabled"), "true\n");
	assert_string_equal(proc_read(m, "/sys/kernel/mm/swap/fault_around"), "true\n");
	assert_string_equal(proc_read(m, "/proc/sys/vm/page-cluster"), "3\n");
	assert_int_equal(proc_write(m, "/proc/sys/vm/page-cluster", "6"), -KMM_EINVAL);
	assert_int_equal(proc_write(m, "/proc/sys/vm/page-cluster", "-1"), -KMM_EINVAL);
	assert_int_equal(proc_write(m, "/sys/kernel/mm/swap/fault_around", "maybe"), -KMM_EINVAL);
	assert_int_equal(proc_write(m, "/sys/kernel/mm/swap/fault_around", "false"), 0);
	assert_string_equal(proc_read(m, "/sys/kernel/mm/swap/fault_around"), "false\n");

	struct kmm_task *t = kmm_task_spawn(m, "ra");
	const size_t n = 16;
	uint64_t a = (uint64_t)anon_task(t, n);
	struct vm_area_struct *vma = find_vma(t->mm, a);

	fill(t, a, n * PG, 7);
	for (size_t i = 0; i < n; i++)
		evict(m, t, a + i * PG, false);
	/* without fault-around the window is read but not mapped: each page
	 * read ahead costs a minor fault, which counts as a hit */
	__atomic_store_n(&vma->swap_ra_info, (a + 15 * PG) | (4UL << 6) | 2, __ATOMIC_RELAXED);
	unsigned long maj0 = kmm_task_maj_flt(t), min0 = kmm_task_min_flt(t);
	unsigned long hit0 = sum_vm_event(m, SWAP_RA_HIT), ra0 = sum_vm_event(m, SWAP_RA);
	check(t, a + 5 * PG, PG, 7);
	assert_int_equal(kmm_task_maj_flt(t), maj0 + 1);
	assert_int_equal(sum_vm_event(m, SWAP_RA), ra0 + 3); /* pages 4-7 less the fault */
	assert_true(is_swap_pte(pte_of(t, a + 4 * PG)));
	assert_true(is_swap_pte(pte_of(t, a + 6 * PG)));
	check(t, a + 4 * PG, 4 * PG, 7);
	assert_int_equal(kmm_task_maj_flt(t), maj0 + 1);
	assert_int_equal(kmm_task_min_flt(t), min0 + 3);
	assert_int_equal(sum_vm_event(m, SWAP_RA_HIT), hit0 + 3);
	/* page-cluster 0: no readahead at all */
	assert_int_equal(proc_write(m, "/proc/sys/vm/page-cluster", "0"), 0);
	ra0 = sum_vm_event(m, SWAP_RA);
	check(t, a + 9 * PG, 3 * PG, 7);
	assert_int_equal(kmm_task_maj_flt(t), maj0 + 4);
	assert_int_equal(sum_vm_event(m, SWAP_RA), ra0);
	/* vma_ra_enabled off: the window is by slot, aligned; slots follow the
	 * eviction order, so the neighbours of page 13 are pages 12-15 */
	assert_int_equal(proc_write(m, "/proc/sys/vm/page-cluster", "2"), 0);
	assert_int_equal(proc_write(m, "/sys/kernel/mm/swap/vma_ra_enabled", "0"), 0);
	assert_string_equal(proc_read(m, "/sys/kernel/mm/swap/vma_ra_enabled"), "false\n");
	atomic_store(&swap_state(m)->ra_hits, 2);
	check(t, a + 13 * PG, PG, 7);
	assert_int_equal(kmm_task_maj_flt(t), maj0 + 5);
	assert_true(sum_vm_event(m, SWAP_RA) > ra0);
	check(t, a, n * PG, 7);
	kmm_task_exit(t);
	assert_int_equal(kmm_swapoff(m, path), 0);
	shutdown_swap(m);
}

static void test_swap_fork(void **state)
{
	(void)state;
	struct kmm_machine *m = boot_swap(NULL, NULL);
	char path[128];

	make_swap(m, path, sizeof(path), 1024, -1);
	struct kmm_task *p = kmm_task_spawn(m, "parent"), *c;
	const size_t n = 16;
	uint64_t a = (uint64_t)anon_task(p, n);

	fill(p, a, n * PG, 11);
	assert_int_equal(kmm_task_fork(p, "child", &c), 0);
	/* both PTEs hold the entry after eviction: count 2 */
	swp_entry_t es[16];
	for (size_t i = 0; i < n; i++) {
		es[i] = evict(m, p, a + i * PG, false);
		assert_int_equal(pte_of(p, a + i * PG), pte_of(c, a + i * PG));
		assert_int_equal(swp_swapcount(m, es[i]), 2);
	}
	assert_int_equal(get_mm_counter(p->mm, MM_SWAPENTS), n);
	assert_int_equal(get_mm_counter(c->mm, MM_SWAPENTS), n);

	/* the child reads one back: the parent's PTE still refers to the slot */
	unsigned long cmaj = kmm_task_maj_flt(c);
	check(c, a + 3 * PG, PG, 11);
	assert_int_equal(kmm_task_maj_flt(c), cmaj + 1);
	assert_int_equal(swp_swapcount(m, es[3]), 2); /* parent + cache */
	struct page *pg = kmm_pfn_to_page(m, pte_pfn(pte_of(c, a + 3 * PG)));
	assert_true(PageSwapCache(pg));
	/* shared: its anon_vma is the fork tree's root */
	assert_ptr_equal(page_anon_vma(pg), find_vma(c->mm, a)->anon_vma->root);
	/* the parent maps the same page from the cache: a minor fault */
	unsigned long pmaj = kmm_task_maj_flt(p);
	check(p, a + 3 * PG, PG, 11);
	assert_int_equal(kmm_task_maj_flt(p), pmaj);
	assert_int_equal(pte_pfn(pte_of(p, a + 3 * PG)), pte_pfn(pte_of(c, a + 3 * PG)));
	assert_int_equal(page_mapcount(pg), 2);
	assert_int_equal(swp_swapcount(m, es[3]), 1); /* the cache only */
	/* reclaim of the shared page again: both PTEs, the same slot */
	evict(m, p, a + 3 * PG, false);
	assert_int_equal(swp_swapcount(m, es[3]), 2);

	/* writes copy: each sees its own data */
	fill(p, a, n * PG, 12);
	check(c, a, n * PG, 11);
	check(p, a, n * PG, 12);
	fill(c, a, n * PG, 13);
	check(p, a, n * PG, 12);
	check(c, a, n * PG, 13);
	kmm_task_exit(c);
	kmm_task_exit(p);
	assert_int_equal(kmm_swapoff(m, path), 0);
	shutdown_swap(m);
}

static void test_swap_errors_e2e(void **state)
{
	(void)state;
	struct logcap *cap = malloc(sizeof(*cap));
	struct kmm_machine *m = boot_swap(NULL, cap);
	char path[128];

	make_swap(m, path, sizeof(path), 256, -1);
	struct kmm_task *t = kmm_task_spawn(m, "ioerr");
	uint64_t a = (uint64_t)anon_task(t, 4);

	fill(t, a, 4 * PG, 21);
	/* the write fails: the page waits in the swap cache, dirty; a fault
	 * maps it back without I/O */
	assert_int_equal(proc_write(m, "/sys/kernel/debug/fail_swap_io/times", "1"), 0);
	swp_entry_t e = evict(m, t, a, true);
	assert_true(is_swap_pte(pte_of(t, a)));
	unsigned long maj0 = kmm_task_maj_flt(t);
	check(t, a, PG, 21);
	assert_int_equal(kmm_task_maj_flt(t), maj0);
	(void)e;
	/* a failed read: SIGBUS, the slot and the PTE stay */
	e = evict(m, t, a + PG, false);
	assert_int_equal(proc_write(m, "/sys/kernel/debug/fail_swap_io/times", "1"), 0);
	unsigned char b;
	logcap_clear(cap);
	assert_int_equal(kmm_access(t, a + PG, &b, 1, KMM_ACCESS_READ), -KMM_EFAULT);
	assert_int_equal(kmm_task_signal(t), KMM_SIGBUS);
	assert_true(logcap_has(cap, "Read-error on swap-device"));
	assert_true(is_swap_pte(pte_of(t, a + PG)));
	assert_int_equal(swp_swapcount(m, e), 1);
	kmm_task_exit(t);
	assert_int_equal(swp_swapcount(m, e), 0);
	assert_int_equal(kmm_swapoff(m, path), 0);
	shutdown_swap(m);
	free(cap);
}

static void test_swapoff(void **state)
{
	(void)state;
	struct logcap *cap = malloc(sizeof(*cap));
	struct kmm_machine *m = boot_swap(NULL, cap);
	char path[128], other[128];

	make_swap(m, path, sizeof(path), 1024, -1);
	struct kmm_task *p = kmm_task_spawn(m, "off"), *c;
	const size_t n = 24;
	uint64_t a = (uint64_t)anon_task(p, n);

	fill(p, a, n * PG, 31);
	assert_int_equal(kmm_task_fork(p, "offchild", &c), 0);
	fill(c, a + 16 * PG, 8 * PG, 32); /* the child's own copies of 16..23 */
	for (size_t i = 0; i < n; i++)
		evict(m, p, a + i * PG, false);
	for (size_t i = 16; i < n; i++)
		evict(m, c, a + i * PG, false);
	/* one page whose write failed: only in the swap cache */
	fill(p, a + 2 * PG, PG, 33);
	assert_int_equal(proc_write(m, "/sys/kernel/debug/fail_swap_io/times", "1"), 0);
	evict(m, p, a + 2 * PG, true);
	unsigned long total, nfree;
	si_swapinfo(m, &total, &nfree);
	assert_true(nfree < total);

	assert_int_equal(kmm_swapoff(m, path), 0);
	si_swapinfo(m, &total, &nfree);
	assert_int_equal(total, 0);
	assert_int_equal(nfree, 0);
	assert_int_equal(node_stat(m, NR_SWAPCACHE), 0);
	assert_string_equal(proc_read(m, "/proc/swaps"),
			    "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
	for (size_t i = 0; i < n; i++) {
		assert_true(pte_present(pte_of(p, a + i * PG)));
		assert_true(pte_present(pte_of(c, a + i * PG)));
	}
	assert_int_equal(get_mm_counter(p->mm, MM_SWAPENTS), 0);
	assert_int_equal(get_mm_counter(c->mm, MM_SWAPENTS), 0);
	/* no I/O needed any more */
	unsigned long in0 = sum_vm_event(m, PSWPIN);
	check(p, a, 2 * PG, 31);
	check(p, a + 2 * PG, PG, 33);
	check(p, a + 3 * PG, (n - 3) * PG, 31);
	check(c, a, 2 * PG, 31);
	check(c, a + 3 * PG, 13 * PG, 31);
	check(c, a + 16 * PG, 8 * PG, 32);
	assert_int_equal(sum_vm_event(m, PSWPIN), in0);
	/* shared pages are still shared copy-on-write */
	fill(c, a, PG, 34);
	check(p, a, PG, 31);

	/* out of memory while bringing pages back: the device stays on */
	make_swap(m, other, sizeof(other), 1024, -1);
	for (size_t i = 0; i < n; i++)
		evict(m, p, a + i * PG, false);
	/* no reclaim, no OOM killer meanwhile: allocations simply fail */
	struct kmm_alloc_hooks hooks = m->hooks;
	m->hooks.wake_kswapd = NULL;
	m->hooks.direct_reclaim = NULL;
	m->hooks.out_of_memory = NULL;
	struct page **hog = malloc(sizeof(*hog) * (1 << 17));
	size_t nhog = 0;
	while (nhog < (1 << 17)) {
		struct page *pg = kmm_alloc_pages(m, GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN, 0);
		if (!pg)
			break;
		hog[nhog++] = pg;
	}
	logcap_clear(cap);
	assert_int_equal(kmm_swapoff(m, other), -KMM_ENOMEM);
	assert_true(logcap_has(cap, "still swapping on it"));
	si_swapinfo(m, &total, &nfree);
	assert_int_equal(total, 1023);
	assert_true(strstr(proc_read(m, "/proc/swaps"), other) != NULL);
	for (size_t i = 0; i < nhog; i++)
		__kmm_free_pages(m, hog[i], 0);
	free(hog);
	m->hooks = hooks;
	assert_int_equal(kmm_swapoff(m, other), 0);
	check(p, a, PG, 31);
	check(p, a + 2 * PG, PG, 33);
	check(p, a + 3 * PG, (n - 3) * PG, 31);
	kmm_task_exit(c);
	kmm_task_exit(p);
	shutdown_swap(m);
	free(cap);
}

/* ---- setup ------------------------------------------------------------------------------ */

static int group_setup(void **state)
{
	(void)state;
	return kmm_test_mkdtemp(tmpdir, sizeof(tmpdir), "kmm_swap_");
}

static int group_teardown(void **state)
{
	(void)state;
	return kmm_test_rmtree(tmpdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mkswap_header),	   cmocka_unit_test(test_swapon_errors),
		cmocka_unit_test(test_priorities),	   cmocka_unit_test(test_cluster_alloc),
		cmocka_unit_test(test_dup_free),	   cmocka_unit_test(test_swap_cache),
		cmocka_unit_test(test_write_read),	   cmocka_unit_test(test_io_errors),
		cmocka_unit_test(test_proc_swaps_meminfo), cmocka_unit_test(test_swapout_swapin),
		cmocka_unit_test(test_readahead_knobs),	   cmocka_unit_test(test_swap_fork),
		cmocka_unit_test(test_swap_errors_e2e),	   cmocka_unit_test(test_swapoff),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
