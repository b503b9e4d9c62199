/* SPDX-License-Identifier: MIT */
/*
 * src/kernel/kthread.c - kernel threads of a machine (kernel/kthread.c):
 * the flusher, and later kswapd and khugepaged.  A kthread is a host
 * thread; it borrows a free CPU slot for each call into the allocators
 * (like a kernel thread scheduled on a CPU), sleeps in kthread_wait() until
 * woken or its period passes, and stops when kthread_stop() asks.
 */
#include "internal.h"

struct kmm_kthread {
	struct kmm_machine *machine;
	struct kmm_port_thread *thread;
	int (*fn)(void *arg, struct kmm_kthread *k);
	void *arg;
	atomic_int should_stop;
	atomic_uint wake_seq;
	char name[32];
};

static void *kthread_main(void *p)
{
	struct kmm_kthread *k = p;
	k->fn(k->arg, k);
	return NULL;
}

int kthread_run(struct kmm_machine *m, int (*fn)(void *arg, struct kmm_kthread *k), void *arg,
		const char *name, struct kmm_kthread **out)
{
	struct kmm_kthread *k = kmm_kzalloc(m, sizeof(*k), GFP_KERNEL);
	if (!k)
		return -KMM_ENOMEM;
	k->machine = m;
	k->fn = fn;
	k->arg = arg;
	kmm_strlcpy(k->name, name, sizeof(k->name));
	int ret = kmm_port_thread_create(&k->thread, kthread_main, k, k->name);
	if (ret) {
		kmm_kfree(m, k);
		return ret;
	}
	*out = k;
	return 0;
}

bool kthread_should_stop(struct kmm_kthread *k)
{
	return atomic_load_explicit(&k->should_stop, memory_order_acquire) != 0;
}

void kthread_wait(struct kmm_kthread *k, uint64_t timeout_ns)
{
	unsigned seq = atomic_load_explicit(&k->wake_seq, memory_order_acquire);
	if (kthread_should_stop(k))
		return;
	kmm_port_wait(&k->wake_seq, seq, timeout_ns);
}

void kthread_wake(struct kmm_kthread *k)
{
	atomic_fetch_add_explicit(&k->wake_seq, 1, memory_order_release);
	kmm_port_wake(&k->wake_seq, INT32_MAX);
}

void kthread_stop(struct kmm_kthread *k)
{
	if (!k)
		return;
	atomic_store_explicit(&k->should_stop, 1, memory_order_release);
	kthread_wake(k);
	kmm_port_thread_join(k->thread, NULL);
	kmm_kfree(k->machine, k);
}
