// SPDX-License-Identifier: MIT
/*
 * src/fs/proc.c - the machine's virtual /proc and /sys trees (fs/proc/ and
 * fs/sysfs/ in spirit: generic.c's lookup, proc_sysctl.c's /proc/sys).
 *
 * Implements include/kmm/proc.h over registration tables (struct
 * kmm_proc_table in src/internal.h).  Each table brings static files by
 * absolute path, directories that may be empty, and providers that serve a
 * whole directory computed at lookup time.  The tables are const; a new
 * subsystem adds one line to kmm_proc_tables[] below and keeps its entries
 * in its own file.  /proc/sys is such a provider, generated from
 * kmm_sysctl_table[]; so is /proc itself for the numeric directories of
 * the tasks (src/fs/proc_pid.c): a provider's lookup that finds nothing
 * lets the static entries and other tables' names below it resolve.
 *
 * Paths are absolute; duplicate and trailing slashes, "." and ".." are
 * normalised away.  A directory is any path that is an explicit directory,
 * a provider's directory, or a proper prefix of one of those or of a file.
 * Listings are sorted by name (strcmp order) and free of duplicates; they
 * are built without allocating, by repeated passes over the sources, each
 * emitting the smallest name above the previous one.
 */
#include "internal.h"
#include "mm/vmalloc.h"

/* ---- paths -------------------------------------------------------------------- */

/*
 * If @path lies strictly below directory @dir, the part of @path after
 * @dir's separator; else NULL.  @dir "/" is the absolute root, "" the root
 * of a provider's relative namespace.
 */
static const char *path_below(const char *dir, const char *path)
{
	size_t n = kmm_strlen(dir);

	if (n == 0)
		return *path ? path : NULL;
	if (n == 1 && dir[0] == '/')
		return path[0] == '/' && path[1] ? path + 1 : NULL;
	if (kmm_strncmp(path, dir, n) || path[n] != '/' || !path[n + 1])
		return NULL;
	return path + n + 1;
}

/*
 * Give the first component of @below to @fn: a directory if more components
 * follow, or if @leaf_is_dir (@below names a directory itself).
 */
static void emit_component(const char *below, bool leaf_is_dir, kmm_proc_filldir_t fn, void *ctx)
{
	char name[KMM_PROC_NAME_MAX];
	size_t n = 0;

	while (below[n] && below[n] != '/' && n + 1 < sizeof(name)) {
		name[n] = below[n];
		n++;
	}
	name[n] = '\0';
	fn(ctx, name, below[n] != '\0' || leaf_is_dir);
}

/* Absolute path, "//" "." ".." and trailing '/' folded: "/proc/sys/vm". */
static int normalize_path(const char *in, char out[KMM_PROC_PATH_MAX])
{
	size_t o = 0;

	if (!in || in[0] != '/')
		return -KMM_ENOENT;
	while (*in) {
		size_t n = 0;

		while (*in == '/')
			in++;
		if (!*in)
			break;
		while (in[n] && in[n] != '/')
			n++;
		if (n == 1 && in[0] == '.') {
			/* nothing */
		} else if (n == 2 && in[0] == '.' && in[1] == '.') {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
		} else {
			if (o + 1 + n >= KMM_PROC_PATH_MAX)
				return -KMM_ENOENT;
			out[o++] = '/';
			kmm_memcpy(out + o, in, n);
			o += n;
		}
		in += n;
	}
	if (!o)
		out[o++] = '/';
	out[o] = '\0';
	return 0;
}

/* ---- the core table ----------------------------------------------------------- */

static void show_cmdline(struct kmm_machine *m, struct seq_buf *sb)
{
	seq_buf_printf(sb, "%s\n", m->cmdline);
}

static const struct kmm_proc_file core_files[] = {
	{ "/proc/buddyinfo", kmm_proc_show_buddyinfo, NULL },
	{ "/proc/cmdline", show_cmdline, NULL },
	{ "/proc/iomem", kmm_proc_show_iomem, NULL },
	{ "/proc/meminfo", kmm_proc_show_meminfo, NULL },
	{ "/proc/pagetypeinfo", kmm_proc_show_pagetypeinfo, NULL },
	{ "/proc/vmstat", kmm_proc_show_vmstat, NULL },
	{ "/proc/zoneinfo", kmm_proc_show_zoneinfo, NULL },
};

static const char *const core_dirs[] = {
	"/proc/sys/vm",
	"/sys/kernel/mm",
};

/* ---- /proc/sys: the sysctl table ----------------------------------------------- */

static void sysctl_node_show(struct kmm_machine *m, const void *data, struct seq_buf *sb)
{
	kmm_sysctl_show(m, data, sb);
}

