/* SPDX-License-Identifier: MIT */
/*
 * src/mm/mremap.c - mremap (mm/mremap.c): shrink in place, grow in place
 * when the space above is free, or move (MREMAP_MAYMOVE / MREMAP_FIXED):
 * the page-table entries travel to the new place (move_page_tables), the
 * pages themselves stay where they are, and anonymous pages keep their
 * rmap index because the new VMA keeps the old vm_pgoff.
 */
#include "mm/vma.h"

static int move_page_tables(struct vm_area_struct *vma, uint64_t old_addr,
			    struct vm_area_struct *new_vma, uint64_t new_addr, uint64_t len)
{
	struct mm_struct *mm = vma->vm_mm;
	bool moved = false;
	for (uint64_t off = 0; off < len; off += KMM_PAGE_SIZE) {
		kmm_spinlock_t *optl;
		pteval_t *opte = pte_offset_map(mm, old_addr + off, &optl);
		if (!opte || pte_none(pte_read(opte)))
			continue;
		kmm_spinlock_t *nptl;
		pteval_t *npte = pte_alloc_map(mm, new_addr + off, &nptl);
		if (!npte)
			return -KMM_ENOMEM;
		spin_lock(optl);
		pteval_t e = pte_xchg(opte, 0);
		spin_unlock(optl);
		if (nptl != optl)
			spin_lock(nptl);
		pte_write(npte, e);
		if (nptl != optl)
			spin_unlock(nptl);
		moved = true;
	}
	(void)new_vma;
	if (moved)
		flush_tlb_range(mm, old_addr, old_addr + len);
	return 0;
}

static long move_vma(struct kmm_task *t, struct vm_area_struct *vma, uint64_t old_addr,
		     uint64_t old_len, uint64_t new_len, uint64_t new_addr, int flags)
{
	struct mm_struct *mm = t->mm;
	int err;
	if (mm->map_count >= mm->machine->vm.max_map_count - 3)
		return -KMM_ENOMEM;
	/* isolate [old_addr, old_addr + old_len) as one VMA */
	if (vma->vm_start < old_addr) {
		if ((err = __split_vma(mm, vma, old_addr, 0)))
			return err;
		vma = vma->vm_next;
	}
	if (vma->vm_end > old_addr + old_len) {
		if ((err = __split_vma(mm, vma, old_addr + old_len, 1)))
			return err;
		vma = vma->vm_prev;
	}
	long charged = 0;
	if ((vma->vm_flags & VM_ACCOUNT) && new_len > old_len) {
		charged = (long)((new_len - old_len) >> KMM_PAGE_SHIFT);
		if (security_vm_enough_memory_mm(mm, charged))
			return -KMM_ENOMEM;
	}
	struct vm_area_struct *nv = vm_area_dup(vma);
	if (!nv)
		goto nomem;
	nv->vm_start = new_addr;
	nv->vm_end = new_addr + new_len;
	if (anon_vma_clone(nv, vma)) {
		vm_area_free(nv);
		goto nomem;
	}
	if (nv->vm_file)
		kmm_file_hold(nv->vm_file);
	if (insert_vm_struct(mm, nv)) {
		unlink_anon_vmas(nv);
		if (nv->vm_file)
			kmm_file_put(nv->vm_file);
		vm_area_free(nv);
		goto nomem;
	}
	vma_link_file(nv);
	mm->committed += (unsigned long)charged;
	mm->total_vm += (new_len >> KMM_PAGE_SHIFT);
	if (nv->vm_flags & VM_LOCKED)
		mm->locked_vm += new_len >> KMM_PAGE_SHIFT;
	err = move_page_tables(vma, old_addr, nv, new_addr, old_len < new_len ? old_len : new_len);
	if (err) {
		/* put back what moved, then drop the new VMA */
		move_page_tables(nv, new_addr, vma, old_addr,
				 old_len < new_len ? old_len : new_len);
		do_munmap(mm, new_addr, new_len);
		return err;
	}
	if (!(flags & KMM_MREMAP_DONTUNMAP))
		do_munmap(mm, old_addr, old_len);
	nv = find_vma(mm, new_addr);
	if (nv && (nv->vm_flags & VM_LOCKED) && new_len > old_len)
		populate_vma_range(t, nv, new_addr + old_len, new_addr + new_len);
	return (long)new_addr;
nomem:
	if (charged)
		vm_unacct_memory(mm->machine, charged);
	return -KMM_ENOMEM;
}

