/* test_date: calendar validity of YYYYMMDD dates (leap years, month ends, the year range). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "date.h"

static void test_month_ends(void **state)
{
    (void)state;
    static const unsigned want[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (unsigned m = 1; m <= 12; m++)
        assert_int_equal(date_days_in_month(2023, m), want[m - 1]);
    assert_int_equal(date_days_in_month(2024, 2), 29);
    assert_int_equal(date_days_in_month(1900, 2), 28); /* divisible by 100 */
    assert_int_equal(date_days_in_month(2000, 2), 29); /* and by 400 */
}

static void test_ymd(void **state)
{
    (void)state;
    assert_true(date_ymd_is_valid(20240229));
    assert_false(date_ymd_is_valid(20230229));
    assert_true(date_ymd_is_valid(20241231));
    assert_false(date_ymd_is_valid(20241232));
    assert_false(date_ymd_is_valid(20241301));
    assert_false(date_ymd_is_valid(20240001));
    assert_false(date_ymd_is_valid(20240100));
    assert_true(date_ymd_is_valid(10101)); /* 0001-01-01 */
    assert_true(date_ymd_is_valid(99991231));
    assert_false(date_ymd_is_valid(100000101)); /* year 10000 */
    assert_false(date_ymd_is_valid(0));
    assert_false(date_ymd_is_valid(UINT32_MAX));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_month_ends),
        cmocka_unit_test(test_ymd),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
