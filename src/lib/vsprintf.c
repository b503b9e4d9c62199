// SPDX-License-Identifier: MIT
/*
 * src/lib/vsprintf.c - C99 snprintf into a bounded buffer (lib/vsprintf.c).
 *
 * Conversions: d i u x X o c s p %; flags - 0 + space # (and ', accepted and
 * ignored, as in the C locale); width and precision, either may be '*';
 * length modifiers hh h l ll z t j.  No floating point.
 *
 * The output matches glibc's snprintf for all of these, including its
 * choices where C leaves things open: "(null)" for a NULL %s unless the
 * precision is below 6 (then nothing), "(nil)" for a NULL %p, and a non-NULL
 * %p printed as %#lx that also honours '+' and ' '.  An unknown conversion
 * is copied to the output verbatim and consumes no argument.
 */
#include <limits.h>

#include "lib/lib.h"

struct out {
	char *buf;
	size_t size;
	size_t pos; /* characters produced so far, stored or not */
};

static void out_char(struct out *o, char c)
{
	if (o->pos + 1 < o->size)
		o->buf[o->pos] = c;
	o->pos++;
}

static void out_mem(struct out *o, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		out_char(o, s[i]);
}

static void out_pad(struct out *o, char c, size_t n)
{
	while (n--)
		out_char(o, c);
}

enum {
	F_LEFT = 1,  /* '-' */
	F_ZERO = 2,  /* '0' */
	F_PLUS = 4,  /* '+' */
	F_SPACE = 8, /* ' ' */
	F_ALT = 16,  /* '#' */
};

struct spec {
	unsigned flags;
	size_t width;
	int prec; /* -1: none */
};

/* Pad @len bytes of @s to the field width (spaces only: strings and %c). */
static void out_field(struct out *o, const struct spec *sp, const char *s, size_t len)
{
	size_t pad = sp->width > len ? sp->width - len : 0;

	if (!(sp->flags & F_LEFT))
		out_pad(o, ' ', pad);
	out_mem(o, s, len);
	if (sp->flags & F_LEFT)
		out_pad(o, ' ', pad);
}

/*
 * Print an integer of magnitude @v.  @sign is '-', '+', ' ' or 0; @base is 8,
 * 10 or 16; @prefix ("0x", "0X" or NULL) is printed only for non-zero @v.
 */
static void out_number(struct out *o, const struct spec *sp, unsigned long long v, char sign,
		       unsigned base, bool upper, const char *prefix)
{
	const char *digitset = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24]; /* 22 octal digits hold 64 bits */
	size_t nd = 0, zeros = 0, plen = 0, total, pad = 0;
	bool zero_pad;

	if (!(v == 0 && sp->prec == 0)) {
		do {
			tmp[sizeof(tmp) - 1 - nd++] = digitset[v % base];
			v /= base;
		} while (v);
	}
	if (sp->prec > 0 && (size_t)sp->prec > nd)
		zeros = (size_t)sp->prec - nd;
	/* '#' with 'o': the first digit printed must be a zero. */
	if (base == 8 && (sp->flags & F_ALT) && zeros == 0 &&
	    (nd == 0 || tmp[sizeof(tmp) - nd] != '0'))
		zeros = 1;
	if (prefix)
		plen = kmm_strlen(prefix);

	total = (sign ? 1 : 0) + plen + zeros + nd;
	if (sp->width > total)
		pad = sp->width - total;
	zero_pad = (sp->flags & F_ZERO) && !(sp->flags & F_LEFT) && sp->prec < 0;

	if (!(sp->flags & F_LEFT) && !zero_pad)
		out_pad(o, ' ', pad);
	if (sign)
		out_char(o, sign);
	out_mem(o, prefix ? prefix : "", plen);
	if (zero_pad)
		out_pad(o, '0', pad);
	out_pad(o, '0', zeros);
	out_mem(o, tmp + sizeof(tmp) - nd, nd);
	if (sp->flags & F_LEFT)
		out_pad(o, ' ', pad);
}

enum len_mod { L_NONE, L_HH, L_H, L_L, L_LL, L_Z, L_T, L_J };

static long long get_signed(va_list *ap, enum len_mod len)
{
	switch (len) {
	case L_HH:
		return (signed char)va_arg(*ap, int);
	case L_H:
		return (short)va_arg(*ap, int);
	case L_L:
		return va_arg(*ap, long);
	case L_LL:
		return va_arg(*ap, long long);
	case L_Z: /* the signed type of size_t's width */
	case L_T:
		return va_arg(*ap, ptrdiff_t);
	case L_J:
		return va_arg(*ap, intmax_t);
	default:
		return va_arg(*ap, int);
	}
}

static unsigned long long get_unsigned(va_list *ap, enum len_mod len)
{
	switch (len) {
	case L_HH:
		return (unsigned char)va_arg(*ap, unsigned int);
	case L_H:
		return (unsigned short)va_arg(*ap, unsigned int);
	case L_L:
		return va_arg(*ap, unsigned long);
	case L_LL:
		return va_arg(*ap, unsigned long long);
	case L_Z:
		return va_arg(*ap, size_t);
	case L_T: /* the unsigned type of ptrdiff_t's width */
		return va_arg(*ap, size_t);
	case L_J:
		return va_arg(*ap, uintmax_t);
	default:
		return va_arg(*ap, unsigned int);
	}
}

