/* SPDX-License-Identifier: MIT */
/*
 * src/mm/mprotect.c - changing the properties of a range of VMAs:
 * mprotect (mm/mprotect.c), mlock/munlock (mm/mlock.c), and the flag
 * changes of madvise.  Shared by all three: split the VMAs at the range's
 * ends, change their flags, rewrite the PTEs where protection changed,
 * flush the TLBs that may hold the old permissions, and merge neighbours
 * that became identical.
 */
#include "mm/vma.h"

/* Can @a and @b (adjacent, a below b) become one VMA? */
static bool vmas_mergeable(const struct vm_area_struct *a, const struct vm_area_struct *b)
{
	if (a->vm_end != b->vm_start || a->vm_flags != b->vm_flags || a->vm_file != b->vm_file)
		return false;
	if (a->vm_pgoff + vma_pages(a) != b->vm_pgoff)
		return false;
	/* one anon_vma for both (or one side without anonymous pages yet,
	 * which then adopts the other's chains) */
	if (a->anon_vma && b->anon_vma && a->anon_vma != b->anon_vma)
		return false;
	return !(a->vm_flags & VM_GROWSDOWN);
}

/* Merge @v with its neighbours where possible; returns the surviving VMA. */
struct vm_area_struct *vma_merge_neighbours(struct mm_struct *mm, struct vm_area_struct *v)
{
	if (v->vm_next && vmas_mergeable(v, v->vm_next))
		vma_merge_pair(mm, v, v->vm_next);
	if (v->vm_prev && vmas_mergeable(v->vm_prev, v)) {
		struct vm_area_struct *p = v->vm_prev;
		vma_merge_pair(mm, p, v);
		v = p;
	}
	return v;
}

struct prot_arg {
	struct vm_area_struct *vma;
	pteval_t prot;
	bool changed;
};

