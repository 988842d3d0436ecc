/* catalog: where each live document of an index is, by its identity key: a file's absolute path
 * (its root joined with its id) or "\x01" followed by a JSON Lines id, so the same file is one
 * document however its path was spelled and two files are never one. Owns the hash table and
 * the key bytes; knows nothing of files (writer.c loads it from the segments and keeps it in
 * step with adds, deletes and merges). */
#ifndef TRAWL_CATALOG_H
#define TRAWL_CATALOG_H

#include <stddef.h>
#include <stdint.h>

typedef struct catalog catalog;

/* A document's place: segment id (0 = none) and local doc. */
typedef struct cat_loc {
    uint64_t seg_id;
    uint32_t doc;
} cat_loc;

catalog *cat_new(void);    /* NULL when out of memory */
void cat_free(catalog *c); /* accepts NULL */

/* 1 and *loc if key is present, else 0. */
int cat_get(const catalog *c, const char *key, size_t len, cat_loc *loc);
/* Inserts or replaces key; clears its mark. 0, or -1 when out of memory. */
int cat_put(catalog *c, const char *key, size_t len, cat_loc loc);
/* Forgets key (a no-op if absent). */
void cat_del(catalog *c, const char *key, size_t len);
/* Marks key (seen by this sync); 1 if present, 0 if not. */
int cat_mark(catalog *c, const char *key, size_t len);
/* Clears every mark, in O(1) (the mark epoch advances; every 2^32 calls one sweeps). */
void cat_unmark_all(catalog *c);
/* 1 if key is present and marked. */
int cat_is_marked(const catalog *c, const char *key, size_t len);
/* Live entries. */
size_t cat_count(const catalog *c);

/* Calls fn for every entry (in no particular order) with its mark; fn may not change c. A
 * non-zero return stops the walk and is returned. */
typedef int (*cat_fn)(void *ctx, const char *key, size_t len, cat_loc loc, int marked);
int cat_each(const catalog *c, cat_fn fn, void *ctx);

/* After a merge: every entry in segment from moves to segment to, doc d becoming map[d]
 * (UINT32_MAX: the document is gone and so is the entry). */
void cat_remap(catalog *c, uint64_t from, const uint32_t *map, uint64_t to);

#endif
