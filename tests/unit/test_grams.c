/* test_grams: phrase grams (common/grams.h). The rule itself: which analysed words are common,
 * the exact token stream a gram sink makes of a text (grams at the first word's position, none
 * across a dropped long token, none over GRAMS_MAX_KEY bytes). Then end to end, through the
 * public writer: a random corpus of common and rare words, indexed twice, with and without
 * grams, over several commits with deletions and replacements, then merged, answers every random
 * phrase query (alone, in an AND, an OR, required with optional words, with slop) with exactly
 * the same hits, scores and counts, and explains them alike; the gram index passes the deep check
 * (its live files count the grams of deleted documents); 1, 2 and 3 threads write the same
 * bytes; its term listing and fuzzy matches hold no gram; a writer asked for grams on an index
 * without them refuses, a rebuild adds them. And the searcher really reads the grams: an index
 * whose manifest claims grams it lacks loses its common-word phrases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "analyzer.h"
#include "err.h"
#include "grams.h"
#include "manifest.h"
#include "testutil.h"
#include "trawl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ the rule */

static grams *gt_grams(analyzer **an, const char *language, uint32_t max_token_len)
{
    err e;
    err_init(&e);
    grams *g;
    assert_int_equal(analyzer_new(an, language, max_token_len, &e), TRAWL_OK);
    assert_int_equal(grams_new(&g, *an, GRAMS_VERSION, &e), TRAWL_OK);
    return g;
}

static void test_common_words(void **state)
{
    (void)state;
    analyzer *an;
    grams *g = gt_grams(&an, "english", 0);
    const char *yes[] = {"the", "of", "a", "is", "to", "and", "their", "these", "with", "into"};
    const char *no[] = {"th", "thee", "off", "kernel", "ab", "", "only", "should", "which"};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
        assert_true(grams_common(g, yes[i], strlen(yes[i])));
    for (size_t i = 0; i < sizeof no / sizeof *no; i++)
        assert_false(grams_common(g, no[i], strlen(no[i])));
    char key[GRAMS_MAX_KEY];
    assert_int_equal(grams_key(g, "as", 2, "of", 2, key), 6);
    assert_memory_equal(key,
                        "\x01"
                        "as of",
                        6);
    assert_int_equal(grams_key(g, "driver", 6, "to", 2, key), 10);
    assert_memory_equal(key,
                        "\x01"
                        "driver to",
                        10);
    assert_int_equal(grams_key(g, "code", 4, "reach", 5, key), 0); /* neither common */
    char longw[300];
    memset(longw, 'x', sizeof longw);
    assert_int_equal(grams_key(g, "the", 3, longw, 250, key), 255);
    assert_int_equal(grams_key(g, "the", 3, longw, 251, key), 0); /* over GRAMS_MAX_KEY */
    assert_true(grams_is_gram(key, 1) && !grams_is_gram("the", 3) && !grams_is_gram("", 0));
    grams_free(g);
    analyzer_free(an);
}

typedef struct gt_stream {
    char out[2048];
    size_t len;
} gt_stream;

static int gt_collect(void *ctx, const token *t)
{
    gt_stream *s = ctx;
    const char *mark = grams_is_gram(t->term, t->len) ? "#" : "";
    size_t skip = *mark ? 1 : 0;
    s->len += (size_t)snprintf(s->out + s->len, sizeof s->out - s->len, "%s%.*s@%u[%u,%u) ", mark,
                               (int)(t->len - skip), t->term + skip, t->pos, t->start, t->end);
    return 0;
}

/* The exact stream: each token, then the gram it closes (common first or second word). */
static void test_gram_sink_stream(void **state)
{
    (void)state;
    analyzer *an;
    grams *g = gt_grams(&an, "english", 12);
    const char *text = "The drivers of it, extraordinarilylongword the end";
    gt_stream s = {.len = 0};
    gram_sink gs;
    gram_sink_init(&gs, g, gt_collect, &s);
    uint32_t n_tokens;
    assert_int_equal(analyzer_run(an, text, strlen(text), 0, gram_sink_token, &gs, &n_tokens, NULL),
                     0);
    /* the long word, over 12 bytes, is dropped but keeps its position 4, so "it" and "the" are
     * not adjacent and make no gram */
    assert_string_equal(s.out, "the@0[0,3) driver@1[4,11) #the driver@0[0,11) of@2[12,14) "
                               "#driver of@1[4,14) it@3[15,17) #of it@2[12,17) the@5[43,46) "
                               "end@6[47,50) #the end@5[43,50) ");
    assert_int_equal(n_tokens, 7);
    grams_free(g);
    analyzer_free(an);
}

