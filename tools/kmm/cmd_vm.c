/* SPDX-License-Identifier: MIT */
/*
 * tools/kmm/cmd_vm.c - the shell's virtual-memory commands: the memory
 * system calls of a task (mmap, munmap, mprotect, mremap, madvise, msync,
 * mlock, munlock, brk), memory access through the MMU (fill, check, write,
 * read) and the TLB counters (tlb).
 *
 * Every access goes through kmm_access(), so it faults pages in, breaks
 * copy-on-write and takes TLB misses as the task's own loads and stores
 * would.  A bad access kills the task: the kernel's "segfault at" report
 * is shown (from the log when the console is quiet) and the command fails.
 * A failing system call prints its errno: "mmap: Cannot allocate memory
 * (ENOMEM)".
 */
#include "cli.h"

#include "kmm/mm.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- argument helpers ------------------------------------------------------------------ */

static inline uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* Parse an ADDR/LEN/OFF argument or fail with a usage message. */
static bool parse_size(struct cli_shell *sh, const struct cli_cmd *me, const char *what,
		       const char *arg, uint64_t *out, int *rc)
{
	if (cli_parse_size_expr(arg, out))
		return true;
	*rc = cli_usage(sh, me, "invalid %s '%s'", what, arg);
	return false;
}

/* Store an address in $VAR (if as=VAR was given). */
static int store_addr(struct cli_shell *sh, const char *cmd, const char *var, uint64_t addr)
{
	char buf[32];

	if (!var)
		return CLI_OK;
	snprintf(buf, sizeof(buf), "%#llx", (unsigned long long)addr);
	if (!cli_var_set(sh, var, buf))
		return cli_error(sh, "%s: out of memory", cmd);
	return CLI_OK;
}

static bool valid_var(struct cli_shell *sh, const struct cli_cmd *me, const char *var, int *rc)
{
	if (cli_valid_var_name(var))
		return true;
	*rc = cli_usage(sh, me,
			"invalid variable name '%s' (a letter or _, then letters, digits or _; "
			"at most 31)",
			var);
	return false;
}

/*
 * Split "a,b|c" into words and look each up in @names (case-insensitive,
 * an optional @prefix such as "MAP_" allowed): the OR of their values.
 * False (with *bad the unknown word) if one is not a name.
 */
struct named_flag {
	const char *name;
	int value;
};

static bool parse_flag_list(const char *s, const char *prefix, const struct named_flag *names,
			    int *out, char *bad, size_t badlen)
{
	int v = 0;

	while (*s) {
		size_t n = strcspn(s, ",|");
		size_t plen = strlen(prefix);
		const char *w = s;
		size_t wn = n;
		bool found = false;

		if (wn > plen && !strncasecmp(w, prefix, plen)) {
			w += plen;
			wn -= plen;
		}
		for (const struct named_flag *f = names; f->name; f++) {
			if (strlen(f->name) == wn && !strncasecmp(f->name, w, wn)) {
				v |= f->value;
				found = true;
				break;
			}
		}
		if (!found) {
			snprintf(bad, badlen, "%.*s", (int)n, s);
			return false;
		}
		s += n;
		if (*s)
			s++;
	}
	*out = v;
	return true;
}

/* "rwx", "r-x", "rw", "none": PROT_* bits; -1 if malformed. */
static int parse_prot(const char *s)
{
	int prot = 0;

	if (!strcasecmp(s, "none"))
		return KMM_PROT_NONE;
	if (!*s)
		return -1;
	for (; *s; s++) {
		int bit = *s == 'r' ? KMM_PROT_READ :
			  *s == 'w' ? KMM_PROT_WRITE :
			  *s == 'x' ? KMM_PROT_EXEC :
			  *s == '-' ? 0 :
				      -1;
		if (bit < 0 || (bit & prot))
			return -1;
		prot |= bit;
	}
	return prot;
}

/* ---- killed tasks ----------------------------------------------------------------------- */

/*
 * Print the kernel's report of @t's death ("app[3]: segfault at ...") from
 * the log if the console did not show it (quiet).
 */
static void show_kill_report(struct cli_shell *sh, struct kmm_task *t, unsigned long lines_before)
{
	char needle[64], *log, *last = NULL;
	size_t n;

	if (sh->con && sh->con->nr_lines != lines_before)
		return;
	log = malloc(KMM_LOG_BUF_SIZE + 1);
	if (!log)
		return;
	n = kmm_log_read(sh->m, log, KMM_LOG_BUF_SIZE + 1);
	log[n] = '\0';
	snprintf(needle, sizeof(needle), "%s[%d]: ", kmm_task_comm(t), kmm_task_pid(t));
	for (char *s = log; (s = strstr(s, needle)); s++)
		if (!strncmp(s + strlen(needle), "segfault at", 11) ||
		    !strncmp(s + strlen(needle), "bus error at", 12))
			last = s;
	if (last) {
		FILE *fp = sh->con && sh->con->fp ? sh->con->fp : stdout;
		while (last > log && last[-1] != '\n')
			last--;
		fflush(sh->out);
		fprintf(fp, "%.*s\n", (int)strcspn(last, "\n"), last);
		fflush(fp);
	}
	free(log);
}

