/* test_apool: the analysis pool hands every document back in the order it was put, its
 * postings holding the very tokens and positions the analyzer gives inline (each term once,
 * in first-seen order), with its length and invalid-byte count, whatever
 * the worker count; enough documents to fill the batch ring many times over (so the caller
 * also analyses batches itself); a replay error stops the pool, sticks, and frees cleanly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "analyzer.h"
#include "apool.h"
#include "buf.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_DOCS 3000

static const char *const words[] = {"Running", "runs",    "the",    "Über",   "naïve", "x",
                                    "déjà",    "vu",      "kernel", "memory", "2024",  "don't",
                                    "e-mail",  "ΣΊΣΥΦΟΣ", "caffè",  "ran"};

/* Document i: a few hundred words drawn from words[], some documents with invalid bytes,
 * one in fifty long (several batches' worth of text in one document), some empty. */
static void make_doc(buf *b, unsigned i, uint64_t *rng)
{
    b->len = 0;
    size_t n = i % 97 == 0 ? 0 : i % 50 == 0 ? 60000 : 20 + tu_rand(rng) % 300;
    for (size_t k = 0; k < n; k++) {
        const char *w = words[tu_rand(rng) % (sizeof words / sizeof *words)];
        buf_put(b, w, strlen(w));
        buf_put_u8(b, k % 13 == 0 ? '\n' : ' ');
        if (i % 7 == 3 && k == n / 2) buf_put(b, "\xff\xfe", 2);
    }
}

/* The tokens the analyzer gives inline for one document, in position order: "term@pos " */
static int expect_token(void *ctx, const token *t)
{
    buf *b = ctx;
    char at[16];
    buf_put(b, t->term, t->len);
    snprintf(at, sizeof at, "@%u ", t->pos);
    buf_put(b, at, strlen(at));
    return 0;
}

typedef struct tok_at {
    uint32_t pos;
    const char *term;
    uint32_t len;
} tok_at;

static int cmp_pos(const void *a, const void *b)
{
    const tok_at *x = a, *y = b;
    return (x->pos > y->pos) - (x->pos < y->pos);
}

/* Reads d's postings back into "term@pos " tokens in position order, checking on the way
 * that each term comes once, in first-seen order, with tf increasing positions. */
static void postings_as_tokens(const ap_doc *d, buf *out)
{
    tok_at *toks = malloc((d->n_tokens + 1) * sizeof *toks);
    assert_non_null(toks);
    size_t n = 0;
    uint32_t prev_first = 0, n_terms = 0;
    const uint8_t *p = d->toks, *pos;
    const char *term;
    uint32_t len, tf;
    size_t n_pos;
    while (ap_next_posting(&p, d->toks_end, &term, &len, &tf, &pos, &n_pos)) {
        const uint8_t *q = pos, *end = pos + n_pos;
        uint32_t at = 0;
        assert_true(len > 0 && tf > 0);
        for (uint32_t k = 0; k < tf; k++) {
            uint32_t gap = 0;
            for (unsigned shift = 0; q < end; shift += 7) {
                uint8_t b = *q++;
                gap |= (uint32_t)(b & 0x7f) << shift;
                if (b < 0x80) break;
            }
            assert_true(k == 0 || gap > 0);
            at += gap;
            if (k == 0) {
                assert_true(n_terms == 0 || at > prev_first); /* first-seen order */
                prev_first = at;
            }
            assert_true(n < d->n_tokens && at < d->n_tokens);
            toks[n++] = (tok_at){at, term, len};
        }
        assert_ptr_equal(q, end);
        for (size_t j = 0; j + tf < n; j++) /* a term comes once */
            assert_false(toks[j].len == len && memcmp(toks[j].term, term, len) == 0);
        n_terms++;
    }
    assert_ptr_equal(p, d->toks_end);
    qsort(toks, n, sizeof *toks, cmp_pos);
    for (size_t i = 0; i < n; i++) {
        char at[16];
        buf_put(out, toks[i].term, toks[i].len);
        snprintf(at, sizeof at, "@%u ", toks[i].pos);
        buf_put(out, at, strlen(at));
    }
    free(toks);
}

