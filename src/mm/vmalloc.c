// SPDX-License-Identifier: MIT
/*
 * src/mm/vmalloc.c - virtually contiguous kernel memory (mm/vmalloc.c):
 * vmalloc, vfree, vmap, vunmap, vmalloc_to_page, /proc/vmallocinfo.
 *
 * Kernel address space.  The vmalloc range starts at x86-64's
 * VMALLOC_START; the part in use is as large as the host window (see
 * include/kmm/vmalloc.h).  It is managed as Linux does: every range is a
 * struct vmap_area; free ranges sit in an rbtree sorted by address and
 * augmented with the largest free size below each node, so the lowest
 * range that fits is found in O(log n) (find_vmap_lowest_match); busy
 * areas sit in a second tree by kernel address and a third by host
 * address (the same order when aliasing, a different one with
 * vmalloc=contig).  A freed range is merged with its free neighbours at
 * once: there is no lazy purge, so /proc/vmallocinfo never shows
 * "unpurged vm_area" lines.  Each area ends with one guard page (counted
 * in its size, as in Linux) that is never mapped.
 *
 * Memory.  vmalloc allocates order-0 pages from the buddy allocator one by
 * one and asks the port to map them side by side into the host window at
 * the area's offset (runs of physically consecutive pages in one call, as
 * the host merges those into one mapping; the host's limit on mappings,
 * vm.max_map_count, bounds how scattered vmalloc memory may be, and a
 * refused mapping fails the vmalloc cleanly).  With vmalloc=contig, or a port
 * that cannot alias, it allocates one block of the order that covers the
 * size, splits it and gives the tail back (alloc_pages_exact), and returns
 * its direct-map address.
 *
 * Page tables.  Each page is also entered into init_mm's page tables at
 * its kernel address with PAGE_KERNEL protection (present, writable,
 * global, NX, accessed, dirty) when init_mm has a PGD.  As in Linux the
 * tables are never freed; the software MMU (tlb.c) translates only task
 * addresses, so there is nothing to shoot down after vfree.
 *
 * Locking.  vs->lock (vmap_area_lock) guards the three trees and the area
 * count; nothing under it allocates, frees or logs (the slab and page
 * allocators may wait for a CPU slot, which ranks above every spinlock):
 * vmap_area structures are allocated before taking it and released after.
 * Mapping, page allocation and page tables run unlocked: an area being set
 * up or torn down is in neither the free nor the busy trees.
 *
 * Misuse.  vfree/vunmap of an address that does not start an area of the
 * right kind is reported ("BUG: Trying to vfree() nonexistent vm area
 * (ADDR): reason") and ignored; the reports are counted.
 */
#include "mm/vmalloc.h"
#include "mm/vma.h"

/* The macros of kmm/vmalloc.h name the caller; the definitions below do not. */
#undef kmm_vmalloc
#undef kmm_vzalloc
#undef kmm_vmalloc_node
#undef kmm_vzalloc_node
#undef __kmm_vmalloc
#undef kmm_vmap

#define PAGE_SIZE_64 ((uint64_t)KMM_PAGE_SIZE)
#define CALLER ((unsigned long)__builtin_return_address(0))

/* PAGE_KERNEL (arch/x86/include/asm/pgtable_types.h) */
#define PAGE_KERNEL \
	(_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_GLOBAL | _PAGE_NX)

#define VMALLOC_WINDOW_MIN (1ULL << 30)
#define VMALLOC_PARAM_MIN (2ULL << 20)
#define VMALLOC_PAGES_VMALLOCED 0x80000000UL /* pages[] itself is vmalloc'ed */

struct vmap_area {
	uint64_t va_start, va_end; /* kernel addresses [start, end), guard page included */
	struct rb_node rb_node;	   /* the free tree, or the busy tree by kernel address */
	struct rb_node addr_node;  /* busy: the tree by host address */
	uint64_t subtree_max_size; /* free: the largest free range of this subtree */
	/* busy: Linux's struct vm_struct */
	unsigned long flags; /* VM_ALLOC, VM_MAP, VMALLOC_PAGES_VMALLOCED */
	unsigned char *addr; /* host address of the first page */
	struct page **pages; /* [nr_pages] */
	unsigned int nr_pages;
	const char *caller;	 /* the caller's name, or NULL: */
	unsigned long caller_ip; /* its return address */
};

struct vmalloc_state {
	kmm_spinlock_t lock;		/* vmap_area_lock */
	struct rb_root free_root;	/* free ranges by address, augmented */
	struct rb_root busy_root;	/* busy areas by kernel address */
	struct rb_root addr_root;	/* busy areas by host address */
	unsigned long nr_areas;		/* busy areas */
	struct kmem_cache *area_cachep; /* struct vmap_area */
	bool aliased;			/* host window (else contiguous pages) */
	unsigned char *window;
	uint64_t size;		   /* bytes of the window and of the kernel range in use */
	struct mm_struct *init_mm; /* NULL: no kernel page tables */
	atomic_ulong nr_pages;	   /* vmalloc'ed pages (VmallocUsed) */
	atomic_ulong nr_reports;
};

static struct vmalloc_state *vms(struct kmm_machine *m)
{
	struct kmm_vm_state *vm = m ? vm_state(m) : NULL;
	return vm ? (struct vmalloc_state *)vm->vmalloc : NULL;
}

static unsigned get_order(uint64_t size)
{
	uint64_t pages = (size + PAGE_SIZE_64 - 1) >> KMM_PAGE_SHIFT;
	return pages <= 1 ? 0 : kmm_fls64(pages - 1);
}

