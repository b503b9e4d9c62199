/* SPDX-License-Identifier: MIT */
/*
 * src/mm/slab_debug.c - slab debugging and the slab error reports
 * (the debug half of mm/slub.c: slab_debug=FZPUT).
 *
 *   F  consistency checks on every alloc and free
 *   Z  red zones: a left pad and a right zone around each object, 0xcc
 *      while allocated, 0xbb while free
 *   P  poison: free objects hold 0x6b with 0xa5 in the last byte; new
 *      allocations are filled with 0x5a (use before init shows up)
 *   U  the last alloc and free of each object: caller, CPU, time
 *   T  a log line for every alloc and free
 *
 * Debug caches never use CPU arrays (slab.c routes them to the slab lists),
 * so these checks sit entirely off the fast path.  A corrupt object is
 * reported in the kernel's words and quarantined (never handed out again,
 * its slab never freed), so the cache stays consistent.  The reports for
 * double frees, wrong caches and bogus pointers, which any cache can hit,
 * live here too.
 *
 * Slot layout of a debug cache:
 *   [left red zone][object][right red zone][alloc track][free track][pad]
 */
#include "slab.h"

struct track {
	unsigned long caller;
	uint64_t when_ns;
	int cpu;
	int pid;
};

enum track_item { TRACK_ALLOC, TRACK_FREE };

static unsigned int red_left_pad(const struct kmem_cache *s)
{
	return (s->flags & SLAB_RED_ZONE) ? s->obj_offset : 0;
}

void slab_debug_layout(struct kmem_cache *s, unsigned int *size, unsigned int *obj_offset,
		       unsigned int *inuse)
{
	unsigned int a = s->align;
	unsigned int left = 0, end = s->object_size;
	if (s->flags & SLAB_RED_ZONE) {
		left = KMM_ALIGN_UP((unsigned)sizeof(void *), a);
		end = KMM_ALIGN_UP(s->object_size, 8u) + (unsigned)sizeof(void *);
	}
	unsigned int tracks = KMM_ALIGN_UP(end, 8u);
	if (s->flags & SLAB_STORE_USER)
		tracks += 2 * (unsigned)sizeof(struct track);
	*obj_offset = left;
	*inuse = end;
	*size = KMM_ALIGN_UP(left + tracks, a);
}

static struct track *get_track(const struct kmem_cache *s, void *obj, enum track_item t)
{
	return (struct track *)(void *)((unsigned char *)obj + KMM_ALIGN_UP(s->inuse, 8u)) + t;
}

static void set_track(struct kmem_cache *s, void *obj, enum track_item t, unsigned long caller)
{
	if (!(s->flags & SLAB_STORE_USER))
		return;
	struct track *tr = get_track(s, obj, t);
	tr->caller = caller;
	tr->when_ns = kmm_port_time_ns();
	tr->cpu = kmm_cpu_current(s->machine);
	tr->pid = 0;
}

static bool poison_ok(const struct kmem_cache *s)
{
	return (s->flags & SLAB_POISON) && !s->ctor;
}

/* Poison and red zones of a free object. */
static void init_free_object(struct kmem_cache *s, void *obj)
{
	unsigned char *p = obj;
	if (poison_ok(s)) {
		kmm_memset(p, POISON_FREE, s->object_size - 1);
		p[s->object_size - 1] = POISON_END;
	}
	if (s->flags & SLAB_RED_ZONE) {
		kmm_memset(p - red_left_pad(s), SLUB_RED_INACTIVE, red_left_pad(s));
		kmm_memset(p + s->object_size, SLUB_RED_INACTIVE, s->inuse - s->object_size);
	}
}

void slab_debug_init_object(struct kmem_cache *s, void *slot)
{
	void *obj = (unsigned char *)slot + s->obj_offset;
	init_free_object(s, obj);
	if (s->flags & SLAB_STORE_USER)
		kmm_memset(get_track(s, obj, TRACK_ALLOC), 0, 2 * sizeof(struct track));
}

/* ---- report helpers --------------------------------------------------------- */

static void print_section(struct kmm_machine *m, const char *text, const unsigned char *addr,
			  unsigned int len)
{
	char line[160];
	for (unsigned int off = 0; off < len; off += 16) {
		int n = kmm_snprintf(line, sizeof(line), "%s%p: ", text,
				     (const void *)(addr + off));
		unsigned int k = KMM_MIN(16u, len - off);
		for (unsigned i = 0; i < 16; i++)
			n += kmm_snprintf(line + n, sizeof(line) - (size_t)n,
					  i < k ? "%02x " : "   ", i < k ? addr[off + i] : 0);
		n += kmm_snprintf(line + n, sizeof(line) - (size_t)n, " ");
		for (unsigned i = 0; i < k; i++)
			line[n++] = (addr[off + i] >= 32 && addr[off + i] < 127) ?
					    (char)addr[off + i] :
					    '.';
		line[n] = '\0';
		pr_err(m, "%s", line);
	}
}

