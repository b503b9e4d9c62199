// SPDX-License-Identifier: MIT
/*
 * src/fs/proc_pid.c - the per-task directories /proc/<pid>/ (fs/proc/base.c
 * for the directory and oom_score_adj, fs/proc/task_mmu.c for maps, smaps,
 * smaps_rollup and the memory lines of status, fs/proc/array.c for status).
 *
 * The formats are those of an x86-64 Linux 6.1 (as /proc/meminfo): a task
 * here is a single-threaded root process with umask 0022, no pending or
 * handled signals, allowed on every CPU and online node.  maps shows a file
 * mapping with the host file's device and inode and its path; shared
 * anonymous memory and memfds are shmem files on device 00:01, named
 * "/dev/zero (deleted)" and "/memfd:NAME (deleted)" as Linux names them.
 * The heap is the anonymous VMA inside [start_brk, brk), the stack a
 * VM_GROWSDOWN one.
 *
 * smaps walks the page tables of each VMA (walk_pte_range) under
 * mmap_lock held for reading, each PTE read under its table's lock, and
 * accounts each mapped page as smaps_account() does: Pss divides a page by
 * its mapcount, a page is shared when more than one PTE maps it, dirty when
 * its PTE or the page is.  Swap entries count in Swap (whole: there is no
 * swap count yet).  The zero page and other special mappings count nowhere.
 *
 * A task killed by a signal is a zombie (State: Z): as in Linux it has no
 * memory to show (no Vm lines in status; maps and smaps are empty) until
 * kmm_task_exit() reaps it.  Like every kmm_task_find() caller, a read of
 * /proc/<pid>/ must not race with kmm_task_exit() of that task.
 */
#include "mm/vma.h"

#define PROC_PID_MAX 4194304 /* pid_max */
#define PSS_SHIFT 12
#define K(bytes) ((unsigned long long)(bytes) >> 10)
#define PG_K(pages) ((unsigned long long)(pages) << (KMM_PAGE_SHIFT - 10))

/* The width a maps line is padded to before its name (seq_setwidth). */
#define MAPS_NAME_COLUMN (25 + 8 * 6 - 1)

/* ---- names and lookup ------------------------------------------------------------ */

/* A canonical decimal pid ("0", leading zeros and signs refused) or -1. */
static int parse_pid(const char *s, size_t len)
{
	long v = 0;

	if (!len || len > 7 || (s[0] == '0'))
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v <= PROC_PID_MAX ? (int)v : -1;
}

static inline int node_pid(const void *data)
{
	return (int)(uintptr_t)data;
}

/* The task of a node, or NULL if it has gone. */
static struct kmm_task *node_task(struct kmm_machine *m, const void *data)
{
	return kmm_task_find(m, node_pid(data));
}

static inline bool task_dead(const struct kmm_task *t)
{
	return atomic_load(&((struct kmm_task *)t)->signal) != 0;
}

/* ---- maps -------------------------------------------------------------------------- */

/* The inode of a shmem object: its place in the machine's memory, stable
 * for its life and unique among live objects. */
static uint64_t shmem_ino(struct kmm_machine *m, const struct kmm_file *f)
{
	const unsigned char *p = (const unsigned char *)f;

	if (p >= m->ram && p < m->ram + m->ram_bytes)
		return (uint64_t)(p - m->ram) / 64 + 1;
	return 1;
}

static void file_identity(struct kmm_machine *m, struct kmm_file *f, unsigned *major,
			  unsigned *minor, uint64_t *ino)
{
	int fd;

	*major = *minor = 0;
	*ino = 0;
	if (f->shmem) {
		/* the internal tmpfs mount: the first anonymous device */
		*minor = 1;
		*ino = shmem_ino(m, f);
		return;
	}
	fd = __atomic_load_n(&f->host_fd, __ATOMIC_ACQUIRE);
	if (fd < 0 || kmm_port_file_id(fd, major, minor, ino)) {
		*major = *minor = 0;
		*ino = 0;
	}
}

