// SPDX-License-Identifier: MIT
/*
 * src/mm/filemap.c - the page cache of host files: the machine's file
 * table, page lookup and insertion, read-around and async readahead on
 * faults, dirty tracking, writeback and the flusher thread, truncation
 * (mm/filemap.c, mm/readahead.c, mm/page-writeback.c, mm/truncate.c,
 * fs/fs-writeback.c in Linux).
 *
 * A struct kmm_file is an inode and its page cache: every open of one host
 * path on the machine shares it, so tasks mapping the same file share its
 * pages.  Pages live in mapping->i_pages (an xarray keyed by page index,
 * under i_pages_lock); the cache holds one reference on each page, every
 * user (a PTE, a caller of filemap_fault_get_page) another.
 *
 * Page states, as Linux:
 *   PG_locked     the page is being read, written back or truncated; a
 *                 waiter spins, then sleeps on its file's page_wait
 *   PG_uptodate   the data is valid (set once read_folio succeeded)
 *   PG_dirty      newer than the file: DIRTY mark in i_pages, NR_FILE_DIRTY
 *                 (shmem pages: the flag only, as noop_dirty_folio)
 *   PG_writeback  being written: WRITEBACK mark, NR_WRITEBACK
 *   PG_readahead  (PG_reclaim's bit, as Linux) the async readahead marker
 * PG_dirty, the DIRTY mark, the counters and the file's dirtied_when change
 * together under i_pages_lock; page->mapping is cleared (under the lock)
 * when a page leaves the cache, before its last reference can go.
 *
 * Writeback of a page (page locked): clear PG_dirty, then page_mkclean
 * (write-protect every PTE: a later store faults and dirties the page
 * again), then PG_writeback and ->writepage.  Because the data is written
 * after the PTEs are clean, a store that raced with the clearing is in the
 * written data or faults afterwards; it is never lost.  A failed write
 * leaves the page dirty and records the error in mapping->wb_err (msync
 * reports it once).
 *
 * References are dropped with put_user_page(): only the last one touches
 * the page (kmm_put_page()'s not-last path rewrites page->flags, which
 * races with the flag updates of the other holders).
 *
 * Lock order: CPU slot -> truncate rwsem -> page lock -> i_mmap_rwsem
 * (page_mkclean, unmap_mapping_range) -> PTE locks -> files_lock ->
 * size_lock / i_pages_lock.  Paths that take page locks hold a CPU slot
 * from the start (kmm_get_cpu) so a lock holder never waits for a slot
 * that its waiters hold.
 */
#include "mm/vma.h"
#include "mm/swap.h"

#define PG_readahead PG_reclaim

/* read-around window of a fault and its async tail (VM_READAHEAD_PAGES) */
#define RA_PAGES 32UL
#define RA_ASYNC (RA_PAGES / 4)
#define WB_BATCH 16

/* page-cache pages, as mapping_gfp_mask() of a regular file */
#define GFP_PAGECACHE GFP_HIGHUSER_MOVABLE
/* readahead pages may fail quietly (readahead_gfp_mask()) */
#define GFP_READAHEAD (GFP_HIGHUSER_MOVABLE | __GFP_NORETRY | __GFP_NOWARN)
/* xarray nodes allocated under i_pages_lock: no reclaim under a spinlock */
#define GFP_XA_LOCKED (GFP_NOWAIT | __GFP_NOWARN)

#define NSEC_PER_CENTISEC 10000000ULL

/*
 * The file object as allocated: the public part and what only the page
 * cache needs.
 */
struct filemap_file {
	struct kmm_file file;
	/* read-only host fd replaced by an O_RDWR one (closed at release) */
	int ro_fd;
	/* page lock and writeback waiters sleep on this sequence */
	atomic_uint page_wait;
	atomic_uint page_waiters;
	/* serialises truncation (inode lock) */
	kmm_rwsem_t truncate_rwsem;
};

static inline struct filemap_file *FF(struct kmm_file *f)
{
	return kmm_container_of(f, struct filemap_file, file);
}

static inline int file_fd(struct kmm_file *f)
{
	return __atomic_load_n(&f->host_fd, __ATOMIC_ACQUIRE);
}

static inline struct address_space *page_mapping_read(struct page *page)
{
	return (struct address_space *)__atomic_load_n(&page->mapping, __ATOMIC_ACQUIRE);
}

static inline void page_mapping_write(struct page *page, struct address_space *mapping)
{
	__atomic_store_n(&page->mapping, (void *)mapping, __ATOMIC_RELEASE);
}

static uint64_t file_size(struct kmm_file *f)
{
	uint64_t s;

	spin_lock(&f->size_lock);
	s = f->i_size;
	spin_unlock(&f->size_lock);
	return s;
}

/* First index past EOF (DIV_ROUND_UP(i_size, PAGE_SIZE)). */
static unsigned long file_end_index(struct kmm_file *f)
{
	return (unsigned long)((file_size(f) + KMM_PAGE_SIZE - 1) >> KMM_PAGE_SHIFT);
}

static inline pg_data_t *page_pgdat(struct kmm_machine *m, struct page *page)
{
	return NODE_DATA(m, kmm_page_to_nid(page));
}

/* ---- page lock and writeback waits (include/linux/pagemap.h) ------------------- */

bool trylock_page(struct page *page)
{
	return !kmm_test_set_page_flag(page, PG_locked);
}

/* Wait for @bit of @page to clear; @ff NULL (a page out of the cache): no
 * sleeping on its file, yield instead. */
