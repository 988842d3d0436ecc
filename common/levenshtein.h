/* levenshtein: the edit distance behind fuzzy terms and spelling suggestions, between one
 * pattern and a stream of candidate terms in byte order (a dictionary walk, dict_walk). Owns
 * the distance and its pruning rule; knows nothing of dictionaries or queries.
 *
 * The distance is the restricted Damerau-Levenshtein distance (optimal string alignment, as
 * Lucene's fuzzy automata count it): insertions, deletions, substitutions and transpositions of
 * two adjacent characters each cost 1, no character is edited twice. Characters are Unicode
 * code points (an invalid UTF-8 byte counts as one character of its own).
 *
 * One dynamic-programming row per character of the candidate (Wagner-Fischer):
 *
 *          ""  g  a  l  a  n  t        pattern "galant", k = 1, candidate "gallant":
 *     ""    0  1  2  3  4  5  6        rows 0..4 ("", "g", "ga", "gal") are kept for the next
 *     g     1  0  1  2  3  4  5        candidate sharing that prefix ("galley" reuses them);
 *     a     2  1  0  1  2  3  4        row "gall" still has a cell <= k, so the walk goes on;
 *     l     3  2  1  0  1  2  3        the last cell of the last row is the distance (1).
 *     l     4  3  2  1  1  2  3        A row whose every cell is > k ends the subtree: no
 *     ...                              candidate with that prefix can come back to <= k.
 *
 * A pattern of up to LEV_BP_CHARS characters keeps each row as k + 1 bit vectors instead (Wu &
 * Manber's automaton, with the transposition of optimal string alignment): bit j of vector i is
 * set when cell j of the row is <= i, and a row takes a dozen word operations instead of a
 * chain of dependent cell minimums. Longer patterns use the cells. */
#ifndef TRAWL_LEVENSHTEIN_H
#define TRAWL_LEVENSHTEIN_H

#include <stddef.h>
#include <stdint.h>

#define LEV_MAX_CHARS 255 /* characters of a pattern or candidate (terms are <= 255 bytes) */
#define LEV_BP_CHARS  63  /* patterns up to this long run on bit vectors (bits 0..m of a word) */
#define LEV_MAX_DIST  2   /* the largest distance asked for (term~2) */

/* Walk state for one pattern. Large (about 66 KB): keep it in an arena, not on the stack. */
typedef struct lev {
    uint32_t pat[LEV_MAX_CHARS];       /**< the pattern's code points */
    uint32_t pkey[LEV_MAX_CHARS];      /**< their bytes as numbers in byte order (lev_key) */
    uint32_t m;                        /**< how many */
    uint32_t k;                        /**< the distance bound */
    uint32_t cand[LEV_MAX_CHARS + 1];  /**< code points of the last candidate; cand[0] unused */
    uint32_t cend[LEV_MAX_CHARS + 1];  /**< byte end of its first d characters (cend[0] = 0) */
    uint32_t depth;                    /**< rows 0..depth hold the last candidate's prefixes */
    uint32_t max_rows;                 /**< rows a live candidate can reach: m + k + 1 */
    uint32_t ascii;                    /**< its first `ascii` characters are one byte each */
    uint32_t dead;                     /**< its first row beyond k, 0 if none */
    uint8_t rmin[LEV_MAX_CHARS + 1];   /**< each row's smallest cell (k + 1 if beyond k) */
    int bp;                            /**< rows are bit vectors (m <= LEV_BP_CHARS) */
    uint64_t all;                      /**< bits 0..m */
    uint64_t ascii_mask[128];          /**< bit j + 1: pattern character j is this ASCII one */
    uint32_t n_other;                  /**< distinct non-ASCII pattern characters */
    uint32_t other[LEV_BP_CHARS];      /**< them */
    uint64_t other_mask[LEV_BP_CHARS]; /**< and their masks */
    uint64_t bv[LEV_MAX_CHARS + 1][LEV_MAX_DIST + 1];   /**< bit-vector rows */
    uint64_t cmask[LEV_MAX_CHARS + 1];                  /**< the mask of each candidate character */
    uint8_t rows[LEV_MAX_CHARS + 1][LEV_MAX_CHARS + 1]; /**< row d: distances of its first d
                                                             characters to each pattern prefix,
                                                             capped at k + 1 */
} lev;

/* Prepares l for pattern pat[0..len) and bound k (0..LEV_MAX_DIST). Returns 0, or -1 if the
 * pattern has more than LEV_MAX_CHARS characters or k is too large. */
int lev_init(lev *l, const char *pat, size_t len, uint32_t k);

#define LEV_END SIZE_MAX /* no later candidate can be within k */

/* Distance of the candidate term[0..len) to the pattern if it is <= k, else UINT32_MAX, into
 * *dist. lcp: bytes the candidate is known to share with the previous candidate given to l
 * (0 for the first, or when unknown); rows of the shared characters are reused. Then rewrites
 * term, in place from byte *keep on, into the smallest string a later candidate within k can
 * be (not below the candidate, at most len + 3 bytes: term's buffer must hold len + 4), and
 * returns its length, or LEV_END: the dict_walk_fn protocol (dict.h). A candidate within k
 * is left as it is (its hint is itself). */
size_t lev_visit(lev *l, uint8_t *term, size_t len, size_t lcp, uint32_t *dist, size_t *keep);

#endif
