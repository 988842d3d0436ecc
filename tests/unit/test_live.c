/* Differential test of the live index: random sequences of add, update, delete, commit, merge
 * and reopen through the index writer (fixed seed, printed; override with TRAWL_TEST_SEED),
 * with a small merge factor so the policy merges and reclaims deletions often. After every
 * commit the index is searched with random queries (term, AND, OR, NOT, exact phrase, prefix)
 * and checked against a brute-force model of the live documents: matching sets and counts
 * exact, and the top 10 scores equal to BM25 over the live documents alone (the statistics are
 * exact, so they are also a fresh build's). A handle opened before a commit keeps answering
 * from its generation; trawl_index_reopen moves to the new one. At the end the index is merged
 * into one segment and its hits, ids and scores bit for bit, equal a fresh build of the same
 * live documents. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "search.h"
#include "testutil.h"
#include "trawl.h"
#include "writer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LV_IDS     400 /* identities drawn from */
#define LV_VOCAB   60
#define LV_MAXLEN  40
#define LV_STEPS   40 /* commits */
#define LV_QUERIES 40 /* per check */

typedef struct lv_doc {
    int live;
    uint16_t toks[LV_MAXLEN];
    uint32_t len;
} lv_doc;

static uint64_t lv_rng;
static lv_doc lv_docs[LV_IDS];
static char lv_dir[128];

static uint64_t lv_rand(void)
{
    return tu_rand(&lv_rng);
}

static uint32_t lv_below(uint32_t n)
{
    return (uint32_t)(lv_rand() % n);
}

static void lv_word(int w, char *out)
{
    sprintf(out, "w%c%c", 'a' + w / 10, 'a' + w % 10);
}

/* A Zipf-ish word: small ids are frequent. */
static int lv_draw_word(void)
{
    uint32_t r = lv_below(LV_VOCAB);
    return (int)(r * r / LV_VOCAB);
}

static void lv_fill(lv_doc *d)
{
    d->len = 1 + lv_below(LV_MAXLEN);
    for (uint32_t p = 0; p < d->len; p++)
        d->toks[p] = (uint16_t)lv_draw_word();
}

static size_t lv_text(const lv_doc *d, char *out)
{
    size_t n = 0;
    for (uint32_t p = 0; p < d->len; p++) {
        char w[8];
        lv_word(d->toks[p], w);
        n += (size_t)sprintf(out + n, "%s%s", p ? " " : "", w);
    }
    return n;
}

/* ------------------------------------------------------------------ writer side */

static err lv_err; /* the writer reports into it for its whole life */

static iw *lv_open_writer(const char *dir, unsigned ratio, int no_merge)
{
    iw_opts o = {.dir = dir, .language = "none", .threads = 1, .no_merge = no_merge};
    iw *w;
    err *e = &lv_err;
    err_init(e);
    policy_defaults(&o.policy);
    o.policy.ratio = ratio;
    o.policy.floor_bytes = 1; /* every segment in the size levels: merges happen at this size */
    if (iw_open(&w, &o, e) != TRAWL_OK) fail_msg("iw_open: %s", e->msg);
    return w;
}

static void lv_put(iw *w, int id)
{
    char ids[16], text[LV_MAXLEN * 4];
    int il = sprintf(ids, "d%03d", id);
    size_t tl = lv_text(&lv_docs[id], text);
    iw_doc d = {0, ids, (size_t)il, 0, text, tl, tl, 0, (uint64_t)id * 7919 + lv_rand()};
    assert_int_equal(iw_add(w, &d, NULL), TRAWL_OK);
}

/* One random change to the model and the writer. */
static void lv_change(iw *w)
{
    int id = (int)lv_below(LV_IDS);
    char ids[16];
    int il = sprintf(ids, "d%03d", id);
    if (lv_docs[id].live && lv_below(3) == 0) {
        assert_int_equal(iw_delete(w, 0, ids, (size_t)il), 1);
        lv_docs[id].live = 0;
        return;
    }
    if (!lv_docs[id].live && lv_below(4) == 0) { /* deleting what is not there: a no-op */
        assert_int_equal(iw_delete(w, 0, ids, (size_t)il), 0);
        return;
    }
    lv_fill(&lv_docs[id]);
    lv_docs[id].live = 1;
    lv_put(w, id);
}

