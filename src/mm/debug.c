// SPDX-License-Identifier: MIT
/*
 * src/mm/debug.c - naming page and GFP flags, and dump_page() (mm/debug.c,
 * with the %pGp / %pGg printers of lib/vsprintf.c and the name tables of
 * include/trace/events/mmflags.h).
 *
 *   format_page_flags()  "0x...(reserved|head|section=0|node=0|zone=1)", as %pGp
 *   kmm_format_gfp()     "GFP_KERNEL|__GFP_NOWARN", as the kernel's GFP tables
 *                        (composite masks first, then single bits, leftover
 *                        bits in hex, "none" for 0, as show_gfp_flags())
 *   kmm_parse_gfp()      the inverse: "GFP_KERNEL|__GFP_ZERO", "0x400cc0"
 *   dump_page()          the "page:... refcount:..." report at warning level
 *
 * Hexadecimal numbers print as the kernel's "%#lx" does: "0x0" for zero.
 */
#include "internal.h"

/* ---- page flags --------------------------------------------------------------- */

#define KMM_PG_NAME(n, s) [PG_##n] = s,
static const char *const pageflag_names[__NR_PAGEFLAGS] = { KMM_PAGEFLAGS(KMM_PG_NAME) };
#undef KMM_PG_NAME

/* The order in which %pGp lists them (Linux 6.1's __def_pageflag_names). */
static const unsigned char pageflag_print_order[] = {
	PG_locked,     PG_waiters,     PG_referenced, PG_uptodate,     PG_dirty,	PG_lru,
	PG_active,     PG_workingset,  PG_slab,	      PG_owner_priv_1, PG_arch_1,	PG_reserved,
	PG_private,    PG_private_2,   PG_writeback,  PG_head,	       PG_mappedtodisk, PG_reclaim,
	PG_swapbacked, PG_unevictable, PG_mlocked,    PG_hwpoison,     PG_young,	PG_idle,
};
_Static_assert(sizeof(pageflag_print_order) == __NR_PAGEFLAGS,
	       "every page flag needs a place in pageflag_print_order");

/* snprintf-style appender: counts what would have been written. */
struct fmtbuf {
	char *buf;
	size_t size;
	size_t len;
};

