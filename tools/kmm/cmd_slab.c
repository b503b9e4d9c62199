/* SPDX-License-Identifier: MIT */
/*
 * tools/kmm/cmd_slab.c - the shell's slab commands: slabtop,
 * kmem_cache_create, kmem_cache_alloc, kmem_cache_free,
 * kmem_cache_destroy, kmalloc and kfree.
 *
 * Objects are remembered under a variable name (VAR), as alloc_pages
 * remembers blocks.  Freeing a VAR marks its objects freed but keeps them,
 * so that a second kfree or kmem_cache_free of the same VAR really passes
 * the same pointers to the library again: the kernel's double-free report
 * is what the user gets to see, and the script goes on.  Caches are
 * remembered under the name given to kmem_cache_create (the pointer the
 * kernel hands its creator); only those can be destroyed from the shell.
 *
 * slabtop works like procps' slabtop, from /proc/slabinfo only.
 */
#include "cli.h"

#include "kmm/slab.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* ---- remembered objects and caches ------------------------------------------------ */

static struct cli_obj_var *find_var(struct cli_shell *sh, const char *name)
{
	for (size_t i = 0; i < sh->nr_vars; i++)
		if (!strcmp(sh->vars[i].name, name))
			return &sh->vars[i];
	return NULL;
}

static struct cli_obj_var *new_var(struct cli_shell *sh, const char *name)
{
	struct cli_obj_var *v;
	if (sh->nr_vars == sh->cap_vars) {
		size_t cap = sh->cap_vars ? sh->cap_vars * 2 : 8;
		v = realloc(sh->vars, cap * sizeof(*v));
		if (!v)
			return NULL;
		sh->vars = v;
		sh->cap_vars = cap;
	}
	v = &sh->vars[sh->nr_vars++];
	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", name);
	return v;
}

static bool var_add(struct cli_obj_var *v, const struct cli_obj *o)
{
	if (v->nr == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 16;
		struct cli_obj *objs = realloc(v->objs, cap * sizeof(*objs));
		if (!objs)
			return false;
		v->objs = objs;
		v->cap = cap;
	}
	v->objs[v->nr++] = *o;
	return true;
}

/* Does @v hold only freed objects (or none)? */
static bool var_all_freed(const struct cli_obj_var *v)
{
	for (size_t i = 0; i < v->nr; i++)
		if (!v->objs[i].freed)
			return false;
	return true;
}

/* The variable to add new objects to: a fresh one, or @name reused. */
static struct cli_obj_var *var_for_alloc(struct cli_shell *sh, const char *name)
{
	struct cli_obj_var *v = find_var(sh, name);
	if (v && var_all_freed(v))
		v->nr = 0; /* everything in it was freed: start it afresh */
	return v ? v : new_var(sh, name);
}

static struct cli_cache_ref *find_cache_ref(struct cli_shell *sh, const char *name)
{
	for (size_t i = 0; i < sh->nr_caches; i++)
		if (!strcmp(sh->caches[i].name, name))
			return &sh->caches[i];
	return NULL;
}

static void drop_cache_ref(struct cli_shell *sh, struct cli_cache_ref *r)
{
	size_t idx = (size_t)(r - sh->caches);
	memmove(&sh->caches[idx], &sh->caches[idx + 1],
		(sh->nr_caches - idx - 1) * sizeof(*sh->caches));
	sh->nr_caches--;
}

/* Cache @s is gone: its objects can no longer be given to kmem_cache_free. */
static void forget_cache(struct cli_shell *sh, const struct kmem_cache *s)
{
	for (size_t i = 0; i < sh->nr_vars; i++)
		for (size_t j = 0; j < sh->vars[i].nr; j++)
			if (sh->vars[i].objs[j].cache == s) {
				sh->vars[i].objs[j].cache = NULL;
				sh->vars[i].objs[j].cache_gone = true;
			}
}

void cli_slab_forget(struct cli_shell *sh)
{
	/* free what is still allocated, then destroy the shell's caches */
	for (size_t i = 0; i < sh->nr_vars; i++) {
		struct cli_obj_var *v = &sh->vars[i];
		for (size_t j = 0; j < v->nr; j++) {
			struct cli_obj *o = &v->objs[j];
			if (o->freed || o->cache_gone)
				continue;
			if (o->cache)
				kmm_kmem_cache_free(o->cache, o->ptr);
			else
				kmm_kfree(sh->m, o->ptr);
			o->freed = true;
		}
		free(v->objs);
	}
	free(sh->vars);
	sh->vars = NULL;
	sh->nr_vars = sh->cap_vars = 0;
	while (sh->nr_caches) {
		struct cli_cache_ref *r = &sh->caches[sh->nr_caches - 1];
		kmm_kmem_cache_destroy(r->cache);
		sh->nr_caches--;
	}
	free(sh->caches);
	sh->caches = NULL;
	sh->cap_caches = 0;
}

static bool valid_name(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n >= max)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' && *s != '.')
			return false;
	return true;
}

