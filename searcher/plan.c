/* plan: query tree -> plan tree with global statistics, and the per-query choice of
 * algorithm. Every term is looked up once in every segment; prefixes expand over the union of
 * the segments' dictionaries; a phrase is weighted by its terms' idf (Lucene's PhraseQuery), so
 * planning never reads positions, and idf is global and identical whichever segment scores a
 * document. */
#include "plan.h"

#include "checksum.h"
#include "cursor.h"
#include "fuzzy.h"
#include "levenshtein.h"
#include "proximity.h"
#include "qstats.h"

#include <stdlib.h>
#include <string.h>

/* Plan builder: the distinct terms of the query, looked up once. */
typedef struct pb {
    exec *x;
    plan_term **terms; /**< [n] the query's distinct terms, in order of first use */
    size_t n, cap;
    plan_term **slots; /**< [cap * 2] open addressing by hash64 of the term, NULL: empty */
    uint32_t max_expansions;
} pb;

static void *pb_alloc(pb *b, size_t n)
{
    void *p = arena_calloc(b->x->a, n ? n : 1);
    if (!p) err_set(b->x->e, TRAWL_ENOMEM, "out of memory planning the query");
    return p;
}

static char *pb_strdup(pb *b, const char *s, size_t len)
{
    char *d = pb_alloc(b, len + 1);
    if (d) memcpy(d, s, len);
    return d;
}

/* The term's document frequency over the segment's live documents: its df less the deleted
 * documents holding it (the live file counts them), so idf is what a fresh build of the live
 * documents would give. UINT32_MAX (and an error) if the live file claims more than df. */
static uint32_t pb_live_df(pb *b, const index_seg *s, const char *term, size_t len, uint32_t df)
{
    uint32_t del = 0;
    if (s->live && liv_term_df(s->live, term, len, &del, b->x->e) < 0) return UINT32_MAX;
    if (del <= df) return df - del;
    err_set(b->x->e, TRAWL_ECORRUPT, "%s: term \"%.*s\" in %u deleted documents of %u",
            s->live->name, (int)len, term, del, df);
    return UINT32_MAX;
}

/* Looks term up in every segment (once per distinct term per query). */
/* A plan term for term with no segment's entry yet (has[] 0, df 0). */
static plan_term *pb_new_term(pb *b, const char *term, uint32_t len)
{
    /* One block: the term, its per-segment entries, flags and text (one arena call, not four). */
    size_t n = b->x->idx->n_segs;
    unsigned char *m = pb_alloc(b, sizeof(plan_term) + n * sizeof(term_info) + n + len + 1);
    if (!m) return NULL;
    plan_term *t = (plan_term *)m;
    t->ti = (term_info *)(m + sizeof *t);
    t->has = (uint8_t *)(t->ti + n);
    memcpy(t->has + n, term, len);
    t->term = (const char *)(t->has + n);
    t->len = len;
    return t;
}

/* Records segment i's entry ti for t, with live of its documents not deleted. */
static void pb_term_seg(plan_term *t, size_t i, const term_info *ti, uint32_t live)
{
    t->ti[i] = *ti;
    t->has[i] = live > 0;
    t->df += live;
}

static plan_term *pb_lookup(pb *b, const char *term, uint32_t len)
{
    const trawl_index *idx = b->x->idx;
    plan_term *t = pb_new_term(b, term, len);
    for (size_t i = 0; t && i < idx->n_segs; i++) {
        term_info ti;
        int r = dict_find(idx->segs[i].seg, term, len, &ti, b->x->e);
        if (r < 0) return NULL;
        uint32_t live = r == 1 ? pb_live_df(b, &idx->segs[i], term, len, ti.df) : 0;
        if (live == UINT32_MAX) return NULL;
        if (r == 1) pb_term_seg(t, i, &ti, live);
    }
    return t;
}

/* The query's term with these bytes if it has one already, else NULL. */
/* The slot of term in b->slots: where it is, or the empty one where it would go. A prefix or a
 * fuzzy word brings up to 256 terms, so the distinct terms are found by hash, not by a scan. */
static plan_term **pb_slot(const pb *b, const char *term, uint32_t len)
{
    size_t mask = 2 * b->cap - 1, i = (size_t)hash64(term, len) & mask;
    for (;; i = (i + 1) & mask) {
        plan_term *t = b->slots[i];
        if (!t || (t->len == len && memcmp(t->term, term, len) == 0)) return &b->slots[i];
    }
}

static plan_term *pb_term_known(const pb *b, const char *term, uint32_t len)
{
    return b->cap ? *pb_slot(b, term, len) : NULL;
}

