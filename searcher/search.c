/* search: trawl_options_init_sized and every trawl_search_* function of trawl.h. */
#include "search.h"

#include "abi.h"
#include "cursor.h"
#include "proximity.h"
#include "qparse.h"
#include "qstats.h"
#include "rm3.h"
#include "snippet.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SEARCH_DEFAULT_EXPANSIONS 256

static void search_options_defaults(trawl_options *o)
{
    memset(o, 0, sizeof *o);
    o->limit = 10;
    o->k1 = 1.2;
    o->b = 0.75;
    o->sort = TRAWL_SORT_SCORE;
    o->max_expansions = SEARCH_DEFAULT_EXPANSIONS;
}

int trawl_options_init_sized(trawl_options *o, size_t o_size)
{
    trawl_options d;
    if (!sized_ok(o_size, ABI_OPTIONS_1_0)) return TRAWL_EARG;
    search_options_defaults(&d);
    sized_copy_out(o, o_size, &d, sizeof d);
    return TRAWL_OK;
}

int trawl_search_new(trawl_search **out, const trawl_index *idx)
{
    *out = NULL;
    trawl_search *s = calloc(1, sizeof *s);
    if (!s) return TRAWL_ENOMEM;
    s->idx = idx;
    arena_init(&s->a);
    arena_init(&s->snip);
    buf_init(&s->text);
    s->text_doc = UINT64_MAX;
    buf_init(&s->path);
    err_init(&s->e);
    s->algo = "";
    int rc = analyzer_new(&s->an, idx->language, idx->max_token_len, &s->e);
    if (rc == TRAWL_OK && idx->phrase_grams)
        rc = grams_new(&s->grams, s->an, idx->phrase_grams, &s->e);
    if (rc != TRAWL_OK) {
        trawl_search_free(s);
        return rc;
    }
    *out = s;
    return TRAWL_OK;
}

void trawl_search_free(trawl_search *s)
{
    if (!s) return;
    analyzer_free(s->an);
    grams_free(s->grams);
    arena_free(&s->a);
    arena_free(&s->snip);
    buf_free(&s->text);
    buf_free(&s->path);
    free(s);
}

const char *trawl_search_errmsg(const trawl_search *s)
{
    return s->e.msg;
}

uint32_t trawl_search_error_column(const trawl_search *s)
{
    return s->e.rc == TRAWL_EQUERY ? s->err_col : 0;
}

uint64_t trawl_search_count(const trawl_search *s)
{
    return s->count;
}

int trawl_search_count_is_exact(const trawl_search *s)
{
    return s->count_exact;
}

double trawl_search_elapsed_us(const trawl_search *s)
{
    return s->elapsed_us;
}

void search_force_exhaustive(trawl_search *s, int on)
{
    s->force_exhaustive = on;
}

const char *search_algo(const trawl_search *s)
{
    return s->algo;
}

static double search_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* s->opt = the caller's options (o_size bytes of them) over the defaults. */
static int search_set_options(trawl_search *s, const trawl_options *o, size_t o_size)
{
    search_options_defaults(&s->opt);
    if (!o) return TRAWL_OK;
    if (!sized_ok(o_size, ABI_OPTIONS_1_0))
        return err_set(&s->e, TRAWL_EARG, "options size %zu is not a trawl_options size", o_size);
    if (sized_copy_in(&s->opt, sizeof s->opt, o, o_size) != 0)
        return err_set(&s->e, TRAWL_EARG,
                       "options set a field that this library (version %s) does not have",
                       TRAWL_VERSION);
    return TRAWL_OK;
}

static int search_check_options(trawl_search *s, const trawl_options *o)
{
    if (!(o->k1 >= 0 && o->k1 < 1e6) || !(o->b >= 0 && o->b <= 1))
        return err_set(&s->e, TRAWL_EARG, "BM25 parameters out of range (k1 %g, b %g)", o->k1,
                       o->b);
    if (o->sort != TRAWL_SORT_SCORE && o->sort != TRAWL_SORT_DATE)
        return err_set(&s->e, TRAWL_EARG, "unknown sort order %d", o->sort);
    if (o->query_tf != TRAWL_QTF_COUNT && o->query_tf != TRAWL_QTF_ONCE)
        return err_set(&s->e, TRAWL_EARG, "unknown query_tf %d", o->query_tf);
    if (o->proximity < -1 || o->proximity > 1 ||
        !(o->proximity_weight >= 0 && o->proximity_weight <= PROX_MAX_WEIGHT))
        return err_set(&s->e, TRAWL_EARG, "proximity %d or its weight %g out of range",
                       o->proximity, o->proximity_weight);
    if (o->expand_docs > 1000 || o->expand_terms > 1000 ||
        !(o->expand_weight >= 0 && o->expand_weight <= 1))
        return err_set(&s->e, TRAWL_EARG,
                       "expansion parameters out of range (docs %u, terms %u, weight %g)",
                       o->expand_docs, o->expand_terms, o->expand_weight);
    if (o->date_from && o->date_to && o->date_from > o->date_to)
        return err_set(&s->e, TRAWL_EARG, "date_from %u is after date_to %u", o->date_from,
                       o->date_to);
    return TRAWL_OK;
}

