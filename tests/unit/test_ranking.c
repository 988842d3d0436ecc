/* Known answers of the ranking beyond plain BM25 (docs/RANKING.md) on tiny corpora written
 * through the public writer (language "none", so every word is its own term): scores and
 * rankings computed here by hand from the formulas, independently of the library. Repeated
 * query words (query_tf); query expansion (RM3: the feedback terms, their weights, the
 * expanded query's scores); the proximity part (BM25TP: scores, ranking, explain); the
 * pruned top 10 of a corpus of identical copies against its full ranking; an OR's floor; a
 * lone word's blocks that can only tie. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"
#include "trawl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char tr_root[256];

/* ---------------------------------------------------------------- fixtures */

/* Writes docs[0..n) (ids "d0", "d1", ...) as a fresh index in tr_root/name and opens it. */
static trawl_index *tr_index(const char *name, const char *const *docs, size_t n)
{
    char dir[400], errbuf[512];
    trawl_writer *w;
    trawl_writer_options o;
    trawl_index *idx = NULL;
    snprintf(dir, sizeof dir, "%s/%s", tr_root, name);
    trawl_writer_options_init(&o);
    o.language = "none";
    assert_int_equal(trawl_writer_open(&w, dir, &o, errbuf, sizeof errbuf), TRAWL_OK);
    for (size_t i = 0; i < n; i++) {
        char id[16];
        int il = snprintf(id, sizeof id, "d%zu", i);
        assert_int_equal(trawl_writer_add(w, id, (size_t)il, docs[i], strlen(docs[i]), 0, NULL),
                         TRAWL_OK);
    }
    assert_int_equal(trawl_writer_commit(w), TRAWL_OK);
    trawl_writer_close(w);
    const char *dirs[] = {dir};
    assert_int_equal(trawl_index_open(&idx, dirs, 1, errbuf, sizeof errbuf), TRAWL_OK);
    return idx;
}

/* BM25 of one term as the library's formula states it (Lucene's idf). */
static double tr_bm25(double n_docs, double df, double tf, double dl, double avgdl)
{
    double idf = log(1.0 + (n_docs - df + 0.5) / (df + 0.5));
    double norm = 1.2 * (1.0 - 0.75 + 0.75 * dl / avgdl);
    return idf * tf * 2.2 / (tf + norm);
}

/* The hits of a run: ids as "d3 d0 ...", scores in sc (up to cap). */
static void tr_hits(trawl_search *s, char *ids, size_t cap, double *sc, size_t sc_cap)
{
    trawl_hit h;
    size_t n = 0;
    ids[0] = '\0';
    for (size_t i = 0; trawl_search_hit(s, i, &h) == TRAWL_OK; i++) {
        n += (size_t)snprintf(ids + n, cap - n, "%s%.*s", i ? " " : "", (int)h.id_len, h.id);
        if (i < sc_cap) sc[i] = h.score;
    }
}

static int tr_setup(void **state)
{
    (void)state;
    return tu_mkdtemp(tr_root, sizeof tr_root, "ranking") ? 0 : -1;
}

static int tr_teardown(void **state)
{
    (void)state;
    return tu_rm_rf(tr_root);
}

/* ---------------------------------------------------------------- query_tf */

/* "a b a": with TRAWL_QTF_COUNT a weighs twice (2 s_a + s_b, as Lucene and FTS5 sum a clause
 * per occurrence), as one clause of weight 2; with TRAWL_QTF_ONCE the query is "a b", bit for
 * bit. */
