#include "checksum.h"

#include <xxhash.h>

uint64_t checksum64(const void *p, size_t n)
{
    return XXH64(p, n, 0);
}
