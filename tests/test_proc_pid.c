/* SPDX-License-Identifier: MIT */
/*
 * tests/test_proc_pid.c - /proc/<pid>/: the numeric directories of /proc
 * (listed, resolved, gone after exit), maps lines in Linux's exact format
 * (heap, stack, file, /dev/zero and memfd names, the name column),
 * smaps/smaps_rollup values (Rss, Pss halved after fork, Private_Dirty
 * versus Shared_*, Anonymous, Referenced, Locked, VmFlags), status fields
 * (VmRSS, RssAnon, VmPTE, VmSize, VmLck, PPid, a zombie's State), the
 * oom_score_adj range, and the meminfo lines the VM feeds (AnonPages,
 * Mapped, PageTables, Committed_AS, CommitLimit).
 */
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "kmm_test.h"
#include "mm/vma.h"

#define PG 4096ULL
#define RW (KMM_PROT_READ | KMM_PROT_WRITE)
#define ANON (KMM_MAP_PRIVATE | KMM_MAP_ANONYMOUS)

static struct kmm_machine *boot_vm(void)
{
	*kmm_port_tls_slot() = NULL; /* a failed test may have left its binding */
	struct kmm_machine *m = test_boot("mem=256M nr_cpus=2", NULL);
	assert_int_equal(kmm_cpu_enter(m, 0), 0);
	return m;
}

static void shutdown_vm(struct kmm_machine *m)
{
	kmm_cpu_leave(m);
	kmm_machine_shutdown(m);
}

static char *read_proc(struct kmm_machine *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static char *read_proc(struct kmm_machine *m, const char *fmt, ...)
{
	char path[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	long n = kmm_proc_read(m, path, NULL, 0);
	if (n < 0)
		fail_msg("%s: %ld", path, n);
	char *buf = malloc((size_t)n + 1);
	assert_int_equal(kmm_proc_read(m, path, buf, (size_t)n + 1), n);
	return buf;
}

static void touch(struct kmm_task *t, uint64_t addr, size_t len)
{
	unsigned char *b = malloc(len);
	for (size_t i = 0; i < len; i++)
		b[i] = (unsigned char)(i * 7 + 1);
	assert_int_equal(kmm_access(t, addr, b, len, KMM_ACCESS_WRITE), 0);
	free(b);
}

static void peek(struct kmm_task *t, uint64_t addr, size_t len)
{
	unsigned char *b = malloc(len);
	assert_int_equal(kmm_access(t, addr, b, len, KMM_ACCESS_READ), 0);
	free(b);
}

/* The line of @text starting with @prefix (copied, without '\n'), or "". */
static const char *line_of(const char *text, const char *prefix)
{
	static char line[512];
	size_t n = strlen(prefix);
	line[0] = '\0';
	for (const char *l = text; l && *l;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		if (!strncmp(l, prefix, n)) {
			snprintf(line, sizeof(line), "%.*s", (int)len, l);
			break;
		}
		l = nl ? nl + 1 : NULL;
	}
	return line;
}

/* The kB value of "FIELD:" in the smaps entry of the VMA starting at @vma (0: the first). */
static long smaps_kb(const char *text, uint64_t vma, const char *field)
{
	char head[32];
	const char *l = text;
	size_t n = strlen(field);
	snprintf(head, sizeof(head), "%08llx-", (unsigned long long)vma);
	if (vma) {
		l = strstr(text, head);
		if (!l)
			fail_msg("no VMA %s in smaps", head);
	}
	for (l = strchr(l, '\n') + 1; *l; l = strchr(l, '\n') + 1) {
		if (strchr(l, '-') && strchr(l, '-') < strchr(l, ' ') && l[0] != 'V')
			break; /* the next VMA's header */
		if (!strncmp(l, field, n) && l[n] == ':')
			return strtol(l + n + 1, NULL, 10);
		if (!strchr(l, '\n'))
			break;
	}
	fail_msg("no %s in the smaps entry of %s", field, head);
	return -1;
}

static long status_kb(const char *text, const char *field)
{
	char p[64];
	snprintf(p, sizeof(p), "%s:\t", field);
	const char *l = line_of(text, p);
	if (!*l)
		fail_msg("no %s in status", field);
	return strtol(l + strlen(p), NULL, 10);
}

static long meminfo_kb(struct kmm_machine *m, const char *field)
{
	kmm_drain_all_pages(m);
	char *t = read_proc(m, "/proc/meminfo");
	char p[64];
	snprintf(p, sizeof(p), "%s:", field);
	const char *l = line_of(t, p);
	assert_true(*l);
	long v = strtol(l + strlen(p), NULL, 10);
	free(t);
	return v;
}

/* ---- the directories ---------------------------------------------------------------- */

struct names {
	char v[64][KMM_PROC_NAME_MAX];
	bool dir[64];
	int n;
};

static void collect(void *ctx, const char *name, bool is_dir)
{
	struct names *l = ctx;
	if (l->n < 64) {
		snprintf(l->v[l->n], KMM_PROC_NAME_MAX, "%s", name);
		l->dir[l->n++] = is_dir;
	}
}

static int find_name(const struct names *l, const char *name)
{
	for (int i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], name))
			return i;
	return -1;
}

