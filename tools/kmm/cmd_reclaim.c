/* SPDX-License-Identifier: MIT */
/*
 * tools/kmm/cmd_reclaim.c - the shell's reclaim and swap commands: vmstat
 * (procps' layout, from /proc/vmstat and /proc/meminfo only), mkswap,
 * swapon and swapoff (util-linux's, on host files).
 *
 * vmstat shows only what the machine really counts: memory from
 * /proc/meminfo, swap and block I/O from the pswpin/pswpout/pgpgin/pgpgout
 * events of /proc/vmstat.  kmm has no scheduler, interrupts or CPU time,
 * so the procs, system and cpu columns keep their place in the layout but
 * print '-'.  kmm has no /proc/uptime either: the first line's si/so/bi/bo
 * are totals since boot (procps divides them by the uptime); the following
 * lines are rates over the measured interval.
 *
 * A swap file is a host file.  swapon and swapoff pass its absolute path
 * to the kernel, as util-linux does, so /proc/swaps names it unambiguously;
 * the kernel's reason for a refusal (logged by swapon) is added to the
 * error message.
 */
#include "cli.h"

#include "kmm/mm.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* ---- sizes as util-linux prints them ------------------------------------------------------ */

/* size_to_human_string(): "16M", "1.5G", "0B"; with @iec "16 MiB". */
static void human_size(uint64_t bytes, bool iec, char *buf, size_t size)
{
	static const char letters[] = "BKMGTPE";
	char suffix[8], *p = suffix;
	int exp, shft;
	uint64_t dec, frac;
	char c;

	for (shft = 10; shft <= 60; shft += 10)
		if (bytes < (1ULL << shft))
			break;
	exp = shft - 10;
	c = letters[exp / 10];
	dec = exp ? bytes >> exp : bytes;
	frac = exp ? bytes & ((1ULL << exp) - 1) : 0;
	if (iec)
		*p++ = ' ';
	*p++ = c;
	if (iec && c != 'B') {
		*p++ = 'i';
		*p++ = 'B';
	}
	*p = '\0';
	if (frac) {
		/* three digits after the point, rounded to one */
		if (frac >= UINT64_MAX / 1000)
			frac = ((frac / 1024) * 1000) / (1ULL << (exp - 10));
		else
			frac = (frac * 1000) / (1ULL << exp);
		frac = ((frac + 50) / 100) * 10;
		if (frac == 100) {
			dec++;
			frac = 0;
		}
	}
	if (frac)
		snprintf(buf, size, "%llu.%llu%s", (unsigned long long)dec,
			 (unsigned long long)(frac / 10), suffix);
	else
		snprintf(buf, size, "%llu%s", (unsigned long long)dec, suffix);
}

/* ---- the kernel's reason for a refusal ---------------------------------------------------- */

/* Bytes in the log now (to look only at what a call adds). */
static size_t log_length(struct kmm_machine *m)
{
	char *log = malloc(KMM_LOG_BUF_SIZE + 1);
	size_t n = 0;

	if (log) {
		n = kmm_log_read(m, log, KMM_LOG_BUF_SIZE + 1);
		free(log);
	}
	return n;
}

/*
 * The text after "PREFIX: PATH: " in the newest log line written after
 * byte @since (the whole log if it wrapped meanwhile), into @out; "" if
 * there is none.
 */
static void log_reason(struct kmm_machine *m, const char *prefix, const char *path, size_t since,
		       char *out, size_t size)
{
	char *log = malloc(KMM_LOG_BUF_SIZE + 1), *needle, *s, *last = NULL;
	size_t n, len;

	out[0] = '\0';
	len = strlen(prefix) + strlen(path) + 5;
	needle = malloc(len);
	if (!log || !needle)
		goto out;
	snprintf(needle, len, "%s: %s: ", prefix, path);
	n = kmm_log_read(m, log, KMM_LOG_BUF_SIZE + 1);
	log[n] = '\0';
	if (since > n || n == KMM_LOG_BUF_SIZE)
		since = 0;
	for (s = log + since; (s = strstr(s, needle)); s++)
		last = s;
	if (last) {
		last += strlen(needle);
		snprintf(out, size, "%.*s", (int)strcspn(last, "\n"), last);
	}
out:
	free(needle);
	free(log);
}