/* Flags for vmalloc's own metadata: the caller's reclaim context only. */
static gfp_t nested_gfp(gfp_t gfp)
{
	return gfp & (__GFP_RECLAIM | __GFP_IO | __GFP_FS | __GFP_NOWARN | __GFP_NORETRY |
		      __GFP_RETRY_MAYFAIL | __GFP_NOFAIL);
}

/* ---- the free tree ---------------------------------------------------------------- */

static inline uint64_t va_size(const struct vmap_area *va)
{
	return va->va_end - va->va_start;
}

RB_DECLARE_CALLBACKS_MAX(static, free_vmap_area_augment_cb, struct vmap_area, rb_node, uint64_t,
			 subtree_max_size, va_size);

static inline uint64_t get_subtree_max_size(const struct rb_node *node)
{
	return node ? rb_entry(node, struct vmap_area, rb_node)->subtree_max_size : 0;
}

static void insert_free_area(struct vmalloc_state *vs, struct vmap_area *va)
{
	struct rb_node **link = &vs->free_root.rb_node, *parent = NULL;
	while (*link) {
		parent = *link;
		if (va->va_start < rb_entry(parent, struct vmap_area, rb_node)->va_start)
			link = &parent->rb_left;
		else
			link = &parent->rb_right;
	}
	va->subtree_max_size = va_size(va);
	rb_link_node(&va->rb_node, parent, link);
	rb_insert_augmented(&va->rb_node, &vs->free_root, &free_vmap_area_augment_cb);
}

static bool is_within_this_va(const struct vmap_area *va, uint64_t size, uint64_t align,
			      uint64_t *start)
{
	uint64_t nva_start = KMM_ALIGN_UP(va->va_start, align);
	if (nva_start < va->va_start || nva_start >= va->va_end)
		return false;
	*start = nva_start;
	return va->va_end - nva_start >= size;
}

/*
 * The lowest free range that holds @size bytes at @align.  A subtree is
 * entered only if it has a range of size + align - PAGE_SIZE (which fits
 * whatever its alignment), so the walk never backtracks; a smaller range
 * that happens to be aligned is still taken when the walk passes it.
 */
static struct vmap_area *find_vmap_lowest_match(struct vmalloc_state *vs, uint64_t size,
						uint64_t align, uint64_t *start)
{
	uint64_t length = size + align - PAGE_SIZE_64;
	struct rb_node *node = vs->free_root.rb_node;
	while (node) {
		struct vmap_area *va = rb_entry(node, struct vmap_area, rb_node);
		if (get_subtree_max_size(node->rb_left) >= length) {
			node = node->rb_left;
			continue;
		}
		if (is_within_this_va(va, size, align, start))
			return va;
		if (get_subtree_max_size(node->rb_right) >= length) {
			node = node->rb_right;
			continue;
		}
		break;
	}
	return NULL;
}

/*
 * Take [nva_start, nva_start + size) out of free range @va (va_clip): the
 * whole range, its left or right edge, or its middle, which needs a second
 * free node: *spare, consumed (set to NULL) if used.  Returns @va if it
 * left the tree (the caller frees it), else NULL.
 */
static struct vmap_area *va_clip(struct vmalloc_state *vs, struct vmap_area *va, uint64_t nva_start,
				 uint64_t size, struct vmap_area **spare)
{
	uint64_t nva_end = nva_start + size;
	if (va->va_start == nva_start && va->va_end == nva_end) {
		rb_erase_augmented(&va->rb_node, &vs->free_root, &free_vmap_area_augment_cb);
		return va;
	}
	if (va->va_start == nva_start) {
		va->va_start = nva_end;
	} else if (va->va_end == nva_end) {
		va->va_end = nva_start;
	} else {
		struct vmap_area *lva = *spare;
		*spare = NULL;
		lva->va_start = va->va_start;
		lva->va_end = nva_start;
		va->va_start = nva_end;
		free_vmap_area_augment_cb_propagate(&va->rb_node, NULL);
		insert_free_area(vs, lva);
		return NULL;
	}
	free_vmap_area_augment_cb_propagate(&va->rb_node, NULL);
	return NULL;
}

/*
 * Give [va->va_start, va->va_end) back, merged with free neighbours.  @va
 * becomes a free node or is merged away; up to two nodes that left the
 * tree are returned in @dead for the caller to free after unlocking.
 */
static void merge_or_add_vmap_area(struct vmalloc_state *vs, struct vmap_area *va,
				   struct vmap_area *dead[2])
{
	int nr_dead = 0;
	insert_free_area(vs, va);
	struct rb_node *next = rb_next(&va->rb_node);
	if (next) {
		struct vmap_area *n = rb_entry(next, struct vmap_area, rb_node);
		if (n->va_start == va->va_end) {
			rb_erase_augmented(&va->rb_node, &vs->free_root,
					   &free_vmap_area_augment_cb);
			n->va_start = va->va_start;
			free_vmap_area_augment_cb_propagate(&n->rb_node, NULL);
			dead[nr_dead++] = va;
			va = n;
		}
	}
	struct rb_node *prev = rb_prev(&va->rb_node);
	if (prev) {
		struct vmap_area *p = rb_entry(prev, struct vmap_area, rb_node);
		if (p->va_end == va->va_start) {
			rb_erase_augmented(&va->rb_node, &vs->free_root,
					   &free_vmap_area_augment_cb);
			p->va_end = va->va_end;
			free_vmap_area_augment_cb_propagate(&p->rb_node, NULL);
			dead[nr_dead++] = va;
		}
	}
}

/* ---- the busy trees ------------------------------------------------------------------ */

static inline uint64_t host_extent(const struct vmalloc_state *vs, const struct vmap_area *va)
{
	/* aliased: the guard page is part of the window; contiguous: other memory */
	return vs->aliased ? va_size(va) : (uint64_t)va->nr_pages << KMM_PAGE_SHIFT;
}

