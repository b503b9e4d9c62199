// SPDX-License-Identifier: MIT
/*
 * src/mm/swapfile.c - swap devices (mm/swapfile.c, mkswap(8)): the
 * SWAPSPACE2 header, swapon and swapoff, slot allocation in clusters, the
 * swap_map reference counts, try_to_unuse, /proc/swaps, and the
 * fail_swap_io fault-injection knobs.
 *
 * A device is a host file whose first page is Linux's union swap_header:
 * bootbits[1024], then version (1), last_page, nr_badpages, a UUID, a
 * volume name, padding, and the bad-page list at byte 1536; "SWAPSPACE2"
 * fills the last 10 bytes of the page.  Slot N of the device is page N of
 * the file; slot 0 (the header) and the listed bad pages are never used.
 *
 * Devices are used highest priority first; equal priorities take turns
 * (each allocation moves the device behind its equals, plist_requeue()).
 * A device swapped on without a priority gets the next one below the last
 * such device: -2, -3, ... (and the lower ones move up again when it goes).
 *
 * swapoff (try_to_unuse): the device stops taking new slots, then every
 * mm on the machine's mmlist has its page tables walked and each swap PTE
 * of the device is read back and mapped (swap_unuse_pte), and pages left
 * in the swap cache with no PTE referring to them leave it (dirty: their
 * only copy is now in memory); repeated until no slot is in use.  Running
 * out of memory or a read error aborts it and the device stays on.
 *
 * Fault injection, as lib/fault-inject.c's attributes, in
 * /sys/kernel/debug/fail_swap_io/:
 *   probability  percent of eligible swap I/Os that fail (default 100)
 *   interval     only every interval-th eligible I/O may fail (default 1)
 *   times        failures left to inject, -1 for no limit (default 0: off)
 *   space        bytes of I/O to let through before failing (default 0)
 *   verbose      0 quiet, 1 log each injected failure (default 1)
 *   ignore-reads, ignore-writes
 *                1: reads (writes) never fail and do not count (default 0)
 * so `echo 1 > times` fails the next swap read or write, and
 * `echo 1 > ignore-reads; echo -1 > times; echo 50 > probability` fails
 * half the writes and no read.  A failed write
 * leaves the page dirty in the swap cache; a failed read fails the fault
 * with SIGBUS and keeps the slot.  Errors are counted (ss->read_errors,
 * write_errors) and logged ("Write-error on swap-device ...").
 */
#include "kmm/vmalloc.h"
#include "mm/swapfile.h"

#define K(pages) ((unsigned long)(pages) << (KMM_PAGE_SHIFT - 10))

/* ---- the on-disk header (include/linux/swap.h) --------------------------------------- */

#define SWAP_MAGIC "SWAPSPACE2"
#define SWAP_MAGIC_OLD "SWAP-SPACE"
#define SWAP_MAGIC_LEN 10
#define SWAP_MIN_PAGES 10 /* mkswap's minimum: 40 KiB */
#define SWAP_FLAG_PRIO_MASK 0x7fff

union swap_header {
	struct {
		char reserved[KMM_PAGE_SIZE - SWAP_MAGIC_LEN];
		char magic[SWAP_MAGIC_LEN];
	} magic;
	struct {
		char bootbits[1024];
		uint32_t version;
		uint32_t last_page;
		uint32_t nr_badpages;
		unsigned char sws_uuid[16];
		unsigned char sws_volume[16];
		uint32_t padding[117];
		uint32_t badpages[1];
	} info;
};
_Static_assert(sizeof(union swap_header) == KMM_PAGE_SIZE, "the header is one page");
_Static_assert(offsetof(union swap_header, info.version) == 1024, "version at 1024");
_Static_assert(offsetof(union swap_header, info.badpages) == 1536, "badpages at 1536");
_Static_assert(offsetof(union swap_header, magic.magic) == 4086, "magic at 4086");

#define MAX_SWAP_BADPAGES                                                                          \
	((offsetof(union swap_header, magic.magic) - offsetof(union swap_header, info.badpages)) / \
	 sizeof(uint32_t))

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

int kmm_mkswap(const char *path, uint64_t size)
{
	union swap_header hdr;
	uint64_t pages = size >> KMM_PAGE_SHIFT, seed;
	int fd, ret;
	long n;

	if (!path || !*path)
		return -KMM_EINVAL;
	if (pages < SWAP_MIN_PAGES)
		return -KMM_EINVAL;
	if (pages - 1 > UINT32_MAX)
		return -KMM_EFBIG;
	ret = kmm_port_file_open(path, KMM_O_CREAT | KMM_O_RDWR, &fd);
	if (ret)
		return ret;
	ret = kmm_port_file_truncate(fd, pages << KMM_PAGE_SHIFT);
	if (ret)
		goto out;
	kmm_memset(&hdr, 0, sizeof(hdr));
	hdr.info.version = 1;
	hdr.info.last_page = (uint32_t)(pages - 1);
	hdr.info.nr_badpages = 0;
	/* a random (version 4) UUID, as mkswap's uuid_generate() */
	seed = kmm_port_time_ns() ^ (uint64_t)(uintptr_t)&hdr;
	for (const char *p = path; *p; p++)
		seed = seed * 131 + (unsigned char)*p;
	for (int i = 0; i < 16; i += 8) {
		uint64_t r = splitmix64(&seed);

		kmm_memcpy(hdr.info.sws_uuid + i, &r, 8);
	}
	hdr.info.sws_uuid[6] = (unsigned char)((hdr.info.sws_uuid[6] & 0x0f) | 0x40);
	hdr.info.sws_uuid[8] = (unsigned char)((hdr.info.sws_uuid[8] & 0x3f) | 0x80);
	kmm_memcpy(hdr.magic.magic, SWAP_MAGIC, SWAP_MAGIC_LEN);
	n = kmm_port_file_pwrite(fd, &hdr, sizeof(hdr), 0);
	if (n != (long)sizeof(hdr))
		ret = n < 0 ? (int)n : -KMM_EIO;
out:
	kmm_port_file_close(fd);
	return ret;
}

/* ---- devices ------------------------------------------------------------------------ */

static struct swap_info_struct *swap_type_info(struct swap_state *ss, int type)
{
	return __atomic_load_n(&ss->swap_info[type], __ATOMIC_ACQUIRE);
}

struct swap_info_struct *get_swap_device(struct kmm_machine *m, swp_entry_t e)
{
	struct swap_state *ss = swap_state(m);
	struct swap_info_struct *si;
	unsigned type = swp_type(e);

	if (!ss || !e.val || type >= MAX_SWAPFILES)
		return NULL;
	si = swap_type_info(ss, (int)type);
	if (!si)
		return NULL;
	/* pairs with swapoff's clear of SWP_VALID before it waits for users */
	atomic_fetch_add(&si->users, 1);
	if (!(atomic_load(&si->flags) & SWP_VALID) || !swp_offset(e) || swp_offset(e) >= si->max) {
		atomic_fetch_sub(&si->users, 1);
		return NULL;
	}
	return si;
}

