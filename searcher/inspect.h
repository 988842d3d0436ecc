/* inspect: trawl-search's views inside an index: --terms PREFIX (the vocabulary with document
 * and collection frequencies, sorted by term, df or cf) and --show ID (a stored document, by
 * id or by a path to its file). Through the public API (trawl_terms_*, trawl_search_find);
 * flags stay main.c's. */
#ifndef TRAWL_INSPECT_H
#define TRAWL_INSPECT_H

#include "trawl.h"

#include <stdint.h>

enum { INSPECT_BY_TERM = 0, INSPECT_BY_DF = 1, INSPECT_BY_CF = 2 };

typedef struct inspect_opts {
    int json;       /**< JSON Lines records instead of text */
    int sort;       /**< INSPECT_BY_*: terms in byte order, or most frequent first */
    uint32_t limit; /**< terms to print; 0: all */
} inspect_opts;

/* Prints the terms starting with prefix (ASCII letters lower-cased, as the index folds them).
 * Returns the exit status: 0 some term, 1 none, 2 an error (message on stderr). */
int inspect_terms(const inspect_opts *o, const trawl_index *idx, const char *prefix);

/* Prints the stored text of the document with this id, or of the file this path names (as
 * trawl-search prints it). Returns 0 found, 1 not found, 2 an error. */
int inspect_show(const inspect_opts *o, trawl_search *s, const char *id);

#endif