/* Adds a looked-up term to the query's distinct terms. Returns t, or NULL when out of memory. */
static plan_term *pb_term_add(pb *b, plan_term *t)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 16; /* a power of two: slots are twice as many */
        plan_term **n = pb_alloc(b, cap * sizeof *n), **slots = pb_alloc(b, 2 * cap * sizeof *n);
        if (!n || !slots) return NULL;
        if (b->n) memcpy(n, b->terms, b->n * sizeof *n);
        b->terms = n;
        b->slots = slots;
        b->cap = cap;
        for (size_t i = 0; i < b->n; i++)
            *pb_slot(b, b->terms[i]->term, b->terms[i]->len) = b->terms[i];
    }
    *pb_slot(b, t->term, t->len) = t;
    t->id = (uint32_t)b->n;
    b->terms[b->n++] = t;
    return t;
}

static plan_term *pb_term(pb *b, const char *term, uint32_t len)
{
    plan_term *t = pb_term_known(b, term, len);
    if (t) return t;
    t = pb_lookup(b, term, len);
    return t ? pb_term_add(b, t) : NULL;
}

static pnode *pb_node(pb *b, pkind kind)
{
    pnode *p = pb_alloc(b, sizeof *p);
    if (p) p->kind = kind;
    return p;
}

/* The score weight of a clause: the idf itself at weight 1, so plain queries keep their bits. */
static void pb_weigh(pnode *p, double weight)
{
    p->weight = weight;
    p->w_idf = weight == 1.0 ? p->idf : weight * p->idf;
}

static pnode *pb_term_node(pb *b, const char *term, uint32_t len, double weight)
{
    pnode *p = pb_node(b, P_TERM);
    if (!p || !(p->t = pb_term(b, term, len))) return NULL;
    p->label = p->t->term;
    p->df = p->t->df;
    if (qstats_node(b->x, p) != TRAWL_OK) return NULL;
    pb_weigh(p, weight);
    return p;
}

/* ------------------------------------------------------------------ prefix */

typedef struct pb_names {
    plan_term **v; /**< a prefix's terms as found, a term once per segment holding it */
    size_t n, cap;
} pb_names;

static int pb_names_add(pb *b, pb_names *nm, plan_term *t)
{
    if (nm->n == nm->cap) {
        size_t cap = nm->cap ? 2 * nm->cap : 64;
        plan_term **n = pb_alloc(b, cap * sizeof *n);
        if (!n) return -1;
        if (nm->n) memcpy(n, nm->v, nm->n * sizeof *n);
        nm->v = n;
        nm->cap = cap;
    }
    nm->v[nm->n++] = t;
    return 0;
}

static int pb_cmp_term(const void *a, const void *b)
{
    const plan_term *x = *(plan_term *const *)a, *y = *(plan_term *const *)b;
    return strcmp(x->term, y->term);
}

static int pb_too_many(pb *b, const qnode *q)
{
    return err_set(b->x->e, TRAWL_ELIMIT, "prefix '%s*' matches more than %u terms", q->terms[0],
                   b->max_expansions);
}

/* Collects the terms of segment i that start with the prefix and hold a live document. The
 * walk has each term's entry in hand: a term this prefix meets first (index >= known in the
 * query's terms) takes it from there, without a lookup; every segment is walked, so its entries
 * are complete after the walks. A term the query had before is complete already. */
static int pb_expand_seg(pb *b, const qnode *q, size_t i, size_t known, pb_names *nm)
{
    const index_seg *s = &b->x->idx->segs[i];
    dict_iter it;
    const char *t;
    size_t len, n = 0, plen = q->lens[0];
    term_info ti;
    int r = dict_iter_seek(&it, s->seg, q->terms[0], plen, b->x->e);
    while (r == TRAWL_OK && (r = dict_iter_next(&it, &t, &len, &ti, b->x->e)) == 1) {
        if (len < plen || memcmp(t, q->terms[0], plen) != 0) return TRAWL_OK;
        uint32_t live = pb_live_df(b, s, t, len, ti.df);
        if (live == UINT32_MAX) return b->x->e->rc;
        r = TRAWL_OK;
        if (live == 0) continue;
        if (++n > b->max_expansions) return pb_too_many(b, q);
        plan_term *pt = pb_term_known(b, t, (uint32_t)len);
        if (!pt && (!(pt = pb_new_term(b, t, (uint32_t)len)) || !pb_term_add(b, pt)))
            return b->x->e->rc;
        if (pt->id >= known) pb_term_seg(pt, i, &ti, live);
        if (pb_names_add(b, nm, pt) < 0) return b->x->e->rc;
    }
    return r < 0 ? r : TRAWL_OK;
}

/* Scores term node p as if its df were df (Lucene's blended rewrite: a fuzzy word's variants
 * and a prefix's expansions all take the df of the most frequent of them), at weight. */
static void pb_blend(pb *b, pnode *p, uint64_t df, double weight)
{
    p->df = df;
    p->idf = bm25_idf(b->x->global ? b->x->global->n_docs : b->x->idx->n_docs, df);
    pb_weigh(p, weight);
}

