/* date: the calendar behind document dates, which travel as YYYYMMDD numbers (0 = none) in the
 * segment format and the API. Owns only validity; parsing "YYYY-MM-DD" stays with each caller,
 * which knows how to report a bad one (a query column, a JSON Lines line). */
#ifndef TRAWL_DATE_H
#define TRAWL_DATE_H

#include <stdint.h>

/* Days in month m (1..12) of year y (proleptic Gregorian). */
unsigned date_days_in_month(unsigned y, unsigned m);

/* 1 if y-m-d is a real calendar day in years 1..9999, else 0. */
int date_is_valid(unsigned y, unsigned m, unsigned d);

/* 1 if ymd (YYYYMMDD) is a real calendar day, else 0 (0 itself, "no date", is not one). */
int date_ymd_is_valid(uint32_t ymd);

#endif
