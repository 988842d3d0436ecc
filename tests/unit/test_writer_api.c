/* test_writer_api: the public writer of trawl.h (trawl_writer_*), through trawl.h (build.h
 * only to compare with trawl-index's sync, api.h for the 1.0 struct sizes): adds, replaces and
 * deletes over several commits answer every query with exactly the ids, counts and scores of a
 * fresh index of the final documents; a tiny memory budget and merges change nothing either;
 * trawl-index --jsonl and the writer share one id namespace; close without commit rolls back and
 * leaves no file behind; a second writer is refused; readers see commits through
 * trawl_index_reopen; bad arguments leave the writer usable, a failure of the writer itself stops
 * it; the sized structs follow the ABI promise; and the indexing example of trawl.h, copied
 * verbatim below, compiles, runs and still equals the header's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api.h"
#include "build.h"
#include "err.h"
#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

// clang-format off
/* ---- example begin ---- */
// Adds or replaces two documents, deletes a third, and publishes all of it at once.
int index_some(const char *dir)
{
    char errbuf[512];
    trawl_writer *w = NULL;
    int rc = trawl_writer_open(&w, dir, NULL, errbuf, sizeof errbuf);
    if (rc != TRAWL_OK) { // TRAWL_EIO "locked" while another writer has dir, ...
        fprintf(stderr, "%s %s\n", trawl_strerror(rc), errbuf);
        return rc;
    }
    const char *text = "Rafah crossing reopens for aid trucks";
    rc = trawl_writer_add(w, "doc-1", 5, text, strlen(text), 20240321, NULL);
    if (rc == TRAWL_OK) rc = trawl_writer_add(w, "doc-2", 5, "No date here", 12, 0, NULL);
    if (rc == TRAWL_OK) rc = trawl_writer_delete(w, "doc-0", 5);
    if (rc == TRAWL_ENOTFOUND) rc = TRAWL_OK; // there was no doc-0: nothing to delete
    if (rc == TRAWL_OK) rc = trawl_writer_commit(w); // readers see all three or none
    if (rc != TRAWL_OK)
        fprintf(stderr, "%s %s\n", trawl_strerror(rc), trawl_writer_errmsg(w));
    trawl_writer_close(w); // after a failure: as if nothing had been added
    return rc;
}
/* ---- example end ---- */
// clang-format on

#define TW_N_DOCS  40 /* documents of the first commit */
#define TW_MAX_HIT 256

static char tw_root[256];

/* ---------------------------------------------------------------- documents */

static const char *tw_vocab[] = {
    "rafah",     "border",  "crossing", "aid",        "trucks",  "egypt",    "gaza",
    "ceasefire", "talks",   "hostages", "cairo",      "doha",    "minister", "envoy",
    "invasion",  "ground",  "civilian", "casualties", "shelter", "water",    "fuel",
    "convoy",    "medical", "hospital", "supplies",   "winter",  "refugees", "camp",
};
#define TW_VOCAB (sizeof tw_vocab / sizeof *tw_vocab)

/* Deterministic text of document version v: 8..47 words drawn with a skew (early words are
 * common, later ones rare) so that terms have varied document frequencies. */
static void tw_text(unsigned v, char *out, size_t cap)
{
    uint64_t x = 0x9E3779B97F4A7C15ull * (v + 1);
    size_t n = 0;
    unsigned words = 8 + v * 7 % 40;
    out[0] = '\0';
    for (unsigned i = 0; i < words; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        unsigned r = (unsigned)(x >> 33) % (TW_VOCAB * TW_VOCAB);
        unsigned k = 0;
        while ((k + 1) * (k + 1) <= r)
            k++; /* sqrt: small indices more likely */
        n += (size_t)snprintf(out + n, cap - n, "%s%s", i ? " " : "", tw_vocab[TW_VOCAB - 1 - k]);
    }
}

static uint32_t tw_date(unsigned v)
{
    return v % 5 == 0 ? 0 : 20240301 + v % 28;
}

/* The final state of a document set: version[i] is document "d<i>"'s text version, -1 if it is
 * deleted. */
typedef struct tw_docs {
    int version[TW_N_DOCS + 8];
    size_t n;
} tw_docs;

static void tw_id(size_t i, char out[16])
{
    snprintf(out, 16, "d%zu", i);
}

/* Adds document i at version v through w and records it. */
static void tw_add(trawl_writer *w, tw_docs *d, size_t i, int v, int want_replaced)
{
    char id[16], text[1024];
    int replaced = -1;
    tw_id(i, id);
    tw_text((unsigned)v, text, sizeof text);
    assert_int_equal(
        trawl_writer_add(w, id, strlen(id), text, strlen(text), tw_date((unsigned)v), &replaced),
        TRAWL_OK);
    assert_int_equal(replaced, want_replaced);
    d->version[i] = v;
    if (i >= d->n) d->n = i + 1;
}

static void tw_del(trawl_writer *w, tw_docs *d, size_t i)
{
    char id[16];
    tw_id(i, id);
    assert_int_equal(trawl_writer_delete(w, id, strlen(id)), TRAWL_OK);
    d->version[i] = -1;
}