static int sysctl_node_write(struct kmm_machine *m, const void *data, const char *text, size_t len)
{
	char buf[256];

	if (len >= sizeof(buf)) {
		pr_warn(m, "sysctl: %s: value too long", ((const struct kmm_sysctl *)data)->name);
		return -KMM_EINVAL;
	}
	kmm_memcpy(buf, text, len);
	buf[len] = '\0';
	return kmm_sysctl_write(m, data, buf, false);
}

static int sysctl_list(struct kmm_machine *m, const char *rest, kmm_proc_filldir_t fn, void *ctx)
{
	(void)m;
	for (unsigned i = 0; i < kmm_sysctl_count; i++) {
		const char *below = path_below(rest, kmm_sysctl_table[i].name);

		if (below)
			emit_component(below, false, fn, ctx);
	}
	return 0;
}

static int sysctl_lookup(struct kmm_machine *m, const char *rest, struct kmm_proc_node *out)
{
	const struct kmm_sysctl *s = kmm_sysctl_find(rest);

	(void)m;
	if (s) {
		*out = (struct kmm_proc_node){ .show = sysctl_node_show,
					       .write = sysctl_node_write,
					       .data = s };
		return 0;
	}
	for (unsigned i = 0; i < kmm_sysctl_count; i++) {
		if (path_below(rest, kmm_sysctl_table[i].name)) {
			*out = (struct kmm_proc_node){ .is_dir = true };
			return 0;
		}
	}
	return -KMM_ENOENT;
}

static const struct kmm_proc_provider core_providers[] = {
	{ "/proc/sys", sysctl_list, sysctl_lookup },
};

static const struct kmm_proc_table proc_core_table = {
	.files = core_files,
	.nr_files = KMM_ARRAY_SIZE(core_files),
	.dirs = core_dirs,
	.nr_dirs = KMM_ARRAY_SIZE(core_dirs),
	.providers = core_providers,
	.nr_providers = KMM_ARRAY_SIZE(core_providers),
};

/* Every table of the tree; a subsystem with files adds its table here. */
static const struct kmm_proc_table *const kmm_proc_tables[] = {
	&proc_core_table, &proc_slab_table, &proc_vmalloc_table,
	&proc_pid_table,  &proc_swap_table, &proc_vmscan_table,
};

#define for_each_proc_table(t)                                                            \
	for (unsigned tbl_i_ = 0;                                                         \
	     tbl_i_ < KMM_ARRAY_SIZE(kmm_proc_tables) && ((t) = kmm_proc_tables[tbl_i_]); \
	     tbl_i_++)

/* ---- lookup ------------------------------------------------------------------- */

static void file_show(struct kmm_machine *m, const void *data, struct seq_buf *sb)
{
	((const struct kmm_proc_file *)data)->show(m, sb);
}

static int file_write(struct kmm_machine *m, const void *data, const char *text, size_t len)
{
	return ((const struct kmm_proc_file *)data)->write(m, text, len);
}

static int resolve(struct kmm_machine *m, const char *path, struct kmm_proc_node *out)
{
	const struct kmm_proc_table *t;
	const struct kmm_proc_provider *best = NULL;
	size_t best_len = 0;

	*out = (struct kmm_proc_node){ .is_dir = true };
	if (!kmm_strcmp(path, "/"))
		return 0;

	for_each_proc_table(t)
	{
		for (unsigned i = 0; i < t->nr_files; i++) {
			const struct kmm_proc_file *f = &t->files[i];

			if (kmm_strcmp(f->path, path))
				continue;
			*out = (struct kmm_proc_node){ .show = f->show ? file_show : NULL,
						       .write = f->write ? file_write : NULL,
						       .data = f };
			return 0;
		}
		for (unsigned i = 0; i < t->nr_dirs; i++)
			if (!kmm_strcmp(t->dirs[i], path))
				return 0;
	}

	/* the innermost provider whose directory holds the path */
	for_each_proc_table(t)
	{
		for (unsigned i = 0; i < t->nr_providers; i++) {
			const struct kmm_proc_provider *p = &t->providers[i];
			size_t len = kmm_strlen(p->path);

			if ((!kmm_strcmp(p->path, path) || path_below(p->path, path)) &&
			    len > best_len) {
				best = p;
				best_len = len;
			}
		}
	}
	if (best) {
		int err;

		if (!kmm_strcmp(best->path, path))
			return 0;
		err = best->lookup(m, path_below(best->path, path), out);
		/* a provider of a whole directory (/proc) leaves others their names */
		if (err != -KMM_ENOENT)
			return err;
		*out = (struct kmm_proc_node){ .is_dir = true };
	}

	/* a proper prefix of anything registered is a directory */
	for_each_proc_table(t)
	{
		for (unsigned i = 0; i < t->nr_files; i++)
			if (path_below(path, t->files[i].path))
				return 0;
		for (unsigned i = 0; i < t->nr_dirs; i++)
			if (path_below(path, t->dirs[i]))
				return 0;
		for (unsigned i = 0; i < t->nr_providers; i++)
			if (path_below(path, t->providers[i].path))
				return 0;
	}
	return -KMM_ENOENT;
}

