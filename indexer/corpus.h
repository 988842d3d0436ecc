/* corpus: turns command-line paths into documents (external id, date, text). Owns directory
 * walking (sorted, loop-guarded; which entries: select.h), reading a file's text (gzip: gz.h;
 * Latin-1: enc.h; binary detection), the leading "date YYYY-MM-DD" prefix and JSON Lines
 * input; leaves analysis, ids already indexed and everything on disk to build.c.
 * Problems with one file or line are warnings through a callback and the walk goes on; only a
 * missing top-level path or a failing callback stops it. */
#ifndef TRAWL_CORPUS_H
#define TRAWL_CORPUS_H

#include "err.h"

#include <stddef.h>
#include <stdint.h>

/* One document handed to the callback. Every pointer is borrowed: valid during the call only. */
typedef struct corpus_doc {
    const char *id;   /**< external id: path relative to the root argument, or the JSONL id */
    size_t id_len;    /**< bytes in id */
    uint32_t date;    /**< YYYYMMDD, 0 if none */
    const char *text; /**< UTF-8 (unchecked) text to index and store, date prefix removed */
    size_t text_len;  /**< bytes in text */
    const char *path; /**< the file it came from, as opened (for warnings), NUL-terminated */
    size_t in_bytes;  /**< input bytes this document consumed (file size or line length) */
    size_t arg;       /**< index of the path argument it was found under */
    int64_t mtime_ns; /**< the file's modification time (0 for a JSON Lines record) */
    uint64_t hash;    /**< XXH3-64 of the in_bytes input bytes (the file, or the line) */
} corpus_doc;

/* Receives documents in corpus order; a non-zero return stops corpus_walk, which returns it. */
typedef int (*corpus_doc_fn)(void *ctx, const corpus_doc *d);

/* A text file about to be read, with what stat says of it. */
typedef struct corpus_file {
    const char *id; /**< its id, as corpus_doc.id */
    size_t id_len;
    const char *path; /**< NUL-terminated */
    size_t arg;       /**< index of the path argument it was found under */
    uint64_t size;    /**< bytes */
    int64_t mtime_ns; /**< modification time, ns since the epoch */
} corpus_file;

/* Decides whether a text file is read: CORPUS_READ, CORPUS_SKIP (e.g. unchanged since the index
 * saw it), or a negative error, which stops corpus_walk. */
typedef int (*corpus_file_fn)(void *ctx, const corpus_file *f);
enum { CORPUS_READ = 0, CORPUS_SKIP = 1 };
/* Receives one-line warnings (no prefix, no newline). */
typedef void (*corpus_warn_fn)(void *ctx, const char *msg);
/* Told of each directory the walk enters (its path as walked, NUL-terminated), before its
 * entries are listed: a watcher adds its watch there, so an entry created meanwhile is either
 * listed or reported. A non-zero return stops corpus_walk, which returns it. */
typedef int (*corpus_dir_fn)(void *ctx, const char *path);

/* What happened to a file that a warning would be too much for (a tree may hold thousands):
 * CORPUS_NOTE_BINARY, skipped as binary (not part of the tree: a sync deletes it), or
 * CORPUS_NOTE_LATIN1, not UTF-8 and read as Latin-1 (Windows-1252), converted to UTF-8. */
enum { CORPUS_NOTE_BINARY = 1, CORPUS_NOTE_LATIN1 = 2 };
typedef void (*corpus_note_fn)(void *ctx, int kind, const char *path);

struct sel;

typedef struct corpus_opts {
    int is_jsonl;           /**< every file is JSON Lines, one document per line */
    const char *id_field;   /**< JSONL id field (NULL = "id") */
    const char *text_field; /**< JSONL text field (NULL = "text") */
    const char *date_field; /**< JSONL date field (NULL = "date"), "YYYY-MM-DD" */
    const char *skip_dir;   /**< directory never entered (the index itself), or NULL */
    const size_t *id_offs;  /**< per path argument: a file's id is its path from this byte on
                                 (NULL: relative to a directory argument, a file argument's
                                 id is the path as given) */
    const size_t *sel_offs; /**< per path argument: 0, or the path lies below the directory
                                 path[0..sel_offs[i] - 1) that a walk started at (a watch's
                                 changed file): the selection is applied from there down,
                                 its globs relative to it (NULL: all 0) */
    corpus_file_fn gate;    /**< may be NULL: every text file is read */
    void *gate_ctx;
    corpus_warn_fn warn; /**< may be NULL: warnings are dropped */
    void *warn_ctx;
    corpus_dir_fn on_dir; /**< may be NULL */
    void *dir_ctx;
    int missing_ok; /**< a top-level path that does not exist is skipped in silence (it went
                         away after something named it), not TRAWL_EARG */
    const struct sel *select; /**< which entries of a directory are walked (select.h); NULL:
                                   all but hidden ones and version-control directories */
    corpus_note_fn note;      /**< may be NULL: notes are dropped */
    void *note_ctx;
} corpus_opts;

/* Checks that every path exists before anything is written. TRAWL_EARG names the first missing
 * (or unreadable) path. */
int corpus_check_paths(const char *const *paths, size_t n_paths, err *e);

/* Walks paths in order: directories recursively (entries in byte order of their names, the
 * ones o->select takes, symlinked directories followed once per branch), files directly. A
 * ".gz" file is decompressed, a Latin-1 one converted (a note says so), a binary one skipped
 * (a note too). Calls fn for every document. Returns TRAWL_OK, the callback's non-zero value,
 * TRAWL_EARG for a missing top-level path (unless o->missing_ok) or TRAWL_ENOMEM. */
int corpus_walk(const corpus_opts *o, const char *const *paths, size_t n_paths, corpus_doc_fn fn,
                void *ctx, err *e);

/* Parses a leading "date YYYY-MM-DD" prefix (spaces around it optional, text may follow on the
 * same line). Returns 1 with *date (YYYYMMDD) and *skip (bytes to drop, following white space
 * included) set; 0 when text has no date prefix; -1 when "date" is followed by something that
 * is not a real calendar date (the caller warns and keeps the text whole). */
int corpus_date_prefix(const char *text, size_t len, uint32_t *date, size_t *skip);

/* Parses exactly "YYYY-MM-DD" (a real calendar date, years 1..9999) into YYYYMMDD. Returns 1 or
 * 0 for anything else. */
int corpus_parse_date(const char *s, size_t len, uint32_t *date);

/* Binary test on the first bytes of a file: a NUL byte in the first 8 KiB, or more than a quarter
 * of those bytes in invalid UTF-8 sequences. Returns 1 if binary. */
int corpus_is_binary(const char *p, size_t len);

#endif
