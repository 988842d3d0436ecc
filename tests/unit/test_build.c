/* test_build: the indexing pipeline end to end, read back through the segment reader:
 * known postings of the seed articles, spill/merge equivalence under a tiny memory budget,
 * byte-identical segments whatever the thread count, the postings buffer on its own (long
 * terms, table growth), stored text compressed outside the writer, incremental segments,
 * skipping of already indexed ids, --rebuild, the errors that must leave an existing index
 * untouched, a session's syncs of one path at a time, and a file gone between listing and
 * reading. Run from the source root
 * (tests/data/seeds). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "analyzer.h"
#include "build.h"
#include "dict.h"
#include "format.h"
#include "manifest.h"
#include "postings_buf.h"
#include "segbuild.h"
#include "segment.h"
#include "segment_writer.h"
#include "term_cursor.h"
#include "testutil.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEEDS "tests/data/seeds"

static const char *seed_files[] = {
    "000_80b59f045025d532.txt", "001_b555f2e6071b8337.txt", "002_a63481e40361881c.txt",
    "003_ff34c1b5f921961e.txt", "004_1bb60bc09e960d9e.txt",
};

static int exists(const char *dir, const char *name)
{
    char path[600];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &st) == 0;
}

/* 1 if dir holds a temporary file (a leftover run or half-written file). */
static int has_tmp(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int found = 0;
    while (d && (de = readdir(d)) != NULL)
        found |= de->d_name[0] == '.' && strstr(de->d_name, ".tmp") != NULL;
    if (d) closedir(d);
    return found;
}

/* Builds paths into index with a memory budget (0 = default) and a thread count (0 = default). */
static int build_t(const char *index, const char *const *paths, size_t n, size_t memory,
                   int rebuild, const char *language, unsigned threads, build_result *r, err *e)
{
    build_opts o;
    build_opts_init(&o);
    o.index_dir = index;
    o.paths = paths;
    o.n_paths = n;
    o.memory_bytes = memory;
    o.rebuild = rebuild;
    o.language = language;
    o.threads = threads;
    err_init(e);
    return build_run(&o, r, e);
}

static int build(const char *index, const char *const *paths, size_t n, size_t memory, int rebuild,
                 const char *language, build_result *r, err *e)
{
    return build_t(index, paths, n, memory, rebuild, language, 0, r, e);
}

/* Opens segment i of the index at dir (manifest order). */
static segment *open_seg(const char *dir, size_t i, manifest *m)
{
    char path[600];
    segment *s = NULL;
    err e;
    err_init(&e);
    manifest_init(m);
    assert_int_equal(manifest_read(m, dir, &e), TRAWL_OK);
    assert_true(i < m->n_segs);
    snprintf(path, sizeof path, "%s/%s", dir, m->segs[i].name);
    assert_int_equal(segment_open(&s, path, m->segs[i].name, m->segs[i].id, &e), TRAWL_OK);
    return s;
}

/* The indexed form of word under the English analyzer. */
static int stem_sink(void *ctx, const token *t)
{
    snprintf(ctx, 64, "%.*s", (int)t->len, t->term);
    return 0;
}

static void stem(const char *word, char out[64])
{
    analyzer *a;
    err e;
    err_init(&e);
    assert_int_equal(analyzer_new(&a, "english", 0, &e), TRAWL_OK);
    out[0] = '\0';
    analyzer_run(a, word, strlen(word), 0, stem_sink, out, NULL, NULL);
    analyzer_free(a);
}

/* Documents containing term (bit i = doc i, docs < 64), with positions of each in pos[doc]. */
static uint64_t docs_with(const segment *s, const char *word, uint32_t pos[][64], uint32_t *n_pos)
{
    char t[64];
    term_info ti;
    term_cursor c;
    err e;
    uint64_t mask = 0;
    err_init(&e);
    stem(word, t);
    int found = dict_find(s, t, strlen(t), &ti, &e);
    assert_true(found >= 0);
    if (!found) return 0;
    assert_int_equal(tc_open(&c, s, &ti, &e), TRAWL_OK);
    for (; c.doc != DOC_END; tc_next(&c)) {
        const uint32_t *p;
        uint32_t n;
        assert_true(c.doc < 64);
        mask |= (uint64_t)1 << c.doc;
        assert_int_equal(tc_positions(&c, &p, &n), TRAWL_OK);
        assert_int_equal(n, tc_freq(&c));
        n_pos[c.doc] = n < 64 ? n : 64;
        memcpy(pos[c.doc], p, n_pos[c.doc] * sizeof *p);
    }
    assert_int_equal(c.rc, TRAWL_OK);
    tc_close(&c);
    return mask;
}

static int popcount(uint64_t v)
{
    return __builtin_popcountll(v);
}

