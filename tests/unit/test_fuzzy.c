/* Fuzzy terms and spelling suggestions (docs/RANKING.md, "Fuzzy terms"): the seed articles
 * (Galant/Gallant, Anthony/Antony Blinken, a misspelt Rafah), exact scores of word~N on a tiny
 * corpus computed by hand (one blended idf, Lucene's boost 1 - edits / length), --fuzzy only
 * for rare words, fuzzy_expand over a two-segment index against brute force over every term of
 * both dictionaries, suggestions that keep a word's unstemmed ending, and threads racing to
 * build a segment's term table (make tsan runs this file). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "build.h"
#include "dict.h"
#include "fuzzy.h"
#include "search.h"
#include "termtab.h"
#include "testutil.h"
#include "trawl.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tf_root[256];

/* ---------------------------------------------------------------- fixtures */

static trawl_index *tf_open(const char *dir)
{
    trawl_index *idx = NULL;
    char eb[512];
    const char *dirs[] = {dir};
    if (trawl_index_open(&idx, dirs, 1, eb, sizeof eb) != TRAWL_OK) fail_msg("open: %s", eb);
    return idx;
}

/* Adds docs[0..n) (ids prefix0, prefix1, ...) in one commit to the index in tf_root/name. */
static void tf_commit(const char *name, const char *language, const char *prefix,
                      const char *const *docs, size_t n)
{
    char dir[400], errbuf[512];
    trawl_writer *w;
    trawl_writer_options o;
    snprintf(dir, sizeof dir, "%s/%s", tf_root, name);
    trawl_writer_options_init(&o);
    o.language = language;
    o.no_merge = 1;
    assert_int_equal(trawl_writer_open(&w, dir, &o, errbuf, sizeof errbuf), TRAWL_OK);
    for (size_t i = 0; i < n; i++) {
        char id[32];
        int il = snprintf(id, sizeof id, "%s%zu", prefix, i);
        assert_int_equal(trawl_writer_add(w, id, (size_t)il, docs[i], strlen(docs[i]), 0, NULL),
                         TRAWL_OK);
    }
    assert_int_equal(trawl_writer_commit(w), TRAWL_OK);
    trawl_writer_close(w);
}

/* Ids of the hits of q, space-separated. */
static const char *tf_ids(trawl_search *s, const char *q, const trawl_options *o)
{
    static char out[1024];
    trawl_hit h;
    size_t n = 0;
    int rc = trawl_search_run(s, q, o);
    if (rc != TRAWL_OK) fail_msg("%s: %s", q, trawl_search_errmsg(s));
    out[0] = '\0';
    for (size_t i = 0; trawl_search_hit(s, i, &h) == TRAWL_OK; i++)
        n += (size_t)snprintf(out + n, sizeof out - n, "%s%.*s", i ? " " : "",
                              (int)(h.id_len < 3 ? h.id_len : 3), h.id);
    return out;
}

static int tf_setup(void **state)
{
    (void)state;
    return tu_mkdtemp(tf_root, sizeof tf_root, "fuzzy") ? 0 : -1;
}

static int tf_teardown(void **state)
{
    (void)state;
    return tu_rm_rf(tf_root);
}

/* ---------------------------------------------------------------- seeds */

static const char *tf_seeds(void)
{
    static const char *cand[] = {"tests/data/seeds", "../tests/data/seeds",
                                 "../../tests/data/seeds"};
    for (size_t i = 0; i < 3; i++)
        if (access(cand[i], R_OK) == 0) return cand[i];
    return NULL;
}

