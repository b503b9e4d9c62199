// SPDX-License-Identifier: MIT
/*
 * tests/test_lib.c - src/lib: vsnprintf (against the host's snprintf),
 * kstrtox, memparse, seq_buf and the string routines.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kmm/port.h"
#include "lib/lib.h"

/* ---- vsnprintf: compare with the host -------------------------------------- */

static unsigned long n_compared;

/*
 * Format with both implementations into buffers of @size (and with size 0),
 * and require identical return values and identical buffer contents,
 * including the bytes after the terminating NUL (nothing may be written
 * past the returned length or the buffer size).
 */
static void compare_v(size_t size, const char *fmt, va_list ap)
{
	char want[512], got[512];
	va_list a1, a2, a3;
	int rw, rg, rz;

	assert_true(size <= sizeof(want));
	memset(want, 0x5a, sizeof(want));
	memset(got, 0x5a, sizeof(got));
	va_copy(a1, ap);
	va_copy(a2, ap);
	va_copy(a3, ap);
	rw = vsnprintf(want, size, fmt, a1);
	rg = kmm_vsnprintf(got, size, fmt, a2);
	rz = kmm_vsnprintf(NULL, 0, fmt, a3);
	va_end(a1);
	va_end(a2);
	va_end(a3);
	if (rw != rg || rz != rw || memcmp(want, got, sizeof(want)) != 0) {
		fail_msg("format \"%s\" size %zu: host %d \"%.*s\", kmm %d \"%.*s\" (size 0: %d)",
			 fmt, size, rw, (int)(size ? size - 1 : 0), want, rg,
			 (int)(size ? size - 1 : 0), got, rz);
	}
	n_compared++;
}

static void compare(size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	compare_v(size, fmt, ap);
	va_end(ap);
}

/* Full buffer, then every truncation of the output. */
#define COMPARE_ALL(fmt, ...)                                              \
	do {                                                               \
		char tmp_[512];                                            \
		int len_ = snprintf(tmp_, sizeof(tmp_), fmt, __VA_ARGS__); \
		assert_true(len_ >= 0 && len_ < (int)sizeof(tmp_));        \
		compare(sizeof(tmp_), fmt, __VA_ARGS__);                   \
		for (size_t sz_ = 0; sz_ <= (size_t)len_ + 1; sz_++)       \
			compare(sz_, fmt, __VA_ARGS__);                    \
	} while (0)

static const char *const int_flags[] = {
	"",    "-",   "0",   "+",   " ",    "#",    "-0",   "-+",   "- ",   "-#",    "0+",
	"0 ",  "0#",  "+ ",  "+#",  " #",   "-0+",  "-0 ",  "-0#",  "-+ ",  "-+#",   "- #",
	"0+ ", "0+#", "0 #", "+ #", "-0+ ", "-0+#", "-0 #", "-+ #", "0+ #", "-0+ #",
};
static const char *const widths[] = { "", "1", "2", "5", "21", "*" };
static const char *const precs[] = { "", ".", ".0", ".1", ".3", ".22", ".*" };
static const int star_widths[] = { 0, 3, 12, -9 };
static const int star_precs[] = { -1, 0, 2, 9 };

static const long long ll_values[] = { 0,	   1,	    -1,	      7,	 8,
				       -8,	   9,	    10,	      255,	 256,
				       -255,	   4095,    65535,    123456789, -123456789,
				       INT_MAX,	   INT_MIN, UINT_MAX, LLONG_MAX, LLONG_MIN,
				       -LLONG_MAX, 0x7f,    0x80,     01234567,	 0xdeadbeefcafeLL };

/* Call compare() with the '*' arguments @fmt asks for, then the value. */
static void compare_ll(const char *fmt, bool sgn, bool star_w, int w, bool star_p, int p,
		       long long x)
{
	unsigned long long u = (unsigned long long)x;

	if (star_w && star_p)
		sgn ? compare(128, fmt, w, p, x) : compare(128, fmt, w, p, u);
	else if (star_w)
		sgn ? compare(128, fmt, w, x) : compare(128, fmt, w, u);
	else if (star_p)
		sgn ? compare(128, fmt, p, x) : compare(128, fmt, p, u);
	else
		sgn ? compare(128, fmt, x) : compare(128, fmt, u);
}