/* Every expansion of a prefix is scored with the df of the most frequent of them (the largest
 * over every shard of supplied statistics, as one index would have it), so that a rare
 * expansion does not outweigh the word the prefix was typed for (docs/RANKING.md,
 * "Prefixes"). */
static void pb_prefix_blend(pb *b, pnode **kids, size_t n, uint64_t df)
{
    for (size_t i = 0; i < n; i++)
        df = kids[i]->df > df ? kids[i]->df : df;
    for (size_t i = 0; i < n; i++)
        pb_blend(b, kids[i], df, 1.0);
}

/* Q_PREFIX: OR (should) of the distinct matching terms over every segment, in byte order. */
static pnode *pb_prefix(pb *b, const qnode *q)
{
    pb_names nm = {0};
    const trawl_index *idx = b->x->idx;
    size_t known = b->n;
    uint64_t global_df = 0;
    for (size_t i = 0; i < idx->n_segs; i++)
        if (pb_expand_seg(b, q, i, known, &nm) != TRAWL_OK) return NULL;
    if (nm.n > 1) qsort(nm.v, nm.n, sizeof *nm.v, pb_cmp_term);
    size_t u = 0;
    for (size_t i = 0; i < nm.n; i++)
        if (u == 0 || nm.v[u - 1] != nm.v[i]) nm.v[u++] = nm.v[i];
    /* Expanded over every shard of supplied statistics, as one index would. */
    if (u > b->max_expansions ||
        (b->x->global && qstats_prefix_terms(b->x->global, q->terms[0], q->lens[0], &global_df) >
                             b->max_expansions)) {
        pb_too_many(b, q);
        return NULL;
    }
    if (u == 0) return pb_node(b, P_NONE);
    pnode **kids = pb_alloc(b, u * sizeof *kids), *p;
    if (!kids) return NULL;
    for (size_t i = 0; i < u; i++)
        if (!(kids[i] = pb_term_node(b, nm.v[i]->term, nm.v[i]->len, 1.0))) return NULL;
    pb_prefix_blend(b, kids, u, global_df);
    if (u == 1) return kids[0];
    if (!(p = pb_node(b, P_BOOL))) return NULL;
    p->should = kids;
    p->n_should = (uint32_t)u;
    return p;
}

/* ------------------------------------------------------------------ fuzzy */

/* Terms a fuzzy word keeps at most (Lucene FuzzyQuery's maxExpansions), below max_expansions. */
#define PB_FUZZY_MAX_TERMS 50
/* --fuzzy widens a word found in fewer documents than this (or in fewer than N / RATIO). */
#define PB_FUZZY_RARE_DF    3
#define PB_FUZZY_RARE_RATIO 10000

typedef struct pb_variant {
    plan_term *t;
    uint32_t edits;
} pb_variant;

/* Fewest edits first, then most documents, then byte order: the variants a word keeps. */
static int pb_cmp_variant(const void *a, const void *b)
{
    const pb_variant *x = a, *y = b;
    if (x->edits != y->edits) return x->edits < y->edits ? -1 : 1;
    if (x->t->df != y->t->df) return x->t->df > y->t->df ? -1 : 1;
    return strcmp(x->t->term, y->t->term);
}

/* Lucene's fuzzy boost: 1 - edits / the shorter length, in characters (> 0: a variant is never
 * more than its length away, as term~N needs a word longer than N to reach anything). */
static double pb_fuzzy_weight(const char *q, uint32_t qlen, const plan_term *t, uint32_t edits)
{
    uint32_t a = fuzzy_chars(q, qlen), b = fuzzy_chars(t->term, t->len);
    uint32_t m = a < b ? a : b;
    return edits == 0 ? 1.0 : m > edits ? 1.0 - (double)edits / m : 0.0;
}

/* Registers a looked-up variant as a distinct term of the query (the word itself may be one). */
static plan_term *pb_term_keep(pb *b, plan_term *t)
{
    plan_term *known = pb_term_known(b, t->term, t->len);
    return known ? known : pb_term_add(b, t);
}

/* The word's variants within `edits`, looked up, those without a live document dropped, the
 * best PB_FUZZY_MAX_TERMS kept (pb_cmp_variant); *df: the largest df among them. Collecting a
 * shard's statistics keeps every variant: the statistics of all shards then hold each one. */
static pb_variant *pb_variants(pb *b, const char *term, uint32_t len, uint32_t edits, size_t *n,
                               uint64_t *df)
{
    fuzzy_term *ft;
    size_t nf, k = 0;
    if (fuzzy_expand(b->x, term, len, edits, &ft, &nf) != TRAWL_OK) return NULL;
    pb_variant *v = pb_alloc(b, nf * sizeof *v + 1);
    for (size_t i = 0; v && i < nf; i++) {
        plan_term *t = pb_lookup(b, ft[i].term, ft[i].len);
        if (!t) return NULL;
        if (t->df) v[k++] = (pb_variant){t, ft[i].edits};
    }
    if (!v) return NULL;
    if (k > 1) qsort(v, k, sizeof *v, pb_cmp_variant);
    uint32_t cap = b->max_expansions < PB_FUZZY_MAX_TERMS ? b->max_expansions : PB_FUZZY_MAX_TERMS;
    *n = k < cap || b->x->record ? k : cap;
    *df = 0;
    for (size_t i = 0; i < *n; i++)
        *df = v[i].t->df > *df ? v[i].t->df : *df;
    return v;
}