static void test_query_tf(void **state)
{
    (void)state;
    static const char *docs[] = {"a x x x", "b x", "a b x x x x", "x x"};
    trawl_index *idx = tr_index("qtf", docs, 4);
    trawl_search *s;
    trawl_options o;
    char ids[256], ids2[256];
    double sc[8], sc2[8];
    double avgdl = (4 + 2 + 6 + 2) / 4.0;
    double sa = tr_bm25(4, 2, 1, 6, avgdl), sb = tr_bm25(4, 2, 1, 6, avgdl);
    assert_int_equal(trawl_search_new(&s, idx), TRAWL_OK);
    trawl_options_init(&o);
    assert_int_equal(o.query_tf, TRAWL_QTF_COUNT);
    o.default_or = 1;
    assert_int_equal(trawl_search_run(s, "a b a", &o), TRAWL_OK);
    tr_hits(s, ids, sizeof ids, sc, 8);
    assert_string_equal(ids, "d2 d0 d1");
    assert_true(fabs(sc[0] - (2 * sa + sb)) < 1e-12 * sc[0]);
    assert_true(fabs(sc[1] - 2 * tr_bm25(4, 2, 1, 4, avgdl)) < 1e-12 * sc[1]);
    /* one clause for a, of weight 2 (its list is read once) */
    const trawl_explain *ex;
    trawl_explain_info info;
    size_t n_ex;
    o.explain = 1;
    assert_int_equal(trawl_search_run(s, "a b a", &o), TRAWL_OK);
    assert_int_equal(trawl_search_explain(s, 0, &ex, &n_ex, NULL), TRAWL_OK);
    assert_int_equal(n_ex, 2);
    assert_string_equal(ex[0].term, "a");
    assert_int_equal(trawl_search_explain_info(s, 0, 0, &info), TRAWL_OK);
    assert_true(info.weight == 2.0);
    assert_string_equal(ex[1].term, "b");
    o.explain = 0;
    /* "a a" is "a" at weight 2: twice its scores, bit for bit, in OR and AND mode */
    for (int and_mode = 0; and_mode < 2; and_mode++) {
        o.default_or = !and_mode;
        assert_int_equal(trawl_search_run(s, "a", &o), TRAWL_OK);
        tr_hits(s, ids2, sizeof ids2, sc2, 8);
        assert_int_equal(trawl_search_run(s, "a a", &o), TRAWL_OK);
        tr_hits(s, ids, sizeof ids, sc, 8);
        assert_string_equal(ids, ids2);
        assert_true(sc[0] == 2 * sc2[0] && sc[1] == 2 * sc2[1]);
    }
    o.default_or = 1;
    o.query_tf = TRAWL_QTF_ONCE;
    assert_int_equal(trawl_search_run(s, "a b a", &o), TRAWL_OK);
    tr_hits(s, ids, sizeof ids, sc, 8);
    o.query_tf = TRAWL_QTF_COUNT;
    assert_int_equal(trawl_search_run(s, "a b", &o), TRAWL_OK);
    tr_hits(s, ids2, sizeof ids2, sc2, 8);
    assert_string_equal(ids, ids2);
    assert_memory_equal(sc, sc2, 3 * sizeof *sc);
    /* AND mode too, and a lone repeated word is the word */
    o.default_or = 0;
    o.query_tf = TRAWL_QTF_ONCE;
    assert_int_equal(trawl_search_run(s, "a a", &o), TRAWL_OK);
    tr_hits(s, ids, sizeof ids, sc, 8);
    assert_string_equal(ids, "d0 d2");
    o.query_tf = 7;
    assert_int_equal(trawl_search_run(s, "a", &o), TRAWL_EARG);
    trawl_search_free(s);
    trawl_index_close(idx);
}

/* ---------------------------------------------------------------- expansion */

/* 30 documents: apple in d0 and d1, banana in d0 to d2 (3 of 30: at the 10% limit, kept),
 * cherry in d0, and 27 of filler (x y z: too frequent to be added). "apple" finds d1 (shorter)
 * and d0; their vectors (filtered, length-normalised) weighted by score give
 *   rm(apple) = rm(banana) = s0/3 + s1/2, rm(cherry) = s0/3,
 * normalised to sum 1; alpha 0.5 and |q| = 1 scale them by 1, apple adding its 1. */
