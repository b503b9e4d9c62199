/* SPDX-License-Identifier: MIT */
/*
 * src/mm/slab_common.c - what every cache shares: bootstrap of the cache
 * of caches, kmem_cache_create/destroy with merging of compatible caches,
 * the kmalloc caches and the kmalloc family, slab_debug= parsing
 * (mm/slab_common.c).
 *
 * Bootstrap, as in the kernel: the cache of caches ("kmem_cache") is set
 * up in pages straight from the buddy allocator, then every kmalloc cache
 * is created as an object of it.  Until the kmalloc caches exist the state
 * is PARTIAL and caches run without CPU arrays (their arrays are kmalloc
 * objects); kmem_cache_init() ends in state UP.
 */
#include "slab.h"
#include "mm/vmalloc.h"

/* ---- kmalloc size classes ------------------------------------------------ */

/* Linux kmalloc_size_index[]: sizes 8..192 in steps of 8 -> index. */
const unsigned char kmalloc_size_index[24] = {
	3, 4, 5, 5, 6, 6, 6, 6, /* 8 .. 64 */
	1, 1, 1, 1, 7, 7, 7, 7, /* 72 .. 128 */
	2, 2, 2, 2, 2, 2, 2, 2, /* 136 .. 192 */
};

#define KSI_2(x) x, x
#define KSI_4(x) KSI_2(x), KSI_2(x)
#define KSI_8(x) KSI_4(x), KSI_4(x)
#define KSI_16(x) KSI_8(x), KSI_8(x)
#define KSI_32(x) KSI_16(x), KSI_16(x)
#define KSI_64(x) KSI_32(x), KSI_32(x)
#define KSI_128(x) KSI_64(x), KSI_64(x)
#define KSI_256(x) KSI_128(x), KSI_128(x)
#define KSI_512(x) KSI_256(x), KSI_256(x)
const unsigned char kmalloc_size_index_8k[KMALLOC_MAX_CACHE_SIZE / 8] = {
	3,	     4,		  KSI_2(5),  KSI_4(6),	 KSI_4(1),    KSI_4(7), /* .. 128 */
	KSI_8(2),    KSI_8(8),	  KSI_32(9), KSI_64(10), KSI_128(11),		/* .. 2048 */
	KSI_256(12), KSI_512(13),						/* .. 8192 */
};
_Static_assert(sizeof(kmalloc_size_index_8k) == 1024, "kmalloc_size_index_8k covers 8 KiB");

static const unsigned int kmalloc_sizes[14] = { 0,   96,  192, 8,    16,   32,	 64,
						128, 256, 512, 1024, 2048, 4096, 8192 };

struct kmem_cache *kmalloc_slab(struct kmm_machine *m, size_t size, gfp_t gfp)
{
	return m->slab.kmalloc_caches[kmalloc_type(gfp)][kmalloc_index(size)];
}

/* ---- creating and destroying caches ------------------------------------------ */

static void slab_bug(struct kmm_machine *m, const char *name, const char *why)
{
	pr_err(m, "kmem_cache_create(%s) failed: %s", name ? name : "(null)", why);
}

/* slab_debug= applies to @name?  ("" = every cache) */
static unsigned debug_flags_for(struct kmm_machine *m, const char *name)
{
	if (!m->slab.debug_flags)
		return 0;
	if (!m->slab.debug_names[0])
		return m->slab.debug_flags;
	char key[40];
	kmm_snprintf(key, sizeof(key), ",%s,", name);
	const char *p = m->slab.debug_names;
	for (; *p; p++)
		if (kmm_str_starts(p, key))
			return m->slab.debug_flags;
	return 0;
}