/* An access of @t failed with @err: report the death or the errno. */
static int access_error(struct cli_shell *sh, const char *cmd, struct kmm_task *t, int err,
			unsigned long lines_before)
{
	int sig = kmm_task_signal(t);

	if (err == -KMM_EFAULT && sig) {
		const char *name = cli_signal_name(sig);
		show_kill_report(sh, t, lines_before);
		if (name)
			return cli_error(sh, "%s: task %d (%s) killed by %s", cmd, kmm_task_pid(t),
					 kmm_task_comm(t), name);
		return cli_error(sh, "%s: task %d (%s) killed by signal %d", cmd, kmm_task_pid(t),
				 kmm_task_comm(t), sig);
	}
	return cli_errno_error(sh, cmd, err);
}

static unsigned long console_lines(struct cli_shell *sh)
{
	return sh->con ? sh->con->nr_lines : 0;
}

/* ---- mmap ------------------------------------------------------------------------------ */

static const struct named_flag map_flags[] = {
	{ "private", KMM_MAP_PRIVATE },
	{ "shared", KMM_MAP_SHARED },
	{ "shared_validate", KMM_MAP_SHARED_VALIDATE },
	{ "anon", KMM_MAP_ANONYMOUS },
	{ "anonymous", KMM_MAP_ANONYMOUS },
	{ "fixed", KMM_MAP_FIXED },
	{ "fixed_noreplace", KMM_MAP_FIXED_NOREPLACE },
	{ "populate", KMM_MAP_POPULATE },
	{ "noreserve", KMM_MAP_NORESERVE },
	{ "growsdown", KMM_MAP_GROWSDOWN },
	{ "locked", KMM_MAP_LOCKED },
	{ NULL, 0 },
};

static int cmd_mmap(struct cli_shell *sh, int argc, char **argv)
{
	const struct cli_cmd *me = &cli_cmd_mmap;
	const char *pos[2] = { NULL, NULL }, *file = NULL, *var = NULL;
	int npos = 0, prot = KMM_PROT_READ | KMM_PROT_WRITE, flags = 0, rc = CLI_ERR, fd = -1;
	uint64_t len, off = 0, addr = 0;
	bool have_off = false;
	struct kmm_task *t;
	char bad[64];
	long ret;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strncmp(a, "prot=", 5)) {
			if ((prot = parse_prot(a + 5)) < 0)
				return cli_usage(
					sh, me, "invalid protection '%s' (r, w, x or none)", a + 5);
		} else if (!strncmp(a, "flags=", 6)) {
			int more;
			/* flags= given twice adds up */
			if (!parse_flag_list(a + 6, "MAP_", map_flags, &more, bad, sizeof(bad)))
				return cli_usage(sh, me, "unknown flag '%s'", bad);
			flags |= more;
		} else if (!strncmp(a, "file=", 5)) {
			file = a + 5;
			if (!*file)
				return cli_usage(sh, me, "empty file name");
		} else if (!strncmp(a, "off=", 4)) {
			if (!parse_size(sh, me, "offset", a + 4, &off, &rc))
				return rc;
			have_off = true;
		} else if (!strncmp(a, "at=", 3)) {
			if (!parse_size(sh, me, "address", a + 3, &addr, &rc))
				return rc;
		} else if (!strncmp(a, "as=", 3)) {
			var = a + 3;
			if (!valid_var(sh, me, var, &rc))
				return rc;
		} else if (strchr(a, '=') || npos == 2) {
			return cli_usage(sh, me, "unexpected argument '%s'", a);
		} else {
			pos[npos++] = a;
		}
	}
	if (npos < 2)
		return cli_usage(sh, me, "missing %s", npos ? "LEN" : "TASK");
	if (!parse_size(sh, me, "length", pos[1], &len, &rc))
		return rc;
	if (have_off && !file)
		return cli_usage(sh, me, "off= needs file=");
	if (file && (flags & KMM_MAP_ANONYMOUS))
		return cli_usage(sh, me, "file= and flags=anon exclude each other");
	if (!(flags & KMM_MAP_TYPE))
		flags |= KMM_MAP_PRIVATE;
	if (!file)
		flags |= KMM_MAP_ANONYMOUS;
	if (!(t = cli_task_arg(sh, "mmap", pos[0])))
		return CLI_ERR;

	if (file) {
		/* the task opens the host file, as the program would before mmap */
		char *abs = realpath(file, NULL);
		bool rw = (flags & KMM_MAP_TYPE) != KMM_MAP_PRIVATE && (prot & KMM_PROT_WRITE);
		if (!abs)
			return cli_error(sh, "mmap: %s: %s", file, strerror(errno));
		fd = kmm_open(t, abs, rw ? KMM_O_RDWR : KMM_O_RDONLY);
		free(abs);
		if (fd < 0)
			return cli_errno_error(sh, "mmap: open", fd);
	}
	ret = kmm_mmap(t, addr, len, prot, flags, fd, off);
	if (fd >= 0)
		kmm_close(t, fd); /* the mapping keeps the file */
	if (ret < 0)
		return cli_errno_error(sh, "mmap", ret);
	fprintf(sh->out, "%#lx\n", (unsigned long)ret);
	return store_addr(sh, "mmap", var, (uint64_t)ret);
}

