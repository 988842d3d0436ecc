/* cursor: composite cursors over one segment. Every composite keeps the invariant that after
 * construction, next and seek its doc is a document matching the whole subtree (or DOC_END),
 * so parents only compare doc fields. Scores are summed in the query's clause order (must
 * children, then should children) so every evaluator produces the same bits. */
#include "cursor.h"

#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* ------------------------------------------------------------------ term */

typedef struct cur_term {
    cur base;
    term_cursor *tc;
    const pnode *p;
    const exec *x;
    const segment *seg;
} cur_term;

static void cur_term_next(cur *c)
{
    cur_term *t = (cur_term *)c;
    tc_next(t->tc);
    c->doc = t->tc->doc;
}

static void cur_term_seek(cur *c, uint32_t target)
{
    cur_term *t = (cur_term *)c;
    if (target <= c->doc) return;
    tc_seek(t->tc, target);
    c->doc = t->tc->doc;
}

static double cur_term_score(cur *c)
{
    cur_term *t = (cur_term *)c;
    double norm = bm25_norm(&t->x->bm, segment_doc_len(t->seg, c->doc));
    return bm25_score(&t->x->bm, t->p->w_idf, tc_freq(t->tc), norm);
}

trawl_explain_info *cur_explain_push(cur_xsink *xs, const trawl_explain *it)
{
    if (xs->n == xs->cap) {
        size_t cap = xs->cap ? 2 * xs->cap : 8;
        trawl_explain *ni = arena_alloc(xs->a, cap * sizeof *ni);
        trawl_explain_info *nf = arena_alloc(xs->a, cap * sizeof *nf);
        if (!ni || !nf) {
            xs->oom = 1;
            return NULL;
        }
        if (xs->n) memcpy(ni, xs->items, xs->n * sizeof *ni);
        if (xs->n) memcpy(nf, xs->info, xs->n * sizeof *nf);
        xs->items = ni;
        xs->info = nf;
        xs->cap = cap;
    }
    xs->items[xs->n] = *it;
    trawl_explain_info *f = &xs->info[xs->n++];
    memset(f, 0, sizeof *f);
    return f;
}

/* Appends one clause (term or phrase) to the explain sink. */
static void cur_explain_add(cur_xsink *xs, const exec *x, const pnode *p, uint32_t tf,
                            uint32_t doc_len)
{
    trawl_explain it;
    it.term = p->label;
    it.tf = tf;
    it.df = p->df;
    it.idf = p->idf;
    it.norm = bm25_norm(&x->bm, doc_len);
    it.score = bm25_score(&x->bm, p->w_idf, tf, it.norm);
    trawl_explain_info *f = cur_explain_push(xs, &it);
    if (!f) return;
    f->kind = p->kind == P_PHRASE || p->words ? TRAWL_CLAUSE_PHRASE : TRAWL_CLAUSE_TERM;
    f->origin = p->origin;
    f->weight = p->weight;
    f->edits = p->edits;
    f->from = p->from;
}

static void cur_term_explain(cur *c, cur_xsink *xs)
{
    cur_term *t = (cur_term *)c;
    cur_explain_add(xs, t->x, t->p, tc_freq(t->tc), segment_doc_len(t->seg, c->doc));
}

static const cur_ops cur_term_ops = {cur_term_next, cur_term_seek, cur_term_score,
                                     cur_term_explain};

term_cursor *cur_term_cursor(const cur *c)
{
    return c->ops == &cur_term_ops ? ((const cur_term *)c)->tc : NULL;
}

/* ------------------------------------------------------------------ none / all */

static void cur_none_next(cur *c)
{
    c->doc = DOC_END;
}

static void cur_none_seek(cur *c, uint32_t target)
{
    (void)target;
    c->doc = DOC_END;
}

static double cur_zero_score(cur *c)
{
    (void)c;
    return 0.0;
}

static void cur_no_explain(cur *c, cur_xsink *xs)
{
    (void)c;
    (void)xs;
}

static const cur_ops cur_none_ops = {cur_none_next, cur_none_seek, cur_zero_score, cur_no_explain};

typedef struct cur_all {
    cur base;
    uint32_t n_docs;
} cur_all;

static void cur_all_next(cur *c)
{
    cur_all *a = (cur_all *)c;
    c->doc = c->doc + 1 < a->n_docs ? c->doc + 1 : DOC_END;
}

static void cur_all_seek(cur *c, uint32_t target)
{
    cur_all *a = (cur_all *)c;
    if (target <= c->doc) return;
    c->doc = target < a->n_docs ? target : DOC_END;
}

static const cur_ops cur_all_ops = {cur_all_next, cur_all_seek, cur_zero_score, cur_no_explain};

/* ------------------------------------------------------------------ AND */

typedef struct cur_and {
    cur base;
    cur **kids;    /**< clause order (scoring) */
    cur **by_cost; /**< rarest first (seeking) */
    uint32_t n;
} cur_and;

/* Leapfrog: the rarest child proposes, the others confirm or push the target forward. */
static void cur_and_settle(cur_and *a, uint32_t target)
{
    uint32_t d = target;
    for (;;) {
        cur *lead = a->by_cost[0];
        lead->ops->seek(lead, d);
        d = lead->doc;
        if (d == DOC_END) break;
        uint32_t i = 1;
        for (; i < a->n; i++) {
            cur *k = a->by_cost[i];
            k->ops->seek(k, d);
            if (k->doc != d) break;
        }
        if (i == a->n) break;
        d = a->by_cost[i]->doc;
        if (d == DOC_END) break;
    }
    a->base.doc = d;
}

