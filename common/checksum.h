/* checksum: the one hash used for file integrity (xxhash64, seed 0) and for hash tables. */
#ifndef TRAWL_CHECKSUM_H
#define TRAWL_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

uint64_t checksum64(const void *p, size_t n);

#endif