/* An existing cache that can serve this request (Linux find_mergeable). */
static struct kmem_cache *find_mergeable(struct kmm_machine *m, unsigned int size,
					 unsigned int align, slab_flags_t flags,
					 void (*ctor)(void *), void (*dtor)(void *))
{
	const slab_flags_t nomerge = SLAB_NO_MERGE | SLAB_DEBUG_FLAGS;
	if (ctor || dtor || (flags & nomerge) || m->slab.state != SLAB_UP)
		return NULL;
	unsigned int a = calculate_alignment(flags, align, size);
	unsigned int slot = KMM_ALIGN_UP(size, a);
	const slab_flags_t same = SLAB_CACHE_DMA | SLAB_CACHE_DMA32 | SLAB_RECLAIM_ACCOUNT;
	struct list_head *pos;
	list_for_each (pos, &m->slab.caches) {
		struct kmem_cache *s = list_entry(pos, struct kmem_cache, list);
		if (s->ctor || s->dtor || (s->flags & nomerge) || s->refcount < 0)
			continue;
		/* objects start at s_mem + i * size: both must honour the alignment */
		if (s->size < slot || s->size - slot >= sizeof(void *) || (s->size & (a - 1)) ||
		    s->align < a)
			continue;
		if ((s->flags & same) != (flags & same))
			continue;
		return s;
	}
	return NULL;
}

static int check_create_args(struct kmm_machine *m, const char *name, size_t size, size_t align,
			     slab_flags_t flags)
{
	if (!name || !name[0] || kmm_strlen(name) >= 32) {
		slab_bug(m, name, "a name of 1 to 31 characters is required");
		return -KMM_EINVAL;
	}
	if (flags & ~SLAB_CREATE_MASK) {
		char msg[96];
		kmm_snprintf(msg, sizeof(msg), "unsupported flags 0x%x", flags & ~SLAB_CREATE_MASK);
		slab_bug(m, name, msg);
		return -KMM_EINVAL;
	}
	if (!size || size > KMM_PAGE_SIZE << PAGE_ALLOC_COSTLY_ORDER) {
		slab_bug(m, name, "object size must be 1 .. 32768 bytes");
		return -KMM_EINVAL;
	}
	if (align & (align - 1) || align > KMM_PAGE_SIZE) {
		slab_bug(m, name, "align must be 0 or a power of two up to 4096");
		return -KMM_EINVAL;
	}
	if ((flags & SLAB_CACHE_DMA) && (flags & SLAB_CACHE_DMA32)) {
		slab_bug(m, name, "SLAB_CACHE_DMA and SLAB_CACHE_DMA32 together");
		return -KMM_EINVAL;
	}
	return 0;
}

static struct kmem_cache *create_cache(struct kmm_machine *m, const char *name, size_t size,
				       size_t align, slab_flags_t flags, void (*ctor)(void *),
				       void (*dtor)(void *))
{
	struct kmem_cache *s = slab_alloc_nosheaf(m->slab.kmem_cache, GFP_KERNEL, -1);
	if (!s)
		return NULL;
	kmm_memset(s, 0, kmem_cache_struct_size(m));
	s->machine = m;
	flags |= debug_flags_for(m, name);
	if (kmm_slab_cache_setup(s, name, (unsigned)size, (unsigned)align, flags, ctor, dtor)) {
		slab_free(m->slab.kmem_cache, virt_to_slab(m, s), s, 0);
		return NULL;
	}
	return s;
}

struct kmem_cache *kmm_kmem_cache_create(struct kmm_machine *m, const char *name, size_t size,
					 size_t align, slab_flags_t flags, void (*ctor)(void *),
					 void (*dtor)(void *))
{
	struct kmem_cache *s = NULL;
	if (check_create_args(m, name, size, align, flags))
		goto fail;
	spin_lock(&m->slab.lock);
	struct list_head *pos;
	list_for_each (pos, &m->slab.caches) {
		struct kmem_cache *k = list_entry(pos, struct kmem_cache, list);
		bool taken = !kmm_strcmp(k->name, name);
		for (struct kmem_cache_alias *al = k->aliases; !taken && al; al = al->next)
			taken = !kmm_strcmp(al->name, name);
		if (taken) {
			spin_unlock(&m->slab.lock);
			slab_bug(m, name, "a cache of that name exists");
			goto fail;
		}
	}
	s = find_mergeable(m, (unsigned)size, (unsigned)align, flags | debug_flags_for(m, name),
			   ctor, dtor);
	if (s) {
		struct kmem_cache_alias *al = kmalloc_nosheaf(m, sizeof(*al), GFP_KERNEL);
		if (al) {
			s->refcount++;
			kmm_strlcpy(al->name, name, sizeof(al->name));
			al->next = s->aliases;
			s->aliases = al;
			spin_unlock(&m->slab.lock);
			return s;
		}
	}
	spin_unlock(&m->slab.lock);
	s = create_cache(m, name, size, align, flags, ctor, dtor);
	if (!s) {
		slab_bug(m, name, "out of memory");
		goto fail;
	}
	spin_lock(&m->slab.lock);
	list_add_tail(&s->list, &m->slab.caches);
	spin_unlock(&m->slab.lock);
	return s;
fail:
	if (flags & SLAB_PANIC) {
		pr_emerg(m,
			 "Kernel panic - not syncing: kmem_cache_create: Failed to create slab "
			 "'%s'",
			 name ? name : "(null)");
		kmm_port_abort();
	}
	return NULL;
}