static void test_expand(void **state)
{
    (void)state;
    static const char *docs[30] = {"apple banana cherry", "apple banana", "banana date"};
    for (int i = 3; i < 30; i++)
        docs[i] = "x y z";
    trawl_index *idx = tr_index("rm3", docs, 30);
    trawl_search *s;
    trawl_options o;
    trawl_query_term t;
    char ids[256];
    double sc[8], avgdl = (3 + 2 + 2 + 27 * 3) / 30.0;
    double s0 = tr_bm25(30, 2, 1, 3, avgdl), s1 = tr_bm25(30, 2, 1, 2, avgdl);
    double a = s0 / 3 + s1 / 2, c = s0 / 3, z = 2 * a + c;
    double w_apple = 1 + a / z, w_banana = a / z, w_cherry = c / z;
    assert_int_equal(trawl_search_new(&s, idx), TRAWL_OK);
    trawl_options_init(&o);
    o.default_or = 1;
    o.expand = 1;
    assert_int_equal(trawl_search_run(s, "apple", &o), TRAWL_OK);
    static const char *want_t[] = {"apple", "banana", "cherry"};
    double want_w[] = {w_apple, w_banana, w_cherry};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(trawl_search_query_term(s, i, &t), TRAWL_OK);
        assert_string_equal(t.term, want_t[i]);
        assert_int_equal(t.origin, i ? TRAWL_TERM_FEEDBACK : TRAWL_TERM_QUERY);
        if (fabs(t.weight - want_w[i]) > 1e-12) fail_msg("%s: %.15f", t.term, t.weight);
    }
    assert_int_equal(trawl_search_query_term(s, 3, &t), TRAWL_ENOTFOUND);
    tr_hits(s, ids, sizeof ids, sc, 8);
    assert_string_equal(ids, "d1 d0 d2");
    double want0 = w_apple * s0 + w_banana * tr_bm25(30, 3, 1, 3, avgdl) +
                   w_cherry * tr_bm25(30, 1, 1, 3, avgdl);
    double want1 = w_apple * s1 + w_banana * tr_bm25(30, 3, 1, 2, avgdl);
    double want2 = w_banana * tr_bm25(30, 3, 1, 2, avgdl);
    assert_true(want1 > want0);
    assert_true(fabs(sc[0] - want1) < 1e-12 * want1);
    assert_true(fabs(sc[1] - want0) < 1e-12 * want0);
    assert_true(fabs(sc[2] - want2) < 1e-12 * want2);
    /* AND mode: the word stays required, the feedback terms only rank */
    o.default_or = 0;
    assert_int_equal(trawl_search_run(s, "apple", &o), TRAWL_OK);
    tr_hits(s, ids, sizeof ids, sc, 8);
    assert_string_equal(ids, "d1 d0");
    /* one term kept: apple (ties with banana, first in byte order), rm 1, weight 1 + 1 */
    o.expand_terms = 1;
    assert_int_equal(trawl_search_run(s, "apple", &o), TRAWL_OK);
    assert_int_equal(trawl_search_query_term(s, 0, &t), TRAWL_OK);
    assert_true(fabs(t.weight - 2.0) < 1e-15);
    assert_int_equal(trawl_search_query_term(s, 1, &t), TRAWL_ENOTFOUND);
    /* alpha 0.25: the model weighs (1 - 0.25) / 0.25 = 3 times as much */
    o.expand_terms = 0;
    o.expand_weight = 0.25;
    assert_int_equal(trawl_search_run(s, "apple", &o), TRAWL_OK);
    assert_int_equal(trawl_search_query_term(s, 2, &t), TRAWL_OK);
    assert_true(fabs(t.weight - 3 * w_cherry) < 1e-12);
    /* a phrase is kept as written, the terms added beside it (|q| = 2 words) */
    o.expand_weight = 0;
    o.default_or = 1;
    assert_int_equal(trawl_search_run(s, "\"apple banana\"", &o), TRAWL_OK);
    tr_hits(s, ids, sizeof ids, sc, 8);
    assert_string_equal(ids, "d1 d0");
    /* no feedback document, or alpha 1: the query as written */
    assert_int_equal(trawl_search_run(s, "nothing", &o), TRAWL_OK);
    assert_int_equal(trawl_search_query_term(s, 1, &t), TRAWL_ENOTFOUND);
    o.expand_weight = 1;
    assert_int_equal(trawl_search_run(s, "apple", &o), TRAWL_OK);
    assert_int_equal(trawl_search_query_term(s, 1, &t), TRAWL_ENOTFOUND);
    o.expand_weight = 1.5;
    assert_int_equal(trawl_search_run(s, "apple", &o), TRAWL_EARG);
    trawl_search_free(s);
    trawl_index_close(idx);
}

