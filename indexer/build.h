/* build: the indexing pipeline behind trawl-index. Owns the index directory while it runs (lock,
 * leftover temporary files, reading the existing segments' ids, appending or replacing
 * segments, the manifest commit) and the flow corpus -> analyzer -> postings buffer -> spilled
 * runs -> merge -> segment writer. Never prints: warnings and progress go to callbacks. */
#ifndef TRAWL_BUILD_H
#define TRAWL_BUILD_H

#include "corpus.h"
#include "err.h"

#include <stddef.h>
#include <stdint.h>

#define BUILD_DEFAULT_MEMORY ((size_t)256 << 20)
#define BUILD_MERGE_FANIN    64 /* runs merged at once; more runs merge in rounds first */

typedef void (*build_warn_fn)(void *ctx, const char *msg);
/* Called after every document read (indexed or skipped): docs seen, input bytes read. */
typedef void (*build_progress_fn)(void *ctx, uint64_t n_docs, uint64_t in_bytes);

typedef struct build_opts {
    const char *index_dir;    /**< created if missing (one level) */
    const char *const *paths; /**< corpus paths (corpus.h) */
    size_t n_paths;
    int is_jsonl; /**< corpus_opts fields */
    const char *id_field, *text_field, *date_field;
    const char *language;   /**< NULL: the existing index's, else "english" */
    uint32_t max_token_len; /**< 0: the existing index's, else the analyzer default */
    size_t memory_bytes;    /**< postings budget before a spill (0 = default) */
    int rebuild;            /**< replace the index instead of adding a segment */
    unsigned threads;       /**< 0: min(2, online CPUs); 1: no helper thread; 2+: stored text
                                 is compressed on a helper thread (same output bytes) */
    build_warn_fn warn;     /**< may be NULL */
    void *warn_ctx;
    build_progress_fn progress; /**< may be NULL */
    void *progress_ctx;
} build_opts;

typedef struct build_result {
    uint32_t n_docs;       /**< documents indexed into the new segment */
    uint64_t n_skipped;    /**< documents whose id was already indexed */
    uint64_t tokens;       /**< positions used by the new documents */
    uint64_t n_terms;      /**< distinct terms of the new segment */
    uint64_t file_bytes;   /**< bytes of the new segment file */
    uint64_t stored_bytes; /**< of which compressed stored text */
    uint64_t in_bytes;     /**< corpus bytes read */
    uint32_t n_runs;       /**< runs spilled (0: everything fit in memory) */
    size_t n_segments;     /**< segments in the index afterwards */
    char seg_name[64];     /**< the new segment's file name ("" if nothing was written) */
} build_result;

void build_opts_init(build_opts *o);

/* Indexes o->paths into o->index_dir. On success the new segment is committed in the manifest
 * (or nothing changed when every document was already indexed). On failure the previous index
 * is untouched and temporary files are removed. Returns TRAWL_OK; TRAWL_EARG (missing path,
 * unknown language, settings that differ from the existing index, no documents);
 * TRAWL_ECORRUPT (existing index unreadable, without rebuild); TRAWL_EIO (with the file and
 * strerror; also "locked" when another indexer holds INDEX_DIR/LOCK); TRAWL_ENOMEM. */
int build_run(const build_opts *o, build_result *r, err *e);

#endif
