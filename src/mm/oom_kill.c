/* SPDX-License-Identifier: MIT */
/*
 * src/mm/oom_kill.c - the out-of-memory killer (mm/oom_kill.c).
 *
 * When reclaim makes no progress the allocator's slow path calls
 * out_of_memory(): every live task with an mm is scored by oom_badness
 * (resident pages + swap entries + page-table pages, shifted by
 * oom_score_adj per mille of the machine's memory; -1000 exempts), the
 * highest is killed with the kernel's report, and its memory is reaped at
 * once (the oom_reaper's job: the victim will never run again, so its
 * anonymous and private pages are unmapped and freed now).
 */
#include <limits.h>

#include "mm/vmscan.h"

long oom_badness(struct kmm_task *t, unsigned long totalpages)
{
	struct mm_struct *mm = t->mm;
	if (!mm || atomic_load(&t->signal) || t->oom_score_adj == -1000)
		return LONG_MIN;
	long points = (long)get_mm_rss(mm) + get_mm_counter(mm, MM_SWAPENTS) +
		      atomic_load(&mm->pgtables_bytes) / (long)KMM_PAGE_SIZE;
	long adj = (long)t->oom_score_adj * (long)totalpages / 1000;
	return points + adj;
}

static unsigned long oom_totalpages(struct kmm_machine *m)
{
	unsigned long total, free;
	si_swapinfo(m, &total, &free);
	return atomic_load(&m->totalram_pages) + total;
}

unsigned long oom_score(struct kmm_task *t)
{
	unsigned long totalpages = oom_totalpages(t->machine);
	long badness = oom_badness(t, totalpages);

	/* proc_oom_score(): the badness scaled back to 0..1000 (2/3 of 1000 + it) */
	if (badness == LONG_MIN || !totalpages)
		return 0;
	long points = (1000 + badness * 1000 / (long)totalpages) * 2 / 3;
	return points > 0 ? (unsigned long)points : 0;
}

static void dump_tasks(struct kmm_machine *m)
{
	pr_info(m, "Tasks state (memory values in pages):");
	pr_info(m,
		"[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name");
	for (struct kmm_task *t = kmm_task_next(m, 0); t; t = kmm_task_next(m, t->pid)) {
		struct mm_struct *mm = t->mm;
		if (!mm || atomic_load(&t->signal))
			continue;
		pr_info(m, "[%7d] %5d %5d %8lu %8lu %8ld %8ld         %5d %s", t->pid, 0, t->pid,
			mm->total_vm, get_mm_rss(mm), atomic_load(&mm->pgtables_bytes),
			get_mm_counter(mm, MM_SWAPENTS), t->oom_score_adj, t->comm);
	}
}

/* The oom_reaper: unmap what the victim maps, freeing private memory now. */
static void oom_reap(struct kmm_task *t)
{
	struct mm_struct *mm = t->mm;
	if (!mm || !down_read_trylock(&mm->mmap_lock))
		return;
	for (struct vm_area_struct *v = mm->mmap; v; v = v->vm_next) {
		if (v->vm_flags & VM_LOCKED)
			continue;
		/* shared file pages stay in the cache; their PTEs can go */
		zap_page_range(v, v->vm_start, v->vm_end);
	}
	up_read(&mm->mmap_lock);
}

/*
 * __ratelimit(&oom_rs): the header and the memory dump at most 10 times
 * per 5 s, so that allocations failing in a loop with nothing to kill do
 * not flood the log (the kill itself is always reported).
 */
static bool oom_ratelimit(struct kmm_machine *m)
{
	struct kmm_reclaim_state *rs = (struct kmm_reclaim_state *)vm_state(m)->reclaim;
	uint64_t now = kmm_port_time_ns();
	bool ok;

	if (!rs)
		return true;
	spin_lock(&rs->oom_rs_lock);
	if (!rs->oom_rs_begin || now - rs->oom_rs_begin >= 5000000000ULL) {
		if (rs->oom_rs_missed)
			pr_warn(m, "out_of_memory: %u callbacks suppressed", rs->oom_rs_missed);
		rs->oom_rs_begin = now;
		rs->oom_rs_printed = rs->oom_rs_missed = 0;
	}
	ok = rs->oom_rs_printed < 10;
	if (ok)
		rs->oom_rs_printed++;
	else
		rs->oom_rs_missed++;
	spin_unlock(&rs->oom_rs_lock);
	return ok;
}