void put_swap_device(struct swap_info_struct *si)
{
	atomic_fetch_sub(&si->users, 1);
}

/* Insert @si into the avail list by priority, behind its equals; swap_lock held. */
static void add_to_avail_list(struct swap_state *ss, struct swap_info_struct *si)
{
	struct list_head *pos;

	list_for_each (pos, &ss->avail_head) {
		if (list_entry(pos, struct swap_info_struct, avail_list)->prio < si->prio)
			break;
	}
	list_add_tail(&si->avail_list, pos);
}

/* ---- clusters ------------------------------------------------------------------------ */

static unsigned long cluster_slots(struct swap_info_struct *si, unsigned long idx)
{
	unsigned long base = idx * SWAPFILE_CLUSTER;

	return KMM_MIN((unsigned long)SWAPFILE_CLUSTER, si->max - base);
}

/* Put a cluster no CPU owns on the list its use count calls for; si->lock held. */
static void cluster_place(struct swap_info_struct *si, unsigned long idx)
{
	struct swap_cluster_info *ci = &si->cluster_info[idx];
	unsigned char want;

	if (ci->state == CLUSTER_PERCPU)
		return;
	if (!ci->count)
		want = CLUSTER_FREE;
	else if (ci->count >= cluster_slots(si, idx))
		want = CLUSTER_FULL;
	else
		want = CLUSTER_NONFULL;
	if (want == ci->state)
		return;
	if (ci->state == CLUSTER_FREE || ci->state == CLUSTER_NONFULL)
		list_del_init(&ci->list);
	ci->state = want;
	if (want == CLUSTER_FREE)
		list_add_tail(&ci->list, &si->free_clusters);
	else if (want == CLUSTER_NONFULL)
		list_add_tail(&ci->list, &si->nonfull_clusters);
}

static void cluster_release(struct swap_info_struct *si, unsigned long idx)
{
	si->cluster_info[idx].state = CLUSTER_FULL; /* on no list */
	cluster_place(si, idx);
}

/* One free slot of @si for CPU @cpu, SWAP_HAS_CACHE set; 0 if full.  si->lock held. */
static unsigned long scan_swap_map_slot(struct swap_info_struct *si, int cpu)
{
	struct percpu_cluster *pc = &si->percpu[cpu];
	unsigned long off;

	if ((unsigned long)atomic_load_explicit(&si->inuse_pages, memory_order_relaxed) >=
	    si->pages)
		return 0;
	for (;;) {
		if (pc->cluster != SWAP_NO_CLUSTER) {
			unsigned long end =
				pc->cluster * SWAPFILE_CLUSTER + cluster_slots(si, pc->cluster);

			for (off = pc->next; off < end; off++) {
				if (!si->swap_map[off]) {
					pc->next = off + 1;
					goto found;
				}
			}
			cluster_release(si, pc->cluster);
			pc->cluster = SWAP_NO_CLUSTER;
		}
		struct list_head *l = !list_empty(&si->nonfull_clusters) ? &si->nonfull_clusters :
				      !list_empty(&si->free_clusters)	 ? &si->free_clusters :
									   NULL;
		if (!l)
			break;
		struct swap_cluster_info *ci = list_first_entry(l, struct swap_cluster_info, list);

		list_del_init(&ci->list);
		ci->state = CLUSTER_PERCPU;
		pc->cluster = (unsigned long)(ci - si->cluster_info);
		pc->next = pc->cluster * SWAPFILE_CLUSTER;
	}
	/* every cluster with room is some CPU's current one: any free slot */
	for (unsigned long i = 0; i < si->max; i++) {
		off = si->scan_next;
		si->scan_next = off + 1 < si->max ? off + 1 : 1;
		if (off && !si->swap_map[off])
			goto found;
	}
	return 0;
found:
	si->swap_map[off] = SWAP_HAS_CACHE;
	si->cluster_info[off / SWAPFILE_CLUSTER].count++;
	cluster_place(si, off / SWAPFILE_CLUSTER);
	atomic_fetch_add_explicit(&si->inuse_pages, 1, memory_order_relaxed);
	return off;
}

void swap_slot_free_locked(struct swap_info_struct *si, unsigned long off)
{
	struct swap_state *ss = swap_state(si->machine);

	si->swap_map[off] = 0;
	si->cluster_info[off / SWAPFILE_CLUSTER].count--;
	cluster_place(si, off / SWAPFILE_CLUSTER);
	atomic_fetch_sub_explicit(&si->inuse_pages, 1, memory_order_relaxed);
	swap_cache_clear_shadow(si, off);
	/* swapoff took the device's pages out of nr_swap_pages up front: this
	 * gives back the ones in use as they are freed (swap_range_free()) */
	atomic_fetch_add(&ss->nr_swap_pages, 1);
}

/* ---- allocating and counting slots --------------------------------------------------------- */

swp_entry_t get_swap_page(struct kmm_machine *m)
{
	struct swap_state *ss = swap_state(m);
	swp_entry_t e = { 0 };
	struct kmm_cpu *c;

	if (!ss || atomic_load(&ss->nr_swap_pages) <= 0)
		return e;
	c = kmm_get_cpu(m);
	for (int tries = 0; tries < 2 * MAX_SWAPFILES && !e.val; tries++) {
		struct swap_info_struct *si = NULL, *pick = NULL;
		struct list_head *pos;
		unsigned long off = 0;

		spin_lock(&ss->swap_lock);
		list_for_each (pos, &ss->avail_head) {
			si = list_entry(pos, struct swap_info_struct, avail_list);
			if ((unsigned long)atomic_load(&si->inuse_pages) < si->pages) {
				pick = si;
				break;
			}
		}
		if (pick) {
			/* plist_requeue(): behind the devices of equal priority */
			list_del(&pick->avail_list);
			add_to_avail_list(ss, pick);
			atomic_fetch_add(&pick->users, 1);
		}
		spin_unlock(&ss->swap_lock);
		if (!pick)
			break;
		spin_lock(&pick->lock);
		if (atomic_load(&pick->flags) & SWP_WRITEOK)
			off = scan_swap_map_slot(pick, c->id);
		spin_unlock(&pick->lock);
		if (off) {
			atomic_fetch_sub(&ss->nr_swap_pages, 1);
			e = swp_entry((unsigned)pick->type, off);
		}
		put_swap_device(pick);
	}
	kmm_put_cpu(m, c);
	return e;
}

static void bad_entry(struct kmm_machine *m, const char *who, const char *what, swp_entry_t e)
{
	struct swap_state *ss = swap_state(m);

	if (ss && !ss->shutdown)
		pr_err(m, "%s: %s swap entry %08llx", who, what, (unsigned long long)e.val);
}

