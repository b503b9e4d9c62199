// SPDX-License-Identifier: MIT
/*
 * tests/fuzz/fuzz_cmdline.c - libFuzzer target for the machine description
 * parser: kmm_parse_cmdline() (src/kernel/params.c, with memparse, the
 * sysctl.vm.* writer and slab_debug=) followed by e820__memory_setup()
 * (src/arch/e820.c).  Nothing is booted.
 *
 * Per input (a command line; bytes after a NUL are ignored):
 *   - parse; on failure the message must be a non-empty string inside the
 *     buffer that quotes a whitespace-free word of the input (or is one of
 *     the two memmap= messages that concern the line as a whole), and the
 *     quoted word must fail on its own with the same message;
 *   - parsing is deterministic (a second parse gives the same parameters);
 *   - on success the e820 setup runs; if it accepts, the table must be
 *     sorted, non-overlapping, non-empty entries of type RAM or reserved,
 *     same-type neighbours merged, nothing above mem= or the physical
 *     address space, every memmap= range present with reserved winning
 *     where ranges overlap, and at least 4 MiB of RAM.
 * A violation abort()s, which libFuzzer reports with the input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Longer lines add nothing the parser has not seen (boot refuses > 2047). */
#define MAX_INPUT 4096

static struct kmm_machine *machine;
static struct kmm_boot_params params, params2;

static void discard_console(void *ctx, int level, const char *line, size_t len)
{
	(void)ctx;
	(void)level;
	(void)line;
	(void)len;
}

static const struct kmm_boot_opts quiet_opts = { discard_console, NULL };

static void fail(const char *what, const char *input, const char *detail)
{
	fprintf(stderr, "fuzz_cmdline: %s\n  input: '%s'\n  detail: %s\n", what, input,
		detail ? detail : "");
	abort();
}

static void reset_machine(void)
{
	memset(machine, 0, sizeof(*machine));
	kmm_log_init(machine, &quiet_opts);
	kmm_sysctl_defaults(machine);
}

static int parse(const char *line, struct kmm_boot_params *p, char *err, size_t errlen)
{
	reset_machine();
	return kmm_parse_cmdline(machine, line, p, err, errlen);
}

