/* SPDX-License-Identifier: MIT */
/* TEMPORARY (lead): "no swap device" weak fallbacks so the tree links while
 * src/mm/swapfile.c and swap_state.c are being written; removed when they land. */
#include "mm/swap.h"

__attribute__((weak)) void si_swapinfo(struct kmm_machine *m, unsigned long *total,
				       unsigned long *free)
{
	(void)m;
	*total = *free = 0;
}
__attribute__((weak)) int add_to_swap(struct kmm_machine *m, struct page *page)
{
	(void)m;
	(void)page;
	return -KMM_ENOSPC;
}
__attribute__((weak)) int swap_writepage(struct kmm_machine *m, struct page *page)
{
	(void)m;
	(void)page;
	return -KMM_EIO;
}
__attribute__((weak)) void __delete_from_swap_cache(struct kmm_machine *m, struct page *page,
						    void *shadow)
{
	(void)m;
	(void)page;
	(void)shadow;
}