static void insert_busy_area(struct vmalloc_state *vs, struct vmap_area *va)
{
	struct rb_node **link = &vs->busy_root.rb_node, *parent = NULL;
	while (*link) {
		parent = *link;
		if (va->va_start < rb_entry(parent, struct vmap_area, rb_node)->va_start)
			link = &parent->rb_left;
		else
			link = &parent->rb_right;
	}
	rb_link_node(&va->rb_node, parent, link);
	rb_insert_color(&va->rb_node, &vs->busy_root);

	link = &vs->addr_root.rb_node;
	parent = NULL;
	while (*link) {
		parent = *link;
		if (va->addr < rb_entry(parent, struct vmap_area, addr_node)->addr)
			link = &parent->rb_left;
		else
			link = &parent->rb_right;
	}
	rb_link_node(&va->addr_node, parent, link);
	rb_insert_color(&va->addr_node, &vs->addr_root);
	vs->nr_areas++;
}

static void erase_busy_area(struct vmalloc_state *vs, struct vmap_area *va)
{
	rb_erase(&va->rb_node, &vs->busy_root);
	rb_erase(&va->addr_node, &vs->addr_root);
	vs->nr_areas--;
}

/* The busy area whose host range (guard page included) holds @p; lock held. */
static struct vmap_area *find_area_by_host(struct vmalloc_state *vs, const void *p)
{
	uintptr_t a = (uintptr_t)p;
	struct rb_node *n = vs->addr_root.rb_node;
	while (n) {
		struct vmap_area *va = rb_entry(n, struct vmap_area, addr_node);
		if (a < (uintptr_t)va->addr)
			n = n->rb_left;
		else if (a - (uintptr_t)va->addr >= host_extent(vs, va))
			n = n->rb_right;
		else
			return va;
	}
	return NULL;
}

static bool in_window(const struct vmalloc_state *vs, const void *p)
{
	return vs->aliased && (uintptr_t)p >= (uintptr_t)vs->window &&
	       (uintptr_t)p - (uintptr_t)vs->window < vs->size;
}

/* ---- allocating and freeing kernel address ranges ----------------------------------- */

static struct vmap_area *area_alloc(struct vmalloc_state *vs, gfp_t gfp)
{
	return kmm_kmem_cache_zalloc(vs->area_cachep, nested_gfp(gfp) | __GFP_NOWARN);
}

/* A busy-to-be area of @size bytes (guard included), not yet in any tree. */
static struct vmap_area *alloc_vmap_area(struct kmm_machine *m, struct vmalloc_state *vs,
					 uint64_t size, uint64_t align, gfp_t gfp)
{
	struct vmap_area *va = area_alloc(vs, gfp);
	struct vmap_area *spare = area_alloc(vs, gfp);
	struct vmap_area *fva = NULL, *dead = NULL;
	uint64_t start = 0;
	if (va && spare) {
		spin_lock(&vs->lock);
		fva = find_vmap_lowest_match(vs, size, align, &start);
		if (fva)
			dead = va_clip(vs, fva, start, size, &spare);
		spin_unlock(&vs->lock);
	}
	if (dead)
		kmm_kmem_cache_free(vs->area_cachep, dead);
	if (spare)
		kmm_kmem_cache_free(vs->area_cachep, spare);
	if (!fva) {
		bool no_room = va && spare;
		if (va)
			kmm_kmem_cache_free(vs->area_cachep, va);
		if (!(gfp & __GFP_NOWARN)) {
			if (no_room)
				pr_warn(m,
					"vmap allocation for size %llu failed: use vmalloc=<size> "
					"to increase size",
					(unsigned long long)size);
			else
				pr_warn(m,
					"vmap allocation for size %llu failed: out of memory "
					"for struct vmap_area",
					(unsigned long long)size);
		}
		return NULL;
	}
	va->va_start = start;
	va->va_end = start + size;
	return va;
}

static void free_vmap_area(struct vmalloc_state *vs, struct vmap_area *va)
{
	struct vmap_area *dead[2] = { NULL, NULL };
	va->flags = 0;
	va->addr = NULL;
	va->pages = NULL;
	va->nr_pages = 0;
	va->caller = NULL;
	va->caller_ip = 0;
	spin_lock(&vs->lock);
	merge_or_add_vmap_area(vs, va, dead);
	spin_unlock(&vs->lock);
	for (int i = 0; i < 2; i++)
		if (dead[i])
			kmm_kmem_cache_free(vs->area_cachep, dead[i]);
}

/* ---- mappings: the host window and init_mm -------------------------------------------- */

static unsigned char *window_addr(const struct vmalloc_state *vs, uint64_t va)
{
	return vs->window + (va - KMM_VMALLOC_START);
}

/* Alias pages[0..nr) at @host, a run of consecutive frames per port call. */
static int map_window(struct kmm_machine *m, unsigned char *host, struct page **pages,
		      unsigned int nr)
{
	unsigned int i = 0;
	while (i < nr) {
		kmm_pfn_t pfn = kmm_page_to_pfn(m, pages[i]);
		unsigned int run = 1;
		while (i + run < nr && kmm_page_to_pfn(m, pages[i + run]) == pfn + run)
			run++;
		int ret = kmm_port_vm_map(host + ((size_t)i << KMM_PAGE_SHIFT), m->ram,
					  (size_t)pfn << KMM_PAGE_SHIFT,
					  (size_t)run << KMM_PAGE_SHIFT);
		if (ret) {
			if (i)
				kmm_port_vm_unmap(host, (size_t)i << KMM_PAGE_SHIFT);
			return ret;
		}
		i += run;
	}
	return 0;
}

