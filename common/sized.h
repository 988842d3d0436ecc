/* sized: the copy rules behind trawl.h's "ABI promise" for structs that travel with the
 * caller's sizeof. These helpers move the bytes both sides know and decide the rest, so no
 * function taking such a struct needs its own rule. Each side's first sizes of its structs are
 * its own: searcher/abi.h for the search API, indexer/api.h for the writer's. */
#ifndef TRAWL_SIZED_H
#define TRAWL_SIZED_H

#include <stddef.h>
#include <string.h>

/* Byte just past field of type: the smallest size a caller whose header has field may pass. */
#define SIZED_END(type, field) (offsetof(type, field) + sizeof(((type *)0)->field))

/* No trawl.h struct is near this big: a larger size is garbage, not a newer header. */
#define SIZED_MAX 4096

/* 1 if a caller's struct size is possible for a struct whose first layout is min bytes. */
static inline int sized_ok(size_t size, size_t min)
{
    return size >= min && size <= SIZED_MAX;
}

/* Copies our filled struct (src, src_size) into the caller's (dst, dst_size): the bytes both
 * know, and zeros for the fields of a newer header that this library does not have. */
static inline void sized_copy_out(void *dst, size_t dst_size, const void *src, size_t src_size)
{
    memcpy(dst, src, dst_size < src_size ? dst_size : src_size);
    if (dst_size > src_size) memset((char *)dst + src_size, 0, dst_size - src_size);
}

/* Copies the caller's struct (src, src_size) over ours (dst, dst_size, already holding the
 * defaults, which stay for the fields an older caller lacks). Returns 0, or -1 if the caller
 * set a byte past our struct: an option of a newer library that this one would silently
 * ignore (Linux's copy_struct_from_user rule). */
static inline int sized_copy_in(void *dst, size_t dst_size, const void *src, size_t src_size)
{
    for (size_t i = dst_size; i < src_size; i++)
        if (((const unsigned char *)src)[i]) return -1;
    memcpy(dst, src, dst_size < src_size ? dst_size : src_size);
    return 0;
}

#endif
