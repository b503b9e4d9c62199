// SPDX-License-Identifier: MIT
/*
 * tests/fuzz/fuzz_proc_write.c - libFuzzer target for every writable /proc
 * and /sys file (the sysctl writer, /proc/slabinfo's tunables, the
 * /sys/kernel/slab/<cache>/ attributes) and for the path lookup itself.
 *
 * One machine ("quiet mem=32M nr_cpus=2") is booted once and kept across
 * inputs.  At start the tree is walked from "/" with kmm_proc_list(); a
 * file counts as writable if an empty write is not refused with -EACCES
 * (for every writable file today an empty write is a refused no-op), so
 * files added later are fuzzed without changes here.
 * A cache with every slab_debug check on and a few live objects in it and
 * in kmalloc caches give validate and shrink something to look at; a task
 * and its forked child, with anonymous, shared and read-only mappings, give
 * /proc/<pid>/ (oom_score_adj is writable; maps, smaps and status are read
 * by the arbitrary-path mode).
 *
 * Input: the first byte chooses the target, the rest is written.
 *   0xff           the rest is "PATH\0DATA": stat, read, list and write an
 *                  arbitrary path, checking that the four calls agree;
 *   odd            a per-cache file (/sys/kernel/slab/...), chosen by the
 *                  byte's upper bits and the next byte;
 *   even           another writable file (the /proc/sys/vm files, /proc/slabinfo).
 * After each write:
 *   - the result is 0 or -EINVAL; a refused write logs a message and leaves
 *     the file reading as before;
 *   - an accepted write to /proc/sys reads back as the values written, and
 *     any one-line file reads back as text that can be written again;
 *   - every populated zone has min <= low <= high <= promo watermarks;
 *   - a burst of page and object allocations runs with the new setting
 *     (failures allowed: the setting may starve it);
 *   - knobs are put back to their boot values (so a huge min_free_kbytes
 *     does not starve what follows), and the burst runs again: every page
 *     and object must now come and go;
 *   - nothing ever reports a bad page or a slab problem.
 * A violation abort()s, which libFuzzer reports with the input.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "kmm/mm.h"
#include "kmm/slab.h"

#define BOOT_CMDLINE "quiet mem=32M nr_cpus=2"
#define MAX_FILES 1024
#define MAX_CACHES 128
#define READ_BUF (1u << 20)

struct wfile {
	char path[KMM_PROC_PATH_MAX];
	char *initial; /* content at start */
	bool knob;     /* one line: put back to its initial content after a change */
};

struct tunables {
	char name[64];
	unsigned limit, batch, shared;
};

static struct kmm_machine *m;
static struct wfile files[MAX_FILES];
static unsigned nr_files;
static unsigned global_idx[MAX_FILES], nr_global; /* not under /sys/kernel/slab */
static unsigned cache_idx[MAX_FILES], nr_cache;	  /* under /sys/kernel/slab */
static struct tunables boot_tunables[MAX_CACHES];
static unsigned nr_boot_tunables;
static char *buf_before, *buf_after, *buf_tmp;
static const char *cur_path = "";

static void discard_console(void *ctx, int level, const char *line, size_t len)
{
	(void)ctx;
	(void)level;
	(void)line;
	(void)len;
}

static void fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_proc_write: %s\n  file: %s\n  detail: %s\n", what, cur_path,
		detail ? detail : "");
	abort();
}

/* Read @path whole into @buf (READ_BUF bytes); returns the length or -errno. */
static long read_file(const char *path, char *buf)
{
	long n = kmm_proc_read(m, path, buf, READ_BUF);
	if (n >= (long)READ_BUF)
		fail("file larger than the read buffer", path);
	if (n >= 0 && strlen(buf) != (size_t)n)
		fail("read length does not match the NUL-terminated text", path);
	return n;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);
	if (!d)
		abort();
	return d;
}

/* ---- discovery ------------------------------------------------------------------ */

