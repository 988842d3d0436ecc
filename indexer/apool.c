/* apool: ordered parallel analysis (contract in apool.h).
 *
 * Batches live in a ring of slots, numbered by three counters that only grow:
 *
 *   n_out ≤ n_taken ≤ n_fill
 *   [n_out, n_taken)   taken by an analyser (a worker, or the caller), or analysed (DONE)
 *   [n_taken, n_fill)  queued, waiting for an analyser
 *   n_fill             the batch the caller is filling (not yet visible to workers)
 *
 * Workers take the oldest queued batch; the caller replays from n_out in order. A slot's bytes
 * belong to whoever holds it by these counters, so only the counters and states need the
 * mutex: analysis and replay run unlocked. */
#include "apool.h"

#include "analyzer.h"
#include "buf.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define AP_BATCH_BYTES (256u << 10) /* text per batch: about a millisecond of analysis */
#define AP_BATCH_DOCS  4096         /* documents per batch, for corpora of tiny records */

enum { AP_FILL, AP_QUEUED, AP_BUSY, AP_DONE };

typedef struct ap_meta {
    size_t id_off, text_off, toks_off, toks_end; /**< in the batch's in / toks */
    size_t id_len, text_len;
    uint32_t date;
    uint32_t n_tokens;
    size_t n_invalid;
    fmt_src src;
} ap_meta;

typedef struct ap_batch {
    int state; /**< AP_*; changed under the mutex */
    int rc;    /**< TRAWL_OK, or TRAWL_ENOMEM from its analysis */
    buf in;    /**< ids and texts, copied */
    buf toks;  /**< token stream (apool.h's ap_next_token) */
    ap_meta *docs;
    size_t n_docs, cap_docs;
} ap_batch;

struct apool {
    ap_batch *slots;
    size_t n_slots;
    uint64_t n_out, n_taken, n_fill; /**< see the top of the file */
    analyzer **an;                   /**< one per worker, then the caller's */
    pthread_t *th;
    unsigned n_workers, n_started;
    pthread_mutex_t mu;
    pthread_cond_t cv_work, cv_done;
    int stop;
    ap_replay_fn replay;
    void *ctx;
    err *e;
    int rc; /**< sticky error */
};

typedef struct ap_sink {
    buf *b;
    uint32_t prev; /**< position of the previous token */
} ap_sink;

/* Appends one token: length byte, LEB128 position gap, term bytes. */
static int ap_token(void *ctx, const token *t)
{
    ap_sink *s = ctx;
    if (buf_reserve(s->b, 1 + 5 + t->len) < 0) return TRAWL_ENOMEM;
    uint8_t *q = s->b->p + s->b->len;
    uint32_t gap = t->pos - s->prev;
    s->prev = t->pos;
    *q++ = (uint8_t)t->len;
    while (gap >= 0x80) {
        *q++ = (uint8_t)(gap | 0x80);
        gap >>= 7;
    }
    *q++ = (uint8_t)gap;
    memcpy(q, t->term, t->len);
    s->b->len = (size_t)(q + t->len - s->b->p);
    return 0;
}

/* Analyses every document of b into b->toks. */
static void ap_analyse(ap_batch *b, analyzer *an)
{
    b->toks.len = 0;
    b->rc = TRAWL_OK;
    for (size_t i = 0; i < b->n_docs && b->rc == TRAWL_OK; i++) {
        ap_meta *m = &b->docs[i];
        ap_sink s = {&b->toks, 0};
        m->toks_off = b->toks.len;
        b->rc = analyzer_run(an, (const char *)b->in.p + m->text_off, m->text_len, 0, ap_token, &s,
                             &m->n_tokens, &m->n_invalid);
        m->toks_end = b->toks.len;
    }
    if (b->rc != TRAWL_OK || b->toks.oom) b->rc = TRAWL_ENOMEM;
}

