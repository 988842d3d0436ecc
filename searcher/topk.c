#include "topk.h"

#include <stdlib.h>

void topk_init(topk *h, topk_entry *mem, size_t k, int by_date)
{
    h->e = mem;
    h->n = 0;
    h->k = k;
    h->by_date = by_date;
}

/* 1 if a ranks below b in the final order. by_date is passed by value so the compiler keeps
 * it in a register across a sift. */
static inline int topk_worse(int by_date, const topk_entry *a, const topk_entry *b)
{
    if (by_date && a->date != b->date) return a->date < b->date;
    if (a->score != b->score) return a->score < b->score;
    return a->doc > b->doc;
}

/* 1 if a ranks below b by score alone (ties: the larger document loses). */
static inline int topk_worse_score(const topk_entry *a, const topk_entry *b)
{
    return a->score < b->score || (a->score == b->score && a->doc > b->doc);
}

/* Places x at hole i and sifts it down: children move up into the hole, x is written once.
 * The by-score order has its own loop: it is every ranked query's, and the generic compare's
 * date test costs as much as the rest of the sift. */
static void topk_place_score(topk_entry *e, size_t n, size_t i, topk_entry x)
{
    for (;;) {
        size_t l = 2 * i + 1;
        if (l >= n) break;
        size_t m = l + 1 < n && topk_worse_score(&e[l + 1], &e[l]) ? l + 1 : l;
        if (!topk_worse_score(&e[m], &x)) break;
        e[i] = e[m];
        i = m;
    }
    e[i] = x;
}

static void topk_place(topk *h, size_t i, topk_entry x)
{
    topk_entry *e = h->e;
    size_t n = h->n;
    int bd = h->by_date;
    if (!bd) {
        topk_place_score(e, n, i, x);
        return;
    }
    for (;;) {
        size_t l = 2 * i + 1;
        if (l >= n) break;
        size_t m = l + 1 < n && topk_worse(bd, &e[l + 1], &e[l]) ? l + 1 : l;
        if (!topk_worse(bd, &e[m], &x)) break;
        e[i] = e[m];
        i = m;
    }
    e[i] = x;
}

int topk_push(topk *h, double score, uint64_t doc, uint32_t date)
{
    topk_entry x = {score, doc, date};
    if (h->n < h->k) {
        size_t i = h->n++;
        while (i > 0) {
            size_t p = (i - 1) / 2;
            if (!topk_worse(h->by_date, &x, &h->e[p])) break;
            h->e[i] = h->e[p];
            i = p;
        }
        h->e[i] = x;
        return 1;
    }
    if (h->k == 0 || !topk_worse(h->by_date, &h->e[0], &x)) return 0;
    topk_place(h, 0, x);
    return 1;
}

/* Quickselect (Hoare partition, middle pivot): expected O(n), and n is at most a block. */
double topk_kth_largest(double *s, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1, want = k - 1; /* index of the answer in descending order */
    while (lo < hi) {
        double pv = s[lo + (hi - lo) / 2];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (s[i] > pv)
                i++;
            while (s[j] < pv)
                j--;
            if (i <= j) {
                double t = s[i];
                s[i] = s[j];
                s[j] = t;
                i++;
                if (j == 0) break;
                j--;
            }
        }
        /* Now s[lo..j] >= pv >= s[i..hi], and j < i. */
        if (want <= j)
            hi = j;
        else if (want >= i)
            lo = i;
        else
            return s[want];
    }
    return s[want];
}

/* Insertion sort, best first: for the usual ten hits it does a fraction of a heap sort's
 * compares (each hit is a unique document, so the order is total and either sort gives it). */
static void topk_sort_small(topk *h)
{
    topk_entry *e = h->e;
    int bd = h->by_date;
    for (size_t i = 1; i < h->n; i++) {
        topk_entry x = e[i];
        size_t j = i;
        if (bd)
            for (; j > 0 && topk_worse(bd, &e[j - 1], &x); j--)
                e[j] = e[j - 1];
        else
            for (; j > 0 && topk_worse_score(&e[j - 1], &x); j--)
                e[j] = e[j - 1];
        e[j] = x;
    }
}

void topk_sort(topk *h)
{
    size_t n = h->n;
    if (n <= 32) {
        topk_sort_small(h);
        return;
    }
    /* Heap sort: repeatedly move the worst to the end of the shrinking heap. */
    while (h->n > 1) {
        topk_entry worst = h->e[0];
        h->n--;
        topk_place(h, 0, h->e[h->n]);
        h->e[h->n] = worst;
    }
    h->n = n;
}
