/* Differential test of the search core: a random Zipf corpus (fixed seed, printed; override
 * with TRAWL_TEST_SEED) written straight through the segment writer into two index directories
 * (2 + 1 segments), searched with hundreds of random queries built as strings for the parser,
 * and checked against a brute-force scan of the in-memory documents: matching sets, counts,
 * top-10 docs and BM25 scores, pruned (MaxScore / block-max AND) == exhaustive, sort by date,
 * offset paging, explain sums. These run with proximity off (the default) and so check plain
 * BM25; a second set of bags of words runs with the proximity part on (BM25TP) and checks the
 * pruned evaluators' bounds against the exhaustive one and both against a brute-force BM25TP. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "err.h"
#include "fsx.h"
#include "manifest.h"
#include "search.h"
#include "segment_writer.h"
#include "testutil.h"
#include "trawl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DF_DOCS    3000
#define DF_VOCAB   400
#define DF_MAXLEN  60
#define DF_QUERIES 300
#define DF_SPLIT_A 1000 /* dir A: segment 0 = [0, 1000), segment 1 = [1000, 2200) */
#define DF_SPLIT_B 2200 /* dir B: segment 2 = [2200, 3000) */

typedef struct df_doc {
    uint16_t toks[DF_MAXLEN];
    uint32_t len;
    uint32_t date;
} df_doc;

static uint64_t df_rng;
static df_doc df_docs[DF_DOCS];
static char df_words[DF_VOCAB][8];
static uint32_t df_word_df[2][DF_VOCAB]; /* [scope][word]: scope 0 = all docs, 1 = dir A only */
static char df_root[256];

static uint64_t df_rand(void)
{
    return tu_rand(&df_rng);
}

static uint32_t df_below(uint32_t n)
{
    return (uint32_t)(df_rand() % n);
}

/* ------------------------------------------------------------------ corpus */

static void df_make_words(void)
{
    for (int i = 0; i < DF_VOCAB; i++)
        snprintf(df_words[i], sizeof df_words[i], "x%c%c", 'a' + i / 26, 'a' + i % 26);
}