/* One integer conversion in every flag/width/precision combination. */
static void sweep_ll(char conv)
{
	bool sgn = conv == 'd' || conv == 'i';
	char fmt[32];

	for (size_t f = 0; f < KMM_ARRAY_SIZE(int_flags); f++) {
		for (size_t w = 0; w < KMM_ARRAY_SIZE(widths); w++) {
			for (size_t p = 0; p < KMM_ARRAY_SIZE(precs); p++) {
				bool sw = widths[w][0] == '*';
				bool sp = precs[p][0] && precs[p][1] == '*';
				size_t nw = sw ? KMM_ARRAY_SIZE(star_widths) : 1;
				size_t np = sp ? KMM_ARRAY_SIZE(star_precs) : 1;

				snprintf(fmt, sizeof(fmt), "<%%%s%s%sll%c>", int_flags[f],
					 widths[w], precs[p], conv);
				for (size_t v = 0; v < KMM_ARRAY_SIZE(ll_values); v++)
					for (size_t a = 0; a < nw; a++)
						for (size_t b = 0; b < np; b++)
							compare_ll(fmt, sgn, sw, star_widths[a], sp,
								   star_precs[b], ll_values[v]);
			}
		}
	}
}

static void test_vsnprintf_int_sweep(void **state)
{
	(void)state;
	n_compared = 0;
	sweep_ll('d');
	sweep_ll('i');
	sweep_ll('u');
	sweep_ll('x');
	sweep_ll('X');
	sweep_ll('o');
	/* 6 conversions x 32 flags x (5 widths + '*' 4 ways) x (6 precs + '*' 4 ways) x values */
	assert_true(n_compared > 100000);
}

/* Every length modifier reads its own type and truncates like the host. */
static void test_vsnprintf_lengths(void **state)
{
	static const char *const convs[] = { "d", "i", "u", "x", "X", "o" };
	static const char *const fl[] = { "", "+", "#", "08", "-8", " .3" };
	static const long long vals[] = { 0,	   1,	    -1,	       127,	  128,
					  -128,	   255,	    32767,     -32768,	  65535,
					  INT_MAX, INT_MIN, LLONG_MAX, LLONG_MIN, 0x1234567890LL };
	char fmt[32];

	(void)state;
	for (size_t c = 0; c < KMM_ARRAY_SIZE(convs); c++) {
		bool sgn = convs[c][0] == 'd' || convs[c][0] == 'i';

		for (size_t f = 0; f < KMM_ARRAY_SIZE(fl); f++) {
			for (size_t v = 0; v < KMM_ARRAY_SIZE(vals); v++) {
				long long x = vals[v];

#define FMT(len) snprintf(fmt, sizeof(fmt), "[%%%s" len "%s]", fl[f], convs[c])
#define CMP(st, ut) (sgn ? compare(64, fmt, (st)x) : compare(64, fmt, (ut)x))
				FMT("hh");
				CMP(signed char, unsigned char);
				FMT("h");
				CMP(short, unsigned short);
				/* hh and h must also narrow an out-of-range int themselves */
				FMT("hh");
				CMP(int, unsigned);
				FMT("h");
				CMP(int, unsigned);
				FMT("");
				CMP(int, unsigned);
				FMT("l");
				CMP(long, unsigned long);
				FMT("ll");
				CMP(long long, unsigned long long);
				FMT("z");
				CMP(ptrdiff_t, size_t);
				FMT("t");
				CMP(ptrdiff_t, size_t);
				FMT("j");
				CMP(intmax_t, uintmax_t);
#undef CMP
#undef FMT
			}
		}
	}
}

