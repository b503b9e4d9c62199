/* SPDX-License-Identifier: MIT */
/*
 * tests/test_vm_random.c - randomized tests of the VM against reference
 * models.
 *
 * test_vma_model: 10^5 random mmap(MAP_FIXED)/munmap/mprotect/mremap/
 * madvise calls on a 4096-page window, checked after each one against a
 * per-page model of what is mapped and with which protection: the return
 * value, find_vma's answer for probed pages, and the tree/list/gap
 * invariants (validate_mm).
 *
 * test_data_model: a family of tasks (fork trees) whose every page has a
 * known content (a seed, or zero); random writes, reads, forks, exits,
 * munmap holes, mprotect round trips, mremap moves and MADV_DONTNEED,
 * each checked byte for byte through the MMU.  Copy-on-write must give
 * every task its own view, whatever the order of writes.
 */
#include "kmm_test.h"
#include "mm/vma.h"

#define PG 4096ULL
#define WIN_PAGES 4096
#define WIN_BASE 0x200000000ULL

static uint64_t rng_state = 88172645463325252ULL;
static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}
static unsigned rndn(unsigned n)
{
	return (unsigned)(rnd() % n);
}

static const int prots[] = { KMM_PROT_NONE, KMM_PROT_READ, KMM_PROT_READ | KMM_PROT_WRITE,
			     KMM_PROT_READ | KMM_PROT_EXEC };

static struct kmm_machine *boot(void)
{
	*kmm_port_tls_slot() = NULL;
	struct kmm_machine *m = test_boot("quiet mem=512M nr_cpus=2", NULL);
	assert_int_equal(kmm_cpu_enter(m, 0), 0);
	return m;
}

/* ---- VMA model ------------------------------------------------------------------- */

/* model[i]: 0 unmapped, else 1 + prot */
static unsigned char model[WIN_PAGES];

static void model_check(struct kmm_task *t, unsigned probes)
{
	const char *why = validate_mm(t->mm);
	if (why)
		fail_msg("validate_mm: %s", why);
	for (unsigned k = 0; k < probes; k++) {
		unsigned i = rndn(WIN_PAGES);
		uint64_t a = WIN_BASE + i * PG;
		struct vm_area_struct *v = vma_lookup(t->mm, a);
		if (!model[i]) {
			if (v)
				fail_msg("page %u mapped, model says not", i);
			continue;
		}
		if (!v)
			fail_msg("page %u unmapped, model says prot %d", i, model[i] - 1);
		int p = model[i] - 1;
		unsigned long want = (p & KMM_PROT_READ ? VM_READ : 0) |
				     (p & KMM_PROT_WRITE ? VM_WRITE : 0) |
				     (p & KMM_PROT_EXEC ? VM_EXEC : 0);
		if ((v->vm_flags & VM_ACCESS_FLAGS) != want)
			fail_msg("page %u flags %lx, model %lx", i, v->vm_flags & VM_ACCESS_FLAGS,
				 want);
	}
}

static void full_model_check(struct kmm_task *t)
{
	/* every page, and the VMA count bounded by the model's runs */
	unsigned runs = 0;
	for (unsigned i = 0; i < WIN_PAGES; i++) {
		if (model[i] && (i == 0 || model[i - 1] != model[i]))
			runs++;
		struct vm_area_struct *v = vma_lookup(t->mm, WIN_BASE + i * PG);
		assert_true((v != NULL) == (model[i] != 0));
	}
	assert_true((unsigned)t->mm->map_count >= runs);
	assert_null(validate_mm(t->mm));
}