/* seq_file_path(m, file, "\n"): the path with newlines as \012 */
static void put_path(struct seq_buf *sb, const char *path)
{
	for (const char *p = path; *p; p++) {
		if (*p == '\n')
			seq_buf_puts(sb, "\\012");
		else
			seq_buf_putc(sb, *p);
	}
}

static void put_file_name(struct seq_buf *sb, const struct kmm_file *f)
{
	if (!f->shmem) {
		put_path(sb, f->path);
		return;
	}
	/* shmem objects are unlinked dentries of the internal mount */
	if (!kmm_strcmp(f->path, "dev/zero") || kmm_str_starts(f->path, "memfd:")) {
		seq_buf_putc(sb, '/');
		put_path(sb, f->path);
	} else {
		seq_buf_puts(sb, "/memfd:");
		put_path(sb, f->path);
	}
	seq_buf_puts(sb, " (deleted)");
}

static const char *anon_vma_label(const struct vm_area_struct *v)
{
	const struct mm_struct *mm = v->vm_mm;

	if (v->vm_start < mm->brk && v->vm_end > mm->start_brk)
		return "[heap]";
	if ((v->vm_flags & VM_GROWSDOWN) ||
	    (mm->start_stack && v->vm_start <= mm->start_stack && v->vm_end >= mm->start_stack))
		return "[stack]";
	return NULL;
}

/* show_vma_header_prefix(): everything up to and including the inode's space. */
static size_t vma_header_prefix(char *buf, size_t size, uint64_t start, uint64_t end,
				unsigned long flags, uint64_t pgoff, unsigned major, unsigned minor,
				uint64_t ino)
{
	int n = kmm_snprintf(buf, size, "%08llx-%08llx %c%c%c%c %08llx %02x:%02x %llu ",
			     (unsigned long long)start, (unsigned long long)end,
			     flags & VM_READ ? 'r' : '-', flags & VM_WRITE ? 'w' : '-',
			     flags & VM_EXEC ? 'x' : '-', flags & VM_MAYSHARE ? 's' : 'p',
			     (unsigned long long)pgoff, major, minor, (unsigned long long)ino);
	return n < 0 ? 0 : KMM_MIN((size_t)n, size - 1);
}

/* seq_pad(m, ' '): pad a line to the name column, then a space. */
static void pad_to_name(struct seq_buf *sb, size_t prefix_len)
{
	for (size_t i = prefix_len; i < MAPS_NAME_COLUMN; i++)
		seq_buf_putc(sb, ' ');
	seq_buf_putc(sb, ' ');
}

static void show_map_vma(struct kmm_machine *m, struct seq_buf *sb, struct vm_area_struct *v)
{
	char prefix[128];
	unsigned major = 0, minor = 0;
	uint64_t ino = 0, pgoff = 0;
	const char *label = NULL;
	size_t n;

	if (v->vm_file) {
		file_identity(m, v->vm_file, &major, &minor, &ino);
		pgoff = (uint64_t)v->vm_pgoff << KMM_PAGE_SHIFT;
	}
	n = vma_header_prefix(prefix, sizeof(prefix), v->vm_start, v->vm_end, v->vm_flags, pgoff,
			      major, minor, ino);
	seq_buf_puts(sb, prefix);
	if (v->vm_file) {
		pad_to_name(sb, n);
		put_file_name(sb, v->vm_file);
	} else if ((label = anon_vma_label(v))) {
		pad_to_name(sb, n);
		seq_buf_puts(sb, label);
	}
	seq_buf_putc(sb, '\n');
}

static void show_maps(struct kmm_machine *m, const void *data, struct seq_buf *sb)
{
	struct kmm_task *t = node_task(m, data);
	struct mm_struct *mm;

	if (!t || task_dead(t) || !(mm = t->mm))
		return;
	down_read(&mm->mmap_lock);
	for (struct vm_area_struct *v = mm->mmap; v; v = v->vm_next)
		show_map_vma(m, sb, v);
	up_read(&mm->mmap_lock);
}

/* ---- smaps ------------------------------------------------------------------------- */

struct mem_size_stats {
	uint64_t resident, shared_clean, shared_dirty, private_clean, private_dirty;
	uint64_t referenced, anonymous, lazyfree, swap;
	uint64_t pss, pss_anon, pss_file, pss_shmem, pss_dirty, pss_locked, swap_pss;
};