static trawl_writer *tw_open(const char *dir, const trawl_writer_options *o)
{
    char errbuf[512];
    trawl_writer *w = NULL;
    int rc = trawl_writer_open(&w, dir, o, errbuf, sizeof errbuf);
    if (rc != TRAWL_OK) fprintf(stderr, "trawl_writer_open %s: %s\n", dir, errbuf);
    assert_int_equal(rc, TRAWL_OK);
    assert_string_equal(errbuf, "");
    return w;
}

/* Writes the live documents of d into a fresh index at dir in one commit (in reverse order, so
 * that document order differs from the updated index's too). */
static void tw_fresh(const char *dir, const tw_docs *d, const trawl_writer_options *o)
{
    tw_docs copy = {{0}, 0};
    trawl_writer *w = tw_open(dir, o);
    for (size_t i = d->n; i-- > 0;)
        if (d->version[i] >= 0) tw_add(w, &copy, i, d->version[i], 0);
    assert_int_equal(trawl_writer_commit(w), TRAWL_OK);
    trawl_writer_close(w);
}

static void tw_path(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", tw_root, name);
}

/* ---------------------------------------------------------------- search results */

typedef struct tw_hit {
    char id[32];
    double score;
    uint32_t date;
} tw_hit;

typedef struct tw_result {
    tw_hit hits[TW_MAX_HIT];
    size_t n;
    uint64_t count;
} tw_result;

static int tw_hit_cmp(const void *a, const void *b)
{
    return strcmp(((const tw_hit *)a)->id, ((const tw_hit *)b)->id);
}

/* Every hit of q on idx (exhaustive: exact_count disables pruning), sorted by id. */
static void tw_search(const trawl_index *idx, const char *q, tw_result *r)
{
    trawl_search *s;
    trawl_options o;
    trawl_hit h;
    trawl_options_init(&o);
    o.limit = TW_MAX_HIT;
    o.exact_count = 1;
    assert_int_equal(trawl_search_new(&s, idx), TRAWL_OK);
    assert_int_equal(trawl_search_run(s, q, &o), TRAWL_OK);
    r->n = 0;
    while (trawl_search_hit(s, r->n, &h) == TRAWL_OK) {
        tw_hit *t = &r->hits[r->n++];
        assert_true(h.id_len < sizeof t->id);
        snprintf(t->id, sizeof t->id, "%.*s", (int)h.id_len, h.id);
        t->score = h.score;
        t->date = h.date;
    }
    r->count = trawl_search_count(s);
    assert_true(trawl_search_count_is_exact(s));
    assert_true(r->n < TW_MAX_HIT);
    assert_int_equal(r->count, r->n);
    qsort(r->hits, r->n, sizeof *r->hits, tw_hit_cmp);
    trawl_search_free(s);
}

static trawl_index *tw_index(const char *dir)
{
    char errbuf[512];
    trawl_index *idx = NULL;
    int rc = trawl_index_open(&idx, &dir, 1, errbuf, sizeof errbuf);
    if (rc != TRAWL_OK) fprintf(stderr, "trawl_index_open %s: %s\n", dir, errbuf);
    assert_int_equal(rc, TRAWL_OK);
    return idx;
}

static const char *tw_queries[] = {
    "rafah",
    "refugees",
    "camp OR winter",
    "rafah OR egypt OR doha",
    "\"aid trucks\"",
    "gaza -rafah",
    "\"convoy medical\"~3",
    "hosp*",
    "border crossing",
    "civilian OR water",
    "fuel date:2024-03-10..2024-03-20",
};

/* The two indexes answer every query with the same ids, dates and scores, bit for bit. */
static void tw_same_results(const char *a_dir, const char *b_dir)
{
    trawl_index *a = tw_index(a_dir), *b = tw_index(b_dir);
    trawl_stats sa, sb;
    static tw_result ra, rb;
    trawl_index_stats(a, &sa);
    trawl_index_stats(b, &sb);
    assert_int_equal(sa.n_docs, sb.n_docs);
    assert_int_equal(sa.total_tokens, sb.total_tokens);
    for (size_t q = 0; q < sizeof tw_queries / sizeof *tw_queries; q++) {
        tw_search(a, tw_queries[q], &ra);
        tw_search(b, tw_queries[q], &rb);
        if (ra.n != rb.n) fprintf(stderr, "%s: %zu vs %zu hits\n", tw_queries[q], ra.n, rb.n);
        assert_int_equal(ra.n, rb.n);
        for (size_t i = 0; i < ra.n; i++) {
            assert_string_equal(ra.hits[i].id, rb.hits[i].id);
            assert_int_equal(ra.hits[i].date, rb.hits[i].date);
            if (ra.hits[i].score != rb.hits[i].score)
                fprintf(stderr, "%s: %s scores %.17g vs %.17g\n", tw_queries[q], ra.hits[i].id,
                        ra.hits[i].score, rb.hits[i].score);
            assert_true(ra.hits[i].score == rb.hits[i].score);
        }
    }
    trawl_index_close(a);
    trawl_index_close(b);
}

/* At least one query must match something, or the comparisons above prove little. */
static void tw_nonempty(const char *dir, const char *q, size_t min)
{
    static tw_result r;
    trawl_index *idx = tw_index(dir);
    tw_search(idx, q, &r);
    assert_true(r.n >= min);
    trawl_index_close(idx);
}