static void test_seeds(void **state)
{
    (void)state;
    char dir[64];
    build_result r;
    manifest m;
    err e;
    const char *paths[] = {SEEDS};
    static uint32_t pg[64][64], pi[64][64];
    uint32_t ng[64] = {0}, ni[64] = {0};
    assert_non_null(tu_mkdtemp(dir, sizeof dir, "build"));
    assert_int_equal(build(dir, paths, 1, 0, 0, NULL, &r, &e), TRAWL_OK);
    assert_int_equal(r.n_docs, 5);
    assert_int_equal(r.n_runs, 0);
    segment *s = open_seg(dir, 0, &m);
    assert_int_equal(segment_n_docs(s), 5);
    assert_int_equal(segment_total_tokens(s), r.tokens);
    assert_int_equal(popcount(docs_with(s, "rafah", pg, ng)), 5);
    assert_int_equal(popcount(docs_with(s, "gallant", pg, ng)), 1);
    assert_int_equal(popcount(docs_with(s, "galant", pg, ng)), 1);
    assert_int_not_equal(docs_with(s, "gallant", pg, ng), docs_with(s, "galant", pg, ng));
    /* "ground invasion": ground at p and invas at p + 1, in exactly two documents */
    uint64_t both = docs_with(s, "ground", pg, ng) & docs_with(s, "invasion", pi, ni);
    int phrase_docs = 0;
    for (uint32_t d = 0; d < 5; d++) {
        int hit = 0;
        for (uint32_t i = 0; (both >> d & 1) && i < ng[d]; i++)
            for (uint32_t j = 0; j < ni[d]; j++)
                hit |= pi[d][j] == pg[d][i] + 1;
        phrase_docs += hit;
    }
    assert_int_equal(phrase_docs, 2);
    /* ids, dates, and the date prefix gone from the stored text */
    const uint32_t dates[] = {20240326, 20240326, 20240322, 0, 20240321};
    for (uint32_t d = 0; d < 5; d++) {
        const char *id;
        size_t len;
        assert_int_equal(segment_doc_id(s, d, &id, &len, &e), TRAWL_OK);
        assert_int_equal(len, strlen(seed_files[d]));
        assert_memory_equal(id, seed_files[d], len);
        assert_int_equal(segment_doc_date(s, d), dates[d]);
    }
    buf text;
    buf_init(&text);
    assert_int_equal(segment_doc_text(s, 0, &text, &e), TRAWL_OK);
    assert_true(text.len > 12 && memcmp(text.p, "In a pivotal", 12) == 0);
    buf_free(&text);
    assert_int_equal(docs_with(s, "2024", pg, ng), 0); /* the date is not indexed */
    segment_close(s);
    manifest_free(&m);
    assert_int_equal(tu_rm_rf(dir), 0);
}

/* Writes a corpus of n generated documents (deterministic xorshift; Zipf-like vocabulary). */
static void gen_corpus(const char *dir, size_t n)
{
    uint64_t x = 88172645463325252ull;
    char path[600];
    for (size_t d = 0; d < n; d++) {
        snprintf(path, sizeof path, "%s/d%05zu.txt", dir, d);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t len = 5 + x % (d % 97 == 0 ? 2000 : 120);
        for (size_t i = 0; i < len; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            uint64_t r = x % 5000;
            fprintf(f, "w%llu ", (unsigned long long)(r * r / 5000 + (i % 7 == 0 ? d : 0)));
        }
        fclose(f);
    }
}

/* Asserts that segments a and b hold the same documents and the same postings for every term. */
static void assert_same_postings(const segment *a, const segment *b)
{
    dict_iter ia, ib;
    const char *ta, *tb;
    size_t la, lb;
    term_info xa, xb;
    err e;
    err_init(&e);
    assert_int_equal(segment_n_docs(a), segment_n_docs(b));
    assert_int_equal(segment_n_terms(a), segment_n_terms(b));
    for (uint32_t d = 0; d < segment_n_docs(a); d++)
        assert_int_equal(segment_doc_len(a, d), segment_doc_len(b, d));
    assert_int_equal(dict_iter_seek(&ia, a, "", 0, &e), TRAWL_OK);
    assert_int_equal(dict_iter_seek(&ib, b, "", 0, &e), TRAWL_OK);
    uint64_t n_terms = 0;
    while (dict_iter_next(&ia, &ta, &la, &xa, &e) == 1) {
        char term[256];
        memcpy(term, ta, la);
        assert_int_equal(dict_iter_next(&ib, &tb, &lb, &xb, &e), 1);
        assert_int_equal(la, lb);
        assert_memory_equal(term, tb, la);
        assert_int_equal(xa.df, xb.df);
        assert_int_equal(xa.cf, xb.cf);
        term_cursor ca, cb;
        assert_int_equal(tc_open(&ca, a, &xa, &e), TRAWL_OK);
        assert_int_equal(tc_open(&cb, b, &xb, &e), TRAWL_OK);
        for (; ca.doc != DOC_END; tc_next(&ca), tc_next(&cb)) {
            const uint32_t *pa, *pb;
            uint32_t na, nb;
            assert_int_equal(ca.doc, cb.doc);
            assert_int_equal(tc_freq(&ca), tc_freq(&cb));
            assert_int_equal(tc_positions(&ca, &pa, &na), TRAWL_OK);
            assert_int_equal(tc_positions(&cb, &pb, &nb), TRAWL_OK);
            assert_int_equal(na, nb);
            assert_memory_equal(pa, pb, na * sizeof *pa);
        }
        assert_int_equal(cb.doc, DOC_END);
        assert_int_equal(ca.rc, TRAWL_OK);
        assert_int_equal(cb.rc, TRAWL_OK);
        tc_close(&ca);
        tc_close(&cb);
        n_terms++;
    }
    assert_int_equal(dict_iter_next(&ib, &tb, &lb, &xb, &e), 0);
    assert_int_equal(n_terms, segment_n_terms(a));
    assert_int_equal(e.rc, TRAWL_OK);
}

