/* postings_buf: the in-memory postings of the documents indexed since the last spill. Owns the
 * term hash table and each term's growable byte list; knows nothing of files (spill.c writes a
 * buffer out as a sorted run, merge.c reads it back).
 *
 * A term's list is the concatenation of its postings in doc order, all LEB128:
 *     Posting --> tf (>= 1), doc gap, <position gap>^tf
 * The doc gap of the first posting is the doc id itself (gaps start from 0 in every buffer
 * fill, so a spilled run decodes on its own); position gaps start from 0 in every posting.
 * The run file format in spill.h reuses this layout byte for byte. */
#ifndef TRAWL_POSTINGS_BUF_H
#define TRAWL_POSTINGS_BUF_H

#include "err.h"

#include <stddef.h>
#include <stdint.h>

typedef struct postings_buf postings_buf;

int pb_new(postings_buf **out, err *e);
/* Frees everything. Accepts NULL. */
void pb_free(postings_buf *pb);

#define PB_MAX_TERM 255 /**< longest term in bytes (the run format's one-byte length) */

/* Records one token of the current document (term of 1..PB_MAX_TERM bytes). Positions of one
 * term arrive in increasing order. Returns TRAWL_OK, TRAWL_EARG for a bad term length, or
 * TRAWL_ENOMEM (sticky: later calls fail the same way). */
int pb_add(postings_buf *pb, const char *term, size_t len, uint32_t pos);

/* Appends one term's posting of a document grouped elsewhere (apool.h): tf >= 1 and its
 * position gaps, LEB128 as in the list layout above (pos, n_pos bytes, which must stay valid
 * until pb_doc_end: postings wait a few calls for their hash slot, as pb_add's tokens do).
 * Gives the list the bytes pb_add of those tokens and pb_doc_end(doc) would give. Not while a
 * document's tokens are pending; a term's docs arrive in increasing order; pb_doc_end(doc)
 * follows the document's postings. TRAWL_OK, TRAWL_EARG, TRAWL_ENOMEM. */
int pb_add_posting(postings_buf *pb, const char *term, size_t len, uint32_t doc, uint32_t tf,
                   const uint8_t *pos, size_t n_pos);

/* Ends the current document, whose id is doc (greater than every doc ended before since the
 * last pb_clear): appends one posting to each term it contains. TRAWL_OK or TRAWL_ENOMEM. */
int pb_doc_end(postings_buf *pb, uint32_t doc);

/* Bytes held, as accounted against the memory budget: lists (capacity plus an allocation
 * overhead estimate), term strings, hash table and per-document scratch. */
size_t pb_mem(const postings_buf *pb);

/* Distinct terms held. */
size_t pb_n_terms(const postings_buf *pb);

/* Orders the terms by bytes (memcmp, then shorter first) for pb_term. TRAWL_OK or ENOMEM.
 * The order is valid until the next pb_add or pb_clear. */
int pb_sort(postings_buf *pb, err *e);

/* The i-th term in sorted order (after pb_sort): its bytes and its list. Borrowed pointers,
 * valid until the next pb_add or pb_clear. */
void pb_term(const postings_buf *pb, size_t i, const char **term, size_t *len, const uint8_t **list,
             size_t *list_len);

/* Walks a list from pb_term without allocating: *p starts at the list and moves up to end,
 * *doc starts at 0 and carries the previous doc id. pb_list_next reads one posting's tf and doc
 * (1; 0 at the end of the list, -1 if it is cut short); pb_list_positions must follow with room
 * for tf positions (0, or -1 if the list is cut short). */
int pb_list_next(const uint8_t **p, const uint8_t *end, uint32_t *doc, uint32_t *tf);
int pb_list_positions(const uint8_t **p, const uint8_t *end, uint32_t tf, uint32_t *pos);

/* Forgets every term and list (after a spill); keeps the table and arena for reuse. */
void pb_clear(postings_buf *pb);

#endif
