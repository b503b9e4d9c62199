// SPDX-License-Identifier: MIT
/*
 * tests/test_refsim.c - the trace reader (tools/kmm/trace.c) and the
 * reference simulator (tools/kmm/refsim.c) of `kmm replay`:
 *
 *   - git-blame.pgt.zst from ../shared/traces (skipped if absent): every
 *     policy's faults and writebacks at 1%, 10% and 50% of the footprint
 *     exactly as in reference_faults.csv, through the loaded path (all
 *     eight) and the streaming path (all but OPT);
 *   - hand-made strings with known answers: Belady's anomaly for FIFO
 *     (9 faults in 3 frames, 10 in 4), a loop over F+1 pages under LRU
 *     (every reference faults), the textbook string of Silberschatz et al.
 *     (OPT 9, LRU 12, FIFO 15 in 3 frames), dirty evictions, one frame
 *     (every reference faults) and frames >= footprint (cold faults only);
 *   - random strings against naive O(N*F) models of opt, lru, fifo, clock;
 *   - raw and zstd input (several frames) reading the same records;
 *   - malformed input, each reported with the input's name, the field or
 *     record index and what is wrong: bad magic, version, header size, page
 *     shift, flags, truncated records, wrong count, trailing data, totals
 *     and footprint that disagree with the records, repeated vpns, ifetch
 *     flags in a data trace, non-user addresses, damaged and truncated zstd.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_frameHeaderSize() */
#include <zstd.h>

#include "refsim.h"
#include "trace.h"

#ifndef KMM_TRACES_DIR
#define KMM_TRACES_DIR "../shared/traces"
#endif

/* ---- building traces in memory -------------------------------------------------------- */

struct buf {
	uint8_t *data;
	size_t len;
};

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A correct raw trace of @n records (vpn << 2 | flags); the header's totals
 * are computed from them. */
static struct buf make_raw(const uint64_t *recs, size_t n, uint32_t flags)
{
	struct buf b = { calloc(1, 64 + 8 * n), 64 + 8 * n };
	uint64_t writes = 0, ifetch = 0, footprint = 0;

	assert_non_null(b.data);
	for (size_t i = 0; i < n; i++) {
		bool seen = false;
		writes += recs[i] & 1;
		ifetch += (recs[i] >> 1) & 1;
		for (size_t j = 0; j < i && !seen; j++)
			seen = (recs[j] >> 2) == (recs[i] >> 2);
		footprint += !seen;
		put_le64(b.data + 64 + 8 * i, recs[i]);
	}
	memcpy(b.data, "PGREFTR1", 8);
	put_le32(b.data + 8, 1);
	put_le32(b.data + 12, 64);
	put_le64(b.data + 16, n);
	put_le32(b.data + 24, 12);
	put_le32(b.data + 28, flags);
	put_le64(b.data + 32, n + 7);
	put_le64(b.data + 40, footprint);
	put_le64(b.data + 48, writes);
	put_le64(b.data + 56, ifetch);
	return b;
}

/* Records for a string of page numbers (all reads unless @writes says). */
static uint64_t *recs_of(const unsigned *pages, size_t n, const bool *writes)
{
	uint64_t *r = calloc(n ? n : 1, sizeof(*r));

	assert_non_null(r);
	for (size_t i = 0; i < n; i++)
		r[i] = (uint64_t)(0x1000 + pages[i]) << 2 | (writes && writes[i] ? 1 : 0);
	return r;
}

/* zstd of @b (with checksums, as the zstd tool writes), in @frames frames
 * concatenated. */
static struct buf zstd_of(struct buf b, int frames)
{
	size_t cap = ZSTD_compressBound(b.len) + (size_t)frames * 64, off = 0;
	struct buf z = { malloc(cap), 0 };
	size_t per = (b.len + (size_t)frames - 1) / (size_t)frames;
	ZSTD_CCtx *cc = ZSTD_createCCtx();