static void test_spill_equivalence(void **state)
{
    (void)state;
    char corpus[64], big[80], tiny[80], mid[80];
    build_result r;
    manifest ma, mb, mc;
    err e;
    assert_non_null(tu_mkdtemp(corpus, sizeof corpus, "build"));
    gen_corpus(corpus, 2000);
    snprintf(big, sizeof big, "%s-big", corpus);
    snprintf(tiny, sizeof tiny, "%s-tiny", corpus);
    snprintf(mid, sizeof mid, "%s-mid", corpus);
    const char *paths[] = {corpus};
    assert_int_equal(build(big, paths, 1, (size_t)1 << 30, 0, NULL, &r, &e), TRAWL_OK);
    assert_int_equal(r.n_runs, 0);
    assert_int_equal(r.n_docs, 2000);
    /* Every document spills: more runs than one merge takes, so merge rounds run too. */
    assert_int_equal(build(tiny, paths, 1, 1, 0, NULL, &r, &e), TRAWL_OK);
    assert_true(r.n_runs > SEGBUILD_FANIN);
    /* 640 KB: 256 KB of stem cache (the floor), 384 KB of postings buffer. */
    assert_int_equal(build(mid, paths, 1, 640 << 10, 0, NULL, &r, &e), TRAWL_OK);
    assert_true(r.n_runs > 1 && r.n_runs <= SEGBUILD_FANIN);
    segment *a = open_seg(big, 0, &ma), *b = open_seg(tiny, 0, &mb), *c = open_seg(mid, 0, &mc);
    assert_same_postings(a, b);
    assert_same_postings(a, c);
    assert_int_equal(segment_check(b, &e), TRAWL_OK);
    segment_close(a);
    segment_close(b);
    segment_close(c);
    manifest_free(&ma);
    manifest_free(&mb);
    manifest_free(&mc);
    /* no run files left behind */
    assert_false(has_tmp(tiny));
    assert_int_equal(tu_rm_rf(big), 0);
    assert_int_equal(tu_rm_rf(tiny), 0);
    assert_int_equal(tu_rm_rf(mid), 0);
    assert_int_equal(tu_rm_rf(corpus), 0);
}

/* Reads a whole, non-empty file into a malloc'd buffer. */
static uint8_t *slurp(const char *path, size_t *len)
{
    uint8_t *p = tu_slurp(path, len);
    assert_non_null(p);
    assert_true(*len > 0);
    return p;
}

/* Asserts that two files hold the same bytes. */
static void assert_same_file(const char *a, const char *b)
{
    size_t la, lb;
    uint8_t *pa = slurp(a, &la), *pb = slurp(b, &lb);
    assert_int_equal(la, lb);
    assert_memory_equal(pa, pb, la);
    free(pa);
    free(pb);
}

/* The index is the same file whatever the thread count: documents analysed on workers are
 * replayed in order, and stored text compressed on a helper thread comes out in the same blocks and
 * the same order. The corpus fills many stored blocks (more than are in flight at once) and one
 * document spans several. Each index is a fresh directory, so even the segment id field agrees. */
static void test_threads_identical(void **state)
{
    (void)state;
    char corpus[64], dirs[6][80], path[600];
    const unsigned threads[] = {1, 2, 3, 2, 4, 1};
    const size_t memory[] = {0, 0, 0, 64 << 10, 64 << 10, 64 << 10};
    build_result r;
    err e;
    assert_non_null(tu_mkdtemp(corpus, sizeof corpus, "build"));
    gen_corpus(corpus, 1500);
    /* big.txt, then five more of them: about 2 MB in all, eight analysis batches or so, more
     * than the batch ring holds, so the indexing thread analyses some itself; the builds that
     * spill nothing also encode their terms on that many threads (termpool.c), in more chunks
     * than its slots hold */
    for (int k = 0; k < 6; k++) {
        snprintf(path, sizeof path, k ? "%s/big%d.txt" : "%s/big.txt", corpus, k);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        for (int i = 0; i < 40000; i++)
            fprintf(f, "big%d ", (i * (k + 1)) % 977);
        fclose(f);
    }
    const char *paths[] = {corpus};
    for (size_t i = 0; i < 6; i++) {
        snprintf(dirs[i], sizeof dirs[i], "%s-t%zu", corpus, i);
        assert_int_equal(build_t(dirs[i], paths, 1, memory[i], 0, NULL, threads[i], &r, &e),
                         TRAWL_OK);
        assert_int_equal(r.n_docs, 1506);
        assert_true(r.stored_bytes > 0);
        assert_int_equal(r.n_runs > 0, memory[i] != 0);
    }
    char a[700], b[700];
    snprintf(a, sizeof a, "%s/seg-000001.trw", dirs[0]);
    for (size_t i = 1; i < 6; i++) {
        snprintf(b, sizeof b, "%s/seg-000001.trw", dirs[i]);
        assert_same_file(a, b);
    }
    manifest m;
    segment *s = open_seg(dirs[1], 0, &m);
    assert_int_equal(segment_check(s, &e), TRAWL_OK);
    buf text;
    buf_init(&text);
    assert_int_equal(segment_doc_text(s, 0, &text, &e), TRAWL_OK); /* big.txt sorts first */
    assert_true(text.len > 3 * FMT_STORED_BLOCK && memcmp(text.p, "big0 big1 ", 10) == 0);
    buf_free(&text);
    segment_close(s);
    manifest_free(&m);
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(tu_rm_rf(dirs[i]), 0);
    assert_int_equal(tu_rm_rf(corpus), 0);
}

