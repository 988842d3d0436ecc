/* search: the per-thread search context behind trawl_search_* (trawl.h): parses, plans, runs,
 * keeps the last results, explains, and serves hits, snippets and stored text. Matching and
 * ranking are plan.c's; this module owns the context's memory and the result lifetime rules. */
#ifndef TRAWL_SEARCH_H
#define TRAWL_SEARCH_H

#include "analyzer.h"
#include "arena.h"
#include "buf.h"
#include "err.h"
#include "grams.h"
#include "index.h"
#include "plan.h"
#include "query.h"
#include "topk.h"
#include "trawl.h"

struct trawl_search {
    const trawl_index *idx;
    analyzer *an;      /**< this context's own analyzer (analyzers are not thread-safe) */
    grams *grams;      /**< the index's phrase grams, NULL if it has none */
    arena a;           /**< per query: query tree, plan, cursors, hits, explanations */
    arena snip;        /**< per snippet call */
    buf text;          /**< decompressed stored text of the last snippet/text call */
    uint64_t text_doc; /**< the document whose text is in text, UINT64_MAX for none */
    buf path;          /**< the last trawl_search_hit_path, NUL-terminated */
    err e;             /**< error of the last failed call */
    uint32_t err_col;  /**< TRAWL_EQUERY column */
    query q;           /**< the last parsed query (in a); only its warnings after a failure */
    const char *qtext; /**< its text (a copy in a) */
    int has_query;
    trawl_options opt; /**< options of the last run */
    topk_entry *hits;  /**< ranked hits after offset (in a) */
    size_t n_hits;
    trawl_explain **ex;           /**< [n_hits] clauses per hit, with explain */
    trawl_explain_info **ex_info; /**< [n_hits] what each clause is */
    size_t *n_ex;                 /**< [n_hits] */
    uint32_t *ex_len;             /**< [n_hits] document lengths */
    uint64_t count;
    int count_exact;
    double elapsed_us;
    const char *algo;         /**< algorithm the last run used (for tests and benchmarks) */
    trawl_query_term *qterms; /**< the terms the last run scored (in a) */
    size_t n_qterms;
    int has_run;          /**< the last run succeeded (its query, counts and terms are valid) */
    int force_exhaustive; /**< tests: evaluate every query with the reference evaluator */
    const trawl_qstats *global; /**< during trawl_search_run_global: the statistics to use */
    trawl_qstats *record;       /**< during trawl_search_qstats: where they are collected */
};

/* Name of the algorithm the last run chose: "count", "exhaustive", "maxscore",
 * "block-max-and", or "" before a successful run. */
const char *search_algo(const trawl_search *s);

/* Forgets the last results, query and error (the start of every run and lookup). */
void search_clear(trawl_search *s);

/* Tests: with on, every later run uses the exhaustive cursor-tree evaluator (the reference the
 * MaxScore and block-max paths are compared with). */
void search_force_exhaustive(trawl_search *s, int on);

#endif
