/* lines: block reads split at newlines (contract in lines.h).
 *
 *   block: [handed out | start .. next line .. | end | free ]
 *
 * When no newline is left between start and end, the partial line moves to the front of the
 * block and the next read appends to it; a line longer than the block doubles the block. */
#include "lines.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LINES_BLOCK ((size_t)1 << 20) /* bytes a read asks for, at least */

void lines_init(lines *l)
{
    memset(l, 0, sizeof *l);
    l->fd = -1;
}

void lines_free(lines *l)
{
    free(l->block);
    lines_init(l);
}

void lines_open(lines *l, int fd)
{
    l->fd = fd;
    l->start = l->end = l->scanned = 0;
    l->is_eof = 0;
}

/* Moves the partial line to the front and reads more after it, growing the block when the
 * line fills it. Returns 0 (is_eof may now be set), LINES_EIO or LINES_ENOMEM. */
static int lines_fill(lines *l)
{
    size_t keep = l->end - l->start;
    if (l->start > 0) memmove(l->block, l->block + l->start, keep);
    l->start = 0;
    l->end = keep;
    if (l->cap - l->end < LINES_BLOCK / 2) {
        size_t cap = l->cap ? 2 * l->cap : LINES_BLOCK;
        char *q = realloc(l->block, cap);
        if (!q) return LINES_ENOMEM;
        l->block = q;
        l->cap = cap;
    }
    for (;;) {
        ssize_t r = read(l->fd, l->block + l->end, l->cap - l->end);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return LINES_EIO;
        if (r == 0) l->is_eof = 1;
        l->end += (size_t)r;
        return 0;
    }
}

int lines_next(lines *l, const char **line, size_t *len)
{
    for (;;) {
        size_t have = l->end - l->start;
        const char *first = have ? l->block + l->start : NULL;
        const char *nl = have ? memchr(first + l->scanned, '\n', have - l->scanned) : NULL;
        if (nl || (l->is_eof && have)) {
            size_t n = nl ? (size_t)(nl - first) : have;
            *line = first;
            *len = n;
            l->start += nl ? n + 1 : n;
            l->scanned = 0;
            return LINES_LINE;
        }
        if (l->is_eof) return LINES_END;
        l->scanned = have;
        int rc = lines_fill(l);
        if (rc < 0) return rc;
    }
}
