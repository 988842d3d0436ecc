/* test_qstats: statistics across shards (trawl_qstats_*, trawl_search_qstats,
 * trawl_search_run_global), through trawl.h only. A random corpus (fixed seed, printed;
 * TRAWL_TEST_SEED overrides it) is written through the public writer into three shard indexes
 * and into one index of the same documents in shard order; every query of a set (terms, AND,
 * OR, phrases, proximity, prefixes, NOT, date filters and date sort, paging, count-only,
 * explain) runs in two phases over the shards, its statistics shipped as bytes, and the merged
 * top-k must equal one index's hits bit for bit (ids, scores, dates, explanations) with the
 * same counts; so must the three shards opened as one index. Then the same after updates and
 * deletes in the shards (live df). Also: prefix expansion limits decided over all shards; the
 * byte encoding's round trip, truncations, flipped bits, newer versions and unknown kinds; and
 * the refusals (statistics of another query, of fewer documents, another analyzer). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"
#include "trawl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QT_SHARDS 3
#define QT_DOCS   1500
#define QT_VOCAB  120
#define QT_MAXLEN 40
#define QT_HITS   64

static uint64_t qt_rng;
static char qt_root[256];
static char qt_dirs[QT_SHARDS + 1][300]; /* the shards, then the one index */
static char qt_text[QT_DOCS][QT_MAXLEN * 8];
static uint32_t qt_date[QT_DOCS];

static uint64_t qt_rand(void)
{
    qt_rng ^= qt_rng >> 12;
    qt_rng ^= qt_rng << 25;
    qt_rng ^= qt_rng >> 27;
    return qt_rng * 0x2545F4914F6CDD1DULL;
}

/* Word i of the vocabulary: "w" + two letters; the first ones are the frequent ones. */
static void qt_word(char *out, uint32_t i)
{
    sprintf(out, "w%c%c", 'a' + (int)(i / 26), 'a' + (int)(i % 26));
}

/* A document of Zipf-ish words; every 97th also holds a rare word "rare<k>" (one document
 * each), every 31st a scarce one "scarce<k>" (four documents each). Lengths repeat often, so equal
 * scores (ties) are common. */
static void qt_make_doc(uint32_t d)
{
    uint32_t len = 3 + (uint32_t)(qt_rand() % (QT_MAXLEN - 3));
    char *w = qt_text[d];
    for (uint32_t p = 0; p < len; p++) {
        uint32_t r = (uint32_t)(qt_rand() % 1000), i = r < 500 ? r % 8 : r % QT_VOCAB;
        if (p) *w++ = ' ';
        qt_word(w, i);
        w += strlen(w);
    }
    if (d % 97 == 5) w += sprintf(w, " rare%u", d / 97);
    /* a word in about 4 documents: rare in a shard, not over all of them (--fuzzy's test) */
    if (d % 31 == 3) w += sprintf(w, " scarce%u", d / 124);
    /* a prefix whose most frequent expansion one shard alone holds ("xz*": xzmany in shard 0,
     * one-document xzr<k> everywhere), weighed by that expansion's df on every shard */
    if (d % 15 == 0) w += sprintf(w, " xzmany");
    if (d % 89 == 7) w += sprintf(w, " xzr%u", d / 89);
    qt_date[d] = qt_rand() % 4 ? 20240101 + (uint32_t)(qt_rand() % 28) : 0;
}

static void qt_id(char *out, uint32_t d)
{
    sprintf(out, "doc-%05u", d);
}

/* Shard of document d: by its number, so the test knows which shard holds what. */
static int qt_shard(uint32_t d)
{
    return (int)(d % QT_SHARDS);
}

static trawl_writer *qt_writer(const char *dir)
{
    trawl_writer_options o;
    trawl_writer *w = NULL;
    char errbuf[512];
    trawl_writer_options_init(&o);
    o.language = "none";
    o.threads = 1;
    assert_int_equal(trawl_writer_open(&w, dir, &o, errbuf, sizeof errbuf), TRAWL_OK);
    return w;
}

