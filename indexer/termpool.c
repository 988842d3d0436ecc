/* termpool: ordered parallel encoding of term lists (contract in termpool.h).
 *
 * Chunk i is encoded into slot i % n_slots, as one record per term (the job's format). Two
 * counters that only grow order the work, as in apool.c: n_next (chunks taken by an encoder)
 * and n_out (chunks the caller has written). A chunk may be taken only while its slot is free
 * (i < n_out + n_slots). The caller writes chunk n_out once it is done, and while it waits
 * encodes the next free chunk itself, so one thread is a special case of nothing. The mutex
 * guards the counters and the slots' done flags; a slot's bytes belong to whoever the counters
 * say. */
#include "termpool.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define TP_CHUNK_BYTES (64u << 10) /* postings-buffer bytes a chunk holds: about 0.5 ms */
#define TP_CHUNK_TERMS 4096u       /* terms a chunk holds, for the many short lists */

typedef struct tp_slot {
    int done;        /**< encoded (under the mutex) */
    int rc;          /**< TRAWL_OK or the encoder's error */
    const char *why; /**< with TRAWL_EARG */
    buf out;         /**< the records */
} tp_slot;

typedef struct tp {
    const tp_job *job;
    tp_slot *slots;
    size_t n_slots;
    size_t n_next, n_out;
    int stop;
    pthread_mutex_t mu;
    pthread_cond_t cv_work, cv_done;
} tp;

void tp_scratch_init(tp_scratch *x)
{
    memset(x, 0, sizeof *x);
    te_init(&x->te);
}

void tp_scratch_free(tp_scratch *x)
{
    te_free(&x->te);
    free(x->pos);
}

int tp_scratch_pos(tp_scratch *x, uint32_t n)
{
    if (n <= x->cap) return 0;
    uint32_t *q = realloc(x->pos, (size_t)n * sizeof *q);
    if (!q) return -1;
    x->pos = q;
    x->cap = n;
    return 0;
}

/* 1 if a chunk can be taken now (under the mutex). */
static int tp_can_take(const tp *p)
{
    return p->n_next < p->job->n_chunks && p->n_next < p->n_out + p->n_slots;
}

/* Takes the next chunk, encodes it and marks it done; called and returns with the mutex held. */
static void tp_take(tp *p, tp_scratch *x)
{
    size_t c = p->n_next++;
    tp_slot *s = &p->slots[c % p->n_slots];
    pthread_mutex_unlock(&p->mu);
    s->out.len = 0;
    s->why = NULL;
    s->rc = p->job->encode(p->job->ctx, c, x, &s->out, &s->why);
    if (s->rc == TRAWL_OK && s->out.oom) s->rc = TRAWL_ENOMEM;
    pthread_mutex_lock(&p->mu);
    s->done = 1;
    pthread_cond_broadcast(&p->cv_done);
}

typedef struct tp_arg {
    tp *p;
    tp_scratch x;
} tp_arg;

static void *tp_helper(void *arg)
{
    tp_arg *a = arg;
    tp *p = a->p;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stop && !tp_can_take(p) && p->n_next < p->job->n_chunks)
            pthread_cond_wait(&p->cv_work, &p->mu);
        if (p->stop || p->n_next >= p->job->n_chunks) break;
        tp_take(p, &a->x);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* The caller's part: writes every chunk in order, encoding while it waits. */
static int tp_run(tp *p, tp_scratch *x, err *e)
{
    int rc = TRAWL_OK;
    for (size_t c = 0; rc == TRAWL_OK && c < p->job->n_chunks; c++) {
        tp_slot *s = &p->slots[c % p->n_slots];
        pthread_mutex_lock(&p->mu);
        while (!s->done) {
            if (tp_can_take(p))
                tp_take(p, x);
            else
                pthread_cond_wait(&p->cv_done, &p->mu);
        }
        pthread_mutex_unlock(&p->mu);
        if (s->rc == TRAWL_ENOMEM)
            rc = err_set(e, s->rc, "out of memory encoding postings");
        else if (s->rc == TRAWL_EARG)
            rc = err_set(e, s->rc, "encoding postings: %s", s->why ? s->why : "bad list");
        else if (s->rc != TRAWL_OK)
            rc = err_set(e, s->rc, "encoding postings: %s", s->why ? s->why : "");
        else
            rc = p->job->write(p->job->ctx, c, s->out.p, s->out.len);
        pthread_mutex_lock(&p->mu);
        s->done = 0;
        p->n_out++;
        pthread_cond_broadcast(&p->cv_work);
        pthread_mutex_unlock(&p->mu);
    }
    return rc;
}

