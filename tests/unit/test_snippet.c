/* Unit tests of snippet_make: window choice (distinct terms, then matches), highlighting (never
 * must_not terms; prefixes; stems), clean cuts (word boundaries, never inside UTF-8), start/end
 * flags, and invariants over random texts.
 *
 * Also the token dumper behind tests/ref_bm25.py: with TRAWL_DUMP_TOKENS=out.json (and
 * optionally TRAWL_SEEDS=dir, default tests/data/seeds) this binary first writes, through the
 * indexer's own corpus walk and the analyzer, a JSON list of {"id","date","tokens"} for every
 * document of dir, then runs its tests as usual. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "corpus.h"
#include "qparse.h"
#include "snippet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct ts_fixture {
    analyzer *an;
    arena a;
    query q;
} ts_fixture;

static int ts_setup(void **state)
{
    static ts_fixture f;
    err e;
    err_init(&e);
    if (analyzer_new(&f.an, "english", 0, &e) != TRAWL_OK) return -1;
    arena_init(&f.a);
    *state = &f;
    return 0;
}

static int ts_teardown(void **state)
{
    ts_fixture *f = *state;
    analyzer_free(f->an);
    arena_free(&f->a);
    return 0;
}

/* Parses qs (default_or as given) and snippets text with max_bytes. */
static trawl_snippet ts_snip(ts_fixture *f, const char *qs, int default_or, const char *text,
                             size_t len, size_t max_bytes)
{
    uint32_t col;
    err e;
    err_init(&e);
    arena_reset(&f->a);
    assert_int_equal(qp_parse(qs, default_or, f->an, &f->a, &f->q, &col, &e), TRAWL_OK);
    trawl_snippet s;
    assert_int_equal(snippet_make(f->an, &f->q, text, len, max_bytes, &f->a, &s, &e), TRAWL_OK);
    return s;
}

/* The highlighted words of s, as "w1|w2|...". */
static const char *ts_marks(const trawl_snippet *s)
{
    static char out[4096];
    out[0] = '\0';
    for (size_t i = 0; i < s->n_spans; i++) {
        size_t n = strlen(out);
        snprintf(out + n, sizeof out - n, "%s%.*s", i ? "|" : "", (int)s->spans[i].len,
                 s->text + s->spans[i].off);
    }
    return out;
}

static int ts_is_cont(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

/* Structural invariants every snippet must satisfy. */
static void ts_check(const trawl_snippet *s, const char *text, size_t len)
{
    assert_true(s->text >= text && s->text + s->len <= text + len);
    size_t off = (size_t)(s->text - text);
    if (off < len) assert_false(ts_is_cont((unsigned char)text[off]));
    if (off + s->len < len) assert_false(ts_is_cont((unsigned char)text[off + s->len]));
    uint32_t prev_end = 0;
    for (size_t i = 0; i < s->n_spans; i++) {
        assert_true(s->spans[i].len > 0);
        assert_true(s->spans[i].off >= prev_end);
        assert_true((size_t)s->spans[i].off + s->spans[i].len <= s->len);
        prev_end = s->spans[i].off + s->spans[i].len;
    }
    assert_int_equal(s->is_start, off == 0 || strspn(text, " \t\n\r") >= off);
}

static void test_short_text(void **state)
{
    const char *t = "The quick brown fox jumps over the lazy dog.";
    trawl_snippet s = ts_snip(*state, "fox dogs", 0, t, strlen(t), 0);
    ts_check(&s, t, strlen(t));
    assert_int_equal(s.len, strlen(t));
    assert_true(s.is_start && s.is_end);
    assert_string_equal(ts_marks(&s), "fox|dog");
    assert_int_equal(s.spans[0].off, 16);
}

/* Builds filler text of n words with the given words placed at word indexes. */
static char *ts_filler(size_t n, const char *const *words, const size_t *at, size_t k)
{
    char *t = malloc(n * 12 + 1);
    assert_non_null(t);
    t[0] = '\0';
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        const char *w = "lorem";
        for (size_t j = 0; j < k; j++)
            if (at[j] == i) w = words[j];
        len += (size_t)sprintf(t + len, "%s%s", i ? " " : "", w);
    }
    return t;
}

