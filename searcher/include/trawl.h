/* trawl.h: the public C API of the trawl full-text search library. This is the only header an
 * embedding program includes; link with -ltrawl (or `pkg-config --libs trawl`).
 *
 * An index (built by trawl-index, or by a program through trawl_writer below) is opened once,
 * read through mmap and shared by any number of threads. Each thread owns a search context,
 * reuses it for every query, and reads its hits until the next query on that context. A writer
 * adds, replaces and deletes documents and publishes them with a commit, which open handles
 * pick up through trawl_index_reopen. The library never prints, never exits, has no global
 * state; every failure returns a negative TRAWL_E* code with a one-line message.
 *
 * Replacing an index: the segment files are memory-mapped, so another program that truncates or
 * rewrites them in place while an index is open (cp or rsync --inplace over a live index) makes
 * the process die of SIGBUS at its next read of a page no longer in the file. Checking sizes at
 * open cannot prevent it (the damage comes later), and the library installs no signal handler,
 * so it cannot turn this into an error; a program that must survive it can handle SIGBUS
 * itself. Write a new index directory and switch to it with a rename instead (README.md,
 * "Replacing a live index"); renaming or unlinking the files of an open index is safe, its
 * mappings keep the old bytes until trawl_index_close.
 *
 * Example (compiled and run by tests/unit/test_api_example.c):
 *
 *     #include <stdio.h>
 *     #include <trawl.h>
 *
 *     int main(int argc, char **argv)
 *     {
 *         char errbuf[512];
 *         trawl_index *idx = NULL;
 *         trawl_search *s = NULL;
 *         trawl_options opt;
 *         trawl_hit hit;
 *         size_t i = 0;
 *         int rc;
 *         if (argc != 3) {
 *             fprintf(stderr, "usage: %s INDEX_DIR QUERY\n", argv[0]);
 *             return 2;
 *         }
 *         const char *dirs[] = {argv[1]};
 *         rc = trawl_index_open(&idx, dirs, 1, errbuf, sizeof errbuf);
 *         if (rc != TRAWL_OK) { // TRAWL_ENOTINDEX, TRAWL_ECORRUPT, TRAWL_EIO, ...
 *             fprintf(stderr, "%s %s\n", trawl_strerror(rc), errbuf);
 *             return 1;
 *         }
 *         trawl_options_init(&opt);
 *         opt.limit = 5;
 *         rc = trawl_search_new(&s, idx);
 *         if (rc == TRAWL_OK) rc = trawl_search_run(s, argv[2], &opt); // TRAWL_EQUERY, ...
 *         while (rc == TRAWL_OK && (rc = trawl_search_hit(s, i, &hit)) == TRAWL_OK)
 *             printf("%zu %.4f %.*s\n", ++i, hit.score, (int)hit.id_len, hit.id);
 *         if (rc == TRAWL_ENOTFOUND) // past the last hit: success
 *             printf("%llu matching documents\n", (unsigned long long)trawl_search_count(s));
 *         else
 *             fprintf(stderr, "%s %s\n", trawl_strerror(rc), s ? trawl_search_errmsg(s) : "");
 *         trawl_search_free(s);
 *         trawl_index_close(idx);
 *         return rc == TRAWL_ENOTFOUND ? 0 : 1;
 *     }
 */
#ifndef TRAWL_H
#define TRAWL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- version
 * The one place the version is written: the Makefile reads these three lines for the soname
 * (libtrawl.so.MAJOR) and trawl.pc; tests/cli/version.sh checks the man pages and CHANGELOG.md
 * against them. */
#define TRAWL_VERSION_MAJOR 1
#define TRAWL_VERSION_MINOR 0
#define TRAWL_VERSION_PATCH 0
/** MAJOR * 10000 + MINOR * 100 + PATCH: 10000 for 1.0.0 (compare with trawl_version_number). */
#define TRAWL_VERSION_NUMBER \
    (TRAWL_VERSION_MAJOR * 10000 + TRAWL_VERSION_MINOR * 100 + TRAWL_VERSION_PATCH)
#define TRAWL_QUOTE_(x)  #x
#define TRAWL_EXPAND_(x) TRAWL_QUOTE_(x)
/** "MAJOR.MINOR.PATCH" of this header (trawl_version() gives the library's). */
#define TRAWL_VERSION                  \
    TRAWL_EXPAND_(TRAWL_VERSION_MAJOR) \
    "." TRAWL_EXPAND_(TRAWL_VERSION_MINOR) "." TRAWL_EXPAND_(TRAWL_VERSION_PATCH)

/* TRAWL_API marks what the library exports. It is built with -fvisibility=hidden and a version
 * script, so every other symbol stays inside it and cannot collide with a program's own names
 * (zstd's ZSTDLIB_VISIBLE). */
#if defined(__GNUC__) && __GNUC__ >= 4
#define TRAWL_API __attribute__((visibility("default")))
#else
#define TRAWL_API
#endif

/* ABI promise. Within one major version (also the soname, libtrawl.so.MAJOR) the ABI only
 * grows: functions, constants and struct fields are added; none is removed, renumbered or
 * changed. A program built against an older 1.x header runs unchanged with any newer 1.x
 * library, and one built against a newer header runs with an older library as long as it calls
 * only functions that library has (check trawl_version_number()).
 *
 * How structs grow. A struct the caller allocates (trawl_options, trawl_stats, trawl_hit,
 * trawl_snippet, trawl_writer_options, trawl_writer_stats, trawl_term, trawl_explain_info,
 * trawl_query_term) may gain fields at its end, never elsewhere. Every function taking one is
 * exported as <name>_sized with the caller's sizeof of the struct as its last argument; the
 * header's static inline <name> passes it, so C and C++
 * callers never see it. The library fills or reads only the bytes the caller has. An older
 * caller's missing options take the library's defaults; for a newer caller, output fields an
 * older library does not know read as zero, and an option it does not know must be left as
 * its _init function set it (that library zeroes it), else TRAWL_EARG. A binding from another
 * language calls the _sized functions with its own struct size, which may not be below the 1.0
 * size (TRAWL_EARG). Structs the library hands out as arrays (trawl_span, trawl_explain) are
 * frozen: their size is part of the ABI. Handles (trawl_index, trawl_search, trawl_writer,
 * trawl_terms) are opaque. tests/cli/abi.sh holds every build to this against the baseline in abi/
 * (abidiff for the functions, abi/layout.py for the structs, and the constants); a new field goes
 * at the end of its struct, a new struct into abi/layout.py. */

/* ---------------------------------------------------------------- errors */

/* The return codes, also defined (identically, checked by tests/cli/layering.sh) by the
 * library's internal common/status.h, which cannot include this header. */
#ifndef TRAWL_STATUS_CODES
#define TRAWL_STATUS_CODES
/** Return codes. TRAWL_OK is 0; every error is negative. */
enum {
    TRAWL_OK = 0,
    TRAWL_ECORRUPT = -1,  /**< an index file fails a checksum, bound or structural check */
    TRAWL_EVERSION = -2,  /**< an index written by a newer (or unknown) format version */
    TRAWL_EIO = -3,       /**< a system call failed (message carries strerror) */
    TRAWL_ENOMEM = -4,    /**< out of memory */
    TRAWL_EQUERY = -5,    /**< the query string is malformed (see trawl_search_error_column) */
    TRAWL_EARG = -6,      /**< a bad argument from the caller */
    TRAWL_ENOTINDEX = -7, /**< the path is not a trawl index (no manifest, wrong magic) */
    TRAWL_ELIMIT = -8,    /**< a query exceeds a limit (prefix expansions, query terms) */
    TRAWL_ENOTFOUND = -9, /**< no such hit, term or item (also ends hit iteration) */
};
#endif /* TRAWL_STATUS_CODES */

