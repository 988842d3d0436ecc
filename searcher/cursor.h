/* cursor: composite postings cursors (term, AND, OR, AND-NOT, required+optional, phrase,
 * all, none) over one segment, behind one small ops table, following the cursor contract of
 * STYLE.md §6 (doc field, DOC_END when exhausted, seek never moves backwards). The exhaustive
 * evaluator walks a tree of these; the pruning algorithms use term cursors directly. */
#ifndef TRAWL_CURSOR_H
#define TRAWL_CURSOR_H

#include "plan.h"
#include "term_cursor.h"

typedef struct cur cur;

/* Receives the scoring clauses of the current document (explain). */
typedef struct cur_xsink {
    arena *a;
    trawl_explain *items;
    trawl_explain_info *info; /**< [n] what each item is */
    size_t n, cap;
    int oom;
} cur_xsink;

/* Appends one clause to the sink; returns its info to fill, or NULL when out of memory (the
 * sink then says oom). */
trawl_explain_info *cur_explain_push(cur_xsink *xs, const trawl_explain *it);

typedef struct cur_ops {
    void (*next)(cur *c);
    void (*seek)(cur *c, uint32_t target);
    double (*score)(cur *c);               /**< current doc only */
    void (*explain)(cur *c, cur_xsink *x); /**< current doc only */
} cur_ops;

struct cur {
    uint32_t doc; /**< current local doc, DOC_END when exhausted */
    const cur_ops *ops;
};

/* The term cursor under a term clause's cursor, NULL for any other cursor. */
term_cursor *cur_term_cursor(const cur *c);

/* Phrase frequency of a phrase cursor (built from a P_PHRASE node) on its current doc. */
uint32_t cur_phrase_freq(const cur *c);

typedef struct cctx cctx;

/* One leapfrog step of lists v[0..n) to d: d if every list holds it, else the doc past d that
 * the first list without it stands on (the next target). */
static inline uint32_t cur_align(term_cursor *const *v, uint32_t n, uint32_t d)
{
    for (uint32_t i = 0; i < n; i++) {
        uint32_t got = tc_seek(v[i], d);
        if (got != d) return got;
    }
    return d;
}

/* List t's score bound (weight w_idf) over its shallow block at d, remembered in *ub with that
 * block's last doc in *last (UINT32_MAX: none yet): windows end where the first of several
 * lists' blocks ends, so the others' blocks recur and cost one compare. */
static inline double cur_block_ub(const bm25 *bm, term_cursor *t, double w_idf, uint32_t d,
                                  uint32_t *last, double *ub)
{
    tc_shallow_seek(t, d);
    if (tc_block_last(t) != *last) {
        uint32_t tf[FMT_IMPACTS], len[FMT_IMPACTS], m = tc_block_impacts(t, tf, len);
        *ub = bm25_upper_pairs(bm, w_idf, tf, len, m);
        *last = tc_block_last(t);
    }
    return *ub;
}

/* Lets the phrase cursor c (built by cur_build from a P_PHRASE node; any other cursor is left
 * alone) pass over documents that cannot score above heap's threshold, as Lucene's
 * setMinCompetitiveScore does: whole windows by its terms' block bounds (a phrase occurs at
 * most as often as each of its terms), then single candidates by the smallest tf of its terms,
 * before their positions are read. Only for a clause whose score is the document's score (a
 * lone phrase). Returns TRAWL_OK or TRAWL_ENOMEM (in cc's error). */
int cur_phrase_prune(cctx *cc, cur *c, const topk *heap);

/* 1 if the phrase cursor c passed over some document unscored (cur_phrase_prune). */
int cur_phrase_skipped(const cur *c);

/* For an algorithm that moves a phrase's term cursors itself: the phrase cursor of p (not
 * positioned) and in *lists its *n term cursors, one per distinct word. Returns the cursor;
 * the none cursor (and *n 0) when the segment lacks a word; NULL on error (in cc's error). */
cur *cur_phrase_lists(cctx *cc, const pnode *p, term_cursor ***lists, uint32_t *n);

/* The phrase frequency in doc d (0: no match) of a cursor from cur_phrase_lists, every one of
 * its term cursors standing on d; its score is then bm25_score with the phrase's w_idf. */
uint32_t cur_phrase_match(cur *c, uint32_t d);

/* Per-segment cursor construction: owns the term cursors opened for one segment. */
struct cctx {
    exec *x;
    size_t seg_i; /**< index in x->idx->segs */
    const segment *seg;
    term_cursor **tcs; /**< opened term cursors, closed by cctx_close */
    size_t n_tcs, cap_tcs;
    int walk_ors; /**< build every OR as a walk of its kids (explaining one document) */
};

void cctx_init(cctx *cc, exec *x, size_t seg_i);
/* Builds the cursor of plan node p, positioned on its first match. NULL on error (in x->e). */
cur *cur_build(cctx *cc, const pnode *p);
/* Opens a bare term cursor of t in this segment (positioned on its first doc), registered for
 * cctx_close. NULL if the segment lacks the term or on error (x->e->rc tells). */
