/* test_policy: the leveled merge policy on simulated streams of commits (no files): segment
 * counts stay logarithmic in index size over commit size, write amplification stays bounded,
 * tiny commits pile up before they merge, deleted documents are reclaimed, and no merge
 * passes max_bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "policy.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define TP_MAX 256

typedef struct tp_index {
    policy_seg s[TP_MAX];
    size_t n;
    uint64_t written; /**< bytes merges wrote */
    size_t max_n;     /**< most segments seen after a commit's merges */
} tp_index;

/* Carries out the policy's merges until it picks none. */
static void tp_settle(tp_index *x, const policy_opts *o)
{
    size_t idx[TP_MAX];
    size_t k;
    while ((k = policy_pick(x->s, x->n, o, idx)) > 0) {
        policy_seg out = {0, 0, 0};
        for (size_t i = 0; i < k; i++) {
            const policy_seg *s = &x->s[idx[i]];
            assert_true(i == 0 || idx[i] > idx[i - 1]);
            uint32_t live = s->n_docs - s->n_deleted;
            out.bytes += (uint64_t)((double)s->bytes * live / s->n_docs);
            out.n_docs += live;
        }
        assert_true(out.bytes <= o->max_bytes);
        x->written += out.bytes;
        size_t w = 0; /* the output takes the first input's place */
        for (size_t i = 0, j = 0; i < x->n; i++) {
            if (j < k && idx[j] == i) {
                if (j++ == 0) x->s[w++] = out;
                continue;
            }
            x->s[w++] = x->s[i];
        }
        x->n = w;
    }
    if (x->n > x->max_n) x->max_n = x->n;
}

static void tp_commit(tp_index *x, const policy_opts *o, uint64_t bytes, uint32_t docs)
{
    assert_true(x->n < TP_MAX);
    x->s[x->n++] = (policy_seg){bytes, docs, 0};
    tp_settle(x, o);
}

/* 1000 commits of 1 MB: about log10(1000) segments at most, each byte rewritten a bounded
 * number of times. */
static void test_segments_logarithmic(void **state)
{
    (void)state;
    policy_opts o;
    tp_index x = {0};
    policy_defaults(&o);
    for (int c = 0; c < 1000; c++)
        tp_commit(&x, &o, 1 << 20, 100);
    uint64_t in = (uint64_t)1000 << 20;
    double amp = (double)x.written / (double)in;
    fprintf(stderr, "# 1000 commits: %zu segments now, at most %zu, write amplification %.1f\n",
            x.n, x.max_n, amp);
    assert_true(x.max_n <= 2 + (size_t)ceil(log10(1000.0)));
    assert_true(amp <= o.ratio * 2.0);
}

/* The bench's case: a big one-shot segment, then 100 commits of 1% of its size: two or three
 * segments at every moment. */
static void test_big_plus_small_commits(void **state)
{
    (void)state;
    policy_opts o;
    tp_index x = {0};
    policy_defaults(&o);
    tp_commit(&x, &o, 25u << 20, 8771);
    for (int c = 0; c < 100; c++) {
        tp_commit(&x, &o, 250u << 10, 88);
        assert_true(x.n <= 3);
    }
}

/* Tiny commits pile up to merge_factor before they merge with each other. */
static void test_tiny_commits_pile_up(void **state)
{
    (void)state;
    policy_opts o;
    tp_index x = {0};
    policy_defaults(&o);
    tp_commit(&x, &o, 10u << 20, 1000);
    for (unsigned c = 1; c < o.merge_factor - 1; c++) {
        tp_commit(&x, &o, 2048, 1);
        assert_int_equal(x.n, 1 + c);
        assert_int_equal(x.written, 0);
    }
    tp_commit(&x, &o, 2048, 1);
    tp_commit(&x, &o, 2048, 1);
    assert_true(x.n < o.merge_factor);
    assert_true(x.written > 0);
}

/* A segment with more than max_deleted_pct deleted documents is rewritten; one below is not. */
static void test_deleted_reclaimed(void **state)
{
    (void)state;
    policy_opts o;
    size_t idx[4];
    policy_defaults(&o);
    policy_seg s[2] = {{100u << 20, 1000, 150}, {1u << 20, 10, 0}};
    assert_int_equal(policy_pick(s, 2, &o, idx), 0);
    s[0].n_deleted = 300;
    assert_int_equal(policy_pick(s, 2, &o, idx), 2);
    assert_int_equal(idx[0], 0);
    assert_int_equal(idx[1], 1);
    s[1].n_deleted = 5;
    s[0].n_deleted = 0;
    assert_int_equal(policy_pick(s, 2, &o, idx), 1);
    assert_int_equal(idx[0], 1);
}

/* No merge writes more than max_bytes: the big segment stays out, the smaller ones merge. */
static void test_max_bytes(void **state)
{
    (void)state;
    policy_opts o;
    size_t idx[4];
    policy_defaults(&o);
    o.max_bytes = 100u << 20;
    policy_seg s[3] = {{90u << 20, 900, 0}, {10u << 20, 100, 0}, {5u << 20, 50, 0}};
    assert_int_equal(policy_pick(s, 3, &o, idx), 2);
    assert_int_equal(idx[0], 1);
    assert_int_equal(idx[1], 2);
}

/* With the default options no merge output passes 4 GiB, however large the index grows: every
 * 32-bit offset of the format (dictionary index, skip table ends, positions ends, ids, doc
 * table) addresses inside one section or one term's list of a segment, so it holds for any
 * segment up to 2^32 bytes. Commits of 256 MiB up to 40 GiB: segments stay at most 4 GiB, big
 * ones stop merging and the small ones keep merging among themselves. */
static void test_default_cap_fits_32_bit_offsets(void **state)
{
    (void)state;
    static tp_index x;
    policy_opts o;
    policy_defaults(&o);
    assert_true(o.max_bytes <= (uint64_t)UINT32_MAX + 1);
    memset(&x, 0, sizeof x);
    for (int i = 0; i < 160; i++)
        tp_commit(&x, &o, (uint64_t)256 << 20, 1000000);
    uint64_t total = 0;
    for (size_t i = 0; i < x.n; i++) {
        assert_true(x.s[i].bytes <= (uint64_t)UINT32_MAX + 1);
        total += x.s[i].bytes;
    }
    assert_true(total == (uint64_t)40 << 30);
    assert_true(x.n >= 10 && x.n < 40);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_segments_logarithmic),
        cmocka_unit_test(test_big_plus_small_commits),
        cmocka_unit_test(test_tiny_commits_pile_up),
        cmocka_unit_test(test_deleted_reclaimed),
        cmocka_unit_test(test_max_bytes),
        cmocka_unit_test(test_default_cap_fits_32_bit_offsets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
