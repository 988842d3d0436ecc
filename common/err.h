/* err: the sticky error record every internal module reports into.
 * Owns formatting of messages; the codes are status.h's (the public TRAWL_E* values of trawl.h).
 * The first error wins: later err_set calls on a set record are ignored, so the message names
 * the root cause, not a consequence. */
#ifndef TRAWL_ERR_H
#define TRAWL_ERR_H

#include "status.h"

#include <stddef.h>

typedef struct err {
    int rc;        /**< TRAWL_OK or a negative TRAWL_E* code */
    char msg[512]; /**< one line, no trailing newline */
} err;

void err_init(err *e);

/* Records rc and a printf-style message unless an error is already set. Returns e->rc. */
int err_set(err *e, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Records TRAWL_EIO with "what: strerror(errno)". Returns TRAWL_EIO (or the earlier code). */
int err_sys(err *e, const char *what);

#endif