static void df_make_docs(void)
{
    static double cum[DF_VOCAB];
    double sum = 0;
    for (int i = 0; i < DF_VOCAB; i++)
        cum[i] = (sum += 1.0 / (i + 1));
    for (int d = 0; d < DF_DOCS; d++) {
        df_doc *doc = &df_docs[d];
        doc->len = 3 + df_below(DF_MAXLEN - 2);
        for (uint32_t p = 0; p < doc->len; p++) {
            double r = (double)(df_rand() >> 11) / 9007199254740992.0 * sum;
            int lo = 0, hi = DF_VOCAB - 1;
            while (lo < hi) {
                int mid = (lo + hi) / 2;
                if (cum[mid] < r)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            /* Shuffle ranks over the alphabet so prefixes mix frequent and rare words. */
            doc->toks[p] = (uint16_t)((lo * 7) % DF_VOCAB);
        }
        doc->date = df_below(4) ? 20240000 + (1 + df_below(12)) * 100 + 1 + df_below(28) : 0;
    }
}

static int df_cmp_word(const void *a, const void *b)
{
    return strcmp(df_words[*(const int *)a], df_words[*(const int *)b]);
}

/* Writes docs [lo, hi) as one segment through the real writer. */
static void df_write_segment(const char *dir, const char *name, uint64_t id, int lo, int hi)
{
    segment_writer *w;
    err e;
    err_init(&e);
    assert_int_equal(sw_open(&w, dir, name, id, "none", 64, &e), TRAWL_OK);
    for (int d = lo; d < hi; d++) {
        char idb[16], text[DF_MAXLEN * 5];
        size_t tl = 0;
        for (uint32_t p = 0; p < df_docs[d].len; p++)
            tl += (size_t)sprintf(text + tl, "%s%s", p ? " " : "", df_words[df_docs[d].toks[p]]);
        int il = snprintf(idb, sizeof idb, "d%05d", d);
        assert_int_equal(
            sw_add_doc(w, idb, (size_t)il, df_docs[d].date, df_docs[d].len, text, tl, NULL),
            TRAWL_OK);
    }
    int order[DF_VOCAB];
    for (int i = 0; i < DF_VOCAB; i++)
        order[i] = i;
    qsort(order, DF_VOCAB, sizeof *order, df_cmp_word);
    for (int k = 0; k < DF_VOCAB; k++) {
        int wi = order[k], begun = 0;
        for (int d = lo; d < hi; d++) {
            uint32_t pos[DF_MAXLEN], tf = 0;
            for (uint32_t p = 0; p < df_docs[d].len; p++)
                if (df_docs[d].toks[p] == wi) pos[tf++] = p;
            if (!tf) continue;
            if (!begun++)
                assert_int_equal(sw_term_begin(w, df_words[wi], strlen(df_words[wi])), TRAWL_OK);
            assert_int_equal(sw_term_doc(w, (uint32_t)(d - lo), pos, tf), TRAWL_OK);
        }
        if (begun) assert_int_equal(sw_term_end(w), TRAWL_OK);
    }
    assert_int_equal(sw_finish(w, NULL), TRAWL_OK);
    sw_free(w);
}

static void df_write_dir(const char *dir, const int *bounds, int n_segs, uint64_t first_id)
{
    manifest m;
    err e;
    err_init(&e);
    assert_int_equal(fsx_mkdir(dir, &e), TRAWL_OK);
    manifest_init(&m);
    snprintf(m.language, sizeof m.language, "none");
    m.max_token_len = 64;
    for (int i = 0; i < n_segs; i++) {
        char name[64];
        snprintf(name, sizeof name, "seg-%06llu.trw", (unsigned long long)(first_id + i));
        df_write_segment(dir, name, first_id + i, bounds[i], bounds[i + 1]);
        assert_int_equal(
            manifest_add(&m, name, first_id + i, (uint32_t)(bounds[i + 1] - bounds[i]), &e),
            TRAWL_OK);
    }
    assert_int_equal(manifest_write(&m, dir, &e), TRAWL_OK);
    manifest_free(&m);
}

/* ------------------------------------------------------------------ brute force */

enum { TQ_TERM, TQ_PHRASE, TQ_PREFIX, TQ_AND, TQ_OR, TQ_ANDNOT, TQ_MSN, TQ_REQOPT };

typedef struct tq tq;
struct tq {
    int kind;
    int w[4]; /* TERM: w[0]; PHRASE: w[0..nw) */
    int nw;
    int slop;
    char prefix[4];
    tq *kid[4]; /* AND/OR: kid[0..nk); ANDNOT: a, b; MSN: must, should, must_not */
    int nk;
    int nreq;  /* REQOPT: kid[0..nreq) required, the rest optional (leaves, flat) */
    int style; /* spelling: ANDNOT as " -", " NOT ", " AND NOT "; AND as " " or " AND " */
};

typedef struct bf {
    int n_docs; /* scope: first n_docs documents */
    int scope;
    double avgdl;
    double k1, b;
} bf;

static double bf_idf(const bf *c, uint64_t df)
{
    return log(1.0 + ((double)c->n_docs - (double)df + 0.5) / ((double)df + 0.5));
}

static double bf_bm25_idf(const bf *c, double idf, uint32_t tf, uint32_t dl)
{
    double norm = c->k1 * (1.0 - c->b + c->b * (double)dl / c->avgdl);
    return idf * tf * (c->k1 + 1.0) / (tf + norm);
}

static double bf_bm25(const bf *c, uint64_t df, uint32_t tf, uint32_t dl)
{
    return bf_bm25_idf(c, bf_idf(c, df), tf, dl);
}

/* A phrase's idf: the sum of its words' (a repeated word counted each time), as Lucene's. */
static double bf_phrase_idf(const bf *c, const tq *q)
{
    double idf = 0;
    for (int i = 0; i < q->nw; i++)
        idf += bf_idf(c, df_word_df[c->scope][q->w[i]]);
    return idf;
}

static uint32_t bf_tf(const df_doc *d, int w)
{
    uint32_t tf = 0;
    for (uint32_t p = 0; p < d->len; p++)
        tf += d->toks[p] == w;
    return tf;
}

/* Phrase frequency by definition: exact = start positions where every word sits at its
 * offset; proximity = greedy non-overlapping windows of nw + slop positions, earliest end
 * first, holding every word as often as the phrase repeats it. */
static uint32_t bf_phrase_tf(const df_doc *d, const tq *q)
{
    uint32_t m = 0;
    if (q->slop == 0) {
        for (int p = 0; p + q->nw <= (int)d->len; p++) {
            int i = 0;
            while (i < q->nw && d->toks[p + i] == q->w[i])
                i++;
            m += i == q->nw;
        }
        return m;
    }
    int width = q->nw + q->slop, start = 0;
    for (int e = 0; e < (int)d->len; e++) {
        int s = e - width + 1 > start ? e - width + 1 : start, ok = 1;
        for (int i = 0; i < q->nw && ok; i++) {
            int need = 0, have = 0;
            for (int j = 0; j < q->nw; j++)
                need += q->w[j] == q->w[i];
            for (int p = s; p <= e; p++)
                have += d->toks[p] == q->w[i];
            ok = have >= need;
        }
        if (ok) {
            m++;
            start = e + 1;
        }
    }
    return m;
}

static int bf_has_prefix(int w, const char *pre)
{
    return strncmp(df_words[w], pre, strlen(pre)) == 0;
}

/* Matches doc d against q; *score receives its BM25 score. */
static int bf_eval(const bf *c, const tq *q, const df_doc *d, double *score)
{
    double s = 0, t;
    int m = 0;
    switch (q->kind) {
    case TQ_TERM: {
        uint32_t tf = bf_tf(d, q->w[0]);
        if (tf) s = bf_bm25(c, df_word_df[c->scope][q->w[0]], tf, d->len);
        m = tf > 0;
        break;
    }
    case TQ_PHRASE: {
        uint32_t tf = bf_phrase_tf(d, q);
        if (tf) s = bf_bm25_idf(c, bf_phrase_idf(c, q), tf, d->len);
        m = tf > 0;
        break;
    }
    case TQ_PREFIX: { /* every expansion weighed by the largest df among them */
        uint32_t df = 0;
        for (int w = 0; w < DF_VOCAB; w++)
            if (bf_has_prefix(w, q->prefix) && df_word_df[c->scope][w] > df)
                df = df_word_df[c->scope][w];
        for (int w = 0; w < DF_VOCAB; w++) {
            uint32_t tf = bf_has_prefix(w, q->prefix) ? bf_tf(d, w) : 0;
            if (tf) {
                s += bf_bm25(c, df, tf, d->len);
                m = 1;
            }
        }
        break;
    }
    case TQ_AND:
        m = 1;
        for (int i = 0; i < q->nk && m; i++) {
            m = bf_eval(c, q->kid[i], d, &t);
            s += t;
        }
        break;
    case TQ_OR:
        for (int i = 0; i < q->nk; i++)
            if (bf_eval(c, q->kid[i], d, &t)) {
                m = 1;
                s += t;
            }
        break;
    case TQ_ANDNOT:
        m = bf_eval(c, q->kid[0], d, &s) && !bf_eval(c, q->kid[1], d, &t);
        break;
    case TQ_MSN:
        m = bf_eval(c, q->kid[0], d, &s) && !bf_eval(c, q->kid[2], d, &t);
        if (m && bf_eval(c, q->kid[1], d, &t)) s += t;
        break;
    case TQ_REQOPT: {
        double opt = 0;
        m = 1;
        for (int i = 0; i < q->nk && m; i++) {
            int has = bf_eval(c, q->kid[i], d, &t);
            if (i < q->nreq) {
                m = has;
                s += t;
            } else if (has) {
                opt += t;
            }
        }
        s += opt;
        break;
    }
    }
    *score = m ? s : 0;
    return m;
}

/* ------------------------------------------------------------------ query generation */

static tq df_pool[DF_QUERIES * 16];
static int df_pool_n;

static tq *tq_new(int kind)
{
    tq *q = &df_pool[df_pool_n++];
    memset(q, 0, sizeof *q);
    q->kind = kind;
    q->style = (int)df_below(3);
    return q;
}

static int df_word(void)
{
    /* Mostly words of middling frequency, sometimes rare or absent-from-some-segments ones. */
    const df_doc *d = &df_docs[df_below(DF_DOCS)];
    return df_below(5) ? d->toks[df_below(d->len)] : (int)df_below(DF_VOCAB);
}

static tq *df_gen_phrase(void)
{
    tq *q = tq_new(TQ_PHRASE);
    const df_doc *d;
    do
        d = &df_docs[df_below(DF_DOCS)];
    while (d->len < 5);
    q->slop = df_below(3) ? 0 : 1 + (int)df_below(3);
    q->nw = 2 + (int)df_below(2);
    int p = (int)df_below(d->len - 4);
    for (int i = 0; i < q->nw; i++)
        q->w[i] = d->toks[p + i * (q->slop ? 2 : 1)];
    if (q->slop && df_below(2)) {
        int t = q->w[0];
        q->w[0] = q->w[q->nw - 1];
        q->w[q->nw - 1] = t;
    }
    return q;
}

static tq *df_gen(int depth);

static tq *df_gen_leaf(void)
{
    uint32_t r = df_below(10);
    if (r < 6) {
        tq *q = tq_new(TQ_TERM);
        q->w[0] = df_word();
        return q;
    }
    if (r < 9) return df_gen_phrase();
    tq *q = tq_new(TQ_PREFIX);
    snprintf(q->prefix, sizeof q->prefix, "x%c", 'a' + (int)df_below(DF_VOCAB / 26 + 1));
    return q;
}

static tq *df_gen(int depth)
{
    uint32_t r = df_below(depth > 0 ? 10 : 4);
    if (r >= 4 || depth > 1) return df_gen_leaf();
    tq *q = tq_new(r == 0 ? TQ_AND : r == 1 ? TQ_OR : r == 2 ? TQ_ANDNOT : TQ_AND);
    q->nk = q->kind == TQ_ANDNOT ? 2 : 2 + (int)df_below(2);
    for (int i = 0; i < q->nk; i++)
        q->kid[i] = df_gen(depth + 1);
    return q;
}

static int df_only_phrases;  /* df_gen_query gives lone phrases (their pruned top-k) */
static int df_only_prefixes; /* ... lone prefixes (ORs of up to 26 words: term at a time) */
static int df_only_mixed;    /* df_gen_query gives ANDs of phrases and terms */

/* A leaf: a phrase or a frequent word. */
static tq *df_gen_leaf_word_or_phrase(void)
{
    if (df_below(2)) return df_gen_phrase();
    tq *q = tq_new(TQ_TERM);
    const df_doc *d = &df_docs[df_below(DF_DOCS)];
    q->w[0] = d->toks[df_below(d->len)];
    return q;
}

/* Required and optional words and phrases, flat: `+"a b" c "d e"` (bmw_phrase.c). */
static tq *df_gen_reqopt(int *default_or)
{
    tq *q = tq_new(TQ_REQOPT);
    *default_or = 1;
    q->nk = 2 + (int)df_below(3);
    q->nreq = 1 + (int)df_below((uint32_t)q->nk - 1);
    int words_only = df_below(2); /* reqopt.c; with a phrase, the exhaustive evaluator */
    for (int i = 0; i < q->nk; i++) {
        q->kid[i] = words_only ? tq_new(TQ_TERM) : df_gen_leaf_word_or_phrase();
        if (words_only) q->kid[i]->w[0] = df_word();
    }
    return q;
}

/* An AND of one or two phrases and one or two frequent words (bmw_phrase.c). */
static tq *df_gen_mixed(void)
{
    tq *q = tq_new(TQ_AND);
    q->nk = 2 + (int)df_below(3);
    for (int i = 0; i < q->nk; i++) {
        if (i == 0 || (i < 2 && df_below(2))) {
            q->kid[i] = df_gen_phrase();
        } else {
            q->kid[i] = tq_new(TQ_TERM);
            const df_doc *d = &df_docs[df_below(DF_DOCS)];
            q->kid[i]->w[0] = d->toks[df_below(d->len)];
        }
    }
    return q;
}

/* Top-level shapes: plain terms lists (the fast paths) and random trees. */
static tq *df_gen_query(int *default_or)
{
    uint32_t r = df_below(10);
    *default_or = 0;
    if (df_only_phrases) return df_gen_phrase();
    if (df_only_prefixes) {
        tq *q = tq_new(TQ_PREFIX);
        snprintf(q->prefix, sizeof q->prefix, "x%c", 'a' + (int)df_below(DF_VOCAB / 26 + 1));
        *default_or = (int)df_below(2);
        return q;
    }
    if (df_only_mixed) return df_below(2) ? df_gen_mixed() : df_gen_reqopt(default_or);
    if (r < 2 || r == 2) {
        tq *q = tq_new(r < 2 ? TQ_OR : TQ_AND);
        q->nk = 2 + (int)df_below(3);
        for (int i = 0; i < q->nk; i++) {
            q->kid[i] = tq_new(TQ_TERM);
            q->kid[i]->w[0] = df_word();
        }
        return q;
    }
    if (r == 3) {
        tq *q = tq_new(TQ_MSN);
        *default_or = 1;
        q->nk = 3;
        for (int i = 0; i < 3; i++)
            q->kid[i] = df_gen(1);
        return q;
    }
    return df_gen(r == 4 ? 2 : 0);
}

static int df_render_or; /* the query runs with default_or: write AND explicitly */

static void df_render(const tq *q, char *out, size_t cap)
{
    size_t n = strlen(out);
    switch (q->kind) {
    case TQ_TERM:
        snprintf(out + n, cap - n, "%s", df_words[q->w[0]]);
        return;
    case TQ_PHRASE:
        snprintf(out + n, cap - n, "\"");
        for (int i = 0; i < q->nw; i++) {
            n = strlen(out);
            snprintf(out + n, cap - n, "%s%s", i ? " " : "", df_words[q->w[i]]);
        }
        n = strlen(out);
        if (q->slop)
            snprintf(out + n, cap - n, "\"~%d", q->slop);
        else
            snprintf(out + n, cap - n, "\"");
        return;
    case TQ_PREFIX:
        snprintf(out + n, cap - n, "%s*", q->prefix);
        return;
    case TQ_AND:
    case TQ_OR:
        snprintf(out + n, cap - n, "(");
        for (int i = 0; i < q->nk; i++) {
            n = strlen(out);
            if (i)
                snprintf(out + n, cap - n,
                         q->kind == TQ_OR ? " OR "
                         : df_render_or   ? " AND "
                                          : " ");
            df_render(q->kid[i], out, cap);
        }
        n = strlen(out);
        snprintf(out + n, cap - n, ")");
        return;
    case TQ_ANDNOT:
        snprintf(out + n, cap - n, "(");
        df_render(q->kid[0], out, cap);
        n = strlen(out);
        snprintf(out + n, cap - n, "%s",
                 q->style == 0   ? " -"
                 : q->style == 1 ? " NOT "
                                 : " AND NOT ");
        df_render(q->kid[1], out, cap);
        n = strlen(out);
        snprintf(out + n, cap - n, ")");
        return;
    case TQ_REQOPT:
        for (int i = 0; i < q->nk; i++) {
            n = strlen(out);
            snprintf(out + n, cap - n, "%s%s", i ? " " : "", i < q->nreq ? "+" : "");
            df_render(q->kid[i], out, cap);
        }
        return;
    case TQ_MSN:
        snprintf(out + n, cap - n, "+");
        df_render(q->kid[0], out, cap);
        n = strlen(out);
        snprintf(out + n, cap - n, " ");
        df_render(q->kid[1], out, cap);
        n = strlen(out);
        snprintf(out + n, cap - n, " -");
        df_render(q->kid[2], out, cap);
        return;
    }
}

/* ------------------------------------------------------------------ comparison */

typedef struct bf_hit {
    int doc;
    double score;
    uint32_t date;
} bf_hit;

static int bf_by_date;

static int bf_cmp_hit(const void *a, const void *b)
{
    const bf_hit *x = a, *y = b;
    if (bf_by_date && x->date != y->date) return x->date > y->date ? -1 : 1;
    if (x->score != y->score) return x->score > y->score ? -1 : 1;
    return x->doc - y->doc;
}

static int bf_close(double a, double b)
{
    return fabs(a - b) <= 1e-6 * (fabs(a) > fabs(b) ? fabs(a) : fabs(b)) + 1e-12;
}

static uint32_t bf_from, bf_to;

/* All matches of q in scope (date filter bf_from/bf_to), ranked; returns their number. */
static int bf_run(const bf *c, const tq *q, bf_hit *out, double *score_of)
{
    int n = 0;
    for (int d = 0; d < c->n_docs; d++) {
        double s;
        score_of[d] = NAN;
        if (!bf_eval(c, q, &df_docs[d], &s)) continue;
        uint32_t dt = df_docs[d].date;
        if ((bf_from || bf_to) && (!dt || (bf_from && dt < bf_from) || (bf_to && dt > bf_to)))
            continue;
        score_of[d] = s;
        out[n++] = (bf_hit){d, s, dt};
    }
    qsort(out, (size_t)n, sizeof *out, bf_cmp_hit);
    return n;
}

/* Engine hits of the last run against the brute-force ranking: same scores rank by rank (1e-6
 * relative), and a different doc only where the brute force has a tie. */
static void df_check_ranked(trawl_search *s, const bf_hit *exp, int n_exp, const double *score_of,
                            uint32_t offset, uint32_t limit, const char *qs)
{
    int want = n_exp - (int)offset;
    want = want < 0 ? 0 : want > (int)limit ? (int)limit : want;
    trawl_hit h;
    int i = 0;
    for (; trawl_search_hit(s, (size_t)i, &h) == TRAWL_OK; i++) {
        const bf_hit *e = &exp[offset + (uint32_t)i];
        if (i >= want) fail_msg("query %s: extra hit %d", qs, i);
        double bs = score_of[h.doc];
        if (!bf_close(h.score, e->score) || isnan(bs) || !bf_close(bs, h.score) ||
            (bf_by_date && h.date != e->date) || ((int)h.doc != e->doc && !bf_close(bs, e->score)))
            fail_msg("query %s rank %d: got doc %llu score %.9f date %u, want doc %d score %.9f "
                     "date %u (brute score of got: %.9f)",
                     qs, i + (int)offset, (unsigned long long)h.doc, h.score, h.date, e->doc,
                     e->score, e->date, bs);
    }
    if (i != want) fail_msg("query %s: %d hits, want %d", qs, i, want);
}

/* Hits of two runs must be identical (pruned vs exhaustive: same algorithm output bits). */
typedef struct df_snap {
    size_t n;
    trawl_hit h[10];
} df_snap;

static void df_snap_take(const trawl_search *s, df_snap *sn)
{
    for (sn->n = 0; sn->n < 10 && trawl_search_hit(s, sn->n, &sn->h[sn->n]) == TRAWL_OK; sn->n++)
        ;
}

static void df_snap_equal(const df_snap *a, const df_snap *b, size_t skip, const char *qs,
                          const char *what)
{
    if (a->n - (a->n > skip ? skip : a->n) != b->n && !(a->n <= skip && b->n == 0))
        fail_msg("query %s: %s: %zu vs %zu hits", qs, what, a->n, b->n);
    for (size_t i = 0; i < b->n; i++)
        if (a->h[i + skip].doc != b->h[i].doc ||
            fabs(a->h[i + skip].score - b->h[i].score) > 1e-12 * fabs(b->h[i].score))
            fail_msg("query %s: %s: rank %zu doc %llu %.12f vs doc %llu %.12f", qs, what, i,
                     (unsigned long long)a->h[i + skip].doc, a->h[i + skip].score,
                     (unsigned long long)b->h[i].doc, b->h[i].score);
}

static void df_check_explain(trawl_search *s, const char *qs)
{
    trawl_hit h;
    for (size_t i = 0; trawl_search_hit(s, i, &h) == TRAWL_OK; i++) {
        const trawl_explain *ex;
        size_t n;
        uint32_t dl;
        assert_int_equal(trawl_search_explain(s, i, &ex, &n, &dl), TRAWL_OK);
        double sum = 0;
        for (size_t k = 0; k < n; k++)
            sum += ex[k].score;
        if (!bf_close(sum, h.score) || dl != df_docs[h.doc].len)
            fail_msg("query %s: explain of hit %zu sums to %.9f, score %.9f", qs, i, sum, h.score);
    }
}

typedef struct df_stats {
    int algo_ms, algo_bmw, algo_ex, algo_phrase, phrase_pruned, algo_mixed, mixed_pruned;
    int algo_reqopt, reqopt_pruned, algo_taat;
    int matched, pruned;
} df_stats;

static void df_run_one(trawl_search *s, const bf *c, tq *q, int default_or, int qi, df_stats *st)
{
    static bf_hit exp[DF_DOCS];
    static double score_of[DF_DOCS];
    char qs[1024] = "";
    trawl_options o;
    df_snap pruned, exact, page, ref;
    df_render_or = default_or;
    df_render(q, qs, sizeof qs);
    bf_from = bf_to = 0;
    if (qi % 7 == 3) {
        bf_from = 20240301;
        bf_to = 20240831;
        size_t n = strlen(qs);
        snprintf(qs + n, sizeof qs - n, " date:2024-03-01..2024-08-31");
    }
    bf_by_date = 0;
    int n_exp = bf_run(c, q, exp, score_of);
    trawl_options_init(&o);
    o.default_or = default_or;
    int rc = trawl_search_run(s, qs, &o);
    if (rc != TRAWL_OK)
        fail_msg("query %s: %s: %s", qs, trawl_strerror(rc), trawl_search_errmsg(s));
    const char *algo = search_algo(s);
    st->algo_ms += strcmp(algo, "maxscore") == 0;
    st->algo_bmw += strcmp(algo, "block-max-and") == 0;
    st->algo_ex += strcmp(algo, "exhaustive") == 0;
    st->algo_phrase += strcmp(algo, "phrase-block-max") == 0;
    st->phrase_pruned += strcmp(algo, "phrase-block-max") == 0 && !trawl_search_count_is_exact(s);
    st->algo_mixed += strcmp(algo, "block-max-and-phrase") == 0;
    st->algo_reqopt += strcmp(algo, "req-opt-maxscore") == 0;
    st->algo_taat += strcmp(algo, "term-at-a-time") == 0;
    st->reqopt_pruned += strcmp(algo, "req-opt-maxscore") == 0 && !trawl_search_count_is_exact(s);
    st->mixed_pruned +=
        strcmp(algo, "block-max-and-phrase") == 0 && !trawl_search_count_is_exact(s);
    st->matched += n_exp > 0;
    st->pruned += !trawl_search_count_is_exact(s);
    df_check_ranked(s, exp, n_exp, score_of, 0, 10, qs);
    if (trawl_search_count(s) > (uint64_t)n_exp ||
        (trawl_search_count_is_exact(s) && trawl_search_count(s) != (uint64_t)n_exp))
        fail_msg("query %s: pruned count %llu (exact %d) vs %d", qs,
                 (unsigned long long)trawl_search_count(s), trawl_search_count_is_exact(s), n_exp);
    df_snap_take(s, &pruned);

    o.exact_count = 1;
    o.explain = qi % 3 == 0;
    assert_int_equal(trawl_search_run(s, qs, &o), TRAWL_OK);
    assert_int_equal(trawl_search_count(s), n_exp);
    assert_true(trawl_search_count_is_exact(s));
    df_snap_take(s, &exact);
    df_snap_equal(&exact, &pruned, 0, qs, "pruned vs exact count");

    /* The reference evaluator (cursor tree, no pruning) gives the same bits as the fast paths. */
    trawl_options_init(&o);
    o.default_or = default_or;
    search_force_exhaustive(s, 1);
    assert_int_equal(trawl_search_run(s, qs, &o), TRAWL_OK);
    assert_string_equal(search_algo(s), "exhaustive");
    assert_int_equal(trawl_search_count(s), n_exp);
    df_snap_take(s, &ref);
    df_snap_equal(&ref, &pruned, 0, qs, "pruned vs exhaustive evaluator");
    search_force_exhaustive(s, 0);
    if (o.explain) df_check_explain(s, qs);

    trawl_options_init(&o);
    o.default_or = default_or;
    o.count_only = 1;
    assert_int_equal(trawl_search_run(s, qs, &o), TRAWL_OK);
    assert_int_equal(trawl_search_count(s), n_exp);

    trawl_options_init(&o);
    o.default_or = default_or;
    o.offset = 5;
    o.limit = 5;
    assert_int_equal(trawl_search_run(s, qs, &o), TRAWL_OK);
    df_snap_take(s, &page);
    df_snap_equal(&pruned, &page, 5, qs, "offset 5 limit 5");

    if (qi % 5 == 0) {
        /* The whole matching set, exactly. */
        trawl_options_init(&o);
        o.default_or = default_or;
        o.limit = DF_DOCS;
        o.exact_count = 1;
        assert_int_equal(trawl_search_run(s, qs, &o), TRAWL_OK);
        df_check_ranked(s, exp, n_exp, score_of, 0, DF_DOCS, qs);
    }
    if (qi % 4 == 1) {
        bf_by_date = 1;
        qsort(exp, (size_t)n_exp, sizeof *exp, bf_cmp_hit);
        trawl_options_init(&o);
        o.default_or = default_or;
        o.sort = TRAWL_SORT_DATE;
        o.offset = 2;
        assert_int_equal(trawl_search_run(s, qs, &o), TRAWL_OK);
        df_check_ranked(s, exp, n_exp, score_of, 2, 10, qs);
        bf_by_date = 0;
    }
}

/* ------------------------------------------------------------------ tests */

static void df_count_df(int scope, int n_docs)
{
    for (int d = 0; d < n_docs; d++) {
        uint8_t seen[DF_VOCAB] = {0};
        for (uint32_t p = 0; p < df_docs[d].len; p++)
            if (!seen[df_docs[d].toks[p]]++) df_word_df[scope][df_docs[d].toks[p]]++;
    }
}

static int df_setup(void **state)
{
    (void)state;
    const char *env = getenv("TRAWL_TEST_SEED");
    uint64_t seed = env ? strtoull(env, NULL, 10) : 20261123;
    printf("test_differential: seed %llu (set TRAWL_TEST_SEED to replay)\n",
           (unsigned long long)seed);
    df_rng = seed * 2654435761u + 1;
    df_make_words();
    df_make_docs();
    df_count_df(0, DF_DOCS);
    df_count_df(1, DF_SPLIT_B);
    snprintf(df_root, sizeof df_root, "/tmp/trawl-diff-XXXXXX");
    if (!mkdtemp(df_root)) return -1;
    char a[300], b[300];
    snprintf(a, sizeof a, "%s/a", df_root);
    snprintf(b, sizeof b, "%s/b", df_root);
    int ba[] = {0, DF_SPLIT_A, DF_SPLIT_B}, bb[] = {DF_SPLIT_B, DF_DOCS};
    df_write_dir(a, ba, 2, 1);
    df_write_dir(b, bb, 1, 1);
    return 0;
}

static int df_teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", df_root);
    return system(cmd) == 0 ? 0 : -1;
}