/* "as=VAR" or the next automatic name (o1, o2, ...) into @buf. */
static const char *pick_var_name(struct cli_shell *sh, const char *name, char *buf, size_t size)
{
	if (name)
		return name;
	do
		snprintf(buf, size, "o%u", ++sh->next_obj_name);
	while (find_var(sh, buf));
	return buf;
}

/* The kmalloc cache that served @p: "kmalloc-64" from its size and the gfp type. */
static struct kmem_cache *kmalloc_cache_of(struct kmm_machine *m, const void *p, gfp_t gfp)
{
	size_t size = kmm_ksize(m, p);
	const char *prefix = (gfp & __GFP_DMA)	       ? "dma-kmalloc-" :
			     (gfp & __GFP_RECLAIMABLE) ? "kmalloc-rcl-" :
							 "kmalloc-";
	char name[48];
	struct kmem_cache *s;

	if (!size || size > KMALLOC_MAX_CACHE_SIZE)
		return NULL;
	if (size >= 1024)
		snprintf(name, sizeof(name), "%s%zuk", prefix, size >> 10);
	else
		snprintf(name, sizeof(name), "%s%zu", prefix, size);
	s = kmm_kmem_cache_find(m, name);
	return s && kmm_kmem_cache_size(s) == size ? s : NULL;
}

static void print_obj(struct cli_shell *sh, const char *var, const struct cli_obj *o)
{
	fprintf(sh->out, "%s: %p", var, o->ptr);
	if (o->cache)
		fprintf(sh->out, " (cache %s)\n", kmm_kmem_cache_name(o->cache));
	else if (o->ptr == (void *)16)
		fprintf(sh->out, " (ZERO_SIZE_PTR: kmalloc of 0 bytes)\n");
	else
		fprintf(sh->out, " (pages: %zu bytes, no cache)\n", kmm_ksize(sh->m, o->ptr));
}

/* Parse "100", "4k", "2M". */
static bool parse_size(const char *s, unsigned long *out)
{
	char *end;
	unsigned long v;
	unsigned shift = 0;
	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno)
		return false;
	if (*end == 'k' || *end == 'K')
		shift = 10;
	else if (*end == 'm' || *end == 'M')
		shift = 20;
	if (shift)
		end++;
	if (*end || (v << shift) >> shift != v)
		return false;
	*out = v << shift;
	return true;
}

#define OBJ_MAX_COUNT (1UL << 22)

/* Options shared by kmem_cache_alloc and kmalloc. */
struct alloc_opts {
	const char *first; /* the one positional argument */
	gfp_t gfp;
	unsigned long count;
	const char *name;
};

static int parse_alloc_opts(struct cli_shell *sh, const struct cli_cmd *me, int argc, char **argv,
			    struct alloc_opts *o)
{
	o->first = NULL;
	o->gfp = GFP_KERNEL;
	o->count = 1;
	o->name = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strncmp(a, "gfp=", 4)) {
			if (kmm_parse_gfp(a + 4, &o->gfp) < 0)
				return cli_usage(sh, me, "invalid GFP flags '%s'", a + 4);
		} else if (!strncmp(a, "count=", 6)) {
			if (!cli_parse_ulong(a + 6, &o->count) || o->count == 0 ||
			    o->count > OBJ_MAX_COUNT)
				return cli_usage(sh, me, "invalid count '%s'", a + 6);
		} else if (!strncmp(a, "as=", 3)) {
			o->name = a + 3;
			if (!valid_name(o->name, sizeof(((struct cli_obj_var *)0)->name)))
				return cli_usage(sh, me,
						 "invalid name '%s' (letters, digits, _ - . ; "
						 "at most 31)",
						 o->name);
		} else if (strchr(a, '=')) {
			return cli_usage(sh, me, "unknown option '%s'", a);
		} else if (o->first) {
			return cli_usage(sh, me, "unexpected argument '%s'", a);
		} else {
			o->first = a;
		}
	}
	return CLI_OK;
}

/* ---- kmem_cache_create ---------------------------------------------------------------- */

static const struct {
	const char *name;
	slab_flags_t flag;
} slab_flag_names[] = {
	{ "SLAB_HWCACHE_ALIGN", SLAB_HWCACHE_ALIGN },
	{ "SLAB_RECLAIM_ACCOUNT", SLAB_RECLAIM_ACCOUNT },
	{ "SLAB_CACHE_DMA", SLAB_CACHE_DMA },
	{ "SLAB_CACHE_DMA32", SLAB_CACHE_DMA32 },
	{ "SLAB_NO_MERGE", SLAB_NO_MERGE },
	{ "SLAB_PANIC", SLAB_PANIC },
	{ "SLAB_RED_ZONE", SLAB_RED_ZONE },
	{ "SLAB_POISON", SLAB_POISON },
	{ "SLAB_STORE_USER", SLAB_STORE_USER },
	{ "SLAB_CONSISTENCY_CHECKS", SLAB_CONSISTENCY_CHECKS },
	{ "SLAB_TRACE", SLAB_TRACE },
};