static void cur_and_next(cur *c)
{
    if (c->doc != DOC_END) cur_and_settle((cur_and *)c, c->doc + 1);
}

static void cur_and_seek(cur *c, uint32_t target)
{
    if (target > c->doc) cur_and_settle((cur_and *)c, target);
}

static double cur_and_score(cur *c)
{
    cur_and *a = (cur_and *)c;
    double s = 0;
    for (uint32_t i = 0; i < a->n; i++)
        s += a->kids[i]->ops->score(a->kids[i]);
    return s;
}

static void cur_and_explain(cur *c, cur_xsink *xs)
{
    cur_and *a = (cur_and *)c;
    for (uint32_t i = 0; i < a->n; i++)
        a->kids[i]->ops->explain(a->kids[i], xs);
}

static const cur_ops cur_and_ops = {cur_and_next, cur_and_seek, cur_and_score, cur_and_explain};

/* ------------------------------------------------------------------ OR */

typedef struct cur_or {
    cur base;
    cur **kids;
    uint32_t *at; /**< [n] each kid's doc, side by side: the per-document scans over many kids
                       (a prefix's expansions) read one array, not a struct per kid */
    uint32_t n;
} cur_or;

static void cur_or_min(cur_or *o)
{
    uint32_t d = DOC_END;
    for (uint32_t i = 0; i < o->n; i++)
        d = o->at[i] < d ? o->at[i] : d;
    o->base.doc = d;
}

static void cur_or_next(cur *c)
{
    cur_or *o = (cur_or *)c;
    if (c->doc == DOC_END) return;
    for (uint32_t i = 0; i < o->n; i++)
        if (o->at[i] == c->doc) {
            o->kids[i]->ops->next(o->kids[i]);
            o->at[i] = o->kids[i]->doc;
        }
    cur_or_min(o);
}

static void cur_or_seek(cur *c, uint32_t target)
{
    cur_or *o = (cur_or *)c;
    if (target <= c->doc) return;
    for (uint32_t i = 0; i < o->n; i++)
        if (o->at[i] < target) {
            o->kids[i]->ops->seek(o->kids[i], target);
            o->at[i] = o->kids[i]->doc;
        }
    cur_or_min(o);
}

static double cur_or_score(cur *c)
{
    cur_or *o = (cur_or *)c;
    double s = 0;
    for (uint32_t i = 0; i < o->n; i++)
        if (o->at[i] == c->doc) s += o->kids[i]->ops->score(o->kids[i]);
    return s;
}

static void cur_or_explain(cur *c, cur_xsink *xs)
{
    cur_or *o = (cur_or *)c;
    for (uint32_t i = 0; i < o->n; i++)
        if (o->at[i] == c->doc) o->kids[i]->ops->explain(o->kids[i], xs);
}

static const cur_ops cur_or_ops = {cur_or_next, cur_or_seek, cur_or_score, cur_or_explain};

/* ------------------------------------------------------------------ OR of many terms */

/* An OR of many terms scored term at a time (taat.c), a window of documents ahead: its
 * documents are the marked ones, each scoring the sum its kids would give in clause order.
 * Walking the kids in step costs the OR a compare per kid at every document; this costs each
 * posting once. */
typedef struct cur_acc {
    cur base;
    taat_win *w;
    const pnode *p; /**< the OR: its terms explain a document */
    cctx *cc;
} cur_acc;

/* Moves to the first document >= d (documents only move forward). */
static void cur_acc_to(cur_acc *a, uint32_t d)
{
    uint32_t got = taat_next(a->w, d);
    a->base.doc = got != DOC_END ? got : taat_fill(a->w, d > a->w->hi ? d : a->w->hi);
}

static void cur_acc_next(cur *c)
{
    if (c->doc != DOC_END) cur_acc_to((cur_acc *)c, c->doc + 1);
}

static void cur_acc_seek(cur *c, uint32_t target)
{
    if (target > c->doc) cur_acc_to((cur_acc *)c, target);
}

static double cur_acc_score(cur *c)
{
    const taat_win *w = ((const cur_acc *)c)->w;
    return w->acc[c->doc - w->lo];
}

/* The kids' clauses on the document, in clause order, from term cursors of their own. */
static void cur_acc_explain(cur *c, cur_xsink *xs)
{
    const cur_acc *a = (const cur_acc *)c;
    for (uint32_t i = 0; i < a->p->n_should; i++) {
        const pnode *k = a->p->should[i];
        term_cursor *tc = k->t->has[a->cc->seg_i] ? cctx_term(a->cc, k->t) : NULL;
        if (tc && tc_seek(tc, c->doc) == c->doc)
            cur_explain_add(xs, a->cc->x, k, tc_freq(tc), segment_doc_len(a->cc->seg, c->doc));
    }
}

static const cur_ops cur_acc_ops = {cur_acc_next, cur_acc_seek, cur_acc_score, cur_acc_explain};

/* ------------------------------------------------------------------ AND-NOT, required+optional */

typedef struct cur_pair {
    cur base;
    cur *a; /**< included (AND-NOT) or required (req-opt) */
    cur *b; /**< excluded or optional */
} cur_pair;

static void cur_not_settle(cur_pair *p)
{
    while (p->a->doc != DOC_END) {
        p->b->ops->seek(p->b, p->a->doc);
        if (p->b->doc != p->a->doc) break;
        p->a->ops->next(p->a);
    }
    p->base.doc = p->a->doc;
}

static void cur_not_next(cur *c)
{
    cur_pair *p = (cur_pair *)c;
    p->a->ops->next(p->a);
    cur_not_settle(p);
}