	assert_non_null(z.data);
	assert_non_null(cc);
	assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1)));
	for (size_t done = 0; done < b.len; done += per) {
		size_t n = b.len - done < per ? b.len - done : per;
		size_t r = ZSTD_compress2(cc, z.data + off, cap - off, b.data + done, n);
		assert_false(ZSTD_isError(r));
		off += r;
	}
	ZSTD_freeCCtx(cc);
	z.len = off;
	return z;
}

/* Load @b as a trace; NULL and the message in @err on failure. */
static int load(struct buf b, const char *name, struct refsim_trace *t, char *err, size_t errlen)
{
	struct trace_reader *r;
	int rc;

	if (trace_open_mem(b.data, b.len, name, &r, err, errlen))
		return -1;
	rc = refsim_trace_load(r, 0, t, NULL, NULL, err, errlen);
	trace_close(r);
	return rc;
}

/* Faults (and writebacks) of @policy in @frames over a string of pages. */
static uint64_t run_string(int policy, uint32_t frames, const unsigned *pages, const bool *writes,
			   size_t n, uint64_t *writebacks)
{
	uint64_t *recs = recs_of(pages, n, writes);
	struct buf b = make_raw(recs, n, TRACE_F_COLLAPSED);
	struct refsim_trace t;
	struct refsim_job job = { .policy = policy, .frames = frames };
	char err[512];

	if (load(b, "string", &t, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(refsim_run_loaded(&t, &job, 1, 1, NULL, NULL, err, sizeof(err)), 0);
	refsim_trace_free(&t);
	free(b.data);
	free(recs);
	if (writebacks)
		*writebacks = job.writebacks;
	return job.faults;
}

/* ---- known answers ------------------------------------------------------------------------ */

static void test_belady_anomaly_fifo(void **state)
{
	static const unsigned s[] = { 1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5 };
	size_t n = sizeof(s) / sizeof(s[0]);
	(void)state;

	assert_int_equal(run_string(REFSIM_FIFO, 3, s, NULL, n, NULL), 9);
	assert_int_equal(run_string(REFSIM_FIFO, 4, s, NULL, n, NULL), 10);
	/* a stack algorithm has no anomaly */
	assert_int_equal(run_string(REFSIM_LRU, 3, s, NULL, n, NULL), 10);
	assert_int_equal(run_string(REFSIM_LRU, 4, s, NULL, n, NULL), 8);
	assert_int_equal(run_string(REFSIM_OPT, 3, s, NULL, n, NULL), 7);
	assert_int_equal(run_string(REFSIM_OPT, 4, s, NULL, n, NULL), 6);
}

static void test_lru_loop_all_faults(void **state)
{
	enum { F = 16, LOOPS = 50 };
	unsigned s[(F + 1) * LOOPS];
	size_t n = 0;
	(void)state;

	for (int l = 0; l < LOOPS; l++)
		for (unsigned p = 0; p <= F; p++)
			s[n++] = p;
	assert_int_equal(run_string(REFSIM_LRU, F, s, NULL, n, NULL), n);
	assert_int_equal(run_string(REFSIM_FIFO, F, s, NULL, n, NULL), n);
	assert_int_equal(run_string(REFSIM_CLOCK, F, s, NULL, n, NULL), n);
	/* OPT keeps F-1 of them: after the cold faults, one fault per F refs */
	assert_true(run_string(REFSIM_OPT, F, s, NULL, n, NULL) < n / 8);
	/* one more frame and only the cold faults remain */
	for (int p = 0; p < REFSIM_NR_POLICIES; p++)
		assert_int_equal(run_string(p, F + 1, s, NULL, n, NULL), F + 1);
}

static void test_textbook_string(void **state)
{
	/* Silberschatz, Galvin, Gagne: Operating System Concepts, ch. 10 */
	static const unsigned s[] = { 7, 0, 1, 2, 0, 3, 0, 4, 2, 3, 0, 3, 2, 1, 2, 0, 1, 7, 0, 1 };
	size_t n = sizeof(s) / sizeof(s[0]);
	(void)state;

	assert_int_equal(run_string(REFSIM_OPT, 3, s, NULL, n, NULL), 9);
	assert_int_equal(run_string(REFSIM_LRU, 3, s, NULL, n, NULL), 12);
	assert_int_equal(run_string(REFSIM_FIFO, 3, s, NULL, n, NULL), 15);
}

static void test_writebacks(void **state)
{
	/* 1 written, 2 read, 3 written, then 4 and 5 evict 1 and 2 (LRU, 2 frames) */
	static const unsigned s[] = { 1, 2, 3, 4, 5, 1 };
	static const bool w[] = { true, false, true, false, false, true };
	uint64_t wb;
	(void)state;

	/* 2 frames: 3 evicts 1 (dirty), 4 evicts 2, 5 evicts 3 (dirty), 1 evicts 4 */
	assert_int_equal(run_string(REFSIM_LRU, 2, s, w, 6, &wb), 6);
	assert_int_equal(wb, 2);
	assert_int_equal(run_string(REFSIM_FIFO, 2, s, w, 6, &wb), 6);
	assert_int_equal(wb, 2);
	/* a write to a resident clean page dirties it */
	static const unsigned s2[] = { 1, 2, 1, 3, 4 };
	static const bool w2[] = { false, false, true, false, false };
	assert_int_equal(run_string(REFSIM_FIFO, 2, s2, w2, 5, &wb), 4);
	assert_int_equal(wb, 1); /* 3 evicts 1 (dirty), 4 evicts 2 (clean) */
}

static void test_one_frame_and_enough_frames(void **state)
{
	enum { N = 5000, PAGES = 200 };
	unsigned *s = malloc(N * sizeof(*s));
	bool *w = malloc(N * sizeof(*w));
	unsigned seed = 12345, used = 0;
	bool seen[PAGES] = { false };
	(void)state;

	assert_non_null(s);
	assert_non_null(w);
	for (size_t i = 0; i < N; i++) {
		do {
			seed = seed * 1103515245u + 12345u;
			s[i] = (seed >> 8) % PAGES;
		} while (i && s[i] == s[i - 1]);
		w[i] = (seed >> 20) & 1;
		if (!seen[s[i]])
			used++;
		seen[s[i]] = true;
	}
	for (int p = 0; p < REFSIM_NR_POLICIES; p++) {
		uint64_t wb;
		/* no two consecutive references share a page: every one faults */
		assert_int_equal(run_string(p, 1, s, w, N, NULL), N);
		/* room for everything: cold faults only, nothing evicted */
		assert_int_equal(run_string(p, PAGES, s, w, N, &wb), used);
		assert_int_equal(wb, 0);
	}
	free(s);
	free(w);
}

/* ---- random strings against naive models -------------------------------------------------- */

struct naive {
	unsigned page[64];
	bool dirty[64], ref[64];
	uint64_t stamp[64]; /* lru: last use; fifo: load time */
	unsigned n, hand;
	uint64_t faults, wb;
};

static int naive_find(const struct naive *s, unsigned p)
{
	for (unsigned i = 0; i < s->n; i++)
		if (s->page[i] == p)
			return (int)i;
	return -1;
}

/* policy: REFSIM_OPT (faults only), LRU, FIFO, CLOCK */
static void naive_run(int policy, unsigned frames, const unsigned *s, const bool *w, size_t n,
		      struct naive *st)
{
	memset(st, 0, sizeof(*st));
	for (size_t i = 0; i < n; i++) {
		int k = naive_find(st, s[i]);
		bool evicted;
		if (k >= 0) {
			st->dirty[k] |= w[i];
			st->ref[k] = true;
			if (policy == REFSIM_LRU)
				st->stamp[k] = i;
			continue;
		}
		st->faults++;
		evicted = st->n == frames;
		if (st->n < frames) {
			k = (int)st->n++;
		} else if (policy == REFSIM_CLOCK) {
			while (st->ref[st->hand]) {
				st->ref[st->hand] = false;
				st->hand = (st->hand + 1) % frames;
			}
			k = (int)st->hand;
			st->hand = (st->hand + 1) % frames;
		} else if (policy == REFSIM_OPT) {
			size_t best = 0;
			k = 0;
			for (unsigned f = 0; f < frames; f++) {
				size_t j = i + 1;
				while (j < n && s[j] != st->page[f])
					j++;
				if (j > best) {
					best = j;
					k = (int)f;
				}
			}
		} else { /* lru, fifo: the oldest stamp */
			k = 0;
			for (unsigned f = 1; f < frames; f++)
				if (st->stamp[f] < st->stamp[k])
					k = (int)f;
		}
		if (evicted && st->dirty[k])
			st->wb++;
		st->page[k] = s[i];
		st->dirty[k] = w[i];
		st->ref[k] = true;
		st->stamp[k] = i;
	}
}

static void test_random_vs_naive(void **state)
{
	enum { N = 3000 };
	unsigned *s = malloc(N * sizeof(*s));
	bool *w = malloc(N * sizeof(*w));
	unsigned seed = 777;
	(void)state;

	assert_non_null(s);
	assert_non_null(w);
	for (int round = 0; round < 6; round++) {
		unsigned pages = 8 + 9 * (unsigned)round;
		for (size_t i = 0; i < N; i++) {
			do {
				seed = seed * 1103515245u + 12345u;
				/* skewed: low pages are hot */
				unsigned x = (seed >> 8) % (pages * pages);
				s[i] = pages - 1 - (unsigned)(x / pages * x / (pages * pages));
				s[i] %= pages;
			} while (i && s[i] == s[i - 1]);
			w[i] = ((seed >> 21) & 3) == 0;
		}
		for (unsigned f = 1; f <= 24 && f < pages; f += 3) {
			static const int pol[] = { REFSIM_OPT, REFSIM_LRU, REFSIM_FIFO,
						   REFSIM_CLOCK };
			for (size_t k = 0; k < 4; k++) {
				struct naive st;
				uint64_t wb, faults;
				naive_run(pol[k], f, s, w, N, &st);
				faults = run_string(pol[k], f, s, w, N, &wb);
				if (faults != st.faults || (pol[k] != REFSIM_OPT && wb != st.wb))
					fail_msg(
						"%s, %u frames, %u pages: faults %llu/%llu, writebacks "
						"%llu/%llu (refsim/naive)",
						refsim_policy_name(pol[k]), f, pages,
						(unsigned long long)faults,
						(unsigned long long)st.faults,
						(unsigned long long)wb, (unsigned long long)st.wb);
			}
		}
	}
	free(s);
	free(w);
}

/* ---- raw and zstd read the same ------------------------------------------------------------ */

static void test_raw_and_zstd(void **state)
{
	enum { N = 20000 };
	unsigned *s = malloc(N * sizeof(*s));
	bool *w = calloc(N, sizeof(*w));
	(void)state;

	assert_non_null(s);
	assert_non_null(w);
	for (size_t i = 0; i < N; i++) {
		s[i] = (unsigned)((i * 7919) % 1000);
		w[i] = i % 3 == 0;
	}
	uint64_t *recs = recs_of(s, N, w);
	struct buf raw = make_raw(recs, N, TRACE_F_COLLAPSED);
	for (int frames = 1; frames <= 3; frames++) {
		struct buf z = zstd_of(raw, frames);
		struct refsim_trace a, b;
		char err[512];
		if (load(raw, "raw", &a, err, sizeof(err)) || load(z, "z", &b, err, sizeof(err)))
			fail_msg("%s", err);
		assert_int_equal(a.nr_refs, N);
		assert_int_equal(b.nr_refs, N);
		assert_int_equal(a.nr_pages, 1000);
		assert_false(a.compressed);
		assert_true(b.compressed);
		assert_memory_equal(a.refs, b.refs, N * sizeof(uint32_t));
		assert_memory_equal(a.vpns, b.vpns, a.nr_pages * sizeof(uint64_t));
		assert_int_equal(a.vpns[0], 0x1000);
		refsim_trace_free(&a);
		refsim_trace_free(&b);
		free(z.data);
	}
	free(raw.data);
	free(recs);
	free(s);
	free(w);
}

/* ---- malformed input ---------------------------------------------------------------------- */

/* Loading @b must fail with a message holding every one of the strings. */
static void expect_error(struct buf b, const char *name, ...)
{
	struct refsim_trace t;
	char err[512];
	va_list ap;
	const char *want;

	if (!load(b, name, &t, err, sizeof(err))) {
		refsim_trace_free(&t);
		fail_msg("%s: loaded, but an error was expected", name);
	}
	if (strncmp(err, name, strlen(name)) || err[strlen(name)] != ':')
		fail_msg("the message does not start with the input's name '%s': %s", name, err);
	va_start(ap, name);
	while ((want = va_arg(ap, const char *)))
		if (!strstr(err, want))
			fail_msg("%s: message lacks \"%s\": %s", name, want, err);
	va_end(ap);
}

static struct buf good_trace(size_t n)
{
	uint64_t *recs = malloc(n * sizeof(*recs));
	struct buf b;

	assert_non_null(recs);
	for (size_t i = 0; i < n; i++)
		recs[i] = (uint64_t)(0x4000 + i % 5) << 2 | (i % 4 == 0);
	b = make_raw(recs, n, TRACE_F_COLLAPSED);
	free(recs);
	return b;
}

static struct buf copy(struct buf b)
{
	struct buf c = { malloc(b.len), b.len };

	assert_non_null(c.data);
	memcpy(c.data, b.data, b.len);
	return c;
}

static void test_bad_header(void **state)
{
	struct buf g = good_trace(100), b;
	(void)state;

	b = copy(g);
	memcpy(b.data, "PGREFTR2", 8);
	expect_error(b, "magic", "bad magic", "PGREFTR2", NULL);
	put_le32(b.data, ZSTD_MAGICNUMBER - 1);
	expect_error(b, "magic2", "bad magic", "nor a zstd", NULL);
	free(b.data);

	b = copy(g);
	put_le32(b.data + 8, 2);
	expect_error(b, "version", "version (offset 8) is 2", NULL);
	free(b.data);

	b = copy(g);
	put_le32(b.data + 12, 128);
	expect_error(b, "hdrsize", "header size (offset 12) is 128", NULL);
	free(b.data);

	b = copy(g);
	put_le32(b.data + 24, 13);
	expect_error(b, "shift", "page shift (offset 24) is 13", NULL);
	free(b.data);

	b = copy(g);
	put_le32(b.data + 28, 0);
	expect_error(b, "flags0", "flags (offset 28)", "bit0", NULL);
	put_le32(b.data + 28, 0x11);
	expect_error(b, "flags", "flags (offset 28) 0x11 has unknown bits 0x10", NULL);
	free(b.data);

	b = copy(g);
	put_le64(b.data + 40, 0);
	expect_error(b, "footprint0", "footprint (offset 40) 0", NULL);
	put_le64(b.data + 40, 101);
	expect_error(b, "footprint", "footprint (offset 40) 101", NULL);
	free(b.data);

	b = copy(g);
	put_le64(b.data + 32, 50);
	expect_error(b, "raw", "raw page accesses (offset 32) 50", NULL);
	free(b.data);

	b = copy(g);
	put_le64(b.data + 56, 3);
	expect_error(b, "ifetchhdr", "ifetch records (offset 56)", "data-only", NULL);
	free(b.data);

	b = (struct buf){ g.data, 0 };
	expect_error(b, "empty", "empty input", NULL);
	b = (struct buf){ g.data, 40 };
	expect_error(b, "short", "truncated header: 40 of 64 bytes", NULL);
	b = (struct buf){ (uint8_t *)"XY", 2 };
	expect_error(b, "tiny", "too short", NULL);
	free(g.data);
}

static void test_bad_records(void **state)
{
	struct buf g = good_trace(100), b;
	(void)state;

	/* truncated: 99 and a half records */
	b = (struct buf){ g.data, g.len - 4 };
	expect_error(b, "trunc", "truncated", "count (offset 16) is 100", "inside record 99", NULL);
	b = (struct buf){ g.data, g.len - 80 };
	expect_error(b, "trunc2", "truncated", "before record 90", NULL);

	/* wrong count both ways */
	b = copy(g);
	put_le64(b.data + 16, 99);
	expect_error(b, "count99", "trailing data", "99 records", NULL);
	put_le64(b.data + 16, 101);
	expect_error(b, "count101", "truncated", "before record 100", NULL);
	free(b.data);

	/* totals */
	b = copy(g);
	put_le64(b.data + 48, 24);
	expect_error(b, "writes", "write records (offset 48) says 24, the records hold 25", NULL);
	free(b.data);
	b = copy(g);
	put_le64(b.data + 40, 6);
	expect_error(b, "fp", "footprint (offset 40) says 6 pages, the records touch 5", NULL);
	free(b.data);

	/* a repeated vpn in a collapsed trace */
	b = copy(g);
	put_le64(b.data + 64 + 8 * 42, (uint64_t)(0x4000 + 41 % 5) << 2);
	expect_error(b, "repeat", "record 42 of 100", "repeats the previous record", NULL);
	free(b.data);

	/* an ifetch flag in a data trace (accepted in an I+D one) */
	b = copy(g);
	put_le64(b.data + 64 + 8 * 7, (uint64_t)(0x4000 + 7 % 5) << 2 | 2);
	expect_error(b, "ifetch", "record 7 of 100", "ifetch flag", NULL);
	put_le32(b.data + 28, TRACE_F_COLLAPSED | TRACE_F_IFETCH);
	put_le64(b.data + 56, 1);
	{
		struct refsim_trace t;
		char err[512];
		if (load(b, "ifetch-ok", &t, err, sizeof(err)))
			fail_msg("%s", err);
		refsim_trace_free(&t);
	}
	free(b.data);

	/* not a user address */
	b = copy(g);
	put_le64(b.data + 64 + 8 * 3, TRACE_VPN_LIMIT << 2);
	expect_error(b, "kaddr", "record 3 of 100", "outside the x86-64 user address space", NULL);
	free(b.data);
	free(g.data);
}

static void test_bad_zstd(void **state)
{
	struct buf g = good_trace(5000), z = zstd_of(g, 1), b;
	(void)state;

	/* a damaged frame header: a reserved bit of the frame header descriptor */
	b = copy(z);
	b.data[4] |= 0x08;
	expect_error(b, "descriptor", "zstd:", NULL);
	free(b.data);

	/* a damaged block header: the reserved block type */
	b = copy(z);
	{
		/* frame header: magic, descriptor, window descriptor (no content
		 * size is stored with single-segment off), then the first block */
		size_t fhs = ZSTD_frameHeaderSize(b.data, b.len);
		assert_false(ZSTD_isError(fhs));
		b.data[fhs] |= 0x06; /* Block_Type 3: reserved */
	}
	expect_error(b, "block", "zstd:", NULL);
	free(b.data);

	/* the checksum does not match what was decoded */
	b = copy(z);
	b.data[b.len - 1] ^= 0xff;
	expect_error(b, "checksum", "zstd:", "checksum", NULL);
	free(b.data);

	/* the compressed stream cut short */
	b = (struct buf){ z.data, z.len - 3 };
	expect_error(b, "cut", "truncated", NULL);
	b = (struct buf){ z.data, z.len / 2 };
	expect_error(b, "half", "truncated", NULL);

	/* junk after a good frame */
	b.data = malloc(z.len + 8);
	assert_non_null(b.data);
	memcpy(b.data, z.data, z.len);
	memcpy(b.data + z.len, "garbage!", 8);
	b.len = z.len + 8;
	expect_error(b, "junk", "zstd:", NULL);
	free(b.data);

	/* a zstd frame holding something else */
	{
		static uint8_t text[64] = "this is not a trace at all, just some text";
		struct buf other = { text, sizeof(text) };
		struct buf zo = zstd_of(other, 1);
		expect_error(zo, "other", "bad magic", NULL);
		free(zo.data);
	}
	free(z.data);
	free(g.data);
}

static void test_open_errors(void **state)
{
	struct trace_reader *r;
	char err[512];
	(void)state;

	assert_int_equal(trace_open("/nonexistent/x.pgt.zst", &r, err, sizeof(err)), -1);
	assert_null(r);
	assert_non_null(strstr(err, "/nonexistent/x.pgt.zst: cannot open"));
	assert_int_equal(trace_open("/", &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "is a directory"));
}

static void test_limit(void **state)
{
	struct buf g = good_trace(100);
	struct trace_reader *r;
	struct refsim_trace t;
	char err[512];
	(void)state;

	assert_int_equal(trace_open_mem(g.data, g.len, "lim", &r, err, sizeof(err)), 0);
	assert_int_equal(refsim_trace_load(r, 3, &t, NULL, NULL, err, sizeof(err)), 0);
	assert_int_equal(t.nr_refs, 3);
	assert_int_equal(t.nr_pages, 3);
	refsim_trace_free(&t);
	trace_close(r);
	assert_int_equal(refsim_frames_for_pct(10, 1195), 120);
	assert_int_equal(refsim_frames_for_pct(50, 1497), 749); /* half up, as the README */
	assert_int_equal(refsim_frames_for_pct(1, 20), 1);
	assert_int_equal(refsim_policy_parse("2q"), REFSIM_2Q);
	assert_int_equal(refsim_policy_parse("nope"), -1);
	free(g.data);
}

/* ---- the real trace against reference_faults.csv -------------------------------------------- */

struct csv_row {
	char policy[16];
	int pct;
	uint32_t frames;
	uint64_t faults, writebacks;
};

static size_t read_csv(const char *trace, struct csv_row *rows, size_t max)
{
	FILE *f = fopen(KMM_TRACES_DIR "/reference_faults.csv", "r");
	char line[512];
	size_t n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f) && n < max) {
		char name[64], policy[16];
		unsigned long long refs, fp, faults, wb;
		unsigned pct, frames;
		double ratio, secs;
		if (sscanf(line, "%63[^,],%llu,%llu,%15[^,],%u,%u,%llu,%lf,%llu,%lf", name, &refs,
			   &fp, policy, &pct, &frames, &faults, &ratio, &wb, &secs) != 10)
			continue;
		if (strcmp(name, trace))
			continue;
		snprintf(rows[n].policy, sizeof(rows[n].policy), "%s", policy);
		rows[n].pct = (int)pct;
		rows[n].frames = frames;
		rows[n].faults = faults;
		rows[n].writebacks = wb;
		n++;
	}
	fclose(f);
	return n;
}