static void test_vma_model(void **state)
{
	(void)state;
	struct kmm_machine *m = boot();
	struct kmm_task *t = kmm_task_spawn(m, "model");
	memset(model, 0, sizeof(model));
	unsigned long nops = 100000;
	for (unsigned long op = 0; op < nops; op++) {
		unsigned len = 1 + rndn(rndn(8) ? 16 : 256);
		unsigned s = rndn(WIN_PAGES - len);
		uint64_t a = WIN_BASE + s * PG;
		int prot = prots[rndn(4)];
		switch (rndn(6)) {
		case 0:
		case 1: { /* mmap fixed: replaces what was there */
			long r = kmm_mmap(t, a, len * PG, prot,
					  KMM_MAP_PRIVATE | KMM_MAP_ANONYMOUS | KMM_MAP_FIXED, -1,
					  0);
			assert_int_equal(r, (long)a);
			memset(model + s, 1 + prot, len);
			break;
		}
		case 2: {
			assert_int_equal(kmm_munmap(t, a, len * PG), 0);
			memset(model + s, 0, len);
			break;
		}
		case 3: { /* mprotect: up to the first hole; ENOMEM if any */
			bool hole = false;
			unsigned i;
			for (i = 0; i < len; i++)
				if (!model[s + i]) {
					hole = true;
					break;
				}
			int r = kmm_mprotect(t, a, len * PG, prot);
			assert_int_equal(r, hole ? -KMM_ENOMEM : 0);
			memset(model + s, 1 + prot, i);
			break;
		}
		case 4: { /* mremap a single-VMA range elsewhere in the window */
			struct vm_area_struct *v = vma_lookup(t->mm, a);
			if (!v || v->vm_end < a + len * PG)
				break;
			unsigned d = rndn(WIN_PAGES - len);
			bool overlap = d < s + len && s < d + len;
			long r = kmm_mremap(t, a, len * PG, len * PG,
					    KMM_MREMAP_MAYMOVE | KMM_MREMAP_FIXED,
					    WIN_BASE + d * PG);
			if (overlap) {
				assert_int_equal(r, -KMM_EINVAL);
				break;
			}
			assert_int_equal(r, (long)(WIN_BASE + d * PG));
			unsigned char tmp[256];
			memcpy(tmp, model + s, len);
			memset(model + s, 0, len);
			memcpy(model + d, tmp, len);
			break;
		}
		case 5: { /* madvise flag changes keep every protection */
			bool hole = false;
			for (unsigned i = 0; i < len; i++)
				hole |= !model[s + i];
			bool any = false;
			for (unsigned i = 0; i < len; i++)
				any |= model[s + i] != 0;
			int r = kmm_madvise(t, a, len * PG,
					    rndn(2) ? KMM_MADV_HUGEPAGE : KMM_MADV_NOHUGEPAGE);
			assert_int_equal(r, hole || !any ? -KMM_ENOMEM : 0);
			break;
		}
		}
		model_check(t, 8);
		if (op % 5000 == 0)
			full_model_check(t);
	}
	full_model_check(t);
	kmm_task_exit(t);
	kmm_cpu_leave(m);
	kmm_machine_shutdown(m);
}

/* ---- top-down free-range search ---------------------------------------------------- */

/* The highest start of a len-byte gap below mmap_base, by a linear scan. */
static uint64_t brute_topdown(struct mm_struct *mm, uint64_t len)
{
	uint64_t high = mm->mmap_base, best = 0;
	uint64_t low = (uint64_t)mm->machine->vm.mmap_min_addr;
	uint64_t prev_end = 0;
	for (struct vm_area_struct *v = mm->mmap;; v = v->vm_next) {
		uint64_t gs = prev_end > low ? prev_end : low;
		uint64_t ge = v ? v->vm_start : ~0ULL;
		if (ge > high)
			ge = high;
		if (ge > gs && ge - gs >= len)
			best = ge - len;
		if (!v || v->vm_start >= high)
			break;
		prev_end = v->vm_end;
	}
	return best;
}

static void test_unmapped_area(void **state)
{
	(void)state;
	struct kmm_machine *m = boot();
	struct kmm_task *t = kmm_task_spawn(m, "gaps");
	long live[512];
	uint64_t lens[512];
	unsigned n = 0;
	for (unsigned op = 0; op < 20000; op++) {
		if (n < 512 && (n == 0 || rndn(3))) {
			uint64_t len = (1 + rndn(rndn(4) ? 8 : 300)) * PG;
			uint64_t want = brute_topdown(t->mm, len);
			long a = kmm_mmap(t, 0, len, KMM_PROT_READ | (rndn(2) ? KMM_PROT_WRITE : 0),
					  KMM_MAP_PRIVATE | KMM_MAP_ANONYMOUS, -1, 0);
			assert_true(a > 0);
			assert_int_equal((uint64_t)a, want);
			live[n] = a;
			lens[n++] = len;
		} else {
			unsigned k = rndn(n);
			/* unmap all or a middle part, leaving holes of every size */
			uint64_t off = rndn(2) ? 0 : (lens[k] / PG > 2 ? PG : 0);
			assert_int_equal(kmm_munmap(t, (uint64_t)live[k] + off, lens[k] - off), 0);
			live[k] = live[--n];
			lens[k] = lens[n];
		}
		if (op % 1000 == 0)
			assert_null(validate_mm(t->mm));
	}
	assert_null(validate_mm(t->mm));
	kmm_task_exit(t);
	kmm_cpu_leave(m);
	kmm_machine_shutdown(m);
}

/* ---- data model -------------------------------------------------------------------- */