static void df_open(trawl_index **idx, int both)
{
    char a[300], b[300], eb[512];
    snprintf(a, sizeof a, "%s/a", df_root);
    snprintf(b, sizeof b, "%s/b", df_root);
    const char *dirs[] = {a, b};
    int rc = trawl_index_open(idx, dirs, both ? 2 : 1, eb, sizeof eb);
    if (rc != TRAWL_OK) fail_msg("open: %s: %s", trawl_strerror(rc), eb);
}

static void df_queries(int both, int n_queries, df_stats *st)
{
    trawl_index *idx;
    trawl_search *s;
    bf c = {.n_docs = both ? DF_DOCS : DF_SPLIT_B, .scope = both ? 0 : 1, .k1 = 1.2, .b = 0.75};
    uint64_t tokens = 0;
    for (int d = 0; d < c.n_docs; d++)
        tokens += df_docs[d].len;
    c.avgdl = (double)tokens / c.n_docs;
    df_open(&idx, both);
    trawl_stats ts;
    trawl_index_stats(idx, &ts);
    assert_int_equal(ts.n_docs, c.n_docs);
    assert_int_equal(ts.total_tokens, tokens);
    assert_int_equal(ts.n_segments, both ? 3 : 2);
    assert_int_equal(trawl_search_new(&s, idx), TRAWL_OK);
    for (int qi = 0; qi < n_queries; qi++) {
        int default_or;
        df_pool_n = 0;
        tq *q = df_gen_query(&default_or);
        df_run_one(s, &c, q, default_or, qi, st);
    }
    trawl_search_free(s);
    trawl_index_close(idx);
}