/* "CMD: PATH: WHAT: strerror (ENAME)[: REASON]"; returns CLI_ERR. */
static int swap_error(struct cli_shell *sh, const char *cmd, const char *path, const char *what,
		      long err, const char *reason)
{
	const char *name = cli_errno_name(err);
	char ename[32];

	const char *text = cli_strerror(err);
	size_t n = strlen(text);
	int rlen = reason ? (int)strlen(reason) : 0;

	if (name)
		snprintf(ename, sizeof(ename), "%s", name);
	else
		snprintf(ename, sizeof(ename), "errno %ld", err < 0 ? -err : err);
	/* "Device or resource busy (already swapping on it)": keep the part in () */
	if (rlen && !strncmp(reason, text, n)) {
		reason += n;
		rlen -= (int)n;
		if (rlen > 3 && reason[0] == ' ' && reason[1] == '(' && reason[rlen - 1] == ')') {
			reason += 2;
			rlen -= 3;
		}
		while (rlen && (*reason == ' ' || *reason == ':')) {
			reason++;
			rlen--;
		}
	}
	return cli_error(sh, "%s: %s: %s%s%s (%s)%s%.*s", cmd, path, what ? what : "",
			 what ? ": " : "", text, ename, rlen ? ": " : "", rlen, rlen ? reason : "");
}

/*
 * The absolute path of a host file: realpath() if it exists; otherwise
 * @in made absolute (a swap file may have been removed while in use).
 * false if @in is empty or too long.
 */
static bool host_path(const char *in, char *out, size_t size)
{
	char *real = realpath(in, NULL);
	int n;

	if (!*in)
		return false;
	if (real) {
		n = snprintf(out, size, "%s", real);
		free(real);
	} else if (in[0] == '/') {
		n = snprintf(out, size, "%s", in);
	} else {
		char cwd[PATH_MAX];
		if (!getcwd(cwd, sizeof(cwd)))
			return false;
		n = snprintf(out, size, "%s/%s", cwd, in);
	}
	return n > 0 && (size_t)n < size;
}

/* ---- /proc/swaps ---------------------------------------------------------------------------- */

struct swap_row {
	char name[PATH_MAX];
	char type[16];
	unsigned long size_kb, used_kb;
	long prio;
};

