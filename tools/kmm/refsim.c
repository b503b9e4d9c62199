/* SPDX-License-Identifier: MIT */
/*
 * tools/kmm/refsim.c - the reference simulator (see refsim.h).
 *
 * Every policy keeps its state in per-page arrays indexed by dense id: a
 * state byte (resident, dirty, referenced bits, which list) and, for the
 * list-based policies, doubly linked lists threaded through prev/next id
 * arrays (a page is on at most one list at a time, except LIRS's queue Q,
 * which has links of its own).  Lists run from head (most recent) to tail.
 */
#include "refsim.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define NIL UINT32_MAX
#define NEVER UINT32_MAX

/* state byte */
#define S_RES 0x01   /* resident */
#define S_DIRTY 0x02 /* written since loaded */
#define S_REF 0x04   /* clock: referenced bit; linux: accessed (A) bit */
#define S_PGREF 0x08 /* linux: PG_referenced */
#define S_W_SHIFT 4  /* which list (policy-specific), bits 4-5 */
#define S_W_MASK 0x30
#define S_LIR 0x40 /* lirs: LIR status */
#define S_INQ 0x80 /* lirs: on queue Q */

/* list ids: 2q */
enum { W_NONE, W_A1IN, W_AM, W_A1OUT };
/* arc */
enum { W_T1 = 0, W_T2 = 1, W_B1 = 2, W_B2 = 3 };
/* linux */
enum { W_INACTIVE = 1, W_ACTIVE = 2 };
/* lirs: S_W bit 0 = on the stack S */
#define S_INS (1u << S_W_SHIFT)

static const char *const policy_names[REFSIM_NR_POLICIES] = {
	[REFSIM_OPT] = "opt",	[REFSIM_LRU] = "lru",	[REFSIM_CLOCK] = "clock",
	[REFSIM_FIFO] = "fifo", [REFSIM_2Q] = "2q",	[REFSIM_LINUX] = "linux",
	[REFSIM_ARC] = "arc",	[REFSIM_LIRS] = "lirs",
};

const char *refsim_policy_name(int policy)
{
	if (policy < 0 || policy >= REFSIM_NR_POLICIES)
		return NULL;
	return policy_names[policy];
}

int refsim_policy_parse(const char *name)
{
	for (int i = 0; i < REFSIM_NR_POLICIES; i++)
		if (!strcmp(name, policy_names[i]))
			return i;
	return -1;
}

uint32_t refsim_frames_for_pct(double pct, uint64_t footprint)
{
	/* round half up, as the README's F values (748.5 -> 749) */
	double f = pct * (double)footprint / 100.0 + 0.5;

	if (f < 1)
		return 1;
	if (f > (double)UINT32_MAX)
		return UINT32_MAX;
	return (uint32_t)f;
}

/* ---- lists ----------------------------------------------------------------------- */

struct dlist {
	uint32_t head, tail, size;
};

static inline void dl_init(struct dlist *l)
{
	l->head = l->tail = NIL;
	l->size = 0;
}

static inline void dl_push_head(uint32_t *prev, uint32_t *next, struct dlist *l, uint32_t x)
{
	prev[x] = NIL;
	next[x] = l->head;
	if (l->head != NIL)
		prev[l->head] = x;
	else
		l->tail = x;
	l->head = x;
	l->size++;
}

static inline void dl_push_tail(uint32_t *prev, uint32_t *next, struct dlist *l, uint32_t x)
{
	next[x] = NIL;
	prev[x] = l->tail;
	if (l->tail != NIL)
		next[l->tail] = x;
	else
		l->head = x;
	l->tail = x;
	l->size++;
}

static inline void dl_remove(uint32_t *prev, uint32_t *next, struct dlist *l, uint32_t x)
{
	uint32_t p = prev[x], n = next[x];

	if (p != NIL)
		next[p] = n;
	else
		l->head = n;
	if (n != NIL)
		prev[n] = p;
	else
		l->tail = p;
	l->size--;
}

static inline uint32_t dl_pop_tail(uint32_t *prev, uint32_t *next, struct dlist *l)
{
	uint32_t x = l->tail;

	dl_remove(prev, next, l, x);
	return x;
}

static inline void dl_move_head(uint32_t *prev, uint32_t *next, struct dlist *l, uint32_t x)
{
	if (l->head == x)
		return;
	dl_remove(prev, next, l, x);
	dl_push_head(prev, next, l, x);
}

/* ---- the simulator state ------------------------------------------------------------ */

struct refsim_sim {
	int policy;
	uint32_t frames;
	uint64_t faults, writebacks;

	uint32_t cap; /* per-page arrays hold ids below cap */
	uint8_t *st;
	uint32_t *prev, *next;	 /* list links */
	uint32_t *qprev, *qnext; /* lirs: Q links */
	uint32_t *pos;		 /* opt: heap slot of a resident page */

	uint32_t *frame; /* fifo/clock: the frames; opt: the heap (ids) */
	uint64_t *hkey;	 /* opt: heap keys */
	uint32_t nr_res;
	uint32_t hand;
	struct dlist l[4];