static void smaps_page_accumulate(struct mem_size_stats *mss, struct page *page, uint64_t size,
				  uint64_t pss, bool dirty, bool locked, bool private)
{
	mss->pss += pss;
	if (PageAnon(page))
		mss->pss_anon += pss;
	else if (PageSwapBacked(page))
		mss->pss_shmem += pss;
	else
		mss->pss_file += pss;
	if (locked)
		mss->pss_locked += pss;
	if (dirty || PageDirty(page)) {
		mss->pss_dirty += pss;
		if (private)
			mss->private_dirty += size;
		else
			mss->shared_dirty += size;
	} else {
		if (private)
			mss->private_clean += size;
		else
			mss->shared_clean += size;
	}
}

static void smaps_account(struct mem_size_stats *mss, struct page *page, bool young, bool dirty,
			  bool locked)
{
	const uint64_t size = KMM_PAGE_SIZE;
	int mapcount;
	uint64_t pss = size << PSS_SHIFT;

	if (PageAnon(page)) {
		mss->anonymous += size;
		if (!PageSwapBacked(page) && !dirty && !PageDirty(page))
			mss->lazyfree += size;
	}
	mss->resident += size;
	if (young || PageReferenced(page))
		mss->referenced += size;
	/* a page only this PTE holds is mapped exactly once */
	if (page_ref_count(page) == 1) {
		smaps_page_accumulate(mss, page, size, pss, dirty, locked, true);
		return;
	}
	mapcount = page_mapcount(page);
	if (mapcount >= 2)
		pss /= (uint64_t)mapcount;
	smaps_page_accumulate(mss, page, size, pss, dirty, locked, mapcount < 2);
}

struct smaps_walk {
	struct vm_area_struct *vma;
	struct mem_size_stats *mss;
};

static int smaps_pte_entry(pteval_t *slot, uint64_t addr, void *arg)
{
	struct smaps_walk *w = arg;
	struct vm_area_struct *vma = w->vma;
	struct mem_size_stats *mss = w->mss;
	kmm_spinlock_t *ptl;
	pteval_t pte;

	if (!pte_offset_map(vma->vm_mm, addr, &ptl))
		return 0;
	spin_lock(ptl);
	pte = pte_read(slot);
	if (pte_present(pte)) {
		struct page *page = vm_normal_page(vma, addr, pte);

		if (page)
			smaps_account(mss, page, pte_young(pte), pte_dirty(pte),
				      (vma->vm_flags & VM_LOCKED) != 0);
	} else if (is_swap_pte(pte)) {
		mss->swap += KMM_PAGE_SIZE;
		mss->swap_pss += (uint64_t)KMM_PAGE_SIZE << PSS_SHIFT;
	}
	spin_unlock(ptl);
	return 0;
}

static void smap_gather_stats(struct vm_area_struct *vma, struct mem_size_stats *mss)
{
	struct smaps_walk w = { vma, mss };

	walk_pte_range(vma->vm_mm, vma->vm_start, vma->vm_end, smaps_pte_entry, &w);
}

static void put_kb(struct seq_buf *sb, const char *label, uint64_t bytes)
{
	seq_buf_printf(sb, "%s%8llu kB\n", label, K(bytes));
}