static void cur_not_seek(cur *c, uint32_t target)
{
    cur_pair *p = (cur_pair *)c;
    if (target <= c->doc) return;
    p->a->ops->seek(p->a, target);
    cur_not_settle(p);
}

static double cur_not_score(cur *c)
{
    cur_pair *p = (cur_pair *)c;
    return p->a->ops->score(p->a);
}

static void cur_not_explain(cur *c, cur_xsink *xs)
{
    cur_pair *p = (cur_pair *)c;
    p->a->ops->explain(p->a, xs);
}

static const cur_ops cur_not_ops = {cur_not_next, cur_not_seek, cur_not_score, cur_not_explain};

static void cur_reqopt_next(cur *c)
{
    cur_pair *p = (cur_pair *)c;
    p->a->ops->next(p->a);
    c->doc = p->a->doc;
}

static void cur_reqopt_seek(cur *c, uint32_t target)
{
    cur_pair *p = (cur_pair *)c;
    p->a->ops->seek(p->a, target);
    c->doc = p->a->doc;
}

static double cur_reqopt_score(cur *c)
{
    cur_pair *p = (cur_pair *)c;
    double s = p->a->ops->score(p->a);
    p->b->ops->seek(p->b, c->doc);
    if (p->b->doc == c->doc) s += p->b->ops->score(p->b);
    return s;
}

static void cur_reqopt_explain(cur *c, cur_xsink *xs)
{
    cur_pair *p = (cur_pair *)c;
    p->a->ops->explain(p->a, xs);
    p->b->ops->seek(p->b, c->doc);
    if (p->b->doc == c->doc) p->b->ops->explain(p->b, xs);
}

static const cur_ops cur_reqopt_ops = {cur_reqopt_next, cur_reqopt_seek, cur_reqopt_score,
                                       cur_reqopt_explain};

/* ------------------------------------------------------------------ phrase */

typedef struct cur_phrase {
    cur base;
    const pnode *p;
    const exec *x;
    const segment *seg;
    term_cursor **tcs;     /**< [n] slot order */
    term_cursor **by_cost; /**< [n] rarest first */
    const uint32_t **pos;  /**< [n] positions of the candidate doc */
    uint32_t *npos;        /**< [n] */
    uint32_t *ja, *jb;     /**< [n] merge cursors (proximity) */
    uint32_t *cnt;         /**< [n] occurrences of each group in the window (proximity) */
    uint32_t *need;        /**< [n] occurrences each group needs */
    uint32_t n_groups;
    uint32_t n;
    uint32_t freq; /**< matches in the current doc */
    err *e;
    /* Pruning against a top-k heap (cur_phrase_prune); heap NULL: none. */
    const topk *heap;
    double *slot_ub;     /**< [n] a group's first slot: its list's bound over its shallow block */
    uint32_t *slot_last; /**< [n] that block's last doc; UINT32_MAX: none yet */
    uint32_t win_last;   /**< docs up to it score at most win_ub; UINT32_MAX: none yet */
    double win_ub;
    bm25_quick q; /**< the lead's test against q_thr (cur_phrase_lead_scan) */
    double q_thr; /**< threshold q was made for; NAN: none yet */
    int skipped;  /**< some document was passed over unscored */
} cur_phrase;

/* First j >= from with pos[j] >= want, or n: galloping, so a short list probing a long one
 * costs a few steps per probe instead of a walk over every position in between. */
static inline uint32_t cur_gallop(const uint32_t *pos, uint32_t n, uint32_t from, int64_t want)
{
    uint32_t lo = from, step = 1, hi;
    /* Short hops (the common case: a frequent word's positions between two of a rarer one's)
     * skip blocks of 8 and count inside the last one without a data-dependent branch. */
    for (uint32_t b = 0; b < 4 && lo + 8 <= n; b++, lo += 8) {
        if (pos[lo + 7] < want) continue;
        uint32_t c = 0;
        for (uint32_t k = 0; k < 8; k++)
            c += pos[lo + k] < want;
        return lo + c;
    }
    if (lo >= n || pos[lo] >= want) return lo;
    while (lo + step < n && pos[lo + step] < want) {
        lo += step;
        step *= 2;
    }
    hi = lo + step < n ? lo + step : n; /* pos[lo] < want <= pos[hi] (or hi == n) */
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (pos[mid] < want)
            lo = mid;
        else
            hi = mid;
    }
    return hi;
}

/* Two slots of similar sizes: a branchless merge costs a couple of cycles per position where
 * galloping mispredicts a branch per step. Counts the lead's positions a[i] with a[i] - oa ==
 * b[j] - ob for some j (the galloping loop's count, even on repeated positions). */
