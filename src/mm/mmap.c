/* SPDX-License-Identifier: MIT */
/*
 * src/mm/mmap.c - address spaces and their VMAs (mm/mmap.c, mm/vma.c,
 * mm/util.c, kernel/fork.c's mm allocation).
 *
 * The VMAs of an mm sit in a red-black tree ordered by address and, in the
 * same order, on a doubly linked list (Linux before the maple tree).  Each
 * tree node is augmented with the largest free gap below any VMA of its
 * subtree, so the top-down search for a free range (get_unmapped_area)
 * descends straight to the highest gap that fits.  Changes happen under
 * mmap_lock held for writing; lookups (faults) hold it for reading.
 *
 * Also here: mmap/munmap/brk, VMA split and merge, overcommit accounting
 * (Committed_AS against CommitLimit as vm.overcommit_memory says), and the
 * boot of the VM state (vm_init) with the shared zero page.
 */
#include "mm/vmscan.h"

/* ---- the augmented tree --------------------------------------------------------- */

static inline uint64_t vma_gap_below(const struct vm_area_struct *v)
{
	uint64_t prev_end = v->vm_prev ? v->vm_prev->vm_end : 0;
	return v->vm_start > prev_end ? v->vm_start - prev_end : 0;
}

static inline uint64_t subtree_gap_of(struct rb_node *n)
{
	return n ? rb_entry(n, struct vm_area_struct, vm_rb)->rb_subtree_gap : 0;
}

static uint64_t vma_compute_subtree_gap(struct vm_area_struct *v)
{
	uint64_t g = vma_gap_below(v), l = subtree_gap_of(v->vm_rb.rb_left),
		 r = subtree_gap_of(v->vm_rb.rb_right);
	if (l > g)
		g = l;
	if (r > g)
		g = r;
	return g;
}

/* Recompute gaps from @n up to the root (after a change below @n). */
static void gap_propagate(struct rb_node *n)
{
	while (n) {
		struct vm_area_struct *v = rb_entry(n, struct vm_area_struct, vm_rb);
		uint64_t g = vma_compute_subtree_gap(v);
		v->rb_subtree_gap = g;
		n = rb_parent(n);
	}
}

/*
 * Rebalancing rotates nodes; rather than hooking each rotation we rebuild
 * the augmented values bottom-up over the nodes whose subtrees changed:
 * after rb_insert_color/rb_erase only the path from the touched node to the
 * root and the rotated nodes (all within two levels of that path) change,
 * so recomputing the path, children of path nodes included, is exact.
 */
static void gap_fix_path(struct rb_node *n)
{
	while (n) {
		struct rb_node *kids[2] = { n->rb_left, n->rb_right };
		for (int i = 0; i < 2; i++)
			if (kids[i]) {
				struct vm_area_struct *k =
					rb_entry(kids[i], struct vm_area_struct, vm_rb);
				k->rb_subtree_gap = vma_compute_subtree_gap(k);
			}
		struct vm_area_struct *v = rb_entry(n, struct vm_area_struct, vm_rb);
		v->rb_subtree_gap = vma_compute_subtree_gap(v);
		n = rb_parent(n);
	}
}

static void vma_rb_insert(struct mm_struct *mm, struct vm_area_struct *vma)
{
	struct rb_node **link = &mm->mm_rb.rb_node, *parent = NULL;
	while (*link) {
		parent = *link;
		struct vm_area_struct *v = rb_entry(parent, struct vm_area_struct, vm_rb);
		link = vma->vm_start < v->vm_start ? &parent->rb_left : &parent->rb_right;
	}
	rb_link_node(&vma->vm_rb, parent, link);
	vma->rb_subtree_gap = vma_gap_below(vma);
	rb_insert_color(&vma->vm_rb, &mm->mm_rb);
	/* deep rotations: a full bottom-up recompute of the touched spine */
	gap_fix_path(&vma->vm_rb);
	if (parent)
		gap_fix_path(parent);
}

/* Link @vma after @prev (NULL: first) into list and tree. */
static void vma_link(struct mm_struct *mm, struct vm_area_struct *vma, struct vm_area_struct *prev)
{
	struct vm_area_struct *next = prev ? prev->vm_next : mm->mmap;
	vma->vm_prev = prev;
	vma->vm_next = next;
	if (prev)
		prev->vm_next = vma;
	else
		mm->mmap = vma;
	if (next)
		next->vm_prev = vma;
	vma_rb_insert(mm, vma);
	if (next)
		gap_propagate(&next->vm_rb);
	mm->map_count++;
}

static void vma_unlink_list_tree(struct mm_struct *mm, struct vm_area_struct *vma)
{
	struct vm_area_struct *prev = vma->vm_prev, *next = vma->vm_next;
	struct rb_node *fix = rb_parent(&vma->vm_rb);
	if (prev)
		prev->vm_next = next;
	else
		mm->mmap = next;
	if (next)
		next->vm_prev = prev;
	/* the erase may splice a successor in: recompute around both */
	struct rb_node *succ = rb_next(&vma->vm_rb);
	struct rb_node *succ_parent = succ ? rb_parent(succ) : NULL;
	rb_erase(&vma->vm_rb, &mm->mm_rb);
	if (fix && fix != &vma->vm_rb)
		gap_fix_path(fix);
	if (succ) {
		gap_fix_path(succ);
		if (succ_parent && succ_parent != &vma->vm_rb)
			gap_fix_path(succ_parent);
	}
	if (next)
		gap_propagate(&next->vm_rb);
	mm->map_count--;
}

