/* SPDX-License-Identifier: MIT */
/*
 * tests/test_reclaim_swap.c - reclaim with swap, data first:
 *
 * test_pressure_integrity: several tasks write checksummed patterns into
 * anonymous and file memory worth ~3.5x the machine's RAM, with fork,
 * munmap and mprotect mixed in, for more than 10^6 accesses; every read is
 * compared with a model of what each page must hold.  Zero mismatches,
 * pages really went to swap and came back, kswapd ran.  Both reclaim
 * policies.
 *
 * test_pressure_io_errors: the same with swap I/O failing half the time:
 * nothing is lost (a page whose write failed stays dirty in memory).
 */
#include <fcntl.h>
#include <unistd.h>

#include "kmm_test.h"
#include "mm/swapfile.h"
#include "mm/vmscan.h"

#define PG 4096ULL
#define NTASK 4
#define APAGES 9000 /* anonymous pages per task (35 MiB) */
#define FPAGES 4096 /* a 16 MiB shared file */

static uint64_t rs = 0x2545F4914F6CDD1DULL;
static uint64_t rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return rs;
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
	assert_non_null(p);
	return strtoul(p + strlen(key), NULL, 10);
}

/* 8 bytes at each 512-byte slot of a page: (version << 20 | page) and a check word */
static void put_words(struct kmm_task *t, uint64_t addr, uint64_t tag)
{
	uint64_t w[2] = { tag, tag * 0x9E3779B97F4A7C15ULL ^ addr };
	int r = kmm_access(t, addr, w, sizeof(w), KMM_ACCESS_WRITE);
	if (r) {
		static char log[1 << 18];
		size_t n = kmm_log_read(t->machine, log, sizeof(log));
		print_message("write at %#llx: %d, signal %d\n%s\n", (unsigned long long)addr, r,
			      kmm_task_signal(t), n > 3000 ? log + n - 3000 : log);
	}
	assert_int_equal(r, 0);
}

static bool words_ok(struct kmm_task *t, uint64_t addr, uint64_t tag)
{
	uint64_t w[2] = { 1, 1 };
	if (kmm_access(t, addr, w, sizeof(w), KMM_ACCESS_READ))
		return false;
	bool ok = tag == 0 ? (w[0] == 0 && w[1] == 0) :
			     (w[0] == tag && w[1] == (tag * 0x9E3779B97F4A7C15ULL ^ addr));
	if (!ok)
		print_message(
			"mismatch: task %d addr %#llx: expected tag %#llx, found %#llx %#llx\n",
			kmm_task_pid(t), (unsigned long long)addr, (unsigned long long)tag,
			(unsigned long long)w[0], (unsigned long long)w[1]);
	return ok;
}

/* Injected swap I/O failures so far (the knob's log is off: count them) */
static unsigned long swap_io_errors(struct kmm_machine *m)
{
	struct swap_state *ss = swap_state(m);
	return atomic_load(&ss->read_errors) + atomic_load(&ss->write_errors);
}

struct ttask {
	struct kmm_task *t;
	uint64_t base;
	uint32_t *ver; /* per page: 0 never written, else the version */
};

