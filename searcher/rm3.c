/* rm3: the relevance model of the feedback documents and the expanded query.
 *
 *   P(t | R) ~ sum over feedback documents D of  tf(t, D) / |D|'  *  score(D)
 *
 * where |D|' counts only the terms that may be added (RM3_MIN_CHARS..RM3_MAX_CHARS characters,
 * in at most RM3_MAX_DF_RATIO of the documents, as Anserini filters its feedback terms); the
 * fb_terms largest are kept and normalised to sum 1 (rm). The expanded query weighs a term
 *
 *   alpha * c(t) / |q|  +  (1 - alpha) * rm(t)
 *
 * (c(t): times the query has t, |q| = sum of c), scaled here by |q| / alpha, which ranks alike
 * and keeps a query word's weight at 1 when the model does not have it. */
#include "rm3.h"

#include "fuzzy.h"
#include "segment.h"

#include <stdlib.h>
#include <string.h>

/* A distinct term of the feedback documents. */
typedef struct rm3_term {
    const char *term; /**< NUL-terminated, in the arena */
    uint32_t len;
    uint32_t tf;    /**< occurrences in the document being read */
    uint32_t stamp; /**< that document's number + 1 when tf belongs to it */
    int ok;         /**< -1 not yet known, 0 never added, 1 may be added */
    double rm;      /**< relevance model weight so far */
} rm3_term;

typedef struct rm3 {
    exec *x;
    rm3_term *t; /**< open addressing, cap a power of two */
    size_t n, cap;
    uint32_t doc;      /**< number of the document being read */
    uint32_t *touched; /**< its distinct terms (indexes into t) */
    size_t n_touched, cap_touched;
} rm3;