/* vm_start or vm_end of @vma changed: refresh the gaps it affects. */
static void vma_gap_update(struct vm_area_struct *vma)
{
	gap_propagate(&vma->vm_rb);
	if (vma->vm_next)
		gap_propagate(&vma->vm_next->vm_rb);
}

void vma_gap_refresh(struct vm_area_struct *vma)
{
	vma_gap_update(vma);
}

struct vm_area_struct *find_vma(struct mm_struct *mm, uint64_t addr)
{
	struct rb_node *n = mm->mm_rb.rb_node;
	struct vm_area_struct *best = NULL;
	while (n) {
		struct vm_area_struct *v = rb_entry(n, struct vm_area_struct, vm_rb);
		if (v->vm_end > addr) {
			best = v;
			if (v->vm_start <= addr)
				break;
			n = n->rb_left;
		} else {
			n = n->rb_right;
		}
	}
	return best;
}

struct vm_area_struct *find_vma_prev(struct mm_struct *mm, uint64_t addr,
				     struct vm_area_struct **pprev)
{
	struct vm_area_struct *v = find_vma(mm, addr);
	if (v) {
		*pprev = v->vm_prev;
	} else {
		struct rb_node *last = rb_last(&mm->mm_rb);
		*pprev = last ? rb_entry(last, struct vm_area_struct, vm_rb) : NULL;
	}
	return v;
}

const char *validate_mm(struct mm_struct *mm)
{
	int n = 0;
	struct vm_area_struct *prev = NULL;
	for (struct vm_area_struct *v = mm->mmap; v; v = v->vm_next) {
		if (v->vm_prev != prev)
			return "vm_prev link broken";
		if (v->vm_start >= v->vm_end)
			return "empty or inverted VMA";
		if ((v->vm_start | v->vm_end) & ~KMM_PAGE_MASK)
			return "unaligned VMA";
		if (prev && prev->vm_end > v->vm_start)
			return "overlapping VMAs";
		if (v->vm_mm != mm)
			return "VMA of another mm";
		if (v->rb_subtree_gap != vma_compute_subtree_gap(v))
			return "stale rb_subtree_gap";
		prev = v;
		n++;
	}
	if (n != mm->map_count)
		return "map_count wrong";
	int m = 0;
	prev = NULL;
	for (struct rb_node *r = rb_first(&mm->mm_rb); r; r = rb_next(r)) {
		struct vm_area_struct *v = rb_entry(r, struct vm_area_struct, vm_rb);
		if (v->vm_prev != prev)
			return "tree order differs from list order";
		prev = v;
		m++;
	}
	if (m != n)
		return "tree and list sizes differ";
	return NULL;
}

/* ---- free-range search ------------------------------------------------------------------ */

/*
 * The highest start s with [s, s+len) inside a gap, s <= high_limit - len,
 * s >= low_limit.  Descends the augmented tree: right subtrees first (higher
 * addresses), skipping subtrees whose largest gap is too small.
 */
static uint64_t unmapped_area_topdown(struct mm_struct *mm, uint64_t len, uint64_t low_limit,
				      uint64_t high_limit)
{
	if (len > high_limit - low_limit)
		return 0;
	/* the gap above the highest VMA */
	struct rb_node *lastn = rb_last(&mm->mm_rb);
	uint64_t top_start = lastn ? rb_entry(lastn, struct vm_area_struct, vm_rb)->vm_end : 0;
	if (top_start < low_limit)
		top_start = low_limit;
	if (high_limit >= top_start + len)
		return high_limit - len;

	/* in-order from the right, pruning by subtree gap */
	struct rb_node *n = mm->mm_rb.rb_node;
	if (!n || subtree_gap_of(n) < len)
		return 0;
	for (;;) {
		struct vm_area_struct *v = rb_entry(n, struct vm_area_struct, vm_rb);
		/* go right while the right subtree may hold a fitting gap below high_limit */
		if (n->rb_right && subtree_gap_of(n->rb_right) >= len && v->vm_end <= high_limit) {
			n = n->rb_right;
			continue;
		}
check_this:;
		uint64_t gap_start = v->vm_prev ? v->vm_prev->vm_end : 0;
		uint64_t gap_end = v->vm_start;
		if (gap_end > high_limit)
			gap_end = high_limit;
		if (gap_start < low_limit)
			gap_start = low_limit;
		if (gap_end >= gap_start && gap_end - gap_start >= len)
			return gap_end - len;
		if (gap_end < low_limit + len && v->vm_start <= low_limit)
			return 0;
		if (n->rb_left && subtree_gap_of(n->rb_left) >= len) {
			n = n->rb_left;
			continue;
		}
		/* climb to the first ancestor we reached from its right side */
		for (;;) {
			struct rb_node *prev = n;
			n = rb_parent(n);
			if (!n)
				return 0;
			if (prev == n->rb_right) {
				v = rb_entry(n, struct vm_area_struct, vm_rb);
				goto check_this;
			}
		}
	}
}

uint64_t get_unmapped_area(struct mm_struct *mm, struct kmm_file *f, uint64_t addr, uint64_t len,
			   uint64_t pgoff, unsigned long flags)
{
	(void)f;
	(void)pgoff;
	uint64_t min = (uint64_t)mm->machine->vm.mmap_min_addr;
	if (min < KMM_PAGE_SIZE)
		min = KMM_PAGE_SIZE;
	if (len > mm->task_size - min)
		return (uint64_t)-KMM_ENOMEM;
	if (flags & KMM_MAP_FIXED)
		return addr;
	if (addr) {
		addr = (addr + KMM_PAGE_SIZE - 1) & KMM_PAGE_MASK;
		struct vm_area_struct *prev;
		struct vm_area_struct *v = find_vma_prev(mm, addr, &prev);
		if (addr >= min && mm->task_size - len >= addr &&
		    (!v || addr + len <= v->vm_start) && (!prev || addr >= prev->vm_end))
			return addr;
	}
	uint64_t a = unmapped_area_topdown(mm, len, min, mm->mmap_base);
	if (!a) /* bottom-up fallback above the base, as Linux */
		a = unmapped_area_topdown(mm, len, mm->mmap_base, mm->task_size);
	return a ? a : (uint64_t)-KMM_ENOMEM;
}

