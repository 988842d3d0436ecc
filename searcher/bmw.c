/* bmw: top-k of an AND of terms (and of a single term) with block-max skipping (Ding & Suel's
 * block-max idea applied to a conjunction, as Lucene's BlockMaxConjunctionScorer does). Before
 * leapfrogging from a candidate, every list's skip data is moved (shallow, no decoding) to the
 * block holding it; if the sum of those blocks' bounds cannot beat the heap threshold, every doc
 * up to the nearest block end is skipped unscored; otherwise the lead's documents whose own score
 * plus the other blocks' bounds cannot beat it are passed over before the other lists seek
 * (Lucene's BlockMaxConjunctionScorer checks the lead first too). With a proximity part
 * (proximity.h) each block bound adds its word's part bound for the block's max tf and min length,
 * and a match's positions are read only when its BM25 score plus those bounds can beat the
 * threshold. */
#include "cursor.h"
#include "proximity.h"
#include "segment_impl.h"

#include <math.h>

/* A list's bound over its shallow block, remembered with the block's last doc: a window
 * ends where the first of the lists' blocks ends, so the others' blocks recur. */
typedef struct bmw_bcache {
    uint32_t last; /**< UINT32_MAX: none yet */
    double ub;
} bmw_bcache;

/* Bound of docs in [d, *last] over every list's shallow block at d; *last gets the smallest
 * block end, *rest the bound without the list lead's part. */
static double bmw_block_bound(exec *x, term_cursor **tc, const double *idf, uint32_t n, uint32_t d,
                              const term_cursor *lead, bmw_bcache *bc, uint32_t *last, double *rest)
{
    double ub = 0, others = 0;
    uint32_t l = DOC_END;
    for (uint32_t i = 0; i < n; i++) {
        tc_shallow_seek(tc[i], d);
        if (tc_block_last(tc[i]) != bc[i].last) {
            uint32_t tf[FMT_IMPACTS], len[FMT_IMPACTS], m = tc_block_impacts(tc[i], tf, len);
            double u = 0;
            for (uint32_t j = 0; j < m; j++) {
                double v = bm25_upper(&x->bm, idf[i], tf[j], len[j]);
                if (x->prox) v += prox_upper(x->prox, x->prox->group[i], tf[j], len[j]);
                u = v > u ? v : u;
            }
            bc[i].last = tc_block_last(tc[i]);
            bc[i].ub = u;
        }
        double u = bc[i].ub;
        ub += u;
        if (tc[i] != lead) others += u;
        if (tc_block_last(tc[i]) < l) l = tc_block_last(tc[i]);
    }
    *last = l;
    *rest = others;
    return ub;
}

/* Passes the lead over the docs of its decoded block, up to last, whose lead score fails q
 * (they cannot enter the heap whatever the other lists hold). Returns the doc it stops on, or
 * past the block when the rest of the block failed (the caller seeks there). */
static uint32_t bmw_lead_scan(exec *x, term_cursor *lead, const uint32_t *lens, const bm25_quick *q,
                              uint32_t last)
{
    if (!lead->has_freqs) tc_load_freqs(lead);
    const uint32_t *docs = lead->docs, *tfs = lead->freqs;
    uint32_t i = lead->i, n = lead->n;
    while (i < n && docs[i] <= last && bm25_quick_below(q, tfs[i], lens[docs[i]]))
        i++;
    if (i == lead->i) return lead->doc;
    x->pruned = 1;
    if (i == n) return docs[n - 1] + 1;
    return tc_move_in_block(lead, i);
}

/* Adds d's proximity part to *s (every list on d), unless even the words' bounds for d cannot
 * lift it above the threshold: then returns 0 (d cannot enter the heap). */
