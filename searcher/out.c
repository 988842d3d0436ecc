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

/* 1 if byte c is white space that a flattened line shows as one space. */
static int out_is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

void out_marked(FILE *f, const char *text, size_t len, const trawl_span *spans, size_t n_spans,
                int64_t shift, const out_marks *m, int flatten)
{
    size_t k = 0;
    int in_space = 0, is_open = 0;
    /* spans wholly before the text are passed over; one that starts before it opens at 0 */
    while (k < n_spans && (int64_t)spans[k].off + spans[k].len + shift <= 0)
        k++;
    for (size_t i = 0; i < len; i++) {
        if (!is_open && k < n_spans && (int64_t)i >= (int64_t)spans[k].off + shift) {
            fputs(m->open, f);
            is_open = 1;
        }
        unsigned char c = (unsigned char)text[i];
        int sp = flatten && out_is_space(c);
        if (sp && !in_space)
            fputc(' ', f);
        else if (!sp)
            fputc(c < 0x20 && c != '\t' ? '?' : c == 0x7f ? '?' : c, f);
        in_space = sp;
        if (is_open && (int64_t)i + 1 >= (int64_t)spans[k].off + spans[k].len + shift) {
            fputs(m->close, f);
            is_open = 0;
            k++;
        }
    }
    if (is_open) fputs(m->close, f);
}

/* Code points in s[0..n) as out_json_str writes them: a valid sequence is one, an invalid byte
 * (written as U+FFFD) one too. */
static size_t out_cp_count(const char *s, size_t n)
{
    size_t cps = 0;
    for (size_t i = 0; i < n; cps++) {
        size_t w = (unsigned char)s[i] < 0x80 ? 1 : out_utf8_width(s + i, n - i);
        i += w ? w : 1;
    }
    return cps;
}

void out_json_highlights(FILE *f, const trawl_snippet *sn)
{
    fputs("\"highlights\":[", f);
    for (size_t k = 0; k < sn->n_spans; k++)
        fprintf(f, "%s[%u,%u]", k ? "," : "", sn->spans[k].off, sn->spans[k].len);
    fputs("],\"highlights_cp\":[", f);
    size_t at = 0, cp = 0; /* cp code points lie before byte at */
    for (size_t k = 0; k < sn->n_spans; k++) {
        size_t off = sn->spans[k].off, len = sn->spans[k].len;
        if (off < at || off + len > sn->len) break; /* never: spans are in order, inside */
        cp += out_cp_count(sn->text + at, off - at);
        size_t cl = out_cp_count(sn->text + off, len);
        fprintf(f, "%s[%zu,%zu]", k ? "," : "", cp, cl);
        cp += cl;
        at = off + len;
    }
    fputc(']', f);
}
