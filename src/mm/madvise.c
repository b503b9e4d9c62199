/* SPDX-License-Identifier: MIT */
/*
 * src/mm/madvise.c - madvise (mm/madvise.c) and msync (mm/msync.c).
 *
 *   MADV_DONTNEED   drop the pages now: anonymous memory reads as zeroes
 *                   afterwards, private file mappings refault from the file
 *   MADV_FREE       anonymous pages become lazily freeable: their PTEs are
 *                   cleaned and the pages lose PG_swapbacked, so reclaim
 *                   may discard them instead of swapping - unless written
 *                   again first (the write sets the dirty bit)
 *   MADV_WILLNEED   read file pages into the page cache ahead of use
 *   MADV_HUGEPAGE / NOHUGEPAGE, MADV_RANDOM / SEQUENTIAL / NORMAL
 *                   VMA flags for THP and readahead
 */
#include "mm/vma.h"

static unsigned long flag_change(struct vm_area_struct *v, void *arg, int *err)
{
	int advice = *(int *)arg;
	unsigned long f = v->vm_flags;
	(void)err;
	switch (advice) {
	case KMM_MADV_NORMAL:
		return f & ~(VM_RAND_READ | VM_SEQ_READ);
	case KMM_MADV_RANDOM:
		return (f & ~VM_SEQ_READ) | VM_RAND_READ;
	case KMM_MADV_SEQUENTIAL:
		return (f & ~VM_RAND_READ) | VM_SEQ_READ;
	case KMM_MADV_HUGEPAGE:
		return (f & ~VM_NOHUGEPAGE) | VM_HUGEPAGE;
	case KMM_MADV_NOHUGEPAGE:
		return (f & ~VM_HUGEPAGE) | VM_NOHUGEPAGE;
	}
	return f;
}

static int free_one(pteval_t *pte, uint64_t addr, void *arg)
{
	struct vm_area_struct *vma = arg;
	pteval_t e = pte_read(pte);
	if (!(e & _PAGE_PRESENT))
		return 0;
	struct page *page = vm_normal_page(vma, addr, e);
	/* only pages this mm alone maps: shared COW pages stay as they are */
	/* (a page in the swap cache keeps its slot: not lazily freeable) */
	if (!page || !PageAnon(page) || page_mapcount(page) != 1 || PageSwapCache(page))
		return 0;
	__atomic_fetch_and(pte, ~(_PAGE_DIRTY | _PAGE_ACCESSED), __ATOMIC_ACQ_REL);
	ClearPageDirty(page);
	if (PageSwapBacked(page)) {
		ClearPageSwapBacked(page);
		count_vm_events(vma->vm_mm->machine, PGLAZYFREE, 1);
	}
	return 0;
}

