/* SPDX-License-Identifier: MIT */
/*
 * tests/test_oom_recovery.c - OOM kills in the middle of swapping, and the
 * machine afterwards: every swap slot, swap-cache page, xarray node, LRU
 * entry and buddy page must come back.
 *
 * test_swap_too_small: five tasks on a 32 MiB machine with 16 MiB of swap.
 *   A keeper (oom_score_adj -1000) and a bystander (adj 0) write a few MiB
 *   of patterns and stop; three growers each write patterns into more
 *   anonymous memory than RAM + swap, round robin: "heavy" three pages per
 *   round, "light" and "marked" (adj 100) one.  The victims must come in
 *   badness order: heavy (the largest), then marked (its adj outweighs the
 *   equal size of light), then light; the keeper and bystander live.
 *
 * test_kill_during_swapin: a task with most of its memory in swap is read
 *   (and partly rewritten with the same data) by a second host thread on
 *   another CPU slot, fault after fault from swap, while the main thread
 *   grows a hog until the OOM killer picks the swapped task (the largest)
 *   and reaps it under the reader's feet.  Three rounds; the reader never
 *   sees wrong data while its task is alive, the hog and a small task keep
 *   theirs.
 *
 * test_fork_children_killed: a parent's memory is shared copy-on-write with
 *   four children (one protected with adj -1000, three expendable with adj
 *   500), each child writing a slice of its own; the expendable ones also
 *   read shared pages back from swap and grow until each is OOM-killed,
 *   while a second thread keeps reading the parent's and the protected
 *   child's pages (shared swap slots with counts going down under it).
 *   Then one of the two swap devices is swapped off with the survivors
 *   alive, and their data checked again.
 *
 * Once the kills are over, with reclaim at rest, every mapped anonymous
 * page must be on an LRU list (AnonPages <= Active(anon) + Inactive(anon)
 * + Unevictable).  Then all tasks exit and every trace must be gone -
 * SwapFree == SwapTotal (no slot left referenced, no orphan swap-cache
 * page), swapoff succeeds, NR_SWAPCACHE 0, the radix_tree_node cache (the
 * swap cache's xarray nodes) back to its count before the test, AnonPages
 * 0, every LRU list as before, the buddy allocator's free pages back to the
 * baseline, no bad page.  On a failure the leftovers are listed (slot
 * counts, the pages still held and why, the meminfo and slabinfo lines
 * that changed) with the tail of the kernel log.
 *
 * KMM_TEST_FILTER=test_kill_during_swapin runs a single test.
 */
#include <pthread.h>
#include <unistd.h>

#include "kmm_test.h"
#include "kmm/mm.h"
#include "mm/slab.h"
#include "mm/swapfile.h"
#include "mm/vma.h"
#include "mm/vmscan.h"

#define PG 4096ULL
#define WORDS (PG / 8)
#define MAX_VICTIMS 32

/* ---- the console: the OOM killer's victims in order ------------------------------------- */

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static int victims[MAX_VICTIMS];
static int nr_victims;

static void console(void *ctx, int level, const char *line, size_t len)
{
	static const char key[] = "Out of memory: Killed process ";
	const char *p;
	char buf[256];

	(void)ctx;
	(void)level;
	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, line, len);
	buf[len] = 0;
	p = strstr(buf, key);
	if (!p)
		return;
	pthread_mutex_lock(&log_lock);
	if (nr_victims < MAX_VICTIMS)
		victims[nr_victims] = atoi(p + sizeof(key) - 1);
	nr_victims++;
	pthread_mutex_unlock(&log_lock);
}

static int victim_count(void)
{
	pthread_mutex_lock(&log_lock);
	int n = nr_victims;
	pthread_mutex_unlock(&log_lock);
	return n;
}

static int victim(int i)
{
	pthread_mutex_lock(&log_lock);
	int v = i < nr_victims && i < MAX_VICTIMS ? victims[i] : -1;
	pthread_mutex_unlock(&log_lock);
	return v;
}

/* ---- the machine --------------------------------------------------------------------- */

static char tmpdir[64];

static struct kmm_machine *boot(const char *cmdline)
{
	struct kmm_boot_opts o = { console, NULL };
	struct kmm_machine *m = NULL;
	char err[256] = "";

	*kmm_port_tls_slot() = NULL; /* a failed test may have left its binding */
	pthread_mutex_lock(&log_lock);
	nr_victims = 0;
	pthread_mutex_unlock(&log_lock);
	if (kmm_machine_boot(cmdline, &o, &m, err, sizeof(err)))
		fail_msg("boot '%s': %s", cmdline, err);
	assert_int_equal(kmm_cpu_enter(m, 0), 0);
	return m;
}

static void show_log_tail(struct kmm_machine *m, size_t tail)
{
	static char log[1 << 20];
	size_t n = kmm_log_read(m, log, sizeof(log) - 1);

	log[n] = 0;
	/* (print_message() truncates at 1 KiB) */
	fprintf(stderr, "---- kernel log (tail) ----\n%s\n----\n", n > tail ? log + n - tail : log);
}

