/* SPDX-License-Identifier: MIT */
/*
 * tests/test_filemap_mt.c - the page cache under concurrency (TSan): CPUs
 * faulting, dirtying and writing back one file while the flusher runs
 * constantly, and CPUs faulting while another truncates and extends the
 * file.  Data written under the page lock (as a write fault does) is never
 * lost, counters end balanced, no page is reported bad.
 */
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kmm_test.h"
#include "mm/vma.h"

#define PAGE 4096UL
#define NR_PAGES 64
#define NR_WRITERS 3
#define ITERS 3000

struct shared {
	struct kmm_machine *m;
	struct kmm_file *f;
	atomic_int stop;
};

struct worker {
	struct shared *s;
	int id;
	uint64_t last[NR_PAGES]; /* the stamp this worker last stored in each page */
	unsigned long enxio, faults;
	pthread_t th;
};

static uint64_t rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static char tmp_path[64];

static void make_file(uint64_t size)
{
	strcpy(tmp_path, "/tmp/kmm-filemap-mt-XXXXXX");
	int fd = mkstemp(tmp_path);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	close(fd);
}

/* The last reference may be the flusher's (it holds the files it writes):
 * wait until the file object is released. */
static void wait_files_released(struct kmm_machine *m)
{
	for (int i = 0; i < 60000; i++) {
		spin_lock(&vm_state(m)->files_lock);
		bool empty = list_empty(&vm_state(m)->files);
		spin_unlock(&vm_state(m)->files_lock);
		if (empty)
			return;
		usleep(1000);
	}
	fail_msg("file object never released");
}

static long nps(struct kmm_machine *m, enum node_stat_item item)
{
	refresh_cpu_vm_stats(m);
	return global_node_page_state(m, item);
}

/*
 * A counter's value once the flusher is out of its round: the deltas of a
 * CPU slot it has borrowed are folded only when it gives the slot back.
 */
static long nps_settled(struct kmm_machine *m, enum node_stat_item item, long expect)
{
	long v = nps(m, item);
	for (int i = 0; i < 60000 && v != expect; i++) {
		usleep(1000);
		v = nps(m, item);
	}
	return v;
}

/* ---- writers and the flusher -------------------------------------------------------- */

static void *writer_main(void *arg)
{
	struct worker *w = arg;
	struct kmm_machine *m = w->s->m;
	struct kmm_file *f = w->s->f;
	uint64_t x = 0x9e3779b97f4a7c15ULL * (uint64_t)(w->id + 1);

	if (kmm_cpu_enter(m, w->id) < 0)
		return (void *)1;
	for (unsigned long it = 1; it <= ITERS; it++) {
		unsigned long idx = rnd(&x) % NR_PAGES;
		bool major;
		int err;
		struct page *p = filemap_fault_get_page(f, idx, &major, &err);

		if (!p)
			return (void *)2;
		lock_page(p);
		uint64_t *slot = (uint64_t *)((char *)kmm_page_address(m, p) + w->id * 16);
		if (*slot != w->last[idx]) {
			unlock_page(p);
			put_user_page(m, p);
			return (void *)3; /* a store was lost */
		}
		*slot = ((uint64_t)w->id << 56) | it;
		w->last[idx] = *slot;
		set_page_dirty(p);
		unlock_page(p);
		put_user_page(m, p);
		if (it % 97 == 0) {
			uint64_t a = (rnd(&x) % NR_PAGES) * PAGE;
			if (filemap_write_and_wait_range(f, a, a + 8 * PAGE))
				return (void *)4;
		}
		if (it % 500 == 0)
			wb_writeback_expired(m, true);
	}
	kmm_cpu_leave(m);
	return NULL;
}