int swap_duplicate(struct kmm_machine *m, swp_entry_t e)
{
	struct swap_info_struct *si = get_swap_device(m, e);
	unsigned long off = swp_offset(e);
	int ret = 0;
	unsigned v;

	if (!si) {
		bad_entry(m, "swap_dup", "Bad", e);
		return -KMM_EINVAL;
	}
	spin_lock(&si->lock);
	v = si->swap_map[off];
	if (v == SWAP_MAP_BAD)
		ret = -KMM_EINVAL;
	else if (!v)
		ret = -KMM_ENOENT; /* a free slot: the entry went away meanwhile */
	else if ((v & SWAP_COUNT_MASK) >= SWAP_MAP_MAX)
		ret = -KMM_ENOMEM;
	else
		si->swap_map[off] = (uint16_t)(v + 1);
	spin_unlock(&si->lock);
	put_swap_device(si);
	if (ret == -KMM_EINVAL)
		bad_entry(m, "swap_dup", "Bad offset in", e);
	else if (ret == -KMM_ENOMEM)
		pr_warn(m, "swap_dup: entry %08llx has %u references already",
			(unsigned long long)e.val, SWAP_MAP_MAX);
	return ret;
}

/* Drop one PTE reference; the slot's value after, or -1 on a bad entry. */
static int __swap_entry_free(struct kmm_machine *m, struct swap_info_struct *si, swp_entry_t e)
{
	unsigned long off = swp_offset(e);
	unsigned v;

	spin_lock(&si->lock);
	v = si->swap_map[off];
	if (v == SWAP_MAP_BAD || !(v & SWAP_COUNT_MASK)) {
		spin_unlock(&si->lock);
		bad_entry(m, "swap_free", v == SWAP_MAP_BAD ? "Bad offset in" : "Unused", e);
		return -1;
	}
	v--;
	if (v)
		si->swap_map[off] = (uint16_t)v;
	else
		swap_slot_free_locked(si, off);
	spin_unlock(&si->lock);
	return (int)v;
}

void swap_free(struct kmm_machine *m, swp_entry_t e)
{
	struct swap_info_struct *si = get_swap_device(m, e);

	if (!si) {
		bad_entry(m, "swap_free", "Bad", e);
		return;
	}
	__swap_entry_free(m, si, e);
	put_swap_device(si);
}

void put_swap_page(struct kmm_machine *m, swp_entry_t e)
{
	struct swap_info_struct *si = get_swap_device(m, e);
	unsigned long off = swp_offset(e);
	bool bad = false;
	unsigned v;

	if (!si) {
		bad_entry(m, "put_swap_page", "Bad", e);
		return;
	}
	spin_lock(&si->lock);
	v = si->swap_map[off];
	spin_lock(&si->cache_lock);
	void *cached = xa_load(&si->cache, off);
	spin_unlock(&si->cache_lock);
	if (v == SWAP_MAP_BAD || !(v & SWAP_HAS_CACHE) || (cached && !xa_is_value(cached))) {
		bad = true;
	} else {
		v &= ~SWAP_HAS_CACHE;
		if (v)
			si->swap_map[off] = (uint16_t)v;
		else
			swap_slot_free_locked(si, off);
	}
	spin_unlock(&si->lock);
	put_swap_device(si);
	if (bad)
		bad_entry(m, "put_swap_page", "Uncached", e);
}

unsigned swap_count(struct swap_info_struct *si, unsigned long offset)
{
	unsigned v;

	spin_lock(&si->lock);
	v = si->swap_map[offset];
	spin_unlock(&si->lock);
	return v == SWAP_MAP_BAD ? 0 : v & SWAP_COUNT_MASK;
}

int swp_swapcount(struct kmm_machine *m, swp_entry_t e)
{
	struct swap_info_struct *si = get_swap_device(m, e);
	unsigned v;

	if (!si)
		return 0;
	spin_lock(&si->lock);
	v = si->swap_map[swp_offset(e)];
	spin_unlock(&si->lock);
	put_swap_device(si);
	if (v == SWAP_MAP_BAD)
		return 0;
	return (int)((v & SWAP_COUNT_MASK) + ((v & SWAP_HAS_CACHE) ? 1 : 0));
}

int swapcache_prepare(struct swap_info_struct *si, unsigned long offset)
{
	int ret = 0;
	unsigned v;

	spin_lock(&si->lock);
	v = si->swap_map[offset];
	if (v == SWAP_MAP_BAD || !(v & SWAP_COUNT_MASK))
		ret = -KMM_ENOENT; /* free, or only a cache entry being dropped */
	else if (v & SWAP_HAS_CACHE)
		ret = -KMM_EEXIST;
	else
		si->swap_map[offset] = (uint16_t)(v | SWAP_HAS_CACHE);
	spin_unlock(&si->lock);
	return ret;
}

bool try_to_free_swap(struct kmm_machine *m, struct page *page)
{
	struct swap_info_struct *si;
	bool ok;

	if (!PageSwapCache(page) || PageWriteback(page))
		return false;
	si = get_swap_device(m, (swp_entry_t){ page->private });
	if (!si)
		return false;
	ok = swap_cache_remove(si, page, NULL, true);
	put_swap_device(si);
	if (ok)
		SetPageDirty(page); /* its only copy is in memory now */
	return ok;
}

long get_nr_swap_pages(struct kmm_machine *m)
{
	struct swap_state *ss = m ? swap_state(m) : NULL;

	return ss ? atomic_load_explicit(&ss->nr_swap_pages, memory_order_relaxed) : 0;
}

void si_swapinfo(struct kmm_machine *m, unsigned long *total, unsigned long *free)
{
	struct swap_state *ss = m ? swap_state(m) : NULL;
	long unused = 0, t, f;

	if (!ss) {
		*total = *free = 0;
		return;
	}
	/* devices being swapped off: their slots in use count until freed */
	for (int type = 0; type < MAX_SWAPFILES; type++) {
		struct swap_info_struct *si = swap_type_info(ss, type);
		unsigned flags = si ? atomic_load(&si->flags) : 0;

		if ((flags & SWP_USED) && !(flags & SWP_WRITEOK))
			unused += atomic_load_explicit(&si->inuse_pages, memory_order_relaxed);
	}
	t = atomic_load(&ss->total_swap_pages) + unused;
	f = atomic_load(&ss->nr_swap_pages) + unused;
	*total = t > 0 ? (unsigned long)t : 0;
	*free = f > 0 ? (unsigned long)f : 0;
}

bool vm_swap_full(struct kmm_machine *m)
{
	struct swap_state *ss = swap_state(m);

	return ss && atomic_load(&ss->nr_swap_pages) * 2 < atomic_load(&ss->total_swap_pages);
}

/* ---- the PTE hooks (zap, fork, try_to_unmap) ------------------------------------------------- */

/* free_swap_and_cache(): a swap PTE goes (munmap, exit); if only the swap
 * cache still holds the slot and its page is unmapped, drop the page too. */