static char *proc_read(struct kmm_machine *m, const char *path)
{
	static char buf[1 << 16];
	long n = kmm_proc_read(m, path, buf, sizeof(buf) - 1);

	assert_true(n >= 0);
	buf[n] = 0;
	return buf;
}

static unsigned long meminfo_kb(struct kmm_machine *m, const char *name)
{
	const char *s = strstr(proc_read(m, "/proc/meminfo"), name);

	assert_non_null(s);
	return strtoul(s + strlen(name), NULL, 10);
}

static unsigned long vmstat(struct kmm_machine *m, const char *name)
{
	char key[64];
	const char *buf = proc_read(m, "/proc/vmstat"), *p;

	snprintf(key, sizeof(key), "\n%s ", name);
	p = strstr(buf, key);
	assert_non_null(p);
	return strtoul(p + strlen(key), NULL, 10);
}

/* active_objs of the cache the swap cache's xarray nodes come from */
static unsigned long xa_node_objs(struct kmm_machine *m)
{
	const char *name = vm_state(m)->radix_tree_node_cachep->name;
	const char *buf = proc_read(m, "/proc/slabinfo"), *p = buf;
	size_t len = strlen(name);

	while ((p = strstr(p, name))) {
		if ((p == buf || p[-1] == '\n') && p[len] == ' ')
			return strtoul(p + len, NULL, 10);
		p += len;
	}
	fail_msg("no %s line in /proc/slabinfo", name);
	return 0;
}

static long node_stat(struct kmm_machine *m, enum node_stat_item item)
{
	long v = 0;
	int nid;

	for_each_online_node(m, nid) v += node_page_state_snapshot(m, NODE_DATA(m, nid), item);
	return v;
}

static unsigned long lru_pages(struct kmm_machine *m, enum lru_list l)
{
	unsigned long n = 0;
	int nid;

	for_each_online_node(m, nid)
	{
		struct lruvec *lv = node_lruvec(NODE_DATA(m, nid));

		spin_lock(&lv->lru_lock);
		n += lv->nr_pages[l];
		spin_unlock(&lv->lru_lock);
	}
	return n;
}

/* kswapd and the flusher borrow a CPU slot while they work: wait until only ours is taken */
static void wait_kthreads_idle(struct kmm_machine *m)
{
	for (int i = 0; i < 10000; i++) {
		int busy = 0;

		for (int c = 0; c < m->nr_cpu_ids; c++)
			busy += c != kmm_cpu_current(m) && atomic_load(&m->cpus[c].owner) != 0;
		if (!busy)
			return;
		usleep(1000);
	}
	fail_msg("kernel threads still busy");
}

static void settle(struct kmm_machine *m)
{
	wait_kthreads_idle(m);
	lru_add_drain_all(m);
	assert_int_equal(kmm_proc_write(m, "/proc/sys/vm/drop_caches", "3\n", 2), 0);
	kmm_drain_all_pages(m);
}

static void swap_file(char *path, size_t size, const char *name)
{
	snprintf(path, size, "%s/%s", tmpdir, name);
}

struct baseline {
	long free_pages;
	unsigned long xa_nodes;
	unsigned long lru[NR_LRU_LISTS];
	char meminfo[8192];
	char slabinfo[1 << 14];
};

/* The /proc/slabinfo lines that differ from @before. */
static void show_slabinfo_diff(struct kmm_machine *m, const char *before)
{
	const char *now = proc_read(m, "/proc/slabinfo"), *b = now;

	while (*b) {
		const char *eb = strchr(b, '\n'), *a = before, *ea = NULL;
		size_t name = strcspn(b, " ");

		if (!eb)
			break;
		while ((a = strstr(a, "\n"))) {
			a++;
			if (!strncmp(a, b, name) && a[name] == ' ') {
				ea = strchr(a, '\n');
				break;
			}
		}
		if (!ea)
			print_message("  slabinfo: new %.*s\n", (int)(eb - b), b);
		else if (ea - a != eb - b || memcmp(a, b, (size_t)(ea - a)))
			print_message("  slabinfo: %.*s\n        -> %.*s\n", (int)(ea - a), a,
				      (int)(eb - b), b);
		b = eb + 1;
	}
}

/* The lines of /proc/meminfo that differ from @before. */
static void show_meminfo_diff(struct kmm_machine *m, const char *before)
{
	const char *now = proc_read(m, "/proc/meminfo"), *a = before, *b = now;

	while (*a && *b) {
		const char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');

		if (!ea || !eb)
			break;
		if (ea - a != eb - b || memcmp(a, b, (size_t)(ea - a)))
			print_message("  meminfo: %.*s  ->  %.*s\n", (int)(ea - a), a,
				      (int)(eb - b), b);
		a = ea + 1;
		b = eb + 1;
	}
}

