/* taat: an OR of many terms (a prefix's or a fuzzy word's expansions, a long query) scored term
 * at a time, one window of TAAT_WINDOW documents after another, as Lucene's BooleanScorer does:
 * each list in clause order adds its scores over the window into one accumulator per document,
 * then the documents it touched are read off in order. MaxScore moves every essential list at
 * every document, a cost that grows with the number of lists; here a posting costs the same
 * however many lists there are, and the window bounds the memory whatever the segment's size.
 * Scores are summed in clause order from zero, as the exhaustive OR sums them, so both give the
 * same bits; every match is visited, so the count is exact. */
#include "cursor.h"
#include "segment_impl.h"

#include <string.h>

/* Lists from which MaxScore's cost per document outgrows a posting's here (bench/README.md,
 * "Counting and ORs of many words"). */
#define TAAT_MIN_TERMS 12u

int taat_fits(const pnode *root, const exec *x)
{
    if (root->kind != P_BOOL || root->n_must || root->n_must_not || x->prox) return 0;
    if (root->n_should < TAAT_MIN_TERMS) return 0;
    for (uint32_t i = 0; i < root->n_should; i++)
        if (root->should[i]->kind != P_TERM) return 0;
    return 1;
}

int taat_open(taat_win *w, cctx *cc, pnode *const *terms, uint32_t n)
{
    w->lo = w->hi = 0; /* no window yet; the arrays are written by taat_fill */
    w->cc = cc;
    w->terms = terms;
    w->n = n;
    w->tc = arena_calloc(cc->x->a, n * sizeof *w->tc + 1);
    if (!w->tc) return err_set(cc->x->e, TRAWL_ENOMEM, "out of memory scoring %u terms", n);
    for (uint32_t i = 0; i < n && cc->x->e->rc == TRAWL_OK; i++)
        if (terms[i]->t->has[cc->seg_i]) w->tc[i] = cctx_term(cc, terms[i]->t);
    return cc->x->e->rc;
}

/* Adds list i's scores over the window [w->lo, w->hi) and marks its documents. */
static void taat_add(taat_win *w, uint32_t i)
{
    term_cursor *tc = w->tc[i];
    const exec *x = w->cc->x;
    const uint32_t *lens = w->cc->seg->doc_lens;
    double w_idf = w->terms[i]->w_idf;
    if (!tc || tc_seek(tc, w->lo) >= w->hi) return;
    for (;;) {
        if (!tc->has_freqs) tc_load_freqs(tc);
        uint32_t j = tc->i;
        for (; j < tc->n && tc->docs[j] < w->hi; j++) {
            uint32_t d = tc->docs[j], k = d - w->lo;
            double s = bm25_score(&x->bm, w_idf, tc->freqs[j], bm25_norm(&x->bm, lens[d]));
            uint64_t bit = 1ull << (k & 63);
            w->acc[k] = w->seen[k >> 6] & bit ? w->acc[k] + s : s; /* 0 + s is s: same bits */
            w->seen[k >> 6] |= bit;
        }
        if (j < tc->n) {
            tc_move_in_block(tc, j);
            return;
        }
        tc->i = tc->n - 1;
        if (tc_next(tc) == DOC_END) return;
    }
}

uint32_t taat_fill(taat_win *w, uint32_t d)
{
    for (;;) {
        uint32_t next = DOC_END;
        for (uint32_t i = 0; i < w->n; i++) /* the lists' first documents from d */
            if (w->tc[i]) {
                uint32_t at = tc_seek(w->tc[i], d);
                next = at < next ? at : next;
            }
        if (next == DOC_END || w->cc->x->e->rc != TRAWL_OK) return DOC_END;
        w->lo = next & ~(TAAT_WINDOW - 1);
        w->hi = w->lo + TAAT_WINDOW;
        memset(w->seen, 0, sizeof w->seen);
        for (uint32_t i = 0; i < w->n; i++)
            taat_add(w, i);
        uint32_t got = taat_next(w, next);
        if (got != DOC_END) return got;
        d = w->hi;
    }
}

uint32_t taat_next(const taat_win *w, uint32_t d)
{
    if (d < w->lo || d >= w->hi) return DOC_END;
    uint32_t k = d - w->lo, word = k >> 6;
    uint64_t m = w->seen[word] & (~0ull << (k & 63));
    while (!m) {
        if (++word == TAAT_WINDOW / 64) return DOC_END;
        m = w->seen[word];
    }
    return w->lo + word * 64 + (uint32_t)__builtin_ctzll(m);
}

int taat_run(exec *x, cctx *cc, pnode *const *terms, uint32_t n)
{
    taat_win *w = arena_alloc(x->a, sizeof *w);
    if (!w) return err_set(x->e, TRAWL_ENOMEM, "out of memory scoring term at a time");
    if (taat_open(w, cc, terms, n) != TRAWL_OK) return x->e->rc;
    const index_seg *is = &x->idx->segs[cc->seg_i];
    for (uint32_t d = taat_fill(w, 0); d != DOC_END; d = taat_fill(w, w->hi)) {
        for (uint32_t k = 0; k < TAAT_WINDOW / 64; k++) {
            for (uint64_t m = w->seen[k]; m; m &= m - 1) {
                uint32_t j = k * 64 + (uint32_t)__builtin_ctzll(m), date;
                if (!exec_doc_ok(x, is, w->lo + j, &date)) continue;
                x->count++;
                topk_push(&x->heap, w->acc[j], is->base + w->lo + j, date);
            }
        }
    }
    return x->e->rc;
}
