/* SPDX-License-Identifier: MIT */
/*
 * tools/kmm/replay.c - `kmm replay`: run a page-reference trace (PGREFTR1,
 * ../shared/traces) through the reference simulator (refsim.c) and/or
 * through a booted kmm machine, and compare the faults.
 *
 * The kmm rows: one task replays every reference as a 1-byte kmm_access()
 * (a write if the record's write flag is set) to anonymous MAP_NORESERVE
 * memory mapped at the trace's own addresses, one MAP_FIXED region per
 * cluster of used pages, from a host thread bound to CPU 0 of a machine
 * with two CPUs (numa=off nr_cpus=2: the other is kswapd's and the
 * flusher's).  The machine is sized so the task has the asked-for number
 * of frames: a probe machine measures what the kernel takes for the
 * task's page tables, then machines are booted with the memory adjusted
 * until the pages free above the high watermark (plus the per-CPU lists)
 * cover the frames and the page tables exactly; what memory granularity
 * leaves over, or what the smallest bootable machine has too much, is
 * held by a balloon of kernel pages.  The task's RSS is sampled as it
 * runs, so the output says how many frames it held; a watchdog reports a
 * kernel that stops making progress.
 */
#include "cli.h"
#include "refsim.h"
#include "trace.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kmm/mm.h"

/* rows: the reference policies (refsim's numbering), then the kmm ones */
enum { ROW_KMM_CLASSIC = REFSIM_NR_POLICIES, ROW_KMM_MGLRU, NR_ROWS };

static const char *const kmm_row_names[] = { "kmm-classic", "kmm-mglru" };

static const char *row_name(int row)
{
	return row < REFSIM_NR_POLICIES ? refsim_policy_name(row) :
					  kmm_row_names[row - REFSIM_NR_POLICIES];
}

/* pages closer than this share one mapping */
#define CLUSTER_GAP_PAGES 512
/* the smallest machine that boots has 4 MiB of usable RAM */
#define MIN_MEM_KB 6144
#define RSS_SAMPLE_EVERY 1024
#define LOG_TAIL_LINES 25
/* no reference completed for this long: the kernel is stuck */
#define STALL_SECS 60

struct replay_opts {
	const char *path;
	int size_kind; /* 0 none, 1 frames, 2 mem, 3 pct */
	uint64_t frames_arg;
	uint64_t mem_bytes;
	double pct;
	bool have_swap;
	uint64_t swap_bytes;
	const char *policy; /* classic | mglru */
	bool reference, tsv;
	uint64_t limit;
	bool rows[NR_ROWS];
	bool rows_given;
	bool kmm_alias;	   /* --policies kmm: the row of --policy */
	bool no_zero_page; /* the first access to each page is a write */
	const char *extra_cmdline;
	/* --set FILE=VALUE: written to the machine's /proc or /sys after boot */
	const char *sets[16];
	int nr_sets;
	const char *log_path; /* --log FILE: the kmm machine's kernel log */
};

struct kmm_result {
	bool ran, failed;
	char msg[1024];
	uint64_t refs_done;
	uint64_t faults, min_flt, maj_flt;
	uint64_t pswpin, pswpout, pgscan, pgsteal;
	double secs;
	double rss_avg;
	uint64_t rss_min, rss_max;
	uint64_t mem_kb;
	unsigned long balloon;
	long kernel_growth; /* most kernel pages taken from the balloon at once */
	bool balloon_short; /* ... and more than it had */
	long overhead;	    /* pages the kernel took for the task's page tables etc. */
	int boots;
};

struct row_result {
	bool selected;
	uint64_t faults, writebacks;
	double secs;
	struct kmm_result kmm;
};

/* ---- progress on a terminal ----------------------------------------------------------- */

struct progress {
	bool on;
	char phase[32];
	int last_pct;
};

static void progress_cb(void *ctx, const char *phase, double frac)
{
	struct progress *p = ctx;
	int pct = (int)(frac * 100.0);
	char bar[41];

	if (!p->on)
		return;
	if (pct == p->last_pct && !strcmp(phase, p->phase))
		return;
	p->last_pct = pct;
	snprintf(p->phase, sizeof(p->phase), "%s", phase);
	for (int i = 0; i < 40; i++)
		bar[i] = i < pct * 40 / 100 ? '#' : '.';
	bar[40] = '\0';
	fprintf(stderr, "\r\033[Kkmm replay: %-24.24s [%s] %3d%%", phase, bar, pct);
	fflush(stderr);
}

static void progress_done(struct progress *p)
{
	if (p->on && p->last_pct >= 0) {
		fprintf(stderr, "\r\033[K");
		fflush(stderr);
	}
	p->last_pct = -1;
	p->phase[0] = '\0';
}

/* ---- small helpers ---------------------------------------------------------------------- */

static double now_secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* 1234567 -> "1,234,567" */
static const char *fmt_count(char *buf, size_t size, uint64_t v)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)v), o = 0;

	for (int i = 0; i < n && (size_t)o + 2 < size; i++) {
		if (i && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = tmp[i];
	}
	buf[o] = '\0';
	return buf;
}

static void print_log_tail(struct kmm_machine *m, const char *row)
{
	size_t size = 64 << 10, len;
	char *buf = malloc(size);
	const char *p;
	int lines = 0;

	if (!buf)
		return;
	len = kmm_log_read(m, buf, size);
	buf[len] = '\0';
	p = buf + len;
	while (p > buf && lines <= LOG_TAIL_LINES) {
		p--;
		if (*p == '\n' && p + 1 < buf + len)
			lines++;
	}
	if (p > buf)
		p++;
	fprintf(stderr, "kmm replay: %s: the machine's log ends with:\n%s%s", row, p,
		len && buf[len - 1] != '\n' ? "\n" : "");
	free(buf);
}

/* --log FILE: the whole log ring of the machine the kmm row ran on. */
static void save_log(struct kmm_machine *m, const char *path, const char *row)
{
	size_t size = KMM_LOG_BUF_SIZE + 1, len;
	char *buf = malloc(size);
	FILE *f;

	if (!buf)
		return;
	len = kmm_log_read(m, buf, size);
	f = fopen(path, "a");
	if (!f) {
		fprintf(stderr, "kmm replay: --log %s: %s\n", path, strerror(errno));
	} else {
		fprintf(f, "==== kmm replay: %s ====\n", row);
		fwrite(buf, 1, len, f);
		fclose(f);
	}
	free(buf);
}

/* ---- the machine's view: /proc parsing ---------------------------------------------------- */

/*
 * Pages the task can have: for each zone, free pages above the high
 * watermark and the lowmem reserve that user allocations (highest zone
 * ZONE_MOVABLE: the last protection entry) must leave, plus the pages on
 * the per-CPU lists.
 */
