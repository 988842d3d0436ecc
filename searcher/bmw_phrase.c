/* bmw_phrase: top-k of an AND of terms and phrases (`"memory barrier" kernel`: the default
 * query mode with a phrase in it) with block-max skipping, as bmw.c does for terms alone. A
 * phrase is weighted by its words' summed idf (docs/RANKING.md), known before the pass, and it
 * occurs at most as often as each of its words: the smallest of its words' block bounds bounds
 * it over a window, the smallest of their tfs over one document. Every clause's words are
 * required lists of one leapfrog; a window whose clause bounds sum to no more than the heap's
 * threshold is skipped, and a candidate's phrases are matched (positions read) only when its
 * term clauses' exact scores plus its phrases' tf bounds can beat the threshold. Scores are
 * the exhaustive AND's, bit for bit (summed in clause order). No proximity part: that scores
 * bags of words only. */
#include "cursor.h"
#include "segment_impl.h"

#include <math.h>

/* One clause: a term (one list) or a phrase (a list per distinct word, and its matcher). */
typedef struct bp_clause {
    const pnode *p;
    cur *phrase;      /**< P_PHRASE: its matcher (cur_phrase_lists); NULL for a term */
    term_cursor **tc; /**< [n_tc] its lists */
    uint32_t n_tc;
    uint32_t *last; /**< [n_tc] the shallow block each ub[] holds the bound of */
    double *ub;     /**< [n_tc] that block's bound with the clause's weight */
} bp_clause;

typedef struct bp {
    exec *x;
    cctx *cc;
    bp_clause *cl; /**< [n] in clause order */
    uint32_t n;
    term_cursor **by_cost; /**< every clause's lists, rarest first */
    uint32_t n_lists;
    double *sc; /**< [n] a candidate's clause scores */
} bp;

static void *bp_alloc(bp *b, size_t n)
{
    void *p = arena_calloc(b->x->a, n ? n : 1);
    if (!p) err_set(b->x->e, TRAWL_ENOMEM, "out of memory in block-max AND of phrases");
    return p;
}

/* Opens clause i's lists; 0 when the segment cannot hold it (a word missing), -1 on error. */
static int bp_open_clause(bp *b, uint32_t i, const pnode *p)
{
    bp_clause *c = &b->cl[i];
    c->p = p;
    if (p->kind == P_TERM) {
        if (!p->t->has[b->cc->seg_i]) return 0;
        if (!(c->tc = bp_alloc(b, sizeof *c->tc)) || !(c->tc[0] = cctx_term(b->cc, p->t)))
            return -1;
        c->n_tc = 1;
    } else {
        if (!(c->phrase = cur_phrase_lists(b->cc, p, &c->tc, &c->n_tc))) return -1;
        if (c->n_tc == 0) return 0;
    }
    if (!(c->last = bp_alloc(b, c->n_tc * sizeof *c->last)) ||
        !(c->ub = bp_alloc(b, c->n_tc * sizeof *c->ub)))
        return -1;
    for (uint32_t j = 0; j < c->n_tc; j++)
        c->last[j] = UINT32_MAX;
    b->n_lists += c->n_tc;
    return 1;
}

/* Opens every clause and orders all their lists by cost. 1, 0 (no match in this segment) or
 * -1 (error in x->e). */
static int bp_open(bp *b, pnode *const *clauses, uint32_t n)
{
    b->n = n;
    if (!(b->cl = bp_alloc(b, n * sizeof *b->cl)) || !(b->sc = bp_alloc(b, n * sizeof *b->sc)))
        return -1;
    for (uint32_t i = 0; i < n; i++) {
        int r = bp_open_clause(b, i, clauses[i]);
        if (r <= 0) return r;
    }
    if (!(b->by_cost = bp_alloc(b, b->n_lists * sizeof *b->by_cost))) return -1;
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = 0; j < b->cl[i].n_tc; j++, k++) {
            term_cursor *t = b->cl[i].tc[j];
            uint32_t at = k;
            for (; at > 0 && tc_cost(b->by_cost[at - 1]) > tc_cost(t); at--)
                b->by_cost[at] = b->by_cost[at - 1];
            b->by_cost[at] = t;
        }
    return 1;
}