/* ---------------------------------------------------------------- tests */

/* Three commits of adds, replacements (of committed and of uncommitted documents) and
 * deletions, in several segments with live files, against a fresh index of the final set. */
static void test_updates_match_fresh_index(void **state)
{
    (void)state;
    char a[300], b[300];
    trawl_writer_options o;
    trawl_writer_stats st;
    tw_docs d = {{0}, 0};
    tw_path(a, sizeof a, "updated");
    tw_path(b, sizeof b, "fresh");
    trawl_writer_options_init(&o);
    o.no_merge = 1; /* keep the segments and their deletions apart */
    trawl_writer *w = tw_open(a, &o);
    for (size_t i = 0; i < TW_N_DOCS; i++)
        tw_add(w, &d, i, (int)i, 0);
    assert_int_equal(trawl_writer_commit(w), TRAWL_OK);
    for (size_t i = 0; i < TW_N_DOCS; i += 3)
        tw_add(w, &d, i, (int)(100 + i), 1);
    tw_add(w, &d, 3, 200, 1); /* replaces the replacement added just before */
    tw_del(w, &d, 7);
    tw_del(w, &d, 9); /* committed, never replaced */
    tw_add(w, &d, TW_N_DOCS, 300, 0);
    tw_add(w, &d, TW_N_DOCS + 1, 301, 0);
    tw_del(w, &d, TW_N_DOCS + 1); /* added and deleted in the same commit */
    assert_int_equal(trawl_writer_commit(w), TRAWL_OK);
    tw_add(w, &d, 7, 400, 0); /* a deleted id comes back */
    tw_del(w, &d, 0);
    tw_add(w, &d, 1, 401, 1);
    assert_int_equal(trawl_writer_commit(w), TRAWL_OK);
    assert_int_equal(trawl_writer_stat(w, &st), TRAWL_OK);
    assert_int_equal(st.added, TW_N_DOCS + 3);
    assert_int_equal(st.replaced, (TW_N_DOCS + 2) / 3 + 2); /* every third, then d3, d1 */
    assert_int_equal(st.deleted, 4);
    assert_int_equal(st.n_docs, TW_N_DOCS + 1 - 2);
    assert_int_equal(st.n_segments, 3);
    assert_int_equal(st.commits, 3);
    assert_int_equal(st.merges, 0);
    assert_int_equal(st.has_changes, 0);
    trawl_writer_close(w);

    tw_fresh(b, &d, NULL);
    tw_same_results(a, b);
    tw_nonempty(a, "rafah", 10);
    tw_nonempty(a, "\"aid trucks\"", 1);

    /* Merging everything into one segment drops the deleted documents and changes no answer. */
    w = tw_open(a, NULL);
    assert_int_equal(trawl_writer_merge(w), TRAWL_OK);
    assert_int_equal(trawl_writer_stat(w, &st), TRAWL_OK);
    assert_int_equal(st.n_segments, 1);
    assert_int_equal(st.merges, 1);
    assert_int_equal(st.n_docs, TW_N_DOCS - 1);
    trawl_writer_close(w);
    tw_same_results(a, b);
}

/* A postings budget of a few KiB spills runs on every few documents; the merge policy merges
 * after the commits (tiny segments once ten have piled up). Neither changes any answer. */
static void test_memory_budget_and_policy(void **state)
{
    (void)state;
    char a[300], b[300];
    trawl_writer_options o;
    trawl_writer_stats st;
    tw_docs d = {{0}, 0};
    tw_path(a, sizeof a, "budget");
    tw_path(b, sizeof b, "budget-fresh");
    trawl_writer_options_init(&o);
    o.memory_bytes = 4096;
    o.merge_ratio = 2;
    o.threads = 1;
    trawl_writer *w = tw_open(a, &o);
    for (size_t c = 0; c < 12; c++) {
        for (size_t i = c * 3; i < c * 3 + 10; i++) /* new ids and replacements, below 48 */
            tw_add(w, &d, i, (int)(i * 3 + c), i < d.n);
        if (c > 0) tw_add(w, &d, c, (int)(500 + c), 1);
        assert_int_equal(trawl_writer_commit(w), TRAWL_OK);
    }
    assert_int_equal(trawl_writer_stat(w, &st), TRAWL_OK);
    assert_true(st.merges >= 1);
    assert_true(st.n_segments <= 3);
    assert_int_equal(st.commits, 12 + st.merges);
    trawl_writer_close(w);
    tw_fresh(b, &d, NULL);
    tw_same_results(a, b);
}

/* Writes a JSON Lines file of documents d0..d(n-1) at versions v0 + i. */
static void tw_jsonl(const char *path, size_t n, int v0)
{
    char text[1024];
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (size_t i = 0; i < n; i++) {
        unsigned v = (unsigned)v0 + (unsigned)i;
        uint32_t dt = tw_date(v);
        tw_text(v, text, sizeof text);
        fprintf(f, "{\"id\":\"d%zu\",\"text\":\"%s\"", i, text);
        if (dt) fprintf(f, ",\"date\":\"%04u-%02u-%02u\"", dt / 10000, dt / 100 % 100, dt % 100);
        fputs("}\n", f);
    }
    fclose(f);
}

