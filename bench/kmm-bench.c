/* SPDX-License-Identifier: MIT */
/*
 * bench/kmm-bench.c - benchmark driver for libkmm.  See docs/PERFORMANCE.md.
 *
 *   kmm-bench [--suite NAME] [--case NAME] [--threads N[,N...]] [--ops N]
 *             [--time SECONDS] [--cputime] [--repeat N] [--callgrind]
 *             [--no-timing] [--out FILE] [--list]
 *
 * Timing pass (default): for every selected case, thread count (default 1
 * and 2) and implementation ("kmm", "floor", and for some suites peers such
 * as "glibc"), skip it with a note if impl->unavailable() says so, boot a
 * fresh machine if the implementation needs one ("<suite cmdline>
 * nr_cpus=max(2,threads)"), run impl->prepare, start the threads (each
 * binds its own CPU slot with kmm_cpu_enter(m, -1)), run setup, warm up for
 * ~0.15 s while calibrating (in lockstep for cases that say so), then time
 * one run of the calibrated op count (~--time seconds; default the suite's
 * time_s, else 1) with CLOCK_MONOTONIC.  ns_per_op is the mean over threads
 * of (thread's elapsed ns / ops), i.e. the per-op latency each thread saw.
 * Suites with .isolate run each (case, impl, threads) in a fresh process.
 * --cputime reads CLOCK_THREAD_CPUTIME_ID instead (for the harness and for
 * cases that time themselves), which leaves out the time a thread waits
 * for a CPU on a loaded host; cases with .wall_clock keep the wall clock.
 * Self-timed cases (.self_timed) report the ns their run() added up in
 * bench_thread.self_ns (the fork without the child's exit) instead of the
 * timed region's; self-counted ones (.self_counted) divide by the ops their
 * run() counted in bench_thread.self_ops (pages reclaimed) instead of the
 * ops it was asked for.  A case with .timed_ops runs that many ops instead
 * of calibrating (unless --ops).  --repeat N times every (case, threads) N
 * times, the impls taking turns, and keeps each impl's median run.  An
 * isolated run that gives no result within the suite's timeout_s (default
 * 300 s; 4x that under callgrind) is killed and counted as failed.
 *
 * Callgrind pass (--callgrind, or CALLGRIND=1 in the environment, which is
 * how `make bench CALLGRIND=1` asks for it): for every selected case and
 * implementation, at one thread, re-execute this program under
 *   valgrind --tool=callgrind --collect-atstart=no
 *            --toggle-collect=bench_timed_region
 * with a small fixed op count, read the "totals:" (or "summary:") line of
 * the callgrind output and report instructions per op.  These rows go to
 * the same TSV with impl "kmm-ir" / "floor-ir" (/ "glibc-ir", ...) and the
 * ns_per_op column holding Ir per op (peak_kb is 0: not measured under
 * valgrind).  The
 * callgrind files are kept in <dir of --out>/callgrind/ for
 * callgrind_annotate.
 *
 * TSV (--out, default <source>/bench/results/latest.tsv, rewritten each
 * run), header exactly
 *   suite<TAB>case<TAB>impl<TAB>threads<TAB>ns_per_op<TAB>peak_kb
 * peak_kb: the peak RSS growth of this process during the case (machine
 * boot, setup, run, teardown), in KiB: VmHWM from /proc/self/status after
 * resetting it through /proc/self/clear_refs ("5") at the start of the
 * case, minus VmRSS at that moment.  Where clear_refs is not writable, the
 * growth of getrusage(RUSAGE_SELF).ru_maxrss over the case (which only
 * sees growth above the process's earlier peak).  Suites with
 * .peak_workload start the measurement after the machine boot and leave out
 * the growth of RssFile (code paged in for the first time).
 *
 * Implementations with .no_callgrind (their work is the host kernel's) are
 * skipped in the callgrind pass; a self-timed case turns collection off
 * around the part of an op it does not time (bench_untimed_begin/end).
 *
 * Tables: kmm against its reference for cases without peers (the case's
 * first other impl: "floor", or kmm booted with the impl's cmdline_extra,
 * as slab/colour's "kmm-nocolour", or the vm suite's "host"), with
 * PASS/MISS for the case's ns_target and ref_target if it has them; for
 * cases with peers,
 * every implementation side by side, kmm's ratio to the fastest peer and to
 * glibc, and PASS/MISS per target (see print_peer_table()); for cases with
 * a rate_unit, kmm's and the reference's results as rates (MiB/s, pages/s),
 * their ratio and PASS/MISS for rate_target (see print_rate_table()).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#endif
#endif
#ifndef CALLGRIND_TOGGLE_COLLECT
#define CALLGRIND_TOGGLE_COLLECT \
	do {                     \
	} while (0)
#endif

#ifndef KMM_BENCH_SOURCE_DIR
#define KMM_BENCH_SOURCE_DIR "."
#endif

/* Every suite; add new ones here (and to bench.h). */
static const struct bench_suite *const suites[] = {
	&bench_suite_page,
	&bench_suite_slab,
	&bench_suite_vm,
	&bench_suite_reclaim,
};
#define NR_SUITES (sizeof(suites) / sizeof(suites[0]))

#define WARMUP_NS 150000000ull /* warm-up and calibration per case */
#define ISO_TIMEOUT_S 300.0    /* an isolated run with no result by then is killed */
#define MAX_REPEAT 15

struct options {
	const char *suite;
	const char *bcase;
	const char *impl; /* callgrind child: the one impl to run */
	unsigned threads[16];
	unsigned nr_threads;
	uint64_t ops;	 /* 0: calibrate */
	double target_s; /* 0: the suite's time_s (or 1 s) */
	bool callgrind;
	bool cputime;	 /* time with CLOCK_THREAD_CPUTIME_ID */
	unsigned repeat; /* timed runs per (case, impl, threads); the median counts */
	bool timing;
	bool list;
	bool cg_child;
	int iso_fd; /* --iso-child FD: run one case in this process, result to FD */
	char out[PATH_MAX];
};

struct result {
	const char *suite, *bcase, *impl;
	const struct bench_case *c;
	const struct bench_impl *ip;
	bool ir;      /* a callgrind row: value is Ir per op */
	bool skipped; /* impl->unavailable() said no: not in the TSV, "n/a" in the table */
	unsigned threads;
	double value;
	long peak_kb;
	uint64_t ops;
	unsigned long failures, slowpath, bad_pages;
	char note[128]; /* the case's own note (bench_thread.note of thread 0) */
};

clockid_t bench_clock_id = CLOCK_MONOTONIC;
bool bench_cputime;

static struct result *results;
static size_t nr_results, cap_results;
static FILE *tsv;

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("kmm-bench: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

/* ---- host helpers ----------------------------------------------------------------- */

void *bench_map(size_t bytes, bool hugepages)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
#ifdef MADV_HUGEPAGE
	if (hugepages)
		(void)madvise(p, bytes, MADV_HUGEPAGE);
#else
	(void)hugepages;
#endif
	return p;
}

void bench_unmap(void *p, size_t bytes)
{
	if (p)
		munmap(p, bytes);
}