/* "SLAB_X|SLAB_Y" (or "0"); on error the unknown name is copied to @bad. */
static bool parse_slab_flags(const char *s, slab_flags_t *out, char *bad, size_t badlen)
{
	slab_flags_t flags = 0;
	while (*s) {
		size_t n = strcspn(s, "|");
		size_t i;
		for (i = 0; i < sizeof(slab_flag_names) / sizeof(slab_flag_names[0]); i++)
			if (strlen(slab_flag_names[i].name) == n &&
			    !strncmp(slab_flag_names[i].name, s, n))
				break;
		if (i < sizeof(slab_flag_names) / sizeof(slab_flag_names[0]))
			flags |= slab_flag_names[i].flag;
		else if (!(n == 1 && s[0] == '0')) {
			snprintf(bad, badlen, "%.*s", (int)n, s);
			return false;
		}
		s += n;
		if (*s == '|')
			s++;
	}
	*out = flags;
	return true;
}

/* Read a small /sys/kernel/slab/<cache>/<attr> value; -1 if unreadable. */
static long read_slab_attr(struct kmm_machine *m, const char *cache, const char *attr)
{
	char path[128], buf[64];
	snprintf(path, sizeof(path), "/sys/kernel/slab/%s/%s", cache, attr);
	if (kmm_proc_read(m, path, buf, sizeof(buf)) < 0)
		return -1;
	return strtol(buf, NULL, 10);
}

static int cmd_kmem_cache_create(struct cli_shell *sh, int argc, char **argv)
{
	const struct cli_cmd *me = &cli_cmd_kmem_cache_create;
	struct kmm_machine *m = sh->m;
	const char *name = NULL, *size_arg = NULL;
	unsigned long size = 0, align = 0;
	slab_flags_t flags = 0;
	struct kmem_cache *s;
	struct cli_cache_ref *r;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strncmp(a, "align=", 6)) {
			if (!cli_parse_ulong(a + 6, &align))
				return cli_usage(sh, me, "invalid align '%s'", a + 6);
		} else if (!strncmp(a, "flags=", 6)) {
			char bad[64];
			if (!parse_slab_flags(a + 6, &flags, bad, sizeof(bad)))
				return cli_usage(sh, me,
						 "unknown flag '%s' (see `help kmem_cache_create`)",
						 bad);
		} else if (strchr(a, '=')) {
			return cli_usage(sh, me, "unknown option '%s'", a);
		} else if (!name) {
			name = a;
		} else if (!size_arg) {
			size_arg = a;
			if (!parse_size(a, &size))
				return cli_usage(sh, me, "invalid size '%s'", a);
		} else {
			return cli_usage(sh, me, "unexpected argument '%s'", a);
		}
	}
	if (!size_arg)
		return cli_usage(sh, me, name ? "missing SIZE" : "missing NAME and SIZE");
	if (!valid_name(name, 32))
		return cli_usage(sh, me, "invalid name '%s' (letters, digits, _ - . ; at most 31)",
				 name);
	if (kmm_kmem_cache_find(m, name))
		return cli_error(sh, "kmem_cache_create: a cache named %s exists", name);
	if (sh->nr_caches == sh->cap_caches) {
		size_t cap = sh->cap_caches ? sh->cap_caches * 2 : 8;
		struct cli_cache_ref *c = realloc(sh->caches, cap * sizeof(*c));
		if (!c)
			return cli_error(sh, "kmem_cache_create: out of host memory");
		sh->caches = c;
		sh->cap_caches = cap;
	}
	s = kmm_kmem_cache_create(m, name, size, align, flags, NULL, NULL);
	if (!s)
		return cli_error(sh, "kmem_cache_create: %s: failed (the log says why: dmesg)",
				 name);
	r = &sh->caches[sh->nr_caches++];
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->cache = s;
	if (strcmp(kmm_kmem_cache_name(s), name)) {
		fprintf(sh->out, "%s: merged into cache %s (object size %zu): an alias of it\n",
			name, kmm_kmem_cache_name(s), kmm_kmem_cache_size(s));
	} else {
		long slot = read_slab_attr(m, name, "slab_size");
		long per = read_slab_attr(m, name, "objs_per_slab");
		long order = read_slab_attr(m, name, "order");
		fprintf(sh->out,
			"%s: object size %lu, slot %ld bytes, %ld objects per slab of %ld "
			"page%s\n",
			name, size, slot, per, order < 0 ? -1L : 1L << order,
			order == 0 ? "" : "s");
	}
	return CLI_OK;
}

