/* policy: the tiered merge choice (contract in policy.h). */
#include "policy.h"

#include <stdlib.h>

void policy_defaults(policy_opts *o)
{
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

static unsigned policy_level(uint64_t live, const policy_opts *o)
{
    unsigned level = 0;
    for (uint64_t top = o->floor_bytes; live >= top && level < 64; level++) {
        if (top > UINT64_MAX / o->merge_factor) return level + 1;
        top *= o->merge_factor;
    }
    return level;
}

/* Insertion sort of idx[0..n) by live size, smallest first (n is a few dozen at most). */
static void policy_sort(const policy_seg *segs, size_t *idx, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        size_t x = idx[i], j = i;
        for (; j > 0 && policy_live(&segs[idx[j - 1]]) > policy_live(&segs[x]); j--)
            idx[j] = idx[j - 1];
        idx[j] = x;
    }
}

static void policy_sort_index(size_t *idx, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        size_t x = idx[i], j = i;
        for (; j > 0 && idx[j - 1] > x; j--)
            idx[j] = idx[j - 1];
        idx[j] = x;
    }
}

/* The merge_factor smallest segments of the lowest full level, if their sum fits max_bytes. */
static size_t policy_level_merge(const policy_seg *segs, size_t n, const policy_opts *o,
                                 size_t *idx)
{
    for (unsigned level = 0; level < 65; level++) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (segs[i].n_docs && policy_level(policy_live(&segs[i]), o) == level) idx[k++] = i;
        if (k < o->merge_factor) continue;
        policy_sort(segs, idx, k);
        uint64_t sum = 0;
        size_t m = 0;
        while (m < o->merge_factor && sum + policy_live(&segs[idx[m]]) <= o->max_bytes)
            sum += policy_live(&segs[idx[m++]]);
        if (m < 2) continue;
        policy_sort_index(idx, m);
        return m;
    }
    return 0;
}

size_t policy_pick(const policy_seg *segs, size_t n, const policy_opts *o, size_t *idx)
{
    if (n == 0 || o->merge_factor < 2) return 0;
    size_t m = policy_level_merge(segs, n, o, idx);
    if (m) return m;
    for (size_t i = 0; i < n; i++) {
        const policy_seg *s = &segs[i];
        if (s->n_deleted &&
            (uint64_t)s->n_deleted * 100 > (uint64_t)s->n_docs * o->max_deleted_pct) {
            idx[0] = i;
            return 1;
        }
    }
    return 0;
}