static long status_kb(const char *key)
{
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		return -1;
	char line[256];
	size_t n = strlen(key);
	long v = -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':') {
			v = strtol(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static long maxrss_kb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* Peak-RSS measurement around one case. */
struct peak {
	bool hwm;  /* VmHWM was reset: use it */
	bool anon; /* leave out the growth of RssFile */
	long base;
	long file_base;
};

/*
 * @anon: the result leaves out file-backed pages that became resident
 * during the case (RssFile growth: program and library code run for the
 * first time, which in a fresh process is a few hundred KiB).  These pages
 * do not go away, so their growth at the end is subtracted from the peak.
 */
static void peak_start(struct peak *pk, bool anon)
{
	int fd = open("/proc/self/clear_refs", O_WRONLY);
	pk->anon = anon;
	pk->file_base = anon ? status_kb("RssFile") : -1;
	pk->hwm = false;
	if (fd >= 0) {
		pk->hwm = write(fd, "5", 1) == 1;
		close(fd);
	}
	pk->base = pk->hwm ? status_kb("VmRSS") : maxrss_kb();
	if (pk->base < 0) {
		pk->hwm = false;
		pk->base = maxrss_kb();
	}
}

static long peak_end(const struct peak *pk)
{
	long now = pk->hwm ? status_kb("VmHWM") : maxrss_kb();
	long v = now > pk->base ? now - pk->base : 0;
	if (pk->anon && pk->file_base >= 0) {
		long file = status_kb("RssFile");
		if (file > pk->file_base)
			v -= file - pk->file_base;
	}
	return v > 0 ? v : 0;
}

/* ---- running one case ---------------------------------------------------------------- */

struct run {
	const struct bench_suite *suite;
	const struct bench_case *bcase;
	const struct bench_impl *impl;
	unsigned nr_threads;
	uint64_t fixed_ops;
	uint64_t target_ns;
	uint64_t warm_ns;
	struct kmm_machine *m;
	pthread_barrier_t barrier;
	struct bench_thread th[BENCH_MAX_THREADS];
	uint64_t ops; /* agreed by thread 0 after calibration */
	atomic_bool abort;
	void *shared; /* impl->prepare's */
	/* lockstep warm-up, decided by thread 0 between two barriers */
	uint64_t chunk, warm_done, warm_el;
	bool warm_stop;
};

/*
 * The measured region.  Not inlined and not static, so that callgrind's
 * --toggle-collect can name it; the warm-up calls impl->run directly.
 */
__attribute__((noinline)) void bench_timed_region(struct bench_thread *t, uint64_t ops);
__attribute__((noinline)) void bench_timed_region(struct bench_thread *t, uint64_t ops)
{
	t->timed = true;
	t->impl->run(t, ops);
	t->timed = false;
	__asm__ volatile("" ::: "memory");
}

/*
 * Callgrind collects inside bench_timed_region() only; a self-timed case
 * turns it off around the part of an op it does not measure (a no-op
 * outside valgrind, and outside the region, where collection is off).
 */
void bench_untimed_begin(struct bench_thread *t)
{
	if (t->timed)
		CALLGRIND_TOGGLE_COLLECT;
}

void bench_untimed_end(struct bench_thread *t)
{
	if (t->timed)
		CALLGRIND_TOGGLE_COLLECT;
}

static uint64_t round_up(uint64_t v, uint64_t g)
{
	return (v + g - 1) / g * g;
}

static void *bench_thread_main(void *arg)
{
	struct bench_thread *t = arg;
	struct run *r = t->harness;
	const struct bench_impl *impl = t->impl;
	uint64_t g = r->bcase->granule ? r->bcase->granule : 1;
	bool bound = false;

	t->cpu = -1;
	if (r->m) {
		int cpu = kmm_cpu_enter(r->m, -1);
		if (cpu < 0)
			t->error = cpu;
		bound = cpu >= 0;
		t->cpu = cpu;
	}
	if (!t->error)
		t->error = impl->setup(t);
	if (t->error)
		atomic_store(&r->abort, true);
	pthread_barrier_wait(&r->barrier);
	if (atomic_load(&r->abort))
		goto out;

	/* warm up; calibrate unless the op count is fixed */
	if (r->fixed_ops) {
		uint64_t warm =
			round_up(r->fixed_ops < 10 * g ? r->fixed_ops : r->fixed_ops / 4, g);
		impl->run(t, warm);
		t->calib_ops = r->fixed_ops;
	} else if (r->bcase->lockstep) {
		uint64_t t0 = bench_now_ns();
		for (;;) {
			impl->run(t, r->chunk);
			pthread_barrier_wait(&r->barrier);
			if (t->idx == 0) {
				uint64_t el = bench_now_ns() - t0;
				r->warm_done += r->chunk;
				r->warm_el = el;
				if (el >= r->warm_ns)
					r->warm_stop = true;
				else if (el < r->warm_ns / 8)
					r->chunk *= 2;
			}
			pthread_barrier_wait(&r->barrier);
			if (r->warm_stop)
				break;
		}
		t->calib_ops = (uint64_t)((double)r->warm_done * (double)r->target_ns /
					  (double)(r->warm_el ? r->warm_el : 1));
	} else {
		uint64_t chunk = g, done = 0, t0 = bench_now_ns(), el;
		t->self_ops = 0;
		for (;;) {
			impl->run(t, chunk);
			/* self-counted: what run() did, which may be more than asked */
			done = r->bcase->self_counted ? t->self_ops : done + chunk;
			el = bench_now_ns() - t0;
			if (el >= r->warm_ns)
				break;
			if (el < r->warm_ns / 8)
				chunk *= 2;
		}
		t->calib_ops = (uint64_t)((double)done * (double)r->target_ns / (double)el);
	}
	pthread_barrier_wait(&r->barrier);
	if (t->idx == 0) {
		uint64_t ops = UINT64_MAX;
		for (unsigned i = 0; i < r->nr_threads; i++)
			if (r->th[i].calib_ops < ops)
				ops = r->th[i].calib_ops;
		r->ops = round_up(ops ? ops : 1, g);
	}
	pthread_barrier_wait(&r->barrier);

	t->self_ns = 0;
	t->self_ops = 0;
	uint64_t t0 = bench_now_ns();
	bench_timed_region(t, r->ops);
	t->ns = bench_now_ns() - t0;
	if (r->bcase->self_timed)
		t->ns = t->self_ns;
	pthread_barrier_wait(&r->barrier);
out:
	if (!t->error)
		impl->teardown(t);
	if (bound)
		kmm_cpu_leave(r->m);
	return NULL;
}

static double target_seconds(const struct options *o, const struct bench_suite *s)
{
	if (o->target_s > 0)
		return o->target_s;
	return s->time_s > 0 ? s->time_s : 1.0;
}

/*
 * Run one (case, impl, threads); returns 0 and fills @res, -1 (reported),
 * or 1 if impl->unavailable() refused (@res then holds a skipped row and
 * @why the reason).
 */
static int run_one(const struct bench_suite *s, const struct bench_case *c,
		   const struct bench_impl *impl, unsigned nr_threads, const struct options *o,
		   uint64_t fixed_ops, struct result *res, char *why, size_t why_size)
{
	memset(res, 0, sizeof(*res));
	res->suite = s->name;
	res->bcase = c->name;
	res->impl = impl->name;
	res->c = c;
	res->ip = impl;
	res->threads = nr_threads;
	bench_clock_id = o->cputime && !c->wall_clock ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC;
	if (impl->unavailable) {
		const char *no = impl->unavailable();
		if (no) {
			snprintf(why, why_size, "%s", no);
			res->skipped = true;
			return 1;
		}
	}

	struct run *r = calloc(1, sizeof(*r));
	if (!r)
		die("out of memory");
	r->suite = s;
	r->bcase = c;
	r->impl = impl;
	r->nr_threads = nr_threads;
	r->fixed_ops = fixed_ops;
	r->target_ns = (uint64_t)(target_seconds(o, s) * 1e9);
	r->warm_ns = WARMUP_NS;
	r->chunk = c->granule ? c->granule : 1;

	struct peak pk;
	if (!s->peak_workload)
		peak_start(&pk, false);
	if (impl->needs_machine) {
		char cmdline[512], err[256];
		snprintf(cmdline, sizeof(cmdline), "%s%s%s nr_cpus=%u",
			 s->cmdline ? s->cmdline : "quiet", impl->cmdline_extra ? " " : "",
			 impl->cmdline_extra ? impl->cmdline_extra : "",
			 nr_threads < 2 ? 2 : nr_threads);
		int rc = kmm_machine_boot(cmdline, NULL, &r->m, err, sizeof(err));
		if (rc) {
			fprintf(stderr, "kmm-bench: %s/%s: boot \"%s\" failed (%d): %s\n", s->name,
				c->name, cmdline, rc, err);
			free(r);
			return -1;
		}
	}
	if (s->peak_workload)
		peak_start(&pk, true);
	if (impl->prepare) {
		int rc = impl->prepare(r->m, nr_threads, &r->shared);
		if (rc) {
			fprintf(stderr, "kmm-bench: %s/%s/%s: prepare failed (%d)\n", s->name,
				c->name, impl->name, rc);
			if (r->m)
				kmm_machine_shutdown(r->m);
			free(r);
			return -1;
		}
	}
	pthread_barrier_init(&r->barrier, NULL, nr_threads);
	pthread_t tid[BENCH_MAX_THREADS];
	for (unsigned i = 0; i < nr_threads; i++) {
		struct bench_thread *t = &r->th[i];
		t->bcase = c;
		t->impl = impl;
		t->idx = i;
		t->nr_threads = nr_threads;
		t->m = r->m;
		t->shared = r->shared;
		t->harness = r;
		/* same stream for every impl of a case */
		t->rng = 0x9E3779B97F4A7C15ull * (i + 1) ^ 0xD1B54A32D192ED03ull;
		if (pthread_create(&tid[i], NULL, bench_thread_main, t))
			die("pthread_create failed");
	}
	for (unsigned i = 0; i < nr_threads; i++)
		pthread_join(tid[i], NULL);
	pthread_barrier_destroy(&r->barrier);
	if (impl->release)
		impl->release(r->m, nr_threads, r->shared);

	res->ops = r->ops;
	int ret = 0;
	double ns_per_op = 0;
	uint64_t self_ops = 0;
	for (unsigned i = 0; i < nr_threads; i++) {
		if (r->th[i].error) {
			fprintf(stderr, "kmm-bench: %s/%s/%s: thread %u: setup failed (%d)\n",
				s->name, c->name, impl->name, i, r->th[i].error);
			ret = -1;
		}
		/* self-counted: the case's own op count (0: nothing to divide by) */
		uint64_t ops = c->self_counted ? r->th[i].self_ops : r->ops;
		if (ops)
			ns_per_op += (double)r->th[i].ns / (double)ops;
		else if (c->self_counted && !r->th[i].error)
			res->failures++;
		self_ops += r->th[i].self_ops;
		res->failures += r->th[i].failures;
		res->slowpath += r->th[i].slowpath;
	}
	res->value = ns_per_op / nr_threads;
	if (c->self_counted)
		res->ops = self_ops;
	snprintf(res->note, sizeof(res->note), "%s", r->th[0].note);
	if (r->m) {
		res->bad_pages = atomic_load(&r->m->nr_bad_pages);
		kmm_machine_shutdown(r->m);
	}
	res->peak_kb = peak_end(&pk);
	free(r);
	return ret;
}

/*
 * What a child of run_isolated() sends back: one write, well under
 * PIPE_BUF.  Only numbers: the child is another image (ASLR), so the
 * parent fills in the names.
 */
struct isolated_msg {
	int rc;
	bool skipped;
	double value;
	long peak_kb;
	uint64_t ops;
	unsigned long failures, slowpath, bad_pages;
	char why[256];
	char note[128];
};

/*
 * Wait until @fd is readable or @limit_s seconds after @t0 have passed:
 * poll()'s result (0 once the deadline has passed).
 */
static int poll_until(int fd, const struct timespec *t0, double limit_s)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	double left = limit_s - (double)(now.tv_sec - t0->tv_sec) -
		      (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
	struct pollfd pf = { .fd = fd, .events = POLLIN };
	return left > 0 ? poll(&pf, 1, (int)(left * 1000) + 1) : 0;
}

/*
 * run_one() in a fresh process, for suites that set .isolate: fork, then
 * execute this program again with --iso-child FD and the one (suite, case,
 * impl, threads) to run.  Every allocator then starts from a new heap:
 * nothing an earlier run left (a grown glibc arena, glibc's dynamic
 * mmap/trim thresholds, a peer library's caches) reaches the next, and
 * peak_kb is the child's own.  The result comes back through a pipe.
 */
static int run_isolated(const struct bench_suite *s, const struct bench_case *c,
			const struct bench_impl *impl, unsigned nr_threads, const struct options *o,
			uint64_t fixed_ops, struct result *res, char *why, size_t why_size)
{
	char self[PATH_MAX], fdarg[16], thrarg[16], opsarg[32], timearg[32];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		die("cannot resolve /proc/self/exe");
	self[n] = '\0';
	int pfd[2];
	if (pipe(pfd))
		die("pipe: %s", strerror(errno));
	snprintf(fdarg, sizeof(fdarg), "%d", pfd[1]);
	snprintf(thrarg, sizeof(thrarg), "%u", nr_threads);
	snprintf(opsarg, sizeof(opsarg), "%" PRIu64, fixed_ops);
	snprintf(timearg, sizeof(timearg), "%.17g", target_seconds(o, s));
	char *argv[] = { self,
			 "--iso-child",
			 fdarg,
			 "--suite",
			 (char *)s->name,
			 "--case",
			 (char *)c->name,
			 "--impl",
			 (char *)impl->name,
			 "--threads",
			 thrarg,
			 "--time",
			 timearg,
			 NULL,
			 NULL,
			 NULL,
			 NULL };
	size_t na = 13;
	if (o->cputime)
		argv[na++] = "--cputime";
	if (fixed_ops) {
		argv[na++] = "--ops";
		argv[na++] = opsarg;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		close(pfd[0]);
		execv(self, argv);
		_exit(127);
	}
	close(pfd[1]);
	struct isolated_msg msg;
	size_t got = 0;
	/* a child that hangs (a deadlock in the code measured) is killed */
	double limit_s = s->timeout_s > 0 ? s->timeout_s : ISO_TIMEOUT_S;
	struct timespec t0;
	bool timed_out = false;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (got < sizeof(msg)) {
		int pr = poll_until(pfd[0], &t0, limit_s);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr == 0) {
			timed_out = true;
			kill(pid, SIGKILL);
			break;
		}
		ssize_t r = read(pfd[0], (char *)&msg + got, sizeof(msg) - got);
		if (r <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			break;
		}
		got += (size_t)r;
	}
	close(pfd[0]);
	int status = 0;
	waitpid(pid, &status, 0);
	if (got != sizeof(msg)) {
		if (timed_out)
			fprintf(stderr,
				"kmm-bench: %s/%s/%s threads=%u: no result after %.0f s: child "
				"killed\n",
				s->name, c->name, impl->name, nr_threads, limit_s);
		else if (WIFSIGNALED(status))
			fprintf(stderr,
				"kmm-bench: %s/%s/%s threads=%u: child killed by signal %d\n",
				s->name, c->name, impl->name, nr_threads, WTERMSIG(status));
		else
			fprintf(stderr,
				"kmm-bench: %s/%s/%s threads=%u: child exited (%d) without a result\n",
				s->name, c->name, impl->name, nr_threads,
				WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return -1;
	}
	memset(res, 0, sizeof(*res));
	res->suite = s->name;
	res->bcase = c->name;
	res->impl = impl->name;
	res->c = c;
	res->ip = impl;
	res->threads = nr_threads;
	res->skipped = msg.skipped;
	res->value = msg.value;
	res->peak_kb = msg.peak_kb;
	res->ops = msg.ops;
	res->failures = msg.failures;
	res->slowpath = msg.slowpath;
	res->bad_pages = msg.bad_pages;
	msg.note[sizeof(msg.note) - 1] = '\0';
	snprintf(res->note, sizeof(res->note), "%s", msg.note);
	msg.why[sizeof(msg.why) - 1] = '\0';
	snprintf(why, why_size, "%s", msg.why);
	return msg.rc;
}

/* ---- results ------------------------------------------------------------------------ */

static void add_result(const struct result *res)
{
	if (nr_results == cap_results) {
		cap_results = cap_results ? 2 * cap_results : 64;
		results = realloc(results, cap_results * sizeof(*results));
		if (!results)
			die("out of memory");
	}
	results[nr_results++] = *res;
	if (tsv && !res->skipped) {
		fprintf(tsv, "%s\t%s\t%s%s\t%u\t%.2f\t%ld\n", res->suite, res->bcase, res->impl,
			res->ir ? "-ir" : "", res->threads, res->value, res->peak_kb);
		fflush(tsv);
	}
}

static const struct result *find_result(const char *suite, const char *bcase, const char *impl,
					unsigned threads, bool ir)
{
	for (size_t i = 0; i < nr_results; i++) {
		const struct result *r = &results[i];
		if (r->ir == ir && r->threads == threads && !strcmp(r->suite, suite) &&
		    !strcmp(r->bcase, bcase) && !strcmp(r->impl, impl))
			return r;
	}
	return NULL;
}

static bool case_has_peers(const struct bench_case *c)
{
	for (int k = 0; c && k < BENCH_MAX_IMPLS && c->impls[k]; k++)
		if (c->impls[k]->peer)
			return true;
	return false;
}

/*
 * The implementation a case without peers compares kmm with: its first
 * implementation that is not "kmm" ("floor", or kmm booted differently;
 * "none" when kmm is its only one).
 */
static const char *reference_impl(const struct bench_case *c)
{
	for (int k = 0; c && k < BENCH_MAX_IMPLS && c->impls[k]; k++)
		if (strcmp(c->impls[k]->name, "kmm"))
			return c->impls[k]->name;
	return c && c->impls[0] && !c->impls[1] ? "none" : "floor";
}

static size_t note_target(char *notes, size_t size, size_t n, const char *label, bool pass);

/*
 * kmm against its reference implementation (reference_impl()), for the
 * cases that have no peers; a new header whenever the reference changes.
 * The timing rows check the case's own targets, if it has any
 * (bench_case.ns_target: "<=5ns:PASS"; .ref_target: "kmm/host<=0.25:MISS").
 */
static void print_table(bool ir)
{
	const char *hdr = NULL;
	for (size_t i = 0; i < nr_results; i++) {
		const struct result *k = &results[i];
		if (k->ir != ir || k->skipped || strcmp(k->impl, "kmm") || case_has_peers(k->c))
			continue;
		const char *ref = reference_impl(k->c);
		char lv[48], lr[48], lkb[48];
		snprintf(lv, sizeof(lv), "%s %s", ref, ir ? "Ir/op" : "ns/op");
		snprintf(lr, sizeof(lr), "kmm/%s", ref);
		snprintf(lkb, sizeof(lkb), "%s KiB", ref);
		int wv = (int)strlen(lv) > 12 ? (int)strlen(lv) : 12;
		int wr = (int)strlen(lr) > 10 ? (int)strlen(lr) : 10;
		int wkb = (int)strlen(lkb) > 10 ? (int)strlen(lkb) : 10;
		if (!hdr || strcmp(hdr, ref)) {
			printf("\n%-6s %-14s %3s %12s %*s %*s %10s %*s  %s\n", "suite", "case",
			       "thr", ir ? "kmm Ir/op" : "kmm ns/op", wv, lv, wr, lr,
			       ir ? "" : "kmm KiB", wkb, ir ? "" : lkb, "notes");
			hdr = ref;
		}
		const struct result *f = find_result(k->suite, k->bcase, ref, k->threads, ir);
		char fv[32] = "-", ratio[32] = "-", fkb[32] = "", kkb[32] = "", notes[320] = "";
		if (f && f->skipped)
			snprintf(fv, sizeof(fv), "n/a");
		if (f && !f->skipped) {
			snprintf(fv, sizeof(fv), "%.2f", f->value);
			if (f->value > 0)
				snprintf(ratio, sizeof(ratio),
					 strcmp(ref, "floor") ? "%.2fx" : "%.1fx",
					 k->value / f->value);
			if (!ir)
				snprintf(fkb, sizeof(fkb), "%ld", f->peak_kb);
		}
		if (!ir)
			snprintf(kkb, sizeof(kkb), "%ld", k->peak_kb);
		size_t n = 0;
		if (!ir && k->c->ns_target > 0) {
			char label[48];
			snprintf(label, sizeof(label), "<=%gns", k->c->ns_target);
			n = note_target(notes, sizeof(notes), n, label,
					k->value <= k->c->ns_target);
		}
		if (!ir && k->c->ref_target > 0 && f && !f->skipped && f->value > 0) {
			char label[48];
			snprintf(label, sizeof(label), "kmm/%s<=%g", ref, k->c->ref_target);
			n = note_target(notes, sizeof(notes), n, label,
					k->value <= k->c->ref_target * f->value);
		}
		const struct result *both[2] = { k, f && !f->skipped ? f : NULL };
		for (int j = 0; j < 2 && n < sizeof(notes); j++) {
			const struct result *r = both[j];
			if (!r)
				continue;
			if (r->failures && n < sizeof(notes))
				n += (size_t)snprintf(notes + n, sizeof(notes) - n,
						      "%s failures=%lu ", r->impl, r->failures);
			if (r->bad_pages && n < sizeof(notes))
				n += (size_t)snprintf(notes + n, sizeof(notes) - n,
						      "%s BAD PAGES=%lu ", r->impl, r->bad_pages);
			if (r->slowpath && n < sizeof(notes))
				n += (size_t)snprintf(notes + n, sizeof(notes) - n,
						      "%s refills=%lu ", r->impl, r->slowpath);
		}
		/* the case's own notes (not under callgrind: the same run, no timing) */
		for (int j = 0; j < 2 && !ir && n < sizeof(notes); j++)
			if (both[j] && both[j]->note[0])
				n += (size_t)snprintf(notes + n, sizeof(notes) - n, "%s: %s ",
						      both[j]->impl, both[j]->note);
		printf("%-6s %-14s %3u %12.2f %*s %*s %10s %*s  %s\n", k->suite, k->bcase,
		       k->threads, k->value, wv, fv, wr, ratio, kkb, wkb, fkb, notes);
	}
}

static bool same_impls(const struct bench_case *a, const struct bench_case *b)
{
	for (int k = 0; k < BENCH_MAX_IMPLS; k++) {
		if (!a->impls[k] || !b->impls[k]) {
			if (a->impls[k] != b->impls[k])
				return false;
			break;
		}
		if (strcmp(a->impls[k]->name, b->impls[k]->name))
			return false;
	}
	return true;
}

static void fmt_value(char *buf, size_t size, const struct result *r, bool ir)
{
	if (!r)
		snprintf(buf, size, "-");
	else if (r->skipped)
		snprintf(buf, size, "n/a");
	else
		snprintf(buf, size, ir ? "%.0f" : "%.2f", r->value);
}

/* Append "label:PASS" or "label:MISS" to @notes. */
static size_t note_target(char *notes, size_t size, size_t n, const char *label, bool pass)
{
	if (n >= size)
		return n;
	return n + (size_t)snprintf(notes + n, size - n, "%s:%s ", label, pass ? "PASS" : "MISS");
}

/*
 * The cases that have peers: one row per (case, threads) with every
 * implementation's ns/op (or Ir/op), kmm's ratio to the fastest peer
 * ("best") and to glibc, kmm's and the fastest peer's peak_kb, and, for the
 * timing pass, PASS/MISS per target:
 *   floorNx  kmm/floor <= the case's floor_target (where it has one)
 *   floor-callNx  the same against the out-of-line floor, where the case
 *            has one
 *   glibc    kmm no slower than glibc
 *   best     kmm within 10 % of the fastest peer, or ahead of it
 *   mem      kmm's peak_kb no higher than the fastest peer's
 */
static void print_peer_table(bool ir)
{
	const struct bench_case *hdr = NULL;
	for (size_t i = 0; i < nr_results; i++) {
		const struct result *x = &results[i];
		if (x->ir != ir || !case_has_peers(x->c))
			continue;
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = results[j].ir == ir && results[j].c == x->c &&
			       results[j].threads == x->threads;
		if (seen)
			continue;
		const struct bench_case *c = x->c;
		if (!hdr || !same_impls(hdr, c)) {
			printf("\n%-5s %-14s %3s", "suite", "case", "thr");
			for (int k = 0; k < BENCH_MAX_IMPLS && c->impls[k]; k++)
				printf(" %9s", c->impls[k]->name);
			printf(" %9s %8s %9s", "best", "kmm/best", "kmm/glibc");
			if (!ir)
				printf(" %8s %8s", "kmm KiB", "best KiB");
			printf("  %s\n", ir ? "(Ir per op, 1 thread)" : "notes (ns per op)");
			hdr = c;
		}
		printf("%-5s %-14s %3u", x->suite, c->name, x->threads);
		const struct result *best = NULL;
		for (int k = 0; k < BENCH_MAX_IMPLS && c->impls[k]; k++) {
			const struct result *r =
				find_result(x->suite, c->name, c->impls[k]->name, x->threads, ir);
			char v[32];
			fmt_value(v, sizeof(v), r, ir);
			printf(" %9s", v);
			if (r && !r->skipped && c->impls[k]->peer && r->value > 0 &&
			    (!best || r->value < best->value))
				best = r;
		}
		const struct result *k = find_result(x->suite, c->name, "kmm", x->threads, ir);
		const struct result *g = find_result(x->suite, c->name, "glibc", x->threads, ir);
		const struct result *f = find_result(x->suite, c->name, "floor", x->threads, ir);
		bool have_k = k && !k->skipped;
		char rb[32] = "-", rg[32] = "-", kkb[32] = "-", bkb[32] = "-";
		if (have_k && best)
			snprintf(rb, sizeof(rb), "%.2fx", k->value / best->value);
		if (have_k && g && !g->skipped && g->value > 0)
			snprintf(rg, sizeof(rg), "%.2fx", k->value / g->value);
		printf(" %9s %8s %9s", best ? best->impl : "-", rb, rg);
		if (ir) {
			printf("\n");
			continue;
		}
		if (have_k)
			snprintf(kkb, sizeof(kkb), "%ld", k->peak_kb);
		if (best)
			snprintf(bkb, sizeof(bkb), "%ld", best->peak_kb);
		printf(" %8s %8s  ", kkb, bkb);

		char notes[256] = "";
		size_t n = 0;
		if (have_k) {
			if (c->floor_target > 0 && f && !f->skipped && f->value > 0) {
				char label[32];
				snprintf(label, sizeof(label), "floor%gx", c->floor_target);
				n = note_target(notes, sizeof(notes), n, label,
						k->value <= c->floor_target * f->value);
			}
			const struct result *fc =
				find_result(x->suite, c->name, "floor-call", x->threads, ir);
			if (c->floor_target > 0 && fc && !fc->skipped && fc->value > 0) {
				char label[32];
				snprintf(label, sizeof(label), "floor-call%gx", c->floor_target);
				n = note_target(notes, sizeof(notes), n, label,
						k->value <= c->floor_target * fc->value);
			}
			if (g && !g->skipped)
				n = note_target(notes, sizeof(notes), n, "glibc",
						k->value <= g->value);
			if (best) {
				n = note_target(notes, sizeof(notes), n, "best",
						k->value <= 1.10 * best->value);
				n = note_target(notes, sizeof(notes), n, "mem",
						k->peak_kb <= best->peak_kb);
			}
		}
		for (int j = 0; j < BENCH_MAX_IMPLS && c->impls[j] && n < sizeof(notes); j++) {
			const struct result *r =
				find_result(x->suite, c->name, c->impls[j]->name, x->threads, ir);
			if (!r || r->skipped)
				continue;
			if (r->failures)
				n += (size_t)snprintf(notes + n, sizeof(notes) - n,
						      "%s failures=%lu ", r->impl, r->failures);
			if (r->slowpath && n < sizeof(notes))
				n += (size_t)snprintf(notes + n, sizeof(notes) - n,
						      "%s refills=%lu ", r->impl, r->slowpath);
			if (r->bad_pages && n < sizeof(notes))
				n += (size_t)snprintf(notes + n, sizeof(notes) - n,
						      "%s BAD PAGES=%lu ", r->impl, r->bad_pages);
		}
		printf("%s\n", notes);
	}
}

/* A rate for the table: 4 significant digits or so, no exponent. */
static void fmt_rate(char *buf, size_t size, double v)
{
	snprintf(buf, size, v >= 1000 ? "%.0f" : v >= 10 ? "%.1f" : "%.2f", v);
}

/*
 * The cases with a rate_unit, from the timing rows: kmm's rate and its
 * reference's (rate = rate_per_op / ns_per_op * 1e9 per second), the ratio
 * kmm/reference of the rates (higher is better for kmm), and PASS/MISS for
 * the case's rate_target.
 */
static void print_rate_table(void)
{
	bool hdr = false;
	for (size_t i = 0; i < nr_results; i++) {
		const struct result *k = &results[i];
		if (k->ir || k->skipped || strcmp(k->impl, "kmm") || !k->c->rate_unit ||
		    !(k->value > 0))
			continue;
		if (!hdr) {
			printf("\n%-7s %-14s %3s %-9s %12s %-6s %12s %9s  %s\n", "suite", "case",
			       "thr", "unit", "kmm rate", "ref", "ref rate", "kmm/ref", "notes");
			hdr = true;
		}
		const char *ref = reference_impl(k->c);
		const struct result *f = find_result(k->suite, k->bcase, ref, k->threads, false);
		double kr = k->c->rate_per_op / k->value * 1e9;
		char kv[32], fv[32] = "-", ratio[32] = "-", notes[96] = "";
		fmt_rate(kv, sizeof(kv), kr);
		if (f && !f->skipped && f->value > 0) {
			double fr = k->c->rate_per_op / f->value * 1e9;
			fmt_rate(fv, sizeof(fv), fr);
			snprintf(ratio, sizeof(ratio), "%.1f%%", 100 * kr / fr);
			if (k->c->rate_target > 0) {
				char label[48];
				snprintf(label, sizeof(label), "kmm/%s>=%g%%", ref,
					 100 * k->c->rate_target);
				note_target(notes, sizeof(notes), 0, label,
					    kr >= k->c->rate_target * fr);
			}
		} else {
			ref = "-";
		}
		printf("%-7s %-14s %3u %-9s %12s %-6s %12s %9s  %s\n", k->suite, k->bcase,
		       k->threads, k->c->rate_unit, kv, ref, fv, ratio, notes);
	}
}

/* ---- callgrind pass ---------------------------------------------------------------------- */

static bool find_in_path(const char *name, char *out, size_t size)
{
	const char *env = getenv("VALGRIND");
	if (env && *env) {
		snprintf(out, size, "%s", env);
		return access(out, X_OK) == 0;
	}
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/bin:/bin";
	while (*path) {
		const char *end = strchr(path, ':');
		size_t len = end ? (size_t)(end - path) : strlen(path);
		if (len && (size_t)snprintf(out, size, "%.*s/%s", (int)len, path, name) < size &&
		    access(out, X_OK) == 0)
			return true;
		path += len + (end ? 1 : 0);
	}
	return false;
}

/* Total Ir of a callgrind output file, or -1. */
static long long callgrind_total(const char *file)
{
	FILE *f = fopen(file, "r");
	if (!f)
		return -1;
	char line[4096];
	long long totals = -1, summary = -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "totals:", 7))
			totals = strtoll(line + 7, NULL, 10);
		else if (!strncmp(line, "summary:", 8))
			summary = strtoll(line + 8, NULL, 10);
	}
	fclose(f);
	return totals >= 0 ? totals : summary;
}

