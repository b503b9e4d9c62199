/* SPDX-License-Identifier: MIT */
/*
 * tools/kmm/demo.c - `kmm demo`: a guided tour of the memory manager on
 * the default machine, for someone who has never looked inside it.
 *
 * The tour is a table of chapters, each a function run in order on one
 * booted machine with the shell bound to CPU 0 (a chapter that needs
 * another shape of machine, like pressure, boots its own and returns to
 * the tour's machine afterwards).  A chapter explains each
 * step in one plain line starting with "==> ", then shows it: mostly by
 * running shell commands (echoed after a "kmm# " prompt, so the reader can
 * repeat them in `kmm boot`), sometimes by calling the library directly.
 * A chapter must leave the machine as it found it (free what it
 * allocated) and run without a terminal in well under a second or two.
 *
 * To add a chapter: write a
 * `static int chapter_NAME(struct demo *d)` returning 0 (or -1 after
 * printing why it could not go on) and add it to chapters[] below.
 */
#include "cli.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct demo {
	struct kmm_machine *m;
	struct cli_shell sh;
	struct cli_console con;
};

/* ---- helpers for chapters --------------------------------------------------------- */

#define WRAP_COLUMNS 96
#define NBSP "\x1f" /* a space where print_wrapped() must not break */

/*
 * Print @text after @first, wrapped at WRAP_COLUMNS on spaces (not NBSP);
 * later lines indented 4.
 */
static void print_wrapped(const char *first, const char *text)
{
	size_t col = strlen(first);
	const char *p = text;

	fputs(first, stdout);
	while (*p) {
		size_t word = strcspn(p, " ");
		if (col > 4 && col + 1 + word > WRAP_COLUMNS) {
			fputs("\n    ", stdout);
			col = 4;
		} else if (p != text) {
			fputc(' ', stdout);
			col++;
		}
		for (size_t i = 0; i < word; i++)
			fputc(p[i] == NBSP[0] ? ' ' : p[i], stdout);
		col += word;
		p += word;
		while (*p == ' ')
			p++;
	}
	fputc('\n', stdout);
	fflush(stdout);
}

/* A step: one line of plain explanation (wrapped if long). */
static void __attribute__((format(printf, 2, 3))) step(struct demo *d, const char *fmt, ...)
{
	char text[1024];
	va_list ap;
	(void)d;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	print_wrapped("==> ", text);
}

/* A remark printed under a step's output (indented, not a new step). */
static void __attribute__((format(printf, 2, 3))) note(struct demo *d, const char *fmt, ...)
{
	char text[1024];
	va_list ap;
	(void)d;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	print_wrapped("    ", text);
}

/* Run a shell command, echoed after the prompt.  0 or -1 (error printed). */
static int run(struct demo *d, const char *cmdline)
{
	int rc;
	printf("kmm# %s\n", cmdline);
	fflush(stdout);
	rc = cli_run_line(&d->sh, cmdline);
	fflush(stdout);
	if (rc == CLI_ERR) {
		fprintf(stderr, "kmm demo: %s\n", d->sh.err);
		return -1;
	}
	return 0;
}

/* A whole /proc file, malloc'd; NULL (error printed) on failure. */
static char *read_file(struct demo *d, const char *path)
{
	long err;
	char *s = cli_proc_read_all(d->m, path, &err);
	if (!s)
		fprintf(stderr, "kmm demo: %s: %s\n", path, cli_strerror(err));
	return s;
}

/* Print the line of @text that starts at @line (up to its newline). */
static void print_line(const char *line)
{
	printf("%.*s\n", (int)strcspn(line, "\n"), line);
}

/* The next line after @line in its text, or NULL at the end. */
static const char *next_line(const char *line)
{
	const char *nl = strchr(line, '\n');
	return nl && nl[1] ? nl + 1 : NULL;
}

static bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* Does the line at @line (up to its newline) contain @needle? */
static bool line_has(const char *line, const char *needle)
{
	size_t len = strcspn(line, "\n"), n = strlen(needle);
	for (size_t i = 0; i + n <= len; i++)
		if (!strncmp(line + i, needle, n))
			return true;
	return false;
}

/* ---- /proc/buddyinfo lines --------------------------------------------------------- */

struct buddy_line {
	int nid;
	char zone[16];
	unsigned long nr[NR_PAGE_ORDERS];
};

/* Parse "Node 0, zone   Normal      3      1 ..." */
static bool parse_buddy_line(const char *line, struct buddy_line *b)
{
	int pos = 0;
	char *end;
	const char *p;

	memset(b, 0, sizeof(*b));
	if (sscanf(line, "Node %d, zone %15s%n", &b->nid, b->zone, &pos) != 2)
		return false;
	p = line + pos;
	for (int o = 0; o < NR_PAGE_ORDERS; o++) {
		b->nr[o] = strtoul(p, &end, 10);
		if (end == p)
			return false;
		p = end;
	}
	return true;
}

/* Find the line of (nid, zone) in a buddyinfo text. */
static const char *find_buddy_line(const char *text, int nid, const char *zone,
				   struct buddy_line *out)
{
	for (const char *l = text; l; l = next_line(l)) {
		if (parse_buddy_line(l, out) && out->nid == nid && !strcmp(out->zone, zone))
			return l;
	}
	return NULL;
}

static unsigned long buddy_free_pages(const struct buddy_line *b)
{
	unsigned long pages = 0;
	for (int o = 0; o < NR_PAGE_ORDERS; o++)
		pages += b->nr[o] << o;
	return pages;
}

/* Print "before:/after:" lines of one zone and what changed per order. */
static void show_zone_change(struct demo *d, const char *before, const char *after, int nid,
			     const char *zone)
{
	struct buddy_line b, a;
	const char *lb = find_buddy_line(before, nid, zone, &b);
	const char *la = find_buddy_line(after, nid, zone, &a);
	char changes[1024] = "";
	size_t len = 0;

	if (!lb || !la) {
		note(d, "(zone %s of node %d is not in /proc/buddyinfo)", zone, nid);
		return;
	}
	printf("before: ");
	print_line(lb);
	printf("after:  ");
	print_line(la);
	for (int o = NR_PAGE_ORDERS - 1; o >= 0; o--) {
		if (a.nr[o] == b.nr[o])
			continue;
		len += (size_t)snprintf(changes + len, sizeof(changes) - len,
					"%sorder" NBSP "%d:" NBSP "%lu" NBSP "->" NBSP "%lu",
					len ? ", " : "", o, b.nr[o], a.nr[o]);
		if (len >= sizeof(changes))
			break;
	}
	note(d, "changed: %s", len ? changes : "nothing");
}

