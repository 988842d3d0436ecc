/* batch: trawl-search --queries FILE: many queries through one open index and one search
 * context, one JSON Lines record per query line, with optional latency statistics. Owns the
 * reading of the query file and the records; flags stay main.c's, searching the library's. */
#ifndef TRAWL_BATCH_H
#define TRAWL_BATCH_H

#include "trawl.h"

#include <stddef.h>
#include <stdint.h>

typedef struct batch_opts {
    const char *path;     /**< query file, "-" = standard input */
    trawl_options opt;    /**< applied to every query */
    int count_only;       /**< records carry the count, no hits */
    int no_snippets;      /**< hits without snippet and highlights */
    size_t snippet_bytes; /**< 0 = the library's default */
    int timing;           /**< each record gets "us"; a closing summary record */
    uint32_t warmup;      /**< untimed, unprinted passes over all queries first */
} batch_opts;

/* Runs every line of b->path (an empty or blank line is skipped but keeps its number) on s
 * and prints one record per query to stdout. A query that fails gets an error record and the
 * batch goes on. Returns 0 when every query succeeded, 1 when some failed or the file could
 * not be read (message on stderr). */
int batch_run(const batch_opts *b, trawl_search *s);

#endif