/* trawl-index --jsonl and the writer build the same index from the same records, and the
 * writer replaces and deletes what trawl-index indexed (one id namespace). */
static void test_same_as_jsonl_sync(void **state)
{
    (void)state;
    char a[300], b[300], jl[300];
    const char *paths[1] = {jl};
    build_opts bo;
    build_result br;
    err e;
    tw_docs d = {{0}, 0};
    tw_path(a, sizeof a, "jsonl");
    tw_path(b, sizeof b, "jsonl-api");
    tw_path(jl, sizeof jl, "docs.jsonl");
    tw_jsonl(jl, 20, 0);
    build_opts_init(&bo);
    bo.index_dir = a;
    bo.paths = paths;
    bo.n_paths = 1;
    bo.is_jsonl = 1;
    err_init(&e);
    assert_int_equal(build_run(&bo, &br, &e), TRAWL_OK);
    assert_int_equal(br.n_added, 20);
    for (size_t i = 0; i < 20; i++)
        d.version[i] = (int)i;
    d.n = 20;
    tw_fresh(b, &d, NULL);
    tw_same_results(a, b);

    trawl_writer *w = tw_open(a, NULL);
    tw_add(w, &d, 4, 600, 1);
    tw_del(w, &d, 5);
    assert_int_equal(trawl_writer_commit(w), TRAWL_OK);
    trawl_writer_close(w);
    tw_path(b, sizeof b, "jsonl-api-2");
    tw_fresh(b, &d, NULL);
    tw_same_results(a, b);
}

/* Names in dir, sorted, joined by spaces. */
static void tw_listing(const char *dir, char *out, size_t cap)
{
    struct dirent **names;
    int n = scandir(dir, &names, NULL, alphasort);
    size_t len = 0;
    assert_true(n >= 0);
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        if (names[i]->d_name[0] != '.' || strstr(names[i]->d_name, ".tmp"))
            len += (size_t)snprintf(out + len, cap - len, "%s ", names[i]->d_name);
        free(names[i]);
    }
    free(names);
}

/* What is not committed disappears with the writer: documents, deletions and files. */
static void test_close_rolls_back(void **state)
{
    (void)state;
    char a[300], before[2048], after[2048];
    tw_docs d = {{0}, 0};
    trawl_writer_options o;
    trawl_writer_stats st;
    tw_path(a, sizeof a, "rollback");
    trawl_writer_options_init(&o);
    o.memory_bytes = 4096; /* so that run files exist when the writer closes */
    trawl_writer *w = tw_open(a, &o);
    for (size_t i = 0; i < 10; i++)
        tw_add(w, &d, i, (int)i, 0);
    assert_int_equal(trawl_writer_commit(w), TRAWL_OK);
    trawl_writer_close(w);
    tw_listing(a, before, sizeof before);
    trawl_index *idx = tw_index(a);
    uint64_t gen = trawl_index_generation(idx);

    w = tw_open(a, &o);
    for (size_t i = 10; i < 30; i++) {
        char id[16], text[1024];
        tw_id(i, id);
        tw_text((unsigned)i, text, sizeof text);
        assert_int_equal(trawl_writer_add(w, id, strlen(id), text, strlen(text), 0, NULL),
                         TRAWL_OK);
    }
    assert_int_equal(trawl_writer_delete(w, "d1", 2), TRAWL_OK);
    assert_int_equal(trawl_writer_add(w, "d2", 2, "replaced", 8, 0, NULL), TRAWL_OK);
    assert_int_equal(trawl_writer_stat(w, &st), TRAWL_OK);
    assert_int_equal(st.has_changes, 1);
    assert_int_equal(st.n_docs, 10); /* as last committed */
    trawl_writer_close(w);

    tw_listing(a, after, sizeof after);
    assert_string_equal(before, after);
    trawl_index *again = NULL;
    assert_int_equal(trawl_index_reopen(idx, &again, NULL, 0), TRAWL_OK);
    assert_null(again);
    trawl_index_close(idx);
    idx = tw_index(a);
    assert_int_equal(trawl_index_generation(idx), gen);
    trawl_stats ist;
    trawl_index_stats(idx, &ist);
    assert_int_equal(ist.n_docs, 10);
    trawl_index_close(idx);
    tw_nonempty(a, "rafah", 1);
}

/* One writer per directory, new or existing; the lock goes with the writer. */
static void test_lock(void **state)
{
    (void)state;
    char a[300], errbuf[512];
    trawl_writer *second = (trawl_writer *)&errbuf; /* must come back NULL */
    tw_path(a, sizeof a, "locked");
    trawl_writer *w = tw_open(a, NULL); /* creates the directory, and locks it already */
    assert_int_equal(trawl_writer_open(&second, a, NULL, errbuf, sizeof errbuf), TRAWL_EIO);
    assert_null(second);
    assert_non_null(strstr(errbuf, "locked"));
    assert_int_equal(trawl_writer_add(w, "x", 1, "rafah", 5, 0, NULL), TRAWL_OK);
    assert_int_equal(trawl_writer_commit(w), TRAWL_OK);
    assert_int_equal(trawl_writer_open(&second, a, NULL, errbuf, sizeof errbuf), TRAWL_EIO);
    trawl_writer_close(w);
    w = tw_open(a, NULL);
    assert_int_equal(trawl_writer_delete(w, "x", 1), TRAWL_OK);
    trawl_writer_close(w);
    tw_nonempty(a, "rafah", 1); /* the delete was never committed */
}

