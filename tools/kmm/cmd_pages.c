/* SPDX-License-Identifier: MIT */
/*
 * tools/kmm/cmd_pages.c - the shell's page-allocator commands:
 * alloc_pages, free_pages, allocs and drain.  Allocated blocks are
 * remembered under a name so that a later command can free them.
 */
#include "cli.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* ---- remembered blocks ------------------------------------------------------------ */

struct cli_alloc_group *cli_find_group(struct cli_shell *sh, const char *name)
{
	for (size_t i = 0; i < sh->nr_groups; i++)
		if (!strcmp(sh->groups[i].name, name))
			return &sh->groups[i];
	return NULL;
}

static struct cli_alloc_group *new_group(struct cli_shell *sh, const char *name)
{
	struct cli_alloc_group *g;
	if (sh->nr_groups == sh->cap_groups) {
		size_t cap = sh->cap_groups ? sh->cap_groups * 2 : 8;
		g = realloc(sh->groups, cap * sizeof(*g));
		if (!g)
			return NULL;
		sh->groups = g;
		sh->cap_groups = cap;
	}
	g = &sh->groups[sh->nr_groups++];
	memset(g, 0, sizeof(*g));
	snprintf(g->name, sizeof(g->name), "%s", name);
	return g;
}

static bool group_add(struct cli_alloc_group *g, struct page *page, unsigned order)
{
	if (g->nr == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 16;
		struct page **pages = realloc(g->pages, cap * sizeof(*pages));
		unsigned char *orders;
		if (!pages)
			return false;
		g->pages = pages;
		orders = realloc(g->orders, cap);
		if (!orders)
			return false;
		g->orders = orders;
		g->cap = cap;
	}
	g->pages[g->nr] = page;
	g->orders[g->nr] = (unsigned char)order;
	g->nr++;
	return true;
}

void cli_free_group(struct cli_shell *sh, struct cli_alloc_group *g)
{
	size_t idx = (size_t)(g - sh->groups);

	for (size_t i = 0; i < g->nr; i++)
		__kmm_free_pages(sh->m, g->pages[i], g->orders[i]);
	free(g->pages);
	free(g->orders);
	memmove(&sh->groups[idx], &sh->groups[idx + 1], (sh->nr_groups - idx - 1) * sizeof(*g));
	sh->nr_groups--;
}

static void print_block(struct cli_shell *sh, const char *name, struct page *page, unsigned order)
{
	struct kmm_machine *m = sh->m;
	fprintf(sh->out, "%s: pfn 0x%llx order %u node %d zone %s\n", name,
		(unsigned long long)kmm_page_to_pfn(m, page), order, kmm_page_to_nid(page),
		kmm_page_zone(m, page)->name);
}

static bool valid_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= sizeof(((struct cli_alloc_group *)0)->name))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' && *s != '.')
			return false;
	return true;
}

/* ---- alloc_pages ---------------------------------------------------------------------- */

#define ALLOC_MAX_COUNT (1UL << 24)