/* ---- chapter: the buddy allocator ---------------------------------------------------- */

static int chapter_buddy(struct demo *d)
{
	char *start = NULL, *before = NULL, *after = NULL;
	struct cli_alloc_group *g;
	struct buddy_line b, a;
	struct page *page;
	int nid, rc = -1;
	const char *zone;

	/* Start from a known state: nothing parked on per-CPU lists. */
	kmm_drain_all_pages(d->m);

	step(d,
	     "The buddy allocator keeps free memory in blocks of 2^order pages (order 0 = "
	     "4 KiB ... order %d = %lu KiB); /proc/buddyinfo counts the free blocks of each "
	     "order, per node and zone:",
	     MAX_PAGE_ORDER, (KMM_PAGE_SIZE << MAX_PAGE_ORDER) >> 10);
	if (run(d, "cat /proc/buddyinfo") || !(start = read_file(d, "/proc/buddyinfo")))
		goto out;

	step(d, "Allocate one page (order 0) with GFP_KERNEL, as the kernel's "
		"alloc_pages(GFP_KERNEL, 0) would:");
	before = start;
	if (run(d, "alloc_pages 0 as=one"))
		goto out;
	g = cli_find_group(&d->sh, "one");
	if (!g || !g->nr)
		goto out;
	page = g->pages[0];
	nid = kmm_page_to_nid(page);
	zone = kmm_page_zone(d->m, page)->name;
	if (!(after = read_file(d, "/proc/buddyinfo")))
		goto out;

	step(d,
	     "It came from zone %s of node %d. Here is that zone's buddyinfo line before "
	     "and after:",
	     zone, nid);
	show_zone_change(d, before, after, nid, zone);
	if (find_buddy_line(before, nid, zone, &b) && find_buddy_line(after, nid, zone, &a)) {
		unsigned long taken = buddy_free_pages(&b) - buddy_free_pages(&a);
		int top = -1;
		for (int o = NR_PAGE_ORDERS - 1; o >= 0 && top < 0; o--)
			if (a.nr[o] < b.nr[o])
				top = o;
		if (top > 0)
			note(d,
			     "To find order-0 pages the allocator split a free order-%d block: "
			     "one half is handed out, the other half goes back one order "
			     "lower, and so on down to order 0.",
			     top);
		if (taken > 1)
			note(d,
			     "The buddy lists gave %lu pages at once: order-0 requests are "
			     "served from a per-CPU list, refilled in batches; 1 page went to "
			     "us, %lu wait on CPU 0's list for the next requests.",
			     taken, taken - 1);
		else if (taken == 1)
			note(d, "Exactly one page left the buddy lists.");
		else
			note(d, "The page came from CPU 0's per-CPU list, which already had "
				"pages, so the buddy lists did not change.");
	}
	free(after);
	after = NULL;

	step(d, "Allocate several blocks of mixed orders, all remembered as 'mix' (each line: "
		"first page frame number, order, node, zone):");
	if (run(d, "alloc_pages 1 as=mix") || run(d, "alloc_pages 2 count=2 as=mix") ||
	    run(d, "alloc_pages 4 as=mix") || run(d, "alloc_pages 6 count=3 as=mix") ||
	    run(d, "alloc_pages 9 gfp=GFP_HIGHUSER_MOVABLE as=mix"))
		goto out;
	if (run(d, "cat /proc/buddyinfo"))
		goto out;

	step(d, "Free everything and drain the per-CPU lists: each freed block merges with its "
		"free 'buddy' (the block next to it of the same size) into ever larger blocks:");
	if (run(d, "free_pages one mix") || run(d, "drain") || run(d, "cat /proc/buddyinfo"))
		goto out;
	if (!(after = read_file(d, "/proc/buddyinfo")))
		goto out;
	if (!strcmp(after, start))
		note(d, "Identical to the buddyinfo we started from: every block found its "
			"buddy again.");
	else
		note(d, "Not quite the buddyinfo we started from (other activity, or a block "
			"that did not merge back).");
	rc = 0;
out:
	free(start);
	free(after);
	return rc;
}

/* ---- chapter: zones, pageblocks and watermarks ------------------------------------------ */

static int chapter_zones(struct demo *d)
{
	char *text;
	const char *l;
	bool in_table = false;

	step(d,
	     "Memory is also grouped in pageblocks of %lu pages, each tagged with a migrate "
	     "type so that unmovable allocations do not scatter among movable ones; "
	     "/proc/pagetypeinfo counts the blocks of each type:",
	     pageblock_nr_pages);
	printf("kmm# cat /proc/pagetypeinfo    (excerpt)\n");
	if (!(text = read_file(d, "/proc/pagetypeinfo")))
		return -1;
	/* The file repeats its header and tables per node: show each header once. */
	bool shown_order = false, shown_per_block = false, shown_table = false;
	for (l = text; l; l = next_line(l)) {
		if (starts_with(l, "Page block order")) {
			if (!shown_order)
				print_line(l);
			shown_order = true;
		} else if (starts_with(l, "Pages per block")) {
			if (!shown_per_block)
				print_line(l);
			shown_per_block = true;
		} else if (starts_with(l, "Number of blocks type")) {
			if (!shown_table) {
				printf("...\n");
				print_line(l);
			}
			shown_table = in_table = true;
		} else if (in_table && starts_with(l, "Node ")) {
			print_line(l);
		} else {
			in_table = false;
		}
	}
	free(text);

	step(d, "Each zone has watermarks: below 'low' free pages kswapd starts reclaiming, "
		"below 'min' only urgent allocations succeed; 'protection' keeps allocations "
		"that could use higher zones out of this one. From /proc/zoneinfo:");
	printf("kmm# cat /proc/zoneinfo    (excerpt: the first zone)\n");
	if (!(text = read_file(d, "/proc/zoneinfo")))
		return -1;
	for (l = text; l && !(starts_with(l, "Node ") && line_has(l, ", zone")); l = next_line(l))
		;
	if (!l) {
		note(d, "(no zone found in /proc/zoneinfo)");
	} else {
		print_line(l);
		bool in_wmarks = false;
		for (l = next_line(l); l && !starts_with(l, "Node "); l = next_line(l)) {
			if (starts_with(l, "  pages free"))
				in_wmarks = true;
			if (in_wmarks)
				print_line(l);
			if (in_wmarks && line_has(l, "protection:"))
				break;
		}
	}
	free(text);
	return 0;
}

