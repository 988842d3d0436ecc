/* topk: the bounded heap of the best k hits of one query, shared by every segment of the query
 * so the threshold found in one segment prunes the next. Owns the hit order: score descending,
 * ties by global document ascending (or date descending first with sort by date). Knows nothing
 * of cursors. */
#ifndef TRAWL_TOPK_H
#define TRAWL_TOPK_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

typedef struct topk_entry {
    double score;
    uint64_t doc;  /**< global document number */
    uint32_t date; /**< YYYYMMDD or 0 */
} topk_entry;

typedef struct topk {
    topk_entry *e; /**< k slots, caller-provided (the search arena); e[0] is the worst */
    size_t n;      /**< filled slots */
    size_t k;      /**< capacity */
    int by_date;   /**< order by date first */
} topk;

void topk_init(topk *h, topk_entry *mem, size_t k, int by_date);

/* Inserts the hit if it beats the worst kept one. Returns 1 if it was kept. */
int topk_push(topk *h, double score, uint64_t doc, uint32_t date);

/* Score a new hit must exceed to enter (documents arrive in increasing order, so an equal score
 * loses the tie). -INFINITY while the heap is not full or when ordering by date. */
static inline double topk_threshold(const topk *h)
{
    if (h->n < h->k || h->by_date) return h->k == 0 && !h->by_date ? INFINITY : -INFINITY;
    return h->e[0].score;
}

/* The k-th largest of s[0..n) (1 <= k <= n), found by selection: s is reordered. A caller
 * holding n candidate scores of which only the best k can enter the heap pushes just those
 * >= it (equal ones too: a tie may still win on its document). */
double topk_kth_largest(double *s, size_t n, size_t k);

/* Sorts the kept hits best first (destroys the heap order). */
void topk_sort(topk *h);

#endif
