// SPDX-License-Identifier: MIT
/*
 * src/lib/kstrtox.c - strict number parsing (lib/kstrtox.c) and memparse
 * (lib/cmdline.c).
 *
 * kmm_kstrtoull/kmm_kstrtoll accept the whole string or nothing: an optional
 * sign, an optional radix prefix, digits, and at most one trailing '\n'.
 * There is no whitespace skipping.
 */
#include <limits.h>

#include "lib/lib.h"
#include "kmm/port.h"

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99;
}

static bool is_xdigit(char c)
{
	return digit_value(c) < 16;
}

/*
 * Choose the radix as Linux's _parse_integer_fixup_radix(): base 0 means
 * "0x" + hex digit -> 16, leading "0" -> 8, else 10; base 16 skips an
 * optional "0x".  Returns the position of the first digit.
 */
static const char *fixup_radix(const char *s, unsigned *base)
{
	if (*base == 0) {
		if (s[0] == '0') {
			if ((s[1] == 'x' || s[1] == 'X') && is_xdigit(s[2]))
				*base = 16;
			else
				*base = 8;
		} else {
			*base = 10;
		}
	}
	if (*base == 16 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	return s;
}

/*
 * Parse digits of @base at @s.  Returns the number of digits consumed (0: no
 * digits), sets *overflow if the value does not fit 64 bits.
 */
static size_t parse_digits(const char *s, unsigned base, unsigned long long *res, bool *overflow)
{
	unsigned long long v = 0;
	size_t n = 0;

	*overflow = false;
	for (;; n++) {
		int d = digit_value(s[n]);

		if (d >= (int)base)
			break;
		if (v > (~0ULL - (unsigned)d) / base)
			*overflow = true;
		v = v * base + (unsigned)d;
	}
	*res = v;
	return n;
}

static int do_kstrtoull(const char *s, unsigned base, unsigned long long *res)
{
	unsigned long long v;
	bool overflow;
	size_t n;

	if (base == 1 || base > 36)
		return -KMM_EINVAL;
	s = fixup_radix(s, &base);
	n = parse_digits(s, base, &v, &overflow);
	if (n == 0)
		return -KMM_EINVAL;
	s += n;
	if (*s == '\n')
		s++;
	if (*s)
		return -KMM_EINVAL;
	if (overflow)
		return -KMM_ERANGE;
	*res = v;
	return 0;
}

int kmm_kstrtoull(const char *s, unsigned base, unsigned long long *res)
{
	if (s[0] == '+')
		s++;
	return do_kstrtoull(s, base, res);
}

int kmm_kstrtoll(const char *s, unsigned base, long long *res)
{
	unsigned long long v;
	int ret;

	if (s[0] == '-') {
		ret = do_kstrtoull(s + 1, base, &v);
		if (ret)
			return ret;
		if (v > (unsigned long long)LLONG_MAX + 1)
			return -KMM_ERANGE;
		*res = v ? (long long)(0ULL - v) : 0;
		return 0;
	}
	ret = kmm_kstrtoull(s, base, &v);
	if (ret)
		return ret;
	if (v > (unsigned long long)LLONG_MAX)
		return -KMM_ERANGE;
	*res = (long long)v;
	return 0;
}

int kmm_memparse(const char *s, const char **end, unsigned long long *res)
{
	const char *p;
	unsigned long long v;
	unsigned base = 0;
	unsigned shift = 0;
	bool overflow;
	size_t n;

	p = fixup_radix(s, &base);
	n = parse_digits(p, base, &v, &overflow);
	if (n == 0) {
		if (end)
			*end = s;
		return -KMM_EINVAL;
	}
	p += n;
	switch (*p) {
	case 'E':
	case 'e':
		shift += 10;
		/* fall through */
	case 'P':
	case 'p':
		shift += 10;
		/* fall through */
	case 'T':
	case 't':
		shift += 10;
		/* fall through */
	case 'G':
	case 'g':
		shift += 10;
		/* fall through */
	case 'M':
	case 'm':
		shift += 10;
		/* fall through */
	case 'K':
	case 'k':
		shift += 10;
		p++;
		break;
	default:
		break;
	}
	if (end)
		*end = p;
	if (overflow || (shift && v > (~0ULL >> shift)))
		return -KMM_ERANGE;
	*res = v << shift;
	return 0;
}