static long avail_pages(struct kmm_machine *m, long *err)
{
	char *zi = cli_proc_read_all(m, "/proc/zoneinfo", err);
	long total = 0, nfree = 0, high = 0, prot = 0;
	bool in_zone = false;

	if (!zi)
		return -1;
	for (char *line = strtok(zi, "\n"); line; line = strtok(NULL, "\n")) {
		char *s = line + strspn(line, " ");
		long v;

		if (!strncmp(s, "Node ", 5)) {
			if (in_zone && nfree - high - prot > 0)
				total += nfree - high - prot;
			in_zone = true;
			nfree = high = prot = 0;
		} else if (sscanf(s, "pages free %ld", &v) == 1) {
			nfree = v;
		} else if (sscanf(s, "high %ld", &v) == 1) {
			high = v;
		} else if (!strncmp(s, "protection: (", 13)) {
			char *last = strrchr(s, ',');
			prot = strtol(last ? last + 1 : s + 13, NULL, 10);
		} else if (sscanf(s, "count: %ld", &v) == 1) {
			total += v; /* a per-CPU list of this zone */
		}
	}
	if (in_zone && nfree - high - prot > 0)
		total += nfree - high - prot;
	free(zi);
	return total;
}

struct vmstat_snap {
	uint64_t pswpin, pswpout, pgscan, pgsteal;
};

static int read_vmstat(struct kmm_machine *m, struct vmstat_snap *s)
{
	long err;
	char *vs = cli_proc_read_all(m, "/proc/vmstat", &err);

	memset(s, 0, sizeof(*s));
	if (!vs)
		return -1;
	for (char *line = strtok(vs, "\n"); line; line = strtok(NULL, "\n")) {
		char name[64];
		unsigned long long v;
		if (sscanf(line, "%63s %llu", name, &v) != 2)
			continue;
		if (!strcmp(name, "pswpin"))
			s->pswpin = v;
		else if (!strcmp(name, "pswpout"))
			s->pswpout = v;
		else if (!strncmp(name, "pgscan_", 7) && strcmp(name, "pgscan_anon") &&
			 strcmp(name, "pgscan_file"))
			s->pgscan += v; /* kswapd + direct + khugepaged */
		else if (!strncmp(name, "pgsteal_", 8) && strcmp(name, "pgsteal_anon") &&
			 strcmp(name, "pgsteal_file"))
			s->pgsteal += v;
	}
	free(vs);
	return 0;
}

/* ---- the kmm runner ----------------------------------------------------------------------- */

struct cluster {
	uint64_t first, last; /* vpns */
};

struct kmm_ctx {
	const struct replay_opts *o;
	struct refsim_trace *t;
	struct progress *prog;
	uint32_t frames;
	bool mglru;
	struct cluster *clusters;
	size_t nr_clusters;
	char swap_path[256];
	/* the machine being set up */
	struct kmm_machine *m;
	struct kmm_task *task;
	struct page **balloon;
	unsigned char *balloon_order;
	unsigned long nr_balloon, cap_balloon, balloon_pages;
};

