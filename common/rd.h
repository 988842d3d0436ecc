/* rd: bounded little-endian reader over untrusted bytes (mmapped index files).
 * Every getter checks bounds first; on failure it sets the sticky r->err and returns 0, so a
 * parse can run to the end and be checked once. Nothing here trusts a length from disk. */
#ifndef TRAWL_RD_H
#define TRAWL_RD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "trawl assumes a little-endian host");

typedef struct rd {
    const uint8_t *base; /**< first byte of the region */
    size_t len;          /**< bytes in the region */
    size_t pos;          /**< next byte to read */
    int err;             /**< set once a read ran past the end or found a malformed value */
} rd;

static inline void rd_init(rd *r, const void *base, size_t len)
{
    r->base = (const uint8_t *)base;
    r->len = len;
    r->pos = 0;
    r->err = 0;
}

static inline uint64_t rd_fail(rd *r)
{
    r->err = 1;
    r->pos = r->len;
    return 0;
}

static inline size_t rd_left(const rd *r)
{
    return r->len - r->pos;
}

static inline uint8_t rd_u8(rd *r)
{
    if (r->err || r->len - r->pos < 1) return (uint8_t)rd_fail(r);
    return r->base[r->pos++];
}

static inline uint16_t rd_u16(rd *r)
{
    uint16_t v;
    if (r->err || r->len - r->pos < 2) return (uint16_t)rd_fail(r);
    memcpy(&v, r->base + r->pos, 2);
    r->pos += 2;
    return v;
}

static inline uint32_t rd_u32(rd *r)
{
    uint32_t v;
    if (r->err || r->len - r->pos < 4) return (uint32_t)rd_fail(r);
    memcpy(&v, r->base + r->pos, 4);
    r->pos += 4;
    return v;
}

static inline uint64_t rd_u64(rd *r)
{
    uint64_t v;
    if (r->err || r->len - r->pos < 8) return rd_fail(r);
    memcpy(&v, r->base + r->pos, 8);
    r->pos += 8;
    return v;
}

/* Pointer-style LEB128 for hot loops that walk raw bytes without an rd: reads one value at *p
 * (< end) into *v and advances *p; returns -1 (leaving *p) when it is truncated or does not fit.
 * The one-byte case, by far the most common in postings and dictionaries, takes one branch. */
static inline int leb_u32(const uint8_t **p, const uint8_t *end, uint32_t *v)
{
    const uint8_t *q = *p;
    uint32_t x = 0;
    if (q < end && *q < 0x80) {
        *v = *q;
        *p = q + 1;
        return 0;
    }
    for (unsigned shift = 0; shift < 35 && q < end; shift += 7) {
        uint8_t b = *q++;
        if (shift == 28 && b > 0x0f) return -1;
        x |= (uint32_t)(b & 0x7f) << shift;
        if (b < 0x80) {
            *v = x;
            *p = q;
            return 0;
        }
    }
    return -1;
}

static inline int leb_u64(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    const uint8_t *q = *p;
    uint64_t x = 0;
    if (q < end && *q < 0x80) {
        *v = *q;
        *p = q + 1;
        return 0;
    }
    for (unsigned shift = 0; shift < 70 && q < end; shift += 7) {
        uint8_t b = *q++;
        if (shift == 63 && b > 1) return -1;
        x |= (uint64_t)(b & 0x7f) << shift;
        if (b < 0x80) {
            *v = x;
            *p = q;
            return 0;
        }
    }
    return -1;
}

/* LEB128 varint, at most 5 bytes for 32 bits; an over-long or truncated value fails. */
static inline uint32_t rd_vu32(rd *r)
{
    const uint8_t *p = r->base + r->pos;
    uint32_t v;
    if (r->err || leb_u32(&p, r->base + r->len, &v) < 0) return (uint32_t)rd_fail(r);
    r->pos = (size_t)(p - r->base);
    return v;
}

/* LEB128 varint of up to 64 bits (10 bytes). */
static inline uint64_t rd_vu64(rd *r)
{
    const uint8_t *p = r->base + r->pos;
    uint64_t v;
    if (r->err || leb_u64(&p, r->base + r->len, &v) < 0) return rd_fail(r);
    r->pos = (size_t)(p - r->base);
    return v;
}

/* Returns a pointer to the next n bytes and advances, or NULL (and sets err) if fewer remain. */
static inline const uint8_t *rd_bytes(rd *r, size_t n)
{
    const uint8_t *p;
    if (r->err || r->len - r->pos < n) return (const uint8_t *)(uintptr_t)rd_fail(r);
    p = r->base + r->pos;
    r->pos += n;
    return p;
}

#endif