static void swap_free_pte(struct kmm_machine *m, pteval_t pte)
{
	swp_entry_t e = pte_to_swp_entry(pte);
	struct swap_info_struct *si = get_swap_device(m, e);
	unsigned long off = swp_offset(e);
	struct page *page;

	if (!si) {
		bad_entry(m, "swap_free", "Bad", e);
		return;
	}
	if (__swap_entry_free(m, si, e) != (int)SWAP_HAS_CACHE)
		goto out;
	spin_lock(&si->cache_lock);
	page = xa_load(&si->cache, off);
	if (page && xa_is_value(page))
		page = NULL;
	if (page)
		get_page(page);
	spin_unlock(&si->cache_lock);
	if (!page)
		goto out;
	if (trylock_page(page)) {
		if (PageSwapCache(page) && page->private == e.val &&
		    (page_mapcount(page) <= 0 || vm_swap_full(m)) &&
		    swap_cache_remove(si, page, NULL, true))
			SetPageDirty(page);
		unlock_page(page);
	}
	put_user_page(m, page);
out:
	put_swap_device(si);
}

static int swap_dup_pte(struct kmm_machine *m, pteval_t pte)
{
	return swap_duplicate(m, pte_to_swp_entry(pte));
}

/* ---- swapon ------------------------------------------------------------------------------------ */

/* Check the header of @path (@size bytes); the usable page count, or -errno. */
static int read_swap_header(struct kmm_machine *m, const char *path, const union swap_header *h,
			    uint64_t size, unsigned long *maxpages)
{
	uint64_t file_pages = size >> KMM_PAGE_SHIFT;

	if (kmm_memcmp(h->magic.magic, SWAP_MAGIC, SWAP_MAGIC_LEN)) {
		if (!kmm_memcmp(h->magic.magic, SWAP_MAGIC_OLD, SWAP_MAGIC_LEN))
			pr_err(m, "swapon: %s: version 0 swap space (SWAP-SPACE) is not supported",
			       path);
		else
			pr_err(m, "swapon: %s: Unable to find swap-space signature", path);
		return -KMM_EINVAL;
	}
	if (h->info.version != 1) {
		pr_err(m, "swapon: %s: Unable to handle swap header version %u", path,
		       h->info.version);
		return -KMM_EINVAL;
	}
	if (!h->info.last_page) {
		pr_err(m, "swapon: %s: Empty swap-file", path);
		return -KMM_EINVAL;
	}
	if ((uint64_t)h->info.last_page >= file_pages) {
		pr_err(m,
		       "swapon: %s: Swap area shorter than signature indicates (last_page %u, file has %llu pages)",
		       path, h->info.last_page, (unsigned long long)file_pages);
		return -KMM_EINVAL;
	}
	if (h->info.nr_badpages > MAX_SWAP_BADPAGES) {
		pr_err(m, "swapon: %s: %u bad pages listed, at most %zu", path, h->info.nr_badpages,
		       (size_t)MAX_SWAP_BADPAGES);
		return -KMM_EINVAL;
	}
	for (unsigned i = 0; i < h->info.nr_badpages; i++) {
		uint32_t b = h->info.badpages[i];

		if (!b || b > h->info.last_page) {
			pr_err(m, "swapon: %s: bad page %u out of range (1 to %u)", path, b,
			       h->info.last_page);
			return -KMM_EINVAL;
		}
	}
	*maxpages = (unsigned long)h->info.last_page + 1;
	return 0;
}

/* Lay out swap_map and the clusters of a checked header; 0 or -KMM_ENOMEM / -KMM_EINVAL. */
static int setup_swap_map(struct kmm_machine *m, struct swap_info_struct *si,
			  const union swap_header *h, unsigned long maxpages)
{
	si->max = maxpages;
	si->swap_map = kmm_vzalloc(m, maxpages * sizeof(uint16_t));
	si->nr_clusters = (maxpages + SWAPFILE_CLUSTER - 1) / SWAPFILE_CLUSTER;
	si->cluster_info =
		kmm_kvzalloc(m, si->nr_clusters * sizeof(struct swap_cluster_info), GFP_KERNEL);
	si->percpu =
		kmm_kcalloc(m, (size_t)m->nr_cpu_ids, sizeof(struct percpu_cluster), GFP_KERNEL);
	if (!si->swap_map || !si->cluster_info || !si->percpu)
		return -KMM_ENOMEM;
	si->swap_map[0] = SWAP_MAP_BAD;
	si->cluster_info[0].count = 1;
	si->nr_badpages = 0;
	for (unsigned i = 0; i < h->info.nr_badpages; i++) {
		uint32_t b = h->info.badpages[i];

		if (si->swap_map[b] == SWAP_MAP_BAD)
			continue; /* listed twice */
		si->swap_map[b] = SWAP_MAP_BAD;
		si->cluster_info[b / SWAPFILE_CLUSTER].count++;
		si->nr_badpages++;
	}
	si->pages = maxpages - 1 - si->nr_badpages;
	if (!si->pages) {
		pr_err(m, "swapon: %s: Empty swap-file", si->path);
		return -KMM_EINVAL;
	}
	INIT_LIST_HEAD(&si->free_clusters);
	INIT_LIST_HEAD(&si->nonfull_clusters);
	for (unsigned long i = 0; i < si->nr_clusters; i++) {
		INIT_LIST_HEAD(&si->cluster_info[i].list);
		si->cluster_info[i].state = CLUSTER_FULL;
		cluster_place(si, i); /* in disk order */
	}
	for (int c = 0; c < m->nr_cpu_ids; c++)
		si->percpu[c].cluster = SWAP_NO_CLUSTER;
	si->scan_next = 1;
	atomic_store(&si->inuse_pages, 0);
	return 0;
}

static void free_swap_map(struct kmm_machine *m, struct swap_info_struct *si)
{
	if (si->swap_map)
		kmm_vfree(m, si->swap_map);
	if (si->cluster_info)
		kmm_kvfree(m, si->cluster_info);
	if (si->percpu)
		kmm_kfree(m, si->percpu);
	si->swap_map = NULL;
	si->cluster_info = NULL;
	si->percpu = NULL;
	si->max = si->pages = 0;
}

/* An unused type (its swap_info allocated on first use, kept afterwards);
 * NULL with *err = -KMM_EPERM (all MAX_SWAPFILES in use) or -KMM_ENOMEM. */
static struct swap_info_struct *alloc_swap_info(struct kmm_machine *m, struct swap_state *ss,
						int *err)
{
	struct swap_info_struct *si = NULL;
	int type;

	for (type = 0; type < MAX_SWAPFILES; type++) {
		si = swap_type_info(ss, type);
		if (!si || !(atomic_load(&si->flags) & SWP_USED))
			break;
	}
	*err = -KMM_EPERM;
	if (type == MAX_SWAPFILES)
		return NULL;
	*err = -KMM_ENOMEM;
	if (!si) {
		si = kmm_kzalloc(m, sizeof(*si), GFP_KERNEL);
		if (!si)
			return NULL;
		si->machine = m;
		si->type = type;
		spin_lock_init(&si->lock);
		spin_lock_init(&si->cache_lock);
		INIT_LIST_HEAD(&si->avail_list);
		atomic_init(&si->flags, 0);
		atomic_init(&si->users, 0);
		atomic_init(&si->inuse_pages, 0);
		__atomic_store_n(&ss->swap_info[type], si, __ATOMIC_RELEASE);
	}
	si->fd = -1;
	return si;
}

