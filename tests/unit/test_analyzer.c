/* Tests for common/analyzer (and the stem cache under it): exact token lists with positions and
 * byte offsets for every rule in docs/ANALYZER.md, plus a throughput sanity run on the seeds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "analyzer.h"
#include "checksum.h"
#include "stemcache.h"

#include <dirent.h>
#include <libstemmer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

typedef struct exp_tok {
    const char *term;
    uint32_t pos, start, end;
} exp_tok;

typedef struct got {
    size_t n;
    int stop_after; /**< sink returns 7 once it holds this many tokens (0 = never) */
    struct {
        char term[ANALYZER_MAX_TOKEN_LIMIT + 1];
        uint32_t pos, start, end;
    } t[64];
} got;

static int collect(void *ctx, const token *t)
{
    got *g = ctx;
    assert_true(t->len > 0 && t->len <= ANALYZER_MAX_TOKEN_LIMIT);
    assert_true(t->start < t->end);
    assert_true(g->n < N_OF(g->t));
    memcpy(g->t[g->n].term, t->term, t->len);
    g->t[g->n].term[t->len] = '\0';
    g->t[g->n].pos = t->pos;
    g->t[g->n].start = t->start;
    g->t[g->n].end = t->end;
    g->n++;
    return g->stop_after && (int)g->n == g->stop_after ? 7 : 0;
}

static analyzer *new_an(const char *lang, uint32_t max_len)
{
    analyzer *a = NULL;
    err e;
    err_init(&e);
    assert_int_equal(analyzer_new(&a, lang, max_len, &e), TRAWL_OK);
    assert_non_null(a);
    return a;
}

/* Runs text (first_pos 0) and checks the exact tokens, the positions used and the invalid count. */
static void check_run(analyzer *a, const char *text, const exp_tok *exp, size_t n_exp,
                      uint32_t want_positions, size_t want_invalid)
{
    got g;
    uint32_t n_tok = 12345;
    size_t n_inv = 12345, i;
    memset(&g, 0, sizeof g);
    assert_int_equal(analyzer_run(a, text, strlen(text), 0, collect, &g, &n_tok, &n_inv), 0);
    int same = g.n == n_exp;
    for (i = 0; same && i < n_exp; i++)
        same = strcmp(g.t[i].term, exp[i].term) == 0 && g.t[i].pos == exp[i].pos &&
               g.t[i].start == exp[i].start && g.t[i].end == exp[i].end;
    for (i = 0; !same && i < g.n; i++)
        print_message("  got %u [%u,%u) '%s'\n", g.t[i].pos, g.t[i].start, g.t[i].end, g.t[i].term);
    assert_int_equal(g.n, n_exp);
    for (i = 0; i < n_exp; i++) {
        assert_string_equal(g.t[i].term, exp[i].term);
        assert_int_equal(g.t[i].pos, exp[i].pos);
        assert_int_equal(g.t[i].start, exp[i].start);
        assert_int_equal(g.t[i].end, exp[i].end);
    }
    assert_int_equal(n_tok, want_positions);
    assert_int_equal(n_inv, want_invalid);
}

static void test_ascii_fold(void **state)
{
    (void)state;
    analyzer *a = new_an("none", 0);
    const exp_tok exp[] = {
        {"hello", 0, 0, 5}, {"world", 1, 7, 12}, {"mixed", 2, 13, 18}, {"abc123", 3, 20, 26}};
    check_run(a, "Hello, WORLD MiXeD\t\nABC123!", exp, N_OF(exp), 4, 0);
    assert_string_equal(analyzer_language(a), "none");
    analyzer_free(a);
}

static void test_unicode_fold(void **state)
{
    (void)state;
    analyzer *a = new_an("none", 0);
    /* Greek: utf8proc's case fold maps both capital and final sigma to σ (no final-sigma rule). */
    const exp_tok exp[] = {{"école", 0, 0, 6},     {"strasse", 1, 7, 14},  {"strasse", 2, 15, 22},
                           {"σίσυφοσ", 3, 23, 37}, {"σίσυφοσ", 4, 38, 52}, {"fish", 5, 53, 58},
                           {"foo", 6, 59, 68}};
    check_run(a, "ÉCOLE Straße STRASSE ΣΊΣΥΦΟΣ σίσυφος ﬁsh ｆｏｏ", exp, N_OF(exp), 7, 0);
    analyzer_free(a);
}

