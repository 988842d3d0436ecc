/* liv: the reader half of a segment's live-documents file (format in common/format.h and
 * docs/FORMAT.md): which documents of an immutable segment are deleted, how many deleted
 * documents hold each term (so BM25 statistics over the live documents stay exact), and the
 * sizes and mtimes of inputs touched since the segment was written. The writer half is
 * indexer/liv_writer.c. Open verifies what every query reads (header, bitmap, overrides:
 * checksum and structure, microseconds); the term table, most of the file, is verified at the
 * first df lookup (its checksum) and in depth by liv_check (--check). Immutable after open
 * and shared by threads. */
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
    uint64_t terms_hash; /**< expected XXH64 of the term table */
    int8_t terms_state;  /**< 0 unverified, 1 verified, -1 damaged (atomic) */
} liv;

/* Opens path and verifies its header (checksum, fields, sizes against the file), the bitmap and
 * overrides (checksum, the bitmap's population against n_deleted, the overrides' order).
 * seg_id and n_docs are the segment's, which the file must name. TRAWL_ECORRUPT (naming the
 * file and what disagreed), TRAWL_EVERSION, TRAWL_EIO, TRAWL_ENOMEM. */
int liv_open(liv **out, const char *path, const char *name, uint64_t seg_id, uint32_t n_docs,
             err *e);
liv *liv_retain(liv *l); /* adds an owner; liv_close drops one (thread-safe) */
void liv_close(liv *l);  /* accepts NULL */

/* 1 if doc (< n_docs) is deleted. Hot path: no bounds check. */
static inline int liv_is_deleted(const liv *l, uint32_t doc)
{
    return (int)((l->bits[doc >> 6] >> (doc & 63)) & 1);
}

/* *df receives how many deleted documents hold term (0 if none): a probe or two of the hash.
 * The first call verifies the term table's checksum. TRAWL_OK or TRAWL_ECORRUPT (in e). */
int liv_term_df(const liv *l, const char *term, size_t len, uint32_t *df, err *e);

/* The term table's checksum (once), then every entry in bounds, the terms strictly increasing
 * and each found through the hash: the deep check. TRAWL_OK or TRAWL_ECORRUPT. */
int liv_check(const liv *l, err *e);

/* The size and mtime recorded for doc's input after a touch, if any: 1 and *o filled, else 0. */
int liv_override(const liv *l, uint32_t doc, fmt_liv_override *o);

/* Term i (< n_terms) and its deleted df, in byte order; NULL if its entry is out of bounds. */
const uint8_t *liv_term_at(const liv *l, uint64_t i, size_t *len, uint32_t *del_df);

#endif