static void pressure(bool lru_gen, bool io_errors)
{
	char swap1[] = "/tmp/kmm-swap1-XXXXXX", swap2[] = "/tmp/kmm-swap2-XXXXXX";
	int fd1 = mkstemp(swap1), fd2 = mkstemp(swap2);
	assert_true(fd1 >= 0 && fd2 >= 0);
	close(fd1);
	close(fd2);
	*kmm_port_tls_slot() = NULL;
	struct kmm_machine *m = test_boot("quiet mem=48M nr_cpus=2", NULL);
	assert_int_equal(kmm_cpu_enter(m, 0), 0);
	if (lru_gen)
		lru_gen_set_enabled(m, true);
	assert_int_equal(kmm_mkswap(swap1, 96ULL << 20), 0);
	assert_int_equal(kmm_mkswap(swap2, 96ULL << 20), 0);
	assert_int_equal(kmm_swapon(m, swap1, 5), 0);
	assert_int_equal(kmm_swapon(m, swap2, 1), 0);
	if (io_errors) {
		assert_int_equal(
			kmm_proc_write(m, "/sys/kernel/debug/fail_swap_io/verbose", "0", 1), 0);
		/* write errors: a page must never be lost (a read error is a
		 * SIGBUS for the task, as Linux - not what this test is about) */
		assert_int_equal(
			kmm_proc_write(m, "/sys/kernel/debug/fail_swap_io/ignore-reads", "1", 1),
			0);
		assert_int_equal(
			kmm_proc_write(m, "/sys/kernel/debug/fail_swap_io/probability", "50", 2),
			0);
		assert_int_equal(kmm_proc_write(m, "/sys/kernel/debug/fail_swap_io/times", "-1", 2),
				 0);
	}
	/* a shared file mapping, written through the MMU and synced */
	char fpath[] = "/tmp/kmm-pressure-XXXXXX";
	int hfd = mkstemp(fpath);
	assert_true(hfd >= 0);
	assert_int_equal(ftruncate(hfd, FPAGES * PG), 0);
	close(hfd);

	struct ttask tt[NTASK];
	memset(tt, 0, sizeof(tt));
	for (int i = 0; i < NTASK; i++) {
		tt[i].t = kmm_task_spawn(m, "presser");
		long a = kmm_mmap(tt[i].t, 0, APAGES * PG, KMM_PROT_READ | KMM_PROT_WRITE,
				  KMM_MAP_PRIVATE | KMM_MAP_ANONYMOUS, -1, 0);
		assert_true(a > 0);
		tt[i].base = (uint64_t)a;
		tt[i].ver = calloc(APAGES, sizeof(uint32_t));
	}
	struct kmm_task *ft = tt[0].t;
	int ffd = kmm_open(ft, fpath, KMM_O_RDWR);
	assert_true(ffd >= 0);
	long fbase = kmm_mmap(ft, 0, FPAGES * PG, KMM_PROT_READ | KMM_PROT_WRITE, KMM_MAP_SHARED,
			      ffd, 0);
	assert_true(fbase > 0);
	uint32_t *fver = calloc(FPAGES, sizeof(uint32_t));

	unsigned long accesses = 0, mismatches = 0, forks = 0;
	uint32_t version = 1;
	while (accesses < 1000000) {
		unsigned r = (unsigned)(rnd() % 1000);
		int ti = (int)(rnd() % NTASK);
		struct ttask *x = &tt[ti];
		if (r < 2 && forks < 12) {
			/* replace another task by a fork of this one (COW of swapped pages) */
			int tj = (ti + 1) % NTASK;
			if (tj == 0)
				continue; /* task 0 keeps the file */
			struct kmm_task *c;
			assert_int_equal(kmm_task_fork(x->t, "presser", &c), 0);
			kmm_task_exit(tt[tj].t);
			tt[tj].t = c;
			tt[tj].base = x->base;
			memcpy(tt[tj].ver, x->ver, APAGES * sizeof(uint32_t));
			forks++;
			continue;
		}
		if (r < 4) {
			/* munmap a run of pages and map it again (zero) */
			unsigned p = (unsigned)(rnd() % (APAGES - 64)),
				 n = 1 + (unsigned)(rnd() % 64);
			assert_int_equal(kmm_munmap(x->t, x->base + p * PG, n * PG), 0);
			assert_int_equal(
				kmm_mmap(x->t, x->base + p * PG, n * PG,
					 KMM_PROT_READ | KMM_PROT_WRITE,
					 KMM_MAP_PRIVATE | KMM_MAP_ANONYMOUS | KMM_MAP_FIXED, -1,
					 0),
				(long)(x->base + p * PG));
			memset(x->ver + p, 0, n * sizeof(uint32_t));
			continue;
		}
		if (r < 6) {
			/* read-only and back: the data stays */
			unsigned p = (unsigned)(rnd() % (APAGES - 64));
			assert_int_equal(
				kmm_mprotect(x->t, x->base + p * PG, 64 * PG, KMM_PROT_READ), 0);
			for (unsigned i = 0; i < 64; i += 16) {
				mismatches += !words_ok(
					x->t, x->base + (p + i) * PG,
					x->ver[p + i] ? ((uint64_t)x->ver[p + i] << 20) | (p + i) :
							0);
				accesses++;
			}
			assert_int_equal(kmm_mprotect(x->t, x->base + p * PG, 64 * PG,
						      KMM_PROT_READ | KMM_PROT_WRITE),
					 0);
			continue;
		}
		if (r < 120) {
			/* the shared file: write or read a page */
			unsigned p = (unsigned)(rnd() % FPAGES);
			uint64_t a = (uint64_t)fbase + p * PG;
			if (rnd() & 1) {
				fver[p] = version++;
				put_words(ft, a, ((uint64_t)fver[p] << 20) | p);
			} else {
				mismatches += !words_ok(
					ft, a, fver[p] ? ((uint64_t)fver[p] << 20) | p : 0);
			}
			accesses++;
			continue;
		}
		/* anonymous memory: a skewed choice of pages (a hot set and a tail) */
		unsigned p =
			(rnd() % 4) ? (unsigned)(rnd() % (APAGES / 8)) : (unsigned)(rnd() % APAGES);
		uint64_t a = x->base + p * PG;
		if (r < 560) {
			x->ver[p] = version++;
			put_words(x->t, a, ((uint64_t)x->ver[p] << 20) | p);
		} else {
			mismatches +=
				!words_ok(x->t, a, x->ver[p] ? ((uint64_t)x->ver[p] << 20) | p : 0);
		}
		accesses++;
	}
	/* a final sweep of everything */
	for (int i = 0; i < NTASK; i++)
		for (unsigned p = 0; p < APAGES; p++)
			mismatches +=
				!words_ok(tt[i].t, tt[i].base + p * PG,
					  tt[i].ver[p] ? ((uint64_t)tt[i].ver[p] << 20) | p : 0);
	assert_int_equal(mismatches, 0);
	assert_int_equal(kmm_msync(ft, (uint64_t)fbase, FPAGES * PG, KMM_MS_SYNC), 0);
	/* the host file holds every version written */
	int rfd = open(fpath, O_RDONLY);
	for (unsigned p = 0; p < FPAGES; p++) {
		uint64_t w[2];
		assert_int_equal(pread(rfd, w, sizeof(w), p * PG), (ssize_t)sizeof(w));
		uint64_t tag = fver[p] ? ((uint64_t)fver[p] << 20) | p : 0;
		assert_true(w[0] == tag);
	}
	close(rfd);
	for (int i = 0; i < NTASK; i++)
		assert_int_equal(kmm_task_signal(tt[i].t), 0);
	assert_true(vmstat(m, "pswpout") > 1000);
	assert_true(vmstat(m, "pswpin") > 1000);
	assert_true(vmstat(m, "pgsteal_kswapd") + vmstat(m, "pgsteal_direct") > 1000);
	assert_int_equal(vmstat(m, "oom_kill"), 0);
	/* everything swapped comes back on swapoff, and the data is still right */
	if (io_errors) {
		assert_true(swap_io_errors(m) > 100);
		assert_int_equal(kmm_proc_write(m, "/sys/kernel/debug/fail_swap_io/times", "0", 1),
				 0);
	}
	for (int i = 1; i < NTASK; i++) {
		kmm_task_exit(tt[i].t);
		free(tt[i].ver);
	}
	assert_int_equal(kmm_swapoff(m, swap2), 0);
	for (unsigned p = 0; p < APAGES; p++)
		mismatches += !words_ok(tt[0].t, tt[0].base + p * PG,
					tt[0].ver[p] ? ((uint64_t)tt[0].ver[p] << 20) | p : 0);
	assert_int_equal(mismatches, 0);
	kmm_task_exit(tt[0].t);
	free(tt[0].ver);
	free(fver);
	assert_int_equal(atomic_load(&m->nr_bad_pages), 0);
	kmm_machine_shutdown(m);
	unlink(swap1);
	unlink(swap2);
	unlink(fpath);
}

static void test_pressure_classic(void **state)
{
	(void)state;
	pressure(false, false);
}

static void test_pressure_lru_gen(void **state)
{
	(void)state;
	pressure(true, false);
}

static void test_pressure_io_errors(void **state)
{
	(void)state;
	pressure(false, true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pressure_classic),
		cmocka_unit_test(test_pressure_lru_gen),
		cmocka_unit_test(test_pressure_io_errors),

	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
