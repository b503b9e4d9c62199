/* SPDX-License-Identifier: MIT */
/*
 * src/kernel/printk.c - the machine's log (kernel/printk/printk.c).
 *
 * Every line is kept in a per-machine ring buffer (read by `dmesg`,
 * kmm_log_read()) and, when its level is below console_loglevel, handed to
 * the console sink (the boot options' callback, or kmm_port_log()).
 * Lines may carry a "<N>" level prefix as the kernel's KERN_* strings do.
 */
#include "internal.h"

void kmm_log_init(struct kmm_machine *m, const struct kmm_boot_opts *opts)
{
	spin_lock_init(&m->log.lock);
	m->log.console_loglevel = 7; /* CONSOLE_LOGLEVEL_DEFAULT */
	m->log.head = 0;
	m->log.boot_ns = kmm_port_time_ns();
	if (opts)
		m->opts = *opts;
}

static void log_store(struct kmm_machine *m, const char *line, size_t len)
{
	struct kmm_log *l = &m->log;
	/* each record carries its time since boot, as dmesg shows it */
	char ts[32];
	uint64_t ns = kmm_port_time_ns() - l->boot_ns;
	int n = kmm_snprintf(ts, sizeof(ts), "[%5llu.%06llu] ",
			     (unsigned long long)(ns / 1000000000u),
			     (unsigned long long)(ns % 1000000000u / 1000u));
	for (int i = 0; i < n; i++)
		l->buf[(l->head + (uint64_t)i) % KMM_LOG_BUF_SIZE] = ts[i];
	l->head += (uint64_t)n;
	for (size_t i = 0; i <= len; i++)
		l->buf[(l->head + i) % KMM_LOG_BUF_SIZE] = i < len ? line[i] : '\n';
	l->head += len + 1;
}

static void log_emit(struct kmm_machine *m, int level, const char *line, size_t len)
{
	spin_lock(&m->log.lock);
	log_store(m, line, len);
	bool console = level < m->log.console_loglevel;
	spin_unlock(&m->log.lock);
	if (!console)
		return;
	if (m->opts.console)
		m->opts.console(m->opts.console_ctx, level, line, len);
	else
		kmm_port_log(level, line, len);
}

void kmm_print_lines(struct kmm_machine *m, int level, const char *text)
{
	while (*text) {
		const char *nl = kmm_strchr(text, '\n');
		size_t len = nl ? (size_t)(nl - text) : kmm_strlen(text);
		log_emit(m, level, text, len);
		text += len + (nl ? 1 : 0);
	}
}

void kmm_printk(struct kmm_machine *m, int level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	kmm_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	kmm_print_lines(m, level, line);
}

size_t kmm_log_read(struct kmm_machine *m, char *buf, size_t size)
{
	struct kmm_log *l = &m->log;
	size_t n = 0;
	if (!size)
		return 0;
	spin_lock(&l->lock);
	uint64_t avail = l->head < KMM_LOG_BUF_SIZE ? l->head : KMM_LOG_BUF_SIZE;
	if (avail > size - 1)
		avail = size - 1;
	uint64_t start = l->head - avail;
	for (uint64_t i = 0; i < avail; i++)
		buf[i] = l->buf[(start + i) % KMM_LOG_BUF_SIZE];
	n = (size_t)avail;
	spin_unlock(&l->lock);
	/* drop a partial first line when the ring wrapped or we truncated */
	if (start > 0) {
		size_t skip = 0;
		while (skip < n && buf[skip] != '\n')
			skip++;
		if (skip < n)
			skip++;
		kmm_memmove(buf, buf + skip, n - skip);
		n -= skip;
	}
	buf[n] = '\0';
	return n;
}
