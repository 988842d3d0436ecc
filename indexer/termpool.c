/* termpool: parallel encoding of a sorted postings buffer (contract in termpool.h).
 *
 * Chunk i (terms [first, first + n)) is encoded into slot i % n_slots, as records
 *
 *   tp_rec | skips | blocks | positions      (one per term, in term order)
 *
 * Two counters that only grow order the work, as in apool.c: n_next (chunks taken by an
 * encoder) and n_out (chunks the caller has written). A chunk may be taken only while its slot
 * is free (i < n_out + n_slots). The caller writes chunk n_out once it is done, and while it
 * waits encodes the next free chunk itself, so one thread is a special case of nothing. The
 * mutex guards the counters and the slots' done flags; a slot's bytes belong to whoever the
 * counters say. */
#include "termpool.h"

#include "buf.h"
#include "term_enc.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define TP_CHUNK_BYTES (64u << 10) /* postings-buffer bytes a chunk holds: about 0.5 ms */
#define TP_CHUNK_TERMS 4096u       /* terms a chunk holds, for the many short lists */

/* What the caller needs of an encoded list besides its bytes. */
typedef struct tp_rec {
    uint32_t df, max_tf, min_len, n_blocks;
    uint64_t cf, skips_len, blocks_len, pos_len;
} tp_rec;

typedef struct tp_slot {
    int done;        /**< encoded (under the mutex) */
    int rc;          /**< TRAWL_OK or the encoder's error */
    const char *why; /**< with TRAWL_EARG */
    buf out;         /**< the records */
} tp_slot;

/* An encoder's own state. */
typedef struct tp_enc {
    term_enc te;
    uint32_t *pos; /**< positions of one posting */
    size_t cap;
} tp_enc;

typedef struct tp {
    const postings_buf *pb;
    const uint32_t *lens; /**< document lengths, from the writer */
    uint32_t n_docs;
    double avgdl;   /**< their mean, for merging impacts */
    size_t *starts; /**< chunk i is terms [starts[i], starts[i + 1]) */
    size_t n_chunks;
    tp_slot *slots;
    size_t n_slots;
    size_t n_next, n_out;
    int stop;
    pthread_mutex_t mu;
    pthread_cond_t cv_work, cv_done;
} tp;

/* Appends term i's encoded list to out. */
static int tp_encode_term(const tp *p, tp_enc *x, size_t i, buf *out, const char **why)
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
        if (tf > x->cap) {
            uint32_t *q = realloc(x->pos, (size_t)tf * sizeof *q);
            if (!q) return TRAWL_ENOMEM;
            x->pos = q;
            x->cap = tf;
        }
        if (pb_list_positions(&list, end, tf, x->pos) < 0) break;
        rc = te_doc(&x->te, doc, x->pos, tf, p->lens, p->n_docs, why);
    }
    if (rc == TRAWL_OK && list != end) return TRAWL_ECORRUPT;
    te_list l;
    if (rc == TRAWL_OK) rc = te_end(&x->te, p->lens, p->avgdl, &l, why);
    if (rc != TRAWL_OK) return rc;
    tp_rec rec = {l.df, l.max_tf,    l.min_len,    l.n_blocks,
                  l.cf, l.skips_len, l.blocks_len, l.pos_len};
    buf_put(out, &rec, sizeof rec);
    buf_put(out, l.skips, l.skips_len);
    buf_put(out, l.blocks, l.blocks_len);
    buf_put(out, l.pos, l.pos_len);
    return out->oom ? TRAWL_ENOMEM : TRAWL_OK;
}

/* Encodes chunk c into its slot. Called without the mutex. */
static void tp_encode_chunk(const tp *p, tp_enc *x, size_t c)
{
    tp_slot *s = &p->slots[c % p->n_slots];
    s->out.len = 0;
    s->rc = TRAWL_OK;
    for (size_t i = p->starts[c]; s->rc == TRAWL_OK && i < p->starts[c + 1]; i++)
        s->rc = tp_encode_term(p, x, i, &s->out, &s->why);
}

/* 1 if a chunk can be taken now (under the mutex). */
static int tp_can_take(const tp *p)
{
    return p->n_next < p->n_chunks && p->n_next < p->n_out + p->n_slots;
}

/* Takes the next chunk, encodes it and marks it done; called and returns with the mutex held. */
static void tp_take(tp *p, tp_enc *x)
{
    size_t c = p->n_next++;
    pthread_mutex_unlock(&p->mu);
    tp_encode_chunk(p, x, c);
    pthread_mutex_lock(&p->mu);
    p->slots[c % p->n_slots].done = 1;
    pthread_cond_broadcast(&p->cv_done);
}

typedef struct tp_arg {
    tp *p;
    tp_enc x;
} tp_arg;

static void *tp_helper(void *arg)
{
    tp_arg *a = arg;
    tp *p = a->p;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stop && !tp_can_take(p) && p->n_next < p->n_chunks)
            pthread_cond_wait(&p->cv_work, &p->mu);
        if (p->stop || p->n_next >= p->n_chunks) break;
        tp_take(p, &a->x);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Writes the records of a done slot to the writer. */
