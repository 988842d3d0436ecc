/* test_golden_v2: format compatibility for segment format 2 and manifest version 2, from
 * tests/data/golden-v2/ (see its README.md): an index of tests/data/seeds with one document
 * (002) deleted, committed byte for byte. It must open, pass the deep check, count 4 live
 * documents, give hits whose scores equal, bit for bit, those of an index freshly built from
 * the 4 remaining seeds (BM25 statistics over live documents only), turn hits back into paths
 * under the recorded root, and refuse a damaged live file clearly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "build.h"
#include "testutil.h"
#include "trawl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define G2_LIV "seg-000001-000002.liv"

static char g2_dir[256], g2_tmp[128], g2_fresh[200];

static trawl_index *g2_open(const char *dir, int want)
{
    trawl_index *idx = NULL;
    char eb[512];
    const char *dirs[] = {dir};
    int rc = trawl_index_open(&idx, dirs, 1, eb, sizeof eb);
    if (rc != want) fail_msg("open %s: %s (%s)", dir, trawl_strerror(rc), eb);
    if (want != TRAWL_OK) assert_non_null(strstr(eb, G2_LIV));
    return idx;
}

/* A fresh index of the seeds without 002, for the scores a live-only BM25 must give. */
static int g2_setup(void **state)
{
    (void)state;
    char corpus[200], cmd[800];
    const char *cand[] = {"tests/data", "../tests/data", "../../tests/data"};
    for (size_t i = 0; i < 3 && !g2_dir[0]; i++) {
        struct stat st;
        snprintf(g2_dir, sizeof g2_dir, "%s/golden-v2", cand[i]);
        if (stat(g2_dir, &st) != 0) g2_dir[0] = '\0';
    }
    if (!g2_dir[0] || !tu_mkdtemp(g2_tmp, sizeof g2_tmp, "golden2")) return -1;
    snprintf(corpus, sizeof corpus, "%s/seeds", g2_tmp);
    snprintf(cmd, sizeof cmd, "cp -r '%s/../seeds' '%s' && rm '%s/002_a63481e40361881c.txt'",
             g2_dir, corpus, corpus);
    if (system(cmd) != 0) return -1;
    snprintf(g2_fresh, sizeof g2_fresh, "%s/fresh", g2_tmp);
    build_opts o;
    build_result r;
    err e;
    const char *paths[] = {corpus};
    build_opts_init(&o);
    err_init(&e);
    o.index_dir = g2_fresh;
    o.paths = paths;
    o.n_paths = 1;
    return build_run(&o, &r, &e) == TRAWL_OK ? 0 : -1;
}

static int g2_teardown(void **state)
{
    (void)state;
    return tu_rm_rf(g2_tmp);
}

static void test_opens_and_checks(void **state)
{
    (void)state;
    trawl_index *idx = g2_open(g2_dir, TRAWL_OK);
    trawl_stats st;
    char eb[512];
    trawl_index_stats(idx, &st);
    assert_int_equal(st.n_docs, 4);
    assert_int_equal(st.n_segments, 1);
    assert_int_equal(trawl_index_generation(idx), 2);
    assert_int_equal(trawl_index_check(idx, eb, sizeof eb), TRAWL_OK);
    trawl_index_close(idx);
}