static void discard_console(void *ctx, int level, const char *line, size_t len)
{
	(void)ctx;
	(void)level;
	(void)line;
	(void)len;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int build_clusters(struct kmm_ctx *c, char *err, size_t errlen)
{
	uint32_t n = c->t->nr_pages;
	uint64_t *v = malloc((size_t)(n ? n : 1) * sizeof(*v));

	if (!v) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(v, c->t->vpns, (size_t)n * sizeof(*v));
	qsort(v, n, sizeof(*v), cmp_u64);
	c->clusters = malloc((size_t)(n ? n : 1) * sizeof(*c->clusters));
	if (!c->clusters) {
		free(v);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->nr_clusters = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (c->nr_clusters &&
		    v[i] - c->clusters[c->nr_clusters - 1].last <= CLUSTER_GAP_PAGES)
			c->clusters[c->nr_clusters - 1].last = v[i];
		else
			c->clusters[c->nr_clusters++] = (struct cluster){ v[i], v[i] };
	}
	free(v);
	if (c->nr_clusters && (c->clusters[0].first << TRACE_PAGE_SHIFT) < KMM_MMAP_MIN_ADDR) {
		snprintf(err, errlen,
			 "the trace uses page %#llx, below mmap_min_addr (%#llx): a task "
			 "cannot map it",
			 (unsigned long long)c->clusters[0].first,
			 (unsigned long long)KMM_MMAP_MIN_ADDR);
		return -1;
	}
	return 0;
}

/*
 * The balloon: kernel pages nobody can reclaim, kept as a stack of blocks.
 * Big requests take whole high-order blocks (whole pageblocks go
 * unmovable rather than a scatter of single pages), the rest order-0
 * pages, so the top of the stack holds the smallest blocks.
 */
static int balloon_push(struct kmm_ctx *c, unsigned order)
{
	struct page *p;

	if (c->nr_balloon == c->cap_balloon) {
		unsigned long cap = c->cap_balloon ? c->cap_balloon * 2 : 256;
		struct page **b = realloc(c->balloon, cap * sizeof(*b));
		unsigned char *o = realloc(c->balloon_order, cap);
		if (b)
			c->balloon = b;
		if (o)
			c->balloon_order = o;
		if (!b || !o)
			return -1;
		c->cap_balloon = cap;
	}
	p = kmm_alloc_pages(c->m, GFP_KERNEL | __GFP_NOWARN | (order ? __GFP_NORETRY : 0), order);
	if (!p)
		return -1;
	c->balloon[c->nr_balloon] = p;
	c->balloon_order[c->nr_balloon++] = (unsigned char)order;
	c->balloon_pages += 1ul << order;
	return 0;
}

static int balloon_grow(struct kmm_ctx *c, unsigned long n)
{
	for (int order = 10; order > 0; order--) {
		/* leave some order-0 pages for the fine adjustments */
		while (n >= (1ul << order) + 64 && !balloon_push(c, (unsigned)order))
			n -= 1ul << order;
	}
	while (n) {
		if (balloon_push(c, 0))
			return -1;
		n--;
	}
	return 0;
}

static void balloon_pop(struct kmm_ctx *c)
{
	unsigned order = c->balloon_order[--c->nr_balloon];

	__kmm_free_pages(c->m, c->balloon[c->nr_balloon], order);
	c->balloon_pages -= 1ul << order;
}

static int balloon_release(struct kmm_ctx *c, unsigned long n)
{
	while (n && c->nr_balloon) {
		unsigned long size = 1ul << c->balloon_order[c->nr_balloon - 1];
		balloon_pop(c);
		if (size > n)
			return balloon_grow(c, size - n);
		n -= size;
	}
	return 0;
}

/* Let kswapd finish (bounded: a kswapd stuck on something of ours must not hang us). */
static void kswapd_wait(struct kmm_machine *m)
{
	for (int i = 0; i < 100000 && kmm_kswapd_busy(m); i++)
		sched_yield();
}

/* Slab and page-table pages, read without allocating (no /proc file). */
static long kernel_pages(struct kmm_machine *m)
{
	return kmm_node_stat(m, NR_SLAB_RECLAIMABLE_B) + kmm_node_stat(m, NR_SLAB_UNRECLAIMABLE_B) +
	       kmm_node_stat(m, NR_PAGETABLE);
}

/*
 * Keep the task's share constant while the kernel grows: the slab and
 * page-table pages above what the machine had at the start (less the
 * @overhead reserved for the task's own page tables and VMAs) come out
 * of the balloon (swap-cache xarray nodes, workingset shadows), up to
 * all the balloon has.
 */
static void balloon_follow(struct kmm_ctx *c, uint64_t kernel0, long overhead,
			   struct kmm_result *res)
{
	long excess, target;

	excess = kernel_pages(c->m) - (long)kernel0 - overhead;
	if (excess < 0)
		excess = 0;
	if (excess > res->kernel_growth)
		res->kernel_growth = excess;
	target = (long)res->balloon - excess;
	if (target < 0) {
		target = 0; /* the kernel outgrew the balloon: the task has less */
		res->balloon_short = true;
	}
	if (target < (long)c->balloon_pages) {
		balloon_release(c, c->balloon_pages - (unsigned long)target);
		/* to the buddy lists, not the unmovable per-CPU list where the
		 * task's (movable) allocations would never find them */
		kmm_drain_local_pages(c->m, 0);
	}
	/* (never grown back: that allocation could OOM-kill the task) */
}

static void machine_teardown(struct kmm_ctx *c)
{
	if (!c->m)
		return;
	while (c->nr_balloon)
		balloon_pop(c);
	if (c->task)
		kmm_task_exit(c->task);
	c->task = NULL;
	kmm_machine_shutdown(c->m);
	c->m = NULL;
}

/*
 * Boot a machine of @mem_kb, select the reclaim policy, turn swap on,
 * spawn the task and map the trace's clusters.  0, 1 if the machine is too
 * small to boot, -1 with @err.
 */
static int machine_setup(struct kmm_ctx *c, uint64_t mem_kb, char *err, size_t errlen)
{
	struct kmm_boot_opts opts = { .console = discard_console };
	char cmdline[KMM_CMDLINE_MAX], berr[512] = "";
	const char *lru_gen = "/sys/kernel/mm/lru_gen/enabled";
	int rc;

	snprintf(cmdline, sizeof(cmdline), "quiet numa=off nr_cpus=2 mem=%lluK%s%s",
		 (unsigned long long)mem_kb, c->o->extra_cmdline ? " " : "",
		 c->o->extra_cmdline ? c->o->extra_cmdline : "");
	rc = kmm_machine_boot(cmdline, &opts, &c->m, berr, sizeof(berr));
	if (rc < 0 || !c->m) {
		c->m = NULL;
		if (strstr(berr, "usable RAM") && mem_kb < 64 * 1024)
			return 1;
		snprintf(err, errlen, "boot '%.200s': %.300s", cmdline,
			 berr[0] ? berr : cli_strerror(rc));
		return -1;
	}
	if (kmm_proc_stat(c->m, lru_gen) == 0) {
		const char *v = c->mglru ? "y" : "n";
		rc = kmm_proc_write(c->m, lru_gen, v, 1);
		if (rc < 0) {
			snprintf(err, errlen, "echo %s > %s: %s", v, lru_gen, cli_strerror(rc));
			goto fail;
		}
	} else if (c->mglru) {
		snprintf(err, errlen,
			 "--policy mglru: this machine has no %s, so the multi-generational LRU "
			 "cannot be selected",
			 lru_gen);
		goto fail;
	}
	for (int i = 0; i < c->o->nr_sets; i++) {
		const char *set = c->o->sets[i], *eq = strchr(set, '=');
		char path[256];

		snprintf(path, sizeof(path), "%.*s", (int)(eq - set), set);
		rc = kmm_proc_write(c->m, path, eq + 1, strlen(eq + 1));
		if (rc < 0) {
			snprintf(err, errlen, "--set: echo %s > %s: %s", eq + 1, path,
				 cli_strerror(rc));
			goto fail;
		}
	}
	if (c->o->have_swap && c->o->swap_bytes) {
		rc = kmm_swapon(c->m, c->swap_path, -1);
		if (rc < 0) {
			snprintf(err, errlen, "swapon %s: %s", c->swap_path, cli_strerror(rc));
			goto fail;
		}
	}
	c->task = kmm_task_spawn(c->m, "replay");
	if (!c->task) {
		snprintf(err, errlen, "cannot spawn the task: out of memory");
		goto fail;
	}
	for (size_t i = 0; i < c->nr_clusters; i++) {
		uint64_t addr = c->clusters[i].first << TRACE_PAGE_SHIFT;
		uint64_t len = (c->clusters[i].last - c->clusters[i].first + 1) << TRACE_PAGE_SHIFT;
		long a = kmm_mmap(c->task, addr, len, KMM_PROT_READ | KMM_PROT_WRITE,
				  KMM_MAP_PRIVATE | KMM_MAP_ANONYMOUS | KMM_MAP_FIXED |
					  KMM_MAP_NORESERVE,
				  -1, 0);
		if (a < 0) {
			snprintf(err, errlen, "mmap %#llx+%#llx: %s", (unsigned long long)addr,
				 (unsigned long long)len, cli_strerror(a));
			goto fail;
		}
	}
	return 0;
fail:
	machine_teardown(c);
	return -1;
}

static int measure(struct kmm_ctx *c, long *avail, char *err, size_t errlen)
{
	long e = 0;

	*avail = avail_pages(c->m, &e);
	if (*avail < 0) {
		snprintf(err, errlen, "cannot read /proc/zoneinfo: %s", cli_strerror(e));
		return -1;
	}
	return 0;
}

/*
 * The probe: a machine with room for the whole footprint; what touching
 * every page once costs beyond the pages themselves (page tables, VMA and
 * anon_vma objects) is the overhead the real machine must have room for.
 */
static int probe_overhead(struct kmm_ctx *c, long *overhead, uint64_t *probe_kb, long *probe_avail,
			  char *err, size_t errlen)
{
	uint64_t mem_kb = (uint64_t)c->t->nr_pages * 4 * 5 / 4 + 16384;
	long a0, a1;
	unsigned char b = 0;

	for (int tries = 0;; tries++) {
		int rc = machine_setup(c, mem_kb, err, errlen);
		if (rc)
			return -1;
		if (measure(c, &a0, err, errlen))
			goto fail;
		progress_cb(c->prog, "measuring the kernel", 0.0);
		kmm_cpu_enter(c->m, 0);
		for (uint32_t id = 0; id < c->t->nr_pages; id++) {
			rc = kmm_access(c->task, c->t->vpns[id] << TRACE_PAGE_SHIFT, &b, 1,
					KMM_ACCESS_WRITE);
			if (rc)
				break;
		}
		kmm_cpu_leave(c->m);
		if (!rc)
			break;
		machine_teardown(c);
		if (tries == 3) {
			snprintf(err, errlen,
				 "the probe machine (mem=%lluK) could not hold the footprint: %s",
				 (unsigned long long)mem_kb, cli_strerror(rc));
			return -1;
		}
		mem_kb *= 2;
	}
	if (measure(c, &a1, err, errlen))
		goto fail;
	*overhead = a0 - a1 - (long)kmm_task_rss(c->task);
	if (*overhead < 0)
		*overhead = 0;
	*probe_kb = mem_kb;
	*probe_avail = a0;
	machine_teardown(c);
	return 0;
fail:
	machine_teardown(c);
	return -1;
}

/*
 * Boot machines until one offers exactly frames + overhead pages (the
 * balloon takes what is left over).  Leaves the machine set up in c.
 */
static int size_machine(struct kmm_ctx *c, long overhead, uint64_t probe_kb, long probe_avail,
			struct kmm_result *res, char *err, size_t errlen)
{
	long want = (long)c->frames + overhead, avail, d;
	/* first guess: the probe's machine less the pages it had too many */
	uint64_t mem_kb = probe_kb;

	if (probe_avail > want)
		mem_kb = (uint64_t)(probe_avail - want) * 4 < probe_kb ?
				 probe_kb - (uint64_t)(probe_avail - want) * 4 :
				 MIN_MEM_KB;
	else
		mem_kb = probe_kb + (uint64_t)(want - probe_avail) * 4;
	if (mem_kb < MIN_MEM_KB)
		mem_kb = MIN_MEM_KB;
	for (int iter = 0;; iter++) {
		int rc = machine_setup(c, mem_kb, err, errlen);
		res->boots++;
		if (rc < 0)
			return -1;
		if (rc == 1) { /* too small to boot */
			mem_kb += 1024;
			continue;
		}
		if (measure(c, &avail, err, errlen))
			goto fail;
		d = avail - want;
		if (d == 0 || (d > 0 && (mem_kb <= MIN_MEM_KB || d <= 16 || iter >= 6)))
			break;
		machine_teardown(c);
		if (d > 0) {
			uint64_t drop = (uint64_t)d * 4;
			mem_kb = mem_kb - drop < MIN_MEM_KB || drop >= mem_kb ? MIN_MEM_KB :
										mem_kb - drop;
		} else {
			mem_kb += (uint64_t)(-d) * 4 + (uint64_t)(-d) * 4 / 32 + 4;
		}
	}
	res->mem_kb = mem_kb;
	/* the balloon: kernel pages nobody can reclaim */
	for (int i = 0; i < 8; i++) {
		if (measure(c, &avail, err, errlen))
			goto fail;
		d = avail - want;
		if (d == 0)
			break;
		if (d > 0 && balloon_grow(c, (unsigned long)d)) {
			snprintf(err, errlen, "cannot allocate a balloon of %ld pages", d);
			goto fail;
		}
		if (d < 0 && balloon_release(c, (unsigned long)-d)) {
			snprintf(err, errlen, "cannot resize the balloon");
			goto fail;
		}
	}
	if (measure(c, &avail, err, errlen))
		goto fail;
	if (avail != want) {
		snprintf(
			err, errlen,
			"could not size the machine: %ld pages free above the watermarks, %ld wanted",
			avail, want);
		goto fail;
	}
	res->balloon = c->balloon_pages;
	res->overhead = overhead;
	return 0;
fail:
	machine_teardown(c);
	return -1;
}

/*
 * The watchdog: a kmm row whose task makes no progress for STALL_SECS is
 * stuck in the kernel (a deadlock or a reclaim livelock): say where, show
 * the log, and exit, since the stuck thread cannot be unwound.
 */
struct watchdog {
	pthread_t thread;
	atomic_ulong done; /* references completed */
	atomic_bool stop;
	struct kmm_machine *m;
	const char *row;
	const char *swap_path;
	uint64_t total;
};

static void *watchdog_fn(void *arg)
{
	struct watchdog *w = arg;
	unsigned long last = atomic_load(&w->done);
	int still = 0;

	while (!atomic_load(&w->stop)) {
		unsigned long now;
		struct timespec ts = { 0, 250 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		now = atomic_load(&w->done);
		if (now != last) {
			last = now;
			still = 0;
			continue;
		}
		if (++still < STALL_SECS * 4)
			continue;
		fprintf(stderr,
			"\nkmm replay: %s: no progress for %d s at reference %lu of %llu: the "
			"kernel is stuck (a deadlock?)\n",
			w->row, STALL_SECS, now, (unsigned long long)w->total);
		print_log_tail(w->m, w->row);
		if (w->swap_path && w->swap_path[0])
			unlink(w->swap_path);
		fflush(NULL);
		_exit(CLI_EXIT_FAIL);
	}
	return NULL;
}

/* The swap file, for a Ctrl-C or kill (TERM) in the middle of a run. */
static char swap_path_for_signal[256];

static void remove_swap_and_die(int sig)
{
	if (swap_path_for_signal[0])
		unlink(swap_path_for_signal);
	signal(sig, SIG_DFL);
	raise(sig);
}

static int run_kmm_row(const struct replay_opts *o, struct refsim_trace *t, uint32_t frames,
		       bool mglru, struct progress *prog, struct kmm_result *res)
{
	struct kmm_ctx c = { .o = o, .t = t, .prog = prog, .frames = frames, .mglru = mglru };
	const char *row = mglru ? "kmm-mglru" : "kmm-classic";
	struct vmstat_snap v0, v1;
	char err[768] = "";
	long overhead = 0, probe_avail = 0;
	uint64_t i = 0, rss_sum = 0, nr_samples = 0, probe_kb = 0, kernel0;
	unsigned char b = 0x5a, *touched = NULL;
	struct watchdog wd = { .done = 0 };
	bool have_wd = false;
	double t0;
	int rc = 0, fd;

	res->ran = true;
	res->rss_min = UINT64_MAX;
	if (o->have_swap && o->swap_bytes) {
		const char *dir = getenv("TMPDIR");
		snprintf(c.swap_path, sizeof(c.swap_path), "%s/kmm-replay-swap.XXXXXX",
			 dir && *dir ? dir : "/tmp");
		fd = mkstemp(c.swap_path);
		if (fd < 0) {
			snprintf(err, sizeof(err), "cannot create a swap file in %s: %s",
				 dir && *dir ? dir : "/tmp", strerror(errno));
			goto fail;
		}
		close(fd);
		memcpy(swap_path_for_signal, c.swap_path, sizeof(swap_path_for_signal));
		signal(SIGINT, remove_swap_and_die);
		signal(SIGTERM, remove_swap_and_die);
		signal(SIGHUP, remove_swap_and_die);
		rc = kmm_mkswap(c.swap_path, o->swap_bytes);
		if (rc < 0) {
			snprintf(err, sizeof(err), "mkswap %s: %s", c.swap_path, cli_strerror(rc));
			goto fail;
		}
	}
	if (build_clusters(&c, err, sizeof(err)))
		goto fail;
	if (o->no_zero_page) {
		touched = calloc(t->nr_pages ? t->nr_pages : 1, 1);
		if (!touched) {
			snprintf(err, sizeof(err), "out of memory");
			goto fail;
		}
	}
	progress_cb(prog, "sizing the machine", 0.0);
	if (probe_overhead(&c, &overhead, &probe_kb, &probe_avail, err, sizeof(err)))
		goto fail;
	if (size_machine(&c, overhead, probe_kb, probe_avail, res, err, sizeof(err)))
		goto fail;
	kernel0 = kernel_pages(c.m);
	if (read_vmstat(c.m, &v0)) {
		snprintf(err, sizeof(err), "cannot read /proc/vmstat");
		goto fail;
	}
	progress_done(prog);
	if (kmm_cpu_enter(c.m, 0) < 0) {
		snprintf(err, sizeof(err), "cannot bind to CPU 0 of the machine");
		goto fail;
	}
	wd.m = c.m;
	wd.row = row;
	wd.swap_path = c.swap_path;
	wd.total = t->nr_refs;
	have_wd = !pthread_create(&wd.thread, NULL, watchdog_fn, &wd);
	t0 = now_secs();
	for (i = 0; i < t->nr_refs; i++) {
		uint32_t r = t->refs[i];
		uint64_t addr = t->vpns[r >> 1] << TRACE_PAGE_SHIFT;
		int access = (r & 1) ? KMM_ACCESS_WRITE : KMM_ACCESS_READ;

		if (touched && !touched[r >> 1]) {
			touched[r >> 1] = 1;
			access = KMM_ACCESS_WRITE;
		}
		rc = kmm_access(c.task, addr, &b, 1, access);
		if (rc)
			break;
		/* as on one CPU: a kswapd woken by that access runs before the
		 * next one (repeatable results, whatever the host's load) */
		if (__builtin_expect(kmm_kswapd_busy(c.m), 0))
			kswapd_wait(c.m);
		if (i % RSS_SAMPLE_EVERY == RSS_SAMPLE_EVERY - 1) {
			uint64_t rss = kmm_task_rss(c.task);
			if (i % (RSS_SAMPLE_EVERY * 8) == RSS_SAMPLE_EVERY - 1)
				balloon_follow(&c, kernel0, overhead, res);
			atomic_store_explicit(&wd.done, i + 1, memory_order_relaxed);
			rss_sum += rss;
			nr_samples++;
			if (rss < res->rss_min)
				res->rss_min = rss;
			if (rss > res->rss_max)
				res->rss_max = rss;
			if (i % (RSS_SAMPLE_EVERY * 256) == RSS_SAMPLE_EVERY - 1)
				progress_cb(prog, row, (double)i / (double)t->nr_refs);
		}
	}
	res->secs = now_secs() - t0;
	if (have_wd) {
		atomic_store(&wd.stop, true);
		pthread_join(wd.thread, NULL);
	}
	kmm_cpu_leave(c.m);
	progress_done(prog);
	res->refs_done = i;
	res->min_flt = kmm_task_min_flt(c.task);
	res->maj_flt = kmm_task_maj_flt(c.task);
	res->faults = res->min_flt + res->maj_flt;
	res->rss_avg = nr_samples ? (double)rss_sum / (double)nr_samples : 0;
	if (!nr_samples)
		res->rss_min = res->rss_max = kmm_task_rss(c.task);
	if (read_vmstat(c.m, &v1) == 0) {
		res->pswpin = v1.pswpin - v0.pswpin;
		res->pswpout = v1.pswpout - v0.pswpout;
		res->pgscan = v1.pgscan - v0.pgscan;
		res->pgsteal = v1.pgsteal - v0.pgsteal;
	}
	if (rc) {
		char at[32], n[32];
		int sig = kmm_task_signal(c.task);
		fmt_count(at, sizeof(at), i);
		fmt_count(n, sizeof(n), t->nr_refs);
		if (sig)
			snprintf(err, sizeof(err),
				 "the task was killed by %s at reference %s of %s (page %#llx)%s",
				 cli_signal_name(sig) ? cli_signal_name(sig) : "a signal", at, n,
				 (unsigned long long)t->vpns[t->refs[i] >> 1],
				 sig == KMM_SIGKILL ? ": out of memory, the OOM killer chose it" :
						      "");
		else
			snprintf(err, sizeof(err), "kmm_access failed at reference %s of %s: %s%s",
				 at, n, cli_strerror(rc),
				 rc == -KMM_ENOMEM ? " (the fault could not get a page)" : "");
		if (!(o->have_swap && o->swap_bytes))
			snprintf(
				err + strlen(err), sizeof(err) - strlen(err),
				"; anonymous memory can only be reclaimed to swap: try --swap SIZE");
		fprintf(stderr, "kmm replay: %s: %s\n", row, err);
		print_log_tail(c.m, row);
		if (o->log_path)
			save_log(c.m, o->log_path, row);
		goto fail;
	}
	if (o->log_path)
		save_log(c.m, o->log_path, row);
	machine_teardown(&c);
	free(c.clusters);
	free(c.balloon);
	free(c.balloon_order);
	free(touched);
	if (c.swap_path[0])
		unlink(c.swap_path);
	swap_path_for_signal[0] = '\0';
	return 0;

fail:
	progress_done(prog);
	res->failed = true;
	snprintf(res->msg, sizeof(res->msg), "%s", err);
	machine_teardown(&c);
	free(c.clusters);
	free(c.balloon);
	free(c.balloon_order);
	free(touched);
	if (c.swap_path[0])
		unlink(c.swap_path);
	swap_path_for_signal[0] = '\0';
	return -1;
}

/* Pages read before their first write (each costs kmm a zero-page COW
 * fault the reference model does not have), and in *never pages never
 * written at all (they only ever map the zero page). */
static uint64_t count_read_then_write(const struct refsim_trace *t, uint64_t *never)
{
	uint8_t *st = calloc(t->nr_pages ? t->nr_pages : 1, 1);
	uint64_t n = 0;

	*never = 0;
	if (!st)
		return 0;
	for (uint64_t i = 0; i < t->nr_refs; i++) {
		uint32_t r = t->refs[i], id = r >> 1;
		if (!st[id]) {
			st[id] = (r & 1) ? 2 : 1; /* 1: first touched by a read */
		} else if (st[id] == 1 && (r & 1)) {
			st[id] = 2;
			n++;
		}
	}
	for (uint32_t id = 0; id < t->nr_pages; id++)
		*never += st[id] == 1;
	free(st);
	return n;
}

/* ---- options ------------------------------------------------------------------------------ */

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "kmm replay: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see kmm replay --help)\n");
	return CLI_EXIT_USAGE;
}

