/* SPDX-License-Identifier: MIT */
/*
 * kmm/mm.h - simulated processes and their address spaces: tasks, the
 * memory system calls (mmap, munmap, mprotect, mremap, brk, madvise,
 * mlock, msync), host files opened by a task, and memory access through
 * the software MMU (include/linux/mm.h, include/uapi/asm-generic/mman*.h).
 *
 * A task owns an mm: VMAs in an ordered tree, x86-64 4-level page tables in
 * simulated physical pages.  Every byte a task reads or writes goes through
 * the MMU of the CPU slot the calling host thread runs on (TLB, page walk,
 * page fault), and lives in a simulated physical page.  Calls follow Linux
 * semantics: they return 0 (or an address) on success and a negative
 * errno (-KMM_EINVAL, -KMM_ENOMEM, ...) on failure.
 *
 * Tasks are reference-counted by the machine: kmm_task_find() returns a
 * task the caller must not use after kmm_task_exit() on it.  Calls on one
 * task from several host threads at once are allowed (like the threads of
 * a process); the mm's mmap_lock orders them.
 */
#ifndef KMM_MM_H
#define KMM_MM_H

#include "kmm/machine.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- constants, with Linux's values ---------------------------------------- */

enum { KMM_PROT_NONE = 0, KMM_PROT_READ = 1, KMM_PROT_WRITE = 2, KMM_PROT_EXEC = 4 };

#define KMM_MAP_SHARED 0x01
#define KMM_MAP_PRIVATE 0x02
#define KMM_MAP_SHARED_VALIDATE 0x03
#define KMM_MAP_TYPE 0x0f
#define KMM_MAP_FIXED 0x10
#define KMM_MAP_ANONYMOUS 0x20
#define KMM_MAP_GROWSDOWN 0x0100
#define KMM_MAP_DENYWRITE 0x0800
#define KMM_MAP_LOCKED 0x2000
#define KMM_MAP_NORESERVE 0x4000
#define KMM_MAP_POPULATE 0x8000
#define KMM_MAP_FIXED_NOREPLACE 0x100000

#define KMM_MREMAP_MAYMOVE 1
#define KMM_MREMAP_FIXED 2
#define KMM_MREMAP_DONTUNMAP 4

enum {
	KMM_MADV_NORMAL = 0,
	KMM_MADV_RANDOM = 1,
	KMM_MADV_SEQUENTIAL = 2,
	KMM_MADV_WILLNEED = 3,
	KMM_MADV_DONTNEED = 4,
	KMM_MADV_FREE = 8,
	KMM_MADV_HUGEPAGE = 14,
	KMM_MADV_NOHUGEPAGE = 15,
};

#define KMM_MS_ASYNC 1
#define KMM_MS_INVALIDATE 2
#define KMM_MS_SYNC 4

#define KMM_MLOCK_ONFAULT 1

/* Signals a task can die of (Linux numbers). */
enum { KMM_SIGBUS = 7, KMM_SIGKILL = 9, KMM_SIGSEGV = 11 };

/* Access kinds for kmm_access(); they map onto the x86 error-code bits. */
enum { KMM_ACCESS_READ = 0, KMM_ACCESS_WRITE = 1, KMM_ACCESS_EXEC = 2 };

/* x86 page-fault error code bits (arch/x86/include/asm/trap_pf.h). */
#define KMM_PF_PROT 0x01  /* 0: not present, 1: protection violation */
#define KMM_PF_WRITE 0x02 /* the access was a write */
#define KMM_PF_USER 0x04  /* from user mode */
#define KMM_PF_RSVD 0x08  /* reserved bit set in an entry */
#define KMM_PF_INSTR 0x10 /* instruction fetch */

/* User address space layout (x86-64, 4-level paging). */
#define KMM_TASK_SIZE 0x00007ffffffff000ULL
#define KMM_STACK_TOP 0x00007ffffffde000ULL
#define KMM_MMAP_MIN_ADDR 0x10000ULL

/* ---- tasks -------------------------------------------------------------------- */

struct kmm_task;
struct mm_struct;

/* A new task with an empty address space (like exec of a fresh image).
 * @comm is truncated to 15 characters.  NULL if out of memory. */
struct kmm_task *kmm_task_spawn(struct kmm_machine *m, const char *comm);
/* fork(): a copy of @parent whose private writable pages are shared
 * copy-on-write.  Returns 0 and the child in *child, or -KMM_ENOMEM. */
int kmm_task_fork(struct kmm_task *parent, const char *comm, struct kmm_task **child);
/* exec(): replace the task's address space with an empty one. */
int kmm_task_exec(struct kmm_task *t, const char *comm);
/* exit(): unmap everything, write back dirty shared file pages, free the
 * page tables, close files, and forget the task. */
void kmm_task_exit(struct kmm_task *t);

struct kmm_task *kmm_task_find(struct kmm_machine *m, int pid);
/* Iterate: kmm_task_next(m, 0) is the lowest pid, then pass the last pid;
 * NULL at the end. */
struct kmm_task *kmm_task_next(struct kmm_machine *m, int after_pid);
int kmm_task_pid(const struct kmm_task *t);
/* The pid of the task that forked @t (0 for spawned tasks). */
int kmm_task_ppid(const struct kmm_task *t);
const char *kmm_task_comm(const struct kmm_task *t);
/* 0 while alive; the signal that killed it otherwise (SIGSEGV, SIGBUS,
 * SIGKILL): a killed task stays listed (a zombie) until kmm_task_exit(). */
int kmm_task_signal(const struct kmm_task *t);
struct mm_struct *kmm_task_mm(const struct kmm_task *t);
/* kill(): deliver signal @sig (1-64) as a fatal one: the task becomes a
 * zombie (kmm_task_signal() says which signal) until kmm_task_exit().
 * A task already dead keeps its first signal.  0 or -KMM_EINVAL. */
