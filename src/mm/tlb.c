/* SPDX-License-Identifier: MIT */
/*
 * src/mm/tlb.c - the software MMU of each CPU slot (arch/x86/mm/tlb.c,
 * arch/x86/mm/fault.c, and what the hardware page walker does).
 *
 * TLB shape (per CPU slot, like a recent x86 core):
 *   L1 dTLB  64 entries, 4-way set associative (16 sets)
 *   L2 STLB  1024 entries, 8-way (128 sets), filled on L1 misses
 * Entries are tagged with a context id (x86's PCID): each slot keeps up to
 * TLB_NR_CTX address spaces' contexts live (TLB_NR_DYN_ASIDS in Linux), so
 * switching between tasks does not flush.  An entry caches the leaf PTE
 * with the permissions of the whole walk folded in, and the dirty bit as
 * it was: a write through an entry without D walks again, as the hardware
 * does to set D in memory.
 *
 * The walk reads the four levels with atomic loads (no locks: other CPUs
 * change tables under their locks) and sets A (and D for writes) with a
 * compare-and-swap, retrying if the entry changed.
 *
 * Shoot-downs (flush_tlb_*): each mm carries a generation (tlb_gen) and a
 * mask of the CPU slots that have used it.  A flush bumps the generation,
 * flushes the caller's own TLB precisely, and waits until no other CPU in
 * the mask is inside an access that started before the bump.  A CPU
 * compares its context's generation with the mm's at the start of every
 * access and flushes itself when it is behind - the IPI that Linux sends
 * becomes a check on the next access, and the wait gives the flush the
 * same guarantee: after flush_tlb_* returns, no CPU uses a stale entry,
 * so pages and page tables may be freed.  Accesses mark themselves with
 * the slot's tlb_seq (odd inside) and take faults outside that window.
 */
#include "mm/vma.h"

#define TLB_L1_SETS 16
#define TLB_L1_WAYS 4
#define TLB_L2_SETS 128
#define TLB_L2_WAYS 8
#define TLB_NR_CTX 6
#define TLB_CTX_BITS 12
#define TLB_MAX_CTX ((1u << TLB_CTX_BITS) - 1)
/* beyond this many pages a range flush drops the whole context (Linux's
 * tlb_single_page_flush_ceiling) */
#define TLB_FLUSH_CEILING 33

struct tlb_entry {
	uint64_t tag; /* vpn << 12 | ctx; 0 = invalid (ctx ids start at 1) */
	pteval_t pte; /* leaf PTE, permissions of the walk folded in */
};

struct tlb_ctx {
	uint64_t ctx_id; /* mm->ctx_id of the address space (0: free) */
	uint64_t gen;	 /* mm->tlb_gen this context is current with */
	unsigned id;	 /* the tag's context id */
	unsigned lru;
};

struct kmm_tlb {
	struct tlb_entry l1[TLB_L1_SETS * TLB_L1_WAYS];
	struct tlb_entry l2[TLB_L2_SETS * TLB_L2_WAYS];
	unsigned char l1_next[TLB_L1_SETS], l2_next[TLB_L2_SETS]; /* replacement */
	/* the loaded context */
	uint64_t cur_ctx_id;
	uint64_t cur_gen;
	struct mm_struct *cur_mm;
	unsigned cur_tag;
	int cur_slot;
	struct tlb_ctx ctx[TLB_NR_CTX];
	unsigned next_id, lru_clock;
	struct kmm_machine *machine;
	/* shoot-downs use membarrier(2): the access window needs no fence */
	bool asym;
	/* statistics (owner-written) */
	unsigned long l1_hits, l2_hits, walks, flushes, full_flushes;
};

/* ---- setup ------------------------------------------------------------------------ */

/*
 * A TLB is hardware, not kernel memory: it lives in host memory outside
 * the simulated RAM, so it costs the machine no pages.
 */