static void test_vsnprintf_strings_chars_pointers(void **state)
{
	static const char *const strs[] = { "", "a", "hello", "hello, world", NULL };
	static const char *const sfmts[] = {
		"[%s]",	    "[%10s]", "[%-10s]",   "[%.0s]",  "[%.1s]",
		"[%.3s]",   "[%.5s]", "[%.6s]",	   "[%.7s]",  "[%2.3s]",
		"[%-8.2s]", "[%08s]", "[%-08.4s]", "[%+ #s]", "[%.s]",
	};
	static const char *const cfmts[] = { "[%c]",   "[%5c]",	 "[%-5c]",
					     "[%05c]", "[%.0c]", "[%+ #c]" };
	static const char *const pfmts[] = {
		"[%p]",	 "[%20p]", "[%-20p]", "[%020p]",  "[%.0p]", "[%.12p]",
		"[%+p]", "[% p]",  "[%#p]",   "[%-+20p]", "[%3p]",  "[%-3p]",
	};
	static const int chars[] = { 'a', 'Z', ' ', '%', 0x7f, 0xff, 0 };
	void *ptrs[] = { NULL, (void *)1, (void *)0xabcdef, (void *)&n_compared,
			 (void *)UINTPTR_MAX };
	char s_stack[] = "on the stack";
	const char *volatile null_str = NULL; /* hidden from -Wformat-overflow */

	(void)state;
	for (size_t f = 0; f < KMM_ARRAY_SIZE(sfmts); f++)
		for (size_t s = 0; s < KMM_ARRAY_SIZE(strs); s++)
			compare(64, sfmts[f], strs[s]);
	COMPARE_ALL("%s|%s", s_stack, "x");
	for (size_t f = 0; f < KMM_ARRAY_SIZE(cfmts); f++)
		for (size_t c = 0; c < KMM_ARRAY_SIZE(chars); c++)
			compare(64, cfmts[f], chars[c]);
	for (size_t f = 0; f < KMM_ARRAY_SIZE(pfmts); f++)
		for (size_t p = 0; p < KMM_ARRAY_SIZE(ptrs); p++)
			compare(64, pfmts[f], ptrs[p]);

	/* Spot checks of the exact glibc spellings. */
	char buf[64];

	assert_int_equal(kmm_snprintf(buf, sizeof(buf), "%p", (void *)NULL), 5);
	assert_string_equal(buf, "(nil)");
	assert_int_equal(kmm_snprintf(buf, sizeof(buf), "%p", (void *)0x1000), 6);
	assert_string_equal(buf, "0x1000");
	assert_int_equal(kmm_snprintf(buf, sizeof(buf), "%s", null_str), 6);
	assert_string_equal(buf, "(null)");
	assert_int_equal(kmm_snprintf(buf, sizeof(buf), "[%.5s]", null_str), 2);
	assert_string_equal(buf, "[]");
	/* %c of NUL stores a NUL and counts it. */
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(kmm_snprintf(buf, sizeof(buf), "a%cb", 0), 3);
	assert_memory_equal(buf, "a\0b\0", 4);
}

