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
#include "checksum.h"
#include "grams.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define AP_BATCH_BYTES (256u << 10) /* text per batch: about a millisecond of analysis */
#define AP_BATCH_DOCS  4096         /* documents per batch, for corpora of tiny records */
#define AP_GROUP_BYTES (256u << 10) /* an analyser's grouping tables, for a document of 20 KB */

enum { AP_FILL, AP_QUEUED, AP_BUSY, AP_DONE };

typedef struct ap_meta {
    size_t id_off, text_off, toks_off, toks_end; /**< in the batch's in / toks */
    size_t id_len, text_len;
    uint32_t date;
    uint32_t n_tokens;
    size_t n_invalid;
    fmt_src src;
} ap_meta;

typedef struct ap_group ap_group; /* an analyser's own state, below */

typedef struct ap_batch {
    int state; /**< AP_*; changed under the mutex */
    int rc;    /**< TRAWL_OK, or TRAWL_ENOMEM from its analysis */
    buf in;    /**< ids and texts, copied */
    buf toks;  /**< postings of its documents (apool.h's ap_next_posting) */
    ap_meta *docs;
    size_t n_docs, cap_docs;
} ap_batch;

struct apool {
    ap_batch *slots;
    size_t n_slots;
    uint64_t n_out, n_taken, n_fill; /**< see the top of the file */
    ap_group *grp;                   /**< one per worker, then the caller's */
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

/* A document's tokens grouped by term, on the analysing thread: a hash table keyed by the
 * term bytes (slots stamped with a per-document generation, so nothing is cleared between
 * documents), each term's tokens chained in position order. */
typedef struct ap_term {
    uint32_t off, len;   /**< bytes in names */
    uint32_t hash;       /**< low half of hash64(term) */
    uint32_t head, tail; /**< first and last of its tokens in toks */
    uint32_t tf;
} ap_term;

typedef struct ap_slot {
    uint32_t gen; /**< the slot is taken in this document if gen == ap_group.gen */
    uint32_t ix;  /**< term index */
} ap_slot;

typedef struct ap_tok {
    uint32_t pos, next;
} ap_tok;

struct ap_group {
    analyzer *an;
    const grams *grams; /**< shared, read-only; NULL: none */
    gram_sink gs;       /**< feeds ap_token the tokens and their grams */
    ap_slot *table;
    size_t cap; /**< slots, a power of two */
    uint32_t gen;
    ap_term *terms;
    size_t n_terms, cap_terms;
    ap_tok *toks;
    size_t n_toks, cap_toks;
    buf names;   /**< term bytes of the document */
    buf scratch; /**< one term's position gaps */
};

#define AP_NONE UINT32_MAX

/* Grows *p (an array of elem-byte items, capacity *cap) to hold need. 0 or -1. */
static int ap_grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return 0;
    size_t c = *cap ? 2 * *cap : 256;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * elem);
    if (!q) return -1;
    *p = q;
    *cap = c;
    return 0;
}

/* Doubles the table, placing this document's terms again. 0 or -1. */
static int ap_rehash(ap_group *g)
{
    size_t cap = g->cap ? 2 * g->cap : 1024;
    ap_slot *t = calloc(cap, sizeof *t);
    if (!t) return -1;
    for (size_t i = 0; i < g->n_terms; i++) {
        size_t h = g->terms[i].hash & (cap - 1);
        while (t[h].gen == g->gen)
            h = (h + 1) & (cap - 1);
        t[h] = (ap_slot){g->gen, (uint32_t)i};
    }
    free(g->table);
    g->table = t;
    g->cap = cap;
    return 0;
}

/* The analyzer's sink: chains the token to its term, adding the term if new. */
static int ap_token(void *ctx, const token *t)
{
    ap_group *g = ctx;
    uint32_t h = (uint32_t)hash64(t->term, t->len);
    size_t i = h & (g->cap - 1);
    ap_term *e = NULL;
    for (; g->table[i].gen == g->gen; i = (i + 1) & (g->cap - 1)) {
        ap_term *c = &g->terms[g->table[i].ix];
        if (c->hash == h && c->len == t->len && memcmp(g->names.p + c->off, t->term, t->len) == 0) {
            e = c;
            break;
        }
    }
    if (ap_grow((void **)&g->toks, &g->cap_toks, g->n_toks + 1, sizeof *g->toks) < 0)
        return TRAWL_ENOMEM;
    uint32_t k = (uint32_t)g->n_toks++;
    g->toks[k] = (ap_tok){t->pos, AP_NONE};
    if (e) {
        g->toks[e->tail].next = k;
        e->tail = k;
        e->tf++;
        return 0;
    }
    if (ap_grow((void **)&g->terms, &g->cap_terms, g->n_terms + 1, sizeof *g->terms) < 0)
        return TRAWL_ENOMEM;
    g->terms[g->n_terms] = (ap_term){(uint32_t)g->names.len, t->len, h, k, k, 1};
    g->table[i] = (ap_slot){g->gen, (uint32_t)g->n_terms++};
    buf_put(&g->names, t->term, t->len);
    if (g->names.oom) return TRAWL_ENOMEM;
    return 2 * g->n_terms > g->cap && ap_rehash(g) < 0 ? TRAWL_ENOMEM : 0;
}

