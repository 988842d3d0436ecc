/* runmerge: the final merge of runs by term ranges on several threads (contract in
 * runmerge.h). A range's records are, per term: its length (one byte), its bytes, and its list
 * as te_put_record writes it. */
#include "runmerge.h"

#include "merge.h"
#include "termpool.h"

#include <stdlib.h>
#include <string.h>

#define RM_RANGE_MAX (1u << 20)   /* bytes of runs a range reads, at most */
#define RM_RANGE_MIN (256u << 10) /* and at least, whatever the budget */
#define RM_BUF_MIN   (16u << 10)
#define RM_BUF_MAX   (1u << 20)

typedef struct rm_key {
    const char *t;
    uint32_t len;
} rm_key;

typedef struct rm {
    char *const *runs;
    const spill_dir *dirs;
    size_t n;
    segment_writer *sw;
    const uint32_t *lens; /**< document lengths, from the writer */
    uint32_t n_docs;
    double avgdl;
    rm_key *splits; /**< range c is [splits[c - 1], splits[c]): from "" and to the end */
    size_t n_splits;
    size_t every;   /**< directory entries (SPILL_DIR_STEP bytes each) per range */
    size_t bufsize; /**< read buffer of one range of one run */
} rm;

/* One range being encoded: the merge sink's state. */
typedef struct rm_enc {
    const rm *m;
    tp_scratch *x;
    buf *out;
    const char **why;
    char term[256];
    size_t len;
} rm_enc;

static int rm_term_begin(void *ctx, const char *term, size_t len)
{
    rm_enc *r = ctx;
    memcpy(r->term, term, len);
    r->len = len;
    te_begin(&r->x->te);
    return TRAWL_OK;
}

static int rm_doc(void *ctx, uint32_t doc, const uint32_t *pos, uint32_t tf)
{
    rm_enc *r = ctx;
    return te_doc(&r->x->te, doc, pos, tf, r->m->lens, r->m->n_docs, r->why);
}

static int rm_term_end(void *ctx)
{
    rm_enc *r = ctx;
    te_list l;
    int rc = te_end(&r->x->te, r->m->lens, r->m->avgdl, &l, r->why);
    if (rc != TRAWL_OK) return rc;
    buf_put_u8(r->out, (uint8_t)r->len);
    buf_put(r->out, r->term, r->len);
    return te_put_record(r->out, &l) < 0 ? TRAWL_ENOMEM : TRAWL_OK;
}

/* Merges and encodes range c of every run into out. An error's message goes into out (the
 * slot's, read by the caller before the slot is reused) and *why points at it. */
static int rm_encode(void *ctx, size_t c, tp_scratch *x, buf *out, const char **why)
{
    const rm *m = ctx;
    rm_key lo = c ? m->splits[c - 1] : (rm_key){"", 0};
    const rm_key *hi = c < m->n_splits ? &m->splits[c] : NULL;
    spill_src **srcs = calloc(m->n ? m->n : 1, sizeof *srcs);
    err le;
    err_init(&le);
    int rc = srcs ? TRAWL_OK : err_set(&le, TRAWL_ENOMEM, "out of memory merging runs");
    for (size_t i = 0; rc == TRAWL_OK && i < m->n; i++)
        rc = spill_src_range(&srcs[i], m->runs[i], m->bufsize,
                             spill_dir_seek(&m->dirs[i], lo.t, lo.len), lo.t, lo.len,
                             hi ? hi->t : NULL, hi ? hi->len : 0, &le);
    rm_enc r = {m, x, out, why, {0}, 0};
    merge_sink sink = {&r, rm_term_begin, rm_doc, rm_term_end};
    if (rc == TRAWL_OK) rc = merge_run(srcs, m->n, &sink, NULL, &le);
    for (size_t i = 0; srcs && i < m->n; i++)
        spill_src_free(srcs[i]);
    free(srcs);
    if (rc != TRAWL_OK && le.rc) {
        out->len = 0;
        buf_put(out, le.msg, strlen(le.msg) + 1);
        *why = out->oom ? "out of memory" : (const char *)out->p;
    }
    return rc;
}

static int rm_write_range(void *ctx, size_t c, const uint8_t *rec, size_t len)
{
    const rm *m = ctx;
    const uint8_t *end = rec + len;
    int rc = TRAWL_OK;
    (void)c;
    while (rc == TRAWL_OK && rec < end) {
        size_t tlen = *rec++;
        const char *term = (const char *)rec;
        te_list l;
        rec += tlen;
        te_get_record(&rec, &l);
        rc = sw_term_put(m->sw, term, tlen, &l);
    }
    return rc;
}

static int rm_key_cmp(const void *a, const void *b)
{
    const rm_key *x = a, *y = b;
    return spill_term_cmp(x->t, x->len, y->t, y->len);
}

/* Every m->every-th distinct directory term of all the runs, in order. 0 or -1. */
static int rm_plan(rm *m)
{
    size_t total = 0, u = 0;
    for (size_t i = 0; i < m->n; i++)
        total += m->dirs[i].n;
    rm_key *all = malloc((total ? total : 1) * sizeof *all);
    if (!all) return -1;
    for (size_t i = 0, k = 0; i < m->n; i++) {
        const spill_dir *d = &m->dirs[i];
        for (size_t j = 0; j < d->n; j++)
            all[k++] = (rm_key){(const char *)d->names.p + d->at[j], d->at[j + 1] - d->at[j]};
    }
    qsort(all, total, sizeof *all, rm_key_cmp);
    for (size_t i = 0; i < total; i++)
        if (u == 0 || rm_key_cmp(&all[u - 1], &all[i]) != 0) all[u++] = all[i];
    m->n_splits = 0;
    for (size_t i = m->every; i < u; i += m->every)
        all[m->n_splits++] = all[i];
    m->splits = all;
    return 0;
}

int rm_write(char *const *runs, const spill_dir *dirs, size_t n, segment_writer *sw,
             unsigned threads, size_t memory, err *e)
{
    rm m = {.runs = runs, .dirs = dirs, .n = n, .sw = sw};
    m.lens = sw_doc_lens(sw, &m.n_docs);
    m.avgdl = sw_avgdl(sw);
    /* A range's encoded lists wait in one of the pool's slots (2 per thread) until written: a
     * range of a 32nd of the budget keeps them small next to it. A read buffer much larger
     * than a run's share of the range would fill (and keep resident) bytes the range never
     * uses, on every thread at once. */
    size_t range = memory / 32;
    range = range < RM_RANGE_MIN ? RM_RANGE_MIN : range > RM_RANGE_MAX ? RM_RANGE_MAX : range;
    m.every = range / SPILL_DIR_STEP;
    size_t b = memory / ((threads ? threads : 1) * (n + 1)), share = 2 * range / (n ? n : 1);
    b = b < share ? b : share;
    m.bufsize = b < RM_BUF_MIN ? RM_BUF_MIN : b > RM_BUF_MAX ? RM_BUF_MAX : b;
    if (rm_plan(&m) < 0) return err_set(e, TRAWL_ENOMEM, "out of memory merging runs");
    tp_job job = {&m, m.n_splits + 1, rm_encode, rm_write_range};
    int rc = tp_run_job(&job, threads, e);
    free(m.splits);
    return rc;
}
