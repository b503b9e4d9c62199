/* SPDX-License-Identifier: MIT */
/*
 * tests/test_filemap.c - the page cache and shmem (src/mm/filemap.c,
 * src/mm/shmem.c): the machine's file table, faults that read host files
 * with read-around and async readahead, dirty pages written back byte for
 * byte (partial last pages included), write errors that keep pages dirty
 * and reach msync, truncation, shmem's zero pages, the flusher thread, the
 * vmstat/meminfo counters; then end to end through tasks: MAP_SHARED
 * writes reaching the file, two tasks sharing a file, SIGBUS past EOF.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kmm_test.h"
#include "kmm/mm.h"
#include "mm/vma.h"

#define PAGE 4096UL

/* ---- helpers ----------------------------------------------------------------------- */

struct fixture {
	struct kmm_machine *m;
	bool own_vm; /* vm_init called here (boot does not yet) */
	char path[64];
};

static struct kmm_machine *boot_vm(const char *cmdline, struct fixture *fx)
{
	memset(fx, 0, sizeof(*fx));
	fx->m = test_boot(cmdline, NULL);
	if (!vm_state(fx->m)) {
		assert_int_equal(vm_init(fx->m), 0);
		fx->own_vm = true;
	}
	assert_true(kmm_cpu_enter(fx->m, 0) >= 0);
	return fx->m;
}

static void shutdown_vm(struct fixture *fx)
{
	kmm_cpu_leave(fx->m);
	if (fx->own_vm)
		vm_exit(fx->m);
	kmm_machine_shutdown(fx->m);
	if (fx->path[0])
		unlink(fx->path);
}

static unsigned char pattern_byte(uint64_t off)
{
	return (unsigned char)((off * 2654435761u) >> 13) ^ (unsigned char)(off >> 12);
}

/* A temporary host file of @size pattern bytes; its path in fx->path. */
static void make_file(struct fixture *fx, uint64_t size)
{
	strcpy(fx->path, "/tmp/kmm-filemap-XXXXXX");
	int fd = mkstemp(fx->path);
	assert_true(fd >= 0);
	unsigned char *buf = malloc(size ? size : 1);
	assert_non_null(buf);
	for (uint64_t i = 0; i < size; i++)
		buf[i] = pattern_byte(i);
	assert_int_equal(write(fd, buf, size), (ssize_t)size);
	free(buf);
	close(fd);
}

/* The host file's bytes (malloc'd), its size in *size. */
static unsigned char *slurp(const char *path, uint64_t *size)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	*size = (uint64_t)st.st_size;
	unsigned char *buf = malloc(*size + 1);
	assert_non_null(buf);
	int fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, buf, *size, 0), (ssize_t)*size);
	close(fd);
	return buf;
}

static long nps(struct kmm_machine *m, enum node_stat_item item)
{
	refresh_cpu_vm_stats(m);
	return global_node_page_state(m, item);
}

/* The same once the flusher has given back the CPU slot it borrowed (its
 * per-CPU deltas are folded only then). */
static long nps_settled(struct kmm_machine *m, enum node_stat_item item, long expect)
{
	long v = nps(m, item);
	for (int i = 0; i < 60000 && v != expect; i++) {
		usleep(1000);
		v = nps(m, item);
	}
	return v;
}

static unsigned char *page_bytes(struct kmm_machine *m, struct page *p)
{
	return kmm_page_address(m, p);
}

static struct page *get_page_ok(struct kmm_file *f, unsigned long index, bool *major)
{
	bool mj = false;
	int err = 1;
	struct page *p = filemap_fault_get_page(f, index, &mj, &err);
	if (!p)
		fail_msg("fault_get_page(%lu): %d", index, err);
	assert_int_equal(err, 0);
	assert_true(PageUptodate(p));
	if (major)
		*major = mj;
	return p;
}

static bool cached(struct kmm_file *f, unsigned long index)
{
	spin_lock(&f->mapping.i_pages_lock);
	void *e = xa_load(&f->mapping.i_pages, index);
	spin_unlock(&f->mapping.i_pages_lock);
	return e != NULL;
}

static char *read_proc(struct kmm_machine *m, const char *path)
{
	static char buf[8192];
	long n = kmm_proc_read(m, path, buf, sizeof(buf));
	assert_true(n >= 0);
	return buf;
}

static unsigned long meminfo_kb(struct kmm_machine *m, const char *field)
{
	char *text = read_proc(m, "/proc/meminfo");
	char *l = strstr(text, field);
	assert_non_null(l);
	return strtoul(l + strlen(field), NULL, 10);
}

/* ---- the file table ----------------------------------------------------------------- */

