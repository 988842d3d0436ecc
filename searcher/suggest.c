/* suggest: for each plain word of the query, the most frequent spelling one edit away, if it is
 * in SUGGEST_RATIO times as many documents; the query text is rewritten with it. */
#include "suggest.h"

#include "fuzzy.h"

#include <stdlib.h>
#include <string.h>

/* One word of the query to replace. */
typedef struct sg_fix {
    uint32_t off, len; /**< the word's bytes in the query text */
    const char *to;    /**< the spelling to put there (its surface form) */
    size_t to_len;
} sg_fix;

typedef struct sg {
    trawl_search *s;
    exec x;
    sg_fix *fix;
    size_t n, cap;
} sg;

/* The most frequent spelling of term one edit away, if frequent enough; *best NULL if none. */
static int sg_best(sg *g, const qnode *q, const char **best, uint32_t *best_len)
{
    fuzzy_term *v;
    size_t n;
    uint64_t df, top = 0;
    *best = NULL;
    if (plan_df(&g->x, q->terms[0], q->lens[0], &df) != TRAWL_OK ||
        fuzzy_expand(&g->x, q->terms[0], q->lens[0], 1, &v, &n) != TRAWL_OK)
        return g->x.e->rc;
    for (size_t i = 0; i < n; i++) {
        uint64_t d;
        if (v[i].edits == 0) continue;
        if (plan_df(&g->x, v[i].term, v[i].len, &d) != TRAWL_OK) return g->x.e->rc;
        if (d > top) { /* ties keep the first in byte order */
            top = d;
            *best = v[i].term;
            *best_len = v[i].len;
        }
    }
    if (*best && !(df == 0 ? top > 0 : top >= SUGGEST_RATIO * df)) *best = NULL;
    return TRAWL_OK;
}

/* The word written in the query with its analysed form replaced: the folded word keeps the
 * ending the stemmer cut (retreival -> stem retreiv -> retriev + al), else the term alone. */
static int sg_surface(sg *g, const qnode *q, const char *best, uint32_t best_len, sg_fix *f)
{
    char folded[ANALYZER_MAX_TOKEN_LIMIT * 4 + 1];
    size_t fl =
        analyzer_fold(g->s->an, g->s->qtext + q->src_off, q->src_len, folded, sizeof folded - 1);
    size_t keep =
        fl > q->lens[0] && fl < sizeof folded && memcmp(folded, q->terms[0], q->lens[0]) == 0
            ? fl - q->lens[0]
            : 0;
    char *to = arena_alloc(g->x.a, best_len + keep + 1);
    if (!to) return err_set(g->x.e, TRAWL_ENOMEM, "out of memory suggesting a spelling");
    memcpy(to, best, best_len);
    memcpy(to + best_len, folded + (fl - keep), keep);
    to[best_len + keep] = '\0';
    *f = (sg_fix){q->src_off, q->src_len, to, best_len + keep};
    return TRAWL_OK;
}

/* Looks at every positive plain word under q. */
static int sg_walk(sg *g, const qnode *q)
{
    if (q->kind == Q_BOOL) {
        for (uint32_t i = 0; i < q->n_must; i++)
            if (sg_walk(g, q->must[i]) != TRAWL_OK) return g->x.e->rc;
        for (uint32_t i = 0; i < q->n_should; i++)
            if (sg_walk(g, q->should[i]) != TRAWL_OK) return g->x.e->rc;
        return TRAWL_OK;
    }
    if (q->kind != Q_TERM || q->src_len == 0) return TRAWL_OK;
    const char *best;
    uint32_t best_len = 0;
    if (sg_best(g, q, &best, &best_len) != TRAWL_OK || !best) return g->x.e->rc;
    if (g->n == g->cap) {
        size_t cap = g->cap ? 2 * g->cap : 8;
        sg_fix *v = arena_alloc(g->x.a, cap * sizeof *v);
        if (!v) return err_set(g->x.e, TRAWL_ENOMEM, "out of memory suggesting a spelling");
        if (g->n) memcpy(v, g->fix, g->n * sizeof *v);
        g->fix = v;
        g->cap = cap;
    }
    return sg_surface(g, q, best, best_len, &g->fix[g->n++]);
}

static int sg_cmp_fix(const void *a, const void *b)
{
    const sg_fix *x = a, *y = b;
    return (x->off > y->off) - (x->off < y->off);
}

int suggest_make(trawl_search *s, const char **text, size_t *len)
{
    sg g = {.s = s, .x = {.idx = s->idx, .a = &s->a, .e = &s->e}};
    if (!s->has_run || !s->q.root) return TRAWL_ENOTFOUND;
    err_init(&s->e);
    if (sg_walk(&g, s->q.root) != TRAWL_OK) return s->e.rc;
    if (g.n == 0) return TRAWL_ENOTFOUND;
    qsort(g.fix, g.n, sizeof *g.fix, sg_cmp_fix);
    size_t qlen = strlen(s->qtext), n = qlen;
    for (size_t i = 0; i < g.n; i++)
        n += g.fix[i].to_len;
    char *out = arena_alloc(&s->a, n + 1), *w = out;
    if (!out) return err_set(&s->e, TRAWL_ENOMEM, "out of memory suggesting a spelling");
    size_t at = 0;
    for (size_t i = 0; i < g.n; i++) {
        if (g.fix[i].off < at) continue; /* one word cannot be two fixes; keep the first */
        memcpy(w, s->qtext + at, g.fix[i].off - at);
        w += g.fix[i].off - at;
        memcpy(w, g.fix[i].to, g.fix[i].to_len);
        w += g.fix[i].to_len;
        at = g.fix[i].off + g.fix[i].len;
    }
    memcpy(w, s->qtext + at, qlen - at);
    w += qlen - at;
    *w = '\0';
    *text = out;
    *len = (size_t)(w - out);
    return TRAWL_OK;
}

int trawl_search_suggestion(trawl_search *s, const char **text, size_t *len)
{
    return suggest_make(s, text, len);
}