static void page_wait(struct filemap_file *ff, struct page *page, enum pageflags bit)
{
	unsigned spins = 0;

	while (kmm_test_page_flag(page, bit)) {
		if (++spins < 64) {
			kmm_port_cpu_relax();
			continue;
		}
		if (!ff) {
			kmm_port_yield();
			continue;
		}
		unsigned seq = atomic_load_explicit(&ff->page_wait, memory_order_acquire);
		atomic_fetch_add(&ff->page_waiters, 1);
		if (kmm_test_page_flag(page, bit))
			kmm_port_wait(&ff->page_wait, seq, 1000000);
		atomic_fetch_sub(&ff->page_waiters, 1);
	}
}

static void page_wake(struct filemap_file *ff)
{
	if (!ff)
		return;
	atomic_fetch_add_explicit(&ff->page_wait, 1, memory_order_release);
	if (atomic_load(&ff->page_waiters))
		kmm_port_wake(&ff->page_wait, INT32_MAX);
}

static void __lock_page(struct filemap_file *ff, struct page *page)
{
	while (!trylock_page(page))
		page_wait(ff, page, PG_locked);
}

static void __unlock_page(struct filemap_file *ff, struct page *page)
{
	atomic_fetch_and_explicit(&page->flags, ~(1UL << PG_locked), memory_order_release);
	page_wake(ff);
}

static void wait_on_page_writeback(struct filemap_file *ff, struct page *page)
{
	page_wait(ff, page, PG_writeback);
}

/* The file a page-cache page belongs to now, or NULL. */
static struct filemap_file *page_ff(struct page *page)
{
	struct address_space *mapping = page_mapping_read(page);

	if (!mapping || ((uintptr_t)mapping & PAGE_MAPPING_ANON))
		return NULL;
	return FF(mapping->host);
}

void lock_page(struct page *page)
{
	__lock_page(page_ff(page), page);
}

/* The page stays in its mapping while locked, so page_ff() finds the same file. */
void unlock_page(struct page *page)
{
	__unlock_page(page_ff(page), page);
}

static bool test_clear_page_flag(struct page *page, enum pageflags bit)
{
	return (atomic_fetch_and_explicit(&page->flags, ~(1UL << bit), memory_order_acq_rel) >>
		bit) &
	       1UL;
}

/* ---- the file table --------------------------------------------------------------- */

static int host_read_folio(struct kmm_file *f, struct page *page);
static int host_writepage(struct kmm_file *f, struct page *page);

static const struct address_space_operations host_aops = {
	.read_folio = host_read_folio,
	.writepage = host_writepage,
};

struct kmm_file *kmm_file_alloc(struct kmm_machine *m, const char *path, int host_fd, bool writable,
				bool shmem, uint64_t size,
				const struct address_space_operations *a_ops)
{
	struct kmm_vm_state *vs = vm_state(m);
	struct filemap_file *ff = kmm_kmem_cache_zalloc(vs->file_cachep, GFP_KERNEL);

	if (!ff)
		return NULL;
	struct kmm_file *f = &ff->file;
	f->machine = m;
	atomic_init(&f->refcount, 1);
	INIT_LIST_HEAD(&f->list);
	f->host_fd = host_fd;
	f->writable = writable;
	f->shmem = shmem;
	spin_lock_init(&f->size_lock);
	f->i_size = size;
	f->dirtied_when = 0;
	kmm_strlcpy(f->path, path, sizeof(f->path));
	f->mapping.host = f;
	spin_lock_init(&f->mapping.i_pages_lock);
	xa_init(&f->mapping.i_pages, vs->radix_tree_node_cachep);
	f->mapping.nrpages = 0;
	kmm_rwsem_init(&f->mapping.i_mmap_rwsem);
	INIT_LIST_HEAD(&f->mapping.i_mmap);
	f->mapping.nr_mmapped_shared = 0;
	f->mapping.wb_err = 0;
	f->mapping.a_ops = a_ops;
	ff->ro_fd = -1;
	atomic_init(&ff->page_wait, 0);
	atomic_init(&ff->page_waiters, 0);
	kmm_rwsem_init(&ff->truncate_rwsem);

	spin_lock(&vs->files_lock);
	list_add_tail(&f->list, &vs->files);
	spin_unlock(&vs->files_lock);
	return f;
}

/* The open file of @path on the machine, with a new reference; files_lock held. */
static struct kmm_file *file_lookup_locked(struct kmm_vm_state *vs, const char *path)
{
	struct list_head *pos;

	list_for_each (pos, &vs->files) {
		struct kmm_file *f = list_entry(pos, struct kmm_file, list);

		if (!f->shmem && file_fd(f) >= 0 && !kmm_strcmp(f->path, path)) {
			kmm_file_hold(f);
			return f;
		}
	}
	return NULL;
}

/* A shared mapping needs the host file open for writing: reopen it O_RDWR. */
static int file_make_writable(struct kmm_file *f)
{
	struct filemap_file *ff = FF(f);
	int fd, ret;

	if (__atomic_load_n(&f->writable, __ATOMIC_ACQUIRE))
		return 0;
	ret = kmm_port_file_open(f->path, KMM_O_RDWR, &fd);
	if (ret)
		return ret;
	spin_lock(&f->size_lock);
	if (!f->writable) {
		/* readers may be inside a pread on the old fd: keep it until release */
		ff->ro_fd = f->host_fd;
		__atomic_store_n(&f->host_fd, fd, __ATOMIC_RELEASE);
		__atomic_store_n(&f->writable, true, __ATOMIC_RELEASE);
		fd = -1;
	}
	spin_unlock(&f->size_lock);
	if (fd >= 0)
		kmm_port_file_close(fd);
	return 0;
}