static void unmap_kernel_range(struct vmalloc_state *vs, uint64_t start, unsigned int nr)
{
	if (!vs->init_mm)
		return;
	for (unsigned int i = 0; i < nr; i++) {
		kmm_spinlock_t *ptl;
		pteval_t *pte =
			pte_offset_map(vs->init_mm, start + ((uint64_t)i << KMM_PAGE_SHIFT), &ptl);
		if (!pte)
			continue;
		spin_lock(ptl);
		pte_write(pte, 0);
		spin_unlock(ptl);
	}
}

/* Enter pages[0..nr) at kernel address @start (vmap_pages_range); 0 or -KMM_ENOMEM. */
static int map_kernel_range(struct vmalloc_state *vs, struct kmm_machine *m, uint64_t start,
			    struct page **pages, unsigned int nr)
{
	if (!vs->init_mm)
		return 0;
	for (unsigned int i = 0; i < nr; i++) {
		kmm_spinlock_t *ptl;
		uint64_t addr = start + ((uint64_t)i << KMM_PAGE_SHIFT);
		pteval_t *pte = pte_alloc_map(vs->init_mm, addr, &ptl);
		if (!pte) {
			unmap_kernel_range(vs, start, i);
			return -KMM_ENOMEM;
		}
		spin_lock(ptl);
		pte_write(pte, pfn_pte(kmm_page_to_pfn(m, pages[i]), PAGE_KERNEL));
		spin_unlock(ptl);
	}
	return 0;
}

/* ---- the pages[] array ------------------------------------------------------------------ */

static void *vmalloc_node_internal(struct kmm_machine *m, size_t size, size_t align, gfp_t gfp,
				   int nid, const char *caller, unsigned long caller_ip);
static void vfree_area(struct kmm_machine *m, struct vmalloc_state *vs, struct vmap_area *va);
static struct vmap_area *take_area(struct kmm_machine *m, const void *addr, unsigned long kind,
				   const char *func, unsigned long caller_ip);

/*
 * Linux: kmalloc up to a page, else a nested vmalloc ("vpages").  kmm also
 * falls back to the nested vmalloc when kmalloc fails for an array of more
 * than 64 pointers (its slab may need a higher-order page than fragmented
 * memory has); smaller arrays fail, so the nesting always ends.
 */
static struct page **alloc_pages_array(struct kmm_machine *m, struct vmap_area *va, unsigned int nr,
				       gfp_t gfp, int nid)
{
	size_t bytes = (size_t)nr * sizeof(struct page *);
	if (bytes <= KMM_PAGE_SIZE) {
		bool fallback = nr > 64;
		gfp_t kgfp = nested_gfp(gfp) | __GFP_ZERO;
		struct page **pages =
			kmm_kmalloc_node(m, bytes, fallback ? kgfp | __GFP_NOWARN : kgfp, nid);
		if (pages || !fallback)
			return pages;
	}
	va->flags |= VMALLOC_PAGES_VMALLOCED;
	return vmalloc_node_internal(m, bytes, 1, nested_gfp(gfp) | __GFP_ZERO, nid, va->caller,
				     va->caller_ip);
}

static void free_pages_array(struct kmm_machine *m, struct vmalloc_state *vs, struct vmap_area *va)
{
	if (!va->pages)
		return;
	if (!(va->flags & VMALLOC_PAGES_VMALLOCED)) {
		kmm_kfree(m, va->pages);
		return;
	}
	struct vmap_area *pva = take_area(m, va->pages, VM_ALLOC, "vfree", 0);
	if (pva)
		vfree_area(m, vs, pva);
}

/* ---- vmalloc ----------------------------------------------------------------------------- */

/* Counted in nr_alloc_failed, reported with Mem-Info unless __GFP_NOWARN. */
static void vmalloc_fail(struct kmm_machine *m, gfp_t gfp, size_t size, const char *why)
{
	warn_alloc(m, gfp, NULL, "vmalloc error: size %zu, %s", size, why);
}

/* The pages of @va: order-0 pages one by one, or one split block. */
static unsigned int alloc_area_pages(struct kmm_machine *m, struct vmalloc_state *vs,
				     struct vmap_area *va, gfp_t gfp, int nid)
{
	gfp_t pgfp = (gfp & ~__GFP_COMP) | __GFP_NOWARN;
	unsigned int nr = va->nr_pages;
	if (!vs->aliased) {
		unsigned order = get_order((uint64_t)nr << KMM_PAGE_SHIFT);
		struct page *page = kmm_alloc_pages_node(m, nid, pgfp, order);
		if (!page)
			return 0;
		kmm_split_page(m, page, order);
		for (unsigned int i = nr; i < (1u << order); i++)
			__kmm_free_pages(m, page + i, 0);
		for (unsigned int i = 0; i < nr; i++)
			va->pages[i] = page + i;
		return nr;
	}
	for (unsigned int i = 0; i < nr; i++) {
		struct page *page = kmm_alloc_pages_node(m, nid, pgfp, 0);
		if (!page)
			return i;
		va->pages[i] = page;
	}
	return nr;
}

