/* policy: which segments to merge after a commit. Leveled, like an LSM tree (RocksDB's
 * leveled compaction; Lucene's LogByteSizeMergePolicy with one segment a level): ordered by live
 * size, every segment must be at least `ratio` times the size of all smaller segments together.
 * When one is not, it merges with all the smaller ones. So n commits of size c into an index of
 * total size T leave about log_ratio(T / c) segments (two or three in practice: a big one and a
 * tail that collects the recent commits), and a document is rewritten about ratio / 2 times a
 * level. Fewer segments than tiering (Lucene's default TieredMergePolicy keeps ~10 a tier) at
 * more rewriting: trawl answers in microseconds, where every extra segment's dictionary lookup
 * costs a measurable share of a query (bench/README.md, "Live index"). Segments under
 * floor_bytes are let pile up to merge_factor before they merge, so a stream of tiny commits
 * (watch mode) does not rewrite the tail every time. A segment whose deleted share passes
 * max_deleted_pct is rewritten (with the smaller ones) to reclaim its deleted documents; no
 * merge writes more than max_bytes. Pure decision logic: no files (writer.c carries the merges
 * out). */
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
    unsigned ratio;           /**< size ratio between a segment and all smaller ones (>= 2) */
    unsigned merge_factor;    /**< segments under floor_bytes merged once this many (>= 2) */
    uint64_t floor_bytes;     /**< below this a segment is "tiny" */
    uint64_t max_bytes;       /**< no merge output above this (estimated from live sizes) */
    unsigned max_deleted_pct; /**< a segment with more deleted documents is rewritten */
} policy_opts;

#define POLICY_RATIO           10
#define POLICY_MERGE_FACTOR    10
#define POLICY_FLOOR_BYTES     ((uint64_t)64 << 10)
#define POLICY_MAX_BYTES       ((uint64_t)4 << 30)
#define POLICY_MAX_DELETED_PCT 20

void policy_defaults(policy_opts *o);

/* The next merge for segs[0..n): fills idx (room for n) with segment indices in increasing
 * order and returns how many (0 = nothing to merge; 1 = rewrite one segment to drop its
 * deleted documents). Called again after each merge is carried out, until it returns 0. */
size_t policy_pick(const policy_seg *segs, size_t n, const policy_opts *o, size_t *idx);

#endif
