/* termpool: encodes term lists (term_enc.h) on several threads and hands them to a segment
 * writer in term order, so the segment's bytes do not depend on the thread count. A job cuts
 * its terms into chunks of consecutive terms; helper threads and the caller encode chunks, and
 * the caller writes them in chunk order. tp_write is the job of a sorted postings buffer; the
 * final merge of spilled runs is another (runmerge.h). Knows nothing of documents or stored
 * text. */
#ifndef TRAWL_TERMPOOL_H
#define TRAWL_TERMPOOL_H

#include "buf.h"
#include "err.h"
#include "postings_buf.h"
#include "segment_writer.h"
#include "term_enc.h"

/* An encoder thread's own state. */
typedef struct tp_scratch {
    term_enc te;
    uint32_t *pos; /**< room for one posting's positions */
    uint32_t cap;
} tp_scratch;

void tp_scratch_init(tp_scratch *x);
void tp_scratch_free(tp_scratch *x);
/* Makes room for n positions in x->pos. 0 or -1 (out of memory). */
int tp_scratch_pos(tp_scratch *x, uint32_t n);

typedef struct tp_job {
    void *ctx;
    size_t n_chunks;
    /* Appends chunk c's records to out, on any thread (with that thread's scratch): TRAWL_OK,
     * TRAWL_ENOMEM, TRAWL_EARG or TRAWL_ECORRUPT with *why. */
    int (*encode)(void *ctx, size_t c, tp_scratch *x, buf *out, const char **why);
    /* Writes chunk c's records rec[0..len), on the caller's thread, chunks in order. Returns
     * TRAWL_OK or the writer's error. */
    int (*write)(void *ctx, size_t c, const uint8_t *rec, size_t len);
} tp_job;

/* Runs job on the calling thread and threads - 1 helpers started for the call. Returns
 * TRAWL_OK or the first error (the encoder's, said in e, or the writer's). */
int tp_run_job(const tp_job *job, unsigned threads, err *e);

/* pb sorted (pb_sort) and every document added to sw. threads: 1 encodes on the calling
 * thread; N >= 2 starts N - 1 helpers for the call. Returns TRAWL_OK or the first error
 * (TRAWL_ENOMEM, TRAWL_EIO, TRAWL_EARG from the writer, TRAWL_ECORRUPT for a cut list). */
int tp_write(const postings_buf *pb, segment_writer *sw, unsigned threads, err *e);

#endif