static int bmw_prox(exec *x, const segment *seg, term_cursor **tc, uint32_t n, uint32_t d,
                    double *s)
{
    const prox *p = x->prox;
    const uint32_t **pos = p->pos;
    uint32_t *npos = p->npos;
    double bound = *s, thr = x->no_prune ? -INFINITY : topk_threshold(&x->heap);
    for (uint32_t i = 0; i < n && bound <= thr; i++)
        bound += prox_upper(p, p->group[i], tc_freq(tc[i]), seg->doc_lens[d]);
    if (bound <= thr) return 0;
    for (uint32_t g = 0; g < p->n; g++)
        npos[g] = 0;
    for (uint32_t i = 0; i < n; i++)
        if (!npos[p->group[i]]) tc_positions(tc[i], &pos[p->group[i]], &npos[p->group[i]]);
    *s += prox_score(p, &x->bm, seg->doc_lens[d], pos, npos);
    return 1;
}

/* Scores d (every list on it) in clause order, as the exhaustive AND does. */
static void bmw_score(exec *x, cctx *cc, term_cursor **tc, const double *idf, uint32_t n,
                      uint32_t d)
{
    const segment *seg = cc->seg;
    uint32_t date;
    if (!exec_doc_ok(x, &x->idx->segs[cc->seg_i], d, &date)) return;
    x->count++;
    if (!x->scoring) return;
    double norm = bm25_norm(&x->bm, seg->doc_lens[d]), s = 0;
    for (uint32_t i = 0; i < n; i++)
        s += bm25_score(&x->bm, idf[i], tc_freq(tc[i]), norm);
    if (x->prox && !bmw_prox(x, seg, tc, n, d, &s)) return;
    topk_push(&x->heap, s, x->idx->segs[cc->seg_i].base + d, date);
}

/* Opens the lists in clause order (tc) and rarest first (by_cost); 0 if one is missing. */
static int bmw_open(cctx *cc, pnode *const *terms, uint32_t n, term_cursor **tc,
                    term_cursor **by_cost, double *idf)
{
    for (uint32_t i = 0; i < n; i++) {
        if (!terms[i]->t->has[cc->seg_i] || !(tc[i] = cctx_term(cc, terms[i]->t))) return 0;
        idf[i] = terms[i]->w_idf;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t j = i;
        for (; j > 0 && tc_cost(by_cost[j - 1]) > tc_cost(tc[i]); j--)
            by_cost[j] = by_cost[j - 1];
        by_cost[j] = tc[i];
    }
    return 1;
}

/* ------------------------------------------------------------------ single term */

/* One postings block of a single term, read from its skip data. */
typedef struct bmw_blk {
    double max;     /**< the largest score its impacts allow, as a document's score is computed */
    uint32_t first; /**< its first document (in the segment) */
    uint32_t top;   /**< the largest tf of its impacts */
    uint32_t lo;    /**< the smallest length of its impacts */
} bmw_blk;

/* The bound of the block's documents that a threshold is compared with (rounding allowed). */
static inline double bmw_blk_ub(const bmw_blk *b)
{
    return bm25_inflate(b->max);
}

/* 1 if the exact maximum of block b's pairs bounds the computed score of every document of
 * the block, not just its true score. A document's (tf, length) has a pair with a tf at least
 * its own and a length at most its own. At the pair's tf its score is at most the pair's, bit
 * for bit: each operation of bm25_score is monotone there. At a smaller tf its true score lies
 * below the pair's by a relative n / (t (t + 1 + n)) at least (t the largest tf, n the smallest
 * norm), which must dwarf the few ulps by which rounding moves a score: k1 = 0 (n = 0) fails.
 * Asked only of a block that ties, so its division is rare. */
static int bmw_blk_tie_ok(const bm25 *bm, const bmw_blk *b)
{
    double n = bm25_norm(bm, b->lo), t = b->top;
    return n / (t * (t + 1.0 + n)) > 1e-12;
}

/* 1 if no document of block b can enter the heap although its bound reaches the threshold:
 * it can at most tie, and every document of it comes after the heap's worst hit, which wins a
 * tie on its lower number. Identical documents (mirrored files, the growth benchmark's copies)
 * tie exactly, so a word's later copies of its best documents are passed over undecoded. */
static int bmw_blk_tie_loses(const exec *x, const bmw_blk *b, uint64_t base, double thr)
{
    return b->max <= thr && x->heap.e[0].doc < base + b->first && bmw_blk_tie_ok(&x->bm, b);
}