/* Documents written through sw_add_doc, or through sw_add_doc_meta with the text compressed by
 * sw_zip_block, give the same file; blocks out of sequence or missing are refused. */
static void test_stored_ext(void **state)
{
    (void)state;
    char dir[64], a[600], b[600];
    static char text[4 * FMT_STORED_BLOCK];
    const size_t lens[] = {10, FMT_STORED_BLOCK - 10, 0, 2 * FMT_STORED_BLOCK + 7, 100};
    const uint32_t pos[] = {0};
    segment_writer *w;
    sw_zip *z;
    buf zb;
    err e;
    err_init(&e);
    buf_init(&zb);
    assert_non_null(tu_mkdtemp(dir, sizeof dir, "build"));
    for (size_t i = 0; i < sizeof text; i++)
        text[i] = (char)('a' + (i * 7 + i / 13) % 26);
    assert_int_equal(sw_zip_new(&z), TRAWL_OK);
    for (int ext = 0; ext < 2; ext++) {
        size_t off = 0, sent = 0;
        assert_int_equal(sw_open(&w, dir, ext ? "b.trw" : "a.trw", 1, "none", 64, &e), TRAWL_OK);
        for (size_t d = 0; d < 5; d++) {
            const char *id = &"01234"[d];
            if (!ext) {
                assert_int_equal(sw_add_doc(w, id, 1, 0, 1, text + off, lens[d], NULL), TRAWL_OK);
            } else {
                assert_int_equal(sw_add_doc_meta(w, id, 1, 0, 1, lens[d], NULL), TRAWL_OK);
                assert_int_equal(sw_add_doc(w, id, 1, 0, 1, "x", 1, NULL), TRAWL_EARG); /* mixing */
                break;
            }
            off += lens[d];
        }
        if (ext) {
            /* A fresh writer: announce everything, then deliver the blocks. */
            sw_free(w);
            assert_int_equal(sw_open(&w, dir, "b.trw", 1, "none", 64, &e), TRAWL_OK);
            for (size_t d = 0; d < 5; d++)
                assert_int_equal(sw_add_doc_meta(w, &"01234"[d], 1, 0, 1, lens[d], NULL), TRAWL_OK);
            size_t total = 0;
            for (size_t d = 0; d < 5; d++)
                total += lens[d];
            for (; sent < total; sent += FMT_STORED_CUT) {
                size_t n = total - sent < FMT_STORED_CUT ? total - sent : FMT_STORED_CUT;
                assert_int_equal(sw_zip_block(z, text + sent, n, &zb), TRAWL_OK);
                assert_int_equal(sw_add_stored_block(w, zb.p, zb.len, n), TRAWL_OK);
            }
        }
        assert_int_equal(sw_term_begin(w, "t", 1), TRAWL_OK);
        assert_int_equal(sw_term_doc(w, 0, pos, 1), TRAWL_OK);
        assert_int_equal(sw_term_end(w), TRAWL_OK);
        assert_int_equal(sw_finish(w, NULL), TRAWL_OK);
        sw_free(w);
    }
    snprintf(a, sizeof a, "%s/a.trw", dir);
    snprintf(b, sizeof b, "%s/b.trw", dir);
    assert_same_file(a, b);
    /* Blocks shorter than FMT_STORED_BLOCK before the end are fine (a merge copies blocks as
     * they are), and a text spanning them reads back whole; a block past the announced text is
     * refused. */
    assert_int_equal(sw_open(&w, dir, "c.trw", 1, "none", 64, &e), TRAWL_OK);
    assert_int_equal(sw_add_doc_meta(w, "x", 1, 0, 1, 15, NULL), TRAWL_OK);
    assert_int_equal(sw_add_doc_meta(w, "y", 1, 0, 1, 5, NULL), TRAWL_OK);
    assert_int_equal(sw_zip_block(z, text, 10, &zb), TRAWL_OK);
    assert_int_equal(sw_add_stored_block(w, zb.p, zb.len, 10), TRAWL_OK);
    assert_int_equal(sw_add_stored_block(w, zb.p, zb.len, 10), TRAWL_OK);
    assert_int_equal(sw_add_stored_block(w, zb.p, zb.len, 10), TRAWL_EARG);
    sw_free(w);
    assert_int_equal(sw_open(&w, dir, "c.trw", 1, "none", 64, &e), TRAWL_OK);
    assert_int_equal(sw_add_doc_meta(w, "x", 1, 0, 1, 15, NULL), TRAWL_OK);
    assert_int_equal(sw_add_doc_meta(w, "y", 1, 0, 1, 5, NULL), TRAWL_OK);
    assert_int_equal(sw_add_stored_block(w, zb.p, zb.len, 10), TRAWL_OK);
    assert_int_equal(sw_add_stored_block(w, zb.p, zb.len, 10), TRAWL_OK);
    assert_int_equal(sw_finish(w, NULL), TRAWL_OK);
    sw_free(w);
    snprintf(a, sizeof a, "%s/c.trw", dir);
    segment *sg;
    buf got;
    buf_init(&got);
    err_init(&e);
    assert_int_equal(segment_open(&sg, a, "c.trw", 1, &e), TRAWL_OK);
    assert_int_equal(segment_check(sg, &e), TRAWL_OK);
    assert_int_equal(segment_doc_text(sg, 0, &got, &e), TRAWL_OK);
    assert_int_equal(got.len, 15);
    assert_memory_equal(got.p, text, 10);
    assert_memory_equal(got.p + 10, text, 5);
    got.len = 0;
    assert_int_equal(segment_doc_text(sg, 1, &got, &e), TRAWL_OK);
    assert_int_equal(got.len, 5);
    assert_memory_equal(got.p, text + 5, 5);
    segment_close(sg);
    buf_free(&got);
    /* A missing block is refused. */
    assert_int_equal(sw_open(&w, dir, "d.trw", 1, "none", 64, &e), TRAWL_OK);
    assert_int_equal(sw_add_doc_meta(w, "x", 1, 0, 1, 10, NULL), TRAWL_OK);
    assert_int_equal(sw_finish(w, NULL), TRAWL_EARG);
    sw_free(w);
    sw_zip_free(z);
    buf_free(&zb);
    assert_int_equal(tu_rm_rf(dir), 0);
}