/* A variant as the statistics of every shard count it. */
typedef struct pb_gvariant {
    const char *term; /**< in the statistics, not NUL-terminated */
    size_t len;
    uint32_t edits;
    uint64_t df;
} pb_gvariant;

/* pb_cmp_variant's order: fewest edits, most documents, byte order. */
static int pb_cmp_gvariant(const void *a, const void *b)
{
    const pb_gvariant *x = a, *y = b;
    if (x->edits != y->edits) return x->edits < y->edits ? -1 : 1;
    if (x->df != y->df) return x->df > y->df ? -1 : 1;
    int c = memcmp(x->term, y->term, x->len < y->len ? x->len : y->len);
    return c ? c : x->len < y->len ? -1 : x->len > y->len;
}

/* pb_variants over global statistics (phase 2 of a sharded search): the variants are chosen,
 * ordered and blended from the terms of every shard, as one index holding them would choose
 * them; this index then matches those it holds, in that order. *n_all: how many were chosen,
 * held here or not (the shape of the word's node depends on it, as in one index). */
static pb_variant *pb_global_variants(pb *b, const char *term, uint32_t len, uint32_t edits,
                                      size_t *n, size_t *n_all, uint64_t *df)
{
    const trawl_qstats *g = b->x->global;
    size_t n_ent = trawl_qstats_count(g), k = 0, u = 0;
    lev *l = pb_alloc(b, sizeof *l);
    uint8_t *cand = pb_alloc(b, 256 + 4); /* lev_visit may write a hint of len + 3 bytes */
    pb_gvariant *gv = pb_alloc(b, n_ent * sizeof *gv + 1);
    pb_variant *v = pb_alloc(b, PB_FUZZY_MAX_TERMS * sizeof *v);
    if (!l || !cand || !gv || !v) return NULL;
    *n = *n_all = 0;
    *df = 0;
    if (lev_init(l, term, len, edits) < 0) return v;
    for (size_t i = 0; i < n_ent; i++) {
        int kind;
        const char *key;
        size_t klen, keep = 0;
        uint64_t d;
        uint32_t dist;
        trawl_qstats_entry(g, i, &kind, &key, &klen, &d);
        if (kind != TRAWL_QSTATS_TERM || d == 0 || klen > 255) continue;
        memcpy(cand, key, klen);
        lev_visit(l, cand, klen, 0, &dist, &keep);
        if (dist <= edits) gv[k++] = (pb_gvariant){key, klen, dist, d};
    }
    if (k > 1) qsort(gv, k, sizeof *gv, pb_cmp_gvariant);
    uint32_t cap = b->max_expansions < PB_FUZZY_MAX_TERMS ? b->max_expansions : PB_FUZZY_MAX_TERMS;
    for (size_t i = 0; i < k && i < cap; i++) {
        *df = gv[i].df > *df ? gv[i].df : *df;
        plan_term *t = pb_lookup(b, gv[i].term, (uint32_t)gv[i].len);
        if (!t) return NULL;
        if (t->df) v[u++] = (pb_variant){t, gv[i].edits};
        ++*n_all;
    }
    *n = u;
    return v;
}

/* A fuzzy word of query weight qw: an OR of its variants, each scored with one idf, that of the
 * most frequent of them (Lucene's blended rewrite), times qw and its boost (pb_fuzzy_weight),
 * so a variant never outscores the word at equal tf and length. */
