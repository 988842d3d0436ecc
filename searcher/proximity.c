/* proximity: BM25TP's closeness over a merge of the words' positions, and its plan.
 *
 *   acc(t) = sum over adjacent occurrences (t at i, u at j, u != t, nothing of the query
 *            between) of idf(u) / (i - j)^2
 *   part(t) = lambda * q(t) * min(1, idf(t)) * acc(t) * (k1 + 1) / (acc(t) + K)
 *
 * with K the document's BM25 length norm k1 * (1 - b + b * dl / avgdl) and q(t) the word's
 * query weight (how often the query has it). */
#include "proximity.h"

#include <string.h>

static int prox_nomem(exec *x)
{
    return err_set(x->e, TRAWL_ENOMEM, "out of memory planning proximity");
}

int prox_plan(exec *x, const pnode *root)
{
    x->prox = NULL;
    if (x->prox_weight <= 0 || root->kind != P_BOOL) return TRAWL_OK;
    uint32_t n_cl = root->n_must + root->n_should, n = 0;
    for (uint32_t i = 0; i < n_cl; i++) {
        const pnode *c = i < root->n_must ? root->must[i] : root->should[i - root->n_must];
        if (c->kind != P_TERM || c->words) return TRAWL_OK; /* words only (a gram: a phrase) */
    }
    prox *p = arena_calloc(x->a, sizeof *p);
    if (!p || !(p->w = arena_calloc(x->a, n_cl * sizeof *p->w)) ||
        !(p->group = arena_alloc(x->a, n_cl * sizeof *p->group)) ||
        !(p->head = arena_alloc(x->a, n_cl * sizeof *p->head)) ||
        !(p->acc = arena_alloc(x->a, n_cl * sizeof *p->acc)) ||
        !(p->pos = arena_alloc(x->a, n_cl * sizeof *p->pos)) ||
        !(p->npos = arena_alloc(x->a, n_cl * sizeof *p->npos)))
        return prox_nomem(x);
    for (uint32_t i = 0; i < n_cl; i++) {
        const pnode *c = i < root->n_must ? root->must[i] : root->should[i - root->n_must];
        uint32_t g = 0;
        while (g < n && p->w[g].p->t != c->t)
            g++;
        if (g == n) p->w[n++] = (prox_word){.idf = c->idf, .p = c};
        p->w[g].coef += c->weight; /* the word's query weight, summed over its clauses */
        p->group[i] = g;
    }
    if (n < 2) return TRAWL_OK;
    for (uint32_t g = 0; g < n; g++) {
        p->w[g].coef *= x->prox_weight * (p->w[g].idf < 1.0 ? p->w[g].idf : 1.0);
        p->w[g].top = p->w[g].coef * (x->bm.k1 + 1.0);
        for (uint32_t h = 0; h < n; h++)
            if (h != g && p->w[h].idf > p->w[g].wmax) p->w[g].wmax = p->w[h].idf;
    }
    p->n = n;
    p->n_clauses = n_cl;
    p->k1 = x->bm.k1;
    p->c0 = x->bm.k1 * (1.0 - x->bm.b);
    p->c1 = x->bm.k1 * x->bm.b / x->bm.avgdl;
    x->prox = p;
    x->prox_root = root;
    return TRAWL_OK;
}

/* First index from j on with b[j] > v (nb if none): galloping, as a rare word probes a frequent
 * one's positions. */
static uint32_t prox_after(const uint32_t *b, uint32_t nb, uint32_t j, uint32_t v)
{
    uint32_t step = 1, lo = j, hi;
    if (lo >= nb || b[lo] > v) return lo;
    while (lo + step < nb && b[lo + step] <= v) {
        lo += step;
        step *= 2;
    }
    hi = lo + step < nb ? lo + step : nb; /* b[lo] <= v < b[hi] (or hi == nb) */
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (b[mid] <= v)
            lo = mid;
        else
            hi = mid;
    }
    return hi;
}

/* Two words (the common bag): a pair is a switch from one word's run to the other's, so with
 * a the rarer word, each of its occurrences pairs with the nearest b before it (if one lies
 * after the previous a) and the nearest b after it (if one lies before the next a). Pairs are
 * added in position order, as the general merge adds them. */
static void prox_two(const prox *p, uint32_t ga, uint32_t gb, const uint32_t *a, uint32_t na,
                     const uint32_t *b, uint32_t nb)
{
    double wa = p->w[ga].idf, wb = p->w[gb].idf, acc_a = 0, acc_b = 0;
    uint32_t j = 0;
    for (uint32_t i = 0; i < na; i++) {
        j = prox_after(b, nb, j, a[i]);
        if (j > 0 && b[j - 1] != a[i] && (i == 0 || b[j - 1] > a[i - 1])) {
            double d = (double)(a[i] - b[j - 1]), inv = 1.0 / (d * d);
            acc_a += wb * inv;
            acc_b += wa * inv;
        }
        if (j < nb && (i + 1 == na || b[j] < a[i + 1])) {
            double d = (double)(b[j] - a[i]), inv = 1.0 / (d * d);
            acc_a += wb * inv;
            acc_b += wa * inv;
        }
    }
    p->acc[ga] = acc_a;
    p->acc[gb] = acc_b;
}

double prox_score(const prox *p, const bm25 *bm, uint32_t doc_len, const uint32_t *const *pos,
                  const uint32_t *npos)
{
    uint32_t n = p->n, present = 0, prev_g = n, prev_pos = 0;
    for (uint32_t g = 0; g < n; g++) {
        p->head[g] = 0;
        p->acc[g] = 0;
        present += npos[g] > 0;
    }
    if (present < 2) return 0.0;
    if (n == 2) {
        if (npos[0] <= npos[1])
            prox_two(p, 0, 1, pos[0], npos[0], pos[1], npos[1]);
        else
            prox_two(p, 1, 0, pos[1], npos[1], pos[0], npos[0]);
        goto sum;
    }
    /* k-way merge by the smallest head: n is a handful of words */
    for (;;) {
        uint32_t best = n, bp = UINT32_MAX;
        for (uint32_t g = 0; g < n; g++)
            if (p->head[g] < npos[g] && pos[g][p->head[g]] < bp) {
                bp = pos[g][p->head[g]];
                best = g;
            }
        if (best == n) break;
        p->head[best]++;
        if (prev_g < n && prev_g != best && bp != prev_pos) {
            double d = (double)(bp - prev_pos), inv = 1.0 / (d * d);
            p->acc[prev_g] += p->w[best].idf * inv;
            p->acc[best] += p->w[prev_g].idf * inv;
        }
        prev_g = best;
        prev_pos = bp;
    }
sum:;
    double norm = bm25_norm(bm, doc_len), s = 0;
    for (uint32_t g = 0; g < n; g++)
        s += prox_part(p, bm, g, p->acc[g], norm);
    return s;
}