const char *kmm_kmem_cache_name(const struct kmem_cache *s)
{
	return s->name;
}

size_t kmm_kmem_cache_size(const struct kmem_cache *s)
{
	return s->object_size;
}

struct kmem_cache *kmm_kmem_cache_find(struct kmm_machine *m, const char *name)
{
	struct kmem_cache *found = NULL;
	spin_lock(&m->slab.lock);
	struct list_head *pos;
	list_for_each (pos, &m->slab.caches) {
		struct kmem_cache *s = list_entry(pos, struct kmem_cache, list);
		if (!kmm_strcmp(s->name, name))
			found = s;
		for (struct kmem_cache_alias *a = s->aliases; !found && a; a = a->next)
			if (!kmm_strcmp(a->name, name))
				found = s;
		if (found)
			break;
	}
	spin_unlock(&m->slab.lock);
	return found;
}

void kmm_kmem_cache_destroy(struct kmem_cache *s)
{
	if (!s)
		return;
	struct kmm_machine *m = s->machine;
	spin_lock(&m->slab.lock);
	if (--s->refcount > 0) {
		/* an alias goes away; the cache stays */
		struct kmem_cache_alias *a = s->aliases;
		if (a)
			s->aliases = a->next;
		spin_unlock(&m->slab.lock);
		if (a)
			kfree_nosheaf(m, a);
		return;
	}
	spin_unlock(&m->slab.lock);
	unsigned long live = __kmem_cache_shutdown(s);
	if (live) {
		/* memory still in use stays: the cache lives on, listed */
		pr_err(m,
		       "kmem_cache_destroy %s: Slab cache still has objects when called from "
		       "kmm_kmem_cache_destroy",
		       s->name);
		spin_lock(&m->slab.lock);
		s->refcount = 1;
		spin_unlock(&m->slab.lock);
		return;
	}
	spin_lock(&m->slab.lock);
	list_del(&s->list);
	spin_unlock(&m->slab.lock);
	for (int cpu = 0; cpu < m->nr_cpu_ids; cpu++)
		if (s->cpu_slab[cpu].loaded || s->cpu_slab[cpu].prev)
			pr_err(m, "kmem_cache_destroy %s: CPU %d still holds an array", s->name,
			       cpu);
	slab_free(m->slab.kmem_cache, virt_to_slab(m, s), s, 0);
}

/* ---- the object API ------------------------------------------------------------ */

#define CALLER ((unsigned long)__builtin_return_address(0))

void *kmm_kmem_cache_alloc_node(struct kmem_cache *s, gfp_t gfp, int nid)
{
	return slab_alloc_node(s, gfp, nid, CALLER);
}

void *kmm_kmem_cache_zalloc(struct kmem_cache *s, gfp_t gfp)
{
	return slab_alloc_node(s, gfp | __GFP_ZERO, -1, CALLER);
}

int kmm_kmem_cache_alloc_bulk(struct kmem_cache *s, gfp_t gfp, size_t nr, void **p)
{
	for (size_t i = 0; i < nr; i++) {
		p[i] = slab_alloc_node(s, gfp, -1, CALLER);
		if (!p[i]) {
			kmm_kmem_cache_free_bulk(s, i, p);
			return 0;
		}
	}
	return (int)nr;
}

void kmm_kmem_cache_free_bulk(struct kmem_cache *s, size_t nr, void **p)
{
	for (size_t i = 0; i < nr; i++)
		kmm_kmem_cache_free(s, p[i]);
}

int kmm_kmem_cache_shrink(struct kmem_cache *s)
{
	return __kmem_cache_shrink(s);
}

