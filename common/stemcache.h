/* stemcache: bounded map from a token's bytes to its analysed form, so the analyzer stems (and
 * Unicode-folds) each distinct token once. Owns only storage; the analyzer decides what the keys
 * and values mean. Open addressing (linear probing) over xxhash64; short keys and values sit in
 * the 32-byte slot, longer ones in a byte pool. When the entry or byte bound is reached the whole
 * cache is cleared: a cheap reset beats eviction bookkeeping, and a text's frequent tokens come
 * back within a few sentences. */
#ifndef TRAWL_STEMCACHE_H
#define TRAWL_STEMCACHE_H

#include <stddef.h>
#include <stdint.h>

#define STEMCACHE_MAX_KEY 65535 /**< longest key or value in bytes */

typedef struct stemcache_slot stemcache_slot;

typedef struct stemcache {
    stemcache_slot *slots; /**< 2^k slots, NULL until the first put */
    uint32_t mask;         /**< slot count - 1 */
    uint32_t n_used;       /**< occupied slots */
    uint32_t max_entries;  /**< clear when n_used reaches this */
    char *pool;            /**< key then value bytes of entries too long for a slot */
    size_t pool_len;       /**< bytes used in pool */
    size_t pool_cap;       /**< bytes allocated in pool */
    size_t max_bytes;      /**< clear when pool_len would pass this */
    uint64_t n_clears;     /**< times the cache was emptied (for tests and stats) */
} stemcache;

/* max_entries and max_bytes bound memory: slots are 32 bytes, at most 3/4 full (so up to
 * 64 * max_entries bytes of slots), plus at most max_bytes of pool for long entries. */
void stemcache_init(stemcache *c, uint32_t max_entries, size_t max_bytes);

/* The bounds for stemcache_init of a cache that may hold at most bytes in all: about two thirds
 * for slots (the largest power of two that fits, at least the first table's 1024), the rest for
 * the pool of long entries. */
void stemcache_limits(size_t bytes, uint32_t *max_entries, size_t *max_bytes);
void stemcache_free(stemcache *c);

/* Looks key up; h must be checksum64(key, len). Returns the value and sets *val_len, or NULL.
 * The pointer is valid until the next stemcache_put. */
const char *stemcache_get(const stemcache *c, const char *key, size_t len, uint64_t h,
                          size_t *val_len);

/* Starts fetching the slot a lookup of a key of hash h probes first (no effect when empty). */
static inline void stemcache_prefetch(const stemcache *c, uint64_t h)
{
    /* Slots are 32 bytes (stemcache.c asserts it). */
    if (c->slots) __builtin_prefetch((const char *)c->slots + ((uint32_t)h & c->mask) * 32u);
}

/* Stores key -> val (val_len may be 0); the key must not be present. Returns 0, or -1 when memory
 * ran out (the cache is then left empty but usable) or a length exceeds STEMCACHE_MAX_KEY. */
int stemcache_put(stemcache *c, const char *key, size_t len, uint64_t h, const char *val,
                  size_t val_len);

/* Drops every entry and keeps the allocations. */
void stemcache_clear(stemcache *c);

#endif