static void test_dirs(void **state)
{
	(void)state;
	struct kmm_machine *m = boot_vm();
	struct kmm_task *a = kmm_task_spawn(m, "a"), *b = kmm_task_spawn(m, "b");
	char pa[32], pb[32], path[64];
	snprintf(pa, sizeof(pa), "%d", kmm_task_pid(a));
	snprintf(pb, sizeof(pb), "%d", kmm_task_pid(b));

	struct names l = { 0 };
	assert_int_equal(kmm_proc_list(m, "/proc", collect, &l), 0);
	int ia = find_name(&l, pa), ib = find_name(&l, pb);
	assert_true(ia >= 0 && ib >= 0);
	assert_true(l.dir[ia] && l.dir[ib]);
	assert_true(find_name(&l, "meminfo") >= 0 && !l.dir[find_name(&l, "meminfo")]);
	assert_true(find_name(&l, "sys") >= 0 && l.dir[find_name(&l, "sys")]);
	for (int i = 1; i < l.n; i++)
		assert_true(strcmp(l.v[i - 1], l.v[i]) < 0);

	snprintf(path, sizeof(path), "/proc/%s", pa);
	assert_int_equal(kmm_proc_stat(m, path), 1);
	memset(&l, 0, sizeof(l));
	assert_int_equal(kmm_proc_list(m, path, collect, &l), 0);
	assert_int_equal(l.n, 6);
	static const char *const files[] = { "maps",  "oom_score",    "oom_score_adj",
					     "smaps", "smaps_rollup", "status" };
	for (int i = 0; i < 6; i++) {
		assert_string_equal(l.v[i], files[i]);
		assert_false(l.dir[i]);
	}
	snprintf(path, sizeof(path), "/proc/%s/maps", pa);
	assert_int_equal(kmm_proc_stat(m, path), 0);
	assert_int_equal(kmm_proc_write(m, path, "x", 1), -KMM_EACCES);
	snprintf(path, sizeof(path), "/proc/%s/nothing", pa);
	assert_int_equal(kmm_proc_stat(m, path), -KMM_ENOENT);
	snprintf(path, sizeof(path), "/proc/%s/maps/x", pa);
	assert_int_equal(kmm_proc_stat(m, path), -KMM_ENOENT);
	snprintf(path, sizeof(path), "/proc/0%s", pa); /* not canonical */
	assert_int_equal(kmm_proc_stat(m, path), -KMM_ENOENT);
	assert_int_equal(kmm_proc_stat(m, "/proc/0"), -KMM_ENOENT);
	assert_int_equal(kmm_proc_stat(m, "/proc/4194305"), -KMM_ENOENT);
	assert_int_equal(kmm_proc_stat(m, "/proc/99999"), -KMM_ENOENT);
	/* the static tree is untouched */
	assert_int_equal(kmm_proc_stat(m, "/proc/meminfo"), 0);
	assert_int_equal(kmm_proc_stat(m, "/proc/sys/vm"), 1);
	assert_int_equal(kmm_proc_stat(m, "/proc/sys/vm/min_free_kbytes"), 0);
	assert_int_equal(kmm_proc_stat(m, "/proc/nothing"), -KMM_ENOENT);

	/* gone with the task */
	kmm_task_exit(a);
	snprintf(path, sizeof(path), "/proc/%s", pa);
	assert_int_equal(kmm_proc_stat(m, path), -KMM_ENOENT);
	snprintf(path, sizeof(path), "/proc/%s/status", pa);
	assert_int_equal(kmm_proc_read(m, path, NULL, 0), -KMM_ENOENT);
	memset(&l, 0, sizeof(l));
	assert_int_equal(kmm_proc_list(m, "/proc", collect, &l), 0);
	assert_int_equal(find_name(&l, pa), -1);
	assert_true(find_name(&l, pb) >= 0);
	kmm_task_exit(b);
	shutdown_vm(m);
}

/* ---- maps ------------------------------------------------------------------------------- */

