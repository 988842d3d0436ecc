/* segbuild: builds one new segment from documents: analysis into the postings buffer, sorted
 * runs spilled to disk when the memory budget is reached, their k-way merge (in rounds of
 * SEGBUILD_FANIN; the last one by term ranges on every thread, runmerge.h) into the segment
 * writer, and the stored text through zip.h. The output is
 * the file dir/name (written to a temporary name, fsynced, renamed at sb_finish): not part of
 * the index until a manifest names it. Knows nothing of manifests, ids already indexed or
 * deletions (writer.c). */
#ifndef TRAWL_SEGBUILD_H
#define TRAWL_SEGBUILD_H

#include "analyzer.h"
#include "err.h"
#include "format.h"
#include "grams.h"
#include "segment_writer.h"

#include <stddef.h>
#include <stdint.h>

#define SEGBUILD_DEFAULT_MEMORY ((size_t)256 << 20)
#define SEGBUILD_MIN_CACHE      ((size_t)256 << 10) /* stem cache bound under a tiny budget */
#define SEGBUILD_FANIN          64 /* runs merged at once; more runs merge in rounds first */
#define SEGBUILD_MAX_DOCS       ((uint32_t)INT32_MAX - 1) /* below the cursors' DOC_END */

typedef struct segbuild segbuild;

/* Told of each document once it is analysed (with threads >= 2, some documents later, always
 * in the order they were added, on the thread that calls sb_add / sb_finish): its positions
 * used and the invalid UTF-8 sequences skipped. */
typedef void (*sb_analysed_fn)(void *ctx, const char *id, size_t id_len, uint32_t n_tokens,
                               size_t n_invalid);

typedef struct sb_opts {
    const char *dir;  /**< index directory (exists) */
    const char *name; /**< segment file name */
    uint64_t seg_id;
    const char *language;    /**< recorded in the segment */
    uint32_t max_token_len;  /**< recorded in the segment */
    const grams *grams;      /**< phrase grams to index beside the tokens (borrowed), or NULL */
    size_t memory_bytes;     /**< memory for analysis and postings (0 = default): stem
                                  caches, analysis batches and the postings buffer share it,
                                  then the merge of spilled runs has it all */
    unsigned threads;        /**< >= 2: threads - 1 analysis workers (apool.h), and stored
                                  text compressed on a helper thread; the same bytes as 1 */
    sb_analysed_fn analysed; /**< may be NULL */
    void *analysed_ctx;
} sb_opts;

/* an: the analyzer to index with (borrowed; its settings must match o's). */
int sb_open(segbuild **out, const sb_opts *o, analyzer *an, err *e);

/* Adds one document (analysed now, or by the pool before sb_finish: o->analysed says when);
 * *doc receives its local id. TRAWL_EARG when the segment is full (SEGBUILD_MAX_DOCS, 4 GiB of
 * ids), TRAWL_ENOMEM, TRAWL_EIO (a spill); an error may come from an earlier document the pool
 * analysed, and then every later call returns it. */
int sb_add(segbuild *b, const char *id, size_t id_len, uint32_t date, const char *text,
           size_t text_len, const fmt_src *src, uint32_t *doc);

uint32_t sb_n_docs(const segbuild *b);
/* Input bytes added so far (stored text), for commit-size decisions. */
uint64_t sb_bytes(const segbuild *b);

/* Merges the runs and writes the file; st and n_runs (may be NULL) receive its statistics and
 * the number of runs spilled. */
int sb_finish(segbuild *b, sw_stats *st, uint32_t *n_runs);

/* Frees the builder; deletes its run files and, unless sb_finish succeeded, the temporary
 * segment file. Accepts NULL. */
void sb_free(segbuild *b);

#endif