/* Parse a decimal field; saturates instead of overflowing. */
static size_t parse_uint(const char **fmt)
{
	size_t v = 0;

	while (**fmt >= '0' && **fmt <= '9') {
		if (v < (size_t)INT_MAX)
			v = v * 10 + (size_t)(**fmt - '0');
		(*fmt)++;
	}
	return v;
}

int kmm_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	va_list args;

	if (!buf)
		o.size = 0;
	/* Work on a copy so it can be passed by address on every ABI. */
	va_copy(args, ap);

	while (*fmt) {
		const char *start;
		struct spec sp = { 0, 0, -1 };
		enum len_mod len = L_NONE;
		bool upper = false;
		unsigned base = 10;

		if (*fmt != '%') {
			const char *lit = fmt;

			while (*fmt && *fmt != '%')
				fmt++;
			out_mem(&o, lit, (size_t)(fmt - lit));
			continue;
		}
		start = fmt++;

		/* flags */
		for (;; fmt++) {
			if (*fmt == '-')
				sp.flags |= F_LEFT;
			else if (*fmt == '0')
				sp.flags |= F_ZERO;
			else if (*fmt == '+')
				sp.flags |= F_PLUS;
			else if (*fmt == ' ')
				sp.flags |= F_SPACE;
			else if (*fmt == '#')
				sp.flags |= F_ALT;
			else if (*fmt != '\'')
				break;
		}
		/* width */
		if (*fmt == '*') {
			int w = va_arg(args, int);

			fmt++;
			if (w < 0) {
				sp.flags |= F_LEFT;
				sp.width = w == INT_MIN ? (size_t)INT_MAX + 1 : (size_t)-w;
			} else {
				sp.width = (size_t)w;
			}
		} else {
			sp.width = parse_uint(&fmt);
		}
		/* precision */
		if (*fmt == '.') {
			fmt++;
			if (*fmt == '*') {
				int p = va_arg(args, int);

				fmt++;
				sp.prec = p < 0 ? -1 : p;
			} else {
				size_t p = parse_uint(&fmt);

				sp.prec = p > (size_t)INT_MAX ? INT_MAX : (int)p;
			}
		}
		/* length */
		switch (*fmt) {
		case 'h':
			fmt++;
			len = L_H;
			if (*fmt == 'h') {
				fmt++;
				len = L_HH;
			}
			break;
		case 'l':
			fmt++;
			len = L_L;
			if (*fmt == 'l') {
				fmt++;
				len = L_LL;
			}
			break;
		case 'z':
			fmt++;
			len = L_Z;
			break;
		case 't':
			fmt++;
			len = L_T;
			break;
		case 'j':
			fmt++;
			len = L_J;
			break;
		default:
			break;
		}

		switch (*fmt) {
		case 'd':
		case 'i': {
			long long v = get_signed(&args, len);
			unsigned long long mag =
				v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
			char sign = 0;

			if (v < 0)
				sign = '-';
			else if (sp.flags & F_PLUS)
				sign = '+';
			else if (sp.flags & F_SPACE)
				sign = ' ';
			out_number(&o, &sp, mag, sign, 10, false, NULL);
			break;
		}
		case 'X':
			upper = true;
			/* fall through */
		case 'x':
			base = 16;
			/* fall through */
		case 'o':
			if (base == 10)
				base = 8;
			/* fall through */
		case 'u': {
			unsigned long long v = get_unsigned(&args, len);
			const char *prefix = NULL;

			if (base == 16 && (sp.flags & F_ALT) && v)
				prefix = upper ? "0X" : "0x";
			out_number(&o, &sp, v, 0, base, upper, prefix);
			break;
		}
		case 'c': {
			char c = (char)va_arg(args, int);

			out_field(&o, &sp, &c, 1);
			break;
		}
		case 's': {
			const char *s = va_arg(args, const char *);
			size_t n;

			if (!s) {
				s = "(null)";
				if (sp.prec >= 0 && sp.prec < 6)
					sp.prec = 0;
			}
			n = sp.prec >= 0 ? kmm_strnlen(s, (size_t)sp.prec) : kmm_strlen(s);
			out_field(&o, &sp, s, n);
			break;
		}
		case 'p': {
			void *p = va_arg(args, void *);
			char sign = 0;

			if (!p) {
				out_field(&o, &sp, "(nil)", 5);
				break;
			}
			if (sp.flags & F_PLUS)
				sign = '+';
			else if (sp.flags & F_SPACE)
				sign = ' ';
			out_number(&o, &sp, (unsigned long long)(uintptr_t)p, sign, 16, false,
				   "0x");
			break;
		}
		case '%':
			out_char(&o, '%');
			break;
		default:
			/* Unknown or truncated: copy the specification as it stands. */
			if (*fmt)
				fmt++;
			out_mem(&o, start, (size_t)(fmt - start));
			continue;
		}
		fmt++;
	}
	va_end(args);

	if (o.size)
		o.buf[o.pos < o.size ? o.pos : o.size - 1] = '\0';
	/* C99: the result does not fit an int -> negative (EOVERFLOW). */
	if (o.pos > (size_t)INT_MAX)
		return -1;
	return (int)o.pos;
}

int kmm_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kmm_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
