/* hugemem: zeroed memory for the large hash tables that are probed at random (the postings
 * buffer's terms, the stem cache), on transparent huge pages where the kernel offers them
 * (madvise mode), and the slabs of the postings lists. A table of a few MB spans more 4 KB pages
 * than the TLB holds, so nearly every probe also waited on a page walk; with 2 MB pages the
 * whole table fits in a few entries.
 * Smaller blocks come from malloc as usual. Free either with free(). */
#ifndef TRAWL_HUGEMEM_H
#define TRAWL_HUGEMEM_H

#include <stddef.h>

/* bytes of memory, or NULL. */
void *hugemem_alloc(size_t bytes);

/* bytes of zeroed memory, or NULL. Zeroed by writing (never calloc's shared zero page: the
 * first write would then copy it). */
void *hugemem_zalloc(size_t bytes);

#endif
