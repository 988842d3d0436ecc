/* watch: keeps an index in sync with trees while they change (trawl-index --watch). Owns the
 * inotify instance, a watch on every directory the syncs walk, the batching of changed paths
 * into commits, and the fall back to a full sync when the kernel's event queue overflowed;
 * what a sync does is build.h's (one session, its writer and lock held for the whole watch).
 * Signals, printing and the clock of the summary are the caller's. Linux only. One thread. */
#ifndef TRAWL_WATCH_H
#define TRAWL_WATCH_H

#include "build.h"
#include "err.h"

#include <stddef.h>
#include <stdint.h>

#define WATCH_DEFAULT_INTERVAL_MS 2000
#define WATCH_DEFAULT_CHANGES     1000

/* Told of a commit: r says what it did, ns how long its syncs and commit took. */
typedef void (*watch_commit_fn)(void *ctx, const build_result *r, int64_t ns);

typedef struct watch_opts {
    uint32_t interval_ms;      /**< a batch is committed this long after its first change */
    size_t max_changes;        /**< ... or once it holds this many changed paths (0: default) */
    int stop_fd;               /**< readable: commit the batch and return (-1: never) */
    watch_commit_fn on_commit; /**< the first full sync, then every batch that committed */
    void *commit_ctx;
} watch_opts;

/* Syncs bo's paths into bo->index_dir as build_run does and commits (a new index may start
 * empty: no "no documents found"); then watches them. A batch collects the paths that events
 * name (created, written, touched, deleted, renamed away or in, directories included), each
 * once, and syncs each with build_sync_path: a new or moved-in directory is walked and watched,
 * one deleted or moved out takes its documents along. It is committed interval_ms after its
 * first change, or as soon as it holds max_changes paths, or when stop_fd becomes readable:
 * then watch_run returns. Hidden names, the index directory and whatever no sync walks
 * (build_covers) are ignored. After an overflowed event queue, or when a watched top directory
 * is moved or deleted, the next batch is a full sync (build_sync_all), with a warning.
 * bo must not ask for JSON Lines, deletions by id or a full merge (TRAWL_EARG). Returns
 * TRAWL_OK once stopped; build.h's errors; TRAWL_EIO when inotify fails (a directory the
 * kernel will not watch, say past fs.inotify.max_user_watches, is a warning: changes below it
 * are missed until a full sync meets it again). */
int watch_run(const build_opts *bo, const watch_opts *wo, err *e);

#endif