int kmm_file_get(struct kmm_machine *m, const char *path, int flags, struct kmm_file **out)
{
	struct kmm_vm_state *vs = vm_state(m);
	struct kmm_file *f, *other;
	bool rw = (flags & 3) == KMM_O_RDWR;
	uint64_t size;
	int fd, ret;

	*out = NULL;
	if (!path || !*path || kmm_strnlen(path, sizeof(f->path)) >= sizeof(f->path))
		return -KMM_EINVAL;
	if ((flags & ~(3 | KMM_O_CREAT)) || (flags & 3) == 1 || (flags & 3) == 3)
		return -KMM_EINVAL;

	spin_lock(&vs->files_lock);
	f = file_lookup_locked(vs, path);
	spin_unlock(&vs->files_lock);
	if (f)
		goto found;

	ret = kmm_port_file_open(path, flags, &fd);
	if (ret)
		return ret;
	ret = kmm_port_file_size(fd, &size);
	if (ret) {
		kmm_port_file_close(fd);
		return ret;
	}
	/* someone may have opened it meanwhile: one file object per path */
	spin_lock(&vs->files_lock);
	other = file_lookup_locked(vs, path);
	spin_unlock(&vs->files_lock);
	if (other) {
		kmm_port_file_close(fd);
		f = other;
		goto found;
	}
	f = kmm_file_alloc(m, path, fd, rw, false, size, &host_aops);
	if (!f) {
		kmm_port_file_close(fd);
		return -KMM_ENOMEM;
	}
	spin_lock(&vs->files_lock);
	other = NULL;
	{
		/* a racing kmm_file_get may have added the same path: keep the older */
		struct list_head *pos;

		list_for_each (pos, &vs->files) {
			struct kmm_file *g = list_entry(pos, struct kmm_file, list);

			if (g == f)
				break;
			if (!g->shmem && file_fd(g) >= 0 && !kmm_strcmp(g->path, path)) {
				kmm_file_hold(g);
				other = g;
				break;
			}
		}
	}
	spin_unlock(&vs->files_lock);
	if (other) {
		kmm_file_put(f);
		f = other;
		goto found;
	}
	*out = f;
	return 0;

found:
	if (rw) {
		ret = file_make_writable(f);
		if (ret) {
			kmm_file_put(f);
			return ret;
		}
	}
	*out = f;
	return 0;
}

static void file_close_host(struct kmm_file *f)
{
	struct filemap_file *ff = FF(f);
	int fd = __atomic_exchange_n(&f->host_fd, -1, __ATOMIC_ACQ_REL);

	if (fd >= 0)
		kmm_port_file_close(fd);
	if (ff->ro_fd >= 0)
		kmm_port_file_close(ff->ro_fd);
	ff->ro_fd = -1;
}

static unsigned long nr_dirty_pages(struct address_space *mapping)
{
	unsigned long index, n = 0;
	void *e;

	spin_lock(&mapping->i_pages_lock);
	xa_for_each_marked(&mapping->i_pages, index, e, PAGECACHE_TAG_DIRTY)
	{
		n++;
	}
	spin_unlock(&mapping->i_pages_lock);
	return n;
}

/* Write back, drop the page cache, close the host file. */
static void file_writeback_and_drop(struct kmm_file *f)
{
	if (!f->shmem && file_fd(f) >= 0) {
		int err = filemap_write_and_wait_range(f, 0, UINT64_MAX);
		unsigned long lost = nr_dirty_pages(&f->mapping);

		/* as an inode evicted after a write error: the data is gone */
		if (lost)
			pr_warn(f->machine, "%s: writeback failed (%d), %lu dirty pages dropped",
				f->path, err, lost);
	}
	truncate_inode_pages(f, 0);
	file_close_host(f);
}

void kmm_file_put(struct kmm_file *f)
{
	if (!f)
		return;
	struct kmm_machine *m = f->machine;
	struct kmm_vm_state *vs = vm_state(m);
	int c = atomic_load(&f->refcount);

	/* not the last reference: no lock */
	while (c > 1)
		if (atomic_compare_exchange_weak(&f->refcount, &c, c - 1))
			return;
	spin_lock(&vs->files_lock);
	if (atomic_fetch_sub(&f->refcount, 1) != 1) {
		spin_unlock(&vs->files_lock);
		return;
	}
	list_del_init(&f->list);
	spin_unlock(&vs->files_lock);

	file_writeback_and_drop(f);
	xa_destroy(&f->mapping.i_pages);
	kmm_kmem_cache_free(vs->file_cachep, FF(f));
}

/* ---- the page cache proper ----------------------------------------------------------- */

/* The page at @index with a reference, or NULL. */
static struct page *find_get_page(struct address_space *mapping, unsigned long index)
{
	struct page *page;

	spin_lock(&mapping->i_pages_lock);
	page = xa_load(&mapping->i_pages, index);
	if (page && xa_is_value(page))
		page = NULL;
	if (page)
		get_page(page);
	spin_unlock(&mapping->i_pages_lock);
	return page;
}

/*
 * Insert a fresh page (refcount 1: the cache's) at @index, locked; on
 * success it carries a second reference for the caller.  0, -KMM_EEXIST
 * or -KMM_ENOMEM (the page is untouched then).
 */