/* Is @path (open as @fd) a device in use already?  swapon_sem held. */
static bool swap_file_busy(struct swap_state *ss, const char *path, unsigned major, unsigned minor,
			   uint64_t ino, bool have_id)
{
	for (int type = 0; type < MAX_SWAPFILES; type++) {
		struct swap_info_struct *si = swap_type_info(ss, type);

		if (!si || !(atomic_load(&si->flags) & SWP_USED))
			continue;
		if (!kmm_strcmp(si->path, path))
			return true;
		if (have_id && si->dev_major == major && si->dev_minor == minor && si->ino == ino)
			return true;
	}
	return false;
}

int kmm_swapon(struct kmm_machine *m, const char *path, int prio)
{
	struct swap_state *ss = m ? swap_state(m) : NULL;
	struct swap_info_struct *si;
	union swap_header *hdr = NULL;
	unsigned major = 0, minor = 0;
	unsigned long maxpages = 0;
	uint64_t ino = 0, size;
	bool have_id;
	int fd, ret;
	long n;

	if (!ss)
		return -KMM_ENOSYS;
	if (!path || !*path || kmm_strnlen(path, sizeof(si->path)) >= sizeof(si->path))
		return -KMM_EINVAL;
	if (prio < -1 || prio > SWAP_FLAG_PRIO_MASK) {
		pr_err(m, "swapon: %s: priority %d out of range (-1 to %d)", path, prio,
		       SWAP_FLAG_PRIO_MASK);
		return -KMM_EINVAL;
	}
	down_write(&ss->swapon_sem);
	ret = kmm_port_file_open(path, KMM_O_RDWR, &fd);
	if (ret) {
		pr_err(m, "swapon: %s: cannot open: error %d", path, -ret);
		goto out;
	}
	have_id = !kmm_port_file_id(fd, &major, &minor, &ino);
	if (swap_file_busy(ss, path, major, minor, ino, have_id)) {
		pr_err(m, "swapon: %s: Device or resource busy (already swapping on it)", path);
		ret = -KMM_EBUSY;
		goto out_close;
	}
	ret = kmm_port_file_size(fd, &size);
	if (ret)
		goto out_close;
	if (size < 2 * KMM_PAGE_SIZE) {
		pr_err(m, "swapon: %s: %llu bytes, too small for a swap area", path,
		       (unsigned long long)size);
		ret = -KMM_EINVAL;
		goto out_close;
	}
	hdr = kmm_kmalloc(m, sizeof(*hdr), GFP_KERNEL);
	if (!hdr) {
		ret = -KMM_ENOMEM;
		goto out_close;
	}
	n = kmm_port_file_pread(fd, hdr, sizeof(*hdr), 0);
	if (n != (long)sizeof(*hdr)) {
		pr_err(m, "swapon: %s: cannot read the swap header", path);
		ret = -KMM_EIO;
		goto out_close;
	}
	ret = read_swap_header(m, path, hdr, size, &maxpages);
	if (ret)
		goto out_close;
	/* the type is not published (SWP_USED) until the end: swapon_sem keeps it ours */
	si = alloc_swap_info(m, ss, &ret);
	if (!si) {
		if (ret == -KMM_EPERM)
			pr_err(m, "swapon: %s: too many swap files (%d)", path, MAX_SWAPFILES);
		goto out_close;
	}
	kmm_strlcpy(si->path, path, sizeof(si->path));
	ret = setup_swap_map(m, si, hdr, maxpages);
	if (!ret)
		ret = swap_cache_init(si);
	if (ret) {
		free_swap_map(m, si);
		goto out_close;
	}
	si->fd = fd;
	si->dev_major = major;
	si->dev_minor = minor;
	si->ino = ino;

	spin_lock(&ss->swap_lock);
	si->prio = prio >= 0 ? prio : --ss->least_priority;
	add_to_avail_list(ss, si);
	if (si->type >= ss->nr_swapfiles)
		ss->nr_swapfiles = si->type + 1;
	atomic_fetch_add(&ss->nr_swap_pages, (long)si->pages);
	atomic_fetch_add(&ss->total_swap_pages, (long)si->pages);
	atomic_store(&si->flags, SWP_USED | SWP_WRITEOK | SWP_VALID);
	spin_unlock(&ss->swap_lock);
	pr_info(m, "Adding %luk swap on %s.  Priority:%d extents:1 across:%luk", K(si->pages), path,
		si->prio, K(si->max - 1));
	kmm_kfree(m, hdr);
	up_write(&ss->swapon_sem);
	return 0;

out_close:
	kmm_kfree(m, hdr);
	kmm_port_file_close(fd);
out:
	up_write(&ss->swapon_sem);
	return ret;
}

/* ---- swapoff ------------------------------------------------------------------------------------- */

struct unuse_arg {
	struct vm_area_struct *vma;
	struct swap_info_struct *si;
};

static int unuse_pte_fn(pteval_t *pte, uint64_t addr, void *arg)
{
	struct unuse_arg *a = arg;
	pteval_t e = pte_read(pte);

	if (!is_swap_pte(e) || swp_type(pte_to_swp_entry(e)) != (unsigned)a->si->type)
		return 0;
	return swap_unuse_pte(a->vma, addr, pte, a->si);
}

static int unuse_mm(struct mm_struct *mm, struct swap_info_struct *si)
{
	struct unuse_arg a = { .si = si };
	int ret = 0;

	down_read(&mm->mmap_lock);
	for (struct vm_area_struct *v = mm->mmap; v && !ret; v = v->vm_next) {
		if (!v->anon_vma)
			continue; /* no anonymous page was ever made here */
		a.vma = v;
		ret = walk_pte_range(mm, v->vm_start, v->vm_end, unuse_pte_fn, &a);
	}
	up_read(&mm->mmap_lock);
	return ret;
}

/* The mm after @prev on the machine's mmlist, with a reference (mmget_not_zero). */
static struct mm_struct *next_mm(struct kmm_vm_state *vs, struct mm_struct *prev)
{
	struct mm_struct *found = NULL;
	struct list_head *pos;

	spin_lock(&vs->mmlist_lock);
	for (pos = prev ? prev->mmlist.next : vs->mmlist.next; pos != &vs->mmlist;
	     pos = pos->next) {
		struct mm_struct *mm = list_entry(pos, struct mm_struct, mmlist);
		int users = atomic_load(&mm->mm_users);

		while (users > 0 && !atomic_compare_exchange_weak(&mm->mm_users, &users, users + 1))
			;
		if (users > 0) {
			found = mm;
			break;
		}
	}
	spin_unlock(&vs->mmlist_lock);
	return found;
}