/** A sentence describing a return code, e.g. "An index file is corrupt: ..." for
 * TRAWL_ECORRUPT; the message of the failed call (errbuf, trawl_search_errmsg) says more: which
 * file, which query column. An unknown code gets a sentence saying so. Never NULL; static
 * storage; thread-safe. */
TRAWL_API const char *trawl_strerror(int rc);

/** The name of a return code, e.g. "TRAWL_ECORRUPT" ("TRAWL_EUNKNOWN" for an unknown one), for
 * logs and bindings. Never NULL; static storage; thread-safe. */
TRAWL_API const char *trawl_errname(int rc);

/** The library's version, "MAJOR.MINOR.PATCH" (TRAWL_VERSION is the header's). Never NULL;
 * static storage; thread-safe. */
TRAWL_API const char *trawl_version(void);

/** The library's TRAWL_VERSION_NUMBER. Thread-safe. */
TRAWL_API unsigned trawl_version_number(void);

/* ---------------------------------------------------------------- index */

/** An opened index (one or more index directories searched as one corpus). Immutable after
 * open and safe to share between threads. */
typedef struct trawl_index trawl_index;

/** Opens the index directories dirs[0..n_dirs) and searches them as one corpus, with BM25
 * statistics (document count, average length, document frequencies) summed over all of them.
 * Maps every segment file, validates headers, footers and section bounds, and verifies the
 * checksums of the small per-document sections (statistics, document lengths, document table,
 * dictionary and stored-text indexes); the dictionary and the ids are verified on first use by
 * trawl_search_run, postings, positions and stored text only by trawl_index_check (see
 * docs/FORMAT.md, "What is verified when"). Cost: O(segments + documents): a hash of ~28 bytes
 * per document, e.g. 45 µs for 8,771 documents, 0.5 ms for 140 k. The MANIFEST and every
 * segment must be regular files: a FIFO or device in their place is refused (TRAWL_ECORRUPT,
 * "PATH: not a regular file") without ever blocking. A directory given twice, under any
 * spelling ("idx", "./idx/", a symbolic link), or two directories sharing a segment file (hard
 * links) are refused with TRAWL_EARG rather than deduplicated: searched twice, every hit would
 * come back twice and every document frequency double, and a repeated path is a mistake in the
 * caller's list that silently dropping it would hide.
 * @param[out] out        the index on success, NULL on failure
 * @param[in]  dirs       index directory paths (copied)
 * @param[in]  n_dirs     number of paths, at least 1
 * @param[out] errbuf     on failure, a one-line message naming the file and the problem; on
 *                        success, "" (may be NULL)
 * @param[in]  errbuf_len bytes of errbuf (the message is cut to fit)
 * @return TRAWL_OK;
 *         TRAWL_ENOTINDEX a directory has no MANIFEST, or a file has the wrong magic;
 *         TRAWL_EVERSION  a file of a newer (or unknown) format version;
 *         TRAWL_ECORRUPT  a MANIFEST or segment fails its checks;
 *         TRAWL_EIO       a file cannot be opened, read or mapped (message has strerror);
 *         TRAWL_ENOMEM;
 *         TRAWL_EARG      no directory, directories built with different analyzers, or
 *                         the same directory (or segment file) given twice. */
TRAWL_API int trawl_index_open(trawl_index **out, const char *const *dirs, size_t n_dirs,
                               char *errbuf, size_t errbuf_len);

/** Unmaps and frees the index. Accepts NULL. Every search context on it must be freed first.
 * Not concurrently with any other call on idx. */
TRAWL_API void trawl_index_close(trawl_index *idx);

/** A handle on the newest committed state of the same directories, if a writer committed since
 * idx was opened (compare Lucene's DirectoryReader.openIfChanged). An index handle is a
 * snapshot: it keeps answering from the generation it opened, whatever writers do meanwhile
 * (merged-away files stay mapped until it closes). The new handle shares every segment that
 * did not change with idx, so reopening after a small commit costs little. idx stays valid and
 * must still be closed by the caller (after its search contexts are freed).
 * @param[out] out  the new handle, or NULL when nothing changed (then nothing is allocated)
 * @return TRAWL_OK (also when nothing changed), or an error of trawl_index_open. Thread-safe:
 *         any thread may reopen while others search idx. */
TRAWL_API int trawl_index_reopen(const trawl_index *idx, trawl_index **out, char *errbuf,
                                 size_t errbuf_len);

/** The commit generation idx was opened at (summed over its directories): it grows with every
 * commit, so two handles on the same directories answer alike when it is equal. */
TRAWL_API uint64_t trawl_index_generation(const trawl_index *idx);

/** Collection statistics. May grow at its end (see "ABI promise"). */
typedef struct trawl_stats {
    uint64_t n_docs;       /**< live documents (deleted ones not yet merged away excluded) */
    uint64_t total_tokens; /**< sum of the live documents' lengths in tokens */
    uint64_t n_terms;      /**< distinct terms summed over segments (an upper bound across them) */
    uint32_t n_segments;   /**< segment files */
    uint64_t index_bytes;  /**< bytes of all segment files */
    uint64_t stored_bytes; /**< of which stored (compressed) text */
    char language[32];     /**< stemmer the index was built with, "none" if off */
    uint32_t phrase_grams; /**< the word list of the phrase grams every opened directory holds
                                (docs/FORMAT.md "Phrase grams"; 1), 0 if some has none */
} trawl_stats;

/** Fills the first st_size bytes of *st (call trawl_index_stats). O(segments). Thread-safe.
 * @return TRAWL_OK, or TRAWL_EARG if st_size is below the 1.0 size of trawl_stats. */
TRAWL_API int trawl_index_stats_sized(const trawl_index *idx, trawl_stats *st, size_t st_size);

/** Fills st with the collection statistics. Cannot fail from C or C++.
 * @return TRAWL_OK. */
static inline int trawl_index_stats(const trawl_index *idx, trawl_stats *st)
{
    return trawl_index_stats_sized(idx, st, sizeof *st);
}

/** Verifies every checksum and decodes every structure of every segment (the deep check that
 * trawl_index_open skips). Cost: reads the whole index. Thread-safe.
 * @param[out] errbuf the first problem found, naming file, section and offset; "" on success
 * @return TRAWL_OK, TRAWL_ECORRUPT or TRAWL_ENOMEM. */
TRAWL_API int trawl_index_check(const trawl_index *idx, char *errbuf, size_t errbuf_len);

/* ---------------------------------------------------------------- search */

/** Per-thread search context: query parser, cursors, scratch memory and the last results.
 * Allocated once and reused; not shared between threads while in use (calls on different
 * contexts, even over one index, may run in parallel). */
typedef struct trawl_search trawl_search;

enum {
    TRAWL_SORT_SCORE = 0, /**< by BM25 score, best first; ties by document order */
    TRAWL_SORT_DATE = 1,  /**< by date, newest first; ties by score, then document order */
};

/** Options of one search. Always start from trawl_options_init. May grow at its end (see "ABI
 * promise"). */
