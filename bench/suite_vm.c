/* SPDX-License-Identifier: MIT */
/*
 * bench/suite_vm.c - virtual memory: the software MMU (TLB hits, page
 * walks), anonymous page faults and fork, kmm against the host kernel and
 * hardware doing the same thing in the same run.  See docs/PERFORMANCE.md.
 *
 * Cases (one op is what ns_per_op divides by):
 *   tlb_hit     one translation that hits the TLB.  kmm: kmm_mmu_translate
 *               of an address in a populated page; host: a load from a
 *               touched page (the hardware TLB and L1), for scale.  Each
 *               op's address depends on the previous op's result (the
 *               translated address, or the loaded word, both 0 in the
 *               bits used), so ops do not overlap: latency, not throughput.
 *   access8     the same with an 8-byte kmm_access read, the call a task's
 *               load is (TLB hit, copy); host: the same load as tlb_hit.
 *   walk        a translation that misses the TLB: a full 4-level walk.
 *               64K pages (256 MiB) are populated and visited in one random
 *               cycle (the same for both impls), so every access misses
 *               the TLB (kmm's 64 + 1024 entries; the host's STLB of a few
 *               thousand).  kmm: kmm_mmu_translate; host: a load from each
 *               page, at a varying line offset.  The next page's index is
 *               next[i] of a host array XORed with bits of the result that
 *               are 0, so each op waits for the last.  The host region maps
 *               one 2 MiB memfd 128 times (MADV_NOHUGEPAGE), so its loads
 *               hit 512 distinct, cache-resident lines: the host figure is
 *               the hardware TLB miss and page walk, not a data-cache miss.
 *               The notes give the share of kmm accesses that walked.
 *   anon_fault  a write fault on a fresh 4 KiB anonymous page.  Per 1024
 *               pages: mmap 4 MiB MAP_PRIVATE|MAP_ANONYMOUS, write one byte
 *               per page, munmap.  op = one page (its share of the mmap
 *               and munmap too).  kmm: kmm_mmap, 1-byte kmm_access writes,
 *               kmm_munmap; host: the same on the host kernel, with
 *               MADV_NOHUGEPAGE so that every page is a 4 KiB fault.
 *   fork256m    fork of a task that has 256 MiB of private anonymous memory
 *               written (one byte per page: 65536 present PTEs).  op = the
 *               fork call alone, self-timed: kmm_task_fork / host fork()
 *               until it returns in the parent; the child's exit
 *               (kmm_task_exit / _exit(0) and waitpid) is not timed (nor
 *               counted by callgrind).  Steady state: after the first fork
 *               the parent's PTEs stay write-protected, as on the host.
 *               The host process maps its 256 MiB with MADV_NOHUGEPAGE.
 *   fork256m_pair  the same, op = fork + the child's exit (host: fork,
 *               _exit(0) in the child, waitpid in the parent).
 *
 * Every kmm machine ("quiet mem=1G nr_cpus=max(2,threads)") has its whole
 * simulated RAM touched once before the threads start (prepare): the RAM
 * is host memory reserved lazily, so a simulated page's first use would
 * otherwise cost a host page fault inside kmm's.  The figures are kmm's
 * own paths; the notes say "RAM pre-touched".
 *
 * The host impls of anon_fault and fork256m* do their work in the host
 * kernel, which callgrind does not see: they are skipped in the callgrind
 * pass.  The suite runs each (case, impl, threads) in a fresh process;
 * the fork cases run at 1 thread only.  fork256m_pair keeps the wall clock
 * under --cputime (the host child's exit is another process's CPU time).
 *
 * Targets, checked in the table's notes: tlb_hit <= 5 ns; anon_fault
 * kmm/host <= 0.25; fork256m kmm/host <= 1.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "kmm/mm.h"

#define PG 4096ull
#define WALK_PAGES 65536u /* 256 MiB: far more than either TLB holds */
#define ALIAS_BYTES (2ull << 20)
#define FAULT_PAGES 1024u /* pages per mmap in anon_fault */
#define FORK_BYTES (256ull << 20)

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define RW (KMM_PROT_READ | KMM_PROT_WRITE)
#define ANON (KMM_MAP_PRIVATE | KMM_MAP_ANONYMOUS)

