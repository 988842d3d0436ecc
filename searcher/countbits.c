/* countbits: the exact count of an OR of terms (less any excluded terms) in one segment, from a
 * bitmap of its documents. Every list of the OR sets its documents' bits, every excluded list
 * clears its own, and the bits of live documents are counted. Counting an OR reads each of its
 * lists whole whatever the method, so this is the least work there is: a store per posting,
 * where the union walk pays a minimum over the lists, a move and a branch per document. */
#include "cursor.h"
#include "segment_impl.h"

#include <string.h>

/* The bitmap costs a word per 64 documents to clear and to count: worth it once the lists hold
 * a posting for every COUNTBITS_DOCS_PER_POSTING documents of the segment. Below that the union
 * walk touches less memory. */
#define COUNTBITS_DOCS_PER_POSTING 16u

int countbits_fits(const pnode *root, const exec *x)
{
    if (root->kind != P_BOOL || root->n_must || !root->n_should || exec_needs_date(x)) return 0;
    for (uint32_t i = 0; i < root->n_should; i++)
        if (root->should[i]->kind != P_TERM) return 0;
    for (uint32_t i = 0; i < root->n_must_not; i++)
        if (root->must_not[i]->kind != P_TERM) return 0;
    return 1;
}

int countbits_worth(const cctx *cc, const pnode *root)
{
    uint64_t postings = 0;
    for (uint32_t i = 0; i < root->n_should; i++) {
        const plan_term *t = root->should[i]->t;
        if (t->has[cc->seg_i]) postings += t->ti[cc->seg_i].df;
    }
    return postings * COUNTBITS_DOCS_PER_POSTING >= cc->seg->n_docs;
}

/* Sets (or, with clear, clears) the bits of every document of t's list in this segment. */
static void countbits_mark(cctx *cc, const plan_term *t, uint64_t *bits, int clear)
{
    if (!t->has[cc->seg_i]) return;
    term_cursor *tc = cctx_term(cc, t);
    for (; tc && tc->doc != DOC_END; tc->i = tc->n - 1, tc_next(tc)) {
        const uint32_t *docs = tc->docs;
        if (clear)
            for (uint32_t i = tc->i; i < tc->n; i++)
                bits[docs[i] >> 6] &= ~(1ull << (docs[i] & 63));
        else
            for (uint32_t i = tc->i; i < tc->n; i++)
                bits[docs[i] >> 6] |= 1ull << (docs[i] & 63);
    }
}

/* Bits set in v, without a libgcc call (no -mpopcnt in a portable build). */
static inline uint64_t countbits_pop(uint64_t v)
{
    v -= (v >> 1) & 0x5555555555555555ull;
    v = (v & 0x3333333333333333ull) + ((v >> 2) & 0x3333333333333333ull);
    v = (v + (v >> 4)) & 0x0f0f0f0f0f0f0f0full;
    return (v * 0x0101010101010101ull) >> 56;
}

int countbits_run(exec *x, cctx *cc, const pnode *root)
{
    size_t words = ((size_t)cc->seg->n_docs + 63) / 64;
    uint64_t *bits = arena_alloc(x->a, words * sizeof *bits + 1);
    if (!bits) return err_set(x->e, TRAWL_ENOMEM, "out of memory counting %zu words", words);
    memset(bits, 0, words * sizeof *bits);
    for (uint32_t i = 0; i < root->n_should && x->e->rc == TRAWL_OK; i++)
        countbits_mark(cc, root->should[i]->t, bits, 0);
    for (uint32_t i = 0; i < root->n_must_not && x->e->rc == TRAWL_OK; i++)
        countbits_mark(cc, root->must_not[i]->t, bits, 1);
    const uint64_t *del = x->idx->segs[cc->seg_i].del;
    uint64_t n = 0;
    for (size_t w = 0; w < words; w++)
        n += countbits_pop(del ? bits[w] & ~del[w] : bits[w]);
    x->count += n;
    return x->e->rc;
}
