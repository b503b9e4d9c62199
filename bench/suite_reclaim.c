/* SPDX-License-Identifier: MIT */
/*
 * bench/suite_reclaim.c - page reclaim and swap: kswapd, direct reclaim,
 * swap-out bandwidth against the host's sequential writes, swap-in with
 * readahead.  See docs/PERFORMANCE.md, "Reclaim and swap".
 *
 * Every kmm machine is "quiet loglevel=0 numa=off memmap=exactmap
 * memmap=64M@4G nr_cpus=2": 64 MiB of RAM in one zone (Normal, one node,
 * one kswapd) with the kernel's default watermarks for that size.  prepare
 * touches the RAM once (host memory reserved lazily), makes a swap file of
 * 8 x RAM with kmm_mkswap in a new directory under $TMPDIR (or /tmp) and
 * turns it on, then unlinks the file and removes the directory (the machine
 * keeps the file open: nothing is left behind, even by a run that is killed;
 * the host's files likewise).  8 x RAM keeps swap less than
 * half full, so that a read fault keeps its slot (should_try_to_free_swap)
 * and reclaim can drop a clean swapped-in page without writing it again.
 * The host impls use a file in a directory made the same way: same
 * filesystem, 4 KiB blocks, no fsync (kmm's swap I/O is one pwrite or pread
 * of one page per call, never synced: src/mm/swap_state.c), and as source
 * and destination a 64 MiB buffer gone through page by page, as kmm copies
 * from and to pages of its RAM.  The console is off (an OOM kill with
 * nothing left to kill repeats its line on every retry); OOM kills, BUGs
 * and I/O errors from the machine's log are told on stderr, once.
 *
 * The ring: a task's 128 MiB (2 x RAM) of anonymous memory at a fixed
 * address, in 1 MiB pieces; each piece is mapped anew (MAP_FIXED, which
 * drops its pages and swap slots) just before the ring comes back to it,
 * then one 8-byte word is written to each of its pages.  Every page touched
 * is a fresh anonymous page, and in steady state each one needs a page that
 * reclaim took from an older piece (by then out in swap: the piece dropped
 * is the one touched longest ago).  Setup goes round the ring once.  The
 * ring cases do 16384 ops (pages reclaimed or written: 64 MiB) after a
 * 4096-op warm-up (bench_case.timed_ops) instead of calibrating: the rate
 * of the first short runs after setup is no guide (calibrating on it once
 * gave kswapd a timed run of 134 pages).
 *
 * Counters come from /proc/vmstat (kmm_proc_read), read between batches of
 * 64 accesses, outside the measured time.  Cases (op = what ns_per_op
 * divides by; all self-counted, at 1 thread, in a fresh process each):
 *
 *   kswapd      op = a page reclaimed by kswapd (pgsteal_kswapd); ns = the
 *               kswapd thread's activity: on-CPU plus run-queue time from
 *               /proc/self/task/TID/schedstat (on-CPU only under
 *               --cputime).  The ring, paced: every 16 pages, while
 *               kswapd has been woken or is reclaiming (kmm_kswapd_busy)
 *               the task sleeps, 50 us at a time, 20 ms at most, as on a
 *               uniprocessor: kswapd does the work (the notes give direct
 *               reclaim's share).
 *   direct      op = a page reclaimed by direct reclaim (pgsteal_direct);
 *               ns = the time the task spent in direct reclaim (the
 *               machine's hooks.direct_reclaim, wrapped; outermost calls
 *               only).  The ring, not paced: the task allocates faster than
 *               kswapd reclaims; kswapd runs too, the notes give its share.
 *   swapout     op = a page written to swap (pswpout); ns = the time the
 *               task spent in direct reclaim, with kswapd's wake-ups off
 *               (hooks.wake_kswapd = NULL): every page is pushed out by the
 *               task itself, on the benchmark's clock.  host: op = a 4 KiB
 *               pwrite, in order, over the first 128 MiB of a file of the
 *               swap file's size, written once in setup (kmm's swap-out
 *               writes over slots used before: its notes give the share
 *               that went to new blocks).  Both do 16384 ops (64 MiB, after
 *               a 16 MiB warm-up): the same amount.
 *               Rate line: MiB/s, target kmm/host >= 50 %.
 *   swapin_seq  op = a page read from swap (pswpin, readahead included);
 *               ns = the time of the accesses (counter reads left out).
 *               Setup writes 128 MiB (2 x RAM) and reads it once (every
 *               page then has a clean copy in swap); the run reads one word
 *               of each page in order, round and round (each page was
 *               evicted since its last visit).  host: op = a 4 KiB pread of
 *               a 128 MiB file in the host's page cache, in order.
 *   swapin_rand the same with pages (and host offsets) picked at random;
 *               about half the accesses find their page in memory.
 *
 * Under callgrind, direct and swapout count only the time in direct
 * reclaim; kswapd is skipped (its instructions are another thread's, which
 * --toggle-collect does not follow), as are the host impls.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "kmm/mm.h"
#include "kmm/proc.h"

#define PG 4096ull
#define RAM_MIB 64 /* the machine's RAM: "memmap=64M@4G" below */
#define STR_(x) #x
#define STR(x) STR_(x)
#define PIECE_PAGES 256u     /* the ring is mapped in 1 MiB pieces */
#define RING_RAM_MULT 2u     /* the ring and the swap-in region: 2 x RAM */
#define SWAP_RAM_MULT 8u     /* the swap file: 8 x RAM */
#define BATCH 64u	     /* accesses between counter reads */
#define PACE_EVERY 16u	     /* kswapd: pages between looks at kmm_kswapd_busy */
#define PACE_SLEEP_NS 50000L /* kswapd: one nap while it is busy */
#define PACE_MAX_NS 20000000ull
#define RECLAIM_OPS 16384u     /* pages of a timed ring run: 64 MiB */
#define BASE 0x100000000000ull /* where the ring and the region are mapped */