	/* 2q */
	uint32_t kin, kout;
	/* arc */
	uint32_t p;
	/* lirs */
	uint32_t lhirs, llirs, nr_lir;
};

struct refsim_sim *refsim_sim_create(int policy, uint32_t frames)
{
	struct refsim_sim *s;

	if (frames == 0 || !refsim_policy_name(policy))
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->policy = policy;
	s->frames = frames;
	for (int i = 0; i < 4; i++)
		dl_init(&s->l[i]);
	if (policy == REFSIM_FIFO || policy == REFSIM_CLOCK || policy == REFSIM_OPT) {
		s->frame = malloc((size_t)frames * sizeof(*s->frame));
		if (!s->frame) {
			free(s);
			return NULL;
		}
	}
	if (policy == REFSIM_OPT) {
		s->hkey = malloc((size_t)frames * sizeof(*s->hkey));
		if (!s->hkey) {
			free(s->frame);
			free(s);
			return NULL;
		}
	}
	s->kin = frames / 4;
	s->kout = frames / 2;
	s->lhirs = frames / 100 > 1 ? frames / 100 : 1;
	s->llirs = frames > s->lhirs ? frames - s->lhirs : 0;
	return s;
}

void refsim_sim_destroy(struct refsim_sim *s)
{
	if (!s)
		return;
	free(s->st);
	free(s->prev);
	free(s->next);
	free(s->qprev);
	free(s->qnext);
	free(s->pos);
	free(s->frame);
	free(s->hkey);
	free(s);
}

static int grow(void **p, size_t elem, uint32_t old, uint32_t cap)
{
	void *n = realloc(*p, (size_t)cap * elem);

	if (!n)
		return -1;
	memset((char *)n + (size_t)old * elem, 0, (size_t)(cap - old) * elem);
	*p = n;
	return 0;
}

int refsim_sim_reserve(struct refsim_sim *s, uint32_t nr_pages)
{
	uint32_t cap = s->cap ? s->cap : 1024;
	int p = s->policy;

	if (nr_pages <= s->cap)
		return 0;
	while (cap < nr_pages)
		cap = cap > UINT32_MAX / 2 ? UINT32_MAX - 1 : cap * 2;
	if (grow((void **)&s->st, 1, s->cap, cap))
		return -1;
	if (p == REFSIM_LRU || p == REFSIM_2Q || p == REFSIM_LINUX || p == REFSIM_ARC ||
	    p == REFSIM_LIRS) {
		if (grow((void **)&s->prev, 4, s->cap, cap) ||
		    grow((void **)&s->next, 4, s->cap, cap))
			return -1;
	}
	if (p == REFSIM_LIRS) {
		if (grow((void **)&s->qprev, 4, s->cap, cap) ||
		    grow((void **)&s->qnext, 4, s->cap, cap))
			return -1;
	}
	if (p == REFSIM_OPT && grow((void **)&s->pos, 4, s->cap, cap))
		return -1;
	s->cap = cap;
	return 0;
}

uint64_t refsim_sim_faults(const struct refsim_sim *s)
{
	return s->faults;
}

uint64_t refsim_sim_writebacks(const struct refsim_sim *s)
{
	return s->writebacks;
}

static inline uint8_t dirty_if(uint32_t ref)
{
	return (uint8_t)((ref & 1) << 1); /* S_DIRTY */
}

/* Evict @v: a writeback if dirty; its state becomes @keep. */
static inline void evict(struct refsim_sim *s, uint32_t v, uint8_t keep)
{
	s->writebacks += (s->st[v] & S_DIRTY) >> 1;
	s->st[v] = keep;
}

/* ---- opt ---------------------------------------------------------------------------- */

/*
 * A max-heap of the resident pages keyed by their next use (the index of
 * the page's next reference; NEVER_KEY for a page not used again).  Finite
 * keys are unique; among pages never used again the heap's own order
 * decides: sift-up stops below an equal parent, sift-down prefers the left
 * child on a tie and stops at an equal child.  reference_faults.csv's
 * writebacks were computed with exactly this heap, so they match.
 */
#define NEVER_KEY UINT64_MAX

static inline void heap_set(struct refsim_sim *s, uint32_t i, uint32_t id, uint64_t key)
{
	s->frame[i] = id;
	s->hkey[i] = key;
	s->pos[id] = i;
}

static inline void heap_up(struct refsim_sim *s, uint32_t i)
{
	uint32_t id = s->frame[i];
	uint64_t key = s->hkey[i];

	while (i) {
		uint32_t parent = (i - 1) / 2;
		if (s->hkey[parent] >= key)
			break;
		heap_set(s, i, s->frame[parent], s->hkey[parent]);
		i = parent;
	}
	heap_set(s, i, id, key);
}

static inline void heap_down(struct refsim_sim *s, uint32_t i)
{
	uint32_t n = s->nr_res, id = s->frame[i];
	uint64_t key = s->hkey[i];

	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && s->hkey[c + 1] > s->hkey[c])
			c++;
		if (s->hkey[c] <= key)
			break;
		heap_set(s, i, s->frame[c], s->hkey[c]);
		i = c;
	}
	heap_set(s, i, id, key);
}