static void test_vsnprintf_mixed_and_truncation(void **state)
{
	(void)state;
	COMPARE_ALL("plain text, no conversions%s", "");
	COMPARE_ALL("%d%%", 100);
	/* formats gcc's -Wformat rejects, so passed through variables */
	const char *pct = "%5%|%-5%|%%%d", *zp = "%08.3x|%-#10o|%#X|%#.0x|%#.0o|%.0d|%+.0d";

	COMPARE_ALL(pct, 3);
	COMPARE_ALL("pid %d: %s at %p (%#llx) cpu=%u", -42, "fault", (void *)0xffff8000u, 0xdeadULL,
		    7u);
	COMPARE_ALL("%lld %lld %llu", LLONG_MIN, LLONG_MAX, ULLONG_MAX);
	COMPARE_ALL("%jd %ji %ju %jx", INTMAX_MIN, INTMAX_MAX, UINTMAX_MAX, UINTMAX_MAX);
	COMPARE_ALL("%"
		    "lld|%+lld|% lld|%021lld|%-21lld|",
		    (long long)INT64_MIN, (long long)INT64_MIN, (long long)INT64_MIN,
		    (long long)INT64_MIN, (long long)INT64_MIN);
	COMPARE_ALL("%zu bytes in %zd pages, %td apart", (size_t)4096 * 1000, (ptrdiff_t)-1000,
		    (ptrdiff_t)-4096);
	COMPARE_ALL("%*d|%-*d|%.*d|%*.*d", 6, -5, 6, -5, 4, -5, -8, 3, 42);
	COMPARE_ALL("%*s|%.*s|%*.*s", -7, "ab", -2, "abcdef", 10, 2, "xyz");
	COMPARE_ALL("%'d|%'u", 1234567, 7654321u); /* C locale: no grouping */
	COMPARE_ALL(zp, 0xab, 8u, 0xbeefu, 0u, 0u, 0, 0);
	const char *hh = "%hhx %hx %hhd %hd"; /* ints narrowed by the conversion */

	COMPARE_ALL(hh, 0x1ff, 0x1ffff, 300, 70000);

	/* size 0: nothing written, even the NUL; the length is still returned. */
	char buf[8] = "xxxxxxx";

	assert_int_equal(kmm_snprintf(buf, 0, "%d", 123456), 6);
	assert_string_equal(buf, "xxxxxxx");
	assert_int_equal(kmm_snprintf(NULL, 0, "%s-%d", "abc", -1), 6);
	/* size 1: only the NUL. */
	assert_int_equal(kmm_snprintf(buf, 1, "%d", 123456), 6);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(buf[1], 'x');
	/* exactly full */
	assert_int_equal(kmm_snprintf(buf, sizeof(buf), "%s", "1234567"), 7);
	assert_string_equal(buf, "1234567");
	assert_int_equal(kmm_snprintf(buf, sizeof(buf), "%s", "12345678"), 8);
	assert_string_equal(buf, "1234567");
	/* long output, counted past the buffer */
	assert_int_equal(kmm_snprintf(buf, sizeof(buf), "%300d", 1), 300);
	assert_string_equal(buf, "       ");
}

/* An unknown conversion is copied through and consumes no argument. */
static void test_vsnprintf_unknown(void **state)
{
	char buf[64];
	const char *fmt = "%y|%d";

	(void)state;
	assert_int_equal(kmm_snprintf(buf, sizeof(buf), fmt, 5), 4);
	assert_string_equal(buf, "%y|5");
	fmt = "%5.2q%s"; /* flags and all are copied too */
	assert_int_equal(kmm_snprintf(buf, sizeof(buf), fmt, "ok"), 7);
	assert_string_equal(buf, "%5.2qok");
}

/* ---- kstrtox ------------------------------------------------------------------ */