struct kmem_cache *slab_first_cache(struct kmm_machine *m,
				    bool (*pred)(struct kmem_cache *k, void *arg), void *arg)
{
	struct kmem_cache *found = NULL;
	spin_lock(&m->slab.lock);
	struct list_head *pos;
	list_for_each (pos, &m->slab.caches) {
		struct kmem_cache *k = list_entry(pos, struct kmem_cache, list);
		if (pred(k, arg)) {
			found = k;
			break;
		}
	}
	spin_unlock(&m->slab.lock);
	return found;
}

/* Not shrunk yet this round; marks it (the list lock is held). */
static bool due_for_shrink(struct kmem_cache *k, void *machine)
{
	struct kmm_machine *m = machine;
	if (k->shrink_epoch == m->slab.shrink_epoch)
		return false;
	k->shrink_epoch = m->slab.shrink_epoch;
	return true;
}

/*
 * Shrink every cache until nothing more comes free (drop_caches' slab
 * half).  Several rounds: shrinking one cache frees its CPU arrays and
 * off-slab management blocks into kmalloc caches shrunk before it.
 */
unsigned long kmm_slab_shrink_all(struct kmm_machine *m)
{
	unsigned long total = 0;
	for (;;) {
		unsigned long freed = 0;
		spin_lock(&m->slab.lock);
		m->slab.shrink_epoch++; /* every cache is due once this round */
		spin_unlock(&m->slab.lock);
		for (;;) {
			/* one cache at a time, the list lock dropped while shrinking */
			struct kmem_cache *victim = slab_first_cache(m, due_for_shrink, m);
			if (!victim)
				break;
			freed += (unsigned long)__kmem_cache_shrink(victim);
		}
		total += freed;
		if (!freed)
			return total;
	}
}

/* ---- kmalloc ------------------------------------------------------------------ */

static unsigned get_order(size_t size)
{
	size_t pages = (size + KMM_PAGE_SIZE - 1) >> KMM_PAGE_SHIFT;
	return pages <= 1 ? 0 : kmm_fls64(pages - 1);
}

static void *kmalloc_large(struct kmm_machine *m, size_t size, gfp_t gfp, int nid)
{
	unsigned order = get_order(size);
	if (order > MAX_PAGE_ORDER) {
		if (!(gfp & __GFP_NOWARN))
			pr_warn(m, "WARNING: kmalloc(%zu): larger than the largest page block",
				size);
		return NULL;
	}
	gfp_t pgfp = (gfp & ~__GFP_ZERO) | __GFP_COMP;
	/* no node asked for: kmm_alloc_pages() has the per-CPU fast path */
	struct page *page = nid < 0 ? kmm_alloc_pages(m, pgfp, order) :
				      kmm_alloc_pages_node(m, nid, pgfp, order);
	if (!page)
		return NULL;
	mod_node_page_state(m, NODE_DATA(m, kmm_page_to_nid(page)), NR_SLAB_UNRECLAIMABLE_B,
			    (long)(KMM_PAGE_SIZE << order));
	void *p = kmm_page_address(m, page);
	if (gfp & __GFP_ZERO)
		kmm_memset(p, 0, size);
	return p;
}

static void *__kmalloc(struct kmm_machine *m, size_t size, gfp_t gfp, int nid, unsigned long caller)
{
	if (unlikely(size > KMALLOC_MAX_CACHE_SIZE))
		return kmalloc_large(m, size, gfp, nid);
	if (unlikely(!size))
		return ZERO_SIZE_PTR;
	struct kmem_cache *s = kmalloc_slab(m, size, gfp);
	void *p = slab_alloc_node(s, gfp & ~__GFP_ZERO, nid, caller);
	if (p && (gfp & __GFP_ZERO))
		kmm_memset(p, 0, size);
	return p;
}

/* kmalloc's slow cases: size 0 and sizes beyond the largest cache. */
void *kmalloc_slowpath(struct kmm_machine *m, size_t size, gfp_t gfp, unsigned long caller)
{
	return __kmalloc(m, size, gfp, -1, caller);
}

void *kmm_kmalloc_node(struct kmm_machine *m, size_t size, gfp_t gfp, int nid)
{
	return __kmalloc(m, size, gfp, nid, CALLER);
}

void *kmm_kzalloc(struct kmm_machine *m, size_t size, gfp_t gfp)
{
	return __kmalloc(m, size, gfp | __GFP_ZERO, -1, CALLER);
}

