/* term_cursor: iterates one term's postings in one segment, straight from the mmap. The
 * contract every postings source follows (STYLE.md §6):
 *   c->doc        current local doc id; DOC_END (> any real id) once exhausted
 *   tc_next       advance by one
 *   tc_seek       first doc >= target; never moves backwards; seek(DOC_END) is legal
 *   tc_freq       tf of the current doc (decoded lazily, per block)
 *   tc_positions  positions of the current doc (positions stream touched only here)
 *   tc_shallow_seek / tc_block_*  move only over the skip data: bounds for docs up to
 *                 tc_block_last without decoding the block (block-max pruning)
 * A cursor that meets a corrupt block sets c->rc (sticky) and jumps to DOC_END, so every loop
 * ends by itself; the caller checks c->rc once after the loop.
 *
 * The cursor decodes one postings block (128 docs) at a time into docs[]; the hot functions
 * below are static inline and touch the skip table or call into term_cursor.c only when they
 * leave the decoded block. Postings layout: docs/FORMAT.md, "Postings". */
#ifndef TRAWL_TERM_CURSOR_H
#define TRAWL_TERM_CURSOR_H

#include "dict.h"
#include "format.h"

#include <stdint.h>
#include <string.h>

#define DOC_END  ((uint32_t)INT32_MAX)
#define TC_BLOCK 128

typedef struct term_cursor term_cursor;

struct term_cursor {
    uint32_t doc;      /**< current doc id, DOC_END when exhausted (first member) */
    int rc;            /**< TRAWL_OK or the first error (sticky) */
    uint32_t i;        /**< index of doc in docs[] */
    uint32_t n;        /**< docs in the decoded block */
    uint32_t blk_last; /**< docs[n - 1]; DOC_END once exhausted */
    uint32_t blk;      /**< index of the decoded block */
    uint32_t n_blocks; /**< blocks in the list */
    uint32_t df;       /**< documents in the list */
    int has_freqs;     /**< freqs[] holds this block's tfs */
    int is_tf_small;   /**< every tf of a full block is below 2^23 (their sum cannot wrap) */
    int has_pos;       /**< this block's position layout is ready (pos_start, first, gap list) */
    uint32_t pos_doc;  /**< index in docs[] whose positions pos_out holds; UINT32_MAX: none */
    uint32_t pos_n;    /**< how many */
    const uint32_t *pos_out; /**< positions of docs[pos_doc] (into first[] or posbuf) */
    /* shallow (skip-only) position for block-max bounds */
    uint32_t sk;              /**< skip entry index of the shallow position */
    uint32_t sk_last;         /**< its last doc (DOC_END past the end) */
    uint32_t sk_max_tf;       /**< its max tf (0 past the end) */
    uint32_t sk_min_len;      /**< its min doc length */
    const uint8_t *sk_imp;    /**< its FMT_IMPACTS fmt_impact (version 3), else NULL */
    uint32_t max_tf, min_len; /**< list-level bounds from the dictionary */
    /* where the bytes are (all inside the mmap, bounds checked at tc_open) */
    const uint8_t *skip;      /**< skip table (n_blocks fmt_skip entries) or NULL for one block */
    const uint8_t *imp;       /**< impact table after it (version 3 on), else NULL */
    const uint8_t *blocks;    /**< first block */
    uint32_t blocks_len;      /**< bytes of all blocks */
    const uint8_t *pos;       /**< the term's positions */
    uint32_t pos_len;         /**< bytes of positions */
    const uint8_t *freq_p;    /**< tf part of the decoded block */
    const uint8_t *blk_end;   /**< end of the decoded block */
    const uint32_t *doc_lens; /**< the segment's document lengths */
    uint32_t n_docs;
    const segment *s;  /**< for messages */
    err *e;            /**< caller's error record; must outlive the cursor */
    uint64_t post_off; /**< offset of the list in the postings section, for messages */
    /* The block's positions are decoded one doc at a time: its first position from first[],
     * its later ones by prefix-summing its range of the gap list, which is decoded one
     * 128-value chunk at a time into chunk[] (docs are visited in increasing order, so the
     * chunk a doc needs is the cached one or a later one). */
    const uint8_t *gap_start; /**< first byte of the block's gap list */
    const uint8_t *gap_end;   /**< end of the block's positions */
    uint32_t n_gaps;          /**< values in the gap list (sum of tfs - docs) */
    uint32_t chunk_k;         /**< index of the gap chunk held in chunk[]; UINT32_MAX: none */
    uint32_t chunk_have;      /**< values of it decoded so far (the VInt tail decodes lazily) */
    const uint8_t *tail_p;    /**< next undecoded byte of the VInt tail */
    uint32_t walk_k;          /**< a gap chunk whose first byte is known: walk_p */
    const uint8_t *walk_p;
    /* One malloc'd buffer (freed by tc_close), made on the first positions request so that
     * cursors that never read positions stay small: */
    uint32_t *posbuf;    /**< pos_start, first, chunk, then one doc's positions */
    size_t pos_cap;      /**< entries allocated in posbuf */
    uint32_t *pos_start; /**< [TC_BLOCK + 1]: sum of the tfs of the docs before each doc */
    uint32_t *first;     /**< [TC_BLOCK]: first position of each doc of the block */
    uint32_t *chunk;     /**< [TC_BLOCK]: gap chunk chunk_k, values gap - 1 */
    _Alignas(16) uint32_t docs[TC_BLOCK];
    _Alignas(16) uint32_t freqs[TC_BLOCK];
};