/* ------------------------------------------------------------------ brute force */

enum { LQ_TERM, LQ_AND, LQ_OR, LQ_NOT, LQ_PHRASE, LQ_PREFIX };

typedef struct lq {
    int kind;
    int w[3];
    int nw;
    char text[64];
} lq;

static uint32_t lv_tf(const lv_doc *d, int w)
{
    uint32_t tf = 0;
    for (uint32_t p = 0; p < d->len; p++)
        tf += d->toks[p] == w;
    return tf;
}

static uint32_t lv_phrase_tf(const lv_doc *d, const lq *q)
{
    uint32_t m = 0;
    for (int p = 0; p + q->nw <= (int)d->len; p++) {
        int i = 0;
        while (i < q->nw && d->toks[p + i] == q->w[i])
            i++;
        m += i == q->nw;
    }
    return m;
}

typedef struct lv_stats {
    double n, avgdl;
    uint32_t df[LV_VOCAB];
} lv_stats;

static double lv_idf(const lv_stats *st, uint64_t df)
{
    return log(1.0 + (st->n - (double)df + 0.5) / ((double)df + 0.5));
}

static double lv_bm25_idf(const lv_stats *st, double idf, uint32_t tf, uint32_t dl)
{
    double norm = 1.2 * (1.0 - 0.75 + 0.75 * (double)dl / st->avgdl);
    return idf * tf * 2.2 / (tf + norm);
}

static double lv_bm25(const lv_stats *st, uint64_t df, uint32_t tf, uint32_t dl)
{
    return lv_bm25_idf(st, lv_idf(st, df), tf, dl);
}

static void lv_collect(lv_stats *st)
{
    uint64_t tokens = 0;
    memset(st, 0, sizeof *st);
    for (int i = 0; i < LV_IDS; i++) {
        const lv_doc *d = &lv_docs[i];
        if (!d->live) continue;
        st->n++;
        tokens += d->len;
        for (int w = 0; w < LV_VOCAB; w++)
            st->df[w] += lv_tf(d, w) > 0;
    }
    st->avgdl = st->n ? (double)tokens / st->n : 1.0;
}

/* 1 if doc d matches q, with its score. */
static int lv_eval(const lv_stats *st, const lq *q, const lv_doc *d, double *s)
{
    uint32_t tf, tf2;
    *s = 0;
    switch (q->kind) {
    case LQ_TERM:
        if (!(tf = lv_tf(d, q->w[0]))) return 0;
        *s = lv_bm25(st, st->df[q->w[0]], tf, d->len);
        return 1;
    case LQ_AND:
    case LQ_OR: {
        int all = 1, any = 0;
        for (int i = 0; i < q->nw; i++) {
            tf = lv_tf(d, q->w[i]);
            all &= tf > 0;
            any |= tf > 0;
            if (tf) *s += lv_bm25(st, st->df[q->w[i]], tf, d->len);
        }
        return q->kind == LQ_AND ? all : any;
    }
    case LQ_NOT:
        tf = lv_tf(d, q->w[0]);
        tf2 = lv_tf(d, q->w[1]);
        if (!tf || tf2) return 0;
        *s = lv_bm25(st, st->df[q->w[0]], tf, d->len);
        return 1;
    case LQ_PHRASE: { /* idf: the sum of its words' live idf, as Lucene's PhraseQuery */
        double idf = 0;
        if (!(tf = lv_phrase_tf(d, q))) return 0;
        for (int i = 0; i < q->nw; i++)
            idf += lv_idf(st, st->df[q->w[i]]);
        *s = lv_bm25_idf(st, idf, tf, d->len);
        return 1;
    }
    case LQ_PREFIX: { /* every expansion weighed by the largest live df among them */
        int m = 0;
        uint32_t df = 0;
        for (int w = q->w[0] * 10; w < q->w[0] * 10 + 10 && w < LV_VOCAB; w++)
            df = st->df[w] > df ? st->df[w] : df;
        for (int w = q->w[0] * 10; w < q->w[0] * 10 + 10 && w < LV_VOCAB; w++)
            if ((tf = lv_tf(d, w))) {
                *s += lv_bm25(st, df, tf, d->len);
                m = 1;
            }
        return m;
    }
    }
    return 0;
}