static void test_random_queries_two_dirs(void **state)
{
    (void)state;
    df_stats st = {0};
    df_queries(1, DF_QUERIES, &st);
    printf("test_differential: %d queries: maxscore %d, block-max %d, term at a time %d, "
           "exhaustive %d, phrase %d (%d pruned), with matches %d, pruned counts %d\n",
           DF_QUERIES, st.algo_ms, st.algo_bmw, st.algo_taat, st.algo_ex, st.algo_phrase,
           st.phrase_pruned, st.matched, st.pruned);
    /* The fast paths really ran (so the comparisons above covered them). */
    assert_true(st.algo_ms >= 20);
    assert_true(st.algo_bmw >= 20);
    assert_true(st.algo_ex >= 20);

    assert_true(st.matched >= DF_QUERIES / 2);
    assert_true(st.pruned >= 5);
}

/* Lone phrases, whose top-k passes over what their terms' bounds rule out: the same hits,
 * scores and counts as the exhaustive evaluator and the brute force. */
static void test_random_phrases(void **state)
{
    (void)state;
    df_stats st = {0};
    df_only_phrases = 1;
    df_queries(1, DF_QUERIES, &st);
    df_only_phrases = 0;
    printf("test_differential: %d phrases: %d pruned, with matches %d\n", DF_QUERIES,
           st.phrase_pruned, st.matched);
    assert_true(st.algo_phrase >= DF_QUERIES * 9 / 10); /* the rest lack a term somewhere */
    assert_true(st.phrase_pruned >= 20);
}