struct dir_list {
	char names[512][KMM_PROC_NAME_MAX];
	bool is_dir[512];
	unsigned n;
};

static void collect(void *ctx, const char *name, bool is_dir)
{
	struct dir_list *l = ctx;
	if (l->n < 512) {
		snprintf(l->names[l->n], KMM_PROC_NAME_MAX, "%s", name);
		l->is_dir[l->n++] = is_dir;
	}
}

static void walk(const char *dir)
{
	struct dir_list *l = calloc(1, sizeof(*l));
	if (!l)
		abort();
	if (kmm_proc_list(m, dir, collect, l))
		fail("cannot list a directory found by listing", dir);
	for (unsigned i = 0; i < l->n; i++) {
		char path[KMM_PROC_PATH_MAX];
		snprintf(path, sizeof(path), "%s%s%s", dir, strcmp(dir, "/") ? "/" : "",
			 l->names[i]);
		if (l->is_dir[i]) {
			walk(path);
			continue;
		}
		if (kmm_proc_write(m, path, "", 0) == -KMM_EACCES)
			continue;
		if (nr_files == MAX_FILES)
			fail("too many writable files", path);
		struct wfile *f = &files[nr_files];
		snprintf(f->path, sizeof(f->path), "%s", path);
		long n = read_file(path, buf_tmp);
		if (n < 0)
			fail("a writable file cannot be read", path);
		f->initial = xstrdup(buf_tmp);
		f->knob = n > 0 && strchr(buf_tmp, '\n') == buf_tmp + n - 1;
		if (!strncmp(path, "/sys/kernel/slab/", 17))
			cache_idx[nr_cache++] = nr_files;
		else
			global_idx[nr_global++] = nr_files;
		nr_files++;
	}
	free(l);
}

/* ---- /proc/slabinfo tunables -------------------------------------------------------- */

/* Parse one slabinfo line; false for the header lines. */
static bool parse_slabinfo_line(const char *line, struct tunables *t)
{
	const char *tun = strstr(line, " : tunables ");
	size_t n = strcspn(line, " ");
	if (line[0] == '#' || !tun || n == 0 || n >= sizeof(t->name))
		return false;
	memcpy(t->name, line, n);
	t->name[n] = '\0';
	return sscanf(tun, " : tunables %u %u %u", &t->limit, &t->batch, &t->shared) == 3;
}

static const struct tunables *boot_tunables_of(const char *name)
{
	for (unsigned i = 0; i < nr_boot_tunables; i++)
		if (!strcmp(boot_tunables[i].name, name))
			return &boot_tunables[i];
	return NULL;
}

/* Call fn for each cache line of /proc/slabinfo. */
static void for_each_slabinfo(void (*fn)(const struct tunables *t))
{
	if (read_file("/proc/slabinfo", buf_tmp) < 0)
		fail("cannot read /proc/slabinfo", NULL);
	for (char *line = buf_tmp; *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		struct tunables t;
		if (parse_slabinfo_line(line, &t))
			fn(&t);
		line = nl ? nl + 1 : line + strlen(line);
	}
}

static void remember_tunables(const struct tunables *t)
{
	if (nr_boot_tunables < MAX_CACHES)
		boot_tunables[nr_boot_tunables++] = *t;
}

static void restore_one_tunables(const struct tunables *t)
{
	const struct tunables *b = boot_tunables_of(t->name);
	char cmd[128];

	if (!b)
		fail("a cache appeared in /proc/slabinfo", t->name);
	if (b->limit == t->limit && b->batch == t->batch && b->shared == t->shared)
		return;
	int n = snprintf(cmd, sizeof(cmd), "%s %u %u %u\n", b->name, b->limit, b->batch, b->shared);
	if (kmm_proc_write(m, "/proc/slabinfo", cmd, (size_t)n))
		fail("cannot put a cache's tunables back", cmd);
}

