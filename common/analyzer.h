/* analyzer: the one tokenizer + normaliser + stemmer shared by indexer and searcher, so a query
 * term always meets the form it was indexed in. Owns the token rules (docs/ANALYZER.md);
 * knows nothing of postings or queries.
 *
 * Tokens: maximal runs of Unicode letters, marks and digits; see docs/ANALYZER.md for
 * apostrophes, hyphens and numbers. Each token is Unicode case folded (ASCII without a library
 * call), then stemmed with Snowball (libstemmer) unless the language is "none". Tokens longer
 * than max_token_len bytes are dropped but still take a position. Invalid UTF-8 bytes are
 * skipped and counted. An analyzer is not thread-safe (it caches stems): one per thread. */
#ifndef TRAWL_ANALYZER_H
#define TRAWL_ANALYZER_H

#include "err.h"

#include <stddef.h>
#include <stdint.h>

#define ANALYZER_DEFAULT_MAX_TOKEN 64
#define ANALYZER_MAX_TOKEN_LIMIT   255

typedef struct analyzer analyzer;

/* One token handed to the sink. term is valid only during the sink call. */
typedef struct token {
    const char *term; /**< folded (and stemmed) form, UTF-8, not NUL-terminated */
    uint32_t len;     /**< bytes in term */
    uint32_t pos;     /**< position: first_pos + index of the token in the text */
    uint32_t start;   /**< byte offset of the token's first byte in the input */
    uint32_t end;     /**< byte offset one past its last byte */
    int is_long;      /**< term NULL (analyzer_run_all only): 1 if dropped as longer than
                           max_token_len once folded, 0 if it folded to nothing */
} token;

/* Receives tokens in order. A non-zero return stops analyzer_run, which returns that value. */
typedef int (*analyzer_sink)(void *ctx, const token *t);

/* Creates an analyzer for language ("english", any libstemmer name, or "none").
 * max_token_len: 1..ANALYZER_MAX_TOKEN_LIMIT bytes (0 = default).
 * Returns TRAWL_OK, TRAWL_EARG (unknown language: the message lists the valid ones), ENOMEM. */
int analyzer_new(analyzer **out, const char *language, uint32_t max_token_len, err *e);
void analyzer_free(analyzer *a);

#define ANALYZER_DEFAULT_CACHE_BYTES ((size_t)48 << 20) /**< stem cache bound of a new analyzer */

/* Bounds the stem cache to about bytes of memory from now on (0: the default); a change of
 * bound empties it. The cache only saves time: the terms are the same at any size. */
void analyzer_cache_limit(analyzer *a, size_t bytes);

/* Empties the stem cache and gives its memory back (it grows again with use). */
void analyzer_cache_drop(analyzer *a);

/* Checks a language name without building an analyzer (no buffers, no cache): TRAWL_OK if
 * analyzer_new would accept it, else TRAWL_EARG with analyzer_new's message. */
int analyzer_check_language(const char *language, err *e);

/* The language name it was created with. */
const char *analyzer_language(const analyzer *a);

/* The longest term it keeps, in bytes (max_token_len). */
uint32_t analyzer_max_token_len(const analyzer *a);

/* Tokenizes text[0..len). Positions start at first_pos. *n_invalid (may be NULL) receives the
 * number of invalid UTF-8 sequences skipped. *n_tokens (may be NULL) receives the number of
 * positions used (dropped long tokens included), i.e. the next first_pos - first_pos.
 * Returns 0, the sink's non-zero value, or TRAWL_ENOMEM. Input offsets must fit in 32 bits. */
int analyzer_run(analyzer *a, const char *text, size_t len, uint32_t first_pos, analyzer_sink sink,
                 void *ctx, uint32_t *n_tokens, size_t *n_invalid);

/* As analyzer_run, but the sink also receives every token the analyzer drops, with term NULL,
 * len 0 and is_long saying why (start, end and pos set as for any token), so a caller can say
 * what was ignored. For query words, not the indexing loop. */
int analyzer_run_all(analyzer *a, const char *text, size_t len, uint32_t first_pos,
                     analyzer_sink sink, void *ctx, uint32_t *n_tokens);

/* Folds (without stemming) one word, for prefix queries: writes at most cap bytes to out and
 * returns the folded length, or 0 if the word has no token characters. Only the first token of
 * the word is used. */
size_t analyzer_fold(analyzer *a, const char *word, size_t len, char *out, size_t cap);

#endif