/* A reader opened before a commit keeps its generation; reopen brings the new one, and
 * nothing when nothing changed. */
static void test_reopen_sees_commits(void **state)
{
    (void)state;
    char a[300];
    trawl_writer_stats st;
    static tw_result r;
    tw_path(a, sizeof a, "reopen");
    trawl_writer *w = tw_open(a, NULL);
    assert_int_equal(trawl_writer_add(w, "a", 1, "rafah border", 12, 20240301, NULL), TRAWL_OK);
    assert_int_equal(trawl_writer_commit(w), TRAWL_OK);
    trawl_index *idx = tw_index(a), *next = NULL;
    assert_int_equal(trawl_writer_stat(w, &st), TRAWL_OK);
    assert_int_equal(trawl_index_generation(idx), st.generation);
    assert_int_equal(trawl_index_reopen(idx, &next, NULL, 0), TRAWL_OK);
    assert_null(next);

    assert_int_equal(trawl_writer_add(w, "b", 1, "rafah crossing", 14, 0, NULL), TRAWL_OK);
    assert_int_equal(trawl_writer_add(w, "a", 1, "egypt border", 12, 0, NULL), TRAWL_OK);
    assert_int_equal(trawl_index_reopen(idx, &next, NULL, 0), TRAWL_OK);
    assert_null(next); /* not committed yet */
    assert_int_equal(trawl_writer_commit(w), TRAWL_OK);
    assert_int_equal(trawl_index_reopen(idx, &next, NULL, 0), TRAWL_OK);
    assert_non_null(next);
    assert_int_equal(trawl_writer_stat(w, &st), TRAWL_OK);
    assert_int_equal(trawl_index_generation(next), st.generation);
    tw_search(next, "rafah", &r);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.hits[0].id, "b");
    tw_search(idx, "rafah", &r); /* the old handle still answers from its generation */
    assert_int_equal(r.n, 1);
    assert_string_equal(r.hits[0].id, "a");
    assert_int_equal(r.hits[0].date, 20240301);
    trawl_index_close(idx);
    idx = next;

    assert_int_equal(trawl_writer_delete(w, "b", 1), TRAWL_OK);
    assert_int_equal(trawl_writer_merge(w), TRAWL_OK);
    assert_int_equal(trawl_index_reopen(idx, &next, NULL, 0), TRAWL_OK);
    assert_non_null(next);
    tw_search(next, "rafah", &r);
    assert_int_equal(r.n, 0);
    tw_search(next, "border", &r);
    assert_int_equal(r.n, 1);
    trawl_index_close(idx);
    trawl_index_close(next);
    trawl_writer_close(w);
}

/* A first commit without documents still makes an index (of none); so does a rebuild that
 * adds nothing over an existing one. */
static void test_empty_commit(void **state)
{
    (void)state;
    char a[300];
    trawl_stats st;
    trawl_writer_stats ws;
    trawl_writer_options o;
    tw_path(a, sizeof a, "empty");
    trawl_writer *w = tw_open(a, NULL);
    assert_int_equal(trawl_writer_stat(w, &ws), TRAWL_OK);
    assert_int_equal(ws.generation, 0);
    assert_int_equal(ws.has_changes, 1);
    assert_int_equal(trawl_writer_commit(w), TRAWL_OK);
    assert_int_equal(trawl_writer_stat(w, &ws), TRAWL_OK);
    assert_int_equal(ws.generation, 1);
    assert_int_equal(ws.has_changes, 0);
    assert_int_equal(trawl_writer_commit(w), TRAWL_OK); /* nothing to do */
    assert_int_equal(trawl_writer_stat(w, &ws), TRAWL_OK);
    assert_int_equal(ws.generation, 1);
    assert_int_equal(trawl_writer_add(w, "a", 1, "rafah", 5, 0, NULL), TRAWL_OK);
    assert_int_equal(trawl_writer_commit(w), TRAWL_OK);
    trawl_writer_close(w);

    trawl_writer_options_init(&o);
    o.rebuild = 1;
    w = tw_open(a, &o);
    assert_int_equal(trawl_writer_commit(w), TRAWL_OK);
    trawl_writer_close(w);
    trawl_index *idx = tw_index(a);
    trawl_index_stats(idx, &st);
    assert_int_equal(st.n_docs, 0);
    assert_int_equal(st.n_segments, 0);
    trawl_index_close(idx);
}

/* The analyzer belongs to the index: a new one takes the options', an existing one keeps its
 * own and refuses others. */