/* Intersects the options' date range with the query's (both apply). */
static void search_dates(exec *x, const trawl_options *o, const query *q)
{
    x->date_from = o->date_from > q->date_from ? o->date_from : q->date_from;
    x->date_to = o->date_to;
    if (q->date_to && (!x->date_to || q->date_to < x->date_to)) x->date_to = q->date_to;
    x->has_date = x->date_from || x->date_to;
}

/* Prepares the shared heap of offset + limit slots (never more than there are documents). */
static int search_heap(trawl_search *s, exec *x)
{
    uint64_t k = s->opt.count_only ? 0 : (uint64_t)s->opt.offset + s->opt.limit;
    if (k > s->idx->n_docs) k = s->idx->n_docs;
    topk_entry *mem = arena_alloc(&s->a, (size_t)k * sizeof *mem + 1);
    if (!mem)
        return err_set(&s->e, TRAWL_ENOMEM, "out of memory for %llu hits", (unsigned long long)k);
    topk_init(&x->heap, mem, (size_t)k, s->opt.sort == TRAWL_SORT_DATE);
    return TRAWL_OK;
}

/* Explains one hit: rebuilds the root cursor on the hit's segment and collects its clauses. */
static int search_explain_hit(trawl_search *s, exec *x, const pnode *root, size_t h)
{
    uint64_t doc = s->hits[h].doc;
    size_t si = index_locate(s->idx, doc);
    uint32_t local = (uint32_t)(doc - s->idx->segs[si].base);
    cctx cc;
    cur_xsink xs = {.a = &s->a};
    cctx_init(&cc, x, si);
    cc.walk_ors = 1; /* one document: no OR scored up front */
    cur *c = cur_build(&cc, root);
    if (c) {
        c->ops->seek(c, local);
        if (c->doc == local) c->ops->explain(c, &xs);
    }
    cctx_close(&cc);
    if (xs.oom) return err_set(&s->e, TRAWL_ENOMEM, "out of memory explaining hits");
    s->ex[h] = xs.items;
    s->ex_info[h] = xs.info;
    s->n_ex[h] = xs.n;
    s->ex_len[h] = segment_doc_len(cc.seg, local);
    return s->e.rc;
}

static int search_explain(trawl_search *s, exec *x, const pnode *root)
{
    size_t n = s->n_hits ? s->n_hits : 1;
    s->ex = arena_calloc(&s->a, n * sizeof *s->ex);
    s->ex_info = arena_calloc(&s->a, n * sizeof *s->ex_info);
    s->n_ex = arena_calloc(&s->a, n * sizeof *s->n_ex);
    s->ex_len = arena_calloc(&s->a, n * sizeof *s->ex_len);
    if (!s->ex || !s->ex_info || !s->n_ex || !s->ex_len)
        return err_set(&s->e, TRAWL_ENOMEM, "out of memory explaining hits");
    for (size_t h = 0; h < s->n_hits && s->e.rc == TRAWL_OK; h++)
        search_explain_hit(s, x, root, h);
    return s->e.rc;
}

void search_clear(trawl_search *s)
{
    arena_reset(&s->a);
    memset(&s->q, 0, sizeof s->q); /* its nodes and warnings lived in the arena */
    err_init(&s->e);
    s->err_col = 0;
    s->has_query = 0;
    s->hits = NULL;
    s->n_hits = 0;
    s->ex = NULL;
    s->ex_info = NULL;
    s->n_ex = NULL;
    s->ex_len = NULL;
    s->qterms = NULL;
    s->n_qterms = 0;
    s->qtext = "";
    s->has_run = 0;
    s->count = 0;
    s->count_exact = 1;
    s->algo = "";
    s->text_doc = UINT64_MAX;
}