const struct cli_cmd cli_cmd_mmap = {
	.doc = {
		.name = "mmap",
		.synopsis = "mmap TASK LEN [prot=rwx|r|rw|none] [flags=FLAG,...] [file=PATH [off=N]]\n"
			    "     [at=ADDR] [as=VAR]",
		.summary = "map memory into a task's address space",
		.description =
			"Calls mmap(ADDR, LEN, PROT, FLAGS, fd, OFF) in TASK and prints the\n"
			"address of the new mapping (kept in $VAR with as=VAR).  LEN and\n"
			"OFF take K, M and G suffixes; LEN is rounded up to whole pages.\n"
			"\n"
			"prot= is any of r, w, x (default rw), or none.  flags= is a list of\n"
			"private (default), shared, anon, fixed, fixed_noreplace, populate,\n"
			"noreserve, growsdown and locked, joined by ',' or '|' (MAP_SHARED\n"
			"spellings work too).  Without file= the mapping is anonymous;\n"
			"shared anonymous memory shows as /dev/zero (deleted) in\n"
			"/proc/PID/maps.  With file= the task opens the host file PATH (it\n"
			"must exist; read-write for a shared writable mapping) and maps it\n"
			"from byte OFF (page aligned): pages come from the machine's page\n"
			"cache, and writes to a shared mapping reach the file (see msync).\n"
			"at= is a hint, or the exact address with fixed.\n"
			"\n"
			"Memory is not touched: pages are faulted in by the first access\n"
			"(fill, write, read), unless populate or locked.  Failures print\n"
			"the errno, e.g. `mmap: Cannot allocate memory (ENOMEM)` when\n"
			"vm.overcommit_memory=2 refuses the commit charge.",
		.examples =
			"mmap $A 1M as=buf\n"
			"mmap $A 64K prot=r flags=shared,populate\n"
			"mmap $A 8K prot=rw flags=shared file=/tmp/data off=4K as=f\n"
			"mmap $A 4K flags=fixed at=0x10000000",
	},
	.run = cmd_mmap,
};

/* ---- munmap, mprotect, mlock, munlock: TASK ADDR LEN [...] ------------------------------- */

/* Parse "TASK ADDR LEN" at argv[1..3]; the extra arguments are left to the caller. */
static struct kmm_task *task_range(struct cli_shell *sh, const struct cli_cmd *me, int argc,
				   char **argv, int min_argc, int max_argc, uint64_t *addr,
				   uint64_t *len, int *rc)
{
	*rc = CLI_ERR;
	if (argc < min_argc) {
		*rc = cli_usage(sh, me, "missing %s",
				argc < 2 ? "TASK" :
				argc < 3 ? "ADDR" :
				argc < 4 ? "LEN" :
					   "an argument");
		return NULL;
	}
	if (argc > max_argc) {
		*rc = cli_usage(sh, me, "unexpected argument '%s'", argv[max_argc]);
		return NULL;
	}
	if (!parse_size(sh, me, "address", argv[2], addr, rc) ||
	    !parse_size(sh, me, "length", argv[3], len, rc))
		return NULL;
	return cli_task_arg(sh, me->doc.name, argv[1]);
}

static int cmd_munmap(struct cli_shell *sh, int argc, char **argv)
{
	uint64_t addr, len;
	int rc, err;
	struct kmm_task *t = task_range(sh, &cli_cmd_munmap, argc, argv, 4, 4, &addr, &len, &rc);

	if (!t)
		return rc;
	err = kmm_munmap(t, addr, len);
	return err ? cli_errno_error(sh, "munmap", err) : CLI_OK;
}

const struct cli_cmd cli_cmd_munmap = {
	.doc = {
		.name = "munmap",
		.synopsis = "munmap TASK ADDR LEN",
		.summary = "unmap a range of a task's address space",
		.description =
			"Calls munmap(ADDR, LEN) in TASK: every mapping in the range goes\n"
			"(a mapping that straddles an end is split), its pages are\n"
			"released and page tables no longer needed are freed.  Dirty\n"
			"pages of a shared file mapping are written to the file.  ADDR\n"
			"must be page aligned (EINVAL); unmapping a hole is not an error.",
		.examples = "munmap $A $buf 1M\nmunmap $A $buf+4K 4K",
	},
	.run = cmd_munmap,
};

static int cmd_mprotect(struct cli_shell *sh, int argc, char **argv)
{
	const struct cli_cmd *me = &cli_cmd_mprotect;
	uint64_t addr, len;
	int rc, err, prot;
	struct kmm_task *t = task_range(sh, me, argc, argv, 5, 5, &addr, &len, &rc);

	if (!t)
		return rc;
	if ((prot = parse_prot(argv[4])) < 0)
		return cli_usage(sh, me, "invalid protection '%s' (r, w, x or none)", argv[4]);
	err = kmm_mprotect(t, addr, len, prot);
	return err ? cli_errno_error(sh, "mprotect", err) : CLI_OK;
}