static void mkdir_p(const char *dir)
{
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof(tmp), "%s", dir);
	for (char *p = tmp + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(tmp, 0777);
			*p = '/';
		}
	mkdir(tmp, 0777);
}

static void dirname_of(const char *path, char *out, size_t size)
{
	snprintf(out, size, "%s", path);
	char *slash = strrchr(out, '/');
	if (slash == out)
		out[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		snprintf(out, size, ".");
}

/*
 * Run one case/impl under callgrind.  The child prints "cg-child ops=N
 * failures=F" (or "cg-child skipped: REASON") on stdout; everything else
 * (valgrind's chatter) goes to a log file next to the callgrind output.
 * Returns 0, -1 (reported) or 1 (skipped, reported).
 */
static int callgrind_one(const char *valgrind, const char *cgdir, const struct bench_suite *s,
			 const struct bench_case *c, const struct bench_impl *impl, uint64_t ops,
			 struct result *res)
{
	char self[PATH_MAX], outfile[PATH_MAX + 64], logfile[PATH_MAX + 64], outarg[PATH_MAX + 96];
	char opsarg[32];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		die("cannot resolve /proc/self/exe");
	self[n] = '\0';
	snprintf(outfile, sizeof(outfile), "%s/callgrind.%s.%s.%s.out", cgdir, s->name, c->name,
		 impl->name);
	snprintf(logfile, sizeof(logfile), "%s/callgrind.%s.%s.%s.log", cgdir, s->name, c->name,
		 impl->name);
	snprintf(outarg, sizeof(outarg), "--callgrind-out-file=%s", outfile);
	snprintf(opsarg, sizeof(opsarg), "%" PRIu64, ops ? ops : c->callgrind_ops);
	unlink(outfile);

	int pfd[2];
	if (pipe(pfd))
		die("pipe: %s", strerror(errno));
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		int lfd = open(logfile, O_WRONLY | O_CREAT | O_TRUNC, 0666);
		dup2(pfd[1], 1);
		if (lfd >= 0)
			dup2(lfd, 2);
		close(pfd[0]);
		close(pfd[1]);
		char *argv[] = { (char *)valgrind,
				 "--tool=callgrind",
				 outarg,
				 "--collect-atstart=no",
				 "--toggle-collect=bench_timed_region",
				 self,
				 "--cg-child",
				 "--suite",
				 (char *)s->name,
				 "--case",
				 (char *)c->name,
				 "--impl",
				 (char *)impl->name,
				 "--ops",
				 opsarg,
				 NULL };
		execv(valgrind, argv);
		_exit(127);
	}
	close(pfd[1]);
	char buf[512];
	size_t len = 0;
	ssize_t got;
	/* a child that hangs is killed: valgrind makes everything ~50x slower */
	double limit_s = 4 * (s->timeout_s > 0 ? s->timeout_s : ISO_TIMEOUT_S);
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		int pr = poll_until(pfd[0], &t0, limit_s);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr == 0) {
			fprintf(stderr,
				"kmm-bench: callgrind run of %s/%s/%s: no result after %.0f s: "
				"killed\n",
				s->name, c->name, impl->name, limit_s);
			kill(pid, SIGKILL);
			break;
		}
		got = read(pfd[0], buf + len, sizeof(buf) - 1 - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		len += (size_t)got;
	}
	buf[len] = '\0';
	close(pfd[0]);
	int status = 0;
	waitpid(pid, &status, 0);

	unsigned long long child_ops = 0;
	unsigned long fails = 0;
	const char *skip = strstr(buf, "cg-child skipped: ");
	if (skip && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		printf("  %-6s %-14s %-8s skipped: %s", s->name, c->name, impl->name, skip + 18);
		memset(res, 0, sizeof(*res));
		res->suite = s->name;
		res->bcase = c->name;
		res->impl = impl->name;
		res->c = c;
		res->ip = impl;
		res->ir = true;
		res->skipped = true;
		res->threads = 1;
		return 1;
	}
	const char *line = strstr(buf, "cg-child ");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !line ||
	    sscanf(line, "cg-child ops=%llu failures=%lu", &child_ops, &fails) != 2 || !child_ops) {
		fprintf(stderr, "kmm-bench: callgrind run of %s/%s/%s failed; see %s\n", s->name,
			c->name, impl->name, logfile);
		return -1;
	}
	long long ir = callgrind_total(outfile);
	if (ir < 0) {
		fprintf(stderr, "kmm-bench: no totals in %s\n", outfile);
		return -1;
	}
	memset(res, 0, sizeof(*res));
	res->suite = s->name;
	res->bcase = c->name;
	res->impl = impl->name;
	res->c = c;
	res->ip = impl;
	res->ir = true;
	res->threads = 1;
	res->ops = child_ops;
	res->failures = fails;
	res->value = (double)ir / (double)child_ops;
	return 0;
}