#define RW (KMM_PROT_READ | KMM_PROT_WRITE)
#define ANON (KMM_MAP_PRIVATE | KMM_MAP_ANONYMOUS)

/* ---- /proc/vmstat -------------------------------------------------------------------- */

enum ctr {
	C_STEAL_KSWAPD,
	C_STEAL_DIRECT,
	C_SCAN_KSWAPD,
	C_SCAN_DIRECT,
	C_PSWPIN,
	C_PSWPOUT,
	C_MAJFAULT,
	C_SWAP_RA,
	C_SWAP_RA_HIT,
	C_ALLOCSTALL, /* allocstall_* added up */
	C_OOM_KILL,
	C_PAGEOUTRUN, /* kswapd's balance_pgdat runs */
	NR_CTR
};

static const char *const ctr_names[NR_CTR] = {
	"pgsteal_kswapd", "pgsteal_direct", "pgscan_kswapd", "pgscan_direct",
	"pswpin",	  "pswpout",	    "pgmajfault",    "swap_ra",
	"swap_ra_hit",	  "allocstall_",    "oom_kill",	     "pageoutrun",
};

struct ctrs {
	unsigned long v[NR_CTR];
};

/* The counters of /proc/vmstat, through the machine's proc API; 0 or -errno. */
static int read_ctrs(struct kmm_machine *m, struct ctrs *c)
{
	static char buf[32768];
	long n = kmm_proc_read(m, "/proc/vmstat", buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	if ((size_t)n >= sizeof(buf))
		return -ENOSPC;
	memset(c, 0, sizeof(*c));
	for (char *line = buf; *line;) {
		char *nl = strchr(line, '\n');
		char *sp = strchr(line, ' ');
		if (sp && (!nl || sp < nl)) {
			size_t len = (size_t)(sp - line);
			unsigned long v = strtoul(sp + 1, NULL, 10);
			for (int i = 0; i < NR_CTR; i++) {
				size_t k = strlen(ctr_names[i]);
				bool prefix = ctr_names[i][k - 1] == '_';
				if (prefix ? len > k && !strncmp(line, ctr_names[i], k) :
					     len == k && !strncmp(line, ctr_names[i], k))
					c->v[i] += v;
			}
		}
		if (!nl)
			break;
		line = nl + 1;
	}
	return 0;
}

static unsigned long dctr(const struct ctrs *a, const struct ctrs *b, enum ctr i)
{
	return b->v[i] - a->v[i];
}

/* ---- kswapd's activity -------------------------------------------------------------- */

#define MAX_KSWAPD 4

struct kswapd_clock {
	int nr;
	pid_t tid[MAX_KSWAPD];
};

/* The machine's kswapd threads: this process's threads named kswapd*. */
static void kswapd_find(struct kswapd_clock *k)
{
	k->nr = 0;
	DIR *d = opendir("/proc/self/task");
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)) && k->nr < MAX_KSWAPD) {
		char path[288], comm[32] = "";
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && !strncmp(comm, "kswapd", 6))
			k->tid[k->nr++] = (pid_t)atoi(e->d_name);
		fclose(f);
	}
	closedir(d);
}

/*
 * ns the kswapd threads have been active: on a CPU (schedstat field 1),
 * plus waiting for one (field 2) unless @cpu_only.  Without schedstat:
 * utime + stime of /proc/self/task/TID/stat (clock ticks).
 */
static uint64_t kswapd_ns(const struct kswapd_clock *k, bool cpu_only)
{
	uint64_t ns = 0;
	for (int i = 0; i < k->nr; i++) {
		char path[64];
		unsigned long long run = 0, wait = 0;
		snprintf(path, sizeof(path), "/proc/self/task/%d/schedstat", (int)k->tid[i]);
		FILE *f = fopen(path, "r");
		if (f) {
			if (fscanf(f, "%llu %llu", &run, &wait) == 2)
				ns += run + (cpu_only ? 0 : wait);
			fclose(f);
			continue;
		}
		snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)k->tid[i]);
		f = fopen(path, "r");
		if (!f)
			continue;
		char line[1024];
		if (fgets(line, sizeof(line), f)) {
			char *p = strrchr(line, ')');
			unsigned long ut = 0, st = 0;
			/* after "pid (comm)": state and 10 more fields, then utime stime */
			if (p &&
			    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
				   &ut, &st) == 2)
				ns += (uint64_t)(ut + st) *
				      (1000000000ull / (uint64_t)sysconf(_SC_CLK_TCK));
		}
		fclose(f);
	}
	return ns;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- the files -------------------------------------------------------------------------- */

/* A new directory under $TMPDIR or /tmp; 0 or -errno. */
static int make_dir(char *dir, size_t size)
{
	const char *tmp = getenv("TMPDIR");
	if (!tmp || !*tmp)
		tmp = "/tmp";
	if ((size_t)snprintf(dir, size, "%s/kmm-bench-reclaim-XXXXXX", tmp) >= size)
		return -ENAMETOOLONG;
	return mkdtemp(dir) ? 0 : -errno;
}

/* KiB allocated to a file (ext4 counts delayed allocations too); 0 if unknown. */
static long long file_kib(int fd)
{
	struct stat st;
	return fd < 0 || fstat(fd, &st) ? 0 : (long long)st.st_blocks / 2;
}

