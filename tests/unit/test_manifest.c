/* test_manifest: MANIFEST round trip and the three refusals (missing, bad checksum, newer). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_missing),
        cmocka_unit_test(test_bad_checksum),
        cmocka_unit_test(test_newer_version),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
