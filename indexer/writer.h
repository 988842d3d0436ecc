/* writer: the one writer of an index directory. Owns the directory while open (an exclusive
 * lock, removal of files no manifest names, the manifest generations), the identity of
 * documents (catalog.h: a file's root joined with its id, or a JSON Lines id), and the life of
 * segments: new documents go into a new segment (segbuild.h), deletions into live files
 * (liv_writer.h), and iw_commit publishes both with one manifest rename, then lets the merge
 * policy (policy.h) rewrite segments (segmerge.h), each merge its own commit. A crash at any
 * instant leaves the previous generation; readers keep the generation they opened.
 * Never prints: warnings go to a callback. Not thread-safe: one thread drives a writer. */
#ifndef TRAWL_WRITER_H
#define TRAWL_WRITER_H

#include "err.h"
#include "format.h"
#include "policy.h"

#include <stddef.h>
#include <stdint.h>

typedef struct iw iw;

typedef void (*iw_warn_fn)(void *ctx, const char *msg);

typedef struct iw_opts {
    const char *dir;        /**< index directory; created (one level) at the first document */
    const char *language;   /**< NULL: the existing index's, else "english" */
    uint32_t max_token_len; /**< 0: the existing index's, else the analyzer default */
    int phrase_grams;       /**< 1: index phrase grams (grams.h); 0: the existing index's
                                 choice, none for a new one */
    size_t memory_bytes;    /**< memory budget of a new segment (segbuild.h; 0: default) */
    unsigned threads;       /**< 0: min(2, CPUs); N >= 2: N - 1 analysis workers and a zip thread */
    int rebuild;            /**< the first commit drops every document indexed before */
    int create;             /**< make and lock the directory at open, and let the first commit
                                 write a manifest even with nothing in it, so that a new index
                                 is locked from the start and exists once committed */
    int no_merge;           /**< commits do not run the merge policy */
    policy_opts policy;     /**< ratio 0: policy_defaults */
    iw_warn_fn warn;        /**< may be NULL */
    void *warn_ctx;
} iw_opts;

/* A document to add. root 0 makes id a JSON Lines id; otherwise id is a path relative to the
 * manifest root root (iw_root). */
typedef struct iw_doc {
    uint32_t root;
    const char *id;
    size_t id_len;
    uint32_t date;    /**< YYYYMMDD, 0 = none */
    const char *text; /**< UTF-8 text to index and store */
    size_t text_len;
    uint64_t size;    /**< input bytes it came from (change detection) */
    int64_t mtime_ns; /**< its file's mtime, 0 = none */
    uint64_t hash;    /**< XXH3-64 of the input bytes */
} iw_doc;

/* What the writer did since it was opened. */
typedef struct iw_counts {
    uint64_t added;        /**< documents added under a new identity */
    uint64_t replaced;     /**< documents added in place of a live one */
    uint64_t deleted;      /**< documents deleted (not counting replaced ones) */
    uint64_t touched;      /**< inputs recorded as touched but unchanged */
    uint64_t tokens;       /**< positions of the added documents */
    uint64_t commits;      /**< generations written, merges included */
    uint64_t merges;       /**< merges carried out */
    uint64_t merged_bytes; /**< bytes of the segments merges wrote */
    uint64_t new_bytes;    /**< bytes of the segments new documents went into */
    uint64_t new_stored;   /**< of which compressed stored text */
    uint64_t new_terms;    /**< distinct terms of the last new segment */
    uint32_t n_runs;       /**< postings runs spilled */
} iw_counts;

/* Opens (or prepares to create) o->dir and takes its lock; removes leftovers of crashed
 * writers. Every later failure is reported into e too, so e must outlive the writer. TRAWL_EIO
 * (also "locked" when another writer holds it), TRAWL_EARG (settings that differ from the existing
 * index's, a path that is not a directory), TRAWL_ECORRUPT (the existing index is unreadable and
 * o->rebuild is not set: it is left untouched), TRAWL_EVERSION, TRAWL_ENOMEM. */
int iw_open(iw **out, const iw_opts *o, err *e);

/* Gives up what was not committed (deleting its files) and releases the lock. Accepts NULL. */
void iw_close(iw *w);

/* The manifest root for an absolute, canonical path: found or added (committed with the next
 * commit). */
int iw_root(iw *w, const char *path, uint32_t *root);
/* The path of root, or NULL. */
const char *iw_root_path(const iw *w, uint32_t root);
/* The existing root that is path or its nearest ancestor directory: 1 with *root, else 0. */
int iw_root_above(const iw *w, const char *path, uint32_t *root);

/* Passes. A sync is a pass over some paths: every document it meets is marked (iw_seen, or
 * iw_add and iw_touch), then iw_delete_unseen deletes the unmarked ones under the paths walked.
 * Marks last until the next iw_commit or iw_merge_all, which end the pass and clear every mark
 * in O(1) (the catalog's mark epoch advances), so a writer kept open (a watch) can sync the same
 * paths again and again, one pass per commit. */

/* The live document with this identity: 1 with *src (its input's size, mtime and hash as last
 * recorded); 2 if it was already marked in this pass, which includes everything added since
 * the last commit (*src zeroed); 0 if there is none. */
int iw_lookup(iw *w, uint32_t root, const char *id, size_t id_len, fmt_src *src);

/* Marks the live document with this identity seen (unchanged) in this pass, so
 * iw_delete_unseen keeps it. iw_add and iw_touch mark the documents they write. */
int iw_seen(iw *w, uint32_t root, const char *id, size_t id_len);

/* Adds d, replacing a live document with the same identity (*replaced = 1; may be NULL).
 * TRAWL_ENOMEM, TRAWL_EIO, TRAWL_EARG (segment limits). */
int iw_add(iw *w, const iw_doc *d, int *replaced);

/* Deletes the live document with this identity: 1 if there was one, 0 if not, or an error. */
int iw_delete(iw *w, uint32_t root, const char *id, size_t id_len);

/* Records that the input of a live document now has this size and mtime, its content being
 * unchanged (a touch), so later syncs need not read it. */
int iw_touch(iw *w, uint32_t root, const char *id, size_t id_len, uint64_t size, int64_t mtime_ns);

/* Deletes every live document under path (a directory: everything below it; a file: that
 * file) not marked in this pass (iw_seen, iw_add, iw_touch): the files gone from a tree that
 * was walked again. *n receives how many. A file costs one lookup; a directory a walk over
 * every live document's key. */
int iw_delete_unseen(iw *w, const char *path, int is_dir, uint64_t *n);

/* 1 if there is something to commit (with o->create: also a directory never committed). */
int iw_has_changes(const iw *w);

/* Publishes everything added, deleted or touched since the last commit as one new generation
 * (a no-op without changes), then, unless o->no_merge, carries out the merges the policy
 * picks (each a further generation), and ends the pass (every mark cleared). On failure the
 * previous generation stays the index's and the writer refuses further work (close it). */
int iw_commit(iw *w);

/* Commits pending changes, then merges every segment into one (dropping deleted documents),
 * and ends the pass like iw_commit. A no-op for an index of one segment without deletions. */
int iw_merge_all(iw *w);

const iw_counts *iw_get_counts(const iw *w);
/* Live documents, segments and the manifest generation of the index as last committed
 * (generation 0: nothing committed yet). */
uint64_t iw_n_docs(const iw *w);
size_t iw_n_segments(const iw *w);
uint64_t iw_generation(const iw *w);
/* 1 if some segment predates document sources (format 1): files cannot be synced into it. */
int iw_has_v1(const iw *w);

#endif
