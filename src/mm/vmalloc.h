/* SPDX-License-Identifier: MIT */
/*
 * src/mm/vmalloc.h - what the rest of the core needs from src/mm/vmalloc.c
 * (the public API is include/kmm/vmalloc.h): boot and shutdown, the
 * vmalloc= boot parameter, the entry kvmalloc falls back to, and the
 * /proc/vmallocinfo table.
 */
#ifndef KMM_SRC_MM_VMALLOC_H
#define KMM_SRC_MM_VMALLOC_H

#include "internal.h"
#include "kmm/vmalloc.h"

/*
 * Boot, after vm_init() (the state lives in vm_state(m)->vmalloc; the
 * kernel mappings go into init_mm when it has page tables): reserve the
 * host window, or fall back to contiguous pages.  0 or -KMM_ENOMEM.
 */
int vmalloc_init(struct kmm_machine *m);
/* Shutdown, after the last vfree: give the host window back. */
void vmalloc_exit(struct kmm_machine *m);

/*
 * vmalloc=nn[KMG] | contig | alias, the text after '=' in [s, e): the window
 * size (2M .. 32T, rounded up to pages; 0 = the default) and the mode.
 * 0 or -KMM_EINVAL.
 */
#define VMALLOC_PARAM_FORM "vmalloc=nn[KMG] (2M..32T), vmalloc=contig or vmalloc=alias"
int vmalloc_parse_param(const char *s, const char *e, uint64_t *bytes, bool *contig);

/* __vmalloc_node() recording a return address as the caller (kvmalloc). */
void *vmalloc_node_caller_ip(struct kmm_machine *m, size_t size, size_t align, gfp_t gfp, int nid,
			     unsigned long caller_ip);
/* vfree() reporting @caller_ip in a bad-address report (kvfree). */
void vfree_caller_ip(struct kmm_machine *m, const void *addr, unsigned long caller_ip);

/* /proc/vmallocinfo */
extern const struct kmm_proc_table proc_vmalloc_table;

#endif /* KMM_SRC_MM_VMALLOC_H */
