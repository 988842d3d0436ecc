/* lines: a file read line by line in large blocks, each line handed out where it lies in the
 * block (no copy per line, a few reads per megabyte instead of stdio's one per 4 KB). Owns the
 * block buffer, which it keeps across files; knows nothing of what a line holds (corpus.c parses
 * JSON Lines). */
#ifndef TRAWL_LINES_H
#define TRAWL_LINES_H

#include <stddef.h>

typedef struct lines {
    int fd;         /**< the file being read; not owned (the caller closes it) */
    char *block;    /**< bytes read and not yet handed out, from start to end */
    size_t cap;     /**< bytes allocated */
    size_t start;   /**< first byte of the next line */
    size_t end;     /**< bytes read into block */
    size_t scanned; /**< bytes from start already known to hold no newline */
    int is_eof;     /**< read returned 0 */
} lines;

enum { LINES_END = 0, LINES_LINE = 1, LINES_EIO = -1, LINES_ENOMEM = -2 };

void lines_init(lines *l);
/* Frees the buffer. */
void lines_free(lines *l);

/* Starts reading fd from its current offset (the buffer is kept from the previous file). */
void lines_open(lines *l, int fd);

/* The next line: LINES_LINE with *line / *len (without its newline; the last line of a file
 * need not end in one), valid until the next call; LINES_END after the last; LINES_EIO when
 * read fails (errno says why); LINES_ENOMEM when a line outgrows memory. A line may hold NUL
 * bytes. */
int lines_next(lines *l, const char **line, size_t *len);

#endif