typedef struct trawl_options {
    uint32_t limit;          /**< hits to return (default 10); 0 with count_only */
    uint32_t offset;         /**< hits to skip, for paging (default 0) */
    double k1;               /**< BM25 k1 (default 1.2) */
    double b;                /**< BM25 b (default 0.75) */
    uint32_t date_from;      /**< keep documents dated on or after YYYYMMDD; 0 = no bound */
    uint32_t date_to;        /**< keep documents dated on or before YYYYMMDD; 0 = no bound */
    int sort;                /**< TRAWL_SORT_SCORE or TRAWL_SORT_DATE */
    int count_only;          /**< only count matching documents; no scores, no hits */
    int exact_count;         /**< with hits, also count every match exactly (disables pruning) */
    int explain;             /**< keep per-term scoring details for trawl_search_explain */
    int default_or;          /**< bare words are optional (OR) instead of required (AND) */
    uint32_t max_expansions; /**< terms a prefix* may expand to (default 256); beyond: ELIMIT */
    /* Ranking beyond plain BM25 (docs/RANKING.md). */
    int query_tf; /**< a word the query repeats: TRAWL_QTF_COUNT (default) scores it as often as
                       it is written, as Lucene and FTS5 do; TRAWL_QTF_ONCE scores it once */
    int fuzzy;    /**< 1: a word in fewer than 3 documents (or 1 in 10,000) also matches the
                       spellings within 1 edit (3 to 5 characters) or 2 (6 or more) of it, as
                       word~N does (default 0) */
    int expand;   /**< 1: expand the query from its top documents (RM3: the words of
                       the best expand_docs hits' stored text, weighted by frequency
                       and the hit's score; docs/RANKING.md), default 0 */
    uint32_t expand_docs;    /**< feedback documents, 1..1000 (0: the default, 10) */
    uint32_t expand_terms;   /**< terms added at most, 1..1000 (0: the default, 10) */
    double expand_weight;    /**< the original query's share of the weights, in (0, 1] (0: the
                                  default, 0.5) */
    int proximity;           /**< a bag of words (words, +words, -words, no phrase or group)
                                  also scores how close its words stand (BM25TP,
                                  docs/RANKING.md): 1 on, -1 off, 0 the default (off) */
    double proximity_weight; /**< the proximity part's factor lambda, 0..100 (0: the default,
                                  1) */
} trawl_options;

enum {
    TRAWL_QTF_COUNT = 0, /**< trawl_options.query_tf: "a b a" weighs a twice (the default) */
    TRAWL_QTF_ONCE = 1,  /**< trawl_options.query_tf: "a b a" is "a b" */
};

/** Where a term of the query as run comes from (trawl_query_term.origin, and
 * trawl_explain_info.origin). */
enum {
    TRAWL_TERM_QUERY = 0,    /**< a word of the query */
    TRAWL_TERM_FUZZY = 1,    /**< a spelling near a query word (word~N, or the fuzzy option) */
    TRAWL_TERM_FEEDBACK = 2, /**< added by query expansion from the top documents */
};

/** Sets the first o_size bytes of *o to the defaults listed above (call trawl_options_init).
 * Thread-safe.
 * @return TRAWL_OK, or TRAWL_EARG if o_size is below the 1.0 size of trawl_options. */
TRAWL_API int trawl_options_init_sized(trawl_options *o, size_t o_size);

/** Fills o with the defaults listed above. Cannot fail from C or C++.
 * @return TRAWL_OK. */
static inline int trawl_options_init(trawl_options *o)
{
    return trawl_options_init_sized(o, sizeof *o);
}

/** Creates a search context over idx (which must outlive it). Thread-safe.
 * @return TRAWL_OK, or TRAWL_ENOMEM (then *out is NULL). */
TRAWL_API int trawl_search_new(trawl_search **out, const trawl_index *idx);

/** Frees the context and its results. Accepts NULL. */
TRAWL_API void trawl_search_free(trawl_search *s);

/** trawl_search_run with the caller's sizeof(trawl_options) (ignored when o is NULL). */
TRAWL_API int trawl_search_run_sized(trawl_search *s, const char *query, const trawl_options *o,
                                     size_t o_size);

/** Parses and runs the query q with options o (NULL = defaults), replacing the previous results.
 * Query language: bare words (all required unless o->default_or), "exact phrase",
 * "near words"~N (within N extra positions, any order), +required, -excluded, AND, OR, NOT,
 * parentheses, prefix*, word~1 and word~2 (the spellings within 1 or 2 edits of the analysed
 * word, scored below it; word~ is word~2), date:YYYY-MM-DD..YYYY-MM-DD (either end may be
 * empty). On failure the context has no hits and trawl_search_errmsg says why.
 * Cost: with o->expand, a first run for the feedback documents and the analysis of their
 * stored text; a fuzzy word walks every segment's term table (built at the first fuzzy query:
 * about 60 ns a term, once per segment).
 * @return TRAWL_OK;
 *         TRAWL_EQUERY   a malformed query (trawl_search_error_column gives the column);
 *         TRAWL_ELIMIT   a prefix expands to more than o->max_expansions terms;
 *         TRAWL_ECORRUPT a postings block fails its bounds check, a segment's dictionary or
 *                        ids fail their checksum (verified on first use, see docs/FORMAT.md)
 *                        or a hit's record its bounds;
 *         TRAWL_ENOMEM;
 *         TRAWL_EARG     query is NULL, or an option is out of range (or unknown to this
 *                        library version: see "ABI promise"). */
static inline int trawl_search_run(trawl_search *s, const char *q, const trawl_options *o)
{
    return trawl_search_run_sized(s, q, o, sizeof *o);
}

/** The message of the last failed call on s ("" if none). Valid until the next call on s. */
TRAWL_API const char *trawl_search_errmsg(const trawl_search *s);

/** For TRAWL_EQUERY: the 1-based byte column of the problem in the query, else 0. */
TRAWL_API uint32_t trawl_search_error_column(const trawl_search *s);

/** Number of matching documents (after the date filter). Exact after a count_only or
 * exact_count search, for a lone term without date filter (its document frequency),
 * or when the search did not prune or counted every document; otherwise a lower bound: the top-k
 * algorithms skip documents that cannot enter the top offset + limit without counting them (see
 * trawl_search_count_is_exact). 0 after a failed run. */
TRAWL_API uint64_t trawl_search_count(const trawl_search *s);

/** 1 if trawl_search_count is exact, 0 if it is a lower bound. */
TRAWL_API int trawl_search_count_is_exact(const trawl_search *s);

/** Microseconds the last trawl_search_run took (parse, match, rank; not snippets). */
TRAWL_API double trawl_search_elapsed_us(const trawl_search *s);

/** One ranked hit. Pointers are borrowed: valid until the next run on s or until the index is
 * closed, whichever comes first. May grow at its end (see "ABI promise"). */
typedef struct trawl_hit {
    uint64_t doc;   /**< document number across the opened index (stable for one open) */
    double score;   /**< BM25 score (0 for count-only) */
    uint32_t date;  /**< YYYYMMDD, 0 if the document has no date */
    const char *id; /**< external id (path relative to the corpus root, or the JSONL id) */
    size_t id_len;  /**< bytes in id (not NUL-terminated) */
} trawl_hit;

/** trawl_search_hit with the caller's sizeof(trawl_hit). */
TRAWL_API int trawl_search_hit_sized(const trawl_search *s, size_t i, trawl_hit *out,
                                     size_t out_size);

