/* SPDX-License-Identifier: MIT */
/*
 * tests/kmm_test.h - helpers shared by the page-allocator tests: booting
 * with a captured log, snapshots of the buddy state, and the whole-machine
 * invariant checker.  Header-only; each test includes it once.
 */
#ifndef KMM_TEST_H
#define KMM_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"

/* ---- booting with a captured console ------------------------------------- */

struct logcap {
	char buf[1 << 18];
	size_t len;
};

static void logcap_console(void *ctx, int level, const char *line, size_t len)
{
	struct logcap *c = ctx;
	(void)level;
	if (c->len + len + 2 >= sizeof(c->buf))
		c->len = 0; /* keep the newest lines */
	memcpy(c->buf + c->len, line, len);
	c->len += len;
	c->buf[c->len++] = '\n';
	c->buf[c->len] = '\0';
}

static inline void logcap_clear(struct logcap *c)
{
	c->len = 0;
	c->buf[0] = '\0';
}

static inline bool logcap_has(const struct logcap *c, const char *s)
{
	return strstr(c->buf, s) != NULL;
}

/* Boot or fail the test; the console (loglevel 8: everything) goes to @cap. */
static inline struct kmm_machine *test_boot(const char *cmdline, struct logcap *cap)
{
	struct kmm_boot_opts o = { logcap_console, cap };
	struct kmm_machine *m = NULL;
	char err[512] = "";
	char full[1024];
	snprintf(full, sizeof(full), "%s%s", cap ? "loglevel=8 " : "", cmdline ? cmdline : "");
	if (cap)
		logcap_clear(cap);
	int ret = kmm_machine_boot(full, cap ? &o : NULL, &m, err, sizeof(err));
	if (ret)
		fail_msg("boot '%s' failed: %d %s", cmdline, ret, err);
	return m;
}

#define for_each_zone_m(m, nid, zt, z)                      \
	for ((nid) = 0; (nid) < (m)->nr_node_ids; (nid)++)  \
		for ((zt) = 0; (zt) < MAX_NR_ZONES; (zt)++) \
			if ((m)->node_data[nid] &&          \
			    ((z) = &(m)->node_data[nid]->node_zones[zt])->present_pages)

/* ---- snapshots ------------------------------------------------------------ */

struct buddy_snapshot {
	unsigned long nr_free[MAX_NUMNODES][MAX_NR_ZONES][NR_PAGE_ORDERS];
	long free_pages[MAX_NUMNODES][MAX_NR_ZONES];
};

static inline void snapshot_take(struct kmm_machine *m, struct buddy_snapshot *s)
{
	int nid, zt;
	struct zone *z;
	memset(s, 0, sizeof(*s));
	for_each_zone_m(m, nid, zt, z)
	{
		for (int o = 0; o < NR_PAGE_ORDERS; o++)
			s->nr_free[nid][zt][o] = z->free_area[o].nr_free;
		s->free_pages[nid][zt] = zone_page_state_snapshot(m, z, NR_FREE_PAGES);
	}
}

