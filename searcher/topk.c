#include "topk.h"

#include <stdlib.h>

void topk_init(topk *h, topk_entry *mem, size_t k, int by_date)
{
    h->e = mem;
    h->n = 0;
    h->k = k;
    h->by_date = by_date;
}

/* 1 if a ranks below b in the final order. */
static int topk_worse(const topk *h, const topk_entry *a, const topk_entry *b)
{
    if (h->by_date && a->date != b->date) return a->date < b->date;
    if (a->score != b->score) return a->score < b->score;
    return a->doc > b->doc;
}

static void topk_sift_down(topk *h, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->n && topk_worse(h, &h->e[l], &h->e[m])) m = l;
        if (r < h->n && topk_worse(h, &h->e[r], &h->e[m])) m = r;
        if (m == i) return;
        topk_entry t = h->e[i];
        h->e[i] = h->e[m];
        h->e[m] = t;
        i = m;
    }
}

int topk_push(topk *h, double score, uint64_t doc, uint32_t date)
{
    topk_entry x = {score, doc, date};
    if (h->n < h->k) {
        size_t i = h->n++;
        while (i > 0) {
            size_t p = (i - 1) / 2;
            if (!topk_worse(h, &x, &h->e[p])) break;
            h->e[i] = h->e[p];
            i = p;
        }
        h->e[i] = x;
        return 1;
    }
    if (h->k == 0 || !topk_worse(h, &h->e[0], &x)) return 0;
    h->e[0] = x;
    topk_sift_down(h, 0);
    return 1;
}

void topk_sort(topk *h)
{
    size_t n = h->n;
    /* Heap sort: repeatedly move the worst to the end of the shrinking heap. */
    while (h->n > 1) {
        topk_entry t = h->e[0];
        h->e[0] = h->e[h->n - 1];
        h->e[h->n - 1] = t;
        h->n--;
        topk_sift_down(h, 0);
    }
    h->n = n;
}
