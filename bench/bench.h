/* SPDX-License-Identifier: MIT */
/*
 * bench/bench.h - the kmm-bench harness: suites, cases, implementations and
 * the per-thread context a case runs in.
 *
 * A suite is a named list of cases; a case is a workload with one or more
 * implementations ("kmm": the library, "floor": the cheapest thing that
 * could do the same job, and optionally "peers": other allocators kmm is
 * ranked against, such as glibc's malloc).  The harness (kmm-bench.c)
 * boots a machine when an implementation needs one, starts the threads,
 * warms up, calibrates the op count, times the run and records the result.
 * A case only provides setup / run / teardown for each implementation
 * (plus, optionally, unavailable / prepare / release).
 *
 * Adding a suite: write bench/suite_NAME.c defining
 *     const struct bench_suite bench_suite_NAME = { ... };
 * declare it below and add it to the table in kmm-bench.c.  The CMake file
 * picks up every .c file in bench/.
 */
#ifndef KMM_BENCH_H
#define KMM_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "kmm/gfp.h"
#include "kmm/machine.h"

#define BENCH_MAX_THREADS 64
#define BENCH_MAX_IMPLS 8

struct bench_case;
struct bench_impl;

/* Everything one benchmark thread owns.  Cases keep their state in @priv. */
struct bench_thread {
	const struct bench_case *bcase;
	const struct bench_impl *impl;
	unsigned idx; /* 0 .. nr_threads-1 */
	unsigned nr_threads;
	struct kmm_machine *m; /* NULL unless impl->needs_machine */
	int cpu;	       /* the CPU slot the thread is bound to (-1: none) */
	void *shared;	       /* what impl->prepare made, the same for every thread */
	uint64_t rng;	       /* seeded identically for every impl */
	void *priv;
	/* results a case may report */
	unsigned long failures; /* allocations that returned NULL */
	unsigned long slowpath; /* floor: refills from the host */
	char note[128];		/* thread 0's goes into the table's notes column */
	/*
	 * Self-timed cases (bench_case.self_timed): the ns of the measured
	 * part of every op, added up by run(); the harness zeroes it before
	 * the timed run and reports it instead of the run's elapsed time.
	 */
	uint64_t self_ns;
	/*
	 * Self-counted cases (bench_case.self_counted): the ops the timed run
	 * did by the case's own count (pages reclaimed, pages swapped in),
	 * added up by run(); the harness zeroes it before the warm-up and the
	 * timed run, calibrates on it, and divides the run's ns by it instead
	 * of by the ops run() was asked for.
	 */
	uint64_t self_ops;
	/* harness bookkeeping */
	void *harness;
	bool timed; /* inside bench_timed_region() */
	uint64_t calib_ops;
	uint64_t ns;
	int error;
};

struct bench_impl {
	const char *name;   /* "kmm", "floor", or a peer: "glibc", "jemalloc", ... */
	bool needs_machine; /* boot a machine and bind each thread to a CPU slot */
	bool peer;	    /* another allocator kmm is ranked against in the table */
	/*
	 * Appended to the suite's cmdline when this implementation's machine
	 * boots, e.g. "slab_colour=off": kmm measured against itself with a
	 * feature switched off.  NULL: nothing.
	 */
	const char *cmdline_extra;
	/*
	 * Optional, untimed, called once per run before anything else: NULL
	 * if the implementation can run, else why not (the run is skipped with
	 * that note, which is not a failure: e.g. a peer library is missing).
	 */
	const char *(*unavailable)(void);
	/*
	 * The work is the host kernel's (page faults, fork), which callgrind
	 * cannot see: skipped in the callgrind pass.
	 */
	bool no_callgrind;
	/* with no_callgrind: why, for the note (NULL: the host kernel's work) */
	const char *no_callgrind_why;
	/*
	 * Optional, untimed, called once per run by the harness thread after
	 * the machine boots and before the benchmark threads start; may set
	 * *shared (every thread then sees it as t->shared).  0 or a negative
	 * errno (the run then fails).
	 */
	int (*prepare)(struct kmm_machine *m, unsigned nr_threads, void **shared);
	/* Optional: after every thread's teardown, before the machine shuts down. */
	void (*release)(struct kmm_machine *m, unsigned nr_threads, void *shared);
	/* untimed; 0 or a negative errno (the case is then skipped) */
	int (*setup)(struct bench_thread *t);
	/* timed: perform @ops operations (a multiple of the case's granule) */
	void (*run)(struct bench_thread *t, uint64_t ops);
	/* untimed; frees everything setup and run left behind */
	void (*teardown)(struct bench_thread *t);
};