/* ---- the machine's side: prepare, release, the direct reclaim hook ------------------- */

typedef unsigned long (*direct_reclaim_fn)(struct kmm_machine *m, gfp_t gfp, unsigned order,
					   const struct alloc_context *ac);
typedef void (*wake_kswapd_fn)(struct kmm_machine *m, struct zone *zone, unsigned order,
			       enum zone_type highest_zoneidx, gfp_t gfp);

struct rshared {
	char dir[PATH_MAX];
	char file[PATH_MAX + 16]; /* the swap file, or the host's file */
	int fd;			  /* kmm: the swap file, read-only, to fstat it */
	uint64_t ram_bytes;	  /* the machine's RAM (e820), or what it would be */
	struct kswapd_clock ks;
	wake_kswapd_fn wake; /* kswapd's, while switched off */
	bool kswapd_off;
};

/*
 * The direct reclaim hook, wrapped: the time the benchmark thread spends in
 * it (outermost calls only: reclaim can recurse into itself through an
 * allocation), and with collect_direct, callgrind counts only that time.
 * One machine per process (the suite is isolated); the wrapper is set in
 * prepare, before the benchmark thread starts, and removed in release.
 */
static struct {
	direct_reclaim_fn orig;
	uint64_t ns;
	unsigned long nested;
	bool collect_direct;
} dr;
static _Thread_local struct bench_thread *dr_thread;
static _Thread_local unsigned dr_depth;

static unsigned long timed_direct_reclaim(struct kmm_machine *m, gfp_t gfp, unsigned order,
					  const struct alloc_context *ac)
{
	struct bench_thread *t = dr_thread;
	unsigned long r;
	if (!t) /* another thread (the flusher): not measured */
		return dr.orig(m, gfp, order, ac);
	if (dr_depth++) {
		dr.nested++;
		r = dr.orig(m, gfp, order, ac);
		dr_depth--;
		return r;
	}
	if (dr.collect_direct)
		bench_untimed_end(t);
	uint64_t t0 = bench_now_ns();
	r = dr.orig(m, gfp, order, ac);
	dr.ns += bench_now_ns() - t0;
	if (dr.collect_direct)
		bench_untimed_begin(t);
	dr_depth--;
	return r;
}

static uint64_t e820_ram(const struct kmm_machine *m)
{
	uint64_t sum = 0;
	for (unsigned i = 0; i < m->e820.nr_entries; i++)
		if (m->e820.entries[i].type == E820_TYPE_RAM)
			sum += m->e820.entries[i].size;
	return sum;
}

/*
 * Unlink the file and remove the directory as soon as the file is open: it
 * lives on while open, and nothing is left behind even if the run is killed.
 */
static void rshared_unlink(struct rshared *sh)
{
	if (sh->file[0])
		unlink(sh->file);
	if (sh->dir[0])
		rmdir(sh->dir);
	sh->file[0] = sh->dir[0] = '\0';
}

static void rshared_free(struct rshared *sh)
{
	rshared_unlink(sh);
	if (sh->fd >= 0)
		close(sh->fd);
	free(sh);
}

static struct rshared *rshared_new(void)
{
	struct rshared *sh = calloc(1, sizeof(*sh));
	if (sh)
		sh->fd = -1;
	return sh;
}

static int kmm_prepare_common(struct kmm_machine *m, void **shared, bool kswapd_off)
{
	struct rshared *sh = rshared_new();
	if (!sh)
		return -ENOMEM;
	/* the RAM is host memory reserved lazily: touch it (only its e820 ranges) */
	for (unsigned i = 0; i < m->e820.nr_entries; i++) {
		const struct e820_entry *e = &m->e820.entries[i];
		if (e->type != E820_TYPE_RAM)
			continue;
		for (uint64_t off = e->addr; off < e->addr + e->size && off < m->ram_bytes;
		     off += PG)
			__atomic_fetch_or(&m->ram[off], 0, __ATOMIC_RELAXED);
	}
	sh->ram_bytes = e820_ram(m);
	int rc = make_dir(sh->dir, sizeof(sh->dir));
	if (rc) {
		sh->dir[0] = '\0';
		rshared_free(sh);
		return rc;
	}
	snprintf(sh->file, sizeof(sh->file), "%s/swap", sh->dir);
	rc = kmm_mkswap(sh->file, SWAP_RAM_MULT * sh->ram_bytes);
	if (!rc)
		rc = kmm_swapon(m, sh->file, -1);
	if (rc) {
		fprintf(stderr, "kmm-bench: reclaim: swap file %s: %d\n", sh->file, rc);
		rshared_free(sh);
		return rc;
	}
	sh->fd = open(sh->file, O_RDONLY | O_CLOEXEC);
	rshared_unlink(sh); /* the machine keeps it open */
	kswapd_find(&sh->ks);
	memset(&dr, 0, sizeof(dr));
	dr.orig = m->hooks.direct_reclaim;
	if (dr.orig)
		m->hooks.direct_reclaim = timed_direct_reclaim;
	if (kswapd_off) {
		sh->wake = m->hooks.wake_kswapd;
		m->hooks.wake_kswapd = NULL;
		sh->kswapd_off = true;
	}
	*shared = sh;
	return 0;
}

static int kmm_prepare(struct kmm_machine *m, unsigned nr_threads, void **shared)
{
	(void)nr_threads;
	return kmm_prepare_common(m, shared, false);
}

static int kmm_prepare_nokswapd(struct kmm_machine *m, unsigned nr_threads, void **shared)
{
	(void)nr_threads;
	return kmm_prepare_common(m, shared, true);
}

