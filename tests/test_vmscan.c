/* SPDX-License-Identifier: MIT */
/*
 * tests/test_vmscan.c - reclaim without swap: clean file pages are
 * reclaimed so a task can read a file several times larger than RAM (every
 * byte checked), with both policies (classic and lru_gen); drop_caches
 * empties the page cache; the OOM killer picks the expected victim
 * (largest, oom_score_adj honoured), reports it in the kernel's words, and
 * the machine recovers the memory.
 */
#include <fcntl.h>
#include <unistd.h>

#include "kmm_test.h"
#include "mm/vmscan.h"

#define PG 4096ULL

static struct logcap cap;

static struct kmm_machine *boot(const char *extra)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "mem=64M nr_cpus=3 %s", extra ? extra : "");
	*kmm_port_tls_slot() = NULL;
	struct kmm_machine *m = test_boot(cmd, &cap);
	assert_int_equal(kmm_cpu_enter(m, 0), 0);
	return m;
}

static unsigned long vmstat(struct kmm_machine *m, const char *name)
{
	char buf[1 << 15];
	long n = kmm_proc_read(m, "/proc/vmstat", buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = 0;
	char key[64];
	snprintf(key, sizeof(key), "\n%s ", name);
	char *p = strstr(buf, key);
	if (!p && !strncmp(buf, name, strlen(name)))
		p = buf - 1;
	assert_non_null(p);
	return strtoul(p + strlen(key), NULL, 10);
}

static unsigned char fpat(uint64_t off)
{
	return (unsigned char)((off * 2654435761ULL >> 13) ^ (off >> 12));
}

static char *make_file(uint64_t size)
{
	static char path[64];
	snprintf(path, sizeof(path), "/tmp/kmm-vmscan-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	unsigned char *b = malloc(1 << 20);
	for (uint64_t off = 0; off < size; off += 1 << 20) {
		for (unsigned i = 0; i < 1 << 20; i++)
			b[i] = fpat(off + i);
		assert_int_equal(write(fd, b, 1 << 20), 1 << 20);
	}
	free(b);
	close(fd);
	return path;
}

static void read_file_through_mmu(struct kmm_machine *m, bool lru_gen)
{
	if (lru_gen)
		lru_gen_set_enabled(m, true);
	uint64_t size = 160ULL << 20; /* 2.5x RAM */
	char *path = make_file(size);
	struct kmm_task *t = kmm_task_spawn(m, "reader");
	int fd = kmm_open(t, path, KMM_O_RDONLY);
	assert_true(fd >= 0);
	long a = kmm_mmap(t, 0, size, KMM_PROT_READ, KMM_MAP_PRIVATE, fd, 0);
	assert_true(a > 0);
	unsigned char buf[512];
	for (int pass = 0; pass < 2; pass++)
		for (uint64_t off = 0; off < size; off += PG) {
			uint64_t o = off + (off / PG % 7) * 512;
			assert_int_equal(
				kmm_access(t, (uint64_t)a + o, buf, sizeof(buf), KMM_ACCESS_READ),
				0);
			for (unsigned i = 0; i < sizeof(buf); i++)
				if (buf[i] != fpat(o + i))
					fail_msg("file byte %llu: %02x != %02x",
						 (unsigned long long)(o + i), buf[i], fpat(o + i));
		}
	assert_int_equal(kmm_task_signal(t), 0);
	assert_true(vmstat(m, "pgsteal_kswapd") + vmstat(m, "pgsteal_direct") > 10000);
	assert_true(vmstat(m, "pgmajfault") > 0);
	assert_int_equal(vmstat(m, "oom_kill"), 0);
	kmm_task_exit(t);
	unlink(path);
}

static void test_file_reclaim_classic(void **state)
{
	(void)state;
	struct kmm_machine *m = boot(NULL);
	read_file_through_mmu(m, false);
	assert_int_equal(atomic_load(&m->nr_bad_pages), 0);
	kmm_machine_shutdown(m);
}

static void test_file_reclaim_lru_gen(void **state)
{
	(void)state;
	struct kmm_machine *m = boot(NULL);
	read_file_through_mmu(m, true);
	assert_int_equal(atomic_load(&m->nr_bad_pages), 0);
	kmm_machine_shutdown(m);
}

static void test_drop_caches(void **state)
{
	(void)state;
	struct kmm_machine *m = boot(NULL);
	char *path = make_file(8ULL << 20);
	struct kmm_task *t = kmm_task_spawn(m, "cat");
	int fd = kmm_open(t, path, KMM_O_RDONLY);
	long a = kmm_mmap(t, 0, 8ULL << 20, KMM_PROT_READ, KMM_MAP_PRIVATE, fd, 0);
	unsigned char c;
	for (uint64_t off = 0; off < (8ULL << 20); off += PG)
		assert_int_equal(kmm_access(t, (uint64_t)a + off, &c, 1, KMM_ACCESS_READ), 0);
	assert_int_equal(kmm_munmap(t, (uint64_t)a, 8ULL << 20), 0);
	long cached = global_node_page_state_snapshot(m, NR_FILE_PAGES);
	assert_true(cached >= 2048);
	assert_int_equal(kmm_proc_write(m, "/proc/sys/vm/drop_caches", "1\n", 2), 0);
	assert_true(global_node_page_state_snapshot(m, NR_FILE_PAGES) < cached - 2000);
	assert_true(vmstat(m, "drop_pagecache") == 1);
	assert_int_equal(kmm_proc_write(m, "/proc/sys/vm/drop_caches", "3\n", 2), 0);
	assert_true(vmstat(m, "drop_slab") == 1);
	kmm_task_exit(t);
	unlink(path);
	kmm_machine_shutdown(m);
}

/* Touch anonymous memory until the task dies or @pages are written. */
static long hog(struct kmm_task *t, unsigned long pages)
{
	long a = kmm_mmap(t, 0, pages * PG, KMM_PROT_READ | KMM_PROT_WRITE,
			  KMM_MAP_PRIVATE | KMM_MAP_ANONYMOUS | KMM_MAP_NORESERVE, -1, 0);
	assert_true(a > 0);
	for (unsigned long i = 0; i < pages; i++) {
		unsigned long v = i;
		int r = kmm_access(t, (uint64_t)a + i * PG, &v, sizeof(v), KMM_ACCESS_WRITE);
		if (r)
			return r;
	}
	return a;
}

static void test_oom_kill(void **state)
{
	(void)state;
	struct kmm_machine *m = boot(NULL);
	struct kmm_task *small = kmm_task_spawn(m, "small");
	assert_true(hog(small, 1000) > 0); /* 4 MiB */
	struct kmm_task *big = kmm_task_spawn(m, "hog");
	logcap_clear(&cap);
	long r = hog(big, 40000); /* 160 MiB on a 64 MiB machine, no swap */
	assert_true(r < 0);
	assert_int_equal(kmm_task_signal(big), KMM_SIGKILL);
	assert_int_equal(kmm_task_signal(small), 0);
	char want[128];
	snprintf(want, sizeof(want),
		 "Out of memory: Killed process %d (hog) total-vm:", kmm_task_pid(big));
	assert_true(logcap_has(&cap, want));
	assert_true(logcap_has(&cap, "invoked oom-killer: gfp_mask="));
	assert_true(logcap_has(&cap, "[  pid  ]   uid  tgid total_vm      rss"));
	assert_true(vmstat(m, "oom_kill") >= 1);
	/* the victim's memory is back (but the page its interrupted fault
	 * mapped after the reaper ran): the small task can grow again */
	assert_true(get_mm_counter(big->mm, MM_ANONPAGES) <= 1);
	kmm_task_exit(big);
	struct kmm_task *again = kmm_task_spawn(m, "again");
	assert_true(hog(again, 4000) > 0);
	assert_int_equal(kmm_task_signal(small), 0);
	kmm_task_exit(again);
	kmm_task_exit(small);
	assert_int_equal(atomic_load(&m->nr_bad_pages), 0);
	kmm_machine_shutdown(m);
}

static void test_oom_score_adj(void **state)
{
	(void)state;
	struct kmm_machine *m = boot(NULL);
	struct kmm_task *bg = kmm_task_spawn(m, "background");
	assert_true(hog(bg, 2000) > 0);
	/* the background task is marked expendable: it goes, not the grower */
	bg->oom_score_adj = 1000;
	struct kmm_task *grow = kmm_task_spawn(m, "grower");
	grow->oom_score_adj = -1000;
	long r = hog(grow, 40000);
	/* once the background task is gone nothing else is killable: the
	 * grower gets ENOMEM instead of being killed */
	assert_int_equal(kmm_task_signal(bg), KMM_SIGKILL);
	assert_int_equal(kmm_task_signal(grow), 0);
	assert_int_equal(r, -KMM_ENOMEM);
	kmm_task_exit(bg);
	kmm_task_exit(grow);
	kmm_machine_shutdown(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_oom_score_adj),
		cmocka_unit_test(test_file_reclaim_classic),
		cmocka_unit_test(test_file_reclaim_lru_gen),
		cmocka_unit_test(test_drop_caches),
		cmocka_unit_test(test_oom_kill),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
