/* rm3: query expansion by pseudo-relevance feedback (Lavrenko & Croft's relevance model
 * interpolated with the query, "RM3", as in Anserini's BM25+RM3). Owns the relevance model and
 * the expanded query; running the feedback query and the expanded one is search.c's, matching
 * and scoring plan.c's. docs/RANKING.md, "Query expansion", has the formulas. */
#ifndef TRAWL_RM3_H
#define TRAWL_RM3_H

#include "analyzer.h"
#include "buf.h"
#include "plan.h"
#include "query.h"
#include "topk.h"

#include <stdint.h>

#define RM3_DEFAULT_DOCS   10
#define RM3_DEFAULT_TERMS  10
#define RM3_DEFAULT_WEIGHT 0.5
#define RM3_MAX_DF_RATIO   0.1 /* terms in more documents than this are not added (Anserini) */
#define RM3_MIN_CHARS      2   /* nor terms shorter than this, or longer than RM3_MAX_CHARS */
#define RM3_MAX_CHARS      20

typedef struct rm3_opts {
    uint32_t fb_terms;  /**< terms the model keeps */
    double orig_weight; /**< the original query's share, in (0, 1] */
    int default_or;     /**< the query's bare words are optional (decides a lone word's role) */
    int qtf_once;       /**< a repeated word counts once */
} rm3_opts;

/* Builds the expanded query of q into *out (nodes in x->a) from the feedback documents, the
 * hits of fb (sorted best first; their scores weigh them). an analyses their stored text
 * (read into text). With no feedback document, or no term to add, *out is q. Returns
 * x->e->rc (TRAWL_ECORRUPT, TRAWL_ENOMEM). */
int rm3_expand(exec *x, analyzer *an, buf *text, const query *q, const topk *fb, const rm3_opts *o,
               query *out);

#endif
