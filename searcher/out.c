/* out: JSON strings and dates for trawl-search's output (see out.h). */
#include "out.h"

/* Width (2..4) of the valid UTF-8 sequence starting at s (s[0] >= 0x80), or 0 if invalid
 * (stray continuation, truncated, overlong, surrogate or above U+10FFFF). */
size_t out_utf8_width(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t w = u[0] >= 0xF0 ? 4 : u[0] >= 0xE0 ? 3 : u[0] >= 0xC0 ? 2 : 0;
    if (w == 0 || u[0] > 0xF4 || w > n) return 0;
    uint32_t cp = u[0] & (0x7F >> w);
    for (size_t k = 1; k < w; k++) {
        if ((u[k] & 0xC0) != 0x80) return 0;
        cp = cp << 6 | (u[k] & 0x3F);
    }
    static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[w] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return w;
}

/* Writes s[0..n) as the body of a JSON string: escapes quotes, backslashes and control
 * characters, and replaces invalid UTF-8 with U+FFFD so the line always parses. */
void out_json_str(FILE *f, const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            fprintf(f, "\\%c", c);
        } else if (c == '\n' || c == '\t' || c == '\r') {
            fputs(c == '\n' ? "\\n" : c == '\t' ? "\\t" : "\\r", f);
        } else if (c < 0x20 || c == 0x7f) {
            fprintf(f, "\\u%04x", c);
        } else if (c >= 0x80) {
            size_t w = out_utf8_width(s + i, n - i);
            if (w == 0) {
                fputs("\\ufffd", f);
                i++;
                continue;
            }
            fwrite(s + i, 1, w, f);
            i += w;
            continue;
        } else {
            fputc(c, f);
        }
        i++;
    }
}

void out_date(FILE *f, uint32_t date, int json)
{
    if (date)
        fprintf(f, json ? "\"%04u-%02u-%02u\"" : "%04u-%02u-%02u", date / 10000, date / 100 % 100,
                date % 100);
    else if (json)
        fputs("null", f);
}
