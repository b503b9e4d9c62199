/* SPDX-License-Identifier: MIT */
/*
 * tools/kmm/trace.c - the PGREFTR1 trace reader (see trace.h): a byte
 * source (a file or a memory block), an optional zstd streaming decoder
 * on top (ZSTD_d_windowLogMax 27, as `zstd --long=27`), and strict
 * validation of the header and of every record.
 */
#include "trace.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_customMem, ZSTD_createDCtx_advanced() */
#include <zstd.h>

#define TRACE_WINDOW_LOG_MAX 27
#define TRACE_ERR_MAX 512

enum { TR_OK, TR_DONE, TR_FAILED };

/* zstd's big buffers (the 128 MiB window) come from huge-page mappings. */
#define BIG_ALLOC_MIN (1u << 20)
#define NR_BIG_ALLOCS 8

struct big_alloc {
	void *addr;
	size_t size;
};

struct trace_reader {
	char *name;
	/* the source: a file, or memory */
	FILE *fp;
	const uint8_t *mem;
	size_t mem_len;
	uint64_t in_pos;  /* source bytes consumed (into inbuf or straight out) */
	uint64_t in_size; /* 0 if unknown */
	bool in_eof;
	/* bytes read from the source but not yet used */
	uint8_t *inbuf;
	size_t in_cap;
	ZSTD_inBuffer in;
	/* zstd */
	bool zstd;
	ZSTD_DCtx *dctx;
	size_t zret; /* last ZSTD_decompressStream() hint: 0 = a frame just ended */
	uint64_t out_bytes;
	/* records */
	struct trace_header h;
	uint64_t index; /* records delivered */
	uint64_t prev_vpn;
	uint64_t nr_write, nr_ifetch;
	int state;
	char err[TRACE_ERR_MAX];
	struct big_alloc big[NR_BIG_ALLOCS];
};

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_le64(const uint8_t *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

static void vfail(struct trace_reader *r, int64_t rec, const char *fmt, va_list ap)
{
	int n;

	if (r->state == TR_FAILED)
		return;
	r->state = TR_FAILED;
	if (rec >= 0)
		n = snprintf(r->err, sizeof(r->err), "%s: record %lld of %llu: ", r->name,
			     (long long)rec, (unsigned long long)r->h.count);
	else
		n = snprintf(r->err, sizeof(r->err), "%s: ", r->name);
	if (n < 0 || (size_t)n >= sizeof(r->err))
		return;
	vsnprintf(r->err + n, sizeof(r->err) - (size_t)n, fmt, ap);
}

void trace_fail(struct trace_reader *r, int64_t rec, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(r, rec, fmt, ap);
	va_end(ap);
}

/* ---- the byte source ------------------------------------------------------------ */

/* Read up to @n source bytes into @dst; sets in_eof at the end. */
static size_t src_read(struct trace_reader *r, uint8_t *dst, size_t n)
{
	size_t got;

	if (r->in_eof || !n)
		return 0;
	if (r->fp) {
		got = fread(dst, 1, n, r->fp);
		if (got < n) {
			if (ferror(r->fp))
				trace_fail(r, -1, "read error after %llu bytes: %s",
					   (unsigned long long)(r->in_pos + got), strerror(errno));
			r->in_eof = true;
		}
	} else {
		size_t left = r->mem_len - (size_t)r->in_pos;
		got = n < left ? n : left;
		memcpy(dst, r->mem + r->in_pos, got);
		if (got < n)
			r->in_eof = true;
	}
	r->in_pos += got;
	return got;
}

/* Refill inbuf when it is used up. */
static void src_refill(struct trace_reader *r)
{
	if (r->in.pos < r->in.size)
		return;
	r->in.size = src_read(r, r->inbuf, r->in_cap);
	r->in.pos = 0;
}

/* Raw input: @need bytes into @dst; fewer only at the end of input. */
static size_t raw_fill(struct trace_reader *r, uint8_t *dst, size_t need)
{
	size_t done = 0;

	if (r->in.pos < r->in.size) {
		size_t k = r->in.size - r->in.pos;
		if (k > need)
			k = need;
		memcpy(dst, (const uint8_t *)r->in.src + r->in.pos, k);
		r->in.pos += k;
		done = k;
	}
	/* big requests go straight to the destination */
	while (done < need && !r->in_eof && r->state != TR_FAILED)
		done += src_read(r, dst + done, need - done);
	return done;
}

/* zstd input: @need decoded bytes into @dst; fewer at the end or on error. */
static size_t zstd_fill(struct trace_reader *r, uint8_t *dst, size_t need)
{
	ZSTD_outBuffer out = { dst, need, 0 };

	while (out.pos < out.size && r->state != TR_FAILED) {
		size_t in0, out0, ret;

		src_refill(r);
		in0 = r->in.pos;
		out0 = out.pos;
		ret = ZSTD_decompressStream(r->dctx, &out, &r->in);
		if (ZSTD_isError(ret)) {
			uint64_t at = r->out_bytes + out.pos;
			if (at >= TRACE_HEADER_SIZE + r->h.count * TRACE_RECORD_SIZE)
				trace_fail(r, -1, "zstd: %s (after the last record)",
					   ZSTD_getErrorName(ret));
			else if (at >= TRACE_HEADER_SIZE)
				trace_fail(
					r, (int64_t)((at - TRACE_HEADER_SIZE) / TRACE_RECORD_SIZE),
					"zstd: %s (compressed input near byte %llu)",
					ZSTD_getErrorName(ret),
					(unsigned long long)(r->in_pos - (r->in.size - r->in.pos)));
			else
				trace_fail(r, -1, "zstd: %s (in the first %d bytes: the header)",
					   ZSTD_getErrorName(ret), TRACE_HEADER_SIZE);
			break;
		}
		if (r->in.pos == in0 && out.pos == out0) {
			if (r->in_eof && r->in.pos == r->in.size)
				break; /* no input left, nothing more buffered */
			continue;
		}
		r->zret = ret; /* only a call that made progress says where we are */
	}
	r->out_bytes += out.pos;
	return out.pos;
}

static size_t fill(struct trace_reader *r, uint8_t *dst, size_t need)
{
	if (r->zstd)
		return zstd_fill(r, dst, need);
	r->out_bytes += need; /* raw: only used for messages */
	return raw_fill(r, dst, need);
}

/* ---- header ---------------------------------------------------------------------- */

static int parse_header(struct trace_reader *r)
{
	uint8_t b[TRACE_HEADER_SIZE];
	struct trace_header *h = &r->h;
	size_t got = fill(r, b, sizeof(b));

	if (r->state == TR_FAILED)
		return -1;
	if (got < sizeof(b) && r->zstd && r->zret != 0) {
		trace_fail(r, -1,
			   "zstd: truncated input: the compressed stream ends inside a frame, "
			   "%zu bytes into the 64-byte header",
			   got);
		return -1;
	}
	if (got == 0) {
		trace_fail(r, -1, "empty input: not a PGREFTR1 trace");
		return -1;
	}
	if (got >= 8 && memcmp(b, TRACE_MAGIC, 8)) {
		char shown[9];
		for (int i = 0; i < 8; i++)
			shown[i] = b[i] >= 0x20 && b[i] < 0x7f ? (char)b[i] : '.';
		shown[8] = '\0';
		trace_fail(r, -1,
			   "header: bad magic \"%s\" (expected \"%s\"): not a PGREFTR1 trace%s",
			   shown, TRACE_MAGIC, r->zstd ? "" : " (nor a zstd-compressed one)");
		return -1;
	}
	if (got < sizeof(b)) {
		if (got < 8 && memcmp(b, TRACE_MAGIC, got))
			trace_fail(r, -1,
				   "%zu bytes: too short for a PGREFTR1 trace (64-byte header)",
				   got);
		else
			trace_fail(r, -1, "truncated header: %zu of %d bytes", got,
				   TRACE_HEADER_SIZE);
		return -1;
	}
	h->version = get_le32(b + 8);
	h->header_size = get_le32(b + 12);
	h->count = get_le64(b + 16);
	h->page_shift = get_le32(b + 24);
	h->flags = get_le32(b + 28);
	h->raw_accesses = get_le64(b + 32);
	h->footprint = get_le64(b + 40);
	h->nr_write_recs = get_le64(b + 48);
	h->nr_ifetch_recs = get_le64(b + 56);

	if (h->version != TRACE_VERSION) {
		trace_fail(r, -1, "header: version (offset 8) is %u; this reader knows version %d",
			   h->version, TRACE_VERSION);
		return -1;
	}
	if (h->header_size != TRACE_HEADER_SIZE) {
		trace_fail(r, -1, "header: header size (offset 12) is %u, must be %d",
			   h->header_size, TRACE_HEADER_SIZE);
		return -1;
	}
	if (h->page_shift != TRACE_PAGE_SHIFT) {
		trace_fail(r, -1, "header: page shift (offset 24) is %u, must be %d (4 KiB pages)",
			   h->page_shift, TRACE_PAGE_SHIFT);
		return -1;
	}
	if (h->flags & ~TRACE_F_KNOWN) {
		trace_fail(r, -1, "header: flags (offset 28) %#x has unknown bits %#x", h->flags,
			   h->flags & ~TRACE_F_KNOWN);
		return -1;
	}
	if (!(h->flags & TRACE_F_COLLAPSED)) {
		trace_fail(r, -1,
			   "header: flags (offset 28) %#x lacks bit0 (immediate repeats "
			   "collapsed), which every PGREFTR1 trace sets",
			   h->flags);
		return -1;
	}
	if (h->count > (UINT64_MAX - TRACE_HEADER_SIZE) / TRACE_RECORD_SIZE) {
		trace_fail(r, -1, "header: count (offset 16) %llu is impossibly large",
			   (unsigned long long)h->count);
		return -1;
	}
	if (h->raw_accesses && h->raw_accesses < h->count) {
		trace_fail(r, -1,
			   "header: raw page accesses (offset 32) %llu is less than the record "
			   "count %llu (collapsing cannot add records)",
			   (unsigned long long)h->raw_accesses, (unsigned long long)h->count);
		return -1;
	}
	if (h->footprint > h->count || (h->count && !h->footprint)) {
		trace_fail(r, -1,
			   "header: footprint (offset 40) %llu is impossible with %llu records",
			   (unsigned long long)h->footprint, (unsigned long long)h->count);
		return -1;
	}
	if (h->nr_write_recs > h->count) {
		trace_fail(r, -1, "header: write records (offset 48) %llu exceed the count %llu",
			   (unsigned long long)h->nr_write_recs, (unsigned long long)h->count);
		return -1;
	}
	if (h->nr_ifetch_recs > h->count) {
		trace_fail(r, -1, "header: ifetch records (offset 56) %llu exceed the count %llu",
			   (unsigned long long)h->nr_ifetch_recs, (unsigned long long)h->count);
		return -1;
	}
	if (h->nr_ifetch_recs && !(h->flags & TRACE_F_IFETCH)) {
		trace_fail(r, -1,
			   "header: %llu ifetch records (offset 56) in a data-only trace "
			   "(flags bit1 = 0)",
			   (unsigned long long)h->nr_ifetch_recs);
		return -1;
	}
	/* A raw file of known size can be checked now rather than at its end. */
	if (!r->zstd && r->in_size) {
		uint64_t want = TRACE_HEADER_SIZE + h->count * TRACE_RECORD_SIZE;
		uint64_t have = r->in_size;
		if (have < want) {
			uint64_t recs = (have - TRACE_HEADER_SIZE) / TRACE_RECORD_SIZE;
			trace_fail(r, -1,
				   "truncated: the header's count (offset 16) is %llu records "
				   "(%llu bytes), the input has %llu bytes: it ends %s record %llu",
				   (unsigned long long)h->count, (unsigned long long)want,
				   (unsigned long long)have,
				   (have - TRACE_HEADER_SIZE) % TRACE_RECORD_SIZE ? "inside" :
										    "before",
				   (unsigned long long)recs);
			return -1;
		}
		if (have > want) {
			trace_fail(
				r, -1,
				"%llu bytes of trailing data after the %llu records the header's "
				"count (offset 16) announces",
				(unsigned long long)(have - want), (unsigned long long)h->count);
			return -1;
		}
	}
	return 0;
}

/* ---- open / close ---------------------------------------------------------------- */

/*
 * zstd's allocator: its window buffer (2^27 bytes) is filled as data is
 * decoded; with 4 KiB pages that is 32768 page faults for every reader.
 * Mappings with transparent huge pages (where the host allows) cost a
 * few dozen.
 */
static void *zstd_alloc(void *opaque, size_t size)
{
	struct trace_reader *r = opaque;
	void *p;

	if (size < BIG_ALLOC_MIN)
		return malloc(size);
	for (int i = 0; i < NR_BIG_ALLOCS; i++) {
		if (r->big[i].addr)
			continue;
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return NULL;
#ifdef MADV_HUGEPAGE
		madvise(p, size, MADV_HUGEPAGE);
#endif
		r->big[i].addr = p;
		r->big[i].size = size;
		return p;
	}
	return malloc(size);
}

static void zstd_free(void *opaque, void *addr)
{
	struct trace_reader *r = opaque;

	if (!addr)
		return;
	for (int i = 0; i < NR_BIG_ALLOCS; i++) {
		if (r->big[i].addr == addr) {
			munmap(addr, r->big[i].size);
			r->big[i].addr = NULL;
			return;
		}
	}
	free(addr);
}

static bool is_zstd_magic(const uint8_t *p, size_t n)
{
	uint32_t v;

	if (n < 4)
		return false;
	v = get_le32(p);
	return v == ZSTD_MAGICNUMBER ||
	       (v & ZSTD_MAGIC_SKIPPABLE_MASK) == ZSTD_MAGIC_SKIPPABLE_START;
}

static int open_common(struct trace_reader *r, struct trace_reader **out, char *err, size_t errlen)
{
	r->in_cap = ZSTD_DStreamInSize();
	r->inbuf = malloc(r->in_cap);
	if (!r->inbuf) {
		snprintf(err, errlen, "%s: out of memory", r->name);
		goto fail;
	}
	r->in.src = r->inbuf;
	src_refill(r);
	if (r->state == TR_FAILED)
		goto fail_msg;
	if (is_zstd_magic(r->inbuf, r->in.size)) {
		size_t ret;
		r->zstd = true;
		ZSTD_customMem mem = { zstd_alloc, zstd_free, r };
		r->dctx = ZSTD_createDCtx_advanced(mem);
		if (!r->dctx) {
			snprintf(err, errlen, "%s: out of memory", r->name);
			goto fail;
		}
		ret = ZSTD_DCtx_setParameter(r->dctx, ZSTD_d_windowLogMax, TRACE_WINDOW_LOG_MAX);
		if (ZSTD_isError(ret)) {
			snprintf(err, errlen, "%s: zstd: %s", r->name, ZSTD_getErrorName(ret));
			goto fail;
		}
	}
	if (parse_header(r))
		goto fail_msg;
	*out = r;
	return 0;

fail_msg:
	snprintf(err, errlen, "%s", r->err);
fail:
	trace_close(r);
	*out = NULL;
	return -1;
}

static struct trace_reader *reader_alloc(const char *name, char *err, size_t errlen)
{
	struct trace_reader *r = calloc(1, sizeof(*r));

	if (r)
		r->name = strdup(name);
	if (!r || !r->name) {
		free(r);
		snprintf(err, errlen, "%s: out of memory", name);
		return NULL;
	}
	return r;
}

int trace_open(const char *path, struct trace_reader **out, char *err, size_t errlen)
{
	struct trace_reader *r = reader_alloc(path, err, errlen);
	struct stat st;

	*out = NULL;
	if (!r)
		return -1;
	r->fp = fopen(path, "rb");
	if (!r->fp) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		trace_close(r);
		return -1;
	}
	if (fstat(fileno(r->fp), &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			snprintf(err, errlen, "%s: is a directory", path);
			trace_close(r);
			return -1;
		}
		if (S_ISREG(st.st_mode))
			r->in_size = (uint64_t)st.st_size;
	}
	return open_common(r, out, err, errlen);
}