static void test_file_table(void **state)
{
	(void)state;
	struct fixture fx;
	struct kmm_machine *m = boot_vm("mem=256M quiet", &fx);
	struct kmm_file *a, *b, *c;

	make_file(&fx, 3 * PAGE);
	assert_int_equal(kmm_file_get(m, fx.path, KMM_O_RDONLY, &a), 0);
	assert_int_equal(a->i_size, 3 * PAGE);
	assert_false(a->writable);
	assert_false(a->shmem);
	assert_true(a->host_fd >= 0);
	/* the same path: the same inode and page cache */
	assert_int_equal(kmm_file_get(m, fx.path, KMM_O_RDONLY, &b), 0);
	assert_ptr_equal(a, b);
	assert_int_equal(atomic_load(&a->refcount), 2);
	/* O_RDWR upgrades the shared object's host file */
	assert_int_equal(kmm_file_get(m, fx.path, KMM_O_RDWR, &c), 0);
	assert_ptr_equal(a, c);
	assert_true(a->writable);
	kmm_file_put(c);
	kmm_file_put(b);
	assert_int_equal(atomic_load(&a->refcount), 1);
	kmm_file_put(a);

	/* errors */
	assert_int_equal(kmm_file_get(m, "/tmp/kmm-filemap-does-not-exist", KMM_O_RDONLY, &a),
			 -KMM_ENOENT);
	assert_null(a);
	assert_int_equal(kmm_file_get(m, "", KMM_O_RDONLY, &a), -KMM_EINVAL);
	assert_int_equal(kmm_file_get(m, fx.path, 1 /* O_WRONLY */, &a), -KMM_EINVAL);
	assert_int_equal(kmm_file_get(m, fx.path, KMM_O_RDWR | KMM_O_TRUNC, &a), -KMM_EINVAL);

	/* O_CREAT makes an empty file; every page of it is past EOF */
	char created[80];
	snprintf(created, sizeof(created), "%s.new", fx.path);
	assert_int_equal(kmm_file_get(m, created, KMM_O_RDWR | KMM_O_CREAT, &a), 0);
	assert_int_equal(a->i_size, 0);
	bool major;
	int err;
	assert_null(filemap_fault_get_page(a, 0, &major, &err));
	assert_int_equal(err, -KMM_ENXIO);
	kmm_file_put(a);
	unlink(created);

	/* every file object went back to its cache */
	spin_lock(&vm_state(m)->files_lock);
	assert_true(list_empty(&vm_state(m)->files));
	spin_unlock(&vm_state(m)->files_lock);
	shutdown_vm(&fx);
}

/* ---- reading ----------------------------------------------------------------------------- */

static void test_read_and_readaround(void **state)
{
	(void)state;
	struct fixture fx;
	struct kmm_machine *m = boot_vm("mem=256M quiet", &fx);
	const uint64_t size = 100 * PAGE + 123;
	struct kmm_file *f;
	bool major;
	int err;

	make_file(&fx, size);
	long files0 = nps(m, NR_FILE_PAGES);
	unsigned long pgpgin0 = sum_vm_event(m, PGPGIN);
	assert_int_equal(kmm_file_get(m, fx.path, KMM_O_RDONLY, &f), 0);

	/* a miss in the middle: major, and the read-around window [34, 66) */
	struct page *p = get_page_ok(f, 50, &major);
	assert_true(major);
	assert_int_equal(f->mapping.nrpages, 32);
	for (unsigned long i = 0; i <= 100; i++)
		assert_int_equal(cached(f, i), i >= 34 && i < 66);
	assert_ptr_equal(p->mapping, &f->mapping);
	assert_int_equal(p->index, 50);
	assert_int_equal(page_ref_count(p), 2); /* the cache's and ours */
	for (unsigned i = 0; i < PAGE; i++)
		assert_int_equal(page_bytes(m, p)[i], pattern_byte(50 * PAGE + i));
	put_user_page(m, p);

	/* a page the window brought in: minor */
	p = get_page_ok(f, 40, &major);
	assert_false(major);
	for (unsigned i = 0; i < PAGE; i++)
		assert_int_equal(page_bytes(m, p)[i], pattern_byte(40 * PAGE + i));
	put_user_page(m, p);

	/* the partial last page: the file's 123 bytes, then zeros */
	p = get_page_ok(f, 100, &major);
	assert_true(major);
	for (unsigned i = 0; i < PAGE; i++)
		assert_int_equal(page_bytes(m, p)[i], i < 123 ? pattern_byte(100 * PAGE + i) : 0);
	put_user_page(m, p);

	/* past EOF */
	assert_null(filemap_fault_get_page(f, 101, &major, &err));
	assert_int_equal(err, -KMM_ENXIO);
	assert_null(filemap_fault_get_page(f, ~0UL, &major, &err));
	assert_int_equal(err, -KMM_ENXIO);

	/* counters: every cached page is a file page, read once (8 sectors each) */
	unsigned long nr = f->mapping.nrpages;
	assert_int_equal(nps(m, NR_FILE_PAGES) - files0, (long)nr);
	assert_int_equal(sum_vm_event(m, PGPGIN) - pgpgin0, nr * 8);
	assert_true(meminfo_kb(m, "Cached:") >= nr * 4);

	kmm_file_put(f);
	assert_int_equal(nps(m, NR_FILE_PAGES), files0);
	shutdown_vm(&fx);
}

static void test_readahead_sequential(void **state)
{
	(void)state;
	struct fixture fx;
	struct kmm_machine *m = boot_vm("mem=256M quiet", &fx);
	const unsigned long nr = 200;
	struct kmm_file *f;
	bool major;

	make_file(&fx, nr * PAGE);
	assert_int_equal(kmm_file_get(m, fx.path, KMM_O_RDONLY, &f), 0);

	/* the first fault reads [0, 32) and marks page 24 */
	struct page *p = get_page_ok(f, 0, &major);
	assert_true(major);
	put_user_page(m, p);
	assert_int_equal(f->mapping.nrpages, 32);
	assert_false(cached(f, 32));

	/* hitting the marker reads the next window ahead, without a major fault */
	p = get_page_ok(f, 24, &major);
	assert_false(major);
	put_user_page(m, p);
	assert_true(cached(f, 32) && cached(f, 63));
	assert_int_equal(f->mapping.nrpages, 64);

	/* a sequential scan of the whole file: no further major faults */
	unsigned majors = 0;
	for (unsigned long i = 0; i < nr; i++) {
		p = get_page_ok(f, i, &major);
		majors += major;
		for (unsigned j = 0; j < PAGE; j += 511)
			assert_int_equal(page_bytes(m, p)[j], pattern_byte(i * PAGE + j));
		put_user_page(m, p);
	}
	assert_int_equal(majors, 0);
	assert_int_equal(f->mapping.nrpages, nr);

	kmm_file_put(f);
	shutdown_vm(&fx);
}

