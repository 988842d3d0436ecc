/* test_manifest: MANIFEST round trip, the three refusals (missing, bad checksum, newer), and
 * what a valid checksum does not excuse: numbers outside their type, a segment listed twice. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "checksum.h"
#include "manifest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char g_dir[64];

static void write_text(const char *text)
{
    char path[128];
    snprintf(path, sizeof path, "%s/MANIFEST", g_dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static char *read_text(void)
{
    char path[128];
    static char text[4096];
    snprintf(path, sizeof path, "%s/MANIFEST", g_dir);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

static int setup(void **state)
{
    (void)state;
    strcpy(g_dir, "/tmp/trawl-test-manifest-XXXXXX");
    return mkdtemp(g_dir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[128];
    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf %s", g_dir);
    return system(cmd);
}

static void write_sample(void)
{
    manifest m;
    err e;
    manifest_init(&m);
    err_init(&e);
    m.generation = 7;
    strcpy(m.language, "english");
    m.max_token_len = 64;
    assert_int_equal(manifest_add(&m, "seg-000001.trw", 1, 1000, &e), TRAWL_OK);
    assert_int_equal(manifest_add(&m, "seg-000002.trw", 2, 25, &e), TRAWL_OK);
    assert_int_equal(manifest_add(&m, "../evil", 3, 1, &e), TRAWL_EARG);
    assert_int_equal(manifest_write(&m, g_dir, &e), TRAWL_OK);
    manifest_free(&m);
}

static void test_roundtrip(void **state)
{
    (void)state;
    manifest m;
    err e;
    err_init(&e);
    write_sample();
    assert_int_equal(manifest_read(&m, g_dir, &e), TRAWL_OK);
    assert_int_equal(m.generation, 7);
    assert_string_equal(m.language, "english");
    assert_int_equal(m.max_token_len, 64);
    assert_int_equal(m.n_segs, 2);
    assert_string_equal(m.segs[0].name, "seg-000001.trw");
    assert_int_equal(m.segs[0].id, 1);
    assert_int_equal(m.segs[0].n_docs, 1000);
    assert_string_equal(m.segs[1].name, "seg-000002.trw");
    assert_int_equal(m.segs[1].n_docs, 25);
    manifest_free(&m);
    assert_non_null(strstr(read_text(), "trawl-manifest 1\ngeneration 7\n"));
}

static void test_missing(void **state)
{
    (void)state;
    manifest m;
    err e;
    err_init(&e);
    assert_int_equal(manifest_read(&m, "/nonexistent-trawl-dir", &e), TRAWL_ENOTINDEX);
    write_text("hello world\n");
    err_init(&e);
    assert_int_equal(manifest_read(&m, g_dir, &e), TRAWL_ENOTINDEX);
}

static void test_bad_checksum(void **state)
{
    (void)state;
    manifest m;
    err e;
    write_sample();
    char *t = read_text();
    char *p = strstr(t, "1000");
    assert_non_null(p);
    p[0] = '2'; /* n_docs 2000: a plausible edit the checksum must catch */
    write_text(t);
    err_init(&e);
    assert_int_equal(manifest_read(&m, g_dir, &e), TRAWL_ECORRUPT);
    /* Truncated before the checksum line. */
    write_sample();
    t = read_text();
    *strstr(t, "checksum") = '\0';
    write_text(t);
    err_init(&e);
    assert_int_equal(manifest_read(&m, g_dir, &e), TRAWL_ECORRUPT);
}

static void test_newer_version(void **state)
{
    (void)state;
    manifest m;
    err e;
    write_text("trawl-manifest 2\ngeneration 1\nwhatever comes next\n");
    err_init(&e);
    assert_int_equal(manifest_read(&m, g_dir, &e), TRAWL_EVERSION);
}

/* Writes body (every line before the checksum line) sealed with a valid checksum line: only
 * the parser and the validation can object, as when a manifest is edited and re-sealed. */
static void write_sealed(const char *body)
{
    char text[1024];
    snprintf(text, sizeof text, "%schecksum %016llx\n", body,
             (unsigned long long)checksum64(body, strlen(body)));
    write_text(text);
}

/* Reads a sealed manifest made of a header and segment lines; returns the code, message in e. */
static int read_sealed(const char *gen, const char *mtl, const char *segs, err *e)
{
    char body[900];
    manifest m;
    snprintf(body, sizeof body,
             "trawl-manifest 1\ngeneration %s\nlanguage english\nmax_token_len %s\n%s", gen, mtl,
             segs);
    write_sealed(body);
    err_init(e);
    int rc = manifest_read(&m, g_dir, e);
    if (rc == TRAWL_OK) manifest_free(&m);
    return rc;
}

/* Numbers are strict decimals inside their type: no sign, no space, no junk, no wrap (issue 13:
 * "generation -1" read as 2^64 - 1, an n_docs past 2^32 wrapped). */
static void test_strict_numbers(void **state)
{
    (void)state;
    static const char *const bad_gen[] = {
        "-1", "+7", " 7", "7 ", "7x", "0x10", "", "18446744073709551616", "99999999999999999999"};
    static const char *const bad_mtl[] = {"-64", "4294967360", "0", "256", "64.0"};
    static const char *const bad_segs[] = {"seg-000001.trw -1 5\n",
                                           "seg-000001.trw 1 -5\n",
                                           "seg-000001.trw 1 4294967296\n",
                                           "seg-000001.trw 1 +5\n",
                                           "seg-000001.trw  1 5\n",
                                           "seg-000001.trw 1 5 \n",
                                           "seg-000001.trw 18446744073709551616 5\n",
                                           "seg-000001.trw 1\n",
                                           "../x 1 5\n"};
    err e;
    assert_int_equal(
        read_sealed("18446744073709551615", "255", "seg-000001.trw 1 4294967295\n", &e), TRAWL_OK);
    for (size_t i = 0; i < sizeof bad_gen / sizeof *bad_gen; i++) {
        assert_int_equal(read_sealed(bad_gen[i], "64", "", &e), TRAWL_ECORRUPT);
        assert_non_null(strstr(e.msg, "MANIFEST"));
    }
    for (size_t i = 0; i < sizeof bad_mtl / sizeof *bad_mtl; i++)
        assert_int_equal(read_sealed("1", bad_mtl[i], "", &e), TRAWL_ECORRUPT);
    for (size_t i = 0; i < sizeof bad_segs / sizeof *bad_segs; i++)
        assert_int_equal(read_sealed("1", "64", bad_segs[i], &e), TRAWL_ECORRUPT);
}

/* A segment listed twice, by name or by id, would be searched twice (every hit doubled). */
static void test_duplicate_segments(void **state)
{
    (void)state;
    err e;
    assert_int_equal(read_sealed("3", "64", "seg-000001.trw 1 5\nseg-000001.trw 1 5\n", &e),
                     TRAWL_ECORRUPT);
    assert_non_null(strstr(e.msg, "seg-000001.trw is listed twice"));
    assert_int_equal(read_sealed("3", "64", "seg-000001.trw 1 5\nseg-000002.trw 1 5\n", &e),
                     TRAWL_ECORRUPT);
    assert_non_null(strstr(e.msg, "segment id 1 is listed twice"));
    assert_int_equal(read_sealed("3", "64", "seg-000001.trw 1 5\nseg-000002.trw 2 5\n", &e),
                     TRAWL_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),      cmocka_unit_test(test_missing),
        cmocka_unit_test(test_bad_checksum),   cmocka_unit_test(test_newer_version),
        cmocka_unit_test(test_strict_numbers), cmocka_unit_test(test_duplicate_segments),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
