/* query: the parsed form of a query string, the contract between the parser (qparse.c), which
 * builds it, and the planner/executor (plan.c and the cursors), which evaluate it. Nodes live
 * in the search context's arena and die with the next query. Terms are already analysed
 * (folded, stemmed) by the same analyzer the index was built with. */
#ifndef TRAWL_QUERY_H
#define TRAWL_QUERY_H

#include <stddef.h>
#include <stdint.h>

typedef enum qkind {
    Q_TERM,   /**< one analysed term: terms[0] */
    Q_PHRASE, /**< terms[i] at position p + offsets[i]; slop 0 = exact, else proximity */
    Q_PREFIX, /**< every term starting with terms[0] (folded, not stemmed), scored as OR */
    Q_FUZZY,  /**< every term within max_edits of terms[0] (analysed), scored below it */
    Q_BOOL,   /**< must / should / must_not children (Lucene BooleanQuery semantics) */
    Q_ALL,    /**< every document (a query of only a date filter) */
} qkind;

typedef struct qnode qnode;
struct qnode {
    qkind kind;
    uint32_t col; /**< 1-based byte column in the query string where this clause starts */

    /* Q_TERM, Q_PHRASE, Q_PREFIX, Q_FUZZY */
    char **terms;      /**< NUL-terminated analysed terms */
    uint32_t *lens;    /**< their byte lengths */
    uint32_t *offsets; /**< Q_PHRASE: position of terms[i] relative to terms[0] (0, 1, ...) */
    uint32_t n_terms;
    uint32_t slop; /**< Q_PHRASE: 0 = exact phrase; N = all terms within a window of
                        n_terms + N positions, in any order ("a b"~N) */
    double weight; /**< Q_TERM: query weight, 1 for a word of the query (expansion sets others) */
    int origin;    /**< Q_TERM: TRAWL_TERM_QUERY, or TRAWL_TERM_FEEDBACK for an expansion */
    uint32_t max_edits; /**< Q_FUZZY: 1 or 2 (restricted Damerau-Levenshtein, code points) */
    uint32_t src_off;   /**< Q_TERM of one word, Q_FUZZY: the word's first byte in the query */
    uint32_t src_len;   /**< its bytes (0: not from one word, e.g. a phrase's or expansion's) */

    /* Q_BOOL: a document matches when it matches every must child, no must_not child, and,
     * if there is no must child, at least one should child. Its score is the sum of the scores
     * of the must and should children that match (must_not children never score). */
    qnode **must;
    qnode **should;
    qnode **must_not;
    uint32_t n_must, n_should, n_must_not;
};

/* A word the analyzer dropped because it is longer than the index's maximum token length:
 * what trawl_search_warning reports, so that such a word is never ignored in silence. */
typedef struct qwarn {
    uint32_t col;    /**< 1-based byte column of the word in the query string */
    uint32_t len;    /**< its bytes */
    const char *msg; /**< one line naming it (abbreviated) and why it was ignored */
} qwarn;

typedef struct query {
    qnode *root;        /**< never NULL after a successful parse */
    uint32_t date_from; /**< YYYYMMDD from date:A..B, 0 if unbounded */
    uint32_t date_to;   /**< YYYYMMDD, 0 if unbounded */
    qwarn *warns;       /**< words ignored as too long, in query order (also after a failure) */
    uint32_t n_warns, cap_warns;
} query;

#endif
