/* SPDX-License-Identifier: MIT */
/*
 * src/mm/vma.h - the internal shapes of virtual memory: mm_struct,
 * vm_area_struct, anon_vma, address_space and files, tasks, the per-CPU
 * TLB, and the prototypes the VM files share (include/linux/mm_types.h,
 * include/linux/mm.h, include/linux/rmap.h, include/linux/fs.h, mm/vma.h,
 * mm/internal.h).
 *
 * Who owns what:
 *   mmap.c      VMA tree (rbtree augmented with the largest gap below each
 *               subtree), find_vma, get_unmapped_area, mmap/munmap/brk,
 *               vma merge/split, overcommit accounting
 *   mprotect.c  mprotect, mlock/munlock; mremap.c mremap; madvise.c madvise
 *   pgtable.c   page-table pages: allocation, walk-and-allocate, freeing
 *               empty tables (free_pgtables), the PTE lock
 *   tlb.c       the software MMU of each CPU slot: TLB, page walk with A/D
 *               updates, shoot-downs; kmm_access()
 *   memory.c    handle_mm_fault (anonymous, COW, file, shmem faults),
 *               zap_page_range, copy_page_range (fork)
 *   rmap.c      anon_vma chains, page_add_*_rmap, rmap_walk,
 *               page_referenced, try_to_unmap
 *   filemap.c   page cache of host files, readahead, writeback, flusher
 *   shmem.c     shared anonymous memory and memfd
 *   vmalloc.c   vmalloc/vfree/vmap in init_mm
 *   kernel/fork.c  tasks: spawn, fork (dup_mmap), exec, exit, files
 */
#ifndef KMM_SRC_MM_VMA_H
#define KMM_SRC_MM_VMA_H

#include "kmm/mm.h"
#include "internal.h"
#include "lib/rbtree.h"
#include "lib/xarray.h"
#include "mm/pgtable.h"

/* ---- a sleeping-ish reader/writer lock (mmap_lock, i_mmap_rwsem) ------------- */
/*
 * count > 0: readers; -1: a writer.  Waiters spin briefly, then sleep on
 * the host (kmm_port_wait).  Writers are not starved: a waiting writer
 * sets writer_waiting and new readers hold back.
 */
typedef struct {
	atomic_int count;
	atomic_uint seq; /* bumped on every release, for sleeping waiters */
	atomic_int writer_waiting;
	atomic_int sleepers; /* waiters inside kmm_port_wait: a release wakes them */
} kmm_rwsem_t;
void kmm_rwsem_init(kmm_rwsem_t *s);
void down_read(kmm_rwsem_t *s);
void up_read(kmm_rwsem_t *s);
void down_write(kmm_rwsem_t *s);
void up_write(kmm_rwsem_t *s);
bool down_read_trylock(kmm_rwsem_t *s);
bool down_write_trylock(kmm_rwsem_t *s);
void downgrade_write(kmm_rwsem_t *s);

/* ---- VMA flags (include/linux/mm.h) ------------------------------------------ */

#define VM_NONE 0x00000000UL
#define VM_READ 0x00000001UL
#define VM_WRITE 0x00000002UL
#define VM_EXEC 0x00000004UL
#define VM_SHARED 0x00000008UL
#define VM_MAYREAD 0x00000010UL
#define VM_MAYWRITE 0x00000020UL
#define VM_MAYEXEC 0x00000040UL
#define VM_MAYSHARE 0x00000080UL
#define VM_GROWSDOWN 0x00000100UL
#define VM_PFNMAP 0x00000400UL
#define VM_LOCKED 0x00002000UL
#define VM_IO 0x00004000UL
#define VM_SEQ_READ 0x00008000UL
#define VM_RAND_READ 0x00010000UL
#define VM_DONTCOPY 0x00020000UL
#define VM_DONTEXPAND 0x00040000UL
#define VM_LOCKONFAULT 0x00080000UL
#define VM_ACCOUNT 0x00100000UL
#define VM_NORESERVE 0x00200000UL
#define VM_HUGETLB 0x00400000UL
#define VM_HUGEPAGE 0x20000000UL
#define VM_NOHUGEPAGE 0x40000000UL
#define VM_MERGEABLE 0x80000000UL
#define VM_STACK VM_GROWSDOWN
#define VM_ACCESS_FLAGS (VM_READ | VM_WRITE | VM_EXEC)
/* Flags that make two neighbouring VMAs different (besides file/anon_vma). */
#define VM_IGNORE_MERGE 0UL