int trace_open_mem(const void *data, size_t len, const char *name, struct trace_reader **out,
		   char *err, size_t errlen)
{
	struct trace_reader *r = reader_alloc(name, err, errlen);

	*out = NULL;
	if (!r)
		return -1;
	r->mem = data;
	r->mem_len = len;
	r->in_size = len;
	return open_common(r, out, err, errlen);
}

void trace_close(struct trace_reader *r)
{
	if (!r)
		return;
	if (r->fp)
		fclose(r->fp);
	ZSTD_freeDCtx(r->dctx);
	free(r->inbuf);
	free(r->name);
	free(r);
}

const struct trace_header *trace_header(const struct trace_reader *r)
{
	return &r->h;
}

bool trace_compressed(const struct trace_reader *r)
{
	return r->zstd;
}

uint64_t trace_position(const struct trace_reader *r)
{
	return r->index;
}

const char *trace_error(const struct trace_reader *r)
{
	return r->state == TR_FAILED ? r->err : "";
}

uint64_t trace_input_pos(const struct trace_reader *r)
{
	return r->in_pos;
}

uint64_t trace_input_size(const struct trace_reader *r)
{
	return r->in_size;
}

/* ---- records ----------------------------------------------------------------------- */

/* After the last record: nothing may follow, the totals must match. */
static long finish(struct trace_reader *r)
{
	uint8_t extra[TRACE_RECORD_SIZE];
	size_t got = fill(r, extra, sizeof(extra));

	if (r->state == TR_FAILED)
		return -1;
	if (got) {
		trace_fail(r, -1,
			   "trailing data after the %llu records the header's count (offset 16) "
			   "announces",
			   (unsigned long long)r->h.count);
		return -1;
	}
	if (r->zstd && r->zret != 0) {
		trace_fail(r, -1,
			   "zstd: truncated input: the compressed stream ends inside a frame "
			   "(after all %llu records)",
			   (unsigned long long)r->h.count);
		return -1;
	}
	if (r->nr_write != r->h.nr_write_recs) {
		trace_fail(r, -1,
			   "header: write records (offset 48) says %llu, the records hold %llu",
			   (unsigned long long)r->h.nr_write_recs, (unsigned long long)r->nr_write);
		return -1;
	}
	if (r->nr_ifetch != r->h.nr_ifetch_recs) {
		trace_fail(r, -1,
			   "header: ifetch records (offset 56) says %llu, the records hold %llu",
			   (unsigned long long)r->h.nr_ifetch_recs,
			   (unsigned long long)r->nr_ifetch);
		return -1;
	}
	r->state = TR_DONE;
	return 0;
}

