/* test_golden: format compatibility. tests/data/golden-v1/ is an index of tests/data/seeds
 * written by trawl-index at format version 1 and committed (see its README.md). A build that
 * writes version 1 must read it and give the known answers below; a later build must either
 * still do so or refuse it with TRAWL_EVERSION and a message naming the version (then the
 * known-answer cases skip). Either way, a copy whose segment or manifest claims a newer
 * version must be refused with TRAWL_EVERSION, and a copy with a foreign magic with
 * TRAWL_ENOTINDEX, each with a message naming the file (Tantivy compat_tests.rs). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "format.h"
#include "testutil.h"
#include "trawl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define GOLDEN_SEG "seg-000001.trw"

static char golden_dir[4096];

/* BM25 of `rafah` (k1 1.2, b 0.75) as this index gave them when it was made; they agree with
 * tests/data/expected/rafah.ref (tests/ref_bm25.py) to its 9 printed digits. */
static const struct {
    const char *id;
    double score;
} golden_rafah[] = {
    {"004_1bb60bc09e960d9e.txt", 0.1446926227262883},
    {"002_a63481e40361881c.txt", 0.1440894075876491},
    {"000_80b59f045025d532.txt", 0.13684671186975556},
    {"003_ff34c1b5f921961e.txt", 0.12197619480280061},
    {"001_b555f2e6071b8337.txt", 0.080183645226599695},
};

static int golden_is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The golden directory relative to the working directory (make test runs from the root) or,
 * failing that, to this source file's own path. */
static int golden_find(void **state)
{
    (void)state;
    static const char *const cand[] = {"tests/data/golden-v1", "../tests/data/golden-v1",
                                       "../../tests/data/golden-v1"};
    for (size_t i = 0; i < sizeof cand / sizeof *cand; i++)
        if (golden_is_dir(cand[i])) {
            snprintf(golden_dir, sizeof golden_dir, "%s", cand[i]);
            return 0;
        }
    const char *src = __FILE__, *tail = strstr(src, "tests/unit/test_golden.c");
    if (tail) {
        snprintf(golden_dir, sizeof golden_dir, "%.*stests/data/golden-v1", (int)(tail - src), src);
        if (golden_is_dir(golden_dir)) return 0;
    }
    fprintf(stderr, "test_golden: tests/data/golden-v1 not found\n");
    return -1;
}

static unsigned char *golden_slurp(const char *path, size_t *len)
{
    unsigned char *p = tu_slurp(path, len);
    assert_non_null(p);
    return p;
}