/* Hits whose records are prefetched: a page of results, not a deep listing. */
#define SEARCH_PREFETCH_HITS 64

/* Starts fetching the first hits' doc records: trawl_search_hit reads each of them next, and
 * the misses (one per hit on a cold cache) then overlap instead of coming one per call. */
static void search_prefetch_hits(const trawl_search *s)
{
    for (size_t i = 0; i < s->n_hits && i < SEARCH_PREFETCH_HITS; i++) {
        size_t si = index_locate(s->idx, s->hits[i].doc);
        segment_doc_prefetch(s->idx->segs[si].seg,
                             (uint32_t)(s->hits[i].doc - s->idx->segs[si].base));
    }
}

/* Reads every hit's record once: a damaged id (or ids section) fails the run with a message,
 * so trawl_search_hit, which has no message to give, only ever ends the hits. */
static int search_check_hits(trawl_search *s)
{
    for (size_t i = 0; i < s->n_hits; i++) {
        size_t si = index_locate(s->idx, s->hits[i].doc);
        uint32_t date;
        const char *id;
        size_t len;
        if (segment_doc_meta(s->idx->segs[si].seg,
                             (uint32_t)(s->hits[i].doc - s->idx->segs[si].base), &date, &id, &len,
                             &s->e) != TRAWL_OK)
            return s->e.rc;
    }
    return TRAWL_OK;
}

/* Adds the scoring term clauses under p to s->qterms (a term met again adds its weight). */
static int search_collect_terms(trawl_search *s, const pnode *p, size_t *cap)
{
    if (p->kind == P_BOOL) {
        for (uint32_t i = 0; i < p->n_must; i++)
            if (search_collect_terms(s, p->must[i], cap) != TRAWL_OK) return s->e.rc;
        for (uint32_t i = 0; i < p->n_should; i++)
            if (search_collect_terms(s, p->should[i], cap) != TRAWL_OK) return s->e.rc;
        return TRAWL_OK;
    }
    if (p->kind != P_TERM || p->words) return TRAWL_OK; /* a phrase on its gram is no term */
    if (p->t->listed) { /* one plan_term per distinct term: a prefix's 256 cost no search */
        s->qterms[p->t->listed - 1].weight += p->weight;
        return TRAWL_OK;
    }
    if (s->n_qterms == *cap) {
        size_t c = *cap ? 2 * *cap : 16;
        trawl_query_term *v = arena_alloc(&s->a, c * sizeof *v);
        if (!v) return err_set(&s->e, TRAWL_ENOMEM, "out of memory listing the query terms");
        if (s->n_qterms) memcpy(v, s->qterms, s->n_qterms * sizeof *v);
        s->qterms = v;
        *cap = c;
    }
    s->qterms[s->n_qterms++] =
        (trawl_query_term){p->t->term, p->weight, p->t->df, p->origin, p->edits, p->from};
    p->t->listed = (uint32_t)s->n_qterms;
    return TRAWL_OK;
}

/* Query expansion: runs the plan for the top feedback documents, then plans the expanded query
 * into *root (the query as written stays in s->q, for snippets and suggestions). */
static int search_expand(trawl_search *s, exec *x, pnode **root)
{
    exec fx = *x;
    query eq;
    uint32_t docs = s->opt.expand_docs ? s->opt.expand_docs : RM3_DEFAULT_DOCS;
    rm3_opts ro = {.fb_terms = s->opt.expand_terms ? s->opt.expand_terms : RM3_DEFAULT_TERMS,
                   .orig_weight =
                       s->opt.expand_weight > 0 ? s->opt.expand_weight : RM3_DEFAULT_WEIGHT,
                   .default_or = s->opt.default_or,
                   .qtf_once = x->qtf_once};
    if (docs > s->idx->n_docs) docs = (uint32_t)s->idx->n_docs;
    topk_entry *mem = arena_alloc(&s->a, (size_t)docs * sizeof *mem + 1);
    if (!mem) return err_set(&s->e, TRAWL_ENOMEM, "out of memory for feedback documents");
    topk_init(&fx.heap, mem, docs, 0);
    fx.scoring = 1;
    fx.count = 0;
    fx.pruned = 0;
    if (plan_run(*root, &fx, 0) != TRAWL_OK) return s->e.rc;
    topk_sort(&fx.heap);
    if (rm3_expand(x, s->an, &s->text, &s->q, &fx.heap, &ro, &eq) != TRAWL_OK) return s->e.rc;
    if (eq.root == s->q.root) return TRAWL_OK;
    return plan_build(root, &eq, x,
                      s->opt.max_expansions ? s->opt.max_expansions : SEARCH_DEFAULT_EXPANSIONS);
}

