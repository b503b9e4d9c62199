/* SPDX-License-Identifier: MIT */
/*
 * tools/kmm/refsim.h - the reference simulator: demand paging of one
 * page-reference string in a fixed number of frames under the classic
 * replacement policies, exactly as ../shared/traces/README.md defines them
 * (cold faults count; a victim is chosen only when a fault finds memory
 * full; a dirty victim is a writeback):
 *
 *   opt    Belady's MIN, from precomputed next-use indices (a max-heap,
 *          O(log F) per reference); among pages never used again, the
 *          heap's order chooses (it matters for writebacks only)
 *   lru    exact least-recently-used
 *   clock  second chance, referenced bit set on every access and on load
 *   fifo   first in, first out
 *   2q     full 2Q: A1in FIFO of F/4 pages, A1out ghost FIFO of F/2 ids, Am LRU
 *   linux  the two-list (active/inactive) model of Linux's classic reclaim:
 *          the lists are rebalanced before every look at the inactive tail,
 *          and activation leaves PG_referenced set
 *   arc    ARC with c = F and an integer target p
 *   lirs   LIRS with Lhirs = max(1, F/100) and an unbounded ghost stack
 *
 * Pages are dense ids (0 .. footprint-1, in order of first reference);
 * a reference is (id << 1) | write.  Hosted code.
 */
#ifndef KMM_TOOLS_REFSIM_H
#define KMM_TOOLS_REFSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trace.h"

enum refsim_policy {
	REFSIM_OPT,
	REFSIM_LRU,
	REFSIM_CLOCK,
	REFSIM_FIFO,
	REFSIM_2Q,
	REFSIM_LINUX,
	REFSIM_ARC,
	REFSIM_LIRS,
	REFSIM_NR_POLICIES
};

/* "opt", "lru", ...; NULL for a bad value. */
const char *refsim_policy_name(int policy);
/* The policy called @name, or -1. */
int refsim_policy_parse(const char *name);

/* F = round(pct / 100 * footprint), at least 1 (as the README's tables). */
uint32_t refsim_frames_for_pct(double pct, uint64_t footprint);

/* ---- one policy at one memory size, fed references in order ------------------------ */

struct refsim_sim;

/* NULL if out of memory or @frames is 0. */
struct refsim_sim *refsim_sim_create(int policy, uint32_t frames);
void refsim_sim_destroy(struct refsim_sim *s);
/* Make room for page ids below @nr_pages (before feeding them); -1 if out
 * of memory. */
int refsim_sim_reserve(struct refsim_sim *s, uint32_t nr_pages);
/*
 * Feed @n references.  OPT also needs @next: next[i] is the index (in the
 * whole string) of the next reference to the page of refs[i], UINT32_MAX
 * if none; the other policies ignore it (NULL is fine).
 */
void refsim_sim_feed(struct refsim_sim *s, const uint32_t *refs, const uint32_t *next, size_t n);
uint64_t refsim_sim_faults(const struct refsim_sim *s);
uint64_t refsim_sim_writebacks(const struct refsim_sim *s);

/* ---- a trace as dense ids ------------------------------------------------------------ */

/* vpn -> dense id, in order of first appearance. */
struct refsim_map {
	uint64_t *keys; /* vpn + 1; 0 = empty slot */
	uint32_t *vals;
	size_t mask;	/* table size - 1 */
	uint32_t nr;	/* ids given */
	uint64_t *vpns; /* id -> vpn */
	uint32_t vpns_cap;
};

void refsim_map_init(struct refsim_map *map);
void refsim_map_free(struct refsim_map *map);
/* Turn @n records into references (id << 1 | write) in @out; -1 if out of
 * memory or past 2^31 pages. */
int refsim_map_records(struct refsim_map *map, const uint64_t *recs, uint32_t *out, size_t n);

struct refsim_trace {
	struct trace_header hdr;
	bool compressed;
	uint64_t nr_refs; /* loaded: all, or the first --limit */
	uint32_t *refs;	  /* [nr_refs] id << 1 | write */
	uint32_t nr_pages;
	uint64_t *vpns;		       /* [nr_pages] id -> vpn */
	uint32_t *next;		       /* next-use indices, once refsim_trace_next_use() ran */
	size_t refs_bytes, next_bytes; /* (private: the arrays' mappings) */
};

/* Progress reports: @frac in [0, 1] of @phase ("reading", "opt", ...). */
typedef void (*refsim_progress_fn)(void *ctx, const char *phase, double frac);

/*
 * Read the references of @r (all, or the first @limit if @limit > 0) into
 * @t.  A whole trace is checked against its header's footprint too.
 * 0, or -1 with the message in @err.
 */
int refsim_trace_load(struct trace_reader *r, uint64_t limit, struct refsim_trace *t,
		      refsim_progress_fn progress, void *ctx, char *err, size_t errlen);
/* Compute t->next (for OPT); -1 if out of memory or too many references. */
int refsim_trace_next_use(struct refsim_trace *t);
void refsim_trace_free(struct refsim_trace *t);

/* ---- running several (policy, frames) pairs ------------------------------------------ */

struct refsim_job {
	int policy;
	uint32_t frames;
	/* results */
	uint64_t faults, writebacks;
	double secs;
};

/*
 * Run every job over a loaded trace (computing t->next first if an OPT job
 * needs it), on up to @nr_threads host threads.  0, or -1 with @err.
 */
int refsim_run_loaded(struct refsim_trace *t, struct refsim_job *jobs, size_t nr_jobs,
		      int nr_threads, refsim_progress_fn progress, void *ctx, char *err,
		      size_t errlen);

/*
 * Run jobs (not OPT) while streaming @r: one decoding pass feeds every
 * job, nothing but per-page state is kept.  @limit as for
 * refsim_trace_load; *nr_refs and *nr_pages get what was seen.  0, or -1
 * with @err.
 */
int refsim_run_stream(struct trace_reader *r, uint64_t limit, struct refsim_job *jobs,
		      size_t nr_jobs, uint64_t *nr_refs, uint32_t *nr_pages,
		      refsim_progress_fn progress, void *ctx, char *err, size_t errlen);

#endif /* KMM_TOOLS_REFSIM_H */