/* __show_smap(): the lines smaps and smaps_rollup share. */
static void show_smap_stats(struct seq_buf *sb, const struct mem_size_stats *mss, bool rollup)
{
	put_kb(sb, "Rss:            ", mss->resident);
	put_kb(sb, "Pss:            ", mss->pss >> PSS_SHIFT);
	put_kb(sb, "Pss_Dirty:      ", mss->pss_dirty >> PSS_SHIFT);
	if (rollup) {
		/* meaningful only summed over VMAs: per VMA two are 0, one is Pss */
		put_kb(sb, "Pss_Anon:       ", mss->pss_anon >> PSS_SHIFT);
		put_kb(sb, "Pss_File:       ", mss->pss_file >> PSS_SHIFT);
		put_kb(sb, "Pss_Shmem:      ", mss->pss_shmem >> PSS_SHIFT);
	}
	put_kb(sb, "Shared_Clean:   ", mss->shared_clean);
	put_kb(sb, "Shared_Dirty:   ", mss->shared_dirty);
	put_kb(sb, "Private_Clean:  ", mss->private_clean);
	put_kb(sb, "Private_Dirty:  ", mss->private_dirty);
	put_kb(sb, "Referenced:     ", mss->referenced);
	put_kb(sb, "Anonymous:      ", mss->anonymous);
	put_kb(sb, "LazyFree:       ", mss->lazyfree);
	put_kb(sb, "AnonHugePages:  ", 0);
	put_kb(sb, "ShmemPmdMapped: ", 0);
	put_kb(sb, "FilePmdMapped:  ", 0);
	put_kb(sb, "Shared_Hugetlb: ", 0);
	seq_buf_printf(sb, "Private_Hugetlb: %7llu kB\n", 0ULL);
	put_kb(sb, "Swap:           ", mss->swap);
	put_kb(sb, "SwapPss:        ", mss->swap_pss >> PSS_SHIFT);
	put_kb(sb, "Locked:         ", mss->pss_locked >> PSS_SHIFT);
}

/* show_smap_vma_flags(): two letters per flag, "??" for one Linux has no name for */
static void show_vma_flags(struct seq_buf *sb, unsigned long flags)
{
	static const struct {
		unsigned long flag;
		char name[3];
	} mnemonics[] = {
		{ VM_READ, "rd" },	 { VM_WRITE, "wr" },	   { VM_EXEC, "ex" },
		{ VM_SHARED, "sh" },	 { VM_MAYREAD, "mr" },	   { VM_MAYWRITE, "mw" },
		{ VM_MAYEXEC, "me" },	 { VM_MAYSHARE, "ms" },	   { VM_GROWSDOWN, "gd" },
		{ VM_PFNMAP, "pf" },	 { VM_LOCKED, "lo" },	   { VM_IO, "io" },
		{ VM_SEQ_READ, "sr" },	 { VM_RAND_READ, "rr" },   { VM_DONTCOPY, "dc" },
		{ VM_DONTEXPAND, "de" }, { VM_LOCKONFAULT, "lf" }, { VM_ACCOUNT, "ac" },
		{ VM_NORESERVE, "nr" },	 { VM_HUGETLB, "ht" },	   { VM_HUGEPAGE, "hg" },
		{ VM_NOHUGEPAGE, "nh" }, { VM_MERGEABLE, "mg" },
	};

	seq_buf_puts(sb, "VmFlags: ");
	for (unsigned bit = 0; bit < 64; bit++) {
		unsigned long f = 1UL << bit;
		const char *name = "??";

		if (!(flags & f))
			continue;
		for (unsigned i = 0; i < KMM_ARRAY_SIZE(mnemonics); i++)
			if (mnemonics[i].flag == f)
				name = mnemonics[i].name;
		seq_buf_printf(sb, "%s ", name);
	}
	seq_buf_putc(sb, '\n');
}

static void show_smaps(struct kmm_machine *m, const void *data, struct seq_buf *sb)
{
	struct kmm_task *t = node_task(m, data);
	struct mm_struct *mm;

	if (!t || task_dead(t) || !(mm = t->mm))
		return;
	down_read(&mm->mmap_lock);
	for (struct vm_area_struct *v = mm->mmap; v; v = v->vm_next) {
		struct mem_size_stats mss = { 0 };

		smap_gather_stats(v, &mss);
		show_map_vma(m, sb, v);
		put_kb(sb, "Size:           ", v->vm_end - v->vm_start);
		put_kb(sb, "KernelPageSize: ", KMM_PAGE_SIZE);
		put_kb(sb, "MMUPageSize:    ", KMM_PAGE_SIZE);
		show_smap_stats(sb, &mss, false);
		/* no transparent huge pages in kmm: no VMA is eligible */
		seq_buf_printf(sb, "THPeligible:    %d\n", 0);
		show_vma_flags(sb, v->vm_flags);
	}
	up_read(&mm->mmap_lock);
}