/* Bound of the docs in [d, *last] (all lists' shallow blocks at d): the clauses' bounds summed,
 * a phrase's the smallest of its words'; *last the nearest block end. */
static double bp_window(bp *b, uint32_t d, uint32_t *last)
{
    double ub = 0;
    uint32_t l = DOC_END;
    for (uint32_t i = 0; i < b->n; i++) {
        bp_clause *c = &b->cl[i];
        double cu = INFINITY;
        for (uint32_t j = 0; j < c->n_tc; j++) {
            double u = cur_block_ub(&b->x->bm, c->tc[j], c->p->w_idf, d, &c->last[j], &c->ub[j]);
            cu = u < cu ? u : cu;
            l = c->last[j] < l ? c->last[j] : l;
        }
        ub += cu;
    }
    *last = l;
    return ub;
}

/* Scores the candidate d (every list on it) unless its bound cannot beat thr: term clauses
 * exactly, phrases first by the smallest tf of their words, then matched. */
static void bp_candidate(bp *b, uint32_t d, double thr)
{
    exec *x = b->x;
    const index_seg *is = &x->idx->segs[b->cc->seg_i];
    uint32_t date;
    if (!exec_doc_ok(x, is, d, &date)) return;
    uint32_t dl = is->seg->doc_lens[d];
    double norm = bm25_norm(&x->bm, dl), bound = 0;
    for (uint32_t i = 0; i < b->n; i++) {
        bp_clause *c = &b->cl[i];
        if (!c->phrase) {
            b->sc[i] = bm25_score(&x->bm, c->p->w_idf, tc_freq(c->tc[0]), norm);
        } else {
            uint32_t tf = UINT32_MAX;
            for (uint32_t j = 0; j < c->n_tc; j++) {
                uint32_t f = tc_freq(c->tc[j]);
                tf = f < tf ? f : tf;
            }
            b->sc[i] = bm25_upper(&x->bm, c->p->w_idf, tf, dl);
        }
        bound += b->sc[i];
    }
    if (bound <= thr) {
        x->pruned = 1;
        return;
    }
    for (uint32_t i = 0; i < b->n; i++) {
        bp_clause *c = &b->cl[i];
        if (!c->phrase) continue;
        uint32_t f = cur_phrase_match(c->phrase, d);
        if (f == 0) return;
        b->sc[i] = bm25_score(&x->bm, c->p->w_idf, f, norm);
    }
    double s = 0;
    for (uint32_t i = 0; i < b->n; i++)
        s += b->sc[i];
    x->count++;
    topk_push(&x->heap, s, is->base + d, date);
}

int bmw_phrase_run(exec *x, cctx *cc, pnode *const *clauses, uint32_t n)
{
    bp b = {.x = x, .cc = cc};
    if (bp_open(&b, clauses, n) <= 0) return x->e->rc;
    term_cursor *lead = b.by_cost[0];
    uint32_t d = 0, last = 0;
    int have_bound = 0;
    double ub = INFINITY;
    while (x->e->rc == TRAWL_OK) {
        d = tc_seek(lead, d);
        if (d == DOC_END) break;
        double thr = x->no_prune ? -INFINITY : topk_threshold(&x->heap);
        if (thr > -INFINITY) {
            if (!have_bound || d > last) {
                ub = bp_window(&b, d, &last);
                have_bound = 1;
            }
            if (ub <= thr) {
                x->pruned = 1;
                if (last >= DOC_END) break;
                d = last + 1;
                continue;
            }
        }
        uint32_t got = cur_align(b.by_cost + 1, b.n_lists - 1, d);
        if (got != d) {
            d = got;
            continue;
        }
        bp_candidate(&b, d, thr);
        d++;
    }
    return x->e->rc;
}