long kmm_mremap(struct kmm_task *t, uint64_t old_addr, uint64_t old_len, uint64_t new_len,
		int flags, uint64_t new_addr)
{
	if (!t || !t->mm)
		return -KMM_EINVAL;
	struct mm_struct *mm = t->mm;
	if (flags & ~(KMM_MREMAP_MAYMOVE | KMM_MREMAP_FIXED | KMM_MREMAP_DONTUNMAP))
		return -KMM_EINVAL;
	if ((flags & (KMM_MREMAP_FIXED | KMM_MREMAP_DONTUNMAP)) && !(flags & KMM_MREMAP_MAYMOVE))
		return -KMM_EINVAL;
	if (old_addr & ~KMM_PAGE_MASK)
		return -KMM_EINVAL;
	old_len = (old_len + KMM_PAGE_SIZE - 1) & KMM_PAGE_MASK;
	new_len = (new_len + KMM_PAGE_SIZE - 1) & KMM_PAGE_MASK;
	if (!new_len || !old_len)
		return -KMM_EINVAL;
	if (old_len > mm->task_size || new_len > mm->task_size ||
	    old_addr > mm->task_size - old_len)
		return -KMM_EINVAL;
	if ((flags & KMM_MREMAP_DONTUNMAP) && old_len != new_len)
		return -KMM_EINVAL;
	long ret;
	down_write(&mm->mmap_lock);
	struct vm_area_struct *vma = find_vma(mm, old_addr);
	if (!vma || vma->vm_start > old_addr || old_addr + old_len > vma->vm_end) {
		ret = -KMM_EFAULT;
		goto out;
	}
	if ((flags & KMM_MREMAP_DONTUNMAP) && (vma->vm_flags & VM_SHARED)) {
		ret = -KMM_EINVAL;
		goto out;
	}
	if (flags & KMM_MREMAP_FIXED) {
		if ((new_addr & ~KMM_PAGE_MASK) || new_addr > mm->task_size - new_len ||
		    new_addr < (uint64_t)mm->machine->vm.mmap_min_addr) {
			ret = -KMM_EINVAL;
			goto out;
		}
		if (new_addr < old_addr + old_len && old_addr < new_addr + new_len) {
			ret = -KMM_EINVAL; /* overlapping */
			goto out;
		}
		if ((ret = do_munmap(mm, new_addr, new_len)))
			goto out;
		vma = find_vma(mm, old_addr);
		ret = move_vma(t, vma, old_addr, old_len, new_len, new_addr, flags);
		goto out;
	}
	if (new_len <= old_len && !(flags & KMM_MREMAP_DONTUNMAP)) {
		ret = new_len < old_len ? do_munmap(mm, old_addr + new_len, old_len - new_len) : 0;
		if (!ret)
			ret = (long)old_addr;
		goto out;
	}
	/* grow in place when [old_end, old_addr + new_len) is free */
	if (!(flags & KMM_MREMAP_DONTUNMAP) && old_addr + old_len == vma->vm_end &&
	    (!vma->vm_next || vma->vm_next->vm_start >= old_addr + new_len) &&
	    old_addr + new_len <= mm->task_size) {
		long delta = (long)((new_len - old_len) >> KMM_PAGE_SHIFT);
		if ((vma->vm_flags & VM_ACCOUNT) && security_vm_enough_memory_mm(mm, delta)) {
			ret = -KMM_ENOMEM;
			goto out;
		}
		if (vma->vm_flags & VM_ACCOUNT)
			mm->committed += (unsigned long)delta;
		vma_rmap_lock(vma);
		vma->vm_end = old_addr + new_len;
		vma_rmap_unlock(vma);
		mm->total_vm += (unsigned long)delta;
		if (vma->vm_flags & VM_LOCKED) {
			mm->locked_vm += (unsigned long)delta;
			populate_vma_range(t, vma, old_addr + old_len, old_addr + new_len);
		}
		/* keep the tree's gap bookkeeping right, then merge */
		vma_gap_refresh(vma);
		vma_merge_neighbours(mm, vma);
		ret = (long)old_addr;
		goto out;
	}
	if (!(flags & KMM_MREMAP_MAYMOVE)) {
		ret = -KMM_ENOMEM;
		goto out;
	}
	uint64_t a = get_unmapped_area(mm, vma->vm_file, 0, new_len, vma->vm_pgoff, 0);
	if ((int64_t)a < 0) {
		ret = (long)a;
		goto out;
	}
	ret = move_vma(t, vma, old_addr, old_len, new_len, a, flags);
out:
	up_write(&mm->mmap_lock);
	return ret;
}
