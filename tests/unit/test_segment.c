/* test_segment: writes segments with segment_writer from a generated Zipf corpus (fixed seed),
 * keeps the expected postings in memory and reads every term back through dict, term_cursor
 * and segment; then corrupts and truncates the file and expects clean failures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "buf.h"
#include "checksum.h"
#include "codec.h"
#include "dict.h"
#include "format.h"
#include "segment.h"
#include "segment_impl.h"
#include "segment_writer.h"
#include "term_cursor.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define N_DOCS  3000
#define N_VOCAB 1500
#define BIG_DOC 7 /**< this document stores a text spanning several zlib blocks */

typedef struct plist {
    char term[32];
    uint32_t *docs, *tfs, *pos; /**< pos: all positions, concatenated per doc */
    size_t n, n_pos, cap, pos_cap;
} plist;

typedef struct corpus {
    uint32_t n_docs;
    uint32_t *doc_len, *date;
    uint32_t **toks; /**< term index per position */
    char **text;
    size_t *text_len;
    plist *terms; /**< sorted by term bytes */
    size_t n_terms;
    uint64_t n_postings, n_positions;
} corpus;

static uint64_t rng_state;

static uint32_t rng(void)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(rng_state >> 32);
}

static char g_dir[64];
static corpus *g_corpus;

static void make_dir(void)
{
    strcpy(g_dir, "/tmp/trawl-test-seg-XXXXXX");
    assert_non_null(mkdtemp(g_dir));
}

static void remove_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", g_dir);
    assert_int_equal(system(cmd), 0);
}

static void plist_add(plist *p, uint32_t doc, uint32_t pos)
{
    if (p->n == 0 || p->docs[p->n - 1] != doc) {
        if (p->n == p->cap) {
            p->cap = p->cap ? p->cap * 2 : 8;
            p->docs = realloc(p->docs, p->cap * 4);
            p->tfs = realloc(p->tfs, p->cap * 4);
        }
        p->docs[p->n] = doc;
        p->tfs[p->n++] = 0;
    }
    if (p->n_pos == p->pos_cap) {
        p->pos_cap = p->pos_cap ? p->pos_cap * 2 : 8;
        p->pos = realloc(p->pos, p->pos_cap * 4);
    }
    p->pos[p->n_pos++] = pos;
    p->tfs[p->n - 1]++;
}

static int plist_cmp(const void *a, const void *b)
{
    return strcmp(((const plist *)a)->term, ((const plist *)b)->term);
}

/* Words: a Zipf-ranked vocabulary plus terms in exactly 1, 128 and 129 documents. */
static void corpus_vocab(corpus *c)
{
    c->n_terms = N_VOCAB + 3;
    c->terms = calloc(c->n_terms, sizeof *c->terms);
    for (size_t i = 0; i < N_VOCAB; i++) {
        char *t = c->terms[i].term;
        size_t v = i, k = 0;
        t[k++] = "bcdfgklmnprst"[v % 13];
        v /= 13;
        do {
            t[k++] = (char)('a' + v % 26);
            v /= 26;
        } while (v);
        snprintf(t + k, 8, "%zu", i % 7);
    }
    strcpy(c->terms[N_VOCAB].term, "zz-exact128");
    strcpy(c->terms[N_VOCAB + 1].term, "zz-exact129");
    strcpy(c->terms[N_VOCAB + 2].term, "zz-single");
}

static uint32_t zipf_draw(const double *cdf)
{
    double u = (rng() + 0.5) / 4294967296.0;
    size_t lo = 0, hi = N_VOCAB - 1;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cdf[mid] < u)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (uint32_t)lo;
}

static void corpus_docs(corpus *c)
{
    double *cdf = malloc(N_VOCAB * sizeof *cdf), sum = 0;
    for (size_t i = 0; i < N_VOCAB; i++)
        sum += 1.0 / (i + 1);
    for (size_t i = 0, acc = 0; i < N_VOCAB; i++, acc++)
        cdf[i] = (i ? cdf[i - 1] : 0) + 1.0 / (i + 1) / sum;
    c->n_docs = N_DOCS;
    c->doc_len = calloc(N_DOCS, 4);
    c->date = calloc(N_DOCS, 4);
    c->toks = calloc(N_DOCS, sizeof *c->toks);
    c->text = calloc(N_DOCS, sizeof *c->text);
    c->text_len = calloc(N_DOCS, sizeof *c->text_len);
    for (uint32_t d = 0; d < N_DOCS; d++) {
        uint32_t len = d % 97 == 5 ? 0 : 1 + rng() % (d % 11 == 0 ? 600 : 120);
        if ((d % 23 == 1 || d % 19 == 2 || d == 1234) && len < 2)
            len = 2; /* room for the special terms at both ends */
        c->doc_len[d] = len;
        c->date[d] = d % 13 ? 20200101 + (d % 28) + 100 * (d % 12) : 0;
        c->toks[d] = malloc((len + 1) * 4);
        for (uint32_t p = 0; p < len; p++)
            c->toks[d][p] = zipf_draw(cdf);
        if (len > 0 && d % 23 == 1 && d / 23 < 128) c->toks[d][0] = N_VOCAB;
        if (len > 0 && d % 19 == 2 && d / 19 < 129) c->toks[d][len - 1] = N_VOCAB + 1;
        if (d == 1234) c->toks[d][len / 2] = N_VOCAB + 2;
    }
    free(cdf);
}

/* Stored text: the tokens joined by spaces; BIG_DOC gets ~150 KiB so it spans blocks. */
static void corpus_text(corpus *c)
{
    for (uint32_t d = 0; d < N_DOCS; d++) {
        buf b;
        buf_init(&b);
        for (uint32_t p = 0; p < c->doc_len[d]; p++) {
            const char *t = c->terms[c->toks[d][p]].term;
            buf_put(&b, t, strlen(t));
            buf_put_u8(&b, ' ');
        }
        for (uint32_t k = 0; d == BIG_DOC && k < 150000; k++)
            buf_put_u8(&b, (uint8_t)('a' + (k * 7 + k / 1000) % 26));
        c->text[d] = (char *)b.p;
        c->text_len[d] = b.len;
    }
}

static void corpus_postings(corpus *c)
{
    for (uint32_t d = 0; d < c->n_docs; d++)
        for (uint32_t p = 0; p < c->doc_len[d]; p++)
            plist_add(&c->terms[c->toks[d][p]], d, p);
    /* Each term's positions are appended doc by doc, position by position: already sorted. */
    size_t k = 0;
    for (size_t i = 0; i < c->n_terms; i++)
        if (c->terms[i].n > 0) c->terms[k++] = c->terms[i];
    c->n_terms = k;
    qsort(c->terms, c->n_terms, sizeof *c->terms, plist_cmp);
    for (size_t i = 0; i < c->n_terms; i++) {
        c->n_postings += c->terms[i].n;
        c->n_positions += c->terms[i].n_pos;
    }
}

