/* proximity: the term-proximity part of a bag-of-words score, Buettcher, Clarke & Lushman's
 * BM25TP (SIGIR 2006): each occurrence of a query word earns closeness from the nearest
 * occurrence of another query word on either side, idf(neighbour) / distance^2, and a word's
 * closeness saturates like a BM25 tf. Owns the formula, its upper bounds and the plan of which
 * words take part; the evaluators (cursor.c, maxscore.c, bmw.c) call it on the positions of a
 * candidate, so they all compute the same bits. docs/RANKING.md has the formula and the
 * measurements behind it. */
#ifndef TRAWL_PROXIMITY_H
#define TRAWL_PROXIMITY_H

#include "bm25.h"
#include "plan.h"

#include <stdint.h>

#define PROX_DEFAULT_ON     0   /* trawl_options.proximity 0: measured on CISI (RANKING.md) */
#define PROX_DEFAULT_WEIGHT 1.0 /* lambda: Buettcher et al. add the part unscaled */
#define PROX_MAX_WEIGHT     100.0

/* One distinct word of the bag. */
typedef struct prox_word {
    double idf;     /**< what an occurrence gives its neighbours (per 1/distance^2) */
    double coef;    /**< lambda * query weight * min(1, idf): the factor of its part */
    double wmax;    /**< the largest idf among the other words: bounds one neighbour's gift */
    double top;     /**< coef * (k1 + 1): the part's limit (prox_upper) */
    const pnode *p; /**< its first clause (label, df, for explain) */
} prox_word;

typedef struct prox {
    uint32_t n;         /**< distinct words (>= 2) */
    prox_word *w;       /**< [n] */
    uint32_t n_clauses; /**< the root's positive clauses: must, then should, all P_TERM */
    uint32_t *group;    /**< [n_clauses] the word of each clause */
    double k1;
    double c0, c1; /**< the length norm as c0 + c1 * doc_len (bm25_quick's), for bounds */
    /* scratch, one query at a time */
    uint32_t *head;       /**< [n] merge position in each word's list (prox_score) */
    double *acc;          /**< [n] closeness of each word in the document being scored */
    const uint32_t **pos; /**< [n] the evaluators gather a candidate's positions here */
    uint32_t *npos;       /**< [n] */
} prox;

/* Decides whether the plan's root takes a proximity part (x->prox_weight > 0, a bag of at
 * least 2 distinct words: a P_BOOL whose must and should clauses are all terms) and if so
 * plans it into x->prox (arena). Returns x->e->rc (TRAWL_ENOMEM). */
int prox_plan(exec *x, const pnode *root);

/* The proximity part of a document of doc_len tokens whose word g occurs at pos[g][0..npos[g])
 * (ascending; npos[g] = 0 when absent), summed over the words in order; p->acc[g] receives
 * each word's closeness. 0 unless two different words occur. */
double prox_score(const prox *p, const bm25 *bm, uint32_t doc_len, const uint32_t *const *pos,
                  const uint32_t *npos);

/* Word g's part when its closeness is acc in a document of norm K (explain). */
static inline double prox_part(const prox *p, const bm25 *bm, uint32_t g, double acc, double norm)
{
    return acc > 0 ? p->w[g].coef * acc * (bm->k1 + 1.0) / (acc + norm) : 0.0;
}

/* Upper bound of word g's part over documents where it occurs at most max_tf times and whose
 * length is at least min_len: each occurrence has two neighbours at distance >= 1, so its
 * closeness is at most 2 * max_tf * wmax, and the part grows with closeness and falls with
 * length. Division-free norm (its rounding differs from bm25_norm's by far less than the
 * 1e-9 the bound is rounded up by, as bm25_upper is). */
static inline double prox_upper(const prox *p, uint32_t g, uint32_t max_tf, uint32_t min_len)
{
    double a = 2.0 * (double)max_tf * p->w[g].wmax;
    return p->w[g].top * a / (a + p->c0 + p->c1 * (double)min_len) * (1.0 + 1e-9) + 1e-300;
}

#endif
