// SPDX-License-Identifier: MIT
/*
 * src/mm/shmem.c - shared anonymous memory: the files behind
 * MAP_SHARED|MAP_ANONYMOUS mappings and memfd_create (mm/shmem.c).
 *
 * A shmem file is a struct kmm_file with no host file (host_fd -1): its
 * pages live only in the page cache.  A missing page reads as zeros;
 * pages are SwapBacked and counted in NR_SHMEM as well as NR_FILE_PAGES
 * (meminfo's Shmem and Cached), and dirtying one sets PG_dirty alone, as
 * shmem's noop_dirty_folio does: there is no writeback to a file.  Swap
 * (shmem_writepage to a swap device) arrives with reclaim; until then
 * writepage keeps the page.
 *
 * Names are the dentry names Linux gives: "dev/zero" for shared anonymous
 * mappings, "memfd:NAME" for memfds; /proc/PID/maps shows them as
 * "/dev/zero (deleted)".
 */
#include "mm/vma.h"

/* shmem_get_folio() on a hole: a zeroed page. */
static int shmem_read_folio(struct kmm_file *f, struct page *page)
{
	kmm_memset(kmm_page_address(f->machine, page), 0, KMM_PAGE_SIZE);
	return 0;
}

/* No swap yet: the page stays in memory (and dirty). */
static int shmem_writepage(struct kmm_file *f, struct page *page)
{
	(void)f;
	(void)page;
	return 0;
}

static const struct address_space_operations shmem_aops = {
	.read_folio = shmem_read_folio,
	.writepage = shmem_writepage,
};

int shmem_file_create(struct kmm_machine *m, const char *name, uint64_t size, struct kmm_file **out)
{
	struct kmm_file *f;

	*out = NULL;
	if (!name || size > (uint64_t)INT64_MAX - KMM_PAGE_SIZE)
		return -KMM_EINVAL;
	f = kmm_file_alloc(m, name, -1, true, true, size, &shmem_aops);
	if (!f)
		return -KMM_ENOMEM;
	*out = f;
	return 0;
}

int shmem_zero_setup(struct vm_area_struct *vma)
{
	struct kmm_machine *m = vma->vm_mm->machine;
	struct kmm_file *f;
	int ret = shmem_file_create(m, "dev/zero", vma->vm_end - vma->vm_start, &f);

	if (ret)
		return ret;
	if (vma->vm_file)
		kmm_file_put(vma->vm_file);
	/* the VMA maps the whole object from its start (do_mmap: pgoff = 0) */
	vma->vm_file = f;
	vma->vm_pgoff = 0;
	return 0;
}