const struct cli_cmd cli_cmd_mprotect = {
	.doc = {
		.name = "mprotect",
		.synopsis = "mprotect TASK ADDR LEN PROT",
		.summary = "change the protection of a range (r, w, x or none)",
		.description =
			"Calls mprotect(ADDR, LEN, PROT) in TASK: PROT is any of r, w, x, or\n"
			"none.  Mappings are split where the range cuts them and merged\n"
			"again with equal neighbours; the PTEs and every CPU's TLB follow.\n"
			"An access the new protection forbids kills the task (SIGSEGV).\n"
			"ENOMEM if part of the range is unmapped, EACCES if a shared file\n"
			"opened read-only would become writable.",
		.examples = "mprotect $A $buf 4K r\nwrite $A $buf x    # fails: segfault",
	},
	.run = cmd_mprotect,
};

static int cmd_mlock(struct cli_shell *sh, int argc, char **argv)
{
	const struct cli_cmd *me = &cli_cmd_mlock;
	uint64_t addr, len;
	int rc, err, flags = 0;
	struct kmm_task *t = task_range(sh, me, argc, argv, 4, 5, &addr, &len, &rc);

	if (!t)
		return rc;
	if (argc == 5) {
		if (strcmp(argv[4], "onfault"))
			return cli_usage(sh, me, "unexpected argument '%s'", argv[4]);
		flags = KMM_MLOCK_ONFAULT;
	}
	err = kmm_mlock(t, addr, len, flags);
	return err ? cli_errno_error(sh, "mlock", err) : CLI_OK;
}

const struct cli_cmd cli_cmd_mlock = {
	.doc = {
		.name = "mlock",
		.synopsis = "mlock TASK ADDR LEN [onfault]",
		.summary = "lock a range in memory (fault it all in now)",
		.description =
			"Calls mlock2(ADDR, LEN, 0) in TASK: the range is faulted in at once\n"
			"and its pages count in VmLck (/proc/PID/status) and Locked\n"
			"(smaps).  With onfault (MLOCK_ONFAULT) pages are locked as they\n"
			"are faulted in instead.  munlock undoes it.",
		.examples = "mlock $A $buf 64K\nmlock $A $buf 1M onfault",
	},
	.run = cmd_mlock,
};

static int cmd_munlock(struct cli_shell *sh, int argc, char **argv)
{
	uint64_t addr, len;
	int rc, err;
	struct kmm_task *t = task_range(sh, &cli_cmd_munlock, argc, argv, 4, 4, &addr, &len, &rc);

	if (!t)
		return rc;
	err = kmm_munlock(t, addr, len);
	return err ? cli_errno_error(sh, "munlock", err) : CLI_OK;
}

const struct cli_cmd cli_cmd_munlock = {
	.doc = {
		.name = "munlock",
		.synopsis = "munlock TASK ADDR LEN",
		.summary = "unlock a range locked by mlock",
		.description = "Calls munlock(ADDR, LEN) in TASK.",
		.examples = "munlock $A $buf 64K",
	},
	.run = cmd_munlock,
};

/* ---- madvise, msync ----------------------------------------------------------------------- */

static const struct named_flag madv_names[] = {
	{ "normal", KMM_MADV_NORMAL },
	{ "random", KMM_MADV_RANDOM },
	{ "sequential", KMM_MADV_SEQUENTIAL },
	{ "willneed", KMM_MADV_WILLNEED },
	{ "dontneed", KMM_MADV_DONTNEED },
	{ "free", KMM_MADV_FREE },
	{ "hugepage", KMM_MADV_HUGEPAGE },
	{ "nohugepage", KMM_MADV_NOHUGEPAGE },
	{ NULL, 0 },
};

static int cmd_madvise(struct cli_shell *sh, int argc, char **argv)
{
	const struct cli_cmd *me = &cli_cmd_madvise;
	uint64_t addr, len;
	int rc, err, advice = -1;
	struct kmm_task *t = task_range(sh, me, argc, argv, 5, 5, &addr, &len, &rc);
	const char *a;

	if (!t)
		return rc;
	a = argv[4];
	if (!strncasecmp(a, "MADV_", 5))
		a += 5;
	for (const struct named_flag *f = madv_names; f->name; f++)
		if (!strcasecmp(f->name, a))
			advice = f->value;
	if (advice < 0)
		return cli_usage(sh, me, "unknown advice '%s'", argv[4]);
	err = kmm_madvise(t, addr, len, advice);
	return err ? cli_errno_error(sh, "madvise", err) : CLI_OK;
}

const struct cli_cmd cli_cmd_madvise = {
	.doc = {
		.name = "madvise",
		.synopsis = "madvise TASK ADDR LEN ADVICE",
		.summary = "advise the kernel about a range (dontneed, free, willneed, ...)",
		.description =
			"Calls madvise(ADDR, LEN, MADV_ADVICE) in TASK.  ADVICE is one of:\n"
			"  dontneed    drop the pages now: anonymous memory reads as zeroes\n"
			"              afterwards, private file mappings reread the file\n"
			"  free        the pages may be reclaimed lazily (LazyFree in smaps)\n"
			"              unless written again first\n"
			"  willneed    read file pages into the page cache ahead of use\n"
			"  hugepage, nohugepage, normal, random, sequential\n"
			"              set VMA flags (hg, nh, rr, sr in smaps' VmFlags)",
		.examples = "madvise $A $buf 1M dontneed\nmadvise $A $buf 1M sequential",
	},
	.run = cmd_madvise,
};

