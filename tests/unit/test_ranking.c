/* Known answers of the ranking beyond plain BM25 (docs/RANKING.md) on tiny corpora written
 * through the public writer (language "none", so every word is its own term): scores and
 * rankings computed here by hand from the formulas, independently of the library. Repeated
 * query words (query_tf). */
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
 * per occurrence); with TRAWL_QTF_ONCE the query is "a b", bit for bit. */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_query_tf),
    };
    return cmocka_run_group_tests(tests, tr_setup, tr_teardown);
}
