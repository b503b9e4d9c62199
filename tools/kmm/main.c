/* SPDX-License-Identifier: MIT */
/*
 * tools/kmm/main.c - the kmm command: dispatch to `demo`, `boot`,
 * `replay` and `help`, plus --help and --version.
 *
 * Exit statuses: 0 success, 1 a command failed, 2 bad usage (unknown
 * command or option, bad kernel parameter).
 */
#include "cli.h"

#include <string.h>

const struct cli_tool_cmd *const cli_tool_commands[] = {
	&cli_tool_demo, &cli_tool_boot, &cli_tool_replay, &cli_tool_help, NULL,
};

const struct cli_tool_cmd *cli_find_tool_command(const char *name)
{
	for (const struct cli_tool_cmd *const *c = cli_tool_commands; *c; c++)
		if (!strcmp((*c)->doc.name, name))
			return *c;
	return NULL;
}

static bool is_help_flag(const char *a)
{
	return !strcmp(a, "--help") || !strcmp(a, "-h");
}

int main(int argc, char **argv)
{
	const struct cli_tool_cmd *tool;
	const struct cli_cmd *cmd;
	const char *name;

	if (argc < 2) {
		cli_print_tool_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	name = argv[1];
	if (is_help_flag(name)) {
		cli_print_tool_usage(stdout);
		return CLI_EXIT_OK;
	}
	if (!strcmp(name, "--version") || !strcmp(name, "-V")) {
		printf("kmm %s\n", KMM_VERSION_STRING);
		return CLI_EXIT_OK;
	}

	tool = cli_find_tool_command(name);
	if (tool) {
		if (argc == 3 && is_help_flag(argv[2])) {
			cli_print_page(stdout, &tool->doc);
			return CLI_EXIT_OK;
		}
		return tool->main(argc - 1, argv + 1);
	}

	cmd = cli_find_command(name);
	if (cmd) {
		if (argc == 3 && is_help_flag(argv[2])) {
			cli_print_page(stdout, &cmd->doc);
			return CLI_EXIT_OK;
		}
		fprintf(stderr,
			"kmm: '%s' is a command of the shell: run it on a booted machine, e.g.\n"
			"    kmm boot quiet -c '%s ...'\n",
			name, name);
		return CLI_EXIT_USAGE;
	}

	fprintf(stderr, "kmm: unknown command '%s'\n\n", name);
	cli_print_tool_usage(stderr);
	return CLI_EXIT_USAGE;
}