/** Hit i (0-based, after o->offset) of the last search. O(1), no allocation.
 * Iterate until it returns anything but TRAWL_OK:
 *
 *     trawl_hit hit;
 *     size_t i = 0;
 *     while ((rc = trawl_search_hit(s, i, &hit)) == TRAWL_OK)
 *         use(&hit), i++;
 *     if (rc != TRAWL_ENOTFOUND) the index is damaged: stop with trawl_strerror(rc)
 *
 * @return TRAWL_OK, or TRAWL_ENOTFOUND when i is past the last hit. trawl_search_run has read
 *         every hit's record already and fails (TRAWL_ECORRUPT, with a message) when one is
 *         damaged, so after a successful run no other code comes back. */
static inline int trawl_search_hit(const trawl_search *s, size_t i, trawl_hit *out)
{
    return trawl_search_hit_sized(s, i, out, sizeof *out);
}

/** The path of hit i's file: the index root it was indexed under joined with its id (absolute,
 * as the indexer resolved it). Valid until the next call on s.
 * @return TRAWL_OK; TRAWL_ENOTFOUND past the last hit or for a document without a file (a JSON
 *         Lines record: its id is all there is); TRAWL_ENOMEM. */
TRAWL_API int trawl_search_hit_path(trawl_search *s, size_t i, const char **path, size_t *len);

/** Something trawl_search_run ignored in its query, and why. Frozen: never grows (a new kind
 * of information gets a new call). */
typedef struct trawl_warning {
    int kind;            /**< TRAWL_WARN_LONG_WORD (the only kind so far) */
    uint32_t column;     /**< 1-based byte column of the ignored word in the query */
    uint32_t bytes;      /**< the word's length in bytes */
    const char *message; /**< one line, the word abbreviated: `query word "xxxx…" (100000
                              bytes) is longer than the index's maximum token length 64 and was
                              ignored` */
} trawl_warning;

enum {
    TRAWL_WARN_LONG_WORD = 1, /**< a word longer than the index's maximum token length: the index
                                   cannot hold it, so it matches nothing and was left out */
};

/** Warning i (0-based) of the last trawl_search_run, in query order, also when that run failed
 * (a query of nothing but over-long words fails with TRAWL_EQUERY and a message saying so).
 * Pointers are valid until the next run on s. Iterate until TRAWL_ENOTFOUND:
 *
 *     trawl_warning w;
 *     for (size_t i = 0; trawl_search_warning(s, i, &w) == TRAWL_OK; i++)
 *         fprintf(stderr, "warning: %s\n", w.message);
 *
 * @return TRAWL_OK, or TRAWL_ENOTFOUND when i is past the last warning. */
TRAWL_API int trawl_search_warning(const trawl_search *s, size_t i, trawl_warning *out);

/** A highlighted passage of a hit's stored text. Frozen (an array element): never grows. */
typedef struct trawl_span {
    uint32_t off; /**< byte offset of a match inside trawl_snippet.text */
    uint32_t len; /**< bytes of the match */
} trawl_span;

/** May grow at its end (see "ABI promise"). */
typedef struct trawl_snippet {
    const char *text;        /**< UTF-8 passage, not NUL-terminated */
    size_t len;              /**< bytes of text */
    const trawl_span *spans; /**< query-term matches inside text, in order */
    size_t n_spans;
    int is_start;     /**< the passage starts at the document's start */
    int is_end;       /**< the passage ends at the document's end */
    uint64_t doc_off; /**< byte offset of text in the hit's stored text (trawl_search_text):
                           a program counts the newlines before it to give a line number
                           (0 from a library older than this field) */
} trawl_snippet;

/** trawl_search_snippet with the caller's sizeof(trawl_snippet). */
TRAWL_API int trawl_search_snippet_sized(trawl_search *s, size_t i, size_t max_bytes,
                                         trawl_snippet *out, size_t out_size);

/** Builds the best snippet of hit i: the window of about max_bytes (default 200 when 0) with
 * the most distinct query-term matches, cut at word boundaries, with the matches marked.
 * Decompresses one stored-text block. Pointers stay valid until the next snippet, text or run
 * call on s.
 * @return TRAWL_OK; TRAWL_ENOTFOUND (no hit i, or the last run failed); TRAWL_ECORRUPT (the
 *         stored text fails its checks); TRAWL_ENOMEM. */
static inline int trawl_search_snippet(trawl_search *s, size_t i, size_t max_bytes,
                                       trawl_snippet *out)
{
    return trawl_search_snippet_sized(s, i, max_bytes, out, sizeof *out);
}

/** The full stored text of hit i (decompressed into the context). Valid until the next
 * snippet, text or run call on s. Right after trawl_search_snippet of the same hit it costs
 * nothing: that text is decompressed already, and the snippet's text stays valid, at
 * text + doc_off.
 * @return TRAWL_OK, TRAWL_ENOTFOUND, TRAWL_ECORRUPT or TRAWL_ENOMEM. */
TRAWL_API int trawl_search_text(trawl_search *s, size_t i, const char **text, size_t *len);

/** One scoring clause of an explained hit: a term or a phrase. Frozen (an array element): never
 * grows. */
typedef struct trawl_explain {
    const char *term; /**< the analysed term, or the phrase's terms joined by spaces */
    uint32_t tf;      /**< occurrences (phrase frequency for a phrase) in the document */
    uint64_t df;      /**< documents containing it, over the whole opened index; for a phrase,
                           its rarest term's (the documents that may hold it) */
    double idf;       /**< ln(1 + (N - df + 0.5) / (df + 0.5)); for a phrase, the sum of its
                           terms' idf (a word written twice counts twice), as Lucene's */
    double norm;      /**< length norm k1 * (1 - b + b * doc_len / avg_len) */
    double score;     /**< idf * tf * (k1 + 1) / (tf + norm), times the clause's weight
                           (trawl_explain_info); the hit's score is the sum */
} trawl_explain;

/** With o->explain set: the clauses that scored hit i. *n receives their count; the array is
 * valid until the next run on s. doc_len (may be NULL) receives the hit's length in tokens.
 * @return TRAWL_OK, TRAWL_ENOTFOUND, or TRAWL_EARG if the search was not run with explain. */
TRAWL_API int trawl_search_explain(const trawl_search *s, size_t i, const trawl_explain **out,
                                   size_t *n, uint32_t *doc_len);

/** What a clause of an explained hit is (trawl_explain_info.kind). */
enum {
    TRAWL_CLAUSE_TERM = 0,      /**< a term's BM25: weight * idf * tf * (k1 + 1) / (tf + norm) */
    TRAWL_CLAUSE_PHRASE = 1,    /**< a phrase's BM25, the phrase as one pseudo-term whose tf
                                     is the phrase frequency and idf its terms' summed */
    TRAWL_CLAUSE_PROXIMITY = 2, /**< a term's proximity part (docs/RANKING.md): its tf, df and
                                     idf are the term's, norm the hit's length norm */
};

/** More about clause j of explained hit i (the j-th trawl_explain of trawl_search_explain).
 * May grow at its end (see "ABI promise"). */
typedef struct trawl_explain_info {
    int kind;         /**< TRAWL_CLAUSE_TERM, _PHRASE or _PROXIMITY */
    int origin;       /**< TRAWL_TERM_QUERY, _FUZZY or _FEEDBACK: where the term comes from */
    double weight;    /**< the clause's factor: its query weight for a term (1 for a word
                           written once), lambda * weight * min(1, idf) for a proximity part */
    double closeness; /**< proximity: the term's sum of idf(neighbour) / distance^2 over the
                           adjacent pairs of query-term occurrences it is part of; else 0 */
    uint32_t edits;   /**< a fuzzy variant's edits from the query word, else 0 */
    const char *from; /**< a fuzzy variant's query word (analysed), else NULL */
} trawl_explain_info;