/* Every term length around the inline slot's word sizes (1..40 bytes), each term added twice
 * from buffers whose bytes after the term differ: both land on one term, and the padding
 * never leaks into the stored bytes. */
static void test_postings_buf_lengths(void **state)
{
    (void)state;
    enum { MAX_LEN = 40 };
    postings_buf *pb;
    err e;
    err_init(&e);
    assert_int_equal(pb_new(&pb, &e), TRAWL_OK);
    char a[MAX_LEN + 16], b[MAX_LEN + 16];
    for (size_t len = 1; len <= MAX_LEN; len++) {
        for (size_t i = 0; i < sizeof a; i++) {
            a[i] = i < len ? (char)('a' + (len + i) % 26) : 'x';
            b[i] = i < len ? a[i] : (char)('0' + i % 10);
        }
        assert_int_equal(pb_add(pb, a, len, (uint32_t)(2 * len)), TRAWL_OK);
        assert_int_equal(pb_add(pb, b, len, (uint32_t)(2 * len + 1)), TRAWL_OK);
    }
    assert_int_equal(pb_doc_end(pb, 7), TRAWL_OK);
    assert_int_equal(pb_n_terms(pb), MAX_LEN);
    assert_int_equal(pb_sort(pb, &e), TRAWL_OK);
    for (size_t k = 0; k < MAX_LEN; k++) {
        const char *term;
        const uint8_t *list;
        size_t len, list_len;
        pb_term(pb, k, &term, &len, &list, &list_len);
        for (size_t i = 0; i < len; i++)
            assert_int_equal(term[i], 'a' + (len + i) % 26);
        const uint8_t *p = list, *end = list + list_len;
        uint32_t doc = 0, tf, pos[2];
        assert_int_equal(pb_list_next(&p, end, &doc, &tf), 1);
        assert_int_equal(doc, 7);
        assert_int_equal(tf, 2);
        assert_int_equal(pb_list_positions(&p, end, tf, pos), 0);
        assert_int_equal(pos[0], 2 * len);
        assert_int_equal(pos[1], 2 * len + 1);
    }
    pb_free(pb);
}

/* The postings buffer on its own: terms longer than a table slot holds that share their first
 * bytes, enough terms to grow the table several times, repeated tokens in a document, and the
 * lists read back in byte order. */
static void test_postings_buf(void **state)
{
    (void)state;
    enum { N_TERMS = 5000, N_DOCS = 3 };
    postings_buf *pb;
    err e;
    err_init(&e);
    assert_int_equal(pb_new(&pb, &e), TRAWL_OK);
    char t[300];
    assert_int_equal(pb_add(pb, t, 0, 0), TRAWL_EARG);
    assert_int_equal(pb_add(pb, t, PB_MAX_TERM + 1, 0), TRAWL_EARG);
    /* Term i: "term-with-a-long-shared-prefix-" + i for odd i (long), "t" + i for even i;
     * document d holds term i at positions 2i and 2i + 1 when (i + d) % 3 != 0. */
    for (uint32_t d = 0; d < N_DOCS; d++) {
        for (int rep = 0; rep < 2; rep++) {
            for (uint32_t i = 0; i < N_TERMS; i++) {
                if ((i + d) % 3 == 0) continue;
                int n =
                    snprintf(t, sizeof t, i % 2 ? "term-with-a-long-shared-prefix-%u" : "t%u", i);
                assert_int_equal(pb_add(pb, t, (size_t)n, 2 * i + (uint32_t)rep), TRAWL_OK);
            }
        }
        assert_int_equal(pb_doc_end(pb, d * 5), TRAWL_OK);
    }
    assert_int_equal(pb_n_terms(pb), N_TERMS);
    assert_int_equal(pb_sort(pb, &e), TRAWL_OK);
    char prev[300] = "";
    size_t prev_len = 0;
    for (size_t k = 0; k < N_TERMS; k++) {
        const char *term;
        const uint8_t *list;
        size_t len, list_len;
        pb_term(pb, k, &term, &len, &list, &list_len);
        int c = memcmp(prev, term, prev_len < len ? prev_len : len);
        assert_true(k == 0 || c < 0 || (c == 0 && prev_len < len));
        memcpy(prev, term, len);
        prev[len] = '\0';
        prev_len = len;
        unsigned i;
        assert_int_equal(sscanf(prev + (prev[1] == 'e' ? 31 : 1), "%u", &i), 1);
        const uint8_t *p = list, *end = list + list_len;
        uint32_t doc = 0, tf, pos[2];
        for (uint32_t d = 0; d < N_DOCS; d++) {
            if ((i + d) % 3 == 0) continue;
            assert_int_equal(pb_list_next(&p, end, &doc, &tf), 1);
            assert_int_equal(doc, d * 5);
            assert_int_equal(tf, 2);
            assert_int_equal(pb_list_positions(&p, end, tf, pos), 0);
            assert_int_equal(pos[0], 2 * i);
            assert_int_equal(pos[1], 2 * i + 1);
        }
        assert_int_equal(pb_list_next(&p, end, &doc, &tf), 0);
    }
    pb_clear(pb);
    assert_int_equal(pb_n_terms(pb), 0);
    assert_int_equal(pb_add(pb, "again", 5, 0), TRAWL_OK);
    assert_int_equal(pb_doc_end(pb, 0), TRAWL_OK);
    assert_int_equal(pb_n_terms(pb), 1);
    pb_free(pb);
}