static uint64_t rm3_hash(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

static int rm3_nomem(rm3 *r)
{
    return err_set(r->x->e, TRAWL_ENOMEM, "out of memory expanding the query");
}

static int rm3_grow(rm3 *r)
{
    size_t cap = r->cap ? 2 * r->cap : 1024;
    rm3_term *t = arena_calloc(r->x->a, cap * sizeof *t);
    if (!t) return rm3_nomem(r);
    for (size_t i = 0; i < r->cap; i++) {
        if (!r->t[i].term) continue;
        size_t j = rm3_hash(r->t[i].term, r->t[i].len) & (cap - 1);
        while (t[j].term)
            j = (j + 1) & (cap - 1);
        t[j] = r->t[i];
    }
    /* touched indexes point into the old table: this happens between documents only */
    r->t = t;
    r->cap = cap;
    return TRAWL_OK;
}

/* The entry of term, created (ok unknown) if new. NULL when out of memory. */
static rm3_term *rm3_find(rm3 *r, const char *s, size_t len)
{
    size_t j = rm3_hash(s, len) & (r->cap - 1);
    for (; r->t[j].term; j = (j + 1) & (r->cap - 1))
        if (r->t[j].len == len && memcmp(r->t[j].term, s, len) == 0) return &r->t[j];
    char *c = arena_alloc(r->x->a, len + 1);
    if (!c) return NULL;
    memcpy(c, s, len);
    c[len] = '\0';
    r->t[j] = (rm3_term){.term = c, .len = (uint32_t)len, .ok = -1};
    r->n++;
    return &r->t[j];
}

static int rm3_sink(void *ctx, const token *tk)
{
    rm3 *r = ctx;
    rm3_term *t = rm3_find(r, tk->term, tk->len);
    if (!t) return TRAWL_ENOMEM;
    if (t->stamp != r->doc + 1) {
        if (r->n_touched == r->cap_touched) {
            size_t cap = r->cap_touched ? 2 * r->cap_touched : 256;
            uint32_t *v = arena_alloc(r->x->a, cap * sizeof *v);
            if (!v) return TRAWL_ENOMEM;
            if (r->n_touched) memcpy(v, r->touched, r->n_touched * sizeof *v);
            r->touched = v;
            r->cap_touched = cap;
        }
        r->touched[r->n_touched++] = (uint32_t)(t - r->t);
        t->stamp = r->doc + 1;
        t->tf = 0;
    }
    t->tf++;
    return 0;
}

/* 1 if t may be added: its length in characters and its share of the documents. */
static int rm3_allowed(rm3 *r, rm3_term *t)
{
    if (t->ok < 0) {
        uint32_t n = fuzzy_chars(t->term, t->len);
        uint64_t df = 0;
        t->ok = 0;
        if (n < RM3_MIN_CHARS || n > RM3_MAX_CHARS) return 0;
        if (plan_df(r->x, t->term, t->len, &df) != TRAWL_OK) return 0;
        t->ok = (double)df <= RM3_MAX_DF_RATIO * (double)r->x->idx->n_docs;
    }
    return t->ok;
}

/* Reads feedback document h (score w) into the model. */
static int rm3_doc(rm3 *r, analyzer *an, buf *text, const topk_entry *h)
{
    const trawl_index *idx = r->x->idx;
    size_t si = index_locate(idx, h->doc);
    text->len = 0;
    if (segment_doc_text(idx->segs[si].seg, (uint32_t)(h->doc - idx->segs[si].base), text,
                         r->x->e) != TRAWL_OK)
        return r->x->e->rc;
    /* The table must not move while a document's touched list points into it. */
    if ((r->n + text->len / 2 + 64) * 2 > r->cap)
        while ((r->n + text->len / 2 + 64) * 2 > r->cap)
            if (rm3_grow(r) != TRAWL_OK) return r->x->e->rc;
    r->n_touched = 0;
    if (analyzer_run(an, (const char *)text->p, text->len, 0, rm3_sink, r, NULL, NULL) != 0)
        return rm3_nomem(r);
    double norm = 0;
    for (size_t i = 0; i < r->n_touched; i++) {
        rm3_term *t = &r->t[r->touched[i]];
        if (rm3_allowed(r, t)) norm += t->tf;
        if (r->x->e->rc != TRAWL_OK) return r->x->e->rc;
    }
    for (size_t i = 0; norm > 0 && i < r->n_touched; i++) {
        rm3_term *t = &r->t[r->touched[i]];
        if (t->ok == 1) t->rm += (double)t->tf / norm * h->score;
    }
    return TRAWL_OK;
}

/* Larger weight first, then byte order: the terms the model keeps, deterministically. */
static int rm3_cmp(const void *a, const void *b)
{
    const rm3_term *x = *(rm3_term *const *)a, *y = *(rm3_term *const *)b;
    if (x->rm != y->rm) return x->rm > y->rm ? -1 : 1;
    return strcmp(x->term, y->term);
}

/* ------------------------------------------------------------------ the expanded query */

/* 1 if q is a bag of words: a word, or a group whose positive clauses are all words. */
static int rm3_is_flat(const qnode *q)
{
    if (q->kind == Q_TERM) return 1;
    if (q->kind != Q_BOOL) return 0;
    for (uint32_t i = 0; i < q->n_must; i++)
        if (q->must[i]->kind != Q_TERM) return 0;
    for (uint32_t i = 0; i < q->n_should; i++)
        if (q->should[i]->kind != Q_TERM) return 0;
    return 1;
}

/* Words in the query's positive leaves (|q| of a query that is not a bag of words). */
static uint32_t rm3_words(const qnode *q)
{
    uint32_t n = 0;
    if (q->kind != Q_BOOL) return q->kind == Q_ALL ? 0 : q->n_terms;
    for (uint32_t i = 0; i < q->n_must; i++)
        n += rm3_words(q->must[i]);
    for (uint32_t i = 0; i < q->n_should; i++)
        n += rm3_words(q->should[i]);
    return n;
}

static qnode *rm3_word(exec *x, const char *term, uint32_t len, double w, int origin)
{
    qnode *n = arena_calloc(x->a, sizeof *n);
    char **terms = arena_alloc(x->a, sizeof *terms);
    uint32_t *lens = arena_alloc(x->a, sizeof *lens),
             *offsets = arena_calloc(x->a, sizeof *offsets);
    if (!n || !terms || !lens || !offsets) return NULL;
    terms[0] = (char *)term;
    lens[0] = len;
    *n = (qnode){.kind = Q_TERM,
                 .col = 1,
                 .terms = terms,
                 .lens = lens,
                 .offsets = offsets,
                 .n_terms = 1,
                 .weight = w,
                 .origin = origin};
    return n;
}

/* A clause of the expanded bag: a word's weight, merged over its repeats and the model. */
typedef struct rm3_clause {
    const char *term;
    uint32_t len;
    double w;
    int must, origin;
} rm3_clause;

static int rm3_add_clause(rm3_clause *v, size_t *n, const char *term, uint32_t len, double w,
                          int must, int origin, int once)
{
    for (size_t i = 0; i < *n; i++)
        if (v[i].len == len && memcmp(v[i].term, term, len) == 0) {
            v[i].w += once && origin == TRAWL_TERM_QUERY ? 0 : w;
            v[i].must |= must;
            return 0;
        }
    v[(*n)++] = (rm3_clause){term, len, w, must, origin};
    return 1;
}

/* The bag of words q with the model's terms merged in (weights as the file header says). */
static qnode *rm3_merge(exec *x, const qnode *q, rm3_term **top, size_t k, const rm3_opts *o)
{
    uint32_t nq = q->kind == Q_BOOL ? q->n_must + q->n_should : 1;
    rm3_clause *v = arena_alloc(x->a, (nq + k) * sizeof *v);
    qnode *b = arena_calloc(x->a, sizeof *b);
    size_t n = 0, n_must = 0;
    if (!v || !b) return NULL;
    for (uint32_t i = 0; i < nq; i++) {
        const qnode *c =
            q->kind == Q_BOOL ? (i < q->n_must ? q->must[i] : q->should[i - q->n_must]) : q;
        int must = q->kind == Q_BOOL ? i < q->n_must : !o->default_or;
        rm3_add_clause(v, &n, c->terms[0], c->lens[0], c->weight, must, TRAWL_TERM_QUERY,
                       o->qtf_once);
    }
    double words = 0, gamma;
    for (size_t i = 0; i < n; i++)
        words += v[i].w;
    gamma = (1.0 - o->orig_weight) / o->orig_weight * words;
    for (size_t i = 0; i < k; i++)
        rm3_add_clause(v, &n, top[i]->term, top[i]->len, gamma * top[i]->rm, 0, TRAWL_TERM_FEEDBACK,
                       0);
    for (size_t i = 0; i < n; i++)
        n_must += v[i].must;
    b->kind = Q_BOOL;
    b->col = 1;
    b->must = arena_alloc(x->a, (n_must + 1) * sizeof *b->must);
    b->should = arena_alloc(x->a, (n - n_must + 1) * sizeof *b->should);
    if (!b->must || !b->should) return NULL;
    for (size_t i = 0; i < n; i++) {
        qnode *w = rm3_word(x, v[i].term, v[i].len, v[i].w, v[i].origin);
        if (!w) return NULL;
        if (v[i].must)
            b->must[b->n_must++] = w;
        else
            b->should[b->n_should++] = w;
    }
    if (q->kind == Q_BOOL) {
        b->must_not = q->must_not;
        b->n_must_not = q->n_must_not;
    }
    return b;
}

/* Any other query: matched as written, the model's terms optional beside it. */
static qnode *rm3_wrap(exec *x, qnode *q, rm3_term **top, size_t k, double gamma)
{
    qnode *b = arena_calloc(x->a, sizeof *b);
    if (!b || !(b->must = arena_alloc(x->a, sizeof *b->must)) ||
        !(b->should = arena_alloc(x->a, k * sizeof *b->should)))
        return NULL;
    b->kind = Q_BOOL;
    b->col = 1;
    b->must[b->n_must++] = q;
    for (size_t i = 0; i < k; i++)
        if (!(b->should[b->n_should++] =
                  rm3_word(x, top[i]->term, top[i]->len, gamma * top[i]->rm, TRAWL_TERM_FEEDBACK)))
            return NULL;
    return b;
}

int rm3_expand(exec *x, analyzer *an, buf *text, const query *q, const topk *fb, const rm3_opts *o,
               query *out)
{
    rm3 r = {.x = x};
    *out = *q;
    if (fb->n == 0 || o->fb_terms == 0 || o->orig_weight >= 1 || q->root->kind == Q_ALL)
        return TRAWL_OK;
    if (rm3_grow(&r) != TRAWL_OK) return x->e->rc;
    for (size_t i = 0; i < fb->n; i++) {
        r.doc = (uint32_t)i;
        if (rm3_doc(&r, an, text, &fb->e[i]) != TRAWL_OK) return x->e->rc;
    }
    rm3_term **top = arena_alloc(x->a, r.n * sizeof *top + 1);
    size_t k = 0;
    double z = 0;
    if (!top) return rm3_nomem(&r);
    for (size_t i = 0; i < r.cap; i++)
        if (r.t[i].term && r.t[i].ok == 1 && r.t[i].rm > 0) top[k++] = &r.t[i];
    qsort(top, k, sizeof *top, rm3_cmp);
    k = k < o->fb_terms ? k : o->fb_terms;
    for (size_t i = 0; i < k; i++)
        z += top[i]->rm;
    if (k == 0 || !(z > 0)) return TRAWL_OK;
    for (size_t i = 0; i < k; i++)
        top[i]->rm /= z;
    uint32_t words = rm3_words(q->root);
    double gamma = (1.0 - o->orig_weight) / o->orig_weight * (words ? words : 1);
    qnode *root = rm3_is_flat(q->root) ? rm3_merge(x, q->root, top, k, o)
                                       : rm3_wrap(x, q->root, top, k, gamma);
    if (!root) return rm3_nomem(&r);
    out->root = root;
    return TRAWL_OK;
}
