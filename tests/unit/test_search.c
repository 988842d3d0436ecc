/* Known answers of the search API on tests/data/seeds (indexed with the real pipeline,
 * build_run, language english), hostile input (truncated and bit-flipped segment files and
 * manifests must give an error from open, run or check, never a crash), and thread safety
 * (two threads with their own contexts on one index agree with one thread). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "build.h"
#include "err.h"
#include "search.h"
#include "testutil.h"
#include "topk.h"
#include "trawl.h"

#include <ctype.h>
#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TS_SEEDS 5

static char ts_root[256];  /* temporary directory */
static char ts_index[300]; /* the seeds index */
static char ts_seg[64];    /* its segment file name */
static const char *ts_seeds_dir;

/* The seed files, read independently of the indexer: name, lower-cased text, date. */
static struct {
    char name[256];
    char *lower;
    uint32_t date;
} ts_docs[TS_SEEDS];

static const char *ts_find_seeds(void)
{
    static const char *cand[] = {"tests/data/seeds", "../tests/data/seeds",
                                 "../../tests/data/seeds", "../../../tests/data/seeds"};
    for (size_t i = 0; i < sizeof cand / sizeof *cand; i++) {
        struct stat st;
        if (stat(cand[i], &st) == 0 && S_ISDIR(st.st_mode)) return cand[i];
    }
    return NULL;
}

static int ts_cmp_name(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

/* Reads the seeds: sorted names (the corpus walk order), their text lower-cased, the date
 * from the leading " date YYYY-MM-DD " if present. */
static int ts_read_seeds(void)
{
    DIR *d = opendir(ts_seeds_dir);
    struct dirent *de;
    int n = 0;
    if (!d) return -1;
    while ((de = readdir(d)) && n < TS_SEEDS)
        if (de->d_name[0] != '.')
            snprintf(ts_docs[n++].name, sizeof ts_docs[0].name, "%s", de->d_name);
    closedir(d);
    qsort(ts_docs, (size_t)n, sizeof ts_docs[0], ts_cmp_name);
    for (int i = 0; i < n; i++) {
        char path[1024];
        size_t len;
        unsigned y, m, dd;
        if (snprintf(path, sizeof path, "%s/%s", ts_seeds_dir, ts_docs[i].name) >= (int)sizeof path)
            return -1;
        if (!(ts_docs[i].lower = tu_slurp(path, &len))) return -1;
        for (size_t k = 0; k < len; k++)
            ts_docs[i].lower[k] = (char)tolower((unsigned char)ts_docs[i].lower[k]);
        if (sscanf(ts_docs[i].lower, " date %4u-%2u-%2u", &y, &m, &dd) == 3)
            ts_docs[i].date = y * 10000 + m * 100 + dd;
    }
    return n == TS_SEEDS ? 0 : -1;
}

static int ts_setup(void **state)
{
    (void)state;
    build_opts o;
    build_result r;
    err e;
    if (!(ts_seeds_dir = ts_find_seeds()) || ts_read_seeds() < 0) return -1;
    snprintf(ts_root, sizeof ts_root, "/tmp/trawl-search-XXXXXX");
    if (!mkdtemp(ts_root)) return -1;
    snprintf(ts_index, sizeof ts_index, "%s/idx", ts_root);
    err_init(&e);
    build_opts_init(&o);
    o.index_dir = ts_index;
    o.paths = &ts_seeds_dir;
    o.n_paths = 1;
    o.language = "english";
    if (build_run(&o, &r, &e) != TRAWL_OK) {
        fprintf(stderr, "build_run: %s\n", e.msg);
        return -1;
    }
    snprintf(ts_seg, sizeof ts_seg, "seg-000001.trw"); /* the first segment of a new index */
    return 0;
}

static int ts_teardown(void **state)
{
    (void)state;
    char cmd[400];
    for (int i = 0; i < TS_SEEDS; i++)
        free(ts_docs[i].lower);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", ts_root);
    return system(cmd) == 0 ? 0 : -1;
}

static trawl_index *ts_open(const char *dir)
{
    trawl_index *idx;
    char eb[512];
    const char *dirs[] = {dir};
    int rc = trawl_index_open(&idx, dirs, 1, eb, sizeof eb);
    if (rc != TRAWL_OK) fail_msg("open %s: %s: %s", dir, trawl_strerror(rc), eb);
    return idx;
}

/* Bitmask of seed documents (by corpus order) among the hits of query. */
static unsigned ts_hits(trawl_search *s, const char *qs, const trawl_options *o)
{
    trawl_options d;
    if (!o) {
        trawl_options_init(&d);
        d.limit = 100;
        o = &d;
    }
    int rc = trawl_search_run(s, qs, o);
    if (rc != TRAWL_OK) fail_msg("%s: %s: %s", qs, trawl_strerror(rc), trawl_search_errmsg(s));
    unsigned mask = 0;
    trawl_hit h;
    for (size_t i = 0; trawl_search_hit(s, i, &h) == TRAWL_OK; i++) {
        int k = 0;
        while (k < TS_SEEDS &&
               (strlen(ts_docs[k].name) != h.id_len || memcmp(ts_docs[k].name, h.id, h.id_len)))
            k++;
        if (k == TS_SEEDS) fail_msg("%s: hit with unknown id %.*s", qs, (int)h.id_len, h.id);
        assert_int_equal(h.date, ts_docs[k].date);
        mask |= 1u << k;
    }
    return mask;
}

/* Seeds whose text contains every word of want and none of avoid (substring, lower case). */
static unsigned ts_grep(const char *want1, const char *want2, const char *avoid)
{
    unsigned mask = 0;
    for (int k = 0; k < TS_SEEDS; k++)
        if (strstr(ts_docs[k].lower, want1) && (!want2 || strstr(ts_docs[k].lower, want2)) &&
            (!avoid || !strstr(ts_docs[k].lower, avoid)))
            mask |= 1u << k;
    return mask;
}

static int ts_popcount(unsigned m)
{
    return __builtin_popcount(m);
}

static int ts_cmp_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

/* topk_kth_largest (the single-term scan's cutoff) against a sort, on blocks of up to 128
 * scores with few distinct values (ties, as BM25 gives docs of equal tf and length) or many. */
static void test_kth_largest(void **state)
{
    (void)state;
    unsigned seed = 12345;
    for (int it = 0; it < 20000; it++) {
        double a[128], b[128];
        seed = seed * 1103515245u + 12345u;
        size_t n = 1 + (seed >> 8) % 128, k;
        unsigned distinct = (seed >> 20) % 2 ? 3 : 1000;
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            a[i] = b[i] = 0.5 + (double)((seed >> 8) % distinct);
        }
        seed = seed * 1103515245u + 12345u;
        k = 1 + (seed >> 8) % n;
        qsort(b, n, sizeof *b, ts_cmp_desc);
        assert_true(topk_kth_largest(a, n, k) == b[k - 1]);
    }
}