static int cmd_alloc_pages(struct cli_shell *sh, int argc, char **argv)
{
	const struct cli_cmd *me = &cli_cmd_alloc_pages;
	struct kmm_machine *m = sh->m;
	const char *order_arg = NULL, *name = NULL;
	char autoname[32], gfpbuf[256];
	unsigned long order = 0, count = 1;
	long nid = -1;
	gfp_t gfp = GFP_KERNEL;
	struct cli_alloc_group *g;
	unsigned long done = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strncmp(a, "gfp=", 4)) {
			if (kmm_parse_gfp(a + 4, &gfp) < 0)
				return cli_usage(sh, me, "invalid GFP flags '%s'", a + 4);
		} else if (!strncmp(a, "node=", 5)) {
			if (!cli_parse_long(a + 5, &nid) || nid < -1)
				return cli_usage(sh, me, "invalid node '%s'", a + 5);
		} else if (!strncmp(a, "count=", 6)) {
			if (!cli_parse_ulong(a + 6, &count) || count == 0 ||
			    count > ALLOC_MAX_COUNT)
				return cli_usage(sh, me, "invalid count '%s'", a + 6);
		} else if (!strncmp(a, "as=", 3)) {
			name = a + 3;
			if (!valid_name(name))
				return cli_usage(sh, me,
						 "invalid name '%s' (letters, digits, _ - . ; "
						 "at most 31)",
						 name);
		} else if (strchr(a, '=')) {
			return cli_usage(sh, me, "unknown option '%s'", a);
		} else if (order_arg) {
			return cli_usage(sh, me, "unexpected argument '%s'", a);
		} else {
			order_arg = a;
			if (!cli_parse_ulong(a, &order) || order > 63)
				return cli_usage(sh, me, "invalid order '%s'", a);
		}
	}
	if (!order_arg)
		return cli_usage(sh, me, "missing ORDER");
	if (nid >= 0 && (nid >= m->nr_node_ids || nid >= MAX_NUMNODES || !m->node_data[nid]))
		return cli_usage(sh, me, "node %ld is not online (nodes 0-%d)", nid,
				 m->nr_node_ids - 1);

	if (!name) {
		do
			snprintf(autoname, sizeof(autoname), "a%u", sh->next_auto_name++);
		while (cli_find_group(sh, autoname));
		name = autoname;
	}

	for (; done < count; done++) {
		struct page *page = kmm_alloc_pages_node(m, (int)nid, gfp, (unsigned)order);
		if (!page)
			break;
		g = cli_find_group(sh, name);
		if (!g)
			g = new_group(sh, name);
		if (!g || !group_add(g, page, (unsigned)order)) {
			__kmm_free_pages(m, page, (unsigned)order);
			return cli_error(sh, "alloc_pages: out of host memory");
		}
		print_block(sh, name, page, (unsigned)order);
	}
	if (done < count) {
		kmm_format_gfp(gfpbuf, sizeof(gfpbuf), gfp);
		if (done == 0 && nid >= 0)
			return cli_error(
				sh, "alloc_pages: order %lu allocation failed (gfp=%s, node %ld)",
				order, gfpbuf, nid);
		if (done == 0)
			return cli_error(sh, "alloc_pages: order %lu allocation failed (gfp=%s)",
					 order, gfpbuf);
		return cli_error(
			sh,
			"alloc_pages: order %lu allocation failed (gfp=%s) after %lu of %lu "
			"blocks; those are kept as %s",
			order, gfpbuf, done, count, name);
	}
	return CLI_OK;
}

const struct cli_cmd cli_cmd_alloc_pages = {
	.doc = {
		.name = "alloc_pages",
		.synopsis = "alloc_pages ORDER [gfp=FLAGS] [node=N] [count=K] [as=NAME]",
		.summary = "allocate blocks of 2^ORDER pages from the buddy allocator",
		.description =
			"Allocates K blocks (default 1) of 2^ORDER contiguous pages, as the\n"
			"kernel's alloc_pages_node(N, FLAGS, ORDER) does, and remembers them\n"
			"under NAME so that `free_pages NAME` can give them back.  Without\n"
			"as=NAME the blocks get the next free automatic name: a1, a2, ...\n"
			"Using an existing NAME adds the new blocks to it.\n"
			"\n"
			"FLAGS are GFP flags joined by '|', as the kernel spells them\n"
			"(GFP_KERNEL, GFP_ATOMIC, GFP_DMA, __GFP_ZERO, __GFP_NOWARN, ...),\n"
			"or a number; default GFP_KERNEL.  N is a node id; -1 (default) is\n"
			"the node of the CPU the shell runs on.\n"
			"\n"
			"Prints one line per block: its name, first page frame number,\n"
			"order, node and zone.  If an allocation fails the command fails\n"
			"(the kernel's 'page allocation failure' report goes to the log\n"
			"unless __GFP_NOWARN); blocks allocated before it are kept.",
		.examples =
			"alloc_pages 0\n"
			"alloc_pages 3 gfp=GFP_KERNEL|__GFP_ZERO count=4 as=buf\n"
			"alloc_pages 0 gfp=GFP_DMA node=0\n"
			"alloc_pages 9 gfp=GFP_HIGHUSER_MOVABLE as=huge",
	},
	.run = cmd_alloc_pages,
};