static void feed_opt(struct refsim_sim *s, const uint32_t *refs, const uint32_t *next, size_t n)
{
	uint8_t *st = s->st;

	for (size_t i = 0; i < n; i++) {
		uint32_t r = refs[i], id = r >> 1, nx = next[i];
		uint64_t key = nx != NEVER ? nx : NEVER_KEY;

		if (st[id] & S_RES) {
			st[id] |= dirty_if(r);
			s->hkey[s->pos[id]] = key;
			heap_up(s, s->pos[id]);
			continue;
		}
		s->faults++;
		if (s->nr_res == s->frames) {
			evict(s, s->frame[0], 0);
			heap_set(s, 0, id, key);
			st[id] = S_RES | dirty_if(r);
			heap_down(s, 0);
		} else {
			heap_set(s, s->nr_res++, id, key);
			st[id] = S_RES | dirty_if(r);
			heap_up(s, s->nr_res - 1);
		}
	}
}

/* ---- lru ---------------------------------------------------------------------------- */

static void feed_lru(struct refsim_sim *s, const uint32_t *refs, size_t n)
{
	uint8_t *st = s->st;
	uint32_t *prev = s->prev, *next = s->next;
	struct dlist *l = &s->l[0];

	for (size_t i = 0; i < n; i++) {
		uint32_t r = refs[i], id = r >> 1;

		if (st[id] & S_RES) {
			st[id] |= dirty_if(r);
			dl_move_head(prev, next, l, id);
			continue;
		}
		s->faults++;
		if (s->nr_res == s->frames)
			evict(s, dl_pop_tail(prev, next, l), 0);
		else
			s->nr_res++;
		dl_push_head(prev, next, l, id);
		st[id] = S_RES | dirty_if(r);
	}
}

/* ---- fifo --------------------------------------------------------------------------- */

static void feed_fifo(struct refsim_sim *s, const uint32_t *refs, size_t n)
{
	uint8_t *st = s->st;

	for (size_t i = 0; i < n; i++) {
		uint32_t r = refs[i], id = r >> 1;

		if (st[id] & S_RES) {
			st[id] |= dirty_if(r);
			continue;
		}
		s->faults++;
		if (s->nr_res == s->frames) {
			evict(s, s->frame[s->hand], 0);
			s->frame[s->hand] = id;
			if (++s->hand == s->frames)
				s->hand = 0;
		} else {
			s->frame[s->nr_res++] = id;
		}
		st[id] = S_RES | dirty_if(r);
	}
}

/* ---- clock -------------------------------------------------------------------------- */

/* Frames in a circle filled in order; the hand starts at frame 0 and
 * moves on past the page it just loaded. */
static void feed_clock(struct refsim_sim *s, const uint32_t *refs, size_t n)
{
	uint8_t *st = s->st;

	for (size_t i = 0; i < n; i++) {
		uint32_t r = refs[i], id = r >> 1, v;

		if (st[id] & S_RES) {
			st[id] |= S_REF | dirty_if(r);
			continue;
		}
		s->faults++;
		if (s->nr_res < s->frames) {
			s->frame[s->nr_res++] = id;
			st[id] = S_RES | S_REF | dirty_if(r);
			continue;
		}
		for (;;) {
			v = s->frame[s->hand];
			if (!(st[v] & S_REF))
				break;
			st[v] &= (uint8_t)~S_REF;
			if (++s->hand == s->frames)
				s->hand = 0;
		}
		evict(s, v, 0);
		s->frame[s->hand] = id;
		st[id] = S_RES | S_REF | dirty_if(r);
		if (++s->hand == s->frames)
			s->hand = 0;
	}
}

/* ---- 2q ------------------------------------------------------------------------------ */

static inline unsigned where(const uint8_t *st, uint32_t id)
{
	return (st[id] & S_W_MASK) >> S_W_SHIFT;
}

static inline uint8_t in_list(unsigned w)
{
	return (uint8_t)(w << S_W_SHIFT);
}

/* Johnson & Shasha's reclaimfor(): a frame for the page being loaded. */
static void twoq_reclaim(struct refsim_sim *s)
{
	uint32_t *prev = s->prev, *next = s->next, y;

	if (s->nr_res < s->frames) {
		s->nr_res++;
		return;
	}
	if (s->l[W_A1IN].size > s->kin) {
		y = dl_pop_tail(prev, next, &s->l[W_A1IN]);
		evict(s, y, in_list(W_A1OUT));
		dl_push_head(prev, next, &s->l[W_A1OUT], y);
		if (s->l[W_A1OUT].size > s->kout)
			s->st[dl_pop_tail(prev, next, &s->l[W_A1OUT])] = 0;
	} else {
		evict(s, dl_pop_tail(prev, next, &s->l[W_AM]), 0);
	}
}