/* Before the machine shuts down: the hooks back. */
static void kmm_release(struct kmm_machine *m, unsigned nr_threads, void *shared)
{
	struct rshared *sh = shared;
	(void)nr_threads;
	if (dr.orig)
		m->hooks.direct_reclaim = dr.orig;
	if (sh->kswapd_off)
		m->hooks.wake_kswapd = sh->wake;
	rshared_free(sh);
}

/* ---- the task's side ------------------------------------------------------------------- */

struct rtask {
	struct kmm_machine *m;
	struct kmm_task *task;
	uint64_t base;
	uint64_t npages;
	uint64_t pos; /* next page */
	uint64_t seq;
	bool paced;  /* the ring: wait while kswapd is busy */
	bool random; /* swap-in: pages in random order */
	/* the last run() (the timed run is the last one) */
	struct ctrs c0, c1;
	uint64_t wall_ns, touched, kswapd_ns, direct_ns;
	long long swap_kib; /* growth of the swap file's allocated blocks */
	unsigned long nested;
	int error;
};

/*
 * The machine's console is off (loglevel=0: an OOM kill with nothing left to
 * kill repeats its line on every retry); what went wrong is told here, on
 * stderr, once: the first OOM kill, the first BUG or I/O error and how often
 * the OOM killer found nothing to kill.
 */
static void report_log(struct bench_thread *t)
{
	static char log[KMM_LOG_BUF_SIZE];
	size_t n = kmm_log_read(t->m, log, sizeof(log));
	unsigned long none = 0;
	bool killed = false, bug = false;
	log[n < sizeof(log) ? n : sizeof(log) - 1] = '\0';
	for (char *line = log; *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (strstr(line, "no killable processes")) {
			none++;
		} else if (!killed && strstr(line, "Out of memory: Killed")) {
			killed = true;
			fprintf(stderr, "kmm-bench: reclaim/%s: %s\n", t->bcase->name, line);
		} else if (!bug && (strstr(line, "BUG") || strstr(line, "I/O error"))) {
			bug = true;
			fprintf(stderr, "kmm-bench: reclaim/%s: %s\n", t->bcase->name, line);
		}
		if (!nl)
			break;
		line = nl + 1;
	}
	if (none)
		fprintf(stderr,
			"kmm-bench: reclaim/%s: \"Out of memory and no killable processes...\" x "
			"%lu\n",
			t->bcase->name, none);
}

static void rtask_free(struct bench_thread *t)
{
	struct rtask *r = t->priv;
	if (!r)
		return;
	report_log(t);
	if (r->task)
		kmm_task_exit(r->task);
	free(r);
	t->priv = NULL;
	dr_thread = NULL;
}

/* A task with @npages of anonymous memory at BASE, mapped in pieces (not touched). */
static int rtask_setup(struct bench_thread *t, uint64_t npages)
{
	struct rtask *r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	t->priv = r;
	dr_thread = t;
	r->m = t->m;
	r->task = kmm_task_spawn(t->m, "reclaim");
	if (!r->task) {
		rtask_free(t);
		return -ENOMEM;
	}
	r->base = BASE;
	r->npages = npages;
	/* pieces: one request may not exceed RAM (overcommit heuristic) */
	for (uint64_t p = 0; p < npages; p += PIECE_PAGES) {
		long a = kmm_mmap(r->task, r->base + p * PG, PIECE_PAGES * PG, RW,
				  ANON | KMM_MAP_FIXED, -1, 0);
		if (a < 0) {
			rtask_free(t);
			return (int)a;
		}
	}
	return 0;
}

/*
 * Sleep while kswapd has been woken or is reclaiming (kmm_kswapd_busy), 50 us
 * at a time, PACE_MAX_NS at most: the order of a uniprocessor, where kswapd
 * runs as soon as it is woken, before the task goes on.
 */
static void wait_for_kswapd(struct kmm_machine *m)
{
	struct timespec nap = { 0, PACE_SLEEP_NS };
	uint64_t t0 = mono_ns();
	while (kmm_kswapd_busy(m) && mono_ns() - t0 < PACE_MAX_NS)
		nanosleep(&nap, NULL);
}

/* The ring: @n pages onwards, each piece mapped anew as the ring reaches it. */
static int ring_touch(struct rtask *r, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint64_t p = r->pos;
		if (p % PIECE_PAGES == 0) {
			long a = kmm_mmap(r->task, r->base + p * PG, PIECE_PAGES * PG, RW,
					  ANON | KMM_MAP_FIXED, -1, 0);
			if (a < 0)
				return (int)a;
		}
		uint64_t v = ++r->seq;
		int rc = kmm_access(r->task, r->base + p * PG, &v, sizeof(v), KMM_ACCESS_WRITE);
		if (rc)
			return rc;
		r->pos = p + 1 == r->npages ? 0 : p + 1;
		if (r->paced && r->pos % PACE_EVERY == 0)
			wait_for_kswapd(r->m);
	}
	r->touched += n;
	return 0;
}

/*
 * The ring, gone round once already (untimed): RAM is full, the oldest
 * pieces are in swap and reclaim is in its steady state, which the
 * warm-up's calibration then measures.
 */
static int ring_setup(struct bench_thread *t)
{
	struct rshared *sh = t->shared;
	uint64_t npages = RING_RAM_MULT * sh->ram_bytes / PG / PIECE_PAGES * PIECE_PAGES;
	int rc = rtask_setup(t, npages);
	if (!rc)
		rc = ring_touch(t->priv, (unsigned)npages);
	if (rc)
		rtask_free(t);
	return rc;
}

/*
 * Touch the ring until counter @which has grown by @ops (or the ring went
 * round 16 times more than that could take), counters read every BATCH
 * pages.  Returns what @which grew by.
 */
