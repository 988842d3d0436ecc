/* segmerge: merges segments into one, dropping deleted documents. Streams: the documents in
 * input order (their new ids are their ranks among the live ones), the stored text block by
 * block (a block holding only live text is copied as it is, compressed bytes and all; the
 * others are inflated and their live texts recompressed), then the terms in byte order through
 * a k-way merge of the inputs' dictionaries, each term's postings concatenated in input order
 * with deleted documents skipped. Memory: the segment writer's dictionary and per-document
 * arrays, one term's postings, one stored block; never a whole input. The output file is
 * renamed into place by sm_run but is not part of the index until a manifest names it. */
#ifndef TRAWL_SEGMERGE_H
#define TRAWL_SEGMERGE_H

#include "err.h"
#include "liv.h"
#include "segment.h"
#include "segment_writer.h"

#include <stddef.h>
#include <stdint.h>

typedef struct sm_input {
    const segment *seg;
    const liv *live; /**< its deletions and overrides, NULL if none */
} sm_input;

typedef struct sm_opts {
    const char *dir;  /**< where the output goes */
    const char *name; /**< output file name */
    uint64_t seg_id;
    const char *language;
    uint32_t max_token_len;
} sm_opts;

/* Merges in[0..n) into o->name. maps[i] receives a malloc'd array mapping input i's local doc
 * ids to output ids (UINT32_MAX for a deleted document); the caller frees them (also on
 * failure, where they may be NULL). st receives the output's statistics. TRAWL_EARG when the
 * output would exceed a segment's limits, TRAWL_ECORRUPT for an input that does not decode,
 * TRAWL_EIO, TRAWL_ENOMEM. */
int sm_run(const sm_input *in, size_t n, const sm_opts *o, uint32_t **maps, sw_stats *st, err *e);

#endif