/* ---- checks ------------------------------------------------------------------------- */

static void check_watermarks(void)
{
	int nid;
	for_each_online_node(m, nid)
	{
		for (int zt = 0; zt < MAX_NR_ZONES; zt++) {
			struct zone *z = &m->node_data[nid]->node_zones[zt];
			if (!z->present_pages)
				continue;
			unsigned long w[NR_WMARK];
			for (int i = 0; i < NR_WMARK; i++)
				w[i] = atomic_load(&z->_watermark[i]);
			if (!(w[WMARK_MIN] <= w[WMARK_LOW] && w[WMARK_LOW] <= w[WMARK_HIGH] &&
			      w[WMARK_HIGH] <= w[WMARK_PROMO])) {
				char d[160];
				snprintf(d, sizeof(d),
					 "node %d zone %s: min %lu low %lu high %lu promo %lu", nid,
					 zone_names[zt], w[WMARK_MIN], w[WMARK_LOW], w[WMARK_HIGH],
					 w[WMARK_PROMO]);
				fail("zone watermarks out of order", d);
			}
		}
	}
}

static void check_reports(void)
{
	if (atomic_load(&m->nr_bad_pages))
		fail("a bad page was reported", NULL);
	if (atomic_load(&m->nr_slab_reports))
		fail("the slab allocator reported a problem", NULL);
}

static struct kmem_cache *debug_cache;

/*
 * Allocate and free a burst of pages (over the pcp high mark, orders 0-3)
 * and objects (every kmalloc size class, the debug cache), each stamped.
 * Before the knobs are restored (@strict false) an allocation may fail (a
 * huge min_free_kbytes); after, every one must succeed.  Either way nothing
 * may report a bad page or a slab problem.
 */
static void exercise_allocators(bool strict)
{
	static const size_t sizes[] = { 8, 16, 64, 100, 192, 256, 500, 1024, 2000, 4096, 8192 };
	struct page *pages[96];
	unsigned orders[96];
	void *objs[48];

	for (unsigned i = 0; i < 96; i++) {
		orders[i] = i % 8 == 7 ? i % 4 : 0;
		pages[i] = kmm_alloc_pages(m, GFP_KERNEL | __GFP_NOWARN, orders[i]);
		if (pages[i])
			memset(kmm_page_address(m, pages[i]), (int)i, KMM_PAGE_SIZE << orders[i]);
		else if (strict)
			fail("a page allocation failed", NULL);
	}
	for (unsigned i = 0; i < 48; i++) {
		if (i % 4 == 3) {
			objs[i] = kmm_kmem_cache_alloc(debug_cache, GFP_KERNEL | __GFP_NOWARN);
			if (objs[i])
				memset(objs[i], 0x22, 72);
		} else {
			size_t n = sizes[i % (sizeof(sizes) / sizeof(sizes[0]))];
			objs[i] = kmm_kmalloc(m, n, GFP_KERNEL | __GFP_NOWARN);
			if (objs[i])
				memset(objs[i], 0x11, n);
		}
		if (!objs[i] && strict)
			fail("an object allocation failed", NULL);
	}
	/* free in an order unlike the allocation order */
	for (unsigned i = 0; i < 96; i++) {
		unsigned j = (i * 37) % 96;
		if (pages[j])
			__kmm_free_pages(m, pages[j], orders[j]);
	}
	for (unsigned i = 0; i < 48; i++) {
		unsigned j = (i * 29) % 48;
		if (!objs[j])
			continue;
		if (j % 4 == 3)
			kmm_kmem_cache_free(debug_cache, objs[j]);
		else
			kmm_kfree(m, objs[j]);
	}
	check_reports();
}

/*
 * Values written to a sysctl (up to the first NUL) must be within the
 * knob's range in kmm_sysctl_table and read back.
 */