/* ---- options ------------------------------------------------------------------------------ */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: kmm-bench [options]\n"
		"  --suite NAME      run one suite (default: all)\n"
		"  --case NAME       run one case of the selected suites\n"
		"  --threads N[,N..] thread counts (default: 1,2)\n"
		"  --ops N           ops per thread instead of calibrating (also the op count\n"
		"                    of the callgrind pass)\n"
		"  --time SECONDS    calibrated duration of each timed run (default: the\n"
		"                    suite's: 1 s for page, 0.4 s for slab, 0.5 s for vm)\n"
		"  --callgrind       also measure instructions/op under callgrind (1 thread);\n"
		"                    CALLGRIND=1 in the environment does the same\n"
		"  --cputime         time with the thread's CPU clock instead of the wall\n"
		"                    clock (leaves out time spent waiting for a CPU on a\n"
		"                    loaded host; not for cases that wait for each other)\n"
		"  --repeat N        time every case N times, impls taking turns, and keep\n"
		"                    each impl's median run (default 1, at most 15)\n"
		"  --no-timing       skip the timing pass\n"
		"  --out FILE        TSV output (default %s/bench/results/latest.tsv)\n"
		"  --list            list suites and cases\n",
		KMM_BENCH_SOURCE_DIR);
}

static uint64_t parse_u64(const char *opt, const char *v)
{
	char *end;
	errno = 0;
	unsigned long long x = strtoull(v, &end, 10);
	if (errno || end == v || *end || !x)
		die("%s: expected a positive integer, got \"%s\"", opt, v);
	return x;
}

