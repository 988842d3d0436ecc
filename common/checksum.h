/* checksum: the hashes of the project: xxhash64 (seed 0) for file integrity, written to disk,
 * and XXH3 for in-memory hash tables, where short keys dominate. */
#ifndef TRAWL_CHECKSUM_H
#define TRAWL_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

uint64_t checksum64(const void *p, size_t n);

/* Fast hash for in-memory tables (XXH3, 64 bits); not for on-disk checksums. Inline: the
 * analyzer hashes every token (a term of a few bytes), where the library call's entry cost
 * more than the hash. */
#define XXH_INLINE_ALL
#include <xxhash.h>

static inline uint64_t hash64(const void *p, size_t n)
{
    return XXH3_64bits(p, n);
}

#endif
