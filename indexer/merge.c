/* merge: a binary min-heap of sources ordered by (current term, source index). Popping in that
 * order hands the sources holding the smallest term over one by one in source order, which is
 * exactly the concatenation order their doc ids require. */
#include "merge.h"

#include <stdlib.h>
#include <string.h>

typedef struct merge_heap {
    spill_src *const *srcs;
    size_t *h; /**< source indices; h[0] is the smallest (term, index) */
    size_t n;
} merge_heap;

/* Orders sources a and b by current term bytes, then by index. */
static int merge_less(const merge_heap *m, size_t a, size_t b)
{
    size_t la, lb;
    const char *ta = spill_src_term(m->srcs[a], &la);
    const char *tb = spill_src_term(m->srcs[b], &lb);
    int c = memcmp(ta, tb, la < lb ? la : lb);
    if (c) return c < 0;
    if (la != lb) return la < lb;
    return a < b;
}

static void merge_sift_down(merge_heap *m, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, s = i;
        if (l < m->n && merge_less(m, m->h[l], m->h[s])) s = l;
        if (r < m->n && merge_less(m, m->h[r], m->h[s])) s = r;
        if (s == i) return;
        size_t t = m->h[i];
        m->h[i] = m->h[s];
        m->h[s] = t;
        i = s;
    }
}

/* Advances the source at the heap top to its next term, dropping it when exhausted. */
static int merge_advance_top(merge_heap *m)
{
    int r = spill_src_next_term(m->srcs[m->h[0]]);
    if (r < 0) return r;
    if (r == 0) m->h[0] = m->h[--m->n];
    if (m->n) merge_sift_down(m, 0);
    return TRAWL_OK;
}

/* Copies every posting of source s's current term to the sink; *last is the previous doc
 * emitted for this term (UINT32_MAX before the first, doc ids never reach it). */
static int merge_copy(spill_src *s, const merge_sink *sink, uint32_t *last, err *e)
{
    uint32_t doc, tf;
    const uint32_t *pos;
    int r;
    while ((r = spill_src_next_doc(s, &doc, &pos, &tf)) > 0) {
        if (*last != UINT32_MAX && doc <= *last)
            return err_set(e, TRAWL_ECORRUPT, "merge: doc %u after doc %u in one term", doc, *last);
        *last = doc;
        if ((r = sink->doc(sink->ctx, doc, pos, tf)) < 0) return r;
    }
    return r;
}

int merge_run(spill_src *const *srcs, size_t n, const merge_sink *sink, uint64_t *n_terms, err *e)
{
    merge_heap m = {srcs, malloc((n ? n : 1) * sizeof(size_t)), 0};
    char term[256];
    uint64_t count = 0;
    int rc = TRAWL_OK;
    if (!m.h) return err_set(e, TRAWL_ENOMEM, "out of memory merging %zu runs", n);
    for (size_t i = 0; i < n && rc == TRAWL_OK; i++) {
        int r = spill_src_next_term(srcs[i]);
        if (r < 0)
            rc = r;
        else if (r > 0)
            m.h[m.n++] = i;
    }
    for (size_t i = m.n / 2; i-- > 0;)
        merge_sift_down(&m, i);
    while (rc == TRAWL_OK && m.n > 0) {
        size_t len, l2;
        const char *top = spill_src_term(srcs[m.h[0]], &len);
        memcpy(term, top, len);
        uint32_t last = UINT32_MAX;
        rc = sink->term_begin(sink->ctx, term, len);
        /* Every source whose current term equals term, in source order (heap order). */
        while (rc == TRAWL_OK && m.n > 0) {
            const char *t = spill_src_term(srcs[m.h[0]], &l2);
            if (l2 != len || memcmp(t, term, len) != 0) break;
            rc = merge_copy(srcs[m.h[0]], sink, &last, e);
            if (rc == TRAWL_OK) rc = merge_advance_top(&m);
        }
        if (rc == TRAWL_OK) rc = sink->term_end(sink->ctx);
        count++;
    }
    free(m.h);
    if (n_terms) *n_terms = count;
    return rc;
}

static int merge_run_begin(void *ctx, const char *term, size_t len)
{
    return spill_writer_term_begin(ctx, term, len);
}

static int merge_run_doc(void *ctx, uint32_t doc, const uint32_t *pos, uint32_t tf)
{
    return spill_writer_doc(ctx, doc, pos, tf);
}

static int merge_run_end(void *ctx)
{
    return spill_writer_term_end(ctx);
}

merge_sink merge_sink_run(spill_writer *w)
{
    return (merge_sink){w, merge_run_begin, merge_run_doc, merge_run_end};
}
