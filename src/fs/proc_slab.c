// SPDX-License-Identifier: MIT
/*
 * src/fs/proc_slab.c - the slab allocator's files: /proc/slabinfo
 * (mm/slab_common.c's slab_show/cache_show and mm/slab.c's slabinfo_write
 * of Linux <= 6.4) and the /sys/kernel/slab/<cache>/ directories (the sysfs
 * half of mm/slub.c).
 *
 * /proc/slabinfo is "slabinfo - version: 2.1": one line per cache, newest
 * first as in the kernel, <objsize> being the slot size (s->size).  Writing
 * "NAME LIMIT BATCHCOUNT SHARED" retunes a cache's CPU arrays: LIMIT is the
 * capacity of each array, BATCHCOUNT how many objects move between an array
 * and the slab lists at a time, SHARED how many full arrays a node's barn
 * may hold.
 *
 * /sys/kernel/slab/ has a directory per cache and per alias (a name merged
 * into an existing cache; Linux makes those symlinks, here they are
 * directories showing the same attributes).  Counts are totals followed by
 * " N<node>=<count>" for each node with a non-zero count, as SLUB's
 * show_slab_objects() prints them.  The attributes:
 *
 *   object_size slab_size align order objs_per_slab   geometry
 *   objects          objects in use (in CPU arrays and barns included,
 *                    as in /proc/slabinfo's active_objs)
 *   total_objects    objects the cache's slabs hold
 *   slabs partial    slabs, and those of them partially used
 *   objects_partial  objects in use on partial slabs
 *   cpu_slabs        CPU object arrays in use (loaded + previous per CPU),
 *                    attributed to each CPU's node
 *   aliases          names merged into this cache
 *   red_zone poison store_user sanity_checks trace reclaim_account
 *   hwcache_align cache_dma                           flags, 0 or 1
 *   ctor             the constructor's address (0x...), empty if none
 *   colour           the colour offsets successive slabs cycle through, as
 *                    "0-LAST x STEP": slab k starts its objects
 *                    (k mod (LAST+1)) * STEP bytes further in; "0 x STEP"
 *                    when the leftover space allows a single colour only
 *   min_partial      (read-write) partial slabs kept per node
 *   validate         (write "1") check every slab of the cache; problems
 *                    are reported in the log, ending with a summary line;
 *                    reads as empty, as in Linux
 *   shrink           (write "1") flush the CPU arrays and barns and give
 *                    every free slab back to the buddy allocator; reads as
 *                    empty
 *
 * Locking: listings and reads run under m->slab.lock (the cache list stays
 * put, and a file's cache is checked to be still listed before it is shown);
 * tuning, shrinking and min_partial run after dropping it, as they flush CPU
 * arrays.  As with every other use of a cache, a caller must not destroy a
 * cache while writing its files from another thread.
 */
#include "mm/slab.h"

#include <limits.h>

/* ---- helpers ------------------------------------------------------------------ */

/* Longest write /proc/slabinfo accepts (Linux MAX_SLABINFO_WRITE). */
#define MAX_SLABINFO_WRITE 128

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Is @s on the cache list?  Caller holds m->slab.lock. */
static bool cache_listed(struct kmm_machine *m, const struct kmem_cache *s)
{
	struct list_head *pos;

	list_for_each (pos, &m->slab.caches)
		if (list_entry(pos, struct kmem_cache, list) == s)
			return true;
	return false;
}

/* The cache named @name (its own name or an alias); caller holds m->slab.lock. */
static struct kmem_cache *cache_by_name(struct kmm_machine *m, const char *name, size_t len)
{
	struct list_head *pos;

	list_for_each (pos, &m->slab.caches) {
		struct kmem_cache *s = list_entry(pos, struct kmem_cache, list);

		if (kmm_strlen(s->name) == len && !kmm_strncmp(s->name, name, len))
			return s;
		for (struct kmem_cache_alias *a = s->aliases; a; a = a->next)
			if (kmm_strlen(a->name) == len && !kmm_strncmp(a->name, name, len))
				return s;
	}
	return NULL;
}

/* ---- /proc/slabinfo ------------------------------------------------------------- */