const struct cli_cmd cli_cmd_kmem_cache_create = {
	.doc = {
		.name = "kmem_cache_create",
		.synopsis = "kmem_cache_create NAME SIZE [align=N] [flags=FLAG|FLAG...]",
		.summary = "create a slab cache of SIZE-byte objects",
		.description =
			"Creates a cache of objects of SIZE bytes (a number, or with a k or\n"
			"M suffix), as the kernel's kmem_cache_create(NAME, SIZE, N, FLAGS,\n"
			"NULL) does, and remembers it under NAME for kmem_cache_alloc and\n"
			"kmem_cache_destroy.  N is the alignment (0, the default, or a power\n"
			"of two).  FLAGS are joined by '|':\n"
			"\n"
			"  SLAB_HWCACHE_ALIGN       align objects on cache lines\n"
			"  SLAB_RECLAIM_ACCOUNT     count the slabs as SReclaimable\n"
			"  SLAB_CACHE_DMA           slabs from ZONE_DMA\n"
			"  SLAB_CACHE_DMA32         slabs from ZONE_DMA32\n"
			"  SLAB_NO_MERGE            never share an existing cache\n"
			"  SLAB_PANIC               stop the machine if creation fails\n"
			"  SLAB_RED_ZONE            guard bytes around each object\n"
			"  SLAB_POISON              fill free objects with 0x6b\n"
			"  SLAB_STORE_USER          remember who allocated and freed\n"
			"  SLAB_CONSISTENCY_CHECKS  check objects on every alloc and free\n"
			"  SLAB_TRACE               log every alloc and free\n"
			"\n"
			"A cache compatible with an existing one (same slot size and flags,\n"
			"no debugging, no SLAB_NO_MERGE) is merged into it: NAME becomes an\n"
			"alias and the command says so.  Otherwise it prints the slot size\n"
			"and how many objects fit a slab.  The new cache shows in\n"
			"/proc/slabinfo and /sys/kernel/slab/NAME/.",
		.examples =
			"kmem_cache_create dentry 192 flags=SLAB_HWCACHE_ALIGN|SLAB_RECLAIM_ACCOUNT\n"
			"kmem_cache_create buf 100 align=32 flags=SLAB_NO_MERGE\n"
			"kmem_cache_create dbg 40 flags=SLAB_RED_ZONE|SLAB_POISON|SLAB_STORE_USER",
	},
	.run = cmd_kmem_cache_create,
};

/* ---- kmem_cache_alloc ----------------------------------------------------------------- */

static int cmd_kmem_cache_alloc(struct cli_shell *sh, int argc, char **argv)
{
	const struct cli_cmd *me = &cli_cmd_kmem_cache_alloc;
	struct alloc_opts o;
	char autoname[32];
	struct kmem_cache *s;
	unsigned long done;
	int rc = parse_alloc_opts(sh, me, argc, argv, &o);

	if (rc != CLI_OK)
		return rc;
	if (!o.first)
		return cli_usage(sh, me, "missing CACHE");
	s = kmm_kmem_cache_find(sh->m, o.first);
	if (!s)
		return cli_error(sh, "kmem_cache_alloc: %s: no such cache (see /proc/slabinfo)",
				 o.first);
	const char *name = pick_var_name(sh, o.name, autoname, sizeof(autoname));
	for (done = 0; done < o.count; done++) {
		struct cli_obj obj = { .cache = s };
		struct cli_obj_var *v;
		obj.ptr = kmm_kmem_cache_alloc(s, o.gfp);
		if (!obj.ptr)
			break;
		v = var_for_alloc(sh, name);
		if (!v || !var_add(v, &obj)) {
			kmm_kmem_cache_free(s, obj.ptr);
			return cli_error(sh, "kmem_cache_alloc: out of host memory");
		}
		print_obj(sh, name, &obj);
	}
	if (done < o.count)
		return cli_error(sh,
				 "kmem_cache_alloc: %s: allocation failed after %lu of %lu "
				 "objects",
				 o.first, done, o.count);
	return CLI_OK;
}

const struct cli_cmd cli_cmd_kmem_cache_alloc = {
	.doc = {
		.name = "kmem_cache_alloc",
		.synopsis = "kmem_cache_alloc CACHE [count=K] [as=VAR] [gfp=FLAGS]",
		.summary = "allocate objects from a slab cache",
		.description =
			"Allocates K objects (default 1) from CACHE, any cache listed in\n"
			"/proc/slabinfo or a name given to kmem_cache_create, with the\n"
			"kernel's kmem_cache_alloc(CACHE, FLAGS) (default GFP_KERNEL), and\n"
			"remembers them under VAR for kmem_cache_free or kfree.  Without\n"
			"as=VAR the objects get the next automatic name: o1, o2, ...  An\n"
			"existing VAR gets the new objects added (or, if everything in it was\n"
			"freed, replaced).  Prints one line per object: VAR, its address and\n"
			"the cache it came from.",
		.examples = "kmem_cache_alloc dentry count=100 as=d\nkmem_cache_alloc kmalloc-64",
	},
	.run = cmd_kmem_cache_alloc,
};

/* ---- kmalloc ------------------------------------------------------------------------------ */