static int parse_policies(struct replay_opts *o, const char *list)
{
	char *dup = strdup(list), *save = NULL;

	if (!dup) {
		fprintf(stderr, "kmm replay: out of memory\n");
		return -1;
	}
	o->rows_given = true;
	for (char *tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int p = refsim_policy_parse(tok);
		if (p >= 0) {
			o->rows[p] = true;
		} else if (!strcmp(tok, "all") || !strcmp(tok, "reference")) {
			for (int i = 0; i < REFSIM_NR_POLICIES; i++)
				o->rows[i] = true;
		} else if (!strcmp(tok, "kmm-classic")) {
			o->rows[ROW_KMM_CLASSIC] = true;
		} else if (!strcmp(tok, "kmm-mglru")) {
			o->rows[ROW_KMM_MGLRU] = true;
		} else if (!strcmp(tok, "kmm")) {
			o->kmm_alias = true; /* resolved once --policy is known */
		} else {
			usage_error("--policies: unknown policy '%s' (opt, lru, clock, fifo, 2q, "
				    "linux, arc, lirs, kmm-classic, kmm-mglru, kmm, all)",
				    tok);
			free(dup);
			return -1;
		}
	}
	free(dup);
	return 0;
}

static int parse_args(int argc, char **argv, struct replay_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->policy = "classic";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		bool takes = !strcmp(a, "--frames") || !strcmp(a, "--mem") || !strcmp(a, "--pct") ||
			     !strcmp(a, "--swap") || !strcmp(a, "--policy") ||
			     !strcmp(a, "--policies") || !strcmp(a, "--limit") ||
			     !strcmp(a, "--cmdline") || !strcmp(a, "--log") || !strcmp(a, "--set");

		if (takes && !v)
			return usage_error("%s needs a value", a);
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			return -1;
		} else if (!strcmp(a, "--reference")) {
			o->reference = true;
		} else if (!strcmp(a, "--tsv")) {
			o->tsv = true;
		} else if (!strcmp(a, "--no-zero-page")) {
			o->no_zero_page = true;
		} else if (takes && o->size_kind &&
			   (!strcmp(a, "--frames") || !strcmp(a, "--mem") || !strcmp(a, "--pct"))) {
			return usage_error("%s: give only one of --frames, --mem and --pct", a);
		} else if (!strcmp(a, "--frames")) {
			unsigned long n;
			if (!cli_parse_ulong(v, &n) || n == 0 || n > UINT32_MAX)
				return usage_error("--frames: '%s' is not a number of frames >= 1",
						   v);
			o->size_kind = 1;
			o->frames_arg = n;
			i++;
		} else if (!strcmp(a, "--mem")) {
			if (!cli_parse_size_expr(v, &o->mem_bytes) || o->mem_bytes < KMM_PAGE_SIZE)
				return usage_error(
					"--mem: '%s' is not a size of at least 4K (e.g. 512K, "
					"2M)",
					v);
			o->size_kind = 2;
			i++;
		} else if (!strcmp(a, "--pct")) {
			char *end;
			errno = 0;
			o->pct = strtod(v, &end);
			if (errno || end == v || *end || !(o->pct > 0) || o->pct > 100)
				return usage_error("--pct: '%s' is not a percentage in (0, 100]",
						   v);
			o->size_kind = 3;
			i++;
		} else if (!strcmp(a, "--swap")) {
			if (!cli_parse_size_expr(v, &o->swap_bytes))
				return usage_error("--swap: '%s' is not a size (e.g. 64M)", v);
			o->have_swap = true;
			i++;
		} else if (!strcmp(a, "--policy")) {
			if (strcmp(v, "classic") && strcmp(v, "mglru"))
				return usage_error("--policy: '%s' is not classic or mglru", v);
			o->policy = v;
			i++;
		} else if (!strcmp(a, "--policies")) {
			if (parse_policies(o, v))
				return CLI_EXIT_USAGE;
			i++;
		} else if (!strcmp(a, "--limit")) {
			unsigned long n;
			if (!cli_parse_ulong(v, &n) || n == 0)
				return usage_error(
					"--limit: '%s' is not a number of references >= 1", v);
			o->limit = n;
			i++;
		} else if (!strcmp(a, "--cmdline")) {
			o->extra_cmdline = v;
			i++;
		} else if (!strcmp(a, "--set")) {
			const char *eq = strchr(v, '=');
			if (!eq || eq == v || v[0] != '/' || eq - v >= 255)
				return usage_error("--set: '%s' is not /proc/... or /sys/...=VALUE",
						   v);
			if (o->nr_sets == (int)(sizeof(o->sets) / sizeof(o->sets[0])))
				return usage_error("--set: at most 16 (%s is one more)", v);
			o->sets[o->nr_sets++] = v;
			i++;
		} else if (!strcmp(a, "--log")) {
			o->log_path = v;
			i++;
		} else if (a[0] == '-' && a[1]) {
			return usage_error("unknown option '%s'", a);
		} else if (o->path) {
			return usage_error("one trace at a time ('%s' is extra)", a);
		} else {
			o->path = a;
		}
	}
	if (!o->path)
		return usage_error("%s", "no trace given");
	if (!o->size_kind)
		return usage_error("%s", "give the memory size: --frames N, --mem SIZE or --pct P");
	if (o->kmm_alias)
		o->rows[!strcmp(o->policy, "mglru") ? ROW_KMM_MGLRU : ROW_KMM_CLASSIC] = true;
	if (!o->rows_given) {
		if (o->reference) {
			for (int i = 0; i < REFSIM_NR_POLICIES; i++)
				o->rows[i] = true;
		} else {
			o->rows[!strcmp(o->policy, "mglru") ? ROW_KMM_MGLRU : ROW_KMM_CLASSIC] =
				true;
		}
	}
	return 0;
}

