/* fuzzy: the dictionary terms near a query term, for term~N, the --fuzzy mode and spelling
 * suggestions. Walks every segment's terms (termtab_walk_seg: its dictionary, or its term table
 * once built) with the Levenshtein rows of levenshtein.h and merges the segments' answers; which of
 * them a query keeps, and how they score, is plan.c's (docs/RANKING.md, "Fuzzy terms"). */
#ifndef TRAWL_FUZZY_H
#define TRAWL_FUZZY_H

#include "plan.h"

#include <stddef.h>
#include <stdint.h>

/* Edits that --fuzzy allows for a word of n characters (Lucene's AUTO): none up to 2, one up to
 * 5, two beyond. */
static inline uint32_t fuzzy_auto_edits(uint32_t n_chars)
{
    return n_chars <= 2 ? 0 : n_chars <= 5 ? 1 : 2;
}

/* Characters (code points) of a UTF-8 term. */
uint32_t fuzzy_chars(const char *term, size_t len);

typedef struct fuzzy_term {
    const char *term; /**< NUL-terminated, in the arena */
    uint32_t len;
    uint32_t edits; /**< distance to the query term (0 for the term itself) */
} fuzzy_term;

/* Every term of any segment within max_edits (1..2) of term[0..len), distinct, in byte order,
 * into *out (arena memory, *n of them; the term itself included if some segment has it). A
 * segment's deleted documents are not looked at: terms only they hold are returned too (the
 * planner drops those whose live df is 0). Returns x->e->rc: TRAWL_ECORRUPT, TRAWL_ENOMEM, or
 * TRAWL_EQUERY for a term of more than 255 characters. */
int fuzzy_expand(exec *x, const char *term, uint32_t len, uint32_t max_edits, fuzzy_term **out,
                 size_t *n);

#endif
