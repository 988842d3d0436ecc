/* segment: the reader half of the segment format. Maps one segment file, validates header,
 * footer and section bounds at open, verifies the checksums of the sections searches read as
 * plain numbers (at open, or for the dictionary and ids at their first use: docs/FORMAT.md,
 * "What is verified when"), and gives bounded access to its sections: per-document data here,
 * the dictionary in dict.h, postings in term_cursor.h.
 * segment_check does the deep verification (every checksum, every block decoded).
 * A segment is immutable after open and safe to share between threads. */
#ifndef TRAWL_SEGMENT_H
#define TRAWL_SEGMENT_H

#include "buf.h"
#include "err.h"
#include "format.h"
#include "mmapfile.h"

#include <stddef.h>
#include <stdint.h>

typedef struct segment segment; /* defined by the format owner in segment.c / segment_impl.h */

/* Opens path; expect_id is the id the manifest names (the header must agree). name is used in
 * error messages ("seg-000001.trw: postings: ..."). */
int segment_open(segment **out, const char *path, const char *name, uint64_t expect_id, err *e);
/* Adds an owner (an index reopened from another shares its unchanged segments); returns s.
 * segment_close drops one and unmaps with the last. Both are thread-safe; NULL is accepted by
 * segment_close. */
segment *segment_retain(segment *s);
void segment_close(segment *s);

const char *segment_name(const segment *s);
uint64_t segment_id(const segment *s);
uint32_t segment_n_docs(const segment *s);
uint64_t segment_total_tokens(const segment *s);
uint64_t segment_n_terms(const segment *s);
uint64_t segment_file_bytes(const segment *s);
/* The mapped file's identity (st_dev, st_ino): the same file under two paths has the same. */
void segment_file_id(const segment *s, uint64_t *dev, uint64_t *ino);
uint64_t segment_stored_bytes(const segment *s);
const char *segment_language(const segment *s);
uint32_t segment_max_token_len(const segment *s);

/* Length in tokens of local doc (< n_docs; not checked: hot path). */
uint32_t segment_doc_len(const segment *s, uint32_t doc);
/* Date YYYYMMDD of doc, 0 if none (hot path for date filters; not checked). */
uint32_t segment_doc_date(const segment *s, uint32_t doc);
/* External id of doc (pointer into the map). TRAWL_ECORRUPT if its bounds are bad or the ids
 * section fails its checksum (verified by the first call). */
int segment_doc_id(const segment *s, uint32_t doc, const char **id, size_t *len, err *e);
/* Date and external id of doc from one read of its record (a hit's metadata);
 * TRAWL_EARG/ECORRUPT as segment_doc_id (*date is set unless doc is out of range). */
int segment_doc_meta(const segment *s, uint32_t doc, uint32_t *date, const char **id, size_t *len,
                     err *e);
/* Hints the CPU to fetch doc's record (< n_docs) before segment_doc_meta needs it. */
void segment_doc_prefetch(const segment *s, uint32_t doc);
/* 1 if the file records document sources (format version 2 on). */
int segment_has_src(const segment *s);
/* Source record of doc (< n_docs); all zeros in a version 1 file. Not checked: --check does. */
void segment_doc_src(const segment *s, uint32_t doc, fmt_src *out);
/* Appends the stored text of doc to out (decompressing its block). TRAWL_ECORRUPT/ENOMEM. */
int segment_doc_text(const segment *s, uint32_t doc, buf *out, err *e);

/* Stored text as blocks, for a merge that copies blocks instead of recompressing them: the
 * number of blocks, block b's zlib stream (pointer into the map) and its inflated length, and
 * the length of doc's text (texts lie end to end in document order over the blocks).
 * segment_stored_block gives TRAWL_ECORRUPT for an entry outside the section. */
uint64_t segment_n_stored_blocks(const segment *s);
int segment_stored_block(const segment *s, uint64_t b, const uint8_t **z, uint32_t *zlen,
                         uint32_t *raw_len, err *e);
/* Appends block b inflated to out. TRAWL_ECORRUPT, TRAWL_ENOMEM. */
int segment_inflate_block(const segment *s, uint64_t b, buf *out, err *e);
uint32_t segment_doc_text_len(const segment *s, uint32_t doc);

/* Verifies every section checksum and decodes every dictionary entry, postings block and
 * positions block, checking the invariants listed in docs/FORMAT.md. Names the first problem. */
int segment_check(const segment *s, err *e);

#endif