static void golden_spit(const char *path, const unsigned char *p, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* Copies the golden index into a fresh temporary directory (dir receives its path). */
static void golden_copy(char *dir, size_t dir_len)
{
    static const char *const files[] = {"MANIFEST", GOLDEN_SEG};
    snprintf(dir, dir_len, "/tmp/trawl-test-golden-XXXXXX");
    assert_non_null(mkdtemp(dir));
    for (size_t i = 0; i < 2; i++) {
        char src[4200], dst[4200];
        size_t len;
        snprintf(src, sizeof src, "%s/%s", golden_dir, files[i]);
        snprintf(dst, sizeof dst, "%s/%s", dir, files[i]);
        unsigned char *p = golden_slurp(src, &len);
        golden_spit(dst, p, len);
        free(p);
    }
}

static void golden_remove(const char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* Overwrites n bytes at off in dir/name. */
static void golden_patch(const char *dir, const char *name, size_t off, const void *bytes, size_t n)
{
    char path[4200];
    size_t len;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    unsigned char *p = golden_slurp(path, &len);
    assert_true(off + n <= len);
    memcpy(p + off, bytes, n);
    golden_spit(path, p, len);
    free(p);
}

/* Opens the v1 index in dir. If this build writes another version and refuses v1 clearly,
 * the calling test is skipped (allowed by the compatibility rule); any other failure fails. */
static trawl_index *golden_open(const char *dir)
{
    char errbuf[512] = "";
    trawl_index *idx = NULL;
    const char *dirs[] = {dir};
    int rc = trawl_index_open(&idx, dirs, 1, errbuf, sizeof errbuf);
    if (rc == TRAWL_EVERSION && FMT_VERSION_MIN > 1 && strstr(errbuf, "version 1")) {
        fprintf(stderr, "golden v1 refused by this build (format %u): %s\n", FMT_VERSION, errbuf);
        skip();
    }
    if (rc != TRAWL_OK) fprintf(stderr, "open %s: %s: %s\n", dir, trawl_strerror(rc), errbuf);
    assert_int_equal(rc, TRAWL_OK);
    return idx;
}

/* Opening dir must fail with want, and the message must name `name` and say `what`. Removes
 * dir. */
static void golden_expect_refused(const char *dir, int want, const char *name, const char *what)
{
    char errbuf[512] = "";
    trawl_index *idx = (trawl_index *)&errbuf; /* must be reset to NULL on failure */
    const char *dirs[] = {dir};
    int rc = trawl_index_open(&idx, dirs, 1, errbuf, sizeof errbuf);
    golden_remove(dir); /* before any assertion, so a failure leaves no directory behind */
    if (rc != want || !strstr(errbuf, name) || !strstr(errbuf, what))
        fprintf(stderr, "want %s naming %s (\"%s\"), got %s: %s\n", trawl_strerror(want), name,
                what, trawl_strerror(rc), errbuf);
    assert_int_equal(rc, want);
    assert_null(idx);
    assert_non_null(strstr(errbuf, name));
    assert_non_null(strstr(errbuf, what));
}

static void test_golden_stats(void **state)
{
    (void)state;
    trawl_index *idx = golden_open(golden_dir);
    trawl_stats st;
    trawl_index_stats(idx, &st);
    assert_int_equal(st.n_docs, 5);
    assert_int_equal(st.total_tokens, 1792);
    assert_int_equal(st.n_terms, 477);
    assert_int_equal(st.n_segments, 1);
    assert_int_equal(st.index_bytes, 12824);
    assert_string_equal(st.language, "english");
    trawl_index_close(idx);
}

static void test_golden_check(void **state)
{
    (void)state;
    char errbuf[512] = "";
    trawl_index *idx = golden_open(golden_dir);
    int rc = trawl_index_check(idx, errbuf, sizeof errbuf);
    if (rc != TRAWL_OK) fprintf(stderr, "check: %s\n", errbuf);
    assert_int_equal(rc, TRAWL_OK);
    trawl_index_close(idx);
}

/* Runs query and returns the context with its results (caller frees). */
static trawl_search *golden_run(const trawl_index *idx, const char *query)
{
    trawl_search *s = NULL;
    trawl_options o;
    trawl_options_init(&o);
    assert_int_equal(trawl_search_new(&s, idx), TRAWL_OK);
    int rc = trawl_search_run(s, query, &o);
    if (rc != TRAWL_OK) fprintf(stderr, "%s: %s\n", query, trawl_search_errmsg(s));
    assert_int_equal(rc, TRAWL_OK);
    return s;
}

static void golden_assert_id(const trawl_hit *h, const char *id)
{
    assert_int_equal(h->id_len, strlen(id));
    assert_memory_equal(h->id, id, h->id_len);
}

static void test_golden_rafah_scores(void **state)
{
    (void)state;
    trawl_index *idx = golden_open(golden_dir);
    trawl_search *s = golden_run(idx, "rafah");
    size_t n = sizeof golden_rafah / sizeof *golden_rafah;
    trawl_hit h;
    assert_int_equal(trawl_search_count(s), n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(trawl_search_hit(s, i, &h), TRAWL_OK);
        golden_assert_id(&h, golden_rafah[i].id);
        if (fabs(h.score - golden_rafah[i].score) > 1e-9)
            fprintf(stderr, "hit %zu: score %.17g, golden %.17g\n", i, h.score,
                    golden_rafah[i].score);
        assert_true(fabs(h.score - golden_rafah[i].score) <= 1e-9);
    }
    assert_int_equal(trawl_search_hit(s, n, &h), TRAWL_ENOTFOUND);
    trawl_search_free(s);
    trawl_index_close(idx);
}

static void test_golden_phrase(void **state)
{
    (void)state;
    trawl_index *idx = golden_open(golden_dir);
    trawl_search *s = golden_run(idx, "\"ground invasion\"");
    trawl_hit a, b;
    assert_int_equal(trawl_search_count(s), 2);
    assert_int_equal(trawl_search_hit(s, 0, &a), TRAWL_OK);
    assert_int_equal(trawl_search_hit(s, 1, &b), TRAWL_OK);
    golden_assert_id(&a, "000_80b59f045025d532.txt"); /* higher score: 1.829 vs 1.631 */
    golden_assert_id(&b, "003_ff34c1b5f921961e.txt");
    assert_int_equal(trawl_search_hit(s, 2, &b), TRAWL_ENOTFOUND);
    trawl_search_free(s);
    trawl_index_close(idx);
}

/* Stored text survives the format: the document is whole and the query word is in it. */
static void test_golden_text(void **state)
{
    (void)state;
    trawl_index *idx = golden_open(golden_dir);
    trawl_search *s = golden_run(idx, "rafah");
    const char *text;
    size_t len;
    assert_int_equal(trawl_search_text(s, 0, &text, &len), TRAWL_OK);
    assert_true(len > 100);
    char *copy = malloc(len + 1);
    assert_non_null(copy);
    memcpy(copy, text, len);
    copy[len] = '\0';
    assert_non_null(strstr(copy, "Rafah"));
    free(copy);
    trawl_search_free(s);
    trawl_index_close(idx);
}

/* A segment whose header names the version after this build's is "newer", not "corrupt", and
 * the message says which version it found. */
static void test_golden_segment_version_bumped(void **state)
{
    (void)state;
    char dir[64], what[32];
    uint32_t next = FMT_VERSION + 1; /* little-endian host: rd.h insists */
    golden_copy(dir, sizeof dir);
    golden_patch(dir, GOLDEN_SEG, offsetof(fmt_header, version), &next, 4);
    snprintf(what, sizeof what, "version %u", next);
    golden_expect_refused(dir, TRAWL_EVERSION, GOLDEN_SEG, what);
}

/* The manifest's version is read before its checksum, so a newer manifest is refused as newer. */
static void test_golden_manifest_version_bumped(void **state)
{
    (void)state;
    char dir[64];
    golden_copy(dir, sizeof dir);
    golden_patch(dir, "MANIFEST", strlen("trawl-manifest "), "9", 1);
    golden_expect_refused(dir, TRAWL_EVERSION, "MANIFEST", "version 9");
}

static void test_golden_foreign_magic(void **state)
{
    (void)state;
    char dir[64];
    golden_copy(dir, sizeof dir);
    golden_patch(dir, GOLDEN_SEG, 1, "T", 1); /* "\xFEtrawl" -> "\xFETrawl" */
    golden_expect_refused(dir, TRAWL_ENOTINDEX, GOLDEN_SEG, "magic");
}

/* Version 1 is read, or (by a later build) refused as an older version, never as corrupt. */
static void test_golden_v1_read_or_refused(void **state)
{
    (void)state;
    char errbuf[512] = "";
    trawl_index *idx = NULL;
    const char *dirs[] = {golden_dir};
    int rc = trawl_index_open(&idx, dirs, 1, errbuf, sizeof errbuf);
    if (rc != TRAWL_OK) fprintf(stderr, "golden v1: %s: %s\n", trawl_strerror(rc), errbuf);
    if (FMT_VERSION_MIN <= 1)
        assert_int_equal(rc, TRAWL_OK);
    else
        assert_true(rc == TRAWL_OK || (rc == TRAWL_EVERSION && strstr(errbuf, "version 1")));
    trawl_index_close(idx);
}

/* A copy that was not touched must still open: the helpers above are not what refuses. */
static void test_golden_copy_opens(void **state)
{
    (void)state;
    char dir[64], errbuf[512] = "";
    trawl_index *idx = NULL;
    const char *dirs[] = {dir};
    golden_copy(dir, sizeof dir);
    int rc = trawl_index_open(&idx, dirs, 1, errbuf, sizeof errbuf);
    trawl_index_close(idx);
    golden_remove(dir); /* before any assertion, so a failure leaves no directory behind */
    if (rc != TRAWL_OK) fprintf(stderr, "copy: %s: %s\n", trawl_strerror(rc), errbuf);
    if (FMT_VERSION_MIN <= 1)
        assert_int_equal(rc, TRAWL_OK);
    else
        assert_true(rc == TRAWL_OK || rc == TRAWL_EVERSION);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_v1_read_or_refused),
        cmocka_unit_test(test_golden_stats),
        cmocka_unit_test(test_golden_check),
        cmocka_unit_test(test_golden_rafah_scores),
        cmocka_unit_test(test_golden_phrase),
        cmocka_unit_test(test_golden_text),
        cmocka_unit_test(test_golden_copy_opens),
        cmocka_unit_test(test_golden_segment_version_bumped),
        cmocka_unit_test(test_golden_manifest_version_bumped),
        cmocka_unit_test(test_golden_foreign_magic),
    };
    return cmocka_run_group_tests(tests, golden_find, NULL);
}