static void feed_2q(struct refsim_sim *s, const uint32_t *refs, size_t n)
{
	uint8_t *st = s->st;
	uint32_t *prev = s->prev, *next = s->next;

	for (size_t i = 0; i < n; i++) {
		uint32_t r = refs[i], id = r >> 1;

		switch (where(st, id)) {
		case W_AM:
			st[id] |= dirty_if(r);
			dl_move_head(prev, next, &s->l[W_AM], id);
			continue;
		case W_A1IN:
			st[id] |= dirty_if(r);
			continue;
		case W_A1OUT:
			s->faults++;
			dl_remove(prev, next, &s->l[W_A1OUT], id);
			st[id] = 0;
			twoq_reclaim(s);
			dl_push_head(prev, next, &s->l[W_AM], id);
			st[id] = S_RES | dirty_if(r) | in_list(W_AM);
			continue;
		default:
			s->faults++;
			twoq_reclaim(s);
			dl_push_head(prev, next, &s->l[W_A1IN], id);
			st[id] = S_RES | dirty_if(r) | in_list(W_A1IN);
		}
	}
}

/* ---- linux: the active/inactive two-list model ------------------------------------------ */

static void linux_reclaim(struct refsim_sim *s)
{
	uint8_t *st = s->st;
	uint32_t *prev = s->prev, *next = s->next;
	struct dlist *inact = &s->l[W_INACTIVE], *act = &s->l[W_ACTIVE];

	for (;;) {
		uint32_t v;

		/* shrink_active_list: deactivate, clearing the accessed bit */
		while (inact->size < act->size) {
			v = dl_pop_tail(prev, next, act);
			st[v] = (uint8_t)((st[v] & ~(S_REF | S_W_MASK)) | in_list(W_INACTIVE));
			dl_push_head(prev, next, inact, v);
		}
		/* shrink_folio_list on the inactive tail (folio_check_references) */
		v = inact->tail;
		if (!(st[v] & S_REF)) {
			dl_remove(prev, next, inact, v);
			evict(s, v, 0);
			return;
		}
		if (st[v] & S_PGREF) { /* activate; PG_referenced stays set */
			dl_remove(prev, next, inact, v);
			st[v] = (uint8_t)((st[v] & ~(S_REF | S_W_MASK)) | in_list(W_ACTIVE));
			dl_push_head(prev, next, act, v);
		} else {
			st[v] = (uint8_t)((st[v] & ~S_REF) | S_PGREF);
			dl_move_head(prev, next, inact, v);
		}
	}
}

static void feed_linux(struct refsim_sim *s, const uint32_t *refs, size_t n)
{
	uint8_t *st = s->st;

	for (size_t i = 0; i < n; i++) {
		uint32_t r = refs[i], id = r >> 1;

		if (st[id] & S_RES) {
			st[id] |= S_REF | dirty_if(r);
			continue;
		}
		s->faults++;
		if (s->nr_res == s->frames)
			linux_reclaim(s);
		else
			s->nr_res++;
		dl_push_head(s->prev, s->next, &s->l[W_INACTIVE], id);
		st[id] = S_RES | S_REF | dirty_if(r) | in_list(W_INACTIVE);
	}
}

/* ---- arc ------------------------------------------------------------------------------- */

/* REPLACE(x, p): evict the LRU page of T1 (into B1) or of T2 (into B2). */
static void arc_replace(struct refsim_sim *s, bool in_b2)
{
	uint32_t *prev = s->prev, *next = s->next, v;
	uint32_t t1 = s->l[W_T1].size;

	if (t1 >= 1 && ((in_b2 && t1 == s->p) || t1 > s->p || !s->l[W_T2].size)) {
		v = dl_pop_tail(prev, next, &s->l[W_T1]);
		evict(s, v, in_list(W_B1));
		dl_push_head(prev, next, &s->l[W_B1], v);
	} else {
		v = dl_pop_tail(prev, next, &s->l[W_T2]);
		evict(s, v, in_list(W_B2));
		dl_push_head(prev, next, &s->l[W_B2], v);
	}
}

static void feed_arc(struct refsim_sim *s, const uint32_t *refs, size_t n)
{
	uint8_t *st = s->st;
	uint32_t *prev = s->prev, *next = s->next, c = s->frames;
	struct dlist *t1 = &s->l[W_T1], *t2 = &s->l[W_T2], *b1 = &s->l[W_B1], *b2 = &s->l[W_B2];

	for (size_t i = 0; i < n; i++) {
		uint32_t r = refs[i], id = r >> 1, d;

		if (st[id] & S_RES) { /* case I: a hit in T1 or T2 */
			st[id] |= dirty_if(r);
			if (where(st, id) == W_T1) {
				dl_remove(prev, next, t1, id);
				dl_push_head(prev, next, t2, id);
				st[id] = (uint8_t)((st[id] & ~S_W_MASK) | in_list(W_T2));
			} else {
				dl_move_head(prev, next, t2, id);
			}
			continue;
		}
		s->faults++;
		if (st[id] && where(st, id) == W_B1) { /* case II */
			d = b2->size / b1->size;
			s->p = s->p + (d > 1 ? d : 1) < c ? s->p + (d > 1 ? d : 1) : c;
			arc_replace(s, false);
			dl_remove(prev, next, b1, id);
			dl_push_head(prev, next, t2, id);
			st[id] = S_RES | dirty_if(r) | in_list(W_T2);
			continue;
		}
		if (st[id] && where(st, id) == W_B2) { /* case III */
			d = b1->size / b2->size;
			d = d > 1 ? d : 1;
			s->p = s->p > d ? s->p - d : 0;
			arc_replace(s, true);
			dl_remove(prev, next, b2, id);
			dl_push_head(prev, next, t2, id);
			st[id] = S_RES | dirty_if(r) | in_list(W_T2);
			continue;
		}
		/* case IV: not in the cache nor in the ghosts */
		if (t1->size + b1->size == c) {
			if (t1->size < c) {
				s->st[dl_pop_tail(prev, next, b1)] = 0;
				arc_replace(s, false);
			} else {
				evict(s, dl_pop_tail(prev, next, t1), 0);
			}
		} else {
			uint32_t total = t1->size + t2->size + b1->size + b2->size;
			if (total >= c) {
				if (total == 2 * c)
					s->st[dl_pop_tail(prev, next, b2)] = 0;
				arc_replace(s, false);
			}
		}
		dl_push_head(prev, next, t1, id);
		st[id] = S_RES | dirty_if(r) | in_list(W_T1);
	}
}