static void qt_add(trawl_writer *w, uint32_t d)
{
    char id[32];
    qt_id(id, d);
    assert_int_equal(
        trawl_writer_add(w, id, strlen(id), qt_text[d], strlen(qt_text[d]), qt_date[d], NULL),
        TRAWL_OK);
}

/* The shards, and the one index of all documents in shard order (shard 0's, then 1's, ...). */
static int qt_setup(void **state)
{
    (void)state;
    const char *env = getenv("TRAWL_TEST_SEED");
    qt_rng = env ? strtoull(env, NULL, 10) : 20261125;
    printf("test_qstats seed %llu (TRAWL_TEST_SEED)\n", (unsigned long long)qt_rng);
    if (!qt_rng) qt_rng = 1;
    if (!tu_mkdtemp(qt_root, sizeof qt_root, "qstats")) return -1;
    for (uint32_t d = 0; d < QT_DOCS; d++)
        qt_make_doc(d);
    for (int s = 0; s <= QT_SHARDS; s++)
        snprintf(qt_dirs[s], sizeof qt_dirs[s], "%s/%s%d", qt_root, s < QT_SHARDS ? "shard" : "one",
                 s);
    trawl_writer *one = qt_writer(qt_dirs[QT_SHARDS]);
    for (int s = 0; s < QT_SHARDS; s++) {
        trawl_writer *w = qt_writer(qt_dirs[s]);
        for (uint32_t d = 0; d < QT_DOCS; d++)
            if (qt_shard(d) == s) qt_add(w, d), qt_add(one, d);
        assert_int_equal(trawl_writer_commit(w), TRAWL_OK);
        trawl_writer_close(w);
    }
    assert_int_equal(trawl_writer_commit(one), TRAWL_OK);
    trawl_writer_close(one);
    return 0;
}

static int qt_teardown(void **state)
{
    (void)state;
    return tu_rm_rf(qt_root) == 0 ? 0 : -1;
}

/* ---------------------------------------------------------------- searching */

typedef struct qt_hit {
    double score;
    uint32_t date;
    int shard;
    uint64_t doc;
    char id[32];
    size_t n_ex;
    trawl_explain ex[32];
    char terms[32][48]; /* ex[k].term's text (it points into the run, which the next ends) */
} qt_hit;

typedef struct qt_result {
    int rc;
    uint64_t count;
    int exact;
    size_t n;
    qt_hit h[QT_HITS];
} qt_result;

static trawl_index *qt_open(const char *const *dirs, size_t n)
{
    trawl_index *idx = NULL;
    char errbuf[512];
    int rc = trawl_index_open(&idx, dirs, n, errbuf, sizeof errbuf);
    if (rc != TRAWL_OK) fail_msg("open: %s", errbuf);
    return idx;
}

/* The hits of the last run on s into r (from slot r->n on), tagged with shard. */
static void qt_collect(trawl_search *s, int shard, int explain, qt_result *r)
{
    trawl_hit hit;
    for (size_t i = 0; trawl_search_hit(s, i, &hit) == TRAWL_OK; i++) {
        assert_true(r->n < QT_HITS);
        qt_hit *h = &r->h[r->n++];
        memset(h, 0, sizeof *h);
        h->score = hit.score;
        h->date = hit.date;
        h->shard = shard;
        h->doc = hit.doc;
        snprintf(h->id, sizeof h->id, "%.*s", (int)hit.id_len, hit.id);
        if (!explain) continue;
        const trawl_explain *ex;
        size_t n;
        assert_int_equal(trawl_search_explain(s, i, &ex, &n, NULL), TRAWL_OK);
        assert_true(n <= 32);
        h->n_ex = n;
        if (n) memcpy(h->ex, ex, n * sizeof *ex);
        for (size_t k = 0; k < n; k++) {
            snprintf(h->terms[k], sizeof h->terms[k], "%s", ex[k].term);
            h->ex[k].term = NULL;
        }
    }
}

