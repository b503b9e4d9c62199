/* SPDX-License-Identifier: MIT */
/*
 * tests/test_slab_views.c - the slab allocator's files: /proc/slabinfo
 * (format, counts, tunables written and rejected), /sys/kernel/slab/<cache>/
 * (attributes, validate, shrink, min_partial, aliases) and the Slab lines
 * of /proc/meminfo.
 */
#include "kmm_test.h"
#include "mm/slab.h"

static struct logcap cap;

#define SLABINFO_HEADER                                                                     \
	"slabinfo - version: 2.1\n"                                                         \
	"# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> " \
	": tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> "         \
	"<num_slabs> <sharedavail>\n"

static char *read_all(struct kmm_machine *m, const char *path)
{
	char probe[1];
	long n = kmm_proc_read(m, path, probe, sizeof(probe));
	if (n < 0)
		fail_msg("read %s: %ld", path, n);
	char *buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(kmm_proc_read(m, path, buf, (size_t)n + 1), n);
	return buf;
}

static int write_str(struct kmm_machine *m, const char *path, const char *s)
{
	return kmm_proc_write(m, path, s, strlen(s));
}

/* One parsed /proc/slabinfo line. */
struct line {
	char name[64];
	unsigned long active_objs, num_objs;
	unsigned objsize, objperslab, pagesperslab, limit, batch, shared;
	unsigned long active_slabs, num_slabs, shared_avail;
};

static bool parse_line(const char *l, struct line *o)
{
	return sscanf(l, "%63s %lu %lu %u %u %u : tunables %u %u %u : slabdata %lu %lu %lu",
		      o->name, &o->active_objs, &o->num_objs, &o->objsize, &o->objperslab,
		      &o->pagesperslab, &o->limit, &o->batch, &o->shared, &o->active_slabs,
		      &o->num_slabs, &o->shared_avail) == 12;
}

/* The line of cache @name; false if absent. */
static bool slab_line(struct kmm_machine *m, const char *name, struct line *out)
{
	char *text = read_all(m, "/proc/slabinfo");
	bool found = false;
	for (char *l = strtok(text, "\n"); l && !found; l = strtok(NULL, "\n")) {
		struct line x;
		if (parse_line(l, &x) && !strcmp(x.name, name)) {
			*out = x;
			found = true;
		}
	}
	free(text);
	return found;
}

static unsigned long attr_ul(struct kmm_machine *m, const char *cache, const char *attr)
{
	char path[256], buf[256];
	snprintf(path, sizeof(path), "/sys/kernel/slab/%s/%s", cache, attr);
	long n = kmm_proc_read(m, path, buf, sizeof(buf));
	if (n < 0)
		fail_msg("read %s: %ld", path, n);
	return strtoul(buf, NULL, 10);
}

static void attr_str(struct kmm_machine *m, const char *cache, const char *attr, char *buf,
		     size_t size)
{
	char path[256];
	snprintf(path, sizeof(path), "/sys/kernel/slab/%s/%s", cache, attr);
	long n = kmm_proc_read(m, path, buf, size);
	if (n < 0)
		fail_msg("read %s: %ld", path, n);
}

static struct kmm_machine *boot(void)
{
	struct kmm_machine *m = test_boot("mem=256M", &cap);
	assert_int_equal(kmm_cpu_enter(m, 0), 0);
	return m;
}

static void shutdown(struct kmm_machine *m)
{
	kmm_cpu_leave(m);
	kmm_machine_shutdown(m);
}

/* ---- /proc/slabinfo ------------------------------------------------------------- */