/* Every query answers as the fresh build of the live documents: same ids, same score bits. */
static void test_scores_equal_fresh_build(void **state)
{
    (void)state;
    static const char *const qs[] = {"rafah",
                                     "\"ground invasion\"",
                                     "blinken -netanyahu",
                                     "civilian casualties",
                                     "gaza OR egypt",
                                     "invas*"};
    static const int counts[] = {4, 2, -1, -1, -1, -1};
    trawl_index *a = g2_open(g2_dir, TRAWL_OK), *b = g2_open(g2_fresh, TRAWL_OK);
    trawl_search *sa, *sb;
    assert_int_equal(trawl_search_new(&sa, a), TRAWL_OK);
    assert_int_equal(trawl_search_new(&sb, b), TRAWL_OK);
    for (size_t q = 0; q < sizeof qs / sizeof *qs; q++) {
        trawl_hit ha, hb;
        assert_int_equal(trawl_search_run(sa, qs[q], NULL), TRAWL_OK);
        assert_int_equal(trawl_search_run(sb, qs[q], NULL), TRAWL_OK);
        if (counts[q] >= 0) assert_int_equal(trawl_search_count(sa), counts[q]);
        assert_int_equal(trawl_search_count(sa), trawl_search_count(sb));
        for (size_t i = 0; trawl_search_hit(sb, i, &hb) == TRAWL_OK; i++) {
            assert_int_equal(trawl_search_hit(sa, i, &ha), TRAWL_OK);
            assert_int_equal(ha.id_len, hb.id_len);
            assert_memory_equal(ha.id, hb.id, ha.id_len);
            if (ha.score != hb.score)
                fail_msg("%s: hit %zu scores %.17g, fresh build %.17g", qs[q], i, ha.score,
                         hb.score);
            assert_true(strncmp(ha.id, "002_", 4) != 0);
        }
    }
    trawl_search_free(sa);
    trawl_search_free(sb);
    trawl_index_close(a);
    trawl_index_close(b);
}

/* A hit's path is the recorded root joined with its id. */
static void test_hit_paths(void **state)
{
    (void)state;
    trawl_index *idx = g2_open(g2_dir, TRAWL_OK);
    trawl_search *s;
    trawl_hit h;
    const char *path;
    size_t len;
    char want[300];
    assert_int_equal(trawl_search_new(&s, idx), TRAWL_OK);
    assert_int_equal(trawl_search_run(s, "rafah", NULL), TRAWL_OK);
    assert_int_equal(trawl_search_hit(s, 0, &h), TRAWL_OK);
    assert_int_equal(trawl_search_hit_path(s, 0, &path, &len), TRAWL_OK);
    snprintf(want, sizeof want, "/tmp/golden-v2-src/seeds/%.*s", (int)h.id_len, h.id);
    assert_string_equal(path, want);
    assert_int_equal(len, strlen(want));
    assert_int_equal(trawl_search_hit_path(s, 9, &path, &len), TRAWL_ENOTFOUND);
    trawl_search_free(s);
    trawl_index_close(idx);
}

/* A flipped byte anywhere in the live file, or the file missing, is refused naming it. */
static void test_damaged_live_file(void **state)
{
    (void)state;
    char copy[200], path[300], cmd[1024];
    snprintf(copy, sizeof copy, "%s/copy", g2_tmp);
    snprintf(path, sizeof path, "%s/%s", copy, G2_LIV);
    for (long at = 0;; at += 97) {
        snprintf(cmd, sizeof cmd, "rm -rf '%s' && cp -r '%s' '%s'", copy, g2_dir, copy);
        assert_int_equal(system(cmd), 0);
        FILE *f = fopen(path, "r+b");
        assert_non_null(f);
        fseek(f, 0, SEEK_END);
        long size = ftell(f);
        if (at >= size) {
            fclose(f);
            break;
        }
        fseek(f, at, SEEK_SET);
        int c = fgetc(f);
        fseek(f, at, SEEK_SET);
        fputc(c ^ 0x20, f);
        fclose(f);
        trawl_index *idx = g2_open(copy, TRAWL_ECORRUPT);
        assert_null(idx);
    }
    unlink(path);
    trawl_index *idx = NULL;
    char eb[512];
    const char *dirs[] = {copy};
    assert_int_not_equal(trawl_index_open(&idx, dirs, 1, eb, sizeof eb), TRAWL_OK);
    assert_non_null(strstr(eb, G2_LIV));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_opens_and_checks),
        cmocka_unit_test(test_scores_equal_fresh_build),
        cmocka_unit_test(test_hit_paths),
        cmocka_unit_test(test_damaged_live_file),
    };
    return cmocka_run_group_tests(tests, g2_setup, g2_teardown);
}
