/* countbits: the exact count of a boolean query of terms (required, optional, excluded) in one
 * segment, from a bitmap of its documents. Without required terms every optional list sets its
 * documents' bits; with them, the rarest required list sets its bits and each other required
 * list keeps only the bits it also holds (optional terms then match nothing more). Excluded lists
 * clear their bits, and the bits of live documents are counted. Counting an OR reads each of its
 * lists whole whatever the method, so this is the least work there is: a store per posting,
 * where the union walk pays a minimum over the lists, a move and a branch per document. An AND
 * pays off the same way once its rarest list is dense in the others (several documents a
 * block), when a leapfrog would decode every block of them anyway. */
#include "cursor.h"
#include "segment_impl.h"

#include <string.h>

/* The bitmap costs a word per 64 documents to clear and to count: worth it once the lists hold
 * a posting for every COUNTBITS_DOCS_PER_POSTING documents of the segment. Below that the union
 * walk touches less memory. */
#define COUNTBITS_DOCS_PER_POSTING 16u

/* An AND takes the bitmap when its rarest list holds a document for every COUNTBITS_AND_SPAN
 * postings of each other list (four a block): a leapfrog then decodes every block of the others
 * and seeks several times in each. Measured on the kernel docs at 1x and 16x (bench/README.md,
 * "Counting and ORs of many words"): 8 to 128 all beat the leapfrog at p99; 32 was best at
 * p50. */
#define COUNTBITS_AND_SPAN 32u

static int countbits_all_terms(pnode *const *v, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (v[i]->kind != P_TERM) return 0;
    return 1;
}

int countbits_fits(const pnode *root, const exec *x)
{
    if (root->kind != P_BOOL || (!root->n_must && !root->n_should) || exec_needs_date(x)) return 0;
    return countbits_all_terms(root->must, root->n_must) &&
           countbits_all_terms(root->should, root->n_should) &&
           countbits_all_terms(root->must_not, root->n_must_not);
}

/* The required term of fewest documents in this segment. */
static uint32_t countbits_lead(const cctx *cc, const pnode *root)
{
    uint32_t lead = 0;
    for (uint32_t i = 1; i < root->n_must; i++)
        if (cur_cost(cc, root->must[i]) < cur_cost(cc, root->must[lead])) lead = i;
    return lead;
}

int countbits_worth(const cctx *cc, const pnode *root)
{
    uint64_t postings = 0;
    if (!root->n_must) {
        for (uint32_t i = 0; i < root->n_should; i++)
            postings += cur_cost(cc, root->should[i]);
        return postings * COUNTBITS_DOCS_PER_POSTING >= cc->seg->n_docs;
    }
    /* An AND: only when its rarest list is dense in every other list. */
    uint64_t lead = cur_cost(cc, root->must[countbits_lead(cc, root)]);
    for (uint32_t i = 0; i < root->n_must; i++) {
        uint64_t df = cur_cost(cc, root->must[i]);
        if (lead * COUNTBITS_AND_SPAN < df) return 0;
        postings += df;
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

/* Keeps in bits only the documents of t's list (tmp: scratch of as many words). */
static void countbits_keep(cctx *cc, const plan_term *t, uint64_t *bits, uint64_t *tmp,
                           size_t words)
{
    memset(tmp, 0, words * sizeof *tmp);
    countbits_mark(cc, t, tmp, 0);
    for (size_t w = 0; w < words; w++)
        bits[w] &= tmp[w];
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
    uint64_t *bits = arena_alloc(x->a, 2 * words * sizeof *bits + 1), *tmp = bits + words;
    if (!bits) return err_set(x->e, TRAWL_ENOMEM, "out of memory counting %zu words", words);
    memset(bits, 0, words * sizeof *bits);
    if (root->n_must) {
        uint32_t lead = countbits_lead(cc, root);
        countbits_mark(cc, root->must[lead]->t, bits, 0);
        for (uint32_t i = 0; i < root->n_must && x->e->rc == TRAWL_OK; i++)
            if (i != lead) countbits_keep(cc, root->must[i]->t, bits, tmp, words);
    } else {
        for (uint32_t i = 0; i < root->n_should && x->e->rc == TRAWL_OK; i++)
            countbits_mark(cc, root->should[i]->t, bits, 0);
    }
    for (uint32_t i = 0; i < root->n_must_not && x->e->rc == TRAWL_OK; i++)
        countbits_mark(cc, root->must_not[i]->t, bits, 1);
    const uint64_t *del = x->idx->segs[cc->seg_i].del;
    uint64_t n = 0;
    for (size_t w = 0; w < words; w++)
        n += countbits_pop(del ? bits[w] & ~del[w] : bits[w]);
    x->count += n;
    return x->e->rc;
}