static void parse_options(int argc, char **argv, struct options *o)
{
	memset(o, 0, sizeof(*o));
	o->timing = true;
	o->repeat = 1;
	snprintf(o->out, sizeof(o->out), "%s/bench/results/latest.tsv", KMM_BENCH_SOURCE_DIR);
	const char *cg = getenv("CALLGRIND");
	if (cg && *cg && strcmp(cg, "0") != 0)
		o->callgrind = true;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define NEED_ARG()                                                   \
	do {                                                         \
		if (!v)                                              \
			die("%s needs an argument (see --help)", a); \
		i++;                                                 \
	} while (0)
		if (!strcmp(a, "--suite")) {
			NEED_ARG();
			o->suite = v;
		} else if (!strcmp(a, "--case")) {
			NEED_ARG();
			o->bcase = v;
		} else if (!strcmp(a, "--impl")) {
			NEED_ARG();
			o->impl = v;
		} else if (!strcmp(a, "--threads")) {
			NEED_ARG();
			char buf[128];
			snprintf(buf, sizeof(buf), "%s", v);
			o->nr_threads = 0;
			for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save)) {
				uint64_t n = parse_u64(a, tok);
				if (n > BENCH_MAX_THREADS)
					die("--threads: at most %d", BENCH_MAX_THREADS);
				if (o->nr_threads == sizeof(o->threads) / sizeof(o->threads[0]))
					die("--threads: too many values");
				o->threads[o->nr_threads++] = (unsigned)n;
			}
		} else if (!strcmp(a, "--ops")) {
			NEED_ARG();
			o->ops = parse_u64(a, v);
		} else if (!strcmp(a, "--time")) {
			NEED_ARG();
			o->target_s = strtod(v, NULL);
			if (!(o->target_s > 0 && o->target_s < 3600))
				die("--time: expected seconds, got \"%s\"", v);
		} else if (!strcmp(a, "--repeat")) {
			NEED_ARG();
			uint64_t n = parse_u64(a, v);
			if (n > MAX_REPEAT)
				die("--repeat: at most %d", MAX_REPEAT);
			o->repeat = (unsigned)n;
		} else if (!strcmp(a, "--out")) {
			NEED_ARG();
			snprintf(o->out, sizeof(o->out), "%s", v);
		} else if (!strcmp(a, "--callgrind")) {
			o->callgrind = true;
		} else if (!strcmp(a, "--cputime")) {
			o->cputime = true;
		} else if (!strcmp(a, "--no-timing")) {
			o->timing = false;
		} else if (!strcmp(a, "--cg-child")) {
			o->cg_child = true;
		} else if (!strcmp(a, "--iso-child")) {
			NEED_ARG();
			o->iso_fd = (int)parse_u64(a, v);
		} else if (!strcmp(a, "--list")) {
			o->list = true;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			exit(0);
		} else {
			usage(stderr);
			die("unknown option \"%s\"", a);
		}
