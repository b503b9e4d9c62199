/* SPDX-License-Identifier: MIT */
/*
 * src/kernel/params.c - the machine description: Linux kernel command-line
 * parameters (kernel/params.c, Documentation/admin-guide/kernel-parameters).
 *
 * Accepted:
 *   mem=nn[KMG]              limit usable RAM to the first nn bytes
 *   memmap=exactmap          discard the firmware map; use memmap= entries
 *   memmap=nn[KMG]@ss[KMG]   usable RAM at ss
 *   memmap=nn[KMG]$ss[KMG]   reserved range at ss (also '#' and '!')
 *   numa=fake=N | numa=off   N emulated nodes (default 2) | one node
 *   nr_cpus=N                CPU slots (default 2)
 *   kernelcore=nn[KMG]|nn%   memory for non-movable allocations
 *   movablecore=nn[KMG]|nn%  memory for ZONE_MOVABLE
 *   sysctl.vm.NAME=VALUE     any /proc/sys/vm knob
 *   quiet | loglevel=N       console verbosity
 *   slab_debug=[FZPUT][,cache,...] (slub_debug=) slab debugging
 *   slab_colour=on|off       slab colouring (kmm's knob, for measuring it)
 *   kmm.nofail_retries=N     bound on __GFP_NOFAIL retries (default 1000)
 *   vmalloc=nn[KMG]|contig|alias  vmalloc's window size, or physically
 *                            contiguous pages instead of aliasing (read
 *                            again by vmalloc_init(), src/mm/vmalloc.c)
 * Several memmap= ranges may be given comma-separated in one parameter.
 */
#include "mm/slab.h"
#include "mm/vmalloc.h"

static const char accepted_params[] =
	"mem=nn[KMG], memmap=exactmap, memmap=nn[KMG]@ss[KMG], memmap=nn[KMG]$ss[KMG], "
	"numa=fake=N, numa=off, nr_cpus=N, kernelcore=nn[KMG]|nn%, "
	"movablecore=nn[KMG]|nn%, sysctl.vm.NAME=VALUE, quiet, loglevel=N, "
	"slab_debug=[FZPUT][,cache,...], slab_colour=on|off, kmm.nofail_retries=N, "
	"vmalloc=nn[KMG]|contig|alias";

static int param_error(char *err, size_t errlen, const char *param, size_t plen, const char *expect)
{
	if (expect)
		kmm_snprintf(err, errlen, "malformed parameter '%.*s': expected %s", (int)plen,
			     param, expect);
	else
		kmm_snprintf(err, errlen, "unknown parameter '%.*s' (accepted: %s)", (int)plen,
			     param, accepted_params);
	return -KMM_EINVAL;
}

/* Parse a whole value with memparse; the full string must be consumed. */
static bool parse_size(const char *s, const char *e, uint64_t *out)
{
	const char *end;
	unsigned long long v;
	if (s == e || kmm_memparse(s, &end, &v) || end != e)
		return false;
	*out = v;
	return true;
}

static bool parse_int(const char *s, const char *e, long long lo, long long hi, int *out)
{
	char tmp[32];
	long long v;
	if (s == e || (size_t)(e - s) >= sizeof(tmp))
		return false;
	kmm_memcpy(tmp, s, (size_t)(e - s));
	tmp[e - s] = '\0';
	if (kmm_kstrtoll(tmp, 10, &v) || v < lo || v > hi)
		return false;
	*out = (int)v;
	return true;
}

/* nn[KMG] or nn% */
static bool parse_core(const char *s, const char *e, uint64_t *bytes, int *percent)
{
	if (e > s && e[-1] == '%')
		return parse_int(s, e - 1, 0, 100, percent);
	*percent = -1;
	return parse_size(s, e, bytes);
}

static int parse_memmap(struct kmm_boot_params *p, const char *s, const char *e, char *err,
			size_t errlen, const char *param, size_t plen)
{
	static const char form[] = "memmap=exactmap, memmap=nn[KMG]@ss[KMG] or "
				   "memmap=nn[KMG]$ss[KMG]";
	while (s < e) {
		const char *comma = s;
		while (comma < e && *comma != ',')
			comma++;
		if (comma - s == 8 && !kmm_strncmp(s, "exactmap", 8)) {
			p->memmap_exactmap = true;
		} else {
			const char *at = s;
			while (at < comma && *at != '@' && *at != '$' && *at != '#' && *at != '!')
				at++;
			uint64_t size, start;
			if (at == comma || !parse_size(s, at, &size) ||
			    !parse_size(at + 1, comma, &start) || !size)
				return param_error(err, errlen, param, plen, form);
			if (p->nr_memmap >= KMM_MAX_MEMMAP_ARGS) {
				kmm_snprintf(err, errlen, "too many memmap= ranges (max %d)",
					     KMM_MAX_MEMMAP_ARGS);
				return -KMM_EINVAL;
			}
			struct kmm_memmap_arg *a = &p->memmap[p->nr_memmap++];
			a->start = start;
			a->size = size;
			a->type = *at == '@' ? E820_TYPE_RAM : E820_TYPE_RESERVED;
		}
		s = comma + (comma < e);
	}
	return 0;
}