static inline bool snapshot_equal(const struct buddy_snapshot *a, const struct buddy_snapshot *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static inline long total_free_pages(struct kmm_machine *m)
{
	int nid, zt;
	struct zone *z;
	long n = 0;
	for_each_zone_m(m, nid, zt, z) n += zone_page_state_snapshot(m, z, NR_FREE_PAGES);
	return n;
}

/* ---- invariants ------------------------------------------------------------- */

/*
 * Walk every free list of every zone and check: each entry is a
 * PageBuddy head of its order, aligned, inside its zone, on exactly one
 * list, not overlapping any other free block; nr_free matches; the zone's
 * NR_FREE_PAGES (exact, per-CPU deltas included) equals the pages on the
 * non-isolate lists.  If @merged, also check that no two free buddies of
 * equal order could still merge.  Returns the number of free pages.
 */
static inline long check_invariants(struct kmm_machine *m, bool merged)
{
	unsigned char *seen = calloc((size_t)m->max_pfn, 1);
	assert_non_null(seen);
	long total = 0;
	int nid, zt;
	struct zone *z;
	for_each_zone_m(m, nid, zt, z)
	{
		long zone_free = 0;
		spin_lock(&z->lock);
		for (int o = 0; o < NR_PAGE_ORDERS; o++) {
			unsigned long blocks = 0;
			for (int t = 0; t < MIGRATE_TYPES; t++) {
				struct list_head *pos;
				list_for_each (pos, &z->free_area[o].free_list[t]) {
					struct page *p = list_entry(pos, struct page, lru);
					kmm_pfn_t pfn = kmm_page_to_pfn(m, p);
					if (!PageBuddy(p) || buddy_order(p) != (unsigned)o)
						fail_msg(
							"pfn %#llx on order-%d list: buddy=%d order=%u",
							(unsigned long long)pfn, o, PageBuddy(p),
							buddy_order(p));
					if (pfn & ((1UL << o) - 1))
						fail_msg("pfn %#llx misaligned for order %d",
							 (unsigned long long)pfn, o);
					if (!zone_spans_pfn(z, pfn) ||
					    !zone_spans_pfn(z, pfn + (1UL << o) - 1))
						fail_msg("pfn %#llx order %d outside zone %s",
							 (unsigned long long)pfn, o, z->name);
					if (kmm_page_zone(m, p) != z)
						fail_msg("pfn %#llx links to the wrong zone",
							 (unsigned long long)pfn);
					for (unsigned long i = 0; i < (1UL << o); i++) {
						if (seen[pfn + i])
							fail_msg("pfn %#llx in two free blocks",
								 (unsigned long long)(pfn + i));
						seen[pfn + i] = 1;
					}
					if (page_ref_count(p) != 0)
						fail_msg("free pfn %#llx has refcount %d",
							 (unsigned long long)pfn,
							 page_ref_count(p));
					blocks++;
					if (t != MIGRATE_ISOLATE)
						zone_free += 1L << o;
				}
			}
			if (blocks != z->free_area[o].nr_free)
				fail_msg("zone %s order %d: nr_free %lu but %lu blocks listed",
					 z->name, o, z->free_area[o].nr_free, blocks);
		}
		if (merged) {
			for (int o = 0; o < MAX_PAGE_ORDER; o++)
				for (int t = 0; t < MIGRATE_TYPES; t++) {
					struct list_head *pos;
					list_for_each (pos, &z->free_area[o].free_list[t]) {
						struct page *p = list_entry(pos, struct page, lru);
						kmm_pfn_t pfn = kmm_page_to_pfn(m, p);
						kmm_pfn_t b = pfn ^ (1UL << o);
						if (!kmm_pfn_valid(m, b))
							continue;
						struct page *bp = kmm_pfn_to_page(m, b);
						if (!PageBuddy(bp) ||
						    buddy_order(bp) != (unsigned)o ||
						    kmm_page_zone(m, bp) != z)
							continue;
						if (o >= pageblock_order &&
						    (get_pageblock_migratetype(m, p) >=
							     MIGRATE_PCPTYPES ||
						     get_pageblock_migratetype(m, bp) >=
							     MIGRATE_PCPTYPES))
							continue;
						fail_msg(
							"zone %s: buddies %#llx and %#llx of order %d "
							"both free but not merged",
							z->name, (unsigned long long)pfn,
							(unsigned long long)b, o);
					}
				}
		}
		spin_unlock(&z->lock);
		long counted = zone_page_state_snapshot(m, z, NR_FREE_PAGES);
		if (counted != zone_free)
			fail_msg("node %d zone %s: NR_FREE_PAGES %ld but %ld pages on free lists",
				 nid, z->name, counted, zone_free);
		total += zone_free;
	}
	free(seen);
	return total;
}

/* A scratch directory for host files (swap files, mapped files): made by
 * a cmocka group setup, removed with what is in it by the teardown. */
static inline int kmm_test_mkdtemp(char *dir, size_t size, const char *prefix)
{
	snprintf(dir, size, "/tmp/%sXXXXXX", prefix);
	return mkdtemp(dir) ? 0 : -1;
}

static inline int kmm_test_rmtree(const char *dir)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

#endif /* KMM_TEST_H */