/* ------------------------------------------------------------------ end to end */

#define GT_DOCS    700
#define GT_QUERIES 400
#define GT_MAXLEN  70

static const char *gt_vocab[] = {
    /* common (half the tokens) */
    "the", "of", "a", "is", "to", "and", "in", "it", "The", "this", "that", "for", "be", "not",
    /* content words, some stemmed together ("drivers", "driver") */
    "kernel", "driver", "drivers", "memory", "barrier", "page", "lock", "locking", "device",
    "queue", "only", "way", "used", "space", "time", "data", "should", "frame", "buffer", "user",
    "interrupt", "thread", "mapping", "cache", "write", "read", "type", "id", "link", "port",
    /* longer than the indexes' 14-byte limit: dropped, but each takes a position */
    "extraordinarilylongword"};
#define GT_N_COMMON 14
#define GT_N_VOCAB  ((int)(sizeof gt_vocab / sizeof *gt_vocab))

typedef struct gt_doc {
    int w[GT_MAXLEN];
    int len;
    int live;
} gt_doc;

static gt_doc gt_docs[GT_DOCS];
static uint64_t gt_rng;
static char gt_root[256];

static int gt_below(int n)
{
    return (int)(tu_rand(&gt_rng) % (uint64_t)n);
}

static int gt_word(void)
{
    if (gt_below(2) == 0) return gt_below(GT_N_COMMON);
    if (gt_below(60) == 0) return GT_N_VOCAB - 1;
    int k = GT_N_VOCAB - 1 - GT_N_COMMON; /* content words, skewed to the first */
    return GT_N_COMMON + gt_below(1 + gt_below(k));
}

static void gt_make_doc(gt_doc *d)
{
    d->len = 2 + gt_below(GT_MAXLEN - 1);
    for (int i = 0; i < d->len; i++)
        d->w[i] = gt_word();
    d->live = 1;
}

static size_t gt_text(const gt_doc *d, char *out, size_t cap)
{
    size_t n = 0;
    for (int i = 0; i < d->len; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s%s", i ? (i % 7 ? " " : ", ") : "",
                              gt_vocab[d->w[i]]);
    return n;
}

/* Adds (or replaces) doc-<id> with the text of document i. */
static void gt_add_as(trawl_writer *w, int id_num, int i)
{
    char id[32], text[GT_MAXLEN * 32];
    int n = snprintf(id, sizeof id, "doc-%d", id_num);
    size_t len = gt_text(&gt_docs[i], text, sizeof text);
    assert_int_equal(trawl_writer_add(w, id, (size_t)n, text, len, 0, NULL), TRAWL_OK);
}

static void gt_add(trawl_writer *w, int i)
{
    gt_add_as(w, i, i);
}

static void gt_commit(trawl_writer *w)
{
    int rc = trawl_writer_commit(w);
    if (rc != TRAWL_OK) fail_msg("commit: %s", trawl_writer_errmsg(w));
}

static trawl_writer *gt_open_writer(const char *dir, int with_grams, int rebuild)
{
    trawl_writer_options o;
    trawl_writer_options_init(&o);
    o.language = "english";
    o.max_token_len = 14;
    o.phrase_grams = with_grams;
    o.rebuild = rebuild;
    o.no_merge = 1;
    o.memory_bytes = 1 << 20; /* spills: grams cross runs too */
    trawl_writer *w;
    char eb[512];
    int rc = trawl_writer_open(&w, dir, &o, eb, sizeof eb);
    if (rc != TRAWL_OK) fail_msg("writer open %s: %s", dir, eb);
    return w;
}

/* The same history into both directories: three commits, then deletions and replacements of
 * earlier documents (live files, not merged away). */
