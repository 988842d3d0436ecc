/* Unit tests of gz.c: telling a gzip file (name and magic), inflating one member and several
 * concatenated ones, ignoring trailing bytes that are not a member, refusing truncated and
 * corrupt data with zlib's reason, and stopping at the size limit (a zip bomb is not read to
 * its end). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>
#include <zlib.h>

#include "gz.h"

/* Appends the gzip member of s to out (cap bytes); returns the new length. */
static size_t gzip_member(const char *s, unsigned char *out, size_t at, size_t cap)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (Bytef *)(uintptr_t)s;
    z.avail_in = (uInt)strlen(s);
    z.next_out = out + at;
    z.avail_out = (uInt)(cap - at);
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    size_t n = cap - at - z.avail_out;
    deflateEnd(&z);
    return at + n;
}

static void test_is_gzip(void **state)
{
    (void)state;
    assert_true(gz_is_gzip("a.txt.gz", "\x1f\x8b\x08", 3));
    assert_true(gz_is_gzip("A.TXT.GZ", "\x1f\x8b\x08", 3));
    assert_false(gz_is_gzip("a.txt", "\x1f\x8b\x08", 3));
    assert_false(gz_is_gzip("a.gz", "plain", 5)); /* a .gz name is not enough */
    assert_false(gz_is_gzip(".gz", "\x1f\x8b", 2));
}

static void test_inflate(void **state)
{
    (void)state;
    unsigned char z[4096];
    const char *why;
    buf out;
    size_t n = gzip_member("first member, ", z, 0, sizeof z);
    n = gzip_member("second member", z, n, sizeof z);
    memcpy(z + n, "trailing", 8); /* not a member: ignored, as gzip -d does */
    buf_init(&out);
    assert_int_equal(gz_inflate((const char *)z, n + 8, 1 << 20, &out, &why), GZ_OK);
    assert_int_equal(out.len, 27);
    assert_memory_equal(out.p, "first member, second member", 27);
    /* truncated: an error with a reason, not a short text */
    out.len = 0;
    assert_int_equal(gz_inflate((const char *)z, 20, 1 << 20, &out, &why), GZ_CORRUPT);
    assert_string_equal(why, "truncated");
    /* a flipped byte in the deflate data */
    z[12] ^= 0xff;
    out.len = 0;
    assert_int_equal(gz_inflate((const char *)z, n, 1 << 20, &out, &why), GZ_CORRUPT);
    buf_free(&out);
}

static void test_limit(void **state)
{
    (void)state;
    static char zeros[1 << 20];
    static unsigned char z[1 << 16];
    const char *why;
    buf out;
    memset(zeros, 'a', sizeof zeros - 1);
    size_t n = gzip_member(zeros, z, 0, sizeof z); /* 1 MiB of 'a' in a few KiB */
    buf_init(&out);
    assert_int_equal(gz_inflate((const char *)z, n, 100000, &out, &why), GZ_TOO_BIG);
    assert_true(out.len < 300000); /* stopped near the limit, not at the end */
    buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_is_gzip),
        cmocka_unit_test(test_inflate),
        cmocka_unit_test(test_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