/* A maps line: the 48-or-so-character prefix, padded so the name starts at column 73. */
static void expect_line(const char *maps, const char *prefix, const char *name)
{
	char want[512];
	int n = snprintf(want, sizeof(want), "%s", prefix);
	if (name) {
		while (n < 73)
			want[n++] = ' ';
		snprintf(want + n, sizeof(want) - (size_t)n, "%s", name);
	}
	const char *l = line_of(maps, prefix);
	if (strcmp(l, want))
		fail_msg("maps line\n  got:  '%s'\n  want: '%s'\n%s", l, want, maps);
}

static void test_maps(void **state)
{
	(void)state;
	struct kmm_machine *m = boot_vm();
	struct kmm_task *t = kmm_task_spawn(m, "maps");
	int pid = kmm_task_pid(t);
	char prefix[256], tmpl[] = "/tmp/kmm-test-maps-XXXXXX";

	/* a host file of 3 pages */
	int hfd = mkstemp(tmpl);
	assert_true(hfd >= 0);
	char page[PG];
	memset(page, 'f', sizeof(page));
	for (int i = 0; i < 3; i++)
		assert_int_equal(write(hfd, page, sizeof(page)), (ssize_t)sizeof(page));
	struct stat st;
	assert_int_equal(fstat(hfd, &st), 0);
	close(hfd);

	long anon = kmm_mmap(t, 0, 4 * PG, RW, ANON, -1, 0);
	long shm = kmm_mmap(t, 0, 2 * PG, RW, KMM_MAP_SHARED | KMM_MAP_ANONYMOUS, -1, 0);
	long stack = kmm_mmap(t, 0, 2 * PG, RW, ANON | KMM_MAP_GROWSDOWN, -1, 0);
	long ro = kmm_mmap(t, 0, PG, KMM_PROT_READ | KMM_PROT_EXEC, ANON, -1, 0);
	int fd = kmm_open(t, tmpl, KMM_O_RDWR);
	assert_true(fd >= 0);
	long file = kmm_mmap(t, 0, 2 * PG, RW, KMM_MAP_SHARED, fd, PG);
	int mfd = kmm_memfd_create(t, "cache", 4 * PG);
	assert_true(mfd >= 0);
	long memfd = kmm_mmap(t, 0, PG, KMM_PROT_READ, KMM_MAP_SHARED, mfd, 0);
	assert_true(anon > 0 && shm > 0 && stack > 0 && ro > 0 && file > 0 && memfd > 0);
	uint64_t start_brk = (uint64_t)kmm_brk(t, 0);
	assert_int_equal(kmm_brk(t, start_brk + 3 * PG), (long)(start_brk + 3 * PG));

	char *maps = read_proc(m, "/proc/%d/maps", pid);
	/* one line per VMA, ascending */
	int lines = 0;
	for (const char *p = maps; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 7);

	snprintf(prefix, sizeof(prefix), "%012llx-%012llx rw-p 00000000 00:00 0 ",
		 (unsigned long long)start_brk, (unsigned long long)(start_brk + 3 * PG));
	expect_line(maps, prefix, "[heap]");
	/* an anonymous mapping without a name ends with the inode's space */
	snprintf(prefix, sizeof(prefix), "%012llx-%012llx rw-p 00000000 00:00 0 ",
		 (unsigned long long)anon, (unsigned long long)(anon + 4 * PG));
	expect_line(maps, prefix, NULL);
	snprintf(prefix, sizeof(prefix), "%012llx-%012llx rw-p 00000000 00:00 0 ",
		 (unsigned long long)stack, (unsigned long long)(stack + 2 * PG));
	expect_line(maps, prefix, "[stack]");
	snprintf(prefix, sizeof(prefix), "%012llx-%012llx r-xp 00000000 00:00 0 ",
		 (unsigned long long)ro, (unsigned long long)(ro + PG));
	expect_line(maps, prefix, NULL);
	/* the host file: its device, inode and path; the offset in bytes */
	snprintf(prefix, sizeof(prefix), "%012llx-%012llx rw-s 00001000 %02x:%02x %llu ",
		 (unsigned long long)file, (unsigned long long)(file + 2 * PG), major(st.st_dev),
		 minor(st.st_dev), (unsigned long long)st.st_ino);
	expect_line(maps, prefix, tmpl);
	/* shmem: device 00:01, some inode, "(deleted)" names */
	snprintf(prefix, sizeof(prefix), "%012llx-%012llx rw-s 00000000 00:01 ",
		 (unsigned long long)shm, (unsigned long long)(shm + 2 * PG));
	const char *l = line_of(maps, prefix);
	assert_true(*l);
	assert_true(strtoull(l + strlen(prefix), NULL, 10) > 0);
	assert_int_equal(strlen(l), 73 + strlen("/dev/zero (deleted)"));
	assert_string_equal(l + 73, "/dev/zero (deleted)");
	snprintf(prefix, sizeof(prefix), "%012llx-%012llx r--s 00000000 00:01 ",
		 (unsigned long long)memfd, (unsigned long long)(memfd + PG));
	l = line_of(maps, prefix);
	assert_true(*l);
	assert_string_equal(l + 73, "/memfd:cache (deleted)");
	free(maps);

	/* smaps_rollup spans the first to the last VMA */
	char *r = read_proc(m, "/proc/%d/smaps_rollup", pid);
	snprintf(prefix, sizeof(prefix), "%012llx-", (unsigned long long)start_brk);
	assert_true(!strncmp(r, prefix, strlen(prefix)));
	assert_non_null(strstr(r, " ---p 00000000 00:00 0 "));
	assert_true(strstr(r, "[rollup]\nRss:") != NULL);
	free(r);

	kmm_task_exit(t);
	unlink(tmpl);
	shutdown_vm(m);
}