static void gt_build(const char *dir, int with_grams)
{
    uint64_t saved = gt_rng;
    trawl_writer *w = gt_open_writer(dir, with_grams, 0);
    for (int c = 0; c < 3; c++) {
        for (int i = c * GT_DOCS / 4; i < (c + 1) * GT_DOCS / 4; i++)
            gt_add(w, i);
        gt_commit(w);
    }
    for (int i = 0; i < GT_DOCS / 4; i += 5) { /* delete every fifth of the first commit */
        char id[32];
        int n = snprintf(id, sizeof id, "doc-%d", i);
        assert_int_equal(trawl_writer_delete(w, id, (size_t)n), TRAWL_OK);
    }
    for (int i = GT_DOCS / 4 + 1; i < GT_DOCS / 2; i += 9) /* replace, with another's text */
        gt_add_as(w, i, GT_DOCS - 1 - i);
    for (int i = 3 * GT_DOCS / 4; i < GT_DOCS; i++)
        gt_add(w, i);
    gt_commit(w);
    trawl_writer_close(w);
    gt_rng = saved;
}

static trawl_index *gt_open(const char *name)
{
    char dir[300], eb[512];
    snprintf(dir, sizeof dir, "%s/%s", gt_root, name);
    const char *dirs[] = {dir};
    trawl_index *idx;
    int rc = trawl_index_open(&idx, dirs, 1, eb, sizeof eb);
    if (rc != TRAWL_OK) fail_msg("open %s: %s", dir, eb);
    return idx;
}

static int gt_setup(void **state)
{
    (void)state;
    const char *env = getenv("TRAWL_TEST_SEED");
    uint64_t seed = env ? strtoull(env, NULL, 10) : 20261126;
    printf("test_grams: seed %llu (set TRAWL_TEST_SEED to replay)\n", (unsigned long long)seed);
    gt_rng = seed * 2654435761u + 1;
    for (int i = 0; i < GT_DOCS; i++)
        gt_make_doc(&gt_docs[i]);
    if (!tu_mkdtemp(gt_root, sizeof gt_root, "grams")) return -1;
    char a[300], b[300];
    snprintf(a, sizeof a, "%s/grams", gt_root);
    snprintf(b, sizeof b, "%s/plain", gt_root);
    gt_build(a, 1);
    gt_build(b, 0);
    return 0;
}

static int gt_teardown(void **state)
{
    (void)state;
    return tu_rm_rf(gt_root);
}

/* A phrase of n words: from a document (so it matches somewhere) or drawn at random. */
static size_t gt_phrase(char *out, size_t cap, int n)
{
    const gt_doc *d = &gt_docs[gt_below(GT_DOCS)];
    int from_doc = gt_below(4) != 0 && d->len >= n, start = from_doc ? gt_below(d->len - n + 1) : 0;
    size_t k = (size_t)snprintf(out, cap, "\"");
    for (int i = 0; i < n; i++)
        k += (size_t)snprintf(out + k, cap - k, "%s%s", i ? " " : "",
                              gt_vocab[from_doc ? d->w[start + i] : gt_word()]);
    return k + (size_t)snprintf(out + k, cap - k, "\"");
}

/* A random query around one phrase: alone, with slop, in an AND, an OR, required with an
 * optional word, or two phrases; *default_or set for the OR. */
static void gt_query(char *q, size_t cap, int *default_or)
{
    char p[512], p2[512];
    gt_phrase(p, sizeof p, 2 + gt_below(3));
    const char *w = gt_vocab[gt_word()];
    *default_or = 0;
    switch (gt_below(6)) {
    case 0:
    case 1:
        snprintf(q, cap, "%s", p);
        break;
    case 2:
        snprintf(q, cap, "%s %s", p, w);
        break;
    case 3:
        *default_or = 1;
        snprintf(q, cap, "%s %s", p, w);
        break;
    case 4:
        snprintf(q, cap, "+%s %s", p, w);
        *default_or = 1;
        break;
    default:
        gt_phrase(p2, sizeof p2, 2);
        snprintf(q, cap, "%s%s %s", p, gt_below(2) ? "~1" : "", p2);
        break;
    }
}

typedef struct gt_result {
    uint64_t count;
    size_t n;
    char ids[200][16];
    double scores[200];
} gt_result;

static void gt_run(trawl_search *s, const char *q, int default_or, int exact, gt_result *r)
{
    trawl_options o;
    trawl_options_init(&o);
    o.default_or = default_or;
    o.limit = exact ? 200 : 10;
    o.exact_count = exact;
    int rc = trawl_search_run(s, q, &o);
    if (rc != TRAWL_OK) fail_msg("%s: %s", q, trawl_search_errmsg(s));
    r->count = trawl_search_count(s);
    trawl_hit h;
    for (r->n = 0; trawl_search_hit(s, r->n, &h) == TRAWL_OK; r->n++) {
        snprintf(r->ids[r->n], sizeof r->ids[r->n], "%.*s", (int)h.id_len, h.id);
        r->scores[r->n] = h.score;
    }
}