static bool __out_of_memory(struct kmm_machine *m, gfp_t gfp, unsigned order);

/*
 * oom_lock: allocations failing on several CPUs at once must not each pick
 * a victim (the same one twice, or a second task while the first one's
 * memory is still being reaped).  Whoever finds the lock taken retries its
 * allocation instead, as __alloc_pages_may_oom() does ("someone else is
 * making progress"): the holder's reap is over before it lets go.
 */
bool out_of_memory(struct kmm_machine *m, gfp_t gfp, unsigned order, const struct alloc_context *ac)
{
	(void)ac;
	struct kmm_vm_state *vs = vm_state(m);
	if (!vs || !vs->reclaim)
		return false;
	struct kmm_reclaim_state *rs = (struct kmm_reclaim_state *)vs->reclaim;
	if (!spin_trylock(&rs->oom_lock)) {
		kmm_port_yield();
		return true;
	}
	bool ret = __out_of_memory(m, gfp, order);
	spin_unlock(&rs->oom_lock);
	return ret;
}

static bool __out_of_memory(struct kmm_machine *m, gfp_t gfp, unsigned order)
{
	struct kmm_vm_state *vs = vm_state(m);
	unsigned long totalpages = oom_totalpages(m);
	struct kmm_task *victim = NULL;
	long best = LONG_MIN;
	/* a task killed already still has memory to reap: wait for that */
	spin_lock(&vs->tasks_lock);
	struct list_head *pos;
	list_for_each (pos, &vs->tasks) {
		struct kmm_task *t = list_entry(pos, struct kmm_task, tasks);
		long p = oom_badness(t, totalpages);
		if (p > best) {
			best = p;
			victim = t;
		}
	}
	spin_unlock(&vs->tasks_lock);
	bool report = oom_ratelimit(m);
	if (report) {
		char gfpbuf[128];
		kmm_format_gfp(gfpbuf, sizeof(gfpbuf), gfp);
		pr_warn(m, "kmm invoked oom-killer: gfp_mask=%#x(%s), order=%u, oom_score_adj=0",
			(unsigned)gfp, gfpbuf, order);
		__show_mem(m, NULL);
	}
	if (!victim || best == LONG_MIN) {
		if (report)
			pr_emerg(m, "Out of memory and no killable processes...");
		return false;
	}
	dump_tasks(m);
	struct mm_struct *mm = victim->mm;
	pr_err(m,
	       "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/,task=%s,pid=%d,uid=0",
	       victim->comm, victim->pid);
	pr_err(m,
	       "Out of memory: Killed process %d (%s) total-vm:%lukB, anon-rss:%lukB, file-rss:%lukB, shmem-rss:%lukB, UID:0 pgtables:%ldkB oom_score_adj:%d",
	       victim->pid, victim->comm, mm->total_vm * 4, get_mm_counter(mm, MM_ANONPAGES) * 4UL,
	       get_mm_counter(mm, MM_FILEPAGES) * 4UL, get_mm_counter(mm, MM_SHMEMPAGES) * 4UL,
	       atomic_load(&mm->pgtables_bytes) / 1024, victim->oom_score_adj);
	task_kill(victim, KMM_SIGKILL);
	count_vm_events(m, OOM_KILL, 1);
	if (vs->reclaim)
		atomic_fetch_add(&((struct kmm_reclaim_state *)vs->reclaim)->oom_kills, 1);
	unsigned long before = get_mm_rss(mm);
	oom_reap(victim);
	pr_info(m,
		"oom_reaper: reaped process %d (%s), now anon-rss:%lukB, file-rss:%lukB, shmem-rss:%lukB",
		victim->pid, victim->comm, get_mm_counter(mm, MM_ANONPAGES) * 4UL,
		get_mm_counter(mm, MM_FILEPAGES) * 4UL, get_mm_counter(mm, MM_SHMEMPAGES) * 4UL);
	return before > get_mm_rss(mm) || before == 0;
}
