/* index: opening, validating and closing a set of index directories searched as one corpus.
 * Owns the global document numbering (directory order, then segment order, then local id) and
 * the collection statistics BM25 needs; segment bytes are read through segment.h. */
#ifndef TRAWL_INDEX_H
#define TRAWL_INDEX_H

#include "segment.h"
#include "trawl.h"

#include <stddef.h>
#include <stdint.h>

typedef struct index_seg {
    segment *seg;    /**< owned */
    uint64_t base;   /**< global number of its local doc 0 */
    uint32_t n_docs; /**< documents in it */
    size_t dir;      /**< which of the opened directories holds it (for messages) */
} index_seg;

struct trawl_index {
    index_seg *segs; /**< every segment of every directory, in document order */
    size_t n_segs;
    uint64_t n_docs;        /**< N */
    uint64_t total_tokens;  /**< sum of document lengths */
    double avgdl;           /**< total_tokens / N, 1 for an empty index */
    char language[32];      /**< analyzer language shared by all directories */
    uint32_t max_token_len; /**< analyzer max token length shared by all directories */
};

/* Segment holding global doc (< n_docs): its index in idx->segs. O(log segments). */
size_t index_locate(const trawl_index *idx, uint64_t doc);

#endif