static void test_kstrtoull(void **state)
{
	static const struct {
		const char *s;
		unsigned base;
		int ret;
		unsigned long long v;
	} cases[] = {
		{ "0", 10, 0, 0 },
		{ "1", 10, 0, 1 },
		{ "123\n", 10, 0, 123 },
		{ "+7", 10, 0, 7 },
		{ "18446744073709551615", 10, 0, ULLONG_MAX },
		{ "18446744073709551616", 10, -KMM_ERANGE, 0 },
		{ "99999999999999999999999", 10, -KMM_ERANGE, 0 },
		{ "0xffffffffffffffff", 0, 0, ULLONG_MAX },
		{ "0x10000000000000000", 0, -KMM_ERANGE, 0 },
		{ "0x1f", 0, 0, 31 },
		{ "0X1F", 0, 0, 31 },
		{ "0x1f", 16, 0, 31 },
		{ "1f", 16, 0, 31 },
		{ "017", 0, 0, 15 },
		{ "017", 10, 0, 17 },
		{ "017", 8, 0, 15 },
		{ "08", 0, -KMM_EINVAL, 0 },
		{ "0", 0, 0, 0 },
		{ "101", 2, 0, 5 },
		{ "zz", 36, 0, 35 * 36 + 35 },
		{ "", 10, -KMM_EINVAL, 0 },
		{ "\n", 10, -KMM_EINVAL, 0 },
		{ "12\n\n", 10, -KMM_EINVAL, 0 },
		{ "12 ", 10, -KMM_EINVAL, 0 },
		{ " 12", 10, -KMM_EINVAL, 0 },
		{ "12a", 10, -KMM_EINVAL, 0 },
		{ "-1", 10, -KMM_EINVAL, 0 },
		{ "+", 10, -KMM_EINVAL, 0 },
		{ "++1", 10, -KMM_EINVAL, 0 },
		{ "0x", 16, -KMM_EINVAL, 0 },
		{ "0x", 0, -KMM_EINVAL, 0 },
		{ "0xg", 0, -KMM_EINVAL, 0 },
		{ "12", 1, -KMM_EINVAL, 0 },
		{ "12", 37, -KMM_EINVAL, 0 },
		{ "2", 2, -KMM_EINVAL, 0 },
	};

	(void)state;
	for (size_t i = 0; i < KMM_ARRAY_SIZE(cases); i++) {
		unsigned long long v = 0xabababab;
		int ret = kmm_kstrtoull(cases[i].s, cases[i].base, &v);

		if (ret != cases[i].ret)
			fail_msg("kstrtoull(\"%s\", %u) = %d, want %d", cases[i].s, cases[i].base,
				 ret, cases[i].ret);
		if (ret == 0)
			assert_true(v == cases[i].v);
		else
			assert_true(v == 0xabababab); /* untouched on error */
	}
}

static void test_kstrtoll(void **state)
{
	static const struct {
		const char *s;
		unsigned base;
		int ret;
		long long v;
	} cases[] = {
		{ "0", 10, 0, 0 },
		{ "-0", 10, 0, 0 },
		{ "-1", 10, 0, -1 },
		{ "+1", 10, 0, 1 },
		{ "-1\n", 10, 0, -1 },
		{ "9223372036854775807", 10, 0, LLONG_MAX },
		{ "9223372036854775808", 10, -KMM_ERANGE, 0 },
		{ "-9223372036854775808", 10, 0, LLONG_MIN },
		{ "-9223372036854775809", 10, -KMM_ERANGE, 0 },
		{ "-0x10", 0, 0, -16 },
		{ "-010", 0, 0, -8 },
		{ "-", 10, -KMM_EINVAL, 0 },
		{ "--1", 10, -KMM_EINVAL, 0 },
		{ "-+1", 10, -KMM_EINVAL, 0 },
		{ "+-1", 10, -KMM_EINVAL, 0 },
		{ "1-", 10, -KMM_EINVAL, 0 },
		{ "-18446744073709551616", 10, -KMM_ERANGE, 0 },
	};

	(void)state;
	for (size_t i = 0; i < KMM_ARRAY_SIZE(cases); i++) {
		long long v = 0x5a5a;
		int ret = kmm_kstrtoll(cases[i].s, cases[i].base, &v);

		if (ret != cases[i].ret)
			fail_msg("kstrtoll(\"%s\", %u) = %d, want %d", cases[i].s, cases[i].base,
				 ret, cases[i].ret);
		if (ret == 0)
			assert_true(v == cases[i].v);
		else
			assert_true(v == 0x5a5a);
	}
}