static void copy_seed(const char *dir, size_t i)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "cp '%s/%s' '%s/'", SEEDS, seed_files[i], dir);
    assert_int_equal(system(cmd), 0);
}

static void test_incremental_and_rebuild(void **state)
{
    (void)state;
    char corpus[64], index[80];
    build_result r;
    manifest m;
    err e;
    assert_non_null(tu_mkdtemp(corpus, sizeof corpus, "build"));
    snprintf(index, sizeof index, "%s-index", corpus);
    const char *paths[] = {corpus};
    for (size_t i = 0; i < 3; i++)
        copy_seed(corpus, i);
    assert_int_equal(build(index, paths, 1, 0, 0, NULL, &r, &e), TRAWL_OK);
    assert_int_equal(r.n_docs, 3);
    copy_seed(corpus, 3);
    copy_seed(corpus, 4);
    assert_int_equal(build(index, paths, 1, 0, 0, NULL, &r, &e), TRAWL_OK);
    assert_int_equal(r.n_docs, 2);
    assert_int_equal(r.n_added, 2);
    assert_int_equal(r.n_unchanged, 3);
    assert_int_equal(r.n_segments, 2);
    segment *s = open_seg(index, 1, &m);
    const char *id;
    size_t len;
    assert_int_equal(segment_doc_id(s, 0, &id, &len, &e), TRAWL_OK);
    assert_memory_equal(id, seed_files[3], len);
    segment_close(s);
    manifest_free(&m);
    /* Everything already there: nothing written, no new segment. */
    assert_int_equal(build(index, paths, 1, 0, 0, NULL, &r, &e), TRAWL_OK);
    assert_int_equal(r.n_docs, 0);
    assert_int_equal(r.n_unchanged, 5);
    assert_false(exists(index, "seg-000003.trw"));
    /* A different language for an existing index is refused. */
    assert_int_equal(build(index, paths, 1, 0, 0, "none", &r, &e), TRAWL_EARG);
    /* --rebuild: one segment with all five, the old files gone. */
    assert_int_equal(build(index, paths, 1, 0, 1, "none", &r, &e), TRAWL_OK);
    assert_int_equal(r.n_docs, 5);
    assert_int_equal(r.n_segments, 1);
    assert_false(exists(index, "seg-000001.trw"));
    assert_false(exists(index, "seg-000002.trw"));
    s = open_seg(index, 0, &m);
    assert_int_equal(segment_n_docs(s), 5);
    assert_string_equal(m.language, "none");
    segment_close(s);
    manifest_free(&m);
    assert_int_equal(tu_rm_rf(index), 0);
    assert_int_equal(tu_rm_rf(corpus), 0);
}

static void test_errors_leave_index(void **state)
{
    (void)state;
    char corpus[64], empty[80], index[80], path[128];
    build_result r;
    err e;
    assert_non_null(tu_mkdtemp(corpus, sizeof corpus, "build"));
    snprintf(empty, sizeof empty, "%s-empty", corpus);
    snprintf(index, sizeof index, "%s-index", corpus);
    assert_int_equal(mkdir(empty, 0755), 0);
    const char *paths[] = {empty};
    assert_int_equal(build(index, paths, 1, 0, 0, NULL, &r, &e), TRAWL_EARG);
    assert_non_null(strstr(e.msg, "no documents found"));
    assert_false(exists(index, ".")); /* nothing written, not even the directory */
    const char *missing[] = {"/nonexistent/trawl/path"};
    assert_int_equal(build(index, missing, 1, 0, 0, NULL, &r, &e), TRAWL_EARG);
    /* A corrupt manifest is reported and left byte for byte. */
    copy_seed(corpus, 0);
    paths[0] = corpus;
    assert_int_equal(build(index, paths, 1, 0, 0, NULL, &r, &e), TRAWL_OK);
    snprintf(path, sizeof path, "%s/MANIFEST", index);
    FILE *f = fopen(path, "w");
    fputs("trawl-manifest 1\ngarbage\n", f);
    fclose(f);
    copy_seed(corpus, 1);
    assert_int_equal(build(index, paths, 1, 0, 0, NULL, &r, &e), TRAWL_ECORRUPT);
    assert_non_null(strstr(e.msg, "--rebuild"));
    f = fopen(path, "r");
    char line[64] = "";
    assert_non_null(fgets(line, sizeof line, f) && fgets(line, sizeof line, f));
    fclose(f);
    assert_string_equal(line, "garbage\n");
    assert_true(exists(index, "seg-000001.trw"));
    assert_int_equal(build(index, paths, 1, 0, 1, NULL, &r, &e), TRAWL_OK);
    assert_int_equal(r.n_docs, 2);
    assert_int_equal(tu_rm_rf(index), 0);
    assert_int_equal(tu_rm_rf(empty), 0);
    assert_int_equal(tu_rm_rf(corpus), 0);
}