/* Compatibility folding must not smuggle ASCII separators into terms (found by fuzzing):
 * U+FE7C -> " \u0651", U+2474 -> "(1)", U+037A -> " \u03b9", U+2488 -> "1.". */
static void test_compat_separators(void **state)
{
    (void)state;
    analyzer *a = new_an("none", 0);
    const exp_tok exp[] = {
        {"fo\xd9\x91", 0, 0, 5}, {"1", 1, 6, 9}, {"\xce\xb9", 2, 10, 12}, {"1", 3, 13, 16}};
    check_run(a, "fo\xef\xb9\xbc \xe2\x91\xb4 \xcd\xba \xe2\x92\x88", exp, N_OF(exp), 4, 0);
    analyzer_free(a);
}

static void test_stemming(void **state)
{
    (void)state;
    analyzer *en = new_an("english", 0), *none = new_an("none", 0), *dflt = new_an(NULL, 0);
    const exp_tok stem[] = {
        {"invas", 0, 0, 8}, {"invad", 1, 9, 17}, {"run", 2, 18, 25}, {"ground", 3, 26, 32}};
    const exp_tok keep[] = {{"invasion", 0, 0, 8},
                            {"invading", 1, 9, 17},
                            {"running", 2, 18, 25},
                            {"ground", 3, 26, 32}};
    const char *text = "Invasion invading RUNNING ground";
    check_run(en, text, stem, N_OF(stem), 4, 0);
    check_run(en, text, stem, N_OF(stem), 4, 0); /* again, now from the cache */
    check_run(dflt, text, stem, N_OF(stem), 4, 0);
    check_run(none, text, keep, N_OF(keep), 4, 0);
    assert_string_equal(analyzer_language(en), "english");
    assert_string_equal(analyzer_language(dflt), "english");
    analyzer_free(en);
    analyzer_free(none);
    analyzer_free(dflt);
}

static void test_possessive(void **state)
{
    (void)state;
    analyzer *none = new_an("none", 0), *en = new_an("english", 0);
    const exp_tok exp[] = {{"israel", 0, 0, 8},
                           {"israel", 1, 9, 19},
                           {"james", 2, 20, 25},
                           {"it", 3, 27, 31},
                           {"école", 4, 32, 40}};
    const exp_tok exp_en[] = {{"israel", 0, 0, 8},
                              {"israel", 1, 9, 19},
                              {"jame", 2, 20, 25},
                              {"it", 3, 27, 31},
                              {"école", 4, 32, 40}};
    const char *text = "Israel's ISRAEL\xe2\x80\x99S james' it's ÉCOLE's";
    check_run(none, text, exp, N_OF(exp), 5, 0);
    check_run(en, text, exp_en, N_OF(exp_en), 5, 0);
    analyzer_free(none);
    analyzer_free(en);
}

static void test_apostrophes(void **state)
{
    (void)state;
    analyzer *a = new_an("none", 0);
    const exp_tok exp[] = {{"don't", 0, 0, 5},         {"don't", 1, 6, 13}, {"quoted", 2, 15, 21},
                           {"rock'n'roll", 3, 23, 34}, {"o", 4, 35, 36},    {"clock", 5, 38, 43},
                           {"3", 6, 44, 45},           {"4", 7, 46, 47},    {"l'été", 8, 48, 55}};
    check_run(a, "don't don\xe2\x80\x99t 'quoted' rock'n'roll o''clock 3'4 L'ÉTÉ", exp, N_OF(exp),
              9, 0);
    analyzer_free(a);
}

static void test_hyphens_punct(void **state)
{
    (void)state;
    analyzer *a = new_an("english", 0);
    const exp_tok exp[] = {{"gaza", 0, 0, 4},  {"egypt", 1, 5, 10}, {"border", 2, 11, 17},
                           {"e", 3, 18, 19},   {"mail", 4, 20, 24}, {"foo", 5, 25, 28},
                           {"bar", 6, 29, 32}, {"a", 7, 34, 35},    {"b", 8, 40, 41}};
    check_run(a,
              "Gaza-Egypt border e-mail foo_bar (a) \xe2\x80\x94"
              "b",
              exp, N_OF(exp), 9, 0);
    analyzer_free(a);
}

