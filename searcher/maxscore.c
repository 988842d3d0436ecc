/* maxscore: top-k of an OR of terms (Turtle & Flood's MaxScore, as in PISA
 * query/algorithm/maxscore_query.hpp). Lists are sorted by their score upper bound; the longest
 * prefix of lists whose bounds sum to at most the heap threshold is "non-essential": a document
 * found only there cannot enter the top k, so candidates come from the essential lists alone, and
 * the non-essential ones are probed (largest bound first) only while the candidate can still beat
 * the threshold. With one essential list, its documents are tested division-free against the
 * threshold less the non-essential bounds before they are scored, and a probe uses the
 * non-essential lists' block bounds at the candidate. With a proximity part (proximity.h) a list's
 * bound adds its word's part bound, and a candidate's positions are read only when its BM25 score
 * plus the bounds of the words it has can still beat the threshold. */
#include "cursor.h"
#include "proximity.h"
#include "segment_impl.h"

#include <math.h>

typedef struct ms_list {
    term_cursor *tc;
    uint32_t clause; /**< its index among the terms (the proximity plan's clause) */
    double idf;
    double ub;       /**< score bound of the whole list (rounded up) */
    double pub;      /**< the proximity part's bound (included in ub) */
    double contrib;  /**< score on doc `at` */
    uint32_t at;     /**< doc contrib belongs to, DOC_END if none */
    uint32_t b_last; /**< last doc of the shallow block b_ub is for (UINT32_MAX: none) */
    double b_ub;     /**< that block's bound: computed once per block, not per candidate */
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
        const term_info *ti = &t->ti[cc->seg_i];
        v[m].clause = i;
        v[m].idf = terms[i]->w_idf;
        v[m].ub = bm25_upper(&x->bm, v[m].idf, ti->max_tf, ti->min_len);
        v[m].pub = x->prox ? prox_upper(x->prox, x->prox->group[i], ti->max_tf, ti->min_len) : 0;
        v[m].ub += v[m].pub;
        v[m].at = DOC_END;
        v[m].b_last = UINT32_MAX;
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

/* What list l's word may add to d's proximity part (0 without one): its bound for its tf in d
 * and d's length dl. */
static inline double ms_prox_bound(const exec *x, ms_list *l, uint32_t dl)
{
    if (!x->prox) return 0;
    return prox_upper(x->prox, x->prox->group[l->clause], tc_freq(l->tc), dl);
}

/* Probes the non-essential lists ord[0..ne) on d, best bound first; returns 0 as soon as the
 * candidate cannot beat thr any more. partial: what the essential lists may give d (their
 * scores, and their proximity bounds). */
static int ms_probe(exec *x, ms_list *v, const uint32_t *ord, const double *cum, uint32_t ne,
                    uint32_t d, uint32_t dl, double norm, double partial, double thr)
{
    for (uint32_t k = ne; k-- > 0;) {
        if (partial + cum[k] <= thr) return 0;
        ms_list *l = &v[ord[k]];
        if (tc_seek(l->tc, d) != d) continue;
        partial += ms_score(x, l, d, norm) + ms_prox_bound(x, l, dl);
    }
    return 1;
}

/* The proximity part of d (its lists on d: those with at == d), if the candidate's BM25 score s
 * plus its words' bounds for their tf in d and d's length can beat thr; else -INFINITY (it
 * cannot enter the heap). */
static double ms_prox(exec *x, const cctx *cc, ms_list *v, uint32_t m, uint32_t d, double s,
                      double thr)
{
    const prox *p = x->prox;
    const uint32_t **pos = p->pos;
    uint32_t *npos = p->npos;
    double bound = s;
    uint32_t dl = cc->seg->doc_lens[d], first = UINT32_MAX, words = 0;
    for (uint32_t i = 0; i < m; i++) {
        if (v[i].at != d) continue;
        uint32_t g = p->group[v[i].clause];
        words += first != UINT32_MAX && g != first;
        first = first == UINT32_MAX ? g : first;
        if (bound <= thr) bound += ms_prox_bound(x, &v[i], dl);
    }
    if (words == 0) return 0; /* one word: no part, no positions to read */
    if (bound <= thr) return -INFINITY;
    for (uint32_t g = 0; g < p->n; g++)
        npos[g] = 0;
    for (uint32_t i = 0; i < m; i++) {
        uint32_t g = p->group[v[i].clause];
        if (v[i].at == d && !npos[g]) tc_positions(v[i].tc, &pos[g], &npos[g]);
    }
    return prox_score(p, &x->bm, dl, pos, npos);
}

/* List l's bound over its shallow block (cached per block: MaxScore asks per candidate). */
void cur_essential_scan(exec *x, term_cursor *tc, double idf, uint32_t *b_last, double *b_ub,
                        const uint32_t *lens, const bm25_quick *q, double rest, double thr)
{
    while (tc->doc != DOC_END) {
        tc_shallow_seek(tc, tc->doc);
        if (tc->sk == tc->blk &&
            cur_block_ub(&x->bm, tc, idf, tc->doc, b_last, b_ub) + rest <= thr) {
            /* the skip position is on the decoded block: skip blocks while they fail */
            uint32_t target;
            do {
                uint32_t last = tc_block_last(tc);
                target = last >= DOC_END ? DOC_END : last + 1;
                if (target == DOC_END) break;
            } while (cur_block_ub(&x->bm, tc, idf, target, b_last, b_ub) + rest <= thr);
            x->pruned = 1;
            tc_seek(tc, target);
            continue;
        }
        if (!tc->has_freqs) tc_load_freqs(tc);
        const uint32_t *docs = tc->docs, *tfs = tc->freqs;
        uint32_t i = tc->i, n = tc->n;
        while (i < n && bm25_quick_below(q, tfs[i], lens[docs[i]]))
            i++;
        if (i == tc->i) return;
        x->pruned = 1;
        if (i < n) {
            tc_move_in_block(tc, i);
            return;
        }
        tc_seek(tc, docs[n - 1] + 1);
    }
}

/* bound[k]: what the non-essential lists ord[0..k] may give d, from their blocks holding d
 * where that is below their lists' bounds cum[k] (without a proximity part). */
static void ms_block_cum(exec *x, ms_list *v, const uint32_t *ord, const double *cum, uint32_t ne,
                         uint32_t d, double *bound)
{
    double b = 0;
    for (uint32_t k = 0; k < ne; k++) {
        ms_list *l = &v[ord[k]];
        b += cur_block_ub(&x->bm, l->tc, l->idf, d, &l->b_last, &l->b_ub);
        bound[k] = b < cum[k] ? b : cum[k];
    }
}

/* split[k]: the bound of a document found in lists ord[0..k] only, which decides the
 * non-essential prefix. cum[k] without a proximity part; with one, a document in the lists of
 * a single word has no part, so while the prefix holds one word its bounds stay BM25's. */
static void ms_split(const exec *x, const ms_list *v, const uint32_t *ord, uint32_t m,
                     const double *cum, double *split)
{
    double bm = 0;
    uint32_t first = UINT32_MAX;
    int one_word = 1;
    for (uint32_t k = 0; k < m; k++) {
        const ms_list *l = &v[ord[k]];
        uint32_t g = x->prox ? x->prox->group[l->clause] : 0;
        one_word = one_word && (first == UINT32_MAX || g == first);
        first = first == UINT32_MAX ? g : first;
        bm += l->ub - l->pub;
        split[k] = x->prox && one_word ? bm : cum[k];
    }
}

int maxscore_run(exec *x, cctx *cc, pnode *const *terms, uint32_t n)
{
    ms_list *v = arena_calloc(x->a, n * sizeof *v + 1);
    uint32_t *ord = arena_alloc(x->a, n * sizeof *ord + 1);
    double *cum = arena_alloc(x->a, n * sizeof *cum + 1),
           *split = arena_alloc(x->a, n * sizeof *split + 1),
           *bcum = arena_alloc(x->a, n * sizeof *bcum + 1);
    if (!v || !ord || !cum || !split || !bcum)
        return err_set(x->e, TRAWL_ENOMEM, "out of memory in MaxScore");
    uint32_t m = ms_open(x, cc, terms, n, v, ord), ne = 0;
    const segment *seg = cc->seg;
    uint64_t base = x->idx->segs[cc->seg_i].base;
    for (uint32_t k = 0; k < m; k++)
        cum[k] = (k ? cum[k - 1] : 0) + v[ord[k]].ub;
    ms_split(x, v, ord, m, cum, split);
    bm25_quick q = {0};
    double q_thr = NAN, floor = -INFINITY;
    uint32_t q_ne = UINT32_MAX;
    /* Before the heap fills, prune against what the list of the largest bound alone surely
     * reaches: otherwise every document of every list is scored until it does. */
    if (m > 1 && x->scoring && !x->no_prune && !x->heap.by_date && !x->prox)
        floor = bmw_term_floor(x, cc, terms[v[ord[m - 1]].clause]);
    while (x->e->rc == TRAWL_OK) {
        double thr = x->no_prune ? -INFINITY : topk_threshold(&x->heap);
        thr = thr > floor ? thr : floor;
        while (ne < m && split[ne] <= thr)
            ne++;
        if (ne > 0) x->pruned = 1;
        if (ne == m) break;
        /* One essential list (the rarer word of two, typically): its docs are tested for what
         * they could reach with every non-essential list before they are scored. */
        if (ne + 1 == m && thr > -INFINITY && !x->prox) {
            if (q_thr != thr || q_ne != ne) {
                bm25_quick_init(&q, &x->bm, v[ord[ne]].idf, thr - (ne ? cum[ne - 1] : 0));
                q_thr = thr;
                q_ne = ne;
            }
            ms_list *e = &v[ord[ne]];
            cur_essential_scan(x, e->tc, e->idf, &e->b_last, &e->b_ub, seg->doc_lens, &q,
                               ne ? cum[ne - 1] : 0, thr);
        }
        uint32_t d = DOC_END;
        for (uint32_t k = ne; k < m; k++)
            if (v[ord[k]].tc->doc < d) d = v[ord[k]].tc->doc;
        if (d == DOC_END) break;
        uint32_t date;
        int ok = exec_doc_ok(x, &x->idx->segs[cc->seg_i], d, &date);
        int scoring = ok && x->scoring;
        double norm = scoring ? bm25_norm(&x->bm, seg->doc_lens[d]) : 0, partial = 0;
        for (uint32_t k = ne; k < m && scoring; k++) {
            ms_list *l = &v[ord[k]];
            if (l->tc->doc != d) continue;
            /* the probe's bound: with the proximity parts these words may still add */
            partial += ms_score(x, l, d, norm) + ms_prox_bound(x, l, seg->doc_lens[d]);
        }
        const double *probe_cum = cum;
        if (scoring && ne > 0 && thr > -INFINITY && !x->prox && partial + cum[ne - 1] > thr) {
            ms_block_cum(x, v, ord, cum, ne, d, bcum);
            probe_cum = bcum;
        }
        if (ok && ms_probe(x, v, ord, probe_cum, ne, d, seg->doc_lens[d], norm, partial, thr)) {
            x->count++;
            double s = scoring ? ms_canonical(v, m, d) : 0;
            if (scoring && x->prox) s += ms_prox(x, cc, v, m, d, s, thr);
            if (scoring && s > -INFINITY) topk_push(&x->heap, s, base + d, date);
        }
        /* the lists move on after the positions were read */
        for (uint32_t k = ne; k < m; k++)
            if (v[ord[k]].tc->doc == d) tc_next(v[ord[k]].tc);
    }
    return x->e->rc;
}