/* Writes text to dir/name (creating or truncating it). */
static void put(const char *dir, const char *name, const char *text)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* The directories a session's walks reported. */
typedef struct dirs_told {
    char last[600];
    int n;
} dirs_told;

static int told_dir(void *ctx, const char *path)
{
    dirs_told *d = ctx;
    snprintf(d->last, sizeof d->last, "%s", path);
    d->n++;
    return 0;
}

/* Syncs one path of the session, then commits; r receives what the commit did. */
static void sync_commit(build_session *s, const char *dir, const char *name, int was_dir,
                        build_result *r)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    assert_int_equal(build_sync_path(s, path, was_dir), TRAWL_OK);
    assert_int_equal(build_commit(s, r), TRAWL_OK);
}

/* The id of document doc of the last segment of the index at dir. */
static void last_doc_id(const char *dir, uint32_t doc, char *out, size_t cap)
{
    manifest m;
    const char *id;
    size_t len;
    err e;
    manifest_init(&m);
    err_init(&e);
    assert_int_equal(manifest_read(&m, dir, &e), TRAWL_OK);
    size_t n = m.n_segs;
    manifest_free(&m);
    segment *seg = open_seg(dir, n - 1, &m);
    assert_int_equal(segment_doc_id(seg, doc, &id, &len, &e), TRAWL_OK);
    snprintf(out, cap, "%.*s", (int)len, id);
    segment_close(seg);
    manifest_free(&m);
}

/* A session syncs one path at a time, one commit after another (what a watch does): each commit
 * is a new pass, so an edited file is read again and a vanished one deleted; a new directory is
 * walked with the ids a full sync gives; a directory moved away takes its documents along. */
static void test_session(void **state)
{
    (void)state;
    char corpus[64], canon[PATH_MAX], real[80], index[128], path[600], id[256], moved[128];
    build_session *s = NULL;
    build_result r;
    dirs_told told = {"", 0};
    err e;
    assert_non_null(tu_mkdtemp(corpus, sizeof corpus, "session"));
    assert_non_null(realpath(corpus, canon)); /* ids are made from canonical paths */
    assert_true(strlen(canon) < sizeof real);
    snprintf(real, sizeof real, "%.63s", canon);
    snprintf(index, sizeof index, "%s/idx", real); /* inside the corpus: never synced */
    snprintf(moved, sizeof moved, "%s-moved", real);
    snprintf(path, sizeof path, "%s/sub", real);
    assert_int_equal(mkdir(path, 0755), 0);
    put(real, "a.txt", "alpha first");
    put(path, "b.txt", "bravo");
    const char *paths[] = {real};
    build_opts o;
    build_opts_init(&o);
    o.index_dir = index;
    o.paths = paths;
    o.n_paths = 1;
    o.no_merge = 1;
    o.on_dir = told_dir;
    o.dir_ctx = &told;
    err_init(&e);
    assert_int_equal(build_open(&s, &o, &e), TRAWL_OK);
    assert_int_equal(build_sync_all(s), TRAWL_OK);
    assert_int_equal(told.n, 2);
    assert_int_equal(build_commit(s, &r), TRAWL_OK);
    assert_int_equal(r.n_added, 2);
    assert_int_equal(r.commits, 1);
    /* What no sync walks. */
    snprintf(path, sizeof path, "%s/sub/b.txt", real);
    assert_true(build_covers(s, path));
    snprintf(path, sizeof path, "%s/.hid/x.txt", real);
    assert_false(build_covers(s, path));
    snprintf(path, sizeof path, "%s/seg-000001.trw", index);
    assert_false(build_covers(s, path));
    assert_false(build_covers(s, moved));
    assert_int_equal(build_sync_path(s, moved, 0), TRAWL_EARG);
    err_init(&e);
    /* An edit: read again in the next pass, though the last pass met the file. */
    put(real, "a.txt", "alpha second edition");
    sync_commit(s, real, "a.txt", 0, &r);
    assert_int_equal(r.n_updated, 1);
    assert_int_equal(r.n_added + r.n_deleted + r.n_unchanged, 0);
    assert_int_equal(r.n_live, 2);
    /* Twice in one pass: read once. */
    put(real, "a.txt", "alpha third");
    snprintf(path, sizeof path, "%s/a.txt", real);
    assert_int_equal(build_sync_path(s, path, 0), TRAWL_OK);
    assert_int_equal(build_sync_path(s, path, 0), TRAWL_OK);
    assert_int_equal(build_commit(s, &r), TRAWL_OK);
    assert_int_equal(r.n_updated, 1);
    assert_int_equal(r.n_unchanged, 0);
    /* Gone: deleted. */
    snprintf(path, sizeof path, "%s/sub/b.txt", real);
    assert_int_equal(unlink(path), 0);
    sync_commit(s, real, "sub/b.txt", 0, &r);
    assert_int_equal(r.n_deleted, 1);
    assert_int_equal(r.n_live, 1);
    /* A new directory: walked, with ids relative to the argument's root. */
    snprintf(path, sizeof path, "%s/new", real);
    assert_int_equal(mkdir(path, 0755), 0);
    put(path, "c.txt", "charlie");
    put(path, "d.txt", "delta");
    sync_commit(s, real, "new", 0, &r);
    assert_int_equal(r.n_added, 2);
    assert_string_equal(told.last, path);
    last_doc_id(index, 0, id, sizeof id);
    assert_string_equal(id, "new/c.txt");
    /* Moved out of the corpus: its documents go; nothing is left under it. */
    assert_int_equal(rename(path, moved), 0);
    sync_commit(s, real, "new", 1, &r);
    assert_int_equal(r.n_deleted, 2);
    assert_int_equal(r.n_live, 1);
    /* A full sync in a later pass deletes what is gone and keeps what is there. */
    snprintf(path, sizeof path, "%s/a.txt", real);
    assert_int_equal(unlink(path), 0);
    put(real, "e.txt", "echo");
    assert_int_equal(build_sync_all(s), TRAWL_OK);
    assert_int_equal(build_commit(s, &r), TRAWL_OK);
    assert_int_equal(r.n_added, 1);
    assert_int_equal(r.n_deleted, 1);
    assert_int_equal(r.n_live, 1);
    build_close(s);
    /* A run that deletes by id counts what it deleted. */
    const char *ids[] = {path};
    snprintf(path, sizeof path, "%s/e.txt", real);
    build_opts_init(&o);
    o.index_dir = index;
    o.delete_ids = ids;
    o.n_delete_ids = 1;
    assert_int_equal(build_run(&o, &r, &e), TRAWL_OK);
    assert_int_equal(r.n_deleted, 1);
    assert_int_equal(r.n_missing, 0);
    assert_int_equal(r.n_live, 0);
    assert_int_equal(tu_rm_rf(moved), 0);
    assert_int_equal(tu_rm_rf(corpus), 0);
}