/* ---- shared by the kmm impls ------------------------------------------------------ */

/*
 * Touch every page of the simulated RAM with a locked OR of 0: the host
 * faults each page in for writing, and no byte changes (the kernel may be
 * writing its own data there meanwhile).
 */
static int vm_prepare(struct kmm_machine *m, unsigned nr_threads, void **shared)
{
	(void)nr_threads;
	(void)shared;
	for (size_t off = 0; off < m->ram_bytes; off += PG)
		__atomic_fetch_or(&m->ram[off], 0, __ATOMIC_RELAXED);
	return 0;
}

struct kvm {
	struct kmm_task *task;
	uint64_t base;
	uint64_t len;
	uint32_t *next;	     /* walk: the cycle */
	uint32_t cur;	     /* walk: where the last run stopped */
	unsigned long s0[5]; /* TLB statistics after setup */
};

static void kvm_free(struct bench_thread *t)
{
	struct kvm *k = t->priv;
	if (!k)
		return;
	if (k->task)
		kmm_task_exit(k->task);
	free(k->next);
	free(k);
	t->priv = NULL;
}

/* A task with @len bytes of anonymous memory, one byte written per page. */
static int kvm_setup_len(struct bench_thread *t, uint64_t len)
{
	struct kvm *k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	t->priv = k;
	k->task = kmm_task_spawn(t->m, "bench");
	if (!k->task) {
		kvm_free(t);
		return -ENOMEM;
	}
	k->len = len;
	if (len) {
		long a = kmm_mmap(k->task, 0, len, RW, ANON, -1, 0);
		if (a < 0) {
			kvm_free(t);
			return (int)a;
		}
		k->base = (uint64_t)a;
		unsigned char zero = 0;
		for (uint64_t off = 0; off < len; off += PG) {
			int rc = kmm_access(k->task, k->base + off, &zero, 1, KMM_ACCESS_WRITE);
			if (rc) {
				kvm_free(t);
				return rc;
			}
		}
	}
	return 0;
}

static void kvm_stats_start(struct bench_thread *t)
{
	struct kvm *k = t->priv;
	kmm_mmu_stats(t->m, t->cpu, k->s0);
}

/* "TLB: L1 hits x%, L2 hits y%, walks z%" since kvm_stats_start(). */
static void kvm_stats_note(struct bench_thread *t)
{
	struct kvm *k = t->priv;
	unsigned long s[5];
	kmm_mmu_stats(t->m, t->cpu, s);
	double l1 = (double)(s[0] - k->s0[0]), l2 = (double)(s[1] - k->s0[1]),
	       w = (double)(s[2] - k->s0[2]), all = l1 + l2 + w;
	if (all > 0)
		snprintf(t->note, sizeof(t->note),
			 "RAM pre-touched; TLB L1 hits %.1f%%, L2 hits %.1f%%, walks %.1f%%",
			 100 * l1 / all, 100 * l2 / all, 100 * w / all);
}

static void kvm_teardown(struct bench_thread *t)
{
	if (t->priv)
		kvm_stats_note(t);
	kvm_free(t);
}

/* ---- shared by the host impls ---------------------------------------------------------- */

struct hvm {
	unsigned char *base;
	size_t len;
	uint32_t *next;
	uint32_t cur;
};

static void hvm_teardown(struct bench_thread *t)
{
	struct hvm *h = t->priv;
	if (!h)
		return;
	if (h->base)
		munmap(h->base, h->len);
	free(h->next);
	free(h);
	t->priv = NULL;
}

/* @len bytes of private anonymous memory, 4 KiB pages, one byte written per page. */
static int hvm_setup_len(struct bench_thread *t, size_t len)
{
	struct hvm *h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	t->priv = h;
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		hvm_teardown(t);
		return -ENOMEM;
	}
	h->base = p;
	h->len = len;
#ifdef MADV_NOHUGEPAGE
	(void)madvise(p, len, MADV_NOHUGEPAGE);