static void test_slabinfo_format(void **state)
{
	(void)state;
	struct kmm_machine *m = boot();
	struct kmem_cache *s = kmm_kmem_cache_create(m, "views_fmt", 300, 0, 0, NULL, NULL);
	assert_non_null(s);
	char *text = read_all(m, "/proc/slabinfo");
	assert_memory_equal(text, SLABINFO_HEADER, strlen(SLABINFO_HEADER));

	/* one line per cache, newest first, each exactly as Linux prints it */
	unsigned lines = 0;
	char *l = text + strlen(SLABINFO_HEADER);
	struct list_head *pos = m->slab.caches.prev;
	while (*l) {
		char *nl = strchr(l, '\n');
		assert_non_null(nl);
		*nl = '\0';
		assert_true(pos != &m->slab.caches);
		struct kmem_cache *k = list_entry(pos, struct kmem_cache, list);
		struct slabinfo si;
		char want[256];
		kmm_get_slabinfo(k, &si);
		snprintf(want, sizeof(want),
			 "%-17s %6lu %6lu %6u %4u %4d : tunables %4u %4u %4u : slabdata %6lu %6lu "
			 "%6lu",
			 k->name, si.active_objs, si.num_objs, k->size, k->num, 1 << k->order,
			 k->limit, k->batchcount, k->shared, si.active_slabs, si.num_slabs,
			 si.shared_avail);
		assert_string_equal(l, want);
		if (lines == 0)
			assert_string_equal(k->name, "views_fmt");
		lines++;
		pos = pos->prev;
		l = nl + 1;
	}
	assert_true(pos == &m->slab.caches);
	assert_true(lines >= 3 * 13 + 2); /* three kmalloc families, kmem_cache, ours */
	free(text);

	/* objsize is the slot size; objperslab and pagesperslab the geometry */
	struct line x;
	assert_true(slab_line(m, "views_fmt", &x));
	assert_int_equal(x.objsize, s->size);
	assert_int_equal(x.objperslab, s->num);
	assert_int_equal(x.pagesperslab, 1u << s->order);
	assert_int_equal(x.num_objs, 0);
	kmm_kmem_cache_destroy(s);
	assert_false(slab_line(m, "views_fmt", &x));
	shutdown(m);
}

static void test_slabinfo_counts(void **state)
{
	(void)state;
	struct kmm_machine *m = boot();
	struct kmem_cache *s =
		kmm_kmem_cache_create(m, "views_cnt", 200, 0, SLAB_NO_MERGE, NULL, NULL);
	assert_non_null(s);
	static void *objs[3000];
	struct line before, mid, after;
	assert_true(slab_line(m, "views_cnt", &before));
	assert_int_equal(before.active_objs, 0);
	assert_int_equal(before.num_slabs, 0);
	for (int i = 0; i < 3000; i++)
		assert_non_null(objs[i] = kmm_kmem_cache_alloc(s, GFP_KERNEL));
	assert_true(slab_line(m, "views_cnt", &mid));
	assert_true(mid.active_objs >= 3000);
	assert_true(mid.num_objs >= mid.active_objs);
	assert_int_equal(mid.num_objs, mid.num_slabs * s->num);
	assert_true(mid.num_slabs >= 3000 / s->num);
	assert_true(mid.active_slabs <= mid.num_slabs);
	assert_int_equal(attr_ul(m, "views_cnt", "objects"), mid.active_objs);
	assert_int_equal(attr_ul(m, "views_cnt", "total_objects"), mid.num_objs);
	assert_int_equal(attr_ul(m, "views_cnt", "slabs"), mid.num_slabs);

	/* freed objects beyond what the CPU arrays and barns hold leave the count */
	for (int i = 0; i < 3000; i++)
		kmm_kmem_cache_free(s, objs[i]);
	struct line freed;
	assert_true(slab_line(m, "views_cnt", &freed));
	assert_true(freed.active_objs < mid.active_objs);
	kmm_kmem_cache_shrink(s);
	assert_true(slab_line(m, "views_cnt", &after));
	assert_int_equal(after.active_objs, 0);
	assert_int_equal(after.num_objs, 0);
	assert_int_equal(after.num_slabs, 0);
	kmm_kmem_cache_destroy(s);
	assert_int_equal(atomic_load(&m->nr_slab_reports), 0);
	shutdown(m);
}

