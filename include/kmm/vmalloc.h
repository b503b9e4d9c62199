/* SPDX-License-Identifier: MIT */
/*
 * kmm/vmalloc.h - virtually contiguous kernel memory: vmalloc, vfree, vmap,
 * and kvmalloc that picks kmalloc or vmalloc (include/linux/vmalloc.h,
 * include/linux/mm.h kvmalloc).
 *
 * vmalloc builds a buffer out of order-0 pages from the buddy allocator,
 * scattered in simulated physical memory, and returns a host pointer that
 * C code uses as one contiguous block: the host port maps each page a
 * second time, side by side, into a window of host address space
 * (kmm_port_vm_map).  Each area is followed by a guard page that is never
 * mapped, so running off the end faults on the host (SIGSEGV) as it would
 * in the kernel.  The area also has a kernel virtual address in the x86-64
 * vmalloc range [KMM_VMALLOC_START, KMM_VMALLOC_END], mapped in the
 * machine's init_mm page tables and shown by /proc/vmallocinfo:
 *
 *     kernel address = KMM_VMALLOC_START + (host pointer - window)
 *
 * The window is smaller than Linux's 32 TiB range: by default twice the
 * machine's RAM rounded up to a GiB (at least 1 GiB), or the size given by
 * the boot parameter vmalloc=nn[KMG].  Host address space reserved for it
 * costs no memory.
 *
 * vmalloc=contig (or a host port that cannot alias: kmm_port_vm_reserve
 * returns -KMM_ENOSYS) makes vmalloc hand out physically contiguous pages
 * instead, from the direct map, as Linux without an MMU does: sizes are
 * then limited to MAX_PAGE_ORDER blocks (4 MiB), there is no guard page
 * and vmap() is not available (NULL).  The kernel addresses, page tables,
 * /proc/vmallocinfo and the counters are the same in both modes.
 *
 * The caller shown in /proc/vmallocinfo: the macros below pass the calling
 * function's name (__func__); calls through the functions themselves
 * (e.g. "(kmm_vmalloc)(m, n)" or a function pointer) record the return
 * address, shown as 0x..., to be resolved with addr2line.
 *
 * Pages count in /proc/meminfo's VmallocUsed; VmallocTotal is Linux's
 * 32 TiB range and VmallocChunk the largest free range of the window.
 */
#ifndef KMM_VMALLOC_H
#define KMM_VMALLOC_H

#include "kmm/machine.h"

