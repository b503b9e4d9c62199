/* SPDX-License-Identifier: MIT */
/*
 * tools/kmm/boot.c - `kmm boot`: boot a machine from kernel parameters,
 * print its boot log, then run shell commands from -c, -f, a pipe, or an
 * interactive terminal.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct source {
	bool is_file; /* -f SCRIPT, else -c TEXT */
	const char *arg;
};

static void boot_more_help(FILE *out)
{
	fprintf(out, "\nDEFAULT\n    %s\n", kmm_default_cmdline);
}

/* Append @param to @cmdline (quoting a value that holds blanks). */
static bool append_param(char *cmdline, size_t size, const char *param)
{
	size_t len = strlen(cmdline);
	const char *eq = strchr(param, '=');
	int n;

	if (eq && strpbrk(eq, " \t") && !strchr(param, '"'))
		n = snprintf(cmdline + len, size - len, "%s%.*s\"%s\"", len ? " " : "",
			     (int)(eq - param + 1), param, eq + 1);
	else
		n = snprintf(cmdline + len, size - len, "%s%s", len ? " " : "", param);
	return n >= 0 && (size_t)n < size - len;
}

static int boot_main(int argc, char **argv)
{
	char cmdline[KMM_CMDLINE_MAX] = "";
	struct source *src = calloc((size_t)argc, sizeof(*src));
	int nr_src = 0, status = CLI_EXIT_OK;
	bool params_done = false, quit = false;
	struct cli_console con;
	struct kmm_machine *m;
	struct cli_shell sh;

	if (!src) {
		fprintf(stderr, "kmm boot: out of memory\n");
		return CLI_EXIT_FAIL;
	}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!params_done && (!strcmp(a, "-c") || !strcmp(a, "-f"))) {
			if (i + 1 >= argc) {
				fprintf(stderr,
					"kmm boot: %s needs an argument (see kmm boot --help)\n",
					a);
				free(src);
				return CLI_EXIT_USAGE;
			}
			src[nr_src].is_file = a[1] == 'f';
			src[nr_src++].arg = argv[++i];
		} else if (!params_done && (!strcmp(a, "-h") || !strcmp(a, "--help"))) {
			cli_print_page(stdout, &cli_tool_boot.doc);
			free(src);
			return CLI_EXIT_OK;
		} else if (!params_done && !strcmp(a, "--")) {
			params_done = true;
		} else if (!params_done && a[0] == '-') {
			fprintf(stderr, "kmm boot: unknown option '%s' (see kmm boot --help)\n", a);
			free(src);
			return CLI_EXIT_USAGE;
		} else if (!append_param(cmdline, sizeof(cmdline), a)) {
			fprintf(stderr, "kmm boot: the command line is longer than %d bytes\n",
				KMM_CMDLINE_MAX - 1);
			free(src);
			return CLI_EXIT_USAGE;
		}
	}

	cli_console_init(&con, stdout);
	m = cli_boot_machine(cmdline[0] ? cmdline : kmm_default_cmdline, &con, "boot");
	if (!m) {
		free(src);
		return CLI_EXIT_USAGE;
	}
	if (kmm_cpu_enter(m, 0) < 0) {
		fprintf(stderr, "kmm boot: cannot bind to CPU 0\n");
		kmm_machine_shutdown(m);
		free(src);
		return CLI_EXIT_FAIL;
	}

	cli_shell_init(&sh, m);
	sh.con = &con;
	if (nr_src == 0) {
		if (isatty(STDIN_FILENO)) {
			sh.interactive = true;
			status = cli_interactive(&sh);
		} else {
			status = cli_run_script_file(&sh, "-", &quit);
		}
	}
	for (int i = 0; i < nr_src && !quit && status == CLI_EXIT_OK; i++) {
		if (src[i].is_file)
			status = cli_run_script_file(&sh, src[i].arg, &quit);
		else
			status = cli_run_script_text(&sh, "-c", src[i].arg, true, &quit);
	}
	fflush(stdout);

	cli_shell_destroy(&sh);
	kmm_cpu_leave(m);
	kmm_machine_shutdown(m);
	free(src);
	fflush(stdout);
	return status;
}

const struct cli_tool_cmd cli_tool_boot = {
	.doc = {
		.name = "boot",
		.synopsis = "kmm boot [PARAM...] [-c 'CMD; CMD...'] [-f SCRIPT]",
		.summary = "boot a machine and run shell commands on it",
		.description =
			"Boots a simulated machine described by Linux kernel parameters\n"
			"(joined by spaces into its command line; none: the default below)\n"
			"and prints its boot log as the kernel's console would, with\n"
			"dmesg-style timestamps.  `quiet` keeps all but errors off the\n"
			"console, as in Linux; `dmesg` still shows the whole log.\n"
			"\n"
			"Parameters: mem=SIZE, memmap=exactmap, memmap=SIZE@ADDR (RAM),\n"
			"memmap=SIZE$ADDR (reserved), numa=fake=N, numa=off, nr_cpus=N,\n"
			"kernelcore=SIZE|N%, movablecore=SIZE|N%, sysctl.vm.NAME=VALUE,\n"
			"quiet, loglevel=N and kmm.nofail_retries=N.\n"
			"A bad parameter stops the boot with a message naming it (exit 2).\n"
			"\n"
			"The shell then runs on CPU 0 of the machine.  Commands come from\n"
			"each -c argument (separated by ';' or newlines) and -f SCRIPT file\n"
			"(one per line; '#' comments and blank lines are fine; '-' is\n"
			"standard input), in the order given; without them from standard\n"
			"input, or, on a terminal, from an interactive shell (prompt kmm#,\n"
			"line editing, Tab completion, history in ~/.kmm_history).\n"
			"\n"
			"In -c and -f the first failing command stops kmm with\n"
			"`SCRIPT:LINE: message` (`-c:N:` for the N-th command of -c) on\n"
			"standard error and exit status 1.  The interactive shell prints\n"
			"the message and goes on.  `help` lists the shell's commands.",
		.examples =
			"kmm boot\n"
			"kmm boot quiet -c 'cat /proc/buddyinfo'\n"
			"kmm boot mem=1G numa=fake=2 -c 'alloc_pages 3 node=1; cat /proc/buddyinfo'\n"
			"kmm boot quiet sysctl.vm.min_free_kbytes=2048 -f script.kmm\n"
			"echo 'cat /proc/meminfo' | kmm boot quiet",
		.more = boot_more_help,
	},
	.main = boot_main,
};