static void test_slabinfo_write(void **state)
{
	(void)state;
	struct kmm_machine *m = boot();
	struct kmem_cache *s =
		kmm_kmem_cache_create(m, "views_tune", 64, 0, SLAB_NO_MERGE, NULL, NULL);
	assert_non_null(s);
	struct line x;

	assert_int_equal(write_str(m, "/proc/slabinfo", "views_tune 32 16 4\n"), 0);
	assert_true(slab_line(m, "views_tune", &x));
	assert_int_equal(x.limit, 32);
	assert_int_equal(x.batch, 16);
	assert_int_equal(x.shared, 4);
	assert_int_equal(s->limit, 32);
	/* the cache works with its new arrays */
	void *o[400];
	for (int i = 0; i < 400; i++)
		assert_non_null(o[i] = kmm_kmem_cache_alloc(s, GFP_KERNEL));
	for (int i = 0; i < 400; i++)
		kmm_kmem_cache_free(s, o[i]);
	assert_int_equal(kmm_slab_validate(s), 0);
	/* tabs and extra blanks are fine; shared 0 too */
	assert_int_equal(write_str(m, "/proc/slabinfo", "  views_tune\t8  8 0"), 0);
	assert_true(slab_line(m, "views_tune", &x));
	assert_int_equal(x.limit, 8);
	assert_int_equal(x.batch, 8);
	assert_int_equal(x.shared, 0);

	static const struct {
		const char *text, *log;
	} bad[] = {
		{ "views_tune 0 1 1", "limit 0 out of range" },
		{ "views_tune 8 9 1", "batchcount 9 out of range" },
		{ "views_tune 8 0 1", "batchcount 0 out of range" },
		{ "views_tune 8 4 -1", "shared -1 out of range" },
		{ "views_tune 100000 4 1", "limit 100000 out of range" },
		{ "views_tune 8 x 1", "batchcount 'x' is not a number" },
		{ "views_tune 8 4", "expected 'NAME LIMIT BATCHCOUNT SHARED'" },
		{ "views_tune 8 4 1 1", "expected 'NAME LIMIT BATCHCOUNT SHARED'" },
		{ "", "expected 'NAME LIMIT BATCHCOUNT SHARED'" },
		{ "no_such_cache 8 4 1", "no cache named 'no_such_cache'" },
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		logcap_clear(&cap);
		assert_int_equal(write_str(m, "/proc/slabinfo", bad[i].text), -KMM_EINVAL);
		if (!logcap_has(&cap, bad[i].log))
			fail_msg("writing '%s': no '%s' in the log:\n%s", bad[i].text, bad[i].log,
				 cap.buf);
		assert_true(slab_line(m, "views_tune", &x));
		assert_int_equal(x.limit, 8); /* unchanged */
	}
	char longw[300];
	memset(longw, 'a', sizeof(longw));
	assert_int_equal(kmm_proc_write(m, "/proc/slabinfo", longw, sizeof(longw)), -KMM_EINVAL);
	kmm_kmem_cache_destroy(s);
	assert_int_equal(atomic_load(&m->nr_slab_reports), 0);
	shutdown(m);
}

/* ---- /sys/kernel/slab ------------------------------------------------------------- */

struct names {
	char v[512][64];
	bool dir[512];
	int nr;
};

static void collect(void *ctx, const char *name, bool is_dir)
{
	struct names *n = ctx;
	if (n->nr < 512) {
		snprintf(n->v[n->nr], sizeof(n->v[0]), "%s", name);
		n->dir[n->nr++] = is_dir;
	}
}

static int find_name(const struct names *n, const char *name)
{
	for (int i = 0; i < n->nr; i++)
		if (!strcmp(n->v[i], name))
			return i;
	return -1;
}

static void views_ctor(void *p)
{
	memset(p, 0, 8);
}