#ifdef __cplusplus
extern "C" {
#endif

/* x86-64 with 4-level paging (arch/x86/include/asm/pgtable_64_types.h). */
#define KMM_VMALLOC_START 0xffffc90000000000ULL
#define KMM_VMALLOC_SIZE (32ULL << 40)
#define KMM_VMALLOC_END (KMM_VMALLOC_START + KMM_VMALLOC_SIZE - 1)

/* vm_struct flags (include/linux/vmalloc.h), as /proc/vmallocinfo names them. */
#define VM_ALLOC 0x00000002UL /* "vmalloc": pages allocated by vmalloc */
#define VM_MAP 0x00000004UL   /* "vmap": the caller's pages */

#define KMM_NUMA_NO_NODE (-1)

/*
 * Allocate @size bytes (rounded up to pages) of virtually contiguous
 * memory.  GFP_KERNEL unless given; __GFP_ZERO zeroes, __GFP_NOWARN
 * silences the failure report, __GFP_THISNODE with @nid keeps every page
 * on that node.  @align (a power of two, at most the window) aligns the
 * kernel address.  NULL on failure (size 0, larger than the window, out of
 * memory).
 */
void *__kmm_vmalloc_node(struct kmm_machine *m, size_t size, size_t align, gfp_t gfp, int nid,
			 const char *caller);
void *kmm_vmalloc(struct kmm_machine *m, size_t size);
void *kmm_vzalloc(struct kmm_machine *m, size_t size);
void *kmm_vmalloc_node(struct kmm_machine *m, size_t size, int nid);
void *kmm_vzalloc_node(struct kmm_machine *m, size_t size, int nid);
void *__kmm_vmalloc(struct kmm_machine *m, size_t size, gfp_t gfp);
/* n * size, NULL if that overflows. */
void *kmm_vmalloc_array(struct kmm_machine *m, size_t n, size_t size);

/*
 * Free what vmalloc returned (NULL is fine).  Any other pointer (not a
 * vmalloc address, inside an area but not at its start, already freed) is
 * reported as "BUG: vfree(...)" with the reason and left alone.  A vmap()
 * area is unmapped without freeing its pages, as in Linux.
 */
void kmm_vfree(struct kmm_machine *m, const void *addr);

/*
 * Map @count pages (any order-0 pages of the machine, not necessarily
 * contiguous) side by side; @flags VM_MAP (0 means the same).  The pages
 * stay the caller's: kmm_vunmap() removes the mapping only.  NULL on
 * failure, and always with vmalloc=contig.
 */
void *kmm_vmap(struct kmm_machine *m, struct page **pages, unsigned int count, unsigned long flags);
void *__kmm_vmap(struct kmm_machine *m, struct page **pages, unsigned int count,
		 unsigned long flags, const char *caller);
void kmm_vunmap(struct kmm_machine *m, const void *addr);

/* @p lies in the vmalloc window (or, with vmalloc=contig, in a vmalloc area). */
bool kmm_is_vmalloc_addr(struct kmm_machine *m, const void *p);
/* The page behind vmalloc/vmap address @p; NULL for a guard page or a hole. */
struct page *kmm_vmalloc_to_page(struct kmm_machine *m, const void *p);
/* The kernel virtual address of @p (0 if @p is in no area). */
uint64_t kmm_vmalloc_kernel_addr(struct kmm_machine *m, const void *p);
/* Usable bytes of the area starting at @p (whole pages); 0 if none starts there. */
size_t kmm_vmalloc_size(struct kmm_machine *m, const void *p);

/* ---- kvmalloc: kmalloc, falling back to vmalloc (src/mm/slab_common.c) ------- */
/*
 * Up to a page: kmalloc only.  Larger: kmalloc without retrying or warning
 * (__GFP_NORETRY | __GFP_NOWARN) for sizes the page allocator can serve in
 * one block (KMALLOC_MAX_SIZE), then vmalloc, unless @gfp cannot sleep
 * (no __GFP_DIRECT_RECLAIM: vmalloc may not be used then).
 */
void *kmm_kvmalloc_node(struct kmm_machine *m, size_t size, gfp_t gfp, int nid);
void *kmm_kvzalloc(struct kmm_machine *m, size_t size, gfp_t gfp);
/* Usable bytes of a kvmalloc buffer: ksize() or kmm_vmalloc_size(). */
size_t kmm_kvsize(struct kmm_machine *m, const void *p);
/* kmm_kvmalloc() and kmm_kvfree() are declared in kmm/slab.h. */

/* ---- state ------------------------------------------------------------------- */

struct kmm_vmalloc_info {
	bool aliased;		  /* pages are aliased in a host window (else contiguous) */
	void *window;		  /* host window (NULL with vmalloc=contig) */
	uint64_t window_bytes;	  /* size of the window / the kernel range in use */
	unsigned long nr_pages;	  /* pages allocated by vmalloc (VmallocUsed) */
	unsigned long nr_areas;	  /* busy areas, vmap ones included */
	uint64_t largest_free;	  /* largest free range, guard page included */
	unsigned long nr_reports; /* bad vfree/vunmap reports */
};
void kmm_vmalloc_get_info(struct kmm_machine *m, struct kmm_vmalloc_info *info);

/* ---- the caller's name for /proc/vmallocinfo ------------------------------------- */

#define kmm_vmalloc(m, size) \
	__kmm_vmalloc_node((m), (size), 1, GFP_KERNEL, KMM_NUMA_NO_NODE, __func__)
#define kmm_vzalloc(m, size) \
	__kmm_vmalloc_node((m), (size), 1, GFP_KERNEL | __GFP_ZERO, KMM_NUMA_NO_NODE, __func__)
#define kmm_vmalloc_node(m, size, nid) \
	__kmm_vmalloc_node((m), (size), 1, GFP_KERNEL, (nid), __func__)
#define kmm_vzalloc_node(m, size, nid) \
	__kmm_vmalloc_node((m), (size), 1, GFP_KERNEL | __GFP_ZERO, (nid), __func__)
#define __kmm_vmalloc(m, size, gfp) \
	__kmm_vmalloc_node((m), (size), 1, (gfp), KMM_NUMA_NO_NODE, __func__)
#define kmm_vmap(m, pages, count, flags) __kmm_vmap((m), (pages), (count), (flags), __func__)

#ifdef __cplusplus
}
#endif
#endif /* KMM_VMALLOC_H */