static void show_smaps_rollup(struct kmm_machine *m, const void *data, struct seq_buf *sb)
{
	struct kmm_task *t = node_task(m, data);
	struct mem_size_stats mss = { 0 };
	uint64_t start = 0, end = 0;
	struct mm_struct *mm;
	char prefix[128];
	size_t n;

	if (!t || task_dead(t) || !(mm = t->mm))
		return;
	down_read(&mm->mmap_lock);
	if (mm->mmap)
		start = mm->mmap->vm_start;
	for (struct vm_area_struct *v = mm->mmap; v; v = v->vm_next) {
		smap_gather_stats(v, &mss);
		end = v->vm_end;
	}
	up_read(&mm->mmap_lock);
	n = vma_header_prefix(prefix, sizeof(prefix), start, end, 0, 0, 0, 0, 0);
	seq_buf_puts(sb, prefix);
	pad_to_name(sb, n);
	seq_buf_puts(sb, "[rollup]\n");
	show_smap_stats(sb, &mss, true);
}

/* ---- status ------------------------------------------------------------------------ */

/* bitmap_string() ("%*pb"): 32-bit chunks in hex, the highest first. */
static void put_bitmap(struct seq_buf *sb, const uint64_t *bits, unsigned nr_bits)
{
	unsigned chunksz = nr_bits & 31 ? nr_bits & 31 : 32;
	bool first = true;

	for (int i = (int)KMM_ALIGN_UP(nr_bits, 32u) - 32; i >= 0; i -= 32) {
		uint64_t mask = (1ULL << chunksz) - 1;
		unsigned val = (unsigned)((bits[i / 64] >> (i % 64)) & mask);

		seq_buf_printf(sb, "%s%0*x", first ? "" : ",", (int)((chunksz + 3) / 4), val);
		first = false;
		chunksz = 32;
	}
}

/* bitmap_list_string() ("%*pbl"): "0-3,6". */
static void put_bitmap_list(struct seq_buf *sb, const uint64_t *bits, unsigned nr_bits)
{
	bool first = true;

	for (unsigned i = 0; i < nr_bits; i++) {
		unsigned j = i;

		if (!((bits[i / 64] >> (i % 64)) & 1))
			continue;
		while (j + 1 < nr_bits && ((bits[(j + 1) / 64] >> ((j + 1) % 64)) & 1))
			j++;
		if (j == i)
			seq_buf_printf(sb, "%s%u", first ? "" : ",", i);
		else
			seq_buf_printf(sb, "%s%u-%u", first ? "" : ",", i, j);
		first = false;
		i = j;
	}
}

/* The parent while it lives; an orphan shows 0 (there is no init to adopt it). */
static int task_ppid(struct kmm_machine *m, const struct kmm_task *t)
{
	return t->ppid && kmm_task_find(m, t->ppid) ? t->ppid : 0;
}

/* Process group and session: inherited over fork, from the oldest living ancestor. */
static int task_session(struct kmm_machine *m, const struct kmm_task *t)
{
	int pid = t->pid;

	for (int depth = 0; depth < 64; depth++) {
		struct kmm_task *p = t->ppid ? kmm_task_find(m, t->ppid) : NULL;

		if (!p)
			break;
		pid = p->pid;
		t = p;
	}
	return pid;
}