/* Undo seq_file's \ooo escapes of " \t\n\\". */
static void unmangle(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)(((s[1] - '0') << 6) | ((s[2] - '0') << 3) | (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

/* The devices of /proc/swaps (malloc'd array in *rows); -1 with sh->err set. */
static long read_swaps(struct cli_shell *sh, const char *cmd, struct swap_row **rows)
{
	long err, nr = 0, cap = 0;
	char *text = cli_proc_read_all(sh->m, "/proc/swaps", &err), *line, *next;

	*rows = NULL;
	if (!text) {
		cli_error(sh, "%s: /proc/swaps: %s", cmd, cli_strerror(err));
		return -1;
	}
	for (line = text; line && *line; line = next) {
		struct swap_row r;
		char name[4 * PATH_MAX];

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!strncmp(line, "Filename", 8))
			continue;
		if (strlen(line) >= sizeof(name) ||
		    sscanf(line, "%s %15s %lu %lu %ld", name, r.type, &r.size_kb, &r.used_kb,
			   &r.prio) != 5)
			continue;
		unmangle(name);
		if (strlen(name) >= sizeof(r.name))
			continue;
		memcpy(r.name, name, strlen(name) + 1);
		if (nr == cap) {
			long ncap = cap ? cap * 2 : 8;
			struct swap_row *n = realloc(*rows, (size_t)ncap * sizeof(*n));
			if (!n) {
				free(text);
				free(*rows);
				*rows = NULL;
				cli_error(sh, "%s: out of memory", cmd);
				return -1;
			}
			*rows = n;
			cap = ncap;
		}
		(*rows)[nr++] = r;
	}
	free(text);
	return nr;
}

static int field_width(int w, const char *s)
{
	int n = (int)strlen(s);
	return n > w ? n : w;
}

/* swapon --show: NAME TYPE SIZE USED PRIO, as util-linux prints the table. */
static int swapon_show(struct cli_shell *sh, bool bytes)
{
	struct swap_row *rows;
	long nr = read_swaps(sh, "swapon", &rows);
	char(*sizes)[2][64];
	int wn = 4, wt = 4, ws = 4, wu = 4, wp = 4;

	if (nr < 0)
		return CLI_ERR;
	if (nr == 0) { /* util-linux prints nothing, not even the header */
		free(rows);
		return CLI_OK;
	}
	sizes = calloc((size_t)nr, sizeof(*sizes));
	if (!sizes) {
		free(rows);
		return cli_error(sh, "swapon: out of memory");
	}
	for (long i = 0; i < nr; i++) {
		char prio[24];
		uint64_t size = (uint64_t)rows[i].size_kb << 10,
			 used = (uint64_t)rows[i].used_kb << 10;
		if (bytes) {
			snprintf(sizes[i][0], sizeof(sizes[i][0]), "%llu",
				 (unsigned long long)size);
			snprintf(sizes[i][1], sizeof(sizes[i][1]), "%llu",
				 (unsigned long long)used);
		} else {
			human_size(size, false, sizes[i][0], sizeof(sizes[i][0]));
			human_size(used, false, sizes[i][1], sizeof(sizes[i][1]));
		}
		snprintf(prio, sizeof(prio), "%ld", rows[i].prio);
		wn = field_width(wn, rows[i].name);
		wt = field_width(wt, rows[i].type);
		ws = field_width(ws, sizes[i][0]);
		wu = field_width(wu, sizes[i][1]);
		wp = field_width(wp, prio);
	}
	fprintf(sh->out, "%-*s %-*s %*s %*s %*s\n", wn, "NAME", wt, "TYPE", ws, "SIZE", wu, "USED",
		wp, "PRIO");
	for (long i = 0; i < nr; i++)
		fprintf(sh->out, "%-*s %-*s %*s %*s %*ld\n", wn, rows[i].name, wt, rows[i].type, ws,
			sizes[i][0], wu, sizes[i][1], wp, rows[i].prio);
	free(sizes);
	free(rows);
	return CLI_OK;
}

/* ---- mkswap ------------------------------------------------------------------------------------ */

static int cmd_mkswap(struct cli_shell *sh, int argc, char **argv)
{
	const struct cli_cmd *me = &cli_cmd_mkswap;
	unsigned char hdr[1024 + 28];
	uint32_t last_page;
	uint64_t size, bytes;
	char human[64], abs[PATH_MAX];
	const char *path;
	bool created;
	int fd, err;

	if (argc != 3)
		return cli_usage(sh, me,
				 argc < 2 ? "missing FILE and SIZE" :
				 argc < 3 ? "missing SIZE" :
					    "too many arguments");
	path = argv[1];
	if (!*path)
		return cli_usage(sh, me, "empty file name");
	if (!cli_parse_size_expr(argv[2], &size))
		return cli_usage(sh, me, "invalid size '%s' (bytes, or with K, M, G)", argv[2]);
	if ((size >> KMM_PAGE_SHIFT) < 10)
		return swap_error(sh, "mkswap", path, "size", -KMM_EINVAL,
				  "a swap area needs at least 10 pages (40 KiB)");
	if ((size >> KMM_PAGE_SHIFT) - 1 > UINT32_MAX)
		return swap_error(sh, "mkswap", path, "size", -KMM_EFBIG,
				  "a swap area has at most 2^32 pages (16 TiB)");
	/* like mkswap(8), never rewrite an area the kernel is swapping on */
	if (host_path(path, abs, sizeof(abs))) {
		struct swap_row *rows;
		long nr = read_swaps(sh, "mkswap", &rows);
		bool busy = false;
		if (nr < 0)
			return CLI_ERR;
		for (long i = 0; i < nr; i++)
			busy |= !strcmp(rows[i].name, abs);
		free(rows);
		if (busy)
			return swap_error(sh, "mkswap", path, NULL, -KMM_EBUSY,
					  "swapping on it: swapoff it first");
	}
	/* a new file holds memory contents: only its owner may read it */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	created = fd >= 0;
	if (created)
		close(fd);
	err = kmm_mkswap(path, size);
	if (err) {
		if (created)
			unlink(path);
		return swap_error(sh, "mkswap", path, NULL, err, NULL);
	}

	/* what the header says, as mkswap(8) reports it */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || pread(fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr)) {
		err = -errno;
		if (fd >= 0)
			close(fd);
		return swap_error(sh, "mkswap", path, "cannot read the header back",
				  err ? err : -KMM_EIO, NULL);
	}
	close(fd);
	memcpy(&last_page, hdr + 1028, sizeof(last_page));
	bytes = (uint64_t)last_page << KMM_PAGE_SHIFT;
	human_size(bytes, true, human, sizeof(human));
	fprintf(sh->out, "Setting up swapspace version 1, size = %s (%llu bytes)\n", human,
		(unsigned long long)bytes);
	fprintf(sh->out, "no label, UUID=");
	for (int i = 0; i < 16; i++)
		fprintf(sh->out, "%s%02x", i == 4 || i == 6 || i == 8 || i == 10 ? "-" : "",
			hdr[1036 + i]);
	fputc('\n', sh->out);
	return CLI_OK;
}

