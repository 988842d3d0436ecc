/* segment_writer: writes one immutable segment file (format in docs/FORMAT.md, constants in
 * common/format.h) from documents and term-ordered postings. It is the writer half of the
 * format; searcher/segment.c is the reader half.
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

#include "err.h"

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
 * used), and the text to store for snippets (compressed with zlib in blocks). */
int sw_add_doc(segment_writer *w, const char *id, size_t id_len, uint32_t date, uint32_t doc_len,
               const char *text, size_t text_len);

int sw_term_begin(segment_writer *w, const char *term, size_t len);
/* One posting: doc (< documents added), tf >= 1 positions in increasing order. */
int sw_term_doc(segment_writer *w, uint32_t doc, const uint32_t *positions, uint32_t tf);
int sw_term_end(segment_writer *w);

/* Completes and publishes the file; fills st (may be NULL). */
int sw_finish(segment_writer *w, sw_stats *st);

/* Frees the writer; if sw_finish did not succeed, deletes the temporary file. Accepts NULL. */
void sw_free(segment_writer *w);

#endif
