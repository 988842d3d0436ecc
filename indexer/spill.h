/* spill: sorted runs on disk and the sources the merge reads. Owns the run file format; the
 * postings layout inside it is postings_buf's (postings_buf.h), so a buffer spills by copying.
 *
 *     Run  --> <Term>*, 0
 *     Term --> term_len (1..255), term bytes, <Posting>*, 0
 *     Posting --> tf (>= 1), doc gap, <position gap>^tf      (all LEB128)
 *
 * Terms are in strictly increasing byte order. A run is a temporary file (.run-N.tmp in the
 * index directory), never read by anything but the merge of the same trawl-index process. */
#ifndef TRAWL_SPILL_H
#define TRAWL_SPILL_H

#include "buf.h"
#include "err.h"
#include "postings_buf.h"

#include <stddef.h>
#include <stdint.h>

/* Where some of a run's terms start in its file: the first term, then the first term at or past
 * every SPILL_DIR_STEP bytes. Kept in memory while the run exists, so that a merge can read a
 * range of terms of every run (runmerge.h) starting near it instead of at the file's start. */
typedef struct spill_dir {
    buf names;     /**< the entries' terms, one after another */
    uint32_t *at;  /**< [n] offset of entry i's term in names; [n] its end */
    uint64_t *off; /**< [n] file offset where entry i's term starts */
    size_t n, cap;
} spill_dir;

#define SPILL_DIR_STEP (16u << 10)

/* memcmp order of two terms (the order of runs, directories and dictionaries). */
int spill_term_cmp(const char *a, size_t la, const char *b, size_t lb);

void spill_dir_init(spill_dir *d);
void spill_dir_free(spill_dir *d);

/* The file offset of the last entry whose term is at most term (0 before the first): reading
 * from there and skipping smaller terms reaches term's place. */
uint64_t spill_dir_seek(const spill_dir *d, const char *term, size_t len);

/* Streams a run file. Write errors name the file (ENOSPC included). Sticky errors. */
typedef struct spill_writer spill_writer;

int spill_writer_open(spill_writer **out, const char *path, err *e);
int spill_writer_term_begin(spill_writer *w, const char *term, size_t len);
int spill_writer_doc(spill_writer *w, uint32_t doc, const uint32_t *pos, uint32_t tf);
int spill_writer_term_end(spill_writer *w);
/* Writes the end marker, flushes and closes (no fsync: runs do not outlive the process); the
 * run's directory goes to *dir (spill_dir_init'ed by the caller; NULL: dropped). */
int spill_writer_finish(spill_writer *w, spill_dir *dir);
/* Closes without finishing; the caller deletes the file. Accepts NULL. */
void spill_writer_free(spill_writer *w);

/* Writes every term of pb (sorted with pb_sort first) as one run at path, its directory to
 * *dir (as spill_writer_finish). */
int spill_write(postings_buf *pb, const char *path, spill_dir *dir, err *e);

/* A term-ordered postings source: a run file. (With no spill at all, build.c hands the sorted
 * postings buffer straight to the segment writer instead.) */
typedef struct spill_src spill_src;

/* Reads the run at path through a buffer of bufsize bytes. */
int spill_src_file(spill_src **out, const char *path, size_t bufsize, err *e);

/* Reads only the terms t of the run with lo <= t < hi (hi NULL: no upper end), starting at
 * file offset start, a term's start at or before lo's place (spill_dir_seek). lo and hi are
 * copied. */
int spill_src_range(spill_src **out, const char *path, size_t bufsize, uint64_t start,
                    const char *lo, size_t lo_len, const char *hi, size_t hi_len, err *e);

/* Moves to the next term (skipping what is left of the current one). Returns 1, 0 at the end,
 * or TRAWL_ECORRUPT / TRAWL_EIO / TRAWL_ENOMEM. */
int spill_src_next_term(spill_src *s);
/* The current term (valid until the next spill_src_next_term). */
const char *spill_src_term(const spill_src *s, size_t *len);
/* The next posting of the current term: 1 with doc, positions (valid until the next call) and
 * tf; 0 at the end of the term's list; or a negative error. */
int spill_src_next_doc(spill_src *s, uint32_t *doc, const uint32_t **pos, uint32_t *tf);

void spill_src_free(spill_src *s);

#endif