const struct cli_cmd cli_cmd_mkswap = {
	.doc = {
		.name = "mkswap",
		.synopsis = "mkswap FILE SIZE",
		.summary = "make a host file a swap area of SIZE bytes",
		.description =
			"Creates the host file FILE (or truncates or extends it) to SIZE\n"
			"bytes, rounded down to whole 4 KiB pages, and writes Linux's swap\n"
			"header into its first page: the SWAPSPACE2 signature, version 1,\n"
			"the last page, no bad pages and a random UUID.  SIZE is in bytes,\n"
			"with K, M or G suffixes (mkswap(8) counts a bare number in 1 KiB\n"
			"blocks; here it is bytes, as everywhere in this shell); at least\n"
			"10 pages.  A new file is made readable by its owner only; a file\n"
			"the machine is swapping on is refused (EBUSY), as mkswap(8) does.\n"
			"\n"
			"Prints what mkswap(8) prints: the usable size (the first page is\n"
			"the header) and the UUID.  The file is not used until `swapon\n"
			"FILE`.  Errors name the file and the errno, e.g. `mkswap: f: size:\n"
			"Invalid argument (EINVAL): a swap area needs at least 10 pages`.",
		.examples = "mkswap /tmp/swap 64M\nswapon /tmp/swap",
	},
	.run = cmd_mkswap,
};

/* ---- swapon ------------------------------------------------------------------------------------ */

static int cmd_swapon(struct cli_shell *sh, int argc, char **argv)
{
	const struct cli_cmd *me = &cli_cmd_swapon;
	const char *file = NULL;
	bool show = false, bytes = false, summary = false;
	long prio = -1;
	char path[PATH_MAX], reason[512];
	size_t since;
	int err;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		if (!strcmp(a, "--show")) {
			show = true;
		} else if (!strcmp(a, "--bytes")) {
			bytes = true;
		} else if (!strcmp(a, "-s") || !strcmp(a, "--summary")) {
			summary = true;
		} else if (!strncmp(a, "prio=", 5) || !strncmp(a, "--priority=", 11) ||
			   !strcmp(a, "-p")) {
			val = a[0] == 'p'  ? a + 5 :
			      a[1] == '-'  ? a + 11 :
			      i + 1 < argc ? argv[++i] :
					     "";
			if (!cli_parse_long(val, &prio) || prio < 0 || prio > 32767)
				return cli_usage(sh, me, "invalid priority '%s' (0 to 32767)", val);
		} else if (a[0] == '-' && a[1]) {
			return cli_usage(sh, me, "unknown option '%s'", a);
		} else if (strchr(a, '=')) {
			return cli_usage(sh, me, "unknown option '%s'", a);
		} else if (file) {
			return cli_usage(sh, me, "unexpected argument '%s' (one FILE at a time)",
					 a);
		} else {
			file = a;
		}
	}
	if (summary) {
		long e;
		char *text;
		if (file || show || bytes || prio >= 0)
			return cli_usage(sh, me, "-s takes no other argument");
		text = cli_proc_read_all(sh->m, "/proc/swaps", &e);
		if (!text)
			return cli_error(sh, "swapon: /proc/swaps: %s", cli_strerror(e));
		fputs(text, sh->out);
		free(text);
		return CLI_OK;
	}
	if (!file) {
		if (prio >= 0)
			return cli_usage(sh, me, "a priority needs a FILE");
		return swapon_show(sh, bytes);
	}
	if (show || bytes)
		return cli_usage(sh, me, "--show and --bytes take no FILE");
	if (!*file || !host_path(file, path, sizeof(path)))
		return cli_usage(sh, me, "invalid file name '%s'", file);
	if (access(path, F_OK) < 0)
		return swap_error(sh, "swapon", file, "cannot open", -errno, NULL);
	since = log_length(sh->m);
	err = kmm_swapon(sh->m, path, (int)prio);
	if (err) {
		log_reason(sh->m, "swapon", path, since, reason, sizeof(reason));
		if (!reason[0] && err == -KMM_EBUSY)
			snprintf(reason, sizeof(reason), "already swapping on it");
		if (!reason[0] && err == -KMM_EPERM)
			snprintf(reason, sizeof(reason), "too many swap files");
		return swap_error(sh, "swapon", file, "swapon failed", err, reason);
	}
	return CLI_OK;
}

