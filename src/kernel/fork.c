/* SPDX-License-Identifier: MIT */
/*
 * src/kernel/fork.c - simulated processes (kernel/fork.c, kernel/exit.c,
 * fs/exec.c's mm swap, fs/open.c's file table).
 *
 * A task has a pid, a comm, an mm and a small file table.  fork copies the
 * address space with dup_mmap: every VMA is duplicated, anonymous VMAs are
 * chained to the parent's anon_vmas (anon_vma_fork), and copy_page_range
 * shares the pages, write-protecting private writable ones in both so the
 * first write copies.  A task killed by a signal stays listed with its
 * signal until kmm_task_exit() reaps it (a zombie).
 */
#include "mm/vma.h"

static struct kmm_task *task_alloc(struct kmm_machine *m, const char *comm)
{
	struct kmm_vm_state *vs = vm_state(m);
	struct kmm_task *t = kmm_kmem_cache_zalloc(vs->task_cachep, GFP_KERNEL);
	if (!t)
		return NULL;
	t->machine = m;
	kmm_strlcpy(t->comm, comm && *comm ? comm : "task", sizeof(t->comm));
	spin_lock_init(&t->files_lock);
	t->last_cpu = -1;
	t->start_ns = kmm_port_time_ns();
	return t;
}

static void task_link(struct kmm_machine *m, struct kmm_task *t)
{
	struct kmm_vm_state *vs = vm_state(m);
	spin_lock(&vs->tasks_lock);
	/* next free pid above the last one, wrapping at 4194304 as pid_max */
	int pid = vs->last_pid;
	for (;;) {
		pid = pid >= 4194303 ? 1 : pid + 1;
		bool used = false;
		struct list_head *pos;
		list_for_each (pos, &vs->tasks) {
			if (list_entry(pos, struct kmm_task, tasks)->pid == pid) {
				used = true;
				break;
			}
		}
		if (!used)
			break;
	}
	t->pid = pid;
	vs->last_pid = pid;
	/* keep the list sorted by pid */
	struct list_head *pos;
	list_for_each (pos, &vs->tasks) {
		if (list_entry(pos, struct kmm_task, tasks)->pid > pid)
			break;
	}
	list_add_tail(&t->tasks, pos);
	vs->nr_tasks++;
	spin_unlock(&vs->tasks_lock);
}

static struct mm_struct *mm_init_layout(struct kmm_machine *m)
{
	struct mm_struct *mm = mm_alloc(m);
	if (!mm)
		return NULL;
	return mm;
}

struct kmm_task *kmm_task_spawn(struct kmm_machine *m, const char *comm)
{
	if (!m || !m->vmst)
		return NULL;
	struct kmm_task *t = task_alloc(m, comm);
	if (!t)
		return NULL;
	t->mm = mm_init_layout(m);
	if (!t->mm) {
		kmm_kmem_cache_free(vm_state(m)->task_cachep, t);
		return NULL;
	}
	t->mm->owner = t;
	task_link(m, t);
	return t;
}

