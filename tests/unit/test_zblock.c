/* test_zblock: a stored-text block inflates, and each way it cannot gets its own code: zlib out
 * of memory (an allocator that fails its n-th call) is TRAWL_ENOMEM, never "corrupt"; damaged,
 * truncated, too long or too short streams are TRAWL_ECORRUPT (issue 13). Without an allocator
 * libdeflate inflates first (issue 12): every damaged stream must give the same code and reason
 * that way as through zlib alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "status.h"
#include "zblock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define ZT_RAW 65536 /* a full stored block */

/* An allocator that fails from its fail_at-th call on (0 = never) and counts live blocks. */
typedef struct zt_alloc {
    unsigned calls, fail_at;
    int live;
} zt_alloc;

static void *zt_alloc_fn(void *opaque, unsigned items, unsigned size)
{
    zt_alloc *a = opaque;
    if (a->fail_at && ++a->calls >= a->fail_at) return NULL;
    a->live++;
    return calloc(items, size);
}

static void zt_free_fn(void *opaque, void *p)
{
    zt_alloc *a = opaque;
    a->live--;
    free(p);
}

/* Text of ZT_RAW bytes and its zlib stream (level 1, as the writer). */
static uint8_t zt_raw[ZT_RAW], zt_z[ZT_RAW + 1024];
static size_t zt_z_len;

static int zt_setup(void **state)
{
    (void)state;
    uLongf n = sizeof zt_z;
    for (size_t i = 0; i < ZT_RAW; i++)
        zt_raw[i] = (uint8_t)("the quick brown fox jumps over the lazy dog "[i % 44] + i / 4096);
    if (compress2(zt_z, &n, zt_raw, ZT_RAW, Z_BEST_SPEED) != Z_OK) return -1;
    zt_z_len = n;
    return 0;
}

static int zt_inflate(const uint8_t *in, size_t in_len, size_t raw_len, zt_alloc *a,
                      const char **why)
{
    static uint8_t out[ZT_RAW + 16];
    static char reason[128];
    zblock_alloc hook = {zt_alloc_fn, zt_free_fn, a};
    int rc = zblock_inflate(in, in_len, out, raw_len, a ? &hook : NULL, reason, sizeof reason);
    *why = reason;
    if (rc == TRAWL_OK) assert_memory_equal(out, zt_raw, raw_len);
    return rc;
}

static void test_roundtrip(void **state)
{
    (void)state;
    const char *why;
    zt_alloc a = {0};
    assert_int_equal(zt_inflate(zt_z, zt_z_len, ZT_RAW, NULL, &why), TRAWL_OK);
    assert_int_equal(zt_inflate(zt_z, zt_z_len, ZT_RAW, &a, &why), TRAWL_OK);
    assert_int_equal(a.live, 0);
}

/* Every allocation zlib makes (its state in inflateInit; a window inside inflate when the
 * stream does not finish in one call) failing in turn gives TRAWL_ENOMEM and "out of memory",
 * and leaks nothing. */
static void test_out_of_memory_is_enomem(void **state)
{
    (void)state;
    const char *why;
    zt_alloc probe = {.fail_at = 1000};
    assert_int_equal(zt_inflate(zt_z, zt_z_len, ZT_RAW, &probe, &why), TRAWL_OK);
    unsigned n_allocs = probe.calls;
    assert_true(n_allocs >= 1);
    for (unsigned k = 1; k <= n_allocs; k++) {
        zt_alloc a = {.fail_at = k};
        assert_int_equal(zt_inflate(zt_z, zt_z_len, ZT_RAW, &a, &why), TRAWL_ENOMEM);
        assert_non_null(strstr(why, "out of memory"));
        assert_int_equal(a.live, 0);
    }
}

static void zt_expect_corrupt(const uint8_t *in, size_t in_len, size_t raw_len, const char *needle)
{
    const char *why;
    char zlib_why[128];
    zt_alloc a = {0};
    assert_int_equal(zt_inflate(in, in_len, raw_len, &a, &why), TRAWL_ECORRUPT);
    if (needle && !strstr(why, needle)) fail_msg("reason \"%s\", expected \"%s\"", why, needle);
    assert_int_equal(a.live, 0);
    snprintf(zlib_why, sizeof zlib_why, "%s", why);
    assert_int_equal(zt_inflate(in, in_len, raw_len, NULL, &why), TRAWL_ECORRUPT);
    assert_string_equal(why, zlib_why);
}

static void test_damage_is_ecorrupt(void **state)
{
    (void)state;
    static uint8_t z[sizeof zt_z + 8];
    memcpy(z, zt_z, zt_z_len);
    zt_expect_corrupt(z, zt_z_len, ZT_RAW - 1, "more bytes than its length");
    zt_expect_corrupt(z, zt_z_len, 100, "more bytes than its length");
    memcpy(z, zt_raw, 64); /* not a zlib header */
    zt_expect_corrupt(z, 64, ZT_RAW, NULL);
    memcpy(z, zt_z, zt_z_len);
    for (size_t cut = 0; cut < zt_z_len; cut += zt_z_len / 37 + 1)
        zt_expect_corrupt(z, cut, ZT_RAW, NULL);
    zt_expect_corrupt(z, zt_z_len - 1, ZT_RAW, "ends early");
    z[zt_z_len - 1] ^= 0x01; /* the adler32's last byte */
    zt_expect_corrupt(z, zt_z_len, ZT_RAW, "damaged zlib stream: incorrect data check");
    z[zt_z_len - 1] ^= 0x01;
    z[zt_z_len] = 0;
    zt_expect_corrupt(z, zt_z_len + 1, ZT_RAW, "follow the end");
    for (size_t at = 2; at < zt_z_len; at += zt_z_len / 53 + 1) {
        memcpy(z, zt_z, zt_z_len);
        z[at] ^= 0x20;
        zt_expect_corrupt(z, zt_z_len, ZT_RAW, NULL);
    }
}

/* A stream holding fewer bytes than the index says. */
static void test_short_stream_is_ecorrupt(void **state)
{
    (void)state;
    uint8_t z[256];
    uLongf n = sizeof z;
    assert_int_equal(compress2(z, &n, zt_raw, 100, Z_BEST_SPEED), Z_OK);
    zt_expect_corrupt(z, n, 101, "fewer bytes than its length");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_out_of_memory_is_enomem),
        cmocka_unit_test(test_damage_is_ecorrupt),
        cmocka_unit_test(test_short_stream_is_ecorrupt),
    };
    return cmocka_run_group_tests(tests, zt_setup, NULL);
}