/* Scores a decoded block while the heap is not yet full (the best block, first): every doc is
 * scored, and only those at or above the block's k-th best score are offered (a lower one loses
 * to k of the block's own docs; an equal one may still win on its id). About k pushes instead
 * of one per rising score. Scores are those of bmw_term_scan, bit for bit. */
static void bmw_term_fill(exec *x, const term_cursor *tc, const index_seg *is, double idf)
{
    const uint32_t *docs = tc->docs, *tfs = tc->freqs, *lens = is->seg->doc_lens;
    const bm25 bm = x->bm;
    uint64_t base = is->base;
    uint32_t n = tc->n, pos[TC_BLOCK];
    double sc[TC_BLOCK], sel[TC_BLOCK], lo = INFINITY;
    if (n <= x->heap.k) {
        for (uint32_t i = 0; i < n; i++)
            if (!index_is_deleted(is, docs[i]))
                topk_push(&x->heap, bm25_score(&bm, idf, tfs[i], bm25_norm(&bm, lens[docs[i]])),
                          base + docs[i], 0);
        return;
    }
    uint32_t k = (uint32_t)x->heap.k; /* < n */
    /* Scored in k runs: the smallest of their k maxima bounds the cutoff from below (k docs
     * reach it), and as doc order is random in score only a small part of the block does, so
     * the selection sorts out a few dozen scores, not 128. */
    for (uint32_t g = 0, i = 0, w = n / k; g < k; g++) {
        uint32_t end = g + 1 == k ? n : i + w;
        double mx = -INFINITY;
        for (; i < end; i++) {
            sc[i] = bm25_score(&bm, idf, tfs[i], bm25_norm(&bm, lens[docs[i]]));
            if (is->del && index_is_deleted(is, docs[i])) sc[i] = -INFINITY; /* never offered */
            mx = sc[i] > mx ? sc[i] : mx;
        }
        lo = mx < lo ? mx : lo;
    }
    uint32_t m = 0;
    for (uint32_t i = 0; i < n; i++) {
        sel[m] = sc[i];
        pos[m] = i;
        m += sc[i] >= lo;
    }
    double cut = topk_kth_largest(sel, m, k);
    for (uint32_t j = 0; j < m; j++)
        if (sc[pos[j]] >= cut && sc[pos[j]] > -INFINITY)
            topk_push(&x->heap, sc[pos[j]], base + docs[pos[j]], 0);
}

/* Scores the decoded block of tc into the heap. Without a date filter a lone term's count is its
 * df (plan.c), so a doc costs one score and one compare; the heap (and its call) is reached only
 * by a doc that can enter it. Dates are not read at all: neither a filter nor the order needs
 * them, and trawl_search_hit looks a hit's date up. A doc scoring exactly the threshold is still
 * offered: blocks are not visited in doc order, so it may win the tie on its id. */
static void bmw_term_scan(exec *x, term_cursor *tc, const index_seg *is, double idf)
{
    if (tc->doc == DOC_END) return;
    if (!tc->has_freqs) tc_load_freqs(tc);
    const uint32_t *lens = is->seg->doc_lens, *docs = tc->docs, *tfs = tc->freqs;
    const bm25 bm = x->bm;
    uint64_t base = is->base;
    double thr = topk_threshold(&x->heap);
    if (thr == -INFINITY && x->heap.k > 0 && tc->n <= TC_BLOCK) {
        bmw_term_fill(x, tc, is, idf);
        return;
    }
    bm25_quick q;
    bm25_quick_init(&q, &bm, idf, thr);
    for (uint32_t i = 0, n = tc->n; i < n; i++) {
        uint32_t d = docs[i], tf = tfs[i], dl = lens[d];
        if (bm25_quick_below(&q, tf, dl) || index_is_deleted(is, d)) continue;
        double s = bm25_score(&bm, idf, tf, bm25_norm(&bm, dl));
        if (s < thr) continue;
        topk_push(&x->heap, s, base + d, 0);
        thr = topk_threshold(&x->heap);
        q.thr = thr * (1.0 - 1e-9);
    }
}

/* Decodes block b of tc and scores it. */
static void bmw_term_block(exec *x, cctx *cc, term_cursor *tc, double idf, uint32_t b)
{
    if (tc_load_block_at(tc, b) != TRAWL_OK) return;
    bmw_term_scan(x, tc, &x->idx->segs[cc->seg_i], idf);
}