static void test_memparse(void **state)
{
	static const struct {
		const char *s;
		int ret;
		unsigned long long v;
		size_t consumed;
	} cases[] = {
		{ "0", 0, 0, 1 },
		{ "4096", 0, 4096, 4 },
		{ "4k", 0, 4096, 2 },
		{ "4K", 0, 4096, 2 },
		{ "64M", 0, 64ULL << 20, 3 },
		{ "64m,rest", 0, 64ULL << 20, 3 },
		{ "2G", 0, 2ULL << 30, 2 },
		{ "3T", 0, 3ULL << 40, 2 },
		{ "5P", 0, 5ULL << 50, 2 },
		{ "15E", 0, 15ULL << 60, 3 },
		{ "16E", -KMM_ERANGE, 0, 3 },
		{ "0x10k", 0, 16 << 10, 5 },
		{ "010K", 0, 8 << 10, 4 },
		{ "12x", 0, 12, 2 },
		{ "12 K", 0, 12, 2 },
		{ "1KB", 0, 1024, 2 },
		{ "18446744073709551615", 0, ULLONG_MAX, 20 },
		{ "18446744073709551616", -KMM_ERANGE, 0, 20 },
		{ "17179869184G", -KMM_ERANGE, 0, 12 },
		{ "17179869183G", 0, 17179869183ULL << 30, 12 },
		{ "", -KMM_EINVAL, 0, 0 },
		{ "K", -KMM_EINVAL, 0, 0 },
		{ "-1", -KMM_EINVAL, 0, 0 },
		{ " 1", -KMM_EINVAL, 0, 0 },
	};

	(void)state;
	for (size_t i = 0; i < KMM_ARRAY_SIZE(cases); i++) {
		unsigned long long v = 77;
		const char *end = NULL;
		int ret = kmm_memparse(cases[i].s, &end, &v);

		if (ret != cases[i].ret)
			fail_msg("memparse(\"%s\") = %d, want %d", cases[i].s, ret, cases[i].ret);
		assert_non_null(end);
		assert_int_equal((size_t)(end - cases[i].s), cases[i].consumed);
		if (ret == 0)
			assert_true(v == cases[i].v);
		else
			assert_true(v == 77);
	}
	/* @end may be NULL */
	unsigned long long v;

	assert_int_equal(kmm_memparse("1M", NULL, &v), 0);
	assert_true(v == 1 << 20);
}

/* ---- seq_buf ------------------------------------------------------------------ */

static void test_seq_buf(void **state)
{
	char mem[16];
	struct seq_buf s;

	(void)state;
	memset(mem, 'x', sizeof(mem));
	seq_buf_init(&s, mem, sizeof(mem));
	assert_int_equal(s.len, 0);
	assert_false(s.overflow);
	assert_string_equal(mem, "");

	seq_buf_printf(&s, "%d-%s", 42, "ab");
	assert_string_equal(mem, "42-ab");
	assert_int_equal(s.len, 5);
	seq_buf_putc(&s, '|');
	seq_buf_puts(&s, "cdef");
	assert_string_equal(mem, "42-ab|cdef");
	assert_int_equal(s.len, 10);
	assert_false(s.overflow);

	/* 5 bytes of room left (15 usable): a printf that needs 7 keeps 5. */
	seq_buf_printf(&s, "%s", "1234567");
	assert_true(s.overflow);
	assert_int_equal(s.len, 15);
	assert_string_equal(mem, "42-ab|cdef12345");
	/* full: further writes are dropped, text stays terminated */
	seq_buf_putc(&s, 'z');
	seq_buf_puts(&s, "more");
	seq_buf_printf(&s, "%d", 1);
	assert_int_equal(s.len, 15);
	assert_int_equal(mem[15], '\0');
	assert_string_equal(mem, "42-ab|cdef12345");

	/* Exactly filling the buffer is not an overflow. */
	seq_buf_init(&s, mem, 4);
	seq_buf_puts(&s, "abc");
	assert_false(s.overflow);
	assert_string_equal(mem, "abc");
	seq_buf_puts(&s, "");
	assert_false(s.overflow);
	seq_buf_putc(&s, 'd');
	assert_true(s.overflow);
	assert_string_equal(mem, "abc");

	/* puts truncates and flags */
	seq_buf_init(&s, mem, 4);
	seq_buf_puts(&s, "abcdef");
	assert_true(s.overflow);
	assert_int_equal(s.len, 3);
	assert_string_equal(mem, "abc");

	/* printf that fits exactly */
	seq_buf_init(&s, mem, 4);
	seq_buf_printf(&s, "%03d", 7);
	assert_false(s.overflow);
	assert_string_equal(mem, "007");
	seq_buf_printf(&s, "%s", "");
	assert_false(s.overflow);

	/* A zero-sized buffer overflows on any non-empty write and is never touched. */
	mem[0] = 'q';
	seq_buf_init(&s, mem, 0);
	seq_buf_putc(&s, 'a');
	assert_true(s.overflow);
	assert_int_equal(mem[0], 'q');
}

