/* corpus_jsonl: the JSON Lines line parser of corpus.c, exposed for tests and the differential
 * fuzz target only (tests/fuzz/fuzz_jsonl.c); the indexer itself goes through corpus_walk.
 * corpus.c reads a usual line with a hand-written fast path and falls back to jansson for
 * anything else; both must turn every line into the same document or warning. */
#ifndef TRAWL_CORPUS_JSONL_H
#define TRAWL_CORPUS_JSONL_H

#include "corpus.h"

#include <stddef.h>

/* Parses line[0..len) (one line without its newline; the walk also drops trailing white space
 * and blank lines before calling this) as corpus_walk would: calls fn with the document, or
 * o->warn with the reason the line is skipped (and maybe also with a bad date warning). path
 * names the file in warnings and, with line_no, makes the id of a line without one
 * ("path:line_no"). jansson_only = 1 skips the fast path: the reference behaviour.
 * Returns TRAWL_OK, fn's non-zero value, or TRAWL_ENOMEM when jansson runs out of memory (not a
 * warning about the line: the walk stops). */
int corpus_jsonl_parse_line(const corpus_opts *o, const char *line, size_t len, int jansson_only,
                            const char *path, size_t line_no, corpus_doc_fn fn, void *ctx);

#endif
