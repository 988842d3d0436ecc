/* date: calendar validity (contract in date.h). */
#include "date.h"

unsigned date_days_in_month(unsigned y, unsigned m)
{
    static const unsigned char days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

int date_is_valid(unsigned y, unsigned m, unsigned d)
{
    return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= date_days_in_month(y, m);
}

int date_ymd_is_valid(uint32_t ymd)
{
    return date_is_valid(ymd / 10000, ymd / 100 % 100, ymd % 100);
}