static pnode *pb_fuzzy(pb *b, const char *term, uint32_t len, uint32_t edits, double qw)
{
    size_t n = 0, n_all = 0, k = 0;
    uint64_t df = 0;
    pb_variant *v = b->x->global ? pb_global_variants(b, term, len, edits, &n, &n_all, &df)
                                 : pb_variants(b, term, len, edits, &n, &df);
    if (!v) return NULL;
    if (!b->x->global) n_all = n;
    /* One variant in all is a term node; more are an OR, even where a shard holds only one of
     * them, so that every shard plans the word as one index would (proximity, for one, is for
     * plain terms only). */
    int single = n == 1 && n_all == 1;
    pnode *p = pb_node(b, single ? P_TERM : n ? P_BOOL : P_NONE);
    if (!p || n == 0) return p;
    pnode **kids = single ? &p : pb_alloc(b, n * sizeof *kids);
    double *w = pb_alloc(b, n * sizeof *w);
    const char *from = pb_strdup(b, term, len);
    if (!kids || !w || !from) return NULL;
    for (size_t i = 0; i < n; i++) {
        pnode *c = single ? p : pb_node(b, P_TERM);
        if (!c || !(c->t = pb_term_keep(b, v[i].t))) return NULL;
        c->label = c->t->term;
        c->df = c->t->df;
        /* each variant's own df: what a shard exports (its idf is the blended one below) */
        if (qstats_node(b->x, c) != TRAWL_OK) return NULL;
        w[k] = pb_fuzzy_weight(term, len, v[i].t, v[i].edits);
        if (w[k] <= 0) continue;
        c->origin = v[i].edits ? TRAWL_TERM_FUZZY : TRAWL_TERM_QUERY;
        c->edits = v[i].edits;
        c->from = from;
        kids[k++] = c;
    }
    for (size_t i = 0; i < k; i++)
        pb_blend(b, kids[i], df, qw * w[i]);
    if (single) return k ? p : pb_node(b, P_NONE);
    p->should = kids;
    p->n_should = (uint32_t)k;
    return k ? p : pb_node(b, P_NONE);
}

/* A word under --fuzzy: itself, unless it is rare or absent and long enough for an edit. */
static pnode *pb_word(pb *b, const qnode *q)
{
    pnode *p;
    if (!b->x->fuzzy_auto || q->origin != TRAWL_TERM_QUERY) {
        if ((p = pb_term_node(b, q->terms[0], q->lens[0], q->weight))) p->origin = q->origin;
        return p;
    }
    plan_term *t = pb_term(b, q->terms[0], q->lens[0]);
    uint32_t edits = fuzzy_auto_edits(fuzzy_chars(q->terms[0], q->lens[0]));
    if (!t) return NULL;
    /* rare over every shard, with global statistics; a shard collecting its statistics widens
     * every word, so that they hold the variants whichever words turn out rare */
    const trawl_qstats *g = b->x->global;
    uint64_t df = g ? qstats_term_df(g, q->terms[0], q->lens[0]) : t->df;
    uint64_t n_docs = g ? g->n_docs : b->x->idx->n_docs;
    int is_rare = df < PB_FUZZY_RARE_DF || df * PB_FUZZY_RARE_RATIO < n_docs;
    if (edits == 0 || (!is_rare && !b->x->record))
        return pb_term_node(b, q->terms[0], q->lens[0], q->weight);
    return pb_fuzzy(b, q->terms[0], q->lens[0], edits, q->weight);
}

/* ------------------------------------------------------------------ phrase */

/* Weighs a phrase from its terms' statistics (qstats_node): no pass over its positions. */
static int pb_phrase_weigh(pb *b, pnode *p)
{
    int rc = qstats_node(b->x, p);
    pb_weigh(p, 1.0);
    return rc;
}

static char *pb_label(pb *b, const qnode *q)
{
    size_t n = 0;
    for (uint32_t i = 0; i < q->n_terms; i++)
        n += q->lens[i] + 1;
    char *s = pb_alloc(b, n + 1), *w = s;
    for (uint32_t i = 0; s && i < q->n_terms; i++) {
        if (i) *w++ = ' ';
        memcpy(w, q->terms[i], q->lens[i]);
        w += q->lens[i];
    }
    return s;
}

/* Sorts the match slots of p by offset (insertion sort: a phrase has a handful). */
static void pb_phrase_sort(pnode *p)
{
    for (uint32_t i = 1; i < p->n_terms; i++) {
        plan_term *t = p->pt[i];
        uint32_t o = p->offsets[i], j = i;
        for (; j > 0 && p->offsets[j - 1] > o; j--) {
            p->pt[j] = p->pt[j - 1];
            p->offsets[j] = p->offsets[j - 1];
        }
        p->pt[j] = t;
        p->offsets[j] = o;
    }
}

/* Marks each slot repeating an earlier slot's list (group = that slot's index). */
static void pb_phrase_groups(pnode *p)
{
    for (uint32_t i = 0; i < p->n_terms; i++) {
        p->group[i] = i;
        for (uint32_t j = 0; j < i; j++)
            if (p->pt[j] == p->pt[i]) {
                p->group[i] = j;
                break;
            }
    }
}

/* With phrase grams (grams.h): matches the exact phrase p on the gram of every adjacent pair
 * of words that has one (at the pair's offset) and on each word no gram covers. Every unit at
 * start + its offset holds exactly when every word does, since the index holds the gram of
 * every such pair wherever it occurs; the lists of common words, the longest, are never read.
 * The weight stays the words' (p->words). 0, or -1 when out of memory. */