/* ---- smaps ---------------------------------------------------------------------------------- */

static void test_smaps_fork(void **state)
{
	(void)state;
	struct kmm_machine *m = boot_vm();
	struct kmm_task *p = kmm_task_spawn(m, "parent"), *c;
	long a = kmm_mmap(p, 0, 16 * PG, RW, ANON, -1, 0);
	assert_true(a > 0);

	char *s = read_proc(m, "/proc/%d/smaps", kmm_task_pid(p));
	assert_int_equal(smaps_kb(s, (uint64_t)a, "Size"), 64);
	assert_int_equal(smaps_kb(s, (uint64_t)a, "KernelPageSize"), 4);
	assert_int_equal(smaps_kb(s, (uint64_t)a, "MMUPageSize"), 4);
	assert_int_equal(smaps_kb(s, (uint64_t)a, "Rss"), 0);
	assert_string_equal(line_of(s, "VmFlags:"), "VmFlags: rd wr mr mw me ac ");
	assert_string_equal(line_of(s, "THPeligible:"), "THPeligible:    0");
	assert_string_equal(line_of(s, "Rss:"), "Rss:                   0 kB");
	assert_string_equal(line_of(s, "Private_Hugetlb:"), "Private_Hugetlb:       0 kB");
	free(s);

	/* 8 pages written, 2 only read (the zero page: not resident) */
	touch(p, (uint64_t)a, 8 * PG);
	peek(p, (uint64_t)a + 10 * PG, 2 * PG);
	s = read_proc(m, "/proc/%d/smaps", kmm_task_pid(p));
	assert_int_equal(smaps_kb(s, (uint64_t)a, "Rss"), 32);
	assert_int_equal(smaps_kb(s, (uint64_t)a, "Pss"), 32);
	assert_int_equal(smaps_kb(s, (uint64_t)a, "Pss_Dirty"), 32);
	assert_int_equal(smaps_kb(s, (uint64_t)a, "Private_Dirty"), 32);
	assert_int_equal(smaps_kb(s, (uint64_t)a, "Private_Clean"), 0);
	assert_int_equal(smaps_kb(s, (uint64_t)a, "Shared_Dirty"), 0);
	assert_int_equal(smaps_kb(s, (uint64_t)a, "Shared_Clean"), 0);
	assert_int_equal(smaps_kb(s, (uint64_t)a, "Anonymous"), 32);
	assert_int_equal(smaps_kb(s, (uint64_t)a, "Referenced"), 32);
	assert_int_equal(smaps_kb(s, (uint64_t)a, "Locked"), 0);
	free(s);

	/* fork: every page is mapped twice, so half of it is each one's */
	assert_int_equal(kmm_task_fork(p, "child", &c), 0);
	for (int i = 0; i < 2; i++) {
		s = read_proc(m, "/proc/%d/smaps", kmm_task_pid(i ? c : p));
		assert_int_equal(smaps_kb(s, (uint64_t)a, "Rss"), 32);
		assert_int_equal(smaps_kb(s, (uint64_t)a, "Pss"), 16);
		assert_int_equal(smaps_kb(s, (uint64_t)a, "Shared_Dirty"), 32);
		assert_int_equal(smaps_kb(s, (uint64_t)a, "Private_Dirty"), 0);
		assert_int_equal(smaps_kb(s, (uint64_t)a, "Anonymous"), 32);
		free(s);
	}
	/* the child writes 2 pages: they are its own now, and the parent's again */
	touch(c, (uint64_t)a, 2 * PG);
	for (int i = 0; i < 2; i++) {
		s = read_proc(m, "/proc/%d/smaps", kmm_task_pid(i ? c : p));
		assert_int_equal(smaps_kb(s, (uint64_t)a, "Rss"), 32);
		assert_int_equal(smaps_kb(s, (uint64_t)a, "Pss"), 8 + 12);
		assert_int_equal(smaps_kb(s, (uint64_t)a, "Private_Dirty"), 8);
		assert_int_equal(smaps_kb(s, (uint64_t)a, "Shared_Dirty"), 24);
		free(s);
		s = read_proc(m, "/proc/%d/smaps_rollup", kmm_task_pid(i ? c : p));
		assert_string_equal(line_of(s, "Pss:"), "Pss:                  20 kB");
		assert_string_equal(line_of(s, "Pss_Anon:"), "Pss_Anon:             20 kB");
		assert_string_equal(line_of(s, "Pss_File:"), "Pss_File:              0 kB");
		assert_string_equal(line_of(s, "Pss_Shmem:"), "Pss_Shmem:             0 kB");
		free(s);
	}
	/* three sharers: a third each */
	struct kmm_task *g;
	assert_int_equal(kmm_task_fork(c, "grandchild", &g), 0);
	s = read_proc(m, "/proc/%d/smaps", kmm_task_pid(g));
	/* 2 pages shared by c and g (2 kB each), 6 by all three: 1365.33 bytes
	 * each, summed in Linux's fixed point to 8191.99 bytes: 11 kB in all */
	assert_int_equal(smaps_kb(s, (uint64_t)a, "Pss"), 11);
	assert_int_equal(smaps_kb(s, (uint64_t)a, "Shared_Dirty"), 32);
	free(s);
	kmm_task_exit(g);

	/* mlock faults everything in for writing (breaking COW): Locked counts
	 * the Pss of the locked VMA; VmFlags shows lo */
	assert_int_equal(kmm_mlock(p, (uint64_t)a, 16 * PG, 0), 0);
	s = read_proc(m, "/proc/%d/smaps", kmm_task_pid(p));
	assert_int_equal(smaps_kb(s, (uint64_t)a, "Rss"), 64);
	assert_int_equal(smaps_kb(s, (uint64_t)a, "Pss"), 64);
	assert_int_equal(smaps_kb(s, (uint64_t)a, "Locked"), 64);
	assert_string_equal(line_of(s, "VmFlags:"), "VmFlags: rd wr mr mw me lo ac ");
	free(s);
	char *st = read_proc(m, "/proc/%d/status", kmm_task_pid(p));
	assert_int_equal(status_kb(st, "VmLck"), 64);
	free(st);
	assert_int_equal(kmm_madvise(p, (uint64_t)a, 16 * PG, KMM_MADV_HUGEPAGE), 0);
	s = read_proc(m, "/proc/%d/smaps", kmm_task_pid(p));
	assert_string_equal(line_of(s, "VmFlags:"), "VmFlags: rd wr mr mw me lo ac hg ");
	free(s);

	kmm_task_exit(c);
	kmm_task_exit(p);
	shutdown_vm(m);
}