static void check_sysctl_readback(const char *path, const char *text, const char *shown)
{
	const struct kmm_sysctl *sc = kmm_sysctl_find(path + strlen("/proc/sys/"));
	int nr = 0;
	if (!sc)
		fail("a /proc/sys file without a kmm_sysctl_table entry", path);
	char in[512], out[512];
	char *save_in = NULL, *save_out = NULL;
	snprintf(in, sizeof(in), "%s", text);
	snprintf(out, sizeof(out), "%s", shown);
	char *ti = strtok_r(in, " \t\n\r,", &save_in);
	char *to = strtok_r(out, " \t\n", &save_out);
	for (; ti;
	     ti = strtok_r(NULL, " \t\n\r,", &save_in), to = strtok_r(NULL, " \t\n", &save_out)) {
		char *end;
		errno = 0;
		long long want = strtoll(ti, &end, 0);
		if (*end || errno || end == ti)
			fail("a sysctl accepted a value the C library does not parse", ti);
		if (++nr > sc->nr || want < sc->min || want > sc->max ||
		    (sc->valid && !sc->valid((int)want)))
			fail("a sysctl accepted a value outside its range", ti);
		if (!to || strtoll(to, NULL, 10) != want)
			fail("a sysctl does not read back the value written", shown);
	}
}

/* The write @text (@len bytes) to file @f just returned @rc; check its effects. */
static void check_write(const struct wfile *f, const char *text, size_t len, int rc,
			uint64_t log_head_before)
{
	if (rc != 0 && rc != -KMM_EINVAL) {
		char d[32];
		snprintf(d, sizeof(d), "returned %d", rc);
		fail("a write returned neither 0 nor -EINVAL", d);
	}
	long n = read_file(f->path, buf_after);
	if (n < 0)
		fail("the file cannot be read after a write", NULL);
	if (rc) {
		if (m->log.head == log_head_before)
			fail("a refused write logged no message", NULL);
		if (strcmp(buf_before, buf_after))
			fail("a refused write changed the file", buf_after);
		return;
	}
	if (!strncmp(f->path, "/proc/sys/", 10)) {
		char *t = malloc(len + 1);
		if (!t)
			abort();
		memcpy(t, text, len);
		t[len] = '\0';
		check_sysctl_readback(f->path, t, buf_after);
		free(t);
	}
	if (n > 0 && strchr(buf_after, '\n') == buf_after + n - 1) {
		/* a one-line file takes back what it shows */
		if (kmm_proc_write(m, f->path, buf_after, (size_t)n))
			fail("a file refuses the text it shows", buf_after);
		if (read_file(f->path, buf_tmp) < 0 || strcmp(buf_tmp, buf_after))
			fail("writing back what a file shows changes it", buf_tmp);
	}
}

/* Put @f back to its boot content if a write changed it. */
static void restore_file(const struct wfile *f)
{
	if (!strcmp(f->path, "/proc/slabinfo")) {
		for_each_slabinfo(restore_one_tunables);
		return;
	}
	if (!f->knob)
		return;
	if (read_file(f->path, buf_tmp) < 0)
		fail("cannot read a file to restore it", f->path);
	if (!strcmp(buf_tmp, f->initial))
		return;
	if (kmm_proc_write(m, f->path, f->initial, strlen(f->initial)))
		fail("cannot write a file's boot value back", f->initial);
	if (read_file(f->path, buf_tmp) < 0 || strcmp(buf_tmp, f->initial))
		fail("a file does not read as its boot value after restoring it", buf_tmp);
}

static void write_file(const struct wfile *f, const char *text, size_t len)
{
	cur_path = f->path;
	if (read_file(f->path, buf_before) < 0)
		fail("cannot read the file before writing", NULL);
	uint64_t head = m->log.head;
	int rc = kmm_proc_write(m, f->path, text, len);
	check_write(f, text, len, rc, head);
	check_watermarks();
	exercise_allocators(false);
	restore_file(f);
}