static int parse_one(struct kmm_machine *m, struct kmm_boot_params *p, const char *param,
		     size_t plen, char *err, size_t errlen)
{
	const char *eq = param;
	const char *e = param + plen;
	while (eq < e && *eq != '=')
		eq++;
	size_t klen = (size_t)(eq - param);
	const char *v = eq < e ? eq + 1 : e;
	bool has_val = eq < e;
#define KEY(k) (klen == sizeof(k) - 1 && !kmm_strncmp(param, k, klen))

	if (KEY("quiet") && !has_val) {
		p->quiet = true;
		return 0;
	}
	if (!has_val)
		return param_error(err, errlen, param, plen, NULL);
	if (KEY("mem")) {
		if (!parse_size(v, e, &p->mem_limit) || p->mem_limit < (4u << 20))
			return param_error(err, errlen, param, plen, "mem=nn[KMG] (at least 4M)");
		return 0;
	}
	if (KEY("memmap"))
		return parse_memmap(p, v, e, err, errlen, param, plen);
	if (KEY("numa")) {
		if (e - v == 3 && !kmm_strncmp(v, "off", 3)) {
			p->numa_off = true;
			return 0;
		}
		if (e - v > 5 && !kmm_strncmp(v, "fake=", 5) &&
		    parse_int(v + 5, e, 1, MAX_NUMNODES, &p->numa_fake))
			return 0;
		return param_error(err, errlen, param, plen, "numa=fake=N (1..64) or numa=off");
	}
	if (KEY("nr_cpus")) {
		if (!parse_int(v, e, 1, KMM_MAX_CPUS, &p->nr_cpus))
			return param_error(err, errlen, param, plen, "nr_cpus=N (1..64)");
		return 0;
	}
	if (KEY("kernelcore")) {
		if (!parse_core(v, e, &p->kernelcore, &p->kernelcore_percent))
			return param_error(err, errlen, param, plen, "kernelcore=nn[KMG] or nn%");
		return 0;
	}
	if (KEY("movablecore")) {
		if (!parse_core(v, e, &p->movablecore, &p->movablecore_percent))
			return param_error(err, errlen, param, plen, "movablecore=nn[KMG] or nn%");
		return 0;
	}
	if (KEY("loglevel")) {
		if (!parse_int(v, e, 0, 15, &p->loglevel))
			return param_error(err, errlen, param, plen, "loglevel=N (0..15)");
		return 0;
	}
	if (KEY("slab_colour")) {
		if (e - v == 3 && !kmm_strncmp(v, "off", 3))
			m->slab.no_colour = true;
		else if (e - v == 2 && !kmm_strncmp(v, "on", 2))
			m->slab.no_colour = false;
		else
			return param_error(err, errlen, param, plen, "slab_colour=on|off");
		return 0;
	}
	if (KEY("slab_debug") || KEY("slub_debug")) {
		if (kmm_parse_slab_debug(m, v, e))
			return param_error(err, errlen, param, plen,
					   "slab_debug=[FZPUT][,cache,...] (also slub_debug=)");
		return 0;
	}
	if (KEY("vmalloc")) {
		uint64_t bytes;
		bool contig;
		if (vmalloc_parse_param(v, e, &bytes, &contig))
			return param_error(err, errlen, param, plen, VMALLOC_PARAM_FORM);
		return 0;
	}
	if (KEY("kmm.nofail_retries")) {
		if (!parse_int(v, e, 1, 1000000, &p->nofail_retries))
			return param_error(err, errlen, param, plen,
					   "kmm.nofail_retries=N (1..1000000)");
		return 0;
	}
	if (klen > 10 && !kmm_strncmp(param, "sysctl.vm.", 10)) {
		char name[64], val[128];
		if (klen - 7 >= sizeof(name) || (size_t)(e - v) >= sizeof(val))
			return param_error(err, errlen, param, plen, "sysctl.vm.NAME=VALUE");
		kmm_memcpy(name, "vm/", 3);
		kmm_memcpy(name + 3, param + 10, klen - 10);
		name[klen - 7] = '\0';
		kmm_memcpy(val, v, (size_t)(e - v));
		val[e - v] = '\0';
		/* sysctl.vm.a.b means vm/a/b as in Linux's sysctl. boot parameter */
		for (char *c = name; *c; c++)
			if (*c == '.')
				*c = '/';
		const struct kmm_sysctl *s = kmm_sysctl_find(name);
		if (!s) {
			kmm_snprintf(err, errlen,
				     "unknown parameter '%.*s': no sysctl /proc/sys/%s", (int)plen,
				     param, name);
			return -KMM_EINVAL;
		}
		if (kmm_sysctl_write(m, s, val, true)) {
			kmm_snprintf(err, errlen,
				     "malformed parameter '%.*s': expected %s=N with N in [%d, %d]",
				     (int)plen, param, "sysctl.vm.NAME", s->min, s->max);
			return -KMM_EINVAL;
		}
		return 0;
	}
#undef KEY
	return param_error(err, errlen, param, plen, NULL);
}

int kmm_parse_cmdline(struct kmm_machine *m, const char *cmdline, struct kmm_boot_params *p,
		      char *err, size_t errlen)
{
	kmm_memset(p, 0, sizeof(*p));
	p->kernelcore_percent = -1;
	p->movablecore_percent = -1;
	p->loglevel = -1;
	if (!cmdline)
		return 0;
	const char *s = cmdline;
	while (*s) {
		while (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
		if (!*s)
			break;
		const char *e = s;
		while (*e && *e != ' ' && *e != '\t' && *e != '\n')
			e++;
		int ret = parse_one(m, p, s, (size_t)(e - s), err, errlen);
		if (ret)
			return ret;
		s = e;
	}
	if (p->memmap_exactmap) {
		bool any_ram = false;
		for (unsigned i = 0; i < p->nr_memmap; i++)
			any_ram |= p->memmap[i].type == E820_TYPE_RAM;
		if (!any_ram) {
			kmm_snprintf(err, errlen,
				     "memmap=exactmap given without any "
				     "memmap=nn[KMG]@ss[KMG] RAM range");
			return -KMM_EINVAL;
		}
	}
	return 0;
}
