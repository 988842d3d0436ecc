/* listpool: size-class blocks carved from slabs (contract in listpool.h).
 *
 *   slab: [ lp_slab header | block | block | ... | unused ]      bump pointer: p->used
 *   free[k]: blocks of 2^(k+3) bytes given back, linked through their first 8 bytes
 *
 * Slabs start at 64 KB and double up to 2 MB, so a small buffer costs little and a large one is
 * made of huge pages. A slab is never returned before lp_free: blocks only move to free lists. */
#include "listpool.h"

#include "hugemem.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define LP_FIRST_SLAB ((size_t)64 << 10)
#define LP_MAX_SLAB   ((size_t)2 << 20)

struct lp_slab {
    lp_slab *next; /**< older slab */
    size_t size;   /**< bytes, header included */
    max_align_t align[];
};

_Static_assert(LP_MIN_BLOCK == 1u << 3 && LP_MAX_BLOCK == 1u << (3 + LP_N_SIZES - 1),
               "a free list per power of two from LP_MIN_BLOCK to LP_MAX_BLOCK");

void lp_init(listpool *p)
{
    memset(p, 0, sizeof *p);
}

void lp_free(listpool *p)
{
    for (lp_slab *s = p->slabs, *next; s; s = next) {
        next = s->next;
        free(s);
    }
    lp_init(p);
}

/* Free-list index of a block of cap bytes (a power of two in [LP_MIN_BLOCK, LP_MAX_BLOCK]). */
static unsigned lp_class(size_t cap)
{
    return (unsigned)__builtin_ctzll((unsigned long long)cap) - 3;
}

/* A block of cap bytes (a slab size class): from its free list, else carved from the newest
 * slab (a new one when it is full). NULL when memory runs out. */
static uint8_t *lp_take(listpool *p, size_t cap)
{
    unsigned k = lp_class(cap);
    uint8_t *b = p->free[k];
    if (b) {
        memcpy(&p->free[k], b, sizeof(void *));
        return b;
    }
    if (!p->slabs || p->slabs->size - p->used < cap) {
        size_t size = p->slabs ? 2 * p->slabs->size : LP_FIRST_SLAB;
        if (size > LP_MAX_SLAB) size = LP_MAX_SLAB;
        /* The tail of the full slab stays unused: at most one block of less than cap bytes. */
        lp_slab *s = size >= LP_MAX_SLAB ? hugemem_alloc(size) : malloc(size);
        if (!s) return NULL;
        s->next = p->slabs;
        s->size = size;
        p->slabs = s;
        p->used = sizeof *s;
    }
    b = (uint8_t *)p->slabs + p->used;
    p->used += cap;
    return b;
}

void lp_release(listpool *p, uint8_t *list, size_t cap)
{
    if (!list) return;
    if (cap > LP_MAX_BLOCK) {
        free(list);
        return;
    }
    unsigned k = lp_class(cap);
    memcpy(list, &p->free[k], sizeof(void *));
    p->free[k] = list;
}

uint8_t *lp_grow(listpool *p, uint8_t *list, size_t cap, size_t n, size_t new_cap)
{
    uint8_t *q;
    if (cap > LP_MAX_BLOCK) return realloc(list, new_cap);
    q = new_cap > LP_MAX_BLOCK ? malloc(new_cap) : lp_take(p, new_cap);
    if (!q) return NULL;
    if (n) memcpy(q, list, n);
    lp_release(p, list, cap);
    return q;
}
