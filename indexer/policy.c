/* policy: the leveled merge choice (contract in policy.h). */
#include "policy.h"

#include <stdlib.h>

/* The format's 32-bit offsets (docs/FORMAT.md: dictionary index, skip table DocEnd and PosEnd,
 * id offsets) each address inside one section or one term's list, so they hold in any segment
 * of at most 2^32 bytes; the writer still refuses a section or list past 4 GiB (TRAWL_EARG)
 * should a merge come out larger than its live-size estimate. */
_Static_assert(POLICY_MAX_BYTES <= (uint64_t)UINT32_MAX + 1, "merge cap past 32-bit offsets");

void policy_defaults(policy_opts *o)
{
    o->ratio = POLICY_RATIO;
    o->merge_factor = POLICY_MERGE_FACTOR;
    o->floor_bytes = POLICY_FLOOR_BYTES;
    o->max_bytes = POLICY_MAX_BYTES;
    o->max_deleted_pct = POLICY_MAX_DELETED_PCT;
}

/* Bytes of the live documents, estimated from the file size. */
static uint64_t policy_live(const policy_seg *s)
{
    if (s->n_docs == 0) return 0;
    return (uint64_t)((double)s->bytes * (double)(s->n_docs - s->n_deleted) / (double)s->n_docs);
}

/* ord[0..n): segment indices by live size, largest first (insertion sort: n is small). */
static void policy_order(const policy_seg *segs, size_t n, size_t *ord)
{
    for (size_t i = 0; i < n; i++) {
        size_t j = i;
        for (; j > 0 && policy_live(&segs[ord[j - 1]]) < policy_live(&segs[i]); j--)
            ord[j] = ord[j - 1];
        ord[j] = i;
    }
}

/* Copies ord[from..n) into idx in increasing index order; returns the count. */
static size_t policy_take(const size_t *ord, size_t from, size_t n, size_t *idx)
{
    size_t k = 0;
    for (size_t i = from; i < n; i++) {
        size_t j = k++;
        for (; j > 0 && idx[j - 1] > ord[i]; j--)
            idx[j] = idx[j - 1];
        idx[j] = ord[i];
    }
    return k;
}

static int policy_too_deleted(const policy_seg *s, const policy_opts *o)
{
    return s->n_deleted && (uint64_t)s->n_deleted * 100 > (uint64_t)s->n_docs * o->max_deleted_pct;
}

/* The first place, largest segments first, where the order breaks: a segment smaller than
 * ratio times all smaller ones together, or one with too many deleted documents. That segment
 * and all smaller ones merge (or only the smaller ones, when the sum would pass max_bytes). */
static size_t policy_leveled(const policy_seg *segs, size_t n, const policy_opts *o,
                             const size_t *ord, size_t *idx)
{
    uint64_t *suffix = malloc((n + 1) * sizeof *suffix);
    size_t k = 0;
    if (!suffix) return 0;
    suffix[n] = 0;
    for (size_t i = n; i-- > 0;)
        suffix[i] = suffix[i + 1] + policy_live(&segs[ord[i]]);
    for (size_t i = 0; i < n && !k; i++) {
        uint64_t self = policy_live(&segs[ord[i]]), rest = suffix[i + 1];
        int broken = i + 1 < n && self < (uint64_t)o->ratio * rest;
        int deleted = policy_too_deleted(&segs[ord[i]], o);
        if (!broken && !deleted) continue;
        if (broken && self < o->floor_bytes && n - i < o->merge_factor) break; /* tiny pile */
        if (self + rest <= o->max_bytes)
            k = policy_take(ord, i, n, idx);
        else if (n - i - 1 >= 2 && rest <= o->max_bytes)
            k = policy_take(ord, i + 1, n, idx);
    }
    free(suffix);
    return k;
}

size_t policy_pick(const policy_seg *segs, size_t n, const policy_opts *o, size_t *idx)
{
    if (n == 0 || o->ratio < 2 || o->merge_factor < 2) return 0;
    size_t *ord = malloc(n * sizeof *ord);
    if (!ord) return 0;
    policy_order(segs, n, ord);
    size_t k = policy_leveled(segs, n, o, ord, idx);
    free(ord);
    return k;
}
