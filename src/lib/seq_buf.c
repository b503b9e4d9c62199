// SPDX-License-Identifier: MIT
/*
 * src/lib/seq_buf.c - a bounded, always NUL-terminated output buffer
 * (lib/seq_buf.c).
 *
 * What fits is kept; the first write that does not fit stores as much of
 * its text as there is room for and sets ->overflow, which stays set.
 */
#include "lib/lib.h"

void seq_buf_init(struct seq_buf *s, char *buf, size_t size)
{
	s->buf = buf;
	s->size = buf ? size : 0;
	s->len = 0;
	s->overflow = false;
	s->need = 0;
	if (s->size)
		s->buf[0] = '\0';
}

static size_t seq_buf_room(const struct seq_buf *s)
{
	/* Bytes that can still be stored, keeping one for the NUL. */
	return s->size ? s->size - 1 - s->len : 0;
}

void seq_buf_vprintf(struct seq_buf *s, const char *fmt, va_list ap)
{
	size_t room = seq_buf_room(s);
	int n;

	if (!s->size) {
		n = kmm_vsnprintf(NULL, 0, fmt, ap);
		if (n > 0)
			s->need += (size_t)n;
		s->overflow = true;
		return;
	}
	n = kmm_vsnprintf(s->buf + s->len, room + 1, fmt, ap);
	if (n > 0)
		s->need += (size_t)n;
	if (n < 0) {
		s->buf[s->len] = '\0';
		s->overflow = true;
		return;
	}
	if ((size_t)n > room) {
		s->len += room; /* kmm_vsnprintf kept what fitted, NUL-terminated */
		s->overflow = true;
		return;
	}
	s->len += (size_t)n;
}

void seq_buf_printf(struct seq_buf *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	seq_buf_vprintf(s, fmt, ap);
	va_end(ap);
}

void seq_buf_puts(struct seq_buf *s, const char *str)
{
	size_t room = seq_buf_room(s);
	size_t n = kmm_strlen(str);

	s->need += n;
	if (n > room) {
		n = room;
		s->overflow = true;
	}
	if (!s->size)
		return;
	kmm_memcpy(s->buf + s->len, str, n);
	s->len += n;
	s->buf[s->len] = '\0';
}

void seq_buf_putc(struct seq_buf *s, char c)
{
	s->need++;
	if (!seq_buf_room(s)) {
		s->overflow = true;
		return;
	}
	s->buf[s->len++] = c;
	s->buf[s->len] = '\0';
}
