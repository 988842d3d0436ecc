/* manifest: the small file that says which segments (and which of their documents) make up an
 * index directory, with which analyzer settings, and where its files came from. It is the
 * index's commit point: a segment or a live-documents file exists for readers only once a
 * manifest naming it has been renamed into place (fsx_replace_file).
 * Owns the MANIFEST file format (text, documented in docs/FORMAT.md), reading, validating and
 * writing; leaves what the named files hold to segment.h and liv.h. */
#ifndef TRAWL_MANIFEST_H
#define TRAWL_MANIFEST_H

#include "err.h"

#include <stddef.h>
#include <stdint.h>

#define MANIFEST_NAME     "MANIFEST"
#define MANIFEST_NAME_MAX 64 /**< bytes of a file name listed in a manifest, NUL included */

typedef struct manifest_seg {
    char name[MANIFEST_NAME_MAX]; /**< file name inside the index directory: "seg-000001.trw" */
    uint64_t id;                  /**< segment id, also stored in the segment header */
    uint32_t n_docs;              /**< documents in the segment, deleted ones included */
    char liv[MANIFEST_NAME_MAX];  /**< its live-documents file, "" if none (nothing deleted) */
    uint32_t n_deleted;           /**< documents the live file marks deleted (0 without one) */
} manifest_seg;

/* A directory (or file) documents were indexed from: their ids are paths relative to it. */
typedef struct manifest_root {
    uint32_t id; /**< referenced by fmt_src.root; never reused within an index */
    char *path;  /**< absolute, canonical (owned) */
} manifest_root;

typedef struct manifest {
    uint32_t version;       /**< of the file read (1 to 3); manifest_write writes 2, or 3
                                 with phrase grams */
    uint64_t generation;    /**< bumped on every commit */
    char language[32];      /**< analyzer language, "none" if stemming is off */
    uint32_t max_token_len; /**< analyzer max token length */
    uint32_t phrase_grams;  /**< grams.h word list version of its phrase grams, 0 if none */
    uint64_t next_seg;      /**< smallest segment id never used (v1: derived from the segments) */
    size_t n_roots;
    manifest_root *roots; /**< owned; ids increasing */
    size_t n_segs;
    manifest_seg *segs; /**< owned; in document order */
} manifest;

/* Reads dir/MANIFEST. TRAWL_ENOTINDEX if it is missing or not a trawl manifest, TRAWL_EVERSION
 * for a newer format, TRAWL_ECORRUPT for a bad checksum, field or a list that contradicts
 * itself (a file named twice, a segment id at or past next_segment), TRAWL_EIO. */
int manifest_read(manifest *m, const char *dir, err *e);

/* Atomically replaces dir/MANIFEST with m (temporary file, fsync, rename, fsync dir), after
 * the same validation manifest_read applies (TRAWL_EARG when m contradicts itself). */
int manifest_write(const manifest *m, const char *dir, err *e);

/* Appends a segment entry without a live file. TRAWL_EARG for a bad name, TRAWL_ENOMEM. */
int manifest_add(manifest *m, const char *name, uint64_t id, uint32_t n_docs, err *e);

/* Sets the live file of segment i ("" for none) and its deleted count. TRAWL_EARG for a bad
 * name or a count above the segment's documents. */
int manifest_set_liv(manifest *m, size_t i, const char *liv, uint32_t n_deleted, err *e);

/* The root with this path, adding it with the next free id if missing; *id receives its id.
 * TRAWL_EARG for a path that is not absolute, TRAWL_ENOMEM. */
int manifest_root_get(manifest *m, const char *path, uint32_t *id, err *e);

/* The path of root id, or NULL. */
const char *manifest_root_path(const manifest *m, uint32_t id);

/* Index of the segment named name, or SIZE_MAX. */
size_t manifest_find(const manifest *m, const char *name);

/* Deep copy (TRAWL_ENOMEM). dst is overwritten without being freed. */
int manifest_copy(manifest *dst, const manifest *src, err *e);

/* 1 if name is safe to join to a directory and list in a manifest: no slash, no leading dot,
 * printable ASCII without spaces, shorter than MANIFEST_NAME_MAX. */
int manifest_name_ok(const char *name);

void manifest_init(manifest *m);
void manifest_free(manifest *m);

#endif