/* dup_mmap: copy every VMA and its page table entries into @mm. */
static int dup_mmap(struct mm_struct *mm, struct mm_struct *oldmm)
{
	struct kmm_machine *m = oldmm->machine;
	int ret = 0;
	down_write(&oldmm->mmap_lock);
	mm->brk = oldmm->brk;
	mm->start_brk = oldmm->start_brk;
	mm->start_stack = oldmm->start_stack;
	mm->mmap_base = oldmm->mmap_base;
	mm->total_vm = oldmm->total_vm;
	mm->data_vm = oldmm->data_vm;
	mm->exec_vm = oldmm->exec_vm;
	mm->stack_vm = oldmm->stack_vm;
	mm->hiwater_vm = oldmm->hiwater_vm;
	for (struct vm_area_struct *mpnt = oldmm->mmap; mpnt; mpnt = mpnt->vm_next) {
		if (mpnt->vm_flags & VM_DONTCOPY) {
			mm->total_vm -= vma_pages(mpnt);
			continue;
		}
		long charge = 0;
		if (mpnt->vm_flags & VM_ACCOUNT) {
			charge = (long)vma_pages(mpnt);
			if (security_vm_enough_memory_mm(oldmm, charge)) {
				ret = -KMM_ENOMEM;
				break;
			}
		}
		struct vm_area_struct *tmp = vm_area_dup(mpnt);
		if (!tmp) {
			if (charge)
				vm_unacct_memory(m, charge);
			ret = -KMM_ENOMEM;
			break;
		}
		tmp->vm_mm = mm;
		tmp->vm_flags &= ~(VM_LOCKED | VM_LOCKONFAULT); /* locks are not inherited */
		if (anon_vma_fork(tmp, mpnt)) {
			vm_area_free(tmp);
			if (charge)
				vm_unacct_memory(m, charge);
			ret = -KMM_ENOMEM;
			break;
		}
		mm->committed += (unsigned long)charge;
		if (tmp->vm_file) {
			kmm_file_hold(tmp->vm_file);
			vma_link_file(tmp);
		}
		insert_vm_struct(mm, tmp);
		ret = copy_page_range(tmp, mpnt);
		if (ret)
			break;
	}
	up_write(&oldmm->mmap_lock);
	return ret;
}

int kmm_task_fork(struct kmm_task *parent, const char *comm, struct kmm_task **child)
{
	if (!parent || !child)
		return -KMM_EINVAL;
	if (atomic_load(&parent->signal))
		return -KMM_ESRCH;
	struct kmm_machine *m = parent->machine;
	struct kmm_task *t = task_alloc(m, comm ? comm : parent->comm);
	if (!t)
		return -KMM_ENOMEM;
	t->oom_score_adj = parent->oom_score_adj;
	t->ppid = parent->pid;
	t->mm = mm_alloc(m);
	if (!t->mm) {
		kmm_kmem_cache_free(vm_state(m)->task_cachep, t);
		return -KMM_ENOMEM;
	}
	t->mm->owner = t;
	int ret = dup_mmap(t->mm, parent->mm);
	if (ret) {
		mmput(t->mm);
		kmm_kmem_cache_free(vm_state(m)->task_cachep, t);
		return ret;
	}
	spin_lock(&parent->files_lock);
	for (int i = 0; i < KMM_TASK_MAX_FILES; i++) {
		t->files[i] = parent->files[i];
		if (t->files[i])
			kmm_file_hold(t->files[i]);
	}
	spin_unlock(&parent->files_lock);
	task_link(m, t);
	*child = t;
	return 0;
}

int kmm_task_exec(struct kmm_task *t, const char *comm)
{
	if (!t)
		return -KMM_EINVAL;
	struct mm_struct *mm = mm_alloc(t->machine);
	if (!mm)
		return -KMM_ENOMEM;
	struct mm_struct *old = t->mm;
	mm->owner = t;
	t->mm = mm;
	if (comm)
		kmm_strlcpy(t->comm, comm, sizeof(t->comm));
	mmput(old);
	return 0;
}

void kmm_task_exit(struct kmm_task *t)
{
	if (!t)
		return;
	struct kmm_machine *m = t->machine;
	struct kmm_vm_state *vs = vm_state(m);
	spin_lock(&vs->tasks_lock);
	list_del(&t->tasks);
	vs->nr_tasks--;
	spin_unlock(&vs->tasks_lock);
	if (t->mm)
		mmput(t->mm);
	t->mm = NULL;
	for (int i = 0; i < KMM_TASK_MAX_FILES; i++)
		if (t->files[i])
			kmm_file_put(t->files[i]);
	kmm_kmem_cache_free(vs->task_cachep, t);
}

struct kmm_task *kmm_task_next(struct kmm_machine *m, int after_pid)
{
	struct kmm_vm_state *vs = vm_state(m);
	if (!vs)
		return NULL;
	struct kmm_task *found = NULL;
	spin_lock(&vs->tasks_lock);
	struct list_head *pos;
	list_for_each (pos, &vs->tasks) {
		struct kmm_task *t = list_entry(pos, struct kmm_task, tasks);
		if (t->pid > after_pid) {
			found = t;
			break;
		}
	}
	spin_unlock(&vs->tasks_lock);
	return found;
}

