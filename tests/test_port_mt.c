// SPDX-License-Identifier: MIT
/*
 * tests/test_port_mt.c - the POSIX host port with several threads: thread
 * create/join/name, futex wait/wake handshakes, per-thread TLS slots.
 * Labelled "threads", so it also runs under ThreadSanitizer.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "kmm/port.h"

/* Wait (futex) until *word == want; each sleep is bounded so a lost wake-up
 * shows up as slowness, which the tests measure, rather than as a hang. */
static void wait_for(atomic_uint *word, unsigned want)
{
	unsigned v;

	while ((v = atomic_load(word)) != want)
		kmm_port_wait(word, v, 2000000000u); /* 2 s */
}

/* ---- create / join / name -------------------------------------------------------- */

struct named {
	const char *want_name;
	char got_name[32];
	int got_rc;
};

static void *report_name(void *arg)
{
	struct named *n = arg;

	n->got_rc = pthread_getname_np(pthread_self(), n->got_name, sizeof(n->got_name));
	return (void *)((uintptr_t)n + 1);
}

static void test_thread_create_join_name(void **state)
{
	struct named a = { .want_name = "kswapd0" };
	struct named b = { .want_name = "a-very-long-thread-name-indeed" };
	struct kmm_port_thread *ta = NULL, *tb = NULL;
	char inherited[32];
	void *ret = NULL;

	(void)state;
	assert_int_equal(pthread_getname_np(pthread_self(), inherited, sizeof(inherited)), 0);
	assert_int_equal(kmm_port_thread_create(&ta, report_name, &a, a.want_name), 0);
	assert_int_equal(kmm_port_thread_create(&tb, report_name, &b, b.want_name), 0);
	assert_non_null(ta);
	assert_non_null(tb);
	assert_int_equal(kmm_port_thread_join(ta, &ret), 0);
	assert_ptr_equal(ret, (void *)((uintptr_t)&a + 1));
	assert_int_equal(kmm_port_thread_join(tb, NULL), 0);

	/*
	 * The name is set by the creator right after pthread_create(), so the
	 * thread may read it before or after; it is either the inherited name
	 * or the new one (truncated to 15 characters).
	 */
	assert_int_equal(a.got_rc, 0);
	assert_int_equal(b.got_rc, 0);
	if (strcmp(a.got_name, "kswapd0") != 0)
		assert_string_equal(a.got_name, inherited);
	if (strcmp(b.got_name, "a-very-long-thr") != 0)
		assert_string_equal(b.got_name, inherited);

	assert_int_equal(kmm_port_thread_create(NULL, report_name, &a, "x"), -KMM_EINVAL);
	assert_int_equal(kmm_port_thread_create(&ta, NULL, &a, "x"), -KMM_EINVAL);
}

/* A thread whose name is seen after creation: wait until main has named it. */
struct gated_name {
	atomic_uint gate;
	char name[32];
};

static void *read_name_after_gate(void *arg)
{
	struct gated_name *g = arg;

	wait_for(&g->gate, 1);
	pthread_getname_np(pthread_self(), g->name, sizeof(g->name));
	return NULL;
}

static void test_thread_name_applied(void **state)
{
	struct gated_name g = { .gate = 0 };
	struct kmm_port_thread *t;

	(void)state;
	assert_int_equal(kmm_port_thread_create(&t, read_name_after_gate, &g, "kmm-reclaim-worker"),
			 0);
	atomic_store(&g.gate, 1);
	kmm_port_wake(&g.gate, 1);
	assert_int_equal(kmm_port_thread_join(t, NULL), 0);
	assert_string_equal(g.name, "kmm-reclaim-wor"); /* TASK_COMM_LEN - 1 */
}

/* ---- futex ping-pong -------------------------------------------------------------- */

#define ROUNDS 2000

struct pingpong {
	atomic_uint turn;    /* odd: the worker's turn, even: main's */
	unsigned long plain; /* handed back and forth, never touched concurrently */
	void *worker_slot;
};

static void *pong(void *arg)
{
	struct pingpong *pp = arg;

	for (unsigned r = 0; r < ROUNDS; r++) {
		wait_for(&pp->turn, 2 * r + 1);
		pp->plain = pp->plain * 3 + 1;
		atomic_store(&pp->turn, 2 * r + 2);
		kmm_port_wake(&pp->turn, 1);
	}
	return NULL;
}

static void test_futex_pingpong(void **state)
{
	struct pingpong pp = { .turn = 0, .plain = 1 };
	unsigned long expect = 1;
	struct kmm_port_thread *t;
	uint64_t t0, elapsed;

	(void)state;
	t0 = kmm_port_time_ns();
	assert_int_equal(kmm_port_thread_create(&t, pong, &pp, "pong"), 0);
	for (unsigned r = 0; r < ROUNDS; r++) {
		pp.plain = pp.plain * 2;
		expect = (expect * 2) * 3 + 1;
		atomic_store(&pp.turn, 2 * r + 1);
		kmm_port_wake(&pp.turn, 1);
		wait_for(&pp.turn, 2 * r + 2);
		assert_true(pp.plain == expect);
	}
	assert_int_equal(kmm_port_thread_join(t, NULL), 0);
	elapsed = kmm_port_time_ns() - t0;
	/* 4000 hand-offs; a lost wake-up costs a 2 s timeout. */
	assert_true(elapsed < 2000000000u);
	assert_int_equal(atomic_load(&pp.turn), 2 * ROUNDS);
}

