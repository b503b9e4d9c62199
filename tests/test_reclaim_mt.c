/* SPDX-License-Identifier: MIT */
/*
 * tests/test_reclaim_mt.c - kswapd and direct reclaim racing from several
 * CPU slots (run under TSan in CI).
 *
 * Four host threads, each bound to its own CPU slot, write whole pages of
 * checksummed patterns (a tag naming the region, page and version, then
 * words derived from it) into memory worth ~2.4x the machine's RAM, with
 * two swap files in a temporary directory:
 *
 *   W0       task A: anonymous memory and the lower half of a MAP_SHARED
 *            host file
 *   W1, W2   task B, one mm shared by both threads (each owns half of its
 *            anonymous region; W1 also owns the upper half of the file,
 *            which B maps too, so every file page has two mms in its rmap);
 *            both munmap/mmap and mprotect their own ranges now and then
 *   W3       the troublemaker, task C: anonymous memory and a memfd (shmem)
 *            mapped shared; it forks C (the child lives on, sharing
 *            swapped pages copy-on-write, until the next fork), forks A
 *            and B while their threads write (a child page must be a whole
 *            valid page: never torn), munmaps/mmaps, mprotects, madvises
 *            DONTNEED, writes 3 to /proc/sys/vm/drop_caches, and swaps the
 *            high-priority swap file off and on again while it holds pages.
 *
 * Every read is compared with what the page must hold: zero mismatches.
 * At the end the counters show that kswapd and direct reclaim both
 * reclaimed, the host file holds what was written, every slot still used
 * once all tasks are gone belongs to a swap-cache page, both swapoffs
 * succeed, SwapFree == SwapTotal, and the buddy allocator has every page
 * back that it had before the test.
 *
 * KMM_RECLAIM_MT_SCALE=N multiplies the random phase (a longer soak).
 */
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include "kmm_test.h"
#include "mm/swapfile.h"
#include "mm/vma.h"
#include "mm/vmscan.h"

#define PG 4096ULL
#define WORDS (PG / 8)

/* memory: mem=32M is ~7960 pages; the regions total ~19400 pages */
#define MACHINE "quiet mem=32M nr_cpus=7"
#define A_PAGES 5200
#define B_HALF 4000 /* W1 and W2 each own this many pages of B */
#define C_PAGES 4000
#define F_PAGES 2048 /* the shared host file, 8 MiB */
#define S_PAGES 192  /* the memfd (shmem is not swapped: keep it small) */
#define SWAP1_MB 24  /* priority 5: fills first, swapped off and on */
#define SWAP2_MB 128 /* priority 1: holds everything while swap1 is off */

#define NR_WORKERS 4
#define RANDOM_OPS 24000 /* per presser thread (W0..W2) */
#define MIN_FORKS 6
#define MIN_SWAPOFFS 2
#define MIN_DROPS 3

/* region ids, in the tags */
enum { R_A, R_B1, R_B2, R_C, R_FILE, R_SHM, NR_REGIONS };
static const char *const region_name[] = { "A", "B1", "B2", "C", "file", "shmem" };

static struct kmm_machine *M;
static char tmpdir[64], swap1[96], swap2[96], fpath[96];
static atomic_int presser_done, stop;
static atomic_ulong progress; /* random operations of the pressers so far */
/* per region: odd while a run of it is unmapped (munmap .. mmap MAP_FIXED) */
static atomic_uint remap_seq[NR_REGIONS];
static atomic_ulong n_mismatch, n_error, n_reads, n_writes, n_forks, n_swapoffs, n_drops,
	n_child_pages;
static pthread_mutex_t msg_lock = PTHREAD_MUTEX_INITIALIZER;
static char first_msg[1024];

/* The kernel's side of the story: the end of the machine's log. */
static void dump_log(const char *why)
{
	static char log[1 << 16];
	size_t n = kmm_log_read(M, log, sizeof(log) - 1);
	log[n] = 0;
	fprintf(stderr, "---- log (%s) ----\n%s\n-------------\n", why,
		n > 6000 ? log + n - 6000 : log);
}

