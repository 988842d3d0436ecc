/* tui: trawl-search --interactive, search as you type in a full-screen terminal view (ncurses).
 * Every keystroke re-runs the query; the ranked hits show with highlighted snippets, the arrow
 * keys move through them, the selected document is previewed around its match, Enter opens it
 * in $VISUAL or $EDITOR at the matched line ("+LINE"), Esc or Ctrl-C restores the terminal and
 * ends. Owns the screen and the keys; searching is the library's, locating hits locate.h's. */
#ifndef TRAWL_TUI_H
#define TRAWL_TUI_H

#include "trawl.h"

#include <stddef.h>

typedef struct tui_opts {
    trawl_options opt;    /**< applied to every query (limit: at most the rows shown) */
    size_t snippet_bytes; /**< 0: the library's default */
    int absolute;         /**< --absolute paths */
    int color;            /**< use colour if the terminal has it (not NO_COLOR) */
    const char *query;    /**< the query to start with (may be NULL) */
} tui_opts;

/* Runs the view on the terminal until Esc (returns 0) or Ctrl-C (returns 130); 2 when standard
 * input or output is not a terminal, or the terminal cannot be set up (message on stderr). */
int tui_run(const tui_opts *o, trawl_search *s);

#endif