term_cursor *cctx_term(cctx *cc, const plan_term *t);
/* Closes every term cursor; returns the first cursor error (sticky rc) or x->e->rc. */
int cctx_close(cctx *cc);

/* Wraps inner, the cursor of x->prox_root (m: its must clauses' cursors, s: its should
 * clauses'), adding the proximity part to its score and explanation (cur_prox.c). NULL when
 * out of memory (in x->e). */
cur *cur_build_prox(cctx *cc, cur *inner, cur **m, cur **s);

/* Top-k algorithms over bare term cursors, one per file; each runs one segment into x->heap,
 * adds to x->count and sets x->pruned when it skipped documents unscored. terms are P_TERM
 * nodes in clause order (their scores are summed in that order, as the exhaustive evaluator
 * does, so both give the same bits). Return x->e->rc. */
int maxscore_run(exec *x, cctx *cc, pnode *const *terms, uint32_t n); /* OR of terms */
int bmw_run(exec *x, cctx *cc, pnode *const *terms, uint32_t n);      /* AND of terms */
/* A score strictly below the k-th best score of term p alone among this segment's documents that
 * pass the query's filters, or -INFINITY when it finds none: the k-th best of the list's
 * strongest block among its first few. A query that scores each of its documents at least as
 * high as p alone (an OR holding p: a sum of non-negative clauses never rounds below one of its
 * parts) has a final threshold above it, so it may prune against it before the heap is full. */
double bmw_term_floor(exec *x, cctx *cc, const pnode *p);
/* Passes a query's one essential list tc (weight idf) over the docs that cannot enter the heap
 * with what the other lists may add (rest): first whole blocks whose bound plus rest is at
 * most thr, read from the skip data without decoding them (b_last, b_ub: cur_block_ub's
 * memory), then, in the block it stops in, the docs whose own score fails q (set to
 * thr - rest), division-free, sparing their scores and probes. Stops on the first doc that
 * passes (maxscore.c; used by reqopt.c too). */
void cur_essential_scan(exec *x, term_cursor *tc, double idf, uint32_t *b_last, double *b_ub,
                        const uint32_t *lens, const bm25_quick *q, double rest, double thr);

/* Required terms with optional ones (no proximity part): reqopt.c. */
int reqopt_run(exec *x, cctx *cc, pnode *const *req, uint32_t n_req, pnode *const *opt,
               uint32_t n_opt);
/* AND of terms and phrases (at least one phrase; no proximity part): bmw_phrase.c. */
int bmw_phrase_run(exec *x, cctx *cc, pnode *const *clauses, uint32_t n);

/* What walking node p costs in this segment: its documents (a term's df, 0 without any), the
 * fewest of an AND's clauses, the sum of an OR's. */
uint64_t cur_cost(const cctx *cc, const pnode *p);

/* The exact count of a boolean query of terms (required, optional, excluded; no date filter)
 * from a bitmap of a segment's documents (countbits.c). countbits_fits: the query has that
 * shape; countbits_worth: its lists in this segment are dense enough for the bitmap to pay;
 * countbits_run adds the segment's count to x->count. */
int countbits_fits(const pnode *root, const exec *x);
int countbits_worth(const cctx *cc, const pnode *root);
int countbits_run(exec *x, cctx *cc, const pnode *root);

/* An OR of many terms, term at a time into per-document accumulators, a window of
 * TAAT_WINDOW documents at a time (taat.c). taat_fits: the query is such an OR (no proximity
 * part); taat_run: its top k, as maxscore_run, with an exact count. */
int taat_fits(const pnode *root, const exec *x);
int taat_run(exec *x, cctx *cc, pnode *const *terms, uint32_t n);

#define TAAT_WINDOW 4096u /* documents: 32 KB of accumulators */

typedef struct taat_win {
    cctx *cc;
    pnode *const *terms; /**< [n] P_TERM nodes, clause order */
    uint32_t n;
    term_cursor **tc; /**< [n] NULL where the segment lacks the term */
    uint32_t lo, hi;  /**< the window [lo, hi) the arrays below hold */
    uint64_t seen[TAAT_WINDOW / 64];
    double acc[TAAT_WINDOW]; /**< acc[d - lo]: the clause-order sum of the scores on d */
} taat_win;

/* Opens the lists of terms[0..n) in this segment. TRAWL_OK or the error (in cc's). */
int taat_open(taat_win *w, cctx *cc, pnode *const *terms, uint32_t n);
/* Fills the window holding the first document >= d of any list and returns that document
 * (DOC_END: none). Windows are filled in increasing order: d only grows. */
uint32_t taat_fill(taat_win *w, uint32_t d);
/* The first document >= d marked in the window, DOC_END when none is (then fill the next). */
uint32_t taat_next(const taat_win *w, uint32_t d);

#endif
