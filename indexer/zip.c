/* zip: stored text cut into blocks and compressed in order (contract in zip.h). Block j uses
 * slot j % n_slots (one without the zip thread; with it, as many as the caller's ring allows:
 * a deep ring lets the indexing thread run ahead instead of waiting for each block in turn, a
 * context switch per block when three busy threads share two cores):
 *
 *   main: fill ──► FULL ──(zip thread)──► DONE ──► main: sw_add_stored_block ──► FREE
 *
 * Only the state field is shared; the mutex orders the slot's bytes with its state. Every call
 * to the segment writer happens on the caller's thread. */
#include "zip.h"

#include "buf.h"
#include "format.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

enum { ZIP_FREE, ZIP_FULL, ZIP_DONE, ZIP_FAILED };

/* One stored text block on its way to the segment writer. */
typedef struct zip_slot {
    uint8_t *raw;   /**< FMT_STORED_CUT bytes */
    size_t raw_len; /**< bytes filled */
    buf z;          /**< compressed form, once DONE */
    int state;      /**< ZIP_*; changed under zip.mu when threaded */
} zip_slot;

struct zip {
    segment_writer *sw;
    err *e;
    zip_slot *slots;
    size_t n_slots;
    uint64_t n_sub;    /**< blocks submitted (main thread) */
    uint64_t n_out;    /**< blocks delivered to the writer (main thread) */
    uint64_t n_zipped; /**< blocks compressed (zip thread) */
    sw_zip *zs;        /**< deflate state of whichever thread compresses */
    int is_threaded;   /**< th runs */
    int stop;          /**< asks th to end, under mu */
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv_work, cv_done;
};

/* The zip thread: compresses FULL slots in block order until asked to stop. */
static void *zip_main(void *arg)
{
    zip *z = arg;
    pthread_mutex_lock(&z->mu);
    for (;;) {
        zip_slot *s = &z->slots[z->n_zipped % z->n_slots];
        while (!z->stop && s->state != ZIP_FULL)
            pthread_cond_wait(&z->cv_work, &z->mu);
        if (s->state != ZIP_FULL) break;
        pthread_mutex_unlock(&z->mu);
        int rc = sw_zip_block(z->zs, s->raw, s->raw_len, &s->z);
        pthread_mutex_lock(&z->mu);
        s->state = rc == TRAWL_OK ? ZIP_DONE : ZIP_FAILED;
        z->n_zipped++;
        pthread_cond_signal(&z->cv_done);
    }
    pthread_mutex_unlock(&z->mu);
    return NULL;
}

static int zip_start_thread(zip *z)
{
    pthread_mutex_init(&z->mu, NULL);
    pthread_cond_init(&z->cv_work, NULL);
    pthread_cond_init(&z->cv_done, NULL);
    int rc = pthread_create(&z->th, NULL, zip_main, z);
    if (rc == 0) {
        z->is_threaded = 1;
        return TRAWL_OK;
    }
    pthread_cond_destroy(&z->cv_done);
    pthread_cond_destroy(&z->cv_work);
    pthread_mutex_destroy(&z->mu);
    return err_set(z->e, TRAWL_EIO, "cannot start a thread: %s", strerror(rc));
}

size_t zip_ring_blocks(size_t ring_bytes)
{
    size_t n = ring_bytes / (2 * (size_t)FMT_STORED_CUT);
    return n < ZIP_MIN_BLOCKS ? ZIP_MIN_BLOCKS : n > ZIP_MAX_BLOCKS ? ZIP_MAX_BLOCKS : n;
}

int zip_new(zip **out, segment_writer *sw, unsigned threads, size_t ring_bytes, err *e)
{
    *out = NULL;
    zip *z = calloc(1, sizeof *z);
    if (!z) return err_set(e, TRAWL_ENOMEM, "out of memory for stored text");
    z->sw = sw;
    z->e = e;
    z->n_slots = threads >= 2 ? zip_ring_blocks(ring_bytes) : 1;
    z->slots = calloc(z->n_slots, sizeof *z->slots);
    if (!z->slots) {
        free(z);
        return err_set(e, TRAWL_ENOMEM, "out of memory for stored text");
    }
    int rc = TRAWL_OK;
    for (size_t i = 0; i < z->n_slots; i++) {
        buf_init(&z->slots[i].z);
        if (!(z->slots[i].raw = malloc(FMT_STORED_CUT)))
            rc = err_set(e, TRAWL_ENOMEM, "out of memory for stored text");
    }
    if (rc == TRAWL_OK && sw_zip_new(&z->zs) < 0)
        rc = err_set(e, TRAWL_ENOMEM, "out of memory for zlib");
    if (rc == TRAWL_OK && threads >= 2) rc = zip_start_thread(z);
    if (rc != TRAWL_OK) {
        zip_free(z);
        return rc;
    }
    *out = z;
    return TRAWL_OK;
}