static void *vmalloc_node_internal(struct kmm_machine *m, size_t size, size_t align, gfp_t gfp,
				   int nid, const char *caller, unsigned long caller_ip)
{
	struct vmalloc_state *vs = vms(m);
	if (!vs) {
		if (m && !(gfp & __GFP_NOWARN))
			pr_warn(m, "vmalloc error: size %zu, vmalloc is not initialised", size);
		return NULL;
	}
	if (!size || size > vs->size - PAGE_SIZE_64 ||
	    ((uint64_t)size + PAGE_SIZE_64 - 1) >> KMM_PAGE_SHIFT > UINT32_MAX) {
		vmalloc_fail(m, gfp, size, "exceeds total pages");
		return NULL;
	}
	if (align < KMM_PAGE_SIZE)
		align = KMM_PAGE_SIZE;
	if (align & (align - 1) || align > vs->size) {
		vmalloc_fail(m, gfp, size, "bad alignment");
		return NULL;
	}
	uint64_t real = KMM_ALIGN_UP((uint64_t)size, PAGE_SIZE_64);
	unsigned int nr = (unsigned int)(real >> KMM_PAGE_SHIFT);
	if (!vs->aliased && get_order(real) > MAX_PAGE_ORDER) {
		vmalloc_fail(m, gfp, size, "larger than a MAX_PAGE_ORDER block (vmalloc=contig)");
		return NULL;
	}
	struct vmap_area *va = alloc_vmap_area(m, vs, real + PAGE_SIZE_64, align, gfp);
	if (!va)
		return NULL;
	va->flags = VM_ALLOC;
	va->caller = caller;
	va->caller_ip = caller_ip;
	va->nr_pages = nr;
	va->pages = alloc_pages_array(m, va, nr, gfp, nid);
	if (!va->pages) {
		vmalloc_fail(m, gfp, size, "failed to allocate page array");
		goto fail_va;
	}
	unsigned int got = alloc_area_pages(m, vs, va, gfp, nid);
	if (got < nr) {
		vmalloc_fail(m, gfp, size, "failed to allocate pages");
		goto fail_pages;
	}
	unsigned char *host;
	if (vs->aliased) {
		host = window_addr(vs, va->va_start);
		int ret = map_window(m, host, va->pages, nr);
		if (ret) {
			if (!(gfp & __GFP_NOWARN))
				pr_warn(m,
					"vmalloc error: size %zu, the host refused the mapping "
					"(error %d)",
					size, ret);
			goto fail_pages;
		}
	} else {
		host = kmm_page_address(m, va->pages[0]);
	}
	if (map_kernel_range(vs, m, va->va_start, va->pages, nr)) {
		vmalloc_fail(m, gfp, size, "failed to allocate page tables");
		if (vs->aliased)
			kmm_port_vm_unmap(host, (size_t)real);
		goto fail_pages;
	}
	va->addr = host;
	atomic_fetch_add_explicit(&vs->nr_pages, nr, memory_order_relaxed);
	spin_lock(&vs->lock);
	insert_busy_area(vs, va);
	spin_unlock(&vs->lock);
	return host;

fail_pages:
	for (unsigned int i = 0; i < got; i++)
		__kmm_free_pages(m, va->pages[i], 0);
	free_pages_array(m, vs, va);
fail_va:
	free_vmap_area(vs, va);
	return NULL;
}

void *__kmm_vmalloc_node(struct kmm_machine *m, size_t size, size_t align, gfp_t gfp, int nid,
			 const char *caller)
{
	return vmalloc_node_internal(m, size, align, gfp, nid, caller, caller ? 0 : CALLER);
}

void *vmalloc_node_caller_ip(struct kmm_machine *m, size_t size, size_t align, gfp_t gfp, int nid,
			     unsigned long caller_ip)
{
	return vmalloc_node_internal(m, size, align, gfp, nid, NULL, caller_ip);
}

void *kmm_vmalloc(struct kmm_machine *m, size_t size)
{
	return vmalloc_node_internal(m, size, 1, GFP_KERNEL, KMM_NUMA_NO_NODE, NULL, CALLER);
}

void *kmm_vzalloc(struct kmm_machine *m, size_t size)
{
	return vmalloc_node_internal(m, size, 1, GFP_KERNEL | __GFP_ZERO, KMM_NUMA_NO_NODE, NULL,
				     CALLER);
}

void *kmm_vmalloc_node(struct kmm_machine *m, size_t size, int nid)
{
	return vmalloc_node_internal(m, size, 1, GFP_KERNEL, nid, NULL, CALLER);
}

void *kmm_vzalloc_node(struct kmm_machine *m, size_t size, int nid)
{
	return vmalloc_node_internal(m, size, 1, GFP_KERNEL | __GFP_ZERO, nid, NULL, CALLER);
}

void *__kmm_vmalloc(struct kmm_machine *m, size_t size, gfp_t gfp)
{
	return vmalloc_node_internal(m, size, 1, gfp, KMM_NUMA_NO_NODE, NULL, CALLER);
}

void *kmm_vmalloc_array(struct kmm_machine *m, size_t n, size_t size)
{
	size_t bytes;
	if (__builtin_mul_overflow(n, size, &bytes)) {
		if (m)
			pr_warn(m, "WARNING: vmalloc_array(%zu, %zu): size overflows", n, size);
		return NULL;
	}
	return vmalloc_node_internal(m, bytes, 1, GFP_KERNEL, KMM_NUMA_NO_NODE, NULL, CALLER);
}

/* ---- vfree and vunmap -------------------------------------------------------------------- */

static void format_caller(char *buf, size_t size, const struct vmap_area *va)
{
	if (va->caller)
		kmm_snprintf(buf, size, "%s", va->caller);
	else
		kmm_snprintf(buf, size, "0x%lx", va->caller_ip);
}

/*
 * Take the area starting at @addr of kind @kind (VM_ALLOC or VM_MAP; 0:
 * either) out of the busy trees; NULL after a report if there is none.
 */