static void slabinfo_show(struct kmm_machine *m, struct seq_buf *sb)
{
	struct list_head *pos;

	seq_buf_puts(sb, "slabinfo - version: 2.1\n");
	seq_buf_puts(sb, "# name            <active_objs> <num_objs> <objsize> <objperslab> "
			 "<pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : "
			 "slabdata <active_slabs> <num_slabs> <sharedavail>\n");
	spin_lock(&m->slab.lock);
	/* the kernel adds new caches at the head of slab_caches: newest first */
	for (pos = m->slab.caches.prev; pos != &m->slab.caches; pos = pos->prev) {
		struct kmem_cache *s = list_entry(pos, struct kmem_cache, list);
		struct slabinfo si;

		kmm_get_slabinfo(s, &si);
		seq_buf_printf(sb, "%-17s %6lu %6lu %6u %4u %4d", s->name, si.active_objs,
			       si.num_objs, s->size, s->num, 1 << s->order);
		seq_buf_printf(sb, " : tunables %4u %4u %4u", s->limit, s->batchcount, s->shared);
		seq_buf_printf(sb, " : slabdata %6lu %6lu %6lu\n", si.active_slabs, si.num_slabs,
			       si.shared_avail);
	}
	spin_unlock(&m->slab.lock);
}

/* Parse decimal number @tok of a slabinfo write; false (logged) if malformed. */
static bool slabinfo_number(struct kmm_machine *m, const char *name, const char *what,
			    const char *tok, long long *out)
{
	if (kmm_kstrtoll(tok, 10, out) == 0)
		return true;
	pr_warn(m, "slabinfo: %s: %s '%s' is not a number", name, what, tok);
	return false;
}

/* "NAME LIMIT BATCHCOUNT SHARED": retune a cache's CPU arrays. */
static int slabinfo_write(struct kmm_machine *m, const char *text, size_t len)
{
	char buf[MAX_SLABINFO_WRITE + 1];
	char *tok[5];
	unsigned ntok = 0;
	long long limit, batch, shared;

	if (len > MAX_SLABINFO_WRITE) {
		pr_warn(m, "slabinfo: write of %zu bytes refused (at most %d)", len,
			MAX_SLABINFO_WRITE);
		return -KMM_EINVAL;
	}
	kmm_memcpy(buf, text, len);
	buf[len] = '\0';
	for (char *p = buf; *p;) {
		while (is_space(*p))
			*p++ = '\0';
		if (!*p)
			break;
		if (ntok == KMM_ARRAY_SIZE(tok)) {
			ntok++;
			break;
		}
		tok[ntok++] = p;
		while (*p && !is_space(*p))
			p++;
	}
	if (ntok != 4) {
		pr_warn(m, "slabinfo: expected 'NAME LIMIT BATCHCOUNT SHARED', got %u word%s",
			ntok > 4 ? 5 : ntok, ntok == 1 ? "" : "s");
		return -KMM_EINVAL;
	}
	const char *name = tok[0];
	if (!slabinfo_number(m, name, "limit", tok[1], &limit) ||
	    !slabinfo_number(m, name, "batchcount", tok[2], &batch) ||
	    !slabinfo_number(m, name, "shared", tok[3], &shared))
		return -KMM_EINVAL;
	if (limit < 1 || limit > SLAB_MAX_LIMIT) {
		pr_warn(m, "slabinfo: %s: limit %lld out of range (1 to %u)", name, limit,
			SLAB_MAX_LIMIT);
		return -KMM_EINVAL;
	}
	if (batch < 1 || batch > limit) {
		pr_warn(m, "slabinfo: %s: batchcount %lld out of range (1 to limit %lld)", name,
			batch, limit);
		return -KMM_EINVAL;
	}
	if (shared < 0 || shared > INT_MAX) {
		pr_warn(m, "slabinfo: %s: shared %lld out of range (0 to %d)", name, shared,
			INT_MAX);
		return -KMM_EINVAL;
	}
	spin_lock(&m->slab.lock);
	struct kmem_cache *s = cache_by_name(m, name, kmm_strlen(name));
	spin_unlock(&m->slab.lock);
	if (!s) {
		pr_warn(m, "slabinfo: no cache named '%s'", name);
		return -KMM_EINVAL;
	}
	if (slab_set_tunables(s, (unsigned)limit, (unsigned)batch, (unsigned)shared))
		return -KMM_EINVAL; /* checked above; the core agrees */
	return 0;
}

static const struct kmm_proc_file slab_files[] = {
	{ "/proc/slabinfo", slabinfo_show, slabinfo_write },
};

/* ---- /sys/kernel/slab/<cache>/ ---------------------------------------------------- */

/* Per-node counts of a cache, as SLUB's show_slab_objects() gathers them. */
enum slab_count {
	SC_OBJECTS,	    /* objects in use */
	SC_TOTAL_OBJECTS,   /* objects the slabs hold */
	SC_SLABS,	    /* slabs */
	SC_PARTIAL,	    /* partial slabs */
	SC_OBJECTS_PARTIAL, /* objects in use on partial slabs */
	SC_CPU_SLABS,	    /* CPU arrays in use */
};