static void test_numbers(void **state)
{
    (void)state;
    analyzer *a = new_an("english", 0);
    /* Only digits join across '.' and ',': "a.b" is two tokens. "٣" is an Arabic-Indic digit. */
    const exp_tok exp2[] = {{"3.5", 0, 0, 3},   {"1,000", 1, 4, 9},   {"v2", 2, 10, 12},
                            {"end", 3, 13, 16}, {"1.2.3", 4, 18, 23}, {"2", 5, 25, 26},
                            {"x", 6, 27, 28},   {"5", 7, 30, 31},     {"a", 8, 32, 33},
                            {"b", 9, 34, 35},   {"٣", 10, 36, 38}};
    check_run(a, "3.5 1,000 v2 end. 1.2.3, 2.x .5 a.b \xd9\xa3", exp2, N_OF(exp2), 11, 0);
    analyzer_free(a);
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    analyzer *a = new_an("none", 0);
    /* stray continuation | byte that is never a lead | truncated (lead + 1 continuation) |
     * overlong 2-byte "/" | overlong 3-byte | surrogate U+D800 | above U+10FFFF |
     * F5 lead (above U+10FFFF) | truncated at the very end. Each counts once. */
    const char text[] = "a\x80"
                        "b\xff"
                        "c\xe2\x82"
                        "d\xc0\xaf"
                        "e\xe0\x80\xaf"
                        "f\xed\xa0\x80"
                        "g\xf4\x90\x80\x80"
                        "h\xf5\x80\x80\x80"
                        "i \xf0\x9f\x98";
    const exp_tok exp[] = {{"a", 0, 0, 1},   {"b", 1, 2, 3},   {"c", 2, 4, 5},
                           {"d", 3, 7, 8},   {"e", 4, 10, 11}, {"f", 5, 14, 15},
                           {"g", 6, 18, 19}, {"h", 7, 23, 24}, {"i", 8, 28, 29}};
    check_run(a, text, exp, N_OF(exp), 9, 9);
    analyzer_free(a);
}

static void test_long_token(void **state)
{
    (void)state;
    analyzer *a = new_an("english", 0);
    char text[1100];
    memset(text, 'a', sizeof text);
    memcpy(text, "x ", 2);
    memcpy(text + 1002, " y", 3);
    const exp_tok exp[] = {{"x", 0, 0, 1}, {"y", 2, 1003, 1004}};
    check_run(a, text, exp, N_OF(exp), 3, 0);
    /* The same with a non-ASCII long token, and a long run of accented letters. */
    char text2[2100];
    size_t i;
    memcpy(text2, "x ", 2);
    for (i = 0; i < 1000; i++)
        memcpy(text2 + 2 + 2 * i, "\xc3\xa9", 2);
    memcpy(text2 + 2002, " y", 3);
    const exp_tok exp2[] = {{"x", 0, 0, 1}, {"y", 2, 2003, 2004}};
    check_run(a, text2, exp2, N_OF(exp2), 3, 0);
    analyzer_free(a);
}

/* Tokens as analyzer_run_all hands them over: "term@pos", or "<long>@pos" for a dropped one. */
static int collect_all(void *ctx, const token *t)
{
    char *out = ctx;
    size_t n = strlen(out);
    if (t->term)
        snprintf(out + n, 512 - n, "%.*s@%u ", (int)t->len, t->term, t->pos);
    else
        snprintf(out + n, 512 - n, "<%s %u..%u>@%u ", t->is_long ? "long" : "empty", t->start,
                 t->end, t->pos);
    return 0;
}

/* analyzer_run_all reports every dropped token and why; analyzer_run still skips them. A long
 * accented token fits the token buffer but not max_len once folded, so the second run answers
 * from the stem cache, which must not lose the reason. */
static void test_run_all_reports_drops(void **state)
{
    (void)state;
    analyzer *a = new_an("english", 64);
    char text[400], out[512];
    uint32_t n_pos = 0;
    size_t n = (size_t)snprintf(text, sizeof text, "ok ");
    memset(text + n, 'x', 70);
    n += 70;
    n += (size_t)snprintf(text + n, sizeof text - n, " fine ");
    for (int i = 0; i < 40; i++, n += 2)
        memcpy(text + n, "\xc3\xa9", 2);
    n += (size_t)snprintf(text + n, sizeof text - n, " end");
    for (int round = 0; round < 2; round++) {
        out[0] = '\0';
        assert_int_equal(analyzer_run_all(a, text, n, 0, collect_all, out, &n_pos), 0);
        assert_string_equal(out, "ok@0 <long 3..73>@1 fine@2 <long 79..159>@3 end@4 ");
        assert_int_equal(n_pos, 5);
    }
    const exp_tok exp[] = {{"ok", 0, 0, 2}, {"fine", 2, 74, 78}, {"end", 4, 160, 163}};
    check_run(a, text, exp, N_OF(exp), 5, 0);
    analyzer_free(a);
}