/* ---- chapter: an allocation failure ----------------------------------------------------- */

static int chapter_failure(struct demo *d)
{
	struct kmm_machine *m = d->m;
	pg_data_t *pgdat = NODE_DATA(m, 0);
	enum zone_type zt = ZONE_DMA;
	const char *gfp_name = "GFP_DMA";
	gfp_t gfp = GFP_DMA;
	struct page **pages = NULL;
	size_t nr = 0, cap = 0, limit;
	char *before = NULL, *after = NULL;
	struct zone *z;
	unsigned long failures, lines;
	int rc = -1;

	if (!pgdat)
		return 0;
	if (!atomic_load(&pgdat->node_zones[ZONE_DMA].managed_pages)) {
		zt = ZONE_DMA32;
		gfp = GFP_DMA32;
		gfp_name = "GFP_DMA32";
		if (!atomic_load(&pgdat->node_zones[ZONE_DMA32].managed_pages)) {
			step(d, "(This machine has neither a DMA nor a DMA32 zone on node 0: no "
				"allocation failure to show.)");
			return 0;
		}
	}
	z = &pgdat->node_zones[zt];
	limit = atomic_load(&z->managed_pages) + 1;

	kmm_drain_all_pages(m);
	if (!(before = read_file(d, "/proc/buddyinfo")))
		return -1;
	step(d,
	     "%s allocations can only use zone %s (%lu pages here, min watermark %lu). "
	     "Allocate order-0 %s pages on node 0 until the zone runs dry:",
	     gfp_name, z->name, (unsigned long)atomic_load(&z->managed_pages),
	     (unsigned long)atomic_load(&z->_watermark[WMARK_MIN]), gfp_name);
	printf("kmm# alloc_pages 0 gfp=%s node=0    (repeated until it fails)\n", gfp_name);
	fflush(stdout);

	failures = atomic_load(&m->nr_alloc_failed);
	lines = d->con.nr_lines;
	for (;;) {
		struct page *p;
		if (nr == limit) {
			fprintf(stderr, "kmm demo: zone %s never ran out\n", z->name);
			goto out;
		}
		if (nr == cap) {
			size_t ncap = cap ? cap * 2 : 1024;
			struct page **np = realloc(pages, ncap * sizeof(*np));
			if (!np)
				goto out;
			pages = np;
			cap = ncap;
		}
		p = kmm_alloc_pages_node(m, 0, gfp, 0);
		if (!p)
			break;
		pages[nr++] = p;
	}
	fflush(stdout);
	if (atomic_load(&m->nr_alloc_failed) != failures && d->con.nr_lines == lines) {
		/* The console did not show the report (quiet?): take it from the log. */
		char *log = malloc(KMM_LOG_BUF_SIZE + 1);
		if (log) {
			size_t n = kmm_log_read(m, log, KMM_LOG_BUF_SIZE + 1);
			char *last = NULL, *s;
			log[n] = '\0';
			for (s = log; (s = strstr(s, "page allocation failure")); s++)
				last = s;
			if (last) {
				while (last > log && last[-1] != '\n')
					last--;
				fputs(last, stdout);
			}
			free(log);
		}
	}
	note(d,
	     "The allocation failed after %zu pages (%zu KiB): the zone's free pages had "
	     "reached its min watermark. Above is the kernel's 'page allocation failure' "
	     "report: who asked (order, gfp flags), then Mem-Info, the state of every zone.",
	     nr, nr * (KMM_PAGE_SIZE >> 10));

	step(d, "Give the %zu pages back and drain: zone %s is whole again:", nr, z->name);
	for (size_t i = 0; i < nr; i++)
		__kmm_free_pages(m, pages[i], 0);
	nr = 0;
	kmm_drain_all_pages(m);
	if (!(after = read_file(d, "/proc/buddyinfo")))
		goto out;
	show_zone_change(d, before, after, 0, z->name);
	rc = 0;
out:
	for (size_t i = 0; i < nr; i++)
		__kmm_free_pages(m, pages[i], 0);
	if (nr)
		kmm_drain_all_pages(m);
	free(pages);
	free(before);
	free(after);
	return rc;
}

/* ---- chapter: the slab allocator ---------------------------------------------------------- */

/* Fields of a /proc/slabinfo line. */
struct slab_line {
	unsigned long active_objs, num_objs, active_slabs, num_slabs;
};

/* Find cache @name in a slabinfo text; the line, or NULL. */
static const char *find_slab_line(const char *text, const char *name, struct slab_line *out)
{
	size_t n = strlen(name);
	for (const char *l = text; l; l = next_line(l)) {
		unsigned osz, per, pages;
		if (strncmp(l, name, n) || l[n] != ' ')
			continue;
		if (sscanf(l + n, "%lu %lu %u %u %u : tunables %*u %*u %*u : slabdata %lu %lu",
			   &out->active_objs, &out->num_objs, &osz, &per, &pages,
			   &out->active_slabs, &out->num_slabs) == 7)
			return l;
	}
	return NULL;
}

/* Show the header and @name's line of /proc/slabinfo; -1 on error. */
static int show_slabinfo(struct demo *d, const char *name, struct slab_line *sl)
{
	char *text = read_file(d, "/proc/slabinfo");
	const char *l;
	if (!text)
		return -1;
	printf("kmm# cat /proc/slabinfo    (excerpt)\n");
	for (l = text; l && !starts_with(l, "# name"); l = next_line(l))
		;
	if (l)
		print_line(l);
	l = find_slab_line(text, name, sl);
	if (l)
		print_line(l);
	else
		note(d, "(no line for %s in /proc/slabinfo)", name);
	free(text);
	return l ? 0 : -1;
}

/* Run a command showing only the first @max lines of its output. */
static int run_excerpt(struct demo *d, const char *cmdline, int max)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *saved = d->sh.out, *ms = open_memstream(&buf, &len);
	int rc, lines = 0, shown = 0;

	if (!ms)
		return run(d, cmdline);
	printf("kmm# %s\n", cmdline);
	fflush(stdout);
	d->sh.out = ms;
	rc = cli_run_line(&d->sh, cmdline);
	d->sh.out = saved;
	fclose(ms);
	for (const char *l = buf; l && *l; l = next_line(l)) {
		lines++;
		if (shown < max) {
			print_line(l);
			shown++;
		}
	}
	if (lines > shown)
		printf("... (%d more lines like these)\n", lines - shown);
	free(buf);
	fflush(stdout);
	if (rc == CLI_ERR) {
		fprintf(stderr, "kmm demo: %s\n", d->sh.err);
		return -1;
	}
	return 0;
}

