/* apool: analyses documents on worker threads and hands them back in the order they were put.
 * Documents are copied into batches; a worker (each with its own analyzer) turns each document
 * into its postings (the tokens grouped by term: tf and position gaps, encoded as a postings
 * buffer encodes them); the caller replays the batches, oldest first, on its own thread, so
 * whatever it builds from them (a postings buffer, a segment) has the same bytes as a build
 * that analyses inline, at one lookup per distinct term of a document instead of per token. When
 * every batch slot is taken the caller analyses the oldest waiting batch itself instead of
 * sleeping. Knows nothing of postings or segments. */
#ifndef TRAWL_APOOL_H
#define TRAWL_APOOL_H

#include "err.h"
#include "format.h"
#include "grams.h"

#include <stddef.h>
#include <stdint.h>

typedef struct apool apool;

/* One analysed document, as the replay callback sees it. Pointers are valid during the call. */
typedef struct ap_doc {
    const char *id;
    size_t id_len;
    uint32_t date;
    const char *text;
    size_t text_len;
    fmt_src src;
    uint32_t n_tokens;              /**< positions used (analyzer_run's *n_tokens) */
    size_t n_invalid;               /**< invalid UTF-8 sequences skipped */
    const uint8_t *toks, *toks_end; /**< its postings, read with ap_next_posting */
} ap_doc;

/* Called for each document in put order, on the thread that calls ap_put / ap_flush. A
 * negative return (a TRAWL_E* code, said in the caller's err) stops the pool: every later call
 * returns it. */
typedef int (*ap_replay_fn)(void *ctx, const ap_doc *d);

/* workers >= 1 threads, each with an analyzer for language and max_token_len whose stem cache
 * is bounded to cache_bytes (0: the analyzer's default), adding the phrase grams of gr
 * (shared, read-only; NULL: none) to each document's postings; the caller's own analyses use
 * one more such analyzer. TRAWL_EARG (language), TRAWL_ENOMEM, TRAWL_EIO (a thread could not
 * start). */
int ap_new(apool **out, const char *language, uint32_t max_token_len, const grams *gr,
           unsigned workers, size_t cache_bytes, ap_replay_fn replay, void *ctx, err *e);

/* About the most memory a pool of workers holds besides its analyzers' caches (batches in the
 * ring, their postings, grouping tables), for documents of at most a batch's size: for a
 * caller that shares out a memory budget. */
size_t ap_mem_bytes(unsigned workers);
/* Stops the workers (after the batch each is analysing) and frees everything; documents not
 * replayed are dropped. Accepts NULL. */
void ap_free(apool *p);

/* Copies a document into the current batch; may replay finished batches, or analyse one. */
int ap_put(apool *p, const char *id, size_t id_len, uint32_t date, const char *text,
           size_t text_len, const fmt_src *src);

/* Analyses and replays every document put so far. */
int ap_flush(apool *p);

/* Reads the next posting of d (its terms in first-seen order): 1 with the term's bytes, its
 * tf, and its tf position gaps (LEB128, the first from 0; pos / n_pos bytes); 0 at the end. */
static inline int ap_next_posting(const uint8_t **p, const uint8_t *end, const char **term,
                                  uint32_t *len, uint32_t *tf, const uint8_t **pos, size_t *n_pos)
{
    if (*p >= end) return 0;
    const uint8_t *q = *p;
    uint32_t v[2] = {0, 0};
    *len = *q++;
    *term = (const char *)q;
    q += *len;
    for (int i = 0; i < 2; i++)
        for (unsigned shift = 0;; shift += 7) {
            uint8_t b = *q++;
            v[i] |= (uint32_t)(b & 0x7f) << shift;
            if (b < 0x80) break;
        }
    *tf = v[0];
    *pos = q;
    *n_pos = v[1];
    *p = q + v[1];
    return 1;
}

#endif
