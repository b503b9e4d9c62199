/* SPDX-License-Identifier: MIT */
/*
 * tools/kmm/cmd_task.c - the shell's process commands: spawn, fork, kill
 * and ps (`exit TASK`, which reaps, is in cmd_misc.c with the shell's
 * exit), and the helpers every task command shares: TASK arguments, errno
 * and signal names.
 *
 * A task is named by its pid; `spawn NAME as=T` and `fork ... as=T` keep
 * the pid in the shell variable T for later commands ($T).  ps reads the
 * tasks' /proc/PID/status files, as procps does.
 */
#include "cli.h"

#include "kmm/mm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- shared helpers ----------------------------------------------------------------- */

static const struct {
	int err;
	const char *name;
} errno_names[] = {
	{ KMM_EPERM, "EPERM" },	    { KMM_ENOENT, "ENOENT" }, { KMM_ESRCH, "ESRCH" },
	{ EINTR, "EINTR" },	    { KMM_EIO, "EIO" },	      { KMM_ENXIO, "ENXIO" },
	{ E2BIG, "E2BIG" },	    { KMM_EBADF, "EBADF" },   { KMM_EAGAIN, "EAGAIN" },
	{ KMM_ENOMEM, "ENOMEM" },   { KMM_EACCES, "EACCES" }, { KMM_EFAULT, "EFAULT" },
	{ KMM_EBUSY, "EBUSY" },	    { KMM_EEXIST, "EEXIST" }, { KMM_ENODEV, "ENODEV" },
	{ KMM_ENOTDIR, "ENOTDIR" }, { KMM_EISDIR, "EISDIR" }, { KMM_EINVAL, "EINVAL" },
	{ KMM_ENFILE, "ENFILE" },   { KMM_EMFILE, "EMFILE" }, { ETXTBSY, "ETXTBSY" },
	{ KMM_EFBIG, "EFBIG" },	    { KMM_ENOSPC, "ENOSPC" }, { EROFS, "EROFS" },
	{ KMM_ERANGE, "ERANGE" },   { KMM_ENOSYS, "ENOSYS" }, { KMM_EOVERFLOW, "EOVERFLOW" },
};

const char *cli_errno_name(long negerr)
{
	long e = negerr < 0 ? -negerr : negerr;

	for (size_t i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (errno_names[i].err == e)
			return errno_names[i].name;
	return NULL;
}

int cli_errno_error(struct cli_shell *sh, const char *cmd, long negerr)
{
	const char *name = cli_errno_name(negerr);

	if (name)
		return cli_error(sh, "%s: %s (%s)", cmd, cli_strerror(negerr), name);
	return cli_error(sh, "%s: %s (errno %ld)", cmd, cli_strerror(negerr),
			 negerr < 0 ? -negerr : negerr);
}

static const struct {
	int sig;
	const char *name;
} signal_names[] = {
	{ 1, "SIGHUP" },
	{ 2, "SIGINT" },
	{ 3, "SIGQUIT" },
	{ 4, "SIGILL" },
	{ 5, "SIGTRAP" },
	{ 6, "SIGABRT" },
	{ KMM_SIGBUS, "SIGBUS" },
	{ 8, "SIGFPE" },
	{ KMM_SIGKILL, "SIGKILL" },
	{ 10, "SIGUSR1" },
	{ KMM_SIGSEGV, "SIGSEGV" },
	{ 12, "SIGUSR2" },
	{ 13, "SIGPIPE" },
	{ 14, "SIGALRM" },
	{ 15, "SIGTERM" },
};

const char *cli_signal_name(int sig)
{
	for (size_t i = 0; i < sizeof(signal_names) / sizeof(signal_names[0]); i++)
		if (signal_names[i].sig == sig)
			return signal_names[i].name;
	return NULL;
}

/* A signal given as 9, KILL or SIGKILL (any case); 0 if not one. */
static int parse_signal(const char *s)
{
	long n;

	if (cli_parse_long(s, &n))
		return n > 0 && n <= 64 ? (int)n : 0;
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < sizeof(signal_names) / sizeof(signal_names[0]); i++)
		if (!strcasecmp(signal_names[i].name + 3, s))
			return signal_names[i].sig;
	return 0;
}

struct kmm_task *cli_task_arg(struct cli_shell *sh, const char *cmd, const char *arg)
{
	struct kmm_task *t = NULL;
	long pid;

	if (cli_parse_long(arg, &pid) && pid > 0 && pid <= INT32_MAX)
		t = kmm_task_find(sh->m, (int)pid);
	if (!t)
		cli_error(sh, "%s: no such task: %s (see `ps`)", cmd, arg);
	return t;
}