static int add_to_page_cache_locked(struct kmm_file *f, struct kmm_cpu *c, struct page *page,
				    unsigned long index)
{
	struct kmm_machine *m = f->machine;
	struct address_space *mapping = &f->mapping;
	int ret;

	page->index = index;
	kmm_set_page_flag(page, PG_locked);
	if (f->shmem)
		SetPageSwapBacked(page);
	get_page(page);
	page_mapping_write(page, mapping);
	for (int tries = 0;; tries++) {
		spin_lock(&mapping->i_pages_lock);
		ret = xa_insert(&mapping->i_pages, index, page, GFP_XA_LOCKED);
		if (!ret)
			mapping->nrpages++;
		spin_unlock(&mapping->i_pages_lock);
		if (ret != -KMM_ENOMEM || tries == 2)
			break;
		/* as xas_nomem(): let the node cache refill outside the lock */
		void *node = kmm_kmem_cache_alloc(mapping->i_pages.xa_node_cache, GFP_KERNEL);
		if (!node)
			break;
		kmm_kmem_cache_free(mapping->i_pages.xa_node_cache, node);
	}
	if (ret) {
		page_mapping_write(page, NULL);
		ClearPageSwapBacked(page);
		kmm_clear_page_flag(page, PG_locked);
		put_page_testzero(page); /* the caller's; the page's own stays */
		return ret;
	}
	__mod_node_page_state(m, c, page_pgdat(m, page), NR_FILE_PAGES, 1);
	if (f->shmem)
		__mod_node_page_state(m, c, page_pgdat(m, page), NR_SHMEM, 1);
	/* on the (file, or anon for shmem) LRU: reclaim can find it now */
	lru_cache_add(m, page);
	return 0;
}

/* Dirty accounting; i_pages_lock held. */
static void account_page_dirtied(struct kmm_machine *m, struct kmm_cpu *c, struct kmm_file *f,
				 struct page *page)
{
	__mod_node_page_state(m, c, page_pgdat(m, page), NR_FILE_DIRTY, 1);
	__mod_node_page_state(m, c, page_pgdat(m, page), NR_DIRTIED, 1);
	__mod_zone_page_state(m, c, kmm_page_zone(m, page), NR_ZONE_WRITE_PENDING, 1);
	if (!__atomic_load_n(&f->dirtied_when, __ATOMIC_RELAXED)) {
		uint64_t now = kmm_port_time_ns();
		__atomic_store_n(&f->dirtied_when, now ? now : 1, __ATOMIC_RELAXED);
	}
}

static void account_page_cleaned(struct kmm_machine *m, struct kmm_cpu *c, struct kmm_file *f,
				 struct page *page)
{
	__mod_node_page_state(m, c, page_pgdat(m, page), NR_FILE_DIRTY, -1);
	__mod_zone_page_state(m, c, kmm_page_zone(m, page), NR_ZONE_WRITE_PENDING, -1);
	if (!xa_marked(&f->mapping.i_pages, PAGECACHE_TAG_DIRTY))
		__atomic_store_n(&f->dirtied_when, 0, __ATOMIC_RELAXED);
}

/* Mark @page dirty; i_pages_lock held, page in the cache. */
static void __set_page_dirty(struct kmm_machine *m, struct kmm_cpu *c, struct kmm_file *f,
			     struct page *page)
{
	if (PageDirty(page))
		return;
	SetPageDirty(page);
	xa_set_mark(&f->mapping.i_pages, page->index, PAGECACHE_TAG_DIRTY);
	account_page_dirtied(m, c, f, page);
}

/*
 * Take @page (locked, still in the cache) out: the cache's reference is
 * dropped by the caller (kmm_put_page) after unlocking.
 */
static void delete_from_page_cache(struct kmm_file *f, struct kmm_cpu *c, struct page *page)
{
	struct kmm_machine *m = f->machine;
	struct address_space *mapping = &f->mapping;

	spin_lock(&mapping->i_pages_lock);
	xa_erase(&mapping->i_pages, page->index);
	mapping->nrpages--;
	if (PageDirty(page)) {
		ClearPageDirty(page);
		if (!f->shmem)
			account_page_cleaned(m, c, f, page);
	}
	page_mapping_write(page, NULL);
	spin_unlock(&mapping->i_pages_lock);
	kmm_clear_page_flag(page, PG_readahead);
	__mod_node_page_state(m, c, page_pgdat(m, page), NR_FILE_PAGES, -1);
	if (f->shmem)
		__mod_node_page_state(m, c, page_pgdat(m, page), NR_SHMEM, -1);
}

/* Read a locked page; uptodate on success.  0 or -errno. */
static int read_page(struct kmm_file *f, struct kmm_cpu *c, struct page *page)
{
	int ret = f->mapping.a_ops->read_folio(f, page);

	if (ret)
		return ret;
	SetPageUptodate(page);
	if (!f->shmem)
		__count_vm_events(c, PGPGIN, KMM_PAGE_SIZE >> 9); /* sectors */
	return 0;
}

/* ---- readahead (mm/readahead.c) --------------------------------------------------- */

/*
 * Bring [start, start + nr) (clipped to EOF) into the cache, reading every
 * page that is not there yet; the page at @mark gets the async-readahead
 * marker.  Returns the number of pages read.
 */
static unsigned long page_cache_ra(struct kmm_file *f, struct kmm_cpu *c, unsigned long start,
				   unsigned long nr, unsigned long mark)
{
	struct kmm_machine *m = f->machine;
	struct page *pages[RA_PAGES];
	unsigned long end = file_end_index(f), n = 0;

	if (nr > RA_PAGES)
		nr = RA_PAGES;
	if (start >= end)
		return 0;
	if (end - start > nr)
		end = start + nr;
	for (unsigned long i = start; i < end; i++) {
		struct page *page;

		spin_lock(&f->mapping.i_pages_lock);
		page = xa_load(&f->mapping.i_pages, i);
		spin_unlock(&f->mapping.i_pages_lock);
		if (page)
			continue;
		page = kmm_alloc_pages(m, GFP_READAHEAD, 0);
		if (!page)
			break;
		if (i == mark)
			kmm_set_page_flag(page, PG_readahead);
		int ret = add_to_page_cache_locked(f, c, page, i);
		if (ret) {
			kmm_clear_page_flag(page, PG_readahead);
			put_user_page(m, page);
			if (ret == -KMM_EEXIST)
				continue;
			break;
		}
		pages[n++] = page;
	}
	/* the read: locked pages, no spinlock held */
	for (unsigned long i = 0; i < n; i++) {
		read_page(f, c, pages[i]); /* a failure leaves it !uptodate: the fault retries */
		__unlock_page(FF(f), pages[i]);
		put_user_page(m, pages[i]);
	}
	return n;
}