/* ---- objects --------------------------------------------------------------------------- */

struct vm_area_struct *vm_area_alloc(struct mm_struct *mm)
{
	struct vm_area_struct *v =
		kmm_kmem_cache_zalloc(vm_state(mm->machine)->vm_area_cachep, GFP_KERNEL);
	if (!v)
		return NULL;
	v->vm_mm = mm;
	INIT_LIST_HEAD(&v->anon_vma_chain);
	INIT_LIST_HEAD(&v->shared);
	RB_CLEAR_NODE(&v->vm_rb);
	return v;
}

struct vm_area_struct *vm_area_dup(struct vm_area_struct *orig)
{
	struct vm_area_struct *v =
		kmm_kmem_cache_alloc(vm_state(orig->vm_mm->machine)->vm_area_cachep, GFP_KERNEL);
	if (!v)
		return NULL;
	*v = *orig;
	INIT_LIST_HEAD(&v->anon_vma_chain);
	INIT_LIST_HEAD(&v->shared);
	RB_CLEAR_NODE(&v->vm_rb);
	v->vm_next = v->vm_prev = NULL;
	return v;
}

void vm_area_free(struct vm_area_struct *vma)
{
	kmm_kmem_cache_free(vm_state(vma->vm_mm->machine)->vm_area_cachep, vma);
}

pteval_t vm_get_page_prot(unsigned long vm_flags)
{
	if (!(vm_flags & VM_ACCESS_FLAGS))
		return _PAGE_PROTNONE;
	pteval_t p = _PAGE_PRESENT | _PAGE_USER;
	/* private writable pages start read-only: the write fault copies */
	if ((vm_flags & (VM_WRITE | VM_SHARED)) == (VM_WRITE | VM_SHARED))
		p |= _PAGE_RW;
	if (!(vm_flags & VM_EXEC))
		p |= _PAGE_NX;
	return p;
}

/* Shared file mappings track dirtiness by write faults (write-notify). */
static pteval_t vma_page_prot(const struct vm_area_struct *vma)
{
	pteval_t p = vm_get_page_prot(vma->vm_flags);
	if ((vma->vm_flags & VM_SHARED) && vma->vm_file && !vma->vm_file->shmem)
		p &= ~_PAGE_RW;
	return p;
}

void vma_link_file(struct vm_area_struct *vma)
{
	struct kmm_file *f = vma->vm_file;
	if (!f)
		return;
	down_write(&f->mapping.i_mmap_rwsem);
	list_add_tail(&vma->shared, &f->mapping.i_mmap);
	if (vma->vm_flags & VM_SHARED)
		f->mapping.nr_mmapped_shared++;
	up_write(&f->mapping.i_mmap_rwsem);
}

void vma_rmap_lock(struct vm_area_struct *vma)
{
	if (vma->vm_file)
		down_write(&vma->vm_file->mapping.i_mmap_rwsem);
	if (vma->anon_vma)
		down_write(&vma->anon_vma->root->rwsem);
}

void vma_rmap_unlock(struct vm_area_struct *vma)
{
	if (vma->anon_vma)
		up_write(&vma->anon_vma->root->rwsem);
	if (vma->vm_file)
		up_write(&vma->vm_file->mapping.i_mmap_rwsem);
}

void vma_unlink_file(struct vm_area_struct *vma)
{
	struct kmm_file *f = vma->vm_file;
	if (!f)
		return;
	down_write(&f->mapping.i_mmap_rwsem);
	list_del_init(&vma->shared);
	if (vma->vm_flags & VM_SHARED)
		f->mapping.nr_mmapped_shared--;
	up_write(&f->mapping.i_mmap_rwsem);
}

/* ---- accounting --------------------------------------------------------------------------- */

static bool accountable_mapping(const struct vm_area_struct *v)
{
	return (v->vm_flags & (VM_NORESERVE | VM_SHARED | VM_WRITE)) == VM_WRITE;
}

static unsigned long vm_commit_limit(struct kmm_machine *m)
{
	unsigned long ram = atomic_load(&m->totalram_pages), swap, swapfree;
	si_swapinfo(m, &swap, &swapfree);
	return ram * (unsigned long)m->vm.overcommit_ratio / 100 + swap;
}

int security_vm_enough_memory_mm(struct mm_struct *mm, long pages)
{
	struct kmm_machine *m = mm->machine;
	struct kmm_vm_state *vs = vm_state(m);
	long committed = atomic_fetch_add(&vs->vm_committed_as, pages) + pages;
	switch (m->vm.overcommit_memory) {
	case 1: /* OVERCOMMIT_ALWAYS */
		return 0;
	case 0: { /* OVERCOMMIT_GUESS: one request may not exceed RAM + swap */
		unsigned long swap, swapfree;
		si_swapinfo(m, &swap, &swapfree);
		if ((unsigned long)pages <= atomic_load(&m->totalram_pages) + swap)
			return 0;
		break;
	}
	default: /* OVERCOMMIT_NEVER */
		if (committed <= (long)vm_commit_limit(m))
			return 0;
		break;
	}
	atomic_fetch_sub(&vs->vm_committed_as, pages);
	return -KMM_ENOMEM;
}