static struct vmap_area *take_area(struct kmm_machine *m, const void *addr, unsigned long kind,
				   const char *func, unsigned long caller_ip)
{
	struct vmalloc_state *vs = vms(m);
	char why[192], who[64];
	if (!vs) {
		pr_err(m,
		       "BUG: Trying to %s() nonexistent vm area (%p): vmalloc is not initialised",
		       func, addr);
		return NULL;
	}
	spin_lock(&vs->lock);
	struct vmap_area *va = find_area_by_host(vs, addr);
	if (va && va->addr == addr && (!kind || (va->flags & kind))) {
		erase_busy_area(vs, va);
		spin_unlock(&vs->lock);
		return va;
	}
	if (!va) {
		bool window = in_window(vs, addr);
		spin_unlock(&vs->lock);
		kmm_snprintf(why, sizeof(why), "%s",
			     window ? "no area there (freed already?)" : "not a vmalloc address");
	} else {
		uint64_t off = (uint64_t)((const unsigned char *)addr - va->addr);
		uint64_t start = va->va_start, end = va->va_end;
		bool alloc = va->flags & VM_ALLOC;
		bool guard = off >= (uint64_t)va->nr_pages << KMM_PAGE_SHIFT;
		format_caller(who, sizeof(who), va);
		spin_unlock(&vs->lock);
		if (off == 0)
			kmm_snprintf(why, sizeof(why),
				     "0x%016llx-0x%016llx is a %s area (from %s): use %s()",
				     (unsigned long long)start, (unsigned long long)end,
				     alloc ? "vmalloc" : "vmap", who, alloc ? "vfree" : "vunmap");
		else
			kmm_snprintf(why, sizeof(why),
				     "%s%llu bytes into the area 0x%016llx-0x%016llx (from %s), "
				     "not its start",
				     guard ? "in the guard page, " : "", (unsigned long long)off,
				     (unsigned long long)start, (unsigned long long)end, who);
	}
	atomic_fetch_add_explicit(&vs->nr_reports, 1, memory_order_relaxed);
	if (caller_ip)
		pr_err(m,
		       "BUG: Trying to %s() nonexistent vm area (%p): %s; left alone (caller 0x%lx)",
		       func, addr, why, caller_ip);
	else
		pr_err(m, "BUG: Trying to %s() nonexistent vm area (%p): %s; left alone", func,
		       addr, why);
	return NULL;
}

/* Tear down an area that left the busy trees: mappings, pages, address range. */
static void vfree_area(struct kmm_machine *m, struct vmalloc_state *vs, struct vmap_area *va)
{
	unsigned int nr = va->nr_pages;
	/* unmap first: a stale access faults instead of reaching a reused page */
	if (vs->aliased)
		kmm_port_vm_unmap(va->addr, (size_t)nr << KMM_PAGE_SHIFT);
	unmap_kernel_range(vs, va->va_start, nr);
	if (va->flags & VM_ALLOC) {
		for (unsigned int i = 0; i < nr; i++)
			__kmm_free_pages(m, va->pages[i], 0);
		atomic_fetch_sub_explicit(&vs->nr_pages, nr, memory_order_relaxed);
	}
	free_pages_array(m, vs, va);
	free_vmap_area(vs, va);
}

void vfree_caller_ip(struct kmm_machine *m, const void *addr, unsigned long caller_ip)
{
	if (!addr)
		return;
	struct vmap_area *va = take_area(m, addr, 0, "vfree", caller_ip);
	if (va)
		vfree_area(m, vms(m), va);
}

void kmm_vfree(struct kmm_machine *m, const void *addr)
{
	vfree_caller_ip(m, addr, CALLER);
}

void kmm_vunmap(struct kmm_machine *m, const void *addr)
{
	if (!addr)
		return;
	struct vmap_area *va = take_area(m, addr, VM_MAP, "vunmap", CALLER);
	if (va)
		vfree_area(m, vms(m), va);
}

/* ---- vmap -------------------------------------------------------------------------------- */

static void *vmap_internal(struct kmm_machine *m, struct page **pages, unsigned int count,
			   unsigned long flags, const char *caller, unsigned long caller_ip)
{
	struct vmalloc_state *vs = vms(m);
	if (!vs || !pages || !count || flags & ~VM_MAP)
		return NULL;
	if (!vs->aliased) {
		pr_warn(m, "vmap: not available without aliasing (vmalloc=contig)");
		return NULL;
	}
	if ((uint64_t)count >= vs->size >> KMM_PAGE_SHIFT)
		return NULL;
	for (unsigned int i = 0; i < count; i++) {
		struct page *p = pages[i];
		kmm_pfn_t pfn = p ? kmm_page_to_pfn(m, p) : 0;
		if (!p || !kmm_pfn_valid(m, pfn) || kmm_pfn_to_page(m, pfn) != p) {
			pr_warn(m, "vmap: pages[%u] (%p) is not a page of this machine", i,
				(void *)p);
			return NULL;
		}
	}
	uint64_t real = (uint64_t)count << KMM_PAGE_SHIFT;
	struct vmap_area *va =
		alloc_vmap_area(m, vs, real + PAGE_SIZE_64, PAGE_SIZE_64, GFP_KERNEL);
	if (!va)
		return NULL;
	va->flags = VM_MAP;
	va->caller = caller;
	va->caller_ip = caller_ip;
	va->nr_pages = count;
	/* a copy: vmalloc_to_page() and vmallocinfo need no page-table walk */
	va->pages = alloc_pages_array(m, va, count, GFP_KERNEL, KMM_NUMA_NO_NODE);
	if (!va->pages)
		goto fail;
	kmm_memcpy(va->pages, pages, (size_t)count * sizeof(*pages));
	unsigned char *host = window_addr(vs, va->va_start);
	if (map_window(m, host, va->pages, count))
		goto fail_array;
	if (map_kernel_range(vs, m, va->va_start, va->pages, count)) {
		kmm_port_vm_unmap(host, (size_t)real);
		goto fail_array;
	}
	va->addr = host;
	spin_lock(&vs->lock);
	insert_busy_area(vs, va);
	spin_unlock(&vs->lock);
	return host;
fail_array:
	free_pages_array(m, vs, va);
fail:
	free_vmap_area(vs, va);
	return NULL;
}

