/* fuzzy: pruned term walks with Levenshtein rows, merged over the segments. */
#include "fuzzy.h"

#include "grams.h"
#include "levenshtein.h"
#include "termtab.h"

#include <stdlib.h>
#include <string.h>

uint32_t fuzzy_chars(const char *term, size_t len)
{
    uint32_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)term[i] & 0xC0) != 0x80;
    return n;
}

/* One walk: the rows and the terms found so far (all segments). */
typedef struct fz_walk {
    exec *x;
    lev *l;
    fuzzy_term *v;
    size_t n, cap;
} fz_walk;

static size_t fz_visit(void *ctx, uint8_t *term, size_t len, size_t lcp, size_t *keep)
{
    fz_walk *w = ctx;
    uint32_t d;
    size_t h = lev_visit(w->l, term, len, lcp, &d, keep); /* a match is left as it was */
    if (d == UINT32_MAX || w->x->e->rc != TRAWL_OK || grams_is_gram((const char *)term, len))
        return h; /* a gram is no word: "\x01a b" is two edits from "ab" */
    if (w->n == w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 64;
        fuzzy_term *v = arena_alloc(w->x->a, cap * sizeof *v);
        if (!v) {
            err_set(w->x->e, TRAWL_ENOMEM, "out of memory expanding a fuzzy term");
            return DICT_WALK_END;
        }
        if (w->n) memcpy(v, w->v, w->n * sizeof *v);
        w->v = v;
        w->cap = cap;
    }
    char *t = arena_alloc(w->x->a, len + 1);
    if (!t) {
        err_set(w->x->e, TRAWL_ENOMEM, "out of memory expanding a fuzzy term");
        return DICT_WALK_END;
    }
    memcpy(t, term, len);
    t[len] = '\0';
    w->v[w->n++] = (fuzzy_term){t, (uint32_t)len, d};
    return h;
}

static int fz_cmp(const void *a, const void *b)
{
    const fuzzy_term *x = a, *y = b;
    int r = memcmp(x->term, y->term, x->len < y->len ? x->len : y->len);
    return r ? r : (x->len > y->len) - (x->len < y->len);
}

int fuzzy_expand(exec *x, const char *term, uint32_t len, uint32_t max_edits, fuzzy_term **out,
                 size_t *n)
{
    fz_walk w = {.x = x};
    *out = NULL;
    *n = 0;
    if (!(w.l = arena_alloc(x->a, sizeof *w.l)))
        return err_set(x->e, TRAWL_ENOMEM, "out of memory expanding a fuzzy term");
    if (lev_init(w.l, term, len, max_edits) < 0)
        return err_set(x->e, TRAWL_EQUERY, "fuzzy term \"%.*s\" is too long", (int)len, term);
    for (size_t i = 0; i < x->idx->n_segs && x->e->rc == TRAWL_OK; i++) {
        lev_init(w.l, term, len, max_edits); /* each walk starts from the root */
        termtab_walk_seg(x->idx->segs[i].seg, fz_visit, &w, x->e);
    }
    if (x->e->rc != TRAWL_OK) return x->e->rc;
    if (w.n > 1) qsort(w.v, w.n, sizeof *w.v, fz_cmp);
    size_t u = 0;
    for (size_t i = 0; i < w.n; i++)
        if (u == 0 || fz_cmp(&w.v[u - 1], &w.v[i]) != 0) w.v[u++] = w.v[i];
    *out = w.v;
    *n = u;
    return TRAWL_OK;
}