/* ---- files and the page cache (include/linux/fs.h) ---------------------------- */

struct kmm_file;
struct address_space;
struct vm_fault;

struct address_space_operations {
	/* Fill @page (locked, not uptodate) with the file's data at its index;
	 * 0 or -errno. */
	int (*read_folio)(struct kmm_file *f, struct page *page);
	/* Write @page's data back; 0 or -errno (the page stays dirty). */
	int (*writepage)(struct kmm_file *f, struct page *page);
};

/* page-cache xarray marks */
#define PAGECACHE_TAG_DIRTY XA_MARK_0
#define PAGECACHE_TAG_WRITEBACK XA_MARK_1
#define PAGECACHE_TAG_TOWRITE XA_MARK_2

struct address_space {
	struct kmm_file *host;
	kmm_spinlock_t i_pages_lock; /* xa_lock */
	struct xarray i_pages;	     /* index -> struct page * (or shadow value) */
	unsigned long nrpages;
	kmm_rwsem_t i_mmap_rwsem;
	struct list_head i_mmap; /* VMAs mapping this file (vma->shared) */
	unsigned long nr_mmapped_shared;
	int wb_err; /* sticky writeback error (-errno), reported by msync */
	const struct address_space_operations *a_ops;
};

/*
 * A file: an inode and its page cache, shared by every open of the same
 * host path on the machine (so two tasks mapping one file share pages).
 */
struct kmm_file {
	struct kmm_machine *machine;
	atomic_int refcount;
	struct list_head list; /* machine file table */
	int host_fd;	       /* -1 for shmem */
	bool writable;	       /* opened O_RDWR */
	bool shmem;
	kmm_spinlock_t size_lock;
	uint64_t i_size;
	uint64_t dirtied_when; /* ns of the oldest dirty page, 0 if clean */
	struct address_space mapping;
	char path[256];
};

/* ---- anonymous reverse mapping (include/linux/rmap.h) ---------------------------- */

struct anon_vma {
	struct anon_vma *root; /* the root of the fork tree: its rwsem is the lock */
	kmm_rwsem_t rwsem;     /* used in the root only */
	atomic_int refcount;   /* chains pointing here + pages of a dead vma */
	unsigned degree;
	struct anon_vma *parent;
	struct list_head head; /* anon_vma_chain.same_anon_vma */
};

struct anon_vma_chain {
	struct vm_area_struct *vma;
	struct anon_vma *anon_vma;
	struct list_head same_vma;	/* under mmap_lock */
	struct list_head same_anon_vma; /* under anon_vma->root->rwsem */
};

#define PAGE_MAPPING_ANON 0x1UL

static inline bool PageAnon(const struct page *p)
{
	/* read without the page lock while the cache may clear it */
	return ((uintptr_t)__atomic_load_n(&p->mapping, __ATOMIC_RELAXED) & PAGE_MAPPING_ANON) != 0;
}
static inline struct anon_vma *page_anon_vma(const struct page *p)
{
	return PageAnon(p) ? (struct anon_vma *)((uintptr_t)p->mapping - PAGE_MAPPING_ANON) : NULL;
}
static inline struct address_space *page_mapping_file(const struct page *p)
{
	return PageAnon(p) ? NULL : (struct address_space *)p->mapping;
}

/* ---- VMAs and the mm ---------------------------------------------------------------------- */