static void qt_run_one(trawl_search *s, const char *q, const trawl_options *o, qt_result *r)
{
    memset(r, 0, sizeof *r);
    r->rc = trawl_search_run(s, q, o);
    if (r->rc != TRAWL_OK) return;
    r->count = trawl_search_count(s);
    r->exact = trawl_search_count_is_exact(s);
    qt_collect(s, 0, o->explain, r);
}

static int qt_by_date;

/* The merged order: (date,) score descending, then shard, then the shard's document order. */
static int qt_cmp_hits(const void *pa, const void *pb)
{
    const qt_hit *a = pa, *b = pb;
    if (qt_by_date && a->date != b->date) return a->date > b->date ? -1 : 1;
    if (a->score != b->score) return a->score > b->score ? -1 : 1;
    if (a->shard != b->shard) return a->shard < b->shard ? -1 : 1;
    return a->doc < b->doc ? -1 : a->doc > b->doc;
}

/* Statistics of every shard for q, each shipped through its bytes, merged. */
static trawl_qstats *qt_gather(trawl_search **ss, const char *q, const trawl_options *o, int *rc)
{
    trawl_qstats *all;
    assert_int_equal(trawl_qstats_new(&all), TRAWL_OK);
    for (int s = 0; s < QT_SHARDS; s++) {
        trawl_qstats *part = NULL, *back = NULL;
        *rc = trawl_search_qstats(ss[s], q, o, &part);
        if (*rc != TRAWL_OK) {
            trawl_qstats_free(all);
            return NULL;
        }
        size_t n = trawl_qstats_encoded_size(part);
        void *bytes = malloc(n);
        assert_non_null(bytes);
        assert_int_equal(trawl_qstats_encode(part, bytes, n), TRAWL_OK);
        assert_int_equal(trawl_qstats_decode(&back, bytes, n, NULL, 0), TRAWL_OK);
        assert_int_equal(trawl_qstats_merge(all, back), TRAWL_OK);
        trawl_qstats_free(back);
        trawl_qstats_free(part);
        free(bytes);
    }
    return all;
}

/* Both phases over the shards, then the merge of their top offset + limit. */
static void qt_run_sharded(trawl_search **ss, const char *q, const trawl_options *o, qt_result *r)
{
    memset(r, 0, sizeof *r);
    trawl_options so = *o;
    so.offset = 0;
    so.limit = o->offset + o->limit;
    trawl_qstats *all = qt_gather(ss, q, o, &r->rc);
    if (!all) return;
    r->exact = 1;
    for (int s = 0; s < QT_SHARDS && r->rc == TRAWL_OK; s++) {
        r->rc = trawl_search_run_global(ss[s], q, &so, all);
        if (r->rc != TRAWL_OK) break;
        r->count += trawl_search_count(ss[s]);
        r->exact &= trawl_search_count_is_exact(ss[s]);
        qt_collect(ss[s], s, o->explain, r);
    }
    trawl_qstats_free(all);
    qt_by_date = o->sort == TRAWL_SORT_DATE;
    qsort(r->h, r->n, sizeof r->h[0], qt_cmp_hits);
    size_t from = o->offset < r->n ? o->offset : r->n, to = from + o->limit;
    if (to > r->n) to = r->n;
    memmove(r->h, r->h + from, (to - from) * sizeof r->h[0]);
    r->n = to - from;
}

/* Equal answers: codes, hits (id, date, score bits, explanations) and, when both are exact,
 * counts (a pruned count is a lower bound that depends on how the documents were split). */