/* ---- lirs ------------------------------------------------------------------------------- */

/* Stack pruning: the bottom of S must be an LIR page. */
static inline void lirs_prune(struct refsim_sim *s)
{
	uint8_t *st = s->st;
	struct dlist *S = &s->l[0];

	while (S->tail != NIL && !(st[S->tail] & S_LIR)) {
		uint32_t v = dl_pop_tail(s->prev, s->next, S);
		st[v] &= (uint8_t)~S_INS;
		if (!(st[v] & S_RES))
			st[v] = 0; /* a ghost leaving S is forgotten */
	}
}

/*
 * The LIR page at the bottom of S becomes a resident HIR page at the end of
 * Q.  (The bottom is LIR already but for Llirs = 0, one frame, where the
 * page just made LIR is the only one: pruning first brings it down.)
 */
static inline void lirs_demote_bottom(struct refsim_sim *s)
{
	uint8_t *st = s->st;
	uint32_t v;

	lirs_prune(s);
	v = dl_pop_tail(s->prev, s->next, &s->l[0]);

	st[v] = (uint8_t)((st[v] & ~(S_LIR | S_INS)) | S_INQ);
	dl_push_tail(s->qprev, s->qnext, &s->l[1], v);
	s->nr_lir--;
	lirs_prune(s);
}

static void feed_lirs(struct refsim_sim *s, const uint32_t *refs, size_t n)
{
	uint8_t *st = s->st;
	uint32_t *prev = s->prev, *next = s->next;
	struct dlist *S = &s->l[0], *Q = &s->l[1];

	for (size_t i = 0; i < n; i++) {
		uint32_t r = refs[i], id = r >> 1;
		uint8_t f = st[id];

		if (f & S_LIR) { /* an LIR page: resident, on S */
			bool bottom = S->tail == id;
			st[id] = f | dirty_if(r);
			dl_move_head(prev, next, S, id);
			if (bottom)
				lirs_prune(s);
			continue;
		}
		if (f & S_RES) { /* a resident HIR page: on Q */
			st[id] = f | dirty_if(r);
			if (f & S_INS) {
				dl_move_head(prev, next, S, id);
				dl_remove(s->qprev, s->qnext, Q, id);
				st[id] = (uint8_t)((st[id] & ~S_INQ) | S_LIR);
				s->nr_lir++;
				lirs_demote_bottom(s);
			} else {
				dl_push_head(prev, next, S, id);
				st[id] |= S_INS;
				dl_remove(s->qprev, s->qnext, Q, id);
				dl_push_tail(s->qprev, s->qnext, Q, id);
			}
			continue;
		}
		/* a miss: a ghost on S, or a page not known */
		s->faults++;
		if (s->nr_res < s->frames) {
			s->nr_res++;
		} else {
			uint32_t v = Q->head;
			dl_remove(s->qprev, s->qnext, Q, v);
			evict(s, v, st[v] & S_INS); /* stays on S as a ghost, or forgotten */
		}
		f = st[id];
		if (s->nr_lir < s->llirs) { /* filling up: LIR until the LIR set is full */
			if (f & S_INS)
				dl_move_head(prev, next, S, id);
			else
				dl_push_head(prev, next, S, id);
			st[id] = S_RES | S_LIR | S_INS | dirty_if(r);
			s->nr_lir++;
		} else if (f & S_INS) {
			dl_move_head(prev, next, S, id);
			st[id] = S_RES | S_LIR | S_INS | dirty_if(r);
			s->nr_lir++;
			lirs_demote_bottom(s);
		} else {
			dl_push_head(prev, next, S, id);
			dl_push_tail(s->qprev, s->qnext, Q, id);
			st[id] = S_RES | S_INS | S_INQ | dirty_if(r);
		}
	}
}

