/* fsx: the crash-safe file operations every writer uses: write to a temporary name beside the
 * target, fsync, rename into place, fsync the directory. A crash at any point leaves either the
 * old file or the new one, never a mix. */
#ifndef TRAWL_FSX_H
#define TRAWL_FSX_H

#include "err.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

/* fsx_open_regular's result when path names something other than a regular file. */
#define FSX_NOT_REGULAR (-2)

/* open(2) for a file trawl reads or writes, which must be a regular file: opens with O_CLOEXEC
 * and O_NONBLOCK added (so a FIFO or device put where a file belongs cannot block the open, nor
 * a later read, forever), refuses anything fstat does not call a regular file, then clears
 * O_NONBLOCK again. Returns the descriptor; -1 with errno set when open or fstat fails; or
 * FSX_NOT_REGULAR (callers report "PATH: not a regular file"). st (may be NULL) receives the
 * file's fstat. mode applies with O_CREAT. */
int fsx_open_regular(const char *path, int flags, mode_t mode, struct stat *st);

/* Writes all n bytes to fd (retrying short writes and EINTR); path only names it in errors.
 * ENOSPC and other failures become TRAWL_EIO with the reason. */
int fsx_write_all(int fd, const void *p, size_t n, const char *path, err *e);

/* Asks the kernel to start writing bytes [off, off + len) of fd to disk now, without waiting
 * (Linux sync_file_range; elsewhere nothing), so that a writer's final fsync finds less to
 * write. Best effort: a failure is left for the fsync to report. */
void fsx_start_writeback(int fd, uint64_t off, uint64_t len);

/* fsyncs the directory so a rename inside it is durable. */
int fsx_fsync_dir(const char *dir, err *e);

/* Atomically replaces dir/name with data: dir/.name.tmp-PID, fsync, rename, fsync dir. */
int fsx_replace_file(const char *dir, const char *name, const void *data, size_t n, err *e);

/* Creates dir (one level) if missing; ok if it exists as a directory. */
int fsx_mkdir(const char *dir, err *e);

/* Joins dir and name into out (cap bytes); fails with TRAWL_EARG if it does not fit. */
int fsx_join(char *out, size_t cap, const char *dir, const char *name, err *e);

#endif
