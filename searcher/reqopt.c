/* reqopt: top-k of required terms with optional ones beside them (`+linux kernel`, `+the only`:
 * score = the required terms' BM25 + the optional terms' present in the document), MaxScore
 * applied to the optional part, as Lucene's ReqOptSumScorer does. While the required terms'
 * bound (summed over their whole lists) can beat the heap's threshold, candidates are the
 * required terms' common documents, and an optional list is probed only while the candidate
 * can still beat the threshold (largest bound first). Once it cannot, a competitive document
 * must hold some optional words as well: the optional lists sorted by bound split into a
 * non-essential prefix (whose bounds, with the required ones, still do not beat the threshold)
 * and essential lists, and candidates come from the essential lists' union, intersected with
 * the required lists; with one essential list that is a conjunction. Scores are the
 * exhaustive evaluator's, bit for bit: the required terms in clause order, then the present
 * optional ones in clause order. */
#include "cursor.h"
#include "segment_impl.h"

#include <math.h>

typedef struct ro_list {
    term_cursor *tc; /**< NULL: an optional term this segment lacks */
    double idf;      /**< w_idf */
    double ub;       /**< bound over the whole list */
    double contrib;  /**< score on doc `at` */
    uint32_t at;     /**< doc contrib belongs to, DOC_END if none */
    uint32_t b_last; /**< cur_block_ub's memory: the block b_ub bounds (UINT32_MAX: none) */
    double b_ub;
} ro_list;

typedef struct ro {
    exec *x;
    cctx *cc;
    ro_list *req, *opt; /**< clause order */
    uint32_t n_req, n_opt;
    term_cursor **by_cost; /**< required lists, rarest first */
    uint32_t *ord;         /**< [m] the present optional lists' indices by bound, ascending */
    uint32_t m;
    double *cum;      /**< [m + 1] cum[k]: the bounds of ord[0..k) summed */
    double req_ub;    /**< the required lists' bounds summed */
    uint32_t ne;      /**< ord[0..ne) are non-essential */
    bm25_quick q;     /**< one essential list: its docs' test against thr - rest */
    int by_essential; /**< candidates come from the essential lists (else: required) */
} ro;

static int ro_open_list(ro *r, ro_list *l, const pnode *p)
{
    l->at = DOC_END;
    l->b_last = UINT32_MAX;
    l->idf = p->w_idf;
    if (!p->t->has[r->cc->seg_i]) return 0;
    if (!(l->tc = cctx_term(r->cc, p->t))) return -1;
    l->ub = bm25_upper(&r->x->bm, l->idf, l->tc->max_tf, l->tc->min_len);
    return 1;
}

/* Opens the lists; 1, 0 (a required term missing: no match here) or -1 (error in x->e). */
static int ro_open(ro *r, pnode *const *req, uint32_t n_req, pnode *const *opt, uint32_t n_opt)
{
    arena *a = r->x->a;
    r->n_req = n_req;
    r->n_opt = n_opt;
    r->req = arena_calloc(a, n_req * sizeof *r->req);
    r->opt = arena_calloc(a, n_opt * sizeof *r->opt);
    r->by_cost = arena_alloc(a, n_req * sizeof *r->by_cost);
    r->ord = arena_alloc(a, (n_opt + 1) * sizeof *r->ord);
    r->cum = arena_alloc(a, (n_opt + 1) * sizeof *r->cum);
    if (!r->req || !r->opt || !r->by_cost || !r->ord || !r->cum) {
        err_set(r->x->e, TRAWL_ENOMEM, "out of memory in required + optional");
        return -1;
    }
    for (uint32_t i = 0; i < n_req; i++) {
        int k = ro_open_list(r, &r->req[i], req[i]);
        if (k <= 0) return k;
        r->req_ub += r->req[i].ub;
        uint32_t j = i;
        for (; j > 0 && tc_cost(r->by_cost[j - 1]) > tc_cost(r->req[i].tc); j--)
            r->by_cost[j] = r->by_cost[j - 1];
        r->by_cost[j] = r->req[i].tc;
    }
    for (uint32_t i = 0; i < n_opt; i++) {
        int k = ro_open_list(r, &r->opt[i], opt[i]);
        if (k < 0) return k;
        if (k == 0) continue; /* never present: no bound, never probed */
        uint32_t j = r->m++;
        for (; j > 0 && r->opt[r->ord[j - 1]].ub > r->opt[i].ub; j--)
            r->ord[j] = r->ord[j - 1];
        r->ord[j] = i;
    }
    r->cum[0] = 0;
    for (uint32_t k = 0; k < r->m; k++)
        r->cum[k + 1] = r->cum[k] + r->opt[r->ord[k]].ub;
    r->ne = r->m; /* every optional list probed until the threshold says otherwise */
    return 1;
}

/* How many optional lists (by bound, ascending) are non-essential at thr: all of them while
 * the required lists alone may beat it; else the longest prefix that, with the required
 * lists, still does not. */
static uint32_t ro_partition(const ro *r, double thr)
{
    if (thr == -INFINITY || r->req_ub > thr) return r->m;
    uint32_t k = 0;
    while (k < r->m && r->req_ub + r->cum[k + 1] <= thr)
        k++;
    return k;
}