/* Reads the first cap blocks from the skip data (no decoding) into blk[]; returns the count. */
static uint32_t bmw_term_blocks(exec *x, term_cursor *tc, double idf, bmw_blk *blk, uint32_t cap)
{
    uint32_t n = 0, t = 0;
    while (n < cap) {
        tc_shallow_seek(tc, t);
        uint32_t last = tc_block_last(tc);
        if (last == DOC_END) break;
        uint32_t tf[FMT_IMPACTS], len[FMT_IMPACTS], m = tc_block_impacts(tc, tf, len);
        bmw_blk k = {0, t, 0, UINT32_MAX};
        for (uint32_t j = 0; j < m; j++) {
            double v = bm25_score(&x->bm, idf, tf[j], bm25_norm(&x->bm, len[j]));
            k.max = v > k.max ? v : k.max;
            k.top = tf[j] > k.top ? tf[j] : k.top;
            k.lo = len[j] < k.lo ? len[j] : k.lo;
        }
        blk[n++] = k;
        t = last + 1;
    }
    return n;
}

/* Top-k of one term without date filter, one decoded block at a time: the block with the
 * largest bound first, so the heap holds real scores near the final threshold before the
 * sweep, then every other block in doc order unless its bound is below the threshold
 * (strictly: a doc tying the threshold may still win on its id, unless it comes after the
 * heap's worst hit: bmw_blk_tie_loses). The cursor is opened lazily, so a block is decoded
 * only when it is scored. Scores are bit-identical to the exhaustive evaluator's. */
static int bmw_term(exec *x, cctx *cc, const pnode *p)
{
    term_cursor tc;
    const term_info *ti = &p->t->ti[cc->seg_i];
    if (!p->t->has[cc->seg_i]) return x->e->rc;
    /* A later segment (often a small one of a live index) whose best document cannot beat the
     * heap is skipped before its postings are touched. */
    if (bm25_upper(&x->bm, p->w_idf, ti->max_tf, ti->min_len) < topk_threshold(&x->heap)) {
        x->pruned = 1;
        return x->e->rc;
    }
    if (tc_open_lazy(&tc, cc->seg, ti, x->e) != TRAWL_OK) return x->e->rc;
    uint32_t cap = (tc_df(&tc) + TC_BLOCK - 1) / TC_BLOCK, n = 0, best = 0;
    uint64_t base = x->idx->segs[cc->seg_i].base;
    bmw_blk *blk = cap > 1 ? arena_alloc(x->a, cap * sizeof *blk) : NULL;
    if (cap > 1 && !blk) return err_set(x->e, TRAWL_ENOMEM, "out of memory in block-max term");
    if (cap > 1) n = bmw_term_blocks(x, &tc, p->w_idf, blk, cap);
    for (uint32_t b = 1; b < n; b++)
        if (blk[b].max > blk[best].max) best = b;
    bmw_term_block(x, cc, &tc, p->w_idf, best);
    for (uint32_t b = 0; b < n && tc.rc == TRAWL_OK; b++) {
        if (b == best) continue;
        double thr = topk_threshold(&x->heap);
        if (bmw_blk_ub(&blk[b]) < thr || bmw_blk_tie_loses(x, &blk[b], base, thr)) {
            x->pruned = 1;
            continue;
        }
        bmw_term_block(x, cc, &tc, p->w_idf, b);
    }
    tc_close(&tc);
    return x->e->rc;
}

/* Blocks whose bounds bmw_term_floor compares: enough to find a strong block of a list without
 * paying for the bounds of a long one. */
#define BMW_FLOOR_BLOCKS 64u