/* What test_vanishing_file's callbacks share: the file to remove after the first document,
 * and the warnings seen. */
typedef struct vanish {
    char victim[600];
    int n_docs;
    int n_warnings;
    char warning[1200];
} vanish;

static void vanish_progress(void *ctx, uint64_t n_docs, uint64_t in_bytes)
{
    vanish *v = ctx;
    (void)n_docs;
    (void)in_bytes;
    if (v->n_docs++ == 0) assert_int_equal(unlink(v->victim), 0);
}

static void vanish_warn(void *ctx, const char *msg)
{
    vanish *v = ctx;
    v->n_warnings++;
    snprintf(v->warning, sizeof v->warning, "%s", msg);
}

/* A file listed by the walk that is gone before it is read (deleted by someone else while the
 * sync runs): one warning, the sync goes on, and the file counts as gone, not as an error. */
static void test_vanishing_file(void **state)
{
    (void)state;
    char corpus[64], index[128];
    vanish v = {0};
    build_result r;
    err e;
    assert_non_null(tu_mkdtemp(corpus, sizeof corpus, "vanish"));
    snprintf(index, sizeof index, "%s.idx", corpus);
    put(corpus, "a.txt", "alpha one");
    put(corpus, "b.txt", "bravo one");
    put(corpus, "c.txt", "charlie one");
    const char *paths[] = {corpus};
    assert_int_equal(build(index, paths, 1, 0, 0, NULL, &r, &e), TRAWL_OK);
    assert_int_equal(r.n_added, 3);
    put(corpus, "a.txt", "alpha two, longer");
    put(corpus, "b.txt", "bravo two, longer");
    snprintf(v.victim, sizeof v.victim, "%s/b.txt", corpus);
    build_opts o;
    build_opts_init(&o);
    o.index_dir = index;
    o.paths = paths;
    o.n_paths = 1;
    o.progress = vanish_progress;
    o.progress_ctx = &v;
    o.warn = vanish_warn;
    o.warn_ctx = &v;
    err_init(&e);
    assert_int_equal(build_run(&o, &r, &e), TRAWL_OK);
    assert_int_equal(v.n_warnings, 1);
    assert_non_null(strstr(v.warning, "b.txt: No such file or directory, skipped"));
    assert_int_equal(r.n_updated, 1);
    assert_int_equal(r.n_deleted, 1);
    assert_int_equal(r.n_unchanged, 1);
    assert_int_equal(r.n_added, 0);
    assert_int_equal(r.n_live, 2);
    assert_int_equal(tu_rm_rf(index), 0);
    assert_int_equal(tu_rm_rf(corpus), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seeds),
        cmocka_unit_test(test_spill_equivalence),
        cmocka_unit_test(test_threads_identical),
        cmocka_unit_test(test_stored_ext),
        cmocka_unit_test(test_postings_buf),
        cmocka_unit_test(test_postings_buf_lengths),
        cmocka_unit_test(test_incremental_and_rebuild),
        cmocka_unit_test(test_errors_leave_index),
        cmocka_unit_test(test_session),
        cmocka_unit_test(test_vanishing_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
