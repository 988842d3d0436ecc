/* test_codec: round trips of the block, varint and list formats under every implementation,
 * the exact block layout on a small example, corrupt inputs, and the prefix sum. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codec.h"

#define TEST_SEED 0x9e3779b97f4a7c15ull

static const char *const test_impls[] = {"scalar", "sse4.1", "avx2"};
#define TEST_N_IMPLS (sizeof(test_impls) / sizeof(test_impls[0]))

typedef struct test_rng {
    uint64_t s;
} test_rng;

static uint32_t test_rand(test_rng *r)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return (uint32_t)(r->s >> 16);
}

/* A value of exactly w bits at most (w in 0..32). */
static uint32_t test_rand_bits(test_rng *r, unsigned w)
{
    if (w == 0) return 0;
    return test_rand(r) >> (32 - w);
}

/* Buffers carry CODEC_OVERREAD bytes of slack, as sections on disk do. */
static void *test_alloc(size_t n)
{
    void *p = calloc(1, n + CODEC_OVERREAD);
    assert_non_null(p);
    return p;
}

static void test_force(const char *name)
{
    assert_int_equal(codec_force_impl(name), 0);
}

/* Forces name if the CPU has it; returns whether it is now in use. */
static int test_try_impl(const char *name)
{
    return codec_force_impl(name) == 0;
}

/* Restores the implementation chosen from the CPU, so tests do not leak a forced one. */
static void test_force_default(void)
{
    const char *best = test_try_impl("avx2")     ? "avx2"
                       : test_try_impl("sse4.1") ? "sse4.1"
                                                 : "scalar";
    test_force(best);
}

static void test_max_bits(void **state)
{
    uint32_t v[3] = {0, 0, 0};
    (void)state;
    assert_int_equal(codec_max_bits(v, 0), 0);
    assert_int_equal(codec_max_bits(v, 3), 0);
    v[1] = 1;
    assert_int_equal(codec_max_bits(v, 3), 1);
    v[2] = 0x100;
    assert_int_equal(codec_max_bits(v, 3), 9);
    v[0] = UINT32_MAX;
    assert_int_equal(codec_max_bits(v, 3), 32);
}

static void test_impl_names(void **state)
{
    (void)state;
    assert_int_equal(codec_force_impl("scalar"), 0);
    assert_string_equal(codec_impl(), "scalar");
    assert_int_equal(codec_force_impl("neon9"), -1);
    assert_string_equal(codec_impl(), "scalar");
    for (size_t i = 0; i < TEST_N_IMPLS; i++)
        if (codec_force_impl(test_impls[i]) == 0) assert_string_equal(codec_impl(), test_impls[i]);
    test_force_default();
}

/* Every width 0..32, several random blocks each: pack size, block size, and every
 * implementation decodes to the input. Width w blocks include a value with bit w-1 set. */
static void test_block_roundtrip_all_widths(void **state)
{
    test_rng rng = {TEST_SEED};
    uint32_t in[CODEC_BLOCK], out[CODEC_BLOCK];
    uint8_t *enc = test_alloc(CODEC_MAX_BLOCK);
    (void)state;
    for (unsigned w = 0; w <= 32; w++) {
        for (int rep = 0; rep < 8; rep++) {
            for (size_t i = 0; i < CODEC_BLOCK; i++)
                in[i] = test_rand_bits(&rng, w);
            if (w > 0) in[test_rand(&rng) % CODEC_BLOCK] |= (uint32_t)1 << (w - 1);
            size_t size = codec_pack128(in, enc);
            assert_int_equal(size, 1 + 16 * w);
            assert_int_equal(enc[0], w);
            assert_int_equal(codec_block_size(enc), size);
            for (size_t k = 0; k < TEST_N_IMPLS; k++) {
                if (!test_try_impl(test_impls[k])) continue;
                memset(out, 0xa5, sizeof(out));
                assert_int_equal(codec_unpack128(enc, enc + size, out), size);
                assert_memory_equal(in, out, sizeof(in));
            }
        }
    }
    test_force_default();
    free(enc);
}