static void test_best_window(void **state)
{
    static const char *const words[] = {"Gaza", "Rafah", "invasion", "rafah", "Rafah"};
    static const size_t at[] = {100, 300, 305, 600, 603};
    char *t = ts_filler(1000, words, at, 5);
    size_t len = strlen(t);
    /* Two distinct terms (rafah, invasion) beat one term twice (rafah rafah) and gaza. */
    trawl_snippet s = ts_snip(*state, "gaza rafah invasion", 1, t, len, 120);
    ts_check(&s, t, len);
    assert_string_equal(ts_marks(&s), "Rafah|invasion");
    assert_false(s.is_start || s.is_end);
    assert_true(s.len <= 120);
    assert_true(s.text[0] != ' ' && s.text[s.len - 1] != ' ');
    assert_true(s.text == t || s.text[-1] == ' ');
    assert_true(s.text[s.len] == ' ');
    /* With one term, the window with most matches wins. */
    s = ts_snip(*state, "rafah", 0, t, len, 120);
    assert_string_equal(ts_marks(&s), "rafah|Rafah");
    /* Must-not terms are never highlighted; nor is a term only in a NOT group. */
    s = ts_snip(*state, "rafah -invasion NOT gaza", 0, t, len, 2000);
    assert_string_equal(ts_marks(&s), "Rafah|rafah|Rafah");
    free(t);
}

static void test_prefix_stem_phrase(void **state)
{
    const char *t = "Invaders were invading; the invasion of Gaza-Egypt border, invasions too.";
    size_t len = strlen(t);
    trawl_snippet s = ts_snip(*state, "invad*", 0, t, len, 0);
    assert_string_equal(ts_marks(&s), "Invaders|invading");
    s = ts_snip(*state, "invasion", 0, t, len, 0);
    assert_string_equal(ts_marks(&s), "invasion|invasions");
    s = ts_snip(*state, "\"gaza egypt\"", 0, t, len, 0);
    assert_string_equal(ts_marks(&s), "Gaza|Egypt");
    s = ts_snip(*state, "egypt-gaza", 0, t, len, 0);
    assert_string_equal(ts_marks(&s), "Gaza|Egypt");
}

static void test_no_match_and_only_date(void **state)
{
    const char *t = "  \n Opening words of the document that go on and on for a while.";
    size_t len = strlen(t);
    trawl_snippet s = ts_snip(*state, "absent", 0, t, len, 20);
    ts_check(&s, t, len);
    assert_true(s.is_start);
    assert_false(s.is_end);
    assert_int_equal(s.n_spans, 0);
    assert_int_equal(s.len, 20);
    assert_int_equal(strncmp(s.text, "Opening words of the", 20), 0);
    s = ts_snip(*state, "date:2024-01-01", 0, t, len, 0);
    assert_true(s.is_start && s.is_end);
    assert_int_equal(s.n_spans, 0);
    err e;
    err_init(&e);
    assert_int_equal(snippet_make(((ts_fixture *)*state)->an, NULL, "", 0, 0,
                                  &((ts_fixture *)*state)->a, &s, &e),
                     TRAWL_OK);
    assert_int_equal(s.len, 0);
    assert_true(s.is_start && s.is_end);
}

static void test_sentence_start(void **state)
{
    const char *t = "Something else was said first here. Then gaza came up in the talk.";
    size_t len = strlen(t);
    trawl_snippet s = ts_snip(*state, "gaza", 0, t, len, 40);
    assert_int_equal(strncmp(s.text, "Then gaza", 9), 0);
    assert_false(s.is_start);
}

static void test_utf8_without_spaces(void **state)
{
    /* 600 bytes of two-byte letters with no white space, one target word inside. */
    static char t[2048];
    size_t len = 0;
    for (int i = 0; i < 150; i++)
        len += (size_t)sprintf(t + len, "é");
    len += (size_t)sprintf(t + len, " Rafah ");
    for (int i = 0; i < 150; i++)
        len += (size_t)sprintf(t + len, "ü");
    trawl_snippet s = ts_snip(*state, "rafah", 0, t, len, 61);
    ts_check(&s, t, len);
    assert_string_equal(ts_marks(&s), "Rafah");
    assert_true(s.len <= 61 + 2 * 32);
    /* No match: the cut at the end still respects character boundaries. */
    s = ts_snip(*state, "absent", 0, t, len, 61);
    ts_check(&s, t, len);
    assert_true(s.len > 0 && s.len <= 62);
}