int tp_run_job(const tp_job *job, unsigned threads, err *e)
{
    tp p = {.job = job};
    unsigned n_helpers = threads > 1 ? threads - 1 : 0, started = 0;
    tp_arg *args = n_helpers ? calloc(n_helpers, sizeof *args) : NULL;
    pthread_t *th = n_helpers ? calloc(n_helpers, sizeof *th) : NULL;
    tp_scratch mine;
    int rc = TRAWL_OK;
    p.n_slots = 2 * (size_t)n_helpers + 2;
    p.slots = calloc(p.n_slots, sizeof *p.slots);
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv_work, NULL);
    pthread_cond_init(&p.cv_done, NULL);
    tp_scratch_init(&mine);
    if (!p.slots || (n_helpers && (!args || !th)))
        rc = err_set(e, TRAWL_ENOMEM, "out of memory encoding postings");
    for (size_t i = 0; p.slots && i < p.n_slots; i++)
        buf_init(&p.slots[i].out);
    for (unsigned i = 0; rc == TRAWL_OK && i < n_helpers && job->n_chunks > 1; i++) {
        args[i].p = &p;
        tp_scratch_init(&args[i].x);
        if (pthread_create(&th[i], NULL, tp_helper, &args[i]) != 0) {
            tp_scratch_free(&args[i].x);
            break; /* fewer helpers only cost time */
        }
        started++;
    }
    if (rc == TRAWL_OK) rc = tp_run(&p, &mine, e);
    pthread_mutex_lock(&p.mu);
    p.stop = 1;
    pthread_cond_broadcast(&p.cv_work);
    pthread_mutex_unlock(&p.mu);
    for (unsigned i = 0; i < started; i++) {
        pthread_join(th[i], NULL);
        tp_scratch_free(&args[i].x);
    }
    for (size_t i = 0; p.slots && i < p.n_slots; i++)
        buf_free(&p.slots[i].out);
    tp_scratch_free(&mine);
    free(p.slots);
    free(args);
    free(th);
    pthread_mutex_destroy(&p.mu);
    pthread_cond_destroy(&p.cv_work);
    pthread_cond_destroy(&p.cv_done);
    return rc;
}

/* ---------------------------------------------------------------- a postings buffer */

typedef struct tp_pb {
    const postings_buf *pb;
    segment_writer *sw;
    const uint32_t *lens; /**< document lengths, from the writer */
    uint32_t n_docs;
    double avgdl;   /**< their mean, for merging impacts */
    size_t *starts; /**< chunk i is terms [starts[i], starts[i + 1]) */
} tp_pb;

/* Appends term i's encoded list to out. */
static int tp_pb_term(const tp_pb *p, tp_scratch *x, size_t i, buf *out, const char **why)
{
    const char *term;
    const uint8_t *list, *end;
    size_t len, list_len;
    uint32_t doc = 0, tf;
    int r, rc = TRAWL_OK;
    pb_term(p->pb, i, &term, &len, &list, &list_len);
    end = list + list_len;
    te_begin(&x->te);
    while (rc == TRAWL_OK && (r = pb_list_next(&list, end, &doc, &tf)) > 0) {
        if (tp_scratch_pos(x, tf) < 0) return TRAWL_ENOMEM;
        if (pb_list_positions(&list, end, tf, x->pos) < 0) break;
        rc = te_doc(&x->te, doc, x->pos, tf, p->lens, p->n_docs, why);
    }
    if (rc == TRAWL_OK && list != end) {
        *why = "postings buffer: list cut short";
        return TRAWL_ECORRUPT;
    }
    te_list l;
    if (rc == TRAWL_OK) rc = te_end(&x->te, p->lens, p->avgdl, &l, why);
    if (rc != TRAWL_OK) return rc;
    return te_put_record(out, &l) < 0 ? TRAWL_ENOMEM : TRAWL_OK;
}

static int tp_pb_encode(void *ctx, size_t c, tp_scratch *x, buf *out, const char **why)
{
    const tp_pb *p = ctx;
    int rc = TRAWL_OK;
    for (size_t i = p->starts[c]; rc == TRAWL_OK && i < p->starts[c + 1]; i++)
        rc = tp_pb_term(p, x, i, out, why);
    return rc;
}

static int tp_pb_write(void *ctx, size_t c, const uint8_t *rec, size_t len)
{
    const tp_pb *p = ctx;
    int rc = TRAWL_OK;
    (void)len;
    for (size_t i = p->starts[c]; rc == TRAWL_OK && i < p->starts[c + 1]; i++) {
        const char *term;
        const uint8_t *list;
        size_t tlen, list_len;
        te_list l;
        te_get_record(&rec, &l);
        pb_term(p->pb, i, &term, &tlen, &list, &list_len);
        rc = sw_term_put(p->sw, term, tlen, &l);
    }
    return rc;
}

/* Cuts the terms into chunks (*n_chunks). Returns 0 or -1 (out of memory). */
static int tp_pb_plan(tp_pb *p, size_t *n_chunks_out)
{
    size_t n = pb_n_terms(p->pb), cap = 16, bytes = 0, n_chunks = 0;
    p->starts = malloc(cap * sizeof *p->starts);
    if (!p->starts) return -1;
    p->starts[0] = 0;
    for (size_t i = 0; i < n; i++) {
        const char *term;
        const uint8_t *list;
        size_t len, list_len;
        pb_term(p->pb, i, &term, &len, &list, &list_len);
        bytes += list_len;
        if (bytes < TP_CHUNK_BYTES && i + 1 - p->starts[n_chunks] < TP_CHUNK_TERMS && i + 1 < n)
            continue;
        if (n_chunks + 2 > cap) {
            size_t *q = realloc(p->starts, 2 * cap * sizeof *q);
            if (!q) return -1;
            p->starts = q;
            cap *= 2;
        }
        p->starts[++n_chunks] = i + 1;
        bytes = 0;
    }
    *n_chunks_out = n_chunks;
    return 0;
}

int tp_write(const postings_buf *pb, segment_writer *sw, unsigned threads, err *e)
{
    tp_pb p = {.pb = pb, .sw = sw};
    p.lens = sw_doc_lens(sw, &p.n_docs);
    p.avgdl = sw_avgdl(sw);
    size_t n_chunks = 0;
    int ok = tp_pb_plan(&p, &n_chunks) == 0;
    tp_job job = {&p, n_chunks, tp_pb_encode, tp_pb_write};
    int rc = ok ? tp_run_job(&job, threads, e)
                : err_set(e, TRAWL_ENOMEM, "out of memory encoding postings");
    free(p.starts);
    return rc;
}
