/* SPDX-License-Identifier: MIT */
/*
 * tools/kmm/cli.h - the pieces of the kmm command-line tool that its files
 * share: the command table, the shell state, the boot console and a few
 * helpers.  Hosted code: libc is fine here; the library is reached only
 * through its public headers.
 *
 * Adding a shell command: write tools/kmm/cmd_NAME.c defining a
 * `const struct cli_cmd cli_cmd_NAME`, declare it below and add it to
 * cli_commands[] in commands.c.  Adding a demo chapter: see demo.c.
 */
#ifndef KMM_TOOLS_CLI_H
#define KMM_TOOLS_CLI_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kmm/gfp.h"
#include "kmm/machine.h"
#include "kmm/proc.h"

#ifndef KMM_VERSION_STRING
#define KMM_VERSION_STRING "0.1.0"
#endif

/* Exit statuses of the kmm binary. */
enum { CLI_EXIT_OK = 0, CLI_EXIT_FAIL = 1, CLI_EXIT_USAGE = 2 };

/* What a shell command returns. */
enum {
	CLI_OK = 0,
	CLI_ERR = 1,  /* failed; the message is in sh->err */
	CLI_QUIT = 2, /* `exit`: stop reading commands, status in sh->exit_status */
};

/* ---- documentation ---------------------------------------------------------- */

/*
 * One man-style page.  description and examples are plain text, lines
 * separated by '\n'; the help printer indents them.  summary is the
 * one-line text of listings and of the NAME section.
 */
struct cli_doc {
	const char *name;
	const char *synopsis; /* may hold several lines */
	const char *summary;
	const char *description;
	const char *examples;
	/* Optional: prints more sections after EXAMPLES (e.g. live defaults). */
	void (*more)(FILE *out);
};

void cli_print_page(FILE *out, const struct cli_doc *doc);
/* "  SYNOPSIS   summary" lines, synopses padded to @width. */
void cli_print_listing_line(FILE *out, const struct cli_doc *doc, int width);

/* ---- the shell ---------------------------------------------------------------- */

/* Blocks remembered under one name by alloc_pages. */
struct cli_alloc_group {
	char name[32];
	size_t nr, cap;
	struct page **pages;
	unsigned char *orders;
};

/* One object remembered by kmem_cache_alloc or kmalloc. */
struct cli_obj {
	void *ptr;
	struct kmem_cache *cache; /* its cache; NULL: kmalloc'd pages or ZERO_SIZE_PTR */
	bool freed;		  /* freed once (a further free is a double free) */
	bool cache_gone;	  /* its cache was destroyed */
};

/* Objects remembered under one name (VAR). */
struct cli_obj_var {
	char name[32];
	size_t nr, cap;
	struct cli_obj *objs;
};

/* A shell variable ($NAME): set by the as=VAR of spawn, fork, mmap, ... */
#define CLI_VAR_NAME_MAX 32
struct cli_var {
	char name[CLI_VAR_NAME_MAX];
	char value[64];
};

/* A cache made by kmem_cache_create, under the name it was created with. */
struct cli_cache_ref {
	char name[32];
	struct kmem_cache *cache;
};

struct cli_shell {
	struct kmm_machine *m;
	FILE *out; /* command output (a memstream while redirected) */
	char err[1024];
	bool interactive;
	int exit_status; /* set by `exit N` */

	struct cli_alloc_group *groups;
	size_t nr_groups, cap_groups;
	unsigned next_auto_name;

	struct cli_obj_var *vars; /* cmd_slab.c */
	size_t nr_vars, cap_vars;
	unsigned next_obj_name;
	struct cli_cache_ref *caches;
	size_t nr_caches, cap_caches;

	struct cli_var *svars; /* shell variables, for $NAME */
	size_t nr_svars, cap_svars;
	/* the boot console, if any: tells whether a kernel report reached it */
	struct cli_console *con;
};

struct cli_cmd {
	struct cli_doc doc;
	int (*run)(struct cli_shell *sh, int argc, char **argv);
};

/* The shell's command table (commands.c), NULL-terminated. */
extern const struct cli_cmd *const cli_commands[];
const struct cli_cmd *cli_find_command(const char *name);

extern const struct cli_cmd cli_cmd_cat, cli_cmd_echo, cli_cmd_ls;
extern const struct cli_cmd cli_cmd_alloc_pages, cli_cmd_free_pages, cli_cmd_allocs, cli_cmd_drain;
extern const struct cli_cmd cli_cmd_slabtop, cli_cmd_kmem_cache_create, cli_cmd_kmem_cache_alloc,
	cli_cmd_kmem_cache_free, cli_cmd_kmem_cache_destroy, cli_cmd_kmalloc, cli_cmd_kfree;
extern const struct cli_cmd cli_cmd_dmesg, cli_cmd_sleep, cli_cmd_help, cli_cmd_exit, cli_cmd_quit;
extern const struct cli_cmd cli_cmd_spawn, cli_cmd_fork, cli_cmd_kill, cli_cmd_ps;
extern const struct cli_cmd cli_cmd_mmap, cli_cmd_munmap, cli_cmd_mprotect, cli_cmd_mremap,
	cli_cmd_madvise, cli_cmd_msync, cli_cmd_mlock, cli_cmd_munlock, cli_cmd_brk, cli_cmd_fill,
	cli_cmd_check, cli_cmd_write, cli_cmd_read, cli_cmd_tlb;
extern const struct cli_cmd cli_cmd_vmstat, cli_cmd_mkswap, cli_cmd_swapon, cli_cmd_swapoff;

void cli_shell_init(struct cli_shell *sh, struct kmm_machine *m);
/* Frees every remembered block and the shell's own memory. */
void cli_shell_destroy(struct cli_shell *sh);