static unsigned long ring_until(struct bench_thread *t, uint64_t ops, enum ctr which)
{
	struct rtask *r = t->priv;
	struct ctrs c;
	unsigned long got = 0;
	uint64_t limit = 16 * (ops + r->npages);
	r->touched = 0;
	if (read_ctrs(t->m, &r->c0)) {
		r->error = -EIO;
		return 0;
	}
	while (got < ops && r->touched < limit) {
		int rc = ring_touch(r, BATCH);
		if (rc) {
			r->error = rc;
			break;
		}
		if (read_ctrs(t->m, &c)) {
			r->error = -EIO;
			break;
		}
		got = dctr(&r->c0, &c, which);
	}
	return got;
}

/* ---- kswapd ------------------------------------------------------------------------------- */

static int kswapd_setup(struct bench_thread *t)
{
	struct rshared *sh = t->shared;
	if (!sh->ks.nr)
		return -ESRCH; /* no thread named kswapd* */
	int rc = ring_setup(t);
	if (!rc)
		((struct rtask *)t->priv)->paced = true; /* from the warm-up on */
	return rc;
}

static void kswapd_run(struct bench_thread *t, uint64_t ops)
{
	struct rtask *r = t->priv;
	struct rshared *sh = t->shared;
	bool cpu_only = bench_cputime;
	uint64_t w0 = mono_ns(), k0 = kswapd_ns(&sh->ks, cpu_only);
	ring_until(t, ops, C_STEAL_KSWAPD);
	/* let kswapd finish its pass, so that its time and its pages match */
	wait_for_kswapd(t->m);
	uint64_t k1 = kswapd_ns(&sh->ks, cpu_only);
	if (read_ctrs(t->m, &r->c1))
		r->error = -EIO;
	r->wall_ns = mono_ns() - w0;
	r->kswapd_ns = k1 - k0;
	t->self_ns += k1 - k0;
	t->self_ops += dctr(&r->c0, &r->c1, C_STEAL_KSWAPD);
	t->failures += r->error != 0;
}

static double pct(unsigned long a, unsigned long b)
{
	return b ? 100.0 * (double)a / (double)b : 0;
}

static double mib_per_s(unsigned long pages, uint64_t ns)
{
	return ns ? (double)pages * PG / (1 << 20) / ((double)ns / 1e9) : 0;
}

static void kswapd_teardown(struct bench_thread *t)
{
	struct rtask *r = t->priv;
	if (r) {
		const struct ctrs *a = &r->c0, *b = &r->c1;
		unsigned long k = dctr(a, b, C_STEAL_KSWAPD), d = dctr(a, b, C_STEAL_DIRECT);
		snprintf(t->note, sizeof(t->note),
			 "direct %.1f%% of reclaim; %.0f pages per kswapd run, scan eff %.0f%%, "
			 "swapout %.0f MiB/s of kswapd time; task %.0f pages/s%s",
			 pct(d, k + d),
			 dctr(a, b, C_PAGEOUTRUN) ? (double)k / (double)dctr(a, b, C_PAGEOUTRUN) :
						    0,
			 pct(k, dctr(a, b, C_SCAN_KSWAPD)),
			 mib_per_s(dctr(a, b, C_PSWPOUT), r->kswapd_ns),
			 r->wall_ns ? (double)r->touched / ((double)r->wall_ns / 1e9) : 0,
			 dctr(a, b, C_OOM_KILL) ? "; OOM KILL" : "");
	}
	rtask_free(t);
}

static const struct bench_impl kmm_kswapd = {
	.name = "kmm",
	.needs_machine = true,
	.no_callgrind = true,
	.no_callgrind_why = "the work is kswapd's thread, which --toggle-collect does not follow",
	.prepare = kmm_prepare,
	.release = kmm_release,
	.setup = kswapd_setup,
	.run = kswapd_run,
	.teardown = kswapd_teardown,
};

static const struct bench_case case_kswapd = {
	.name = "kswapd",
	.op = "a page reclaimed by kswapd (ns of kswapd activity; paced anonymous ring, swap)",
	.granule = 1,
	.max_threads = 1,
	.timed_ops = RECLAIM_OPS,
	.self_timed = true,
	.self_counted = true,
	.wall_clock = true, /* the task sleeps: calibrate on the wall clock */
	.rate_unit = "pages/s",
	.rate_per_op = 1,
	.impls = { &kmm_kswapd },
};

/* ---- direct and swapout ---------------------------------------------------------------- */

static int direct_setup(struct bench_thread *t)
{
	int rc = ring_setup(t);
	dr.collect_direct = true; /* callgrind: only the time in direct reclaim */
	return rc;
}

/* Touch the ring until @which grew by @ops; ns = the time in direct reclaim. */
static void direct_run_ctr(struct bench_thread *t, uint64_t ops, enum ctr which)
{
	struct rtask *r = t->priv;
	struct rshared *sh = t->shared;
	bench_untimed_begin(t);
	uint64_t w0 = bench_now_ns(), d0 = dr.ns;
	unsigned long n0 = dr.nested;
	long long kib0 = file_kib(sh->fd);
	ring_until(t, ops, which);
	r->swap_kib = file_kib(sh->fd) - kib0;
	if (read_ctrs(t->m, &r->c1))
		r->error = -EIO;
	r->wall_ns = bench_now_ns() - w0;
	r->direct_ns = dr.ns - d0;
	r->nested = dr.nested - n0;
	t->self_ns += dr.ns - d0;
	t->self_ops += dctr(&r->c0, &r->c1, which);
	t->failures += r->error != 0;
	bench_untimed_end(t);
}

