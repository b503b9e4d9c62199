// SPDX-License-Identifier: MIT
/*
 * src/kernel/sysctl.c - the machine's /proc/sys knobs (kernel/sysctl.c,
 * with the vm_table entries of mm/page_alloc.c and the integer handlers
 * proc_dointvec_minmax()).
 *
 * kmm_sysctl_table[] lists every knob, one line each: its path under
 * /proc/sys, the int (or int array) it lives in, the accepted range, and
 * the hook that applies a change.  Writes parse whitespace-separated
 * integers (decimal, 0x hex or 0 octal, as the kernel's proc_dointvec; a
 * comma also separates, for the boot command line), check every value,
 * then store them and run the hook under m->sysctl_lock.  An array written
 * with fewer values keeps the rest, as in Linux.  Reads print "%d\n", or
 * the elements separated by tabs.
 *
 * Boot-time writes (sysctl.vm.NAME=VALUE on the command line) only store:
 * the zones the hooks recompute do not exist yet, and boot computes them
 * from the stored values afterwards.
 */
#include <limits.h>

#include "internal.h"

/* ---- the knobs ------------------------------------------------------------------ */

#define VM_FIELD(f)                               \
	static int *vm_##f(struct kmm_machine *m) \
	{                                         \
		return &m->vm.f;                  \
	}
VM_FIELD(min_free_kbytes)
VM_FIELD(watermark_scale_factor)
VM_FIELD(watermark_boost_factor)
VM_FIELD(percpu_pagelist_high_fraction)
VM_FIELD(overcommit_memory)
VM_FIELD(overcommit_ratio)
VM_FIELD(max_map_count)
VM_FIELD(mmap_min_addr)
VM_FIELD(dirty_writeback_centisecs)
VM_FIELD(dirty_expire_centisecs)
VM_FIELD(swappiness)
VM_FIELD(drop_caches)
VM_FIELD(page_cluster)
static int *vm_lowmem_reserve_ratio(struct kmm_machine *m)
{
	return m->vm.lowmem_reserve_ratio;
}

static void min_free_kbytes_changed(struct kmm_machine *m)
{
	m->vm.user_min_free_kbytes = m->vm.min_free_kbytes;
	setup_per_zone_wmarks(m);
}

/* percpu_pagelist_high_fraction: 0 (default sizing) or at least 8 */
static bool pcp_fraction_valid(int v)
{
	return v == 0 || v >= 8;
}

const struct kmm_sysctl kmm_sysctl_table[] = {
	/* name, field, nr, min, max, changed, valid */
	{ "vm/dirty_expire_centisecs", vm_dirty_expire_centisecs, 1, 0, INT_MAX, NULL, NULL },
	{ "vm/dirty_writeback_centisecs", vm_dirty_writeback_centisecs, 1, 0, INT_MAX,
	  filemap_wakeup_flusher, NULL },
	{ "vm/drop_caches", vm_drop_caches, 1, 0, 4, drop_caches_sysctl, NULL },
	{ "vm/lowmem_reserve_ratio", vm_lowmem_reserve_ratio, MAX_NR_ZONES, 0, INT_MAX,
	  setup_per_zone_lowmem_reserve, NULL },
	{ "vm/max_map_count", vm_max_map_count, 1, 0, INT_MAX, NULL, NULL },
	{ "vm/min_free_kbytes", vm_min_free_kbytes, 1, 0, INT_MAX, min_free_kbytes_changed, NULL },
	{ "vm/mmap_min_addr", vm_mmap_min_addr, 1, 0, INT_MAX, NULL, NULL },
	{ "vm/overcommit_memory", vm_overcommit_memory, 1, 0, 2, NULL, NULL },
	{ "vm/overcommit_ratio", vm_overcommit_ratio, 1, 0, INT_MAX, NULL, NULL },
	/* 0..5: a readahead window of at most 32 pages (swap_ra_info's 6 bits) */
	{ "vm/page-cluster", vm_page_cluster, 1, 0, 5, NULL, NULL },
	{ "vm/percpu_pagelist_high_fraction", vm_percpu_pagelist_high_fraction, 1, 0, INT_MAX,
	  zone_pcp_update_all, pcp_fraction_valid },
	{ "vm/swappiness", vm_swappiness, 1, 0, 200, NULL, NULL },
	{ "vm/watermark_boost_factor", vm_watermark_boost_factor, 1, 0, INT_MAX, NULL, NULL },
	{ "vm/watermark_scale_factor", vm_watermark_scale_factor, 1, 1, 3000, setup_per_zone_wmarks,
	  NULL },
};
const unsigned kmm_sysctl_count = KMM_ARRAY_SIZE(kmm_sysctl_table);

