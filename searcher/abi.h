/* abi: the size rules behind trawl.h's "ABI promise". A caller passes its sizeof of each public
 * struct that may grow; these helpers move the bytes both sides know and decide the rest, so no
 * function taking such a struct needs its own rule. The 1.0 layouts end where ABI_END says. */
#ifndef TRAWL_ABI_H
#define TRAWL_ABI_H

#include "trawl.h"

#include <stddef.h>
#include <string.h>

/* Byte just past field of type: the smallest size a caller whose header has field may pass. */
#define ABI_END(type, field) (offsetof(type, field) + sizeof(((type *)0)->field))

/* The size of each growable struct in trawl.h 1.0: no caller's struct is smaller. */
#define ABI_OPTIONS_1_0 ABI_END(trawl_options, max_expansions)
#define ABI_STATS_1_0   ABI_END(trawl_stats, language)
#define ABI_HIT_1_0     ABI_END(trawl_hit, id_len)
#define ABI_SNIPPET_1_0 ABI_END(trawl_snippet, is_end)

/* No trawl.h struct is near this big: a larger size is garbage, not a newer header. */
#define ABI_MAX_SIZE 4096

/* 1 if a caller's struct size is possible for a struct whose 1.0 layout is min bytes. */
static inline int abi_size_ok(size_t size, size_t min)
{
    return size >= min && size <= ABI_MAX_SIZE;
}

/* Copies our filled struct (src, src_size) into the caller's (dst, dst_size): the bytes both
 * know, and zeros for the fields of a newer header that this library does not have. */
static inline void abi_copy_out(void *dst, size_t dst_size, const void *src, size_t src_size)
{
    memcpy(dst, src, dst_size < src_size ? dst_size : src_size);
    if (dst_size > src_size) memset((char *)dst + src_size, 0, dst_size - src_size);
}

/* Copies the caller's struct (src, src_size) over ours (dst, dst_size, already holding the
 * defaults, which stay for the fields an older caller lacks). Returns 0, or -1 if the caller
 * set a byte past our struct: an option of a newer library that this one would silently
 * ignore (Linux's copy_struct_from_user rule). */
static inline int abi_copy_in(void *dst, size_t dst_size, const void *src, size_t src_size)
{
    for (size_t i = dst_size; i < src_size; i++)
        if (((const unsigned char *)src)[i]) return -1;
    memcpy(dst, src, dst_size < src_size ? dst_size : src_size);
    return 0;
}

#endif