/* Parse, plan, run, rank; results land in s. */
static int search_execute(trawl_search *s, const char *query_text)
{
    exec x = {.idx = s->idx,
              .a = &s->a,
              .e = &s->e,
              .grams = s->grams,
              .global = s->global,
              .record = s->record};
    pnode *root;
    uint32_t col = 0;
    if (qp_parse(query_text, s->opt.default_or, s->an, &s->a, &s->q, &col, &s->e) != TRAWL_OK) {
        s->err_col = col;
        return s->e.rc;
    }
    s->has_query = 1;
    size_t qlen = strlen(query_text);
    char *qt = arena_alloc(&s->a, qlen + 1);
    if (!qt) return err_set(&s->e, TRAWL_ENOMEM, "out of memory for the query");
    s->qtext = memcpy(qt, query_text, qlen + 1);
    x.bm.k1 = s->opt.k1;
    x.bm.b = s->opt.b;
    x.bm.avgdl = s->global ? qstats_avgdl(s->global) : s->idx->avgdl;
    if (s->global && qstats_check_index(s->global, s->idx, &s->e) != TRAWL_OK) return s->e.rc;
    /* Feedback documents are each shard's own top hits: no statistics make that one index's. */
    if (s->opt.expand && (s->global || s->record))
        return err_set(&s->e, TRAWL_EARG,
                       "query expansion does not work with statistics across shards");
    x.scoring = !s->opt.count_only;
    x.force_exhaustive = s->force_exhaustive;
    x.qtf_once = s->opt.query_tf == TRAWL_QTF_ONCE;
    x.fuzzy_auto = s->opt.fuzzy != 0;
    if (s->opt.proximity > 0 || (s->opt.proximity == 0 && PROX_DEFAULT_ON))
        x.prox_weight = s->opt.proximity_weight > 0 ? s->opt.proximity_weight : PROX_DEFAULT_WEIGHT;
    search_dates(&x, &s->opt, &s->q);
    if (search_heap(s, &x) != TRAWL_OK ||
        plan_build(&root, &s->q, &x,
                   s->opt.max_expansions ? s->opt.max_expansions : SEARCH_DEFAULT_EXPANSIONS) !=
            TRAWL_OK ||
        (s->opt.expand && x.scoring && search_expand(s, &x, &root) != TRAWL_OK))
        return s->e.rc;
    if (s->record) return TRAWL_OK; /* trawl_search_qstats: the plan's statistics are all */
    if (plan_run(root, &x, s->opt.exact_count) != TRAWL_OK) return s->e.rc;
    topk_sort(&x.heap);
    if (x.heap.n > s->opt.offset) {
        s->hits = x.heap.e + s->opt.offset;
        s->n_hits = x.heap.n - s->opt.offset;
    }
    search_prefetch_hits(s);
    if (search_check_hits(s) != TRAWL_OK) return s->e.rc;
    s->count = x.count;
    /* Pruning skips documents without counting them, unless every document was counted. */
    s->count_exact = !x.pruned || x.count >= s->idx->n_docs;
    s->algo = x.algo;
    size_t cap = 0;
    if (search_collect_terms(s, root, &cap) != TRAWL_OK) return s->e.rc;
    if (s->opt.explain && x.scoring && search_explain(s, &x, root) != TRAWL_OK) return s->e.rc;
    s->has_run = 1;
    return TRAWL_OK;
}

int trawl_search_run_sized(trawl_search *s, const char *query_text, const trawl_options *o,
                           size_t o_size)
{
    double t0 = search_now_us();
    search_clear(s);
    int rc = search_set_options(s, o, o_size);
    if (rc == TRAWL_OK)
        rc = query_text ? search_check_options(s, &s->opt)
                        : err_set(&s->e, TRAWL_EARG, "query is NULL");
    if (rc == TRAWL_OK) rc = search_execute(s, query_text);
    if (rc != TRAWL_OK) {
        int keep = s->has_query;
        uint32_t col = s->err_col;
        s->hits = NULL;
        s->n_hits = 0;
        s->count = 0;
        s->has_query = keep && rc != TRAWL_EQUERY;
        s->err_col = col;
    }
    s->elapsed_us = search_now_us() - t0;
    return rc;
}