/* Lone prefixes, ORs of 10 to 26 words: mostly term at a time (taat.c), the same hits, scores
 * and counts as the exhaustive evaluator and the brute force. */
static void test_random_prefixes(void **state)
{
    (void)state;
    df_stats st = {0};
    df_only_prefixes = 1;
    df_queries(1, DF_QUERIES / 2, &st);
    df_only_prefixes = 0;
    printf("test_differential: %d prefixes: term at a time %d, maxscore %d, with matches %d\n",
           DF_QUERIES / 2, st.algo_taat, st.algo_ms, st.matched);
    assert_true(st.algo_taat >= DF_QUERIES / 2 * 3 / 4); /* x[a-o]*: 26 words; xp*: 10 */
    assert_true(st.algo_ms >= 1);
}

/* ANDs of phrases and terms, whose top-k skips windows and candidates on their bounds before
 * reading positions, and required with optional phrases and terms (the exhaustive evaluator):
 * the same hits, scores and counts as the exhaustive evaluator and brute force. */
static void test_random_mixed(void **state)
{
    (void)state;
    df_stats st = {0};
    df_only_mixed = 1;
    df_queries(1, DF_QUERIES, &st);
    df_only_mixed = 0;
    printf("test_differential: %d ANDs and required + optional clauses of phrases and terms: %d "
           "by block-max (%d pruned), %d by required + optional MaxScore (%d pruned), with "
           "matches %d\n",
           DF_QUERIES, st.algo_mixed, st.mixed_pruned, st.algo_reqopt, st.reqopt_pruned,
           st.matched);
    assert_true(st.algo_mixed >= DF_QUERIES / 4); /* the ANDs; the rest is exhaustive */
    assert_true(st.mixed_pruned >= 5);
    assert_true(st.algo_reqopt >= DF_QUERIES / 8);
    assert_true(st.reqopt_pruned >= 5);
}