static void test_sys_slab_attributes(void **state)
{
	(void)state;
	struct kmm_machine *m = boot();
	struct kmem_cache *s =
		kmm_kmem_cache_create(m, "views_attr", 100, 0,
				      SLAB_HWCACHE_ALIGN | SLAB_RECLAIM_ACCOUNT, views_ctor, NULL);
	struct kmem_cache *d = kmm_kmem_cache_create(
		m, "views_dbg", 40, 0,
		SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER | SLAB_CACHE_DMA, NULL, NULL);
	assert_non_null(s);
	assert_non_null(d);
	static struct names n;
	char buf[256];

	/* the directory lists every cache */
	n.nr = 0;
	assert_int_equal(kmm_proc_stat(m, "/sys/kernel/slab"), 1);
	assert_int_equal(kmm_proc_list(m, "/sys/kernel/slab", collect, &n), 0);
	assert_true(find_name(&n, "views_attr") >= 0);
	assert_true(find_name(&n, "kmalloc-64") >= 0);
	assert_true(find_name(&n, "kmem_cache") >= 0);
	assert_true(n.dir[find_name(&n, "views_attr")]);
	n.nr = 0;
	assert_int_equal(kmm_proc_list(m, "/sys/kernel", collect, &n), 0);
	assert_true(find_name(&n, "slab") >= 0);

	/* and each cache's directory its attributes */
	static const char *const attrs[] = {
		"aliases",     "align",		"cache_dma",	   "colour",
		"cpu_slabs",   "ctor",		"hwcache_align",   "min_partial",
		"object_size", "objects",	"objects_partial", "objs_per_slab",
		"order",       "partial",	"poison",	   "reclaim_account",
		"red_zone",    "sanity_checks", "shrink",	   "slab_size",
		"slabs",       "store_user",	"total_objects",   "trace",
		"validate",
	};
	n.nr = 0;
	assert_int_equal(kmm_proc_list(m, "/sys/kernel/slab/views_attr", collect, &n), 0);
	for (unsigned i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		int k = find_name(&n, attrs[i]);
		if (k < 0)
			fail_msg("attribute %s missing", attrs[i]);
		assert_false(n.dir[k]);
	}
	assert_int_equal(kmm_proc_stat(m, "/sys/kernel/slab/views_attr/nonexistent"), -KMM_ENOENT);
	assert_int_equal(kmm_proc_stat(m, "/sys/kernel/slab/no_such_cache"), -KMM_ENOENT);
	assert_int_equal(kmm_proc_stat(m, "/sys/kernel/slab/views_attr/order/x"), -KMM_ENOENT);

	/* geometry */
	assert_int_equal(attr_ul(m, "views_attr", "object_size"), 100);
	assert_int_equal(attr_ul(m, "views_attr", "slab_size"), s->size);
	assert_int_equal(attr_ul(m, "views_attr", "align"), s->align);
	assert_int_equal(attr_ul(m, "views_attr", "order"), s->order);
	assert_int_equal(attr_ul(m, "views_attr", "objs_per_slab"), s->num);
	assert_int_equal(attr_ul(m, "views_attr", "min_partial"), s->min_partial);
	/* flags */
	assert_int_equal(attr_ul(m, "views_attr", "hwcache_align"), 1);
	assert_int_equal(attr_ul(m, "views_attr", "reclaim_account"), 1);
	assert_int_equal(attr_ul(m, "views_attr", "red_zone"), 0);
	assert_int_equal(attr_ul(m, "views_attr", "poison"), 0);
	assert_int_equal(attr_ul(m, "views_attr", "cache_dma"), 0);
	assert_int_equal(attr_ul(m, "views_dbg", "red_zone"), 1);
	assert_int_equal(attr_ul(m, "views_dbg", "poison"), 1);
	assert_int_equal(attr_ul(m, "views_dbg", "store_user"), 1);
	assert_int_equal(attr_ul(m, "views_dbg", "cache_dma"), 1);
	assert_int_equal(attr_ul(m, "views_dbg", "hwcache_align"), 0);
	assert_int_equal(attr_ul(m, "views_dbg", "object_size"), 40);
	assert_true(attr_ul(m, "views_dbg", "slab_size") > 40); /* red zones, tracks */
	/* ctor: its address, or nothing */
	attr_str(m, "views_attr", "ctor", buf, sizeof(buf));
	char want[64];
	snprintf(want, sizeof(want), "0x%lx\n", (unsigned long)(uintptr_t)views_ctor);
	assert_string_equal(buf, want);
	attr_str(m, "views_dbg", "ctor", buf, sizeof(buf));
	assert_string_equal(buf, "");
	/* colour: "0-LAST x STEP" or "0 x STEP" */
	attr_str(m, "views_attr", "colour", buf, sizeof(buf));
	if (s->colour > 1)
		snprintf(want, sizeof(want), "0-%u x %u\n", s->colour - 1, s->colour_off);
	else
		snprintf(want, sizeof(want), "0 x %u\n", s->colour_off);
	assert_string_equal(buf, want);
	/* validate and shrink read as empty */
	attr_str(m, "views_attr", "validate", buf, sizeof(buf));
	assert_string_equal(buf, "");
	attr_str(m, "views_attr", "shrink", buf, sizeof(buf));
	assert_string_equal(buf, "");

	/* counts follow allocations; per-node details as SLUB prints them */
	static void *o[500];
	for (int i = 0; i < 500; i++)
		assert_non_null(o[i] = kmm_kmem_cache_alloc(s, GFP_KERNEL));
	struct slabinfo si;
	kmm_get_slabinfo(s, &si);
	assert_int_equal(attr_ul(m, "views_attr", "objects"), si.active_objs);
	assert_true(si.active_objs >= 500);
	assert_int_equal(attr_ul(m, "views_attr", "total_objects"), si.num_objs);
	assert_int_equal(attr_ul(m, "views_attr", "slabs"), si.num_slabs);
	assert_int_equal(attr_ul(m, "views_attr", "partial"), si.partial_slabs);
	assert_int_equal(attr_ul(m, "views_attr", "cpu_slabs"), si.cpu_slabs);
	assert_true(attr_ul(m, "views_attr", "cpu_slabs") >= 1);
	assert_true(attr_ul(m, "views_attr", "objects_partial") <=
		    si.partial_slabs * (unsigned long)s->num);
	attr_str(m, "views_attr", "objects", buf, sizeof(buf));
	snprintf(want, sizeof(want), "%lu N", si.active_objs);
	assert_memory_equal(buf, want, strlen(want)); /* "TOTAL N0=..." */
	assert_non_null(strstr(buf, "="));	      /* a per-node count */
	assert_int_equal(buf[strlen(buf) - 1], '\n');
	for (int i = 0; i < 500; i++)
		kmm_kmem_cache_free(s, o[i]);

	/* min_partial is writable; the others are not */
	assert_int_equal(write_str(m, "/sys/kernel/slab/views_attr/min_partial", "7\n"), 0);
	assert_int_equal(attr_ul(m, "views_attr", "min_partial"), 7);
	assert_int_equal(s->min_partial, 7);
	assert_int_equal(write_str(m, "/sys/kernel/slab/views_attr/min_partial", "-3"),
			 -KMM_EINVAL);
	assert_int_equal(write_str(m, "/sys/kernel/slab/views_attr/min_partial", "lots"),
			 -KMM_EINVAL);
	assert_int_equal(s->min_partial, 7);
	assert_int_equal(write_str(m, "/sys/kernel/slab/views_attr/order", "2"), -KMM_EACCES);
	assert_int_equal(write_str(m, "/sys/kernel/slab/views_attr", "2"), -KMM_EISDIR);

	kmm_kmem_cache_destroy(s);
	kmm_kmem_cache_destroy(d);
	assert_int_equal(kmm_proc_stat(m, "/sys/kernel/slab/views_attr"), -KMM_ENOENT);
	assert_int_equal(atomic_load(&m->nr_slab_reports), 0);
	shutdown(m);
}