static void test_read_error(void **state)
{
	(void)state;
	struct fixture fx;
	struct kmm_machine *m = boot_vm("mem=256M quiet", &fx);
	struct kmm_file *f;
	bool major;
	int err;

	/* a directory opens and has a size, but reads fail: -EIO, no page */
	char dir[] = "/tmp/kmm-filemap-dir-XXXXXX";
	assert_non_null(mkdtemp(dir));
	long files0 = nps(m, NR_FILE_PAGES);
	assert_int_equal(kmm_file_get(m, dir, KMM_O_RDONLY, &f), 0);
	if (f->i_size == 0) {
		/* a filesystem that reports directories as empty: nothing to read */
		kmm_file_put(f);
		rmdir(dir);
		shutdown_vm(&fx);
		skip();
	}
	assert_null(filemap_fault_get_page(f, 0, &major, &err));
	assert_int_equal(err, -KMM_EIO);
	/* the failed page stays (not uptodate): a later fault tries again */
	assert_null(filemap_fault_get_page(f, 0, &major, &err));
	assert_int_equal(err, -KMM_EIO);
	kmm_file_put(f);
	assert_int_equal(nps(m, NR_FILE_PAGES), files0);
	rmdir(dir);
	shutdown_vm(&fx);
}

/* ---- dirty pages and writeback ------------------------------------------------------------- */

static void test_writeback_bytes(void **state)
{
	(void)state;
	struct fixture fx;
	struct kmm_machine *m = boot_vm("mem=256M quiet", &fx);
	const uint64_t size = 2 * PAGE + 1000; /* a partial last page */
	struct kmm_file *f;
	struct page *p[3];

	make_file(&fx, size);
	unsigned char *expect = malloc(size);
	for (uint64_t i = 0; i < size; i++)
		expect[i] = pattern_byte(i);
	long dirty0 = nps(m, NR_FILE_DIRTY);
	unsigned long pgpgout0 = sum_vm_event(m, PGPGOUT);

	assert_int_equal(kmm_file_get(m, fx.path, KMM_O_RDWR, &f), 0);
	for (int i = 0; i < 3; i++)
		p[i] = get_page_ok(f, (unsigned long)i, NULL);

	/* change pages 0 and 2 (the partial one, also past EOF: never written) */
	memset(page_bytes(m, p[0]) + 100, 0xab, 200);
	memset(expect + 100, 0xab, 200);
	memset(page_bytes(m, p[2]) + 990, 0xcd, 20);
	memset(expect + 2 * PAGE + 990, 0xcd, 10);
	set_page_dirty(p[0]);
	set_page_dirty(p[2]);
	set_page_dirty(p[2]);
	assert_true(PageDirty(p[0]) && !PageDirty(p[1]) && PageDirty(p[2]));
	assert_int_equal(nps(m, NR_FILE_DIRTY) - dirty0, 2);
	assert_true(xa_get_mark(&f->mapping.i_pages, 0, PAGECACHE_TAG_DIRTY));
	assert_true(f->dirtied_when != 0);
	assert_true(meminfo_kb(m, "Dirty:") >= 8);

	assert_int_equal(filemap_write_and_wait_range(f, 0, UINT64_MAX), 0);
	assert_false(PageDirty(p[0]) || PageDirty(p[2]));
	assert_false(PageWriteback(p[0]));
	assert_false(xa_marked(&f->mapping.i_pages, PAGECACHE_TAG_DIRTY));
	assert_int_equal(f->dirtied_when, 0);
	assert_int_equal(nps_settled(m, NR_FILE_DIRTY, dirty0), dirty0);
	assert_int_equal(nps(m, NR_WRITEBACK), 0);
	assert_int_equal(sum_vm_event(m, PGPGOUT) - pgpgout0, 16);

	uint64_t hsize;
	unsigned char *host = slurp(fx.path, &hsize);
	assert_int_equal(hsize, size); /* the partial page did not extend the file */
	assert_memory_equal(host, expect, size);
	free(host);

	/* a range writes only the pages it covers */
	page_bytes(m, p[0])[7] = 0x11;
	page_bytes(m, p[1])[7] = 0x22;
	set_page_dirty(p[0]);
	set_page_dirty(p[1]);
	assert_int_equal(filemap_write_and_wait_range(f, PAGE, 2 * PAGE), 0);
	assert_true(PageDirty(p[0]));
	assert_false(PageDirty(p[1]));
	host = slurp(fx.path, &hsize);
	assert_int_equal(host[7], expect[7]);
	assert_int_equal(host[PAGE + 7], 0x22);
	free(host);

	/* the last put writes the rest back and drops the cache */
	for (int i = 0; i < 3; i++)
		put_user_page(m, p[i]);
	kmm_file_put(f);
	host = slurp(fx.path, &hsize);
	assert_int_equal(host[7], 0x11);
	free(host);
	assert_int_equal(nps(m, NR_FILE_DIRTY), dirty0);
	free(expect);
	shutdown_vm(&fx);
}