static void test_random_queries_one_dir(void **state)
{
    (void)state;
    df_stats st = {0};
    df_queries(0, DF_QUERIES / 4, &st);
}

/* ------------------------------------------------------------------ proximity */

/* BM25TP of doc d for the bag q (TQ_OR / TQ_AND of terms, or TQ_MSN whose must and should are
 * such): the doc's tokens in order are the merged positions of the query words, so a walk
 * over them with the last query word seen gives every adjacent pair. */
static double bf_prox(const bf *c, const tq *q, const df_doc *d, double lambda)
{
    int words[16], nw = 0;
    double qw[16] = {0}, acc[16] = {0}, idf[16];
    const tq *parts[2] = {q, NULL};
    if (q->kind == TQ_MSN) parts[0] = q->kid[0], parts[1] = q->kid[1];
    for (int pi = 0; pi < 2 && parts[pi]; pi++) {
        const tq *b = parts[pi];
        int nk = b->kind == TQ_TERM ? 1 : b->nk;
        for (int i = 0; i < nk; i++) {
            int w = b->kind == TQ_TERM ? b->w[0] : b->kid[i]->w[0], g = 0;
            while (g < nw && words[g] != w)
                g++;
            if (g == nw) words[nw++] = w;
            qw[g] += 1;
        }
    }
    for (int g = 0; g < nw; g++)
        idf[g] = log(1.0 + ((double)c->n_docs - df_word_df[c->scope][words[g]] + 0.5) /
                               (df_word_df[c->scope][words[g]] + 0.5));
    int last = -1, last_pos = 0;
    for (uint32_t p = 0; p < d->len; p++) {
        int g = 0;
        while (g < nw && words[g] != d->toks[p])
            g++;
        if (g == nw) continue;
        if (last >= 0 && last != g) {
            double dist = p - last_pos;
            acc[last] += idf[g] / (dist * dist);
            acc[g] += idf[last] / (dist * dist);
        }
        last = g;
        last_pos = (int)p;
    }
    double norm = c->k1 * (1.0 - c->b + c->b * (double)d->len / c->avgdl), s = 0;
    for (int g = 0; g < nw; g++)
        if (acc[g] > 0)
            s +=
                lambda * qw[g] * (idf[g] < 1 ? idf[g] : 1) * acc[g] * (c->k1 + 1) / (acc[g] + norm);
    return nw >= 2 ? s : 0;
}