static void test_sys_slab_validate_shrink(void **state)
{
	(void)state;
	struct kmm_machine *m = boot();
	struct kmem_cache *s =
		kmm_kmem_cache_create(m, "views_vs", 128, 0, SLAB_NO_MERGE, NULL, NULL);
	assert_non_null(s);
	static void *o[1000];
	for (int i = 0; i < 1000; i++)
		assert_non_null(o[i] = kmm_kmem_cache_alloc(s, GFP_KERNEL));

	logcap_clear(&cap);
	assert_int_equal(write_str(m, "/sys/kernel/slab/views_vs/validate", "1\n"), 0);
	assert_true(logcap_has(&cap, "slab views_vs: validate: 0 problems found"));
	assert_int_equal(write_str(m, "/sys/kernel/slab/views_vs/validate", "2"), -KMM_EINVAL);
	assert_int_equal(write_str(m, "/sys/kernel/slab/views_vs/validate", ""), -KMM_EINVAL);

	/* break one slab's bookkeeping: validate reports it */
	struct kmem_cache_node *n = s->node[kmm_page_to_nid(kmm_virt_to_page(m, o[0]))];
	struct slab *victim = virt_to_slab(m, o[0]);
	unsigned idx = (unsigned)obj_to_index(s, victim, o[0]);
	atomic_uchar *st = &slab_states(s, victim->mgmt)[idx];
	unsigned char saved = atomic_load(st);
	spin_lock(&n->list_lock);
	atomic_store(st, OBJ_FREE); /* allocated, but marked free */
	spin_unlock(&n->list_lock);
	logcap_clear(&cap);
	assert_int_equal(write_str(m, "/sys/kernel/slab/views_vs/validate", "1"), 0);
	assert_true(logcap_has(&cap, "slab views_vs: validate: "));
	assert_false(logcap_has(&cap, "validate: 0 problems"));
	atomic_store(st, saved);
	assert_int_equal(kmm_slab_validate(s), 0);
	atomic_store(&m->nr_slab_reports, 0);

	/* shrink: free everything, then every slab goes back */
	for (int i = 0; i < 1000; i++)
		kmm_kmem_cache_free(s, o[i]);
	assert_true(attr_ul(m, "views_vs", "slabs") > 0);
	assert_int_equal(write_str(m, "/sys/kernel/slab/views_vs/shrink", "x"), -KMM_EINVAL);
	assert_true(attr_ul(m, "views_vs", "slabs") > 0);
	long free_before = (kmm_drain_all_pages(m), total_free_pages(m));
	assert_int_equal(write_str(m, "/sys/kernel/slab/views_vs/shrink", "1"), 0);
	assert_int_equal(attr_ul(m, "views_vs", "slabs"), 0);
	assert_int_equal(attr_ul(m, "views_vs", "objects"), 0);
	assert_int_equal(attr_ul(m, "views_vs", "cpu_slabs"), 0);
	kmm_drain_all_pages(m);
	assert_true(total_free_pages(m) > free_before);
	struct line x;
	assert_true(slab_line(m, "views_vs", &x));
	assert_int_equal(x.num_slabs, 0);
	kmm_kmem_cache_destroy(s);
	assert_int_equal(atomic_load(&m->nr_slab_reports), 0);
	shutdown(m);
}

