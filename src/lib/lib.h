/* SPDX-License-Identifier: MIT */
/*
 * src/lib/lib.h - freestanding helpers every layer of the core uses:
 * string and memory routines, number parsing, printf-style formatting into
 * bounded buffers (seq_buf, as lib/seq_buf.c in Linux), bit operations.
 *
 * Mirrors: lib/string.c, lib/vsprintf.c, lib/kstrtox.c, lib/cmdline.c
 * (memparse), lib/seq_buf.c.  Nothing here allocates or touches the host.
 */
#ifndef KMM_SRC_LIB_H
#define KMM_SRC_LIB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- string.c ------------------------------------------------------------- */
void *kmm_memset(void *s, int c, size_t n);
void *kmm_memcpy(void *dst, const void *src, size_t n);
void *kmm_memmove(void *dst, const void *src, size_t n);
int kmm_memcmp(const void *a, const void *b, size_t n);
size_t kmm_strlen(const char *s);
size_t kmm_strnlen(const char *s, size_t max);
int kmm_strcmp(const char *a, const char *b);
int kmm_strncmp(const char *a, const char *b, size_t n);
char *kmm_strchr(const char *s, int c);
/* Copies at most size-1 bytes, always NUL-terminates (size > 0); returns strlen(src). */
size_t kmm_strlcpy(char *dst, const char *src, size_t size);
bool kmm_str_starts(const char *s, const char *prefix);

/* ---- kstrtox.c ------------------------------------------------------------ */
/*
 * Parse a whole string (an optional trailing '\n' is accepted) as a number
 * in @base (0: auto-detect 0x / 0 prefixes).  Returns 0 or -KMM_EINVAL /
 * -KMM_ERANGE.
 */
int kmm_kstrtoull(const char *s, unsigned base, unsigned long long *res);
int kmm_kstrtoll(const char *s, unsigned base, long long *res);
/*
 * memparse: a number with optional K/M/G/T/P/E suffix (binary multiples),
 * as lib/cmdline.c.  *end is set past the consumed characters.  Returns 0,
 * or -KMM_EINVAL if no digits, -KMM_ERANGE on overflow.
 */
int kmm_memparse(const char *s, const char **end, unsigned long long *res);

/* ---- vsprintf.c ------------------------------------------------------------ */
/*
 * C99 snprintf semantics (returns the length that would have been written)
 * for the conversions: %d %i %u %x %X %o %c %s %p %% with flags '-', '0',
 * '+', ' ', '#', width and precision (also '*'), and length modifiers
 * hh h l ll z t j.  No floating point.
 */
int kmm_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
int kmm_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- seq_buf.c ------------------------------------------------------------- */
/*
 * A bounded output buffer.  Writes past the end are dropped and remembered
 * (overflowed); the text stays NUL-terminated.
 */
struct seq_buf {
	char *buf;
	size_t size; /* capacity including the NUL */
	size_t len;  /* bytes stored, excluding the NUL */
	bool overflow;
	size_t need; /* bytes all writes asked for: len had nothing been dropped */
};
void seq_buf_init(struct seq_buf *s, char *buf, size_t size);
void seq_buf_printf(struct seq_buf *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void seq_buf_vprintf(struct seq_buf *s, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
void seq_buf_puts(struct seq_buf *s, const char *str);
void seq_buf_putc(struct seq_buf *s, char c);

/* ---- bit operations (inline) ----------------------------------------------- */
static inline unsigned kmm_fls64(uint64_t x) /* 1-based; 0 for 0 */
{
	return x ? 64u - (unsigned)__builtin_clzll(x) : 0u;
}
static inline unsigned kmm_ffs64(uint64_t x) /* 1-based; 0 for 0 */
{
	return (unsigned)__builtin_ffsll((long long)x);
}
static inline uint64_t kmm_rounddown_pow_of_two(uint64_t x)
{
	return x ? (uint64_t)1 << (kmm_fls64(x) - 1) : 0;
}
static inline uint64_t kmm_int_sqrt(uint64_t x)
{
	uint64_t r = 0, b = (uint64_t)1 << 62;
	while (b > x)
		b >>= 2;
	while (b) {
		if (x >= r + b) {
			x -= r + b;
			r = (r >> 1) + b;
		} else {
			r >>= 1;
		}
		b >>= 2;
	}
	return r;
}

#define KMM_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define KMM_MIN(a, b) ((a) < (b) ? (a) : (b))
#define KMM_MAX(a, b) ((a) > (b) ? (a) : (b))
#define KMM_ALIGN_UP(x, a) (((x) + (a)-1) & ~((__typeof__(x))(a)-1))
#define KMM_ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a)-1))
/* For reads that race by design (the kernel's data_race()). */
#if defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 8)
#define KMM_NO_SANITIZE_THREAD __attribute__((no_sanitize("thread"), noinline))
#else
#define KMM_NO_SANITIZE_THREAD
#endif
/* Fast-path helpers that must not cost a call. */
#define KMM_ALWAYS_INLINE inline __attribute__((always_inline))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#endif /* KMM_SRC_LIB_H */