/* ---- faults ------------------------------------------------------------------------- */

struct page *filemap_fault_get_page(struct kmm_file *f, unsigned long index, bool *major, int *err)
{
	struct kmm_machine *m = f->machine;
	struct filemap_file *ff = FF(f);
	struct address_space *mapping = &f->mapping;
	struct page *page = NULL;
	struct kmm_cpu *c;
	int ret = 0;

	*major = false;
	*err = 0;
	if (index >= file_end_index(f)) {
		*err = -KMM_ENXIO;
		return NULL;
	}
	c = kmm_get_cpu(m);
	for (;;) {
		page = find_get_page(mapping, index);
		if (page) {
			/* a hit on the marker: read the next window ahead */
			if (!f->shmem && kmm_test_page_flag(page, PG_readahead) &&
			    test_clear_page_flag(page, PG_readahead))
				page_cache_ra(f, c, index + RA_ASYNC, RA_PAGES, index + RA_PAGES);
		} else if (!f->shmem) {
			/* read-around: the window centred on the fault */
			unsigned long start = index > RA_PAGES / 2 ? index - RA_PAGES / 2 : 0;

			*major = true;
			page_cache_ra(f, c, start, RA_PAGES, start + RA_PAGES - RA_ASYNC);
			page = find_get_page(mapping, index);
		}
		if (!page) {
			/* shmem, or readahead found no memory: this page alone */
			page = kmm_alloc_pages(m, GFP_PAGECACHE, 0);
			if (!page) {
				ret = -KMM_ENOMEM;
				break;
			}
			ret = add_to_page_cache_locked(f, c, page, index);
			if (ret) {
				put_user_page(m, page);
				page = NULL;
				if (ret == -KMM_EEXIST)
					continue;
				break;
			}
			ret = read_page(f, c, page);
			__unlock_page(ff, page);
			if (ret) {
				put_user_page(m, page);
				page = NULL;
				break;
			}
		}
		if (!PageUptodate(page)) {
			__lock_page(ff, page);
			if (page_mapping_read(page) != mapping) {
				/* truncated while we waited */
				__unlock_page(ff, page);
				put_user_page(m, page);
				page = NULL;
				continue;
			}
			ret = PageUptodate(page) ? 0 : read_page(f, c, page);
			__unlock_page(ff, page);
			if (ret) {
				put_user_page(m, page);
				page = NULL;
				break;
			}
		}
		break;
	}
	if (page && index >= file_end_index(f)) {
		put_user_page(m, page);
		page = NULL;
		ret = -KMM_ENXIO;
	}
	kmm_put_cpu(m, c);
	if (!page)
		*err = ret == -KMM_ENOMEM || ret == -KMM_ENXIO ? ret : -KMM_EIO;
	return page;
}

/* ---- dirty pages and writeback (mm/page-writeback.c) ---------------------------------- */

void set_page_dirty(struct page *page)
{
	struct address_space *mapping;
	struct kmm_machine *m;
	struct kmm_file *f;
	struct kmm_cpu *c;

	/* the PTE is already writable when this runs: a racing writeback that
	 * cleared the flag after this test write-protects it again */
	if (PageDirty(page))
		return;
	mapping = page_mapping_read(page);
	if (!mapping || ((uintptr_t)mapping & PAGE_MAPPING_ANON))
		return; /* truncated meanwhile (its data is gone anyway), or anonymous */
	f = mapping->host;
	if (f->shmem) {
		SetPageDirty(page); /* noop_dirty_folio: no accounting, no tag */
		return;
	}
	m = f->machine;
	c = kmm_get_cpu(m);
	spin_lock(&mapping->i_pages_lock);
	if (page_mapping_read(page) == mapping)
		__set_page_dirty(m, c, f, page);
	spin_unlock(&mapping->i_pages_lock);
	kmm_put_cpu(m, c);
}

/*
 * folio_clear_dirty_for_io(): the page (locked) stops being dirty; its PTEs
 * are write-protected after that, so later stores fault and dirty it again.
 * True if it was dirty.
 */
static bool clear_page_dirty_for_io(struct kmm_file *f, struct kmm_cpu *c, struct page *page)
{
	struct kmm_machine *m = f->machine;
	struct address_space *mapping = &f->mapping;
	bool was_dirty = false;

	spin_lock(&mapping->i_pages_lock);
	if (PageDirty(page)) {
		ClearPageDirty(page);
		xa_clear_mark(&mapping->i_pages, page->index, PAGECACHE_TAG_DIRTY);
		account_page_cleaned(m, c, f, page);
		was_dirty = true;
	}
	spin_unlock(&mapping->i_pages_lock);
	if (was_dirty)
		page_mkclean(m, page);
	return was_dirty;
}

