/* The example at the top of searcher/include/trawl.h, copied verbatim below, compiled and run
 * against a small index; a second test checks the copy still equals the header's comment, so the
 * documentation cannot drift from code that works. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "build.h"
#include "err.h"
#include "testutil.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define main api_example_main
// clang-format off
/* ---- example begin ---- */
#include <stdio.h>
#include <trawl.h>

int main(int argc, char **argv)
{
    char errbuf[512];
    trawl_index *idx = NULL;
    trawl_search *s = NULL;
    trawl_options opt;
    trawl_hit hit;
    size_t i = 0;
    int rc;
    if (argc != 3) {
        fprintf(stderr, "usage: %s INDEX_DIR QUERY\n", argv[0]);
        return 2;
    }
    const char *dirs[] = {argv[1]};
    rc = trawl_index_open(&idx, dirs, 1, errbuf, sizeof errbuf);
    if (rc != TRAWL_OK) { // TRAWL_ENOTINDEX, TRAWL_ECORRUPT, TRAWL_EIO, ...
        fprintf(stderr, "%s %s\n", trawl_strerror(rc), errbuf);
        return 1;
    }
    trawl_options_init(&opt);
    opt.limit = 5;
    rc = trawl_search_new(&s, idx);
    if (rc == TRAWL_OK) rc = trawl_search_run(s, argv[2], &opt); // TRAWL_EQUERY, ...
    while (rc == TRAWL_OK && (rc = trawl_search_hit(s, i, &hit)) == TRAWL_OK)
        printf("%zu %.4f %.*s\n", ++i, hit.score, (int)hit.id_len, hit.id);
    if (rc == TRAWL_ENOTFOUND) // past the last hit: success
        printf("%llu matching documents\n", (unsigned long long)trawl_search_count(s));
    else
        fprintf(stderr, "%s %s\n", trawl_strerror(rc), s ? trawl_search_errmsg(s) : "");
    trawl_search_free(s);
    trawl_index_close(idx);
    return rc == TRAWL_ENOTFOUND ? 0 : 1;
}
/* ---- example end ---- */
// clang-format on
#undef main

static char ae_root[256];

/* Finds a source file whether the test runs from the repository root or a build directory. */
static const char *ae_find(const char *rel, char *out, size_t cap)
{
    static const char *up[] = {"", "../", "../../", "../../../"};
    for (size_t i = 0; i < sizeof up / sizeof *up; i++) {
        struct stat st;
        snprintf(out, cap, "%s%s", up[i], rel);
        if (stat(out, &st) == 0) return out;
    }
    return NULL;
}

/* The example as it appears in trawl.h: comment lines after "Example", with the " *     "
 * indentation removed, up to the end of the comment. */
static char *ae_header_example(const char *h)
{
    const char *p = strstr(h, " * Example");
    char *out = calloc(1, strlen(h) + 1), *w = out;
    if (!p || !out) return out;
    p = strchr(p, '\n') + 1;
    if (strncmp(p, " *\n", 3) == 0) p += 3;
    while (strncmp(p, " */", 3) != 0) {
        const char *nl = strchr(p, '\n');
        if (!nl) break;
        const char *q = p + 2; /* past " *" */
        if (q < nl && strncmp(q, "     ", 5) == 0) q += 5;
        memcpy(w, q, (size_t)(nl - q) + 1);
        w += nl - q + 1;
        p = nl + 1;
    }
    while (w > out && w[-1] == '\n')
        *--w = '\0';
    return out;
}

static char *ae_test_example(const char *t)
{
    const char *b = strstr(t, "/* ---- example begin ---- */\n");
    const char *e = strstr(t, "/* ---- example end ---- */");
    if (!b || !e) return NULL;
    b = strchr(b, '\n') + 1;
    while (e > b && e[-1] == '\n')
        e--;
    return strndup(b, (size_t)(e - b));
}

static void test_example_matches_header(void **state)
{
    (void)state;
    char hp[512], tp[512];
    assert_non_null(ae_find("searcher/include/trawl.h", hp, sizeof hp));
    assert_non_null(ae_find("tests/unit/test_api_example.c", tp, sizeof tp));
    char *h = tu_slurp(hp, NULL), *t = tu_slurp(tp, NULL);
    assert_non_null(h);
    assert_non_null(t);
    char *he = ae_header_example(h), *te = ae_test_example(t);
    assert_non_null(he);
    assert_non_null(te);
    assert_true(strlen(te) > 500);
    assert_string_equal(he, te);
    free(he);
    free(te);
    free(h);
    free(t);
}

/* Runs the example with stdout redirected to a file; returns its exit code, output in out. */
static int ae_run(const char *query, char *out, size_t cap)
{
    char path[300], idx[300];
    snprintf(path, sizeof path, "%s/out.txt", ae_root);
    snprintf(idx, sizeof idx, "%s/idx", ae_root);
    char *argv[] = {"example", idx, (char *)query, NULL};
    fflush(stdout);
    int saved = dup(1);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    dup2(fileno(f), 1);
    int rc = api_example_main(3, argv);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    fclose(f);
    f = fopen(path, "r");
    size_t n = fread(out, 1, cap - 1, f);
    out[n] = '\0';
    fclose(f);
    return rc;
}

static void test_example_runs(void **state)
{
    (void)state;
    char out[4096];
    assert_int_equal(ae_run("rafah", out, sizeof out), 0);
    /* Five ranked lines (limit 5), then the count. */
    int lines = 0;
    double prev = 1e300;
    for (char *l = out; *l; l = strchr(l, '\n') + 1) {
        unsigned rank;
        double score;
        char id[256];
        if (sscanf(l, "%u %lf %255s", &rank, &score, id) == 3 && strstr(id, ".txt")) {
            assert_int_equal(rank, ++lines);
            assert_true(score > 0 && score <= prev);
            prev = score;
        }
        if (!strchr(l, '\n')) break;
    }
    assert_int_equal(lines, 5);
    assert_non_null(strstr(out, "\n5 matching documents\n"));
    assert_int_equal(ae_run("\"arms smuggling\"", out, sizeof out), 0);
    assert_non_null(strstr(out, "1 matching documents"));
    assert_null(strstr(out, "2 "));
    assert_int_equal(ae_run("(unclosed", out, sizeof out), 1);
}

static int ae_setup(void **state)
{
    (void)state;
    char seeds[512], idx[300];
    build_opts o;
    build_result r;
    err e;
    const char *paths[1];
    if (!ae_find("tests/data/seeds", seeds, sizeof seeds)) return -1;
    snprintf(ae_root, sizeof ae_root, "/tmp/trawl-example-XXXXXX");
    if (!mkdtemp(ae_root)) return -1;
    snprintf(idx, sizeof idx, "%s/idx", ae_root);
    paths[0] = seeds;
    err_init(&e);
    build_opts_init(&o);
    o.index_dir = idx;
    o.paths = paths;
    o.n_paths = 1;
    o.language = "english";
    if (build_run(&o, &r, &e) != TRAWL_OK) {
        fprintf(stderr, "build_run: %s\n", e.msg);
        return -1;
    }
    return 0;
}

static int ae_teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", ae_root);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_example_matches_header),
        cmocka_unit_test(test_example_runs),
    };
    return cmocka_run_group_tests(tests, ae_setup, ae_teardown);
}
