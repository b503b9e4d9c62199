/* SPDX-License-Identifier: MIT */
/*
 * src/kernel/rwsem.c - the reader/writer semaphore behind mmap_lock,
 * i_mmap_rwsem and anon_vma locks (kernel/locking/rwsem.c).
 *
 * One atomic count: > 0 readers, -1 a writer, 0 free.  A waiting writer
 * raises writer_waiting so that new readers queue behind it.  Waiters spin
 * a little, then sleep on the host (kmm_port_wait on the release sequence),
 * since holders may do I/O (file reads in faults) and may be descheduled.
 */
#include "mm/vma.h"

void kmm_rwsem_init(kmm_rwsem_t *s)
{
	atomic_init(&s->count, 0);
	atomic_init(&s->seq, 0);
	atomic_init(&s->writer_waiting, 0);
	atomic_init(&s->sleepers, 0);
}

static void rwsem_wait(kmm_rwsem_t *s, unsigned seq, unsigned *spins)
{
	if (++*spins < 64) {
		kmm_port_cpu_relax();
		return;
	}
	/*
	 * Announce the sleep before it: a release bumps seq, then looks for
	 * sleepers (both sequentially consistent), so either it sees us and
	 * wakes us, or the host's wait sees the new seq and returns at once.
	 */
	atomic_fetch_add(&s->sleepers, 1);
	kmm_port_wait(&s->seq, seq, 1000000);
	atomic_fetch_sub_explicit(&s->sleepers, 1, memory_order_relaxed);
}

static void rwsem_release(kmm_rwsem_t *s)
{
	atomic_fetch_add(&s->seq, 1);
	/* no host call (a futex wake is a system call) when nobody sleeps */
	if (atomic_load(&s->sleepers))
		kmm_port_wake(&s->seq, INT32_MAX);
}

bool down_read_trylock(kmm_rwsem_t *s)
{
	int c = atomic_load_explicit(&s->count, memory_order_relaxed);
	while (c >= 0 && !atomic_load_explicit(&s->writer_waiting, memory_order_relaxed)) {
		if (atomic_compare_exchange_weak_explicit(
			    &s->count, &c, c + 1, memory_order_acquire, memory_order_relaxed))
			return true;
	}
	return false;
}

void down_read(kmm_rwsem_t *s)
{
	unsigned spins = 0;
	for (;;) {
		unsigned seq = atomic_load_explicit(&s->seq, memory_order_acquire);
		if (down_read_trylock(s))
			return;
		rwsem_wait(s, seq, &spins);
	}
}

void up_read(kmm_rwsem_t *s)
{
	if (atomic_fetch_sub_explicit(&s->count, 1, memory_order_release) == 1)
		rwsem_release(s);
}

bool down_write_trylock(kmm_rwsem_t *s)
{
	int c = 0;
	return atomic_compare_exchange_strong_explicit(&s->count, &c, -1, memory_order_acquire,
						       memory_order_relaxed);
}

void down_write(kmm_rwsem_t *s)
{
	unsigned spins = 0;
	if (down_write_trylock(s))
		return;
	atomic_fetch_add_explicit(&s->writer_waiting, 1, memory_order_relaxed);
	for (;;) {
		unsigned seq = atomic_load_explicit(&s->seq, memory_order_acquire);
		if (down_write_trylock(s))
			break;
		rwsem_wait(s, seq, &spins);
	}
	atomic_fetch_sub_explicit(&s->writer_waiting, 1, memory_order_relaxed);
}

void up_write(kmm_rwsem_t *s)
{
	atomic_store_explicit(&s->count, 0, memory_order_release);
	rwsem_release(s);
}

void downgrade_write(kmm_rwsem_t *s)
{
	atomic_store_explicit(&s->count, 1, memory_order_release);
	rwsem_release(s);
}
