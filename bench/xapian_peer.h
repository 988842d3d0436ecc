/* xapian_peer: the Xapian peer of `make bench`, callable from C. Builds a database from texts
 * already in memory and runs one query per call; every Xapian object stays in xapian_peer.cc.
 * latency.c owns the reading of the input, the clock, the passes and the output, so all three
 * engines are timed by the same code. Nothing here prints or exits. */
#ifndef TRAWL_BENCH_XAPIAN_PEER_H
#define TRAWL_BENCH_XAPIAN_PEER_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct xp_db xp_db;

/* Seconds of the stages of xp_build. */
typedef struct xp_times {
    double add_s;     /**< every add_document */
    double commit_s;  /**< the one commit */
    double compact_s; /**< compaction into the final directory */
} xp_times;

/* Writes a new database in dir (replacing one there) from n texts: document i gets docid i + 1
 * and text[i] (len[i] bytes, UTF-8) as its data; TermGenerator indexes it with positions and
 * the Snowball stemmer `language` ("none": no stemmer), keeping only the stemmed form (STEM_ALL,
 * as trawl keeps one term per token). The documents go into dir.build, with one commit at the
 * end and no fsync (DB_NO_SYNC), then are compacted into dir as xapian-compact does; dir.build
 * is removed. Returns 0 with *times set, or -1 with err filled. */
int xp_build(const char *dir, const char *language, char *const *text, const size_t *len,
             long long n, xp_times *times, char *err, size_t err_len);

/* Opens dir for searching with BM25 (k1 = 1.2, b = 0.75, min_normlen = 0) and a QueryParser
 * reading Lucene-like syntax (+required, -excluded, "phrases", default OR) stemmed with
 * `language`. Returns 0, or -1 with err filled and *db NULL. Free with xp_close. */
int xp_open(xp_db **db, const char *dir, const char *language, char *err, size_t err_len);

/* Parses and runs query. limit > 0: the top `limit` by BM25, reading each hit's docid and
 * weight; with exact_count also the exact number of matches. limit == 0: only the exact count,
 * unscored (BoolWeight). Returns the hits read (exact_count == 0) or the count; -1 on error. */
long long xp_run(xp_db *db, const char *query, int limit, int exact_count);

/* The message of the last failed xp_run on db ("" if none). */
const char *xp_errmsg(const xp_db *db);

/* Accepts NULL. */
void xp_close(xp_db *db);

/* Xapian's version string ("1.4.22"). */
const char *xp_version(void);

#ifdef __cplusplus
}
#endif

#endif