struct kmm_task *kmm_task_find(struct kmm_machine *m, int pid)
{
	struct kmm_task *t = kmm_task_next(m, pid - 1);
	return t && t->pid == pid ? t : NULL;
}

int kmm_task_pid(const struct kmm_task *t)
{
	return t->pid;
}
int kmm_task_ppid(const struct kmm_task *t)
{
	return t->ppid;
}
const char *kmm_task_comm(const struct kmm_task *t)
{
	return t->comm;
}
int kmm_task_signal(const struct kmm_task *t)
{
	return atomic_load(&((struct kmm_task *)t)->signal);
}
struct mm_struct *kmm_task_mm(const struct kmm_task *t)
{
	return t->mm;
}
int kmm_task_kill(struct kmm_task *t, int sig)
{
	if (!t)
		return -KMM_ESRCH;
	if (sig <= 0 || sig > 64)
		return -KMM_EINVAL;
	task_kill(t, sig);
	return 0;
}
unsigned long kmm_task_min_flt(const struct kmm_task *t)
{
	return atomic_load(&((struct kmm_task *)t)->min_flt);
}
unsigned long kmm_task_maj_flt(const struct kmm_task *t)
{
	return atomic_load(&((struct kmm_task *)t)->maj_flt);
}
unsigned long kmm_task_rss(const struct kmm_task *t)
{
	struct mm_struct *mm = t->mm;

	return mm ? get_mm_rss(mm) : 0;
}

/* ---- files -------------------------------------------------------------------------- */

struct kmm_file *task_fd_file(struct kmm_task *t, int fd)
{
	if (fd < 0 || fd >= KMM_TASK_MAX_FILES)
		return NULL;
	spin_lock(&t->files_lock);
	struct kmm_file *f = t->files[fd];
	spin_unlock(&t->files_lock);
	return f;
}

static int fd_install(struct kmm_task *t, struct kmm_file *f)
{
	spin_lock(&t->files_lock);
	/* 0-2 are stdin/out/err in spirit: start at 3 */
	for (int fd = 3; fd < KMM_TASK_MAX_FILES; fd++) {
		if (!t->files[fd]) {
			t->files[fd] = f;
			spin_unlock(&t->files_lock);
			return fd;
		}
	}
	spin_unlock(&t->files_lock);
	return -KMM_EMFILE;
}

int kmm_open(struct kmm_task *t, const char *path, int flags)
{
	if (!t || !path || !*path)
		return -KMM_EINVAL;
	struct kmm_file *f;
	int ret = kmm_file_get(t->machine, path, flags, &f);
	if (ret)
		return ret;
	ret = fd_install(t, f);
	if (ret < 0)
		kmm_file_put(f);
	return ret;
}

int kmm_close(struct kmm_task *t, int fd)
{
	if (!t || fd < 0 || fd >= KMM_TASK_MAX_FILES)
		return -KMM_EBADF;
	spin_lock(&t->files_lock);
	struct kmm_file *f = t->files[fd];
	t->files[fd] = NULL;
	spin_unlock(&t->files_lock);
	if (!f)
		return -KMM_EBADF;
	kmm_file_put(f);
	return 0;
}

int kmm_ftruncate(struct kmm_task *t, int fd, uint64_t size)
{
	struct kmm_file *f = t ? task_fd_file(t, fd) : NULL;
	if (!f)
		return -KMM_EBADF;
	if (!f->writable)
		return -KMM_EINVAL;
	return kmm_file_truncate(f, size);
}

int kmm_memfd_create(struct kmm_task *t, const char *name, uint64_t size)
{
	if (!t)
		return -KMM_EINVAL;
	struct kmm_file *f;
	int ret = shmem_file_create(t->machine, name ? name : "memfd", size, &f);
	if (ret)
		return ret;
	ret = fd_install(t, f);
	if (ret < 0)
		kmm_file_put(f);
	return ret;
}