static void direct_run(struct bench_thread *t, uint64_t ops)
{
	direct_run_ctr(t, ops, C_STEAL_DIRECT);
}

static void swapout_run(struct bench_thread *t, uint64_t ops)
{
	direct_run_ctr(t, ops, C_PSWPOUT);
}

static void direct_teardown(struct bench_thread *t)
{
	struct rtask *r = t->priv;
	if (r) {
		const struct ctrs *a = &r->c0, *b = &r->c1;
		unsigned long k = dctr(a, b, C_STEAL_KSWAPD), d = dctr(a, b, C_STEAL_DIRECT);
		snprintf(
			t->note, sizeof(t->note),
			"kswapd %.1f%% of reclaim; %lu stalls, %lu nested; scan eff %.0f%%; %.0f%% "
			"of task time in reclaim%s",
			pct(k, k + d), dctr(a, b, C_ALLOCSTALL), r->nested,
			pct(d, dctr(a, b, C_SCAN_DIRECT)), pct(r->direct_ns, r->wall_ns),
			dctr(a, b, C_OOM_KILL) ? "; OOM KILL" : "");
	}
	rtask_free(t);
}

static void swapout_teardown(struct bench_thread *t)
{
	struct rtask *r = t->priv;
	if (r) {
		const struct ctrs *a = &r->c0, *b = &r->c1;
		unsigned long out = dctr(a, b, C_PSWPOUT);
		snprintf(t->note, sizeof(t->note),
			 "%.0f%% of task time in reclaim; whole loop %.0f MiB/s; %.0f%% to new "
			 "blocks; %lu nested reclaims; scan eff %.0f%%%s",
			 pct(r->direct_ns, r->wall_ns), mib_per_s(out, r->wall_ns),
			 r->swap_kib > 0 ? pct((unsigned long)r->swap_kib, out * (PG / 1024)) : 0,
			 r->nested, pct(dctr(a, b, C_STEAL_DIRECT), dctr(a, b, C_SCAN_DIRECT)),
			 dctr(a, b, C_OOM_KILL) ? "; OOM KILL" : "");
	}
	rtask_free(t);
}

static const struct bench_impl kmm_direct = {
	.name = "kmm",
	.needs_machine = true,
	.prepare = kmm_prepare,
	.release = kmm_release,
	.setup = direct_setup,
	.run = direct_run,
	.teardown = direct_teardown,
};

static const struct bench_case case_direct = {
	.name = "direct",
	.op = "a page reclaimed by direct reclaim (ns in direct reclaim; unpaced ring, swap)",
	.granule = 1,
	.callgrind_ops = 2048,
	.max_threads = 1,
	.timed_ops = RECLAIM_OPS,
	.self_timed = true,
	.self_counted = true,
	.rate_unit = "pages/s",
	.rate_per_op = 1,
	.impls = { &kmm_direct },
};

static const struct bench_impl kmm_swapout = {
	.name = "kmm",
	.needs_machine = true,
	.prepare = kmm_prepare_nokswapd,
	.release = kmm_release,
	.setup = direct_setup,
	.run = swapout_run,
	.teardown = swapout_teardown,
};

/* ---- the host's sequential writes -------------------------------------------------------- */

/*
 * The host's file, and its memory: as many pages as the kmm machine's RAM,
 * written once, and gone through in turn as the source of the writes and
 * the destination of the reads (kmm's swap I/O copies from and to pages of
 * its RAM, mostly not in the CPU's caches; one hot buffer would flatter the
 * host).
 */
struct hfile {
	int fd;
	unsigned char *mem;
	uint64_t mem_pages, mem_pos;
	uint64_t size, off;
	uint64_t npages;
	uint64_t pos;
	bool random;
};

/* The host's directory and file; its size is the swap file's (8 x RAM), sparse. */
static int host_prepare(struct kmm_machine *m, unsigned nr_threads, void **shared)
{
	(void)m;
	(void)nr_threads;
	struct rshared *sh = rshared_new();
	if (!sh)
		return -ENOMEM;
	int rc = make_dir(sh->dir, sizeof(sh->dir));
	if (rc) {
		sh->dir[0] = '\0';
		rshared_free(sh);
		return rc;
	}
	snprintf(sh->file, sizeof(sh->file), "%s/host", sh->dir);
	sh->ram_bytes = (uint64_t)RAM_MIB << 20; /* what the kmm machine has */
	*shared = sh;
	return 0;
}

static void host_release(struct kmm_machine *m, unsigned nr_threads, void *shared)
{
	(void)m;
	(void)nr_threads;
	rshared_free(shared);
}

/* The next page of the host's memory. */
static unsigned char *hmem_next(struct hfile *h)
{
	unsigned char *p = h->mem + h->mem_pos * PG;
	h->mem_pos = h->mem_pos + 1 == h->mem_pages ? 0 : h->mem_pos + 1;
	return p;
}

static void hfile_free(struct bench_thread *t)
{
	struct hfile *h = t->priv;
	if (!h)
		return;
	if (h->fd >= 0)
		close(h->fd);
	bench_unmap(h->mem, h->mem_pages * PG);
	free(h);
	t->priv = NULL;
}

