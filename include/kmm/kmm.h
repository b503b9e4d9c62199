/* SPDX-License-Identifier: MIT */
/*
 * kmm/kmm.h - the whole public API of libkmm.
 *
 * Map: types.h (pfn, list, spinlock) -> gfp.h (GFP flags, page allocator)
 * -> mm_types.h (struct page) -> mmzone.h (nodes, zones) -> machine.h
 * (a machine: boot, CPU slots, log, pfn/page/address conversions) ->
 * vmstat.h (counters) -> proc.h (the /proc and /sys trees).
 * compat.h is separate: it maps the kernel's own names onto these.
 */
#ifndef KMM_KMM_H
#define KMM_KMM_H

#include "kmm/types.h"
#include "kmm/gfp.h"
#include "kmm/mm_types.h"
#include "kmm/mmzone.h"
#include "kmm/machine.h"
#include "kmm/vmstat.h"
#include "kmm/proc.h"
#include "kmm/slab.h"
#include "kmm/vmalloc.h"
#include "kmm/mm.h"

#endif /* KMM_KMM_H */
