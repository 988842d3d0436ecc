#include "stemcache.h"

#include "checksum.h"
#include "hugemem.h"

#include <stdlib.h>
#include <string.h>

#define STEMCACHE_MIN_SLOTS 1024u
#define STEMCACHE_MIN_POOL  (16u * 1024u)
#define STEMCACHE_INLINE    24u

/* One entry, half a cache line. Most tokens are short, so key and value sit in the slot itself
 * and a lookup touches one line; the table outgrows the CPU caches on real corpora, where a
 * second miss into a pool cost ~15% of analysis time. key_len == 0 marks an empty slot. */
struct stemcache_slot {
    uint32_t tag;     /**< high 32 bits of the key's hash (the low bits chose the slot) */
    uint16_t key_len; /**< key bytes, 0 = empty slot */
    uint16_t val_len; /**< value bytes */
    union {
        char bytes[STEMCACHE_INLINE]; /**< key then value, if key_len + val_len fit */
        uint32_t off;                 /**< else: offset of key then value in pool */
    } u;
};

_Static_assert(sizeof(stemcache_slot) == 32, "two slots per cache line");

/* Where the slot's key (followed by its value) lives. */
static inline const char *stemcache_bytes(const stemcache *c, const stemcache_slot *s)
{
    if ((size_t)s->key_len + s->val_len <= STEMCACHE_INLINE) return s->u.bytes;
    return c->pool + s->u.off;
}

void stemcache_init(stemcache *c, uint32_t max_entries, size_t max_bytes)
{
    memset(c, 0, sizeof *c);
    c->max_entries = max_entries ? max_entries : 1;
    /* Offsets are 32-bit. */
    c->max_bytes = max_bytes < UINT32_MAX ? max_bytes : UINT32_MAX;
}

void stemcache_limits(size_t bytes, uint32_t *max_entries, size_t *max_bytes)
{
    size_t slots = STEMCACHE_MIN_SLOTS;
    while (slots < ((size_t)1 << 30) && 2 * slots * sizeof(stemcache_slot) <= bytes / 3 * 2)
        slots *= 2;
    *max_entries = (uint32_t)(slots / 4 * 3);
    *max_bytes = bytes > slots * sizeof(stemcache_slot) ? bytes - slots * sizeof(stemcache_slot)
                                                        : STEMCACHE_MIN_POOL;
    if (*max_bytes > UINT32_MAX) *max_bytes = UINT32_MAX; /* as stemcache_init clamps it */
}

void stemcache_free(stemcache *c)
{
    if (!c) return;
    free(c->slots);
    free(c->pool);
    memset(c, 0, sizeof *c);
}

void stemcache_clear(stemcache *c)
{
    if (c->slots) memset(c->slots, 0, ((size_t)c->mask + 1) * sizeof *c->slots);
    c->n_used = 0;
    c->pool_len = 0;
    c->n_clears++;
}

const char *stemcache_get(const stemcache *c, const char *key, size_t len, uint64_t h,
                          size_t *val_len)
{
    uint32_t i, tag = (uint32_t)(h >> 32);
    if (!c->slots) return NULL;
    for (i = (uint32_t)h & c->mask;; i = (i + 1) & c->mask) {
        const stemcache_slot *s = &c->slots[i];
        const char *b;
        if (s->key_len == 0) return NULL;
        if (s->tag != tag || s->key_len != len) continue;
        b = stemcache_bytes(c, s);
        if (memcmp(b, key, len) == 0) {
            *val_len = s->val_len;
            return b + len;
        }
    }
}

/* Inserts into a table known to have a free slot; i0 is the key's hash (low bits). */
static void stemcache_place(stemcache_slot *slots, uint32_t mask, uint32_t i0,
                            const stemcache_slot *e)
{
    uint32_t i = i0 & mask;
    while (slots[i].key_len != 0)
        i = (i + 1) & mask;
    slots[i] = *e;
}

/* Doubles the slot array (or creates it) so the load stays at most 3/4. Slots keep only the
 * hash's high half, so entries are rehashed from their keys. Returns 0 or -1. */
static int stemcache_grow(stemcache *c)
{
    size_t n_old = c->slots ? (size_t)c->mask + 1 : 0;
    size_t n_new = n_old ? n_old * 2 : STEMCACHE_MIN_SLOTS;
    stemcache_slot *s;
    size_t i;
    if (n_new > (size_t)1 << 30) return -1;
    s = hugemem_zalloc(n_new * sizeof *s);
    if (!s) return -1;
    for (i = 0; i < n_old; i++) {
        const stemcache_slot *e = &c->slots[i];
        if (e->key_len != 0)
            stemcache_place(s, (uint32_t)(n_new - 1),
                            (uint32_t)hash64(stemcache_bytes(c, e), e->key_len), e);
    }
    free(c->slots);
    c->slots = s;
    c->mask = (uint32_t)(n_new - 1);
    return 0;
}

/* Makes room for n more pool bytes, growing geometrically up to max_bytes. Returns 0 or -1. */
static int stemcache_reserve(stemcache *c, size_t n)
{
    size_t cap = c->pool_cap ? c->pool_cap : STEMCACHE_MIN_POOL;
    char *p;
    if (c->pool_len + n <= c->pool_cap) return 0;
    while (cap < c->pool_len + n)
        cap *= 2;
    if (cap > c->max_bytes) cap = c->max_bytes;
    p = realloc(c->pool, cap);
    if (!p) return -1;
    c->pool = p;
    c->pool_cap = cap;
    return 0;
}

int stemcache_put(stemcache *c, const char *key, size_t len, uint64_t h, const char *val,
                  size_t val_len)
{
    stemcache_slot e;
    char *dst;
    int is_inline;
    if (len == 0 || len > STEMCACHE_MAX_KEY || val_len > STEMCACHE_MAX_KEY ||
        len + val_len > c->max_bytes)
        return -1;
    is_inline = len + val_len <= STEMCACHE_INLINE;
    if (c->n_used >= c->max_entries || (!is_inline && c->pool_len + len + val_len > c->max_bytes))
        stemcache_clear(c);
    if (!c->slots || ((size_t)c->n_used + 1) * 4 > ((size_t)c->mask + 1) * 3) {
        if (stemcache_grow(c) < 0) goto fail;
    }
    memset(&e, 0, sizeof e);
    e.tag = (uint32_t)(h >> 32);
    e.key_len = (uint16_t)len;
    e.val_len = (uint16_t)val_len;
    if (is_inline) {
        dst = e.u.bytes;
    } else {
        if (stemcache_reserve(c, len + val_len) < 0) goto fail;
        e.u.off = (uint32_t)c->pool_len;
        dst = c->pool + c->pool_len;
        c->pool_len += len + val_len;
    }
    memcpy(dst, key, len);
    if (val_len) memcpy(dst + len, val, val_len);
    stemcache_place(c->slots, c->mask, (uint32_t)h, &e);
    c->n_used++;
    return 0;
fail:
    stemcache_clear(c);
    return -1;
}