static void test_max_len_boundary(void **state)
{
    (void)state;
    analyzer *a = new_an("none", 0);
    char t64[200], want[65];
    size_t i;
    memset(t64, 'A', 64);
    memcpy(t64 + 64, " ", 1);
    memset(t64 + 65, 'b', 65);
    memcpy(t64 + 130, " ", 1);
    memset(t64 + 131, 'c', 64);
    memcpy(t64 + 195, "'s", 3);
    memset(want, 'a', 64);
    want[64] = '\0';
    char want_c[65];
    memset(want_c, 'c', 64);
    want_c[64] = '\0';
    const exp_tok exp[] = {{want, 0, 0, 64}, {want_c, 2, 131, 197}};
    check_run(a, t64, exp, N_OF(exp), 3, 0);
    analyzer_free(a);

    /* Measured on the folded form: "É" is 2 bytes either way; 32 fit in 64, 33 do not. */
    a = new_an("none", 0);
    char tu[200], wu[70];
    for (i = 0; i < 32; i++) {
        memcpy(tu + 2 * i, "\xc3\x89", 2);
        memcpy(wu + 2 * i, "\xc3\xa9", 2);
    }
    wu[64] = '\0';
    tu[64] = ' ';
    for (i = 0; i < 33; i++)
        memcpy(tu + 65 + 2 * i, "\xc3\x89", 2);
    tu[131] = '\0';
    const exp_tok expu[] = {{wu, 0, 0, 64}};
    check_run(a, tu, expu, N_OF(expu), 2, 0);
    analyzer_free(a);

    /* A small explicit limit, stemmed. */
    a = new_an("english", 5);
    /* The limit applies before stemming: "running" (7) is dropped although "run" would fit. */
    const exp_tok exp5[] = {{"abcd", 0, 0, 5}, {"abcd", 2, 13, 20}, {"jump", 3, 21, 26}};
    check_run(a, "abcde abcdef abcde's jumps running", exp5, N_OF(exp5), 5, 0);
    analyzer_free(a);
}

static void test_bad_args(void **state)
{
    (void)state;
    analyzer *a = (analyzer *)&a;
    err e;
    err_init(&e);
    assert_int_equal(analyzer_new(&a, "klingon", 0, &e), TRAWL_EARG);
    assert_null(a);
    assert_non_null(strstr(e.msg, "klingon"));
    assert_non_null(strstr(e.msg, "english"));
    assert_non_null(strstr(e.msg, "none"));
    assert_non_null(strstr(e.msg, "french"));
    err_init(&e);
    assert_int_equal(analyzer_new(&a, "english", ANALYZER_MAX_TOKEN_LIMIT + 1, &e), TRAWL_EARG);
    assert_null(a);
    err_init(&e);
    assert_int_equal(analyzer_new(&a, "a-very-long-language-name-nobody-has", 0, &e), TRAWL_EARG);
    a = new_an("french", ANALYZER_MAX_TOKEN_LIMIT);
    analyzer_free(a);
    analyzer_free(NULL);
}

static void test_scripts_and_marks(void **state)
{
    (void)state;
    analyzer *a = new_an("none", 0);
    /* CJK runs are one token; a decomposed "e" + U+0301 composes; a mark with no letter before
     * it separates; ² (No) is a number. */
    const exp_tok exp[] = {{"日本語", 0, 0, 9},  {"café", 1, 10, 15}, {"naïve", 2, 16, 22},
                           {"ét", 3, 23, 27},    {"abc", 4, 30, 33},  {"x2", 5, 34, 37},
                           {"привет", 6, 38, 50}};
    check_run(a,
              "日本語 café naïve e\xcc\x81t \xcc\x81"
              "abc x² ПРИВЕТ",
              exp, N_OF(exp), 7, 0);
    analyzer_free(a);
}