static void test_smaps_file(void **state)
{
	(void)state;
	struct kmm_machine *m = boot_vm();
	char tmpl[] = "/tmp/kmm-test-smaps-XXXXXX";
	int hfd = mkstemp(tmpl);
	char page[PG];
	memset(page, 'x', sizeof(page));
	for (int i = 0; i < 4; i++)
		assert_int_equal(write(hfd, page, sizeof(page)), (ssize_t)sizeof(page));
	close(hfd);

	/* b maps the file read-only before a opens it for writing */
	struct kmm_task *a = kmm_task_spawn(m, "a"), *b = kmm_task_spawn(m, "b");
	int fb = kmm_open(b, tmpl, KMM_O_RDONLY);
	long mb = kmm_mmap(b, 0, 4 * PG, KMM_PROT_READ, KMM_MAP_SHARED, fb, 0);
	int fa = kmm_open(a, tmpl, KMM_O_RDWR);
	long ma = kmm_mmap(a, 0, 4 * PG, RW, KMM_MAP_SHARED, fa, 0);
	assert_true(ma > 0 && mb > 0);
	/* both read page 0; a writes page 1; only b reads page 2 */
	peek(a, (uint64_t)ma, 16);
	peek(b, (uint64_t)mb, 16);
	touch(a, (uint64_t)ma + PG, 16);
	peek(b, (uint64_t)mb + 2 * PG, 16);
	char *s = read_proc(m, "/proc/%d/smaps", kmm_task_pid(a));
	assert_int_equal(smaps_kb(s, (uint64_t)ma, "Rss"), 8);
	assert_int_equal(smaps_kb(s, (uint64_t)ma, "Pss"), 2 + 4);
	assert_int_equal(smaps_kb(s, (uint64_t)ma, "Shared_Clean"), 4);
	assert_int_equal(smaps_kb(s, (uint64_t)ma, "Private_Dirty"), 4);
	assert_int_equal(smaps_kb(s, (uint64_t)ma, "Anonymous"), 0);
	assert_string_equal(line_of(s, "VmFlags:"), "VmFlags: rd wr sh mr mw me ms ");
	free(s);
	s = read_proc(m, "/proc/%d/smaps_rollup", kmm_task_pid(a));
	assert_string_equal(line_of(s, "Pss_File:"), "Pss_File:              6 kB");
	free(s);
	char *st = read_proc(m, "/proc/%d/status", kmm_task_pid(a));
	assert_int_equal(status_kb(st, "RssFile"), 8);
	assert_int_equal(status_kb(st, "RssAnon"), 0);
	free(st);
	/* after msync the written page is clean */
	assert_int_equal(kmm_msync(a, (uint64_t)ma, 4 * PG, KMM_MS_SYNC), 0);
	s = read_proc(m, "/proc/%d/smaps", kmm_task_pid(a));
	assert_int_equal(smaps_kb(s, (uint64_t)ma, "Private_Dirty"), 0);
	assert_int_equal(smaps_kb(s, (uint64_t)ma, "Private_Clean"), 4);
	free(s);
	s = read_proc(m, "/proc/%d/smaps", kmm_task_pid(b));
	assert_int_equal(smaps_kb(s, (uint64_t)mb, "Rss"), 8);
	assert_int_equal(smaps_kb(s, (uint64_t)mb, "Shared_Clean"), 4);
	assert_int_equal(smaps_kb(s, (uint64_t)mb, "Private_Clean"), 4);
	assert_string_equal(line_of(s, "VmFlags:"), "VmFlags: rd mr me ms ");
	free(s);

	/* shared anonymous memory: shmem pages */
	long sh = kmm_mmap(a, 0, 4 * PG, RW, KMM_MAP_SHARED | KMM_MAP_ANONYMOUS, -1, 0);
	touch(a, (uint64_t)sh, 3 * PG);
	s = read_proc(m, "/proc/%d/smaps_rollup", kmm_task_pid(a));
	assert_string_equal(line_of(s, "Pss_Shmem:"), "Pss_Shmem:            12 kB");
	free(s);
	st = read_proc(m, "/proc/%d/status", kmm_task_pid(a));
	assert_int_equal(status_kb(st, "RssShmem"), 12);
	free(st);

	kmm_task_exit(a);
	kmm_task_exit(b);
	unlink(tmpl);
	shutdown_vm(m);
}

