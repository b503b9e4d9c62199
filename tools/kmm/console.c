/* SPDX-License-Identifier: MIT */
/*
 * tools/kmm/console.c - the boot console (log lines with dmesg-style
 * timestamps), booting a machine for the CLI, and small helpers shared by
 * the commands.
 */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void cli_console_init(struct cli_console *con, FILE *fp)
{
	con->fp = fp;
	con->t0_ns = now_ns();
	con->nr_lines = 0;
}

/* True if @line already starts with a "[ seconds.micros]" stamp. */
static bool has_timestamp(const char *line, size_t len)
{
	size_t i = 1;
	if (len < 4 || line[0] != '[')
		return false;
	while (i < len && line[i] == ' ')
		i++;
	if (i >= len || !isdigit((unsigned char)line[i]))
		return false;
	while (i < len && isdigit((unsigned char)line[i]))
		i++;
	if (i >= len || line[i] != '.')
		return false;
	i++;
	while (i < len && isdigit((unsigned char)line[i]))
		i++;
	return i < len && line[i] == ']';
}

void cli_console_write(void *ctx, int level, const char *line, size_t len)
{
	struct cli_console *con = ctx;
	(void)level;
	if (!con || !con->fp)
		return;
	/* Other simulated CPUs (host threads) may log at the same time. */
	flockfile(con->fp);
	if (!has_timestamp(line, len)) {
		uint64_t t = now_ns() - con->t0_ns;
		fprintf(con->fp, "[%5lu.%06lu] ", (unsigned long)(t / 1000000000u),
			(unsigned long)(t % 1000000000u / 1000u));
	}
	fwrite(line, 1, len, con->fp);
	fputc('\n', con->fp);
	con->nr_lines++;
	funlockfile(con->fp);
}

struct kmm_machine *cli_boot_machine(const char *cmdline, struct cli_console *con,
				     const char *prefix)
{
	struct kmm_boot_opts opts = { .console = cli_console_write, .console_ctx = con };
	struct kmm_machine *m = NULL;
	char err[512] = "";
	int rc;

	con->t0_ns = now_ns();
	rc = kmm_machine_boot(cmdline, &opts, &m, err, sizeof(err));
	fflush(con->fp);
	if (rc < 0 || !m) {
		size_t n = strlen(err);
		while (n && (err[n - 1] == '\n' || err[n - 1] == ' '))
			err[--n] = '\0';
		fprintf(stderr, "kmm: %s: %s\n", prefix,
			n ? err : cli_strerror(rc < 0 ? rc : -KMM_EINVAL));
		return NULL;
	}
	return m;
}

char *cli_proc_read_all(struct kmm_machine *m, const char *path, long *err)
{
	size_t size = 16384;
	char *buf = NULL;

	for (;;) {
		char *nb = realloc(buf, size);
		long n;
		if (!nb) {
			free(buf);
			*err = -KMM_ENOMEM;
			return NULL;
		}
		buf = nb;
		n = kmm_proc_read(m, path, buf, size);
		if (n < 0) {
			free(buf);
			*err = n;
			return NULL;
		}
		if ((size_t)n < size) {
			buf[n] = '\0';
			*err = 0;
			return buf;
		}
		size = (size_t)n + 1;
	}
}

const char *cli_path(const char *in, char *out, size_t size)
{
	size_t len = 0;
	const char *p = in;

	/* The shell's working directory is "/": relative paths start there. */
	while (*p) {
		size_t n;
		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (n == 0)
			break;
		if (n == 1 && p[0] == '.') {
			/* "." stays here */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			while (len > 0 && out[len - 1] != '/')
				len--;
			if (len > 0)
				len--; /* and its '/' */
		} else {
			if (len + 1 + n + 1 > size)
				return in; /* too long: let the library reject it */
			out[len++] = '/';
			memcpy(out + len, p, n);
			len += n;
		}
		p += n;
		out[len] = '\0';
	}
	if (len == 0) {
		if (size < 2)
			return in;
		out[len++] = '/';
	}
	out[len] = '\0';
	return out;
}

const char *cli_strerror(long negerr)
{
	/* The core uses Linux errno numbering, as the host libc does. */
	if (negerr < 0)
		negerr = -negerr;
	if (negerr == KMM_ENOENT)
		return "No such file or directory";
	return strerror((int)negerr);
}

/* Decimal, or hexadecimal with 0x (no octal surprises for "010"). */
static int number_base(const char *s)
{
	if (*s == '-' || *s == '+')
		s++;
	return (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ? 16 : 10;
}

bool cli_parse_ulong(const char *s, unsigned long *out)
{
	char *end;
	unsigned long v;
	if (!s || !*s || *s == '-' || *s == '+' || isspace((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoul(s, &end, number_base(s));
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

bool cli_parse_long(const char *s, long *out)
{
	char *end;
	long v;
	if (!s || !*s || isspace((unsigned char)*s))
		return false;
	errno = 0;
	v = strtol(s, &end, number_base(s));
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

/* One term of a size expression: digits (or 0x hex digits) and a suffix. */
static bool parse_size_term(const char **sp, uint64_t *out)
{
	const char *s = *sp;
	unsigned shift = 0;
	uint64_t v = 0;
	int base = 10, nd = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (;; s++, nd++) {
		int d;
		if (isdigit((unsigned char)*s))
			d = *s - '0';
		else if (base == 16 && isxdigit((unsigned char)*s))
			d = tolower((unsigned char)*s) - 'a' + 10;
		else
			break;
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return false;
		v = v * (uint64_t)base + (uint64_t)d;
	}
	if (!nd)
		return false;
	switch (*s) {
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'm':
	case 'M':
		shift = 20;
		break;
	case 'g':
	case 'G':
		shift = 30;
		break;
	case 't':
	case 'T':
		shift = 40;
		break;
	}
	if (shift) {
		s++;
		if (v > (UINT64_MAX >> shift))
			return false;
		v <<= shift;
	}
	*sp = s;
	*out = v;
	return true;
}

bool cli_parse_size_expr(const char *s, uint64_t *out)
{
	uint64_t total, term;

	if (!s || !parse_size_term(&s, &total))
		return false;
	while (*s == '+' || *s == '-') {
		char op = *s++;
		if (!parse_size_term(&s, &term))
			return false;
		if (op == '+') {
			if (total > UINT64_MAX - term)
				return false;
			total += term;
		} else {
			if (term > total)
				return false;
			total -= term;
		}
	}
	if (*s)
		return false;
	*out = total;
	return true;
}