int tlb_cpu_init(struct kmm_machine *m, struct kmm_cpu *c)
{
	struct kmm_tlb *t;
	int ret = kmm_port_mem_reserve(sizeof(*t), (void **)&t);
	if (ret)
		return ret;
	t->machine = m;
	t->next_id = 1;
	t->cur_slot = -1;
	t->asym = kmm_port_membarrier_register() == 0;
	c->tlb = t;
	atomic_init(&c->tlb_seq, 0);
	return 0;
}

void tlb_cpu_exit(struct kmm_machine *m, struct kmm_cpu *c)
{
	(void)m;
	if (c->tlb)
		kmm_port_mem_release(c->tlb, sizeof(*c->tlb));
	c->tlb = NULL;
}

/* ---- entries ------------------------------------------------------------------------ */

static void tlb_flush_all(struct kmm_tlb *t)
{
	kmm_memset(t->l1, 0, sizeof(t->l1));
	kmm_memset(t->l2, 0, sizeof(t->l2));
	for (int i = 0; i < TLB_NR_CTX; i++)
		t->ctx[i].ctx_id = 0;
	t->cur_ctx_id = 0;
	t->cur_mm = NULL;
	t->cur_slot = -1;
	t->next_id = 1;
	t->full_flushes++;
}

/* A fresh context id: the old id's entries become unreachable. */
static unsigned tlb_new_id(struct kmm_tlb *t)
{
	if (t->next_id > TLB_MAX_CTX)
		tlb_flush_all(t);
	return t->next_id++;
}

static void tlb_flush_one(struct kmm_tlb *t, uint64_t va, unsigned id)
{
	uint64_t vpn = va >> KMM_PAGE_SHIFT;
	uint64_t tag = (vpn << TLB_CTX_BITS) | id;
	struct tlb_entry *s1 = &t->l1[(vpn & (TLB_L1_SETS - 1)) * TLB_L1_WAYS];
	for (int w = 0; w < TLB_L1_WAYS; w++)
		if (s1[w].tag == tag)
			s1[w].tag = 0;
	struct tlb_entry *s2 = &t->l2[(vpn & (TLB_L2_SETS - 1)) * TLB_L2_WAYS];
	for (int w = 0; w < TLB_L2_WAYS; w++)
		if (s2[w].tag == tag)
			s2[w].tag = 0;
}

static void tlb_fill(struct kmm_tlb *t, uint64_t va, pteval_t pte)
{
	uint64_t vpn = va >> KMM_PAGE_SHIFT;
	uint64_t tag = (vpn << TLB_CTX_BITS) | t->cur_tag;
	unsigned s = (unsigned)(vpn & (TLB_L1_SETS - 1));
	struct tlb_entry *s1 = &t->l1[s * TLB_L1_WAYS];
	int w;
	for (w = 0; w < TLB_L1_WAYS; w++)
		if (s1[w].tag == tag)
			break;
	if (w == TLB_L1_WAYS) {
		w = t->l1_next[s];
		t->l1_next[s] = (unsigned char)((w + 1) % TLB_L1_WAYS);
		/* the victim moves down to the L2 */
		if (s1[w].tag) {
			uint64_t vvpn = s1[w].tag >> TLB_CTX_BITS;
			unsigned s2i = (unsigned)(vvpn & (TLB_L2_SETS - 1));
			struct tlb_entry *s2 = &t->l2[s2i * TLB_L2_WAYS];
			int w2;
			for (w2 = 0; w2 < TLB_L2_WAYS; w2++)
				if (s2[w2].tag == s1[w].tag)
					break;
			if (w2 == TLB_L2_WAYS) {
				w2 = t->l2_next[s2i];
				t->l2_next[s2i] = (unsigned char)((w2 + 1) % TLB_L2_WAYS);
			}
			s2[w2] = s1[w];
		}
	}
	s1[w].tag = tag;
	s1[w].pte = pte;
}

/* ---- context switch ------------------------------------------------------------------ */

/*
 * Make @mm the loaded context of this CPU, current with its generation.
 * Called inside the access window (tlb_seq odd), after the mm's cpumask
 * bit is set, so a concurrent flush either sees us in its mask or we see
 * its generation.
 */