static int hfile_open(struct bench_thread *t, uint64_t size)
{
	struct rshared *sh = t->shared;
	struct hfile *h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	t->priv = h;
	h->mem_pages = sh->ram_bytes / PG;
	h->fd = open(sh->file, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	rshared_unlink(sh);
	h->mem = h->fd >= 0 ? bench_map(h->mem_pages * PG, false) : NULL;
	if (!h->mem) {
		int rc = h->fd < 0 ? -errno : -ENOMEM;
		hfile_free(t);
		return rc;
	}
	for (size_t i = 0; i < h->mem_pages * PG; i++)
		h->mem[i] = (unsigned char)(i * 7 + 1);
	h->size = size;
	h->npages = size / PG;
	if (ftruncate(h->fd, (off_t)size)) {
		int rc = -errno;
		hfile_free(t);
		return rc;
	}
	return 0;
}

/*
 * A file of the swap file's size (sparse, as mkswap makes it) whose first
 * 2 x RAM after the header page are written once: the loop then writes them
 * again in order, round and round.  kmm's swap-out in steady state writes
 * over slots used before (its notes say how much went to new blocks), so
 * the host overwrites pages of its file too.
 */
static int host_write_setup(struct bench_thread *t)
{
	struct rshared *sh = t->shared;
	int rc = hfile_open(t, SWAP_RAM_MULT * sh->ram_bytes);
	if (rc)
		return rc;
	struct hfile *h = t->priv;
	h->size = PG + RING_RAM_MULT * sh->ram_bytes; /* where the loop wraps */
	for (uint64_t off = PG; off < h->size; off += PG)
		if (pwrite(h->fd, hmem_next(h), PG, (off_t)off) != (ssize_t)PG) {
			rc = -errno;
			hfile_free(t);
			return rc ? rc : -EIO;
		}
	h->off = PG; /* page 0 is mkswap's header */
	snprintf(t->note, sizeof(t->note),
		 "4 KiB pwrite over a %llu MiB file written before, in order; no fsync",
		 (unsigned long long)((h->size - PG) >> 20));
	return 0;
}

static void host_write_run(struct bench_thread *t, uint64_t ops)
{
	struct hfile *h = t->priv;
	unsigned long fail = 0;
	uint64_t t0 = bench_now_ns();
	for (uint64_t i = 0; i < ops; i++) {
		fail += pwrite(h->fd, hmem_next(h), PG, (off_t)h->off) != (ssize_t)PG;
		h->off += PG;
		if (h->off >= h->size)
			h->off = PG;
	}
	t->self_ns += bench_now_ns() - t0;
	t->failures += fail;
	t->self_ops += ops;
}

static const struct bench_impl host_swapout = {
	.name = "host",
	.no_callgrind = true,
	.prepare = host_prepare,
	.release = host_release,
	.setup = host_write_setup,
	.run = host_write_run,
	.teardown = hfile_free,
};

static const struct bench_case case_swapout = {
	.name = "swapout",
	.op = "a page written to swap by direct reclaim (kswapd off) / host: a 4 KiB pwrite",
	.granule = 1,
	.callgrind_ops = 2048,
	.max_threads = 1,
	.self_timed = true,
	.self_counted = true,
	.timed_ops = RECLAIM_OPS,
	.ref_target = 2.0,
	.rate_unit = "MiB/s",
	.rate_per_op = (double)PG / (1 << 20),
	.rate_target = 0.5,
	.impls = { &kmm_swapout, &host_swapout },
};

/* ---- swap-in -------------------------------------------------------------------------------- */

/* The region (2 x RAM) written once: most of it is in swap afterwards. */
static int swapin_setup(struct bench_thread *t, bool random)
{
	struct rshared *sh = t->shared;
	uint64_t npages = RING_RAM_MULT * sh->ram_bytes / PG / PIECE_PAGES * PIECE_PAGES;
	int rc = rtask_setup(t, npages);
	if (rc)
		return rc;
	struct rtask *r = t->priv;
	/* written, then read once: every page has a clean copy in swap */
	for (int pass = 0; pass < 2; pass++)
		for (uint64_t p = 0; p < npages; p++) {
			uint64_t v = p + 1;
			rc = kmm_access(r->task, r->base + p * PG, &v, sizeof(v),
					pass ? KMM_ACCESS_READ : KMM_ACCESS_WRITE);
			if (rc || v != p + 1) {
				rtask_free(t);
				return rc ? rc : -EIO;
			}
		}
	r->random = random;
	return 0;
}

static int swapin_seq_setup(struct bench_thread *t)
{
	return swapin_setup(t, false);
}

static int swapin_rand_setup(struct bench_thread *t)
{
	return swapin_setup(t, true);
}

static void swapin_run(struct bench_thread *t, uint64_t ops)
{
	struct rtask *r = t->priv;
	struct ctrs c = r->c0;
	unsigned long got = 0;
	uint64_t limit = 16 * (ops + r->npages), ns = 0;
	bool random = r->random;
	r->touched = 0;
	bench_untimed_begin(t);
	if (read_ctrs(t->m, &r->c0))
		r->error = -EIO;
	c = r->c0;
	bench_untimed_end(t);
	while (!r->error && got < ops && r->touched < limit) {
		uint64_t t0 = bench_now_ns();
		for (unsigned i = 0; i < BATCH; i++) {
			uint64_t p, v = 0;
			if (random) {
				p = bench_rand(&t->rng) % r->npages;
			} else {
				p = r->pos;
				r->pos = p + 1 == r->npages ? 0 : p + 1;
			}
			int rc = kmm_access(r->task, r->base + p * PG, &v, sizeof(v),
					    KMM_ACCESS_READ);
			if (rc || v != p + 1) {
				r->error = rc ? rc : -EIO;
				break;
			}
		}
		ns += bench_now_ns() - t0;
		r->touched += BATCH;
		bench_untimed_begin(t);
		if (read_ctrs(t->m, &c))
			r->error = -EIO;
		bench_untimed_end(t);
		got = dctr(&r->c0, &c, C_PSWPIN);
	}
	r->c1 = c;
	r->wall_ns = ns;
	t->self_ns += ns;
	t->self_ops += got;
	t->failures += r->error != 0;
}

static void swapin_teardown(struct bench_thread *t)
{
	struct rtask *r = t->priv;
	if (r) {
		const struct ctrs *a = &r->c0, *b = &r->c1;
		unsigned long in = dctr(a, b, C_PSWPIN), maj = dctr(a, b, C_MAJFAULT);
		snprintf(t->note, sizeof(t->note),
			 "%.2f accesses, %.2f major faults, %.2f pages out per page in; readahead "
			 "%.0f%% hit; %.0f major faults/s%s%s",
			 in ? (double)r->touched / (double)in : 0,
			 in ? (double)maj / (double)in : 0,
			 in ? (double)dctr(a, b, C_PSWPOUT) / (double)in : 0,
			 pct(dctr(a, b, C_SWAP_RA_HIT), dctr(a, b, C_SWAP_RA)),
			 r->wall_ns ? (double)maj / ((double)r->wall_ns / 1e9) : 0,
			 r->error ? "; ERROR" : "", dctr(a, b, C_OOM_KILL) ? "; OOM KILL" : "");
	}
	rtask_free(t);
}

static const struct bench_impl kmm_swapin_seq = {
	.name = "kmm",
	.needs_machine = true,
	.prepare = kmm_prepare,
	.release = kmm_release,
	.setup = swapin_seq_setup,
	.run = swapin_run,
	.teardown = swapin_teardown,
};

static const struct bench_impl kmm_swapin_rand = {
	.name = "kmm",
	.needs_machine = true,
	.prepare = kmm_prepare,
	.release = kmm_release,
	.setup = swapin_rand_setup,
	.run = swapin_run,
	.teardown = swapin_teardown,
};

/* The host: the region's size of file, written once (in the page cache), read back. */
static int host_read_setup(struct bench_thread *t, bool random)
{
	struct rshared *sh = t->shared;
	int rc = hfile_open(t, RING_RAM_MULT * sh->ram_bytes);
	if (rc)
		return rc;
	struct hfile *h = t->priv;
	h->random = random;
	for (uint64_t p = 0; p < h->npages; p++)
		if (pwrite(h->fd, hmem_next(h), PG, (off_t)(p * PG)) != (ssize_t)PG) {
			rc = -errno;
			hfile_free(t);
			return rc ? rc : -EIO;
		}
	snprintf(t->note, sizeof(t->note), "4 KiB pread, %s, file in the page cache",
		 random ? "random" : "sequential");
	return 0;
}

static int host_read_seq_setup(struct bench_thread *t)
{
	return host_read_setup(t, false);
}

static int host_read_rand_setup(struct bench_thread *t)
{
	return host_read_setup(t, true);
}

static void host_read_run(struct bench_thread *t, uint64_t ops)
{
	struct hfile *h = t->priv;
	unsigned long fail = 0;
	uint64_t t0 = bench_now_ns();
	for (uint64_t i = 0; i < ops; i++) {
		uint64_t p;
		if (h->random) {
			p = bench_rand(&t->rng) % h->npages;
		} else {
			p = h->pos;
			h->pos = p + 1 == h->npages ? 0 : p + 1;
		}
		fail += pread(h->fd, hmem_next(h), PG, (off_t)(p * PG)) != (ssize_t)PG;
	}
	t->self_ns += bench_now_ns() - t0;
	t->failures += fail;
	t->self_ops += ops;
}

static const struct bench_impl host_swapin_seq = {
	.name = "host",
	.no_callgrind = true,
	.prepare = host_prepare,
	.release = host_release,
	.setup = host_read_seq_setup,
	.run = host_read_run,
	.teardown = hfile_free,
};

static const struct bench_impl host_swapin_rand = {
	.name = "host",
	.no_callgrind = true,
	.prepare = host_prepare,
	.release = host_release,
	.setup = host_read_rand_setup,
	.run = host_read_run,
	.teardown = hfile_free,
};

static const struct bench_case case_swapin_seq = {
	.name = "swapin_seq",
	.op = "a page read from swap (readahead included), sequential / host: 4 KiB pread",
	.granule = 1,
	.callgrind_ops = 2048,
	.max_threads = 1,
	.self_timed = true,
	.self_counted = true,
	.rate_unit = "pages/s",
	.rate_per_op = 1,
	.impls = { &kmm_swapin_seq, &host_swapin_seq },
};

static const struct bench_case case_swapin_rand = {
	.name = "swapin_rand",
	.op = "a page read from swap, random pages / host: 4 KiB pread at random",
	.granule = 1,
	.callgrind_ops = 2048,
	.max_threads = 1,
	.self_timed = true,
	.self_counted = true,
	.rate_unit = "pages/s",
	.rate_per_op = 1,
	.impls = { &kmm_swapin_rand, &host_swapin_rand },
};

/* ---- the suite ------------------------------------------------------------------------------ */

static const struct bench_case *const reclaim_cases[] = {
	&case_kswapd, &case_direct, &case_swapout, &case_swapin_seq, &case_swapin_rand, NULL,
};

const struct bench_suite bench_suite_reclaim = {
	.name = "reclaim",
	.description = "kswapd and direct reclaim, swap-out bandwidth against the host's writes, "
		       "swap-in with readahead",
	.cmdline = "quiet loglevel=0 numa=off memmap=exactmap memmap=" STR(RAM_MIB) "M@4G",
	.cases = reclaim_cases,
	.time_s = 0.5,
	.isolate = true,
	.timeout_s = 30,
	.peak_workload = true,
};