/* ---- arbitrary paths ------------------------------------------------------------------ */

struct list_check {
	const char *dir;
	char last[KMM_PROC_NAME_MAX];
	unsigned n;
};

static void check_entry(void *ctx, const char *name, bool is_dir)
{
	struct list_check *c = ctx;
	char path[2 * KMM_PROC_PATH_MAX];

	if (!name[0] || strchr(name, '/') || strlen(name) >= KMM_PROC_NAME_MAX)
		fail("listing gave a bad entry name", name);
	if (c->n++ && strcmp(c->last, name) >= 0)
		fail("listing not sorted or has duplicates", name);
	snprintf(c->last, sizeof(c->last), "%s", name);
	snprintf(path, sizeof(path), "%s/%s", c->dir, name);
	if (strlen(path) < KMM_PROC_PATH_MAX && kmm_proc_stat(m, path) != (is_dir ? 1 : 0))
		fail("a listed entry stats as something else", path);
}

static void fuzz_path(const char *path, const char *data, size_t len)
{
	cur_path = path;
	int st = kmm_proc_stat(m, path);
	if (st != 0 && st != 1 && st != -KMM_ENOENT)
		fail("kmm_proc_stat returned something unexpected", NULL);

	long rd = kmm_proc_read(m, path, buf_before, READ_BUF);
	if ((st == -KMM_ENOENT && rd != -KMM_ENOENT) || (st == 1 && rd != -KMM_EISDIR) ||
	    (st == 0 && rd < 0 && rd != -KMM_EACCES))
		fail("kmm_proc_read disagrees with kmm_proc_stat", NULL);

	struct list_check lc = { .dir = path };
	int ls = kmm_proc_list(m, path, check_entry, &lc);
	if ((st == -KMM_ENOENT && ls != -KMM_ENOENT) || (st == 1 && ls != 0) ||
	    (st == 0 && ls != -KMM_ENOTDIR))
		fail("kmm_proc_list disagrees with kmm_proc_stat", NULL);

	uint64_t head = m->log.head;
	int wr = kmm_proc_write(m, path, data, len);
	if ((st == -KMM_ENOENT && wr != -KMM_ENOENT) || (st == 1 && wr != -KMM_EISDIR) ||
	    (st == 0 && wr != 0 && wr != -KMM_EINVAL && wr != -KMM_EACCES))
		fail("kmm_proc_write disagrees with kmm_proc_stat", NULL);
	if (wr && m->log.head == head)
		fail("a refused write logged no message", NULL);
	check_watermarks();
	exercise_allocators(false);
	if (wr == 0)
		for (unsigned i = 0; i < nr_files; i++)
			restore_file(&files[i]);
}

/* ---- the target --------------------------------------------------------------------------- */

/*
 * At exit (libFuzzer's -runs= reached): shut the machine down, so that its
 * threads (the flusher) are joined and their host memory freed before
 * LeakSanitizer looks (it does not scan the simulated RAM that points to
 * them).
 */
static void teardown(void)
{
	if (!m)
		return;
	kmm_cpu_leave(m);
	kmm_machine_shutdown(m);
	m = NULL;
}