/* Bring every slot of @si back into memory: 0, -KMM_ENOMEM, -KMM_EIO or -KMM_EBUSY. */
static int try_to_unuse(struct kmm_machine *m, struct swap_info_struct *si)
{
	struct kmm_vm_state *vs = vm_state(m);
	long last = -1;
	int stalls = 0;

	for (;;) {
		struct mm_struct *mm, *prev = NULL;
		long inuse;
		int ret = 0;

		if (!atomic_load(&si->inuse_pages))
			return 0;
		/* a fork copies its parent's swap PTEs into an mm added at the
		 * tail of mmlist, so the walk meets the child after the parent */
		while (!ret && (mm = next_mm(vs, prev))) {
			if (prev)
				mmput(prev);
			prev = mm;
			ret = unuse_mm(mm, si);
		}
		if (prev)
			mmput(prev);
		if (ret)
			return ret;
		swap_cache_unuse(si);
		inuse = atomic_load(&si->inuse_pages);
		if (!inuse)
			return 0;
		/* references nobody's page tables hold: give racing faults,
		 * forks and reclaim a few more rounds */
		if (last >= 0 && inuse >= last && ++stalls > 8) {
			pr_err(m, "swapoff: %s: %ld slots still referenced", si->path, inuse);
			return -KMM_EBUSY;
		}
		last = inuse;
		kmm_port_yield();
	}
}

/* The device swapped on as @path (by name, else by host identity); swapon_sem held. */
static struct swap_info_struct *find_swap_device(struct swap_state *ss, const char *path)
{
	unsigned major, minor;
	uint64_t ino;
	bool have_id = false;
	int fd;

	if (!kmm_port_file_open(path, KMM_O_RDONLY, &fd)) {
		have_id = !kmm_port_file_id(fd, &major, &minor, &ino);
		kmm_port_file_close(fd);
	}
	for (int pass = 0; pass < 2; pass++) {
		for (int type = 0; type < MAX_SWAPFILES; type++) {
			struct swap_info_struct *si = swap_type_info(ss, type);

			if (!si || !(atomic_load(&si->flags) & SWP_WRITEOK))
				continue;
			if (pass == 0 ? !kmm_strcmp(si->path, path) :
					(have_id && si->dev_major == major &&
					 si->dev_minor == minor && si->ino == ino))
				return si;
		}
	}
	return NULL;
}

/* Take @si out of use (swapon_sem held, the device unused): free its maps, close it. */
static void swap_teardown(struct kmm_machine *m, struct swap_state *ss, struct swap_info_struct *si)
{
	spin_lock(&ss->swap_lock);
	atomic_fetch_and(&si->flags, ~(SWP_VALID | SWP_WRITEOK));
	spin_unlock(&ss->swap_lock);
	/* every get_swap_device() user either saw !SWP_VALID or is counted */
	while (atomic_load(&si->users))
		kmm_port_yield();
	swap_cache_exit(si);
	if (si->fd >= 0)
		kmm_port_file_close(si->fd);
	si->fd = -1;
	free_swap_map(m, si);
	spin_lock(&ss->swap_lock);
	atomic_store(&si->flags, 0);
	spin_unlock(&ss->swap_lock);
}

int kmm_swapoff(struct kmm_machine *m, const char *path)
{
	struct swap_state *ss = m ? swap_state(m) : NULL;
	struct swap_info_struct *si;
	int ret;

	if (!ss)
		return -KMM_ENOSYS;
	if (!path || !*path)
		return -KMM_EINVAL;
	down_write(&ss->swapon_sem);
	si = find_swap_device(ss, path);
	if (!si) {
		up_write(&ss->swapon_sem);
		pr_err(m, "swapoff: %s: not a swap device in use", path);
		return -KMM_EINVAL;
	}
	spin_lock(&ss->swap_lock);
	list_del_init(&si->avail_list);
	atomic_fetch_and(&si->flags, ~SWP_WRITEOK);
	atomic_fetch_sub(&ss->nr_swap_pages, (long)si->pages);
	atomic_fetch_sub(&ss->total_swap_pages, (long)si->pages);
	spin_unlock(&ss->swap_lock);

	ret = try_to_unuse(m, si);
	if (ret) {
		/* reinsert_swap_info(): the device stays on */
		spin_lock(&ss->swap_lock);
		atomic_fetch_or(&si->flags, SWP_WRITEOK);
		add_to_avail_list(ss, si);
		atomic_fetch_add(&ss->nr_swap_pages, (long)si->pages);
		atomic_fetch_add(&ss->total_swap_pages, (long)si->pages);
		spin_unlock(&ss->swap_lock);
		up_write(&ss->swapon_sem);
		pr_err(m, "swapoff: %s: %s, still swapping on it", path,
		       ret == -KMM_ENOMEM ? "out of memory" :
		       ret == -KMM_EIO	  ? "read error" :
					    "slots still in use");
		return ret;
	}
	spin_lock(&ss->swap_lock);
	if (si->prio < 0) {
		/* the default priorities below move up (Linux's least_priority) */
		for (int type = 0; type < MAX_SWAPFILES; type++) {
			struct swap_info_struct *o = swap_type_info(ss, type);

			if (o && o != si && (atomic_load(&o->flags) & SWP_USED) &&
			    o->prio < si->prio)
				o->prio++;
		}
		ss->least_priority++;
	}
	spin_unlock(&ss->swap_lock);
	swap_teardown(m, ss, si);
	up_write(&ss->swapon_sem);
	return 0;
}

/* ---- errors and fault injection -------------------------------------------------------------- */

bool should_fail_swap_io(struct kmm_machine *m, bool write)
{
	struct swap_state *ss = swap_state(m);
	struct fault_attr *fa;
	unsigned long interval = 0, probability = 0, verbose = 0;
	long space = 0, times = 0;
	bool fail = false;

	if (!ss)
		return false;
	fa = &ss->fail_io;
	spin_lock(&fa->lock);
	if (!fa->times || (write ? fa->ignore_writes : fa->ignore_reads))
		goto out;
	if (fa->space > (long)KMM_PAGE_SIZE) {
		fa->space -= (long)KMM_PAGE_SIZE;
		goto out;
	}
	if (fa->interval > 1 && ++fa->count % fa->interval)
		goto out;
	if (fa->probability <= splitmix64(&fa->rnd) % 100)
		goto out;
	if (fa->times != -1)
		fa->times--;
	fail = true;
	interval = fa->interval;
	probability = fa->probability;
	space = fa->space;
	times = fa->times;
	verbose = fa->verbose;
out:
	spin_unlock(&fa->lock);
	if (fail && verbose) {
		pr_notice(m, "FAULT_INJECTION: forcing a failure.");
		pr_notice(
			m,
			"name fail_swap_io, interval %lu, probability %lu, space %ld, times %ld (swap %s)",
			interval, probability, space, times, write ? "write" : "read");
	}
	return fail;
}