static int pb_phrase_grams(pb *b, pnode *p, const qnode *q)
{
    uint32_t n = p->n_words, k = 0;
    plan_term **pt = pb_alloc(b, 2 * n * sizeof *pt);
    uint32_t *off = pb_alloc(b, 2 * n * sizeof *off), *grp = pb_alloc(b, 2 * n * sizeof *grp);
    uint8_t *covered = pb_alloc(b, n);
    char key[GRAMS_MAX_KEY];
    if (!pt || !off || !grp || !covered) return -1;
    memset(covered, 0, n);
    for (uint32_t i = 0; i + 1 < n; i++) {
        size_t len = p->offsets[i + 1] == p->offsets[i] + 1
                         ? grams_key(b->x->grams, q->terms[i], q->lens[i], q->terms[i + 1],
                                     q->lens[i + 1], key)
                         : 0;
        if (!len) continue;
        if (!(pt[k] = pb_term(b, key, (uint32_t)len))) return -1;
        off[k++] = p->offsets[i];
        covered[i] = covered[i + 1] = 1;
    }
    if (k == 0) return 0;
    for (uint32_t i = 0; i < n; i++)
        if (!covered[i]) {
            pt[k] = p->pt[i];
            off[k++] = p->offsets[i];
        }
    p->pt = pt;
    p->offsets = off;
    p->group = grp;
    p->n_terms = k;
    pb_phrase_sort(p);
    pb_phrase_groups(p);
    return 0;
}

static pnode *pb_phrase(pb *b, const qnode *q)
{
    uint32_t n = q->n_terms;
    if (n == 0) return pb_node(b, P_NONE);
    if (n == 1) return pb_term_node(b, q->terms[0], q->lens[0], 1.0);
    pnode *p = pb_node(b, P_PHRASE);
    if (!p || !(p->pt = pb_alloc(b, n * sizeof *p->pt)) ||
        !(p->offsets = pb_alloc(b, n * sizeof *p->offsets)) ||
        !(p->group = pb_alloc(b, n * sizeof *p->group)) || !(p->label = pb_label(b, q)))
        return NULL;
    p->n_terms = n;
    p->slop = q->slop;
    for (uint32_t i = 0; i < n; i++) {
        if (!(p->pt[i] = pb_term(b, q->terms[i], q->lens[i]))) return NULL;
        p->offsets[i] = q->offsets ? q->offsets[i] : i;
    }
    pb_phrase_groups(p);
    p->words = p->pt;
    p->n_words = n;
    if (pb_phrase_weigh(b, p) != TRAWL_OK) return NULL;
    if (q->slop == 0 && b->x->grams && pb_phrase_grams(b, p, q) < 0) return NULL;
    if (p->slop == 0 && p->n_terms == 1) {
        /* One gram holds every match, its tf the phrase frequency: a term to every evaluator
         * (block-max top k, MaxScore in an OR, its df the exact count), with the phrase's
         * weight and label. */
        p->kind = P_TERM;
        p->t = p->pt[0];
        p->n_match = p->t->df;
    }
    return p;
}

/* ------------------------------------------------------------------ boolean */

static pnode *pb_build(pb *b, const qnode *q);

/* The earlier plain word clause of v[0..n) that p repeats (same term, same origin), or NULL. */
static pnode *pb_repeat_of(pnode *const *v, uint32_t n, const pnode *p)
{
    for (uint32_t i = 0; p->kind == P_TERM && !p->words && i < n; i++)
        if (v[i]->kind == P_TERM && !v[i]->words && v[i]->t == p->t && v[i]->origin == p->origin)
            return v[i];
    return NULL;
}

/* Plans the clauses qs[0..n) into a new array; *out_n receives their number, which is smaller
 * than n when a list repeats a word. With qtf_once, and when only counting (a word required,
 * allowed or excluded twice matches the documents it does once), the repeat is dropped, so that
 * `--count 'kernel kernel'` is the word's df, not a merge of its list with itself. Otherwise
 * its weight joins the first clause's, as Lucene's BooleanQuery sums the boosts of duplicate
 * clauses: `kernel kernel` reads one list at weight 2 (the same bits as two clauses, since a
 * doubled weight doubles the score exactly), and `a b a` scores 2·s(a) + s(b). */
static pnode **pb_list(pb *b, qnode *const *qs, uint32_t n, uint32_t *out_n)
{
    pnode **v = pb_alloc(b, n * sizeof *v);
    uint32_t k = 0;
    int drop = b->x->qtf_once || !b->x->scoring;
    for (uint32_t i = 0; v && i < n; i++) {
        if (!(v[k] = pb_build(b, qs[i]))) return NULL;
        pnode *first = pb_repeat_of(v, k, v[k]);
        if (!first)
            k++;
        else if (!drop)
            pb_weigh(first, first->weight + v[k]->weight);
    }
    *out_n = k;
    return v;
}