void *__kmm_vmap(struct kmm_machine *m, struct page **pages, unsigned int count,
		 unsigned long flags, const char *caller)
{
	return vmap_internal(m, pages, count, flags, caller, caller ? 0 : CALLER);
}

void *kmm_vmap(struct kmm_machine *m, struct page **pages, unsigned int count, unsigned long flags)
{
	return vmap_internal(m, pages, count, flags, NULL, CALLER);
}

/* ---- lookups ------------------------------------------------------------------------------ */

bool kmm_is_vmalloc_addr(struct kmm_machine *m, const void *p)
{
	struct vmalloc_state *vs = vms(m);
	if (!vs)
		return false;
	if (vs->aliased)
		return in_window(vs, p);
	spin_lock(&vs->lock);
	bool found = find_area_by_host(vs, p) != NULL;
	spin_unlock(&vs->lock);
	return found;
}

struct page *kmm_vmalloc_to_page(struct kmm_machine *m, const void *p)
{
	struct vmalloc_state *vs = vms(m);
	struct page *page = NULL;
	if (!vs)
		return NULL;
	spin_lock(&vs->lock);
	struct vmap_area *va = find_area_by_host(vs, p);
	if (va) {
		uint64_t idx = (uint64_t)((const unsigned char *)p - va->addr) >> KMM_PAGE_SHIFT;
		if (idx < va->nr_pages)
			page = va->pages[idx];
	}
	spin_unlock(&vs->lock);
	return page;
}

uint64_t kmm_vmalloc_kernel_addr(struct kmm_machine *m, const void *p)
{
	struct vmalloc_state *vs = vms(m);
	uint64_t kaddr = 0;
	if (!vs)
		return 0;
	spin_lock(&vs->lock);
	struct vmap_area *va = find_area_by_host(vs, p);
	if (va)
		kaddr = va->va_start + (uint64_t)((const unsigned char *)p - va->addr);
	spin_unlock(&vs->lock);
	return kaddr;
}

size_t kmm_vmalloc_size(struct kmm_machine *m, const void *p)
{
	struct vmalloc_state *vs = vms(m);
	size_t size = 0;
	if (!vs)
		return 0;
	spin_lock(&vs->lock);
	struct vmap_area *va = find_area_by_host(vs, p);
	if (va && va->addr == p)
		size = (size_t)va->nr_pages << KMM_PAGE_SHIFT;
	spin_unlock(&vs->lock);
	return size;
}

void kmm_vmalloc_get_info(struct kmm_machine *m, struct kmm_vmalloc_info *info)
{
	struct vmalloc_state *vs = vms(m);
	kmm_memset(info, 0, sizeof(*info));
	if (!vs)
		return;
	info->aliased = vs->aliased;
	info->window = vs->window;
	info->window_bytes = vs->size;
	info->nr_pages = atomic_load_explicit(&vs->nr_pages, memory_order_relaxed);
	info->nr_reports = atomic_load_explicit(&vs->nr_reports, memory_order_relaxed);
	spin_lock(&vs->lock);
	info->nr_areas = vs->nr_areas;
	info->largest_free = get_subtree_max_size(vs->free_root.rb_node);
	spin_unlock(&vs->lock);
}

/* ---- /proc/vmallocinfo -------------------------------------------------------------------- */

/*
 * mm/vmalloc.c s_show(): one line per area in address order,
 *   0xSTART-0xEND SIZE CALLER pages=N vmalloc vpages N0=a N1=b
 * SIZE includes the guard page; CALLER is the function name (see
 * kmm/vmalloc.h) or a return address; "vpages" when the page array is
 * itself vmalloc'ed; N<node>= counts the pages on each node.
 */
static void vmallocinfo_show(struct kmm_machine *m, struct seq_buf *sb)
{
	struct vmalloc_state *vs = vms(m);
	unsigned int counters[MAX_NUMNODES];
	if (!vs)
		return;
	spin_lock(&vs->lock);
	for (struct rb_node *n = rb_first(&vs->busy_root); n; n = rb_next(n)) {
		struct vmap_area *va = rb_entry(n, struct vmap_area, rb_node);
		seq_buf_printf(sb, "0x%016llx-0x%016llx %7llu", (unsigned long long)va->va_start,
			       (unsigned long long)va->va_end, (unsigned long long)va_size(va));
		if (va->caller)
			seq_buf_printf(sb, " %s", va->caller);
		else if (va->caller_ip)
			seq_buf_printf(sb, " 0x%lx", va->caller_ip);
		if (va->flags & VM_ALLOC)
			seq_buf_printf(sb, " pages=%u", va->nr_pages);
		if (va->flags & VM_ALLOC)
			seq_buf_puts(sb, " vmalloc");
		if (va->flags & VM_MAP)
			seq_buf_puts(sb, " vmap");
		if (va->flags & VMALLOC_PAGES_VMALLOCED)
			seq_buf_puts(sb, " vpages");
		if (va->flags & VM_ALLOC) {
			kmm_memset(counters, 0, sizeof(counters));
			for (unsigned int i = 0; i < va->nr_pages; i++)
				counters[kmm_page_to_nid(va->pages[i])]++;
			for (int nid = 0; nid < m->nr_node_ids; nid++)
				if (counters[nid])
					seq_buf_printf(sb, " N%d=%u", nid, counters[nid]);
		}
		seq_buf_putc(sb, '\n');
	}
	spin_unlock(&vs->lock);
}