/* task_mem(): the mm's sizes (fs/proc/task_mmu.c). */
static void task_mem(struct seq_buf *sb, struct mm_struct *mm)
{
	unsigned long anon = (unsigned long)get_mm_counter(mm, MM_ANONPAGES);
	unsigned long file = (unsigned long)get_mm_counter(mm, MM_FILEPAGES);
	unsigned long shmem = (unsigned long)get_mm_counter(mm, MM_SHMEMPAGES);
	unsigned long swap = (unsigned long)get_mm_counter(mm, MM_SWAPENTS);
	unsigned long total_vm, hiwater_vm, total_rss, hiwater_rss, locked, data, stack;
	uint64_t text, lib, exec;

	down_read(&mm->mmap_lock);
	hiwater_vm = total_vm = mm->total_vm;
	if (hiwater_vm < mm->hiwater_vm)
		hiwater_vm = mm->hiwater_vm;
	hiwater_rss = total_rss = anon + file + shmem;
	if (hiwater_rss < mm->hiwater_rss)
		hiwater_rss = mm->hiwater_rss;
	locked = mm->locked_vm;
	data = mm->data_vm;
	stack = mm->stack_vm;
	/* split executable areas between text and lib */
	exec = (uint64_t)mm->exec_vm << KMM_PAGE_SHIFT;
	text = KMM_ALIGN_UP(mm->end_code, (uint64_t)KMM_PAGE_SIZE) -
	       (mm->start_code & KMM_PAGE_MASK);
	text = KMM_MIN(text, exec);
	lib = exec - text;
	up_read(&mm->mmap_lock);

	seq_buf_printf(sb, "VmPeak:\t%8llu kB\n", PG_K(hiwater_vm));
	seq_buf_printf(sb, "VmSize:\t%8llu kB\n", PG_K(total_vm));
	seq_buf_printf(sb, "VmLck:\t%8llu kB\n", PG_K(locked));
	seq_buf_printf(sb, "VmPin:\t%8llu kB\n", 0ULL);
	seq_buf_printf(sb, "VmHWM:\t%8llu kB\n", PG_K(hiwater_rss));
	seq_buf_printf(sb, "VmRSS:\t%8llu kB\n", PG_K(total_rss));
	seq_buf_printf(sb, "RssAnon:\t%8llu kB\n", PG_K(anon));
	seq_buf_printf(sb, "RssFile:\t%8llu kB\n", PG_K(file));
	seq_buf_printf(sb, "RssShmem:\t%8llu kB\n", PG_K(shmem));
	seq_buf_printf(sb, "VmData:\t%8llu kB\n", PG_K(data));
	seq_buf_printf(sb, "VmStk:\t%8llu kB\n", PG_K(stack));
	seq_buf_printf(sb, "VmExe:\t%8llu kB\n", K(text));
	seq_buf_printf(sb, "VmLib:\t%8llu kB\n", K(lib));
	seq_buf_printf(sb, "VmPTE:\t%8llu kB\n",
		       K(atomic_load_explicit(&mm->pgtables_bytes, memory_order_relaxed)));
	seq_buf_printf(sb, "VmSwap:\t%8llu kB\n", PG_K(swap));
	/* hugetlb_report_usage() */
	seq_buf_printf(sb, "HugetlbPages:\t%8llu kB\n", 0ULL);
}

