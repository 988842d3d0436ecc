/* build: brings an index in line with a corpus (the sync behind trawl-index). Walks the paths
 * given, and through the writer (writer.h) adds the files it has not seen, replaces the ones
 * whose content changed (size and mtime tell without reading; a content hash tells a touch
 * from an edit), deletes the ones gone from under those paths, and leaves documents from other
 * paths alone; JSON Lines records replace the record with the same id. Explicit deletions by
 * id, and a full merge, go through the same writer. build_run does it all at once; a session
 * (build_open ... build_close) keeps the writer open to sync again, the whole corpus or one
 * path under it, one commit at a time (watch.h). Never prints: warnings and progress go to
 * callbacks. */
#ifndef TRAWL_BUILD_H
#define TRAWL_BUILD_H

#include "corpus.h"
#include "err.h"
#include "policy.h"

#include <stddef.h>
#include <stdint.h>

#define BUILD_DEFAULT_MEMORY ((size_t)256 << 20)

typedef void (*build_warn_fn)(void *ctx, const char *msg);
/* Called after every input document or file (indexed, unchanged or skipped): documents seen,
 * input bytes read. */
typedef void (*build_progress_fn)(void *ctx, uint64_t n_docs, uint64_t in_bytes);
/* Told of each directory a walk enters, before its entries are listed (corpus_dir_fn). */
typedef int (*build_dir_fn)(void *ctx, const char *path);

/* Called once before the sync, with progress_ctx, with the files the walk will meet (a first
 * walk that stats and counts them without reading), so progress can say how far along it is. */
typedef void (*build_plan_fn)(void *ctx, uint64_t n_files, uint64_t bytes);

typedef struct build_opts {
    const char *index_dir;    /**< created if missing (one level) */
    const char *const *paths; /**< corpus paths (corpus.h); may be empty with deletes/merge */
    size_t n_paths;
    int is_jsonl; /**< corpus_opts fields */
    const char *id_field, *text_field, *date_field;
    const char *language;          /**< NULL: the existing index's, else "english" */
    uint32_t max_token_len;        /**< 0: the existing index's, else the analyzer default */
    int phrase_grams;              /**< 1: index phrase grams; 0: as the existing index */
    size_t memory_bytes;           /**< memory budget of analysis and postings (0 = default) */
    int rebuild;                   /**< replace the index instead of updating it */
    unsigned threads;              /**< 0: min(2, online CPUs); 1: no helper thread; N >= 2: N - 1
                                        threads analyse documents and one compresses stored
                                        text (same output bytes) */
    const char *const *delete_ids; /**< JSON Lines ids (or file paths) to delete */
    size_t n_delete_ids;
    const char *delete_from; /**< a file of ids to delete, one a line ("-": standard input) */
    int merge;               /**< merge the index into one segment after the sync */
    int no_merge;            /**< no merge policy after the commit */
    policy_opts policy;      /**< ratio 0: defaults */
    build_warn_fn warn;      /**< may be NULL */
    void *warn_ctx;
    build_progress_fn progress; /**< may be NULL */
    void *progress_ctx;
    build_dir_fn on_dir; /**< may be NULL; returns 0, or a TRAWL_E* code (said in e) that
                              stops the sync */
    void *dir_ctx;
    /* The corpus walk's selection and notes (corpus.h), and a first walk that only counts. */
    const struct sel *select; /**< NULL: all but hidden entries and VCS directories */
    corpus_note_fn note;      /**< binary files skipped, Latin-1 files converted; may be NULL */
    void *note_ctx;
    build_plan_fn plan; /**< may be NULL; else a first walk counts the files and calls it */
} build_opts;

/* What a run, or a session's commit, did: counts since the previous commit (or the start),
 * and the index as it is afterwards (n_segments, n_live). */
typedef struct build_result {
    uint32_t n_docs;       /**< documents indexed (added and updated) */
    uint64_t n_added;      /**< new documents */
    uint64_t n_updated;    /**< documents replaced by a changed version */
    uint64_t n_deleted;    /**< documents deleted (gone from the tree, or by id) */
    uint64_t n_unchanged;  /**< documents found unchanged (touched ones included) */
    uint64_t n_missing;    /**< ids asked to be deleted that matched no document */
    uint64_t tokens;       /**< positions used by the indexed documents */
    uint64_t n_terms;      /**< distinct terms of the new segment */
    uint64_t file_bytes;   /**< bytes of the new segment file */
    uint64_t stored_bytes; /**< of which compressed stored text */
    uint64_t in_bytes;     /**< corpus bytes read */
    uint32_t n_runs;       /**< runs spilled (0: everything fit in memory) */
    size_t n_segments;     /**< segments in the index afterwards */
    uint64_t n_live;       /**< live documents in the index afterwards */
    uint64_t merges;       /**< merges carried out */
    uint64_t commits;      /**< generations committed */
} build_result;

void build_opts_init(build_opts *o);

/* Syncs o->paths into o->index_dir, deletes o's ids, commits, runs the merge policy (or a full
 * merge). On failure the previous index is untouched and temporary files are removed.
 * Returns TRAWL_OK; TRAWL_EARG (missing path, unknown language, settings that differ from the
 * existing index, no documents for a new index); TRAWL_ECORRUPT (existing index unreadable,
 * without rebuild); TRAWL_EIO (with the file and strerror; also "locked" when another writer
 * holds INDEX_DIR/LOCK); TRAWL_ENOMEM. */
int build_run(const build_opts *o, build_result *r, err *e);

/* A sync session: the writer of o->index_dir, held open (with its lock) until build_close, and
 * the path arguments made canonical, each hung under a manifest root. One pass (writer.h) runs
 * from one commit to the next: the syncs in it read each file at most once. */
typedef struct build_session build_session;

/* Checks the paths, opens the writer and resolves the path arguments. o and e are borrowed
 * until build_close: every later failure is reported into e. Errors as build_run's. */
int build_open(build_session **out, const build_opts *o, err *e);

/* Syncs every path of o, as build_run does (without the deletions by id): files added,
 * replaced or touched, then the documents under each path that the walk did not meet deleted.
 * Nothing is committed. TRAWL_EIO, TRAWL_ENOMEM, or a callback's non-zero value. */
int build_sync_all(build_session *s);

/* 1 if a sync walks path (absolute, canonical up to its last component): it is a path
 * argument or lies under a directory argument, with no hidden name below the argument, and is
 * not the index directory or below it. */
int build_covers(const build_session *s, const char *path);

/* Brings the index in line with one path under the arguments, whatever it is now: a directory
 * is walked (its documents the walk did not meet are deleted), a file synced (deleted when it
 * is no longer an indexable text file), a path that no longer exists, or that build_covers
 * says no walk enters, has its documents deleted. was_dir: the path was a directory until
 * lately, so documents under it go too (a walk over every key: set it only for directories).
 * Ids are relative to the root of the deepest argument above path, as in a full sync.
 * TRAWL_EARG for a path under no argument; else as build_sync_all. Not for JSON Lines. */
int build_sync_path(build_session *s, const char *path, int was_dir);

/* Commits what the syncs since the previous commit did (a no-op without changes), runs the
 * merge policy or (o->merge) a full merge, and ends the pass. r receives what this commit did.
 * On failure the index keeps its previous generation and the session only closes. */
int build_commit(build_session *s, build_result *r);

/* Gives up anything uncommitted and releases the writer's lock. Accepts NULL. */
void build_close(build_session *s);

#endif