static void test_known_answers(void **state)
{
    (void)state;
    trawl_index *idx = ts_open(ts_index);
    trawl_search *s;
    trawl_stats st;
    trawl_index_stats(idx, &st);
    assert_int_equal(st.n_docs, TS_SEEDS);
    assert_string_equal(st.language, "english");
    assert_int_equal(trawl_search_new(&s, idx), TRAWL_OK);

    unsigned m = ts_hits(s, "ground invasion", NULL);
    assert_int_equal(ts_popcount(m), 2);
    assert_int_equal(trawl_search_count(s), 2);
    assert_int_equal(m, ts_grep("ground invasion", NULL, NULL));
    assert_int_equal(ts_hits(s, "\"ground invasion\"", NULL), m);
    m = ts_hits(s, "arms smuggling", NULL);
    assert_int_equal(ts_popcount(m), 1);
    assert_int_equal(m, ts_grep("arms smuggling", NULL, NULL));
    assert_int_equal(ts_hits(s, "rafah", NULL), (1u << TS_SEEDS) - 1);
    assert_int_equal(ts_hits(s, "RAFAH", NULL), (1u << TS_SEEDS) - 1);
    m = ts_hits(s, "blinken -netanyahu", NULL);
    assert_true(m != 0);
    assert_int_equal(m, ts_grep("blinken", NULL, "netanyahu"));
    assert_int_equal(ts_hits(s, "blinken netanyahu", NULL), ts_grep("blinken", "netanyahu", NULL));
    assert_int_equal(ts_hits(s, "zzzunknownword", NULL), 0);
    assert_int_equal(trawl_search_count(s), 0);

    /* Counting a repeated word counts the word: its df, read without a merge. */
    trawl_options co;
    trawl_options_init(&co);
    co.count_only = 1;
    for (int or = 0; or <= 1; or ++) {
        co.default_or = or ;
        assert_int_equal(trawl_search_run(s, "rafah", &co), TRAWL_OK);
        uint64_t once = trawl_search_count(s);
        assert_int_equal(trawl_search_run(s, "rafah rafah Rafah", &co), TRAWL_OK);
        assert_int_equal(trawl_search_count(s), once);
        assert_string_equal(search_algo(s), "count-df");
        assert_int_equal(trawl_search_run(s, "blinken blinken -netanyahu -netanyahu", &co),
                         TRAWL_OK);
        assert_int_equal(trawl_search_count(s),
                         (uint64_t)ts_popcount(ts_grep("blinken", NULL, "netanyahu")));
    }

    /* Ranking is deterministic and by score: descending, ties by doc. */
    trawl_hit prev, h;
    ts_hits(s, "rafah OR gaza OR israel", NULL);
    for (size_t i = 0; trawl_search_hit(s, i, &h) == TRAWL_OK; prev = h, i++)
        if (i) assert_true(prev.score > h.score || (prev.score == h.score && prev.doc < h.doc));
    trawl_search_free(s);
    trawl_index_close(idx);
}

