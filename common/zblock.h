/* zblock: inflates one stored-text block, a whole zlib stream of known raw length
 * (docs/FORMAT.md, "Stored text"), and says why it could not: zlib running out of memory is
 * TRAWL_ENOMEM, a damaged stream TRAWL_ECORRUPT, so an operator is never told to rebuild a
 * healthy index. Allocation goes through an optional hook so tests can make zlib's fail. The block
 * layout and its index are segment.c's. */
#ifndef TRAWL_ZBLOCK_H
#define TRAWL_ZBLOCK_H

#include <stddef.h>
#include <stdint.h>

/* zlib's allocator pair (alloc_func, free_func) and its opaque pointer. */
typedef struct zblock_alloc {
    void *(*alloc)(void *opaque, unsigned items, unsigned size); /**< NULL on failure */
    void (*free)(void *opaque, void *p);
    void *opaque;
} zblock_alloc;

/* Inflates the zlib stream in[0..in_len) into out[0..raw_len), which it must fill exactly, with
 * no byte of in left over. alloc NULL: libdeflate first (malloc), then, if it refuses the
 * stream, zlib with its default allocator to tell why; alloc set: zlib alone, through alloc.
 * Returns TRAWL_OK; TRAWL_ENOMEM when zlib cannot allocate its state or window (Z_MEM_ERROR);
 * TRAWL_ECORRUPT when the stream is malformed (Z_DATA_ERROR, a wrong adler32 included), needs a
 * preset dictionary, ends early, holds more or fewer than raw_len bytes, or is followed by other
 * bytes; TRAWL_EIO when the zlib library itself refuses (version mismatch). why (why_cap
 * bytes, at least 1) receives a short reason for the message, "" on success. */
int zblock_inflate(const uint8_t *in, size_t in_len, uint8_t *out, size_t raw_len,
                   const zblock_alloc *alloc, char *why, size_t why_cap);

#endif