static void test_empty_and_punct(void **state)
{
    (void)state;
    analyzer *a = new_an("english", 0);
    got g;
    uint32_t n_tok = 99;
    size_t n_inv = 99;
    memset(&g, 0, sizeof g);
    assert_int_equal(analyzer_run(a, NULL, 0, 5, collect, &g, &n_tok, &n_inv), 0);
    assert_int_equal(g.n, 0);
    assert_int_equal(n_tok, 0);
    assert_int_equal(n_inv, 0);
    check_run(a, "", NULL, 0, 0, 0);
    check_run(a, "!!! --- ... ,,, ''' \xe2\x80\x99 \xe2\x80\x94 \xc2\xa0 @#$%", NULL, 0, 0, 0);
    /* NULL counters are allowed. */
    assert_int_equal(analyzer_run(a, "a b", 3, 0, collect, &g, NULL, NULL), 0);
    analyzer_free(a);
}

static void test_first_pos_and_stop(void **state)
{
    (void)state;
    analyzer *a = new_an("english", 0);
    got g;
    uint32_t n_tok = 0;
    memset(&g, 0, sizeof g);
    assert_int_equal(analyzer_run(a, "one two three", 13, 100, collect, &g, &n_tok, NULL), 0);
    assert_int_equal(g.n, 3);
    assert_int_equal(g.t[0].pos, 100);
    assert_int_equal(g.t[2].pos, 102);
    assert_int_equal(n_tok, 3);

    memset(&g, 0, sizeof g);
    g.stop_after = 2;
    assert_int_equal(analyzer_run(a, "one two three four", 18, 0, collect, &g, &n_tok, NULL), 7);
    assert_int_equal(g.n, 2);
    assert_string_equal(g.t[1].term, "two");
    assert_int_equal(n_tok, 2);

    /* Tokens are scanned ahead of the sink: a stop still reports the invalid bytes met up to
     * the last token delivered, not those the scan ahead went past. */
    size_t n_bad = 99;
    const char bad[] = "one \xff two \xfe three \xfd four \xfc five six";
    memset(&g, 0, sizeof g);
    g.stop_after = 2;
    assert_int_equal(analyzer_run(a, bad, sizeof bad - 1, 0, collect, &g, &n_tok, &n_bad), 7);
    assert_int_equal(g.n, 2);
    assert_int_equal(n_tok, 2);
    assert_int_equal(n_bad, 1);
    memset(&g, 0, sizeof g);
    assert_int_equal(analyzer_run(a, bad, sizeof bad - 1, 0, collect, &g, &n_tok, &n_bad), 0);
    assert_int_equal(g.n, 6);
    assert_string_equal(g.t[5].term, "six");
    assert_int_equal(n_bad, 4);
    analyzer_free(a);
}

static void test_fold(void **state)
{
    (void)state;
    analyzer *a = new_an("english", 0), *none = new_an("none", 0);
    char out[300];
    char longw[100];
    assert_int_equal(analyzer_fold(a, "Running", 7, out, sizeof out), 7);
    assert_memory_equal(out, "running", 7);
    assert_int_equal(analyzer_fold(a, "ÉCOLE", strlen("ÉCOLE"), out, sizeof out), 6);
    assert_memory_equal(out, "école", 6);
    assert_int_equal(analyzer_fold(a, "Israel's", 8, out, sizeof out), 6);
    assert_memory_equal(out, "israel", 6);
    assert_int_equal(analyzer_fold(a, "--Gaza-Egypt", 12, out, sizeof out), 4);
    assert_memory_equal(out, "gaza", 4);
    assert_int_equal(analyzer_fold(a, "!!!", 3, out, sizeof out), 0);
    assert_int_equal(analyzer_fold(a, "", 0, out, sizeof out), 0);
    /* Too small an output: cap bytes written, full length returned. */
    memset(out, '#', sizeof out);
    assert_int_equal(analyzer_fold(a, "Invasion", 8, out, 3), 8);
    assert_memory_equal(out, "inv#", 4);
    /* A word longer than max_token_len cannot be in the index. */
    memset(longw, 'q', sizeof longw);
    assert_int_equal(analyzer_fold(a, longw, sizeof longw, out, sizeof out), 0);
    /* Folding does not disturb the stem cache of the same analyzer, and vice versa. */
    assert_int_equal(analyzer_fold(none, "ÉCOLE", strlen("ÉCOLE"), out, sizeof out), 6);
    assert_int_equal(analyzer_fold(none, "ÉCOLE", strlen("ÉCOLE"), out, sizeof out), 6);
    assert_memory_equal(out, "école", 6);
    assert_int_equal(analyzer_fold(a, "Invasions", 9, out, sizeof out), 9);
    const exp_tok exp[] = {{"invas", 0, 0, 9}};
    check_run(a, "Invasions", exp, 1, 1, 0);
    assert_int_equal(analyzer_fold(a, "Invasions", 9, out, sizeof out), 9);
    assert_memory_equal(out, "invasions", 9);
    analyzer_free(a);
    analyzer_free(none);
}