static void test_seeds(void **state)
{
    (void)state;
    char dir[400];
    const char *seeds = tf_seeds();
    build_opts bo;
    build_result br;
    err e;
    trawl_search *s;
    trawl_options o;
    const char *text;
    size_t len;
    assert_non_null(seeds);
    snprintf(dir, sizeof dir, "%s/seeds", tf_root);
    err_init(&e);
    build_opts_init(&bo);
    bo.index_dir = dir;
    bo.paths = &seeds;
    bo.n_paths = 1;
    bo.language = "english";
    assert_int_equal(build_run(&bo, &br, &e), TRAWL_OK);
    trawl_index *idx = tf_open(dir);
    assert_int_equal(trawl_search_new(&s, idx), TRAWL_OK);
    trawl_options_init(&o);
    /* The minister is Galant in 000 and Gallant in 001. */
    assert_string_equal(tf_ids(s, "galant", &o), "000");
    assert_string_equal(tf_ids(s, "galant~1", &o), "000 001");
    assert_string_equal(tf_ids(s, "gallant~1", &o), "001 000");
    o.fuzzy = 1;
    const char *got = tf_ids(s, "galant", &o);
    assert_true(strncmp(got, "000 001", 7) == 0);
    o.fuzzy = 0;
    /* Anthony in one Blinken article, Antony in the others. */
    assert_string_equal(tf_ids(s, "anthony~1 blinken", &o), "000 002 004");
    assert_string_equal(tf_ids(s, "anthony blinken", &o), "000");
    /* A misspelt Rafah finds nothing and suggests the spelling the articles use. */
    assert_string_equal(tf_ids(s, "rafha", &o), "");
    assert_int_equal(trawl_search_suggestion(s, &text, &len), TRAWL_OK);
    assert_string_equal(text, "rafah");
    assert_int_equal(len, 5);
    assert_string_equal(tf_ids(s, "Rafha -egypt", &o), "");
    assert_int_equal(trawl_search_suggestion(s, &text, &len), TRAWL_OK);
    assert_string_equal(text, "rafah -egypt");
    tf_ids(s, "rafah", &o);
    assert_int_equal(trawl_search_suggestion(s, &text, &len), TRAWL_ENOTFOUND);
    trawl_search_free(s);
    trawl_index_close(idx);
}

/* ---------------------------------------------------------------- scores */

static double tf_bm25(double idf, double tf, double dl, double avgdl)
{
    return idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * dl / avgdl));
}

/* galant~1 over galant (df 2) and gallant (df 2): one idf, that of df 2; gallant weighs
 * 1 - 1/6 (an edit in the shorter word's 6 characters). */
static void test_scores(void **state)
{
    (void)state;
    static const char *docs[] = {"galant x", "gallant x x", "galant gallant", "x x x x",
                                 "common",   "common y",    "common y y",     "commons y"};
    tf_commit("scores", "none", "d", docs, 8);
    char dir[400];
    snprintf(dir, sizeof dir, "%s/scores", tf_root);
    trawl_index *idx = tf_open(dir);
    trawl_search *s;
    trawl_options o;
    trawl_hit h;
    trawl_explain_info in;
    trawl_query_term qt;
    const trawl_explain *ex;
    size_t n;
    double avgdl = (2 + 3 + 2 + 4 + 1 + 2 + 3 + 2) / 8.0, idf = log(1 + (8 - 2 + 0.5) / 2.5);
    double want[3] = {tf_bm25(idf, 1, 2, avgdl) + 5.0 / 6 * tf_bm25(idf, 1, 2, avgdl),
                      tf_bm25(idf, 1, 2, avgdl), 5.0 / 6 * tf_bm25(idf, 1, 3, avgdl)};
    assert_int_equal(trawl_search_new(&s, idx), TRAWL_OK);
    trawl_options_init(&o);
    o.explain = 1;
    assert_string_equal(tf_ids(s, "galant~1", &o), "d2 d0 d1");
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(trawl_search_hit(s, i, &h), TRAWL_OK);
        if (fabs(h.score - want[i]) > 1e-12 * want[i])
            fail_msg("hit %zu: %.12f, want %.12f", i, h.score, want[i]);
    }
    assert_int_equal(trawl_search_explain(s, 2, &ex, &n, NULL), TRAWL_OK);
    assert_int_equal(n, 1);
    assert_string_equal(ex[0].term, "gallant");
    assert_int_equal(ex[0].df, 2);
    assert_int_equal(trawl_search_explain_info(s, 2, 0, &in), TRAWL_OK);
    assert_int_equal(in.kind, TRAWL_CLAUSE_TERM);
    assert_int_equal(in.origin, TRAWL_TERM_FUZZY);
    assert_int_equal(in.edits, 1);
    assert_string_equal(in.from, "galant");
    assert_true(fabs(in.weight - 5.0 / 6) < 1e-15);
    assert_int_equal(trawl_search_explain_info(s, 2, 1, &in), TRAWL_ENOTFOUND);
    assert_int_equal(trawl_search_query_term(s, 0, &qt), TRAWL_OK);
    assert_string_equal(qt.term, "galant");
    assert_int_equal(qt.origin, TRAWL_TERM_QUERY);
    assert_int_equal(trawl_search_query_term(s, 1, &qt), TRAWL_OK);
    assert_string_equal(qt.term, "gallant");
    assert_int_equal(qt.df, 2);
    assert_int_equal(trawl_search_query_term(s, 2, &qt), TRAWL_ENOTFOUND);
    /* sized as the ABI promise says: a newer caller's extra bytes read as zero, too small is
     * refused */
    struct {
        trawl_query_term t;
        unsigned char more[16];
    } big;
    memset(&big, 0xAB, sizeof big);
    assert_int_equal(trawl_search_query_term_sized(s, 1, &big.t, sizeof big), TRAWL_OK);
    assert_string_equal(big.t.term, "gallant");
    for (size_t i = 0; i < sizeof big.more; i++)
        assert_int_equal(big.more[i], 0);
    assert_int_equal(trawl_search_query_term_sized(s, 1, &big.t, 4), TRAWL_EARG);
    assert_int_equal(trawl_search_explain_info_sized(s, 2, 0, &in, 4), TRAWL_EARG);
    /* --fuzzy: galant (2 documents) widens, common (3) does not */
    o.explain = 0;
    o.fuzzy = 1;
    assert_string_equal(tf_ids(s, "galant", &o), "d2 d0 d1");
    assert_string_equal(tf_ids(s, "common", &o), "d4 d5 d6");
    /* explicit fuzzy words widen whatever their frequency; "common" (a variant, 5/6) in a
     * document of 1 word outscores "commons" in one of 2 (the length norm), d5 does not */
    assert_string_equal(tf_ids(s, "commons~1", &o), "d4 d7 d5 d6");
    o.fuzzy = 0;
    assert_string_equal(tf_ids(s, "common~1", &o), "d4 d5 d6 d7"); /* d7 below d5: same length */
    assert_string_equal(tf_ids(s, "qqqq~2", &o), "");
    trawl_search_free(s);
    trawl_index_close(idx);
}