static const struct named_flag msync_names[] = {
	{ "sync", KMM_MS_SYNC },
	{ "async", KMM_MS_ASYNC },
	{ "invalidate", KMM_MS_INVALIDATE },
	{ NULL, 0 },
};

static int cmd_msync(struct cli_shell *sh, int argc, char **argv)
{
	const struct cli_cmd *me = &cli_cmd_msync;
	uint64_t addr, len;
	int rc, err, flags = KMM_MS_SYNC;
	struct kmm_task *t = task_range(sh, me, argc, argv, 4, 5, &addr, &len, &rc);
	char bad[64];

	if (!t)
		return rc;
	if (argc == 5 && !parse_flag_list(argv[4], "MS_", msync_names, &flags, bad, sizeof(bad)))
		return cli_usage(sh, me, "unknown flag '%s'", bad);
	err = kmm_msync(t, addr, len, flags);
	return err ? cli_errno_error(sh, "msync", err) : CLI_OK;
}

const struct cli_cmd cli_cmd_msync = {
	.doc = {
		.name = "msync",
		.synopsis = "msync TASK ADDR LEN [sync|async|invalidate]",
		.summary = "write a shared file mapping's dirty pages to the file",
		.description =
			"Calls msync(ADDR, LEN, MS_FLAGS) in TASK (default MS_SYNC: the dirty\n"
			"pages of shared file mappings in the range are written to the\n"
			"host file before it returns).  Flags may be combined with ','.\n"
			"ENOMEM if part of the range is unmapped; a write error of the\n"
			"file is reported (EIO).",
		.examples = "write $A $f hello\nmsync $A $f 4K\nmsync $A $f 4K async",
	},
	.run = cmd_msync,
};

/* ---- mremap ---------------------------------------------------------------------------------- */

static int cmd_mremap(struct cli_shell *sh, int argc, char **argv)
{
	const struct cli_cmd *me = &cli_cmd_mremap;
	const char *pos[4] = { NULL }, *var = NULL;
	uint64_t addr, oldlen, newlen, new_addr = 0;
	int npos = 0, flags = 0, rc = CLI_ERR;
	struct kmm_task *t;
	long ret;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "maymove")) {
			flags |= KMM_MREMAP_MAYMOVE;
		} else if (!strcmp(a, "dontunmap")) {
			flags |= KMM_MREMAP_DONTUNMAP;
		} else if (!strncmp(a, "fixed=", 6)) {
			if (!parse_size(sh, me, "address", a + 6, &new_addr, &rc))
				return rc;
			flags |= KMM_MREMAP_FIXED;
		} else if (!strncmp(a, "as=", 3)) {
			var = a + 3;
			if (!valid_var(sh, me, var, &rc))
				return rc;
		} else if (strchr(a, '=') || npos == 4) {
			return cli_usage(sh, me, "unexpected argument '%s'", a);
		} else {
			pos[npos++] = a;
		}
	}
	if (npos < 4)
		return cli_usage(sh, me, "missing %s",
				 npos < 1 ? "TASK" :
				 npos < 2 ? "ADDR" :
				 npos < 3 ? "OLDLEN" :
					    "NEWLEN");
	if (!parse_size(sh, me, "address", pos[1], &addr, &rc) ||
	    !parse_size(sh, me, "length", pos[2], &oldlen, &rc) ||
	    !parse_size(sh, me, "length", pos[3], &newlen, &rc))
		return rc;
	if (!(t = cli_task_arg(sh, "mremap", pos[0])))
		return CLI_ERR;
	ret = kmm_mremap(t, addr, oldlen, newlen, flags, new_addr);
	if (ret < 0)
		return cli_errno_error(sh, "mremap", ret);
	fprintf(sh->out, "%#lx\n", (unsigned long)ret);
	return store_addr(sh, "mremap", var, (uint64_t)ret);
}

const struct cli_cmd cli_cmd_mremap = {
	.doc = {
		.name = "mremap",
		.synopsis = "mremap TASK ADDR OLDLEN NEWLEN [maymove] [fixed=ADDR] [dontunmap] [as=VAR]",
		.summary = "grow, shrink or move a mapping",
		.description =
			"Calls mremap(ADDR, OLDLEN, NEWLEN, FLAGS, NEWADDR) in TASK and prints\n"
			"the mapping's address afterwards (kept in $VAR with as=VAR).  A\n"
			"mapping grows in place if the addresses above it are free; with\n"
			"maymove it may move elsewhere instead, its pages moving with it\n"
			"(no copy).  fixed=ADDR (with maymove) moves it to ADDR; dontunmap\n"
			"leaves the old range mapped but empty.  ENOMEM if it can neither\n"
			"grow nor move.",
		.examples = "mremap $A $buf 64K 1M maymove as=buf\nmremap $A $buf 1M 64K",
	},
	.run = cmd_mremap,
};