static uint32_t cur_phrase_merge2(const uint32_t *a, uint32_t na, uint64_t oa, const uint32_t *b,
                                  uint32_t nb, uint64_t ob)
{
    uint32_t i = 0, j = 0, matches = 0;
#ifdef __SSE2__
    /* Four positions of each side a step, every one of a's against every one of b's (b's four
     * rotated), then the side whose fourth is smaller moves on (both on a tie), as a merge of
     * sorted blocks does. A position list strictly increases (gaps are stored minus one), so a
     * position of a meets its equal in b in one step only and is counted once. The shifted
     * positions must fit 32 bits: the last ones are the largest. */
    if (na >= 4 && nb >= 4 && a[na - 1] <= UINT32_MAX - ob && b[nb - 1] <= UINT32_MAX - oa) {
        const __m128i sa = _mm_set1_epi32((int)(uint32_t)ob),
                      sb = _mm_set1_epi32((int)(uint32_t)oa);
        while (i + 4 <= na && j + 4 <= nb) {
            __m128i va = _mm_add_epi32(_mm_loadu_si128((const __m128i *)(const void *)(a + i)), sa);
            __m128i vb = _mm_add_epi32(_mm_loadu_si128((const __m128i *)(const void *)(b + j)), sb);
            __m128i m =
                _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi32(va, vb),
                                          _mm_cmpeq_epi32(va, _mm_shuffle_epi32(vb, 0x39))),
                             _mm_or_si128(_mm_cmpeq_epi32(va, _mm_shuffle_epi32(vb, 0x4e)),
                                          _mm_cmpeq_epi32(va, _mm_shuffle_epi32(vb, 0x93))));
            /* Set bits of the 4-bit mask from a nibble table: without -mpopcnt, GCC's
             * __builtin_popcount is a library call. */
            unsigned mask = (unsigned)_mm_movemask_ps(_mm_castsi128_ps(m));
            matches += (uint32_t)(0x4332322132212110ull >> (mask * 4)) & 0xf;
            uint64_t amax = a[i + 3] + ob, bmax = b[j + 3] + oa;
            i += amax <= bmax ? 4 : 0;
            j += bmax <= amax ? 4 : 0;
        }
    }
#endif
    while (i < na && j < nb) {
        uint64_t x = a[i] + ob, y = b[j] + oa; /* both sides shifted to start + oa + ob */
        matches += x == y;
        i += x <= y;
        j += y < x;
    }
    return matches;
}

/* The other slot outnumbers the lead by more than this: galloping over it wins. */
#define CUR_MERGE_RATIO 8

/* Counts start positions p with every slot i at p + offsets[i]. Each start is one position of
 * the slot with the fewest positions in this doc (the lead), so the lead drives and the other
 * slots are probed by galloping; the starts ascend, so every probe resumes where it stopped.
 * Two slots of similar sizes merge instead. */
static uint32_t cur_phrase_exact(cur_phrase *ph)
{
    uint32_t n = ph->n, matches = 0, lead = 0;
    const uint32_t *off = ph->p->offsets;
    for (uint32_t i = 1; i < n; i++)
        if (ph->npos[i] < ph->npos[lead]) lead = i;
    if (n == 2 && ph->npos[1 - lead] / CUR_MERGE_RATIO <= ph->npos[lead])
        return cur_phrase_merge2(ph->pos[lead], ph->npos[lead], off[lead], ph->pos[1 - lead],
                                 ph->npos[1 - lead], off[1 - lead]);
    memset(ph->ja, 0, n * sizeof *ph->ja);
    for (uint32_t k = 0; k < ph->npos[lead]; k++) {
        int64_t start = (int64_t)ph->pos[lead][k] - off[lead];
        uint32_t i = 0;
        for (; i < n; i++) {
            if (i == lead) continue;
            int64_t want = start + off[i];
            uint32_t j = cur_gallop(ph->pos[i], ph->npos[i], ph->ja[i], want);
            ph->ja[i] = j;
            if (j == ph->npos[i]) return matches; /* no later start can match either */
            if (ph->pos[i][j] != want) break;
        }
        if (i == n) matches++;
    }
    return matches;
}

/* Next event of a k-way merge over the group leaders' positions: the group index, or n when
 * exhausted; *pos receives its position and the merge cursor j advances. */
static uint32_t cur_phrase_merge_next(cur_phrase *ph, uint32_t *j, uint32_t *pos)
{
    uint32_t best = ph->n, bp = UINT32_MAX;
    for (uint32_t g = 0; g < ph->n; g++) {
        if (ph->p->group[g] != g || j[g] >= ph->npos[g]) continue;
        if (ph->pos[g][j[g]] < bp) {
            bp = ph->pos[g][j[g]];
            best = g;
        }
    }
    if (best < ph->n) {
        j[best]++;
        *pos = bp;
    }
    return best;
}

/* Counts non-overlapping windows of at most n_terms + slop positions holding every term (as
 * often as the phrase repeats it), greedily by earliest end. Two merge cursors walk the same
 * merged stream: jb adds events on the right, ja removes them on the left. */
static uint32_t cur_phrase_near(cur_phrase *ph)
{
    uint32_t n = ph->n, matches = 0, have = 0, width = ph->n + ph->p->slop;
    uint32_t rpos, lpos = 0, lg = n;
    memset(ph->ja, 0, n * sizeof *ph->ja);
    memset(ph->jb, 0, n * sizeof *ph->jb);
    memset(ph->cnt, 0, n * sizeof *ph->cnt);
    for (;;) {
        uint32_t g = cur_phrase_merge_next(ph, ph->jb, &rpos);
        if (g == n) break;
        if (++ph->cnt[g] == ph->need[g]) have++;
        if (have < ph->n_groups) continue;
        /* Shrink from the left while every group keeps what it needs. */
        for (;;) {
            if (lg == n) {
                lg = cur_phrase_merge_next(ph, ph->ja, &lpos);
                if (lg == n) break;
            }
            if (ph->cnt[lg] <= ph->need[lg]) break;
            ph->cnt[lg]--;
            lg = n;
        }
        if (rpos - lpos + 1 <= width) {
            matches++;
            memcpy(ph->ja, ph->jb, n * sizeof *ph->ja);
            memset(ph->cnt, 0, n * sizeof *ph->cnt);
            have = 0;
            lg = n;
        }
    }
    return matches;
}