/* ---------------------------------------------------------------- proximity */

/* BM25TP part of a word of idf w (its neighbours' idf v, both under 1) with closeness acc. */
static double tr_part(double lambda, double q, double w, double acc, double dl, double avgdl)
{
    double norm = 1.2 * (0.25 + 0.75 * dl / avgdl);
    return lambda * q * (w < 1 ? w : 1) * acc * 2.2 / (acc + norm);
}

/* a and b once each at distance 1, 3 and 4 in documents of equal length (equal BM25): the part
 * ranks them; "a b a" gives a and b two neighbours each. */
static void test_proximity(void **state)
{
    (void)state;
    static const char *docs[] = {"x a b x x", "a x x b x", "b x x x a", "a b a x x",
                                 "x y",       "x y",       "x y",       "x y"};
    trawl_index *idx = tr_index("prox", docs, 8);
    trawl_search *s;
    trawl_options o;
    char ids[256];
    double sc[8], avgdl = (5 * 4 + 2 * 4) / 8.0;
    double w = log(1 + (8 - 4 + 0.5) / 4.5); /* a and b: df 4 of 8 */
    double bm = 2 * tr_bm25(8, 4, 1, 5, avgdl);
    double want[4] = {bm + 2 * tr_part(1, 1, w, w / 1, 5, avgdl),
                      bm + 2 * tr_part(1, 1, w, w / 9, 5, avgdl),
                      bm + 2 * tr_part(1, 1, w, w / 16, 5, avgdl),
                      tr_bm25(8, 4, 2, 5, avgdl) + tr_bm25(8, 4, 1, 5, avgdl) +
                          2 * tr_part(1, 1, w, 2 * w, 5, avgdl)};
    assert_int_equal(trawl_search_new(&s, idx), TRAWL_OK);
    trawl_options_init(&o);
    assert_int_equal(o.proximity, 0); /* the default: off (docs/RANKING.md) */
    assert_int_equal(trawl_search_run(s, "a b", &o), TRAWL_OK);
    tr_hits(s, ids, sizeof ids, sc, 8);
    assert_string_equal(ids, "d3 d0 d1 d2"); /* d0..d2 tie: document order */
    for (int mode = 0; mode < 2; mode++) {
        o.default_or = mode;
        o.proximity = 1;
        assert_int_equal(trawl_search_run(s, "a b", &o), TRAWL_OK);
        tr_hits(s, ids, sizeof ids, sc, 8);
        assert_string_equal(ids, "d3 d0 d1 d2");
        int order[4] = {3, 0, 1, 2};
        for (int i = 0; i < 4; i++)
            if (fabs(sc[i] - want[order[i]]) > 1e-12 * want[order[i]])
                fail_msg("mode %d rank %d: %.12f, want %.12f", mode, i, sc[i], want[order[i]]);
    }
    /* lambda scales the part; off again is plain BM25, bit for bit */
    o.proximity_weight = 3;
    assert_int_equal(trawl_search_run(s, "a b", &o), TRAWL_OK);
    tr_hits(s, ids, sizeof ids, sc, 8);
    assert_true(fabs(sc[1] - (bm + 2 * tr_part(3, 1, w, w, 5, avgdl))) < 1e-12 * sc[1]);
    o.proximity = -1;
    assert_int_equal(trawl_search_run(s, "a b", &o), TRAWL_OK);
    tr_hits(s, ids, sizeof ids, sc, 8);
    assert_true(sc[1] == bm);
    /* explain: the BM25 clauses, then each word's part with its closeness */
    const trawl_explain *ex;
    trawl_explain_info in;
    size_t n;
    o.proximity = 1;
    o.proximity_weight = 0;
    o.explain = 1;
    assert_int_equal(trawl_search_run(s, "a b", &o), TRAWL_OK);
    assert_int_equal(trawl_search_explain(s, 2, &ex, &n, NULL), TRAWL_OK); /* d1 */
    assert_int_equal(n, 4);
    assert_string_equal(ex[2].term, "a");
    assert_int_equal(trawl_search_explain_info(s, 2, 2, &in), TRAWL_OK);
    assert_int_equal(in.kind, TRAWL_CLAUSE_PROXIMITY);
    assert_true(fabs(in.closeness - w / 9) < 1e-15);
    assert_true(fabs(in.weight - w) < 1e-15); /* lambda 1 * q 1 * min(1, idf) */
    assert_true(fabs(ex[2].score - tr_part(1, 1, w, w / 9, 5, avgdl)) < 1e-15);
    /* a lone word or a phrase has no part */
    assert_int_equal(trawl_search_run(s, "a", &o), TRAWL_OK);
    assert_int_equal(trawl_search_explain(s, 0, &ex, &n, NULL), TRAWL_OK);
    assert_int_equal(n, 1);
    o.proximity = 2;
    assert_int_equal(trawl_search_run(s, "a b", &o), TRAWL_EARG);
    trawl_search_free(s);
    trawl_index_close(idx);
}