int kmm_task_kill(struct kmm_task *t, int sig);

/* Per-task fault counters (min_flt / maj_flt of /proc/PID/stat). */
unsigned long kmm_task_min_flt(const struct kmm_task *t);
unsigned long kmm_task_maj_flt(const struct kmm_task *t);
/* Resident pages of the task's mm (anonymous + file + shmem: VmRSS of
 * /proc/PID/status in pages); 0 once its mm is gone. */
unsigned long kmm_task_rss(const struct kmm_task *t);

/* ---- files ------------------------------------------------------------------------- */

/* open(): a host file for mmap; returns an fd >= 0 of the task, or -errno.
 * @flags: KMM_O_RDONLY or KMM_O_RDWR, optionally KMM_O_CREAT. */
int kmm_open(struct kmm_task *t, const char *path, int flags);
int kmm_close(struct kmm_task *t, int fd);
/* ftruncate(): pages past the new end leave the page cache and every
 * mapping (a later access there gets SIGBUS). */
int kmm_ftruncate(struct kmm_task *t, int fd, uint64_t size);
/* memfd_create(): an anonymous shmem file of @size bytes. */
int kmm_memfd_create(struct kmm_task *t, const char *name, uint64_t size);

/* ---- memory system calls ----------------------------------------------------------- */

/* Returns the mapped address (>= 0) or -errno.  @fd is ignored (-1) for
 * MAP_ANONYMOUS. */
long kmm_mmap(struct kmm_task *t, uint64_t addr, uint64_t len, int prot, int flags, int fd,
	      uint64_t off);
int kmm_munmap(struct kmm_task *t, uint64_t addr, uint64_t len);
int kmm_mprotect(struct kmm_task *t, uint64_t addr, uint64_t len, int prot);
long kmm_mremap(struct kmm_task *t, uint64_t old_addr, uint64_t old_len, uint64_t new_len,
		int flags, uint64_t new_addr);
/* brk(): returns the new break (the old one if the request failed);
 * brk(0) returns the current break. */
long kmm_brk(struct kmm_task *t, uint64_t brk);
int kmm_madvise(struct kmm_task *t, uint64_t addr, uint64_t len, int advice);
int kmm_mlock(struct kmm_task *t, uint64_t addr, uint64_t len, int flags);
int kmm_munlock(struct kmm_task *t, uint64_t addr, uint64_t len);
int kmm_msync(struct kmm_task *t, uint64_t addr, uint64_t len, int flags);

/* ---- memory access through the MMU ---------------------------------------------------- */

/*
 * Copy @len bytes between @buf and the task's virtual address @addr
 * (KMM_ACCESS_WRITE writes buf into the task; READ and EXEC read), through
 * the TLB and page tables of the calling thread's CPU slot, faulting pages
 * in as the task would.  A bad access kills the task as Linux delivers
 * SIGSEGV/SIGBUS (with the kernel's "segfault at" report) and returns
 * -KMM_EFAULT; -KMM_ENOMEM if a fault could not get memory; -KMM_ESRCH if
 * the task is dead already.  Bytes before the faulting page were copied.
 */
int kmm_access(struct kmm_task *t, uint64_t addr, void *buf, size_t len, int access);

/* ---- swap ------------------------------------------------------------------------------------ */

/*
 * mkswap(8): make the host file @path a swap area of @size bytes (rounded
 * down to whole pages, at least 10) with Linux's SWAPSPACE2 header (version
 * 1, last_page, no bad pages, a random UUID).  The file is created if
 * missing and truncated or extended to the size.  0, -KMM_EINVAL (too
 * small), -KMM_EFBIG, or the host's error.
 */
int kmm_mkswap(const char *path, uint64_t size);
/*
 * swapon(2): swap anonymous memory to @path.  @prio 0..32767, or -1 for
 * the next default priority (-2, -3, ...); higher priorities are used
 * first, equal ones in turn.  0, or -KMM_EINVAL (bad header, too small,
 * bad priority: the log says which), -KMM_EBUSY (already on),
 * -KMM_EPERM (all 32 swap types in use), -KMM_ENOMEM, or the host's error.
 */
int kmm_swapon(struct kmm_machine *m, const char *path, int prio);
/*
 * swapoff(2): read every page of @path back into memory (all tasks' swap
 * entries, the swap cache) and stop using it.  0, -KMM_EINVAL (not a swap
 * device in use), or -KMM_ENOMEM / -KMM_EIO (memory ran out or a page
 * could not be read: the device stays on, nothing is lost).
 */
int kmm_swapoff(struct kmm_machine *m, const char *path);

/*
 * Whether a kswapd of @m has been woken or is reclaiming.  A driver that
 * wants the order of a uniprocessor, where kswapd runs as soon as it is
 * woken and before the task goes on, waits for this to turn false before
 * the task's next access (kmm replay does, for repeatable results).
 */
bool kmm_kswapd_busy(struct kmm_machine *m);

/* ---- the MMU, for benchmarks and debugging ------------------------------------------ */

/* The physical address @va translates to for @access on the calling
 * thread's CPU slot (TLB, then page walk), or -KMM_EFAULT if the access
 * would fault (nothing is faulted in). */
long long kmm_mmu_translate(struct kmm_task *t, uint64_t va, int access);
/* Empty the calling thread's CPU slot TLB. */
void kmm_mmu_flush_local(struct kmm_machine *m);
/* TLB statistics of CPU slot @cpu: L1 hits, L2 hits, walks, context
 * flushes, full flushes. */
void kmm_mmu_stats(struct kmm_machine *m, int cpu, unsigned long out[5]);

#ifdef __cplusplus
}
#endif
#endif /* KMM_MM_H */