static void *ap_worker(void *arg)
{
    void **a = arg;
    apool *p = a[0];
    analyzer *an = a[1];
    free(arg);
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stop && p->n_taken == p->n_fill)
            pthread_cond_wait(&p->cv_work, &p->mu);
        if (p->stop) break;
        ap_batch *b = &p->slots[p->n_taken++ % p->n_slots];
        b->state = AP_BUSY;
        pthread_mutex_unlock(&p->mu);
        ap_analyse(b, an);
        pthread_mutex_lock(&p->mu);
        b->state = AP_DONE;
        pthread_cond_broadcast(&p->cv_done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static int ap_start(apool *p)
{
    for (unsigned i = 0; i < p->n_workers; i++) {
        void **arg = malloc(2 * sizeof *arg);
        if (!arg) return err_set(p->e, TRAWL_ENOMEM, "out of memory");
        arg[0] = p;
        arg[1] = p->an[i];
        int rc = pthread_create(&p->th[i], NULL, ap_worker, arg);
        if (rc != 0) {
            free(arg);
            return err_set(p->e, TRAWL_EIO, "cannot start an analysis thread: %s", strerror(rc));
        }
        p->n_started++;
    }
    return TRAWL_OK;
}

int ap_new(apool **out, const char *language, uint32_t max_token_len, unsigned workers,
           ap_replay_fn replay, void *ctx, err *e)
{
    *out = NULL;
    apool *p = calloc(1, sizeof *p);
    if (!p) return err_set(e, TRAWL_ENOMEM, "out of memory");
    p->n_workers = workers ? workers : 1;
    p->n_slots = 2 * (size_t)p->n_workers + 2;
    p->replay = replay;
    p->ctx = ctx;
    p->e = e;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv_work, NULL);
    pthread_cond_init(&p->cv_done, NULL);
    p->slots = calloc(p->n_slots, sizeof *p->slots);
    p->an = calloc(p->n_workers + 1, sizeof *p->an);
    p->th = calloc(p->n_workers, sizeof *p->th);
    int rc = p->slots && p->an && p->th ? TRAWL_OK : err_set(e, TRAWL_ENOMEM, "out of memory");
    for (unsigned i = 0; rc == TRAWL_OK && i <= p->n_workers; i++)
        rc = analyzer_new(&p->an[i], language, max_token_len, e);
    if (rc == TRAWL_OK) rc = ap_start(p);
    if (rc != TRAWL_OK) {
        ap_free(p);
        return rc;
    }
    *out = p;
    return TRAWL_OK;
}

void ap_free(apool *p)
{
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_broadcast(&p->cv_work);
    pthread_mutex_unlock(&p->mu);
    for (unsigned i = 0; i < p->n_started; i++)
        pthread_join(p->th[i], NULL);
    for (size_t i = 0; p->slots && i < p->n_slots; i++) {
        buf_free(&p->slots[i].in);
        buf_free(&p->slots[i].toks);
        free(p->slots[i].docs);
    }
    for (unsigned i = 0; p->an && i <= p->n_workers; i++)
        analyzer_free(p->an[i]);
    pthread_cond_destroy(&p->cv_done);
    pthread_cond_destroy(&p->cv_work);
    pthread_mutex_destroy(&p->mu);
    free(p->slots);
    free(p->an);
    free(p->th);
    free(p);
}

/* Replays batch b (analysed) to the callback and empties it. */
static int ap_replay(apool *p, ap_batch *b)
{
    if (b->rc != TRAWL_OK) return err_set(p->e, b->rc, "out of memory analysing documents");
    for (size_t i = 0; i < b->n_docs; i++) {
        const ap_meta *m = &b->docs[i];
        ap_doc d = {(const char *)b->in.p + m->id_off,
                    m->id_len,
                    m->date,
                    (const char *)b->in.p + m->text_off,
                    m->text_len,
                    m->src,
                    m->n_tokens,
                    m->n_invalid,
                    b->toks.p + m->toks_off,
                    b->toks.p + m->toks_end};
        int rc = p->replay(p->ctx, &d);
        if (rc < 0) return rc;
    }
    b->in.len = 0;
    b->toks.len = 0;
    b->n_docs = 0;
    return TRAWL_OK;
}