static void qt_same(const char *q, const qt_result *a, const qt_result *b, const char *what)
{
    if (a->rc != b->rc) fail_msg("%s: %s: rc %d vs %d", what, q, a->rc, b->rc);
    if (a->exact && b->exact && a->count != b->count)
        fail_msg("%s: %s: count %llu vs %llu", what, q, (unsigned long long)a->count,
                 (unsigned long long)b->count);
    if (a->n != b->n) fail_msg("%s: %s: %zu hits vs %zu", what, q, a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        const qt_hit *x = &a->h[i], *y = &b->h[i];
        if (strcmp(x->id, y->id) != 0 || x->date != y->date ||
            memcmp(&x->score, &y->score, sizeof x->score) != 0)
            fail_msg("%s: %s: hit %zu: %s %.17g vs %s %.17g", what, q, i, x->id, x->score, y->id,
                     y->score);
        if (x->n_ex != y->n_ex) fail_msg("%s: %s: hit %zu: explain sizes differ", what, q, i);
        for (size_t k = 0; k < x->n_ex; k++)
            if (strcmp(x->terms[k], y->terms[k]) != 0 || x->ex[k].df != y->ex[k].df ||
                x->ex[k].tf != y->ex[k].tf ||
                memcmp(&x->ex[k].idf, &y->ex[k].idf, sizeof(double)) != 0 ||
                memcmp(&x->ex[k].score, &y->ex[k].score, sizeof(double)) != 0)
                fail_msg("%s: %s: hit %zu clause %zu: %s tf %u df %llu idf %.17g score %.17g vs "
                         "%s tf %u df %llu idf %.17g score %.17g",
                         what, q, i, k, x->terms[k], x->ex[k].tf, (unsigned long long)x->ex[k].df,
                         x->ex[k].idf, x->ex[k].score, y->terms[k], y->ex[k].tf,
                         (unsigned long long)y->ex[k].df, y->ex[k].idf, y->ex[k].score);
    }
}

static const char *const qt_queries[] = {
    "wab",
    "wac",
    "wbz",
    "waa wab",
    "wab wcd",
    "wab OR wdx",
    "wab OR wcd OR rare3",
    "\"waa wab\"",
    "\"wac wad wae\"",
    "\"waa wab\"~3",
    "wa*",
    "wb* wab",
    "wab -wac",
    "NOT waa",
    "(wab OR wbc) -\"waa wab\"",
    "+wab wbq",
    "wab date:2024-01-05..2024-01-20",
    "date:2024-01-10..2024-01-12",
    "\"wab wac\" date:..2024-01-15",
    "rare*",
    "xz*",
    "wab xz*",
    "rare7",
    "nosuchword",
    "wab AND nosuchword",
    "wab nosuchword*",
    "wab~1",
    "wab~2",
    "rare7~1 wab",
    "rare1~2",
    "wqz~1 OR \"waa wab\"",
    "scarce3",
    "scarce5 OR rare2",
};

/* Every option set a query runs under. */
static void qt_options(trawl_options *o, int variant)
{
    trawl_options_init(o);
    o->limit = 10;
    switch (variant) {
    case 1:
        o->default_or = 1;
        o->limit = 20;
        break;
    case 2:
        o->offset = 7;
        o->limit = 9;
        break;
    case 3:
        o->sort = TRAWL_SORT_DATE;
        break;
    case 4:
        o->count_only = 1;
        o->limit = 0;
        break;
    case 5:
        o->explain = 1;
        break;
    case 6:
        o->exact_count = 1;
        o->date_from = 20240103;
        o->date_to = 20240121;
        break;
    case 7: /* rare and absent words widened: rare over all shards, not over one */
        o->fuzzy = 1;
        o->explain = 1;
        break;
    }
}
#define QT_VARIANTS 8