/* Segment and local id of hit i; TRAWL_ENOTFOUND past the last hit. */
static int search_hit_loc(const trawl_search *s, size_t i, const segment **seg, uint32_t *local)
{
    if (i >= s->n_hits) return TRAWL_ENOTFOUND;
    size_t si = index_locate(s->idx, s->hits[i].doc);
    *seg = s->idx->segs[si].seg;
    *local = (uint32_t)(s->hits[i].doc - s->idx->segs[si].base);
    return TRAWL_OK;
}

int trawl_search_warning(const trawl_search *s, size_t i, trawl_warning *out)
{
    if (i >= s->q.n_warns) return TRAWL_ENOTFOUND;
    const qwarn *w = &s->q.warns[i];
    out->kind = TRAWL_WARN_LONG_WORD;
    out->column = w->col;
    out->bytes = w->len;
    out->message = w->msg;
    return TRAWL_OK;
}

static int search_hit(const trawl_search *s, size_t i, trawl_hit *out)
{
    const segment *seg;
    uint32_t local;
    err e;
    int rc = search_hit_loc(s, i, &seg, &local);
    if (rc != TRAWL_OK) return rc;
    err_init(&e);
    out->doc = s->hits[i].doc;
    out->score = s->hits[i].score;
    out->date = 0; /* read here: the heap holds it only when it was needed */
    rc = segment_doc_meta(seg, local, &out->date, &out->id, &out->id_len, &e);
    if (rc != TRAWL_OK) {
        out->id = "";
        out->id_len = 0;
    }
    return rc;
}

int trawl_search_hit_sized(const trawl_search *s, size_t i, trawl_hit *out, size_t out_size)
{
    trawl_hit h;
    if (!sized_ok(out_size, ABI_HIT_1_0)) return TRAWL_EARG;
    int rc = search_hit(s, i, &h);
    if (rc != TRAWL_ENOTFOUND) sized_copy_out(out, out_size, &h, sizeof h);
    return rc;
}

int trawl_search_hit_path(trawl_search *s, size_t i, const char **path, size_t *len)
{
    if (i >= s->n_hits) return TRAWL_ENOTFOUND;
    size_t si = index_locate(s->idx, s->hits[i].doc);
    const index_seg *is = &s->idx->segs[si];
    uint32_t local = (uint32_t)(s->hits[i].doc - is->base);
    fmt_src src;
    const char *id;
    size_t id_len;
    err e;
    err_init(&e);
    segment_doc_src(is->seg, local, &src);
    const char *root = src.root ? manifest_root_path(&s->idx->dirs[is->dir].m, src.root) : NULL;
    if (!root) return TRAWL_ENOTFOUND;
    int rc = segment_doc_id(is->seg, local, &id, &id_len, &e);
    if (rc != TRAWL_OK) return rc;
    s->path.len = 0;
    buf_put(&s->path, root, strlen(root));
    if (root[strlen(root) - 1] != '/') buf_put_u8(&s->path, '/');
    buf_put(&s->path, id, id_len);
    buf_put_u8(&s->path, 0);
    if (s->path.oom) return TRAWL_ENOMEM;
    *path = (const char *)s->path.p;
    *len = s->path.len - 1;
    return TRAWL_OK;
}

/* Decompresses hit i's stored text into s->text, unless it is there already: a snippet and the
 * text of the same hit (a line number wants both) cost one decompression. */
static int search_load_text(trawl_search *s, size_t i)
{
    const segment *seg;
    uint32_t local;
    err_init(&s->e);
    int rc = search_hit_loc(s, i, &seg, &local);
    if (rc != TRAWL_OK)
        return err_set(&s->e, rc, "no hit %zu (the last search has %zu)", i, s->n_hits);
    if (s->text_doc == s->hits[i].doc) return TRAWL_OK;
    s->text.len = 0;
    s->text_doc = UINT64_MAX;
    rc = segment_doc_text(seg, local, &s->text, &s->e);
    if (rc == TRAWL_OK) s->text_doc = s->hits[i].doc;
    return rc;
}

/* The query to highlight: the parsed one, with the spellings fuzzy matching found as words of
 * their own (in the snippet arena). */
