/* arena: bump allocator for per-query memory. Reset at query start, freed with its owner; no
 * per-object free. Chunks grow geometrically and are kept across resets, so a warm search
 * context allocates nothing. */
#ifndef TRAWL_ARENA_H
#define TRAWL_ARENA_H

#include <stddef.h>

typedef struct arena_chunk arena_chunk;
typedef struct arena {
    arena_chunk *head;  /**< chunk being filled */
    arena_chunk *spare; /**< chunks kept from before the last reset */
} arena;

void arena_init(arena *a);
/* Returns n bytes aligned to 16, or NULL when out of memory. Memory is not zeroed. */
void *arena_alloc(arena *a, size_t n);
/* Like arena_alloc, zeroed. */
void *arena_calloc(arena *a, size_t n);
/* Forgets every allocation; keeps the chunks for reuse. */
void arena_reset(arena *a);
void arena_free(arena *a);

#endif