static void show_status(struct kmm_machine *m, const void *data, struct seq_buf *sb)
{
	struct kmm_task *t = node_task(m, data);
	bool dead;
	uint64_t cpus[KMM_ALIGN_UP(KMM_MAX_CPUS, 64) / 64] = { 0 };
	uint64_t nodes[KMM_ALIGN_UP(MAX_NUMNODES, 64) / 64] = { 0 };
	unsigned long max_threads;
	int nid, sid;

	if (!t)
		return;
	dead = task_dead(t);
	sid = task_session(m, t);

	/* task_name(): the comm with '\n' and '\\' escaped */
	seq_buf_puts(sb, "Name:\t");
	for (const char *p = t->comm; *p; p++) {
		if (*p == '\n')
			seq_buf_puts(sb, "\\n");
		else if (*p == '\\')
			seq_buf_puts(sb, "\\\\");
		else
			seq_buf_putc(sb, *p);
	}
	seq_buf_putc(sb, '\n');

	/* task_state(): a zombie has no fs (umask) and no file table left */
	if (!dead)
		seq_buf_printf(sb, "Umask:\t%#04o\n", 022);
	seq_buf_printf(sb, "State:\t%s\n", dead ? "Z (zombie)" : "R (running)");
	seq_buf_printf(sb, "Tgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\nTracerPid:\t0\n", t->pid,
		       t->pid, task_ppid(m, t));
	seq_buf_puts(sb, "Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n");
	seq_buf_printf(sb, "FDSize:\t%d\n", dead ? 0 : KMM_TASK_MAX_FILES);
	seq_buf_puts(sb, "Groups:\t \n");
	seq_buf_printf(sb, "NStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\n", t->pid, t->pid,
		       sid, sid);

	if (!dead && t->mm) {
		task_mem(sb, t->mm);
		seq_buf_puts(sb, "CoreDumping:\t0\n");
		seq_buf_puts(sb, "THP_enabled:\t1\n");
	}

	/* task_sig(): the pending-signal limit is RLIMIT_SIGPENDING = max_threads / 2 */
	max_threads =
		(unsigned long)atomic_load(&m->totalram_pages) * KMM_PAGE_SIZE / (8 * 16384UL);
	if (max_threads < 20)
		max_threads = 20;
	seq_buf_printf(sb, "Threads:\t1\nSigQ:\t0/%lu\n", max_threads / 2);
	seq_buf_puts(sb, "SigPnd:\t0000000000000000\n"
			 "ShdPnd:\t0000000000000000\n"
			 "SigBlk:\t0000000000000000\n"
			 "SigIgn:\t0000000000000000\n"
			 "SigCgt:\t0000000000000000\n");
	/* task_cap(): root, with the 41 capabilities of 6.1 */
	seq_buf_puts(sb, "CapInh:\t0000000000000000\n"
			 "CapPrm:\t000001ffffffffff\n"
			 "CapEff:\t000001ffffffffff\n"
			 "CapBnd:\t000001ffffffffff\n"
			 "CapAmb:\t0000000000000000\n");
	/* task_seccomp() */
	seq_buf_puts(sb, "NoNewPrivs:\t0\nSeccomp:\t0\nSeccomp_filters:\t0\n"
			 "Speculation_Store_Bypass:\tnot vulnerable\n"
			 "SpeculationIndirectBranch:\tnot affected\n");
	/* task_cpus_allowed(), cpuset_task_status_allowed() */
	for (int cpu = 0; cpu < m->nr_cpu_ids && cpu < KMM_MAX_CPUS; cpu++)
		cpus[cpu / 64] |= 1ULL << (cpu % 64);
	for_each_online_node(m, nid) nodes[nid / 64] |= 1ULL << (nid % 64);
	seq_buf_puts(sb, "Cpus_allowed:\t");
	put_bitmap(sb, cpus, (unsigned)m->nr_cpu_ids);
	seq_buf_puts(sb, "\nCpus_allowed_list:\t");
	put_bitmap_list(sb, cpus, (unsigned)m->nr_cpu_ids);
	seq_buf_puts(sb, "\nMems_allowed:\t");
	put_bitmap(sb, nodes, MAX_NUMNODES);
	seq_buf_puts(sb, "\nMems_allowed_list:\t");
	put_bitmap_list(sb, nodes, MAX_NUMNODES);
	/* task_context_switch_counts() */
	seq_buf_puts(sb, "\nvoluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n");
}

/* ---- oom_score_adj ------------------------------------------------------------------ */

#define OOM_SCORE_ADJ_MIN (-1000)
#define OOM_SCORE_ADJ_MAX 1000
#define PROC_NUMBUF 13

static void show_oom_score_adj(struct kmm_machine *m, const void *data, struct seq_buf *sb)
{
	struct kmm_task *t = node_task(m, data);

	if (t)
		seq_buf_printf(sb, "%d\n", __atomic_load_n(&t->oom_score_adj, __ATOMIC_RELAXED));
}

