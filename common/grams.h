/* grams: the phrase grams of an index built with them (docs/FORMAT.md, "Phrase grams"): beside
 * every token, each pair of adjacent tokens of which at least one is a common word is indexed as
 * one more term, the gram, at the first token's position. A phrase of common words ("as of",
 * "the only") then reads one short list instead of intersecting two long ones and comparing
 * their positions, as Lucene's CommonGramsFilter does.
 *
 * A gram is GRAMS_MARK, the first term, a space, the second term. No token holds a control
 * byte or a space, so a gram never equals a term, and every gram sorts below every term (walks
 * over words start at GRAMS_END). The common words are a fixed English list (grams.c), each
 * passed through the index's analyzer, so the indexer and the searcher derive the same set.
 * The rule is exact, which is what lets a searcher rely on it: adjacent positions, one of the
 * two common, the gram at most GRAMS_MAX_KEY bytes. Owns that rule; knows nothing of postings. */
#ifndef TRAWL_GRAMS_H
#define TRAWL_GRAMS_H

#include "analyzer.h"
#include "err.h"

#include <stddef.h>
#include <stdint.h>

#define GRAMS_MARK    '\x01'
#define GRAMS_END     "\x02" /**< the smallest key above every gram */
#define GRAMS_MAX_KEY 255    /**< bytes of a gram: a term's limit (dict.h, postings_buf.h) */
#define GRAMS_VERSION 1u     /**< of the word list; recorded in the manifest */

typedef struct grams grams;

/* The common words of list version (GRAMS_VERSION), analysed by an. TRAWL_EARG for an unknown
 * version, TRAWL_ENOMEM. */
int grams_new(grams **out, analyzer *an, uint32_t version, err *e);
void grams_free(grams *g);

/* 1 if the analysed term is one of the common words. */
int grams_common(const grams *g, const char *term, size_t len);

/* Writes the gram of a then b to out (GRAMS_MAX_KEY bytes) and returns its length, or 0 when
 * the pair has no gram (neither word common, or the gram would be too long). */
size_t grams_key(const grams *g, const char *a, size_t la, const char *b, size_t lb, char *out);

/* 1 if a dictionary term is a gram. */
static inline int grams_is_gram(const char *term, size_t len)
{
    return len > 0 && term[0] == GRAMS_MARK;
}

/* An analyzer sink that forwards each token to next, then the gram it forms with the token
 * before it, if any (at that token's position, spanning both). */
typedef struct gram_sink {
    const grams *g;
    analyzer_sink next;
    void *next_ctx;
    uint32_t prev_pos, prev_start, prev_len;
    int have_prev, prev_common;
    char prev[ANALYZER_MAX_TOKEN_LIMIT];
    char key[GRAMS_MAX_KEY];
} gram_sink;

/* Starts a stream: call before each document's analysis. */
void gram_sink_init(gram_sink *s, const grams *g, analyzer_sink next, void *next_ctx);

/* The sink to analyse one document with: next itself (*ctx = next_ctx) without grams (g NULL),
 * else gram_sink_token over s, started for the document (*ctx = s). */
analyzer_sink gram_sink_for(gram_sink *s, const grams *g, analyzer_sink next, void *next_ctx,
                            void **ctx);

/* The sink (ctx: a gram_sink). Returns what next returns. */
int gram_sink_token(void *ctx, const token *t);

#endif