/*
 * Swap each file on and off once (the swap_info of a type stays allocated
 * for reuse, as in Linux, and vmalloc keeps the page tables of its area),
 * then note what the machine holds at rest.
 */
static void take_baseline(struct kmm_machine *m, char (*paths)[128], const unsigned long *mb, int n,
			  struct baseline *b)
{
	for (int i = 0; i < n; i++) {
		assert_int_equal(kmm_mkswap(paths[i], (uint64_t)mb[i] << 20), 0);
		assert_int_equal(kmm_swapon(m, paths[i], -1), 0);
	}
	for (int i = 0; i < n; i++)
		assert_int_equal(kmm_swapoff(m, paths[i]), 0);
	settle(m);
	b->free_pages = total_free_pages(m);
	b->xa_nodes = xa_node_objs(m);
	for (int l = 0; l < NR_LRU_LISTS; l++)
		b->lru[l] = lru_pages(m, (enum lru_list)l);
	const char *mi = proc_read(m, "/proc/meminfo");
	size_t len = strnlen(mi, sizeof(b->meminfo) - 1);

	memcpy(b->meminfo, mi, len);
	b->meminfo[len] = 0;
	mi = proc_read(m, "/proc/slabinfo");
	len = strnlen(mi, sizeof(b->slabinfo) - 1);
	memcpy(b->slabinfo, mi, len);
	b->slabinfo[len] = 0;
}

/* ---- patterns -------------------------------------------------------------------------- */

static uint64_t word(uint64_t tag, uint64_t page, unsigned i)
{
	uint64_t x = tag * 0x9E3779B97F4A7C15ULL ^ page * 0xBF58476D1CE4E5B9ULL ^ i;

	x ^= x >> 31;
	x *= 0x94D049BB133111EBULL;
	return x ^ (x >> 29);
}

static void make_page(uint64_t *buf, uint64_t tag, uint64_t page)
{
	for (unsigned i = 0; i < WORDS; i++)
		buf[i] = word(tag, page, i);
}

static int write_page(struct kmm_task *t, uint64_t base, uint64_t tag, uint64_t page)
{
	uint64_t buf[WORDS];

	make_page(buf, tag, page);
	return kmm_access(t, base + page * PG, buf, PG, KMM_ACCESS_WRITE);
}

/* 0, 1 on a mismatch (reported if @say), or the access error */
static int check_page(struct kmm_task *t, uint64_t base, uint64_t tag, uint64_t page, bool say)
{
	uint64_t buf[WORDS];
	int r = kmm_access(t, base + page * PG, buf, PG, KMM_ACCESS_READ);

	if (r)
		return r;
	for (unsigned i = 0; i < WORDS; i++)
		if (buf[i] != word(tag, page, i)) {
			if (say)
				print_message("%s[%d]: page %llu word %u: %#llx, expected %#llx\n",
					      kmm_task_comm(t), kmm_task_pid(t),
					      (unsigned long long)page, i,
					      (unsigned long long)buf[i],
					      (unsigned long long)word(tag, page, i));
			return 1;
		}
	return 0;
}

/* A task's region: pages [0, pages) of it written, page p with tags[p] (or @tag). */
struct region {
	struct kmm_task *t;
	uint64_t base;
	unsigned pages, written;
	uint64_t tag;
	uint64_t *tags; /* per page, or NULL: @tag */
};

static uint64_t tag_of(const struct region *r, unsigned p)
{
	return r->tags ? r->tags[p] : r->tag;
}

static void map_region(struct region *r, struct kmm_task *t, unsigned pages, uint64_t tag,
		       bool noreserve)
{
	long a = kmm_mmap(t, 0, pages * PG, KMM_PROT_READ | KMM_PROT_WRITE,
			  KMM_MAP_PRIVATE | KMM_MAP_ANONYMOUS | (noreserve ? KMM_MAP_NORESERVE : 0),
			  -1, 0);

	assert_true(a > 0);
	memset(r, 0, sizeof(*r));
	r->t = t;
	r->base = (uint64_t)a;
	r->pages = pages;
	r->tag = tag;
}

static void fill_region(struct kmm_machine *m, struct region *r)
{
	for (unsigned p = 0; p < r->pages; p++) {
		int ret = write_page(r->t, r->base, tag_of(r, p), p);

		if (ret) {
			show_log_tail(m, 6000);
			fail_msg("%s[%d]: write of page %u: %d, signal %d", kmm_task_comm(r->t),
				 kmm_task_pid(r->t), p, ret, kmm_task_signal(r->t));
		}
	}
	r->written = r->pages;
}

static void check_region(struct kmm_machine *m, const struct region *r)
{
	unsigned bad = 0;

	for (unsigned p = 0; p < r->written; p++) {
		int ret = check_page(r->t, r->base, tag_of(r, p), p, bad < 3);

		if (ret < 0) {
			show_log_tail(m, 6000);
			fail_msg("%s[%d]: read of page %u: %d, signal %d", kmm_task_comm(r->t),
				 kmm_task_pid(r->t), p, ret, kmm_task_signal(r->t));
		}
		bad += ret != 0;
	}
	if (bad)
		fail_msg("%s[%d]: %u of %u pages differ", kmm_task_comm(r->t), kmm_task_pid(r->t),
			 bad, r->written);
}