static void test_dates(void **state)
{
    (void)state;
    trawl_index *idx = ts_open(ts_index);
    trawl_search *s;
    trawl_options o;
    unsigned after = 0, on = 0, dated = 0;
    for (int k = 0; k < TS_SEEDS; k++) {
        after |= (unsigned)(ts_docs[k].date >= 20240325) << k;
        on |= (unsigned)(ts_docs[k].date == 20240322) << k;
        dated |= (unsigned)(ts_docs[k].date != 0) << k;
    }
    assert_true(after != 0 && on != 0 && dated != (1u << TS_SEEDS) - 1);
    assert_int_equal(trawl_search_new(&s, idx), TRAWL_OK);
    trawl_options_init(&o);
    o.date_from = 20240325;
    assert_int_equal(ts_hits(s, "rafah", &o), after);
    assert_int_equal(ts_hits(s, "rafah date:2024-03-22..2024-03-22", NULL), on);
    assert_int_equal(ts_hits(s, "date:..2099-12-31", NULL), dated);
    /* Both filters apply. */
    assert_int_equal(ts_hits(s, "rafah date:2024-03-22..", &o), after);
    o.date_from = 0;
    o.date_to = 20240321;
    assert_int_equal(ts_hits(s, "rafah date:2024-03-22..", &o), 0);
    /* Sort by date: newest first, undated last. */
    trawl_options_init(&o);
    o.sort = TRAWL_SORT_DATE;
    trawl_hit prev, h;
    assert_int_equal(trawl_search_run(s, "rafah", &o), TRAWL_OK);
    for (size_t i = 0; trawl_search_hit(s, i, &h) == TRAWL_OK; prev = h, i++)
        if (i) assert_true(prev.date > h.date || (prev.date == h.date && prev.score >= h.score));
    trawl_search_free(s);
    trawl_index_close(idx);
}

static void test_text_snippet_explain(void **state)
{
    (void)state;
    trawl_index *idx = ts_open(ts_index);
    trawl_search *s;
    trawl_options o;
    const char *text;
    size_t len, n;
    const trawl_explain *ex;
    uint32_t dl;
    trawl_hit h;
    assert_int_equal(trawl_search_new(&s, idx), TRAWL_OK);
    trawl_options_init(&o);
    o.explain = 1;
    assert_int_equal(trawl_search_run(s, "\"arms smuggling\" rafah", &o), TRAWL_OK);
    assert_int_equal(trawl_search_hit(s, 0, &h), TRAWL_OK);
    assert_int_equal(trawl_search_explain(s, 0, &ex, &n, &dl), TRAWL_OK);
    assert_int_equal(n, 2);
    assert_string_equal(ex[0].term, "arm smuggl");
    assert_true(ex[0].tf >= 1 && ex[0].df == 1 && dl > 0);
    assert_true(fabs(ex[0].score + ex[1].score - h.score) < 1e-9 * h.score);
    assert_true(fabs(ex[1].idf - log(1 + (5 - 5 + 0.5) / (5 + 0.5))) < 1e-12);
    assert_int_equal(trawl_search_explain(s, 1, &ex, &n, &dl), TRAWL_ENOTFOUND);
    assert_int_equal(trawl_search_text(s, 0, &text, &len), TRAWL_OK);
    assert_true(len > 100 && memmem(text, len, "arms smuggling", 14));
    trawl_snippet sn;
    assert_int_equal(trawl_search_snippet(s, 0, 120, &sn), TRAWL_OK);
    assert_true(sn.len > 0 && sn.len < 400);
    /* doc_off places the passage in the stored text: its first match is there too */
    uint64_t at = sn.doc_off + sn.spans[0].off;
    uint32_t span_len = sn.spans[0].len;
    char first[64];
    assert_true(span_len < sizeof first);
    memcpy(first, sn.text + sn.spans[0].off, span_len);
    assert_int_equal(trawl_search_text(s, 0, &text, &len), TRAWL_OK);
    assert_true(at + span_len <= len && sn.doc_off > 0);
    assert_memory_equal(text + at, first, span_len);
    assert_ptr_equal(sn.text, text + sn.doc_off); /* one decompression serves both */
    assert_int_equal(trawl_search_text(s, 1, &text, &len), TRAWL_ENOTFOUND);
    /* a term in every document: pruning may skip, but a count of every document is exact */
    o.default_or = 1;
    o.limit = 1;
    assert_int_equal(trawl_search_run(s, "the rafah", &o), TRAWL_OK);
    assert_int_equal(trawl_search_count(s), 5);
    assert_int_equal(trawl_search_count_is_exact(s), 1);
    o.default_or = 0;
    o.limit = 10;
    o.explain = 0;
    assert_int_equal(trawl_search_run(s, "rafah", &o), TRAWL_OK);
    assert_int_equal(trawl_search_explain(s, 0, &ex, &n, &dl), TRAWL_EARG);
    trawl_search_free(s);
    trawl_index_close(idx);
}