static int chapter_slab(struct demo *d)
{
	struct kmm_machine *m = d->m;
	struct slab_line a, b;
	unsigned long reports, lines;

	step(d,
	     "The kernel allocates its small objects (inodes, dentries, buffers) from slab "
	     "caches: each cache carves slabs, runs of pages, into equal-size objects. Create one "
	     "for 300-byte objects:");
	if (run(d, "kmem_cache_create my_objects 300") || show_slabinfo(d, "my_objects", &a))
		return -1;

	step(d, "Allocate 200 objects; each line is one object's address:");
	if (run_excerpt(d, "kmem_cache_alloc my_objects count=200 as=objs", 3) ||
	    show_slabinfo(d, "my_objects", &b))
		return -1;
	note(d,
	     "The cache grew from %lu to %lu slabs; %lu of its %lu object slots are in use "
	     "(the 200 we hold, plus spares already handed to CPU 0's object array).",
	     a.num_slabs, b.num_slabs, b.active_objs, b.num_objs);

	step(d, "Free all 200 objects:");
	if (run(d, "kmem_cache_free objs") || show_slabinfo(d, "my_objects", &a))
		return -1;
	if (a.active_objs)
		note(d,
		     "Still %lu active: freed objects wait in the CPU's object arrays for quick "
		     "reuse, and /proc/slabinfo counts those as active, as Linux's SLAB did.",
		     a.active_objs);

	step(d, "Shrink the cache through sysfs: the CPU arrays are flushed and every empty slab "
		"goes back to the page allocator:");
	if (run(d, "echo 1 > /sys/kernel/slab/my_objects/shrink") ||
	    show_slabinfo(d, "my_objects", &b))
		return -1;
	note(d, "Slabs: %lu before the shrink, %lu after.", a.num_slabs, b.num_slabs);
	if (run(d, "kmem_cache_destroy my_objects"))
		return -1;

	step(d, "kmalloc() serves arbitrary sizes from a ladder of caches (kmalloc-8 ... "
		"kmalloc-8k): a request is rounded up to the next size, so 100 bytes come from "
		"kmalloc-128 and 1000 from kmalloc-1k:");
	if (run(d, "kmalloc 100 as=buf") || run(d, "kmalloc 1000 as=big") || run(d, "kfree big"))
		return -1;

	step(d, "Free the 100-byte buffer twice, a classic bug; the slab allocator catches the "
		"second kfree and reports it instead of corrupting its lists:");
	if (run(d, "kfree buf"))
		return -1;
	reports = atomic_load(&m->nr_slab_reports);
	lines = d->con.nr_lines;
	if (run(d, "kfree buf"))
		return -1;
	fflush(stdout);
	if (atomic_load(&m->nr_slab_reports) != reports && d->con.nr_lines == lines)
		note(d, "(the console is quiet: `dmesg` shows the 'Object already free' report)");
	note(d, "The report names the cache, the object and who freed it; the machine carries on "
		"and the cache stays usable.");
	return 0;
}

/* ---- chapter: processes and virtual memory ----------------------------------------------- */

/* Print the lines of @path whose field name is one of @fields ("VmRSS", ...). */
static int show_fields(struct demo *d, const char *shown, const char *path,
		       const char *const *fields)
{
	char *text = read_file(d, path);
	if (!text)
		return -1;
	printf("kmm# cat %s    (excerpt)\n", shown);
	for (const char *l = text; l; l = next_line(l))
		for (const char *const *f = fields; *f; f++)
			if (starts_with(l, *f) && l[strlen(*f)] == ':')
				print_line(l);
	free(text);
	return 0;
}

/* The number after "FIELD:" in @path (kB in status and smaps), or 0. */
static unsigned long read_field(struct demo *d, const char *path, const char *field,
				const char *vma)
{
	char *text = read_file(d, path);
	unsigned long v = 0;
	bool in_vma = !vma;
	if (!text)
		return 0;
	for (const char *l = text; l; l = next_line(l)) {
		if (vma && isxdigit((unsigned char)l[0]) && strchr(l, '-') &&
		    strchr(l, '-') < strchr(l, ' '))
			in_vma = starts_with(l, vma);
		if (in_vma && starts_with(l, field) && l[strlen(field)] == ':') {
			v = strtoul(l + strlen(field) + 1, NULL, 10);
			break;
		}
	}
	free(text);
	return v;
}

/* The smaps entry of the VMA at @vma (hex address without 0x): its header and @fields. */
static int show_smaps_vma(struct demo *d, const char *shown, const char *path, const char *vma,
			  const char *const *fields)
{
	char *text = read_file(d, path);
	bool in_vma = false;
	if (!text)
		return -1;
	printf("kmm# cat %s    (excerpt)\n", shown);
	for (const char *l = text; l; l = next_line(l)) {
		if (isxdigit((unsigned char)l[0]) && strchr(l, '-') &&
		    strchr(l, '-') < strchr(l, ' ')) {
			in_vma = starts_with(l, vma);
			if (in_vma)
				print_line(l);
			continue;
		}
		if (!in_vma)
			continue;
		for (const char *const *f = fields; *f; f++)
			if (starts_with(l, *f) && l[strlen(*f)] == ':')
				print_line(l);
	}
	free(text);
	return 0;
}

/* /proc/vmstat's pgfault, shown as an excerpt. */
static unsigned long vmstat_pgfault(struct demo *d)
{
	char *text = read_file(d, "/proc/vmstat");
	unsigned long v = 0;
	if (!text)
		return 0;
	printf("kmm# cat /proc/vmstat    (excerpt)\n");
	for (const char *l = text; l; l = next_line(l)) {
		if (starts_with(l, "pgfault ")) {
			v = strtoul(l + 8, NULL, 10);
			print_line(l);
		}
	}
	free(text);
	return v;
}