/* ---- status --------------------------------------------------------------------------------- */

static void test_status(void **state)
{
	(void)state;
	struct kmm_machine *m = boot_vm();
	struct kmm_task *t = kmm_task_spawn(m, "status"), *c;
	int pid = kmm_task_pid(t);

	char *s = read_proc(m, "/proc/%d/status", pid);
	assert_string_equal(line_of(s, "Name:"), "Name:\tstatus");
	assert_string_equal(line_of(s, "Umask:"), "Umask:\t0022");
	assert_string_equal(line_of(s, "State:"), "State:\tR (running)");
	assert_int_equal(status_kb(s, "Pid"), pid);
	assert_int_equal(status_kb(s, "Tgid"), pid);
	assert_string_equal(line_of(s, "PPid:"), "PPid:\t0");
	assert_string_equal(line_of(s, "VmSize:"), "VmSize:\t       0 kB");
	/* an empty mm has its PGD */
	assert_string_equal(line_of(s, "VmPTE:"), "VmPTE:\t       4 kB");
	assert_string_equal(line_of(s, "Threads:"), "Threads:\t1");
	/* the order of Linux's lines */
	assert_true(strstr(s, "VmPeak:") < strstr(s, "VmSize:"));
	assert_true(strstr(s, "VmSwap:") < strstr(s, "HugetlbPages:"));
	assert_true(strstr(s, "HugetlbPages:") < strstr(s, "Threads:"));
	assert_true(strstr(s, "SigCgt:") < strstr(s, "CapInh:"));
	assert_true(strstr(s, "Mems_allowed_list:") < strstr(s, "voluntary_ctxt_switches:"));
	free(s);

	long a = kmm_mmap(t, 0, 32 * PG, RW, ANON, -1, 0);
	long r = kmm_mmap(t, 0, 8 * PG, KMM_PROT_READ, ANON, -1, 0);
	assert_true(a > 0 && r > 0);
	touch(t, (uint64_t)a, 5 * PG);
	s = read_proc(m, "/proc/%d/status", pid);
	assert_int_equal(status_kb(s, "VmSize"), 160);
	assert_int_equal(status_kb(s, "VmPeak"), 160);
	assert_int_equal(status_kb(s, "VmData"), 128);
	assert_int_equal(status_kb(s, "VmRSS"), 20);
	assert_int_equal(status_kb(s, "VmHWM"), 20);
	assert_int_equal(status_kb(s, "RssAnon"), 20);
	assert_int_equal(status_kb(s, "RssFile"), 0);
	assert_int_equal(status_kb(s, "RssShmem"), 0);
	/* PGD, PUD, PMD and one PTE table */
	assert_int_equal(status_kb(s, "VmPTE"), 16);
	assert_int_equal(status_kb(s, "VmPTE") * 1024, atomic_load(&t->mm->pgtables_bytes));
	free(s);
	/* peak and high-water marks stay after an unmap */
	assert_int_equal(kmm_munmap(t, (uint64_t)a, 32 * PG), 0);
	s = read_proc(m, "/proc/%d/status", pid);
	assert_int_equal(status_kb(s, "VmSize"), 32);
	assert_int_equal(status_kb(s, "VmPeak"), 160);
	assert_int_equal(status_kb(s, "VmRSS"), 0);
	assert_int_equal(status_kb(s, "VmHWM"), 20);
	free(s);

	/* a child knows its parent, while the parent lives */
	assert_int_equal(kmm_task_fork(t, "kid", &c), 0);
	assert_int_equal(kmm_task_ppid(c), pid);
	s = read_proc(m, "/proc/%d/status", kmm_task_pid(c));
	assert_int_equal(status_kb(s, "PPid"), pid);
	assert_int_equal(status_kb(s, "NSsid"), pid);
	assert_string_equal(line_of(s, "Name:"), "Name:\tkid");
	free(s);

	/* killed: a zombie, with no memory to show */
	assert_int_equal(kmm_task_kill(c, KMM_SIGKILL), 0);
	assert_int_equal(kmm_task_signal(c), KMM_SIGKILL);
	s = read_proc(m, "/proc/%d/status", kmm_task_pid(c));
	assert_string_equal(line_of(s, "State:"), "State:\tZ (zombie)");
	assert_null(strstr(s, "VmRSS"));
	assert_null(strstr(s, "Umask"));
	free(s);
	s = read_proc(m, "/proc/%d/maps", kmm_task_pid(c));
	assert_string_equal(s, "");
	free(s);
	/* a segfault kills the same way */
	struct kmm_task *g;
	assert_int_equal(kmm_task_fork(t, "crash", &g), 0);
	unsigned char b = 1;
	assert_int_equal(kmm_access(g, (uint64_t)r, &b, 1, KMM_ACCESS_WRITE), -KMM_EFAULT);
	s = read_proc(m, "/proc/%d/status", kmm_task_pid(g));
	assert_string_equal(line_of(s, "State:"), "State:\tZ (zombie)");
	free(s);
	kmm_task_exit(g);
	kmm_task_exit(c);

	/* the parent is reaped: an orphan's PPid is 0 */
	assert_int_equal(kmm_task_fork(t, "orphan", &c), 0);
	kmm_task_exit(t);
	s = read_proc(m, "/proc/%d/status", kmm_task_pid(c));
	assert_string_equal(line_of(s, "PPid:"), "PPid:\t0");
	free(s);
	kmm_task_exit(c);
	shutdown_vm(m);
}

