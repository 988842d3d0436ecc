/* enc: the character encoding of a text file that is not binary. UTF-8 (or ASCII) is indexed
 * as it is; a file with invalid UTF-8 and no valid multi-byte sequence at all is taken to be
 * Latin-1 (as Windows-1252, which fills 0x80..0x9F with printable characters) and converted to
 * UTF-8; a file with both stays as it is (UTF-8 with a few bad bytes, which the analyzer skips
 * and counts). Binary detection stays corpus_is_binary's. */
#ifndef TRAWL_ENC_H
#define TRAWL_ENC_H

#include "buf.h"

#include <stddef.h>

enum { ENC_UTF8 = 0, ENC_LATIN1 = 1 };

/* ENC_UTF8 or ENC_LATIN1 for text p[0..len), by the rule above. O(len), ASCII 8 bytes a step. */
int enc_detect(const char *p, size_t len);

/* Appends p[0..len), read as Windows-1252, to out as UTF-8 (at most 3 bytes per byte). Returns
 * 0, or -1 out of memory (out->oom). */
int enc_latin1_to_utf8(const char *p, size_t len, buf *out);

#endif