static int lookup(struct kmm_machine *m, const char *path, char np[KMM_PROC_PATH_MAX],
		  struct kmm_proc_node *node)
{
	int err = normalize_path(path, np);

	return err ? err : resolve(m, np, node);
}

/* ---- the API ------------------------------------------------------------------- */

long kmm_proc_read(struct kmm_machine *m, const char *path, char *buf, size_t size)
{
	char np[KMM_PROC_PATH_MAX];
	struct kmm_proc_node node;
	struct seq_buf sb;
	int err = lookup(m, path, np, &node);

	if (err)
		return err;
	if (node.is_dir)
		return -KMM_EISDIR;
	if (!node.show)
		return -KMM_EACCES;
	seq_buf_init(&sb, buf, size);
	node.show(m, node.data, &sb);
	return (long)sb.need;
}

int kmm_proc_write(struct kmm_machine *m, const char *path, const char *data, size_t len)
{
	char np[KMM_PROC_PATH_MAX];
	struct kmm_proc_node node;
	int err = lookup(m, path, np, &node);

	if (err) {
		pr_warn(m, "proc: %s: no such file", path ? path : "(null)");
		return err;
	}
	if (node.is_dir) {
		pr_warn(m, "proc: %s: is a directory", np);
		return -KMM_EISDIR;
	}
	if (!node.write) {
		pr_warn(m, "proc: %s: read-only file", np);
		return -KMM_EACCES;
	}
	return node.write(m, node.data, data ? data : "", data ? len : 0);
}

int kmm_proc_stat(struct kmm_machine *m, const char *path)
{
	char np[KMM_PROC_PATH_MAX];
	struct kmm_proc_node node;
	int err = lookup(m, path, np, &node);

	return err ? err : node.is_dir ? 1 : 0;
}

/* One selection pass of a sorted listing. */
struct list_pass {
	const char *after; /* emitted last; NULL on the first pass */
	char best[KMM_PROC_NAME_MAX];
	bool best_is_dir;
	bool found;
};

static void list_pass_visit(void *ctx, const char *name, bool is_dir)
{
	struct list_pass *p = ctx;
	int c;

	if (!*name || kmm_strlen(name) >= sizeof(p->best))
		return;
	if (p->after && kmm_strcmp(name, p->after) <= 0)
		return;
	if (p->found) {
		c = kmm_strcmp(name, p->best);
		if (c > 0)
			return;
		if (c == 0) {
			p->best_is_dir |= is_dir;
			return;
		}
	}
	kmm_strlcpy(p->best, name, sizeof(p->best));
	p->best_is_dir = is_dir;
	p->found = true;
}

/* Every entry of directory @dir, in no order, possibly repeated. */
static void enumerate(struct kmm_machine *m, const char *dir, kmm_proc_filldir_t fn, void *ctx)
{
	const struct kmm_proc_table *t;

	for_each_proc_table(t)
	{
		for (unsigned i = 0; i < t->nr_files; i++) {
			const char *below = path_below(dir, t->files[i].path);

			if (below)
				emit_component(below, false, fn, ctx);
		}
		for (unsigned i = 0; i < t->nr_dirs; i++) {
			const char *below = path_below(dir, t->dirs[i]);

			if (below)
				emit_component(below, true, fn, ctx);
		}
		for (unsigned i = 0; i < t->nr_providers; i++) {
			const struct kmm_proc_provider *p = &t->providers[i];
			const char *below = path_below(dir, p->path);

			if (below)
				emit_component(below, true, fn, ctx);
			else if (!kmm_strcmp(dir, p->path))
				p->list(m, "", fn, ctx);
			else if ((below = path_below(p->path, dir)))
				p->list(m, below, fn, ctx);
		}
	}
}

int kmm_proc_list(struct kmm_machine *m, const char *path,
		  void (*fn)(void *ctx, const char *name, bool is_dir), void *ctx)
{
	char np[KMM_PROC_PATH_MAX], last[KMM_PROC_NAME_MAX];
	struct kmm_proc_node node;
	struct list_pass pass = { 0 };
	int err = lookup(m, path, np, &node);

	if (err)
		return err;
	if (!node.is_dir)
		return -KMM_ENOTDIR;
	for (;;) {
		pass.found = false;
		enumerate(m, np, list_pass_visit, &pass);
		if (!pass.found)
			return 0;
		/* a directory with entries below it is a directory, whoever named it */
		fn(ctx, pass.best, pass.best_is_dir);
		kmm_strlcpy(last, pass.best, sizeof(last));
		pass.after = last;
	}
}