#undef NEED_ARG
	}
	if (!o->nr_threads) {
		o->threads[0] = 1;
		o->threads[1] = 2;
		o->nr_threads = 2;
	}
}

static bool suite_selected(const struct options *o, const struct bench_suite *s)
{
	return !o->suite || !strcmp(o->suite, s->name);
}

static bool case_selected(const struct options *o, const struct bench_case *c)
{
	return !o->bcase || !strcmp(o->bcase, c->name);
}

/* Check that --suite/--case name something. */
static void check_selection(const struct options *o)
{
	bool suite_found = false, case_found = false;
	for (size_t i = 0; i < NR_SUITES; i++) {
		if (!suite_selected(o, suites[i]))
			continue;
		suite_found = true;
		for (const struct bench_case *const *c = suites[i]->cases; *c; c++)
			case_found |= case_selected(o, *c);
	}
	if (!suite_found)
		die("no suite named \"%s\" (see --list)", o->suite);
	if (!case_found)
		die("no case named \"%s\" in the selected suites (see --list)", o->bcase);
}

/* ---- main ----------------------------------------------------------------------------------- */

/* The one (suite, case, impl) a child process was started for, or false. */
static bool child_selection(const struct options *o, const struct bench_suite **sp,
			    const struct bench_case **cp, const struct bench_impl **ip)
{
	for (size_t i = 0; i < NR_SUITES; i++) {
		if (!suite_selected(o, suites[i]))
			continue;
		for (const struct bench_case *const *c = suites[i]->cases; *c; c++) {
			if (!case_selected(o, *c))
				continue;
			for (int k = 0; k < BENCH_MAX_IMPLS && (*c)->impls[k]; k++) {
				if (o->impl && strcmp(o->impl, (*c)->impls[k]->name))
					continue;
				*sp = suites[i];
				*cp = *c;
				*ip = (*c)->impls[k];
				return true;
			}
		}
	}
	return false;
}

