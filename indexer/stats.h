/* stats: trawl-index --stats, what an index directory holds: documents live and deleted,
 * tokens, terms, analyzer, bytes, each segment with its size and deletions, and the roots its
 * files were indexed from. Reads the manifest and the segments (common/) after the library
 * has opened and validated the index; prints to a stream, changes nothing. */
#ifndef TRAWL_STATS_H
#define TRAWL_STATS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Formats v with thousands separators into out (cap bytes): 41234 -> "41,234". Returns out. */
const char *stats_num(uint64_t v, char *out, size_t cap);

/* Prints the report of the index in dir to f. Returns 0, or 1 with a message on stderr when the
 * index cannot be opened. */
int stats_print(FILE *f, const char *dir);

#endif
