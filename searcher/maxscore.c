/* maxscore: top-k of an OR of terms (Turtle & Flood's MaxScore, as in PISA
 * query/algorithm/maxscore_query.hpp). Lists are sorted by their score upper bound; the
 * longest prefix of lists whose bounds sum to at most the heap threshold is "non-essential":
 * a document found only there cannot enter the top k, so candidates come from the essential
 * lists alone, and the non-essential ones are probed (largest bound first) only while the
 * candidate can still beat the threshold. */
#include "cursor.h"
#include "segment_impl.h"

#include <math.h>

typedef struct ms_list {
    term_cursor *tc;
    double idf;
    double ub;      /**< score bound of the whole list (rounded up) */
    double contrib; /**< score on doc `at` */
    uint32_t at;    /**< doc contrib belongs to, DOC_END if none */
} ms_list;

/* Scores list l on doc d (cursor on d) and records the contribution. */
static inline double ms_score(exec *x, ms_list *l, uint32_t d, double norm)
{
    l->contrib = bm25_score(&x->bm, l->idf, tc_freq(l->tc), norm);
    l->at = d;
    return l->contrib;
}

/* Final score in clause order, identical to the exhaustive OR. */
static double ms_canonical(const ms_list *v, uint32_t m, uint32_t d)
{
    double s = 0;
    for (uint32_t i = 0; i < m; i++)
        if (v[i].at == d) s += v[i].contrib;
    return s;
}

/* Opens the segment's lists (clause order) and the bound order; returns the number opened. */
static uint32_t ms_open(exec *x, cctx *cc, pnode *const *terms, uint32_t n, ms_list *v,
                        uint32_t *ord)
{
    uint32_t m = 0;
    for (uint32_t i = 0; i < n; i++) {
        const plan_term *t = terms[i]->t;
        if (!t->has[cc->seg_i]) continue;
        if (!(v[m].tc = cctx_term(cc, t))) return 0;
        v[m].idf = terms[i]->w_idf;
        v[m].ub = bm25_upper(&x->bm, v[m].idf, t->ti[cc->seg_i].max_tf, t->ti[cc->seg_i].min_len);
        v[m].at = DOC_END;
        m++;
    }
    for (uint32_t i = 0; i < m; i++) {
        uint32_t j = i;
        for (; j > 0 && v[ord[j - 1]].ub > v[i].ub; j--)
            ord[j] = ord[j - 1];
        ord[j] = i;
    }
    return m;
}

/* Probes the non-essential lists ord[0..ne) on d, best bound first; returns 0 as soon as the
 * candidate cannot beat thr any more. */
static int ms_probe(exec *x, ms_list *v, const uint32_t *ord, const double *cum, uint32_t ne,
                    uint32_t d, double norm, double partial, double thr)
{
    for (uint32_t k = ne; k-- > 0;) {
        if (partial + cum[k] <= thr) return 0;
        ms_list *l = &v[ord[k]];
        if (tc_seek(l->tc, d) == d) partial += ms_score(x, l, d, norm);
    }
    return 1;
}

int maxscore_run(exec *x, cctx *cc, pnode *const *terms, uint32_t n)
{
    ms_list *v = arena_calloc(x->a, n * sizeof *v + 1);
    uint32_t *ord = arena_alloc(x->a, n * sizeof *ord + 1);
    double *cum = arena_alloc(x->a, n * sizeof *cum + 1);
    if (!v || !ord || !cum) return err_set(x->e, TRAWL_ENOMEM, "out of memory in MaxScore");
    uint32_t m = ms_open(x, cc, terms, n, v, ord), ne = 0;
    const segment *seg = cc->seg;
    uint64_t base = x->idx->segs[cc->seg_i].base;
    for (uint32_t k = 0; k < m; k++)
        cum[k] = (k ? cum[k - 1] : 0) + v[ord[k]].ub;
    while (x->e->rc == TRAWL_OK) {
        double thr = x->no_prune ? -INFINITY : topk_threshold(&x->heap);
        while (ne < m && cum[ne] <= thr)
            ne++;
        if (ne > 0) x->pruned = 1;
        if (ne == m) break;
        uint32_t d = DOC_END;
        for (uint32_t k = ne; k < m; k++)
            if (v[ord[k]].tc->doc < d) d = v[ord[k]].tc->doc;
        if (d == DOC_END) break;
        uint32_t date = exec_needs_date(x) ? segment_doc_date(seg, d) : 0;
        int ok = exec_date_ok(x, date) && !index_is_deleted(&x->idx->segs[cc->seg_i], d);
        int scoring = ok && x->scoring;
        double norm = scoring ? bm25_norm(&x->bm, seg->doc_lens[d]) : 0, partial = 0;
        for (uint32_t k = ne; k < m; k++) {
            ms_list *l = &v[ord[k]];
            if (l->tc->doc != d) continue;
            if (scoring) partial += ms_score(x, l, d, norm);
            tc_next(l->tc);
        }
        if (!ok) continue;
        if (!ms_probe(x, v, ord, cum, ne, d, norm, partial, thr)) continue;
        x->count++;
        if (scoring) topk_push(&x->heap, ms_canonical(v, m, d), base + d, date);
    }
    return x->e->rc;
}
