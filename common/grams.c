/* grams: the common-word set and the gram rule (contract in grams.h). */
#include "grams.h"

#include <stdlib.h>
#include <string.h>

/* Version 1: Lucene's English stop words (EnglishAnalyzer.ENGLISH_STOP_WORDS_SET), the words
 * whose pairs make the phrases that cost most to match. Changing the list changes which grams an
 * index holds: add a version, never edit one. */
static const char *const grams_v1[] = {
    "a",   "an",    "and",  "are",   "as",    "at",   "be",   "but", "by",  "for",  "if",
    "in",  "into",  "is",   "it",    "no",    "not",  "of",   "on",  "or",  "such", "that",
    "the", "their", "then", "there", "these", "they", "this", "to",  "was", "will", "with",
};

#define GRAMS_SLOTS   128 /* a power of two, over twice the words */
#define GRAMS_WORDMAX 15  /* bytes of a common word once analysed; longer ones are not kept */

typedef struct grams_slot {
    uint8_t len; /**< 0: empty */
    char term[GRAMS_WORDMAX];
} grams_slot;

struct grams {
    grams_slot slot[GRAMS_SLOTS];
    uint32_t max_len; /**< of the words: a longer term is not common */
};

static uint32_t grams_hash(const char *t, size_t len)
{
    return ((uint32_t)(uint8_t)t[0] * 31u + (uint32_t)(uint8_t)t[len - 1] * 7u + (uint32_t)len) &
           (GRAMS_SLOTS - 1);
}

int grams_common(const grams *g, const char *term, size_t len)
{
    if (len == 0 || len > g->max_len) return 0;
    for (uint32_t h = grams_hash(term, len);; h = (h + 1) & (GRAMS_SLOTS - 1)) {
        const grams_slot *s = &g->slot[h];
        if (s->len == 0) return 0;
        if (s->len == len && memcmp(s->term, term, len) == 0) return 1;
    }
}

/* Adds the analysed form of each word (its first token). */
typedef struct grams_add {
    grams *g;
    int done;
} grams_add;

static int grams_add_token(void *ctx, const token *t)
{
    grams_add *a = ctx;
    if (a->done++ || t->len > GRAMS_WORDMAX || grams_common(a->g, t->term, t->len)) return 0;
    uint32_t h = grams_hash(t->term, t->len);
    while (a->g->slot[h].len)
        h = (h + 1) & (GRAMS_SLOTS - 1);
    a->g->slot[h].len = (uint8_t)t->len;
    memcpy(a->g->slot[h].term, t->term, t->len);
    if (t->len > a->g->max_len) a->g->max_len = t->len;
    return 0;
}

int grams_new(grams **out, analyzer *an, uint32_t version, err *e)
{
    *out = NULL;
    if (version != GRAMS_VERSION)
        return err_set(e, TRAWL_EARG, "phrase grams version %u unknown to this build (it knows %u)",
                       version, GRAMS_VERSION);
    grams *g = calloc(1, sizeof *g);
    if (!g) return err_set(e, TRAWL_ENOMEM, "out of memory");
    for (size_t i = 0; i < sizeof grams_v1 / sizeof grams_v1[0]; i++) {
        grams_add a = {g, 0};
        if (analyzer_run(an, grams_v1[i], strlen(grams_v1[i]), 0, grams_add_token, &a, NULL, NULL) <
            0) {
            free(g);
            return err_set(e, TRAWL_ENOMEM, "out of memory");
        }
    }
    *out = g;
    return TRAWL_OK;
}

void grams_free(grams *g)
{
    free(g);
}

/* The gram of a then b, one of them known common: its length, or 0 if it is too long. */
static size_t grams_write(const char *a, size_t la, const char *b, size_t lb, char *out)
{
    if (2 + la + lb > GRAMS_MAX_KEY) return 0;
    out[0] = GRAMS_MARK;
    memcpy(out + 1, a, la);
    out[1 + la] = ' ';
    memcpy(out + 2 + la, b, lb);
    return 2 + la + lb;
}

size_t grams_key(const grams *g, const char *a, size_t la, const char *b, size_t lb, char *out)
{
    if (!grams_common(g, a, la) && !grams_common(g, b, lb)) return 0;
    return grams_write(a, la, b, lb, out);
}

void gram_sink_init(gram_sink *s, const grams *g, analyzer_sink next, void *next_ctx)
{
    s->g = g;
    s->next = next;
    s->next_ctx = next_ctx;
    s->have_prev = 0;
    s->prev_common = 0;
}

analyzer_sink gram_sink_for(gram_sink *s, const grams *g, analyzer_sink next, void *next_ctx,
                            void **ctx)
{
    if (!g) {
        *ctx = next_ctx;
        return next;
    }
    gram_sink_init(s, g, next, next_ctx);
    *ctx = s;
    return gram_sink_token;
}

int gram_sink_token(void *ctx, const token *t)
{
    gram_sink *s = ctx;
    int rc = s->next(s->next_ctx, t);
    if (rc != 0) return rc;
    int common = grams_common(s->g, t->term, t->len); /* once per token, not per pair */
    if (s->have_prev && t->pos == s->prev_pos + 1 && (common || s->prev_common)) {
        size_t n = grams_write(s->prev, s->prev_len, t->term, t->len, s->key);
        if (n) {
            token gt = {.term = s->key,
                        .len = (uint32_t)n,
                        .pos = s->prev_pos,
                        .start = s->prev_start,
                        .end = t->end};
            rc = s->next(s->next_ctx, &gt);
        }
    }
    memcpy(s->prev, t->term, t->len);
    s->prev_len = t->len;
    s->prev_pos = t->pos;
    s->prev_start = t->start;
    s->prev_common = common;
    s->have_prev = 1;
    return rc;
}
