/* SPDX-License-Identifier: MIT */
/*
 * kmm/proc.h - the machine's virtual /proc and /sys trees.
 *
 * Paths are absolute ("/proc/buddyinfo", "/proc/sys/vm/min_free_kbytes").
 * Files are generated on each read in the exact format Linux uses; writable
 * files take the text a shell's `echo VALUE > PATH` would write.
 */
#ifndef KMM_PROC_H
#define KMM_PROC_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct kmm_machine;

/*
 * Generate the file at @path into @buf (NUL-terminated, truncated to
 * @size).  Returns the file's full length (which may exceed size-1: call
 * again with a bigger buffer), or a negative errno: -KMM_ENOENT (no such
 * path), -KMM_EISDIR, -KMM_EACCES (not readable).
 */
long kmm_proc_read(struct kmm_machine *m, const char *path, char *buf, size_t size);

/*
 * Write @len bytes of text to @path.  Returns 0 or a negative errno
 * (-KMM_ENOENT, -KMM_EACCES for read-only files, -KMM_EINVAL for bad
 * values, -KMM_EISDIR).  A message naming the problem is logged.
 */
int kmm_proc_write(struct kmm_machine *m, const char *path, const char *data, size_t len);

/* Call @fn for each entry of directory @path, in order.  0 or -errno. */
int kmm_proc_list(struct kmm_machine *m, const char *path,
		  void (*fn)(void *ctx, const char *name, bool is_dir), void *ctx);

/* 1 if @path is a directory, 0 if a file, -KMM_ENOENT if absent. */
int kmm_proc_stat(struct kmm_machine *m, const char *path);

#ifdef __cplusplus
}
#endif
#endif /* KMM_PROC_H */
