/* term_enc: encodes one term's postings (documents, tfs, positions) into the bytes a segment
 * stores for it: the list's blocks, its skip table and its positions (docs/FORMAT.md,
 * "Postings"), and the numbers its dictionary entry carries. Pure computation over the
 * caller's arrays: one term_enc per thread can encode terms anywhere, and one segment writer
 * writes them in order (sw_term_put). Knows nothing of files or dictionaries. */
#ifndef TRAWL_TERM_ENC_H
#define TRAWL_TERM_ENC_H

#include "buf.h"

#include <stddef.h>
#include <stdint.h>

/* An encoded list, as te_end leaves it (pointers into the term_enc until its next te_begin)
 * or as a caller holds it elsewhere. */
typedef struct te_list {
    uint32_t df, max_tf, min_len; /**< documents; largest tf; shortest document length */
    uint32_t n_blocks;            /**< blocks of FMT_BLOCK_DOCS documents (the last partial) */
    uint64_t cf;                  /**< positions in all */
    const uint8_t *skips, *blocks, *pos; /**< skip data (fmt_skip per block, then FMT_IMPACTS
                                              fmt_impact per block), blocks, positions */
    size_t skips_len, blocks_len, pos_len;
} te_list;

typedef struct term_enc {
    buf docs, tfs; /**< u32 arrays of the term being added: its docs and their tfs */
    buf firsts;    /**< u32 per doc: its first position */
    buf gaps;      /**< u32 per later position: the gap from the one before - 1 */
    uint64_t cf;
    buf blocks, skips, pblocks; /**< te_end's output */
    buf imps;                   /**< impacts of the blocks, appended to skips at the end */
} term_enc;

void te_init(term_enc *t);
void te_free(term_enc *t);

/* Starts a term. */
void te_begin(term_enc *t);

/* Adds the next posting: doc < n_docs above the previous one, tf >= 1 increasing positions
 * below lens[doc]. TRAWL_OK, TRAWL_ENOMEM, or TRAWL_EARG with *why saying what is wrong. */
int te_doc(term_enc *t, uint32_t doc, const uint32_t *positions, uint32_t tf, const uint32_t *lens,
           uint32_t n_docs, const char **why);

/* Encodes the postings added since te_begin into *out (lens: the documents' lengths, for the
 * skip entries; avgdl: their mean, which only guides how impacts are merged). TRAWL_OK,
 * TRAWL_ENOMEM, or TRAWL_EARG with *why (no postings; a list past its 32-bit offsets). */
int te_end(term_enc *t, const uint32_t *lens, double avgdl, te_list *out, const char **why);

/* An encoded list kept for later, as one record in a buffer (for encoders that hand their
 * lists to the thread writing them): appends l's numbers and bytes to out. 0, or -1 when out
 * ran out of memory. */
int te_put_record(buf *out, const te_list *l);

/* Reads the record at *p back (l's pointers into it) and moves *p past it. */
void te_get_record(const uint8_t **p, te_list *l);

#endif