/* Write one locked page that clear_page_dirty_for_io() just cleaned. */
static int write_one_page(struct kmm_file *f, struct kmm_cpu *c, struct page *page)
{
	struct kmm_machine *m = f->machine;
	struct address_space *mapping = &f->mapping;
	int ret;

	spin_lock(&mapping->i_pages_lock);
	SetPageWriteback(page);
	xa_set_mark(&mapping->i_pages, page->index, PAGECACHE_TAG_WRITEBACK);
	__mod_node_page_state(m, c, page_pgdat(m, page), NR_WRITEBACK, 1);
	__mod_zone_page_state(m, c, kmm_page_zone(m, page), NR_ZONE_WRITE_PENDING, 1);
	spin_unlock(&mapping->i_pages_lock);

	ret = mapping->a_ops->writepage(f, page);

	spin_lock(&mapping->i_pages_lock);
	if (ret) {
		/* keep the data: dirty again, and remember the error for msync */
		__set_page_dirty(m, c, f, page);
		mapping->wb_err = ret;
	}
	ClearPageWriteback(page);
	xa_clear_mark(&mapping->i_pages, page->index, PAGECACHE_TAG_WRITEBACK);
	__mod_node_page_state(m, c, page_pgdat(m, page), NR_WRITEBACK, -1);
	__mod_zone_page_state(m, c, kmm_page_zone(m, page), NR_ZONE_WRITE_PENDING, -1);
	if (!ret)
		__mod_node_page_state(m, c, page_pgdat(m, page), NR_WRITTEN, 1);
	spin_unlock(&mapping->i_pages_lock);
	if (!ret && !f->shmem)
		__count_vm_events(c, PGPGOUT, KMM_PAGE_SIZE >> 9);
	page_wake(FF(f));
	return ret;
}

/*
 * Up to @nr pages of [*index, last] carrying @tag (XA_PRESENT: any page),
 * with references.  *index moves past the last page found; *done is set
 * once the search has covered [*index, last].
 */
static unsigned find_get_pages_tag(struct address_space *mapping, unsigned long *index,
				   unsigned long last, xa_mark_t tag, struct page **pages,
				   unsigned nr, bool *done)
{
	unsigned long i;
	unsigned n = 0;
	void *e;

	*done = true;
	if (*index > last)
		return 0;
	spin_lock(&mapping->i_pages_lock);
	xa_for_each_range_filter(&mapping->i_pages, i, e, *index, last, tag)
	{
		if (xa_is_value(e))
			continue;
		get_page((struct page *)e);
		pages[n++] = e;
		if (n == nr)
			break;
	}
	spin_unlock(&mapping->i_pages_lock);
	if (n == nr && i < last) {
		*index = i + 1;
		*done = false;
	}
	return n;
}

/* Write every dirty page of [first, last]; 0 or the first error. */
static int write_cache_pages(struct kmm_file *f, struct kmm_cpu *c, unsigned long first,
			     unsigned long last)
{
	struct filemap_file *ff = FF(f);
	struct address_space *mapping = &f->mapping;
	struct page *pages[WB_BATCH];
	unsigned long index = first;
	bool done = false;
	int err = 0;
	unsigned n;

	while (!done && (n = find_get_pages_tag(mapping, &index, last, PAGECACHE_TAG_DIRTY, pages,
						WB_BATCH, &done))) {
		for (unsigned i = 0; i < n; i++) {
			struct page *page = pages[i];

			__lock_page(ff, page);
			if (page_mapping_read(page) == mapping) {
				wait_on_page_writeback(ff, page);
				if (clear_page_dirty_for_io(f, c, page)) {
					int ret = write_one_page(f, c, page);
					if (ret && !err)
						err = ret;
				}
			}
			__unlock_page(ff, page);
			put_user_page(f->machine, page);
		}
	}
	return err;
}

static void byte_range_to_index(uint64_t start, uint64_t end, unsigned long *first,
				unsigned long *last)
{
	*first = (unsigned long)(start >> KMM_PAGE_SHIFT);
	*last = (unsigned long)((end - 1) >> KMM_PAGE_SHIFT);
}

int filemap_write_and_wait_range(struct kmm_file *f, uint64_t start, uint64_t end)
{
	struct kmm_machine *m = f->machine;
	struct filemap_file *ff = FF(f);
	struct address_space *mapping = &f->mapping;
	struct page *pages[WB_BATCH];
	unsigned long first, last, index;
	bool done = false;
	struct kmm_cpu *c;
	int err, sticky;
	unsigned n;

	if (f->shmem || end <= start)
		return 0;
	byte_range_to_index(start, end, &first, &last);
	c = kmm_get_cpu(m);
	err = write_cache_pages(f, c, first, last);
	/* writeback others started (the flusher) must end too */
	index = first;
	while (!done && (n = find_get_pages_tag(mapping, &index, last, PAGECACHE_TAG_WRITEBACK,
						pages, WB_BATCH, &done))) {
		for (unsigned i = 0; i < n; i++) {
			wait_on_page_writeback(ff, pages[i]);
			put_user_page(m, pages[i]);
		}
	}
	kmm_put_cpu(m, c);
	/* filemap_check_errors(): report a recorded error once */
	spin_lock(&mapping->i_pages_lock);
	sticky = mapping->wb_err;
	mapping->wb_err = 0;
	spin_unlock(&mapping->i_pages_lock);
	return err ? err : sticky;
}

/* ---- the flusher (fs/fs-writeback.c) ---------------------------------------------------- */

static bool file_expired(struct kmm_file *f, uint64_t now, uint64_t expire_ns, bool all)
{
	uint64_t when = __atomic_load_n(&f->dirtied_when, __ATOMIC_RELAXED);

	if (f->shmem || !when || file_fd(f) < 0)
		return false;
	return all || now - when >= expire_ns;
}