/* Set $NAME to a number, reporting failure; CLI_OK or CLI_ERR. */
static int store_var(struct cli_shell *sh, const char *cmd, const char *name, long value)
{
	char buf[32];

	if (!name)
		return CLI_OK;
	snprintf(buf, sizeof(buf), "%ld", value);
	if (!cli_var_set(sh, name, buf))
		return cli_error(sh, "%s: out of memory", cmd);
	return CLI_OK;
}

/* An "as=VAR" argument: true if @a is one (*name set, or an error). */
static bool as_option(struct cli_shell *sh, const struct cli_cmd *me, const char *a,
		      const char **name, int *rc)
{
	if (strncmp(a, "as=", 3))
		return false;
	*name = a + 3;
	*rc = CLI_OK;
	if (!cli_valid_var_name(*name))
		*rc = cli_usage(sh, me,
				"invalid variable name '%s' (a letter or _, then letters, digits "
				"or _; at most 31)",
				*name);
	return true;
}

/* ---- spawn --------------------------------------------------------------------------- */

static int cmd_spawn(struct cli_shell *sh, int argc, char **argv)
{
	const struct cli_cmd *me = &cli_cmd_spawn;
	const char *name = NULL, *var = NULL;
	struct kmm_task *t;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (as_option(sh, me, argv[i], &var, &rc)) {
			if (rc)
				return rc;
		} else if (name || !argv[i][0]) {
			return cli_usage(sh, me, "unexpected argument '%s'", argv[i]);
		} else {
			name = argv[i];
		}
	}
	if (!name)
		return cli_usage(sh, me, "missing NAME");
	t = kmm_task_spawn(sh->m, name);
	if (!t)
		return cli_errno_error(sh, "spawn", -KMM_ENOMEM);
	fprintf(sh->out, "%d\n", kmm_task_pid(t));
	return store_var(sh, "spawn", var, kmm_task_pid(t));
}

const struct cli_cmd cli_cmd_spawn = {
	.doc = {
		.name = "spawn",
		.synopsis = "spawn NAME [as=VAR]",
		.summary = "start a task (a process) with an empty address space",
		.description =
			"Creates a task called NAME (its comm: at most 15 characters are\n"
			"kept) with an empty address space, as a freshly exec'd program\n"
			"without any mapping would have, and prints its pid.  With as=VAR\n"
			"the pid is also kept in the shell variable VAR: later commands\n"
			"name the task $VAR.  `ps` lists the tasks; /proc/PID/ shows each\n"
			"one's maps, smaps, smaps_rollup, status and oom_score_adj.\n"
			"\n"
			"Shell variables are replaced in every argument of every command,\n"
			"as $VAR or ${VAR}, outside single quotes; using an unset variable\n"
			"is an error.  Addresses and sizes take K, M, G suffixes and '+'\n"
			"and '-': $A+4K, $A+0x1000-16.",
		.examples =
			"spawn app as=A\n"
			"mmap $A 1M as=buf\n"
			"cat /proc/$A/maps",
	},
	.run = cmd_spawn,
};

/* ---- fork ------------------------------------------------------------------------------ */

static int cmd_fork(struct cli_shell *sh, int argc, char **argv)
{
	const struct cli_cmd *me = &cli_cmd_fork;
	const char *pos[2] = { NULL, NULL }, *var = NULL;
	struct kmm_task *parent, *child = NULL;
	int npos = 0, rc, err;

	for (int i = 1; i < argc; i++) {
		if (as_option(sh, me, argv[i], &var, &rc)) {
			if (rc)
				return rc;
		} else if (npos == 2 || !argv[i][0]) {
			return cli_usage(sh, me, "unexpected argument '%s'", argv[i]);
		} else {
			pos[npos++] = argv[i];
		}
	}
	if (npos < 2)
		return cli_usage(sh, me, "missing %s", npos ? "CHILDNAME" : "TASK");
	if (!(parent = cli_task_arg(sh, "fork", pos[0])))
		return CLI_ERR;
	err = kmm_task_fork(parent, pos[1], &child);
	if (err)
		return cli_errno_error(sh, "fork", err);
	fprintf(sh->out, "%d\n", kmm_task_pid(child));
	return store_var(sh, "fork", var, kmm_task_pid(child));
}

const struct cli_cmd cli_cmd_fork = {
	.doc = {
		.name = "fork",
		.synopsis = "fork TASK CHILDNAME [as=VAR]",
		.summary = "fork a task: the child shares its memory copy-on-write",
		.description =
			"Creates a child of TASK called CHILDNAME, as fork() does, and\n"
			"prints its pid (kept in $VAR with as=VAR).  The child gets a copy\n"
			"of every mapping of the parent: shared mappings stay shared, and\n"
			"private pages are shared read-only by both until one of them\n"
			"writes a page, which then gets its own copy (copy-on-write).\n"
			"/proc/PID/smaps shows it: after the fork each shared page counts\n"
			"half in the Pss of each task; after a write, whole again.  Memory\n"
			"locks (mlock) are not inherited.  A dead task cannot fork (ESRCH).",
		.examples =
			"spawn parent as=P\n"
			"mmap $P 64K as=A; fill $P $A 64K 1\n"
			"fork $P child as=C\n"
			"check $C $A 64K 1\n"
			"cat /proc/$C/smaps",
	},
	.run = cmd_fork,
};