static int chapter_vm(struct demo *d)
{
	static const char *const status_fields[] = { "VmSize", "VmRSS", "RssAnon", "VmPTE", NULL };
	static const char *const smaps_fields[] = { "Rss",	     "Pss",	  "Shared_Dirty",
						    "Private_Dirty", "Anonymous", NULL };
	char path[64], ppath[64], cpath[64], vma[32], tmpl[] = "/tmp/kmm-demo-XXXXXX", cmd[256];
	const char *a, *buf, *c;
	unsigned long f0, f1, rss0, rss1;
	int rc = -1, fd;
	FILE *fp;

	step(d, "A process sees virtual memory: mmap() only reserves addresses; physical pages "
		"come when it first touches them (a page fault). Start a task and map 1 MiB of "
		"anonymous memory:");
	if (run(d, "spawn app as=A") || run(d, "mmap $A 1M as=buf"))
		return -1;
	a = cli_var_get(&d->sh, "A");
	buf = cli_var_get(&d->sh, "buf");
	if (!a || !buf)
		return -1;
	snprintf(ppath, sizeof(ppath), "/proc/%s/status", a);
	snprintf(vma, sizeof(vma), "%s", buf + 2); /* the maps line starts with it, without 0x */
	rss0 = read_field(d, ppath, "VmRSS", NULL);
	if (show_fields(d, "/proc/$A/status", ppath, status_fields))
		return -1;
	note(d, "1024 KiB of address space (VmSize), but only %lu KiB resident (VmRSS).", rss0);

	step(d, "Write 256 KiB of it through the MMU: each first touch of a page faults, and the "
		"kernel maps a fresh zeroed page there:");
	f0 = vmstat_pgfault(d);
	if (run(d, "fill $A $buf 256K 1"))
		return -1;
	f1 = vmstat_pgfault(d);
	rss1 = read_field(d, ppath, "VmRSS", NULL);
	if (show_fields(d, "/proc/$A/status", ppath, status_fields))
		return -1;
	note(d,
	     "VmRSS grew from %lu to %lu KiB, and /proc/vmstat's pgfault by %lu: one fault per "
	     "4 KiB page (VmPTE counts the page tables the faults filled in).",
	     rss0, rss1, f1 - f0);

	step(d, "fork() the task. The child gets the same memory without a copy: both map the "
		"same pages, write-protected, and each page counts half in each one's Pss "
		"(proportional set size):");
	if (run(d, "fork $A child as=C"))
		return -1;
	c = cli_var_get(&d->sh, "C");
	if (!c)
		return -1;
	snprintf(path, sizeof(path), "/proc/%s/smaps", a);
	snprintf(cpath, sizeof(cpath), "/proc/%s/smaps", c);
	if (show_smaps_vma(d, "/proc/$A/smaps", path, vma, smaps_fields) ||
	    show_smaps_vma(d, "/proc/$C/smaps", cpath, vma, smaps_fields))
		return -1;

	step(d, "The child writes the first 64 KiB: each write faults, and copy-on-write gives "
		"the child its own copy of the page:");
	if (run(d, "fill $C $buf 64K 2") ||
	    show_smaps_vma(d, "/proc/$A/smaps", path, vma, smaps_fields) ||
	    show_smaps_vma(d, "/proc/$C/smaps", cpath, vma, smaps_fields))
		return -1;
	note(d, "16 pages are now private to each task (whole in their Pss), 48 still shared. "
		"Each task sees its own data (check is silent when every byte matches):");
	if (run(d, "check $A $buf 256K 1") || run(d, "check $C $buf 64K 2"))
		return -1;

	step(d, "A shared file mapping: writes land in the page cache, and msync() writes them "
		"to the file. Map a 4 KiB host file, write into it, and sync:");
	fd = mkstemp(tmpl);
	if (fd < 0 || (fp = fdopen(fd, "w+")) == NULL) {
		fprintf(stderr, "kmm demo: cannot create a file in /tmp\n");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	for (int i = 0; i < 4096; i++)
		fputc(i % 64 == 63 ? '\n' : '.', fp);
	fflush(fp);
	printf("host$ head -c 40 %s\n%.40s\n", tmpl, "........................................");
	snprintf(cmd, sizeof(cmd), "mmap $A 4K flags=shared file=%s as=f", tmpl);
	if (run(d, cmd) || run(d, "write $A $f 'written by a simulated process'") ||
	    run(d, "msync $A $f 4K"))
		goto out;
	{
		char head[64] = "";
		size_t n;
		rewind(fp);
		n = fread(head, 1, 40, fp);
		head[n] = '\0';
		printf("host$ head -c 40 %s\n%s\n", tmpl, head);
	}
	note(d, "The bytes went from the task's store, through the MMU, into a page of the "
		"machine's page cache, and msync wrote that page to the host file.");

	step(d, "Exit both tasks: their pages and page tables go back to the allocator.");
	if (run(d, "exit $C") || run(d, "exit $A") || run(d, "ps"))
		goto out;
	rc = 0;
out:
	fclose(fp);
	unlink(tmpl);
	return rc;
}

/* ---- chapter: memory pressure, reclaim and swap ------------------------------------------ */

/* The machine of this chapter: small, so that one task outgrows it quickly. */
#define PRESSURE_CMDLINE "mem=64M quiet"
#define PRESSURE_SWAP "64M"
#define PRESSURE_STEP_MIB 16
#define PRESSURE_STEPS 5 /* 80 MiB in all: more than the machine's RAM */
#define PRESSURE_KEEP 2	 /* the areas kept for swapoff */

/* Run a command with its output captured into a malloc'd string (*out, may be NULL). */
static int run_captured(struct demo *d, const char *cmdline, char **out)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *saved = d->sh.out, *ms = open_memstream(&buf, &len);
	int rc;

	if (!ms) {
		fprintf(stderr, "kmm demo: out of memory\n");
		return -1;
	}
	d->sh.out = ms;
	rc = cli_run_line(&d->sh, cmdline);
	d->sh.out = saved;
	fclose(ms);
	if (rc == CLI_ERR) {
		fprintf(stderr, "kmm demo: %s\n", d->sh.err);
		free(buf);
		return -1;
	}
	if (out)
		*out = buf;
	else
		free(buf);
	return 0;
}

/* The output of `vmstat`: its last line with @tail after it, the headers too if @headers. */
static int show_vmstat_line(struct demo *d, bool headers, const char *tail)
{
	char *text;
	const char *l, *last = NULL;

	if (run_captured(d, "vmstat", &text))
		return -1;
	for (l = text; l && *l; l = next_line(l)) {
		if (last && headers)
			print_line(last);
		last = l;
	}
	if (last)
		printf("%.*s%s\n", (int)strcspn(last, "\n"), last, tail);
	free(text);
	return 0;
}

/* A /proc/vmstat counter (0 if it is missing). */
static unsigned long vmstat_value(struct demo *d, const char *name)
{
	char *text = read_file(d, "/proc/vmstat");
	size_t n = strlen(name);
	unsigned long v = 0;

	if (!text)
		return 0;
	for (const char *l = text; l; l = next_line(l))
		if (!strncmp(l, name, n) && l[n] == ' ')
			v = strtoul(l + n + 1, NULL, 10);
	free(text);
	return v;
}

