/* suggest: the "did you mean" of trawl_search_suggestion: for the plain words of the last query,
 * a spelling one edit away in many more documents, put back into the query's text. The edit
 * distance walk is fuzzy.c's; this module chooses and rewrites. */
#ifndef TRAWL_SUGGEST_H
#define TRAWL_SUGGEST_H

#include "search.h"

#include <stddef.h>

/* A spelling must be in this many times the word's documents to be suggested (any, for a word
 * in none). */
#define SUGGEST_RATIO 10

/* The suggested query for the last successful run of s, in s's arena. Returns TRAWL_OK,
 * TRAWL_ENOTFOUND (nothing better, or no successful run), TRAWL_ENOMEM or TRAWL_ECORRUPT. */
int suggest_make(trawl_search *s, const char **text, size_t *len);

#endif