/* A bag of 2-4 words (repeats allowed), as OR, AND, or +must should -not in OR mode. */
static tq *df_gen_bag(int *default_or)
{
    uint32_t r = df_below(3);
    tq *q = tq_new(r == 2 ? TQ_MSN : r ? TQ_AND : TQ_OR);
    *default_or = r == 2;
    if (r == 2) {
        q->nk = 3;
        q->kid[0] = tq_new(TQ_TERM);
        q->kid[0]->w[0] = df_word();
        q->kid[1] = tq_new(TQ_OR);
        q->kid[1]->nk = 1 + (int)df_below(2);
        for (int i = 0; i < q->kid[1]->nk; i++) {
            q->kid[1]->kid[i] = tq_new(TQ_TERM);
            q->kid[1]->kid[i]->w[0] = df_word();
        }
        q->kid[2] = tq_new(TQ_TERM);
        q->kid[2]->w[0] = df_word();
        return q;
    }
    q->nk = 2 + (int)df_below(3);
    for (int i = 0; i < q->nk; i++) {
        q->kid[i] = tq_new(TQ_TERM);
        q->kid[i]->w[0] = i && !df_below(6) ? q->kid[0]->w[0] : df_word();
    }
    return q;
}

/* One bag with the proximity part: brute force, pruned and exhaustive agree. */
static void df_run_prox(trawl_search *s, const bf *c, tq *q, int default_or, double lambda,
                        df_stats *st)
{
    static bf_hit exp[DF_DOCS];
    static double score_of[DF_DOCS];
    char qs[1024] = "";
    trawl_options o;
    df_snap pruned, ref;
    df_render_or = default_or;
    if (q->kind == TQ_MSN) {
        /* +a (b c) -x: the should group is rendered bare in OR mode */
        snprintf(qs, sizeof qs, "+%s", df_words[q->kid[0]->w[0]]);
        for (int i = 0; i < q->kid[1]->nk; i++) {
            size_t n = strlen(qs);
            snprintf(qs + n, sizeof qs - n, " %s", df_words[q->kid[1]->kid[i]->w[0]]);
        }
        size_t n = strlen(qs);
        snprintf(qs + n, sizeof qs - n, " -%s", df_words[q->kid[2]->w[0]]);
    } else {
        df_render(q, qs, sizeof qs);
    }
    bf_from = bf_to = 0;
    bf_by_date = 0;
    int n_exp = bf_run(c, q, exp, score_of);
    for (int i = 0; i < n_exp; i++) {
        exp[i].score += bf_prox(c, q, &df_docs[exp[i].doc], lambda);
        score_of[exp[i].doc] = exp[i].score;
    }
    qsort(exp, (size_t)n_exp, sizeof *exp, bf_cmp_hit);
    trawl_options_init(&o);
    o.default_or = default_or;
    o.proximity = 1;
    o.proximity_weight = lambda;
    if (trawl_search_run(s, qs, &o) != TRAWL_OK)
        fail_msg("query %s: %s", qs, trawl_search_errmsg(s));
    const char *algo = search_algo(s);
    st->algo_ms += strcmp(algo, "maxscore") == 0;
    st->algo_bmw += strcmp(algo, "block-max-and") == 0;
    st->algo_ex += strcmp(algo, "exhaustive") == 0;
    st->pruned += !trawl_search_count_is_exact(s);
    st->matched += n_exp > 0;
    df_check_ranked(s, exp, n_exp, score_of, 0, 10, qs);
    df_snap_take(s, &pruned);
    search_force_exhaustive(s, 1);
    o.explain = 1;
    assert_int_equal(trawl_search_run(s, qs, &o), TRAWL_OK);
    df_snap_take(s, &ref);
    df_snap_equal(&ref, &pruned, 0, qs, "proximity: pruned vs exhaustive evaluator");
    df_check_explain(s, qs);
    search_force_exhaustive(s, 0);
}