const struct cli_cmd cli_cmd_swapon = {
	.doc = {
		.name = "swapon",
		.synopsis = "swapon FILE [prio=N]\n"
			    "swapon [--show] [--bytes]\n"
			    "swapon -s",
		.summary = "start swapping to a file made by mkswap, or list swap areas",
		.description =
			"With FILE, turns swapping on to that host file, as swapon(8) and\n"
			"swapon(2) do: the kernel checks the header written by mkswap and\n"
			"from then on reclaim may write anonymous pages there (SwapTotal\n"
			"and SwapFree in /proc/meminfo grow by its size).  The file is\n"
			"named by its absolute path, which is what /proc/swaps shows.\n"
			"prio=N (also -p N) sets its priority, 0 to 32767: areas of higher\n"
			"priority fill first, equal ones in turn.  Without it the areas\n"
			"get -2, -3, ... in the order they were turned on.\n"
			"\n"
			"Without FILE (or with --show) lists the areas in use from\n"
			"/proc/swaps, in util-linux's table: NAME, TYPE, SIZE, USED (sizes\n"
			"like 64M; exact bytes with --bytes), PRIO.  With no area in use\n"
			"it prints nothing.  -s prints /proc/swaps as it is.\n"
			"\n"
			"Errors name the file, the errno and the kernel's reason: a file\n"
			"without a swap header (Invalid argument (EINVAL): Unable to find\n"
			"swap-space signature), one in use already (EBUSY), a missing file\n"
			"(ENOENT).",
		.examples =
			"mkswap /tmp/swap 64M\n"
			"swapon /tmp/swap prio=5\n"
			"swapon\n"
			"swapon --show --bytes",
	},
	.run = cmd_swapon,
};

/* ---- swapoff ------------------------------------------------------------------------------------ */

static int swapoff_one(struct cli_shell *sh, const char *file)
{
	char path[PATH_MAX], reason[512];
	size_t since;
	int err;

	if (!host_path(file, path, sizeof(path)))
		return cli_usage(sh, &cli_cmd_swapoff, "invalid file name '%s'", file);
	since = log_length(sh->m);
	err = kmm_swapoff(sh->m, path);
	if (!err)
		return CLI_OK;
	log_reason(sh->m, "swapoff", path, since, reason, sizeof(reason));
	return swap_error(sh, "swapoff", file, "swapoff failed", err, reason);
}

static int cmd_swapoff(struct cli_shell *sh, int argc, char **argv)
{
	const struct cli_cmd *me = &cli_cmd_swapoff;
	struct swap_row *rows;
	long nr;
	int rc = CLI_OK;

	if (argc != 2)
		return cli_usage(sh, me, argc < 2 ? "missing FILE" : "one FILE at a time");
	if (strcmp(argv[1], "-a") && strcmp(argv[1], "--all")) {
		if (argv[1][0] == '-' && argv[1][1])
			return cli_usage(sh, me, "unknown option '%s'", argv[1]);
		return swapoff_one(sh, argv[1]);
	}
	nr = read_swaps(sh, "swapoff", &rows);
	if (nr < 0)
		return CLI_ERR;
	for (long i = 0; i < nr && rc == CLI_OK; i++)
		rc = swapoff_one(sh, rows[i].name);
	free(rows);
	return rc;
}

const struct cli_cmd cli_cmd_swapoff = {
	.doc = {
		.name = "swapoff",
		.synopsis = "swapoff FILE\nswapoff -a",
		.summary = "stop swapping to a file: its pages come back into memory",
		.description =
			"Turns swapping off for FILE, as swapoff(2) does: every page out\n"
			"on it is read back into memory first (into each task's page\n"
			"tables and the swap cache; pswpin counts them), then the area is\n"
			"forgotten and leaves /proc/swaps.  If memory runs out meanwhile,\n"
			"or a page cannot be read, the area stays on and nothing is lost\n"
			"(ENOMEM, EIO).  A FILE that is not a swap area in use is EINVAL.\n"
			"-a turns every area off.  The host file stays: remove it yourself.",
		.examples = "swapoff /tmp/swap\nswapoff -a",
	},
	.run = cmd_swapoff,
};

