// SPDX-License-Identifier: MIT
/*
 * src/lib/string.c - freestanding memory and string routines (lib/string.c).
 *
 * The core must not depend on the host C library, so these are written out
 * here.  Two compiler behaviours matter:
 *
 *  - gcc turns fill/copy loops into calls to memset()/memcpy()
 *    (-ftree-loop-distribute-patterns).  If an embedder implements memset()
 *    with kmm_memset(), that would recurse forever, so the functions below
 *    switch the transformation off.
 *  - clang has no such attribute; its loop-idiom pass is defeated by making
 *    the loop pointer opaque with an empty asm each iteration (KMM_OPAQUE).
 *
 * Bulk work is done a machine word at a time when the pointers allow it.
 */
#include "lib/lib.h"

#if defined(__GNUC__) && !defined(__clang__)
#define KMM_NO_LIBCALL __attribute__((optimize("no-tree-loop-distribute-patterns")))
#define KMM_OPAQUE(x) ((void)0)
#else
#define KMM_NO_LIBCALL
#define KMM_OPAQUE(x) __asm__("" : "+r"(x))
#endif

typedef uintptr_t __attribute__((__may_alias__)) kmm_word_t;
#define WSZ (sizeof(kmm_word_t))
#define WMASK (WSZ - 1)

KMM_NO_LIBCALL void *kmm_memset(void *s, int c, size_t n)
{
	unsigned char *p = s;
	unsigned char b = (unsigned char)c;

	while (n && ((uintptr_t)p & WMASK)) {
		*p++ = b;
		n--;
	}
	if (n >= WSZ) {
		kmm_word_t w = (kmm_word_t)b * (kmm_word_t)(UINTPTR_MAX / 0xff);
		kmm_word_t *wp = (kmm_word_t *)(void *)p;

		while (n >= WSZ) {
			*wp++ = w;
			n -= WSZ;
			KMM_OPAQUE(wp);
		}
		p = (unsigned char *)wp;
	}
	while (n) {
		*p++ = b;
		n--;
		KMM_OPAQUE(p);
	}
	return s;
}

KMM_NO_LIBCALL void *kmm_memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if ((((uintptr_t)d ^ (uintptr_t)s) & WMASK) == 0) {
		while (n && ((uintptr_t)d & WMASK)) {
			*d++ = *s++;
			n--;
		}
		if (n >= WSZ) {
			kmm_word_t *wd = (kmm_word_t *)(void *)d;
			const kmm_word_t *ws = (const kmm_word_t *)(const void *)s;

			while (n >= WSZ) {
				*wd++ = *ws++;
				n -= WSZ;
				KMM_OPAQUE(wd);
			}
			d = (unsigned char *)wd;
			s = (const unsigned char *)ws;
		}
	}
	while (n) {
		*d++ = *s++;
		n--;
		KMM_OPAQUE(d);
	}
	return dst;
}

KMM_NO_LIBCALL void *kmm_memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d == s || n == 0)
		return dst;
	/* Copying forwards is safe unless dst starts inside [src, src + n). */
	if ((uintptr_t)d - (uintptr_t)s >= n)
		return kmm_memcpy(dst, src, n);

	d += n;
	s += n;
	if ((((uintptr_t)d ^ (uintptr_t)s) & WMASK) == 0) {
		while (n && ((uintptr_t)d & WMASK)) {
			*--d = *--s;
			n--;
		}
		if (n >= WSZ) {
			kmm_word_t *wd = (kmm_word_t *)(void *)d;
			const kmm_word_t *ws = (const kmm_word_t *)(const void *)s;

			while (n >= WSZ) {
				*--wd = *--ws;
				n -= WSZ;
				KMM_OPAQUE(wd);
			}
			d = (unsigned char *)wd;
			s = (const unsigned char *)ws;
		}
	}
	while (n) {
		*--d = *--s;
		n--;
		KMM_OPAQUE(d);
	}
	return dst;
}

KMM_NO_LIBCALL int kmm_memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;

	if ((((uintptr_t)p | (uintptr_t)q) & WMASK) == 0) {
		while (n >= WSZ && *(const kmm_word_t *)(const void *)p ==
					   *(const kmm_word_t *)(const void *)q) {
			p += WSZ;
			q += WSZ;
			n -= WSZ;
		}
	}
	for (; n; n--, p++, q++) {
		if (*p != *q)
			return *p < *q ? -1 : 1;
	}
	return 0;
}

KMM_NO_LIBCALL size_t kmm_strlen(const char *s)
{
	const char *p = s;

	while (*p) {
		p++;
		KMM_OPAQUE(p);
	}
	return (size_t)(p - s);
}

KMM_NO_LIBCALL size_t kmm_strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int kmm_strcmp(const char *a, const char *b)
{
	const unsigned char *p = (const unsigned char *)a;
	const unsigned char *q = (const unsigned char *)b;

	while (*p && *p == *q) {
		p++;
		q++;
	}
	if (*p == *q)
		return 0;
	return *p < *q ? -1 : 1;
}

int kmm_strncmp(const char *a, const char *b, size_t n)
{
	const unsigned char *p = (const unsigned char *)a;
	const unsigned char *q = (const unsigned char *)b;

	for (; n; n--, p++, q++) {
		if (*p != *q)
			return *p < *q ? -1 : 1;
		if (!*p)
			break;
	}
	return 0;
}

char *kmm_strchr(const char *s, int c)
{
	char ch = (char)c;

	for (;; s++) {
		if (*s == ch)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

size_t kmm_strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = kmm_strlen(src);

	if (size) {
		size_t n = len < size - 1 ? len : size - 1;

		kmm_memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

bool kmm_str_starts(const char *s, const char *prefix)
{
	while (*prefix) {
		if (*s++ != *prefix++)
			return false;
	}
	return true;
}