/* ---- string routines ------------------------------------------------------------- */

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

static void test_mem_routines(void **state)
{
	unsigned char a[300], b[300], ref[300];

	(void)state;
	/* memset at every alignment and length, no bytes outside touched */
	for (size_t off = 0; off < 16; off++)
		for (size_t len = 0; len < 80; len++) {
			memset(a, 0x11, sizeof(a));
			memset(ref, 0x11, sizeof(ref));
			memset(ref + off, 0xc3, len);
			assert_ptr_equal(kmm_memset(a + off, 0x1c3, len),
					 a + off); /* (unsigned char)c */
			assert_memory_equal(a, ref, sizeof(a));
		}
	/* memcpy at every relative alignment */
	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = (unsigned char)(i * 7 + 3);
	for (size_t so = 0; so < 9; so++)
		for (size_t dof = 0; dof < 9; dof++)
			for (size_t len = 0; len < 70; len += 3) {
				memset(a, 0, sizeof(a));
				memset(ref, 0, sizeof(ref));
				memcpy(ref + dof, b + so, len);
				assert_ptr_equal(kmm_memcpy(a + dof, b + so, len), a + dof);
				assert_memory_equal(a, ref, sizeof(a));
			}
	/* memmove: overlapping both ways */
	for (size_t so = 0; so < 20; so++)
		for (size_t dof = 0; dof < 20; dof++)
			for (size_t len = 0; len < 120; len += 7) {
				for (size_t i = 0; i < sizeof(a); i++)
					a[i] = ref[i] = (unsigned char)(i ^ 0x5a);
				memmove(ref + dof, ref + so, len);
				assert_ptr_equal(kmm_memmove(a + dof, a + so, len), a + dof);
				assert_memory_equal(a, ref, sizeof(a));
			}
	/* memcmp: sign agrees with the host's for a difference at every position */
	for (size_t i = 0; i < 64; i++)
		a[i] = b[i] = (unsigned char)i;
	assert_int_equal(kmm_memcmp(a, b, 64), 0);
	assert_int_equal(kmm_memcmp(a, b, 0), 0);
	for (size_t pos = 0; pos < 64; pos++) {
		for (int d = -1; d <= 1; d += 2) {
			memcpy(b, a, 64);
			b[pos] = (unsigned char)(b[pos] + d * 0x90);
			assert_int_equal(sign(kmm_memcmp(a, b, 64)), sign(memcmp(a, b, 64)));
			assert_int_equal(sign(kmm_memcmp(a + 1, b + 1, 63)),
					 sign(memcmp(a + 1, b + 1, 63)));
			assert_int_equal(kmm_memcmp(a, b, pos), 0);
		}
	}
	/* bytes compare as unsigned */
	a[0] = 0x80;
	b[0] = 0x7f;
	assert_true(kmm_memcmp(a, b, 1) > 0);
}

