/* qparse: parses the query language into the query tree of query.h, analysing every word with
 * the index's analyzer so query terms meet the indexed forms. Owns the grammar (documented in
 * README.md); evaluation is plan.c's job. */
#ifndef TRAWL_QPARSE_H
#define TRAWL_QPARSE_H

#include "analyzer.h"
#include "arena.h"
#include "err.h"
#include "query.h"

/* Parses text into q; nodes and strings are allocated in a (valid until arena_reset).
 * default_or: bare words are optional (should) instead of required (must).
 * Returns TRAWL_OK, TRAWL_EQUERY (message in e, 1-based byte column in *col), TRAWL_ENOMEM. */
int qp_parse(const char *text, int default_or, analyzer *an, arena *a, query *q, uint32_t *col,
             err *e);

#endif