/* Isolated child: run one impl of one case, send the result to o->iso_fd. */
static int iso_child_main(const struct options *o)
{
	const struct bench_suite *s;
	const struct bench_case *c;
	const struct bench_impl *impl;
	if (!child_selection(o, &s, &c, &impl)) {
		fprintf(stderr, "kmm-bench: --iso-child: nothing selected\n");
		return 1;
	}
	struct isolated_msg msg;
	struct result res;
	memset(&msg, 0, sizeof(msg));
	msg.rc = run_one(s, c, impl, o->threads[0], o, o->ops, &res, msg.why, sizeof(msg.why));
	msg.skipped = res.skipped;
	msg.value = res.value;
	msg.peak_kb = res.peak_kb;
	msg.ops = res.ops;
	msg.failures = res.failures;
	msg.slowpath = res.slowpath;
	msg.bad_pages = res.bad_pages;
	snprintf(msg.note, sizeof(msg.note), "%s", res.note);
	ssize_t w = write(o->iso_fd, &msg, sizeof(msg));
	return w == (ssize_t)sizeof(msg) ? 0 : 1;
}

/* Callgrind child: run one impl of one case at one thread, fixed ops. */
static int cg_child_main(const struct options *o)
{
	const struct bench_suite *s;
	const struct bench_case *c;
	const struct bench_impl *impl;
	if (!child_selection(o, &s, &c, &impl)) {
		fprintf(stderr, "kmm-bench: --cg-child: nothing selected\n");
		return 1;
	}
	uint64_t ops = round_up(o->ops ? o->ops : c->callgrind_ops, c->granule ? c->granule : 1);
	struct result res;
	char why[256] = "";
	int rc = run_one(s, c, impl, 1, o, ops, &res, why, sizeof(why));
	if (rc == 1) {
		printf("cg-child skipped: %s\n", why);
		return 0;
	}
	if (rc)
		return 1;
	printf("cg-child ops=%" PRIu64 " failures=%lu\n", res.ops, res.failures);
	return 0;
}

/*
 * Call @fn for every (suite, case) that --suite/--case select, in table
 * order; returns the sum of what @fn returns (its failure counts).
 */
typedef int (*case_fn)(const struct options *o, const struct bench_suite *s,
		       const struct bench_case *c, void *ctx);
static int for_each_selected_case(const struct options *o, case_fn fn, void *ctx)
{
	int failed = 0;
	for (size_t i = 0; i < NR_SUITES; i++) {
		if (!suite_selected(o, suites[i]))
			continue;
		for (const struct bench_case *const *cp = suites[i]->cases; *cp; cp++)
			if (case_selected(o, *cp))
				failed += fn(o, suites[i], *cp, ctx);
	}
	return failed;
}

static int time_case(const struct options *o, const struct bench_suite *s,
		     const struct bench_case *c, void *ctx)
{
	int failed = 0;
	(void)ctx;
	uint64_t ops = o->ops ? o->ops : c->timed_ops;
	ops = ops ? round_up(ops, c->granule ? c->granule : 1) : 0;
	for (unsigned ti = 0; ti < o->nr_threads; ti++) {
		if (c->max_threads && o->threads[ti] > c->max_threads) {
			printf("  %-6s %-14s %-8s threads=%u skipped: the case runs at up to %u "
			       "thread%s\n",
			       s->name, c->name, "*", o->threads[ti], c->max_threads,
			       c->max_threads == 1 ? "" : "s");
			continue;
		}
		/*
		 * --repeat N: the impls take turns N times (kmm, floor, kmm, floor,
		 * ...), so that a slow spell of the host hits both; each impl's
		 * result is its median run.
		 */
		static struct result reps[BENCH_MAX_IMPLS][MAX_REPEAT];
		unsigned nrep[BENCH_MAX_IMPLS] = { 0 };
		bool skip[BENCH_MAX_IMPLS] = { false };
		for (unsigned rep = 0; rep < o->repeat; rep++) {
			for (int k = 0; k < BENCH_MAX_IMPLS && c->impls[k]; k++) {
				struct result res;
				char why[256] = "", nth[32] = "";
				if (skip[k])
					continue;
				int rc = (s->isolate ? run_isolated :
						       run_one)(s, c, c->impls[k], o->threads[ti],
								o, ops, &res, why, sizeof(why));
				if (rc == 1) {
					skip[k] = true;
					add_result(&res);
					printf("  %-6s %-14s %-8s threads=%u skipped: %s\n",
					       s->name, c->name, c->impls[k]->name, o->threads[ti],
					       why);
					continue;
				}
				if (rc) {
					failed++;
					continue;
				}
				if (c->self_counted && !(res.value > 0)) {
					/* it counted nothing: no result (its note may say why) */
					printf("  %-6s %-14s %-8s threads=%u failed: no ops counted%s%s\n",
					       s->name, c->name, res.impl, res.threads,
					       res.note[0] ? "; " : "", res.note);
					failed++;
					continue;
				}
				if (o->repeat > 1)
					snprintf(nth, sizeof(nth), "  [%u/%u]", rep + 1, o->repeat);
				reps[k][nrep[k]++] = res;
				printf("  %-6s %-14s %-8s threads=%u %10.2f ns/op  ops=%" PRIu64
				       "  peak=%ld KiB%s%s\n",
				       s->name, c->name, res.impl, res.threads, res.value, res.ops,
				       res.peak_kb, res.failures ? "  (failures)" : "", nth);
			}
		}
		for (int k = 0; k < BENCH_MAX_IMPLS && c->impls[k]; k++) {
			if (!nrep[k])
				continue;
			/* the median run (the lower middle one of an even count) */
			unsigned idx[MAX_REPEAT];
			for (unsigned i = 0; i < nrep[k]; i++)
				idx[i] = i;
			for (unsigned i = 1; i < nrep[k]; i++)
				for (unsigned j = i;
				     j > 0 && reps[k][idx[j]].value < reps[k][idx[j - 1]].value;
				     j--) {
					unsigned x = idx[j];
					idx[j] = idx[j - 1];
					idx[j - 1] = x;
				}
			const struct result *med = &reps[k][idx[(nrep[k] - 1) / 2]];
			add_result(med);
			if (o->repeat > 1)
				printf("  %-6s %-14s %-8s threads=%u %10.2f ns/op  median of %u "
				       "(%.2f .. %.2f)\n",
				       s->name, c->name, med->impl, med->threads, med->value,
				       nrep[k], reps[k][idx[0]].value,
				       reps[k][idx[nrep[k] - 1]].value);
		}
	}
	return failed;
}

