/* SPDX-License-Identifier: MIT */
/*
 * kmm/compat.h - the kernel's names for the kmm API, for code moved
 * between a kernel tree and kmm.  Every machine-taking function needs a
 * machine: define KMM_COMPAT_MACHINE to an expression naming it (e.g. a
 * variable in scope) before including this header.
 *
 *     #define KMM_COMPAT_MACHINE my_machine
 *     #include <kmm/compat.h>
 *     struct page *p = alloc_pages(GFP_KERNEL, 2);
 */
#ifndef KMM_COMPAT_H
#define KMM_COMPAT_H

#include "kmm/kmm.h"

#ifndef KMM_COMPAT_MACHINE
#error "define KMM_COMPAT_MACHINE (the struct kmm_machine * to use) before <kmm/compat.h>"
#endif

#define alloc_pages(gfp, order) kmm_alloc_pages(KMM_COMPAT_MACHINE, gfp, order)
#define alloc_page(gfp) kmm_alloc_pages(KMM_COMPAT_MACHINE, gfp, 0)
#define alloc_pages_node(nid, gfp, order) kmm_alloc_pages_node(KMM_COMPAT_MACHINE, nid, gfp, order)
#define __alloc_pages(gfp, order, nid, nodemask) \
	__kmm_alloc_pages(KMM_COMPAT_MACHINE, gfp, order, nid, nodemask)
#define __free_pages(page, order) __kmm_free_pages(KMM_COMPAT_MACHINE, page, order)
#define __free_page(page) __kmm_free_pages(KMM_COMPAT_MACHINE, page, 0)
#define put_page(page) kmm_put_page(KMM_COMPAT_MACHINE, page)
#define __get_free_pages(gfp, order) \
	((unsigned long)kmm_get_free_pages(KMM_COMPAT_MACHINE, gfp, order))
#define __get_free_page(gfp) __get_free_pages(gfp, 0)
#define get_zeroed_page(gfp) ((unsigned long)kmm_get_zeroed_page(KMM_COMPAT_MACHINE, gfp))
#define free_pages(addr, order) \
	kmm_free_pages(KMM_COMPAT_MACHINE, (void *)(unsigned long)(addr), order)
#define free_page(addr) free_pages(addr, 0)
#define alloc_pages_exact(size, gfp) kmm_alloc_pages_exact(KMM_COMPAT_MACHINE, size, gfp)
#define free_pages_exact(addr, size) kmm_free_pages_exact(KMM_COMPAT_MACHINE, addr, size)
#define split_page(page, order) kmm_split_page(KMM_COMPAT_MACHINE, page, order)
#define drain_all_pages(zone) kmm_drain_all_pages(KMM_COMPAT_MACHINE)
#define page_address(page) kmm_page_address(KMM_COMPAT_MACHINE, page)
#define virt_to_page(addr) kmm_virt_to_page(KMM_COMPAT_MACHINE, addr)
#define pfn_to_page(pfn) kmm_pfn_to_page(KMM_COMPAT_MACHINE, pfn)
#define page_to_pfn(page) kmm_page_to_pfn(KMM_COMPAT_MACHINE, page)
#define pfn_valid(pfn) kmm_pfn_valid(KMM_COMPAT_MACHINE, pfn)
#define page_to_nid(page) kmm_page_to_nid(page)
#define page_zone(page) kmm_page_zone(KMM_COMPAT_MACHINE, page)
#define kmem_cache_create(name, size, align, flags, ctor) \
	kmm_kmem_cache_create(KMM_COMPAT_MACHINE, name, size, align, flags, ctor, NULL)
#define kmem_cache_destroy(s) kmm_kmem_cache_destroy(s)
#define kmem_cache_alloc(s, gfp) kmm_kmem_cache_alloc(s, gfp)
#define kmem_cache_alloc_node(s, gfp, nid) kmm_kmem_cache_alloc_node(s, gfp, nid)
#define kmem_cache_zalloc(s, gfp) kmm_kmem_cache_zalloc(s, gfp)
#define kmem_cache_free(s, p) kmm_kmem_cache_free(s, p)
#define kmem_cache_alloc_bulk(s, gfp, n, p) kmm_kmem_cache_alloc_bulk(s, gfp, n, p)
#define kmem_cache_free_bulk(s, n, p) kmm_kmem_cache_free_bulk(s, n, p)
#define kmem_cache_shrink(s) kmm_kmem_cache_shrink(s)
#define kmalloc(size, gfp) kmm_kmalloc(KMM_COMPAT_MACHINE, size, gfp)
#define kmalloc_node(size, gfp, nid) kmm_kmalloc_node(KMM_COMPAT_MACHINE, size, gfp, nid)
#define kzalloc(size, gfp) kmm_kzalloc(KMM_COMPAT_MACHINE, size, gfp)
#define kcalloc(n, size, gfp) kmm_kcalloc(KMM_COMPAT_MACHINE, n, size, gfp)
#define kmalloc_array(n, size, gfp) kmm_kmalloc_array(KMM_COMPAT_MACHINE, n, size, gfp)
#define krealloc(p, size, gfp) kmm_krealloc(KMM_COMPAT_MACHINE, p, size, gfp)
#define kfree(p) kmm_kfree(KMM_COMPAT_MACHINE, p)
#define ksize(p) kmm_ksize(KMM_COMPAT_MACHINE, p)
#define kvmalloc(size, gfp) kmm_kvmalloc(KMM_COMPAT_MACHINE, size, gfp)
#define kvfree(p) kmm_kvfree(KMM_COMPAT_MACHINE, p)
#define PAGE_SIZE KMM_PAGE_SIZE
#define PAGE_SHIFT KMM_PAGE_SHIFT
#define MAX_ORDER NR_PAGE_ORDERS

#endif /* KMM_COMPAT_H */