/* ---- oom_score_adj ------------------------------------------------------------------------ */

static int write_adj(struct kmm_machine *m, int pid, const char *text)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", pid);
	return kmm_proc_write(m, path, text, strlen(text));
}

static void expect_adj(struct kmm_machine *m, int pid, const char *want)
{
	char *s = read_proc(m, "/proc/%d/oom_score_adj", pid);
	assert_string_equal(s, want);
	free(s);
}

static void test_oom_score_adj(void **state)
{
	(void)state;
	struct kmm_machine *m = boot_vm();
	struct kmm_task *t = kmm_task_spawn(m, "oom"), *c;
	int pid = kmm_task_pid(t);

	expect_adj(m, pid, "0\n");
	assert_int_equal(write_adj(m, pid, "500"), 0);
	expect_adj(m, pid, "500\n");
	assert_int_equal(write_adj(m, pid, "-1000\n"), 0);
	expect_adj(m, pid, "-1000\n");
	assert_int_equal(write_adj(m, pid, "1000"), 0);
	expect_adj(m, pid, "1000\n");
	assert_int_equal(write_adj(m, pid, "  42 \n"), 0);
	expect_adj(m, pid, "42\n");
	assert_int_equal(write_adj(m, pid, "0x10"), 0);
	expect_adj(m, pid, "16\n");
	/* refused: out of range, not a number, empty; the value stays */
	static const char *const bad[] = { "1001",	 "-1001", "abc", "",  "12abc",
					   "4294967296", "- 5",	  "1 2", "\n" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(write_adj(m, pid, bad[i]), -KMM_EINVAL);
		expect_adj(m, pid, "16\n");
	}
	/* only the first 12 bytes count, as in Linux */
	assert_int_equal(write_adj(m, pid, "000000000007xyz"), 0);
	expect_adj(m, pid, "7\n");
	/* oom_score: the badness on Linux's scale, (1000 + badness * 1000 /
	 * totalpages) * 2 / 3; an idle task scores 2/3 of 1000 plus its
	 * adj's share, -1000 makes it 0, 1000 the maximum, 1333 */
	assert_int_equal(write_adj(m, pid, "0"), 0);
	char *sc = read_proc(m, "/proc/%d/oom_score", pid);
	assert_string_equal(sc, "666\n");
	free(sc);
	assert_int_equal(write_adj(m, pid, "-1000"), 0);
	sc = read_proc(m, "/proc/%d/oom_score", pid);
	assert_string_equal(sc, "0\n");
	free(sc);
	assert_int_equal(write_adj(m, pid, "1000"), 0);
	sc = read_proc(m, "/proc/%d/oom_score", pid);
	assert_string_equal(sc, "1333\n");
	free(sc);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/oom_score", pid);
	assert_int_equal(kmm_proc_write(m, path, "1", 1), -KMM_EACCES);
	/* a fork inherits it */
	assert_int_equal(write_adj(m, pid, "-300"), 0);
	assert_int_equal(kmm_task_fork(t, "kid", &c), 0);
	expect_adj(m, kmm_task_pid(c), "-300\n");
	kmm_task_exit(c);
	kmm_task_exit(t);
	shutdown_vm(m);
}

