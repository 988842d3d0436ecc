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

int buf_grow(buf *b, size_t n)
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

void buf_put_zeros(buf *b, size_t n)
{
    if (n == 0 || buf_reserve(b, n) < 0) return;
    memset(b->p + b->len, 0, n);
    b->len += n;
}