struct bench_case {
	const char *name;
	const char *op;		/* what one op is, for the table: "alloc+free pair" */
	uint64_t granule;	/* run() is always asked for a multiple of this */
	uint64_t callgrind_ops; /* ops measured per thread under callgrind */
	/*
	 * The threads' run() calls pair up (a producer hands objects to a
	 * consumer): the harness then warms up every thread with the same
	 * sequence of chunk sizes, chosen by thread 0, with a barrier after
	 * each chunk, so that no thread is left waiting for a partner that
	 * has already stopped.
	 */
	bool lockstep;
	/* thread counts above this are skipped with a note (0: no limit) */
	unsigned max_threads;
	double floor_target; /* kmm/floor ns ratio the table checks (0: none) */
	/*
	 * Targets that the table of cases without peers checks (0: none): kmm's
	 * ns/op at most ns_target, kmm/reference at most ref_target (the
	 * reference being the case's first impl that is not "kmm").
	 */
	double ns_target;
	double ref_target;
	/*
	 * run() times part of each op itself, into bench_thread.self_ns (e.g.
	 * the fork without the child's exit); the part it leaves out goes
	 * between bench_untimed_begin() and bench_untimed_end(), so that the
	 * callgrind pass does not count it either.
	 */
	bool self_timed;
	/*
	 * Always timed with the wall clock, even under --cputime: part of an
	 * op runs outside the timing thread (a host child's exit).
	 */
	bool wall_clock;
	/*
	 * run() counts its ops itself, into bench_thread.self_ops: ns_per_op
	 * divides by that count (e.g. pages kswapd reclaimed while the case
	 * touched memory for about as many), and so does the callgrind pass.
	 */
	bool self_counted;
	/*
	 * Ops per thread of the timed run when --ops is not given, instead of
	 * calibrating (0: calibrate): every impl then does the same amount of
	 * work (reclaim/swapout writes the same bytes as the host's loop).
	 */
	uint64_t timed_ops;
	/*
	 * Also print the result as a rate (rate_per_op / ns_per_op * 1e9
	 * rate_unit, e.g. "MiB/s" with 4096/2^20 per op), kmm's and the
	 * reference's, their ratio kmm/reference, and PASS/MISS for
	 * rate_target (kmm's rate at least rate_target x the reference's;
	 * 0: none).  NULL: no rate line.
	 */
	const char *rate_unit;
	double rate_per_op;
	double rate_target;
	const struct bench_impl *impls[BENCH_MAX_IMPLS];
};

struct bench_suite {
	const char *name;
	const char *description;
	/* machine description; the harness appends " nr_cpus=N" */
	const char *cmdline;
	const struct bench_case *const *cases; /* NULL-terminated */
	double time_s;			       /* length of a timed run unless --time (0: 1 s) */
	bool isolate; /* run every (case, impl, threads) in a fresh process (re-exec) */
	/* isolated: a run with no result after this many seconds is killed (0: 300) */
	double timeout_s;
	/*
	 * peak_kb counts what the workload made resident: from after the
	 * machine boot, and without file-backed pages (code run for the first
	 * time); see peak_start() in kmm-bench.c.
	 */
	bool peak_workload;
};

/* ---- the suites ------------------------------------------------------------ */

extern const struct bench_suite bench_suite_page;
extern const struct bench_suite bench_suite_slab;
extern const struct bench_suite bench_suite_vm;
extern const struct bench_suite bench_suite_reclaim;

/* ---- helpers for cases ------------------------------------------------------- */

/* CLOCK_MONOTONIC, or CLOCK_THREAD_CPUTIME_ID under --cputime */
extern clockid_t bench_clock_id;
/* --cputime was given (a case with .wall_clock still runs on CLOCK_MONOTONIC) */
extern bool bench_cputime;

static inline uint64_t bench_now_ns(void)
{
	struct timespec ts;
	clock_gettime(bench_clock_id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* xorshift64*: cheap, good enough to pick slots and orders. */
static inline uint64_t bench_rand(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1Dull;
}

/* Keep the compiler from proving a pointer dead or folding memory ops. */
static inline void bench_use(const void *p)
{
	__asm__ volatile("" : : "r"(p) : "memory");
}

/*
 * Self-timed cases: bracket the part of an op that is not measured.  Inside
 * the timed region under callgrind, collection is off in between.
 */
void bench_untimed_begin(struct bench_thread *t);
void bench_untimed_end(struct bench_thread *t);

/* Map @bytes of anonymous host memory (huge pages if asked); NULL on failure. */
void *bench_map(size_t bytes, bool hugepages);
void bench_unmap(void *p, size_t bytes);

/* ---- the floor: a bare intrusive LIFO freelist (both suites) ---------------- */

struct fl_node {
	struct fl_node *next;
};

static inline void *fl_pop(struct fl_node **head)
{
	struct fl_node *n = *head;
	if (__builtin_expect(n != NULL, 1))
		*head = n->next;
	return n;
}

static inline void fl_push(struct fl_node **head, void *p)
{
	struct fl_node *n = p;
	n->next = *head;
	*head = n;
}

#endif /* KMM_BENCH_H */