/* Opens the list described by ti (from dict_find/dict_iter on the same segment) and positions
 * the cursor on its first document. e must outlive the cursor: later corruption found by the
 * hot functions is reported there (and in c->rc). Returns TRAWL_OK or TRAWL_ECORRUPT (then the
 * cursor is at DOC_END and tc_close is still safe). No allocation. */
int tc_open(term_cursor *c, const segment *s, const term_info *ti, err *e);
void tc_close(term_cursor *c); /* frees the positions buffer; accepts a closed cursor */

/* tc_open without decoding the first block, for scans that pick blocks by their bounds: the
 * cursor reads as exhausted (doc DOC_END) but tc_shallow_seek and tc_block_* work, and
 * tc_load_block_at makes a block current. Returns TRAWL_OK or TRAWL_ECORRUPT. */
int tc_open_lazy(term_cursor *c, const segment *s, const term_info *ti, err *e);

/* Decodes block b (in any order, also backwards) and puts the cursor on its first doc; past the
 * last block the cursor ends. Returns TRAWL_OK or the cursor's error. */
int tc_load_block_at(term_cursor *c, uint32_t b);

/* Out-of-line halves of the inline functions below (term_cursor.c). */
uint32_t tc_next_block(term_cursor *c);
uint32_t tc_seek_block(term_cursor *c, uint32_t target);
void tc_load_freqs(term_cursor *c);
int tc_load_positions(term_cursor *c);
void tc_shallow_move(term_cursor *c, uint32_t target);

static inline uint32_t tc_next(term_cursor *c)
{
    if (++c->i < c->n) return c->doc = c->docs[c->i];
    return tc_next_block(c);
}

/* First doc >= target. Inside the decoded block this is a plain scan (docs[n-1] >= target
 * stops it); otherwise the skip table picks the block, which is decoded once. */
static inline uint32_t tc_seek(term_cursor *c, uint32_t target)
{
    if (target <= c->doc) return c->doc;
    if (target > c->blk_last) return tc_seek_block(c, target);
    uint32_t i = c->i;
    while (c->docs[i] < target)
        i++;
    c->i = i;
    return c->doc = c->docs[i];
}

/* Moves forward inside the decoded block to docs[i] (c->i <= i < c->n), for scans that read
 * docs[] and freqs[] themselves. */
static inline uint32_t tc_move_in_block(term_cursor *c, uint32_t i)
{
    c->i = i;
    return c->doc = c->docs[i];
}

/* tf of the current doc (not valid at DOC_END). */
static inline uint32_t tc_freq(term_cursor *c)
{
    if (!c->has_freqs) tc_load_freqs(c);
    return c->freqs[c->i];
}

/* Positions of the current doc, ascending: *pos points into the cursor's buffers, valid until
 * the cursor moves (asking again for the same doc returns the same positions, undecoded).
 * Decodes only the doc's own positions (and the 128-value chunks holding them). Returns
 * TRAWL_OK, or the cursor's error (then *n == 0). */
static inline int tc_positions(term_cursor *c, const uint32_t **pos, uint32_t *n)
{
    if (c->pos_doc != c->i && tc_load_positions(c) != TRAWL_OK) {
        *pos = c->docs;
        *n = 0;
        return c->rc;
    }
    *pos = c->pos_out;
    *n = c->pos_n;
    return TRAWL_OK;
}

/* Moves the skip position to the block holding the first doc >= target (never backwards),
 * without decoding anything. */
static inline void tc_shallow_seek(term_cursor *c, uint32_t target)
{
    if (target > c->sk_last) tc_shallow_move(c, target);
}

/* Bounds for the docs of the shallow block, i.e. docs in (previous block's last, block_last].
 * Past the last block: block_last DOC_END, max_tf 0. */
static inline uint32_t tc_block_last(const term_cursor *c)
{
    return c->sk_last;
}

static inline uint32_t tc_block_max_tf(const term_cursor *c)
{
    return c->sk_max_tf;
}

static inline uint32_t tc_block_min_len(const term_cursor *c)
{
    return c->sk_min_len;
}

/* The shallow block's impacts as (tf, length) pairs, each an upper bound on the tf and a lower
 * bound on the length of the documents it stands for, every document of the block standing
 * under one: a score bound is the maximum over the pairs. Returns how many (1..FMT_IMPACTS);
 * without impacts (one block, version 1 and 2, past the end) the one pair (max tf, min len).
 * Stored values are clamped as format.h says: a saturated tf reads as max_tf, and no length
 * reads below min_len (so a damaged table can loosen a bound, but never crash). */
static inline uint32_t tc_block_impacts(const term_cursor *c, uint32_t *tf, uint32_t *len)
{
    uint32_t n = 0;
    if (c->sk_imp) {
        for (; n < FMT_IMPACTS; n++) {
            fmt_impact p;
            memcpy(&p, c->sk_imp + n * sizeof p, sizeof p);
            if (p.tf == 0) break;
            tf[n] = p.tf == FMT_IMPACT_SAT ? c->sk_max_tf : p.tf;
            len[n] = p.len > c->sk_min_len ? p.len : c->sk_min_len;
        }
    }
    if (n == 0) {
        tf[0] = c->sk_max_tf;
        len[0] = c->sk_min_len;
        n = 1;
    }
    return n;
}

/* Documents in the list, and the cost estimate planners sort by (the same). */
static inline uint32_t tc_df(const term_cursor *c)
{
    return c->df;
}

static inline uint64_t tc_cost(const term_cursor *c)
{
    return c->df;
}

#endif