static pnode *pb_bool(pb *b, const qnode *q)
{
    /* A lone positive child scores and matches as itself: unwrap it so fast paths see it. */
    if (q->n_must + q->n_should == 1 && q->n_must_not == 0)
        return pb_build(b, q->n_must ? q->must[0] : q->should[0]);
    pnode *p = pb_node(b, P_BOOL);
    if (!p) return NULL;
    if (!(p->must = pb_list(b, q->must, q->n_must, &p->n_must)) ||
        !(p->should = pb_list(b, q->should, q->n_should, &p->n_should)) ||
        !(p->must_not = pb_list(b, q->must_not, q->n_must_not, &p->n_must_not)))
        return NULL;
    /* Repeats dropped, a lone positive clause scores and matches as itself. */
    if (p->n_must + p->n_should == 1 && p->n_must_not == 0)
        return p->n_must ? p->must[0] : p->should[0];
    return p;
}

static pnode *pb_build(pb *b, const qnode *q)
{
    switch (q->kind) {
    case Q_TERM:
        return pb_word(b, q);
    case Q_FUZZY:
        return pb_fuzzy(b, q->terms[0], q->lens[0], q->max_edits, 1.0);
    case Q_PHRASE:
        return pb_phrase(b, q);
    case Q_PREFIX:
        return pb_prefix(b, q);
    case Q_BOOL:
        return pb_bool(b, q);
    case Q_ALL:
        return pb_node(b, P_ALL);
    }
    err_set(b->x->e, TRAWL_EQUERY, "unknown query node kind %d", (int)q->kind);
    return NULL;
}

int plan_df(exec *x, const char *term, uint32_t len, uint64_t *df)
{
    pb b = {.x = x};
    plan_term *t = pb_lookup(&b, term, len);
    *df = t ? t->df : 0;
    return x->e->rc;
}

int plan_build(pnode **out, const query *q, exec *x, uint32_t max_expansions)
{
    pb b = {.x = x, .max_expansions = max_expansions};
    *out = pb_build(&b, q->root);
    if (!*out && x->e->rc == TRAWL_OK)
        err_set(x->e, TRAWL_ENOMEM, "out of memory planning the query");
    if (*out && x->scoring) prox_plan(x, *out);
    return x->e->rc;
}

/* ------------------------------------------------------------------ execution */

/* Walks cursor c of one segment to its end, counting (and scoring) every match. */
static int plan_walk(exec *x, cctx *cc, cur *c)
{
    const index_seg *is = &x->idx->segs[cc->seg_i];
    uint64_t base = is->base;
    for (; c->doc != DOC_END; c->ops->next(c)) {
        uint32_t date;
        if (!exec_doc_ok(x, is, c->doc, &date)) continue;
        x->count++;
        if (x->scoring) topk_push(&x->heap, c->ops->score(c), base + c->doc, date);
    }
    return x->e->rc;
}

/* Reference evaluator: walks the cursor tree, scoring every match (or only counting). */
static int plan_exhaustive(exec *x, cctx *cc, const pnode *root)
{
    cur *c = cur_build(cc, root);
    return c ? plan_walk(x, cc, c) : x->e->rc;
}

/* Top-k of a lone phrase: the exhaustive walk, its cursor passing over the documents that
 * cannot beat the heap (cur_phrase_prune). */
static int plan_phrase(exec *x, cctx *cc, const pnode *root)
{
    cur *c = cur_build(cc, root);
    if (!c || (!x->no_prune && cur_phrase_prune(cc, c, &x->heap) != TRAWL_OK)) return x->e->rc;
    plan_walk(x, cc, c);
    if (cur_phrase_skipped(c)) x->pruned = 1;
    return x->e->rc;
}

static int plan_all_terms(pnode *const *v, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (v[i]->kind != P_TERM) return 0;
    return n > 0;
}

/* 1 if v[0..n) are terms and phrases (bmw_phrase.c). */
static int plan_terms_phrases(pnode *const *v, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (v[i]->kind != P_TERM && v[i]->kind != P_PHRASE) return 0;
    return n > 0;
}

/* 1 if the root's global df is the exact answer to "how many documents match". */
static int plan_df_is_count(const pnode *root, const exec *x)
{
    return !x->has_date && root->kind == P_TERM;
}

typedef enum plan_algo {
    PA_EXHAUSTIVE,
    PA_COUNT,
    PA_BMW,
    PA_MAXSCORE,
    PA_PHRASE,
    PA_BMW_PHRASE,
    PA_REQOPT,
    PA_COUNT_BITS,
    PA_TAAT
} plan_algo;