static void gt_equal(const gt_result *a, const gt_result *b, const char *q, int exact)
{
    if (exact && a->count != b->count)
        fail_msg("%s: count %llu with grams, %llu without", q, (unsigned long long)a->count,
                 (unsigned long long)b->count);
    if (a->n != b->n) fail_msg("%s: %zu hits with grams, %zu without", q, a->n, b->n);
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->ids[i], b->ids[i]) != 0 || a->scores[i] != b->scores[i])
            fail_msg("%s: hit %zu is %s %.17g with grams, %s %.17g without", q, i, a->ids[i],
                     a->scores[i], b->ids[i], b->scores[i]);
}

/* n random queries on both indexes, pruned and exact: the same hits, scores and counts. */
static void gt_compare(int n_queries)
{
    trawl_index *ia = gt_open("grams"), *ib = gt_open("plain");
    trawl_search *sa, *sb;
    assert_int_equal(trawl_search_new(&sa, ia), TRAWL_OK);
    assert_int_equal(trawl_search_new(&sb, ib), TRAWL_OK);
    static gt_result ra, rb;
    int matched = 0;
    for (int qi = 0; qi < n_queries; qi++) {
        char q[1200];
        int default_or;
        gt_query(q, sizeof q, &default_or);
        for (int exact = 0; exact <= 1; exact++) {
            gt_run(sa, q, default_or, exact, &ra);
            gt_run(sb, q, default_or, exact, &rb);
            gt_equal(&ra, &rb, q, exact);
        }
        matched += ra.n > 0;
    }
    printf("test_grams: %d queries, %d with matches\n", n_queries, matched);
    assert_true(matched >= n_queries / 2);
    char eb[512];
    if (trawl_index_check(ia, eb, sizeof eb) != TRAWL_OK) fail_msg("check: %s", eb);
    trawl_search_free(sa);
    trawl_search_free(sb);
    trawl_index_close(ia);
    trawl_index_close(ib);
}

static void test_same_answers(void **state)
{
    (void)state;
    trawl_index *ia = gt_open("grams");
    trawl_stats st;
    trawl_index_stats(ia, &st);
    assert_true(st.n_segments >= 4);
    trawl_index_close(ia);
    gt_compare(GT_QUERIES);
}

/* A merge carries the grams (and drops the deleted documents' ones). */
static void test_same_answers_merged(void **state)
{
    (void)state;
    const char *names[] = {"grams", "plain"};
    for (int i = 0; i < 2; i++) {
        char dir[300];
        snprintf(dir, sizeof dir, "%s/%s", gt_root, names[i]);
        trawl_writer *w = gt_open_writer(dir, 0, 0);
        assert_int_equal(trawl_writer_merge(w), TRAWL_OK);
        trawl_writer_close(w);
    }
    trawl_index *ia = gt_open("grams");
    trawl_stats st;
    trawl_index_stats(ia, &st);
    assert_int_equal(st.n_segments, 1);
    trawl_index_close(ia);
    gt_compare(GT_QUERIES / 4);
}

/* One query's explanation of its first hit and its query terms, as text. */
static void gt_explain(trawl_search *s, const char *q, char *out, size_t cap)
{
    trawl_options o;
    trawl_options_init(&o);
    o.explain = 1;
    o.limit = 1;
    if (trawl_search_run(s, q, &o) != TRAWL_OK) fail_msg("%s: %s", q, trawl_search_errmsg(s));
    const trawl_explain *ex;
    size_t n = 0, k = 0;
    uint32_t dl;
    assert_int_equal(trawl_search_explain(s, 0, &ex, &n, &dl), TRAWL_OK);
    for (size_t j = 0; j < n; j++) {
        trawl_explain_info f;
        assert_int_equal(trawl_search_explain_info(s, 0, j, &f), TRAWL_OK);
        k += (size_t)snprintf(out + k, cap - k, "[%s kind %d tf %u df %llu idf %.17g score %.17g] ",
                              ex[j].term, f.kind, ex[j].tf, (unsigned long long)ex[j].df, ex[j].idf,
                              ex[j].score);
    }
    trawl_query_term t;
    for (size_t i = 0; trawl_search_query_term(s, i, &t) == TRAWL_OK; i++)
        k += (size_t)snprintf(out + k, cap - k, "term %s %g %llu; ", t.term, t.weight,
                              (unsigned long long)t.df);
}