static void test_writeback_error(void **state)
{
	(void)state;
	struct fixture fx;
	struct kmm_machine *m = boot_vm("mem=256M quiet", &fx);
	struct kmm_file *f, *rw;

	make_file(&fx, 2 * PAGE);
	long dirty0 = nps(m, NR_FILE_DIRTY);
	/* the host file is open read-only: every write fails */
	assert_int_equal(kmm_file_get(m, fx.path, KMM_O_RDONLY, &f), 0);
	struct page *p = get_page_ok(f, 1, NULL);
	memset(page_bytes(m, p), 0x5a, 64);
	set_page_dirty(p);

	assert_int_equal(filemap_write_and_wait_range(f, 0, UINT64_MAX), -KMM_EIO);
	/* the data is kept: still dirty, still counted, the host file unchanged */
	assert_true(PageDirty(p));
	assert_false(PageWriteback(p));
	assert_true(xa_get_mark(&f->mapping.i_pages, 1, PAGECACHE_TAG_DIRTY));
	assert_int_equal(nps(m, NR_FILE_DIRTY) - dirty0, 1);
	assert_int_equal(nps(m, NR_WRITEBACK), 0);
	uint64_t hsize;
	unsigned char *host = slurp(fx.path, &hsize);
	assert_int_equal(host[PAGE], pattern_byte(PAGE));
	free(host);
	/* every try reports it again while the page cannot be written */
	assert_int_equal(filemap_write_and_wait_range(f, PAGE, 2 * PAGE), -KMM_EIO);
	/* the flusher keeps it too */
	wb_writeback_expired(m, true);
	assert_true(PageDirty(p));
	/* the flusher's error is recorded for the next msync */
	assert_int_equal(f->mapping.wb_err, -KMM_EIO);

	/* once the file is writable, the same data reaches it */
	assert_int_equal(kmm_file_get(m, fx.path, KMM_O_RDWR, &rw), 0);
	assert_ptr_equal(rw, f);
	/* the sticky error is reported once, even by a writeback that succeeds */
	assert_int_equal(filemap_write_and_wait_range(f, 0, UINT64_MAX), -KMM_EIO);
	assert_false(PageDirty(p));
	assert_int_equal(filemap_write_and_wait_range(f, 0, UINT64_MAX), 0);
	host = slurp(fx.path, &hsize);
	assert_int_equal(hsize, 2 * PAGE);
	for (unsigned i = 0; i < PAGE; i++)
		assert_int_equal(host[PAGE + i], i < 64 ? 0x5a : pattern_byte(PAGE + i));
	free(host);
	assert_int_equal(nps(m, NR_FILE_DIRTY), dirty0);

	put_user_page(m, p);
	kmm_file_put(rw);
	kmm_file_put(f);
	shutdown_vm(&fx);
}

/* ---- truncation -------------------------------------------------------------------------------- */

static void test_truncate(void **state)
{
	(void)state;
	struct fixture fx;
	struct kmm_machine *m = boot_vm("mem=256M quiet", &fx);
	struct kmm_file *f;
	bool major;
	int err;

	make_file(&fx, 10 * PAGE);
	long files0 = nps(m, NR_FILE_PAGES), dirty0 = nps(m, NR_FILE_DIRTY);
	assert_int_equal(kmm_file_get(m, fx.path, KMM_O_RDWR, &f), 0);
	for (unsigned long i = 0; i < 10; i++) {
		struct page *p = get_page_ok(f, i, NULL);
		if (i == 8 || i == 4) {
			memset(page_bytes(m, p), 0x77, PAGE);
			set_page_dirty(p);
		}
		put_user_page(m, p);
	}
	assert_int_equal(f->mapping.nrpages, 10);
	assert_int_equal(nps(m, NR_FILE_PAGES) - files0, 10);
	assert_int_equal(nps(m, NR_FILE_DIRTY) - dirty0, 2);

	/* to 4 pages and 100 bytes: pages 5..9 go (dirty 8 with them), page
	 * 4 keeps its first 100 bytes and is zero after them */
	assert_int_equal(kmm_file_truncate(f, 4 * PAGE + 100), 0);
	assert_int_equal(f->i_size, 4 * PAGE + 100);
	assert_int_equal(f->mapping.nrpages, 5);
	assert_int_equal(nps(m, NR_FILE_PAGES) - files0, 5);
	assert_int_equal(nps(m, NR_FILE_DIRTY) - dirty0, 1);
	for (unsigned long i = 5; i < 10; i++) {
		assert_false(cached(f, i));
		assert_null(filemap_fault_get_page(f, i, &major, &err));
		assert_int_equal(err, -KMM_ENXIO);
	}
	struct page *p = get_page_ok(f, 4, &major);
	assert_false(major);
	for (unsigned i = 0; i < PAGE; i++)
		assert_int_equal(page_bytes(m, p)[i], i < 100 ? 0x77 : 0);
	put_user_page(m, p);
	uint64_t hsize;
	free(slurp(fx.path, &hsize));
	assert_int_equal(hsize, 4 * PAGE + 100);

	/* writeback writes the partial page's 100 bytes only */
	assert_int_equal(filemap_write_and_wait_range(f, 0, UINT64_MAX), 0);
	unsigned char *host = slurp(fx.path, &hsize);
	assert_int_equal(hsize, 4 * PAGE + 100);
	for (unsigned i = 0; i < 100; i++)
		assert_int_equal(host[4 * PAGE + i], 0x77);
	free(host);

	/* growing again: the new pages read as zeros */
	assert_int_equal(kmm_file_truncate(f, 8 * PAGE), 0);
	p = get_page_ok(f, 7, &major);
	for (unsigned i = 0; i < PAGE; i++)
		assert_int_equal(page_bytes(m, p)[i], 0);
	put_user_page(m, p);
	p = get_page_ok(f, 4, NULL);
	assert_int_equal(page_bytes(m, p)[100], 0);
	put_user_page(m, p);

	/* to zero: the cache empties */
	assert_int_equal(kmm_file_truncate(f, 0), 0);
	assert_int_equal(f->mapping.nrpages, 0);
	assert_true(xa_empty(&f->mapping.i_pages));
	assert_int_equal(nps(m, NR_FILE_PAGES), files0);
	assert_int_equal(nps(m, NR_FILE_DIRTY), dirty0);
	free(slurp(fx.path, &hsize));
	assert_int_equal(hsize, 0);
	kmm_file_put(f);

	/* a file not open for writing cannot be truncated */
	assert_int_equal(kmm_file_get(m, fx.path, KMM_O_RDONLY, &f), 0);
	assert_int_equal(kmm_file_truncate(f, 0), -KMM_EINVAL);
	kmm_file_put(f);
	shutdown_vm(&fx);
}