static void show_oom_score(struct kmm_machine *m, const void *data, struct seq_buf *sb)
{
	struct kmm_task *t = node_task(m, data);

	if (t)
		seq_buf_printf(sb, "%lu\n", oom_score(t));
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* oom_score_adj_write(): at most 12 bytes, blanks stripped, -1000..1000. */
static int write_oom_score_adj(struct kmm_machine *m, const void *data, const char *text,
			       size_t len)
{
	char buf[PROC_NUMBUF] = { 0 };
	struct kmm_task *t = node_task(m, data);
	long long v = 0;
	char *s, *e;
	int err;

	if (!t) {
		pr_warn(m, "proc: /proc/%d/oom_score_adj: no such process", node_pid(data));
		return -KMM_ESRCH;
	}
	kmm_memcpy(buf, text, KMM_MIN(len, sizeof(buf) - 1));
	/* strstrip(); a NUL ends the text as it ends a C string */
	for (s = buf; is_space(*s); s++)
		;
	e = s + kmm_strlen(s);
	while (e > s && is_space(e[-1]))
		*--e = '\0';
	err = kmm_kstrtoll(s, 0, &v);
	if (err || v < OOM_SCORE_ADJ_MIN || v > OOM_SCORE_ADJ_MAX) {
		pr_warn(m, "proc: /proc/%d/oom_score_adj: '%s' is not a number in %d..%d", t->pid,
			s, OOM_SCORE_ADJ_MIN, OOM_SCORE_ADJ_MAX);
		return -KMM_EINVAL;
	}
	/* the OOM killer reads it from other CPUs */
	__atomic_store_n(&t->oom_score_adj, (int)v, __ATOMIC_RELAXED);
	return 0;
}

/* ---- the directory ------------------------------------------------------------------- */

struct pid_entry {
	const char *name;
	void (*show)(struct kmm_machine *m, const void *data, struct seq_buf *sb);
	int (*write)(struct kmm_machine *m, const void *data, const char *text, size_t len);
};

/* sorted by name */
static const struct pid_entry pid_entries[] = {
	{ "maps", show_maps, NULL },
	{ "oom_score", show_oom_score, NULL },
	{ "oom_score_adj", show_oom_score_adj, write_oom_score_adj },
	{ "smaps", show_smaps, NULL },
	{ "smaps_rollup", show_smaps_rollup, NULL },
	{ "status", show_status, NULL },
};

/* Split "PID[/NAME]" of @rest: the pid of a listed task and the rest after it. */
static int rest_task(struct kmm_machine *m, const char *rest, const char **name)
{
	const char *slash = kmm_strchr(rest, '/');
	size_t len = slash ? (size_t)(slash - rest) : kmm_strlen(rest);
	int pid = parse_pid(rest, len);

	if (!m->vmst || pid < 0 || !kmm_task_find(m, pid))
		return -KMM_ENOENT;
	*name = slash ? slash + 1 : NULL;
	return pid;
}

static int proc_pid_list(struct kmm_machine *m, const char *rest, kmm_proc_filldir_t fn, void *ctx)
{
	const char *name;
	char buf[16];
	int pid;

	if (!*rest) {
		if (!m->vmst)
			return 0;
		for (struct kmm_task *t = kmm_task_next(m, 0); t; t = kmm_task_next(m, pid)) {
			pid = t->pid;
			kmm_snprintf(buf, sizeof(buf), "%d", pid);
			fn(ctx, buf, true);
		}
		return 0;
	}
	pid = rest_task(m, rest, &name);
	if (pid < 0 || name)
		return -KMM_ENOENT;
	for (unsigned i = 0; i < KMM_ARRAY_SIZE(pid_entries); i++)
		fn(ctx, pid_entries[i].name, false);
	return 0;
}

static int proc_pid_lookup(struct kmm_machine *m, const char *rest, struct kmm_proc_node *out)
{
	const char *name;
	int pid = rest_task(m, rest, &name);

	if (pid < 0)
		return -KMM_ENOENT;
	if (!name) {
		*out = (struct kmm_proc_node){ .is_dir = true };
		return 0;
	}
	for (unsigned i = 0; i < KMM_ARRAY_SIZE(pid_entries); i++) {
		const struct pid_entry *e = &pid_entries[i];

		if (kmm_strcmp(e->name, name))
			continue;
		*out = (struct kmm_proc_node){ .show = e->show,
					       .write = e->write,
					       .data = (const void *)(uintptr_t)pid };
		return 0;
	}
	return -KMM_ENOENT;
}

static const struct kmm_proc_provider pid_providers[] = {
	{ "/proc", proc_pid_list, proc_pid_lookup },
};

const struct kmm_proc_table proc_pid_table = {
	.providers = pid_providers,
	.nr_providers = KMM_ARRAY_SIZE(pid_providers),
};