/* ---------------------------------------------------------------- copies */

/* A corpus of identical copies (the growth benchmark's shape): every document ties with its
 * copies, so the top 10 fill with equal scores and the pruned paths (block-max AND's lead
 * scan, MaxScore's essential-list scan, a lone term's block skipping) see thresholds that many
 * later documents tie. The top 10 must be the first 10 of the full ranking (score descending,
 * ties by lower document), bit for bit: ties never enter after the heap holds them. */
#define TR_BASE   61
#define TR_COPIES 16

static void test_copies(void **state)
{
    (void)state;
    static const char *words[] = {"a", "b", "c", "x", "y", "z"};
    static char text[TR_BASE][400];
    const char *docs[TR_BASE * TR_COPIES];
    uint64_t r = 0x9e3779b97f4a7c15ULL;
    for (int i = 0; i < TR_BASE; i++) {
        size_t len = 0, n = 2 + tu_rand(&r) % 60;
        for (size_t j = 0; j < n; j++) {
            /* a in most documents, b in about half, c in a few; tf varies with the draw */
            uint64_t v = tu_rand(&r) % 100;
            const char *w = v < 20 ? "a" : v < 30 ? "b" : v < 32 ? "c" : words[3 + v % 3];
            len += (size_t)snprintf(text[i] + len, sizeof text[i] - len, "%s ", w);
        }
    }
    for (int c = 0; c < TR_COPIES; c++)
        for (int i = 0; i < TR_BASE; i++)
            docs[c * TR_BASE + i] = text[i];
    trawl_index *idx = tr_index("copies", docs, TR_BASE * TR_COPIES);
    trawl_search *s;
    assert_int_equal(trawl_search_new(&s, idx), TRAWL_OK);
    static const char *queries[] = {"a",   "b",   "c",   "+a +b", "+b +c", "+a +b +c",
                                    "a b", "b c", "a c", "a b c", "x a"};
    int pruned = 0;
    for (size_t q = 0; q < sizeof queries / sizeof *queries; q++) {
        trawl_options o;
        trawl_hit h;
        uint64_t all_doc[TR_BASE * TR_COPIES];
        double all_sc[TR_BASE * TR_COPIES];
        size_t n_all = 0, n_top = 0;
        trawl_options_init(&o);
        o.default_or = 1;
        o.limit = TR_BASE * TR_COPIES; /* the heap never fills: nothing pruned */
        assert_int_equal(trawl_search_run(s, queries[q], &o), TRAWL_OK);
        for (; trawl_search_hit(s, n_all, &h) == TRAWL_OK; n_all++) {
            all_doc[n_all] = h.doc;
            all_sc[n_all] = h.score;
            if (n_all && (all_sc[n_all - 1] < h.score ||
                          (all_sc[n_all - 1] == h.score && all_doc[n_all - 1] > h.doc)))
                fail_msg("%s: full ranking out of order at %zu", queries[q], n_all);
        }
        assert_true(n_all >= 10 * TR_COPIES / 16);
        o.limit = 10;
        assert_int_equal(trawl_search_run(s, queries[q], &o), TRAWL_OK);
        for (; trawl_search_hit(s, n_top, &h) == TRAWL_OK; n_top++)
            if (h.doc != all_doc[n_top] || h.score != all_sc[n_top])
                fail_msg("%s: hit %zu is doc %llu (%.17g), want %llu (%.17g)", queries[q], n_top,
                         (unsigned long long)h.doc, h.score, (unsigned long long)all_doc[n_top],
                         all_sc[n_top]);
        assert_int_equal(n_top, n_all < 10 ? n_all : 10);
        pruned += !trawl_search_count_is_exact(s);
    }
    assert_true(pruned >= 8); /* the pruned paths ran (a lone term's count is its df) */
    trawl_search_free(s);
    trawl_index_close(idx);
}