struct vm_area_struct {
	uint64_t vm_start, vm_end; /* [start, end) */
	struct mm_struct *vm_mm;
	struct rb_node vm_rb;
	/* largest free gap below vm_start in this rb subtree (augmented) */
	uint64_t rb_subtree_gap;
	struct vm_area_struct *vm_next, *vm_prev; /* sorted list */
	unsigned long vm_flags;
	pteval_t vm_page_prot;	/* PTE protection bits for this VMA's pages */
	unsigned long vm_pgoff; /* file offset in pages; for anon, vm_start >> 12 at creation */
	struct kmm_file *vm_file;
	struct anon_vma *anon_vma;
	struct list_head anon_vma_chain; /* anon_vma_chain.same_vma */
	struct list_head shared;	 /* address_space.i_mmap */
	/* the last swap fault here: page address | readahead window << 6 | hits
	 * (swap_vma_readahead; accessed with __atomic builtins) */
	unsigned long swap_ra_info;
};

enum { MM_FILEPAGES, MM_ANONPAGES, MM_SWAPENTS, MM_SHMEMPAGES, NR_MM_COUNTERS };

struct mm_struct {
	struct kmm_machine *machine;
	struct rb_root mm_rb;
	struct vm_area_struct *mmap; /* first VMA of the list */
	int map_count;
	kmm_rwsem_t mmap_lock;
	kmm_spinlock_t page_table_lock; /* upper-level table installs */
	pteval_t *pgd;			/* host pointer to the PGD page */
	kmm_pfn_t pgd_pfn;
	atomic_int mm_users;
	atomic_int mm_count;
	/* TLB: CPUs that may cache this mm's translations; generation bumped by
	 * every flush (the CPUs that see a newer one flush themselves) */
	atomic_ullong cpumask;
	atomic_ullong tlb_gen;
	uint64_t ctx_id; /* unique for the machine's lifetime: TLBs tag by it */
	uint64_t mmap_base, task_size;
	uint64_t start_brk, brk, start_stack;
	uint64_t start_code, end_code, start_data, end_data;
	unsigned long total_vm, locked_vm, data_vm, exec_vm, stack_vm;
	unsigned long committed; /* pages charged to Committed_AS */
	atomic_long rss_stat[NR_MM_COUNTERS];
	atomic_long pgtables_bytes;
	unsigned long hiwater_rss, hiwater_vm;
	struct list_head mmlist; /* machine's list of mms (swapoff, OOM) */
	struct kmm_task *owner;
};