void *kmm_kmalloc_array(struct kmm_machine *m, size_t n, size_t size, gfp_t gfp)
{
	size_t bytes;
	if (__builtin_mul_overflow(n, size, &bytes)) {
		if (!(gfp & __GFP_NOWARN))
			pr_warn(m, "WARNING: kmalloc_array(%zu, %zu): size overflows", n, size);
		return NULL;
	}
	return __kmalloc(m, bytes, gfp, -1, CALLER);
}

void *kmm_kcalloc(struct kmm_machine *m, size_t n, size_t size, gfp_t gfp)
{
	return kmm_kmalloc_array(m, n, size, gfp | __GFP_ZERO);
}

/* The kmalloc cache slab of @p, or the compound head of a large buffer. */
static struct page *kmalloc_page(struct kmm_machine *m, const void *p)
{
	struct page *page = kmm_virt_to_page(m, p);
	return page ? compound_head(page) : NULL;
}

size_t kmm_ksize(struct kmm_machine *m, const void *p)
{
	if (ZERO_OR_NULL_PTR(p))
		return 0;
	struct page *page = kmalloc_page(m, p);
	if (!page)
		return 0;
	if (PageSlab(page)) {
		struct slab *slab = page_slab(page);
		struct kmem_cache *s = slab->slab_cache;
		int idx = obj_to_index(s, slab, p);
		if (idx < 0 || atomic_load(&slab_states(s, slab->mgmt)[idx]) != OBJ_ALLOCATED)
			return 0;
		return s->object_size;
	}
	if (PageHead(page) && kmm_page_address(m, page) == p)
		return KMM_PAGE_SIZE << compound_order(page);
	return 0;
}

/* kfree of something that is no slab object: a large buffer, or a bug. */
void kfree_large(struct kmm_machine *m, const void *p, unsigned long caller)
{
	struct page *page = kmalloc_page(m, p);
	if (page && PageHead(page) && kmm_page_address(m, page) == p && page_ref_count(page) > 0) {
		unsigned order = compound_order(page);
		mod_node_page_state(m, NODE_DATA(m, kmm_page_to_nid(page)), NR_SLAB_UNRECLAIMABLE_B,
				    -(long)(KMM_PAGE_SIZE << order));
		__kmm_free_pages(m, page, order);
		return;
	}
	slab_report_invalid(m, p, "kfree of a pointer kmalloc did not return", caller);
}

void *kmm_krealloc(struct kmm_machine *m, const void *p, size_t new_size, gfp_t gfp)
{
	if (!new_size) {
		kmm_kfree(m, p);
		return ZERO_SIZE_PTR;
	}
	size_t old = ZERO_OR_NULL_PTR(p) ? 0 : kmm_ksize(m, p);
	if (!ZERO_OR_NULL_PTR(p) && !old) {
		slab_report_invalid(m, p, "krealloc of a pointer kmalloc did not return", CALLER);
		return NULL;
	}
	if (old >= new_size) {
		if (gfp & __GFP_ZERO)
			kmm_memset((char *)p + new_size, 0, old - new_size);
		return (void *)p;
	}
	void *n = __kmalloc(m, new_size, gfp & ~__GFP_ZERO, -1, CALLER);
	if (!n)
		return NULL; /* the old buffer stays valid, as in the kernel */
	if (old)
		kmm_memcpy(n, p, old);
	if (gfp & __GFP_ZERO)
		kmm_memset((char *)n + old, 0, new_size - old);
	kmm_kfree(m, p);
	return n;
}

/* ---- kvmalloc: kmalloc, or vmalloc when that fails (mm/util.c) ------------------------ */

/* The largest kmalloc: one MAX_PAGE_ORDER block. */
#define KMALLOC_MAX_SIZE (KMM_PAGE_SIZE << MAX_PAGE_ORDER)