static void set_adj(struct kmm_machine *m, struct kmm_task *t, int adj)
{
	char path[64], val[16];

	snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", kmm_task_pid(t));
	snprintf(val, sizeof(val), "%d", adj);
	assert_int_equal(kmm_proc_write(m, path, val, strlen(val)), 0);
}

/* ---- recovery ------------------------------------------------------------------------- */

/*
 * With reclaim at rest and the per-CPU LRU batches drained, every mapped
 * anonymous page sits on an LRU list (the swap cache's unmapped pages add
 * to the lists, not to AnonPages): AnonPages <= Active(anon) +
 * Inactive(anon) + Unevictable.
 */
static void check_anon_on_lru(struct kmm_machine *m, const char *when)
{
	wait_kthreads_idle(m);
	lru_add_drain_all(m);
	long anon = node_stat(m, NR_ANON_MAPPED);
	long lru = node_stat(m, NR_ACTIVE_ANON) + node_stat(m, NR_INACTIVE_ANON) +
		   node_stat(m, NR_UNEVICTABLE);

	if (anon > lru)
		fail_msg("%s: AnonPages %ld > Active(anon) + Inactive(anon) + Unevictable %ld",
			 when, anon, lru);
}

/* What still holds swap slots or anonymous pages, for the failure message. */
static void show_leftovers(struct kmm_machine *m)
{
	struct swap_state *ss = swap_state(m);
	unsigned shown = 0;

	for (int type = 0; ss && type < MAX_SWAPFILES; type++) {
		struct swap_info_struct *si = ss->swap_info[type];
		unsigned long counted = 0, cache_only = 0;

		if (!si || !(atomic_load(&si->flags) & SWP_USED))
			continue;
		for (unsigned long o = 1; o < si->max; o++) {
			struct page *page = NULL;
			uint16_t c;

			spin_lock(&si->lock);
			c = si->swap_map[o];
			spin_unlock(&si->lock);
			if (!c || c == SWAP_MAP_BAD)
				continue;
			if (c & SWAP_COUNT_MASK)
				counted++;
			else
				cache_only++;
			if (c & SWAP_HAS_CACHE) {
				spin_lock(&si->cache_lock);
				page = xa_load(&si->cache, o);
				if (page && xa_is_value(page))
					page = NULL;
				spin_unlock(&si->cache_lock);
			}
			if (shown++ < 12)
				print_message("  %s slot %lu: count %u%s; page %s refcount %d "
					      "mapcount %d flags %#lx\n",
					      si->path, o, c & SWAP_COUNT_MASK,
					      (c & SWAP_HAS_CACHE) ? " +cache" : "",
					      page ? "yes" : "no", page ? page_ref_count(page) : 0,
					      page ? page_mapcount(page) : 0,
					      page ? (unsigned long)atomic_load(&page->flags) :
						     0UL);
		}
		print_message("%s: %lu slots in use: %lu referenced by PTEs, %lu by the cache "
			      "only; %lu pages cached\n",
			      si->path, counted + cache_only, counted, cache_only, si->nr_cached);
	}
	shown = 0;
	unsigned long anon = 0, anon_lru = 0, anon_mapped = 0;
	for (kmm_pfn_t pfn = 0; pfn < m->max_pfn; pfn++) {
		if (!kmm_pfn_valid(m, pfn))
			continue;
		struct page *page = kmm_pfn_to_page(m, pfn);

		if (page_ref_count(page) <= 0 || !PageAnon(page) || PageBuddy(page))
			continue;
		anon++;
		anon_lru += PageLRU(page);
		anon_mapped += page_mapcount(page) > 0;
		if (shown++ < 12)
			print_message("  anon pfn %#llx: refcount %d mapcount %d flags %#lx%s%s\n",
				      (unsigned long long)pfn, page_ref_count(page),
				      page_mapcount(page), (unsigned long)atomic_load(&page->flags),
				      PageLRU(page) ? " lru" : "",
				      PageSwapCache(page) ? " swapcache" : "");
	}
	print_message("anonymous pages still allocated: %lu (%lu on an LRU, %lu mapped)\n", anon,
		      anon_lru, anon_mapped);
}