/* The counters this chapter follows. */
struct pressure_counters {
	unsigned long pageoutrun, scan_kswapd, steal_kswapd, scan_direct, steal_direct, pswpout,
		pswpin, majfault;
};

static void read_pressure_counters(struct demo *d, struct pressure_counters *c)
{
	c->pageoutrun = vmstat_value(d, "pageoutrun");
	c->scan_kswapd = vmstat_value(d, "pgscan_kswapd");
	c->steal_kswapd = vmstat_value(d, "pgsteal_kswapd");
	c->scan_direct = vmstat_value(d, "pgscan_direct");
	c->steal_direct = vmstat_value(d, "pgsteal_direct");
	c->pswpout = vmstat_value(d, "pswpout");
	c->pswpin = vmstat_value(d, "pswpin");
	c->majfault = vmstat_value(d, "pgmajfault");
}

/* Print the /proc/vmstat lines of @names, an excerpt. */
static int show_vmstat_counters(struct demo *d, const char *const *names)
{
	char *text = read_file(d, "/proc/vmstat");

	if (!text)
		return -1;
	printf("kmm# cat /proc/vmstat    (excerpt)\n");
	for (const char *const *n = names; *n; n++)
		for (const char *l = text; l; l = next_line(l))
			if (starts_with(l, *n) && l[strlen(*n)] == ' ')
				print_line(l);
	free(text);
	return 0;
}

/*
 * The watermarks of every zone with memory, from /proc/zoneinfo; their
 * sums (pages) in *low and *high.
 */
static int show_watermarks(struct demo *d, unsigned long *low, unsigned long *high)
{
	char *text = read_file(d, "/proc/zoneinfo");

	*low = *high = 0;
	if (!text)
		return -1;
	printf("kmm# cat /proc/zoneinfo    (excerpt: the zones with memory)\n");
	for (const char *z = text; z; z = next_line(z)) {
		const char *lines[4] = { NULL, NULL, NULL, NULL }; /* free, min, low, high */
		unsigned long managed = 0, lo = 0, hi = 0;
		if (!(starts_with(z, "Node ") && line_has(z, ", zone")))
			continue;
		for (const char *l = next_line(z); l && !starts_with(l, "Node ");
		     l = next_line(l)) {
			const char *w = l + strspn(l, " ");
			if (starts_with(w, "pages free"))
				lines[0] = l;
			else if (starts_with(w, "min "))
				lines[1] = l;
			else if (starts_with(w, "low "))
				lines[2] = l;
			else if (starts_with(w, "high "))
				lines[3] = l;
			else if (starts_with(w, "managed "))
				managed = strtoul(w + 8, NULL, 10);
		}
		if (!managed)
			continue;
		lo = lines[2] ? strtoul(lines[2] + strspn(lines[2], " ") + 4, NULL, 10) : 0;
		hi = lines[3] ? strtoul(lines[3] + strspn(lines[3], " ") + 5, NULL, 10) : 0;
		print_line(z);
		for (int i = 0; i < 4; i++)
			if (lines[i])
				print_line(lines[i]);
		*low += lo;
		*high += hi;
	}
	free(text);
	return 0;
}

