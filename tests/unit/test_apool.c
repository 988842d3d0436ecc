/* test_apool: the analysis pool hands every document back in the order it was put, with the
 * very tokens, positions, lengths and invalid-byte counts the analyzer gives inline, whatever
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

/* What the analyzer gives inline for one document: its token stream in apool's layout. */
typedef struct expect {
    buf toks;
    uint32_t prev;
} expect;

static int expect_token(void *ctx, const token *t)
{
    expect *x = ctx;
    buf_put_u8(&x->toks, (uint8_t)t->len);
    buf_put_vu32(&x->toks, t->pos - x->prev);
    buf_put(&x->toks, t->term, t->len);
    x->prev = t->pos;
    return 0;
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
    expect x = {{0}, 0};
    uint32_t nt;
    size_t ni;
    assert_int_equal(
        analyzer_run(c->an, (const char *)c->text.p, c->text.len, 0, expect_token, &x, &nt, &ni),
        0);
    assert_int_equal(d->n_tokens, nt);
    assert_int_equal(d->n_invalid, ni);
    assert_int_equal(d->n_invalid > 0, i % 7 == 3 && c->text.len > 0);
    assert_int_equal((size_t)(d->toks_end - d->toks), x.toks.len);
    if (x.toks.len) assert_memory_equal(d->toks, x.toks.p, x.toks.len);
    /* and ap_next_token reads back the positions the analyzer gave */
    const uint8_t *p = d->toks;
    const char *term;
    uint32_t len, pos = 0, n = 0, last = 0;
    while (ap_next_token(&p, d->toks_end, &term, &len, &pos)) {
        assert_true(len > 0 && (n == 0 || pos > last));
        last = pos;
        n++;
    }
    assert_true(n <= nt && (n == 0 || last < nt));
    buf_free(&x.toks);
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
    assert_int_equal(ap_new(&p, "english", 0, workers, check_doc, &c, &e), TRAWL_OK);
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
    assert_int_equal(ap_new(&p, "klingon", 0, 2, check_doc, NULL, &e), TRAWL_EARG);
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
