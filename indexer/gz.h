/* gz: gzip-compressed corpus files (a Debian documentation tree is mostly .gz), decompressed in
 * memory through zlib (inflateInit2 with 16 + MAX_WBITS: gzip framing). Owns telling a gzip file
 * and inflating it, member after member as gzip -d does; the corpus decides what to do with the
 * text. */
#ifndef TRAWL_GZ_H
#define TRAWL_GZ_H

#include "buf.h"

#include <stddef.h>

/* 1 if the file called name, starting with p[0..len), is gzip: its name ends in ".gz" and it
 * starts with the gzip magic bytes 1f 8b. */
int gz_is_gzip(const char *name, const char *p, size_t len);

enum { GZ_OK = 0, GZ_CORRUPT = -1, GZ_NOMEM = -2, GZ_TOO_BIG = -3 };

/* Appends the decompressed bytes of in[0..len) to out (members one after another; bytes after
 * the last member that are not another member are ignored). Stops with GZ_TOO_BIG past max
 * bytes (a zip bomb is not read to the end). Returns GZ_OK, GZ_CORRUPT (*why says what zlib
 * found), GZ_NOMEM or GZ_TOO_BIG. */
int gz_inflate(const char *in, size_t len, size_t max, buf *out, const char **why);

#endif