double bmw_term_floor(exec *x, cctx *cc, const pnode *p)
{
    const index_seg *is = &x->idx->segs[cc->seg_i];
    size_t k = x->heap.k;
    if (k == 0 || !p->t->has[cc->seg_i] || p->t->ti[cc->seg_i].df < k) return -INFINITY;
    term_cursor tc;
    if (tc_open_lazy(&tc, cc->seg, &p->t->ti[cc->seg_i], x->e) != TRAWL_OK) return -INFINITY;
    uint32_t cap = (tc_df(&tc) + TC_BLOCK - 1) / TC_BLOCK, n = 1, best = 0;
    bmw_blk blk[BMW_FLOOR_BLOCKS];
    double sc[TC_BLOCK], floor = -INFINITY;
    if (cap > 1)
        n = bmw_term_blocks(x, &tc, p->w_idf, blk, cap < BMW_FLOOR_BLOCKS ? cap : BMW_FLOOR_BLOCKS);
    for (uint32_t b = 1; b < n; b++)
        if (blk[b].max > blk[best].max) best = b;
    if (n > 0 && (n == 1 || bmw_blk_ub(&blk[best]) > topk_threshold(&x->heap)) &&
        tc_load_block_at(&tc, best) == TRAWL_OK && tc.doc != DOC_END) {
        if (!tc.has_freqs) tc_load_freqs(&tc);
        uint32_t m = 0, date;
        for (uint32_t i = 0; i < tc.n; i++)
            if (exec_doc_ok(x, is, tc.docs[i], &date))
                sc[m++] = bm25_score(&x->bm, p->w_idf, tc.freqs[i],
                                     bm25_norm(&x->bm, cc->seg->doc_lens[tc.docs[i]]));
        if (m >= k) floor = nextafter(topk_kth_largest(sc, m, k), -INFINITY);
    }
    tc_close(&tc);
    return floor;
}

int bmw_run(exec *x, cctx *cc, pnode *const *terms, uint32_t n)
{
    if (n == 1 && x->scoring && !x->has_date && !x->no_prune && !x->heap.by_date)
        return bmw_term(x, cc, terms[0]);

    term_cursor **tc = arena_alloc(x->a, 2 * n * sizeof *tc + 1);
    double *idf = arena_alloc(x->a, n * sizeof *idf + 1);
    bmw_bcache *bc = arena_alloc(x->a, n * sizeof *bc + 1);
    if (!tc || !idf || !bc) return err_set(x->e, TRAWL_ENOMEM, "out of memory in block-max AND");
    for (uint32_t i = 0; i < n; i++)
        bc[i].last = UINT32_MAX;
    term_cursor **by_cost = tc + n, *lead;
    if (!bmw_open(cc, terms, n, tc, by_cost, idf)) return x->e->rc;
    lead = by_cost[0];
    uint32_t d = 0, last = 0, lead_i = 0;
    while (tc[lead_i] != lead)
        lead_i++;
    const uint32_t *lens = cc->seg->doc_lens;
    double ub = INFINITY, rest = INFINITY, q_thr = NAN;
    int have_bound = 0; /* ub bounds every doc in [d, last], rest the other lists' part */
    bm25_quick q = {0};
    while (x->e->rc == TRAWL_OK) {
        d = tc_seek(lead, d);
        if (d == DOC_END) break;
        double thr = x->no_prune ? -INFINITY : topk_threshold(&x->heap);
        if (thr > -INFINITY) {
            if (!have_bound || d > last) {
                ub = bmw_block_bound(x, tc, idf, n, d, lead, bc, &last, &rest);
                have_bound = 1;
                q_thr = NAN;
            }
            if (ub <= thr) {
                x->pruned = 1;
                if (last >= DOC_END) break;
                d = last + 1;
                continue;
            }
            /* The lead's own score first (no division, no seek in the other lists): a doc
             * whose lead score plus the other lists' block bounds cannot beat the threshold
             * is passed over before the others decode a block to find it. */
            if (!x->prox) {
                if (q_thr != thr) {
                    bm25_quick_init(&q, &x->bm, idf[lead_i], thr - rest);
                    q_thr = thr;
                }
                uint32_t next = bmw_lead_scan(x, lead, lens, &q, last);
                if (next != d) {
                    d = next;
                    continue;
                }
            }
        }
        uint32_t got = cur_align(by_cost + 1, n - 1, d);
        if (got != d) {
            d = got;
            continue;
        }
        bmw_score(x, cc, tc, idf, n, d);
        d++;
    }
    return x->e->rc;
}
