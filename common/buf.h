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
/* buf_reserve's slow path: grows the allocation (doubling) to hold n more bytes. 0 or -1. */
int buf_grow(buf *b, size_t n);
void buf_put_zeros(buf *b, size_t n);

/* The appends are inline: encoders call them once per number (a position gap, a doc id), where
 * a call into buf.c cost more than the append. */

/* Makes room for n more bytes; returns 0, or -1 (and sets oom). */
static inline int buf_reserve(buf *b, size_t n)
{
    if (!b->oom && b->cap - b->len >= n) return 0;
    return buf_grow(b, n);
}

static inline void buf_put(buf *b, const void *p, size_t n)
{
    if (n == 0 || buf_reserve(b, n) < 0) return;
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

static inline void buf_put_u8(buf *b, uint8_t v)
{
    if (buf_reserve(b, 1) < 0) return;
    b->p[b->len++] = v;
}

static inline void buf_put_u16(buf *b, uint16_t v)
{
    buf_put(b, &v, 2);
}

static inline void buf_put_u32(buf *b, uint32_t v)
{
    buf_put(b, &v, 4);
}

static inline void buf_put_u64(buf *b, uint64_t v)
{
    buf_put(b, &v, 8);
}

/* LEB128 */
static inline void buf_put_vu64(buf *b, uint64_t v)
{
    if (buf_reserve(b, 10) < 0) return;
    uint8_t *o = b->p + b->len;
    while (v >= 0x80) {
        *o++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *o++ = (uint8_t)v;
    b->len = (size_t)(o - b->p);
}

/* LEB128 */
static inline void buf_put_vu32(buf *b, uint32_t v)
{
    buf_put_vu64(b, v);
}

#endif