/* All-ones at width 32 and the boundary value of each width (2^w - 1 everywhere). */
static void test_block_max_values(void **state)
{
    uint32_t in[CODEC_BLOCK], out[CODEC_BLOCK];
    uint8_t *enc = test_alloc(CODEC_MAX_BLOCK);
    (void)state;
    for (unsigned w = 1; w <= 32; w++) {
        uint32_t max = w == 32 ? UINT32_MAX : ((uint32_t)1 << w) - 1;
        for (size_t i = 0; i < CODEC_BLOCK; i++)
            in[i] = max;
        size_t size = codec_pack128(in, enc);
        assert_int_equal(size, 1 + 16 * w);
        for (size_t k = 0; k < TEST_N_IMPLS; k++) {
            if (!test_try_impl(test_impls[k])) continue;
            assert_int_equal(codec_unpack128(enc, enc + size, out), size);
            assert_memory_equal(in, out, sizeof(in));
        }
    }
    test_force_default();
    free(enc);
}

/* Lists written under each implementation are byte-identical to the scalar ones and decode
 * identically: encoding is one code path, decoding must agree on every byte. */
static void test_impls_agree(void **state)
{
    enum { N = 1000 };
    test_rng rng = {TEST_SEED ^ 1};
    uint32_t *in = test_alloc(N * sizeof(uint32_t));
    uint32_t *ref = test_alloc(N * sizeof(uint32_t));
    uint32_t *out = test_alloc(N * sizeof(uint32_t));
    uint8_t *enc_ref = test_alloc(codec_list_bound(N));
    uint8_t *enc = test_alloc(codec_list_bound(N));
    (void)state;
    for (size_t i = 0; i < N; i++)
        in[i] = test_rand_bits(&rng, 1 + (unsigned)(i / 128) * 4);
    test_force("scalar");
    size_t len_ref = codec_list_encode(in, N, enc_ref);
    assert_int_equal(codec_list_decode(enc_ref, enc_ref + len_ref, N, ref), len_ref);
    assert_memory_equal(in, ref, N * sizeof(uint32_t));
    for (size_t k = 0; k < TEST_N_IMPLS; k++) {
        if (!test_try_impl(test_impls[k])) continue;
        size_t len = codec_list_encode(in, N, enc);
        assert_int_equal(len, len_ref);
        assert_memory_equal(enc, enc_ref, len);
        memset(out, 0x5a, N * sizeof(uint32_t));
        assert_int_equal(codec_list_decode(enc, enc + len, N, out), len);
        assert_memory_equal(out, ref, N * sizeof(uint32_t));
    }
    test_force_default();
    free(enc);
    free(enc_ref);
    free(out);
    free(ref);
    free(in);
}

/* Encodes and decodes a list of n values of mixed widths; checks the exact size too. */
static void test_list_roundtrip_n(size_t n, test_rng *rng, uint32_t max_mask)
{
    uint32_t *in = test_alloc(n * sizeof(uint32_t));
    uint32_t *out = test_alloc(n * sizeof(uint32_t));
    uint8_t *enc = test_alloc(codec_list_bound(n));
    uint8_t tmp[5];
    for (size_t i = 0; i < n; i++)
        in[i] = test_rand(rng) & max_mask;
    size_t expect = 0;
    for (size_t i = 0; i + CODEC_BLOCK <= n; i += CODEC_BLOCK)
        expect += 1 + 16 * codec_max_bits(in + i, CODEC_BLOCK);
    for (size_t i = n / CODEC_BLOCK * CODEC_BLOCK; i < n; i++)
        expect += codec_vbyte_put(tmp, in[i]);
    size_t len = codec_list_encode(in, n, enc);
    assert_int_equal(len, expect);
    assert_true(len <= codec_list_bound(n));
    for (size_t k = 0; k < TEST_N_IMPLS; k++) {
        if (!test_try_impl(test_impls[k])) continue;
        memset(out, 0xee, n * sizeof(uint32_t));
        assert_int_equal(codec_list_decode(enc, enc + len, n, out), len);
        assert_memory_equal(in, out, n * sizeof(uint32_t));
    }
    test_force_default();
    free(enc);
    free(out);
    free(in);
}