typedef struct replay_check {
    analyzer *an;
    uint64_t rng;
    unsigned next; /**< document expected next */
    unsigned fail_at;
    buf text;
} replay_check;

static int check_doc(void *ctx, const ap_doc *d)
{
    replay_check *c = ctx;
    char id[32];
    unsigned i = c->next++;
    if (i == c->fail_at) return TRAWL_EIO;
    make_doc(&c->text, i, &c->rng);
    snprintf(id, sizeof id, "doc-%u", i);
    assert_int_equal(d->id_len, strlen(id));
    assert_memory_equal(d->id, id, d->id_len);
    assert_int_equal(d->date, i * 3);
    assert_int_equal(d->src.hash, (uint64_t)i * 7919);
    assert_int_equal(d->text_len, c->text.len);
    if (d->text_len) assert_memory_equal(d->text, c->text.p, d->text_len);
    buf want, got;
    uint32_t nt;
    size_t ni;
    buf_init(&want);
    buf_init(&got);
    assert_int_equal(
        analyzer_run(c->an, (const char *)c->text.p, c->text.len, 0, expect_token, &want, &nt, &ni),
        0);
    assert_int_equal(d->n_tokens, nt);
    assert_int_equal(d->n_invalid, ni);
    assert_int_equal(d->n_invalid > 0, i % 7 == 3 && c->text.len > 0);
    postings_as_tokens(d, &got);
    assert_int_equal(got.len, want.len);
    if (want.len) assert_memory_equal(got.p, want.p, want.len);
    buf_free(&want);
    buf_free(&got);
    return 0;
}

/* Puts N_DOCS documents; checks that all come back in order (or that fail_at stops the pool). */
static int run_pool(unsigned workers, unsigned fail_at, unsigned *replayed)
{
    replay_check c = {.rng = 42, .fail_at = fail_at};
    uint64_t rng = 42;
    buf text;
    apool *p;
    err e = {0};
    char id[32];
    buf_init(&text);
    buf_init(&c.text);
    assert_int_equal(analyzer_new(&c.an, "english", 0, &e), TRAWL_OK);
    assert_int_equal(ap_new(&p, "english", 0, NULL, workers, 0, check_doc, &c, &e), TRAWL_OK);
    int rc = TRAWL_OK;
    for (unsigned i = 0; i < N_DOCS && rc == TRAWL_OK; i++) {
        make_doc(&text, i, &rng);
        fmt_src src = {.hash = (uint64_t)i * 7919};
        snprintf(id, sizeof id, "doc-%u", i);
        rc = ap_put(p, id, strlen(id), i * 3, (const char *)text.p, text.len, &src);
    }
    if (rc == TRAWL_OK) rc = ap_flush(p);
    if (rc != TRAWL_OK) { /* sticky */
        fmt_src src = {0};
        assert_int_equal(ap_put(p, "z", 1, 0, "z", 1, &src), rc);
        assert_int_equal(ap_flush(p), rc);
    }
    ap_free(p);
    analyzer_free(c.an);
    buf_free(&text);
    buf_free(&c.text);
    *replayed = c.next;
    return rc;
}

static void test_order_and_tokens(void **state)
{
    (void)state;
    for (unsigned workers = 1; workers <= 3; workers++) {
        unsigned n;
        assert_int_equal(run_pool(workers, UINT32_MAX, &n), TRAWL_OK);
        assert_int_equal(n, N_DOCS);
    }
}

static void test_replay_error_sticks(void **state)
{
    (void)state;
    unsigned n;
    assert_int_equal(run_pool(2, 1234, &n), TRAWL_EIO);
    assert_int_equal(n, 1235); /* nothing replayed after the failing document */
    assert_int_equal(run_pool(1, 0, &n), TRAWL_EIO);
    assert_int_equal(n, 1);
}

static void test_bad_language(void **state)
{
    (void)state;
    apool *p = (apool *)1;
    err e = {0};
    assert_int_equal(ap_new(&p, "klingon", 0, NULL, 2, 0, check_doc, NULL, &e), TRAWL_EARG);
    assert_null(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_and_tokens),
        cmocka_unit_test(test_replay_error_sticks),
        cmocka_unit_test(test_bad_language),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