#endif
	for (size_t off = 0; off < len; off += PG)
		((volatile unsigned char *)p)[off] = 0;
	return 0;
}

/* ---- tlb_hit and access8 --------------------------------------------------------------- */

static int kmm_hit_setup(struct bench_thread *t)
{
	int rc = kvm_setup_len(t, PG);
	if (rc)
		return rc;
	kvm_stats_start(t);
	return 0;
}

static void kmm_hit_run(struct bench_thread *t, uint64_t ops)
{
	struct kvm *k = t->priv;
	struct kmm_task *task = k->task;
	uint64_t base = k->base, va = base;
	unsigned long fail = 0;
	for (uint64_t i = 0; i < ops; i++) {
		long long pa = kmm_mmu_translate(task, va, KMM_ACCESS_READ);
		fail += pa < 0;
		/* bits 40-51 of a physical address are 0: the next va waits for pa */
		va = base + (((uint64_t)pa >> 40) & 0xff8);
	}
	t->failures += fail;
}

static const struct bench_impl kmm_hit = {
	.name = "kmm",
	.needs_machine = true,
	.prepare = vm_prepare,
	.setup = kmm_hit_setup,
	.run = kmm_hit_run,
	.teardown = kvm_teardown,
};

static int host_hit_setup(struct bench_thread *t)
{
	return hvm_setup_len(t, PG);
}

static void host_hit_run(struct bench_thread *t, uint64_t ops)
{
	struct hvm *h = t->priv;
	const unsigned char *base = h->base;
	uint64_t off = 0;
	for (uint64_t i = 0; i < ops; i++)
		off = *(const volatile uint64_t *)(base + off); /* 0: the same word again */
}

static const struct bench_impl host_hit = {
	.name = "host",
	.setup = host_hit_setup,
	.run = host_hit_run,
	.teardown = hvm_teardown,
};

static const struct bench_case case_tlb_hit = {
	.name = "tlb_hit",
	.op = "one translation hitting the TLB (dependent chain)",
	.granule = 1,
	.callgrind_ops = 100000,
	.ns_target = 5.0,
	.impls = { &kmm_hit, &host_hit },
};

static void kmm_access8_run(struct bench_thread *t, uint64_t ops)
{
	struct kvm *k = t->priv;
	struct kmm_task *task = k->task;
	uint64_t base = k->base, off = 0;
	unsigned long fail = 0;
	for (uint64_t i = 0; i < ops; i++) {
		uint64_t v = 0;
		fail += kmm_access(task, base + off, &v, 8, KMM_ACCESS_READ) != 0;
		off = v & 0xff8; /* the page holds 0: the same word again */
	}
	t->failures += fail;
}

static const struct bench_impl kmm_access8 = {
	.name = "kmm",
	.needs_machine = true,
	.prepare = vm_prepare,
	.setup = kmm_hit_setup,
	.run = kmm_access8_run,
	.teardown = kvm_teardown,
};

static const struct bench_case case_access8 = {
	.name = "access8",
	.op = "one 8-byte kmm_access read hitting the TLB (dependent chain)",
	.granule = 1,
	.callgrind_ops = 100000,
	.impls = { &kmm_access8, &host_hit },
};

/* ---- walk ------------------------------------------------------------------------------ */

/* One random cycle through 0..n-1 (Sattolo): next[i] is i's successor. */
static uint32_t *walk_cycle(struct bench_thread *t, uint32_t n)
{
	uint32_t *next = malloc(n * sizeof(*next));
	if (!next)
		return NULL;
	for (uint32_t i = 0; i < n; i++)
		next[i] = i;
	for (uint32_t i = n - 1; i > 0; i--) {
		uint32_t j = (uint32_t)(bench_rand(&t->rng) % i);
		uint32_t x = next[i];
		next[i] = next[j];
		next[j] = x;
	}
	return next;
}

/* The address visited for page @i: a line offset that varies with i. */
static inline uint64_t walk_off(uint32_t i)
{
	return ((uint64_t)i << 12) | ((uint64_t)(i & 63) << 6);
}