/* ---- free_pages ------------------------------------------------------------------------ */

static int cmd_free_pages(struct cli_shell *sh, int argc, char **argv)
{
	if (argc < 2)
		return cli_usage(sh, &cli_cmd_free_pages, "missing NAME");
	if (argc == 2 && !strcmp(argv[1], "-a")) {
		while (sh->nr_groups)
			cli_free_group(sh, &sh->groups[sh->nr_groups - 1]);
		return CLI_OK;
	}
	/* Check every name first: free all or nothing. */
	for (int i = 1; i < argc; i++)
		if (!cli_find_group(sh, argv[i]))
			return cli_error(sh, "free_pages: %s: no such allocation (see `allocs`)",
					 argv[i]);
	for (int i = 1; i < argc; i++) {
		struct cli_alloc_group *g = cli_find_group(sh, argv[i]);
		if (g) /* a name given twice is freed once */
			cli_free_group(sh, g);
	}
	return CLI_OK;
}

const struct cli_cmd cli_cmd_free_pages = {
	.doc = {
		.name = "free_pages",
		.synopsis = "free_pages NAME...\nfree_pages -a",
		.summary = "free the blocks remembered under NAME",
		.description =
			"Frees every block that alloc_pages remembered under each NAME,\n"
			"each with the order it was allocated with (the kernel's\n"
			"__free_pages), and forgets the name.  With -a frees every\n"
			"remembered block.  Order-0..3 pages go to the per-CPU lists first;\n"
			"`drain` returns them to the buddy lists, where they merge.",
		.examples = "free_pages a1\nfree_pages buf huge\nfree_pages -a",
	},
	.run = cmd_free_pages,
};

/* ---- allocs ------------------------------------------------------------------------------ */

static int cmd_allocs(struct cli_shell *sh, int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return cli_usage(sh, &cli_cmd_allocs, "no arguments expected");
	for (size_t i = 0; i < sh->nr_groups; i++) {
		struct cli_alloc_group *g = &sh->groups[i];
		for (size_t j = 0; j < g->nr; j++)
			print_block(sh, g->name, g->pages[j], g->orders[j]);
	}
	return CLI_OK;
}

const struct cli_cmd cli_cmd_allocs = {
	.doc = {
		.name = "allocs",
		.synopsis = "allocs",
		.summary = "list the blocks remembered by alloc_pages",
		.description = "Prints every remembered block, one line each, as alloc_pages did.",
		.examples = "alloc_pages 2 count=2 as=x\nallocs",
	},
	.run = cmd_allocs,
};

/* ---- drain ----------------------------------------------------------------------------------- */

static int cmd_drain(struct cli_shell *sh, int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return cli_usage(sh, &cli_cmd_drain, "no arguments expected");
	kmm_drain_all_pages(sh->m);
	return CLI_OK;
}

const struct cli_cmd cli_cmd_drain = {
	.doc = {
		.name = "drain",
		.synopsis = "drain",
		.summary = "return the per-CPU page lists to the buddy allocator",
		.description =
			"Frees the pages cached on every CPU's per-CPU lists back to the\n"
			"buddy free lists (the kernel's drain_all_pages), where they merge\n"
			"with their buddies.  /proc/buddyinfo counts only buddy pages, so\n"
			"drain after free_pages to see the blocks merge back.",
		.examples = "free_pages -a\ndrain\ncat /proc/buddyinfo",
	},
	.run = cmd_drain,
};