static __attribute__((noinline)) void tlb_switch(struct kmm_tlb *t, struct mm_struct *mm,
						 uint64_t gen)
{
	int slot = -1;
	for (int i = 0; i < TLB_NR_CTX; i++)
		if (t->ctx[i].ctx_id == mm->ctx_id) {
			slot = i;
			break;
		}
	if (slot < 0) {
		unsigned oldest = ~0u;
		for (int i = 0; i < TLB_NR_CTX; i++) {
			if (!t->ctx[i].ctx_id) {
				slot = i;
				break;
			}
			if (t->ctx[i].lru < oldest) {
				oldest = t->ctx[i].lru;
				slot = i;
			}
		}
		t->ctx[slot].ctx_id = mm->ctx_id;
		t->ctx[slot].gen = ~0ULL;
	}
	struct tlb_ctx *x = &t->ctx[slot];
	if (x->gen != gen) {
		/* behind a flush (or new here): start from an empty context */
		x->id = tlb_new_id(t);
		/* tlb_new_id may have flushed everything, slots included */
		x->ctx_id = mm->ctx_id;
		x->gen = gen;
		t->flushes++;
	}
	x->lru = ++t->lru_clock;
	t->cur_slot = slot;
	t->cur_ctx_id = mm->ctx_id;
	t->cur_gen = gen;
	t->cur_mm = mm;
	t->cur_tag = x->id;
}

static inline void access_begin(struct kmm_cpu *c, struct mm_struct *mm)
{
	unsigned s = atomic_load_explicit(&c->tlb_seq, memory_order_relaxed);
	atomic_store_explicit(&c->tlb_seq, s + 1, memory_order_relaxed);
	/* order the odd store before reading the mm's generation (Dekker with
	 * the flusher's increment-then-read): with membarrier(2) the flusher
	 * forces the barrier on us when it needs it, so only the compiler
	 * must keep the order */
	struct kmm_tlb *t = c->tlb;
	if (likely(t->asym))
		atomic_signal_fence(memory_order_seq_cst);
	else
		atomic_thread_fence(memory_order_seq_cst);
	uint64_t gen = atomic_load_explicit(&mm->tlb_gen, memory_order_relaxed);
	if (likely(t->cur_ctx_id == mm->ctx_id && t->cur_gen == gen))
		return;
	uint64_t bit = 1ULL << c->id;
	if (!(atomic_load_explicit(&mm->cpumask, memory_order_relaxed) & bit)) {
		atomic_fetch_or(&mm->cpumask, bit);
		gen = atomic_load(&mm->tlb_gen);
	}
	tlb_switch(t, mm, gen);
}

/*
 * Open the access window and report whether the CPU's loaded context is
 * @mm's and current (the common case); if not, the caller closes the
 * window and takes the general path, whose access_begin() switches.
 */
static inline bool access_begin_fast(struct kmm_cpu *c, struct kmm_tlb *t, struct mm_struct *mm,
				     unsigned *seq)
{
	unsigned s = atomic_load_explicit(&c->tlb_seq, memory_order_relaxed);
	*seq = s;
	atomic_store_explicit(&c->tlb_seq, s + 1, memory_order_relaxed);
	if (likely(t->asym))
		atomic_signal_fence(memory_order_seq_cst);
	else
		atomic_thread_fence(memory_order_seq_cst);
	uint64_t gen = atomic_load_explicit(&mm->tlb_gen, memory_order_relaxed);
	return t->cur_ctx_id == mm->ctx_id && t->cur_gen == gen;
}

static inline void access_end(struct kmm_cpu *c)
{
	unsigned s = atomic_load_explicit(&c->tlb_seq, memory_order_relaxed);
	atomic_store_explicit(&c->tlb_seq, s + 1, memory_order_release);
}

/* ---- the walk -------------------------------------------------------------------------- */

/* Permission bits an access needs in the folded entry. */
static inline pteval_t access_need(int access)
{
	return access == KMM_ACCESS_WRITE ? (_PAGE_PRESENT | _PAGE_USER | _PAGE_RW | _PAGE_DIRTY) :
					    (_PAGE_PRESENT | _PAGE_USER);
}

