/* termtab: a segment's terms alone, front-coded, without their postings, for walks that visit
 * a large part of the dictionary (fuzzy terms, spelling suggestions) many times. The dictionary on
 * disk interleaves each term with its statistics and inline lists, so a walk parses every entry of
 * every block it enters; here an entry is its shared-prefix length, its suffix length and the
 * suffix, in three arrays: the shared lengths alone (a walk skips a run of terms by scanning
 * them eight bytes at a time), the suffix offsets, the suffixes. Built once per segment from
 * dict_each_term when termtab_walk_seg finds it due (about 10 bytes a term), shared by every thread
 * and reopened index holding the segment, freed with it. Owns the table and its walk; the
 * dictionary format is dict.c's, the automaton the caller's. */
#ifndef TRAWL_TERMTAB_H
#define TRAWL_TERMTAB_H

#include "dict.h"
#include "err.h"
#include "segment.h"

#include <stddef.h>
#include <stdint.h>

typedef struct termtab termtab;

/* The segment's table, built on the first call (one pass over the dictionary);
 * later calls cost one atomic load. Thread-safe: racing first calls each build one and all but
 * one free theirs. Returns NULL with e set (TRAWL_ECORRUPT from the dictionary, TRAWL_ENOMEM). */
const termtab *termtab_get(const segment *s, err *e);

/* Frees a table (segment_close calls it). Accepts NULL. */
void termtab_free(termtab *t);

/* Walks every term in byte order, skipping those below the visitor's hints (dict_walk_fn,
 * dict.h), without touching the dictionary's bytes. Returns TRAWL_OK. */
int termtab_walk(const termtab *t, dict_walk_fn visit, void *ctx);

/* The pruned walk over segment s's terms (the dict_walk_fn protocol) that costs least over the
 * segment's life: over its dictionary (dict_walk) while it has no table, over the table once
 * the dictionary walks have read as many entries as the segment holds terms, which is about
 * what building the table reads (ski rental: a walk is never more than twice its cheapest).
 * A one-shot process (trawl-search suggesting a spelling) never builds the table; a long-lived
 * one builds it after a few walks. The terms visited are the same either way. Returns
 * TRAWL_OK, or TRAWL_ECORRUPT / TRAWL_ENOMEM with e set. Thread-safe. */
int termtab_walk_seg(const segment *s, dict_walk_fn visit, void *ctx, err *e);

/* The segment's table if it is built, else NULL: one atomic load. */
const termtab *termtab_peek(const segment *s);

/* Terms in the table. */
uint64_t termtab_n_terms(const termtab *t);

#endif
