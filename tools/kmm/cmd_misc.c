/* SPDX-License-Identifier: MIT */
/*
 * tools/kmm/cmd_misc.c - the shell's small commands: dmesg, sleep,
 * exit (which also reaps a task: `exit TASK`) and quit.
 */
#include "cli.h"

#include "kmm/mm.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- dmesg --------------------------------------------------------------------- */

static int cmd_dmesg(struct cli_shell *sh, int argc, char **argv)
{
	unsigned long tail = 0;
	char *buf, *p;
	size_t n;

	if (argc > 2 || (argc == 2 && (!cli_parse_ulong(argv[1], &tail) || tail == 0)))
		return cli_usage(sh, &cli_cmd_dmesg, "expected a number of lines");
	buf = malloc(KMM_LOG_BUF_SIZE + 1);
	if (!buf)
		return cli_error(sh, "dmesg: out of memory");
	n = kmm_log_read(sh->m, buf, KMM_LOG_BUF_SIZE + 1);
	buf[n] = '\0';
	p = buf;
	if (tail) {
		/* Start after the (tail+1)-th newline from the end. */
		size_t i = n, seen = 0;
		if (i && buf[i - 1] == '\n')
			i--;
		while (i > 0) {
			if (buf[i - 1] == '\n' && ++seen == tail)
				break;
			i--;
		}
		p = buf + i;
	}
	fputs(p, sh->out);
	if (n && buf[n - 1] != '\n')
		fputc('\n', sh->out);
	free(buf);
	return CLI_OK;
}

const struct cli_cmd cli_cmd_dmesg = {
	.doc = {
		.name = "dmesg",
		.synopsis = "dmesg [LINES]",
		.summary = "print the machine's kernel log",
		.description =
			"Prints the machine's log buffer (the kernel's printk ring), or\n"
			"only its last LINES lines.  It holds the boot messages and every\n"
			"message since, such as page allocation failure reports, even\n"
			"those that `quiet` kept off the console.",
		.examples = "dmesg\ndmesg 20",
	},
	.run = cmd_dmesg,
};

/* ---- sleep --------------------------------------------------------------------- */

static int cmd_sleep(struct cli_shell *sh, int argc, char **argv)
{
	struct timespec ts;
	char *end;
	double secs;

	if (argc != 2)
		return cli_usage(sh, &cli_cmd_sleep, "expected one argument");
	errno = 0;
	secs = strtod(argv[1], &end);
	if (errno || end == argv[1] || *end || !(secs >= 0) || secs > 86400)
		return cli_usage(sh, &cli_cmd_sleep, "invalid number of seconds '%s'", argv[1]);
	fflush(sh->out);
	ts.tv_sec = (time_t)secs;
	ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	return CLI_OK;
}

const struct cli_cmd cli_cmd_sleep = {
	.doc = {
		.name = "sleep",
		.synopsis = "sleep SECONDS",
		.summary = "pause for a while",
		.description = "Waits SECONDS (which may be fractional) before the next command.",
		.examples = "sleep 1\nsleep 0.25",
	},
	.run = cmd_sleep,
};

/* ---- exit / quit --------------------------------------------------------------- */

static int cmd_exit(struct cli_shell *sh, int argc, char **argv)
{
	bool quit = !strcmp(argv[0], "quit");
	const struct cli_cmd *me = quit ? &cli_cmd_quit : &cli_cmd_exit;
	long status = 0;

	if (argc > 2)
		return cli_usage(sh, me, "too many arguments");
	if (argc == 2 && !quit) {
		struct kmm_task *t = NULL;
		long pid;

		/* `exit TASK`: the argument names a task (live or zombie): reap it */
		if (cli_parse_long(argv[1], &pid) && pid > 0 && pid <= INT_MAX)
			t = kmm_task_find(sh->m, (int)pid);
		if (t) {
			kmm_task_exit(t);
			return CLI_OK;
		}
	}
	if (argc == 2 && (!cli_parse_long(argv[1], &status) || status < 0 || status > 255))
		return cli_usage(sh, me,
				 quit ? "expected a status 0-255" :
					"expected a status 0-255 or the pid of a task");
	sh->exit_status = (int)status;
	return CLI_QUIT;
}

const struct cli_cmd cli_cmd_exit = {
	.doc = {
		.name = "exit",
		.synopsis = "exit [STATUS]\nexit TASK",
		.summary = "leave the shell, or reap a task (exit TASK)",
		.description =
			"With no argument, or a STATUS that is not the pid of a task, stops\n"
			"reading commands: kmm shuts the machine down and exits with STATUS\n"
			"(default 0).\n"
			"\n"
			"When the argument is the pid of a task, running or zombie (as\n"
			"`exit $A` gives after `spawn app as=A`), that task exits instead:\n"
			"its mappings are unmapped (dirty shared file pages written back),\n"
			"its page tables and memory freed, and it leaves the task list, as\n"
			"exit() and the parent's wait() would do; the shell goes on.  So a\n"
			"number is a task first: to leave with a status while a task with\n"
			"that pid exists, use `quit STATUS`, which always leaves.",
		.examples = "exit\nexit 3\nspawn app as=A; exit $A",
	},
	.run = cmd_exit,
};

const struct cli_cmd cli_cmd_quit = {
	.doc = {
		.name = "quit",
		.synopsis = "quit [STATUS]",
		.summary = "leave the shell (and shut the machine down)",
		.description = "Stops reading commands.  kmm shuts the machine down and exits\n"
			       "with STATUS (default 0), whatever tasks exist.",
		.examples = "quit\nquit 3",
	},
	.run = cmd_exit,
};
