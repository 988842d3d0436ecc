/* policy: which segments to merge after a commit. A log-structured, tiered policy (Lucene's
 * TieredMergePolicy and LogByteSizeMergePolicy are its models): segments are grouped in levels
 * by their live size, each level holding sizes merge_factor times those of the one below
 * (everything under floor_bytes is level 0); a level that reaches merge_factor segments merges
 * them into one of the next level. So n commits of similar size leave O(merge_factor ·
 * log_merge_factor(n)) segments, and each document is rewritten O(log n) times. A segment
 * whose deleted share passes max_deleted_pct is rewritten to reclaim them; no merge produces
 * more than max_bytes. Pure decision logic: no files (writer.c carries the merges out). */
#ifndef TRAWL_POLICY_H
#define TRAWL_POLICY_H

#include <stddef.h>
#include <stdint.h>

typedef struct policy_seg {
    uint64_t bytes;     /**< file size */
    uint32_t n_docs;    /**< documents, deleted ones included */
    uint32_t n_deleted; /**< deleted documents */
} policy_seg;

typedef struct policy_opts {
    unsigned merge_factor;    /**< segments of a level merged at once (>= 2) */
    uint64_t floor_bytes;     /**< smaller segments all count as level 0 */
    uint64_t max_bytes;       /**< no merge output above this (estimated from live sizes) */
    unsigned max_deleted_pct; /**< a segment with more deleted documents is rewritten */
} policy_opts;

#define POLICY_MERGE_FACTOR    10
#define POLICY_FLOOR_BYTES     ((uint64_t)2 << 20)
#define POLICY_MAX_BYTES       ((uint64_t)4 << 30)
#define POLICY_MAX_DELETED_PCT 20

void policy_defaults(policy_opts *o);

/* The next merge for segs[0..n): fills idx (room for n) with segment indices in increasing
 * order and returns how many (0 = nothing to merge; 1 = rewrite one segment to drop its
 * deleted documents). Called again after each merge is carried out, until it returns 0. */
size_t policy_pick(const policy_seg *segs, size_t n, const policy_opts *o, size_t *idx);

#endif
