/* dict: lookups in a segment's term dictionary (sorted, front-coded blocks with a binary
 * searchable block index). Returns term_info records that term_cursor opens. */
#ifndef TRAWL_DICT_H
#define TRAWL_DICT_H

#include "segment.h"

#include <stddef.h>
#include <stdint.h>

#define DICT_MAX_TERM 255

/* Where a term's postings live and the bounds that pruning needs. Filled by dict, read by
 * term_cursor; callers treat it as opaque except for the documented statistics. */
typedef struct term_info {
    uint32_t df;       /**< documents containing the term in this segment */
    uint64_t cf;       /**< total occurrences in this segment */
    uint32_t max_tf;   /**< largest tf in the list */
    uint32_t min_len;  /**< smallest length of a document in the list */
    int is_inline;     /**< the lists live inside the dictionary entry (small df and cf) */
    uint64_t post_off; /**< offset of the postings in the postings section (dictionary if inline) */
    uint64_t post_len; /**< bytes of postings (skip table + blocks) */
    uint64_t
        pos_off; /**< offset of the positions in the positions section (dictionary if inline) */
    uint64_t pos_len; /**< bytes of positions */
} term_info;

/* Looks up term. Returns 1 and fills ti if present, 0 if absent, or TRAWL_ECORRUPT. Every
 * dictionary block read is verified first (seg_verify_range: its chunks from version 4, the
 * whole dictionary before). */
int dict_find(const segment *s, const char *term, size_t len, term_info *ti, err *e);

/* Walks terms in byte order from the first one >= a start key. Lives in caller storage. */
typedef struct dict_iter {
    const segment *s;
    uint64_t block;               /**< current dictionary block */
    uint32_t in_block;            /**< entries consumed in it */
    size_t pos;                   /**< byte offset of the next entry in the dict section */
    char term[DICT_MAX_TERM + 1]; /**< current term, NUL-terminated */
    size_t term_len;
    uint64_t post_off, pos_off; /**< offsets of the next list stored outside the dictionary */
} dict_iter;

/* Positions it before the first term >= key. Returns TRAWL_OK or TRAWL_ECORRUPT. */
int dict_iter_seek(dict_iter *it, const segment *s, const char *key, size_t len, err *e);
/* Next term: returns 1 (term, len, ti filled; term valid until the next call), 0 at the end,
 * or TRAWL_ECORRUPT. */
int dict_iter_next(dict_iter *it, const char **term, size_t *len, term_info *ti, err *e);

/* Every term in byte order, with the bytes it shares with the term before (0 for the first):
 * reads only the front coding, skipping statistics and inline lists. The term is valid during
 * the call. Returns TRAWL_OK or TRAWL_ECORRUPT; verifies the dictionary checksum on first use.
 * For building other structures over the terms (termtab.h), not for lookups. */
typedef void (*dict_term_fn)(void *ctx, const uint8_t *term, size_t len, size_t lcp);
int dict_each_term(const segment *s, dict_term_fn fn, void *ctx, err *e);

/* The visitor of a pruned walk over terms in byte order (dict_walk, termtab_walk), which lets an
 * automaton skip what it cannot accept, as Lucene's AutomatonTermsEnum does with its nextString:
 *   visit(ctx, buf, len, lcp, keep): buf[0..len) is the term, in a buffer of DICT_WALK_HINT_MAX
 *   bytes; lcp = bytes it shares with the previous term visited (0 for the first). The visitor
 *   records what it wants, turns buf into the smallest string a wanted term could still be (not
 *   below the term) by rewriting it from byte *keep on (*keep: the bytes the two share, exactly),
 *   and returns its length: every later term below it is skipped unseen. Returning len with
 *   *keep = len skips nothing; DICT_WALK_END ends the walk. */
#define DICT_WALK_HINT_MAX (DICT_MAX_TERM + 8)
#define DICT_WALK_END      SIZE_MAX
typedef size_t (*dict_walk_fn)(void *ctx, uint8_t *buf, size_t len, size_t lcp, size_t *keep);

/* The pruned walk over the dictionary itself: reads only the blocks the hints lead into (the
 * block index finds each), so a walk that skips most terms costs its seeks, not the
 * dictionary's size. Adds the entries it read to *n_read. termtab_walk does the same walk over
 * a term table, about 2.5 times faster per walk once the table is built (termtab.h chooses).
 * Returns TRAWL_OK or TRAWL_ECORRUPT; verifies the dictionary checksum on first use. */
int dict_walk(const segment *s, dict_walk_fn visit, void *ctx, uint64_t *n_read, err *e);

#endif