/* ---- kill ------------------------------------------------------------------------------ */

static int cmd_kill(struct cli_shell *sh, int argc, char **argv)
{
	const struct cli_cmd *me = &cli_cmd_kill;
	int sig = KMM_SIGKILL, i = 1;

	if (argc > 1 && argv[1][0] == '-' && argv[1][1]) {
		sig = parse_signal(argv[1] + 1);
		if (!sig)
			return cli_usage(sh, me, "unknown signal '%s'", argv[1] + 1);
		i++;
	}
	if (i >= argc)
		return cli_usage(sh, me, "missing TASK");
	/* check every task first: kill all or nothing */
	for (int j = i; j < argc; j++)
		if (!cli_task_arg(sh, "kill", argv[j]))
			return CLI_ERR;
	for (; i < argc; i++) {
		int err = kmm_task_kill(cli_task_arg(sh, "kill", argv[i]), sig);
		if (err)
			return cli_errno_error(sh, "kill", err);
	}
	return CLI_OK;
}

const struct cli_cmd cli_cmd_kill = {
	.doc = {
		.name = "kill",
		.synopsis = "kill [-SIGNAL] TASK...",
		.summary = "kill tasks with a signal (they become zombies)",
		.description =
			"Delivers SIGNAL (default KILL; a name such as SEGV, SIGBUS, or a\n"
			"number 1-64) to each TASK as a fatal signal: the task dies and\n"
			"stays a zombie (STAT Z in ps, State: Z (zombie) in\n"
			"/proc/PID/status, no memory shown) until `exit TASK` reaps it,\n"
			"which is when its memory goes back to the allocator.  A task the\n"
			"MMU killed (a segfault) is a zombie the same way.  Killing a dead\n"
			"task again changes nothing.",
		.examples = "kill $A\nkill -SEGV $A\nexit $A",
	},
	.run = cmd_kill,
};

/* ---- ps -------------------------------------------------------------------------------- */

/* The number after "FIELD:" in a status text, or 0. */
static unsigned long status_field(const char *text, const char *field)
{
	size_t n = strlen(field);

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, field, n) && l[n] == ':')
			return strtoul(l + n + 1, NULL, 10);
	return 0;
}

static char status_state(const char *text)
{
	const char *s = strstr(text, "\nState:\t");
	return s ? s[8] : '?';
}

static int cmd_ps(struct cli_shell *sh, int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return cli_usage(sh, &cli_cmd_ps, "no arguments expected");
	fprintf(sh->out, "%7s %7s %-4s %6s %5s %s\n", "PID", "PPID", "STAT", "VSZ", "RSS",
		"COMMAND");
	for (struct kmm_task *t = kmm_task_next(sh->m, 0); t;
	     t = kmm_task_next(sh->m, kmm_task_pid(t))) {
		char path[64], stat[2] = "?";
		char *text;
		long err;
		bool zombie;

		snprintf(path, sizeof(path), "/proc/%d/status", kmm_task_pid(t));
		text = cli_proc_read_all(sh->m, path, &err);
		if (!text)
			return cli_error(sh, "ps: %s: %s", path, cli_strerror(err));
		stat[0] = status_state(text);
		zombie = stat[0] == 'Z';
		fprintf(sh->out, "%7d %7lu %-4s %6lu %5lu %s%s\n", kmm_task_pid(t),
			status_field(text, "PPid"), stat, status_field(text, "VmSize"),
			status_field(text, "VmRSS"), kmm_task_comm(t), zombie ? " <defunct>" : "");
		free(text);
	}
	return CLI_OK;
}

const struct cli_cmd cli_cmd_ps = {
	.doc = {
		.name = "ps",
		.synopsis = "ps",
		.summary = "list the tasks, as `ps -o pid,ppid,stat,vsz,rss,comm`",
		.description =
			"Prints one line per task, from its /proc/PID/status: PID, the\n"
			"parent's PID (0 for spawned tasks and orphans), STAT (R running,\n"
			"Z zombie: killed, waiting for `exit TASK`), VSZ (the size of the\n"
			"address space) and RSS (the memory mapped in), both in KiB, and\n"
			"the command name.",
		.examples = "spawn app; ps",
	},
	.run = cmd_ps,
};