/* A phrase matched on its one gram still explains as a phrase of its words, and is no query
 * term (what --expand and the term list see). */
static void test_explain_and_terms(void **state)
{
    (void)state;
    trawl_index *ia = gt_open("grams"), *ib = gt_open("plain");
    trawl_search *sa, *sb;
    assert_int_equal(trawl_search_new(&sa, ia), TRAWL_OK);
    assert_int_equal(trawl_search_new(&sb, ib), TRAWL_OK);
    const char *qs[] = {"\"of the\"", "\"the kernel\" driver", "\"the kernel driver\" lock",
                        "\"is a\" OR \"to be\""};
    static char ea[4096], eb[4096];
    for (size_t i = 0; i < sizeof qs / sizeof *qs; i++) {
        gt_explain(sa, qs[i], ea, sizeof ea);
        gt_explain(sb, qs[i], eb, sizeof eb);
        assert_string_equal(ea, eb);
    }
    assert_non_null(strstr(ea, "[is a kind 1 ")); /* TRAWL_CLAUSE_PHRASE */
    trawl_search_free(sa);
    trawl_search_free(sb);
    trawl_index_close(ia);
    trawl_index_close(ib);
}

/* The word listing and fuzzy matching see words only. */
static void test_terms_and_fuzzy(void **state)
{
    (void)state;
    trawl_index *ia = gt_open("grams"), *ib = gt_open("plain");
    trawl_terms *ta, *tb;
    assert_int_equal(trawl_terms_open(&ta, ia, "", 0), TRAWL_OK);
    assert_int_equal(trawl_terms_open(&tb, ib, "", 0), TRAWL_OK);
    trawl_term a, b;
    int n = 0, ra, rb;
    while ((ra = trawl_terms_next(ta, &a)) == TRAWL_OK) {
        rb = trawl_terms_next(tb, &b);
        assert_int_equal(rb, TRAWL_OK);
        assert_string_equal(a.term, b.term);
        assert_int_equal(a.df, b.df);
        n++;
    }
    assert_int_equal(ra, TRAWL_ENOTFOUND);
    assert_int_equal(trawl_terms_next(tb, &b), TRAWL_ENOTFOUND);
    printf("test_grams: %d terms listed\n", n);
    assert_true(n >= 30);
    trawl_terms_close(ta);
    trawl_terms_close(tb);

    trawl_search *sa, *sb;
    assert_int_equal(trawl_search_new(&sa, ia), TRAWL_OK);
    assert_int_equal(trawl_search_new(&sb, ib), TRAWL_OK);
    static gt_result xa, xb;
    const char *fz[] = {"ofthe~2", "isa~2", "thea~2", "driver~1", "tothe~2"};
    for (size_t i = 0; i < sizeof fz / sizeof *fz; i++) {
        gt_run(sa, fz[i], 0, 1, &xa);
        gt_run(sb, fz[i], 0, 1, &xb);
        gt_equal(&xa, &xb, fz[i], 1);
    }
    trawl_search_free(sa);
    trawl_search_free(sb);
    trawl_index_close(ia);
    trawl_index_close(ib);
}

/* Grams come out of the analysis threads as out of the inline path: the same segment bytes
 * with 1, 2 and 3 threads, spilling runs (1 MB budget). */
static void test_threads_same_bytes(void **state)
{
    (void)state;
    char *first = NULL;
    size_t first_len = 0;
    for (unsigned threads = 1; threads <= 3; threads++) {
        char dir[300], seg[400];
        snprintf(dir, sizeof dir, "%s/threads-%u", gt_root, threads);
        trawl_writer_options o;
        trawl_writer_options_init(&o);
        o.language = "english";
        o.phrase_grams = 1;
        o.threads = threads;
        o.memory_bytes = 1 << 20;
        trawl_writer *w;
        char eb[512];
        assert_int_equal(trawl_writer_open(&w, dir, &o, eb, sizeof eb), TRAWL_OK);
        for (int i = 0; i < GT_DOCS; i++)
            gt_add(w, i);
        gt_commit(w);
        trawl_writer_close(w);
        snprintf(seg, sizeof seg, "%s/seg-000001.trw", dir);
        size_t len;
        char *bytes = tu_slurp(seg, &len);
        assert_non_null(bytes);
        if (!first) {
            first = bytes;
            first_len = len;
            continue;
        }
        assert_int_equal(len, first_len);
        assert_memory_equal(bytes, first, len);
        free(bytes);
    }
    free(first);
}

