/* catalog: open addressing (linear probing) over key bytes kept in one store, XXH3 hashed.
 * Deleting leaves a tombstone (seg_id 0 with a key) so probe chains stay intact; a put of the
 * same key reuses it, and growing drops the tombstones. A mark is the epoch it was set in: an
 * entry is marked when its mark equals the catalog's epoch, so advancing the epoch clears every
 * mark at once. */
#include "catalog.h"

#include "buf.h"
#include "checksum.h"

#include <stdlib.h>
#include <string.h>

typedef struct cat_slot {
    uint64_t key; /**< offset of the key's [u32 len][bytes] in store + 1; 0 = empty */
    uint64_t hash;
    cat_loc loc;   /**< seg_id 0: deleted (tombstone) */
    uint32_t mark; /**< epoch of its last cat_mark; 0 = never */
} cat_slot;

struct catalog {
    buf store;
    cat_slot *slots;
    size_t cap;     /**< power of two */
    size_t used;    /**< slots with a key, tombstones included */
    size_t live;    /**< entries with a location */
    uint32_t epoch; /**< marks equal to it are current; never 0 */
};

catalog *cat_new(void)
{
    catalog *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    buf_init(&c->store);
    c->epoch = 1;
    return c;
}

void cat_free(catalog *c)
{
    if (!c) return;
    buf_free(&c->store);
    free(c->slots);
    free(c);
}

static const char *cat_key(const catalog *c, const cat_slot *s, size_t *len)
{
    uint32_t l;
    memcpy(&l, c->store.p + s->key - 1, 4);
    *len = l;
    return (const char *)c->store.p + s->key + 3;
}

/* The slot holding key, or the empty slot where it would go. */
static size_t cat_find(const catalog *c, const char *key, size_t len, uint64_t h)
{
    size_t i = h & (c->cap - 1);
    for (; c->slots[i].key; i = (i + 1) & (c->cap - 1)) {
        size_t l;
        if (c->slots[i].hash != h) continue;
        const char *k = cat_key(c, &c->slots[i], &l);
        if (l == len && memcmp(k, key, len) == 0) break;
    }
    return i;
}

static int cat_grow(catalog *c)
{
    size_t cap = c->cap ? 2 * c->cap : 1024, old_cap = c->cap;
    cat_slot *old = c->slots;
    if (c->used > 2 * c->live + 1024) cap = c->cap; /* mostly tombstones: rehash in place */
    if (!(c->slots = calloc(cap, sizeof *c->slots))) {
        c->slots = old;
        return -1;
    }
    c->cap = cap;
    c->used = 0;
    for (size_t i = 0; i < old_cap; i++) {
        if (!old[i].key || !old[i].loc.seg_id) continue;
        size_t l;
        const char *k = cat_key(c, &old[i], &l);
        c->slots[cat_find(c, k, l, old[i].hash)] = old[i];
        c->used++;
    }
    free(old);
    return 0;
}

int cat_get(const catalog *c, const char *key, size_t len, cat_loc *loc)
{
    if (!c->cap) return 0;
    const cat_slot *s = &c->slots[cat_find(c, key, len, hash64(key, len))];
    if (!s->key || !s->loc.seg_id) return 0;
    *loc = s->loc;
    return 1;
}

int cat_put(catalog *c, const char *key, size_t len, cat_loc loc)
{
    uint64_t h = hash64(key, len);
    if ((c->used + 1) * 10 > c->cap * 7 && cat_grow(c) < 0) return -1;
    cat_slot *s = &c->slots[cat_find(c, key, len, h)];
    if (!s->key) {
        uint64_t off = c->store.len + 1;
        buf_put_u32(&c->store, (uint32_t)len);
        buf_put(&c->store, key, len);
        if (c->store.oom) return -1;
        s->key = off;
        s->hash = h;
        c->used++;
    }
    if (!s->loc.seg_id) c->live++;
    s->loc = loc;
    s->mark = 0;
    return 0;
}

void cat_del(catalog *c, const char *key, size_t len)
{
    if (!c->cap) return;
    cat_slot *s = &c->slots[cat_find(c, key, len, hash64(key, len))];
    if (!s->key || !s->loc.seg_id) return;
    s->loc.seg_id = 0;
    c->live--;
}

int cat_mark(catalog *c, const char *key, size_t len)
{
    if (!c->cap) return 0;
    cat_slot *s = &c->slots[cat_find(c, key, len, hash64(key, len))];
    if (!s->key || !s->loc.seg_id) return 0;
    s->mark = c->epoch;
    return 1;
}

void cat_unmark_all(catalog *c)
{
    if (++c->epoch != 0) return;
    /* The epoch wrapped (after 2^32 passes): old marks could look current again. */
    for (size_t i = 0; i < c->cap; i++)
        c->slots[i].mark = 0;
    c->epoch = 1;
}

int cat_is_marked(const catalog *c, const char *key, size_t len)
{
    if (!c->cap) return 0;
    const cat_slot *s = &c->slots[cat_find(c, key, len, hash64(key, len))];
    return s->key && s->loc.seg_id && s->mark == c->epoch;
}

size_t cat_count(const catalog *c)
{
    return c->live;
}

int cat_each(const catalog *c, cat_fn fn, void *ctx)
{
    for (size_t i = 0; i < c->cap; i++) {
        const cat_slot *s = &c->slots[i];
        if (!s->key || !s->loc.seg_id) continue;
        size_t l;
        const char *k = cat_key(c, s, &l);
        int r = fn(ctx, k, l, s->loc, s->mark == c->epoch);
        if (r) return r;
    }
    return 0;
}

void cat_remap(catalog *c, uint64_t from, const uint32_t *map, uint64_t to)
{
    for (size_t i = 0; i < c->cap; i++) {
        cat_slot *s = &c->slots[i];
        if (!s->key || s->loc.seg_id != from) continue;
        if (map[s->loc.doc] == UINT32_MAX) {
            s->loc.seg_id = 0;
            c->live--;
        } else {
            s->loc = (cat_loc){to, map[s->loc.doc]};
        }
    }
}
