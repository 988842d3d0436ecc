/* merge: k-way merge of term-ordered postings sources (spill.h) into one term-ordered stream.
 * Owns the heap and the concatenation rule; the sink decides where the result goes (the
 * segment writer for the final merge, a new run for an intermediate one). */
#ifndef TRAWL_MERGE_H
#define TRAWL_MERGE_H

#include "err.h"
#include "spill.h"

#include <stddef.h>
#include <stdint.h>

/* Where merged postings go. Each callback returns TRAWL_OK or a negative error (which stops
 * the merge). One indirect call per posting: noise next to the writer's own work. */
typedef struct merge_sink {
    void *ctx;
    int (*term_begin)(void *ctx, const char *term, size_t len);
    int (*doc)(void *ctx, uint32_t doc, const uint32_t *pos, uint32_t tf);
    int (*term_end)(void *ctx);
} merge_sink;

/* Merges srcs[0..n) (fresh sources, not yet advanced) term by term in byte order. Sources are
 * given in document order: for one term, the postings of source i all come before those of
 * source i + 1, so lists are concatenated in source order (checked: doc ids must increase).
 * n_terms (may be NULL) receives the number of distinct terms emitted. */
int merge_run(spill_src *const *srcs, size_t n, const merge_sink *sink, uint64_t *n_terms, err *e);

/* A sink writing a new run through w (spill_writer_* as callbacks). */
merge_sink merge_sink_run(spill_writer *w);

#endif
