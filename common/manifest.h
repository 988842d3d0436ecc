/* manifest: the small file that says which segments make up an index directory, and with
 * which analyzer settings they were built. It is the index's commit point: a segment exists for
 * readers only once a manifest naming it has been renamed into place (fsx_replace_file).
 * Owns the MANIFEST file format (text, documented in docs/FORMAT.md), reading and writing. */
#ifndef TRAWL_MANIFEST_H
#define TRAWL_MANIFEST_H

#include "err.h"

#include <stddef.h>
#include <stdint.h>

#define MANIFEST_NAME "MANIFEST"

typedef struct manifest_seg {
    char name[64];   /**< file name inside the index directory, e.g. "seg-000001.trw" */
    uint64_t id;     /**< segment id, also stored in the segment header */
    uint32_t n_docs; /**< documents in the segment */
} manifest_seg;

typedef struct manifest {
    uint64_t generation;    /**< bumped on every write */
    char language[32];      /**< analyzer language, "none" if stemming is off */
    uint32_t max_token_len; /**< analyzer max token length */
    size_t n_segs;
    manifest_seg *segs; /**< owned; in document order */
} manifest;

/* Reads dir/MANIFEST. TRAWL_ENOTINDEX if it is missing or not a trawl manifest, TRAWL_EVERSION
 * for a newer format, TRAWL_ECORRUPT for a bad checksum or field, TRAWL_EIO. */
int manifest_read(manifest *m, const char *dir, err *e);

/* Atomically replaces dir/MANIFEST with m (temporary file, fsync, rename, fsync dir). */
int manifest_write(const manifest *m, const char *dir, err *e);

/* Appends a segment entry. TRAWL_ENOMEM on failure. */
int manifest_add(manifest *m, const char *name, uint64_t id, uint32_t n_docs, err *e);

void manifest_init(manifest *m);
void manifest_free(manifest *m);

#endif