void vm_unacct_memory(struct kmm_machine *m, long pages)
{
	atomic_fetch_sub(&vm_state(m)->vm_committed_as, pages);
}

unsigned long kmm_vm_committed_pages(struct kmm_machine *m)
{
	long v = atomic_load(&vm_state(m)->vm_committed_as);
	return v > 0 ? (unsigned long)v : 0;
}

unsigned long kmm_vm_commit_limit_pages(struct kmm_machine *m)
{
	return vm_commit_limit(m);
}

static void vm_stat_account(struct mm_struct *mm, unsigned long flags, long npages)
{
	mm->total_vm += npages;
	if ((flags & (VM_EXEC | VM_WRITE)) == VM_EXEC)
		mm->exec_vm += npages;
	else if (flags & VM_STACK)
		mm->stack_vm += npages;
	else if ((flags & (VM_WRITE | VM_SHARED | VM_STACK)) == VM_WRITE)
		mm->data_vm += npages;
	if (mm->total_vm > mm->hiwater_vm)
		mm->hiwater_vm = mm->total_vm;
}

/* ---- insert, split, merge ------------------------------------------------------------------- */

int insert_vm_struct(struct mm_struct *mm, struct vm_area_struct *vma)
{
	struct vm_area_struct *prev;
	struct vm_area_struct *next = find_vma_prev(mm, vma->vm_start, &prev);
	if (next && next->vm_start < vma->vm_end)
		return -KMM_ENOMEM;
	if (prev && prev->vm_end > vma->vm_start)
		return -KMM_ENOMEM;
	vma_link(mm, vma, prev);
	return 0;
}

/*
 * Split @vma at @addr; the new VMA takes the lower part if @new_below.
 * Page tables are not touched: both halves keep the same PTEs.
 */
int __split_vma(struct mm_struct *mm, struct vm_area_struct *vma, uint64_t addr, int new_below)
{
	struct vm_area_struct *n = vm_area_dup(vma);
	if (!n)
		return -KMM_ENOMEM;
	if (anon_vma_clone(n, vma)) {
		vm_area_free(n);
		return -KMM_ENOMEM;
	}
	if (n->vm_file)
		kmm_file_hold(n->vm_file);
	/* n shares vma's anon_vma and file: one lock covers both */
	vma_rmap_lock(vma);
	if (new_below) {
		n->vm_end = addr;
		vma->vm_pgoff += (addr - vma->vm_start) >> KMM_PAGE_SHIFT;
		vma->vm_start = addr;
	} else {
		n->vm_start = addr;
		n->vm_pgoff += (addr - vma->vm_start) >> KMM_PAGE_SHIFT;
		vma->vm_end = addr;
	}
	vma_rmap_unlock(vma);
	vma_gap_update(vma);
	vma_link(mm, n, new_below ? vma->vm_prev : vma);
	vma_link_file(n);
	return 0;
}

static bool anon_vma_compatible(struct anon_vma *a, struct anon_vma *b)
{
	return !a || !b || a == b;
}

static bool can_merge(const struct vm_area_struct *v, unsigned long vm_flags, struct kmm_file *f,
		      struct anon_vma *av)
{
	return v->vm_flags == vm_flags && v->vm_file == f && anon_vma_compatible(v->anon_vma, av) &&
	       !(vm_flags & VM_GROWSDOWN);
}

/* Remove @gone (merged into @keep): unlink it, move its anon_vma if needed. */
static void vma_absorb(struct mm_struct *mm, struct vm_area_struct *keep,
		       struct vm_area_struct *gone)
{
	if (!keep->anon_vma && gone->anon_vma) {
		/* take over its chains: keep uses gone's anon_vma from now on */
		anon_vma_clone(keep, gone);
		keep->anon_vma = gone->anon_vma;
	}
	vma_unlink_list_tree(mm, gone);
	vma_unlink_file(gone);
	unlink_anon_vmas(gone);
	if (gone->vm_file)
		kmm_file_put(gone->vm_file);
	vm_area_free(gone);
}

/* @b (right above @a, compatible) becomes part of @a. */
void vma_merge_pair(struct mm_struct *mm, struct vm_area_struct *a, struct vm_area_struct *b)
{
	vma_rmap_lock(a);
	a->vm_end = b->vm_end;
	vma_rmap_unlock(a);
	vma_absorb(mm, a, b);
	vma_gap_update(a);
}

/*
 * The range [addr, end) with these properties is about to exist after
 * @prev: merge it into prev and/or the next VMA if they are compatible.
 * Returns the VMA now covering it, or NULL if no merge was possible.
 * Only VMAs whose anon_vma can be shared (either has none, or the same)
 * merge, so anonymous pages keep a valid reverse mapping.
 */
