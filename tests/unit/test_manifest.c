/* test_manifest: MANIFEST round trip (segments, live files, roots), version 1 still read, and
 * the refusals: missing, bad checksum, newer, and damage re-sealed with a valid checksum
 * (a file listed twice, negative or overflowing numbers, ids past next_segment). */
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
    assert_non_null(strstr(read_text(), "trawl-manifest 2\ngeneration 7\n"));
}

/* Writes body + its checksum line: damage that a checksum alone cannot catch. */
static void write_sealed(const char *body)
{
    char text[4096];
    snprintf(text, sizeof text, "%schecksum %016llx\n", body,
             (unsigned long long)checksum64(body, strlen(body)));
    write_text(text);
}

static int read_sealed(const char *body)
{
    manifest m;
    err e;
    err_init(&e);
    write_sealed(body);
    int rc = manifest_read(&m, g_dir, &e);
    if (rc == TRAWL_OK) manifest_free(&m);
    return rc;
}

/* Phrase grams make a version 3 manifest, with its line after next_segment; without them the
 * manifest stays version 2 (readable by older builds). A version 3 manifest without the line,
 * or with list 0, is refused. */
static void test_phrase_grams(void **state)
{
    (void)state;
    manifest m;
    err e;
    err_init(&e);
    manifest_init(&m);
    strcpy(m.language, "english");
    m.max_token_len = 64;
    m.phrase_grams = 1;
    assert_int_equal(manifest_write(&m, g_dir, &e), TRAWL_OK);
    manifest_free(&m);
    char *t = read_text();
    assert_non_null(strstr(t, "trawl-manifest 3\n"));
    assert_non_null(strstr(t, "next_segment 1\nphrase_grams 1\n"));
    assert_int_equal(manifest_read(&m, g_dir, &e), TRAWL_OK);
    assert_int_equal(m.version, 3);
    assert_int_equal(m.phrase_grams, 1);
    manifest_free(&m);
    write_sample();
    t = read_text();
    assert_non_null(strstr(t, "trawl-manifest 2\n"));
    assert_null(strstr(t, "phrase_grams"));
    const char *head = "generation 1\nlanguage english\nmax_token_len 64\nnext_segment 1\n";
    char body[512];
    snprintf(body, sizeof body, "trawl-manifest 3\n%s", head);
    assert_int_equal(read_sealed(body), TRAWL_ECORRUPT);
    snprintf(body, sizeof body, "trawl-manifest 3\n%sphrase_grams 0\n", head);
    assert_int_equal(read_sealed(body), TRAWL_ECORRUPT);
    snprintf(body, sizeof body, "trawl-manifest 2\n%sphrase_grams 1\n", head);
    assert_int_equal(read_sealed(body), TRAWL_ECORRUPT);
    snprintf(body, sizeof body, "trawl-manifest 3\n%sphrase_grams 1\n", head);
    assert_int_equal(read_sealed(body), TRAWL_OK);
    /* a word list a newer build made: newer, not corrupt */
    snprintf(body, sizeof body, "trawl-manifest 3\n%sphrase_grams 2\n", head);
    assert_int_equal(read_sealed(body), TRAWL_EVERSION);
}

/* Roots (with bytes that need escaping) and live files survive a round trip. */
static void test_roots_and_live_files(void **state)
{
    (void)state;
    manifest m;
    err e;
    uint32_t id;
    manifest_init(&m);
    err_init(&e);
    strcpy(m.language, "none");
    m.max_token_len = 64;
    assert_int_equal(manifest_root_get(&m, "/home/u/my notes%", &id, &e), TRAWL_OK);
    assert_int_equal(id, 1);
    assert_int_equal(manifest_root_get(&m, "/srv/d2", &id, &e), TRAWL_OK);
    assert_int_equal(id, 2);
    assert_int_equal(manifest_root_get(&m, "/home/u/my notes%", &id, &e), TRAWL_OK);
    assert_int_equal(id, 1);
    assert_int_equal(manifest_root_get(&m, "relative", &id, &e), TRAWL_EARG);
    err_init(&e);
    assert_int_equal(manifest_add(&m, "seg-000003.trw", 3, 10, &e), TRAWL_OK);
    assert_int_equal(manifest_set_liv(&m, 0, "seg-000003-000009.liv", 4, &e), TRAWL_OK);
    assert_int_equal(manifest_set_liv(&m, 0, "x.liv", 11, &e), TRAWL_EARG);
    err_init(&e);
    assert_int_equal(m.next_seg, 4);
    m.next_seg = 9;
    assert_int_equal(manifest_write(&m, g_dir, &e), TRAWL_OK);
    manifest_free(&m);
    assert_non_null(strstr(read_text(), "root 1 /home/u/my%20notes%25\nroot 2 /srv/d2\n"));
    assert_int_equal(manifest_read(&m, g_dir, &e), TRAWL_OK);
    assert_int_equal(m.n_roots, 2);
    assert_string_equal(manifest_root_path(&m, 1), "/home/u/my notes%");
    assert_string_equal(manifest_root_path(&m, 2), "/srv/d2");
    assert_null(manifest_root_path(&m, 3));
    assert_int_equal(m.next_seg, 9);
    assert_string_equal(m.segs[0].liv, "seg-000003-000009.liv");
    assert_int_equal(m.segs[0].n_deleted, 4);
    assert_int_equal(manifest_find(&m, "seg-000003.trw"), 0);
    manifest_free(&m);
}