static int cmd_kmalloc(struct cli_shell *sh, int argc, char **argv)
{
	const struct cli_cmd *me = &cli_cmd_kmalloc;
	struct alloc_opts o;
	char autoname[32];
	unsigned long size, done;
	int rc = parse_alloc_opts(sh, me, argc, argv, &o);

	if (rc != CLI_OK)
		return rc;
	if (!o.first)
		return cli_usage(sh, me, "missing SIZE");
	if (!parse_size(o.first, &size))
		return cli_usage(sh, me, "invalid size '%s'", o.first);
	const char *name = pick_var_name(sh, o.name, autoname, sizeof(autoname));
	for (done = 0; done < o.count; done++) {
		struct cli_obj obj = { 0 };
		struct cli_obj_var *v;
		obj.ptr = kmm_kmalloc(sh->m, size, o.gfp);
		if (!obj.ptr)
			break;
		if (obj.ptr != (void *)16)
			obj.cache = kmalloc_cache_of(sh->m, obj.ptr, o.gfp);
		v = var_for_alloc(sh, name);
		if (!v || !var_add(v, &obj)) {
			kmm_kfree(sh->m, obj.ptr);
			return cli_error(sh, "kmalloc: out of host memory");
		}
		print_obj(sh, name, &obj);
	}
	if (done < o.count)
		return cli_error(sh, "kmalloc: %lu bytes: allocation failed after %lu of %lu", size,
				 done, o.count);
	return CLI_OK;
}

const struct cli_cmd cli_cmd_kmalloc = {
	.doc = {
		.name = "kmalloc",
		.synopsis = "kmalloc SIZE [gfp=FLAGS] [count=K] [as=VAR]",
		.summary = "allocate SIZE bytes with kmalloc",
		.description =
			"Allocates K buffers (default 1) of SIZE bytes (a number, or with a\n"
			"k or M suffix) with the kernel's kmalloc(SIZE, FLAGS) (default\n"
			"GFP_KERNEL) and remembers them under VAR for kfree (automatic\n"
			"names o1, o2, ... without as=VAR).  kmalloc rounds SIZE up to its\n"
			"next size class and takes the object from that kmalloc cache:\n"
			"kmalloc-8 ... kmalloc-8k, with 96 and 192 between the powers of\n"
			"two; GFP_DMA uses the dma-kmalloc-* caches, __GFP_RECLAIMABLE the\n"
			"kmalloc-rcl-* ones.  Larger sizes come straight from the page\n"
			"allocator.  Prints one line per buffer: VAR, its address and the\n"
			"cache.",
		.examples = "kmalloc 100\nkmalloc 4k count=3 as=big\nkmalloc 64 gfp=GFP_DMA",
	},
	.run = cmd_kmalloc,
};

/* ---- kfree and kmem_cache_free -------------------------------------------------------------- */

static int free_vars(struct cli_shell *sh, const struct cli_cmd *me, int argc, char **argv,
		     bool with_cache)
{
	if (argc < 2)
		return cli_usage(sh, me, "missing VAR");
	/* Check every name first: free all or nothing. */
	for (int i = 1; i < argc; i++) {
		struct cli_obj_var *v = find_var(sh, argv[i]);
		if (!v)
			return cli_error(sh, "%s: %s: no such variable", me->doc.name, argv[i]);
		for (size_t j = 0; with_cache && j < v->nr; j++) {
			if (v->objs[j].cache_gone)
				return cli_error(sh, "%s: %s: its cache was destroyed",
						 me->doc.name, argv[i]);
			if (!v->objs[j].cache)
				return cli_error(sh, "%s: %s: not from a cache (use kfree)",
						 me->doc.name, argv[i]);
		}
	}
	for (int i = 1; i < argc; i++) {
		struct cli_obj_var *v = find_var(sh, argv[i]);
		/*
		 * Freed objects are freed again on purpose: a double free must
		 * reach the allocator, which reports it.
		 */
		for (size_t j = 0; j < v->nr; j++) {
			struct cli_obj *o = &v->objs[j];
			if (with_cache)
				kmm_kmem_cache_free(o->cache, o->ptr);
			else
				kmm_kfree(sh->m, o->ptr);
			o->freed = true;
		}
	}
	return CLI_OK;
}

static int cmd_kfree(struct cli_shell *sh, int argc, char **argv)
{
	return free_vars(sh, &cli_cmd_kfree, argc, argv, false);
}

static int cmd_kmem_cache_free(struct cli_shell *sh, int argc, char **argv)
{
	return free_vars(sh, &cli_cmd_kmem_cache_free, argc, argv, true);
}

const struct cli_cmd cli_cmd_kfree = {
	.doc = {
		.name = "kfree",
		.synopsis = "kfree VAR...",
		.summary = "free the objects remembered under VAR",
		.description =
			"Frees every object remembered under each VAR with the kernel's\n"
			"kfree(), which finds the object's cache itself (so it also frees\n"
			"kmem_cache_alloc objects).  The objects stay remembered, marked\n"
			"freed: freeing VAR again passes the same pointers to kfree again,\n"
			"a double free, which the allocator catches and reports in the log\n"
			"('Object already free') without harm; the script goes on.",
		.examples = "kmalloc 100 as=p\nkfree p\nkfree p    # the kernel reports the double free",
	},
	.run = cmd_kfree,
};