/* ---- brk ------------------------------------------------------------------------------------- */

static int cmd_brk(struct cli_shell *sh, int argc, char **argv)
{
	const struct cli_cmd *me = &cli_cmd_brk;
	uint64_t cur, want, delta;
	struct kmm_task *t;
	long ret;
	int rc = CLI_ERR;

	if (argc < 2)
		return cli_usage(sh, me, "missing TASK");
	if (argc > 3)
		return cli_usage(sh, me, "unexpected argument '%s'", argv[3]);
	if (!(t = cli_task_arg(sh, "brk", argv[1])))
		return CLI_ERR;
	ret = kmm_brk(t, 0);
	if (ret < 0)
		return cli_errno_error(sh, "brk", ret);
	cur = (uint64_t)ret;
	if (argc == 2) {
		fprintf(sh->out, "%#llx\n", (unsigned long long)cur);
		return CLI_OK;
	}
	if (argv[2][0] == '+' || argv[2][0] == '-') {
		if (!parse_size(sh, me, "increment", argv[2] + 1, &delta, &rc))
			return rc;
		if (argv[2][0] == '+' ? delta > UINT64_MAX - cur : delta > cur)
			return cli_errno_error(sh, "brk", -KMM_ENOMEM);
		want = argv[2][0] == '+' ? cur + delta : cur - delta;
	} else if (!parse_size(sh, me, "address", argv[2], &want, &rc)) {
		return rc;
	}
	ret = kmm_brk(t, want);
	if (ret < 0)
		return cli_errno_error(sh, "brk", ret);
	/* brk() fails by leaving the break where it was (glibc: ENOMEM) */
	if ((uint64_t)ret != want)
		return cli_errno_error(sh, "brk", -KMM_ENOMEM);
	fprintf(sh->out, "%#llx\n", (unsigned long long)ret);
	return CLI_OK;
}

const struct cli_cmd cli_cmd_brk = {
	.doc = {
		.name = "brk",
		.synopsis = "brk TASK [ADDR|+N|-N]",
		.summary = "show or move a task's program break (its heap)",
		.description =
			"Without ADDR prints TASK's current break.  With ADDR calls brk(ADDR);\n"
			"+N and -N move the break by N bytes (sbrk).  Prints the new break.\n"
			"The heap is the anonymous mapping between the start of the break\n"
			"and the break, [heap] in /proc/PID/maps.  The break cannot move\n"
			"below its start, or into another mapping (ENOMEM).",
		.examples = "brk $A\nbrk $A +64K\nbrk $A -16K",
	},
	.run = cmd_brk,
};

/* ---- fill, check: a deterministic pattern ----------------------------------------------------- */

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

/* Byte @off (from the start of the range) of the pattern of @seed. */
static inline unsigned char pattern_byte(uint64_t seed, uint64_t off)
{
	return (unsigned char)(mix64(seed * 0x9e3779b97f4a7c15ULL + (off >> 3) + 1) >>
			       ((off & 7) * 8));
}

static void pattern_fill(unsigned char *buf, size_t n, uint64_t seed, uint64_t off)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = pattern_byte(seed, off + i);
}

#define ACCESS_CHUNK (64u << 10)

struct pattern_args {
	struct kmm_task *t;
	uint64_t addr, len;
	unsigned long seed;
};

static int parse_pattern(struct cli_shell *sh, const struct cli_cmd *me, int argc, char **argv,
			 struct pattern_args *p)
{
	int rc = CLI_ERR;

	if (argc < 5)
		return cli_usage(sh, me, "missing %s",
				 argc < 2 ? "TASK" :
				 argc < 3 ? "ADDR" :
				 argc < 4 ? "LEN" :
					    "SEED");
	if (argc > 5)
		return cli_usage(sh, me, "unexpected argument '%s'", argv[5]);
	if (!parse_size(sh, me, "address", argv[2], &p->addr, &rc) ||
	    !parse_size(sh, me, "length", argv[3], &p->len, &rc))
		return rc;
	if (!cli_parse_ulong(argv[4], &p->seed))
		return cli_usage(sh, me, "invalid seed '%s' (a number)", argv[4]);
	if (!(p->t = cli_task_arg(sh, me->doc.name, argv[1])))
		return CLI_ERR;
	return CLI_OK;
}

static int cmd_fill(struct cli_shell *sh, int argc, char **argv)
{
	struct pattern_args p;
	unsigned char *buf;
	unsigned long lines = console_lines(sh);
	int rc = parse_pattern(sh, &cli_cmd_fill, argc, argv, &p);

	if (rc)
		return rc;
	buf = malloc(ACCESS_CHUNK);
	if (!buf)
		return cli_error(sh, "fill: out of memory");
	for (uint64_t done = 0; done < p.len;) {
		size_t n = (size_t)min_u64(ACCESS_CHUNK, p.len - done);
		int err;

		pattern_fill(buf, n, p.seed, done);
		err = kmm_access(p.t, p.addr + done, buf, n, KMM_ACCESS_WRITE);
		if (err) {
			free(buf);
			return access_error(sh, "fill", p.t, err, lines);
		}
		done += n;
	}
	free(buf);
	return CLI_OK;
}