/* Appends the document's postings, terms in first-seen order, to out (apool.h's layout), and
 * empties the group for the next document. */
static void ap_emit(ap_group *g, buf *out)
{
    for (size_t i = 0; i < g->n_terms; i++) {
        const ap_term *e = &g->terms[i];
        uint32_t prev = 0;
        g->scratch.len = 0;
        for (uint32_t k = e->head; k != AP_NONE; k = g->toks[k].next) {
            buf_put_vu32(&g->scratch, g->toks[k].pos - prev);
            prev = g->toks[k].pos;
        }
        buf_put_u8(out, (uint8_t)e->len);
        buf_put(out, g->names.p + e->off, e->len);
        buf_put_vu32(out, e->tf);
        buf_put_vu32(out, (uint32_t)g->scratch.len);
        buf_put(out, g->scratch.p, g->scratch.len);
    }
    g->n_terms = g->n_toks = g->names.len = 0;
    if (++g->gen == 0) { /* stamps wrapped: forget them all */
        memset(g->table, 0, g->cap * sizeof *g->table);
        g->gen = 1;
    }
}

/* Analyses every document of b into b->toks. */
static void ap_analyse(ap_batch *b, ap_group *g)
{
    b->toks.len = 0;
    b->rc = TRAWL_OK;
    for (size_t i = 0; i < b->n_docs && b->rc == TRAWL_OK; i++) {
        ap_meta *m = &b->docs[i];
        m->toks_off = b->toks.len;
        void *ctx;
        analyzer_sink sink = gram_sink_for(&g->gs, g->grams, ap_token, g, &ctx);
        b->rc = analyzer_run(g->an, (const char *)b->in.p + m->text_off, m->text_len, 0, sink, ctx,
                             &m->n_tokens, &m->n_invalid);
        ap_emit(g, &b->toks);
        m->toks_end = b->toks.len;
    }
    if (b->rc != TRAWL_OK || b->toks.oom || g->scratch.oom) b->rc = TRAWL_ENOMEM;
}

static int ap_group_init(ap_group *g, const char *language, uint32_t max_token_len, const grams *gr,
                         size_t cache_bytes, err *e)
{
    g->grams = gr;
    buf_init(&g->names);
    buf_init(&g->scratch);
    g->gen = 1;
    if (ap_rehash(g) < 0) return err_set(e, TRAWL_ENOMEM, "out of memory");
    int rc = analyzer_new(&g->an, language, max_token_len, e);
    if (rc == TRAWL_OK) analyzer_cache_limit(g->an, cache_bytes);
    return rc;
}

static void ap_group_free(ap_group *g)
{
    analyzer_free(g->an);
    free(g->table);
    free(g->terms);
    free(g->toks);
    buf_free(&g->names);
    buf_free(&g->scratch);
}

static void *ap_worker(void *arg)
{
    void **a = arg;
    apool *p = a[0];
    ap_group *g = a[1];
    free(arg);
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stop && p->n_taken == p->n_fill)
            pthread_cond_wait(&p->cv_work, &p->mu);
        if (p->stop) break;
        ap_batch *b = &p->slots[p->n_taken++ % p->n_slots];
        b->state = AP_BUSY;
        pthread_mutex_unlock(&p->mu);
        ap_analyse(b, g);
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
        arg[1] = &p->grp[i];
        int rc = pthread_create(&p->th[i], NULL, ap_worker, arg);
        if (rc != 0) {
            free(arg);
            return err_set(p->e, TRAWL_EIO, "cannot start an analysis thread: %s", strerror(rc));
        }
        p->n_started++;
    }
    return TRAWL_OK;
}

size_t ap_mem_bytes(unsigned workers)
{
    /* A batch's postings take about as many bytes as its text; each analyser groups one
     * document at a time in tables of a few hundred KB. */
    size_t n_slots = 2 * (size_t)(workers ? workers : 1) + 2;
    return n_slots * 2 * AP_BATCH_BYTES + ((size_t)workers + 1) * AP_GROUP_BYTES;
}

int ap_new(apool **out, const char *language, uint32_t max_token_len, const grams *gr,
           unsigned workers, size_t cache_bytes, ap_replay_fn replay, void *ctx, err *e)
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
    p->grp = calloc(p->n_workers + 1, sizeof *p->grp);
    p->th = calloc(p->n_workers, sizeof *p->th);
    int rc = p->slots && p->grp && p->th ? TRAWL_OK : err_set(e, TRAWL_ENOMEM, "out of memory");
    for (unsigned i = 0; rc == TRAWL_OK && i <= p->n_workers; i++)
        rc = ap_group_init(&p->grp[i], language, max_token_len, gr, cache_bytes, e);
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
    for (unsigned i = 0; p->grp && i <= p->n_workers; i++)
        ap_group_free(&p->grp[i]);
    pthread_cond_destroy(&p->cv_done);
    pthread_cond_destroy(&p->cv_work);
    pthread_mutex_destroy(&p->mu);
    free(p->slots);
    free(p->grp);
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
            ap_analyse(b, &p->grp[p->n_workers]);
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
