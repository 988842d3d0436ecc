/* termpool: writes the sorted terms of a postings buffer to a segment writer, with their lists
 * decoded and encoded (term_enc.h) on several threads. The terms are cut into chunks of
 * consecutive terms; helper threads and the caller encode chunks, and the caller writes them
 * in term order, so the segment's bytes do not depend on the thread count. Knows nothing of
 * documents, runs or stored text. */
#ifndef TRAWL_TERMPOOL_H
#define TRAWL_TERMPOOL_H

#include "err.h"
#include "postings_buf.h"
#include "segment_writer.h"

/* pb sorted (pb_sort) and every document added to sw. threads: 1 encodes on the calling
 * thread; N >= 2 starts N - 1 helpers for the call. Returns TRAWL_OK or the first error
 * (TRAWL_ENOMEM, TRAWL_EIO, TRAWL_EARG from the writer, TRAWL_ECORRUPT for a cut list). */
int tp_write(const postings_buf *pb, segment_writer *sw, unsigned threads, err *e);

#endif
