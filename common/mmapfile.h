/* mmapfile: read-only memory map of a whole file. An empty file maps to base == NULL, len 0. */
#ifndef TRAWL_MMAPFILE_H
#define TRAWL_MMAPFILE_H

#include "err.h"

#include <stddef.h>
#include <stdint.h>

typedef struct mmapfile {
    const uint8_t *base; /**< mapped bytes, valid until mmapfile_close */
    size_t len;          /**< file size in bytes */
    uint64_t dev, ino;   /**< the file's identity (st_dev, st_ino), to spot one file twice */
} mmapfile;

/* Maps path read-only. On failure returns TRAWL_EIO with the path in e, or TRAWL_ECORRUPT when
 * path is not a regular file (a FIFO or device where a file belongs: never opened so that it
 * could block). A file truncated by another program while mapped raises SIGBUS on access:
 * files must be replaced by rename, never rewritten in place (README.md, trawl.h). */
int mmapfile_open(mmapfile *m, const char *path, err *e);
/* Unmaps; accepts a zeroed or already closed mapping. */
void mmapfile_close(mmapfile *m);

#endif