struct vm_area_struct *vma_merge(struct mm_struct *mm, struct vm_area_struct *prev, uint64_t addr,
				 uint64_t end, unsigned long vm_flags, struct anon_vma *anon_vma,
				 struct kmm_file *file, unsigned long pgoff)
{
	struct vm_area_struct *next = prev ? prev->vm_next : mm->mmap;
	unsigned long pglen = (unsigned long)((end - addr) >> KMM_PAGE_SHIFT);
	if (next && next->vm_start < end)
		return NULL;
	bool merge_prev = prev && prev->vm_end == addr &&
			  can_merge(prev, vm_flags, file, anon_vma) &&
			  (!file || prev->vm_pgoff + vma_pages(prev) == pgoff);
	bool merge_next = next && next->vm_start == end &&
			  can_merge(next, vm_flags, file, anon_vma) &&
			  (!file || pgoff + pglen == next->vm_pgoff);
	/* pages are indexed from vm_pgoff: next's pages must keep their index */
	if (merge_prev && merge_next &&
	    (!anon_vma_compatible(prev->anon_vma, next->anon_vma) ||
	     (next->anon_vma && prev->vm_pgoff + vma_pages(prev) + pglen != next->vm_pgoff)))
		merge_next = false;
	if (merge_prev) {
		vma_rmap_lock(prev);
		prev->vm_end = merge_next ? next->vm_end : end;
		vma_rmap_unlock(prev);
		if (merge_next)
			vma_absorb(mm, prev, next);
		vma_gap_update(prev);
		return prev;
	}
	if (merge_next) {
		vma_rmap_lock(next);
		next->vm_start = addr;
		next->vm_pgoff -= pglen;
		vma_rmap_unlock(next);
		vma_gap_update(next);
		return next;
	}
	return NULL;
}

/* ---- mmap ----------------------------------------------------------------------------------- */

static unsigned long calc_vm_flags(int prot, int flags)
{
	unsigned long f = 0;
	if (prot & KMM_PROT_READ)
		f |= VM_READ;
	if (prot & KMM_PROT_WRITE)
		f |= VM_WRITE;
	if (prot & KMM_PROT_EXEC)
		f |= VM_EXEC;
	if (flags & KMM_MAP_GROWSDOWN)
		f |= VM_GROWSDOWN;
	if (flags & KMM_MAP_LOCKED)
		f |= VM_LOCKED;
	if (flags & KMM_MAP_NORESERVE)
		f |= VM_NORESERVE;
	return f | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
}

static uint64_t mmap_region(struct kmm_task *t, struct kmm_file *file, uint64_t addr, uint64_t len,
			    unsigned long vm_flags, unsigned long pgoff, int *err)
{
	struct mm_struct *mm = t->mm;
	/* MAP_FIXED replaces what was there */
	if (find_vma(mm, addr) && find_vma(mm, addr)->vm_start < addr + len) {
		int ret = do_munmap(mm, addr, len);
		if (ret) {
			*err = ret;
			return 0;
		}
	}
	if (mm->map_count >= mm->machine->vm.max_map_count) {
		*err = -KMM_ENOMEM;
		return 0;
	}
	long charged = 0;
	struct vm_area_struct tmp = { .vm_flags = vm_flags };
	if (accountable_mapping(&tmp)) {
		charged = (long)(len >> KMM_PAGE_SHIFT);
		if (security_vm_enough_memory_mm(mm, charged)) {
			*err = -KMM_ENOMEM;
			return 0;
		}
		vm_flags |= VM_ACCOUNT;
	}
	struct vm_area_struct *prev;
	find_vma_prev(mm, addr, &prev);
	if (!file && !(vm_flags & VM_SHARED)) {
		struct vm_area_struct *v = vma_merge(mm, prev, addr, addr + len, vm_flags, NULL,
						     NULL, (unsigned long)(addr >> KMM_PAGE_SHIFT));
		if (v) {
			mm->committed += (unsigned long)charged;
			vm_stat_account(mm, vm_flags, (long)(len >> KMM_PAGE_SHIFT));
			return addr;
		}
	}
	struct vm_area_struct *vma = vm_area_alloc(mm);
	if (!vma) {
		if (charged)
			vm_unacct_memory(mm->machine, charged);
		*err = -KMM_ENOMEM;
		return 0;
	}
	vma->vm_start = addr;
	vma->vm_end = addr + len;
	vma->vm_flags = vm_flags;
	vma->vm_pgoff = file ? pgoff : (unsigned long)(addr >> KMM_PAGE_SHIFT);
	if (file) {
		kmm_file_hold(file);
		vma->vm_file = file;
	} else if (vm_flags & VM_SHARED) {
		int ret = shmem_zero_setup(vma);
		if (ret) {
			vm_area_free(vma);
			if (charged)
				vm_unacct_memory(mm->machine, charged);
			*err = ret;
			return 0;
		}
	}
	vma->vm_page_prot = vma_page_prot(vma);
	vma_link(mm, vma, prev);
	vma_link_file(vma);
	mm->committed += (unsigned long)charged;
	vm_stat_account(mm, vm_flags, (long)(len >> KMM_PAGE_SHIFT));
	if (vm_flags & VM_LOCKED)
		mm->locked_vm += len >> KMM_PAGE_SHIFT;
	return addr;
}