/* ------------------------------------------------------------------ hostile input */

static char *ts_seg_bytes;
static size_t ts_seg_len;

/* Writes a copy of the index whose segment file is bytes[0..len). */
static void ts_write_copy(const char *dir, const uint8_t *bytes, size_t len)
{
    char path[512], cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s' && cp '%s/MANIFEST' '%s/'", dir, dir,
             ts_index, dir);
    assert_int_equal(system(cmd), 0);
    snprintf(path, sizeof path, "%s/%s", dir, ts_seg);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, len, f), len);
    fclose(f);
}

/* Opens, searches and checks the copy; returns 1 if any step reported an error. Never
 * crashes (ASan runs make sure of "never reads out of bounds" too). */
static int ts_try(const char *dir)
{
    static const char *qs[] = {
        "rafah",         "ground invasion", "\"arms smuggling\"", "isr*", "blinken -netanyahu",
        "gaza OR egypt", "\"rafah gaza\"~5"};
    trawl_index *idx;
    char eb[512];
    const char *dirs[] = {dir};
    int rc = trawl_index_open(&idx, dirs, 1, eb, sizeof eb), bad = 0;
    if (rc != TRAWL_OK) {
        assert_true(rc < 0 && eb[0] != '\0');
        return 1;
    }
    trawl_search *s;
    assert_int_equal(trawl_search_new(&s, idx), TRAWL_OK);
    for (size_t i = 0; i < sizeof qs / sizeof *qs; i++) {
        trawl_options o;
        trawl_options_init(&o);
        o.explain = 1;
        if (trawl_search_run(s, qs[i], &o) != TRAWL_OK) {
            bad = 1;
            continue;
        }
        trawl_hit h;
        const char *t;
        size_t len;
        for (size_t k = 0; trawl_search_hit(s, k, &h) == TRAWL_OK; k++)
            bad |= trawl_search_text(s, k, &t, &len) != TRAWL_OK;
    }
    rc = trawl_index_check(idx, eb, sizeof eb);
    if (rc != TRAWL_OK) {
        assert_true(eb[0] != '\0');
        bad = 1;
    }
    trawl_search_free(s);
    trawl_index_close(idx);
    return bad;
}

static void test_corrupt_segment(void **state)
{
    (void)state;
    char path[512], dir[400];
    snprintf(path, sizeof path, "%s/%s", ts_index, ts_seg);
    snprintf(dir, sizeof dir, "%s/bad", ts_root);
    assert_non_null(ts_seg_bytes = tu_slurp(path, &ts_seg_len));
    uint8_t *copy = malloc(ts_seg_len);
    assert_non_null(copy);
    /* The untouched copy is fine. */
    ts_write_copy(dir, (const uint8_t *)ts_seg_bytes, ts_seg_len);
    assert_int_equal(ts_try(dir), 0);
    /* Truncations: many lengths across the file, and every one of the last 64 bytes. */
    size_t step = ts_seg_len / 97 + 1;
    for (size_t len = 0; len < ts_seg_len; len += len + 64 >= ts_seg_len ? 1 : step) {
        ts_write_copy(dir, (const uint8_t *)ts_seg_bytes, len);
        if (!ts_try(dir))
            fail_msg("truncation to %zu of %zu bytes went unnoticed", len, ts_seg_len);
    }
    /* Byte flips spread over every section. */
    int missed = 0, tried = 0;
    step = ts_seg_len / 301 + 1;
    for (size_t off = 0; off < ts_seg_len; off += step, tried++) {
        memcpy(copy, ts_seg_bytes, ts_seg_len);
        copy[off] ^= (uint8_t)((0x5a + off) | 1); /* never 0: a zero mask flips nothing */
        ts_write_copy(dir, copy, ts_seg_len);
        if (!ts_try(dir)) {
            missed++;
            printf("test_search: flip at %zu of %zu went unnoticed\n", off, ts_seg_len);
        }
    }
    assert_int_equal(missed, 0);
    assert_true(tried > 100);
    free(copy);
    free(ts_seg_bytes);
}