static void test_stemcache(void **state)
{
    (void)state;
    stemcache c;
    char key[40], val[300];
    size_t i, vl;
    const char *v;
    stemcache_init(&c, 4, 1 << 20);
    assert_null(stemcache_get(&c, "x", 1, hash64("x", 1), &vl));
    for (i = 0; i < 10; i++) {
        int n = snprintf(key, sizeof key, "key-%zu", i);
        assert_int_equal(stemcache_put(&c, key, (size_t)n, hash64(key, (size_t)n), "v", 1), 0);
        v = stemcache_get(&c, key, (size_t)n, hash64(key, (size_t)n), &vl);
        assert_non_null(v);
        assert_int_equal(vl, 1);
    }
    assert_true(c.n_clears >= 2);
    assert_true(c.n_used <= 4);
    /* Long entries go to the pool; empty values are allowed. */
    memset(val, 'z', sizeof val);
    assert_int_equal(stemcache_put(&c, "long", 4, hash64("long", 4), val, sizeof val), 0);
    assert_int_equal(stemcache_put(&c, "empty", 5, hash64("empty", 5), NULL, 0), 0);
    v = stemcache_get(&c, "long", 4, hash64("long", 4), &vl);
    assert_non_null(v);
    assert_int_equal(vl, sizeof val);
    assert_memory_equal(v, val, sizeof val);
    v = stemcache_get(&c, "empty", 5, hash64("empty", 5), &vl);
    assert_non_null(v);
    assert_int_equal(vl, 0);
    assert_int_equal(stemcache_put(&c, "", 0, 0, "v", 1), -1);
    stemcache_free(&c);

    /* Growth keeps every entry findable. */
    stemcache_init(&c, 100000, 1 << 20);
    for (i = 0; i < 5000; i++) {
        int n = snprintf(key, sizeof key, "w%zu", i);
        assert_int_equal(stemcache_put(&c, key, (size_t)n, hash64(key, (size_t)n), key, 1), 0);
    }
    for (i = 0; i < 5000; i++) {
        int n = snprintf(key, sizeof key, "w%zu", i);
        v = stemcache_get(&c, key, (size_t)n, hash64(key, (size_t)n), &vl);
        assert_non_null(v);
        assert_int_equal(vl, 1);
        assert_int_equal(v[0], 'w');
    }
    assert_int_equal(c.n_clears, 0);
    stemcache_free(&c);
}

/* The byte bound maps to slots and pool as the default's numbers say (1 M slots filled to 3/4
 * and 16 MB of pool at 48 MB), never below the first table, and the sum stays within it. */
static void test_stemcache_limits(void **state)
{
    (void)state;
    uint32_t n;
    size_t pool;
    stemcache_limits(ANALYZER_DEFAULT_CACHE_BYTES, &n, &pool);
    assert_int_equal(n, 3u << 18);
    assert_int_equal(pool, (size_t)16 << 20);
    stemcache_limits((size_t)2 << 20, &n, &pool); /* slots may take 1.33 MB: 32 K of 32 B */
    assert_int_equal(n, 3u << 13);
    assert_int_equal(pool, ((size_t)2 << 20) - ((size_t)1 << 20));
    stemcache_limits(1000, &n, &pool); /* below the first table: that table, a small pool */
    assert_int_equal(n, 768);
    assert_int_equal(pool, 16 * 1024);
}

typedef struct term_list {
    char s[4096];
    size_t n;
} term_list;

static int term_list_sink(void *ctx, const token *t)
{
    term_list *l = ctx;
    if (l->n + t->len + 1 < sizeof l->s) {
        memcpy(l->s + l->n, t->term, t->len);
        l->s[l->n + t->len] = ' ';
        l->n += t->len + 1;
    }
    return 0;
}