const struct cli_cmd cli_cmd_fill = {
	.doc = {
		.name = "fill",
		.synopsis = "fill TASK ADDR LEN SEED",
		.summary = "write a pseudo-random pattern into a task's memory",
		.description =
			"Writes LEN bytes at ADDR in TASK, through the MMU as the task's own\n"
			"stores would: pages are faulted in, copy-on-write pages copied.\n"
			"Byte i of the pattern depends only on SEED (a number) and i, its\n"
			"offset from ADDR, so `check TASK ADDR LEN SEED` can verify it,\n"
			"also after a fork, mremap or in another task mapping the same\n"
			"file.  An address the task may not write kills it (SIGSEGV): the\n"
			"kernel's segfault report is shown and the command fails.",
		.examples = "fill $A $buf 1M 42\ncheck $A $buf 1M 42",
	},
	.run = cmd_fill,
};

static int cmd_check(struct cli_shell *sh, int argc, char **argv)
{
	struct pattern_args p;
	unsigned char *buf;
	unsigned long lines = console_lines(sh);
	int rc = parse_pattern(sh, &cli_cmd_check, argc, argv, &p);

	if (rc)
		return rc;
	buf = malloc(ACCESS_CHUNK);
	if (!buf)
		return cli_error(sh, "check: out of memory");
	for (uint64_t done = 0; done < p.len;) {
		size_t n = (size_t)min_u64(ACCESS_CHUNK, p.len - done);
		int err = kmm_access(p.t, p.addr + done, buf, n, KMM_ACCESS_READ);

		if (err) {
			free(buf);
			return access_error(sh, "check", p.t, err, lines);
		}
		for (size_t i = 0; i < n; i++) {
			unsigned char want = pattern_byte(p.seed, done + i);
			if (buf[i] != want) {
				unsigned char got = buf[i];
				free(buf);
				return cli_error(sh,
						 "check: mismatch at %#llx (offset %llu): expected "
						 "0x%02x, found 0x%02x",
						 (unsigned long long)(p.addr + done + i),
						 (unsigned long long)(done + i), want, got);
			}
		}
		done += n;
	}
	free(buf);
	return CLI_OK;
}

const struct cli_cmd cli_cmd_check = {
	.doc = {
		.name = "check",
		.synopsis = "check TASK ADDR LEN SEED",
		.summary = "verify the pattern fill wrote (fails at the first bad byte)",
		.description =
			"Reads LEN bytes at ADDR in TASK through the MMU and compares them\n"
			"with the pattern `fill TASK ADDR LEN SEED` writes.  Silent if all\n"
			"match; otherwise the command fails with the first bad address,\n"
			"its offset, and the expected and found bytes (a script stops\n"
			"there with status 1).  Reading untouched anonymous memory maps\n"
			"the shared zero page: it reads as zeroes.",
		.examples = "check $A $buf 1M 42\ncheck $C $buf 1M 42    # the child after fork",
	},
	.run = cmd_check,
};

/* ---- write, read --------------------------------------------------------------------------------- */

static int cmd_write(struct cli_shell *sh, int argc, char **argv)
{
	const struct cli_cmd *me = &cli_cmd_write;
	unsigned long lines = console_lines(sh);
	struct kmm_task *t;
	uint64_t addr;
	size_t len = 0, off = 0;
	char *text;
	int rc = CLI_ERR, err;

	if (argc < 4)
		return cli_usage(sh, me, "missing %s",
				 argc < 2 ? "TASK" :
				 argc < 3 ? "ADDR" :
					    "STRING");
	if (!parse_size(sh, me, "address", argv[2], &addr, &rc))
		return rc;
	if (!(t = cli_task_arg(sh, "write", argv[1])))
		return CLI_ERR;
	/* the words joined by single spaces, as echo joins them */
	for (int i = 3; i < argc; i++)
		len += strlen(argv[i]) + (i > 3);
	text = malloc(len + 1);
	if (!text)
		return cli_error(sh, "write: out of memory");
	for (int i = 3; i < argc; i++)
		off += (size_t)sprintf(text + off, "%s%s", i > 3 ? " " : "", argv[i]);
	err = len ? kmm_access(t, addr, text, len, KMM_ACCESS_WRITE) : 0;
	free(text);
	return err ? access_error(sh, "write", t, err, lines) : CLI_OK;
}

const struct cli_cmd cli_cmd_write = {
	.doc = {
		.name = "write",
		.synopsis = "write TASK ADDR STRING...",
		.summary = "store a string in a task's memory",
		.description =
			"Writes the bytes of STRING (several are joined by single spaces;\n"
			"no terminating NUL) at ADDR in TASK, through the MMU.  Quote a\n"
			"STRING with blanks.  A bad address kills the task (SIGSEGV) and\n"
			"the command fails.",
		.examples = "write $A $buf 'hello, world'\nread $A $buf 12",
	},
	.run = cmd_write,
};