/* Random texts over a small vocabulary (with multi-byte words and punctuation) against random
 * queries: every snippet satisfies the invariants and highlights only query words. */
static void test_random_invariants(void **state)
{
    static const char *const vocab[] = {"gaza",  "Rafah", "émigré", "naïve", "x",    "ÄÖÜ",
                                        "talks", "talk",  "a-b",    "3.5",   "…",    "--",
                                        "北京",  "\n",    "\t",     "  ",    "fox.", "Fox!"};
    static const char *const queries[] = {
        "gaza", "talk rafah", "émigré OR naive", "\"a b\" fox", "tal*", "北京 -gaza", "x"};
    unsigned seed = 12345;
    static char t[8192];
    for (int round = 0; round < 400; round++) {
        size_t len = 0, n_words = (size_t)(rand_r(&seed) % 300);
        for (size_t i = 0; i < n_words; i++)
            len += (size_t)sprintf(t + len, "%s%s", vocab[rand_r(&seed) % 18],
                                   rand_r(&seed) % 4 ? " " : "");
        const char *q = queries[rand_r(&seed) % 7];
        size_t max = (size_t)(rand_r(&seed) % 300);
        trawl_snippet s = ts_snip(*state, q, rand_r(&seed) % 2, t, len, max);
        ts_check(&s, t, len);
        assert_int_equal(s.is_end,
                         (size_t)(s.text - t) + s.len + strspn(s.text + s.len, " \t\n\r") == len);
    }
}

/* ------------------------------------------------------------------ token dump */

typedef struct td_ctx {
    FILE *f;
    analyzer *an;
    int first_doc;
    int first_tok;
} td_ctx;

static void td_json_str(FILE *f, const char *s, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static int td_tok(void *ctx, const token *t)
{
    td_ctx *c = ctx;
    fputs(c->first_tok ? "" : ",", c->f);
    c->first_tok = 0;
    td_json_str(c->f, t->term, t->len);
    return 0;
}

static int td_doc(void *ctx, const corpus_doc *d)
{
    td_ctx *c = ctx;
    uint32_t n_pos = 0;
    fputs(c->first_doc ? "[\n" : ",\n", c->f);
    c->first_doc = 0;
    fputs("{\"id\":", c->f);
    td_json_str(c->f, d->id, d->id_len);
    if (d->date)
        fprintf(c->f, ",\"date\":\"%04u-%02u-%02u\"", d->date / 10000, d->date / 100 % 100,
                d->date % 100);
    else
        fputs(",\"date\":null", c->f);
    fputs(",\"tokens\":[", c->f);
    c->first_tok = 1;
    int rc = analyzer_run(c->an, d->text, d->text_len, 0, td_tok, c, &n_pos, NULL);
    fprintf(c->f, "],\"length\":%u}", n_pos);
    return rc;
}

/* Writes the token dump described at the top; returns 0 or 1. */
static int td_dump(const char *out, const char *dir)
{
    td_ctx c = {fopen(out, "w"), NULL, 1, 1};
    err e;
    err_init(&e);
    if (!c.f || analyzer_new(&c.an, "english", 0, &e) != TRAWL_OK) {
        fprintf(stderr, "test_snippet: cannot dump tokens to %s\n", out);
        return 1;
    }
    corpus_opts o = {0};
    const char *paths[] = {dir};
    int rc = corpus_walk(&o, paths, 1, td_doc, &c, &e);
    fputs(c.first_doc ? "[]\n" : "\n]\n", c.f);
    analyzer_free(c.an);
    if (fclose(c.f) != 0 || rc != TRAWL_OK) {
        fprintf(stderr, "test_snippet: token dump failed: %s\n", e.msg);
        return 1;
    }
    return 0;
}

int main(void)
{
    const char *dump = getenv("TRAWL_DUMP_TOKENS");
    if (dump && *dump) {
        const char *dir = getenv("TRAWL_SEEDS");
        if (td_dump(dump, dir && *dir ? dir : "tests/data/seeds") != 0) return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_short_text),         cmocka_unit_test(test_best_window),
        cmocka_unit_test(test_prefix_stem_phrase), cmocka_unit_test(test_no_match_and_only_date),
        cmocka_unit_test(test_sentence_start),     cmocka_unit_test(test_utf8_without_spaces),
        cmocka_unit_test(test_random_invariants),
    };
    return cmocka_run_group_tests(tests, ts_setup, ts_teardown);
}