/* ---- wake all --------------------------------------------------------------------- */

#define WAITERS 4

struct gate {
	atomic_uint open;
	atomic_uint waiting;
	atomic_uint woke;
};

static void *gate_waiter(void *arg)
{
	struct gate *g = arg;

	atomic_fetch_add(&g->waiting, 1);
	/* Long sleeps: a lost wake-up shows as a 5 s delay, which is measured. */
	while (atomic_load(&g->open) == 0)
		kmm_port_wait(&g->open, 0, 5000000000u);
	atomic_fetch_add(&g->woke, 1);
	return NULL;
}

static void test_futex_wake_all(void **state)
{
	struct gate g = { .open = 0, .waiting = 0, .woke = 0 };
	struct kmm_port_thread *t[WAITERS];
	uint64_t t0;

	(void)state;
	for (int i = 0; i < WAITERS; i++)
		assert_int_equal(kmm_port_thread_create(&t[i], gate_waiter, &g, "waiter"), 0);
	while (atomic_load(&g.waiting) < WAITERS)
		kmm_port_yield();
	/* Give them time to go to sleep; none may pass the closed gate. */
	for (int i = 0; i < 20; i++) {
		struct timespec ts = { 0, 1000000 };

		nanosleep(&ts, NULL);
		assert_int_equal(atomic_load(&g.woke), 0);
	}
	t0 = kmm_port_time_ns();
	atomic_store(&g.open, 1);
	kmm_port_wake(&g.open, INT32_MAX);
	for (int i = 0; i < WAITERS; i++)
		assert_int_equal(kmm_port_thread_join(t[i], NULL), 0);
	assert_true(kmm_port_time_ns() - t0 < 3000000000u);
	assert_int_equal(atomic_load(&g.woke), WAITERS);
}

/* A timed wait with nobody waking returns after about the timeout. */
static void *timed_waiter(void *arg)
{
	atomic_uint word = 0;
	uint64_t t0 = kmm_port_time_ns();

	kmm_port_wait(&word, 0, 30000000u); /* 30 ms */
	*(uint64_t *)arg = kmm_port_time_ns() - t0;
	return NULL;
}

static void test_futex_timeout_in_thread(void **state)
{
	uint64_t elapsed = 0;
	struct kmm_port_thread *t;

	(void)state;
	assert_int_equal(kmm_port_thread_create(&t, timed_waiter, &elapsed, "timed"), 0);
	assert_int_equal(kmm_port_thread_join(t, NULL), 0);
	assert_true(elapsed >= 20000000u);
	assert_true(elapsed < 10000000000u);
}

/* ---- TLS slot ------------------------------------------------------------------------ */

#define TLS_THREADS 6

struct tls_probe {
	atomic_uint *arrived;
	atomic_uint *release;
	void **slot_addr;
	void *initial;
	void *seen;
	int id;
};

static void *tls_worker(void *arg)
{
	struct tls_probe *p = arg;
	void **slot = kmm_port_tls_slot();

	p->initial = *slot;
	p->slot_addr = slot;
	*slot = p; /* each thread stores its own pointer */
	atomic_fetch_add(p->arrived, 1);
	kmm_port_wake(p->arrived, INT32_MAX);
	/* Hold every thread alive at once so the slots coexist. */
	wait_for(p->release, 1);
	p->seen = *kmm_port_tls_slot();
	return NULL;
}

static void test_tls_slot_per_thread(void **state)
{
	atomic_uint arrived = 0, release = 0;
	struct tls_probe probes[TLS_THREADS];
	struct kmm_port_thread *t[TLS_THREADS];
	void **main_slot = kmm_port_tls_slot();
	int sentinel;
	unsigned v;

	(void)state;
	*main_slot = &sentinel;
	for (int i = 0; i < TLS_THREADS; i++) {
		probes[i] = (struct tls_probe){ .arrived = &arrived, .release = &release, .id = i };
		assert_int_equal(kmm_port_thread_create(&t[i], tls_worker, &probes[i], "tls"), 0);
	}
	while ((v = atomic_load(&arrived)) < TLS_THREADS)
		kmm_port_wait(&arrived, v, 100000000u);
	atomic_store(&release, 1);
	kmm_port_wake(&release, INT32_MAX);
	for (int i = 0; i < TLS_THREADS; i++)
		assert_int_equal(kmm_port_thread_join(t[i], NULL), 0);

	for (int i = 0; i < TLS_THREADS; i++) {
		assert_null(probes[i].initial);		      /* a new thread's slot starts empty */
		assert_ptr_equal(probes[i].seen, &probes[i]); /* nobody else wrote it */
		assert_ptr_not_equal(probes[i].slot_addr, main_slot);
		for (int j = 0; j < i; j++)
			assert_ptr_not_equal(probes[i].slot_addr, probes[j].slot_addr);
	}
	assert_ptr_equal(*kmm_port_tls_slot(), &sentinel); /* main's slot untouched */
	*main_slot = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_thread_create_join_name),
		cmocka_unit_test(test_thread_name_applied),
		cmocka_unit_test(test_futex_pingpong),
		cmocka_unit_test(test_futex_wake_all),
		cmocka_unit_test(test_futex_timeout_in_thread),
		cmocka_unit_test(test_tls_slot_per_thread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