static int tp_write_slot(const tp *p, size_t c, segment_writer *sw, err *e)
{
    const tp_slot *s = &p->slots[c % p->n_slots];
    const uint8_t *q = s->out.p;
    int rc = s->rc;
    if (rc == TRAWL_ENOMEM) return err_set(e, rc, "out of memory encoding postings");
    if (rc == TRAWL_ECORRUPT) return err_set(e, rc, "postings buffer: list cut short");
    if (rc != TRAWL_OK) return err_set(e, rc, "encoding postings: %s", s->why);
    for (size_t i = p->starts[c]; rc == TRAWL_OK && i < p->starts[c + 1]; i++) {
        const char *term;
        const uint8_t *list;
        size_t len, list_len;
        tp_rec r;
        memcpy(&r, q, sizeof r);
        q += sizeof r;
        te_list l = {r.df,
                     r.max_tf,
                     r.min_len,
                     r.n_blocks,
                     r.cf,
                     q,
                     q + r.skips_len,
                     q + r.skips_len + r.blocks_len,
                     r.skips_len,
                     r.blocks_len,
                     r.pos_len};
        q += r.skips_len + r.blocks_len + r.pos_len;
        pb_term(p->pb, i, &term, &len, &list, &list_len);
        rc = sw_term_put(sw, term, len, &l);
    }
    return rc;
}

/* Cuts the terms into chunks. Returns 0 or -1 (out of memory). */
static int tp_plan(tp *p)
{
    size_t n = pb_n_terms(p->pb), cap = 16, bytes = 0;
    p->starts = malloc(cap * sizeof *p->starts);
    if (!p->starts) return -1;
    p->starts[0] = 0;
    for (size_t i = 0; i < n; i++) {
        const char *term;
        const uint8_t *list;
        size_t len, list_len;
        pb_term(p->pb, i, &term, &len, &list, &list_len);
        bytes += list_len;
        if (bytes < TP_CHUNK_BYTES && i + 1 - p->starts[p->n_chunks] < TP_CHUNK_TERMS && i + 1 < n)
            continue;
        if (p->n_chunks + 2 > cap) {
            size_t *q = realloc(p->starts, 2 * cap * sizeof *q);
            if (!q) return -1;
            p->starts = q;
            cap *= 2;
        }
        p->starts[++p->n_chunks] = i + 1;
        bytes = 0;
    }
    return 0;
}

/* The caller's part: writes every chunk in order, encoding while it waits. */
static int tp_run(tp *p, tp_enc *x, segment_writer *sw, err *e)
{
    int rc = TRAWL_OK;
    for (size_t c = 0; rc == TRAWL_OK && c < p->n_chunks; c++) {
        tp_slot *s = &p->slots[c % p->n_slots];
        pthread_mutex_lock(&p->mu);
        while (!s->done) {
            if (tp_can_take(p))
                tp_take(p, x);
            else
                pthread_cond_wait(&p->cv_done, &p->mu);
        }
        pthread_mutex_unlock(&p->mu);
        rc = tp_write_slot(p, c, sw, e);
        pthread_mutex_lock(&p->mu);
        s->done = 0;
        p->n_out++;
        pthread_cond_broadcast(&p->cv_work);
        pthread_mutex_unlock(&p->mu);
    }
    return rc;
}

int tp_write(const postings_buf *pb, segment_writer *sw, unsigned threads, err *e)
{
    tp p = {.pb = pb};
    unsigned n_helpers = threads > 1 ? threads - 1 : 0, started = 0;
    tp_arg *args = n_helpers ? calloc(n_helpers, sizeof *args) : NULL;
    pthread_t *th = n_helpers ? calloc(n_helpers, sizeof *th) : NULL;
    tp_enc mine = {.pos = NULL};
    int rc = TRAWL_OK;
    p.lens = sw_doc_lens(sw, &p.n_docs);
    p.avgdl = sw_avgdl(sw);
    p.n_slots = 2 * (size_t)n_helpers + 2;
    p.slots = calloc(p.n_slots, sizeof *p.slots);
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv_work, NULL);
    pthread_cond_init(&p.cv_done, NULL);
    te_init(&mine.te);
    if (!p.slots || (n_helpers && (!args || !th)) || tp_plan(&p) < 0)
        rc = err_set(e, TRAWL_ENOMEM, "out of memory encoding postings");
    for (size_t i = 0; p.slots && i < p.n_slots; i++)
        buf_init(&p.slots[i].out);
    for (unsigned i = 0; rc == TRAWL_OK && i < n_helpers && p.n_chunks > 1; i++) {
        args[i].p = &p;
        te_init(&args[i].x.te);
        if (pthread_create(&th[i], NULL, tp_helper, &args[i]) != 0) {
            te_free(&args[i].x.te);
            break; /* fewer helpers only cost time */
        }
        started++;
    }
    if (rc == TRAWL_OK) rc = tp_run(&p, &mine, sw, e);
    pthread_mutex_lock(&p.mu);
    p.stop = 1;
    pthread_cond_broadcast(&p.cv_work);
    pthread_mutex_unlock(&p.mu);
    for (unsigned i = 0; i < started; i++) {
        pthread_join(th[i], NULL);
        te_free(&args[i].x.te);
        free(args[i].x.pos);
    }
    for (size_t i = 0; p.slots && i < p.n_slots; i++)
        buf_free(&p.slots[i].out);
    te_free(&mine.te);
    free(mine.pos);
    free(p.slots);
    free(p.starts);
    free(args);
    free(th);
    pthread_mutex_destroy(&p.mu);
    pthread_cond_destroy(&p.cv_work);
    pthread_cond_destroy(&p.cv_done);
    return rc;
}
