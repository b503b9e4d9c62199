// SPDX-License-Identifier: MIT
/*
 * tests/fuzz/fuzz_gfp.c - libFuzzer target for the GFP flag names:
 * kmm_parse_gfp() and kmm_format_gfp() (src/mm/debug.c).
 *
 * Per input:
 *   - the input as a string (up to the first NUL) goes to kmm_parse_gfp();
 *     a refused string leaves the result untouched; for an accepted one
 *     kmm_format_gfp() of the value must parse back to the same value;
 *   - the first four bytes as a gfp_t value: format, then parse back;
 *   - every formatting is also done into buffers of sizes 0, 1, 2, half the
 *     full length, length - 1, length, length + 1 and one chosen by the
 *     input, each followed by a canary: the return value is the
 *     full length whatever the size, the text is the full text cut at
 *     size - 1 and NUL-terminated, and nothing is written past the buffer.
 * A violation abort()s, which libFuzzer reports with the input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmm/gfp.h"

#define CANARY 0xa5
#define CANARY_LEN 16

static void fail(const char *what, gfp_t v, const char *text)
{
	fprintf(stderr, "fuzz_gfp: %s\n  value: %#x\n  text: '%s'\n", what, v, text ? text : "");
	abort();
}

/* Format @v into a @size-byte heap buffer followed by a canary; check it. */
static void format_sized(gfp_t v, const char *full, int full_len, size_t size)
{
	unsigned char *mem = malloc(size + CANARY_LEN);
	if (!mem)
		abort();
	memset(mem, CANARY, size + CANARY_LEN);
	int n = kmm_format_gfp((char *)mem, size, v);
	if (n != full_len)
		fail("kmm_format_gfp returned a different length for a smaller buffer", v, full);
	for (size_t i = 0; i < CANARY_LEN; i++)
		if (mem[size + i] != CANARY)
			fail("kmm_format_gfp wrote past the end of its buffer", v, full);
	if (size) {
		size_t keep = (size_t)full_len < size - 1 ? (size_t)full_len : size - 1;
		if (memcmp(mem, full, keep) || mem[keep] != '\0')
			fail("truncated kmm_format_gfp output is not the cut full text", v, full);
	}
	free(mem);
}

/* Format @v at the edge sizes and at @extra, and parse the text back. */
static void check_value(gfp_t v, size_t extra)
{
	char full[512];
	int len = kmm_format_gfp(full, sizeof(full), v);

	if (len <= 0 || (size_t)len >= sizeof(full) || strlen(full) != (size_t)len)
		fail("kmm_format_gfp length does not match its text", v, full);
	if (kmm_format_gfp(NULL, 0, v) != len)
		fail("kmm_format_gfp(NULL, 0) does not return the full length", v, full);
	const size_t n = (size_t)len;
	const size_t sizes[] = { 0, 1, 2, n / 2, n - 1, n, n + 1, extra % (n + 2) };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		format_sized(v, full, len, sizes[i]);

	gfp_t back = ~v;
	if (kmm_parse_gfp(full, &back))
		fail("kmm_parse_gfp refuses the text kmm_format_gfp made", v, full);
	if (back != v)
		fail("format then parse does not give the value back", v, full);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;

	/* the bytes as a string, in an exact-size buffer (ASan sees over-reads) */
	size_t len = strnlen((const char *)data, size);
	char *s = malloc(len + 1);
	if (!s)
		abort();
	memcpy(s, data, len);
	s[len] = '\0';
	gfp_t v = 0x5a5a5a5au;
	int ret = kmm_parse_gfp(s, &v);
	if (ret && ret != -KMM_EINVAL)
		fail("kmm_parse_gfp returned neither 0 nor -EINVAL", v, s);
	if (ret && v != 0x5a5a5a5au)
		fail("a refused string changed the result", v, s);
	if (!ret)
		check_value(v, size ? data[size - 1] : 0);
	free(s);

	/* the first bytes as a value */
	if (size >= sizeof(gfp_t)) {
		gfp_t raw;
		memcpy(&raw, data, sizeof(raw));
		check_value(raw, data[0]);
	}
	return 0;
}