void zip_free(zip *z)
{
    if (!z) return;
    if (z->is_threaded) {
        pthread_mutex_lock(&z->mu);
        z->stop = 1;
        pthread_cond_signal(&z->cv_work);
        pthread_mutex_unlock(&z->mu);
        pthread_join(z->th, NULL);
        pthread_cond_destroy(&z->cv_done);
        pthread_cond_destroy(&z->cv_work);
        pthread_mutex_destroy(&z->mu);
    }
    for (size_t i = 0; i < z->n_slots; i++) {
        free(z->slots[i].raw);
        buf_free(&z->slots[i].z);
    }
    free(z->slots);
    sw_zip_free(z->zs);
    free(z);
}

/* Sets the state of slot s, under the mutex when the zip thread may look at it. Only a FULL
 * slot is news to the zip thread: waking it for a freed one cost a context switch per block. */
static void zip_set(zip *z, zip_slot *s, int state)
{
    if (z->is_threaded) pthread_mutex_lock(&z->mu);
    s->state = state;
    if (z->is_threaded && state == ZIP_FULL) pthread_cond_signal(&z->cv_work);
    if (z->is_threaded) pthread_mutex_unlock(&z->mu);
}

/* Hands the oldest submitted block to the writer, waiting for its compression. */
static int zip_deliver(zip *z)
{
    zip_slot *s = &z->slots[z->n_out % z->n_slots];
    int state;
    if (z->is_threaded) {
        pthread_mutex_lock(&z->mu);
        while (s->state != ZIP_DONE && s->state != ZIP_FAILED)
            pthread_cond_wait(&z->cv_done, &z->mu);
        state = s->state;
        pthread_mutex_unlock(&z->mu);
    } else {
        state = s->state;
    }
    if (state == ZIP_FAILED)
        return err_set(z->e, TRAWL_ENOMEM, "out of memory compressing stored text");
    int rc = sw_add_stored_block(z->sw, s->z.p, s->z.len, s->raw_len);
    s->raw_len = 0;
    zip_set(z, s, ZIP_FREE);
    z->n_out++;
    return rc;
}

/* Submits the block being filled: compresses it at once, or queues it for the zip thread and
 * makes sure the next slot is free. */
static int zip_submit(zip *z)
{
    zip_slot *s = &z->slots[z->n_sub % z->n_slots];
    z->n_sub++;
    if (!z->is_threaded) {
        s->state =
            sw_zip_block(z->zs, s->raw, s->raw_len, &s->z) == TRAWL_OK ? ZIP_DONE : ZIP_FAILED;
        return zip_deliver(z);
    }
    zip_set(z, s, ZIP_FULL);
    return z->n_sub - z->n_out == z->n_slots ? zip_deliver(z) : TRAWL_OK;
}

int zip_put(zip *z, const char *text, size_t n)
{
    int rc = TRAWL_OK;
    while (n > 0 && rc == TRAWL_OK) {
        zip_slot *s = &z->slots[z->n_sub % z->n_slots];
        size_t k = FMT_STORED_CUT - s->raw_len < n ? FMT_STORED_CUT - s->raw_len : n;
        memcpy(s->raw + s->raw_len, text, k);
        s->raw_len += k;
        text += k;
        n -= k;
        if (s->raw_len == FMT_STORED_CUT) rc = zip_submit(z);
    }
    return rc;
}

int zip_finish(zip *z)
{
    int rc = TRAWL_OK;
    if (z->slots[z->n_sub % z->n_slots].raw_len > 0) rc = zip_submit(z);
    while (rc == TRAWL_OK && z->n_out < z->n_sub)
        rc = zip_deliver(z);
    return rc;
}

int zip_put_block(zip *z, const void *z_bytes, size_t zlen, size_t raw_len)
{
    int rc = zip_finish(z);
    return rc == TRAWL_OK ? sw_add_stored_block(z->sw, z_bytes, zlen, raw_len) : rc;
}