#define CHECK(cond, ...)                                         \
	do {                                                     \
		if (!(cond)) {                                   \
			print_message("recovery: " __VA_ARGS__); \
			print_message("  (%s)\n", #cond);        \
			failed++;                                \
		}                                                \
	} while (0)

/*
 * Every task is gone.  Before swapoff nothing may hold a slot; swapoff of
 * each of @paths succeeds; then the machine must be back to @b.
 */
static void check_recovered(struct kmm_machine *m, char (*paths)[128], int n,
			    const struct baseline *b)
{
	int failed = 0;

	settle(m);
	unsigned long total = meminfo_kb(m, "SwapTotal:"), sfree = meminfo_kb(m, "SwapFree:");
	long cached = node_stat(m, NR_SWAPCACHE);

	print_message("after exit: SwapTotal %lu kB, SwapFree %lu kB, SwapCached %ld pages, "
		      "AnonPages %lu kB, %s %lu (baseline %lu)\n",
		      total, sfree, cached, meminfo_kb(m, "AnonPages:"),
		      vm_state(m)->radix_tree_node_cachep->name, xa_node_objs(m), b->xa_nodes);
	CHECK(sfree == total, "SwapFree %lu kB != SwapTotal %lu kB with every task gone\n", sfree,
	      total);
	CHECK(cached == 0, "%ld swap-cache pages with every task gone\n", cached);
	if (failed)
		show_leftovers(m);
	for (int i = 0; i < n; i++) {
		int ret = kmm_swapoff(m, paths[i]);

		CHECK(ret == 0, "swapoff %s: %d\n", paths[i], ret);
	}
	settle(m);
	long anon = node_stat(m, NR_ANON_MAPPED);
	unsigned long xa = xa_node_objs(m);

	CHECK(meminfo_kb(m, "SwapTotal:") == 0, "SwapTotal %lu kB after swapoff\n",
	      meminfo_kb(m, "SwapTotal:"));
	CHECK(node_stat(m, NR_SWAPCACHE) == 0, "NR_SWAPCACHE %ld after swapoff\n",
	      node_stat(m, NR_SWAPCACHE));
	CHECK(anon == 0, "AnonPages %ld pages\n", anon);
	CHECK(meminfo_kb(m, "AnonPages:") == 0, "meminfo AnonPages %lu kB\n",
	      meminfo_kb(m, "AnonPages:"));
	CHECK(xa == b->xa_nodes, "%s: %lu objects, %lu before\n",
	      vm_state(m)->radix_tree_node_cachep->name, xa, b->xa_nodes);
	for (int l = 0; l < NR_LRU_LISTS; l++) {
		unsigned long v = lru_pages(m, (enum lru_list)l);

		CHECK(v == b->lru[l], "LRU list %d holds %lu pages, %lu before\n", l, v, b->lru[l]);
	}
	CHECK(node_stat(m, NR_ISOLATED_ANON) == 0, "NR_ISOLATED_ANON %ld\n",
	      node_stat(m, NR_ISOLATED_ANON));
	long fr = 0;
	for (int i = 0; i < 200; i++) {
		fr = total_free_pages(m);
		if (fr == b->free_pages)
			break;
		usleep(5000);
		settle(m);
	}
	CHECK(fr == b->free_pages, "buddy free pages %ld, %ld before (%+ld)\n", fr, b->free_pages,
	      fr - b->free_pages);
	CHECK(atomic_load(&m->nr_bad_pages) == 0, "%lu bad pages reported\n",
	      (unsigned long)atomic_load(&m->nr_bad_pages));
	if (failed) {
		show_leftovers(m);
		show_meminfo_diff(m, b->meminfo);
		show_slabinfo_diff(m, b->slabinfo);
		show_log_tail(m, 8000);
		fail_msg("%d recovery checks failed", failed);
	}
	check_invariants(m, false);
}

static void machine_down(struct kmm_machine *m, char (*paths)[128], int n)
{
	kmm_cpu_leave(m);
	kmm_machine_shutdown(m);
	for (int i = 0; i < n; i++)
		unlink(paths[i]);
}

/* ---- 1: swap too small for the tasks ---------------------------------------------------- */

#define GROW_PAGES 16384 /* 64 MiB each: more than RAM (32 MiB) + swap (16 MiB) */

struct grower {
	struct region r;
	int weight;
	int killed_at; /* index in the victim list, -1 alive */
	unsigned enomem;
};

static void test_swap_too_small(void **state)
{
	(void)state;
	struct kmm_machine *m = boot("quiet mem=32M nr_cpus=3");
	char paths[1][128];
	const unsigned long mb[1] = { 16 };
	struct baseline b;

	swap_file(paths[0], sizeof(paths[0]), "small");
	take_baseline(m, paths, mb, 1, &b);
	assert_int_equal(kmm_swapon(m, paths[0], -1), 0);

	struct region keeper, bystander;
	struct kmm_task *tk = kmm_task_spawn(m, "keeper"), *tb = kmm_task_spawn(m, "bystander");
	set_adj(m, tk, -1000);
	map_region(&keeper, tk, 1200, 1, false);
	map_region(&bystander, tb, 600, 2, false);
	fill_region(m, &keeper);
	fill_region(m, &bystander);

	static const char *const names[3] = { "light", "heavy", "marked" };
	static const int weights[3] = { 1, 3, 1 }, adjs[3] = { 0, 0, 100 };
	struct grower g[3];
	for (int i = 0; i < 3; i++) {
		struct kmm_task *t = kmm_task_spawn(m, names[i]);

		set_adj(m, t, adjs[i]);
		map_region(&g[i].r, t, GROW_PAGES, 10 + (uint64_t)i, true);
		g[i].weight = weights[i];
		g[i].killed_at = -1;
		g[i].enomem = 0;
	}
	int alive = 3;
	while (alive) {
		for (int i = 0; i < 3; i++) {
			struct grower *x = &g[i];

			for (int k = 0; k < x->weight && x->killed_at < 0; k++) {
				if (x->r.written == x->r.pages) {
					show_log_tail(m, 6000);
					fail_msg(
						"%s wrote %u pages (more than RAM + swap) and lives",
						names[i], x->r.pages);
				}
				int ret = write_page(x->r.t, x->r.base, x->r.tag, x->r.written);

				if (!ret) {
					x->r.written++;
				} else if (kmm_task_signal(x->r.t) == KMM_SIGKILL) {
					x->killed_at = victim_count();
					alive--;
				} else if (ret == -KMM_ENOMEM && ++x->enomem < 100) {
					/* the fault's allocation failed after someone else
					 * was killed: the task retries, as after
					 * pagefault_out_of_memory() */
				} else {
					show_log_tail(m, 6000);
					fail_msg("%s: write of page %u: %d, signal %d", names[i],
						 x->r.written, ret, kmm_task_signal(x->r.t));
				}
			}
		}
	}
	print_message("written before the kill: light %u, heavy %u, marked %u pages; "
		      "%d kills, oom_kill %lu, pswpout %lu, pswpin %lu\n",
		      g[0].r.written, g[1].r.written, g[2].r.written, victim_count(),
		      vmstat(m, "oom_kill"), vmstat(m, "pswpout"), vmstat(m, "pswpin"));
	/* heavy is the largest; then marked's adj (100 per mille of RAM + swap)
	 * beats light's equal size; then light */
	assert_int_equal(victim_count(), 3);
	assert_int_equal(victim(0), kmm_task_pid(g[1].r.t));
	assert_int_equal(victim(1), kmm_task_pid(g[2].r.t));
	assert_int_equal(victim(2), kmm_task_pid(g[0].r.t));
	assert_int_equal(vmstat(m, "oom_kill"), 3);
	assert_true(vmstat(m, "pswpout") > 2000);
	assert_int_equal(kmm_task_signal(tk), 0);
	assert_int_equal(kmm_task_signal(tb), 0);
	check_anon_on_lru(m, "after the kills");
	check_region(m, &keeper);
	check_region(m, &bystander);
	for (int i = 0; i < 3; i++)
		kmm_task_exit(g[i].r.t);
	kmm_task_exit(tk);
	kmm_task_exit(tb);
	check_recovered(m, paths, 1, &b);
	machine_down(m, paths, 1);
}

/* ---- 2: a kill while another CPU faults the task's pages in from swap ------------------------ */

struct reader {
	struct kmm_machine *m;
	int cpu;
	const struct region *r[2];
	int nr;
	bool may_die; /* its task may be killed: errors and zeroes after the kill are fine */
	atomic_int stop;
	atomic_ulong progress, majflt0;
	/* results */
	int err, sig_at_err;
	unsigned long bad_alive, bad_dead, writes;
};

static void *reader_fn(void *arg)
{
	struct reader *rd = arg;
	uint64_t buf[WORDS];
	unsigned long n = 0;

	if (kmm_cpu_enter(rd->m, rd->cpu) != rd->cpu)
		return NULL;
	while (!atomic_load(&rd->stop)) {
		const struct region *r = rd->r[n % (unsigned)rd->nr];
		unsigned p = (unsigned)((n / (unsigned)rd->nr) % r->written);
		int ret;

		n++;
		if (rd->may_die && (n & 3) == 0) {
			/* a write fault on a swapped page, with the data it holds */
			make_page(buf, tag_of(r, p), p);
			ret = kmm_access(r->t, r->base + p * PG, buf, PG, KMM_ACCESS_WRITE);
			rd->writes++;
		} else {
			ret = check_page(r->t, r->base, tag_of(r, p), p, !rd->may_die);
		}
		if (ret > 0) {
			if (kmm_task_signal(r->t))
				rd->bad_dead++; /* reaped under us: zeroes */
			else
				rd->bad_alive++;
		} else if (ret < 0) {
			rd->err = ret;
			rd->sig_at_err = kmm_task_signal(r->t);
			break;
		}
		atomic_fetch_add(&rd->progress, 1);
	}
	kmm_cpu_leave(rd->m);
	return NULL;
}

static void test_kill_during_swapin(void **state)
{
	(void)state;
	struct kmm_machine *m = boot("quiet mem=32M nr_cpus=4");
	char paths[1][128];
	const unsigned long mb[1] = { 32 };
	struct baseline b;

	swap_file(paths[0], sizeof(paths[0]), "swapin");
	take_baseline(m, paths, mb, 1, &b);
	assert_int_equal(kmm_swapon(m, paths[0], -1), 0);

	struct region small;
	struct kmm_task *ts = kmm_task_spawn(m, "small");
	map_region(&small, ts, 1000, 3, false);
	fill_region(m, &small);
	for (int round = 0; round < 3; round++) {
		struct region vr, hr;
		struct kmm_task *tv = kmm_task_spawn(m, "swapped"), *th = kmm_task_spawn(m, "hog");
		int kills0 = victim_count();

		map_region(&vr, tv, 9000, 100 + (uint64_t)round, true);
		fill_region(m, &vr);
		/* the small task's pages are hot again: the swapped task's go out */
		check_region(m, &small);
		long swapped = get_mm_counter(tv->mm, MM_SWAPENTS);
		assert_true(swapped > 1500);

		struct reader rd = { .m = m, .cpu = 1, .r = { &vr }, .nr = 1, .may_die = true };
		pthread_t th_r;
		assert_int_equal(pthread_create(&th_r, NULL, reader_fn, &rd), 0);
		while (atomic_load(&rd.progress) < 200 && !rd.err)
			usleep(1000);
		unsigned long maj0 = kmm_task_maj_flt(tv);
		/* the hog grows until the swapped task, the largest, is killed */
		map_region(&hr, th, 7000, 200 + (uint64_t)round, true);
		unsigned enomem = 0;
		while (hr.written < hr.pages) {
			int ret = write_page(th, hr.base, hr.tag, hr.written);

			if (!ret)
				hr.written++;
			else if (ret != -KMM_ENOMEM || kmm_task_signal(th) || ++enomem > 100) {
				show_log_tail(m, 6000);
				fail_msg("hog: write of page %u: %d, signal %d", hr.written, ret,
					 kmm_task_signal(th));
			}
		}
		atomic_store(&rd.stop, 1);
		pthread_join(th_r, NULL);
		print_message("round %d: %ld pages swapped, reader %lu accesses (%lu writes, "
			      "%lu major faults before the hog), stopped by %d (signal %d), "
			      "%lu zero pages after the kill\n",
			      round, swapped, atomic_load(&rd.progress), rd.writes, maj0, rd.err,
			      rd.sig_at_err, rd.bad_dead);
		assert_int_equal(rd.bad_alive, 0);
		if (rd.err)
			assert_int_equal(rd.sig_at_err, KMM_SIGKILL);
		assert_int_equal(kmm_task_signal(tv), KMM_SIGKILL);
		if (victim_count() != kills0 + 1 || victim(kills0) != kmm_task_pid(tv)) {
			show_log_tail(m, 30000);
			fail_msg("round %d: %d kills (first pid %d), expected one of pid %d", round,
				 victim_count() - kills0, victim(kills0), kmm_task_pid(tv));
		}
		assert_int_equal(kmm_task_signal(th), 0);
		assert_int_equal(kmm_task_signal(ts), 0);
		check_anon_on_lru(m, "after the kill");
		check_region(m, &hr);
		kmm_task_exit(tv);
		kmm_task_exit(th);
	}
	check_region(m, &small);
	kmm_task_exit(ts);
	check_recovered(m, paths, 1, &b);
	machine_down(m, paths, 1);
}

/* ---- 3: fork children sharing swapped-out pages killed ------------------------------------- */

#define SHARED_PAGES 3000
#define SLICE 300
#define NR_KIDS 3

static void test_fork_children_killed(void **state)
{
	(void)state;
	struct kmm_machine *m = boot("quiet mem=32M nr_cpus=3");
	char paths[2][128];
	const unsigned long mb[2] = { 8, 24 };
	struct baseline b;

	swap_file(paths[0], sizeof(paths[0]), "fork-a");
	swap_file(paths[1], sizeof(paths[1]), "fork-b");
	take_baseline(m, paths, mb, 2, &b);
	assert_int_equal(kmm_swapon(m, paths[0], 10), 0);
	assert_int_equal(kmm_swapon(m, paths[1], 1), 0);

	struct kmm_task *tp = kmm_task_spawn(m, "parent");
	struct region parent;
	map_region(&parent, tp, SHARED_PAGES, 1000, false);
	fill_region(m, &parent);

	/* the protected child and the expendable ones, each with a slice of its own */
	struct kmm_task *tc0;
	assert_int_equal(kmm_task_fork(tp, "keeper-child", &tc0), 0);
	set_adj(m, tc0, -1000);
	struct region child0 = parent;
	child0.t = tc0;
	child0.tags = malloc(SHARED_PAGES * sizeof(uint64_t));
	for (unsigned p = 0; p < SHARED_PAGES; p++)
		child0.tags[p] = p < SLICE ? 1001 : parent.tag;
	for (unsigned p = 0; p < SLICE; p++)
		assert_int_equal(write_page(tc0, child0.base, 1001, p), 0);

	struct region kid[NR_KIDS], grow[NR_KIDS];
	for (int i = 0; i < NR_KIDS; i++) {
		struct kmm_task *t;

		assert_int_equal(kmm_task_fork(tp, "child", &t), 0);
		set_adj(m, t, 500);
		kid[i] = parent;
		kid[i].t = t;
		kid[i].tags = malloc(SHARED_PAGES * sizeof(uint64_t));
		for (unsigned p = 0; p < SHARED_PAGES; p++) {
			bool own = p >= (unsigned)(i + 1) * SLICE && p < (unsigned)(i + 2) * SLICE;

			kid[i].tags[p] = own ? 1010 + (uint64_t)i : parent.tag;
			if (own)
				assert_int_equal(write_page(t, kid[i].base, kid[i].tags[p], p), 0);
		}
		map_region(&grow[i], t, GROW_PAGES, 1020 + (uint64_t)i, true);
	}

	/* the parent and the protected child are read all along, from another CPU */
	struct reader rd = { .m = m, .cpu = 1, .r = { &parent, &child0 }, .nr = 2 };
	pthread_t th_r;
	assert_int_equal(pthread_create(&th_r, NULL, reader_fn, &rd), 0);

	/* the children grow and read shared pages (from swap, soon) until killed */
	uint64_t rnd = 0x2545F4914F6CDD1DULL;
	int alive = NR_KIDS;
	bool dead[NR_KIDS] = { false };
	unsigned enomem = 0, shared_reads = 0;
	while (alive) {
		for (int i = 0; i < NR_KIDS; i++) {
			if (dead[i])
				continue;
			struct kmm_task *t = kid[i].t;

			if (grow[i].written == grow[i].pages) {
				show_log_tail(m, 6000);
				fail_msg("child %d wrote %u pages and lives", i, grow[i].pages);
			}
			int ret = write_page(t, grow[i].base, grow[i].tag, grow[i].written);
			if (!ret) {
				grow[i].written++;
				rnd ^= rnd << 13;
				rnd ^= rnd >> 7;
				rnd ^= rnd << 17;
				unsigned p = (unsigned)(rnd % SHARED_PAGES);
				ret = check_page(t, kid[i].base, kid[i].tags[p], p, false);
				if (ret > 0 && !kmm_task_signal(t))
					fail_msg("child %d: shared page %u differs", i, p);
				shared_reads++;
			}
			if (!ret)
				continue;
			if (kmm_task_signal(t) == KMM_SIGKILL) {
				dead[i] = true;
				alive--;
			} else if (ret != -KMM_ENOMEM || ++enomem > 100) {
				show_log_tail(m, 6000);
				fail_msg("child %d: %d, signal %d", i, ret, kmm_task_signal(t));
			}
		}
	}
	atomic_store(&rd.stop, 1);
	pthread_join(th_r, NULL);
	print_message("children grew %u, %u, %u pages; %u shared reads; reader %lu pages, "
		      "error %d; %d kills; pswpin %lu\n",
		      grow[0].written, grow[1].written, grow[2].written, shared_reads,
		      atomic_load(&rd.progress), rd.err, victim_count(), vmstat(m, "pswpin"));
	assert_int_equal(rd.err, 0);
	assert_int_equal(rd.bad_alive, 0);
	assert_true(atomic_load(&rd.progress) > 0);
	assert_int_equal(victim_count(), NR_KIDS);
	for (int i = 0; i < NR_KIDS; i++) {
		bool found = false;

		for (int v = 0; v < NR_KIDS; v++)
			found |= victim(v) == kmm_task_pid(kid[i].t);
		assert_true(found);
	}
	assert_int_equal(kmm_task_signal(tp), 0);
	assert_int_equal(kmm_task_signal(tc0), 0);
	check_anon_on_lru(m, "after the kills");
	check_region(m, &parent);
	check_region(m, &child0);
	/* the first device goes with the survivors alive: their pages come back */
	assert_int_equal(kmm_swapoff(m, paths[0]), 0);
	check_region(m, &parent);
	check_region(m, &child0);
	for (int i = 0; i < NR_KIDS; i++) {
		kmm_task_exit(kid[i].t);
		free(kid[i].tags);
	}
	kmm_task_exit(tc0);
	kmm_task_exit(tp);
	free(child0.tags);
	check_recovered(m, paths + 1, 1, &b);
	machine_down(m, paths, 2);
}

/* ---- setup -------------------------------------------------------------------------------- */

static int group_setup(void **state)
{
	(void)state;
	return kmm_test_mkdtemp(tmpdir, sizeof(tmpdir), "kmm-oom-");
}

static int group_teardown(void **state)
{
	(void)state;
	return kmm_test_rmtree(tmpdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_swap_too_small),
		cmocka_unit_test(test_kill_during_swapin),
		cmocka_unit_test(test_fork_children_killed),
	};
	/* KMM_TEST_FILTER=test_kill_during_swapin runs one test (a pattern, as cmocka's) */
	if (getenv("KMM_TEST_FILTER"))
		cmocka_set_test_filter(getenv("KMM_TEST_FILTER"));
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