long kmm_mmap(struct kmm_task *t, uint64_t addr, uint64_t len, int prot, int flags, int fd,
	      uint64_t off)
{
	if (!t || !t->mm)
		return -KMM_EINVAL;
	if (atomic_load(&t->signal))
		return -KMM_ESRCH;
	struct mm_struct *mm = t->mm;
	if (!len)
		return -KMM_EINVAL;
	if (off & ~KMM_PAGE_MASK)
		return -KMM_EINVAL;
	if (prot & ~(KMM_PROT_READ | KMM_PROT_WRITE | KMM_PROT_EXEC))
		return -KMM_EINVAL;
	uint64_t rlen = (len + KMM_PAGE_SIZE - 1) & KMM_PAGE_MASK;
	if (!rlen || rlen > mm->task_size)
		return -KMM_ENOMEM;
	if (off + rlen < off)
		return -KMM_EOVERFLOW;
	int type = flags & KMM_MAP_TYPE;
	if (type != KMM_MAP_SHARED && type != KMM_MAP_PRIVATE && type != KMM_MAP_SHARED_VALIDATE)
		return -KMM_EINVAL;
	if (flags & KMM_MAP_FIXED_NOREPLACE)
		flags |= KMM_MAP_FIXED;
	if ((flags & KMM_MAP_FIXED) && (addr & ~KMM_PAGE_MASK))
		return -KMM_EINVAL;
	if ((flags & KMM_MAP_FIXED) &&
	    (addr < (uint64_t)mm->machine->vm.mmap_min_addr || addr > mm->task_size - rlen))
		return addr < (uint64_t)mm->machine->vm.mmap_min_addr ? -KMM_EPERM : -KMM_ENOMEM;

	unsigned long vm_flags = calc_vm_flags(prot, flags);
	struct kmm_file *file = NULL;
	if (!(flags & KMM_MAP_ANONYMOUS)) {
		file = task_fd_file(t, fd);
		if (!file)
			return -KMM_EBADF;
		if (type != KMM_MAP_PRIVATE) {
			if ((prot & KMM_PROT_WRITE) && !file->writable)
				return -KMM_EACCES;
			vm_flags |= VM_SHARED | VM_MAYSHARE;
			if (!file->writable)
				vm_flags &= ~(VM_MAYWRITE | VM_SHARED);
		}
	} else {
		if (type != KMM_MAP_PRIVATE)
			vm_flags |= VM_SHARED | VM_MAYSHARE;
		off = 0;
	}

	down_write(&mm->mmap_lock);
	uint64_t a = get_unmapped_area(mm, file, addr, rlen, off >> KMM_PAGE_SHIFT,
				       (unsigned long)flags);
	long ret;
	if ((int64_t)a < 0 && (int64_t)a > -4096) {
		ret = (long)a;
		goto out;
	}
	if (flags & KMM_MAP_FIXED_NOREPLACE) {
		struct vm_area_struct *v = find_vma(mm, a);
		if (v && v->vm_start < a + rlen) {
			ret = -KMM_EEXIST;
			goto out;
		}
	}
	int err = 0;
	a = mmap_region(t, file, a, rlen, vm_flags, (unsigned long)(off >> KMM_PAGE_SHIFT), &err);
	if (err) {
		ret = err;
		goto out;
	}
	ret = (long)a;
	if ((flags & KMM_MAP_POPULATE) || (vm_flags & VM_LOCKED)) {
		downgrade_write(&mm->mmap_lock);
		struct vm_area_struct *v = find_vma(mm, a);
		if (v)
			populate_vma_range(t, v, a, a + rlen > v->vm_end ? v->vm_end : a + rlen);
		up_read(&mm->mmap_lock);
		return ret;
	}
out:
	up_write(&mm->mmap_lock);
	return ret;
}

/* ---- munmap ---------------------------------------------------------------------------------- */

static void remove_vma(struct mm_struct *mm, struct vm_area_struct *vma)
{
	long npages = (long)vma_pages(vma);
	if (vma->vm_flags & VM_ACCOUNT) {
		vm_unacct_memory(mm->machine, npages);
		mm->committed -= (unsigned long)npages;
	}
	vm_stat_account(mm, vma->vm_flags, -npages);
	if (vma->vm_flags & VM_LOCKED)
		mm->locked_vm -= (unsigned long)npages;
	/* dirty pages of a shared file mapping reach the file when it goes */
	if (vma->vm_file && (vma->vm_flags & VM_SHARED) && !vma->vm_file->shmem) {
		uint64_t off = (uint64_t)vma->vm_pgoff << KMM_PAGE_SHIFT;
		filemap_write_and_wait_range(vma->vm_file, off,
					     off + (vma->vm_end - vma->vm_start));
	}
	if (vma->vm_file)
		kmm_file_put(vma->vm_file);
	vm_area_free(vma);
}

int do_munmap(struct mm_struct *mm, uint64_t start, uint64_t len)
{
	if ((start & ~KMM_PAGE_MASK) || start > mm->task_size || len > mm->task_size - start)
		return -KMM_EINVAL;
	len = (len + KMM_PAGE_SIZE - 1) & KMM_PAGE_MASK;
	if (!len)
		return -KMM_EINVAL;
	uint64_t end = start + len;
	struct vm_area_struct *prev;
	struct vm_area_struct *vma = find_vma_prev(mm, start, &prev);
	if (!vma || vma->vm_start >= end)
		return 0;
	/* splitting would exceed the map count */
	if (vma->vm_start < start && end < vma->vm_end &&
	    mm->map_count >= mm->machine->vm.max_map_count)
		return -KMM_ENOMEM;
	if (vma->vm_start < start) {
		int ret = __split_vma(mm, vma, start, 0);
		if (ret)
			return ret;
		prev = vma;
		vma = vma->vm_next;
	}
	struct vm_area_struct *last = find_vma(mm, end);
	if (last && last->vm_start < end && last->vm_end > end) {
		int ret = __split_vma(mm, last, end, 1);
		if (ret)
			return ret;
	}
	/* detach [vma .. the last VMA below end] */
	struct vm_area_struct *first = prev ? prev->vm_next : mm->mmap;
	struct vm_area_struct *v = first, *detached = NULL, **tail = &detached;
	while (v && v->vm_start < end) {
		struct vm_area_struct *next = v->vm_next;
		vma_unlink_list_tree(mm, v);
		v->vm_next = NULL;
		*tail = v;
		tail = &v->vm_next;
		v = next;
	}
	struct vm_area_struct *next = v;
	/* unmap_region: zap the pages, then free tables nobody else uses */
	for (v = detached; v; v = v->vm_next)
		zap_page_range(v, v->vm_start, v->vm_end);
	/* free_pgtables(): hide the VMAs from rmap walkers (which hold only
	 * the anon_vma or i_mmap lock) before their page tables go */
	for (v = detached; v; v = v->vm_next) {
		vma_unlink_file(v);
		unlink_anon_vmas(v);
	}
	free_pgd_range(mm, start, end, prev ? prev->vm_end : 0, next ? next->vm_start : 0);
	while (detached) {
		v = detached;
		detached = v->vm_next;
		remove_vma(mm, v);
	}
	return 0;
}