/* CPU arrays are read racily from another CPU, as the kernel's sysfs reads do. */
static KMM_NO_SANITIZE_THREAD unsigned cpu_arrays(struct kmem_cache_cpu *cc)
{
	return (__atomic_load_n(&cc->loaded, __ATOMIC_RELAXED) != NULL) +
	       (__atomic_load_n(&cc->prev, __ATOMIC_RELAXED) != NULL);
}

static void show_count(struct kmem_cache *s, struct seq_buf *sb, enum slab_count what)
{
	struct kmm_machine *m = s->machine;
	unsigned long per_node[MAX_NUMNODES] = { 0 }, total = 0;

	if (what == SC_CPU_SLABS) {
		for (int cpu = 0; cpu < m->nr_cpu_ids; cpu++) {
			int nid = m->cpus[cpu].node;
			unsigned n = cpu_arrays(&s->cpu_slab[cpu]);

			if (nid >= 0 && nid < MAX_NUMNODES)
				per_node[nid] += n;
			total += n;
		}
	} else {
		for (int nid = 0; nid < m->nr_node_ids; nid++) {
			struct kmem_cache_node *n = s->node[nid];
			unsigned long x = 0;

			if (!n)
				continue;
			spin_lock(&n->list_lock);
			switch (what) {
			case SC_OBJECTS:
				x = n->total_slabs * s->num - n->free_objects;
				break;
			case SC_TOTAL_OBJECTS:
				x = n->total_slabs * s->num;
				break;
			case SC_SLABS:
				x = n->total_slabs;
				break;
			case SC_PARTIAL:
				x = n->partial_slabs;
				break;
			case SC_OBJECTS_PARTIAL: {
				struct list_head *pos;

				list_for_each (pos, &n->slabs_partial)
					x += list_entry(pos, struct slab, slab_list)->mgmt->active;
				break;
			}
			case SC_CPU_SLABS:
				break;
			}
			spin_unlock(&n->list_lock);
			per_node[nid] = x;
			total += x;
		}
	}
	seq_buf_printf(sb, "%lu", total);
	for (int nid = 0; nid < m->nr_node_ids && nid < MAX_NUMNODES; nid++)
		if (per_node[nid])
			seq_buf_printf(sb, " N%d=%lu", nid, per_node[nid]);
	seq_buf_putc(sb, '\n');
}

static void show_flag(struct kmem_cache *s, struct seq_buf *sb, slab_flags_t flag)
{
	seq_buf_printf(sb, "%d\n", (s->flags & flag) ? 1 : 0);
}

/* Text written to an attribute, NUL-terminated; false (logged) if too long. */
static bool attr_text(struct kmem_cache *s, const char *attr, const char *text, size_t len,
		      char *buf, size_t size)
{
	if (len >= size) {
		pr_warn(s->machine, "slab %s: %s: value too long", s->name, attr);
		return false;
	}
	kmm_memcpy(buf, text, len);
	buf[len] = '\0';
	return true;
}

/* "1" (an optional newline after it) triggers validate and shrink. */
static bool attr_is_one(struct kmem_cache *s, const char *attr, const char *text, size_t len)
{
	char buf[16];

	if (!attr_text(s, attr, text, len, buf, sizeof(buf)))
		return false;
	if (!kmm_strcmp(buf, "1") || !kmm_strcmp(buf, "1\n"))
		return true;
	pr_warn(s->machine, "slab %s: %s: write 1 to run it (got '%s')", s->name, attr, buf);
	return false;
}

/* The attributes; NAME_show prints the value, NAME_store takes a write. */
#define SHOW(name) static void name##_show(struct kmem_cache *s, struct seq_buf *sb)