static void test_language(void **state)
{
    (void)state;
    char a[300], errbuf[512];
    trawl_writer_options o;
    trawl_writer *w = NULL;
    static tw_result r;
    tw_path(a, sizeof a, "language");
    trawl_writer_options_init(&o);
    o.language = "none";
    w = tw_open(a, &o);
    assert_int_equal(trawl_writer_add(w, "a", 1, "invasions", 9, 0, NULL), TRAWL_OK);
    assert_int_equal(trawl_writer_commit(w), TRAWL_OK);
    trawl_writer_close(w);
    o.language = "english";
    assert_int_equal(trawl_writer_open(&w, a, &o, errbuf, sizeof errbuf), TRAWL_EARG);
    assert_non_null(strstr(errbuf, "none"));
    w = tw_open(a, NULL); /* inherits "none" */
    assert_int_equal(trawl_writer_add(w, "b", 1, "invasion", 8, 0, NULL), TRAWL_OK);
    assert_int_equal(trawl_writer_commit(w), TRAWL_OK);
    trawl_writer_close(w);
    trawl_index *idx = tw_index(a);
    tw_search(idx, "invasion", &r);
    assert_int_equal(r.n, 1); /* unstemmed: "invasions" does not match */
    assert_string_equal(r.hits[0].id, "b");
    trawl_index_close(idx);
}

/* Bad arguments fail the call alone, with a message; the writer goes on. */
static void test_bad_arguments(void **state)
{
    (void)state;
    char a[300], errbuf[512], file[300];
    trawl_writer *w = NULL;
    trawl_writer_options o;
    int replaced = 7;
    tw_path(a, sizeof a, "args");
    tw_path(file, sizeof file, "a-file");
    fclose(fopen(file, "w"));

    assert_int_equal(trawl_writer_open(NULL, a, NULL, errbuf, sizeof errbuf), TRAWL_EARG);
    assert_int_equal(trawl_writer_open(&w, NULL, NULL, errbuf, sizeof errbuf), TRAWL_EARG);
    assert_non_null(strstr(errbuf, "NULL"));
    assert_int_equal(trawl_writer_open(&w, file, NULL, errbuf, sizeof errbuf), TRAWL_EARG);
    assert_non_null(strstr(errbuf, "not a directory"));
    assert_int_equal(trawl_writer_open(&w, "/nonexistent-trawl/x", NULL, errbuf, sizeof errbuf),
                     TRAWL_EIO);
    assert_null(w);
    static const struct {
        const char *language;
        uint32_t max_token_len;
        unsigned threads, merge_ratio;
        const char *msg;
    } bad[] = {{"klingon", 0, 0, 0, "klingon"},
               {"a-language-name-longer-than-any-stemmer", 0, 0, 0, "language"},
               {NULL, 256, 0, 0, "max_token_len"},
               {NULL, 0, 65, 0, "threads"},
               {NULL, 0, 0, 1, "merge_ratio"},
               {NULL, 0, 0, 1001, "merge_ratio"}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        trawl_writer_options_init(&o);
        o.language = bad[i].language;
        o.max_token_len = bad[i].max_token_len;
        o.threads = bad[i].threads;
        o.merge_ratio = bad[i].merge_ratio ? bad[i].merge_ratio : o.merge_ratio;
        assert_int_equal(trawl_writer_open(&w, a, &o, errbuf, sizeof errbuf), TRAWL_EARG);
        assert_null(w);
        assert_non_null(strstr(errbuf, bad[i].msg));
    }
    struct stat sst;
    assert_int_equal(stat(a, &sst), -1); /* refused before the directory was made */
    assert_int_equal(trawl_writer_open(&w, a, NULL, NULL, 0), TRAWL_OK);

    assert_int_equal(trawl_writer_add(w, NULL, 1, "x", 1, 0, &replaced), TRAWL_EARG);
    assert_int_equal(replaced, 0);
    assert_non_null(strstr(trawl_writer_errmsg(w), "NULL"));
    assert_int_equal(trawl_writer_add(w, "a", 0, "x", 1, 0, NULL), TRAWL_EARG);
    assert_non_null(strstr(trawl_writer_errmsg(w), "empty"));
    assert_int_equal(trawl_writer_add(w, "a", 1, NULL, 3, 0, NULL), TRAWL_EARG);
    static const uint32_t bad_dates[] = {20230229, 20241301, 20240100, 99999999, 1};
    for (size_t i = 0; i < sizeof bad_dates / sizeof *bad_dates; i++) {
        assert_int_equal(trawl_writer_add(w, "a", 1, "x", 1, bad_dates[i], NULL), TRAWL_EARG);
        assert_non_null(strstr(trawl_writer_errmsg(w), "calendar"));
    }
    assert_int_equal(trawl_writer_add(w, "a", 1, NULL, 0, 20240229, NULL), TRAWL_OK);
    assert_string_equal(trawl_writer_errmsg(w), "");
    assert_int_equal(trawl_writer_delete(w, "zz", 2), TRAWL_ENOTFOUND);
    assert_non_null(strstr(trawl_writer_errmsg(w), "zz: no such document"));
    assert_int_equal(trawl_writer_delete(w, NULL, 2), TRAWL_EARG);
    assert_int_equal(trawl_writer_delete(w, "a", 0), TRAWL_EARG);
    assert_int_equal(trawl_writer_add(w, "a\0b", 3, "rafah", 5, 0, &replaced), TRAWL_OK);
    assert_int_equal(replaced, 0); /* any bytes: "a\0b" is not "a" */
    assert_int_equal(trawl_writer_commit(w), TRAWL_OK);
    assert_string_equal(trawl_writer_errmsg(w), "");
    trawl_writer_stats st;
    assert_int_equal(trawl_writer_stat(w, &st), TRAWL_OK);
    assert_int_equal(st.added, 2);
    assert_int_equal(st.n_docs, 2);
    trawl_writer_close(w);

    assert_int_equal(trawl_writer_add(NULL, "a", 1, "x", 1, 0, NULL), TRAWL_EARG);
    assert_int_equal(trawl_writer_delete(NULL, "a", 1), TRAWL_EARG);
    assert_int_equal(trawl_writer_commit(NULL), TRAWL_EARG);
    assert_int_equal(trawl_writer_merge(NULL), TRAWL_EARG);
    assert_int_equal(trawl_writer_stat(NULL, &st), TRAWL_EARG);
    assert_string_equal(trawl_writer_errmsg(NULL), "");
    trawl_writer_close(NULL);
}