/* A version 1 manifest (no next_segment, no roots, three fields a segment) still reads. */
static void test_version_1(void **state)
{
    (void)state;
    manifest m;
    err e;
    err_init(&e);
    write_sealed("trawl-manifest 1\ngeneration 3\nlanguage english\nmax_token_len 64\n"
                 "seg-000001.trw 1 5\nseg-000004.trw 4 2\n");
    assert_int_equal(manifest_read(&m, g_dir, &e), TRAWL_OK);
    assert_int_equal(m.version, 1);
    assert_int_equal(m.n_segs, 2);
    assert_int_equal(m.next_seg, 5);
    assert_string_equal(m.segs[1].liv, "");
    manifest_free(&m);
}

/* Damage re-sealed with a valid checksum is still refused as corrupt. */
static void test_resealed_damage(void **state)
{
    (void)state;
    const char *head = "trawl-manifest 2\ngeneration 3\nlanguage english\nmax_token_len 64\n";
    char body[1024];
    const char *cases[] = {
        "next_segment 9\nseg-000001.trw 1 5 - 0\nseg-000001.trw 1 5 - 0\n", /* twice */
        "next_segment 9\nseg-000001.trw 1 5 - 0\nseg-000002.trw 1 5 - 0\n", /* same id */
        "next_segment 9\nseg-000001.trw 1 5 a.liv 1\nseg-000002.trw 2 5 a.liv 1\n",
        "next_segment 2\nseg-000005.trw 5 5 - 0\n",          /* id past next_segment */
        "next_segment 9\nseg-000001.trw 1 5 x.liv 6\n",      /* more deleted than docs */
        "next_segment 9\nseg-000001.trw 1 5 - 2\n",          /* deletions without a file */
        "next_segment 9\nseg-000001.trw 1 4294967296 - 0\n", /* n_docs overflows u32 */
        "next_segment 9\nseg-000001.trw -1 5 - 0\n",
        "next_segment 9\nseg-000001.trw +1 5 - 0\n",
        "next_segment 9\nseg-000001.trw 1 5\n", /* a v1 line in a v2 file */
        "next_segment 9\nroot 2 /a\nroot 1 /b\nseg-000001.trw 1 5 - 0\n",
        "next_segment 9\nroot 1 relative\n",
        "next_segment 99999999999999999999\n",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(body, sizeof body, "%s%s", head, cases[i]);
        if (read_sealed(body) != TRAWL_ECORRUPT) fail_msg("accepted: %s", cases[i]);
    }
    assert_int_equal(read_sealed("trawl-manifest 2\ngeneration -1\nlanguage english\n"
                                 "max_token_len 64\nnext_segment 1\n"),
                     TRAWL_ECORRUPT);
    snprintf(body, sizeof body, "%snext_segment 9\nseg-000001.trw 1 5 - 0\n", head);
    assert_int_equal(read_sealed(body), TRAWL_OK);
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
    write_text("trawl-manifest 4\ngeneration 1\nwhatever comes next\n");
    err_init(&e);
    assert_int_equal(manifest_read(&m, g_dir, &e), TRAWL_EVERSION);
}

/* Writes body (every line before the checksum line) sealed with a valid checksum line: only
 * the parser and the validation can object, as when a manifest is edited and re-sealed. */
/* Reads a sealed manifest made of a header and segment lines; returns the code, message in e. */
static int read_sealed_v1(const char *gen, const char *mtl, const char *segs, err *e)
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
        "-1", "+7", " 7", "7 ", "7x", "0x10", "", "9223372036854775808", "99999999999999999999"};
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
        read_sealed_v1("9223372036854775807", "255", "seg-000001.trw 1 4294967295\n", &e),
        TRAWL_OK);
    for (size_t i = 0; i < sizeof bad_gen / sizeof *bad_gen; i++) {
        assert_int_equal(read_sealed_v1(bad_gen[i], "64", "", &e), TRAWL_ECORRUPT);
        assert_non_null(strstr(e.msg, "MANIFEST"));
    }
    for (size_t i = 0; i < sizeof bad_mtl / sizeof *bad_mtl; i++)
        assert_int_equal(read_sealed_v1("1", bad_mtl[i], "", &e), TRAWL_ECORRUPT);
    for (size_t i = 0; i < sizeof bad_segs / sizeof *bad_segs; i++)
        assert_int_equal(read_sealed_v1("1", "64", bad_segs[i], &e), TRAWL_ECORRUPT);
}

/* A segment listed twice, by name or by id, would be searched twice (every hit doubled). */
static void test_duplicate_segments(void **state)
{
    (void)state;
    err e;
    assert_int_equal(read_sealed_v1("3", "64", "seg-000001.trw 1 5\nseg-000001.trw 1 5\n", &e),
                     TRAWL_ECORRUPT);
    assert_non_null(strstr(e.msg, "listed twice"));
    assert_int_equal(read_sealed_v1("3", "64", "seg-000001.trw 1 5\nseg-000002.trw 1 5\n", &e),
                     TRAWL_ECORRUPT);
    assert_non_null(strstr(e.msg, "seg-000002.trw is listed twice"));
    assert_int_equal(read_sealed_v1("3", "64", "seg-000001.trw 1 5\nseg-000002.trw 2 5\n", &e),
                     TRAWL_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),      cmocka_unit_test(test_missing),
        cmocka_unit_test(test_bad_checksum),   cmocka_unit_test(test_newer_version),
        cmocka_unit_test(test_phrase_grams),   cmocka_unit_test(test_roots_and_live_files),
        cmocka_unit_test(test_version_1),      cmocka_unit_test(test_resealed_damage),
        cmocka_unit_test(test_strict_numbers), cmocka_unit_test(test_duplicate_segments),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
