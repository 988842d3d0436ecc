/* bmw: top-k of an AND of terms (and of a single term) with block-max skipping (Ding & Suel's
 * block-max idea applied to a conjunction, as Lucene's BlockMaxConjunctionScorer does). Before
 * leapfrogging from a candidate, every list's skip data is moved (shallow, no decoding) to the
 * block holding it; if the sum of those blocks' bounds cannot beat the heap threshold, every doc
 * up to the nearest block end is skipped unscored. */
#include "cursor.h"

#include <math.h>

/* Bound of docs in [d, *last] over every list's shallow block at d; *last gets the smallest
 * block end. */
static double bmw_block_bound(exec *x, term_cursor **tc, const double *idf, uint32_t n, uint32_t d,
                              uint32_t *last)
{
    double ub = 0;
    uint32_t l = DOC_END;
    for (uint32_t i = 0; i < n; i++) {
        tc_shallow_seek(tc[i], d);
        ub += bm25_upper(&x->bm, idf[i], tc_block_max_tf(tc[i]), tc_block_min_len(tc[i]));
        if (tc_block_last(tc[i]) < l) l = tc_block_last(tc[i]);
    }
    *last = l;
    return ub;
}

/* Leapfrog from d: returns d if every list is on it, else the next target (> d). */
static uint32_t bmw_align(term_cursor **by_cost, uint32_t n, uint32_t d)
{
    for (uint32_t i = 1; i < n; i++) {
        uint32_t got = tc_seek(by_cost[i], d);
        if (got != d) return got;
    }
    return d;
}

/* Scores d (every list on it) in clause order, as the exhaustive AND does. */
static void bmw_score(exec *x, cctx *cc, term_cursor **tc, const double *idf, uint32_t n,
                      uint32_t d)
{
    const segment *seg = cc->seg;
    uint32_t date = segment_doc_date(seg, d);
    if (!exec_date_ok(x, date)) return;
    x->count++;
    if (!x->scoring) return;
    double norm = bm25_norm(&x->bm, segment_doc_len(seg, d)), s = 0;
    for (uint32_t i = 0; i < n; i++)
        s += bm25_score(&x->bm, idf[i], tc_freq(tc[i]), norm);
    topk_push(&x->heap, s, x->idx->segs[cc->seg_i].base + d, date);
}

/* Opens the lists in clause order (tc) and rarest first (by_cost); 0 if one is missing. */
static int bmw_open(cctx *cc, pnode *const *terms, uint32_t n, term_cursor **tc,
                    term_cursor **by_cost, double *idf)
{
    for (uint32_t i = 0; i < n; i++) {
        if (!terms[i]->t->has[cc->seg_i] || !(tc[i] = cctx_term(cc, terms[i]->t))) return 0;
        idf[i] = terms[i]->idf;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t j = i;
        for (; j > 0 && tc_cost(by_cost[j - 1]) > tc_cost(tc[i]); j--)
            by_cost[j] = by_cost[j - 1];
        by_cost[j] = tc[i];
    }
    return 1;
}

int bmw_run(exec *x, cctx *cc, pnode *const *terms, uint32_t n)
{
    term_cursor **tc = arena_alloc(x->a, 2 * n * sizeof *tc + 1);
    double *idf = arena_alloc(x->a, n * sizeof *idf + 1);
    if (!tc || !idf) return err_set(x->e, TRAWL_ENOMEM, "out of memory in block-max AND");
    term_cursor **by_cost = tc + n;
    if (!bmw_open(cc, terms, n, tc, by_cost, idf)) return x->e->rc;
    uint32_t d = 0, last = 0;
    double ub = INFINITY;
    int have_bound = 0; /* ub bounds every doc in [d, last] */
    while (x->e->rc == TRAWL_OK) {
        d = tc_seek(by_cost[0], d);
        if (d == DOC_END) break;
        double thr = x->no_prune ? -INFINITY : topk_threshold(&x->heap);
        if (thr > -INFINITY) {
            if (!have_bound || d > last) {
                ub = bmw_block_bound(x, tc, idf, n, d, &last);
                have_bound = 1;
            }
            if (ub <= thr) {
                x->pruned = 1;
                if (last >= DOC_END) break;
                d = last + 1;
                continue;
            }
        }
        uint32_t got = bmw_align(by_cost, n, d);
        if (got != d) {
            d = got;
            continue;
        }
        bmw_score(x, cc, tc, idf, n, d);
        d++;
    }
    return x->e->rc;
}