/* ---------------------------------------------------------------- OR floor */

/* Checks the pruned top 10 of q against the first 10 of its full ranking (limit 1000: nothing
 * pruned), ids and score bits. */
static void tr_top_is_full(trawl_search *s, const char *q)
{
    trawl_options o;
    trawl_hit h;
    uint64_t doc[64];
    double sc[64];
    size_t n_all = 0, n_top = 0;
    trawl_options_init(&o);
    o.default_or = 1;
    o.limit = 1000;
    assert_int_equal(trawl_search_run(s, q, &o), TRAWL_OK);
    for (; n_all < 64 && trawl_search_hit(s, n_all, &h) == TRAWL_OK; n_all++) {
        doc[n_all] = h.doc;
        sc[n_all] = h.score;
    }
    o.limit = 10;
    assert_int_equal(trawl_search_run(s, q, &o), TRAWL_OK);
    for (; trawl_search_hit(s, n_top, &h) == TRAWL_OK; n_top++)
        if (h.doc != doc[n_top] || h.score != sc[n_top])
            fail_msg("%s: hit %zu is doc %llu (%.17g), want %llu (%.17g)", q, n_top,
                     (unsigned long long)h.doc, h.score, (unsigned long long)doc[n_top], sc[n_top]);
    assert_int_equal(n_top, n_all < 10 ? n_all : 10);
}

/* An OR prunes from the start against a floor: the 10th best score of its strongest word alone
 * in one of that word's blocks (every document scores at least its part for the word). Here a
 * (13 documents, lengths 1 to 12 and 4) outweighs b (21, "b z"), and the top 10 of "a b" (by the
 * formula, computed here) are d12 (a b z z), the seven shortest documents holding a alone and
 * two of b. With d0 and d1 deleted, the 10th best of a among all its documents would lie above
 * b's bound, so a floor that counted deleted documents would drop b's list and its two hits. */
