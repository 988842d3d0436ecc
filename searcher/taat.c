/* taat: the top k of an OR of many terms (a prefix's or a fuzzy word's expansions, a long
 * query), term at a time: each list in clause order adds its scores into one accumulator per
 * document, then the documents it touched go to the heap in document order. MaxScore moves
 * every essential list at every document, a cost that grows with the number of lists; here a
 * posting costs the same however many lists there are. Scores are summed in clause order from
 * zero, as the exhaustive OR sums them, so both give the same bits; every match is visited, so
 * the count is exact. */
#include "cursor.h"
#include "segment_impl.h"

#include <string.h>

/* Lists from which MaxScore's cost per document outgrows a posting's here (bench/README.md,
 * "Counting and ORs of many words"), and the largest segment whose accumulators (8 bytes a
 * document) are allocated per query: a larger one takes MaxScore. */
#define TAAT_MIN_TERMS 12u
#define TAAT_MAX_DOCS  (1u << 22)

int taat_fits(const pnode *root, const exec *x)
{
    if (root->kind != P_BOOL || root->n_must || root->n_must_not || x->prox) return 0;
    if (root->n_should < TAAT_MIN_TERMS) return 0;
    for (uint32_t i = 0; i < root->n_should; i++)
        if (root->should[i]->kind != P_TERM) return 0;
    return 1;
}

int taat_worth(const cctx *cc)
{
    return cc->seg->n_docs <= TAAT_MAX_DOCS;
}

/* Adds list t's scores (weight w_idf) into acc, marking the documents it reaches in seen. */
static void taat_add(exec *x, cctx *cc, const plan_term *t, double w_idf, double *acc,
                     uint64_t *seen)
{
    if (!t->has[cc->seg_i]) return;
    term_cursor *tc = cctx_term(cc, t);
    const uint32_t *lens = cc->seg->doc_lens;
    for (; tc && tc->doc != DOC_END; tc->i = tc->n - 1, tc_next(tc)) {
        if (!tc->has_freqs) tc_load_freqs(tc);
        for (uint32_t i = tc->i; i < tc->n; i++) {
            uint32_t d = tc->docs[i];
            double s = bm25_score(&x->bm, w_idf, tc->freqs[i], bm25_norm(&x->bm, lens[d]));
            uint64_t bit = 1ull << (d & 63);
            acc[d] = seen[d >> 6] & bit ? acc[d] + s : s; /* 0 + s is s: the same bits */
            seen[d >> 6] |= bit;
        }
    }
}

int taat_fill(exec *x, cctx *cc, pnode *const *terms, uint32_t n, double **acc, uint64_t **seen)
{
    uint32_t n_docs = cc->seg->n_docs;
    size_t words = ((size_t)n_docs + 63) / 64;
    *acc = arena_alloc(x->a, (size_t)n_docs * sizeof **acc + 1);
    *seen = arena_alloc(x->a, words * sizeof **seen + 1);
    if (!*acc || !*seen)
        return err_set(x->e, TRAWL_ENOMEM, "out of memory scoring %u documents", n_docs);
    memset(*seen, 0, words * sizeof **seen);
    for (uint32_t i = 0; i < n && x->e->rc == TRAWL_OK; i++)
        taat_add(x, cc, terms[i]->t, terms[i]->w_idf, *acc, *seen);
    return x->e->rc;
}

int taat_run(exec *x, cctx *cc, pnode *const *terms, uint32_t n)
{
    double *acc;
    uint64_t *seen;
    if (taat_fill(x, cc, terms, n, &acc, &seen) != TRAWL_OK) return x->e->rc;
    size_t words = ((size_t)cc->seg->n_docs + 63) / 64;
    const index_seg *is = &x->idx->segs[cc->seg_i];
    for (size_t w = 0; w < words && x->e->rc == TRAWL_OK; w++) {
        for (uint64_t m = seen[w]; m; m &= m - 1) {
            uint32_t d = (uint32_t)(w * 64 + (size_t)__builtin_ctzll(m)), date;
            if (!exec_doc_ok(x, is, d, &date)) continue;
            x->count++;
            topk_push(&x->heap, acc[d], is->base + d, date);
        }
    }
    return x->e->rc;
}