int kmm_munmap(struct kmm_task *t, uint64_t addr, uint64_t len)
{
	if (!t || !t->mm)
		return -KMM_EINVAL;
	if ((addr & ~KMM_PAGE_MASK) || !len)
		return -KMM_EINVAL;
	struct mm_struct *mm = t->mm;
	down_write(&mm->mmap_lock);
	int ret = do_munmap(mm, addr, len);
	up_write(&mm->mmap_lock);
	return ret;
}

/* ---- brk ---------------------------------------------------------------------------------------- */

long kmm_brk(struct kmm_task *t, uint64_t brk)
{
	if (!t || !t->mm)
		return -KMM_EINVAL;
	struct mm_struct *mm = t->mm;
	down_write(&mm->mmap_lock);
	uint64_t ret = mm->brk;
	if (brk < mm->start_brk || brk > mm->task_size)
		goto out;
	uint64_t newbrk = (brk + KMM_PAGE_SIZE - 1) & KMM_PAGE_MASK;
	uint64_t oldbrk = (mm->brk + KMM_PAGE_SIZE - 1) & KMM_PAGE_MASK;
	if (newbrk == oldbrk) {
		mm->brk = brk;
		ret = brk;
		goto out;
	}
	if (brk < mm->brk) {
		if (do_munmap(mm, newbrk, oldbrk - newbrk) == 0) {
			mm->brk = brk;
			ret = brk;
		}
		goto out;
	}
	/* the new area must not run into the next mapping (or its stack guard) */
	struct vm_area_struct *next = find_vma(mm, oldbrk);
	if (next && newbrk > next->vm_start)
		goto out;
	int err = 0;
	mmap_region(t, NULL, oldbrk, newbrk - oldbrk,
		    VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC, 0, &err);
	if (!err) {
		mm->brk = brk;
		ret = brk;
	}
out:
	up_write(&mm->mmap_lock);
	return (long)ret;
}

/* ---- stack growth ------------------------------------------------------------------------------- */

int expand_stack(struct vm_area_struct *vma, uint64_t addr)
{
	struct mm_struct *mm = vma->vm_mm;
	addr &= KMM_PAGE_MASK;
	if (!(vma->vm_flags & VM_GROWSDOWN) || addr >= vma->vm_start)
		return -KMM_EFAULT;
	struct vm_area_struct *prev = vma->vm_prev;
	/* keep a guard gap (stack_guard_gap: 256 pages) to the VMA below */
	uint64_t guard = 256 * KMM_PAGE_SIZE;
	if (prev && (prev->vm_end > addr || addr - prev->vm_end < guard) &&
	    !(prev->vm_flags & VM_GROWSDOWN))
		return -KMM_ENOMEM;
	if (addr < (uint64_t)mm->machine->vm.mmap_min_addr)
		return -KMM_EPERM;
	long grow = (long)((vma->vm_start - addr) >> KMM_PAGE_SHIFT);
	if ((vma->vm_flags & VM_ACCOUNT) && security_vm_enough_memory_mm(mm, grow))
		return -KMM_ENOMEM;
	if (vma->vm_flags & VM_ACCOUNT)
		mm->committed += (unsigned long)grow;
	vma_rmap_lock(vma);
	vma->vm_pgoff -= (unsigned long)grow;
	vma->vm_start = addr;
	vma_rmap_unlock(vma);
	vma_gap_update(vma);
	vm_stat_account(mm, vma->vm_flags, grow);
	return 0;
}

/* ---- address spaces ------------------------------------------------------------------------------ */

struct mm_struct *mm_alloc(struct kmm_machine *m)
{
	struct kmm_vm_state *vs = vm_state(m);
	struct mm_struct *mm = kmm_kmem_cache_zalloc(vs->mm_cachep, GFP_KERNEL);
	if (!mm)
		return NULL;
	mm->machine = m;
	mm->mm_rb = RB_ROOT;
	kmm_rwsem_init(&mm->mmap_lock);
	spin_lock_init(&mm->page_table_lock);
	atomic_init(&mm->mm_users, 1);
	atomic_init(&mm->mm_count, 1);
	mm->ctx_id = atomic_fetch_add(&vs->next_ctx_id, 1) + 1;
	struct page *pgd = pte_alloc_page(m, mm, 4);
	if (!pgd) {
		kmm_kmem_cache_free(vs->mm_cachep, mm);
		return NULL;
	}
	mm->pgd_pfn = kmm_page_to_pfn(m, pgd);
	mm->pgd = kmm_page_address(m, pgd);
	mm->task_size = KMM_TASK_SIZE;
	mm->mmap_base =
		KMM_STACK_TOP - (128ULL << 20) - (8ULL << 20); /* below a 8 MiB stack + gap */
	mm->start_brk = mm->brk = 0x555555554000ULL + (1ULL << 20);
	INIT_LIST_HEAD(&mm->mmlist);
	spin_lock(&vs->mmlist_lock);
	list_add_tail(&mm->mmlist, &vs->mmlist);
	spin_unlock(&vs->mmlist_lock);
	return mm;
}

void exit_mmap(struct mm_struct *mm)
{
	down_write(&mm->mmap_lock);
	if (mm->mmap)
		do_munmap(mm, KMM_PAGE_SIZE, mm->task_size - KMM_PAGE_SIZE);
	free_pgd_range(mm, 0, mm->task_size, 0, 0);
	up_write(&mm->mmap_lock);
}