static void lv_gen(lq *q)
{
    char a[8], b[8], c[8];
    q->kind = (int)lv_below(6);
    q->nw = q->kind == LQ_AND || q->kind == LQ_OR ? 2 + (int)lv_below(2) : 2;
    for (int i = 0; i < 3; i++)
        q->w[i] = lv_draw_word();
    lv_word(q->w[0], a);
    lv_word(q->w[1], b);
    lv_word(q->w[2], c);
    switch (q->kind) {
    case LQ_TERM:
        snprintf(q->text, sizeof q->text, "%s", a);
        break;
    case LQ_AND:
        snprintf(q->text, sizeof q->text, "%s %s%s%s", a, b, q->nw == 3 ? " " : "",
                 q->nw == 3 ? c : "");
        break;
    case LQ_OR:
        snprintf(q->text, sizeof q->text, "%s OR %s%s%s", a, b, q->nw == 3 ? " OR " : "",
                 q->nw == 3 ? c : "");
        break;
    case LQ_NOT:
        snprintf(q->text, sizeof q->text, "%s -%s", a, b);
        break;
    case LQ_PHRASE:
        snprintf(q->text, sizeof q->text, "\"%s %s\"", a, b);
        break;
    case LQ_PREFIX:
        q->w[0] = (int)lv_below(LV_VOCAB / 10);
        snprintf(q->text, sizeof q->text, "w%c*", 'a' + q->w[0]);
        break;
    }
}

/* ------------------------------------------------------------------ checks */

static int lv_cmp_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

/* The top-10 scores of the last run on s are want[0..n) (at most 10), in order, each a live
 * match of q scoring what the model says. */
static void lv_check_top(trawl_search *s, const lq *q, const lv_stats *st, const double *want,
                         int n)
{
    trawl_hit h;
    for (int i = 0; i < n && i < 10; i++) {
        assert_int_equal(trawl_search_hit(s, (size_t)i, &h), TRAWL_OK);
        int id = atoi(h.id + 1);
        double mine;
        if (h.id_len != 4 || !lv_docs[id].live || !lv_eval(st, q, &lv_docs[id], &mine))
            fail_msg("%s: hit %d is %.*s, not a live match", q->text, i, (int)h.id_len, h.id);
        if (fabs(h.score - want[i]) > 1e-9 * want[i] || fabs(mine - h.score) > 1e-9 * mine)
            fail_msg("%s: hit %d scores %.12f, model %.12f", q->text, i, h.score, want[i]);
    }
}

/* One query against the model: exact count, and the top-10 scores in order, counted exactly
 * and pruned. */
static void lv_check_query(trawl_search *s, const lq *q)
{
    lv_stats st;
    double want[LV_IDS];
    int n = 0;
    lv_collect(&st);
    for (int i = 0; i < LV_IDS; i++)
        if (lv_docs[i].live && lv_eval(&st, q, &lv_docs[i], &want[n])) n++;
    qsort(want, (size_t)n, sizeof *want, lv_cmp_desc);
    trawl_options o;
    trawl_options_init(&o);
    o.exact_count = 1;
    if (trawl_search_run(s, q->text, &o) != TRAWL_OK)
        fail_msg("%s: %s", q->text, trawl_search_errmsg(s));
    if (trawl_search_count(s) != (uint64_t)n)
        fail_msg("%s: count %llu, live model %d", q->text,
                 (unsigned long long)trawl_search_count(s), n);
    lv_check_top(s, q, &st, want, n);
    o.exact_count = 0;
    assert_int_equal(trawl_search_run(s, q->text, &o), TRAWL_OK);
    lv_check_top(s, q, &st, want, n);
    o.count_only = 1;
    assert_int_equal(trawl_search_run(s, q->text, &o), TRAWL_OK);
    if (trawl_search_count(s) != (uint64_t)n)
        fail_msg("%s: count-only %llu, model %d", q->text,
                 (unsigned long long)trawl_search_count(s), n);
}