static void *kvmalloc_node_caller(struct kmm_machine *m, size_t size, gfp_t gfp, int nid,
				  unsigned long caller)
{
	gfp_t kmalloc_gfp = gfp;
	void *p = NULL;
	/*
	 * Above a page, kmalloc must not try hard (no retries, no OOM) nor
	 * warn: vmalloc is the fallback.  Up to a page it is kmalloc only.
	 */
	if (size > KMM_PAGE_SIZE) {
		kmalloc_gfp |= __GFP_NOWARN;
		if (!(kmalloc_gfp & __GFP_RETRY_MAYFAIL))
			kmalloc_gfp |= __GFP_NORETRY;
		kmalloc_gfp &= ~__GFP_NOFAIL;
	}
	if (size <= KMALLOC_MAX_SIZE)
		p = __kmalloc(m, size, kmalloc_gfp, nid, caller);
	if (p || size <= KMM_PAGE_SIZE)
		return p;
	/* vmalloc may sleep (page tables, the host mapping): not for atomic callers */
	if (!gfpflags_allow_blocking(gfp))
		return NULL;
	if (size > (size_t)INT32_MAX) {
		if (!(gfp & __GFP_NOWARN))
			pr_warn(m, "WARNING: kvmalloc(%zu): larger than INT_MAX", size);
		return NULL;
	}
	return vmalloc_node_caller_ip(m, size, 1, gfp, nid, caller);
}

void *kmm_kvmalloc(struct kmm_machine *m, size_t size, gfp_t gfp)
{
	return kvmalloc_node_caller(m, size, gfp, -1, CALLER);
}

void *kmm_kvmalloc_node(struct kmm_machine *m, size_t size, gfp_t gfp, int nid)
{
	return kvmalloc_node_caller(m, size, gfp, nid, CALLER);
}

void *kmm_kvzalloc(struct kmm_machine *m, size_t size, gfp_t gfp)
{
	return kvmalloc_node_caller(m, size, gfp | __GFP_ZERO, -1, CALLER);
}

/* vmalloc addresses go to vfree, everything else to kfree (and its checks). */
void kmm_kvfree(struct kmm_machine *m, const void *p)
{
	if (kmm_is_vmalloc_addr(m, p))
		vfree_caller_ip(m, p, CALLER);
	else
		kmm_kfree(m, p);
}

size_t kmm_kvsize(struct kmm_machine *m, const void *p)
{
	return kmm_is_vmalloc_addr(m, p) ? kmm_vmalloc_size(m, p) : kmm_ksize(m, p);
}

void *kmalloc_nosheaf(struct kmm_machine *m, size_t size, gfp_t gfp)
{
	if (size > KMALLOC_MAX_CACHE_SIZE || !size)
		return NULL;
	struct kmem_cache *s = kmalloc_slab(m, size, GFP_KERNEL);
	return slab_alloc_nosheaf(s, (gfp & ~__GFP_ZERO) | __GFP_NOWARN, -1);
}

void kfree_nosheaf(struct kmm_machine *m, void *p)
{
	struct slab *slab = virt_to_slab(m, p);
	slab_free_nosheaf(slab->slab_cache, slab, p);
}

/* ---- boot ---------------------------------------------------------------------- */

static struct kmem_cache *create_boot_cache(struct kmm_machine *m, const char *name,
					    unsigned int size, slab_flags_t flags)
{
	/* kmalloc of a power of two is naturally aligned, as in Linux */
	unsigned int align = (size & (size - 1)) ? 0 : KMM_MIN(size, (unsigned)KMM_PAGE_SIZE);
	struct kmem_cache *s = create_cache(m, name, size, align, flags, NULL, NULL);
	if (!s)
		return NULL;
	list_add_tail(&s->list, &m->slab.caches);
	return s;
}