static int kmm_walk_setup(struct bench_thread *t)
{
	int rc = kvm_setup_len(t, (uint64_t)WALK_PAGES * PG);
	if (rc)
		return rc;
	struct kvm *k = t->priv;
	k->next = walk_cycle(t, WALK_PAGES);
	if (!k->next) {
		kvm_free(t);
		return -ENOMEM;
	}
	kvm_stats_start(t);
	return 0;
}

static void kmm_walk_run(struct bench_thread *t, uint64_t ops)
{
	struct kvm *k = t->priv;
	struct kmm_task *task = k->task;
	const uint32_t *next = k->next;
	uint64_t base = k->base;
	uint32_t i = k->cur;
	unsigned long fail = 0;
	for (uint64_t n = 0; n < ops; n++) {
		long long pa = kmm_mmu_translate(task, base + walk_off(i), KMM_ACCESS_READ);
		fail += pa < 0;
		i = (next[i] ^ (uint32_t)((uint64_t)pa >> 40)) & (WALK_PAGES - 1);
	}
	k->cur = i;
	t->failures += fail;
}

static const struct bench_impl kmm_walk = {
	.name = "kmm",
	.needs_machine = true,
	.prepare = vm_prepare,
	.setup = kmm_walk_setup,
	.run = kmm_walk_run,
	.teardown = kvm_teardown,
};

/*
 * 256 MiB of address space mapping one 2 MiB memfd 128 times: every
 * virtual page has its own PTE, while the loads hit 512 cache-resident
 * lines.  Falls back to plain anonymous memory (loads then miss the caches
 * too) if memfd is unavailable.
 */