/* ---- shmem ----------------------------------------------------------------------------------- */

static void test_shmem(void **state)
{
	(void)state;
	struct fixture fx;
	struct kmm_machine *m = boot_vm("mem=256M quiet", &fx);
	struct kmm_file *f;
	bool major;
	int err;

	long files0 = nps(m, NR_FILE_PAGES), shmem0 = nps(m, NR_SHMEM);
	long dirty0 = nps(m, NR_FILE_DIRTY);
	unsigned long pgpgin0 = sum_vm_event(m, PGPGIN);
	assert_int_equal(shmem_file_create(m, "memfd:test", 3 * PAGE, &f), 0);
	assert_true(f->shmem);
	assert_int_equal(f->host_fd, -1);
	assert_string_equal(f->path, "memfd:test");
	assert_int_equal(f->i_size, 3 * PAGE);

	struct page *p = get_page_ok(f, 1, &major);
	assert_false(major); /* no I/O, no readahead */
	assert_int_equal(f->mapping.nrpages, 1);
	assert_true(PageSwapBacked(p));
	for (unsigned i = 0; i < PAGE; i++)
		assert_int_equal(page_bytes(m, p)[i], 0);
	assert_int_equal(nps(m, NR_SHMEM) - shmem0, 1);
	assert_int_equal(nps(m, NR_FILE_PAGES) - files0, 1);
	assert_true(meminfo_kb(m, "Shmem:") >= 4);

	/* the same page again, with its data */
	memset(page_bytes(m, p), 0x42, PAGE);
	set_page_dirty(p);
	assert_true(PageDirty(p));
	assert_int_equal(nps(m, NR_FILE_DIRTY), dirty0); /* noop_dirty_folio */
	struct page *q = get_page_ok(f, 1, NULL);
	assert_ptr_equal(p, q);
	put_user_page(m, q);
	assert_int_equal(filemap_write_and_wait_range(f, 0, UINT64_MAX), 0);
	assert_int_equal(page_bytes(m, p)[0], 0x42);
	put_user_page(m, p);

	assert_null(filemap_fault_get_page(f, 3, &major, &err));
	assert_int_equal(err, -KMM_ENXIO);
	assert_int_equal(sum_vm_event(m, PGPGIN), pgpgin0);

	/* truncation drops shmem pages too */
	assert_int_equal(kmm_file_truncate(f, PAGE), 0);
	assert_int_equal(f->mapping.nrpages, 0);
	assert_int_equal(nps(m, NR_SHMEM), shmem0);
	p = get_page_ok(f, 0, NULL);
	put_user_page(m, p);
	kmm_file_put(f);
	assert_int_equal(nps(m, NR_SHMEM), shmem0);
	assert_int_equal(nps(m, NR_FILE_PAGES), files0);
	shutdown_vm(&fx);
}

/* ---- the flusher ------------------------------------------------------------------------------- */

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void test_flusher(void **state)
{
	(void)state;
	struct fixture fx;
	struct kmm_machine *m = boot_vm("mem=256M quiet sysctl.vm.dirty_writeback_centisecs=5 "
					"sysctl.vm.dirty_expire_centisecs=10",
					&fx);
	struct kmm_file *f;

	assert_string_equal(read_proc(m, "/proc/sys/vm/dirty_writeback_centisecs"), "5\n");
	assert_string_equal(read_proc(m, "/proc/sys/vm/dirty_expire_centisecs"), "10\n");
	make_file(&fx, 3 * PAGE);
	long dirty0 = nps(m, NR_FILE_DIRTY);
	assert_int_equal(kmm_file_get(m, fx.path, KMM_O_RDWR, &f), 0);
	struct page *p = get_page_ok(f, 2, NULL);
	memset(page_bytes(m, p) + 10, 0xee, 10);
	set_page_dirty(p);

	/* no call from here: the thread writes the expired page by itself */
	uint64_t deadline = now_ms() + 60000;
	while (PageDirty(p) && now_ms() < deadline)
		usleep(2000);
	assert_false(PageDirty(p));
	while (PageWriteback(p) && now_ms() < deadline)
		usleep(2000);
	uint64_t hsize;
	unsigned char *host = slurp(fx.path, &hsize);
	for (unsigned i = 0; i < 30; i++)
		assert_int_equal(host[2 * PAGE + i],
				 i >= 10 && i < 20 ? 0xee : pattern_byte(2 * PAGE + i));
	free(host);
	assert_int_equal(f->dirtied_when, 0);
	assert_int_equal(nps_settled(m, NR_FILE_DIRTY, dirty0), dirty0);

	/* 0 stops periodic writeback: a dirty page stays (wb_writeback_expired
	 * still works on demand) */
	assert_int_equal(kmm_proc_write(m, "/proc/sys/vm/dirty_writeback_centisecs", "0", 1), 0);
	usleep(200000); /* let a round that had started finish */
	page_bytes(m, p)[0] = 1;
	set_page_dirty(p);
	usleep(300000);
	assert_true(PageDirty(p));
	wb_writeback_expired(m, false); /* dirtied >= 100 ms ago: expired */
	assert_false(PageDirty(p));
	/* and writing the knob wakes the thread with the new period */
	page_bytes(m, p)[0] = 2;
	set_page_dirty(p);
	assert_int_equal(kmm_proc_write(m, "/proc/sys/vm/dirty_writeback_centisecs", "5", 1), 0);
	deadline = now_ms() + 60000;
	while (PageDirty(p) && now_ms() < deadline)
		usleep(2000);
	assert_false(PageDirty(p));

	put_user_page(m, p);
	kmm_file_put(f);
	shutdown_vm(&fx);
}

