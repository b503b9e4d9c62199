/* SPDX-License-Identifier: MIT */
/*
 * tools/kmm/trace.h - reader of PGREFTR1 page-reference traces
 * (../shared/traces/FORMAT.md): a 64-byte little-endian header, then
 * `count` records of 8 bytes, (vpn << 2) | ifetch << 1 | write; raw
 * (.pgt) or zstd-compressed (.pgt.zst, detected by the frame magic).
 *
 * The reader streams: records are decoded into the caller's buffer a
 * block at a time.  It validates strictly and never guesses: a bad header
 * field, a record that breaks the header's promises (a repeated vpn in a
 * collapsed trace, an ifetch flag in a data-only trace, an address outside
 * the x86-64 user space), a count that does not match the data, trailing
 * bytes, totals (writes, ifetches) that disagree with the header, or a
 * damaged zstd stream all stop it with one message naming the file, the
 * field or record index and what is wrong.  Hosted code (libc, libzstd).
 */
#ifndef KMM_TOOLS_TRACE_H
#define KMM_TOOLS_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TRACE_MAGIC "PGREFTR1"
#define TRACE_VERSION 1
#define TRACE_HEADER_SIZE 64
#define TRACE_PAGE_SHIFT 12
#define TRACE_RECORD_SIZE 8

/* File flags (header offset 28). */
#define TRACE_F_COLLAPSED 0x1u /* no two consecutive records share a vpn */
#define TRACE_F_IFETCH 0x2u    /* the stream includes instruction fetches */
#define TRACE_F_KNOWN (TRACE_F_COLLAPSED | TRACE_F_IFETCH)

/* Record flags. */
#define TRACE_R_WRITE 0x1u
#define TRACE_R_IFETCH 0x2u

/* vpns of x86-64 user space (47-bit addresses, 4 KiB pages). */
#define TRACE_VPN_LIMIT (1ULL << (47 - TRACE_PAGE_SHIFT))

static inline uint64_t trace_vpn(uint64_t rec)
{
	return rec >> 2;
}

static inline bool trace_is_write(uint64_t rec)
{
	return rec & TRACE_R_WRITE;
}

struct trace_header {
	uint32_t version;
	uint32_t header_size;
	uint64_t count; /* records */
	uint32_t page_shift;
	uint32_t flags;		 /* TRACE_F_* */
	uint64_t raw_accesses;	 /* page accesses before collapsing, 0 = unknown */
	uint64_t footprint;	 /* distinct pages */
	uint64_t nr_write_recs;	 /* records with the write flag */
	uint64_t nr_ifetch_recs; /* records with the ifetch flag */
};

struct trace_reader;

/*
 * Open @path (raw or zstd) and validate its header.  Returns 0 and the
 * reader in *out, or -1 with a message ("PATH: ...") in @err.
 */
int trace_open(const char *path, struct trace_reader **out, char *err, size_t errlen);
/*
 * The same over @len bytes at @data (not copied: they must outlive the
 * reader); @name names the input in messages.
 */
int trace_open_mem(const void *data, size_t len, const char *name, struct trace_reader **out,
		   char *err, size_t errlen);

const struct trace_header *trace_header(const struct trace_reader *r);
/* true if the input is zstd-compressed. */
bool trace_compressed(const struct trace_reader *r);
/* Records delivered so far. */
uint64_t trace_position(const struct trace_reader *r);

/*
 * Decode up to @max records into @buf.  Returns the number decoded (> 0),
 * 0 once all `count` records have been delivered and the end of the input
 * (nothing after the last record, totals as in the header) verified, or -1
 * on malformed input (message from trace_error(); later calls return -1).
 */
long trace_read(struct trace_reader *r, uint64_t *buf, size_t max);

/* The message of the last failure, "" if none. */
const char *trace_error(const struct trace_reader *r);

/*
 * Report a failure found by the caller (e.g. a footprint check) in the
 * reader's format ("NAME: record N: ..."); later reads return -1.  @rec < 0:
 * no record index.
 */
void trace_fail(struct trace_reader *r, int64_t rec, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Bytes of compressed/raw input consumed so far, and the input's size
 * (0 if unknown): for progress reports. */
uint64_t trace_input_pos(const struct trace_reader *r);
uint64_t trace_input_size(const struct trace_reader *r);

void trace_close(struct trace_reader *r);

#endif /* KMM_TOOLS_TRACE_H */