const struct cli_cmd cli_cmd_kmem_cache_free = {
	.doc = {
		.name = "kmem_cache_free",
		.synopsis = "kmem_cache_free VAR...",
		.summary = "give objects back to their cache",
		.description =
			"Frees every object remembered under each VAR with the kernel's\n"
			"kmem_cache_free(CACHE, OBJECT), CACHE being the cache each object\n"
			"was allocated from.  Freed objects stay remembered, marked freed:\n"
			"freeing them again is a double free, which the allocator reports\n"
			"in the log; the script goes on.  A freed object usually waits in\n"
			"a per-CPU array for the next allocation; `echo 1 >\n"
			"/sys/kernel/slab/CACHE/shrink` gives empty slabs back.",
		.examples = "kmem_cache_alloc dentry count=10 as=d\nkmem_cache_free d",
	},
	.run = cmd_kmem_cache_free,
};

/* ---- kmem_cache_destroy ----------------------------------------------------------------------- */

static int cmd_kmem_cache_destroy(struct cli_shell *sh, int argc, char **argv)
{
	const struct cli_cmd *me = &cli_cmd_kmem_cache_destroy;
	struct kmm_machine *m = sh->m;
	struct cli_cache_ref *r;
	char real[64];

	if (argc != 2)
		return cli_usage(sh, me, argc < 2 ? "missing NAME" : "one NAME expected");
	r = find_cache_ref(sh, argv[1]);
	if (!r)
		return cli_error(sh,
				 "kmem_cache_destroy: %s: not a cache created with "
				 "kmem_cache_create in this shell",
				 argv[1]);
	struct kmem_cache *s = r->cache;
	snprintf(real, sizeof(real), "%s", kmm_kmem_cache_name(s));
	bool merged = strcmp(real, argv[1]) != 0;
	long aliases = read_slab_attr(m, real, "aliases");

	kmm_kmem_cache_destroy(s);
	if (kmm_kmem_cache_find(m, real) != s) {
		/* the cache is gone, and with it every object it held */
		forget_cache(sh, s);
		drop_cache_ref(sh, r);
	} else if (merged || aliases > 0) {
		/* only this creator's reference went away */
		drop_cache_ref(sh, r);
		fprintf(sh->out, "%s: reference dropped; cache %s stays for its other users\n",
			argv[1], real);
	} else {
		fprintf(sh->out,
			"%s: objects are still allocated, so the cache stays (see the report "
			"in the log); free them and destroy it again\n",
			argv[1]);
	}
	return CLI_OK;
}

const struct cli_cmd cli_cmd_kmem_cache_destroy = {
	.doc = {
		.name = "kmem_cache_destroy",
		.synopsis = "kmem_cache_destroy NAME",
		.summary = "destroy a cache made with kmem_cache_create",
		.description =
			"Destroys the cache created under NAME with the kernel's\n"
			"kmem_cache_destroy(): per-CPU arrays are flushed and every slab\n"
			"goes back to the page allocator.  If NAME was merged into another\n"
			"cache only that reference is dropped.  Destroying a cache whose\n"
			"objects are still allocated is a bug the kernel reports (one line\n"
			"per leaked object, in the log); the cache then stays, and the\n"
			"script goes on.  Only caches made in this shell can be destroyed.",
		.examples = "kmem_cache_create foo 100\nkmem_cache_destroy foo",
	},
	.run = cmd_kmem_cache_destroy,
};

/* ---- slabtop ------------------------------------------------------------------------------------ */

struct slabtop_row {
	char name[64];
	unsigned long active_objs, nr_objs;
	unsigned obj_size, objs_per_slab, pages_per_slab;
	unsigned long active_slabs, nr_slabs;
	unsigned long cache_size; /* bytes */
	unsigned use;		  /* % */
};

struct slabtop_data {
	struct slabtop_row *rows;
	size_t nr;
};