static int change_one(pteval_t *pte, uint64_t addr, void *arg)
{
	(void)addr;
	struct prot_arg *pa = arg;
	pteval_t old = pte_read(pte);
	if (!pte_present(old))
		return 0; /* swap entries keep their protection in the VMA */
	pteval_t keep = old & (PTE_PFN_MASK | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_SPECIAL);
	pteval_t prot = pa->prot;
	/* private pages regain write access through a write fault (COW or
	 * reuse decides) */
	if (!(pa->vma->vm_flags & VM_SHARED))
		prot &= ~_PAGE_RW;
	if (old & _PAGE_SPECIAL)
		prot &= ~_PAGE_RW;
	pteval_t e = keep | prot;
	if (e != old) {
		/* cmpxchg: keep A/D bits a lockless walker sets meanwhile */
		pteval_t cur = old;
		while (!__atomic_compare_exchange_n(pte, &cur,
						    e | (cur & (_PAGE_ACCESSED | _PAGE_DIRTY)),
						    false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
			;
		pa->changed = true;
	}
	return 0;
}

static pteval_t vma_prot_for(const struct vm_area_struct *vma)
{
	pteval_t p = vm_get_page_prot(vma->vm_flags);
	if ((vma->vm_flags & VM_SHARED) && vma->vm_file && !vma->vm_file->shmem)
		p &= ~_PAGE_RW;
	return p;
}

/*
 * Apply @fn's flag change to every VMA in [start, end).  Returns 0,
 * -KMM_ENOMEM if part of the range is unmapped (the mapped parts are
 * changed, as Linux), or the first error of @check.
 */
int vma_modify_range(struct mm_struct *mm, uint64_t start, uint64_t end,
		     unsigned long (*fn)(struct vm_area_struct *v, void *arg, int *err), void *arg,
		     bool stop_at_hole)
{
	struct vm_area_struct *vma = find_vma(mm, start);
	if (!vma || vma->vm_start >= end)
		return -KMM_ENOMEM;
	int ret = 0;
	if (vma->vm_start > start) {
		/* mprotect and mlock refuse a range that starts unmapped */
		if (stop_at_hole)
			return -KMM_ENOMEM;
		ret = -KMM_ENOMEM;
	}
	/* first pass: check every VMA (up to a hole, if we stop there) accepts it */
	uint64_t stop = end;
	for (struct vm_area_struct *v = vma; v && v->vm_start < end; v = v->vm_next) {
		int err = 0;
		fn(v, arg, &err);
		if (err)
			return err;
		if (v->vm_end < end && (!v->vm_next || v->vm_end != v->vm_next->vm_start)) {
			ret = -KMM_ENOMEM;
			if (stop_at_hole) {
				stop = v->vm_end;
				break;
			}
		}
	}
	end = stop;
	struct vm_area_struct *v = vma;
	while (v && v->vm_start < end) {
		int err = 0;
		unsigned long newflags = fn(v, arg, &err);
		if (newflags != v->vm_flags) {
			if (v->vm_start < start) {
				if ((err = __split_vma(mm, v, start, 0)))
					return err;
				v = v->vm_next;
			}
			if (v->vm_end > end && (err = __split_vma(mm, v, end, 1)))
				return err;
			if (v->vm_end > end) /* the split put the lower half below */
				v = v->vm_prev;
			unsigned long old = v->vm_flags;
			long npages = (long)vma_pages(v);
			/* a private mapping made writable is charged now */
			if ((newflags & VM_WRITE) &&
			    !(old & (VM_WRITE | VM_ACCOUNT | VM_SHARED | VM_NORESERVE)) &&
			    !v->vm_file) {
				if (security_vm_enough_memory_mm(mm, npages))
					return -KMM_ENOMEM;
				newflags |= VM_ACCOUNT;
				mm->committed += (unsigned long)npages;
			}
			if ((newflags & VM_LOCKED) && !(old & VM_LOCKED))
				mm->locked_vm += (unsigned long)npages;
			if (!(newflags & VM_LOCKED) && (old & VM_LOCKED))
				mm->locked_vm -= (unsigned long)npages;
			__atomic_store_n(&v->vm_flags, newflags, __ATOMIC_RELAXED);
			pteval_t prot = vma_prot_for(v);
			if (prot != v->vm_page_prot || ((old ^ newflags) & VM_ACCESS_FLAGS)) {
				v->vm_page_prot = prot;
				struct prot_arg pa = { .vma = v, .prot = prot };
				walk_pte_range(mm, v->vm_start, v->vm_end, change_one, &pa);
				if (pa.changed)
					flush_tlb_range(mm, v->vm_start, v->vm_end);
			}
			v = vma_merge_neighbours(mm, v);
		}
		v = v->vm_next;
	}
	return ret;
}

/* ---- mprotect ------------------------------------------------------------------------ */

static unsigned long mprotect_flags(struct vm_area_struct *v, void *arg, int *err)
{
	int prot = *(int *)arg;
	unsigned long nf = v->vm_flags & ~VM_ACCESS_FLAGS;
	if (prot & KMM_PROT_READ)
		nf |= VM_READ;
	if (prot & KMM_PROT_WRITE)
		nf |= VM_WRITE;
	if (prot & KMM_PROT_EXEC)
		nf |= VM_EXEC;
	if ((nf & VM_WRITE) && !(v->vm_flags & VM_MAYWRITE))
		*err = -KMM_EACCES;
	if ((nf & VM_READ) && !(v->vm_flags & VM_MAYREAD))
		*err = -KMM_EACCES;
	return nf;
}

static int range_check(struct mm_struct *mm, uint64_t start, uint64_t len, uint64_t *end)
{
	if (start & ~KMM_PAGE_MASK)
		return -KMM_EINVAL;
	uint64_t l = (len + KMM_PAGE_SIZE - 1) & KMM_PAGE_MASK;
	if (len && !l)
		return -KMM_ENOMEM;
	*end = start + l;
	if (*end < start || *end > mm->task_size)
		return -KMM_ENOMEM;
	return 0;
}

int kmm_mprotect(struct kmm_task *t, uint64_t addr, uint64_t len, int prot)
{
	if (!t || !t->mm)
		return -KMM_EINVAL;
	if (prot & ~(KMM_PROT_READ | KMM_PROT_WRITE | KMM_PROT_EXEC))
		return -KMM_EINVAL;
	struct mm_struct *mm = t->mm;
	uint64_t end;
	int ret = range_check(mm, addr, len, &end);
	if (ret || end == addr)
		return ret;
	down_write(&mm->mmap_lock);
	ret = vma_modify_range(mm, addr, end, mprotect_flags, &prot, true);
	up_write(&mm->mmap_lock);
	return ret;
}

/* ---- mlock ----------------------------------------------------------------------------- */

static unsigned long mlock_flags(struct vm_area_struct *v, void *arg, int *err)
{
	(void)err;
	unsigned long set = *(unsigned long *)arg;
	return (v->vm_flags & ~KMM_VM_LOCKED_FLAGS) | set;
}

int kmm_mlock(struct kmm_task *t, uint64_t addr, uint64_t len, int flags)
{
	if (!t || !t->mm || (flags & ~KMM_MLOCK_ONFAULT))
		return -KMM_EINVAL;
	struct mm_struct *mm = t->mm;
	uint64_t start = addr & KMM_PAGE_MASK, end;
	int ret = range_check(mm, start, len + (addr - start), &end);
	if (ret || end == start)
		return ret;
	unsigned long set = VM_LOCKED | ((flags & KMM_MLOCK_ONFAULT) ? VM_LOCKONFAULT : 0);
	down_write(&mm->mmap_lock);
	ret = vma_modify_range(mm, start, end, mlock_flags, &set, true);
	if (!ret && !(flags & KMM_MLOCK_ONFAULT)) {
		downgrade_write(&mm->mmap_lock);
		for (struct vm_area_struct *v = find_vma(mm, start); v && v->vm_start < end;
		     v = v->vm_next) {
			uint64_t s = v->vm_start > start ? v->vm_start : start;
			uint64_t e = v->vm_end < end ? v->vm_end : end;
			int r = populate_vma_range(t, v, s, e);
			if (r && !ret)
				ret = r == -KMM_EFAULT ? -KMM_ENOMEM : r;
		}
		up_read(&mm->mmap_lock);
		return ret;
	}
	up_write(&mm->mmap_lock);
	return ret;
}

int kmm_munlock(struct kmm_task *t, uint64_t addr, uint64_t len)
{
	if (!t || !t->mm)
		return -KMM_EINVAL;
	struct mm_struct *mm = t->mm;
	uint64_t start = addr & KMM_PAGE_MASK, end;
	int ret = range_check(mm, start, len + (addr - start), &end);
	if (ret || end == start)
		return ret;
	unsigned long set = 0;
	down_write(&mm->mmap_lock);
	ret = vma_modify_range(mm, start, end, mlock_flags, &set, true);
	up_write(&mm->mmap_lock);
	return ret;
}