#define DPAGES 256
#define DBASE 0x300000000ULL
#define MAXT 8

struct mtask {
	struct kmm_task *t;
	/* per page: -1 unmapped, 0 zero, else the seed of its content */
	int64_t seed[DPAGES];
	unsigned char prot[DPAGES]; /* KMM_PROT_* of mapped pages */
};

static struct mtask tasks[MAXT];
static unsigned char pbuf[PG];

static unsigned char dpat(int64_t seed, unsigned i)
{
	if (!seed)
		return 0;
	uint64_t x = (uint64_t)seed * 0x9E3779B97F4A7C15ULL + i * 0xBF58476D1CE4E5B9ULL;
	x ^= x >> 29;
	return (unsigned char)(x * 0x94D049BB133111EBULL >> 56);
}

static void page_check(struct mtask *mt, unsigned p)
{
	assert_int_equal(kmm_access(mt->t, DBASE + p * PG, pbuf, PG, KMM_ACCESS_READ), 0);
	for (unsigned i = 0; i < PG; i++)
		if (pbuf[i] != dpat(mt->seed[p], i))
			fail_msg("task %d page %u byte %u: %02x != %02x", kmm_task_pid(mt->t), p, i,
				 pbuf[i], dpat(mt->seed[p], i));
}

static void page_write(struct mtask *mt, unsigned p, int64_t seed)
{
	for (unsigned i = 0; i < PG; i++)
		pbuf[i] = dpat(seed, i);
	assert_int_equal(kmm_access(mt->t, DBASE + p * PG, pbuf, PG, KMM_ACCESS_WRITE), 0);
	mt->seed[p] = seed;
}