static void print_track(struct kmem_cache *s, const char *what, void *obj, enum track_item t)
{
	struct track *tr = get_track(s, obj, t);
	if (!tr->caller)
		return;
	uint64_t now = kmm_port_time_ns();
	pr_err(s->machine, "%s in 0x%lx age=%llu cpu=%d pid=%d", what, tr->caller,
	       (unsigned long long)((now - tr->when_ns) / 1000000u), tr->cpu, tr->pid);
}

static void slab_bug_header(struct kmem_cache *s, const char *what)
{
	struct kmm_machine *m = s->machine;
	pr_err(m, "=============================================================================");
	pr_err(m, "BUG %s (Not tainted): %s", s->name, what);
	pr_err(m, "-----------------------------------------------------------------------------");
	pr_err(m, " ");
}

static void print_slab_info(struct kmem_cache *s, struct slab *slab)
{
	char flags[128];
	format_page_flags(flags, sizeof(flags),
			  atomic_load_explicit(&slab->__page_flags, memory_order_relaxed));
	pr_err(s->machine, "Slab %p objects=%u used=%u fp=%p flags=%s", (void *)slab, s->num,
	       slab->mgmt ? slab->mgmt->active : 0,
	       slab->mgmt && slab->mgmt->active < s->num ? index_to_obj(s, slab, 0) : NULL, flags);
}

static void print_trailer(struct kmem_cache *s, struct slab *slab, unsigned char *obj)
{
	struct kmm_machine *m = s->machine;
	if (s->flags & SLAB_STORE_USER) {
		print_track(s, "Allocated", obj, TRACK_ALLOC);
		print_track(s, "Freed", obj, TRACK_FREE);
	}
	print_slab_info(s, slab);
	if (red_left_pad(s))
		print_section(m, "Redzone  ", obj - red_left_pad(s), red_left_pad(s));
	print_section(m, "Object   ", obj, KMM_MIN(s->object_size, 256u));
	if (s->flags & SLAB_RED_ZONE)
		print_section(m, "Redzone  ", obj + s->object_size, s->inuse - s->object_size);
}

static void slab_bug_footer(struct kmem_cache *s)
{
	int cpu = kmm_cpu_current(s->machine);
	pr_err(s->machine, "CPU: %d PID: 0 Comm: kmm Tainted: G    B", cpu < 0 ? 0 : cpu);
	atomic_fetch_add(&s->machine->nr_slab_reports, 1);
}

static void quarantine(struct kmem_cache *s, struct slab *slab, void *obj)
{
	int idx = obj_to_index(s, slab, obj);
	if (idx >= 0)
		atomic_store(&slab_states(s, slab->mgmt)[idx], OBJ_QUARANTINED);
	pr_err(s->machine, "FIX %s: Object at %p isolated (never reused)", s->name, obj);
}

/* ---- checks ---------------------------------------------------------------- */

/* First byte in [p, p+len) that is not @value, or NULL. */
static unsigned char *check_bytes(unsigned char *p, int value, unsigned int len)
{
	for (unsigned int i = 0; i < len; i++)
		if (p[i] != (unsigned char)value)
			return p + i;
	return NULL;
}

static bool check_bytes_and_report(struct kmem_cache *s, struct slab *slab, unsigned char *obj,
				   const char *what, unsigned char *start, int value,
				   unsigned int len)
{
	unsigned char *fault = check_bytes(start, value, len);
	if (!fault)
		return true;
	unsigned char *end = start + len;
	while (end > fault && end[-1] == (unsigned char)value)
		end--;
	slab_bug_header(s, what);
	pr_err(s->machine, "%p-%p @offset=%ld. First byte 0x%x instead of 0x%x", (void *)fault,
	       (void *)(end - 1), (long)(fault - obj), *fault, value);
	print_trailer(s, slab, obj);
	slab_bug_footer(s);
	return false;
}

/* Is the object intact for its state?  (SLUB check_object) */
static bool check_object(struct kmem_cache *s, struct slab *slab, unsigned char *obj, int red_value)
{
	bool ok = true;
	if (s->flags & SLAB_RED_ZONE) {
		ok &= check_bytes_and_report(s, slab, obj, "Left Redzone overwritten",
					     obj - red_left_pad(s), red_value, red_left_pad(s));
		ok &= check_bytes_and_report(s, slab, obj, "Right Redzone overwritten",
					     obj + s->object_size, red_value,
					     s->inuse - s->object_size);
	}
	if (red_value == SLUB_RED_INACTIVE && poison_ok(s)) {
		ok &= check_bytes_and_report(s, slab, obj, "Poison overwritten", obj, POISON_FREE,
					     s->object_size - 1) &&
		      check_bytes_and_report(s, slab, obj, "End Poison overwritten",
					     obj + s->object_size - 1, POISON_END, 1);
	}
	return ok;
}