static int pressure_tour(struct demo *d, const char *swap)
{
	static const char *const status_fields[] = { "VmRSS", "VmSwap", NULL };
	static const char *const swap_fields[] = { "SwapTotal", "SwapFree", NULL };
	static const char *const reclaim_counters[] = { "pageoutrun",
							"pgscan_kswapd",
							"pgsteal_kswapd",
							"pgscan_direct",
							"pgsteal_direct",
							"pswpout",
							NULL };
	static const char *const swapin_counters[] = { "pswpin", "pgmajfault", NULL };
	struct pressure_counters c0, c1, c2, c3, c4;
	unsigned long low, high, swap_kb, rss_kb;
	char cmd[512], status[64], tail[64];
	const char *a;

	step(d,
	     "Reclaim frees memory by taking pages from tasks: file pages can be read again, "
	     "anonymous ones need swap. Make a %s swap file and turn swapping on:",
	     PRESSURE_SWAP);
	snprintf(cmd, sizeof(cmd), "mkswap %s %s", swap, PRESSURE_SWAP);
	if (run(d, cmd))
		return -1;
	snprintf(cmd, sizeof(cmd), "swapon %s", swap);
	if (run(d, cmd) || run(d, "swapon"))
		return -1;

	step(d, "kswapd, one kernel thread per node, sleeps while every zone has more free pages "
		"than its 'low' watermark; below it, kswapd wakes and reclaims until the zones "
		"are above 'high'. This machine's zones (in pages of 4 KiB):");
	if (show_watermarks(d, &low, &high))
		return -1;

	step(d,
	     "A task grows to %d MiB, %d MiB at a time (mmap, then fill writes every page), more "
	     "than this machine's RAM. One vmstat line before and after each step:",
	     PRESSURE_STEP_MIB * PRESSURE_STEPS, PRESSURE_STEP_MIB);
	if (run_captured(d, "spawn app as=A", NULL) || !(a = cli_var_get(&d->sh, "A")))
		return -1;
	snprintf(status, sizeof(status), "/proc/%s/status", a);
	read_pressure_counters(d, &c0);
	printf("kmm# spawn app as=A\n");
	printf("kmm# mmap $A %dM as=mN; fill $A $mN %dM N; vmstat    (N = 1 ... %d)\n",
	       PRESSURE_STEP_MIB, PRESSURE_STEP_MIB, PRESSURE_STEPS);
	if (show_vmstat_line(d, true, "   task:  0 MiB"))
		return -1;
	for (int i = 1; i <= PRESSURE_STEPS; i++) {
		snprintf(cmd, sizeof(cmd), "mmap $A %dM as=m%d", PRESSURE_STEP_MIB, i);
		if (run_captured(d, cmd, NULL))
			return -1;
		snprintf(cmd, sizeof(cmd), "fill $A $m%d %dM %d", i, PRESSURE_STEP_MIB, i);
		if (run_captured(d, cmd, NULL))
			return -1;
		snprintf(tail, sizeof(tail), "   task: %2d MiB", i * PRESSURE_STEP_MIB);
		if (show_vmstat_line(d, false, tail))
			return -1;
	}
	read_pressure_counters(d, &c1);
	note(d,
	     "Until RAM ran out, free fell by %d MiB a step and nothing moved. Then free "
	     "stopped near the watermarks (low %lu KiB, high %lu KiB, all zones): every new page "
	     "was paid for by reclaiming an old one, written to swap (so: KiB swapped out since "
	     "boot; swpd: swap in use).",
	     PRESSURE_STEP_MIB, low * (KMM_PAGE_SIZE >> 10), high * (KMM_PAGE_SIZE >> 10));

	step(d, "Who reclaimed? kswapd counts its runs (pageoutrun), the pages it scanned on the "
		"LRU lists and those it stole (freed); a page fault that finds too little free "
		"memory reclaims by itself, directly (pgscan_direct, pgsteal_direct):");
	if (show_vmstat_counters(d, reclaim_counters))
		return -1;
	printf("kmm# cat /proc/meminfo    (excerpt)\n");
	{
		char *text = read_file(d, "/proc/meminfo");
		if (!text)
			return -1;
		for (const char *l = text; l; l = next_line(l))
			for (const char *const *f = swap_fields; *f; f++)
				if (starts_with(l, *f) && l[strlen(*f)] == ':')
					print_line(l);
		free(text);
	}
	if (show_fields(d, "/proc/$A/status", status, status_fields))
		return -1;
	rss_kb = read_field(d, status, "VmRSS", NULL);
	swap_kb = read_field(d, status, "VmSwap", NULL);
	note(d,
	     "kswapd freed %lu pages in %lu run%s, direct reclaim %lu; %lu pages (%lu KiB) went "
	     "to swap. Of the task's %d MiB, %lu KiB are in RAM (VmRSS) and %lu KiB in swap "
	     "(VmSwap).",
	     c1.steal_kswapd - c0.steal_kswapd, c1.pageoutrun - c0.pageoutrun,
	     c1.pageoutrun - c0.pageoutrun == 1 ? "" : "s", c1.steal_direct - c0.steal_direct,
	     c1.pswpout - c0.pswpout, (c1.pswpout - c0.pswpout) * (KMM_PAGE_SIZE >> 10),
	     PRESSURE_STEP_MIB * PRESSURE_STEPS, rss_kb, swap_kb);

	step(d,
	     "The task reads its first %d MiB again and checks every byte. Its oldest pages "
	     "are the first reclaim takes, so most of them are in swap: each access to one is a "
	     "major fault that reads it back (pswpin):",
	     PRESSURE_STEP_MIB);
	snprintf(cmd, sizeof(cmd), "check $A $m1 %dM 1", PRESSURE_STEP_MIB);
	if (run(d, cmd) || run(d, "vmstat"))
		return -1;
	read_pressure_counters(d, &c2);
	if (show_vmstat_counters(d, swapin_counters))
		return -1;
	note(d,
	     "check is silent: every byte came back intact. %lu of its %lu pages were read from "
	     "swap in %lu major faults%s; to make room, reclaim swapped out %lu more pages.",
	     c2.pswpin - c1.pswpin, (unsigned long)PRESSURE_STEP_MIB << (20 - KMM_PAGE_SHIFT),
	     c2.majfault - c1.majfault,
	     c2.majfault - c1.majfault < c2.pswpin - c1.pswpin ?
		     " (readahead reads the neighbouring pages with each fault and maps them too)" :
		     "",
	     c2.pswpout - c1.pswpout);

	step(d,
	     "Give back %d MiB (munmap the %d newest areas) so that the rest fits in RAM with room "
	     "to spare, and turn swap off: swapoff reads every page still in swap back into the "
	     "task's memory:",
	     (PRESSURE_STEPS - PRESSURE_KEEP) * PRESSURE_STEP_MIB, PRESSURE_STEPS - PRESSURE_KEEP);
	for (int i = PRESSURE_STEPS; i > PRESSURE_KEEP; i--) {
		snprintf(cmd, sizeof(cmd), "munmap $A $m%d %dM", i, PRESSURE_STEP_MIB);
		if (run(d, cmd))
			return -1;
	}
	snprintf(cmd, sizeof(cmd), "swapoff %s", swap);
	if (run(d, cmd) || run(d, "swapon") || run(d, "vmstat"))
		return -1;
	read_pressure_counters(d, &c3);
	for (int i = 1; i <= PRESSURE_KEEP; i++) {
		snprintf(cmd, sizeof(cmd), "check $A $m%d %dM %d", i, PRESSURE_STEP_MIB, i);
		if (run(d, cmd))
			return -1;
	}
	if (show_fields(d, "/proc/$A/status", status, status_fields))
		return -1;
	read_pressure_counters(d, &c4);
	note(d,
	     "swapoff read %lu pages back: swpd is 0 and `swapon` lists no area. Checking all "
	     "the task's data took %lu major faults: it is all in RAM again.",
	     c3.pswpin - c2.pswpin, c4.majfault - c3.majfault);
	if (run(d, "exit $A"))
		return -1;
	return 0;
}

/*
 * This chapter runs on a machine of its own: the tour's machine is left
 * (its CPU slot too: a thread is bound to one machine at a time) and taken
 * again at the end.  The swap file lives in a fresh temporary directory,
 * removed with it.
 */
static int chapter_pressure(struct demo *tour)
{
	const char *tmp = getenv("TMPDIR");
	char dir[256], swap[300];
	struct demo small;
	int rc = -1;

	if (!tmp || !*tmp)
		tmp = "/tmp";
	snprintf(dir, sizeof(dir), "%s/kmm-demo-XXXXXX", tmp);
	if (!mkdtemp(dir)) {
		fprintf(stderr, "kmm demo: cannot create a directory in %s\n", tmp);
		return -1;
	}
	snprintf(swap, sizeof(swap), "%s/swap", dir);

	step(tour,
	     "To see memory run short, boot a second, small machine (kernel command line: %s): "
	     "64 MiB of RAM, its boot log kept quiet.",
	     PRESSURE_CMDLINE);
	kmm_cpu_leave(tour->m);
	memset(&small, 0, sizeof(small));
	cli_console_init(&small.con, stdout);
	small.m = cli_boot_machine(PRESSURE_CMDLINE, &small.con, "demo: boot");
	if (small.m) {
		if (kmm_cpu_enter(small.m, 0) >= 0) {
			cli_shell_init(&small.sh, small.m);
			small.sh.con = &small.con;
			rc = pressure_tour(&small, swap);
			cli_shell_destroy(&small.sh);
			kmm_cpu_leave(small.m);
		} else {
			fprintf(stderr, "kmm demo: cannot bind to CPU 0\n");
		}
		kmm_machine_shutdown(small.m); /* swap still on after a failure: closed here */
	}
	unlink(swap);
	rmdir(dir);
	if (kmm_cpu_enter(tour->m, 0) < 0) {
		fprintf(stderr, "kmm demo: cannot bind to CPU 0 again\n");
		return -1;
	}
	if (rc == 0)
		step(tour, "The small machine is shut down and its swap file removed; back to the "
			   "first machine.");
	return rc;
}