/* ---- output ------------------------------------------------------------------------------- */

static uint64_t count_writes(const struct refsim_trace *t)
{
	uint64_t n = 0;

	for (uint64_t i = 0; i < t->nr_refs; i++)
		n += t->refs[i] & 1;
	return n;
}

static void print_table(const struct replay_opts *o, const struct refsim_trace *t, const char *path,
			uint64_t nr_refs, uint32_t nr_pages, uint32_t frames,
			struct row_result *rows, bool have_opt)
{
	char a[32], b[32], c[32], d[32];
	uint64_t opt = rows[REFSIM_OPT].faults;

	printf("%s: %s references%s, footprint %s pages", path, fmt_count(a, sizeof(a), nr_refs),
	       o->limit ? " (--limit)" : "", fmt_count(b, sizeof(b), nr_pages));
	if (t)
		printf(", %s with a write", fmt_count(c, sizeof(c), count_writes(t)));
	printf("\n");
	if (o->size_kind == 3)
		printf("memory: %u frames (%g%% of the footprint)\n\n", frames, o->pct);
	else
		printf("memory: %u frames (%.1f%% of the footprint)\n\n", frames,
		       nr_pages ? 100.0 * frames / nr_pages : 0.0);
	printf("%-12s %14s %10s %12s %9s\n", "policy", "faults", "ratio/OPT", "writebacks", "secs");
	for (int r = 0; r < NR_ROWS; r++) {
		const struct row_result *x = &rows[r];
		char ratio[16];
		if (!x->selected)
			continue;
		if (r >= REFSIM_NR_POLICIES && x->kmm.failed) {
			printf("%-12s %14s %10s %12s %9s  (failed)\n", row_name(r), "-", "-", "-",
			       "-");
			continue;
		}
		if (have_opt && opt)
			snprintf(ratio, sizeof(ratio), "%.3f", (double)x->faults / (double)opt);
		else
			snprintf(ratio, sizeof(ratio), "-");
		printf("%-12s %14s %10s %12s %9.2f%s\n", row_name(r),
		       fmt_count(a, sizeof(a), x->faults), ratio,
		       fmt_count(b, sizeof(b), x->writebacks), x->secs,
		       r >= REFSIM_NR_POLICIES ? "  (writebacks: pswpout)" : "");
	}
	for (int r = REFSIM_NR_POLICIES; r < NR_ROWS; r++) {
		const struct kmm_result *k = &rows[r].kmm;
		if (!rows[r].selected || k->failed)
			continue;
		printf("\n%s: a machine of mem=%lluK (numa=off nr_cpus=2%s%s; the task on CPU 0)\n",
		       row_name(r), (unsigned long long)k->mem_kb, o->extra_cmdline ? " " : "",
		       o->extra_cmdline ? o->extra_cmdline : "");
		printf("  sized by a probe and %d boot%s, with a balloon of %lu kernel pages;\n",
		       k->boots, k->boots == 1 ? "" : "s", k->balloon);
		printf("  %u frames free above the high watermark, plus %ld pages for the task's "
		       "page tables\n",
		       frames, k->overhead);
		printf("  frames held: %.1f on average (RSS every %d references), min %llu, max "
		       "%llu\n",
		       k->rss_avg, RSS_SAMPLE_EVERY, (unsigned long long)k->rss_min,
		       (unsigned long long)k->rss_max);
		if (k->kernel_growth)
			printf("  the kernel grew by up to %ld pages (swap-cache nodes, shadows): the "
			       "balloon gave them back%s\n",
			       k->kernel_growth, k->balloon_short ? ", but not all of them" : "");
		printf("  faults %s = min_flt %s + maj_flt %s\n",
		       fmt_count(a, sizeof(a), k->faults), fmt_count(b, sizeof(b), k->min_flt),
		       fmt_count(c, sizeof(c), k->maj_flt));
		printf("  pswpin %s  pswpout %s  pgscan %s  pgsteal %s\n",
		       fmt_count(a, sizeof(a), k->pswpin), fmt_count(b, sizeof(b), k->pswpout),
		       fmt_count(c, sizeof(c), k->pgscan), fmt_count(d, sizeof(d), k->pgsteal));
		printf("  %s references in %.2f s: %.0f references/s\n",
		       fmt_count(a, sizeof(a), k->refs_done), k->secs,
		       k->secs > 0 ? (double)k->refs_done / k->secs : 0.0);
	}
}

