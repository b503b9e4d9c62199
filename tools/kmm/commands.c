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
	/* tasks and their memory */
	&cli_cmd_spawn,
	&cli_cmd_fork,
	&cli_cmd_kill,
	&cli_cmd_ps,
	&cli_cmd_mmap,
	&cli_cmd_munmap,
	&cli_cmd_mprotect,
	&cli_cmd_mremap,
	&cli_cmd_madvise,
	&cli_cmd_msync,
	&cli_cmd_mlock,
	&cli_cmd_munlock,
	&cli_cmd_brk,
	&cli_cmd_fill,
	&cli_cmd_check,
	&cli_cmd_write,
	&cli_cmd_read,
	&cli_cmd_tlb,
	/* reclaim and swap */
	&cli_cmd_vmstat,
	&cli_cmd_mkswap,
	&cli_cmd_swapon,
	&cli_cmd_swapoff,
	/* the log and the shell */
	&cli_cmd_dmesg,
	&cli_cmd_sleep,
	&cli_cmd_help,
	&cli_cmd_exit,
	&cli_cmd_quit,
	NULL,
};