static const query *search_highlight_query(trawl_search *s, query *hq)
{
    size_t n = 0, k = 0;
    for (size_t i = 0; i < s->n_qterms; i++)
        n += s->qterms[i].origin == TRAWL_TERM_FUZZY;
    if (n == 0 || !s->q.root) return &s->q;
    qnode *b = arena_calloc(&s->snip, sizeof *b),
          **kids = arena_alloc(&s->snip, (n + 1) * sizeof *kids);
    qnode *leaves = arena_calloc(&s->snip, n * sizeof *leaves);
    char **terms = arena_alloc(&s->snip, n * sizeof *terms);
    uint32_t *lens = arena_alloc(&s->snip, n * sizeof *lens);
    if (!b || !kids || !leaves || !terms || !lens) return &s->q;
    kids[k++] = s->q.root;
    for (size_t i = 0; i < s->n_qterms; i++) {
        if (s->qterms[i].origin != TRAWL_TERM_FUZZY) continue;
        qnode *l = &leaves[k - 1];
        terms[k - 1] = (char *)s->qterms[i].term;
        lens[k - 1] = (uint32_t)strlen(s->qterms[i].term);
        l->kind = Q_TERM;
        l->terms = &terms[k - 1];
        l->lens = &lens[k - 1];
        l->n_terms = 1;
        kids[k++] = l;
    }
    b->kind = Q_BOOL;
    b->should = kids;
    b->n_should = (uint32_t)k;
    *hq = s->q;
    hq->root = b;
    return hq;
}

static int search_snippet(trawl_search *s, size_t i, size_t max_bytes, trawl_snippet *out)
{
    query hq;
    int rc = search_load_text(s, i);
    if (rc != TRAWL_OK) return rc;
    if (!s->has_query) return err_set(&s->e, TRAWL_ENOTFOUND, "no query to highlight");
    arena_reset(&s->snip);
    rc = snippet_make(s->an, search_highlight_query(s, &hq), (const char *)s->text.p, s->text.len,
                      max_bytes, &s->snip, out, &s->e);
    out->doc_off = rc == TRAWL_OK && out->len ? (uint64_t)(out->text - (const char *)s->text.p) : 0;
    return rc;
}

int trawl_search_snippet_sized(trawl_search *s, size_t i, size_t max_bytes, trawl_snippet *out,
                               size_t out_size)
{
    trawl_snippet sn;
    if (!sized_ok(out_size, ABI_SNIPPET_1_0)) {
        err_init(&s->e);
        return err_set(&s->e, TRAWL_EARG, "snippet size %zu is not a trawl_snippet size", out_size);
    }
    int rc = search_snippet(s, i, max_bytes, &sn);
    if (rc == TRAWL_OK) sized_copy_out(out, out_size, &sn, sizeof sn);
    return rc;
}

int trawl_search_text(trawl_search *s, size_t i, const char **text, size_t *len)
{
    int rc = search_load_text(s, i);
    if (rc != TRAWL_OK) return rc;
    *text = s->text.p ? (const char *)s->text.p : "";
    *len = s->text.len;
    return TRAWL_OK;
}

int trawl_search_explain(const trawl_search *s, size_t i, const trawl_explain **out, size_t *n,
                         uint32_t *doc_len)
{
    if (!s->ex) return TRAWL_EARG;
    if (i >= s->n_hits) return TRAWL_ENOTFOUND;
    *out = s->ex[i];
    *n = s->n_ex[i];
    if (doc_len) *doc_len = s->ex_len[i];
    return TRAWL_OK;
}

int trawl_search_explain_info_sized(const trawl_search *s, size_t i, size_t j,
                                    trawl_explain_info *out, size_t out_size)
{
    if (!sized_ok(out_size, ABI_EXPLAIN_INFO_FIRST) || !s->ex) return TRAWL_EARG;
    if (i >= s->n_hits || j >= s->n_ex[i]) return TRAWL_ENOTFOUND;
    sized_copy_out(out, out_size, &s->ex_info[i][j], sizeof s->ex_info[i][j]);
    return TRAWL_OK;
}

int trawl_search_query_term_sized(const trawl_search *s, size_t i, trawl_query_term *out,
                                  size_t out_size)
{
    if (!sized_ok(out_size, ABI_QUERY_TERM_FIRST)) return TRAWL_EARG;
    if (i >= s->n_qterms) return TRAWL_ENOTFOUND;
    sized_copy_out(out, out_size, &s->qterms[i], sizeof s->qterms[i]);
    return TRAWL_OK;
}
