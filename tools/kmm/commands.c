/* SPDX-License-Identifier: MIT */
/*
 * tools/kmm/commands.c - the shell's command table, in the order `help`
 * lists it.  A new command is a file defining `const struct cli_cmd
 * cli_cmd_NAME`, a declaration in cli.h and a line here.
 */
#include "cli.h"

const struct cli_cmd *const cli_commands[] = {
	/* files of /proc and /sys */
	&cli_cmd_cat,
	&cli_cmd_echo,
	&cli_cmd_ls,
	/* the page allocator */
	&cli_cmd_alloc_pages,
	&cli_cmd_free_pages,
	&cli_cmd_allocs,
	&cli_cmd_drain,
	/* the slab allocator */
	&cli_cmd_slabtop,
	&cli_cmd_kmem_cache_create,
	&cli_cmd_kmem_cache_alloc,
	&cli_cmd_kmem_cache_free,
	&cli_cmd_kmem_cache_destroy,
	&cli_cmd_kmalloc,
	&cli_cmd_kfree,
	/* the log and the shell */
	&cli_cmd_dmesg,
	&cli_cmd_sleep,
	&cli_cmd_help,
	&cli_cmd_exit,
	&cli_cmd_quit,
	NULL,
};