void mmput(struct mm_struct *mm)
{
	if (atomic_fetch_sub(&mm->mm_users, 1) != 1)
		return;
	struct kmm_machine *m = mm->machine;
	struct kmm_vm_state *vs = vm_state(m);
	exit_mmap(mm);
	tlb_mm_exit(mm);
	spin_lock(&vs->mmlist_lock);
	list_del(&mm->mmlist);
	spin_unlock(&vs->mmlist_lock);
	pte_free_page(m, mm, kmm_pfn_to_page(m, mm->pgd_pfn));
	kmm_kmem_cache_free(vs->mm_cachep, mm);
}

/* ---- populate -------------------------------------------------------------------------------------- */

int populate_vma_range(struct kmm_task *t, struct vm_area_struct *vma, uint64_t start, uint64_t end)
{
	unsigned flags = FAULT_FLAG_USER;
	/* populate writes private writable mappings, as Linux's FOLL_WRITE for them */
	if ((vma->vm_flags & (VM_WRITE | VM_SHARED)) == VM_WRITE)
		flags |= FAULT_FLAG_WRITE;
	if (!(vma->vm_flags & VM_ACCESS_FLAGS))
		return 0;
	for (uint64_t a = start; a < end; a += KMM_PAGE_SIZE) {
		kmm_spinlock_t *ptl;
		pteval_t *pte = pte_offset_map(t->mm, a, &ptl);
		if (pte) {
			pteval_t v = pte_read(pte);
			if (pte_present(v) && (!(flags & FAULT_FLAG_WRITE) || pte_write_ok(v)))
				continue;
		}
		unsigned r = handle_mm_fault(t, vma, a, flags);
		if (r & VM_FAULT_ERROR)
			return (r & VM_FAULT_OOM) ? -KMM_ENOMEM : -KMM_EFAULT;
	}
	return 0;
}

/* ---- boot ------------------------------------------------------------------------------------------- */

int vm_init(struct kmm_machine *m)
{
	struct kmm_vm_state *vs = kmm_kzalloc(m, sizeof(*vs), GFP_KERNEL);
	if (!vs)
		return -KMM_ENOMEM;
	m->vmst = vs;
	spin_lock_init(&vs->tasks_lock);
	INIT_LIST_HEAD(&vs->tasks);
	spin_lock_init(&vs->mmlist_lock);
	INIT_LIST_HEAD(&vs->mmlist);
	spin_lock_init(&vs->files_lock);
	INIT_LIST_HEAD(&vs->files);
	vs->vm_area_cachep = kmm_kmem_cache_create(
		m, "vm_area_struct", sizeof(struct vm_area_struct), 0, SLAB_PANIC, NULL, NULL);
	vs->mm_cachep = kmm_kmem_cache_create(m, "mm_struct", sizeof(struct mm_struct), 0,
					      SLAB_HWCACHE_ALIGN | SLAB_PANIC, NULL, NULL);
	vs->anon_vma_cachep = kmm_kmem_cache_create(m, "anon_vma", sizeof(struct anon_vma), 0,
						    SLAB_PANIC, NULL, NULL);
	vs->anon_vma_chain_cachep = kmm_kmem_cache_create(
		m, "anon_vma_chain", sizeof(struct anon_vma_chain), 0, SLAB_PANIC, NULL, NULL);
	vs->task_cachep = kmm_kmem_cache_create(m, "task_struct", sizeof(struct kmm_task), 0,
						SLAB_HWCACHE_ALIGN | SLAB_PANIC, NULL, NULL);
	vs->zero_page = kmm_alloc_pages(m, GFP_KERNEL | __GFP_ZERO, 0);
	if (!vs->zero_page)
		return -KMM_ENOMEM;
	SetPageReserved(vs->zero_page);
	vs->zero_pfn = kmm_page_to_pfn(m, vs->zero_page);
	/* init_mm: the kernel's address space (vmalloc lives in it) */
	struct mm_struct *im = &vs->init_mm;
	im->machine = m;
	im->mm_rb = RB_ROOT;
	kmm_rwsem_init(&im->mmap_lock);
	spin_lock_init(&im->page_table_lock);
	atomic_init(&im->mm_users, 2);
	atomic_init(&im->mm_count, 1);
	INIT_LIST_HEAD(&im->mmlist);
	struct page *pgd = pte_alloc_page(m, NULL, 4);
	if (!pgd)
		return -KMM_ENOMEM;
	im->pgd_pfn = kmm_page_to_pfn(m, pgd);
	im->pgd = kmm_page_address(m, pgd);
	im->task_size = ~0ULL;
	im->ctx_id = atomic_fetch_add(&vs->next_ctx_id, 1) + 1;
	int err = init_direct_map(m, im);
	if (err)
		return err;
	for (int i = 0; i < m->nr_cpu_ids; i++) {
		int ret = tlb_cpu_init(m, &m->cpus[i]);
		if (ret)
			return ret;
	}
	int ret = lru_init(m);
	if (!ret)
		ret = filemap_init(m);
	if (!ret)
		ret = kswapd_init(m);
	return ret;
}

void vm_exit(struct kmm_machine *m)
{
	struct kmm_vm_state *vs = vm_state(m);
	if (!vs)
		return;
	/* the machine's memory goes away wholesale; host resources do not */
	kswapd_exit(m);
	filemap_exit(m);
	for (int i = 0; i < m->nr_cpu_ids; i++)
		tlb_cpu_exit(m, &m->cpus[i]);
}