static void test_corrupt_manifest(void **state)
{
    (void)state;
    char dir[400], path[512];
    size_t len;
    snprintf(dir, sizeof dir, "%s/badm", ts_root);
    snprintf(path, sizeof path, "%s/MANIFEST", ts_index);
    char *m = tu_slurp(path, &len);
    assert_non_null(m);
    char *seg =
        tu_slurp((snprintf(path, sizeof path, "%s/%s", ts_index, ts_seg), path), &ts_seg_len);
    assert_non_null(seg);
    for (size_t cut = 0; cut < len; cut += len / 13 + 1) {
        ts_write_copy(dir, (const uint8_t *)seg, ts_seg_len);
        snprintf(path, sizeof path, "%s/MANIFEST", dir);
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        fwrite(m, 1, cut, f);
        fclose(f);
        assert_int_equal(ts_try(dir), 1);
    }
    /* Not an index at all. */
    const char *dirs[] = {ts_root};
    trawl_index *idx;
    char eb[256];
    assert_int_equal(trawl_index_open(&idx, dirs, 1, eb, sizeof eb), TRAWL_ENOTINDEX);
    assert_null(idx);
    assert_int_equal(trawl_index_open(&idx, dirs, 0, eb, sizeof eb), TRAWL_EARG);
    free(m);
    free(seg);
}

/* ------------------------------------------------------------------ threads */

static const char *ts_thread_queries[] = {
    "rafah",        "ground invasion",        "\"ground invasion\"", "blinken -netanyahu",
    "isr*",         "gaza OR egypt OR hamas", "\"rafah israel\"~8",  "(gaza OR rafah) -blinken",
    "us secretary", "date:2024-03-22.. rafah"};
#define TS_NQ     (sizeof ts_thread_queries / sizeof *ts_thread_queries)
#define TS_ROUNDS 200

typedef struct ts_result {
    uint64_t count;
    size_t n;
    uint64_t doc[10];
    double score[10];
} ts_result;

typedef struct ts_thread {
    trawl_index *idx;
    ts_result res[TS_ROUNDS];
    int rc;
} ts_thread;

static void *ts_worker(void *arg)
{
    ts_thread *t = arg;
    trawl_search *s;
    if ((t->rc = trawl_search_new(&s, t->idx)) != TRAWL_OK) return NULL;
    for (size_t r = 0; r < TS_ROUNDS && t->rc == TRAWL_OK; r++) {
        trawl_options o;
        trawl_options_init(&o);
        o.exact_count = (int)(r & 1);
        t->rc = trawl_search_run(s, ts_thread_queries[r % TS_NQ], &o);
        trawl_hit h;
        ts_result *x = &t->res[r];
        x->count = trawl_search_count(s);
        for (x->n = 0; x->n < 10 && trawl_search_hit(s, x->n, &h) == TRAWL_OK; x->n++) {
            x->doc[x->n] = h.doc;
            x->score[x->n] = h.score;
        }
    }
    trawl_search_free(s);
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    static ts_thread one, two[2];
    trawl_index *idx = ts_open(ts_index);
    one.idx = two[0].idx = two[1].idx = idx;
    ts_worker(&one);
    assert_int_equal(one.rc, TRAWL_OK);
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, ts_worker, &two[i]), 0);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(two[i].rc, TRAWL_OK);
        assert_memory_equal(two[i].res, one.res, sizeof one.res);
    }
    trawl_index_close(idx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kth_largest),     cmocka_unit_test(test_known_answers),
        cmocka_unit_test(test_dates),           cmocka_unit_test(test_text_snippet_explain),
        cmocka_unit_test(test_corrupt_segment), cmocka_unit_test(test_corrupt_manifest),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, ts_setup, ts_teardown);
}