/* A writer keeps an index's choice: grams cannot be asked of an index built without them (its
 * segments would lack them), a rebuild adds them; later writers keep them unasked. */
static void test_writer_keeps_choice(void **state)
{
    (void)state;
    char dir[300], eb[512];
    snprintf(dir, sizeof dir, "%s/choice", gt_root);
    trawl_writer *w = gt_open_writer(dir, 0, 0);
    gt_add(w, 1);
    gt_commit(w);
    trawl_writer_close(w);

    trawl_writer_options o;
    trawl_writer_options_init(&o);
    o.phrase_grams = 1;
    assert_int_equal(trawl_writer_open(&w, dir, &o, eb, sizeof eb), TRAWL_EARG);
    assert_non_null(strstr(eb, "without --phrase-grams"));

    w = gt_open_writer(dir, 1, 1);
    gt_add(w, 2);
    gt_commit(w);
    trawl_writer_close(w);
    w = gt_open_writer(dir, 0, 0); /* 0: the index's choice */
    gt_add(w, 3);
    gt_commit(w);
    trawl_writer_close(w);
    manifest m;
    err e;
    err_init(&e);
    assert_int_equal(manifest_read(&m, dir, &e), TRAWL_OK);
    assert_int_equal(m.phrase_grams, GRAMS_VERSION);
    assert_int_equal(m.version, 3);
    manifest_free(&m);
    trawl_index *idx = gt_open("choice");
    trawl_stats st;
    trawl_index_stats(idx, &st);
    assert_int_equal(st.phrase_grams, GRAMS_VERSION);
    trawl_index_close(idx);
    idx = gt_open("plain");
    trawl_index_stats(idx, &st);
    assert_int_equal(st.phrase_grams, 0);
    trawl_index_close(idx);
}

/* The searcher reads the grams: a manifest that claims grams its segments lack loses every
 * phrase with a common word, and keeps the others. */
static void test_searcher_reads_grams(void **state)
{
    (void)state;
    char dir[300];
    snprintf(dir, sizeof dir, "%s/liar", gt_root);
    trawl_writer *w = gt_open_writer(dir, 0, 0);
    const char *text = "the kernel driver of the device";
    assert_int_equal(trawl_writer_add(w, "d", 1, text, strlen(text), 0, NULL), TRAWL_OK);
    gt_commit(w);
    trawl_writer_close(w);
    static gt_result r;
    const char *qs[] = {"\"kernel driver\"", "\"driver of the device\""};
    uint64_t want[2][2] = {{1, 1}, {1, 0}}; /* [query][liar] */
    for (int liar = 0; liar <= 1; liar++) {
        if (liar) {
            manifest m;
            err e;
            err_init(&e);
            assert_int_equal(manifest_read(&m, dir, &e), TRAWL_OK);
            m.phrase_grams = GRAMS_VERSION;
            assert_int_equal(manifest_write(&m, dir, &e), TRAWL_OK);
            manifest_free(&m);
        }
        trawl_index *idx = gt_open("liar");
        trawl_search *s;
        assert_int_equal(trawl_search_new(&s, idx), TRAWL_OK);
        for (int i = 0; i < 2; i++) {
            gt_run(s, qs[i], 0, 1, &r);
            assert_int_equal(r.count, want[i][liar]);
        }
        trawl_search_free(s);
        trawl_index_close(idx);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_common_words),         cmocka_unit_test(test_gram_sink_stream),
        cmocka_unit_test(test_same_answers),         cmocka_unit_test(test_same_answers_merged),
        cmocka_unit_test(test_explain_and_terms),    cmocka_unit_test(test_terms_and_fuzzy),
        cmocka_unit_test(test_threads_same_bytes),   cmocka_unit_test(test_writer_keeps_choice),
        cmocka_unit_test(test_searcher_reads_grams),
    };
    return cmocka_run_group_tests(tests, gt_setup, gt_teardown);
}