/* Reads the candidate's positions; returns its phrase frequency (0 = no match). */
static uint32_t cur_phrase_count(cur_phrase *ph)
{
    for (uint32_t i = 0; i < ph->n; i++) {
        if (tc_positions(ph->tcs[i], &ph->pos[i], &ph->npos[i]) != TRAWL_OK || ph->npos[i] == 0)
            return 0;
    }
    return ph->p->slop == 0 ? cur_phrase_exact(ph) : cur_phrase_near(ph);
}

/* The bound of the phrase over docs d..ph->win_last: the smallest of its lists' bounds over
 * their shallow blocks at d (it occurs at most as often as each of its terms), each list's
 * remembered with its block's last doc, as a window ends where the first block ends. */
static double cur_phrase_window(cur_phrase *ph, uint32_t d)
{
    double ub = INFINITY;
    uint32_t last = DOC_END;
    for (uint32_t i = 0; i < ph->n; i++) {
        if (ph->p->group[i] != i) continue;
        double u = cur_block_ub(&ph->x->bm, ph->tcs[i], ph->p->w_idf, d, &ph->slot_last[i],
                                &ph->slot_ub[i]);
        ub = u < ub ? u : ub;
        last = ph->slot_last[i] < last ? ph->slot_last[i] : last;
    }
    ph->win_last = last;
    return ph->win_ub = ub;
}

/* With pruning: the first doc from d that its window's bound lets beat the heap (d itself when
 * it may, DOC_END past the lists). A doc scoring the threshold loses: docs come in order. */
static uint32_t cur_phrase_skip(cur_phrase *ph, uint32_t d)
{
    double thr = topk_threshold(ph->heap);
    if (thr == -INFINITY) return d;
    double ub =
        ph->win_last != UINT32_MAX && d <= ph->win_last ? ph->win_ub : cur_phrase_window(ph, d);
    if (ub > thr) return d;
    ph->skipped = 1;
    return ph->win_last >= DOC_END ? DOC_END : ph->win_last + 1;
}

/* With pruning: 1 if the candidate d (every list on it) cannot beat the heap even with as many
 * matches as its rarest term in it has occurrences; its positions are then never read. */
static int cur_phrase_doc_below(cur_phrase *ph, uint32_t d)
{
    double thr = topk_threshold(ph->heap);
    if (thr == -INFINITY) return 0;
    uint32_t tf = UINT32_MAX;
    for (uint32_t i = 0; i < ph->n; i++) {
        uint32_t f = tc_freq(ph->tcs[i]);
        tf = f < tf ? f : tf;
    }
    int below = bm25_upper(&ph->x->bm, ph->p->w_idf, tf, segment_doc_len(ph->seg, d)) <= thr;
    ph->skipped |= below;
    return below;
}

/* With pruning: passes the lead over the docs of its decoded block, from d, whose own tf cannot
 * lift the phrase above the heap (it occurs at most as often as each of its words), before the
 * other lists seek to them. Returns the doc it stops on (d when d may beat the heap), or the doc
 * past the block when none of the rest may. */
static uint32_t cur_phrase_lead_scan(cur_phrase *ph, term_cursor *lead, uint32_t d)
{
    double thr = topk_threshold(ph->heap);
    if (thr == -INFINITY) return d;
    if (thr != ph->q_thr) {
        bm25_quick_init(&ph->q, &ph->x->bm, ph->p->w_idf, thr);
        ph->q_thr = thr;
    }
    if (!lead->has_freqs) tc_load_freqs(lead);
    const uint32_t *docs = lead->docs, *tfs = lead->freqs, *lens = lead->doc_lens;
    uint32_t i = lead->i, n = lead->n;
    while (i < n && bm25_quick_below(&ph->q, tfs[i], lens[docs[i]]))
        i++;
    if (i == lead->i) return d;
    ph->skipped = 1;
    return i == n ? docs[n - 1] + 1 : tc_move_in_block(lead, i);
}

/* Leapfrog over the slots' term cursors, then verify positions of each candidate; with pruning
 * (ph->heap), windows and candidates that cannot beat the heap are passed over first. */
static void cur_phrase_settle(cur_phrase *ph, uint32_t target)
{
    uint32_t d = target;
    for (;;) {
        term_cursor *lead = ph->by_cost[0];
        d = tc_seek(lead, d);
        if (d == DOC_END) break;
        if (ph->heap) {
            uint32_t next = cur_phrase_skip(ph, d);
            if (next == d) next = cur_phrase_lead_scan(ph, lead, d);
            if (next != d) {
                d = next;
                continue;
            }
        }
        uint32_t i = 1;
        for (; i < ph->n; i++) {
            tc_seek(ph->by_cost[i], d);
            if (ph->by_cost[i]->doc != d) break;
        }
        if (i < ph->n) {
            d = ph->by_cost[i]->doc;
            if (d == DOC_END) break;
            continue;
        }
        if (ph->heap && cur_phrase_doc_below(ph, d)) {
            d++;
            continue;
        }
        ph->freq = cur_phrase_count(ph);
        if (ph->freq > 0) break;
        d++;
    }
    ph->base.doc = d;
}

static void cur_phrase_next(cur *c)
{
    if (c->doc != DOC_END) cur_phrase_settle((cur_phrase *)c, c->doc + 1);
}

static void cur_phrase_seek(cur *c, uint32_t target)
{
    if (target > c->doc) cur_phrase_settle((cur_phrase *)c, target);
}

static double cur_phrase_score(cur *c)
{
    cur_phrase *ph = (cur_phrase *)c;
    double norm = bm25_norm(&ph->x->bm, segment_doc_len(ph->seg, c->doc));
    return bm25_score(&ph->x->bm, ph->p->w_idf, ph->freq, norm);
}

