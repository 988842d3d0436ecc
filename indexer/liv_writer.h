/* liv_writer: the writer half of a segment's live-documents file (reader: common/liv.h, layout:
 * common/format.h, spec: docs/FORMAT.md). Collects the segment's deleted documents (starting
 * from the previous live file, if any), counts the terms of each newly deleted document by
 * analysing its stored text with the index's analyzer (so that df over the live documents stays
 * exact), records touched inputs' new sizes and mtimes, and writes the file crash-safely
 * (temporary name, fsync, rename). It does not touch the manifest: a live file exists for
 * readers once a manifest names it. */
#ifndef TRAWL_LIV_WRITER_H
#define TRAWL_LIV_WRITER_H

#include "analyzer.h"
#include "err.h"
#include "grams.h"
#include "liv.h"
#include "segment.h"

#include <stddef.h>
#include <stdint.h>

typedef struct liv_builder liv_builder;

/* A builder for seg's live file, starting from old (NULL: nothing deleted yet). */
int lb_new(liv_builder **out, const segment *seg, const liv *old, err *e);
void lb_free(liv_builder *b);

/* 1 if doc is deleted (before or in this builder). */
int lb_is_deleted(const liv_builder *b, uint32_t doc);
uint32_t lb_n_deleted(const liv_builder *b);
/* 1 if the builder holds anything the old file did not (a deletion or an override). */
int lb_is_dirty(const liv_builder *b);

/* Marks doc deleted (a no-op if it already is). Its terms are counted when the file is written
 * (lb_write reads the stored text of every newly deleted document once). */
int lb_delete(liv_builder *b, uint32_t doc);

/* Records that doc's input now has this size and mtime (its content unchanged). */
int lb_override(liv_builder *b, uint32_t doc, uint64_t size, int64_t mtime_ns);

/* Writes dir/name for the segment at manifest generation gen, analysing the newly deleted
 * documents with an (the index's analyzer) and counting their phrase grams with g (NULL:
 * the index has none). TRAWL_EIO, TRAWL_ENOMEM, TRAWL_ECORRUPT (a stored
 * text that does not read). */
int lb_write(liv_builder *b, analyzer *an, const grams *g, const char *dir, const char *name,
             uint64_t gen, err *e);

#endif