static const struct kmm_proc_file vmalloc_files[] = {
	{ "/proc/vmallocinfo", vmallocinfo_show, NULL },
};

const struct kmm_proc_table proc_vmalloc_table = {
	.files = vmalloc_files,
	.nr_files = KMM_ARRAY_SIZE(vmalloc_files),
};

/* ---- boot and shutdown -------------------------------------------------------------------- */

int vmalloc_parse_param(const char *s, const char *e, uint64_t *bytes, bool *contig)
{
	size_t n = (size_t)(e - s);
	if (n == 6 && !kmm_strncmp(s, "contig", 6)) {
		*contig = true;
		return 0;
	}
	if (n == 5 && !kmm_strncmp(s, "alias", 5)) {
		*contig = false;
		return 0;
	}
	char tmp[32];
	const char *end;
	unsigned long long v;
	if (!n || n >= sizeof(tmp))
		return -KMM_EINVAL;
	kmm_memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (kmm_memparse(tmp, &end, &v) || *end || v < VMALLOC_PARAM_MIN || v > KMM_VMALLOC_SIZE)
		return -KMM_EINVAL;
	*bytes = KMM_ALIGN_UP((uint64_t)v, PAGE_SIZE_64);
	return 0;
}

/* vmalloc= from the command line (the last one wins, as early_param). */
static void vmalloc_cmdline(struct kmm_machine *m, uint64_t *bytes, bool *contig)
{
	const char *s = m->cmdline;
	while (*s) {
		while (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
		const char *e = s;
		while (*e && *e != ' ' && *e != '\t' && *e != '\n')
			e++;
		if (e - s > 8 && !kmm_strncmp(s, "vmalloc=", 8))
			vmalloc_parse_param(s + 8, e, bytes, contig); /* checked by params.c */
		s = e;
	}
}

int vmalloc_init(struct kmm_machine *m)
{
	struct kmm_vm_state *vm = vm_state(m);
	if (!vm) {
		pr_err(m, "vmalloc: no VM state (vm_init must run first)");
		return -KMM_EINVAL;
	}
	uint64_t size = 0;
	bool contig = false;
	vmalloc_cmdline(m, &size, &contig);
	if (!size) {
		size = KMM_ALIGN_UP(2 * (uint64_t)m->ram_bytes, VMALLOC_WINDOW_MIN);
		size = KMM_MIN(KMM_MAX(size, VMALLOC_WINDOW_MIN), KMM_VMALLOC_SIZE);
	}
	struct vmalloc_state *vs = kmm_kzalloc(m, sizeof(*vs), GFP_KERNEL);
	if (!vs)
		return -KMM_ENOMEM;
	spin_lock_init(&vs->lock);
	vs->free_root = RB_ROOT;
	vs->busy_root = RB_ROOT;
	vs->addr_root = RB_ROOT;
	vs->size = size;
	vs->area_cachep =
		kmm_kmem_cache_create(m, "vmap_area", sizeof(struct vmap_area), 0, 0, NULL, NULL);
	struct vmap_area *va = vs->area_cachep ? area_alloc(vs, GFP_KERNEL) : NULL;
	if (!va) {
		if (vs->area_cachep)
			kmm_kmem_cache_destroy(vs->area_cachep);
		kmm_kfree(m, vs);
		return -KMM_ENOMEM;
	}
	const char *why = "vmalloc=contig";
	if (!contig) {
		void *window;
		int ret = kmm_port_vm_reserve((size_t)size, &window);
		if (!ret) {
			/* can this host alias RAM?  Try with the first page frame. */
			ret = kmm_port_vm_map(window, m->ram, 0, KMM_PAGE_SIZE);
			if (ret)
				kmm_port_vm_release(window, (size_t)size);
		}
		if (!ret) {
			kmm_port_vm_unmap(window, KMM_PAGE_SIZE);
			vs->window = window;
			vs->aliased = true;
		} else {
			why = ret == -KMM_ENOSYS ? "the host cannot alias pages" : "no host window";
		}
	}
	/* the whole range in use starts out free */
	va->va_start = KMM_VMALLOC_START;
	va->va_end = KMM_VMALLOC_START + size;
	insert_free_area(vs, va);
	vs->init_mm = vm->init_mm.pgd ? &vm->init_mm : NULL;
	atomic_init(&vs->nr_pages, 0);
	atomic_init(&vs->nr_reports, 0);
	vm->vmalloc = vs;
	if (vs->aliased)
		pr_info(m, "vmalloc: 0x%016llx-0x%016llx (%llu MiB), host window %p",
			(unsigned long long)KMM_VMALLOC_START,
			(unsigned long long)(KMM_VMALLOC_START + size - 1),
			(unsigned long long)(size >> 20), (void *)vs->window);
	else
		pr_info(m,
			"vmalloc: 0x%016llx-0x%016llx (%llu MiB), physically contiguous pages "
			"(%s)",
			(unsigned long long)KMM_VMALLOC_START,
			(unsigned long long)(KMM_VMALLOC_START + size - 1),
			(unsigned long long)(size >> 20), why);
	return 0;
}

void vmalloc_exit(struct kmm_machine *m)
{
	struct vmalloc_state *vs = vms(m);
	if (!vs)
		return;
	/* areas still allocated die with the machine's RAM; only the window is the host's */
	if (vs->window)
		kmm_port_vm_release(vs->window, (size_t)vs->size);
	vs->window = NULL;
	vs->aliased = false;
	vm_state(m)->vmalloc = NULL;
}
