/* listpool: memory for many growable byte lists (the postings buffer's, one per term). Blocks
 * of 2^k bytes up to LP_MAX_BLOCK are carved from slabs of up to 2 MB (on transparent huge
 * pages, hugemem.h) and recycled through a free list per size, larger blocks come from malloc.
 * Against a malloc per list: no allocator call as a list grows, lists packed densely, a list's
 * end found without a page walk, and freeing the lot is a few calls instead of one per term.
 * Knows nothing of what the lists hold. */
#ifndef TRAWL_LISTPOOL_H
#define TRAWL_LISTPOOL_H

#include <stddef.h>
#include <stdint.h>

#define LP_MIN_BLOCK 8u          /**< smallest block (it holds a free-list link) */
#define LP_MAX_BLOCK (64u << 10) /**< largest block from a slab; larger ones are malloc'd */
#define LP_N_SIZES   14          /**< block sizes: 2^3 .. 2^16 */

typedef struct lp_slab lp_slab;

typedef struct listpool {
    lp_slab *slabs;         /**< newest first */
    size_t used;            /**< bytes carved from the newest slab */
    void *free[LP_N_SIZES]; /**< a free list per block size, smallest first */
} listpool;

void lp_init(listpool *p);
/* Frees every slab; lists of more than LP_MAX_BLOCK bytes must each have been released. */
void lp_free(listpool *p);

/* Moves a list of cap bytes (a power of two >= LP_MIN_BLOCK, or 0 with list NULL), whose first n
 * bytes are used, to a block of new_cap bytes (a larger power of two) and gives back the old
 * one. Returns the new block, or NULL when memory runs out (the old block is then kept). */
uint8_t *lp_grow(listpool *p, uint8_t *list, size_t cap, size_t n, size_t new_cap);

/* Gives back a list of cap bytes (nothing for NULL). */
void lp_release(listpool *p, uint8_t *list, size_t cap);

#endif