/* A bound that forces clears, a change of bound and a drop leave the terms as they were. */
static void test_cache_bound_keeps_terms(void **state)
{
    (void)state;
    analyzer *a;
    err e;
    term_list want = {.n = 0}, out;
    const char *text = "Running runners ran; the RUNNER's runs ran on. Überläufer über alles, "
                       "caches cached caching cache running again and again";
    assert_int_equal(analyzer_new(&a, "english", 0, &e), TRAWL_OK);
    assert_int_equal(analyzer_run(a, text, strlen(text), 0, term_list_sink, &want, NULL, NULL), 0);
    for (int round = 0; round < 3; round++) {
        if (round == 0) analyzer_cache_limit(a, 1);
        if (round == 1) analyzer_cache_drop(a);
        if (round == 2) analyzer_cache_limit(a, 0);
        for (int pass = 0; pass < 3; pass++) {
            out.n = 0;
            assert_int_equal(
                analyzer_run(a, text, strlen(text), 0, term_list_sink, &out, NULL, NULL), 0);
            assert_int_equal(out.n, want.n);
            assert_memory_equal(out.s, want.s, want.n);
        }
    }
    analyzer_free(a);
}

typedef struct inv {
    size_t len;        /**< input length */
    uint32_t next_pos; /**< smallest position the next token may have */
    uint32_t min_start;
    uint32_t max_len;
} inv;

static int inv_sink(void *ctx, const token *t)
{
    inv *v = ctx;
    assert_true(t->len > 0 && t->len <= v->max_len);
    assert_true(t->start >= v->min_start && t->start < t->end && t->end <= v->len);
    assert_true(t->pos >= v->next_pos);
    v->min_start = t->end;
    v->next_pos = t->pos + 1;
    return 0;
}

/* Hostile input: random bytes biased to UTF-8 leads, continuations, apostrophes and digits, in
 * exact-size heap buffers so ASan sees any read past len. Offsets stay ordered and in bounds. */
static void test_random_bytes(void **state)
{
    (void)state;
    static const unsigned char pick[] = {'a',  'Z',  '7',  '\'', '.',  ',',  ' ',  '-',
                                         0x80, 0xbf, 0xc3, 0xa9, 0xe2, 0x80, 0x99, 0xf0,
                                         0x9f, 0xed, 0xff, 0xcc, 0x81, 0xc0, 0xf4, 0x90};
    analyzer *en = new_an("english", 0), *small = new_an("none", 3);
    uint64_t x = 0x9E3779B97F4A7C15u;
    int round;
    print_message("random bytes: seed 0x9E3779B97F4A7C15\n");
    for (round = 0; round < 3000; round++) {
        size_t len, i, n_inv;
        uint32_t n_tok;
        char out[8];
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        len = (size_t)(x % 64);
        char *b = malloc(len ? len : 1);
        assert_non_null(b);
        for (i = 0; i < len; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            b[i] = (char)((x >> 40) % 4 == 0 ? (unsigned char)(x >> 16)
                                             : pick[(x >> 24) % sizeof pick]);
        }
        inv v = {len, 0, 0, 64};
        assert_int_equal(analyzer_run(en, b, len, 0, inv_sink, &v, &n_tok, &n_inv), 0);
        assert_true(v.next_pos <= n_tok);
        assert_true(n_inv <= len);
        inv w = {len, 0, 0, 3};
        assert_int_equal(analyzer_run(small, b, len, 0, inv_sink, &w, &n_tok, NULL), 0);
        assert_true(analyzer_fold(en, b, len, out, sizeof out) <= 64);
        free(b);
    }
    analyzer_free(en);
    analyzer_free(small);
}

typedef struct sum {
    uint64_t h;     /**< order-dependent hash of every term and position */
    uint64_t bytes; /**< term bytes */
} sum;

static int sum_sink(void *ctx, const token *t)
{
    sum *s = ctx;
    s->h = s->h * 31 + hash64(t->term, t->len) + t->pos;
    s->bytes += t->len;
    return 0;
}

/* Reads every file of the seed directory into one buffer (NULL if the directory is missing). */
static char *read_seeds(const char *dir, size_t *len)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char *all = NULL, path[512];
    size_t n = 0;
    if (!d) return NULL;
    while ((de = readdir(d)) != NULL) {
        FILE *f;
        long sz;
        if (de->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        f = fopen(path, "rb");
        if (!f) continue;
        fseek(f, 0, SEEK_END);
        sz = ftell(f);
        fseek(f, 0, SEEK_SET);
        all = realloc(all, n + (size_t)sz + 1);
        assert_non_null(all);
        assert_int_equal(fread(all + n, 1, (size_t)sz, f), (size_t)sz);
        n += (size_t)sz;
        all[n++] = '\n';
        fclose(f);
    }
    closedir(d);
    *len = n;
    return all;
}