static void test_data_model(void **state)
{
	(void)state;
	struct kmm_machine *m = boot();
	long anon0 = global_node_page_state_snapshot(m, NR_ANON_MAPPED);
	memset(tasks, 0, sizeof(tasks));
	tasks[0].t = kmm_task_spawn(m, "d0");
	assert_int_equal(kmm_mmap(tasks[0].t, DBASE, DPAGES * PG, KMM_PROT_READ | KMM_PROT_WRITE,
				  KMM_MAP_PRIVATE | KMM_MAP_ANONYMOUS | KMM_MAP_FIXED, -1, 0),
			 (long)DBASE);
	for (unsigned p = 0; p < DPAGES; p++) {
		tasks[0].seed[p] = 0;
		tasks[0].prot[p] = KMM_PROT_READ | KMM_PROT_WRITE;
	}
	int64_t next_seed = 1;
	unsigned long checks = 0;
	for (unsigned long op = 0; op < 30000; op++) {
		unsigned ti = rndn(MAXT);
		struct mtask *mt = &tasks[ti];
		if (!mt->t) {
			/* fork some live task into this slot */
			unsigned from = rndn(MAXT);
			if (!tasks[from].t)
				continue;
			struct kmm_task *c;
			assert_int_equal(kmm_task_fork(tasks[from].t, "dchild", &c), 0);
			memcpy(mt->seed, tasks[from].seed, sizeof(mt->seed));
			memcpy(mt->prot, tasks[from].prot, sizeof(mt->prot));
			mt->t = c;
			continue;
		}
		unsigned p = rndn(DPAGES);
		unsigned n = 1 + rndn(8);
		if (p + n > DPAGES)
			n = DPAGES - p;
		switch (rndn(10)) {
		case 0:
		case 1:
		case 2: /* write */
			for (unsigned i = p; i < p + n; i++)
				if (mt->seed[i] >= 0 && (mt->prot[i] & KMM_PROT_WRITE))
					page_write(mt, i, next_seed++);
			break;
		case 3:
		case 4:
		case 5: /* read back */
			for (unsigned i = p; i < p + n; i++)
				if (mt->seed[i] >= 0 && (mt->prot[i] & KMM_PROT_READ)) {
					page_check(mt, i);
					checks++;
				}
			break;
		case 6: /* exit (keep at least one task) */
			if (rndn(4) == 0) {
				int live = 0;
				for (int k = 0; k < MAXT; k++)
					live += tasks[k].t != NULL;
				if (live > 1) {
					kmm_task_exit(mt->t);
					mt->t = NULL;
				}
			}
			break;
		case 7: { /* mprotect read-only and back, or munmap + remap zero */
			uint64_t a = DBASE + p * PG;
			if (rndn(2)) {
				int r = kmm_mprotect(mt->t, a, n * PG, KMM_PROT_READ);
				bool hole = false;
				for (unsigned i = p; i < p + n; i++)
					hole |= mt->seed[i] < 0;
				if (!hole) {
					assert_int_equal(r, 0);
					for (unsigned i = p; i < p + n; i++)
						mt->prot[i] = KMM_PROT_READ;
				} else {
					/* restore a known state: write-enable what is mapped */
					for (unsigned i = p; i < p + n; i++)
						if (mt->seed[i] >= 0) {
							assert_int_equal(
								kmm_mprotect(
									mt->t, DBASE + i * PG, PG,
									KMM_PROT_READ |
										KMM_PROT_WRITE),
								0);
							mt->prot[i] =
								KMM_PROT_READ | KMM_PROT_WRITE;
						}
				}
			} else {
				/* write-enable every mapped page of the range */
				for (unsigned i = p; i < p + n; i++)
					if (mt->seed[i] >= 0) {
						assert_int_equal(
							kmm_mprotect(mt->t, DBASE + i * PG, PG,
								     KMM_PROT_READ |
									     KMM_PROT_WRITE),
							0);
						mt->prot[i] = KMM_PROT_READ | KMM_PROT_WRITE;
					}
			}
			break;
		}
		case 8: /* munmap a hole, or map zero pages back */
			if (rndn(2)) {
				assert_int_equal(kmm_munmap(mt->t, DBASE + p * PG, n * PG), 0);
				for (unsigned i = p; i < p + n; i++)
					mt->seed[i] = -1;
			} else {
				assert_int_equal(kmm_mmap(mt->t, DBASE + p * PG, n * PG,
							  KMM_PROT_READ | KMM_PROT_WRITE,
							  KMM_MAP_PRIVATE | KMM_MAP_ANONYMOUS |
								  KMM_MAP_FIXED,
							  -1, 0),
						 (long)(DBASE + p * PG));
				for (unsigned i = p; i < p + n; i++) {
					mt->seed[i] = 0;
					mt->prot[i] = KMM_PROT_READ | KMM_PROT_WRITE;
				}
			}
			break;
		case 9: { /* DONTNEED drops private data; or swap two ranges by mremap */
			if (rndn(2)) {
				bool hole = false;
				for (unsigned i = p; i < p + n; i++)
					hole |= mt->seed[i] < 0;
				int r = kmm_madvise(mt->t, DBASE + p * PG, n * PG,
						    KMM_MADV_DONTNEED);
				if (r != (hole ? -KMM_ENOMEM : 0)) {
					for (struct vm_area_struct *v = mt->t->mm->mmap; v;
					     v = v->vm_next)
						print_message(
							"vma %llx-%llx\n",
							(unsigned long long)(v->vm_start - DBASE) /
								PG,
							(unsigned long long)(v->vm_end - DBASE) /
								PG);
					for (unsigned i = p; i < p + n; i++)
						print_message("page %u seed %lld\n", i,
							      (long long)mt->seed[i]);
				}
				assert_int_equal(r, hole ? -KMM_ENOMEM : 0);
				for (unsigned i = p; i < p + n; i++)
					if (mt->seed[i] > 0)
						mt->seed[i] = 0;
				break;
			}
			/* move one mapped page to an unmapped slot */
			unsigned d = rndn(DPAGES);
			if (mt->seed[p] < 0 || mt->seed[d] >= 0)
				break;
			long r = kmm_mremap(mt->t, DBASE + p * PG, PG, PG,
					    KMM_MREMAP_MAYMOVE | KMM_MREMAP_FIXED, DBASE + d * PG);
			assert_int_equal(r, (long)(DBASE + d * PG));
			mt->seed[d] = mt->seed[p];
			mt->prot[d] = mt->prot[p];
			mt->seed[p] = -1;
			break;
		}
		}
		if (op % 3000 == 0)
			for (int k = 0; k < MAXT; k++)
				if (tasks[k].t)
					assert_null(validate_mm(tasks[k].t->mm));
	}
	/* final full check of every task, then everything goes back */
	for (int k = 0; k < MAXT; k++) {
		if (!tasks[k].t)
			continue;
		for (unsigned p = 0; p < DPAGES; p++)
			if (tasks[k].seed[p] >= 0 && (tasks[k].prot[p] & KMM_PROT_READ))
				page_check(&tasks[k], p);
		kmm_task_exit(tasks[k].t);
	}
	assert_true(checks > 10000);
	assert_int_equal(global_node_page_state_snapshot(m, NR_ANON_MAPPED), anon0);
	assert_int_equal(atomic_load(&m->nr_bad_pages), 0);
	kmm_cpu_leave(m);
	kmm_machine_shutdown(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vma_model),
		cmocka_unit_test(test_unmapped_area),
		cmocka_unit_test(test_data_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