static int host_walk_setup(struct bench_thread *t)
{
	size_t len = (size_t)WALK_PAGES * PG;
	struct hvm *h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	t->priv = h;
	h->next = walk_cycle(t, WALK_PAGES);
	void *p = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (!h->next || p == MAP_FAILED) {
		hvm_teardown(t);
		return -ENOMEM;
	}
	h->base = p;
	h->len = len;
	bool alias = false;
#ifdef MFD_CLOEXEC
	int fd = memfd_create("kmm-bench-walk", MFD_CLOEXEC);
	if (fd >= 0 && ftruncate(fd, (off_t)ALIAS_BYTES) == 0) {
		alias = true;
		for (size_t off = 0; off < len && alias; off += ALIAS_BYTES)
			alias = mmap(h->base + off, ALIAS_BYTES, PROT_READ | PROT_WRITE,
				     MAP_SHARED | MAP_FIXED, fd, 0) != MAP_FAILED;
	}
	if (fd >= 0)
		close(fd);
#endif
	if (!alias && mmap(h->base, len, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED) {
		hvm_teardown(t);
		return -ENOMEM;
	}
#ifdef MADV_NOHUGEPAGE
	(void)madvise(h->base, len, MADV_NOHUGEPAGE);
#endif
	if (alias)
		memset(h->base, 0, ALIAS_BYTES);
	/* every virtual page present */
	for (size_t off = 0; off < len; off += PG)
		((volatile unsigned char *)h->base)[off] = 0;
	snprintf(t->note, sizeof(t->note), "%s",
		 alias ? "4 KiB pages aliasing a 2 MiB memfd: cache-resident data" :
			 "anonymous 4 KiB pages (no memfd): data misses included");
	return 0;
}

static void host_walk_run(struct bench_thread *t, uint64_t ops)
{
	struct hvm *h = t->priv;
	const uint32_t *next = h->next;
	const unsigned char *base = h->base;
	uint32_t i = h->cur;
	for (uint64_t n = 0; n < ops; n++) {
		uint64_t v = *(const volatile uint64_t *)(base + walk_off(i));
		i = (next[i] ^ (uint32_t)v) & (WALK_PAGES - 1);
	}
	h->cur = i;
}

static const struct bench_impl host_walk = {
	.name = "host",
	.setup = host_walk_setup,
	.run = host_walk_run,
	.teardown = hvm_teardown,
};

static const struct bench_case case_walk = {
	.name = "walk",
	.op = "one translation missing the TLB: 4-level walk (64K pages, random cycle)",
	.granule = 1,
	.callgrind_ops = 2 * WALK_PAGES,
	.impls = { &kmm_walk, &host_walk },
};

/* ---- anon_fault -------------------------------------------------------------------------- */

static int kmm_fault_setup(struct bench_thread *t)
{
	int rc = kvm_setup_len(t, 0);
	if (rc)
		return rc;
	kvm_stats_start(t);
	return 0;
}

static void kmm_fault_teardown(struct bench_thread *t)
{
	struct kvm *k = t->priv;
	if (k)
		snprintf(t->note, sizeof(t->note), "RAM pre-touched; %lu minor faults",
			 kmm_task_min_flt(k->task));
	kvm_free(t);
}

static void kmm_fault_run(struct bench_thread *t, uint64_t ops)
{
	struct kvm *k = t->priv;
	struct kmm_task *task = k->task;
	const uint64_t len = (uint64_t)FAULT_PAGES * PG;
	unsigned long fail = 0;
	for (uint64_t done = 0; done < ops; done += FAULT_PAGES) {
		long a = kmm_mmap(task, 0, len, RW, ANON, -1, 0);
		if (unlikely(a < 0)) {
			fail++;
			continue;
		}
		unsigned char one = 1;
		for (uint64_t off = 0; off < len; off += PG)
			fail += kmm_access(task, (uint64_t)a + off, &one, 1, KMM_ACCESS_WRITE) != 0;
		fail += kmm_munmap(task, (uint64_t)a, len) != 0;
	}
	t->failures += fail;
}

static const struct bench_impl kmm_fault = {
	.name = "kmm",
	.needs_machine = true,
	.prepare = vm_prepare,
	.setup = kmm_fault_setup,
	.run = kmm_fault_run,
	.teardown = kmm_fault_teardown,
};

static int host_fault_setup(struct bench_thread *t)
{
	snprintf(t->note, sizeof(t->note), "MADV_NOHUGEPAGE: 4 KiB faults");
	return 0;
}

static void host_fault_run(struct bench_thread *t, uint64_t ops)
{
	const size_t len = (size_t)FAULT_PAGES * PG;
	unsigned long fail = 0;
	for (uint64_t done = 0; done < ops; done += FAULT_PAGES) {
		void *p =
			mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (unlikely(p == MAP_FAILED)) {
			fail++;
			continue;
		}
#ifdef MADV_NOHUGEPAGE
		(void)madvise(p, len, MADV_NOHUGEPAGE);
#endif
		for (size_t off = 0; off < len; off += PG)
			((volatile unsigned char *)p)[off] = 1;
		munmap(p, len);
	}
	t->failures += fail;
}

static void host_nop_teardown(struct bench_thread *t)
{
	(void)t;
}

static const struct bench_impl host_fault = {
	.name = "host",
	.no_callgrind = true,
	.setup = host_fault_setup,
	.run = host_fault_run,
	.teardown = host_nop_teardown,
};

static const struct bench_case case_anon_fault = {
	.name = "anon_fault",
	.op = "write fault on a fresh 4 KiB anonymous page (mmap 4 MiB, touch, munmap)",
	.granule = FAULT_PAGES,
	.callgrind_ops = 4 * FAULT_PAGES,
	.ref_target = 0.25,
	.impls = { &kmm_fault, &host_fault },
};

/* ---- fork256m ---------------------------------------------------------------------------- */

static int kmm_fork_setup(struct bench_thread *t)
{
	return kvm_setup_len(t, FORK_BYTES);
}

static void kmm_fork_teardown(struct bench_thread *t)
{
	snprintf(t->note, sizeof(t->note), "RAM pre-touched; 65536 PTEs");
	kvm_free(t);
}

static void kmm_fork_run(struct bench_thread *t, uint64_t ops)
{
	struct kvm *k = t->priv;
	unsigned long fail = 0;
	for (uint64_t i = 0; i < ops; i++) {
		struct kmm_task *child = NULL;
		uint64_t t0 = bench_now_ns();
		int rc = kmm_task_fork(k->task, "child", &child);
		t->self_ns += bench_now_ns() - t0;
		bench_untimed_begin(t);
		if (likely(!rc))
			kmm_task_exit(child);
		else
			fail++;
		bench_untimed_end(t);
	}
	t->failures += fail;
}

static void kmm_fork_pair_run(struct bench_thread *t, uint64_t ops)
{
	struct kvm *k = t->priv;
	unsigned long fail = 0;
	for (uint64_t i = 0; i < ops; i++) {
		struct kmm_task *child = NULL;
		if (likely(!kmm_task_fork(k->task, "child", &child)))
			kmm_task_exit(child);
		else
			fail++;
	}
	t->failures += fail;
}

static const struct bench_impl kmm_fork = {
	.name = "kmm",
	.needs_machine = true,
	.prepare = vm_prepare,
	.setup = kmm_fork_setup,
	.run = kmm_fork_run,
	.teardown = kmm_fork_teardown,
};

static const struct bench_impl kmm_fork_pair = {
	.name = "kmm",
	.needs_machine = true,
	.prepare = vm_prepare,
	.setup = kmm_fork_setup,
	.run = kmm_fork_pair_run,
	.teardown = kmm_fork_teardown,
};

static int host_fork_setup(struct bench_thread *t)
{
	int rc = hvm_setup_len(t, FORK_BYTES);
	if (!rc)
		snprintf(t->note, sizeof(t->note), "MADV_NOHUGEPAGE; 65536 PTEs");
	return rc;
}

/* fork(); the child leaves at once.  Returns the ns until fork returned. */
static uint64_t host_fork_once(struct bench_thread *t, unsigned long *fail)
{
	uint64_t t0 = bench_now_ns();
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	uint64_t ns = bench_now_ns() - t0;
	bench_untimed_begin(t);
	if (pid < 0) {
		++*fail;
	} else {
		int status;
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	bench_untimed_end(t);
	return ns;
}

static void host_fork_run(struct bench_thread *t, uint64_t ops)
{
	unsigned long fail = 0;
	for (uint64_t i = 0; i < ops; i++)
		t->self_ns += host_fork_once(t, &fail);
	t->failures += fail;
}

static void host_fork_pair_run(struct bench_thread *t, uint64_t ops)
{
	unsigned long fail = 0;
	for (uint64_t i = 0; i < ops; i++)
		(void)host_fork_once(t, &fail);
	t->failures += fail;
}

static const struct bench_impl host_fork = {
	.name = "host",
	.no_callgrind = true,
	.setup = host_fork_setup,
	.run = host_fork_run,
	.teardown = hvm_teardown,
};

static const struct bench_impl host_fork_pair = {
	.name = "host",
	.no_callgrind = true,
	.setup = host_fork_setup,
	.run = host_fork_pair_run,
	.teardown = hvm_teardown,
};

static const struct bench_case case_fork256m = {
	.name = "fork256m",
	.op = "fork of 256 MiB written anonymous memory (the fork call alone)",
	.granule = 1,
	.callgrind_ops = 4,
	.max_threads = 1,
	.ref_target = 1.0,
	.self_timed = true,
	.impls = { &kmm_fork, &host_fork },
};

static const struct bench_case case_fork256m_pair = {
	.name = "fork256m_pair",
	.op = "fork of 256 MiB written anonymous memory + the child's exit",
	.granule = 1,
	.callgrind_ops = 4,
	.max_threads = 1,
	.wall_clock = true, /* the host child's exit is another process's CPU time */
	.impls = { &kmm_fork_pair, &host_fork_pair },
};

/* ---- the suite ----------------------------------------------------------------------------- */

static const struct bench_case *const vm_cases[] = {
	&case_tlb_hit,	&case_access8,	     &case_walk, &case_anon_fault,
	&case_fork256m, &case_fork256m_pair, NULL,
};

const struct bench_suite bench_suite_vm = {
	.name = "vm",
	.description = "software MMU, anonymous faults and fork: kmm vs the host kernel and "
		       "hardware",
	.cmdline = "quiet mem=1G",
	.cases = vm_cases,
	.time_s = 0.5,
	.isolate = true,
	.peak_workload = true,
};