static void fmt_add(struct fmtbuf *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fmt_add(struct fmtbuf *f, const char *fmt, ...)
{
	size_t room = f->len < f->size ? f->size - f->len : 0;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kmm_vsnprintf(room ? f->buf + f->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		f->len += (size_t)n;
}

static int fmt_done(struct fmtbuf *f)
{
	if (f->size)
		f->buf[f->len < f->size ? f->len : f->size - 1] = '\0';
	return (int)f->len;
}

int format_page_flags(char *buf, size_t size, unsigned long flags)
{
	struct fmtbuf f = { buf, size, 0 };
	unsigned long main_flags = flags & KMM_PAGEFLAGS_MASK;
	bool append = false;

	if (size)
		buf[0] = '\0';
	fmt_add(&f, "0x%lx(", flags);
	for (unsigned i = 0; i < sizeof(pageflag_print_order) && main_flags; i++) {
		unsigned long mask = 1UL << pageflag_print_order[i];

		if (!(main_flags & mask))
			continue;
		main_flags &= ~mask;
		fmt_add(&f, "%s%s", append ? "|" : "", pageflag_names[pageflag_print_order[i]]);
		append = true;
	}
	if (main_flags) {
		fmt_add(&f, "%s0x%lx", append ? "|" : "", main_flags);
		append = true;
	}
	/* the fields above the flags, as the kernel's page_flags_fields[] */
	fmt_add(&f, "%ssection=%lu", append ? "|" : "",
		(flags >> KMM_SECTIONS_PGSHIFT) & ((1UL << KMM_SECTIONS_WIDTH) - 1));
	fmt_add(&f, "|node=%lu", (flags >> KMM_NODES_PGSHIFT) & ((1UL << KMM_NODES_SHIFT) - 1));
	fmt_add(&f, "|zone=%lu)", (flags >> KMM_ZONES_PGSHIFT) & ((1UL << KMM_ZONES_WIDTH) - 1));
	return fmt_done(&f);
}

/* ---- GFP flags ---------------------------------------------------------------- */

struct gfp_name {
	gfp_t mask;
	const char *name;
};
/* clang-format off */
#define GFP_NAME(flag) { flag, #flag }
/* clang-format on */

/*
 * Linux 6.1's __def_gfpflag_names without __GFP_ATOMIC (gone in 6.3, as in
 * kmm's bit layout) and the KASAN/lockdep bits kmm does not have.  Matching
 * masks are taken first, so the order decides the names.
 */
static const struct gfp_name gfp_names[] = {
	GFP_NAME(GFP_TRANSHUGE),
	GFP_NAME(GFP_TRANSHUGE_LIGHT),
	GFP_NAME(GFP_HIGHUSER_MOVABLE),
	GFP_NAME(GFP_HIGHUSER),
	GFP_NAME(GFP_USER),
	GFP_NAME(GFP_KERNEL_ACCOUNT),
	GFP_NAME(GFP_KERNEL),
	GFP_NAME(GFP_NOFS),
	GFP_NAME(GFP_ATOMIC),
	GFP_NAME(GFP_NOIO),
	GFP_NAME(GFP_NOWAIT),
	GFP_NAME(GFP_DMA),
	GFP_NAME(__GFP_HIGHMEM),
	GFP_NAME(GFP_DMA32),
	GFP_NAME(__GFP_HIGH),
	GFP_NAME(__GFP_IO),
	GFP_NAME(__GFP_FS),
	GFP_NAME(__GFP_NOWARN),
	GFP_NAME(__GFP_RETRY_MAYFAIL),
	GFP_NAME(__GFP_NOFAIL),
	GFP_NAME(__GFP_NORETRY),
	GFP_NAME(__GFP_COMP),
	GFP_NAME(__GFP_ZERO),
	GFP_NAME(__GFP_NOMEMALLOC),
	GFP_NAME(__GFP_MEMALLOC),
	GFP_NAME(__GFP_HARDWALL),
	GFP_NAME(__GFP_THISNODE),
	GFP_NAME(__GFP_RECLAIMABLE),
	GFP_NAME(__GFP_MOVABLE),
	GFP_NAME(__GFP_ACCOUNT),
	GFP_NAME(__GFP_WRITE),
	GFP_NAME(__GFP_RECLAIM),
	GFP_NAME(__GFP_DIRECT_RECLAIM),
	GFP_NAME(__GFP_KSWAPD_RECLAIM),
};

int kmm_format_gfp(char *buf, size_t size, gfp_t gfp)
{
	struct fmtbuf f = { buf, size, 0 };
	unsigned long flags = gfp;

	if (size)
		buf[0] = '\0';
	if (!flags) {
		fmt_add(&f, "none");
		return fmt_done(&f);
	}
	for (unsigned i = 0; i < KMM_ARRAY_SIZE(gfp_names) && flags; i++) {
		unsigned long mask = gfp_names[i].mask;

		if ((flags & mask) != mask)
			continue;
		flags &= ~mask;
		fmt_add(&f, "%s%s", gfp_names[i].name, flags ? "|" : "");
	}
	if (flags)
		fmt_add(&f, "0x%lx", flags);
	return fmt_done(&f);
}

static bool gfp_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

int kmm_parse_gfp(const char *s, gfp_t *out)
{
	unsigned long long acc = 0;
	char tok[64];

	if (!s)
		return -KMM_EINVAL;
	while (gfp_space(*s))
		s++;
	{
		/* "none", as kmm_format_gfp() prints 0 */
		size_t n = kmm_strlen(s);

		while (n && gfp_space(s[n - 1]))
			n--;
		if (n == 4 && !kmm_strncmp(s, "none", 4)) {
			*out = 0;
			return 0;
		}
	}
	for (;;) {
		const char *end = s;
		size_t n;
		bool found = false;

		while (*end && *end != '|')
			end++;
		while (s < end && gfp_space(*s))
			s++;
		n = (size_t)(end - s);
		while (n && gfp_space(s[n - 1]))
			n--;
		if (!n || n >= sizeof(tok))
			return -KMM_EINVAL;
		kmm_memcpy(tok, s, n);
		tok[n] = '\0';

		if (tok[0] >= '0' && tok[0] <= '9') {
			unsigned long long v;

			if (kmm_kstrtoull(tok, 0, &v) || v > 0xffffffffULL)
				return -KMM_EINVAL;
			acc |= v;
		} else {
			for (unsigned i = 0; i < KMM_ARRAY_SIZE(gfp_names); i++) {
				if (!kmm_strcmp(tok, gfp_names[i].name)) {
					acc |= gfp_names[i].mask;
					found = true;
					break;
				}
			}
			if (!found)
				return -KMM_EINVAL;
		}
		if (!*end)
			break;
		s = end + 1;
	}
	*out = (gfp_t)acc;
	return 0;
}

/* ---- dump_page ------------------------------------------------------------------ */

/* print_hex_dump(KERN_WARNING, prefix, DUMP_PREFIX_NONE, 32, 8, p, 64, false) */
static void dump_words(struct kmm_machine *m, const char *prefix, const struct page *p)
{
	const unsigned long *w = (const unsigned long *)(const void *)p;
	const size_t nr = sizeof(*p) / sizeof(unsigned long);

	for (size_t i = 0; i < nr; i += 4)
		pr_warn(m, "%s%016lx %016lx %016lx %016lx", prefix, w[i], w[i + 1], w[i + 2],
			w[i + 3]);
}

#define PAGE_MAPPING_ANON 0x1UL

void dump_page(struct kmm_machine *m, struct page *page, const char *reason)
{
	struct page *head = compound_head(page);
	unsigned long tmp = (unsigned long)(uintptr_t)head->mapping;
	unsigned long index = page->index;
	const char *type = "";
	unsigned long mapping;
	int mapcount;
	char flags[160];

	if (head != page) {
		/* a tail: the head's mapping, and its index plus the offset */
		index = head->index + (unsigned long)(page - head);
	}
	if (tmp & PAGE_MAPPING_ANON) {
		mapping = 0;
		type = "anon ";
	} else {
		mapping = tmp;
	}
	/* slab reuses _mapcount for its own purposes */
	mapcount = PageSlab(head) ? 0 : page_mapcount(page);

	pr_warn(m, "page:%016lx refcount:%d mapcount:%d mapping:%016lx index:0x%lx pfn:0x%lx",
		(unsigned long)(uintptr_t)page, page_ref_count(head), mapcount, mapping, index,
		(unsigned long)kmm_page_to_pfn(m, page));
	if (PageCompound(page))
		pr_warn(m, "head:%016lx order:%u compound_mapcount:%d compound_pincount:%d",
			(unsigned long)(uintptr_t)head, compound_order(head), 0, 0);
	format_page_flags(flags, sizeof(flags),
			  atomic_load_explicit(&head->flags, memory_order_relaxed));
	pr_warn(m, "%sflags: %s", type, flags);
	dump_words(m, "raw: ", page);
	if (head != page)
		dump_words(m, "head: ", head);
	if (reason)
		pr_warn(m, "page dumped because: %s", reason);
}
