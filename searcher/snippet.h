/* snippet: picks the best passage of a document's stored text for a query and marks the
 * matches. Re-analyses the text with the index's analyzer and compares tokens with the query's
 * positive terms (terms, phrase terms, prefixes, fuzzy words), so highlighting agrees with
 * matching (a caller adds a fuzzy word's variants to the query it passes). */
#ifndef TRAWL_SNIPPET_H
#define TRAWL_SNIPPET_H

#include "analyzer.h"
#include "arena.h"
#include "err.h"
#include "query.h"
#include "trawl.h"

/* Fills out with the window of about max_bytes (0 = 200) holding the most distinct query terms
 * (then the most matches), cut at token boundaries and never inside a UTF-8 sequence. out->text
 * points into text; out->spans are allocated in a. A document with no match yields its start.
 * Returns TRAWL_OK or TRAWL_ENOMEM. */
int snippet_make(analyzer *an, const query *q, const char *text, size_t len, size_t max_bytes,
                 arena *a, trawl_snippet *out, err *e);

#endif