/* Pages dirty for less than dirty_expire_centisecs stay dirty. */
static void test_flusher_not_expired(void **state)
{
	(void)state;
	struct fixture fx;
	struct kmm_machine *m =
		boot_vm("mem=256M quiet sysctl.vm.dirty_expire_centisecs=360000", &fx);
	struct kmm_file *f;

	make_file(&fx, PAGE);
	assert_int_equal(kmm_file_get(m, fx.path, KMM_O_RDWR, &f), 0);
	struct page *p = get_page_ok(f, 0, NULL);
	set_page_dirty(p);
	wb_writeback_expired(m, false);
	assert_true(PageDirty(p));
	wb_writeback_expired(m, true); /* sync: everything */
	assert_false(PageDirty(p));
	put_user_page(m, p);
	kmm_file_put(f);
	shutdown_vm(&fx);
}

/* ---- many files, counters back to their baseline --------------------------------------------------- */

static void test_counters_baseline(void **state)
{
	(void)state;
	struct fixture fx;
	struct kmm_machine *m = boot_vm("mem=256M quiet", &fx);
	struct kmm_file *f[4];
	char paths[4][64];

	long files0 = nps(m, NR_FILE_PAGES), dirty0 = nps(m, NR_FILE_DIRTY);
	long wb0 = nps(m, NR_WRITEBACK), free0 = total_free_pages(m);
	for (int i = 0; i < 4; i++) {
		make_file(&fx, (uint64_t)(i + 1) * 40 * PAGE);
		strcpy(paths[i], fx.path);
		assert_int_equal(kmm_file_get(m, paths[i], KMM_O_RDWR, &f[i]), 0);
		for (unsigned long j = 0; j < (unsigned long)(i + 1) * 40; j += 3) {
			struct page *p = get_page_ok(f[i], j, NULL);
			if (j % 2)
				set_page_dirty(p);
			put_user_page(m, p);
		}
	}
	assert_true(nps(m, NR_FILE_PAGES) > files0);
	assert_true(nps(m, NR_FILE_DIRTY) > dirty0);
	for (int i = 0; i < 4; i++)
		kmm_file_put(f[i]);
	assert_int_equal(nps(m, NR_FILE_PAGES), files0);
	assert_int_equal(nps(m, NR_FILE_DIRTY), dirty0);
	assert_int_equal(nps(m, NR_WRITEBACK), wb0);
	/* every page went back (slab caches keep theirs) */
	kmm_drain_all_pages(m);
	assert_true(total_free_pages(m) >= free0 - 64);
	for (int i = 0; i < 3; i++)
		unlink(paths[i]);
	shutdown_vm(&fx);
}

/* ---- end to end: tasks mapping files --------------------------------------------------------- */

static int acc(struct kmm_task *t, uint64_t addr, void *buf, size_t len, int access)
{
	return kmm_access(t, addr, buf, len, access);
}

