/* locate: where a hit is, for a person or an editor. The path to print (relative to the working
 * directory when the file is under it, else absolute; a JSON Lines document keeps its id), and
 * the line and column of its best snippet's first match, counted in the document's stored text.
 * Owns copies of the snippet and of that line, so the library's buffers may be reused; the
 * printing is the caller's. Part of trawl-search, not of the library. */
#ifndef TRAWL_LOCATE_H
#define TRAWL_LOCATE_H

#include "trawl.h"

#include <stddef.h>
#include <stdint.h>

/* Per-program state: the working directory and the buffers of the last hit located. */
typedef struct loc_ctx {
    char *cwd;         /**< canonical working directory (malloc), NULL if unknown */
    int is_absolute;   /**< print absolute paths */
    char *path;        /**< the last path to print (malloc, grown) */
    size_t path_cap;   /**< bytes of path */
    char *snip;        /**< copy of the last snippet's text (malloc, grown) */
    size_t snip_cap;   /**< bytes of snip */
    trawl_span *spans; /**< copy of its spans (malloc, grown) */
    size_t spans_cap;  /**< trawl_spans of spans */
    char *line;        /**< copy of the matched line (malloc, grown) */
    size_t line_cap;   /**< bytes of line */
} loc_ctx;

/* One located hit. Pointers are into the loc_ctx: valid until the next loc_hit. */
typedef struct loc {
    const char *path;   /**< path to print (file documents), or the id, NUL-terminated */
    size_t path_len;    /**< bytes of path */
    int is_file;        /**< 1: path names a file; 0: a JSON Lines id */
    int has_snippet;    /**< snippet, line, col and line_text are set */
    trawl_snippet sn;   /**< the best snippet (a copy) */
    uint64_t line;      /**< 1-based line of the first match (of the snippet's start without one) */
    uint64_t col;       /**< 1-based byte column of it */
    uint64_t match_off; /**< its byte offset in the stored text */
    uint64_t line_off;  /**< byte offset of the line's start in the stored text */
    const char *line_text; /**< that line, without its newline */
    size_t line_len;       /**< bytes of line_text */
} loc;

/* Sets up lc; is_absolute: print absolute paths even under the working directory. */
void loc_init(loc_ctx *lc, int is_absolute);

void loc_free(loc_ctx *lc);

/* Locates hit i (h its record) of the last search on s. With with_snippet also makes its
 * snippet (trawl_search_snippet with snippet_bytes, 0 = the library's default) and finds its
 * line: this reads the stored text, so earlier snippet and text pointers of s are invalid
 * afterwards. Returns TRAWL_OK or the
 * library's error (the message is trawl_search_errmsg's), or TRAWL_ENOMEM. */
int loc_hit(loc_ctx *lc, trawl_search *s, size_t i, const trawl_hit *h, int with_snippet,
            size_t snippet_bytes, loc *out);

#endif