static void cur_phrase_explain(cur *c, cur_xsink *xs)
{
    cur_phrase *ph = (cur_phrase *)c;
    cur_explain_add(xs, ph->x, ph->p, ph->freq, segment_doc_len(ph->seg, c->doc));
}

static const cur_ops cur_phrase_ops = {cur_phrase_next, cur_phrase_seek, cur_phrase_score,
                                       cur_phrase_explain};

uint32_t cur_phrase_freq(const cur *c)
{
    return ((const cur_phrase *)c)->freq;
}

int cur_phrase_prune(cctx *cc, cur *c, const topk *heap)
{
    if (c->ops != &cur_phrase_ops) return TRAWL_OK; /* a phrase this segment cannot hold */
    cur_phrase *ph = (cur_phrase *)c;
    ph->slot_ub = arena_alloc(cc->x->a, ph->n * sizeof *ph->slot_ub);
    ph->slot_last = arena_alloc(cc->x->a, ph->n * sizeof *ph->slot_last);
    if (!ph->slot_ub || !ph->slot_last)
        return err_set(cc->x->e, TRAWL_ENOMEM, "out of memory pruning a phrase");
    memset(ph->slot_last, 0xff, ph->n * sizeof *ph->slot_last);
    ph->win_last = UINT32_MAX;
    ph->q_thr = NAN;
    ph->heap = heap;
    return TRAWL_OK;
}

int cur_phrase_skipped(const cur *c)
{
    return c->ops == &cur_phrase_ops && ((const cur_phrase *)c)->skipped;
}

/* ------------------------------------------------------------------ construction */

void cctx_init(cctx *cc, exec *x, size_t seg_i)
{
    memset(cc, 0, sizeof *cc);
    cc->x = x;
    cc->seg_i = seg_i;
    cc->seg = x->idx->segs[seg_i].seg;
}

static void *cc_alloc(cctx *cc, size_t n)
{
    void *p = arena_calloc(cc->x->a, n);
    if (!p) err_set(cc->x->e, TRAWL_ENOMEM, "out of memory building query cursors");
    return p;
}

term_cursor *cctx_term(cctx *cc, const plan_term *t)
{
    if (!t->has[cc->seg_i]) return NULL;
    if (cc->n_tcs == cc->cap_tcs) {
        size_t cap = cc->cap_tcs ? 2 * cc->cap_tcs : 16;
        term_cursor **n = cc_alloc(cc, cap * sizeof *n);
        if (!n) return NULL;
        if (cc->n_tcs) memcpy(n, cc->tcs, cc->n_tcs * sizeof *n);
        cc->tcs = n;
        cc->cap_tcs = cap;
    }
    term_cursor *tc = cc_alloc(cc, sizeof *tc);
    if (!tc) return NULL;
    if (tc_open(tc, cc->seg, &t->ti[cc->seg_i], cc->x->e) != TRAWL_OK) return NULL;
    cc->tcs[cc->n_tcs++] = tc;
    return tc;
}

int cctx_close(cctx *cc)
{
    for (size_t i = 0; i < cc->n_tcs; i++) {
        if (cc->tcs[i]->rc != TRAWL_OK && cc->x->e->rc == TRAWL_OK)
            err_set(cc->x->e, cc->tcs[i]->rc, "%s: postings decode failed", segment_name(cc->seg));
        tc_close(cc->tcs[i]);
    }
    cc->n_tcs = 0;
    return cc->x->e->rc;
}

static cur *cur_none(cctx *cc)
{
    cur *c = cc_alloc(cc, sizeof *c);
    if (c) {
        c->ops = &cur_none_ops;
        c->doc = DOC_END;
    }
    return c;
}

static cur *cur_build_term(cctx *cc, const pnode *p)
{
    if (!p->t->has[cc->seg_i]) return cur_none(cc);
    cur_term *t = cc_alloc(cc, sizeof *t);
    if (!t || !(t->tc = cctx_term(cc, p->t))) return NULL;
    t->base.ops = &cur_term_ops;
    t->base.doc = t->tc->doc;
    t->p = p;
    t->x = cc->x;
    t->seg = cc->seg;
    return &t->base;
}

static cur *cur_build_all(cctx *cc)
{
    cur_all *a = cc_alloc(cc, sizeof *a);
    if (!a) return NULL;
    a->base.ops = &cur_all_ops;
    a->n_docs = segment_n_docs(cc->seg);
    a->base.doc = a->n_docs ? 0 : DOC_END;
    return &a->base;
}

/* Estimated number of docs p matches in this segment: leapfrog leads with the smallest. */
uint64_t cur_cost(const cctx *cc, const pnode *p)
{
    uint64_t c = 0;
    switch (p->kind) {
    case P_NONE:
        return 0;
    case P_ALL:
        return segment_n_docs(cc->seg);
    case P_TERM:
        return p->t->has[cc->seg_i] ? p->t->ti[cc->seg_i].df : 0;
    case P_PHRASE:
        c = UINT64_MAX;
        for (uint32_t i = 0; i < p->n_terms; i++)
            if (!p->pt[i]->has[cc->seg_i] || p->pt[i]->ti[cc->seg_i].df < c)
                c = p->pt[i]->has[cc->seg_i] ? p->pt[i]->ti[cc->seg_i].df : 0;
        return c;
    case P_BOOL:
        if (p->n_must) {
            c = UINT64_MAX;
            for (uint32_t i = 0; i < p->n_must; i++) {
                uint64_t k = cur_cost(cc, p->must[i]);
                c = k < c ? k : c;
            }
            return c;
        }
        for (uint32_t i = 0; i < p->n_should; i++)
            c += cur_cost(cc, p->should[i]);
        return c;
    }
    return c;
}