void refsim_sim_feed(struct refsim_sim *s, const uint32_t *refs, const uint32_t *next, size_t n)
{
	switch (s->policy) {
	case REFSIM_OPT:
		feed_opt(s, refs, next, n);
		break;
	case REFSIM_LRU:
		feed_lru(s, refs, n);
		break;
	case REFSIM_CLOCK:
		feed_clock(s, refs, n);
		break;
	case REFSIM_FIFO:
		feed_fifo(s, refs, n);
		break;
	case REFSIM_2Q:
		feed_2q(s, refs, n);
		break;
	case REFSIM_LINUX:
		feed_linux(s, refs, n);
		break;
	case REFSIM_ARC:
		feed_arc(s, refs, n);
		break;
	case REFSIM_LIRS:
		feed_lirs(s, refs, n);
		break;
	}
}

/* ---- vpn -> dense id ----------------------------------------------------------------- */

void refsim_map_init(struct refsim_map *map)
{
	memset(map, 0, sizeof(*map));
}

void refsim_map_free(struct refsim_map *map)
{
	free(map->keys);
	free(map->vals);
	free(map->vpns);
	memset(map, 0, sizeof(*map));
}

static inline size_t map_hash(uint64_t key, size_t mask)
{
	return (size_t)((key * 0x9e3779b97f4a7c15ULL) >> 29) & mask;
}

static int map_grow(struct refsim_map *map)
{
	size_t size = map->mask ? (map->mask + 1) * 2 : 4096;
	uint64_t *keys = calloc(size, sizeof(*keys));
	uint32_t *vals = malloc(size * sizeof(*vals));

	if (!keys || !vals) {
		free(keys);
		free(vals);
		return -1;
	}
	if (map->mask) {
		for (size_t i = 0; i <= map->mask; i++) {
			uint64_t k = map->keys[i];
			size_t j;
			if (!k)
				continue;
			for (j = map_hash(k, size - 1); keys[j]; j = (j + 1) & (size - 1))
				;
			keys[j] = k;
			vals[j] = map->vals[i];
		}
	}
	free(map->keys);
	free(map->vals);
	map->keys = keys;
	map->vals = vals;
	map->mask = size - 1;
	return 0;
}

static uint32_t map_insert(struct refsim_map *map, uint64_t key, size_t j)
{
	uint32_t id = map->nr;

	if (id >= (1u << 31))
		return NIL;
	if (id == map->vpns_cap) {
		uint32_t cap = map->vpns_cap ? map->vpns_cap * 2 : 1024;
		uint64_t *v = realloc(map->vpns, (size_t)cap * sizeof(*v));
		if (!v)
			return NIL;
		map->vpns = v;
		map->vpns_cap = cap;
	}
	if ((size_t)(id + 1) * 2 > map->mask + 1) {
		if (map_grow(map))
			return NIL;
		for (j = map_hash(key, map->mask); map->keys[j]; j = (j + 1) & map->mask)
			;
	}
	map->keys[j] = key;
	map->vals[j] = id;
	map->vpns[id] = key - 1;
	map->nr++;
	return id;
}

int refsim_map_records(struct refsim_map *map, const uint64_t *recs, uint32_t *out, size_t n)
{
	if (!map->mask && map_grow(map))
		return -1;
	for (size_t i = 0; i < n; i++) {
		uint64_t key = (recs[i] >> 2) + 1;
		size_t j = map_hash(key, map->mask);
		uint32_t id;

		for (;;) {
			uint64_t k = map->keys[j];
			if (k == key) {
				id = map->vals[j];
				break;
			}
			if (!k) {
				id = map_insert(map, key, j);
				if (id == NIL)
					return -1;
				break;
			}
			j = (j + 1) & map->mask;
		}
		out[i] = id << 1 | (uint32_t)(recs[i] & TRACE_R_WRITE);
	}
	return 0;
}

/* ---- loading ---------------------------------------------------------------------------- */

/*
 * The per-reference arrays are big (4 bytes a reference): anonymous
 * mappings with transparent huge pages where the host allows, which
 * saves most of the cost of faulting them in.
 */
static void *big_alloc(size_t bytes)
{
	void *p;

	if (!bytes)
		bytes = 1;
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
#ifdef MADV_HUGEPAGE
	madvise(p, bytes, MADV_HUGEPAGE);
#endif
	return p;
}

static void big_free(void *p, size_t bytes)
{
	if (p)
		munmap(p, bytes ? bytes : 1);
}

#define BLOCK 65536

static double now_secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The footprint of a whole trace must be the header's. */
static int check_footprint(struct trace_reader *r, uint32_t nr_pages, char *err, size_t errlen)
{
	const struct trace_header *h = trace_header(r);

	if (nr_pages == h->footprint)
		return 0;
	trace_fail(r, -1, "header: footprint (offset 40) says %llu pages, the records touch %u",
		   (unsigned long long)h->footprint, nr_pages);
	snprintf(err, errlen, "%s", trace_error(r));
	return -1;
}