long trace_read(struct trace_reader *r, uint64_t *buf, size_t max)
{
	uint64_t left = r->h.count - r->index;
	size_t want, got, n;
	bool ifetch_ok = r->h.flags & TRACE_F_IFETCH;
	uint64_t prev = r->prev_vpn, nr_w = 0, nr_i = 0;

	if (r->state == TR_FAILED)
		return -1;
	if (r->state == TR_DONE)
		return 0;
	if (!left)
		return finish(r);
	if (!max)
		return 0;
	want = left < max ? (size_t)left : max;
	got = fill(r, (uint8_t *)buf, want * TRACE_RECORD_SIZE);
	if (r->state == TR_FAILED)
		return -1;
	n = got / TRACE_RECORD_SIZE;
	for (size_t i = 0; i < n; i++) {
		uint64_t rec = get_le64((const uint8_t *)&buf[i]);
		uint64_t vpn = rec >> 2;
		int64_t at = (int64_t)(r->index + i);

		buf[i] = rec;
		if (vpn >= TRACE_VPN_LIMIT) {
			trace_fail(r, at,
				   "vpn %#llx (address %#llx) is outside the x86-64 user address "
				   "space",
				   (unsigned long long)vpn,
				   (unsigned long long)(vpn << TRACE_PAGE_SHIFT));
			return -1;
		}
		if (vpn == prev && (r->index + i) > 0) {
			trace_fail(r, at,
				   "vpn %#llx repeats the previous record's, but the header says "
				   "immediate repeats are collapsed (flags bit0)",
				   (unsigned long long)vpn);
			return -1;
		}
		if ((rec & TRACE_R_IFETCH) && !ifetch_ok) {
			trace_fail(r, at,
				   "ifetch flag set in a data-only trace (header flags bit1 = 0)");
			return -1;
		}
		prev = vpn;
		nr_w += rec & TRACE_R_WRITE;
		nr_i += (rec & TRACE_R_IFETCH) >> 1;
	}
	if (n < want) {
		uint64_t at = r->index + n;
		trace_fail(r, -1,
			   "truncated: the header's count (offset 16) is %llu records, the data "
			   "ends %s record %llu%s",
			   (unsigned long long)r->h.count,
			   got % TRACE_RECORD_SIZE ? "inside" : "before", (unsigned long long)at,
			   r->zstd && r->zret != 0 ? " (the zstd stream itself is cut short)" : "");
		return -1;
	}
	r->prev_vpn = prev;
	r->nr_write += nr_w;
	r->nr_ifetch += nr_i;
	r->index += n;
	return (long)n;
}