static inline double ro_score(exec *x, ro_list *l, uint32_t d, double norm)
{
    l->contrib = bm25_score(&x->bm, l->idf, tc_freq(l->tc), norm);
    l->at = d;
    return l->contrib;
}

/* The candidate d, every required list on it (and the essential optional lists moved to d or
 * past it): scored unless it cannot beat thr. */
static void ro_candidate(ro *r, uint32_t d, double thr)
{
    exec *x = r->x;
    const index_seg *is = &x->idx->segs[r->cc->seg_i];
    uint32_t date;
    if (!exec_doc_ok(x, is, d, &date)) return;
    x->count++;
    double norm = bm25_norm(&x->bm, is->seg->doc_lens[d]), partial = 0;
    for (uint32_t i = 0; i < r->n_req; i++)
        partial += ro_score(x, &r->req[i], d, norm);
    for (uint32_t k = r->ne; k < r->m; k++) {
        ro_list *l = &r->opt[r->ord[k]];
        if (l->tc->doc == d) partial += ro_score(x, l, d, norm);
    }
    for (uint32_t k = r->ne; k-- > 0;) {
        if (partial + r->cum[k + 1] <= thr) {
            x->pruned = 1;
            return;
        }
        ro_list *l = &r->opt[r->ord[k]];
        if (tc_seek(l->tc, d) == d) partial += ro_score(x, l, d, norm);
    }
    double req = 0, opt = 0;
    for (uint32_t i = 0; i < r->n_req; i++)
        req += r->req[i].contrib;
    for (uint32_t i = 0; i < r->n_opt; i++)
        if (r->opt[i].tc && r->opt[i].at == d) opt += r->opt[i].contrib;
    topk_push(&x->heap, req + opt, is->base + d, date);
}

/* The next candidate from d: the required lists' next common doc while every optional list is
 * non-essential, else the essential optional lists' next doc that the required lists hold.
 * One essential list first passes over its docs that cannot beat thr with everything else at
 * its bound (cur_essential_scan). */
static uint32_t ro_next(ro *r, uint32_t d, double thr)
{
    for (;;) {
        if (r->ne < r->m && !r->by_essential) {
            /* The required lists are the sparser: they drive, and a doc must hold an
             * essential word as well. */
            d = tc_seek(r->by_cost[0], d);
            if (d == DOC_END) return d;
            uint32_t got = cur_align(r->by_cost, r->n_req, d);
            if (got != d) {
                d = got;
                continue;
            }
            int held = 0; /* every essential list moved to d: ro_candidate reads which are on it */
            for (uint32_t k = r->ne; k < r->m; k++)
                held |= tc_seek(r->opt[r->ord[k]].tc, d) == d;
            if (held) return d;
            r->x->pruned = 1;
            d++;
            continue;
        }
        if (r->ne + 1 == r->m && thr > -INFINITY) {
            ro_list *e = &r->opt[r->ord[r->ne]];
            tc_seek(e->tc, d);
            cur_essential_scan(r->x, e->tc, e->idf, &e->b_last, &e->b_ub,
                               r->x->idx->segs[r->cc->seg_i].seg->doc_lens, &r->q,
                               r->req_ub + r->cum[r->ne], thr);
            d = e->tc->doc;
        } else if (r->ne < r->m) {
            uint32_t e = DOC_END;
            for (uint32_t k = r->ne; k < r->m; k++) {
                uint32_t got = tc_seek(r->opt[r->ord[k]].tc, d);
                e = got < e ? got : e;
            }
            d = e;
        } else {
            d = tc_seek(r->by_cost[0], d);
        }
        if (d == DOC_END) return d;
        uint32_t got = cur_align(r->by_cost, r->n_req, d);
        if (got == d) return d;
        d = got;
    }
}

int reqopt_run(exec *x, cctx *cc, pnode *const *req, uint32_t n_req, pnode *const *opt,
               uint32_t n_opt)
{
    ro r = {.x = x, .cc = cc};
    if (ro_open(&r, req, n_req, opt, n_opt) <= 0) return x->e->rc;
    double last_thr = NAN;
    for (uint32_t d = 0; x->e->rc == TRAWL_OK;) {
        double thr = x->no_prune ? -INFINITY : topk_threshold(&x->heap);
        if (thr != last_thr) {
            r.ne = ro_partition(&r, thr);
            last_thr = thr;
            if (r.ne < r.m) x->pruned = 1; /* matches without an essential word are passed over */
            if (r.ne == r.m && thr != -INFINITY && r.req_ub + r.cum[r.m] <= thr) {
                x->pruned = 1; /* nothing here can beat the heap */
                break;
            }
            if (r.ne < r.m) {
                bm25_quick_init(&r.q, &x->bm, r.opt[r.ord[r.ne]].idf, thr - r.req_ub - r.cum[r.ne]);
                uint64_t cost = 0;
                for (uint32_t k = r.ne; k < r.m; k++)
                    cost += tc_cost(r.opt[r.ord[k]].tc);
                r.by_essential = cost < tc_cost(r.by_cost[0]);
            }
        }
        d = ro_next(&r, d, thr);
        if (d == DOC_END) break;
        ro_candidate(&r, d, thr);
        d++;
    }
    return x->e->rc;
}