/* Parse /proc/slabinfo; false with a message in sh->err. */
static bool slabtop_read(struct cli_shell *sh, struct slabtop_data *d)
{
	long err;
	char *text = cli_proc_read_all(sh->m, "/proc/slabinfo", &err), *line, *next;
	long page = sysconf(_SC_PAGESIZE);
	size_t cap = 0;

	d->rows = NULL;
	d->nr = 0;
	if (!text) {
		cli_error(sh, "slabtop: /proc/slabinfo: %s", cli_strerror(err));
		return false;
	}
	if (strncmp(text, "slabinfo - version: 2.1", 23)) {
		free(text);
		cli_error(sh, "slabtop: /proc/slabinfo: unknown format");
		return false;
	}
	if (page <= 0)
		page = 4096;
	for (line = text; line && *line; line = next) {
		struct slabtop_row r;
		unsigned long lim, batch, shared, avail;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!strncmp(line, "slabinfo", 8) || line[0] == '#')
			continue;
		memset(&r, 0, sizeof(r));
		if (sscanf(line,
			   "%63s %lu %lu %u %u %u : tunables %lu %lu %lu : slabdata %lu %lu %lu",
			   r.name, &r.active_objs, &r.nr_objs, &r.obj_size, &r.objs_per_slab,
			   &r.pages_per_slab, &lim, &batch, &shared, &r.active_slabs, &r.nr_slabs,
			   &avail) != 12)
			continue;
		r.cache_size = r.nr_slabs * r.pages_per_slab * (unsigned long)page;
		r.use = r.nr_objs ? (unsigned)(100 * r.active_objs / r.nr_objs) : 0;
		if (d->nr == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct slabtop_row *nr = realloc(d->rows, ncap * sizeof(*nr));
			if (!nr) {
				free(text);
				free(d->rows);
				cli_error(sh, "slabtop: out of memory");
				return false;
			}
			d->rows = nr;
			cap = ncap;
		}
		d->rows[d->nr++] = r;
	}
	free(text);
	return true;
}

static int cmp_ul(unsigned long a, unsigned long b)
{
	return a < b ? 1 : a > b ? -1 : 0; /* descending */
}

static int slabtop_cmp(const void *pa, const void *pb, void *key)
{
	const struct slabtop_row *a = pa, *b = pb;
	int c = 0;
	switch (*(const char *)key) {
	case 'a':
		c = cmp_ul(a->active_objs, b->active_objs);
		break;
	case 'b':
		c = cmp_ul(a->objs_per_slab, b->objs_per_slab);
		break;
	case 'c':
		c = cmp_ul(a->cache_size, b->cache_size);
		break;
	case 'l':
		c = cmp_ul(a->nr_slabs, b->nr_slabs);
		break;
	case 'v':
		c = cmp_ul(a->active_slabs, b->active_slabs);
		break;
	case 'n':
		return strcmp(a->name, b->name);
	case 'p':
		c = cmp_ul(a->pages_per_slab, b->pages_per_slab);
		break;
	case 's':
		c = cmp_ul(a->obj_size, b->obj_size);
		break;
	case 'u':
		c = cmp_ul(a->use, b->use);
		break;
	default: /* 'o' */
		c = cmp_ul(a->nr_objs, b->nr_objs);
		break;
	}
	return c ? c : strcmp(a->name, b->name);
}

static double pct(double part, double whole)
{
	return whole > 0 ? 100.0 * part / whole : 0.0;
}

/* Print the summary and up to @max_rows rows (0: all). */
static void slabtop_print(FILE *out, struct slabtop_data *d, char sort, size_t max_rows)
{
	unsigned long active_objs = 0, nr_objs = 0, active_slabs = 0, nr_slabs = 0;
	unsigned active_caches = 0, min_size = 0, max_size = 0;
	double active_size = 0, total_size = 0;

	for (size_t i = 0; i < d->nr; i++) {
		const struct slabtop_row *r = &d->rows[i];
		active_objs += r->active_objs;
		nr_objs += r->nr_objs;
		active_slabs += r->active_slabs;
		nr_slabs += r->nr_slabs;
		if (r->nr_objs)
			active_caches++;
		active_size += (double)r->active_objs * r->obj_size;
		total_size += (double)r->nr_objs * r->obj_size;
		if (i == 0 || r->obj_size < min_size)
			min_size = r->obj_size;
		if (r->obj_size > max_size)
			max_size = r->obj_size;
	}
	fprintf(out, " Active / Total Objects (%% used)    : %lu / %lu (%.1f%%)\n", active_objs,
		nr_objs, pct(active_objs, nr_objs));
	fprintf(out, " Active / Total Slabs (%% used)      : %lu / %lu (%.1f%%)\n", active_slabs,
		nr_slabs, pct(active_slabs, nr_slabs));
	fprintf(out, " Active / Total Caches (%% used)     : %u / %zu (%.1f%%)\n", active_caches,
		d->nr, pct(active_caches, (double)d->nr));
	fprintf(out, " Active / Total Size (%% used)       : %.2fK / %.2fK (%.1f%%)\n",
		active_size / 1024, total_size / 1024, pct(active_size, total_size));
	fprintf(out, " Minimum / Average / Maximum Object : %.2fK / %.2fK / %.2fK\n",
		min_size / 1024.0, nr_objs ? total_size / nr_objs / 1024 : 0.0, max_size / 1024.0);
	fprintf(out, "\n  OBJS ACTIVE  USE OBJ SIZE  SLABS OBJ/SLAB CACHE SIZE NAME\n");
	qsort_r(d->rows, d->nr, sizeof(*d->rows), slabtop_cmp, &sort);
	for (size_t i = 0; i < d->nr && (!max_rows || i < max_rows); i++) {
		const struct slabtop_row *r = &d->rows[i];
		fprintf(out, "%6lu %6lu %3u%% %7.2fK %6lu %8u %9luK %s\n", r->nr_objs,
			r->active_objs, r->use, r->obj_size / 1024.0, r->nr_slabs, r->objs_per_slab,
			r->cache_size / 1024, r->name);
	}
}