static void test_list_lengths(void **state)
{
    static const size_t lens[] = {1, 2, 127, 128, 129, 255, 256, 1000};
    static const uint32_t masks[] = {0, 1, 0x7f, 0xfff, 0xfffff, UINT32_MAX};
    test_rng rng = {TEST_SEED ^ 2};
    (void)state;
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
        for (size_t m = 0; m < sizeof(masks) / sizeof(masks[0]); m++)
            test_list_roundtrip_n(lens[i], &rng, masks[m]);
}

static void test_list_empty_and_one(void **state)
{
    uint8_t enc[16] = {0};
    uint32_t v = 300, out = 0;
    (void)state;
    assert_int_equal(codec_list_bound(0), 0);
    assert_int_equal(codec_list_encode(&v, 0, enc), 0);
    assert_int_equal(codec_list_decode(enc, enc + sizeof(enc), 0, &out), 0);
    assert_int_equal(codec_list_encode(&v, 1, enc), 2);
    assert_int_equal(enc[0], 0xac);
    assert_int_equal(enc[1], 0x02);
    assert_int_equal(codec_list_decode(enc, enc + 2, 1, &out), 2);
    assert_int_equal(out, 300);
}

static void test_list_max_values(void **state)
{
    enum { N = 1000 };
    uint32_t *in = test_alloc(N * sizeof(uint32_t));
    uint32_t *out = test_alloc(N * sizeof(uint32_t));
    uint8_t *enc = test_alloc(codec_list_bound(N));
    (void)state;
    for (size_t i = 0; i < N; i++)
        in[i] = UINT32_MAX;
    size_t len = codec_list_encode(in, N, enc);
    /* Full blocks at width 32 and five-byte varints: the bound is met exactly. */
    assert_int_equal(len, codec_list_bound(N));
    assert_int_equal(codec_list_decode(enc, enc + len, N, out), len);
    assert_memory_equal(in, out, N * sizeof(uint32_t));
    free(enc);
    free(out);
    free(in);
}

/* The layout on a worked example, width 3:
 *   values 0..7 at i = 0..7, 7 at i = 40, 0 elsewhere.
 *   lane 0 holds i = 0,4,8,..: slots 0,1 = 0,4; slot 10 (i = 40) = 7 sits at bits 30..32, so
 *   its low two bits are the top of word 0 and its high bit the bottom of word 1.
 *   lane 0 word 0 = 0 | 4<<3 | 3<<30 = 0xc0000020     lane 0 word 1 = 1
 *   lane 1 word 0 = 1 | 5<<3         = 0x00000029
 *   lane 2 word 0 = 2 | 6<<3         = 0x00000032
 *   lane 3 word 0 = 3 | 7<<3         = 0x0000003b
 * Bytes: 03 | 20 00 00 c0  29 00 00 00  32 00 00 00  3b 00 00 00 | 01 00 00 00  0 x 12 | 0 x 16 */