int kmm_madvise(struct kmm_task *t, uint64_t addr, uint64_t len, int advice)
{
	if (!t || !t->mm)
		return -KMM_EINVAL;
	struct mm_struct *mm = t->mm;
	if (addr & ~KMM_PAGE_MASK)
		return -KMM_EINVAL;
	uint64_t l = (len + KMM_PAGE_SIZE - 1) & KMM_PAGE_MASK;
	if (len && !l)
		return -KMM_EINVAL;
	uint64_t end = addr + l;
	if (end < addr)
		return -KMM_EINVAL;
	switch (advice) {
	case KMM_MADV_NORMAL:
	case KMM_MADV_RANDOM:
	case KMM_MADV_SEQUENTIAL:
	case KMM_MADV_WILLNEED:
	case KMM_MADV_DONTNEED:
	case KMM_MADV_FREE:
	case KMM_MADV_HUGEPAGE:
	case KMM_MADV_NOHUGEPAGE:
		break;
	default:
		return -KMM_EINVAL;
	}
	if (end == addr)
		return 0;
	int ret = 0;
	switch (advice) {
	case KMM_MADV_NORMAL:
	case KMM_MADV_RANDOM:
	case KMM_MADV_SEQUENTIAL:
	case KMM_MADV_HUGEPAGE:
	case KMM_MADV_NOHUGEPAGE:
		down_write(&mm->mmap_lock);
		ret = vma_modify_range(mm, addr, end, flag_change, &advice, false);
		up_write(&mm->mmap_lock);
		return ret;
	}
	down_read(&mm->mmap_lock);
	struct vm_area_struct *v = find_vma(mm, addr);
	if (!v || v->vm_start >= end) {
		up_read(&mm->mmap_lock);
		return -KMM_ENOMEM;
	}
	if (v->vm_start > addr)
		ret = -KMM_ENOMEM;
	for (; v && v->vm_start < end; v = v->vm_next) {
		uint64_t s = v->vm_start > addr ? v->vm_start : addr;
		uint64_t e = v->vm_end < end ? v->vm_end : end;
		/* a hole after this VMA inside the range */
		if (v->vm_end < end && (!v->vm_next || v->vm_next->vm_start != v->vm_end))
			ret = -KMM_ENOMEM;
		switch (advice) {
		case KMM_MADV_DONTNEED:
			if (v->vm_flags & VM_LOCKED) {
				ret = -KMM_EINVAL;
				goto out;
			}
			zap_page_range(v, s, e);
			break;
		case KMM_MADV_FREE:
			if (!vma_is_anonymous(v) || (v->vm_flags & VM_SHARED)) {
				ret = -KMM_EINVAL;
				goto out;
			}
			walk_pte_range(mm, s, e, free_one, v);
			flush_tlb_range(mm, s, e);
			break;
		case KMM_MADV_WILLNEED:
			if (v->vm_file) {
				unsigned long first =
					v->vm_pgoff +
					(unsigned long)((s - v->vm_start) >> KMM_PAGE_SHIFT);
				unsigned long n = (unsigned long)((e - s) >> KMM_PAGE_SHIFT);
				for (unsigned long i = 0; i < n; i++) {
					bool major;
					int err = 0;
					struct page *p = filemap_fault_get_page(
						v->vm_file, first + i, &major, &err);
					if (!p)
						break;
					put_user_page(mm->machine, p);
				}
			}
			break;
		}
	}
out:
	up_read(&mm->mmap_lock);
	return ret;
}

int kmm_msync(struct kmm_task *t, uint64_t addr, uint64_t len, int flags)
{
	if (!t || !t->mm)
		return -KMM_EINVAL;
	struct mm_struct *mm = t->mm;
	if (flags & ~(KMM_MS_ASYNC | KMM_MS_INVALIDATE | KMM_MS_SYNC))
		return -KMM_EINVAL;
	if ((flags & KMM_MS_ASYNC) && (flags & KMM_MS_SYNC))
		return -KMM_EINVAL;
	if (addr & ~KMM_PAGE_MASK)
		return -KMM_EINVAL;
	uint64_t end = addr + ((len + KMM_PAGE_SIZE - 1) & KMM_PAGE_MASK);
	if (end < addr)
		return -KMM_ENOMEM;
	if (end == addr)
		return 0;
	int ret = 0;
	down_read(&mm->mmap_lock);
	struct vm_area_struct *v = find_vma(mm, addr);
	if (!v || v->vm_start >= end) {
		up_read(&mm->mmap_lock);
		return -KMM_ENOMEM;
	}
	if (v->vm_start > addr)
		ret = -KMM_ENOMEM;
	for (; v && v->vm_start < end; v = v->vm_next) {
		if ((flags & KMM_MS_INVALIDATE) && (v->vm_flags & VM_LOCKED)) {
			ret = -KMM_EBUSY;
			break;
		}
		if (v->vm_end < end && (!v->vm_next || v->vm_next->vm_start != v->vm_end))
			ret = -KMM_ENOMEM;
		if (!v->vm_file || !(v->vm_flags & VM_SHARED) || v->vm_file->shmem)
			continue;
		uint64_t s = v->vm_start > addr ? v->vm_start : addr;
		uint64_t e = v->vm_end < end ? v->vm_end : end;
		uint64_t off = ((uint64_t)v->vm_pgoff << KMM_PAGE_SHIFT) + (s - v->vm_start);
		/* MS_ASYNC: Linux only makes sure the flusher will see the pages
		 * (they are dirty already); MS_SYNC writes and waits */
		if (flags & KMM_MS_SYNC) {
			int err = filemap_write_and_wait_range(v->vm_file, off, off + (e - s));
			if (err && !ret)
				ret = err;
		}
	}
	up_read(&mm->mmap_lock);
	return ret;
}
