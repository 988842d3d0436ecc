/* term_cursor: iterates one term's postings in one segment, straight from the mmap. The
 * contract every postings source follows (STYLE.md §6):
 *   c->doc        current local doc id; DOC_END (> any real id) once exhausted
 *   tc_next       advance by one
 *   tc_seek       first doc >= target; never moves backwards; seek(DOC_END) is legal
 *   tc_freq       tf of the current doc (decoded lazily, per block)
 *   tc_positions  positions of the current doc (positions stream touched only here)
 *   tc_shallow_seek / tc_block_*  move only over the skip data: bounds for docs up to
 *                 tc_block_last without decoding the block (block-max pruning)
 * A cursor that meets a corrupt block sets c->rc (sticky) and jumps to DOC_END, so every loop
 * ends by itself; the caller checks c->rc once after the loop. */
#ifndef TRAWL_TERM_CURSOR_H
#define TRAWL_TERM_CURSOR_H

#include "dict.h"

#include <stdint.h>

#define DOC_END ((uint32_t)INT32_MAX)

typedef struct term_cursor term_cursor; /* full definition below is the format owner's */

int tc_open(term_cursor *c, const segment *s, const term_info *ti, err *e);
void tc_close(term_cursor *c); /* frees the positions buffer; accepts a closed cursor */

#endif