/** trawl_search_explain_info with the caller's sizeof(trawl_explain_info). */
TRAWL_API int trawl_search_explain_info_sized(const trawl_search *s, size_t i, size_t j,
                                              trawl_explain_info *out, size_t out_size);

/** Fills *out for clause j of explained hit i. Pointers are valid until the next run on s.
 * @return TRAWL_OK; TRAWL_ENOTFOUND past the last hit or clause; TRAWL_EARG if the search was
 *         not run with explain. */
static inline int trawl_search_explain_info(const trawl_search *s, size_t i, size_t j,
                                            trawl_explain_info *out)
{
    return trawl_search_explain_info_sized(s, i, j, out, sizeof *out);
}

/** A term the last query ran with: its words, and what fuzzy matching and query expansion
 * added. May grow at its end (see "ABI promise"). */
typedef struct trawl_query_term {
    const char *term; /**< the analysed term */
    double weight;    /**< its query weight (1 for a word written once) */
    uint64_t df;      /**< documents holding it, over the whole opened index */
    int origin;       /**< TRAWL_TERM_QUERY, _FUZZY or _FEEDBACK */
    uint32_t edits;   /**< _FUZZY: edits from the query word */
    const char *from; /**< _FUZZY: the query word (analysed); else NULL */
} trawl_query_term;

/** trawl_search_query_term with the caller's sizeof(trawl_query_term). */
TRAWL_API int trawl_search_query_term_sized(const trawl_search *s, size_t i, trawl_query_term *out,
                                            size_t out_size);

/** Term i (0-based) of the last successful run, in the order the query names them (a phrase's
 * and a prefix's terms included, fuzzy variants after their word's place, expansion terms
 * last), each once. Pointers valid until the next run on s. Iterate until TRAWL_ENOTFOUND:
 *
 *     trawl_query_term t;
 *     for (size_t i = 0; trawl_search_query_term(s, i, &t) == TRAWL_OK; i++)
 *         if (t.origin == TRAWL_TERM_FEEDBACK) printf("+%s %.3f\n", t.term, t.weight);
 *
 * O(1), no allocation. @return TRAWL_OK, or TRAWL_ENOTFOUND past the last term. */
static inline int trawl_search_query_term(const trawl_search *s, size_t i, trawl_query_term *out)
{
    return trawl_search_query_term_sized(s, i, out, sizeof *out);
}

/** A spelling suggestion for the last query ("did you mean"), for a query that found nothing
 * or little: each plain word of it whose analysed form has a spelling one edit away (a
 * restricted Damerau-Levenshtein edit) in at least 10 times as many documents (or, for a word
 * in none, in any) is replaced by the most frequent such spelling, keeping the word's unstemmed
 * ending. Walks the dictionary once per word (a fraction of a millisecond on a 150,000-term
 * dictionary). The text is valid until the next run on s.
 * @return TRAWL_OK with the suggested query in *text (*len bytes, NUL-terminated);
 *         TRAWL_ENOTFOUND no better spelling, or no successful run; TRAWL_ENOMEM;
 *         TRAWL_ECORRUPT. */
TRAWL_API int trawl_search_suggestion(trawl_search *s, const char **text, size_t *len);

/* ---------------------------------------------------------------- writer
 * A program keeps its own index with a writer: it opens one on an index directory (creating
 * it), adds, replaces and deletes documents by id, and publishes them with a commit. It is the
 * writer trawl-index uses, with the same guarantees:
 *  - Atomic commits. A commit is one rename of the directory's MANIFEST: readers (trawl_index
 *    handles, in any process) see all of a commit or none of it, and keep answering from the
 *    generation they opened until they reopen (trawl_index_reopen).
 *  - Crash safety. A crash (kill -9, power loss) at any instant leaves the last committed
 *    generation; what was written for an unfinished one is removed by the next writer. Closing
 *    without a commit rolls back the same way.
 *  - Bounded memory. The postings of the documents added since the last commit are held in
 *    memory_bytes, shared with the analyzers' stem caches and the analysis threads' batches,
 *    then spilled as sorted runs to files in the directory and merged at commit;
 *    their text is compressed into the new segment's file as it comes. What stays in memory
 *    besides: a few dozen bytes per added document, and the ids of the live documents (loaded
 *    at the first add or delete).
 *  - One writer per directory. Opening takes the directory's LOCK (flock) for the writer's
 *    life: a second writer, in this process or another, is refused with TRAWL_EIO ("locked").
 * Documents are identified by their id alone, the namespace of trawl-index --jsonl: adding an
 * id that is live replaces that document. Files that trawl-index indexed from a directory are
 * identified by their path under that directory instead; a writer leaves them alone.
 *
 * Threads: one thread at a time per writer (calls on different writers, and any reader
 * calls, may run in parallel). Each commit adds a segment; the merge policy keeps every
 * segment at least merge_ratio times the size of all smaller ones together (merging them when
 * it is not), so commits leave about log_merge_ratio(index size / commit size) segments, two or
 * three in practice; trawl_writer_merge merges them all.
 *
 * Indexing example (compiled and run by tests/unit/test_writer_api.c):
 *
 *     // Adds or replaces two documents, deletes a third, and publishes all of it at once.
 *     int index_some(const char *dir)
 *     {
 *         char errbuf[512];
 *         trawl_writer *w = NULL;
 *         int rc = trawl_writer_open(&w, dir, NULL, errbuf, sizeof errbuf);
 *         if (rc != TRAWL_OK) { // TRAWL_EIO "locked" while another writer has dir, ...
 *             fprintf(stderr, "%s %s\n", trawl_strerror(rc), errbuf);
 *             return rc;
 *         }
 *         const char *text = "Rafah crossing reopens for aid trucks";
 *         rc = trawl_writer_add(w, "doc-1", 5, text, strlen(text), 20240321, NULL);
 *         if (rc == TRAWL_OK) rc = trawl_writer_add(w, "doc-2", 5, "No date here", 12, 0, NULL);
 *         if (rc == TRAWL_OK) rc = trawl_writer_delete(w, "doc-0", 5);
 *         if (rc == TRAWL_ENOTFOUND) rc = TRAWL_OK; // there was no doc-0: nothing to delete
 *         if (rc == TRAWL_OK) rc = trawl_writer_commit(w); // readers see all three or none
 *         if (rc != TRAWL_OK)
 *             fprintf(stderr, "%s %s\n", trawl_strerror(rc), trawl_writer_errmsg(w));
 *         trawl_writer_close(w); // after a failure: as if nothing had been added
 *         return rc;
 *     }
 */

/** The writer of one index directory. Opaque; one thread at a time. */
typedef struct trawl_writer trawl_writer;

/** How a writer indexes. Always start from trawl_writer_options_init. May grow at its end (see
 * "ABI promise"). language and max_token_len are the index's analyzer: an existing index keeps
 * the ones it was built with (giving others is TRAWL_EARG) unless rebuild is set. */