/* ---------------------------------------------------------------- expansion */

static uint32_t tf_osa(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    uint32_t D[40][40];
    for (size_t i = 0; i <= n; i++)
        D[i][0] = (uint32_t)i;
    for (size_t j = 0; j <= m; j++)
        D[0][j] = (uint32_t)j;
    for (size_t i = 1; i <= n; i++)
        for (size_t j = 1; j <= m; j++) {
            uint32_t v = D[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (D[i - 1][j] + 1 < v) v = D[i - 1][j] + 1;
            if (D[i][j - 1] + 1 < v) v = D[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                D[i - 2][j - 2] + 1 < v)
                v = D[i - 2][j - 2] + 1;
            D[i][j] = v;
        }
    return D[n][m];
}

/* Two segments with different words: fuzzy_expand's merged answer is brute force's over the
 * union of both dictionaries, distinct and in byte order. */
static void test_expand_two_segments(void **state)
{
    (void)state;
    static char words[2][400][12];
    static char docs[2][40][200];
    const char *dp[40];
    uint64_t r = 88172645463325252ull;
    for (int g = 0; g < 2; g++) {
        for (int i = 0; i < 400; i++) {
            int len = 2 + (int)(r % 7);
            for (int c = 0; c < len; c++) {
                r ^= r << 13, r ^= r >> 7, r ^= r << 17;
                words[g][i][c] = (char)('a' + r % 5);
            }
            words[g][i][len] = '\0';
        }
        for (int d = 0; d < 40; d++) {
            size_t n = 0;
            for (int i = d * 10; i < d * 10 + 10; i++)
                n += (size_t)snprintf(docs[g][d] + n, sizeof docs[g][d] - n, "%s ", words[g][i]);
            dp[d] = docs[g][d];
        }
        tf_commit("two", "none", g ? "b" : "a", dp, 40);
    }
    char dir[400];
    snprintf(dir, sizeof dir, "%s/two", tf_root);
    trawl_index *idx = tf_open(dir);
    assert_int_equal(idx->n_segs, 2);
    arena a;
    err e;
    arena_init(&a);
    err_init(&e);
    exec x = {.idx = idx, .a = &a, .e = &e};
    for (int round = 0; round < 60; round++) {
        const char *pat = words[round % 2][round * 6];
        uint32_t k = 1 + round % 2;
        fuzzy_term *v;
        size_t n, m = 0;
        arena_reset(&a);
        assert_int_equal(fuzzy_expand(&x, pat, (uint32_t)strlen(pat), k, &v, &n), TRAWL_OK);
        /* brute force: every term of both dictionaries, merged in byte order */
        char prev[64] = "";
        for (;;) {
            char best[64] = "";
            int have = 0;
            for (size_t si = 0; si < idx->n_segs; si++) {
                dict_iter it;
                const char *t;
                size_t tl;
                term_info ti;
                assert_int_equal(dict_iter_seek(&it, idx->segs[si].seg, prev, strlen(prev), &e),
                                 TRAWL_OK);
                while (dict_iter_next(&it, &t, &tl, &ti, &e) == 1) {
                    if (strcmp(t, prev) <= 0 || tf_osa(pat, t) > k) continue;
                    if (!have || strcmp(t, best) < 0) memcpy(best, t, tl + 1);
                    have = 1;
                    break;
                }
            }
            if (!have) break;
            if (m >= n || strcmp(v[m].term, best) != 0 || v[m].edits != tf_osa(pat, best))
                fail_msg("%s~%u: brute force has %s, fuzzy_expand %s", pat, k, best,
                         m < n ? v[m].term : "nothing more");
            m++;
            memcpy(prev, best, sizeof prev);
        }
        if (m != n) fail_msg("%s~%u: %zu extra terms", pat, k, n - m);
    }
    arena_free(&a);
    trawl_index_close(idx);
}

/* ---------------------------------------------------------------- suggestions */

static void test_suggestion_keeps_ending(void **state)
{
    (void)state;
    static const char *docs[] = {
        "information retrieval systems", "retrieval of documents", "text retrieval",
        "retrieval evaluation",          "boolean retrieval",      "retrieval models",
        "probabilistic retrieval",       "retrieval experiments",  "ranked retrieval",
        "retrieval effectiveness",       "a retreival typo",       "library systems"};
    tf_commit("english", "english", "e", docs, 12);
    char dir[400];
    snprintf(dir, sizeof dir, "%s/english", tf_root);
    trawl_index *idx = tf_open(dir);
    trawl_search *s;
    trawl_options o;
    const char *text;
    size_t len;
    assert_int_equal(trawl_search_new(&s, idx), TRAWL_OK);
    trawl_options_init(&o);
    /* retreival: one document; retrieval (stem retriev, one transposition away): ten */
    assert_string_equal(tf_ids(s, "Retreival systems", &o), "");
    assert_int_equal(trawl_search_suggestion(s, &text, &len), TRAWL_OK);
    assert_string_equal(text, "retrieval systems");
    /* a phrase and a prefix are left as written */
    tf_ids(s, "\"retreival typo\" retreival", &o);
    assert_int_equal(trawl_search_suggestion(s, &text, &len), TRAWL_OK);
    assert_string_equal(text, "\"retreival typo\" retrieval");
    /* nine times as many documents is not enough */
    tf_ids(s, "retrieval", &o);
    assert_int_equal(trawl_search_suggestion(s, &text, &len), TRAWL_ENOTFOUND);
    /* with the term table built, the same answer */
    err e;
    err_init(&e);
    assert_non_null(termtab_get(idx->segs[0].seg, &e));
    tf_ids(s, "Retreival systems", &o);
    assert_int_equal(trawl_search_suggestion(s, &text, &len), TRAWL_OK);
    assert_string_equal(text, "retrieval systems");
    /* no run, a failed run: nothing */
    assert_int_equal(trawl_search_run(s, "(", &o), TRAWL_EQUERY);
    assert_int_equal(trawl_search_suggestion(s, &text, &len), TRAWL_ENOTFOUND);
    trawl_search_free(s);
    trawl_index_close(idx);
}

/* Segments without terms, and a spelling whose documents are spread over segments: the walk
 * merges every segment's terms and the ratio counts the documents of all of them. Then the
 * same after enough walks to build the segments' term tables. */
static void test_suggestion_across_segments(void **state)
{
    (void)state;
    static const char *empty[] = {"", "... !!"};
    static const char *a[] = {"retrieval one", "retrieval two", "retrieval three", "retrieval four",
                              "retrieval five"};
    static const char *b[] = {"retrieval six",
                              "retrieval seven",
                              "retrieval eight",
                              "retrieval nine",
                              "retrieval ten",
                              "a retreival typo",
                              "\xc3\xa9t\xc3\xa9 retrieval"};
    tf_commit("spread", "none", "z", empty, 2);
    tf_commit("spread", "none", "a", a, 5);
    tf_commit("spread", "none", "b", b, 7);
    tf_commit("spread", "none", "y", empty, 1);
    char dir[400];
    snprintf(dir, sizeof dir, "%s/spread", tf_root);
    trawl_index *idx = tf_open(dir);
    trawl_search *s;
    trawl_options o;
    const char *text;
    size_t len;
    assert_int_equal(idx->n_segs, 4);
    assert_int_equal(trawl_search_new(&s, idx), TRAWL_OK);
    trawl_options_init(&o);
    for (int round = 0; round < 40; round++) {
        /* retreival in 1 document, retrieval in 11 (5 + 6): suggested */
        assert_string_equal(tf_ids(s, "retreival", &o), "b5");
        assert_int_equal(trawl_search_suggestion(s, &text, &len), TRAWL_OK);
        assert_string_equal(text, "retrieval");
        /* a two-byte character one edit away */
        tf_ids(s, "\xc3\xa9tx", &o);
        assert_int_equal(trawl_search_suggestion(s, &text, &len), TRAWL_OK);
        assert_string_equal(text, "\xc3\xa9t\xc3\xa9");
        /* a word in no document with nothing one edit away */
        tf_ids(s, "zzzzzz", &o);
        assert_int_equal(trawl_search_suggestion(s, &text, &len), TRAWL_ENOTFOUND);
    }
    for (size_t i = 0; i < idx->n_segs; i++) /* the walks have paid for the tables by now */
        if (segment_n_terms(idx->segs[i].seg)) assert_non_null(termtab_peek(idx->segs[i].seg));
    trawl_search_free(s);
    trawl_index_close(idx);
}

/* ---------------------------------------------------------------- threads */

typedef struct tf_thread {
    trawl_index *idx;
    char ids[4][256];
} tf_thread;

static void *tf_thread_run(void *arg)
{
    tf_thread *t = arg;
    trawl_search *s;
    trawl_options o;
    static const char *const qs[4] = {"galant~1", "commons~1", "galant~2", "cammon~2"};
    if (trawl_search_new(&s, t->idx) != TRAWL_OK) return NULL;
    trawl_options_init(&o);
    for (int i = 0; i < 4; i++) {
        trawl_hit h;
        size_t n = 0;
        t->ids[i][0] = '\0';
        if (trawl_search_run(s, qs[i], &o) != TRAWL_OK) break;
        for (size_t k = 0; trawl_search_hit(s, k, &h) == TRAWL_OK; k++)
            n +=
                (size_t)snprintf(t->ids[i] + n, sizeof t->ids[i] - n, "%.*s ", (int)h.id_len, h.id);
    }
    trawl_search_free(s);
    return NULL;
}

/* Four threads on one index opened afresh: they walk its segment's dictionary until the walks
 * have read as many entries as it has terms, then race to build its term table (one wins, the
 * others free theirs), and all answer alike. */
static void test_threads_build_once(void **state)
{
    (void)state;
    char dir[400];
    snprintf(dir, sizeof dir, "%s/scores", tf_root);
    trawl_index *idx = tf_open(dir);
    tf_thread t[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        t[i].idx = idx;
        assert_int_equal(pthread_create(&th[i], NULL, tf_thread_run, &t[i]), 0);
    }
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    for (int i = 1; i < 4; i++)
        for (int q = 0; q < 4; q++)
            assert_string_equal(t[i].ids[q], t[0].ids[q]);
    assert_string_equal(t[0].ids[0], "d2 d0 d1 ");
    trawl_index_close(idx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seeds),
        cmocka_unit_test(test_scores),
        cmocka_unit_test(test_expand_two_segments),
        cmocka_unit_test(test_suggestion_keeps_ending),
        cmocka_unit_test(test_suggestion_across_segments),
        cmocka_unit_test(test_threads_build_once),
    };
    return cmocka_run_group_tests(tests, tf_setup, tf_teardown);
}
