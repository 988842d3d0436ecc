/* fsx: the crash-safe file operations every writer uses: write to a temporary name beside the
 * target, fsync, rename into place, fsync the directory. A crash at any point leaves either the
 * old file or the new one, never a mix. */
#ifndef TRAWL_FSX_H
#define TRAWL_FSX_H

#include "err.h"

#include <stddef.h>

/* Writes all n bytes to fd (retrying short writes and EINTR); path only names it in errors.
 * ENOSPC and other failures become TRAWL_EIO with the reason. */
int fsx_write_all(int fd, const void *p, size_t n, const char *path, err *e);

/* fsyncs the directory so a rename inside it is durable. */
int fsx_fsync_dir(const char *dir, err *e);

/* Atomically replaces dir/name with data: dir/.name.tmp-PID, fsync, rename, fsync dir. */
int fsx_replace_file(const char *dir, const char *name, const void *data, size_t n, err *e);

/* Creates dir (one level) if missing; ok if it exists as a directory. */
int fsx_mkdir(const char *dir, err *e);

/* Joins dir and name into out (cap bytes); fails with TRAWL_EARG if it does not fit. */
int fsx_join(char *out, size_t cap, const char *dir, const char *name, err *e);

#endif