typedef struct trawl_writer_options {
    const char *language;   /**< Snowball stemmer ("english", "french", ...; "none": no
                                 stemming); NULL (default): the existing index's, else "english" */
    uint32_t max_token_len; /**< longer tokens are dropped, 1..255 bytes; 0 (default): the
                                 existing index's, else 64 */
    size_t memory_bytes;    /**< memory for analysis and postings before runs spill to disk
                                 (default 256 MiB; 0: the default) */
    unsigned threads;       /**< 1: all work on the calling thread; N in 2..64: N - 1 helper
                                 threads analyse documents and one compresses stored text
                                 (same index bytes); 0 (default): 2 with 2 or more CPUs, else 1 */
    int rebuild;            /**< 1: the first commit drops every document indexed before (an
                                 unreadable existing index included); default 0 */
    int no_merge;           /**< 1: commits do not run the merge policy (trawl_writer_merge
                                 still merges); default 0 */
    unsigned merge_ratio;   /**< the size ratio the merge policy keeps between a segment and
                                 all smaller ones together, 2..1000 (default 10; 0: the
                                 default); larger: fewer segments, more merging */
    int phrase_grams;       /**< 1: also index each pair of adjacent words one of which is a
                                 common English word, so that phrases of common words search
                                 fast, for a larger index (docs/FORMAT.md "Phrase grams"); an
                                 existing index without them needs rebuild; 0 (default): the
                                 existing index's choice, none for a new index or a rebuild */
} trawl_writer_options;

/** Sets the first o_size bytes of *o to the defaults listed above (call
 * trawl_writer_options_init). Thread-safe.
 * @return TRAWL_OK, or TRAWL_EARG if o_size is below the 1.0 size of trawl_writer_options. */
TRAWL_API int trawl_writer_options_init_sized(trawl_writer_options *o, size_t o_size);

/** Fills o with the defaults listed above. Cannot fail from C or C++.
 * @return TRAWL_OK. */
static inline int trawl_writer_options_init(trawl_writer_options *o)
{
    return trawl_writer_options_init_sized(o, sizeof *o);
}

/** trawl_writer_open with the caller's sizeof(trawl_writer_options) (ignored when o is NULL). */
TRAWL_API int trawl_writer_open_sized(trawl_writer **out, const char *dir,
                                      const trawl_writer_options *o, char *errbuf,
                                      size_t errbuf_len, size_t o_size);

/** Opens a writer on the index directory dir, creating the directory (one level) if missing,
 * and takes its lock until trawl_writer_close. Reads the existing index's manifest and maps
 * its segments; removes files a crashed writer left. A new or empty directory becomes an index
 * (of no documents, if none are added) at the first commit. Cost: O(segments).
 * @param[out] out        the writer on success, NULL on failure
 * @param[in]  dir        the index directory (copied)
 * @param[in]  o          options (NULL: the defaults)
 * @param[out] errbuf     on failure, a one-line message naming the path and the problem; on
 *                        success, "" (may be NULL)
 * @param[in]  errbuf_len bytes of errbuf (the message is cut to fit)
 * @return TRAWL_OK;
 *         TRAWL_EIO       another writer holds the lock ("locked"), or a system call failed
 *                         (creating the directory, its LOCK file; the message has strerror);
 *         TRAWL_EARG      out or dir is NULL, an option is out of range (or unknown to this
 *                         library version: see "ABI promise"), an unknown language, a
 *                         language or max_token_len other than the existing index's, or dir
 *                         exists and is not a directory;
 *         TRAWL_ECORRUPT  the existing index is unreadable and rebuild is not set (it is left
 *                         untouched);
 *         TRAWL_EVERSION  the existing index has a file of a newer format version;
 *         TRAWL_ENOMEM. */
static inline int trawl_writer_open(trawl_writer **out, const char *dir,
                                    const trawl_writer_options *o, char *errbuf, size_t errbuf_len)
{
    return trawl_writer_open_sized(out, dir, o, errbuf, errbuf_len, sizeof *o);
}

/** Rolls back everything not committed (deleting its files), releases the lock and frees the
 * writer. Accepts NULL. Readers are unaffected. */
TRAWL_API void trawl_writer_close(trawl_writer *w);

/** Adds a document, replacing the live document with the same id if there is one (also one
 * added since the last commit). Searchable after the next commit. The text is analysed now (its
 * postings go to the memory budget, then to run files) and stored compressed; invalid UTF-8
 * sequences in it are stored but not indexed. Its source record holds text_len and the XXH3-64
 * hash of the text.
 * @param[in]  id       the document's id, id_len bytes (any bytes; not NUL-terminated)
 * @param[in]  text     UTF-8 text to index and store, text_len bytes (NULL if text_len is 0)
 * @param[in]  date     YYYYMMDD (a real calendar day), or 0 for none
 * @param[out] replaced 1 if a live document was replaced, 0 if the id was new (may be NULL)
 * @return TRAWL_OK;
 *         TRAWL_EARG     w or id is NULL, id_len is 0, text is NULL with text_len > 0, or date
 *                        is not a calendar day: the call does nothing and the writer goes on;
 *                        or the new segment is full (2^31 - 2 documents or 4 GiB of ids
 *                        between two commits, or a text of 4 GiB);
 *         TRAWL_EIO      a run file could not be written (disk full: the message says);
 *         TRAWL_ECORRUPT an existing segment's document records fail their checks (the ids
 *                        of the live documents are loaded at the first add or delete);
 *         TRAWL_ENOMEM;
 *         or the code of an earlier failure. Every failure but the argument checks stops the
 *         writer: later calls return the same code, and only close is left (the index stays at
 *         its last commit). */
TRAWL_API int trawl_writer_add(trawl_writer *w, const char *id, size_t id_len, const char *text,
                               size_t text_len, uint32_t date, int *replaced);

/** Deletes the live document with this id (also one added since the last commit), as of the
 * next commit.
 * @return TRAWL_OK;
 *         TRAWL_ENOTFOUND no live document has this id: nothing changes, the writer goes on;
 *         TRAWL_EARG      w or id is NULL, or id_len is 0: the writer goes on;
 *         TRAWL_ECORRUPT, TRAWL_ENOMEM, or the code of an earlier failure: as for
 *         trawl_writer_add, the writer stops. */
TRAWL_API int trawl_writer_delete(trawl_writer *w, const char *id, size_t id_len);

/** Publishes every add and delete since the last commit as one new generation: finishes the
 * new segment (merging its spilled runs), writes the deletions, fsyncs, and renames the
 * manifest. Then, unless no_merge, carries out the merges the merge policy picks, each a
 * generation of its own. Without changes it only runs the policy (and on a directory never
 * committed writes an empty index). Cost: the new segment's size, plus the merges'.
 * @return TRAWL_OK;
 *         TRAWL_EIO    a write, fsync or rename failed (disk full: the message names the file);
 *         TRAWL_ENOMEM;
 *         TRAWL_ECORRUPT an existing segment fails its checks while being merged;
 *         or the code of an earlier failure. On failure the writer stops. The documents were
 *         published if trawl_writer_stat then shows has_changes 0 (a later merge failed):
 *         otherwise the index is still at its previous generation. */
TRAWL_API int trawl_writer_commit(trawl_writer *w);

/** Commits pending changes, then merges every segment into one, dropping deleted documents
 * (nothing to do for one segment without deletions). Readers that still map the old segments
 * keep them until they close. Cost: rewrites the whole index.
 * @return as trawl_writer_commit. */
TRAWL_API int trawl_writer_merge(trawl_writer *w);

/** The message of the last failed call on w: the stopping failure once the writer has
 * stopped, else that of the last call if it failed on its arguments or found nothing, else "".
 * Valid until the next call on w. Never NULL (also "" for a NULL w). */
TRAWL_API const char *trawl_writer_errmsg(const trawl_writer *w);

/** What a writer did and the state of its index. May grow at its end (see "ABI promise"). The
 * counts are since trawl_writer_open, committed or not. */