static void test_block_layout(void **state)
{
    static const uint8_t expect[1 + 48] = {
        0x03, 0x20, 0x00, 0x00, 0xc0, 0x29, 0x00, 0x00, 0x00, 0x32, 0x00, 0x00, 0x00,
        0x3b, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    uint32_t in[CODEC_BLOCK] = {0}, out[CODEC_BLOCK];
    uint8_t enc[CODEC_MAX_BLOCK + CODEC_OVERREAD];
    (void)state;
    for (uint32_t i = 0; i < 8; i++)
        in[i] = i;
    in[40] = 7;
    memset(enc, 0xff, sizeof(enc));
    assert_int_equal(codec_pack128(in, enc), sizeof(expect));
    assert_memory_equal(enc, expect, sizeof(expect));
    for (size_t k = 0; k < TEST_N_IMPLS; k++) {
        if (!test_try_impl(test_impls[k])) continue;
        memcpy(enc, expect, sizeof(expect));
        assert_int_equal(codec_unpack128(enc, enc + sizeof(expect), out), sizeof(expect));
        assert_memory_equal(in, out, sizeof(in));
    }
    test_force_default();
}

static void test_block_corrupt(void **state)
{
    uint32_t in[CODEC_BLOCK], out[CODEC_BLOCK];
    uint8_t *enc = test_alloc(CODEC_MAX_BLOCK);
    (void)state;
    for (size_t i = 0; i < CODEC_BLOCK; i++)
        in[i] = (uint32_t)i * 1000;
    size_t size = codec_pack128(in, enc);
    for (size_t k = 0; k < TEST_N_IMPLS; k++) {
        if (!test_try_impl(test_impls[k])) continue;
        for (size_t cut = 0; cut < size; cut++)
            assert_int_equal(codec_unpack128(enc, enc + cut, out), 0);
        assert_int_equal(codec_unpack128(enc, enc + size, out), size);
    }
    test_force_default();
    for (unsigned w = 33; w <= 255; w++) {
        enc[0] = (uint8_t)w;
        assert_int_equal(codec_block_size(enc), 0);
        assert_int_equal(codec_unpack128(enc, enc + CODEC_MAX_BLOCK, out), 0);
        assert_int_equal(codec_list_decode(enc, enc + CODEC_MAX_BLOCK, CODEC_BLOCK, out), 0);
    }
    free(enc);
}

/* Every truncation of a list (blocks and varint tail) is refused. */
static void test_list_truncated(void **state)
{
    enum { N = 300 };
    test_rng rng = {TEST_SEED ^ 3};
    uint32_t *in = test_alloc(N * sizeof(uint32_t));
    uint32_t *out = test_alloc(N * sizeof(uint32_t));
    uint8_t *enc = test_alloc(codec_list_bound(N));
    (void)state;
    for (size_t i = 0; i < N; i++)
        in[i] = test_rand(&rng) >> (i % 32);
    size_t len = codec_list_encode(in, N, enc);
    for (size_t cut = 0; cut < len; cut++)
        assert_int_equal(codec_list_decode(enc, enc + cut, N, out), 0);
    assert_int_equal(codec_list_decode(enc, enc + len, N, out), len);
    free(enc);
    free(out);
    free(in);
}

static void test_vbyte(void **state)
{
    static const uint32_t vals[] = {0,        1,        127,       128,        16383,     16384,
                                    0x1fffff, 0x200000, 0xfffffff, 0x10000000, UINT32_MAX};
    static const size_t lens[] = {1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5};
    enum { NV = sizeof(vals) / sizeof(vals[0]) };
    uint8_t enc[NV * 5 + CODEC_OVERREAD];
    uint32_t out[NV];
    size_t off = 0;
    (void)state;
    for (size_t i = 0; i < NV; i++) {
        size_t n = codec_vbyte_put(enc + off, vals[i]);
        assert_int_equal(n, lens[i]);
        off += n;
    }
    assert_int_equal(codec_vbyte_decode(enc, enc + off, NV, out), off);
    assert_memory_equal(out, vals, sizeof(vals));
    /* UINT32_MAX is ff ff ff ff 0f. */
    assert_memory_equal(enc + off - 5, "\xff\xff\xff\xff\x0f", 5);
    for (size_t cut = 0; cut < off; cut++)
        assert_int_equal(codec_vbyte_decode(enc, enc + cut, NV, out), 0);
    assert_int_equal(codec_vbyte_decode(enc, enc + off, 0, out), 0);
}

static void test_vbyte_corrupt(void **state)
{
    /* A sixth byte: over-long. */
    static const uint8_t six[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0, 0, 0, 0, 0};
    /* Five bytes whose last carries bits 32..34. */
    static const uint8_t wide[] = {0xff, 0xff, 0xff, 0xff, 0x1f, 0, 0, 0, 0, 0, 0};
    /* A continuation bit on the last byte before end. */
    static const uint8_t open[] = {0x05, 0x81};
    uint32_t out[4];
    (void)state;
    assert_int_equal(codec_vbyte_decode(six, six + sizeof(six), 1, out), 0);
    assert_int_equal(codec_vbyte_decode(wide, wide + sizeof(wide), 1, out), 0);
    assert_int_equal(codec_vbyte_decode(wide, wide + 5, 1, out), 0);
    assert_int_equal(codec_vbyte_decode(open, open + 2, 2, out), 0);
    assert_int_equal(codec_vbyte_decode(open, open + 2, 1, out), 1);
    assert_int_equal(out[0], 5);
    assert_int_equal(codec_vbyte_decode(open, open, 1, out), 0);
    /* A varint tail of a list that is over-long. */
    assert_int_equal(codec_list_decode(six, six + sizeof(six), 1, out), 0);
}

static void test_prefix_naive(const uint32_t *in, uint32_t *ref, size_t n, uint32_t base)
{
    for (size_t i = 0; i < n; i++) {
        base += in[i];
        ref[i] = base;
    }
}

/* Each implementation against a naive loop, for the SIMD size and others, with wrap-around. */
static void test_prefix_sum(void **state)
{
    static const size_t lens[] = {0, 1, 3, 4, 5, 64, 127, 128};
    static const uint32_t bases[] = {0, 1, 1000000, UINT32_MAX - 50};
    test_rng rng = {TEST_SEED ^ 4};
    uint32_t in[CODEC_BLOCK], ref[CODEC_BLOCK], v[CODEC_BLOCK + 1];
    (void)state;
    for (size_t k = 0; k < TEST_N_IMPLS; k++) {
        if (!test_try_impl(test_impls[k])) continue;
        for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
            for (size_t b = 0; b < sizeof(bases) / sizeof(bases[0]); b++) {
                for (size_t i = 0; i < CODEC_BLOCK; i++)
                    in[i] = test_rand(&rng) >> (b * 8);
                test_prefix_naive(in, ref, lens[l], bases[b]);
                /* v + 1 is not 32-byte aligned: kernels must not assume alignment. */
                memcpy(v + 1, in, sizeof(in));
                codec_prefix_sum(v + 1, lens[l], bases[b]);
                assert_memory_equal(v + 1, ref, lens[l] * sizeof(uint32_t));
                assert_memory_equal(v + 1 + lens[l], in + lens[l],
                                    (CODEC_BLOCK - lens[l]) * sizeof(uint32_t));
            }
        }
    }
    test_force_default();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_max_bits),
        cmocka_unit_test(test_impl_names),
        cmocka_unit_test(test_block_roundtrip_all_widths),
        cmocka_unit_test(test_block_max_values),
        cmocka_unit_test(test_impls_agree),
        cmocka_unit_test(test_list_lengths),
        cmocka_unit_test(test_list_empty_and_one),
        cmocka_unit_test(test_list_max_values),
        cmocka_unit_test(test_block_layout),
        cmocka_unit_test(test_block_corrupt),
        cmocka_unit_test(test_list_truncated),
        cmocka_unit_test(test_vbyte),
        cmocka_unit_test(test_vbyte_corrupt),
        cmocka_unit_test(test_prefix_sum),
    };
    printf("test_codec: seed 0x%llx, default impl %s\n", (unsigned long long)TEST_SEED,
           codec_impl());
    return cmocka_run_group_tests(tests, NULL, NULL);
}