static const struct csv_row *csv_find(const struct csv_row *rows, size_t n, const char *policy,
				      int pct)
{
	for (size_t i = 0; i < n; i++)
		if (rows[i].pct == pct && !strcmp(rows[i].policy, policy))
			return &rows[i];
	return NULL;
}

static void test_git_blame_reference(void **state)
{
	static const int pcts[] = { 1, 10, 50 };
	const char *path = KMM_TRACES_DIR "/git-blame.pgt.zst";
	struct csv_row rows[128];
	struct refsim_job jobs[REFSIM_NR_POLICIES * 3];
	struct refsim_trace t;
	struct trace_reader *r;
	size_t nr_rows, nj = 0;
	uint64_t nr_refs;
	uint32_t nr_pages;
	char err[512];
	(void)state;

	if (access(path, R_OK) || access(KMM_TRACES_DIR "/reference_faults.csv", R_OK)) {
		print_message("[  SKIPPED ] %s or reference_faults.csv is absent\n", path);
		skip();
	}
	nr_rows = read_csv("git-blame", rows, 128);
	assert_true(nr_rows >= REFSIM_NR_POLICIES * 3);

	if (trace_open(path, &r, err, sizeof(err)))
		fail_msg("%s", err);
	if (refsim_trace_load(r, 0, &t, NULL, NULL, err, sizeof(err)))
		fail_msg("%s", err);
	trace_close(r);
	assert_int_equal(t.nr_refs, 39833889);
	assert_int_equal(t.nr_pages, 1195);

	for (size_t k = 0; k < 3; k++)
		for (int p = 0; p < REFSIM_NR_POLICIES; p++)
			jobs[nj++] = (struct refsim_job){
				.policy = p, .frames = refsim_frames_for_pct(pcts[k], t.nr_pages)
			};
	assert_int_equal(refsim_run_loaded(&t, jobs, nj, 2, NULL, NULL, err, sizeof(err)), 0);
	for (size_t j = 0; j < nj; j++) {
		const char *name = refsim_policy_name(jobs[j].policy);
		const struct csv_row *want = csv_find(rows, nr_rows, name, pcts[j / 8]);
		assert_non_null(want);
		assert_int_equal(jobs[j].frames, want->frames);
		if (jobs[j].faults != want->faults || jobs[j].writebacks != want->writebacks)
			fail_msg("%s at %d%% (F=%u): %llu faults, %llu writebacks; the CSV has "
				 "%llu, %llu",
				 name, pcts[j / 8], jobs[j].frames,
				 (unsigned long long)jobs[j].faults,
				 (unsigned long long)jobs[j].writebacks,
				 (unsigned long long)want->faults,
				 (unsigned long long)want->writebacks);
	}
	refsim_trace_free(&t);

	/* the streaming path: one decoding pass feeding the seven others at 10% */
	nj = 0;
	for (int p = 0; p < REFSIM_NR_POLICIES; p++)
		if (p != REFSIM_OPT)
			jobs[nj++] = (struct refsim_job){ .policy = p, .frames = 120 };
	if (trace_open(path, &r, err, sizeof(err)))
		fail_msg("%s", err);
	if (refsim_run_stream(r, 0, jobs, nj, &nr_refs, &nr_pages, NULL, NULL, err, sizeof(err)))
		fail_msg("%s", err);
	trace_close(r);
	assert_int_equal(nr_refs, 39833889);
	assert_int_equal(nr_pages, 1195);
	for (size_t j = 0; j < nj; j++) {
		const struct csv_row *want =
			csv_find(rows, nr_rows, refsim_policy_name(jobs[j].policy), 10);
		assert_non_null(want);
		assert_int_equal(jobs[j].faults, want->faults);
		assert_int_equal(jobs[j].writebacks, want->writebacks);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_belady_anomaly_fifo),
		cmocka_unit_test(test_lru_loop_all_faults),
		cmocka_unit_test(test_textbook_string),
		cmocka_unit_test(test_writebacks),
		cmocka_unit_test(test_one_frame_and_enough_frames),
		cmocka_unit_test(test_random_vs_naive),
		cmocka_unit_test(test_raw_and_zstd),
		cmocka_unit_test(test_bad_header),
		cmocka_unit_test(test_bad_records),
		cmocka_unit_test(test_bad_zstd),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_git_blame_reference),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