void wb_writeback_expired(struct kmm_machine *m, bool all)
{
	struct kmm_vm_state *vs = vm_state(m);
	struct kmm_file *prev = NULL;
	struct list_head *pos;
	uint64_t now = kmm_port_time_ns(), expire_ns;

	spin_lock(&m->sysctl_lock);
	expire_ns = (uint64_t)m->vm.dirty_expire_centisecs * NSEC_PER_CENTISEC;
	spin_unlock(&m->sysctl_lock);

	spin_lock(&vs->files_lock);
	pos = vs->files.next;
	while (pos != &vs->files) {
		struct kmm_file *f = list_entry(pos, struct kmm_file, list);

		if (!file_expired(f, now, expire_ns, all)) {
			pos = pos->next;
			continue;
		}
		kmm_file_hold(f); /* keeps it on the list while we work */
		spin_unlock(&vs->files_lock);
		if (prev)
			kmm_file_put(prev);
		prev = f;

		struct kmm_cpu *c = kmm_get_cpu(m);
		int err = write_cache_pages(f, c, 0, ~0UL);
		kmm_put_cpu(m, c);
		if (err)
			pr_warn(m, "%s: writeback error %d, pages kept dirty", f->path, err);
		/* still dirty (an error): the next try waits another expire interval */
		spin_lock(&f->mapping.i_pages_lock);
		if (xa_marked(&f->mapping.i_pages, PAGECACHE_TAG_DIRTY) &&
		    __atomic_load_n(&f->dirtied_when, __ATOMIC_RELAXED) <= now)
			__atomic_store_n(&f->dirtied_when, kmm_port_time_ns(), __ATOMIC_RELAXED);
		spin_unlock(&f->mapping.i_pages_lock);

		spin_lock(&vs->files_lock);
		pos = f->list.next;
	}
	spin_unlock(&vs->files_lock);
	if (prev)
		kmm_file_put(prev);
}

static int flusher_fn(void *arg, struct kmm_kthread *k)
{
	struct kmm_machine *m = arg;

	while (!kthread_should_stop(k)) {
		int cs;

		spin_lock(&m->sysctl_lock);
		cs = m->vm.dirty_writeback_centisecs;
		spin_unlock(&m->sysctl_lock);
		if (cs > 0)
			wb_writeback_expired(m, false);
		/* 0 turns periodic writeback off until the knob changes */
		kthread_wait(k, cs > 0 ? (uint64_t)cs * NSEC_PER_CENTISEC : 0);
	}
	return 0;
}

/* The dirty_writeback_centisecs knob changed: start a round with the new period. */
void filemap_wakeup_flusher(struct kmm_machine *m)
{
	struct kmm_vm_state *vs = vm_state(m);

	if (vs && vs->flusher)
		kthread_wake(vs->flusher);
}

/* ---- truncation (mm/truncate.c) ------------------------------------------------------------ */

/* Zero [offset, PAGE_SIZE) of the page at @index, if cached (the new EOF's page). */
static void truncate_partial_page(struct kmm_file *f, unsigned long index, unsigned offset)
{
	struct filemap_file *ff = FF(f);
	struct page *page = find_get_page(&f->mapping, index);

	if (!page)
		return;
	__lock_page(ff, page);
	if (page_mapping_read(page) == &f->mapping) {
		wait_on_page_writeback(ff, page);
		kmm_memset((char *)kmm_page_address(f->machine, page) + offset, 0,
			   KMM_PAGE_SIZE - offset);
	}
	__unlock_page(ff, page);
	put_user_page(f->machine, page);
}

void truncate_inode_pages(struct kmm_file *f, uint64_t lstart)
{
	struct kmm_machine *m = f->machine;
	struct filemap_file *ff = FF(f);
	struct address_space *mapping = &f->mapping;
	unsigned long start = (unsigned long)((lstart + KMM_PAGE_SIZE - 1) >> KMM_PAGE_SHIFT);
	unsigned offset = (unsigned)(lstart & (KMM_PAGE_SIZE - 1));
	struct page *pages[WB_BATCH];
	struct kmm_cpu *c;
	unsigned n;

	if (lstart > UINT64_MAX - KMM_PAGE_SIZE)
		return;
	c = kmm_get_cpu(m);
	if (offset)
		truncate_partial_page(f, (unsigned long)(lstart >> KMM_PAGE_SHIFT), offset);
	for (;;) {
		unsigned long index = start;
		bool done;

		/* from @start again each time: the pages found leave the cache */
		n = find_get_pages_tag(mapping, &index, ~0UL, XA_PRESENT, pages, WB_BATCH, &done);
		if (!n)
			break;
		for (unsigned i = 0; i < n; i++) {
			struct page *page = pages[i];

			__lock_page(ff, page);
			if (page_mapping_read(page) == mapping) {
				wait_on_page_writeback(ff, page);
				/* truncate_cleanup_folio(): mapped pages leave their PTEs */
				if (page_mapcount(page) > 0)
					unmap_mapping_range(mapping,
							    (uint64_t)page->index << KMM_PAGE_SHIFT,
							    KMM_PAGE_SIZE);
				delete_from_page_cache(f, c, page);
				__unlock_page(ff, page);
				put_user_page(m, page); /* the cache's */
			} else {
				__unlock_page(ff, page);
			}
			put_user_page(m, page);
		}
	}
	kmm_put_cpu(m, c);
}

