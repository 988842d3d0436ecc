/* plan: turns a parsed query (query.h) into an executable plan with global statistics, then
 * runs it segment after segment into one shared top-k heap. Owns the choice of algorithm, made
 * once per query: count-only walk, block-max AND (bmw.c, also single terms), block-max AND of
 * terms and phrases (bmw_phrase.c), required with optional terms (reqopt.c), a lone phrase's
 * pruned walk (cur_phrase_prune), MaxScore OR (maxscore.c), or the exhaustive cursor-tree evaluator
 * (the reference for every query). */
#ifndef TRAWL_PLAN_H
#define TRAWL_PLAN_H

#include "arena.h"
#include "bm25.h"
#include "dict.h"
#include "err.h"
#include "grams.h"
#include "index.h"
#include "query.h"
#include "topk.h"

#include <stddef.h>
#include <stdint.h>

typedef enum pkind {
    P_NONE,   /**< matches nothing (e.g. a prefix without expansions) */
    P_ALL,    /**< every document, score 0 */
    P_TERM,   /**< one scored term */
    P_PHRASE, /**< exact phrase or proximity, scored as one pseudo-term */
    P_BOOL,   /**< must / should / must_not */
} pkind;

/* One analysed term looked up once in every segment. */
typedef struct plan_term {
    const char *term; /**< NUL-terminated, in the search arena */
    uint32_t len;
    term_info *ti;   /**< [n_segs]: its postings per segment */
    uint8_t *has;    /**< [n_segs]: 1 if the segment holds the term */
    uint64_t df;     /**< summed over segments */
    uint32_t id;     /**< its index among the query's distinct terms (plan.c) */
    uint32_t listed; /**< 1 + its index in the search's list of query terms (search.c), 0: none */
} plan_term;

typedef struct pnode pnode;
typedef struct prox prox; /* proximity.h */
struct pnode {
    pkind kind;
    /* P_TERM and P_PHRASE: scoring statistics */
    const char *label; /**< the term, or the phrase's terms joined by spaces (explain) */
    uint64_t df;       /**< global df (phrase: its rarest term's, an upper bound) */
    uint64_t n_match;  /**< documents of this index matching: df, unless statistics of more
                            documents were supplied (qstats.h); the exact count of a lone clause */
    double idf;        /**< phrase: the sum of its terms' idf, as Lucene's PhraseQuery */
    double weight;     /**< query weight (1 for a plain word or phrase; docs/RANKING.md) */
    double w_idf;   /**< weight * idf: what every scorer multiplies by (idf exactly at weight 1) */
    int origin;     /**< P_TERM: TRAWL_TERM_QUERY, TRAWL_TERM_FUZZY or TRAWL_TERM_FEEDBACK */
    uint32_t edits; /**< TRAWL_TERM_FUZZY: edits from the query word */
    const char *from; /**< TRAWL_TERM_FUZZY: the query word (analysed) it stands for */
    /* P_TERM (words set: an exact phrase matched on its one gram t, weighed by its words) */
    plan_term *t;
    /* P_PHRASE: the words weigh it; the slots' lists match it. The slots are the words, or
     * with phrase grams their grams and the words no gram covers (plan.c pb_phrase_grams). */
    plan_term **words; /**< [n_words] the phrase's words, for its weight and statistics (also
                            on a P_TERM that is a phrase: NULL on a plain term) */
    uint32_t n_words;
    plan_term **pt;    /**< [n_terms] the lists its matches are read from, by offset */
    uint32_t *offsets; /**< [n_terms] positions relative to the phrase's first word */
    uint32_t *group;   /**< [n_terms] index of the first slot holding the same list */
    uint32_t n_terms;
    uint32_t slop;
    /* P_BOOL */
    pnode **must, **should, **must_not;
    uint32_t n_must, n_should, n_must_not;
};

/* Execution state of one query, shared by the algorithms. */
typedef struct exec {
    const trawl_index *idx;
    arena *a;
    err *e;
    const grams *grams; /**< the index's phrase grams (grams.h), NULL if it has none */
    bm25 bm;
    uint32_t date_from, date_to; /**< 0 = unbounded */
    int has_date;                /**< a date filter is active */
    int scoring;                 /**< 0 for count-only */
    topk heap;
    uint64_t count;       /**< matches seen (a lower bound once pruned) */
    int pruned;           /**< some documents were skipped unscored */
    int no_prune;         /**< exact count wanted: fast paths visit every match */
    int force_exhaustive; /**< tests: always use the reference evaluator */
    const char *algo;
    const trawl_qstats *global; /**< statistics to score with instead of the index's (qstats.h) */
    trawl_qstats *record;       /**< collects the statistics of the plan (qstats.h) */
    int qtf_once;   /**< a word repeated in a bag of words counts once (trawl_options.query_tf) */
    int fuzzy_auto; /**< rare and absent words also match their near spellings (options.fuzzy) */
    double prox_weight;     /**< lambda of the proximity part; 0: plain BM25 */
    prox *prox;             /**< the proximity plan of prox_root, NULL if none (proximity.h) */
    const pnode *prox_root; /**< the bag of words it scores */
} exec;

/* 1 if the document date passes the filter. */
static inline int exec_date_ok(const exec *x, uint32_t date)
{
    if (!x->has_date) return 1;
    return date != 0 && (!x->date_from || date >= x->date_from) &&
           (!x->date_to || date <= x->date_to);
}

/* 1 if a document's date must be read: a filter tests it or the heap orders by it. Otherwise
 * evaluators skip the doc table (a cache miss per candidate) and trawl_search_hit looks the
 * dates of the returned hits up. */
static inline int exec_needs_date(const exec *x)
{
    return x->has_date || x->heap.by_date;
}

/* 1 if doc d of segment is is a live document passing the date filter; *date receives its
 * date when a filter or the order needs it, else 0. The one test every evaluator makes before
 * it counts a match. */
static inline int exec_doc_ok(const exec *x, const index_seg *is, uint32_t d, uint32_t *date)
{
    *date = 0;
    if (index_is_deleted(is, d)) return 0;
    if (exec_needs_date(x)) *date = segment_doc_date(is->seg, d);
    return exec_date_ok(x, *date);
}

/* Builds the plan of q: looks every term up in every segment, expands prefixes (TRAWL_ELIMIT
 * beyond max_expansions). Reads no postings. */
int plan_build(pnode **out, const query *q, exec *x, uint32_t max_expansions);

/* The document frequency of term[0..len) over the live documents of every segment. Returns
 * x->e->rc (TRAWL_ECORRUPT). */
int plan_df(exec *x, const char *term, uint32_t len, uint64_t *df);

/* Runs the plan into x (heap, count). exact: no pruning. */
int plan_run(const pnode *root, exec *x, int exact);

#endif