static void test_sys_slab_aliases(void **state)
{
	(void)state;
	struct kmm_machine *m = boot();
	struct kmem_cache *base = kmm_kmem_cache_create(m, "views_base", 200, 0, 0, NULL, NULL);
	struct kmem_cache *al = kmm_kmem_cache_create(m, "views_alias", 200, 0, 0, NULL, NULL);
	assert_non_null(base);
	assert_ptr_equal(al, base); /* merged */
	static struct names n;
	n.nr = 0;
	assert_int_equal(kmm_proc_list(m, "/sys/kernel/slab", collect, &n), 0);
	int k = find_name(&n, "views_alias");
	assert_true(k >= 0);
	assert_true(n.dir[k]);
	assert_int_equal(kmm_proc_stat(m, "/sys/kernel/slab/views_alias"), 1);
	assert_int_equal(attr_ul(m, "views_base", "aliases"), 1);
	assert_int_equal(attr_ul(m, "views_alias", "aliases"), 1);
	assert_int_equal(attr_ul(m, "views_alias", "object_size"), 200);
	assert_int_equal(attr_ul(m, "views_alias", "slab_size"), base->size);
	/* /proc/slabinfo shows the cache once, under its own name */
	struct line x;
	assert_true(slab_line(m, "views_base", &x));
	assert_false(slab_line(m, "views_alias", &x));
	/* tunables written through an alias reach the cache */
	assert_int_equal(write_str(m, "/proc/slabinfo", "views_alias 20 10 2"), 0);
	assert_int_equal(base->limit, 20);
	kmm_kmem_cache_destroy(al);
	assert_int_equal(kmm_proc_stat(m, "/sys/kernel/slab/views_alias"), -KMM_ENOENT);
	assert_int_equal(attr_ul(m, "views_base", "aliases"), 0);
	kmm_kmem_cache_destroy(base);
	assert_int_equal(kmm_proc_stat(m, "/sys/kernel/slab/views_base"), -KMM_ENOENT);
	shutdown(m);
}

