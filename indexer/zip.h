/* zip: the stored-text pipeline of a segment being written. Text is appended as one byte
 * stream, cut into FMT_STORED_BLOCK-byte blocks, each compressed (inline, or on a helper thread
 * so that compression overlaps analysis) and handed to the segment writer in order through
 * sw_add_stored_block: the file's bytes do not depend on the thread count. A block that is
 * already compressed (a merge copying another segment's block) can be passed through after the
 * pending bytes are cut as a shorter block. */
#ifndef TRAWL_ZIP_H
#define TRAWL_ZIP_H

#include "err.h"
#include "segment_writer.h"

#include <stddef.h>

typedef struct zip zip;

#define ZIP_MIN_BLOCKS 8   /**< blocks in flight to the helper thread, at least */
#define ZIP_MAX_BLOCKS 128 /**< and at most (2 MB of text) */

/* Blocks in flight for a ring of ring_bytes: each holds FMT_STORED_CUT bytes of text and about
 * as many compressed, so a ring takes about 2 * FMT_STORED_CUT bytes per block. */
size_t zip_ring_blocks(size_t ring_bytes);

/* threads >= 2 starts the helper thread, with zip_ring_blocks(ring_bytes) blocks in flight to
 * it (ring_bytes is ignored without it). TRAWL_ENOMEM, TRAWL_EIO (no thread). */
int zip_new(zip **out, segment_writer *sw, unsigned threads, size_t ring_bytes, err *e);
/* Stops the helper thread (whatever it is doing) and frees everything. Accepts NULL. */
void zip_free(zip *z);

/* Appends text to the stream. */
int zip_put(zip *z, const char *text, size_t n);

/* Cuts the pending bytes as one (short) block, then passes the compressed block z_bytes
 * (raw_len bytes of text) to the writer as it is. */
int zip_put_block(zip *z, const void *z_bytes, size_t zlen, size_t raw_len);

/* Compresses the last, partial block and delivers every block still in flight. */
int zip_finish(zip *z);

#endif
