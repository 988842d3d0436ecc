/* zblock: one stored-text block, inflated by libdeflate, and on any failure again through
 * zlib's inflateInit/inflate/inflateEnd, each zlib return code mapped to its cause (contract in
 * zblock.h).
 *
 * libdeflate inflates the kernel docs' 16 KiB blocks about twice as fast as zlib (a snippet of
 * a terminal search inflates its hits' whole blocks: bench/terminal.sh) and checks the same
 * adler32, but says only "bad data": a block it refuses goes through zlib, which says why.
 * uncompress() could not tell the causes apart: its Z_BUF_ERROR means both "stream truncated"
 * and "output too small", and the old message, "block does not inflate to its length", covered
 * an out-of-memory as well. */
#include "zblock.h"

#include "status.h"

#include <libdeflate.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

/* Writes the reason and returns rc. */
static int zblock_why(int rc, char *why, size_t cap, const char *what, const char *detail)
{
    snprintf(why, cap, "%s%s%s", what, detail ? ": " : "", detail ? detail : "");
    return rc;
}

/* A failed inflateInit or inflate: its code as a TRAWL_E* code with a reason. */
static int zblock_fail(int zrc, const z_stream *zs, char *why, size_t cap)
{
    switch (zrc) {
    case Z_MEM_ERROR:
        return zblock_why(TRAWL_ENOMEM, why, cap, "out of memory (zlib)", NULL);
    case Z_DATA_ERROR:
        return zblock_why(TRAWL_ECORRUPT, why, cap, "damaged zlib stream", zs->msg);
    case Z_NEED_DICT:
        return zblock_why(TRAWL_ECORRUPT, why, cap, "zlib stream needs a preset dictionary", NULL);
    case Z_VERSION_ERROR:
        return zblock_why(TRAWL_EIO, why, cap,
                          "zlib library incompatible with the one built against", NULL);
    default:
        return zblock_why(TRAWL_EIO, why, cap, "zlib refused the stream state", zs->msg);
    }
}

/* After one inflate(Z_FINISH) over the whole input: the stream must have ended exactly at the
 * end of both buffers. */
static int zblock_finish(int zrc, const z_stream *zs, char *why, size_t cap)
{
    const char *what;
    if (zrc == Z_STREAM_END && zs->avail_out == 0 && zs->avail_in == 0) return TRAWL_OK;
    if (zrc != Z_STREAM_END && zrc != Z_OK && zrc != Z_BUF_ERROR)
        return zblock_fail(zrc, zs, why, cap);
    if (zrc == Z_STREAM_END)
        what = zs->avail_out != 0 ? "inflates to fewer bytes than its length"
                                  : "bytes follow the end of its zlib stream";
    else
        what = zs->avail_in == 0 ? "zlib stream ends early (truncated)"
                                 : "inflates to more bytes than its length";
    return zblock_why(TRAWL_ECORRUPT, why, cap, what, NULL);
}

/* zlib's inflate, for the caller's allocator and for the reason of a failure. */
static int zblock_inflate_zlib(const uint8_t *in, size_t in_len, uint8_t *out, size_t raw_len,
                               const zblock_alloc *alloc, char *why, size_t why_cap)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    zblock_why(TRAWL_OK, why, why_cap, "", NULL);
    if (in_len > UINT_MAX || raw_len > UINT_MAX)
        return zblock_why(TRAWL_ECORRUPT, why, why_cap, "block too large for one zlib call", NULL);
    if (alloc) {
        zs.zalloc = alloc->alloc;
        zs.zfree = alloc->free;
        zs.opaque = alloc->opaque;
    }
    zs.next_in = (Bytef *)(uintptr_t)in; /* zlib's API is not const; inflate only reads it */
    zs.avail_in = (uInt)in_len;
    int zrc = inflateInit(&zs);
    if (zrc != Z_OK) return zblock_fail(zrc, &zs, why, why_cap);
    zs.next_out = out;
    zs.avail_out = (uInt)raw_len;
    int rc = zblock_finish(inflate(&zs, Z_FINISH), &zs, why, why_cap);
    inflateEnd(&zs);
    return rc;
}

/* libdeflate's inflate: 1 when the stream inflates to exactly raw_len bytes (its adler32
 * checked) and uses exactly in_len bytes, 0 otherwise (no decompressor, or any failure). The
 * decompressor is one malloc with no set-up work, small beside inflating a block, so it is
 * allocated per call and zblock keeps no state between calls or threads. */
static int zblock_inflate_fast(const uint8_t *in, size_t in_len, uint8_t *out, size_t raw_len)
{
    struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    size_t used = 0;
    if (!d) return 0;
    enum libdeflate_result r =
        libdeflate_zlib_decompress_ex(d, in, in_len, out, raw_len, &used, NULL);
    libdeflate_free_decompressor(d);
    return r == LIBDEFLATE_SUCCESS && used == in_len;
}

int zblock_inflate(const uint8_t *in, size_t in_len, uint8_t *out, size_t raw_len,
                   const zblock_alloc *alloc, char *why, size_t why_cap)
{
    if (!alloc && in_len <= UINT_MAX && raw_len <= UINT_MAX &&
        zblock_inflate_fast(in, in_len, out, raw_len))
        return zblock_why(TRAWL_OK, why, why_cap, "", NULL);
    return zblock_inflate_zlib(in, in_len, out, raw_len, alloc, why, why_cap);
}