/* Replays the oldest batch. With wait, first makes sure it is analysed: the caller analyses
 * queued batches itself while a worker still holds the oldest. Without wait, replays only if
 * it is done. Returns 1 if a batch was replayed, 0 if not, or an error. */
static int ap_step(apool *p, int wait)
{
    ap_batch *head = &p->slots[p->n_out % p->n_slots];
    pthread_mutex_lock(&p->mu);
    while (wait && head->state != AP_DONE) {
        if (p->n_taken < p->n_fill) {
            ap_batch *b = &p->slots[p->n_taken++ % p->n_slots];
            b->state = AP_BUSY;
            pthread_mutex_unlock(&p->mu);
            ap_analyse(b, p->an[p->n_workers]);
            pthread_mutex_lock(&p->mu);
            b->state = AP_DONE;
        } else {
            pthread_cond_wait(&p->cv_done, &p->mu);
        }
    }
    int done = p->n_out < p->n_fill && head->state == AP_DONE;
    pthread_mutex_unlock(&p->mu);
    if (!done) return 0;
    int rc = ap_replay(p, head);
    if (rc < 0) return rc;
    pthread_mutex_lock(&p->mu);
    head->state = AP_FILL;
    p->n_out++;
    pthread_mutex_unlock(&p->mu);
    return 1;
}

/* Queues the batch being filled, replays what is done, and frees a slot for the next. */
static int ap_submit(apool *p)
{
    int rc;
    pthread_mutex_lock(&p->mu);
    p->slots[p->n_fill++ % p->n_slots].state = AP_QUEUED;
    pthread_cond_signal(&p->cv_work);
    pthread_mutex_unlock(&p->mu);
    while ((rc = ap_step(p, 0)) == 1)
        ;
    while (rc == TRAWL_OK && p->n_fill - p->n_out == p->n_slots)
        if ((rc = ap_step(p, 1)) > 0) rc = TRAWL_OK;
    return rc;
}

int ap_put(apool *p, const char *id, size_t id_len, uint32_t date, const char *text,
           size_t text_len, const fmt_src *src)
{
    if (p->rc) return p->rc;
    ap_batch *b = &p->slots[p->n_fill % p->n_slots];
    if (b->n_docs == b->cap_docs) {
        size_t c = b->cap_docs ? 2 * b->cap_docs : 64;
        ap_meta *d = realloc(b->docs, c * sizeof *d);
        if (!d) return p->rc = err_set(p->e, TRAWL_ENOMEM, "out of memory");
        b->docs = d;
        b->cap_docs = c;
    }
    ap_meta *m = &b->docs[b->n_docs++];
    *m = (ap_meta){.id_off = b->in.len, .id_len = id_len, .date = date, .src = *src};
    buf_put(&b->in, id, id_len);
    m->text_off = b->in.len;
    m->text_len = text_len;
    buf_put(&b->in, text, text_len);
    if (b->in.oom) return p->rc = err_set(p->e, TRAWL_ENOMEM, "out of memory");
    if (b->in.len < AP_BATCH_BYTES && b->n_docs < AP_BATCH_DOCS) return TRAWL_OK;
    int rc = ap_submit(p);
    return rc < 0 ? (p->rc = rc) : TRAWL_OK;
}

int ap_flush(apool *p)
{
    int rc = p->rc;
    if (rc == TRAWL_OK && p->slots[p->n_fill % p->n_slots].n_docs > 0) rc = ap_submit(p);
    while (rc == TRAWL_OK && p->n_out < p->n_fill)
        if ((rc = ap_step(p, 1)) > 0) rc = TRAWL_OK;
    return rc < 0 ? (p->rc = rc) : TRAWL_OK;
}
