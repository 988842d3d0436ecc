/* terms: trawl_terms_* (trawl.h), the vocabulary of an opened index. Merges the dictionaries of
 * every segment (each sorted, read through dict_iter) into one sorted walk: each step takes the
 * smallest current term of all segments and sums its statistics over the segments that hold
 * it. O(segments) per term; nothing is decoded but dictionary blocks. */
#include "dict.h"
#include "err.h"
#include "grams.h"
#include "index.h"
#include "sized.h"
#include "trawl.h"

#include <stdlib.h>
#include <string.h>

#define TERMS_1_0 SIZED_END(trawl_term, cf_is_exact)

/* One segment's walk: its dictionary iterator and its current term. */
typedef struct terms_seg {
    dict_iter it;
    const char *t; /**< current term (in it), valid while has */
    size_t len;
    term_info ti;
    int has; /**< a current term (0: the segment's dictionary is done) */
} terms_seg;

struct trawl_terms {
    const trawl_index *idx;
    terms_seg *segs;                /**< [idx->n_segs] */
    char prefix[DICT_MAX_TERM + 1]; /**< only terms starting with it */
    size_t prefix_len;
    char term[DICT_MAX_TERM + 1]; /**< the term trawl_terms_next returned last */
    err e;                        /**< sticky: after a failure every next returns it */
};

/* Moves segment i to its next term. */
static int terms_advance(trawl_terms *ts, size_t i)
{
    terms_seg *g = &ts->segs[i];
    int r = dict_iter_next(&g->it, &g->t, &g->len, &g->ti, &ts->e);
    g->has = r == 1;
    return r < 0 ? r : TRAWL_OK;
}

int trawl_terms_open(trawl_terms **out, const trawl_index *idx, const char *prefix,
                     size_t prefix_len)
{
    *out = NULL;
    if (!idx || (!prefix && prefix_len) || prefix_len > DICT_MAX_TERM) return TRAWL_EARG;
    trawl_terms *ts = calloc(1, sizeof *ts);
    if (!ts || !(ts->segs = calloc(idx->n_segs + 1, sizeof *ts->segs))) {
        free(ts);
        return TRAWL_ENOMEM;
    }
    ts->idx = idx;
    err_init(&ts->e);
    if (prefix_len) memcpy(ts->prefix, prefix, prefix_len);
    ts->prefix_len = prefix_len;
    int rc = TRAWL_OK;
    for (size_t i = 0; i < idx->n_segs && rc == TRAWL_OK; i++) {
        /* without a prefix, from the first word: phrase grams sort below every word */
        rc = dict_iter_seek(&ts->segs[i].it, idx->segs[i].seg, prefix_len ? ts->prefix : GRAMS_END,
                            prefix_len ? prefix_len : 1, &ts->e);
        if (rc == TRAWL_OK) rc = terms_advance(ts, i);
    }
    *out = ts; /* a failure is sticky: the first next returns it, errmsg says why */
    return rc;
}

/* The smallest current term of all segments, or -1 when every one is done. */
static long terms_min(const trawl_terms *ts)
{
    long best = -1;
    for (size_t i = 0; i < ts->idx->n_segs; i++) {
        const terms_seg *g = &ts->segs[i];
        if (!g->has) continue;
        if (best < 0) {
            best = (long)i;
            continue;
        }
        const terms_seg *b = &ts->segs[best];
        size_t n = g->len < b->len ? g->len : b->len;
        int c = memcmp(g->t, b->t, n);
        if (c < 0 || (c == 0 && g->len < b->len)) best = (long)i;
    }
    return best;
}

/* Sums the statistics of term (the smallest current one) over the segments holding it, and
 * moves those segments on. Live df: the segment's df less its deleted documents holding it. */
static int terms_take(trawl_terms *ts, size_t len, trawl_term *t)
{
    memset(t, 0, sizeof *t);
    t->cf_is_exact = 1;
    for (size_t i = 0; i < ts->idx->n_segs; i++) {
        terms_seg *g = &ts->segs[i];
        if (!g->has || g->len != len || memcmp(g->t, ts->term, len) != 0) continue;
        const index_seg *s = &ts->idx->segs[i];
        uint32_t del = 0;
        if (s->live && liv_term_df(s->live, ts->term, len, &del, &ts->e) != TRAWL_OK)
            return ts->e.rc;
        if (del > g->ti.df)
            return err_set(&ts->e, TRAWL_ECORRUPT,
                           "%s: term \"%.*s\" in %u deleted documents of %u", s->live->name,
                           (int)len, ts->term, del, g->ti.df);
        t->df += g->ti.df - del;
        t->cf += g->ti.cf;
        if (del) t->cf_is_exact = 0;
        if (terms_advance(ts, i) < 0) return ts->e.rc;
    }
    return TRAWL_OK;
}

static int terms_next(trawl_terms *ts, trawl_term *t)
{
    while (ts->e.rc == TRAWL_OK) {
        long m = terms_min(ts);
        if (m < 0) return TRAWL_ENOTFOUND;
        const terms_seg *g = &ts->segs[m];
        if (g->len < ts->prefix_len || memcmp(g->t, ts->prefix, ts->prefix_len) != 0)
            return TRAWL_ENOTFOUND; /* sorted: no later term has the prefix either */
        size_t len = g->len;
        memcpy(ts->term, g->t, len);
        ts->term[len] = '\0';
        if (terms_take(ts, len, t) != TRAWL_OK) break;
        if (t->df == 0) continue; /* only in deleted documents */
        t->term = ts->term;
        t->len = len;
        return TRAWL_OK;
    }
    return ts->e.rc;
}

int trawl_terms_next_sized(trawl_terms *ts, trawl_term *out, size_t out_size)
{
    trawl_term t;
    if (!ts || !out || !sized_ok(out_size, TERMS_1_0)) return TRAWL_EARG;
    int rc = terms_next(ts, &t);
    if (rc == TRAWL_OK) sized_copy_out(out, out_size, &t, sizeof t);
    return rc;
}

const char *trawl_terms_errmsg(const trawl_terms *ts)
{
    return ts ? ts->e.msg : "";
}

void trawl_terms_close(trawl_terms *ts)
{
    if (!ts) return;
    free(ts->segs);
    free(ts);
}