/* The longest array knob. */
#define SYSCTL_MAX_NR 8

/* ---- access ------------------------------------------------------------------- */

const struct kmm_sysctl *kmm_sysctl_find(const char *name)
{
	for (unsigned i = 0; i < kmm_sysctl_count; i++)
		if (!kmm_strcmp(kmm_sysctl_table[i].name, name))
			return &kmm_sysctl_table[i];
	return NULL;
}

static bool sysctl_sep(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',';
}

static int sysctl_parse(const struct kmm_sysctl *s, const char *text, int *vals, int *nr,
			long long *bad)
{
	const char *p = text;
	int n = 0;

	*bad = 0;
	for (;;) {
		char tok[32];
		long long v;
		size_t len = 0;

		while (sysctl_sep(*p))
			p++;
		if (!*p)
			break;
		while (p[len] && !sysctl_sep(p[len]))
			len++;
		if (n == s->nr || len >= sizeof(tok))
			return -KMM_EINVAL; /* more values than elements, or garbage */
		kmm_memcpy(tok, p, len);
		tok[len] = '\0';
		p += len;
		if (kmm_kstrtoll(tok, 0, &v))
			return -KMM_EINVAL;
		if (v < s->min || v > s->max || (s->valid && !s->valid((int)v))) {
			*bad = v;
			return -KMM_ERANGE;
		}
		vals[n++] = (int)v;
	}
	*nr = n;
	return n ? 0 : -KMM_EINVAL;
}

int kmm_sysctl_write(struct kmm_machine *m, const struct kmm_sysctl *s, const char *text, bool boot)
{
	int vals[SYSCTL_MAX_NR];
	long long bad;
	int nr, err;

	if (!s || !text || s->nr < 1 || s->nr > SYSCTL_MAX_NR)
		return -KMM_EINVAL;
	err = sysctl_parse(s, text, vals, &nr, &bad);
	if (err) {
		if (!boot && err == -KMM_ERANGE)
			pr_warn(m, "sysctl: %s: value %lld out of range", s->name, bad);
		else if (!boot)
			pr_warn(m, "sysctl: %s: expected %d integer%s", s->name, s->nr,
				s->nr > 1 ? "s" : "");
		/* as proc_dointvec_minmax(): every rejected value is -EINVAL */
		return -KMM_EINVAL;
	}

	spin_lock(&m->sysctl_lock);
	int *field = s->field(m);
	for (int i = 0; i < nr; i++)
		field[i] = vals[i];
	if (boot) {
		/* a min_free_kbytes given at boot is the user's, as a later write would be */
		if (s->field == vm_min_free_kbytes)
			m->vm.user_min_free_kbytes = vals[0];
	} else if (s->changed) {
		s->changed(m);
	}
	spin_unlock(&m->sysctl_lock);
	return 0;
}

void kmm_sysctl_show(struct kmm_machine *m, const struct kmm_sysctl *s, struct seq_buf *sb)
{
	int vals[SYSCTL_MAX_NR];
	int nr = KMM_MIN(s->nr, SYSCTL_MAX_NR);

	spin_lock(&m->sysctl_lock);
	int *field = s->field(m);
	for (int i = 0; i < nr; i++)
		vals[i] = field[i];
	spin_unlock(&m->sysctl_lock);

	for (int i = 0; i < nr; i++)
		seq_buf_printf(sb, "%s%d", i ? "\t" : "", vals[i]);
	seq_buf_putc(sb, '\n');
}

void kmm_sysctl_defaults(struct kmm_machine *m)
{
	static const int lowmem_reserve_ratio[MAX_NR_ZONES] = {
		[ZONE_DMA] = 256,
		[ZONE_DMA32] = 256,
		[ZONE_NORMAL] = 32,
		[ZONE_MOVABLE] = 0,
	};

	/* min_free_kbytes is computed from the memory size at boot */
	m->vm.user_min_free_kbytes = -1;
	m->vm.watermark_scale_factor = 10;
	m->vm.watermark_boost_factor = 15000;
	for (int i = 0; i < MAX_NR_ZONES; i++)
		m->vm.lowmem_reserve_ratio[i] = lowmem_reserve_ratio[i];
	m->vm.percpu_pagelist_high_fraction = 0;
	m->vm.overcommit_memory = 0;
	m->vm.overcommit_ratio = 50;
	m->vm.max_map_count = 65530;
	m->vm.mmap_min_addr = 65536;
	m->vm.dirty_writeback_centisecs = 500;
	m->vm.dirty_expire_centisecs = 3000;
	m->vm.swappiness = 60;
	m->vm.page_cluster = 3;
}
