#include "buf.h"

#include <stdlib.h>

void buf_init(buf *b)
{
    b->p = NULL;
    b->len = b->cap = 0;
    b->oom = 0;
}

void buf_free(buf *b)
{
    free(b->p);
    buf_init(b);
}

int buf_reserve(buf *b, size_t n)
{
    if (b->oom) return -1;
    if (b->cap - b->len >= n) return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < n) {
        if (cap > SIZE_MAX / 2) {
            b->oom = 1;
            return -1;
        }
        cap *= 2;
    }
    uint8_t *p = realloc(b->p, cap);
    if (!p) {
        b->oom = 1;
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

void buf_put(buf *b, const void *p, size_t n)
{
    if (n == 0 || buf_reserve(b, n) < 0) return;
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

void buf_put_u8(buf *b, uint8_t v)
{
    buf_put(b, &v, 1);
}

void buf_put_u16(buf *b, uint16_t v)
{
    buf_put(b, &v, 2);
}

void buf_put_u32(buf *b, uint32_t v)
{
    buf_put(b, &v, 4);
}

void buf_put_u64(buf *b, uint64_t v)
{
    buf_put(b, &v, 8);
}

void buf_put_vu32(buf *b, uint32_t v)
{
    buf_put_vu64(b, v);
}

void buf_put_vu64(buf *b, uint64_t v)
{
    uint8_t tmp[10];
    size_t n = 0;
    while (v >= 0x80) {
        tmp[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    tmp[n++] = (uint8_t)v;
    buf_put(b, tmp, n);
}

void buf_put_zeros(buf *b, size_t n)
{
    if (n == 0 || buf_reserve(b, n) < 0) return;
    memset(b->p + b->len, 0, n);
    b->len += n;
}