/* ---- main --------------------------------------------------------------------------------- */

static int replay_main(int argc, char **argv)
{
	struct replay_opts o;
	struct trace_reader *r = NULL;
	struct refsim_trace t;
	struct row_result rows[NR_ROWS];
	struct refsim_job jobs[REFSIM_NR_POLICIES];
	struct progress prog = { .on = isatty(2), .last_pct = -1 };
	const struct trace_header *h;
	char err[1024];
	bool need_load, any_kmm, any_ref = false, opt_needed, loaded = false;
	uint64_t nr_refs, footprint;
	uint32_t nr_pages = 0, frames;
	size_t nr_jobs = 0;
	int rc = parse_args(argc, argv, &o), status = CLI_EXIT_OK;
	long nthreads = sysconf(_SC_NPROCESSORS_ONLN);

	if (rc < 0) {
		cli_print_page(stdout, &cli_tool_replay.doc);
		return CLI_EXIT_OK;
	}
	if (rc)
		return rc;
	memset(rows, 0, sizeof(rows));
	memset(&t, 0, sizeof(t));
	for (int i = 0; i < NR_ROWS; i++) {
		rows[i].selected = o.rows[i];
		if (i < REFSIM_NR_POLICIES && o.rows[i])
			any_ref = true;
	}
	any_kmm = o.rows[ROW_KMM_CLASSIC] || o.rows[ROW_KMM_MGLRU];
	/* the table shows ratios over OPT: run it even when its row is not shown */
	opt_needed = o.rows[REFSIM_OPT] || !o.tsv;
	need_load = opt_needed || any_kmm || (o.size_kind == 3 && o.limit);
	(void)any_ref;

	if (trace_open(o.path, &r, err, sizeof(err))) {
		fprintf(stderr, "kmm replay: %s\n", err);
		return CLI_EXIT_FAIL;
	}
	h = trace_header(r);
	if (need_load) {
		if (refsim_trace_load(r, o.limit, &t, progress_cb, &prog, err, sizeof(err))) {
			progress_done(&prog);
			fprintf(stderr, "kmm replay: %s\n", err);
			trace_close(r);
			return CLI_EXIT_FAIL;
		}
		progress_done(&prog);
		loaded = true;
		nr_refs = t.nr_refs;
		footprint = t.nr_pages;
		nr_pages = t.nr_pages;
	} else {
		nr_refs = o.limit && o.limit < h->count ? o.limit : h->count;
		footprint = h->footprint;
	}
	switch (o.size_kind) {
	case 1:
		frames = (uint32_t)o.frames_arg;
		break;
	case 2:
		frames = (uint32_t)(o.mem_bytes / KMM_PAGE_SIZE);
		break;
	default:
		frames = refsim_frames_for_pct(o.pct, footprint);
	}

	for (int p = 0; p < REFSIM_NR_POLICIES; p++)
		if (o.rows[p] || (p == REFSIM_OPT && opt_needed))
			jobs[nr_jobs++] = (struct refsim_job){ .policy = p, .frames = frames };
	if (loaded) {
		rc = refsim_run_loaded(&t, jobs, nr_jobs, nthreads > 0 ? (int)nthreads : 1,
				       progress_cb, &prog, err, sizeof(err));
	} else {
		rc = refsim_run_stream(r, o.limit, jobs, nr_jobs, &nr_refs, &nr_pages, progress_cb,
				       &prog, err, sizeof(err));
	}
	progress_done(&prog);
	trace_close(r);
	if (rc) {
		fprintf(stderr, "kmm replay: %s\n", err);
		refsim_trace_free(&t);
		return CLI_EXIT_FAIL;
	}
	for (size_t j = 0; j < nr_jobs; j++) {
		rows[jobs[j].policy].faults = jobs[j].faults;
		rows[jobs[j].policy].writebacks = jobs[j].writebacks;
		rows[jobs[j].policy].secs = jobs[j].secs;
	}

	for (int k = ROW_KMM_CLASSIC; k < NR_ROWS; k++) {
		struct kmm_result *res = &rows[k].kmm;
		if (!o.rows[k])
			continue;
		if (run_kmm_row(&o, &t, frames, k == ROW_KMM_MGLRU, &prog, res)) {
			status = CLI_EXIT_FAIL;
			if (!res->refs_done)
				fprintf(stderr, "kmm replay: %s: %s\n", row_name(k), res->msg);
			continue;
		}
		rows[k].faults = res->faults;
		rows[k].writebacks = res->pswpout;
		rows[k].secs = res->secs;
	}

	if (o.tsv) {
		for (int k = 0; k < NR_ROWS; k++)
			if (o.rows[k] && !(k >= REFSIM_NR_POLICIES && rows[k].kmm.failed))
				printf("%s\t%u\t%llu\n", row_name(k), frames,
				       (unsigned long long)rows[k].faults);
	} else {
		print_table(&o, loaded ? &t : NULL, o.path, nr_refs, nr_pages, frames, rows,
			    opt_needed);
		bool kmm_ran = (o.rows[ROW_KMM_CLASSIC] && !rows[ROW_KMM_CLASSIC].kmm.failed) ||
			       (o.rows[ROW_KMM_MGLRU] && !rows[ROW_KMM_MGLRU].kmm.failed);
		if (kmm_ran && loaded && !o.no_zero_page) {
			char a[32], b[32];
			uint64_t never = 0, rtw = count_read_then_write(&t, &never);
			printf("\nkmm maps the zero page for a read of a page never written: the %s pages "
			       "that are\nonly read hold no frame, and the %s read before their first "
			       "write fault twice\n(--no-zero-page makes every first access a write).\n",
			       fmt_count(a, sizeof(a), never), fmt_count(b, sizeof(b), rtw));
		}
	}
	refsim_trace_free(&t);
	return status;
}