/* ---- vmstat ------------------------------------------------------------------------------------- */

struct vm_sample {
	unsigned long mem_total, mem_free, mem_available, buffers, cached, sreclaimable;
	unsigned long active, inactive, swap_total, swap_free;
	unsigned long pgpgin, pgpgout, pswpin, pswpout;
	double t; /* seconds (monotonic) */
};

struct vm_field {
	const char *name;
	size_t off;
};

#define VMF(name, field)                                \
	{                                               \
		name, offsetof(struct vm_sample, field) \
	}

static const struct vm_field meminfo_fields[] = {
	VMF("MemTotal", mem_total),
	VMF("MemFree", mem_free),
	VMF("MemAvailable", mem_available),
	VMF("Buffers", buffers),
	VMF("Cached", cached),
	VMF("SReclaimable", sreclaimable),
	VMF("Active", active),
	VMF("Inactive", inactive),
	VMF("SwapTotal", swap_total),
	VMF("SwapFree", swap_free),
	{ NULL, 0 },
};

static const struct vm_field vmstat_fields[] = {
	VMF("pgpgin", pgpgin), VMF("pgpgout", pgpgout),
	VMF("pswpin", pswpin), VMF("pswpout", pswpout),
	{ NULL, 0 },
};

/*
 * Fill the @fields of @s from @path: lines "NAME: N kB" (meminfo) or
 * "NAME N" (vmstat).  false with sh->err set if a field is missing.
 */
static bool read_fields(struct cli_shell *sh, const char *path, const struct vm_field *fields,
			struct vm_sample *s)
{
	long err;
	char *text = cli_proc_read_all(sh->m, path, &err);
	unsigned found = 0, nr = 0;

	if (!text) {
		cli_error(sh, "vmstat: %s: %s", path, cli_strerror(err));
		return false;
	}
	for (const struct vm_field *f = fields; f->name; f++)
		nr++;
	for (const char *l = text; l && *l;) {
		size_t n = strcspn(l, ": \n");
		for (unsigned i = 0; i < nr; i++) {
			const struct vm_field *f = &fields[i];
			if (strlen(f->name) == n && !strncmp(l, f->name, n) &&
			    (l[n] == ':' || l[n] == ' ')) {
				*(unsigned long *)((char *)s + f->off) =
					strtoul(l + n + (l[n] == ':'), NULL, 10);
				found |= 1u << i;
			}
		}
		l = strchr(l, '\n');
		if (l)
			l++;
	}
	free(text);
	for (unsigned i = 0; i < nr; i++)
		if (!(found & (1u << i))) {
			cli_error(sh, "vmstat: %s: no %s line", path, fields[i].name);
			return false;
		}
	return true;
}

static bool vm_sample_read(struct cli_shell *sh, struct vm_sample *s)
{
	struct timespec ts;

	memset(s, 0, sizeof(*s));
	if (!read_fields(sh, "/proc/meminfo", meminfo_fields, s) ||
	    !read_fields(sh, "/proc/vmstat", vmstat_fields, s))
		return false;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	s->t = (double)ts.tv_sec + ts.tv_nsec / 1e9;
	return true;
}

static void vmstat_header(FILE *out, bool active)
{
	fprintf(out, "procs -----------memory---------- ---swap-- -----io---- -system-- "
		     "------cpu-----\n");
	fprintf(out, "%2s %2s %6s %6s %6s %6s %4s %4s %5s %5s %4s %4s %2s %2s %2s %2s %2s\n", "r",
		"b", "swpd", "free", active ? "inact" : "buff", active ? "active" : "cache", "si",
		"so", "bi", "bo", "in", "cs", "us", "sy", "id", "wa", "st");
}

/* (@now - @then) per @secs, rounded; counters never go back, but be safe. */
static unsigned long rate(unsigned long now, unsigned long then, double secs)
{
	if (now <= then)
		return 0;
	return (unsigned long)((double)(now - then) / secs + 0.5);
}