/* ---- /proc/meminfo ------------------------------------------------------------------- */

static unsigned long meminfo_kb(const char *text, const char *field)
{
	const char *p = strstr(text, field);
	if (!p)
		fail_msg("no %s in /proc/meminfo", field);
	return strtoul(p + strlen(field), NULL, 10);
}

struct slab_mem {
	unsigned long slab, rec, unrec;
};

static struct slab_mem slab_mem(struct kmm_machine *m)
{
	char *t = read_all(m, "/proc/meminfo");
	struct slab_mem r = { meminfo_kb(t, "\nSlab:"), meminfo_kb(t, "\nSReclaimable:"),
			      meminfo_kb(t, "\nSUnreclaim:") };
	free(t);
	assert_int_equal(r.slab, r.rec + r.unrec);
	return r;
}

static void test_meminfo_slab(void **state)
{
	(void)state;
	struct kmm_machine *m = boot();
	struct slab_mem a = slab_mem(m);
	assert_true(a.unrec > 0); /* the boot's caches */

	/* 8 MiB of reclaimable objects, then 8 MiB of unreclaimable ones */
	struct kmem_cache *r =
		kmm_kmem_cache_create(m, "views_rcl", 512, 0, SLAB_RECLAIM_ACCOUNT, NULL, NULL);
	struct kmem_cache *u =
		kmm_kmem_cache_create(m, "views_unr", 512, 0, SLAB_NO_MERGE, NULL, NULL);
	assert_non_null(r);
	assert_non_null(u);
	enum { N = 16384 };
	void **ro = calloc(N, sizeof(void *)), **uo = calloc(N, sizeof(void *));
	assert_non_null(ro);
	assert_non_null(uo);
	for (int i = 0; i < N; i++)
		assert_non_null(ro[i] = kmm_kmem_cache_alloc(r, GFP_KERNEL));
	struct slab_mem b = slab_mem(m);
	assert_true(b.rec >= a.rec + 7 * 1024);
	assert_true(b.slab >= a.slab + 7 * 1024);
	for (int i = 0; i < N; i++)
		assert_non_null(uo[i] = kmm_kmem_cache_alloc(u, GFP_KERNEL));
	struct slab_mem c = slab_mem(m);
	assert_true(c.unrec >= b.unrec + 7 * 1024);
	assert_true(c.slab >= b.slab + 7 * 1024);

	/* and shrinks back when the caches do */
	for (int i = 0; i < N; i++) {
		kmm_kmem_cache_free(r, ro[i]);
		kmm_kmem_cache_free(u, uo[i]);
	}
	assert_int_equal(write_str(m, "/sys/kernel/slab/views_rcl/shrink", "1"), 0);
	assert_int_equal(write_str(m, "/sys/kernel/slab/views_unr/shrink", "1"), 0);
	struct slab_mem d = slab_mem(m);
	assert_true(d.rec + 6 * 1024 <= c.rec);
	assert_true(d.slab + 12 * 1024 <= c.slab);
	kmm_kmem_cache_destroy(r);
	kmm_kmem_cache_destroy(u);
	free(ro);
	free(uo);
	assert_int_equal(atomic_load(&m->nr_slab_reports), 0);
	shutdown(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slabinfo_format),
		cmocka_unit_test(test_slabinfo_counts),
		cmocka_unit_test(test_slabinfo_write),
		cmocka_unit_test(test_sys_slab_attributes),
		cmocka_unit_test(test_sys_slab_validate_shrink),
		cmocka_unit_test(test_sys_slab_aliases),
		cmocka_unit_test(test_meminfo_slab),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