typedef struct trawl_writer_stats {
    uint64_t added;      /**< documents added under an id no live document had */
    uint64_t replaced;   /**< documents added in place of a live one with the same id */
    uint64_t deleted;    /**< documents deleted by trawl_writer_delete */
    uint64_t commits;    /**< generations published (each merge is one too) */
    uint64_t merges;     /**< merges carried out */
    uint64_t n_docs;     /**< live documents in the index as last committed */
    uint64_t generation; /**< the generation last committed, as trawl_index_generation of a
                              handle opened on it reports it (0: never committed) */
    uint32_t n_segments; /**< segments in the index as last committed */
    int has_changes;     /**< 1 if trawl_writer_commit has something to publish */
} trawl_writer_stats;

/** Fills the first st_size bytes of *st (call trawl_writer_stat). O(segments). Works on a
 * stopped writer too.
 * @return TRAWL_OK, or TRAWL_EARG if w or st is NULL or st_size is below the 1.0 size of
 *         trawl_writer_stats. */
TRAWL_API int trawl_writer_stat_sized(const trawl_writer *w, trawl_writer_stats *st,
                                      size_t st_size);

/** Fills st with what w did and its index's state. Cannot fail from C or C++ (w not NULL).
 * @return TRAWL_OK. */
static inline int trawl_writer_stat(const trawl_writer *w, trawl_writer_stats *st)
{
    return trawl_writer_stat_sized(w, st, sizeof *st);
}

/* ---------------------------------------------------------------- statistics across shards
 * One corpus split over several indexes (shards, in other processes or on other hosts) ranks as
 * one index when every shard scores with the statistics of all of them: N, the average length
 * and each clause's df. A search then goes in two phases:
 *
 *     // 1. every shard: the statistics of the query over its documents
 *     trawl_qstats *part;
 *     rc = trawl_search_qstats(s, query, &opt, &part);         // on each shard's context
 *     n = trawl_qstats_encoded_size(part);                     // ship it as bytes ...
 *     rc = trawl_qstats_encode(part, bytes, n);
 *     // 2. the coordinator: their sum
 *     trawl_qstats *all;
 *     rc = trawl_qstats_new(&all);
 *     rc = trawl_qstats_decode(&part, bytes, n, errbuf, sizeof errbuf);  // ... and back
 *     rc = trawl_qstats_merge(all, part);                      // once per shard
 *     // 3. every shard: the search with them, then merge the shards' top offset + limit
 *     rc = trawl_search_run_global(s, query, &opt, all);
 *
 * The merged hits, ordered by score (descending), then shard, then each shard's hit order,
 * equal those of one index holding the shards' documents in shard order (trawl_index_open of
 * the shard directories in that order, say): the same documents with the same scores, bit for
 * bit, because the same integers (N, total tokens, each df) go into the same floating-point
 * operations. Counts add up: the sum of the shards' trawl_search_count is one index's count
 * (exact if every shard's is). Explanations show the global df. A prefix expands, and fails
 * with TRAWL_ELIMIT, over the terms of all the shards; a fuzzy word (word~N, o->fuzzy) keeps
 * the variants, and takes the blended df, that the terms of all the shards give, and o->fuzzy
 * widens the words rare over all of them (phase 1 exports the variants of every word for it).
 * Proximity scores from each document's own positions, so it needs nothing more. Query
 * expansion (o->expand) is refused with TRAWL_EARG: its feedback documents would be each
 * shard's own top hits.
 *
 * The statistics are kept per clause, keyed by kind and analysed text: a term's df
 * (TRAWL_QSTATS_TERM, key: the term), for every term of the query, those of its phrases
 * included (a phrase is weighted by the sum of its terms' idf, as Lucene's PhraseQuery, so it
 * needs no count of its own). Merging sums every count,
 * so statistics a later version adds come as new kinds of keyed counts; the encoding (a
 * versioned binary record, docs/FORMAT.md, "Query statistics") keeps entries of kinds it does
 * not know through a decode, merge and encode. A trawl_qstats is not shared while it is
 * merged into; otherwise any number of threads may read one. */

/** Statistics of one or more indexes for BM25: documents, their total length, and the counts
 * of a query's clauses. Opaque. */
typedef struct trawl_qstats trawl_qstats;

enum {
    TRAWL_QSTATS_TERM = 1,   /**< a term's df: live documents holding it */
    TRAWL_QSTATS_PHRASE = 2, /**< a phrase's exact df, written by trawl 1.0.0 (a
                                  phrase is now weighted by its terms' df); still merged and
                                  kept, never read */
};

/** An empty trawl_qstats (no part yet, N = 0) to merge parts into. Thread-safe.
 * @return TRAWL_OK, TRAWL_EARG (out is NULL) or TRAWL_ENOMEM (then *out is NULL). */
TRAWL_API int trawl_qstats_new(trawl_qstats **out);

/** Frees qs. Accepts NULL. */
TRAWL_API void trawl_qstats_free(trawl_qstats *qs);

/** The collection statistics of idx alone (N, total tokens; no clause counts): one part.
 * O(1). Thread-safe.
 * @return TRAWL_OK, TRAWL_EARG or TRAWL_ENOMEM (then *out is NULL). */
TRAWL_API int trawl_index_qstats(const trawl_index *idx, trawl_qstats **out);

/** trawl_search_qstats with the caller's sizeof(trawl_options) (ignored when o is NULL). */
TRAWL_API int trawl_search_qstats_sized(trawl_search *s, const char *query, const trawl_options *o,
                                        size_t o_size, trawl_qstats **out);

/** Phase 1 of a search over shards: parses and plans query as trawl_search_run would (o's
 * default_or and max_expansions matter; its limits, sort, dates and BM25 parameters do not:
 * df counts every live document) and exports this index's statistics for it: N, total
 * tokens and the df of every term (prefix expansions and the terms of phrases included).
 * Costs what the planning of a search costs: a dictionary lookup per term and segment; no
 * postings are read. Replaces the previous results of s (it has no hits
 * afterwards).
 * @param[out] out the statistics (one part; the caller frees them), NULL on failure
 * @return TRAWL_OK, or an error of trawl_search_run (TRAWL_EQUERY, TRAWL_ELIMIT,
 *         TRAWL_ECORRUPT, TRAWL_ENOMEM, TRAWL_EARG), with trawl_search_errmsg. */
static inline int trawl_search_qstats(trawl_search *s, const char *q, const trawl_options *o,
                                      trawl_qstats **out)
{
    return trawl_search_qstats_sized(s, q, o, sizeof *o, out);
}

/** Adds the counts of from into into: N, total tokens and the number of parts add up, and
 * each keyed count adds to the count under the same key (a key only one side has is kept).
 * Merging the same part twice counts it twice. O(entries of both); into is rewritten.
 * @return TRAWL_OK;
 *         TRAWL_EARG   a NULL argument, the two were counted with different analyzers
 *                      (language, maximum token length), or a sum overflows 64 bits;
 *         TRAWL_ENOMEM (into is then unchanged). */
TRAWL_API int trawl_qstats_merge(trawl_qstats *into, const trawl_qstats *from);

/** trawl_search_run_global with the caller's sizeof(trawl_options) (ignored when o is NULL). */
TRAWL_API int trawl_search_run_global_sized(trawl_search *s, const char *query,
                                            const trawl_options *o, size_t o_size,
                                            const trawl_qstats *global);

