/* SPDX-License-Identifier: MIT */
/* tests/test_compat.c - the kernel names of <kmm/compat.h> reach the kmm API. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static struct kmm_machine *machine;
#define KMM_COMPAT_MACHINE machine
#include "kmm/compat.h"

static void test_kernel_names(void **state)
{
	(void)state;
	char err[256];
	assert_int_equal(kmm_machine_boot("quiet mem=64M", NULL, &machine, err, sizeof(err)), 0);
	struct page *p = alloc_pages(GFP_KERNEL, 2);
	assert_non_null(p);
	assert_ptr_equal(virt_to_page(page_address(p)), p);
	assert_ptr_equal(pfn_to_page(page_to_pfn(p)), p);
	__free_pages(p, 2);
	unsigned long a = __get_free_page(GFP_KERNEL);
	assert_true(a != 0);
	memset((void *)a, 1, PAGE_SIZE);
	free_page(a);
	void *x = alloc_pages_exact(3 * PAGE_SIZE, GFP_KERNEL);
	assert_non_null(x);
	free_pages_exact(x, 3 * PAGE_SIZE);
	drain_all_pages(NULL);
	/* the slab names too */
	struct kmem_cache *c = kmem_cache_create("compat_obj", 40, 0, SLAB_HWCACHE_ALIGN, NULL);
	void *o = kmem_cache_alloc(c, GFP_KERNEL);
	assert_non_null(o);
	kmem_cache_free(c, o);
	char *k = kmalloc(100, GFP_KERNEL);
	assert_int_equal(ksize(k), 128);
	k = krealloc(k, 300, GFP_KERNEL);
	assert_int_equal(ksize(k), 512);
	kfree(k);
	kmem_cache_destroy(c);
	assert_int_equal(MAX_ORDER, 11);
	kmm_machine_shutdown(machine);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_kernel_names) };
	return cmocka_run_group_tests(tests, NULL, NULL);
}