SHOW(object_size)
{
	seq_buf_printf(sb, "%u\n", s->object_size);
}
SHOW(slab_size)
{
	seq_buf_printf(sb, "%u\n", s->size);
}
SHOW(align)
{
	seq_buf_printf(sb, "%u\n", s->align);
}
SHOW(order)
{
	seq_buf_printf(sb, "%u\n", s->order);
}
SHOW(objs_per_slab)
{
	seq_buf_printf(sb, "%u\n", s->num);
}
SHOW(objects)
{
	show_count(s, sb, SC_OBJECTS);
}
SHOW(total_objects)
{
	show_count(s, sb, SC_TOTAL_OBJECTS);
}
SHOW(slabs)
{
	show_count(s, sb, SC_SLABS);
}
SHOW(partial)
{
	show_count(s, sb, SC_PARTIAL);
}
SHOW(objects_partial)
{
	show_count(s, sb, SC_OBJECTS_PARTIAL);
}
SHOW(cpu_slabs)
{
	show_count(s, sb, SC_CPU_SLABS);
}
SHOW(min_partial)
{
	seq_buf_printf(sb, "%u\n", s->min_partial);
}
SHOW(aliases)
{
	seq_buf_printf(sb, "%d\n", s->refcount > 1 ? s->refcount - 1 : 0);
}
SHOW(red_zone)
{
	show_flag(s, sb, SLAB_RED_ZONE);
}
SHOW(poison)
{
	show_flag(s, sb, SLAB_POISON);
}
SHOW(store_user)
{
	show_flag(s, sb, SLAB_STORE_USER);
}
SHOW(sanity_checks)
{
	show_flag(s, sb, SLAB_CONSISTENCY_CHECKS);
}
SHOW(trace)
{
	show_flag(s, sb, SLAB_TRACE);
}
SHOW(reclaim_account)
{
	show_flag(s, sb, SLAB_RECLAIM_ACCOUNT);
}
SHOW(hwcache_align)
{
	show_flag(s, sb, SLAB_HWCACHE_ALIGN);
}
SHOW(cache_dma)
{
	show_flag(s, sb, SLAB_CACHE_DMA);
}
SHOW(ctor)
{
	if (s->ctor)
		seq_buf_printf(sb, "0x%lx\n", (unsigned long)(uintptr_t)s->ctor);
}
SHOW(colour)
{
	if (s->colour > 1)
		seq_buf_printf(sb, "0-%u x %u\n", s->colour - 1, s->colour_off);
	else
		seq_buf_printf(sb, "0 x %u\n", s->colour_off);
}
SHOW(validate)
{
	(void)s;
	(void)sb;
}
SHOW(shrink)
{
	(void)s;
	(void)sb;
}

static int min_partial_store(struct kmem_cache *s, const char *text, size_t len)
{
	char buf[32];
	unsigned long long v;

	if (!attr_text(s, "min_partial", text, len, buf, sizeof(buf)))
		return -KMM_EINVAL;
	if (kmm_kstrtoull(buf, 10, &v) || v > UINT_MAX) {
		pr_warn(s->machine, "slab %s: min_partial: '%s' is not a number from 0 to %u",
			s->name, buf, UINT_MAX);
		return -KMM_EINVAL;
	}
	s->min_partial = (unsigned)v;
	return 0;
}

static int validate_store(struct kmem_cache *s, const char *text, size_t len)
{
	if (!attr_is_one(s, "validate", text, len))
		return -KMM_EINVAL;
	unsigned long bad = kmm_slab_validate(s);
	pr_info(s->machine, "slab %s: validate: %lu problem%s found", s->name, bad,
		bad == 1 ? "" : "s");
	return 0;
}

static int shrink_store(struct kmem_cache *s, const char *text, size_t len)
{
	if (!attr_is_one(s, "shrink", text, len))
		return -KMM_EINVAL;
	__kmem_cache_shrink(s);
	return 0;
}

/*
 * The proc layer hands show/write only the node's data (the cache), so each
 * attribute gets a pair of small entry points that know which attribute
 * they serve.  Reads check, under the cache-list lock, that the cache is
 * still there; writes check it and then run unlocked.
 */
static void attr_read(struct kmm_machine *m, const void *data, struct seq_buf *sb,
		      void (*show)(struct kmem_cache *s, struct seq_buf *sb))
{
	struct kmem_cache *s = (struct kmem_cache *)data;

	spin_lock(&m->slab.lock);
	if (cache_listed(m, s))
		show(s, sb);
	spin_unlock(&m->slab.lock);
}

static int attr_write(struct kmm_machine *m, const void *data, const char *text, size_t len,
		      int (*store)(struct kmem_cache *s, const char *text, size_t len))
{
	struct kmem_cache *s = (struct kmem_cache *)data;

	spin_lock(&m->slab.lock);
	bool listed = cache_listed(m, s);
	spin_unlock(&m->slab.lock);
	return listed ? store(s, text, len) : -KMM_ENOENT;
}