/* Chosen once per query from the shape of the plan and the options. */
static plan_algo plan_choose(const pnode *root, const exec *x)
{
    if (x->heap.by_date || x->force_exhaustive) return x->scoring ? PA_EXHAUSTIVE : PA_COUNT;
    if (!x->scoring && plan_df_is_count(root, x)) return PA_COUNT;
    if (!x->scoring && countbits_fits(root, x)) return PA_COUNT_BITS;
    if (root->kind == P_TERM) return PA_BMW;
    if (root->kind == P_PHRASE && x->scoring) return PA_PHRASE;
    if (root->kind == P_BOOL && !root->n_must_not) {
        if (!root->n_should && plan_all_terms(root->must, root->n_must)) return PA_BMW;
        if (!root->n_should && x->scoring && x->prox_root != root &&
            plan_terms_phrases(root->must, root->n_must))
            return PA_BMW_PHRASE;
        if (x->scoring && x->prox_root != root && plan_all_terms(root->must, root->n_must) &&
            plan_all_terms(root->should, root->n_should))
            return PA_REQOPT;
        if (x->scoring && taat_fits(root, x)) return PA_TAAT;
        if (!root->n_must && plan_all_terms(root->should, root->n_should)) return PA_MAXSCORE;
    }
    return x->scoring ? PA_EXHAUSTIVE : PA_COUNT;
}

static const char *const plan_algo_names[] = {"exhaustive",       "count",
                                              "block-max-and",    "maxscore",
                                              "phrase-block-max", "block-max-and-phrase",
                                              "req-opt-maxscore", "count-bitmap",
                                              "term-at-a-time"};

/* Counts (x->scoring off) a boolean query of terms in one segment: from a bitmap of its
 * documents, or as the other count paths do where that does not pay (countbits.c). */
static int plan_count_bits(exec *x, cctx *cc, const pnode *root)
{
    if (countbits_worth(cc, root)) return countbits_run(x, cc, root);
    if (root->n_must && !root->n_should && !root->n_must_not)
        return bmw_run(x, cc, root->must, root->n_must);
    if (!root->n_must && !root->n_must_not)
        return maxscore_run(x, cc, root->should, root->n_should);
    return plan_exhaustive(x, cc, root);
}

/* Replaces the count of a pruned top k of a query of terms with the exact count, made apart. */
static int plan_count_apart(exec *x, const pnode *root)
{
    int scoring = x->scoring;
    x->count = 0;
    x->scoring = 0;
    x->no_prune = 1;
    for (size_t i = 0; i < x->idx->n_segs && x->e->rc == TRAWL_OK; i++) {
        cctx cc;
        cctx_init(&cc, x, i);
        plan_count_bits(x, &cc, root);
        cctx_close(&cc);
    }
    x->scoring = scoring;
    x->pruned = 0;
    return x->e->rc;
}

int plan_run(const pnode *root, exec *x, int exact)
{
    plan_algo algo = plan_choose(root, x);
    /* An exact count of an OR of terms, or of required with optional terms, is cheaper made
     * apart (countbits.c) after a pruned top k than by a top k that scores every document. */
    int count_apart =
        exact && (algo == PA_MAXSCORE || algo == PA_REQOPT) && countbits_fits(root, x);
    /* Otherwise, with an exact count the fast paths still pay: they visit every match without
     * pruning, through inline term cursor calls instead of the cursor tree. A lone term without
     * date filter has its exact count in df, so it may prune anyway. */
    x->no_prune = ((exact && !count_apart) || !x->scoring) && !plan_df_is_count(root, x);
    pnode *one[1] = {(pnode *)root};
    x->algo = plan_algo_names[algo];
    if (algo == PA_COUNT && plan_df_is_count(root, x)) {
        /* The global statistics already hold the answer. */
        x->count = root->n_match;
        x->algo = "count-df";
        return x->e->rc;
    }
    for (size_t i = 0; i < x->idx->n_segs && x->e->rc == TRAWL_OK; i++) {
        cctx cc;
        cctx_init(&cc, x, i);
        switch (algo) {
        case PA_COUNT:
        case PA_EXHAUSTIVE:
            plan_exhaustive(x, &cc, root);
            break;
        case PA_BMW:
            if (root->kind == P_TERM)
                bmw_run(x, &cc, one, 1);
            else
                bmw_run(x, &cc, root->must, root->n_must);
            break;
        case PA_MAXSCORE:
            maxscore_run(x, &cc, root->should, root->n_should);
            break;
        case PA_PHRASE:
            plan_phrase(x, &cc, root);
            break;
        case PA_BMW_PHRASE:
            bmw_phrase_run(x, &cc, root->must, root->n_must);
            break;
        case PA_REQOPT:
            reqopt_run(x, &cc, root->must, root->n_must, root->should, root->n_should);
            break;
        case PA_COUNT_BITS:
            plan_count_bits(x, &cc, root);
            break;
        case PA_TAAT:
            taat_run(x, &cc, root->should, root->n_should);
            break;
        }
        cctx_close(&cc);
    }
    if (count_apart && x->e->rc == TRAWL_OK) return plan_count_apart(x, root);
    if (plan_df_is_count(root, x)) {
        x->count = root->n_match; /* exact even where block-max skipping pruned */
        x->pruned = 0;
    }
    return x->e->rc;
}
