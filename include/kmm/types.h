/* SPDX-License-Identifier: MIT */
/*
 * kmm/types.h - basic types shared by every layer: distinct integer types
 * for physical frame numbers and physical addresses, the intrusive doubly
 * linked list (include/linux/list.h), and the spinlock (a test-and-test-and
 * -set lock on C11 atomics, so the core needs no host locking primitive).
 *
 * Freestanding: only <stddef.h>, <stdint.h>, <stdbool.h>, <stdatomic.h>.
 */
#ifndef KMM_TYPES_H
#define KMM_TYPES_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmm/port.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef uint64_t kmm_phys_addr_t; /* simulated physical address */
typedef uint64_t kmm_pfn_t;	  /* page frame number */

#define KMM_PAGE_SHIFT 12
#define KMM_PAGE_SIZE (1UL << KMM_PAGE_SHIFT)
#define KMM_PAGE_MASK (~(KMM_PAGE_SIZE - 1))
#define KMM_PFN_PHYS(pfn) ((kmm_phys_addr_t)(pfn) << KMM_PAGE_SHIFT)
#define KMM_PHYS_PFN(pa) ((kmm_pfn_t)((pa) >> KMM_PAGE_SHIFT))

#define kmm_container_of(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

/* ---- intrusive list (include/linux/list.h) ------------------------------- */

struct list_head {
	struct list_head *next, *prev;
};

#define LIST_HEAD_INIT(name)     \
	{                        \
		&(name), &(name) \
	}

#define LIST_HEAD_DECL(name) struct list_head name = LIST_HEAD_INIT(name)

/*
 * ->next is written with WRITE_ONCE semantics: in struct page it overlays
 * compound_head, which other CPUs read without the list's lock (a plain
 * store on x86; visible as atomic to TSan).
 */
#define LIST_SET_NEXT(e, v) __atomic_store_n(&(e)->next, (v), __ATOMIC_RELAXED)

static inline void INIT_LIST_HEAD(struct list_head *l)
{
	LIST_SET_NEXT(l, l);
	l->prev = l;
}
static inline void __list_add(struct list_head *n, struct list_head *prev, struct list_head *next)
{
	next->prev = n;
	LIST_SET_NEXT(n, next);
	n->prev = prev;
	LIST_SET_NEXT(prev, n);
}
static inline void list_add(struct list_head *n, struct list_head *head)
{
	__list_add(n, head, head->next);
}
static inline void list_add_tail(struct list_head *n, struct list_head *head)
{
	__list_add(n, head->prev, head);
}
static inline void __list_unlink(struct list_head *e)
{
	e->next->prev = e->prev;
	LIST_SET_NEXT(e->prev, e->next);
}
static inline void list_del(struct list_head *e)
{
	__list_unlink(e);
	LIST_SET_NEXT(e, (struct list_head *)NULL);
	e->prev = NULL;
}
static inline void list_del_init(struct list_head *e)
{
	__list_unlink(e);
	INIT_LIST_HEAD(e);
}
static inline void list_move(struct list_head *e, struct list_head *head)
{
	__list_unlink(e);
	list_add(e, head);
}
static inline void list_move_tail(struct list_head *e, struct list_head *head)
{
	__list_unlink(e);
	list_add_tail(e, head);
}
static inline bool list_empty(const struct list_head *head)
{
	return head->next == head;
}
#define list_entry(ptr, type, member) kmm_container_of(ptr, type, member)
#define list_first_entry(head, type, member) list_entry((head)->next, type, member)
#define list_last_entry(head, type, member) list_entry((head)->prev, type, member)
#define list_for_each(pos, head) for (pos = (head)->next; pos != (head); pos = pos->next)
#define list_for_each_safe(pos, n, head) \
	for (pos = (head)->next, n = pos->next; pos != (head); pos = n, n = pos->next)

/* ---- spinlock ---------------------------------------------------------- */

/*
 * A test-and-test-and-set spinlock.  Holders never sleep; after a short
 * spin the waiter yields its host thread (the simulated CPUs are host
 * threads that the host may deschedule while they hold a lock).
 */
typedef struct {
	atomic_uint locked;
} kmm_spinlock_t;

#define KMM_SPINLOCK_INIT \
	{                 \
		0         \
	}

static inline void spin_lock_init(kmm_spinlock_t *l)
{
	atomic_init(&l->locked, 0);
}
static inline bool spin_trylock(kmm_spinlock_t *l)
{
	return !atomic_load_explicit(&l->locked, memory_order_relaxed) &&
	       !atomic_exchange_explicit(&l->locked, 1, memory_order_acquire);
}
void __spin_lock_slow(kmm_spinlock_t *l);
static inline void spin_lock(kmm_spinlock_t *l)
{
	if (__builtin_expect(!atomic_exchange_explicit(&l->locked, 1, memory_order_acquire), 1))
		return;
	__spin_lock_slow(l);
}
static inline void spin_unlock(kmm_spinlock_t *l)
{
	atomic_store_explicit(&l->locked, 0, memory_order_release);
}
static inline bool spin_is_locked(kmm_spinlock_t *l)
{
	return atomic_load_explicit(&l->locked, memory_order_relaxed) != 0;
}

/*
 * Relaxed accessors for fields read locklessly by other CPUs (counters,
 * watermarks): plain loads/stores on x86, but visible to TSan as atomic.
 */
#define READ_ONCE_UL(p) atomic_load_explicit((p), memory_order_relaxed)
#define WRITE_ONCE_UL(p, v) atomic_store_explicit((p), (v), memory_order_relaxed)

#ifdef __cplusplus
}
#endif
#endif /* KMM_TYPES_H */