/** Phase 2: trawl_search_run, scoring with the statistics global (the merged parts of every
 * shard, this one included; borrowed for the call only) instead of the index's: N and the
 * average length from global, each clause's df from its entry. Matching, counting and the
 * hits are this index's. Explanations (o->explain) show the global df.
 * @return as trawl_search_run; also TRAWL_EARG when global is NULL, was counted with another
 *         analyzer, covers fewer documents or tokens than this index, or lacks (or counts
 *         fewer documents than this index for) a clause that matches here: statistics of
 *         another query or of shards without this one. */
static inline int trawl_search_run_global(trawl_search *s, const char *q, const trawl_options *o,
                                          const trawl_qstats *global)
{
    return trawl_search_run_global_sized(s, q, o, sizeof *o, global);
}

/** The totals of qs: N, the summed document lengths, and the number of parts summed (any
 * pointer may be NULL). N and total tokens give avgdl = total / N. O(1). */
TRAWL_API void trawl_qstats_totals(const trawl_qstats *qs, uint64_t *n_docs, uint64_t *total_tokens,
                                   uint32_t *n_parts);

/** Number of keyed counts in qs. O(1). */
TRAWL_API size_t trawl_qstats_count(const trawl_qstats *qs);

/** Keyed count i of qs (0-based, in (kind, key) byte order). The key is not NUL-terminated and
 * is valid until qs is merged into or freed. Any output pointer may be NULL.
 *
 *     for (size_t i = 0; trawl_qstats_entry(qs, i, &kind, &key, &len, &df) == TRAWL_OK; i++)
 *         printf("%d %.*s %llu\n", kind, (int)len, key, (unsigned long long)df);
 *
 * @return TRAWL_OK, or TRAWL_ENOTFOUND when i is past the last. */
TRAWL_API int trawl_qstats_entry(const trawl_qstats *qs, size_t i, int *kind, const char **key,
                                 size_t *key_len, uint64_t *df);

/** Bytes trawl_qstats_encode writes for qs. O(entries). */
TRAWL_API size_t trawl_qstats_encoded_size(const trawl_qstats *qs);

/** Encodes qs into buf (docs/FORMAT.md, "Query statistics": a magic, a version, the analyzer,
 * the totals, the sorted entries and an xxhash64), independent of the host. The same
 * statistics always give the same bytes. Thread-safe.
 * @return TRAWL_OK, or TRAWL_EARG (a NULL argument, or cap below the encoded size). */
TRAWL_API int trawl_qstats_encode(const trawl_qstats *qs, void *buf, size_t cap);

/** Decodes len bytes written by trawl_qstats_encode (of this or an older version of the
 * format). Every length is checked against len before use, then the checksum.
 * @param[out] out    the statistics (the caller frees them), NULL on failure
 * @param[out] errbuf on failure, what is wrong and at which byte offset (may be NULL)
 * @return TRAWL_OK;
 *         TRAWL_ECORRUPT not a statistics record, truncated, entries out of order, or a
 *                        checksum mismatch;
 *         TRAWL_EVERSION written by a newer format version;
 *         TRAWL_EARG     out or data is NULL;
 *         TRAWL_ENOMEM. */
TRAWL_API int trawl_qstats_decode(trawl_qstats **out, const void *data, size_t len, char *errbuf,
                                  size_t errbuf_len);

/* ---------------------------------------------------------------- looking inside
 * The vocabulary of an index (Xapian's delve, FTS5's fts5vocab) and its documents by id, for
 * tools that show what an index holds (trawl-search --terms and --show use them). */

/** An iterator over the terms of an opened index. Opaque; one thread at a time. */
typedef struct trawl_terms trawl_terms;

/** One term of the vocabulary. Pointers are valid until the next trawl_terms_next or
 * trawl_terms_close on the iterator. May grow at its end (see "ABI promise"). */
typedef struct trawl_term {
    const char *term; /**< the indexed term: analysed (case folded, stemmed), NUL-terminated */
    size_t len;       /**< bytes of term */
    uint64_t df;      /**< live documents holding it, over the whole opened index */
    uint64_t cf;      /**< its occurrences (collection frequency); includes those in deleted
                           documents not yet merged away unless cf_is_exact */
    int cf_is_exact;  /**< 1 if no deleted document holds it, so cf counts live documents only */
} trawl_term;

/** Starts a walk over the terms of idx that start with prefix[0..prefix_len) (the bytes of
 * indexed terms: give a folded, unstemmed prefix; 0 bytes: every term), in byte order of the
 * terms, each once with statistics summed over every segment and directory; terms found only
 * in deleted documents are left out. idx must outlive the iterator. Cost: a dictionary seek per
 * segment now, O(segments) per term after. Iterate until TRAWL_ENOTFOUND:
 *
 *     trawl_terms *it;
 *     trawl_term t;
 *     int rc = trawl_terms_open(&it, idx, "invas", 5);
 *     while (rc == TRAWL_OK && (rc = trawl_terms_next(it, &t)) == TRAWL_OK)
 *         printf("%s %llu %llu\n", t.term, (unsigned long long)t.df, (unsigned long long)t.cf);
 *     if (rc != TRAWL_ENOTFOUND) fprintf(stderr, "%s\n", trawl_terms_errmsg(it));
 *     trawl_terms_close(it);
 *
 * @param[out] out the iterator (also after a TRAWL_ECORRUPT, for its message; close it), NULL
 *                 after TRAWL_EARG or TRAWL_ENOMEM
 * @return TRAWL_OK; TRAWL_EARG (idx NULL, prefix NULL with a length, or longer than 255 bytes,
 *         the longest term); TRAWL_ENOMEM; TRAWL_ECORRUPT (a dictionary fails its checksum,
 *         verified on first use). Thread-safe (one iterator per thread). */
TRAWL_API int trawl_terms_open(trawl_terms **out, const trawl_index *idx, const char *prefix,
                               size_t prefix_len);

/** trawl_terms_next with the caller's sizeof(trawl_term). */
TRAWL_API int trawl_terms_next_sized(trawl_terms *it, trawl_term *out, size_t out_size);

/** The next term. No allocation.
 * @return TRAWL_OK; TRAWL_ENOTFOUND after the last one; TRAWL_ECORRUPT (a dictionary block or a
 *         live file fails its checks: trawl_terms_errmsg says which; every later call returns
 *         it too); TRAWL_EARG (it or out NULL). */
static inline int trawl_terms_next(trawl_terms *it, trawl_term *out)
{
    return trawl_terms_next_sized(it, out, sizeof *out);
}

/** The message of the iterator's failure, "" if none. Never NULL. */
TRAWL_API const char *trawl_terms_errmsg(const trawl_terms *it);

/** Frees the iterator. Accepts NULL. */
TRAWL_API void trawl_terms_close(trawl_terms *it);

/** Looks up the live documents whose id is id[0..id_len) and makes them the results of s, as
 * hits 0, 1, ... in document order, in place of the last search's: trawl_search_hit (score 0),
 * trawl_search_hit_path and trawl_search_text serve them (trawl_search_snippet gives
 * TRAWL_ENOTFOUND: there is no query to highlight). A JSON Lines id names at most one document;
 * a file's id is its path relative to its root, so two roots may each have one (compare
 * trawl_search_hit_path to pick). Cost: O(live documents), a scan of the ids.
 * @return TRAWL_OK (at least one hit); TRAWL_ENOTFOUND (none; no hits); TRAWL_EARG (id NULL or
 *         empty); TRAWL_ECORRUPT (an ids section fails its checksum); TRAWL_ENOMEM. The message
 *         is trawl_search_errmsg's. */
TRAWL_API int trawl_search_find(trawl_search *s, const char *id, size_t id_len);

#ifdef __cplusplus
}
#endif

#endif
