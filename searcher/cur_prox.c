/* cur_prox: the cursor of a bag of words with a proximity part (cursor.h, proximity.h): the
 * inner cursor matches and scores the BM25 clauses, this one adds the part from the positions
 * of the words on the document, as the pruned evaluators do. The reference they are tested
 * against. */
#include "cursor.h"

#include "proximity.h"

typedef struct cur_prox {
    cur base;
    cur *inner;
    const exec *x;
    const segment *seg;
    cur **kids; /**< [n_clauses] the clause cursors, must then should */
} cur_prox;

static void cur_prox_next(cur *c)
{
    cur_prox *w = (cur_prox *)c;
    w->inner->ops->next(w->inner);
    c->doc = w->inner->doc;
}

static void cur_prox_seek(cur *c, uint32_t target)
{
    cur_prox *w = (cur_prox *)c;
    w->inner->ops->seek(w->inner, target);
    c->doc = w->inner->doc;
}

/* The part of the current document; the words' closeness stays in x->prox->acc. */
static double cur_prox_part(cur_prox *w)
{
    const prox *p = w->x->prox;
    uint32_t first = UINT32_MAX, words = 0;
    for (uint32_t g = 0; g < p->n; g++)
        p->npos[g] = 0;
    for (uint32_t i = 0; i < p->n_clauses; i++) {
        cur *k = w->kids[i];
        /* a segment without the word holds a cur_none in its place */
        if (!cur_term_cursor(k) || k->doc != w->base.doc) continue;
        words += first != UINT32_MAX && p->group[i] != first;
        first = first == UINT32_MAX ? p->group[i] : first;
    }
    if (words == 0) { /* one word: no part, no positions to read */
        for (uint32_t g = 0; g < p->n; g++)
            p->acc[g] = 0;
        return 0;
    }
    for (uint32_t i = 0; i < p->n_clauses; i++) {
        cur *k = w->kids[i];
        uint32_t g = p->group[i];
        if (!cur_term_cursor(k) || k->doc != w->base.doc || p->npos[g]) continue;
        tc_positions(cur_term_cursor(k), &p->pos[g], &p->npos[g]);
    }
    return prox_score(p, &w->x->bm, segment_doc_len(w->seg, w->base.doc), p->pos, p->npos);
}

static double cur_prox_score(cur *c)
{
    cur_prox *w = (cur_prox *)c;
    double s = w->inner->ops->score(w->inner);
    return s + cur_prox_part(w);
}

static void cur_prox_explain(cur *c, cur_xsink *xs)
{
    cur_prox *w = (cur_prox *)c;
    const prox *p = w->x->prox;
    uint32_t dl = segment_doc_len(w->seg, c->doc);
    double norm = bm25_norm(&w->x->bm, dl);
    w->inner->ops->explain(w->inner, xs);
    cur_prox_part(w);
    for (uint32_t g = 0; g < p->n; g++) {
        if (!(p->acc[g] > 0)) continue;
        const pnode *t = p->w[g].p;
        trawl_explain it = {t->label, p->npos[g], t->df,
                            t->idf,   norm,       prox_part(p, &w->x->bm, g, p->acc[g], norm)};
        trawl_explain_info *f = cur_explain_push(xs, &it);
        if (!f) return;
        f->kind = TRAWL_CLAUSE_PROXIMITY;
        f->origin = t->origin;
        f->weight = p->w[g].coef;
        f->closeness = p->acc[g];
    }
}

static const cur_ops cur_prox_ops = {cur_prox_next, cur_prox_seek, cur_prox_score,
                                     cur_prox_explain};

/* Wraps the cursor of the proximity plan's bag of words (m: its must clauses' cursors, s: its
 * should clauses'). */
cur *cur_build_prox(cctx *cc, cur *inner, cur **m, cur **s)
{
    const prox *p = cc->x->prox;
    const pnode *r = cc->x->prox_root;
    cur_prox *w = arena_calloc(cc->x->a, sizeof *w);
    if (w) w->kids = arena_calloc(cc->x->a, p->n_clauses * sizeof *w->kids);
    if (!w || !w->kids) {
        err_set(cc->x->e, TRAWL_ENOMEM, "out of memory building query cursors");
        return NULL;
    }
    for (uint32_t i = 0; i < p->n_clauses; i++)
        w->kids[i] = i < r->n_must ? m[i] : s[i - r->n_must];
    w->inner = inner;
    w->x = cc->x;
    w->seg = cc->seg;
    w->base.ops = &cur_prox_ops;
    w->base.doc = inner->doc;
    return &w->base;
}