static void lv_check(trawl_index *idx)
{
    trawl_search *s;
    trawl_stats st;
    uint64_t live = 0;
    for (int i = 0; i < LV_IDS; i++)
        live += lv_docs[i].live;
    trawl_index_stats(idx, &st);
    assert_int_equal(st.n_docs, live);
    assert_int_equal(trawl_search_new(&s, idx), TRAWL_OK);
    for (int k = 0; k < LV_QUERIES; k++) {
        lq q;
        lv_gen(&q);
        lv_check_query(s, &q);
    }
    trawl_search_free(s);
}

static trawl_index *lv_open_index(const char *dir)
{
    trawl_index *idx;
    char eb[512];
    const char *dirs[] = {dir};
    if (trawl_index_open(&idx, dirs, 1, eb, sizeof eb) != TRAWL_OK) fail_msg("open: %s", eb);
    return idx;
}

/* A fingerprint of what an index answers (counts and top hits of fixed queries), to show that
 * a handle kept its generation. */
static uint64_t lv_fingerprint(trawl_index *idx)
{
    trawl_search *s;
    uint64_t f = 1469598103934665603ULL;
    const char *qs[] = {"waa", "wab OR wac", "wa*", "\"waa wab\""};
    assert_int_equal(trawl_search_new(&s, idx), TRAWL_OK);
    for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
        trawl_hit h;
        assert_int_equal(trawl_search_run(s, qs[i], NULL), TRAWL_OK);
        f = (f ^ trawl_search_count(s)) * 1099511628211ULL;
        for (size_t k = 0; trawl_search_hit(s, k, &h) == TRAWL_OK; k++) {
            for (size_t j = 0; j < h.id_len; j++)
                f = (f ^ (uint8_t)h.id[j]) * 1099511628211ULL;
            f = (f ^ (uint64_t)(h.score * 1e9)) * 1099511628211ULL;
        }
    }
    trawl_search_free(s);
    return f;
}

/* ------------------------------------------------------------------ tests */

static void test_live_sequence(void **state)
{
    (void)state;
    char dir[160];
    snprintf(dir, sizeof dir, "%s/live", lv_dir);
    iw *w = lv_open_writer(dir, 3, 0);
    trawl_index *idx = NULL;
    uint64_t fp = 0;
    for (int step = 0; step < LV_STEPS; step++) {
        int n = 1 + (int)lv_below(step < 3 ? 120 : 25);
        for (int k = 0; k < n; k++)
            lv_change(w);
        if (step % 7 == 6)
            assert_int_equal(iw_merge_all(w), TRAWL_OK);
        else
            assert_int_equal(iw_commit(w), TRAWL_OK);
        if (idx) { /* the old handle still answers as before; reopen moves on */
            trawl_index *nx;
            char eb[512];
            assert_int_equal(lv_fingerprint(idx), fp);
            assert_int_equal(trawl_index_reopen(idx, &nx, eb, sizeof eb), TRAWL_OK);
            if (nx) {
                trawl_index_close(idx);
                idx = nx;
            }
        } else {
            idx = lv_open_index(dir);
        }
        lv_check(idx);
        fp = lv_fingerprint(idx);
        char eb[512];
        assert_int_equal(trawl_index_check(idx, eb, sizeof eb), TRAWL_OK);
    }
    trawl_index_close(idx);
    iw_close(w);
}