int kmem_cache_init(struct kmm_machine *m)
{
	struct kmm_slab_state *st = &m->slab;
	for (int i = 0; i < m->nr_cpu_ids; i++)
		m->cpus[i].slab_cpu_off = KMEM_CACHE_CPU_OFF + i * sizeof(struct kmem_cache_cpu);
	/* host memory, zero until written: untouched parts cost nothing */
	st->pfn_slab_bytes =
		KMM_ALIGN_UP((size_t)m->max_pfn * sizeof(*st->pfn_slab), (size_t)KMM_PAGE_SIZE);
	int ret = kmm_port_mem_reserve(st->pfn_slab_bytes, (void **)&st->pfn_slab);
	if (ret) {
		st->pfn_slab = NULL;
		return ret;
	}
	spin_lock_init(&st->lock);
	INIT_LIST_HEAD(&st->caches);
	atomic_store(&st->rng, kmm_port_time_ns() ^ (uintptr_t)m ^ 0x853c49e6748fea9bULL);
	/* the cache of caches lives in pages of its own, outside any slab */
	size_t bytes = kmem_cache_struct_size(m);
	struct kmem_cache *kc = kmm_alloc_pages_exact(m, bytes, GFP_KERNEL | __GFP_ZERO);
	kc->machine = m;
	/* slab memory too: counted in Slab/SUnreclaim like every cache's pages */
	mod_node_page_state(m, NODE_DATA(m, kmm_page_to_nid(kmm_virt_to_page(m, kc))),
			    NR_SLAB_UNRECLAIMABLE_B,
			    (long)KMM_ALIGN_UP(bytes, (size_t)KMM_PAGE_SIZE));
	kmm_slab_cache_setup(kc, "kmem_cache", (unsigned)bytes, 64,
			     SLAB_HWCACHE_ALIGN | debug_flags_for(m, "kmem_cache"), NULL, NULL);
	st->kmem_cache = kc;
	list_add_tail(&kc->list, &st->caches);
	st->state = SLAB_PARTIAL;

	static const char *const prefix[NR_KMALLOC_TYPES] = { "kmalloc-", "kmalloc-rcl-",
							      "dma-kmalloc-" };
	static const slab_flags_t tflags[NR_KMALLOC_TYPES] = { 0, SLAB_RECLAIM_ACCOUNT,
							       SLAB_CACHE_DMA };
	/* small sizes first: off-slab management of bigger ones needs them */
	static const unsigned char order_idx[] = { 3, 4, 5, 6, 1, 7, 2, 8, 9, 10, 11, 12, 13 };
	for (int t = 0; t < NR_KMALLOC_TYPES; t++) {
		for (unsigned i = 0; i < KMM_ARRAY_SIZE(order_idx); i++) {
			unsigned idx = order_idx[i], size = kmalloc_sizes[idx];
			char name[32];
			if (size >= 1024)
				kmm_snprintf(name, sizeof(name), "%s%uk", prefix[t], size >> 10);
			else
				kmm_snprintf(name, sizeof(name), "%s%u", prefix[t], size);
			st->kmalloc_caches[t][idx] =
				create_boot_cache(m, name, size, SLAB_KMALLOC | tflags[t]);
		}
	}
	st->state = SLAB_UP;
	struct list_head *pos;
	list_for_each (pos, &st->caches) {
		struct kmem_cache *k = list_entry(pos, struct kmem_cache, list);
		k->fastpath = !slab_debug_on(k);
	}
	pr_info(m, "SLUB: HWalign=64, Order=0-%d, MinObjects=0, CPUs=%d, Nodes=%d",
		PAGE_ALLOC_COSTLY_ORDER, m->nr_cpu_ids, m->nr_node_ids);
	return 0;
}

/* slab_debug=[FZPUT][,cache,...] (also slub_debug=) */
int kmm_parse_slab_debug(struct kmm_machine *m, const char *arg, const char *end)
{
	unsigned flags = 0;
	const char *p = arg;
	if (p == end || *p == ',') {
		flags = SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER;
	} else {
		for (; p < end && *p != ','; p++) {
			switch (*p) {
			case 'F':
			case 'f':
				flags |= SLAB_CONSISTENCY_CHECKS;
				break;
			case 'Z':
			case 'z':
				flags |= SLAB_RED_ZONE;
				break;
			case 'P':
			case 'p':
				flags |= SLAB_POISON;
				break;
			case 'U':
			case 'u':
				flags |= SLAB_STORE_USER;
				break;
			case 'T':
			case 't':
				flags |= SLAB_TRACE;
				break;
			case '-':
				break; /* "-": debugging off */
			default:
				return -KMM_EINVAL;
			}
		}
	}
	m->slab.debug_flags = flags;
	m->slab.debug_names[0] = '\0';
	if (p < end && *p == ',' && p + 1 < end) {
		if ((size_t)(end - p) + 2 >= sizeof(m->slab.debug_names))
			return -KMM_EINVAL;
		kmm_snprintf(m->slab.debug_names, sizeof(m->slab.debug_names), "%.*s,",
			     (int)(end - p), p);
	}
	return 0;
}