/* ---- meminfo ---------------------------------------------------------------------------------- */

static void test_meminfo(void **state)
{
	(void)state;
	struct kmm_machine *m = boot_vm();
	long limit = meminfo_kb(m, "CommitLimit");
	assert_int_equal(limit, (long)(atomic_load(&m->totalram_pages) *
				       (unsigned long)m->vm.overcommit_ratio / 100 * 4));
	long committed = meminfo_kb(m, "Committed_AS"), anon = meminfo_kb(m, "AnonPages");
	long mapped = meminfo_kb(m, "Mapped"), pt = meminfo_kb(m, "PageTables");

	struct kmm_task *t = kmm_task_spawn(m, "meminfo");
	long a = kmm_mmap(t, 0, 64 * PG, RW, ANON, -1, 0);
	/* shared and read-only mappings are not charged */
	long s = kmm_mmap(t, 0, 16 * PG, RW, KMM_MAP_SHARED | KMM_MAP_ANONYMOUS, -1, 0);
	long r = kmm_mmap(t, 0, 16 * PG, KMM_PROT_READ, ANON, -1, 0);
	assert_true(a > 0 && s > 0 && r > 0);
	assert_int_equal(meminfo_kb(m, "Committed_AS"), committed + 256);
	touch(t, (uint64_t)a, 10 * PG);
	touch(t, (uint64_t)s, 3 * PG);
	assert_int_equal(meminfo_kb(m, "AnonPages"), anon + 40);
	assert_int_equal(meminfo_kb(m, "Mapped"), mapped + 12);
	assert_int_equal(meminfo_kb(m, "PageTables"),
			 pt + (long)(atomic_load(&t->mm->pgtables_bytes) >> 10));
	/* the order of the lines, as Linux */
	char *text = read_proc(m, "/proc/meminfo");
	assert_true(strstr(text, "Writeback:") < strstr(text, "AnonPages:"));
	assert_true(strstr(text, "AnonPages:") < strstr(text, "Mapped:"));
	assert_true(strstr(text, "Mapped:") < strstr(text, "Shmem:"));
	assert_true(strstr(text, "KernelStack:") < strstr(text, "PageTables:"));
	assert_true(strstr(text, "WritebackTmp:") < strstr(text, "CommitLimit:"));
	assert_true(strstr(text, "CommitLimit:") < strstr(text, "Committed_AS:"));
	assert_true(strstr(text, "Committed_AS:") < strstr(text, "VmallocTotal:"));
	free(text);
	kmm_task_exit(t);
	assert_int_equal(meminfo_kb(m, "Committed_AS"), committed);
	assert_int_equal(meminfo_kb(m, "AnonPages"), anon);
	assert_int_equal(meminfo_kb(m, "PageTables"), pt);
	shutdown_vm(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dirs),	   cmocka_unit_test(test_maps),
		cmocka_unit_test(test_smaps_fork), cmocka_unit_test(test_smaps_file),
		cmocka_unit_test(test_status),	   cmocka_unit_test(test_oom_score_adj),
		cmocka_unit_test(test_meminfo),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