/* After a full merge, the same answers as a fresh build of the live documents, bit for bit. */
static void test_merged_equals_fresh(void **state)
{
    (void)state;
    char dir[160], fresh[160];
    snprintf(dir, sizeof dir, "%s/live", lv_dir);
    snprintf(fresh, sizeof fresh, "%s/fresh", lv_dir);
    iw *w = lv_open_writer(dir, 3, 0);
    for (int k = 0; k < 60; k++)
        lv_change(w);
    assert_int_equal(iw_merge_all(w), TRAWL_OK);
    assert_int_equal(iw_n_segments(w), 1);
    iw_close(w);
    w = lv_open_writer(fresh, 10, 1);
    for (int id = 0; id < LV_IDS; id++)
        if (lv_docs[id].live) lv_put(w, id);
    assert_int_equal(iw_commit(w), TRAWL_OK);
    iw_close(w);
    trawl_index *a = lv_open_index(dir), *b = lv_open_index(fresh);
    trawl_search *sa, *sb;
    assert_int_equal(trawl_search_new(&sa, a), TRAWL_OK);
    assert_int_equal(trawl_search_new(&sb, b), TRAWL_OK);
    for (int k = 0; k < 200; k++) {
        lq q;
        trawl_hit ha, hb;
        lv_gen(&q);
        assert_int_equal(trawl_search_run(sa, q.text, NULL), TRAWL_OK);
        assert_int_equal(trawl_search_run(sb, q.text, NULL), TRAWL_OK);
        for (size_t i = 0;; i++) {
            int ra = trawl_search_hit(sa, i, &ha), rb = trawl_search_hit(sb, i, &hb);
            assert_int_equal(ra, rb);
            if (ra != TRAWL_OK) break;
            if (ha.score != hb.score)
                fail_msg("%s: hit %zu scores %.17g merged, %.17g fresh", q.text, i, ha.score,
                         hb.score);
        }
    }
    trawl_search_free(sa);
    trawl_search_free(sb);
    trawl_index_close(a);
    trawl_index_close(b);
}

/* A writer without merges on a new index dir (lv_dir/name, its path in dir). */
static iw *lv_fresh_writer(const char *name, char *dir, size_t cap)
{
    snprintf(dir, cap, "%s/%s", lv_dir, name);
    return lv_open_writer(dir, 10, 1);
}

/* Adds document id with text (stamp: its source's version). */
static void lv_add_text(iw *w, const char *id, int il, const char *text, int tl, uint64_t stamp)
{
    iw_doc d = {0, id, (size_t)il, 0, text, (size_t)tl, (size_t)tl, 0, stamp};
    assert_int_equal(iw_add(w, &d, NULL), TRAWL_OK);
}

/* Counts of ORs of words less excluded words, from the bitmap of each segment's documents
 * (searcher/countbits.c): deleted documents do not count, excluded words clear their documents,
 * and lists too short for a bitmap take the union walk, with the same counts. Document i of
 * CB_DOCS holds wab always, wac when i % 3 == 0, wad when i % 5 == 0, wae when i % 7 == 0, and
 * wzz for i == 77 only; documents i % 10 == 4 are deleted. */
#define CB_DOCS 600

static int cb_has(int i, int w)
{
    switch (w) {
    case 'b':
        return 1;
    case 'c':
        return i % 3 == 0;
    case 'd':
        return i % 5 == 0;
    case 'e':
        return i % 7 == 0;
    default:
        return i == 77;
    }
}

/* Live documents holding every word in all, and (when all is empty) any word in any, and no
 * word in none ("bcdez" letters). */
static uint64_t cb_expect(const char *all, const char *any, const char *none)
{
    uint64_t n = 0;
    for (int i = 0; i < CB_DOCS; i++) {
        int hit = *all != 0, out = 0;
        for (const char *c = all; *c; c++)
            hit &= cb_has(i, *c);
        for (const char *c = any; *all == 0 && *c; c++)
            hit |= cb_has(i, *c);
        for (const char *c = none; *c; c++)
            out |= cb_has(i, *c);
        n += i % 10 != 4 && hit && !out;
    }
    return n;
}

/* Runs q counting only (default_or as given) and checks its count against the model. */
static void cb_check(trawl_search *s, const char *q, int default_or, const char *all,
                     const char *any, const char *none, const char *algo)
{
    trawl_options o;
    trawl_options_init(&o);
    o.default_or = default_or;
    o.count_only = 1;
    if (trawl_search_run(s, q, &o) != TRAWL_OK) fail_msg("%s: %s", q, trawl_search_errmsg(s));
    uint64_t want = cb_expect(all, any, none);
    if (trawl_search_count(s) != want || strcmp(search_algo(s), algo) != 0)
        fail_msg("%s: count %llu by %s, want %llu by %s", q,
                 (unsigned long long)trawl_search_count(s), search_algo(s),
                 (unsigned long long)want, algo);
    assert_true(trawl_search_count_is_exact(s));
}