/* Every query and option set: the shards in two phases == one index == the shards as one. */
static void qt_compare_all(trawl_index *one, trawl_index **shard, trawl_index *as_one)
{
    trawl_search *s_one, *s_as, *ss[QT_SHARDS];
    assert_int_equal(trawl_search_new(&s_as, as_one), TRAWL_OK);
    s_one = NULL;
    if (one) assert_int_equal(trawl_search_new(&s_one, one), TRAWL_OK);
    for (int s = 0; s < QT_SHARDS; s++)
        assert_int_equal(trawl_search_new(&ss[s], shard[s]), TRAWL_OK);
    static qt_result ra, rb, rc;
    size_t hits = 0;
    for (size_t i = 0; i < sizeof qt_queries / sizeof *qt_queries; i++)
        for (int v = 0; v < QT_VARIANTS; v++) {
            trawl_options o;
            qt_options(&o, v);
            qt_run_sharded(ss, qt_queries[i], &o, &ra);
            qt_run_one(s_as, qt_queries[i], &o, &rb);
            qt_same(qt_queries[i], &ra, &rb, "shards vs the shards opened as one");
            if (one) {
                qt_run_one(s_one, qt_queries[i], &o, &rc);
                qt_same(qt_queries[i], &ra, &rc, "shards vs one index");
            }
            hits += ra.n;
        }
    assert_true(hits > 1000); /* the set is not vacuous */
    for (int s = 0; s < QT_SHARDS; s++)
        trawl_search_free(ss[s]);
    trawl_search_free(s_one);
    trawl_search_free(s_as);
}

static void qt_open_all(trawl_index **shard, trawl_index **as_one)
{
    const char *dirs[QT_SHARDS];
    for (int s = 0; s < QT_SHARDS; s++) {
        dirs[s] = qt_dirs[s];
        shard[s] = qt_open(&dirs[s], 1);
    }
    *as_one = qt_open(dirs, QT_SHARDS);
}

static void qt_close_all(trawl_index **shard, trawl_index *as_one)
{
    for (int s = 0; s < QT_SHARDS; s++)
        trawl_index_close(shard[s]);
    trawl_index_close(as_one);
}

static void test_sharded_equals_one_index(void **state)
{
    (void)state;
    trawl_index *shard[QT_SHARDS], *as_one;
    const char *one_dir = qt_dirs[QT_SHARDS];
    trawl_index *one = qt_open(&one_dir, 1);
    qt_open_all(shard, &as_one);
    qt_compare_all(one, shard, as_one);
    trawl_index_close(one);
    qt_close_all(shard, as_one);
}

/* Updates and deletes routed to the shard that holds the id: the live df of each shard sums
 * to what the shards opened as one count (which test_live holds to a fresh build). */
static void test_after_updates_and_deletes(void **state)
{
    (void)state;
    for (int s = 0; s < QT_SHARDS; s++) {
        trawl_writer *w = qt_writer(qt_dirs[s]);
        for (uint32_t d = (uint32_t)s; d < QT_DOCS; d += QT_SHARDS) {
            char id[32];
            qt_id(id, d);
            if (d % 11 == 0) {
                assert_int_equal(trawl_writer_delete(w, id, strlen(id)), TRAWL_OK);
            } else if (d % 7 == 0) {
                qt_make_doc(d);
                qt_add(w, d);
            }
        }
        assert_int_equal(trawl_writer_commit(w), TRAWL_OK);
        trawl_writer_close(w);
    }
    trawl_index *shard[QT_SHARDS], *as_one;
    qt_open_all(shard, &as_one);
    qt_compare_all(NULL, shard, as_one);
    qt_close_all(shard, as_one);
}

/* A prefix expands over every shard's terms: with a limit each shard stays under but their
 * union exceeds, the sharded search fails with TRAWL_ELIMIT as one index does. */
static void test_prefix_limit_over_all_shards(void **state)
{
    (void)state;
    trawl_index *shard[QT_SHARDS], *as_one;
    qt_open_all(shard, &as_one);
    trawl_search *ss[QT_SHARDS], *s1;
    for (int s = 0; s < QT_SHARDS; s++)
        assert_int_equal(trawl_search_new(&ss[s], shard[s]), TRAWL_OK);
    assert_int_equal(trawl_search_new(&s1, as_one), TRAWL_OK);
    trawl_options o;
    trawl_options_init(&o);
    o.max_expansions = 7; /* rare0..rare15: about 5 per shard, 16 in all */
    static qt_result ra, rb;
    qt_run_one(s1, "rare*", &o, &rb);
    assert_int_equal(rb.rc, TRAWL_ELIMIT);
    for (int s = 0; s < QT_SHARDS; s++) {
        trawl_qstats *part = NULL;
        assert_int_equal(trawl_search_qstats(ss[s], "rare*", &o, &part), TRAWL_OK);
        trawl_qstats_free(part);
    }
    qt_run_sharded(ss, "rare*", &o, &ra);
    assert_int_equal(ra.rc, TRAWL_ELIMIT);
    assert_non_null(strstr(trawl_search_errmsg(ss[0]), "rare*"));
    for (int s = 0; s < QT_SHARDS; s++)
        trawl_search_free(ss[s]);
    trawl_search_free(s1);
    qt_close_all(shard, as_one);
}