#define ATTR_READ(name)                                                                      \
	static void name##_read(struct kmm_machine *m, const void *data, struct seq_buf *sb) \
	{                                                                                    \
		attr_read(m, data, sb, name##_show);                                         \
	}
#define ATTR_WRITE(name)                                                                   \
	static int name##_write(struct kmm_machine *m, const void *data, const char *text, \
				size_t len)                                                \
	{                                                                                  \
		return attr_write(m, data, text, len, name##_store);                       \
	}

ATTR_READ(object_size)
ATTR_READ(slab_size)
ATTR_READ(align)
ATTR_READ(order)
ATTR_READ(objs_per_slab)
ATTR_READ(objects)
ATTR_READ(total_objects)
ATTR_READ(slabs)
ATTR_READ(partial)
ATTR_READ(objects_partial)
ATTR_READ(cpu_slabs)
ATTR_READ(min_partial)
ATTR_READ(aliases)
ATTR_READ(red_zone)
ATTR_READ(poison)
ATTR_READ(store_user)
ATTR_READ(sanity_checks)
ATTR_READ(trace)
ATTR_READ(reclaim_account)
ATTR_READ(hwcache_align)
ATTR_READ(cache_dma)
ATTR_READ(ctor)
ATTR_READ(colour)
ATTR_READ(validate)
ATTR_READ(shrink)
ATTR_WRITE(min_partial)
ATTR_WRITE(validate)
ATTR_WRITE(shrink)

struct slab_attr {
	const char *name;
	void (*show)(struct kmm_machine *m, const void *data, struct seq_buf *sb);
	int (*write)(struct kmm_machine *m, const void *data, const char *text, size_t len);
};

#define RO(name)                         \
	{                                \
#name, name##_read, NULL \
	}
#define RW(name)                                 \
	{                                        \
#name, name##_read, name##_write \
	}

static const struct slab_attr slab_attrs[] = {
	RO(aliases),	 RO(align),	    RO(cache_dma),	 RO(colour),
	RO(cpu_slabs),	 RO(ctor),	    RO(hwcache_align),	 RW(min_partial),
	RO(object_size), RO(objects),	    RO(objects_partial), RO(objs_per_slab),
	RO(order),	 RO(partial),	    RO(poison),		 RO(reclaim_account),
	RO(red_zone),	 RO(sanity_checks), RW(shrink),		 RO(slab_size),
	RO(slabs),	 RO(store_user),    RO(total_objects),	 RO(trace),
	RW(validate),
};

static const struct slab_attr *find_attr(const char *name)
{
	for (unsigned i = 0; i < KMM_ARRAY_SIZE(slab_attrs); i++)
		if (!kmm_strcmp(slab_attrs[i].name, name))
			return &slab_attrs[i];
	return NULL;
}

static int sys_slab_list(struct kmm_machine *m, const char *rest, kmm_proc_filldir_t fn, void *ctx)
{
	struct list_head *pos;
	int err = 0;

	spin_lock(&m->slab.lock);
	if (!*rest) {
		list_for_each (pos, &m->slab.caches) {
			struct kmem_cache *s = list_entry(pos, struct kmem_cache, list);

			fn(ctx, s->name, true);
			for (struct kmem_cache_alias *a = s->aliases; a; a = a->next)
				fn(ctx, a->name, true);
		}
	} else if (!kmm_strchr(rest, '/') && cache_by_name(m, rest, kmm_strlen(rest))) {
		for (unsigned i = 0; i < KMM_ARRAY_SIZE(slab_attrs); i++)
			fn(ctx, slab_attrs[i].name, false);
	} else {
		err = -KMM_ENOENT;
	}
	spin_unlock(&m->slab.lock);
	return err;
}

static int sys_slab_lookup(struct kmm_machine *m, const char *rest, struct kmm_proc_node *out)
{
	const char *slash = kmm_strchr(rest, '/');
	size_t len = slash ? (size_t)(slash - rest) : kmm_strlen(rest);
	const struct slab_attr *attr = NULL;

	if (slash && (kmm_strchr(slash + 1, '/') || !(attr = find_attr(slash + 1))))
		return -KMM_ENOENT;
	spin_lock(&m->slab.lock);
	struct kmem_cache *s = cache_by_name(m, rest, len);
	spin_unlock(&m->slab.lock);
	if (!s)
		return -KMM_ENOENT;
	if (!attr)
		*out = (struct kmm_proc_node){ .is_dir = true };
	else
		*out = (struct kmm_proc_node){ .show = attr->show,
					       .write = attr->write,
					       .data = s };
	return 0;
}

static const struct kmm_proc_provider slab_providers[] = {
	{ "/sys/kernel/slab", sys_slab_list, sys_slab_lookup },
};

const struct kmm_proc_table proc_slab_table = {
	.files = slab_files,
	.nr_files = KMM_ARRAY_SIZE(slab_files),
	.providers = slab_providers,
	.nr_providers = KMM_ARRAY_SIZE(slab_providers),
};
