/* Unit tests of looking inside an index through the public API: trawl_terms_* (the vocabulary
 * merged over segments, live df, cf and when it is exact, prefixes, sizes) and
 * trawl_search_find (documents by id as hits, the same id under two roots). Indexes are built
 * with the public writer, two commits so that terms come from two segments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "trawl.h"

static char ti_dir[128];

static void ti_add(trawl_writer *w, const char *id, const char *text)
{
    assert_int_equal(trawl_writer_add(w, id, strlen(id), text, strlen(text), 0, NULL), TRAWL_OK);
}

/* Segment 1: a, b, c; segment 2: d, and c replaced (its old copy deleted in segment 1). */
static int ti_setup(void **state)
{
    (void)state;
    trawl_writer_options o;
    trawl_writer *w;
    char idx[160];
    if (!tu_mkdtemp(ti_dir, sizeof ti_dir, "inspect")) return -1;
    snprintf(idx, sizeof idx, "%s/idx", ti_dir);
    trawl_writer_options_init(&o);
    o.no_merge = 1;
    o.language = "none";
    if (trawl_writer_open(&w, idx, &o, NULL, 0) != TRAWL_OK) return -1;
    ti_add(w, "a", "apple apricot apple");
    ti_add(w, "b", "banana apple");
    ti_add(w, "c", "cherry apricot");
    if (trawl_writer_commit(w) != TRAWL_OK) return -1;
    ti_add(w, "d", "apple date");
    ti_add(w, "c", "cherry cherry");
    if (trawl_writer_commit(w) != TRAWL_OK) return -1;
    trawl_writer_close(w);
    return 0;
}

static int ti_teardown(void **state)
{
    (void)state;
    return tu_rm_rf(ti_dir);
}

static trawl_index *ti_open(void)
{
    char idx[160];
    const char *dirs[] = {idx};
    trawl_index *x = NULL;
    snprintf(idx, sizeof idx, "%s/idx", ti_dir);
    assert_int_equal(trawl_index_open(&x, dirs, 1, NULL, 0), TRAWL_OK);
    return x;
}

static void test_terms(void **state)
{
    (void)state;
    trawl_index *idx = ti_open();
    trawl_terms *it;
    trawl_term t;
    /* every term once, in byte order, merged over the two segments */
    const char *want[] = {"apple", "apricot", "banana", "cherry", "date"};
    const uint64_t df[] = {3, 1, 1, 1, 1}, cf[] = {4, 2, 1, 3, 1};
    const int exact[] = {1, 0, 1, 0, 1};
    assert_int_equal(trawl_terms_open(&it, idx, "", 0), TRAWL_OK);
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(trawl_terms_next(it, &t), TRAWL_OK);
        assert_string_equal(t.term, want[i]);
        assert_int_equal(t.len, strlen(want[i]));
        assert_int_equal(t.df, df[i]);
        /* apricot: 1 live document (a) + the deleted old c, whose occurrence still counts */
        assert_int_equal(t.cf, cf[i]);
        assert_int_equal(t.cf_is_exact, exact[i]);
    }
    assert_int_equal(trawl_terms_next(it, &t), TRAWL_ENOTFOUND);
    assert_int_equal(trawl_terms_next(it, &t), TRAWL_ENOTFOUND);
    assert_string_equal(trawl_terms_errmsg(it), "");
    trawl_terms_close(it);
    /* a prefix: only its terms; one that nothing has: none */
    assert_int_equal(trawl_terms_open(&it, idx, "ap", 2), TRAWL_OK);
    assert_int_equal(trawl_terms_next(it, &t), TRAWL_OK);
    assert_string_equal(t.term, "apple");
    assert_int_equal(trawl_terms_next(it, &t), TRAWL_OK);
    assert_string_equal(t.term, "apricot");
    assert_int_equal(trawl_terms_next(it, &t), TRAWL_ENOTFOUND);
    trawl_terms_close(it);
    assert_int_equal(trawl_terms_open(&it, idx, "zz", 2), TRAWL_OK);
    assert_int_equal(trawl_terms_next(it, &t), TRAWL_ENOTFOUND);
    /* an older caller's struct size is fine, a too small one is refused */
    assert_int_equal(trawl_terms_next_sized(it, &t, 3), TRAWL_EARG);
    trawl_terms_close(it);
    trawl_terms_close(NULL);
    assert_int_equal(trawl_terms_open(&it, idx, NULL, 1), TRAWL_EARG);
    assert_null(it);
    trawl_index_close(idx);
}

static void test_find(void **state)
{
    (void)state;
    trawl_index *idx = ti_open();
    trawl_search *s;
    trawl_hit h;
    const char *text, *path;
    size_t len;
    trawl_snippet sn;
    assert_int_equal(trawl_search_new(&s, idx), TRAWL_OK);
    /* the live c is the new one, in segment 2 */
    assert_int_equal(trawl_search_find(s, "c", 1), TRAWL_OK);
    assert_int_equal(trawl_search_hit(s, 0, &h), TRAWL_OK);
    assert_int_equal(h.id_len, 1);
    assert_int_equal(h.score, 0);
    assert_int_equal(trawl_search_hit(s, 1, &h), TRAWL_ENOTFOUND);
    assert_int_equal(trawl_search_count(s), 1);
    assert_int_equal(trawl_search_text(s, 0, &text, &len), TRAWL_OK);
    assert_int_equal(len, 13);
    assert_memory_equal(text, "cherry cherry", 13);
    assert_int_equal(trawl_search_hit_path(s, 0, &path, &len), TRAWL_ENOTFOUND);
    assert_int_equal(trawl_search_snippet(s, 0, 0, &sn), TRAWL_ENOTFOUND);
    assert_int_equal(trawl_search_find(s, "nope", 4), TRAWL_ENOTFOUND);
    assert_non_null(strstr(trawl_search_errmsg(s), "nope"));
    assert_int_equal(trawl_search_hit(s, 0, &h), TRAWL_ENOTFOUND);
    assert_int_equal(trawl_search_find(s, "", 0), TRAWL_EARG);
    /* a search afterwards works as ever */
    assert_int_equal(trawl_search_run(s, "apple", NULL), TRAWL_OK);
    assert_int_equal(trawl_search_count(s), 3);
    trawl_search_free(s);
    trawl_index_close(idx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_terms),
        cmocka_unit_test(test_find),
    };
    return cmocka_run_group_tests(tests, ti_setup, ti_teardown);
}