static void setup(void)
{
	static const struct kmm_boot_opts opts = { discard_console, NULL };
	char err[512];

	buf_before = malloc(READ_BUF);
	buf_after = malloc(READ_BUF);
	buf_tmp = malloc(READ_BUF);
	if (!buf_before || !buf_after || !buf_tmp)
		abort();
	if (kmm_machine_boot(BOOT_CMDLINE, &opts, &m, err, sizeof(err))) {
		fprintf(stderr, "fuzz_proc_write: boot failed: %s\n", err);
		abort();
	}
	if (kmm_cpu_enter(m, 0) != 0)
		abort();
	atexit(teardown);

	/* live objects: partial slabs for validate and shrink to walk */
	debug_cache = kmm_kmem_cache_create(m, "fuzz_debug", 72, 0,
					    SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE | SLAB_POISON |
						    SLAB_STORE_USER,
					    NULL, NULL);
	if (!debug_cache)
		abort();
	for (int i = 0; i < 64; i++) {
		void *a = kmm_kmalloc(m, 64, GFP_KERNEL);
		void *b = kmm_kmalloc(m, 1000, GFP_KERNEL);
		void *c = kmm_kmem_cache_alloc(debug_cache, GFP_KERNEL);
		if (!a || !b || !c)
			abort();
		if (i % 3) { /* keep a third of them for good */
			kmm_kfree(m, a);
			kmm_kfree(m, b);
			kmm_kmem_cache_free(debug_cache, c);
		}
	}

	/* tasks with memory: /proc/<pid>/ */
	struct kmm_task *t = kmm_task_spawn(m, "fuzz"), *child;
	if (!t)
		abort();
	long a = kmm_mmap(t, 0, 64 * KMM_PAGE_SIZE, KMM_PROT_READ | KMM_PROT_WRITE,
			  KMM_MAP_PRIVATE | KMM_MAP_ANONYMOUS, -1, 0);
	long s = kmm_mmap(t, 0, 8 * KMM_PAGE_SIZE, KMM_PROT_READ | KMM_PROT_WRITE,
			  KMM_MAP_SHARED | KMM_MAP_ANONYMOUS, -1, 0);
	if (a < 0 || s < 0 ||
	    kmm_mmap(t, 0, KMM_PAGE_SIZE, KMM_PROT_READ, KMM_MAP_PRIVATE | KMM_MAP_ANONYMOUS, -1,
		     0) < 0)
		abort();
	static char bytes[16 * KMM_PAGE_SIZE];
	memset(bytes, 0x5a, sizeof(bytes));
	if (kmm_access(t, (uint64_t)a, bytes, sizeof(bytes), KMM_ACCESS_WRITE) ||
	    kmm_access(t, (uint64_t)s, bytes, 2 * KMM_PAGE_SIZE, KMM_ACCESS_WRITE) ||
	    kmm_task_fork(t, "fuzz-child", &child))
		abort();

	walk("/");
	if (!nr_global || !nr_cache)
		fail("no writable files found", NULL);
	for_each_slabinfo(remember_tunables);
	check_reports();
	if (getenv("FUZZ_PROC_WRITE_LIST"))
		for (unsigned i = 0; i < nr_files; i++)
			fprintf(stderr, "writable: %s%s\n", files[i].path,
				files[i].knob ? " (knob)" : "");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!m)
		setup();
	if (size < 1 || size > 4096)
		return 0;

	uint8_t sel = data[0];
	data++;
	size--;
	if (sel == 0xff) {
		/* PATH\0DATA */
		size_t plen = strnlen((const char *)data, size);
		char *path = malloc(plen + 1);
		size_t dlen = plen < size ? size - plen - 1 : 0;
		char *text = malloc(dlen ? dlen : 1);
		if (!path || !text)
			abort();
		memcpy(path, data, plen);
		path[plen] = '\0';
		memcpy(text, data + plen + (plen < size), dlen);
		fuzz_path(path, text, dlen);
		free(path);
		free(text);
	} else {
		const struct wfile *f;
		if (sel & 1) {
			unsigned idx = sel >> 1;
			if (size) {
				idx |= (unsigned)data[0] << 7;
				data++;
				size--;
			}
			f = &files[cache_idx[idx % nr_cache]];
		} else {
			f = &files[global_idx[(sel >> 1) % nr_global]];
		}
		/* an exact-size copy, so that ASan sees any read past the end */
		char *text = malloc(size ? size : 1);
		if (!text)
			abort();
		memcpy(text, data, size);
		write_file(f, text, size);
		free(text);
	}
	cur_path = "(after restoring)";
	check_watermarks();
	exercise_allocators(true);
	return 0;
}