/* One line: @prev NULL for the first (totals since boot), else rates since @prev. */
static void vmstat_row(FILE *out, const struct vm_sample *s, const struct vm_sample *prev,
		       bool active)
{
	const unsigned long kb_per_page = KMM_PAGE_SIZE >> 10;
	unsigned long swpd = s->swap_total > s->swap_free ? s->swap_total - s->swap_free : 0;
	unsigned long si, so, bi, bo;

	if (!prev) {
		si = s->pswpin * kb_per_page;
		so = s->pswpout * kb_per_page;
		bi = s->pgpgin;
		bo = s->pgpgout;
	} else {
		double secs = s->t - prev->t > 1e-6 ? s->t - prev->t : 1e-6;
		si = rate(s->pswpin * kb_per_page, prev->pswpin * kb_per_page, secs);
		so = rate(s->pswpout * kb_per_page, prev->pswpout * kb_per_page, secs);
		bi = rate(s->pgpgin, prev->pgpgin, secs);
		bo = rate(s->pgpgout, prev->pgpgout, secs);
	}
	fprintf(out,
		"%2s %2s %6lu %6lu %6lu %6lu %4lu %4lu %5lu %5lu %4s %4s %2s %2s %2s %2s %2s\n",
		"-", "-", swpd, s->mem_free, active ? s->inactive : s->buffers,
		active ? s->active : s->cached + s->sreclaimable, si, so, bi, bo, "-", "-", "-",
		"-", "-", "-", "-");
	fflush(out);
}

/* vmstat -s: procps' event and memory listing, the lines kmm has a source for. */
static void vmstat_sum(FILE *out, const struct vm_sample *s)
{
	unsigned long used = s->mem_total > s->mem_available ? s->mem_total - s->mem_available : 0;

	fprintf(out, "%13lu K total memory\n", s->mem_total);
	fprintf(out, "%13lu K used memory\n", used);
	fprintf(out, "%13lu K active memory\n", s->active);
	fprintf(out, "%13lu K inactive memory\n", s->inactive);
	fprintf(out, "%13lu K free memory\n", s->mem_free);
	fprintf(out, "%13lu K buffer memory\n", s->buffers);
	fprintf(out, "%13lu K swap cache\n", s->cached + s->sreclaimable);
	fprintf(out, "%13lu K total swap\n", s->swap_total);
	fprintf(out, "%13lu K used swap\n",
		s->swap_total > s->swap_free ? s->swap_total - s->swap_free : 0);
	fprintf(out, "%13lu K free swap\n", s->swap_free);
	fprintf(out, "%13lu K paged in\n", s->pgpgin);
	fprintf(out, "%13lu K paged out\n", s->pgpgout);
	fprintf(out, "%13lu pages swapped in\n", s->pswpin);
	fprintf(out, "%13lu pages swapped out\n", s->pswpout);
}

/*
 * Wait @secs.  With @keys (a terminal in raw mode) q, Ctrl-C or Ctrl-D
 * ends the wait early and returns true (stop); other keys are ignored.
 */
static bool vmstat_wait(double secs, bool keys)
{
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		double left;
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = secs -
		       ((double)(now.tv_sec - start.tv_sec) + (now.tv_nsec - start.tv_nsec) / 1e9);
		if (left <= 0)
			return false;
		if (keys) {
			struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
			int n = poll(&pfd, 1, (int)(left * 1000) + 1);
			if (n < 0 && errno != EINTR)
				return true;
			if (n > 0) {
				char c;
				if (read(STDIN_FILENO, &c, 1) <= 0 || c == 'q' || c == 'Q' ||
				    c == 3 || c == 4)
					return true;
			}
		} else {
			struct timespec ts = { .tv_sec = (time_t)left,
					       .tv_nsec = (long)((left - (double)(time_t)left) *
								 1e9) };
			nanosleep(&ts, NULL);
		}
	}
}