/*
 * Walk the tables for @va.  Returns the folded leaf entry (permissions of
 * every level ANDed, NX ORed), having set A (and D for writes), or 0 with
 * *ec set to the x86 error code.
 */
static pteval_t mmu_walk(struct kmm_machine *m, struct mm_struct *mm, uint64_t va, int access,
			 unsigned *ec)
{
	unsigned base_ec = KMM_PF_USER | (access == KMM_ACCESS_WRITE ? KMM_PF_WRITE : 0) |
			   (access == KMM_ACCESS_EXEC ? KMM_PF_INSTR : 0);
retry:;
	pteval_t *table = mm->pgd;
	pteval_t fold = _PAGE_RW | _PAGE_USER, nx = 0;
	static const unsigned shifts[4] = { PGDIR_SHIFT, PUD_SHIFT, PMD_SHIFT, KMM_PAGE_SHIFT };
	for (int level = 0; level < 4; level++) {
		pteval_t *slot = &table[(va >> shifts[level]) & 511];
		pteval_t e = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
		if (!(e & _PAGE_PRESENT)) {
			*ec = base_ec;
			return 0;
		}
		fold &= e;
		nx |= e & _PAGE_NX;
		bool leaf = level == 3 || (level == 2 && (e & _PAGE_PSE));
		pteval_t want = _PAGE_ACCESSED;
		if (leaf && access == KMM_ACCESS_WRITE)
			want |= _PAGE_DIRTY;
		/* permission check before setting A/D, as the hardware */
		if (leaf) {
			bool bad = !(fold & _PAGE_USER) ||
				   (access == KMM_ACCESS_WRITE && !(fold & _PAGE_RW)) ||
				   (access == KMM_ACCESS_EXEC && nx);
			if (bad) {
				*ec = base_ec | KMM_PF_PROT;
				return 0;
			}
		}
		if ((e & want) != want) {
			if (!__atomic_compare_exchange_n(slot, &e, e | want, false,
							 __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
				goto retry;
			e |= want;
		}
		if (leaf) {
			pteval_t out = (e & ~(_PAGE_RW | _PAGE_USER | _PAGE_NX)) | fold | nx;
			if (level == 2) /* a 2 MiB page: splinter it into the 4 KiB entry */
				out = ((out & PTE_PFN_MASK & ~(PMD_SIZE - 1)) |
				       (va & (PMD_SIZE - 1) & KMM_PAGE_MASK)) |
				      (out & PTE_FLAGS_MASK & ~_PAGE_PSE);
			return out;
		}
		table = pt_table(m, e);
	}
	return 0; /* not reached */
}

/* The leaf entry of @va's L1 hit if it allows @access, else 0. */
static inline pteval_t tlb_l1_lookup(struct kmm_tlb *t, uint64_t va, int access)
{
	uint64_t vpn = va >> KMM_PAGE_SHIFT;
	uint64_t tag = (vpn << TLB_CTX_BITS) | t->cur_tag;
	pteval_t need = access_need(access);
	struct tlb_entry *s1 = &t->l1[(vpn & (TLB_L1_SETS - 1)) * TLB_L1_WAYS];
	for (int w = 0; w < TLB_L1_WAYS; w++) {
		if (s1[w].tag == tag) {
			pteval_t p = s1[w].pte;
			if (likely((p & need) == need &&
				   !(access == KMM_ACCESS_EXEC && (p & _PAGE_NX)))) {
				t->l1_hits++;
				return p;
			}
			return 0;
		}
	}
	return 0;
}

/* The L2 lookup and the walk: out of line, so that the L1 hit needs no frame. */
static __attribute__((noinline)) unsigned char *
mmu_translate_miss(struct kmm_tlb *t, struct mm_struct *mm, uint64_t va, int access, unsigned *ec)
{
	uint64_t vpn = va >> KMM_PAGE_SHIFT;
	uint64_t tag = (vpn << TLB_CTX_BITS) | t->cur_tag;
	pteval_t need = access_need(access);
	struct tlb_entry *s2 = &t->l2[(vpn & (TLB_L2_SETS - 1)) * TLB_L2_WAYS];
	for (int w = 0; w < TLB_L2_WAYS; w++) {
		if (s2[w].tag == tag) {
			pteval_t p = s2[w].pte;
			if ((p & need) == need && !(access == KMM_ACCESS_EXEC && (p & _PAGE_NX))) {
				t->l2_hits++;
				tlb_fill(t, va, p);
				return t->machine->ram + (p & PTE_PFN_MASK) + (va & ~KMM_PAGE_MASK);
			}
			break;
		}
	}
	t->walks++;
	pteval_t p = mmu_walk(t->machine, mm, va, access, ec);
	if (!p) {
		tlb_flush_one(t, va, t->cur_tag); /* drop a stale weaker entry */
		return NULL;
	}
	tlb_fill(t, va, p);
	return t->machine->ram + (p & PTE_PFN_MASK) + (va & ~KMM_PAGE_MASK);
}

/*
 * Translate @va for @access on CPU @c: the host address of the byte, or
 * NULL with *ec set.  Inside the access window.
 */
static inline unsigned char *mmu_translate(struct kmm_cpu *c, struct mm_struct *mm, uint64_t va,
					   int access, unsigned *ec)
{
	struct kmm_tlb *t = c->tlb;
	pteval_t p = tlb_l1_lookup(t, va, access); /* a present entry is never 0 */
	if (likely(p))
		return t->machine->ram + (p & PTE_PFN_MASK) + (va & ~KMM_PAGE_MASK);
	return mmu_translate_miss(t, mm, va, access, ec);
}

/* ---- shoot-downs --------------------------------------------------------------------------- */

/*
 * Bump the generation, flush our own entries for [start, end) (all when
 * @end is 0), and wait out every other CPU's access that began before.
 */
static void flush_tlb_mm_range(struct mm_struct *mm, uint64_t start, uint64_t end)
{
	struct kmm_machine *m = mm->machine;
	uint64_t gen = atomic_fetch_add(&mm->tlb_gen, 1) + 1; /* a full barrier */
	uint64_t mask = atomic_load(&mm->cpumask);
	struct kmm_cpu *self = kmm_get_cpu(m);
	struct kmm_tlb *t = self->tlb;
	/* our own TLB: precise when we were current just before this flush */
	if (t) {
		for (int i = 0; i < TLB_NR_CTX; i++) {
			struct tlb_ctx *x = &t->ctx[i];
			if (x->ctx_id != mm->ctx_id)
				continue;
			uint64_t pages = end ? (end - start) >> KMM_PAGE_SHIFT : ~0ULL;
			if (x->gen == gen - 1 && pages <= TLB_FLUSH_CEILING) {
				for (uint64_t a = start; a < end; a += KMM_PAGE_SIZE)
					tlb_flush_one(t, a, x->id);
				x->gen = gen;
				if (t->cur_slot == i)
					t->cur_gen = gen;
			} else if (t->cur_slot == i) {
				t->cur_ctx_id = 0; /* switch afresh on the next access */
			}
			break;
		}
	}
	mask &= ~(1ULL << self->id);
	bool asym = t && t->asym;
	kmm_put_cpu(m, self);
	/* the other half of the accessors' compiler-only barrier */
	if (mask && asym)
		kmm_port_membarrier();
	while (mask) {
		int cpu = __builtin_ctzll(mask);
		mask &= mask - 1;
		struct kmm_cpu *c = &m->cpus[cpu];
		unsigned s = atomic_load_explicit(&c->tlb_seq, memory_order_acquire);
		if (!(s & 1))
			continue;
		unsigned spins = 0;
		while (atomic_load_explicit(&c->tlb_seq, memory_order_acquire) == s) {
			if (++spins < 256)
				kmm_port_cpu_relax();
			else
				kmm_port_yield();
		}
	}
}

void flush_tlb_page(struct mm_struct *mm, uint64_t addr)
{
	addr &= KMM_PAGE_MASK;
	flush_tlb_mm_range(mm, addr, addr + KMM_PAGE_SIZE);
}

void flush_tlb_range(struct mm_struct *mm, uint64_t start, uint64_t end)
{
	flush_tlb_mm_range(mm, start & KMM_PAGE_MASK, (end + KMM_PAGE_SIZE - 1) & KMM_PAGE_MASK);
}

void flush_tlb_mm(struct mm_struct *mm)
{
	flush_tlb_mm_range(mm, 0, 0);
}

void tlb_mm_exit(struct mm_struct *mm)
{
	/* contexts are tagged by the never-reused ctx_id: stale slots can
	 * never match a later mm; forget the loaded pointer on our CPU */
	flush_tlb_mm(mm);
	struct kmm_cpu *c = kmm_get_cpu(mm->machine);
	if (c->tlb && c->tlb->cur_mm == mm) {
		c->tlb->cur_mm = NULL;
		c->tlb->cur_ctx_id = 0;
	}
	kmm_put_cpu(mm->machine, c);
}

/* ---- faults --------------------------------------------------------------------------------- */

static void show_signal(struct kmm_task *t, uint64_t addr, unsigned ec, int cpu)
{
	struct kmm_machine *m = t->machine;
	struct vm_area_struct *v = t->mm ? vma_lookup(t->mm, addr) : NULL;
	(void)v;
	pr_info(m,
		"%s[%d]: segfault at %llx ip 0000000000000000 sp 0000000000000000 error %x likely on CPU %d (core %d, socket 0)",
		t->comm, t->pid, (unsigned long long)addr, ec, cpu, cpu);
}

void task_kill(struct kmm_task *t, int sig)
{
	int zero = 0;
	atomic_compare_exchange_strong(&t->signal, &zero, sig);
}

/*
 * The page-fault handler for a user access (do_user_addr_fault): find the
 * VMA, check the access against it, and let handle_mm_fault resolve it.
 * Returns 0 to retry the access, or -errno after delivering a signal.
 */
static int do_user_addr_fault(struct kmm_task *t, uint64_t addr, unsigned ec, int cpu)
{
	struct kmm_machine *m = t->machine;
	struct mm_struct *mm = t->mm;
	if (addr >= mm->task_size) {
		show_signal(t, addr, ec | KMM_PF_PROT, cpu);
		task_kill(t, KMM_SIGSEGV);
		return -KMM_EFAULT;
	}
	unsigned flags = FAULT_FLAG_USER;
	if (ec & KMM_PF_WRITE)
		flags |= FAULT_FLAG_WRITE;
	if (ec & KMM_PF_INSTR)
		flags |= FAULT_FLAG_INSTRUCTION;
	down_read(&mm->mmap_lock);
	struct vm_area_struct *vma = find_vma(mm, addr);
	if (vma && vma->vm_start > addr) {
		if (!(vma->vm_flags & VM_GROWSDOWN)) {
			vma = NULL;
		} else {
			up_read(&mm->mmap_lock);
			down_write(&mm->mmap_lock);
			vma = find_vma(mm, addr);
			if (vma && vma->vm_start > addr && expand_stack(vma, addr))
				vma = NULL;
			downgrade_write(&mm->mmap_lock);
		}
	}
	bool bad = !vma;
	if (!bad) {
		if (flags & FAULT_FLAG_WRITE)
			bad = !(vma->vm_flags & VM_WRITE);
		else if (flags & FAULT_FLAG_INSTRUCTION)
			bad = !(vma->vm_flags & VM_EXEC);
		else
			bad = !(vma->vm_flags & (VM_READ | VM_WRITE | VM_EXEC));
	}
	if (bad) {
		up_read(&mm->mmap_lock);
		show_signal(t, addr, ec, cpu);
		task_kill(t, KMM_SIGSEGV);
		return -KMM_EFAULT;
	}
	unsigned r = handle_mm_fault(t, vma, addr, flags);
	bool file = vma->vm_file != NULL;
	up_read(&mm->mmap_lock);
	if (r & VM_FAULT_OOM)
		return -KMM_ENOMEM;
	if (r & VM_FAULT_SIGBUS) {
		pr_info(m, "%s[%d]: bus error at %llx: %s", t->comm, t->pid,
			(unsigned long long)addr,
			file ? "past the end of the mapped file, or a read error" :
			       "swap read error");
		task_kill(t, KMM_SIGBUS);
		return -KMM_EFAULT;
	}
	if (r & VM_FAULT_SIGSEGV) {
		show_signal(t, addr, ec, cpu);
		task_kill(t, KMM_SIGSEGV);
		return -KMM_EFAULT;
	}
	return 0;
}

/* ---- the access API --------------------------------------------------------------------------- */

/*
 * The bytes of user memory belong to the simulated program: two of its
 * threads racing on one address is the program's race, not kmm's (as
 * copy_to_user in Linux).  Under ThreadSanitizer the copy is therefore
 * left uninstrumented, word by word so it never becomes a memcpy call.
 */
#if defined(__SANITIZE_THREAD__)
#define KMM_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define KMM_TSAN 1
#endif
#endif
#ifdef KMM_TSAN
static KMM_NO_SANITIZE_THREAD void user_copy(void *dst, const void *src, size_t n)
{
	volatile unsigned char *d = dst;
	const volatile unsigned char *s = src;
	for (size_t i = 0; i < n; i++)
		d[i] = s[i];
}
#else
static inline void user_copy(void *dst, const void *src, size_t n)
{
	kmm_memcpy(dst, src, n);
}
#endif

static __attribute__((noinline)) int access_slow(struct kmm_task *t, uint64_t addr, void *buf,
						 size_t len, int access)
{
	if (!t || !t->mm || (unsigned)access > KMM_ACCESS_EXEC)
		return -KMM_EINVAL;
	if (atomic_load_explicit(&t->signal, memory_order_relaxed))
		return -KMM_ESRCH;
	struct kmm_machine *m = t->machine;
	struct mm_struct *mm = t->mm;
	struct kmm_cpu *c = kmm_get_cpu(m);
	__atomic_store_n(&t->last_cpu, c->id, __ATOMIC_RELAXED);
	unsigned char *p = buf;
	int ret = 0;
	if (addr + len < addr) {
		ret = do_user_addr_fault(t, ~0ULL & KMM_PAGE_MASK, KMM_PF_USER, c->id);
		goto out;
	}
	while (len) {
		size_t chunk = KMM_PAGE_SIZE - (addr & ~KMM_PAGE_MASK);
		if (chunk > len)
			chunk = len;
		unsigned ec = 0;
		access_begin(c, mm);
		unsigned char *host =
			addr < mm->task_size ? mmu_translate(c, mm, addr, access, &ec) : NULL;
		if (likely(host)) {
			if (access == KMM_ACCESS_WRITE)
				user_copy(host, p, chunk);
			else
				user_copy(p, host, chunk);
			access_end(c);
			addr += chunk;
			p += chunk;
			len -= chunk;
			continue;
		}
		access_end(c);
		if (addr >= mm->task_size)
			ec = KMM_PF_USER | KMM_PF_PROT |
			     (access == KMM_ACCESS_WRITE ? KMM_PF_WRITE : 0);
		ret = do_user_addr_fault(t, addr, ec, c->id);
		if (ret)
			break;
	}
out:
	kmm_put_cpu(m, c);
	return ret;
}

/*
 * The common case inline: a bound CPU with the task's context current,
 * an access within one page, an L1 TLB hit.  Everything else (and every
 * fault) goes to access_slow().
 */
int kmm_access(struct kmm_task *t, uint64_t addr, void *buf, size_t len, int access)
{
	if (likely(t && t->mm && (unsigned)access <= KMM_ACCESS_EXEC && len &&
		   len <= KMM_PAGE_SIZE - (addr & ~KMM_PAGE_MASK))) {
		struct kmm_machine *m = t->machine;
		struct mm_struct *mm = t->mm;
		struct kmm_cpu *c = kmm_this_cpu_fast(m);
		if (likely(c && addr < mm->task_size &&
			   !atomic_load_explicit(&t->signal, memory_order_relaxed))) {
			struct kmm_tlb *tlb = c->tlb;
			unsigned seq;
			if (likely(access_begin_fast(c, tlb, mm, &seq))) {
				pteval_t p = tlb_l1_lookup(tlb, addr, access);
				unsigned ec;
				unsigned char *host =
					likely(p) ? m->ram + (p & PTE_PFN_MASK) +
							    (addr & ~KMM_PAGE_MASK) :
						    mmu_translate_miss(tlb, mm, addr, access, &ec);
				if (likely(host)) {
					if (access == KMM_ACCESS_WRITE)
						user_copy(host, buf, len);
					else
						user_copy(buf, host, len);
					atomic_store_explicit(&c->tlb_seq, seq + 2,
							      memory_order_release);
					if (__atomic_load_n(&t->last_cpu, __ATOMIC_RELAXED) !=
					    c->id)
						__atomic_store_n(&t->last_cpu, c->id,
								 __ATOMIC_RELAXED);
					return 0;
				}
			}
			access_end(c);
		}
	}
	return access_slow(t, addr, buf, len, access);
}

/* Everything but the TLB-hit case of kmm_mmu_translate(). */
static __attribute__((noinline)) long long mmu_translate_slow(struct kmm_task *t, uint64_t va,
							      int access)
{
	struct kmm_machine *m = t->machine;
	struct kmm_cpu *c = kmm_get_cpu(m);
	unsigned ec = 0;
	access_begin(c, t->mm);
	unsigned char *host = mmu_translate(c, t->mm, va, access, &ec);
	access_end(c);
	kmm_put_cpu(m, c);
	return host ? (long long)(host - m->ram) : -KMM_EFAULT;
}

/* Translate without copying (the `tlb_hit`/`walk` benchmarks, debugging):
 * the physical address of @va, or -errno without faulting. */
long long kmm_mmu_translate(struct kmm_task *t, uint64_t va, int access)
{
	struct kmm_machine *m = t->machine;
	struct kmm_cpu *c = kmm_this_cpu_fast(m);
	if (likely(c)) {
		/* a bound CPU, the mm's context loaded and current: an L1 hit
		 * needs no frame */
		struct kmm_tlb *tlb = c->tlb;
		struct mm_struct *mm = t->mm;
		unsigned seq;
		if (likely(access_begin_fast(c, tlb, mm, &seq))) {
			pteval_t p = tlb_l1_lookup(tlb, va, access);
			long long pa;
			if (likely(p)) {
				pa = (long long)((p & PTE_PFN_MASK) + (va & ~KMM_PAGE_MASK));
			} else {
				unsigned ec;
				unsigned char *host = mmu_translate_miss(tlb, mm, va, access, &ec);
				pa = host ? (long long)(host - m->ram) : -KMM_EFAULT;
			}
			/* only this CPU writes its tlb_seq: no reload */
			atomic_store_explicit(&c->tlb_seq, seq + 2, memory_order_release);
			return pa;
		}
		access_end(c);
	}
	return mmu_translate_slow(t, va, access);
}

/* Drop the calling CPU's TLB entirely (the `walk` benchmark). */
void kmm_mmu_flush_local(struct kmm_machine *m)
{
	struct kmm_cpu *c = kmm_get_cpu(m);
	tlb_flush_all(c->tlb);
	kmm_put_cpu(m, c);
}

void kmm_mmu_stats(struct kmm_machine *m, int cpu, unsigned long out[5])
{
	struct kmm_tlb *t = m->cpus[cpu].tlb;
	out[0] = t->l1_hits;
	out[1] = t->l2_hits;
	out[2] = t->walks;
	out[3] = t->flushes;
	out[4] = t->full_flushes;
}
