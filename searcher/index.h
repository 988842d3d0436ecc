/* index: opening, validating, reopening and closing a set of index directories searched as one
 * corpus. Owns the global document numbering (directory order, then segment order, then local
 * id), which documents are live (each segment's live file), the collection statistics BM25
 * needs (over live documents only), and each directory's roots for turning ids into paths.
 * Segment bytes are read through segment.h, live files through liv.h. */
#ifndef TRAWL_INDEX_H
#define TRAWL_INDEX_H

#include "liv.h"
#include "manifest.h"
#include "segment.h"
#include "trawl.h"

#include <stddef.h>
#include <stdint.h>

typedef struct index_seg {
    segment *seg;        /**< shared with reopened indexes (segment_retain) */
    liv *live;           /**< its live file, NULL when nothing is deleted; shared likewise */
    const uint64_t *del; /**< live->bits or NULL: the hot paths test this */
    uint64_t base;       /**< global number of its local doc 0 */
    uint32_t n_docs;     /**< documents in it, deleted ones included */
    uint32_t n_live;     /**< documents not deleted */
    uint32_t dir;        /**< index in trawl_index.dirs */
} index_seg;

typedef struct index_dir {
    char *path; /**< as given to trawl_index_open (owned) */
    manifest m; /**< the manifest this handle opened: generation, roots, segment list */
} index_dir;

struct trawl_index {
    index_seg *segs; /**< every segment of every directory, in document order */
    size_t n_segs;
    index_dir *dirs;
    size_t n_dirs;
    uint64_t n_docs;        /**< N: live documents */
    uint64_t n_deleted;     /**< documents deleted but not yet merged away */
    uint64_t total_tokens;  /**< sum of the live documents' lengths */
    double avgdl;           /**< total_tokens / N, 1 for an empty index */
    char language[32];      /**< analyzer language shared by all directories */
    uint32_t max_token_len; /**< analyzer max token length shared by all directories */
    uint32_t phrase_grams;  /**< grams.h list version every directory's segments hold grams of;
                                 0 if some directory has none (phrases then match words) */
};

/* Segment holding global doc (< the sum of n_docs): its index in idx->segs. O(log segments). */
size_t index_locate(const trawl_index *idx, uint64_t doc);

/* 1 if local doc of segment s is deleted. */
static inline int index_is_deleted(const index_seg *s, uint32_t doc)
{
    return s->del && ((s->del[doc >> 6] >> (doc & 63)) & 1);
}

#endif