/* ---------------------------------------------------------------- the encoding */

static trawl_qstats *qt_stats_of(trawl_index *idx, const char *q)
{
    trawl_search *s;
    trawl_qstats *qs = NULL;
    assert_int_equal(trawl_search_new(&s, idx), TRAWL_OK);
    assert_int_equal(trawl_search_qstats(s, q, NULL, &qs), TRAWL_OK);
    trawl_search_free(s);
    return qs;
}

static void *qt_encode(const trawl_qstats *qs, size_t *n)
{
    *n = trawl_qstats_encoded_size(qs);
    void *p = malloc(*n);
    assert_non_null(p);
    assert_int_equal(trawl_qstats_encode(qs, p, *n), TRAWL_OK);
    return p;
}

static uint64_t qt_xxh64(const void *p, size_t n);

static void test_encoding(void **state)
{
    (void)state;
    trawl_index *shard[QT_SHARDS], *as_one;
    qt_open_all(shard, &as_one);
    trawl_qstats *qs = qt_stats_of(shard[0], "wab \"waa wab\"~2 wa* -rare1 \"wac wad\"");
    int kind;
    const char *key;
    size_t key_len, n, m;
    uint64_t df, docs, toks;
    uint32_t parts;
    trawl_qstats_totals(qs, &docs, &toks, &parts);
    assert_int_equal(parts, 1);
    assert_true(docs > 0 && toks > docs);
    assert_true(trawl_qstats_count(qs) >= 4);
    /* a phrase is weighted by its words' df: they are there, the phrase is not */
    int saw_word = 0, saw_phrase = 0;
    for (size_t i = 0; trawl_qstats_entry(qs, i, &kind, &key, &key_len, &df) == TRAWL_OK; i++) {
        saw_word |= kind == TRAWL_QSTATS_TERM && key_len == 3 && memcmp(key, "wad", 3) == 0;
        saw_phrase |= kind == TRAWL_QSTATS_PHRASE;
    }
    assert_true(saw_word);
    assert_false(saw_phrase);
    assert_int_equal(trawl_qstats_entry(qs, trawl_qstats_count(qs), &kind, &key, &key_len, &df),
                     TRAWL_ENOTFOUND);

    /* round trip: the same bytes again */
    uint8_t *bytes = qt_encode(qs, &n), *again;
    trawl_qstats *back = NULL;
    char errbuf[256];
    assert_int_equal(trawl_qstats_decode(&back, bytes, n, errbuf, sizeof errbuf), TRAWL_OK);
    again = qt_encode(back, &m);
    assert_int_equal(m, n);
    assert_memory_equal(again, bytes, n);
    free(again);
    trawl_qstats_free(back);
    assert_int_equal(trawl_qstats_encode(qs, bytes, n - 1), TRAWL_EARG);

    /* every truncation and every flipped bit is refused, never read past */
    for (size_t len = 0; len < n; len++) {
        assert_int_equal(trawl_qstats_decode(&back, bytes, len, NULL, 0), TRAWL_ECORRUPT);
        assert_null(back);
    }
    for (size_t i = 0; i < n; i++)
        for (int bit = 0; bit < 8; bit += 3) {
            bytes[i] ^= (uint8_t)(1 << bit);
            int rc = trawl_qstats_decode(&back, bytes, n, errbuf, sizeof errbuf);
            assert_true(rc == TRAWL_ECORRUPT || rc == TRAWL_EVERSION);
            assert_true(errbuf[0] != '\0');
            bytes[i] ^= (uint8_t)(1 << bit);
        }

    /* a newer version: TRAWL_EVERSION, whatever follows */
    bytes[4] = 2;
    assert_int_equal(trawl_qstats_decode(&back, bytes, n, errbuf, sizeof errbuf), TRAWL_EVERSION);
    bytes[4] = 1;

    /* an entry of a kind this library does not know is kept through decode, merge, encode */
    uint64_t sum = qt_xxh64(bytes, n - 8);
    assert_memory_equal(&sum, bytes + n - 8, 8); /* the footer is xxhash64 of the rest */
    size_t extra = 16 + 3;
    uint8_t *grown = malloc(n + extra);
    memcpy(grown, bytes, n - 8);
    uint8_t entry[19] = {9, 0, 0, 0, 3, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 'a', 'b', 'c'};
    memcpy(grown + n - 8, entry, sizeof entry);
    uint64_t count;
    memcpy(&count, grown + 64, 8);
    count++;
    memcpy(grown + 64, &count, 8);
    sum = qt_xxh64(grown, n - 8 + extra);
    memcpy(grown + n - 8 + extra, &sum, 8);
    assert_int_equal(trawl_qstats_decode(&back, grown, n + extra, errbuf, sizeof errbuf), TRAWL_OK);
    assert_int_equal(trawl_qstats_merge(back, back == NULL ? qs : back), TRAWL_OK);
    assert_int_equal(
        trawl_qstats_entry(back, trawl_qstats_count(back) - 1, &kind, &key, &key_len, &df),
        TRAWL_OK);
    assert_int_equal(kind, 9);
    assert_int_equal(df, 10); /* summed with itself */
    trawl_qstats_free(back);
    free(grown);
    free(bytes);
    trawl_qstats_free(qs);
    qt_close_all(shard, as_one);
}

