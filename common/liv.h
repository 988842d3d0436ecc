/* liv: the reader half of a segment's live-documents file (format in common/format.h and
 * docs/FORMAT.md): which documents of an immutable segment are deleted, how many deleted
 * documents hold each term (so BM25 statistics over the live documents stay exact), and the
 * sizes and mtimes of inputs touched since the segment was written. The writer half is
 * indexer/liv_writer.c. A live file is small and fully verified at open (checksum, sizes,
 * sort order), then immutable and shared by threads. */
#ifndef TRAWL_LIV_H
#define TRAWL_LIV_H

#include "err.h"
#include "format.h"
#include "mmapfile.h"

#include <stddef.h>
#include <stdint.h>

typedef struct liv {
    int refs; /**< owners; atomic (see segment_retain) */
    mmapfile map;
    char name[64];             /**< file name, for messages */
    uint32_t n_docs;           /**< the segment's documents */
    uint32_t n_deleted;        /**< deleted documents */
    uint64_t deleted_tokens;   /**< their summed lengths */
    uint64_t generation;       /**< the generation that wrote it */
    const uint64_t *bits;      /**< ceil(n_docs / 64) words, in the map */
    const fmt_liv_term *terms; /**< n_terms entries, in the map */
    uint64_t n_terms;
    const uint8_t *blob; /**< blob_len bytes */
    uint64_t blob_len;
    const fmt_liv_override *overrides;
    uint64_t n_overrides;
    const uint32_t *hash; /**< hash_slots entries: term index + 1, by XXH3 of the term */
    uint64_t hash_slots;
} liv;

/* Opens and verifies path: its checksum, header fields, the bitmap's population against
 * n_deleted, the terms' bounds and strict byte order, the overrides' order. seg_id and n_docs
 * are the segment's, which the file must name. TRAWL_ECORRUPT (naming the file and what
 * disagreed), TRAWL_EVERSION, TRAWL_EIO, TRAWL_ENOMEM. */
int liv_open(liv **out, const char *path, const char *name, uint64_t seg_id, uint32_t n_docs,
             err *e);
liv *liv_retain(liv *l); /* adds an owner; liv_close drops one (thread-safe) */
void liv_close(liv *l);  /* accepts NULL */

/* 1 if doc (< n_docs) is deleted. Hot path: no bounds check. */
static inline int liv_is_deleted(const liv *l, uint32_t doc)
{
    return (int)((l->bits[doc >> 6] >> (doc & 63)) & 1);
}

/* Deleted documents holding term (0 if none). O(log n_terms). */
uint32_t liv_term_df(const liv *l, const char *term, size_t len);

/* The size and mtime recorded for doc's input after a touch, if any: 1 and *o filled, else 0. */
int liv_override(const liv *l, uint32_t doc, fmt_liv_override *o);

/* Term i (< n_terms) and its deleted df, in byte order. */
const uint8_t *liv_term_at(const liv *l, uint64_t i, size_t *len, uint32_t *del_df);

#endif
