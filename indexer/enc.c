/* enc: UTF-8 census and Windows-1252 to UTF-8 (see enc.h). */
#include "enc.h"

#include <string.h>
#include <utf8proc.h>

/* Windows-1252's 0x80..0x9F; the five bytes it leaves undefined keep their Latin-1 (C1) code
 * point, as the WHATWG encoding standard maps them. */
static const uint16_t enc_cp1252[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

int enc_detect(const char *p, size_t len)
{
    size_t n_multi = 0, n_bad = 0;
    for (size_t i = 0; i < len;) {
        uint64_t w;
        if (len - i >= 8 && (memcpy(&w, p + i, 8), (w & 0x8080808080808080u) == 0)) {
            i += 8;
            continue;
        }
        if ((unsigned char)p[i] < 0x80) {
            i++;
            continue;
        }
        utf8proc_int32_t cp;
        utf8proc_ssize_t r =
            utf8proc_iterate((const utf8proc_uint8_t *)p + i, (utf8proc_ssize_t)(len - i), &cp);
        if (r > 0) {
            n_multi++;
            i += (size_t)r;
        } else {
            n_bad++;
            i++;
        }
    }
    return n_bad > 0 && n_multi == 0 ? ENC_LATIN1 : ENC_UTF8;
}

int enc_latin1_to_utf8(const char *p, size_t len, buf *out)
{
    if (buf_reserve(out, len + len / 2) < 0) return -1;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];
        uint32_t cp = c >= 0x80 && c < 0xA0 ? enc_cp1252[c - 0x80] : c;
        if (cp < 0x80) {
            buf_put_u8(out, (uint8_t)cp);
        } else if (cp < 0x800) {
            buf_put_u8(out, (uint8_t)(0xC0 | cp >> 6));
            buf_put_u8(out, (uint8_t)(0x80 | (cp & 0x3F)));
        } else {
            buf_put_u8(out, (uint8_t)(0xE0 | cp >> 12));
            buf_put_u8(out, (uint8_t)(0x80 | (cp >> 6 & 0x3F)));
            buf_put_u8(out, (uint8_t)(0x80 | (cp & 0x3F)));
        }
    }
    return out->oom ? -1 : 0;
}