/* MAP_SHARED writes reach the host file on msync, at munmap and at exit. */
static void test_e2e_shared_write_msync(void **state)
{
	(void)state;
	struct fixture fx;
	struct kmm_machine *m = boot_vm("mem=256M quiet", &fx);
	const uint64_t size = 3 * PAGE + 500;
	uint64_t hsize;

	make_file(&fx, size);
	unsigned char *expect = malloc(size);
	for (uint64_t i = 0; i < size; i++)
		expect[i] = pattern_byte(i);
	struct kmm_task *t = kmm_task_spawn(m, "writer");
	assert_non_null(t);
	int fd = kmm_open(t, fx.path, KMM_O_RDWR);
	assert_true(fd >= 0);
	long a = kmm_mmap(t, 0, size, KMM_PROT_READ | KMM_PROT_WRITE, KMM_MAP_SHARED, fd, 0);
	assert_true(a > 0);
	uint64_t addr = (uint64_t)a;

	/* reads see the file */
	unsigned char buf[PAGE];
	assert_int_equal(acc(t, addr + PAGE, buf, PAGE, KMM_ACCESS_READ), 0);
	assert_memory_equal(buf, expect + PAGE, PAGE);
	assert_int_equal(acc(t, addr + 3 * PAGE, buf, PAGE, KMM_ACCESS_READ), 0);
	assert_memory_equal(buf, expect + 3 * PAGE, 500);
	for (unsigned i = 500; i < PAGE; i++)
		assert_int_equal(buf[i], 0);

	/* writes: across a page boundary, and into the partial last page,
	 * past EOF too (never reaches the file) */
	memset(buf, 0x3c, sizeof(buf));
	assert_int_equal(acc(t, addr + PAGE - 10, buf, 30, KMM_ACCESS_WRITE), 0);
	memset(expect + PAGE - 10, 0x3c, 30);
	assert_int_equal(acc(t, addr + 3 * PAGE + 490, buf, 100, KMM_ACCESS_WRITE), 0);
	memset(expect + 3 * PAGE + 490, 0x3c, 10);
	assert_true(nps(m, NR_FILE_DIRTY) >= 3);
	assert_true(nps(m, NR_FILE_MAPPED) >= 3);

	assert_int_equal(kmm_msync(t, addr, size, KMM_MS_SYNC), 0);
	unsigned char *host = slurp(fx.path, &hsize);
	assert_int_equal(hsize, size);
	assert_memory_equal(host, expect, size);
	free(host);
	assert_int_equal(nps(m, NR_FILE_DIRTY), 0);

	/* after writeback the PTEs are clean and read-only: a new store faults
	 * and dirties the page again, and the next msync writes it */
	buf[0] = 0x99;
	assert_int_equal(acc(t, addr + 2 * PAGE + 7, buf, 1, KMM_ACCESS_WRITE), 0);
	expect[2 * PAGE + 7] = 0x99;
	assert_int_equal(nps(m, NR_FILE_DIRTY), 1);
	assert_int_equal(kmm_msync(t, addr, size, KMM_MS_SYNC), 0);
	host = slurp(fx.path, &hsize);
	assert_memory_equal(host, expect, size);
	free(host);

	/* munmap writes what is dirty */
	buf[0] = 0x98;
	assert_int_equal(acc(t, addr + 5, buf, 1, KMM_ACCESS_WRITE), 0);
	expect[5] = 0x98;
	assert_int_equal(kmm_munmap(t, addr, size), 0);
	host = slurp(fx.path, &hsize);
	assert_memory_equal(host, expect, size);
	free(host);

	/* so does exit */
	a = kmm_mmap(t, 0, size, KMM_PROT_READ | KMM_PROT_WRITE, KMM_MAP_SHARED, fd, 0);
	assert_true(a > 0);
	buf[0] = 0x97;
	assert_int_equal(acc(t, (uint64_t)a + 3 * PAGE, buf, 1, KMM_ACCESS_WRITE), 0);
	expect[3 * PAGE] = 0x97;
	kmm_task_exit(t);
	host = slurp(fx.path, &hsize);
	assert_int_equal(hsize, size);
	assert_memory_equal(host, expect, size);
	free(host);
	assert_int_equal(nps(m, NR_FILE_DIRTY), 0);
	assert_int_equal(nps(m, NR_FILE_MAPPED), 0);
	free(expect);
	shutdown_vm(&fx);
}

/* Two tasks mapping one file share its pages. */
static void test_e2e_two_tasks_share(void **state)
{
	(void)state;
	struct fixture fx;
	struct kmm_machine *m = boot_vm("mem=256M quiet", &fx);
	uint64_t hsize;

	make_file(&fx, 4 * PAGE);
	struct kmm_task *t1 = kmm_task_spawn(m, "one"), *t2 = kmm_task_spawn(m, "two");
	assert_non_null(t1);
	assert_non_null(t2);
	int fd1 = kmm_open(t1, fx.path, KMM_O_RDWR), fd2 = kmm_open(t2, fx.path, KMM_O_RDWR);
	assert_true(fd1 >= 0 && fd2 >= 0);
	assert_ptr_equal(task_fd_file(t1, fd1), task_fd_file(t2, fd2));
	long a1 = kmm_mmap(t1, 0, 4 * PAGE, KMM_PROT_READ | KMM_PROT_WRITE, KMM_MAP_SHARED, fd1, 0);
	/* t2 maps the file from its second page */
	long a2 = kmm_mmap(t2, 0, 3 * PAGE, KMM_PROT_READ | KMM_PROT_WRITE, KMM_MAP_SHARED, fd2,
			   PAGE);
	assert_true(a1 > 0 && a2 > 0);

	char msg1[] = "written by one", msg2[] = "and two answers", got[32];
	assert_int_equal(
		acc(t1, (uint64_t)a1 + 2 * PAGE + 100, msg1, sizeof(msg1), KMM_ACCESS_WRITE), 0);
	assert_int_equal(acc(t2, (uint64_t)a2 + PAGE + 100, got, sizeof(msg1), KMM_ACCESS_READ), 0);
	assert_string_equal(got, msg1);
	assert_int_equal(acc(t2, (uint64_t)a2 + 2 * PAGE + 8, msg2, sizeof(msg2), KMM_ACCESS_WRITE),
			 0);
	assert_int_equal(acc(t1, (uint64_t)a1 + 3 * PAGE + 8, got, sizeof(msg2), KMM_ACCESS_READ),
			 0);
	assert_string_equal(got, msg2);

	/* one page, mapped twice: one cache page, mapcount 2 */
	struct kmm_file *f = task_fd_file(t1, fd1);
	struct page *p = get_page_ok(f, 2, NULL);
	assert_int_equal(page_mapcount(p), 2);
	put_user_page(m, p);

	assert_int_equal(kmm_msync(t2, (uint64_t)a2, 3 * PAGE, KMM_MS_SYNC), 0);
	unsigned char *host = slurp(fx.path, &hsize);
	assert_string_equal((char *)host + 2 * PAGE + 100, msg1);
	assert_string_equal((char *)host + 3 * PAGE + 8, msg2);
	free(host);

	kmm_task_exit(t1);
	kmm_task_exit(t2);
	spin_lock(&vm_state(m)->files_lock);
	assert_true(list_empty(&vm_state(m)->files));
	spin_unlock(&vm_state(m)->files_lock);
	shutdown_vm(&fx);
}

