/* libFuzzer target for the query parser (qp_parse). Input: byte 0 selects default_or (bit 0),
 * the rest up to the first NUL is the query. Beyond "no crash, no sanitizer report" it checks:
 *   success: a root; every node kind valid; columns within the query; a term's length equal to
 *            its string's; phrases of >= 2 terms with offsets starting at 0 and increasing;
 *            slop bounded; every Q_BOOL with a positive clause and >= 2 children (single ones
 *            collapse); no NULL child; Q_ALL only as root and only with a date filter; at most
 *            1024 terms in all; tree depth bounded; date bounds calendar-shaped and ordered.
 *   failure: TRAWL_EQUERY, no root, a message, 1 <= column <= length + 1. */
#include "qparse.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FQ_CHECK(cond)                 \
    do {                               \
        if (!(cond)) __builtin_trap(); \
    } while (0)

static analyzer *fq_an;
static arena fq_arena;

static void fq_check_date(uint32_t d)
{
    if (d == 0) return;
    FQ_CHECK(d >= 10101 && d <= 99991231);
    FQ_CHECK(d / 100 % 100 >= 1 && d / 100 % 100 <= 12);
    FQ_CHECK(d % 100 >= 1 && d % 100 <= 31);
}

static void fq_check_leaf(const qnode *n)
{
    FQ_CHECK(n->n_terms >= 1 && n->terms && n->lens && n->offsets);
    for (uint32_t i = 0; i < n->n_terms; i++) {
        FQ_CHECK(n->terms[i] && n->lens[i] > 0);
        FQ_CHECK(strlen(n->terms[i]) == n->lens[i]);
    }
    if (n->kind == Q_PHRASE) {
        FQ_CHECK(n->n_terms >= 2 && n->offsets[0] == 0 && n->slop <= 10000);
        for (uint32_t i = 1; i < n->n_terms; i++)
            FQ_CHECK(n->offsets[i] > n->offsets[i - 1]);
    } else {
        FQ_CHECK(n->n_terms == 1 && n->slop == 0);
    }
}

/* Walks the tree; returns the number of terms under n. */
static uint32_t fq_walk(const qnode *n, size_t len, int depth)
{
    FQ_CHECK(n && depth < 200);
    FQ_CHECK(n->col >= 1 && n->col <= len);
    switch (n->kind) {
    case Q_TERM:
    case Q_PHRASE:
    case Q_PREFIX:
    case Q_FUZZY:
        fq_check_leaf(n);
        FQ_CHECK(n->kind != Q_FUZZY || (n->n_terms == 1 && n->max_edits >= 1 && n->max_edits <= 2));
        return n->n_terms;
    case Q_BOOL: {
        uint32_t total = n->n_must + n->n_should + n->n_must_not, terms = 0;
        FQ_CHECK(n->n_must + n->n_should >= 1 && total >= 2);
        for (uint32_t i = 0; i < n->n_must; i++)
            terms += fq_walk(n->must[i], len, depth + 1);
        for (uint32_t i = 0; i < n->n_should; i++)
            terms += fq_walk(n->should[i], len, depth + 1);
        for (uint32_t i = 0; i < n->n_must_not; i++)
            terms += fq_walk(n->must_not[i], len, depth + 1);
        return terms;
    }
    case Q_ALL:
        FQ_CHECK(depth == 0);
        return 0;
    }
    FQ_CHECK(0 && "bad node kind");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!fq_an) {
        err e;
        err_init(&e);
        if (analyzer_new(&fq_an, "english", 0, &e) != TRAWL_OK) abort();
        arena_init(&fq_arena);
    }
    if (size == 0) return 0;
    char *text = malloc(size);
    if (!text) return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    size_t len = strlen(text);
    query q;
    uint32_t col = 12345;
    err e;
    err_init(&e);
    arena_reset(&fq_arena);
    int rc = qp_parse(text, data[0] & 1, fq_an, &fq_arena, &q, &col, &e);
    if (rc == TRAWL_OK) {
        FQ_CHECK(col == 0 && e.rc == TRAWL_OK);
        FQ_CHECK(fq_walk(q.root, len, 0) <= 1024);
        FQ_CHECK(q.root->kind != Q_ALL || q.date_from || q.date_to);
        fq_check_date(q.date_from);
        fq_check_date(q.date_to);
        FQ_CHECK(!q.date_from || !q.date_to || q.date_from <= q.date_to);
    } else {
        FQ_CHECK(rc == TRAWL_EQUERY && e.rc == rc && e.msg[0] != '\0');
        FQ_CHECK(q.root == NULL);
        FQ_CHECK(col >= 1 && col <= len + 1);
    }
    free(text);
    return 0;
}
