/* SPDX-License-Identifier: MIT */
/*
 * tools/kmm/cmd_proc.c - the shell's file commands on the machine's
 * virtual /proc and /sys: cat, echo (with `> PATH`) and ls.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

/* ---- cat ---------------------------------------------------------------------- */

static int cmd_cat(struct cli_shell *sh, int argc, char **argv)
{
	int rc = CLI_OK;

	if (argc < 2)
		return cli_usage(sh, &cli_cmd_cat, "missing PATH");
	for (int i = 1; i < argc; i++) {
		char pbuf[CLI_PATH_MAX];
		const char *path = cli_path(argv[i], pbuf, sizeof(pbuf));
		long err;
		char *text;

		if (kmm_proc_stat(sh->m, path) == 1) {
			rc = cli_error(sh, "cat: %s: Is a directory", argv[i]);
			break;
		}
		text = cli_proc_read_all(sh->m, path, &err);
		if (!text) {
			rc = cli_error(sh, "cat: %s: %s", argv[i], cli_strerror(err));
			break;
		}
		fputs(text, sh->out);
		free(text);
	}
	return rc;
}

const struct cli_cmd cli_cmd_cat = {
	.doc = {
		.name = "cat",
		.synopsis = "cat PATH...",
		.summary = "print files of the machine's /proc and /sys",
		.description =
			"Prints each file in turn.  The files are generated when read, in\n"
			"the format Linux uses, from the live state of the machine, so\n"
			"reading one twice may show different numbers.  Use `ls DIR` to\n"
			"see which files exist.\n"
			"\n"
			"Useful files: /proc/buddyinfo (free blocks per order and zone),\n"
			"/proc/pagetypeinfo (the same by migrate type, and pageblocks),\n"
			"/proc/zoneinfo (watermarks and counters per zone), /proc/meminfo,\n"
			"/proc/vmstat, /proc/sys/vm/* (tunables, writable with echo),\n"
			"/proc/slabinfo (slab caches; `echo NAME LIMIT BATCHCOUNT SHARED >\n"
			"/proc/slabinfo` retunes one), /sys/kernel/slab/CACHE/* (one cache),\n"
			"/proc/PID/maps, smaps, smaps_rollup and status (a task's mappings\n"
			"and memory; `ls /proc` lists the pids), /proc/PID/oom_score_adj.",
		.examples =
			"cat /proc/buddyinfo\n"
			"cat /proc/sys/vm/min_free_kbytes /proc/sys/vm/watermark_scale_factor\n"
			"spawn app as=A; cat /proc/$A/status",
	},
	.run = cmd_cat,
};

/* ---- echo ---------------------------------------------------------------------- */

static int cmd_echo(struct cli_shell *sh, int argc, char **argv)
{
	bool newline = true;
	int i = 1;

	if (argc > 1 && !strcmp(argv[1], "-n")) {
		newline = false;
		i++;
	}
	for (int first = i; i < argc; i++)
		fprintf(sh->out, "%s%s", i > first ? " " : "", argv[i]);
	if (newline)
		fputc('\n', sh->out);
	return CLI_OK;
}

const struct cli_cmd cli_cmd_echo = {
	.doc = {
		.name = "echo",
		.synopsis = "echo [-n] VALUE... [> PATH]",
		.summary = "print words, or write them to a /proc or /sys file",
		.description =
			"Prints the VALUEs separated by spaces and followed by a newline\n"
			"(none with -n).  With `> PATH` (or `>> PATH`) the text is written\n"
			"to the machine's file PATH instead, as a shell's echo would write\n"
			"it: this is how tunables such as /proc/sys/vm/min_free_kbytes are\n"
			"changed.  The write fails, naming the file, if PATH does not exist,\n"
			"is read-only or rejects the value; the machine's log (dmesg) may\n"
			"say more.  Any command's output can be redirected the same way.",
		.examples =
			"echo 300 > /proc/sys/vm/min_free_kbytes\n"
			"echo 256 256 32 0 > /proc/sys/vm/lowmem_reserve_ratio\n"
			"echo hello world",
	},
	.run = cmd_echo,
};

/* ---- ls ------------------------------------------------------------------------ */

static void ls_entry(void *ctx, const char *name, bool is_dir)
{
	FILE *out = ctx;
	fprintf(out, "%s%s\n", name, is_dir ? "/" : "");
}

static int cmd_ls(struct cli_shell *sh, int argc, char **argv)
{
	const char *deflt[] = { "ls", "/" };
	int rc = CLI_OK;

	if (argc < 2) {
		argv = (char **)deflt;
		argc = 2;
	}
	for (int i = 1; i < argc; i++) {
		char pbuf[CLI_PATH_MAX];
		const char *path = cli_path(argv[i], pbuf, sizeof(pbuf));
		int st = kmm_proc_stat(sh->m, path);
		if (st < 0) {
			rc = cli_error(sh, "ls: cannot access '%s': %s", argv[i], cli_strerror(st));
			break;
		}
		if (st == 0) { /* a file: ls names it */
			fprintf(sh->out, "%s\n", argv[i]);
			continue;
		}
		if (argc > 2)
			fprintf(sh->out, "%s%s:\n", i > 1 ? "\n" : "", argv[i]);
		st = kmm_proc_list(sh->m, path, ls_entry, sh->out);
		if (st < 0) {
			rc = cli_error(sh, "ls: cannot open directory '%s': %s", argv[i],
				       cli_strerror(st));
			break;
		}
	}
	return rc;
}

const struct cli_cmd cli_cmd_ls = {
	.doc = {
		.name = "ls",
		.synopsis = "ls [DIR...]",
		.summary = "list a directory of the machine's /proc and /sys",
		.description =
			"Lists the entries of each DIR (default: /), one per line;\n"
			"directories are shown with a trailing '/'.",
		.examples = "ls\nls /proc\nls /proc/sys/vm",
	},
	.run = cmd_ls,
};