/* Orders idx[0..n) by cost[] ascending (insertion sort: n is a handful of clauses). */
static void cur_order(uint32_t *idx, const uint64_t *cost, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        uint32_t j = i;
        for (; j > 0 && cost[idx[j - 1]] > cost[i]; j--)
            idx[j] = idx[j - 1];
        idx[j] = i;
    }
}

/* Fills ph->by_cost with the slots' cursors, rarest first. */
static int cur_phrase_order(cctx *cc, cur_phrase *ph)
{
    uint64_t *cost = cc_alloc(cc, ph->n * sizeof *cost);
    uint32_t *idx = cc_alloc(cc, ph->n * sizeof *idx);
    if (!cost || !idx) return -1;
    for (uint32_t i = 0; i < ph->n; i++)
        cost[i] = ph->p->pt[i]->ti[cc->seg_i].df;
    cur_order(idx, cost, ph->n);
    for (uint32_t i = 0; i < ph->n; i++)
        ph->by_cost[i] = ph->tcs[idx[i]];
    return 0;
}

/* The phrase cursor of p, its term cursors opened but not moved: NULL (x->e set) on error, the
 * none cursor when the segment lacks a word. */
static cur *cur_build_phrase_unsettled(cctx *cc, const pnode *p)
{
    for (uint32_t i = 0; i < p->n_terms; i++)
        if (!p->pt[i]->has[cc->seg_i]) return cur_none(cc);
    cur_phrase *ph = cc_alloc(cc, sizeof *ph);
    uint32_t n = p->n_terms;
    if (!ph) return NULL;
    ph->tcs = cc_alloc(cc, n * sizeof *ph->tcs);
    ph->by_cost = cc_alloc(cc, n * sizeof *ph->by_cost);
    ph->pos = cc_alloc(cc, n * sizeof *ph->pos);
    ph->npos = cc_alloc(cc, 5 * n * sizeof *ph->npos);
    if (!ph->tcs || !ph->by_cost || !ph->pos || !ph->npos) return NULL;
    ph->ja = ph->npos + n;
    ph->jb = ph->ja + n;
    ph->cnt = ph->jb + n;
    ph->need = ph->cnt + n;
    /* Slots repeating a term share its cursor: its positions are decoded once. */
    for (uint32_t i = 0; i < n; i++) {
        ph->tcs[i] = p->group[i] != i ? ph->tcs[p->group[i]] : cctx_term(cc, p->pt[i]);
        if (!ph->tcs[i]) return NULL;
        ph->need[p->group[i]]++;
    }
    for (uint32_t i = 0; i < n; i++)
        ph->n_groups += p->group[i] == i;
    ph->n = n;
    ph->p = p;
    ph->x = cc->x;
    ph->seg = cc->seg;
    ph->base.ops = &cur_phrase_ops;
    if (cur_phrase_order(cc, ph) < 0) return NULL;
    return &ph->base;
}

static cur *cur_build_phrase(cctx *cc, const pnode *p)
{
    cur *c = cur_build_phrase_unsettled(cc, p);
    if (c && c->ops == &cur_phrase_ops) cur_phrase_settle((cur_phrase *)c, 0);
    return c;
}

cur *cur_phrase_lists(cctx *cc, const pnode *p, term_cursor ***lists, uint32_t *n)
{
    cur *c = cur_build_phrase_unsettled(cc, p);
    *n = 0;
    if (!c || c->ops != &cur_phrase_ops) return c;
    cur_phrase *ph = (cur_phrase *)c;
    *lists = cc_alloc(cc, ph->n_groups * sizeof **lists);
    if (!*lists) return NULL;
    for (uint32_t i = 0; i < ph->n; i++)
        if (p->group[i] == i) (*lists)[(*n)++] = ph->tcs[i];
    return c;
}

uint32_t cur_phrase_match(cur *c, uint32_t d)
{
    cur_phrase *ph = (cur_phrase *)c;
    ph->freq = cur_phrase_count(ph);
    ph->base.doc = d;
    return ph->freq;
}

/* AND of already built children (clause order), positioned on the first common doc. */
static cur *cur_build_and(cctx *cc, cur **kids, const uint64_t *cost, uint32_t n)
{
    if (n == 1) return kids[0];
    cur_and *a = cc_alloc(cc, sizeof *a);
    uint32_t *idx = cc_alloc(cc, n * sizeof *idx);
    if (!a || !idx || !(a->by_cost = cc_alloc(cc, n * sizeof *a->by_cost))) return NULL;
    a->kids = kids;
    a->n = n;
    cur_order(idx, cost, n);
    for (uint32_t i = 0; i < n; i++)
        a->by_cost[i] = kids[idx[i]];
    a->base.ops = &cur_and_ops;
    a->base.doc = 0;
    cur_and_settle(a, 0);
    return &a->base;
}

static cur *cur_build_or(cctx *cc, cur **kids, uint32_t n)
{
    if (n == 1) return kids[0];
    cur_or *o = cc_alloc(cc, sizeof *o);
    uint32_t *at = cc_alloc(cc, n * sizeof *at);
    if (!o || !at) return NULL;
    for (uint32_t i = 0; i < n; i++)
        at[i] = kids[i]->doc;
    o->kids = kids;
    o->at = at;
    o->n = n;
    o->base.ops = &cur_or_ops;
    cur_or_min(o);
    return &o->base;
}