/* The proximity part's bounds keep MaxScore and block-max AND exact: every bag of words gives
 * the exhaustive evaluator's hits, and both the brute force's. */
static void test_random_queries_proximity(void **state)
{
    (void)state;
    static const double lambdas[] = {1.0, 0.3, 5.0};
    trawl_index *idx;
    trawl_search *s;
    df_stats st = {0};
    bf c = {.n_docs = DF_DOCS, .scope = 0, .k1 = 1.2, .b = 0.75};
    uint64_t tokens = 0;
    for (int d = 0; d < DF_DOCS; d++)
        tokens += df_docs[d].len;
    c.avgdl = (double)tokens / c.n_docs;
    df_open(&idx, 1);
    assert_int_equal(trawl_search_new(&s, idx), TRAWL_OK);
    for (int qi = 0; qi < DF_QUERIES; qi++) {
        int default_or;
        df_pool_n = 0;
        tq *q = df_gen_bag(&default_or);
        df_run_prox(s, &c, q, default_or, lambdas[qi % 3], &st);
    }
    printf("test_differential: %d bags with proximity: maxscore %d, block-max %d, exhaustive "
           "%d, with matches %d, pruned counts %d\n",
           DF_QUERIES, st.algo_ms, st.algo_bmw, st.algo_ex, st.matched, st.pruned);
    assert_true(st.algo_ms >= 40 && st.algo_bmw >= 40 && st.algo_ex >= 40);
    assert_true(st.pruned >= 20);
    trawl_search_free(s);
    trawl_index_close(idx);
}

static void test_prefix_limit(void **state)
{
    (void)state;
    trawl_index *idx;
    trawl_search *s;
    trawl_options o;
    df_open(&idx, 1);
    assert_int_equal(trawl_search_new(&s, idx), TRAWL_OK);
    trawl_options_init(&o);
    o.max_expansions = 3;
    assert_int_equal(trawl_search_run(s, "xb*", &o), TRAWL_ELIMIT);
    assert_string_equal(trawl_search_errmsg(s), "prefix 'xb*' matches more than 3 terms");
    o.max_expansions = 26;
    assert_int_equal(trawl_search_run(s, "xb*", &o), TRAWL_OK);
    assert_int_equal(trawl_search_run(s, "qq*", &o), TRAWL_OK);
    assert_int_equal(trawl_search_count(s), 0);
    o.k1 = -1;
    assert_int_equal(trawl_search_run(s, "xb*", &o), TRAWL_EARG);
    assert_int_equal(trawl_search_run(s, "(xba", NULL), TRAWL_EQUERY);
    assert_true(trawl_search_error_column(s) > 0);
    trawl_search_free(s);
    trawl_index_close(idx);
}

static void test_mixed_analyzers(void **state)
{
    (void)state;
    char a[300], c[300], eb[512];
    manifest m;
    err e;
    trawl_index *idx;
    err_init(&e);
    snprintf(a, sizeof a, "%s/a", df_root);
    snprintf(c, sizeof c, "%s/c", df_root);
    assert_int_equal(fsx_mkdir(c, &e), TRAWL_OK);
    manifest_init(&m);
    snprintf(m.language, sizeof m.language, "english");
    m.max_token_len = 64;
    assert_int_equal(manifest_write(&m, c, &e), TRAWL_OK);
    manifest_free(&m);
    const char *dirs[] = {a, c};
    assert_int_equal(trawl_index_open(&idx, dirs, 2, eb, sizeof eb), TRAWL_EARG);
    assert_null(idx);
    assert_non_null(strstr(eb, "analyzer"));
    assert_non_null(strstr(eb, "english"));
    /* Alone, the empty index opens and finds nothing. */
    trawl_search *s;
    assert_int_equal(trawl_index_open(&idx, dirs + 1, 1, eb, sizeof eb), TRAWL_OK);
    assert_int_equal(trawl_search_new(&s, idx), TRAWL_OK);
    assert_int_equal(trawl_search_run(s, "xaa OR \"xab xac\"", NULL), TRAWL_OK);
    assert_int_equal(trawl_search_count(s), 0);
    trawl_search_free(s);
    trawl_index_close(idx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_queries_two_dirs),
        cmocka_unit_test(test_random_phrases),
        cmocka_unit_test(test_random_prefixes),
        cmocka_unit_test(test_random_mixed),
        cmocka_unit_test(test_random_queries_one_dir),
        cmocka_unit_test(test_random_queries_proximity),
        cmocka_unit_test(test_prefix_limit),
        cmocka_unit_test(test_mixed_analyzers),
    };
    return cmocka_run_group_tests(tests, df_setup, df_teardown);
}