/* Truncation: pages past the new end leave the mappings; touching them is SIGBUS. */
static void test_e2e_sigbus_after_truncate(void **state)
{
	(void)state;
	struct fixture fx;
	struct kmm_machine *m = boot_vm("mem=256M quiet", &fx);
	unsigned char buf[64];

	make_file(&fx, 4 * PAGE);
	struct kmm_task *t = kmm_task_spawn(m, "bus");
	assert_non_null(t);
	int fd = kmm_open(t, fx.path, KMM_O_RDWR);
	long a = kmm_mmap(t, 0, 4 * PAGE, KMM_PROT_READ | KMM_PROT_WRITE, KMM_MAP_SHARED, fd, 0);
	assert_true(a > 0);
	uint64_t addr = (uint64_t)a;
	/* every page mapped and dirty */
	memset(buf, 0x61, sizeof(buf));
	for (int i = 0; i < 4; i++)
		assert_int_equal(acc(t, addr + (uint64_t)i * PAGE, buf, 8, KMM_ACCESS_WRITE), 0);

	assert_int_equal(kmm_ftruncate(t, fd, PAGE + 10), 0);
	struct kmm_file *f = task_fd_file(t, fd);
	assert_int_equal(f->mapping.nrpages, 2);
	/* inside the last (partial) page: fine, zeros past EOF */
	assert_int_equal(acc(t, addr + PAGE, buf, 16, KMM_ACCESS_READ), 0);
	for (int i = 0; i < 16; i++)
		assert_int_equal(buf[i],
				 i < 8 ? 0x61 : (i < 10 ? pattern_byte(PAGE + (uint64_t)i) : 0));
	assert_int_equal(kmm_task_signal(t), 0);
	/* a page wholly past EOF */
	assert_int_equal(acc(t, addr + 2 * PAGE + 4, buf, 4, KMM_ACCESS_READ), -KMM_EFAULT);
	assert_int_equal(kmm_task_signal(t), KMM_SIGBUS);
	kmm_task_exit(t);

	uint64_t hsize;
	unsigned char *host = slurp(fx.path, &hsize);
	assert_int_equal(hsize, PAGE + 10);
	assert_int_equal(host[0], 0x61);
	assert_int_equal(host[PAGE + 7], 0x61);
	free(host);
	shutdown_vm(&fx);
}

/* MAP_SHARED|MAP_ANONYMOUS is shmem: shared across fork, counted as Shmem. */
static void test_e2e_shared_anon(void **state)
{
	(void)state;
	struct fixture fx;
	struct kmm_machine *m = boot_vm("mem=256M quiet", &fx);
	long shmem0 = nps(m, NR_SHMEM);

	struct kmm_task *parent = kmm_task_spawn(m, "parent"), *child;
	assert_non_null(parent);
	long a = kmm_mmap(parent, 0, 8 * PAGE, KMM_PROT_READ | KMM_PROT_WRITE,
			  KMM_MAP_SHARED | KMM_MAP_ANONYMOUS, -1, 0);
	assert_true(a > 0);
	uint64_t addr = (uint64_t)a;
	struct vm_area_struct *v = vma_lookup(kmm_task_mm(parent), addr);
	assert_non_null(v);
	assert_non_null(v->vm_file);
	assert_true(v->vm_file->shmem);
	assert_string_equal(v->vm_file->path, "dev/zero");
	assert_int_equal(v->vm_pgoff, 0);
	assert_int_equal(v->vm_file->i_size, 8 * PAGE);

	unsigned char buf[16];
	assert_int_equal(acc(parent, addr + 3 * PAGE, buf, sizeof(buf), KMM_ACCESS_READ), 0);
	for (unsigned i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0);
	assert_int_equal(kmm_task_fork(parent, "child", &child), 0);
	memcpy(buf, "from the child", 15);
	assert_int_equal(acc(child, addr + 5 * PAGE, buf, 15, KMM_ACCESS_WRITE), 0);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(acc(parent, addr + 5 * PAGE, buf, 15, KMM_ACCESS_READ), 0);
	assert_string_equal((char *)buf, "from the child");
	assert_int_equal(nps(m, NR_SHMEM) - shmem0, 2);
	assert_true(meminfo_kb(m, "Shmem:") >= 8);

	kmm_task_exit(child);
	kmm_task_exit(parent);
	assert_int_equal(nps(m, NR_SHMEM), shmem0);
	shutdown_vm(&fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_table),
		cmocka_unit_test(test_read_and_readaround),
		cmocka_unit_test(test_readahead_sequential),
		cmocka_unit_test(test_read_error),
		cmocka_unit_test(test_writeback_bytes),
		cmocka_unit_test(test_writeback_error),
		cmocka_unit_test(test_truncate),
		cmocka_unit_test(test_shmem),
		cmocka_unit_test(test_flusher),
		cmocka_unit_test(test_flusher_not_expired),
		cmocka_unit_test(test_counters_baseline),
		cmocka_unit_test(test_e2e_shared_write_msync),
		cmocka_unit_test(test_e2e_two_tasks_share),
		cmocka_unit_test(test_e2e_sigbus_after_truncate),
		cmocka_unit_test(test_e2e_shared_anon),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
