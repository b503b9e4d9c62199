// SPDX-License-Identifier: MIT
/*
 * tests/fuzz/fuzz_trace.c - libFuzzer target for the PGREFTR1 trace reader
 * of `kmm replay` (tools/kmm/trace.c, compiled in): raw and zstd input.
 *
 * Per input (the whole input is the file; its last byte also picks the
 * size of the reads, 1 to 64 records, so partial and boundary reads get
 * exercised):
 *   - open it from memory; a refusal must come with a message that starts
 *     with the input's name;
 *   - read every record; each read returns 0 < n <= asked records, and the
 *     reader never delivers more than the header's count;
 *   - a read of -1 comes with a message naming the input, and every later
 *     read returns -1 again;
 *   - a reader that reaches the end (0) has delivered exactly `count`
 *     records, and they keep the header's promises, checked here
 *     independently: no vpn repeated by the next record, every vpn in the
 *     47-bit user space, ifetch flags only in an I+D trace, and the write
 *     and ifetch totals of the header; the input was then not cut short.
 * A violation abort()s, which libFuzzer reports with the input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"

#define NAME "fuzz"

static void fail(const char *what, const char *msg)
{
	fprintf(stderr, "fuzz_trace: %s\n  message: '%s'\n", what, msg ? msg : "");
	abort();
}

static void check_message(const char *msg)
{
	if (!msg || strncmp(msg, NAME ": ", strlen(NAME) + 2) || strlen(msg) <= strlen(NAME) + 2)
		fail("a failure without a message naming the input", msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t buf[64], total = 0, writes = 0, ifetches = 0, prev = 0;
	size_t chunk = size ? (size_t)data[size - 1] % 64 + 1 : 1;
	const struct trace_header *h;
	struct trace_reader *r;
	char err[512] = "";
	long n;

	if (trace_open_mem(data, size, NAME, &r, err, sizeof(err))) {
		if (r)
			fail("a refused input left a reader", err);
		check_message(err);
		return 0;
	}
	h = trace_header(r);
	if (h->version != TRACE_VERSION || h->header_size != TRACE_HEADER_SIZE ||
	    h->page_shift != TRACE_PAGE_SHIFT || (h->flags & ~TRACE_F_KNOWN) ||
	    !(h->flags & TRACE_F_COLLAPSED))
		fail("a header with a bad field was accepted", NULL);
	for (;;) {
		memset(buf, 0xa5, sizeof(buf));
		n = trace_read(r, buf, chunk);
		if (n < 0) {
			check_message(trace_error(r));
			if (trace_read(r, buf, chunk) != -1)
				fail("a failed reader read again", trace_error(r));
			break;
		}
		if (n == 0)
			break;
		if ((size_t)n > chunk)
			fail("more records than asked for", NULL);
		if (total + (uint64_t)n > h->count)
			fail("more records than the header's count", NULL);
		for (long i = 0; i < n; i++) {
			uint64_t vpn = trace_vpn(buf[i]);
			if (vpn >= TRACE_VPN_LIMIT)
				fail("a vpn outside the user address space", NULL);
			if ((total || i) && vpn == prev)
				fail("a repeated vpn in a collapsed trace", NULL);
			if ((buf[i] & TRACE_R_IFETCH) && !(h->flags & TRACE_F_IFETCH))
				fail("an ifetch record in a data-only trace", NULL);
			writes += buf[i] & TRACE_R_WRITE;
			ifetches += (buf[i] & TRACE_R_IFETCH) >> 1;
			prev = vpn;
		}
		total += (uint64_t)n;
	}
	if (n == 0) {
		if (total != h->count)
			fail("the end came before the header's count", NULL);
		if (writes != h->nr_write_recs || ifetches != h->nr_ifetch_recs)
			fail("totals differ from the header's", NULL);
		if (trace_read(r, buf, chunk) != 0)
			fail("a finished reader did not stay at its end", trace_error(r));
		if (!trace_compressed(r) && size != TRACE_HEADER_SIZE + total * TRACE_RECORD_SIZE)
			fail("a raw input of the wrong size was read to its end", NULL);
	}
	trace_close(r);
	return 0;
}