static bool is_sep(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/*
 * Is the message explained by a word of @input: one that the message
 * quotes after @prefix (the word and its closing quote, or a prefix of the
 * word if the message was cut) and that, on its own, fails with the same
 * message?  Several words may fit the quote ("quiet" and "quiet'" both fit
 * "'quiet''"); one of them must explain it.
 */
static bool explained_by_a_word(const char *err, const char *prefix, const char *input,
				bool *quoted)
{
	size_t plen = strlen(prefix);
	const char *q = err + plen;
	size_t have = strlen(q);
	const char *s = input;

	*quoted = !strncmp(err, prefix, plen);
	if (!*quoted)
		return false;
	while (*s) {
		while (is_sep(*s))
			s++;
		if (!*s)
			break;
		const char *e = s;
		while (*e && !is_sep(*e))
			e++;
		size_t n = (size_t)(e - s);
		if ((have > n && !strncmp(q, s, n) && q[n] == '\'') ||
		    (have <= n && !strncmp(q, s, have))) {
			char *w = malloc(n + 1);
			char err2[1024];
			if (!w)
				abort();
			memcpy(w, s, n);
			w[n] = '\0';
			memset(err2, 0, sizeof(err2));
			int ret2 = parse(w, &params2, err2, sizeof(err2));
			free(w);
			if (ret2 == -KMM_EINVAL && !strcmp(err, err2))
				return true;
		}
		s = e;
	}
	return false;
}

static void check_error(const char *input, int ret, const char *err, size_t errlen)
{
	static const char *const quoted[] = { "malformed parameter '", "unknown parameter '" };
	static const char *const whole_line[] = { "too many memmap= ranges",
						  "memmap=exactmap given without any " };

	if (ret != -KMM_EINVAL)
		fail("kmm_parse_cmdline failed with an error other than -EINVAL", input, err);
	if (memchr(err, '\0', errlen) == NULL)
		fail("error message is not NUL-terminated within its buffer", input, NULL);
	if (!err[0])
		fail("failed without an error message", input, NULL);

	for (unsigned i = 0; i < sizeof(whole_line) / sizeof(whole_line[0]); i++)
		if (!strncmp(err, whole_line[i], strlen(whole_line[i]))) {
			if (!strstr(input, "memmap="))
				fail("memmap= error for a line without memmap=", input, err);
			return;
		}

	for (unsigned i = 0; i < sizeof(quoted) / sizeof(quoted[0]); i++) {
		bool is_quoted;
		if (explained_by_a_word(err, quoted[i], input, &is_quoted))
			return;
		if (is_quoted)
			fail("no word of the input quoted in the error fails alone with the "
			     "same message",
			     input, err);
	}
	fail("error message names no parameter of the input", input, err);
}

static bool same_params(const struct kmm_boot_params *a, const struct kmm_boot_params *b)
{
	if (a->mem_limit != b->mem_limit || a->nr_memmap != b->nr_memmap ||
	    a->memmap_exactmap != b->memmap_exactmap || a->numa_fake != b->numa_fake ||
	    a->numa_off != b->numa_off || a->nr_cpus != b->nr_cpus ||
	    a->kernelcore != b->kernelcore || a->movablecore != b->movablecore ||
	    a->kernelcore_percent != b->kernelcore_percent ||
	    a->movablecore_percent != b->movablecore_percent || a->quiet != b->quiet ||
	    a->loglevel != b->loglevel || a->nofail_retries != b->nofail_retries)
		return false;
	for (unsigned i = 0; i < a->nr_memmap && i < KMM_MAX_MEMMAP_ARGS; i++)
		if (a->memmap[i].start != b->memmap[i].start ||
		    a->memmap[i].size != b->memmap[i].size ||
		    a->memmap[i].type != b->memmap[i].type)
			return false;
	return true;
}

/* Parameters the parser must have range-checked. */
static void check_params(const char *input, const struct kmm_boot_params *p)
{
	if (p->nr_memmap > KMM_MAX_MEMMAP_ARGS)
		fail("more memmap= ranges than the table holds", input, NULL);
	if (p->mem_limit && p->mem_limit < (4u << 20))
		fail("mem= below 4M accepted", input, NULL);
	if (p->numa_fake < 0 || p->numa_fake > MAX_NUMNODES)
		fail("numa=fake= out of range accepted", input, NULL);
	if (p->nr_cpus < 0 || p->nr_cpus > KMM_MAX_CPUS)
		fail("nr_cpus= out of range accepted", input, NULL);
	if (p->kernelcore_percent < -1 || p->kernelcore_percent > 100 ||
	    p->movablecore_percent < -1 || p->movablecore_percent > 100)
		fail("kernelcore/movablecore percentage out of range accepted", input, NULL);
	if (p->loglevel < -1 || p->loglevel > 15)
		fail("loglevel= out of range accepted", input, NULL);
	for (unsigned i = 0; i < p->nr_memmap; i++) {
		if (!p->memmap[i].size)
			fail("empty memmap= range accepted", input, NULL);
		if (p->memmap[i].type != E820_TYPE_RAM && p->memmap[i].type != E820_TYPE_RESERVED)
			fail("memmap= range of unknown type", input, NULL);
	}
	if (p->memmap_exactmap) {
		bool any_ram = false;
		for (unsigned i = 0; i < p->nr_memmap; i++)
			any_ram |= p->memmap[i].type == E820_TYPE_RAM;
		if (!any_ram)
			fail("memmap=exactmap accepted without a RAM range", input, NULL);
	}
}

/* Does the e820 table cover [s, e) with entries of @type (0: any type)? */
static bool covered(const struct e820_table *t, uint64_t s, uint64_t e, unsigned type)
{
	for (unsigned i = 0; i < t->nr_entries && s < e; i++) {
		const struct e820_entry *x = &t->entries[i];
		uint64_t xe = x->addr + x->size;
		if (xe <= s)
			continue;
		if (x->addr > s || (type && x->type != type))
			return false;
		s = xe;
	}
	return s >= e;
}

static void check_e820(const char *input, const struct kmm_boot_params *p)
{
	const struct e820_table *t = &machine->e820;
	const uint64_t phys_end = 1ULL << KMM_MAX_PHYSMEM_BITS;
	uint64_t ram = 0;
	char detail[128];

	if (t->nr_entries == 0 || t->nr_entries > E820_MAX_ENTRIES)
		fail("e820 table empty or overfull", input, NULL);
	for (unsigned i = 0; i < t->nr_entries; i++) {
		const struct e820_entry *x = &t->entries[i];
		snprintf(detail, sizeof(detail), "entry %u: 0x%llx+0x%llx type %d", i,
			 (unsigned long long)x->addr, (unsigned long long)x->size, (int)x->type);
		if (!x->size)
			fail("empty e820 entry", input, detail);
		if (x->type != E820_TYPE_RAM && x->type != E820_TYPE_RESERVED)
			fail("e820 entry of unknown type", input, detail);
		if (x->addr + x->size < x->addr || x->addr + x->size > phys_end)
			fail("e820 entry beyond the physical address space", input, detail);
		if (p->mem_limit && x->addr + x->size > p->mem_limit)
			fail("e820 entry above mem=", input, detail);
		if (i > 0) {
			const struct e820_entry *prev = &t->entries[i - 1];
			if (prev->addr + prev->size > x->addr)
				fail("e820 entries unsorted or overlapping", input, detail);
			if (prev->addr + prev->size == x->addr && prev->type == x->type)
				fail("adjacent e820 entries of one type not merged", input, detail);
		}
		if (x->type == E820_TYPE_RAM)
			ram += x->size;
	}
	if (ram < (4u << 20))
		fail("e820 setup accepted less than 4 MiB of RAM", input, NULL);

	/* Every memmap= range (below mem=) is in the map; reserved wins. */
	for (unsigned i = 0; i < p->nr_memmap; i++) {
		const struct kmm_memmap_arg *a = &p->memmap[i];
		uint64_t s = a->start, e = a->start + a->size;
		if (p->mem_limit && e > p->mem_limit)
			e = p->mem_limit;
		if (s >= e)
			continue;
		snprintf(detail, sizeof(detail), "memmap range %u: 0x%llx-0x%llx type %d", i,
			 (unsigned long long)s, (unsigned long long)e, (int)a->type);
		if (!covered(t, s, e, a->type == E820_TYPE_RESERVED ? E820_TYPE_RESERVED : 0))
			fail("memmap= range missing from the e820 table", input, detail);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[1024];

	if (size > MAX_INPUT)
		return 0;
	if (!machine) {
		machine = calloc(1, sizeof(*machine));
		if (!machine)
			abort();
	}
	/* an exact-size copy, so that ASan sees any read past the terminator */
	size_t len = strnlen((const char *)data, size);
	char *line = malloc(len + 1);
	if (!line)
		abort();
	memcpy(line, data, len);
	line[len] = '\0';

	memset(err, 0x7f, sizeof(err));
	int ret = parse(line, &params, err, sizeof(err));
	if (ret) {
		check_error(line, ret, err, sizeof(err));
		/* tiny error buffers: "" in one byte, nothing written with none */
		char tiny[2] = { 'x', 'y' };
		if (parse(line, &params2, tiny, 1) != ret || tiny[0] || tiny[1] != 'y')
			fail("error written past a 1-byte buffer", line, NULL);
		tiny[0] = 'x';
		if (parse(line, &params2, tiny, 0) != ret || tiny[0] != 'x')
			fail("error written into a 0-byte buffer", line, NULL);
		free(line);
		return 0;
	}
	check_params(line, &params);

	/* deterministic: the same line parses to the same parameters */
	char err2[256];
	if (parse(line, &params2, err2, sizeof(err2)) || !same_params(&params, &params2))
		fail("a second parse of the same line differs", line, NULL);

	/* the e820 setup sees the machine as the parse left it */
	(void)parse(line, &params, err, sizeof(err));
	memset(err, 0x7f, sizeof(err));
	ret = e820__memory_setup(machine, &params, err, sizeof(err));
	if (ret) {
		if (ret != -KMM_EINVAL || !memchr(err, '\0', sizeof(err)) || !err[0])
			fail("e820 setup failed without a proper message", line, NULL);
		if (strncmp(err, "memmap= range ", 14) && strncmp(err, "machine has ", 12))
			fail("unexpected e820 error message", line, err);
	} else {
		check_e820(line, &params);
	}
	free(line);
	return 0;
}