static void test_or_floor(void **state)
{
    (void)state;
    static char text[40][64];
    const char *docs[40];
    double avgdl = 0, want[40];
    int order[40];
    for (int i = 0; i < 40; i++) {
        size_t len = 0;
        if (i < 12) { /* "a" and i words z */
            len = (size_t)snprintf(text[i], sizeof text[i], "a");
            for (int j = 0; j < i; j++)
                len += (size_t)snprintf(text[i] + len, sizeof text[i] - len, " z");
        } else {
            snprintf(text[i], sizeof text[i], "%s", i == 12 ? "a b z z" : i < 33 ? "b z" : "z z z");
        }
        docs[i] = text[i];
        avgdl += i < 12 ? i + 1 : i == 12 ? 4 : i < 33 ? 2 : 3;
        (void)len;
    }
    avgdl /= 40;
    for (int i = 0; i < 40; i++) {
        double dl = i < 12 ? i + 1 : i == 12 ? 4 : i < 33 ? 2 : 3;
        want[i] = (i <= 12 ? tr_bm25(40, 13, 1, dl, avgdl) : 0) +
                  (i >= 12 && i < 33 ? tr_bm25(40, 21, 1, dl, avgdl) : 0);
        order[i] = i;
    }
    for (int i = 1; i < 40; i++) /* score descending, ties by lower document */
        for (int j = i; j > 0 && want[order[j]] > want[order[j - 1]]; j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    trawl_index *idx = tr_index("orfloor", docs, 40);
    trawl_search *s;
    trawl_options o;
    char ids[512], exp[512];
    double sc[10];
    size_t n = 0;
    assert_int_equal(trawl_search_new(&s, idx), TRAWL_OK);
    trawl_options_init(&o);
    o.default_or = 1;
    assert_int_equal(trawl_search_run(s, "a b", &o), TRAWL_OK);
    tr_hits(s, ids, sizeof ids, sc, 10);
    for (int i = 0; i < 10; i++)
        n += (size_t)snprintf(exp + n, sizeof exp - n, "%sd%d", i ? " " : "", order[i]);
    assert_string_equal(ids, "d12 d0 d1 d2 d3 d4 d5 d6 d13 d14");
    assert_string_equal(ids, exp);
    for (int i = 0; i < 10; i++)
        assert_true(fabs(sc[i] - want[order[i]]) < 1e-12 * want[order[i]]);
    trawl_search_free(s);
    trawl_index_close(idx);

    /* d0 and d1 deleted */
    char dir[400], errbuf[512];
    trawl_writer *w;
    snprintf(dir, sizeof dir, "%s/orfloor", tr_root);
    assert_int_equal(trawl_writer_open(&w, dir, NULL, errbuf, sizeof errbuf), TRAWL_OK);
    assert_int_equal(trawl_writer_delete(w, "d0", 2), TRAWL_OK);
    assert_int_equal(trawl_writer_delete(w, "d1", 2), TRAWL_OK);
    assert_int_equal(trawl_writer_commit(w), TRAWL_OK);
    trawl_writer_close(w);
    const char *dirs[] = {dir};
    assert_int_equal(trawl_index_open(&idx, dirs, 1, errbuf, sizeof errbuf), TRAWL_OK);
    assert_int_equal(trawl_search_new(&s, idx), TRAWL_OK);
    tr_top_is_full(s, "a b");
    assert_int_equal(trawl_search_run(s, "a b", &o), TRAWL_OK);
    tr_hits(s, ids, sizeof ids, sc, 10);
    assert_string_equal(ids, "d12 d2 d3 d4 d5 d6 d7 d8 d13 d14");
    trawl_search_free(s);
    trawl_index_close(idx);
}

/* ---------------------------------------------------------------- ties of a lone term */

/* A lone word's blocks are scored best bound first, then in document order; a block that can
 * at most tie the threshold is passed over only if all its documents come after the heap's
 * worst hit (which wins the tie on its lower number). Block 1 (d128 to d255) holds the best
 * document, d128 ("a", length 1), and 127 ties ("a z z"); block 0 (d0 to d127) holds only
 * ties, which come before them and must replace them: the top 10 is d128, then d0 to d8. */
static void test_term_ties(void **state)
{
    (void)state;
    const char *docs[256];
    for (int i = 0; i < 256; i++)
        docs[i] = i == 128 ? "a" : "a z z";
    trawl_index *idx = tr_index("ties", docs, 256);
    trawl_search *s;
    trawl_options o;
    char ids[512];
    double sc[10];
    assert_int_equal(trawl_search_new(&s, idx), TRAWL_OK);
    trawl_options_init(&o);
    assert_int_equal(trawl_search_run(s, "a", &o), TRAWL_OK);
    tr_hits(s, ids, sizeof ids, sc, 10);
    assert_string_equal(ids, "d128 d0 d1 d2 d3 d4 d5 d6 d7 d8");
    double avgdl = (255 * 3 + 1) / 256.0;
    assert_true(fabs(sc[0] - tr_bm25(256, 256, 1, 1, avgdl)) < 1e-12 * sc[0]);
    for (int i = 1; i < 10; i++)
        assert_true(sc[i] == sc[1] && fabs(sc[1] - tr_bm25(256, 256, 1, 3, avgdl)) < 1e-12 * sc[1]);
    tr_top_is_full(s, "a");
    trawl_search_free(s);
    trawl_index_close(idx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_query_tf),  cmocka_unit_test(test_expand),
        cmocka_unit_test(test_proximity), cmocka_unit_test(test_or_floor),
        cmocka_unit_test(test_copies),    cmocka_unit_test(test_term_ties),
    };
    return cmocka_run_group_tests(tests, tr_setup, tr_teardown);
}