int refsim_trace_load(struct trace_reader *r, uint64_t limit, struct refsim_trace *t,
		      refsim_progress_fn progress, void *ctx, char *err, size_t errlen)
{
	const struct trace_header *h = trace_header(r);
	uint64_t want = limit && limit < h->count ? limit : h->count;
	struct refsim_map map;
	uint64_t *buf = NULL;
	uint64_t done = 0;

	memset(t, 0, sizeof(*t));
	t->hdr = *h;
	t->compressed = trace_compressed(r);
	refsim_map_init(&map);
	if (want > UINT32_MAX - 1) {
		snprintf(
			err, errlen,
			"%llu references: the reference simulator handles at most %u (use --limit)",
			(unsigned long long)want, UINT32_MAX - 1);
		return -1;
	}
	buf = malloc(BLOCK * sizeof(*buf));
	t->refs_bytes = (size_t)want * sizeof(*t->refs);
	t->refs = big_alloc(t->refs_bytes);
	if (!buf || !t->refs) {
		snprintf(err, errlen, "out of memory for %llu references",
			 (unsigned long long)want);
		goto fail;
	}
	while (done < want) {
		size_t chunk = want - done < BLOCK ? (size_t)(want - done) : BLOCK;
		long n = trace_read(r, buf, chunk);
		if (n < 0) {
			snprintf(err, errlen, "%s", trace_error(r));
			goto fail;
		}
		if (n == 0)
			break; /* cannot happen: count checked by the reader */
		if (refsim_map_records(&map, buf, t->refs + done, (size_t)n)) {
			snprintf(err, errlen, "out of memory mapping pages");
			goto fail;
		}
		done += (uint64_t)n;
		if (progress && (done & ((1u << 22) - 1)) < (uint64_t)n)
			progress(ctx, "reading", (double)done / (double)want);
	}
	if (want == h->count) {
		/* the whole trace: the reader checks the end and the totals */
		if (trace_read(r, buf, 1) < 0) {
			snprintf(err, errlen, "%s", trace_error(r));
			goto fail;
		}
		if (check_footprint(r, map.nr, err, errlen))
			goto fail;
	}
	if (progress)
		progress(ctx, "reading", 1.0);
	t->nr_refs = done;
	t->nr_pages = map.nr;
	t->vpns = map.vpns;
	map.vpns = NULL;
	refsim_map_free(&map);
	free(buf);
	return 0;

fail:
	refsim_map_free(&map);
	free(buf);
	refsim_trace_free(t);
	return -1;
}

int refsim_trace_next_use(struct refsim_trace *t)
{
	uint32_t *last;

	if (t->next)
		return 0;
	if (t->nr_refs > UINT32_MAX - 1)
		return -1;
	t->next_bytes = (size_t)t->nr_refs * sizeof(*t->next);
	t->next = big_alloc(t->next_bytes);
	last = malloc((size_t)(t->nr_pages ? t->nr_pages : 1) * sizeof(*last));
	if (!t->next || !last) {
		big_free(t->next, t->next_bytes);
		free(last);
		t->next = NULL;
		return -1;
	}
	memset(last, 0xff, (size_t)t->nr_pages * sizeof(*last));
	for (uint64_t i = t->nr_refs; i-- > 0;) {
		uint32_t id = t->refs[i] >> 1;
		t->next[i] = last[id];
		last[id] = (uint32_t)i;
	}
	free(last);
	return 0;
}

void refsim_trace_free(struct refsim_trace *t)
{
	big_free(t->refs, t->refs_bytes);
	free(t->vpns);
	big_free(t->next, t->next_bytes);
	memset(t, 0, sizeof(*t));
}

/* ---- running jobs ---------------------------------------------------------------------- */

struct run_ctx {
	struct refsim_trace *t;
	struct refsim_job *jobs;
	size_t nr_jobs;
	atomic_size_t next_job;
	atomic_size_t jobs_done;
	atomic_int failed;
	refsim_progress_fn progress;
	void *pctx;
	pthread_mutex_t progress_lock;
};

static int run_one(struct refsim_trace *t, struct refsim_job *job)
{
	struct refsim_sim *s = refsim_sim_create(job->policy, job->frames);
	double t0 = now_secs();

	if (!s || refsim_sim_reserve(s, t->nr_pages ? t->nr_pages : 1)) {
		refsim_sim_destroy(s);
		return -1;
	}
	for (uint64_t i = 0; i < t->nr_refs; i += BLOCK) {
		size_t n = t->nr_refs - i < BLOCK ? (size_t)(t->nr_refs - i) : BLOCK;
		refsim_sim_feed(s, t->refs + i, t->next ? t->next + i : NULL, n);
	}
	job->faults = refsim_sim_faults(s);
	job->writebacks = refsim_sim_writebacks(s);
	job->secs = now_secs() - t0;
	refsim_sim_destroy(s);
	return 0;
}

static void *run_worker(void *arg)
{
	struct run_ctx *c = arg;

	for (;;) {
		size_t i = atomic_fetch_add(&c->next_job, 1);
		if (i >= c->nr_jobs || atomic_load(&c->failed))
			break;
		if (run_one(c->t, &c->jobs[i])) {
			atomic_store(&c->failed, 1);
			break;
		}
		size_t done = atomic_fetch_add(&c->jobs_done, 1) + 1;
		if (c->progress) {
			pthread_mutex_lock(&c->progress_lock);
			c->progress(c->pctx, "simulating", (double)done / (double)c->nr_jobs);
			pthread_mutex_unlock(&c->progress_lock);
		}
	}
	return NULL;
}

