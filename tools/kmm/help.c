/* SPDX-License-Identifier: MIT */
/*
 * tools/kmm/help.c - man-style help pages, the command listings of
 * `kmm help` and the shell's `help`, and the top-level `help` command.
 */
#include "cli.h"

#include <string.h>

static void print_indented(FILE *out, const char *text)
{
	const char *p = text;
	while (*p) {
		size_t n = strcspn(p, "\n");
		if (n)
			fprintf(out, "    %.*s\n", (int)n, p);
		else
			fputc('\n', out);
		p += n;
		if (*p == '\n')
			p++;
	}
}

void cli_print_page(FILE *out, const struct cli_doc *doc)
{
	fprintf(out, "NAME\n    %s - %s\n\n", doc->name, doc->summary);
	fprintf(out, "SYNOPSIS\n");
	print_indented(out, doc->synopsis);
	if (doc->description && *doc->description) {
		fprintf(out, "\nDESCRIPTION\n");
		print_indented(out, doc->description);
	}
	if (doc->examples && *doc->examples) {
		fprintf(out, "\nEXAMPLES\n");
		print_indented(out, doc->examples);
	}
	if (doc->more)
		doc->more(out);
}

void cli_print_listing_line(FILE *out, const struct cli_doc *doc, int width)
{
	fprintf(out, "  %-*s  %s\n", width, doc->name, doc->summary);
}

#define LISTING_WIDTH 18

static void print_shell_listing(FILE *out)
{
	for (const struct cli_cmd *const *c = cli_commands; *c; c++)
		cli_print_listing_line(out, &(*c)->doc, LISTING_WIDTH);
}

void cli_print_tool_usage(FILE *out)
{
	const char *lead = "usage:";
	for (const struct cli_tool_cmd *const *c = cli_tool_commands; *c; c++) {
		const char *syn = (*c)->doc.synopsis;
		fprintf(out, "%-6s %.*s\n", lead, (int)strcspn(syn, "\n"), syn);
		lead = "";
	}
	fprintf(out, "       kmm COMMAND --help | kmm --version\n\n"
		     "kmm runs the Linux kernel's memory manager on a simulated machine.\n\n"
		     "Commands:\n");
	for (const struct cli_tool_cmd *const *c = cli_tool_commands; *c; c++)
		cli_print_listing_line(out, &(*c)->doc, LISTING_WIDTH);
	fprintf(out, "\nShell commands (in `kmm boot`: typed at its prompt, or in -c and -f "
		     "scripts):\n");
	print_shell_listing(out);
	fprintf(out, "\n`kmm help COMMAND` shows the manual page of any of them.\n");
}

int cli_show_help(FILE *out, const char *topic)
{
	const struct cli_tool_cmd *t;
	const struct cli_cmd *c;

	if (!topic) {
		cli_print_tool_usage(out);
		return CLI_EXIT_OK;
	}
	if ((t = cli_find_tool_command(topic))) {
		cli_print_page(out, &t->doc);
		return CLI_EXIT_OK;
	}
	if ((c = cli_find_command(topic))) {
		cli_print_page(out, &c->doc);
		return CLI_EXIT_OK;
	}
	fprintf(stderr, "kmm help: no help for '%s'\n\n", topic);
	cli_print_tool_usage(stderr);
	return CLI_EXIT_USAGE;
}

static int tool_help_main(int argc, char **argv)
{
	if (argc > 2) {
		fprintf(stderr, "kmm help: too many arguments (usage: kmm help [COMMAND])\n");
		return CLI_EXIT_USAGE;
	}
	return cli_show_help(stdout, argc == 2 ? argv[1] : NULL);
}

const struct cli_tool_cmd cli_tool_help = {
	.doc = {
		.name = "help",
		.synopsis = "kmm help [COMMAND]",
		.summary = "show the list of commands, or the manual page of one",
		.description =
			"Without COMMAND, lists the commands of kmm and the commands of its\n"
			"shell, each with a one-line summary.  With COMMAND, prints that\n"
			"command's manual page; `kmm COMMAND --help` does the same.",
		.examples =
			"kmm help\n"
			"kmm help boot\n"
			"kmm help alloc_pages",
	},
	.main = tool_help_main,
};

/* ---- the shell's help ------------------------------------------------------------- */

static int cmd_help(struct cli_shell *sh, int argc, char **argv)
{
	const struct cli_cmd *c;

	if (argc > 2)
		return cli_usage(sh, &cli_cmd_help, "too many arguments");
	if (argc == 1) {
		fprintf(sh->out, "Commands (`help COMMAND` shows one in full):\n");
		print_shell_listing(sh->out);
		fprintf(sh->out, "\nCommands are separated by newlines or ';'.  Quotes and "
				 "backslashes work as in sh;\n'#' starts a comment; `> PATH` "
				 "writes a command's output to a /proc or /sys file;\n$VAR "
				 "is a shell variable (set by the as=VAR of spawn, fork, mmap, "
				 "mremap).\n");
		return CLI_OK;
	}
	c = cli_find_command(argv[1]);
	if (!c)
		return cli_error(sh, "help: no such command: %s (type 'help' for the list)",
				 argv[1]);
	cli_print_page(sh->out, &c->doc);
	return CLI_OK;
}

const struct cli_cmd cli_cmd_help = {
	.doc = {
		.name = "help",
		.synopsis = "help [COMMAND]",
		.summary = "list the shell's commands, or show the manual page of one",
		.description =
			"Without COMMAND, lists every command with its synopsis.  With\n"
			"COMMAND, prints its manual page (as `COMMAND --help` does).",
		.examples = "help\nhelp alloc_pages",
	},
	.run = cmd_help,
};