static cur *cur_build_pair(cctx *cc, const cur_ops *ops, cur *a, cur *b)
{
    cur_pair *p = cc_alloc(cc, sizeof *p);
    if (!p) return NULL;
    p->base.ops = ops;
    p->a = a;
    p->b = b;
    p->base.doc = a->doc;
    if (ops == &cur_not_ops) cur_not_settle(p);
    return &p->base;
}

/* Scoring the whole OR up front costs about CUR_ACC_RATIO times what a seek of one of its kids
 * does, per posting: it pays unless a sibling the OR's kids are sought to is rarer than that. */
#define CUR_ACC_RATIO 4u

/* The OR of terms p as one term-at-a-time cursor, or NULL (no error) when its kids are better
 * walked: too few of them, a proximity part, the reference evaluator or one explained document,
 * or lead, the cost of the rarest required sibling it is sought to (UINT64_MAX: none), too low
 * to pay for a pass over all its postings. */
static cur *cur_build_acc(cctx *cc, const pnode *p, uint64_t lead)
{
    exec *x = cc->x;
    if (cc->walk_ors || x->force_exhaustive || !taat_fits(p, x)) return NULL;
    uint64_t cost = cur_cost(cc, p);
    if (lead < cost && lead * p->n_should <= CUR_ACC_RATIO * cost) return NULL;
    cur_acc *a = cc_alloc(cc, sizeof *a);
    taat_win *w = arena_alloc(x->a, sizeof *w); /* not cleared: taat_fill writes it */
    if (!w) err_set(x->e, TRAWL_ENOMEM, "out of memory building query cursors");
    if (!a || !w || taat_open(w, cc, p->should, p->n_should) != TRAWL_OK) return NULL;
    a->w = w;
    a->p = p;
    a->cc = cc;
    a->base.ops = &cur_acc_ops;
    a->base.doc = 0;
    cur_acc_to(a, 0);
    return &a->base;
}

static cur *cur_build_at(cctx *cc, const pnode *p, uint64_t lead);

/* Builds the cursors of ps[0..n) and their costs; lead: the cost of the rarest required sibling
 * they are sought to (UINT64_MAX: none), which decides how an OR among them runs. */
static cur **cur_build_list(cctx *cc, pnode *const *ps, uint32_t n, uint64_t **cost, uint64_t lead)
{
    cur **v = cc_alloc(cc, n * sizeof *v);
    *cost = cc_alloc(cc, n * sizeof **cost);
    if (!v || !*cost) return NULL;
    for (uint32_t i = 0; i < n; i++) {
        if (!(v[i] = cur_build_at(cc, ps[i], lead))) return NULL;
        (*cost)[i] = cur_cost(cc, ps[i]);
    }
    return v;
}

/* The smallest cost among ps[0..n) (UINT64_MAX for none). */
static uint64_t cur_min_cost(const cctx *cc, pnode *const *ps, uint32_t n)
{
    uint64_t m = UINT64_MAX;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t c = cur_cost(cc, ps[i]);
        m = c < m ? c : m;
    }
    return m;
}

/* Q_BOOL: AND(must) or OR(should), then req-opt with the should part when both exist, then
 * AND-NOT against OR(must_not). No must and no should matches nothing (query.h). */
static cur *cur_build_bool(cctx *cc, const pnode *p)
{
    uint64_t *mc, *sc, *nc;
    cur *base = NULL, **m = NULL, **s = NULL;
    uint64_t lead = cur_min_cost(cc, p->must, p->n_must);
    /* A required clause without a document here: nothing matches, and no other list is opened
     * (`zzzq dev*` would open the 178 lists of dev*). */
    if ((p->n_must == 0 && p->n_should == 0) || (p->n_must && lead == 0)) return cur_none(cc);
    if (p->n_must) {
        m = cur_build_list(cc, p->must, p->n_must, &mc, lead);
        if (!m || !(base = cur_build_and(cc, m, mc, p->n_must))) return NULL;
    }
    if (p->n_should) {
        s = cur_build_list(cc, p->should, p->n_should, &sc, lead);
        cur *o = s ? cur_build_or(cc, s, p->n_should) : NULL;
        if (!o) return NULL;
        base = p->n_must ? cur_build_pair(cc, &cur_reqopt_ops, base, o) : o;
        if (!base) return NULL;
    }
    if (p->n_must_not) {
        cur **x = cur_build_list(cc, p->must_not, p->n_must_not, &nc, lead);
        cur *o = x ? cur_build_or(cc, x, p->n_must_not) : NULL;
        if (!o) return NULL;
        base = cur_build_pair(cc, &cur_not_ops, base, o);
    }
    if (base && cc->x->prox && cc->x->prox_root == p) return cur_build_prox(cc, base, m, s);
    return base;
}

static cur *cur_build_plain(cctx *cc, const pnode *p)
{
    if (cc->x->e->rc != TRAWL_OK) return NULL;
    switch (p->kind) {
    case P_NONE:
        return cur_none(cc);
    case P_ALL:
        return cur_build_all(cc);
    case P_TERM:
        return cur_build_term(cc, p);
    case P_PHRASE:
        return cur_build_phrase(cc, p);
    case P_BOOL:
        return cur_build_bool(cc, p);
    }
    return NULL;
}

/* p's cursor; an OR of many terms may run term at a time (cur_build_acc). */
static cur *cur_build_at(cctx *cc, const pnode *p, uint64_t lead)
{
    if (p->kind == P_BOOL) {
        cur *a = cur_build_acc(cc, p, lead);
        if (a || cc->x->e->rc != TRAWL_OK) return a;
    }
    return cur_build_plain(cc, p);
}

cur *cur_build(cctx *cc, const pnode *p)
{
    return cur_build_at(cc, p, UINT64_MAX);
}