/* xxhash64, seed 0, through the library's own record: a record of no entries hashes its
 * header, so compare with one computed by a tiny independent implementation. */
static uint64_t qt_rotl(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

static uint64_t qt_xxh64(const void *data, size_t len)
{
    const uint64_t p1 = 11400714785074694791ULL, p2 = 14029467366897019727ULL,
                   p3 = 1609587929392839161ULL, p4 = 9650029242287828579ULL,
                   p5 = 2870177450012600261ULL;
    const uint8_t *p = data, *end = p + len;
    uint64_t h, v[4] = {p1 + p2, p2, 0, -p1}, k;
    uint32_t k4;
    if (len >= 32) {
        do {
            for (int i = 0; i < 4; i++, p += 8) {
                memcpy(&k, p, 8);
                v[i] = qt_rotl(v[i] + k * p2, 31) * p1;
            }
        } while (p <= end - 32);
        h = qt_rotl(v[0], 1) + qt_rotl(v[1], 7) + qt_rotl(v[2], 12) + qt_rotl(v[3], 18);
        for (int i = 0; i < 4; i++)
            h = (h ^ (qt_rotl(v[i] * p2, 31) * p1)) * p1 + p4;
    } else {
        h = p5;
    }
    h += len;
    for (; p + 8 <= end; p += 8) {
        memcpy(&k, p, 8);
        h = qt_rotl(h ^ (qt_rotl(k * p2, 31) * p1), 27) * p1 + p4;
    }
    if (p + 4 <= end) {
        memcpy(&k4, p, 4);
        h = qt_rotl(h ^ ((uint64_t)k4 * p1), 23) * p2 + p3;
        p += 4;
    }
    for (; p < end; p++)
        h = qt_rotl(h ^ (*p * p5), 11) * p1;
    h ^= h >> 33;
    h *= p2;
    h ^= h >> 29;
    h *= p3;
    h ^= h >> 32;
    return h;
}

/* ---------------------------------------------------------------- refusals */

static void test_refusals(void **state)
{
    (void)state;
    trawl_index *shard[QT_SHARDS], *as_one;
    qt_open_all(shard, &as_one);
    trawl_search *s;
    assert_int_equal(trawl_search_new(&s, shard[0]), TRAWL_OK);
    trawl_qstats *other = qt_stats_of(as_one, "wab"), *mine = qt_stats_of(shard[0], "wab");
    trawl_qstats *empty, *coll;
    assert_int_equal(trawl_qstats_new(&empty), TRAWL_OK);
    assert_int_equal(trawl_index_qstats(shard[1], &coll), TRAWL_OK);

    /* statistics of another query: a matching clause is missing */
    assert_int_equal(trawl_search_run_global(s, "wac", NULL, other), TRAWL_EARG);
    assert_non_null(strstr(trawl_search_errmsg(s), "\"wac\""));
    assert_int_equal(trawl_search_count(s), 0);
    /* a clause that matches nothing here needs no statistics */
    assert_int_equal(trawl_search_run_global(s, "wab OR nosuchword", NULL, other), TRAWL_OK);
    /* of fewer documents than this index: shard 1's collection alone */
    assert_int_equal(trawl_search_run_global(s, "wab", NULL, coll), TRAWL_EARG);
    /* shard 0's own, then a df below this index's (the collection of all, terms of shard 1) */
    assert_int_equal(trawl_search_run_global(s, "wab", NULL, mine), TRAWL_OK);
    assert_int_equal(trawl_search_run_global(s, "wab", NULL, empty), TRAWL_EARG);
    assert_int_equal(trawl_search_run_global(s, "wab", NULL, NULL), TRAWL_EARG);
    trawl_qstats_free(coll);
    assert_int_equal(trawl_search_qstats(s, "wab (", NULL, &coll), TRAWL_EQUERY);
    assert_null(coll);
    assert_true(trawl_search_error_column(s) > 0);
    /* query expansion: feedback from each shard's own top hits cannot be one index's */
    trawl_options xo;
    trawl_options_init(&xo);
    xo.expand = 1;
    assert_int_equal(trawl_search_qstats(s, "wab", &xo, &coll), TRAWL_EARG);
    assert_null(coll);
    assert_non_null(strstr(trawl_search_errmsg(s), "expansion"));
    assert_int_equal(trawl_search_run_global(s, "wab", &xo, mine), TRAWL_EARG);

    /* another analyzer: an index of the same words with stemming */
    char dir[300];
    snprintf(dir, sizeof dir, "%s/english", qt_root);
    trawl_writer *w = NULL;
    assert_int_equal(trawl_writer_open(&w, dir, NULL, NULL, 0), TRAWL_OK);
    assert_int_equal(trawl_writer_add(w, "a", 1, "wab wac", 7, 0, NULL), TRAWL_OK);
    assert_int_equal(trawl_writer_commit(w), TRAWL_OK);
    trawl_writer_close(w);
    const char *dp = dir;
    trawl_index *eng = qt_open(&dp, 1);
    trawl_qstats *e = qt_stats_of(eng, "wab");
    assert_int_equal(trawl_qstats_merge(mine, e), TRAWL_EARG);
    assert_int_equal(trawl_qstats_merge(empty, e), TRAWL_OK); /* the first part sets it */
    assert_int_equal(trawl_search_run_global(s, "wab", NULL, empty), TRAWL_EARG);
    assert_non_null(strstr(trawl_search_errmsg(s), "analyzer"));
    assert_int_equal(trawl_qstats_merge(NULL, e), TRAWL_EARG);
    assert_int_equal(trawl_qstats_new(NULL), TRAWL_EARG);
    trawl_qstats_free(NULL);

    trawl_qstats_free(e);
    trawl_index_close(eng);
    trawl_qstats_free(empty);
    trawl_qstats_free(mine);
    trawl_qstats_free(other);
    trawl_search_free(s);
    qt_close_all(shard, as_one);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sharded_equals_one_index),
        cmocka_unit_test(test_prefix_limit_over_all_shards),
        cmocka_unit_test(test_encoding),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_after_updates_and_deletes),
    };
    return cmocka_run_group_tests(tests, qt_setup, qt_teardown);
}