/* Set sh->err (printf-style); returns CLI_ERR. */
int cli_error(struct cli_shell *sh, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "CMD: PROBLEM (usage: SYNOPSIS)"; returns CLI_ERR. */
int cli_usage(struct cli_shell *sh, const struct cli_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Run one command line (no ';' splitting).  Returns CLI_OK, CLI_ERR (the
 * message in sh->err) or CLI_QUIT.
 */
int cli_run_line(struct cli_shell *sh, const char *line);

/*
 * Run a script text: lines split on '\n' and, outside quotes, on ';'.
 * @origin names it in error messages ("FILE:LINE: message").  If
 * @number_segments, N counts commands (the -c form) instead of lines.
 * Stops at the first failing command: prints the located error on stderr
 * and returns CLI_EXIT_FAIL; returns CLI_EXIT_OK or the `exit` status.
 */
int cli_run_script_text(struct cli_shell *sh, const char *origin, const char *text,
			bool number_segments, bool *quit);
/* Same for a file ("-": stdin). */
int cli_run_script_file(struct cli_shell *sh, const char *path, bool *quit);
/* The interactive shell on a terminal (libedit); returns the exit status. */
int cli_interactive(struct cli_shell *sh);

/* ---- shell variables (shell.c) -------------------------------------------------- */

/* A valid variable name: a letter or '_', then letters, digits, '_'; < 32. */
bool cli_valid_var_name(const char *name);
/* Set $NAME (created or replaced); false if out of memory. */
bool cli_var_set(struct cli_shell *sh, const char *name, const char *value);
/* The value of $NAME, or NULL if unset. */
const char *cli_var_get(struct cli_shell *sh, const char *name);

/* ---- tasks (cmd_task.c) ------------------------------------------------------------ */

struct kmm_task;
/*
 * The task a TASK argument names (a pid, usually from $VAR), or NULL after
 * setting the error "CMD: no such task: ARG".
 */
struct kmm_task *cli_task_arg(struct cli_shell *sh, const char *cmd, const char *arg);
/* "CMD: Cannot allocate memory (ENOMEM)"; returns CLI_ERR. */
int cli_errno_error(struct cli_shell *sh, const char *cmd, long negerr);
/* The errno's name ("ENOMEM"), or NULL. */
const char *cli_errno_name(long negerr);
/* The signal's name ("SIGSEGV"), or NULL. */
const char *cli_signal_name(int sig);

/* ---- remembered allocations (cmd_pages.c) -------------------------------------- */

struct cli_alloc_group *cli_find_group(struct cli_shell *sh, const char *name);
void cli_free_group(struct cli_shell *sh, struct cli_alloc_group *g);

/* ---- remembered objects and caches (cmd_slab.c) -------------------------------------- */

/* Free every remembered live object and destroy the shell's caches. */
void cli_slab_forget(struct cli_shell *sh);

/* ---- boot console and machine helpers (console.c) ------------------------------- */

struct cli_console {
	FILE *fp;
	uint64_t t0_ns;		/* time of the boot call: the zero of timestamps */
	unsigned long nr_lines; /* lines written so far */
};

void cli_console_init(struct cli_console *con, FILE *fp);
/* A struct kmm_boot_opts console callback: "[    0.000000] text\n". */
void cli_console_write(void *ctx, int level, const char *line, size_t len);

/*
 * Boot a machine with its log going to @con.  On error prints
 * "kmm: PREFIX: MESSAGE" on stderr and returns NULL.
 */
struct kmm_machine *cli_boot_machine(const char *cmdline, struct cli_console *con,
				     const char *prefix);

/*
 * Read a whole /proc or /sys file into a malloc'd string.  Returns NULL
 * and sets *err (a negative errno) on failure.
 */
char *cli_proc_read_all(struct kmm_machine *m, const char *path, long *err);

/*
 * A path as the library expects it: absolute ("/" is the shell's working
 * directory), no empty, "." or ".." components, no trailing '/'.  Writes
 * into @out and returns it (or returns @in if it does not fit).
 */
#define CLI_PATH_MAX 1024
const char *cli_path(const char *in, char *out, size_t size);

/* strerror() of a negative kmm errno. */
const char *cli_strerror(long negerr);

/* Parse a whole unsigned/signed decimal (or 0x) number; false if malformed. */
bool cli_parse_ulong(const char *s, unsigned long *out);
bool cli_parse_long(const char *s, long *out);
/*
 * An address or size: numbers (decimal or 0x hex) with an optional K, M, G
 * or T suffix (binary multiples), joined by '+' and '-': "0x7f0000001000",
 * "64K", "$A+4K-16" once $A is substituted.  False if malformed, if it
 * overflows or if the result is negative.
 */
bool cli_parse_size_expr(const char *s, uint64_t *out);

/* Top-level `kmm help` (help.c). */
void cli_print_tool_usage(FILE *out);
int cli_show_help(FILE *out, const char *topic);
/* The top-level commands (main.c), NULL-terminated. */
struct cli_tool_cmd {
	struct cli_doc doc;
	int (*main)(int argc, char **argv);
};
extern const struct cli_tool_cmd *const cli_tool_commands[];
const struct cli_tool_cmd *cli_find_tool_command(const char *name);
extern const struct cli_tool_cmd cli_tool_demo;	  /* demo.c */
extern const struct cli_tool_cmd cli_tool_boot;	  /* boot.c */
extern const struct cli_tool_cmd cli_tool_help;	  /* help.c */
extern const struct cli_tool_cmd cli_tool_replay; /* replay.c */

#endif /* KMM_TOOLS_CLI_H */