bool slab_debug_alloc(struct kmem_cache *s, struct slab *slab, void *obj, unsigned long caller)
{
	unsigned char *p = obj;
	if ((s->flags & (SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE | SLAB_POISON)) &&
	    !check_object(s, slab, p, SLUB_RED_INACTIVE)) {
		quarantine(s, slab, obj);
		return false;
	}
	if (s->flags & SLAB_RED_ZONE) {
		kmm_memset(p - red_left_pad(s), SLUB_RED_ACTIVE, red_left_pad(s));
		kmm_memset(p + s->object_size, SLUB_RED_ACTIVE, s->inuse - s->object_size);
	}
	if (poison_ok(s))
		kmm_memset(p, POISON_INUSE, s->object_size);
	set_track(s, obj, TRACK_ALLOC, caller);
	if (s->flags & SLAB_TRACE)
		pr_info(s->machine, "TRACE %s alloc %p inuse=%u fp=%p", s->name, obj,
			slab->mgmt->active, (void *)0);
	return true;
}

bool slab_debug_free(struct kmem_cache *s, struct slab *slab, void *obj, unsigned long caller)
{
	unsigned char *p = obj;
	if ((s->flags & (SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE)) &&
	    !check_object(s, slab, p, SLUB_RED_ACTIVE)) {
		quarantine(s, slab, obj);
		return false;
	}
	if (s->flags & SLAB_TRACE)
		pr_info(s->machine, "TRACE %s free %p inuse=%u fp=%p", s->name, obj,
			slab->mgmt->active, (void *)0);
	set_track(s, obj, TRACK_FREE, caller);
	init_free_object(s, obj);
	return true;
}

/* ---- reports any cache can hit ----------------------------------------------------- */

void slab_report_bad_free(struct kmem_cache *s, struct slab *slab, const void *obj,
			  const char *reason, unsigned long caller)
{
	struct kmm_machine *m = s->machine;
	if (kmm_str_starts(reason, "Wrong slab cache") && slab && slab->slab_cache) {
		pr_err(m, "kmem_cache_free: Wrong slab cache. %s but object is from %s", s->name,
		       slab->slab_cache->name);
		pr_err(m, "WARNING: at 0x%lx: freeing %p to the wrong cache, object left alone",
		       caller, obj);
		atomic_fetch_add(&m->nr_slab_reports, 1);
		return;
	}
	if (!slab) {
		pr_err(m, "BUG %s (Not tainted): %s: %p freed from 0x%lx", s->name, reason, obj,
		       caller);
		atomic_fetch_add(&m->nr_slab_reports, 1);
		return;
	}
	slab_bug_header(s, reason);
	int idx = obj_to_index(s, slab, obj);
	unsigned char *base =
		idx >= 0 ? (unsigned char *)obj : (unsigned char *)slab->s_mem + s->obj_offset;
	pr_err(m, "Object %p freed from 0x%lx", obj, caller);
	print_trailer(s, slab, base);
	slab_bug_footer(s);
}

void slab_report_invalid(struct kmm_machine *m, const void *p, const char *what,
			 unsigned long caller)
{
	pr_err(m,
	       "BUG: %s: %p from 0x%lx (not an object of any cache, not a kmalloc "
	       "page block); nothing was freed",
	       what, p, caller);
	atomic_fetch_add(&m->nr_slab_reports, 1);
}

void slab_report_leak(struct kmem_cache *s, struct slab *slab, void *obj)
{
	struct kmm_machine *m = s->machine;
	pr_err(m, "BUG %s (Not tainted): Objects remaining in %s on __kmem_cache_shutdown()",
	       s->name, s->name);
	pr_err(m, "Object %p @offset=%lu", obj,
	       (unsigned long)((unsigned char *)obj -
			       (unsigned char *)kmm_page_address(m, slab_page(slab))));
	if (s->flags & SLAB_STORE_USER)
		print_track(s, "Allocated", obj, TRACK_ALLOC);
	atomic_fetch_add(&m->nr_slab_reports, 1);
}

void slab_report_freelist(struct kmem_cache *s, struct slab *slab, const char *why)
{
	slab_bug_header(s, "Freepointer corrupt");
	pr_err(s->machine, "%s", why);
	if (slab)
		print_slab_info(s, slab);
	slab_bug_footer(s);
}

/* Check every free object of a debug cache's slab (validate). */
unsigned long slab_debug_validate_slab(struct kmem_cache *s, struct slab *slab)
{
	unsigned long bad = 0;
	atomic_uchar *st = slab_states(s, slab->mgmt);
	for (unsigned i = 0; i < s->num; i++) {
		unsigned char v = atomic_load(&st[i]);
		unsigned char *obj = index_to_obj(s, slab, i);
		if (v == OBJ_FREE && !check_object(s, slab, obj, SLUB_RED_INACTIVE))
			bad++;
		else if (v == OBJ_ALLOCATED && (s->flags & SLAB_RED_ZONE) &&
			 !check_object(s, slab, obj, SLUB_RED_ACTIVE))
			bad++;
	}
	return bad;
}
