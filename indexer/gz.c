/* gz: gzip files through zlib (see gz.h). */
#include "gz.h"

#include <string.h>
#include <strings.h>
#include <zlib.h>

#define GZ_CHUNK ((size_t)1 << 16) /* output room added per inflate call */

int gz_is_gzip(const char *name, const char *p, size_t len)
{
    size_t n = strlen(name);
    return n > 3 && strcasecmp(name + n - 3, ".gz") == 0 && len >= 2 &&
           (unsigned char)p[0] == 0x1f && (unsigned char)p[1] == 0x8b;
}

/* Inflates one stream of z into out until its end. Returns 1 at the stream's end, or GZ_CORRUPT
 * (*why set), GZ_NOMEM or GZ_TOO_BIG. */
static int gz_stream(z_stream *z, size_t max, buf *out, const char **why)
{
    for (;;) {
        if (out->len >= max) return GZ_TOO_BIG;
        if (buf_reserve(out, GZ_CHUNK) < 0) return GZ_NOMEM;
        size_t room = out->cap - out->len < UINT32_MAX ? out->cap - out->len : UINT32_MAX;
        z->next_out = out->p + out->len;
        z->avail_out = (uInt)room;
        int zr = inflate(z, Z_NO_FLUSH);
        out->len += room - z->avail_out;
        if (zr == Z_STREAM_END) return 1;
        if (zr == Z_MEM_ERROR) return GZ_NOMEM;
        if (zr == Z_OK || (zr == Z_BUF_ERROR && z->avail_in > 0)) continue;
        *why = zr == Z_BUF_ERROR ? "truncated" : z->msg ? z->msg : "bad data";
        return GZ_CORRUPT;
    }
}

int gz_inflate(const char *in, size_t len, size_t max, buf *out, const char **why)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    *why = "";
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return GZ_NOMEM;
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = len < UINT32_MAX ? (uInt)len : UINT32_MAX; /* a 4 GiB .gz: its first 4 GiB */
    int rc = GZ_OK;
    for (;;) {
        int r = gz_stream(&z, max, out, why);
        if (r != 1) {
            rc = r;
            break;
        }
        /* another member follows (gzip concatenates them), or the rest is ignored */
        if (z.avail_in < 2 || z.next_in[0] != 0x1f || z.next_in[1] != 0x8b) break;
        inflateReset(&z);
    }
    inflateEnd(&z);
    return rc;
}