void swap_io_error(struct kmm_machine *m, struct swap_info_struct *si, unsigned long offset,
		   bool write)
{
	struct swap_state *ss = swap_state(m);
	unsigned long n = atomic_fetch_add(write ? &ss->write_errors : &ss->read_errors, 1) + 1;

	/* pr_alert_ratelimited(): the first ten, then at each power of two */
	if (n <= 10 || !(n & (n - 1)))
		pr_err(m, "%s-error on swap-device (%u:%u:%llu) %s, slot %lu: %s (%lu so far)",
		       write ? "Write" : "Read", si->dev_major, si->dev_minor,
		       (unsigned long long)offset << (KMM_PAGE_SHIFT - 9), si->path, offset,
		       write ? "page kept dirty in the swap cache" : "the fault gets SIGBUS", n);
}

/* ---- /proc/swaps and /sys/kernel/debug/fail_swap_io ------------------------------------------ */

/* seq_file_path(): the name with " \t\n\\" escaped as \ooo. */
static size_t mangle_path(char *out, size_t size, const char *in)
{
	size_t o = 0;

	for (; *in && o + 5 < size; in++) {
		unsigned char c = (unsigned char)*in;

		if (c == ' ' || c == '\t' || c == '\n' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)('0' + ((c >> 6) & 7));
			out[o++] = (char)('0' + ((c >> 3) & 7));
			out[o++] = (char)('0' + (c & 7));
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
	return o;
}

static void swaps_show(struct kmm_machine *m, struct seq_buf *sb)
{
	struct swap_state *ss = swap_state(m);
	char name[4 * 256 + 1];

	seq_buf_puts(sb, "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
	if (!ss)
		return;
	spin_lock(&ss->swap_lock);
	for (int type = 0; type < MAX_SWAPFILES; type++) {
		struct swap_info_struct *si = swap_type_info(ss, type);
		unsigned long bytes, inuse;
		int len;

		if (!si || !(atomic_load(&si->flags) & SWP_USED))
			continue;
		len = (int)mangle_path(name, sizeof(name), si->path);
		bytes = K(si->pages);
		inuse = K(atomic_load_explicit(&si->inuse_pages, memory_order_relaxed));
		seq_buf_printf(sb, "%s%*s%s\t%lu\t%s%lu\t%s%d\n", name, len < 40 ? 40 - len : 1,
			       " ", "file", bytes, bytes < 10000000 ? "\t" : "", inuse,
			       inuse < 10000000 ? "\t" : "", si->prio);
	}
	spin_unlock(&ss->swap_lock);
}

/* One integer written to a knob: 0, or -KMM_EINVAL after a warning. */
static int parse_knob(struct kmm_machine *m, const char *name, const char *text, size_t len,
		      long long min, long long max, long long *out)
{
	char buf[32];
	size_t s = 0, e = len;

	while (s < e && (text[s] == ' ' || text[s] == '\t' || text[s] == '\n'))
		s++;
	while (e > s && (text[e - 1] == ' ' || text[e - 1] == '\t' || text[e - 1] == '\n'))
		e--;
	if (e == s || e - s >= sizeof(buf)) {
		pr_warn(m, "fail_swap_io: %s: expected an integer", name);
		return -KMM_EINVAL;
	}
	kmm_memcpy(buf, text + s, e - s);
	buf[e - s] = '\0';
	if (kmm_strlen(buf) != e - s) {
		pr_warn(m, "fail_swap_io: %s: expected an integer", name);
		return -KMM_EINVAL; /* a NUL inside */
	}
	if (kmm_kstrtoll(buf, 0, out)) {
		pr_warn(m, "fail_swap_io: %s: expected an integer", name);
		return -KMM_EINVAL;
	}
	if (*out < min || *out > max) {
		pr_warn(m, "fail_swap_io: %s: value %lld out of range (%lld to %lld)", name, *out,
			min, max);
		return -KMM_EINVAL;
	}
	return 0;
}

enum fail_knob {
	FK_PROBABILITY,
	FK_INTERVAL,
	FK_TIMES,
	FK_SPACE,
	FK_VERBOSE,
	FK_IGNORE_READS,
	FK_IGNORE_WRITES
};

static void fail_show(struct kmm_machine *m, struct seq_buf *sb, enum fail_knob k)
{
	struct swap_state *ss = swap_state(m);
	struct fault_attr *fa;
	long long v = 0;

	if (!ss) {
		seq_buf_puts(sb, "0\n");
		return;
	}
	fa = &ss->fail_io;
	spin_lock(&fa->lock);
	switch (k) {
	case FK_PROBABILITY:
		v = (long long)fa->probability;
		break;
	case FK_INTERVAL:
		v = (long long)fa->interval;
		break;
	case FK_TIMES:
		v = fa->times;
		break;
	case FK_SPACE:
		v = fa->space;
		break;
	case FK_VERBOSE:
		v = (long long)fa->verbose;
		break;
	case FK_IGNORE_READS:
		v = fa->ignore_reads;
		break;
	case FK_IGNORE_WRITES:
		v = fa->ignore_writes;
		break;
	}
	spin_unlock(&fa->lock);
	seq_buf_printf(sb, "%lld\n", v);
}

static int fail_write(struct kmm_machine *m, const char *text, size_t len, enum fail_knob k)
{
	static const char *const names[] = {
		"probability", "interval",     "times",		"space",
		"verbose",     "ignore-reads", "ignore-writes",
	};
	static const long long lo[] = { 0, 1, -1, 0, 0, 0, 0 };
	static const long long hi[] = { 100, INT32_MAX, INT32_MAX, INT32_MAX, 2, 1, 1 };
	struct swap_state *ss = swap_state(m);
	struct fault_attr *fa;
	long long v;
	int ret = parse_knob(m, names[k], text, len, lo[k], hi[k], &v);

	if (ret)
		return ret;
	if (!ss)
		return -KMM_EINVAL;
	fa = &ss->fail_io;
	spin_lock(&fa->lock);
	switch (k) {
	case FK_PROBABILITY:
		fa->probability = (unsigned long)v;
		break;
	case FK_INTERVAL:
		fa->interval = (unsigned long)v;
		fa->count = 0;
		break;
	case FK_TIMES:
		fa->times = (long)v;
		break;
	case FK_SPACE:
		fa->space = (long)v;
		break;
	case FK_VERBOSE:
		fa->verbose = (unsigned long)v;
		break;
	case FK_IGNORE_READS:
		fa->ignore_reads = v != 0;
		break;
	case FK_IGNORE_WRITES:
		fa->ignore_writes = v != 0;
		break;
	}
	spin_unlock(&fa->lock);
	return 0;
}

#define FAIL_KNOB(name, k)                                                                \
	static void fail_show_##name(struct kmm_machine *m, struct seq_buf *sb)           \
	{                                                                                 \
		fail_show(m, sb, k);                                                      \
	}                                                                                 \
	static int fail_write_##name(struct kmm_machine *m, const char *text, size_t len) \
	{                                                                                 \
		return fail_write(m, text, len, k);                                       \
	}
FAIL_KNOB(probability, FK_PROBABILITY)
FAIL_KNOB(interval, FK_INTERVAL)
FAIL_KNOB(times, FK_TIMES)
FAIL_KNOB(space, FK_SPACE)
FAIL_KNOB(verbose, FK_VERBOSE)
FAIL_KNOB(ignore_reads, FK_IGNORE_READS)
FAIL_KNOB(ignore_writes, FK_IGNORE_WRITES)

/* ---- vm.page-cluster and /sys/kernel/mm/swap/ ---------------------------------------------------- */

/* "true"/"false" as Linux's sysfs bools; also 1/0, y/n */
static int parse_bool_knob(struct kmm_machine *m, const char *name, const char *text, size_t len,
			   bool *out)
{
	while (len && (text[len - 1] == '\n' || text[len - 1] == ' '))
		len--;
	if ((len == 4 && !kmm_memcmp(text, "true", 4)) ||
	    (len == 1 && (*text == '1' || *text == 'y'))) {
		*out = true;
		return 0;
	}
	if ((len == 5 && !kmm_memcmp(text, "false", 5)) ||
	    (len == 1 && (*text == '0' || *text == 'n'))) {
		*out = false;
		return 0;
	}
	pr_warn(m, "%s: expected true or false", name);
	return -KMM_EINVAL;
}

/* A true/false knob of the swap state at @off (NULL before swap_init). */
static atomic_bool *swap_bool_knob(struct kmm_machine *m, size_t off)
{
	struct swap_state *ss = swap_state(m);

	return ss ? (atomic_bool *)(void *)((char *)ss + off) : NULL;
}

static void bool_knob_show(struct seq_buf *sb, atomic_bool *knob)
{
	seq_buf_puts(sb, knob && atomic_load(knob) ? "true\n" : "false\n");
}

static int bool_knob_write(struct kmm_machine *m, const char *name, atomic_bool *knob,
			   const char *text, size_t len)
{
	bool v;
	int ret = parse_bool_knob(m, name, text, len, &v);

	if (ret)
		return ret;
	if (!knob)
		return -KMM_EINVAL;
	atomic_store(knob, v);
	return 0;
}

#define VMA_RA_KNOB(m) swap_bool_knob(m, offsetof(struct swap_state, vma_ra_enabled))
#define FAULT_AROUND_KNOB(m) swap_bool_knob(m, offsetof(struct swap_state, fault_around))

static void vma_ra_show(struct kmm_machine *m, struct seq_buf *sb)
{
	bool_knob_show(sb, VMA_RA_KNOB(m));
}

static int vma_ra_write(struct kmm_machine *m, const char *text, size_t len)
{
	return bool_knob_write(m, "vma_ra_enabled", VMA_RA_KNOB(m), text, len);
}

static void fault_around_show(struct kmm_machine *m, struct seq_buf *sb)
{
	bool_knob_show(sb, FAULT_AROUND_KNOB(m));
}

static int fault_around_write(struct kmm_machine *m, const char *text, size_t len)
{
	return bool_knob_write(m, "fault_around", FAULT_AROUND_KNOB(m), text, len);
}

#define FAIL_DIR "/sys/kernel/debug/fail_swap_io/"
static const struct kmm_proc_file swap_files[] = {
	{ "/proc/swaps", swaps_show, NULL },
	{ "/sys/kernel/mm/swap/vma_ra_enabled", vma_ra_show, vma_ra_write },
	{ "/sys/kernel/mm/swap/fault_around", fault_around_show, fault_around_write },
	{ FAIL_DIR "ignore-reads", fail_show_ignore_reads, fail_write_ignore_reads },
	{ FAIL_DIR "ignore-writes", fail_show_ignore_writes, fail_write_ignore_writes },
	{ FAIL_DIR "interval", fail_show_interval, fail_write_interval },
	{ FAIL_DIR "probability", fail_show_probability, fail_write_probability },
	{ FAIL_DIR "space", fail_show_space, fail_write_space },
	{ FAIL_DIR "times", fail_show_times, fail_write_times },
	{ FAIL_DIR "verbose", fail_show_verbose, fail_write_verbose },
};

const struct kmm_proc_table proc_swap_table = {
	.files = swap_files,
	.nr_files = KMM_ARRAY_SIZE(swap_files),
};

/* ---- boot and shutdown ------------------------------------------------------------------------- */

int swap_init(struct kmm_machine *m)
{
	struct kmm_vm_state *vs = vm_state(m);
	struct swap_state *ss;

	if (!vs)
		return -KMM_EINVAL;
	ss = kmm_kzalloc(m, sizeof(*ss), GFP_KERNEL);
	if (!ss)
		return -KMM_ENOMEM;
	kmm_rwsem_init(&ss->swapon_sem);
	spin_lock_init(&ss->swap_lock);
	INIT_LIST_HEAD(&ss->avail_head);
	ss->least_priority = -1;
	atomic_init(&ss->nr_swap_pages, 0);
	atomic_init(&ss->total_swap_pages, 0);
	atomic_init(&ss->read_errors, 0);
	atomic_init(&ss->write_errors, 0);
	atomic_init(&ss->vma_ra_enabled, true);
	atomic_init(&ss->fault_around, true);
	spin_lock_init(&ss->fail_io.lock);
	ss->fail_io.probability = 100;
	ss->fail_io.interval = 1;
	ss->fail_io.times = 0;
	ss->fail_io.space = 0;
	ss->fail_io.verbose = 1;
	ss->fail_io.rnd = kmm_port_time_ns();
	vs->swap = ss;
	vs->swap_free_pte = swap_free_pte;
	vs->swap_dup_pte = swap_dup_pte;
	vs->do_swap_page = do_swap_page;
	return 0;
}

void swap_exit(struct kmm_machine *m)
{
	struct swap_state *ss = m ? swap_state(m) : NULL;

	if (!ss)
		return;
	down_write(&ss->swapon_sem);
	ss->shutdown = true;
	for (int type = 0; type < MAX_SWAPFILES; type++) {
		struct swap_info_struct *si = swap_type_info(ss, type);

		if (!si || !(atomic_load(&si->flags) & SWP_USED))
			continue;
		spin_lock(&ss->swap_lock);
		if (atomic_load(&si->flags) & SWP_WRITEOK) {
			long inuse = atomic_load(&si->inuse_pages);

			list_del_init(&si->avail_list);
			atomic_fetch_sub(&ss->nr_swap_pages, (long)si->pages - inuse);
			atomic_fetch_sub(&ss->total_swap_pages, (long)si->pages);
		}
		spin_unlock(&ss->swap_lock);
		/* pages still in the cache go away with the machine's memory */
		swap_teardown(m, ss, si);
	}
	up_write(&ss->swapon_sem);
}