static void report(atomic_ulong *counter, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	atomic_fetch_add(counter, 1);
	pthread_mutex_lock(&msg_lock);
	bool first = !first_msg[0];
	if (first)
		snprintf(first_msg, sizeof(first_msg), "%s", buf);
	pthread_mutex_unlock(&msg_lock);
	fprintf(stderr, "test_reclaim_mt: %s\n", buf);
	if (first)
		dump_log("first failure");
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* ---- patterns ------------------------------------------------------------------------ */

static uint64_t make_tag(unsigned rid, unsigned page, uint32_t ver)
{
	return ver ? ((uint64_t)ver << 32) | ((uint64_t)rid << 24) | page : 0;
}

/* A whole page for @tag: the tag, then a splitmix64 stream seeded by it. */
static void pattern(uint64_t *w, uint64_t tag)
{
	if (!tag) {
		memset(w, 0, PG);
		return;
	}
	uint64_t x = tag;
	w[0] = tag;
	for (unsigned i = 1; i < WORDS; i++) {
		uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
		z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
		z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
		w[i] = z ^ (z >> 31);
	}
}

/* The page holds the whole pattern of its own tag (or zeros): the first bad word, or -1. */
static int self_consistent(const uint64_t *w, uint64_t *scratch)
{
	pattern(scratch, w[0]);
	for (unsigned i = 0; i < WORDS; i++)
		if (w[i] != scratch[i])
			return (int)i;
	return -1;
}

struct region {
	struct kmm_task *t; /* the task whose address space is used */
	uint64_t base;
	unsigned pages;
	unsigned rid;
	unsigned first; /* page index of base in the tag (file halves) */
	uint32_t *ver;	/* the model: per page, 0 (zeros) or the last version */
};

struct worker {
	int id;
	uint64_t rng;
	atomic_uint seq; /* versions written so far (read by W3's fork checks) */
	struct region *reg[2];
	int nreg;
	uint64_t buf[WORDS], exp[WORDS];
	pthread_t th;
};

static struct worker W[NR_WORKERS];
static struct region ra, rb1, rb2, rc, rfa, rfb, rs;
static struct kmm_task *TA, *TB, *TC;

static bool write_page(struct worker *w, struct region *r, unsigned p, uint32_t *ver)
{
	uint32_t v = atomic_fetch_add_explicit(&w->seq, 1, memory_order_relaxed) + 1;
	pattern(w->buf, make_tag(r->rid, r->first + p, v));
	int ret = kmm_access(r->t, r->base + p * PG, w->buf, PG, KMM_ACCESS_WRITE);
	if (ret) {
		report(&n_error, "W%d: write %s page %u (task %d): %d, signal %d", w->id,
		       region_name[r->rid], p, kmm_task_pid(r->t), ret, kmm_task_signal(r->t));
		return false;
	}
	(ver ? ver : r->ver)[p] = v;
	atomic_fetch_add_explicit(&n_writes, 1, memory_order_relaxed);
	return true;
}

/* Read page @p of @r in task @t and compare it with version @v. */
static bool check_page_in(struct worker *w, struct kmm_task *t, struct region *r, unsigned p,
			  uint32_t v)
{
	uint64_t tag = make_tag(r->rid, r->first + p, v);
	int ret = kmm_access(t, r->base + p * PG, w->buf, PG, KMM_ACCESS_READ);
	atomic_fetch_add_explicit(&n_reads, 1, memory_order_relaxed);
	if (ret) {
		report(&n_error, "W%d: read %s page %u (task %d): %d, signal %d", w->id,
		       region_name[r->rid], p, kmm_task_pid(t), ret, kmm_task_signal(t));
		return false;
	}
	pattern(w->exp, tag);
	for (unsigned i = 0; i < WORDS; i++)
		if (w->buf[i] != w->exp[i]) {
			report(&n_mismatch,
			       "W%d: mismatch: task %d %s page %u (addr %#llx) word %u: expected "
			       "tag %#llx (word %#llx), found tag %#llx (word %#llx)%s",
			       w->id, kmm_task_pid(t), region_name[r->rid], p,
			       (unsigned long long)(r->base + p * PG), i, (unsigned long long)tag,
			       (unsigned long long)w->exp[i], (unsigned long long)w->buf[0],
			       (unsigned long long)w->buf[i],
			       self_consistent(w->buf, w->exp) < 0 ? " (a whole other page)" :
								     " (torn)");
			return false;
		}
	return true;
}

static bool verify_page(struct worker *w, struct region *r, unsigned p)
{
	return check_page_in(w, r->t, r, p, r->ver[p]);
}

/* A skewed choice: a hot eighth three times out of four. */
static unsigned pick(struct worker *w, unsigned pages)
{
	return (rnd(&w->rng) % 4) ? (unsigned)(rnd(&w->rng) % (pages / 8)) :
				    (unsigned)(rnd(&w->rng) % pages);
}

/* munmap a run and map it again: zeros */
static void remap_run(struct worker *w, struct region *r, uint32_t *ver)
{
	unsigned n = 1 + (unsigned)(rnd(&w->rng) % 32);
	unsigned p = (unsigned)(rnd(&w->rng) % (r->pages - n));
	uint64_t a = r->base + p * PG;
	atomic_fetch_add(&remap_seq[r->rid], 1);
	int ret = kmm_munmap(r->t, a, n * PG);
	long got = ret ? ret :
			 kmm_mmap(r->t, a, n * PG, KMM_PROT_READ | KMM_PROT_WRITE,
				  KMM_MAP_PRIVATE | KMM_MAP_ANONYMOUS | KMM_MAP_FIXED, -1, 0);
	atomic_fetch_add(&remap_seq[r->rid], 1);
	if (got != (long)a) {
		report(&n_error, "W%d: munmap/mmap %s %#llx+%u pages: %ld", w->id,
		       region_name[r->rid], (unsigned long long)a, n, got);
		return;
	}
	memset((ver ? ver : r->ver) + p, 0, n * sizeof(uint32_t));
}

/* read-only, every page checked, writable again */
static void protect_run(struct worker *w, struct region *r)
{
	unsigned n = 8;
	unsigned p = (unsigned)(rnd(&w->rng) % (r->pages - n));
	uint64_t a = r->base + p * PG;
	int ret = kmm_mprotect(r->t, a, n * PG, KMM_PROT_READ);
	if (ret) {
		report(&n_error, "W%d: mprotect %s: %d", w->id, region_name[r->rid], ret);
		return;
	}
	for (unsigned i = 0; i < n; i++)
		verify_page(w, r, p + i);
	ret = kmm_mprotect(r->t, a, n * PG, KMM_PROT_READ | KMM_PROT_WRITE);
	if (ret)
		report(&n_error, "W%d: mprotect back %s: %d", w->id, region_name[r->rid], ret);
}

/* one random operation on region @r */
static void random_op(struct worker *w, struct region *r, bool vm_ops)
{
	unsigned x = (unsigned)(rnd(&w->rng) % 1000);
	if (vm_ops && x < 3) {
		remap_run(w, r, NULL);
		return;
	}
	if (vm_ops && x < 6) {
		protect_run(w, r);
		return;
	}
	unsigned p = pick(w, r->pages);
	if (x < 500)
		write_page(w, r, p, NULL);
	else
		verify_page(w, r, p);
}

static void bind_cpu(struct worker *w)
{
	int cpu = kmm_cpu_enter(M, w->id);
	if (cpu != w->id)
		report(&n_error, "W%d: kmm_cpu_enter: %d", w->id, cpu);
}

static unsigned long scale(void)
{
	const char *s = getenv("KMM_RECLAIM_MT_SCALE");
	unsigned long n = s ? strtoul(s, NULL, 10) : 1;
	return n ? n : 1;
}

/* W0..W2: fill every page, random reads and writes, a final sweep */
static void *presser(void *arg)
{
	struct worker *w = arg;
	bind_cpu(w);
	for (int i = 0; i < w->nreg; i++)
		for (unsigned p = 0; p < w->reg[i]->pages; p++)
			write_page(w, w->reg[i], p, NULL);
	unsigned long ops = RANDOM_OPS * scale();
	for (unsigned long n = 0; n < ops && !atomic_load(&stop); n++) {
		struct region *r = w->reg[rnd(&w->rng) % 4 == 0 ? w->nreg - 1 : 0];
		random_op(w, r, r->rid != R_FILE && w->id != 0);
		atomic_fetch_add_explicit(&progress, 1, memory_order_relaxed);
	}
	for (int i = 0; i < w->nreg; i++)
		for (unsigned p = 0; p < w->reg[i]->pages; p++)
			verify_page(w, w->reg[i], p);
	kmm_cpu_leave(M);
	atomic_fetch_add(&presser_done, 1);
	return NULL;
}

/* ---- W3 -------------------------------------------------------------------------------- */

static unsigned long swap_used_kb(const char *path)
{
	char buf[4096];
	long n = kmm_proc_read(M, "/proc/swaps", buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	char *l = strstr(buf, path);
	unsigned long size = 0, used = 0;
	if (l)
		sscanf(l + strlen(path), " file %lu %lu", &size, &used);
	return used;
}

/*
 * Fork task @t while its threads write it: each sampled page of the child
 * must be zeros or a whole page of the region, of a version its writer
 * had written by the time we look (a torn page would be a TLB shoot-down
 * that missed a writer).
 */
static void fork_foreign(struct worker *w, struct kmm_task *t, struct region **regs, int nregs,
			 struct worker **writers)
{
	struct kmm_task *child;
	unsigned seq0[4], stable = 0;
	for (int i = 0; i < nregs; i++)
		seq0[i] = atomic_load(&remap_seq[regs[i]->rid]);
	int ret = kmm_task_fork(t, "snap", &child);
	if (ret) {
		report(&n_error, "W3: fork of task %d: %d", kmm_task_pid(t), ret);
		return;
	}
	atomic_fetch_add(&n_forks, 1);
	/* a region whose writer was between munmap and mmap may have a hole */
	for (int i = 0; i < nregs; i++)
		if (!(seq0[i] & 1) && atomic_load(&remap_seq[regs[i]->rid]) == seq0[i])
			stable |= 1u << i;
	for (int k = 0; k < 48 && stable; k++) {
		int i = (int)(rnd(&w->rng) % (unsigned)nregs);
		if (!(stable & (1u << i)))
			continue;
		struct region *r = regs[i];
		unsigned p = (unsigned)(rnd(&w->rng) % r->pages);
		ret = kmm_access(child, r->base + p * PG, w->buf, PG, KMM_ACCESS_READ);
		if (ret) {
			report(&n_error, "W3: read child of %d at %s page %u: %d", kmm_task_pid(t),
			       region_name[r->rid], p, ret);
			break;
		}
		uint32_t latest = atomic_load(&writers[i]->seq);
		uint64_t tag = w->buf[0];
		int bad = self_consistent(w->buf, w->exp);
		bool ok = bad < 0 &&
			  (!tag ||
			   ((tag & 0xffffffffULL) == (((uint64_t)r->rid << 24) | (r->first + p)) &&
			    (tag >> 32) <= latest));
		if (!ok)
			report(&n_mismatch,
			       "W3: child of task %d: %s page %u: tag %#llx (writer at %u), word "
			       "%d wrong",
			       kmm_task_pid(t), region_name[r->rid], p, (unsigned long long)tag,
			       latest, bad);
		atomic_fetch_add(&n_child_pages, 1);
	}
	kmm_task_exit(child);
}

static void troublemaker_run(struct worker *w)
{
	struct kmm_task *child = NULL;
	uint32_t *cver = calloc(C_PAGES, sizeof(uint32_t)); /* the child's model of C */
	/* (not the shared file: a read through another mapping may see a
	 * write in progress, as on any machine) */
	struct region *ar[] = { &ra }, *br[] = { &rb1, &rb2 };
	struct worker *aw[] = { &W[0] }, *bw[] = { &W[1], &W[2] };
	unsigned long forks = 0, swapoffs = 0, drops = 0, n = 0, extra = 0;

	for (unsigned p = 0; p < rc.pages; p++)
		write_page(w, &rc, p, NULL);
	for (unsigned p = 0; p < rs.pages; p++)
		write_page(w, &rs, p, NULL);
	for (;;) {
		bool pressers_done = atomic_load(&presser_done) == NR_WORKERS - 1;
		if (atomic_load(&stop) || (pressers_done && forks >= MIN_FORKS &&
					   swapoffs >= MIN_SWAPOFFS && drops >= MIN_DROPS))
			break;
		if (pressers_done && ++extra > 20000) {
			report(&n_error, "W3: %lu forks, %lu swapoffs after the pressers were done",
			       forks, swapoffs);
			break;
		}
		n++;
		unsigned x = (unsigned)(rnd(&w->rng) % 1000);
		if (x < 2 || (pressers_done && forks < MIN_FORKS)) {
			/* a new child of C: the old one goes (its COW copies with it) */
			if (child) {
				for (int k = 0; k < 16; k++) {
					unsigned p = pick(w, rc.pages);
					check_page_in(w, child, &rc, p, cver[p]);
				}
				kmm_task_exit(child);
				child = NULL;
			}
			int ret = kmm_task_fork(TC, "child", &child);
			if (ret) {
				report(&n_error, "W3: fork: %d", ret);
				child = NULL;
			} else {
				memcpy(cver, rc.ver, C_PAGES * sizeof(uint32_t));
				atomic_fetch_add(&n_forks, 1);
			}
			forks++;
			continue;
		}
		if (x < 4) {
			fork_foreign(w, TA, ar, 1, aw);
			continue;
		}
		if (x < 6) {
			fork_foreign(w, TB, br, 2, bw);
			continue;
		}
		if (x < 9) {
			remap_run(w, &rc, NULL);
			continue;
		}
		if (x < 12) {
			protect_run(w, &rc);
			continue;
		}
		if (x < 14) {
			/* MADV_DONTNEED: zeros (swap slots freed with the PTEs) */
			unsigned k = 1 + (unsigned)(rnd(&w->rng) % 32);
			unsigned p = (unsigned)(rnd(&w->rng) % (rc.pages - k));
			int ret = kmm_madvise(TC, rc.base + p * PG, k * PG, KMM_MADV_DONTNEED);
			if (ret)
				report(&n_error, "W3: madvise: %d", ret);
			else
				memset(rc.ver + p, 0, k * sizeof(uint32_t));
			continue;
		}
		if (x < 16 || (pressers_done && drops < MIN_DROPS)) {
			int ret = kmm_proc_write(M, "/proc/sys/vm/drop_caches", "3\n", 2);
			if (ret)
				report(&n_error, "W3: drop_caches: %d", ret);
			atomic_fetch_add(&n_drops, 1);
			drops++;
			continue;
		}
		/* at 1/3 and 2/3 of the pressers' random phase (or once they are
		 * done), while swap1 holds pages */
		if (swapoffs < MIN_SWAPOFFS &&
		    (pressers_done || atomic_load(&progress) * 3 >= (swapoffs + 1) *
									    (NR_WORKERS - 1) *
									    RANDOM_OPS * scale()) &&
		    (n % 16 == 0 || pressers_done) && swap_used_kb(swap1) > 0) {
			/* swapoff while swap1 holds pages (they come back in, others go
			 * out to swap2), then swapon again */
			int ret = kmm_swapoff(M, swap1);
			if (ret) {
				report(&n_error, "W3: swapoff %s: %d", swap1, ret);
				atomic_store(&stop, 1);
				continue;
			}
			ret = kmm_swapon(M, swap1, 5);
			if (ret) {
				report(&n_error, "W3: swapon %s again: %d", swap1, ret);
				atomic_store(&stop, 1);
				continue;
			}
			swapoffs++;
			atomic_fetch_add(&n_swapoffs, 1);
			continue;
		}
		if (x < 100) {
			/* the shared memfd, from the parent or the child */
			unsigned p = (unsigned)(rnd(&w->rng) % rs.pages);
			struct kmm_task *t = child && (x & 1) ? child : TC;
			if (x & 2) {
				uint32_t v = atomic_fetch_add(&w->seq, 1) + 1;
				pattern(w->buf, make_tag(R_SHM, p, v));
				int ret = kmm_access(t, rs.base + p * PG, w->buf, PG,
						     KMM_ACCESS_WRITE);
				if (ret)
					report(&n_error, "W3: write shmem page %u: %d", p, ret);
				else
					rs.ver[p] = v;
			} else {
				check_page_in(w, t, &rs, p, rs.ver[p]);
			}
			continue;
		}
		if (child && x < 400) {
			/* the child: its own copy of C */
			unsigned p = pick(w, rc.pages);
			if (x & 1) {
				struct region cr = rc;
				cr.t = child;
				write_page(w, &cr, p, cver);
			} else {
				check_page_in(w, child, &rc, p, cver[p]);
			}
			continue;
		}
		random_op(w, &rc, false);
	}
	if (child) {
		for (unsigned p = 0; p < rc.pages; p++)
			check_page_in(w, child, &rc, p, cver[p]);
		kmm_task_exit(child);
	}
	for (unsigned p = 0; p < rc.pages; p++)
		verify_page(w, &rc, p);
	for (unsigned p = 0; p < rs.pages; p++)
		verify_page(w, &rs, p);
	free(cver);
}

static void *troublemaker(void *arg)
{
	struct worker *w = arg;
	bind_cpu(w);
	troublemaker_run(w);
	kmm_cpu_leave(M);
	return NULL;
}

/* ---- the test ------------------------------------------------------------------------ */

/* /proc/vmstat: the counter @name, or with @prefix the sum of every
 * counter named @name_... (allocstall_dma, allocstall_normal, ...) */
static unsigned long vmstat_sum(const char *name, bool prefix)
{
	static char buf[1 << 15];
	long n = kmm_proc_read(M, "/proc/vmstat", buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = 0;
	unsigned long sum = 0;
	size_t len = strlen(name);
	for (char *l = buf; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		if (!strncmp(l, name, len) && (l[len] == ' ' || (prefix && l[len] == '_')))
			sum += strtoul(strchr(l, ' ') + 1, NULL, 10);
	return sum;
}

static unsigned long vmstat(const char *name)
{
	return vmstat_sum(name, false);
}

static unsigned long meminfo_kb(const char *name)
{
	static char buf[1 << 14];
	long n = kmm_proc_read(M, "/proc/meminfo", buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = 0;
	char *p = strstr(buf, name);
	assert_non_null(p);
	return strtoul(p + strlen(name) + 1, NULL, 10);
}

/* kswapd and the flusher borrow a CPU slot while they work: wait until
 * only ours is taken */
static void wait_kthreads_idle(void)
{
	for (int i = 0; i < 5000; i++) {
		int busy = 0;
		for (int c = 0; c < M->nr_cpu_ids; c++)
			busy += c != kmm_cpu_current(M) && atomic_load(&M->cpus[c].owner) != 0;
		if (!busy)
			return;
		usleep(1000);
	}
	fail_msg("kernel threads still busy");
}

static long settled_free_pages(void)
{
	lru_add_drain_all(M);
	assert_int_equal(kmm_proc_write(M, "/proc/sys/vm/drop_caches", "3\n", 2), 0);
	kmm_drain_all_pages(M);
	return total_free_pages(M);
}

static long anon_region(struct kmm_task *t, unsigned pages)
{
	long a = kmm_mmap(t, 0, pages * PG, KMM_PROT_READ | KMM_PROT_WRITE,
			  KMM_MAP_PRIVATE | KMM_MAP_ANONYMOUS, -1, 0);
	assert_true(a > 0);
	return a;
}

static void region_init(struct region *r, struct kmm_task *t, uint64_t base, unsigned pages,
			unsigned rid, unsigned first)
{
	r->t = t;
	r->base = base;
	r->pages = pages;
	r->rid = rid;
	r->first = first;
	r->ver = calloc(pages, sizeof(uint32_t));
	assert_non_null(r->ver);
}

static void test_reclaim_race(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/kmm-reclaim-mt-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	snprintf(swap1, sizeof(swap1), "%s/swap1", tmpdir);
	snprintf(swap2, sizeof(swap2), "%s/swap2", tmpdir);
	snprintf(fpath, sizeof(fpath), "%s/file", tmpdir);
	int hfd = open(fpath, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(hfd >= 0);
	assert_int_equal(ftruncate(hfd, F_PAGES * PG), 0);
	close(hfd);

	*kmm_port_tls_slot() = NULL;
	M = test_boot(MACHINE, NULL);
	assert_int_equal(kmm_cpu_enter(M, 0), 0);
	unsigned long ram_kb = meminfo_kb("MemTotal:");
	assert_int_equal(kmm_mkswap(swap1, (uint64_t)SWAP1_MB << 20), 0);
	assert_int_equal(kmm_mkswap(swap2, (uint64_t)SWAP2_MB << 20), 0);
	/* what stays once swap was used: the swap_info of each type (kept
	 * for reuse, as Linux) and the page tables of the vmalloc area */
	assert_int_equal(kmm_swapon(M, swap1, 5), 0);
	assert_int_equal(kmm_swapon(M, swap2, 1), 0);
	assert_int_equal(kmm_swapoff(M, swap1), 0);
	assert_int_equal(kmm_swapoff(M, swap2), 0);
	long free0 = settled_free_pages();
	assert_int_equal(kmm_swapon(M, swap1, 5), 0);
	assert_int_equal(kmm_swapon(M, swap2, 1), 0);

	/* A: anonymous memory and the whole file (W0 writes the lower half) */
	TA = kmm_task_spawn(M, "press-a");
	assert_non_null(TA);
	region_init(&ra, TA, (uint64_t)anon_region(TA, A_PAGES), A_PAGES, R_A, 0);
	int fd = kmm_open(TA, fpath, KMM_O_RDWR);
	assert_true(fd >= 0);
	long fa = kmm_mmap(TA, 0, F_PAGES * PG, KMM_PROT_READ | KMM_PROT_WRITE, KMM_MAP_SHARED, fd,
			   0);
	assert_true(fa > 0);
	region_init(&rfa, TA, (uint64_t)fa, F_PAGES / 2, R_FILE, 0);
	/* B: one mm for W1 and W2, and the file again (W1 writes the upper half) */
	TB = kmm_task_spawn(M, "press-b");
	assert_non_null(TB);
	/* one VMA larger than RAM (the overcommit heuristic counts swap) */
	uint64_t b = (uint64_t)anon_region(TB, 2 * B_HALF);
	region_init(&rb1, TB, b, B_HALF, R_B1, 0);
	region_init(&rb2, TB, b + B_HALF * PG, B_HALF, R_B2, 0);
	fd = kmm_open(TB, fpath, KMM_O_RDWR);
	assert_true(fd >= 0);
	long fb = kmm_mmap(TB, 0, F_PAGES * PG, KMM_PROT_READ | KMM_PROT_WRITE, KMM_MAP_SHARED, fd,
			   0);
	assert_true(fb > 0);
	region_init(&rfb, TB, (uint64_t)fb + F_PAGES / 2 * PG, F_PAGES / 2, R_FILE, F_PAGES / 2);
	/* C: anonymous memory and a memfd */
	TC = kmm_task_spawn(M, "trouble");
	assert_non_null(TC);
	region_init(&rc, TC, (uint64_t)anon_region(TC, C_PAGES), C_PAGES, R_C, 0);
	fd = kmm_memfd_create(TC, "reclaim-mt", S_PAGES * PG);
	assert_true(fd >= 0);
	long sa = kmm_mmap(TC, 0, S_PAGES * PG, KMM_PROT_READ | KMM_PROT_WRITE, KMM_MAP_SHARED, fd,
			   0);
	assert_true(sa > 0);
	region_init(&rs, TC, (uint64_t)sa, S_PAGES, R_SHM, 0);

	unsigned long total = A_PAGES + 2 * B_HALF + C_PAGES + F_PAGES + S_PAGES;
	print_message("machine: %lu kB; regions: %lu kB (%.1fx)\n", ram_kb, total * 4,
		      (double)total * 4 / (double)ram_kb);

	memset(W, 0, sizeof(W));
	struct region *regs[NR_WORKERS][2] = {
		{ &ra, &rfa }, { &rb1, &rfb }, { &rb2, NULL }, { &rc, NULL }
	};
	for (int i = 0; i < NR_WORKERS; i++) {
		W[i].id = i;
		W[i].rng = 0x9E3779B97F4A7C15ULL * (uint64_t)(i + 1) + 12345;
		W[i].reg[0] = regs[i][0];
		W[i].reg[1] = regs[i][1];
		W[i].nreg = regs[i][1] ? 2 : 1;
	}
	atomic_store(&presser_done, 0);
	atomic_store(&progress, 0);
	atomic_store(&stop, 0);
	kmm_cpu_leave(M);
	for (int i = 0; i < NR_WORKERS; i++)
		assert_int_equal(pthread_create(&W[i].th, NULL,
						i == NR_WORKERS - 1 ? troublemaker : presser,
						&W[i]),
				 0);
	for (int i = 0; i < NR_WORKERS; i++)
		pthread_join(W[i].th, NULL);
	assert_int_equal(kmm_cpu_enter(M, 0), 0);

	unsigned long steal_k = vmstat("pgsteal_kswapd"), steal_d = vmstat("pgsteal_direct");
	unsigned long stalls = vmstat_sum("allocstall", true), out = vmstat("pswpout"),
		      in = vmstat("pswpin");
	print_message("reads %lu, writes %lu, forks %lu (%lu child pages checked), swapoffs "
		      "%lu, drop_caches %lu\n",
		      atomic_load(&n_reads), atomic_load(&n_writes), atomic_load(&n_forks),
		      atomic_load(&n_child_pages), atomic_load(&n_swapoffs), atomic_load(&n_drops));
	print_message("pgsteal_kswapd %lu, pgsteal_direct %lu, allocstall %lu, pgscan_kswapd "
		      "%lu, pgscan_direct %lu, pswpout %lu, pswpin %lu, pageoutrun %lu, "
		      "oom_kill %lu\n",
		      steal_k, steal_d, stalls, vmstat("pgscan_kswapd"), vmstat("pgscan_direct"),
		      out, in, vmstat("pageoutrun"), vmstat("oom_kill"));
	if (first_msg[0])
		print_message("first failure: %s\n", first_msg);
	if (atomic_load(&M->nr_bad_pages))
		dump_log("bad page reports");
	assert_int_equal(atomic_load(&M->nr_bad_pages), 0);
	assert_int_equal(atomic_load(&n_mismatch), 0);
	assert_int_equal(atomic_load(&n_error), 0);
	assert_true(atomic_load(&n_swapoffs) >= MIN_SWAPOFFS);
	assert_true(atomic_load(&n_forks) >= MIN_FORKS);
	assert_true(steal_k > 0);
	assert_true(steal_d > 0);
	assert_true(stalls > 0);
	assert_true(out > total / 2);
	assert_true(in > 0);
	assert_int_equal(vmstat("oom_kill"), 0);

	/* the file, through A, and on the host after msync */
	struct worker *w = &W[0];
	struct region whole = rfa;
	whole.pages = F_PAGES;
	whole.ver = calloc(F_PAGES, sizeof(uint32_t));
	memcpy(whole.ver, rfa.ver, F_PAGES / 2 * sizeof(uint32_t));
	memcpy(whole.ver + F_PAGES / 2, rfb.ver, F_PAGES / 2 * sizeof(uint32_t));
	for (unsigned p = 0; p < F_PAGES; p++)
		verify_page(w, &whole, p);
	assert_int_equal(atomic_load(&n_mismatch) + atomic_load(&n_error), 0);
	assert_int_equal(kmm_msync(TA, whole.base, F_PAGES * PG, KMM_MS_SYNC), 0);
	hfd = open(fpath, O_RDONLY);
	assert_true(hfd >= 0);
	for (unsigned p = 0; p < F_PAGES; p++) {
		assert_int_equal(pread(hfd, w->buf, PG, (off_t)(p * PG)), (ssize_t)PG);
		pattern(w->exp, make_tag(R_FILE, p, whole.ver[p]));
		if (memcmp(w->buf, w->exp, PG))
			fail_msg("host file page %u: tag %#llx, expected %#llx", p,
				 (unsigned long long)w->buf[0], (unsigned long long)w->exp[0]);
	}
	close(hfd);
	free(whole.ver);
	assert_int_equal(kmm_task_signal(TA), 0);
	assert_int_equal(kmm_task_signal(TB), 0);
	assert_int_equal(kmm_task_signal(TC), 0);

	/* everything goes: the slots still used are the swap cache's, no more */
	kmm_task_exit(TA);
	kmm_task_exit(TB);
	kmm_task_exit(TC);
	lru_add_drain_all(M);
	wait_kthreads_idle();
	struct swap_state *ss = swap_state(M);
	unsigned long cache_only = 0;
	for (int type = 0; type < MAX_SWAPFILES; type++) {
		struct swap_info_struct *si = ss->swap_info[type];
		if (!si || !(atomic_load(&si->flags) & SWP_WRITEOK))
			continue;
		spin_lock(&si->lock);
		for (unsigned long o = 1; o < si->max; o++) {
			uint16_t c = si->swap_map[o];
			if (c == SWAP_MAP_BAD || !c)
				continue;
			if (c != SWAP_HAS_CACHE)
				fail_msg("%s: slot %lu has count %#x with every task gone",
					 si->path, o, c);
			cache_only++;
		}
		spin_unlock(&si->lock);
	}
	unsigned long swap_total = meminfo_kb("SwapTotal:"), swap_free = meminfo_kb("SwapFree:"),
		      swap_cached = meminfo_kb("SwapCached:");
	print_message("after exit: SwapTotal %lu kB, SwapFree %lu kB, SwapCached %lu kB, %lu "
		      "cache-only slots\n",
		      swap_total, swap_free, swap_cached, cache_only);
	assert_int_equal(swap_total - swap_free, cache_only * 4);
	assert_int_equal(swap_cached, cache_only * 4);

	/* swap1 off and on (fresh), swap2 off: nothing used, nothing cached */
	assert_int_equal(kmm_swapoff(M, swap1), 0);
	assert_int_equal(kmm_swapon(M, swap1, 5), 0);
	assert_int_equal(kmm_swapoff(M, swap2), 0);
	assert_int_equal(meminfo_kb("SwapTotal:"), (SWAP1_MB << 10) - 4);
	assert_int_equal(meminfo_kb("SwapFree:"), meminfo_kb("SwapTotal:"));
	assert_int_equal(meminfo_kb("SwapCached:"), 0);
	assert_int_equal(kmm_swapoff(M, swap1), 0);
	assert_int_equal(meminfo_kb("SwapTotal:"), 0);
	assert_int_equal(meminfo_kb("SwapFree:"), 0);

	/* every page back in the buddy allocator (the flusher may still hold
	 * the file for a moment) */
	long free1 = 0;
	for (int i = 0; i < 500; i++) {
		wait_kthreads_idle();
		free1 = settled_free_pages();
		if (free1 == free0)
			break;
		usleep(10000);
	}
	print_message("buddy free pages: %ld before, %ld after\n", free0, free1);
	assert_int_equal(free1, free0);
	check_invariants(M, false);
	assert_int_equal(atomic_load(&M->nr_bad_pages), 0);
	kmm_cpu_leave(M);
	kmm_machine_shutdown(M);
	M = NULL;
	struct region *all[] = { &ra, &rb1, &rb2, &rc, &rfa, &rfb, &rs };
	for (unsigned i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		free(all[i]->ver);
	unlink(swap1);
	unlink(swap2);
	unlink(fpath);
	rmdir(tmpdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reclaim_race),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
