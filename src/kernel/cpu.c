/* SPDX-License-Identifier: MIT */
/*
 * src/kernel/cpu.c - CPU slots of a machine and the spinlock slow path.
 *
 * A slot is owned by at most one host thread at a time (atomic owner
 * token), so per-CPU data needs no lock against other local users, as with
 * preemption disabled in the kernel.  A bound thread (kmm_cpu_enter) keeps
 * its slot; an unbound caller borrows a free one for the duration of one
 * API call (kmm_get_cpu/kmm_put_cpu in src/internal.h).  Lock order: a
 * thread holding a slot may take any lock; slot acquisition never happens
 * while holding a spinlock.
 */
#include "internal.h"

static uintptr_t thread_token(void)
{
	/* the address of the thread's TLS slot is unique per live thread */
	return (uintptr_t)kmm_port_tls_slot();
}

void __spin_lock_slow(kmm_spinlock_t *l)
{
	unsigned spins = 0;
	for (;;) {
		while (atomic_load_explicit(&l->locked, memory_order_relaxed)) {
			if (++spins < 128)
				kmm_port_cpu_relax();
			else
				kmm_port_yield();
		}
		if (!atomic_exchange_explicit(&l->locked, 1, memory_order_acquire))
			return;
	}
}

static bool try_claim(struct kmm_cpu *c, uintptr_t tok)
{
	uintptr_t expected = 0;
	return atomic_compare_exchange_strong_explicit(&c->owner, &expected, tok,
						       memory_order_acquire, memory_order_relaxed);
}

bool kmm_cpu_try_claim(struct kmm_cpu *c)
{
	return try_claim(c, thread_token());
}

void kmm_cpu_release(struct kmm_cpu *c)
{
	atomic_store_explicit(&c->owner, 0, memory_order_release);
}

/*
 * Run the work other CPUs posted, then re-arm the fast path if the slot is
 * bound.  Posting is "set pending, then clear fast"; re-arming is "set
 * fast, then re-check pending", both sequentially consistent, so a post
 * is never left with the fast path armed.
 */
void kmm_cpu_do_pending(struct kmm_machine *m, struct kmm_cpu *c)
{
	for (;;) {
		unsigned work = atomic_exchange(&c->pending, 0);
		if (work & KMM_CPU_DRAIN_PCP)
			kmm_drain_local_pages(m, c->id);
		if ((work & KMM_CPU_FLUSH_SLAB) && c->slab_busy) {
			/* nested inside the slab code: not now, at the next entry */
			atomic_fetch_or(&c->pending, KMM_CPU_FLUSH_SLAB);
			return; /* the fast path stays off until it is done */
		}
		if (work & KMM_CPU_FLUSH_SLAB)
			slab_flush_cpu(m, c, NULL);
		if (c->borrow_depth || *kmm_port_tls_slot() != c)
			return; /* borrowed: the fast path stays off */
		atomic_store(&c->fast, m);
		if (!atomic_load(&c->pending))
			return;
		atomic_store(&c->fast, NULL);
	}
}

void kmm_cpu_post_work(struct kmm_cpu *c, unsigned work)
{
	atomic_fetch_or(&c->pending, work);
	atomic_store(&c->fast, NULL);
}

/* The last put of a borrowed slot: restore the caller's binding, release. */
void __kmm_put_cpu_slow(struct kmm_cpu *c)
{
	*kmm_port_tls_slot() = c->borrow_prev;
	c->borrow_prev = NULL;
	atomic_store_explicit(&c->owner, 0, memory_order_release);
}

struct kmm_cpu *__kmm_get_cpu_slow(struct kmm_machine *m)
{
	struct kmm_cpu *c = (struct kmm_cpu *)*kmm_port_tls_slot();
	if (c && c->machine == m) {
		/* ours already: a nested borrow, or work is pending */
		if (c->borrow_depth)
			c->borrow_depth++;
		if (atomic_load(&c->pending) || !c->borrow_depth)
			kmm_cpu_do_pending(m, c);
		return c;
	}
	uintptr_t tok = thread_token();
	unsigned start = kmm_port_cpu_hint() % (unsigned)m->nr_cpu_ids;
	for (unsigned spins = 0;; spins++) {
		for (int i = 0; i < m->nr_cpu_ids; i++) {
			c = &m->cpus[(start + (unsigned)i) % (unsigned)m->nr_cpu_ids];
			if (try_claim(c, tok)) {
				/* bind for the call, nested calls included */
				void **slot = kmm_port_tls_slot();
				c->borrow_prev = *slot;
				c->borrow_depth = 1;
				*slot = c;
				if (atomic_load(&c->pending))
					kmm_cpu_do_pending(m, c);
				return c;
			}
		}
		if (spins < 64)
			kmm_port_cpu_relax();
		else
			kmm_port_yield();
	}
}

int kmm_cpu_enter(struct kmm_machine *m, int cpu)
{
	void **slot = kmm_port_tls_slot();
	struct kmm_cpu *cur = (struct kmm_cpu *)*slot;
	if (cur)
		return -KMM_EBUSY; /* bound already: one machine, one slot at a time */
	if (cpu >= m->nr_cpu_ids)
		return -KMM_EINVAL;
	struct kmm_cpu *c;
	if (cpu < 0) {
		c = __kmm_get_cpu_slow(m); /* claimed as a borrow: make it a binding */
		c->borrow_depth = 0;
		c->borrow_prev = NULL;
	} else {
		c = &m->cpus[cpu];
		while (!try_claim(c, thread_token()))
			kmm_port_yield();
	}
	*slot = c;
	kmm_cpu_do_pending(m, c); /* arms the fast path */
	return c->id;
}

void kmm_cpu_leave(struct kmm_machine *m)
{
	void **slot = kmm_port_tls_slot();
	struct kmm_cpu *c = (struct kmm_cpu *)*slot;
	if (!c || c->machine != m)
		return;
	atomic_store(&c->fast, NULL);
	*slot = NULL;
	atomic_store_explicit(&c->owner, 0, memory_order_release);
}

int kmm_cpu_current(struct kmm_machine *m)
{
	struct kmm_cpu *c = (struct kmm_cpu *)*kmm_port_tls_slot();
	if (!c || c->machine != m)
		return -1;
	return c->id;
}