static void test_writers_and_flusher(void **state)
{
	(void)state;
	struct kmm_machine *m = test_boot("mem=256M quiet nr_cpus=4 numa=fake=2 "
					  "sysctl.vm.dirty_writeback_centisecs=1 "
					  "sysctl.vm.dirty_expire_centisecs=0",
					  NULL);
	struct shared s = { .m = m };
	struct worker w[NR_WRITERS];

	make_file(NR_PAGES * PAGE);
	long files0 = nps(m, NR_FILE_PAGES), dirty0 = nps(m, NR_FILE_DIRTY);
	assert_int_equal(kmm_file_get(m, tmp_path, KMM_O_RDWR, &s.f), 0);
	memset(w, 0, sizeof(w));
	for (int i = 0; i < NR_WRITERS; i++) {
		w[i].s = &s;
		w[i].id = i;
		assert_int_equal(pthread_create(&w[i].th, NULL, writer_main, &w[i]), 0);
	}
	for (int i = 0; i < NR_WRITERS; i++) {
		void *ret;
		pthread_join(w[i].th, &ret);
		if (ret)
			fail_msg("writer %d failed: %ld", i, (long)(intptr_t)ret);
	}

	assert_int_equal(kmm_cpu_enter(m, 0), 0);
	assert_int_equal(filemap_write_and_wait_range(s.f, 0, UINT64_MAX), 0);
	assert_int_equal(nps_settled(m, NR_FILE_DIRTY, dirty0), dirty0);
	assert_int_equal(nps_settled(m, NR_WRITEBACK, 0), 0);
	/* the host file holds every writer's last stamp of every page */
	int fd = open(tmp_path, O_RDONLY);
	assert_true(fd >= 0);
	for (int pg = 0; pg < NR_PAGES; pg++) {
		for (int i = 0; i < NR_WRITERS; i++) {
			uint64_t v;
			assert_int_equal(
				pread(fd, &v, sizeof(v), (off_t)(pg * PAGE + (unsigned)i * 16)),
				(ssize_t)sizeof(v));
			assert_int_equal(v, w[i].last[pg]);
		}
	}
	close(fd);
	kmm_file_put(s.f);
	wait_files_released(m);
	assert_int_equal(nps_settled(m, NR_FILE_PAGES, files0), files0);
	assert_int_equal(atomic_load(&m->nr_bad_pages), 0);
	kmm_cpu_leave(m);
	kmm_machine_shutdown(m);
	unlink(tmp_path);
}

/* ---- faults racing with truncation ------------------------------------------------------ */

static void *faulter_main(void *arg)
{
	struct worker *w = arg;
	struct kmm_machine *m = w->s->m;
	struct kmm_file *f = w->s->f;
	uint64_t x = 0x51ed2701a3c4e5f7ULL * (uint64_t)(w->id + 3);

	if (kmm_cpu_enter(m, w->id) < 0)
		return (void *)1;
	while (!atomic_load(&w->s->stop)) {
		unsigned long idx = rnd(&x) % NR_PAGES;
		bool major;
		int err;
		struct page *p = filemap_fault_get_page(f, idx, &major, &err);

		w->faults++;
		if (!p) {
			if (err != -KMM_ENXIO)
				return (void *)2;
			w->enxio++;
			continue;
		}
		if (!PageUptodate(p) || p->index != idx)
			return (void *)3;
		lock_page(p);
		if (p->mapping == &f->mapping) {
			((char *)kmm_page_address(m, p))[w->id] = (char)idx;
			set_page_dirty(p);
		}
		unlock_page(p);
		put_user_page(m, p);
	}
	kmm_cpu_leave(m);
	return NULL;
}

static void test_faults_and_truncate(void **state)
{
	(void)state;
	struct kmm_machine *m = test_boot("mem=256M quiet nr_cpus=4 "
					  "sysctl.vm.dirty_writeback_centisecs=1 "
					  "sysctl.vm.dirty_expire_centisecs=0",
					  NULL);
	struct shared s = { .m = m };
	struct worker w[3];
	uint64_t x = 12345;

	make_file(NR_PAGES * PAGE);
	long files0 = nps(m, NR_FILE_PAGES), dirty0 = nps(m, NR_FILE_DIRTY);
	assert_int_equal(kmm_file_get(m, tmp_path, KMM_O_RDWR, &s.f), 0);
	memset(w, 0, sizeof(w));
	for (int i = 0; i < 3; i++) {
		w[i].s = &s;
		w[i].id = i;
		assert_int_equal(pthread_create(&w[i].th, NULL, faulter_main, &w[i]), 0);
	}
	assert_int_equal(kmm_cpu_enter(m, 3), 3);
	for (int round = 0; round < 300; round++) {
		uint64_t size = (rnd(&x) % (NR_PAGES * PAGE + 1));
		assert_int_equal(kmm_file_truncate(s.f, size), 0);
		if (round % 3 == 0)
			assert_int_equal(kmm_file_truncate(s.f, NR_PAGES * PAGE), 0);
		usleep(200);
	}
	atomic_store(&s.stop, 1);
	for (int i = 0; i < 3; i++) {
		void *ret;
		pthread_join(w[i].th, &ret);
		if (ret)
			fail_msg("faulter %d failed: %ld", i, (long)(intptr_t)ret);
	}
	kmm_file_put(s.f);
	wait_files_released(m);
	assert_int_equal(nps_settled(m, NR_FILE_PAGES, files0), files0);
	assert_int_equal(nps_settled(m, NR_FILE_DIRTY, dirty0), dirty0);
	assert_int_equal(nps_settled(m, NR_WRITEBACK, 0), 0);
	assert_int_equal(atomic_load(&m->nr_bad_pages), 0);
	kmm_cpu_leave(m);
	kmm_machine_shutdown(m);
	unlink(tmp_path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_writers_and_flusher),
		cmocka_unit_test(test_faults_and_truncate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
