/* hitout: prints one located hit (locate.h) in each of trawl-search's formats: the ranked text
 * list, a JSON "hit" record, a --vimgrep line and a -l path. Owns the formats' details; which
 * hits are printed, and the summary, stay main.c's. */
#ifndef TRAWL_HITOUT_H
#define TRAWL_HITOUT_H

#include "locate.h"
#include "out.h"
#include "trawl.h"

#include <stdio.h>

typedef struct hitout_opts {
    out_marks marks; /**< around matches: colour codes, --marks, or "" */
    int has_snippet; /**< hits carry a snippet (not --no-snippets) */
    uint32_t offset; /**< --offset: hit i has rank offset + i + 1 */
} hitout_opts;

/* The scoring details of a hit, with --explain (n_ex 0 and ex NULL without). */
typedef struct hitout_explain {
    const trawl_explain *ex;
    size_t n_ex;
    uint32_t doc_len;
    int is_on;
    const trawl_search *s; /**< what each clause is: trawl_search_explain_info(s, hit, j) */
    size_t hit;
} hitout_explain;

/* "query", "fuzzy" or "feedback": where a term of the query comes from (TRAWL_TERM_*). */
const char *hitout_origin_name(int origin);

/* "1. 2.3456  path:12:5  2024-03-21", the snippet, the explanation. */
void hitout_text(FILE *f, const hitout_opts *o, size_t i, const trawl_hit *h, const loc *l,
                 const hitout_explain *x);

/* {"type":"hit","rank":..,"id":..,"path":..,"score":..,"date":..,"line":..,"column":..,
 * "snippet":..,"highlights":..,"highlights_cp":..,"doc_len":..,"explain":..} and a newline
 * (the schema is in trawl-search(1), JSON OUTPUT). */
void hitout_json(FILE *f, const hitout_opts *o, size_t i, const trawl_hit *h, const loc *l,
                 const hitout_explain *x);

/* "path:line:column:text of the line" (--vimgrep), as vim -q and Emacs' grep mode read it. */
void hitout_vimgrep(FILE *f, const hitout_opts *o, const loc *l);

/* The path alone, then a newline, or a NUL with is_nul (-l, -0). */
void hitout_path(FILE *f, const loc *l, int is_nul);

#endif