static bool valid_sort(char c)
{
	return c && strchr("abclvnopsu", c);
}

/* The refreshing view: redraw every @delay_ms until q (or ^C, ^D). */
static int slabtop_live(struct cli_shell *sh, char sort, long delay_ms)
{
	struct termios saved, raw;
	int rc = CLI_OK;

	if (tcgetattr(STDIN_FILENO, &saved) < 0)
		return cli_error(sh, "slabtop: %s", strerror(errno));
	raw = saved;
	raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ISIG);
	raw.c_cc[VMIN] = 0;
	raw.c_cc[VTIME] = 0;
	tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	fputs("\033[?1049h\033[?25l", stdout); /* alternate screen, hide the cursor */
	for (;;) {
		struct slabtop_data d;
		struct winsize ws;
		size_t rows = 0;
		if (!slabtop_read(sh, &d)) {
			rc = CLI_ERR;
			break;
		}
		if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 8)
			rows = ws.ws_row - 8u;
		fputs("\033[H\033[2J", stdout);
		slabtop_print(stdout, &d, sort, rows);
		fflush(stdout);
		free(d.rows);

		struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
		int n = poll(&pfd, 1, (int)delay_ms);
		if (n < 0 && errno != EINTR)
			break;
		if (n > 0) {
			char c;
			ssize_t got = read(STDIN_FILENO, &c, 1);
			if (got <= 0 || c == 'q' || c == 'Q' || c == 3 || c == 4)
				break;
			if (valid_sort(c))
				sort = c;
		}
	}
	fputs("\033[?25h\033[?1049l", stdout);
	fflush(stdout);
	tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	return rc;
}

static int cmd_slabtop(struct cli_shell *sh, int argc, char **argv)
{
	const struct cli_cmd *me = &cli_cmd_slabtop;
	bool once = false;
	char sort = 'o';
	unsigned long delay = 1;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		if (!strcmp(a, "-o") || !strcmp(a, "--once")) {
			once = true;
		} else if (!strncmp(a, "--sort=", 7) || !strncmp(a, "-s", 2)) {
			val = a[1] == '-' ? a + 7 : a[2] ? a + 2 : (i + 1 < argc ? argv[++i] : "");
			if (strlen(val) != 1 || !valid_sort(val[0]))
				return cli_usage(sh, me,
						 "invalid sort '%s' (one of a b c l v n o p s u)",
						 val);
			sort = val[0];
		} else if (!strncmp(a, "--delay=", 8) || !strncmp(a, "-d", 2)) {
			val = a[1] == '-' ? a + 8 : a[2] ? a + 2 : (i + 1 < argc ? argv[++i] : "");
			if (!cli_parse_ulong(val, &delay) || delay == 0 || delay > 3600)
				return cli_usage(sh, me, "invalid delay '%s' (seconds)", val);
		} else {
			return cli_usage(sh, me, "unknown argument '%s'", a);
		}
	}
	if (!once && sh->out == stdout && isatty(STDOUT_FILENO) && isatty(STDIN_FILENO))
		return slabtop_live(sh, sort, (long)delay * 1000);

	struct slabtop_data d;
	if (!slabtop_read(sh, &d))
		return CLI_ERR;
	slabtop_print(sh->out, &d, sort, 0);
	free(d.rows);
	return CLI_OK;
}

const struct cli_cmd cli_cmd_slabtop = {
	.doc = {
		.name = "slabtop",
		.synopsis = "slabtop [-o] [-s SORT] [-d SECONDS]",
		.summary = "show the slab caches, biggest first (like procps slabtop)",
		.description =
			"Reads /proc/slabinfo and prints totals (objects, slabs, caches in\n"
			"use, memory, object sizes) and one line per cache, as procps'\n"
			"slabtop does: OBJS objects the slabs hold, ACTIVE those in use,\n"
			"USE their percentage, OBJ SIZE the slot size, SLABS, OBJ/SLAB,\n"
			"CACHE SIZE the memory of its slabs, and NAME.\n"
			"\n"
			"On a terminal (and without -o) the view refreshes every SECONDS\n"
			"(default 1) until q is pressed; a sort key pressed meanwhile\n"
			"changes the order.  With -o, or when the output is not a terminal,\n"
			"it prints once.  SORT is one character:\n"
			"\n"
			"  o  number of objects (default)   a  active objects\n"
			"  c  cache size                    n  name\n"
			"  s  object size                   u  utilisation\n"
			"  l  slabs                         v  active slabs\n"
			"  b  objects per slab              p  pages per slab",
		.examples = "slabtop -o\nslabtop -o -s c\nslabtop -s n",
	},
	.run = cmd_slabtop,
};