static inline long get_mm_counter(struct mm_struct *mm, int member)
{
	return atomic_load_explicit(&mm->rss_stat[member], memory_order_relaxed);
}
static inline void add_mm_counter(struct mm_struct *mm, int member, long v)
{
	atomic_fetch_add_explicit(&mm->rss_stat[member], v, memory_order_relaxed);
}
static inline unsigned long get_mm_rss(struct mm_struct *mm)
{
	return (unsigned long)(get_mm_counter(mm, MM_FILEPAGES) + get_mm_counter(mm, MM_ANONPAGES) +
			       get_mm_counter(mm, MM_SHMEMPAGES));
}
/* VmHWM: faults run concurrently under mmap_lock held for reading */
static inline void update_hiwater_rss(struct mm_struct *mm)
{
	unsigned long rss = get_mm_rss(mm);
	unsigned long hw = __atomic_load_n(&mm->hiwater_rss, __ATOMIC_RELAXED);
	while (rss > hw && !__atomic_compare_exchange_n(&mm->hiwater_rss, &hw, rss, true,
							__ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}
static inline unsigned long vma_pages(const struct vm_area_struct *v)
{
	return (unsigned long)((v->vm_end - v->vm_start) >> KMM_PAGE_SHIFT);
}
static inline bool vma_is_anonymous(const struct vm_area_struct *v)
{
	return v->vm_file == NULL;
}

/* ---- tasks (include/linux/sched.h) ---------------------------------------------------------- */

#define KMM_TASK_COMM_LEN 16
#define KMM_TASK_MAX_FILES 64

struct kmm_task {
	int pid;
	int ppid; /* the forking task's pid; 0 for spawned tasks */
	char comm[KMM_TASK_COMM_LEN];
	struct mm_struct *mm;
	struct kmm_machine *machine;
	struct list_head tasks; /* machine task list, by pid */
	int last_cpu;
	atomic_int signal; /* 0: alive */
	int oom_score_adj;
	atomic_ulong min_flt, maj_flt;
	kmm_spinlock_t files_lock;
	struct kmm_file *files[KMM_TASK_MAX_FILES];
	uint64_t start_ns;
};

/* ---- the machine-wide VM state ---------------------------------------------------------- */

struct kmm_vm_state {
	kmm_spinlock_t tasks_lock;
	struct list_head tasks; /* sorted by pid */
	int last_pid;
	int nr_tasks;
	kmm_spinlock_t mmlist_lock;
	struct list_head mmlist;
	struct mm_struct init_mm; /* the kernel's address space (vmalloc) */
	struct page *zero_page;
	kmm_pfn_t zero_pfn;
	kmm_spinlock_t files_lock;
	struct list_head files;
	struct kmem_cache *vm_area_cachep, *mm_cachep, *anon_vma_cachep, *anon_vma_chain_cachep,
		*task_cachep, *file_cachep, *radix_tree_node_cachep;
	/* rmap walkers looking up a page's anon_vma (rmap.c): freeing one waits */
	atomic_long anon_vma_readers;
	/* overcommit (the knobs are m->vm.overcommit_*) */
	atomic_long vm_committed_as; /* pages */
	atomic_ullong next_ctx_id;   /* mm->ctx_id: TLB context identity */
	/* the flusher thread (knobs: m->vm.dirty_writeback/expire_centisecs) */
	struct kmm_kthread *flusher;
	/* vmalloc (src/mm/vmalloc.c) */
	void *vmalloc;
	/* reclaim (src/mm/swap.c, vmscan.c) */
	void *lru;
	void *reclaim;
	/* swap devices and caches (src/mm/swapfile.c, swap_state.c) */
	void *swap;
	/* swap hooks the reclaim issue installs (NULL: no swap yet) */
	unsigned (*do_swap_page)(struct vm_fault *vmf);
	void (*swap_free_pte)(struct kmm_machine *m, pteval_t pte);
	int (*swap_dup_pte)(struct kmm_machine *m, pteval_t pte);
};
typedef void (*do_swap_free_fn)(struct kmm_machine *m, pteval_t pte);
typedef int (*do_swap_dup_fn)(struct kmm_machine *m, pteval_t pte);

static inline struct kmm_vm_state *vm_state(struct kmm_machine *m)
{
	return (struct kmm_vm_state *)m->vmst;
}

/* ======== mm/mmap.c ======== */
int vm_init(struct kmm_machine *m); /* boot: caches, init_mm, zero page */
struct vm_area_struct *find_vma(struct mm_struct *mm, uint64_t addr);
struct vm_area_struct *find_vma_prev(struct mm_struct *mm, uint64_t addr,
				     struct vm_area_struct **prev);
/* The VMA containing addr, or NULL. */
static inline struct vm_area_struct *vma_lookup(struct mm_struct *mm, uint64_t addr)
{
	struct vm_area_struct *v = find_vma(mm, addr);
	return (v && addr >= v->vm_start) ? v : NULL;
}
struct mm_struct *mm_alloc(struct kmm_machine *m);
void mmput(struct mm_struct *mm);
void exit_mmap(struct mm_struct *mm);
struct vm_area_struct *vm_area_alloc(struct mm_struct *mm);
struct vm_area_struct *vm_area_dup(struct vm_area_struct *orig);
void vm_area_free(struct vm_area_struct *vma);
int insert_vm_struct(struct mm_struct *mm, struct vm_area_struct *vma);
pteval_t vm_get_page_prot(unsigned long vm_flags);
int __split_vma(struct mm_struct *mm, struct vm_area_struct *vma, uint64_t addr, int new_below);
int do_munmap(struct mm_struct *mm, uint64_t start, uint64_t len);
uint64_t get_unmapped_area(struct mm_struct *mm, struct kmm_file *f, uint64_t addr, uint64_t len,
			   uint64_t pgoff, unsigned long flags);
struct vm_area_struct *vma_merge(struct mm_struct *mm, struct vm_area_struct *prev, uint64_t addr,
				 uint64_t end, unsigned long vm_flags, struct anon_vma *anon_vma,
				 struct kmm_file *file, unsigned long pgoff);
/* Overcommit (mm/util.c __vm_enough_memory): 0 or -KMM_ENOMEM. */
int security_vm_enough_memory_mm(struct mm_struct *mm, long pages);
void vm_unacct_memory(struct kmm_machine *m, long pages);
unsigned long kmm_vm_committed_pages(struct kmm_machine *m);	/* Committed_AS */
unsigned long kmm_vm_commit_limit_pages(struct kmm_machine *m); /* CommitLimit */
int expand_stack(struct vm_area_struct *vma, uint64_t addr);
void vma_link_file(struct vm_area_struct *vma);
void vma_unlink_file(struct vm_area_struct *vma);
/* Around changes of vm_start, vm_end or vm_pgoff of a VMA rmap walkers may
 * visit (vma_prepare/vma_complete): its file's i_mmap_rwsem and its
 * anon_vma root's rwsem, for writing. */
void vma_rmap_lock(struct vm_area_struct *vma);
void vma_rmap_unlock(struct vm_area_struct *vma);
/* Check the tree, list and gaps of @mm; returns NULL or what is wrong. */
const char *validate_mm(struct mm_struct *mm);
/* Fault in [start, end) (MAP_POPULATE, mlock): 0 or -errno. */
int populate_vma_range(struct kmm_task *t, struct vm_area_struct *vma, uint64_t start,
		       uint64_t end);
#define KMM_VM_LOCKED_FLAGS (VM_LOCKED | VM_LOCKONFAULT)
/* vm_start/vm_end of @vma changed in place: fix the tree's gaps */
void vma_gap_refresh(struct vm_area_struct *vma);
void vma_merge_pair(struct mm_struct *mm, struct vm_area_struct *a, struct vm_area_struct *b);

/* ======== mm/mprotect.c ======== */
struct vm_area_struct *vma_merge_neighbours(struct mm_struct *mm, struct vm_area_struct *v);
/* Split, re-flag (fn returns the new flags or sets *err), rewrite PTEs and
 * merge every VMA of [start, end); -KMM_ENOMEM if part is unmapped, after
 * changing the VMAs up to the first hole (@stop_at_hole: mprotect, mlock)
 * or all mapped parts (madvise). */
int vma_modify_range(struct mm_struct *mm, uint64_t start, uint64_t end,
		     unsigned long (*fn)(struct vm_area_struct *v, void *arg, int *err), void *arg,
		     bool stop_at_hole);

/* ======== mm/pgtable.c ======== */
struct page *pte_alloc_page(struct kmm_machine *m, struct mm_struct *mm, int level);
void pte_free_page(struct kmm_machine *m, struct mm_struct *mm, struct page *pt);
/* The PTE slot for addr, allocating missing tables; NULL if out of memory.
 * *ptlp is the PTE table's lock (not taken). */
pteval_t *pte_alloc_map(struct mm_struct *mm, uint64_t addr, kmm_spinlock_t **ptlp);
/* The PMD slot for addr, allocating the upper tables. */
pteval_t *pmd_alloc_map(struct mm_struct *mm, uint64_t addr);
int init_direct_map(struct kmm_machine *m, struct mm_struct *init_mm);
/* The PTE slot for addr if all tables exist, else NULL. */
pteval_t *pte_offset_map(struct mm_struct *mm, uint64_t addr, kmm_spinlock_t **ptlp);
/* Free the page tables under [start, end) that lie wholly inside
 * [floor, ceiling) (ceiling 0: the top) and map nothing; it flushes the
 * TLBs before the tables go back to the allocator. */
void free_pgd_range(struct mm_struct *mm, uint64_t start, uint64_t end, uint64_t floor,
		    uint64_t ceiling);
/* Walk [start, end): call fn on every present-or-swap PTE slot. */
typedef int (*pte_fn_t)(pteval_t *pte, uint64_t addr, void *arg);
int walk_pte_range(struct mm_struct *mm, uint64_t start, uint64_t end, pte_fn_t fn, void *arg);

/* ======== mm/tlb.c ======== */
struct kmm_tlb;
int tlb_cpu_init(struct kmm_machine *m, struct kmm_cpu *c);
void tlb_cpu_exit(struct kmm_machine *m, struct kmm_cpu *c);
/* Shoot-downs: every CPU stops using the mm's translations for the range
 * (the caller's own TLB precisely, others' by generation) before return. */
void flush_tlb_page(struct mm_struct *mm, uint64_t addr);
void flush_tlb_range(struct mm_struct *mm, uint64_t start, uint64_t end);
void flush_tlb_mm(struct mm_struct *mm);
/* The mm is dying: no CPU may hold its context afterwards. */
void tlb_mm_exit(struct mm_struct *mm);

/* ======== mm/memory.c ======== */
#define FAULT_FLAG_WRITE 0x01
#define FAULT_FLAG_INSTRUCTION 0x02
#define FAULT_FLAG_USER 0x04
#define FAULT_FLAG_REMOTE 0x08

#define VM_FAULT_OOM 0x0001
#define VM_FAULT_SIGBUS 0x0002
#define VM_FAULT_MAJOR 0x0004
#define VM_FAULT_SIGSEGV 0x0040
#define VM_FAULT_RETRY 0x0400
#define VM_FAULT_ERROR (VM_FAULT_OOM | VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV)

struct vm_fault {
	struct vm_area_struct *vma;
	uint64_t address; /* page aligned */
	unsigned flags;
	unsigned long pgoff;
	pteval_t *pte;
	kmm_spinlock_t *ptl;
	pteval_t orig_pte;
	struct page *page;
	struct kmm_task *task;
};

unsigned handle_mm_fault(struct kmm_task *t, struct vm_area_struct *vma, uint64_t address,
			 unsigned flags);
/* Swap-entry faults: the reclaim issue installs do_swap_page in vm_state. */
typedef unsigned (*do_swap_page_fn)(struct vm_fault *vmf);
void unmap_mapping_range(struct address_space *mapping, uint64_t holebegin, uint64_t holelen);
void zap_page_range(struct vm_area_struct *vma, uint64_t start, uint64_t end);
/* /proc/PID/oom_score: the OOM killer's badness of @t on the 0..1000 scale
 * (src/mm/oom_kill.c) */
unsigned long oom_score(struct kmm_task *t);
/* unmap_vmas + free_pgtables for [start, end) of @vma list (munmap, exit) */
int copy_page_range(struct vm_area_struct *dst, struct vm_area_struct *src);
/* Release a user page reference; frees the page when it was the last. */
void put_user_page(struct kmm_machine *m, struct page *page);
struct page *vm_normal_page(struct vm_area_struct *vma, uint64_t addr, pteval_t pte);
/* Allocate a zeroed page for user memory (GFP_HIGHUSER_MOVABLE). */
struct page *alloc_user_page(struct kmm_machine *m, struct vm_area_struct *vma, uint64_t addr,
			     bool zero);

/* ======== mm/rmap.c ======== */
int anon_vma_prepare(struct vm_area_struct *vma);
int anon_vma_clone(struct vm_area_struct *dst, struct vm_area_struct *src);
int anon_vma_fork(struct vm_area_struct *vma, struct vm_area_struct *pvma);
void unlink_anon_vmas(struct vm_area_struct *vma);
void page_add_new_anon_rmap(struct page *page, struct vm_area_struct *vma, uint64_t address);
void page_add_anon_rmap(struct page *page, struct vm_area_struct *vma, uint64_t address);
void page_add_file_rmap(struct page *page, struct vm_area_struct *vma);
void page_remove_rmap(struct page *page, struct vm_area_struct *vma);
/* The address of @page in @vma, or -1 if it is outside. */
uint64_t vma_address(const struct page *page, const struct vm_area_struct *vma);
struct rmap_walk_control {
	void *arg;
	/* return false to stop the walk */
	bool (*rmap_one)(struct page *page, struct vm_area_struct *vma, uint64_t addr, void *arg);
};
void rmap_walk(struct kmm_machine *m, struct page *page, struct rmap_walk_control *rwc);
/* Number of PTEs mapping @page that had the accessed bit (cleared now). */
int page_referenced(struct kmm_machine *m, struct page *page, unsigned long *vm_flags);
/* Write-protect and clean every PTE mapping @page; returns how many were dirty. */
int page_mkclean(struct kmm_machine *m, struct page *page);
/* Unmap @page from every PTE (for reclaim/migration); true if none left. */
bool try_to_unmap(struct kmm_machine *m, struct page *page);

/* ======== mm/filemap.c ======== */
int filemap_init(struct kmm_machine *m);
void filemap_exit(struct kmm_machine *m);
/* Open (or find) the machine's file object for a host path. */
int kmm_file_get(struct kmm_machine *m, const char *path, int flags, struct kmm_file **out);
void kmm_file_put(struct kmm_file *f);
static inline void kmm_file_hold(struct kmm_file *f)
{
	atomic_fetch_add(&f->refcount, 1);
}
/* The page at @index, uptodate, with a reference; reads it (and readahead)
 * if missing.  NULL with *err = -errno on failure (-KMM_ENXIO past EOF). */
struct page *filemap_fault_get_page(struct kmm_file *f, unsigned long index, bool *major, int *err);
void set_page_dirty(struct page *page);
/*
 * The page lock (PG_locked): held while a page is read, written back or
 * truncated.  A write fault on a shared file page takes it around "check
 * page->mapping, make the PTE writable, set_page_dirty" so that writeback
 * (which cleans the PTEs and writes the page under the lock) cannot run in
 * between: the page is stable while it is written.
 */
void lock_page(struct page *page);
bool trylock_page(struct page *page);
void unlock_page(struct page *page);
/* Write back dirty pages of [start, end) of @f; 0 or the first error. */
int filemap_write_and_wait_range(struct kmm_file *f, uint64_t start, uint64_t end);
void truncate_inode_pages(struct kmm_file *f, uint64_t lstart);
int kmm_file_truncate(struct kmm_file *f, uint64_t size);
void filemap_wakeup_flusher(struct kmm_machine *m);
/* Run one flusher round now (the thread does it every dirty_writeback_centisecs). */
void wb_writeback_expired(struct kmm_machine *m, bool all);
/* A new file object (refcount 1, on the machine's file list) around an
 * open host fd (-1 for shmem); for kmm_file_get and shmem.c. */
struct kmm_file *kmm_file_alloc(struct kmm_machine *m, const char *path, int host_fd, bool writable,
				bool shmem, uint64_t size,
				const struct address_space_operations *a_ops);

/* Reclaim: drop a clean, unmapped page-cache page (the caller holds one
 * reference besides the cache's); false if it is busy. */
bool filemap_remove_page_reclaim(struct page *page, void *shadow);

/* ======== mm/shmem.c ======== */
int shmem_file_create(struct kmm_machine *m, const char *name, uint64_t size,
		      struct kmm_file **out);
/* MAP_SHARED|MAP_ANONYMOUS: give the VMA a fresh shmem file. */
int shmem_zero_setup(struct vm_area_struct *vma);

/* ======== kernel/fork.c ======== */
struct kmm_file *task_fd_file(struct kmm_task *t, int fd);
void task_kill(struct kmm_task *t, int sig);

#endif /* KMM_SRC_MM_VMA_H */