/* One hexdump -C line of @n (<= 16) bytes at address @addr. */
static void hexdump_line(FILE *out, uint64_t addr, const unsigned char *b, size_t n)
{
	fprintf(out, "%08llx ", (unsigned long long)addr);
	for (size_t i = 0; i < 16; i++) {
		if (i % 8 == 0)
			fputc(' ', out);
		if (i < n)
			fprintf(out, "%02x ", b[i]);
		else
			fputs("   ", out);
	}
	fputs(" |", out);
	for (size_t i = 0; i < n; i++)
		fputc(b[i] >= 0x20 && b[i] < 0x7f ? b[i] : '.', out);
	fputs("|\n", out);
}

static int cmd_read(struct cli_shell *sh, int argc, char **argv)
{
	const struct cli_cmd *me = &cli_cmd_read;
	unsigned long lines = console_lines(sh);
	unsigned char *buf, prev[16];
	bool have_prev = false, squeezing = false;
	uint64_t addr, len;
	int rc = CLI_ERR;
	struct kmm_task *t = task_range(sh, me, argc, argv, 4, 4, &addr, &len, &rc);

	if (!t)
		return rc;
	buf = malloc(ACCESS_CHUNK);
	if (!buf)
		return cli_error(sh, "read: out of memory");
	for (uint64_t done = 0; done < len;) {
		size_t n = (size_t)min_u64(ACCESS_CHUNK, len - done);
		int err = kmm_access(t, addr + done, buf, n, KMM_ACCESS_READ);

		if (err) {
			free(buf);
			return access_error(sh, "read", t, err, lines);
		}
		for (size_t i = 0; i < n; i += 16) {
			size_t k = (size_t)min_u64(16, n - i);
			/* hexdump's squeezing: a run of equal full lines is one '*' */
			if (k == 16 && have_prev && !memcmp(prev, buf + i, 16)) {
				if (!squeezing)
					fputs("*\n", sh->out);
				squeezing = true;
				continue;
			}
			squeezing = false;
			hexdump_line(sh->out, addr + done + i, buf + i, k);
			have_prev = k == 16;
			if (have_prev)
				memcpy(prev, buf + i, 16);
		}
		done += n;
	}
	if (len)
		fprintf(sh->out, "%08llx\n", (unsigned long long)(addr + len));
	free(buf);
	return CLI_OK;
}

const struct cli_cmd cli_cmd_read = {
	.doc = {
		.name = "read",
		.synopsis = "read TASK ADDR LEN",
		.summary = "dump a task's memory, as hexdump -C",
		.description =
			"Reads LEN bytes at ADDR in TASK through the MMU and prints them as\n"
			"`hexdump -C` does, with virtual addresses in the first column:\n"
			"16 bytes a line in hex and as text ('.' for unprintable bytes),\n"
			"'*' for a run of lines equal to the one above, and the end\n"
			"address last.  Reading faults pages in as the task would (an\n"
			"untouched anonymous page reads as zeroes from the zero page).",
		.examples = "read $A $buf 64\nread $A $buf+4K 256",
	},
	.run = cmd_read,
};

/* ---- tlb ------------------------------------------------------------------------------------------- */

static int cmd_tlb(struct cli_shell *sh, int argc, char **argv)
{
	const struct cli_cmd *me = &cli_cmd_tlb;
	int first = 0, last = sh->m->nr_cpu_ids - 1;
	long cpu;

	if (argc > 2)
		return cli_usage(sh, me, "unexpected argument '%s'", argv[2]);
	if (argc == 2) {
		if (!cli_parse_long(argv[1], &cpu) || cpu < 0 || cpu >= sh->m->nr_cpu_ids)
			return cli_usage(sh, me, "invalid CPU '%s' (CPUs 0-%d)", argv[1],
					 sh->m->nr_cpu_ids - 1);
		first = last = (int)cpu;
	}
	fprintf(sh->out, "%3s %12s %12s %12s %12s %12s\n", "CPU", "L1_HITS", "L2_HITS", "WALKS",
		"CTX_FLUSHES", "FULL_FLUSHES");
	for (int c = first; c <= last; c++) {
		unsigned long s[5];
		kmm_mmu_stats(sh->m, c, s);
		fprintf(sh->out, "%3d %12lu %12lu %12lu %12lu %12lu\n", c, s[0], s[1], s[2], s[3],
			s[4]);
	}
	return CLI_OK;
}

const struct cli_cmd cli_cmd_tlb = {
	.doc = {
		.name = "tlb",
		.synopsis = "tlb [CPU]",
		.summary = "show the TLB counters of each CPU's software MMU",
		.description =
			"Prints, for each CPU (or only CPU), how its MMU translated the\n"
			"addresses of task accesses: hits in the first-level and the\n"
			"second-level TLB, page walks (misses, which read the page\n"
			"tables), flushes of one address-space context (munmap,\n"
			"mprotect, COW shoot-downs) and flushes of the whole TLB.  The\n"
			"shell runs on CPU 0.",
		.examples = "fill $A $buf 1M 1; tlb 0",
	},
	.run = cmd_tlb,
};
