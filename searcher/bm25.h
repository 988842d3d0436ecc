/* bm25: the scoring formula, inline so every evaluator (exhaustive, MaxScore, block-max AND,
 * explain) computes a clause's score with the very same floating operations and therefore the
 * same bits. Statistics (N, df, avgdl) are global over the opened index; collecting them is
 * plan.c's job. */
#ifndef TRAWL_BM25_H
#define TRAWL_BM25_H

#include <math.h>
#include <stdint.h>

typedef struct bm25 {
    double k1;    /**< tf saturation */
    double b;     /**< length normalisation strength */
    double avgdl; /**< average document length in tokens over the whole index (> 0) */
} bm25;

/* ln(1 + (N - df + 0.5) / (df + 0.5)); always > 0 for df <= N. */
static inline double bm25_idf(uint64_t n_docs, uint64_t df)
{
    return log(1.0 + ((double)n_docs - (double)df + 0.5) / ((double)df + 0.5));
}

/* Average document length: total_tokens / N as a double, 1 for an empty collection (or one of
 * empty documents). The one formula for an index and for statistics summed over shards, so both
 * give the same bits from the same two integers. */
static inline double bm25_avgdl(uint64_t n_docs, uint64_t total_tokens)
{
    double a = n_docs ? (double)total_tokens / (double)n_docs : 1.0;
    return a > 0 ? a : 1.0;
}

/* Length norm k1 * (1 - b + b * dl / avgdl). */
static inline double bm25_norm(const bm25 *p, uint32_t doc_len)
{
    return p->k1 * (1.0 - p->b + p->b * (double)doc_len / p->avgdl);
}

/* Score of one clause: idf * tf * (k1 + 1) / (tf + norm). */
static inline double bm25_score(const bm25 *p, double idf, uint32_t tf, double norm)
{
    return idf * (double)tf * (p->k1 + 1.0) / ((double)tf + norm);
}

/* A division-free test for the common case of a score that cannot reach a threshold: a lone
 * term's scan rejects most documents, and bm25_score costs two divisions. The constants are
 * those of bm25_score rearranged (not bit-identical), so the test keeps a relative margin of
 * 1e-9, far above their rounding; a document that passes is scored exactly. */
typedef struct bm25_quick {
    double num;    /**< idf * (k1 + 1) */
    double c0, c1; /**< k1 * (1 - b), k1 * b / avgdl: the norm is c0 + c1 * dl */
    double thr;    /**< threshold lowered by the margin */
} bm25_quick;

static inline void bm25_quick_init(bm25_quick *q, const bm25 *p, double idf, double thr)
{
    q->num = idf * (p->k1 + 1.0);
    q->c0 = p->k1 * (1.0 - p->b);
    q->c1 = p->k1 * p->b / p->avgdl;
    q->thr = thr * (1.0 - 1e-9);
}

/* 1 if bm25_score(p, idf, tf, bm25_norm(p, dl)) is surely below the threshold (scores and
 * finite thresholds are > 0; -INFINITY rejects nothing, INFINITY everything). */
static inline int bm25_quick_below(const bm25_quick *q, uint32_t tf, uint32_t dl)
{
    double t = (double)tf;
    return q->num * t < q->thr * (t + q->c0 + q->c1 * (double)dl);
}

/* Upper bound of bm25_score over docs with tf <= max_tf and length >= min_len (the score grows
 * with tf and falls with length). Inflated by a relative 1e-9 so that a bound summed in another
 * order than the real score never rounds below it: a bound that rounds down drops hits. */
static inline double bm25_inflate(double s)
{
    return s * (1.0 + 1e-9) + 1e-300;
}

static inline double bm25_upper(const bm25 *p, double idf, uint32_t max_tf, uint32_t min_len)
{
    return bm25_inflate(bm25_score(p, idf, max_tf, bm25_norm(p, min_len)));
}

/* Upper bound over documents each under one of n (tf, length) pairs (a block's impacts,
 * tc_block_impacts): the largest pair bound. */
static inline double bm25_upper_pairs(const bm25 *p, double idf, const uint32_t *tf,
                                      const uint32_t *len, uint32_t n)
{
    double m = 0;
    for (uint32_t i = 0; i < n; i++) {
        double u = bm25_upper(p, idf, tf[i], len[i]);
        m = u > m ? u : m;
    }
    return m;
}

#endif