/* A failure of the writer itself (here its directory vanishes under it) stops it: every later
 * call returns the same code and message, and the statistics still answer. */
static void test_failure_stops_writer(void **state)
{
    (void)state;
    char a[300], msg[600];
    trawl_writer_stats st;
    tw_path(a, sizeof a, "vanishing");
    trawl_writer *w = tw_open(a, NULL);
    assert_int_equal(trawl_writer_add(w, "a", 1, "rafah", 5, 0, NULL), TRAWL_OK);
    assert_int_equal(tu_rm_rf(a), 0);
    assert_int_equal(trawl_writer_commit(w), TRAWL_EIO);
    snprintf(msg, sizeof msg, "%s", trawl_writer_errmsg(w));
    assert_non_null(strstr(msg, a));
    assert_int_equal(trawl_writer_add(w, "b", 1, "x", 1, 0, NULL), TRAWL_EIO);
    assert_int_equal(trawl_writer_add(w, NULL, 0, NULL, 0, 0, NULL), TRAWL_EIO);
    assert_int_equal(trawl_writer_delete(w, "a", 1), TRAWL_EIO);
    assert_int_equal(trawl_writer_commit(w), TRAWL_EIO);
    assert_int_equal(trawl_writer_merge(w), TRAWL_EIO);
    assert_string_equal(trawl_writer_errmsg(w), msg);
    assert_int_equal(trawl_writer_stat(w, &st), TRAWL_OK);
    assert_int_equal(st.added, 1);
    assert_int_equal(st.generation, 0);
    assert_int_equal(st.has_changes, 1); /* nothing was published */
    trawl_writer_close(w);
}

/* The same with rebuild over an existing index: the failed commit must give the old segments
 * back to the writer untouched (it once closed one of them, which the writer closed again). */
static void test_failed_rebuild_keeps_old_segments(void **state)
{
    (void)state;
    char a[300];
    trawl_writer_options o;
    trawl_writer_stats st;
    tw_path(a, sizeof a, "vanishing-rebuild");
    trawl_writer *w = tw_open(a, NULL);
    assert_int_equal(trawl_writer_add(w, "a", 1, "rafah", 5, 0, NULL), TRAWL_OK);
    assert_int_equal(trawl_writer_commit(w), TRAWL_OK);
    trawl_writer_close(w);
    trawl_writer_options_init(&o);
    o.rebuild = 1;
    w = tw_open(a, &o);
    assert_int_equal(trawl_writer_add(w, "b", 1, "border", 6, 0, NULL), TRAWL_OK);
    assert_int_equal(tu_rm_rf(a), 0);
    assert_int_equal(trawl_writer_commit(w), TRAWL_EIO);
    assert_int_equal(trawl_writer_stat(w, &st), TRAWL_OK);
    assert_int_equal(st.n_segments, 1);
    assert_int_equal(st.n_docs, 1);
    trawl_writer_close(w);
}

/* The sized structs: an older caller's smaller options are refused below 1.0; a newer caller's
 * extra option bytes must be zero; a newer caller's larger statistics read zero past ours. */
