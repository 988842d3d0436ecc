/* The ABI promise of trawl.h, exercised the way an older or newer caller would: the _sized
 * functions with struct sizes other than this header's, plus the version calls and the error
 * sentences. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "abi.h"
#include "build.h"
#include "err.h"
#include "testutil.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static char ta_root[256];
static trawl_index *ta_idx;

static int ta_setup(void **state)
{
    (void)state;
    char idx[300];
    const char *paths[] = {"tests/data/seeds"};
    build_opts o;
    build_result r;
    err e;
    if (!tu_mkdtemp(ta_root, sizeof ta_root, "abi")) return -1;
    snprintf(idx, sizeof idx, "%s/idx", ta_root);
    err_init(&e);
    build_opts_init(&o);
    o.index_dir = idx;
    o.paths = paths;
    o.n_paths = 1;
    o.language = "english";
    if (build_run(&o, &r, &e) != TRAWL_OK) return -1;
    const char *dirs[] = {idx};
    return trawl_index_open(&ta_idx, dirs, 1, NULL, 0) == TRAWL_OK ? 0 : -1;
}

static int ta_teardown(void **state)
{
    (void)state;
    trawl_index_close(ta_idx);
    return tu_rm_rf(ta_root);
}

static void test_version(void **state)
{
    (void)state;
    char v[32];
    snprintf(v, sizeof v, "%d.%d.%d", TRAWL_VERSION_MAJOR, TRAWL_VERSION_MINOR,
             TRAWL_VERSION_PATCH);
    assert_string_equal(trawl_version(), v);
    assert_string_equal(TRAWL_VERSION, v);
    assert_int_equal(trawl_version_number(), TRAWL_VERSION_NUMBER);
}

/* Every code has a sentence (capital letter, full stop) that is not its name. */
static void test_error_sentences(void **state)
{
    (void)state;
    for (int rc = TRAWL_OK; rc >= TRAWL_ENOTFOUND; rc--) {
        const char *m = trawl_strerror(rc), *n = trawl_errname(rc);
        assert_true(isupper((unsigned char)m[0]));
        assert_int_equal(m[strlen(m) - 1], '.');
        assert_true(strncmp(n, "TRAWL_", 6) == 0);
        assert_string_not_equal(m, n);
    }
    assert_string_equal(trawl_errname(TRAWL_EQUERY), "TRAWL_EQUERY");
    assert_string_equal(trawl_errname(-100), "TRAWL_EUNKNOWN");
    assert_string_equal(trawl_errname(3), "TRAWL_EUNKNOWN");
    assert_non_null(strstr(trawl_strerror(-100), "Unknown"));
}

/* A caller whose header has more (zero) fields than ours: they read back as zero; setting one
 * is refused, since this library would ignore it. A struct below 1.0 is refused too. */
static void test_options_sizes(void **state)
{
    (void)state;
    struct {
        trawl_options o;
        uint64_t newer[2];
    } big;
    trawl_search *s;
    memset(&big, 0xAB, sizeof big);
    assert_int_equal(trawl_options_init_sized(&big.o, sizeof big), TRAWL_OK);
    assert_int_equal(big.o.limit, 10);
    assert_true(big.newer[0] == 0 && big.newer[1] == 0);
    assert_int_equal(trawl_search_new(&s, ta_idx), TRAWL_OK);
    assert_int_equal(trawl_search_run_sized(s, "rafah", &big.o, sizeof big), TRAWL_OK);
    assert_int_equal(trawl_search_count(s), 5);
    big.newer[1] = 1;
    assert_int_equal(trawl_search_run_sized(s, "rafah", &big.o, sizeof big), TRAWL_EARG);
    assert_non_null(strstr(trawl_search_errmsg(s), "does not have"));
    assert_int_equal(trawl_search_count(s), 0);
    assert_int_equal(trawl_options_init_sized(&big.o, ABI_OPTIONS_1_0 - 1), TRAWL_EARG);
    assert_int_equal(trawl_search_run_sized(s, "rafah", &big.o, 8), TRAWL_EARG);
    /* An older caller: only the 1.0 bytes; everything later keeps its default. */
    trawl_options_init(&big.o);
    big.o.limit = 2;
    assert_int_equal(trawl_search_run_sized(s, "rafah", &big.o, ABI_OPTIONS_1_0), TRAWL_OK);
    trawl_hit h;
    assert_int_equal(trawl_search_hit(s, 1, &h), TRAWL_OK);
    assert_int_equal(trawl_search_hit(s, 2, &h), TRAWL_ENOTFOUND);
    trawl_search_free(s);
}

/* Output structs: a newer caller's extra bytes are zeroed, a 1.0 caller gets only its bytes. */
static void test_output_sizes(void **state)
{
    (void)state;
    struct {
        trawl_hit h;
        uint64_t newer;
        uint64_t guard;
    } hb;
    struct {
        trawl_snippet sn;
        uint64_t newer;
    } sb;
    struct {
        trawl_stats st;
        uint64_t newer;
    } tb;
    trawl_search *s;
    assert_int_equal(trawl_search_new(&s, ta_idx), TRAWL_OK);
    assert_int_equal(trawl_search_run(s, "rafah", NULL), TRAWL_OK);
    memset(&hb, 0xAB, sizeof hb);
    assert_int_equal(trawl_search_hit_sized(s, 0, &hb.h, offsetof(__typeof__(hb), guard)),
                     TRAWL_OK);
    assert_true(hb.h.id_len > 0 && hb.newer == 0 && hb.guard == 0xABABABABABABABABull);
    assert_int_equal(trawl_search_hit_sized(s, 0, &hb.h, 4), TRAWL_EARG);
    memset(&sb, 0xAB, sizeof sb);
    assert_int_equal(trawl_search_snippet_sized(s, 0, 0, &sb.sn, sizeof sb), TRAWL_OK);
    assert_true(sb.sn.len > 0 && sb.newer == 0);
    assert_int_equal(trawl_search_snippet_sized(s, 0, 0, &sb.sn, 1), TRAWL_EARG);
    memset(&tb, 0xAB, sizeof tb);
    assert_int_equal(trawl_index_stats_sized(ta_idx, &tb.st, sizeof tb), TRAWL_OK);
    assert_true(tb.st.n_docs == 5 && tb.newer == 0);
    assert_int_equal(trawl_index_stats_sized(ta_idx, &tb.st, ABI_STATS_1_0 - 1), TRAWL_EARG);
    trawl_search_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_error_sentences),
        cmocka_unit_test(test_options_sizes),
        cmocka_unit_test(test_output_sizes),
    };
    return cmocka_run_group_tests(tests, ta_setup, ta_teardown);
}