int refsim_run_loaded(struct refsim_trace *t, struct refsim_job *jobs, size_t nr_jobs,
		      int nr_threads, refsim_progress_fn progress, void *ctx, char *err,
		      size_t errlen)
{
	struct run_ctx c = {
		.t = t, .jobs = jobs, .nr_jobs = nr_jobs, .progress = progress, .pctx = ctx
	};
	pthread_t tids[64];
	int started = 0;

	for (size_t i = 0; i < nr_jobs; i++) {
		if (!refsim_policy_name(jobs[i].policy) || !jobs[i].frames) {
			snprintf(err, errlen, "bad job %zu: policy %d, %u frames", i,
				 jobs[i].policy, jobs[i].frames);
			return -1;
		}
		if (jobs[i].policy == REFSIM_OPT && refsim_trace_next_use(t)) {
			snprintf(err, errlen, "out of memory for OPT's next-use table");
			return -1;
		}
	}
	if (nr_threads < 1)
		nr_threads = 1;
	if (nr_threads > 64)
		nr_threads = 64;
	if ((size_t)nr_threads > nr_jobs)
		nr_threads = nr_jobs ? (int)nr_jobs : 1;
	pthread_mutex_init(&c.progress_lock, NULL);
	for (int i = 1; i < nr_threads; i++) {
		if (pthread_create(&tids[started], NULL, run_worker, &c))
			break;
		started++;
	}
	run_worker(&c);
	for (int i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	pthread_mutex_destroy(&c.progress_lock);
	if (atomic_load(&c.failed)) {
		snprintf(err, errlen, "out of memory for the simulator's page tables");
		return -1;
	}
	return 0;
}

int refsim_run_stream(struct trace_reader *r, uint64_t limit, struct refsim_job *jobs,
		      size_t nr_jobs, uint64_t *nr_refs, uint32_t *nr_pages,
		      refsim_progress_fn progress, void *ctx, char *err, size_t errlen)
{
	const struct trace_header *h = trace_header(r);
	uint64_t want = limit && limit < h->count ? limit : h->count, done = 0;
	struct refsim_sim **sims = calloc(nr_jobs ? nr_jobs : 1, sizeof(*sims));
	uint64_t *buf = malloc(BLOCK * sizeof(*buf));
	uint32_t *ids = malloc(BLOCK * sizeof(*ids));
	double *secs = calloc(nr_jobs ? nr_jobs : 1, sizeof(*secs));
	struct refsim_map map;
	int ret = -1;

	refsim_map_init(&map);
	if (!sims || !buf || !ids || !secs) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < nr_jobs; i++) {
		if (jobs[i].policy == REFSIM_OPT) {
			snprintf(err, errlen, "opt needs the whole trace: not a streaming policy");
			goto out;
		}
		sims[i] = refsim_sim_create(jobs[i].policy, jobs[i].frames);
		if (!sims[i]) {
			snprintf(err, errlen, "bad job %zu: policy %d, %u frames", i,
				 jobs[i].policy, jobs[i].frames);
			goto out;
		}
	}
	while (done < want) {
		size_t chunk = want - done < BLOCK ? (size_t)(want - done) : BLOCK;
		long n = trace_read(r, buf, chunk);
		if (n <= 0) {
			snprintf(err, errlen, "%s", n < 0 ? trace_error(r) : "unexpected end");
			goto out;
		}
		if (refsim_map_records(&map, buf, ids, (size_t)n)) {
			snprintf(err, errlen, "out of memory mapping pages");
			goto out;
		}
		for (size_t i = 0; i < nr_jobs; i++) {
			double t0 = now_secs();
			if (refsim_sim_reserve(sims[i], map.nr)) {
				snprintf(err, errlen, "out of memory");
				goto out;
			}
			refsim_sim_feed(sims[i], ids, NULL, (size_t)n);
			secs[i] += now_secs() - t0;
		}
		done += (uint64_t)n;
		if (progress && (done & ((1u << 20) - 1)) < (uint64_t)n)
			progress(ctx, "simulating", (double)done / (double)want);
	}
	if (want == h->count) {
		if (trace_read(r, buf, 1) < 0) {
			snprintf(err, errlen, "%s", trace_error(r));
			goto out;
		}
		if (check_footprint(r, map.nr, err, errlen))
			goto out;
	}
	if (progress)
		progress(ctx, "simulating", 1.0);
	for (size_t i = 0; i < nr_jobs; i++) {
		jobs[i].faults = refsim_sim_faults(sims[i]);
		jobs[i].writebacks = refsim_sim_writebacks(sims[i]);
		jobs[i].secs = secs[i];
	}
	*nr_refs = done;
	*nr_pages = map.nr;
	ret = 0;
out:
	if (sims)
		for (size_t i = 0; i < nr_jobs; i++)
			refsim_sim_destroy(sims[i]);
	free(sims);
	free(buf);
	free(ids);
	free(secs);
	refsim_map_free(&map);
	return ret;
}