static void test_sized_structs(void **state)
{
    (void)state;
    char a[300], errbuf[512];
    trawl_writer *w = NULL;
    struct {
        trawl_writer_options o;
        uint64_t newer;
    } big;
    struct {
        trawl_writer_stats st;
        uint64_t newer, guard;
    } sb;
    tw_path(a, sizeof a, "sized");
    memset(&big, 0xAB, sizeof big);
    assert_int_equal(trawl_writer_options_init_sized(&big.o, sizeof big), TRAWL_OK);
    assert_true(big.newer == 0 && big.o.merge_ratio == 10 && big.o.memory_bytes == 256u << 20);
    assert_null(big.o.language);
    assert_int_equal(trawl_writer_options_init_sized(&big.o, API_WRITER_OPTIONS_1_0 - 1),
                     TRAWL_EARG);
    assert_int_equal(trawl_writer_options_init_sized(NULL, sizeof big.o), TRAWL_EARG);
    big.newer = 1;
    assert_int_equal(trawl_writer_open_sized(&w, a, &big.o, errbuf, sizeof errbuf, sizeof big),
                     TRAWL_EARG);
    assert_non_null(strstr(errbuf, "does not have"));
    assert_int_equal(trawl_writer_open_sized(&w, a, &big.o, errbuf, sizeof errbuf, 8), TRAWL_EARG);
    big.newer = 0;
    assert_int_equal(trawl_writer_open_sized(&w, a, &big.o, errbuf, sizeof errbuf, sizeof big),
                     TRAWL_OK);
    memset(&sb, 0xAB, sizeof sb);
    assert_int_equal(trawl_writer_stat_sized(w, &sb.st, offsetof(__typeof__(sb), guard)), TRAWL_OK);
    assert_true(sb.newer == 0 && sb.guard == 0xABABABABABABABABull && sb.st.commits == 0);
    assert_int_equal(trawl_writer_stat_sized(w, &sb.st, API_WRITER_STATS_1_0 - 1), TRAWL_EARG);
    assert_int_equal(trawl_writer_stat_sized(w, &sb.st, API_WRITER_STATS_1_0), TRAWL_OK);
    trawl_writer_close(w);
}

/* Finds a source file whether the test runs from the repository root or a build directory. */
static const char *tw_find(const char *rel, char *out, size_t cap)
{
    static const char *up[] = {"", "../", "../../", "../../../"};
    for (size_t i = 0; i < sizeof up / sizeof *up; i++) {
        struct stat st;
        snprintf(out, cap, "%s%s", up[i], rel);
        if (stat(out, &st) == 0) return out;
    }
    return NULL;
}

/* The block of text from the line after a line containing mark to the line before end, with
 * prefix removed from each line's start (where present) and trailing blank lines dropped. */
static char *tw_block(const char *text, const char *mark, const char *end, const char *prefix)
{
    const char *p = strstr(text, mark);
    size_t pl = strlen(prefix);
    char *out = p ? calloc(1, strlen(p) + 1) : NULL, *w = out;
    if (!out) return NULL;
    p = strchr(p, '\n') + 1;
    while (*p && strncmp(p, end, strlen(end)) != 0) {
        const char *nl = strchr(p, '\n');
        if (!nl) break;
        const char *q = strncmp(p, prefix, pl) == 0 ? p + pl : p;
        if (strncmp(p, " *\n", 3) == 0) q = p + 2;
        memcpy(w, q, (size_t)(nl - q) + 1);
        w += nl - q + 1;
        p = nl + 1;
    }
    while (w > out && w[-1] == '\n')
        *--w = '\0';
    return out;
}

static void test_example_matches_header(void **state)
{
    (void)state;
    char hp[512], tp[512];
    assert_non_null(tw_find("searcher/include/trawl.h", hp, sizeof hp));
    assert_non_null(tw_find("tests/unit/test_writer_api.c", tp, sizeof tp));
    char *h = tu_slurp(hp, NULL), *t = tu_slurp(tp, NULL);
    assert_non_null(h);
    assert_non_null(t);
    char *he = tw_block(h, " * Indexing example", " */", " *     ");
    char *te = tw_block(t, "/* ---- example begin ---- */", "/* ---- example end ---- */", "");
    assert_non_null(he);
    assert_non_null(te);
    /* the header's block starts with the blank comment line after its title */
    const char *hs = he;
    while (*hs == '\n')
        hs++;
    assert_true(strlen(te) > 500);
    assert_string_equal(hs, te);
    free(he);
    free(te);
    free(h);
    free(t);
}

static void test_example_runs(void **state)
{
    (void)state;
    char a[300];
    static tw_result r;
    tw_path(a, sizeof a, "example");
    assert_int_equal(index_some(a), TRAWL_OK);
    assert_int_equal(index_some(a), TRAWL_OK); /* again: replaces both */
    trawl_index *idx = tw_index(a);
    tw_search(idx, "rafah", &r);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.hits[0].id, "doc-1");
    assert_int_equal(r.hits[0].date, 20240321);
    tw_search(idx, "date", &r);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.hits[0].id, "doc-2");
    trawl_index_close(idx);
}

static int tw_setup(void **state)
{
    (void)state;
    return tu_mkdtemp(tw_root, sizeof tw_root, "writer-api") ? 0 : -1;
}

static int tw_teardown(void **state)
{
    (void)state;
    return tu_rm_rf(tw_root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_updates_match_fresh_index),
        cmocka_unit_test(test_memory_budget_and_policy),
        cmocka_unit_test(test_same_as_jsonl_sync),
        cmocka_unit_test(test_close_rolls_back),
        cmocka_unit_test(test_lock),
        cmocka_unit_test(test_reopen_sees_commits),
        cmocka_unit_test(test_empty_commit),
        cmocka_unit_test(test_language),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_failure_stops_writer),
        cmocka_unit_test(test_failed_rebuild_keeps_old_segments),
        cmocka_unit_test(test_sized_structs),
        cmocka_unit_test(test_example_matches_header),
        cmocka_unit_test(test_example_runs),
    };
    return cmocka_run_group_tests(tests, tw_setup, tw_teardown);
}