static corpus *corpus_new(void)
{
    corpus *c = calloc(1, sizeof *c);
    rng_state = 42;
    corpus_vocab(c);
    corpus_docs(c);
    corpus_text(c);
    corpus_postings(c);
    return c;
}

static void corpus_free(corpus *c)
{
    for (uint32_t d = 0; d < c->n_docs; d++) {
        free(c->toks[d]);
        free(c->text[d]);
    }
    for (size_t i = 0; i < c->n_terms; i++) {
        free(c->terms[i].docs);
        free(c->terms[i].tfs);
        free(c->terms[i].pos);
    }
    free(c->terms);
    free(c->toks);
    free(c->text);
    free(c->text_len);
    free(c->doc_len);
    free(c->date);
    free(c);
}

static void write_segment(const corpus *c, const char *name, uint64_t id)
{
    segment_writer *w;
    err e;
    err_init(&e);
    assert_int_equal(sw_open(&w, g_dir, name, id, "english", 64, &e), TRAWL_OK);
    for (uint32_t d = 0; d < c->n_docs; d++) {
        char idbuf[32];
        int n = snprintf(idbuf, sizeof idbuf, "doc-%u", d);
        assert_int_equal(sw_add_doc(w, idbuf, (size_t)n, c->date[d], c->doc_len[d], c->text[d],
                                    c->text_len[d], NULL),
                         TRAWL_OK);
    }
    for (size_t i = 0; i < c->n_terms; i++) {
        const plist *p = &c->terms[i];
        size_t at = 0;
        assert_int_equal(sw_term_begin(w, p->term, strlen(p->term)), TRAWL_OK);
        for (size_t k = 0; k < p->n; k++) {
            assert_int_equal(sw_term_doc(w, p->docs[k], p->pos + at, p->tfs[k]), TRAWL_OK);
            at += p->tfs[k];
        }
        assert_int_equal(sw_term_end(w), TRAWL_OK);
    }
    sw_stats st;
    int rc = sw_finish(w, &st);
    if (rc != TRAWL_OK) fprintf(stderr, "%s\n", e.msg);
    assert_int_equal(rc, TRAWL_OK);
    assert_int_equal(st.n_docs, c->n_docs);
    assert_int_equal(st.n_terms, c->n_terms);
    sw_free(w);
}

static segment *open_seg(const char *name, uint64_t id)
{
    char path[256];
    segment *s;
    err e;
    err_init(&e);
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    int rc = segment_open(&s, path, name, id, &e);
    if (rc != TRAWL_OK) fprintf(stderr, "%s\n", e.msg);
    assert_int_equal(rc, TRAWL_OK);
    return s;
}

static size_t slurp(const char *name, uint8_t **out)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    *out = malloc((size_t)n + 1);
    assert_int_equal(fread(*out, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    return (size_t)n;
}

static void spit(const char *name, const uint8_t *p, size_t n)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(p, 1, n, fp), n);
    fclose(fp);
}

/* The section table entry of id, parsed independently of the reader. */
static fmt_section find_section(const uint8_t *f, size_t n, uint32_t id)
{
    fmt_trailer tr;
    fmt_section sec;
    memcpy(&tr, f + n - sizeof tr, sizeof tr);
    for (uint32_t i = 0; i < tr.n_sections; i++) {
        memcpy(&sec, f + tr.table_off + i * sizeof sec, sizeof sec);
        if (sec.id == id) return sec;
    }
    fail_msg("section %u missing", id);
    return sec;
}

/* Opens name; returns the open rc, or if it opened, the rc of segment_check. */
static int open_and_check(const char *name, uint64_t id, err *e)
{
    char path[256];
    segment *s;
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    err_init(e);
    int rc = segment_open(&s, path, name, id, e);
    if (rc != TRAWL_OK) return rc;
    rc = segment_check(s, e);
    segment_close(s);
    return rc;
}

/* Every posting of p through tc_next: doc, tf, positions. */
static void check_list_next(const segment *s, const plist *p, const term_info *ti)
{
    term_cursor c;
    err e;
    err_init(&e);
    assert_int_equal(tc_open(&c, s, ti, &e), TRAWL_OK);
    size_t at = 0;
    for (size_t k = 0; k < p->n; k++) {
        assert_int_equal(c.doc, p->docs[k]);
        if (k % 3 != 1) assert_int_equal(tc_freq(&c), p->tfs[k]);
        if (k % 2 == 0) {
            const uint32_t *pos;
            uint32_t np;
            assert_int_equal(tc_positions(&c, &pos, &np), TRAWL_OK);
            assert_int_equal(np, p->tfs[k]);
            assert_memory_equal(pos, p->pos + at, np * 4);
        }
        at += p->tfs[k];
        tc_next(&c);
    }
    assert_int_equal(c.doc, DOC_END);
    assert_int_equal(tc_next(&c), DOC_END);
    assert_int_equal(tc_seek(&c, 5), DOC_END);
    assert_int_equal(c.rc, TRAWL_OK);
    tc_close(&c);
    tc_close(&c);
}