static void test_count_bitmap(void **state)
{
    (void)state;
    char dir[160];
    iw *w = lv_fresh_writer("countbits", dir, sizeof dir);
    for (int i = 0; i < CB_DOCS; i++) {
        char ids[16], text[64];
        int il = sprintf(ids, "c%03d", i), tl = sprintf(text, "wab x%02d", i % 19);
        for (const char *c = "cdez"; *c; c++)
            if (cb_has(i, *c)) tl += sprintf(text + tl, " w%c%c", *c == 'z' ? 'z' : 'a', *c);
        lv_add_text(w, ids, il, text, tl, (uint64_t)i);
        if (i == CB_DOCS / 2) assert_int_equal(iw_commit(w), TRAWL_OK); /* two segments */
    }
    assert_int_equal(iw_commit(w), TRAWL_OK);
    for (int i = 4; i < CB_DOCS; i += 10) {
        char ids[16];
        int il = sprintf(ids, "c%03d", i);
        assert_int_equal(iw_delete(w, 0, ids, (size_t)il), 1);
    }
    assert_int_equal(iw_commit(w), TRAWL_OK);
    iw_close(w);
    trawl_index *idx = lv_open_index(dir);
    trawl_search *s;
    assert_int_equal(trawl_search_new(&s, idx), TRAWL_OK);
    cb_check(s, "wac wad", 1, "", "cd", "", "count-bitmap");
    cb_check(s, "wac wad wae", 1, "", "cde", "", "count-bitmap");
    cb_check(s, "wac wad -wae", 1, "", "cd", "e", "count-bitmap");
    cb_check(s, "wab -wac -wad", 1, "", "b", "cd", "count-bitmap");
    cb_check(s, "wae -wab", 1, "", "e", "b", "count-bitmap");
    cb_check(s, "wzz wyy", 1, "", "z", "", "count-bitmap"); /* one posting: the union walk */
    cb_check(s, "wzz -wab", 1, "", "z", "b", "count-bitmap");
    /* ANDs: dense lists take the bitmap, a rare one the leapfrog (the same counts). */
    cb_check(s, "wab wac", 0, "bc", "", "", "count-bitmap");
    cb_check(s, "wac wad wae", 0, "cde", "", "", "count-bitmap");
    cb_check(s, "wab wac -wad", 0, "bc", "", "d", "count-bitmap");
    cb_check(s, "+wac +wad wae", 1, "cd", "", "", "count-bitmap");
    cb_check(s, "wzz wab", 0, "bz", "", "", "count-bitmap");
    /* x*: 19 words, term at a time (taat.c): deleted documents neither count nor rank. */
    trawl_options o;
    trawl_options_init(&o);
    o.exact_count = 1;
    o.limit = 50;
    assert_int_equal(trawl_search_run(s, "x*", &o), TRAWL_OK);
    assert_string_equal(search_algo(s), "term-at-a-time");
    assert_int_equal(trawl_search_count(s), cb_expect("", "b", ""));
    trawl_hit h;
    for (size_t i = 0; trawl_search_hit(s, i, &h) == TRAWL_OK; i++)
        if (atoi(h.id + 1) % 10 == 4)
            fail_msg("x*: hit %zu is deleted %.*s", i, (int)h.id_len, h.id);
    /* The same OR inside an AND, scored up front as one cursor (cursor.c, cur_build_acc). */
    assert_int_equal(trawl_search_run(s, "wac x*", &o), TRAWL_OK);
    assert_string_equal(search_algo(s), "exhaustive");
    assert_int_equal(trawl_search_count(s), cb_expect("c", "", ""));
    for (size_t i = 0; trawl_search_hit(s, i, &h) == TRAWL_OK; i++)
        if (atoi(h.id + 1) % 10 == 4 || atoi(h.id + 1) % 3 != 0)
            fail_msg("wac x*: hit %zu is %.*s", i, (int)h.id_len, h.id);
    trawl_search_free(s);
    trawl_index_close(idx);
}