int kmm_file_truncate(struct kmm_file *f, uint64_t size)
{
	struct filemap_file *ff = FF(f);
	uint64_t old;
	int ret = 0;

	if (size > (uint64_t)INT64_MAX - KMM_PAGE_SIZE)
		return -KMM_EFBIG;
	if (!f->shmem && !__atomic_load_n(&f->writable, __ATOMIC_ACQUIRE))
		return -KMM_EINVAL; /* ftruncate of a file not open for writing */
	down_write(&ff->truncate_rwsem);
	old = file_size(f);
	if (size >= old) {
		/* growing: the file first, then the size the faults check */
		if (!f->shmem)
			ret = kmm_port_file_truncate(file_fd(f), size);
		if (!ret) {
			spin_lock(&f->size_lock);
			f->i_size = size;
			spin_unlock(&f->size_lock);
		}
		up_write(&ff->truncate_rwsem);
		return ret;
	}
	/* shrinking (truncate_setsize + truncate_pagecache): the size faults
	 * check, the mappings, the cache, the mappings again (a fault that
	 * raced with the first unmap), then the host file: writeback of the
	 * pages past the end is over by then and cannot extend it again */
	spin_lock(&f->size_lock);
	f->i_size = size;
	spin_unlock(&f->size_lock);
	uint64_t holebegin = KMM_ALIGN_UP(size, (uint64_t)KMM_PAGE_SIZE);
	unmap_mapping_range(&f->mapping, holebegin, 0);
	truncate_inode_pages(f, size);
	unmap_mapping_range(&f->mapping, holebegin, 0);
	if (!f->shmem)
		ret = kmm_port_file_truncate(file_fd(f), size);
	up_write(&ff->truncate_rwsem);
	return ret;
}

/* ---- host files: read_folio and writepage ---------------------------------------------------- */

static int host_read_folio(struct kmm_file *f, struct page *page)
{
	char *addr = kmm_page_address(f->machine, page);
	uint64_t off = (uint64_t)page->index << KMM_PAGE_SHIFT;
	long n = kmm_port_file_pread(file_fd(f), addr, KMM_PAGE_SIZE, off);

	if (n < 0)
		return -KMM_EIO;
	/* past EOF the page reads as zeros */
	if ((size_t)n < KMM_PAGE_SIZE)
		kmm_memset(addr + n, 0, KMM_PAGE_SIZE - (size_t)n);
	return 0;
}

static int host_writepage(struct kmm_file *f, struct page *page)
{
	const char *addr = kmm_page_address(f->machine, page);
	uint64_t off = (uint64_t)page->index << KMM_PAGE_SHIFT;
	uint64_t size = file_size(f);
	size_t len;
	long n;

	if (off >= size)
		return 0; /* wholly past EOF (truncated): nothing to write */
	len = (size_t)KMM_MIN((uint64_t)KMM_PAGE_SIZE, size - off);
	n = kmm_port_file_pwrite(file_fd(f), addr, len, off);
	if (n == -KMM_ENOSPC)
		return -KMM_ENOSPC;
	if (n < 0 || (size_t)n != len)
		return -KMM_EIO; /* mapping_set_error(): anything else is EIO */
	return 0;
}

/* ---- boot and shutdown ------------------------------------------------------------------------ */

int filemap_init(struct kmm_machine *m)
{
	struct kmm_vm_state *vs = vm_state(m);

	vs->radix_tree_node_cachep =
		kmm_kmem_cache_create(m, "radix_tree_node", xa_node_size(), 0,
				      SLAB_RECLAIM_ACCOUNT | SLAB_PANIC, NULL, NULL);
	vs->file_cachep = kmm_kmem_cache_create(m, "inode_cache", sizeof(struct filemap_file), 0,
						SLAB_RECLAIM_ACCOUNT | SLAB_PANIC, NULL, NULL);
	if (!vs->radix_tree_node_cachep || !vs->file_cachep)
		return -KMM_ENOMEM;
	return kthread_run(m, flusher_fn, m, "flush-kmm", &vs->flusher);
}

/*
 * Shutdown: stop the flusher, write every file back and close the host
 * files.  Tasks may still map the files; the machine's memory (pages,
 * file objects) goes away with the machine.
 */
void filemap_exit(struct kmm_machine *m)
{
	struct kmm_vm_state *vs = vm_state(m);
	struct list_head *pos;

	kthread_stop(vs->flusher);
	vs->flusher = NULL;
	wb_writeback_expired(m, true);
	spin_lock(&vs->files_lock);
	list_for_each (pos, &vs->files) {
		struct kmm_file *f = list_entry(pos, struct kmm_file, list);

		if (!f->shmem)
			file_close_host(f);
	}
	spin_unlock(&vs->files_lock);
}

/* ---- reclaim (src/mm/vmscan.c) -------------------------------------------------------- */

bool filemap_remove_page_reclaim(struct page *page, void *shadow)
{
	(void)shadow; /* file shadows: the page cache keeps no value entries yet */
	struct address_space *mapping = page_mapping_read(page);
	if (!mapping || PageLocked(page) || PageDirty(page) || PageWriteback(page))
		return false;
	struct kmm_file *f = mapping->host;
	struct kmm_machine *m = f->machine;
	if (!trylock_page(page))
		return false;
	bool ok = false;
	spin_lock(&mapping->i_pages_lock);
	/* still ours, clean, and only the cache and the reclaimer hold it */
	if (page_mapping_read(page) == mapping && xa_load(&mapping->i_pages, page->index) == page &&
	    !PageDirty(page) && page_ref_count(page) == 2 && page_mapcount(page) <= 0)
		ok = true;
	spin_unlock(&mapping->i_pages_lock);
	if (ok) {
		struct kmm_cpu *c = kmm_get_cpu(m);
		delete_from_page_cache(f, c, page);
		kmm_put_cpu(m, c);
	}
	__unlock_page(FF(f), page); /* the mapping is gone: wake its file's waiters */
	if (ok)
		put_user_page(m, page); /* the cache's reference */
	return ok;
}