static int timing_pass(const struct options *o)
{
	const char *clock = o->cputime ? ", thread CPU time" : "";
	if (o->target_s > 0)
		printf("kmm-bench: timing pass, %.2g s per run%s%s\n", o->target_s,
		       o->ops ? " (fixed --ops)" : "", clock);
	else
		printf("kmm-bench: timing pass, each suite's run length%s%s\n",
		       o->ops ? " (fixed --ops)" : "", clock);
	return for_each_selected_case(o, time_case, NULL);
}

struct cg_ctx {
	const char *valgrind;
	const char *cgdir;
};

static int callgrind_case(const struct options *o, const struct bench_suite *s,
			  const struct bench_case *c, void *ctx)
{
	const struct cg_ctx *cg = ctx;
	int failed = 0;
	for (int k = 0; k < BENCH_MAX_IMPLS && c->impls[k]; k++) {
		struct result res;
		if (c->impls[k]->no_callgrind) {
			memset(&res, 0, sizeof(res));
			res.suite = s->name;
			res.bcase = c->name;
			res.impl = c->impls[k]->name;
			res.c = c;
			res.ip = c->impls[k];
			res.ir = true;
			res.skipped = true;
			res.threads = 1;
			add_result(&res);
			if (c->impls[k]->no_callgrind_why)
				printf("  %-6s %-14s %-8s skipped: %s\n", s->name, c->name,
				       c->impls[k]->name, c->impls[k]->no_callgrind_why);
			else
				printf("  %-6s %-14s %-8s skipped: the work is the host kernel's, "
				       "which callgrind does not see\n",
				       s->name, c->name, c->impls[k]->name);
			continue;
		}
		int rc = callgrind_one(cg->valgrind, cg->cgdir, s, c, c->impls[k], o->ops, &res);
		if (rc == 1) {
			add_result(&res);
			continue;
		}
		if (rc) {
			failed++;
			continue;
		}
		add_result(&res);
		printf("  %-6s %-14s %-8s %10.1f Ir/op  ops=%" PRIu64 "\n", s->name, c->name,
		       res.impl, res.value, res.ops);
	}
	return failed;
}

static int callgrind_pass(const struct options *o, const char *valgrind, const char *outdir)
{
	char cgdir[PATH_MAX + 16];
	snprintf(cgdir, sizeof(cgdir), "%s/callgrind", outdir);
	mkdir_p(cgdir);
	printf("kmm-bench: callgrind pass (1 thread), output in %s/\n", cgdir);
	struct cg_ctx cg = { valgrind, cgdir };
	return for_each_selected_case(o, callgrind_case, &cg);
}

/*
 * Debian's libjemalloc.so.2 keeps 2.6 KiB of initial-exec TLS, more than
 * the 512 bytes glibc sets aside for libraries dlopen()ed after start-up,
 * so the slab suite's dlopen() of it fails with "cannot allocate memory in
 * static TLS block".  That reserve is a glibc tunable read only at process
 * start: if it is not set, set it and execute this program again, once.
 * (Children started for the callgrind pass inherit the environment.)
 */
static void ensure_static_tls(char **argv)
{
	static const char key[] = "glibc.rtld.optional_static_tls=";
	const char *cur = getenv("GLIBC_TUNABLES");
	if (cur && strstr(cur, key))
		return;
	char val[1024], self[PATH_MAX];
	if ((size_t)snprintf(val, sizeof(val), "%s%s%s16384", cur ? cur : "",
			     cur && *cur ? ":" : "", key) >= sizeof(val))
		return;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return;
	self[n] = '\0';
	if (setenv("GLIBC_TUNABLES", val, 1))
		return;
	fflush(NULL);
	execv(self, argv);
	/* could not: go on; the peer that needs it is then skipped with a note */
	if (cur)
		setenv("GLIBC_TUNABLES", cur, 1);
	else
		unsetenv("GLIBC_TUNABLES");
}

int main(int argc, char **argv)
{
	struct options o;
	parse_options(argc, argv, &o);
	bench_cputime = o.cputime;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!o.cg_child && !o.iso_fd && !o.list)
		ensure_static_tls(argv);

	if (o.list) {
		for (size_t i = 0; i < NR_SUITES; i++) {
			printf("%s: %s\n", suites[i]->name, suites[i]->description);
			for (const struct bench_case *const *c = suites[i]->cases; *c; c++) {
				printf("  %-14s op = %s; impls:", (*c)->name, (*c)->op);
				for (int k = 0; k < BENCH_MAX_IMPLS && (*c)->impls[k]; k++)
					printf(" %s", (*c)->impls[k]->name);
				printf("\n");
			}
		}
		return 0;
	}
	check_selection(&o);
	if (o.cg_child)
		return cg_child_main(&o);
	if (o.iso_fd)
		return iso_child_main(&o);

	char valgrind[PATH_MAX];
	bool have_valgrind = o.callgrind && find_in_path("valgrind", valgrind, sizeof(valgrind));
	if (o.callgrind && !have_valgrind) {
		fprintf(stderr, "kmm-bench: callgrind pass requested but valgrind was not found; "
				"skipping it\n");
		if (!o.timing)
			return 1;
	}

	char outdir[PATH_MAX];
	dirname_of(o.out, outdir, sizeof(outdir));
	mkdir_p(outdir);
	tsv = fopen(o.out, "w");
	if (!tsv)
		die("cannot write %s: %s", o.out, strerror(errno));
	fprintf(tsv, "suite\tcase\timpl\tthreads\tns_per_op\tpeak_kb\n");
	fflush(tsv);

	struct timespec ts0, ts1;
	clock_gettime(CLOCK_MONOTONIC, &ts0);
	int failed = 0;
	if (o.timing)
		failed += timing_pass(&o);
	if (have_valgrind)
		failed += callgrind_pass(&o, valgrind, outdir);
	fclose(tsv);

	print_table(false);
	print_table(true);
	print_peer_table(false);
	print_peer_table(true);
	print_rate_table();
	clock_gettime(CLOCK_MONOTONIC, &ts1);
	printf("\nkmm-bench: %zu rows in %s (%.1f s)%s\n", nr_results, o.out,
	       (double)(ts1.tv_sec - ts0.tv_sec) + (double)(ts1.tv_nsec - ts0.tv_nsec) / 1e9,
	       failed ? ", SOME RUNS FAILED" : "");
	return failed ? 1 : 0;
}