/* ORs of 23 words over 10,000 documents (three windows of term-at-a-time accumulators, taat.c):
 * alone (taat_run), inside an AND and with an exclusion (cursor.c, cur_build_acc), the same
 * hits, score bits and exact counts as the reference evaluator's walk. */
#define MW_DOCS 10000

static void mw_compare(trawl_search *s, const char *q)
{
    static char ids[2][100][16];
    static double sc[2][100];
    uint64_t count[2];
    size_t n[2];
    for (int ref = 0; ref < 2; ref++) {
        trawl_options o;
        trawl_options_init(&o);
        o.exact_count = 1;
        o.limit = 100;
        search_force_exhaustive(s, ref);
        if (trawl_search_run(s, q, &o) != TRAWL_OK) fail_msg("%s: %s", q, trawl_search_errmsg(s));
        count[ref] = trawl_search_count(s);
        trawl_hit h;
        for (n[ref] = 0; trawl_search_hit(s, n[ref], &h) == TRAWL_OK; n[ref]++) {
            snprintf(ids[ref][n[ref]], sizeof ids[ref][n[ref]], "%.*s", (int)h.id_len, h.id);
            sc[ref][n[ref]] = h.score;
        }
    }
    search_force_exhaustive(s, 0);
    if (count[0] != count[1] || n[0] != n[1] || count[0] == 0)
        fail_msg("%s: count %llu, %zu hits; reference %llu, %zu", q, (unsigned long long)count[0],
                 n[0], (unsigned long long)count[1], n[1]);
    for (size_t i = 0; i < n[0]; i++)
        if (strcmp(ids[0][i], ids[1][i]) != 0 || sc[0][i] != sc[1][i])
            fail_msg("%s: hit %zu %s %.17g, reference %s %.17g", q, i, ids[0][i], sc[0][i],
                     ids[1][i], sc[1][i]);
}

static void test_many_words_windows(void **state)
{
    (void)state;
    char dir[160];
    iw *w = lv_fresh_writer("windows", dir, sizeof dir);
    for (int i = 0; i < MW_DOCS; i++) {
        char ids[16], text[64];
        int il = sprintf(ids, "m%05d", i);
        int tl = sprintf(text, "wab x%02d x%02d%s", i % 23, i * 7 % 23, i % 3 ? "" : " wac");
        lv_add_text(w, ids, il, text, tl, (uint64_t)i);
    }
    assert_int_equal(iw_commit(w), TRAWL_OK);
    iw_close(w);
    trawl_index *idx = lv_open_index(dir);
    trawl_search *s;
    assert_int_equal(trawl_search_new(&s, idx), TRAWL_OK);
    mw_compare(s, "x*");
    assert_string_equal(search_algo(s), "exhaustive"); /* the reference ran last */
    mw_compare(s, "wac x*");
    mw_compare(s, "x* -wac");
    mw_compare(s, "x0* OR x1* OR wac");
    trawl_search_free(s);
    trawl_index_close(idx);
}

static int lv_setup(void **state)
{
    (void)state;
    const char *env = getenv("TRAWL_TEST_SEED");
    lv_rng = env ? strtoull(env, NULL, 10) : 20261125;
    if (!lv_rng) lv_rng = 1;
    fprintf(stderr, "# test_live seed %llu (TRAWL_TEST_SEED)\n", (unsigned long long)lv_rng);
    return tu_mkdtemp(lv_dir, sizeof lv_dir, "live") ? 0 : -1;
}

static int lv_teardown(void **state)
{
    (void)state;
    return tu_rm_rf(lv_dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_live_sequence),
        cmocka_unit_test(test_merged_equals_fresh),
        cmocka_unit_test(test_count_bitmap),
        cmocka_unit_test(test_many_words_windows),
    };
    return cmocka_run_group_tests(tests, lv_setup, lv_teardown);
}