static int cmd_vmstat(struct cli_shell *sh, int argc, char **argv)
{
	const struct cli_cmd *me = &cli_cmd_vmstat;
	bool active = false, sum = false, headers = true, live, keys;
	const char *pos[2] = { NULL, NULL };
	unsigned long count = 0;
	double delay = 0;
	int npos = 0, rc = CLI_OK, height = 21;
	struct vm_sample prev, cur;
	struct termios saved;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-a") || !strcmp(a, "--active"))
			active = true;
		else if (!strcmp(a, "-s") || !strcmp(a, "--stats"))
			sum = true;
		else if (!strcmp(a, "-n") || !strcmp(a, "--one-header"))
			headers = false;
		else if (a[0] == '-' && a[1])
			return cli_usage(sh, me, "unknown option '%s'", a);
		else if (npos == 2)
			return cli_usage(sh, me, "unexpected argument '%s'", a);
		else
			pos[npos++] = a;
	}
	if (sum) {
		if (npos || active || !headers)
			return cli_usage(sh, me, "-s takes no other argument");
		if (!vm_sample_read(sh, &cur))
			return CLI_ERR;
		vmstat_sum(sh->out, &cur);
		return CLI_OK;
	}
	if (pos[0]) {
		char *end;
		errno = 0;
		delay = strtod(pos[0], &end);
		if (errno || end == pos[0] || *end || !(delay > 0) || delay > 3600)
			return cli_usage(sh, me, "invalid delay '%s' (seconds, more than 0)",
					 pos[0]);
	}
	if (pos[1] && (!cli_parse_ulong(pos[1], &count) || count == 0))
		return cli_usage(sh, me, "invalid count '%s' (1 or more)", pos[1]);
	if (!pos[0])
		count = 1;
	live = sh->out == stdout && isatty(STDOUT_FILENO) && isatty(STDIN_FILENO);
	if (!count && !live)
		return cli_usage(sh, me,
				 "DELAY without COUNT repeats until q is pressed, which needs a "
				 "terminal: give a COUNT");

	if (!vm_sample_read(sh, &prev))
		return CLI_ERR;
	keys = live && count != 1 && tcgetattr(STDIN_FILENO, &saved) == 0;
	if (keys) {
		struct termios raw = saved;
		struct winsize ws;
		raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ISIG);
		raw.c_cc[VMIN] = 0;
		raw.c_cc[VTIME] = 0;
		tcsetattr(STDIN_FILENO, TCSANOW, &raw);
		if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 4)
			height = ws.ws_row - 3;
	}
	vmstat_header(sh->out, active);
	vmstat_row(sh->out, &prev, NULL, active);
	for (unsigned long i = 1; !count || i < count; i++) {
		if (vmstat_wait(delay, keys))
			break;
		if (!vm_sample_read(sh, &cur)) {
			rc = CLI_ERR;
			break;
		}
		if (headers && i % (unsigned long)height == 0)
			vmstat_header(sh->out, active);
		vmstat_row(sh->out, &cur, &prev, active);
		prev = cur;
	}
	if (keys)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	return rc;
}

const struct cli_cmd cli_cmd_vmstat = {
	.doc = {
		.name = "vmstat",
		.synopsis = "vmstat [-a] [-n] [DELAY [COUNT]]\nvmstat -s",
		.summary = "report memory, swap and I/O activity (like procps vmstat)",
		.description =
			"Prints procps vmstat's two header lines and one line of numbers,\n"
			"read from /proc/meminfo and /proc/vmstat as procps reads them.\n"
			"With DELAY (seconds, fractions allowed) it prints a line every\n"
			"DELAY seconds, COUNT lines in all; without COUNT it goes on until\n"
			"q or Ctrl-C is pressed (on a terminal; a script must give COUNT).\n"
			"The header is repeated every screenful unless -n.\n"
			"\n"
			"  swpd   swap in use: SwapTotal - SwapFree (KiB)\n"
			"  free   MemFree (KiB)\n"
			"  buff   Buffers (KiB)\n"
			"  cache  page cache: Cached + SReclaimable (KiB)\n"
			"  si so  memory swapped in from / out to swap: pswpin, pswpout\n"
			"         (pages, shown in KiB)\n"
			"  bi bo  KiB read / written by block I/O (swap and files): pgpgin,\n"
			"         pgpgout\n"
			"\n"
			"The first line's si, so, bi and bo are totals since boot (procps\n"
			"shows averages per second since boot, but kmm has no uptime to\n"
			"divide by); each following line shows KiB per second over the\n"
			"interval since the line before.  -a shows inact and active\n"
			"(Inactive, Active) instead of buff and cache.\n"
			"\n"
			"The columns kmm has no source for print '-' rather than a made-up\n"
			"number: r and b (a kmm task has no scheduler state: it runs only\n"
			"while a command acts on it), in and cs (no interrupts or context\n"
			"switches) and us, sy, id, wa, st (no CPU time accounting).\n"
			"\n"
			"vmstat -s lists procps' memory and event totals, the lines kmm\n"
			"counts: total, used (MemTotal - MemAvailable), active, inactive,\n"
			"free and buffer memory, 'swap cache' (procps' name for the page\n"
			"cache, Cached + SReclaimable), total, used and free swap, KiB paged\n"
			"in and out, pages swapped in and out.",
		.examples = "vmstat\nvmstat 1 5\nvmstat -a 0.5 10\nvmstat -s",
	},
	.run = cmd_vmstat,
};