/* ---- chapter: the summary in /proc/meminfo ------------------------------------------------ */

static int chapter_meminfo(struct demo *d)
{
	char *text;

	step(d, "/proc/meminfo sums it up: MemTotal is the memory the allocator manages, MemFree "
		"what is free now, MemAvailable what could be had without swapping:");
	printf("kmm# cat /proc/meminfo    (excerpt)\n");
	if (!(text = read_file(d, "/proc/meminfo")))
		return -1;
	for (const char *l = text; l; l = next_line(l))
		if (starts_with(l, "MemTotal:") || starts_with(l, "MemFree:") ||
		    starts_with(l, "MemAvailable:"))
			print_line(l);
	free(text);
	return 0;
}

/* ---- the table and the command ---------------------------------------------------------- */

struct demo_chapter {
	const char *name;
	const char *title;
	int (*run)(struct demo *d);
};

static const struct demo_chapter chapters[] = {
	{ "buddy", "the buddy allocator: split and merge", chapter_buddy },
	{ "zones", "pageblocks, migrate types and watermarks", chapter_zones },
	{ "failure", "an allocation failure and its report", chapter_failure },
	{ "slab", "slab caches, kmalloc and a double free", chapter_slab },
	{ "vm", "processes: page faults, fork and copy-on-write, a file mapping", chapter_vm },
	{ "pressure", "memory pressure: kswapd, swap out and back in, swapoff", chapter_pressure },
	{ "meminfo", "the summary in /proc/meminfo", chapter_meminfo },
};
#define NR_CHAPTERS (sizeof(chapters) / sizeof(chapters[0]))

static const struct demo_chapter *find_chapter(const char *name)
{
	for (size_t i = 0; i < NR_CHAPTERS; i++)
		if (!strcmp(chapters[i].name, name))
			return &chapters[i];
	return NULL;
}

static void demo_more_help(FILE *out)
{
	fprintf(out, "\nCHAPTERS\n");
	for (size_t i = 0; i < NR_CHAPTERS; i++)
		fprintf(out, "    %-10s %s\n", chapters[i].name, chapters[i].title);
}

static int demo_main(int argc, char **argv)
{
	const struct demo_chapter **todo = calloc(NR_CHAPTERS + (size_t)argc, sizeof(*todo));
	size_t nr_todo = 0;
	struct demo d;
	int status = CLI_EXIT_OK;

	if (!todo) {
		fprintf(stderr, "kmm demo: out of memory\n");
		return CLI_EXIT_FAIL;
	}
	for (int i = 1; i < argc; i++) {
		const struct demo_chapter *c;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			cli_print_page(stdout, &cli_tool_demo.doc);
			free(todo);
			return CLI_EXIT_OK;
		}
		if (!strcmp(argv[i], "--list")) {
			for (size_t j = 0; j < NR_CHAPTERS; j++)
				printf("%-10s %s\n", chapters[j].name, chapters[j].title);
			free(todo);
			return CLI_EXIT_OK;
		}
		c = find_chapter(argv[i]);
		if (!c) {
			fprintf(stderr, "kmm demo: no chapter '%s' (kmm demo --list shows them)\n",
				argv[i]);
			free(todo);
			return CLI_EXIT_USAGE;
		}
		todo[nr_todo++] = c;
	}
	if (!nr_todo)
		for (size_t i = 0; i < NR_CHAPTERS; i++)
			todo[nr_todo++] = &chapters[i];

	memset(&d, 0, sizeof(d));
	printf("kmm demo: a tour of the Linux memory manager, running on a simulated machine.\n");
	step(&d, "Boot the default machine (kernel command line: %s); this is its boot log:",
	     kmm_default_cmdline);
	cli_console_init(&d.con, stdout);
	d.m = cli_boot_machine(kmm_default_cmdline, &d.con, "demo: boot");
	if (!d.m) {
		free(todo);
		return CLI_EXIT_FAIL;
	}
	if (kmm_cpu_enter(d.m, 0) < 0) {
		fprintf(stderr, "kmm demo: cannot bind to CPU 0\n");
		kmm_machine_shutdown(d.m);
		free(todo);
		return CLI_EXIT_FAIL;
	}
	cli_shell_init(&d.sh, d.m);
	d.sh.con = &d.con;

	for (size_t i = 0; i < nr_todo; i++) {
		printf("\n---- %s ----\n", todo[i]->title);
		if (todo[i]->run(&d) < 0) {
			fprintf(stderr, "kmm demo: chapter '%s' failed\n", todo[i]->name);
			status = CLI_EXIT_FAIL;
			break;
		}
	}
	if (status == CLI_EXIT_OK)
		step(&d, "That is the tour. Run `kmm boot` for a shell on a machine of your own "
			 "(`help` lists its commands), or `kmm help` for more.");
	fflush(stdout);

	cli_shell_destroy(&d.sh);
	kmm_cpu_leave(d.m);
	kmm_machine_shutdown(d.m);
	free(todo);
	return status;
}

const struct cli_tool_cmd cli_tool_demo = {
	.doc = {
		.name = "demo",
		.synopsis = "kmm demo [CHAPTER...]\nkmm demo --list",
		.summary = "a guided tour of the memory manager on the default machine",
		.description =
			"Boots the default machine (printing its boot log), then walks\n"
			"through the page allocator one step at a time, each step\n"
			"introduced by a line starting with '==>' and shown with the shell\n"
			"commands you could type yourself in `kmm boot`: free blocks per\n"
			"order in /proc/buddyinfo, how an allocation splits a block and how\n"
			"freeing merges it back, pageblocks and watermarks, what an\n"
			"allocation failure looks like, slab caches and kmalloc (and a\n"
			"double free caught), processes faulting memory in, fork and\n"
			"copy-on-write, a shared file mapping, memory pressure on a small\n"
			"second machine (kswapd, pages going to a swap file and coming\n"
			"back, swapoff), and /proc/meminfo.\n"
			"\n"
			"With CHAPTER names only those chapters run, in the order given.\n"
			"Needs no terminal and takes a second or two.",
		.examples = "kmm demo\nkmm demo buddy\nkmm demo --list\nkmm demo | less",
		.more = demo_more_help,
	},
	.main = demo_main,
};