typedef struct vec {
    size_t n, cap;
    struct {
        uint32_t pos;
        uint32_t len;
        char term[ANALYZER_MAX_TOKEN_LIMIT];
    } * t;
} vec;

static int vec_sink(void *ctx, const token *t)
{
    vec *v = ctx;
    if (v->n == v->cap) {
        v->cap = v->cap ? 2 * v->cap : 1024;
        v->t = realloc(v->t, v->cap * sizeof *v->t);
        assert_non_null(v->t);
    }
    v->t[v->n].pos = t->pos;
    v->t[v->n].len = t->len;
    memcpy(v->t[v->n].term, t->term, t->len);
    v->n++;
    return 0;
}

/* Differential: the cached stems equal libstemmer called directly on the unstemmed tokens. */
static void check_against_libstemmer(const char *text, size_t len)
{
    analyzer *en = new_an("english", 0), *none = new_an("none", 0);
    struct sb_stemmer *sb = sb_stemmer_new("english", "UTF_8");
    vec ve = {0, 0, NULL}, vn = {0, 0, NULL};
    size_t i;
    int pass;
    assert_non_null(sb);
    for (pass = 0; pass < 2; pass++) {
        ve.n = 0, vn.n = 0;
        assert_int_equal(analyzer_run(en, text, len, 0, vec_sink, &ve, NULL, NULL), 0);
        assert_int_equal(analyzer_run(none, text, len, 0, vec_sink, &vn, NULL, NULL), 0);
        assert_int_equal(ve.n, vn.n);
        for (i = 0; i < vn.n; i++) {
            const sb_symbol *r =
                sb_stemmer_stem(sb, (const sb_symbol *)vn.t[i].term, (int)vn.t[i].len);
            assert_int_equal(ve.t[i].pos, vn.t[i].pos);
            assert_int_equal(ve.t[i].len, sb_stemmer_length(sb));
            assert_memory_equal(ve.t[i].term, r, ve.t[i].len);
        }
    }
    sb_stemmer_delete(sb);
    free(ve.t);
    free(vn.t);
    analyzer_free(en);
    analyzer_free(none);
}

/* Not a timing assertion: prints MB/s, and checks that a cold and a warm cache agree. */
static void test_seeds_throughput(void **state)
{
    (void)state;
    size_t len = 0, n_inv = 0;
    char *text = read_seeds("tests/data/seeds", &len);
    analyzer *a;
    sum cold = {0, 0}, warm = {0, 0};
    struct timespec t0, t1;
    int rep, reps = 50;
    uint32_t n_tok = 0;
    if (!text) {
        print_message("tests/data/seeds not found; skipped\n");
        skip();
    }
    a = new_an("english", 0);
    assert_int_equal(analyzer_run(a, text, len, 0, sum_sink, &cold, &n_tok, &n_inv), 0);
    assert_int_equal(n_inv, 0);
    assert_true(n_tok > 1000);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (rep = 0; rep < reps; rep++) {
        warm.h = 0, warm.bytes = 0;
        assert_int_equal(analyzer_run(a, text, len, 0, sum_sink, &warm, NULL, NULL), 0);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_true(cold.h == warm.h);
    assert_true(cold.bytes == warm.bytes);
    check_against_libstemmer(text, len);
    double sec = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    print_message("analyzer on seeds: %zu bytes, %u tokens, %.1f MB/s (warm cache)\n", len, n_tok,
                  (double)len * reps / 1e6 / (sec > 0 ? sec : 1e-9));
    analyzer_free(a);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ascii_fold),         cmocka_unit_test(test_unicode_fold),
        cmocka_unit_test(test_compat_separators),  cmocka_unit_test(test_stemming),
        cmocka_unit_test(test_possessive),         cmocka_unit_test(test_apostrophes),
        cmocka_unit_test(test_hyphens_punct),      cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_invalid_utf8),       cmocka_unit_test(test_long_token),
        cmocka_unit_test(test_max_len_boundary),   cmocka_unit_test(test_bad_args),
        cmocka_unit_test(test_scripts_and_marks),  cmocka_unit_test(test_empty_and_punct),
        cmocka_unit_test(test_first_pos_and_stop), cmocka_unit_test(test_fold),
        cmocka_unit_test(test_stemcache),          cmocka_unit_test(test_random_bytes),
        cmocka_unit_test(test_stemcache_limits),   cmocka_unit_test(test_cache_bound_keeps_terms),
        cmocka_unit_test(test_seeds_throughput),   cmocka_unit_test(test_run_all_reports_drops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
