/* Unit tests of enc.c: which texts are taken for Latin-1 (invalid UTF-8 and no valid multi-byte
 * sequence) and which stay UTF-8 (ASCII, valid UTF-8, a mix of valid and invalid), and the
 * Windows-1252 to UTF-8 conversion (Latin-1 letters, the 0x80..0x9F punctuation, the five bytes
 * Windows-1252 leaves undefined). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "enc.h"

static int detect(const char *s)
{
    return enc_detect(s, strlen(s));
}

static void test_detect(void **state)
{
    (void)state;
    assert_int_equal(detect(""), ENC_UTF8);
    assert_int_equal(detect("plain ASCII text, long enough to take the 8-byte path"), ENC_UTF8);
    assert_int_equal(detect("caf\xc3\xa9 na\xc3\xafve \xe2\x82\xac"), ENC_UTF8);
    assert_int_equal(detect("caf\xe9 na\xefve"), ENC_LATIN1);
    assert_int_equal(detect("\x93quoted\x94 \x80 5"), ENC_LATIN1);
    /* a valid sequence and a bad byte: UTF-8 with one error, not Latin-1 */
    assert_int_equal(detect("caf\xc3\xa9 and \xff"), ENC_UTF8);
}

static void test_convert(void **state)
{
    (void)state;
    buf b;
    buf_init(&b);
    const char in[] = "caf\xe9 \x93q\x94 \x80 \x81!";
    assert_int_equal(enc_latin1_to_utf8(in, sizeof in - 1, &b), 0);
    const char want[] = "caf\xc3\xa9 \xe2\x80\x9cq\xe2\x80\x9d \xe2\x82\xac \xc2\x81!";
    assert_int_equal(b.len, sizeof want - 1);
    assert_memory_equal(b.p, want, b.len);
    assert_int_equal(enc_detect((const char *)b.p, b.len), ENC_UTF8);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detect),
        cmocka_unit_test(test_convert),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