const struct cli_tool_cmd cli_tool_replay = {
	.doc = {
		.name = "replay",
		.synopsis = "kmm replay TRACE (--frames N | --mem SIZE | --pct P) [--reference]\n"
			    "           [--policies LIST] [--policy classic|mglru] [--swap SIZE]\n"
			    "           [--tsv] [--limit NREFS] [--no-zero-page] [--cmdline PARAMS]\n"
			    "           [--set FILE=VALUE]...\n"
			    "           [--log FILE]",
		.summary = "replay a page-reference trace: kmm's reclaim against OPT, LRU, ARC, ...",
		.description =
			"Replays TRACE, a PGREFTR1 page-reference trace (raw .pgt or zstd-compressed\n"
			".pgt.zst; see ../shared/traces/FORMAT.md), in a memory of a given number of\n"
			"frames, and prints the page faults.  The memory is --frames N, --mem SIZE\n"
			"(SIZE / 4K frames) or --pct P: round(P% of the trace's footprint), as the\n"
			"traces' README computes F.\n"
			"\n"
			"Rows (--policies LIST, comma-separated):\n"
			"  opt, lru, clock, fifo, 2q, linux, arc, lirs   the built-in reference\n"
			"      simulator, each policy exactly as ../shared/traces/README.md defines it\n"
			"      (its reference_faults.csv comes out identical): demand paging, cold\n"
			"      faults counted, writebacks = dirty evictions.  `all` selects the eight.\n"
			"  kmm-classic, kmm-mglru (or `kmm`: the one --policy names)   a booted kmm\n"
			"      machine (numa=off nr_cpus=2): one task, on CPU 0, replays every\n"
			"      reference as a 1-byte access (a write if the record's write flag is\n"
			"      set) to anonymous memory mapped at the trace's addresses.  Its RAM is\n"
			"      sized so that exactly N frames are free above the high watermark once\n"
			"      its page tables are accounted for (a probe machine measures them; a\n"
			"      balloon of kernel pages takes what the RAM size cannot).  Faults are\n"
			"      the task's min_flt + maj_flt; pswpin, pswpout, pgscan and pgsteal come\n"
			"      from /proc/vmstat; the task's RSS is sampled to show how many frames\n"
			"      it really held.  A read of a never-written page maps the zero page:\n"
			"      pages only ever read hold no frame, and a page read before its first\n"
			"      write faults twice (both counts are printed; --no-zero-page makes the\n"
			"      first access to every page a write, so every page takes a frame).\n"
			"Without --policies: --reference gives the eight reference policies, and\n"
			"otherwise the kmm row of --policy runs alone.  The table shows each row's\n"
			"faults, its ratio over OPT (OPT runs for that even when not shown) and\n"
			"writebacks (pswpout for kmm).\n"
			"\n"
			"Options:\n"
			"  --policy classic|mglru  the kmm row's reclaim: written to\n"
			"                  /sys/kernel/mm/lru_gen/enabled (y or n); mglru fails if the\n"
			"                  file does not exist.  Default classic.\n"
			"  --swap SIZE     a temporary swap file of SIZE for the kmm machine (mkswap and\n"
			"                  swapon); without it anonymous pages cannot be reclaimed and a\n"
			"                  memory smaller than what the task writes ends in an OOM kill.\n"
			"  --tsv           one line per row: policy<TAB>frames<TAB>faults.\n"
			"  --limit NREFS   only the first NREFS references (--pct then uses their\n"
			"                  footprint).\n"
			"  --no-zero-page  see above.\n"
			"  --cmdline PARAMS  more kernel parameters for the kmm machine (e.g.\n"
			"                  'sysctl.vm.swappiness=100').\n"
			"  --set FILE=VALUE  write VALUE to the kmm machine's /proc or /sys FILE after\n"
			"                  boot (up to 16; e.g. /sys/kernel/mm/swap/fault_around=false\n"
			"                  or /proc/sys/vm/page-cluster=0 to see what readahead gives).\n"
			"  --log FILE      append the kmm machine's kernel log to FILE.\n"
			"A progress bar is drawn on stderr when it is a terminal.  A malformed trace\n"
			"(bad header field, truncated data, a count that does not match, a damaged\n"
			"zstd frame) is reported with the field or record index and fails (status 1),\n"
			"as does a kmm row whose task is killed (the end of the kernel log is shown)\n"
			"or whose kernel makes no progress for a minute.",
		.examples =
			"kmm replay ../shared/traces/git-blame.pgt.zst --reference --pct 10\n"
			"kmm replay trace.pgt.zst --reference --policies opt,lru,linux --frames 256 --tsv\n"
			"kmm replay trace.pgt.zst --pct 25 --swap 64M --policies opt,lru,linux,kmm-classic\n"
			"kmm replay trace.pgt.zst --pct 25 --swap 64M --policy mglru --log kernel.log",
	},
	.main = replay_main,
};