static void test_str_routines(void **state)
{
	char buf[16];
	const char *s = "hello";

	(void)state;
	assert_int_equal(kmm_strlen(""), 0);
	assert_int_equal(kmm_strlen(s), 5);
	assert_int_equal(kmm_strnlen(s, 3), 3);
	assert_int_equal(kmm_strnlen(s, 10), 5);
	assert_int_equal(kmm_strnlen(s, 0), 0);

	assert_int_equal(kmm_strcmp("abc", "abc"), 0);
	assert_true(kmm_strcmp("abc", "abd") < 0);
	assert_true(kmm_strcmp("abd", "abc") > 0);
	assert_true(kmm_strcmp("ab", "abc") < 0);
	assert_true(kmm_strcmp("abc", "ab") > 0);
	assert_true(kmm_strcmp("\x80", "\x7f") > 0);
	assert_int_equal(kmm_strcmp("", ""), 0);

	assert_int_equal(kmm_strncmp("abcX", "abcY", 3), 0);
	assert_true(kmm_strncmp("abcX", "abcY", 4) < 0);
	assert_int_equal(kmm_strncmp("ab", "ab", 10), 0);
	assert_true(kmm_strncmp("ab", "abc", 10) < 0);
	assert_int_equal(kmm_strncmp("x", "y", 0), 0);

	assert_ptr_equal(kmm_strchr(s, 'l'), s + 2);
	assert_ptr_equal(kmm_strchr(s, 'o'), s + 4);
	assert_ptr_equal(kmm_strchr(s, 'z'), NULL);
	assert_ptr_equal(kmm_strchr(s, '\0'), s + 5);
	assert_ptr_equal(kmm_strchr(s, 'h' + 256), s); /* converted to char */

	memset(buf, 'x', sizeof(buf));
	assert_int_equal(kmm_strlcpy(buf, "hello, world", 6), 12);
	assert_string_equal(buf, "hello");
	assert_int_equal(buf[6], 'x');
	assert_int_equal(kmm_strlcpy(buf, "hi", sizeof(buf)), 2);
	assert_string_equal(buf, "hi");
	buf[0] = 'q';
	assert_int_equal(kmm_strlcpy(buf, "abc", 0), 3);
	assert_int_equal(buf[0], 'q');
	assert_int_equal(kmm_strlcpy(buf, "abc", 1), 3);
	assert_string_equal(buf, "");

	assert_true(kmm_str_starts("mm/vmscan", "mm/"));
	assert_true(kmm_str_starts("abc", ""));
	assert_true(kmm_str_starts("abc", "abc"));
	assert_false(kmm_str_starts("ab", "abc"));
	assert_false(kmm_str_starts("xbc", "abc"));
}

static void test_bitops(void **state)
{
	(void)state;
	assert_int_equal(kmm_fls64(0), 0);
	assert_int_equal(kmm_fls64(1), 1);
	assert_int_equal(kmm_fls64(UINT64_MAX), 64);
	assert_int_equal(kmm_ffs64(0), 0);
	assert_int_equal(kmm_ffs64(0x80), 8);
	assert_int_equal(kmm_ffs64((uint64_t)1 << 63), 64);
	assert_true(kmm_rounddown_pow_of_two(4097) == 4096);
	assert_true(kmm_rounddown_pow_of_two(1) == 1);
	assert_true(kmm_int_sqrt(0) == 0);
	assert_true(kmm_int_sqrt(15) == 3);
	assert_true(kmm_int_sqrt(16) == 4);
	assert_true(kmm_int_sqrt(UINT64_MAX) == 0xffffffffu);
	assert_true(KMM_ALIGN_UP((uint64_t)4097, 4096) == 8192);
	assert_true(KMM_ALIGN_DOWN((uint64_t)4097, 4096) == 4096);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vsnprintf_int_sweep),
		cmocka_unit_test(test_vsnprintf_lengths),
		cmocka_unit_test(test_vsnprintf_strings_chars_pointers),
		cmocka_unit_test(test_vsnprintf_mixed_and_truncation),
		cmocka_unit_test(test_vsnprintf_unknown),
		cmocka_unit_test(test_kstrtoull),
		cmocka_unit_test(test_kstrtoll),
		cmocka_unit_test(test_memparse),
		cmocka_unit_test(test_seq_buf),
		cmocka_unit_test(test_mem_routines),
		cmocka_unit_test(test_str_routines),
		cmocka_unit_test(test_bitops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