static size_t lower_bound(const plist *p, uint32_t target)
{
    size_t lo = 0, hi = p->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (p->docs[mid] < target)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Random increasing seek targets against a linear reference, with tf and positions. */
static void check_list_seek(const segment *s, const plist *p, const term_info *ti,
                            const uint32_t *doc_len)
{
    term_cursor c;
    err e;
    err_init(&e);
    assert_int_equal(tc_open(&c, s, ti, &e), TRAWL_OK);
    uint32_t target = 0;
    for (;;) {
        target += 1 + rng() % (rng() % 4 == 0 ? 800 : 40);
        size_t k = lower_bound(p, target);
        uint32_t want = k < p->n ? p->docs[k] : DOC_END;
        uint32_t got = tc_seek(&c, target);
        if (c.doc < target && want == DOC_END) break;
        assert_int_equal(got, want > c.doc ? want : c.doc);
        if (got == DOC_END) break;
        if (got == want) {
            assert_int_equal(tc_freq(&c), p->tfs[k]);
            const uint32_t *pos;
            uint32_t np;
            assert_int_equal(tc_positions(&c, &pos, &np), TRAWL_OK);
            assert_int_equal(np, p->tfs[k]);
            assert_true(pos[np - 1] < doc_len[got]);
        }
    }
    assert_int_equal(tc_seek(&c, DOC_END), DOC_END);
    assert_int_equal(c.rc, TRAWL_OK);
    tc_close(&c);
}

/* tc_shallow_seek / tc_block_* against the blocks of the expected list. */
/* The shallow block's impacts (docs b0..b1 of p): every document under a pair; with a skip
 * table in a v3 file and a frontier of at most FMT_IMPACTS points, exactly that frontier
 * (the bound is then exact for the block's best document). */
static void check_block_impacts(const term_cursor *c, const plist *p, size_t b0, size_t b1,
                                const uint32_t *doc_len)
{
    uint32_t tf[FMT_IMPACTS], len[FMT_IMPACTS], n = tc_block_impacts(c, tf, len);
    uint32_t ftf[128], flen[128], k = 0;
    assert_true(n >= 1 && n <= FMT_IMPACTS);
    for (size_t i = b0; i < b1; i++) {
        uint32_t j = 0, t = p->tfs[i], l = doc_len[p->docs[i]], dominated = 0;
        while (j < n && !(tf[j] >= t && len[j] <= l))
            j++;
        assert_true(j < n);
        for (size_t o = b0; o < b1 && !dominated; o++) {
            uint32_t t2 = p->tfs[o], l2 = doc_len[p->docs[o]];
            dominated = t2 >= t && l2 <= l && (t2 > t || l2 < l);
        }
        for (uint32_t q = 0; q < k && !dominated; q++)
            dominated = ftf[q] == t && flen[q] == l;
        if (!dominated) {
            ftf[k] = t;
            flen[k++] = l;
        }
    }
    if (!c->imp || k > FMT_IMPACTS) return;
    assert_int_equal(n, k);
    for (uint32_t q = 0; q < k; q++) { /* the frontier by increasing tf: find each point */
        uint32_t j = 0;
        while (j < n && !(tf[j] == ftf[q] && len[j] == flen[q]))
            j++;
        assert_true(j < n);
    }
}

static void check_list_shallow(const segment *s, const plist *p, const term_info *ti,
                               const uint32_t *doc_len)
{
    term_cursor c;
    err e;
    err_init(&e);
    assert_int_equal(tc_open(&c, s, ti, &e), TRAWL_OK);
    uint32_t target = 0;
    while (target < N_DOCS + 10) {
        target += rng() % 200;
        tc_shallow_seek(&c, target);
        size_t k = lower_bound(p, target);
        if (k == p->n) {
            assert_int_equal(tc_block_last(&c), DOC_END);
            assert_int_equal(tc_block_max_tf(&c), 0);
            break;
        }
        size_t b0 = k / 128 * 128, b1 = b0 + 128 < p->n ? b0 + 128 : p->n;
        uint32_t mtf = 0, mlen = UINT32_MAX;
        for (size_t i = b0; i < b1; i++) {
            mtf = p->tfs[i] > mtf ? p->tfs[i] : mtf;
            mlen = doc_len[p->docs[i]] < mlen ? doc_len[p->docs[i]] : mlen;
        }
        assert_int_equal(tc_block_last(&c), p->docs[b1 - 1]);
        assert_int_equal(tc_block_max_tf(&c), mtf);
        assert_int_equal(tc_block_min_len(&c), mlen);
        check_block_impacts(&c, p, b0, b1, doc_len);
        /* The doc cursor is independent of the skip cursor. */
        if (target % 3 == 0) tc_seek(&c, target);
    }
    tc_close(&c);
}

static void check_dict_iter(const segment *s, const corpus *c)
{
    dict_iter it;
    err e;
    const char *t;
    size_t len;
    term_info ti;
    err_init(&e);
    assert_int_equal(dict_iter_seek(&it, s, "", 0, &e), TRAWL_OK);
    for (size_t i = 0; i < c->n_terms; i++) {
        assert_int_equal(dict_iter_next(&it, &t, &len, &ti, &e), 1);
        assert_int_equal(len, strlen(c->terms[i].term));
        assert_memory_equal(t, c->terms[i].term, len);
        assert_int_equal(ti.df, c->terms[i].n);
    }
    assert_int_equal(dict_iter_next(&it, &t, &len, &ti, &e), 0);
    /* Prefixes and absent keys: the first term >= key, then the terms sharing the prefix. */
    const char *keys[] = {"b", "ba", "kz", "s", "t", "taa", "zz", "zz-exact128", "zzz", "a", "c"};
    for (size_t q = 0; q < sizeof keys / sizeof keys[0]; q++) {
        size_t kl = strlen(keys[q]), i = 0;
        while (i < c->n_terms && strcmp(c->terms[i].term, keys[q]) < 0)
            i++;
        assert_int_equal(dict_iter_seek(&it, s, keys[q], kl, &e), TRAWL_OK);
        for (; i < c->n_terms && strncmp(c->terms[i].term, keys[q], kl) == 0; i++) {
            assert_int_equal(dict_iter_next(&it, &t, &len, &ti, &e), 1);
            assert_string_equal(t, c->terms[i].term);
        }
        int rc = dict_iter_next(&it, &t, &len, &ti, &e);
        if (i == c->n_terms)
            assert_int_equal(rc, 0);
        else
            assert_string_equal(t, c->terms[i].term);
    }
}

static void check_docs(const segment *s, const corpus *c)
{
    err e;
    buf b;
    err_init(&e);
    buf_init(&b);
    for (uint32_t d = 0; d < c->n_docs; d++) {
        const char *id;
        size_t len;
        char want[32];
        snprintf(want, sizeof want, "doc-%u", d);
        assert_int_equal(segment_doc_len(s, d), c->doc_len[d]);
        assert_int_equal(segment_doc_date(s, d), c->date[d]);
        assert_int_equal(segment_doc_id(s, d, &id, &len, &e), TRAWL_OK);
        assert_int_equal(len, strlen(want));
        assert_memory_equal(id, want, len);
        b.len = 0;
        buf_put(&b, "abc", 3); /* the text is appended after existing bytes */
        assert_int_equal(segment_doc_text(s, d, &b, &e), TRAWL_OK);
        assert_int_equal(b.len, 3 + c->text_len[d]);
        if (c->text_len[d]) assert_memory_equal(b.p + 3, c->text[d], c->text_len[d]);
    }
    buf_free(&b);
}

static void test_roundtrip(void **state)
{
    (void)state;
    corpus *c = g_corpus;
    write_segment(c, "seg-000001.trw", 1);
    segment *s = open_seg("seg-000001.trw", 1);
    err e;
    err_init(&e);
    assert_int_equal(segment_n_docs(s), c->n_docs);
    assert_int_equal(segment_n_terms(s), c->n_terms);
    assert_string_equal(segment_language(s), "english");
    assert_int_equal(segment_max_token_len(s), 64);
    uint64_t total = 0;
    for (uint32_t d = 0; d < c->n_docs; d++)
        total += c->doc_len[d];
    assert_int_equal(segment_total_tokens(s), total);
    int seen128 = 0, seen129 = 0;
    for (size_t i = 0; i < c->n_terms; i++) {
        const plist *p = &c->terms[i];
        term_info ti;
        uint32_t mtf = 0, mlen = UINT32_MAX;
        assert_int_equal(dict_find(s, p->term, strlen(p->term), &ti, &e), 1);
        for (size_t k = 0; k < p->n; k++) {
            mtf = p->tfs[k] > mtf ? p->tfs[k] : mtf;
            mlen = c->doc_len[p->docs[k]] < mlen ? c->doc_len[p->docs[k]] : mlen;
        }
        assert_int_equal(ti.df, p->n);
        assert_int_equal(ti.cf, p->n_pos);
        assert_int_equal(ti.max_tf, mtf);
        assert_int_equal(ti.min_len, mlen);
        seen128 += p->n == 128;
        seen129 += p->n == 129;
        check_list_next(s, p, &ti);
        check_list_seek(s, p, &ti, c->doc_len);
        check_list_shallow(s, p, &ti, c->doc_len);
    }
    assert_true(seen128 >= 1 && seen129 >= 1);
    term_info ti;
    assert_int_equal(dict_find(s, "absent", 6, &ti, &e), 0);
    assert_int_equal(dict_find(s, "zzzz", 4, &ti, &e), 0);
    assert_int_equal(dict_find(s, "", 0, &ti, &e), 0);
    check_dict_iter(s, c);
    check_docs(s, c);
    assert_int_equal(segment_check(s, &e), TRAWL_OK);
    uint8_t *f;
    size_t flen = slurp("seg-000001.trw", &f);
    fmt_section post = find_section(f, flen, FMT_SEC_POSTINGS);
    fmt_section posi = find_section(f, flen, FMT_SEC_POSITIONS);
    printf("# %u docs, %zu terms, %llu postings, %llu positions: %.3f bytes/posting, "
           "%.3f bytes/position, file %llu bytes\n",
           c->n_docs, c->n_terms, (unsigned long long)c->n_postings,
           (unsigned long long)c->n_positions, (double)post.len / (double)c->n_postings,
           (double)posi.len / (double)c->n_positions, (unsigned long long)flen);
    free(f);
    segment_close(s);
}

static int setup_seg(void **state)
{
    (void)state;
    g_corpus = corpus_new();
    make_dir();
    write_segment(g_corpus, "seg-000002.trw", 2);
    return 0;
}

static int teardown_seg(void **state)
{
    (void)state;
    remove_dir();
    corpus_free(g_corpus);
    return 0;
}

static const char *const sec_names[] = {
    "",          "stats",       "dictionary",   "dictionary index",
    "postings",  "positions",   "doc lengths",  "doc table",
    "ids",       "stored text", "stored index", "doc sources",
    "chunk sums"};

/* One flipped byte in each section: open still works (it reads no section bodies beyond the
 * stats), the deep check names that section. */
static void test_flip_each_section(void **state)
{
    (void)state;
    uint8_t *f;
    size_t n = slurp("seg-000002.trw", &f);
    for (uint32_t id = 1; id <= FMT_SEC_COUNT; id++) {
        fmt_section sec = find_section(f, n, id);
        assert_true(sec.len > 0);
        size_t at = sec.off + (id == FMT_SEC_STATS ? 8 : sec.len / 2);
        f[at] ^= 0x10;
        spit("flip.trw", f, n);
        f[at] ^= 0x10;
        err e;
        assert_int_equal(open_and_check("flip.trw", 2, &e), TRAWL_ECORRUPT);
        char want[64];
        snprintf(want, sizeof want, ": %s: ", sec_names[id]);
        if (!strstr(e.msg, want)) fail_msg("flip in %s reported as: %s", sec_names[id], e.msg);
    }
    /* A flipped padding byte is caught too. */
    fmt_section sec = find_section(f, n, FMT_SEC_POSTINGS);
    f[sec.off + sec.len + 3] = 1;
    spit("flip.trw", f, n);
    err e;
    assert_int_equal(open_and_check("flip.trw", 2, &e), TRAWL_ECORRUPT);
    free(f);
}

/* Every 97th length and every length inside the footer: a clean error, never a crash. */
static void test_truncate(void **state)
{
    (void)state;
    uint8_t *f;
    size_t n = slurp("seg-000002.trw", &f);
    size_t footer = FMT_SEC_COUNT * sizeof(fmt_section) + sizeof(fmt_trailer);
    char path[256];
    snprintf(path, sizeof path, "%s/cut.trw", g_dir);
    spit("cut.trw", f, n);
    /* Shrinking one file in place: cheap even at thousands of lengths. */
    for (size_t cut = n - 1; cut < n; cut -= (cut + footer + 8 >= n ? 1 : 97)) {
        assert_int_equal(truncate(path, (off_t)cut), 0);
        err e;
        int rc = open_and_check("cut.trw", 2, &e);
        assert_true(rc == TRAWL_ECORRUPT || rc == TRAWL_ENOTINDEX);
    }
    free(f);
}

/* Rewrites the checksum of section id and the table hash after a change inside it, so the deep
 * structural checks (not only the checksum) and the hot path meet the damage. */
static void rehash(uint8_t *f, size_t n, uint32_t id)
{
    fmt_trailer tr;
    memcpy(&tr, f + n - sizeof tr, sizeof tr);
    for (uint32_t i = 0; i < tr.n_sections; i++) {
        fmt_section sec;
        memcpy(&sec, f + tr.table_off + i * sizeof sec, sizeof sec);
        if (sec.id != id) continue;
        sec.hash = checksum64(f + sec.off, sec.len);
        memcpy(f + tr.table_off + i * sizeof sec, &sec, sizeof sec);
    }
    tr.table_hash = checksum64(f + tr.table_off, tr.n_sections * sizeof(fmt_section));
    memcpy(f + n - sizeof tr, &tr, sizeof tr);
}

/* Walks every list of every term with tf and positions; must end (maybe with an error). */
static void walk_all(const segment *s)
{
    dict_iter it;
    err e;
    const char *t;
    size_t len;
    term_info ti;
    err_init(&e);
    if (dict_iter_seek(&it, s, "", 0, &e) != TRAWL_OK) return;
    while (dict_iter_next(&it, &t, &len, &ti, &e) == 1) {
        term_cursor c;
        if (tc_open(&c, s, &ti, &e) == TRAWL_OK) {
            for (uint32_t k = 0; c.doc != DOC_END; k++) {
                const uint32_t *pos;
                uint32_t np;
                tc_freq(&c);
                tc_positions(&c, &pos, &np);
                if (k % 5 == 4)
                    tc_seek(&c, c.doc + 50);
                else
                    tc_next(&c);
            }
        }
        tc_close(&c);
    }
}

/* Random byte changes with valid checksums in the structural sections: segment_check must
 * not crash, and cursors over the damaged file must end (ASan watches the reads). */
static void test_damage_rehashed(void **state)
{
    (void)state;
    uint8_t *f;
    size_t n = slurp("seg-000002.trw", &f);
    uint32_t ids[] = {FMT_SEC_DICT,      FMT_SEC_DICT_INDEX,   FMT_SEC_POSTINGS, FMT_SEC_POSITIONS,
                      FMT_SEC_DOC_TABLE, FMT_SEC_STORED_INDEX, FMT_SEC_DOC_LENS};
    int caught = 0, runs = 0;
    rng_state = 7;
    for (size_t r = 0; r < 140; r++) {
        uint32_t id = ids[r % (sizeof ids / sizeof ids[0])];
        fmt_section sec = find_section(f, n, id);
        uint8_t *g = malloc(n);
        memcpy(g, f, n);
        for (int k = 0; k < 3; k++)
            g[sec.off + rng() % sec.len] ^= (uint8_t)(1u << (rng() % 8));
        rehash(g, n, id);
        spit("dmg.trw", g, n);
        char path[256];
        segment *s;
        err e;
        err_init(&e);
        snprintf(path, sizeof path, "%s/dmg.trw", g_dir);
        if (segment_open(&s, path, "dmg.trw", 2, &e) == TRAWL_OK) {
            walk_all(s);
            err_init(&e);
            caught += segment_check(s, &e) != TRAWL_OK;
            runs++;
            segment_close(s);
        }
        free(g);
    }
    printf("# rehashed damage: %d of %d opened files failed the deep check\n", caught, runs);
    assert_true(caught > runs / 2);
    free(f);
}

static void test_header_errors(void **state)
{
    (void)state;
    uint8_t *f;
    err e;
    size_t n = slurp("seg-000002.trw", &f);
    assert_int_equal(open_and_check("seg-000002.trw", 2, &e), TRAWL_OK);
    assert_int_equal(open_and_check("seg-000002.trw", 3, &e), TRAWL_ECORRUPT);
    assert_non_null(strstr(e.msg, "mismatch"));
    uint32_t v = FMT_VERSION + 1;
    memcpy(f + 8, &v, 4);
    spit("newer.trw", f, n);
    assert_int_equal(open_and_check("newer.trw", 2, &e), TRAWL_EVERSION);
    v = FMT_VERSION;
    memcpy(f + 8, &v, 4);
    f[12] = 1; /* reserved flags */
    spit("flags.trw", f, n);
    assert_int_equal(open_and_check("flags.trw", 2, &e), TRAWL_ECORRUPT);
    for (size_t i = 0; i < n; i++)
        f[i] = (uint8_t)(i * 31 + 7);
    spit("garbage.trw", f, n);
    assert_int_equal(open_and_check("garbage.trw", 2, &e), TRAWL_ENOTINDEX);
    spit("empty.trw", f, 0);
    assert_int_equal(open_and_check("empty.trw", 2, &e), TRAWL_ENOTINDEX);
    free(f);
}

static void write_small(const char *name, uint32_t n_docs, int with_term)
{
    segment_writer *w;
    err e;
    uint32_t pos[2] = {0, 3};
    err_init(&e);
    assert_int_equal(sw_open(&w, g_dir, name, 9, "none", 32, &e), TRAWL_OK);
    for (uint32_t d = 0; d < n_docs; d++)
        assert_int_equal(sw_add_doc(w, "only", 4, 0, d == 0 ? 4 : 0, "", 0, NULL), TRAWL_OK);
    if (with_term) {
        assert_int_equal(sw_term_begin(w, "x", 1), TRAWL_OK);
        assert_int_equal(sw_term_doc(w, 0, pos, 2), TRAWL_OK);
        assert_int_equal(sw_term_end(w), TRAWL_OK);
    }
    assert_int_equal(sw_finish(w, NULL), TRAWL_OK);
    sw_free(w);
}

/* A single-document segment, a segment without terms, and an empty segment. */
static void test_small_segments(void **state)
{
    (void)state;
    err e;
    write_small("one.trw", 1, 1);
    segment *s = open_seg("one.trw", 9);
    term_info ti;
    err_init(&e);
    assert_int_equal(dict_find(s, "x", 1, &ti, &e), 1);
    assert_int_equal(ti.df, 1);
    term_cursor c;
    const uint32_t *pos;
    uint32_t np;
    assert_int_equal(tc_open(&c, s, &ti, &e), TRAWL_OK);
    assert_int_equal(c.doc, 0);
    assert_int_equal(tc_freq(&c), 2);
    assert_int_equal(tc_positions(&c, &pos, &np), TRAWL_OK);
    assert_int_equal(np, 2);
    assert_int_equal(pos[0], 0);
    assert_int_equal(pos[1], 3);
    tc_shallow_seek(&c, 1);
    assert_int_equal(tc_block_last(&c), DOC_END);
    assert_int_equal(tc_next(&c), DOC_END);
    assert_int_equal(tc_positions(&c, &pos, &np), TRAWL_OK);
    assert_int_equal(np, 0);
    tc_close(&c);
    buf b;
    buf_init(&b);
    assert_int_equal(segment_doc_text(s, 0, &b, &e), TRAWL_OK);
    assert_int_equal(b.len, 0);
    assert_int_equal(segment_check(s, &e), TRAWL_OK);
    segment_close(s);
    write_small("noterms.trw", 3, 0);
    assert_int_equal(open_and_check("noterms.trw", 9, &e), TRAWL_OK);
    write_small("nodocs.trw", 0, 0);
    assert_int_equal(open_and_check("nodocs.trw", 9, &e), TRAWL_OK);
    s = open_seg("nodocs.trw", 9);
    assert_int_equal(dict_find(s, "x", 1, &ti, &e), 0);
    dict_iter it;
    const char *t;
    size_t len;
    assert_int_equal(dict_iter_seek(&it, s, "a", 1, &e), TRAWL_OK);
    assert_int_equal(dict_iter_next(&it, &t, &len, &ti, &e), 0);
    segment_close(s);
}

/* Lists shaped to hit every branch of the encoding: inline at and just past the limits, PFor
 * exceptions in doc gaps, tfs and positions (outliers among small values), and terms whose
 * shared prefix and suffix both need the Lens escape. Read back through dict and cursor. */
#define SH_DOCS 6000
#define SH_LEN  3000

static void shape_list(plist *p, const char *term, uint32_t seed)
{
    memset(p, 0, sizeof *p);
    snprintf(p->term, sizeof p->term, "%s", term);
    rng_state = seed;
    if (strstr(term, "inline")) { /* df 4, cf 16 (inline); "inline+" adds one position */
        for (uint32_t d = 0; d < 4; d++)
            for (uint32_t j = 0; j < (uint32_t)(4 + (d == 3 && strchr(term, '+'))); j++)
                plist_add(p, 1000 * d + 7, j * 100 + d);
        return;
    }
    if (strstr(term, "df5")) {
        for (uint32_t d = 0; d < 5; d++)
            plist_add(p, d * 3, d);
        return;
    }
    /* 300 docs: runs of neighbours with a few far jumps, tf mostly 1 with rare large ones,
     * positions mostly close together with some far apart. */
    uint32_t doc = 0;
    for (uint32_t k = 0; k < 300; k++) {
        doc += rng() % 50 == 0 ? 1 + rng() % 4000 / 300 * 20 : 1;
        uint32_t tf = rng() % 40 == 0 ? 200 + rng() % 600 : 1 + (rng() % 3 == 0);
        uint32_t pos = rng() % 10 == 0 ? rng() % (SH_LEN - 2000) : rng() % 20;
        for (uint32_t j = 0; j < tf && pos < SH_LEN; j++) {
            plist_add(p, doc, pos);
            pos += 1 + (rng() % 30 == 0 ? rng() % 60 : 0);
        }
    }
}

static void test_list_shapes(void **state)
{
    (void)state;
    static const char *const names[] = {
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-df5", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-inline",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-inline+",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-outliers-bbbbbbbbbbbbbbbbbbbb", "outliers"};
    enum { N = sizeof names / sizeof names[0] };
    plist lists[N];
    static uint32_t lens[SH_DOCS];
    segment_writer *w;
    err e;
    err_init(&e);
    assert_int_equal(sw_open(&w, g_dir, "shapes.trw", 5, "none", 64, &e), TRAWL_OK);
    for (uint32_t d = 0; d < SH_DOCS; d++) {
        lens[d] = SH_LEN;
        assert_int_equal(sw_add_doc(w, "d", 1, 0, SH_LEN, "", 0, NULL), TRAWL_OK);
    }
    for (size_t i = 0; i < N; i++) {
        size_t at = 0;
        shape_list(&lists[i], names[i], 11 + (uint32_t)i);
        assert_true(lists[i].docs[lists[i].n - 1] < SH_DOCS);
        assert_int_equal(sw_term_begin(w, names[i], strlen(names[i])), TRAWL_OK);
        for (size_t k = 0; k < lists[i].n; k++) {
            assert_int_equal(sw_term_doc(w, lists[i].docs[k], lists[i].pos + at, lists[i].tfs[k]),
                             TRAWL_OK);
            at += lists[i].tfs[k];
        }
        assert_int_equal(sw_term_end(w), TRAWL_OK);
    }
    assert_int_equal(sw_finish(w, NULL), TRAWL_OK);
    sw_free(w);
    segment *s = open_seg("shapes.trw", 5);
    for (size_t i = 0; i < N; i++) {
        term_info ti;
        assert_int_equal(dict_find(s, names[i], strlen(names[i]), &ti, &e), 1);
        assert_int_equal(ti.df, lists[i].n);
        assert_int_equal(ti.cf, lists[i].n_pos);
        assert_int_equal(ti.is_inline, strstr(names[i], "-inline") && !strchr(names[i], '+'));
        check_list_next(s, &lists[i], &ti);
        check_list_seek(s, &lists[i], &ti, lens);
        check_list_shallow(s, &lists[i], &ti, lens);
    }
    err_init(&e);
    assert_int_equal(segment_check(s, &e), TRAWL_OK);
    segment_close(s);
    for (size_t i = 0; i < N; i++) {
        free(lists[i].docs);
        free(lists[i].tfs);
        free(lists[i].pos);
    }
}

/* Damaged impacts of shapes.trw's 3-block "outliers" list, checksums rewritten: the deep
 * check refuses each (a bound below a document, slots out of order, a used slot after an
 * unused one, a first length that is not the block's shortest), and the shallow cursor still
 * reads them in bounds. */
static void test_impacts_damage(void **state)
{
    (void)state;
    static const char term[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-outliers-bbbbbbbbbbbbbbbbbbbb";
    uint8_t *f;
    size_t n = slurp("shapes.trw", &f);
    segment *s = open_seg("shapes.trw", 5);
    term_info ti;
    err e;
    err_init(&e);
    assert_int_equal(dict_find(s, term, strlen(term), &ti, &e), 1);
    segment_close(s);
    assert_true(ti.df > 2 * FMT_BLOCK_DOCS && !ti.is_inline);
    fmt_section post = find_section(f, n, FMT_SEC_POSTINGS);
    size_t at = post.off + ti.post_off + 3 * sizeof(fmt_skip); /* block 0's impacts */
    fmt_impact p0[FMT_IMPACTS];
    memcpy(p0, f + at, sizeof p0);
    assert_true(p0[0].tf >= 1 && p0[0].len >= 1);
    for (int k = 0; k < 4; k++) {
        uint8_t *g = malloc(n);
        memcpy(g, f, n);
        fmt_impact p[FMT_IMPACTS];
        memcpy(p, p0, sizeof p);
        if (k == 0) { /* every pair's tf 1: the block's tf > 1 documents stand above them */
            for (uint32_t j = 0; j < FMT_IMPACTS && p[j].tf; j++)
                p[j].tf = 1;
        } else if (k == 1) {
            /* all lengths are SH_LEN, so the frontier is one pair: a used slot after unused */
            p[FMT_IMPACTS - 1] = (fmt_impact){7, 9};
        } else if (k == 2) {
            p[0].len = (uint16_t)(p[0].len + 1);
        } else {
            memset(p, 0xff, sizeof p);
        }
        memcpy(g + at, p, sizeof p);
        rehash(g, n, FMT_SEC_POSTINGS);
        spit("imp.trw", g, n);
        segment *d = open_seg("imp.trw", 5);
        term_cursor c;
        err_init(&e);
        assert_int_equal(tc_open(&c, d, &ti, &e), TRAWL_OK);
        for (uint32_t t = 0; tc_block_last(&c) != DOC_END; t = tc_block_last(&c) + 1) {
            uint32_t tf[FMT_IMPACTS], len[FMT_IMPACTS];
            tc_shallow_seek(&c, t);
            uint32_t m = tc_block_impacts(&c, tf, len);
            assert_true(m >= 1 && m <= FMT_IMPACTS);
        }
        tc_close(&c);
        err_init(&e);
        assert_int_equal(segment_check(d, &e), TRAWL_ECORRUPT);
        assert_non_null(strstr(e.msg, "impacts"));
        segment_close(d);
        free(g);
    }
    free(f);
}

/* tests/data/segment-v2/skips.trw (written by the format 2 writer: fuzz_segment.c's seed
 * mode at commit 7b62653) and tests/fuzz/corpus/segment/skips (the same seed at format 3) hold
 * the same lists with skip tables. Both pass the deep check and read the same postings; the
 * version 2 blocks have no impacts, so their bound is the one pair (max tf, min length), and
 * the version 3 pairs bound every document of their block. Returns NULL if not found. */
static segment *open_data(const char *rel, uint64_t id)
{
    static const char *const up[] = {"", "../", "../../"};
    for (size_t i = 0; i < 3; i++) {
        char path[256];
        segment *s;
        err e;
        err_init(&e);
        snprintf(path, sizeof path, "%s%s", up[i], rel);
        if (access(path, R_OK) != 0) continue;
        int rc = segment_open(&s, path, rel, id, &e);
        if (rc != TRAWL_OK) fprintf(stderr, "%s\n", e.msg);
        assert_int_equal(rc, TRAWL_OK);
        return s;
    }
    return NULL;
}

static void test_v2_skips_read(void **state)
{
    (void)state;
    segment *v2 = open_data("tests/data/segment-v2/skips.trw", 7);
    segment *v3 = open_data("tests/fuzz/corpus/segment/skips", 7);
    assert_non_null(v2);
    assert_non_null(v3);
    err e;
    err_init(&e);
    assert_int_equal(v2->version, 2);
    assert_int_equal(v3->version, 3);
    assert_int_equal(segment_check(v2, &e), TRAWL_OK);
    assert_int_equal(segment_check(v3, &e), TRAWL_OK);
    int multi = 0;
    for (uint32_t t = 0; t < 3; t++) {
        char term[8];
        term_info t2, t3;
        term_cursor a, b;
        snprintf(term, sizeof term, "t%02u", t);
        assert_int_equal(dict_find(v2, term, strlen(term), &t2, &e), 1);
        assert_int_equal(dict_find(v3, term, strlen(term), &t3, &e), 1);
        assert_int_equal(tc_open(&a, v2, &t2, &e), TRAWL_OK);
        assert_int_equal(tc_open(&b, v3, &t3, &e), TRAWL_OK);
        assert_null(a.imp);
        multi += b.imp != NULL;
        while (a.doc != DOC_END) {
            uint32_t tf2[FMT_IMPACTS], len2[FMT_IMPACTS], tf3[FMT_IMPACTS], len3[FMT_IMPACTS];
            tc_shallow_seek(&a, a.doc);
            tc_shallow_seek(&b, b.doc);
            assert_int_equal(tc_block_impacts(&a, tf2, len2), 1);
            uint32_t m = tc_block_impacts(&b, tf3, len3), d = a.doc, j = 0;
            assert_int_equal(tf2[0], tc_block_max_tf(&b));
            assert_int_equal(len2[0], tc_block_min_len(&b));
            assert_int_equal(b.doc, d);
            assert_int_equal(tc_freq(&a), tc_freq(&b));
            assert_true(tc_freq(&a) <= tf2[0] && v2->doc_lens[d] >= len2[0]);
            while (j < m && !(tf3[j] >= tc_freq(&b) && len3[j] <= v3->doc_lens[d]))
                j++;
            assert_true(j < m);
            tc_next(&a);
            tc_next(&b);
        }
        assert_int_equal(b.doc, DOC_END);
        assert_int_equal(a.rc, TRAWL_OK);
        assert_int_equal(b.rc, TRAWL_OK);
        tc_close(&a);
        tc_close(&b);
    }
    assert_true(multi >= 1);
    segment_close(v2);
    segment_close(v3);
}

/* Protocol violations are TRAWL_EARG and sticky; sw_free removes the temporary file. */
static void test_writer_protocol(void **state)
{
    (void)state;
    segment_writer *w;
    err e;
    uint32_t pos[3] = {1, 1, 2};
    struct {
        int step;
    } cases[] = {{0}, {1}, {2}, {3}, {4}, {5}, {6}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        err_init(&e);
        assert_int_equal(sw_open(&w, g_dir, "bad.trw", 1, "none", 32, &e), TRAWL_OK);
        assert_int_equal(sw_add_doc(w, "a", 1, 0, 5, "t", 1, NULL), TRAWL_OK);
        assert_int_equal(sw_add_doc(w, "b", 1, 0, 5, "t", 1, NULL), TRAWL_OK);
        assert_int_equal(sw_term_begin(w, "m", 1), TRAWL_OK);
        int rc = TRAWL_OK;
        switch (k) {
        case 0:
            rc = sw_term_doc(w, 2, pos, 1);
            break; /* doc out of range */
        case 1:
            rc = sw_term_doc(w, 0, pos, 0);
            break; /* tf 0 */
        case 2:
            rc = sw_term_doc(w, 0, pos, 2);
            break; /* positions not increasing */
        case 3:
            sw_term_doc(w, 1, pos + 1, 2);
            rc = sw_term_doc(w, 0, pos, 1); /* docs not increasing */
            break;
        case 4:
            sw_term_doc(w, 0, pos, 1);
            sw_term_end(w);
            rc = sw_term_begin(w, "a", 1); /* terms not increasing */
            break;
        case 5:
            rc = sw_add_doc(w, "c", 1, 0, 1, "", 0, NULL);
            break; /* doc after terms */
        case 6: {
            uint32_t far = 5;
            rc = sw_term_doc(w, 0, &far, 1); /* position past the doc length */
            break;
        }
        }
        assert_int_equal(rc, TRAWL_EARG);
        assert_int_equal(sw_finish(w, NULL), TRAWL_EARG);
        sw_free(w);
    }
    assert_int_not_equal(access("/tmp", F_OK), -1);
    char path[256];
    snprintf(path, sizeof path, "%s/.bad.trw.tmp", g_dir);
    assert_int_equal(access(path, F_OK), -1);
    snprintf(path, sizeof path, "%s/bad.trw", g_dir);
    assert_int_equal(access(path, F_OK), -1);
}

/* A damaged list whose tfs claim billions of positions (the doc lengths allowing it) while its
 * positions block holds a few bytes: the cursor must refuse it as corrupt before sizing any
 * buffer by the claim (a 900-byte file once made it allocate ~16 GB). The segment is built in
 * memory so that exactly these bytes are damaged. */
static void test_positions_claim_bounded(void **state)
{
    (void)state;
    static const uint32_t tf_each[] = {800000000u, 1000u};
    for (size_t v = 0; v < sizeof tf_each / sizeof tf_each[0]; v++) {
        uint8_t post[64 + FMT_PAD] = {0}, pos[64 + FMT_PAD] = {0};
        uint32_t lens[5];
        size_t n = 0;
        for (uint32_t d = 0; d < 5; d++) { /* partial block: gap - 1 = 0 with tf != 1, tf - 2 */
            post[n++] = 0;
            n += codec_vbyte_put(post + n, tf_each[v] - 2);
            lens[d] = UINT32_MAX;
        }
        for (size_t k = 0; k < 8; k++) /* five first positions, then too few gaps */
            pos[k] = (uint8_t)k;
        segment s;
        memset(&s, 0, sizeof s);
        snprintf(s.name, sizeof s.name, "claim.trw");
        s.n_docs = 5;
        s.doc_lens = lens;
        s.sec[FMT_SEC_POSTINGS].p = post;
        s.sec[FMT_SEC_POSTINGS].len = n;
        s.sec[FMT_SEC_POSITIONS].p = pos;
        s.sec[FMT_SEC_POSITIONS].len = 8;
        term_info ti = {.df = 5,
                        .cf = 5ull * tf_each[v],
                        .max_tf = tf_each[v],
                        .min_len = UINT32_MAX,
                        .post_len = n,
                        .pos_len = 8};
        term_cursor c;
        const uint32_t *p;
        uint32_t np = 1;
        err e;
        err_init(&e);
        assert_int_equal(tc_open(&c, &s, &ti, &e), TRAWL_OK);
        assert_int_equal(tc_freq(&c), tf_each[v]);
        assert_int_equal(tc_positions(&c, &p, &np), TRAWL_ECORRUPT);
        assert_int_equal(np, 0);
        assert_int_equal(c.doc, DOC_END);
        assert_true(c.pos_cap <= 4096);
        assert_non_null(strstr(e.msg, "positions"));
        tc_close(&c);
    }
}

/* Terms sharing their first 4 bytes across many dictionary blocks ("abcd000".."abcd099"), and
 * block-first terms shorter than 4 bytes (zero-padded keys): the index keys tie and the
 * binary search must fall back to the first terms. */
#define DK_MAX 200

static int dk_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static size_t dk_vocab(char (*words)[16], const char **terms)
{
    size_t n = 0;
    const char *fixed[] = {"a", "ab", "abc", "abcd", "abcd05", "abc~", "b", "zz"};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        snprintf(words[n++], 16, "%s", fixed[i]);
    for (int i = 0; i < 100; i++)
        snprintf(words[n++], 16, "abcd%03d", i);
    for (char c = '0'; c <= '9'; c++)
        snprintf(words[n++], 16, "abc%c", c);
    for (char c = 'd'; c <= 'z'; c++)
        snprintf(words[n++], 16, "ab%c", c);
    for (size_t i = 0; i < n; i++)
        terms[i] = words[i];
    qsort(terms, n, sizeof *terms, dk_cmp);
    return n;
}

static void dk_write(const char *name, const char **terms, size_t n)
{
    segment_writer *w;
    err e;
    err_init(&e);
    assert_int_equal(sw_open(&w, g_dir, name, 5, "none", 32, &e), TRAWL_OK);
    for (uint32_t d = 0; d < 4; d++)
        assert_int_equal(sw_add_doc(w, "d", 1, 0, 1000, "", 0, NULL), TRAWL_OK);
    for (size_t i = 0; i < n; i++) {
        uint32_t pos = (uint32_t)i;
        assert_int_equal(sw_term_begin(w, terms[i], strlen(terms[i])), TRAWL_OK);
        assert_int_equal(sw_term_doc(w, (uint32_t)i % 4, &pos, 1), TRAWL_OK);
        assert_int_equal(sw_term_end(w), TRAWL_OK);
    }
    assert_int_equal(sw_finish(w, NULL), TRAWL_OK);
    sw_free(w);
}

/* dict_find of probe agrees with a search of the vocabulary. */
static void dk_probe(const segment *s, const char **terms, size_t n, const char *probe)
{
    term_info ti;
    err e;
    err_init(&e);
    const char **hit = bsearch(&probe, terms, n, sizeof *terms, dk_cmp);
    int rc = dict_find(s, probe, strlen(probe), &ti, &e);
    if (rc != (hit != NULL)) fprintf(stderr, "dict_find(\"%s\") = %d\n", probe, rc);
    assert_int_equal(rc, hit != NULL);
    if (hit) {
        assert_int_equal(ti.df, 1);
        assert_int_equal(ti.cf, 1);
    }
}

static void test_dict_index_keys(void **state)
{
    (void)state;
    char words[DK_MAX][16];
    const char *terms[DK_MAX];
    size_t n = dk_vocab(words, terms);
    dk_write("keys.trw", terms, n);
    segment *s = open_seg("keys.trw", 5);
    assert_true(s->n_dict_blocks > 8);
    for (size_t i = 0; i < n; i++) {
        char p[20];
        size_t len = strlen(terms[i]);
        dk_probe(s, terms, n, terms[i]);
        snprintf(p, sizeof p, "%s!", terms[i]); /* just above the term */
        dk_probe(s, terms, n, p);
        snprintf(p, sizeof p, "%s~", terms[i]);
        dk_probe(s, terms, n, p);
        snprintf(p, sizeof p, "%.*s", (int)len - 1, terms[i]); /* a prefix of it */
        if (len > 1) dk_probe(s, terms, n, p);
        snprintf(p, sizeof p, "%.*s%c", (int)len - 1, terms[i], terms[i][len - 1] - 1);
        dk_probe(s, terms, n, p);
    }
    dict_iter it;
    const char *t;
    size_t tlen;
    term_info ti;
    err e;
    err_init(&e);
    assert_int_equal(dict_iter_seek(&it, s, "abcd050!", 8, &e), TRAWL_OK);
    assert_int_equal(dict_iter_next(&it, &t, &tlen, &ti, &e), 1);
    assert_string_equal(t, "abcd051");
    assert_int_equal(segment_check(s, &e), TRAWL_OK);
    segment_close(s);
}

/* A stored key that differs from its block's first term passes open (lookups may go wrong,
 * never out of bounds) but not segment_check; a block offset out of order fails open. */
static void test_dict_index_damage(void **state)
{
    (void)state;
    char words[DK_MAX][16];
    const char *terms[DK_MAX];
    size_t n = dk_vocab(words, terms);
    dk_write("keys.trw", terms, n);
    uint8_t *f;
    size_t len = slurp("keys.trw", &f);
    fmt_section ix = find_section(f, len, FMT_SEC_DICT_INDEX);
    assert_true(ix.len >= 8 * sizeof(fmt_dict_ix));
    err e;
    for (uint32_t b = 0; b < 3; b++) { /* the last key byte of blocks 0, 3, 6 */
        f[ix.off + 3 * b * sizeof(fmt_dict_ix) + 7] ^= 0x01;
        rehash(f, len, FMT_SEC_DICT_INDEX);
        spit("badkey.trw", f, len);
        assert_int_equal(open_and_check("badkey.trw", 5, &e), TRAWL_ECORRUPT);
        assert_non_null(strstr(e.msg, "key differs"));
        segment *s = open_seg("badkey.trw", 5);
        walk_all(s);
        segment_close(s);
        f[ix.off + 3 * b * sizeof(fmt_dict_ix) + 7] ^= 0x01;
    }
    uint32_t off;
    memcpy(&off, f + ix.off + 2 * sizeof(fmt_dict_ix), 4); /* block 1 starts at block 2 */
    memcpy(f + ix.off + sizeof(fmt_dict_ix), &off, 4);
    rehash(f, len, FMT_SEC_DICT_INDEX);
    spit("badoff.trw", f, len);
    char path[256];
    segment *s = NULL;
    snprintf(path, sizeof path, "%s/badoff.trw", g_dir);
    err_init(&e);
    assert_int_equal(segment_open(&s, path, "badoff.trw", 5, &e), TRAWL_ECORRUPT);
    assert_non_null(strstr(e.msg, "not increasing"));
    free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_small_segments),
        cmocka_unit_test(test_list_shapes),
        cmocka_unit_test(test_impacts_damage),
        cmocka_unit_test(test_v2_skips_read),
        cmocka_unit_test(test_writer_protocol),
        cmocka_unit_test(test_flip_each_section),
        cmocka_unit_test(test_truncate),
        cmocka_unit_test(test_damage_rehashed),
        cmocka_unit_test(test_header_errors),
        cmocka_unit_test(test_positions_claim_bounded),
        cmocka_unit_test(test_dict_index_keys),
        cmocka_unit_test(test_dict_index_damage),
    };
    int rc = setup_seg(NULL);
    rc |= cmocka_run_group_tests(tests, NULL, NULL);
    teardown_seg(NULL);
    return rc;
}
