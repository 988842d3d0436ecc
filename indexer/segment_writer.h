/* segment_writer: writes one immutable segment file (format in docs/FORMAT.md, constants in
 * common/format.h) from documents and term-ordered postings. It is the writer half of the
 * format; common/segment.c is the reader half.
 *
 * Protocol: sw_open; sw_add_doc for every document (local doc ids 0, 1, ... in call order);
 * then for each term in strictly increasing byte order: sw_term_begin, sw_term_doc for each
 * document containing it in increasing doc order, sw_term_end; finally sw_finish, which writes
 * the remaining sections and the footer, fsyncs and renames dir/.NAME.tmp to dir/NAME.
 * sw_free without sw_finish removes the temporary file. Errors are sticky: after a failure
 * every call returns the first error. Memory: postings stream to the file as they come; the
 * dictionary and per-document table stay in memory (small next to the postings). */
#ifndef TRAWL_SEGMENT_WRITER_H
#define TRAWL_SEGMENT_WRITER_H

#include "buf.h"
#include "err.h"
#include "format.h"
#include "term_enc.h"

#include <stddef.h>
#include <stdint.h>

typedef struct segment_writer segment_writer;

typedef struct sw_stats {
    uint32_t n_docs;
    uint64_t total_tokens;
    uint64_t n_terms;
    uint64_t file_bytes;   /**< whole segment file */
    uint64_t stored_bytes; /**< compressed stored text section */
} sw_stats;

/* Starts dir/.name.tmp. language and max_token_len record the analyzer settings. */
int sw_open(segment_writer **out, const char *dir, const char *name, uint64_t seg_id,
            const char *language, uint32_t max_token_len, err *e);

/* Adds the next document: external id, date (YYYYMMDD or 0), length in tokens (positions
 * used), the text to store for snippets (compressed with zlib in blocks) and where it came
 * from (src; NULL writes zeros). */
int sw_add_doc(segment_writer *w, const char *id, size_t id_len, uint32_t date, uint32_t doc_len,
               const char *text, size_t text_len, const fmt_src *src);

/* Stored text compressed by the caller, e.g. on another thread, instead of sw_add_doc's text.
 * sw_add_doc_meta adds a document like sw_add_doc whose text_len bytes continue the stored
 * stream; that stream arrives separately, cut into pieces of 1..FMT_STORED_BLOCK bytes (the
 * build cuts full pieces but the last; a merge also passes on shorter blocks it copies as they
 * are), each one zlib stream (sw_zip_block, or copied from another segment), through
 * sw_add_stored_block in order, all before the first sw_term_begin (or sw_finish). A writer
 * takes its text one way or the other: mixing them, or a missing block, is TRAWL_EARG. Cut the
 * same way, the bytes written are the same. */
int sw_add_doc_meta(segment_writer *w, const char *id, size_t id_len, uint32_t date,
                    uint32_t doc_len, size_t text_len, const fmt_src *src);
int sw_add_stored_block(segment_writer *w, const void *z, size_t zlen, size_t raw_len);

/* A stored-text compressor, usable on any thread (one thread at a time). sw_zip_block replaces
 * out's bytes with raw[0..n) as one zlib stream at the writer's level. Both return TRAWL_OK or
 * TRAWL_ENOMEM. sw_zip_free accepts NULL. */
typedef struct sw_zip sw_zip;
int sw_zip_new(sw_zip **out);
void sw_zip_free(sw_zip *z);
int sw_zip_block(sw_zip *z, const void *raw, size_t n, buf *out);

int sw_term_begin(segment_writer *w, const char *term, size_t len);
/* One posting: doc (< documents added), tf >= 1 positions in increasing order. */
int sw_term_doc(segment_writer *w, uint32_t doc, const uint32_t *positions, uint32_t tf);
int sw_term_end(segment_writer *w);

/* The mean length of the documents added so far (1 for none or only empty ones): guides how
 * a block's impacts are merged (term_enc). */
double sw_avgdl(const segment_writer *w);

/* The lengths of the documents added so far (*n_docs of them; may be NULL). Valid until the
 * next document is added: for encoding terms on other threads (term_enc.h) once all are in. */
const uint32_t *sw_doc_lens(const segment_writer *w, uint32_t *n_docs);

/* Writes a term whose list was encoded elsewhere (te_end, maybe on another thread), as
 * sw_term_begin, sw_term_doc... and sw_term_end would have: the same bytes. */
int sw_term_put(segment_writer *w, const char *term, size_t len, const te_list *l);

/* Completes and publishes the file; fills st (may be NULL). */
int sw_finish(segment_writer *w, sw_stats *st);

/* Frees the writer; if sw_finish did not succeed, deletes the temporary file. Accepts NULL. */
void sw_free(segment_writer *w);

#endif
