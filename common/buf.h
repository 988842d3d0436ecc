/* buf: growable byte buffer for building file sections in memory before they are written.
 * Allocation failure is sticky (b->oom) so writers check once after a run of appends. */
#ifndef TRAWL_BUF_H
#define TRAWL_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct buf {
    uint8_t *p; /**< bytes; owned, free with buf_free */
    size_t len; /**< bytes used */
    size_t cap; /**< bytes allocated */
    int oom;    /**< set once an allocation failed; later appends are no-ops */
} buf;

void buf_init(buf *b);
void buf_free(buf *b);
/* Makes room for n more bytes; returns 0, or -1 (and sets oom). */
int buf_reserve(buf *b, size_t n);
void buf_put(buf *b, const void *p, size_t n);
void buf_put_u8(buf *b, uint8_t v);
void buf_put_u16(buf *b, uint16_t v);
void buf_put_u32(buf *b, uint32_t v);
void buf_put_u64(buf *b, uint64_t v);
void buf_put_vu32(buf *b, uint32_t v); /**< LEB128 */
void buf_put_vu64(buf *b, uint64_t v); /**< LEB128 */
void buf_put_zeros(buf *b, size_t n);

#endif
